"""Warnings of options without effect point at the caller's line, however deep in dlq they are raised."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from conftest import as_lists, noisy_classification, noisy_multilabel

import dlq

LABELS, PRED_PROBS = noisy_classification(300, 3, seed=5)
MULTILABELS, MULTI_PROBS = noisy_multilabel(300, 3, seed=5)
CLASS_LISTS = as_lists(MULTILABELS)
ROUNDED = np.vstack([[1.0004, 0.0, 0.0], PRED_PROBS[1:]])  # float16 storage leaves such values

CALLS = {
    "frac_noise": lambda: dlq.find_label_issues(LABELS, PRED_PROBS, filter_by="confident_learning", frac_noise=0.5),
    "joint_of_confident_learning": lambda: dlq.find_label_issues(
        LABELS, PRED_PROBS, filter_by="confident_learning", confident_joint=np.ones((3, 3), int)
    ),
    "multilabel_frac_noise": lambda: dlq.multilabel.find_label_issues(
        MULTILABELS, MULTI_PROBS, filter_by="predicted_neq_given", frac_noise=0.5
    ),
    "per_class_frac_noise": lambda: dlq.multilabel.find_multilabel_issues_per_class(
        MULTILABELS, MULTI_PROBS, filter_by="predicted_neq_given", frac_noise=0.5
    ),
    "deprecated_multi_label_frac_noise": lambda: dlq.find_label_issues(
        MULTILABELS, MULTI_PROBS, multi_label=True, filter_by="predicted_neq_given", frac_noise=0.5
    ),
    "low_memory": lambda: dlq.multilabel.find_label_issues(MULTILABELS, MULTI_PROBS, low_memory=True, frac_noise=0.5),
    "per_class_low_memory": lambda: dlq.multilabel.find_multilabel_issues_per_class(
        MULTILABELS, MULTI_PROBS, low_memory=True, filter_by="both"
    ),
    "multiclass_joint_of_multilabel_data": lambda: dlq.multilabel.find_label_issues(
        MULTILABELS, MULTI_PROBS, confident_joint=np.ones((3, 3), int)
    ),
    "joints_of_a_row_filter": lambda: dlq.multilabel.find_label_issues(
        MULTILABELS, MULTI_PROBS, filter_by="confident_learning", confident_joint=np.ones((3, 2, 2), int)
    ),
    # raised in a task of the thresholds, on a worker thread
    "rounded_values_of_the_filter": lambda: dlq.find_label_issues(LABELS, ROUNDED),
    "rounded_values_of_adjusted_scores": lambda: dlq.get_label_quality_scores(LABELS, ROUNDED, adjust_pred_probs=True),
    "joint_of_the_count": lambda: dlq.num_label_issues(LABELS, PRED_PROBS, confident_joint=np.ones((3, 3), int)),
    "multilabel_count": lambda: dlq.num_label_issues(
        CLASS_LISTS, MULTI_PROBS, multi_label=True, estimation_method="off_diagonal_calibrated"
    ),
}


@pytest.mark.parametrize("call", CALLS)
def test_warnings_point_at_the_caller(call):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        CALLS[call]()
    ours = [warning for warning in caught if issubclass(warning.category, (UserWarning, DeprecationWarning))]
    assert ours
    for warning in ours:
        assert warning.filename == __file__, (str(warning.message), warning.filename, warning.lineno)


@pytest.mark.slow
def test_the_rounding_warning_reaches_the_session_from_a_cluster_worker():
    """On a cluster the thresholds' task runs in a worker process: its
    warning of rounded values is sent on to the client's session, not left
    in the worker's log."""
    import time

    from distributed import Client, LocalCluster

    with (
        LocalCluster(n_workers=1, threads_per_worker=1, processes=True, dashboard_address=None) as cluster,
        Client(cluster),
        warnings.catch_warnings(record=True) as caught,
    ):
        warnings.simplefilter("always")
        found = dlq.find_label_issues(LABELS, ROUNDED)
        deadline = time.monotonic() + 10
        while not any("outside [0, 1]" in str(warning.message) for warning in caught) and time.monotonic() < deadline:
            time.sleep(0.1)  # the event comes through the scheduler
    np.testing.assert_array_equal(found, dlq.find_label_issues(LABELS, ROUNDED))
    notes = [str(warning.message) for warning in caught if "outside [0, 1]" in str(warning.message)]
    assert len(notes) == 1 and "1 row" in notes[0], notes
