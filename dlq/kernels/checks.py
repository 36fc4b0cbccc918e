"""What is wrong with a chunk's rows, found without raising.

A chunk reports its first bad row of each kind, with the message to give;
the reports of all chunks combine to the first bad row of the whole data set,
and only then is an error raised, so that it names that row wherever the
chunks were computed.
"""

from __future__ import annotations

import functools
import operator
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import numpy as np

#: How far outside [0, 1] a probability may lie (rounding) unremarked.
PROBABILITY_SLACK = 1e-6
#: How far outside [0, 1] a probability may lie before it is refused: what
#: storing probabilities at low precision leaves (float16 has steps of about
#: 5e-4 below 1). Such rows are used as they are, and counted.
ROUNDING_SLACK = 1e-3
#: How far from 1 a multi-class row may sum before dlq warns, unless its
#: dtype's rounding leaves more (:func:`row_sum_tolerance`).
ROW_SUM_TOLERANCE = 1e-4

NO_ROW = np.iinfo(np.int64).max


@dataclass(frozen=True)
class InvalidRows:
    """The first invalid row of each kind, as ``(global row, error message)``.

    ``(NO_ROW, "")`` means no invalid row of that kind. ``rounded`` counts
    the rows with a probability outside [0, 1] by no more than rounding to
    low precision leaves, which are valid, and ``first_rounded`` is the
    first of them with its value furthest out.
    """

    label: tuple[int, str] = (NO_ROW, "")
    prob: tuple[int, str] = (NO_ROW, "")
    rounded: int = 0
    first_rounded: tuple[int, float] = (NO_ROW, 0.0)

    def __bool__(self) -> bool:
        """Whether any row is invalid."""
        return self.label[0] != NO_ROW or self.prob[0] != NO_ROW

    def __or__(self, other: InvalidRows) -> InvalidRows:
        return InvalidRows(
            min(self.label, other.label),
            min(self.prob, other.prob),
            self.rounded + other.rounded,
            min(self.first_rounded, other.first_rounded),
        )

    def rounding_note(self) -> str | None:
        """What to tell of the rows outside [0, 1] by rounding, if there are any.

        Examples
        --------
        >>> InvalidRows(rounded=2, first_rounded=(7, 1.0004)).rounding_note()[:50]
        '2 rows of pred_probs hold values outside [0, 1] by'
        """
        if not self.rounded:
            return None
        row, value = self.first_rounded
        rows = "1 row of pred_probs holds" if self.rounded == 1 else f"{self.rounded:,} rows of pred_probs hold"
        return (
            f"{rows} values outside [0, 1] by up to {ROUNDING_SLACK} (the first is row {row}, with {value}), "
            "as storing probabilities at low precision such as float16 leaves them; they are used as they are"
        )

    @staticmethod
    def first_of(parts: Iterable[Any]) -> InvalidRows:
        """The first invalid rows among partials that each carry ``invalid``."""
        return functools.reduce(operator.or_, (part.invalid for part in parts), InvalidRows())

    def raise_if_any(self) -> None:
        """Raise a ValueError naming the first invalid row, if there is one.

        Examples
        --------
        >>> InvalidRows().raise_if_any()
        >>> InvalidRows(label=(3, "labels[3] is -1")).raise_if_any()
        Traceback (most recent call last):
        ...
        ValueError: labels[3] is -1
        """
        for row, message in (self.label, self.prob):
            if row != NO_ROW:
                raise ValueError(message)


def _describe_prob_row(row: np.ndarray) -> str:
    if not np.isfinite(row).all():
        return "contains NaN or infinity"
    if row.min() < -ROUNDING_SLACK:
        return f"has a negative value ({row.min().item()})"
    return f"has a value above 1 ({row.max().item()})"


def invalid_probabilities(pred_probs: np.ndarray, offset: int, extremes: tuple[Any, Any] | None = None) -> InvalidRows:
    """Find the first row of pred_probs that is not finite numbers in [0, 1]
    (up to 1e-3 beyond either end, as rounding to low precision leaves them;
    rows beyond by more than 1e-6 are counted). ``extremes`` are
    pred_probs' smallest and largest values, if known.

    Examples
    --------
    >>> invalid_probabilities(np.array([[0.5, 0.5], [0.5, 1.5]]), 10).prob[0]
    11
    >>> invalid_probabilities(np.array([[0.5, 0.5], [0.0, 1.0005]]), 10).rounded
    1
    """
    # min and max are NaN when NaN is present, so these comparisons catch it too;
    # whole-chunk reductions are much faster than row-wise ones, which run only
    # when something is out of range
    if not pred_probs.size:
        return InvalidRows()
    lowest, highest = extremes or (pred_probs.min(), pred_probs.max())
    if lowest >= -PROBABILITY_SLACK and highest <= 1 + PROBABILITY_SLACK:
        return InvalidRows()
    lowest, highest = pred_probs.min(axis=1), pred_probs.max(axis=1)
    inside = (lowest >= -ROUNDING_SLACK) & (highest <= 1 + ROUNDING_SLACK)
    if not inside.all():
        row = int(np.argmax(~inside))
        return InvalidRows(
            prob=(
                offset + row,
                f"pred_probs must hold finite probabilities in [0, 1]; row {offset + row} "
                f"{_describe_prob_row(pred_probs[row])}. Apply softmax to logits, or fix or drop that row",
            )
        )
    rounded = (lowest < -PROBABILITY_SLACK) | (highest > 1 + PROBABILITY_SLACK)
    row = int(np.argmax(rounded))
    value = lowest[row] if lowest[row] < -PROBABILITY_SLACK else highest[row]
    return InvalidRows(rounded=int(rounded.sum()), first_rounded=(offset + row, value.item()))


def row_sum_tolerance(dtype: Any, num_classes: int) -> float:
    """How far from 1 a row of ``num_classes`` probabilities stored as
    ``dtype`` may sum unremarked: :data:`ROW_SUM_TOLERANCE`, or what rounding
    to the dtype can leave, if more.

    Rounding each value to nearest moves the row's sum by at most half the
    dtype's epsilon (the values sum to 1), plus half the smallest subnormal
    a value; the sum, accumulated in float32 or wider, moves by its own
    epsilon a value, and is stored back in the dtype (within one epsilon of
    1). Twice the epsilon and the accumulator's epsilon a class bound it all:
    about 0.002 for float16 (whose softmax rows are often off by 0.0005),
    while float32 and float64 keep 1e-4 up to hundreds of classes.

    Examples
    --------
    >>> row_sum_tolerance(np.float64, 10), row_sum_tolerance(np.float32, 10)
    (0.0001, 0.0001)
    >>> round(row_sum_tolerance(np.float16, 10), 5)
    0.00195
    """
    stored = np.finfo(dtype)
    accumulated = np.finfo(np.result_type(dtype, np.float32))
    return max(ROW_SUM_TOLERANCE, 2 * float(stored.eps) + num_classes * float(accumulated.eps))


@dataclass(frozen=True)
class RowsOffOne:
    """How many rows do not sum to 1 (within :func:`row_sum_tolerance`), and the first of them."""

    count: int = 0
    first_row: int = NO_ROW
    first_sum: float = 1.0

    @staticmethod
    def of(pred_probs: np.ndarray, offset: int, sums: np.ndarray | None = None) -> RowsOffOne:
        """Count the rows of ``pred_probs`` whose sum is further from 1 than
        :func:`row_sum_tolerance` allows (``sums``: the row sums, if known).

        A row's tolerance is that of its dtype, or of float16 when every
        value of the row is a float16 value: float16 inputs are computed in
        float32, and their rows keep float16's rounding.

        Examples
        --------
        >>> RowsOffOne.of(np.array([[0.5, 0.5], [0.5, 0.6]]), 7)
        RowsOffOne(count=1, first_row=8, first_sum=1.1)
        >>> float16_row, float32_row = [0.5, 0.5 - 2**-11], [0.5, 0.5 - 2**-11 + 2**-20]  # both sum to 0.9995
        >>> RowsOffOne.of(np.array([float16_row, float32_row], dtype=np.float32), 0).first_row
        1
        """
        if sums is None:
            sums = np.einsum("ij->i", pred_probs)  # several times faster than sum(axis=1), and per row
        num_classes = pred_probs.shape[1]
        off = np.abs(sums - 1) > row_sum_tolerance(pred_probs.dtype, num_classes)
        if off.any() and pred_probs.dtype != np.float16:
            rows = np.flatnonzero(off)
            halves = (pred_probs[rows].astype(np.float16) == pred_probs[rows]).all(axis=1)
            off[rows[halves]] = np.abs(sums[rows[halves]] - 1) > row_sum_tolerance(np.float16, num_classes)
        if not off.any():
            return RowsOffOne()
        row = int(np.argmax(off))
        return RowsOffOne(int(off.sum()), offset + row, round(float(sums[row]), 6))

    def __repr__(self) -> str:
        """No sentinel shown: ``RowsOffOne(count=0)`` where no row is off 1.

        Examples
        --------
        >>> RowsOffOne(), RowsOffOne(3, 8, 1.1)
        (RowsOffOne(count=0), RowsOffOne(count=3, first_row=8, first_sum=1.1))
        """
        if not self.count:
            return "RowsOffOne(count=0)"
        return f"RowsOffOne(count={self.count}, first_row={self.first_row}, first_sum={self.first_sum})"

    def note(self) -> str | None:
        """What to tell of the rows that do not sum to 1, if there are any.

        Examples
        --------
        >>> RowsOffOne(3, 8, 1.1).note()[:73]
        '3 rows of pred_probs do not sum to 1 (the first is row 8, summing to 1.1)'
        """
        if not self.count:
            return None
        rows = "1 row of pred_probs does not" if self.count == 1 else f"{self.count:,} rows of pred_probs do not"
        return (
            f"{rows} sum to 1 (the first is row {self.first_row}, summing to {self.first_sum}); "
            "confident learning expects predicted class probabilities, such as softmax outputs"
        )

    @staticmethod
    def total(parts: Iterable[RowsOffOne]) -> RowsOffOne:
        """Combine the counts of several chunks."""
        parts = list(parts)
        first = min(parts, key=lambda part: part.first_row)
        return RowsOffOne(sum(part.count for part in parts), first.first_row, first.first_sum)
