"""Each class's issues of multi-label data (its K one-vs-rest problems), as
the multi-label faces finish their searches in process: the issues united,
and the rows gathered at them (labels and pred_probs in hand) scored
(adjusted by their own thresholds, if asked), ranked, and split into each
class's two columns.

Nothing here reads the data or builds a graph (the faces ``step`` what
runs after a lazy search); the arithmetic is :mod:`dlq.kernels.onevsrest`'s
(and :mod:`dlq.kernels.subblocks`'), the sets :mod:`dlq.kernels.sets`' and
the order :mod:`dlq.kernels.order`'s.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from dlq.kernels import onevsrest, order, sets, subblocks


def union(per_class: list[np.ndarray]) -> np.ndarray:
    """The examples with an issue in some class, sorted.

    Parameters
    ----------
    per_class : list of ndarray of int
        Each class's issues, as indices.

    Returns
    -------
    ndarray of int64

    Examples
    --------
    >>> union([np.array([4, 2]), np.array([2, 9])]).tolist()
    [2, 4, 9]
    """
    return sets.union(per_class)


def rows_in_any(per_class: list[np.ndarray]) -> int:
    """How many examples have an issue in some class: the size of their :func:`union`.

    Examples
    --------
    >>> rows_in_any([np.array([1, 4]), np.array([4, 7]), np.array([], int)])
    3
    """
    return int(union(per_class).shape[0])


def first_as_a_set(per_cell: list[np.ndarray]) -> np.ndarray:
    """The first cell's indices of :func:`dlq.graphs.passes.lowest_scores`
    (the one cell of an aggregate's scores), ranked there, sorted here.

    Examples
    --------
    >>> first_as_a_set([np.array([7, 1, 4])]).tolist()
    [1, 4, 7]
    """
    return sets.of_distinct(per_cell[0])


def ranked_by_aggregate(
    rows: np.ndarray,
    labels: np.ndarray,
    pred_probs: np.ndarray,
    *,
    method: str,
    aggregate: Callable[[np.ndarray], np.ndarray],
    adjust_absent_class_threshold: float | None = None,
) -> np.ndarray:
    """``rows`` ranked by their multi-label scores, ``aggregate`` of their
    classes' scores under ``method`` (a sub-block of rows at a time),
    lowest first, ties to the lower row.

    Parameters
    ----------
    rows : ndarray of int, shape (n,)
        The examples' indices.
    labels, pred_probs : ndarray, shape (n, K)
        Their binary labels and predicted probabilities, in hand.
    method : str
        The score of each class's binary problem.
    aggregate : callable
        The multi-label score of an (n, K) block of class scores.
    adjust_absent_class_threshold : float, optional
        Adjust the scores by the (2, K) confident thresholds of these rows
        alone, as cleanlab ranks its multi-label ``low_*`` filters' issues;
        a side none of them has gets this threshold. None: no adjustment.

    Examples
    --------
    >>> labels, pred_probs = np.array([[1, 0], [0, 1]]), np.array([[0.9, 0.2], [0.7, 0.4]])
    >>> ranked_by_aggregate(np.array([3, 8]), labels, pred_probs, method="self_confidence",
    ...                     aggregate=lambda scores: scores.min(axis=1)).tolist()
    [8, 3]
    """
    thresholds = None
    if adjust_absent_class_threshold is not None:
        partials = onevsrest.threshold_partials(labels, pred_probs, 0)
        thresholds = onevsrest.confident_thresholds(partials, absent_class_threshold=adjust_absent_class_threshold)
    scores = subblocks.aggregated_scores(labels, pred_probs, method=method, thresholds=thresholds, aggregate=aggregate)
    return order.ranked(rows, scores)


def ranked_per_class(
    per_class: list[np.ndarray],
    rows: np.ndarray,
    labels: np.ndarray,
    pred_probs: np.ndarray,
    *,
    method: str,
    thresholds: np.ndarray | None,
) -> list[np.ndarray]:
    """Each class's issues ranked by that class's binary score under
    ``method`` (adjusted by ``thresholds`` unless None), lowest first, ties
    to the lower index.

    Parameters
    ----------
    per_class : list of ndarray of int
        Each class's issues, all among ``rows``.
    rows : ndarray of int, shape (n,)
        The sorted indices of the rows in hand (the issues' :func:`union`).
    labels, pred_probs : ndarray, shape (n, K)
        Those rows' binary labels and predicted probabilities.

    Examples
    --------
    >>> ranked = ranked_per_class([np.array([2, 5]), np.array([5])], np.array([2, 5]), np.array([[1, 0], [1, 1]]),
    ...                           np.array([[0.9, 0.1], [0.6, 0.8]]), method="self_confidence", thresholds=None)
    >>> [issues.tolist() for issues in ranked]
    [[5, 2], [5]]
    """
    scores = onevsrest.per_class_scores(labels, pred_probs, method=method, thresholds=thresholds)
    return [order.ranked(issues, scores[np.searchsorted(rows, issues), k]) for k, issues in enumerate(per_class)]


def labelled(per_class: list[np.ndarray], rows: np.ndarray, labels: np.ndarray) -> list[np.ndarray]:
    """Whether each class's issue is an example given that class, from the
    binary ``labels`` (n, K) of the sorted ``rows`` in hand.

    Examples
    --------
    >>> given = labelled([np.array([], int), np.array([3])], np.array([3]), np.array([[1, 0]]))
    >>> [issues.tolist() for issues in given]
    [[], [False]]
    """
    return [labels[np.searchsorted(rows, issues), k].astype(bool) for k, issues in enumerate(per_class)]


def binary_pred_probs(pred_probs: np.ndarray) -> list[np.ndarray]:
    """Each class's binary problem's pred_probs ``[1 - p_k, p_k]``, (N, 2)
    each, as cleanlab gives them.

    Examples
    --------
    >>> [probs.tolist() for probs in binary_pred_probs(np.array([[0.75, 0.5]]))]
    [[[0.25, 0.75]], [[0.5, 0.5]]]
    """
    return [np.column_stack(onevsrest.binary_columns(pred_probs[:, k])) for k in range(pred_probs.shape[1])]
