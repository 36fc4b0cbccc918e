"""Token classification's arithmetic: sentences as runs of consecutive tokens.

A data set of N sentences is held flat, its T tokens one after another, and
the sentences by their lengths (N ints summing to T). Everything here works
on those flat arrays in numpy: where each sentence starts, which sentence
and token a flat index is, each sentence's score from its tokens' scores,
and the orders that :mod:`dlq.token_classification` reports in. Each order
is cleanlab 2.9's own: where cleanlab sorts with numpy's default (unstable)
sort, so does this module, on arrays of the same values and dtype.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

#: The smallest temperature cleanlab's softmax divides by (cleanlab.internal.constants.EPSILON).
SMALLEST_TEMPERATURE = 1e-6


def sentence_starts(lengths: np.ndarray) -> np.ndarray:
    """The flat index of each sentence's first token (where it would be, if empty).

    Examples
    --------
    >>> sentence_starts(np.array([3, 0, 2])).tolist()
    [0, 3, 3]
    """
    starts = np.zeros(len(lengths), dtype=np.int64)
    np.cumsum(lengths[:-1], out=starts[1:])
    return starts


def token_positions(indices: np.ndarray, lengths: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The sentence and the token within it of each flat token index.

    Examples
    --------
    >>> sentences, tokens = token_positions(np.array([4, 0, 3]), np.array([3, 0, 2]))
    >>> sentences.tolist(), tokens.tolist()
    ([2, 0, 2], [1, 0, 0])
    """
    indices = np.asarray(indices, dtype=np.int64)
    ends = np.cumsum(lengths, dtype=np.int64)
    sentences = np.searchsorted(ends, indices, side="right")
    return sentences, indices - (ends[sentences] - np.asarray(lengths, dtype=np.int64)[sentences])


def in_index_order(indices: np.ndarray) -> np.ndarray:
    """``indices`` from the smallest to the largest.

    Examples
    --------
    >>> in_index_order(np.array([5, 1, 3])).tolist()
    [1, 3, 5]
    """
    return np.sort(np.asarray(indices, dtype=np.int64))


def concatenated(sentences: Sequence[Any], width: int | None = None) -> np.ndarray:
    """The sentences' entries one after another: labels (1-D) or, given the
    ``width`` K, rows of pred_probs (T, K). Empty sentences add nothing, so
    that an empty list (float) does not change the dtype of int labels.

    Examples
    --------
    >>> concatenated([[0, 1], [], [2]]).tolist()
    [0, 1, 2]
    >>> concatenated([np.eye(2), np.empty((0, 2)), [[0.5, 0.5]]], width=2).tolist()
    [[1.0, 0.0], [0.0, 1.0], [0.5, 0.5]]
    """
    parts = [np.asarray(sentence) for sentence in sentences]
    parts = [part for part in parts if part.size] or parts[:1]
    if width is not None:
        parts = [part.reshape(-1, width) for part in parts]
    return np.concatenate(parts)


def _grouped_by_length(scores: np.ndarray, lengths: np.ndarray, per_row: Any) -> np.ndarray:
    """``per_row`` of each sentence's scores, the sentences of one length as
    the rows of one matrix: a row's arithmetic is then that of the sentence
    alone as a 1-D array (reductions along a row are numpy's pairwise sums,
    and ``np.vecdot`` a BLAS dot product of the row), bit for bit."""
    starts = sentence_starts(lengths)
    out: np.ndarray | None = None
    for length in np.unique(lengths):
        which = np.flatnonzero(lengths == length)
        rows = scores[starts[which, None] + np.arange(length)]
        found = per_row(rows)
        if out is None:
            out = np.empty(len(lengths), dtype=found.dtype)
        out[which] = found
    return out if out is not None else np.empty(0, dtype=scores.dtype)


def sentence_minima(scores: np.ndarray, lengths: np.ndarray) -> np.ndarray:
    """Each sentence's lowest token score (sentences are not empty).

    Examples
    --------
    >>> sentence_minima(np.array([0.9, 0.7, 0.95, 0.8, 0.2]), np.array([3, 2])).tolist()
    [0.7, 0.2]
    """
    return np.minimum.reduceat(scores, sentence_starts(lengths)) if len(lengths) else scores[:0]


def sentence_means(scores: np.ndarray, lengths: np.ndarray) -> np.ndarray:
    """Each sentence's mean token score, as ``np.mean`` of the sentence gives it.

    Examples
    --------
    >>> sentence_means(np.array([0.5, 1.0, 0.25]), np.array([2, 1])).tolist()
    [0.75, 0.25]
    """
    return _grouped_by_length(scores, lengths, lambda rows: np.mean(rows, axis=1))


def sentence_softmins(scores: np.ndarray, lengths: np.ndarray, temperature: Any) -> np.ndarray:
    """Each sentence's scores averaged with the weights ``softmax((1 - s) / t)``,
    as cleanlab's ``_softmin_sentence_score`` computes them: ``t`` is at
    least :data:`SMALLEST_TEMPERATURE`, the largest exponent is subtracted,
    the weights are normalised, then dotted with the scores. 0 gives the
    minimum and infinity the mean. ``temperature`` keeps its type, which
    numpy's promotion (a Python float or an ``np.float64``) may depend on.

    Examples
    --------
    >>> sentence_softmins(np.array([0.9, 0.6, 0.3, 0.8, 0.8, 0.8]), np.array([2, 3, 1]), 0.05).round(6).tolist()
    [0.600742, 0.300045, 0.8]
    """
    if temperature == 0:
        return sentence_minima(scores, lengths)
    if temperature == np.inf:
        return sentence_means(scores, lengths)
    divisor = max(temperature, SMALLEST_TEMPERATURE)

    def softmin(rows: np.ndarray) -> np.ndarray:
        exponents = (1 - rows) / divisor
        exponents = exponents - np.max(exponents, axis=1, keepdims=True)
        weights = np.exp(exponents)
        return np.vecdot(rows, weights / np.sum(weights, axis=1, keepdims=True))

    return _grouped_by_length(scores, lengths, softmin)


def below_in_order(scores: np.ndarray, threshold: Any) -> np.ndarray:
    """The indices of the scores below ``threshold``, lowest score first,
    ties in index order (as Python's stable ``sorted`` leaves them).

    Examples
    --------
    >>> below_in_order(np.array([0.05, 0.5, 0.01, 0.05]), 0.1).tolist()
    [2, 0, 3]
    """
    below = np.flatnonzero(scores < threshold)
    return below[np.argsort(scores[below], kind="stable")]


def sentences_below(sentence_scores: np.ndarray, threshold: Any) -> np.ndarray:
    """The sentences scoring below ``threshold`` in the order of
    ``np.argsort(sentence_scores)`` (numpy's default sort, as cleanlab's).

    Examples
    --------
    >>> sentences_below(np.array([0.1, 0.3, 0.05, 0.0125]), 0.2).tolist()
    [3, 2, 0]
    """
    ranking = np.argsort(sentence_scores)
    return ranking[: np.count_nonzero(sentence_scores < threshold)]


def predicted_classes(rows: np.ndarray) -> np.ndarray:
    """The argmax of each row (the first on ties).

    Examples
    --------
    >>> predicted_classes(np.array([[0.2, 0.8], [0.5, 0.5]])).tolist()
    [1, 0]
    """
    return np.argmax(rows, axis=1)


def swap_counts(
    words: np.ndarray, given: np.ndarray, predicted: np.ndarray, counted: np.ndarray, num_words: int, num_classes: int
) -> np.ndarray:
    """How often each word was given each class and predicted each class,
    over the issues ``counted`` is True at: shape (num_words, K, K).

    Examples
    --------
    >>> swap_counts(np.array([0, 1, 0]), np.array([0, 1, 0]), np.array([1, 0, 1]), np.array([True, True, False]),
    ...             2, 2).tolist()
    [[[0, 1], [0, 0]], [[0, 0], [1, 0]]]
    """
    counts = np.zeros((num_words, num_classes, num_classes), dtype=np.int64)
    np.add.at(counts, (words[counted], given[counted], predicted[counted]), 1)
    return counts


def most_first(counts: np.ndarray, top: int | None = None) -> np.ndarray:
    """Indices of ``counts``, the largest first, as cleanlab orders them:
    numpy's default argsort reversed (ties therefore in no set order), the
    first ``top`` of them.

    Examples
    --------
    >>> most_first(np.array([1, 3, 2]), 2).tolist()
    [1, 2]
    """
    return np.argsort(np.asarray(counts))[::-1][:top]


def descending(counts: np.ndarray) -> np.ndarray:
    """Indices of ``counts``, the largest first, ties in index order (a
    stable sort, as Python's ``sorted(..., reverse=True)``).

    Examples
    --------
    >>> descending(np.array([1, 3, 1, 3])).tolist()
    [1, 3, 0, 2]
    """
    counts = np.asarray(counts)
    ascending_of_reversed = np.argsort(counts[::-1], kind="stable")[::-1]
    return len(counts) - 1 - ascending_of_reversed


def first_negative(lengths: np.ndarray) -> tuple[int, int] | None:
    """The position and value of the first negative sentence length, if any.

    Examples
    --------
    >>> first_negative(np.array([3, -1, -2])), first_negative(np.array([0, 2]))
    ((1, -1), None)
    """
    negative = np.flatnonzero(lengths < 0)
    return None if not negative.size else (int(negative[0]), int(lengths[negative[0]]))


def sentence_boundaries(lengths: np.ndarray, first_token: int, targets: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """For each target token position, the last sentence boundary at or
    before it among these sentences (whose first token is ``first_token``),
    and how many of these sentences end there or before.

    The targets lie within these sentences' tokens; the boundary is where a
    sentence ends (or these sentences start), so that a chunk of tokens cut
    there holds whole sentences.

    Examples
    --------
    >>> boundaries, sentences = sentence_boundaries(np.array([3, 0, 4, 2]), 10, np.array([12, 13, 18]))
    >>> boundaries.tolist(), sentences.tolist()
    ([10, 13, 17], [0, 2, 3])
    """
    ends = first_token + np.cumsum(lengths, dtype=np.int64)
    sentences = np.searchsorted(ends, targets, side="right")
    boundaries = np.where(sentences > 0, ends[np.maximum(sentences - 1, 0)], first_token)
    return boundaries, sentences


def sentence_sums(values: np.ndarray, lengths: np.ndarray) -> np.ndarray:
    """The sum of each sentence's ``values`` (0 for an empty sentence), as int64.

    Examples
    --------
    >>> sentence_sums(np.array([True, False, True, True]), np.array([2, 0, 2])).tolist()
    [1, 0, 2]
    """
    cumulative = np.concatenate(([0], np.cumsum(values, dtype=np.int64)))
    ends = np.cumsum(lengths, dtype=np.int64)
    return cumulative[ends] - cumulative[ends - lengths]


def sentence_scores(scores: np.ndarray, lengths: np.ndarray, method: str, temperature: Any) -> np.ndarray:
    """Each sentence's score from its tokens' scores: their minimum
    (``"min"``) or their softmin at ``temperature`` (``"softmin"``); NaN for
    an empty sentence, which has no label to score.

    Examples
    --------
    >>> sentence_scores(np.array([0.9, 0.7, 0.95, 0.2]), np.array([3, 0, 1]), "min", 0.05).tolist()
    [0.7, nan, 0.2]
    """
    nonempty = lengths > 0
    none_empty = nonempty.all()
    kept = lengths if none_empty else lengths[nonempty]
    if method == "min":
        scored = sentence_minima(scores, kept)
    else:
        scored = sentence_softmins(scores, kept, temperature)
    if none_empty:
        return scored
    every = np.full(len(lengths), np.nan, dtype=np.result_type(scored.dtype, np.float16))
    every[nonempty] = scored
    return every
