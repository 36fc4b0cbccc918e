"""The graph of dlq's one selection: each cell's k lowest (score, index), in bounded memory.

The arithmetic is :mod:`dlq.kernels.select`; this module strings its rounds
together over the chunks. ``entries`` are records of ``list[Entries]``, one
per chunk, and are looked at once per round: records held in memory, or a
function giving a fresh read for each round (:func:`cutoffs`).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import dask.array as da
import numpy as np
from dask.delayed import Delayed

from dlq.graphs.blocks import per_record, step, sum_arrays, tree
from dlq.kernels.select import ROUNDS, Cut, Cutoffs, Lowest, gather, histogram


def _rounds_of(entries: da.Array | Callable[[int], da.Array]) -> Callable[[int], da.Array]:
    return entries if callable(entries) else lambda round_: entries


def narrowed_cut(
    entries: da.Array | Callable[[int], da.Array],
    cells: np.ndarray,
    counts: Any,
    *,
    rounds: int = ROUNDS,
    first_histogram: Delayed | None = None,
) -> Delayed:
    """The :class:`~dlq.kernels.select.Cut` of the ``counts[c]`` lowest of
    cell ``cells[c]`` after ``rounds`` histogram rounds; ``first_histogram``
    is the first round's summed histograms when the reads that made the
    entries took it already (entries then have one round fewer to go)."""
    entries_of = _rounds_of(entries)
    cut = step(Cut.first, cells, counts)
    done = 0
    if first_histogram is not None and rounds:
        cut, done = step(Cut.narrowed, cut, first_histogram), 1
    for round_ in range(done, rounds):
        cut = step(Cut.narrowed, cut, tree(per_record(histogram, entries_of(round_), args=(cut,)), sum_arrays))
    return cut


def gathered(entries: da.Array, cut: Delayed) -> Delayed:
    """Each undecided cell's lowest entries under ``cut``, merged in a tree (a ranked :class:`Lowest`)."""
    return tree(per_record(gather, entries, args=(cut,)), Lowest.merged)


def cutoffs(
    entries: da.Array | Callable[[int], da.Array],
    cells: np.ndarray,
    counts: Any,
    *,
    rounds: int = ROUNDS,
    first_histogram: Delayed | None = None,
) -> Delayed:
    """The :class:`~dlq.kernels.select.Cutoffs` of every cell: the highest
    selected (score, index) of the ``counts[c]`` lowest of cell ``cells[c]``.

    ``entries`` are the records, or ``entries(round)`` gives them for each
    round and, as round ``rounds``, for the gather.
    """
    entries_of = _rounds_of(entries)
    cut = narrowed_cut(entries_of, cells, counts, rounds=rounds, first_histogram=first_histogram)
    return step(Cutoffs.of, cut, gathered(entries_of(rounds), cut))


def lowest(entries: da.Array, cells: np.ndarray, counts: Any) -> Delayed:
    """Each cell's ``counts[c]`` lowest entries with no histogram rounds: every
    chunk keeps that many of each cell, merged in a tree (a ranked :class:`Lowest`).
    This looks at the entries once, where each round would cost a read."""
    return gathered(entries, step(Cut.first, cells, counts))
