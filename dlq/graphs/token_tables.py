"""Token classification's results as cleanlab gives them: (sentence, token)
pairs, per-sentence pandas Series and summary tables, from the flat
arithmetic of :mod:`dlq.kernels.tokens`.

Everything here is in memory: sentence scores are one per sentence, token
scores one per token, and issues few; the tokens' scores themselves come
from dlq's graphs (:func:`dlq.rank.get_label_quality_scores`), and the
issues from its filters. pandas is imported where a table is built.
"""

from __future__ import annotations

import contextlib
import gc
from collections.abc import Iterator, Sequence
from typing import Any

import numpy as np

from dlq.kernels import tokens as kernel


def flattened(labels: Sequence[Any], pred_probs: Sequence[Any], width: int) -> tuple[np.ndarray, np.ndarray]:
    """cleanlab's per-sentence labels and pred_probs as one (T,) and one (T, K) array.

    Examples
    --------
    >>> labels, pred_probs = flattened([[0], [1, 1]], [[[0.9, 0.1]], np.eye(2)], 2)
    >>> labels.tolist(), pred_probs.shape
    ([0, 1, 1], (3, 2))
    """
    return kernel.concatenated(labels), kernel.concatenated(pred_probs, width)


def _pairs(sentences: np.ndarray, tokens: np.ndarray) -> list[tuple[int, int]]:
    return list(zip(sentences.tolist(), tokens.tolist(), strict=True))


def issue_positions(indices: np.ndarray, lengths: np.ndarray, *, index_order: bool = False) -> list[tuple[int, int]]:
    """Flat token indices as ``(sentence, token)`` pairs of Python ints, in
    their order (or from the first token to the last, with ``index_order``).

    Examples
    --------
    >>> issue_positions(np.array([4, 0]), np.array([3, 0, 2]))
    [(2, 1), (0, 0)]
    >>> issue_positions(np.array([4, 0]), np.array([3, 0, 2]), index_order=True)
    [(0, 0), (2, 1)]
    """
    if index_order:
        indices = kernel.in_index_order(indices)
    return _pairs(*kernel.token_positions(indices, lengths))


def token_series(scores: np.ndarray, lengths: np.ndarray, tokens: Sequence[Any] | None) -> list[Any]:
    """One pandas Series of token scores per sentence, indexed by the
    sentence's tokens when given (else 0, 1, ...).

    Examples
    --------
    >>> [series.tolist() for series in token_series(np.array([0.9, 0.7, 0.2]), np.array([2, 1]), None)]
    [[0.9, 0.7], [0.2]]
    """
    import pandas as pd

    starts = kernel.sentence_starts(lengths).tolist()
    ends = [start + length for start, length in zip(starts, lengths.tolist(), strict=True)]
    indexes = [None] * len(starts) if tokens is None else tokens
    with _collection_paused():
        return [
            pd.Series(scores[start:end], index=words) for start, end, words in zip(starts, ends, indexes, strict=True)
        ]


@contextlib.contextmanager
def _collection_paused() -> Iterator[None]:
    """Python's cyclic garbage collection paused while many objects that
    form no cycle are made: each of its passes would walk every object made
    so far (a pandas Series is a dozen), so that building N Series took
    twice as long."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def token_issues_below(token_scores: Sequence[Any], threshold: Any) -> list[tuple[int, int]]:
    """The tokens scoring below ``threshold``, as ``(sentence, token)``
    pairs, lowest score first (ties in sentence and token order).

    Examples
    --------
    >>> token_issues_below([[0.9, 0.05], [0.01, 0.5]], 0.1)
    [(1, 0), (0, 1)]
    """
    lengths = np.array([len(scores) for scores in token_scores], dtype=np.int64)
    flat = kernel.concatenated(token_scores)
    return _pairs(*kernel.token_positions(kernel.below_in_order(flat, threshold), lengths))


def sentences_below(sentence_scores: Any, threshold: Any) -> np.ndarray:
    """The sentences scoring below ``threshold``, lowest first, in cleanlab's order.

    Examples
    --------
    >>> sentences_below([0.1, 0.3, 0.05], 0.2).tolist()
    [2, 0]
    """
    return kernel.sentences_below(np.asarray(sentence_scores), threshold)


def predicted_classes(pred_probs: Sequence[Any], issues: Sequence[Any]) -> list[Any]:
    """The predicted class (argmax) of each issue's token, numpy integers.

    Examples
    --------
    >>> predicted_classes([np.array([[0.2, 0.8], [0.6, 0.4]])], [(0, 1), (0, 0)])
    [np.int64(0), np.int64(1)]
    """
    if not len(issues):
        return []
    return list(kernel.predicted_classes(np.asarray([pred_probs[i][j] for i, j in issues])))


def word_counts(issues: Sequence[Any], tokens: Sequence[Any]) -> tuple[list[Any], list[int]]:
    """The words of the issues, in order of first appearance, and how many issues each has.

    Examples
    --------
    >>> word_counts([(0, 1), (1, 0), (0, 1)], [["A", "b"], ["c"]])
    (['b', 'c'], [2, 1])
    """
    count: dict[Any, int] = {}
    for i, j in issues:
        word = tokens[i][j]
        count[word] = count.get(word, 0) + 1
    return list(count), list(count.values())


def swap_counts(
    issues: Sequence[Any],
    tokens: Sequence[Any],
    labels: Sequence[Any],
    pred_probs: Sequence[Any],
    exclude: Sequence[Any],
    num_classes: int,
) -> tuple[list[Any], np.ndarray, np.ndarray]:
    """The words of the issues, in order of first appearance, for each how
    often it was given class a and predicted class b, shape (W, K, K), and
    its total, shape (W,); swaps in ``exclude`` are not counted (their words
    are still listed).

    Examples
    --------
    >>> words, counts, totals = swap_counts([(0, 1)], [["A", "b"]], [[0, 0]], [np.array([[1.0, 0], [0.2, 0.8]])], [], 2)
    >>> words, counts.tolist(), totals.tolist()
    (['b'], [[[0, 1], [0, 0]]], [1])
    """
    positions: dict[Any, int] = {}
    ids = [positions.setdefault(tokens[i][j], len(positions)) for i, j in issues]
    given = [labels[i][j] for i, j in issues]
    predicted = predicted_classes(pred_probs, issues)
    counted = [(label, prediction) not in exclude for label, prediction in zip(given, predicted, strict=True)]
    counts = kernel.swap_counts(
        np.asarray(ids, dtype=np.int64),
        np.asarray(given, dtype=np.int64),
        np.asarray(predicted, dtype=np.int64),
        np.asarray(counted, dtype=bool),
        len(positions),
        num_classes,
    )
    return list(positions), counts, counts.sum(axis=(1, 2))


def most_common_swaps(counts: np.ndarray) -> list[tuple[int, int, Any]]:
    """A word's (given, predicted, count) class pairs of a (K, K) count
    matrix, most first in cleanlab's order (numpy's default argsort of the
    flat counts, reversed), up to the first pair never seen.

    Examples
    --------
    >>> most_common_swaps(np.array([[0, 1], [3, 0]]))
    [(1, 0, np.int64(3)), (0, 1, np.int64(1))]
    """
    found = []
    for flat in kernel.most_first(counts.ravel()).tolist():
        given, predicted = divmod(flat, counts.shape[1])
        if counts[given, predicted] == 0:
            break
        found.append((given, predicted, counts[given, predicted]))
    return found


def most_first(counts: Any, top: int | None = None) -> list[int]:
    """Positions of ``counts``, largest first, in cleanlab's order (numpy's
    default argsort reversed), at most ``top``.

    Examples
    --------
    >>> most_first([1, 3, 2], 2)
    [1, 2]
    """
    return kernel.most_first(np.asarray(counts), top).tolist()


def common_words_table(words: list[Any], counts: list[int]) -> Any:
    """The DataFrame of words and their issue counts, most first (ties in word order).

    Examples
    --------
    >>> common_words_table(["a", "b"], [1, 2]).values.tolist()
    [['b', 2], ['a', 1]]
    """
    import pandas as pd

    rows = [[words[k], counts[k]] for k in kernel.descending(np.asarray(counts, dtype=np.int64)).tolist()]
    return pd.DataFrame(rows, columns=["token", "num_label_issues"])


def common_swaps_table(words: list[Any], counts: np.ndarray, class_names: Sequence[str] | None) -> Any:
    """The DataFrame of (word, given class, predicted class) and their issue
    counts, most first (ties by word, then given and predicted class).

    Examples
    --------
    >>> common_swaps_table(["b"], np.array([[[0, 1], [2, 0]]]), None).values.tolist()
    [['b', 1, 0, 2], ['b', 0, 1, 1]]
    """
    import pandas as pd

    rows = []
    for w, given, predicted in zip(*np.nonzero(counts), strict=True):
        names = (int(given), int(predicted)) if not class_names else (class_names[given], class_names[predicted])
        rows.append([words[w], *names, counts[w, given, predicted]])
    order = kernel.descending(np.asarray([row[3] for row in rows], dtype=np.int64)).tolist()
    return pd.DataFrame(
        [rows[k] for k in order], columns=["token", "given_label", "predicted_label", "num_label_issues"]
    )
