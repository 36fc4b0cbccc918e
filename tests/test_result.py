"""The lazy scan and its result: compute, masks, zarr output, notebook display."""

from __future__ import annotations

from html.parser import HTMLParser
from types import SimpleNamespace

import dask.array as da
import numpy as np
import pytest
import zarr
from conftest import noisy_classification, noisy_multilabel

import dlq
import dlq.multilabel
from dlq.result import ScanResult


@pytest.fixture(scope="module")
def data():
    labels, pred_probs = noisy_classification(4000, 5, seed=12)
    return SimpleNamespace(labels=labels, pred_probs=pred_probs)


@pytest.fixture(scope="module")
def computed(data):
    return dlq.scan(data.labels, data.pred_probs, chunk_rows=900).compute()


def test_result_matches_the_cleanlab_compatible_finder(data, computed):
    assert np.array_equal(computed.issues, dlq.find_label_issues_batched(data.labels, data.pred_probs, verbose=False))
    assert np.array_equal(
        computed.mask(), dlq.find_label_issues_batched(data.labels, data.pred_probs, verbose=False, return_mask=True)
    )
    assert computed.n_examples == 4000
    assert computed.n_classes == 5
    assert 0 < len(computed.issues) <= computed.num_issues


def test_lazy_scores_and_mask(data, computed):
    lazy = dlq.scan(data.labels, data.pred_probs, chunk_rows=900)
    assert lazy.scores.chunks == ((900, 900, 900, 900, 400),)
    np.testing.assert_array_equal(lazy.scores.compute(), data.pred_probs[np.arange(4000), data.labels])
    np.testing.assert_array_equal(np.flatnonzero(lazy.mask.compute()), np.sort(computed.issues))


def test_to_zarr_writes_scores_and_mask_in_one_run(data, tmp_path, computed):
    lazy = dlq.scan(data.labels, data.pred_probs, chunk_rows=900, method="normalized_margin")
    result = lazy.to_zarr(tmp_path / "out.zarr")
    group = zarr.open_group(tmp_path / "out.zarr", mode="r")
    np.testing.assert_array_equal(
        group["scores"][:], dlq.get_label_quality_scores(data.labels, data.pred_probs, method="normalized_margin")
    )
    np.testing.assert_array_equal(np.flatnonzero(group["is_label_issue"][:]), np.sort(result.issues))
    with pytest.raises(Exception, match=r"already exists|contains"):
        lazy.to_zarr(tmp_path / "out.zarr")
    assert np.array_equal(lazy.to_zarr(tmp_path / "out.zarr", overwrite=True).issues, result.issues)


def test_html_reprs(data, computed):
    page = computed._repr_html_()
    assert "4,000" in page and f"{computed.num_issues:,}" in page and str(computed.issues[0]) in page
    lazy = dlq.scan(data.labels, data.pred_probs, chunk_rows=900)
    assert "not computed" in repr(lazy) and "5" in lazy._repr_html_()


class _Cells(HTMLParser):
    """The rows of a notebook view: each header cell's text to its value's."""

    def __init__(self, page: str) -> None:
        super().__init__()
        self.rows: dict[str, str] = {}
        self._tag, self._name = None, None
        self.feed(page)

    def handle_starttag(self, tag, attrs):
        self._tag = tag

    def handle_data(self, data):
        if self._tag == "th":
            self._name = data
        elif self._tag == "td":
            self.rows[self._name] = self.rows.get(self._name, "") + data


def test_the_result_view_shows_numbers_as_people_read_them():
    thresholds = np.array([0.123456789, 4.9446136983868124e-15])
    options = {"method": "self_confidence", "frac_noise": 0.987654321, "aggregator": {"alpha": 0.333333333}}
    result = ScanResult(np.array([1234, 7]), 12345, thresholds, 1_234_567, 2, options=options)
    page = result._repr_html_()
    rows = _Cells(page).rows
    assert rows["confident thresholds"] == "[0.1235, 4.945e-15] (2 in all)"
    assert rows["examples"] == "1,234,567" and rows["estimated issues"] == "12,345"
    assert rows["worst first"] == "[1234, 7] (2 in all)"  # indices, not quantities: no separators
    assert rows["frac_noise"] == "0.9877" and rows["aggregator"] == "alpha = 0.3333"
    for long in ("0.123456789", "4.9446136983868124e-15", "0.987654321", "0.333333333"):
        assert long not in page
    assert result.thresholds[1] == 4.9446136983868124e-15  # the data keep full precision


def test_the_result_view_previews_the_first_thresholds_of_many_classes():
    thresholds = np.linspace(0.1, 0.9, 1500) + 1e-9
    rows = _Cells(ScanResult(np.array([3]), 1, thresholds, 9000, 1500)._repr_html_()).rows
    shown = rows["confident thresholds"]
    first, rest = shown.split("] ")
    assert first.split(", ")[:3] == ["[0.1", "0.1005", "0.1011"] and len(first.split(", ")) == 10 + 1  # and "..."
    assert rest == "(1,500 in all)"


def test_multilabel_thresholds_show_a_pair_a_class_and_the_lazy_view_its_options():
    labels, pred_probs = noisy_multilabel(300, 3, seed=2)
    lazy = dlq.multilabel.scan(labels, pred_probs, aggregator_kwargs={"method": "softmin", "temperature": 0.123456789})
    lazy_rows = _Cells(lazy._repr_html_()).rows
    assert lazy_rows["aggregator"] == "method = softmin, temperature = 0.1235"
    result = lazy.compute()
    pairs = result.thresholds.T
    expected = ", ".join(f"({low:.4g}, {high:.4g})" for low, high in pairs)
    assert _Cells(result._repr_html_()).rows["confident thresholds"] == f"[{expected}] (3 in all)"


def test_no_issues_when_labels_agree_with_predictions(data):
    labels = data.pred_probs.argmax(axis=1)
    result = dlq.scan(labels, data.pred_probs).compute()
    assert result.num_issues == 0
    assert result.issues.shape == (0,)


def test_verbose_shows_a_progress_bar_and_quiet_does_not(data, capsys, monkeypatch):
    import dask.diagnostics.progress

    slept = []  # dask's own bar sleeps between redraws, and its end waits for that sleep to pass
    monkeypatch.setattr(dask.diagnostics.progress.time, "sleep", slept.append)
    dlq.find_label_issues_batched(data.labels, data.pred_probs, batch_size=1000, verbose=True)
    assert "100% Completed" in capsys.readouterr().out
    assert slept == []
    dlq.find_label_issues_batched(data.labels, data.pred_probs, verbose=False)
    assert capsys.readouterr().out == ""


def test_thread_count_does_not_change_the_answer(data, computed):
    for n_jobs in (1, 2, 4):
        assert np.array_equal(
            dlq.find_label_issues_batched(data.labels, data.pred_probs, n_jobs=n_jobs, verbose=False), computed.issues
        )


def test_a_scan_is_a_dask_collection(data, computed):
    import dask

    lazy = dlq.scan(data.labels, data.pred_probs, chunk_rows=900)
    assert dask.is_dask_collection(lazy)
    result, scores = dask.compute(lazy, lazy.scores)
    assert np.array_equal(result.issues, computed.issues)
    assert result.num_issues == computed.num_issues
    np.testing.assert_array_equal(scores, data.pred_probs[np.arange(4000), data.labels])


def test_to_zarr_without_computing_returns_a_collection_that_writes(data, tmp_path, computed):
    import dask
    import pandas as pd

    writing = dlq.scan(data.labels, data.pred_probs, chunk_rows=1000).to_zarr(
        str(tmp_path / "later.zarr"), compute=False, report=True, issues_to=tmp_path / "issues.parquet"
    )
    stored = zarr.open_group(str(tmp_path / "later.zarr"), mode="r")
    assert not stored["is_label_issue"][:].any()  # created, not yet written
    assert not (tmp_path / "issues.parquet").exists()
    (result,) = dask.compute(writing)
    assert np.array_equal(result.issues, computed.issues)
    assert np.array_equal(np.flatnonzero(stored["is_label_issue"][:]), np.sort(computed.issues))
    table = pd.read_parquet(tmp_path / "issues.parquet")  # written by the task that held the table
    assert table["index"].tolist() == computed.issues.tolist()
    assert table["given_label"].tolist() == data.labels[computed.issues].tolist()
    assert table["predicted_label"].tolist() == data.pred_probs[computed.issues].argmax(axis=1).tolist()
    digest = result.extra["issue_digest"]
    assert digest.n_issues == len(computed.issues) and digest.worst["index"] == computed.issues[:20].tolist()
    assert digest.per_given_class.tolist() == np.bincount(data.labels[computed.issues], minlength=4).tolist()
    assert digest.highest_score == table["score"].max()
    counts, edges = result.extra["score_histogram"]
    assert counts.sum() == 4000 and edges[0] == 0.0 and edges[-1] == 1.0


@pytest.mark.parametrize("filter_by", ["prune_by_noise_rate", "confident_learning", "low_self_confidence"])
def test_a_filtered_scan_has_the_finder_s_issues_ranked(data, filter_by):
    found = dlq.scan(data.labels, data.pred_probs, chunk_rows=700, filter_by=filter_by).compute()
    ranked = dlq.find_label_issues(
        data.labels, data.pred_probs, filter_by=filter_by, return_indices_ranked_by="self_confidence"
    )
    assert np.array_equal(found.issues, ranked)
    assert found.num_issues == ranked.shape[0] > 0


def test_client_compute_of_a_scan(data, computed):
    from distributed import Client, LocalCluster

    with LocalCluster(n_workers=1, threads_per_worker=2, processes=False, dashboard_address=None) as cluster:
        with Client(cluster) as client:
            result = client.compute(dlq.scan(data.labels, data.pred_probs, chunk_rows=900)).result()
    assert np.array_equal(result.issues, computed.issues)


def _arrays_in(value, depth=0):
    """The numpy arrays in a task's result, looking into records a few levels deep."""
    if isinstance(value, np.ndarray) and value.dtype != object:
        yield value
    elif depth > 3:
        return
    elif isinstance(value, np.ndarray):
        for item in value.flat:
            yield from _arrays_in(item, depth + 1)
    elif isinstance(value, (tuple, list)):
        for item in value:
            yield from _arrays_in(item, depth + 1)
    elif isinstance(value, dict):
        for item in value.values():
            yield from _arrays_in(item, depth + 1)
    elif hasattr(value, "__dict__"):
        yield from _arrays_in(vars(value), depth + 1)


def test_no_task_gathers_the_issues_probabilities(tmp_path):
    """Writing the issue table and the report's digest, as the command does,
    no task's result holds the issues' rows of pred_probs (K wide, more rows
    than a chunk): each chunk gives its issues' few columns only."""
    from dask.callbacks import Callback

    labels, pred_probs = noisy_classification(6_000, 7, seed=14, noise=0.4)
    widest = []

    class Widest(Callback):
        def _posttask(self, key, result, dsk, state, id):
            wide = [array.shape[0] for array in _arrays_in(result) if array.ndim == 2 and array.shape[1] == 7]
            widest.append(max(wide, default=0))

    # chunks made by tasks of their own (a copy each), whose results show what the walk sees
    chunks = da.from_array(pred_probs, chunks=(500, 7)).map_blocks(np.copy)
    scan = dlq.scan(da.from_array(labels, chunks=500), chunks)
    with Widest():
        result = scan.to_zarr(tmp_path / "scan.zarr", report=True, issues_to=tmp_path / "issues.parquet")
    assert len(result.issues) > 3 * 500 and max(widest) == 500  # chunks of pred_probs, nothing wider
    assert len(result.extra["issue_digest"].worst["index"]) == 20


def test_a_result_shows_no_internal_sentinel():
    labels, pred_probs = noisy_classification(500, 3, seed=5)
    shown = repr(dlq.scan(labels, pred_probs).compute())
    assert "RowsOffOne(count=0)" in shown and str(np.iinfo(np.int64).max) not in shown
    pred_probs[7] *= 0.5
    with pytest.warns(UserWarning, match="row 7"):
        off = dlq.scan(labels, pred_probs).compute()
    assert "RowsOffOne(count=1, first_row=7, first_sum=0.5)" in repr(off)
