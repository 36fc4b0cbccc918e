"""dask's public pieces, in the four shapes dlq's graphs are made of:
:func:`per_chunk`, a kernel over each row chunk of labels and pred_probs
(``map_blocks``; each task yields one *record*, a small Python object, and
the records form an (n_chunks, 1) dask array of objects); :func:`per_record`,
a function of each chunk's records; :func:`tree`, records reduced
``SPLIT_EVERY`` at a time to one value; :func:`step`, one ``dask.delayed`` task.
Later passes read their inputs again (:func:`dlq.graphs.sources.reread`), or
a chunk read by pass 1 would be held until pass 2 used it. Data in one chunk
that dlq reads itself are worked on in process (:mod:`dlq.graphs.inprocess`).
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Sequence
from operator import attrgetter
from typing import Any

import dask
import dask.array as da
import numpy as np
from dask.delayed import Delayed

from dlq.graphs.inprocess import computes_now, is_lazy
from dlq.graphs.sources import Rereading, reread, rows_in_hand, rows_source, stored_of

#: Fan-in of every tree reduction.
SPLIT_EVERY = 8

#: Records form an (n_chunks, 1) array of dtype object: two-dimensional like
#: pred_probs, so that mapping a kernel over both concatenates no blocks.
_OBJECTS = np.empty((0, 0), dtype=object)


def _wrapped(record: Any) -> np.ndarray:
    return _records([record], (1, 1))


def _records(values: list[Any], shape: tuple[int, ...]) -> np.ndarray:
    """Records of the given shape, (n_chunks, 1) or (n_chunks,), holding ``values``."""
    box = np.empty(shape, dtype=object)
    flat = box.reshape(-1)
    for position, value in enumerate(values):
        flat[position] = value
    return box


def _each(records: np.ndarray) -> list[Any]:
    return list(records.reshape(-1))  # the values of computed records, one per chunk


def _chunk_task(
    labels: np.ndarray,
    pred_probs: np.ndarray,
    *args: Any,
    kernel: Callable[..., Any],
    label_ndim: int,
    with_offset: bool,
    block_info: dict | None = None,
) -> np.ndarray:
    labels = labels.reshape(labels.shape[:label_ndim])
    offset = (block_info[0]["array-location"][0][0],) if with_offset else ()
    return _wrapped(kernel(labels, pred_probs, *offset, *args))


def _fused_task(
    labels_source: Any,
    pred_probs_source: Any,
    *args: Any,
    kernel: Callable[..., Any],
    bounds: Sequence[int],
    with_offset: bool,
    block_info: dict | None = None,
) -> np.ndarray:
    chunk = block_info[None]["chunk-location"][0]
    start, stop = bounds[chunk], bounds[chunk + 1]
    offset = (start,) if with_offset else ()
    return _wrapped(kernel(labels_source.rows(start, stop), pred_probs_source.rows(start, stop), *offset, *args))


def _fused(kernel: Callable[..., Any], labels: Rereading, pred_probs: Rereading, args: tuple, offset: bool) -> da.Array:
    """:func:`per_chunk` of rows read inside its tasks: each task reads its own
    rows, so no chunk is read before the values its pass needs are known."""
    sources = [rows_source(side) for side in (labels, pred_probs)]
    return da.map_blocks(
        _fused_task,
        *sources,
        *args,
        kernel=kernel,
        bounds=np.cumsum((0, *pred_probs.chunks[0])).tolist(),
        with_offset=offset,
        chunks=((1,) * pred_probs.numblocks[0], (1,)),
        dtype=object,
        meta=_OBJECTS,
    )


def _whole_rows(labels: Any, pred_probs: Any, args: tuple) -> tuple[np.ndarray, np.ndarray] | None:
    """Labels' and pred_probs' rows, read now, when both are in hand
    (:func:`rows_in_hand`) and ``args`` are computed; else None."""
    if is_lazy(args):
        return None
    label_rows, probability_rows = rows_in_hand(labels), rows_in_hand(pred_probs)
    return None if label_rows is None or probability_rows is None else (label_rows, probability_rows)


def per_chunk(
    kernel: Callable[..., Any], labels: da.Array, pred_probs: da.Array, *args: Any, offset: bool = True
) -> da.Array:
    """Records ``kernel(labels_chunk, pred_probs_chunk, [row offset,] *args)``,
    one per row chunk; ``args`` may hold ``Delayed`` values, computed once.

    Examples
    --------
    >>> labels, pred_probs = da.from_array(np.arange(5), chunks=2), da.ones((5, 3), chunks=(2, 3))
    >>> records = per_chunk(lambda y, p, start: (start, p.shape), labels, pred_probs)
    >>> records.compute()[:, 0].tolist()
    [(0, (2, 3)), (2, (2, 3)), (4, (1, 3))]
    """
    if not isinstance(labels, Rereading) and stored_of(labels) and stored_of(pred_probs):
        labels, pred_probs = reread(labels, pred_probs)  # read in the tasks that use the rows, pass 1 too
    whole = _whole_rows(labels, pred_probs, args)
    if whole is not None:
        return _wrapped(kernel(*whole, *((0,) if offset else ()), *args))
    if isinstance(labels, Rereading) and isinstance(pred_probs, Rereading):
        return _fused(kernel, labels, pred_probs, args, offset)
    # labels get trailing axes of one up to pred_probs' dimensions, so that
    # their blocks line up (only rows are chunked), and lose them in the task
    return da.map_blocks(
        _chunk_task,
        labels[(..., *(None,) * (pred_probs.ndim - labels.ndim))],
        pred_probs,
        *args,
        kernel=kernel,
        label_ndim=labels.ndim,
        with_offset=offset,
        chunks=((1,) * pred_probs.numblocks[0], (1,)),
        drop_axis=list(range(2, pred_probs.ndim)),
        dtype=object,
        meta=_OBJECTS,
    )


def _chunk_and_record_task(
    record: np.ndarray,
    labels: np.ndarray,
    pred_probs: np.ndarray,
    *args: Any,
    kernel: Callable[..., Any],
    flat_labels: bool,
    block_info: dict | None = None,
) -> np.ndarray:
    if flat_labels:
        labels = labels[:, 0]
    return _wrapped(kernel(record.flat[0], labels, pred_probs, block_info[1]["array-location"][0][0], *args))


def _read_for_record(record: Any, labels: Rereading, pred_probs: Rereading, kernel: Callable, *more: Any) -> Any:
    *args, start, stop = more
    return kernel(record, labels.rows(start, stop), pred_probs.rows(start, stop), start, *args)


def per_chunk_and_record(
    kernel: Callable[..., Any], records: da.Array, labels: da.Array, pred_probs: da.Array, *args: Any
) -> da.Array:
    """Records ``kernel(record, labels_chunk, pred_probs_chunk, row offset,
    *args)`` of each chunk's record in ``records`` and its rows (dask arrays,
    or :func:`~dlq.graphs.sources.reread` ones); ``args`` may hold ``Delayed`` values.

    Examples
    --------
    >>> labels, pred_probs = da.from_array(np.arange(5), chunks=2), da.ones((5, 3), chunks=(2, 3))
    >>> sizes = per_chunk(lambda y, p: len(y), labels, pred_probs, offset=False)
    >>> per_chunk_and_record(lambda n, y, p, start: (n, start), sizes, labels, pred_probs).compute()[:, 0].tolist()
    [(2, 0), (2, 2), (1, 4)]
    """
    if not is_lazy(records):
        whole = _whole_rows(*reread(labels, pred_probs), args)
        if whole is not None:
            return _wrapped(kernel(_each(records)[0], *whole, 0, *args))
    if isinstance(labels, Rereading) and isinstance(pred_probs, Rereading):  # each task reads its rows
        readers = tuple(rows_source(side, records) for side in (labels, pred_probs))
        return per_record(_read_for_record, records, args=(*readers, kernel, *args), rows=pred_probs.chunks[0])
    flat = labels.ndim == 1
    return da.map_blocks(
        _chunk_and_record_task,
        records,
        labels[:, None] if flat else labels,
        pred_probs,
        *args,
        kernel=kernel,
        flat_labels=flat,
        chunks=((1,) * pred_probs.numblocks[0], (1,)),
        dtype=object,
        meta=_OBJECTS,
    )


def _record_task(
    *records_and_args: Any, function: Callable[..., Any], n_records: int, bounds: Sequence[int] | None, block_info=None
) -> np.ndarray:
    records = [block.flat[0] for block in records_and_args[:n_records]]
    extra = ()
    if bounds is not None:
        chunk = block_info[None]["chunk-location"][0]
        extra = (bounds[chunk], bounds[chunk + 1])
    return _wrapped(function(*records, *records_and_args[n_records:], *extra))


def per_record(
    function: Callable[..., Any], *records: da.Array, args: tuple = (), rows: tuple[int, ...] | None = None
) -> da.Array:
    """Records ``function(*records_of_the_chunk, *args, [start, stop])``, one
    per chunk; ``args`` may hold ``Delayed`` values, computed once; with
    ``rows`` (the row chunks) the chunk's first row and last row + 1 follow.

    Examples
    --------
    >>> labels, pred_probs = da.from_array(np.arange(5), chunks=2), da.ones((5, 3), chunks=(2, 3))
    >>> sizes = per_chunk(lambda y, p: len(y), labels, pred_probs, offset=False)
    >>> scaled = per_record(lambda n, scale, start, stop: (n * scale, start), sizes, args=(10,), rows=(2, 2, 1))
    >>> scaled.compute()[:, 0].tolist()
    [(20, 0), (20, 2), (10, 4)]
    """
    bounds = None if rows is None else np.cumsum((0, *rows)).tolist()
    if computes_now(records, args):
        each = [_each(record) for record in records]
        values = [
            function(*chunk_records, *args, *(() if bounds is None else (bounds[chunk], bounds[chunk + 1])))
            for chunk, chunk_records in enumerate(zip(*each, strict=True))
        ]
        return _records(values, records[0].shape)
    return da.map_blocks(
        _record_task,
        *records,
        *args,
        function=function,
        n_records=len(records),
        bounds=bounds,
        dtype=object,
        meta=_OBJECTS,
    )


def _rows_task(*args: Any, function: Callable[..., Any], block_info=None) -> np.ndarray:
    start, stop = block_info[None]["array-location"][0]
    return function(*args, start, stop)


def per_rows(
    function: Callable[..., Any],
    rows: tuple[int, ...],
    dtype: Any,
    *args: Any,
    width: int | tuple[int, ...] | None = None,
) -> da.Array:
    """The array of row chunks ``rows`` (and ``width`` columns, or trailing
    shape, if given) whose chunk from ``start`` to ``stop`` is
    ``function(*args, start, stop)``; ``args`` may hold ``Delayed`` values.

    Examples
    --------
    >>> per_rows(lambda start, stop: np.arange(start, stop) * 2, (2, 3), int).tolist()  # in process
    [0, 2, 4, 6, 8]
    >>> from dlq.graphs.inprocess import lazy_graphs
    >>> with lazy_graphs():
    ...     per_rows(lambda start, stop: np.arange(start, stop) * 2, (2, 3), int).compute().tolist()
    [0, 2, 4, 6, 8]
    """
    chunks = _row_chunks(rows, width)
    if computes_now(args):
        bounds = np.cumsum((0, *rows)).tolist()
        return _joined_rows([function(*args, start, stop) for start, stop in itertools.pairwise(bounds)])
    return da.map_blocks(
        _rows_task, *args, function=function, chunks=chunks, dtype=dtype, meta=np.empty((0,) * len(chunks), dtype)
    )


def _block_task(block: np.ndarray, *args: Any, function: Callable[..., Any], block_info=None) -> np.ndarray:
    box = np.empty(1, dtype=object)
    box[0] = function(block, block_info[0]["array-location"][0][0], *args)
    return box


def per_block(function: Callable[..., Any], array: Any, *args: Any) -> Any:
    """Records ``function(block, first_row, *args)``, one per row chunk of
    ``array``, in an (n_chunks,) array; ``args`` may hold ``Delayed`` values.
    A computed ``array`` is one block.

    Examples
    --------
    >>> per_block(lambda block, start: (start, int(block.sum())), da.arange(5, chunks=2)).compute().tolist()
    [(0, 1), (2, 5), (4, 4)]
    """
    rows = None if is_lazy(args) else rows_in_hand(array)
    if rows is not None:
        return _records([function(rows, 0, *args)], (1,))
    return array.map_blocks(
        _block_task,
        *args,
        function=function,
        chunks=((1,) * array.numblocks[0],),
        dtype=object,
        meta=np.empty((0,), object),
    )


def field(records: da.Array, name: str) -> da.Array:
    """The records' attribute ``name``, one per chunk."""
    return per_record(attrgetter(name), records)


def as_rows(
    records: da.Array, rows: tuple[int, ...], dtype: Any, width: int | tuple[int, ...] | None = None
) -> da.Array:
    """The array whose row chunks are the records (numpy arrays of ``rows[i]``
    rows, and ``width`` columns if given, or the trailing shape ``width``).

    Examples
    --------
    >>> labels, pred_probs = da.from_array(np.arange(5), chunks=2), da.ones((5, 3), chunks=(2, 3))
    >>> as_rows(per_chunk(lambda y, p: y * 2, labels, pred_probs, offset=False), (2, 2, 1), int).compute().tolist()
    [0, 2, 4, 6, 8]
    """
    if computes_now(records):
        return _joined_rows(_each(records))
    chunks, meta = _row_chunks(rows, width), np.empty((0,) * (1 + len(np.atleast_1d(width or ()))), dtype)
    axes = {"drop_axis": 1} if len(chunks) == 1 else {"new_axis": list(range(2, len(chunks)))}
    return da.map_blocks(_unwrapped, records, chunks=chunks, dtype=dtype, meta=meta, **axes)


def _row_chunks(rows: tuple[int, ...], width: int | tuple[int, ...] | None) -> tuple[tuple[int, ...], ...]:
    return (rows, *((size,) for size in np.atleast_1d(width or ()).tolist()))


def _joined_rows(blocks: list[np.ndarray]) -> np.ndarray:  # as computing their dask array would give them
    return blocks[0] if len(blocks) == 1 else np.concatenate(blocks)


def _unwrapped(block: np.ndarray) -> Any:
    return block.flat[0]


def _leaves_combined(combine: Callable[[list[Any]], Any], part: str | None, *blocks: np.ndarray) -> Any:
    records = [block.flat[0] for block in blocks]
    return combine(records if part is None else [getattr(record, part) for record in records])


def _combined(combine: Callable[[list[Any]], Any], *values: Any) -> Any:
    return combine(list(values))


def tree(records: da.Array, combine: Callable[[list[Any]], Any], *, part: str | None = None) -> Delayed:
    """``combine`` applied to lists of records (or of their attribute
    ``part``), then to lists of its results, ``SPLIT_EVERY`` at a time, down
    to one value; ``combine`` must be associative. The first level takes the
    records themselves, so a tree adds no task per chunk beyond one per
    ``SPLIT_EVERY`` chunks.

    Examples
    --------
    >>> labels, pred_probs = da.from_array(np.arange(5), chunks=1), da.ones((5, 3), chunks=(1, 3))
    >>> tree(per_chunk(lambda y, p: int(y.sum()), labels, pred_probs, offset=False), sum).compute()
    10
    """
    if computes_now(records):  # each step computes at once
        values = _each(records)
        parts = values if part is None else [getattr(value, part) for value in values]
        return reduced([combine(group) for group in _groups(parts)], combine)
    blocks = list(records.to_delayed(optimize_graph=False).ravel())
    return reduced([step(_leaves_combined, combine, part, *group) for group in _groups(blocks)], combine)


def reduced(values: list[Any], combine: Callable[[list[Any]], Any]) -> Any:
    """:func:`tree` of ``values`` themselves (``Delayed`` or not)."""
    level = values
    while len(level) > 1:
        level = [step(_combined, combine, *group) for group in _groups(level)]
    return level[0]


def _groups(items: list[Any]) -> list[list[Any]]:
    return [items[start : start + SPLIT_EVERY] for start in range(0, len(items), SPLIT_EVERY)]


def step(function: Callable[..., Any], *args: Any, **kwargs: Any) -> Delayed:
    """One task, ``function(*args, **kwargs)``, after the ``Delayed`` among them."""
    if computes_now(args, kwargs):
        return function(*args, **kwargs)
    return dask.delayed(function, pure=True)(*args, **kwargs)


def sum_arrays(parts: list[np.ndarray]) -> np.ndarray:
    """Element-wise sum of equally shaped arrays (a combine for :func:`tree`)."""
    return np.sum(parts, axis=0)


def concatenated(parts: list[np.ndarray]) -> np.ndarray:
    """The arrays one after another (a combine for :func:`tree`)."""
    return np.concatenate(parts)
