"""cleanlab.count's confident joint and issue count, as distributed graphs."""

from __future__ import annotations

from typing import Any

import numpy as np

from dlq import _validation, io
from dlq._validation import IN_MEMORY_ABSENT_CLASS_THRESHOLD
from dlq.graphs import passes
from dlq.graphs.blocks import step
from dlq.kernels import joint, sets
from dlq.kernels.problems import MULTICLASS, ONE_VS_REST
from dlq.scheduler import computed_unless_lazy


def _of_the_problem(function: Any, counts: np.ndarray, label_counts: np.ndarray, **options: Any) -> Any:
    """``function`` of multi-class data's one problem (the graphs count P problems)."""
    return function(counts[0], label_counts[0], **options)


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
        opened_labels, opened_probs = io.open_multilabel_inputs(labels, pred_probs)
        joints = passes.confident_joint(
            ONE_VS_REST,
            opened_labels,
            opened_probs,
            absent_class_threshold=IN_MEMORY_ABSENT_CLASS_THRESHOLD,
            with_off_diagonal_rows=with_rows,
        )
        result = step(joint.per_problem, joint.confident_joint, joints.counts, joints.label_counts, calibrate=calibrate)
        if with_rows:
            result = step(tuple, [result, joints.off_diagonal_rows])
        return computed_unless_lazy(result, labels, pred_probs)
    opened_labels, opened_probs = io.open_inputs(labels, pred_probs)
    checked = _validation.check_thresholds(thresholds, opened_probs.shape[1])
    joints = passes.confident_joint(
        MULTICLASS,
        opened_labels,
        opened_probs,
        thresholds=checked,
        absent_class_threshold=IN_MEMORY_ABSENT_CLASS_THRESHOLD,
        with_off_diagonal_rows=with_rows,
    )
    result = step(_of_the_problem, joint.confident_joint, joints.counts, joints.label_counts, calibrate=calibrate)
    if with_rows:
        result = step(_with_the_rows, result, joints.off_diagonal_rows)
    return computed_unless_lazy(result, labels, pred_probs)


def _with_the_rows(confident_joint: np.ndarray, per_problem: list[np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    return confident_joint, per_problem[0]


def _issue_count(
    counts: np.ndarray, class_counts: np.ndarray, *, estimation_method: str, confident_joint: np.ndarray | None
) -> int:
    if estimation_method == "off_diagonal":
        return joint.off_diagonal_issue_count(counts, class_counts)
    if estimation_method == "off_diagonal_calibrated":
        confident_joint = joint.confident_joint(counts, class_counts, calibrate=True)
    return joint.calibrated_issue_count(confident_joint, class_counts)


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
    opened_labels, opened_probs = io.open_inputs(labels, pred_probs)
    confident_joint = _validation.check_count_joint(confident_joint, estimation_method, opened_probs.shape[1])
    joints = passes.confident_joint(
        MULTICLASS, opened_labels, opened_probs, absent_class_threshold=IN_MEMORY_ABSENT_CLASS_THRESHOLD
    )
    count = step(
        _of_the_problem,
        _issue_count,
        joints.counts,
        joints.label_counts,
        estimation_method=estimation_method,
        confident_joint=confident_joint,
    )
    return computed_unless_lazy(count, labels, pred_probs)


def _union_size(per_class_issues: list[np.ndarray]) -> int:
    return int(sets.union(per_class_issues).shape[0])


def _multilabel_issue_count(labels: Any, pred_probs: Any, confident_joint: Any, estimation_method: str) -> Any:
    _validation.warn_of_multilabel_count_options(confident_joint, estimation_method)
    opened_labels, opened_probs = io.open_multilabel_inputs(labels, pred_probs)
    flags = passes.flagged(
        ONE_VS_REST,
        opened_labels,
        opened_probs,
        off_diagonal=True,
        absent_class_threshold=IN_MEMORY_ABSENT_CLASS_THRESHOLD,
    )
    return computed_unless_lazy(step(_union_size, flags.per_problem), labels, pred_probs)
