"""cleanlab.count's confident joint and issue count, as distributed graphs."""

from __future__ import annotations

from typing import Any

import numpy as np

from dlq import _validation
from dlq._validation import IN_MEMORY_ABSENT_CLASS_THRESHOLD
from dlq.graphs import class_issues, estimates, passes
from dlq.graphs.blocks import step
from dlq.graphs.problems import MULTICLASS, ONE_VS_REST
from dlq.graphs.scheduler import computed_unless_lazy
from dlq.io import arrays
from dlq.noise_matrices import (
    estimate_latent,
    estimate_py_and_noise_matrices_from_probabilities,
    label_counts,
    multiclass_joint,
)

__all__ = [
    "calibrate_confident_joint",
    "compute_confident_joint",
    "estimate_joint",
    "estimate_latent",
    "estimate_py_and_noise_matrices_from_probabilities",
    "get_confident_thresholds",
    "num_label_issues",
]


def compute_confident_joint(
    labels: Any,
    pred_probs: Any,
    *,
    thresholds: Any = None,
    calibrate: bool = True,
    multi_label: bool = False,
    return_indices_of_off_diagonals: bool = False,
) -> Any:
    """The K x K confident joint of given and confidently predicted labels.

    Entry (i, j) counts the examples given label i whose probability of class
    j reaches class j's confident threshold less 1e-6 (the argmax class when
    several do; examples confident in no class are not counted). Every
    diagonal entry is at least 1. With ``calibrate`` each row is rescaled to
    the number of examples given its label, the whole to the number of
    examples, and rows are rounded keeping their sums, as cleanlab does.

    Parameters
    ----------
    labels : array-like of int, shape (N,)
        Given labels; anything :func:`dlq.scan` accepts.
    pred_probs : array-like of float, shape (N, K)
        Out-of-sample predicted probabilities; anything :func:`dlq.scan` accepts.
    thresholds : array-like of float, shape (K,), optional
        Per-class confident thresholds. By default the mean probability of
        each class over the examples given it (2 for a class no example is
        given), computed in a first pass; given thresholds save that pass.
    calibrate : bool
        Calibrate the joint to the label counts.
    multi_label : bool
        Multi-label data (labels as lists of class indices, a sparse matrix
        or a binary (N, K) array): the (K, 2, 2) joints of the K one-vs-rest
        problems, each computed as above with its own thresholds.
    return_indices_of_off_diagonals : bool
        Also return the examples counted off the joint's diagonal (confident
        in a class other than their label, whatever their prediction), in
        the same read: sorted indices, or for multi-label data a list of
        them, one per class's problem.

    Returns
    -------
    ndarray of int, shape (K, K) or (K, 2, 2)
        Rows are given labels, columns the confidently predicted ones; a
        lazy ``Delayed`` when an input is a dask array. With
        ``return_indices_of_off_diagonals``, the tuple ``(joint, indices)``.

    Examples
    --------
    >>> import numpy as np, dlq
    >>> labels = np.array([0, 0, 0, 1, 1, 1])
    >>> pred_probs = np.array([[.9, .1], [.8, .2], [.3, .7], [.2, .8], [.1, .9], [.7, .3]])
    >>> dlq.compute_confident_joint(labels, pred_probs, calibrate=False).tolist()
    [[2, 1], [1, 2]]
    >>> dlq.compute_confident_joint(labels, pred_probs, return_indices_of_off_diagonals=True)[1].tolist()
    [2, 5]
    """
    with_rows = bool(return_indices_of_off_diagonals)
    if multi_label:
        _validation.check_multilabel_thresholds(thresholds)
        opened_labels, opened_probs = arrays.open_multilabel_inputs(labels, pred_probs)
        joints = passes.confident_joint(
            ONE_VS_REST,
            opened_labels,
            opened_probs,
            absent_class_threshold=IN_MEMORY_ABSENT_CLASS_THRESHOLD,
            with_off_diagonal_rows=with_rows,
        )
    else:
        joints = multiclass_joint(labels, pred_probs, thresholds, with_off_diagonal_rows=with_rows)
    result = estimates.confident_joint_of(
        joints, calibrate=calibrate, multi_label=multi_label, with_off_diagonal_rows=with_rows
    )
    return computed_unless_lazy(result, labels, pred_probs)


def num_label_issues(
    labels: Any,
    pred_probs: Any,
    *,
    confident_joint: Any = None,
    estimation_method: str = "off_diagonal",
    multi_label: bool = False,
) -> Any:
    """The estimated number of label issues, with cleanlab.count's meaning.

    ``"off_diagonal"`` counts the examples off the diagonal of the confident
    joint whose prediction, with 1e-6 added to the given label's probability,
    is not the given label. ``"off_diagonal_calibrated"`` is the mass off the
    diagonal of the calibrated joint, times the number of examples, rounded;
    ``"off_diagonal_custom"`` does the same with the ``confident_joint`` you
    give (which other methods ignore, with a warning, as cleanlab does).

    Parameters
    ----------
    labels, pred_probs : array-like
        As for :func:`compute_confident_joint`.
    confident_joint : array-like of int, shape (K, K), optional
        For ``"off_diagonal_custom"``.
    estimation_method : {"off_diagonal", "off_diagonal_calibrated", "off_diagonal_custom"}
    multi_label : bool
        Multi-label data (labels as :func:`compute_confident_joint` takes
        them): as cleanlab, the number of examples with an issue under the
        ``confident_learning`` filter in at least one class's one-vs-rest
        problem; ``estimation_method`` and ``confident_joint`` do not apply
        (a warning says so when they are given).

    Returns
    -------
    int
        A lazy ``Delayed`` when an input is a dask array.

    Examples
    --------
    >>> import numpy as np, dlq
    >>> labels = np.array([0, 0, 0, 1, 1, 1])
    >>> pred_probs = np.array([[.9, .1], [.8, .2], [.3, .7], [.2, .8], [.1, .9], [.7, .3]])
    >>> dlq.num_label_issues(labels, pred_probs)
    2
    """
    _validation.check_choice(
        estimation_method, _validation.COUNT_ESTIMATION_METHODS, "estimation_method", kind="estimation method"
    )
    if multi_label:
        return _multilabel_issue_count(labels, pred_probs, confident_joint, estimation_method)
    opened_labels, opened_probs = arrays.open_inputs(labels, pred_probs)
    confident_joint = _validation.check_count_joint(confident_joint, estimation_method, opened_probs.shape[1])
    joints = passes.confident_joint(
        MULTICLASS, opened_labels, opened_probs, absent_class_threshold=IN_MEMORY_ABSENT_CLASS_THRESHOLD
    )
    count = estimates.issue_count(joints, estimation_method=estimation_method, confident_joint=confident_joint)
    return computed_unless_lazy(count, labels, pred_probs)


def _multilabel_issue_count(labels: Any, pred_probs: Any, confident_joint: Any, estimation_method: str) -> Any:
    _validation.warn_of_multilabel_count_options(confident_joint, estimation_method)
    opened_labels, opened_probs = arrays.open_multilabel_inputs(labels, pred_probs)
    flags = passes.flagged(
        ONE_VS_REST,
        opened_labels,
        opened_probs,
        off_diagonal=True,
        absent_class_threshold=IN_MEMORY_ABSENT_CLASS_THRESHOLD,
    )
    return computed_unless_lazy(step(class_issues.rows_in_any, flags.per_problem), labels, pred_probs)


def get_confident_thresholds(labels: Any, pred_probs: Any, multi_label: bool = False) -> Any:
    """Each class's confident threshold: the mean predicted probability of
    the class over the examples given it (2 for a class no example is
    given), at least 2e-6; exact to the last bit whatever the chunking. One
    read.

    Parameters
    ----------
    labels, pred_probs : array-like
        As for :func:`compute_confident_joint`.
    multi_label : bool
        Multi-label data: shape (K, 2), each class's one-vs-rest thresholds
        of its negative and positive side.

    Returns
    -------
    ndarray of float, shape (K,) or (K, 2)
        A lazy ``Delayed`` when an input is a dask array.

    Examples
    --------
    >>> import numpy as np
    >>> get_confident_thresholds(np.array([0, 0, 1]), np.array([[0.75, 0.25], [0.25, 0.75], [0.5, 0.5]])).tolist()
    [0.5, 0.5]
    """
    if multi_label:
        opened, problems = arrays.open_multilabel_inputs(labels, pred_probs), ONE_VS_REST
    else:
        opened, problems = arrays.open_inputs(labels, pred_probs), MULTICLASS
    found = passes.threshold_pass(problems, *opened, absent_class_threshold=IN_MEMORY_ABSENT_CLASS_THRESHOLD)
    return computed_unless_lazy(step(np.transpose, found.thresholds), labels, pred_probs)


def calibrate_confident_joint(confident_joint: Any, labels: Any, *, multi_label: bool = False) -> Any:
    """A confident joint with each row scaled to the number of examples
    given its label, the whole to the number of examples, then rounded
    keeping row sums, as :func:`compute_confident_joint` calibrates its own.
    One read of the labels.

    Parameters
    ----------
    confident_joint : array-like of int, shape (K, K), or (K, 2, 2) with ``multi_label``
    labels : array-like
        Given labels (any kind :func:`dlq.scan` reads; for ``multi_label``,
        lists of classes, a sparse matrix or a binary (N, K) array).
    multi_label : bool
        Calibrate each class's one-vs-rest joint to its own label counts.

    Returns
    -------
    ndarray of int
        A lazy ``Delayed`` when ``labels`` is a dask array.

    Examples
    --------
    >>> import numpy as np
    >>> calibrate_confident_joint(np.array([[3, 1], [1, 1]]), np.array([0] * 8 + [1] * 2)).tolist()
    [[6, 2], [1, 1]]
    """
    given = np.asarray(confident_joint)
    if multi_label:
        result = estimates.calibrated_per_class(given, arrays.open_multilabel_labels(labels, given.shape[0]))
    else:
        result = estimates.calibrated(given, label_counts(labels, given.shape[0]))
    return computed_unless_lazy(result, labels)


def estimate_joint(labels: Any, pred_probs: Any, *, confident_joint: Any = None, multi_label: bool = False) -> Any:
    """The joint distribution of given and true labels: the calibrated
    confident joint (computed, or ``confident_joint`` calibrated to the
    labels), divided by its sum.

    For multi-label data, each class's (2, 2) joint; as cleanlab does, a
    computed joint is calibrated to each class's label counts once more.

    Returns
    -------
    ndarray of float, shape (K, K) or (K, 2, 2)
        A lazy ``Delayed`` when an input is a dask array.

    Examples
    --------
    >>> import numpy as np
    >>> labels = np.array([0, 0, 0, 1, 1, 1])
    >>> pred_probs = np.array([[.9, .1], [.8, .2], [.3, .7], [.2, .8], [.1, .9], [.7, .3]])
    >>> (estimate_joint(labels, pred_probs) * 6).round().tolist()
    [[2.0, 1.0], [1.0, 2.0]]
    """
    if multi_label:
        if confident_joint is None:
            confident_joint = compute_confident_joint(labels, pred_probs, multi_label=True)
        calibrated = calibrate_confident_joint(confident_joint, labels, multi_label=True)
    elif confident_joint is None:
        calibrated = compute_confident_joint(labels, pred_probs)
    elif labels is not None:
        calibrated = calibrate_confident_joint(confident_joint, labels)
    else:
        calibrated = np.asarray(confident_joint)
    return estimates.normalized(calibrated)
