"""The latent (true-label) prior and the noise matrices, from a confident joint (K x K).

``noise[i, j]`` estimates P(given label i | true label j) and
``inverse[j, i]`` P(true label j | given label i); ``prior[j]`` is
P(true label j). Each is computed in the order of operations cleanlab
uses, so that the floating-point results are the same to the bit.
"""

from __future__ import annotations

import numpy as np

#: The smallest denominator.
TINY = 1e-100
#: Noise rates (off the diagonal) are clipped into [0, this].
NOISE_RATE_CEILING = 0.9999
#: The ways of estimating the prior of the true labels.
PRIOR_METHODS = ("cnt", "eqn", "marginal", "marginal_ps")


def _at_least_tiny(values: np.ndarray | float) -> np.ndarray:
    return np.clip(values, TINY, None)


def clipped_noise_rates(matrix: np.ndarray) -> np.ndarray:
    """The matrix with its off-diagonal entries clipped into [0, 0.9999],
    its diagonal kept, then each column scaled to sum to 1.

    Examples
    --------
    >>> clipped_noise_rates(np.array([[0.5, 1.5], [0.5, 0.5]])).round(4).tolist()
    [[0.5, 0.6666], [0.5, 0.3334]]
    """
    clipped = np.clip(matrix, 0, NOISE_RATE_CEILING)
    np.fill_diagonal(clipped, np.diagonal(matrix))
    return clipped / _at_least_tiny(clipped.sum(axis=0))


def clipped_to_sum(values: np.ndarray, low: float, high: float, total: float) -> np.ndarray:
    """``values`` clipped into [low, high], then scaled to sum to ``total``.

    Examples
    --------
    >>> clipped_to_sum(np.array([0.0, 0.5, 2.0]), 0.1, 1.0, 1.0).round(4).tolist()
    [0.0625, 0.3125, 0.625]
    """
    clipped = np.clip(values, low, high)
    return clipped * total / _at_least_tiny(np.sum(clipped))


def prior(
    given_prior: np.ndarray,
    noise: np.ndarray,
    inverse: np.ndarray,
    method: str,
    true_counts: np.ndarray | None = None,
) -> np.ndarray:
    """P(true label) by ``method``: ``cnt`` (the inverse's diagonal over the
    noise matrix's, times P(given label)), ``eqn`` (the noise matrix
    inverted applied to P(given label)), ``marginal`` (``true_counts``
    normalized), ``marginal_ps`` (the inverse applied to P(given label));
    then clipped into [1e-6, 1] and normalized.

    Examples
    --------
    >>> prior(np.array([0.5, 0.5]), np.eye(2), np.eye(2), "cnt").tolist()
    [0.5, 0.5]
    """
    if method == "cnt":
        estimate = inverse.diagonal() / _at_least_tiny(noise.diagonal()) * given_prior
    elif method == "eqn":
        try:
            estimate = np.linalg.inv(noise).dot(given_prior)
        except np.linalg.LinAlgError as error:
            raise ValueError(
                "py_method='eqn' inverts the noise matrix, and this one is singular (a class that no example "
                "is confidently counted in?); use py_method='cnt'"
            ) from error
    elif method == "marginal":
        estimate = true_counts / _at_least_tiny(float(sum(true_counts)))
    else:
        estimate = np.dot(inverse, given_prior)
    return clipped_to_sum(estimate, 1e-6, 1.0, 1.0)


def _inverse_from(true_prior: np.ndarray, noise: np.ndarray, given_prior: np.ndarray) -> np.ndarray:
    joint = noise * true_prior
    return clipped_noise_rates(joint.T / _at_least_tiny(given_prior))


def _noise_from(given_prior: np.ndarray, inverse: np.ndarray, true_prior: np.ndarray) -> np.ndarray:
    joint = (inverse * given_prior).T
    return clipped_noise_rates(joint / _at_least_tiny(true_prior))


def latent(
    confident_joint: np.ndarray, label_counts: np.ndarray, *, method: str, converge: bool
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The prior of the true labels, the noise matrix and the inverse noise
    matrix of a confident joint and the labels' counts; with ``converge``,
    refined so that they agree with each other (three rounds of the noise
    matrix, each after five of the inverse and the prior).

    Examples
    --------
    >>> prior_, noise, inverse = latent(np.array([[8, 2], [0, 10]]), np.array([10, 10]), method="cnt", converge=False)
    >>> prior_.tolist(), noise.round(2).tolist()
    ([0.4, 0.6], [[1.0, 0.17], [0.0, 0.83]])
    """
    given_prior = label_counts / float(label_counts.sum())
    given_counts = confident_joint.sum(axis=1).astype(float)
    true_counts = confident_joint.sum(axis=0).astype(float)
    noise = confident_joint / _at_least_tiny(true_counts)
    inverse = confident_joint.T / _at_least_tiny(given_counts)
    true_prior = prior(given_prior, noise, inverse, method, true_counts)
    noise, inverse = clipped_noise_rates(noise), clipped_noise_rates(inverse)
    if converge:
        for _ in range(3):
            for _ in range(5):
                inverse = _inverse_from(true_prior, noise, given_prior)
                true_prior = prior(given_prior, noise, inverse, "cnt")
            noise = _noise_from(given_prior, inverse, true_prior)
        true_prior = clipped_to_sum(true_prior, 1e-5, 1.0, 1.0)
        noise, inverse = clipped_noise_rates(noise), clipped_noise_rates(inverse)
    return true_prior, noise, inverse
