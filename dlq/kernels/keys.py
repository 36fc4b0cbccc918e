"""Unsigned keys that sort as scores do, and what the selection's rounds read
of them: a round's bits of every key, and the scores whose keys share a
prefix (a bin), so that later rounds compare scores instead of making keys."""

from __future__ import annotations

import numpy as np

#: Bits of the order key resolved by the first histogram round: sign,
#: exponent and the leading bits of the mantissa, which tell apart the
#: scores of one binade (label quality scores crowd into [1/2, 1), where
#: the first 8 bits of a key are all the same) ...
FIRST_ROUND_BITS = 16
#: ... unless the cut has so many cells that their bins would be costly to
#: count densely: then 8.
FEW_FIRST_ROUND_BITS = 8
#: The most bins a first round of :data:`FIRST_ROUND_BITS` counts, over all its cells.
MOST_FIRST_ROUND_BINS = 2**22
#: Bits resolved by each later round, which histograms only the entries in
#: one bin of the round before.
BITS_PER_ROUND = 16


def round_bits(bits_known: int, n_cells: int) -> int:
    """Bits a round resolves after ``bits_known``, for a cut of ``n_cells``
    cells: the first round's histograms count every entry, densely when
    their bins are few; later ones count only the entries in a cell's bin.

    Examples
    --------
    >>> round_bits(0, 50), round_bits(0, 10_000), round_bits(16, 50)
    (16, 8, 16)
    """
    if bits_known:
        return BITS_PER_ROUND
    return FIRST_ROUND_BITS if n_cells << FIRST_ROUND_BITS <= MOST_FIRST_ROUND_BINS else FEW_FIRST_ROUND_BITS


#: Bits of every key.
KEY_BITS = 64
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
    if scores.dtype == np.float64 and start == 0:
        return _leading_key_bits(scores, width)
    keys = order_keys(scores) >> np.uint64(KEY_BITS - start - width)
    return (keys & np.uint64((1 << width) - 1)).astype(np.int64)


def _leading_key_bits(scores: np.ndarray, width: int) -> np.ndarray:
    """:func:`key_bits` from bit 0 of float64 scores, from the leading bits
    of each score shifted with its sign: a key sets the sign bit of a
    non-negative score and flips every bit of a negative one. In place on
    one array, where scores are not negative (the common case)."""
    leading = np.add(scores, 0.0).view(np.int64)  # -0.0 as 0.0
    np.right_shift(leading, KEY_BITS - width, out=leading)  # sign-extended: negative for negative scores
    half = 1 << (width - 1)
    if leading.size and leading.min() < 0:
        return np.where(leading >= 0, leading + half, -1 - leading)
    leading += half
    return leading


def smallest_with_key(keys: np.ndarray, dtype: np.dtype) -> np.ndarray:
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
