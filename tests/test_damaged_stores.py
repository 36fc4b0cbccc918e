"""Damaged zarr stores are never read as data: a missing or undecodable chunk
is a ValueError naming the input, the chunk and its rows; missing labels
chunks are read as the fill value only when asked."""

from __future__ import annotations

import pickle
import re
import shutil
import tempfile
from pathlib import Path
from types import SimpleNamespace

import dask
import numpy as np
import pytest
import zarr
from conftest import noisy_classification, noisy_multilabel, quiet_scan, s3_server
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import dlq
from dlq.graphs.sources import Rereading
from dlq.io import arrays
from dlq.io.marks import stored_source

N, K, ROWS = 3000, 4, 700  # five chunks of rows, the last one partial (rows 2800..2999)
FILL = {"dlq.missing-label-chunks": "fill"}


@pytest.fixture(scope="module")
def data():
    labels, pred_probs = noisy_classification(N, K, seed=61, dtype=np.float32)
    ml_labels, ml_pred_probs = noisy_multilabel(N, K, seed=62, dtype=np.float32)
    return SimpleNamespace(labels=labels, pred_probs=pred_probs, ml_labels=ml_labels, ml_pred_probs=ml_pred_probs)


def write(path: Path, array: np.ndarray, zarr_format: int = 3, rows: int = ROWS, **options) -> Path:
    zarr.create_array(store=str(path), data=array, chunks=(rows, *array.shape[1:]), zarr_format=zarr_format, **options)
    return path


def chunk_file(path: Path, coords: tuple[int, ...]) -> Path:
    """The file of the chunk at ``coords``: c/3 or c/3/0 in zarr v3, 3 or 3.0 in v2."""
    return path / zarr.open_array(str(path), mode="r").metadata.encode_chunk_key(coords)


def corrupt(path: Path, coords: tuple[int, ...]) -> None:
    chunk_file(path, coords).write_bytes(b"not a chunk, garbage" * 7)


@pytest.fixture
def stores(data, tmp_path):
    """labels and pred_probs written, intact, in zarr format v2 or v3."""

    def make(zarr_format: int) -> SimpleNamespace:
        return SimpleNamespace(
            labels=write(tmp_path / f"labels_v{zarr_format}.zarr", data.labels, zarr_format),
            pred_probs=write(tmp_path / f"pred_probs_v{zarr_format}.zarr", data.pred_probs, zarr_format),
        )

    return make


def issues(labels, pred_probs) -> np.ndarray:
    return dlq.scan(labels, pred_probs).compute().issues


FINDERS = {
    "scan": issues,
    "find_label_issues_batched": lambda y, p: dlq.find_label_issues_batched(labels=y, pred_probs=p, verbose=False),
    "filter.find_label_issues": lambda y, p: dlq.filter.find_label_issues(y, p),
}


@pytest.mark.parametrize("zarr_format", [2, 3])
@pytest.mark.parametrize("finder", FINDERS)
@pytest.mark.parametrize("as_array", [False, True], ids=["path", "zarr.Array"])
def test_a_missing_labels_chunk_is_an_error_naming_the_chunk_and_its_rows(stores, zarr_format, finder, as_array):
    paths = stores(zarr_format)
    chunk_file(paths.labels, (3,)).unlink()
    key = "c/3" if zarr_format == 3 else "3"
    labels, pred_probs = (
        (zarr.open_array(str(paths.labels), mode="r"), zarr.open_array(str(paths.pred_probs), mode="r"))
        if as_array
        else (str(paths.labels), str(paths.pred_probs))
    )
    with pytest.raises(ValueError) as refused:
        FINDERS[finder](labels, pred_probs)
    message = str(refused.value)
    assert message.startswith("labels: zarr store ") and f"holds no chunk {key} (rows 2100..2799)" in message
    assert "dlq.missing-label-chunks" in message and "--missing-label-chunks fill" in message and "\n" not in message


@pytest.mark.parametrize("zarr_format", [2, 3])
@pytest.mark.parametrize("fill_value", [0, 3])
def test_missing_labels_chunks_are_read_as_the_fill_value_only_when_asked(data, tmp_path, zarr_format, fill_value):
    """The missing chunks are the second and the partial last one."""
    labels = write(tmp_path / "labels.zarr", data.labels, zarr_format, fill_value=fill_value)
    pred_probs = write(tmp_path / "pred_probs.zarr", data.pred_probs, zarr_format)
    for index in (1, 4):
        chunk_file(labels, (index,)).unlink()
    with pytest.raises(
        ValueError,
        match=rf"holds no chunk \S+ \(rows 700..1399\) \(and 1 more chunk\).* missing labels chunks as {fill_value} ",
    ):
        issues(str(labels), str(pred_probs))
    filled = data.labels.copy()
    filled[700:1400] = filled[2800:] = fill_value
    with dask.config.set(FILL):
        found = issues(str(labels), str(pred_probs))
        batched = dlq.find_label_issues_batched(labels=str(labels), pred_probs=str(pred_probs), verbose=False)
    np.testing.assert_array_equal(found, issues(filled, data.pred_probs))
    np.testing.assert_array_equal(batched, found)
    assert not np.array_equal(found, issues(data.labels, data.pred_probs))


@pytest.mark.parametrize("zarr_format", [2, 3])
@pytest.mark.parametrize("policy", ["error", "fill"])
def test_a_missing_pred_probs_chunk_is_always_an_error(stores, zarr_format, policy):
    paths = stores(zarr_format)
    chunk_file(paths.pred_probs, (4, 0)).unlink()
    key = "c/4/0" if zarr_format == 3 else "4.0"
    with dask.config.set({"dlq.missing-label-chunks": policy}), pytest.raises(ValueError) as refused:
        dlq.find_label_issues_batched(labels=str(paths.labels), pred_probs=str(paths.pred_probs), verbose=False)
    message = str(refused.value)
    assert message.startswith("pred_probs: zarr store ") and f"holds no chunk {key} (rows 2800..2999)" in message
    assert "fill values are not probabilities; restore it" in message


@pytest.mark.parametrize("zarr_format", [2, 3])
@pytest.mark.parametrize(
    ("which", "coords", "rows"), [("labels", (2,), "1400..2099"), ("pred_probs", (4, 0), "2800..2999")]
)
def test_a_corrupted_chunk_is_an_error_naming_the_chunk_its_rows_and_the_cause(
    stores, zarr_format, which, coords, rows
):
    paths = stores(zarr_format)
    corrupt(getattr(paths, which), coords)
    key = ("c/" + "/".join(map(str, coords))) if zarr_format == 3 else ".".join(map(str, coords))
    for finder in FINDERS.values():
        with pytest.raises(ValueError) as refused:
            finder(str(paths.labels), str(paths.pred_probs))
        message = str(refused.value)
        assert message.startswith(f"{which}: zarr store ") and f"chunk {key} (rows {rows}) could not be read" in message
        assert refused.value.__cause__ is not None and str(refused.value.__cause__) in message


def test_later_passes_reading_the_rows_again_refuse_a_chunk_lost_after_opening(stores):
    """A chunk that goes missing after the listing is refused by the read,
    in a task or in a later pass's own reads, with an error that pickles."""
    paths = stores(3)
    lazy = dlq.scan(str(paths.labels), str(paths.pred_probs))
    opened = arrays.open_array(str(paths.labels), name="labels")
    chunk_file(paths.labels, (3,)).unlink()
    with pytest.raises(ValueError, match=r"^labels: .* holds no chunk c/3 \(rows 2100..2799\)") as refused:
        lazy.compute()
    assert str(pickle.loads(pickle.dumps(refused.value))) == str(refused.value)
    rereading = Rereading(stored_source(opened), opened.name, opened.chunks, opened.ndim)
    with pytest.raises(ValueError, match=r"holds no chunk c/3 \(rows 2100..2799\)"):
        rereading.rows(1400, 2800)
    with pytest.raises(ValueError, match=r"holds no chunk c/3 \(rows 2100..2799\)"):
        pickle.loads(pickle.dumps(arrays.array_like(str(paths.labels), name="labels")))[2000:2200]


def test_inputs_are_opened_read_only_and_the_setting_is_checked(stores):
    paths = stores(3)
    writable = zarr.open_array(str(paths.labels), mode="r+")
    opened = arrays.array_like(writable, name="labels")
    assert opened.array.read_only and arrays._is_zarr_array(opened)
    with dask.config.set({"dlq.missing-label-chunks": "zero"}), pytest.raises(ValueError, match="'error' or 'fill'"):
        arrays.array_like(str(paths.labels), name="labels")


@pytest.mark.parametrize("zarr_format", [2, 3])
def test_multilabel_labels_with_a_missing_chunk(data, tmp_path, zarr_format):
    """Binary (N, K) labels, stored in chunks of two classes: the missing chunk is c/2/1 (or 2.1)."""
    labels = tmp_path / "labels.zarr"
    zarr.create_array(store=str(labels), data=data.ml_labels, chunks=(ROWS, 2), zarr_format=zarr_format)
    pred_probs = write(tmp_path / "pred_probs.zarr", data.ml_pred_probs, zarr_format)
    chunk_file(labels, (2, 1)).unlink()
    key = "c/2/1" if zarr_format == 3 else "2.1"
    with pytest.raises(ValueError, match=rf"^labels: .* holds no chunk {re.escape(key)} \(rows 1400..2099\)"):
        dlq.multilabel.scan(str(labels), str(pred_probs)).compute()
    with pytest.raises(ValueError, match=rf"holds no chunk {re.escape(key)}"):
        dlq.multilabel.rank.get_label_quality_scores(zarr.open_array(str(labels), mode="r"), str(pred_probs))
    filled = data.ml_labels.copy()
    filled[1400:2100, 2:] = False
    with dask.config.set(FILL):
        scores = dlq.multilabel.rank.get_label_quality_scores(str(labels), str(pred_probs))
    np.testing.assert_array_equal(scores, dlq.multilabel.rank.get_label_quality_scores(filled, data.ml_pred_probs))


def test_multilabel_pred_probs_with_a_corrupted_chunk(data, tmp_path):
    labels = write(tmp_path / "labels.zarr", data.ml_labels)
    pred_probs = write(tmp_path / "pred_probs.zarr", data.ml_pred_probs)
    corrupt(pred_probs, (1, 0))
    with pytest.raises(ValueError, match=r"^pred_probs: .* chunk c/1/0 \(rows 700..1399\) could not be read"):
        dlq.multilabel.scan(str(labels), str(pred_probs)).compute()


@pytest.mark.parametrize("damage", ["missing", "corrupted"])
def test_the_command_refuses_a_damaged_store_in_one_line_and_writes_nothing(stores, tmp_path, scheduler, damage):
    paths = stores(3)
    if damage == "missing":
        chunk_file(paths.labels, (3,)).unlink()
    else:
        corrupt(paths.labels, (3,))
    out = tmp_path / "out"
    result = quiet_scan(paths.labels, paths.pred_probs, out, scheduler=scheduler)
    assert result.exit_code == 2, result.output
    assert result.stderr.startswith("dlq: error: labels: zarr store ") and "c/3 (rows 2100..2799)" in result.stderr
    assert result.stderr.strip().count("\n") == 0
    assert not out.exists() and not list(tmp_path.glob(".out*"))


def test_the_command_reads_a_missing_labels_chunk_as_the_fill_value_when_told_to(data, stores, tmp_path, scheduler):
    paths = stores(3)
    chunk_file(paths.labels, (3,)).unlink()
    out = tmp_path / "out"
    result = quiet_scan(paths.labels, paths.pred_probs, out, "--missing-label-chunks", "fill", scheduler=scheduler)
    assert result.exit_code == 0, result.output
    filled = data.labels.copy()
    filled[3 * ROWS : 4 * ROWS] = 0
    expected = dlq.scan(filled, data.pred_probs).compute().issues
    assert zarr.open_group(str(out / "scores.zarr"), mode="r")["is_label_issue"][:].nonzero()[0].tolist() == sorted(
        expected.tolist()
    )
    refused = quiet_scan(
        paths.labels, paths.pred_probs, tmp_path / "again", "--missing-label-chunks", "error", scheduler=scheduler
    )
    assert refused.exit_code == 2 and "holds no chunk c/3" in refused.output


@pytest.mark.slow
def test_the_command_on_worker_processes_names_a_corrupted_chunk(stores, tmp_path):
    """The read fails in a task on a worker process: the error travels back pickled."""
    paths = stores(2)
    corrupt(paths.pred_probs, (2, 0))
    out = tmp_path / "out"
    result = quiet_scan(paths.labels, paths.pred_probs, out, "--workers", "1", "--threads-per-worker", "2")
    assert result.exit_code == 2, result.output
    assert (
        "pred_probs: zarr store " in result.stderr and "chunk 2.0 (rows 1400..2099) could not be read" in result.stderr
    )
    assert not out.exists()


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    n_rows=st.integers(40, 400),
    labels_rows=st.integers(7, 150),
    probs_rows=st.integers(7, 150),
    zarr_format=st.sampled_from([2, 3]),
    damage=st.lists(
        st.tuples(st.sampled_from(["labels", "pred_probs"]), st.integers(0, 60), st.sampled_from(["delete", "garble"])),
        max_size=3,
    ),
    fill=st.booleans(),
)
def test_a_damaged_store_gives_the_intact_answer_or_an_error_naming_a_damaged_chunk(
    n_rows, labels_rows, probs_rows, zarr_format, damage, fill
):
    labels, pred_probs = noisy_classification(n_rows, 3, seed=n_rows, dtype=np.float32)
    folder = Path(tempfile.mkdtemp())
    try:
        every_chunk = {"write_empty_chunks": True}  # a small chunk of labels may be all 0, the fill value
        paths = {
            "labels": write(folder / "labels.zarr", labels, zarr_format, rows=labels_rows, config=every_chunk),
            "pred_probs": write(folder / "pred_probs.zarr", pred_probs, zarr_format, rows=probs_rows),
        }
        damaged: dict[str, set[str]] = {"labels": set(), "pred_probs": set()}
        missing_labels, garbled = np.zeros(n_rows, bool), set()
        for which, index, how in damage:
            rows = labels_rows if which == "labels" else probs_rows
            index %= -(-n_rows // rows)
            coords = (index,) if which == "labels" else (index, 0)
            file = chunk_file(paths[which], coords)
            if not file.exists():
                continue
            damaged[which].add(zarr.open_array(str(paths[which]), mode="r").metadata.encode_chunk_key(coords))
            if how == "delete":
                file.unlink()
                garbled.discard(file)
                missing_labels[index * rows : (index + 1) * rows] |= which == "labels"
            else:
                corrupt(paths[which], coords)
                garbled.add(file)
        with dask.config.set({"dlq.missing-label-chunks": "fill" if fill else "error"}):
            try:
                found = issues(str(paths["labels"]), str(paths["pred_probs"]))
            except ValueError as error:
                named = re.match(r"^(labels|pred_probs): zarr store \S+:? (?:holds no )?chunk (\S+) \(rows", str(error))
                assert named, str(error)
                assert named[2] in damaged[named[1]], (str(error), damaged)
                return
        expected_labels = np.where(missing_labels, 0, labels) if fill else labels
        assert not garbled and not damaged["pred_probs"] and (fill or not damaged["labels"])
        np.testing.assert_array_equal(found, issues(expected_labels, pred_probs))
    finally:
        shutil.rmtree(folder)


@pytest.mark.slow
def test_a_damaged_store_on_s3(data, tmp_path):
    """A store read over the S3 protocol (a moto server on loopback): a lost
    object is found by the listing, a garbled one by its read."""
    import s3fs

    with s3_server("damaged", {"labels": data.labels, "pred_probs": data.pred_probs}, ROWS) as options:
        filesystem = s3fs.S3FileSystem(**options)

        def opened(name):
            return zarr.open_array(f"s3://damaged/{name}.zarr", mode="r", storage_options=options)

        expected = issues(data.labels, data.pred_probs)
        np.testing.assert_array_equal(issues(opened("labels"), opened("pred_probs")), expected)
        filesystem.rm("damaged/labels.zarr/c/3")
        with pytest.raises(ValueError, match=r"^labels: zarr store s3://damaged/labels.zarr holds no chunk c/3 \("):
            issues(opened("labels"), opened("pred_probs"))
        filesystem.pipe("damaged/pred_probs.zarr/c/1/0", b"not a chunk" * 9)
        with dask.config.set(FILL), pytest.raises(ValueError, match=r"^pred_probs: .* chunk c/1/0 \(rows 700..1399\)"):
            issues(opened("labels"), opened("pred_probs"))


@pytest.mark.parametrize("which", ["labels", "pred_probs"])
def test_a_chunk_a_shard_lacks_is_an_error_and_the_partial_last_shard_is_not(data, tmp_path, which):
    """A sharded store keeps every chunk of a shard in one object; a chunk
    the shard's index marks absent reads as the fill value unless refused."""
    intact = {"labels": data.labels, "pred_probs": data.pred_probs}
    paths = {}
    for name, array in intact.items():  # 3000 rows: the last shard of 2000 holds 1000 rows
        paths[name] = tmp_path / f"{name}.zarr"
        zarr.create_array(
            store=str(paths[name]), data=array, chunks=(100, *array.shape[1:]), shards=(2000, *array.shape[1:])
        )
    expected = issues(data.labels, data.pred_probs)
    np.testing.assert_array_equal(issues(str(paths["labels"]), str(paths["pred_probs"])), expected)
    holed = zarr.create_array(
        store=str(tmp_path / "holed.zarr"),
        shape=intact[which].shape,
        dtype=intact[which].dtype,
        chunks=(100, *intact[which].shape[1:]),
        shards=(2000, *intact[which].shape[1:]),
    )
    holed[:2300] = intact[which][:2300]
    holed[2400:] = intact[which][2400:]  # rows 2300..2399 never written
    paths[which] = tmp_path / "holed.zarr"
    with pytest.raises(
        ValueError, match=rf"^{which}: .* holds no chunk \(23, ?.*\) \(rows 2300..2399\) inside its shard"
    ):
        issues(str(paths["labels"]), str(paths["pred_probs"]))
    if which == "labels":
        with dask.config.set(FILL):
            filled = data.labels.copy()
            filled[2300:2400] = 0
            np.testing.assert_array_equal(
                issues(str(paths["labels"]), str(paths["pred_probs"])), issues(filled, data.pred_probs)
            )
