"""``dlq scan --task segmentation``: its outputs against cleanlab's answers, and its refusals."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
import zarr
from cleanlab.segmentation import filter as cl_filter
from cleanlab.segmentation import rank as cl_rank
from cleanlab.segmentation import summary as cl_summary
from conftest import PUBLISHED, invoke_scan, one_line_error, quiet_scan
from test_segmentation import noisy_images


@pytest.fixture(scope="module")
def images(tmp_path_factory):
    folder = tmp_path_factory.mktemp("images")
    labels, pred_probs = noisy_images(12, 3, 16, 16, seed=21, dtype=np.float32)
    np.save(folder / "labels.npy", labels)
    np.save(folder / "pred_probs.npy", pred_probs)
    zarr.create_array(
        store=str(folder / "last.zarr"),
        data=np.ascontiguousarray(np.moveaxis(pred_probs, 1, -1)),
        chunks=(5, 16, 16, 3),
    )
    return folder, labels, pred_probs


def test_a_segmentation_scan_writes_cleanlabs_answers_in_every_output(images, tmp_path, scheduler):
    folder, labels, pred_probs = images
    out = tmp_path / "out"
    np.save(tmp_path / "ids.npy", np.array([f"photo-{image}.png" for image in range(len(labels))]))
    result = quiet_scan(
        folder / "labels.npy", folder / "last.zarr", out, "--task", "segmentation", "--class-names", "sky,sea,sand",
        "--ids", tmp_path / "ids.npy", scheduler=scheduler,
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert sorted(path.name for path in out.iterdir()) == PUBLISHED
    mask = cl_filter.find_label_issues(labels, pred_probs, verbose=False, n_jobs=1)
    image_scores, pixel_scores = cl_rank.get_label_quality_scores(labels, pred_probs, verbose=False)
    written = zarr.open_group(str(out / "scores.zarr"), mode="r")
    np.testing.assert_array_equal(written["is_label_issue"][:], mask)
    np.testing.assert_array_equal(written["image_scores"][:], image_scores)
    np.testing.assert_array_equal(written["pixel_scores"][:].astype(np.float64), pixel_scores)
    table = pd.read_parquet(out / "issues.parquet")
    flagged = np.flatnonzero(mask.any(axis=(1, 2)))
    assert sorted(table["image"]) == flagged.tolist()
    assert table["id"].tolist() == [f"photo-{image}.png" for image in table["image"]]
    assert np.all(np.diff(table["image_score"]) >= 0)  # worst first
    np.testing.assert_array_equal(table["flagged_pixels"], mask.sum(axis=(1, 2))[table["image"]])
    predicted = pred_probs.argmax(axis=1)
    for row in table.itertuples():  # each image's most common confusion, the lowest pair among equals
        flagged = mask[row.image]
        pairs = list(zip(labels[row.image][flagged].tolist(), predicted[row.image][flagged].tolist(), strict=True))
        most = max(pairs.count(pair) for pair in pairs)
        given, suggested = min(pair for pair in pairs if pairs.count(pair) == most)
        assert (row.given_label, row.predicted_label, row.confused_pixels) == (given, suggested, most)
        assert (row.given_label_name, row.predicted_label_name) == (
            ["sky", "sea", "sand"][given],
            ["sky", "sea", "sand"][suggested],
        )
    facts = json.loads((out / "summary.json").read_text())
    assert facts["n_issues"] == int(mask.sum()) == int(table["flagged_pixels"].sum())
    assert facts["images_with_issues"] == len(table) and facts["n_pixels"] == labels.size
    assert facts["options"]["channels_last"] is True
    page = (out / "report.html").read_text()
    assert page.count("<img alt='image ") == min(len(table), 12)
    confusions = cl_summary.common_label_issues(
        mask, labels, pred_probs, class_names=["sky", "sea", "sand"], verbose=False
    )
    first = confusions.iloc[0]
    assert (
        f"<tr><td>{first['given_label']}</td><td>{first['predicted_label']}</td><td>{first['num_pixel_issues']:,}</td></tr>"
        in page
    )


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (("--task", "segmentation", "--multilabel"), "--multilabel applies only without --task segmentation"),
        (("--task", "segmentation", "--filter-by", "prune_by_class"), "--filter-by applies only without"),
        (("--downsample", "2"), "--downsample applies only with --task segmentation"),
        (("--channels-last",), "--channels-last applies only with --task segmentation"),
        (("--task", "segmentation", "--downsample", "3"), "downsample=3 does not divide"),
    ],
)
def test_options_the_task_would_ignore_are_refused_in_one_line(images, tmp_path, extra, message):
    folder, _, _ = images
    result = quiet_scan(folder / "labels.npy", folder / "pred_probs.npy", tmp_path / "out", *extra)
    assert message in one_line_error(result)
    assert not (tmp_path / "out").exists()


def test_swapped_or_flat_inputs_are_refused_in_one_line(images, tmp_path):
    folder, labels, _ = images
    swapped = invoke_scan(
        folder / "pred_probs.npy", folder / "labels.npy", "--out", tmp_path / "a", "--task", "segmentation"
    )
    assert "look swapped" in one_line_error(swapped)
    np.save(tmp_path / "flat.npy", labels.reshape(-1))
    flat = invoke_scan(
        tmp_path / "flat.npy", folder / "pred_probs.npy", "--out", tmp_path / "b", "--task", "segmentation"
    )
    assert "labels must be 3-D" in one_line_error(flat)
