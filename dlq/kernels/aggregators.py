"""The multi-label aggregators' arithmetic: one score per row of an (n, K)
block of per-class scores, each row on its own, the worst class weighing most.

The options are known valid here (:mod:`dlq._validation.aggregators`
checks them); :mod:`dlq.multilabel.aggregators` offers these under
cleanlab's names and signatures.
"""

from __future__ import annotations

import numpy as np


def exponential_moving_average(scores: np.ndarray, alpha: float) -> np.ndarray:
    """Exponential moving average of each row's scores, from the largest to the smallest.

    The smallest score has weight ``alpha``, the next ``alpha * (1 - alpha)``,
    and so on; the largest ``(1 - alpha) ** (K - 1)``. One sort per row,
    then a dot product per row (``np.vecdot``: each row on its own, so that
    its rounding depends on nothing but the row, as a matrix product's may
    on the rows beside it).

    Parameters
    ----------
    scores : ndarray of float, shape (n, K)
    alpha : float
        In [0, 1].

    Returns
    -------
    ndarray of float, shape (n,)

    Examples
    --------
    >>> exponential_moving_average(np.array([[0.9, 0.9, 0.9], [0.4, 0.9, 0.9]]), 0.8).round(6).tolist()
    [0.9, 0.5]
    """
    num_classes = scores.shape[1]
    weights = alpha * (1 - alpha) ** np.arange(num_classes, dtype=np.float64)
    weights[-1] = (1 - alpha) ** (num_classes - 1)
    return np.vecdot(np.sort(scores, axis=1), weights)


def softmin(scores: np.ndarray, temperature: float) -> np.ndarray:
    """Average of each row's scores weighted by a softmax of ``(1 - score) / temperature``.

    Computed stably (the largest exponent is subtracted first).

    Parameters
    ----------
    scores : ndarray of float, shape (n, K)
    temperature : float
        Greater than 0.

    Returns
    -------
    ndarray of float, shape (n,)

    Examples
    --------
    >>> softmin(np.array([[0.1, 0.9]]), 0.1).round(4).tolist()
    [0.1003]
    """
    weights = (1 - scores) / temperature  # the exponents, then the weights, in place
    # each row's largest, over the rows side by side (a maximum is exact in any order), which is
    # quicker than a reduction along each short row
    weights -= np.ascontiguousarray(weights.T).max(axis=0)[:, None]
    np.exp(weights, out=weights)
    # the weighted sum and the sum of weights, each a dot product per row (as in the moving average)
    return np.vecdot(weights, scores) / np.vecdot(weights, np.ones(weights.shape[1], weights.dtype))
