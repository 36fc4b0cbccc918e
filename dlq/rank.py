"""cleanlab.rank for multi-class data: label quality scores, and issues in order, as distributed graphs.

``from cleanlab.rank import X`` becomes ``from dlq.rank import X`` for every
function here; inputs may be of any kind :func:`dlq.scan` reads, and a dask
array in gives a lazy answer out.
"""

from __future__ import annotations

from operator import attrgetter
from typing import Any

import dask.array as da
import numpy as np

from dlq import _validation, io
from dlq._validation import IN_MEMORY_ABSENT_CLASS_THRESHOLD
from dlq.graphs import passes
from dlq.graphs.blocks import step
from dlq.graphs.rows import lowest_rows, ranked_rows, true_rows
from dlq.kernels.problems import MULTICLASS
from dlq.multiclass import get_label_quality_scores
from dlq.scheduler import computed_unless_lazy

__all__ = [
    "find_top_issues",
    "get_confidence_weighted_entropy_for_each_label",
    "get_label_quality_scores",
    "get_normalized_margin_for_each_label",
    "get_self_confidence_for_each_label",
    "order_label_issues",
]


def get_self_confidence_for_each_label(labels: Any, pred_probs: Any) -> Any:
    """Each example's predicted probability of its given label.

    Examples
    --------
    >>> import numpy as np
    >>> get_self_confidence_for_each_label(np.array([0, 1]), np.array([[0.9, 0.1], [0.6, 0.4]])).tolist()
    [0.9, 0.4]
    """
    return get_label_quality_scores(labels, pred_probs, method="self_confidence")


def get_normalized_margin_for_each_label(labels: Any, pred_probs: Any) -> Any:
    """Each example's probability of its given label less the largest other
    one, mapped from [-1, 1] to [0, 1].

    Examples
    --------
    >>> import numpy as np
    >>> get_normalized_margin_for_each_label(np.array([0, 1]), np.array([[0.9, 0.1], [0.6, 0.4]])).round(2).tolist()
    [0.9, 0.4]
    """
    return get_label_quality_scores(labels, pred_probs, method="normalized_margin")


def get_confidence_weighted_entropy_for_each_label(labels: Any, pred_probs: Any) -> Any:
    """Each example's normalized entropy of pred_probs over its given label's
    probability, rescaled to [0, 1] as cleanlab does.

    Examples
    --------
    >>> import numpy as np
    >>> scores = get_confidence_weighted_entropy_for_each_label(np.array([0, 1]), np.array([[0.9, 0.1], [0.6, 0.4]]))
    >>> bool(scores[0] > scores[1])
    True
    """
    return get_label_quality_scores(labels, pred_probs, method="confidence_weighted_entropy")


def find_top_issues(quality_scores: Any, *, top: int = 10) -> Any:
    """The ``top`` examples of lowest quality score, lowest first (ties to
    the lower index); all of them when ``top`` is None or more than there are.

    A dask array of scores is never gathered: each chunk keeps its ``top``
    lowest and merges keep the lowest of those (a lazy answer).

    Examples
    --------
    >>> import numpy as np
    >>> find_top_issues(np.array([0.5, 0.1, 0.9, 0.1]), top=3).tolist()
    [1, 3, 0]
    """
    if top is not None and (isinstance(top, bool) or not isinstance(top, (int, np.integer)) or top < 0):
        raise ValueError(f"top must be a non-negative integer or None; got {top!r}")
    if isinstance(quality_scores, da.Array):
        if quality_scores.ndim != 1:
            raise ValueError(f"quality_scores must be 1-D, one score per example; got shape {quality_scores.shape}")
        count = quality_scores.shape[0] if top is None else min(int(top), quality_scores.shape[0])
        return step(attrgetter("indices"), lowest_rows(quality_scores, count))
    scores = np.asarray(quality_scores)
    if scores.ndim != 1:
        raise ValueError(f"quality_scores must be 1-D, one score per example; got shape {scores.shape}")
    return np.argsort(scores, kind="stable")[: scores.shape[0] if top is None else top]


def order_label_issues(
    label_issues_mask: Any,
    labels: Any,
    pred_probs: Any,
    *,
    rank_by: str = "self_confidence",
    rank_by_kwargs: dict | None = None,
) -> Any:
    """The indices of the examples flagged in ``label_issues_mask``, ordered
    by their label quality score under ``rank_by`` (lowest first, ties to the
    lower index). Only the flagged rows are scored, in a read after the one
    that checks the data (and computes the thresholds, when
    ``rank_by_kwargs={"adjust_pred_probs": True}``).

    Parameters
    ----------
    label_issues_mask : array-like of bool, shape (N,)
        True at the examples to order (as :func:`dlq.find_label_issues` gives).
    labels, pred_probs : array-like
        As for :func:`dlq.get_label_quality_scores`.
    rank_by : {"self_confidence", "normalized_margin", "confidence_weighted_entropy"}
    rank_by_kwargs : dict, optional
        ``{"adjust_pred_probs": bool}``.

    Returns
    -------
    ndarray of int
        A lazy ``Delayed`` when an input is a dask array.

    Examples
    --------
    >>> import numpy as np
    >>> pred_probs = np.array([[0.9, 0.1], [0.2, 0.8], [0.7, 0.3], [0.4, 0.6]])
    >>> order_label_issues(np.array([False, True, True, True]), np.array([0, 0, 1, 1]), pred_probs).tolist()
    [1, 2, 3]
    """
    adjust = _validation.check_ranking(rank_by, rank_by_kwargs)
    opened_labels, opened_probs = io.open_inputs(labels, pred_probs)
    mask = io.array_like(label_issues_mask, name="label_issues_mask")
    if mask.shape != (opened_probs.shape[0],) or mask.dtype != bool:
        raise ValueError(
            f"label_issues_mask must be {opened_probs.shape[0]} booleans, one per example; "
            f"got shape {mask.shape} of dtype {mask.dtype}"
        )
    mask = io.open_array(mask, name="label_issues_mask", chunk_rows=opened_probs.chunks[0])
    pass1 = passes.threshold_pass(
        MULTICLASS, opened_labels, opened_probs, absent_class_threshold=IN_MEMORY_ABSENT_CLASS_THRESHOLD
    )
    ranked = ranked_rows(
        MULTICLASS,
        opened_labels,
        opened_probs,
        step(_once_valid, pass1.thresholds, true_rows(mask)),
        method=rank_by,
        thresholds=pass1.thresholds if adjust else None,
    )
    return computed_unless_lazy(step(attrgetter("indices"), ranked), label_issues_mask, labels, pred_probs)


def _once_valid(thresholds: np.ndarray, rows: np.ndarray) -> np.ndarray:
    """``rows``, once the thresholds (which raise for invalid data) are known."""
    return rows
