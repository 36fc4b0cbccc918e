"""The command's inputs: its arguments named, the inputs opened and their
shapes checked before any cluster starts, with the class names and
example ids that go with them."""

from __future__ import annotations

import os
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any

import click
import dask.array as da
import numpy as np

from dlq.io import arrays, input_values, locations
from dlq.io.paths import is_parquet, open_source, stored_class_names


def refuse_output_over_inputs(options: dict[str, Any]) -> None:
    """Refuse an ``--out`` that is, lies inside, or contains any input the
    command was given (paths resolved through symlinks, URLs by scheme and
    prefix), before anything is read or written."""
    named = ("pred_probs", "labels", "ids", "sentence_lengths", "tokens")
    inputs = [(name, options[name]) for name in named if options.get(name)]
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
    numbered_by: Any = None

    def arrays(self) -> tuple[da.Array, da.Array]:
        """labels as class indices and pred_probs, aligned: labels stored
        as whole floats or as class names are numbered after one read that
        refuses the first fraction, null or unknown name."""
        if self.numbered_by is None:
            return self.labels, self.pred_probs
        labels = self.numbered_by(arrays.open_array(self.labels, name="labels", chunk_rows=self.pred_probs.chunks[0]))
        return arrays.open_inputs(labels, self.pred_probs)


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
    pred_probs = arrays.open_array(source, name="pred_probs", chunk_rows=options["chunk_rows"])
    multilabel = options["multilabel"]
    num_classes = pred_probs.shape[1] if pred_probs.ndim == 2 else None
    labels = open_source(
        options["labels"], name="labels", num_classes=num_classes, class_lists=multilabel and num_classes is not None
    )
    labels = arrays.array_like(labels, name="labels")
    refuse_swapped(options, labels, pred_probs)
    pred_probs = arrays.checked_pred_probs(pred_probs)
    names = class_names(options, pred_probs.shape[1])
    numbered_by = None
    kinds = "fUSO" if is_parquet(options["labels"]) else "USO"
    if multilabel:
        labels = arrays.open_multilabel_labels(
            labels, pred_probs.shape[1], n_rows=pred_probs.shape[0], chunk_rows=pred_probs.chunks[0]
        )
    elif labels.ndim == 1 and labels.shape[0] == pred_probs.shape[0] and labels.dtype.kind in kinds:
        numbered_by = (
            input_values.integral_labels
            if labels.dtype.kind == "f"
            else partial(input_values.named_labels, class_names=names)
        )
        if labels.dtype.kind != "f" and names is None:
            numbered_by(labels)  # refused at once: nothing to number them by
    else:
        labels, pred_probs = arrays.open_inputs(labels, pred_probs)
    return CommandInputs(labels, pred_probs, names, opened_ids(options, pred_probs), numbered_by)


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
        f"{name} {options[name]} holds {tuple(array.shape)} {array.dtype} values"
        for name, array in (("labels", labels), ("pred_probs", pred_probs))
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


def opened_ids(options: dict[str, Any], pred_probs: da.Array) -> da.Array | None:
    """The examples' ids --ids gives, in pred_probs' row chunks; refused unless one per row."""
    if options.get("ids") is None:
        return None
    ids = arrays.array_like(open_source(options["ids"], name="ids"), name="ids")
    if ids.shape != pred_probs.shape[:1]:
        raise click.UsageError(f"--ids holds shape {ids.shape}, but pred_probs has {pred_probs.shape[0]} rows")
    return arrays.open_array(ids, name="ids", chunk_rows=pred_probs.chunks[0])
