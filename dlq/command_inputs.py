"""The command's inputs: paths opened as arrays, and the class names and example ids that go with them."""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any

import click
import dask.array as da
import numpy as np

from dlq import input_values, io, locations
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

    ``FILE.h5:/dataset`` is an HDF5 dataset; Parquet (see :func:`is_parquet`)
    is read by pyarrow a row group at a time and never whole; ``.npy`` is
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


def refuse_output_over_inputs(options: dict[str, Any]) -> None:
    """Refuse an ``--out`` that is, lies inside, or contains any input the
    command was given (paths resolved through symlinks, URLs by scheme and
    prefix), before anything is read or written."""
    inputs = [(name, options[name]) for name in ("pred_probs", "labels", "ids") if options.get(name)]
    names = options.get("class_names")
    if names and Path(names).is_file():
        inputs.append(("--class-names", names))
    if locations.is_url(options["out"]):
        raise ValueError(
            f"--out {options['out']} is a URL; the command writes a local folder (a shared file system's path "
            "on a cluster): give one"
        )
    located = [(name, locations.location_of(path)) for name, path in inputs]
    locations.refuse_overlap(locations.location_of(options["out"]), located, what="--out")


def name_inputs(options: dict[str, Any]) -> None:
    """Set ``options["labels"]`` and ``options["pred_probs"]`` from the
    command's arguments: ``LABELS PRED_PROBS`` in that order (dlq.scan's and
    cleanlab's), or named by ``--labels`` and ``--pred-probs``; one named, the
    one argument is the other. ``options["by_position"]`` lists those given
    by position."""
    given = list(options.pop("inputs", None) or ())
    unnamed = [name for name in ("labels", "pred_probs") if not options.get(name)]
    if len(given) != len(unnamed):
        wanted = " and ".join(name.upper() for name in unnamed) or "no other path"
        raise click.UsageError(
            f"dlq scan takes LABELS then PRED_PROBS (the order of dlq.scan and cleanlab), or --labels and "
            f"--pred-probs; here it needs {wanted}, and got {len(given)} path(s)"
        )
    options.update(zip(unnamed, given, strict=True))
    options["by_position"] = unnamed


@dataclass(frozen=True)
class CommandInputs:
    """The command's inputs, opened and their shapes checked, nothing read:
    call :meth:`arrays` for labels as class indices."""

    labels: Any
    pred_probs: da.Array
    class_names: list[str] | None
    ids: da.Array | None
    multilabel: bool
    numbered_by: Any = None

    def arrays(self) -> tuple[da.Array, da.Array]:
        """labels as class indices and pred_probs, aligned: labels stored
        as whole floats or as class names are numbered after one read that
        refuses the first fraction, null or unknown name."""
        if self.multilabel:
            return io.open_multilabel_inputs(self.labels, self.pred_probs)
        labels = self.labels
        if self.numbered_by is not None:
            labels = self.numbered_by(io.open_array(labels, name="labels", chunk_rows=self.pred_probs.chunks[0]))
        return io.open_inputs(labels, self.pred_probs)


def opened_inputs(options: dict[str, Any]) -> CommandInputs:
    """The inputs the command was given, opened (metadata only) with their
    shapes checked, and their class names and example ids.

    Inputs that look swapped (labels of probabilities beside pred_probs of
    labels) are refused saying so. Labels in a Parquet float column (pandas
    stores integers with nulls as floats), or stored as class names, are
    numbered by :meth:`CommandInputs.arrays`; float labels of other kinds of
    input are refused, as the library refuses them.
    """
    columns = options.get("pred_probs_columns")
    source = open_source(options["pred_probs"], name="pred_probs", probabilities=True, columns=columns)
    pred_probs = io.open_array(source, name="pred_probs", chunk_rows=options["chunk_rows"])
    multilabel = options["multilabel"]
    num_classes = pred_probs.shape[1] if pred_probs.ndim == 2 else None
    labels = open_source(
        options["labels"], name="labels", num_classes=num_classes, class_lists=multilabel and num_classes is not None
    )
    labels = io.array_like(labels, name="labels")
    refuse_swapped(options, labels, pred_probs)
    pred_probs = io.checked_pred_probs(pred_probs)
    names = class_names(options, pred_probs.shape[1])
    numbered_by = None
    kinds = "fUSO" if is_parquet(options["labels"]) else "USO"
    if not multilabel and labels.ndim == 1 and labels.shape[0] == pred_probs.shape[0] and labels.dtype.kind in kinds:
        numbered_by = (
            input_values.integral_labels
            if labels.dtype.kind == "f"
            else partial(input_values.named_labels, class_names=names)
        )
        if labels.dtype.kind != "f" and names is None:
            numbered_by(labels)  # refused at once: nothing to number them by
    elif multilabel:
        io.open_multilabel_labels(labels, pred_probs.shape[1], n_rows=pred_probs.shape[0])
    else:
        io.check_labels(labels, pred_probs.shape[0])
    return CommandInputs(labels, pred_probs, names, opened_ids(options, pred_probs), multilabel, numbered_by)


def refuse_swapped(options: dict[str, Any], labels: Any, pred_probs: Any) -> None:
    """Refuse inputs that look swapped: multi-class labels of (N, K) floats
    beside a pred_probs of one value a row, or multi-label labels of floats
    beside a pred_probs of integers or booleans."""
    label_kind, probs_kind = np.dtype(labels.dtype).kind, np.dtype(pred_probs.dtype).kind
    if options["multilabel"]:
        swapped = label_kind == "f" and probs_kind in "biu" and len(labels.shape) == 2
    else:
        swapped = len(labels.shape) == 2 and label_kind == "f" and len(pred_probs.shape) == 1
    if not swapped:
        return
    held = (
        f"{shown} {options[name]} holds {tuple(array.shape)} {array.dtype} values"
        for name, shown, array in (("labels", "labels", labels), ("pred_probs", "pred_probs", pred_probs))
    )
    found = "the inputs look swapped: " + " and ".join(held)
    if options.get("by_position") == ["labels", "pred_probs"]:
        raise click.UsageError(
            f"{found}. dlq scan takes LABELS first, then PRED_PROBS, since dlq 0.2 (the order of dlq.scan and "
            f"cleanlab; it took PRED_PROBS first before): run dlq scan {options['pred_probs']} {options['labels']} "
            "..., or name them with --labels and --pred-probs"
        )
    raise click.UsageError(f"{found}; pass the model's probabilities as PRED_PROBS and the given labels as LABELS")


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
