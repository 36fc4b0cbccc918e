"""cleanlab.token_classification.rank: label quality scores of tokens and sentences.

``from cleanlab.token_classification.rank import X`` becomes
``from dlq.token_classification.rank import X``. Token scores are
:func:`dlq.rank.get_label_quality_scores` of all tokens as one multi-class
data set; a sentence's score is its tokens' minimum or softmin, computed
as cleanlab computes it, bit for bit.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from dlq._validation import check_choice
from dlq._validation.constants import SCORE_METHODS
from dlq._validation.tokens import (
    NO_KWARGS,
    check_no_empty_sentence,
    check_sentence_score_kwargs,
    check_sentence_score_method,
    check_threshold,
    check_tokens,
)
from dlq.graphs import sentences, token_tables
from dlq.graphs.scheduler import compute
from dlq.rank import get_label_quality_scores as get_token_scores
from dlq.token_classification._inputs import flat_tokens

__all__ = ["get_label_quality_scores", "issues_from_scores"]


def get_label_quality_scores(
    labels: Any,
    pred_probs: Any,
    *,
    tokens: list | None = None,
    token_score_method: str = "self_confidence",
    sentence_score_method: str = "min",
    sentence_score_kwargs: Mapping[str, Any] = NO_KWARGS,
    sentence_lengths: Any = None,
) -> tuple[np.ndarray, list]:
    """Label quality scores of each sentence and of each of its tokens, in
    [0, 1], lower for labels more likely wrong; as cleanlab's function of
    this name gives them.

    Parameters
    ----------
    labels, pred_probs, sentence_lengths
        As for :func:`dlq.token_classification.filter.find_label_issues`
        (cleanlab's per-sentence lists, or the flat form); no sentence may
        be empty.
    tokens : list of N lists of str, optional
        The words of each sentence: the index of its Series of token scores.
    token_score_method : {"self_confidence", "normalized_margin", "confidence_weighted_entropy"}
        How each token's label is scored.
    sentence_score_method : {"min", "softmin"}
        A sentence's score: its tokens' lowest, or ``<s, softmax((1 - s) / t)>``
        of its token scores s, which tends to the lowest as t goes to 0.
    sentence_score_kwargs : dict
        ``{"temperature": t}`` of the softmin: a number >= 0 (0.05 by
        default; 0 gives the minimum, infinity the mean).

    Returns
    -------
    sentence_scores : ndarray of shape (N,)
    token_info : list of N pandas Series
        The scores of sentence i's tokens, indexed by ``tokens[i]`` if given.

    Examples
    --------
    >>> import numpy as np
    >>> labels = [[0, 0, 1], [0, 1]]
    >>> pred_probs = [np.array([[0.9, 0.1], [0.7, 0.3], [0.05, 0.95]]), np.array([[0.8, 0.2], [0.8, 0.2]])]
    >>> sentence_scores, token_info = get_label_quality_scores(labels, pred_probs)
    >>> sentence_scores
    array([0.7, 0.2])
    >>> token_info[1].tolist()
    [0.8, 0.2]
    """
    check_choice(token_score_method, SCORE_METHODS, "token_score_method", kind="scoring method")
    check_sentence_score_method(sentence_score_method)
    temperature = check_sentence_score_kwargs(sentence_score_kwargs)
    flat_labels, flat_probs, lengths = flat_tokens(labels, pred_probs, sentence_lengths)
    check_no_empty_sentence(lengths)
    named = tokens is not None and len(tokens) > 0  # cleanlab: `if tokens:`
    if named:
        check_tokens(tokens, lengths)
    (scores,) = compute(get_token_scores(flat_labels, flat_probs, method=token_score_method))
    sentence_scores = sentences.sentence_scores(scores, lengths, sentence_score_method, temperature)
    return sentence_scores, token_tables.token_series(scores, lengths, tokens if named else None)


def issues_from_scores(
    sentence_scores: Any, *, token_scores: list | None = None, threshold: float = 0.1
) -> list[tuple[int, int]] | np.ndarray:
    """The labels scoring below ``threshold``, lowest first: tokens as
    ``(sentence, token)`` pairs if ``token_scores`` are given, else sentences.

    Parameters
    ----------
    sentence_scores : array-like of float, shape (N,)
        As :func:`get_label_quality_scores` returns them.
    token_scores : list of N lists or pandas Series of float, optional
        Each sentence's token scores (the ``token_info`` of
        :func:`get_label_quality_scores`).
    threshold : float
        Scores below it are issues.

    Returns
    -------
    list of tuple of int, or ndarray of int
        Token issues, ties in sentence and token order; or the indices of
        the sentences scoring below ``threshold`` in the order of numpy's
        default argsort of ``sentence_scores`` (cleanlab's). Where every
        sentence scores below ``threshold`` they are all returned (cleanlab
        2.9 fails with an IndexError).

    Examples
    --------
    >>> import numpy as np
    >>> issues_from_scores(np.array([0.1, 0.3, 0.6, 0.2, 0.05, 0.9, 0.8, 0.0125, 0.5, 0.6]))
    array([7, 4])
    >>> issues_from_scores(np.array([0.5, 0.05]), token_scores=[[0.9, 0.6], [0.0, 0.8, 0.05]])
    [(1, 0), (1, 2)]
    """
    check_threshold(threshold)
    if token_scores is not None and len(token_scores) > 0:  # cleanlab: `if token_scores:`
        return token_tables.token_issues_below(token_scores, threshold)
    return token_tables.sentences_below(sentence_scores, threshold)
