"""The entries of K binary problems that may be issues of the batched
multi-label search, and the issue counts that only they decide.

Under self-confidence and the normalized margin, an entry whose binary
prediction is not its label scores at most 1/2: its given side is the less
likely one. A class's issues are its lowest-scoring entries, no more than
it has such entries, so they all score at most 1/2. The search looks at no
entry above, and what it asks of an entry beyond its score (its prediction,
whether that agrees with the label, whether it is confident) is worked out
for those few entries only, each as it would be among all.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from dlq.kernels import multiclass
from dlq.kernels.lowest import Entries
from dlq.kernels.onevsrest import given_side, per_class_scores, prediction_agrees

#: The highest score an issue can have, by method.
ISSUE_SCORE_CEILING = {"self_confidence": 0.5, "normalized_margin": 0.5}


class Candidates(NamedTuple):
    """What the batched search takes of some rows: the entries that may be issues."""

    rows: np.ndarray  # each candidate's row among the rows given
    classes: np.ndarray  # and its class
    entry_scores: np.ndarray  # their scores, float64
    agrees: np.ndarray  # whether their prediction agrees with their label
    scores: np.ndarray | None  # (n, K) every entry's score, float64
    prune: np.ndarray | None  # (K,) rows confidently predicted as the other side, given thresholds

    def held(self) -> Candidates:
        """The candidates alone, 17 bytes each (rows and classes in 32 bits:
        a sub-block has fewer rows), to keep until a chunk's bounds are known."""
        return self._replace(rows=self.rows.astype(np.int32), classes=self.classes.astype(np.int32), scores=None)

    def entries(self, first_row: int, bounds: np.ndarray | None = None) -> Entries:
        """The candidates, or those scoring below their class's ``bounds``,
        as entries of one cell (class) each, rows from ``first_row``.

        Examples
        --------
        >>> found = issue_candidates(np.array([[1, 0]]), np.array([[0.1, 0.2]]), "self_confidence")
        >>> found.entries(7).rows().tolist(), found.entries(7, np.array([0.05, 1.0])).rows().tolist()
        ([7], [])
        """
        rows, classes, scores, agrees = self.rows, self.classes, self.entry_scores, self.agrees
        if bounds is not None:
            kept = np.flatnonzero(scores < bounds[classes])
            rows, classes, scores, agrees = rows[kept], classes[kept], scores[kept], agrees[kept]
        cells = classes.astype(np.int64)[:, None]
        return Entries(scores[:, None], cells, rows.astype(np.int64) + first_row, agrees[:, None])


def issue_candidates(
    labels: np.ndarray, pred_probs: np.ndarray, method: str, thresholds: np.ndarray | None = None
) -> Candidates:
    """The entries of ``labels`` and ``pred_probs`` (n, K) that score at most
    ``method``'s :data:`ISSUE_SCORE_CEILING` (every entry, under a method
    without one), and whether their prediction agrees with their label;
    every entry's score; and given the (2, K) ``thresholds``, each class's
    count of rows confidently predicted as the side that is not their label
    (each such entry is a candidate, so these are the counts of every entry).

    Examples
    --------
    >>> labels, pred_probs = np.array([[1], [0]]), np.array([[0.1], [0.2]])
    >>> found = issue_candidates(labels, pred_probs, "self_confidence", np.full((2, 1), 0.5))
    >>> found.rows.tolist(), found.agrees.tolist(), found.prune.tolist()
    ([0], [False], [1])
    >>> issue_candidates(labels, pred_probs, "confidence_weighted_entropy").rows.tolist()
    [0, 1]
    """
    num_classes = pred_probs.shape[1]
    positive_label = labels.astype(bool)
    scores = per_class_scores(positive_label, pred_probs, method=method)
    ceiling = ISSUE_SCORE_CEILING.get(method)
    flat = np.arange(scores.size) if ceiling is None else np.flatnonzero(scores <= ceiling)
    rows, classes = np.divmod(flat, num_classes)
    # the candidates' sides, each worked out as among all entries (elementwise, the same values)
    taken = slice(None) if ceiling is None else flat  # every entry: flat views, no copies
    label, positive = positive_label.reshape(-1)[taken], pred_probs.reshape(-1)[taken]
    negative = 1 - positive
    predicted_positive = positive > negative  # ties go to the negative side
    predicted_prob = np.maximum(positive, negative)
    agrees = prediction_agrees(label, given_side(label, positive), predicted_positive, predicted_prob)
    prune = None
    if thresholds is not None:  # each entry's predicted side's threshold, by its class
        threshold_of_predicted = np.where(predicted_positive, thresholds[1][classes], thresholds[0][classes])
        confident = predicted_prob >= threshold_of_predicted - multiclass.FLOATING_POINT_COMPARISON
        prune = multiclass.confident_disagreement_counts(classes, label, predicted_positive, confident, num_classes)
    return Candidates(rows, classes, scores.reshape(-1)[taken], agrees, scores, prune)
