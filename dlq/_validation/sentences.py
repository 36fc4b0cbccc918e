"""Checks of token classification's two forms of input (:mod:`dlq.token_classification`).

Sentences come in cleanlab's form, ``labels[i]`` and ``pred_probs[i]`` one
entry per token of sentence i, or flat: one (T, K) pred_probs of all tokens,
one (T,) labels and ``sentence_lengths``, N counts summing to T.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from dlq.kernels.tokens import first_negative


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


def is_sequence(value: Any) -> bool:
    """Whether ``value`` is a sequence of items, not a string."""
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
    if not is_sequence(labels):
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
        if not is_sequence(sentence_labels):
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


def check_flat_form(labels: Any, shape: tuple[int, ...], sentence_lengths: Any) -> None:
    """Check the flat form, nothing read: pred_probs (T, K), labels of all
    tokens (not per sentence; their values and count are checked where
    they are opened) and ``sentence_lengths`` given.

    Examples
    --------
    >>> check_flat_form(np.array([0, 1, 1]), (3, 2), [2, 1])
    >>> check_flat_form(np.array([0, 1, 1]), (3, 2), None)
    Traceback (most recent call last):
    ...
    ValueError: pred_probs is one (T, K) array of all tokens, so sentence_lengths must say how many tokens each ...
    """
    if len(shape) != 2:
        raise ValueError(
            f"pred_probs must be a list of per-sentence arrays (T_i, K) or one (T, K) array of all tokens; "
            f"got shape {tuple(shape)}"
        )
    if sentence_lengths is None:
        raise ValueError(
            "pred_probs is one (T, K) array of all tokens, so sentence_lengths must say how many tokens each "
            "sentence has: give sentence_lengths=[T_1, ..., T_N] (summing to T), or pred_probs as a list of "
            "per-sentence arrays"
        )
    if isinstance(labels, (list, tuple)) and len(labels) and is_sequence(labels[0]):
        raise ValueError(
            "labels is a list of per-sentence lists but pred_probs is one array of all tokens: give labels as one "
            "array of the T tokens' labels too (or pred_probs as a list of per-sentence arrays)"
        )


def check_flat_tokens(labels: Any, shape: tuple[int, ...], sentence_lengths: Any) -> np.ndarray:
    """Check the flat form (:func:`check_flat_form`) and its ``sentence_lengths``
    in memory (:func:`check_length_form`, :func:`check_length_values`).

    Returns
    -------
    ndarray of int64, shape (N,)

    Examples
    --------
    >>> check_flat_tokens(np.array([0, 1, 1]), (3, 2), [2, 1])
    array([2, 1])
    >>> check_flat_tokens(np.array([0, 1, 1]), (3, 2), [2, 2])
    Traceback (most recent call last):
    ...
    ValueError: sentence_lengths sum to 4 but pred_probs has 3 rows (tokens): give one token count per sentence, ...
    """
    check_flat_form(labels, shape, sentence_lengths)
    lengths = np.asarray(sentence_lengths)
    check_length_form(lengths.shape, lengths.dtype)
    check_length_values(first_negative(lengths), int(lengths.sum()), shape[0])
    return lengths.astype(np.int64)


def check_length_form(shape: tuple[int, ...], dtype: Any) -> None:
    """Check that sentence lengths are N >= 1 integers, one per sentence.

    Examples
    --------
    >>> check_length_form((2,), np.dtype(np.int32))
    >>> check_length_form((2,), np.dtype(float))
    Traceback (most recent call last):
    ...
    TypeError: sentence_lengths must be integers (token counts); got dtype float64
    """
    if len(shape) != 1 or shape[0] == 0:
        raise ValueError(
            f"sentence_lengths must be a 1-D list of N >= 1 token counts, one per sentence; got shape {tuple(shape)}"
        )
    if np.dtype(dtype).kind not in "iu":
        raise TypeError(f"sentence_lengths must be integers (token counts); got dtype {dtype}")


def check_length_values(first_negative: tuple[int, int] | None, total: int, num_tokens: int) -> None:
    """Check that no sentence length is negative (``first_negative``: the
    position and value of the first that is) and that they sum to the T tokens.

    Examples
    --------
    >>> check_length_values(None, 3, 3)
    >>> check_length_values((4, -1), 3, 3)
    Traceback (most recent call last):
    ...
    ValueError: sentence_lengths[4] is -1; a sentence has 0 or more tokens
    """
    if first_negative is not None:
        position, value = first_negative
        raise ValueError(f"sentence_lengths[{position}] is {value}; a sentence has 0 or more tokens")
    if total != num_tokens:
        raise ValueError(
            f"sentence_lengths sum to {total} but pred_probs has {num_tokens} rows (tokens): give one token count "
            "per sentence, summing to the number of tokens"
        )
