"""Every input kind gives the answer the in-memory arrays give."""

from __future__ import annotations

from types import SimpleNamespace

import dask.array as da
import h5py
import numpy as np
import pytest
import zarr
from cleanlab.experimental.label_issues_batched import find_label_issues_batched as cl_find
from conftest import as_lists, noisy_classification, noisy_multilabel

import dlq
from dlq.io import arrays


@pytest.fixture(scope="module")
def data():
    labels, pred_probs = noisy_classification(6000, 5, seed=21, dtype=np.float32)
    return SimpleNamespace(labels=labels, pred_probs=pred_probs)


@pytest.fixture(scope="module")
def expected(data):
    return np.sort(cl_find(data.labels, data.pred_probs, batch_size=1000, n_jobs=1, verbose=False))


def write_zarr(path, array, zarr_format):
    stored = zarr.create_array(
        store=str(path), shape=array.shape, dtype=array.dtype, chunks=(700, *array.shape[1:]), zarr_format=zarr_format
    )
    stored[...] = array
    return stored


@pytest.fixture(scope="module")
def inputs(data, tmp_path_factory):
    folder = tmp_path_factory.mktemp("inputs")
    np.save(folder / "labels.npy", data.labels)
    np.save(folder / "pred_probs.npy", data.pred_probs)
    stores = {}
    for zarr_format in (2, 3):
        stores[zarr_format] = (
            write_zarr(folder / f"labels_v{zarr_format}.zarr", data.labels, zarr_format),
            write_zarr(folder / f"pred_probs_v{zarr_format}.zarr", data.pred_probs, zarr_format),
        )
    with h5py.File(folder / "data.h5", "w") as file:
        file.create_dataset("labels", data=data.labels)
        file.create_dataset("pred_probs", data=data.pred_probs, chunks=(512, 5))
    return folder, stores


def test_numpy_and_lists(data, expected):
    found = dlq.find_label_issues_batched(data.labels.tolist(), data.pred_probs, batch_size=1234, verbose=False)
    assert np.array_equal(np.sort(found), expected)


def test_npy_paths(inputs, expected):
    folder, _ = inputs
    found = dlq.find_label_issues_batched(
        labels_file=str(folder / "labels.npy"), pred_probs_file=str(folder / "pred_probs.npy"), verbose=False
    )
    assert np.array_equal(np.sort(found), expected)
    assert np.array_equal(
        np.sort(dlq.scan(folder / "labels.npy", folder / "pred_probs.npy").compute().issues), expected
    )


@pytest.mark.parametrize("zarr_format", [2, 3])
def test_zarr_arrays_and_paths(inputs, expected, zarr_format):
    folder, stores = inputs
    labels_store, pred_probs_store = stores[zarr_format]
    assert np.array_equal(
        np.sort(dlq.find_label_issues_batched(labels_store, pred_probs_store, verbose=False)), expected
    )
    by_path = dlq.scan(
        str(folder / f"labels_v{zarr_format}.zarr"), str(folder / f"pred_probs_v{zarr_format}.zarr")
    ).compute()
    assert np.array_equal(np.sort(by_path.issues), expected)


def test_zarr_chunks_are_whole_stored_chunks(inputs, monkeypatch):
    """A stored array's chunks are about the target size, rounded down to
    whole stored chunks (700 rows here). 6,000 rows of pred_probs are less
    than one chunk of the default 16 MiB: here the target is 2,000 rows."""
    _, stores = inputs
    monkeypatch.setattr(arrays, "TARGET_CHUNK_BYTES", 2_000 * 5 * 4)
    opened = arrays.open_array(stores[3][1], name="pred_probs")
    assert opened.chunks[0] == (1400, 1400, 1400, 1400, 400)


def test_h5py_datasets(inputs, expected):
    folder, _ = inputs
    with h5py.File(folder / "data.h5", "r") as file:
        found = dlq.find_label_issues_batched(file["labels"], file["pred_probs"], verbose=False)
    assert np.array_equal(np.sort(found), expected)


def test_dask_arrays_keep_their_chunks(data, expected):
    labels = da.from_array(data.labels, chunks=1100)
    pred_probs = da.from_array(data.pred_probs, chunks=(900, 2))
    opened_labels, opened_probs = arrays.open_inputs(labels, pred_probs)
    assert opened_probs.chunks == ((900,) * 6 + (600,), (5,))
    assert opened_labels.chunks[0] == opened_probs.chunks[0]
    found = dlq.find_label_issues_batched(labels, pred_probs, batch_size=50, verbose=False)
    assert np.array_equal(np.sort(found), expected)


def test_small_dask_chunks_are_joined_whole_with_the_labels_alike(data, expected):
    """Runs of a dask array's small chunks are joined, never cut; labels in
    chunks as small or smaller follow them, float16 is cast before joining,
    and the issues stay cleanlab's."""
    import dask

    from dlq.io.marks import joined_source

    with dask.config.set({"dlq.join-small-chunks": True}):
        for dtype in (np.float32, np.float16):
            labels = da.from_array(data.labels, chunks=50)
            pred_probs = da.from_array(data.pred_probs.astype(dtype), chunks=(300, 5))
            opened_labels, opened_probs = arrays.open_inputs(labels, pred_probs)
            assert len(opened_probs.chunks[0]) < 20 and opened_probs.dtype == np.float32
            assert set(np.cumsum(opened_probs.chunks[0])) <= set(range(300, 6001, 300))
            assert opened_labels.chunks[0] == opened_probs.chunks[0]
            assert joined_source(opened_probs) is not None and joined_source(opened_labels) is not None
        found = dlq.find_label_issues_batched(labels, da.from_array(data.pred_probs, chunks=(300, 5)), verbose=False)
        assert np.array_equal(np.sort(found), expected)
    uneven = arrays.open_inputs(da.from_array(data.labels, chunks=70), da.from_array(data.pred_probs, chunks=(300, 5)))
    assert uneven[0].chunks[0] == uneven[1].chunks[0]
    assert joined_source(uneven[0]).rows == uneven[0].chunks[0]  # a later pass rechunks its own copy


def test_lazy_answers_of_rechunked_inputs_compute_with_dasks_own_optimisation(data):
    """dask cannot optimise a copy (``clone``) of a rechunk: the later passes
    rechunk copies of the inputs instead, so that ``.compute()`` works."""
    labels = da.from_array(data.labels, chunks=70)
    pred_probs = da.from_array(data.pred_probs, chunks=(300, 1))
    lazy = dlq.scan(labels, pred_probs, adjust_pred_probs=True)
    expected = lazy.compute()
    np.testing.assert_array_equal(lazy.mask.compute(), expected.mask())
    scores = dlq.get_label_quality_scores(labels, pred_probs, adjust_pred_probs=True)
    np.testing.assert_array_equal(
        scores.compute(), dlq.get_label_quality_scores(data.labels, data.pred_probs, adjust_pred_probs=True)
    )


def test_unchunked_input_gets_chunks_of_16_mib_from_a_file_and_64_mib_in_memory(tmp_path):
    pred_probs = np.lib.stride_tricks.as_strided(np.zeros(1, np.float32), shape=(40_000_000, 2), strides=(0, 0))
    assert arrays.open_array(pred_probs, name="pred_probs").chunks[0][0] * 2 * 4 == 64 * 2**20
    np.save(tmp_path / "pred_probs.npy", np.zeros((300_000, 64), np.float32))  # more rows than 4 chunks
    assert arrays.open_array(str(tmp_path / "pred_probs.npy"), name="pred_probs").chunks[0][0] * 64 * 4 == 16 * 2**20


def test_inputs_are_not_modified():
    labels, pred_probs = noisy_classification(500, 3, seed=2, dtype=np.float32)
    before = (labels.copy(), pred_probs.copy())
    for quality in ({}, {"adjust_pred_probs": True}, {"method": "normalized_margin"}):
        dlq.find_label_issues_batched(labels, pred_probs, verbose=False, quality_score_kwargs=quality)
        dlq.get_label_quality_scores(labels, pred_probs, **quality)
    assert np.array_equal(labels, before[0])
    assert np.array_equal(pred_probs, before[1])


def test_npy_file_pickles_as_its_path(tmp_path):
    import pickle

    np.save(tmp_path / "big.npy", np.zeros((1000, 100)))
    reader = arrays.NpyFile(tmp_path / "big.npy")
    assert len(pickle.dumps(reader)) < 1000
    assert pickle.loads(pickle.dumps(reader))[10:12].shape == (2, 100)


def test_float16_pred_probs_are_computed_in_float32():
    """float16 pred_probs give cleanlab's answers on the same values in
    float32, scores as float32, though float16 rounding leaves values and
    row sums a step off."""
    from cleanlab.filter import find_label_issues as cl_filter
    from cleanlab.rank import get_label_quality_scores as cl_scores

    labels, pred_probs = noisy_classification(4000, 6, seed=33, dtype=np.float32)
    half = pred_probs.astype(np.float16)
    as_float32 = half.astype(np.float32)
    assert (as_float32.max() > 1) or np.abs(as_float32.sum(axis=1) - 1).max() > 1e-4  # rounding shows
    scores = dlq.get_label_quality_scores(labels, half)
    assert scores.dtype == np.float32
    np.testing.assert_array_equal(scores, cl_scores(labels, as_float32))
    issues = dlq.find_label_issues(labels, da.from_array(half, chunks=(700, 6)), return_indices_ranked_by=None)
    np.testing.assert_array_equal(np.asarray(issues), cl_filter(labels, as_float32))


def test_unknown_chunk_sizes_are_computed_once():
    labels, pred_probs = noisy_classification(3000, 4, seed=34, dtype=np.float32)
    keep = np.arange(3000) % 7 != 3
    unknown_probs = da.from_array(pred_probs, chunks=(500, 4))[da.from_array(keep, chunks=500)]
    unknown_labels = da.from_array(labels, chunks=500)[da.from_array(keep, chunks=500)]
    assert np.isnan(unknown_probs.shape[0])
    found = dlq.scan(unknown_labels, unknown_probs).compute()
    np.testing.assert_array_equal(found.issues, dlq.scan(labels[keep], pred_probs[keep]).compute().issues)


def test_dask_dataframes_are_read_as_arrays():
    import dask.dataframe as dd
    import pandas as pd

    labels, pred_probs = noisy_classification(3000, 4, seed=35, dtype=np.float32)
    frame = dd.from_pandas(pd.DataFrame(pred_probs, columns=list("abcd")), npartitions=5)
    series = dd.from_pandas(pd.Series(labels), npartitions=5)
    assert np.isnan(frame.to_dask_array().shape[0])
    found = dlq.find_label_issues(series, frame, return_indices_ranked_by=None)
    np.testing.assert_array_equal(
        np.asarray(found), dlq.find_label_issues(labels, pred_probs, return_indices_ranked_by=None)
    )


def test_a_float16_npy_file_is_read_in_float32_by_every_pass(tmp_path):
    """Stored float16 pred_probs are cast to float32 in the tasks that read
    their rows, in every pass, and give cleanlab's answer on those values."""
    from cleanlab.filter import find_label_issues as cl_filter

    from dlq.io.marks import stored_source

    labels, pred_probs = noisy_classification(3000, 5, seed=36, dtype=np.float32)
    half = pred_probs.astype(np.float16)
    np.save(tmp_path / "pred_probs.npy", half)
    opened = arrays.checked_pred_probs(arrays.open_array(str(tmp_path / "pred_probs.npy"), name="pred_probs"))
    assert opened.dtype == np.float32 and stored_source(opened).dtype == np.float32
    found = dlq.find_label_issues(labels, str(tmp_path / "pred_probs.npy"))
    np.testing.assert_array_equal(found, cl_filter(labels, half.astype(np.float32)))


@pytest.mark.parametrize("num_classes", [3, 256, 257, 1000])
def test_class_index_lists_become_the_same_binary_rows_in_any_form(num_classes):
    """Lists of small indices are read as bytes, others by np.fromiter: the rows are the same."""
    rng = np.random.default_rng(num_classes)
    binary = rng.random((500, num_classes)) < 3 / num_classes
    binary[7] = False  # an example with no class
    lists = as_lists(binary)
    as_numpy = [np.flatnonzero(row) for row in binary]
    as_tuples = [tuple(row) for row in lists]
    for labels in (lists, as_numpy, as_tuples):
        opened = arrays.open_multilabel_labels(labels, num_classes, chunk_rows=(123, 377))
        assert np.array_equal(opened.compute(), binary)
    assert lists == as_lists(binary)


def write_path_inputs(folder, labels, pred_probs, label_lists=None):
    """labels and pred_probs written as every kind of path the library and
    the command read, by kind: ``.npy``, zarr, ``FILE.h5:/dataset``, a
    Parquet file and a Parquet folder of two files (labels as one integer
    column, or a column of class lists; pred_probs as float columns)."""
    import pandas as pd

    columns = pd.DataFrame({f"p_{k}": pred_probs[:, k] for k in range(pred_probs.shape[1])})
    label_frame = pd.DataFrame({"label": labels} if label_lists is None else {"labels": label_lists})
    (folder / "labels_folder.parquet").mkdir()
    (folder / "pred_probs_folder.parquet").mkdir()
    half = len(labels) // 2
    for name, frame in (("labels", label_frame), ("pred_probs", columns)):
        frame.to_parquet(folder / f"{name}.parquet", row_group_size=1000)
        frame.iloc[:half].to_parquet(folder / f"{name}_folder.parquet" / "part.1.parquet")
        frame.iloc[half:].to_parquet(folder / f"{name}_folder.parquet" / "part.2.parquet")
    with h5py.File(folder / "data.h5", "w") as file:
        file.create_dataset("labels", data=labels, chunks=True)
        file.create_dataset("group/pred_probs", data=pred_probs, chunks=(512, pred_probs.shape[1]))
    np.save(folder / "labels.npy", labels)
    np.save(folder / "pred_probs.npy", pred_probs)
    write_zarr(folder / "labels.zarr", labels, 3)
    write_zarr(folder / "pred_probs.zarr", pred_probs, 3)
    return {
        "npy": (folder / "labels.npy", folder / "pred_probs.npy"),
        "zarr": (folder / "labels.zarr", folder / "pred_probs.zarr"),
        "hdf5": (f"{folder / 'data.h5'}:/labels", f"{folder / 'data.h5'}:/group/pred_probs"),
        "parquet": (folder / "labels.parquet", folder / "pred_probs.parquet"),
        "parquet folder": (folder / "labels_folder.parquet", folder / "pred_probs_folder.parquet"),
    }


KINDS = ["npy", "zarr", "hdf5", "parquet", "parquet folder"]


@pytest.fixture(scope="module")
def path_inputs(data, tmp_path_factory):
    return write_path_inputs(tmp_path_factory.mktemp("paths"), data.labels, data.pred_probs)


@pytest.mark.parametrize("label_kind", KINDS)
@pytest.mark.parametrize("probability_kind", ["hdf5", "parquet", "parquet folder"])
def test_every_path_the_command_reads_the_library_reads(data, path_inputs, label_kind, probability_kind):
    """One path syntax: ``FILE.h5:/dataset`` and Parquet paths (str or
    Path) give what the arrays in memory give, as ``.npy`` and zarr paths do."""
    labels, pred_probs = path_inputs[label_kind][0], path_inputs[probability_kind][1]
    expected = dlq.find_label_issues(data.labels, data.pred_probs)
    np.testing.assert_array_equal(dlq.find_label_issues(labels, pred_probs), expected)
    np.testing.assert_array_equal(dlq.find_label_issues(str(labels), str(pred_probs)), expected)


@pytest.fixture(scope="module")
def multilabel_paths(tmp_path_factory):
    labels, pred_probs = noisy_multilabel(3000, 4, seed=37, dtype=np.float32)
    folder = tmp_path_factory.mktemp("multilabel_paths")
    written = write_path_inputs(folder, labels, pred_probs, label_lists=as_lists(labels))
    return labels, pred_probs, written


@pytest.mark.parametrize("kind", KINDS)
def test_every_path_kind_of_multilabel_inputs_the_library_reads(multilabel_paths, kind):
    """Multi-label labels at a path: binary rows (``.npy``, zarr, HDF5) or a
    Parquet column of class lists, beside pred_probs of every kind."""
    labels, pred_probs, written = multilabel_paths
    expected = dlq.multilabel.find_label_issues(labels, pred_probs)
    given_labels, given_probs = written[kind]
    np.testing.assert_array_equal(dlq.multilabel.find_label_issues(given_labels, given_probs), expected)
    np.testing.assert_array_equal(dlq.multilabel.find_label_issues(given_labels, written["npy"][1]), expected)


def test_a_bad_path_is_refused_naming_its_input(path_inputs, tmp_path):
    import pandas as pd

    labels, pred_probs = path_inputs["npy"]
    h5_file = str(path_inputs["hdf5"][1]).split(":")[0]
    pd.DataFrame({"id": np.arange(3), "p_0": [0.5, 0.2, 0.9], "p_1": [0.5, 0.8, 0.1]}).to_parquet(
        tmp_path / "ids.parquet"
    )
    refused = {
        ("labels", "no such .npy file"): (tmp_path / "missing.npy", pred_probs),
        ("labels", "no such file or folder"): (tmp_path / "missing.parquet", pred_probs),
        ("pred_probs", "no such HDF5 file"): (labels, f"{tmp_path / 'missing.h5'}:/pred_probs"),
        ("pred_probs", "has no dataset '/nothing'"): (labels, f"{h5_file}:/nothing"),
        ("pred_probs", "is a group of the HDF5 file"): (labels, f"{h5_file}:/group"),
        ("pred_probs", "not probabilities among its columns id (int64)"): (labels, tmp_path / "ids.parquet"),
        ("pred_probs", "FILE.h5:/dataset, Parquet"): (labels, tmp_path / "missing.zarr"),
    }
    for (name, why), given in refused.items():
        with pytest.raises((ValueError, FileNotFoundError)) as refusal:
            dlq.find_label_issues(*given)
        assert str(refusal.value).startswith(f"{name}: ") and why in str(refusal.value), str(refusal.value)
    with pytest.raises(FileNotFoundError, match=r"^labels: no such file or folder"):
        dlq.multilabel.find_label_issues(tmp_path / "missing.parquet", pred_probs)
