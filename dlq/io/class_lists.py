"""Multi-label labels given as lists of class indices, in compressed rows
(:class:`SparseRows`) that are read as dense binary rows a block at a time."""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from typing import Any, NoReturn

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


def class_lists_to_rows(labels: Sequence[Any], num_classes: int, *, first_row: int = 0) -> SparseRows:
    """Multi-label ``labels``, one list of class indices a row, as
    :class:`SparseRows` of ``num_classes`` classes.

    Every row is checked: it must be a list, tuple or 1-D array of integers
    (Python or numpy) in 0..num_classes-1. A row that is not, or holds a
    bool, a float (even 2.0), a string or None, is refused with its index
    (counted from ``first_row``, where ``labels`` are part of a larger set).

    Examples
    --------
    >>> class_lists_to_rows([[1], [0, 2], []], 3)[:, :].astype(int).tolist()
    [[0, 1, 0], [1, 0, 1], [0, 0, 0]]
    >>> class_lists_to_rows([[1], [2.0]], 3)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    TypeError: labels[1] is [2.0], which holds 2.0, a float: multi-label labels given as lists must hold ...
    """
    read = _marshalled(labels)
    if read is not None:
        indptr, indices = read
    else:
        if not all(issubclass(kind, (list, tuple, np.ndarray)) for kind in set(map(type, labels))):
            _refuse_first_bad_row(labels, first_row)
        try:
            lengths = np.fromiter(map(len, labels), dtype=np.int64, count=len(labels))
        except TypeError:  # a 0-d array
            _refuse_first_bad_row(labels, first_row)
        indptr = np.concatenate([[0], np.cumsum(lengths)])
        indices = _class_indices(labels, num_classes, int(indptr[-1]))
        if indices is None:
            _refuse_first_bad_row(labels, first_row)
    bad = (indices < 0) | (indices >= num_classes)
    if bad.any():
        row = int(np.searchsorted(indptr, np.argmax(bad), side="right") - 1)
        raise ValueError(
            f"multi-label labels must be class indices in 0..{num_classes - 1} (pred_probs has {num_classes} "
            f"columns); labels[{first_row + row}] is {np.asarray(labels[row]).tolist()}. Fix or drop that row"
        )
    return SparseRows(indptr, indices, num_classes)


#: marshal's codes (format 2) of a list, a tuple and an int of 32 bits, each written with 4 bytes after it.
_LIST, _TUPLE, _INT = ord("["), ord("("), ord("i")


def _marshalled(labels: Any) -> tuple[np.ndarray, np.ndarray] | None:
    """``labels`` as compressed rows (indptr, indices), when every row is a
    list or tuple of Python ints of 32 bits; else None (another path reads
    and checks them).

    In marshal's format 2 the labels are records of five bytes, a code and
    a 32-bit number: a row's code and length, then an int's code and value
    for each of its classes. Anything else (a bool, a float, None, a numpy
    integer, a nested list) is another code, another size, or a row where a
    class should be, so one C pass writes the lists and a few numpy passes
    check them: about 3x quicker than the type of every item, alone.

    Examples
    --------
    >>> indptr, indices = _marshalled([[1], [0, 2], []])
    >>> indptr.tolist(), indices.tolist()
    ([0, 1, 3, 3], [1, 0, 2])
    >>> _marshalled([[1], [True]]) is None, _marshalled([[1], [2.0]]) is None, _marshalled([[1, [2]]]) is None
    (True, True, True)
    """
    import marshal

    if not isinstance(labels, (list, tuple)):
        return None
    try:
        written = marshal.dumps(labels, 2)
    except ValueError:  # numpy integers or arrays, which marshal does not write
        return None
    if len(written) % 5:
        return None
    records = np.frombuffer(written, dtype=np.dtype([("code", "u1"), ("number", "<i4")]), offset=5)
    codes, numbers = records["code"], records["number"]
    rows = np.flatnonzero(codes != _INT)
    if rows.shape[0] != len(labels) or not np.isin(codes[rows], (_LIST, _TUPLE)).all():
        return None
    lengths = numbers[rows].astype(np.int64)
    if (lengths < 0).any():
        return None
    indptr = np.concatenate([[0], np.cumsum(lengths)])
    if not np.array_equal(rows, np.arange(len(labels)) + indptr[:-1]):  # a row where a class should be
        return None
    return indptr, np.delete(numbers, rows).astype(np.int64)


def _class_indices(labels: Sequence[Any], num_classes: int, count: int) -> np.ndarray | None:
    """The class indices of all rows in one flat array, or None unless every
    one is an integer (numpy or Python, not bool) and every row 1-D."""
    if labels and all(isinstance(row, np.ndarray) for row in labels):  # rows read from Parquet
        try:
            indices = np.concatenate(labels)
        except ValueError:  # rows of different dimensions: told by the item check below
            indices = np.zeros(0)
        if indices.dtype.kind in "iu" and indices.shape == (count,):
            return indices.astype(np.int64, copy=False)  # uint64 past int64 wraps negative: out of range all the same
    flat = list(itertools.chain.from_iterable(labels))
    # a set of the items' types costs about half of what reading them does;
    # bytearray and np.fromiter alone would read True as 1 and 2.9 as 2
    if not all(issubclass(kind, (int, np.integer)) and kind is not bool for kind in set(map(type, flat))):
        return None
    if num_classes <= 256:
        try:
            return np.frombuffer(bytearray(flat), np.uint8)  # one C loop, about twice as quick as np.fromiter
        except ValueError:  # a class index outside 0..255, for the range check to name
            pass
    try:
        return np.fromiter(flat, dtype=np.int64, count=count)
    except OverflowError:  # beyond int64, so out of range: kept out of range for the range check to name
        return np.fromiter((max(min(item, num_classes), -1) for item in flat), dtype=np.int64, count=count)


def _refuse_first_bad_row(labels: Sequence[Any], first_row: int) -> NoReturn:
    """Raise the error of the first row that is not a 1-D sequence of integers."""
    for number, row in enumerate(labels, start=first_row):
        if row is None:
            raise ValueError(
                f"labels[{number}] is null (missing); give an example without classes an empty list, "
                "or drop that row from labels and pred_probs"
            )
        if not isinstance(row, (list, tuple, np.ndarray)) or (isinstance(row, np.ndarray) and row.ndim != 1):
            raise TypeError(
                f"labels[{number}] is {row!r}, not a list of class indices: multi-label labels given as lists "
                "must hold one list a row, e.g. [[1], [0, 2]]; fix that row"
            )
        odd = [item for item in row if not _is_class_index(item)]
        if odd:
            advice = "got rows of booleans: pass binary indicators as one (N, K) array instead"
            raise TypeError(
                f"labels[{number}] is {list(row)!r}, which holds {odd[0]!r}, a {type(odd[0]).__name__}: multi-label "
                f"labels given as lists must hold integer class indices, e.g. [[1], [0, 2]]; "
                f"{advice if isinstance(odd[0], (bool, np.bool_)) else 'fix that row'}"
            )
    raise TypeError("multi-label labels given as lists must hold integer class indices, e.g. [[1], [0, 2]]")


def _is_class_index(item: Any) -> bool:
    return isinstance(item, (int, np.integer)) and not isinstance(item, bool)
