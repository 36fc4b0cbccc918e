"""Scores in order: the positions of the lowest first, ties to the lower position."""

from __future__ import annotations

import numpy as np


def lowest_first(scores: np.ndarray, count: int | None = None) -> np.ndarray:
    """The positions of the ``count`` lowest ``scores`` (all of them when
    None or more than there are), lowest first, ties to the lower position,
    NaN last: one stable sort, as ``np.lexsort((np.arange(n), scores))``
    orders them.

    Parameters
    ----------
    scores : ndarray, shape (n,)
        One score per example.
    count : int, optional
        How many positions to keep.

    Returns
    -------
    ndarray of int, shape (min(count, n),)

    Examples
    --------
    >>> lowest_first(np.array([0.5, 0.1, 0.9, 0.1]), 3).tolist()
    [1, 3, 0]
    >>> lowest_first(np.array([np.nan, 0.2])).tolist()
    [1, 0]
    """
    return np.argsort(scores, kind="stable")[:count]
