"""dlq's multi-class API against cleanlab 2.9 on random and real data."""

from __future__ import annotations

import itertools

import dask.array as da
import numpy as np
import pytest
from cleanlab.experimental import label_issues_batched as cl_batched
from cleanlab.rank import get_label_quality_scores as cl_scores
from conftest import assert_same_issues, counted_calls, noisy_classification

import dlq

QUALITY_OPTIONS = [
    {},
    {"method": "normalized_margin"},
    {"method": "confidence_weighted_entropy"},
    {"adjust_pred_probs": True},
    {"method": "normalized_margin", "adjust_pred_probs": True},
]
ISSUE_OPTIONS = [{}, {"estimation_method": "off_diagonal"}, {"estimation_method": "off_diagonal_calibrated"}]


def cleanlab_batched(labels, pred_probs, batch_size, quality, issues, return_mask=False):
    return cl_batched.find_label_issues_batched(
        labels,
        pred_probs,
        batch_size=batch_size,
        n_jobs=1,
        verbose=False,
        quality_score_kwargs=quality,
        num_issue_kwargs=issues,
        return_mask=return_mask,
    )


def cleanlab_scores(labels, pred_probs, batch_size, quality):
    """The scores cleanlab's batched finder ranks by."""
    inspector = cl_batched.LabelInspector(num_class=pred_probs.shape[1], verbose=False, quality_score_kwargs=quality)
    for start in range(0, labels.shape[0], batch_size):
        inspector.update_confident_thresholds(
            labels[start : start + batch_size], pred_probs[start : start + batch_size]
        )
    for start in range(0, labels.shape[0], batch_size):
        inspector.score_label_quality(labels[start : start + batch_size], pred_probs[start : start + batch_size])
    return inspector.get_quality_scores()


def check_against_cleanlab(labels, pred_probs, quality, issues, batch_size=1000):
    ours = dlq.find_label_issues_batched(
        labels, pred_probs, batch_size=batch_size, verbose=False, quality_score_kwargs=quality, num_issue_kwargs=issues
    )
    theirs = cleanlab_batched(labels, pred_probs, batch_size, quality, issues)
    scores = cleanlab_scores(labels, pred_probs, batch_size, quality)
    assert ours.dtype.kind == "i"
    assert_same_issues(ours, theirs, scores)
    return ours, theirs


@pytest.mark.parametrize(("quality", "issues"), list(itertools.product(QUALITY_OPTIONS, ISSUE_OPTIONS)))
@pytest.mark.parametrize("seed", range(3))
def test_random_data_matches_cleanlab(quality, issues, seed):
    labels, pred_probs = noisy_classification(3000, 2 + 3 * seed, seed=seed)
    ours, theirs = check_against_cleanlab(labels, pred_probs, quality, issues, batch_size=700)
    assert len(ours) == len(theirs) > 0


@pytest.mark.parametrize("quality", QUALITY_OPTIONS)
@pytest.mark.parametrize("dataset", ["digits", "wine", "iris"])
def test_real_data_matches_cleanlab(real_data, dataset, quality):
    labels, pred_probs = real_data[dataset]
    for issues in ISSUE_OPTIONS[1:]:
        ours, theirs = check_against_cleanlab(labels, pred_probs, quality, issues, batch_size=256)
        assert np.array_equal(np.sort(ours), theirs)


@pytest.mark.parametrize("quality", QUALITY_OPTIONS)
def test_float32_matches_cleanlab(quality):
    labels, pred_probs = noisy_classification(5000, 6, seed=7, dtype=np.float32)
    check_against_cleanlab(labels, pred_probs, quality, {}, batch_size=999)


@pytest.mark.parametrize("quality", QUALITY_OPTIONS)
def test_absent_class_matches_cleanlab(quality):
    labels, pred_probs = noisy_classification(4000, 5, seed=3, absent_class=2)
    for issues in ISSUE_OPTIONS[1:]:
        check_against_cleanlab(labels, pred_probs, quality, issues)


def test_return_mask_matches_cleanlab(real_data):
    labels, pred_probs = real_data["digits"]
    ours = dlq.find_label_issues_batched(labels, pred_probs, verbose=False, return_mask=True)
    theirs = cleanlab_batched(labels, pred_probs, 10000, {}, {}, return_mask=True)
    assert ours.dtype == bool
    assert np.array_equal(ours, theirs)


def test_issues_are_ranked_by_score_not_index(real_data):
    labels, pred_probs = real_data["digits"]
    ours = dlq.find_label_issues_batched(labels, pred_probs, verbose=False)
    scores = pred_probs[np.arange(len(labels)), labels]
    assert np.all(np.diff(scores[ours]) >= 0)
    assert not np.all(np.diff(ours) > 0), "expected a ranking that differs from index order on this data"


@pytest.mark.parametrize("quality", QUALITY_OPTIONS)
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_label_quality_scores_match_cleanlab_rank(quality, dtype):
    labels, pred_probs = noisy_classification(2000, 4, seed=11, dtype=dtype, absent_class=1)
    ours = dlq.get_label_quality_scores(labels, pred_probs, **quality)
    theirs = cl_scores(labels, pred_probs, **quality)
    assert isinstance(ours, np.ndarray)
    assert ours.shape == theirs.shape
    np.testing.assert_allclose(ours, theirs, rtol=1e-5 if dtype == np.float32 else 1e-12, atol=1e-7)


@pytest.mark.parametrize("quality", QUALITY_OPTIONS)
def test_label_quality_scores_real_data(real_data, quality):
    labels, pred_probs = real_data["wine"]
    np.testing.assert_allclose(
        dlq.get_label_quality_scores(labels, pred_probs, **quality),
        cl_scores(labels, pred_probs, **quality),
        rtol=1e-12,
    )


def test_label_quality_scores_dask_in_dask_out():
    labels, pred_probs = noisy_classification(1000, 3, seed=1)
    lazy = dlq.get_label_quality_scores(
        da.from_array(labels, chunks=300), da.from_array(pred_probs, chunks=(300, 3)), adjust_pred_probs=True
    )
    assert isinstance(lazy, da.Array)
    np.testing.assert_allclose(lazy.compute(), cl_scores(labels, pred_probs, adjust_pred_probs=True), rtol=1e-12)


@pytest.mark.parametrize("quality", QUALITY_OPTIONS)
@pytest.mark.parametrize("issues", ISSUE_OPTIONS[1:])
def test_label_inspector_matches_cleanlab(quality, issues):
    labels, pred_probs = noisy_classification(3000, 5, seed=5, absent_class=4)
    ours = dlq.LabelInspector(num_class=5, verbose=False, quality_score_kwargs=quality, num_issue_kwargs=issues)
    theirs = cl_batched.LabelInspector(
        num_class=5, verbose=False, quality_score_kwargs=quality, num_issue_kwargs=issues, n_jobs=1
    )
    batches = [slice(start, start + 800) for start in range(0, 3000, 800)]
    for rows in batches:
        ours.update_confident_thresholds(labels[rows], pred_probs[rows])
        theirs.update_confident_thresholds(labels[rows], pred_probs[rows])
    np.testing.assert_allclose(ours.get_confident_thresholds(), theirs.get_confident_thresholds(), rtol=1e-13)
    for rows in batches:
        np.testing.assert_allclose(
            ours.score_label_quality(labels[rows], pred_probs[rows]),
            theirs.score_label_quality(labels[rows], pred_probs[rows]),
            rtol=1e-12,
        )
    assert ours.get_num_issues() == theirs.get_num_issues()
    np.testing.assert_allclose(ours.get_quality_scores(), theirs.get_quality_scores(), rtol=1e-12)
    assert_same_issues(ours.get_label_issues(), np.sort(theirs.get_label_issues()), theirs.get_quality_scores())


def test_label_inspector_refuses_use_out_of_order():
    inspector = dlq.LabelInspector(num_class=3, verbose=False)
    with pytest.raises(ValueError, match="update_confident_thresholds"):
        inspector.get_confident_thresholds()
    with pytest.raises(ValueError, match="score_label_quality"):
        inspector.get_num_issues()
    no_store = dlq.LabelInspector(num_class=3, store_results=False, verbose=False)
    with pytest.raises(ValueError, match="store_results"):
        no_store.get_quality_scores()
    with pytest.raises(ValueError, match="num_class=3"):
        inspector.update_confident_thresholds(np.array([0, 1]), np.full((2, 4), 0.25))


def test_default_chunking_matches_cleanlab_default_batches():
    """dlq's default chunks (about 16 MiB, several of them here) and
    cleanlab's default batches of 10,000 rows find the same issues."""
    labels, pred_probs = noisy_classification(300_000, 30, seed=12, dtype=np.float32)
    ours = dlq.find_label_issues_batched(labels, pred_probs, verbose=False)
    theirs = cl_batched.find_label_issues_batched(labels, pred_probs, n_jobs=1, verbose=False)
    assert ours.size > 0
    assert_same_issues(ours, theirs, cleanlab_scores(labels, pred_probs, 10_000, {}))


@pytest.mark.filterwarnings("ignore:.*do not sum to 1")  # rounded rows
@pytest.mark.parametrize("quality", QUALITY_OPTIONS[:2])
def test_tied_scores_give_one_answer_for_every_batch_size(monkeypatch, quality):
    """On a coarse grid of probabilities many scores tie at the cut-off; the
    selection settles them by index whatever the chunks (cleanlab's own
    order among ties is arbitrary, so the reference is dlq on one chunk),
    in the look that settles it, at each chunk."""
    from dlq.kernels import settle

    labels, pred_probs = noisy_classification(4000, 4, seed=11)
    pred_probs = np.round(pred_probs * 10) / 10
    one_chunk = dlq.find_label_issues_batched(
        labels, pred_probs, batch_size=4000, verbose=False, quality_score_kwargs=quality
    )
    assert len(one_chunk) > 200
    looks = counted_calls(monkeypatch, settle.split)
    for batch_size in (333, 1000, 2500):
        looks.clear()
        found = dlq.find_label_issues_batched(
            labels, pred_probs, batch_size=batch_size, verbose=False, quality_score_kwargs=quality
        )
        assert np.array_equal(found, one_chunk), batch_size
        assert len(looks) == -(-4000 // batch_size), batch_size
