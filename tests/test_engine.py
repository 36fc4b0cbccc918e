"""The answer depends on neither chunking nor scheduler."""

from __future__ import annotations

import itertools

import dask
import dask.array as da
import numpy as np
import pytest
from conftest import noisy_classification
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_multilabel_oracle import as_lists, noisy_multilabel

import dlq
from dlq import engine

LABELS, PRED_PROBS = noisy_classification(3000, 6, seed=8, dtype=np.float32, absent_class=5)
OPTIONS = [
    {"method": "self_confidence", "adjust_pred_probs": False, "estimation_method": "off_diagonal"},
    {"method": "normalized_margin", "adjust_pred_probs": True, "estimation_method": "off_diagonal_calibrated"},
    {
        "method": "confidence_weighted_entropy",
        "adjust_pred_probs": False,
        "estimation_method": "off_diagonal_calibrated",
    },
]


def run(chunks, options):
    labels = da.from_array(LABELS, chunks=(chunks,))
    pred_probs = da.from_array(PRED_PROBS, chunks=(chunks, 6))
    lazy = dlq.scan(labels, pred_probs, **options)
    result = lazy.compute(n_jobs=2)
    scores, mask = dask.compute(lazy.scores, lazy.mask, scheduler="threads")
    return result, scores, mask


REFERENCE = {index: run(3000, options) for index, options in enumerate(OPTIONS)}


@st.composite
def row_chunks(draw):
    cuts = draw(st.lists(st.integers(1, 2999), min_size=0, max_size=12, unique=True))
    bounds = [0, *sorted(cuts), 3000]
    return tuple(b - a for a, b in itertools.pairwise(bounds))


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(chunks=row_chunks(), option=st.integers(0, len(OPTIONS) - 1))
def test_chunking_never_changes_the_answer(chunks, option):
    expected, expected_scores, expected_mask = REFERENCE[option]
    result, scores, mask = run(chunks, OPTIONS[option])
    assert np.array_equal(result.issues, expected.issues)
    assert result.num_issues == expected.num_issues
    assert np.array_equal(result.thresholds, expected.thresholds)  # bit for bit
    assert np.array_equal(scores, expected_scores)
    assert np.array_equal(mask, expected_mask)
    assert np.array_equal(np.flatnonzero(mask), np.sort(result.issues))


def test_reductions_are_trees():
    labels = da.from_array(LABELS, chunks=(30,))  # 100 chunks
    pred_probs = da.from_array(PRED_PROBS, chunks=(30, 6))
    graph = dlq.scan(labels, pred_probs).issues.__dask_graph__()
    for stage in ("threshold-sums", "count-sums", "lowest"):
        (layer,) = [dict(layer) for name, layer in graph.layers.items() if name.startswith(f"dlq-{stage}-")]
        assert len(layer) == 13 + 2 + 1  # 100 -> 13 -> 2 -> 1
        assert max(len(task[1]) for task in layer.values()) <= engine.SPLIT_EVERY  # (combine, parts, ...)


def test_thresholds_are_exact_means():
    from fractions import Fraction

    result = dlq.scan(LABELS, PRED_PROBS, chunk_rows=333).compute()
    for k in range(5):
        given = PRED_PROBS[LABELS == k, k]
        exact = sum(Fraction(float(v)) for v in given) / len(given)
        assert result.thresholds[k] == float(exact)
    assert result.thresholds[5] == 2e-6  # absent class, as cleanlab's batched code


@pytest.mark.parametrize("processes", [True])
def test_local_cluster_gives_the_threaded_answer(processes):
    from distributed import Client, LocalCluster

    labels = da.from_array(LABELS, chunks=(700,))
    pred_probs = da.from_array(PRED_PROBS, chunks=(700, 6))
    expected = [dlq.scan(labels, pred_probs, **options).compute() for options in OPTIONS]
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=processes, dashboard_address=None) as cluster:
        with Client(cluster):
            for options, reference in zip(OPTIONS, expected, strict=True):
                result = dlq.scan(labels, pred_probs, **options).compute(progress=True)
                assert np.array_equal(result.issues, reference.issues)
                assert np.array_equal(result.thresholds, reference.thresholds)
            mask = dlq.find_label_issues_batched(labels, pred_probs, verbose=False, return_mask=True)
            assert np.array_equal(np.flatnonzero(mask), np.sort(expected[0].issues))


ML_LABELS, ML_PRED_PROBS = noisy_multilabel(1500, 5, seed=9, dtype=np.float32, never=3)


def run_multilabel(chunks):
    labels = da.from_array(ML_LABELS, chunks=(chunks, 5))
    pred_probs = da.from_array(ML_PRED_PROBS, chunks=(chunks, 5))
    scores = dlq.multilabel.get_label_quality_scores(
        labels, pred_probs, method="normalized_margin", adjust_pred_probs=True
    )
    issues = engine.multilabel_issues(labels, pred_probs, ranked_by="self_confidence", rank_adjust=True)
    return dask.compute(scores, issues.ranked, issues.per_class_mask, scheduler="threads")


ML_REFERENCE = run_multilabel(1500)


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(cuts=st.lists(st.integers(1, 1499), max_size=10, unique=True))
def test_multilabel_chunking_never_changes_the_answer(cuts):
    bounds = [0, *sorted(cuts), 1500]
    chunks = tuple(b - a for a, b in itertools.pairwise(bounds))
    for ours, expected in zip(run_multilabel(chunks), ML_REFERENCE, strict=True):
        assert np.array_equal(ours, expected)  # bit for bit


def test_multilabel_on_a_local_cluster():
    from distributed import Client, LocalCluster

    expected = dlq.multilabel.find_label_issues(ML_LABELS, ML_PRED_PROBS, low_memory=True)
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as cluster:
        with Client(cluster):
            found = dlq.multilabel.find_label_issues(as_lists(ML_LABELS), ML_PRED_PROBS, low_memory=True)
    assert found.any()
    assert np.array_equal(found, expected)
