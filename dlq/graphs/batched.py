"""The batched searches (cleanlab's ``find_label_issues_batched``), as lazy parts.

A class's issues are the rows whose prediction disagrees with their label
among its k lowest scores, k being the estimated number of issues. The
multi-class search is one such ranking; the multi-label search K of them,
one per one-vs-rest problem, whose issues are united. Both find each k-th
lowest by :mod:`dlq.graphs.select`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from operator import attrgetter
from typing import Any, NamedTuple

import dask.array as da
import numpy as np
from dask.delayed import Delayed

from dlq.graphs import select
from dlq.graphs.blocks import as_rows, field, per_chunk, per_record, step, sum_arrays, tree
from dlq.graphs.passes import threshold_pass, validated_thresholds
from dlq.graphs.rows import RowColumns, in_ranked_order, inside, mask_block, row_mask, sorted_indices
from dlq.graphs.sources import reread
from dlq.kernels import multiclass, sets, subblocks
from dlq.kernels.keys import FIRST_ROUND_BITS, round_bits
from dlq.kernels.lowest import KEPT_WHOLE, Entries, Lowest
from dlq.kernels.mispredicted import Mispredicted
from dlq.kernels.problems import MULTICLASS, ONE_VS_REST
from dlq.kernels.scores import label_quality_scores
from dlq.kernels.select import READ_ROUNDS, Histogram, first_histogram, histogram

#: The multi-class search ranks all rows in one cell.
_ONE_CELL = np.zeros(1, np.int64)


@dataclass(frozen=True)
class ScanStore:
    """Writable arrays (N,) chunked like the rows (zarr), which a scan fills as it goes."""

    scores: Any
    is_label_issue: Any


def regular_chunks(rows: tuple[int, ...]) -> bool:
    """Whether every chunk but a shorter last one has the first chunk's size,
    so that each can be written to its own chunks of a zarr array.

    Examples
    --------
    >>> regular_chunks((4, 4, 2)), regular_chunks((4, 2, 4))
    (True, False)
    """
    return all(size == rows[0] for size in rows[:-1]) and rows[-1] <= rows[0]


class Batched(NamedTuple):
    """The lazy parts of a batched search.

    ``thresholds`` are the search's, ``num_issues`` the estimate (one per
    problem for multi-label data), ``issues`` the ranked issue indices
    (``ranked`` the same with their scores, a :class:`Lowest`),
    ``scores`` the ranking's scores, ``mask`` True at the issues;
    ``unnormalized`` (multi-class) counts rows not summing to 1 and
    ``per_problem`` (multi-label) holds each class's issues, worst first;
    ``records`` (multi-class) are the per-chunk records of the search's
    read, for chunks of ``rows`` rows.
    """

    thresholds: Delayed
    num_issues: Delayed
    issues: Delayed
    ranked: Delayed
    scores: da.Array
    mask: da.Array
    unnormalized: Delayed | None = None
    per_problem: Delayed | None = None
    records: da.Array | None = None
    rows: tuple[int, ...] | None = None


class _ChunkScan(NamedTuple):
    partials: Any  # pass-1 partials, when this read is also pass 1
    counts: Any  # issue count partials, or the mispredicted rows (one read)
    histogram: Histogram  # the selection's first round
    entries: list[Entries] | None  # scores and agreement; None when stored
    mispredicted: Mispredicted  # the issue table's columns of any issue


def _scan_chunk(
    labels: np.ndarray,
    pred_probs: np.ndarray,
    offset: int,
    method: str,
    thresholds: np.ndarray | None,
    adjust: bool,
    store: ScanStore | None,
) -> _ChunkScan:
    """A chunk's part of the multi-class search; without ``thresholds`` this
    read is pass 1 too, and keeps the mispredicted rows to count them later."""
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
    histogram = first_histogram(entries, _ONE_CELL)
    if store is None:
        return _ChunkScan(partials, counts, histogram, entries, mispredicted)
    rows = slice(offset, offset + scores.shape[0])
    store.scores[rows] = scores
    store.is_label_issue[rows] = ~agrees  # until the selection narrows it down
    return _ChunkScan(partials, counts, histogram, None, mispredicted)


def _issue_columns(record: _ChunkScan, indices: np.ndarray, start: int, stop: int) -> RowColumns:
    rows = inside(indices, start, stop)
    return RowColumns(rows, record.mispredicted.issue_columns(rows - start))


def issue_table(search: Batched) -> Delayed:
    """The issue table of a multi-class batched search (see
    :func:`dlq.graphs.rows.issue_table`), from the mispredicted rows each
    chunk's record keeps: the data are not read again."""
    records = per_record(_issue_columns, search.records, args=(sorted_indices(search.ranked),), rows=search.rows)
    return in_ranked_order(records, search.ranked)


def _off_diagonal_counts(record: _ChunkScan, thresholds: np.ndarray) -> np.ndarray:
    return record.counts.off_diagonal_counts(thresholds)


def _stored_entries(store: ScanStore, start: int, stop: int, *, agreement: bool = True) -> list[Entries]:
    """The entries of rows ``start:stop`` read back from the store (their
    scores only, without ``agreement``)."""
    agrees = ~store.is_label_issue[start:stop] if agreement else None
    return [Entries.of_column(store.scores[start:stop], start, agrees)]


def _on_stored(written: Any, store: ScanStore, function: Callable[..., Any], *args_and_rows: Any) -> Any:
    """``function(entries, *args)`` of a chunk's entries read back from the
    store, in one task (``written`` orders the read after the write); a
    histogram round counts scores, and reads no flags."""
    *args, start, stop = args_and_rows
    return function(_stored_entries(store, start, stop, agreement=function is not histogram), *args)


def _marked(written: Any, store: ScanStore, issues: np.ndarray, start: int, stop: int) -> int:
    """Mark the ``issues`` (sorted) among rows ``start:stop`` in the store as its only ones; how many."""
    mask = mask_block(issues, start, stop)
    store.is_label_issue[start:stop] = mask
    return int(mask.sum())


def _ranked_once_marked(issues: Lowest, marked: int) -> Lowest:
    return issues.ranked()


def _stored_scores(written: Any, store: ScanStore, start: int, stop: int) -> np.ndarray:
    return store.scores[start:stop]


def _chunk_scores(entries: list[Entries], thresholds: np.ndarray) -> np.ndarray:
    """A chunk's scores, once ``thresholds`` say the data are valid."""
    return entries[0].scores[:, 0]


def multiclass_scan(
    labels: da.Array,
    pred_probs: da.Array,
    *,
    method: str,
    adjust: bool,
    estimation_method: str,
    absent_class_threshold: float,
    store: ScanStore | None = None,
) -> Batched:
    """The multi-class batched search as one lazy graph.

    Pass 1 reduces thresholds. Pass 2 maps each chunk to scores, issue count
    partials, the first histogram of the selection and whether each row's
    prediction agrees with its label. Unadjusted scores need no thresholds,
    and the off-diagonal count needs only the mispredicted rows' labels,
    predicted classes and probabilities: then both passes run in one read,
    keeping that summary until the thresholds are known. Without a ``store``
    the scores stay in memory until the selection; with one, pass 2 writes
    them there and every selection round reads them back.
    """
    rows = pred_probs.chunks[0]
    if not adjust and estimation_method == "off_diagonal":
        records = per_chunk(_scan_chunk, labels, pred_probs, method, None, False, store)
        partials = tree(records, part="partials", combine=multiclass.combine_threshold_partials)
        thresholds = step(validated_thresholds, MULTICLASS, partials, absent_class_threshold)
        counts = per_record(_off_diagonal_counts, records, args=(thresholds,))
        num_issues = step(multiclass.num_off_diagonal_issues, tree(counts, sum_arrays))
    else:
        partials, thresholds = threshold_pass(
            MULTICLASS, labels, pred_probs, absent_class_threshold=absent_class_threshold
        )
        records = per_chunk(_scan_chunk, *reread(labels, pred_probs), method, thresholds, adjust, store)
        num_issues = step(
            multiclass.num_label_issues,
            tree(records, part="counts", combine=sum_arrays),
            estimation_method=estimation_method,
        )
    first = tree(records, part="histogram", combine=Histogram.summed)
    counts_per_cell = step(np.atleast_1d, num_issues)
    score_type = MULTICLASS.score_type(pred_probs.dtype, method, adjusted=adjust)
    if store is None:
        entries = field(records, "entries")
        # the first round (16 bits for one cell) leaves few held entries in the
        # cut's bin: one look settles them, which costs less than a round over every chunk
        found = select.selection(
            select.held(entries), _ONE_CELL, counts_per_cell, rounds=1, issues_only=True, first_histogram=first
        )
        ranked = step(Lowest.ranked, found)
        scores = as_rows(per_record(_chunk_scores, entries, args=(thresholds,)), rows, score_type)
    else:

        def read_back(function: Callable[..., Any], args: tuple) -> da.Array:
            return per_record(_on_stored, records, args=(store, function, *args), rows=rows)

        # two rounds and a look that settles the issues, then one write of the marks
        found = select.selection(
            read_back, _ONE_CELL, counts_per_cell, rounds=READ_ROUNDS, issues_only=True, first_histogram=first
        )
        marked = tree(per_record(_marked, records, args=(store, sorted_indices(found)), rows=rows), sum)
        ranked = step(_ranked_once_marked, found, marked)
        scores = as_rows(per_record(_stored_scores, records, args=(store,), rows=rows), rows, score_type)
    indices = step(attrgetter("indices"), ranked)
    return Batched(
        thresholds=thresholds,
        num_issues=num_issues,
        issues=indices,
        ranked=ranked,
        scores=scores,
        mask=row_mask(indices, rows),
        unnormalized=step(attrgetter("unnormalized"), partials),
        records=records,
        rows=rows,
    )


def _union_scores(found: subblocks.BatchedPass, union: np.ndarray, start: int, stop: int) -> Lowest:
    rows = inside(union, start, stop)
    scores = found.rank_scores[rows - start]
    size = rows.shape[0]
    return Lowest(np.zeros(size, np.int64), scores, rows, np.zeros(size, bool), np.full(size, KEPT_WHOLE))


def multilabel_scan(
    labels: da.Array,
    pred_probs: da.Array,
    *,
    method: str,
    absent_class_threshold: float,
    ranked_by: str | None,
    rank_absent_class_threshold: float | None,
    rank_aggregate: Callable[[np.ndarray], np.ndarray],
) -> Batched:
    """The batched search of every one-vs-rest problem.

    Pass 1 computes each problem's thresholds (``absent_class_threshold`` for
    a side no example has). Pass 2 counts each problem's off-diagonal
    issues and takes the selection's first histogram round; each class's
    issues are the rows that disagree among its that many lowest scores
    under ``method`` (the search's), selected by the first histogram round
    (taken in pass 2) and one more look at the entries; with more than 64
    classes, whose first round resolves only 8 bits, one more round comes
    between (:data:`~dlq.kernels.select.READ_ROUNDS` rounds in all). Pass 2
    keeps each class's lowest entries of its chunk, up to
    :data:`~dlq.kernels.subblocks.KEPT_PER_ISSUE` times the chunk's issues;
    a later look reads a chunk again, scoring it anew, only where those
    fall short of what the cut needs. The issues of all classes are
    united and, given ``ranked_by``, ranked by the multi-label score under
    that method, adjusted by thresholds with ``rank_absent_class_threshold``
    for an absent side when that is given, aggregated by ``rank_aggregate``.
    """
    rows = pred_probs.chunks[0]
    num_classes = pred_probs.shape[1]
    pass1 = threshold_pass(ONE_VS_REST, labels, pred_probs, absent_class_threshold=absent_class_threshold)
    rank_thresholds = None
    if ranked_by is not None and rank_absent_class_threshold is not None:
        rank_thresholds = step(validated_thresholds, ONE_VS_REST, pass1.partials, rank_absent_class_threshold)
    records = per_chunk(
        subblocks.batched_pass,
        *reread(labels, pred_probs),
        pass1.thresholds,
        method,
        ranked_by,
        rank_thresholds,
        rank_aggregate,
    )
    num_issues = tree(records, part="prune", combine=sum_arrays)
    cells = np.arange(num_classes)
    # later looks use the entries that pass 2 kept, when few, and read again where they were not enough
    over = select.kept_or_read(records, labels, pred_probs, subblocks.ranking_entries, method)
    first = tree(records, part="histogram", combine=Histogram.summed)
    # a first round of 16 bits leaves few entries in each class's bin: the
    # look that settles the selection sorts them, which costs less than a read
    rounds = 1 if round_bits(0, num_classes) == FIRST_ROUND_BITS else READ_ROUNDS
    found = select.selection(over, cells, num_issues, rounds=rounds, issues_only=True, first_histogram=first)
    per_problem = step(Lowest.per_cell, found, cells)
    union = step(sets.union, per_problem)
    issues, ranked, scores = union, None, None
    if ranked_by is not None:
        scores = as_rows(field(records, "rank_scores"), rows, np.float64)
        ranked = step(Lowest.ranked, tree(per_record(_union_scores, records, args=(union,), rows=rows), Lowest.merged))
        issues = step(attrgetter("indices"), ranked)
    return Batched(
        thresholds=pass1.thresholds,
        num_issues=num_issues,
        issues=issues,
        ranked=ranked,
        scores=scores,
        mask=row_mask(union, rows),
        per_problem=per_problem,
    )
