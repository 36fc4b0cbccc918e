"""Upper bounds on the pruning's cut-offs, so that its reads skip the entries that cannot reach one.

A pruning cell (given label, class) selects its k lowest scores: the margin
``p_given - p_class`` off the diagonal, ``p_given`` on it. If at least k of
a cell's entries score below some level, its cut-off does too, and no entry
at or above that level can change it. The read that counts the confident
joint also counts, per cell, the entries below each of :data:`LEVELS`
(:func:`level_counts`): every row's diagonal entry, and off the diagonal
only the entries that score below 0 (a class that beats the given one),
which only rows whose prediction is not their label have. Counts off the
diagonal above level 0 are then too low, which only makes a bound higher
than it could be. :func:`cut_bounds` turns the counts into each cell's
bound; the selection then makes entries only below it, which for most data
are a few entries of the rows whose prediction is not their label.
"""

from __future__ import annotations

import functools

import numpy as np

from dlq.kernels.keys import KEY_BITS, round_bits, smallest_with_key
from dlq.kernels.select import Histogram

#: Levels of the scores, highest first: 1, 1/2, ..., 2**-15, 0, -2**-15, ..., -1/2.
#: Each is exact in float32, so comparisons give the same answer in either dtype.
LEVELS = np.concatenate([2.0 ** -np.arange(16), [0.0], -(2.0 ** -np.arange(15, 0, -1))])
_POSITIVE_LEVELS = 16
BINS_PER_CELL = LEVELS.shape[0] + 1


def level_counts(cells: np.ndarray, scores: np.ndarray, num_cells: int) -> Histogram:
    """How many of the entries of each of ``num_cells`` cells score below
    how many of :data:`LEVELS`: bin ``cell * (L + 1) + a`` counts the entries
    of ``cell`` below the ``a`` highest levels. Summed over chunks with
    :meth:`~dlq.kernels.select.Histogram.summed`.

    Examples
    --------
    >>> counts = level_counts(np.array([0, 0, 1]), np.array([0.3, 1.0, -0.001]), 2)
    >>> counts.bins.tolist(), counts.counts.tolist()
    ([0, 2, 56], [1, 1, 1])
    """
    return Histogram.of(np.asarray(cells, np.int64) * BINS_PER_CELL + levels_above(scores), num_cells * BINS_PER_CELL)


def levels_above(scores: np.ndarray) -> np.ndarray:
    """How many of :data:`LEVELS` lie above each score (finite, in [-1, 1]).

    The levels are powers of two and their negatives, so the count follows
    from each score's sign and binary exponent (:func:`_level_tables`: a
    table of both), less one for a negative power of two, which equals a
    level rather than lying below it: the leading bits and whether the
    mantissa's are all zero.

    Examples
    --------
    >>> levels_above(np.array([1.0, 0.75, 0.5, 0.0, -2.0**-15, -0.5, -1.0])).tolist()
    [0, 1, 1, 16, 17, 31, 32]
    """
    scores = np.ascontiguousarray(scores)
    bits = scores.view(np.uint32 if scores.dtype == np.float32 else np.uint64)
    mantissa_bits = np.finfo(scores.dtype).nmant
    count, power_of_two = _level_tables(scores.dtype)
    leading = bits >> bits.dtype.type(mantissa_bits)
    exact = (bits & bits.dtype.type((1 << mantissa_bits) - 1)) == 0
    return count.take(leading) - power_of_two.take(leading) * exact


@functools.cache
def _level_tables(dtype: np.dtype) -> tuple[np.ndarray, np.ndarray]:
    """For every sign and biased exponent of ``dtype`` (the bits above the
    mantissa): the levels above a score of that exponent, and how many
    fewer lie above one whose mantissa bits are zero (a power of two: its
    own level is not above it; -0.0 is no negative number)."""
    info = np.finfo(dtype)
    exponents = 1 << (info.bits - 1 - info.nmant)
    biased = np.arange(exponents)
    # a normal m * 2**e with m in [1/2, 1); subnormals (biased 0) as the smallest normals
    exponent = np.maximum(biased, 1) - (info.maxexp - 2)
    positive = np.clip(1 - exponent, 0, _POSITIVE_LEVELS)

    def negative(first: np.ndarray) -> np.ndarray:
        return _POSITIVE_LEVELS + 1 + np.clip(_POSITIVE_LEVELS - np.maximum(first, 1), 0, _POSITIVE_LEVELS - 1)

    below = negative(1 - exponent)
    fewer = below - negative(2 - exponent)
    fewer[0] = below[0] - _POSITIVE_LEVELS  # -0.0
    return np.concatenate([positive, below]).astype(np.int32), np.concatenate([np.zeros(exponents, np.int32), fewer])


def probability_levels(probabilities: np.ndarray) -> np.ndarray:
    """:func:`levels_above` of scores in [0, 1] (float32 or float64), from
    their exponent bits alone: ``2**e * 1.f`` lies below ``-e`` of the
    levels, clipped to [0, 16], which also counts 0 and subnormals as below
    the 16 positive levels.

    Examples
    --------
    >>> probability_levels(np.array([1.0, 0.75, 0.5, 0.0, -0.0, 2.0**-20])).tolist()
    [0, 1, 1, 16, 16, 16]
    """
    if probabilities.dtype == np.float32:
        exponents = 127 - (probabilities.view(np.int32) >> 23).astype(np.int64)
    else:
        exponents = 1023 - (probabilities.view(np.int64) >> 52)
    return np.clip(exponents, 0, _POSITIVE_LEVELS, out=exponents)


def _deepest_levels(wanted: np.ndarray, counted: Histogram) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """For every cell that wants entries and has a level holding that many:
    the cell, the deepest such level's position in :data:`LEVELS`, and how
    many entries lie below it."""
    # walk each cell's bins deepest first: the first whose running count reaches
    # the cell's count gives the deepest level holding enough entries
    cell, above = np.divmod(counted.bins[::-1], BINS_PER_CELL)
    counts = counted.counts[::-1]
    starts = np.flatnonzero(np.concatenate([[True], cell[1:] != cell[:-1]])) if cell.size else cell
    running = np.cumsum(counts)
    running -= np.repeat(running[starts] - counts[starts], np.diff(np.append(starts, cell.shape[0])))
    enough = np.flatnonzero((running >= wanted[cell]) & (wanted[cell] > 0) & (above > 0))
    found, first = np.unique(cell[enough], return_index=True)
    return found, above[enough[first]] - 1, running[enough[first]]


def cut_bounds(cells: np.ndarray, counted: Histogram) -> np.ndarray:
    """Each cell's bound on its cut-off, the shape of ``cells`` (how many
    entries each selects), float64: every one of a cell's ``cells`` lowest
    entries scores below it, by the counts of :func:`level_counts`. -inf
    for a cell that selects nothing, +inf where no level is known to hold
    enough entries.

    Examples
    --------
    >>> counted = level_counts(np.array([0, 0, 1, 1]), np.array([0.3, 0.2, -0.001, -0.4]), 3)
    >>> cut_bounds(np.array([2, 1, 0]), counted).tolist()
    [0.5, -0.25, -inf]
    >>> cut_bounds(np.array([3, 3, 1]), counted).tolist()
    [inf, inf, inf]
    """
    wanted = np.asarray(cells).reshape(-1)
    bounds = np.where(wanted > 0, np.inf, -np.inf)
    found, levels, _ = _deepest_levels(wanted, counted)
    bounds[found] = LEVELS[levels]
    return bounds.reshape(np.shape(cells))


def entries_below_bounds(cells: np.ndarray, counted: Histogram) -> float:
    """How many entries score below their cell's :func:`cut_bounds` in all
    (what the selection would hold), inf if a cell has no bound.

    Examples
    --------
    >>> counted = level_counts(np.array([0, 0, 1, 1]), np.array([0.3, 0.2, -0.001, -0.4]), 3)
    >>> entries_below_bounds(np.array([2, 1, 0]), counted), entries_below_bounds(np.array([3, 1, 0]), counted)
    (3.0, inf)
    """
    wanted = np.asarray(cells).reshape(-1)
    found, _, below = _deepest_levels(wanted, counted)
    return float(below.sum()) if found.shape[0] == np.count_nonzero(wanted > 0) else np.inf


def bounds_within(first: Histogram, budgets: np.ndarray, dtype: np.dtype) -> np.ndarray:
    """For the first round's histogram of cells 0..C-1 (:func:`first_histogram`),
    each cell's score below which lie its lowest bins, as many as hold at
    most ``budgets[c]`` entries together: -inf where its first bin holds
    more, inf where all its bins fit.

    Examples
    --------
    >>> from dlq.kernels.lowest import Entries
    >>> from dlq.kernels.select import first_histogram
    >>> counted = first_histogram([Entries.of_column(np.array([0.1, 0.2, 0.2, 0.7]), 0)], np.array([0]))
    >>> [bounds_within(counted, np.array([budget]), np.float64)[0].item() for budget in (0, 1, 3, 4)]
    [-inf, 0.1015625, 0.203125, inf]
    """
    n_cells = budgets.shape[0]
    width = round_bits(0, n_cells)
    cells, bins = np.divmod(first.bins, 1 << width)
    cumulative = np.cumsum(first.counts)
    starts = np.searchsorted(cells, np.arange(n_cells))
    before = np.concatenate([[0], cumulative])[starts]
    # each cell's bins in order: those within its budget are a prefix
    n_within = np.bincount(cells[cumulative - before[cells] <= budgets[cells]], minlength=n_cells)
    every = n_within == np.bincount(cells, minlength=n_cells)
    bounds = np.where(every, np.inf, -np.inf)
    some = np.flatnonzero((n_within > 0) & ~every)
    last_bins = bins[starts[some] + n_within[some] - 1].astype(np.uint64)
    bounds[some] = smallest_with_key((last_bins + np.uint64(1)) << np.uint64(KEY_BITS - width), dtype)
    return bounds


#: Entries below their bounds are kept in memory between the selection's
#: looks (instead of made again from a read of the data) when they number at
#: most this many times what the cells select, plus :data:`KEPT_SLACK`: what
#: is held then stays a few bytes per issue.
KEPT_PER_SELECTED = 8
KEPT_SLACK = 2**16


def worth_keeping(cells: np.ndarray, counted: Histogram) -> bool:
    """Whether the entries below every cell's bound are few enough to keep.

    Examples
    --------
    >>> counted = level_counts(np.zeros(10**5, np.int64), np.linspace(-0.49, -0.26, 10**5), 1)
    >>> worth_keeping(np.array([20_000]), counted), worth_keeping(np.array([10]), counted)  # all below -1/4
    (True, False)
    """
    return bool(entries_below_bounds(cells, counted) <= KEPT_PER_SELECTED * np.sum(cells) + KEPT_SLACK)
