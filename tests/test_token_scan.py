"""dlq.token_classification.scan: the lazy scan of sentences, against cleanlab
2.9's token classification and against itself under every chunking."""

from __future__ import annotations

import warnings

import dask.array as da
import numpy as np
import pandas as pd
import pytest
import zarr
from cleanlab.token_classification import filter as cl_filter
from cleanlab.token_classification import rank as cl_rank
from conftest import noisy_classification, out_of_fold
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_token_classification import cut

import dlq
from dlq.graphs import sentences


@pytest.fixture(scope="module")
def digits():
    """Real pred_probs (out-of-fold, 10 classes, 1,797 tokens) cut into sentences, some empty."""
    labels, pred_probs = out_of_fold("digits", seed=3)
    return (labels, pred_probs, *cut(labels, pred_probs, seed=5, empty=True))


@pytest.mark.parametrize("chunk_tokens", [1, 7, 100, None])
@pytest.mark.parametrize(("method", "temperature"), [("min", None), ("softmin", 0.05), ("softmin", 0.5)])
def test_sentence_scores_are_cleanlabs_under_any_chunking(digits, chunk_tokens, method, temperature):
    labels, pred_probs, sentence_labels, sentence_probs, lengths = digits
    kwargs = {} if temperature is None else {"temperature": temperature}
    nonempty = [i for i, length in enumerate(lengths) if length]  # cleanlab's scores refuse no empty sentence
    expected, token_info = cl_rank.get_label_quality_scores(
        [sentence_labels[i] for i in nonempty],
        [sentence_probs[i] for i in nonempty],
        sentence_score_method=method,
        sentence_score_kwargs=kwargs,
    )
    found = dlq.token_classification.scan(
        labels,
        pred_probs,
        sentence_lengths=lengths,
        sentence_score_method=method,
        sentence_score_kwargs=kwargs,
        chunk_tokens=chunk_tokens,
    ).compute(n_jobs=2)
    np.testing.assert_array_equal(found.sentence_scores[nonempty], expected)
    assert found.sentence_scores.shape == (len(lengths),)
    token_scores = dlq.token_classification.scan(labels, pred_probs, sentence_lengths=lengths).tokens.scores
    np.testing.assert_array_equal(token_scores.compute(), np.concatenate(token_info))


def test_token_issues_are_cleanlabs_in_their_order(digits):
    """With cleanlab's filter the issues are those of its find_label_issues, in
    its order; with the batched search those of its low_memory search."""
    labels, pred_probs, sentence_labels, sentence_probs, lengths = digits
    by_filter = dlq.token_classification.scan(
        sentence_labels, sentence_probs, filter_by="prune_by_noise_rate", chunk_tokens=50
    ).compute()
    expected = cl_filter.find_label_issues(sentence_labels, sentence_probs)
    assert by_filter.issues == expected and expected
    batched = dlq.token_classification.scan(labels, pred_probs, sentence_lengths=lengths, chunk_tokens=50).compute()
    with warnings.catch_warnings():  # cleanlab's batched search may warn of its own options
        warnings.simplefilter("ignore")
        low_memory = cl_filter.find_label_issues(sentence_labels, sentence_probs, low_memory=True)
    assert sorted(batched.issues) == sorted(low_memory) and low_memory
    assert batched.issues_per_sentence.sum() == len(low_memory)
    assert np.array_equal(np.bincount([i for i, _ in low_memory], minlength=len(lengths)), batched.issues_per_sentence)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    lengths=st.lists(st.integers(0, 9), min_size=1, max_size=30).filter(lambda found: sum(found) >= 2),
    chunk_tokens=st.integers(1, 12),
    length_chunk=st.integers(1, 8),
    seed=st.integers(0, 2**16),
)
def test_chunking_never_changes_an_answer(lengths, chunk_tokens, length_chunk, seed):
    """Sentences of any lengths (empty ones anywhere, one longer than a chunk),
    lengths in dask chunks of any size: the chunks cut only at sentence ends,
    and every answer is that of the data in one chunk."""
    labels, pred_probs = noisy_classification(sum(lengths), 3, seed=seed)
    lengths = np.array(lengths)
    chunked = da.from_array(lengths, chunks=length_chunk)
    lazy = dlq.token_classification.scan(
        labels, pred_probs, sentence_lengths=chunked, chunk_tokens=chunk_tokens, sentence_score_method="softmin"
    )
    ends = np.cumsum(lengths)
    token_cuts = np.cumsum(lazy.tokens.scores.chunks[0])
    sentence_cuts = np.cumsum(lazy.sentence_lengths.chunks[0])
    assert np.array_equal(ends[sentence_cuts - 1], token_cuts)  # each token chunk is its sentences' tokens
    assert min(lazy.tokens.scores.chunks[0]) > 0
    found = lazy.compute(n_jobs=1)
    whole = dlq.token_classification.scan(
        labels, pred_probs, sentence_lengths=lengths, chunk_tokens=len(labels), sentence_score_method="softmin"
    ).compute(n_jobs=1)
    np.testing.assert_array_equal(found.sentence_scores, whole.sentence_scores)
    np.testing.assert_array_equal(found.issues_per_sentence, whole.issues_per_sentence)
    assert found.issues == whole.issues
    assert np.array_equal(found.tokens.issues, whole.tokens.issues)
    starts = ends - lengths
    assert [starts[i] + j for i, j in found.issues] == found.tokens.issues.tolist()


def test_sentence_chunks_put_empty_sentences_with_the_tokens_before_them():
    lengths = da.from_array(np.array([0, 0, 5, 0, 2, 0]), chunks=2)
    tokens_per_chunk, negative = sentences.length_facts(lengths)
    assert tokens_per_chunk.tolist() == [0, 5, 2] and negative is None
    assert sentences.sentence_chunks(lengths, tokens_per_chunk, (6, 1)) == ((5, 2), (4, 2))
    assert sentences.sentence_chunks(lengths, tokens_per_chunk, (2, 2, 3)) == ((7,), (6,))  # all inside sentence 2
    assert sentences.sentence_chunks(lengths, tokens_per_chunk, (7,)) == ((7,), (6,))


def test_the_flat_form_from_files(tmp_path, digits):
    """pred_probs in zarr, labels and lengths in .npy files: the same answers as in memory."""
    labels, pred_probs, _, _, lengths = digits
    stored = zarr.create_array(str(tmp_path / "pred_probs.zarr"), shape=pred_probs.shape, dtype=pred_probs.dtype,
                               chunks=(100, 10))  # fmt: skip
    stored[:] = pred_probs
    np.save(tmp_path / "labels.npy", labels)
    np.save(tmp_path / "lengths.npy", lengths.astype(np.int32))
    from_files = dlq.token_classification.scan(
        str(tmp_path / "labels.npy"),
        str(tmp_path / "pred_probs.zarr"),
        sentence_lengths=str(tmp_path / "lengths.npy"),
        chunk_tokens=300,
    ).compute()
    in_memory = dlq.token_classification.scan(labels, pred_probs, sentence_lengths=lengths).compute()
    np.testing.assert_array_equal(from_files.sentence_scores, in_memory.sentence_scores)
    assert from_files.issues == in_memory.issues


def test_to_zarr_writes_what_compute_returns(tmp_path, digits):
    labels, pred_probs, _, _, lengths = digits
    lazy = dlq.token_classification.scan(labels, pred_probs, sentence_lengths=lengths, chunk_tokens=200)
    computed = lazy.compute()
    names = [f"class {k}" for k in range(10)]
    written = lazy.to_zarr(tmp_path / "scan.zarr", issues_to=tmp_path / "issues.parquet", class_names=names)
    table = pd.read_parquet(tmp_path / "issues.parquet")
    assert list(table.columns[:3]) == ["index", "sentence", "token"]
    assert list(zip(table["sentence"], table["token"], strict=True)) == computed.issues
    assert table["index"].tolist() == computed.tokens.issues.tolist()
    assert (table["given_label_name"] == [names[k] for k in labels[table["index"]]]).all()
    group = zarr.open_group(str(tmp_path / "scan.zarr"), mode="r")
    np.testing.assert_array_equal(group["sentence_scores"][:], computed.sentence_scores)
    np.testing.assert_array_equal(group["issues_per_sentence"][:], computed.issues_per_sentence)
    np.testing.assert_array_equal(np.flatnonzero(group["is_label_issue"][:]), np.sort(computed.tokens.issues))
    assert written.issues == computed.issues
    worst = written.worst_sentences(5)
    assert worst.tolist() == np.argsort(computed.sentence_scores, kind="stable")[:5].tolist()
    assert computed.worst_sentences(5).tolist() == worst.tolist()


@pytest.mark.parametrize(
    ("lengths", "message"),
    [
        (np.array([3, -1, 5, 2]), r"sentence_lengths\[1\] is -1"),
        (np.array([3, 1, 5, 2]), "sentence_lengths sum to 11 but pred_probs has 10 rows"),
        (np.array([3.0, 7.0]), "sentence_lengths must be integers"),
        (np.array([[3, 7]]), "sentence_lengths must be a 1-D list"),
    ],
)
def test_bad_lengths_are_refused_in_one_line(lengths, message):
    labels, pred_probs = noisy_classification(10, 3, seed=0)
    chunked = da.from_array(lengths, chunks=1)
    with pytest.raises((ValueError, TypeError), match=message):
        dlq.token_classification.scan(labels, pred_probs, sentence_lengths=chunked)


def test_a_negative_length_is_named_by_its_place_in_all_the_lengths():
    labels, pred_probs = noisy_classification(10, 3, seed=0)
    lengths = da.from_array(np.array([2, 2, 2, 2, -2, 4]), chunks=2)
    with pytest.raises(ValueError, match=r"sentence_lengths\[4\] is -2"):
        dlq.token_classification.scan(labels, pred_probs, sentence_lengths=lengths)


def test_to_zarr_reads_pred_probs_once_when_the_token_scan_fills_its_store(tmp_path, monkeypatch):
    """Sentences of one length make regular token chunks, so the written token
    scan fills its store as it goes (a graph of its own): the sentence
    arrays, the issue positions and the words are built from that scan, and
    pred_probs is read once, as by compute()."""
    from dlq.io.input_values import NpyFile

    labels, pred_probs = noisy_classification(4000, 3, seed=1)
    np.save(tmp_path / "pred_probs.npy", pred_probs)
    np.save(tmp_path / "words.npy", np.array([f"w{t}" for t in range(len(labels))]))
    rows_read = []
    reading = NpyFile.__getitem__

    def counted(self, item):
        rows = reading(self, item)
        if rows.ndim == 2:
            rows_read.append(rows.shape[0])
        return rows

    monkeypatch.setattr(NpyFile, "__getitem__", counted)
    lazy = dlq.token_classification.scan(
        labels, str(tmp_path / "pred_probs.npy"), sentence_lengths=np.full(500, 8), chunk_tokens=800
    )
    assert lazy.tokens.filling_a_store is not None
    computed = lazy.compute(n_jobs=1)
    assert sum(rows_read) == len(labels)
    rows_read.clear()
    written = lazy.to_zarr(
        tmp_path / "scan.zarr", n_jobs=1, issues_to=tmp_path / "issues.parquet", words=str(tmp_path / "words.npy")
    )
    assert sum(rows_read) == len(labels)
    assert written.issues == computed.issues
    np.testing.assert_array_equal(written.sentence_scores[:], computed.sentence_scores)
    table = pd.read_parquet(tmp_path / "issues.parquet")
    assert table["word"].tolist() == [f"w{t}" for t in table["index"]]
