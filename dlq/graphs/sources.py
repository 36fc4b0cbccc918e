"""Rows that dlq reads itself, and the later passes that read them again.

An input opened from a source that can read its own rows (a file, a zarr
or HDF5 array, an array in memory: marked where it was opened, see
:mod:`dlq.io.marks`) is read by
each later pass inside the tasks that use the rows (:class:`Rereading`),
and, in one chunk, by a pass worked on in process (:func:`rows_in_hand`).
Other dask arrays are read again through ``dask.graph_manipulation.clone``
copies (:func:`reread`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import dask
import dask.array as da
import numpy as np
from dask.graph_manipulation import clone

from dlq.graphs.inprocess import building_lazily, computes_now


@dataclass(frozen=True)
class Rereading:
    """Rows a pass reads again from their source inside its own tasks:
    ``stored`` is an input's mark (its ``source``, and the ``dtype`` its rows
    are cast to, if any; see :mod:`dlq.io.marks`)."""

    stored: Any
    name: str
    chunks: tuple[tuple[int, ...], ...]
    ndim: int

    @property
    def numblocks(self) -> tuple[int, ...]:
        return tuple(len(sizes) for sizes in self.chunks)

    @property
    def shape(self) -> tuple[int, ...]:
        return tuple(sum(sizes) for sizes in self.chunks)

    @property
    def dtype(self) -> np.dtype:
        return np.dtype(self.stored.dtype or self.stored.source.dtype)

    def rows(self, start: int, stop: int) -> np.ndarray:
        item = (slice(start, stop),) + (slice(None),) * (self.ndim - 1)
        rows = np.asarray(self.stored.source[item])
        return rows if self.stored.dtype is None else rows.astype(self.stored.dtype)


def stored_of(array: Any) -> Any:
    """The mark of an input that its later passes may read from its source
    inside their tasks (``_dlq_stored``, set where the input was opened: see
    :mod:`dlq.io.marks`), if it has one."""
    return _mark(array, "_dlq_stored")


def _joined_of(array: Any) -> Any:
    """The mark of an input made of runs of another array's chunks joined
    (``_dlq_joined``: its ``source`` array and the joined ``rows``), if any."""
    return _mark(array, "_dlq_joined")


def _mark(array: Any, attribute: str) -> Any:
    marked = getattr(array, attribute, None)
    return marked[1] if marked is not None and marked[0] == array.name else None


def rows_source(rows: Rereading, *users: Any) -> Any:
    """``rows`` as one named value of the graph, for the tasks that read from
    it; ``rows`` itself when its ``users`` are computed in process."""
    if users and computes_now(*users):
        return rows
    return dask.delayed(rows, name=f"dlq-rows-{rows.name}")


def rows_in_hand(array: Any) -> np.ndarray | None:
    """All of ``array``'s rows, when the work is done in process and they
    are computed, or one chunk that dlq reads itself (read now); else None."""
    if building_lazily():
        return None
    if isinstance(array, np.ndarray):
        return array
    if not isinstance(array, Rereading):
        stored = stored_of(array)
        if stored is None:
            return None
        array = Rereading(stored, array.name, array.chunks, array.ndim)
    return array.rows(0, array.shape[0]) if array.numblocks[0] == 1 else None


def reread(*arrays: da.Array) -> tuple[Any, ...]:
    """The same rows, read again and independently by a later pass.

    Arrays opened from a source that reads its own rows (marked by
    :func:`dlq.io.marks.read_by_its_tasks`) are read inside the pass's own tasks: no read
    is then a task of its own that could run before the values its pass
    waits for (thresholds, a cut), holding its chunk, and dask's ordering
    keeps its sets of roots shared. Other arrays are
    ``dask.graph_manipulation.clone`` copies, whose reads are roots of the
    graph; binding those to the values instead let the threaded scheduler
    hold nearly every chunk of a pass read at once. Arrays of joined chunks
    (:func:`dlq.io.marks.joined`) are joined again from copies of their chunks.
    """
    stored = [stored_of(array) for array in arrays]
    if all(item is not None for item in stored):
        return tuple(
            Rereading(item, array.name, array.chunks, array.ndim) for item, array in zip(stored, arrays, strict=True)
        )
    joinings = [_joined_of(array) for array in arrays]
    sources = [array if joining is None else joining.source for array, joining in zip(arrays, joinings, strict=True)]
    return tuple(
        copy if joining is None else copy.rechunk({0: joining.rows, **{axis: -1 for axis in range(1, copy.ndim)}})
        for copy, joining in zip(clone(*sources), joinings, strict=True)
    )
