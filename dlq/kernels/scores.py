"""Label quality scores of one chunk's rows: cleanlab.rank's three methods.

``labels`` (n,) and ``pred_probs`` (n, K) of any K; the one-vs-rest problems
of multi-label data use the same pieces on their two columns.
"""

from __future__ import annotations

import numpy as np

#: Lower bound used where a score or normaliser is clipped before dividing.
CLIPPING_LOWER_BOUND = 1e-6


def adjust_pred_probs(pred_probs: np.ndarray, thresholds: np.ndarray) -> np.ndarray:
    """Subtract class thresholds, shift by their maximum and renormalise rows.

    Examples
    --------
    >>> adjust_pred_probs(np.array([[0.6, 0.4]]), np.array([0.5, 0.3])).round(3).tolist()
    [[0.5, 0.5]]
    """
    adjusted = pred_probs - thresholds
    adjusted += thresholds.max()
    adjusted /= adjusted.sum(axis=1, keepdims=True)
    return adjusted


def at_columns(pred_probs: np.ndarray, columns: np.ndarray) -> np.ndarray:
    """``pred_probs[i, columns[i]]`` of every row i.

    Examples
    --------
    >>> at_columns(np.array([[0.2, 0.8], [0.6, 0.4]]), np.array([1, 1])).tolist()
    [0.8, 0.4]
    """
    rows = np.arange(pred_probs.shape[0])
    if pred_probs.flags.c_contiguous:  # a flat take is several times quicker than fancy indexing
        return np.take(pred_probs, rows * pred_probs.shape[1] + columns)
    return pred_probs[rows, columns]


def self_confidence(labels: np.ndarray, pred_probs: np.ndarray) -> np.ndarray:
    """Probability of the given label.

    Examples
    --------
    >>> self_confidence(np.array([1]), np.array([[0.2, 0.8]])).tolist()
    [0.8]
    """
    return at_columns(pred_probs, labels)


def normalized_margin(labels: np.ndarray, pred_probs: np.ndarray) -> np.ndarray:
    """``(p[y] - max over other classes + 1) / 2``.

    Examples
    --------
    >>> normalized_margin(np.array([1]), np.array([[0.2, 0.8]])).round(6).tolist()
    [0.8]
    """
    rows = np.arange(pred_probs.shape[0])
    others = pred_probs.copy()
    others[rows, labels] = -np.inf
    given = pred_probs[rows, labels]
    return (given - others.max(axis=1) + 1) / 2


def xlogx(values: np.ndarray) -> np.ndarray:
    """``values * log(values)``, with ``0 * log(0) = 0``.

    Examples
    --------
    >>> xlogx(np.array([0.0, 1.0])).tolist()
    [0.0, 0.0]
    """
    logs = np.zeros_like(values)
    np.log(values, out=logs, where=values > 0)
    return values * logs


def normalized_entropy(pred_probs: np.ndarray) -> np.ndarray:
    """Row entropy divided by ``log(K)``.

    Examples
    --------
    >>> normalized_entropy(np.array([[0.5, 0.5], [0.9, 0.1]])).round(3).tolist()
    [1.0, 0.469]
    """
    return -np.sum(xlogx(pred_probs), axis=1) / np.log(pred_probs.shape[1])


def entropy_weighted_score(given: np.ndarray, entropy: np.ndarray) -> np.ndarray:
    """cleanlab's confidence-weighted entropy from the given label's probability
    and the normalised entropy of the row, rescaled to [0, 1].

    Examples
    --------
    >>> entropy_weighted_score(np.array([0.9]), np.array([0.469])).round(3).tolist()
    [0.805]
    """
    ratio = entropy / np.maximum(given, CLIPPING_LOWER_BOUND)
    return np.log(ratio + 1) / np.maximum(ratio, CLIPPING_LOWER_BOUND)


def confidence_weighted_entropy(labels: np.ndarray, pred_probs: np.ndarray) -> np.ndarray:
    """Confidence-weighted entropy score of each row.

    Examples
    --------
    >>> confidence_weighted_entropy(np.array([0, 1]), np.array([[0.9, 0.1], [0.9, 0.1]])).round(3).tolist()
    [0.805, 0.371]
    """
    return entropy_weighted_score(self_confidence(labels, pred_probs), normalized_entropy(pred_probs))


_SCORERS = {
    "self_confidence": self_confidence,
    "normalized_margin": normalized_margin,
    "confidence_weighted_entropy": confidence_weighted_entropy,
}


def label_quality_scores(
    labels: np.ndarray,
    pred_probs: np.ndarray,
    *,
    method: str,
    thresholds: np.ndarray | None = None,
    given_prob: np.ndarray | None = None,
) -> np.ndarray:
    """Label quality score of every row; adjusted by ``thresholds`` if given.
    ``given_prob`` is each row's probability of its label, when at hand.

    Examples
    --------
    >>> label_quality_scores(np.array([0, 1]), np.array([[0.9, 0.1], [0.6, 0.4]]), method="self_confidence").tolist()
    [0.9, 0.4]
    """
    if thresholds is not None:
        pred_probs = adjust_pred_probs(pred_probs, thresholds)
    elif given_prob is not None and method == "self_confidence":
        return given_prob
    return _SCORERS[method](labels, pred_probs)
