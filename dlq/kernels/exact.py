"""Exact, order-independent sums of values in [0, 1].

Each value is cut to a multiple of 2**-52 (truncated, an error below
2.3e-16) and held as two 26-bit integer limbs; integer addition is
associative, so the sums of any chunking, added in any order, are the same to
the last bit. Means are then rounded once from the exact totals. This is what
makes dlq's confident thresholds independent of chunk sizes and worker
counts.
"""

from __future__ import annotations

from collections.abc import Iterator
from fractions import Fraction

import numpy as np

LIMB_BITS = 26
LIMBS = 2
# Limb sums are added in float64, exactly while the total stays below 2**53;
# each limb is at most 2**26, so at most 2**26 rows at a time.
_ROWS_PER_STEP = 2**26


def limb_levels(values: np.ndarray) -> Iterator[np.ndarray]:
    """Yield, limb by limb, float64 arrays of integers ``a_j`` with
    ``values ~= a_0 * 2**-26 + a_1 * 2**-52``, for values in [0, 1].

    Examples
    --------
    >>> [level.tolist() for level in limb_levels(np.array([0.5, 1.0]))]
    [[33554432.0, 67108864.0], [0.0, 0.0]]
    """
    remainder = np.multiply(values, float(2**LIMB_BITS), dtype=np.float64)  # exact: a power of two
    for level in range(LIMBS):
        whole = np.floor(remainder)
        yield whole
        if level < LIMBS - 1:
            remainder -= whole  # exact
            remainder *= float(2**LIMB_BITS)


def sums_by_group(values: np.ndarray, groups: np.ndarray, n_groups: int) -> np.ndarray:
    """Limb sums of ``values`` (N,) grouped by ``groups`` (N,), shape (n_groups, 2).

    Examples
    --------
    >>> means(sums_by_group(np.array([0.25, 0.75, 0.5]), np.array([0, 0, 1]), 2), np.array([2, 1]), absent=9.0)
    array([0.5, 0.5])
    """
    out = np.zeros((n_groups, LIMBS), dtype=np.int64)
    for start in range(0, values.shape[0], _ROWS_PER_STEP):
        rows = slice(start, start + _ROWS_PER_STEP)
        for j, level in enumerate(limb_levels(values[rows])):
            out[:, j] += np.bincount(groups[rows], weights=level, minlength=n_groups).astype(np.int64)
    return out


def column_sums_by_mask(values: np.ndarray, mask: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Limb sums of each column of ``values`` (N, K) over the rows where
    ``mask`` (N, K) is False and where it is True, shape (2, K, 2), and the
    number of those rows, (2, K).

    The limbs (:func:`limb_levels`) are integers below 2**26 held as
    floats, so every partial sum of up to 2**26 rows is an integer below
    2**53: exact in float64 whatever the order. That lets the masked sums
    be products with the mask (``einsum``), a few long numpy calls instead
    of many short ones (which two threads would take turns on).

    Examples
    --------
    >>> sums, counts = column_sums_by_mask(np.array([[0.25], [0.75], [0.5]]), np.array([[True], [True], [False]]))
    >>> means(sums.reshape(2, 2), counts.reshape(2), absent=9.0)
    array([0.5, 0.5])
    """
    out = np.zeros((2, values.shape[1], LIMBS), dtype=np.int64)
    counts = np.zeros((2, values.shape[1]), dtype=np.int64)
    for start in range(0, values.shape[0], _ROWS_PER_STEP):
        rows = slice(start, start + _ROWS_PER_STEP)
        weights = mask[rows].astype(np.float64)
        positive = weights.sum(axis=0).astype(np.int64)
        counts += [weights.shape[0] - positive, positive]
        for j, level in enumerate(limb_levels(values[rows])):
            masked = np.einsum("ij,ij->j", level, weights)
            out[1, :, j] += masked.astype(np.int64)
            out[0, :, j] += (level.sum(axis=0) - masked).astype(np.int64)
    return out, counts


def to_fraction(limb_sum: np.ndarray) -> Fraction:
    """The exact value of one row of limb sums.

    Examples
    --------
    >>> to_fraction(np.array([2**25, 1]))
    Fraction(2251799813685249, 4503599627370496)
    """
    numerator = sum(int(a) << (LIMB_BITS * (LIMBS - 1 - j)) for j, a in enumerate(limb_sum.tolist()))
    return Fraction(numerator, 2 ** (LIMB_BITS * LIMBS))


def means(limb_sums: np.ndarray, counts: np.ndarray, *, absent: float) -> np.ndarray:
    """Correctly rounded means ``sum / count`` per group; ``absent`` where the count is 0."""
    return np.array(
        [
            float(to_fraction(limb_sum) / int(count)) if count > 0 else absent
            for limb_sum, count in zip(limb_sums, counts.tolist(), strict=True)
        ],
        dtype=np.float64,
    )
