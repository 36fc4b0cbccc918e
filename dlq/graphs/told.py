"""Telling of the rows a read counted, once, at the user's line: rows
rounded outside [0, 1] and multi-class rows that do not sum to 1.

Every read that checks the data counts them as it goes: pass 1 in its
partials (:func:`dlq.graphs.passes.validated_thresholds` tells of them),
and the reads that need no thresholds, here, beside their values.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from functools import partial
from typing import Any, NamedTuple

import dask.array as da
import numpy as np
from dask.delayed import Delayed

from dlq.graphs.blocks import as_rows, field, per_chunk, step, tree
from dlq.graphs.caller import warn_caller
from dlq.kernels.checks import InvalidRows, RowsOffOne
from dlq.kernels.problems import Problems


def _warn_the_clients(message: str) -> None:
    """Warn here, and on a dask.distributed worker also in the sessions of
    its clients (distributed's ``warn``); distributed is not imported here
    when nothing else has imported it: no cluster runs then. Elsewhere the
    warning points at the caller's line (a local scheduler's thread has no
    caller: :func:`dlq.graphs.scheduler.compute` warns again at its own)."""
    distributed = sys.modules.get("distributed")
    if distributed is not None and _on_a_worker(distributed):
        distributed.warn(message, UserWarning)
    else:
        warn_caller(message)


def _on_a_worker(distributed: Any) -> bool:
    try:
        distributed.get_worker()
    except ValueError:
        return False
    return True


def tell_of_rows(problems: Problems, checked: Any) -> None:
    """Warn once of the rows that ``checked`` (summed partials, or any
    record with ``invalid`` and ``unnormalized``) counted: rows rounded
    outside [0, 1], and rows that do not sum to 1 where that matters."""
    unnormalized = problems.unnormalized(checked)
    for note in (checked.invalid.rounding_note(), None if unnormalized is None else unnormalized.note()):
        if note is not None:
            _warn_the_clients(note)


class _Checked(NamedTuple):
    """What checking rows found to tell of (:func:`tell_of_rows`)."""

    invalid: InvalidRows
    unnormalized: RowsOffOne

    @staticmethod
    def combined(parts: list[_Checked]) -> _Checked:
        return _Checked(InvalidRows.first_of(parts), RowsOffOne.total([part.unnormalized for part in parts]))


class _Noted(NamedTuple):
    values: np.ndarray
    checked: _Checked


def _noted_values(
    labels: np.ndarray, pred_probs: np.ndarray, offset: int, problems: Problems, kernel: Callable[..., np.ndarray]
) -> _Noted:
    invalid = problems.invalid_rows(labels, pred_probs, offset)
    invalid.raise_if_any()
    return _Noted(kernel(labels, pred_probs), _Checked(invalid, RowsOffOne.of(pred_probs, offset)))


class Told(NamedTuple):
    """Values of each row from a read that checks the data, and the step
    that tells of its rows (:func:`tell_of_rows`) when computed with them."""

    values: da.Array
    told: Delayed


def _told_rows(
    problems: Problems, labels: da.Array, pred_probs: da.Array, kernel: Callable[..., np.ndarray], dtype: Any
) -> Told:
    records = per_chunk(_noted_values, labels, pred_probs, problems, kernel)
    values = as_rows(field(records, "values"), pred_probs.chunks[0], dtype)
    return Told(values, step(tell_of_rows, problems, tree(records, _Checked.combined, part="checked")))


def told_scores(problems: Problems, labels: da.Array, pred_probs: da.Array, *, method: str) -> Told:
    """Unadjusted label quality scores of one problem, in one read that
    also checks the data and counts the rows to tell of.

    Examples
    --------
    >>> import warnings
    >>> from dlq.io.arrays import open_inputs
    >>> from dlq.kernels.problems import MULTICLASS
    >>> opened = open_inputs(np.array([0, 1]), np.array([[0.9, 0.1], [0.5, 0.4]]))  # one chunk: computed now
    >>> with warnings.catch_warnings(record=True) as caught:
    ...     found = told_scores(MULTICLASS, *opened, method="self_confidence")
    >>> found.values.tolist(), str(caught[0].message)[:45]
    ([0.9, 0.4], '1 row of pred_probs does not sum to 1 (the fi')
    """
    dtype = problems.score_type(pred_probs.dtype, method, adjusted=False)
    return _told_rows(problems, labels, pred_probs, partial(_unadjusted_scores, problems, method), dtype)


def _unadjusted_scores(problems: Problems, method: str, labels: np.ndarray, pred_probs: np.ndarray) -> np.ndarray:
    return problems.scores(labels, pred_probs, method=method, thresholds=None)


def _some_predicted_neq_given(problems: Problems, labels: np.ndarray, pred_probs: np.ndarray) -> np.ndarray:
    return problems.predicted_neq_given(labels, pred_probs).any(axis=1)


def predicted_neq_given(problems: Problems, labels: da.Array, pred_probs: da.Array) -> Told:
    """Whether each example's argmax in some problem is not its label (a
    row-chunked boolean array), in one read that also checks the data and
    counts the rows to tell of."""
    return _told_rows(problems, labels, pred_probs, partial(_some_predicted_neq_given, problems), bool)
