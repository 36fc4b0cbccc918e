"""Input paths as dlq reads them: ``.npy`` files, zarr stores (paths or
fsspec URLs), HDF5 datasets as ``FILE.h5:/dataset`` and Parquet files or
folders; and the class names stored with them."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from dlq.io.locations import HDF5_PATH


def is_parquet(path: str) -> bool:
    """Whether ``path`` names Parquet: a name ending in ``.parquet``, or a
    local folder of ``*.parquet`` files that is not a zarr store.

    Examples
    --------
    >>> is_parquet("s3://bucket/pred_probs.parquet/"), is_parquet("labels.zarr")
    (True, False)
    """
    if path.rstrip("/").endswith(".parquet"):
        return True
    folder = Path(path)
    if "://" in path or not folder.is_dir():
        return False
    zarr_metadata = ("zarr.json", ".zarray", ".zgroup")
    return not any((folder / name).exists() for name in zarr_metadata) and any(folder.glob("*.parquet"))


def open_source(
    path: str,
    *,
    name: str,
    num_classes: int | None = None,
    class_lists: bool = False,
    probabilities: bool = False,
    columns: str | None = None,
) -> Any:
    """Open an input path, of the command or the library, as something
    :func:`dlq.io.arrays.open_array` reads.

    ``FILE.h5:/dataset`` is an HDF5 dataset; Parquet (see :func:`is_parquet`)
    is read by pyarrow a row group at a time and never whole; ``.npy`` is
    memory-mapped; anything else is a zarr store path or fsspec URL.
    ``num_classes`` and ``class_lists`` tell how to read a Parquet column of
    lists: multi-label class lists into binary (N, K) rows, or probabilities.
    ``probabilities`` says the input is pred_probs, whose Parquet columns are
    ``columns`` (see :func:`dlq.io.parquet.read_parquet`), given only for Parquet.

    Examples
    --------
    >>> open_source("pred_probs.npy", name="pred_probs")
    'pred_probs.npy'
    """
    hdf5 = HDF5_PATH.match(path)
    if hdf5:
        import h5py

        file = hdf5["file"]
        if not os.path.exists(file):
            raise FileNotFoundError(f"{name}: no such HDF5 file: {file!r}")
        try:
            handle = h5py.File(file, "r")
        except OSError as error:
            raise ValueError(
                f"{name}: {file} cannot be read as an HDF5 file ({error}); it may be truncated or not HDF5: "
                "write it again"
            ) from None
        if hdf5["dataset"] not in handle:
            raise ValueError(f"{name}: {file!r} has no dataset {hdf5['dataset']!r}")
        return _hdf5_array(handle[hdf5["dataset"]], path, name)
    if is_parquet(path):
        from dlq.io.parquet import read_parquet

        return read_parquet(
            path,
            name=name,
            num_classes=num_classes,
            class_lists=class_lists,
            probabilities=probabilities,
            columns=columns,
        )
    if columns is not None:
        raise ValueError(f"--pred-probs-columns applies only to a Parquet pred_probs, not {path}")
    return path


def _hdf5_array(item: Any, path: str, name: str) -> Any:
    """The HDF5 dataset ``item`` (at ``path``), refused if it is a group or one value."""
    if hasattr(item, "keys"):
        members = list(item.keys())[:5]
        inside = f"; name one in it, such as {path.rstrip('/')}/{members[0]}" if members else ", and it is empty"
        raise ValueError(f"{name}: {path} is a group of the HDF5 file, not a dataset{inside}")
    if not item.shape:
        raise ValueError(f"{name}: {path} is one value (shape ()), not an array of a row per example")
    return item


def stored_class_names(path: str) -> list[str] | None:
    """The ``class_names`` stored with the input at ``path``: a Parquet
    file's schema metadata (JSON) or a zarr array's attribute; None for
    other kinds, or when there are none."""
    if is_parquet(path):
        import pyarrow.dataset as ds
        import pyarrow.parquet as pq

        files = ds.dataset(path, format="parquet").files if os.path.isdir(path) else [path]
        stored = (pq.read_schema(files[0]).metadata or {}).get(b"class_names") if files else None
        where = f"pred_probs: {path}'s class_names schema metadata"
        return None if stored is None else _names(json.loads(stored), where)
    if path.endswith(".npy") or HDF5_PATH.match(path):
        return None
    import zarr

    try:
        stored = zarr.open_array(path, mode="r").attrs.get("class_names")
    except Exception:  # not a zarr array: other inputs say so when they are opened
        return None
    return None if stored is None else _names(stored, f"pred_probs: {path}'s class_names attribute")


def _names(stored: Any, where: str) -> list[str]:
    """``stored`` class names, refused unless a list of strings."""
    if isinstance(stored, (list, tuple)) and all(isinstance(name, str) for name in stored):
        return list(stored)
    raise ValueError(
        f"{where} must be a list of strings, one name per class; got {stored!r:.80}. "
        "Store a list, or give the names with --class-names"
    )
