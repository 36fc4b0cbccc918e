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
from dataclasses import dataclass
from typing import Any

import numpy as np

#: Bits of the order key resolved by each histogram round.
BITS_PER_ROUND = 12
#: Histogram rounds before the remaining entries are gathered.
ROUNDS = 3

_BINS = 2**BITS_PER_ROUND
_KEY_BITS = 64
_SIGN = np.uint64(1 << 63)


def order_keys(scores: np.ndarray) -> np.ndarray:
    """Unsigned integers in the order of the float scores (``-0.0`` as ``0.0``).

    Examples
    --------
    >>> scores = np.array([0.5, -2.0, 0.0, -0.0, 1e-300, np.inf])
    >>> np.argsort(order_keys(scores), kind="stable").tolist()
    [1, 2, 3, 4, 0, 5]
    """
    bits = (np.asarray(scores, dtype=np.float64) + 0.0).view(np.uint64)
    return np.where(bits >= _SIGN, ~bits, bits | _SIGN)


@dataclass(frozen=True)
class Entries:
    """Scored entries of one chunk: ``scores[i, j]`` is the score of row
    ``indices[i]`` in cell ``cells[j]``; ``indices`` may be the first of
    contiguous rows instead, which holds no array per row.

    ``agrees`` (broadcastable to ``scores``) tells whether each entry's
    prediction agrees with its label; entries that agree are ranked like any
    other but never reported as issues.
    """

    scores: np.ndarray
    cells: np.ndarray
    indices: np.ndarray | int
    agrees: np.ndarray

    def rows(self) -> np.ndarray:
        """The index of every row.

        Examples
        --------
        >>> Entries.of_column(np.array([0.5, 0.2]), 10).rows().tolist()
        [10, 11]
        """
        if isinstance(self.indices, np.ndarray):
            return self.indices
        return np.arange(self.indices, self.indices + self.scores.shape[0])

    @classmethod
    def of_column(cls, scores: np.ndarray, offset: int, agrees: np.ndarray | None = None) -> Entries:
        """The entries of one cell (number 0): a chunk's scores starting at row ``offset``.

        Examples
        --------
        >>> Entries.of_column(np.array([0.5, 0.2]), 10).scores.shape
        (2, 1)
        """
        return cls.of_columns(scores[:, None], offset, None if agrees is None else agrees[:, None])

    @classmethod
    def of_columns(cls, scores: np.ndarray, offset: int, agrees: np.ndarray | None = None) -> Entries:
        """The entries of cells 0..c-1, one per column of ``scores`` (n, c).

        Examples
        --------
        >>> Entries.of_columns(np.zeros((2, 3)), 0).cells.tolist()
        [0, 1, 2]
        """
        n_cells = scores.shape[1]
        agrees = np.zeros((1, 1), bool) if agrees is None else agrees
        return cls(scores, np.arange(n_cells), offset, agrees)


@dataclass(frozen=True)
class Lowest:
    """Entries in flat form, with the number of each cell's lowest worth keeping.

    ``limits[e]`` is how many entries of ``cells[e]`` the selection keeps;
    :meth:`merged` keeps that many of each cell, the lowest (score, index).
    """

    cells: np.ndarray
    scores: np.ndarray
    indices: np.ndarray
    agrees: np.ndarray
    limits: np.ndarray

    def take(self, keep: np.ndarray) -> Lowest:
        return Lowest(self.cells[keep], self.scores[keep], self.indices[keep], self.agrees[keep], self.limits[keep])

    def ranked(self) -> Lowest:
        """Sorted by cell, then score, then index.

        Examples
        --------
        >>> found = Lowest(np.zeros(3, int), np.array([.2, .1, .2]), np.array([7, 3, 5]), np.zeros(3, bool),
        ...                np.full(3, 3))
        >>> found.ranked().indices.tolist()
        [3, 5, 7]
        """
        return self.take(np.lexsort((self.indices, self.scores, self.cells)))

    def per_cell(self, cells: np.ndarray) -> list[np.ndarray]:
        """The indices of each of ``cells``, ranked.

        Examples
        --------
        >>> found = Lowest(np.array([0, 2, 2]), np.zeros(3), np.array([4, 1, 3]), np.zeros(3, bool), np.ones(3))
        >>> [rows.tolist() for rows in found.per_cell(np.array([0, 1, 2]))]
        [[4], [], [1, 3]]
        """
        by_cell, starts, stops = _segments(self.cells)
        found = {}
        for start, stop in zip(starts, stops, strict=True):
            rows = by_cell[start:stop]
            found[int(self.cells[rows[0]])] = self.indices[rows[np.lexsort((self.indices[rows], self.scores[rows]))]]
        empty = np.zeros(0, np.int64)
        return [found.get(int(cell), empty) for cell in cells]

    @staticmethod
    def merged(parts: Sequence[Lowest]) -> Lowest:
        """All of ``parts``, keeping each cell's ``limit`` lowest (score,
        index), in no particular order: a cell with more entries than its
        limit is cut by a partition, and only entries tied at the cut are
        sorted, by index (see :meth:`ranked` for the order).

        Examples
        --------
        >>> part = Lowest(np.array([0, 0, 1]), np.array([.3, .1, .2]), np.array([1, 2, 3]), np.zeros(3, bool),
        ...               np.array([1, 1, 1]))
        >>> Lowest.merged([part]).ranked().indices.tolist()
        [2, 3]
        """
        together = Lowest(*(np.concatenate([getattr(part, name) for part in parts]) for name in _FIELDS))
        by_cell, starts, stops = _segments(together.cells)
        limits = together.limits[by_cell[starts]]
        over = np.flatnonzero(stops - starts > limits)
        if not over.size:
            return together
        keep = np.ones(together.cells.shape[0], dtype=bool)
        for segment in over:
            rows = by_cell[starts[segment] : stops[segment]]
            keep[rows] = False
            keep[rows[_lowest_positions(together.scores[rows], together.indices[rows], int(limits[segment]))]] = True
        return together.take(keep)


_FIELDS = ("cells", "scores", "indices", "agrees", "limits")


def _segments(cells: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The positions of ``cells`` grouped by cell (a stable sort, quick on
    runs of equal cells), and where each cell's group starts and stops."""
    by_cell = np.argsort(cells, kind="stable")
    if not cells.size:
        return by_cell, by_cell, by_cell
    grouped = cells[by_cell]
    starts = np.flatnonzero(np.concatenate([[True], grouped[1:] != grouped[:-1]]))
    return by_cell, starts, np.append(starts[1:], cells.shape[0])


def _lowest_positions(scores: np.ndarray, indices: np.ndarray, k: int) -> np.ndarray:
    """Positions of the ``k`` lowest (score, index), for ``k`` below the
    number of entries: a partition finds the k-th score; only the entries
    tied with it are sorted, by index."""
    if k <= 0:
        return np.zeros(0, np.intp)
    kth = np.partition(scores, k - 1)[k - 1]
    below = np.flatnonzero(scores < kth)
    tied = np.flatnonzero(scores == kth)
    tied = tied[np.argsort(indices[tied], kind="stable")[: k - below.shape[0]]]
    return np.concatenate([below, tied])


def no_entries(dtype: Any = np.float64) -> Lowest:
    """An empty :class:`Lowest`."""
    empty = np.zeros(0, np.int64)
    return Lowest(empty, np.zeros(0, dtype), empty, np.zeros(0, bool), empty)


def lowest_rows(scores: np.ndarray, depth: int, *, ordered: bool = True) -> np.ndarray:
    """For each column, the rows of its ``depth`` lowest scores, ties to the
    lower row, shape (depth, columns): the first ``depth`` rows of a stable
    column sort, found by a partition and a sort of those rows only, lowest
    first; with ``ordered=False``, the same rows in row order, unsorted.

    Examples
    --------
    >>> lowest_rows(np.array([[0.3, 0.2], [0.1, 0.2], [0.3, 0.1], [0.2, 0.2]]), 2).tolist()
    [[1, 2], [3, 0]]
    """
    n_rows, n_columns = scores.shape
    depth = min(depth, n_rows)
    if depth <= 0:
        return np.zeros((0, n_columns), np.intp)
    if depth == n_rows and not ordered:
        return np.broadcast_to(np.arange(n_rows)[:, None], (n_rows, n_columns))
    if ordered and depth >= n_rows // 2:
        return np.argsort(scores, axis=0, kind="stable")[:depth]
    if depth == n_rows:
        return np.argsort(scores, axis=0, kind="stable")
    kth = np.partition(scores, depth - 1, axis=0)[depth - 1]
    below = scores < kth
    tied = scores == kth
    room = depth - np.count_nonzero(below, axis=0)  # at least 1: kth is the depth-th lowest
    chosen = below | (tied & (np.cumsum(tied, axis=0) <= room))
    _, rows = np.nonzero(chosen.T)  # column by column, rows ascending: exactly depth per column
    rows = rows.reshape(n_columns, depth)
    if not ordered:
        return rows.T
    order = np.argsort(np.take_along_axis(scores.T, rows, axis=1), axis=1, kind="stable")
    return np.take_along_axis(rows, order, axis=1).T


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

    def slots(self, entries: Entries) -> tuple[np.ndarray, np.ndarray]:
        """For each column of ``entries``: its cell's position in this cut, and whether that cell is undecided."""
        if not self.cells.shape[0]:
            return np.zeros(entries.cells.shape, np.intp), np.zeros(entries.cells.shape, bool)
        slots = np.minimum(np.searchsorted(self.cells, entries.cells), self.cells.shape[0] - 1)
        return slots, (self.cells[slots] == entries.cells) & self.undecided[slots]

    def matching(self, entries: Entries, slots: np.ndarray, keys: np.ndarray) -> np.ndarray:
        """Whether each key starts with its cell's prefix."""
        if not self.bits:
            return np.ones(keys.shape, dtype=bool)
        return (keys >> np.uint64(_KEY_BITS - self.bits)) == self.prefix[slots]

    def narrowed(self, histogram: np.ndarray) -> Cut:
        """The cut after a round whose summed histograms are ``histogram``.

        Examples
        --------
        >>> chunk = [Entries.of_column(np.array([0.3, 0.1, 0.2]), 0)]
        >>> cut = Cut.first(np.array([0]), np.array([2]))
        >>> cut = cut.narrowed(histogram(chunk, cut))
        >>> cut.bits, cut.rank.tolist()
        (12, [0])
        """
        cumulative = np.cumsum(histogram, axis=1)
        undecided = self.undecided
        everything = self.everything | (undecided & (self.bits == 0) & (self.rank >= cumulative[:, -1]))
        position = np.count_nonzero(cumulative <= self.rank[:, None], axis=1)
        below = np.where(position > 0, np.take_along_axis(cumulative, np.maximum(position - 1, 0)[:, None], 1)[:, 0], 0)
        still = undecided & ~everything
        prefix = np.where(still, (self.prefix << np.uint64(BITS_PER_ROUND)) | position.astype(np.uint64), self.prefix)
        return Cut(
            self.cells, np.where(still, self.rank - below, self.rank), prefix, self.bits + BITS_PER_ROUND, everything
        )


def histogram(chunk: Sequence[Entries], cut: Cut) -> np.ndarray:
    """Counts of the next key bits among each undecided cell's entries that
    match its prefix, shape (cells, 4096); zeros for decided cells.

    Examples
    --------
    >>> cut = Cut.first(np.array([0]), np.array([1]))
    >>> int(histogram([Entries.of_column(np.array([0.1, 0.2, 0.2]), 0)], cut).sum())
    3
    """
    counts = np.zeros(cut.cells.shape[0] * _BINS, dtype=np.int64)
    shift = np.uint64(_KEY_BITS - cut.bits - BITS_PER_ROUND)
    for entries in chunk:
        slots, active = cut.slots(entries)
        if not active.any() or not entries.scores.size:
            continue
        columns = np.flatnonzero(active)
        keys = order_keys(entries.scores[:, columns])
        matching = cut.matching(entries, slots[columns], keys)
        bins = ((keys >> shift) & np.uint64(_BINS - 1)).astype(np.int64) + slots[columns] * _BINS
        counts += np.bincount(bins[matching], minlength=counts.shape[0])
    return counts.reshape(cut.cells.shape[0], _BINS)


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
        if not cut.bits and columns.size:  # no prefix: each column's lowest, on contiguous columns
            parts.extend(
                _lowest_of_each_column(entries, columns, cut.cells[slots[columns]], cut.rank[slots[columns]] + 1)
            )
            continue
        for column in columns:
            parts.append(_gathered_column(cut, entries, column, slots[column]))
    return Lowest.merged(parts)


def _lowest_of_each_column(
    entries: Entries, columns: np.ndarray, cells: np.ndarray, counts: np.ndarray
) -> list[Lowest]:
    scores = np.ascontiguousarray(entries.scores[:, columns].T)
    agrees = np.ascontiguousarray(np.broadcast_to(entries.agrees, entries.scores.shape)[:, columns].T)
    rows = entries.rows()
    found = []
    for j in range(columns.shape[0]):
        count = int(counts[j])
        chosen = _lowest_positions(scores[j], rows, count) if count < rows.shape[0] else np.arange(rows.shape[0])
        size = chosen.shape[0]
        found.append(
            Lowest(np.full(size, cells[j]), scores[j, chosen], rows[chosen], agrees[j, chosen], np.full(size, count))
        )
    return found


def _gathered_column(cut: Cut, entries: Entries, column: int, slot: int) -> Lowest:
    scores = entries.scores[:, column]
    rows = np.flatnonzero(cut.matching(entries, slot, order_keys(scores))) if cut.bits else None
    inside = scores if rows is None else scores[rows]
    chosen = lowest_rows(inside[:, None], int(cut.rank[slot]) + 1)[:, 0]
    if rows is not None:
        chosen = rows[chosen]
    agrees = np.broadcast_to(entries.agrees, entries.scores.shape)[chosen, column]
    size = chosen.shape[0]
    return Lowest(
        np.full(size, cut.cells[slot]),
        scores[chosen],
        entries.rows()[chosen],
        agrees,
        np.full(size, cut.rank[slot] + 1),
    )


def lowest_of_columns(entries: Entries, counts: np.ndarray) -> Lowest:
    """Each column's ``counts[j]`` lowest entries, all columns at once: the
    gather of a cut with no rounds, vectorised for many cells of one chunk.

    Examples
    --------
    >>> entries = Entries.of_columns(np.array([[0.3, 0.2], [0.1, 0.4]]), 5)
    >>> found = lowest_of_columns(entries, np.array([1, 2])).ranked()
    >>> found.cells.tolist(), found.indices.tolist()
    ([0, 1, 1], [6, 5, 6])
    """
    rows = lowest_rows(entries.scores, int(counts.max(initial=0)))  # lowest first, so each column's head is its own
    taken = np.arange(rows.shape[0])[:, None] < counts
    columns = np.broadcast_to(np.arange(entries.cells.shape[0]), rows.shape)[taken]
    chosen = rows[taken]
    return Lowest(
        entries.cells[columns],
        entries.scores[chosen, columns],
        entries.rows()[chosen],
        np.broadcast_to(entries.agrees, entries.scores.shape)[chosen, columns],
        counts[columns],
    )


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
        if not self.cells.shape[0]:
            return np.zeros(entries.scores.shape, dtype=bool)
        slots = np.minimum(np.searchsorted(self.cells, entries.cells), self.cells.shape[0] - 1)
        known = self.cells[slots] == entries.cells
        score, index = self.scores[slots], self.indices[slots]
        below = (entries.scores < score) | ((entries.scores == score) & (entries.rows()[:, None] <= index))
        chosen = np.where(self.everything[slots], True, below & ~self.nothing[slots])
        return chosen & known


def first_histogram(chunk: Sequence[Entries], cells: np.ndarray) -> np.ndarray:
    """The first round's histogram of every one of ``cells``, which needs no
    count and so can be taken while the entries are made.

    Examples
    --------
    >>> int(first_histogram([Entries.of_column(np.array([0.1, 0.2, 0.2]), 0)], np.array([0])).sum())
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
                np.full(rows.shape[0], _KEPT_WHOLE),
            )
        )
    return Lowest.merged(parts)


#: The limit of a cell whose entries are all kept.
_KEPT_WHOLE = np.iinfo(np.int64).max
