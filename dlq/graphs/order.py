"""Indices of the lowest scores first, of scores in hand or in a dask array."""

from __future__ import annotations

from typing import Any

import dask.array as da
import numpy as np

from dlq.graphs.rows import lowest_rows
from dlq.kernels import order


def lowest_first(scores: da.Array | np.ndarray, count: int | None = None) -> Any:
    """The indices of the ``count`` lowest ``scores`` (all of them when None
    or more than there are), lowest first, ties to the lower index.

    Scores in hand are sorted once (NaN last); a dask array of scores is
    never gathered: the one selection finds its ``count`` lowest (a lazy
    ``Delayed`` answer).

    Parameters
    ----------
    scores : ndarray or dask array, shape (N,)
        One score per example.
    count : int, optional
        How many indices to keep.

    Returns
    -------
    ndarray of int, or a ``Delayed`` of it for a dask array

    Examples
    --------
    >>> lowest_first(np.array([0.5, 0.1, 0.9, 0.1]), 3).tolist()
    [1, 3, 0]
    >>> lowest_first(da.from_array(np.array([0.5, 0.1, 0.9, 0.1]), chunks=2), 9).compute().tolist()
    [1, 3, 0, 2]
    """
    if isinstance(scores, da.Array):
        kept = scores.shape[0] if count is None else min(int(count), scores.shape[0])
        return lowest_rows(scores, kept)
    return order.lowest_first(scores, count)
