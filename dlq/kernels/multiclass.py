"""Pure numpy functions over one chunk of multi-class rows.

Everything here takes in-memory arrays for a contiguous block of examples and
returns small arrays; nothing knows about Dask. Sums that cross chunks are kept
as exact integers (see :mod:`dlq.kernels.exact`), so that adding partials in
any order, over any chunking, gives bit-identical results.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from dlq.kernels import exact
from dlq.kernels.checks import InvalidRows, RowsOffOne, invalid_probabilities
from dlq.kernels.columns import Columns, labelled_columns
from dlq.kernels.labels import invalid_labels
from dlq.kernels.rowwise import RowSummary, summarized
from dlq.kernels.scores import CLIPPING_LOWER_BOUND, at_columns

#: Slack used by cleanlab when comparing probabilities to thresholds.
FLOATING_POINT_COMPARISON = 1e-6
#: Lower bound of every confident threshold.
THRESHOLD_LOWER_BOUND = 2 * FLOATING_POINT_COMPARISON


def invalid_rows(
    labels: np.ndarray, pred_probs: np.ndarray, offset: int, rows: RowSummary | None = None
) -> InvalidRows:
    """Find the first row with a label outside ``[0, K)`` and the first with a
    probability that is not a finite number in [0, 1] (``rows``: the
    chunk's :class:`~dlq.kernels.rowwise.RowSummary`, if at hand).

    Examples
    --------
    >>> invalid_rows(np.array([0, 2]), np.array([[0.5, 0.5], [0.5, 0.5]]), 10).label[0]
    11
    """
    num_classes = pred_probs.shape[1]
    found = invalid_probabilities(pred_probs, offset, None if rows is None else (rows.lowest, rows.highest))
    return found | invalid_labels(labels, num_classes, offset)


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


def summarized_rows(labels: np.ndarray, pred_probs: np.ndarray, *, predicted: bool = False) -> RowSummary:
    """The chunk's :class:`~dlq.kernels.rowwise.RowSummary`: given-label
    probabilities (at class 0 for a label outside the classes, which
    :func:`invalid_rows` reports), and each row's argmax if ``predicted``.

    Examples
    --------
    >>> summarized_rows(np.array([1, 7]), np.array([[.2, .8], [.6, .4]])).given_prob.tolist()
    [0.8, 0.6]
    """
    return summarized(pred_probs, _in_classes(labels, pred_probs.shape[1]), predicted=predicted)


def _in_classes(labels: np.ndarray, num_classes: int) -> np.ndarray:
    """``labels``, with class 0 for a label outside the classes (reported by :func:`invalid_rows`)."""
    return np.where((labels < 0) | (labels >= num_classes), 0, labels)


def threshold_partials(
    labels: np.ndarray, pred_probs: np.ndarray, offset: int, rows: RowSummary | None = None
) -> ThresholdPartials:
    """Pass-1 partials of one chunk: class sums, class counts and validation
    (``rows``: the chunk's :func:`summarized_rows`, if at hand).

    Invalid rows do not raise here; they are reported in ``invalid`` so that
    the error can name the first bad row of the whole data set.

    Examples
    --------
    >>> part = threshold_partials(np.array([0, 1, 1]), np.array([[.8, .2], [.3, .7], [.5, .5]]), 0)
    >>> part.class_counts.tolist()
    [1, 2]
    """
    num_classes = pred_probs.shape[1]
    valid_labels = _in_classes(labels, num_classes)
    rows = rows or summarized(pred_probs, valid_labels)
    given_prob = rows.given_prob
    return ThresholdPartials(
        limb_sums=exact.sums_by_group(np.where(np.isfinite(given_prob), given_prob, 0.0), valid_labels, num_classes),
        class_counts=np.bincount(valid_labels, minlength=num_classes).astype(np.int64),
        invalid=invalid_rows(labels, pred_probs, offset, rows),
        unnormalized=RowsOffOne.of(pred_probs, offset, rows.sums),
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


def predicted_class(pred_probs: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Each row's argmax class (the first on ties) and its probability.

    Examples
    --------
    >>> predicted_class(np.array([[0.2, 0.8], [0.5, 0.5]]))[0].tolist()
    [1, 0]
    """
    predicted = pred_probs.argmax(axis=1)
    return predicted, at_columns(pred_probs, predicted)


def issue_count_partials(
    labels: np.ndarray,
    pred_probs: np.ndarray,
    thresholds: np.ndarray,
    predicted: tuple[np.ndarray, np.ndarray] | None = None,
) -> np.ndarray:
    """Per-class counts behind both issue-count estimates, shape (3, K).

    Row 0: :func:`confident_disagreement_counts` by given class. Row 1:
    examples given class k. Row 2: examples given class k whose argmax
    probability reaches its class threshold less 1e-6. ``predicted`` is
    :func:`predicted_class` of pred_probs, when already at hand.

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
            confident_disagreement_counts(labels, labels, predicted_class_, confident, num_classes),
            np.bincount(labels, minlength=num_classes),
            np.bincount(labels[confident], minlength=num_classes),
        ]
    ).astype(np.int64)


def confident_disagreement_counts(
    counted_by: np.ndarray, given: np.ndarray, predicted: np.ndarray, confident: np.ndarray, num_bins: int
) -> np.ndarray:
    """How many rows of each of ``num_bins`` bins of ``counted_by`` are
    ``confident`` (predicted with a probability that reaches the predicted
    class's threshold less 1e-6) and predicted as a class that is not their
    label: the counts behind cleanlab's off-diagonal issue estimate, by given
    class for one problem, by class for K binary ones.

    Examples
    --------
    >>> labels, predicted, confident = np.array([0, 0, 1]), np.array([1, 0, 0]), np.array([True, True, True])
    >>> confident_disagreement_counts(labels, labels, predicted, confident, 2).tolist()
    [1, 1]
    """
    return np.bincount(counted_by[confident & (predicted != given)], minlength=num_bins).astype(np.int64)


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


def num_off_diagonal_issues(off_diagonal_counts: np.ndarray) -> int:
    """cleanlab's ``off_diagonal`` estimate from summed
    :meth:`Mispredicted.off_diagonal_counts`: their total.

    Examples
    --------
    >>> num_off_diagonal_issues(np.array([1, 0, 2]))
    3
    """
    return int(off_diagonal_counts.sum())


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
    labels: np.ndarray,
    pred_probs: np.ndarray,
    predicted: tuple[np.ndarray, np.ndarray] | None = None,
    given_prob: np.ndarray | None = None,
) -> np.ndarray:
    """Whether argmax picks the given label once 1e-6 is added to its probability.

    The addition happens in the input's dtype and ties go to the lower class,
    as a row-wise ``argmax`` after the addition would decide. ``predicted`` is
    :func:`predicted_class` of pred_probs, and ``given_prob`` each row's
    probability of its label, when already at hand.

    Examples
    --------
    >>> prediction_agrees(np.array([0, 0]), np.array([[0.5, 0.5000001], [0.2, 0.8]])).tolist()
    [True, False]
    """
    predicted_class_, predicted_prob = predicted or predicted_class(pred_probs)
    given_prob = at_columns(pred_probs, labels) if given_prob is None else given_prob
    bumped = given_prob + pred_probs.dtype.type(FLOATING_POINT_COMPARISON)
    return (
        (predicted_class_ == labels)
        | (bumped > predicted_prob)
        | ((bumped == predicted_prob) & (labels < predicted_class_))
    )


def _guesses(pred_probs: np.ndarray, thresholds: np.ndarray, predicted: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Each row's confidently predicted class, and whether it has one (``predicted``: each row's argmax)."""
    confident = pred_probs >= thresholds - FLOATING_POINT_COMPARISON
    n_confident = np.count_nonzero(confident, axis=1)
    # the one confident class of a row is its argmax, unless the argmax is below its threshold
    guess = np.where(n_confident > 0, predicted, 0)
    elsewhere = np.flatnonzero((n_confident == 1) & ~at_columns(confident, predicted))
    guess[elsewhere] = confident[elsewhere].argmax(axis=1)
    return guess, n_confident > 0


def confident_joint_counts(
    labels: np.ndarray,
    pred_probs: np.ndarray,
    thresholds: np.ndarray,
    predicted: tuple[np.ndarray, np.ndarray] | None = None,
) -> np.ndarray:
    """Per-chunk counts of the confident joint and of its off-diagonal rows
    whose prediction disagrees with their label, as one (K + 1, K) array: rows
    0..K-1 are the (given, confident) counts, row K counts the off-diagonal
    examples per given label whose argmax, with 1e-6 added to the given
    label's probability, is not the given label. ``predicted`` is
    :func:`predicted_class` of pred_probs, when already at hand.

    Examples
    --------
    >>> labels = np.array([0, 0, 1, 1])
    >>> pred_probs = np.array([[0.9, 0.1], [0.3, 0.7], [0.2, 0.8], [0.6, 0.4]])
    >>> confident_joint_counts(labels, pred_probs, np.array([0.6, 0.6])).tolist()
    [[1, 1], [1, 1], [1, 1]]
    """
    num_classes = pred_probs.shape[1]
    predicted = predicted or predicted_class(pred_probs)
    guess, counted = _guesses(pred_probs, thresholds, predicted[0])
    joint = np.bincount(labels[counted] * num_classes + guess[counted], minlength=num_classes * num_classes)
    off_diagonal_ = counted & (guess != labels) & ~prediction_agrees(labels, pred_probs, predicted)
    issues = np.bincount(labels[off_diagonal_], minlength=num_classes)
    return np.vstack([joint.reshape(num_classes, num_classes), issues]).astype(np.int64)


def off_joint_diagonal(
    labels: np.ndarray,
    pred_probs: np.ndarray,
    thresholds: np.ndarray,
    predicted: tuple[np.ndarray, np.ndarray] | None = None,
) -> np.ndarray:
    """Whether each row is counted off the confident joint's diagonal:
    confident in some class, and that class is not its label (whatever its
    prediction). ``predicted`` is :func:`predicted_class` of pred_probs,
    when already at hand.

    Examples
    --------
    >>> labels = np.array([0, 0, 1, 1])
    >>> pred_probs = np.array([[0.9, 0.1], [0.3, 0.7], [0.2, 0.8], [0.45, 0.55]])
    >>> off_joint_diagonal(labels, pred_probs, np.array([0.6, 0.6])).tolist()
    [False, True, False, False]
    """
    guess, counted = _guesses(pred_probs, thresholds, (predicted or predicted_class(pred_probs))[0])
    return counted & (guess != labels)


def off_diagonal(labels: np.ndarray, pred_probs: np.ndarray, thresholds: np.ndarray) -> np.ndarray:
    """Whether each row is off the confident joint's diagonal (confident in
    some class, and that class is not the label) with a prediction that
    disagrees with its label: cleanlab's ``confident_learning`` filter.

    Examples
    --------
    >>> labels = np.array([0, 0, 1, 1])
    >>> pred_probs = np.array([[0.9, 0.1], [0.3, 0.7], [0.2, 0.8], [0.6, 0.4]])
    >>> off_diagonal(labels, pred_probs, np.array([0.6, 0.6])).tolist()
    [False, True, False, True]
    """
    predicted = predicted_class(pred_probs)
    return off_joint_diagonal(labels, pred_probs, thresholds, predicted) & ~prediction_agrees(
        labels, pred_probs, predicted
    )


def predicted_neq_given(labels: np.ndarray, pred_probs: np.ndarray) -> np.ndarray:
    """Whether each row's argmax (the first on ties) is not its label.

    Examples
    --------
    >>> predicted_neq_given(np.array([0, 1]), np.array([[0.4, 0.6], [0.5, 0.5]])).tolist()
    [True, True]
    """
    return predicted_class(pred_probs)[0] != labels


def disagrees_with_label(labels: np.ndarray, pred_probs: np.ndarray) -> np.ndarray:
    """Whether each row's prediction disagrees with its label: its argmax is
    not its label even with 1e-6 added to the label's probability (the
    complement of :func:`prediction_agrees`; cleanlab's
    ``predicted_neq_given`` filter). A row whose argmax alone is not its
    label is *mispredicted* (:func:`predicted_neq_given`).

    Examples
    --------
    >>> disagrees_with_label(np.array([0, 1]), np.array([[0.4, 0.6], [0.3, 0.7]])).tolist()
    [True, False]
    """
    return ~prediction_agrees(labels, pred_probs)  # a row that disagrees is never predicted as its label


def issue_columns(labels: np.ndarray, pred_probs: np.ndarray) -> Columns:
    """The issue table's columns of some rows: given and predicted label.

    Examples
    --------
    >>> {name: values.tolist() for name, values in issue_columns(np.array([0]), np.array([[0.1, 0.9]])).items()}
    {'given_label': [0], 'predicted_label': [1]}
    """
    return labelled_columns(labels, pred_probs.argmax(axis=1))
