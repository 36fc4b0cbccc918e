"""Checks of token classification's options, scores and summaries
(:mod:`dlq.token_classification`); its inputs' in :mod:`dlq._validation.sentences`."""

from __future__ import annotations

import math
from collections.abc import Mapping
from types import MappingProxyType
from typing import Any

import numpy as np

from dlq._validation.checks import RefusedValue, _is_number, check_choice
from dlq._validation.constants import SCORE_METHODS
from dlq._validation.sentences import is_sequence
from dlq.graphs.caller import warn_caller

#: cleanlab's default ``sentence_score_kwargs`` (``{}``), read-only.
NO_KWARGS: Mapping[str, Any] = MappingProxyType({})
#: The ways of scoring a sentence from its tokens' scores.
SENTENCE_SCORE_METHODS = ("min", "softmin")
#: The keys of ``sentence_score_kwargs`` and their defaults.
SENTENCE_SCORE_KWARGS: Mapping[str, Any] = MappingProxyType({"temperature": 0.05})


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
    if not is_sequence(tokens):
        raise TypeError(f"tokens must be a list of N lists of strings, one per sentence; got {type(tokens)}")
    if len(tokens) != len(lengths):
        raise ValueError(
            f"tokens has {len(tokens)} sentences but labels and pred_probs have {len(lengths)}: "
            "give one list of token strings per sentence"
        )
    for i, (words, length) in enumerate(zip(tokens, lengths, strict=True)):
        if not is_sequence(words) or len(words) != length:
            found = f"{len(words)} tokens" if is_sequence(words) else f"{words!r}, not a list of strings"
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
    if not is_sequence(issues):
        raise TypeError(f"issues must be a list of (sentence, token) tuples; got {type(issues)}")
    if not is_sequence(tokens):
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
