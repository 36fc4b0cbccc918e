"""Batches of multi-class rows worked on in process, as cleanlab's
``LabelInspector`` is driven by its caller: each batch checked, its pass-1
partials added to those seen, then scored and its issue counts taken.

Nothing here is a graph: the caller holds the batches and the running
partials; the sums are exact, so the batches' sizes do not change them.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from dlq.kernels import multiclass
from dlq.kernels.multiclass import ThresholdPartials
from dlq.kernels.scores import label_quality_scores


def checked(labels: Any, pred_probs: Any, offset: int) -> tuple[np.ndarray, np.ndarray]:
    """A batch's labels and pred_probs as arrays, refused (naming the row,
    counted from the first batch's first) if a label is not a class index
    or a probability not a number in [0, 1].

    Examples
    --------
    >>> checked(np.array([0, 2]), np.array([[0.5, 0.5], [0.5, 0.5]]), 10)
    Traceback (most recent call last):
    ...
    ValueError: labels must be class indices in 0..1 (pred_probs has 2 columns); labels[11] is 2. ...
    """
    labels, pred_probs = np.asarray(labels), np.asarray(pred_probs)
    multiclass.invalid_rows(labels, pred_probs, offset).raise_if_any()
    return labels, pred_probs


def threshold_partials_with(
    seen: ThresholdPartials | None, labels: np.ndarray, pred_probs: np.ndarray, offset: int
) -> ThresholdPartials:
    """The pass-1 partials of the batches ``seen`` (None before the first)
    and of this one, checked, whose first row is row ``offset``.

    Examples
    --------
    >>> first = threshold_partials_with(None, np.array([0, 1]), np.array([[0.9, 0.1], [0.3, 0.7]]), 0)
    >>> both = threshold_partials_with(first, np.array([1]), np.array([[0.1, 0.9]]), 2)
    >>> both.class_counts.tolist()
    [1, 2]
    """
    batch = multiclass.threshold_partials(labels, pred_probs, offset)
    return multiclass.combine_threshold_partials([batch] if seen is None else [seen, batch])


def thresholds(partials: ThresholdPartials, *, absent_class_threshold: float) -> np.ndarray:
    """The confident thresholds of the partials of the batches seen; a class
    no example is given gets ``absent_class_threshold``.

    Examples
    --------
    >>> partials = threshold_partials_with(None, np.array([0, 0]), np.array([[0.9, 0.1], [0.7, 0.3]]), 0)
    >>> thresholds(partials, absent_class_threshold=2e-6).round(6).tolist()
    [0.8, 2e-06]
    """
    return multiclass.confident_thresholds(partials, absent_class_threshold=absent_class_threshold)


def scores(labels: np.ndarray, pred_probs: np.ndarray, *, method: str, thresholds: np.ndarray | None) -> np.ndarray:
    """A batch's label quality scores under ``method``, adjusted by
    ``thresholds`` unless None.

    Examples
    --------
    >>> scores(np.array([0, 1]), np.array([[0.9, 0.1], [0.6, 0.4]]), method="self_confidence", thresholds=None).tolist()
    [0.9, 0.4]
    """
    return label_quality_scores(labels, pred_probs, method=method, thresholds=thresholds)


def no_issue_counts(num_classes: int) -> np.ndarray:
    """The issue counts of no batch, to add :func:`issue_counts` to.

    Examples
    --------
    >>> no_issue_counts(2).tolist()
    [[0, 0], [0, 0], [0, 0]]
    """
    return np.zeros((3, num_classes), dtype=np.int64)


def issue_counts(labels: np.ndarray, pred_probs: np.ndarray, thresholds: np.ndarray) -> np.ndarray:
    """A batch's counts behind both estimates of the number of issues
    (:func:`dlq.kernels.multiclass.issue_count_partials`), to add up.

    Examples
    --------
    >>> issue_counts(np.array([0, 0]), np.array([[.2, .8], [.9, .1]]), np.array([.5, .5])).tolist()
    [[1, 0], [2, 0], [2, 0]]
    """
    return multiclass.issue_count_partials(labels, pred_probs, thresholds)


def num_issues(counts: np.ndarray, *, estimation_method: str) -> int:
    """The estimated number of label issues of the batches' summed
    :func:`issue_counts`, by ``estimation_method`` (``off_diagonal`` or
    ``off_diagonal_calibrated``).

    Examples
    --------
    >>> num_issues(np.array([[1, 0], [2, 0], [2, 0]]), estimation_method="off_diagonal")
    1
    """
    return multiclass.num_label_issues(counts, estimation_method=estimation_method)
