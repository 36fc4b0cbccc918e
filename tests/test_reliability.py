"""Reliability: rounding tolerated, defects refused, inputs untouched, warnings where data look odd."""

from __future__ import annotations

import hashlib
import warnings
from pathlib import Path
from types import SimpleNamespace

import h5py
import numpy as np
import pytest
import zarr
from click.testing import CliRunner
from conftest import PUBLISHED, noisy_classification

import dlq
from dlq.cli.command import main


@pytest.fixture(scope="module")
def data():
    labels, pred_probs = noisy_classification(2000, 4, seed=51)
    return SimpleNamespace(labels=labels, pred_probs=pred_probs)


def test_rounding_just_outside_0_and_1_is_accepted_but_not_more(data):
    pred_probs = data.pred_probs.copy()
    pred_probs[10] = [1 + 5e-7, 0, 0, 0]  # as rounding leaves softmax outputs
    pred_probs[11] = [-5e-7, 1 + 5e-7, 0, 0]
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        dlq.find_label_issues_batched(data.labels, pred_probs, verbose=False)
    pred_probs[12] = [0, 0, 1 + 2e-3, 0]
    with pytest.raises(ValueError, match="row 12 has a value above 1"):
        dlq.find_label_issues_batched(data.labels, pred_probs, verbose=False)


@pytest.mark.parametrize(
    "finder",
    [
        lambda y, p: dlq.find_label_issues_batched(y, p, verbose=False),
        lambda y, p: dlq.find_label_issues(y, p),
        lambda y, p: dlq.multilabel.find_label_issues(y[:, None] == np.arange(4), p, low_memory=True),
    ],
)
def test_values_outside_0_and_1_by_float16_rounding_are_used_as_they_are_with_one_warning(data, finder):
    """Probabilities quantized for storage (float16 steps are about 5e-4 below
    1) can exceed 1 a little; they are used as cleanlab uses them, and one
    warning counts the rows."""
    pred_probs = data.pred_probs.copy()
    pred_probs[[13, 40, 41]] = [1.0004, 0, 0, 0]
    pred_probs[42] = [-0.0003, 1, 0, 0]
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        finder(data.labels, pred_probs)
    notes = [str(w.message) for w in caught if "outside [0, 1]" in str(w.message)]
    assert len(notes) == 1, notes
    assert notes[0].startswith("4 rows of pred_probs") and "row 13, with 1.0004" in notes[0]


def test_empty_data_is_refused():
    with pytest.raises(ValueError, match="no rows"):
        dlq.scan(np.zeros(0, int), np.zeros((0, 3)))


@pytest.mark.parametrize("which", ["labels", "pred_probs"])
def test_object_arrays_are_refused(data, tmp_path, which):
    objects = np.full(data.labels.shape if which == "labels" else data.pred_probs.shape, None, dtype=object)
    arrays = {"labels": data.labels, "pred_probs": data.pred_probs, which: objects}
    with pytest.raises(TypeError):
        dlq.scan(arrays["labels"], arrays["pred_probs"])
    np.save(tmp_path / "objects.npy", objects, allow_pickle=True)
    files = {"labels": data.labels, "pred_probs": data.pred_probs, which: str(tmp_path / "objects.npy")}
    with pytest.raises(ValueError, match="never unpickles"):
        dlq.scan(files["labels"], files["pred_probs"])


def test_rows_not_summing_to_one_warn_once_with_the_first_row(data):
    pred_probs = data.pred_probs.copy()
    pred_probs[[700, 1500]] *= 0.5  # e.g. probabilities of a model that abstains
    with pytest.warns(UserWarning, match=r"2 rows of pred_probs do not sum to 1 \(the first is row 700") as caught:
        found = dlq.find_label_issues_batched(data.labels, pred_probs, batch_size=500, verbose=False)
    assert len([w for w in caught if "sum to 1" in str(w.message)]) == 1
    assert found.size > 0
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        dlq.find_label_issues_batched(data.labels, data.pred_probs, verbose=False)  # normalised rows: no warning


def checksum(path: Path) -> str:
    digest = hashlib.sha256()
    for file in sorted(p for p in [path, *path.rglob("*")] if p.is_file()):
        digest.update(file.read_bytes())
    return digest.hexdigest()


@pytest.mark.slow
def test_inputs_are_read_only_and_unchanged(data, tmp_path):
    np.save(tmp_path / "labels.npy", data.labels)
    np.save(tmp_path / "pred_probs.npy", data.pred_probs)
    zarr.create_array(store=str(tmp_path / "pred_probs.zarr"), data=data.pred_probs, chunks=(300, 4))
    zarr.create_array(store=str(tmp_path / "labels.zarr"), data=data.labels, chunks=(300,))
    with h5py.File(tmp_path / "data.h5", "w") as file:
        file["labels"], file["pred_probs"] = data.labels, data.pred_probs
    inputs = ["labels.npy", "pred_probs.npy", "pred_probs.zarr", "labels.zarr", "data.h5"]
    before = {name: checksum(tmp_path / name) for name in inputs}
    dlq.scan(str(tmp_path / "labels.npy"), str(tmp_path / "pred_probs.zarr"), adjust_pred_probs=True).compute()
    with h5py.File(tmp_path / "data.h5", "r") as file:
        dlq.find_label_issues_batched(file["labels"], file["pred_probs"], verbose=False)
    for pred_probs, labels in [("pred_probs.npy", "labels.zarr"), ("data.h5:/pred_probs", "data.h5:/labels")]:
        result = CliRunner().invoke(
            main,
            [
                "scan",
                str(tmp_path / labels),
                str(tmp_path / pred_probs),
                "--out",
                str(tmp_path / "out"),
                "--overwrite",
                "--quiet",
                "--workers",
                "1",
                "--threads-per-worker",
                "1",
            ],
        )
        assert result.exit_code == 0, result.output
    assert {name: checksum(tmp_path / name) for name in inputs} == before


@pytest.fixture(scope="module")
def slow_inputs(tmp_path_factory):
    """Data big enough that a scan on a fresh local cluster takes a few seconds."""
    folder = tmp_path_factory.mktemp("slow")
    labels, pred_probs = noisy_classification(1_500_000, 12, seed=52, dtype=np.float32)
    np.save(folder / "labels.npy", labels)
    np.save(folder / "pred_probs.npy", pred_probs)
    return folder


def start_scan(folder: Path, out: Path, *, quiet: bool = True, **popen_options):
    import subprocess
    import sys

    command = [
        sys.executable,
        "-m",
        "dlq.cli.command",
        "scan",
        str(folder / "labels.npy"),
        str(folder / "pred_probs.npy"),
        "--out",
        str(out),
        "--workers",
        "1",
        "--threads-per-worker",
        "1",
        "--chunk-rows",
        "20000",
    ] + (["--quiet"] if quiet else [])
    return subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, **popen_options)


def wait_for_staging(out: Path, process, seconds: float = 120.0) -> Path:
    import time

    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        partial = list(out.parent.glob(f".{out.name}.dlq-partial-*"))
        if partial:
            return partial[0]
        assert process.poll() is None, process.communicate()
        time.sleep(0.05)
    raise TimeoutError("the scan never started writing")


@pytest.mark.slow
@pytest.mark.parametrize("signal_name", ["SIGINT", "SIGKILL"])
def test_an_interrupted_scan_leaves_no_output_and_the_next_run_succeeds(slow_inputs, tmp_path, signal_name):
    import signal

    out = tmp_path / "out"
    process = start_scan(slow_inputs, out)
    staging = wait_for_staging(out, process)
    process.send_signal(getattr(signal, signal_name))
    process.wait(timeout=120)
    assert not out.exists()
    if signal_name == "SIGINT":
        assert not staging.exists()  # cleaned up on the way out
    rerun = start_scan(slow_inputs, out)
    assert rerun.wait(timeout=300) == 0, rerun.communicate()
    assert sorted(p.name for p in out.iterdir()) == PUBLISHED
    assert not list(tmp_path.glob(".out.dlq-partial-*"))  # a killed run's leftovers are gone too


def test_the_local_clusters_workers_ignore_ctrl_c_and_the_command_keeps_its_handler():
    import signal

    from dlq.cli.cluster import dask_client

    handler = signal.getsignal(signal.SIGINT)
    with dask_client(None, None, workers=2, threads_per_worker=1, memory_limit=None, quiet=True) as client:
        ignoring = client.run(lambda: signal.getsignal(signal.SIGINT) == signal.SIG_IGN)
        assert signal.getsignal(signal.SIGINT) is handler
    assert list(ignoring.values()) == [True, True]


@pytest.mark.slow
@pytest.mark.parametrize("to", ["the command", "its process group"])
def test_ctrl_c_while_the_cluster_starts_stops_the_run(slow_inputs, tmp_path, to):
    import os
    import signal
    import time

    import psutil

    out = tmp_path / "out"
    process = start_scan(slow_inputs, out, start_new_session=True)  # its own process group, as a terminal gives
    deadline = time.monotonic() + 120
    while not psutil.Process(process.pid).children() and time.monotonic() < deadline:
        assert process.poll() is None, process.communicate()
        time.sleep(0.01)
    # a worker is starting: the cluster is not up yet
    (os.killpg if to == "its process group" else os.kill)(process.pid, signal.SIGINT)
    _, stderr = process.communicate(timeout=120)
    assert process.returncode == 130, stderr
    # a worker still starting may print the KeyboardInterrupt it got before it could ignore it
    assert stderr.strip().splitlines()[-1] == "dlq: interrupted; no output was written"
    assert not out.exists() and not list(tmp_path.glob(".out.dlq-partial-*"))


@pytest.mark.slow
def test_ctrl_c_from_a_terminal_while_the_workers_work_gets_one_line_from_the_command_alone(slow_inputs, tmp_path):
    import os
    import signal

    out = tmp_path / "out"
    process = start_scan(slow_inputs, out, start_new_session=True, quiet=False)
    assert "local cluster of 1 workers" in process.stderr.readline()
    wait_for_staging(out, process)
    os.killpg(process.pid, signal.SIGINT)
    _, stderr = process.communicate(timeout=120)
    assert process.returncode == 130, stderr
    assert stderr.strip().splitlines()[-1] == "dlq: interrupted; no output was written"
    assert "Traceback" not in stderr and "KeyboardInterrupt" not in stderr
    assert not out.exists()


def _slowly(block):
    import time

    time.sleep(0.1)
    return block


@pytest.mark.slow
def test_a_killed_worker_does_not_change_the_answer():
    """Kill a worker process in the middle of a scan on a LocalCluster with
    nannies: the nanny restarts it, lost tasks run again, the answer is that of
    an undisturbed run."""
    import os
    import signal
    import time

    import dask.array as da
    from distributed import Client, LocalCluster, wait

    labels, pred_probs = noisy_classification(200_000, 8, seed=54)
    expected = dlq.scan(labels, pred_probs, chunk_rows=4_000).compute()
    slow_probs = da.from_array(pred_probs, chunks=(4_000, 8)).map_blocks(_slowly, dtype=pred_probs.dtype)
    lazy = dlq.scan(da.from_array(labels, chunks=4_000), slow_probs)
    with (
        LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as cluster,
        Client(cluster) as client,
    ):
        futures = client.compute([lazy.issues, lazy.thresholds, lazy.num_issues], optimize_graph=False)
        time.sleep(1.5)  # some of the 50 reads (0.1 s each, two at a time) are done
        assert not all(future.done() for future in futures)
        before = set(client.scheduler_info(n_workers=-1)["workers"])
        victim = next(iter(cluster.workers.values()))
        started = time.monotonic()
        os.kill(victim.process.pid, signal.SIGKILL)
        wait(futures, timeout=120)
        issues, thresholds, num_issues = client.gather(futures)
        elapsed = time.monotonic() - started
        client.wait_for_workers(2, timeout=60)
        assert set(client.scheduler_info(n_workers=-1)["workers"]) != before  # a new worker replaced it
    assert np.array_equal(issues, expected.issues)
    assert np.array_equal(thresholds, expected.thresholds)
    assert num_issues == expected.num_issues
    print(f"scan finished {elapsed:.1f} s after the worker was killed")


def test_ten_thousand_classes():
    labels, pred_probs = noisy_classification(1_000, 10_000, seed=55, dtype=np.float32, concentration=0.01)
    from cleanlab.experimental.label_issues_batched import find_label_issues_batched as cleanlab_find

    for quality in ({}, {"method": "normalized_margin", "adjust_pred_probs": True}):
        ours = dlq.find_label_issues_batched(
            labels, pred_probs, batch_size=300, verbose=False, quality_score_kwargs=quality
        )
        theirs = cleanlab_find(
            labels, pred_probs, batch_size=300, n_jobs=1, verbose=False, quality_score_kwargs=quality
        )
        assert ours.size > 0 and np.array_equal(np.sort(ours), theirs)
