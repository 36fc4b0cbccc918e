"""The k-th lowest (score, index) of a chunked data set, in bounded memory.

Scores are mapped to unsigned 64-bit keys that sort as the scores do, and the
k-th lowest key is found ``BITS_PER_ROUND`` (12) bits at a time: each round
sums, over all chunks, a histogram of the next bits among the rows that share
the bits already found, and picks the bin holding the k-th row. After
``ROUNDS`` (3) rounds the rows sharing the 36 leading bits are few (their
scores agree to about 1e-7 of their size) and are gathered, lowest first, to
settle the exact score and, among equal scores, the index. Every step keeps a
fixed amount per chunk (a histogram) or what it gathers, never a value per row.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from dlq.kernels import Candidates, lowest, ranked

#: Bits of the order key resolved by each histogram round.
BITS_PER_ROUND = 12
#: Histogram rounds before the remaining rows are gathered.
ROUNDS = 3

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


class Cut:
    """Where the k-th lowest row lies: among the rows whose keys start with the
    ``bits`` leading bits ``prefix``, it is the ``rank``-th lowest (from 0).

    ``rank`` is None when no row is selected (k = 0), and ``bits`` is None
    when every row is (k at least the number of rows).
    """

    def __init__(self, prefix: int, bits: int | None, rank: int | None):
        self.prefix, self.bits, self.rank = prefix, bits, rank

    @classmethod
    def first(cls, k: int, n_rows: int) -> Cut:
        """The cut before any round, for the k lowest of ``n_rows`` rows.

        Examples
        --------
        >>> cut = Cut.first(3, 10)
        >>> cut.bits, cut.rank
        (0, 2)
        """
        if k <= 0:
            return cls(0, 0, None)
        if k >= n_rows:
            return cls(0, None, None)
        return cls(0, 0, k - 1)

    @property
    def undecided(self) -> bool:
        return self.rank is not None and self.bits is not None

    def matching(self, keys: np.ndarray) -> np.ndarray:
        """Whether each key starts with this cut's prefix."""
        if not self.bits:
            return np.ones(keys.shape[0], dtype=bool)
        return (keys >> np.uint64(_KEY_BITS - self.bits)) == np.uint64(self.prefix)

    def histogram(self, scores: np.ndarray) -> np.ndarray:
        """Counts of the next key bits among the rows matching the prefix.

        Examples
        --------
        >>> Cut.first(1, 5).histogram(np.array([0.1, 0.2, 0.2])).sum()
        np.int64(3)
        """
        if not self.undecided:
            return np.zeros(0, dtype=np.int64)
        keys = order_keys(scores)
        keys = keys[self.matching(keys)]
        next_bits = (keys >> np.uint64(_KEY_BITS - self.bits - BITS_PER_ROUND)) & np.uint64(2**BITS_PER_ROUND - 1)
        return np.bincount(next_bits.astype(np.intp), minlength=2**BITS_PER_ROUND).astype(np.int64)

    def narrowed(self, histogram: np.ndarray) -> Cut:
        """The cut after a round whose summed histograms are ``histogram``.

        Examples
        --------
        >>> scores = np.array([0.3, 0.1, 0.2])
        >>> cut = Cut.first(2, 3)
        >>> cut = cut.narrowed(cut.histogram(scores))
        >>> cut.bits, cut.rank
        (12, 0)
        """
        if not self.undecided:
            return self
        cumulative = np.cumsum(histogram)
        position = int(np.searchsorted(cumulative, self.rank, side="right"))
        below = int(cumulative[position - 1]) if position else 0
        return Cut((self.prefix << BITS_PER_ROUND) | position, self.bits + BITS_PER_ROUND, self.rank - below)

    def gathered(self, scores: np.ndarray, offset: int) -> Candidates:
        """The lowest ``rank + 1`` (score, index) of the rows matching the prefix."""
        if not self.undecided:
            return _no_candidates()
        inside = np.flatnonzero(self.matching(order_keys(scores)))
        return lowest(scores[inside], inside + offset, np.zeros(inside.shape[0], bool), self.rank + 1)


def leading_histogram(scores: np.ndarray) -> np.ndarray:
    """Counts of the leading key bits of every score: the first round,
    which needs no k and is taken while the scores are made.

    Examples
    --------
    >>> int(leading_histogram(np.array([0.1, 0.2, 0.2])).sum())
    3
    """
    return Cut(0, 0, 0).histogram(scores)


def _no_candidates() -> Candidates:
    return Candidates(np.zeros(0), np.zeros(0, np.int64), np.zeros(0, bool))


class Cutoff(NamedTuple):
    """The highest selected (score, index); ``everything`` or ``nothing``
    when the selection is all rows or none."""

    score: float
    index: int
    everything: bool
    nothing: bool

    @classmethod
    def of(cls, cut: Cut, gathered: Candidates) -> Cutoff:
        """The cutoff from the final cut and the rows gathered under it.

        Examples
        --------
        >>> scores = np.array([0.3, 0.1, 0.2, 0.1])
        >>> cut = Cut.first(3, 4)
        >>> for _ in range(ROUNDS):
        ...     cut = cut.narrowed(cut.histogram(scores))
        >>> Cutoff.of(cut, cut.gathered(scores, 0))[:2]
        (np.float64(0.2), np.int64(2))
        """
        if cut.rank is None:
            return cls(0.0, 0, everything=cut.bits is None, nothing=cut.bits is not None)
        last = ranked(gathered)
        return cls(last.scores[cut.rank], last.indices[cut.rank], everything=False, nothing=False)

    def selects(self, candidates: Candidates) -> Candidates:
        """Those candidates at or below the cutoff.

        Examples
        --------
        >>> cutoff = Cutoff(0.2, 5, everything=False, nothing=False)
        >>> candidates = Candidates(np.array([0.2, 0.2, 0.1, 0.3]), np.array([4, 6, 9, 1]), np.zeros(4, bool))
        >>> cutoff.selects(candidates).indices.tolist()
        [4, 9]
        """
        if self.everything:
            return candidates
        if self.nothing:
            return candidates.take(np.zeros(0, dtype=np.intp))
        scores, indices = candidates.scores, candidates.indices
        return candidates.take((scores < self.score) | ((scores == self.score) & (indices <= self.index)))
