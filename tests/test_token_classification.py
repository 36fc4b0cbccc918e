"""dlq.token_classification against cleanlab 2.9's cleanlab.token_classification.

Every comparison is exact (lists, indices, printed text, tables and scores
bit for bit), except the token scores of ``confidence_weighted_entropy``:
those are :func:`dlq.rank.get_label_quality_scores`'s, which differ from
cleanlab's by an ulp or so in float64 (its row entropy is summed in
another order; see tests/test_rank_oracle.py, rtol 1e-12).
"""

from __future__ import annotations

import contextlib
import io
import warnings

import dask.array as da
import numpy as np
import pandas as pd
import pytest
from cleanlab.token_classification import filter as cl_filter
from cleanlab.token_classification import rank as cl_rank
from cleanlab.token_classification import summary as cl_summary
from conftest import noisy_classification, out_of_fold
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import dlq.token_classification
from dlq.token_classification import filter, rank, summary

METHODS = ["self_confidence", "normalized_margin", "confidence_weighted_entropy"]
WORDS = ["the", "cat", "sat", "on", "mat", ".", ",", "(", ")", "-", "'s", "New", "York", "?weird", "a", "A"]


def cut(labels, pred_probs, *, seed, longest=12, empty=False):
    """Flat tokens cut into sentences of random lengths (some empty, if asked):
    cleanlab's lists, and the lengths."""
    rng = np.random.default_rng(seed)
    lengths = []
    while sum(lengths) < len(labels):
        lengths.append(int(rng.integers(0 if empty else 1, longest + 1)))
    lengths[-1] -= sum(lengths) - len(labels)
    lengths = np.array(lengths)
    bounds = np.cumsum(lengths)[:-1]
    sentence_labels = [part.tolist() for part in np.split(labels, bounds)]
    return sentence_labels, np.split(pred_probs, bounds), lengths


def words_of(lengths, *, seed):
    rng = np.random.default_rng(seed)
    return [[WORDS[k] for k in rng.integers(0, len(WORDS), length)] for length in lengths]


@pytest.fixture(scope="module")
def digits():
    """Real pred_probs (out-of-fold, 10 classes, 1,797 tokens) cut into sentences."""
    labels, pred_probs = out_of_fold("digits", seed=3)
    return (labels, pred_probs, *cut(labels, pred_probs, seed=4))


@pytest.fixture(scope="module")
def noisy():
    """Random pred_probs (4 classes, 1,200 tokens) cut into sentences, some empty."""
    labels, pred_probs = noisy_classification(1_200, 4, seed=7)
    return (labels, pred_probs, *cut(labels, pred_probs, seed=8, empty=True))


def quietly(function, *args, **kwargs):
    """cleanlab's answer, its warnings and printing (progress bars) hushed."""
    with (
        warnings.catch_warnings(),
        contextlib.redirect_stdout(io.StringIO()),
        contextlib.redirect_stderr(io.StringIO()),
    ):
        warnings.simplefilter("ignore")
        return function(*args, **kwargs)


def printed(function, *args, **kwargs):
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        result = function(*args, **kwargs)
    return out.getvalue(), result


# find_label_issues


@pytest.mark.parametrize("ranked_by", METHODS)
@pytest.mark.parametrize(
    "kwargs",
    [
        {},
        {"filter_by": "prune_by_class"},
        {"filter_by": "both", "frac_noise": 0.5},
        {"filter_by": "confident_learning"},
    ],
)
def test_issues_are_cleanlabs(digits, noisy, ranked_by, kwargs):
    for labels, pred_probs, sentence_labels, sentence_probs, lengths in (digits, noisy):
        expected = quietly(
            cl_filter.find_label_issues,
            sentence_labels,
            sentence_probs,
            return_indices_ranked_by=ranked_by,
            n_jobs=1,
            **kwargs,
        )
        found = filter.find_label_issues(
            sentence_labels, sentence_probs, return_indices_ranked_by=ranked_by, n_jobs=1, **kwargs
        )
        assert len(expected) > 5 and found == expected
        assert all(type(i) is int and type(j) is int for i, j in found)
        flat = filter.find_label_issues(
            labels, pred_probs, sentence_lengths=lengths, return_indices_ranked_by=ranked_by, n_jobs=1, **kwargs
        )
        assert flat == expected


def test_flat_form_in_small_chunks_and_from_a_file(noisy, tmp_path):
    labels, pred_probs, sentence_labels, sentence_probs, lengths = noisy
    expected = quietly(cl_filter.find_label_issues, sentence_labels, sentence_probs, n_jobs=1)
    chunked = filter.find_label_issues(
        da.from_array(labels, chunks=37), da.from_array(pred_probs, chunks=(37, -1)), sentence_lengths=lengths.tolist()
    )
    assert chunked == expected
    np.save(tmp_path / "pred_probs.npy", pred_probs)
    assert filter.find_label_issues(labels, str(tmp_path / "pred_probs.npy"), sentence_lengths=lengths) == expected


def test_tokens_in_parquet_a_row_each_read_through_dask_dataframe(noisy, tmp_path):
    """A Parquet table of a row per token (its sentence, label and class
    probabilities) read with dask.dataframe: the flat form, the sentences'
    lengths counted from their column."""
    import dask.dataframe as dd

    labels, pred_probs, sentence_labels, sentence_probs, lengths = noisy
    columns = {f"p{k}": pred_probs[:, k] for k in range(pred_probs.shape[1])}
    frame = pd.DataFrame({"sentence": np.repeat(np.arange(len(lengths)), lengths), "label": labels, **columns})
    frame.to_parquet(tmp_path / "tokens.parquet", row_group_size=250)
    tokens = dd.read_parquet(tmp_path / "tokens.parquet")
    counted = tokens["sentence"].value_counts(sort=False).compute().sort_index()
    sentence_lengths = np.zeros(len(lengths), np.int64)
    sentence_lengths[counted.index.to_numpy()] = counted.to_numpy()  # empty sentences have no row
    found = filter.find_label_issues(tokens["label"], tokens[list(columns)], sentence_lengths=sentence_lengths)
    assert found == quietly(cl_filter.find_label_issues, sentence_labels, sentence_probs, n_jobs=1)


def test_sentences_in_parquet_a_row_each_read_through_dask_dataframe(noisy, tmp_path):
    """A Parquet table of a row per sentence (its labels, a list, and its
    tokens' class probabilities, a list of lists) read with dask.dataframe:
    the lists exploded into the flat form, partition by partition, the
    lengths those of the label lists; the scan's answers are cleanlab's."""
    import dask.dataframe as dd

    _, pred_probs, sentence_labels, sentence_probs, lengths = noisy
    frame = pd.DataFrame({"labels": sentence_labels, "pred_probs": [part.tolist() for part in sentence_probs]})
    frame.to_parquet(tmp_path / "sentences.parquet", row_group_size=40)
    sentences = dd.read_parquet(tmp_path / "sentences.parquet", split_row_groups=True)
    num_classes = pred_probs.shape[1]

    def token_rows(part: pd.DataFrame) -> pd.DataFrame:
        rows = [np.asarray(list(row), dtype=float).reshape(-1, num_classes) for row in part["pred_probs"]]
        flat = np.concatenate(rows) if rows else np.empty((0, num_classes))
        return pd.DataFrame(flat, columns=[f"p{k}" for k in range(num_classes)])

    meta = pd.DataFrame({f"p{k}": pd.Series(dtype=float) for k in range(num_classes)})
    flat_probs = sentences.map_partitions(token_rows, meta=meta)
    flat_labels = sentences["labels"].explode().dropna().astype("int64")
    sentence_lengths = sentences["labels"].map(len, meta=("labels", "int64")).to_dask_array(lengths=True)
    found = dlq.token_classification.scan(
        flat_labels, flat_probs, sentence_lengths=sentence_lengths, filter_by="prune_by_noise_rate"
    ).compute()
    assert found.issues == quietly(cl_filter.find_label_issues, sentence_labels, sentence_probs, n_jobs=1)
    nonempty = lengths > 0
    expected, _ = cl_rank.get_label_quality_scores(
        [sentence_labels[i] for i in np.flatnonzero(nonempty)], [sentence_probs[i] for i in np.flatnonzero(nonempty)]
    )
    np.testing.assert_array_equal(found.sentence_scores[nonempty], expected)


@pytest.mark.parametrize("ranked_by", ["self_confidence", "normalized_margin"])
def test_low_memory_is_cleanlabs_and_warns_of_unused_options(digits, ranked_by):
    labels, pred_probs, sentence_labels, sentence_probs, lengths = digits
    expected = quietly(
        cl_filter.find_label_issues,
        sentence_labels,
        sentence_probs,
        return_indices_ranked_by=ranked_by,
        low_memory=True,
    )
    with contextlib.redirect_stderr(io.StringIO()):
        found = filter.find_label_issues(
            sentence_labels, sentence_probs, return_indices_ranked_by=ranked_by, low_memory=True
        )
        flat = filter.find_label_issues(labels, da.from_array(pred_probs, chunks=(100, -1)), sentence_lengths=lengths,
                                        return_indices_ranked_by=ranked_by, low_memory=True)  # fmt: skip
        with pytest.warns(UserWarning, match=r"^`frac_noise` is not used when `low_memory=True`\.$") as caught:
            filter.find_label_issues(sentence_labels, sentence_probs, low_memory=True, frac_noise=0.5)
    assert len(expected) > 5 and found == expected and flat == expected
    assert caught[0].filename == __file__


# get_label_quality_scores and issues_from_scores


def _same_scores(found, expected, method):
    (scores, info), (expected_scores, expected_info) = found, expected
    if method == "confidence_weighted_entropy":  # dlq.rank's scores, an ulp from cleanlab's (see the docstring)
        np.testing.assert_allclose(scores, expected_scores, rtol=1e-12)
        assert len(info) == len(expected_info)
        for ours, theirs in zip(info, expected_info, strict=True):
            pd.testing.assert_series_equal(ours, theirs, check_exact=False, rtol=1e-12)
        return
    assert scores.dtype == expected_scores.dtype
    np.testing.assert_array_equal(scores, expected_scores)
    assert len(info) == len(expected_info)
    for ours, theirs in zip(info, expected_info, strict=True):
        pd.testing.assert_series_equal(ours, theirs, check_exact=True)


@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize(
    ("sentence_method", "kwargs"),
    [("min", {}), ("softmin", {}), ("softmin", {"temperature": 1.0}), ("softmin", {"temperature": 0.001}),
     ("softmin", {"temperature": 0}), ("softmin", {"temperature": np.inf}), ("softmin", {"temperature": 1e-9}),
     ("softmin", {"temperature": np.float64(0.2)})],
)  # fmt: skip
def test_scores_are_cleanlabs_bit_for_bit(digits, method, sentence_method, kwargs):
    labels, pred_probs, sentence_labels, sentence_probs, lengths = digits
    tokens = words_of(lengths, seed=5)
    options = {"token_score_method": method, "sentence_score_method": sentence_method, "sentence_score_kwargs": kwargs}
    expected = cl_rank.get_label_quality_scores(sentence_labels, sentence_probs, tokens=tokens, **options)
    _same_scores(
        rank.get_label_quality_scores(sentence_labels, sentence_probs, tokens=tokens, **options), expected, method
    )
    flat = rank.get_label_quality_scores(
        da.from_array(labels, chunks=64), da.from_array(pred_probs, chunks=(64, -1)), sentence_lengths=lengths,
        tokens=tokens, **options,
    )  # fmt: skip
    _same_scores(flat, expected, method)


def test_float32_scores_and_unnamed_tokens_are_cleanlabs():
    labels, pred_probs = noisy_classification(900, 5, seed=12, dtype=np.float32)
    sentence_labels, sentence_probs, _ = cut(labels, pred_probs, seed=13, longest=40)
    for method in ("self_confidence", "normalized_margin"):
        for sentence_method in ("min", "softmin"):
            options = {"token_score_method": method, "sentence_score_method": sentence_method}
            expected = cl_rank.get_label_quality_scores(sentence_labels, sentence_probs, **options)
            _same_scores(rank.get_label_quality_scores(sentence_labels, sentence_probs, **options), expected, method)


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    lengths=st.lists(st.integers(1, 9), min_size=1, max_size=25),
    num_classes=st.integers(2, 5),
    seed=st.integers(0, 2**16),
    temperature=st.sampled_from([0.05, 0.5, 0.01, 3.0]),
)
def test_random_sentences(lengths, num_classes, seed, temperature):
    rng = np.random.default_rng(seed)
    num_tokens = sum(lengths)
    pred_probs = rng.dirichlet(np.full(num_classes, 0.5), num_tokens)
    labels = rng.integers(0, num_classes, num_tokens)
    bounds = np.cumsum(lengths)[:-1]
    sentence_labels, sentence_probs = [part.tolist() for part in np.split(labels, bounds)], np.split(pred_probs, bounds)
    options = {"sentence_score_method": "softmin", "sentence_score_kwargs": {"temperature": temperature}}
    expected = cl_rank.get_label_quality_scores(sentence_labels, sentence_probs, **options)
    _same_scores(rank.get_label_quality_scores(sentence_labels, sentence_probs, **options), expected, "self_confidence")
    for threshold in (0.1, 0.5):
        assert rank.issues_from_scores(expected[0], token_scores=expected[1], threshold=threshold) == (
            cl_rank.issues_from_scores(expected[0], token_scores=expected[1], threshold=threshold)
        )
    if len(set(labels.tolist())) == num_classes:  # cleanlab's filter needs every class given
        theirs = quietly(cl_filter.find_label_issues, sentence_labels, sentence_probs, n_jobs=1)
        assert filter.find_label_issues(sentence_labels, sentence_probs, n_jobs=1) == theirs
        assert filter.find_label_issues(labels, pred_probs, sentence_lengths=lengths, n_jobs=1) == theirs


def test_issues_from_scores_are_cleanlabs(digits):
    _, _, sentence_labels, sentence_probs, _ = digits
    scores, info = cl_rank.get_label_quality_scores(sentence_labels, sentence_probs, sentence_score_method="softmin")
    for threshold in (0.01, 0.1, 0.3, 0.6):
        expected = cl_rank.issues_from_scores(scores, token_scores=info, threshold=threshold)
        assert rank.issues_from_scores(scores, token_scores=info, threshold=threshold) == expected
        lists = [series.tolist() for series in info]
        assert rank.issues_from_scores(scores, token_scores=lists, threshold=threshold) == expected
        expected = cl_rank.issues_from_scores(scores, threshold=threshold)
        np.testing.assert_array_equal(rank.issues_from_scores(scores, threshold=threshold), expected)
        assert len(expected) > 0
    tied = np.array([0.3, 0.05, 0.05, 0.2, 0.05, 0.9] * 5)
    np.testing.assert_array_equal(
        rank.issues_from_scores(tied, threshold=0.25), cl_rank.issues_from_scores(tied, threshold=0.25)
    )
    tied_tokens = [[0.05, 0.2], [], [0.05, 0.01, 0.05]]
    assert rank.issues_from_scores(tied, token_scores=tied_tokens) == cl_rank.issues_from_scores(
        tied, token_scores=tied_tokens
    )
    # where every sentence is below the threshold, cleanlab 2.9 fails with an IndexError: dlq returns them all
    np.testing.assert_array_equal(rank.issues_from_scores(np.array([0.05, 0.01])), [1, 0])


# summary


@pytest.fixture(scope="module")
def shown(digits):
    _, _, sentence_labels, sentence_probs, lengths = digits
    tokens = words_of(lengths, seed=6)
    issues = quietly(cl_filter.find_label_issues, sentence_labels, sentence_probs, n_jobs=1)
    return issues, tokens, sentence_labels, sentence_probs


@pytest.mark.parametrize(
    "options",
    [{}, {"labels": True}, {"pred_probs": True}, {"labels": True, "pred_probs": True},
     {"labels": True, "pred_probs": True, "class_names": [f"digit {k}" for k in range(10)], "top": 7},
     {"labels": True, "pred_probs": True, "exclude": [(1, 8), (8, 1), (9, 5)], "top": 50},
     {"pred_probs": True, "class_names": list("abcdefghij")}, {"top": 0}, {"top": 3}],
)  # fmt: skip
def test_display_and_common_issues_are_cleanlabs(shown, options):
    issues, tokens, labels, pred_probs = shown
    options = {**options}
    options["labels"] = labels if options.get("labels") else None
    options["pred_probs"] = pred_probs if options.get("pred_probs") else None
    expected, _ = printed(cl_summary.display_issues, issues, tokens, **options)
    assert "\x1b[31m" in expected
    assert printed(summary.display_issues, issues, tokens, **options)[0] == expected
    for verbose in (True, False):
        common = {key: value for key, value in options.items() if key != "top"} | {"verbose": verbose}
        expected_text, expected_table = printed(cl_summary.common_label_issues, issues, tokens, **common)
        text, table = printed(summary.common_label_issues, issues, tokens, **common)
        assert text == expected_text
        pd.testing.assert_frame_equal(table, expected_table)


def test_sentence_issues_and_filter_by_token_are_cleanlabs(shown):
    issues, tokens, _, _ = shown
    sentences = np.array([3, 0, 17, 4])
    assert (
        printed(summary.display_issues, sentences, tokens)[0]
        == printed(cl_summary.display_issues, sentences, tokens)[0]
    )
    for word in ("the", "THE", "(", "'s", "absent"):
        assert summary.filter_by_token(word, issues, tokens) == cl_summary.filter_by_token(word, issues, tokens)
    odd = [["He", "said", "(", "hi", ")", "-", "it", "'s", "a", "a.b", "."], ["x+y", "=", "x+y"]]
    pairs = [(0, 9), (1, 0), (0, 2), (0, 7), (0, 8)]
    assert printed(summary.display_issues, pairs, odd)[0] == printed(cl_summary.display_issues, pairs, odd)[0]


# refusals: one line each, naming the input and what to do


def one_line(error: pytest.ExceptionInfo) -> str:
    message = str(error.value)
    assert "\n" not in message
    return message


SENTENCES = [[0, 1, 1], [1, 0]]
PROBS = [np.array([[0.8, 0.2], [0.3, 0.7], [0.4, 0.6]]), np.array([[0.1, 0.9], [0.6, 0.4]])]
FLAT_LABELS, FLAT_PROBS = np.array([0, 1, 1, 1, 0]), np.concatenate(PROBS)

REFUSALS = {
    "fewer_label_sentences": (
        lambda f: f(SENTENCES[:1], PROBS),
        ValueError,
        "labels has 1 sentences but pred_probs has 2",
    ),
    "shorter_sentence": (lambda f: f([[0, 1, 1], [1]], PROBS), ValueError, "sentence 1 has 1 labels but 2 rows"),
    "wrong_width": (
        lambda f: f(SENTENCES, [PROBS[0], np.full((2, 3), 1 / 3)]),
        ValueError,
        r"pred_probs\[1\] has rows of 3 classes but pred_probs\[0\] has rows of 2",
    ),
    "no_sentence": (lambda f: f([], []), ValueError, "hold no sentences"),
    "no_token": (lambda f: f([[], []], [[], []]), ValueError, "no tokens"),
    "flat_without_lengths": (lambda f: f(FLAT_LABELS, FLAT_PROBS), ValueError, "sentence_lengths must say"),
    "lengths_not_summing": (
        lambda f: f(FLAT_LABELS, FLAT_PROBS, sentence_lengths=[3, 3]),
        ValueError,
        "sentence_lengths sum to 6 but pred_probs has 5 rows",
    ),
    "negative_length": (
        lambda f: f(FLAT_LABELS, FLAT_PROBS, sentence_lengths=[6, -1]),
        ValueError,
        r"sentence_lengths\[1\] is -1",
    ),
    "float_lengths": (lambda f: f(FLAT_LABELS, FLAT_PROBS, sentence_lengths=[3.0, 2.0]), TypeError, "integers"),
    "lengths_with_lists": (lambda f: f(SENTENCES, PROBS, sentence_lengths=[3, 2]), ValueError, "drop sentence_lengths"),
    "nested_labels_with_flat_probs": (
        lambda f: f(SENTENCES, FLAT_PROBS, sentence_lengths=[3, 2]),
        ValueError,
        "labels is a list of per-sentence lists",
    ),
    "flat_labels_with_sentences": (lambda f: f(FLAT_LABELS, PROBS), ValueError, "labels has 5 sentences but"),
    "flat_wrong_width": (
        lambda f: f(FLAT_LABELS, FLAT_PROBS[:, :1], sentence_lengths=[3, 2]),
        ValueError,
        "at least 2 columns",
    ),
}


@pytest.mark.parametrize("case", REFUSALS)
@pytest.mark.parametrize("function", ["find_label_issues", "get_label_quality_scores"])
def test_bad_inputs_are_refused_in_one_line(case, function):
    call, error, phrase = REFUSALS[case]
    face = filter.find_label_issues if function == "find_label_issues" else rank.get_label_quality_scores
    with pytest.raises(error, match=phrase) as caught:
        call(face)
    one_line(caught)


def test_bad_options_are_refused_in_one_line():
    cases = [
        (lambda: filter.find_label_issues(SENTENCES, PROBS, return_indices_ranked_by=None), TypeError, "always ranked"),
        (
            lambda: filter.find_label_issues(SENTENCES, PROBS, return_indices_ranked_by="margin"),
            ValueError,
            "scoring method",
        ),
        (
            lambda: rank.get_label_quality_scores(SENTENCES, PROBS, sentence_score_method="max"),
            AssertionError,
            "min, softmin",
        ),
        (
            lambda: rank.get_label_quality_scores(SENTENCES, PROBS, token_score_method="x"),
            ValueError,
            "token_score_method",
        ),
        (
            lambda: rank.get_label_quality_scores(SENTENCES, PROBS, sentence_score_kwargs={"temp": 1}),
            ValueError,
            r"unsupported keys \['temp'\]",
        ),
        (
            lambda: rank.get_label_quality_scores(SENTENCES, PROBS, sentence_score_kwargs={"temperature": -1}),
            ValueError,
            ">= 0",
        ),
        (
            lambda: rank.get_label_quality_scores([[0, 1, 1], []], [PROBS[0], []]),
            ValueError,
            "sentence 1 has no tokens",
        ),
        (
            lambda: rank.get_label_quality_scores(SENTENCES, PROBS, tokens=[["a", "b", "c"], ["d"]]),
            ValueError,
            r"tokens\[1\] has 1 tokens but sentence 1 has 2",
        ),
        (lambda: rank.issues_from_scores(np.array([0.5]), threshold="0.1"), TypeError, "threshold must be a number"),
        (lambda: summary.display_issues([(0, 5)], [["a", "b"]]), ValueError, r"issues\[0\] is \(0, 5\)"),
        (lambda: summary.common_label_issues([(2, 0)], [["a", "b"]]), ValueError, "no such token"),
    ]
    for call, error, phrase in cases:
        with pytest.raises(error, match=phrase) as caught:
            call()
        one_line(caught)


def test_the_package_offers_cleanlabs_submodules_and_dlqs_scan():
    assert set(dlq.token_classification.__all__) == {"filter", "rank", "summary", "scan", "SentenceScan",
                                                     "SentenceScanResult"}  # fmt: skip
    assert dlq.token_classification.filter is filter and dlq.token_classification.summary is summary
