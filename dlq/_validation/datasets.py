"""Checks of cleanlab.dataset's options: multi-class data only, and a
number of examples that can be known."""

from __future__ import annotations

from typing import Any


def check_not_multi_label(multi_label: Any, instead: str) -> None:
    """Refuse ``multi_label=True`` in a multi-class view, naming the
    function of :mod:`dlq.multilabel.dataset` to use instead.

    Parameters
    ----------
    multi_label : bool
        The option given.
    instead : str
        The name of the multi-label function.

    Raises
    ------
    ValueError
        If ``multi_label`` is true.

    Examples
    --------
    >>> check_not_multi_label(False, "multilabel_health_summary")
    >>> check_not_multi_label(True, "common_multilabel_issues")
    Traceback (most recent call last):
    ...
    ValueError: multi_label=True is not supported here; for multi-label data use dlq.multilabel.common_multilabel_issues
    """
    if multi_label:
        raise ValueError(f"multi_label=True is not supported here; for multi-label data use dlq.multilabel.{instead}")


def check_examples_countable(labels: Any, confident_joint: Any) -> None:
    """Check that the number of examples can be known when it is not given:
    from the labels, or the total of a confident joint.

    Raises
    ------
    ValueError
        If neither is given.

    Examples
    --------
    >>> check_examples_countable(None, [[3, 1], [0, 4]])
    >>> check_examples_countable(None, None)
    Traceback (most recent call last):
    ...
    ValueError: the number of examples is unknown: give labels, a confident_joint (its total), or num_examples
    """
    if labels is None and confident_joint is None:
        raise ValueError(
            "the number of examples is unknown: give labels, a confident_joint (its total), or num_examples"
        )
