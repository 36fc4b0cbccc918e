"""Pure numpy functions over one chunk of rows.

Everything here takes in-memory arrays for a contiguous block of examples and
returns small arrays; nothing knows about Dask. The engine composes these into
graphs, and the in-memory ``LabelInspector`` calls them directly.

Sums that cross chunks are kept as exact integers (see :mod:`dlq.exact`), so
that adding partials in any order, over any chunking, gives bit-identical
results.
"""

from __future__ import annotations

import functools
import operator
from dataclasses import dataclass
from typing import Any

import numpy as np

from dlq import exact

#: Slack used by cleanlab when comparing probabilities to thresholds.
FLOATING_POINT_COMPARISON = 1e-6
#: Lower bound of every confident threshold.
THRESHOLD_LOWER_BOUND = 2 * FLOATING_POINT_COMPARISON
#: Lower bound used where a score or normaliser is clipped before dividing.
CLIPPING_LOWER_BOUND = 1e-6

#: How far outside [0, 1] a probability may lie (rounding) before it is refused.
PROBABILITY_SLACK = 1e-6
#: How far from 1 a multi-class row may sum before dlq warns.
ROW_SUM_TOLERANCE = 1e-4

NO_ROW = np.iinfo(np.int64).max


@dataclass(frozen=True)
class InvalidRows:
    """The first invalid row of each kind, as ``(global row, error message)``.

    ``(NO_ROW, "")`` means no invalid row of that kind.
    """

    label: tuple[int, str] = (NO_ROW, "")
    prob: tuple[int, str] = (NO_ROW, "")

    def __bool__(self) -> bool:
        """Whether any row is invalid."""
        return self.label[0] != NO_ROW or self.prob[0] != NO_ROW

    def __or__(self, other: InvalidRows) -> InvalidRows:
        return InvalidRows(min(self.label, other.label), min(self.prob, other.prob))

    @staticmethod
    def first_of(parts: list[Any]) -> InvalidRows:
        """The first invalid rows among partials that each carry ``invalid``."""
        return functools.reduce(operator.or_, (part.invalid for part in parts), InvalidRows())


def _describe_prob_row(row: np.ndarray) -> str:
    if not np.isfinite(row).all():
        return "contains NaN or infinity"
    if row.min() < -PROBABILITY_SLACK:
        return f"has a negative value ({row.min().item()})"
    return f"has a value above 1 ({row.max().item()})"


def invalid_probabilities(pred_probs: np.ndarray, offset: int) -> InvalidRows:
    """Find the first row of pred_probs that is not finite numbers in [0, 1]
    (up to 1e-6 beyond either end, as rounding leaves them).

    Examples
    --------
    >>> invalid_probabilities(np.array([[0.5, 0.5], [0.5, 1.5]]), 10).prob[0]
    11
    """
    # min and max are NaN when NaN is present, so these comparisons catch it too;
    # whole-chunk reductions are much faster than row-wise ones, which run only
    # when something is wrong
    low, high = -PROBABILITY_SLACK, 1 + PROBABILITY_SLACK
    if not pred_probs.size or (pred_probs.min() >= low and pred_probs.max() <= high):
        return InvalidRows()
    row = int(np.argmax(~((pred_probs.min(axis=1) >= low) & (pred_probs.max(axis=1) <= high))))
    return InvalidRows(
        prob=(
            offset + row,
            f"pred_probs must hold finite probabilities in [0, 1]; row {offset + row} "
            f"{_describe_prob_row(pred_probs[row])}. Apply softmax to logits, or fix or drop that row",
        )
    )


def invalid_rows(labels: np.ndarray, pred_probs: np.ndarray, offset: int) -> InvalidRows:
    """Find the first row with a label outside ``[0, K)`` and the first with a
    probability that is not a finite number in [0, 1].

    Examples
    --------
    >>> invalid_rows(np.array([0, 2]), np.array([[0.5, 0.5], [0.5, 0.5]]), 10).label[0]
    11
    """
    num_classes = pred_probs.shape[1]
    found = invalid_probabilities(pred_probs, offset)
    if labels.size and (labels.min() < 0 or labels.max() >= num_classes):
        row = int(np.argmax((labels < 0) | (labels >= num_classes)))
        message = (
            f"labels must be class indices in 0..{num_classes - 1} (pred_probs has {num_classes} columns); "
            f"labels[{offset + row}] is {labels[row].item()}. "
            "Fix or drop that row, or check that labels and pred_probs match"
        )
        found = found | InvalidRows(label=(offset + row, message))
    return found


@dataclass(frozen=True)
class RowsOffOne:
    """How many rows do not sum to 1 (within 1e-4), and the first of them."""

    count: int = 0
    first_row: int = NO_ROW
    first_sum: float = 1.0

    @staticmethod
    def of(pred_probs: np.ndarray, offset: int) -> RowsOffOne:
        """Count the rows of ``pred_probs`` whose sum is more than 1e-4 from 1.

        Examples
        --------
        >>> RowsOffOne.of(np.array([[0.5, 0.5], [0.5, 0.6]]), 7)
        RowsOffOne(count=1, first_row=8, first_sum=1.1)
        """
        sums = np.einsum("ij->i", pred_probs)  # several times faster than sum(axis=1), and per row
        off = np.abs(sums - 1) > ROW_SUM_TOLERANCE
        if not off.any():
            return RowsOffOne()
        row = int(np.argmax(off))
        return RowsOffOne(int(off.sum()), offset + row, round(float(sums[row]), 6))

    @staticmethod
    def total(parts: list[RowsOffOne]) -> RowsOffOne:
        """Combine the counts of several chunks."""
        first = min(parts, key=lambda part: part.first_row)
        return RowsOffOne(sum(part.count for part in parts), first.first_row, first.first_sum)


@dataclass(frozen=True)
class ThresholdPartials:
    """Pass-1 partials of one chunk, or of many chunks once combined.

    Attributes
    ----------
    limb_sums : ndarray of int64, shape (K, 2)
        Fixed-point sums of ``pred_probs[i, labels[i]]`` per given class.
    class_counts : ndarray of int64, shape (K,)
        Number of examples given each class.
    invalid : InvalidRows
        The first invalid rows seen.
    unnormalized : RowsOffOne
        Rows whose probabilities do not sum to 1.
    """

    limb_sums: np.ndarray
    class_counts: np.ndarray
    invalid: InvalidRows
    unnormalized: RowsOffOne


def threshold_partials(labels: np.ndarray, pred_probs: np.ndarray, offset: int) -> ThresholdPartials:
    """Pass-1 partials of one chunk: class sums, class counts and validation.

    Invalid rows do not raise here; they are reported in ``invalid`` so that
    the error can name the first bad row of the whole data set.

    Examples
    --------
    >>> part = threshold_partials(np.array([0, 1, 1]), np.array([[.8, .2], [.3, .7], [.5, .5]]), 0)
    >>> part.class_counts.tolist()
    [1, 2]
    """
    n_rows, num_classes = pred_probs.shape
    invalid = invalid_rows(labels, pred_probs, offset)
    valid_labels = np.where((labels < 0) | (labels >= num_classes), 0, labels)
    given_prob = pred_probs[np.arange(n_rows), valid_labels]
    return ThresholdPartials(
        limb_sums=exact.sums_by_group(np.where(np.isfinite(given_prob), given_prob, 0.0), valid_labels, num_classes),
        class_counts=np.bincount(valid_labels, minlength=num_classes).astype(np.int64),
        invalid=invalid,
        unnormalized=RowsOffOne.of(pred_probs, offset),
    )


def combine_threshold_partials(parts: list[ThresholdPartials]) -> ThresholdPartials:
    """Add pass-1 partials; associative and commutative, exactly."""
    return ThresholdPartials(
        limb_sums=np.sum([p.limb_sums for p in parts], axis=0),
        class_counts=np.sum([p.class_counts for p in parts], axis=0),
        invalid=InvalidRows.first_of(parts),
        unnormalized=RowsOffOne.total([p.unnormalized for p in parts]),
    )


def confident_thresholds(partials: ThresholdPartials, *, absent_class_threshold: float) -> np.ndarray:
    """Per-class mean of the given label's probability, clipped below at 2e-6.

    Each mean is rounded once from its exact value. A class no example is
    given gets ``absent_class_threshold`` (cleanlab's batched code uses 2e-6,
    its in-memory code 2).

    Examples
    --------
    >>> part = threshold_partials(np.array([0, 0]), np.array([[.75, .25], [.25, .75]]), 0)
    >>> confident_thresholds(part, absent_class_threshold=2.0).tolist()
    [0.5, 2.0]
    """
    means = exact.means(partials.limb_sums, partials.class_counts, absent=absent_class_threshold)
    return np.maximum(means, THRESHOLD_LOWER_BOUND)


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


def self_confidence(labels: np.ndarray, pred_probs: np.ndarray) -> np.ndarray:
    """Probability of the given label.

    Examples
    --------
    >>> self_confidence(np.array([1]), np.array([[0.2, 0.8]])).tolist()
    [0.8]
    """
    return pred_probs[np.arange(pred_probs.shape[0]), labels]


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
) -> np.ndarray:
    """Label quality score of every row; adjusted by ``thresholds`` if given.

    Examples
    --------
    >>> label_quality_scores(np.array([0, 1]), np.array([[0.9, 0.1], [0.6, 0.4]]), method="self_confidence").tolist()
    [0.9, 0.4]
    """
    if thresholds is not None:
        pred_probs = adjust_pred_probs(pred_probs, thresholds)
    return _SCORERS[method](labels, pred_probs)


def predicted_class(pred_probs: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Each row's argmax class (the first on ties) and its probability.

    Examples
    --------
    >>> predicted_class(np.array([[0.2, 0.8], [0.5, 0.5]]))[0].tolist()
    [1, 0]
    """
    predicted = pred_probs.argmax(axis=1)
    return predicted, pred_probs[np.arange(pred_probs.shape[0]), predicted]


def issue_count_partials(
    labels: np.ndarray,
    pred_probs: np.ndarray,
    thresholds: np.ndarray,
    predicted: tuple[np.ndarray, np.ndarray] | None = None,
) -> np.ndarray:
    """Per-class counts behind both issue-count estimates, shape (3, K).

    Row 0: examples given class k that are confidently predicted as another
    class (their argmax probability reaches the argmax class's threshold less
    1e-6). Row 1: examples given class k. Row 2: examples given class k whose
    argmax probability reaches its class threshold less 1e-6. ``predicted``
    is :func:`predicted_class` of pred_probs, when already at hand.

    Examples
    --------
    >>> issue_count_partials(np.array([0, 0]), np.array([[.2, .8], [.9, .1]]), np.array([.5, .5])).tolist()
    [[1, 0], [2, 0], [2, 0]]
    """
    num_classes = pred_probs.shape[1]
    predicted_class_, predicted_prob = predicted or predicted_class(pred_probs)
    confident = confidently_predicted(predicted_class_, predicted_prob, thresholds)
    return np.stack(
        [
            np.bincount(labels[confident & (predicted_class_ != labels)], minlength=num_classes),
            np.bincount(labels, minlength=num_classes),
            np.bincount(labels[confident], minlength=num_classes),
        ]
    ).astype(np.int64)


def confidently_predicted(
    predicted_class_: np.ndarray, predicted_prob: np.ndarray, thresholds: np.ndarray
) -> np.ndarray:
    """Whether each argmax probability reaches its class's threshold less 1e-6.

    Examples
    --------
    >>> confidently_predicted(np.array([0, 1]), np.array([0.6, 0.6]), np.array([0.5, 0.7])).tolist()
    [True, False]
    """
    return predicted_prob >= (thresholds - FLOATING_POINT_COMPARISON)[predicted_class_]


@dataclass(frozen=True)
class Mispredicted:
    """The rows of a chunk whose argmax class is not their label: all that the
    off-diagonal issue count needs of them once the thresholds are known."""

    labels: np.ndarray
    predicted_class: np.ndarray
    predicted_prob: np.ndarray

    @classmethod
    def of(cls, labels: np.ndarray, predicted: tuple[np.ndarray, np.ndarray]) -> Mispredicted:
        rows = np.flatnonzero(predicted[0] != labels)
        return cls(labels[rows].astype(np.int32), predicted[0][rows].astype(np.int32), predicted[1][rows])

    def off_diagonal_counts(self, thresholds: np.ndarray) -> np.ndarray:
        """Per given class, the rows confidently predicted as another class:
        row 0 of :func:`issue_count_partials`.

        Examples
        --------
        >>> labels, pred_probs = np.array([0, 0, 1]), np.array([[.2, .8], [.9, .1], [.6, .4]])
        >>> Mispredicted.of(labels, predicted_class(pred_probs)).off_diagonal_counts(np.array([.5, .5])).tolist()
        [1, 1]
        """
        confident = confidently_predicted(self.predicted_class, self.predicted_prob, thresholds)
        return np.bincount(self.labels[confident], minlength=thresholds.shape[0]).astype(np.int64)


def num_label_issues(count_partials: np.ndarray, *, estimation_method: str) -> int:
    """Estimated number of label issues from summed :func:`issue_count_partials`.

    Examples
    --------
    >>> num_label_issues(np.array([[1, 0], [2, 0], [2, 0]]), estimation_method="off_diagonal")
    1
    """
    prune, given, normalization = count_partials.astype(np.float64)
    if estimation_method == "off_diagonal":
        return int(prune.sum())
    calibrated = prune * given / np.maximum(normalization, CLIPPING_LOWER_BOUND)
    return int(np.rint(calibrated.sum()))


def prediction_agrees(
    labels: np.ndarray, pred_probs: np.ndarray, predicted: tuple[np.ndarray, np.ndarray] | None = None
) -> np.ndarray:
    """Whether argmax picks the given label once 1e-6 is added to its probability.

    The addition happens in the input's dtype and ties go to the lower class,
    as a row-wise ``argmax`` after the addition would decide. ``predicted`` is
    :func:`predicted_class` of pred_probs, when already at hand.

    Examples
    --------
    >>> prediction_agrees(np.array([0, 0]), np.array([[0.5, 0.5000001], [0.2, 0.8]])).tolist()
    [True, False]
    """
    predicted_class_, predicted_prob = predicted or predicted_class(pred_probs)
    bumped = pred_probs[np.arange(pred_probs.shape[0]), labels] + pred_probs.dtype.type(FLOATING_POINT_COMPARISON)
    return (
        (predicted_class_ == labels)
        | (bumped > predicted_prob)
        | ((bumped == predicted_prob) & (labels < predicted_class_))
    )


@dataclass(frozen=True)
class Candidates:
    """Some of the lowest-scoring examples, in no particular order."""

    scores: np.ndarray
    indices: np.ndarray
    agrees: np.ndarray

    def take(self, keep: np.ndarray) -> Candidates:
        return Candidates(self.scores[keep], self.indices[keep], self.agrees[keep])


def lowest(scores: np.ndarray, indices: np.ndarray, agrees: np.ndarray, k: int) -> Candidates:
    """The ``k`` entries with the lowest (score, index), in no particular order.

    Linear time: a partition finds the k-th score; only entries tied with it
    are sorted, by index.

    Examples
    --------
    >>> sorted(lowest(np.array([.3, .1, .3, .2]), np.arange(4), np.zeros(4, bool), 3).indices.tolist())
    [0, 1, 3]
    """
    everything = Candidates(scores, indices, agrees)
    if k >= scores.shape[0]:
        return everything
    if k <= 0:
        return everything.take(np.zeros(0, dtype=np.intp))
    kth = np.partition(scores, k - 1)[k - 1]
    below = np.flatnonzero(scores < kth)
    tied = np.flatnonzero(scores == kth)
    tied = tied[np.argsort(indices[tied], kind="stable")[: k - below.shape[0]]]
    return everything.take(np.concatenate([below, tied]))


def merge_lowest(parts: list[Candidates], k: int) -> Candidates:
    """Merge candidate sets, keeping the ``k`` lowest (score, index)."""
    return lowest(
        np.concatenate([p.scores for p in parts]),
        np.concatenate([p.indices for p in parts]),
        np.concatenate([p.agrees for p in parts]),
        k,
    )


def ranked(candidates: Candidates) -> Candidates:
    """Candidates sorted by (score, index).

    Examples
    --------
    >>> ranked(Candidates(np.array([.2, .1, .2]), np.array([7, 3, 5]), np.zeros(3, bool))).indices.tolist()
    [3, 5, 7]
    """
    return candidates.take(np.lexsort((candidates.indices, candidates.scores)))
