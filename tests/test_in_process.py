"""Data in one chunk are worked on in process: no graph is scheduled, and
every answer is the one the graph would compute, to the bit."""

from __future__ import annotations

import contextlib
import warnings

import dask
import dask.array as da
import dask.local
import dask.threaded
import numpy as np
import pandas as pd
import pytest
from conftest import as_lists, noisy_classification, noisy_multilabel

import dlq
import dlq.count
import dlq.dataset
import dlq.filter
import dlq.multilabel
import dlq.multilabel.dataset
import dlq.multilabel.rank
import dlq.rank
from dlq.graphs.inprocess import lazy_graphs

LABELS, PRED_PROBS = noisy_classification(3000, 6, seed=5, noise=0.25)
FLOAT32 = PRED_PROBS.astype(np.float32)
BINARY, MULTILABEL_PROBS = noisy_multilabel(2000, 5, seed=6)
CLASS_LISTS = as_lists(BINARY)

CALLS = {
    "find_label_issues_batched": lambda: dlq.find_label_issues_batched(LABELS, PRED_PROBS, verbose=False),
    "find_label_issues_batched float32 adjusted calibrated": lambda: dlq.find_label_issues_batched(
        LABELS,
        FLOAT32,
        verbose=False,
        quality_score_kwargs={"method": "normalized_margin", "adjust_pred_probs": True},
        num_issue_kwargs={"estimation_method": "off_diagonal_calibrated"},
    ),
    "find_label_issues_batched mask": lambda: dlq.find_label_issues_batched(
        LABELS, FLOAT32, verbose=False, return_mask=True
    ),
    "find_label_issues_batched float16": lambda: dlq.find_label_issues_batched(
        LABELS, PRED_PROBS.astype(np.float16), verbose=False
    ),
    "get_label_quality_scores": lambda: dlq.get_label_quality_scores(LABELS, FLOAT32),
    "get_label_quality_scores adjusted": lambda: dlq.get_label_quality_scores(
        LABELS, PRED_PROBS, method="confidence_weighted_entropy"
    ),
    "find_label_issues": lambda: dlq.find_label_issues(LABELS, PRED_PROBS),
    "find_label_issues both ranked": lambda: dlq.find_label_issues(
        LABELS, FLOAT32, filter_by="both", return_indices_ranked_by="normalized_margin"
    ),
    "find_label_issues low_self_confidence": lambda: dlq.find_label_issues(
        LABELS, PRED_PROBS, filter_by="low_self_confidence"
    ),
    "find_label_issues confident_learning": lambda: dlq.find_label_issues(
        LABELS, PRED_PROBS, filter_by="confident_learning"
    ),
    "compute_confident_joint": lambda: dlq.count.compute_confident_joint(
        LABELS, PRED_PROBS, return_indices_of_off_diagonals=True
    ),
    "num_label_issues": lambda: dlq.count.num_label_issues(LABELS, PRED_PROBS),
    "estimate_py_and_noise_matrices": lambda: dlq.count.estimate_py_and_noise_matrices_from_probabilities(
        LABELS, PRED_PROBS
    ),
    "health_summary": lambda: dlq.dataset.health_summary(LABELS, PRED_PROBS, verbose=False),
    "order_label_issues": lambda: dlq.rank.order_label_issues(LABELS != PRED_PROBS.argmax(1), LABELS, PRED_PROBS),
    "find_top_issues": lambda: dlq.rank.find_top_issues(dlq.get_label_quality_scores(LABELS, PRED_PROBS), top=20),
    "ensemble scores": lambda: dlq.rank.get_label_quality_ensemble_scores(
        LABELS, [PRED_PROBS, FLOAT32**2], weight_ensemble_members_by="log_loss_search", verbose=False
    ),
    "argmax confusion matrix": lambda: dlq.filter.find_label_issues_using_argmax_confusion_matrix(LABELS, PRED_PROBS),
    "multilabel scores": lambda: dlq.multilabel.get_label_quality_scores(CLASS_LISTS, MULTILABEL_PROBS),
    "multilabel issues": lambda: dlq.multilabel.find_label_issues(
        CLASS_LISTS, MULTILABEL_PROBS, return_indices_ranked_by="self_confidence"
    ),
    "multilabel issues low_memory": lambda: dlq.multilabel.find_label_issues(
        CLASS_LISTS, MULTILABEL_PROBS, low_memory=True
    ),
    "multilabel issues, binary labels, float32": lambda: dlq.multilabel.find_label_issues(
        BINARY, MULTILABEL_PROBS.astype(np.float32), filter_by="both"
    ),
    "multilabel per-class scores": lambda: dlq.multilabel.rank.get_label_quality_scores_per_class(
        CLASS_LISTS, MULTILABEL_PROBS
    ),
    "multilabel health summary": lambda: dlq.multilabel.dataset.multilabel_health_summary(
        CLASS_LISTS, MULTILABEL_PROBS, verbose=False
    ),
    "multilabel common issues": lambda: dlq.multilabel.dataset.common_multilabel_issues(CLASS_LISTS, MULTILABEL_PROBS),
}


def assert_identical(ours, graph):
    assert type(ours) is type(graph)
    if isinstance(ours, pd.DataFrame):
        pd.testing.assert_frame_equal(ours, graph, check_exact=True)
    elif isinstance(ours, np.ndarray):
        assert ours.dtype == graph.dtype
        np.testing.assert_array_equal(ours, graph, strict=True)
    elif isinstance(ours, (list, tuple)):
        assert len(ours) == len(graph)
        for mine, theirs in zip(ours, graph, strict=True):
            assert_identical(mine, theirs)
    elif isinstance(ours, dict):
        assert ours.keys() == graph.keys()
        for name in ours:
            assert_identical(ours[name], graph[name])
    else:
        assert ours == graph


_GET_ASYNC = dask.local.get_async


def _refuse(*args, **kwargs):
    raise AssertionError("a dask scheduler ran")


@contextlib.contextmanager
def schedulers(get_async):
    """dask's local schedulers (synchronous and threaded) run graphs with ``get_async``."""
    with pytest.MonkeyPatch.context() as patched:
        for module in (dask.local, dask.threaded):
            patched.setattr(module, "get_async", get_async)
        yield


def no_scheduler():
    return schedulers(_refuse)


@pytest.mark.parametrize("name", list(CALLS))
def test_one_chunk_runs_in_process_and_equals_the_graph(name):
    runs = []

    def counted(*args, **kwargs):
        runs.append(None)
        return _GET_ASYNC(*args, **kwargs)

    with schedulers(counted), lazy_graphs(), warnings.catch_warnings(record=True) as graph_warnings:
        warnings.simplefilter("always")
        from_the_graph = CALLS[name]()
    assert runs  # the answer compared with is a scheduled graph's
    with no_scheduler(), warnings.catch_warnings(record=True) as in_process_warnings:
        warnings.simplefilter("always")
        in_process = CALLS[name]()
    assert_identical(in_process, from_the_graph)
    said = [
        [(str(caught.message), caught.filename) for caught in found] for found in (graph_warnings, in_process_warnings)
    ]
    assert said[0] == said[1]  # the same warnings, pointing at the same caller


def test_the_graph_of_the_comparison_is_scheduled():
    with lazy_graphs(), no_scheduler(), pytest.raises(AssertionError, match="scheduler ran"):
        dlq.find_label_issues_batched(LABELS, PRED_PROBS, verbose=False)


def test_a_scan_of_one_chunk_is_still_lazy():
    lazy = dlq.scan(LABELS, PRED_PROBS)
    assert dask.is_dask_collection(lazy)
    assert isinstance(lazy.scores, da.Array) and lazy.scores.numblocks == (1,)
    assert dask.is_dask_collection(lazy.issue_table)
    result = lazy.compute()
    assert np.array_equal(result.issues, dlq.find_label_issues_batched(LABELS, PRED_PROBS, verbose=False))


def test_several_chunks_and_dask_inputs_still_make_graphs():
    scores = dlq.get_label_quality_scores(da.from_array(LABELS), da.from_array(PRED_PROBS))
    assert isinstance(scores, da.Array)
    np.testing.assert_array_equal(scores.compute(), dlq.get_label_quality_scores(LABELS, PRED_PROBS))
    issues = dlq.find_label_issues_batched(LABELS, PRED_PROBS, batch_size=1000, verbose=True)
    np.testing.assert_array_equal(issues, dlq.find_label_issues_batched(LABELS, PRED_PROBS, verbose=False))


def test_a_bad_row_in_one_chunk_is_named_as_in_a_graph():
    pred_probs = PRED_PROBS.copy()
    pred_probs[1234] = np.nan
    for lazy in (False, True):
        with lazy_graphs() if lazy else contextlib.nullcontext(), pytest.raises(ValueError, match="row 1234"):
            dlq.find_label_issues_batched(LABELS, pred_probs, verbose=False)
