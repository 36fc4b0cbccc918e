"""Label quality scores of an ensemble of models: each member's chunk summary, and the weights that combine them.

A member's summary of a chunk holds what the weights need (correct
predictions, its log loss, its probability of each given label) and its
scores; the combined score of a row is the weighted sum of its members'
scores, added in member order.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from dlq.kernels import multiclass
from dlq.kernels.scores import CLIPPING_LOWER_BOUND, at_columns


class Member(NamedTuple):
    """One model's summary of a chunk."""

    scores: np.ndarray
    correct: int
    log_loss_sum: float  # of its pred_probs clipped at 1e-6 and renormalized
    given: np.ndarray  # its probability of each row's given label


def member(labels: np.ndarray, pred_probs: np.ndarray, scores: np.ndarray) -> Member:
    """A model's :class:`Member` summary of a chunk, with its ``scores``.

    Examples
    --------
    >>> found = member(np.array([0, 1]), np.array([[0.9, 0.1], [0.6, 0.4]]), np.array([0.9, 0.4]))
    >>> found.correct, round(found.log_loss_sum, 4)
    (1, 1.0217)
    """
    clipped = np.clip(pred_probs, CLIPPING_LOWER_BOUND, None)
    clipped = clipped / clipped.sum(axis=1)[:, None]
    return Member(
        scores=scores,
        correct=int((multiclass.predicted_class(pred_probs)[0] == labels).sum()),
        log_loss_sum=float(log_losses(at_columns(clipped, labels)).sum()),
        given=at_columns(pred_probs, labels),
    )


def log_losses(given: np.ndarray) -> np.ndarray:
    """Each row's log loss from its probability of its label, clipped into
    [eps, 1 - eps] of its dtype (as scikit-learn's ``log_loss`` clips).

    Examples
    --------
    >>> log_losses(np.array([1.0, 0.5])).round(4).tolist()
    [0.0, 0.6931]
    """
    eps = np.finfo(given.dtype).eps
    return -np.log(np.clip(given, eps, 1 - eps))


def log_loss_weights(log_losses_per_member: np.ndarray, temperature: float) -> np.ndarray:
    """Weights proportional to ``exp(-temperature * log loss)`` of each member.

    Examples
    --------
    >>> log_loss_weights(np.array([0.1, 0.1]), 10.0).tolist()
    [0.5, 0.5]
    """
    weights = np.array([np.exp(-temperature * loss) for loss in log_losses_per_member])
    return weights / sum(weights)


def summed(parts: list[np.ndarray]) -> np.ndarray:
    """The parts added in member order, in their own dtype.

    Examples
    --------
    >>> summed([np.array([1.0, 0.0]), np.array([0.5, 1.0])]).tolist()
    [1.5, 1.0]
    """
    total = parts[0]
    for part in parts[1:]:
        total = total + part
    return total


def weighted(parts: list[np.ndarray], weights: np.ndarray) -> np.ndarray:
    """``sum(weights[m] * parts[m])``, added in member order.

    Examples
    --------
    >>> weighted([np.array([1.0, 0.0]), np.array([0.0, 1.0])], np.array([0.25, 0.75])).tolist()
    [0.25, 0.75]
    """
    return summed([weight * part for weight, part in zip(weights, parts, strict=True)])


def evaluated_log_loss_sums(given: list[np.ndarray], weights_per_temperature: list[np.ndarray]) -> np.ndarray:
    """For each temperature's weights, the sum over a chunk's rows of the log
    loss of the members' weighted average.

    Examples
    --------
    >>> evaluated_log_loss_sums([np.array([0.5]), np.array([0.5])], [np.array([0.5, 0.5])]).round(4).tolist()
    [0.6931]
    """
    return np.array([log_losses(weighted(given, weights)).sum() for weights in weights_per_temperature])
