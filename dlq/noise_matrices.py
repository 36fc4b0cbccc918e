"""cleanlab.count's estimates of the latent prior and the noise matrices
from a confident joint (offered by :mod:`dlq.count`, as cleanlab offers
them), and the confident joint and label counts they are estimated from."""

from __future__ import annotations

from typing import Any

import numpy as np
from dask.delayed import Delayed

from dlq import _validation
from dlq._validation import IN_MEMORY_ABSENT_CLASS_THRESHOLD
from dlq.graphs import estimates, passes
from dlq.graphs.class_counts import counts_of_classes
from dlq.graphs.problems import MULTICLASS
from dlq.graphs.scheduler import computed_unless_lazy
from dlq.io import arrays


def multiclass_joint(labels: Any, pred_probs: Any, thresholds: Any, *, with_off_diagonal_rows: bool = False) -> Any:
    """The confident joint's graph of multi-class inputs (with ``thresholds``, if given, read once)."""
    opened_labels, opened_probs = arrays.open_inputs(labels, pred_probs)
    return passes.confident_joint(
        MULTICLASS,
        opened_labels,
        opened_probs,
        thresholds=_validation.check_thresholds(thresholds, opened_probs.shape[1]),
        absent_class_threshold=IN_MEMORY_ABSENT_CLASS_THRESHOLD,
        with_off_diagonal_rows=with_off_diagonal_rows,
    )


def label_counts(labels: Any, num_classes: int) -> Delayed:
    """How many examples are given each of ``num_classes`` classes, in one
    read of the labels (any kind :func:`dlq.scan` reads); refused at compute
    time if a label is outside ``0..num_classes-1``.

    Examples
    --------
    >>> label_counts(np.array([0, 2, 2]), 3).tolist()  # in memory: computed at once
    [1, 0, 2]
    >>> import dask.array as da
    >>> label_counts(da.from_array(np.array([0, 2, 2]), chunks=2), 3).compute().tolist()
    [1, 0, 2]
    """
    opened = arrays.open_array(arrays.array_like(labels, name="labels"), name="labels")
    arrays.check_labels(opened, opened.shape[0])
    return counts_of_classes(opened, num_classes, of_pred_probs=False)


def estimate_latent(
    confident_joint: Any, labels: Any, *, py_method: str = "cnt", converge_latent_estimates: bool = False
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The prior of the true labels ``py``, the noise matrix (P(given label
    i | true label j) at (i, j)) and the inverse noise matrix (P(true label j
    | given label i) at (j, i)) of a confident joint, as cleanlab estimates
    them. One read of the labels, for their counts.

    Parameters
    ----------
    confident_joint : array-like of int, shape (K, K)
    labels : array-like of int, shape (N,)
        Any kind :func:`dlq.scan` reads.
    py_method : {"cnt", "eqn", "marginal", "marginal_ps"}
        How the prior is estimated (see :func:`dlq.kernels.latent.prior`).
    converge_latent_estimates : bool
        Refine the three until they agree with each other.

    Returns
    -------
    tuple of ndarray
        ``(py, noise_matrix, inverse_noise_matrix)``; a lazy ``Delayed``
        of it when ``labels`` is a dask array.

    Examples
    --------
    >>> import numpy as np
    >>> py, noise, inverse = estimate_latent(np.array([[8, 2], [0, 10]]), np.array([0] * 10 + [1] * 10))
    >>> py.tolist()
    [0.4, 0.6]
    """
    _validation.check_prior_method(py_method)
    given = np.asarray(confident_joint)
    counts = label_counts(labels, given.shape[0])
    result = estimates.latent_estimates(given, counts, method=py_method, converge=bool(converge_latent_estimates))
    return computed_unless_lazy(result, labels)


def estimate_py_and_noise_matrices_from_probabilities(
    labels: Any,
    pred_probs: Any,
    *,
    thresholds: Any = None,
    converge_latent_estimates: bool = True,
    py_method: str = "cnt",
    calibrate: bool = True,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """:func:`estimate_latent` of the confident joint of ``labels`` and
    ``pred_probs`` (:func:`compute_confident_joint`, with ``thresholds`` and
    ``calibrate``), from the same reads: ``(py, noise_matrix,
    inverse_noise_matrix, confident_joint)``.

    Examples
    --------
    >>> import numpy as np
    >>> labels = np.array([0, 0, 0, 1, 1, 1])
    >>> pred_probs = np.array([[.9, .1], [.8, .2], [.3, .7], [.2, .8], [.1, .9], [.7, .3]])
    >>> estimate_py_and_noise_matrices_from_probabilities(labels, pred_probs)[3].tolist()
    [[2, 1], [1, 2]]
    """
    _validation.check_prior_method(py_method)
    joints = multiclass_joint(labels, pred_probs, thresholds)
    result = estimates.latent_of_the_joint(
        joints, calibrate=calibrate, method=py_method, converge=bool(converge_latent_estimates)
    )
    return computed_unless_lazy(result, labels, pred_probs)
