"""dlq.multilabel's in-memory filters, issue count and health summaries
against cleanlab 2.9 (``low_memory=False``, its default)."""

from __future__ import annotations

import itertools
import warnings

import dask.array as da
import numpy as np
import pandas as pd
import pytest
from cleanlab import count as cl_count
from cleanlab.internal import multilabel_scorer
from cleanlab.multilabel_classification import dataset as cl_dataset
from cleanlab.multilabel_classification import filter as cl_filter
from conftest import as_lists, multilabel_digits, noisy_multilabel

import dlq

PRUNING = ["prune_by_noise_rate", "prune_by_class", "both"]
ROWS = ["confident_learning", "predicted_neq_given"]
LOWEST = ["low_self_confidence", "low_normalized_margin"]
OPTIONS = [{}, {"frac_noise": 0.4}, {"min_examples_per_class": 150}, {"min_examples_per_class": 0}]


def cleanlab(function, labels, pred_probs, **kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return getattr(cl_filter, function)(as_lists(labels), pred_probs, n_jobs=1, **kwargs)


def same_per_class(ours, theirs):
    """Per-class results of find_multilabel_issues_per_class: a mask, or cleanlab's three lists."""
    if isinstance(theirs, np.ndarray):
        return np.array_equal(ours, theirs)
    return all(
        len(a) == len(b) and all(np.array_equal(x, y) for x, y in zip(a, b, strict=True))
        for a, b in zip(ours, theirs, strict=True)
    )


@pytest.mark.parametrize(("filter_by", "options"), list(itertools.product(PRUNING + ROWS + LOWEST, OPTIONS)))
def test_random_data_matches_cleanlab(filter_by, options):
    for seed, (n_rows, n_classes) in enumerate([(600, 4), (900, 7)]):
        labels, pred_probs = noisy_multilabel(n_rows, n_classes, seed=seed)
        for function in ("find_label_issues", "find_multilabel_issues_per_class"):
            expected = cleanlab(function, labels, pred_probs, filter_by=filter_by, **options)
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")  # frac_noise with a row filter
                found = getattr(dlq.multilabel, function)(labels, pred_probs, filter_by=filter_by, **options)
            assert expected.any() and np.array_equal(found, expected), (function, seed)


@pytest.mark.parametrize("filter_by", PRUNING)
def test_num_to_remove_per_class_matches_cleanlab(filter_by):
    labels, pred_probs = noisy_multilabel(700, 5, seed=11)
    for removals in ([0, 3, 10, 1, 40], [5] * 5):
        for function in ("find_label_issues", "find_multilabel_issues_per_class"):
            expected = cleanlab(function, labels, pred_probs, filter_by=filter_by, num_to_remove_per_class=removals)
            found = getattr(dlq.multilabel, function)(
                labels, pred_probs, filter_by=filter_by, num_to_remove_per_class=removals
            )
            assert np.array_equal(found, expected), (function, removals)


@pytest.mark.parametrize("filter_by", PRUNING + ROWS + LOWEST)
def test_a_given_confident_joint(filter_by):
    """The (K, 2, 2) joints of cleanlab's compute_confident_joint, skewed so
    that they differ from the estimated ones, are used as cleanlab uses them."""
    labels, pred_probs = noisy_multilabel(800, 5, seed=12)
    given = cl_count.compute_confident_joint(as_lists(labels), pred_probs, multi_label=True)
    given[:, 0, 1] *= 3
    given[:, 1, 0] += 7
    for function in ("find_label_issues", "find_multilabel_issues_per_class"):
        expected = cleanlab(function, labels, pred_probs, filter_by=filter_by, confident_joint=given)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # the row filters warn that they ignore it
            found = getattr(dlq.multilabel, function)(labels, pred_probs, filter_by=filter_by, confident_joint=given)
        assert np.array_equal(found, expected), function
    if filter_by == "prune_by_noise_rate":
        assert not np.array_equal(dlq.multilabel.find_label_issues(labels, pred_probs), found.any(axis=1))


RANKINGS = [("self_confidence", {}), ("normalized_margin", {}), ("confidence_weighted_entropy", {})]
RANKINGS += [("self_confidence", {"adjust_pred_probs": True}), ("normalized_margin", {"adjust_pred_probs": True})]


@pytest.mark.parametrize(("filter_by", "ranking"), list(itertools.product(PRUNING + ROWS, RANKINGS)))
def test_ranked_issues_match_cleanlab(filter_by, ranking):
    method, rank_by_kwargs = ranking
    labels, pred_probs = noisy_multilabel(700, 5, seed=13)
    for function in ("find_label_issues", "find_multilabel_issues_per_class"):
        expected = cleanlab(
            function,
            labels,
            pred_probs,
            filter_by=filter_by,
            return_indices_ranked_by=method,
            rank_by_kwargs=rank_by_kwargs,
        )
        found = getattr(dlq.multilabel, function)(
            labels, pred_probs, filter_by=filter_by, return_indices_ranked_by=method, rank_by_kwargs=rank_by_kwargs
        )
        assert same_per_class(found, expected) if isinstance(found, tuple) else np.array_equal(found, expected)


@pytest.mark.parametrize(("filter_by", "ranking"), list(itertools.product(LOWEST, RANKINGS)))
def test_ranked_lowest_scores(filter_by, ranking):
    """cleanlab 2.9's multi-label low_* filters flag these examples, but rank
    them by pairing the scores of the examples in index order with the
    examples in score order; dlq ranks them by their own scores (computed, as
    cleanlab does, from the flagged examples alone, thresholds included)."""
    method, rank_by_kwargs = ranking
    labels, pred_probs = noisy_multilabel(700, 5, seed=14)
    expected = cleanlab(
        "find_label_issues",
        labels,
        pred_probs,
        filter_by=filter_by,
        return_indices_ranked_by=method,
        rank_by_kwargs=rank_by_kwargs,
    )
    found = dlq.multilabel.find_label_issues(
        labels, pred_probs, filter_by=filter_by, return_indices_ranked_by=method, rank_by_kwargs=rank_by_kwargs
    )
    assert np.array_equal(np.sort(found), np.sort(expected))
    flagged = np.sort(expected)
    scorer = multilabel_scorer.MultilabelScorer(base_scorer=multilabel_scorer.ClassLabelScorer.from_str(method))
    scores = scorer(labels[flagged].astype(int), pred_probs[flagged], base_scorer_kwargs=rank_by_kwargs)
    assert np.array_equal(found, flagged[np.lexsort((flagged, scores))])


@pytest.mark.parametrize("filter_by", PRUNING + ROWS + LOWEST)
def test_real_data_matches_cleanlab(filter_by):
    labels, pred_probs = multilabel_digits(seed=1)
    options = [{}, {"return_indices_ranked_by": "self_confidence"}]
    if filter_by in PRUNING:
        options += [{"frac_noise": 0.5, "min_examples_per_class": 400}, {"num_to_remove_per_class": [5, 0, 9, 2, 30]}]
    for kwargs, function in itertools.product(options, ("find_label_issues", "find_multilabel_issues_per_class")):
        if filter_by in LOWEST and "return_indices_ranked_by" in kwargs:
            continue  # cleanlab's ranking of these is scrambled: see test_ranked_lowest_scores
        expected = cleanlab(function, labels, pred_probs, filter_by=filter_by, **kwargs)
        found = getattr(dlq.multilabel, function)(labels, pred_probs, filter_by=filter_by, **kwargs)
        assert same_per_class(found, expected) if isinstance(found, tuple) else np.array_equal(found, expected)


def test_float32_and_a_class_nobody_is_given():
    cases = [
        (noisy_multilabel(800, 5, seed=15, dtype=np.float32), PRUNING + ROWS + LOWEST),
        # cleanlab refuses predicted_neq_given and the low_* filters when a class is never given
        (noisy_multilabel(500, 4, seed=16, never=1), [*PRUNING, "confident_learning"]),
    ]
    for (labels, pred_probs), filters in cases:
        for filter_by in filters:
            expected = cleanlab("find_multilabel_issues_per_class", labels, pred_probs, filter_by=filter_by)
            found = dlq.multilabel.find_multilabel_issues_per_class(labels, pred_probs, filter_by=filter_by)
            assert np.array_equal(found, expected), filter_by
    found = dlq.multilabel.find_multilabel_issues_per_class(labels, pred_probs, filter_by="predicted_neq_given")
    never = pred_probs[:, 1]
    assert np.array_equal(found[:, 1], np.argmax(np.column_stack([1 - never + 1e-6, never]), axis=1) == 1)
    assert found[:, 1].any()


@pytest.mark.parametrize("filter_by", ["both", "confident_learning", "predicted_neq_given", "low_normalized_margin"])
def test_chunks_do_not_change_the_answer(filter_by):
    labels, pred_probs = noisy_multilabel(1000, 6, seed=17)
    reference = dlq.multilabel.find_multilabel_issues_per_class(labels, pred_probs, filter_by=filter_by)
    assert reference.any()
    for chunk_rows in (1000, 333, 64):
        found = dlq.multilabel.find_multilabel_issues_per_class(
            da.from_array(labels, chunks=(chunk_rows, 6)),
            da.from_array(pred_probs, chunks=(chunk_rows, 6)),
            filter_by=filter_by,
        )
        assert np.array_equal(found, reference), chunk_rows
    ranked = dlq.multilabel.find_label_issues(
        da.from_array(labels, chunks=(97, 6)),
        pred_probs,
        filter_by=filter_by,
        return_indices_ranked_by="normalized_margin",
    )
    assert np.array_equal(
        ranked,
        dlq.multilabel.find_label_issues(
            labels, pred_probs, filter_by=filter_by, return_indices_ranked_by="normalized_margin"
        ),
    )


def test_the_deprecated_multi_label_argument_of_the_multiclass_finder():
    from cleanlab import filter as cl_multiclass_filter

    labels, pred_probs = noisy_multilabel(600, 4, seed=20)
    for options in ({}, {"filter_by": "both", "return_indices_ranked_by": "normalized_margin"}):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            expected = cl_multiclass_filter.find_label_issues(
                as_lists(labels), pred_probs, multi_label=True, n_jobs=1, **options
            )
        with pytest.warns(DeprecationWarning, match="dlq.multilabel.find_label_issues"):
            found = dlq.find_label_issues(labels, pred_probs, multi_label=True, **options)
        assert np.array_equal(found, expected)


def test_num_label_issues_counts_as_cleanlab():
    for seed, (labels, pred_probs) in enumerate([noisy_multilabel(900, 6, seed=18), multilabel_digits(seed=2)]):
        expected = cl_count.num_label_issues(as_lists(labels), pred_probs, multi_label=True)
        assert dlq.num_label_issues(as_lists(labels), pred_probs, multi_label=True) == expected
        lazy = dlq.num_label_issues(da.from_array(labels, chunks=(150, -1)), pred_probs, multi_label=True)
        assert lazy.compute() == expected, seed
    with pytest.warns(UserWarning, match="estimation_method is ignored with multi_label=True"):
        dlq.num_label_issues(labels, pred_probs, multi_label=True, estimation_method="off_diagonal_calibrated")


def cleanlab_dataset(function, labels, pred_probs, **kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return getattr(cl_dataset, function)(as_lists(labels), pred_probs, **kwargs)


@pytest.mark.parametrize("class_names", [None, ["even", "big", "prime", "triple", "round"]])
def test_health_tables_match_cleanlab(class_names):
    labels, pred_probs = multilabel_digits(seed=3)
    for function in ("common_multilabel_issues", "rank_classes_by_multilabel_quality"):
        expected = cleanlab_dataset(function, labels, pred_probs, class_names=class_names)
        pd.testing.assert_frame_equal(
            getattr(dlq.multilabel, function)(labels, pred_probs, class_names=class_names), expected
        )
    expected = cleanlab_dataset("overall_multilabel_health_score", labels, pred_probs)
    assert dlq.multilabel.overall_multilabel_health_score(labels, pred_probs) == expected


def test_health_summary_matches_cleanlab_with_and_without_a_joint(capsys):
    labels, pred_probs = noisy_multilabel(800, 6, seed=19)
    given = cl_count.compute_confident_joint(as_lists(labels), pred_probs, multi_label=True)
    given[:, 0, 1] *= 2
    names = [f"class {k}" for k in range(6)]
    for confident_joint in (None, given):
        expected = cleanlab_dataset(
            "multilabel_health_summary",
            labels,
            pred_probs,
            class_names=names,
            confident_joint=confident_joint,
            verbose=False,
        )
        found = dlq.multilabel.multilabel_health_summary(
            labels, pred_probs, class_names=names, confident_joint=confident_joint, verbose=False
        )
        assert found.keys() == expected.keys()
        assert found["overall_multilabel_health_score"] == expected["overall_multilabel_health_score"]
        for table in ("classes_by_multilabel_quality", "common_multilabel_issues"):
            pd.testing.assert_frame_equal(found[table], expected[table])
    common = cleanlab_dataset("common_multilabel_issues", labels, pred_probs, confident_joint=given)
    pd.testing.assert_frame_equal(
        dlq.multilabel.common_multilabel_issues(labels, pred_probs, confident_joint=given), common
    )
    ranked = cleanlab_dataset("rank_classes_by_multilabel_quality", labels, pred_probs, joint=given)
    pd.testing.assert_frame_equal(
        dlq.multilabel.rank_classes_by_multilabel_quality(labels, pred_probs, joint=given), ranked
    )
    capsys.readouterr()
    dlq.multilabel.multilabel_health_summary(labels, pred_probs, class_names=names)
    printed = capsys.readouterr().out
    assert "800 examples" in printed and "class 5" in printed
