"""dlq.find_label_issues against cleanlab.filter.find_label_issues, pruning filters."""

from __future__ import annotations

import itertools
import warnings

import dask.array as da
import numpy as np
import pytest
from cleanlab import count as cl_count
from cleanlab import filter as cl_filter
from conftest import as_lists, multilabel_case, noisy_classification

import dlq

FILTERS = ["prune_by_noise_rate", "prune_by_class", "both"]
OPTIONS = [{}, {"frac_noise": 0.4}, {"min_examples_per_class": 150}, {"min_examples_per_class": 0}]


def cleanlab_issues(labels, pred_probs, **options):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # cleanlab warns about classes too small to prune
        return cl_filter.find_label_issues(labels, pred_probs, n_jobs=1, **options)


@pytest.mark.parametrize(("filter_by", "options"), list(itertools.product(FILTERS, OPTIONS)))
def test_random_data_matches_cleanlab(filter_by, options):
    for seed in range(3):
        labels, pred_probs = noisy_classification(2_500, 3 + 3 * seed, seed=30 + seed)
        expected = cleanlab_issues(labels, pred_probs, filter_by=filter_by, **options)
        found = dlq.find_label_issues(labels, pred_probs, filter_by=filter_by, **options)
        assert found.dtype == bool and found.any()
        assert np.array_equal(found, expected)


@pytest.mark.parametrize("filter_by", FILTERS)
@pytest.mark.parametrize("dataset", ["digits", "wine", "iris"])
def test_real_data_matches_cleanlab(real_data, dataset, filter_by):
    labels, pred_probs = real_data[dataset]
    expected = cleanlab_issues(labels, pred_probs, filter_by=filter_by)
    assert expected.any() and np.array_equal(dlq.find_label_issues(labels, pred_probs, filter_by=filter_by), expected)


@pytest.mark.parametrize("filter_by", FILTERS)
def test_num_to_remove_per_class_and_a_given_joint(filter_by):
    labels, pred_probs = noisy_classification(3_000, 5, seed=33)
    removals = [30, 0, 12, 50, 7]
    expected = cleanlab_issues(labels, pred_probs, filter_by=filter_by, num_to_remove_per_class=removals)
    found = dlq.find_label_issues(labels, pred_probs, filter_by=filter_by, num_to_remove_per_class=removals)
    assert expected.any() and np.array_equal(found, expected)
    given = cl_count.compute_confident_joint(labels, pred_probs, thresholds=np.full(5, 0.3), calibrate=False)
    expected = cleanlab_issues(labels, pred_probs, filter_by=filter_by, confident_joint=given)
    found = dlq.find_label_issues(labels, pred_probs, filter_by=filter_by, confident_joint=given)
    assert expected.any() and np.array_equal(found, expected)


@pytest.mark.parametrize("rank_by", ["self_confidence", "normalized_margin", "confidence_weighted_entropy"])
def test_ranked_indices_are_cleanlabs(rank_by):
    labels, pred_probs = noisy_classification(2_000, 6, seed=34)
    expected = cleanlab_issues(labels, pred_probs, return_indices_ranked_by=rank_by)
    found = dlq.find_label_issues(labels, pred_probs, return_indices_ranked_by=rank_by)
    assert found.size > 0 and np.array_equal(found, expected)  # float64 random scores: no ties
    if rank_by == "confidence_weighted_entropy":
        return  # adjustment is refused for entropy scores, by both
    adjusted = {"adjust_pred_probs": True}
    expected = cleanlab_issues(labels, pred_probs, return_indices_ranked_by=rank_by, rank_by_kwargs=adjusted)
    found = dlq.find_label_issues(labels, pred_probs, return_indices_ranked_by=rank_by, rank_by_kwargs=adjusted)
    assert np.array_equal(found, expected)


@pytest.mark.parametrize("chunk_rows", [101, 900])
def test_chunking_never_changes_the_issues(chunk_rows):
    labels, pred_probs = noisy_classification(4_000, 7, seed=35, dtype=np.float32)
    reference = dlq.find_label_issues(labels, pred_probs, filter_by="both")
    found = dlq.find_label_issues(
        da.from_array(labels, chunks=chunk_rows), da.from_array(pred_probs, chunks=(chunk_rows, 7)), filter_by="both"
    )
    assert reference.any() and np.array_equal(found, reference)


@pytest.mark.parametrize(
    "filter_by", ["confident_learning", "predicted_neq_given", "low_self_confidence", "low_normalized_margin"]
)
def test_row_filters_match_cleanlab(real_data, filter_by):
    cases = [noisy_classification(2_500, 2 + 3 * seed, seed=40 + seed) for seed in range(3)]
    cases.append(noisy_classification(2_500, 6, seed=43, dtype=np.float32, absent_class=1))
    for labels, pred_probs in [*cases, *real_data.values()]:
        expected = cleanlab_issues(labels, pred_probs, filter_by=filter_by)
        found = dlq.find_label_issues(labels, pred_probs, filter_by=filter_by)
        assert found.any() and np.array_equal(found, expected)
    labels, pred_probs = cases[0]
    with pytest.warns(UserWarning, match="frac_noise is ignored"):
        dlq.find_label_issues(labels, pred_probs, filter_by=filter_by, frac_noise=0.5)
    chunked = dlq.find_label_issues(
        da.from_array(labels, chunks=333), da.from_array(pred_probs, chunks=(333, 2)), filter_by=filter_by
    )
    assert np.array_equal(chunked, dlq.find_label_issues(labels, pred_probs, filter_by=filter_by))


def test_confident_learning_ignores_a_given_joint_with_a_warning():
    labels, pred_probs = noisy_classification(1_000, 3, seed=44)
    with pytest.warns(UserWarning, match="confident_joint is ignored"):
        found = dlq.find_label_issues(labels, pred_probs, filter_by="confident_learning", confident_joint=np.eye(3))
    assert np.array_equal(found, dlq.find_label_issues(labels, pred_probs, filter_by="confident_learning"))


def test_refusals():
    labels, pred_probs = noisy_classification(300, 3, seed=36)
    cases = [
        ({"filter_by": "predicted_neq_given", "num_to_remove_per_class": [1, 1, 1]}, "not supported"),
        ({"filter_by": "prune"}, "filter_by must be one of"),
        ({"frac_noise": 1.5}, "frac_noise must be between 0 and 1"),
        ({"num_to_remove_per_class": [1, 2]}, "num_to_remove_per_class must be a non-negative integer, or 3 of them"),
        ({"confident_joint": np.eye(2)}, "confident_joint must be 3 x 3"),
        ({"return_indices_ranked_by": "margin"}, "method must be one of"),
        ({"return_indices_ranked_by": "self_confidence", "rank_by_kwargs": {"alpha": 1}}, "unsupported keys"),
        (
            {"return_indices_ranked_by": "confidence_weighted_entropy", "rank_by_kwargs": {"adjust_pred_probs": True}},
            "not supported with method='confidence_weighted_entropy'",
        ),
    ]
    for options, message in cases:
        with pytest.raises(ValueError, match=message):
            dlq.find_label_issues(labels, pred_probs, **options)
    bad = pred_probs.copy()
    bad[210, 0] = 1.5
    with pytest.raises(ValueError, match="row 210"):
        dlq.find_label_issues(labels, bad)


def _rows_beating_the_label(labels, pred_probs):
    """(K, K) counts of the rows given k in which class j has a higher probability."""
    num_classes = pred_probs.shape[1]
    given = pred_probs[np.arange(labels.shape[0]), labels]
    beats = pred_probs > given[:, None]
    return np.array([beats[labels == k].sum(axis=0) for k in range(num_classes)])


@pytest.mark.parametrize("filter_by", FILTERS)
@pytest.mark.parametrize("chunk_rows", [None, 97])
def test_cut_offs_beyond_the_rows_that_beat_their_label(filter_by, chunk_rows):
    """A given joint that asks some cells for more rows than beat their
    label (their cut-off is a margin of 0 or more, where rows whose label is
    their prediction count too) and others for few: each pass makes entries
    of every row of the first cells' labels and only the rows beaten by
    another class of the others; the issues are cleanlab's either way."""
    labels, pred_probs = noisy_classification(3_000, 6, seed=36, dtype=np.float32)
    joint = cl_count.compute_confident_joint(labels, pred_probs, calibrate=False)
    joint[0, 1:] = 200  # class 0 gives up more to each class than beat it there
    joint[3, 4] = 120
    beating = _rows_beating_the_label(labels, pred_probs)
    assert (joint[0, 1:] > beating[0, 1:]).all() and joint[3, 4] > beating[3, 4]
    assert (joint[1, 2:] <= beating[1, 2:]).all()  # and others fewer
    expected = cleanlab_issues(labels, pred_probs, filter_by=filter_by, confident_joint=joint)
    if chunk_rows is not None:
        labels, pred_probs = da.from_array(labels, chunks=chunk_rows), da.from_array(pred_probs, chunks=(chunk_rows, 6))
    found = dlq.find_label_issues(labels, pred_probs, filter_by=filter_by, confident_joint=joint)
    assert expected.sum() > 100 and np.array_equal(found, expected)


@pytest.mark.parametrize("filter_by", ["prune_by_noise_rate", "prune_by_class", "both"])
def test_one_number_to_remove_stands_for_every_class(filter_by):
    """``num_to_remove_per_class=5`` removes 5 of every class, as cleanlab
    takes a plain number (its own tests rely on it)."""
    labels, pred_probs = noisy_classification(2_000, 4, seed=47)
    expected = cl_filter.find_label_issues(labels, pred_probs, filter_by=filter_by, num_to_remove_per_class=5)
    found = dlq.find_label_issues(labels, pred_probs, filter_by=filter_by, num_to_remove_per_class=5)
    np.testing.assert_array_equal(found, expected)
    assert found.any()
    same = dlq.find_label_issues(labels, pred_probs, filter_by=filter_by, num_to_remove_per_class=[5] * 4)
    np.testing.assert_array_equal(found, same)


def test_refusals_that_cleanlab_also_makes_carry_its_words():
    """cleanlab's tests look for these phrases in its refusals; dlq's own
    sentences contain them, and both refuse with a ValueError."""
    labels, pred_probs = noisy_classification(300, 3, seed=36)
    cases = [
        ("num_label_issues", {"estimation_method": "not_a_method"}, "not a valid estimation method"),
        ("num_label_issues", {"estimation_method": "off_diagonal_custom"}, "you need to provide pre-calculated"),
        (
            "find_label_issues",
            {"filter_by": "confident_learning", "num_to_remove_per_class": [1, 1, 1]},
            "not supported",
        ),
    ]
    for name, options, phrase in cases:
        theirs = getattr(cl_count if name == "num_label_issues" else cl_filter, name)
        for function in (theirs, getattr(dlq, name)):
            with pytest.raises(ValueError, match=phrase):
                function(labels, pred_probs, **options)


def test_predicted_neq_given_is_cleanlabs(real_data):
    """cleanlab.filter.find_predicted_neq_given: the argmax against the given
    label, with no 1e-6 allowance (ties go to the first class), multi-class
    on random and real data and in chunks, and multi-label."""
    tied_labels, tied_probs = noisy_classification(2_000, 4, seed=48)
    tied_probs[:4] = [0.5, 0.5, 0.0, 0.0]  # ties, given the first class or the second
    tied_labels[:4] = [0, 1, 0, 1]
    for labels, pred_probs in [(tied_labels, tied_probs), *real_data.values()]:
        expected = cl_filter.find_predicted_neq_given(labels, pred_probs)
        np.testing.assert_array_equal(dlq.filter.find_predicted_neq_given(labels, pred_probs), expected)
        assert expected.any()
    lazy = dlq.filter.find_predicted_neq_given(da.from_array(labels, chunks=100), da.from_array(pred_probs, chunks=100))
    np.testing.assert_array_equal(lazy.compute(), expected)
    for seed in (0, 2, 4):  # cleanlab refuses a class no example has (odd seeds)
        binary, pred_probs = multilabel_case(seed, n_classes=3 + seed)
        lists = as_lists(binary)
        expected = cl_filter.find_predicted_neq_given(lists, pred_probs, multi_label=True)
        found = dlq.filter.find_predicted_neq_given(lists, pred_probs, multi_label=True)
        np.testing.assert_array_equal(found, expected)
        assert expected.any() and not expected.all()


@pytest.mark.parametrize("filter_by", ["prune_by_noise_rate", "prune_by_class", "both"])
@pytest.mark.parametrize("calibrate", [True, False])
def test_pruning_by_the_argmax_confusion_matrix_is_cleanlabs(real_data, filter_by, calibrate):
    for labels, pred_probs in [noisy_classification(2_000, 5, seed=49), *real_data.values()]:
        expected = cl_filter.find_label_issues_using_argmax_confusion_matrix(
            labels, pred_probs, calibrate=calibrate, filter_by=filter_by
        )
        found = dlq.filter.find_label_issues_using_argmax_confusion_matrix(
            labels, pred_probs, calibrate=calibrate, filter_by=filter_by
        )
        np.testing.assert_array_equal(found, expected)
        assert expected.any()


def test_pruning_by_the_argmax_confusion_matrix_refuses_bad_rows_by_number():
    labels, pred_probs = noisy_classification(500, 3, seed=50)
    pred_probs[123] = np.nan
    with pytest.raises(ValueError, match="row 123"):
        dlq.filter.find_label_issues_using_argmax_confusion_matrix(labels, pred_probs)
