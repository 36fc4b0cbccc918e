"""cleanlab-compatible multi-label scores (``cleanlab.multilabel_classification.rank``).

Class k of an example is scored as the binary problem ``[1 - p_k, p_k]``
with label ``y_k``; per-class scores are then aggregated so that the worst
class pulls the example down. The scores are :mod:`dlq.graphs.passes`' (over
:mod:`dlq.kernels.onevsrest`), aggregated by :mod:`dlq.multilabel.aggregators`.
"""

from __future__ import annotations

from typing import Any

from dlq import _validation
from dlq._validation import IN_MEMORY_ABSENT_CLASS_THRESHOLD
from dlq.graphs import passes
from dlq.graphs.problems import ONE_VS_REST
from dlq.graphs.scheduler import computed_unless_lazy
from dlq.io import arrays
from dlq.multilabel import aggregators

__all__ = ["get_label_quality_scores", "get_label_quality_scores_per_class"]


def get_label_quality_scores(
    labels: Any,
    pred_probs: Any,
    *,
    method: str = "self_confidence",
    adjust_pred_probs: bool = False,
    aggregator_kwargs: dict[str, Any] = _validation.DEFAULT_AGGREGATOR,
) -> Any:
    """Label quality score of every multi-label example, in [0, 1].

    Parameters
    ----------
    labels : list of lists of int, scipy.sparse matrix, or array of shape (N, K)
        Given classes of each example: cleanlab's list of class-index lists
        (``[[1], [0, 2]]``), or binary indicators (bool or 0/1 integers) as a
        sparse matrix or any array dlq reads (numpy, zarr, h5py, dask).
    pred_probs : array-like of float, shape (N, K)
        Predicted probability of each class; rows need not sum to 1.
    method : {"self_confidence", "normalized_margin", "confidence_weighted_entropy"}
        Score of each class's binary problem.
    adjust_pred_probs : bool
        Subtract each binary problem's confident thresholds first (a side no
        example has gets threshold 2, as in cleanlab). Not with
        confidence_weighted_entropy.
    aggregator_kwargs : dict
        ``{"method": "exponential_moving_average", "alpha": a}`` (alpha in
        [0, 1], or None for 2/(K+1)), ``{"method": "softmin", "temperature":
        t}`` (t > 0), or ``{"method": f, ...}`` with a callable called as
        ``f(scores, axis=1, ...)`` on an (n, K) block, returning shape (n,).

    Returns
    -------
    ndarray or dask.array.Array, shape (N,)
        numpy for in-memory input; a lazy dask array when labels or
        pred_probs is a dask array.

    Examples
    --------
    >>> import numpy as np, dlq
    >>> pred_probs = np.array([[0.1, 0.9, 0.1], [0.4, 0.1, 0.9]])
    >>> dlq.multilabel.get_label_quality_scores([[1], [0, 2]], pred_probs).round(6).tolist()
    [0.9, 0.5]
    """
    _validation.check_score_method(method, adjust_pred_probs)
    aggregate = aggregators.make_aggregator(aggregator_kwargs)
    opened = arrays.open_multilabel_inputs(labels, pred_probs)
    scores = passes.scores(
        ONE_VS_REST,
        *opened,
        method=method,
        adjust_absent_class_threshold=_absent(adjust_pred_probs),
        aggregate=aggregate,
    )
    return computed_unless_lazy(scores, labels, pred_probs)


def _absent(adjust_pred_probs: bool) -> float | None:
    """The threshold of a side no example has, when scores are adjusted."""
    return IN_MEMORY_ABSENT_CLASS_THRESHOLD if adjust_pred_probs else None


def get_label_quality_scores_per_class(
    labels: Any,
    pred_probs: Any,
    *,
    method: str = "self_confidence",
    adjust_pred_probs: bool = False,
) -> Any:
    """Label quality score of every class annotation of every example.

    Parameters are those of :func:`get_label_quality_scores`, without the
    aggregator.

    Returns
    -------
    ndarray or dask.array.Array, shape (N, K)
        ``scores[i, k]`` scores example i's annotation of class k. This is
        what cleanlab 2.9 returns (its docstring speaks of a list of K
        arrays, but its code returns this (N, K) array). A lazy dask array
        when labels or pred_probs is a dask array.

    Examples
    --------
    >>> import numpy as np, dlq
    >>> pred_probs = np.array([[0.1, 0.9, 0.1], [0.4, 0.1, 0.9]])
    >>> dlq.multilabel.get_label_quality_scores_per_class([[1], [0, 2]], pred_probs).round(6).tolist()
    [[0.9, 0.9, 0.9], [0.4, 0.9, 0.9]]
    """
    _validation.check_score_method(method, adjust_pred_probs)
    opened = arrays.open_multilabel_inputs(labels, pred_probs)
    per_class = passes.scores(
        ONE_VS_REST, *opened, method=method, adjust_absent_class_threshold=_absent(adjust_pred_probs)
    )
    return computed_unless_lazy(per_class, labels, pred_probs)
