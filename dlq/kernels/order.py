"""Scores in order: the positions of the lowest first, ties to the lower
position, or example indices ranked by their scores, ties to the lower index."""

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


def ranked(rows: np.ndarray, scores: np.ndarray) -> np.ndarray:
    """``rows`` ordered by their ``scores``, lowest first, ties to the lower
    row (whatever order the rows come in), NaN last: one ``np.lexsort`` on
    (score, row).

    Parameters
    ----------
    rows : ndarray of int, shape (n,)
        Example indices, without repeats.
    scores : ndarray, shape (n,)
        The score of each of ``rows``.

    Returns
    -------
    ndarray of int, shape (n,)

    Examples
    --------
    >>> ranked(np.array([7, 2, 5, 9]), np.array([0.5, 0.5, np.nan, 0.1])).tolist()
    [9, 2, 7, 5]
    """
    return rows[np.lexsort((rows, scores))]
