"""Refusals of the multi-label API: each names the problem."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pytest
from conftest import as_lists, noisy_multilabel

import dlq


@pytest.fixture(scope="module")
def data():
    labels, pred_probs = noisy_multilabel(600, 4, seed=3)
    return SimpleNamespace(labels=labels, pred_probs=pred_probs)


@pytest.mark.parametrize(
    ("aggregator", "message"),
    [
        ({"method": "mean"}, "must be one of exponential_moving_average, softmin or a callable"),
        ({"method": "exponential_moving_average", "alpha": 1.5}, r"alpha .* in \[0, 1\]"),
        ({"method": "exponential_moving_average", "alpha": -0.1}, r"alpha .* in \[0, 1\]"),
        ({"method": "softmin", "temperature": 0}, "temperature of softmin must be a number > 0"),
        ({"method": "softmin", "temperature": -1.0}, "temperature of softmin must be a number > 0"),
        ({"method": "softmin", "alpha": 0.5}, r"takes only \['temperature'\]"),
        ({"method": np.sort}, r"returned shape \(600, 4\)"),
        ({"method": lambda scores, axis: scores.min(axis=axis)[:10]}, r"must return one score per row, shape \(600,\)"),
    ],
)
def test_bad_aggregators(data, aggregator, message):
    with pytest.raises(ValueError, match=message):
        dlq.multilabel.get_label_quality_scores(data.labels, data.pred_probs, aggregator_kwargs=aggregator)


def test_bad_scoring_method(data):
    with pytest.raises(ValueError, match="method must be one of"):
        dlq.multilabel.get_label_quality_scores(data.labels, data.pred_probs, method="margin")
    with pytest.raises(ValueError, match="not supported"):
        dlq.multilabel.get_label_quality_scores_per_class(
            data.labels, data.pred_probs, method="confidence_weighted_entropy", adjust_pred_probs=True
        )


@pytest.mark.parametrize(
    ("kwargs", "error", "message"),
    [
        ({"filter_by": "prune"}, ValueError, "filter_by must be one of"),
        ({"frac_noise": 1.5}, ValueError, "frac_noise must be between 0 and 1"),
        ({"min_examples_per_class": 2.5}, TypeError, "min_examples_per_class must be an integer"),
        ({"num_to_remove_per_class": [1, 2]}, ValueError, "must be a non-negative integer, or 4 of them"),
        ({"filter_by": "confident_learning", "num_to_remove_per_class": [1] * 4}, ValueError, "not supported"),
        ({"confident_joint": np.ones((4, 2))}, ValueError, r"confident_joint must have shape \(4, 2, 2\)"),
        ({"return_indices_ranked_by": "entropy"}, ValueError, "method must be one of"),
        ({"low_memory": True, "return_indices_ranked_by": "entropy"}, ValueError, "method must be one of"),
        ({"return_indices_ranked_by": "self_confidence", "rank_by_kwargs": {"x": 1}}, ValueError, "unsupported keys"),
    ],
)
def test_bad_issue_options(data, kwargs, error, message):
    for finder in (dlq.multilabel.find_label_issues, dlq.multilabel.find_multilabel_issues_per_class):
        with pytest.raises(error, match=message):
            finder(data.labels, data.pred_probs, **kwargs)


@pytest.mark.parametrize(
    ("kwargs", "message", "reference"),
    [
        ({"low_memory": True, "filter_by": "both"}, "filter_by is not used when low_memory=True", {"low_memory": True}),
        ({"low_memory": True, "frac_noise": 0.5}, "frac_noise is not used", {"low_memory": True}),
        ({"low_memory": True, "min_examples_per_class": 5}, "min_examples_per_class is not used", {"low_memory": True}),
        (
            {"low_memory": True, "confident_joint": np.ones((4, 2, 2), int)},
            "confident_joint is not used",
            {"low_memory": True},
        ),
        ({"confident_joint": np.ones((4, 4), int)}, "a 4 x 4 confident_joint is ignored", {}),
        (
            {"filter_by": "confident_learning", "confident_joint": np.ones((4, 2, 2), int)},
            "confident_joint is ignored",
            {"filter_by": "confident_learning"},
        ),
    ],
)
def test_options_without_effect_warn_as_cleanlab_does(data, kwargs, message, reference):
    """... and the answer is the one without them."""
    for finder in (dlq.multilabel.find_label_issues, dlq.multilabel.find_multilabel_issues_per_class):
        with pytest.warns(UserWarning, match=message):
            found = finder(data.labels, data.pred_probs, **kwargs)
        assert np.array_equal(found, finder(data.labels, data.pred_probs, **reference))


@pytest.mark.parametrize(
    ("make_labels", "error", "message"),
    [
        (lambda labels: [[0], [7]] + [[1]] * 598, ValueError, r"labels\[1\] is \[7\]"),
        (lambda labels: [[0], [300]] + [[1]] * 598, ValueError, r"labels\[1\] is \[300\]"),
        (lambda labels: [[0], [1], [2, -1]] + [[1]] * 597, ValueError, r"labels\[2\] is \[2, -1\]"),
        (lambda labels: [[0], ["cat"]] + [[1]] * 598, TypeError, "integer class indices"),
        (lambda labels: [row.astype(bool).tolist() for row in labels], TypeError, "got rows of booleans"),
        (lambda labels: np.where(np.arange(600)[:, None] == 321, 2, labels), ValueError, "row 321 is"),
        (lambda labels: labels[:, :3], ValueError, r"shape \(600, 4\)"),
        (lambda labels: labels.astype(float), TypeError, "binary indicators"),
    ],
    ids=[
        "class out of range",
        "class past a byte",
        "negative class",
        "not an integer",
        "boolean lists",
        "a 2 in binary rows",
        "short rows",
        "float rows",
    ],
)
def test_bad_labels(data, make_labels, error, message):
    labels = make_labels(data.labels)
    with pytest.raises(error, match=message):
        dlq.multilabel.get_label_quality_scores(labels, data.pred_probs)
    with pytest.raises(error, match=message):
        dlq.multilabel.find_label_issues(labels, data.pred_probs, low_memory=True)


def test_bad_probabilities_name_the_row(data):
    pred_probs = data.pred_probs.copy()
    pred_probs[444, 1] = np.nan
    for run in (
        lambda: dlq.multilabel.get_label_quality_scores(data.labels, pred_probs),
        lambda: dlq.multilabel.get_label_quality_scores(data.labels, pred_probs, adjust_pred_probs=True),
        lambda: dlq.multilabel.find_label_issues(data.labels, pred_probs, low_memory=True),
    ):
        with pytest.raises(ValueError, match="row 444 contains NaN"):
            run()


def test_inputs_are_not_modified(data):
    labels, pred_probs = data.labels.copy(), data.pred_probs.copy()
    lists = as_lists(labels)
    lists_before = [list(row) for row in lists]
    dlq.multilabel.get_label_quality_scores(lists, pred_probs, adjust_pred_probs=True)
    dlq.multilabel.find_label_issues(labels, pred_probs, low_memory=True, return_indices_ranked_by="self_confidence")
    assert np.array_equal(labels, data.labels) and np.array_equal(pred_probs, data.pred_probs) and lists == lists_before
