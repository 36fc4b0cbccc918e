"""Sets of example indices, as sorted arrays without repeats, and the
entries that boolean (n, K) masks hold.

numpy's plain ``np.unique`` hashes its values before sorting what it found
(numpy 2.3 and later): 4.7 s on 5.6 million distinct indices, where a sort
and a comparison of neighbours take 0.05 s.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np


def unique(values: np.ndarray) -> np.ndarray:
    """The distinct ``values``, sorted.

    Examples
    --------
    >>> unique(np.array([5, 1, 5, 3, 1])).tolist()
    [1, 3, 5]
    """
    ordered = np.sort(values)
    if ordered.size < 2:
        return ordered
    return ordered[np.concatenate([[True], ordered[1:] != ordered[:-1]])]


def of_distinct(indices: np.ndarray) -> np.ndarray:
    """The set of ``indices`` that hold no repeats: them sorted, with no
    repeats to drop (no comparison of neighbours, as :func:`unique` makes).

    Examples
    --------
    >>> of_distinct(np.array([5, 1, 3])).tolist()
    [1, 3, 5]
    """
    return np.sort(indices)


def union(parts: Sequence[np.ndarray]) -> np.ndarray:
    """The indices in any of ``parts``, sorted (int64, also of no parts).

    Examples
    --------
    >>> union([np.array([4, 2]), np.array([2, 9])]).tolist(), union([]).dtype
    ([2, 4, 9], dtype('int64'))
    """
    return unique(np.concatenate([np.zeros(0, np.int64), *parts]))


def true_positions(mask: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The (rows, columns) where a boolean (n, K) ``mask`` is True, in row
    order: ``np.nonzero``'s answer, from the flat positions, several times
    quicker (a 5,000 x 50 mask: 0.2 ms against 1 ms).

    Examples
    --------
    >>> [part.tolist() for part in true_positions(np.array([[False, True], [True, True]]))]
    [[0, 1, 1], [1, 0, 1]]
    """
    return np.divmod(np.flatnonzero(mask), mask.shape[1])


def column_counts(mask: np.ndarray) -> np.ndarray:
    """How many entries of each column of a boolean (n, K) ``mask`` are True
    (int64): ``np.count_nonzero(mask, axis=0)``, summed as bytes in 16 bits
    when fewer than 2**16 rows, about twice as quick.

    Examples
    --------
    >>> column_counts(np.array([[True, False], [True, True]])).tolist()
    [2, 1]
    """
    wide = np.uint16 if mask.shape[0] < 2**16 else np.int64
    return mask.view(np.uint8).sum(axis=0, dtype=wide).astype(np.int64)
