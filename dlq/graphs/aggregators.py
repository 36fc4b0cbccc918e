"""The multi-label aggregators, as the faces run them in process, on an
(n, K) block of per-class scores (a chunk's, in the tasks that score it).

The arithmetic is :mod:`dlq.kernels.aggregators`'; the options are checked
before (:mod:`dlq._validation.aggregators`).
"""

from __future__ import annotations

import numpy as np

from dlq.kernels import aggregators


def exponential_moving_average(scores: np.ndarray, alpha: float) -> np.ndarray:
    """Each row's exponential moving average, from its largest score to its
    smallest (weight ``alpha``), by :func:`dlq.kernels.aggregators.exponential_moving_average`.

    Examples
    --------
    >>> exponential_moving_average(np.array([[0.4, 0.9, 0.9]]), 0.8).round(6).tolist()
    [0.5]
    """
    return aggregators.exponential_moving_average(scores, alpha)


def softmin(scores: np.ndarray, temperature: float) -> np.ndarray:
    """Each row's scores averaged with the weights of a softmax of
    ``(1 - score) / temperature``, by :func:`dlq.kernels.aggregators.softmin`.

    Examples
    --------
    >>> softmin(np.array([[0.1, 0.9]]), 0.1).round(4).tolist()
    [0.1003]
    """
    return aggregators.softmin(scores, temperature)
