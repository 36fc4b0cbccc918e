"""Token classification's two forms of input, told apart and made flat."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import dask.array as da

from dlq._validation.sentences import (
    check_flat_form,
    check_flat_tokens,
    check_length_form,
    check_length_values,
    check_sentences,
    per_sentence,
)
from dlq.graphs import sentences, token_tables
from dlq.io import arrays


def flat_tokens(labels: Any, pred_probs: Any, sentence_lengths: Any) -> tuple[Any, Any, Any]:
    """labels (T,), pred_probs (T, K) and the N sentence lengths, from
    cleanlab's per-sentence lists (flattened in memory) or from the flat
    form (labels and pred_probs kept as given: a dask array, a path, ...
    is read where it is used; the lengths read whole).

    Examples
    --------
    >>> import numpy as np
    >>> labels, pred_probs, lengths = flat_tokens([[0], [1, 1]], [np.array([[0.9, 0.1]]), np.eye(2)], None)
    >>> labels.tolist(), pred_probs.shape, lengths.tolist()
    ([0, 1, 1], (3, 2), [1, 2])
    """
    if per_sentence(pred_probs):
        lengths, width = check_sentences(labels, pred_probs, sentence_lengths)
        return (*token_tables.flattened(labels, pred_probs, width), lengths)
    shape = arrays.array_like(pred_probs, name="pred_probs").shape
    if sentence_lengths is not None:
        sentence_lengths = arrays.array_like(sentence_lengths, name="sentence_lengths")[:]
    return labels, pred_probs, check_flat_tokens(labels, shape, sentence_lengths)


@dataclass(frozen=True)
class SentenceTokens:
    """Flat tokens in row chunks cut where sentences end, nothing read.

    Attributes
    ----------
    labels, pred_probs
        The tokens' inputs as opened (sources of their rows), T rows each.
    token_rows : tuple of int
        The token row chunks, each whole sentences.
    lengths : dask array of int64, shape (N,)
        The sentence lengths, in the chunks that go with ``token_rows``.
    """

    labels: Any
    pred_probs: Any
    token_rows: tuple[int, ...]
    lengths: da.Array


def sentence_tokens(labels: Any, pred_probs: Any, sentence_lengths: Any, chunk_tokens: int | None) -> SentenceTokens:
    """Either form of input as tokens chunked by whole sentences of about
    ``chunk_tokens`` tokens (by default, as :func:`dlq.scan` chunks pred_probs),
    the lengths checked in two small reads of them.

    Examples
    --------
    >>> import numpy as np
    >>> found = sentence_tokens([0, 1, 1, 0], np.eye(4, 2), [1, 2, 1], 2)
    >>> found.token_rows, found.lengths.chunks
    ((1, 3), ((1, 2),))
    """
    if per_sentence(pred_probs):
        labels, pred_probs, sentence_lengths = flat_tokens(labels, pred_probs, sentence_lengths)
    source = arrays.array_like(pred_probs, name="pred_probs")
    check_flat_form(labels, source.shape, sentence_lengths)
    wanted = arrays.open_array(source, name="pred_probs", chunk_rows=chunk_tokens).chunks[0]
    lengths = arrays.open_array(sentence_lengths, name="sentence_lengths")
    check_length_form(lengths.shape, lengths.dtype)
    tokens_per_chunk, first_negative = sentences.length_facts(lengths)
    check_length_values(first_negative, int(tokens_per_chunk.sum()), source.shape[0])
    token_rows, sentence_rows = sentences.sentence_chunks(lengths, tokens_per_chunk, wanted)
    lengths = arrays.open_array(sentence_lengths, name="sentence_lengths", chunk_rows=sentence_rows)
    return SentenceTokens(labels, source, token_rows, lengths.astype("int64"))
