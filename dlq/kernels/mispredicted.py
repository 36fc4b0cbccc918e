"""The rows of a chunk whose prediction is not their label: what the
one-read batched scan keeps of a chunk until the thresholds are known."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from dlq.kernels.columns import Columns, labelled_columns
from dlq.kernels.multiclass import confident_disagreement_counts, confidently_predicted


@dataclass(frozen=True)
class Mispredicted:
    """The rows of a chunk whose argmax class is not their label (their
    positions in the chunk, labels, argmax classes and probabilities): all
    that the off-diagonal issue count needs of them once the thresholds are
    known, and the issue table's columns of any issue among them (every row
    whose prediction disagrees with its label is one of them)."""

    rows: np.ndarray
    labels: np.ndarray
    predicted_class: np.ndarray
    predicted_prob: np.ndarray

    @classmethod
    def of(cls, labels: np.ndarray, predicted: tuple[np.ndarray, np.ndarray]) -> Mispredicted:
        rows = np.flatnonzero(predicted[0] != labels)
        return cls(
            rows.astype(np.int32),
            labels[rows].astype(np.int32),
            predicted[0][rows].astype(np.int32),
            predicted[1][rows],
        )

    def issue_columns(self, rows: np.ndarray) -> Columns:
        """:func:`issue_columns` of the chunk's rows at positions ``rows``
        (sorted), each of them mispredicted.

        Examples
        --------
        >>> from dlq.kernels.multiclass import predicted_class
        >>> labels, pred_probs = np.array([0, 0, 1]), np.array([[.2, .8], [.9, .1], [.6, .4]])
        >>> found = Mispredicted.of(labels, predicted_class(pred_probs)).issue_columns(np.array([2]))
        >>> {name: values.tolist() for name, values in found.items()}
        {'given_label': [1], 'predicted_label': [0]}
        """
        at = np.searchsorted(self.rows, rows)
        if not np.array_equal(self.rows[np.minimum(at, self.rows.shape[0] - 1)], rows):
            raise ValueError("issue_columns: a row is not among the chunk's mispredicted rows")
        return labelled_columns(self.labels[at], self.predicted_class[at])

    def off_diagonal_counts(self, thresholds: np.ndarray) -> np.ndarray:
        """Per given class, the rows confidently predicted as another class:
        row 0 of :func:`issue_count_partials`.

        Examples
        --------
        >>> from dlq.kernels.multiclass import predicted_class
        >>> labels, pred_probs = np.array([0, 0, 1]), np.array([[.2, .8], [.9, .1], [.6, .4]])
        >>> Mispredicted.of(labels, predicted_class(pred_probs)).off_diagonal_counts(np.array([.5, .5])).tolist()
        [1, 1]
        """
        confident = confidently_predicted(self.predicted_class, self.predicted_prob, thresholds)
        return confident_disagreement_counts(self.labels, self.labels, self.predicted_class, confident, len(thresholds))
