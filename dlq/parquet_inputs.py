"""Parquet inputs of the ``dlq`` command as dask arrays, read by dask.dataframe."""

from __future__ import annotations

from functools import partial
from typing import Any

import dask.array as da
import numpy as np

from dlq.class_lists import class_lists_to_rows


def read_parquet(path: str, *, name: str, num_classes: int | None, class_lists: bool) -> da.Array:
    """A Parquet input as a dask array, a column at a time and never whole:
    one float column per class, one column of numbers, or one column of
    lists (probabilities, or with ``class_lists`` multi-label class indices
    expanded to binary rows of ``num_classes``)."""
    import dask.dataframe as dd
    from dask import delayed

    frame = dd.read_parquet(path)
    columns = list(frame.columns)
    if len(columns) > 1:  # one float column per class
        return frame.to_dask_array(lengths=True)
    column = frame[columns[0]]
    first = column.head(1)
    if first.empty or not hasattr(first.iloc[0], "__len__"):
        return column.to_dask_array(lengths=True)
    lengths = column.map_partitions(len).compute().tolist()
    if class_lists:
        if num_classes is None:
            raise ValueError(f"{name}: the number of classes is needed to read class lists")
        convert, width, dtype = partial(_class_lists_block, num_classes=num_classes), num_classes, np.dtype(bool)
    else:
        convert, width, dtype = _stacked_rows, len(first.iloc[0]), np.dtype(np.asarray(first.iloc[0]).dtype)
    blocks = [
        da.from_delayed(delayed(convert)(part), shape=(n, width), dtype=dtype)
        for part, n in zip(column.to_delayed(), lengths, strict=True)
        if n
    ]
    return da.concatenate(blocks)


def _stacked_rows(series: Any) -> np.ndarray:
    return np.stack([np.asarray(row) for row in series])


def _class_lists_block(series: Any, *, num_classes: int) -> np.ndarray:
    rows = [list(row) for row in series]
    return class_lists_to_rows(rows, num_classes)[:, :]
