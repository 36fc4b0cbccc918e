"""Where a graph runs: the active distributed client, or local threads."""

from __future__ import annotations

import contextlib
import sys
import threading
import warnings
from timeit import default_timer
from typing import Any

import dask
import dask.array as da
import dask.local
import dask.threaded

from dlq.graphs import allocator
from dlq.graphs.caller import warn_caller


def compute(*collections: Any, n_jobs: int | None = None, progress: bool = False) -> tuple[Any, ...]:
    """Compute collections in one run.

    An active ``distributed.Client`` (or a scheduler set in dask's config) is
    used as it is; otherwise the local threaded scheduler runs with ``n_jobs``
    threads (all cores when None), or dask's synchronous scheduler in this
    thread when ``n_jobs`` is 1 (no pool to start and feed).

    Graphs are computed as built, without dask's optimisations: dlq's layers
    gain nothing from them, and a key computed twice (pass 1 alone, then
    with pass 2) must be the same task both times.

    The first computation in a process primes the C allocator
    (:func:`dlq.graphs.allocator.prime`).
    """
    allocator.prime()
    if _scheduler_chosen():
        if progress and _distributed_client() is not None:
            return _compute_with_distributed_progress(collections)
        return dask.compute(*collections, optimize_graph=False)
    bar: contextlib.AbstractContextManager[Any] = contextlib.nullcontext()
    if progress:
        bar = _progress_bar()
    # a task's warning (rows rounded outside [0, 1], say) would point at dask's
    # code in a worker thread: it is told again at the caller's line
    with warnings.catch_warnings(record=True) as caught, bar:
        warnings.simplefilter("always")
        # the threaded scheduler itself, not its name: dask would import
        # distributed (0.1 s) to look for a client by that name
        if n_jobs == 1:
            computed = dask.compute(*collections, scheduler=dask.local.get_sync, optimize_graph=False)
        else:
            computed = dask.compute(*collections, scheduler=dask.threaded.get, num_workers=n_jobs, optimize_graph=False)
    for warning in caught:
        warn_caller(str(warning.message), warning.category)
    return computed


def _progress_bar() -> Any:
    """dask's text progress bar, whose end does not wait out its refresh
    interval: dask's bar joins a thread that redraws it every 0.1 s, asleep
    for up to that long after the last task (about half of a 0.1 s call)."""
    from dask.diagnostics import ProgressBar

    class PromptProgressBar(ProgressBar):
        def _start(self, dsk: Any) -> None:
            self._ended = threading.Event()
            super()._start(dsk)

        def _timer_func(self) -> None:
            while self._running:
                elapsed = default_timer() - self._start_time
                if elapsed > self._minimum:
                    self._update_bar(elapsed)
                self._ended.wait(self._dt)  # where dask's bar sleeps

        def _finish(self, dsk: Any, state: Any, errored: bool) -> None:
            self._running = False
            self._ended.set()
            super()._finish(dsk, state, errored)

    return PromptProgressBar()


def _scheduler_chosen() -> bool:
    """Whether dask's config names a scheduler or a distributed client is
    active; none can be when distributed has not been imported, and asking
    dask would import it (0.1 s)."""
    if dask.config.get("scheduler", None) is None and "distributed" not in sys.modules:
        return False
    return dask.base.get_scheduler() is not None


def _distributed_client() -> Any:
    try:
        from distributed import default_client

        return default_client()
    except (ImportError, ValueError):
        return None


def _compute_with_distributed_progress(collections: tuple[Any, ...]) -> tuple[Any, ...]:
    from distributed import progress as show_progress

    client = _distributed_client()
    futures = client.compute(list(collections), optimize_graph=False)
    show_progress(futures)
    return tuple(client.gather(futures))


def computed_unless_lazy(collection: Any, *inputs: Any) -> Any:
    """``collection`` itself when any input is a dask array (lazy in, lazy
    out), otherwise its computed value (in memory in, in memory out)."""
    if any(isinstance(x, da.Array) for x in inputs):
        return collection
    return compute(collection)[0]
