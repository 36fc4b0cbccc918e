"""``dlq scan --task token-classification``: its outputs against cleanlab's answers, and its refusals."""

from __future__ import annotations

import json
import warnings

import numpy as np
import pandas as pd
import pytest
import zarr
from cleanlab.token_classification import filter as cl_filter
from cleanlab.token_classification import rank as cl_rank
from conftest import PUBLISHED, one_line_error, out_of_fold, quiet_scan
from test_token_classification import cut

NAMES = [f"digit{k}" for k in range(10)]


@pytest.fixture(scope="module")
def sentences(tmp_path_factory):
    """Real pred_probs of 1,797 tokens cut into sentences, as files: labels,
    pred_probs (zarr), lengths and the tokens' words."""
    folder = tmp_path_factory.mktemp("sentences")
    labels, pred_probs = out_of_fold("digits", seed=3)
    sentence_labels, sentence_probs, lengths = cut(labels, pred_probs, seed=6)
    words = np.array([f"w{t}" for t in range(len(labels))])
    np.save(folder / "labels.npy", labels)
    zarr.create_array(store=str(folder / "pred_probs.zarr"), data=pred_probs, chunks=(250, 10))
    np.save(folder / "lengths.npy", lengths)
    np.save(folder / "words.npy", words)
    return folder, labels, pred_probs, sentence_labels, sentence_probs, lengths, words


def test_a_token_scan_writes_cleanlabs_answers_in_every_output(sentences, tmp_path, scheduler):
    folder, labels, _, sentence_labels, sentence_probs, lengths, words = sentences
    out = tmp_path / "out"
    result = quiet_scan(
        folder / "labels.npy", folder / "pred_probs.zarr", out, "--task", "token-classification",
        "--sentence-lengths", folder / "lengths.npy", "--tokens", folder / "words.npy",
        "--class-names", ",".join(NAMES), "--chunk-rows", "300", scheduler=scheduler,
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert sorted(path.name for path in out.iterdir()) == PUBLISHED
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        expected = cl_filter.find_label_issues(sentence_labels, sentence_probs, low_memory=True)
    sentence_scores, token_info = cl_rank.get_label_quality_scores(sentence_labels, sentence_probs)
    written = zarr.open_group(str(out / "scores.zarr"), mode="r")
    np.testing.assert_array_equal(written["sentence_scores"][:], sentence_scores)
    np.testing.assert_array_equal(written["scores"][:], np.concatenate(token_info))
    starts = np.cumsum(lengths) - lengths
    flat = sorted(starts[i] + j for i, j in expected)
    np.testing.assert_array_equal(np.flatnonzero(written["is_label_issue"][:]), flat)
    per_sentence = np.bincount([i for i, _ in expected], minlength=len(lengths))
    np.testing.assert_array_equal(written["issues_per_sentence"][:], per_sentence)
    table = pd.read_parquet(out / "issues.parquet")
    assert sorted(zip(table["sentence"], table["token"], strict=True)) == sorted(expected)
    assert table["word"].tolist() == words[table["index"]].tolist()
    assert table["given_label_name"].tolist() == [NAMES[k] for k in labels[table["index"]]]
    assert np.all(np.diff(table["score"]) >= 0)  # worst first
    facts = json.loads((out / "summary.json").read_text())
    assert facts["task"] == "token-classification" and facts["n_sentences"] == len(lengths)
    assert facts["sentences_with_issues"] == int(np.count_nonzero(per_sentence))
    assert facts["n_issues"] == len(expected) == len(table)
    page = (out / "report.html").read_text()
    worst = int(np.argsort(sentence_scores, kind="stable")[0])
    shown = [f"<mark title='{NAMES[labels[starts[i] + j]]}" for i, j in expected if i == worst]
    assert f"sentence {worst} (score" in page and shown and all(mark in page for mark in shown)
    assert page.count("<li>sentence ") == 20


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (("--task", "token-classification"), "--task token-classification needs --sentence-lengths"),
        (("--sentence-lengths", "LENGTHS"), "--sentence-lengths applies only with --task token-classification"),
        (("--tokens", "LENGTHS"), "--tokens applies only with --task token-classification"),
        (
            ("--task", "segmentation", "--sentence-lengths", "LENGTHS"),
            "--sentence-lengths applies only with --task token-classification",
        ),
        (
            ("--task", "token-classification", "--sentence-lengths", "LENGTHS", "--multilabel"),
            "--multilabel does not apply with --task token-classification",
        ),
        (
            ("--task", "token-classification", "--sentence-lengths", "LABELS"),
            "sentence_lengths sum to",
        ),
    ],
)
def test_token_options_are_refused_in_one_line(sentences, tmp_path, extra, message):
    folder = sentences[0]
    paths = {"LENGTHS": str(folder / "lengths.npy"), "LABELS": str(folder / "labels.npy")}
    extra = [paths.get(argument, argument) for argument in extra]
    result = quiet_scan(folder / "labels.npy", folder / "pred_probs.zarr", tmp_path / "out", *extra)
    assert message in one_line_error(result)
    assert not (tmp_path / "out").exists()


def test_an_output_over_the_sentence_lengths_is_refused(sentences, tmp_path):
    folder = sentences[0]
    np.save(tmp_path / "lengths.npy", np.load(folder / "lengths.npy"))
    before = (tmp_path / "lengths.npy").read_bytes()
    result = quiet_scan(
        folder / "labels.npy", folder / "pred_probs.zarr", tmp_path, "--task", "token-classification",
        "--sentence-lengths", tmp_path / "lengths.npy", "--overwrite",
    )  # fmt: skip
    assert "sentence_lengths" in one_line_error(result)
    assert (tmp_path / "lengths.npy").read_bytes() == before
