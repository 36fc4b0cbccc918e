"""Outputs never touch inputs: every placement of an output over, inside or
around an input is refused before anything is read or written, and
``--overwrite`` replaces only what dlq itself published."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import dask.array as da
import h5py
import numpy as np
import pandas as pd
import pytest
import zarr
from click.testing import CliRunner
from conftest import noisy_classification
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

import dlq
from dlq.cli import inputs as command_inputs
from dlq.cli.command import main
from dlq.io.outputs import atomic_directory

N_ROWS = 600


def _tree_digest(folder: Path) -> dict[str, str]:
    """Every file under ``folder`` (hidden ones too) and a hash of its bytes."""
    return {
        str(path.relative_to(folder)): hashlib.sha256(path.read_bytes()).hexdigest()
        for path in sorted(folder.rglob("*"))
        if path.is_file()
    }


def _write_inputs(folder: Path, kind: str) -> tuple[str, str]:
    """pred_probs and labels of one input kind, written into ``folder``;
    returns the two paths as the command takes them."""
    labels, pred_probs = noisy_classification(N_ROWS, 3, seed=7)
    folder.mkdir(parents=True, exist_ok=True)
    if kind == "npy":
        np.save(folder / "pred_probs.npy", pred_probs)
        np.save(folder / "labels.npy", labels)
        return str(folder / "pred_probs.npy"), str(folder / "labels.npy")
    if kind == "zarr":
        zarr.create_array(store=str(folder / "pred_probs.zarr"), data=pred_probs, chunks=(200, 3))
        zarr.create_array(store=str(folder / "labels.zarr"), data=labels, chunks=(200,))
        return str(folder / "pred_probs.zarr"), str(folder / "labels.zarr")
    if kind == "hdf5":
        with h5py.File(folder / "data.h5", "w") as file:
            file["pred_probs"], file["labels"] = pred_probs, labels
        return f"{folder / 'data.h5'}:/pred_probs", f"{folder / 'data.h5'}:/labels"
    (folder / "pred_probs.parquet").mkdir()  # a dataset of two part files
    frame = pd.DataFrame({f"p{k}": pred_probs[:, k] for k in range(3)})
    frame.iloc[:300].to_parquet(folder / "pred_probs.parquet" / "part-0.parquet")
    frame.iloc[300:].to_parquet(folder / "pred_probs.parquet" / "part-1.parquet")
    pd.DataFrame({"label": labels}).to_parquet(folder / "labels.parquet")
    return str(folder / "pred_probs.parquet"), str(folder / "labels.parquet")


def _placements(inputs: Path, pred_probs: str, labels: str) -> dict[str, Path]:
    """Every way an --out can sit over, inside or around the inputs."""
    pred_probs_path = Path(pred_probs.split(":/")[0])
    labels_path = Path(labels.split(":/")[0])
    link = inputs.parent / "link-to-inputs"
    if not link.exists():
        link.symlink_to(inputs, target_is_directory=True)
    return {
        "is pred_probs": pred_probs_path,
        "is labels": labels_path,
        "inside pred_probs": pred_probs_path / "out",
        "inside labels": labels_path / "scan",
        "the folder of the inputs": inputs,
        "a parent of the inputs": inputs.parent,
        "the inputs through a symlink": link,
        "inside the inputs' folder through a symlink and ..": link / "sub" / ".." / labels_path.name,
    }


@pytest.mark.parametrize("kind", ["npy", "zarr", "hdf5", "parquet"])
@pytest.mark.parametrize("overwrite", [False, True])
def test_every_out_over_inside_or_around_an_input_is_refused_and_harms_nothing(tmp_path, kind, overwrite):
    inputs = tmp_path / "data" / "inputs"
    pred_probs, labels = _write_inputs(inputs, kind)
    (inputs / "unrelated.txt").write_text("a file of the user's beside the inputs")
    before = _tree_digest(tmp_path)
    for placement, out in _placements(inputs, pred_probs, labels).items():
        arguments = ["scan", labels, pred_probs, "--out", str(out), "--quiet"]
        result = CliRunner().invoke(main, arguments + (["--overwrite"] if overwrite else []))
        assert result.exit_code == 2, (placement, result.output)
        assert result.output.startswith("dlq: error: --out ") and "dlq never writes over or around" in result.output
        assert result.output.strip().count("\n") == 0, result.output
        assert _tree_digest(tmp_path) == before, placement


def test_ids_and_a_class_names_file_are_inputs_too(tmp_path):
    pred_probs, labels = _write_inputs(tmp_path / "inputs", "npy")
    (tmp_path / "ids").mkdir()
    (tmp_path / "names").mkdir()
    np.save(tmp_path / "ids" / "ids.npy", np.arange(N_ROWS))
    (tmp_path / "names" / "classes.txt").write_text("a\nb\nc\n")
    for option, value, out in (
        ("--ids", tmp_path / "ids" / "ids.npy", tmp_path / "ids"),
        ("--class-names", tmp_path / "names" / "classes.txt", tmp_path / "names"),
    ):
        result = CliRunner().invoke(main, ["scan", labels, pred_probs, "--out", str(out), option, str(value)])
        assert result.exit_code == 2 and "contains" in result.output, result.output
    assert sorted(path.name for path in (tmp_path / "ids").iterdir()) == ["ids.npy"]


@pytest.mark.parametrize("where", [".", ".."])
def test_the_current_directory_and_its_parent_are_never_replaced(tmp_path, monkeypatch, where):
    pred_probs, labels = _write_inputs(tmp_path / "elsewhere" / "inputs", "npy")
    work = tmp_path / "work" / "here"
    work.mkdir(parents=True)
    (work / "mine.txt").write_text("mine")
    monkeypatch.chdir(work)
    before = _tree_digest(tmp_path)
    result = CliRunner().invoke(main, ["scan", labels, pred_probs, "--out", where, "--overwrite", "--quiet"])
    assert result.exit_code == 2 and "current directory or one of its parents" in result.output, result.output
    assert _tree_digest(tmp_path) == before
    assert sorted(path.name for path in tmp_path.iterdir()) == ["elsewhere", "work"]


def test_overwrite_replaces_a_folder_only_if_dlq_published_it(tmp_path):
    pred_probs, labels = _write_inputs(tmp_path / "inputs", "npy")
    theirs = tmp_path / "theirs"
    theirs.mkdir()
    (theirs / "thesis.tex").write_text("years of work")
    result = CliRunner().invoke(main, ["scan", labels, pred_probs, "--out", str(theirs), "--overwrite", "--quiet"])
    assert result.exit_code == 2 and "not an output of dlq" in result.output, result.output
    assert (theirs / "thesis.tex").read_text() == "years of work"


def test_a_refused_run_creates_no_parent_folder(tmp_path):
    pred_probs, _ = _write_inputs(tmp_path / "inputs", "npy")
    out = tmp_path / "new" / "deeper" / "out"
    bad_labels = tmp_path / "inputs" / "bad.npy"
    np.save(bad_labels, np.full(N_ROWS, 7))  # a class pred_probs does not have
    result = CliRunner().invoke(
        main, ["scan", str(bad_labels), pred_probs, "--out", str(out), "--quiet", "--workers", "1"]
    )
    assert result.exit_code == 2, result.output
    assert sorted(path.name for path in tmp_path.iterdir()) == ["inputs"]


def _zarr_inputs(folder: Path, chunk: int) -> tuple[str, str]:
    labels, pred_probs = noisy_classification(N_ROWS, 3, seed=8)
    zarr.create_array(store=str(folder / "labels.zarr"), data=labels, chunks=(chunk,))
    zarr.create_array(store=str(folder / "pred_probs.zarr"), data=pred_probs, chunks=(chunk, 3))
    return str(folder / "labels.zarr"), str(folder / "pred_probs.zarr")


@pytest.mark.parametrize("chunk", [N_ROWS, 150])
@pytest.mark.parametrize("overwrite", [False, True])
def test_to_zarr_never_writes_over_or_into_an_input(tmp_path, chunk, overwrite):
    labels, pred_probs = _zarr_inputs(tmp_path, chunk)
    before = _tree_digest(tmp_path)
    scan = dlq.scan(labels, pred_probs, chunk_rows=chunk)
    for store, issues_to in (
        (labels, None),
        (pred_probs, None),
        (str(tmp_path / "scan.zarr"), labels),
        (str(tmp_path / "scan.zarr"), os.path.join(pred_probs, "issues")),
        (str(tmp_path), None),
    ):
        with pytest.raises(ValueError, match="dlq never writes over or around its inputs"):
            scan.to_zarr(store, issues_to=issues_to, overwrite=overwrite)
        assert _tree_digest(tmp_path) == before
    expected = dlq.scan(zarr.open_array(labels)[:], zarr.open_array(pred_probs)[:]).compute()
    np.testing.assert_array_equal(scan.compute().issues, expected.issues)


def test_to_zarr_overwrites_only_a_group_that_dlq_wrote(tmp_path):
    labels, pred_probs = noisy_classification(N_ROWS, 3, seed=9)
    scan = dlq.scan(labels, pred_probs)
    plain = tmp_path / "plain"
    plain.mkdir()
    (plain / "notes.txt").write_text("mine")
    foreign = str(tmp_path / "foreign.zarr")
    zarr.create_array(store=foreign, data=np.arange(3))
    for store in (str(plain), foreign):
        with pytest.raises(FileExistsError, match="dlq did not write"):
            scan.to_zarr(store, overwrite=True)
    assert (plain / "notes.txt").read_text() == "mine"
    np.testing.assert_array_equal(zarr.open_array(foreign)[:], np.arange(3))
    store = str(tmp_path / "scan.zarr")
    first = scan.to_zarr(store)
    again = scan.to_zarr(store, overwrite=True)
    np.testing.assert_array_equal(first.issues, again.issues)
    assert zarr.open_group(store, mode="r").attrs["written_by"] == "dlq"


def test_issues_to_is_published_whole_and_never_merged_with_an_earlier_run(tmp_path):
    labels, pred_probs = noisy_classification(3000, 3, seed=10, noise=0.3)
    folder = tmp_path / "issues.parquet"
    dlq.scan(labels, pred_probs).to_zarr(tmp_path / "a.zarr", issues_to=folder)
    earlier = sorted(path.name for path in folder.iterdir())
    with pytest.raises(FileExistsError, match="already exists"):
        dlq.scan(labels[:100], pred_probs[:100]).to_zarr(tmp_path / "b.zarr", issues_to=folder)
    assert sorted(path.name for path in folder.iterdir()) == earlier
    few = dlq.scan(labels[:100], pred_probs[:100]).to_zarr(tmp_path / "c.zarr", issues_to=folder, overwrite=True)
    table = pd.read_parquet(folder)
    assert table["index"].tolist() == few.issues.tolist()
    (folder / "part-09999.parquet").write_bytes(b"a part dlq did not write")
    with pytest.raises(FileExistsError, match="which dlq did not write"):
        dlq.scan(labels, pred_probs).to_zarr(tmp_path / "d.zarr", issues_to=folder, overwrite=True)


_SEGMENTS = [".", "..", "data", "inputs", "labels.zarr", "pred_probs.npy", "link", "new", "x y", "ü", "c", "0"]


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    segments=st.lists(st.sampled_from(_SEGMENTS), min_size=1, max_size=5),
    absolute=st.booleans(),
    overwrite=st.booleans(),
    fails=st.booleans(),
)
def test_any_out_path_is_refused_or_published_beside_the_inputs_without_harm(
    tmp_path_factory, segments, absolute, overwrite, fails
):
    """Whatever path an --out is, either the command refuses it before
    anything is written, or the output appears there (or, if the run fails,
    nothing does), and no input or other file changes."""
    root = tmp_path_factory.mktemp("paths")
    inputs = root / "data" / "inputs"
    pred_probs, labels = _write_inputs(inputs, "zarr")
    (root / "link").symlink_to(inputs, target_is_directory=True)
    work = root / "data" / "work"
    work.mkdir()
    (work / "c").mkdir()
    (work / "c" / "mine.txt").write_text("mine")
    out = os.path.join(*segments)
    if absolute:
        out = os.path.join(root, out)
    options = {"pred_probs": pred_probs, "labels": labels, "out": out, "overwrite": overwrite}
    before = _tree_digest(root)
    cwd = os.getcwd()
    os.chdir(work)
    try:
        command_inputs.refuse_output_over_inputs(options)
        with atomic_directory(out, overwrite=overwrite) as staging:
            (staging / "scores.txt").write_text("written")
            if fails:
                raise RuntimeError("the scan failed")
    except (ValueError, FileExistsError, RuntimeError) as error:
        event(type(error).__name__)
        assert _tree_digest(root) == before  # refused, or failed: nothing changed anywhere
        return
    finally:
        os.chdir(cwd)
    event("published")
    published = Path(os.path.abspath(os.path.join(work, out))).resolve()
    assert (published / "scores.txt").read_text() == "written"
    for location in (Path(labels), Path(pred_probs)):
        assert not (published == location or location.is_relative_to(published) or published.is_relative_to(location))
    after = _tree_digest(root)
    assert {path: after.get(path) for path in before} == before  # every file there before is there still, unchanged


def test_one_output_never_goes_in_another(tmp_path):
    labels, pred_probs = noisy_classification(N_ROWS, 3, seed=11)
    scan = dlq.scan(labels, pred_probs)
    scan.to_zarr(tmp_path / "first.zarr", issues_to=tmp_path / "issues")
    before = _tree_digest(tmp_path)
    for store, issues_to in (
        (tmp_path / "issues" / "inner.zarr", None),  # inside an earlier issue table
        (tmp_path / "first.zarr" / "inner.zarr", None),  # inside an earlier store
        (tmp_path / "second.zarr", tmp_path / "second.zarr" / "issues"),  # the table inside its own store
        (tmp_path / "third.zarr", tmp_path / "first.zarr" / "issues"),
    ):
        with pytest.raises((ValueError, FileExistsError), match="inside"):
            scan.to_zarr(store, issues_to=issues_to)
        assert _tree_digest(tmp_path) == before
    pd.read_parquet(tmp_path / "issues")  # still readable


def test_outputs_that_are_urls_or_exist_are_refused_in_a_sentence(tmp_path, monkeypatch):
    labels, pred_probs = noisy_classification(N_ROWS, 3, seed=12)
    scan = dlq.scan(labels, pred_probs)
    monkeypatch.chdir(tmp_path)
    with pytest.raises(ValueError, match="issues_to memory://x/issues is a URL"):
        scan.to_zarr(tmp_path / "a.zarr", issues_to="memory://x/issues")
    scan.to_zarr(tmp_path / "b.zarr")
    with pytest.raises(FileExistsError, match=r"store .*b\.zarr already exists; .*overwrite=True"):
        scan.to_zarr(tmp_path / "b.zarr")
    for out in ("memory://x/y", "s3://bucket/run", f"file://{tmp_path}/run"):
        result = CliRunner().invoke(main, ["scan", "l.npy", "p.npy", "--out", out, "--quiet"])
        assert result.exit_code == 2 and "is a URL; the command writes a local folder" in result.output
    assert sorted(path.name for path in tmp_path.iterdir()) == ["b.zarr"]


def test_class_names_and_ids_of_the_wrong_kind_are_refused_before_anything_is_written(tmp_path):
    labels, pred_probs = noisy_classification(N_ROWS, 3, seed=13)
    scan = dlq.scan(labels, pred_probs)
    for options, error, message in (
        ({"class_names": ["a", "b"]}, ValueError, "class_names must be 3 strings"),
        ({"class_names": [1, 2, 3]}, TypeError, "class_names must be strings"),
        ({"class_names": "abc"}, TypeError, "a list of 3 strings"),
        ({"ids": da.arange(10, chunks=5)}, ValueError, r"one id per example, shape \(600,\); got \(10,\)"),
    ):
        with pytest.raises(error, match=message):
            scan.to_zarr(tmp_path / "out.zarr", issues_to=tmp_path / "issues", **options)
        assert list(tmp_path.iterdir()) == []
    result = scan.to_zarr(tmp_path / "out.zarr", issues_to=tmp_path / "issues", ids=np.arange(N_ROWS) * 10)
    assert pd.read_parquet(tmp_path / "issues")["id"].tolist() == (result.issues * 10).tolist()


def test_a_folder_named_tilde_is_a_folder_like_any_other(tmp_path, monkeypatch):
    """The shell expands ~; dlq reads a path as it comes, and so it checks it."""
    _write_inputs(tmp_path / "~", "zarr")
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    result = CliRunner().invoke(
        main, ["scan", "~/labels.zarr", "~/pred_probs.zarr", "--out", "./~/pred_probs.zarr/out", "--quiet"]
    )
    assert result.exit_code == 2 and "dlq never writes over or around its inputs" in result.output
    assert not (tmp_path / "~" / "pred_probs.zarr" / "out").exists()
