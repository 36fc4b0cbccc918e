"""Checks of single options (choices, scores, keyword dicts, integers, an
array or a file)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from dlq._validation.constants import RANK_BY_KWARGS, SCORE_METHODS


class RefusedValue(ValueError, AssertionError):
    """A refused option that cleanlab refuses with an ``assert``: a
    ValueError, as dlq refuses options, and an AssertionError, as cleanlab
    does, so that code written for either catches it."""


class RefusedType(TypeError, AssertionError):
    """A refused option of the wrong type that cleanlab refuses with an
    ``assert`` (see :class:`RefusedValue`)."""


def _is_integer(value: Any) -> bool:
    return not isinstance(value, bool) and isinstance(value, (int, np.integer))


def _is_number(value: Any) -> bool:
    return not isinstance(value, bool) and isinstance(value, (int, float, np.number))


def check_choice(
    value: Any, choices: tuple[str, ...], name: str, *, kind: str | None = None, error: type[ValueError] = ValueError
) -> None:
    """Check that the option ``name`` is one of ``choices``.

    Parameters
    ----------
    value : object
        The option given.
    choices : tuple of str
        The accepted values.
    name : str
        The option's name, for the message.
    kind : str, optional
        What the values are, for a message that begins "... is not a valid
        {kind}" (as cleanlab's does for estimation methods).
    error : type
        The ValueError to raise (:class:`RefusedValue` where cleanlab asserts).

    Raises
    ------
    ValueError
        If ``value`` is not one of ``choices``.

    Examples
    --------
    >>> from dlq._validation.constants import BATCHED_ESTIMATION_METHODS
    >>> check_choice("off_diagonal", BATCHED_ESTIMATION_METHODS, "estimation_method")
    >>> check_choice("diagonal", BATCHED_ESTIMATION_METHODS, "estimation_method")
    Traceback (most recent call last):
    ...
    ValueError: estimation_method must be one of off_diagonal, off_diagonal_calibrated; got 'diagonal'
    >>> check_choice("diagonal", BATCHED_ESTIMATION_METHODS, "estimation_method", kind="estimation method")
    Traceback (most recent call last):
    ...
    ValueError: 'diagonal' is not a valid estimation method: estimation_method must be one of off_diagonal, ...
    """
    if value not in choices:
        expected = f"{name} must be one of {', '.join(choices)}"
        if kind is None:
            raise error(f"{expected}; got {value!r}")
        raise error(f"{value!r} is not a valid {kind}: {expected}")


def check_score_method(method: Any, adjust_pred_probs: bool) -> None:
    """Check a label quality score and whether it may be adjusted.

    Parameters
    ----------
    method : str
        One of :data:`SCORE_METHODS`.
    adjust_pred_probs : bool
        Whether the class thresholds are subtracted first, which
        ``confidence_weighted_entropy`` does not support.

    Raises
    ------
    ValueError
        If ``method`` is unknown, or adjusted ``confidence_weighted_entropy``.

    Examples
    --------
    >>> check_score_method("normalized_margin", True)
    >>> check_score_method("confidence_weighted_entropy", True)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    ValueError: adjust_pred_probs=True is not supported with method='confidence_weighted_entropy'; ...
    """
    check_choice(method, SCORE_METHODS, "method", kind="scoring method")
    if adjust_pred_probs and method == "confidence_weighted_entropy":
        raise ValueError(
            "adjust_pred_probs=True is not supported with method='confidence_weighted_entropy'; "
            "use another method or adjust_pred_probs=False"
        )


def check_kwargs(kwargs: Mapping[str, Any] | None, defaults: Mapping[str, Any], name: str) -> dict[str, Any]:
    """Check a keyword dict's keys and fill in the defaults of those not given.

    Parameters
    ----------
    kwargs : dict or None
        The keyword dict given; None means no keys.
    defaults : Mapping
        Every supported key and its default, such as :data:`QUALITY_SCORE_KWARGS`.
    name : str
        The keyword dict's name, for the message.

    Returns
    -------
    dict
        A new dict: ``defaults`` updated with ``kwargs``.

    Raises
    ------
    ValueError
        If ``kwargs`` has a key that ``defaults`` has not.

    Examples
    --------
    >>> from dlq._validation.constants import QUALITY_SCORE_KWARGS
    >>> check_kwargs({"method": "normalized_margin"}, QUALITY_SCORE_KWARGS, "quality_score_kwargs")
    {'method': 'normalized_margin', 'adjust_pred_probs': False}
    >>> check_kwargs({"methd": "normalized_margin"}, QUALITY_SCORE_KWARGS, "quality_score_kwargs")
    Traceback (most recent call last):
    ...
    ValueError: quality_score_kwargs got unsupported keys ['methd']; supported: ['adjust_pred_probs', 'method']
    """
    kwargs = dict(kwargs or {})
    unknown = sorted(set(kwargs) - set(defaults))
    if unknown:
        raise ValueError(f"{name} got unsupported keys {unknown}; supported: {sorted(defaults)}")
    return {**defaults, **kwargs}


def check_ranking(return_indices_ranked_by: Any, rank_by_kwargs: Mapping[str, Any] | None) -> bool:
    """Check the ranking options of the filters and return ``adjust_pred_probs``.

    Parameters
    ----------
    return_indices_ranked_by : str or None
        None (no ranking) or one of :data:`SCORE_METHODS`.
    rank_by_kwargs : dict or None
        Keys of :data:`RANK_BY_KWARGS`.

    Returns
    -------
    bool
        Whether the ranking scores are adjusted.

    Raises
    ------
    ValueError
        As :func:`check_kwargs` and :func:`check_score_method` do.

    Examples
    --------
    >>> check_ranking("self_confidence", {"adjust_pred_probs": True})
    True
    >>> check_ranking(None, None)
    False
    """
    adjust = check_kwargs(rank_by_kwargs, RANK_BY_KWARGS, "rank_by_kwargs")["adjust_pred_probs"]
    if return_indices_ranked_by is not None:
        check_score_method(return_indices_ranked_by, adjust)
    return adjust


def check_integer(value: Any, name: str, *, minimum: int) -> int:
    """Check that ``value`` is an integer of at least ``minimum`` (not a bool).

    Parameters
    ----------
    value : object
        The option given.
    name : str
        The option's name, for the message.
    minimum : int
        The smallest value accepted.

    Returns
    -------
    int
        ``value`` as a Python int.

    Raises
    ------
    ValueError
        If ``value`` is not an integer or is below ``minimum``.

    Examples
    --------
    >>> check_integer(3, "num_class", minimum=2)
    3
    >>> check_integer(0, "batch_size", minimum=1)
    Traceback (most recent call last):
    ...
    ValueError: batch_size must be a positive integer; got 0
    >>> check_integer(True, "num_class", minimum=2)
    Traceback (most recent call last):
    ...
    ValueError: num_class must be an integer of at least 2; got True
    """
    if not _is_integer(value) or value < minimum:
        expected = "a positive integer" if minimum == 1 else f"an integer of at least {minimum}"
        raise ValueError(f"{name} must be {expected}; got {value!r}")
    return int(value)


def check_array_or_file(array: Any, path: Any, name: str) -> Any:
    """Check that exactly one of an array and a ``.npy`` path is given, and return it.

    Parameters
    ----------
    array : array-like or None
        The argument ``name``.
    path : str or None
        The argument ``name + "_file"``: the path of a ``.npy`` file.
    name : str
        The array's name, for the message.

    Returns
    -------
    array-like or str
        Whichever was given.

    Raises
    ------
    ValueError
        If both or neither are given, or ``path`` is not a ``.npy`` path.

    Examples
    --------
    >>> check_array_or_file(None, "labels.npy", "labels")
    'labels.npy'
    >>> check_array_or_file([0, 1], "labels.npy", "labels")
    Traceback (most recent call last):
    ...
    ValueError: give only one of `labels` and `labels_file`
    """
    if path is not None:
        if array is not None:
            raise ValueError(f"give only one of `{name}` and `{name}_file`")
        if not isinstance(path, str) or not path.endswith(".npy"):
            raise ValueError(f"{name}_file must be the path of a .npy file; got {path!r}")
        return path
    if array is None:
        raise ValueError(f"give one of `{name}` and `{name}_file`")
    return array


def check_ids_shape(shape: tuple[int, ...], num_examples: int) -> None:
    """Refuse example ids that are not one per example.

    Examples
    --------
    >>> check_ids_shape((3,), 3)
    >>> check_ids_shape((2, 1), 3)
    Traceback (most recent call last):
    ...
    ValueError: ids must hold one id per example, shape (3,); got (2, 1)
    """
    if tuple(shape) != (num_examples,):
        raise ValueError(f"ids must hold one id per example, shape ({num_examples},); got {tuple(shape)}")


def check_class_names(class_names: Any, num_classes: int) -> list[str] | None:
    """Check that ``class_names`` are ``num_classes`` strings, one a class.

    Examples
    --------
    >>> check_class_names(("cat", "dog"), 2)
    ['cat', 'dog']
    >>> check_class_names(["cat"], 2)
    Traceback (most recent call last):
    ...
    ValueError: class_names must be 2 strings, one per column of pred_probs; got 1
    """
    if class_names is None:
        return None
    if isinstance(class_names, str) or not hasattr(class_names, "__len__"):
        raise TypeError(f"class_names must be a list of {num_classes} strings; got {type(class_names).__name__}")
    names = list(class_names)
    if len(names) != num_classes:
        raise ValueError(f"class_names must be {num_classes} strings, one per column of pred_probs; got {len(names)}")
    odd = next((name for name in names if not isinstance(name, str)), None)
    if odd is not None:
        raise TypeError(f"class_names must be strings; got {odd!r}, a {type(odd).__name__}")
    return names
