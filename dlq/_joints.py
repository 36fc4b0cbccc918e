"""The confident joint's graph of multi-class inputs and the labels' counts, for the modules that estimate from them."""

from __future__ import annotations

import functools
import operator
from typing import Any

import dask.array as da
import numpy as np
from dask.delayed import Delayed

from dlq import _validation, io
from dlq._validation import IN_MEMORY_ABSENT_CLASS_THRESHOLD
from dlq.graphs import passes
from dlq.graphs.blocks import per_block, step, tree
from dlq.kernels import labels as label_kernels
from dlq.kernels.problems import MULTICLASS


def multiclass_joint(labels: Any, pred_probs: Any, thresholds: Any, *, with_off_diagonal_rows: bool = False) -> Any:
    """The confident joint's graph of multi-class inputs (with ``thresholds``, if given, read once)."""
    opened_labels, opened_probs = io.open_inputs(labels, pred_probs)
    return passes.confident_joint(
        MULTICLASS,
        opened_labels,
        opened_probs,
        thresholds=_validation.check_thresholds(thresholds, opened_probs.shape[1]),
        absent_class_threshold=IN_MEMORY_ABSENT_CLASS_THRESHOLD,
        with_off_diagonal_rows=with_off_diagonal_rows,
    )


def label_counts(labels: Any, num_classes: int) -> Delayed:
    """How many examples are given each of ``num_classes`` classes, in one
    read of the labels (any kind :func:`dlq.scan` reads); refused at compute
    time if a label is outside ``0..num_classes-1``.

    Examples
    --------
    >>> label_counts(np.array([0, 2, 2]), 3).tolist()  # in memory: computed at once
    [1, 0, 2]
    >>> label_counts(da.from_array(np.array([0, 2, 2]), chunks=2), 3).compute().tolist()
    [1, 0, 2]
    """
    opened = io.open_array(io.array_like(labels, name="labels"), name="labels")
    io.check_labels(opened, opened.shape[0])
    return counts_of_classes(opened, num_classes, of_pred_probs=False)


def counts_of_classes(labels: da.Array, num_classes: int, *, of_pred_probs: bool = True) -> Delayed:
    """How many of opened ``labels`` are each of ``num_classes`` classes;
    refused at compute time, naming the first row, if a label is outside
    ``0..num_classes-1`` (such labels are not counted, so no count fails
    on them before the refusal); ``of_pred_probs`` says whether the classes
    are pred_probs' columns, for the message.

    Examples
    --------
    >>> counts_of_classes(da.from_array(np.array([0, 2, 2]), chunks=2), 3).compute().tolist()
    [1, 0, 2]
    >>> counts_of_classes(da.from_array(np.array([0, 1, -1]), chunks=2), 3).compute()
    Traceback (most recent call last):
    ...
    ValueError: labels must be class indices in 0..2 (pred_probs has 3 columns); labels[2] is -1. ...
    """
    per_chunk = per_block(label_kernels.label_counts, labels, num_classes, of_pred_probs)
    return step(_checked_counts, tree(per_chunk, functools.partial(functools.reduce, operator.or_)))


def _checked_counts(counted: label_kernels.LabelCounts) -> np.ndarray:
    counted.invalid.raise_if_any()
    return counted.counts
