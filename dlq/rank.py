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

from dlq import _validation
from dlq._validation import IN_MEMORY_ABSENT_CLASS_THRESHOLD, LOG_LOSS_SEARCH_TEMPERATURES
from dlq.graphs import passes
from dlq.graphs.blocks import step
from dlq.graphs.ensemble import ensemble_scores
from dlq.graphs.order import lowest_first
from dlq.graphs.problems import MULTICLASS
from dlq.graphs.rows import ranked_rows, true_rows
from dlq.graphs.scheduler import compute, computed_unless_lazy
from dlq.io import arrays
from dlq.multiclass import get_label_quality_scores

__all__ = [
    "find_top_issues",
    "get_confidence_weighted_entropy_for_each_label",
    "get_label_quality_ensemble_scores",
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
    _validation.check_top(top)
    scores = quality_scores if isinstance(quality_scores, da.Array) else np.asarray(quality_scores)
    _validation.check_one_score_per_example(scores)
    return lowest_first(scores, top)


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
    opened_labels, opened_probs = arrays.open_inputs(labels, pred_probs)
    mask = arrays.array_like(label_issues_mask, name="label_issues_mask")
    _validation.check_issue_mask(mask, opened_probs.shape[0])
    mask = arrays.open_array(mask, name="label_issues_mask", chunk_rows=opened_probs.chunks[0])
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


def get_label_quality_ensemble_scores(
    labels: Any,
    pred_probs_list: list,
    *,
    method: str = "self_confidence",
    adjust_pred_probs: bool = False,
    weight_ensemble_members_by: str = "accuracy",
    custom_weights: Any = None,
    log_loss_search_T_values: list[float] = LOG_LOSS_SEARCH_TEMPERATURES,
    verbose: bool = True,
) -> Any:
    """Label quality scores from several models' pred_probs: each model's
    scores under ``method``, combined by a weighted average.

    Each pred_probs is read once (twice when adjusted, for its thresholds).
    Weights by accuracy, or by log loss (``exp(-t * log loss)`` for the
    ``t`` in ``log_loss_search_T_values`` whose weighted average of pred_probs
    has the lowest log loss), are known only after every row is read: until
    then each model's scores and its probability of each given label are
    kept, a few bytes a row and model.

    Parameters
    ----------
    labels : array-like of int, shape (N,)
    pred_probs_list : list of array-like, each shape (N, K)
        Any input kinds :func:`dlq.scan` reads, in any mix.
    method, adjust_pred_probs
        As for :func:`get_label_quality_scores`.
    weight_ensemble_members_by : {"uniform", "accuracy", "log_loss_search", "custom"}
    custom_weights : array-like of float, shape (len(pred_probs_list),), optional
        For ``"custom"`` only.
    log_loss_search_T_values : list of float
    verbose : bool
        Print the weighting and the weights.

    Returns
    -------
    ndarray of float, shape (N,)
        A lazy dask array when an input is a dask array.

    Examples
    --------
    >>> import numpy as np
    >>> labels = np.array([0, 1])
    >>> first, second = np.array([[0.9, 0.1], [0.6, 0.4]]), np.array([[0.7, 0.3], [0.2, 0.8]])
    >>> get_label_quality_ensemble_scores(labels, [first, second], weight_ensemble_members_by="uniform",
    ...                                   verbose=False).round(2).tolist()
    [0.8, 0.6]
    """
    weights = _validation.check_ensemble(
        pred_probs_list,
        weight_ensemble_members_by=weight_ensemble_members_by,
        method=method,
        adjust_pred_probs=adjust_pred_probs,
        custom_weights=custom_weights,
    )
    opened_labels, first = arrays.open_inputs(labels, pred_probs_list[0])
    members = [first, *(_aligned_member(pred_probs, first, m) for m, pred_probs in enumerate(pred_probs_list[1:], 1))]
    thresholds = [
        passes.threshold_pass(
            MULTICLASS, opened_labels, pred_probs, absent_class_threshold=IN_MEMORY_ABSENT_CLASS_THRESHOLD
        ).thresholds
        if adjust_pred_probs
        else None
        for pred_probs in members
    ]
    found = ensemble_scores(
        opened_labels,
        members,
        method=method,
        thresholds=thresholds,
        weighting=weight_ensemble_members_by,
        custom_weights=weights,
        temperatures=list(log_loss_search_T_values),
    )
    if any(isinstance(x, da.Array) for x in (labels, *pred_probs_list)):
        return found.scores  # lazy in, lazy out: the weights are known when it is computed
    scores, weights = compute(found.scores, found.weights)
    if verbose:
        shown = np.round(np.asarray(weights, dtype=np.float64), 4).tolist()
        print(f"ensemble of {len(members)} models weighted by {weight_ensemble_members_by}: weights {shown}")
    return scores


def _aligned_member(pred_probs: Any, first: da.Array, position: int) -> da.Array:
    """A member's pred_probs in the first member's row chunks, refused unless of its shape."""
    name = f"pred_probs_list[{position}]"
    _validation.check_member_shape(arrays.array_like(pred_probs, name=name).shape, first.shape, name)
    return arrays.checked_pred_probs(arrays.open_array(pred_probs, name=name, chunk_rows=first.chunks[0]))


def _once_valid(thresholds: np.ndarray, rows: np.ndarray) -> np.ndarray:
    """``rows``, once the thresholds (which raise for invalid data) are known."""
    return rows
