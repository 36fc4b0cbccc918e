"""The confident joint: per-chunk counts and the K x K arithmetic after them.

The confident joint counts, for each given label i and each class j, the
examples given i whose probability of j reaches j's confident threshold
(less 1e-6); an example confident in several classes counts for its argmax.
Chunks give counts that add up exactly; everything after the sum is small
K x K arithmetic, done once.
"""

from __future__ import annotations

import numpy as np

from dlq.kernels import CLIPPING_LOWER_BOUND, FLOATING_POINT_COMPARISON, prediction_agrees


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
    confident = pred_probs >= thresholds - FLOATING_POINT_COMPARISON
    n_confident = np.count_nonzero(confident, axis=1)
    guess = np.where(n_confident > 1, pred_probs.argmax(axis=1), confident.argmax(axis=1))
    counted = n_confident > 0
    joint = np.bincount(labels[counted] * num_classes + guess[counted], minlength=num_classes * num_classes)
    off_diagonal = counted & (guess != labels) & ~prediction_agrees(labels, pred_probs)
    issues = np.bincount(labels[off_diagonal], minlength=num_classes)
    return np.vstack([joint.reshape(num_classes, num_classes), issues]).astype(np.int64)


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
