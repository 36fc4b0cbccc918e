"""Any supported input to dask arrays whose row chunks line up.

Shapes and dtypes are checked here, once, at the boundary; values (ranges,
finiteness) are checked during pass 1 so that checking costs no extra read.
"""

from __future__ import annotations

import os
import uuid
from typing import Any

import dask
import dask.array as da
import dask.array.core as dask_array_core
import numpy as np
from dask.array.core import normalize_chunks

from dlq._validation.checks import check_integer
from dlq.io.class_lists import SparseRows, class_lists_to_rows
from dlq.io.input_values import NpyFile, in_dtype, numpy_values
from dlq.io.marks import joined, joined_rows, read_by_its_tasks
from dlq.io.paths import open_source
from dlq.io.zarr_inputs import ZarrInput, zarr_input

#: Size of a pred_probs chunk chosen when the input does not impose one.
TARGET_CHUNK_BYTES = 16 * 2**20
#: ... and when it is an array in memory already, whose chunks are views:
#: a task then holds its chunk's temporaries only, a few bytes a row.
IN_MEMORY_CHUNK_BYTES = 64 * 2**20
#: Arrays in memory up to this size are read by the tasks that use their rows.
IN_TASK_BYTES = 256 * 2**20
#: Smallest chunk chosen when spreading a small array over the cores.
MIN_CHUNK_BYTES = 2**20


class InMemoryArray:
    """A numpy array that ``dask.array.from_array`` slices without copying.

    dask copies array-like inputs whole, to guard against later mutation;
    dlq only reads its inputs, and a copy of a large pred_probs would double
    memory and cost a full pass.
    """

    def __init__(self, array: np.ndarray):
        self.array = array
        self.shape = array.shape
        self.dtype = array.dtype
        self.ndim = array.ndim

    def __getitem__(self, item: Any) -> np.ndarray:
        return self.array[item]


def _is_h5py_dataset(x: Any) -> bool:
    return type(x).__module__.startswith("h5py") and type(x).__name__ == "Dataset"


def _is_zarr_array(x: Any) -> bool:
    return isinstance(x, ZarrInput) or (type(x).__module__.startswith("zarr") and hasattr(x, "chunks"))


def _rows_per_chunk(
    shape: tuple[int, ...], itemsize: int, storage_rows: int | None, target_bytes: int = TARGET_CHUNK_BYTES
) -> int:
    row_bytes = max(1, int(np.prod(shape[1:], dtype=np.int64)) * itemsize)
    rows = max(1, target_bytes // row_bytes)
    # an array of less than a few full chunks is still spread over every core
    spread = -(-shape[0] // (2 * (os.cpu_count() or 1)))
    rows = min(rows, max(spread, MIN_CHUNK_BYTES // row_bytes, 1))
    if storage_rows:
        rows = max(storage_rows, rows // storage_rows * storage_rows)
    return int(min(rows, max(shape[0], 1)))


def _dask_rows(array: da.Array, chunk_rows: int | tuple[int, ...] | None) -> da.Array:
    """``array`` in row chunks ``chunk_rows`` (by default its own, or runs of
    small ones joined), whole along its other axes."""
    sizes = array.chunks[0]
    if chunk_rows is None:
        target = _rows_per_chunk(array.shape, array.dtype.itemsize, None)
        joining = dask.config.get("dlq.join-small-chunks", True) and 2 * array.shape[0] <= target * len(sizes)
        chunk_rows = joined_rows(sizes, target) if joining else sizes
    rows = normalize_chunks((chunk_rows,), (array.shape[0],))[0]
    if rows == sizes and all(len(axis) == 1 for axis in array.chunks[1:]):
        return array
    # a later pass rechunks its own copy of ``array`` (dask cannot optimise a copy of a rechunk)
    return joined(array, rows)


def open_array(source: Any, *, name: str, chunk_rows: int | tuple[int, ...] | None = None) -> da.Array:
    """Open ``source`` as a dask array chunked along rows only.

    Parameters
    ----------
    source : array-like, dask array, zarr array, h5py dataset or path
        A path is told apart as the command tells its inputs
        (:func:`dlq.io.paths.open_source`): ``.npy`` is memory-mapped,
        ``FILE.h5:/dataset`` is an HDF5 dataset, Parquet is read a row group
        at a time, and anything else is a zarr store (path or fsspec URL).
    name : str
        What the array is called in error messages.
    chunk_rows : int or tuple of int, optional
        Rows per chunk, or the row chunks themselves. By default a dask array
        keeps its chunks, unless they hold less than half of about 16 MiB of
        pred_probs on average: runs of them are then joined, whole, into
        about that much (dask's config ``dlq.join-small-chunks: False``
        keeps them); an array stored in chunks (zarr, HDF5) gets a multiple
        of its stored chunk, an array in memory about 64 MiB per chunk
        (views: a task holds only its chunk's temporaries), and anything
        else about 16 MiB per chunk; fewer rows spread a small array over
        every core.

    Notes
    -----
    A zarr array is read read-only, and never as data where a chunk is
    missing or damaged: zarr would read a chunk its store does not hold as
    the fill value. Missing chunks are looked for in one listing of the
    store's keys, here, and by every read. A missing chunk of pred_probs is
    always a ValueError; one of labels (or of any input but pred_probs) is a
    ValueError too unless dask's config ``dlq.missing-label-chunks`` is
    ``"fill"`` (``"error"`` by default) when the array is opened: it is then
    read as the fill value, as zarr leaves a chunk of fill values unwritten
    (``write_empty_chunks=False``). A chunk that does not decode is a
    ValueError naming the input, the chunk and its rows.

    Examples
    --------
    >>> open_array(np.zeros((10, 3)), name="pred_probs", chunk_rows=4).chunks
    ((4, 4, 2), (3,))
    >>> open_array(da.zeros((200_000, 10), chunks=(1_000, 10)), name="pred_probs").chunks[0]
    (50000, 50000, 50000, 50000)
    """
    refuse_query_planning()
    if chunk_rows is not None and not isinstance(chunk_rows, tuple):
        chunk_rows = check_integer(chunk_rows, "chunk_rows", minimum=1)
    source = array_like(source, name=name)
    if isinstance(source, ZarrInput):
        source.refuse_missing_chunks()
    if isinstance(source, da.Array):
        return _dask_rows(source, chunk_rows)
    if not source.shape:
        raise ValueError(f"{name} is one value (shape ()), not an array of a row per example; give an array")
    stored_in_chunks = _is_zarr_array(source) or _is_h5py_dataset(source)
    if chunk_rows is None:
        storage_rows = source.chunks[0] if stored_in_chunks and source.chunks else None
        in_memory = isinstance(source, InMemoryArray)
        target = IN_MEMORY_CHUNK_BYTES if in_memory else TARGET_CHUNK_BYTES
        chunk_rows = _rows_per_chunk(source.shape, source.dtype.itemsize, storage_rows, target)
    chunks = (chunk_rows, *tuple(source.shape[1:]))
    one_chunk = len(chunk_rows) == 1 if isinstance(chunk_rows, tuple) else chunk_rows >= source.shape[0]
    if isinstance(source, InMemoryArray) and one_chunk:
        array = _one_block(source.array)
    else:
        array = da.from_array(source, chunks=chunks, lock=_is_h5py_dataset(source), name=False)
    small = isinstance(source, InMemoryArray) and source.array.nbytes <= IN_TASK_BYTES
    if small or isinstance(source, (NpyFile, SparseRows)) or _is_zarr_array(source):
        # later passes read these in the tasks that use the rows (a small array
        # in memory, such as labels, goes to each worker once); a large one in
        # memory is sliced without a copy, and HDF5 datasets do not travel
        return read_by_its_tasks(array, source)
    return array


def _one_block(values: np.ndarray) -> da.Array:
    """``values`` as a dask array of one block, the array itself: what
    ``da.from_array`` makes of it, in a few microseconds instead of a
    millisecond (what a small input's whole scan takes)."""
    name = f"array-{uuid.uuid4().hex}"
    chunks = tuple((size,) for size in values.shape)
    return da.Array({(name,) + (0,) * values.ndim: values}, name, chunks, meta=values[:0])


#: The public pieces of dask.array that dlq's graphs are made of; dask's
#: query-planned arrays (``array.query-planning``) do not have them all yet.
DASK_PIECES_NEEDED = (
    "Array.to_delayed",
    "graph_manipulation.clone",
    "Delayed arguments of map_blocks",
)


def refuse_query_planning() -> None:
    """Stop with one clear sentence when dask's array query planning is on.

    dlq builds its graphs from dask's classic array pieces; the query-planned
    arrays of dask 2026.7 lack some of them (see :data:`DASK_PIECES_NEEDED`).
    """
    if da.Array is not dask_array_core.Array:
        raise RuntimeError(
            "dlq does not run on dask's query-planned arrays yet: the setting array.query-planning "
            "(DASK_ARRAY__QUERY_PLANNING) is on, and they lack " + ", ".join(DASK_PIECES_NEEDED) + "; "
            "unset it, or set DASK_ARRAY__QUERY_PLANNING=False before dask is imported"
        )


def _is_dask_dataframe(x: Any) -> bool:
    return type(x).__module__.startswith("dask") and hasattr(x, "to_dask_array") and hasattr(x, "npartitions")


def array_like(source: Any, *, name: str) -> Any:
    """``source`` as an object with shape, dtype and row slicing, nothing read:
    paths are opened, dask, zarr, HDF5 and dlq's own arrays kept, a
    dask.dataframe made an array with its partitions' lengths (which
    Parquet's metadata usually tells), anything else converted by
    ``numpy.asarray``. A dask array of unknown chunk sizes is the exception:
    finding them computes its chunks once."""
    if isinstance(source, (str, os.PathLike)):
        return _open_path(os.fspath(source), name)
    if _is_dask_dataframe(source):
        return source.to_dask_array(lengths=True)
    if isinstance(source, da.Array) and any(np.isnan(size) for axis in source.chunks for size in axis):
        return source.compute_chunk_sizes()  # a pass over its chunks, keeping only their lengths
    if isinstance(source, (da.Array, NpyFile, SparseRows, InMemoryArray)):
        return source
    if _is_zarr_array(source):
        return zarr_input(source, name=name)
    if _is_h5py_dataset(source):
        if not source.id.valid:
            raise ValueError(f"{name} is a dataset of an HDF5 file that has been closed; open the file again")
        return source
    return InMemoryArray(numpy_values(source, name=name))


def _open_path(path: str, name: str) -> Any:
    """The input at ``path``, told apart as the command tells its inputs
    (:func:`dlq.io.paths.open_source`); a pred_probs Parquet input is its
    float columns, refused when it holds others."""
    source = open_source(path, name=name, probabilities=name.startswith("pred_probs"))
    if not isinstance(source, str):  # an HDF5 dataset or a Parquet input
        return array_like(source, name=name)
    if path.endswith(".npy"):
        if not os.path.exists(path):
            raise FileNotFoundError(f"{name}: no such .npy file: {path!r}")
        if os.path.isdir(path):
            raise ValueError(f"{name}: {path} is a folder, not a .npy file; give the file (or a zarr store's path)")
        return NpyFile(path)
    import zarr

    try:
        opened = zarr.open_array(path, mode="r")
    except Exception as error:
        raise ValueError(
            f"{name}: could not open {path!r} as a zarr array ({error}); "
            "give a .npy file, a zarr array store, FILE.h5:/dataset, Parquet or an array object"
        ) from error
    return zarr_input(opened, name=name, where=path)


def checked_pred_probs(pred_probs: da.Array) -> da.Array:
    """pred_probs, refused if its shape or dtype cannot be class
    probabilities (:func:`probabilities_in_float_dtype`)."""
    if pred_probs.ndim != 2:
        raise ValueError(f"pred_probs must be 2-D with shape (N, K); got shape {pred_probs.shape}")
    if pred_probs.shape[0] == 0:
        raise ValueError("pred_probs has no rows: there is nothing to scan")
    if pred_probs.shape[1] < 2:
        raise ValueError(f"pred_probs must have at least 2 columns (classes); got shape {pred_probs.shape}")
    return probabilities_in_float_dtype(pred_probs)


def probabilities_in_float_dtype(pred_probs: da.Array) -> da.Array:
    """pred_probs in a float dtype dlq computes in, refused if not floats:
    float16 is computed in float32, and floats of the other byte order in
    this machine's, a chunk at a time."""
    if pred_probs.dtype.kind == "f" and pred_probs.dtype.itemsize == 2:
        return in_dtype(pred_probs, np.float32)
    if pred_probs.dtype.kind == "f" and pred_probs.dtype.itemsize in (4, 8):
        return in_dtype(pred_probs, pred_probs.dtype.newbyteorder("="))
    raise TypeError(
        f"pred_probs must be float16, float32 or float64; got dtype {pred_probs.dtype}. "
        "Convert it with .astype('float32')"
    )


def check_labels(labels: Any, n_rows: int) -> None:
    """Refuse labels that are not one integer class per example."""
    if labels.ndim != 1:
        raise ValueError(
            f"labels must be 1-D with one integer class per example; got shape {labels.shape}. "
            "For multi-label data use dlq.multilabel (the command's --multilabel)"
        )
    check_label_dtype(labels)
    if labels.shape[0] != n_rows:
        raise ValueError(
            f"labels and pred_probs must have the same number of rows; "
            f"got {labels.shape[0]} labels and {n_rows} rows of pred_probs"
        )


def check_label_dtype(labels: Any) -> None:
    """Refuse labels that are not integers (class indices)."""
    if labels.dtype.kind in "USO":
        raise TypeError(
            f"labels must be integers (class indices); got dtype {labels.dtype}, such as class names or missing "
            "values: number the names 0..K-1 in pred_probs' column order, e.g. with "
            "[class_names.index(name) for name in labels] (the dlq command does this with --class-names)"
        )
    if labels.dtype.kind not in "iu":
        raise TypeError(
            f"labels must be integers (class indices); got dtype {labels.dtype}. Map class names to 0..K-1 first, "
            "or convert whole numbers with .astype(np.int64)"
        )


def open_inputs(labels: Any, pred_probs: Any, *, chunk_rows: int | None = None) -> tuple[da.Array, da.Array]:
    """Open labels (N,) and pred_probs (N, K) as dask arrays with equal row chunks.

    Examples
    --------
    >>> y, p = open_inputs([0, 1, 1], np.eye(3, 2), chunk_rows=2)
    >>> y.chunks, p.chunks
    (((2, 1),), ((2, 1), (2,)))
    """
    pred_probs = checked_pred_probs(open_array(pred_probs, name="pred_probs", chunk_rows=chunk_rows))
    labels = array_like(labels, name="labels")
    check_labels(labels, pred_probs.shape[0])
    # read in pred_probs' row chunks directly: a rechunk would read labels in
    # their own chunks and hold the pieces until both passes have used them
    opened = open_array(labels, name="labels", chunk_rows=pred_probs.chunks[0])
    # uint64 and int64 compute in float64, which cannot index
    native = np.dtype(np.int64) if opened.dtype.kind == "u" and opened.dtype.itemsize == 8 else opened.dtype
    return in_dtype(opened, native.newbyteorder("=")), pred_probs


def _is_list_of_lists(labels: Any) -> bool:
    """Whether ``labels`` are lists of class indices: a list or tuple with a
    row that is a sequence (any other row is refused by its index later)."""
    return isinstance(labels, (list, tuple)) and any(isinstance(row, (list, tuple, np.ndarray)) for row in labels)


def open_multilabel_inputs(labels: Any, pred_probs: Any, *, chunk_rows: int | None = None) -> tuple[da.Array, da.Array]:
    """Open multi-label labels and pred_probs (N, K) as dask arrays with equal row chunks.

    Labels may be a list of class-index lists (cleanlab's format), a
    ``scipy.sparse`` matrix, or a binary (N, K) array of any kind that
    :func:`open_array` reads. Lists and sparse matrices are expanded to dense
    binary one chunk at a time.

    Examples
    --------
    >>> y, p = open_multilabel_inputs([[1], [0, 2]], np.full((2, 3), 0.5))
    >>> y.compute().astype(int).tolist()
    [[0, 1, 0], [1, 0, 1]]
    """
    pred_probs = checked_pred_probs(open_array(pred_probs, name="pred_probs", chunk_rows=chunk_rows))
    n_rows, num_classes = pred_probs.shape
    return open_multilabel_labels(labels, num_classes, n_rows=n_rows, chunk_rows=pred_probs.chunks[0]), pred_probs


def open_multilabel_labels(
    labels: Any, num_classes: int, *, n_rows: int | None = None, chunk_rows: tuple[int, ...] | None = None
) -> da.Array:
    """Open multi-label labels of ``num_classes`` classes (and ``n_rows``
    rows, when known) as a binary (N, K) dask array, in row chunks
    ``chunk_rows`` if given; see :func:`open_multilabel_inputs`.

    Examples
    --------
    >>> open_multilabel_labels([[1], [0, 2]], 3).compute().astype(int).tolist()
    [[0, 1, 0], [1, 0, 1]]
    """
    if isinstance(labels, (str, os.PathLike)):  # a Parquet column of lists holds class lists
        labels = open_source(os.fspath(labels), name="labels", num_classes=num_classes, class_lists=True)
    if _is_list_of_lists(labels):
        labels = class_lists_to_rows(labels, num_classes)
    elif hasattr(labels, "tocsr"):
        matrix = labels.tocsr(copy=True)
        matrix.eliminate_zeros()
        if matrix.shape != (matrix.shape[0] if n_rows is None else n_rows, num_classes):
            raise ValueError(f"labels has shape {matrix.shape}; pred_probs has {n_rows} rows of {num_classes} classes")
        labels = SparseRows(matrix.indptr.astype(np.int64), matrix.indices.astype(np.int64), num_classes)
    labels = array_like(labels, name="labels")
    expected = (labels.shape[0] if n_rows is None else n_rows, num_classes)
    if labels.shape != expected:
        raise ValueError(
            f"multi-label labels must be class-index lists or a binary array of pred_probs' shape {expected}; "
            f"got shape {labels.shape}"
        )
    if labels.dtype.kind not in "biu":
        raise TypeError(f"multi-label labels must be binary indicators (bool or integers); got dtype {labels.dtype}")
    return open_array(labels, name="labels", chunk_rows=chunk_rows)
