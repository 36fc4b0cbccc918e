"""The graph of dlq's one selection: each cell's k lowest (score, index), in bounded memory.

The arithmetic is :mod:`dlq.kernels.select`; this module strings its rounds
together over the chunks. The entries are looked at once per round, through
``over(function, args)``: the records ``function(entries_of_the_chunk,
*args)``, one per chunk. :func:`held` maps over entries kept in memory; a
scan that wrote its scores to a store maps over them read back, so that each
round reads its chunk and uses it in one task, and nothing is held between
rounds.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import dask.array as da
import numpy as np
from dask.delayed import Delayed

from dlq.graphs.blocks import per_record, step, sum_arrays, tree
from dlq.kernels.lowest import Lowest
from dlq.kernels.select import ROUNDS, Cut, Cutoffs, gather, histogram

#: ``over(function, args)``: the records ``function(entries, *args)`` of every chunk.
EntriesMap = Callable[[Callable[..., Any], tuple], da.Array]


def held(entries: da.Array) -> EntriesMap:
    """Map over records of ``list[Entries]`` kept in memory."""

    def over(function: Callable[..., Any], args: tuple) -> da.Array:
        return per_record(function, entries, args=args)

    return over


def narrowed_cut(
    over: EntriesMap, cells: np.ndarray, counts: Any, *, rounds: int = ROUNDS, first_histogram: Delayed | None = None
) -> Delayed:
    """The :class:`~dlq.kernels.select.Cut` of the ``counts[c]`` lowest of
    cell ``cells[c]`` after ``rounds`` histogram rounds; ``first_histogram``
    is the first round's summed histograms when the reads that made the
    entries took it already."""
    cut = step(Cut.first, cells, counts)
    done = 0
    if first_histogram is not None and rounds:
        cut, done = step(Cut.narrowed, cut, first_histogram), 1
    for _ in range(done, rounds):
        cut = step(Cut.narrowed, cut, tree(over(histogram, (cut,)), sum_arrays))
    return cut


def gathered(over: EntriesMap, cut: Delayed) -> Delayed:
    """Each undecided cell's lowest entries under ``cut``, merged in a tree (a ranked :class:`Lowest`)."""
    return tree(over(gather, (cut,)), Lowest.merged)


def cutoffs(
    over: EntriesMap, cells: np.ndarray, counts: Any, *, rounds: int = ROUNDS, first_histogram: Delayed | None = None
) -> Delayed:
    """The :class:`~dlq.kernels.select.Cutoffs` of every cell: the highest
    selected (score, index) of the ``counts[c]`` lowest of cell ``cells[c]``."""
    cut = narrowed_cut(over, cells, counts, rounds=rounds, first_histogram=first_histogram)
    return step(Cutoffs.of, cut, gathered(over, cut))


def lowest(over: EntriesMap, cells: np.ndarray, counts: Any) -> Delayed:
    """Each cell's ``counts[c]`` lowest entries with no histogram rounds: every
    chunk keeps that many of each cell, merged in a tree (a ranked :class:`Lowest`).
    This looks at the entries once, where each round would cost a read."""
    return gathered(over, step(Cut.first, cells, counts))
