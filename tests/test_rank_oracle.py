"""dlq.rank against cleanlab.rank, on random and real data, in memory and in chunks."""

from __future__ import annotations

import dask.array as da
import numpy as np
import pytest
from cleanlab import filter as cl_filter
from cleanlab import rank as cl_rank
from conftest import noisy_classification

from dlq import rank

PER_LABEL = [
    "get_self_confidence_for_each_label",
    "get_normalized_margin_for_each_label",
    "get_confidence_weighted_entropy_for_each_label",
]


def cases(real_data):
    yield noisy_classification(2_000, 5, seed=51)
    yield noisy_classification(1_500, 3, seed=52, dtype=np.float32)
    yield from real_data.values()


@pytest.mark.parametrize("name", PER_LABEL)
def test_each_labels_score_is_cleanlabs(real_data, name):
    for labels, pred_probs in cases(real_data):
        theirs = getattr(cl_rank, name)(labels, pred_probs)
        ours = getattr(rank, name)(labels, pred_probs)
        np.testing.assert_allclose(ours, theirs, rtol=1e-5 if pred_probs.dtype == np.float32 else 1e-12, atol=1e-7)
    lazy = getattr(rank, name)(da.from_array(labels, chunks=100), da.from_array(pred_probs, chunks=(100, -1)))
    assert isinstance(lazy, da.Array)
    np.testing.assert_allclose(lazy.compute(), theirs, rtol=1e-12)


def test_top_issues_are_cleanlabs_in_memory_and_in_chunks():
    """Distinct scores: cleanlab's order exactly, for several ``top``; a dask
    array of scores in 7 chunks gives the same indices without being gathered."""
    scores = np.random.default_rng(53).random(1_000)
    for top in (0, 1, 10, 999, 1_000, 5_000, None):
        expected = cl_rank.find_top_issues(scores, top=top)
        np.testing.assert_array_equal(rank.find_top_issues(scores, top=top), expected)
        lazy = rank.find_top_issues(da.from_array(scores, chunks=150), top=top)
        np.testing.assert_array_equal(lazy.compute(), expected)


def test_top_issues_break_ties_by_index():
    scores = np.array([0.3, 0.1, 0.2, 0.1, 0.1, 0.2])
    np.testing.assert_array_equal(rank.find_top_issues(scores, top=4), [1, 3, 4, 2])
    np.testing.assert_array_equal(rank.find_top_issues(da.from_array(scores, chunks=2), top=4).compute(), [1, 3, 4, 2])
    with pytest.raises(ValueError, match="top must be a non-negative integer"):
        rank.find_top_issues(scores, top=-1)


@pytest.mark.parametrize(
    ("rank_by", "rank_by_kwargs"),
    [
        ("self_confidence", {}),
        ("normalized_margin", {}),
        ("confidence_weighted_entropy", {}),
        ("self_confidence", {"adjust_pred_probs": True}),
        ("normalized_margin", {"adjust_pred_probs": True}),
    ],
)
def test_issues_are_ordered_as_cleanlab_orders_them(real_data, rank_by, rank_by_kwargs):
    for labels, pred_probs in cases(real_data):
        mask = cl_filter.find_label_issues(labels, pred_probs)
        expected = cl_rank.order_label_issues(mask, labels, pred_probs, rank_by=rank_by, rank_by_kwargs=rank_by_kwargs)
        found = rank.order_label_issues(mask, labels, pred_probs, rank_by=rank_by, rank_by_kwargs=rank_by_kwargs)
        assert mask.sum() > 0
        np.testing.assert_array_equal(found, expected)
    lazy = rank.order_label_issues(
        da.from_array(mask, chunks=100),
        da.from_array(labels, chunks=100),
        da.from_array(pred_probs, chunks=(100, -1)),
        rank_by=rank_by,
        rank_by_kwargs=rank_by_kwargs,
    )
    np.testing.assert_array_equal(lazy.compute(), expected)


def test_ordering_refuses_bad_input():
    labels, pred_probs = noisy_classification(300, 3, seed=54)
    mask = np.zeros(300, bool)
    with pytest.raises(ValueError, match="label_issues_mask must be 300 booleans"):
        rank.order_label_issues(mask[:-1], labels, pred_probs)
    with pytest.raises(ValueError, match="label_issues_mask must be 300 booleans"):
        rank.order_label_issues(mask.astype(int), labels, pred_probs)
    bad = pred_probs.copy()
    bad[7] = np.nan
    with pytest.raises(ValueError, match="row 7"):
        rank.order_label_issues(mask, labels, bad)
    with pytest.raises(ValueError, match="method must be one of"):
        rank.order_label_issues(mask, labels, pred_probs, rank_by="margin")


def _members(labels, pred_probs, count, seed):
    """``count`` models' pred_probs: the given ones, sharpened and blurred by turns."""
    rng = np.random.default_rng(seed)
    members = [pred_probs]
    for m in range(1, count):
        logits = np.log(np.clip(pred_probs, 1e-12, None)) * (0.5 + m) + rng.normal(0, 0.3, pred_probs.shape)
        exp = np.exp(logits - logits.max(axis=1, keepdims=True))
        members.append((exp / exp.sum(axis=1, keepdims=True)).astype(pred_probs.dtype))
    return members


@pytest.mark.parametrize("weighting", ["uniform", "accuracy", "custom", "log_loss_search"])
@pytest.mark.parametrize(("method", "adjust"), [("self_confidence", False), ("normalized_margin", True)])
def test_ensemble_scores_are_cleanlabs(real_data, weighting, method, adjust):
    """Exact for uniform, accuracy and custom weights of unadjusted scores;
    adjusted scores use thresholds rounded once from exact sums (cleanlab's
    np.mean can differ in the last bit), and the log-loss search sums each
    member's log loss chunk by chunk (cleanlab in one numpy sum): those
    agree to about 1e-12."""
    cases = [noisy_classification(2_000, 4, seed=55), noisy_classification(1_000, 3, seed=56, dtype=np.float32)]
    for labels, pred_probs in [*cases, real_data["digits"]]:
        members = _members(labels, pred_probs, 3, seed=57)
        options = {
            "method": method,
            "adjust_pred_probs": adjust,
            "weight_ensemble_members_by": weighting,
            "custom_weights": np.array([0.5, 0.3, 0.2]) if weighting == "custom" else None,
            "verbose": False,
        }
        expected = cl_rank.get_label_quality_ensemble_scores(labels, members, **options)
        found = rank.get_label_quality_ensemble_scores(labels, members, **options)
        if adjust and pred_probs.dtype == np.float32:  # dlq adjusts float32 in float64, as its get_label_quality_scores
            np.testing.assert_allclose(found, expected, rtol=1e-5, atol=1e-7)
        elif weighting == "log_loss_search" or adjust:
            assert found.dtype == expected.dtype
            np.testing.assert_allclose(found, expected, rtol=1e-12)
        else:
            assert found.dtype == expected.dtype
            np.testing.assert_array_equal(found, expected)
    lazy = rank.get_label_quality_ensemble_scores(
        da.from_array(labels, chunks=300), [da.from_array(m, chunks=(300, -1)) for m in members], **options
    )
    np.testing.assert_allclose(lazy.compute(), expected, rtol=1e-12)


def test_ensemble_refusals_and_words(capsys):
    labels, pred_probs = noisy_classification(300, 3, seed=58)
    members = _members(labels, pred_probs, 2, seed=59)
    with pytest.raises(TypeError, match="must be a list"):
        rank.get_label_quality_ensemble_scores(labels, tuple(members))
    with pytest.raises(ValueError, match="is empty"):
        rank.get_label_quality_ensemble_scores(labels, [])
    with pytest.raises(ValueError, match="not a valid weighting method"):
        rank.get_label_quality_ensemble_scores(labels, members, weight_ensemble_members_by="median")
    with pytest.raises(ValueError, match="custom_weights are used only"):
        rank.get_label_quality_ensemble_scores(labels, members, custom_weights=[0.5, 0.5])
    with pytest.raises(ValueError, match="needs custom_weights, one per model"):
        rank.get_label_quality_ensemble_scores(labels, members, weight_ensemble_members_by="custom")
    with pytest.raises(ValueError, match=r"pred_probs_list\[1\] has shape"):
        rank.get_label_quality_ensemble_scores(labels, [pred_probs, pred_probs[:10]])
    with pytest.warns(UserWarning, match="holds one model"):
        rank.get_label_quality_ensemble_scores(labels, [pred_probs], verbose=False)
    rank.get_label_quality_ensemble_scores(labels, members)
    assert "weighted by accuracy: weights" in capsys.readouterr().out
