"""Warnings that point at the user's call, wherever in dlq or dask they arise."""

from __future__ import annotations

import inspect
import os
import warnings

import dask

#: Warnings skip the frames of dlq, and of dask, which runs a scan's last step.
_PACKAGES = tuple(os.path.dirname(path) + os.sep for path in (os.path.dirname(__file__), dask.__file__))


def warn_caller(message: str, category: type[Warning] = UserWarning) -> None:
    """A warning (a UserWarning unless ``category`` says otherwise) that
    points at the first caller outside dlq (and dask): the user's call,
    however deep in dlq the check runs (``skip_file_prefixes`` of Python 3.12)."""
    frame = inspect.currentframe()
    frame = frame.f_back if frame is not None else None
    stacklevel = 2
    while frame is not None and frame.f_code.co_filename.startswith(_PACKAGES):
        frame = frame.f_back
        stacklevel += 1
    warnings.warn(message, category, stacklevel=stacklevel)
