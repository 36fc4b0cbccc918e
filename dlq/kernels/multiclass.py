"""Pure numpy functions over one chunk of multi-class rows.

Everything here takes in-memory arrays for a contiguous block of examples and
returns small arrays; nothing knows about Dask. Sums that cross chunks are kept
as exact integers (see :mod:`dlq.kernels.exact`), so that adding partials in
any order, over any chunking, gives bit-identical results.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from dlq.kernels import bounds, exact
from dlq.kernels.checks import InvalidRows, RowsOffOne, invalid_probabilities
from dlq.kernels.columns import Columns
from dlq.kernels.lowest import Entries
from dlq.kernels.scores import CLIPPING_LOWER_BOUND, at_columns
from dlq.kernels.select import Histogram

#: Slack used by cleanlab when comparing probabilities to thresholds.
FLOATING_POINT_COMPARISON = 1e-6
#: Lower bound of every confident threshold.
THRESHOLD_LOWER_BOUND = 2 * FLOATING_POINT_COMPARISON


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
    """The rows of a chunk whose argmax class is not their label (their
    positions in the chunk, labels, argmax classes and probabilities): all
    that the off-diagonal issue count needs of them once the thresholds are
    known, and the issue table's columns of any issue among them (every row
    whose prediction disagrees with its label is one of them)."""

    rows: np.ndarray
    labels: np.ndarray
    predicted_class: np.ndarray
    predicted_prob: np.ndarray

    @classmethod
    def of(cls, labels: np.ndarray, predicted: tuple[np.ndarray, np.ndarray]) -> Mispredicted:
        rows = np.flatnonzero(predicted[0] != labels)
        return cls(
            rows.astype(np.int32),
            labels[rows].astype(np.int32),
            predicted[0][rows].astype(np.int32),
            predicted[1][rows],
        )

    def issue_columns(self, rows: np.ndarray) -> Columns:
        """:func:`issue_columns` of the chunk's rows at positions ``rows``
        (sorted), each of them mispredicted.

        Examples
        --------
        >>> labels, pred_probs = np.array([0, 0, 1]), np.array([[.2, .8], [.9, .1], [.6, .4]])
        >>> found = Mispredicted.of(labels, predicted_class(pred_probs)).issue_columns(np.array([2]))
        >>> {name: values.tolist() for name, values in found.items()}
        {'given_label': [1], 'predicted_label': [0]}
        """
        at = np.searchsorted(self.rows, rows)
        if not np.array_equal(self.rows[np.minimum(at, self.rows.shape[0] - 1)], rows):
            raise ValueError("issue_columns: a row is not among the chunk's mispredicted rows")
        return labelled_columns(self.labels[at], self.predicted_class[at])

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
    bumped = at_columns(pred_probs, labels) + pred_probs.dtype.type(FLOATING_POINT_COMPARISON)
    return (
        (predicted_class_ == labels)
        | (bumped > predicted_prob)
        | ((bumped == predicted_prob) & (labels < predicted_class_))
    )


def _guesses(pred_probs: np.ndarray, thresholds: np.ndarray, predicted: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Each row's confidently predicted class, and whether it has one (``predicted``: each row's argmax)."""
    confident = pred_probs >= thresholds - FLOATING_POINT_COMPARISON
    n_confident = np.count_nonzero(confident, axis=1)
    return np.where(n_confident > 1, predicted, confident.argmax(axis=1)), n_confident > 0


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
    predicted = predicted_class(pred_probs)
    guess, counted = _guesses(pred_probs, thresholds, predicted[0])
    joint = np.bincount(labels[counted] * num_classes + guess[counted], minlength=num_classes * num_classes)
    off_diagonal_ = counted & (guess != labels) & ~prediction_agrees(labels, pred_probs, predicted)
    issues = np.bincount(labels[off_diagonal_], minlength=num_classes)
    return np.vstack([joint.reshape(num_classes, num_classes), issues]).astype(np.int64)


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
    guess, counted = _guesses(pred_probs, thresholds, predicted[0])
    return counted & (guess != labels) & ~prediction_agrees(labels, pred_probs, predicted)


def mispredicted(labels: np.ndarray, pred_probs: np.ndarray) -> np.ndarray:
    """Whether each row's argmax is not its label, even with 1e-6 added to
    the label's probability: cleanlab's ``predicted_neq_given`` filter.

    Examples
    --------
    >>> mispredicted(np.array([0, 1]), np.array([[0.4, 0.6], [0.3, 0.7]])).tolist()
    [True, False]
    """
    return (pred_probs.argmax(axis=1) != labels) & ~prediction_agrees(labels, pred_probs)


def pruning_levels(labels: np.ndarray, pred_probs: np.ndarray) -> Histogram:
    """A chunk's :func:`dlq.kernels.bounds.level_counts` of the pruning cells
    (cell ``given * K + j``): each row's diagonal entry (``p_given``), and
    its entries off the diagonal that score below 0 (``p_given - p_j`` of
    the classes j that beat the given one).

    Examples
    --------
    >>> counted = pruning_levels(np.array([0, 0, 1]), np.array([[.6, .4], [.2, .8], [.4, .6]]))
    >>> (counted.bins // 33).tolist(), counted.counts.tolist()
    ([0, 0, 1, 3], [1, 1, 1, 1])
    """
    num_classes = pred_probs.shape[1]
    given = at_columns(pred_probs, labels)
    beaten = np.flatnonzero(predicted_class(pred_probs)[1] > given)
    margins = given[beaten, None] - pred_probs[beaten]
    at, columns = np.nonzero(margins < 0)
    labels = labels.astype(np.int64)
    cells = np.concatenate([labels[beaten[at]] * num_classes + columns, labels * (num_classes + 1)])
    scores = np.concatenate([np.take(margins, at * num_classes + columns), given])
    return bounds.level_counts(cells, scores, num_classes * num_classes)


#: Entries (rows times classes) of each block of :func:`pruning_entries`.
ENTRIES_PER_BLOCK = 2**16


def pruning_entries(labels: np.ndarray, pred_probs: np.ndarray, offset: int, cut_bounds: np.ndarray) -> list[Entries]:
    """A chunk's entries of the cells of the confident joint that select
    something, below their bound on the cut-off (``cut_bounds`` (K, K), of
    :func:`dlq.kernels.bounds.cut_bounds`: -inf where a cell selects
    nothing). Cell ``given * K + j`` ranks the rows given ``given`` by
    ``p_given - p_j`` (the largest margin first) for j != given and by
    ``p_given`` for j == given; ``agrees`` tells whether each row's
    prediction, with 1e-6 added to the given label's probability, is the
    given label.

    A label with a cell of no known bound gives :class:`Entries` of all its
    rows and classes, a block of rows each, every entry's cell told by its
    row's label (entries of cells that select nothing are there but select
    nothing). The other labels' entries below their cells' bounds come last,
    one entry a row: off the diagonal, the classes that beat the given one.

    Examples
    --------
    >>> labels, pred_probs = np.array([0, 0, 1]), np.array([[.6, .4], [.2, .8], [.4, .6]])
    >>> [entries] = pruning_entries(labels, pred_probs, 10, np.array([[-np.inf, np.inf], [-np.inf, -np.inf]]))
    >>> entries.rows().tolist(), entries.cells.tolist(), entries.scores[:, 1].round(1).tolist()
    ([10, 11], [[0, 1], [0, 1]], [0.2, -0.6])
    >>> [entries] = pruning_entries(labels, pred_probs, 10, np.array([[-np.inf, 0], [-np.inf, -np.inf]]))
    >>> entries.rows().tolist(), entries.cells[:, 0].tolist(), entries.scores[:, 0].round(1).tolist()
    ([11], [1], [-0.6])
    """
    num_classes = pred_probs.shape[1]
    active = cut_bounds > -np.inf
    off_diagonal = active & ~np.eye(num_classes, dtype=bool)
    unbounded = (off_diagonal & (cut_bounds == np.inf)).any(axis=1)
    given = at_columns(pred_probs, labels)
    predicted = predicted_class(pred_probs)
    agrees = prediction_agrees(labels, pred_probs, predicted)
    found = _all_entries(labels, pred_probs, offset, agrees, unbounded & active.any(axis=1))
    # the other labels' bounds are levels (exact in pred_probs' dtype), at most 0 off the diagonal
    level = cut_bounds.astype(pred_probs.dtype)
    bounded = ~unbounded[labels]
    candidates = np.flatnonzero(bounded & off_diagonal.any(axis=1)[labels] & (predicted[1] > given))
    margins = given[candidates, None] - pred_probs[candidates]
    at, columns = np.nonzero(margins < np.where(off_diagonal, level, -np.inf)[labels[candidates]])
    low = np.flatnonzero(bounded & (given < np.diagonal(level)[labels]))
    rows = np.concatenate([candidates[at], low])
    scores = np.concatenate([np.take(margins, at * num_classes + columns), given[low]])
    cells = labels[rows].astype(np.int64) * num_classes + np.concatenate([columns, labels[low]])
    if rows.size:
        found.append(Entries(scores[:, None], cells[:, None], rows + offset, agrees[rows][:, None]))
    return found


def _all_entries(
    labels: np.ndarray, pred_probs: np.ndarray, offset: int, agrees: np.ndarray, of_labels: np.ndarray
) -> list[Entries]:
    """Entries of every row and class of the rows given one of ``of_labels``
    (a mask of classes), in label order, a block of rows each."""
    num_classes = pred_probs.shape[1]
    # rows by label: a block's cells are then few, and the histogram counts they add to stay in cache
    by_label = np.argsort(labels, kind="stable")
    by_label = by_label[of_labels[labels[by_label]]]
    cell_type = np.int32 if num_classes * num_classes < 2**31 else np.int64
    columns = np.arange(num_classes, dtype=cell_type)
    step = max(1, ENTRIES_PER_BLOCK // num_classes)
    found = []
    for start in range(0, by_label.shape[0], step):  # blocks of rows, whose temporaries stay in cache
        block = by_label[start : start + step]
        given, probs = labels[block], pred_probs[block]
        rows = np.arange(given.shape[0])
        given_probs = probs[rows, given]
        scores = given_probs[:, None] - probs
        scores[rows, given] = given_probs
        row_cells = given.astype(cell_type)[:, None] * cell_type(num_classes) + columns
        found.append(Entries(scores, row_cells, block + offset, agrees[block, None]))
    return found


def issue_columns(labels: np.ndarray, pred_probs: np.ndarray) -> Columns:
    """The issue table's columns of some rows: given and predicted label.

    Examples
    --------
    >>> {name: values.tolist() for name, values in issue_columns(np.array([0]), np.array([[0.1, 0.9]])).items()}
    {'given_label': [0], 'predicted_label': [1]}
    """
    return labelled_columns(labels, pred_probs.argmax(axis=1))


def labelled_columns(labels: np.ndarray, predicted: np.ndarray) -> Columns:
    """The issue table's columns of rows given ``labels`` and predicted ``predicted``.

    Examples
    --------
    >>> labelled_columns(np.array([0]), np.array([1]))["predicted_label"].tolist()
    [1]
    """
    return {"given_label": labels.astype(np.int64), "predicted_label": predicted.astype(np.int64)}
