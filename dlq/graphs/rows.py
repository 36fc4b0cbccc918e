"""Rows by index: masks of found rows, and the found rows of an input, block by block."""

from __future__ import annotations

from typing import Any

import dask.array as da
import numpy as np

from dlq.graphs.blocks import per_rows


def inside(indices: np.ndarray, start: int, stop: int) -> np.ndarray:
    """Those of ``indices`` (global rows) from ``start`` to ``stop``.

    Examples
    --------
    >>> inside(np.array([1, 5, 9]), 4, 9).tolist()
    [5]
    """
    return indices[(indices >= start) & (indices < stop)]


def mask_block(indices: np.ndarray, start: int, stop: int) -> np.ndarray:
    """Rows ``start`` to ``stop`` of a boolean mask True at ``indices``.

    Examples
    --------
    >>> mask_block(np.array([1, 5]), 4, 7).tolist()
    [False, True, False]
    """
    mask = np.zeros(stop - start, dtype=bool)
    mask[inside(indices, start, stop) - start] = True
    return mask


def row_mask(indices: Any, rows: tuple[int, ...]) -> da.Array:
    """A lazy boolean array in row chunks ``rows``, True at ``indices`` (an array or a ``Delayed`` one)."""
    return per_rows(mask_block, rows, bool, indices)


def _rows_in_block(
    block: np.ndarray, indices: np.ndarray, bounds: np.ndarray, block_info: dict | None = None
) -> np.ndarray:
    i = block_info[0]["chunk-location"][0]
    return block[inside(indices, bounds[i], bounds[i + 1]) - bounds[i]]


def take_rows(array: da.Array, indices: np.ndarray) -> da.Array:
    """The given rows (sorted, unique) of a row-chunked array, block by block.

    Unlike fancy indexing, this leaves the input's tasks as they are, so keys
    already computed by an earlier pass stay the same tasks.

    Examples
    --------
    >>> take_rows(da.arange(10, chunks=4), np.array([1, 5, 9])).compute().tolist()
    [1, 5, 9]
    """
    bounds = np.cumsum((0, *array.chunks[0]))
    counts = tuple(np.diff(np.searchsorted(indices, bounds)).tolist())
    return array.map_blocks(
        _rows_in_block, indices=indices, bounds=bounds, chunks=(counts, *array.chunks[1:]), dtype=array.dtype
    )
