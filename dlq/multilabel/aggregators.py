"""Aggregators: one multi-label score per example from its K per-class scores.

Each works on an (n, K) block of per-class scores and lets the worst class
pull the example down. Here are cleanlab's names and options, checked; the
arithmetic is the graph layer's (:mod:`dlq.graphs.aggregators`).
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import Any

import numpy as np

from dlq import _validation
from dlq.graphs import aggregators


def exponential_moving_average(scores: np.ndarray, *, alpha: float | None = None, axis: int = 1) -> np.ndarray:
    """Exponential moving average of each row's scores, from the largest to the smallest.

    The smallest score weighs ``alpha``, the next ``alpha * (1 - alpha)``,
    and so on (:func:`dlq.kernels.aggregators.exponential_moving_average`);
    ``alpha=None`` means ``2 / (K + 1)``, for K classes.

    Examples
    --------
    >>> exponential_moving_average(np.array([[0.9, 0.9, 0.9], [0.4, 0.9, 0.9]]), alpha=0.8).round(6).tolist()
    [0.9, 0.5]
    """
    _validation.check_aggregator_axis(axis)
    alpha = 2 / (scores.shape[1] + 1) if alpha is None else alpha
    _validation.check_alpha(alpha)
    return aggregators.exponential_moving_average(scores, alpha)


def softmin(scores: np.ndarray, *, temperature: float = 0.1, axis: int = 1) -> np.ndarray:
    """Average of each row's scores weighted by a softmax of ``(1 - score) / temperature``.

    Computed stably, each row on its own (:func:`dlq.kernels.aggregators.softmin`).

    Examples
    --------
    >>> softmin(np.array([[0.1, 0.9]]), temperature=0.1).round(4).tolist()
    [0.1003]
    """
    _validation.check_aggregator_axis(axis)
    _validation.check_temperature(temperature)
    return aggregators.softmin(scores, temperature)


#: cleanlab's multi-label scorer aggregates by default, and ranks issues, with this.
CLEANLAB_DEFAULT = partial(exponential_moving_average, alpha=0.8)


def _apply_callable(function: Callable[..., Any], options: dict[str, Any], scores: np.ndarray) -> np.ndarray:
    result = np.asarray(function(scores, axis=1, **options))
    _validation.check_aggregated(result, scores, function)
    return result


def make_aggregator(aggregator_kwargs: dict[str, Any] | None) -> Callable[[np.ndarray], np.ndarray]:
    """Check cleanlab-style ``aggregator_kwargs`` and return ``f(scores) -> (n,)``.

    ``{"method": "exponential_moving_average", "alpha": ...}``,
    ``{"method": "softmin", "temperature": ...}``, or ``{"method": callable,
    **options}``, where the callable is called as ``f(scores, axis=1,
    **options)`` on an (n, K) block and must return shape (n,).

    Examples
    --------
    >>> make_aggregator({"method": np.min})(np.array([[0.2, 0.7]])).tolist()
    [0.2]
    """
    method, options = _validation.check_aggregator_kwargs(aggregator_kwargs)
    if callable(method):
        return partial(_apply_callable, method, options)
    if method == "softmin":
        return partial(softmin, **options)
    return partial(exponential_moving_average, **options)
