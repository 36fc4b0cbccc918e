"""Where inputs and outputs live, so that no output is ever written over,
inside or around an input.

A location is a scheme and a normalized path: local paths are resolved
through symlinks (``file``), URLs keep their scheme and bucket
(``s3://bucket/key`` is ``("s3", "bucket/key")``). Two locations overlap
when one is the other or lies inside it.
"""

from __future__ import annotations

import dataclasses
import functools
import os
import posixpath
import re
from collections.abc import Iterable, Iterator
from typing import Any, NamedTuple
from urllib.parse import urlsplit

import numpy as np

_URL = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*://")
#: ``FILE.h5:/dataset``: the input is the file.
HDF5_PATH = re.compile(r"^(?P<file>.+\.(h5|hdf5|he5|nc)):(?P<dataset>/.*)$")


class Location(NamedTuple):
    """A resolved place: ``scheme`` (``file`` for local paths) and ``path``."""

    scheme: str
    path: str

    def __str__(self) -> str:
        return self.path if self.scheme == "file" else f"{self.scheme}://{self.path}"

    def contains(self, other: Location) -> bool:
        """Whether ``other`` is this location or lies inside it.

        Examples
        --------
        >>> Location("s3", "bucket/run").contains(Location("s3", "bucket/run/labels.zarr"))
        True
        >>> Location("s3", "bucket/run").contains(Location("s3", "bucket/run2"))
        False
        """
        if self.scheme != other.scheme:
            return False
        if self.path == other.path or self.path in ("/", ""):
            return True
        return other.path.startswith(self.path.rstrip("/") + "/")

    def overlaps(self, other: Location) -> bool:
        """Whether either location contains the other."""
        return self.contains(other) or other.contains(self)


def is_url(target: str | os.PathLike) -> bool:
    """Whether ``target`` is a URL (``scheme://...``) rather than a local path.

    Examples
    --------
    >>> is_url("s3://bucket/run"), is_url("runs/s3:/x")
    (True, False)
    """
    return bool(_URL.match(os.fspath(target)))


def location_of(target: str | os.PathLike) -> Location:
    """The location of a path or URL given by a user.

    Examples
    --------
    >>> location_of("s3://bucket/data/../labels.zarr/")
    Location(scheme='s3', path='bucket/labels.zarr')
    >>> location_of("/tmp/x/./y").path == os.path.realpath("/tmp/x/y")
    True
    """
    text = os.fspath(target)
    if _URL.match(text):
        parts = urlsplit(text)
        if parts.scheme != "file":
            path = posixpath.normpath(f"{parts.netloc}/{parts.path.lstrip('/')}").rstrip("/")
            return Location(parts.scheme.lower(), path)
        text = parts.path
    hdf5 = HDF5_PATH.match(text)
    if hdf5:
        text = hdf5["file"]
    return Location("file", os.path.realpath(text))  # "~" as the readers take it: a folder of that name


def _store_location(store: Any, path: str) -> Location | None:
    """The location of a zarr store (and a path inside it), if it has one
    (a store in memory has none)."""
    wrapped = getattr(store, "_store", None)  # zarr's read-only wrapper of another store
    if wrapped is not None and not hasattr(store, "root"):
        return _store_location(wrapped, path)
    root = getattr(store, "root", None)
    if root is not None:  # a local store
        return location_of(os.path.join(os.fspath(root), path))
    fs = getattr(store, "fs", None)
    if fs is not None:  # an fsspec store
        protocol = fs.protocol[0] if isinstance(fs.protocol, (tuple, list)) else fs.protocol
        base = getattr(store, "path", "")
        if protocol in ("file", "local"):
            return location_of(posixpath.join(base, path))
        return location_of(f"{protocol}://{posixpath.join(base, path)}")
    return None


def _found_in(value: Any) -> Location | None:
    """The location of ``value`` if it is a stored input dlq reads: a zarr
    array, an HDF5 dataset, or anything with a ``path`` to a file."""
    module = type(value).__module__
    if module.startswith("zarr") and hasattr(value, "store_path"):
        return _store_location(value.store_path.store, value.store_path.path)
    if module.startswith("h5py") and hasattr(value, "file"):
        return location_of(value.file.filename)
    if module.startswith("dlq"):
        where = getattr(value, "path", None) or getattr(value, "where", None)
        return location_of(where) if isinstance(where, str) else None
    return None


_LEAVES = (str, bytes, int, float, complex, bool, type(None), np.ndarray, np.generic, type)


def _parts(value: Any) -> Iterator[Any]:
    if isinstance(value, dict):
        yield from value.values()
    elif isinstance(value, (list, tuple, set, frozenset)):
        yield from value
    elif isinstance(value, functools.partial):
        yield from (value.func, *value.args, *value.keywords.values())
    elif dataclasses.is_dataclass(value) or hasattr(value, "__dict__") or hasattr(value, "__slots__"):
        if callable(value) and not hasattr(value, "__slots__") and not dataclasses.is_dataclass(value):
            return  # a function: what it closes over is not an input of the graph
        yield from vars(value).values() if hasattr(value, "__dict__") else ()
        for cls in type(value).__mro__:
            for name in getattr(cls, "__slots__", ()):
                if hasattr(value, name) and not name.startswith("__"):
                    yield getattr(value, name)


def stored_inputs(*collections: Any, depth: int = 12) -> set[Location]:
    """The locations of the stored inputs that dask ``collections`` read:
    zarr arrays, HDF5 datasets and dlq's own file readers found among the
    values of their graphs (nothing is read).

    Examples
    --------
    >>> import dask.array as da, tempfile, zarr
    >>> path = tempfile.mkdtemp() + "/labels.zarr"
    >>> labels = da.from_zarr(zarr.create_array(store=path, shape=(4,), dtype="i8"))
    >>> [str(location) for location in stored_inputs(labels)] == [os.path.realpath(path)]
    True
    """
    import dask

    found: set[Location] = set()
    seen: set[int] = set()
    # inputs are read by the graph's roots (data, and tasks that depend on
    # no other); a dask before task specs has no dependencies to tell: all are walked
    stack = [(value, 0) for value in _graph_values(collections) if not getattr(value, "dependencies", None)]
    while stack:
        value, level = stack.pop()
        if isinstance(value, _LEAVES) or id(value) in seen or level > depth:
            continue
        seen.add(id(value))
        location = _found_in(value)
        if location is not None:
            found.add(location)
        elif not dask.is_dask_collection(value) or level == 0:
            stack.extend((part, level + 1) for part in _parts(value))
    return found


def _graph_values(collections: Iterable[Any]) -> list[Any]:
    import dask

    values = []
    for collection in collections:
        if dask.is_dask_collection(collection):
            graph = collection.__dask_graph__()
            values.extend(graph.values() if graph is not None else ())
    return values


def refuse_overlap(output: Location, inputs: Iterable[tuple[str, Location]], *, what: str) -> None:
    """Refuse an output that is, lies inside, or contains one of ``inputs``
    (pairs of the input's name and location).

    Examples
    --------
    >>> refuse_overlap(Location("file", "/data"), [("labels", Location("file", "/data/labels.npy"))], what="--out")
    Traceback (most recent call last):
    ...
    ValueError: --out /data contains labels (/data/labels.npy): dlq never writes over or around its inputs, ...
    """
    for name, location in inputs:
        if output == location:
            relation = "is"
        elif output.contains(location):
            relation = "contains"
        elif location.contains(output):
            relation = "lies inside"
        else:
            continue
        raise ValueError(
            f"{what} {output} {relation} {name} ({location}): dlq never writes over or around its inputs, "
            "nor one output in another; choose an output elsewhere"
        )


def output_location(target: Any) -> Location | None:
    """The location of an output given as a path, a URL or a zarr store
    object; None for a store in memory."""
    if isinstance(target, (str, os.PathLike)):
        return location_of(target)
    return _store_location(target, "")


def refuse_outputs_over_inputs(outputs: dict[str, Any], *collections: Any) -> None:
    """Refuse any of ``outputs`` (what it is called, and where it goes) that
    is, lies inside, or contains a stored input of the dask ``collections``.

    Examples
    --------
    >>> import dask.array as da, tempfile, zarr
    >>> path = tempfile.mkdtemp() + "/labels.zarr"
    >>> labels = da.from_zarr(zarr.create_array(store=path, shape=(4,), dtype="i8"))
    >>> refuse_outputs_over_inputs({"store": path}, labels)
    Traceback (most recent call last):
    ...
    ValueError: store ... is an input (...): dlq never writes over or around its inputs, ...
    """
    wanted = {what: output_location(target) for what, target in outputs.items() if target is not None}
    if not any(wanted.values()):
        return
    inputs = [("an input", location) for location in sorted(stored_inputs(*collections))]
    for what, location in wanted.items():
        if location is not None:
            refuse_overlap(location, inputs, what=what)


def refuse_apart(store: Any, issues_to: str | os.PathLike) -> None:
    """Refuse an ``issues_to`` that is a URL (it is written as local files),
    or that is, lies inside or holds the zarr ``store`` written with it.

    Examples
    --------
    >>> refuse_apart("/runs/scan.zarr", "/runs/scan.zarr/issues")
    Traceback (most recent call last):
    ...
    ValueError: issues_to /runs/scan.zarr/issues lies inside store (/runs/scan.zarr): ...
    """
    if is_url(issues_to):
        raise ValueError(f"issues_to {issues_to} is a URL; the issue table is written as local files: give a folder")
    written = output_location(store)
    if written is not None:
        refuse_overlap(location_of(issues_to), [("store", written)], what="issues_to")
