"""cleanlab.count's estimates of the latent prior and the noise matrices
from a confident joint (offered by :mod:`dlq.count`, as cleanlab offers them)."""

from __future__ import annotations

from typing import Any

import numpy as np

from dlq import _validation
from dlq._joints import label_counts, multiclass_joint
from dlq.graphs.blocks import step
from dlq.kernels import joint, latent
from dlq.scheduler import computed_unless_lazy


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
    _validation.check_prior_method(py_method, latent.PRIOR_METHODS)
    given = np.asarray(confident_joint)
    counts = label_counts(labels, given.shape[0])
    result = step(latent.latent, given, counts, method=py_method, converge=bool(converge_latent_estimates))
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
    _validation.check_prior_method(py_method, latent.PRIOR_METHODS)
    joints = multiclass_joint(labels, pred_probs, thresholds)
    result = step(
        _latent_of_the_joint,
        joints.counts,
        joints.label_counts,
        calibrate=calibrate,
        method=py_method,
        converge=bool(converge_latent_estimates),
    )
    return computed_unless_lazy(result, labels, pred_probs)


def _latent_of_the_joint(
    counts: np.ndarray, label_counts: np.ndarray, *, calibrate: bool, method: str, converge: bool
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    confident_joint = joint.of_one_problem(joint.confident_joint, counts, label_counts, calibrate=calibrate)
    if not calibrate:
        # cleanlab's uncalibrated joint is a transposed, column-major array, and numpy
        # sums its columns in another order: the same layout gives the same bits
        confident_joint = np.asfortranarray(confident_joint)
    return (*latent.latent(confident_joint, label_counts[0], method=method, converge=converge), confident_joint)
