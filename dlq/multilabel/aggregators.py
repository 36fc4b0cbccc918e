"""Aggregators: one multi-label score per example from its K per-class scores.

Each works on an (n, K) block of per-class scores and lets the worst class
pull the example down.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import Any

import numpy as np

from dlq import _validation


def exponential_moving_average(scores: np.ndarray, *, alpha: float | None = None, axis: int = 1) -> np.ndarray:
    """Exponential moving average of each row's scores, from the largest to the smallest.

    The smallest score has weight ``alpha``, the next ``alpha * (1 - alpha)``,
    and so on; the largest ``(1 - alpha) ** (K - 1)``. ``alpha=None`` means
    ``2 / (K + 1)``. One sort per row, then a dot product per row
    (``np.vecdot``: each row on its own, so that its rounding depends on
    nothing but the row, as a matrix product's may on the rows beside it).

    Examples
    --------
    >>> exponential_moving_average(np.array([[0.9, 0.9, 0.9], [0.4, 0.9, 0.9]]), alpha=0.8).round(6).tolist()
    [0.9, 0.5]
    """
    _validation.check_aggregator_axis(axis)
    num_classes = scores.shape[1]
    alpha = 2 / (num_classes + 1) if alpha is None else alpha
    _validation.check_alpha(alpha)
    weights = alpha * (1 - alpha) ** np.arange(num_classes, dtype=np.float64)
    weights[-1] = (1 - alpha) ** (num_classes - 1)
    return np.vecdot(np.sort(scores, axis=1), weights)


def softmin(scores: np.ndarray, *, temperature: float = 0.1, axis: int = 1) -> np.ndarray:
    """Average of each row's scores weighted by a softmax of ``(1 - score) / temperature``.

    Computed stably (the largest exponent is subtracted first).

    Examples
    --------
    >>> softmin(np.array([[0.1, 0.9]]), temperature=0.1).round(4).tolist()
    [0.1003]
    """
    _validation.check_aggregator_axis(axis)
    _validation.check_temperature(temperature)
    weights = (1 - scores) / temperature  # the exponents, then the weights, in place
    # each row's largest, over the rows side by side (a maximum is exact in any order), which is
    # quicker than a reduction along each short row
    weights -= np.ascontiguousarray(weights.T).max(axis=0)[:, None]
    np.exp(weights, out=weights)
    # the weighted sum and the sum of weights, each a dot product per row (as in the moving average)
    return np.vecdot(weights, scores) / np.vecdot(weights, np.ones(weights.shape[1], weights.dtype))


#: cleanlab's multi-label scorer aggregates by default, and ranks issues, with this.
CLEANLAB_DEFAULT = partial(exponential_moving_average, alpha=0.8)


def _apply_callable(function: Callable[..., Any], options: dict[str, Any], scores: np.ndarray) -> np.ndarray:
    result = np.asarray(function(scores, axis=1, **options))
    if result.shape != (scores.shape[0],):
        raise ValueError(
            f"the aggregator {getattr(function, '__name__', function)!r} returned shape {result.shape} for "
            f"scores of shape {scores.shape}; it must return one score per row, shape ({scores.shape[0]},)"
        )
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
