"""The confident joint's graph of multi-class inputs and the labels' counts, for the modules that estimate from them."""

from __future__ import annotations

from typing import Any

import dask.array as da
import numpy as np
from dask.delayed import Delayed

from dlq import _validation, io
from dlq._validation import IN_MEMORY_ABSENT_CLASS_THRESHOLD
from dlq.graphs import passes
from dlq.graphs.blocks import step
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
    >>> label_counts(np.array([0, 2, 2]), 3).compute().tolist()
    [1, 0, 2]
    """
    opened = io.open_array(io.array_like(labels, name="labels"), name="labels")
    io.check_labels(opened, opened.shape[0])
    return step(_within_classes, da.bincount(opened, minlength=num_classes), num_classes)


def _within_classes(counts: np.ndarray, num_classes: int) -> np.ndarray:
    if counts.shape[0] > num_classes:
        raise ValueError(f"labels must be class indices in 0..{num_classes - 1}; some label is {counts.shape[0] - 1}")
    return counts
