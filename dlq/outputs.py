"""Outputs that appear whole or not at all: a directory filled in a staging
sibling and renamed into place, whatever interrupts the run."""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import tempfile
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any


@contextlib.contextmanager
def atomic_directory(target: str | os.PathLike, *, overwrite: bool) -> Iterator[Path]:
    """Yield a temporary sibling of ``target`` to fill; rename it into place
    only when the block finishes, so ``target`` appears whole or not at all.

    An existing ``target`` is refused unless ``overwrite``; it is then
    replaced only after the new one is complete. Without ``overwrite``, a
    ``target`` that appears while the block runs (another run with the same
    output, say) is kept, and FileExistsError raised: the rename into place
    fails rather than replace it. The sibling is named
    ``.NAME.dlq-partial-PID-...``; one whose process is gone (killed before it
    could clean up) is removed by the next run.

    Examples
    --------
    >>> import tempfile
    >>> target = Path(tempfile.mkdtemp()) / "out"
    >>> with atomic_directory(target, overwrite=False) as folder:
    ...     _ = (folder / "a.txt").write_text("done")
    >>> sorted(p.name for p in target.iterdir())
    ['a.txt']
    """
    target = Path(target)
    if target.exists() and not overwrite:
        raise FileExistsError(f"{target} already exists; choose another --out or pass --overwrite")
    target.parent.mkdir(parents=True, exist_ok=True)
    prefix = f".{target.name}.dlq-partial-"
    for leftover in target.parent.glob(f"{prefix}*"):  # left by a run that was killed
        owner = leftover.name[len(prefix) :].split("-")[0]
        if owner.isdigit() and not _process_alive(int(owner)):
            shutil.rmtree(leftover, ignore_errors=True)
    mine = f"{prefix}{os.getpid()}-"
    with _interrupts_recorded() as interrupted:
        try:
            staging = Path(tempfile.mkdtemp(prefix=mine, dir=target.parent))
            yield staging
            if interrupted():  # the interrupt may have been swallowed on its way up
                raise KeyboardInterrupt
            _replace(target, staging, overwrite=overwrite)
        finally:  # by name: an interrupt may come before mkdtemp has returned
            for leftover in target.parent.glob(f"{mine}*"):
                shutil.rmtree(leftover, ignore_errors=True)


def _replace(target: Path, staging: Path, *, overwrite: bool) -> None:
    if overwrite and target.exists():
        retired = Path(tempfile.mkdtemp(prefix=f".{target.name}.old.", dir=target.parent))
        target.rename(retired / target.name)
        shutil.rmtree(retired)
    try:
        # a directory renamed onto a directory that holds anything fails, atomically
        staging.rename(target)
    except OSError as error:
        if not target.exists():
            raise
        raise FileExistsError(
            f"{target} appeared while this run was writing it (another run with the same output?); "
            "it was kept and this run's output discarded. Choose another --out or pass --overwrite"
        ) from error


@contextlib.contextmanager
def _interrupts_recorded() -> Iterator[Callable[[], bool]]:
    """Record SIGINT and SIGTERM (and raise KeyboardInterrupt as usual).

    A KeyboardInterrupt raised in the middle of a library's callback can be
    swallowed (distributed's garbage-collection hook does); the record lets
    the caller refuse to publish output all the same.
    """
    seen: list[int] = []
    if threading.current_thread() is not threading.main_thread():
        yield lambda: False
        return

    def record(number: int, frame: Any) -> None:
        seen.append(number)
        raise KeyboardInterrupt

    previous = {number: signal.signal(number, record) for number in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield lambda: bool(seen)
    finally:
        for number, handler in previous.items():
            signal.signal(number, handler)


def _process_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
