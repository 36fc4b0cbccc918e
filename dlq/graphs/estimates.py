"""What cleanlab.count estimates once a confident joint's counts are summed,
as steps: the joint (calibrated or not, of one problem or per class), the
issue count, the joint calibrated to label counts or normalized, and the
latent prior and noise matrices.

Each function takes the lazy parts of :func:`dlq.graphs.passes.confident_joint`
(or a joint given, and label counts) and returns one step of the joint's
arithmetic (:mod:`dlq.kernels.joint`, :mod:`dlq.kernels.latent`): computed
at once when nothing is lazy (see :mod:`dlq.graphs.inprocess`), else a
``Delayed``.
"""

from __future__ import annotations

from typing import Any

import dask.array as da
import numpy as np
from dask.delayed import Delayed

from dlq.graphs.blocks import step
from dlq.graphs.passes import Joint
from dlq.kernels import health, joint, latent


def confident_joint_of(
    found: Joint, *, calibrate: bool, multi_label: bool = False, with_off_diagonal_rows: bool = False
) -> Any:
    """The confident joint of ``found``'s counts: K x K for multi-class
    data, each class's (2, 2) one-vs-rest joint stacked (K, 2, 2) for
    ``multi_label``; calibrated to the label counts if asked.

    Parameters
    ----------
    found : Joint
        Summed counts and label counts, of :func:`dlq.graphs.passes.confident_joint`.
    calibrate : bool
        Calibrate the joint to the label counts.
    multi_label : bool
        ``found`` counts the K one-vs-rest problems of multi-label data.
    with_off_diagonal_rows : bool
        Also give the rows counted off the diagonal (``found`` must hold
        them): ``(joint, rows)``, the rows sorted indices, or for
        ``multi_label`` a list of them, one per class.

    Returns
    -------
    ndarray of int, or tuple, or a ``Delayed`` of it

    Examples
    --------
    >>> found = Joint(None, np.array([[[2, 1], [1, 2], [0, 1]]]), np.array([[3, 3]]), None, [np.array([2, 5])])
    >>> confident_joint_of(found, calibrate=False).tolist()
    [[2, 1], [1, 2]]
    >>> confident_joint_of(found, calibrate=True, with_off_diagonal_rows=True)[1].tolist()
    [2, 5]
    """
    of_counts = joint.per_problem if multi_label else joint.of_one_problem
    result = step(of_counts, joint.confident_joint, found.counts, found.label_counts, calibrate=calibrate)
    if not with_off_diagonal_rows:
        return result
    if multi_label:
        return step(tuple, [result, found.off_diagonal_rows])
    return step(_with_the_rows, result, found.off_diagonal_rows)


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


def issue_count(found: Joint, *, estimation_method: str, confident_joint: np.ndarray | None = None) -> Any:
    """cleanlab.count's estimate of the number of label issues of multi-class
    data from ``found``'s counts: ``off_diagonal`` (the rows off the joint's
    diagonal that disagree), ``off_diagonal_calibrated`` (the mass off the
    calibrated joint's diagonal) or ``off_diagonal_custom`` (the same of
    ``confident_joint``).

    Examples
    --------
    >>> found = Joint(None, np.array([[[2, 1], [1, 2], [1, 1]]]), np.array([[3, 3]]), None)
    >>> issue_count(found, estimation_method="off_diagonal")
    2
    >>> issue_count(found, estimation_method="off_diagonal_custom", confident_joint=np.array([[3, 0], [0, 3]]))
    0
    """
    return step(
        joint.of_one_problem,
        _issue_count,
        found.counts,
        found.label_counts,
        estimation_method=estimation_method,
        confident_joint=confident_joint,
    )


def calibrated(confident_joint: np.ndarray, label_counts: Any) -> Any:
    """A K x K confident joint with each row scaled to its label's count, the
    whole to the number of examples, then rounded keeping row sums.

    Examples
    --------
    >>> calibrated(np.array([[3, 1], [1, 1]]), np.array([8, 2])).tolist()
    [[6, 2], [1, 1]]
    """
    return step(joint.calibrated, confident_joint, label_counts)


def calibrated_to_its_rows(counts: Any) -> Any:
    """A K x K count of (given label, class) calibrated as :func:`calibrated`
    to its rows' totals, the labels' counts, in one step: as cleanlab's
    ``find_label_issues_using_argmax_confusion_matrix`` calibrates its
    confusion matrix (whole counts come back as they are, rounded as
    cleanlab rounds).

    Examples
    --------
    >>> calibrated_to_its_rows(np.array([[6, 2], [0, 0]])).tolist()
    [[6, 2], [0, 0]]
    """
    return step(_calibrated_to_its_rows, counts)


def _calibrated_to_its_rows(counts: np.ndarray) -> np.ndarray:
    return joint.calibrated(counts, counts.sum(axis=1))


def calibrated_per_class(confident_joints: np.ndarray, binary_labels: da.Array) -> Any:
    """Each class's (2, 2) one-vs-rest joint of ``confident_joints`` (K, 2, 2)
    calibrated to that class's counts of negative and positive labels in
    ``binary_labels`` (N, K), in one read of them.

    Examples
    --------
    >>> binary = da.from_array(np.array([[1, 0], [1, 1], [0, 0], [1, 0]]), chunks=2)
    >>> calibrated_per_class(np.array([[[1, 0], [0, 3]], [[2, 1], [0, 1]]]), binary).compute().tolist()
    [[[1, 0], [0, 3]], [[2, 1], [0, 1]]]
    """
    positives = binary_labels.astype(np.int64).sum(axis=0)
    counts = da.stack([binary_labels.shape[0] - positives, positives], axis=1)
    return step(joint.per_problem, joint.calibrated, confident_joints, counts)


def normalized(calibrated: Any) -> Any:
    """A calibrated confident joint (or a stack of them) as probabilities
    summing to 1: at once for a joint in hand, a step after a ``Delayed``.

    Examples
    --------
    >>> normalized(np.array([[3, 1], [0, 4]])).tolist()
    [[0.375, 0.125], [0.0, 0.5]]
    """
    return step(health.normalized, calibrated) if isinstance(calibrated, Delayed) else health.normalized(calibrated)


def latent_estimates(confident_joint: np.ndarray, label_counts: Any, *, method: str, converge: bool) -> Any:
    """The prior of the true labels, the noise matrix and the inverse noise
    matrix of a K x K confident joint and the label counts
    (:func:`dlq.kernels.latent.latent`).

    Examples
    --------
    >>> prior, noise, inverse = latent_estimates(np.array([[8, 2], [0, 10]]), np.array([10, 10]), method="cnt",
    ...                                          converge=False)
    >>> prior.tolist()
    [0.4, 0.6]
    """
    return step(latent.latent, confident_joint, label_counts, method=method, converge=converge)


def latent_of_the_joint(found: Joint, *, calibrate: bool, method: str, converge: bool) -> Any:
    """:func:`latent_estimates` of the confident joint of ``found``'s counts
    (calibrated if asked), and that joint: ``(py, noise_matrix,
    inverse_noise_matrix, confident_joint)``, from the same reads.

    Examples
    --------
    >>> found = Joint(None, np.array([[[8, 2], [0, 10], [0, 0]]]), np.array([[10, 10]]), None)
    >>> latent_of_the_joint(found, calibrate=False, method="cnt", converge=False)[0].tolist()
    [0.4, 0.6]
    """
    return step(
        _latent_of_the_joint,
        found.counts,
        found.label_counts,
        calibrate=calibrate,
        method=method,
        converge=converge,
    )


def _latent_of_the_joint(
    counts: np.ndarray, label_counts: np.ndarray, *, calibrate: bool, method: str, converge: bool
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    confident_joint = joint.of_one_problem(joint.confident_joint, counts, label_counts, calibrate=calibrate)
    if not calibrate:
        # cleanlab's uncalibrated joint is a transposed, column-major array, and numpy
        # sums its columns in another order: the same layout gives the same bits
        confident_joint = np.asfortranarray(confident_joint)
    return (*latent.latent(confident_joint, label_counts[0], method=method, converge=converge), confident_joint)
