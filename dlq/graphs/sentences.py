"""Sentences over chunked tokens: the tokens of all sentences in row chunks
cut only where a sentence ends, so that each sentence's tokens lie in one
chunk, and the per-sentence results computed in the chunk that holds them.

The cut is found from the sentence lengths alone, in two small reads of
them (their sums per chunk, then the boundaries near each wanted cut): no
process holds all N lengths, and the work grows with N, not with the
number of chunks times N.
"""

from __future__ import annotations

import itertools
from typing import Any

import dask
import dask.array as da
import numpy as np

from dlq.graphs.blocks import tree
from dlq.graphs.scheduler import compute
from dlq.kernels import tokens as kernel


def length_facts(lengths: da.Array) -> tuple[np.ndarray, tuple[int, int] | None]:
    """The tokens of each chunk of sentence ``lengths`` (computed now), and
    the position and value of the first negative length, if any.

    Examples
    --------
    >>> sums, negative = length_facts(da.from_array(np.array([3, 0, 4, -2]), chunks=2))
    >>> sums.tolist(), negative
    ([3, 2], (3, -2))
    """
    facts = [dask.delayed(_chunk_facts)(block) for block in lengths.to_delayed().ravel()]
    (computed,) = compute(facts)
    starts = np.cumsum((0, *lengths.chunks[0]))
    negatives = [(starts[c] + found[0], found[1]) for c, (_, found) in enumerate(computed) if found is not None]
    sums = np.array([total for total, _ in computed], dtype=np.int64)
    return sums, (int(negatives[0][0]), negatives[0][1]) if negatives else None


def _chunk_facts(lengths: np.ndarray) -> tuple[int, tuple[int, int] | None]:
    return int(lengths.sum(dtype=np.int64)), kernel.first_negative(lengths)


def sentence_chunks(
    lengths: da.Array, tokens_per_chunk: np.ndarray, token_rows: tuple[int, ...]
) -> tuple[tuple[int, ...], tuple[int, ...]]:
    """Token row chunks cut at sentence ends, each at or before a cut of
    ``token_rows``, and the sentence chunks that go with them.

    Parameters
    ----------
    lengths : dask array of int, shape (N,)
        Each sentence's token count (none negative).
    tokens_per_chunk : ndarray of int
        The tokens of each of ``lengths``' chunks (:func:`length_facts`).
    token_rows : tuple of int
        The wanted token row chunks, summing to T.

    Returns
    -------
    token_rows, sentence_rows : tuple of int
        As many chunks each (fewer than ``token_rows`` where a sentence
        spans a cut), none of them empty of tokens: sentence chunk j holds
        the sentences whose tokens are token chunk j (empty sentences go
        with the tokens before them, or the first chunk's).

    Examples
    --------
    >>> lengths = da.from_array(np.array([3, 0, 4, 2, 5]), chunks=2)
    >>> sentence_chunks(lengths, np.array([3, 6, 5]), (5, 5, 4))
    ((3, 6, 5), (2, 2, 1))
    """
    token_ends = np.cumsum(tokens_per_chunk)
    token_starts = token_ends - tokens_per_chunk
    sentence_starts = np.cumsum((0, *lengths.chunks[0]))
    wanted = np.cumsum(token_rows)[:-1]
    owner = np.searchsorted(token_ends, wanted, side="right")  # the chunk of lengths holding each wanted cut
    found = []
    for chunk, block in enumerate(lengths.to_delayed().ravel()):
        targets = wanted[owner == chunk]
        if targets.size:
            found.append((chunk, dask.delayed(kernel.sentence_boundaries)(block, token_starts[chunk], targets)))
    (boundaries,) = compute([boundary for _, boundary in found])
    cuts = [(0, 0)]
    for (chunk, _), (token_cuts, sentences) in zip(found, boundaries, strict=True):
        cuts.extend(zip(token_cuts.tolist(), (sentence_starts[chunk] + sentences).tolist(), strict=True))
    cuts.append((int(token_ends[-1]), int(sentence_starts[-1])))
    # a cut where the last stood (a sentence spans both) is dropped: its chunk joins the next
    kept = [cut for previous, cut in itertools.pairwise(cuts) if cut[0] > previous[0]]
    cut_tokens, cut_sentences = np.array([(0, 0), *kept]).T
    return tuple(np.diff(cut_tokens).tolist()), tuple(np.diff(cut_sentences).tolist())


def _per_sentence(function: Any, per_token: da.Array, lengths: da.Array, *args: Any, dtype: Any) -> da.Array:
    """``function(token chunk, lengths chunk, *args)`` of each pair of chunks, one value per sentence."""
    constants = [item for arg in args for item in (arg, None)]
    return da.blockwise(
        function, "i", per_token, "i", lengths, "i", *constants,
        align_arrays=False, adjust_chunks={"i": lengths.chunks[0]}, dtype=dtype,
    )  # fmt: skip


def sentence_scores(token_scores: Any, lengths: Any, method: str, temperature: Any) -> Any:
    """Each sentence's score from its tokens' (chunks of both cut alike, as
    :func:`sentence_chunks` cuts them): their minimum or their softmin, NaN
    for an empty sentence; numpy arrays in, a numpy array out.

    Examples
    --------
    >>> scores = da.from_array(np.array([0.9, 0.7, 0.95, 0.8, 0.2]), chunks=((3, 2),))
    >>> sentence_scores(scores, da.from_array(np.array([3, 2]), chunks=1), "min", 0.05).compute().tolist()
    [0.7, 0.2]
    """
    if not isinstance(token_scores, da.Array):
        return kernel.sentence_scores(token_scores, lengths, method, temperature)
    sample = np.ones(1, dtype=token_scores.dtype)
    dtype = kernel.sentence_scores(sample, np.ones(1, dtype=np.int64), method, temperature).dtype
    return _per_sentence(kernel.sentence_scores, token_scores, lengths, method, temperature, dtype=dtype)


def issues_per_sentence(mask: da.Array, lengths: da.Array) -> da.Array:
    """How many of each sentence's tokens ``mask`` flags.

    Examples
    --------
    >>> mask = da.from_array(np.array([False, True, True, False, False]), chunks=((3, 2),))
    >>> issues_per_sentence(mask, da.from_array(np.array([2, 0, 1, 2]), chunks=((3, 1),))).compute().tolist()
    [1, 0, 1, 0]
    """
    return _per_sentence(kernel.sentence_sums, mask, lengths, dtype=np.int64)


def issue_positions(mask: da.Array, lengths: da.Array) -> Any:
    """The tokens ``mask`` flags, in token order: (a ``Delayed`` of) three
    int64 arrays, their flat indices, sentences and positions in their
    sentences (chunks of both cut alike, as :func:`sentence_chunks` cuts
    them), joined by a tree of tasks.

    Examples
    --------
    >>> mask = da.from_array(np.array([False, True, True, False, True]), chunks=((3, 2),))
    >>> lengths = da.from_array(np.array([2, 1, 2]), chunks=((2, 1),))
    >>> [part.tolist() for part in issue_positions(mask, lengths).compute()]
    [[1, 2, 4], [0, 1, 2], [1, 0, 1]]
    """
    first_tokens = da.from_array(np.cumsum((0, *mask.chunks[0]))[:-1], chunks=1)
    first_sentences = da.from_array(np.cumsum((0, *lengths.chunks[0]))[:-1], chunks=1)
    records = da.blockwise(
        _chunk_positions, "i", mask, "i", lengths, "i", first_tokens, "i", first_sentences, "i",
        align_arrays=False, adjust_chunks={"i": 1}, dtype=object,
    )  # fmt: skip
    return tree(records, _joined_positions)


def _chunk_positions(
    flags: np.ndarray, lengths: np.ndarray, first_token: np.ndarray, first_sentence: np.ndarray
) -> np.ndarray:
    """One record: the chunk's flagged tokens' flat indices, sentences and positions in them."""
    found = np.flatnonzero(flags)
    sentences, tokens = kernel.token_positions(found, lengths)
    record = np.empty(1, dtype=object)
    record[0] = (found + first_token[0], sentences + first_sentence[0], tokens)
    return record


def _joined_positions(parts: list[tuple[np.ndarray, ...]]) -> tuple[np.ndarray, ...]:
    return tuple(np.concatenate([part[k] for part in parts]).astype(np.int64) for k in range(3))


def ranked_positions(
    ranked: np.ndarray, flat: np.ndarray, sentences: np.ndarray, tokens: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """The sentences and positions (of :func:`issue_positions`, in token
    order) of the flat token indices ``ranked``, in their order.

    Examples
    --------
    >>> found = ranked_positions(np.array([4, 1]), np.array([1, 2, 4]), np.array([0, 1, 2]), np.array([1, 0, 1]))
    >>> [part.tolist() for part in found]
    [[2, 0], [1, 1]]
    """
    order = np.searchsorted(flat, ranked)
    return sentences[order], tokens[order]


def position_columns(
    positions: tuple[np.ndarray, np.ndarray, np.ndarray], words: np.ndarray | None = None
) -> tuple[np.ndarray, dict[str, np.ndarray]]:
    """The issue table's columns of :func:`issue_positions`: rows, and each
    row's ``sentence``, ``token`` (its position in the sentence) and, given
    the flagged tokens' ``words`` (in the same order), ``word``.

    Examples
    --------
    >>> rows, columns = position_columns((np.array([1, 4]), np.array([0, 2]), np.array([1, 0])), np.array(["a", "b"]))
    >>> rows.tolist(), columns["sentence"].tolist(), columns["token"].tolist(), columns["word"].tolist()
    ([1, 4], [0, 2], [1, 0], ['a', 'b'])
    """
    flat, sentences, tokens = positions
    columns = {"sentence": sentences, "token": tokens}
    if words is not None:
        columns["word"] = words
    return flat, columns
