"""dlq.dataset against cleanlab.dataset: the same DataFrames (columns, dtypes, row order) and scores."""

from __future__ import annotations

import dask.array as da
import numpy as np
import pandas as pd
import pytest
from cleanlab import count as cl_count
from cleanlab import dataset as cl_dataset
from conftest import noisy_classification

import dlq
from dlq import dataset

TABLES = ["rank_classes_by_label_quality", "find_overlapping_classes"]


def cases(real_data):
    yield noisy_classification(2_000, 5, seed=61)
    yield noisy_classification(1_500, 4, seed=62, absent_class=1)
    yield noisy_classification(1_000, 3, seed=63, concentration=3.0)
    yield from real_data.values()


@pytest.mark.parametrize("name", TABLES)
def test_tables_are_cleanlabs(real_data, name):
    for labels, pred_probs in cases(real_data):
        names = [f"class {k}" for k in range(pred_probs.shape[1])]
        options = [{}, {"class_names": names}]
        if name == "find_overlapping_classes":
            options += [{"asymmetric": True}, {"asymmetric": True, "class_names": names}]
        for option in options:
            expected = getattr(cl_dataset, name)(labels, pred_probs, **option)
            pd.testing.assert_frame_equal(getattr(dataset, name)(labels, pred_probs, **option), expected)


def test_views_of_a_given_joint_or_confident_joint_are_cleanlabs():
    labels, pred_probs = noisy_classification(2_000, 5, seed=64)
    confident_joint = cl_count.compute_confident_joint(labels, pred_probs, calibrate=False)
    joint = cl_count.estimate_joint(labels, pred_probs)
    for name in TABLES:
        for option in (
            {"joint": joint, "num_examples": 2_000},
            {"confident_joint": confident_joint},
            {"confident_joint": confident_joint, "num_examples": 1_234},
        ):
            labels_or_none = labels if "confident_joint" in option else None
            expected = getattr(cl_dataset, name)(labels_or_none, None, **option)
            pd.testing.assert_frame_equal(getattr(dataset, name)(labels_or_none, None, **option), expected)
    for option in ({"joint": joint, "num_examples": 2_000}, {"confident_joint": confident_joint}):
        expected = cl_dataset.overall_label_health_score(None, None, verbose=False, **option)
        assert dataset.overall_label_health_score(None, None, verbose=False, **option) == pytest.approx(expected)


def test_health_scores_and_summaries_are_cleanlabs(real_data, capsys):
    for labels, pred_probs in cases(real_data):
        expected = cl_dataset.overall_label_health_score(labels, pred_probs, verbose=False)
        assert dataset.overall_label_health_score(labels, pred_probs, verbose=False) == expected
        theirs = cl_dataset.health_summary(labels, pred_probs, verbose=False)
        ours = dataset.health_summary(labels, pred_probs, verbose=False)
        assert sorted(ours) == sorted(theirs)
        assert ours["overall_label_health_score"] == theirs["overall_label_health_score"]
        np.testing.assert_array_equal(ours["joint"], theirs["joint"])
        for table in ("classes_by_label_quality", "overlapping_classes"):
            pd.testing.assert_frame_equal(ours[table], theirs[table])
    capsys.readouterr()
    dataset.health_summary(labels, pred_probs, class_names=[f"c{k}" for k in range(pred_probs.shape[1])])
    said = capsys.readouterr().out
    assert "label health" in said and "c0" in said


def test_dask_inputs_give_the_same_tables():
    labels, pred_probs = noisy_classification(3_000, 4, seed=65)
    lazy = (da.from_array(labels, chunks=500), da.from_array(pred_probs, chunks=(500, 4)))
    for name in TABLES:
        pd.testing.assert_frame_equal(getattr(dataset, name)(*lazy), getattr(cl_dataset, name)(labels, pred_probs))
    summary = dataset.health_summary(*lazy, verbose=False)
    assert summary["overall_label_health_score"] == cl_dataset.overall_label_health_score(
        labels, pred_probs, verbose=False
    )


def test_multi_label_data_are_sent_to_the_multilabel_module():
    labels, pred_probs = noisy_classification(300, 3, seed=66)
    for function in (
        dataset.rank_classes_by_label_quality,
        dataset.find_overlapping_classes,
        dataset.overall_label_health_score,
        dataset.health_summary,
    ):
        with pytest.raises(ValueError, match=r"use dlq\.multilabel\.\w+$") as refused:
            function(labels, pred_probs, multi_label=True)
        named = str(refused.value).rsplit(".", 1)[1]
        assert callable(getattr(dlq.multilabel, named)), named  # the function named exists
    with pytest.raises(ValueError, match="number of examples is unknown"):
        dataset.rank_classes_by_label_quality(joint=np.eye(3) / 3)
