"""Bad input is refused with a clear error that names the problem and the row."""

from __future__ import annotations

import dask.array as da
import numpy as np
import pytest
from conftest import noisy_classification

import dlq

LABELS, PRED_PROBS = noisy_classification(5000, 4, seed=4)


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
def test_bad_probabilities_name_the_row(finder, value, message):
    pred_probs = with_value(PRED_PROBS, 3210, 2, value)
    with pytest.raises(ValueError, match=message):
        FINDERS[finder](LABELS, pred_probs)


@pytest.mark.parametrize("finder", FINDERS)
@pytest.mark.parametrize("value", [4, -1, 99])
def test_labels_out_of_range_name_the_row(finder, value):
    labels = with_value(LABELS, 4321, None, value)
    with pytest.raises(ValueError, match=rf"labels\[4321\] is {value}"):
        FINDERS[finder](labels, PRED_PROBS)


def test_first_bad_row_is_named_across_chunks():
    labels = with_value(with_value(LABELS, 4500, None, 7), 1200, None, 9)
    with pytest.raises(ValueError, match=r"labels\[1200\] is 9"):
        dlq.find_label_issues_batched(labels, PRED_PROBS, batch_size=1000, verbose=False)


@pytest.mark.parametrize(
    ("labels", "pred_probs", "error", "message"),
    [
        (LABELS, PRED_PROBS[:, 0], ValueError, "pred_probs must be 2-D"),
        (LABELS, PRED_PROBS[:, :1], ValueError, "at least 2 columns"),
        (LABELS, (PRED_PROBS * 100).astype(np.int64), TypeError, "float32 or float64"),
        (LABELS.astype(float), PRED_PROBS, TypeError, "labels must be integers"),
        (LABELS[:, None], PRED_PROBS, ValueError, "labels must be 1-D"),
        (LABELS[:-1], PRED_PROBS, ValueError, "4999 labels and 5000 rows"),
    ],
)
def test_bad_shapes_and_dtypes(labels, pred_probs, error, message):
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
def test_bad_options(kwargs, message):
    with pytest.raises(ValueError, match=message):
        dlq.find_label_issues_batched(LABELS, PRED_PROBS, verbose=False, **kwargs)


def test_label_and_file_arguments_are_exclusive(tmp_path):
    np.save(tmp_path / "labels.npy", LABELS)
    with pytest.raises(ValueError, match="only one of `labels` and `labels_file`"):
        dlq.find_label_issues_batched(LABELS, PRED_PROBS, labels_file=str(tmp_path / "labels.npy"))
    with pytest.raises(ValueError, match="give one of `pred_probs` and `pred_probs_file`"):
        dlq.find_label_issues_batched(LABELS)
    with pytest.raises(FileNotFoundError, match=r"no such \.npy file"):
        dlq.find_label_issues_batched(labels_file=str(tmp_path / "missing.npy"), pred_probs=PRED_PROBS)


def test_not_a_zarr_store(tmp_path):
    with pytest.raises(ValueError, match="could not open"):
        dlq.scan(str(tmp_path / "nothing-here"), PRED_PROBS)


def test_adjust_refused_for_entropy_scores():
    with pytest.raises(ValueError, match="confidence_weighted_entropy"):
        dlq.get_label_quality_scores(LABELS, PRED_PROBS, method="confidence_weighted_entropy", adjust_pred_probs=True)
