"""The issue table's columns as arrays: numbers one per row, and lists of
class indices as offsets into one array of values, so that millions of
issues cost a few bytes each and no Python object."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from dlq.kernels.sets import true_positions

#: An issue table: its columns by name, each an array or :class:`Lists`, one row per issue.
Columns = dict[str, "np.ndarray | Lists"]


@dataclass(frozen=True)
class Lists:
    """Row ``i`` is ``values[offsets[i]:offsets[i + 1]]``."""

    offsets: np.ndarray
    values: np.ndarray

    @classmethod
    def of_rows(cls, flags: np.ndarray) -> Lists:
        """The column indices where each row of a boolean (n, K) array is True.

        Examples
        --------
        >>> Lists.of_rows(np.array([[True, False, True], [False, False, False]])).to_lists()
        [[0, 2], []]
        """
        rows, columns = true_positions(flags)
        counts = np.bincount(rows, minlength=flags.shape[0])
        return cls(np.concatenate([[0], np.cumsum(counts)]).astype(np.int64), columns.astype(np.int64))

    def __len__(self) -> int:
        return self.offsets.shape[0] - 1

    def to_lists(self) -> list[list[int]]:
        """As Python lists (for a few rows)."""
        return [
            self.values[start:stop].tolist() for start, stop in zip(self.offsets[:-1], self.offsets[1:], strict=True)
        ]

    def taken(self, rows: np.ndarray) -> Lists:
        """The lists of ``rows``, in that order.

        Examples
        --------
        >>> Lists(np.array([0, 2, 2, 3]), np.array([4, 5, 6])).taken(np.array([2, 0])).to_lists()
        [[6], [4, 5]]
        """
        lengths = np.diff(self.offsets)[rows]
        offsets = np.concatenate([[0], np.cumsum(lengths)]).astype(np.int64)
        starts = np.repeat(self.offsets[:-1][rows] - offsets[:-1], lengths)
        return Lists(offsets, self.values[starts + np.arange(offsets[-1])])

    @staticmethod
    def concatenated(parts: Sequence[Lists]) -> Lists:
        """The rows of ``parts``, one after another."""
        shifts = np.cumsum([0] + [part.values.shape[0] for part in parts[:-1]])
        offsets = [parts[0].offsets[:1]] + [part.offsets[1:] + shift for part, shift in zip(parts, shifts, strict=True)]
        return Lists(np.concatenate(offsets), np.concatenate([part.values for part in parts]))


def concatenated(parts: Sequence[Columns]) -> Columns:
    """The rows of several tables with the same columns, one after another.

    Examples
    --------
    >>> joined = concatenated([{"a": np.array([1])}, {"a": np.array([2, 3])}])
    >>> joined["a"].tolist()
    [1, 2, 3]
    """
    return {
        name: Lists.concatenated([part[name] for part in parts])
        if isinstance(first, Lists)
        else np.concatenate([part[name] for part in parts])
        for name, first in parts[0].items()
    }


def taken(columns: Columns, rows: np.ndarray) -> Columns:
    """The rows ``rows`` of a table, in that order."""
    return {name: values.taken(rows) if isinstance(values, Lists) else values[rows] for name, values in columns.items()}


def labelled_columns(labels: np.ndarray, predicted: np.ndarray) -> Columns:
    """The issue table's columns of rows given ``labels`` and predicted ``predicted``.

    Examples
    --------
    >>> labelled_columns(np.array([0]), np.array([1]))["predicted_label"].tolist()
    [1]
    """
    return {"given_label": labels.astype(np.int64), "predicted_label": predicted.astype(np.int64)}
