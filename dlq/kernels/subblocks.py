"""One-vs-rest arithmetic a sub-block of rows at a time, so that the (n, K)
float64 temporaries stay in cache: the aggregated scores and what the batched
search needs of a chunk."""

from __future__ import annotations

from collections.abc import Callable
from typing import NamedTuple

import numpy as np

from dlq.kernels.bounds import bounds_within
from dlq.kernels.candidates import issue_candidates
from dlq.kernels.lowest import Entries
from dlq.kernels.onevsrest import per_class_scores
from dlq.kernels.select import Histogram, first_histogram

#: Rows of a chunk are processed this many bytes of (n, K) float64 at a time,
#: so that the temporaries of the one-vs-rest arithmetic stay in cache.
SUB_BLOCK_BYTES = 2**21


def sub_blocks(n_rows: int, num_classes: int) -> list[slice]:
    """Row slices of about :data:`SUB_BLOCK_BYTES` of (n, K) float64 each.

    Examples
    --------
    >>> sub_blocks(5, 2**18)
    [slice(0, 1, None), slice(1, 2, None), slice(2, 3, None), slice(3, 4, None), slice(4, 5, None)]
    """
    step = max(1, SUB_BLOCK_BYTES // (8 * max(num_classes, 1)))
    return [slice(start, start + step) for start in range(0, n_rows, step)] or [slice(0, 0)]


def aggregated_scores(
    labels: np.ndarray,
    pred_probs: np.ndarray,
    *,
    method: str,
    thresholds: np.ndarray | None,
    aggregate: Callable[[np.ndarray], np.ndarray],
) -> np.ndarray:
    """``aggregate`` of :func:`per_class_scores`, one sub-block of rows at a time, shape (n,).

    Examples
    --------
    >>> aggregated_scores(np.array([[0, 1]]), np.array([[0.1, 0.6]]), method="self_confidence", thresholds=None,
    ...                   aggregate=lambda scores: scores.min(axis=1)).round(3).tolist()
    [0.6]
    """
    return np.concatenate(
        [
            aggregate(per_class_scores(labels[rows], pred_probs[rows], method=method, thresholds=thresholds))
            for rows in sub_blocks(*pred_probs.shape)
        ]
    )


#: The batched search keeps each class's lowest entries of a chunk, in whole
#: bins of the selection's first round, up to this many times the chunk's
#: issues of that class: what is held stays a few bytes per issue.
KEPT_PER_ISSUE = 8


class BatchedPass(NamedTuple):
    """What the batched search keeps of a chunk's K binary problems."""

    prune: np.ndarray  # (K,) rows confidently predicted as the other side
    rank_scores: np.ndarray | None  # (n,) the ranking's aggregated scores
    histogram: Histogram | None = None  # the selection's first round over the K classes' scores
    entries: list[Entries] | None = None  # every entry scoring below its class's ``kept_below``
    kept_below: np.ndarray | None = None  # (K,)


def batched_pass(
    labels: np.ndarray,
    pred_probs: np.ndarray,
    offset: int,
    thresholds: np.ndarray,
    method: str,
    rank_method: str | None,
    rank_thresholds: np.ndarray | None,
    rank_aggregate: Callable[[np.ndarray], np.ndarray],
) -> BatchedPass:
    """Pass 2 of the batched search over a chunk, one sub-block at a time: each
    class's count of rows confidently predicted as the other side, the
    selection's first histogram of each class's scores under ``method``
    (the entries of :func:`ranking_entries`), and the ranking scores
    (``rank_method`` adjusted by ``rank_thresholds`` and aggregated by
    ``rank_aggregate``) when ``rank_method`` is given. The histogram counts
    the entries that may be issues (:func:`ranking_entries`); each class's
    lowest of those (rows from ``offset``) are kept in whole bins of it, up
    to :data:`KEPT_PER_ISSUE` times the chunk's issues of the class
    (:func:`~dlq.kernels.bounds.bounds_within`).

    Examples
    --------
    >>> found = batched_pass(np.array([[1], [0]]), np.array([[0.1], [0.2]]), 5, np.full((2, 1), 0.5),
    ...                      "self_confidence", None, None, None)
    >>> found.prune.tolist(), int(found.histogram.counts.sum()), found.entries[0].rows().tolist()
    ([1], 1, [5])
    """
    num_classes = pred_probs.shape[1]
    classes = np.arange(num_classes)
    parts, held = [], []  # held: each sub-block's first row and its candidates, until the bounds
    for rows in sub_blocks(*pred_probs.shape):
        y, p = labels[rows], pred_probs[rows]
        first_row = rows.start + offset
        found = issue_candidates(y, p, method, thresholds)
        held.append((first_row, found.held()))
        rank_scores = None
        if rank_method is not None:
            same = rank_method == method and rank_thresholds is None
            per_class = found.scores if same else per_class_scores(y, p, method=rank_method, thresholds=rank_thresholds)
            rank_scores = rank_aggregate(per_class)
        parts.append(BatchedPass(found.prune, rank_scores))
    prune = np.sum([part.prune for part in parts], axis=0)
    # one histogram of the chunk, its entries made a sub-block at a time as it takes them
    histogram = first_histogram((part.entries(first_row) for first_row, part in held), classes)
    kept_below = bounds_within(histogram, KEPT_PER_ISSUE * prune, np.dtype(np.float64))
    kept = [part.entries(first_row, kept_below) for first_row, part in held]
    return BatchedPass(
        prune=prune,
        rank_scores=None if rank_method is None else np.concatenate([part.rank_scores for part in parts]),
        histogram=histogram,
        entries=[_joined(kept)],
        kept_below=kept_below,
    )


def _joined(parts: list[Entries]) -> Entries:
    """Entries of one cell per entry, in one."""
    return Entries(
        *(np.concatenate([getattr(part, field) for part in parts]) for field in Entries.__dataclass_fields__)
    )


def ranking_entries(labels: np.ndarray, pred_probs: np.ndarray, offset: int, method: str) -> list[Entries]:
    """The batched search's entries of a chunk: each class's scores under
    ``method`` (cell k for class k) and whether each binary prediction agrees
    with its label, one sub-block at a time; only those at most the method's
    :data:`~dlq.kernels.candidates.ISSUE_SCORE_CEILING`, if it has one.

    Examples
    --------
    >>> labels, pred_probs = np.array([[1], [0]]), np.array([[0.1], [0.2]])
    >>> [entries] = ranking_entries(labels, pred_probs, 5, "confidence_weighted_entropy")
    >>> entries.rows().tolist(), entries.agrees[:, 0].tolist()
    ([5, 6], [False, True])
    >>> [entries] = ranking_entries(labels, pred_probs, 5, "self_confidence")  # 0.8 is no issue's score
    >>> entries.scores[:, 0].round(3).tolist(), entries.rows().tolist()
    ([0.1], [5])
    """
    parts = [
        issue_candidates(labels[rows], pred_probs[rows], method).entries(rows.start + offset)
        for rows in sub_blocks(*pred_probs.shape)
    ]
    return [_joined(parts)]
