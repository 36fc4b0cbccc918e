"""The command refuses in one line, and stops instead of hanging when its
workers cannot work within their memory."""

from __future__ import annotations

import os
import threading
import time

import numpy as np
import pytest
from conftest import invoke_scan, noisy_classification, one_line_error
from dask.utils import parse_bytes

from dlq.cli import cluster
from dlq.graphs import health


def one_line_refusal(*arguments: str) -> str:
    return one_line_error(invoke_scan(*arguments))


def refused_scan(npy_inputs, *options: str) -> str:
    """The one line of a refused ``dlq scan`` of the .npy inputs into inputs/out."""
    return one_line_refusal(
        str(npy_inputs / "labels.npy"), str(npy_inputs / "pred_probs.npy"), "--out", str(npy_inputs / "out"), *options
    )


@pytest.mark.parametrize(
    ("content", "message"),
    [("{}", "names no scheduler address"), ("not json", "is not a dask scheduler file"), ("[1]", "not a dask")],
)
def test_a_scheduler_file_that_is_not_one_is_refused_in_one_line(npy_inputs, content, message):
    (npy_inputs / "scheduler.json").write_text(content)
    output = refused_scan(
        npy_inputs,
        "--scheduler-file",
        str(npy_inputs / "scheduler.json"),
    )
    assert message in output
    assert not (npy_inputs / "out").exists()


@pytest.mark.parametrize("limit", ["100MB", "200MB", "150MiB"])
def test_a_memory_limit_too_small_to_start_a_worker_is_refused_with_the_smallest_that_works(npy_inputs, limit):
    output = refused_scan(
        npy_inputs,
        "--memory-limit",
        limit,
    )
    assert f"--memory-limit {limit} is too small" in output and "give at least" in output
    smallest = output.split("give at least ")[1].strip()
    assert smallest.endswith("MiB") and parse_bytes(smallest) > parse_bytes(limit)
    assert not (npy_inputs / "out").exists()


def test_a_memory_limit_that_is_no_amount_is_refused(npy_inputs):
    output = refused_scan(
        npy_inputs,
        "--memory-limit",
        "lots",
    )
    assert "is not an amount of memory" in output


def test_options_refused_after_parsing_are_one_line_too(npy_inputs):
    output = refused_scan(npy_inputs, "--alpha", "0.5")
    assert "--alpha applies only with --multilabel" in output


class _FakeClient:
    """A client whose one worker is paused, or whose workers keep being replaced."""

    def __init__(self, behaviour: str):
        self.behaviour = behaviour
        self.calls = 0

    def scheduler_info(self, n_workers: int = -1) -> dict:
        self.calls += 1
        if self.behaviour == "paused":
            worker = {"status": "paused", "metrics": {"memory": 190 * 2**20}, "memory_limit": 200 * 2**20}
            return {"workers": {"tcp://w:1": worker}}
        if self.behaviour == "restarting":
            return {"workers": {f"tcp://w:{self.calls}": {"status": "running"}}}
        if self.behaviour == "gone":
            return {"workers": {}}
        return {"workers": {"tcp://w:1": {"status": "running"}}}


@pytest.mark.parametrize(
    ("behaviour", "message", "own"),
    [
        ("paused", "paused at its memory limit", False),
        ("restarting", "left the cluster", False),
        ("gone", "has no worker left", True),
    ],
)
def test_the_watch_stops_a_run_whose_workers_are_stuck(monkeypatch, behaviour, message, own):
    monkeypatch.setattr(cluster, "PAUSED_PATIENCE_SECONDS", 0.3)
    monkeypatch.setattr(cluster, "WATCH_INTERVAL_SECONDS", 0.05)
    assert threading.current_thread() is threading.main_thread()
    start = time.monotonic()
    with pytest.raises(cluster.WorkersStuck, match=message):
        with cluster.watched(_FakeClient(behaviour), own=own):
            time.sleep(30)  # what a hung computation would do
    assert time.monotonic() - start < 10


def test_the_watch_stops_a_run_on_a_cluster_that_has_had_no_worker_for_long(monkeypatch):
    monkeypatch.setattr(cluster, "NO_WORKERS_PATIENCE_SECONDS", 0.3)
    monkeypatch.setattr(cluster, "WATCH_INTERVAL_SECONDS", 0.05)
    with pytest.raises(cluster.WorkersStuck, match="has had no worker for"):
        with cluster.watched(_FakeClient("gone")):
            time.sleep(30)


def test_a_task_that_killed_every_worker_it_ran_on_stops_the_run_in_one_line():
    from distributed import KilledWorker

    with pytest.raises(cluster.WorkersStuck, match=r"tried on 4 workers and each died .*--memory-limit"):
        with cluster.watched(_FakeClient("healthy")):
            raise KilledWorker("a-task", None, 3)


@pytest.mark.parametrize("behaviour", ["healthy", "gone"])
def test_the_watch_leaves_alone_healthy_workers_and_a_cluster_waiting_for_its_workers(monkeypatch, behaviour):
    monkeypatch.setattr(cluster, "WATCH_INTERVAL_SECONDS", 0.05)
    client = _FakeClient(behaviour)
    with cluster.watched(client):
        time.sleep(0.5)
    assert client.calls >= 3


@pytest.mark.slow
def test_a_cluster_whose_workers_are_paused_stops_the_command_with_one_line(npy_inputs, monkeypatch):
    from distributed import LocalCluster

    monkeypatch.setattr(cluster, "PAUSED_PATIENCE_SECONDS", 3.0)
    # a worker paused at 80% of 120 MB: its start-up memory alone is above that once it has imported dlq
    with LocalCluster(n_workers=1, threads_per_worker=1, memory_limit="120MB", dashboard_address=":0") as small:
        start = time.monotonic()
        output = one_line_refusal(
            str(npy_inputs / "labels.npy"),
            str(npy_inputs / "pred_probs.npy"),
            "--out",
            str(npy_inputs / "out"),
            "--scheduler",
            small.scheduler_address,
            "--quiet",
        )
    # paused, or (its imports past the limit at which the nanny kills it) killed on every try
    assert "paused at its memory limit" in output or "workers and each died" in output, output
    assert "--memory-limit" in output
    assert time.monotonic() - start < 120
    assert not (npy_inputs / "out").exists()


@pytest.mark.slow
def test_a_negative_label_is_refused_by_its_row_in_one_line(npy_inputs):
    labels = np.load(npy_inputs / "labels.npy")
    labels[1717] = -1
    np.save(npy_inputs / "negative.npy", labels)
    output = one_line_refusal(
        str(npy_inputs / "negative.npy"),
        str(npy_inputs / "pred_probs.npy"),
        "--out",
        str(npy_inputs / "out"),
        "--quiet",
    )
    assert "labels[1717] is -1" in output
    assert not (npy_inputs / "out").exists()


@pytest.mark.parametrize("chunks", [3000, 700])
def test_a_negative_label_counted_before_the_scan_checks_it_is_refused_by_row(chunks):
    import dask
    import dask.array as da

    import dlq

    labels, pred_probs = noisy_classification(3000, 3, seed=22)
    labels[2222] = -1
    given = np.array([[900, 100, 0], [50, 900, 50], [0, 100, 800]])
    for call in (
        lambda: dlq.count.calibrate_confident_joint(given, da.from_array(labels, chunks=chunks)),
        lambda: dlq.count.estimate_latent(given, da.from_array(labels, chunks=chunks)),
        lambda: health.confident_joint_under(
            da.from_array(labels, chunks=chunks),
            da.from_array(pred_probs, chunks=(chunks, 3)),
            np.full(3, 0.5),
            absent_class_threshold=2.0,
        ).compute(),
    ):
        with pytest.raises(ValueError, match=r"labels\[2222\]"):
            dask.compute(call())


@pytest.mark.slow
@pytest.mark.parametrize("debug", [False, True])
def test_a_value_refused_on_a_worker_process_is_one_line_on_stderr_unless_debugging(npy_inputs, debug):
    """Worker processes of the command's LocalCluster log a failing task with
    its traceback; none of that reaches the terminal without --debug."""
    import subprocess
    import sys

    pred_probs = np.load(npy_inputs / "pred_probs.npy")
    pred_probs[2345, 1] = np.nan
    np.save(npy_inputs / "bad.npy", pred_probs)
    command = [sys.executable, "-m", "dlq.cli.command", "scan", "labels.npy", "bad.npy", "--out", "out", "--quiet"]
    finished = subprocess.run(
        command + (["--debug"] if debug else []), cwd=npy_inputs, capture_output=True, text=True, timeout=300
    )
    assert finished.returncode != 0 and finished.stdout == ""
    if debug:
        assert "Traceback" in finished.stderr and "row 2345" in finished.stderr
    else:
        assert finished.stderr.startswith("dlq: error: pred_probs must hold finite probabilities")
        assert "row 2345" in finished.stderr and finished.stderr.count("\n") == 1, finished.stderr
    assert not (npy_inputs / "out").exists()


def test_values_click_refuses_are_one_line_too(npy_inputs):
    for arguments in (("--chunk-rows", "0"), ("--method", "bogus"), ("--workers", "0")):
        output = refused_scan(npy_inputs, *arguments)
        assert "(see dlq scan --help)" in output
    result = invoke_scan(npy_inputs / "pred_probs.npy")
    assert (
        result.exit_code == 2 and result.output.strip() == "dlq: error: Missing option '--out'. (see dlq scan --help)"
    )


@pytest.mark.parametrize(
    ("options", "message"),
    [
        (("--scheduler", "tcp://127.0.0.1:1", "--workers", "2"), "size a local cluster"),
        (("--scheduler", "tcp://127.0.0.1:1", "--memory-limit", "4GiB"), "size a local cluster"),
        (("--scheduler", "tcp://127.0.0.1:1", "--scheduler-file", __file__), "not both"),
    ],
)
def test_options_for_a_local_cluster_and_a_remote_one_are_refused_together(npy_inputs, options, message):
    assert message in refused_scan(npy_inputs, *options)


@pytest.mark.slow
@pytest.mark.parametrize("server", ["closed port", "not a scheduler"])
def test_a_scheduler_that_does_not_answer_is_refused_in_bounded_time(npy_inputs, server):
    import socket

    import dask

    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    port = listener.getsockname()[1]
    if server == "closed port":
        listener.close()
    else:
        listener.listen()  # takes the connection and never answers
    start = time.monotonic()
    try:
        with dask.config.set({"distributed.comm.timeouts.connect": "2s"}):
            output = refused_scan(npy_inputs, "--scheduler", f"tcp://127.0.0.1:{port}", "--quiet")
    finally:
        listener.close()
    assert "no Dask scheduler answered at --scheduler" in output and "dask scheduler" in output
    assert time.monotonic() - start < 30
    assert not (npy_inputs / "out").exists()


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda folder: (folder / "bad.parquet").write_text("hello"), "cannot be read as Parquet"),
        (lambda folder: (folder / "bad.h5").write_bytes(b"\0" * 3000), "cannot be read as an HDF5 file"),
    ],
)
def test_a_file_that_is_not_what_its_name_says_is_refused_naming_the_input(npy_inputs, scheduler, make, message):
    make(npy_inputs)
    bad = next(path for path in npy_inputs.iterdir() if path.name.startswith("bad"))
    source = f"{bad}:/pred_probs" if bad.suffix == ".h5" else str(bad)
    output = one_line_refusal(
        str(npy_inputs / "labels.npy"), source, "--out", str(npy_inputs / "out"), "--scheduler", scheduler, "--quiet"
    )
    assert output.startswith(f"dlq: error: pred_probs: {bad}") and message in output


@pytest.mark.parametrize(
    ("names", "message"),
    [("names.bin", "cannot be read as UTF-8 text"), ("missing/names.txt", "no such file")],
)
def test_a_class_names_file_that_cannot_be_read_is_refused_by_name(npy_inputs, scheduler, names, message):
    (npy_inputs / "names.bin").write_bytes(b"\xff\xfecat\n")
    output = refused_scan(npy_inputs, "--class-names", str(npy_inputs / names), "--scheduler", scheduler, "--quiet")
    assert (
        f"--class-names {'file ' if names.endswith('bin') else ''}{npy_inputs / names}" in output and message in output
    )


@pytest.mark.slow
def test_ctrl_c_stops_the_command_in_one_line_and_leaves_nothing(tmp_path):
    """A terminal's Ctrl-C reaches every process of the command: the workers
    ignore it, and the command says it was interrupted, once."""
    import signal
    import subprocess
    import sys

    rng = np.random.default_rng(3)
    np.save(tmp_path / "pred_probs.npy", rng.dirichlet(np.ones(4), 400_000))
    np.save(tmp_path / "labels.npy", rng.integers(0, 4, 400_000))
    command = [sys.executable, "-m", "dlq.cli.command", "scan", "labels.npy", "pred_probs.npy", "--out", "out"]
    running = subprocess.Popen(
        [*command, "--chunk-rows", "100", "--quiet"],
        cwd=tmp_path,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,  # a process group of its own, as a terminal's job
    )
    time.sleep(6)
    os.killpg(running.pid, signal.SIGINT)
    _, stderr = running.communicate(timeout=120)
    assert running.returncode == 130, stderr
    assert stderr == "dlq: interrupted; no output was written\n"
    assert sorted(path.name for path in tmp_path.iterdir()) == ["labels.npy", "pred_probs.npy"]
