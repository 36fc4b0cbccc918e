"""The issue table in ranked parts: every chunk's issues (a table in index
order, with a ``score`` column) sent to the part that holds their score
range, and each part ranked on its own, so that the parts one after
another are the table ranked lowest score first, ties to the lower index.

The ranges come from a count of the issues' score keys
(:func:`dlq.kernels.keys.order_keys`) by their leading :data:`BIN_BITS`
bits, summed over the chunks: each part is given about the same number of
issues. All issues of one score fall in one part, so a part may hold more
than its share where many issues tie.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import NamedTuple

import numpy as np

from dlq.kernels import columns
from dlq.kernels.columns import Columns
from dlq.kernels.keys import KEY_BITS, order_keys
from dlq.kernels.lowest import ranked_order

#: Leading bits of a score's key that its bin is told by: sign, exponent and
#: 8 bits of mantissa (of a float64), 256 bins to each factor of two.
BIN_BITS = 20


class KeyCounts(NamedTuple):
    """Issues counted by the bin of their score's key: the bins present, sorted, and their counts."""

    bins: np.ndarray
    counts: np.ndarray

    @staticmethod
    def of(table: Columns) -> KeyCounts:
        """The counts of one chunk's issues.

        Examples
        --------
        >>> KeyCounts.of({"score": np.array([0.5, 0.25, 0.5])}).counts.tolist()
        [1, 2]
        """
        bins, counts = np.unique(_bins(table["score"]), return_counts=True)
        return KeyCounts(bins, counts.astype(np.int64))

    @staticmethod
    def summed(parts: Sequence[KeyCounts]) -> KeyCounts:
        """The counts of several chunks together.

        Examples
        --------
        >>> a = KeyCounts(np.array([3, 5], np.uint64), np.array([1, 1]))
        >>> b = KeyCounts(np.array([5], np.uint64), np.array([2]))
        >>> found = KeyCounts.summed([a, b])
        >>> found.bins.tolist(), found.counts.tolist()
        ([3, 5], [1, 3])
        """
        bins, at = np.unique(np.concatenate([part.bins for part in parts]), return_inverse=True)
        return KeyCounts(bins, np.bincount(at, np.concatenate([part.counts for part in parts])).astype(np.int64))


def _bins(scores: np.ndarray) -> np.ndarray:
    return order_keys(np.asarray(scores, dtype=np.float64)) >> np.uint64(KEY_BITS - BIN_BITS)


class Bounds(NamedTuple):
    """Where the parts begin: part ``p`` holds the issues whose score's bin
    is at least ``first_bins[p - 1]`` and below ``first_bins[p]``;
    ``total`` issues in all."""

    first_bins: np.ndarray
    total: int

    def part_of(self, scores: np.ndarray) -> np.ndarray:
        """The part of each issue, by its score."""
        return np.searchsorted(self.first_bins, _bins(scores), side="right")


def bounds(counted: KeyCounts, parts: int, rows_per_part: int) -> Bounds:
    """Bounds of at most ``parts`` parts of about equal counts, and as few
    as give each about ``rows_per_part`` issues.

    Examples
    --------
    >>> counted = KeyCounts(np.array([1, 2, 3, 4], np.uint64), np.array([5, 5, 5, 5]))
    >>> bounds(counted, 8, 10).first_bins.tolist()
    [3]
    >>> bounds(counted, 8, 1).first_bins.tolist()
    [2, 3, 4]
    >>> bounds(counted, 2, 1).first_bins.tolist()
    [3]
    """
    total = int(counted.counts.sum())
    used = min(parts, max(1, -(-total // rows_per_part)))
    before = np.concatenate([[0], np.cumsum(counted.counts)[:-1]])
    # a bin opens part p when the issues before it reach p shares of the total
    opens = np.searchsorted(np.arange(1, used) * total / used, before, side="right")
    starts = np.flatnonzero(np.diff(opens, prepend=0) > 0)
    return Bounds(counted.bins[starts], total)


def split(table: Columns, found: Bounds, parts: int) -> list[Columns]:
    """One chunk's issues as ``parts`` tables, by the part of their scores (in index order in each).

    Examples
    --------
    >>> table = {"index": np.array([1, 4, 6]), "score": np.array([0.5, 0.1, 0.5])}
    >>> first_bins = _bins(np.array([0.3]))
    >>> [piece["index"].tolist() for piece in split(table, Bounds(first_bins, 3), 3)]
    [[4], [1, 6], []]
    """
    part = found.part_of(table["score"])
    order = np.argsort(part, kind="stable")
    ends = np.searchsorted(part[order], np.arange(parts), side="right")
    starts = np.concatenate([[0], ends[:-1]])
    return [columns.taken(table, order[start:end]) for start, end in zip(starts, ends, strict=True)]


def ranked(pieces: Sequence[Columns]) -> Columns:
    """The pieces of one part as one table, lowest score first, ties to the lower index.

    Examples
    --------
    >>> pieces = [{"index": np.array([1, 6]), "score": np.array([0.5, 0.2])},
    ...           {"index": np.array([3]), "score": np.array([0.2])}]
    >>> ranked(pieces)["index"].tolist()
    [3, 6, 1]
    """
    table = columns.concatenated(pieces)
    scores = table["score"]
    return columns.taken(table, ranked_order(np.zeros(scores.shape[0], np.int64), scores, table["index"]))
