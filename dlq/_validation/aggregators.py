"""Checks of the multi-label aggregators' options."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import numpy as np

from dlq._validation.checks import _is_number
from dlq._validation.constants import AGGREGATOR_METHODS, AGGREGATOR_OPTIONS, DEFAULT_AGGREGATOR


def check_aggregator_axis(axis: Any) -> None:
    """Check the ``axis`` of an aggregator, which works along rows' classes only.

    Parameters
    ----------
    axis : int
        1 or -1.

    Raises
    ------
    ValueError
        For any other axis.

    Examples
    --------
    >>> check_aggregator_axis(-1)
    >>> check_aggregator_axis(0)
    Traceback (most recent call last):
    ...
    ValueError: aggregators work along axis 1; got axis=0
    """
    if axis not in (1, -1):
        raise ValueError(f"aggregators work along axis 1; got axis={axis}")


def check_alpha(alpha: Any) -> None:
    """Check the ``alpha`` of the exponential moving average.

    Parameters
    ----------
    alpha : float
        The weight of the worst class, in [0, 1].

    Raises
    ------
    ValueError
        If ``alpha`` is not a number in [0, 1].

    Examples
    --------
    >>> check_alpha(0.8)
    >>> check_alpha(1.5)
    Traceback (most recent call last):
    ...
    ValueError: alpha of exponential_moving_average must be a number in [0, 1] or None; got 1.5
    """
    if not _is_number(alpha) or not 0 <= alpha <= 1:
        raise ValueError(f"alpha of exponential_moving_average must be a number in [0, 1] or None; got {alpha!r}")


def check_temperature(temperature: Any) -> None:
    """Check the ``temperature`` of the softmin.

    Parameters
    ----------
    temperature : float
        A number > 0.

    Raises
    ------
    ValueError
        If ``temperature`` is not a number > 0.

    Examples
    --------
    >>> check_temperature(0.1)
    >>> check_temperature(0)
    Traceback (most recent call last):
    ...
    ValueError: temperature of softmin must be a number > 0; got 0
    """
    if not _is_number(temperature) or not temperature > 0:
        raise ValueError(f"temperature of softmin must be a number > 0; got {temperature!r}")


def check_aggregator_kwargs(
    aggregator_kwargs: Mapping[str, Any] | None,
) -> tuple[str | Callable[..., Any], dict[str, Any]]:
    """Check cleanlab-style ``aggregator_kwargs`` and split them into the
    aggregator and its options.

    Parameters
    ----------
    aggregator_kwargs : dict or None
        ``{"method": "exponential_moving_average", "alpha": a}`` (alpha in
        [0, 1] or None), ``{"method": "softmin", "temperature": t}`` (t > 0),
        or ``{"method": f, **options}`` with a callable ``f``. A missing
        method is the exponential moving average; None (or an empty dict)
        means :data:`DEFAULT_AGGREGATOR`.

    Returns
    -------
    method : str or callable
        One of :data:`AGGREGATOR_METHODS`, or the callable.
    options : dict
        The other keys.

    Raises
    ------
    ValueError
        For an unknown method, an option the method does not take, or an
        ``alpha`` or ``temperature`` out of range.

    Examples
    --------
    >>> check_aggregator_kwargs({"method": "softmin", "temperature": 0.5})
    ('softmin', {'temperature': 0.5})
    >>> check_aggregator_kwargs(None)
    ('exponential_moving_average', {'alpha': 0.8})
    >>> check_aggregator_kwargs({"method": "softmin", "alpha": 0.5})
    Traceback (most recent call last):
    ...
    ValueError: aggregator 'softmin' takes only ['temperature']; got also ['alpha']
    """
    options = dict(aggregator_kwargs or DEFAULT_AGGREGATOR)
    method = options.pop("method", "exponential_moving_average")
    if callable(method):
        return method, options
    if method not in AGGREGATOR_OPTIONS:
        raise ValueError(
            f"aggregator method must be one of {', '.join(AGGREGATOR_METHODS)} or a callable; got {method!r}"
        )
    unknown = sorted(set(options) - set(AGGREGATOR_OPTIONS[method]))
    if unknown:
        raise ValueError(f"aggregator {method!r} takes only {sorted(AGGREGATOR_OPTIONS[method])}; got also {unknown}")
    if "temperature" in options:
        check_temperature(options["temperature"])
    if options.get("alpha") is not None:
        check_alpha(options["alpha"])
    return method, options


def check_aggregated(result: np.ndarray, scores: np.ndarray, function: Callable[..., Any]) -> None:
    """Check what a callable aggregator returned: one score per row of ``scores``.

    Parameters
    ----------
    result : ndarray
        What ``function(scores, axis=1, ...)`` returned, as an array.
    scores : ndarray, shape (n, K)
        The scores it aggregated.
    function : callable
        The aggregator, named in the message.

    Raises
    ------
    ValueError
        If ``result`` is not of shape (n,).

    Examples
    --------
    >>> scores = np.ones((2, 3))
    >>> check_aggregated(np.min(scores, axis=1), scores, np.min)
    >>> check_aggregated(np.min(scores, axis=0), scores, np.min)
    Traceback (most recent call last):
    ...
    ValueError: the aggregator 'min' returned shape (3,) for scores of shape (2, 3); it must return one score per ...
    """
    if result.shape != (scores.shape[0],):
        raise ValueError(
            f"the aggregator {getattr(function, '__name__', function)!r} returned shape {result.shape} for "
            f"scores of shape {scores.shape}; it must return one score per row, shape ({scores.shape[0]},)"
        )
