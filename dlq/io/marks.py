"""How an input that dlq opened says it may be read again by a later pass:
from its source, inside the tasks that use its rows (:func:`read_by_its_tasks`),
or as runs of another array's small row chunks joined into bigger ones
(:func:`joined`), which a later pass joins again from its own copies.

The marks are attributes of the dask array (``_dlq_stored``,
``_dlq_joined``: the array's name, then a :class:`Stored` or
:class:`Joined`), valid while the array keeps that name; the graphs read
them (:mod:`dlq.graphs.sources`) without importing this module.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import dask.array as da


@dataclass(frozen=True)
class Joined:
    """``source`` rechunked into the row chunks ``rows`` (runs of its small chunks joined, say)."""

    source: da.Array
    rows: tuple[int, ...]


def joined(source: da.Array, rows: tuple[int, ...]) -> da.Array:
    """``source`` in the row chunks ``rows`` (runs of its chunks joined, say),
    whole along its other axes.

    A later pass (:func:`dlq.graphs.sources.reread`) rechunks its own copy
    of ``source`` instead of copying the rechunked array: copies of joined
    chunks read their rows themselves, as roots of the graph, which the
    threaded scheduler ran ahead of the values their pass waits for, holding
    every pass's joined chunks at once (4.8 GB for 0.8 GB of pred_probs read
    five times); and dask 2026.7 cannot optimise a copy of a rechunk
    (``dask.graph_manipulation.clone``: "Cannot fuse tasks with multiple outputs").

    Examples
    --------
    >>> joined(da.ones((5, 3), chunks=(1, 3)), (2, 3)).chunks
    ((2, 3), (3,))
    """
    array = source.rechunk({0: rows, **{axis: -1 for axis in range(1, source.ndim)}})
    array._dlq_joined = (array.name, Joined(source, rows))
    return array


def joined_source(array: da.Array) -> Joined | None:
    """The array and the joining that :func:`joined` made ``array`` of, if it did."""
    marked = getattr(array, "_dlq_joined", None)
    return marked[1] if marked is not None and marked[0] == array.name else None


@dataclass(frozen=True)
class Stored:
    """A source that reads its own rows (``source[start:stop]``): a file, a
    zarr or HDF5 array that an input array was opened from."""

    source: Any
    dtype: Any = None  # what the rows are cast to, if anything


def read_by_its_tasks(array: da.Array, source: Any, dtype: Any = None) -> da.Array:
    """Mark ``array`` (``da.from_array(source)``, as it is, or cast to
    ``dtype``) as one whose later passes may read ``source`` in the tasks
    that use the rows (see :func:`dlq.graphs.sources.reread`).

    Examples
    --------
    >>> import numpy as np
    >>> values = np.arange(4)
    >>> stored_source(read_by_its_tasks(da.from_array(values, chunks=2), values)).source is values
    True
    """
    array._dlq_stored = (array.name, Stored(source, dtype))
    return array


def stored_source(array: da.Array) -> Stored | None:
    """How ``array`` may be read by the tasks that use its rows, if it may."""
    marked = getattr(array, "_dlq_stored", None)
    return marked[1] if marked is not None and marked[0] == array.name else None


def joined_rows(sizes: tuple[int, ...], target: int) -> tuple[int, ...]:
    """Row chunks of about ``target`` rows made of runs of whole chunks ``sizes``.

    Examples
    --------
    >>> joined_rows((3, 3, 3, 3, 1), 5)
    (6, 6, 1)
    """
    rows, run = [], 0
    for size in sizes:
        run += size
        if run >= target:
            rows.append(run)
            run = 0
    return (*rows, run) if run else tuple(rows)
