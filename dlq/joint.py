"""The confident joint: per-chunk counts and the K x K arithmetic after them.

The confident joint counts, for each given label i and each class j, the
examples given i whose probability of j reaches j's confident threshold
(less 1e-6); an example confident in several classes counts for its argmax.
Chunks give counts that add up exactly; everything after the sum is small
K x K arithmetic, done once.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from dlq.kernels import (
    CLIPPING_LOWER_BOUND,
    FLOATING_POINT_COMPARISON,
    prediction_agrees,
)


def confident_joint_counts(labels: np.ndarray, pred_probs: np.ndarray, thresholds: np.ndarray) -> np.ndarray:
    """Per-chunk counts of the confident joint and of its off-diagonal rows
    whose prediction disagrees with their label, as one (K + 1, K) array: rows
    0..K-1 are the (given, confident) counts, row K counts the off-diagonal
    examples per given label whose argmax, with 1e-6 added to the given
    label's probability, is not the given label.

    Examples
    --------
    >>> labels = np.array([0, 0, 1, 1])
    >>> pred_probs = np.array([[0.9, 0.1], [0.3, 0.7], [0.2, 0.8], [0.6, 0.4]])
    >>> confident_joint_counts(labels, pred_probs, np.array([0.6, 0.6])).tolist()
    [[1, 1], [1, 1], [1, 1]]
    """
    num_classes = pred_probs.shape[1]
    guess, counted = _guesses(pred_probs, thresholds)
    joint = np.bincount(labels[counted] * num_classes + guess[counted], minlength=num_classes * num_classes)
    off_diagonal = counted & (guess != labels) & ~prediction_agrees(labels, pred_probs)
    issues = np.bincount(labels[off_diagonal], minlength=num_classes)
    return np.vstack([joint.reshape(num_classes, num_classes), issues]).astype(np.int64)


def off_diagonal_rows(labels: np.ndarray, pred_probs: np.ndarray, offset: int, thresholds: np.ndarray) -> np.ndarray:
    """Indices of the rows off the confident joint's diagonal (confident in
    some class, and that class is not the label) whose prediction disagrees
    with their label: cleanlab's ``confident_learning`` filter.

    Examples
    --------
    >>> labels = np.array([0, 0, 1, 1])
    >>> pred_probs = np.array([[0.9, 0.1], [0.3, 0.7], [0.2, 0.8], [0.6, 0.4]])
    >>> off_diagonal_rows(labels, pred_probs, 100, np.array([0.6, 0.6])).tolist()
    [101, 103]
    """
    guess, counted = _guesses(pred_probs, thresholds)
    return np.flatnonzero(counted & (guess != labels) & ~prediction_agrees(labels, pred_probs)) + offset


def mispredicted_rows(labels: np.ndarray, pred_probs: np.ndarray, offset: int) -> np.ndarray:
    """Indices of the rows whose argmax is not their label and whose
    prediction disagrees with it: cleanlab's ``predicted_neq_given`` filter.

    Examples
    --------
    >>> mispredicted_rows(np.array([0, 1]), np.array([[0.4, 0.6], [0.3, 0.7]]), 5).tolist()
    [5]
    """
    return np.flatnonzero((pred_probs.argmax(axis=1) != labels) & ~prediction_agrees(labels, pred_probs)) + offset


def _guesses(pred_probs: np.ndarray, thresholds: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Each row's confidently predicted class, and whether it has one."""
    confident = pred_probs >= thresholds - FLOATING_POINT_COMPARISON
    n_confident = np.count_nonzero(confident, axis=1)
    return np.where(n_confident > 1, pred_probs.argmax(axis=1), confident.argmax(axis=1)), n_confident > 0


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
    prune_matrix: np.ndarray, label_counts: np.ndarray, *, min_examples_per_class: int, by_class: bool
) -> np.ndarray:
    """How many examples each cell gives up, as a (K, K) array indexed
    (given label k, class j): for j != k, the examples given k with the
    largest margin p_j - p_k; with ``by_class``, (k, k) counts the examples
    given k with the smallest p_k. Classes with no more than
    ``min_examples_per_class`` examples (and classes of one) give up none.

    Examples
    --------
    >>> cells_to_prune(np.array([[8, 1], [2, 9]]), np.array([10, 10]), min_examples_per_class=1, by_class=True)
    array([[2, 2],
           [1, 1]])
    """
    cells = prune_matrix.T.astype(np.int64)
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
    by_class: bool,
) -> np.ndarray:
    """:func:`cells_to_prune` from summed :func:`confident_joint_counts` (or
    from ``given_joint``): the calibrated joint, its :func:`prune_counts`, then
    the cells.

    Examples
    --------
    >>> prune_cells(np.array([[8, 2], [1, 9], [2, 1]]), np.array([10, 10]), given_joint=None,
    ...             min_examples_per_class=1, frac_noise=1.0, num_to_remove_per_class=None, by_class=False).tolist()
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
    return cells_to_prune(prune_matrix, class_counts, min_examples_per_class=min_examples_per_class, by_class=by_class)


@dataclass(frozen=True)
class CellCandidates:
    """Candidates of many cells at once: ``cells[i] = given * K + class``."""

    cells: np.ndarray
    scores: np.ndarray
    indices: np.ndarray
    agrees: np.ndarray

    def best(self, counts: np.ndarray) -> CellCandidates:
        """Each cell's ``counts[cell]`` lowest (score, index)."""
        order = np.lexsort((self.indices, self.scores, self.cells))
        cells = self.cells[order]
        rank = np.arange(cells.shape[0]) - np.searchsorted(cells, cells)
        keep = order[rank < counts.ravel()[cells]]
        return CellCandidates(self.cells[keep], self.scores[keep], self.indices[keep], self.agrees[keep])


def cell_candidates(labels: np.ndarray, pred_probs: np.ndarray, offset: int, counts: np.ndarray) -> CellCandidates:
    """A chunk's best candidates of every cell with a count: lowest
    ``p_k - p_j`` (largest margin) for a noise cell, lowest ``p_k`` for a
    class cell, ties to the lower index; ``agrees`` tells whether the
    prediction, with 1e-6 added to the given label's probability, is the
    given label.

    Examples
    --------
    >>> labels, pred_probs = np.array([0, 0, 0]), np.array([[.6, .4], [.2, .8], [.4, .6]])
    >>> cell_candidates(labels, pred_probs, 10, np.array([[0, 1], [0, 0]])).indices.tolist()
    [11]
    """
    num_classes = pred_probs.shape[1]
    agrees = prediction_agrees(labels, pred_probs)
    by_label = np.argsort(labels, kind="stable")
    starts = np.searchsorted(labels[by_label], np.arange(num_classes + 1))
    parts = []
    for given in np.flatnonzero(counts.any(axis=1)):
        rows = by_label[starts[given] : starts[given + 1]]
        columns = np.flatnonzero(counts[given])
        probs = pred_probs[np.ix_(rows, columns)]
        given_probs = pred_probs[rows, given][:, None]
        scores = np.where(columns == given, given_probs, -(probs - given_probs))
        depth = min(int(counts[given, columns].max()), rows.shape[0])
        order = lowest_rows(scores, depth)  # rows are in index order: ties to the lower
        taken = np.arange(depth)[:, None] < counts[given, columns]
        chosen_rows = order[taken] if depth else np.zeros(0, np.intp)
        chosen_columns = np.broadcast_to(columns, order.shape)[taken]
        parts.append(
            CellCandidates(
                given * num_classes + chosen_columns,
                np.take_along_axis(scores, order, axis=0)[taken],
                rows[chosen_rows] + offset,
                agrees[rows[chosen_rows]],
            )
        )
    return concatenate_cells(parts, pred_probs.dtype)


def lowest_rows(scores: np.ndarray, depth: int) -> np.ndarray:
    """For each column, the rows of its ``depth`` lowest scores, lowest first
    and ties to the lower row, shape (depth, columns): the first ``depth`` rows
    of a stable column sort, found by a partition and a sort of those rows only.

    Examples
    --------
    >>> lowest_rows(np.array([[0.3, 0.2], [0.1, 0.2], [0.3, 0.1], [0.2, 0.2]]), 2).tolist()
    [[1, 2], [3, 0]]
    """
    n_rows, n_columns = scores.shape
    if depth >= n_rows // 2:
        return np.argsort(scores, axis=0, kind="stable")[:depth]
    kth = np.partition(scores, depth - 1, axis=0)[depth - 1]
    below = scores < kth
    tied = scores == kth
    room = depth - np.count_nonzero(below, axis=0)  # at least 1: kth is the depth-th lowest
    chosen = below | (tied & (np.cumsum(tied, axis=0) <= room))
    _, rows = np.nonzero(chosen.T)  # column by column, rows ascending: exactly depth per column
    rows = rows.reshape(n_columns, depth)
    order = np.argsort(np.take_along_axis(scores.T, rows, axis=1), axis=1, kind="stable")
    return np.take_along_axis(rows, order, axis=1).T


def concatenate_cells(parts: list[CellCandidates], dtype: Any = np.float64) -> CellCandidates:
    """All the candidates of ``parts`` together."""
    return CellCandidates(
        np.concatenate([np.zeros(0, np.int64), *(part.cells for part in parts)]),
        np.concatenate([np.zeros(0, dtype), *(part.scores for part in parts)]),
        np.concatenate([np.zeros(0, np.int64), *(part.indices for part in parts)]),
        np.concatenate([np.zeros(0, bool), *(part.agrees for part in parts)]),
    )


def merge_cells(parts: list[CellCandidates], counts: np.ndarray) -> CellCandidates:
    """Merge the candidates of several chunks, keeping each cell's best."""
    return concatenate_cells(parts, parts[0].scores.dtype).best(counts)


def pruned(candidates: CellCandidates, *, by_noise_rate: bool, by_class: bool, num_classes: int) -> np.ndarray:
    """Sorted indices flagged by the noise-rate cells, the class cells, or
    (both) by each, of examples whose prediction does not agree with their label."""
    given, towards = np.divmod(candidates.cells, num_classes)
    flagged = []
    if by_noise_rate:
        flagged.append(np.unique(candidates.indices[(given != towards) & ~candidates.agrees]))
    if by_class:
        flagged.append(np.unique(candidates.indices[(given == towards) & ~candidates.agrees]))
    return np.intersect1d(flagged[0], flagged[-1]) if len(flagged) == 2 else flagged[0]
