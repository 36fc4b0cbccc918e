"""The k lowest (score, index) of every cell, in bounded memory: dlq's one selection.

A *cell* is one ranking: the single ranking of a batched scan, one class's
binary problem, one (given label, class) pair of the confident joint. A
chunk presents its scored rows as :class:`Entries`; the selection finds,
for every cell with a count k, the k-th lowest (score, index) among all
chunks' entries of that cell, ties going to the lower index.

It works in rounds over the chunks. Scores map to unsigned 64-bit keys that
sort as the scores do. Each round sums, over all chunks, a histogram of the
next ``BITS_PER_ROUND`` (12) key bits among the entries that share the bits
already found, and every cell picks the bin holding its k-th entry
(:class:`Cut`). After the rounds the entries still sharing a cell's leading
bits are few; they are gathered, lowest first (:class:`Lowest`), to settle
the exact (score, index) of each cell's cut-off (:class:`Cutoffs`). With no
rounds, the gather keeps each cell's k lowest of every chunk: that is the
choice where a second look at the entries would cost a read of the data.
Every step keeps a fixed amount per chunk and cell, or what it gathers.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any, NamedTuple

import numpy as np

from dlq.kernels.lowest import KEPT_WHOLE, Entries, Lowest, lowest_positions, no_entries

#: Bits of the order key resolved by each histogram round.
BITS_PER_ROUND = 12
#: Histogram rounds before the remaining entries are gathered, when the
#: entries are held in memory.
ROUNDS = 3
#: Histogram rounds when every round costs a read of the data: two resolve
#: a float32 score's sign, exponent and 15 bits of mantissa, which leaves
#: few entries in the bin of each cell's cut-off.
READ_ROUNDS = 2

_BINS = 2**BITS_PER_ROUND
_KEY_BITS = 64
_SIGN = np.uint64(1 << 63)
_SIGN32 = np.uint32(1 << 31)


def order_keys(scores: np.ndarray) -> np.ndarray:
    """Unsigned 64-bit integers in the order of the float scores (``-0.0``
    as ``0.0``). float32 scores fill the leading 32 bits, so that the first
    rounds resolve their bits rather than the zeros a float64 would pad them
    with; a cell's scores all have one dtype, so their keys compare.

    Examples
    --------
    >>> scores = np.array([0.5, -2.0, 0.0, -0.0, 1e-300, np.inf])
    >>> np.argsort(order_keys(scores), kind="stable").tolist()
    [1, 2, 3, 4, 0, 5]
    >>> np.argsort(order_keys(scores.astype(np.float32)), kind="stable").tolist()
    [1, 2, 3, 4, 0, 5]
    """
    scores = np.asarray(scores)
    if scores.dtype == np.float32:
        bits32 = (scores + np.float32(0.0)).view(np.uint32)
        return np.where(bits32 >= _SIGN32, ~bits32, bits32 | _SIGN32).astype(np.uint64) << np.uint64(32)
    bits = (scores.astype(np.float64) + 0.0).view(np.uint64)
    return np.where(bits >= _SIGN, ~bits, bits | _SIGN)


@dataclass(frozen=True)
class Cut:
    """Where each cell's k-th lowest entry lies: among the entries of cell
    ``cells[c]`` whose keys start with the ``bits`` leading bits
    ``prefix[c]``, it is the ``rank[c]``-th lowest (from 0).

    A cell with ``rank`` -1 selects nothing; one marked ``everything``
    selects all its entries (k at least their number).
    """

    cells: np.ndarray
    rank: np.ndarray
    prefix: np.ndarray
    bits: int
    everything: np.ndarray

    @classmethod
    def first(cls, cells: np.ndarray, counts: np.ndarray) -> Cut:
        """The cut before any round, for the ``counts[c]`` lowest of cell ``cells[c]``.

        Examples
        --------
        >>> cut = Cut.first(np.array([0, 5]), np.array([3, 0]))
        >>> cut.rank.tolist(), cut.undecided.tolist()
        ([2, -1], [True, False])
        """
        cells = np.asarray(cells, dtype=np.int64)
        rank = np.maximum(np.asarray(counts, dtype=np.int64), 0) - 1
        return cls(cells, rank, np.zeros(cells.shape[0], np.uint64), 0, np.zeros(cells.shape[0], bool))

    @property
    def undecided(self) -> np.ndarray:
        return (self.rank >= 0) & ~self.everything

    def positions(self, entries: Entries) -> tuple[np.ndarray, np.ndarray]:
        """For each column of ``entries``: its cell's position in this cut, and whether the cut has that cell."""
        if not self.cells.shape[0]:
            return np.zeros(entries.cells.shape, np.intp), np.zeros(entries.cells.shape, bool)
        slots = np.minimum(np.searchsorted(self.cells, entries.cells), self.cells.shape[0] - 1)
        return slots, self.cells[slots] == entries.cells

    def slots(self, entries: Entries) -> tuple[np.ndarray, np.ndarray]:
        """For each column of ``entries``: its cell's position in this cut, and whether that cell is undecided."""
        slots, known = self.positions(entries)
        return slots, known & self.undecided[slots]

    def matching(self, entries: Entries, slots: np.ndarray, keys: np.ndarray) -> np.ndarray:
        """Whether each key starts with its cell's prefix."""
        if not self.bits:
            return np.ones(keys.shape, dtype=bool)
        return (keys >> np.uint64(_KEY_BITS - self.bits)) == self.prefix[slots]

    def narrowed(self, histogram: Histogram) -> Cut:
        """The cut after a round whose summed histograms are ``histogram``.

        Examples
        --------
        >>> chunk = [Entries.of_column(np.array([0.3, 0.1, 0.2]), 0)]
        >>> cut = Cut.first(np.array([0]), np.array([2]))
        >>> cut = cut.narrowed(histogram(chunk, cut))
        >>> cut.bits, cut.rank.tolist()
        (12, [0])
        """
        slots = np.arange(self.cells.shape[0])
        cell_of, bin_of = np.divmod(histogram.bins, _BINS)
        cumulative = np.cumsum(histogram.counts)
        starts, stops = np.searchsorted(cell_of, slots), np.searchsorted(cell_of, slots, side="right")
        before = np.where(starts > 0, cumulative[np.maximum(starts - 1, 0)] if cumulative.size else 0, 0)
        total = np.where(stops > starts, cumulative[np.maximum(stops - 1, 0)] if cumulative.size else 0, 0) - before
        undecided = self.undecided
        everything = self.everything | (undecided & (self.bits == 0) & (self.rank >= total))
        still = undecided & ~everything & (total > self.rank)
        # the first bin of the cell whose cumulative count passes its rank (counts are positive)
        at = np.minimum(np.searchsorted(cumulative, before + self.rank, side="right"), max(cumulative.size - 1, 0))
        below = np.where(at > starts, (cumulative[np.maximum(at - 1, 0)] if cumulative.size else 0) - before, 0)
        position = bin_of[at].astype(np.uint64) if bin_of.size else np.zeros(slots.shape[0], np.uint64)
        prefix = np.where(still, (self.prefix << np.uint64(BITS_PER_ROUND)) | position, self.prefix)
        return Cut(
            self.cells, np.where(still, self.rank - below, self.rank), prefix, self.bits + BITS_PER_ROUND, everything
        )


@dataclass(frozen=True)
class Histogram:
    """Counts of the entries in every (cell, bin) that has any: ``bins``
    sorted, each ``slot * 4096 + bin`` for the cell's position in its cut.
    Kept sparse, so that many cells cost what their entries fill.

    Examples
    --------
    >>> parts = [Histogram(np.array([1, 4]), np.array([2, 1])), Histogram(np.array([4, 9]), np.array([3, 3]))]
    >>> found = Histogram.summed(parts)
    >>> found.bins.tolist(), found.counts.tolist()
    ([1, 4, 9], [2, 4, 3])
    """

    bins: np.ndarray
    counts: np.ndarray

    @staticmethod
    def of(bins: np.ndarray, size: int) -> Histogram:
        """The histogram of flat bin numbers below ``size``."""
        if size <= 4 * bins.shape[0] + 65536:
            dense = np.bincount(bins, minlength=size)
            found = np.flatnonzero(dense)
            return Histogram(found, dense[found])
        found, counts = np.unique(bins, return_counts=True)
        return Histogram(found, counts)

    @staticmethod
    def summed(parts: Sequence[Histogram]) -> Histogram:
        """The sum of several histograms (a combine for a tree)."""
        bins = np.concatenate([np.zeros(0, np.int64), *(part.bins for part in parts)])
        counts = np.concatenate([np.zeros(0, np.int64), *(part.counts for part in parts)])
        found, inverse = np.unique(bins, return_inverse=True)
        return Histogram(found, np.bincount(inverse, weights=counts, minlength=found.shape[0]).astype(np.int64))


def histogram(chunk: Sequence[Entries], cut: Cut) -> Histogram:
    """Counts of the next key bits among each undecided cell's entries that
    match its prefix.

    Examples
    --------
    >>> cut = Cut.first(np.array([0]), np.array([1]))
    >>> int(histogram([Entries.of_column(np.array([0.1, 0.2, 0.2]), 0)], cut).counts.sum())
    3
    """
    parts = [Histogram(np.zeros(0, np.int64), np.zeros(0, np.int64))]
    shift = np.uint64(_KEY_BITS - cut.bits - BITS_PER_ROUND)
    for entries in chunk:
        slots, active = cut.slots(entries)
        if not active.any() or not entries.scores.size:
            continue
        columns = np.flatnonzero(active)
        keys = order_keys(entries.scores[:, columns])
        matching = cut.matching(entries, slots[columns], keys)
        # bins numbered by column here, so that the counts are dense; then by slot
        bins = ((keys >> shift) & np.uint64(_BINS - 1)).astype(np.int64) + np.arange(columns.shape[0]) * _BINS
        found = Histogram.of(bins[matching], columns.shape[0] * _BINS)
        column, bin_ = np.divmod(found.bins, _BINS)
        parts.append(Histogram(slots[columns][column] * _BINS + bin_, found.counts))
    return parts[-1] if len(parts) == 2 else Histogram.summed(parts)


def gather(chunk: Sequence[Entries], cut: Cut) -> Lowest:
    """Each undecided cell's lowest ``rank + 1`` entries among those matching its prefix.

    Examples
    --------
    >>> cut = Cut.first(np.array([0]), np.array([2]))
    >>> gather([Entries.of_column(np.array([0.3, 0.1, 0.2]), 10)], cut).ranked().indices.tolist()
    [11, 12]
    """
    parts = [no_entries()]
    for entries in chunk:
        slots, active = cut.slots(entries)
        columns = np.flatnonzero(active)
        if not columns.size:
            continue
        if not cut.bits:  # no prefix: each column's lowest, on contiguous columns
            parts.extend(
                _lowest_of_each_column(entries, columns, cut.cells[slots[columns]], cut.rank[slots[columns]] + 1)
            )
            continue
        scores = entries.scores[:, columns]
        matching = cut.matching(entries, slots[columns], order_keys(scores))
        parts.append(_flat(entries, columns, scores, matching, cut.rank[slots[columns]] + 1))
    return Lowest.merged(parts)


def _flat(entries: Entries, columns: np.ndarray, scores: np.ndarray, taken: np.ndarray, limits: Any) -> Lowest:
    """The entries of ``columns`` where ``taken`` (rows by those columns), in flat form."""
    rows, at = np.nonzero(taken)
    agrees = np.broadcast_to(entries.agrees, entries.scores.shape)[:, columns]
    return Lowest(
        entries.cells[columns][at],
        scores[rows, at],
        entries.rows()[rows],
        agrees[rows, at],
        np.broadcast_to(limits, (columns.shape[0],))[at],
    )


def _lowest_of_each_column(
    entries: Entries, columns: np.ndarray, cells: np.ndarray, counts: np.ndarray
) -> list[Lowest]:
    scores = np.ascontiguousarray(entries.scores[:, columns].T)
    agrees = np.ascontiguousarray(np.broadcast_to(entries.agrees, entries.scores.shape)[:, columns].T)
    rows = entries.rows()
    found = []
    for j in range(columns.shape[0]):
        count = int(counts[j])
        chosen = lowest_positions(scores[j], rows, count) if count < rows.shape[0] else np.arange(rows.shape[0])
        size = chosen.shape[0]
        found.append(
            Lowest(np.full(size, cells[j]), scores[j, chosen], rows[chosen], agrees[j, chosen], np.full(size, count))
        )
    return found


@dataclass(frozen=True)
class Cutoffs:
    """The highest selected (score, index) of each cell of a cut."""

    cells: np.ndarray
    scores: np.ndarray
    indices: np.ndarray
    everything: np.ndarray
    nothing: np.ndarray

    @classmethod
    def of(cls, cut: Cut, gathered: Lowest) -> Cutoffs:
        """The cut-offs from the final cut and the entries gathered under it.

        A cell that gathered fewer entries than its rank asks for has fewer
        entries than its count: it selects everything.

        Examples
        --------
        >>> chunk = [Entries.of_column(np.array([0.3, 0.1, 0.2, 0.1]), 0)]
        >>> cut = Cut.first(np.array([0]), np.array([3]))
        >>> for _ in range(ROUNDS):
        ...     cut = cut.narrowed(histogram(chunk, cut))
        >>> cutoffs = Cutoffs.of(cut, gather(chunk, cut))
        >>> cutoffs.scores.tolist(), cutoffs.indices.tolist()
        ([0.2], [2])
        """
        gathered = gathered.ranked()
        starts = np.searchsorted(gathered.cells, cut.cells)
        sizes = np.searchsorted(gathered.cells, cut.cells, side="right") - starts
        undecided = cut.undecided
        everything = cut.everything | (undecided & (sizes <= cut.rank))
        found = undecided & ~everything
        at = np.where(found, starts + cut.rank, 0)
        scores = np.where(found, gathered.scores[at] if gathered.scores.size else 0.0, 0.0)
        indices = np.where(found, gathered.indices[at] if gathered.indices.size else 0, 0)
        return cls(cut.cells, scores, indices, everything, cut.rank < 0)

    def selects(self, entries: Entries) -> np.ndarray:
        """Whether each entry is at or below its cell's cut-off, shape of ``entries.scores``.

        Examples
        --------
        >>> cutoffs = Cutoffs(np.array([0]), np.array([0.2]), np.array([5]), np.array([False]), np.array([False]))
        >>> cutoffs.selects(Entries(np.array([[0.2], [0.2], [0.1]]), np.array([0]), np.array([4, 6, 9]),
        ...                         np.zeros((1, 1), bool)))[:, 0].tolist()
        [True, False, True]
        """
        return self.at_or_below(entries.cells, entries.scores, entries.rows()[:, None])

    def at_or_below(self, cells: np.ndarray, scores: np.ndarray, indices: np.ndarray) -> np.ndarray:
        """Whether each (cell, score, index) is at or below its cell's
        cut-off; the three arrays broadcast together.

        Examples
        --------
        >>> cutoffs = Cutoffs(np.array([3]), np.array([0.2]), np.array([5]), np.array([False]), np.array([False]))
        >>> cutoffs.at_or_below(np.array([3, 3, 4]), np.array([0.2, 0.1, 0.1]), np.array([6, 9, 1])).tolist()
        [False, True, False]
        """
        shape = np.broadcast_shapes(np.shape(cells), np.shape(scores), np.shape(indices))
        if not self.cells.shape[0]:
            return np.zeros(shape, dtype=bool)
        slots = np.minimum(np.searchsorted(self.cells, cells), self.cells.shape[0] - 1)
        known = self.cells[slots] == cells
        score, index = self.scores[slots], self.indices[slots]
        below = (scores < score) | ((scores == score) & (indices <= index))
        chosen = np.where(self.everything[slots], True, below & ~self.nothing[slots])
        return np.broadcast_to(chosen & known, shape)


def first_histogram(chunk: Sequence[Entries], cells: np.ndarray) -> Histogram:
    """The first round's histogram of every one of ``cells``, which needs no
    count and so can be taken while the entries are made.

    Examples
    --------
    >>> int(first_histogram([Entries.of_column(np.array([0.1, 0.2, 0.2]), 0)], np.array([0])).counts.sum())
    3
    """
    return histogram(chunk, Cut.first(cells, np.ones(cells.shape[0], np.int64)))


def chosen(chunk: Sequence[Entries], cutoffs: Cutoffs, issues_only: bool) -> Lowest:
    """The entries at or below their cell's cut-off (only those whose
    prediction disagrees with their label, with ``issues_only``).

    Examples
    --------
    >>> cutoffs = Cutoffs(np.array([0]), np.array([0.2]), np.array([5]), np.array([False]), np.array([False]))
    >>> entries = Entries.of_column(np.array([0.2, 0.1, 0.3]), 4, agrees=np.array([False, True, False]))
    >>> chosen([entries], cutoffs, issues_only=True).indices.tolist()
    [4]
    """
    parts = [no_entries()]
    for entries in chunk:
        if issues_only and entries.agrees.shape[1] == 1:  # one agreement per row: look only at the others
            others = np.flatnonzero(~entries.agrees[:, 0])
            entries = Entries(entries.scores[others], entries.cells, entries.rows()[others], entries.agrees[others])
        agrees = np.broadcast_to(entries.agrees, entries.scores.shape)
        selected = cutoffs.selects(entries)
        rows, columns = np.nonzero(selected & ~agrees if issues_only else selected)
        parts.append(
            Lowest(
                entries.cells[columns],
                entries.scores[rows, columns],
                entries.rows()[rows],
                agrees[rows, columns],
                np.full(rows.shape[0], KEPT_WHOLE),
            )
        )
    return Lowest.merged(parts)


class Split(NamedTuple):
    """A chunk's entries under a final :class:`Cut`: those selected outright,
    and each undecided cell's lowest in the bin of its cut-off (a
    :func:`gather`), among which the cut-off is found."""

    below: Lowest
    gathered: Lowest


def split(chunk: Sequence[Entries], cut: Cut, issues_only: bool) -> Split:
    """The entries whose keys fall below their cell's bin (all of a cell that
    selects everything), kept whole (only those whose prediction disagrees
    with their label, with ``issues_only``), and the :func:`gather` of the
    bin: one look at the entries settles the selection.

    Examples
    --------
    >>> chunk = [Entries.of_column(np.array([0.3, 0.1, 0.2, 0.1]), 0)]
    >>> cut = Cut.first(np.array([0]), np.array([3]))
    >>> cut = cut.narrowed(histogram(chunk, cut))
    >>> found = split(chunk, cut, issues_only=False)
    >>> sorted(found.below.indices.tolist()), sorted(found.gathered.indices.tolist())
    ([1, 3], [2])
    """
    below_parts, gathered = [no_entries()], [no_entries()]
    for entries in chunk:
        slots, known = cut.positions(entries)
        columns = np.flatnonzero(known & (cut.undecided[slots] | cut.everything[slots]))
        if not columns.size or not entries.scores.size:
            continue
        if not cut.bits:
            gathered.append(gather([entries], cut))
        scores = entries.scores[:, columns]
        slots = slots[columns]
        below = np.broadcast_to(cut.everything[slots], scores.shape)
        if cut.bits:
            leading = order_keys(scores) >> np.uint64(_KEY_BITS - cut.bits)
            below = below | (leading < cut.prefix[slots])
            in_bin = (leading == cut.prefix[slots]) & cut.undecided[slots]
            gathered.append(_flat(entries, columns, scores, in_bin, cut.rank[slots] + 1))
        if issues_only:
            below = below & ~np.broadcast_to(entries.agrees, entries.scores.shape)[:, columns]
        below_parts.append(_flat(entries, columns, scores, below, KEPT_WHOLE))
    return Split(Lowest.merged(below_parts), Lowest.merged(gathered))


def selected(cut: Cut, below: Lowest, gathered: Lowest, issues_only: bool) -> Lowest:
    """Every cell's selection from the :class:`Split` parts of all chunks,
    merged: the entries below the cells' bins, and the gathered ones at or
    below the cut-offs they settle.

    Examples
    --------
    >>> chunks = [[Entries.of_column(np.array([0.3, 0.1]), 0)], [Entries.of_column(np.array([0.2, 0.1]), 2)]]
    >>> cut = Cut.first(np.array([0]), np.array([3]))
    >>> cut = cut.narrowed(Histogram.summed([histogram(chunk, cut) for chunk in chunks]))
    >>> parts = [split(chunk, cut, issues_only=False) for chunk in chunks]
    >>> found = selected(cut, Lowest.merged([part.below for part in parts]),
    ...                  Lowest.merged([part.gathered for part in parts]), issues_only=False)
    >>> sorted(found.indices.tolist())
    [1, 2, 3]
    """
    chosen = Cutoffs.of(cut, gathered).at_or_below(gathered.cells, gathered.scores, gathered.indices)
    if issues_only:
        chosen = chosen & ~gathered.agrees
    kept = gathered.take(chosen)
    return Lowest.merged([below, replace(kept, limits=np.full(kept.cells.shape[0], KEPT_WHOLE))])
