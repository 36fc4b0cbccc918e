"""``dlq scan --task token-classification``: LABELS (T) and PRED_PROBS (T, K)
of all tokens, sentence after sentence, with ``--sentence-lengths``. The
tokens are scanned as one classification data set (the classification
outputs, the issue table with each token's sentence and position), and
each sentence is scored: scores.zarr gains ``sentence_scores`` and
``issues_per_sentence``, summary.json the sentence counts, and the report
the worst sentences with their flagged tokens marked."""

from __future__ import annotations

import html
from typing import Any

import dask.array as da
import numpy as np

import dlq
from dlq.graphs.blocks import step
from dlq.graphs.order import lowest_first
from dlq.graphs.scheduler import compute
from dlq.io import arrays
from dlq.io.paths import open_source
from dlq.token_classification import SentenceScan, SentenceScanResult

#: Worst sentences a report shows.
SENTENCES_SHOWN = 20


def sentence_scan(options: dict[str, Any], labels: da.Array, pred_probs: da.Array, search: dict) -> SentenceScan:
    """The lazy scan of the tokens and their sentences, with the options' search."""
    lengths = open_source(options["sentence_lengths"], name="sentence_lengths")
    search = dict(search)
    return dlq.token_classification.scan(
        labels, pred_probs, sentence_lengths=lengths, token_score_method=search.pop("method"), **search
    )


def words(options: dict[str, Any]) -> Any:
    """The text of every token that ``--tokens`` gives, opened, or None."""
    if options.get("tokens") is None:
        return None
    return arrays.array_like(open_source(options["tokens"], name="tokens"), name="tokens")


def sentence_extra(lazy: SentenceScan) -> dict[str, Any]:
    """What the summary and report need of the sentences, computed in the
    scan's run from the scan it writes (see :meth:`SentenceScan.over`)."""
    return {
        "sentences_with_issues": lambda written: step(int, (lazy.over(written).issues_per_sentence > 0).sum()),
        "worst_sentences": lambda written: lowest_first(lazy.over(written).sentence_scores, SENTENCES_SHOWN),
    }


def sentence_facts(options: dict[str, Any], lazy: SentenceScan, written: SentenceScanResult) -> dict[str, Any]:
    """summary.json's facts of the sentences (and their inputs)."""
    return {
        "inputs": {
            **{name: options[name] for name in ("labels", "pred_probs", "sentence_lengths")},
            **({"tokens": options["tokens"]} if options.get("tokens") else {}),
        },
        "task": "token-classification",
        "n_sentences": lazy.sentence_lengths.shape[0],
        "sentences_with_issues": int(written.tokens.extra["sentences_with_issues"]),
    }


def worst_sentences_section(
    lazy: SentenceScan,
    written: SentenceScanResult,
    labels: da.Array,
    pred_probs: da.Array,
    mask: Any,
    words: Any,
    class_names: list[str] | None,
) -> str:
    """The report's section of the worst sentences, each token shown (by its
    word, given ``words``, else its position), flagged ones marked (as the
    written ``mask`` flags them) with their given and predicted classes; a
    few rows of each input read."""
    worst = np.asarray(written.tokens.extra["worst_sentences"])
    if not worst.size:
        return ""
    ends, lengths = compute(da.cumsum(lazy.sentence_lengths)[worst], lazy.sentence_lengths[worst])
    spans = [(int(end - length), int(end)) for end, length in zip(ends, lengths, strict=True)]
    parts = compute(
        *[labels[start:stop] for start, stop in spans],
        *[pred_probs[start:stop].argmax(axis=1) for start, stop in spans],
    )
    count = len(spans)
    given, predicted = parts[:count], parts[count:]
    flagged = [mask[start:stop] for start, stop in spans]
    names = class_names or [str(k) for k in range(pred_probs.shape[1])]
    lines = []
    for k, (sentence, (start, stop)) in enumerate(zip(worst.tolist(), spans, strict=True)):
        shown = words[start:stop] if words is not None else [f"#{j}" for j in range(stop - start)]
        tokens = []
        for j, word in enumerate(shown):
            text = html.escape(str(word))
            if flagged[k][j]:
                change = f"{names[given[k][j]]} \u2192 {names[predicted[k][j]]}"
                text = f"<mark title='{html.escape(change)}'>{text}</mark><sub>{html.escape(change)}</sub>"
            tokens.append(text)
        score = written.sentence_scores[sentence]
        lines.append(f"<li>sentence {sentence} (score {score:.4g}): {' '.join(tokens)}</li>")
    return (
        f"<h2>The {count} worst sentences</h2><p>Lowest sentence score first; flagged tokens are marked, with "
        f"their given and predicted classes.</p><ol>{''.join(lines)}</ol>"
    )
