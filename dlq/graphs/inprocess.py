"""Work on data in one chunk in process, with no graph.

Data in one chunk that dlq reads itself (see :mod:`dlq.graphs.sources`)
are worked on *in process*: each shape of :mod:`dlq.graphs.blocks`, given
computed values, computes at once and returns what computing its graph
would give (records as an object array, a ``step`` as its value), with no
graph to build and schedule. :func:`lazy_graphs` turns this off while a
lazy result (a :class:`~dlq.result.Scan`) is built.
"""

from __future__ import annotations

import contextlib
import contextvars
import functools
from collections.abc import Callable, Iterator
from typing import Any

import dask

from dlq.graphs import allocator

_BUILDING_LAZILY = contextvars.ContextVar("dlq_building_lazily", default=False)


@contextlib.contextmanager
def lazy_graphs() -> Iterator[None]:
    """Build graphs, even of data in one chunk that could be worked on in
    process: for what is returned lazy (a scan, say)."""
    token = _BUILDING_LAZILY.set(True)
    try:
        yield
    finally:
        _BUILDING_LAZILY.reset(token)


def lazily(function: Callable[..., Any]) -> Callable[..., Any]:
    """``function`` under :func:`lazy_graphs` (as it is: ``__wrapped__``)."""

    @functools.wraps(function)
    def built_lazily(*args: Any, **kwargs: Any) -> Any:
        with lazy_graphs():
            return function(*args, **kwargs)

    return built_lazily


def is_lazy(value: Any) -> bool:
    """Whether ``value`` is, or holds in a list, tuple or dict, a dask collection.

    Examples
    --------
    >>> import dask.array as da, numpy as np
    >>> is_lazy([1, (2, da.ones(3))]), is_lazy({"a": np.ones(3)})
    (True, False)
    """
    if dask.is_dask_collection(value):
        return True
    if isinstance(value, (list, tuple)):
        return any(is_lazy(item) for item in value)
    if isinstance(value, dict):
        return any(is_lazy(item) for item in value.values())
    return False


def computes_now(*values: Any) -> bool:
    """Whether to compute at once: no graph is asked for and none of ``values`` is lazy."""
    return not building_lazily() and not is_lazy(values)


def building_lazily() -> bool:
    """Whether :func:`lazy_graphs` is in effect."""
    lazy = _BUILDING_LAZILY.get()
    if not lazy:
        allocator.prime()  # work may start in this process: once, see dlq.graphs.allocator
    return lazy
