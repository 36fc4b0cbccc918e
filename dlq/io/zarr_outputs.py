"""Zarr groups an output is written to: created at once and marked as
dlq's, replacing only a group dlq wrote, and filled a block at a time by
the tasks that compute the blocks."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from dlq.io.outputs import output_holding, refuse_working_directory


def output_group(store: Any, *, overwrite: bool, name: str = "store") -> Any:
    """Create the zarr group an output is written to, marked as dlq's
    (attribute ``written_by``): a new group, or with ``overwrite`` one that
    replaces an earlier group of dlq's; anything else already there is
    refused, and so are the current directory and its parents.

    Examples
    --------
    >>> import tempfile
    >>> store = tempfile.mkdtemp() + "/scan.zarr"
    >>> output_group(store, overwrite=False).attrs["written_by"]
    'dlq'
    >>> output_group(store, overwrite=True).attrs["written_by"]
    'dlq'
    >>> folder = tempfile.mkdtemp()
    >>> _ = open(folder + "/notes.txt", "w").write("mine")
    >>> output_group(folder, overwrite=True)
    Traceback (most recent call last):
    ...
    FileExistsError: store ... holds data that dlq did not write...
    """
    import zarr

    local = isinstance(store, (str, os.PathLike)) and "://" not in os.fspath(store)
    if local:
        inside = output_holding(Path(os.path.abspath(store)))
        if inside is not None:
            raise FileExistsError(f"{name} {store} lies inside {inside}, an output of dlq; choose a place outside it")
    if not overwrite and _anything_at(store):
        raise FileExistsError(
            f"{name} {store} already exists; choose another, or pass overwrite=True to replace an earlier output of dlq"
        )
    if overwrite:
        if local:
            refuse_working_directory(Path(store), name)
        try:
            written_by = zarr.open_group(store, mode="r").attrs.get("written_by")
        except (FileNotFoundError, ValueError):  # no group there: nothing, or something else
            written_by = None if _anything_at(store) else "dlq"
        if written_by != "dlq":
            raise FileExistsError(
                f"{name} {store} holds data that dlq did not write; dlq replaces only what it wrote itself "
                "(a zarr group marked written_by dlq). Choose another, or remove it yourself"
            )
    group = zarr.open_group(store, mode="w" if overwrite else "w-")
    group.attrs["written_by"] = "dlq"
    return group


def _anything_at(store: Any) -> bool:
    """Whether a path, URL or zarr store holds anything already."""
    import zarr

    if isinstance(store, (str, os.PathLike)):
        import fsspec

        filesystem, path = fsspec.core.url_to_fs(os.fspath(store))
        return bool(filesystem.exists(path))
    try:
        zarr.open(store, mode="r")
    except FileNotFoundError:
        return False
    return True


def written_group(store: Any) -> Any:
    """The zarr group dlq wrote at ``store``, opened read-only.

    Examples
    --------
    >>> import tempfile
    >>> store = tempfile.mkdtemp() + "/out.zarr"
    >>> _ = output_group(store, overwrite=False)
    >>> written_group(store).attrs["written_by"]
    'dlq'
    """
    import zarr

    return zarr.open_group(store, mode="r")


@dataclass(frozen=True)
class OwnRows:
    """A dask array for :meth:`dlq.result.Scan.to_zarr` to write beside the
    scan's own, in zarr chunks of its largest chunk, though its rows are not
    the scan's examples (one per sentence of a token scan, say)."""

    array: Any


def array_writes(group: Any, written: dict[str, Any], chunk: int) -> tuple[Any, ...]:
    """Lazy writes of row-aligned dask arrays into new arrays of a zarr
    ``group`` by name, in zarr chunks of ``chunk`` rows: each array is
    rechunked so that every one of its chunks covers whole zarr chunks, and
    writes never overlap. One (1, ...) True block per chunk written.

    Examples
    --------
    >>> import dask.array as da, tempfile, zarr
    >>> group = zarr.open_group(tempfile.mkdtemp() + "/out.zarr", mode="w")
    >>> (write,) = array_writes(group, {"scores": da.arange(5, chunks=2) / 10}, 2)
    >>> bool(write.all().compute()), group["scores"][:].tolist()
    (True, [0.0, 0.1, 0.2, 0.3, 0.4])
    """
    sources = [array.rechunk({0: chunk, **{axis: -1 for axis in range(1, array.ndim)}}) for array in written.values()]
    targets = [
        group.create_array(name, shape=array.shape, dtype=array.dtype, chunks=array.chunksize)
        for name, array in zip(written, sources, strict=True)
    ]
    return tuple(
        source.map_blocks(store_block, target=target, dtype=bool, chunks=(1,) * source.ndim)
        for source, target in zip(sources, targets, strict=True)
    )


def store_block(block: np.ndarray, target: Any, block_info: dict | None = None) -> np.ndarray:
    """Write one block into its place in a zarr array (dask's ``store`` would
    optimise the graph, and re-run inputs already computed under other task specs)."""
    target[tuple(slice(start, stop) for start, stop in block_info[0]["array-location"])] = block
    return np.ones((1,) * block.ndim, dtype=bool)
