"""Checks of the public API's options, before any data are read.

Every option a public function takes is checked here, and every list of
accepted values is defined here once; the API modules only call these
functions. Each error names what was expected and what was given; each
warning of an option without effect points at the user's call, however deep
in dlq the check runs. The shapes and dtypes of the data themselves are
checked where the data are opened, in :mod:`dlq.io`, and their values chunk
by chunk in the graphs.
"""

from __future__ import annotations

import inspect
import os
import warnings
from collections.abc import Callable, Mapping
from types import MappingProxyType
from typing import Any, NamedTuple

import numpy as np

from dlq.kernels.multiclass import THRESHOLD_LOWER_BOUND

#: A class no example is given gets this threshold in cleanlab's batched search ...
BATCHED_ABSENT_CLASS_THRESHOLD = THRESHOLD_LOWER_BOUND
#: ... and this one in its in-memory functions (``cleanlab.count``, ``cleanlab.rank``, ``cleanlab.filter``).
IN_MEMORY_ABSENT_CLASS_THRESHOLD = 2.0

#: Label quality scores (``method``), as in ``cleanlab.rank``.
SCORE_METHODS = ("self_confidence", "normalized_margin", "confidence_weighted_entropy")
#: Issue counts of the batched search (``num_issue_kwargs``), as in ``cleanlab.experimental.label_issues_batched``.
BATCHED_ESTIMATION_METHODS = ("off_diagonal", "off_diagonal_calibrated")
#: Issue counts of ``num_label_issues``, as in ``cleanlab.count``: the batched search's, and one from a given joint.
COUNT_ESTIMATION_METHODS = (*BATCHED_ESTIMATION_METHODS, "off_diagonal_custom")

#: Filters of ``find_label_issues`` that prune the confident joint.
PRUNING_FILTERS = ("prune_by_noise_rate", "prune_by_class", "both")
#: Filters of ``find_label_issues`` that flag rows by themselves.
ROW_FILTERS = ("confident_learning", "predicted_neq_given", "low_normalized_margin", "low_self_confidence")
#: Every ``filter_by`` of ``find_label_issues``.
FILTERS = PRUNING_FILTERS + ROW_FILTERS

#: The aggregators of multi-label scores that ``aggregator_kwargs`` may name, and the options of each.
AGGREGATOR_OPTIONS: Mapping[str, tuple[str, ...]] = MappingProxyType(
    {"exponential_moving_average": ("alpha",), "softmin": ("temperature",)}
)
#: The aggregators that ``aggregator_kwargs`` may name (it may also give a callable).
AGGREGATOR_METHODS = tuple(AGGREGATOR_OPTIONS)
#: cleanlab's default ``aggregator_kwargs`` of the multi-label scores.
DEFAULT_AGGREGATOR: dict[str, Any] = {"method": "exponential_moving_average", "alpha": 0.8}

#: ``quality_score_kwargs`` and their defaults.
QUALITY_SCORE_KWARGS: Mapping[str, Any] = MappingProxyType({"method": "self_confidence", "adjust_pred_probs": False})
#: ``num_issue_kwargs`` and their defaults.
NUM_ISSUE_KWARGS: Mapping[str, Any] = MappingProxyType({"estimation_method": "off_diagonal"})
#: ``rank_by_kwargs`` and their defaults.
RANK_BY_KWARGS: Mapping[str, Any] = MappingProxyType({"adjust_pred_probs": False})

#: The filter options of the multi-label finders, which ``low_memory=True`` does not use, and their defaults.
_UNUSED_WITH_LOW_MEMORY: Mapping[str, Any] = MappingProxyType(
    {
        "filter_by": "prune_by_noise_rate",
        "frac_noise": 1.0,
        "num_to_remove_per_class": None,
        "min_examples_per_class": 1,
        "confident_joint": None,
    }
)

_PACKAGE = os.path.dirname(__file__) + os.sep


def _warn(message: str) -> None:
    """A UserWarning that points at the first caller outside dlq: the user's call,
    however deep in dlq the check runs (``skip_file_prefixes`` of Python 3.12)."""
    frame = inspect.currentframe()
    frame = frame.f_back if frame is not None else None
    stacklevel = 2
    while frame is not None and frame.f_code.co_filename.startswith(_PACKAGE):
        frame = frame.f_back
        stacklevel += 1
    warnings.warn(message, UserWarning, stacklevel=stacklevel)


def _is_integer(value: Any) -> bool:
    return not isinstance(value, bool) and isinstance(value, (int, np.integer))


def _is_number(value: Any) -> bool:
    return not isinstance(value, bool) and isinstance(value, (int, float, np.number))


def check_choice(value: Any, choices: tuple[str, ...], name: str) -> None:
    """Check that the option ``name`` is one of ``choices``.

    Parameters
    ----------
    value : object
        The option given.
    choices : tuple of str
        The accepted values.
    name : str
        The option's name, for the message.

    Raises
    ------
    ValueError
        If ``value`` is not one of ``choices``.

    Examples
    --------
    >>> check_choice("off_diagonal", BATCHED_ESTIMATION_METHODS, "estimation_method")
    >>> check_choice("diagonal", BATCHED_ESTIMATION_METHODS, "estimation_method")
    Traceback (most recent call last):
    ...
    ValueError: estimation_method must be one of off_diagonal, off_diagonal_calibrated; got 'diagonal'
    """
    if value not in choices:
        raise ValueError(f"{name} must be one of {', '.join(choices)}; got {value!r}")


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
    check_choice(method, SCORE_METHODS, "method")
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
    num_to_remove_per_class : array-like of int, shape (K,), or None
        Only with the :data:`PRUNING_FILTERS`.
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
    check_choice(filter_by, FILTERS, "filter_by")
    if filter_by in ROW_FILTERS and num_to_remove_per_class is not None:
        raise ValueError(f"num_to_remove_per_class is only supported by {', '.join(PRUNING_FILTERS)}")
    if filter_by in ROW_FILTERS and frac_noise != 1.0:
        _warn(f"frac_noise is ignored by filter_by={filter_by!r}")
    if not 0.0 <= frac_noise <= 1.0:
        raise ValueError(f"frac_noise must be between 0 and 1; got {frac_noise!r}")
    if not _is_integer(min_examples_per_class):
        raise TypeError(f"min_examples_per_class must be an integer; got {min_examples_per_class!r}")
    if num_to_remove_per_class is None:
        return None
    counts = np.asarray(num_to_remove_per_class)
    if counts.shape != (num_classes,) or counts.dtype.kind not in "iu" or (counts < 0).any():
        raise ValueError(
            f"num_to_remove_per_class must be {num_classes} non-negative integers, one per class; "
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
        _warn(
            f"confident_joint is ignored by filter_by={filter_by!r}, which estimates the joints from labels and "
            "pred_probs"
        )
    elif not multi_label and filter_by == "confident_learning":
        _warn(
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
                _warn(f"{name} is not used when low_memory=True")
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
        _warn(
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


def check_thresholds(thresholds: Any, num_classes: int) -> np.ndarray | None:
    """Check given per-class confident thresholds.

    Parameters
    ----------
    thresholds : array-like of float, shape (K,), or None
        One finite threshold per class.
    num_classes : int
        K, the number of classes (columns of pred_probs).

    Returns
    -------
    ndarray of float64, shape (K,), or None
        ``thresholds`` as an array.

    Raises
    ------
    ValueError
        If there are not K finite thresholds.

    Examples
    --------
    >>> check_thresholds([0.5, 0.25], 2).tolist()
    [0.5, 0.25]
    >>> check_thresholds([0.5, np.nan], 2)
    Traceback (most recent call last):
    ...
    ValueError: thresholds must be 2 finite numbers, one per class of pred_probs; got shape (2,)
    """
    if thresholds is None:
        return None
    values = np.asarray(thresholds, dtype=np.float64)
    if values.shape != (num_classes,) or not np.isfinite(values).all():
        raise ValueError(
            f"thresholds must be {num_classes} finite numbers, one per class of pred_probs; got shape {values.shape}"
        )
    return values


def check_multilabel_thresholds(thresholds: Any) -> None:
    """Refuse thresholds for multi-label data, whose joints each have their own.

    Parameters
    ----------
    thresholds : object
        Must be None.

    Raises
    ------
    ValueError
        If ``thresholds`` are given.

    Examples
    --------
    >>> check_multilabel_thresholds(None)
    >>> check_multilabel_thresholds([0.5, 0.5])
    Traceback (most recent call last):
    ...
    ValueError: compute_confident_joint with multi_label=True computes its own thresholds; omit them
    """
    if thresholds is not None:
        raise ValueError("compute_confident_joint with multi_label=True computes its own thresholds; omit them")


def check_count_joint(confident_joint: Any, estimation_method: str, num_classes: int) -> np.ndarray | None:
    """Check the ``confident_joint`` of ``num_label_issues``, which only
    ``off_diagonal_custom`` uses (and needs); others ignore it with a warning.

    Parameters
    ----------
    confident_joint : array-like of int, shape (K, K), or None
        The joint given.
    estimation_method : str
        One of :data:`COUNT_ESTIMATION_METHODS`.
    num_classes : int
        K, the number of classes (columns of pred_probs).

    Returns
    -------
    ndarray or None
        The joint to count from, None if it is to be estimated.

    Raises
    ------
    ValueError
        If ``off_diagonal_custom`` has no joint, or one that is not K x K.

    Warns
    -----
    UserWarning
        If another method is given a joint.

    Examples
    --------
    >>> check_count_joint([[5, 1], [2, 4]], "off_diagonal_custom", 2).tolist()
    [[5, 1], [2, 4]]
    >>> check_count_joint(None, "off_diagonal_custom", 2)
    Traceback (most recent call last):
    ...
    ValueError: estimation_method='off_diagonal_custom' needs a confident_joint (K x K counts)
    """
    if estimation_method == "off_diagonal_custom":
        if confident_joint is None:
            raise ValueError("estimation_method='off_diagonal_custom' needs a confident_joint (K x K counts)")
        return check_confident_joint(confident_joint, num_classes)
    if confident_joint is not None:
        _warn(
            f"confident_joint is ignored with estimation_method={estimation_method!r}: the joint is computed from "
            "labels and pred_probs; use estimation_method='off_diagonal_custom' to count from yours"
        )
    return None


def warn_of_multilabel_count_options(confident_joint: Any, estimation_method: Any) -> None:
    """Warn of the options of ``num_label_issues`` that multi-label data do not use.

    Parameters
    ----------
    confident_joint : object
        Not used unless None.
    estimation_method : object
        Not used unless ``"off_diagonal"``.

    Warns
    -----
    UserWarning
        Once for each of them that is given.

    Examples
    --------
    >>> import warnings
    >>> with warnings.catch_warnings(record=True) as caught:
    ...     warnings.simplefilter("always")
    ...     warn_of_multilabel_count_options(np.eye(2), "off_diagonal")
    >>> [str(warning.message).split(":")[0] for warning in caught]
    ['confident_joint is ignored with multi_label=True']
    """
    for name, value, default in (
        ("confident_joint", confident_joint, None),
        ("estimation_method", estimation_method, "off_diagonal"),
    ):
        if value is not default and not (isinstance(value, str) and value == default):
            _warn(
                f"{name} is ignored with multi_label=True: the count is the examples with a confident_learning "
                "issue in some class"
            )


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
