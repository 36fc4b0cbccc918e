"""Checks of token classification's inputs and options (:mod:`dlq.token_classification`).

Sentences come in cleanlab's form, ``labels[i]`` and ``pred_probs[i]`` one
entry per token of sentence i, or flat: one (T, K) pred_probs of all tokens,
one (T,) labels and ``sentence_lengths``, N counts summing to T.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from types import MappingProxyType
from typing import Any

import numpy as np

from dlq._validation.checks import RefusedValue, _is_number, check_choice
from dlq._validation.constants import SCORE_METHODS
from dlq.graphs.caller import warn_caller

#: cleanlab's default ``sentence_score_kwargs`` (``{}``), read-only.
NO_KWARGS: Mapping[str, Any] = MappingProxyType({})
#: The ways of scoring a sentence from its tokens' scores.
SENTENCE_SCORE_METHODS = ("min", "softmin")
#: The keys of ``sentence_score_kwargs`` and their defaults.
SENTENCE_SCORE_KWARGS: Mapping[str, Any] = MappingProxyType({"temperature": 0.05})


def per_sentence(pred_probs: Any) -> bool:
    """Whether ``pred_probs`` is cleanlab's form, one array per sentence (a
    list or tuple, or a 3-D or object numpy array), rather than one (T, K)
    array of all tokens.

    Examples
    --------
    >>> per_sentence([np.zeros((2, 3))]), per_sentence(np.zeros((2, 3)))
    (True, False)
    """
    if isinstance(pred_probs, (list, tuple)):
        return True
    return isinstance(pred_probs, np.ndarray) and (pred_probs.ndim == 3 or pred_probs.dtype == object)


def _is_sequence(value: Any) -> bool:
    return hasattr(value, "__len__") and hasattr(value, "__getitem__") and not isinstance(value, (str, bytes))


def check_sentences(labels: Any, pred_probs: Any, sentence_lengths: Any) -> tuple[np.ndarray, int]:
    """Check cleanlab's form: N sentences of labels and of pred_probs, each
    pred_probs[i] (T_i, K) with the same K and labels[i] of T_i labels.

    Parameters
    ----------
    labels : list of N lists or 1-D arrays of int
    pred_probs : list of N arrays of shape (T_i, K)
        An empty sentence may be ``[]`` or of shape (0, K).
    sentence_lengths : None
        The flat form's argument, refused here.

    Returns
    -------
    lengths : ndarray of int64, shape (N,)
        The T_i.
    width : int
        K.

    Raises
    ------
    ValueError
        For no sentence or no token, counts or lengths that differ (the
        first differing sentence named), rows of differing widths, or
        ``sentence_lengths`` given.
    TypeError
        If a sentence's labels are not a list.

    Examples
    --------
    >>> check_sentences([[0, 1], [1]], [np.eye(2), [[0.3, 0.7]]], None)
    (array([2, 1]), 2)
    >>> check_sentences([[0, 1], [1]], [np.eye(2), np.eye(2)], None)
    Traceback (most recent call last):
    ...
    ValueError: sentence 1 has 1 labels but 2 rows of pred_probs: labels[1] and pred_probs[1] need one entry per token
    """
    if sentence_lengths is not None:
        raise ValueError(
            "sentence_lengths is for pred_probs given as one (T, K) array of all tokens; pred_probs is a list "
            "of per-sentence arrays, whose lengths tell the sentences apart: drop sentence_lengths"
        )
    if not _is_sequence(labels):
        raise TypeError(f"labels must be a list of N lists of token labels, one per sentence; got {type(labels)}")
    if len(pred_probs) != len(labels):
        raise ValueError(
            f"labels has {len(labels)} sentences but pred_probs has {len(pred_probs)}: "
            "give one list of labels per array of pred_probs"
        )
    if len(pred_probs) == 0:
        raise ValueError("labels and pred_probs hold no sentences: give at least one sentence of tokens")
    lengths = np.zeros(len(pred_probs), dtype=np.int64)
    width, first = None, None
    for i, (sentence_labels, sentence_probs) in enumerate(zip(labels, pred_probs, strict=True)):
        probs = np.asarray(sentence_probs)
        if probs.size and probs.ndim != 2:
            raise ValueError(
                f"pred_probs[{i}] has shape {probs.shape}; each sentence's pred_probs must be 2-D, one row of K "
                "class probabilities per token"
            )
        if probs.size and width is None:
            width, first = probs.shape[1], i
        elif probs.size and probs.shape[1] != width:
            raise ValueError(
                f"pred_probs[{i}] has rows of {probs.shape[1]} classes but pred_probs[{first}] has rows of {width}: "
                "every token's row must hold the same K classes"
            )
        if not _is_sequence(sentence_labels):
            raise TypeError(
                f"labels[{i}] is {sentence_labels!r}, not a list of one label per token: give labels as a list of "
                "N lists, or give the flat form (labels and pred_probs of all tokens, and sentence_lengths)"
            )
        lengths[i] = probs.shape[0] if probs.size else 0
        if len(sentence_labels) != lengths[i]:
            raise ValueError(
                f"sentence {i} has {len(sentence_labels)} labels but {lengths[i]} rows of pred_probs: "
                f"labels[{i}] and pred_probs[{i}] need one entry per token"
            )
    if width is None:
        raise ValueError(f"labels and pred_probs hold {len(lengths)} sentences but no tokens: give at least one token")
    return lengths, width


def check_flat_tokens(labels: Any, shape: tuple[int, ...], sentence_lengths: Any) -> np.ndarray:
    """Check the flat form's ``sentence_lengths`` against the T tokens of pred_probs.

    Parameters
    ----------
    labels : array-like
        Labels of all T tokens (their values and count are checked where
        they are opened); refused if a list of per-sentence lists.
    shape : tuple of int
        The shape of pred_probs, (T, K).
    sentence_lengths : array-like of int, shape (N,)

    Returns
    -------
    ndarray of int64, shape (N,)

    Raises
    ------
    ValueError
        If ``sentence_lengths`` is missing, not 1-D, negative somewhere, or
        does not sum to T; if labels are per sentence; if pred_probs is not 2-D.
    TypeError
        If ``sentence_lengths`` are not integers.

    Examples
    --------
    >>> check_flat_tokens(np.array([0, 1, 1]), (3, 2), [2, 1])
    array([2, 1])
    >>> check_flat_tokens(np.array([0, 1, 1]), (3, 2), [2, 2])
    Traceback (most recent call last):
    ...
    ValueError: sentence_lengths sum to 4 but pred_probs has 3 rows (tokens): give one token count per sentence, ...
    """
    if len(shape) != 2:
        raise ValueError(
            f"pred_probs must be a list of per-sentence arrays (T_i, K) or one (T, K) array of all tokens; "
            f"got shape {tuple(shape)}"
        )
    num_tokens = shape[0]
    if sentence_lengths is None:
        raise ValueError(
            "pred_probs is one (T, K) array of all tokens, so sentence_lengths must say how many tokens each "
            "sentence has: give sentence_lengths=[T_1, ..., T_N] (summing to T), or pred_probs as a list of "
            "per-sentence arrays"
        )
    if isinstance(labels, (list, tuple)) and len(labels) and _is_sequence(labels[0]):
        raise ValueError(
            "labels is a list of per-sentence lists but pred_probs is one array of all tokens: give labels as one "
            "array of the T tokens' labels too (or pred_probs as a list of per-sentence arrays)"
        )
    lengths = np.asarray(sentence_lengths)
    if lengths.ndim != 1 or lengths.size == 0:
        raise ValueError(
            f"sentence_lengths must be a 1-D list of N >= 1 token counts, one per sentence; got shape {lengths.shape}"
        )
    if lengths.dtype.kind not in "iu":
        raise TypeError(f"sentence_lengths must be integers (token counts); got dtype {lengths.dtype}")
    negative = np.flatnonzero(lengths < 0)
    if negative.size:
        raise ValueError(f"sentence_lengths[{negative[0]}] is {lengths[negative[0]]}; a sentence has 0 or more tokens")
    total = int(lengths.sum())
    if total != num_tokens:
        raise ValueError(
            f"sentence_lengths sum to {total} but pred_probs has {num_tokens} rows (tokens): give one token count "
            "per sentence, summing to the number of tokens"
        )
    return lengths.astype(np.int64)


def check_token_ranking(return_indices_ranked_by: Any) -> None:
    """Check the score token issues are ranked by; unlike cleanlab.filter's,
    it cannot be None (cleanlab 2.9 then fails with a TypeError).

    Examples
    --------
    >>> check_token_ranking("normalized_margin")
    >>> check_token_ranking(None)
    Traceback (most recent call last):
    ...
    TypeError: return_indices_ranked_by must be one of self_confidence, ... token issues are always ranked; got None
    """
    if return_indices_ranked_by is None:
        raise TypeError(
            f"return_indices_ranked_by must be one of {', '.join(SCORE_METHODS)}: token issues are always ranked; "
            "got None"
        )
    check_choice(return_indices_ranked_by, SCORE_METHODS, "return_indices_ranked_by", kind="scoring method")


def warn_of_unused_with_low_memory(kwargs: Mapping[str, Any]) -> None:
    """Warn, at the user's call, of each keyword argument ``low_memory=True``
    does not use (all of them, as cleanlab warns).

    Examples
    --------
    >>> warn_of_unused_with_low_memory({})
    """
    for name in kwargs:
        warn_caller(f"`{name}` is not used when `low_memory=True`.")


def check_sentence_score_method(method: Any) -> None:
    """Check ``sentence_score_method`` (cleanlab refuses others with an assert).

    Examples
    --------
    >>> check_sentence_score_method("softmin")
    >>> check_sentence_score_method("max")
    Traceback (most recent call last):
    ...
    dlq._validation.checks.RefusedValue: sentence_score_method must be one of min, softmin; got 'max'
    """
    check_choice(method, SENTENCE_SCORE_METHODS, "sentence_score_method", error=RefusedValue)


def check_sentence_score_kwargs(kwargs: Any) -> Any:
    """Check ``sentence_score_kwargs`` and return the softmin's temperature.

    Parameters
    ----------
    kwargs : dict
        At most ``temperature``: a number >= 0 (0 gives the minimum and
        infinity the mean); 0.05 by default.

    Returns
    -------
    number
        The temperature, of the type given (numpy promotes a Python float
        and an ``np.float64`` differently).

    Raises
    ------
    TypeError
        If ``kwargs`` is not a dict or the temperature not a number.
    ValueError
        For an unknown key, or a negative or NaN temperature.

    Examples
    --------
    >>> check_sentence_score_kwargs({})
    0.05
    >>> check_sentence_score_kwargs({"temperature": -1})
    Traceback (most recent call last):
    ...
    ValueError: sentence_score_kwargs' temperature must be a number >= 0 (0 gives the minimum); got -1
    """
    if not isinstance(kwargs, Mapping):
        raise TypeError(f"sentence_score_kwargs must be a dict such as {{'temperature': 0.05}}; got {type(kwargs)}")
    unknown = sorted(set(kwargs) - set(SENTENCE_SCORE_KWARGS), key=str)
    if unknown:
        raise ValueError(
            f"sentence_score_kwargs got unsupported keys {unknown}; supported: {sorted(SENTENCE_SCORE_KWARGS)}"
        )
    temperature = kwargs.get("temperature", SENTENCE_SCORE_KWARGS["temperature"])
    if not _is_number(temperature):
        raise TypeError(f"sentence_score_kwargs' temperature must be a number; got {temperature!r}")
    if math.isnan(temperature) or temperature < 0:
        raise ValueError(
            f"sentence_score_kwargs' temperature must be a number >= 0 (0 gives the minimum); got {temperature!r}"
        )
    return temperature


def check_no_empty_sentence(lengths: np.ndarray) -> None:
    """Refuse empty sentences where each sentence is scored.

    Examples
    --------
    >>> check_no_empty_sentence(np.array([2, 0, 1]))
    Traceback (most recent call last):
    ...
    ValueError: sentence 1 has no tokens, and a sentence's score needs at least one token's: drop empty sentences
    """
    empty = np.flatnonzero(lengths == 0)
    if empty.size:
        raise ValueError(
            f"sentence {empty[0]} has no tokens, and a sentence's score needs at least one token's: drop empty "
            "sentences"
        )


def check_tokens(tokens: Any, lengths: np.ndarray) -> None:
    """Check that ``tokens`` holds one string per token of each sentence.

    Examples
    --------
    >>> check_tokens([["A", "b"], ["c"]], np.array([2, 1]))
    >>> check_tokens([["A", "b"], ["c"]], np.array([2, 2]))
    Traceback (most recent call last):
    ...
    ValueError: tokens[1] has 1 tokens but sentence 1 has 2 labels: give one token string per label
    """
    if not _is_sequence(tokens):
        raise TypeError(f"tokens must be a list of N lists of strings, one per sentence; got {type(tokens)}")
    if len(tokens) != len(lengths):
        raise ValueError(
            f"tokens has {len(tokens)} sentences but labels and pred_probs have {len(lengths)}: "
            "give one list of token strings per sentence"
        )
    for i, (words, length) in enumerate(zip(tokens, lengths, strict=True)):
        if not _is_sequence(words) or len(words) != length:
            found = f"{len(words)} tokens" if _is_sequence(words) else f"{words!r}, not a list of strings"
            raise ValueError(f"tokens[{i}] has {found} but sentence {i} has {length} labels: give one token string "
                             "per label")  # fmt: skip


def check_threshold(threshold: Any) -> None:
    """Check the score threshold of ``issues_from_scores``.

    Examples
    --------
    >>> check_threshold(0.1)
    >>> check_threshold("0.1")
    Traceback (most recent call last):
    ...
    TypeError: threshold must be a number (issues are the scores below it); got '0.1'
    """
    if not _is_number(threshold):
        raise TypeError(f"threshold must be a number (issues are the scores below it); got {threshold!r}")


def check_issues(issues: Any, tokens: Any, *, pairs: bool = True) -> None:
    """Check that each issue names a token of ``tokens``: a pair ``(i, j)``
    (token j of sentence i), or with ``pairs=False`` a sentence index i.

    Examples
    --------
    >>> check_issues([(1, 0), (0, 1)], [["A", "b"], ["c"]])
    >>> check_issues([(1, 1)], [["A", "b"], ["c"]])
    Traceback (most recent call last):
    ...
    ValueError: issues[0] is (1, 1), but tokens has no such token: give issues of these tokens' sentences
    """
    if not _is_sequence(issues):
        raise TypeError(f"issues must be a list of (sentence, token) tuples; got {type(issues)}")
    if not _is_sequence(tokens):
        raise TypeError(f"tokens must be a list of N lists of strings, one per sentence; got {type(tokens)}")
    for k, issue in enumerate(issues):
        try:
            if pairs:
                i, j = issue
                tokens[i][j]
            else:
                tokens[issue]
        except (IndexError, TypeError, ValueError) as error:
            what = "token" if pairs else "sentence"
            raise ValueError(
                f"issues[{k}] is {issue!r}, but tokens has no such {what}: give issues of these tokens' sentences"
            ) from error
