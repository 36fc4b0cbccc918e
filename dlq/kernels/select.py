"""The k lowest (score, index) of every cell, in bounded memory: dlq's one selection.

A *cell* is one ranking: the single ranking of a batched scan, one class's
binary problem, one (given label, class) pair of the confident joint. A
chunk presents its scored rows as :class:`Entries`; the selection finds,
for every cell with a count k, the k-th lowest (score, index) among all
chunks' entries of that cell, ties going to the lower index.

It works in rounds over the chunks. Scores map to unsigned 64-bit keys that
sort as the scores do. Each round sums, over all chunks, a histogram of the
next key bits (8 in the first round, 16 after) among the entries that share the bits
already found, and every cell picks the bin holding its k-th entry
(:class:`Cut`). After the rounds the entries still sharing a cell's leading
bits are few; they are gathered, lowest first (:class:`Lowest`), to settle
the exact (score, index) of each cell's cut-off (:class:`Cutoffs`). With no
rounds, the gather keeps each cell's k lowest of every chunk: that is the
choice where a second look at the entries would cost a read of the data.
Every step keeps a fixed amount per chunk and cell, or what it gathers.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import cached_property

import numpy as np

from dlq.kernels.keys import KEY_BITS, key_bits, round_bits, smallest_with_key
from dlq.kernels.lowest import Entries

#: Histogram rounds before the remaining entries are gathered, when the
#: entries are held in memory.
ROUNDS = 3
#: Histogram rounds when every round costs a read of the data: two resolve
#: a float32 score's sign, exponent and 15 bits of mantissa, which leaves
#: few entries in the bin of each cell's cut-off.
READ_ROUNDS = 2

#: Cell numbers below this are looked up in a table (one int per number) rather than searched.
_TABLE_LIMIT = 1 << 22


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
        """For each entry's cell (``entries.cells``, per column or per entry):
        its position in this cut, and whether the cut has that cell (where it
        has not, the position is any)."""
        cells = np.asarray(entries.cells)
        if not self.cells.shape[0]:
            return np.zeros(cells.shape, np.intp), np.zeros(cells.shape, bool)
        table = self._slot_table
        if table is None:
            slots = np.minimum(np.searchsorted(self.cells, cells), self.cells.shape[0] - 1)
            return slots, self.cells[slots] == cells
        # cell numbers are not negative; those past the table's end take its last entry, -1
        slots = np.take(table, cells, mode="clip")
        return slots, slots >= 0

    @cached_property
    def _slot_table(self) -> np.ndarray | None:
        """Each cell number's position in the cut (-1 where it has none, and
        one past the last number), when the numbers are few enough to look
        them up rather than search."""
        if not self.cells.shape[0] or self.cells[-1] >= _TABLE_LIMIT or self.cells[0] < 0:
            return None
        table = np.full(int(self.cells[-1]) + 2, -1, dtype=np.intp)
        table[self.cells] = np.arange(self.cells.shape[0])
        return table

    def slots(self, entries: Entries) -> tuple[np.ndarray, np.ndarray]:
        """For each column of ``entries``: its cell's position in this cut, and whether that cell is undecided."""
        slots, known = self.positions(entries)
        return slots, known & self.undecided[slots]

    def bounds(self, slots: np.ndarray, dtype: np.dtype) -> tuple[np.ndarray, np.ndarray]:
        """The scores of each cell's bin: a score of ``dtype`` has a key that
        starts with the cell's prefix when ``low <= score`` and not
        ``score >= high`` (``high`` is NaN for the last bin, which has no end),
        so that the rounds after the first compare scores instead of making keys.

        Examples
        --------
        >>> from dlq.kernels.keys import order_keys
        >>> leading = order_keys(np.array([0.3])) >> np.uint64(56)
        >>> cut = Cut(np.array([0]), np.array([0]), leading, 8, np.array([False]))
        >>> low, high = cut.bounds(np.array([0]), np.float64)
        >>> bool(low[0] <= 0.3 < high[0]), ((order_keys(np.append(low, high)) >> np.uint64(56)) - leading).tolist()
        (True, [0, 1])
        """
        shift = np.uint64(KEY_BITS - self.bits)
        prefix = self.prefix[slots]
        low = smallest_with_key(prefix << shift, dtype)
        last = prefix == (np.uint64(1) << np.uint64(self.bits)) - np.uint64(1)
        high = smallest_with_key(np.where(last, prefix, prefix + np.uint64(1)) << shift, dtype)
        return low, np.where(last, np.nan, high).astype(dtype)  # NaN: no score is at or above it

    def slot_bounds(self, dtype: np.dtype) -> tuple[np.ndarray, np.ndarray]:
        """:meth:`bounds` of every cell of the cut, made once per dtype."""
        name = f"_bounds_{np.dtype(dtype).name}"
        if name not in self.__dict__:  # a frozen dataclass: cache as cached_property does
            self.__dict__[name] = self.bounds(np.arange(self.cells.shape[0]), dtype)
        return self.__dict__[name]

    def within(self, bounds: np.ndarray, dtype: np.dtype) -> bool:
        """Whether every entry that a later look at scores of ``dtype``
        needs scores below its cell's bound (``bounds`` by cell number): no
        cell selects everything, and the bin of every undecided cell ends at
        or below its bound.

        Examples
        --------
        >>> cut = Cut.first(np.array([0]), np.array([1]))
        >>> cut.within(np.array([0.5]), np.float64)  # no round yet: every entry may be needed
        False
        >>> cut = cut.narrowed(histogram([Entries.of_column(np.array([0.1, 0.7]), 0)], cut))
        >>> cut.within(np.array([0.5]), np.float64), cut.within(np.array([0.1]), np.float64)
        (True, False)
        """
        undecided = self.undecided
        if self.everything.any() or (undecided.any() and not self.bits):
            return False
        _, high = self.slot_bounds(dtype)
        return bool(np.all(high[undecided] <= bounds[self.cells[undecided]]))  # a NaN end (the last bin) is not

    def entry_slots(self, entries: Entries) -> np.ndarray:
        """Each entry's cell's position in this cut, or one past the last
        (a slot of no cell) where the cut has not its cell."""
        slots, known = self.positions(entries)
        return np.where(known, slots, self.cells.shape[0])

    def split_bounds(self, dtype: np.dtype) -> tuple[np.ndarray, np.ndarray]:
        """Per slot (and the slot of no cell, last): the scores below which
        an entry is selected outright, and at or above which it is not looked
        at, compared as ``~(score >= bound)`` so that a NaN bound holds every
        score: a cell that selects everything has NaN for both, one that
        selects nothing (and the slot of no cell) -inf for the second."""
        name = f"_split_bounds_{np.dtype(dtype).name}"
        if name not in self.__dict__:  # a frozen dataclass: cache as cached_property does
            low, high = self.slot_bounds(dtype) if self.bits else (np.full(self.cells.shape[0], -np.inf),) * 2
            if not self.bits:
                high = np.full(self.cells.shape[0], np.nan)
            low = np.where(self.everything, np.nan, low)
            high = np.where(self.everything, np.nan, np.where(self.undecided, high, -np.inf))
            self.__dict__[name] = (appended(low.astype(dtype), -np.inf), appended(high.astype(dtype), -np.inf))
        return self.__dict__[name]

    def narrowed(self, histogram: Histogram) -> Cut:
        """The cut after a round whose summed histograms are ``histogram``.

        Examples
        --------
        >>> chunk = [Entries.of_column(np.array([0.3, 0.1, 0.2]), 0)]
        >>> cut = Cut.first(np.array([0]), np.array([2]))
        >>> cut = cut.narrowed(histogram(chunk, cut))
        >>> cut.bits, cut.rank.tolist()
        (16, [0])
        """
        slots = np.arange(self.cells.shape[0])
        width = round_bits(self.bits, self.cells.shape[0])
        cell_of, bin_of = np.divmod(histogram.bins, 1 << width)
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
        prefix = np.where(still, (self.prefix << np.uint64(width)) | position, self.prefix)
        return Cut(self.cells, np.where(still, self.rank - below, self.rank), prefix, self.bits + width, everything)


@dataclass(frozen=True)
class Histogram:
    """Counts of the entries in every (cell, bin) that has any: ``bins``
    sorted, each ``slot * 2**width + bin`` for the cell's position in its
    cut and the round's width in bits.
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
        if len(parts) == 1:
            return parts[0]
        bins = np.concatenate([np.zeros(0, np.int64), *(part.bins for part in parts)])
        counts = np.concatenate([np.zeros(0, np.int64), *(part.counts for part in parts)])
        size = int(bins.max()) + 1 if bins.size else 0
        if size <= 4 * bins.shape[0] + 65536:  # dense sums cost less than sorting (exact below 2**53)
            dense = np.bincount(bins, weights=counts, minlength=size).astype(np.int64)
            found = np.flatnonzero(dense)
            return Histogram(found, dense[found])
        order = np.argsort(bins)  # the order of equal bins does not matter to their sum
        bins = bins[order]
        starts = np.flatnonzero(np.concatenate([[True], bins[1:] != bins[:-1]]))
        return Histogram(bins[starts], np.add.reduceat(counts[order], starts))


def histogram(chunk: Iterable[Entries], cut: Cut) -> Histogram:
    """Counts of the next key bits among each undecided cell's entries that
    match its prefix.

    Examples
    --------
    >>> cut = Cut.first(np.array([0]), np.array([1]))
    >>> int(histogram([Entries.of_column(np.array([0.1, 0.2, 0.2]), 0)], cut).counts.sum())
    3
    """
    width = round_bits(cut.bits, cut.cells.shape[0])
    n_slots = cut.cells.shape[0]
    pieces = []  # (the round's bits of each entry, its slot, which entries count)
    for entries in chunk:
        if not entries.scores.size:
            continue
        if cut.bits:
            rows, columns, slots = in_bins(entries, cut)
            pieces.append((key_bits(entries.scores[rows, columns], cut.bits, width), slots, None))
        else:  # every entry of the undecided cells, in the scores' shape
            slots, active = cut.slots(entries)
            taken = np.broadcast_to(active, entries.scores.shape)
            pieces.append((key_bits(entries.scores, cut.bits, width), slots, taken))
    pieces = [piece for piece in pieces if piece[0].size]
    if not pieces:
        return Histogram(np.zeros(0, np.int64), np.zeros(0, np.int64))
    # the bins from the lowest found to the highest, in every cell: counted densely when few
    low = min(int(bits.min()) for bits, _, _ in pieces)
    span = max(int(bits.max()) for bits, _, _ in pieces) - low + 1
    dense = n_slots * span <= 4 * sum(bits.size for bits, _, _ in pieces) + 65536
    span, low = (span, low) if dense else (1 << width, 0)
    blocks = []
    for bits, slots, taken in pieces:
        bins = bits  # a round's own array: shifted in place
        if low:
            bins -= low
        bins += slots * span
        blocks.append(bins if taken is None else _taken(bins, taken))
    if not dense:
        return Histogram.of(np.concatenate(blocks), n_slots * span)
    counts = np.bincount(blocks[0], minlength=n_slots * span)
    for block in blocks[1:]:
        counts += np.bincount(block, minlength=n_slots * span)
    found = np.flatnonzero(counts)
    slots, offsets = np.divmod(found, span)
    return Histogram((slots << width) + offsets + low, counts[found])


def appended(values: np.ndarray, last: float) -> np.ndarray:
    """``values`` and one more, ``last``, of their dtype (the slot of no cell)."""
    out = np.empty(values.shape[0] + 1, dtype=values.dtype)
    out[:-1], out[-1] = values, last
    return out


def in_bins(entries: Entries, cut: Cut) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(rows, columns, slots) of the entries in the bin of their cell, an
    undecided one of ``cut`` (which has taken a round): first the few whose
    score is below the bin's end, then those of them at or above its start."""
    slots = cut.entry_slots(entries)  # the shape of the cells: often one per column
    low, high = cut.slot_bounds(entries.scores.dtype)
    high = np.where(cut.undecided, high, -np.inf)
    at = np.flatnonzero(~(entries.scores >= appended(high, -np.inf)[slots]))
    rows, columns = np.divmod(at, entries.scores.shape[1])
    slots = np.broadcast_to(slots, entries.scores.shape)[rows, columns]
    inside = entries.scores[rows, columns] >= appended(low, np.inf)[slots]
    return rows[inside], columns[inside], slots[inside]


def _taken(values: np.ndarray, taken: np.ndarray) -> np.ndarray:
    """``values[taken]``, flat; no copy beyond a flat view when all are taken."""
    if taken.all():
        return np.ascontiguousarray(values).reshape(-1)
    return values[taken]


def first_histogram(chunk: Iterable[Entries], cells: np.ndarray) -> Histogram:
    """The first round's histogram of every one of ``cells``, which needs no
    count and so can be taken while the entries are made.

    Examples
    --------
    >>> int(first_histogram([Entries.of_column(np.array([0.1, 0.2, 0.2]), 0)], np.array([0])).counts.sum())
    3
    """
    return histogram(chunk, Cut.first(cells, np.ones(cells.shape[0], np.int64)))
