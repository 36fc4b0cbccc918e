"""The batched search (cleanlab's ``find_label_issues_batched``), as lazy
parts, written once for any :class:`~dlq.kernels.problems.Problems`.

A problem's issues are the rows whose prediction disagrees with their label
among its k lowest scores, k being its estimated number of issues, found by
:mod:`dlq.graphs.select`. Multi-class data is one such problem, whose
issues are ranked by those scores; multi-label data K of them, whose issues
are united (and ranked by an aggregated score, if asked).
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
from dlq.graphs.rows import by_index, chunk_mask, issue_mask, issue_piece
from dlq.graphs.sources import reread
from dlq.kernels import sets
from dlq.kernels.batched import BatchedChunk, Ranking, counts_under
from dlq.kernels.columns import Columns
from dlq.kernels.keys import FIRST_ROUND_BITS, round_bits
from dlq.kernels.lowest import KEPT_WHOLE, Entries, Lowest
from dlq.kernels.problems import Problems
from dlq.kernels.select import READ_ROUNDS, Histogram, histogram


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


class RankingOf(NamedTuple):
    """How the batched search of K problems ranks the union of their issues:
    ``method``'s scores, adjusted by thresholds with
    ``absent_class_threshold`` for a side no example has (unadjusted when
    None), aggregated by ``aggregate``."""

    method: str
    absent_class_threshold: float | None
    aggregate: Callable[[np.ndarray], np.ndarray]


class Batched(NamedTuple):
    """The lazy parts of a batched search.

    ``thresholds`` are the search's, ``num_issues`` each problem's estimate,
    ``issues`` the issue indices (ranked, unless K problems' union is not;
    ``ranked`` the same with their scores, a :class:`Lowest`), ``scores``
    the ranking's scores, ``mask`` True at the issues; ``unnormalized``
    counts rows not summing to 1 (multi-class), ``per_problem`` holds each
    problem's issues, worst first; ``records`` are the chunks' records of the
    search's read, for chunks of ``rows`` rows, ``chunk_issues`` each
    chunk's own issues (a :class:`Lowest` per chunk, of every problem) and
    ``chunk_ranked`` what ``ranked`` is made of, each chunk's part.
    """

    thresholds: Delayed
    num_issues: Delayed
    issues: Delayed
    ranked: Delayed | None
    scores: da.Array | None
    mask: da.Array
    unnormalized: Delayed | None
    per_problem: Delayed
    records: da.Array
    rows: tuple[int, ...]
    chunk_issues: da.Array
    chunk_ranked: da.Array | None


def _chunk(
    labels: np.ndarray,
    pred_probs: np.ndarray,
    offset: int,
    problems: Problems,
    thresholds: np.ndarray | None,
    method: str,
    adjust: bool,
    ranking: Ranking | None,
    store: ScanStore | None,
) -> BatchedChunk:
    """A chunk's record of the search; with a ``store``, its scores and
    candidate flags are written there instead of kept."""
    record = problems.batched_chunk(
        labels, pred_probs, offset, thresholds, method=method, adjust=adjust, ranking=ranking
    )
    if store is None:
        return record
    (entries,) = record.entries
    rows = slice(offset, offset + entries.scores.shape[0])
    store.scores[rows] = entries.scores[:, 0]
    store.is_label_issue[rows] = ~entries.agrees[:, 0]  # until the selection narrows it down
    return record._replace(entries=None)


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


def _marked(written: Any, found: Lowest, store: ScanStore, start: int, stop: int) -> int:
    """Mark the chunk's own issues (``found``) in the store's rows ``start:stop`` as its only ones; how many."""
    mask = chunk_mask(found, start, stop)
    store.is_label_issue[start:stop] = mask
    return int(mask.sum())


def _once_marked(found: Lowest, marked: int) -> Lowest:
    return found


def _stored_scores(written: Any, store: ScanStore, start: int, stop: int) -> np.ndarray:
    return store.scores[start:stop]


def _chunk_scores(record: BatchedChunk, thresholds: np.ndarray) -> np.ndarray:
    """A chunk's scores, once ``thresholds`` say the data are valid."""
    return record.entries[0].scores[:, 0]


def _union_scores(record: BatchedChunk, found: Lowest, start: int, stop: int) -> Lowest:
    """The chunk's issues of any problem (``found``), once each, with their ranking's scores."""
    rows = sets.unique(found.indices)
    scores = record.rank_scores[rows - start]
    size = rows.shape[0]
    return Lowest(np.zeros(size, np.int64), scores, rows, np.zeros(size, bool), np.full(size, KEPT_WHOLE))


def batched_search(
    problems: Problems,
    labels: da.Array,
    pred_probs: da.Array,
    *,
    method: str,
    absent_class_threshold: float,
    adjust: bool = False,
    estimation_method: str = "off_diagonal",
    store: ScanStore | None = None,
    ranking: RankingOf | None = None,
) -> Batched:
    """The batched search of every problem as one lazy graph.

    Pass 1 reduces the thresholds (``absent_class_threshold`` for a class no
    example is given). Pass 2 maps each chunk to its record
    (:meth:`~dlq.kernels.problems.Problems.batched_chunk`): scores under
    ``method`` (adjusted by the thresholds if ``adjust``), issue counts, the
    selection's first histogram and the entries kept. Where the problems
    allow (:meth:`~dlq.kernels.problems.Problems.counts_later`), both passes
    run in one read, each chunk keeping what counts its issues until the
    thresholds are known. Each problem's issues are then selected: from the
    entries kept in memory, made again from a read where a chunk kept too
    few, or, with a ``store`` (one problem), written there by pass 2 and read
    back by every round, the issues marked there at the end. One problem's
    issues are ranked by the search's scores; K problems' are united, and
    ranked by ``ranking`` if given.
    """
    rows = pred_probs.chunks[0]
    cells = np.arange(problems.shape(pred_probs.shape[1])[0])
    rank_thresholds = None
    if problems.counts_later(adjust=adjust, estimation_method=estimation_method):
        records = per_chunk(_chunk, labels, pred_probs, problems, None, method, adjust, None, store)
        partials = tree(records, part="partials", combine=problems.combine_partials)
        thresholds = step(validated_thresholds, problems, partials, absent_class_threshold)
        counts = tree(per_record(counts_under, records, args=(thresholds,)), sum_arrays)
    else:
        partials, thresholds = threshold_pass(
            problems, labels, pred_probs, absent_class_threshold=absent_class_threshold
        )
        if ranking is not None and ranking.absent_class_threshold is not None:
            rank_thresholds = step(validated_thresholds, problems, partials, ranking.absent_class_threshold)
        ranked_by = None if ranking is None else step(Ranking, ranking.method, rank_thresholds, ranking.aggregate)
        records = per_chunk(_chunk, *reread(labels, pred_probs), problems, thresholds, method, adjust, ranked_by, store)
        counts = tree(records, part="counts", combine=sum_arrays)
    num_issues = step(problems.num_issues, counts, estimation_method=estimation_method)
    first = tree(records, part="histogram", combine=Histogram.summed)
    # a first round of 16 bits leaves few entries in each cell's bin: the look
    # that settles the selection sorts them, which costs less than a round
    rounds = 1 if round_bits(0, cells.shape[0]) == FIRST_ROUND_BITS else READ_ROUNDS
    if store is not None:

        def over(function: Callable[..., Any], args: tuple) -> da.Array:
            return per_record(_on_stored, records, args=(store, function, *args), rows=rows)

        rounds = READ_ROUNDS  # every round reads the store: two rounds, then a look that settles the issues
    elif problems.keeps_every_entry:
        over = select.held(field(records, "entries"))
    else:  # later looks use the entries each chunk kept, and read again where they were not enough
        over = select.kept_or_read(records, labels, pred_probs, problems.search_entries, method)
    found, chunk_issues = select.selection(
        over, cells, num_issues, rounds=rounds, issues_only=True, first_histogram=first
    )
    if store is not None:  # one write of the marks, each chunk its own
        marked = tree(per_record(_marked, records, chunk_issues, args=(store,), rows=rows), sum)
        found = step(_once_marked, found, marked)
    mask = issue_mask(chunk_issues, rows)
    if cells.shape[0] == 1:  # one problem: its issues ranked by the search's scores
        ranked = step(Lowest.ranked, found)
        issues = step(attrgetter("indices"), ranked)
        per_problem = step(Lowest.per_cell, ranked, cells)  # in order already: one pass, not a second sort
        if store is not None:
            chunk_scores = per_record(_stored_scores, records, args=(store,), rows=rows)
        else:
            chunk_scores = per_record(_chunk_scores, records, args=(thresholds,))
        scores = as_rows(chunk_scores, rows, problems.score_type(pred_probs.dtype, method, adjusted=adjust))
        chunk_ranked = chunk_issues
    else:  # K problems: their issues united (each chunk its own), ranked by the ranking's scores if asked
        per_problem = step(Lowest.per_cell, found, cells)
        issues = step(sets.union, per_problem)
        ranked, scores, chunk_ranked = None, None, None
        if ranking is not None:
            scores = as_rows(field(records, "rank_scores"), rows, np.float64)
            chunk_ranked = per_record(_union_scores, records, chunk_issues, rows=rows)
            ranked = step(Lowest.ranked, tree(chunk_ranked, Lowest.merged))
            issues = step(attrgetter("indices"), ranked)
    return Batched(
        thresholds=thresholds,
        num_issues=num_issues,
        issues=issues,
        ranked=ranked,
        scores=scores,
        mask=mask,
        unnormalized=step(problems.unnormalized, partials),
        per_problem=per_problem,
        records=records,
        rows=rows,
        chunk_issues=chunk_issues,
        chunk_ranked=chunk_ranked,
    )


def _issue_piece(record: BatchedChunk, found: Lowest, start: int, stop: int) -> Columns:
    return issue_piece(by_index(found), start, stop, record.mispredicted.issue_columns)


def issue_pieces(search: Batched) -> da.Array:
    """The issue table's rows of each chunk's issues, from a batched search
    of one problem (see :func:`dlq.graphs.rows.issue_pieces`), from the
    mispredicted rows each chunk's record keeps and the chunk's own issues:
    no task needs the others' issues, and the data are not read again."""
    return per_record(_issue_piece, search.records, search.chunk_issues, rows=search.rows)
