"""Bad input is refused with a clear error that names the problem and the row."""

from __future__ import annotations

from types import SimpleNamespace

import dask.array as da
import numpy as np
import pytest
from conftest import noisy_classification

import dlq


@pytest.fixture(scope="module")
def data():
    labels, pred_probs = noisy_classification(5000, 4, seed=4)
    return SimpleNamespace(labels=labels, pred_probs=pred_probs)


def with_value(array, row, column, value):
    changed = array.copy()
    if column is None:
        changed[row] = value
    else:
        changed[row, column] = value
    return changed


FINDERS = {
    "batched": lambda y, p: dlq.find_label_issues_batched(y, p, batch_size=1000, verbose=False),
    "batched_adjusted": lambda y, p: dlq.find_label_issues_batched(
        y, p, batch_size=1000, verbose=False, quality_score_kwargs={"adjust_pred_probs": True}
    ),
    "scores": lambda y, p: dlq.get_label_quality_scores(y, p),
    "scores_adjusted": lambda y, p: dlq.get_label_quality_scores(y, p, adjust_pred_probs=True),
    "lazy_scores": lambda y, p: dlq.get_label_quality_scores(
        da.from_array(y, 1000), da.from_array(p, (1000, 4))
    ).compute(),
}


@pytest.mark.parametrize("finder", FINDERS)
@pytest.mark.parametrize(
    ("value", "message"),
    [
        (np.nan, "row 3210 contains NaN"),
        (np.inf, "row 3210 contains NaN or infinity"),
        (-0.5, "row 3210 has a negative"),
        (1.5, "row 3210 has a value above 1"),
    ],
)
def test_bad_probabilities_name_the_row(data, finder, value, message):
    pred_probs = with_value(data.pred_probs, 3210, 2, value)
    with pytest.raises(ValueError, match=message):
        FINDERS[finder](data.labels, pred_probs)


@pytest.mark.parametrize("finder", FINDERS)
@pytest.mark.parametrize("value", [4, -1, 99])
def test_labels_out_of_range_name_the_row(data, finder, value):
    labels = with_value(data.labels, 4321, None, value)
    with pytest.raises(ValueError, match=rf"labels\[4321\] is {value}"):
        FINDERS[finder](labels, data.pred_probs)


def test_first_bad_row_is_named_across_chunks(data):
    labels = with_value(with_value(data.labels, 4500, None, 7), 1200, None, 9)
    with pytest.raises(ValueError, match=r"labels\[1200\] is 9"):
        dlq.find_label_issues_batched(labels, data.pred_probs, batch_size=1000, verbose=False)


@pytest.mark.parametrize(
    ("change", "error", "message"),
    [
        (lambda labels, pred_probs: (labels, pred_probs[:, 0]), ValueError, "pred_probs must be 2-D"),
        (lambda labels, pred_probs: (labels, pred_probs[:, :1]), ValueError, "at least 2 columns"),
        (lambda labels, pred_probs: (labels, (pred_probs * 100).astype(np.int64)), TypeError, "float32 or float64"),
        (lambda labels, pred_probs: (labels.astype(float), pred_probs), TypeError, "labels must be integers"),
        (lambda labels, pred_probs: (labels[:, None], pred_probs), ValueError, "labels must be 1-D"),
        (lambda labels, pred_probs: (labels[:-1], pred_probs), ValueError, "4999 labels and 5000 rows"),
    ],
    ids=["1-D pred_probs", "one column", "integer pred_probs", "float labels", "2-D labels", "one label short"],
)
def test_bad_shapes_and_dtypes(data, change, error, message):
    labels, pred_probs = change(data.labels, data.pred_probs)
    with pytest.raises(error, match=message):
        dlq.find_label_issues_batched(labels, pred_probs, verbose=False)
    with pytest.raises(error, match=message):
        dlq.get_label_quality_scores(labels, pred_probs)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"quality_score_kwargs": {"method": "entropy"}}, "method must be one of self_confidence"),
        (
            {"quality_score_kwargs": {"method": "confidence_weighted_entropy", "adjust_pred_probs": True}},
            "not supported",
        ),
        ({"quality_score_kwargs": {"methd": "self_confidence"}}, r"unsupported keys \['methd'\]"),
        ({"num_issue_kwargs": {"estimation_method": "prune_by_class"}}, "estimation_method must be one of"),
        ({"batch_size": 0}, "batch_size must be a positive integer"),
    ],
)
def test_bad_options(data, kwargs, message):
    with pytest.raises(ValueError, match=message):
        dlq.find_label_issues_batched(data.labels, data.pred_probs, verbose=False, **kwargs)


def test_label_and_file_arguments_are_exclusive(data, tmp_path):
    np.save(tmp_path / "labels.npy", data.labels)
    with pytest.raises(ValueError, match="only one of `labels` and `labels_file`"):
        dlq.find_label_issues_batched(data.labels, data.pred_probs, labels_file=str(tmp_path / "labels.npy"))
    with pytest.raises(ValueError, match="give one of `pred_probs` and `pred_probs_file`"):
        dlq.find_label_issues_batched(data.labels)
    with pytest.raises(FileNotFoundError, match=r"no such \.npy file"):
        dlq.find_label_issues_batched(labels_file=str(tmp_path / "missing.npy"), pred_probs=data.pred_probs)


def test_not_a_zarr_store(data, tmp_path):
    with pytest.raises(ValueError, match="could not open"):
        dlq.scan(str(tmp_path / "nothing-here"), data.pred_probs)


def test_adjust_refused_for_entropy_scores(data):
    with pytest.raises(ValueError, match="confidence_weighted_entropy"):
        dlq.get_label_quality_scores(
            data.labels, data.pred_probs, method="confidence_weighted_entropy", adjust_pred_probs=True
        )


@pytest.mark.parametrize("chunk_rows", [0, -3, 2.5, "100", True])
def test_chunk_rows_that_is_no_count_of_rows_is_refused_by_name(chunk_rows):
    labels, pred_probs = np.array([0, 1, 1]), np.eye(3, 2)
    with pytest.raises(ValueError, match="chunk_rows must be a positive integer"):
        dlq.scan(labels, pred_probs, chunk_rows=chunk_rows)


@pytest.mark.parametrize("n_jobs", [0, -1, 1.5])
def test_n_jobs_that_is_no_count_of_threads_is_refused_by_name(n_jobs):
    with pytest.raises(ValueError, match="n_jobs must be a positive integer"):
        dlq.scan(np.array([0, 1, 1]), np.eye(3, 2), chunk_rows=1).compute(n_jobs=n_jobs)
