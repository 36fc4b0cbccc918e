"""Rows by index: masks of found rows, and the found rows of an input, block by block."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import dask.array as da
import numpy as np
from dask.delayed import Delayed

from dlq.graphs import select
from dlq.graphs.blocks import (
    as_rows,
    concatenated,
    per_block,
    per_chunk,
    per_chunk_and_record,
    per_record,
    step,
    tree,
)
from dlq.graphs.sources import reread, rows_in_hand
from dlq.kernels.columns import Columns
from dlq.kernels.lowest import KEPT_WHOLE, Entries, Lowest
from dlq.kernels.problems import Problems
from dlq.kernels.select import ROUNDS


def inside(indices: np.ndarray, start: int, stop: int) -> np.ndarray:
    """Those of ``indices`` (global rows, sorted) from ``start`` to ``stop``:
    found by bisection, so that each chunk's look costs what it finds, not
    what all chunks found.

    Examples
    --------
    >>> inside(np.array([1, 5, 9]), 4, 9).tolist()
    [5]
    """
    return indices[np.searchsorted(indices, start) : np.searchsorted(indices, stop)]


def mask_block(indices: np.ndarray, start: int, stop: int) -> np.ndarray:
    """Rows ``start`` to ``stop`` of a boolean mask True at ``indices`` (sorted).

    Examples
    --------
    >>> mask_block(np.array([1, 5]), 4, 7).tolist()
    [False, True, False]
    """
    mask = np.zeros(stop - start, dtype=bool)
    mask[inside(indices, start, stop) - start] = True
    return mask


def _rows_in_block(
    block: np.ndarray, indices: np.ndarray, bounds: np.ndarray, block_info: dict | None = None
) -> np.ndarray:
    i = block_info[0]["chunk-location"][0]
    return block[inside(indices, bounds[i], bounds[i + 1]) - bounds[i]]


def take_rows(array: da.Array, indices: np.ndarray) -> da.Array:
    """The given rows (sorted, unique) of a row-chunked array, block by block
    (at once, when its rows are in hand: :func:`~dlq.graphs.sources.rows_in_hand`).

    Unlike fancy indexing, this leaves the input's tasks as they are, so keys
    already computed by an earlier pass stay the same tasks.

    Examples
    --------
    >>> take_rows(da.arange(10, chunks=4), np.array([1, 5, 9])).compute().tolist()
    [1, 5, 9]
    """
    in_hand = rows_in_hand(array)
    if in_hand is not None:
        return in_hand[indices]
    bounds = np.cumsum((0, *array.chunks[0]))
    counts = tuple(np.diff(np.searchsorted(indices, bounds)).tolist())
    return array.map_blocks(
        _rows_in_block, indices=indices, bounds=bounds, chunks=(counts, *array.chunks[1:]), dtype=array.dtype
    )


def _scored(indices: np.ndarray, scores: np.ndarray) -> Lowest:
    size = indices.shape[0]
    return Lowest(np.zeros(size, np.int64), scores, indices, np.zeros(size, bool), np.full(size, KEPT_WHOLE))


def _block_itself(block: np.ndarray, start: int) -> np.ndarray:
    return block


def _scored_rows(indices: np.ndarray, block: np.ndarray, start: int, stop: int) -> Lowest:
    return _scored(indices, block[indices - start])


def scored_per_chunk(scores: da.Array, chunk_issues: da.Array) -> da.Array:
    """Each chunk's issues (the records ``chunk_issues``, sorted indices)
    with their ``scores`` (a row-chunked array): a
    :class:`~dlq.kernels.lowest.Lowest` per chunk, records (n_chunks, 1)."""
    blocks = per_block(_block_itself, scores)[:, None]
    return per_record(_scored_rows, chunk_issues, blocks, rows=scores.chunks[0])


def ranked_at(chunk_scored: da.Array) -> Delayed:
    """The rows of the records ``chunk_scored`` (:func:`scored_per_chunk`)
    ranked, lowest score first, ties to the lower index: a ranked
    :class:`~dlq.kernels.select.Lowest` holding their scores."""
    return step(Lowest.ranked, tree(chunk_scored, Lowest.merged))


def chunk_mask(found: Lowest, start: int, stop: int) -> np.ndarray:
    """Rows ``start:stop`` of the mask of a chunk's issues (``found``, the chunk's own)."""
    return mask_block(np.sort(found.indices), start, stop)


def issue_mask(chunk_found: da.Array, rows: tuple[int, ...]) -> da.Array:
    """The boolean array in row chunks ``rows``, True at each chunk's own
    issues (the records ``chunk_found``, a :class:`~dlq.kernels.lowest.Lowest` each)."""
    return as_rows(per_record(chunk_mask, chunk_found, rows=rows), rows, bool)


def _rows_scored(
    labels: np.ndarray,
    pred_probs: np.ndarray,
    offset: int,
    problems: Problems,
    indices: np.ndarray,
    method: str,
    thresholds: Any,
    aggregate: Any,
) -> Lowest:
    rows = inside(indices, offset, offset + labels.shape[0]) - offset
    scores = problems.scores(labels[rows], pred_probs[rows], method=method, thresholds=thresholds, aggregate=aggregate)
    return _scored(rows + offset, scores)


def ranked_rows(
    problems: Problems,
    labels: da.Array,
    pred_probs: da.Array,
    indices: Any,
    *,
    method: str,
    thresholds: Any = None,
    aggregate: Any = None,
) -> Delayed:
    """The rows ``indices`` (sorted; a ``Delayed`` array) ranked by their
    label quality scores, computed for those rows only, in a read of the data
    after ``indices`` are known: a ranked :class:`~dlq.kernels.select.Lowest`."""
    records = per_chunk(
        _rows_scored,
        *reread(labels, pred_probs),
        problems,
        indices,
        method,
        thresholds,
        aggregate,
    )
    return step(Lowest.ranked, tree(records, Lowest.merged))


def by_index(ranked: Lowest) -> Lowest:
    """The entries of a :class:`~dlq.kernels.lowest.Lowest` with distinct indices, in index order."""
    return ranked.take(np.argsort(ranked.indices))


def issue_piece(issues: Lowest, start: int, stop: int, issue_columns: Callable[[np.ndarray], Columns]) -> Columns:
    """The issue table's rows of the issues (in index order) from row
    ``start`` to ``stop``: index, ``issue_columns`` of those rows (counted
    from ``start``) and score.

    Examples
    --------
    >>> issues = Lowest(np.zeros(3, int), np.array([.2, .1, .3]), np.array([1, 4, 7]), np.zeros(3, bool), np.ones(3))
    >>> piece = issue_piece(issues, 3, 8, lambda rows: {"row": rows})
    >>> {name: values.tolist() for name, values in piece.items()}
    {'index': [4, 7], 'row': [1, 4], 'score': [0.1, 0.3]}
    """
    at = slice(*np.searchsorted(issues.indices, (start, stop)))
    rows = issues.indices[at]
    return {"index": rows, **issue_columns(rows - start), "score": issues.scores[at].astype(np.float64)}


def _issue_piece_of_chunk(
    found: Lowest, labels: np.ndarray, pred_probs: np.ndarray, offset: int, problems: Problems
) -> Columns:
    def columns_of(rows: np.ndarray) -> Columns:
        return problems.issue_columns(labels[rows], pred_probs[rows])

    return issue_piece(by_index(found), offset, offset + labels.shape[0], columns_of)


def issue_pieces(problems: Problems, labels: da.Array, pred_probs: da.Array, chunk_issues: da.Array) -> da.Array:
    """The issue table's rows of each chunk's issues (the records
    ``chunk_issues``, a :class:`~dlq.kernels.lowest.Lowest` of the chunk's
    own with their scores), one record per chunk (see :func:`issue_piece`):
    each chunk gives the few columns of its own issues (never their K
    probabilities), in a read of the data after the issues are known."""
    return per_chunk_and_record(_issue_piece_of_chunk, chunk_issues, *reread(labels, pred_probs), problems)


def _values_of_block(block: np.ndarray, start: int, indices: np.ndarray) -> np.ndarray:
    return block[inside(indices, start, start + block.shape[0]) - start]


def _positions_when_sorted(indices: np.ndarray) -> np.ndarray:
    """Where each of ``indices`` (distinct) stands once they are sorted: an
    inverse permutation (0.12 s for 2.9 million; a binary search of each, 1.5 s).

    Examples
    --------
    >>> _positions_when_sorted(np.array([7, 2, 5])).tolist()
    [2, 0, 1]
    """
    by_index = np.argsort(indices)
    positions = np.empty_like(by_index)
    positions[by_index] = np.arange(by_index.shape[0])
    return positions


def _in_the_order_of(sorted_values: np.ndarray, indices: np.ndarray) -> np.ndarray:
    return sorted_values[_positions_when_sorted(indices)]


def values_at(array: da.Array, indices: Any) -> Delayed:
    """``array[indices]`` of a row-chunked 1-D array, in the order of
    ``indices`` (distinct; a ``Delayed`` array): each chunk gives the values
    of its own rows, a few per issue, never the whole array.

    Examples
    --------
    >>> values_at(da.from_array(np.array(list("abcdef")), chunks=4), np.array([5, 0, 2])).compute().tolist()
    ['f', 'a', 'c']
    """
    records = per_block(_values_of_block, array, step(np.sort, indices))
    return step(_in_the_order_of, tree(records, concatenated), indices)


def _true_rows(block: np.ndarray, start: int) -> np.ndarray:
    return np.flatnonzero(block) + start


def true_rows(mask: da.Array) -> Delayed:
    """The rows where a row-chunked boolean array is True, sorted: a
    ``Delayed`` array, concatenated in a tree.

    Examples
    --------
    >>> true_rows(da.from_array(np.array([True, False, True, True]), chunks=3)).compute().tolist()
    [0, 2, 3]
    """
    return tree(per_block(_true_rows, mask), concatenated)


def _block_entries(block: np.ndarray, start: int) -> list[Entries]:
    """A block's scores as the entries of one cell, NaN left out (they rank last)."""
    kept = np.flatnonzero(~np.isnan(block))
    return [Entries(block[kept, None], np.zeros(1, np.int64), kept + start, np.zeros((1, 1), bool))]


def _nan_count(block: np.ndarray, start: int) -> int:
    return int(np.isnan(block).sum())


def _first_nan_rows(block: np.ndarray, start: int, count: int) -> np.ndarray:
    return np.flatnonzero(np.isnan(block))[:count] + start


def _counts_apart_from_nan(count: int, total: int, nans: int) -> np.ndarray:
    """The one cell's count of lowest scores that are not NaN."""
    return np.array([min(count, total - nans)])


def _nan_rows_wanted(count: int, total: int, nans: int) -> int:
    return max(0, count - (total - nans))


def _with_nan_rows(found: Lowest, nan_rows: np.ndarray, count: int) -> np.ndarray:
    """The rows of ``found`` ranked, then NaN rows in index order, ``count`` in all."""
    return np.concatenate([found.ranked().indices, nan_rows])[:count]


def lowest_rows(scores: da.Array, count: int) -> Delayed:
    """The rows of the ``count`` lowest of row-chunked ``scores``, lowest
    first, ties to the lower row and NaN last (as ``numpy.argsort``): an
    array of int64, found by the one selection
    (:func:`dlq.graphs.select.selection`) over the chunks' scores, whatever
    ``count``; rows with NaN scores, when ``count`` reaches them, are each
    chunk's first that many.

    Examples
    --------
    >>> lowest_rows(da.from_array(np.array([0.5, 0.1, np.nan, 0.1]), chunks=2), 4).compute().tolist()
    [1, 3, 0, 2]
    """
    nans = tree(per_block(_nan_count, scores), sum)
    scored = step(_counts_apart_from_nan, count, scores.shape[0], nans)
    entries = select.held(per_block(_block_entries, scores))
    found = select.selection(entries, np.zeros(1, np.int64), scored, rounds=ROUNDS, issues_only=False).found
    nan_rows = step(_nan_rows_wanted, count, scores.shape[0], nans)
    return step(_with_nan_rows, found, tree(per_block(_first_nan_rows, scores, nan_rows), concatenated), count)
