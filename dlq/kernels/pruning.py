"""The pruning filters' entries, for both shapes of problems: each chunk's
counts of entries below the levels that bound the cut-offs, and its entries
below the bounds (see :mod:`dlq.kernels.bounds`).

Multi-class cells are numbered ``given * K + j``; those of the K binary
one-vs-rest problems ``4 k + 2 given + class``.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from dlq.kernels import multiclass, onevsrest
from dlq.kernels.bounds import BINS_PER_CELL, level_counts, probability_levels
from dlq.kernels.lowest import Entries
from dlq.kernels.scores import at_columns
from dlq.kernels.select import Histogram
from dlq.kernels.sets import true_positions


class LevelsOf(NamedTuple):
    """Which pruning cells a chunk's level counts cover: those off the
    confident joint's diagonal (pruned by noise rate) and those on it
    (pruned by class). A filter that prunes no cell of a kind needs no
    levels of it."""

    off_diagonal: bool = True
    diagonal: bool = True


#: The levels of every pruning cell.
EVERY_CELL = LevelsOf()


def multiclass_levels(
    labels: np.ndarray,
    pred_probs: np.ndarray,
    predicted: tuple[np.ndarray, np.ndarray] | None = None,
    cells: LevelsOf = EVERY_CELL,
) -> Histogram:
    """A chunk's :func:`dlq.kernels.bounds.level_counts` of the pruning cells
    (cell ``given * K + j``): each row's diagonal entry (``p_given``), and
    its entries off the diagonal that score below 0 (``p_given - p_j`` of
    the classes j that beat the given one), of the kinds of ``cells``;
    ``predicted`` is :func:`dlq.kernels.multiclass.predicted_class` of
    pred_probs, when already at hand.

    Examples
    --------
    >>> counted = multiclass_levels(np.array([0, 0, 1]), np.array([[.6, .4], [.2, .8], [.4, .6]]))
    >>> (counted.bins // 33).tolist(), counted.counts.tolist()
    ([0, 0, 1, 3], [1, 1, 1, 1])
    """
    num_classes = pred_probs.shape[1]
    num_cells = num_classes * num_classes
    given = at_columns(pred_probs, labels)
    labels = labels.astype(np.int64)
    counted = [Histogram(np.zeros(0, np.int64), np.zeros(0, np.int64))]
    if cells.off_diagonal:
        beaten = np.flatnonzero((predicted or multiclass.predicted_class(pred_probs))[1] > given)
        columns = np.arange(num_classes, dtype=np.int64)
        for rows in _row_blocks(beaten, num_classes):
            margins = given[rows, None] - pred_probs[rows]
            below = margins < 0
            row_cells = (labels[rows] * num_classes)[:, None] + columns
            counted.append(level_counts(row_cells[below], margins[below], num_cells))
    if cells.diagonal:
        counted.append(level_counts(labels * (num_classes + 1), given, num_cells))
    return Histogram.summed(counted)


#: Entries (rows times classes) of the blocks in which the rows that a
#: prediction beats are counted and searched: a chunk's temporaries of
#: those rows' K entries are then a few MB, wherever the share of such rows.
ENTRIES_PER_BEATEN_BLOCK = 2**20


def _row_blocks(rows: np.ndarray, num_classes: int, entries: int = ENTRIES_PER_BEATEN_BLOCK) -> list[np.ndarray]:
    """``rows`` in consecutive blocks of about ``entries`` entries (rows times classes)."""
    step = max(1, entries // num_classes)
    return [rows[start : start + step] for start in range(0, rows.shape[0], step)]


#: Entries (rows times classes) of each block of :func:`multiclass_entries`.
ENTRIES_PER_BLOCK = 2**16


def multiclass_entries(
    labels: np.ndarray, pred_probs: np.ndarray, offset: int, cut_bounds: np.ndarray
) -> list[Entries]:
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
    >>> [entries] = multiclass_entries(labels, pred_probs, 10, np.array([[-np.inf, np.inf], [-np.inf, -np.inf]]))
    >>> entries.rows().tolist(), entries.cells.tolist(), entries.scores[:, 1].round(1).tolist()
    ([10, 11], [[0, 1], [0, 1]], [0.2, -0.6])
    >>> [entries] = multiclass_entries(labels, pred_probs, 10, np.array([[-np.inf, 0], [-np.inf, -np.inf]]))
    >>> entries.rows().tolist(), entries.cells[:, 0].tolist(), entries.scores[:, 0].round(1).tolist()
    ([11], [1], [-0.6])
    """
    num_classes = pred_probs.shape[1]
    active = cut_bounds > -np.inf
    off_diagonal = active & ~np.eye(num_classes, dtype=bool)
    unbounded = (off_diagonal & (cut_bounds == np.inf)).any(axis=1)
    given = at_columns(pred_probs, labels)
    predicted = multiclass.predicted_class(pred_probs)
    agrees = multiclass.prediction_agrees(labels, pred_probs, predicted)
    found = _every_entry_of(labels, pred_probs, offset, agrees, unbounded & active.any(axis=1))
    # the other labels' bounds are levels (exact in pred_probs' dtype), at most 0 off the diagonal
    level = cut_bounds.astype(pred_probs.dtype)
    bounded = ~unbounded[labels]
    candidates = np.flatnonzero(bounded & off_diagonal.any(axis=1)[labels] & (predicted[1] > given))
    off_levels = np.where(off_diagonal, level, -np.inf)
    rows, columns, scores = [np.zeros(0, np.int64)], [np.zeros(0, np.int64)], [np.zeros(0, pred_probs.dtype)]
    for block in _row_blocks(candidates, num_classes):
        margins = given[block, None] - pred_probs[block]
        below = margins < off_levels[labels[block]]
        at, block_columns = true_positions(below)
        rows.append(block[at])
        columns.append(block_columns)
        scores.append(margins[below])
    low = np.flatnonzero(bounded & (given < np.diagonal(level)[labels]))
    rows = np.concatenate([*rows, low])
    scores = np.concatenate([*scores, given[low]])
    cells = labels[rows].astype(np.int64) * num_classes + np.concatenate([*columns, labels[low]])
    if rows.size:
        found.append(Entries(scores[:, None], cells[:, None], rows + offset, agrees[rows][:, None]))
    return found


def _every_entry_of(
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
    found = []
    for block in _row_blocks(by_label, num_classes, ENTRIES_PER_BLOCK):  # blocks whose temporaries stay in cache
        given, probs = labels[block], pred_probs[block]
        rows = np.arange(given.shape[0])
        given_probs = probs[rows, given]
        scores = given_probs[:, None] - probs
        scores[rows, given] = given_probs
        row_cells = given.astype(cell_type)[:, None] * cell_type(num_classes) + columns
        found.append(Entries(scores, row_cells, block + offset, agrees[block, None]))
    return found


def one_vs_rest_levels(
    labels: np.ndarray, pred_probs: np.ndarray, sides: onevsrest.Sides | None = None, cells: LevelsOf = EVERY_CELL
) -> Histogram:
    """:func:`multiclass_levels` of every binary problem
    (cells ``4 k + 2 given + class``), of the kinds of ``cells``; ``sides``
    are :meth:`~dlq.kernels.onevsrest.Sides.of` the rows, when at hand.

    Examples
    --------
    >>> counted = one_vs_rest_levels(np.array([[0, 1], [0, 1]]), np.array([[0.7, 0.9], [0.4, 0.2]]))
    >>> (counted.bins // 33).tolist(), counted.counts.tolist()
    ([0, 0, 1, 6, 7, 7], [1, 1, 1, 1, 1, 1])
    """
    num_classes = pred_probs.shape[1]
    sides = sides or onevsrest.Sides.of(labels, pred_probs)
    counted = [Histogram(np.zeros(0, np.int64), np.zeros(0, np.int64))]
    if cells.off_diagonal:  # the few entries whose other side wins
        margins = sides.margins()
        rows, problems = true_positions(margins < 0)
        side = sides.positive_label[rows, problems]
        counted.append(level_counts(4 * problems + 1 + side, margins[rows, problems], 4 * num_classes))
    if cells.diagonal:  # every entry: a probability, whose levels follow from its exponent
        diagonal_bins = probability_levels(sides.given)
        diagonal_bins += np.arange(num_classes) * (4 * BINS_PER_CELL)
        diagonal_bins += sides.positive_label * (3 * BINS_PER_CELL)
        counted.append(Histogram.of(diagonal_bins.reshape(-1), 4 * num_classes * BINS_PER_CELL))
    return Histogram.summed(counted)


def one_vs_rest_entries(
    labels: np.ndarray, pred_probs: np.ndarray, offset: int, cut_bounds: np.ndarray
) -> list[Entries]:
    """:func:`multiclass_entries` of every binary
    problem whose cell selects something in ``cut_bounds`` (K, 2, 2): the
    entries below the cell's bound, in one :class:`Entries` with a cell for
    each (the cells of problem k are numbered ``4 k + 2 given + class``).

    Examples
    --------
    >>> labels, pred_probs = np.array([[0, 1], [0, 1]]), np.array([[0.7, 0.9], [0.4, 0.2]])
    >>> cut_bounds = np.full((2, 2, 2), -np.inf)
    >>> cut_bounds[0, 0, 1] = np.inf
    >>> [entries] = one_vs_rest_entries(labels, pred_probs, 10, cut_bounds)
    >>> entries.cells[:, 0].tolist(), entries.rows().tolist()
    ([1, 1], [10, 11])
    >>> cut_bounds[0, 0, 1] = 0
    >>> [entries] = one_vs_rest_entries(labels, pred_probs, 10, cut_bounds)
    >>> entries.rows().tolist()
    [10]
    """
    # one contiguous row per problem, worked on a problem at a time (its temporaries stay in cache)
    positive_labels = np.ascontiguousarray(labels.T)
    problem_probs = np.ascontiguousarray(pred_probs.T)
    found = []
    for problem in np.flatnonzero((cut_bounds > -np.inf).any(axis=(1, 2))):
        sides = onevsrest.Sides.of(positive_labels[problem], problem_probs[problem])
        positive_label, given, noise_scores, agrees = sides.positive_label, sides.given, sides.margins(), sides.agrees()
        for side, towards in np.argwhere(cut_bounds[problem] > -np.inf):
            scores = given if side == towards else noise_scores
            rows = np.flatnonzero((positive_label == side) & (scores < cut_bounds[problem, side, towards]))
            found.append((4 * problem + 2 * side + towards, scores[rows], rows + offset, agrees[rows]))
    if not found:
        return []
    # one set of entries, a cell for each, so that the selection's looks work on few arrays
    cells, scores, rows, agrees = zip(*found, strict=True)
    sizes = [part.shape[0] for part in rows]
    cells = np.repeat(np.array(cells, dtype=np.int64), sizes)
    return [
        Entries(np.concatenate(scores)[:, None], cells[:, None], np.concatenate(rows), np.concatenate(agrees)[:, None])
    ]
