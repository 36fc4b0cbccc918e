"""dlq's own lazy scan of token classification data, ``dlq.token_classification.scan``:
the token scan of :func:`dlq.scan` over the tokens of all sentences, with
each sentence's score and issue count, computed together or written by the
workers to zarr."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from operator import itemgetter
from typing import Any

import dask.array as da
import numpy as np

from dlq._validation import check_choice
from dlq._validation.constants import SCORE_METHODS
from dlq._validation.tokens import NO_KWARGS, check_sentence_score_kwargs, check_sentence_score_method
from dlq.graphs import sentences
from dlq.graphs.blocks import step
from dlq.graphs.inprocess import lazily
from dlq.graphs.order import lowest_first
from dlq.graphs.rows import values_at
from dlq.graphs.scheduler import compute
from dlq.io import arrays, zarr_outputs
from dlq.multiclass import scan as token_scan
from dlq.result import Scan, ScanResult
from dlq.token_classification._inputs import sentence_tokens

__all__ = ["SentenceScan", "SentenceScanResult", "scan"]


@dataclasses.dataclass(frozen=True)
class SentenceScanResult:
    """What a sentence scan found: the token issues, and per sentence.

    Attributes
    ----------
    tokens : ScanResult
        The token scan's result: ``tokens.issues`` are flat token indices,
        lowest score first, with the search's estimate and thresholds.
    issue_sentences, issue_tokens : ndarray of int64
        The sentence of each of ``tokens.issues`` and its position there.
    sentence_scores : array, shape (N,)
        Each sentence's score (lower: its labels more likely wrong): a
        numpy array from :meth:`SentenceScan.compute`, the zarr array
        written by :meth:`SentenceScan.to_zarr`.
    issues_per_sentence : array of int64, shape (N,)
        How many of each sentence's tokens are flagged (numpy or zarr, likewise).
    """

    tokens: ScanResult
    issue_sentences: np.ndarray
    issue_tokens: np.ndarray
    sentence_scores: Any
    issues_per_sentence: Any

    @property
    def issues(self) -> list[tuple[int, int]]:
        """The token issues as ``(sentence, token)`` pairs, lowest score first.

        Examples
        --------
        >>> import numpy as np, dlq
        >>> pred_probs = [np.array([[0.9, 0.1], [0.7, 0.3], [0.05, 0.95]]), np.array([[0.8, 0.2], [0.8, 0.2]])]
        >>> dlq.token_classification.scan([[0, 0, 1], [0, 1]], pred_probs).compute().issues
        [(1, 1)]
        """
        return list(zip(self.issue_sentences.tolist(), self.issue_tokens.tolist(), strict=True))

    def worst_sentences(self, count: int = 10) -> np.ndarray:
        """The ``count`` sentences of lowest score, lowest first (ties by index),
        found without holding all scores when they were written to zarr.

        Examples
        --------
        >>> import numpy as np, dlq
        >>> pred_probs = [np.array([[0.9, 0.1], [0.7, 0.3], [0.05, 0.95]]), np.array([[0.8, 0.2], [0.8, 0.2]])]
        >>> dlq.token_classification.scan([[0, 0, 1], [0, 1]], pred_probs).compute().worst_sentences(1).tolist()
        [1]
        """
        scores = self.sentence_scores
        if not isinstance(scores, np.ndarray):
            scores = arrays.open_array(scores, name="sentence_scores")
        (found,) = compute(lowest_first(scores, count))
        return np.asarray(found)


@dataclasses.dataclass(frozen=True)
class SentenceScan:
    """A lazy scan of token classification data (see :func:`scan`).

    Attributes
    ----------
    tokens : Scan
        The scan of all tokens as one multi-class data set (its ``scores``
        and ``mask`` are dask arrays of shape (T,), chunked by whole sentences).
    sentence_lengths : dask array of int64, shape (N,)
        Chunked as the sentences of the tokens' chunks.
    sentence_score_method : str
        ``"min"`` or ``"softmin"``.
    temperature : float
        The softmin's.
    sentence_scores : dask array of float, shape (N,)
        (A property.) Each sentence's score from its tokens'.
    issues_per_sentence : dask array of int64, shape (N,)
        (A property.) How many of each sentence's tokens are flagged.
    """

    tokens: Scan
    sentence_lengths: da.Array
    sentence_score_method: str
    temperature: Any

    @property
    def sentence_scores(self) -> da.Array:
        return sentences.sentence_scores(
            self.tokens.scores, self.sentence_lengths, self.sentence_score_method, self.temperature
        )

    @property
    def issues_per_sentence(self) -> da.Array:
        return sentences.issues_per_sentence(self.tokens.mask, self.sentence_lengths)

    def over(self, tokens: Scan) -> SentenceScan:
        """The same sentences over another scan of the same tokens: the one
        :meth:`dlq.result.Scan.to_zarr` writes, which fills its store as it
        goes (built from it, the sentence results take no second pass).

        Examples
        --------
        >>> import numpy as np, dlq
        >>> lazy = dlq.token_classification.scan([0, 1, 1], np.eye(3, 2), sentence_lengths=[1, 2])
        >>> lazy.over(lazy.tokens).sentence_scores.shape
        (2,)
        """
        return dataclasses.replace(self, tokens=tokens)

    def _positions(self) -> Any:
        return sentences.issue_positions(self.tokens.mask, self.sentence_lengths)

    def _issue_columns(self, words: Any) -> Any:
        """The issue table's sentence, token (and word) columns, a ``Delayed``."""
        positions = self._positions()
        if words is None:
            return step(sentences.position_columns, positions)
        opened = arrays.open_array(words, name="words", chunk_rows=self.tokens.scores.chunks[0])
        return step(sentences.position_columns, positions, values_at(opened, step(itemgetter(0), positions)))

    def compute(self, *, n_jobs: int | None = None, progress: bool = False) -> SentenceScanResult:
        """Run the scan: the token issues and the per-sentence results in memory.

        Examples
        --------
        >>> import numpy as np, dlq
        >>> pred_probs = [np.array([[0.9, 0.1], [0.7, 0.3], [0.05, 0.95]]), np.array([[0.8, 0.2], [0.8, 0.2]])]
        >>> found = dlq.token_classification.scan([[0, 0, 1], [0, 1]], pred_probs).compute()
        >>> found.sentence_scores.tolist(), found.issues_per_sentence.tolist()
        ([0.7, 0.2], [0, 1])
        """
        found = compute(
            self.tokens, self._positions(), self.sentence_scores, self.issues_per_sentence,
            n_jobs=n_jobs, progress=progress,
        )  # fmt: skip
        return _result(*found)

    def to_zarr(
        self,
        store: Any,
        *,
        n_jobs: int | None = None,
        progress: bool = False,
        overwrite: bool = False,
        words: Any = None,
        **options: Any,
    ) -> SentenceScanResult:
        """Write the token arrays (``scores``, ``is_label_issue``) and the
        sentence arrays (``sentence_scores``, ``issues_per_sentence``) to a
        zarr group, each chunk written by the worker that computed it; the
        token issues come back in memory, the sentence arrays as written.

        Parameters
        ----------
        store, overwrite
            As for :meth:`dlq.result.Scan.to_zarr`.
        words : array-like of str, shape (T,), optional
            The text of every token (any input kind :func:`dlq.scan` reads):
            the issue table gets column ``word``, each chunk giving its issues'.
        **options
            Further options of :meth:`dlq.result.Scan.to_zarr` (``issues_to``,
            ``class_names``, ``ids``, ``report``, ``extra``); the issue table
            gets columns ``sentence`` and ``token`` (the position in it).

        Examples
        --------
        >>> import numpy as np, tempfile, dlq
        >>> pred_probs = [np.array([[0.9, 0.1], [0.7, 0.3], [0.05, 0.95]]), np.array([[0.8, 0.2], [0.8, 0.2]])]
        >>> lazy = dlq.token_classification.scan([[0, 0, 1], [0, 1]], pred_probs)
        >>> found = lazy.to_zarr(tempfile.mkdtemp() + "/s.zarr")
        >>> found.issues, found.sentence_scores[:].tolist()
        ([(1, 1)], [0.7, 0.2])
        """
        # built from the writing scan, so that its store-filling pass serves them too
        extra = {
            **options.pop("extra", {}),
            "issue_positions": lambda written: self.over(written)._positions(),
            "sentence_scores": lambda written: zarr_outputs.OwnRows(self.over(written).sentence_scores),
            "issues_per_sentence": lambda written: zarr_outputs.OwnRows(self.over(written).issues_per_sentence),
        }
        found = self.tokens.to_zarr(
            store,
            n_jobs=n_jobs,
            progress=progress,
            overwrite=overwrite,
            extra=extra,
            issue_columns=lambda written: self.over(written)._issue_columns(words),
            **options,
        )
        group = zarr_outputs.written_group(store)
        positions = found.extra.pop("issue_positions")
        return _result(found, positions, group["sentence_scores"], group["issues_per_sentence"])


@lazily
def scan(
    labels: Any,
    pred_probs: Any,
    *,
    sentence_lengths: Any = None,
    token_score_method: str = "self_confidence",
    sentence_score_method: str = "min",
    sentence_score_kwargs: Mapping[str, Any] = NO_KWARGS,
    filter_by: str | None = None,
    chunk_tokens: int | None = None,
    **search: Any,
) -> SentenceScan:
    """Build a lazy scan of token classification data: the token issues
    and scores of :func:`dlq.scan` over all tokens, and each sentence's
    score as :func:`dlq.token_classification.rank.get_label_quality_scores`
    gives it, from the tokens chunked by whole sentences.

    Parameters
    ----------
    labels, pred_probs, sentence_lengths
        As for :func:`dlq.token_classification.filter.find_label_issues`:
        cleanlab's per-sentence lists, or the flat form (any input kind
        :func:`dlq.scan` reads, the lengths too).
    token_score_method, sentence_score_method, sentence_score_kwargs
        As for :func:`dlq.token_classification.rank.get_label_quality_scores`.
    filter_by : str, optional
        Search the tokens as :func:`dlq.filter.find_label_issues` does with
        this filter (cleanlab's token search uses ``"prune_by_noise_rate"``)
        instead of the batched search.
    chunk_tokens : int, optional
        About how many tokens per chunk (by default as :func:`dlq.scan`
        chunks pred_probs); chunks end where sentences end.
    **search
        Further options of :func:`dlq.scan` for the token scan
        (``adjust_pred_probs``, ``estimation_method``, ``frac_noise``,
        ``min_examples_per_class``).

    Returns
    -------
    SentenceScan

    Examples
    --------
    >>> import numpy as np, dlq
    >>> labels, pred_probs = [0, 0, 1, 0, 1], np.array([[.9, .1], [.7, .3], [.05, .95], [.8, .2], [.8, .2]])
    >>> found = dlq.token_classification.scan(labels, pred_probs, sentence_lengths=[3, 2])
    >>> found.sentence_scores.shape, found.compute().issues
    ((2,), [(1, 1)])
    """
    check_choice(token_score_method, SCORE_METHODS, "token_score_method", kind="scoring method")
    check_sentence_score_method(sentence_score_method)
    temperature = check_sentence_score_kwargs(sentence_score_kwargs)
    found = sentence_tokens(labels, pred_probs, sentence_lengths, chunk_tokens)
    tokens = token_scan(
        found.labels,
        found.pred_probs,
        method=token_score_method,
        chunk_rows=found.token_rows,
        filter_by=filter_by,
        **search,
    )
    return SentenceScan(tokens, found.lengths, sentence_score_method, temperature)


def _result(tokens: ScanResult, positions: Any, sentence_scores: Any, issues_per_sentence: Any) -> SentenceScanResult:
    """The result, the issues' positions put in the issues' ranked order."""
    issue_sentences, issue_tokens = sentences.ranked_positions(tokens.issues, *positions)
    return SentenceScanResult(tokens, issue_sentences, issue_tokens, sentence_scores, issues_per_sentence)
