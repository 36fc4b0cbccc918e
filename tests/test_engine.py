"""The answer depends on neither chunking nor scheduler."""

from __future__ import annotations

import functools
import itertools
from collections import Counter
from types import SimpleNamespace

import dask
import dask.array as da
import numpy as np
import pytest
import zarr
from conftest import CountingReader, as_lists, counted_calls, noisy_classification, noisy_multilabel, patch_everywhere
from dask.core import get_deps
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import dlq
from dlq.kernels import select, settle

OPTIONS = [
    {"method": "self_confidence", "adjust_pred_probs": False, "estimation_method": "off_diagonal"},
    {"method": "normalized_margin", "adjust_pred_probs": True, "estimation_method": "off_diagonal_calibrated"},
    {
        "method": "confidence_weighted_entropy",
        "adjust_pred_probs": False,
        "estimation_method": "off_diagonal_calibrated",
    },
]


@functools.cache
def data():
    """3000 x 6 float32, class 5 never given."""
    return noisy_classification(3000, 6, seed=8, dtype=np.float32, absent_class=5)


def run(chunks, options):
    given, probs = data()
    labels = da.from_array(given, chunks=(chunks,))
    pred_probs = da.from_array(probs, chunks=(chunks, 6))
    lazy = dlq.scan(labels, pred_probs, **options)
    result = lazy.compute(n_jobs=2)
    scores, mask = dask.compute(lazy.scores, lazy.mask, scheduler="threads")
    return result, scores, mask


@functools.cache
def reference(option):
    """The answer in one chunk."""
    return run(3000, OPTIONS[option])


@st.composite
def row_chunks(draw):
    cuts = draw(st.lists(st.integers(1, 2999), min_size=0, max_size=12, unique=True))
    bounds = [0, *sorted(cuts), 3000]
    return tuple(b - a for a, b in itertools.pairwise(bounds))


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(chunks=row_chunks(), option=st.integers(0, len(OPTIONS) - 1))
def test_chunking_never_changes_the_answer(chunks, option):
    expected, expected_scores, expected_mask = reference(option)
    result, scores, mask = run(chunks, OPTIONS[option])
    assert np.array_equal(result.issues, expected.issues)
    assert result.num_issues == expected.num_issues
    assert np.array_equal(result.thresholds, expected.thresholds)  # bit for bit
    assert np.array_equal(scores, expected_scores)
    assert np.array_equal(mask, expected_mask)
    assert np.array_equal(np.flatnonzero(mask), np.sort(result.issues))


def _graph_size_and_widest_task(collection) -> tuple[int, int]:
    """The number of tasks of a dask collection's graph, and the most inputs any one task waits for."""
    graph = dict(collection.__dask_graph__())
    dependencies, _ = get_deps(graph)
    return len(graph), max(len(inputs) for inputs in dependencies.values())


@functools.cache
def multilabel_data_of_3000_rows():
    return noisy_multilabel(3000, 4, seed=10, never=3)


SCANS = {"multi-class": (dlq.scan, data), "multi-label": (dlq.multilabel.scan, multilabel_data_of_3000_rows)}


def scan_in_chunks(kind, n_chunks):
    """The lazy scan of 3000 rows in n_chunks equal chunks."""
    make_scan, make_data = SCANS[kind]
    labels, pred_probs = make_data()
    rows = 3000 // n_chunks
    return make_scan(
        da.from_array(labels, chunks=(rows, *labels.shape[1:])), da.from_array(pred_probs, chunks=(rows, -1))
    )


@pytest.mark.parametrize("kind", SCANS)
def test_reductions_are_trees(kind):
    """Partial results are combined a few at a time, whatever the number of
    chunks: the graph grows as the chunks do, and no task waits for all of them."""
    tasks_100, widest_100 = _graph_size_and_widest_task(scan_in_chunks(kind, 100).issues)
    tasks_1000, widest_1000 = _graph_size_and_widest_task(scan_in_chunks(kind, 1000).issues)
    assert 8 < tasks_1000 / tasks_100 < 12, (tasks_100, tasks_1000)  # about 10: linear in the chunks
    assert widest_1000 <= widest_100 < 100, (widest_100, widest_1000)  # a flat sum would wait for 100, then 1,000


@pytest.mark.slow
@pytest.mark.parametrize("kind", SCANS)
def test_a_thousand_chunks_give_the_answer_of_one(kind):
    one = scan_in_chunks(kind, 1).compute(n_jobs=2)
    many = scan_in_chunks(kind, 1000).compute(n_jobs=2)  # 3 rows each
    assert many.issues.size > 0
    assert np.array_equal(many.issues, one.issues)
    assert np.array_equal(many.thresholds, one.thresholds)  # bit for bit
    assert many.num_issues == one.num_issues


def test_thresholds_are_exact_means():
    from fractions import Fraction

    labels, pred_probs = data()
    result = dlq.scan(labels, pred_probs, chunk_rows=333).compute()
    for k in range(5):
        given = pred_probs[labels == k, k]
        exact = sum(Fraction(float(v)) for v in given) / len(given)
        assert result.thresholds[k] == float(exact)
    assert result.thresholds[5] == 2e-6  # absent class, as cleanlab's batched code


@pytest.mark.slow
@pytest.mark.parametrize("processes", [True])
def test_local_cluster_gives_the_threaded_answer(processes):
    from distributed import Client, LocalCluster

    given, probs = data()
    labels = da.from_array(given, chunks=(700,))
    pred_probs = da.from_array(probs, chunks=(700, 6))
    expected = [dlq.scan(labels, pred_probs, **options).compute() for options in OPTIONS]
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=processes, dashboard_address=None) as cluster:
        with Client(cluster):
            for options, reference in zip(OPTIONS, expected, strict=True):
                result = dlq.scan(labels, pred_probs, **options).compute(progress=True)
                assert np.array_equal(result.issues, reference.issues)
                assert np.array_equal(result.thresholds, reference.thresholds)
            mask = dlq.find_label_issues_batched(labels, pred_probs, verbose=False, return_mask=True)
            assert np.array_equal(np.flatnonzero(mask), np.sort(expected[0].issues))


@functools.cache
def multilabel_data():
    """1500 x 5 float32, class 3 never given."""
    return noisy_multilabel(1500, 5, seed=9, dtype=np.float32, never=3)


def run_multilabel(chunks):
    """Scores, the ranked issues with their thresholds and estimated count, and the per-class issues."""
    labels, pred_probs = (da.from_array(array, chunks=(chunks, 5)) for array in multilabel_data())
    scores = dlq.multilabel.get_label_quality_scores(
        labels, pred_probs, method="normalized_margin", adjust_pred_probs=True
    ).compute(scheduler="threads")
    found = dlq.multilabel.scan(labels, pred_probs, method="self_confidence", adjust_pred_probs=True).compute(n_jobs=2)
    per_class = dlq.multilabel.find_multilabel_issues_per_class(labels, pred_probs, low_memory=True, n_jobs=2)
    return scores, found.issues, found.thresholds, found.num_issues, per_class


@functools.cache
def multilabel_reference():
    """The answer in one chunk."""
    return run_multilabel(1500)


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(cuts=st.lists(st.integers(1, 1499), max_size=10, unique=True))
def test_multilabel_chunking_never_changes_the_answer(cuts):
    bounds = [0, *sorted(cuts), 1500]
    chunks = tuple(b - a for a, b in itertools.pairwise(bounds))
    for ours, expected in zip(run_multilabel(chunks), multilabel_reference(), strict=True):
        assert np.array_equal(ours, expected)  # bit for bit


@pytest.mark.slow
def test_multilabel_on_a_local_cluster():
    from distributed import Client, LocalCluster

    labels, pred_probs = multilabel_data()
    expected = dlq.multilabel.find_label_issues(labels, pred_probs, low_memory=True)
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as cluster:
        with Client(cluster):
            found = dlq.multilabel.find_label_issues(as_lists(labels), pred_probs, low_memory=True)
    assert found.any()
    assert np.array_equal(found, expected)


def _peak_memory_of_scan(tmp_path, n_rows: int, *, to_zarr: bool, repeats: int = 3) -> int:
    """Peak traced memory of scanning a zarr store of n_rows x 50 float32 in
    chunks of 50,000 rows, on the synchronous scheduler: the lowest of
    ``repeats`` scans. dask orders tasks that tie by their keys, which hold
    random parts; some orders read the next chunk (10 MB here) before the
    last one is used, whatever the number of rows, so one scan's peak varies
    by a chunk and the lowest is the part that depends on the rows."""
    import tracemalloc

    labels, pred_probs = noisy_classification(n_rows, 50, seed=7, noise=0.05, concentration=0.05, dtype=np.float32)
    store = tmp_path / f"{n_rows}.zarr"
    zarr.create_array(store=str(store), data=pred_probs, chunks=(50_000, 50))
    labels_path = tmp_path / f"{n_rows}.npy"
    np.save(labels_path, labels)
    del pred_probs
    peaks = []
    for repeat in range(repeats):
        tracemalloc.start()
        with dask.config.set(scheduler="sync"):
            lazy = dlq.scan(str(labels_path), str(store), chunk_rows=50_000)
            lazy.to_zarr(str(tmp_path / f"{n_rows}-{repeat}-out.zarr")) if to_zarr else lazy.compute()
        peaks.append(tracemalloc.get_traced_memory()[1])
        tracemalloc.stop()
    return min(peaks)


@pytest.mark.slow
def test_peak_memory_of_a_scan_into_zarr_does_not_grow_with_the_rows(tmp_path):
    """4x the rows, about the same peak: chunks are read, used and dropped;
    pass 2 writes scores and candidate flags to the output store and the
    selection reads them back, so memory holds nothing per row but the issues
    found (5% noise here). Keeping the data between passes would cost 160 MB."""
    _peak_memory_of_scan(tmp_path, 20_000, to_zarr=True, repeats=1)  # one-time allocations out of the way
    small = _peak_memory_of_scan(tmp_path, 200_000, to_zarr=True)
    large = _peak_memory_of_scan(tmp_path, 800_000, to_zarr=True)
    assert large < 1.15 * small, (small, large)


@pytest.mark.slow
def test_peak_memory_of_a_scan_in_memory_grows_by_a_few_bytes_a_row(tmp_path):
    """Without a store, the scores (4 bytes a row here), whether each row's
    prediction agrees with its label (1 byte) and the mispredicted rows (17%
    here, 12 bytes each) stay in memory until the selection:
    far less than the 200 bytes a row of pred_probs."""
    _peak_memory_of_scan(tmp_path, 20_000, to_zarr=False, repeats=1)
    small = _peak_memory_of_scan(tmp_path, 200_000, to_zarr=False)
    large = _peak_memory_of_scan(tmp_path, 800_000, to_zarr=False)
    assert (large - small) / 600_000 < 20, (small, large)  # bytes per added row


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    seed=st.integers(0, 2**16),
    n_rows=st.integers(50, 2_000),
    n_classes=st.integers(2, 12),
    n_chunks=st.integers(1, 9),
    n_jobs=st.integers(1, 4),
    option=st.integers(0, len(OPTIONS) - 1),
)
def test_random_data_any_chunking_any_thread_count_same_answer(seed, n_rows, n_classes, n_chunks, n_jobs, option):
    labels, pred_probs = noisy_classification(n_rows, n_classes, seed=seed, dtype=np.float32)
    reference = dlq.scan(labels, pred_probs, chunk_rows=n_rows, **OPTIONS[option]).compute(n_jobs=1)
    chunk_rows = -(-n_rows // n_chunks)
    result = dlq.scan(labels, pred_probs, chunk_rows=chunk_rows, **OPTIONS[option]).compute(n_jobs=n_jobs)
    assert np.array_equal(result.issues, reference.issues)
    assert np.array_equal(result.thresholds, reference.thresholds)
    assert result.num_issues == reference.num_issues


@pytest.mark.parametrize(
    ("finder", "reads_per_chunk"),
    [
        (lambda y, p: dlq.find_label_issues_batched(y, p, verbose=False), 1),
        (lambda y, p: dlq.scan(y, p).compute(), 1),
        (lambda y, p: dlq.scan(y, p, method="normalized_margin").compute(), 1),
        (lambda y, p: dlq.scan(y, p, adjust_pred_probs=True).compute(), 2),
        (lambda y, p: dlq.scan(y, p, estimation_method="off_diagonal_calibrated").compute(), 2),
        (lambda y, p: dlq.scan(y, p).to_zarr(zarr.storage.MemoryStore()), 1),
        # the issue table's columns come from the mispredicted rows each chunk's record keeps
        (lambda y, p: dlq.scan(y, p).issue_table, 1),
        (lambda y, p: dlq.scan(y, p, adjust_pred_probs=True).issue_table, 2),
        (lambda y, p: dlq.scan(y, p).to_zarr(zarr.storage.MemoryStore(), report=True), 1),
        (lambda y, p: dlq.scan(y, p, adjust_pred_probs=True).to_zarr(zarr.storage.MemoryStore()), 2),
        (lambda y, p: dlq.get_label_quality_scores(y, p), 1),
        (lambda y, p: dlq.get_label_quality_scores(y, p, adjust_pred_probs=True), 2),
        # pass 1, pass 2 (which takes the first histogram round, of 16 bits, and keeps the lowest entries)
        # and the look that settles, whose tasks take a dask array's chunks as inputs, kept entries or not
        (lambda y, p: dlq.multilabel.find_label_issues(y[:, None] == da.arange(6), p, low_memory=True), 3),
        # pass 1, pass 2, two histogram rounds and the read that settles the selection
        (lambda y, p: dlq.find_label_issues(y, p), 5),
        (lambda y, p: dlq.find_label_issues(y, p, filter_by="low_self_confidence"), 5),
        (lambda y, p: dlq.multilabel.get_label_quality_scores(y[:, None] == da.arange(6), p), 1),
    ],
)
def test_how_often_the_data_are_read(finder, reads_per_chunk):
    """Each chunk is read once per pass: a second pass reads the chunks again
    instead of keeping the first pass's chunks in memory."""
    given, probs = data()
    reader = CountingReader(probs)
    pred_probs = da.from_array(reader, chunks=(500, 6), asarray=True)  # 6 chunks
    labels = da.from_array(given, chunks=500)
    reader.reads, reader.rows_read = 0, []  # from_array peeks at an empty slice for its metadata
    dask.compute(finder(labels, pred_probs))  # lazy results (dask in, dask out) are computed here
    assert reader.reads == reads_per_chunk * 6
    chunks = [(start, start + 500) for start in range(0, 3000, 500)]
    assert Counter(reader.rows_read) == dict.fromkeys(chunks, reads_per_chunk)


@pytest.mark.parametrize("filter_by", ["prune_by_noise_rate", "both"])
def test_a_pruning_filter_reads_a_stored_input_three_times_when_its_entries_are_few(filter_by):
    """Read inside its tasks, a stored input is read for the thresholds, the
    joint and one look at the entries below the cells' bounds, which are
    kept for the selection's rounds; when a cell has no bound (a given joint
    asking more of class 0 than the rows that beat it), every round reads
    the data again rather than keep every row of that class."""
    from dlq.io.marks import read_by_its_tasks

    given, probs = data()
    for confident_joint, reads_per_chunk in ((None, 3), (np.full((6, 6), 400), 5)):
        reader = CountingReader(probs)
        pred_probs = read_by_its_tasks(da.from_array(reader, chunks=(500, 6), asarray=True), reader)
        reader.reads, reader.rows_read = 0, []
        found = dlq.find_label_issues(given, pred_probs, filter_by=filter_by, confident_joint=confident_joint)
        assert found.any()
        assert Counter(reader.rows_read) == {(start, start + 500): reads_per_chunk for start in range(0, 3000, 500)}


def test_later_passes_read_stored_rows_only_in_the_tasks_that_use_them(tmp_path):
    """A pass after the first reads an .npy or zarr input inside its own
    tasks: no chunk is read ahead, before the values the pass waits for are
    known, to sit in memory. As separate read tasks, the threaded scheduler
    ran them during the merges of the pass before: 44 MB held at once, more
    than the whole 32 MB data set."""
    from dask.callbacks import Callback

    from dlq.io.arrays import NpyFile, open_array

    labels, pred_probs = noisy_classification(400_000, 20, seed=9, dtype=np.float32)
    np.save(tmp_path / "pred_probs.npy", pred_probs)
    source = NpyFile(tmp_path / "pred_probs.npy")
    chunk_bytes = max(open_array(source, name="pred_probs").chunks[0]) * 20 * 4
    held = []

    class Held(Callback):
        def _posttask(self, key, result, dsk, state, id):
            arrays = [value for value in state["cache"].values() if isinstance(value, np.ndarray)]
            held.append(sum(value.nbytes for value in arrays if value.dtype != object))

    with Held():
        found = dlq.find_label_issues(labels, source, n_jobs=2)
    assert found.sum() > 0
    assert max(held) <= 2.5 * chunk_bytes, (max(held), chunk_bytes)


def _selection_work(chunk_rows, filter_by):
    """find_label_issues on 12,000 x 8 in chunks of ``chunk_rows``, on one
    thread, with the selection's kernels counted: its issues, the chunks its
    last read looked at, the entries that read made in all and kept from all
    chunks, and the chunks' histogram rounds."""
    made, kept = [], []
    split = settle.split

    def counting_split(chunk, cut, issues_only):
        made.append(sum(entries.scores.size for entries in chunk))
        found = split(chunk, cut, issues_only)
        kept.append(found.below.indices.size + found.gathered.indices.size)
        return found

    with pytest.MonkeyPatch.context() as patched:
        patch_everywhere(patched, settle.split, counting_split)
        rounds = [counted_calls(patched, function) for function in (select.histogram, select.first_histogram)]
        labels, pred_probs = noisy_classification(12_000, 8, seed=40, dtype=np.float32)
        issues = dlq.find_label_issues(
            da.from_array(labels, chunks=chunk_rows),
            da.from_array(pred_probs, chunks=(chunk_rows, 8)),
            filter_by=filter_by,
            n_jobs=1,
        )
    return issues, SimpleNamespace(looks=len(made), made=sum(made), kept=sum(kept), rounds=sum(map(len, rounds)))


@pytest.mark.parametrize("filter_by", ["prune_by_noise_rate", "prune_by_class"])
def test_a_filters_work_and_what_it_keeps_do_not_grow_with_the_chunks(filter_by):
    """Cut in 4 or 240 chunks, the pruning's last read makes the same entries
    (those below each cell's bound, a fraction of rows x classes) and keeps
    about the issues from all chunks together, not each cell's count from
    every chunk: the work per chunk does not grow with their number. The
    selection runs: histogram rounds over every chunk, then one look at each."""
    issues, few = _selection_work(3_000, filter_by)
    many_issues, many = _selection_work(50, filter_by)
    assert issues.any() and np.array_equal(many_issues, issues)
    assert (few.looks, many.looks) == (4, 240)  # the last read looks at each chunk once
    assert few.rounds >= 4 and many.rounds >= 240  # after a histogram round of each
    assert 0 < few.made == many.made < 12_000 * 8 / 4  # the bounds spare most entries
    assert 0 < few.kept <= 1.5 * issues.sum() and 0 < many.kept <= 1.5 * issues.sum() + 240


class _CopyingReader:
    """An array-like whose every read is a copy, as from a file."""

    def __init__(self, array):
        self.array, self.shape, self.dtype, self.ndim = array, array.shape, array.dtype, array.ndim

    def __getitem__(self, item):
        return self.array[item].copy()


def _joined_run(labels, pred_probs, n_chunks, finder):
    """``finder`` on the data cut in ``n_chunks`` dask chunks, small chunks
    joined: its answer, the tasks run by kind and the most ndarray bytes the
    threaded scheduler held at once."""
    from dask.callbacks import Callback
    from dask.utils import key_split

    rows = -(-labels.shape[0] // n_chunks)
    kinds, held = Counter(), []

    class Watched(Callback):
        def _pretask(self, key, dsk, state):
            kinds[key_split(key)] += 1

        def _posttask(self, key, result, dsk, state, id):
            arrays = [value for value in state["cache"].values() if isinstance(value, np.ndarray)]
            held.append(sum(value.nbytes for value in arrays if value.dtype != object))

    with dask.config.set({"dlq.join-small-chunks": True}), Watched():
        found = finder(
            da.from_array(_CopyingReader(labels), chunks=rows, asarray=True),
            da.from_array(_CopyingReader(pred_probs), chunks=(rows, pred_probs.shape[1]), asarray=True),
        )
    return found, kinds, max(held)


@pytest.mark.parametrize(
    "finder",
    [
        lambda y, p: dlq.find_label_issues(y, p, n_jobs=2),
        lambda y, p: dlq.find_label_issues_batched(y, p, n_jobs=2, verbose=False),
    ],
)
def test_small_dask_chunks_are_joined_and_the_work_does_not_grow_with_them(finder):
    """A dask array in 10 or 1,000 chunks is worked on in the same few runs
    of them joined: the same answer as in memory, and beyond one read task
    per chunk and pass (the caller's array's own), the same tasks. Each pass
    joins its own reads: copies of the first pass's joined chunks ran ahead
    of their passes and held every pass's rows at once."""
    labels, pred_probs = noisy_classification(200_000, 4, seed=41, dtype=np.float32)
    expected = finder(labels, pred_probs)
    few, few_kinds, _ = _joined_run(labels, pred_probs, 10, finder)
    many, many_kinds, many_held = _joined_run(labels, pred_probs, 1_000, finder)
    np.testing.assert_array_equal(few, expected)
    np.testing.assert_array_equal(many, expected)
    assert 0 < many_held <= 1.5 * pred_probs.nbytes, (many_held, pred_probs.nbytes)  # not about 6x
    reads = many_kinds.pop("array") / 1_000 / 2  # labels and pred_probs
    assert reads == few_kinds.pop("array") / 10 / 2 and reads <= 5
    assert sum(many_kinds.values()) <= 1.5 * sum(few_kinds.values()), (few_kinds, many_kinds)  # 4 runs, not 3
