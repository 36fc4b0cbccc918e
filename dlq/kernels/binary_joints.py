"""The confident joints of the K one-vs-rest binary problems of a chunk:
each entry's confident guess, the rows off each joint's diagonal, and the
joints' counts, laid out as the two-class joints of
:mod:`dlq.kernels.multiclass`."""

from __future__ import annotations

import numpy as np

from dlq.kernels import multiclass
from dlq.kernels.onevsrest import Sides
from dlq.kernels.sets import column_counts


def _confident_guesses(sides: Sides, thresholds: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Each binary problem's confident guess (True for the positive side),
    whether it has one, and whether it is off the diagonal with a prediction
    that disagrees with the label, each (n, K)."""
    positive_label, negative, positive, _ = sides
    confident_negative = negative >= thresholds[0] - multiclass.FLOATING_POINT_COMPARISON
    confident_positive = positive >= thresholds[1] - multiclass.FLOATING_POINT_COMPARISON
    # where both sides are confident, the larger: a choice made of bytes (np.where between bools is slower)
    guess = ~confident_negative
    guess |= positive > negative
    guess &= confident_positive
    counted = confident_negative | confident_positive
    return guess, counted, counted & (guess != positive_label) & ~sides.agrees()


def off_joint_diagonal(labels: np.ndarray, pred_probs: np.ndarray, thresholds: np.ndarray) -> np.ndarray:
    """Whether each binary problem is counted off its confident joint's
    diagonal (confident in a side that is not its label), shape (n, K).

    Examples
    --------
    >>> off_joint_diagonal(np.array([[1, 0]]), np.array([[0.45, 0.4]]), np.full((2, 2), 0.5)).tolist()
    [[True, False]]
    """
    guess, counted, _ = _confident_guesses(Sides.of(labels, pred_probs), thresholds)
    return counted & (guess != labels.astype(bool))


def off_diagonal(labels: np.ndarray, pred_probs: np.ndarray, thresholds: np.ndarray) -> np.ndarray:
    """Whether each binary problem is off its confident joint's diagonal and
    its prediction disagrees with its label: cleanlab's ``confident_learning``
    filter, shape (n, K).

    Examples
    --------
    >>> off_diagonal(np.array([[1, 0]]), np.array([[0.2, 0.4]]), np.full((2, 2), 0.5)).tolist()
    [[True, False]]
    """
    return _confident_guesses(Sides.of(labels, pred_probs), thresholds)[2]


def confident_joint_counts(
    labels: np.ndarray, pred_probs: np.ndarray, thresholds: np.ndarray, sides: Sides | None = None
) -> np.ndarray:
    """Per-chunk counts of the K binary confident joints, shape (K, 3, 2), each
    laid out as :func:`dlq.kernels.multiclass.confident_joint_counts` lays out a two-class
    joint: entry (k, y, g) counts the rows with ``y_k = y`` confidently
    predicted ``g`` in problem k (a side is confident when its probability,
    ``1 - p_k`` or ``p_k``, reaches its threshold less 1e-6; when both are,
    the larger, the negative side on a tie; rows confident in neither are not
    counted); entry (k, 2, y) counts those of them off the diagonal whose
    prediction disagrees with their label. ``sides`` are :meth:`~dlq.kernels.onevsrest.Sides.of`
    the rows, when at hand.

    Examples
    --------
    >>> labels, pred_probs = np.array([[1], [0], [0]]), np.array([[0.9], [0.8], [0.1]])
    >>> confident_joint_counts(labels, pred_probs, np.array([[0.5], [0.5]]))[0].tolist()
    [[1, 1], [0, 1], [1, 0]]
    """
    sides = sides or Sides.of(labels, pred_probs)
    guess, counted, issues = _confident_guesses(sides, thresholds)
    positive_label = sides.positive_label
    counted_positive = counted & positive_label
    guessed_positive = counted & guess
    both = counted_positive & guess
    # column counts of a few (n, K) masks; each cell follows by inclusion and exclusion
    n_counted, n_labelled, n_guessed, n_both, n_issues, n_positive_issues = (
        column_counts(mask)
        for mask in (counted, counted_positive, guessed_positive, both, issues, issues & positive_label)
    )
    joint = np.empty((pred_probs.shape[1], 3, 2), np.int64)
    joint[:, 0, 0] = n_counted - n_labelled - n_guessed + n_both
    joint[:, 0, 1] = n_guessed - n_both
    joint[:, 1, 0] = n_labelled - n_both
    joint[:, 1, 1] = n_both
    joint[:, 2, 0] = n_issues - n_positive_issues
    joint[:, 2, 1] = n_positive_issues
    return joint
