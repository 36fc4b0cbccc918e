"""Where cleanlab refuses a bad option, dlq refuses it too, with an exception of cleanlab's type and its key phrase."""

from __future__ import annotations

import warnings

import cleanlab.count
import cleanlab.experimental.label_issues_batched
import cleanlab.filter
import cleanlab.multilabel_classification.filter
import cleanlab.rank
import numpy as np
import pytest
from conftest import noisy_classification

import dlq.count
import dlq.experimental.label_issues_batched
import dlq.filter
import dlq.multilabel.filter
import dlq.rank

LABELS, PRED_PROBS = noisy_classification(300, 3, seed=5)
JOINT = np.array([[80, 10, 10], [5, 90, 5], [10, 10, 80]])
CLASS_LISTS = [[0], [1, 2], [2]] * 100
MULTI_PROBS = np.random.default_rng(0).random((300, 3))

CLEANLAB = {
    "rank": cleanlab.rank,
    "count": cleanlab.count,
    "filter": cleanlab.filter,
    "multilabel": cleanlab.multilabel_classification.filter,
    "batched": cleanlab.experimental.label_issues_batched,
}
DLQ = {
    "rank": dlq.rank,
    "count": dlq.count,
    "filter": dlq.filter,
    "multilabel": dlq.multilabel.filter,
    "batched": dlq.experimental.label_issues_batched,
}

# (call of a module table, cleanlab's exception type, its key phrase or None)
REFUSALS = {
    "ensemble_of_none": (
        lambda m: m["rank"].get_label_quality_ensemble_scores(LABELS, None),
        AssertionError,
        "needs to be a list",
    ),
    "ensemble_of_an_array": (
        lambda m: m["rank"].get_label_quality_ensemble_scores(LABELS, np.stack([PRED_PROBS, PRED_PROBS])),
        AssertionError,
        "needs to be a list",
    ),
    "ensemble_of_a_tuple": (
        lambda m: m["rank"].get_label_quality_ensemble_scores(LABELS, (PRED_PROBS, PRED_PROBS)),
        AssertionError,
        "needs to be a list",
    ),
    "empty_ensemble": (
        lambda m: m["rank"].get_label_quality_ensemble_scores(LABELS, []),
        AssertionError,
        "is empty",
    ),
    "custom_weights_missing": (
        lambda m: m["rank"].get_label_quality_ensemble_scores(
            LABELS, [PRED_PROBS, PRED_PROBS], weight_ensemble_members_by="custom", verbose=False
        ),
        AssertionError,
        "custom_weights is None",
    ),
    "custom_weights_of_another_length": (
        lambda m: m["rank"].get_label_quality_ensemble_scores(
            LABELS, [PRED_PROBS, PRED_PROBS], weight_ensemble_members_by="custom", custom_weights=np.ones(3)
        ),
        AssertionError,
        "must match the number of models",
    ),
    "ensemble_weighting": (
        lambda m: m["rank"].get_label_quality_ensemble_scores(
            LABELS, [PRED_PROBS, PRED_PROBS], weight_ensemble_members_by="votes"
        ),
        ValueError,
        "is not a valid weighting method",
    ),
    "custom_weights_without_custom": (
        lambda m: m["rank"].get_label_quality_ensemble_scores(
            LABELS, [PRED_PROBS, PRED_PROBS], custom_weights=np.ones(2)
        ),
        ValueError,
        "weight_ensemble_members_by",
    ),
    "latent_prior_method": (
        lambda m: m["count"].estimate_latent(JOINT, LABELS, py_method="INVALID"),
        ValueError,
        "should be",
    ),
    "noise_matrices_prior_method": (
        lambda m: m["count"].estimate_py_and_noise_matrices_from_probabilities(LABELS, PRED_PROBS, py_method="x"),
        ValueError,
        "should be",
    ),
    "score_method": (
        lambda m: m["rank"].get_label_quality_scores(LABELS, PRED_PROBS, method="entropy"),
        ValueError,
        "is not a valid scoring method",
    ),
    "order_rank_by": (
        lambda m: m["rank"].order_label_issues(LABELS == 0, LABELS, PRED_PROBS, rank_by="entropy"),
        ValueError,
        "is not a valid scoring method",
    ),
    "filter_ranking": (
        lambda m: m["filter"].find_label_issues(LABELS, PRED_PROBS, return_indices_ranked_by="entropy"),
        ValueError,
        "is not a valid scoring method",
    ),
    "adjusted_entropy": (
        lambda m: m["rank"].get_label_quality_scores(
            LABELS, PRED_PROBS, method="confidence_weighted_entropy", adjust_pred_probs=True
        ),
        ValueError,
        "adjust_pred_probs",
    ),
    "filter_by": (lambda m: m["filter"].find_label_issues(LABELS, PRED_PROBS, filter_by="prune"), AssertionError, None),
    "multilabel_filter_by": (
        lambda m: m["multilabel"].find_label_issues(CLASS_LISTS, MULTI_PROBS, filter_by="prune"),
        AssertionError,
        None,
    ),
    "per_class_filter_by": (
        lambda m: m["multilabel"].find_multilabel_issues_per_class(CLASS_LISTS, MULTI_PROBS, filter_by="prune"),
        AssertionError,
        None,
    ),
    "num_to_remove_of_a_row_filter": (
        lambda m: m["filter"].find_label_issues(
            LABELS, PRED_PROBS, filter_by="confident_learning", num_to_remove_per_class=[1, 1, 1]
        ),
        ValueError,
        "num_to_remove_per_class",
    ),
    "estimation_method": (
        lambda m: m["count"].num_label_issues(LABELS, PRED_PROBS, estimation_method="diagonal"),
        ValueError,
        "is not a valid estimation method",
    ),
    "batched_score_method": (
        lambda m: m["batched"].find_label_issues_batched(
            LABELS, PRED_PROBS, quality_score_kwargs={"method": "entropy"}, verbose=False
        ),
        ValueError,
        "is not a valid scoring method",
    ),
    "batched_without_labels": (
        lambda m: m["batched"].find_label_issues_batched(pred_probs=PRED_PROBS, verbose=False),
        ValueError,
        "one of",
    ),
    "batched_labels_twice": (
        lambda m: m["batched"].find_label_issues_batched(LABELS, PRED_PROBS, labels_file="labels.npy", verbose=False),
        ValueError,
        "one of",
    ),
}


def _raised(call, modules):
    with warnings.catch_warnings(), pytest.raises(Exception) as raised:
        warnings.simplefilter("ignore")
        call(modules)
    return raised.value


def test_dlq_refuses_what_cleanlab_refuses_with_its_exception_type_and_key_phrase():
    """Every refusal of the table, compared with cleanlab 2.9 itself; dlq's
    refusals that cleanlab makes with an assert are also the ValueError or
    TypeError that dlq documents."""
    mismatches = []
    for case, (call, expected, phrase) in REFUSALS.items():
        theirs, ours = _raised(call, CLEANLAB), _raised(call, DLQ)
        assert type(theirs) is expected, (case, type(theirs), theirs)  # the table holds cleanlab 2.9's behaviour
        assert phrase is None or phrase in str(theirs), (case, str(theirs))
        if not isinstance(ours, expected) or (phrase is not None and phrase not in str(ours)):
            mismatches.append((case, type(ours).__name__, str(ours)))
    assert not mismatches
    with pytest.raises(TypeError):
        dlq.rank.get_label_quality_ensemble_scores(LABELS, (PRED_PROBS,))
    with pytest.raises(ValueError, match="filter_by must be one of"):
        dlq.filter.find_label_issues(LABELS, PRED_PROBS, filter_by="prune")
