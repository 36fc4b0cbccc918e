"""Multi-label labels given as lists of class indices, in compressed rows
(:class:`SparseRows`) that are read as dense binary rows a block at a time."""

from __future__ import annotations

import itertools
from typing import Any

import numpy as np


class SparseRows:
    """Multi-label labels as class-index lists in compressed rows, read as a
    dense binary (N, K) array one block at a time.

    ``indices[indptr[i]:indptr[i + 1]]`` are the classes of example ``i``
    (the layout of a CSR matrix).
    """

    def __init__(self, indptr: np.ndarray, indices: np.ndarray, num_classes: int):
        self.indptr = indptr
        self.indices = indices
        self.shape = (indptr.shape[0] - 1, num_classes)
        self.dtype = np.dtype(bool)
        self.ndim = 2

    def __getitem__(self, item: tuple[slice, slice]) -> np.ndarray:
        rows, columns = item
        start, stop, _ = rows.indices(self.shape[0])
        num_classes = self.shape[1]
        dense = np.zeros((stop - start, num_classes), dtype=bool)
        lengths = np.diff(self.indptr[start : stop + 1])
        # flat positions: each index plus its row's start in the flat dense array
        positions = np.repeat(np.arange(0, (stop - start) * num_classes, num_classes), lengths)
        positions += self.indices[self.indptr[start] : self.indptr[stop]]
        dense.reshape(-1)[positions] = True
        return dense[:, columns]


def class_lists_to_rows(labels: Any, num_classes: int) -> SparseRows:
    first = next((row for row in labels if len(row)), [])
    if np.asarray(first).dtype == bool:
        raise TypeError(
            "multi-label labels given as lists must hold class indices, e.g. [[1], [0, 2]]; "
            "got rows of booleans. Pass binary indicators as one (N, K) array instead"
        )
    lengths = np.fromiter(map(len, labels), dtype=np.int64, count=len(labels))
    indptr = np.concatenate([[0], np.cumsum(lengths)])
    indices = _small_class_indices(labels, num_classes) if num_classes <= 256 else None
    if indices is None:
        try:
            indices = np.fromiter(itertools.chain.from_iterable(labels), dtype=np.int64, count=int(indptr[-1]))
        except (TypeError, ValueError) as error:
            raise TypeError(
                "multi-label labels given as lists must hold integer class indices, e.g. [[1], [0, 2]]"
            ) from error
    bad = (indices < 0) | (indices >= num_classes)
    if bad.any():
        row = int(np.searchsorted(indptr, np.argmax(bad), side="right") - 1)
        raise ValueError(
            f"multi-label labels must be class indices in 0..{num_classes - 1} (pred_probs has {num_classes} "
            f"columns); labels[{row}] is {list(labels[row])}. Fix or drop that row"
        )
    return SparseRows(indptr, indices, num_classes)


def _small_class_indices(labels: Any, num_classes: int) -> np.ndarray | None:
    """The class indices of all rows as bytes (uint8), when every one is an
    integer in 0..255; else None. ``bytearray`` of the flattened lists runs
    in one C loop, about twice as quick as ``np.fromiter``."""
    try:
        return np.frombuffer(bytearray(itertools.chain.from_iterable(labels)), np.uint8)
    except (TypeError, ValueError):  # not all small integers: np.fromiter makes the error
        return None
