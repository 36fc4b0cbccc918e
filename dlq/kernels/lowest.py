"""Entries and the lowest of them, cell by cell: what every selection of dlq gathers.

A chunk presents its scored rows as :class:`Entries` (rows by cells); a
:class:`Lowest` holds some entries in flat form, with how many of each cell
are worth keeping, and merges keep each cell's lowest (score, index).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from dlq.kernels.keys import order_keys

#: The limit of a cell whose entries are all kept.
KEPT_WHOLE = np.iinfo(np.int64).max


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
        return self.take(ranked_order(self.cells, self.scores, self.indices))

    def per_cell(self, cells: np.ndarray) -> list[np.ndarray]:
        """The indices of each of ``cells``, ranked.

        Examples
        --------
        >>> found = Lowest(np.array([0, 2, 2]), np.zeros(3), np.array([4, 1, 3]), np.zeros(3, bool), np.ones(3))
        >>> [rows.tolist() for rows in found.per_cell(np.array([0, 1, 2]))]
        [[4], [], [1, 3]]
        """
        order = ranked_order(self.cells, self.scores, self.indices)  # one sort, then each cell's run
        ranked_cells, ranked_indices = self.cells[order], self.indices[order]
        starts = np.searchsorted(ranked_cells, cells)
        stops = np.searchsorted(ranked_cells, cells, side="right")
        return [ranked_indices[start:stop] for start, stop in zip(starts.tolist(), stops.tolist(), strict=True)]

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
        if together.cells.size <= together.limits.min(initial=KEPT_WHOLE):  # no cell can be over (kept whole)
            return together
        by_cell, starts, stops = _segments(together.cells)
        limits = together.limits[by_cell[starts]]
        over = np.flatnonzero(stops - starts > limits)
        if not over.size:
            return together
        keep = np.ones(together.cells.shape[0], dtype=bool)
        for segment in over:
            rows = by_cell[starts[segment] : stops[segment]]
            keep[rows] = False
            keep[rows[lowest_positions(together.scores[rows], together.indices[rows], int(limits[segment]))]] = True
        return together.take(keep)


_FIELDS = ("cells", "scores", "indices", "agrees", "limits")


def ranked_order(cells: np.ndarray, scores: np.ndarray, indices: np.ndarray) -> np.ndarray:
    """The order of (cell, score, index), as ``np.lexsort((indices, scores,
    cells))`` gives it: each score replaced by its rank among the distinct
    scores (one quick sort), the three packed into one integer key, and the
    keys, all distinct, sorted once more (2-4 times quicker than three
    stable sorts). Keys too large for 63 bits, negative cells or indices and
    NaN scores fall back on ``lexsort``. The sorts are numpy's stable ones,
    which merge runs already in order: ranked parts joined together (each
    chunk's issues, say) cost a merge, not a sort.

    Examples
    --------
    >>> ranked_order(np.array([1, 0, 0, 0]), np.array([0.1, 0.5, 0.2, 0.2]), np.array([3, 9, 7, 2])).tolist()
    [3, 2, 1, 0]
    """
    if scores.shape[0] < 2:
        return np.arange(scores.shape[0])
    narrow = _packable_scores(cells, scores, indices)
    if narrow is not None:  # a float32 score's key fills the leading 32 bits, the index the rest
        return np.argsort(order_keys(narrow) | indices.astype(np.uint64), kind="stable")
    by_score = np.argsort(scores, kind="stable")
    ordered = scores[by_score]
    ranks = np.empty(scores.shape[0], np.int64)
    ranks[by_score] = np.cumsum(np.concatenate([[0], ordered[1:] != ordered[:-1]]))
    low_cell, high_cell = int(cells.min()), int(cells.max())
    n_ranks, n_indices = int(ranks[by_score[-1]]) + 1, int(indices.max()) + 1
    unusual = low_cell < 0 or indices.min() < 0 or ordered[-1] != ordered[-1]  # negative, or NaN (sorted last)
    if unusual or (high_cell + 1) * n_ranks * n_indices >= 2**63:
        return np.lexsort((indices, scores, cells))
    keys = ranks * n_indices + indices
    if high_cell:
        keys += cells.astype(np.int64) * (n_ranks * n_indices)
    return np.argsort(keys, kind="stable")


def _packable_scores(cells: np.ndarray, scores: np.ndarray, indices: np.ndarray) -> np.ndarray | None:
    """The scores as float32, where (score, index) pairs of one cell pack
    into one 64-bit key: scores that are float32 values (as those of float32
    probabilities are, even in float64), none NaN, and indices from 0 below
    2**32; else None."""
    if scores.dtype.kind != "f" or cells.min() != cells.max() or indices.min() < 0 or indices.max() >= 2**32:
        return None
    narrow = scores.astype(np.float32)
    exact = scores.dtype == np.float32 or bool((narrow == scores).all())  # False for NaN
    return narrow if exact and not np.isnan(narrow).any() else None


def _segments(cells: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The positions of ``cells`` grouped by cell (a stable sort, quick on
    runs of equal cells), and where each cell's group starts and stops."""
    by_cell = np.argsort(cells, kind="stable")
    if not cells.size:
        return by_cell, by_cell, by_cell
    grouped = cells[by_cell]
    starts = np.flatnonzero(np.concatenate([[True], grouped[1:] != grouped[:-1]]))
    return by_cell, starts, np.append(starts[1:], cells.shape[0])


def lowest_positions(scores: np.ndarray, indices: np.ndarray, k: int) -> np.ndarray:
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
