"""Exact, order-independent sums of values in [0, 1].

Each value is split into fixed-point integer limbs (see :func:`limbs`);
integer addition is associative, so the sums of any chunking, added in any
order, are the same to the last bit. Means are then rounded once from the
exact totals. This is what makes dlq's confident thresholds independent of
chunk sizes and worker counts.
"""

from __future__ import annotations

from collections.abc import Iterator
from fractions import Fraction

import numpy as np

#: A value is split into LIMBS integers of LIMB_BITS bits each (truncated below 2**-104).
LIMB_BITS = 26
LIMBS = 4
# bincount and column sums add the limbs in float64, exactly while the total
# stays below 2**53; each limb is at most 2**26, so at most 2**26 rows at a time.
_ROWS_PER_STEP = 2**26


def limb_levels(values: np.ndarray) -> Iterator[np.ndarray]:
    """Yield, limb by limb, float64 arrays of integers ``a_j`` with
    ``values ~= sum_j a_j * 2**(-26 * (j + 1))`` (values clipped to [0, 1]).

    Examples
    --------
    >>> [level.tolist() for level in limb_levels(np.array([0.5, 1.0]))][:2]
    [[33554432.0, 67108864.0], [0.0, 0.0]]
    """
    remainder = np.clip(np.asarray(values, dtype=np.float64), 0.0, 1.0)
    for _ in range(LIMBS):
        remainder *= float(2**LIMB_BITS)  # exact: a power of two
        whole = np.floor(remainder)
        yield whole
        remainder -= whole  # exact


def sums_by_group(values: np.ndarray, groups: np.ndarray, n_groups: int) -> np.ndarray:
    """Limb sums of ``values`` (N,) grouped by ``groups`` (N,), shape (n_groups, 4).

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


def column_sums(values: np.ndarray) -> np.ndarray:
    """Limb sums of each column of ``values`` (N, K), shape (K, 4).

    Examples
    --------
    >>> means(column_sums(np.array([[0.25, 1.0], [0.75, 0.0]])), np.array([2, 2]), absent=9.0)
    array([0.5, 0.5])
    """
    out = np.zeros((values.shape[1], LIMBS), dtype=np.int64)
    for start in range(0, values.shape[0], _ROWS_PER_STEP):
        for j, level in enumerate(limb_levels(values[start : start + _ROWS_PER_STEP])):
            out[:, j] += level.sum(axis=0).astype(np.int64)
    return out


def to_fraction(limb_sum: np.ndarray) -> Fraction:
    """The exact value of one row of limb sums."""
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
