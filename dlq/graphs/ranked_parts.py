"""The graph of the issue table in ranked parts (the arithmetic is
:mod:`dlq.kernels.ranked_parts`): the chunks' issues counted by score, cut
into parts of about equal counts, moved to their parts by dask's own
shuffle (``dask.dataframe``'s ``set_index`` on the part number, whose
divisions are known) and ranked in each part's own task. No task holds
more than a chunk's issues or a part's.
"""

from __future__ import annotations

import math
from typing import Any

import dask
import dask.array as da
import numpy as np
from dask.delayed import Delayed

from dlq.graphs.blocks import SPLIT_EVERY, per_record, step, tree
from dlq.kernels import columns
from dlq.kernels import ranked_parts as kernel
from dlq.kernels.columns import Columns

#: Chunks whose issues a part holds when the table is large (more parts
#: than this leave each its share; fewer would hold more).
CHUNKS_PER_PART = 64
#: Parts a table may be cut in whatever its chunks: enough that none holds
#: more than about an eighth of a large table.
FEWEST_MOST_PARTS = SPLIT_EVERY

_PART = "part"


def most_parts(n_chunks: int) -> int:
    """The most parts a table of ``n_chunks`` chunks' issues is cut in.

    Examples
    --------
    >>> most_parts(4), most_parts(1_000)
    (8, 16)
    """
    return max(FEWEST_MOST_PARTS, math.ceil(n_chunks / CHUNKS_PER_PART))


def _frame(parts: np.ndarray, pieces: np.ndarray) -> Any:
    # pandas (and pyarrow with it) is imported by the tasks that move a table,
    # not by ``import dlq``: some 70 MB of memory and 0.3 s a process
    import pandas as pd

    return pd.DataFrame({_PART: parts, "piece": pieces})


def _pieces_frame(box: np.ndarray, found: kernel.Bounds, parts: int) -> Any:
    pieces = np.empty(parts, dtype=object)
    pieces[:] = [*kernel.split(box.flat[0], found, parts)]
    return _frame(np.arange(parts), pieces)


def _part(frame: Any) -> Columns:
    return kernel.ranked(list(frame["piece"]))  # a piece of every chunk, if empty


def _ranked_whole(table: Columns) -> Columns:
    return kernel.ranked([table])


def ranked_table(pieces: da.Array) -> Delayed:
    """The whole issue table, ranked, from the records ``pieces`` (as
    :func:`ranked_parts` takes them): a ``Delayed`` table in one task, for a
    caller who asked for it in memory.

    Examples
    --------
    >>> from dlq.graphs.blocks import per_block
    >>> scores = da.from_array(np.array([0.5, 0.1, 0.3, 0.1]), chunks=2)
    >>> pieces = per_block(lambda block, start: {"index": start + np.arange(2), "score": block}, scores)
    >>> ranked_table(pieces).compute()["index"].tolist()
    [1, 3, 2, 0]
    """
    return step(_ranked_whole, tree(pieces, columns.concatenated))


def ranked_parts(pieces: da.Array, rows_per_part: int, parts: int | None = None) -> tuple[list[Delayed], Delayed]:
    """The issue table, whose chunks' issues are the records ``pieces`` (each
    a table in index order with a ``score`` column), as ranked parts: a
    ``Delayed`` table per part (with no rows where no issue fell), and the
    :class:`~dlq.kernels.ranked_parts.Bounds` they were cut by.

    Examples
    --------
    >>> from dlq.graphs.blocks import per_block
    >>> scores = da.from_array(np.array([0.5, 0.1, 0.3, 0.1]), chunks=2)
    >>> pieces = per_block(lambda block, start: {"index": start + np.arange(2), "score": block}, scores)
    >>> tables, found = ranked_parts(pieces, rows_per_part=2)
    >>> [table["index"].tolist() for table in dask.compute(*tables) if len(table["index"])]
    [[1, 3], [2, 0]]
    """
    parts = parts or most_parts(pieces.shape[0])
    counted = tree(per_record(kernel.KeyCounts.of, pieces), kernel.KeyCounts.summed)
    found = step(kernel.bounds, counted, parts, rows_per_part)
    frames = [step(_pieces_frame, box, found, parts) for box in pieces.to_delayed(optimize_graph=False).ravel()]
    import dask.dataframe as dd

    with dask.config.set({"dataframe.convert-string": False}):  # the pieces are tables, not text
        meta = _frame(np.array([], np.int64), np.array([], object))
        moved = dd.from_delayed(frames, meta=meta, verify_meta=False).set_index(
            _PART, divisions=[*range(parts), parts - 1], shuffle_method="tasks"
        )
        return [step(_part, frame) for frame in moved.to_delayed()], found
