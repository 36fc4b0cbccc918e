"""dlq.multilabel against cleanlab 2.9 on random and real multi-label data."""

from __future__ import annotations

import itertools
import warnings

import dask.array as da
import numpy as np
import pytest
import scipy.sparse as sp
from cleanlab.multilabel_classification import filter as cl_filter
from cleanlab.multilabel_classification import rank as cl_rank
from conftest import as_lists, counted_calls, multilabel_digits, noisy_multilabel, patch_everywhere

import dlq
from dlq.kernels import settle

METHODS = ["self_confidence", "normalized_margin", "confidence_weighted_entropy"]
SCORING = [(m, adjust) for m, adjust in itertools.product(METHODS, [False, True]) if not (adjust and "entropy" in m)]
AGGREGATORS = [
    None,
    {"method": "exponential_moving_average", "alpha": 0.8},
    {"method": "exponential_moving_average", "alpha": None},
    {"method": "exponential_moving_average", "alpha": 0.3},
    {"method": "softmin", "temperature": 0.1},
    {"method": "softmin", "temperature": 2.0},
    {"method": np.min},
]
RANKINGS = [None, *METHODS]


@pytest.fixture(scope="module")
def digits():
    return multilabel_digits()


def cleanlab_issues(labels, pred_probs, **kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return cl_filter.find_label_issues(as_lists(labels), pred_probs, low_memory=True, **kwargs)


def test_documented_example():
    scores = dlq.multilabel.get_label_quality_scores([[1], [0, 2]], np.array([[0.1, 0.9, 0.1], [0.4, 0.1, 0.9]]))
    np.testing.assert_allclose(scores, [0.9, 0.5], rtol=1e-12, atol=1e-15)


@pytest.mark.parametrize(("method", "adjust"), SCORING)
@pytest.mark.parametrize("aggregator", AGGREGATORS, ids=str)
def test_scores_match_cleanlab(method, adjust, aggregator):
    labels, pred_probs = noisy_multilabel(800, 6, seed=1, never=2, always=4)
    kwargs = {"method": method, "adjust_pred_probs": adjust}
    if aggregator is not None:
        kwargs["aggregator_kwargs"] = aggregator
    expected = cl_rank.get_label_quality_scores(as_lists(labels), pred_probs, **kwargs)
    for given in (as_lists(labels), labels, labels.astype(np.uint8), sp.csr_matrix(labels)):
        np.testing.assert_allclose(
            dlq.multilabel.get_label_quality_scores(given, pred_probs, **kwargs), expected, rtol=1e-12
        )


@pytest.mark.parametrize(("method", "adjust"), SCORING)
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_per_class_scores_match_cleanlab(method, adjust, dtype):
    labels, pred_probs = noisy_multilabel(700, 5, seed=2, dtype=dtype, never=0)
    ours = dlq.multilabel.get_label_quality_scores_per_class(
        labels, pred_probs, method=method, adjust_pred_probs=adjust
    )
    theirs = cl_rank.get_label_quality_scores_per_class(
        as_lists(labels), pred_probs, method=method, adjust_pred_probs=adjust
    )
    assert ours.shape == theirs.shape == (700, 5)
    np.testing.assert_allclose(ours, theirs, rtol=1e-12 if dtype == np.float64 else 1e-6, atol=1e-7)


@pytest.mark.parametrize(("method", "adjust"), SCORING)
def test_real_multilabel_scores(digits, method, adjust):
    labels, pred_probs = digits
    for aggregator in AGGREGATORS[1:]:
        kwargs = {"method": method, "adjust_pred_probs": adjust, "aggregator_kwargs": aggregator}
        np.testing.assert_allclose(
            dlq.multilabel.get_label_quality_scores(labels, pred_probs, **kwargs),
            cl_rank.get_label_quality_scores(as_lists(labels), pred_probs, **kwargs),
            rtol=1e-12,
            atol=1e-15,
        )


@pytest.mark.parametrize("ranked_by", RANKINGS)
@pytest.mark.parametrize("seed", range(3))
def test_issues_match_cleanlab(ranked_by, seed):
    labels, pred_probs = noisy_multilabel(2000, 3 + 2 * seed, seed=seed, never=1, always=2)
    ours = dlq.multilabel.find_label_issues(labels, pred_probs, low_memory=True, return_indices_ranked_by=ranked_by)
    theirs = cleanlab_issues(labels, pred_probs, return_indices_ranked_by=ranked_by)
    assert ours.dtype == theirs.dtype
    assert np.array_equal(ours, theirs)
    assert 0 < (ours.sum() if ranked_by is None else len(ours)) < 2000


@pytest.mark.parametrize("ranked_by", RANKINGS)
def test_real_multilabel_issues(digits, ranked_by):
    labels, pred_probs = digits
    for rank_by_kwargs in ({}, {"adjust_pred_probs": True}) if ranked_by and "entropy" not in ranked_by else ({},):
        ours = dlq.multilabel.find_label_issues(
            as_lists(labels),
            pred_probs,
            low_memory=True,
            return_indices_ranked_by=ranked_by,
            rank_by_kwargs=rank_by_kwargs,
        )
        theirs = cleanlab_issues(labels, pred_probs, return_indices_ranked_by=ranked_by, rank_by_kwargs=rank_by_kwargs)
        assert np.array_equal(ours, theirs)


@pytest.mark.parametrize("ranked_by", RANKINGS)
def test_issues_per_class_match_cleanlab(digits, ranked_by):
    labels, pred_probs = digits
    ours = dlq.multilabel.find_multilabel_issues_per_class(
        labels, pred_probs, low_memory=True, return_indices_ranked_by=ranked_by
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        theirs = cl_filter.find_multilabel_issues_per_class(
            as_lists(labels), pred_probs, low_memory=True, return_indices_ranked_by=ranked_by
        )
    if ranked_by is None:
        assert np.array_equal(ours, theirs)
        return
    for ours_part, theirs_part in zip(ours, theirs, strict=True):
        assert len(ours_part) == len(theirs_part) == 5
        for ours_class, theirs_class in zip(ours_part, theirs_part, strict=True):
            # cleanlab 2.9 returns each class's issues in index order; dlq ranks them
            np.testing.assert_array_equal(np.sort(ours_class, axis=0), np.sort(theirs_class, axis=0))


def test_lazy_in_lazy_out():
    labels, pred_probs = noisy_multilabel(900, 4, seed=5)
    lazy_labels = da.from_array(labels, chunks=(200, 4))
    lazy_probs = da.from_array(pred_probs, chunks=(250, 4))
    scores = dlq.multilabel.get_label_quality_scores(lazy_labels, lazy_probs, adjust_pred_probs=True)
    per_class = dlq.multilabel.get_label_quality_scores_per_class(lazy_labels, lazy_probs)
    assert isinstance(scores, da.Array) and isinstance(per_class, da.Array)
    assert per_class.shape == (900, 4)
    np.testing.assert_allclose(
        scores.compute(),
        cl_rank.get_label_quality_scores(as_lists(labels), pred_probs, adjust_pred_probs=True),
        rtol=1e-12,
    )
    np.testing.assert_allclose(
        per_class.compute(), cl_rank.get_label_quality_scores_per_class(as_lists(labels), pred_probs)
    )


def test_multilabel_scan_and_its_lazy_parts():
    labels, pred_probs = noisy_multilabel(1200, 4, seed=6, never=1)
    lazy = dlq.multilabel.scan(da.from_array(labels, chunks=(300, 4)), da.from_array(pred_probs, chunks=(300, 4)))
    result = lazy.compute()
    expected = cleanlab_issues(labels, pred_probs, return_indices_ranked_by="self_confidence")
    assert np.array_equal(result.issues, expected)
    # each lazy part computes on its own, with dask's default optimisation
    assert np.array_equal(np.flatnonzero(lazy.mask.compute()), np.sort(expected))
    np.testing.assert_allclose(lazy.scores.compute(), cl_rank.get_label_quality_scores(as_lists(labels), pred_probs))
    per_class = dlq.multilabel.find_multilabel_issues_per_class(labels, pred_probs, low_memory=True)
    assert np.array_equal(lazy.per_class_issues.compute(), per_class.sum(axis=0))
    assert result.thresholds.shape == (2, 4) and result.thresholds[1, 1] == 2e-6  # class 1 never given


@pytest.mark.parametrize("n_classes", [6, 70])  # first selection rounds of 16 and of 8 bits
@pytest.mark.parametrize("grid", [None, 20])
def test_chunked_low_memory_issues_match_cleanlab(monkeypatch, n_classes, grid):
    """Several chunks, so that the selection settles across them in the
    rounds its graph takes. On a coarse grid of probabilities many scores
    tie, which cleanlab breaks arbitrarily: there the answer is that of the
    data in one chunk, which is worked on with no rounds."""
    labels, pred_probs = noisy_multilabel(1500, n_classes, seed=n_classes)
    if grid is not None:
        pred_probs = np.round(pred_probs * grid) / grid
    kwargs = {"low_memory": True, "return_indices_ranked_by": "self_confidence"}
    expected = (
        cleanlab_issues(labels, pred_probs, return_indices_ranked_by="self_confidence")
        if grid is None
        else dlq.multilabel.find_label_issues(labels, pred_probs, **kwargs)
    )
    assert len(expected) > 100
    looks = counted_calls(monkeypatch, settle.split)
    for chunk_rows in (400, 173):
        looks.clear()
        chunks = (chunk_rows, n_classes)
        ours = dlq.multilabel.find_label_issues(
            da.from_array(labels, chunks=chunks), da.from_array(pred_probs, chunks=chunks), **kwargs
        )
        assert np.array_equal(np.asarray(ours), expected)
        assert len(looks) == -(-1500 // chunk_rows)  # the look that settles the selection, at each chunk


@pytest.mark.parametrize("first_chunk", ["noisy", "clean", "uncertain"])
def test_low_memory_search_reads_again_only_where_kept_entries_fall_short(monkeypatch, first_chunk):
    """Pass 2 keeps each class's lowest entries of a chunk that may be
    issues (those scoring at most 1/2), up to a few times its issues; the
    look that settles the selection uses them and reads no chunk whose kept
    entries hold what it needs. A chunk of labels that agree with the model
    has no such entry, so nothing to read. A chunk of uncertain predictions
    (near 1/2) has many, but no issue, so it keeps none: that chunk, and
    only that one, is read again."""
    from dlq.kernels import subblocks

    labels, pred_probs = noisy_multilabel(2000, 5, seed=8)
    if first_chunk == "clean":
        labels[:400] = pred_probs[:400] > 0.5
    if first_chunk == "uncertain":
        pred_probs[:400] = 0.5 + np.random.default_rng(1).uniform(-0.04, 0.04, (400, 5))
    made = []
    original = subblocks.ranking_entries
    patch_everywhere(
        monkeypatch,
        original,
        lambda y, p, offset, *args: made.append(offset) or original(y, p, offset, *args),
    )
    looks = counted_calls(monkeypatch, settle.split)
    found = dlq.multilabel.scan(labels, pred_probs, chunk_rows=400).compute()
    assert len(looks) == 5  # the look that settles the selection ran at each of the 5 chunks
    assert made == ([0] if first_chunk == "uncertain" else [])
    theirs = np.flatnonzero(cleanlab_issues(labels, pred_probs))
    assert len(theirs) > 100
    assert np.array_equal(np.sort(found.issues), theirs)


@pytest.mark.parametrize("method", ["self_confidence", "normalized_margin"])
def test_low_memory_search_looks_at_no_entry_above_one_half_and_loses_nothing(monkeypatch, method):
    """An issue's score is at most 1/2 under these methods, so the batched
    search drops higher entries as it makes them. Here class 0's cut falls
    on ties at exactly 1/2 (rows labelled 1 with p = 1/2 are confident: the
    negative side's threshold is about 0.4), with entries just above 1/2 in
    the same first histogram bin: the answer, at every chunking, is that of
    the search that keeps every entry."""
    from dlq.kernels import candidates

    rng = np.random.default_rng(3)
    labels, pred_probs = noisy_multilabel(1200, 3, seed=3)
    kind = rng.integers(0, 3, 1200)  # class 0: labelled 0 with p near 0.6, labelled 1 with p 1/2 or 0.9
    labels[:, 0] = kind > 0
    pred_probs[:, 0] = np.where(kind == 0, rng.uniform(0.48, 0.62, 1200), np.where(kind == 1, 0.5, 0.9))
    kwargs = {"low_memory": True, "return_indices_ranked_by": method}
    every_entry = {}

    class NoCeiling(dict):
        """No method's ceiling, and a count of the looks for one."""

        looks = 0

        def get(self, *args):
            NoCeiling.looks += 1
            return super().get(*args)

    with monkeypatch.context() as patched:
        patched.setattr(candidates, "ISSUE_SCORE_CEILING", NoCeiling())
        for chunk_rows in (1200, 300, 173):
            chunks = (chunk_rows, 3)
            every_entry[chunk_rows] = dlq.multilabel.find_label_issues(
                da.from_array(labels, chunks=chunks), da.from_array(pred_probs, chunks=chunks), **kwargs
            )
    assert NoCeiling.looks > 0  # the searches above made their entries without a ceiling
    # the ties are confident issues, more than the entries below them: the cut is among them
    assert dlq.multilabel.scan(labels, pred_probs).compute().thresholds[0, 0] < 0.5
    assert np.count_nonzero((kind == 0) & (pred_probs[:, 0] > 0.5)) < np.count_nonzero(kind == 1)
    assert np.any((kind == 0) & (pred_probs[:, 0] < 0.5) & (pred_probs[:, 0] > 0.46875))  # 1 - p in [1/2, 17/32)
    for chunk_rows, expected in every_entry.items():
        chunks = (chunk_rows, 3)
        ours = dlq.multilabel.find_label_issues(
            da.from_array(labels, chunks=chunks), da.from_array(pred_probs, chunks=chunks), **kwargs
        )
        assert np.array_equal(ours, expected)
        assert np.array_equal(ours, every_entry[1200])
