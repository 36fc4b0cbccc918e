"""One warning of multi-class rows that do not sum to 1, from every entry point, at the caller's line."""

from __future__ import annotations

import re
import warnings

import numpy as np
import pytest
from conftest import as_lists, noisy_classification, noisy_multilabel

import dlq
import dlq.count
import dlq.filter
import dlq.rank

LABELS, PRED_PROBS = noisy_classification(300, 3, seed=5)
OFF = PRED_PROBS.copy()
OFF[[4, 250]] *= 0.9

ENTRY_POINTS = {
    "rank.get_label_quality_scores": lambda labels, p: dlq.rank.get_label_quality_scores(labels, p),
    "adjusted_scores": lambda labels, p: dlq.rank.get_label_quality_scores(labels, p, adjust_pred_probs=True),
    "self_confidence": lambda labels, p: dlq.rank.get_self_confidence_for_each_label(labels, p),
    "filter.find_label_issues": lambda labels, p: dlq.filter.find_label_issues(labels, p),
    "predicted_neq_given_filter": lambda labels, p: dlq.filter.find_label_issues(
        labels, p, filter_by="predicted_neq_given"
    ),
    "find_predicted_neq_given": lambda labels, p: dlq.filter.find_predicted_neq_given(labels, p),
    "compute_confident_joint": lambda labels, p: dlq.count.compute_confident_joint(labels, p),
    "estimate_joint": lambda labels, p: dlq.count.estimate_joint(labels, p),
    "estimate_noise_matrices": lambda labels, p: dlq.count.estimate_py_and_noise_matrices_from_probabilities(labels, p),
    "num_label_issues": lambda labels, p: dlq.count.num_label_issues(labels, p),
    "find_label_issues_batched": lambda labels, p: dlq.find_label_issues_batched(
        labels, p, batch_size=100, verbose=False
    ),
    "scan": lambda labels, p: dlq.scan(labels, p).compute(),
    "scan_in_chunks": lambda labels, p: dlq.scan(labels, p, chunk_rows=70).compute(),
    "filtered_scan": lambda labels, p: dlq.scan(labels, p, filter_by="prune_by_class").compute(),
}


def _row_sum_warnings(call, labels, pred_probs):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        call(labels, pred_probs)
    return [warning for warning in caught if "sum to 1" in str(warning.message)]


def test_every_entry_point_warns_once_with_one_sentence_at_the_callers_line():
    wrong = {}
    for entry_point, call in ENTRY_POINTS.items():
        found = _row_sum_warnings(call, LABELS, OFF)
        messages = [(str(warning.message), warning.category, warning.filename) for warning in found]
        if len(found) != 1 or not (
            messages[0][0].startswith("2 rows of pred_probs do not sum to 1 (the first is row 4, summing to 0.9")
            and messages[0][1] is UserWarning
            and messages[0][2] == __file__
        ):
            wrong[entry_point] = messages
    assert not wrong


def _float16_softmax(rows, num_classes, seed):
    rng = np.random.default_rng(seed)
    logits = rng.normal(scale=3.0, size=(rows, num_classes))
    exp = np.exp(logits - logits.max(axis=1, keepdims=True))
    pred_probs = (exp / exp.sum(axis=1, keepdims=True)).astype(np.float16)
    labels = pred_probs.argmax(axis=1)
    labels[::9] = (labels[::9] + 1) % num_classes
    return labels, pred_probs


FLOAT16_CASES = ["rank.get_label_quality_scores", "filter.find_label_issues", "find_label_issues_batched", "scan"]


@pytest.mark.parametrize("entry_point", FLOAT16_CASES)
def test_float16_rounding_never_warns_but_a_row_off_by_a_tenth_does(entry_point):
    labels, pred_probs = _float16_softmax(5000, 10, seed=3)
    assert np.abs(pred_probs.astype(np.float64).sum(axis=1) - 1).max() > 1e-4  # rounding leaves more than 1e-4
    assert _row_sum_warnings(ENTRY_POINTS[entry_point], labels, pred_probs) == []
    pred_probs[1234] = (pred_probs[1234].astype(np.float64) * 0.9).astype(np.float16)
    (warning,) = _row_sum_warnings(ENTRY_POINTS[entry_point], labels, pred_probs)
    message = r"1 row of pred_probs does not sum to 1 \(the first is row 1234, summing to 0\.(89|90)"
    assert re.match(message, str(warning.message)), str(warning.message)


def test_float32_keeps_a_tight_tolerance_and_multilabel_rows_need_not_sum_to_one():
    pred_probs = PRED_PROBS.astype(np.float32)
    pred_probs[7] = [0.5, 0.4995, 0.0]
    (warning,) = _row_sum_warnings(ENTRY_POINTS["filter.find_label_issues"], LABELS, pred_probs)
    assert "(the first is row 7, summing to 0.9995" in str(warning.message)
    labels, pred_probs = noisy_multilabel(300, 3, seed=5)
    assert np.abs(pred_probs.sum(axis=1) - 1).max() > 0.1
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        dlq.multilabel.find_label_issues(labels, pred_probs)
        dlq.multilabel.get_label_quality_scores(labels, pred_probs)
        dlq.filter.find_predicted_neq_given(as_lists(labels), pred_probs, multi_label=True)
    assert not [warning for warning in caught if "sum to 1" in str(warning.message)]
