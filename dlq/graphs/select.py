"""The graph of dlq's one selection: each cell's k lowest (score, index), in bounded memory.

The arithmetic is :mod:`dlq.kernels.select`; this module strings its rounds
together over the chunks. The entries are looked at once per round, through
``over(function, args)``: the records ``function(entries_of_the_chunk,
*args)``, one per chunk. :func:`held` maps over entries kept in memory;
:func:`kept` makes them in one read that takes the first round, and keeps
them if asked, else makes them again from a read in every later look, so
that nothing is held between rounds (as does a scan that wrote its scores
to a store and reads them back).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, NamedTuple

import dask.array as da
import numpy as np
from dask.delayed import Delayed

from dlq.graphs.blocks import per_chunk, per_chunk_and_record, per_record, step, tree
from dlq.graphs.inprocess import is_lazy
from dlq.graphs.sources import Rereading, reread, rows_source
from dlq.kernels.lowest import Entries, Lowest
from dlq.kernels.select import ROUNDS, Cut, Histogram, histogram
from dlq.kernels.settle import Cutoffs, selected_of_chunk, split

#: ``over(function, args)``: the records ``function(entries, *args)`` of every chunk.
EntriesMap = Callable[[Callable[..., Any], tuple], da.Array]


def held(entries: da.Array) -> EntriesMap:
    """Map over records of ``list[Entries]`` kept in memory."""

    def over(function: Callable[..., Any], args: tuple) -> da.Array:
        return per_record(function, entries, args=args)

    return over


def packed(*values: Any) -> Any:
    """``values`` as one tuple: a task's, after the ``Delayed`` among them,
    so that a kernel's arguments travel as one argument whatever their number.

    Examples
    --------
    >>> packed(1, "a")
    (1, 'a')
    """
    return step(_tuple, *values)


def _tuple(*values: Any) -> tuple:
    return values


class _Look(NamedTuple):
    """A look at a chunk's entries: ``function(entries, *function_args)`` of
    the entries ``make_entries(labels, pred_probs, offset, *make_args)``
    (made again only where the first look did not keep what it needs)."""

    make_entries: Callable[..., list[Entries]]
    make_args: tuple
    function: Callable[..., Any]
    function_args: tuple


def _look(make_entries: Callable[..., list[Entries]], make_args: Any, function: Callable, function_args: tuple) -> Any:
    """A :class:`_Look`, a task's once its ``Delayed`` arguments are known."""
    return step(_Look, make_entries, make_args, function, packed(*function_args))


def _made_then(labels: np.ndarray, pred_probs: np.ndarray, offset: int, look: _Look) -> Any:
    return look.function(look.make_entries(labels, pred_probs, offset, *look.make_args), *look.function_args)


class _FirstLook(NamedTuple):
    histogram: Histogram
    entries: list[Entries] | None
    kept_below: np.ndarray | None = None  # all the entries made are kept


def _first_look(
    labels: np.ndarray,
    pred_probs: np.ndarray,
    offset: int,
    make_entries: Callable[..., list[Entries]],
    make_args: tuple,
    cut: Cut,
    keep: bool,
) -> _FirstLook:
    entries = make_entries(labels, pred_probs, offset, *make_args)
    return _FirstLook(histogram(entries, cut), entries if keep else None)


def _kept_for(first: Any, look: _Look) -> bool:
    """Whether the first look (a :class:`_FirstLook`, or a record with the
    same ``entries`` and ``kept_below``) kept what ``look`` (whose first
    argument is a cut) needs: all it made, or all below its ``kept_below``,
    where the cut needs no entry at or above that."""
    if first.entries is None:
        return False
    return first.kept_below is None or look.function_args[0].within(first.kept_below, first.entries[0].scores.dtype)


def _kept_or_made(
    first: Any, labels: np.ndarray | None, pred_probs: np.ndarray | None, offset: int, look: _Look
) -> Any:
    """``look`` at the first look's entries if it kept what they need
    (:func:`_kept_for`), else at entries made again from ``labels`` and ``pred_probs``."""
    if not _kept_for(first, look):
        return _made_then(labels, pred_probs, offset, look)
    return look.function(first.entries, *look.function_args)


def _kept_then(first: Any, labels: Rereading, pred_probs: Rereading, look: _Look, start: int, stop: int) -> Any:
    """:func:`_kept_or_made`, reading rows ``start:stop`` only if the kept entries fall short."""
    if _kept_for(first, look):  # read nothing
        return _kept_or_made(first, None, None, start, look)
    return _kept_or_made(first, labels.rows(start, stop), pred_probs.rows(start, stop), start, look)


class Kept(NamedTuple):
    """Entries looked at once and kept, if worth keeping: the map over them,
    and the first round's summed histograms, taken by that look."""

    over: EntriesMap
    first_histogram: Delayed


def kept(
    labels: da.Array,
    pred_probs: da.Array,
    make_entries: Callable[..., list[Entries]],
    *args: Any,
    cut: Delayed,
    keep: Delayed,
) -> Kept:
    """Map over the entries ``make_entries(labels, pred_probs, offset, *args)``
    of every chunk, made by one read that also takes the first round's
    histograms under ``cut`` (:meth:`Cut.first`), and kept in memory from
    then on if ``keep`` (a ``Delayed`` bool, for entries known to be few),
    or else made again by every later look from a read of its own. Inputs
    read inside the tasks that use their rows are then not read again;
    others (``clone`` copies) are, but their entries are not made again."""
    sources = reread(labels, pred_probs)
    firsts = per_chunk(_first_look, *sources, make_entries, packed(*args), cut, keep)
    return Kept(
        kept_or_read(firsts, labels, pred_probs, make_entries, *args), tree(firsts, Histogram.summed, part="histogram")
    )


def kept_or_read(
    firsts: da.Array, labels: da.Array, pred_probs: da.Array, make_entries: Callable[..., list[Entries]], *args: Any
) -> EntriesMap:
    """Map over the entries that the records ``firsts`` (one per chunk) kept
    (their ``entries``: all the chunk's, or all below their ``kept_below``
    when that is all a look needs), else over entries made again by
    ``make_entries(labels, pred_probs, offset, *args)`` from a read. Inputs
    read inside the tasks that use their rows are then not read where the
    entries were kept; others (``clone`` copies) are, but their entries are
    not made again."""
    sources = reread(labels, pred_probs)
    make_args = packed(*args)
    if all(isinstance(source, Rereading) for source in sources):
        readers = tuple(rows_source(source, firsts) for source in sources)

        def over(function: Callable[..., Any], function_args: tuple) -> da.Array:
            look = _look(make_entries, make_args, function, function_args)
            return per_record(_kept_then, firsts, args=(*readers, look), rows=pred_probs.chunks[0])

        return over

    def over_rows(function: Callable[..., Any], function_args: tuple) -> da.Array:
        look = _look(make_entries, make_args, function, function_args)
        return per_chunk_and_record(_kept_or_made, firsts, *reread(labels, pred_probs), look)

    return over_rows


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
        if not is_lazy(first_histogram):
            return cut
    for _ in range(done, rounds):
        summed = tree(over(histogram, (cut,)), Histogram.summed)
        cut = step(Cut.narrowed, cut, summed)
        if not is_lazy(summed):
            # the entries are in hand (worked on in process): a look gathers
            # what further rounds would narrow, without their passes
            break
    return cut


class Chosen(NamedTuple):
    """A selection: every cell's entries merged (a ``Delayed``
    :class:`Lowest`), and each chunk's own (records of :class:`Lowest`),
    which no task needs the others' of."""

    found: Delayed
    per_chunk: da.Array


def selection(
    over: EntriesMap,
    cells: Any,
    counts: Any,
    *,
    rounds: int,
    issues_only: bool,
    first_histogram: Delayed | None = None,
) -> Chosen:
    """Each cell's ``counts[c]`` lowest entries (only those whose prediction
    disagrees with their label, with ``issues_only``), merged, and each
    chunk's own: ``rounds`` histogram rounds, then one more look at the
    entries keeps those below their cell's bin and gathers the few in it,
    which settle every cell's cut-off (a few numbers per cell); each chunk
    then selects its own entries by them. Every look keeps a fixed amount
    per chunk and cell, or what it selects; with no rounds, each chunk keeps
    each cell's ``counts[c]`` lowest. ``first_histogram`` is the first
    round's, if the look that made the entries took it."""
    cut = narrowed_cut(over, cells, counts, rounds=rounds, first_histogram=first_histogram)
    parts = over(split, (cut, issues_only))
    cutoffs = step(Cutoffs.of, cut, tree(parts, Lowest.merged, part="gathered"))
    per_chunk = per_record(selected_of_chunk, parts, args=(cutoffs, issues_only))
    return Chosen(tree(per_chunk, Lowest.merged), per_chunk)
