"""Checks of cleanlab.count's options: thresholds and joints."""

from __future__ import annotations

from typing import Any

import numpy as np

from dlq._validation.constants import PRIOR_METHODS
from dlq._validation.filters import check_confident_joint
from dlq.graphs.caller import warn_caller


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
    ValueError: estimation_method='off_diagonal_custom' counts from a confident_joint of yours: you need to ...
    """
    if estimation_method == "off_diagonal_custom":
        if confident_joint is None:
            raise ValueError(
                "estimation_method='off_diagonal_custom' counts from a confident_joint of yours: "
                "you need to provide pre-calculated K x K counts as confident_joint"
            )
        return check_confident_joint(confident_joint, num_classes)
    if confident_joint is not None:
        warn_caller(
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
            warn_caller(
                f"{name} is ignored with multi_label=True: the count is the examples with a confident_learning "
                "issue in some class"
            )


def check_prior_method(py_method: Any, choices: tuple[str, ...] = PRIOR_METHODS) -> None:
    """Check how the prior of the true labels is estimated (cleanlab's
    ``py_method``, one of ``choices``: :data:`PRIOR_METHODS` unless given),
    with cleanlab's "should be" in the message.

    Examples
    --------
    >>> check_prior_method("marginal_ps")
    >>> check_prior_method("cnt", ("cnt", "eqn"))
    >>> check_prior_method("counts", ("cnt", "eqn"))
    Traceback (most recent call last):
    ...
    ValueError: py_method must be one of cnt, eqn; got 'counts' (the prior's estimate should be one of these)
    """
    if py_method not in choices:
        raise ValueError(
            f"py_method must be one of {', '.join(choices)}; got {py_method!r} "
            "(the prior's estimate should be one of these)"
        )
