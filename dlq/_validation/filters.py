"""Checks of cleanlab.filter's options, multi-class and multi-label, and of a scan's search."""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import Any, NamedTuple

import numpy as np

from dlq._validation.checks import RefusedValue, _is_integer, check_choice, check_ranking
from dlq._validation.constants import _UNUSED_WITH_LOW_MEMORY, FILTERS, PRUNING_FILTERS, ROW_FILTERS
from dlq.graphs.caller import warn_caller


def check_filter_options(
    *,
    filter_by: Any,
    frac_noise: Any,
    num_to_remove_per_class: Any,
    min_examples_per_class: Any,
    num_classes: int,
) -> np.ndarray | None:
    """Check the filter options of ``find_label_issues``, warning of ``frac_noise``
    where it has no effect.

    Parameters
    ----------
    filter_by : str
        One of :data:`FILTERS`.
    frac_noise : float
        In [0, 1]; ignored (with a warning) unless 1 by the :data:`ROW_FILTERS`.
    num_to_remove_per_class : int, array-like of int, shape (K,), or None
        Only with the :data:`PRUNING_FILTERS`; one integer stands for every class.
    min_examples_per_class : int
        Any integer.
    num_classes : int
        K, the number of classes (columns of pred_probs).

    Returns
    -------
    ndarray of int, shape (K,), or None
        ``num_to_remove_per_class`` as an array.

    Raises
    ------
    ValueError
        For an unknown filter, a ``frac_noise`` outside [0, 1], or a
        ``num_to_remove_per_class`` that is not K non-negative integers or is
        given to a row filter.
    TypeError
        If ``min_examples_per_class`` is not an integer.

    Examples
    --------
    >>> check_filter_options(
    ...     filter_by="both", frac_noise=1.0, num_to_remove_per_class=[2, 0, 1], min_examples_per_class=1, num_classes=3
    ... ).tolist()
    [2, 0, 1]
    >>> check_filter_options(
    ...     filter_by="both", frac_noise=1.5, num_to_remove_per_class=None, min_examples_per_class=1, num_classes=3
    ... )
    Traceback (most recent call last):
    ...
    ValueError: frac_noise must be between 0 and 1; got 1.5
    """
    check_choice(filter_by, FILTERS, "filter_by", error=RefusedValue)
    if filter_by in ROW_FILTERS and num_to_remove_per_class is not None:
        raise ValueError(
            f"num_to_remove_per_class is not supported by filter_by={filter_by!r}; "
            f"only {', '.join(PRUNING_FILTERS)} remove a number of examples per class"
        )
    if filter_by in ROW_FILTERS and frac_noise != 1.0:
        warn_caller(f"frac_noise is ignored by filter_by={filter_by!r}")
    if not 0.0 <= frac_noise <= 1.0:
        raise ValueError(f"frac_noise must be between 0 and 1; got {frac_noise!r}")
    if not _is_integer(min_examples_per_class):
        raise TypeError(f"min_examples_per_class must be an integer; got {min_examples_per_class!r}")
    if num_to_remove_per_class is None:
        return None
    counts = np.asarray(num_to_remove_per_class)
    if counts.ndim == 0 and counts.dtype.kind in "iu":  # one number for every class, as cleanlab takes it
        counts = np.full(num_classes, counts)
    if counts.shape != (num_classes,) or counts.dtype.kind not in "iu" or (counts < 0).any():
        raise ValueError(
            f"num_to_remove_per_class must be a non-negative integer, or {num_classes} of them, one per class; "
            f"got {num_to_remove_per_class!r}"
        )
    return counts


def check_confident_joint(confident_joint: Any, num_classes: int) -> np.ndarray | None:
    """Check a given K x K confident joint.

    Parameters
    ----------
    confident_joint : array-like of int, shape (K, K), or None
        Counts of given (rows) and confidently predicted (columns) labels.
    num_classes : int
        K, the number of classes (columns of pred_probs).

    Returns
    -------
    ndarray or None
        ``confident_joint`` as an array.

    Raises
    ------
    ValueError
        If the joint is not K x K.

    Examples
    --------
    >>> check_confident_joint([[5, 1], [2, 4]], 2).tolist()
    [[5, 1], [2, 4]]
    >>> check_confident_joint(np.eye(2), 3)
    Traceback (most recent call last):
    ...
    ValueError: confident_joint must be 3 x 3 (pred_probs has 3 columns); got shape (2, 2)
    """
    if confident_joint is None:
        return None
    joint = np.asarray(confident_joint)
    if joint.shape != (num_classes, num_classes):
        raise ValueError(
            f"confident_joint must be {num_classes} x {num_classes} (pred_probs has {num_classes} columns); "
            f"got shape {joint.shape}"
        )
    return joint


def warn_if_joint_ignored(confident_joint: Any, filter_by: str, *, multi_label: bool) -> None:
    """Warn, as cleanlab does, when ``filter_by`` estimates the joint itself
    instead of using the ``confident_joint`` given.

    That is ``confident_learning`` for multi-class data and all the
    :data:`ROW_FILTERS` for multi-label data.

    Parameters
    ----------
    confident_joint : array-like or None
        The joint given (K x K, or (K, 2, 2) for multi-label data).
    filter_by : str
        One of :data:`FILTERS`.
    multi_label : bool
        Whether the data are multi-label.

    Warns
    -----
    UserWarning
        If the joint is given and ignored.

    Examples
    --------
    >>> import warnings
    >>> with warnings.catch_warnings(record=True) as caught:
    ...     warnings.simplefilter("always")
    ...     warn_if_joint_ignored(np.ones((2, 2), int), "prune_by_class", multi_label=False)
    ...     warn_if_joint_ignored(np.ones((2, 2), int), "confident_learning", multi_label=False)
    >>> [str(warning.message).split(",")[0] for warning in caught]
    ["confident_joint is ignored by filter_by='confident_learning'"]
    """
    if confident_joint is None:
        return
    if multi_label and filter_by in ROW_FILTERS:
        warn_caller(
            f"confident_joint is ignored by filter_by={filter_by!r}, which estimates the joints from labels and "
            "pred_probs"
        )
    elif not multi_label and filter_by == "confident_learning":
        warn_caller(
            "confident_joint is ignored by filter_by='confident_learning', which uses the rows off the joint's "
            "diagonal estimated from labels and pred_probs"
        )


class MultilabelFilterOptions(NamedTuple):
    """The checked options of the multi-label finders."""

    ranked_by: str | None
    rank_adjust: bool
    filter_by: str
    removals: np.ndarray | None
    given_joints: np.ndarray | None
    min_examples_per_class: int
    frac_noise: float
    low_memory: bool


def check_multilabel_filter_options(
    *,
    return_indices_ranked_by: Any,
    rank_by_kwargs: Mapping[str, Any] | None,
    filter_by: Any,
    frac_noise: Any,
    num_to_remove_per_class: Any,
    min_examples_per_class: Any,
    confident_joint: Any,
    low_memory: Any,
    num_classes: int,
) -> MultilabelFilterOptions:
    """Check the options of the multi-label finders (cleanlab's long parameter
    list of ``multilabel_classification.filter.find_label_issues``), warning
    as cleanlab does of those that have no effect.

    Parameters
    ----------
    return_indices_ranked_by, rank_by_kwargs
        As :func:`check_ranking` takes them.
    filter_by, frac_noise, num_to_remove_per_class, min_examples_per_class
        As :func:`check_filter_options` takes them. With ``low_memory``, they
        are not used: a warning says so of each that is not its default.
    confident_joint : array-like of int, shape (K, 2, 2), or None
        One-vs-rest joints. A K x K joint is ignored with a warning; with
        ``low_memory``, any joint is.
    low_memory : bool
        Whether each class is searched as ``find_label_issues_batched`` does.
    num_classes : int
        K, the number of classes (columns of pred_probs).

    Returns
    -------
    MultilabelFilterOptions

    Raises
    ------
    ValueError, TypeError
        As :func:`check_ranking` and :func:`check_filter_options` do, and
        for joints of another shape than (K, 2, 2) or K x K.

    Examples
    --------
    >>> options = check_multilabel_filter_options(
    ...     return_indices_ranked_by="self_confidence",
    ...     rank_by_kwargs={},
    ...     filter_by="both",
    ...     frac_noise=0.5,
    ...     num_to_remove_per_class=None,
    ...     min_examples_per_class=1,
    ...     confident_joint=np.ones((3, 2, 2), int),
    ...     low_memory=False,
    ...     num_classes=3,
    ... )
    >>> options.filter_by, options.frac_noise, options.given_joints.shape
    ('both', 0.5, (3, 2, 2))
    """
    rank_adjust = check_ranking(return_indices_ranked_by, rank_by_kwargs)
    removals = check_filter_options(
        filter_by=filter_by,
        frac_noise=frac_noise,
        num_to_remove_per_class=num_to_remove_per_class,
        min_examples_per_class=min_examples_per_class,
        num_classes=num_classes,
    )
    low_memory = bool(low_memory)
    given_joints = None
    if low_memory:
        given = {
            "filter_by": filter_by,
            "frac_noise": frac_noise,
            "num_to_remove_per_class": num_to_remove_per_class,
            "min_examples_per_class": min_examples_per_class,
            "confident_joint": confident_joint,
        }
        for name, default in _UNUSED_WITH_LOW_MEMORY.items():
            if given[name] is not default and not np.array_equal(given[name], default):
                warn_caller(f"{name} is not used when low_memory=True")
    elif confident_joint is not None:
        given_joints = _checked_joints(confident_joint, num_classes)
    return MultilabelFilterOptions(
        return_indices_ranked_by,
        rank_adjust,
        filter_by,
        removals,
        given_joints,
        int(min_examples_per_class),
        float(frac_noise),
        low_memory,
    )


def _checked_joints(confident_joint: Any, num_classes: int) -> np.ndarray | None:
    joints = np.asarray(confident_joint)
    if joints.shape == (num_classes, num_classes):
        warn_caller(
            f"a {num_classes} x {num_classes} confident_joint is ignored for multi-label data; give the "
            f"({num_classes}, 2, 2) one-vs-rest joints of dlq.compute_confident_joint(..., multi_label=True)"
        )
        return None
    if joints.shape != (num_classes, 2, 2):
        raise ValueError(
            f"confident_joint must have shape ({num_classes}, 2, 2), one 2 x 2 joint per class, as "
            f"dlq.compute_confident_joint(..., multi_label=True) returns; got shape {joints.shape}"
        )
    return joints


#: The options that only cleanlab.filter's search takes, and their defaults.
_FILTER_ONLY: Mapping[str, Any] = MappingProxyType({"frac_noise": 1.0, "min_examples_per_class": 1})


def check_search_options(
    *, filter_by: str | None, frac_noise: float, min_examples_per_class: int, estimation_method: str | None = None
) -> None:
    """Refuse options of a scan that its search would ignore: without
    ``filter_by``, ``frac_noise`` and ``min_examples_per_class``; with it, the
    batched search's ``estimation_method``.

    Examples
    --------
    >>> check_search_options(filter_by=None, frac_noise=1.0, min_examples_per_class=1)
    >>> check_search_options(filter_by=None, frac_noise=0.5, min_examples_per_class=1)
    Traceback (most recent call last):
    ...
    ValueError: frac_noise applies only with filter_by; give filter_by, or leave frac_noise at 1.0
    """
    if filter_by is None:
        for name, value in (("frac_noise", frac_noise), ("min_examples_per_class", min_examples_per_class)):
            if value != _FILTER_ONLY[name]:
                raise ValueError(
                    f"{name} applies only with filter_by; give filter_by, or leave {name} at {_FILTER_ONLY[name]}"
                )
        return
    check_choice(filter_by, FILTERS, "filter_by")
    if estimation_method not in (None, "off_diagonal"):
        raise ValueError("estimation_method applies only to the batched search; it does not apply with filter_by")
