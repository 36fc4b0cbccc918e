"""Checks of cleanlab.rank's options: how many issues, the scores and the
mask to order, and an ensemble's members and weights."""

from __future__ import annotations

from typing import Any

import numpy as np

from dlq._validation.checks import RefusedType, RefusedValue, _is_integer, check_choice, check_score_method
from dlq._validation.constants import ENSEMBLE_WEIGHTINGS
from dlq.graphs.caller import warn_caller


def check_top(top: Any) -> None:
    """Check how many issues ``find_top_issues`` gives.

    Parameters
    ----------
    top : int or None
        A non-negative integer (not a bool), or None for all of them.

    Raises
    ------
    ValueError
        For anything else.

    Examples
    --------
    >>> check_top(None)
    >>> check_top(-1)
    Traceback (most recent call last):
    ...
    ValueError: top must be a non-negative integer or None; got -1
    """
    if top is not None and (not _is_integer(top) or top < 0):
        raise ValueError(f"top must be a non-negative integer or None; got {top!r}")


def check_one_score_per_example(quality_scores: Any) -> None:
    """Check that quality scores (an array, or a dask array) are 1-D.

    Raises
    ------
    ValueError
        If they are not.

    Examples
    --------
    >>> check_one_score_per_example(np.zeros(3))
    >>> check_one_score_per_example(np.zeros((3, 2)))
    Traceback (most recent call last):
    ...
    ValueError: quality_scores must be 1-D, one score per example; got shape (3, 2)
    """
    if quality_scores.ndim != 1:
        raise ValueError(f"quality_scores must be 1-D, one score per example; got shape {quality_scores.shape}")


def check_issue_mask(mask: Any, num_examples: int) -> None:
    """Check the ``label_issues_mask`` of ``order_label_issues``: one boolean
    per example.

    Parameters
    ----------
    mask : array-like
        Anything with ``shape`` and ``dtype``.
    num_examples : int
        The number of rows of pred_probs.

    Raises
    ------
    ValueError
        If ``mask`` is not ``num_examples`` booleans.

    Examples
    --------
    >>> check_issue_mask(np.array([True, False]), 2)
    >>> check_issue_mask(np.array([1, 0]), 2)
    Traceback (most recent call last):
    ...
    ValueError: label_issues_mask must be 2 booleans, one per example; got shape (2,) of dtype int64
    """
    if mask.shape != (num_examples,) or mask.dtype != bool:
        raise ValueError(
            f"label_issues_mask must be {num_examples} booleans, one per example; "
            f"got shape {mask.shape} of dtype {mask.dtype}"
        )


def check_ensemble(
    pred_probs_list: Any,
    *,
    weight_ensemble_members_by: Any,
    method: Any,
    adjust_pred_probs: bool,
    custom_weights: Any,
) -> np.ndarray | None:
    """Check the options of ``get_label_quality_ensemble_scores``, warning
    when the ensemble has one member (whose scores need no ensemble).

    Parameters
    ----------
    pred_probs_list : list
        The members' pred_probs, at least one (their shapes are checked as
        they are opened, :func:`check_member_shape`).
    weight_ensemble_members_by : str
        One of :data:`ENSEMBLE_WEIGHTINGS`.
    method, adjust_pred_probs
        As :func:`check_score_method` takes them.
    custom_weights : array-like of float, shape (len(pred_probs_list),), or None
        Given with ``"custom"`` weights only, and then needed.

    Returns
    -------
    ndarray of float64 or None
        The custom weights, None unless ``"custom"``.

    Raises
    ------
    RefusedType
        If ``pred_probs_list`` is not a list.
    RefusedValue
        If it is empty, or ``"custom"`` weights are not one per member.
    ValueError
        For an unknown weighting or score method, or custom weights without ``"custom"``.

    Warns
    -----
    UserWarning
        If ``pred_probs_list`` holds one member.

    Examples
    --------
    >>> check_ensemble([None, None], weight_ensemble_members_by="custom", method="self_confidence",
    ...                adjust_pred_probs=False, custom_weights=[1, 3]).tolist()
    [1.0, 3.0]
    >>> check_ensemble([], weight_ensemble_members_by="accuracy", method="self_confidence", adjust_pred_probs=False,
    ...                custom_weights=None)
    Traceback (most recent call last):
    ...
    dlq._validation.checks.RefusedValue: pred_probs_list is empty: give the pred_probs of at least one model
    """
    if not isinstance(pred_probs_list, list):
        raise RefusedType(
            "pred_probs_list needs to be a list: it must be a list of pred_probs arrays, one per model; "
            f"got {type(pred_probs_list).__name__}"
        )
    if not pred_probs_list:
        raise RefusedValue("pred_probs_list is empty: give the pred_probs of at least one model")
    check_choice(weight_ensemble_members_by, ENSEMBLE_WEIGHTINGS, "weight_ensemble_members_by", kind="weighting method")
    check_score_method(method, adjust_pred_probs)
    weights = _checked_custom_weights(custom_weights, weight_ensemble_members_by, len(pred_probs_list))
    if len(pred_probs_list) == 1:
        warn_caller("pred_probs_list holds one model's pred_probs: get_label_quality_scores gives the same scores")
    return weights


def _checked_custom_weights(custom_weights: Any, weighting: str, num_models: int) -> np.ndarray | None:
    if custom_weights is not None and weighting != "custom":
        raise ValueError('custom_weights are used only with weight_ensemble_members_by="custom"')
    if weighting != "custom":
        return None
    weights = np.asarray(custom_weights, dtype=np.float64) if custom_weights is not None else None
    if weights is None or weights.shape != (num_models,):
        given = "custom_weights is None" if weights is None else f"the length of {custom_weights!r}"
        raise RefusedValue(
            f"weight_ensemble_members_by='custom' needs custom_weights, one per model "
            f"({num_models}); {given} must match the number of models"
        )
    return weights


def check_member_shape(shape: tuple[int, ...], expected: tuple[int, ...], name: str) -> None:
    """Check that an ensemble member's pred_probs have the first member's shape.

    Examples
    --------
    >>> check_member_shape((4, 3), (4, 3), "pred_probs_list[1]")
    >>> check_member_shape((4, 2), (4, 3), "pred_probs_list[1]")
    Traceback (most recent call last):
    ...
    ValueError: pred_probs_list[1] has shape (4, 2); every model's pred_probs must have shape (4, 3)
    """
    if shape != expected:
        raise ValueError(f"{name} has shape {shape}; every model's pred_probs must have shape {expected}")
