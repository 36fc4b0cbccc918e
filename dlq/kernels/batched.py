"""What the batched search takes of a chunk, in one record for either shape
of problems: the pass-1 partials when its read is pass 1 too, the issue
counts, the selection's first histogram, the entries it keeps, and what the
issue table and the ranking need."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, NamedTuple

import numpy as np

from dlq.kernels import multiclass
from dlq.kernels.lowest import Entries
from dlq.kernels.mispredicted import Mispredicted
from dlq.kernels.scores import label_quality_scores
from dlq.kernels.select import Histogram, first_histogram
from dlq.kernels.subblocks import batched_pass

#: One problem's rows are one cell of the selection.
ONE_CELL = np.zeros(1, np.int64)


class Ranking(NamedTuple):
    """How the union of K problems' issues is ranked: ``method``'s scores,
    adjusted by ``thresholds`` unless None, aggregated by ``aggregate``."""

    method: str
    thresholds: np.ndarray | None
    aggregate: Callable[[np.ndarray], np.ndarray]


class BatchedChunk(NamedTuple):
    """What the batched search keeps of a chunk.

    ``counts`` are the issue counts under the thresholds (:func:`counts_under`
    sums them), or, read before the thresholds are known, the mispredicted
    rows that count them then; ``entries`` are every row's scores and
    agreement, or each problem's lowest below ``kept_below`` (None: all
    kept); ``mispredicted`` gives the issue table's columns of any issue
    (one problem), ``rank_scores`` the ranking's scores (K problems).
    """

    partials: Any
    counts: Any
    histogram: Histogram
    entries: list[Entries] | None
    kept_below: np.ndarray | None = None
    mispredicted: Mispredicted | None = None
    rank_scores: np.ndarray | None = None


def counts_under(record: BatchedChunk, thresholds: np.ndarray) -> np.ndarray:
    """A chunk's issue counts: those counted with it, or its mispredicted
    rows' off-diagonal counts under ``thresholds``.

    Examples
    --------
    >>> labels, pred_probs = np.array([0, 1]), np.array([[0.2, 0.8], [0.3, 0.7]])
    >>> record = multiclass_chunk(labels, pred_probs, 0, None, "self_confidence", False)
    >>> counts_under(record, np.array([0.5, 0.5])).tolist()
    [1, 0]
    """
    if isinstance(record.counts, Mispredicted):
        return record.counts.off_diagonal_counts(thresholds)
    return record.counts


def multiclass_chunk(
    labels: np.ndarray, pred_probs: np.ndarray, offset: int, thresholds: np.ndarray | None, method: str, adjust: bool
) -> BatchedChunk:
    """A chunk's part of the multi-class search: every row's score under
    ``method`` (adjusted by ``thresholds`` if ``adjust``) and whether its
    prediction agrees with its label, the first histogram of the one cell,
    the mispredicted rows, and the issue count partials under
    ``thresholds``; without them this read is pass 1 too (its partials
    kept), and the mispredicted rows count the issues later.

    Examples
    --------
    >>> labels, pred_probs = np.array([0, 1]), np.array([[0.2, 0.8], [0.3, 0.7]])
    >>> record = multiclass_chunk(labels, pred_probs, 4, None, "self_confidence", False)
    >>> record.entries[0].rows().tolist(), record.mispredicted.rows.tolist()
    ([4, 5], [0])
    """
    partials = None
    rows = multiclass.summarized_rows(labels, pred_probs, predicted=True)  # one pass over the rows
    if thresholds is None:
        partials = multiclass.threshold_partials(labels, pred_probs, offset, rows)
        if partials.invalid:  # the thresholds will raise; score nothing, but keep every part well formed
            labels, pred_probs = labels[:0], pred_probs[:0]
            rows = multiclass.summarized_rows(labels, pred_probs, predicted=True)
    scores = label_quality_scores(
        labels, pred_probs, method=method, thresholds=thresholds if adjust else None, given_prob=rows.given_prob
    )
    predicted = (rows.predicted, rows.predicted_prob)
    agrees = multiclass.prediction_agrees(labels, pred_probs, predicted, rows.given_prob)
    mispredicted = Mispredicted.of(labels, predicted)
    counts = mispredicted
    if thresholds is not None:
        counts = multiclass.issue_count_partials(labels, pred_probs, thresholds, predicted)
    entries = [Entries.of_column(scores, offset, agrees)]
    return BatchedChunk(partials, counts, first_histogram(entries, ONE_CELL), entries, mispredicted=mispredicted)


def one_vs_rest_chunk(
    labels: np.ndarray,
    pred_probs: np.ndarray,
    offset: int,
    thresholds: np.ndarray,
    method: str,
    ranking: Ranking | None,
) -> BatchedChunk:
    """A chunk's part of the search of K binary problems
    (:func:`dlq.kernels.subblocks.batched_pass`): each class's count of rows
    confidently predicted as the other side, the first histogram, each
    class's lowest entries, and the ranking's scores if ``ranking``.

    Examples
    --------
    >>> record = one_vs_rest_chunk(np.array([[1], [0]]), np.array([[0.1], [0.2]]), 5, np.full((2, 1), 0.5),
    ...                            "self_confidence", None)
    >>> record.counts.tolist(), record.entries[0].rows().tolist()
    ([1], [5])
    """
    rank_method, rank_thresholds, aggregate = ranking if ranking is not None else (None, None, None)
    found = batched_pass(labels, pred_probs, offset, thresholds, method, rank_method, rank_thresholds, aggregate)
    return BatchedChunk(
        None, found.prune, found.histogram, found.entries, kept_below=found.kept_below, rank_scores=found.rank_scores
    )
