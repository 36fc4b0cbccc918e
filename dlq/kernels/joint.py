"""The confident joint's arithmetic once its counts are summed: small K x K work, done once.

The confident joint counts, for each given label i and each class j, the
examples given i whose probability of j reaches j's confident threshold
(less 1e-6); an example confident in several classes counts for its argmax.
Chunks give counts that add up exactly (:func:`dlq.kernels.multiclass.confident_joint_counts`);
everything here works on one problem's (K + 1, K) sums, and :func:`per_problem`
applies it to each of a set of problems (the K one-vs-rest problems of
multi-label data are K two-class ones).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from dlq.kernels import sets
from dlq.kernels.lowest import Lowest
from dlq.kernels.multiclass import FLOATING_POINT_COMPARISON, predicted_class
from dlq.kernels.scores import CLIPPING_LOWER_BOUND


def per_problem(
    function: Callable[..., np.ndarray], counts: np.ndarray, label_counts: np.ndarray, **options: Any
) -> np.ndarray:
    """``function(counts[p], label_counts[p], **options)`` for each problem p,
    stacked; an option given as a list holds one value per problem.

    Examples
    --------
    >>> counts = np.array([[[3, 1], [0, 0], [0, 0]], [[2, 0], [1, 1], [1, 0]]])
    >>> per_problem(confident_joint, counts, np.array([[4, 1], [2, 2]]), calibrate=False).tolist()
    [[[3, 1], [0, 1]], [[2, 0], [1, 1]]]
    """
    return np.stack(
        [
            function(
                counts[p],
                label_counts[p],
                **{name: value[p] if isinstance(value, list) else value for name, value in options.items()},
            )
            for p in range(counts.shape[0])
        ]
    )


def of_one_problem(function: Callable[..., Any], counts: np.ndarray, label_counts: np.ndarray, **options: Any) -> Any:
    """``function(counts[0], label_counts[0], **options)``: multi-class data's
    one problem (the graphs count P problems).

    Examples
    --------
    >>> counts = np.array([[[3, 1], [0, 0], [0, 0]]])
    >>> of_one_problem(confident_joint, counts, np.array([[4, 1]]), calibrate=False).tolist()
    [[3, 1], [0, 1]]
    """
    return function(counts[0], label_counts[0], **options)


def round_preserving_row_sums(matrix: np.ndarray) -> np.ndarray:
    """Round each row to integers whose sum is the row's rounded sum.

    Rows are rounded entry by entry, then the entries with the largest
    rounding loss (or gain) are moved by one until the sum is right, ties
    taken in ``numpy.argsort``'s order as cleanlab's rounding takes them.

    Examples
    --------
    >>> round_preserving_row_sums(np.array([[0.6, 0.3, 2.1], [1.25, 1.5, 0.25]])).tolist()
    [[1, 0, 2], [1, 2, 0]]
    """
    return np.array([_round_preserving_sum(row) for row in np.asarray(matrix, dtype=float)], dtype=int).reshape(
        np.shape(matrix)
    )


def _round_preserving_sum(values: np.ndarray) -> np.ndarray:
    rounded = values.round()
    target = values.sum().round()
    while abs(rounded.sum().round() - target) > FLOATING_POINT_COMPARISON:
        shortfall = np.round(target - rounded.sum().round())
        step = 1 if shortfall > 0 else -1
        order = np.argsort(values - rounded)
        for index in (order[::-1] if step == 1 else order)[: min(int(abs(shortfall)), values.shape[0])]:
            rounded[index] += step
    return rounded


def confident_joint(counts: np.ndarray, class_counts: np.ndarray, *, calibrate: bool) -> np.ndarray:
    """The confident joint from summed :func:`confident_joint_counts`: every
    diagonal entry at least 1, then calibrated to the label counts if asked.

    Examples
    --------
    >>> confident_joint(np.array([[3, 1], [0, 0], [0, 0]]), np.array([4, 1]), calibrate=False).tolist()
    [[3, 1], [0, 1]]
    """
    joint = with_diagonal_at_least_one(counts[:-1])
    return calibrated(joint, class_counts) if calibrate else joint


def calibrated(joint: np.ndarray, label_counts: np.ndarray) -> np.ndarray:
    """The joint with each row scaled to its label's count, all scaled to the
    number of examples, then rounded keeping row sums.

    Examples
    --------
    >>> calibrated(np.array([[3, 1], [1, 1]]), np.array([8, 2])).tolist()
    [[6, 2], [1, 1]]
    """
    rows = joint / np.clip(joint.sum(axis=1), CLIPPING_LOWER_BOUND, None)[:, None] * label_counts[:, None]
    rows = rows / np.clip(rows.sum(), CLIPPING_LOWER_BOUND, None) * label_counts.sum()
    return round_preserving_row_sums(rows)


def with_diagonal_at_least_one(joint: np.ndarray) -> np.ndarray:
    """Every class keeps at least one correctly labelled example."""
    joint = joint.copy()
    np.fill_diagonal(joint, np.maximum(joint.diagonal(), 1))
    return joint


def off_diagonal_issue_count(counts: np.ndarray, class_counts: np.ndarray) -> int:
    """cleanlab's ``off_diagonal`` estimate from summed
    :func:`confident_joint_counts`: the off-diagonal rows that disagree."""
    return int(counts[-1].sum())


def off_diagonal_issue_counts(counts: np.ndarray) -> np.ndarray:
    """cleanlab's ``off_diagonal`` estimate of each problem, from summed joint
    counts (P, C + 1, C): the off-diagonal rows that disagree.

    Examples
    --------
    >>> off_diagonal_issue_counts(np.array([[[3, 1], [0, 2], [1, 2]]])).tolist()
    [3]
    """
    return counts[:, -1].sum(axis=1)


def calibrated_issue_count(joint: np.ndarray, label_counts: np.ndarray) -> int:
    """cleanlab's ``off_diagonal_calibrated`` estimate from a calibrated joint:
    the joint calibrated once more and normalised, the mass off its diagonal
    times the number of examples, rounded.

    Examples
    --------
    >>> calibrated_issue_count(np.array([[6, 2], [1, 1]]), np.array([8, 2]))
    3
    """
    again = calibrated(joint, label_counts)
    normalised = again / np.clip(float(again.sum()), CLIPPING_LOWER_BOUND, None)
    return int(np.rint((1.0 - normalised.trace()) * label_counts.sum()))


def prune_counts(
    confident_joint: np.ndarray,
    label_counts: np.ndarray,
    *,
    min_examples_per_class: int,
    frac_noise: float,
    num_to_remove_per_class: np.ndarray | None,
) -> np.ndarray:
    """How many examples to prune from each cell, as cleanlab's filter counts
    them: entry (j, k) is the number of examples given label k to flag as
    truly j (j != k); the diagonal is the number of examples given k to keep.

    Each class keeps at least ``min_examples_per_class``: the diagonal is
    raised to it and the column's non-zero noise counts lowered evenly;
    ``frac_noise`` scales the noise counts down, the diagonal taking up the
    difference; ``num_to_remove_per_class`` rescales each row's noise rates
    to remove that many.

    Examples
    --------
    >>> prune_counts(np.array([[8, 2], [1, 9]]), np.array([10, 10]), min_examples_per_class=1,
    ...              frac_noise=1.0, num_to_remove_per_class=None).tolist()
    [[8, 1], [2, 9]]
    """
    matrix = confident_joint.T.astype(float)
    diagonal = matrix.diagonal()
    raised = np.maximum(diagonal, min_examples_per_class)
    noise_cells = np.maximum(np.count_nonzero(matrix, axis=0) - 1.0, 1.0)
    matrix = np.maximum(matrix - (raised - diagonal) / noise_cells, 0)
    np.fill_diagonal(matrix, raised)
    scaled = matrix * frac_noise
    np.fill_diagonal(scaled, matrix.diagonal())
    np.fill_diagonal(scaled, matrix.diagonal() + np.sum(matrix - scaled, axis=0))
    counts = round_preserving_row_sums(scaled.astype(int))
    if num_to_remove_per_class is None:
        return counts
    rates = counts / np.sum(counts, axis=1)
    noise_per_row = rates.sum(axis=1) - rates.diagonal()
    rescaled = (rates.T * num_to_remove_per_class / noise_per_row).T
    np.fill_diagonal(rescaled, label_counts - num_to_remove_per_class)
    return round_preserving_row_sums(rescaled)


def cells_to_prune(
    prune_matrix: np.ndarray,
    label_counts: np.ndarray,
    *,
    min_examples_per_class: int,
    by_noise_rate: bool,
    by_class: bool,
) -> np.ndarray:
    """How many examples each cell gives up, as a (K, K) array indexed
    (given label k, class j): for j != k, the examples given k with the
    largest margin p_j - p_k (none without ``by_noise_rate``, whose cells
    would select for nothing); with ``by_class``, (k, k) counts the examples
    given k with the smallest p_k. Classes with no more than
    ``min_examples_per_class`` examples (and classes of one) give up none.

    Examples
    --------
    >>> cells_to_prune(np.array([[8, 1], [2, 9]]), np.array([10, 10]), min_examples_per_class=1, by_noise_rate=True,
    ...                by_class=True)
    array([[2, 2],
           [1, 1]])
    """
    cells = prune_matrix.T.astype(np.int64) if by_noise_rate else np.zeros(prune_matrix.shape, np.int64)
    class_cells = label_counts - prune_matrix.diagonal() if by_class else np.zeros(label_counts.shape[0], np.int64)
    np.fill_diagonal(cells, np.maximum(class_cells, 0))
    cells = np.maximum(cells, 0)
    cells[label_counts <= max(min_examples_per_class, 1)] = 0  # cleanlab prunes no class of one example
    return cells


def prune_cells(
    counts: np.ndarray,
    class_counts: np.ndarray,
    *,
    given_joint: np.ndarray | None,
    min_examples_per_class: int,
    frac_noise: float,
    num_to_remove_per_class: np.ndarray | None,
    by_noise_rate: bool,
    by_class: bool,
) -> np.ndarray:
    """:func:`cells_to_prune` from summed :func:`confident_joint_counts` (or
    from ``given_joint``): the calibrated joint, its :func:`prune_counts`, then
    the cells.

    Examples
    --------
    >>> prune_cells(np.array([[8, 2], [1, 9], [2, 1]]), np.array([10, 10]), given_joint=None,
    ...             min_examples_per_class=1, frac_noise=1.0, num_to_remove_per_class=None, by_noise_rate=True,
    ...             by_class=False).tolist()
    [[0, 2], [1, 0]]
    """
    if given_joint is None:
        given_joint = confident_joint(counts, class_counts, calibrate=True)
    prune_matrix = prune_counts(
        given_joint,
        class_counts,
        min_examples_per_class=min_examples_per_class,
        frac_noise=frac_noise,
        num_to_remove_per_class=num_to_remove_per_class,
    )
    return cells_to_prune(
        prune_matrix,
        class_counts,
        min_examples_per_class=min_examples_per_class,
        by_noise_rate=by_noise_rate,
        by_class=by_class,
    )


def pruned(
    selected: Lowest, *, by_noise_rate: bool, by_class: bool, num_problems: int, num_classes: int
) -> list[np.ndarray]:
    """Sorted indices flagged in each problem by its noise-rate cells, its
    class cells, or (both) by each, of examples whose prediction does not
    agree with their label. Cells are numbered ``(problem * C + given) * C +
    class`` for problems of C classes.

    Examples
    --------
    >>> found = Lowest(np.array([1, 6]), np.array([-.4, -.2]), np.array([10, 11]), np.zeros(2, bool), np.ones(2))
    >>> [issues.tolist() for issues in pruned(found, by_noise_rate=True, by_class=False, num_problems=2,
    ...                                        num_classes=2)]
    [[10], [11]]
    """
    problem, cell = np.divmod(selected.cells, num_classes * num_classes)
    given, towards = np.divmod(cell, num_classes)
    issue = ~selected.agrees
    found = []
    for p in range(num_problems):
        mine = (problem == p) & issue
        flagged = []
        if by_noise_rate:
            flagged.append(sets.unique(selected.indices[mine & (given != towards)]))
        if by_class:
            flagged.append(sets.unique(selected.indices[mine & (given == towards)]))
        found.append(np.intersect1d(flagged[0], flagged[-1], assume_unique=True) if len(flagged) == 2 else flagged[0])
    return found


def argmax_confusion_counts(labels: np.ndarray, pred_probs: np.ndarray) -> np.ndarray:
    """A chunk's counts of (given label, argmax class), shape (K, K).

    Examples
    --------
    >>> argmax_confusion_counts(np.array([0, 0, 1]), np.array([[0.9, 0.1], [0.4, 0.6], [0.3, 0.7]])).tolist()
    [[1, 1], [0, 1]]
    """
    num_classes = pred_probs.shape[1]
    cells = labels.astype(np.int64) * num_classes + predicted_class(pred_probs)[0]
    return np.bincount(cells, minlength=num_classes * num_classes).reshape(num_classes, num_classes)
