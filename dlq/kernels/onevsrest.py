"""Pure numpy functions for multi-label chunks: K one-vs-rest binary problems at once.

Class k of an example is the binary problem with probabilities
``[1 - p_k, p_k]`` and label ``y_k``. Every function here works on all K
columns of a chunk together, with no loop over classes or rows.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, NamedTuple

import numpy as np

from dlq.kernels import exact, multiclass
from dlq.kernels import scores as scoring
from dlq.kernels.checks import InvalidRows, invalid_probabilities
from dlq.kernels.columns import Columns, Lists
from dlq.kernels.rowwise import block_rows


def invalid_rows(
    labels: np.ndarray, pred_probs: np.ndarray, offset: int, extremes: tuple[Any, Any, Any, Any] | None = None
) -> InvalidRows:
    """Find the first row whose labels are not all 0 or 1, and the first row of
    pred_probs that is not finite numbers in [0, 1] (``extremes``: the
    smallest and largest probability and label, if known).

    Examples
    --------
    >>> invalid_rows(np.array([[0, 1], [2, 0]]), np.full((2, 2), 0.5), 5).label[0]
    6
    """
    lowest, highest, lowest_label, highest_label = extremes or (None,) * 4
    found = invalid_probabilities(pred_probs, offset, None if extremes is None else (lowest, highest))
    if extremes is None and labels.size:
        lowest_label, highest_label = labels.min(), labels.max()
    if labels.size and (lowest_label < 0 or highest_label > 1):
        row = int(np.argmax(((labels < 0) | (labels > 1)).any(axis=1)))
        message = (
            f"multi-label labels given as an (N, K) array must hold only 0 and 1; row {offset + row} is "
            f"{labels[row].tolist()}. Give binary indicators, or a list of class-index lists"
        )
        found = found | InvalidRows(label=(offset + row, message))
    return found


@dataclass(frozen=True)
class ThresholdPartials:
    """Pass-1 partials for the K binary problems.

    Attributes
    ----------
    limb_sums : ndarray of int64, shape (2, K, 2)
        Exact sums of ``p_k`` over rows with ``y_k = 0`` (first) and with
        ``y_k = 1`` (second), as :mod:`dlq.kernels.exact` limbs.
    counts : ndarray of int64, shape (2, K)
        Rows with ``y_k = 0`` and with ``y_k = 1``.
    invalid : InvalidRows
        The first invalid rows seen.
    """

    limb_sums: np.ndarray
    counts: np.ndarray
    invalid: InvalidRows


def threshold_partials(labels: np.ndarray, pred_probs: np.ndarray, offset: int) -> ThresholdPartials:
    """Pass-1 partials of one chunk.

    Examples
    --------
    >>> part = threshold_partials(np.array([[1, 0], [0, 0]]), np.array([[0.75, 0.5], [0.5, 0.25]]), 0)
    >>> part.counts.tolist()
    [[1, 2], [1, 0]]
    """
    # a block of rows at a time, so that its checks, counts and sums read it from cache
    n_rows, num_classes = pred_probs.shape
    limb_sums = np.zeros((2, num_classes, exact.LIMBS), np.int64)
    counts = np.zeros((2, num_classes), np.int64)
    extremes = []
    step = block_rows(pred_probs)
    for start in range(0, n_rows, step):
        values, given = pred_probs[start : start + step], labels[start : start + step]
        extremes.append((values.min(), values.max(), given.min(), given.max()))
        if not 0 <= extremes[-1][0] <= extremes[-1][1] <= 1:  # the scan stops with an error; keep the sums quiet
            values = np.clip(np.where(np.isfinite(values), values, 0.0), 0.0, 1.0)
        block_sums, block_counts = exact.column_sums_by_mask(values, given.astype(bool))
        limb_sums += block_sums
        counts += block_counts
    bounds = None  # in each array's dtype, so that the checks compare as they would the whole chunk's
    if n_rows:
        lows, highs, label_lows, label_highs = zip(*extremes, strict=True)
        bounds = (
            np.array(lows, pred_probs.dtype).min(),
            np.array(highs, pred_probs.dtype).max(),
            np.array(label_lows, labels.dtype).min(),
            np.array(label_highs, labels.dtype).max(),
        )
    return ThresholdPartials(
        limb_sums=limb_sums,
        counts=counts,
        invalid=invalid_rows(labels, pred_probs, offset, bounds),
    )


def combine_threshold_partials(parts: list[ThresholdPartials]) -> ThresholdPartials:
    """Add pass-1 partials; exact in any order."""
    return ThresholdPartials(
        limb_sums=np.sum([p.limb_sums for p in parts], axis=0),
        counts=np.sum([p.counts for p in parts], axis=0),
        invalid=InvalidRows.first_of(parts),
    )


def confident_thresholds(partials: ThresholdPartials, *, absent_class_threshold: float) -> np.ndarray:
    """Thresholds of the K binary problems, shape (2, K), clipped below at 2e-6.

    Row 0 is the mean of ``1 - p_k`` where ``y_k = 0``; row 1 the mean of
    ``p_k`` where ``y_k = 1``; a side with no rows gets
    ``absent_class_threshold``. Each mean is rounded once from its exact value.

    Examples
    --------
    >>> part = threshold_partials(np.array([[1, 0], [0, 0]]), np.array([[0.75, 0.5], [0.5, 0.25]]), 0)
    >>> confident_thresholds(part, absent_class_threshold=2.0).tolist()
    [[0.5, 0.625], [0.75, 2.0]]
    """
    negative_sums, positive_sums = partials.limb_sums
    negative_counts = partials.counts[0].tolist()
    thresholds = np.array(
        [
            [
                float(1 - exact.to_fraction(total) / count) if count else absent_class_threshold
                for total, count in zip(negative_sums, negative_counts, strict=True)
            ],
            exact.means(positive_sums, partials.counts[1], absent=absent_class_threshold),
        ]
    )
    return np.maximum(thresholds, multiclass.THRESHOLD_LOWER_BOUND)


def binary_columns(pred_probs: np.ndarray, thresholds: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """The two columns ``(1 - p, p)`` of every binary problem, adjusted by the
    (2, K) thresholds if given (subtract, shift by their max, renormalise).

    Examples
    --------
    >>> negative, positive = binary_columns(np.array([[0.75, 0.5]]))
    >>> negative.tolist(), positive.tolist()
    ([[0.25, 0.5]], [[0.75, 0.5]])
    """
    negative, positive = 1 - pred_probs, pred_probs
    if thresholds is not None:  # in place once made (float64, as the thresholds), in the order written out
        shift = thresholds.max(axis=0)
        negative = negative - thresholds[0]
        negative += shift
        positive = positive - thresholds[1]
        positive += shift
        total = negative + positive
        negative /= total
        positive /= total
    return negative, positive


class Sides(NamedTuple):
    """The two sides of every binary problem of some rows, each (n, K): the
    labels as bools, ``1 - p`` and ``p`` (adjusted, if by thresholds), and
    the given side's probability."""

    positive_label: np.ndarray
    negative: np.ndarray
    positive: np.ndarray
    given: np.ndarray

    @classmethod
    def of(cls, labels: np.ndarray, pred_probs: np.ndarray, thresholds: np.ndarray | None = None) -> Sides:
        """The sides of ``labels`` (n, K) and ``pred_probs`` (n, K), adjusted
        by the (2, K) ``thresholds`` if given (:func:`binary_columns`).

        Examples
        --------
        >>> Sides.of(np.array([[1, 0]]), np.array([[0.75, 0.25]])).given.tolist()
        [[0.75, 0.75]]
        """
        positive_label = labels.astype(bool)
        negative, positive = binary_columns(pred_probs, thresholds)
        if thresholds is None:
            given = given_side(positive_label, pred_probs)
        else:
            given = np.where(positive_label, positive, negative)
        return cls(positive_label, negative, positive, given)

    def margins(self) -> np.ndarray:
        """The given side's probability less the other side's."""
        margins = _half_margins(self.positive_label, self.negative, self.positive)
        margins *= 2
        margins += 0.0  # a tie's -0.0 made +0.0, as a difference of equal sides is
        return margins

    def agrees(self) -> np.ndarray:
        """:func:`prediction_agrees` of every entry."""
        return prediction_agrees(
            self.positive_label, self.given, self.positive > self.negative, np.maximum(self.positive, self.negative)
        )


def given_side(positive_label: np.ndarray, pred_probs: np.ndarray) -> np.ndarray:
    """The probability of each entry's given side, ``p`` or ``1 - p``, for
    ``pred_probs`` in [0, 1] and ``positive_label`` as bools.

    Computed as ``|not_positive - p|``: ``1 - p`` where the negative side is
    given, ``|-p| = p`` where the positive one is, the same values as
    choosing between ``p`` and ``1 - p`` in a third of the time (``-0.0``
    comes out as ``0.0``).

    Examples
    --------
    >>> given_side(np.array([[True, False]]), np.array([[0.75, 0.75]])).tolist()
    [[0.75, 0.25]]
    """
    given = np.subtract(~positive_label, pred_probs, dtype=pred_probs.dtype)
    return np.abs(given, out=given)


def normalized_margins(positive_label: np.ndarray, negative: np.ndarray, positive: np.ndarray) -> np.ndarray:
    """``(given - other + 1) / 2`` of every binary problem, from its two
    sides (floating point) and its labels as bools.

    Examples
    --------
    >>> normalized_margins(np.array([[True, False]]), np.array([[0.25, 0.25]]), np.array([[0.75, 0.75]])).tolist()
    [[0.75, 0.25]]
    """
    scores = _half_margins(positive_label, negative, positive)
    scores += 0.5
    return scores


def _half_margins(positive_label: np.ndarray, negative: np.ndarray, positive: np.ndarray) -> np.ndarray:
    """``(given - other) / 2``, computed as ``(positive - negative) * (+-1/2)``.

    The given side less the other is ``positive - negative`` or its exact
    negation, and no margin of probabilities in [0, 1] is subnormal, so
    halving it is exact: the same bits as choosing the sides first, in less
    than half the time (a choice between two arrays costs several
    subtractions)."""
    halves = positive - negative
    halves *= np.subtract(positive_label, 0.5, dtype=halves.dtype)  # +1/2 where the positive side is given
    return halves


def per_class_scores(
    labels: np.ndarray, pred_probs: np.ndarray, *, method: str, thresholds: np.ndarray | None = None
) -> np.ndarray:
    """Label quality score of every class of every row, shape (n, K), float64.

    Examples
    --------
    >>> per_class_scores(np.array([[0, 1, 0]]), np.array([[0.1, 0.9, 0.1]]), method="self_confidence").round(3).tolist()
    [[0.9, 0.9, 0.9]]
    """
    if method == "normalized_margin":  # needs neither side chosen
        positive_label = labels.astype(bool)
        return np.asarray(normalized_margins(positive_label, *binary_columns(pred_probs, thresholds)), np.float64)
    if method == "self_confidence" and thresholds is None:  # needs only the given side
        return np.asarray(given_side(labels.astype(bool), pred_probs), np.float64)
    return _scores_from(Sides.of(labels, pred_probs, thresholds), method)


def _scores_from(sides: Sides, method: str) -> np.ndarray:
    if method == "self_confidence":
        scores = sides.given
    elif method == "normalized_margin":
        scores = normalized_margins(sides.positive_label, sides.negative, sides.positive)
    else:
        entropy = -(scoring.xlogx(sides.negative) + scoring.xlogx(sides.positive)) / np.log(2)
        scores = scoring.entropy_weighted_score(sides.given, entropy)
    return np.asarray(scores, dtype=np.float64)


def prediction_agrees(
    positive_label: np.ndarray, given: np.ndarray, predicted_positive: np.ndarray, predicted_prob: np.ndarray
) -> np.ndarray:
    """:func:`dlq.kernels.multiclass.prediction_agrees` of every binary problem: the
    given side wins argmax once 1e-6 is added to it if it is larger, or equal
    and the lower column (the negative side)."""
    bumped = given + given.dtype.type(multiclass.FLOATING_POINT_COMPARISON)
    agrees = predicted_positive == positive_label
    agrees |= bumped > predicted_prob
    ties = bumped == predicted_prob
    ties &= ~positive_label
    agrees |= ties
    return agrees


def predicted_neq_given(labels: np.ndarray, pred_probs: np.ndarray) -> np.ndarray:
    """Whether each binary problem's argmax (the negative side on a tie) is
    not its label, shape (n, K).

    Examples
    --------
    >>> predicted_neq_given(np.array([[1, 0]]), np.array([[0.5, 0.6]])).tolist()
    [[True, True]]
    """
    negative, positive = binary_columns(pred_probs)
    return (positive > negative) != labels.astype(bool)


def disagrees_with_label(labels: np.ndarray, pred_probs: np.ndarray) -> np.ndarray:
    """Whether each binary problem's prediction disagrees with its label: its
    argmax is not its label even with 1e-6 added to the label's side
    (cleanlab's ``predicted_neq_given`` filter), shape (n, K).

    Examples
    --------
    >>> disagrees_with_label(np.array([[1, 0]]), np.array([[0.2, 0.4]])).tolist()
    [[True, False]]
    """
    return ~Sides.of(labels, pred_probs).agrees()


def issue_columns(labels: np.ndarray, pred_probs: np.ndarray) -> Columns:
    """The issue table's columns of some rows: the given classes and the
    predicted ones (probability above 1/2).

    Examples
    --------
    >>> {name: values.to_lists() for name, values in issue_columns(np.array([[1, 0, 1]]),
    ...                                                            np.array([[0.9, 0.7, 0.2]])).items()}
    {'given_labels': [[0, 2]], 'predicted_labels': [[0, 1]]}
    """
    return {"given_labels": Lists.of_rows(labels.astype(bool)), "predicted_labels": Lists.of_rows(pred_probs > 0.5)}
