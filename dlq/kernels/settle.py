"""Settling a selection in one look: the entries below each cell's bin,
kept, and those in it, gathered (:func:`split`); each cell's cut-off from
the gathered (:class:`Cutoffs`) and each chunk's entries at or below it
(:func:`selected_of_chunk`)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any, NamedTuple

import numpy as np

from dlq.kernels.lowest import KEPT_WHOLE, Entries, Lowest, lowest_positions, no_entries
from dlq.kernels.select import Cut, appended, in_bins
from dlq.kernels.sets import true_positions


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
            rows, columns, slots = in_bins(entries, cut)
            parts.append(_flat_at(entries, rows, columns, cut.rank[slots] + 1))
        else:
            parts.append(flat(entries, np.broadcast_to(active, entries.scores.shape), cut.rank[slots] + 1))
    return Lowest.merged(parts)


def flat(entries: Entries, taken: np.ndarray, limits: Any) -> Lowest:
    """The entries where ``taken`` (the shape of their scores), in flat form,
    with ``limits`` (one, or one per cell of ``entries.cells``)."""
    rows, columns = true_positions(taken) if taken.ndim == 2 else np.nonzero(taken)
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
        >>> from dlq.kernels.select import ROUNDS, histogram
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
    >>> from dlq.kernels.select import histogram
    >>> chunk = [Entries.of_column(np.array([0.3, 1e-6, 0.2, 1e-6]), 0)]
    >>> cut = Cut.first(np.array([0]), np.array([3]))
    >>> cut = cut.narrowed(histogram(chunk, cut))
    >>> found = split(chunk, cut, issues_only=False)
    >>> sorted(found.below.indices.tolist()), sorted(found.gathered.indices.tolist())
    ([1, 3], [2])
    """
    below_parts, gathered = [no_entries()], [no_entries()]
    rank = appended(cut.rank, -1) + 1
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


def selected_of_chunk(part: Split, cutoffs: Cutoffs, issues_only: bool) -> Lowest:
    """A chunk's selection from its :class:`Split` and every cell's
    :class:`Cutoffs` (settled by all chunks' gathered entries): its entries
    below the cells' bins, and its gathered ones at or below the cut-offs,
    ranked (:meth:`~dlq.kernels.lowest.Lowest.ranked`): the chunks' selections
    joined in chunk order are then runs that one merge ranks.

    Examples
    --------
    >>> cutoffs = Cutoffs(np.array([0]), np.array([0.2]), np.array([5]), np.array([False]), np.array([False]))
    >>> gathered = Lowest(np.zeros(2, int), np.array([0.2, 0.2]), np.array([5, 6]), np.zeros(2, bool), np.ones(2))
    >>> below = Lowest(np.zeros(1, int), np.array([0.1]), np.array([9]), np.zeros(1, bool), np.full(1, KEPT_WHOLE))
    >>> sorted(selected_of_chunk(Split(below, gathered), cutoffs, issues_only=True).indices.tolist())
    [5, 9]
    """
    gathered = part.gathered
    chosen = cutoffs.at_or_below(gathered.cells, gathered.scores, gathered.indices)
    if issues_only:
        chosen = chosen & ~gathered.agrees
    kept = gathered.take(chosen)
    return Lowest.merged([part.below, replace(kept, limits=np.full(kept.cells.shape[0], KEPT_WHOLE))]).ranked()
