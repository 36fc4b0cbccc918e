"""Input values read as what they are, or refused in one line.

Arrays whose dtype dlq's kernels do not compute in (uint64, another byte
order, float16) are cast a chunk at a time; pandas' nullable arrays become
numpy arrays once their nulls are refused; the command's labels stored as
integral floats or as class names become class indices after one read of
the labels that finds the first row that is neither. ``.npy`` files are
read through a memory map, or refused saying why numpy cannot map them.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from itertools import repeat
from typing import Any

import dask.array as da
import numpy as np

from dlq.io.marks import joined, joined_source, read_by_its_tasks, stored_source


def in_dtype(array: da.Array, dtype: Any) -> da.Array:
    """``array`` cast to ``dtype`` a chunk at a time, read by later passes
    as ``array`` is (from its source, or joined from its chunks).

    Examples
    --------
    >>> in_dtype(da.ones(4, dtype=">u8", chunks=2), np.int64).dtype
    dtype('int64')
    """
    dtype = np.dtype(dtype)
    if array.dtype == dtype:
        return array
    stored, joining = stored_source(array), joined_source(array)
    if joining is not None:  # cast the chunks before joining them, as a later pass will
        return joined(joining.source.astype(dtype), joining.rows)
    cast = array.astype(dtype)
    return cast if stored is None else read_by_its_tasks(cast, stored.source, dtype=dtype)


def numpy_values(source: Any, *, name: str) -> np.ndarray:
    """``source`` as a numpy array; a pandas array or Series of a nullable
    dtype (``Int64``, ``Float64``, ``boolean``, ``string``) is refused if it
    holds a null, naming its row, and is otherwise its values in numpy's
    dtype, where ``numpy.asarray`` would make objects or floats.

    Examples
    --------
    >>> import pandas as pd
    >>> numpy_values(pd.array([2, 0], dtype="Int64"), name="labels").dtype
    dtype('int64')
    >>> numpy_values(pd.array([2, None], dtype="Int64"), name="labels")
    Traceback (most recent call last):
    ...
    ValueError: labels[1] is null (missing); give every example a value, or drop that row from every input
    """
    dtype = getattr(source, "dtype", None)
    if hasattr(source, "__next__"):
        raise TypeError(f"{name} is an iterator ({type(source).__name__}), read once; give a list or an array")
    if hasattr(source, "tocsr"):
        raise TypeError(
            f"{name} is a sparse matrix; give a dense array (multi-label labels may be sparse: use dlq.multilabel)"
        )
    if type(source).__module__.split(".")[0] in ("zarr", "h5py") and hasattr(source, "keys"):
        raise TypeError(f"{name} is a group of arrays ({type(source).__name__}), not an array; give one of its arrays")
    if not type(dtype).__module__.startswith("pandas") or not hasattr(source, "isna"):
        try:
            return np.asarray(source)
        except ValueError:  # rows of different lengths
            lengths = [len(row) if hasattr(row, "__len__") else None for row in source]
            row = next(index for index, length in enumerate(lengths) if length != lengths[0])
            raise ValueError(
                f"{name}[{row}] holds {lengths[row]} value(s) where {name}[0] holds {lengths[0]}: every row must "
                "hold one value per class; fix or drop that row from every input"
            ) from None
    missing = np.asarray(source.isna())
    if missing.any():
        raise ValueError(null_row(name, int(np.argmax(missing))))
    numpy_dtype = getattr(dtype, "numpy_dtype", None)
    return source.to_numpy(dtype=numpy_dtype) if numpy_dtype is not None else np.asarray(source)


def null_row(name: str, row: int) -> str:
    """The message refusing a missing value of input ``name`` at ``row``.

    Examples
    --------
    >>> null_row("labels", 3)[:30]
    'labels[3] is null (missing); g'
    """
    return f"{name}[{row}] is null (missing); give every example a value, or drop that row from every input"


def npy_problem(path: str) -> str:
    """Why numpy cannot memory-map the ``.npy`` file at ``path``: Python
    objects, or a file shorter than its header says (cut off while being
    written or copied), or no header at all.

    Examples
    --------
    >>> import tempfile
    >>> path = os.path.join(tempfile.mkdtemp(), "cut.npy")
    >>> np.save(path, np.zeros((4, 2)))
    >>> _ = os.truncate(path, os.path.getsize(path) - 8)
    >>> npy_problem(path).split(": its")[0][-20:]
    'cut.npy is truncated'
    """
    try:
        with open(path, "rb") as file:
            version = np.lib.format.read_magic(file)
            read_header = (
                np.lib.format.read_array_header_1_0 if version == (1, 0) else np.lib.format.read_array_header_2_0
            )
            shape, _, dtype = read_header(file)
            data_starts = file.tell()
    except (ValueError, OSError, SyntaxError) as error:
        return f"{path} is not a readable .npy file: its header is damaged ({error}); write it again"
    if dtype.hasobject:
        return f"{path} holds Python objects, which dlq never unpickles; save a numeric array instead"
    expected = data_starts + int(np.prod(shape, dtype=np.int64)) * dtype.itemsize
    size = os.path.getsize(path)
    return (
        f"{path} is truncated: its header says shape {shape} of {dtype} ({expected:,} bytes) but the file "
        f"holds {size:,}; it was cut off while being written or copied: write it again"
    )


class NpyFile:
    """A ``.npy`` file read lazily through a memory map.

    Unlike a ``numpy.memmap``, it pickles as its path, so a task sent to a
    worker process opens the file there instead of carrying its bytes.
    """

    def __init__(self, path: str | os.PathLike):
        self.path = os.fspath(path)
        try:
            header = np.load(self.path, mmap_mode="r", allow_pickle=False)
        except ValueError as error:  # Python objects, which numpy maps only with pickle, or a damaged file
            raise ValueError(npy_problem(self.path)) from error
        self.shape = header.shape
        self.dtype = header.dtype
        self.ndim = header.ndim

    def __getitem__(self, item: Any) -> np.ndarray:
        return np.array(np.load(self.path, mmap_mode="r", allow_pickle=False)[item])

    def __repr__(self) -> str:
        return f"NpyFile({self.path!r}, shape={self.shape}, dtype={self.dtype})"


def first_row_where(array: da.Array, is_bad: Callable[[np.ndarray], np.ndarray]) -> int | None:
    """The first row of the 1-D ``array`` where ``is_bad`` (of a chunk's
    values, a boolean per row) is true, found in one read; None if none.

    Examples
    --------
    >>> first_row_where(da.arange(10, chunks=3), lambda rows: rows % 4 == 3)
    3
    """
    firsts = array.map_blocks(
        lambda rows: np.array([np.argmax(bad) if (bad := is_bad(rows)).any() else -1]),
        chunks=((1,) * array.numblocks[0],),
        dtype=np.int64,
    ).compute()
    starts = np.cumsum((0, *array.chunks[0][:-1]))
    found = starts[firsts >= 0] + firsts[firsts >= 0]
    return int(found[0]) if found.size else None


def integral_labels(labels: da.Array) -> da.Array:
    """Float labels as int64 class indices, if every one is a whole number
    (Parquet stores pandas' integers with nulls as floats); a null (NaN) or
    a fraction is refused naming its row.

    Examples
    --------
    >>> integral_labels(da.from_array(np.array([1.0, 0.0]))).compute().tolist()
    [1, 0]
    """
    row = first_row_where(labels, lambda rows: ~np.isfinite(rows) | (rows != np.round(rows)))
    if row is not None:
        value = float(labels[row].compute())
        if np.isnan(value):
            raise ValueError(null_row("labels", row))
        raise ValueError(
            f"labels[{row}] is {value}, not a class index: labels stored as floats must all be whole numbers; "
            "fix that row, or store the labels as integers"
        )
    return labels.map_blocks(lambda rows: rows.astype(np.int64), dtype=np.int64)


def named_labels(labels: da.Array, class_names: Sequence[str] | None) -> da.Array:
    """Labels given as class names, as int64 indices into ``class_names``
    (pred_probs' column order); refused without class names, and at the
    first row that is not one of them.

    Examples
    --------
    >>> named_labels(da.from_array(np.array(["dog", "cat"])), ["cat", "dog"]).compute().tolist()
    [1, 0]
    """
    if class_names is None:
        raise ValueError(
            "labels are class names (strings), but there are no class names to number them by: give them in "
            "pred_probs' column order with --class-names (a file of one name a line, or a comma list), or store "
            "them with pred_probs"
        )
    seen: dict[str, int] = {}
    for index, name in enumerate(class_names):
        if name in seen:
            raise ValueError(
                f"labels are class names, but class {seen[name]} and class {index} are both named {name!r}: "
                "a label of that name could be either; give every class its own name"
            )
        seen[name] = index
    order = np.argsort(np.asarray(class_names, dtype=str))
    known = np.asarray(class_names, dtype=str)[order]

    def positions(rows: np.ndarray) -> np.ndarray:
        is_text = np.fromiter(map(isinstance, rows, repeat(str)), bool, rows.shape[0]) if rows.dtype == object else 1
        texts = np.where(is_text, rows, "").astype(str)
        found = np.minimum(np.searchsorted(known, texts), known.size - 1)
        return np.where(is_text & (known[found] == texts), order[found], -1)

    row = first_row_where(labels, lambda rows: positions(rows) < 0)
    if row is not None:
        value = labels[row].compute()
        if value is None or type(value).__name__ == "NAType" or (isinstance(value, float) and np.isnan(value)):
            raise ValueError(null_row("labels", row))
        raise ValueError(
            f"labels[{row}] is {value!r}, which is not one of the {len(class_names)} class names "
            f"({', '.join(map(repr, list(class_names)[:5]))}{', ...' if len(class_names) > 5 else ''}); "
            "fix that row, or give every class name with --class-names"
        )
    return labels.map_blocks(positions, dtype=np.int64)
