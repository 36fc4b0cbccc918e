"""Outputs that appear whole or not at all, and replace only what dlq wrote:
a directory filled in a staging sibling and renamed into place, whatever
interrupts the run (zarr groups: :mod:`dlq.io.zarr_outputs`)."""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import socket
import tempfile
import threading
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

#: The file that marks a directory as an output dlq published, listing what it wrote.
MANIFEST = ".dlq-output.json"


@contextlib.contextmanager
def atomic_directory(target: str | os.PathLike, *, overwrite: bool, name: str = "--out") -> Iterator[Path]:
    """Yield a temporary sibling of ``target`` to fill; rename it into place
    only when the block finishes, so ``target`` appears whole or not at all.

    The published directory holds a manifest (:data:`MANIFEST`) of what dlq
    wrote. An existing ``target`` is refused unless ``overwrite``, and even
    then unless it is an output dlq published and holds nothing else (never
    the current directory or one of its parents); it is replaced only after
    the new one is complete; it is published with the permissions the
    umask gives any new folder. A ``target`` that appears while the block runs
    (another run with the same output, say) is kept, and FileExistsError
    raised, unless it too may be replaced. Parent folders that did not
    exist are created, and removed again if the run fails. The sibling is
    named ``.NAME.dlq-partial-HOST-PID-...``; one of this host whose process
    is gone (killed before it could clean up) is removed by the next run.

    Parameters
    ----------
    target : path
        The directory to publish.
    overwrite : bool
        Whether an earlier output of dlq there may be replaced.
    name : str
        What the target is called in messages (an option or argument).

    Examples
    --------
    >>> import tempfile
    >>> target = Path(tempfile.mkdtemp()) / "out"
    >>> with atomic_directory(target, overwrite=False) as folder:
    ...     _ = (folder / "a.txt").write_text("done")
    >>> sorted(p.name for p in target.iterdir())
    ['.dlq-output.json', 'a.txt']
    """
    staged = staged_directory(target, overwrite=overwrite, name=name)
    published = False
    with _interrupts_recorded() as interrupted:
        try:
            yield staged.staging
            if interrupted():  # the interrupt may have been swallowed on its way up
                raise KeyboardInterrupt
            staged.publish()
            published = True
        finally:
            if not published:
                staged.discard()


@dataclass(frozen=True)
class Staged:
    """A staging sibling of ``target`` (see :func:`atomic_directory`): filled
    by anyone, then published or discarded once."""

    target: Path
    staging: Path
    created: tuple[Path, ...]  # parent folders made for it, deepest first
    overwrite: bool
    name: str

    def publish(self) -> None:
        """Write the manifest and rename the staging folder into place."""
        _write_manifest(self.staging)
        self.staging.chmod(0o777 & ~_umask())  # staged privately; published as any new folder is
        _replace(self.target, self.staging, overwrite=self.overwrite, name=self.name)

    def discard(self) -> None:
        """Remove the staging folder and the parents made for it."""
        shutil.rmtree(self.staging, ignore_errors=True)
        _remove_empty(list(self.created))


def staged_directory(target: str | os.PathLike, *, overwrite: bool, name: str = "--out") -> Staged:
    """A :class:`Staged` folder for ``target``, refused as :func:`atomic_directory` refuses it.

    Examples
    --------
    >>> import tempfile
    >>> staged = staged_directory(Path(tempfile.mkdtemp()) / "out", overwrite=False)
    >>> _ = (staged.staging / "a.txt").write_text("done")
    >>> staged.publish()
    >>> sorted(p.name for p in staged.target.iterdir())
    ['.dlq-output.json', 'a.txt']
    """
    target = Path(os.path.abspath(target))
    refuse_unreplaceable(target, overwrite=overwrite, name=name)
    created = _missing_parents(target)
    below = created[-1].parent if created else target.parent
    if not below.is_dir():
        raise NotADirectoryError(f"{name} {target} cannot be made: {below} is a file, not a folder")
    target.parent.mkdir(parents=True, exist_ok=True)
    # named by host and process: a leftover of a run killed on this host is
    # removed; one of another host (a shared file system) may be a live run
    prefix = f".{target.name}.dlq-partial-{_host()}-"
    for leftover in target.parent.glob(f"{prefix}*"):
        owner = leftover.name[len(prefix) :].split("-")[0]
        if owner.isdigit() and not _process_alive(int(owner)):
            shutil.rmtree(leftover, ignore_errors=True)
    mine = f"{prefix}{os.getpid()}-{uuid.uuid4().hex[:8]}-"  # this call's own, even within one process
    try:
        staging = Path(tempfile.mkdtemp(prefix=mine, dir=target.parent))
    except BaseException:  # by name: an interrupt may come before mkdtemp has returned
        for leftover in target.parent.glob(f"{mine}*"):
            shutil.rmtree(leftover, ignore_errors=True)
        _remove_empty(created)
        raise
    return Staged(target, staging, tuple(created), overwrite, name)


def refuse_unreplaceable(target: str | os.PathLike, *, overwrite: bool, name: str = "--out") -> None:
    """Refuse ``target`` as an output directory if it exists and may not be
    replaced: without ``overwrite``, or when dlq did not publish it (no
    manifest, or anything in it that the manifest does not list), or when it
    is the current directory or one of its parents.

    Examples
    --------
    >>> import tempfile
    >>> refuse_unreplaceable(tempfile.mkdtemp(), overwrite=True)
    Traceback (most recent call last):
    ...
    FileExistsError: --out ... exists and is not an output of dlq (it has no .dlq-output.json): ...
    """
    target = Path(os.path.abspath(target))
    inside = output_holding(target)
    if inside is not None:
        raise FileExistsError(f"{name} {target} lies inside {inside}, an output of dlq; choose a place outside it")
    if not (target.exists() or target.is_symlink()):
        return
    if not overwrite:
        raise FileExistsError(
            f"{name} {target} already exists; choose another, or pass --overwrite to replace an earlier output of dlq"
        )
    refuse_working_directory(target, name)
    if target.is_symlink() or not target.is_dir():
        raise FileExistsError(f"{name} {target} exists and is not a directory dlq published; dlq never replaces it")
    written = _manifest_entries(target / MANIFEST)
    if written is None:
        raise FileExistsError(
            f"{name} {target} exists and is not an output of dlq (it has no {MANIFEST}): dlq replaces only what it "
            "published itself; choose another, or remove it yourself"
        )
    others = sorted(entry.name for entry in target.iterdir() if entry.name not in written and entry.name != MANIFEST)
    if others:
        raise FileExistsError(
            f"{name} {target} holds {others[0]!r}, which dlq did not write there; dlq replaces only what it "
            "published itself; move that away, or choose another"
        )


def output_holding(path: Path) -> Path | None:
    """The output of dlq that ``path`` lies in, if any: a folder with a
    manifest, or a zarr group dlq wrote (attribute ``written_by: dlq``).

    Examples
    --------
    >>> import tempfile
    >>> folder = Path(tempfile.mkdtemp())
    >>> _ = (folder / MANIFEST).write_text('{"written_by": "dlq", "entries": []}')
    >>> output_holding(folder / "a" / "b") == folder
    True
    """
    for parent in path.parents:
        if (parent / MANIFEST).is_file():
            return parent
        for metadata, attributes in (("zarr.json", "attributes"), (".zattrs", None)):
            try:
                stored = json.loads((parent / metadata).read_text(encoding="utf-8"))
            except (OSError, ValueError):
                continue
            stored = stored.get(attributes, {}) if attributes and isinstance(stored, dict) else stored
            if isinstance(stored, dict) and stored.get("written_by") == "dlq":
                return parent
    return None


def refuse_working_directory(target: Path, name: str) -> None:
    """Refuse to replace the current directory or one of its parents."""
    cwd = Path.cwd().resolve()
    if target.resolve() == cwd or target.resolve() in cwd.parents:
        raise FileExistsError(f"{name} {target} is the current directory or one of its parents; dlq never replaces it")


def _host() -> str:
    """This host's name as it may stand in a folder's name (no ``-`` or ``/``)."""
    return "".join(character if character.isalnum() else "_" for character in socket.gethostname()) or "host"


def _umask() -> int:
    """The process's umask (read by setting it, the only portable way, and setting it back)."""
    mask = os.umask(0o077)
    os.umask(mask)
    return mask


def _write_manifest(folder: Path) -> None:
    from importlib.metadata import version

    entries = sorted(entry.name for entry in folder.iterdir())
    manifest = {"written_by": "dlq", "version": version("dlq"), "entries": entries}
    (folder / MANIFEST).write_text(json.dumps(manifest, indent=1), encoding="utf-8")


def _manifest_entries(path: Path) -> set[str] | None:
    """What the manifest at ``path`` says dlq wrote; None if there is no
    manifest of dlq's there."""
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(manifest, dict) or manifest.get("written_by") != "dlq":
        return None
    entries = manifest.get("entries")
    return {entry for entry in entries if isinstance(entry, str)} if isinstance(entries, list) else None


def _missing_parents(target: Path) -> list[Path]:
    """The ancestors of ``target`` that do not exist, deepest first."""
    return [parent for parent in target.parents if not parent.exists()]


def _remove_empty(folders: list[Path]) -> None:
    for folder in folders:  # deepest first
        try:
            folder.rmdir()
        except OSError:  # not empty any more (or already gone): not ours to remove
            return


def _replace(target: Path, staging: Path, *, overwrite: bool, name: str) -> None:
    if overwrite and (target.exists() or target.is_symlink()):
        refuse_unreplaceable(target, overwrite=True, name=name)  # it may have appeared while this run wrote
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
            f"it was kept and this run's output discarded. Choose another {name} or pass --overwrite"
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
