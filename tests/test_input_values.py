"""Every input value read as what it is, or refused in one line naming the input and the row."""

from __future__ import annotations

import itertools
import os
from types import SimpleNamespace

import h5py
import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
import zarr
from conftest import as_lists, noisy_classification, noisy_multilabel, one_line_error, quiet_scan
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import dlq
import dlq.filter
import dlq.multilabel.filter
import dlq.multilabel.rank
import dlq.rank
from dlq.cli import inputs as command_inputs

INTEGER_DTYPES = [f"{order}{kind}{size}" for order in "<>" for kind in "iu" for size in (1, 2, 4, 8)]
FAST = settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


@pytest.fixture(scope="module")
def data():
    labels, pred_probs = noisy_classification(600, 4, seed=71)
    ml_labels, ml_pred_probs = noisy_multilabel(200, 4, seed=72)
    return SimpleNamespace(
        labels=labels,
        pred_probs=pred_probs,
        issues=dlq.find_label_issues_batched(labels=labels, pred_probs=pred_probs, verbose=False),
        ml_lists=as_lists(ml_labels),
        ml_pred_probs=ml_pred_probs,
        ml_scores=dlq.multilabel.rank.get_label_quality_scores(as_lists(ml_labels), ml_pred_probs),
    )


@pytest.fixture(scope="module")
def files(data, tmp_path_factory):
    folder = tmp_path_factory.mktemp("input-values")
    np.save(folder / "labels.npy", data.labels)
    np.save(folder / "pred_probs.npy", data.pred_probs)
    return folder


def command(scheduler, out, pred_probs, labels, *extra):
    """``dlq scan``'s result: the sorted issue rows, or its one-line error."""
    result = quiet_scan(labels, pred_probs, out, *extra, scheduler=scheduler)
    if result.exit_code:
        return one_line_error(result)
    return np.sort(pq.read_table(out / "issues.parquet", columns=["index"])["index"].to_numpy())


def opened(pred_probs, labels, **options):
    """The command's inputs as numpy arrays, as ``dlq scan`` opens them."""
    given = {"pred_probs": str(pred_probs), "labels": str(labels), "chunk_rows": None, "multilabel": False}
    labels, pred_probs = command_inputs.opened_inputs({**given, **options}).arrays()
    return labels.compute(), pred_probs.compute()


# the library


@FAST
@given(
    labels_dtype=st.sampled_from(INTEGER_DTYPES),
    probs_dtype=st.sampled_from(["<f4", ">f4", "<f8", ">f8"]),
    chunks=st.sampled_from([None, 97]),
)
def test_labels_of_any_integer_dtype_and_probabilities_of_either_byte_order_give_the_native_answer(
    data, labels_dtype, probs_dtype, chunks
):
    pred_probs = data.pred_probs.astype(probs_dtype)
    native = pred_probs.astype(pred_probs.dtype.newbyteorder("="))
    kwargs = {"verbose": False, "batch_size": chunks} if chunks else {"verbose": False}
    found = dlq.find_label_issues_batched(labels=data.labels.astype(labels_dtype), pred_probs=pred_probs, **kwargs)
    assert np.array_equal(found, dlq.find_label_issues_batched(labels=data.labels, pred_probs=native, **kwargs))
    scores = dlq.rank.get_label_quality_scores(data.labels.astype(labels_dtype), pred_probs)
    assert np.array_equal(scores, dlq.rank.get_label_quality_scores(data.labels, native))


def test_uint64_labels_and_big_endian_probabilities_in_every_entry_point(data):
    labels, pred_probs = data.labels.astype(np.uint64), data.pred_probs.astype(">f8")
    assert np.array_equal(
        dlq.filter.find_label_issues(labels, pred_probs), dlq.filter.find_label_issues(data.labels, data.pred_probs)
    )
    assert np.array_equal(
        dlq.scan(labels, pred_probs).compute().issues, dlq.scan(data.labels, data.pred_probs).compute().issues
    )


def test_pandas_nullable_labels_are_their_integers_and_a_null_is_refused_by_row(data):
    for labels in (pd.array(data.labels, dtype="Int64"), pd.Series(data.labels, dtype="UInt8")):
        assert np.array_equal(
            dlq.find_label_issues_batched(labels=labels, pred_probs=data.pred_probs, verbose=False), data.issues
        )
    labels = pd.Series(data.labels, dtype="Int64")
    labels[321] = None
    with pytest.raises(ValueError, match=r"^labels\[321\] is null \(missing\)"):
        dlq.find_label_issues_batched(labels=labels, pred_probs=data.pred_probs, verbose=False)


def test_string_and_float_labels_are_refused_saying_what_to_do(data):
    names = np.array(["ant", "bee", "cat", "dog"])[data.labels]
    with pytest.raises(TypeError, match=r"got dtype <U3, such as class names.*class_names.index\(name\)"):
        dlq.filter.find_label_issues(names, data.pred_probs)
    with pytest.raises(TypeError, match=r"got dtype float64.*\.astype\(np.int64\)"):
        dlq.rank.get_label_quality_scores(data.labels.astype(float), data.pred_probs)


#: What may stand in for class ``c`` in a class list, and whether it is a class index.
STAND_INS = [
    (np.int64, True),
    (np.uint8, True),
    (int, True),
    (bool, False),
    (np.bool_, False),
    (float, False),
    (np.float64, False),
    (lambda c: c + 0.9, False),
    (str, False),
    (lambda c: [c], False),
    (lambda c: None, False),
]


@FAST
@given(st.data())
def test_a_class_list_item_is_read_as_the_integer_it_is_or_refused_by_its_row(data, drawn):
    """Any item or row put in place of one: the answer of the intact lists,
    or a refusal naming the row, never another answer."""
    form = drawn.draw(st.sampled_from([list, tuple, np.array]))
    labels = [form(row) for row in data.ml_lists]
    row = drawn.draw(st.sampled_from([i for i, classes in enumerate(data.ml_lists) if classes]))
    position = drawn.draw(st.integers(0, len(data.ml_lists[row]) - 1))
    stand_in, is_class = drawn.draw(st.sampled_from(STAND_INS))
    kind = drawn.draw(st.sampled_from(["item", "row", "null row"]))
    changed = list(data.ml_lists[row])
    changed[position] = stand_in(changed[position])
    alone = [changed[position]] if isinstance(changed[position], list) else changed[position]  # never a class list
    labels[row] = {"item": changed, "row": alone, "null row": None}[kind]
    if kind == "item" and is_class:
        scores = dlq.multilabel.rank.get_label_quality_scores(labels, data.ml_pred_probs)
        assert np.array_equal(scores, data.ml_scores)
    else:
        with pytest.raises((ValueError, TypeError), match=rf"^labels\[{row}\] is "):
            dlq.multilabel.rank.get_label_quality_scores(labels, data.ml_pred_probs)


@pytest.mark.parametrize(
    ("change", "error", "message"),
    [
        (lambda labels: [None, *labels[1:]], ValueError, r"^labels\[0\] is null"),
        (lambda labels: [*labels[:5], 2, *labels[6:]], TypeError, r"^labels\[5\] is 2, not a list"),
        (lambda labels: [*labels[:7], [2.9], *labels[8:]], TypeError, r"^labels\[7\] is \[2\.9\], which holds 2\.9"),
        (lambda labels: [*labels[:7], [1, True], *labels[8:]], TypeError, r"^labels\[7\] is \[1, True\]"),
        (lambda labels: [*labels[:9], np.zeros((1, 2), int), *labels[10:]], TypeError, r"^labels\[9\] is array"),
    ],
    ids=["first row null", "a number for a row", "a fraction", "a bool among ints", "a 2-D row"],
)
def test_class_list_refusals(data, change, error, message):
    labels = change([list(row) for row in data.ml_lists])
    with pytest.raises(error, match=message):
        dlq.multilabel.filter.find_label_issues(labels, data.ml_pred_probs)


def test_a_truncated_npy_file_and_an_hdf5_scalar_are_named_as_such(data, files, tmp_path):
    whole = (files / "pred_probs.npy").read_bytes()
    (tmp_path / "cut.npy").write_bytes(whole[: len(whole) - 100])
    with pytest.raises(ValueError, match=r"cut\.npy is truncated: its header says shape \(600, 4\)"):
        dlq.find_label_issues_batched(labels=data.labels, pred_probs=str(tmp_path / "cut.npy"), verbose=False)
    with h5py.File(tmp_path / "one.h5", "w") as file:
        file["value"] = 3.0
        with pytest.raises(ValueError, match=r"^pred_probs is one value \(shape \(\)\)"):
            dlq.find_label_issues_batched(labels=data.labels, pred_probs=file["value"], verbose=False)


# the command's inputs, opened as the command opens them


def parts(table, cuts, folder):
    """``table`` written as a Parquet dataset directory cut at ``cuts`` (empty parts where cuts repeat)."""
    folder.mkdir()
    bounds = [0, *cuts, table.num_rows]
    for number, (start, stop) in enumerate(itertools.pairwise(bounds)):
        pq.write_table(table.slice(start, stop - start), folder / f"part-{number:05d}.parquet")
    return folder


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(cuts=st.lists(st.sampled_from([0, 0, 1, 250, 599, 600]), max_size=4).map(sorted), extra=st.booleans())
def test_parquet_datasets_with_empty_parts_and_extra_columns_read_as_the_arrays(data, tmp_path_factory, cuts, extra):
    folder = tmp_path_factory.mktemp("dataset")
    columns = {f"p_{k}": data.pred_probs[:, k] for k in range(4)}
    if extra:
        columns = {"example_id": np.arange(600), **columns, "label": data.labels}
    pred_probs = parts(pa.table(columns), cuts, folder / "pred_probs.parquet")
    labels = parts(pa.table({"label": pd.array(data.labels, dtype="Int64")}), cuts[::-1][:1], folder / "labels.parquet")
    got_labels, got_probs = opened(pred_probs, labels, pred_probs_columns="p_*" if extra else None)
    assert np.array_equal(got_labels, data.labels) and np.array_equal(got_probs, data.pred_probs)


@pytest.mark.parametrize(
    ("column", "message"),
    [
        (lambda labels: labels.astype(float), None),
        (lambda labels: pd.array(labels, dtype="Int64"), None),
        (lambda labels: np.where(np.arange(600) == 432, 1.5, labels), r"labels\[432\] is 1\.5, not a class index"),
        (lambda labels: pd.array(np.where(np.arange(600) == 17, None, labels), dtype="Int64"), r"labels\[17\] is null"),
        (lambda labels: np.where(np.arange(600) == 17, np.nan, labels), r"labels\[17\] is null"),
    ],
    ids=["whole floats", "nullable ints", "a fraction", "a null int", "a NaN"],
)
def test_parquet_labels_of_floats_or_nullable_ints(data, files, tmp_path, column, message):
    pd.DataFrame({"label": column(data.labels)}).to_parquet(tmp_path / "labels.parquet")
    if message is None:
        assert np.array_equal(opened(files / "pred_probs.npy", tmp_path / "labels.parquet")[0], data.labels)
    else:
        with pytest.raises(ValueError, match="^" + message):
            opened(files / "pred_probs.npy", tmp_path / "labels.parquet")


def test_labels_given_as_class_names_are_numbered_by_them(data, files, tmp_path):
    names = np.array(["ant", "bee", "cat", "dog"])
    pd.DataFrame({"label": names[data.labels]}).to_parquet(tmp_path / "labels.parquet")
    np.save(tmp_path / "labels.npy", names[data.labels])
    for labels in (tmp_path / "labels.parquet", tmp_path / "labels.npy"):
        numbered, _ = opened(files / "pred_probs.npy", labels, class_names="ant,bee,cat,dog")
        assert np.array_equal(numbered, data.labels)
        with pytest.raises(ValueError, match=r"^labels are class names.*--class-names"):
            opened(files / "pred_probs.npy", labels)
    unknown = names[data.labels].astype(object)
    unknown[77], unknown[99] = "eel", None
    pd.DataFrame({"label": unknown}).to_parquet(tmp_path / "unknown.parquet")
    with pytest.raises(ValueError, match=r"^labels\[77\] is 'eel', which is not one of the 4 class names"):
        opened(files / "pred_probs.npy", tmp_path / "unknown.parquet", class_names="ant,bee,cat,dog")


def test_stored_class_names_must_be_a_list_of_strings(data, files, tmp_path):
    store = zarr.create_array(store=str(tmp_path / "p.zarr"), data=data.pred_probs)
    store.attrs["class_names"] = "abcd"
    with pytest.raises(ValueError, match=r"^pred_probs: .*p\.zarr's class_names attribute must be a list of strings"):
        command_inputs.class_names({"pred_probs": str(tmp_path / "p.zarr")}, 4)
    table = pa.table({f"p{k}": data.pred_probs[:, k] for k in range(4)}).replace_schema_metadata({"class_names": "7"})
    pq.write_table(table, tmp_path / "p.parquet")
    with pytest.raises(ValueError, match=r"schema metadata must be a list of strings, one name per class; got 7"):
        command_inputs.class_names({"pred_probs": str(tmp_path / "p.parquet")}, 4)


@pytest.mark.parametrize(
    ("write", "message"),
    [
        (lambda p: pq.write_table(pa.table({"p": pa.array([], pa.list_(pa.float64()))}), p), r"pred_probs has no rows"),
        (
            lambda p: pq.write_table(pa.table({"p": [[0.5, 0.5], [1.0], [0.2, 0.8]]}), p),
            r"pred_probs\[1\] holds 1 value",
        ),
        (lambda p: pq.write_table(pa.table({"p": [[0.5, 0.5], [0.2, 0.8], None]}), p), r"pred_probs\[2\] is null"),
    ],
    ids=["no rows", "a short row", "a null row"],
)
def test_parquet_probability_lists_refused_by_row(tmp_path, write, message):
    write(tmp_path / "p.parquet")
    np.save(tmp_path / "labels.npy", np.zeros(3, np.int64))
    with pytest.raises(ValueError, match=message):
        opened(tmp_path / "p.parquet", tmp_path / "labels.npy")


def test_hdf5_groups_and_scalars_are_refused_by_name(files, tmp_path):
    with h5py.File(tmp_path / "data.h5", "w") as file:
        file["group/pred_probs"] = np.load(files / "pred_probs.npy")
        file["scalar"] = 1.0
    with pytest.raises(ValueError, match=r"^pred_probs: .*data\.h5:/group is a group .* such as .*/group/pred_probs"):
        opened(f"{tmp_path}/data.h5:/group", files / "labels.npy")
    with pytest.raises(ValueError, match=r"^labels: .*data\.h5:/scalar is one value"):
        opened(files / "pred_probs.npy", f"{tmp_path}/data.h5:/scalar")


# the command end to end


def test_a_parquet_pred_probs_with_a_label_column_is_refused_until_its_columns_are_named(
    data, files, tmp_path, scheduler
):
    frame = pd.DataFrame({f"p{k}": data.pred_probs[:, k] for k in range(4)} | {"label": data.labels})
    frame.to_parquet(tmp_path / "p.parquet")
    refused = command(scheduler, tmp_path / "a", tmp_path / "p.parquet", files / "labels.npy")
    assert "label (int64)" in refused and "--pred-probs-columns" in refused
    for columns in ("p0,p1,p2,p3", "p*"):
        found = command(
            scheduler, tmp_path / columns, tmp_path / "p.parquet", files / "labels.npy", "--pred-probs-columns", columns
        )
        assert np.array_equal(found, np.sort(data.issues))
    unknown = command(
        scheduler, tmp_path / "b", tmp_path / "p.parquet", files / "labels.npy", "--pred-probs-columns", "q*"
    )
    assert "names no column" in unknown and "p0 (float64)" in unknown
    on_npy = command(
        scheduler, tmp_path / "c", files / "pred_probs.npy", files / "labels.npy", "--pred-probs-columns", "p*"
    )
    assert "applies only to a Parquet pred_probs" in on_npy


def test_the_command_reads_uint64_labels_and_big_endian_probabilities(data, files, tmp_path, scheduler):
    np.save(tmp_path / "labels.npy", data.labels.astype(">u8"))
    np.save(tmp_path / "pred_probs.npy", data.pred_probs.astype(">f4"))
    found = command(scheduler, tmp_path / "out", tmp_path / "pred_probs.npy", tmp_path / "labels.npy")
    native = data.pred_probs.astype(np.float32)
    assert np.array_equal(found, np.sort(dlq.find_label_issues_batched(data.labels, native, verbose=False)))


def test_a_null_class_list_in_parquet_is_refused_by_its_row(data, tmp_path, scheduler):
    lists = [list(row) for row in data.ml_lists]
    lists[150] = None
    pq.write_table(pa.table({"classes": pa.array(lists, pa.list_(pa.int64()))}), tmp_path / "labels.parquet")
    np.save(tmp_path / "pred_probs.npy", data.ml_pred_probs)
    refused = command(
        scheduler, tmp_path / "out", tmp_path / "pred_probs.npy", tmp_path / "labels.parquet", "--multilabel"
    )
    assert refused.startswith("dlq: error: labels[150] is null (missing)")
    assert not os.path.exists(tmp_path / "out")


def test_labels_named_by_class_names_that_repeat_are_refused():
    import dask.array as da

    from dlq.io.input_values import named_labels

    with pytest.raises(ValueError, match="class 0 and class 1 are both named 'cat'"):
        named_labels(da.from_array(np.array(["cat", "eel", "cat"])), ["cat", "cat", "eel"])


def test_a_folder_of_parquet_files_is_parquet_whatever_its_name(tmp_path, scheduler):

    labels, pred_probs = noisy_classification(1000, 3, seed=71)
    for name, frame in (
        ("probabilities", pd.DataFrame({f"p{k}": pred_probs[:, k] for k in range(3)})),
        ("given", pd.DataFrame({"label": labels})),
    ):
        (tmp_path / name).mkdir()
        frame.iloc[:400].to_parquet(tmp_path / name / "part-0.parquet")
        frame.iloc[400:].to_parquet(tmp_path / name / "part-1.parquet")
    folders = (f"{tmp_path / 'given'}/", str(tmp_path / "probabilities"))  # a trailing slash too
    result = quiet_scan(*folders, tmp_path / "out", scheduler=scheduler)
    assert result.exit_code == 0, result.output
    expected = dlq.find_label_issues_batched(labels=labels, pred_probs=pred_probs, verbose=False)
    assert sorted(pd.read_parquet(tmp_path / "out" / "issues.parquet")["index"]) == sorted(expected.tolist())


def _closed_hdf5_dataset(folder):
    with h5py.File(folder / "closed.h5", "w") as file:
        file["pred_probs"] = np.full((4, 2), 0.5)
        return file["pred_probs"]


@pytest.mark.parametrize(
    ("which", "make", "error", "message"),
    [
        (
            "pred_probs",
            lambda folder: [[0.5, 0.5], [0.5, 0.5], [0.5], [0.5, 0.5]],
            ValueError,
            r"pred_probs\[2\] holds 1",
        ),
        ("pred_probs", lambda folder: __import__("scipy.sparse").sparse.csr_matrix(np.eye(4, 2)), TypeError, "sparse"),
        ("pred_probs", lambda folder: zarr.open_group(str(folder / "g.zarr"), mode="w"), TypeError, "group of arrays"),
        ("labels", lambda folder: (label for label in [0, 1, 1, 0]), TypeError, "labels is an iterator"),
        ("pred_probs", lambda folder: (folder / "x.npy").mkdir() or str(folder / "x.npy"), ValueError, "is a folder"),
        ("pred_probs", _closed_hdf5_dataset, ValueError, "HDF5 file that has been closed"),
    ],
)
def test_inputs_that_are_not_arrays_are_refused_saying_what_they_are(tmp_path, which, make, error, message):
    inputs = {"labels": np.array([0, 1, 1, 0]), "pred_probs": np.full((4, 2), 0.5)}
    inputs[which] = make(tmp_path)
    with pytest.raises(error, match=message):
        dlq.filter.find_label_issues(inputs["labels"], inputs["pred_probs"])


_ITEMS = st.one_of(
    st.integers(0, 9),
    st.integers(-(2**40), 2**40),
    st.booleans(),
    st.floats(allow_nan=False),
    st.none(),
    st.text(max_size=2),
    st.lists(st.integers(0, 9), max_size=2),
)


@settings(max_examples=200, deadline=None)
@given(rows=st.lists(st.one_of(st.lists(_ITEMS, max_size=5), st.tuples(st.integers(0, 9))), max_size=8))
def test_class_lists_read_from_their_marshalled_form_or_not_at_all(rows):
    """The quick reading of class lists gives the rows' own integers, or
    leaves them to the checked path: never a bool, float or list read as a class."""
    from dlq.io.class_lists import _marshalled

    read = _marshalled(rows)
    plain = all(isinstance(row, (list, tuple)) for row in rows) and all(
        type(item) is int and -(2**31) <= item < 2**31 for row in rows for item in row
    )
    assert (read is not None) == plain
    if read is not None:
        indptr, indices = read
        assert indices.tolist() == [item for row in rows for item in row]
        assert np.diff(indptr).tolist() == [len(row) for row in rows]
