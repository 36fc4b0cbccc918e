"""The command's inputs: paths opened as arrays, and the class names and example ids that go with them."""

from __future__ import annotations

import json
import os
import re
from pathlib import Path
from typing import Any

import click
import dask.array as da

from dlq import io

_HDF5_PATH = re.compile(r"^(?P<file>.+\.(h5|hdf5|he5|nc)):(?P<dataset>/.*)$")


def open_source(path: str, *, name: str, num_classes: int | None = None, class_lists: bool = False) -> Any:
    """Open a command-line input path as something :func:`open_array` reads.

    ``FILE.h5:/dataset`` is an HDF5 dataset; a path ending in ``.parquet`` is
    read with dask.dataframe, a column at a time and never whole; ``.npy`` is
    memory-mapped; anything else is a zarr store path or fsspec URL.
    ``num_classes`` and ``class_lists`` tell how to read a Parquet column of
    lists: multi-label class lists into binary (N, K) rows, or probabilities.

    Examples
    --------
    >>> open_source("pred_probs.npy", name="pred_probs")
    'pred_probs.npy'
    """
    hdf5 = _HDF5_PATH.match(path)
    if hdf5:
        import h5py

        file = hdf5["file"]
        if not os.path.exists(file):
            raise FileNotFoundError(f"{name}: no such HDF5 file: {file!r}")
        handle = h5py.File(file, "r")
        if hdf5["dataset"] not in handle:
            raise ValueError(f"{name}: {file!r} has no dataset {hdf5['dataset']!r}")
        return handle[hdf5["dataset"]]
    if path.rstrip("/").endswith(".parquet"):
        from dlq.parquet_inputs import read_parquet  # imports this module

        return read_parquet(path, name=name, num_classes=num_classes, class_lists=class_lists)
    return path


def opened_inputs(options: dict[str, Any]) -> tuple[da.Array, da.Array]:
    """The inputs the command was given, opened as aligned dask arrays."""
    source = open_source(options["pred_probs"], name="pred_probs")
    pred_probs = io.checked_pred_probs(io.open_array(source, name="pred_probs", chunk_rows=options["chunk_rows"]))
    multilabel = options["multilabel"]
    labels = open_source(options["labels"], name="labels", num_classes=pred_probs.shape[1], class_lists=multilabel)
    if multilabel:
        return io.open_multilabel_inputs(labels, pred_probs)
    return io.open_inputs(labels, pred_probs)


def class_names(options: dict[str, Any], num_classes: int) -> list[str] | None:
    """The names --class-names gives (a file of one name a line, or a comma
    list), else those stored with pred_probs (a zarr array's ``class_names``
    attribute, or a Parquet file's ``class_names`` schema metadata, a JSON
    list); refused unless there is one per class."""
    given = options.get("class_names")
    if given is None:
        names = stored_class_names(options["pred_probs"])
        source = "the class_names stored with pred_probs"
    elif Path(given).is_file():
        names = [line.strip() for line in Path(given).read_text(encoding="utf-8").splitlines() if line.strip()]
        source = f"--class-names file {given}"
    else:
        names, source = [name.strip() for name in given.split(",")], "--class-names"
    if names is not None and len(names) != num_classes:
        raise click.UsageError(f"{source} holds {len(names)} names, but pred_probs has {num_classes} classes")
    return names


def stored_class_names(path: str) -> list[str] | None:
    """The ``class_names`` stored with the input at ``path``: a Parquet
    file's schema metadata (JSON) or a zarr array's attribute; None for
    other kinds, or when there are none."""
    if path.rstrip("/").endswith(".parquet"):
        import pyarrow.parquet as pq

        stored = (pq.read_schema(path).metadata or {}).get(b"class_names")
        return None if stored is None else [str(name) for name in json.loads(stored)]
    if path.endswith(".npy") or _HDF5_PATH.match(path):
        return None
    import zarr

    try:
        stored = zarr.open_array(path, mode="r").attrs.get("class_names")
    except Exception:  # not a zarr array: other inputs say so when they are opened
        return None
    return None if stored is None else [str(name) for name in stored]


def opened_ids(options: dict[str, Any], pred_probs: da.Array) -> da.Array | None:
    """The examples' ids --ids gives, in pred_probs' row chunks; refused unless one per row."""
    if options.get("ids") is None:
        return None
    ids = io.array_like(open_source(options["ids"], name="ids"), name="ids")
    if ids.shape != pred_probs.shape[:1]:
        raise click.UsageError(f"--ids holds shape {ids.shape}, but pred_probs has {pred_probs.shape[0]} rows")
    return io.open_array(ids, name="ids", chunk_rows=pred_probs.chunks[0])
