"""The command's cluster: connect to one or start a LocalCluster, keep
distributed's logs off the terminal, and stop with one clear line instead
of hanging when workers cannot work within their memory."""

from __future__ import annotations

import contextlib
import json
import logging
import math
import signal
import threading
import time
import warnings
from collections.abc import Iterator
from typing import Any

import click
import dask

#: How long a worker may stay paused at its memory limit before the run stops.
PAUSED_PATIENCE_SECONDS = 20.0
#: How long a cluster that is not the command's own may have no worker (an
#: adaptive one starting its first, say) before the run stops.
NO_WORKERS_PATIENCE_SECONDS = 300.0
#: How many times workers may leave (killed over their memory limit, say) before the run stops.
WORKER_LOSSES_ALLOWED = 3
#: How often the watch looks at the workers.
WATCH_INTERVAL_SECONDS = 0.5
#: Chunks of the default size a worker holds at once, beyond its start-up memory, at the least.
CHUNKS_HELD = 3


class WorkersStuck(Exception):
    """The workers cannot go on: paused at their memory limit, or lost again and again."""


@contextlib.contextmanager
def dask_client(
    scheduler: str | None,
    scheduler_file: str | None,
    *,
    workers: int | None,
    threads_per_worker: int | None,
    memory_limit: str | None,
    quiet: bool,
    debug: bool = False,
) -> Iterator[Any]:
    """Connect to an existing cluster (left running), or start a LocalCluster
    sized to this machine (shut down at the end); watch its workers while the
    block runs (:func:`watched`). Without ``debug``, distributed's logs (a
    failing task's traceback, say) are kept off the terminal: the command
    tells an error in one line.
    """
    from distributed import Client, LocalCluster

    if scheduler and scheduler_file:
        raise click.UsageError("give --scheduler or --scheduler-file, not both")
    if (scheduler or scheduler_file) and (workers or threads_per_worker or memory_limit):
        raise click.UsageError(
            "--workers, --threads-per-worker and --memory-limit size a local cluster; the cluster at --scheduler "
            "(or DASK_SCHEDULER_ADDRESS, or --scheduler-file) has its own workers: leave them out"
        )
    with _quiet_logs(not debug):
        if scheduler or scheduler_file:
            if scheduler_file:
                _check_scheduler_file(scheduler_file)
            client = _connected(scheduler, scheduler_file)
            if not quiet:
                click.echo(f"connected to {client.scheduler.address}; dashboard: {client.dashboard_link}", err=True)
            try:
                with watched(client):
                    yield client
            finally:
                client.close()
            return
        options: dict[str, Any] = {
            "n_workers": workers,
            "threads_per_worker": threads_per_worker,
            "preload": ["dlq.cli.worker_interrupts"],
        }
        if memory_limit:
            options["memory_limit"] = check_memory_limit(memory_limit)
        if not debug:
            options["silence_logs"] = logging.CRITICAL
        with warnings.catch_warnings(), _interrupt_held() as interrupted:
            if not debug:  # "Port 8787 is already in use": the dashboard's link tells the port taken
                warnings.simplefilter("ignore", UserWarning)
            cluster = LocalCluster(**{k: v for k, v in options.items() if v is not None})
        with cluster:
            if interrupted.is_set():  # raised once the cluster is whole, so that it shuts down cleanly
                raise KeyboardInterrupt
            with Client(cluster) as client:
                if not quiet:
                    click.echo(
                        f"local cluster of {len(cluster.workers)} workers; dashboard: {client.dashboard_link}",
                        err=True,
                    )
                with watched(client, own=True):
                    yield client


def options_client(options: dict[str, Any], **cluster: Any) -> contextlib.AbstractContextManager[Any]:
    """:func:`dask_client` as the command's ``options`` ask for it
    (``--scheduler``, ``--scheduler-file``, ``--quiet``, ``--debug``), with
    the local ``cluster``'s sizes."""
    return dask_client(
        options.get("scheduler"),
        options.get("scheduler_file"),
        quiet=options["quiet"],
        debug=options.get("debug", False),
        **cluster,
    )


def _connected(scheduler: str | None, scheduler_file: str | None) -> Any:
    """A client of the scheduler at ``scheduler`` (or in ``scheduler_file``),
    refused in one line when none answers there within the connect timeout."""
    from dask.utils import parse_timedelta
    from distributed import Client

    where = f"--scheduler {scheduler}" if scheduler else f"the scheduler in --scheduler-file {scheduler_file}"
    timeout = dask.config.get("distributed.comm.timeouts.connect")
    outcome: dict[str, Any] = {}

    def connect() -> None:
        try:
            outcome["client"] = Client(scheduler, scheduler_file=scheduler_file, timeout=timeout)
        except Exception as error:
            outcome["error"] = error

    # in a thread of its own: a server that takes the connection but never
    # answers as a scheduler would keep the client waiting past its timeout
    connecting = threading.Thread(target=connect, daemon=True, name="dlq-connect")
    connecting.start()
    connecting.join(parse_timedelta(timeout) + 5)
    if "client" in outcome:
        return outcome["client"]
    error = outcome.get("error", f"nothing answered as a scheduler within {timeout}")
    raise ConnectionError(
        f"no Dask scheduler answered at {where} (also read from DASK_SCHEDULER_ADDRESS): {error}; "
        "start one (dask scheduler), or leave the option out to run on a local cluster"
    ) from None


def _check_scheduler_file(path: str) -> None:
    try:
        address = json.loads(open(path, encoding="utf-8").read()).get("address")
    except (OSError, ValueError, AttributeError) as error:
        raise click.UsageError(f"--scheduler-file {path} is not a dask scheduler file (JSON): {error}") from None
    if not isinstance(address, str) or not address:
        raise click.UsageError(
            f"--scheduler-file {path} names no scheduler address; give the file that `dask scheduler "
            "--scheduler-file` writes"
        )


def check_memory_limit(memory_limit: str) -> int:
    """``memory_limit`` in bytes, refused if a worker could not start and
    hold a few chunks within it before distributed pauses it.

    A worker's start-up memory is taken as this process's (both have
    imported dlq, dask, distributed and numpy); distributed pauses a worker
    at a share of its limit (config ``distributed.worker.memory.pause``).

    Examples
    --------
    >>> check_memory_limit("64GiB") == 64 * 2**30
    True
    >>> check_memory_limit("50MB")
    Traceback (most recent call last):
    ...
    click.exceptions.UsageError: --memory-limit 50MB is too small: ...
    """
    import psutil
    from dask.utils import format_bytes, parse_bytes

    from dlq.io.arrays import TARGET_CHUNK_BYTES

    try:
        limit = parse_bytes(memory_limit)
    except (ValueError, TypeError):
        raise click.UsageError(f"--memory-limit {memory_limit!r} is not an amount of memory, such as '4GiB'") from None
    pause = dask.config.get("distributed.worker.memory.pause", 0.8) or 1.0
    start_up = psutil.Process().memory_info().rss
    needed = (start_up + CHUNKS_HELD * TARGET_CHUNK_BYTES) / pause
    if limit < needed:
        raise click.UsageError(
            f"--memory-limit {memory_limit} is too small: a worker takes about {format_bytes(start_up)} to start, "
            f"holds a few chunks of about {format_bytes(TARGET_CHUNK_BYTES)}, and is paused at {pause:.0%} of its "
            f"limit; give at least {math.ceil(needed / 2**26) * 64}MiB"
        )
    return limit


@contextlib.contextmanager
def watched(client: Any, *, own: bool = False) -> Iterator[None]:
    """Run the block while a thread watches the cluster's workers; if one
    stays paused at its memory limit for :data:`PAUSED_PATIENCE_SECONDS`, or
    workers leave more than :data:`WORKER_LOSSES_ALLOWED` times, the block
    is interrupted and :class:`WorkersStuck` raised in its place, saying so;
    so it is when a cluster of our ``own`` (a LocalCluster) has no worker
    left, or another has had none for :data:`NO_WORKERS_PATIENCE_SECONDS`
    (it may be waiting for its workers to join), or when a task has killed
    every worker it was tried on. A block outside the main thread, which no signal can interrupt, is not watched."""
    if threading.current_thread() is not threading.main_thread():  # only the main thread can be interrupted
        yield
        return
    stop = threading.Event()
    reason: list[str] = []
    watcher = threading.Thread(target=_watch, args=(client, stop, reason, own), daemon=True, name="dlq-watch")
    watcher.start()
    try:
        yield
    except KeyboardInterrupt:
        if reason:
            raise WorkersStuck(reason[0]) from None
        raise
    except Exception as error:
        from distributed import KilledWorker

        if not isinstance(error, KilledWorker):
            raise
        raise WorkersStuck(
            f"a task was tried on {error.allowed_failures + 1} workers and each died (killed over its memory "
            "limit?); give workers more memory (--memory-limit) or read smaller chunks (--chunk-rows), and run "
            "again with --debug to see distributed's logs"
        ) from error
    finally:
        stop.set()
        watcher.join()
    if reason:  # the interrupt came after the block had finished
        raise WorkersStuck(reason[0])


def _watch(client: Any, stop: threading.Event, reason: list[str], own: bool) -> None:
    from dask.utils import format_bytes

    paused_since: dict[str, float] = {}
    without_workers: float | None = None
    seen: set[str] = set()
    lost = 0
    while not stop.wait(WATCH_INTERVAL_SECONDS):
        try:
            workers = client.scheduler_info(n_workers=-1)["workers"]
        except Exception:  # the cluster is shutting down: nothing more to watch
            return
        lost += len(seen - set(workers))
        seen = set(workers)
        now = time.monotonic()
        for address, worker in workers.items():
            if worker.get("status") != "paused":
                paused_since.pop(address, None)
                continue
            since = paused_since.setdefault(address, now)
            if now - since >= PAUSED_PATIENCE_SECONDS:
                memory = worker.get("metrics", {}).get("memory", 0)
                reason.append(
                    f"worker {address} has been paused at its memory limit for {now - since:.0f} s "
                    f"({format_bytes(memory)} of {format_bytes(worker.get('memory_limit') or 0)}); give workers "
                    "more memory (--memory-limit) or read smaller chunks (--chunk-rows)"
                )
        without_workers = None if workers else (without_workers or now)
        if own and not workers and not reason:
            reason.append(
                "the local cluster has no worker left (they failed to start or were killed); run again with --debug "
                "to see distributed's logs"
            )
        elif without_workers is not None and now - without_workers >= NO_WORKERS_PATIENCE_SECONDS and not reason:
            reason.append(
                f"the cluster has had no worker for {now - without_workers:.0f} s; start workers for its scheduler "
                "(dask worker ADDRESS), or leave --scheduler out to run on a local cluster"
            )
        if lost > WORKER_LOSSES_ALLOWED and not reason:
            reason.append(
                f"workers left the cluster {lost} times during the run (killed over their memory limit?); give "
                "workers more memory (--memory-limit) or read smaller chunks (--chunk-rows)"
            )
        if reason:
            # a real signal, to the main thread: it ends the wait it is in, where a simulated one would not
            signal.pthread_kill(threading.main_thread().ident, signal.SIGINT)
            return


@contextlib.contextmanager
def _interrupt_held() -> Iterator[threading.Event]:
    """Hold a Ctrl-C (SIGINT) that comes while the block runs: the event
    yielded is set instead of the block being interrupted half way (a
    LocalCluster interrupted while it starts cannot be shut down). A block
    that fails after one came raises KeyboardInterrupt instead: a worker
    process still starting has no way to ignore the Ctrl-C a terminal sends it."""
    interrupted = threading.Event()
    if threading.current_thread() is not threading.main_thread():
        yield interrupted
        return
    previous = signal.signal(signal.SIGINT, lambda signum, frame: interrupted.set())
    try:
        yield interrupted
    except Exception:
        if interrupted.is_set():  # a terminal's Ctrl-C also stopped a worker as it started
            raise KeyboardInterrupt from None
        raise
    finally:
        signal.signal(signal.SIGINT, previous)


@contextlib.contextmanager
def _quiet_logs(quiet: bool) -> Iterator[None]:
    """distributed's loggers in this process at CRITICAL while the block runs, if ``quiet``."""
    if not quiet:
        yield
        return
    # asyncio's: an interrupted gather leaves "Task exception was never retrieved"
    loggers = [logging.getLogger(name) for name in ("distributed", "asyncio")]
    levels = [logger.level for logger in loggers]
    for logger in loggers:
        logger.setLevel(logging.CRITICAL)
    try:
        yield
    finally:
        for logger, level in zip(loggers, levels, strict=True):
            logger.setLevel(level)
