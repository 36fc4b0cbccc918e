"""How many labels are each class, in one read, refused by row at the first label that is not one."""

from __future__ import annotations

import functools
import operator

import dask.array as da
import numpy as np
from dask.delayed import Delayed

from dlq.graphs.blocks import per_block, step, tree
from dlq.kernels import labels as label_kernels


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
