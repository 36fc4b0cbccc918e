"""Checks of the calls of cleanlab's ``LabelInspector``: each batch's width,
and each result asked for only once what it rests on is there."""

from __future__ import annotations

from typing import Any


def check_batch_width(num_columns: int, num_class: int) -> None:
    """Check that a batch's pred_probs have the inspector's ``num_class`` columns.

    Raises
    ------
    ValueError
        If they have not.

    Examples
    --------
    >>> check_batch_width(3, 3)
    >>> check_batch_width(2, 3)
    Traceback (most recent call last):
    ...
    ValueError: pred_probs has 2 columns but this LabelInspector has num_class=3
    """
    if num_columns != num_class:
        raise ValueError(f"pred_probs has {num_columns} columns but this LabelInspector has num_class={num_class}")


def check_thresholds_seen(partials: Any) -> None:
    """Check that some batch was given to ``update_confident_thresholds``
    (``partials``, the partials seen, are not None).

    Raises
    ------
    ValueError
        Before the first batch of pass 1.

    Examples
    --------
    >>> check_thresholds_seen(None)
    Traceback (most recent call last):
    ...
    ValueError: no confident thresholds yet: call update_confident_thresholds() on some data first
    """
    if partials is None:
        raise ValueError("no confident thresholds yet: call update_confident_thresholds() on some data first")


def check_scored(examples_scored: int) -> None:
    """Check that some example was scored before the issues are counted.

    Raises
    ------
    ValueError
        Before the first batch of pass 2.

    Examples
    --------
    >>> check_scored(5)
    >>> check_scored(0)
    Traceback (most recent call last):
    ...
    ValueError: no labels scored yet: call score_label_quality() first
    """
    if examples_scored < 1:
        raise ValueError("no labels scored yet: call score_label_quality() first")


def check_scores_kept(store_results: Any) -> None:
    """Check that the scores were kept (``store_results=True``) before they are asked for.

    Raises
    ------
    ValueError
        If they were not.

    Examples
    --------
    >>> check_scores_kept(True)
    >>> check_scores_kept(False)
    Traceback (most recent call last):
    ...
    ValueError: scores are kept only with store_results=True; collect the batches' scores yourself
    """
    if not store_results:
        raise ValueError("scores are kept only with store_results=True; collect the batches' scores yourself")
