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

from collections.abc import Sequence
from dataclasses import dataclass, replace
from functools import cached_property
from typing import Any, NamedTuple

import numpy as np

from dlq.kernels.lowest import KEPT_WHOLE, Entries, Lowest, lowest_positions, no_entries

#: Bits of the order key resolved by the first histogram round.
FIRST_ROUND_BITS = 8
#: Bits resolved by each later round, which histograms only the entries in
#: one bin of the round before.
BITS_PER_ROUND = 16
#: Histogram rounds before the remaining entries are gathered, when the
#: entries are held in memory.
ROUNDS = 3
#: Histogram rounds when every round costs a read of the data: two resolve
#: a float32 score's sign, exponent and 15 bits of mantissa, which leaves
#: few entries in the bin of each cell's cut-off.
READ_ROUNDS = 2


def round_bits(bits_known: int) -> int:
    """Bits a round resolves after ``bits_known``: few in the first round, whose
    histograms count every entry (a chunk's bins per cell are then cheap to
    count densely), more in later ones, which count only the entries in a
    cell's bin.

    Examples
    --------
    >>> round_bits(0), round_bits(8)
    (8, 16)
    """
    return FIRST_ROUND_BITS if bits_known == 0 else BITS_PER_ROUND


_KEY_BITS = 64
#: Cell numbers below this are looked up in a table (one int per number) rather than searched.
_TABLE_LIMIT = 1 << 22
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


def key_bits(scores: np.ndarray, start: int, width: int) -> np.ndarray:
    """Bits ``start`` to ``start + width`` (from the most significant) of
    the scores' :func:`order_keys`, as int64; in 32-bit arithmetic for
    float32 scores, whose keys need no more.

    Examples
    --------
    >>> scores = np.array([-1.0, 0.5, 2.0], np.float32)
    >>> key_bits(scores, 0, 8).tolist() == (order_keys(scores) >> np.uint64(56)).astype(np.int64).tolist()
    True
    """
    if scores.dtype == np.float32 and start + width <= 32:
        bits32 = (scores + np.float32(0.0)).view(np.uint32)
        keys32 = np.where(bits32 >= _SIGN32, ~bits32, bits32 | _SIGN32)
        return ((keys32 >> np.uint32(32 - start - width)) & np.uint32((1 << width) - 1)).astype(np.int64)
    keys = order_keys(scores) >> np.uint64(_KEY_BITS - start - width)
    return (keys & np.uint64((1 << width) - 1)).astype(np.int64)


def _smallest_with_key(keys: np.ndarray, dtype: np.dtype) -> np.ndarray:
    """The smallest score of ``dtype`` whose key is at least ``keys``: the
    inverse of :func:`order_keys` where a key is a score's; -inf below the
    keys of scores, and NaN above them, where there is none."""
    if np.dtype(dtype) == np.float32:  # the first float32 key at or above: round the leading half up
        above = (keys >> np.uint64(32)) + ((keys & np.uint64(2**32 - 1)) != 0)
        keys32 = np.minimum(above, np.uint64(2**32 - 1)).astype(np.uint32)
        scores = np.where(keys32 >= _SIGN32, keys32 ^ _SIGN32, ~keys32).view(np.float32)
        scores = np.where(above > np.uint64(2**32 - 1), np.float32(np.nan), scores)
    else:
        scores = np.where(keys >= _SIGN, keys ^ _SIGN, ~keys).view(np.float64)
    return np.where(np.isnan(scores) & (keys < _SIGN), -np.inf, scores).astype(scores.dtype)


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
        >>> leading = order_keys(np.array([0.3])) >> np.uint64(56)
        >>> cut = Cut(np.array([0]), np.array([0]), leading, 8, np.array([False]))
        >>> low, high = cut.bounds(np.array([0]), np.float64)
        >>> bool(low[0] <= 0.3 < high[0]), ((order_keys(np.append(low, high)) >> np.uint64(56)) - leading).tolist()
        (True, [0, 1])
        """
        shift = np.uint64(_KEY_BITS - self.bits)
        prefix = self.prefix[slots]
        low = _smallest_with_key(prefix << shift, dtype)
        last = prefix == (np.uint64(1) << np.uint64(self.bits)) - np.uint64(1)
        high = _smallest_with_key(np.where(last, prefix, prefix + np.uint64(1)) << shift, dtype)
        return low, np.where(last, np.nan, high).astype(dtype)  # NaN: no score is at or above it

    def slot_bounds(self, dtype: np.dtype) -> tuple[np.ndarray, np.ndarray]:
        """:meth:`bounds` of every cell of the cut, made once per dtype."""
        name = f"_bounds_{np.dtype(dtype).name}"
        if name not in self.__dict__:  # a frozen dataclass: cache as cached_property does
            self.__dict__[name] = self.bounds(np.arange(self.cells.shape[0]), dtype)
        return self.__dict__[name]

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
            self.__dict__[name] = (_appended(low.astype(dtype), -np.inf), _appended(high.astype(dtype), -np.inf))
        return self.__dict__[name]

    def narrowed(self, histogram: Histogram) -> Cut:
        """The cut after a round whose summed histograms are ``histogram``.

        Examples
        --------
        >>> chunk = [Entries.of_column(np.array([0.3, 0.1, 0.2]), 0)]
        >>> cut = Cut.first(np.array([0]), np.array([2]))
        >>> cut = cut.narrowed(histogram(chunk, cut))
        >>> cut.bits, cut.rank.tolist()
        (8, [1])
        """
        slots = np.arange(self.cells.shape[0])
        width = round_bits(self.bits)
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
    width = round_bits(cut.bits)
    bins_per_cell = 1 << width
    size = cut.cells.shape[0] * bins_per_cell
    blocks = []
    for entries in chunk:
        if not entries.scores.size:
            continue
        if cut.bits:
            rows, columns, slots = _in_bins(entries, cut)
            scores = entries.scores[rows, columns]
        else:
            slots, active = cut.slots(entries)
            taken = np.broadcast_to(active, entries.scores.shape)
            scores, slots = _taken(entries.scores, taken), _taken(np.broadcast_to(slots, entries.scores.shape), taken)
        bins = key_bits(scores, cut.bits, width)
        bins += slots * bins_per_cell
        blocks.append(bins)
    if size <= 4 * sum(block.shape[0] for block in blocks) + 65536:  # dense counts cost less than sorting
        counts = np.zeros(size, np.int64)
        for block in blocks:
            np.add.at(counts, block, 1)
        found = np.flatnonzero(counts)
        return Histogram(found, counts[found])
    return Histogram.of(np.concatenate([np.zeros(0, np.int64), *blocks]), size)


def _appended(values: np.ndarray, last: float) -> np.ndarray:
    """``values`` and one more, ``last``, of their dtype (the slot of no cell)."""
    out = np.empty(values.shape[0] + 1, dtype=values.dtype)
    out[:-1], out[-1] = values, last
    return out


def _in_bins(entries: Entries, cut: Cut) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(rows, columns, slots) of the entries in the bin of their cell, an
    undecided one of ``cut`` (which has taken a round): first the few whose
    score is below the bin's end, then those of them at or above its start."""
    slots = np.broadcast_to(cut.entry_slots(entries), entries.scores.shape)
    low, high = cut.slot_bounds(entries.scores.dtype)
    high = np.where(cut.undecided, high, -np.inf)
    at = np.flatnonzero(~(entries.scores >= _appended(high, -np.inf)[slots]))
    rows, columns = np.divmod(at, entries.scores.shape[1])
    slots = slots[rows, columns]
    inside = entries.scores[rows, columns] >= _appended(low, np.inf)[slots]
    return rows[inside], columns[inside], slots[inside]


def _taken(values: np.ndarray, taken: np.ndarray) -> np.ndarray:
    """``values[taken]``, flat; no copy beyond a flat view when all are taken."""
    if taken.all():
        return np.ascontiguousarray(values).reshape(-1)
    return values[taken]


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
        if not active.any():
            continue
        if not cut.bits and np.ndim(entries.cells) == 1:  # no prefix: each column's lowest, on contiguous columns
            columns = np.flatnonzero(active)
            parts.extend(
                _lowest_of_each_column(entries, columns, cut.cells[slots[columns]], cut.rank[slots[columns]] + 1)
            )
            continue
        if cut.bits:
            rows, columns, slots = _in_bins(entries, cut)
            parts.append(_flat_at(entries, rows, columns, cut.rank[slots] + 1))
        else:
            parts.append(_flat(entries, np.broadcast_to(active, entries.scores.shape), cut.rank[slots] + 1))
    return Lowest.merged(parts)


def _flat(entries: Entries, taken: np.ndarray, limits: Any) -> Lowest:
    """The entries where ``taken`` (the shape of their scores), in flat form,
    with ``limits`` (one, or one per cell of ``entries.cells``)."""
    rows, columns = np.divmod(np.flatnonzero(taken), taken.shape[1]) if taken.ndim == 2 else np.nonzero(taken)
    return _flat_at(entries, rows, columns, np.broadcast_to(limits, entries.scores.shape)[rows, columns])


def _flat_at(entries: Entries, rows: np.ndarray, columns: np.ndarray, limits: Any) -> Lowest:
    """The entries at ``(rows, columns)``, in flat form, with ``limits``."""
    shape = entries.scores.shape
    return Lowest(
        np.broadcast_to(entries.cells, shape)[rows, columns],
        entries.scores[rows, columns],
        entries.rows()[rows],
        np.broadcast_to(entries.agrees, shape)[rows, columns],
        np.broadcast_to(limits, rows.shape),
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
            cells = entries.cells[others] if np.ndim(entries.cells) == 2 else entries.cells
            entries = Entries(entries.scores[others], cells, entries.rows()[others], entries.agrees[others])
        selected = cutoffs.selects(entries)
        if issues_only:
            selected = selected & ~np.broadcast_to(entries.agrees, entries.scores.shape)
        parts.append(_flat(entries, selected, KEPT_WHOLE))
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
    >>> chunk = [Entries.of_column(np.array([0.3, 1e-6, 0.2, 1e-6]), 0)]
    >>> cut = Cut.first(np.array([0]), np.array([3]))
    >>> cut = cut.narrowed(histogram(chunk, cut))
    >>> found = split(chunk, cut, issues_only=False)
    >>> sorted(found.below.indices.tolist()), sorted(found.gathered.indices.tolist())
    ([1, 3], [2])
    """
    below_parts, gathered = [no_entries()], [no_entries()]
    rank = _appended(cut.rank, -1) + 1
    for entries in chunk:
        if not entries.scores.size:
            continue
        if not cut.bits:
            gathered.append(gather([entries], cut))
        slots = np.broadcast_to(cut.entry_slots(entries), entries.scores.shape)
        low, high = cut.split_bounds(entries.scores.dtype)
        # few entries lie below their cell's bin or in it: find them, then look closer
        at = np.flatnonzero(~(entries.scores >= high[slots]))
        if not at.size:
            continue
        rows, columns = np.divmod(at, entries.scores.shape[1])
        scores, slots = entries.scores[rows, columns], slots[rows, columns]
        cells = np.broadcast_to(entries.cells, entries.scores.shape)[rows, columns]
        agrees = np.broadcast_to(entries.agrees, entries.scores.shape)[rows, columns]
        indices = entries.rows()[rows]
        below = ~(scores >= low[slots])
        keep = below & ~agrees if issues_only else below
        below_parts.append(
            Lowest(cells[keep], scores[keep], indices[keep], agrees[keep], np.full(int(keep.sum()), KEPT_WHOLE))
        )
        if cut.bits:
            inside = ~below
            gathered.append(Lowest(cells[inside], scores[inside], indices[inside], agrees[inside], rank[slots[inside]]))
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
