"""The command's inputs: paths opened as arrays, and the class names and example ids that go with them."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import click
import dask.array as da

from dlq import input_values, io
from dlq.locations import HDF5_PATH


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
    """Open a command-line input path as something :func:`open_array` reads.

    ``FILE.h5:/dataset`` is an HDF5 dataset; a path ending in ``.parquet`` is
    read with dask.dataframe, a column at a time and never whole; ``.npy`` is
    memory-mapped; anything else is a zarr store path or fsspec URL.
    ``num_classes`` and ``class_lists`` tell how to read a Parquet column of
    lists: multi-label class lists into binary (N, K) rows, or probabilities.
    ``probabilities`` says the input is pred_probs, whose Parquet columns are
    ``columns`` (see :func:`dlq.parquet_inputs.read_parquet`), given only for Parquet.

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
        from dlq.parquet_inputs import read_parquet  # imports this module

        return read_parquet(
            path,
            name=name,
            num_classes=num_classes,
            class_lists=class_lists,
            probabilities=probabilities,
            columns=columns,
        )
    if columns is not None:
        raise click.UsageError(f"--pred-probs-columns applies only to a Parquet pred_probs, not {path}")
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


def opened_inputs(options: dict[str, Any]) -> tuple[da.Array, da.Array]:
    """The inputs the command was given, opened as aligned dask arrays.

    Labels in a Parquet float column that are all whole numbers (pandas
    stores integers with nulls as floats), or stored as class names, are
    read as class indices, after one read of the labels that refuses the
    first fraction, null, or unknown name; float labels of other kinds of
    input are refused, as the library refuses them.
    """
    columns = options.get("pred_probs_columns")
    source = open_source(options["pred_probs"], name="pred_probs", probabilities=True, columns=columns)
    pred_probs = io.checked_pred_probs(io.open_array(source, name="pred_probs", chunk_rows=options["chunk_rows"]))
    multilabel = options["multilabel"]
    labels = open_source(options["labels"], name="labels", num_classes=pred_probs.shape[1], class_lists=multilabel)
    if multilabel:
        return io.open_multilabel_inputs(labels, pred_probs)
    labels = io.array_like(labels, name="labels")
    kinds = "fUSO" if is_parquet(options["labels"]) else "USO"
    if labels.ndim == 1 and labels.shape[0] == pred_probs.shape[0] and labels.dtype.kind in kinds:
        labels = io.open_array(labels, name="labels", chunk_rows=pred_probs.chunks[0])
        if labels.dtype.kind == "f":
            labels = input_values.integral_labels(labels)
        else:
            labels = input_values.named_labels(labels, class_names(options, pred_probs.shape[1]))
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
        try:
            text = Path(given).read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as error:
            raise ValueError(f"--class-names file {given} cannot be read as UTF-8 text ({error})") from None
        names = [line.strip() for line in text.splitlines() if line.strip()]
        source = f"--class-names file {given}"
    elif "," not in given and (os.sep in given or Path(given).suffix in (".txt", ".csv", ".names")):
        raise FileNotFoundError(f"--class-names {given}: no such file (a list of names is separated by commas)")
    else:
        names, source = [name.strip() for name in given.split(",")], "--class-names"
    if names is not None and len(names) != num_classes:
        raise click.UsageError(f"{source} holds {len(names)} names, but pred_probs has {num_classes} classes")
    return names


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


def opened_ids(options: dict[str, Any], pred_probs: da.Array) -> da.Array | None:
    """The examples' ids --ids gives, in pred_probs' row chunks; refused unless one per row."""
    if options.get("ids") is None:
        return None
    ids = io.array_like(open_source(options["ids"], name="ids"), name="ids")
    if ids.shape != pred_probs.shape[:1]:
        raise click.UsageError(f"--ids holds shape {ids.shape}, but pred_probs has {pred_probs.shape[0]} rows")
    return io.open_array(ids, name="ids", chunk_rows=pred_probs.chunks[0])
