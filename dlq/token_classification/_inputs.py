"""Token classification's two forms of input, told apart and made flat."""

from __future__ import annotations

from typing import Any

from dlq._validation.tokens import check_flat_tokens, check_sentences, per_sentence
from dlq.graphs import token_tables
from dlq.io import arrays


def flat_tokens(labels: Any, pred_probs: Any, sentence_lengths: Any) -> tuple[Any, Any, Any]:
    """labels (T,), pred_probs (T, K) and the N sentence lengths, from
    cleanlab's per-sentence lists (flattened in memory) or from the flat
    form (kept as given: a dask array, a path, ... is read where it is used).

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
    return labels, pred_probs, check_flat_tokens(labels, shape, sentence_lengths)
