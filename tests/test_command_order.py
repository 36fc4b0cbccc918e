"""The command speaks the library's language: LABELS then PRED_PROBS, or
--labels and --pred-probs; inputs in the old order, or that look swapped,
are refused in one line before any cluster starts; Parquet is opened from
its footers alone."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from conftest import invoke_scan, noisy_classification, noisy_multilabel, patch_everywhere

import dlq
from dlq.cli import cluster
from dlq.cli import inputs as command_inputs


@pytest.fixture
def no_cluster(monkeypatch):
    """Every cluster the command would start or join, recorded instead."""
    started = []
    patch_everywhere(monkeypatch, cluster.dask_client, lambda *args, **kwargs: started.append(args) or _refused())
    return started


def _refused():
    raise AssertionError("a cluster was started")


def _invoke(*arguments) -> tuple[int, str]:
    result = invoke_scan(*arguments)
    return result.exit_code, result.output


def _issues(out) -> np.ndarray:
    return pq.read_table(out / "issues.parquet", columns=["index"])["index"].to_numpy()


def test_positional_named_and_mixed_inputs_give_the_same_issues(npy_inputs, scheduler):
    labels, pred_probs = npy_inputs / "labels.npy", npy_inputs / "pred_probs.npy"
    expected = dlq.find_label_issues_batched(np.load(labels), np.load(pred_probs), verbose=False)
    forms = {
        "positional": (labels, pred_probs),
        "named": ("--labels", labels, "--pred-probs", pred_probs),
        "named in the other order": ("--pred-probs", pred_probs, "--labels", labels),
        "labels named": ("--labels", labels, pred_probs),
        "pred_probs named": (labels, "--pred-probs", pred_probs),
    }
    for number, (form, arguments) in enumerate(forms.items()):
        out = npy_inputs / f"out{number}"
        code, output = _invoke(*arguments, "--out", out, "--scheduler", scheduler, "--quiet")
        assert code == 0, (form, output)
        assert np.array_equal(_issues(out), expected), form


def test_a_scan_that_is_not_refused_starts_the_cluster_recorded(npy_inputs, no_cluster):
    """The refusals below record no cluster: they stop before the one place
    where a scan starts or joins its cluster, which ``no_cluster`` watches."""
    code, output = _invoke(npy_inputs / "labels.npy", npy_inputs / "pred_probs.npy", "--out", npy_inputs / "out")
    assert len(no_cluster) == 1 and code != 0, output
    assert not (npy_inputs / "out").exists()


def test_the_old_order_is_refused_in_one_line_saying_what_changed_before_any_cluster(npy_inputs, no_cluster):
    labels, pred_probs = npy_inputs / "labels.npy", npy_inputs / "pred_probs.npy"
    code, output = _invoke(pred_probs, labels, "--out", npy_inputs / "out")
    assert code == 2 and output.count("\n") == 1, output
    assert output.startswith("dlq: error: the inputs look swapped: ")
    assert f"labels {pred_probs} holds (3000, 3) float64 values" in output
    assert f"pred_probs {labels} holds (3000,) int64 values" in output
    assert "takes LABELS first, then PRED_PROBS" in output and f"dlq scan {labels} {pred_probs}" in output
    assert no_cluster == [] and not (npy_inputs / "out").exists()


def test_named_inputs_that_look_swapped_are_refused_saying_so(npy_inputs, no_cluster):
    code, output = _invoke(
        "--labels",
        npy_inputs / "pred_probs.npy",
        "--pred-probs",
        npy_inputs / "labels.npy",
        "--out",
        npy_inputs / "out",
    )
    assert code == 2 and output.startswith("dlq: error: the inputs look swapped") and output.count("\n") == 1
    assert "takes LABELS first" not in output and "PRED_PROBS" in output
    assert no_cluster == []


def test_swapped_multilabel_inputs_are_refused_saying_so(tmp_path, no_cluster):
    labels, pred_probs = noisy_multilabel(500, 3, seed=2)
    np.save(tmp_path / "labels.npy", labels.astype(bool))
    np.save(tmp_path / "pred_probs.npy", pred_probs)
    code, output = _invoke(
        tmp_path / "pred_probs.npy", tmp_path / "labels.npy", "--multilabel", "--out", tmp_path / "o"
    )
    assert code == 2 and "the inputs look swapped" in output and "(500, 3) bool values" in output, output
    assert no_cluster == []


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda folder: np.save(folder / "labels.npy", np.zeros(2999, np.int64)), "same number of rows"),
        (lambda folder: np.save(folder / "pred_probs.npy", np.ones((3000, 1))), "at least 2 columns"),
        (lambda folder: np.save(folder / "labels.npy", np.zeros((3000, 3))), "labels must be 1-D"),
        (lambda folder: np.save(folder / "labels.npy", np.zeros(3000)), "labels must be integers"),
        (lambda folder: np.save(folder / "pred_probs.npy", np.zeros(3000)), "pred_probs must be 2-D"),
    ],
    ids=["rows", "one class", "2-D int labels", "float labels", "1-D pred_probs"],
)
def test_shapes_and_dtypes_are_refused_before_any_cluster_starts(npy_inputs, no_cluster, change, message):
    change(npy_inputs)
    code, output = _invoke(npy_inputs / "labels.npy", npy_inputs / "pred_probs.npy", "--out", npy_inputs / "out")
    assert code == 2 and message in output and output.count("\n") == 1, output
    assert "look swapped" not in output
    assert no_cluster == []


@pytest.mark.parametrize(
    "arguments",
    [
        ("labels.npy",),
        ("labels.npy", "pred_probs.npy", "pred_probs.npy"),
        ("--labels", "labels.npy", "--pred-probs", "pred_probs.npy", "pred_probs.npy"),
        ("--labels", "labels.npy"),
        (),
    ],
    ids=["one path", "three paths", "named and a path", "labels named alone", "none"],
)
def test_a_wrong_number_of_inputs_is_one_line_naming_the_order(npy_inputs, no_cluster, arguments):
    located = [str(npy_inputs / a) if a.endswith(".npy") else a for a in arguments]
    code, output = _invoke(*located, "--out", npy_inputs / "out")
    assert code == 2 and output.count("\n") == 1, output
    assert "dlq scan takes LABELS then PRED_PROBS" in output and "--pred-probs" in output
    assert no_cluster == []


def test_the_help_names_labels_first(npy_inputs):
    code, output = _invoke("--help")
    assert code == 0 and "LABELS PRED_PROBS" in output and "--labels" in output and "--pred-probs" in output


def test_parquet_is_opened_from_its_footers_and_its_files_in_natural_order(tmp_path, monkeypatch):
    labels, pred_probs = noisy_classification(1200, 3, seed=8)
    folder = tmp_path / "probabilities"
    folder.mkdir()
    bounds = range(0, 1200, 100)
    for number, start in enumerate(bounds):  # part.0 ... part.11: part.10 sorts before part.2 by characters
        frame = pd.DataFrame({f"p{k}": pred_probs[start : start + 100, k] for k in range(3)})
        pq.write_table(pa.Table.from_pandas(frame), folder / f"part.{number}.parquet", row_group_size=40)
    np.save(tmp_path / "labels.npy", labels)
    options = {"labels": str(tmp_path / "labels.npy"), "pred_probs": str(folder), "chunk_rows": None}
    options["multilabel"] = False
    reads = []
    original = pq.ParquetFile.read_row_group
    monkeypatch.setattr(pq.ParquetFile, "read_row_group", lambda *a, **k: reads.append(a) or original(*a, **k))
    opened = command_inputs.opened_inputs(options)
    assert opened.pred_probs.shape == (1200, 3) and reads == []
    got_labels, got_probs = (array.compute() for array in opened.arrays())
    assert np.array_equal(got_probs, pred_probs) and np.array_equal(got_labels, labels)
    assert len(reads) == 12 * 3  # every row group, once
