"""Scale-out for real: the dlq command against a cluster started with the
``dask scheduler`` and ``dask worker`` commands, and data read over the S3
protocol from a server on loopback."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pyarrow.parquet as pq
import pytest
import zarr
from conftest import free_port, noisy_classification, s3_server, stop

import dlq

pytestmark = pytest.mark.slow  # every test here starts processes or a cluster


@pytest.fixture(scope="module")
def data():
    labels, pred_probs = noisy_classification(4000, 6, seed=41, dtype=np.float32)
    return SimpleNamespace(labels=labels, pred_probs=pred_probs)


DLQ = [sys.executable, "-m", "dlq.cli.command"]


def wait_for(condition, seconds=60.0):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.2)
    raise TimeoutError("the service did not come up in time")


@pytest.fixture(scope="module")
def cluster(tmp_path_factory):
    """A scheduler and a 2-process worker started by the dask commands on loopback."""
    from distributed import Client

    folder = tmp_path_factory.mktemp("cluster")
    address = f"tcp://127.0.0.1:{free_port()}"
    scheduler_file = folder / "scheduler.json"
    dask = str(Path(sys.executable).parent / "dask")  # the dask command of this environment
    scheduler = subprocess.Popen(
        [
            dask,
            "scheduler",
            "--host",
            "127.0.0.1",
            "--port",
            address.rsplit(":", 1)[1],
            "--dashboard-address",
            ":0",
            "--scheduler-file",
            str(scheduler_file),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    worker = subprocess.Popen(
        [
            dask,
            "worker",
            address,
            "--nworkers",
            "2",
            "--nthreads",
            "1",
            "--host",
            "127.0.0.1",
            "--no-dashboard",
            "--memory-limit",
            "2GiB",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        wait_for(scheduler_file.exists)
        with Client(address, timeout=60) as client:
            client.wait_for_workers(2, timeout=60)
        yield address, scheduler_file
    finally:
        stop(worker)
        stop(scheduler)


@pytest.fixture(scope="module")
def arrays(data, tmp_path_factory):
    folder = tmp_path_factory.mktemp("arrays")
    for name, array in (("labels", data.labels), ("pred_probs", data.pred_probs)):
        zarr.create_array(store=str(folder / f"{name}.zarr"), data=array, chunks=(900, *array.shape[1:]))
    return folder


@pytest.fixture(scope="module")
def expected_issues(data) -> list[int]:
    return dlq.find_label_issues_batched(data.labels, data.pred_probs, verbose=False).tolist()


def run_dlq(*arguments: str, env: dict | None = None) -> subprocess.CompletedProcess:
    result = subprocess.run([*DLQ, *arguments], capture_output=True, text=True, env=env, timeout=300)
    assert result.returncode == 0, result.stderr
    return result


@pytest.mark.parametrize("how", ["--scheduler", "DASK_SCHEDULER_ADDRESS", "--scheduler-file"])
def test_scan_on_a_cluster_started_by_the_dask_commands(cluster, arrays, expected_issues, tmp_path, how):
    from distributed import Client

    address, scheduler_file = cluster
    out = tmp_path / "out"
    command = ["scan", str(arrays / "labels.zarr"), str(arrays / "pred_probs.zarr"), "--out", str(out)]
    env = dict(os.environ)
    if how == "--scheduler":
        command += ["--scheduler", address]
    elif how == "--scheduler-file":
        command += ["--scheduler-file", str(scheduler_file)]
    else:
        env["DASK_SCHEDULER_ADDRESS"] = address
    result = run_dlq(*command, env=env)
    assert f"connected to {address}" in result.stderr
    assert pq.read_table(out / "issues.parquet")["index"].to_pylist() == expected_issues
    with Client(address, timeout=30) as client:  # the cluster is left running
        assert len(client.scheduler_info(n_workers=-1)["workers"]) == 2


@pytest.fixture(scope="module")
def s3(data, tmp_path_factory):
    """A moto S3 server on loopback holding the arrays as zarr stores."""
    credentials = {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_DEFAULT_REGION": "us-east-1",
    }
    with s3_server("labels-bucket", {"labels": data.labels, "pred_probs": data.pred_probs}, 900) as options:
        yield {**credentials, "FSSPEC_S3_ENDPOINT_URL": options["client_kwargs"]["endpoint_url"]}, options


def test_scan_reads_zarr_over_s3(s3, expected_issues, tmp_path):
    environment, _ = s3
    out = tmp_path / "out"
    run_dlq(
        "scan",
        "s3://labels-bucket/labels.zarr",
        "s3://labels-bucket/pred_probs.zarr",
        "--out",
        str(out),
        "--workers",
        "1",
        "--threads-per-worker",
        "2",
        "--quiet",
        env={**os.environ, **environment},
    )
    assert pq.read_table(out / "issues.parquet")["index"].to_pylist() == expected_issues


def test_library_reads_zarr_arrays_over_s3(s3, expected_issues):
    _, options = s3
    labels = zarr.open_array("s3://labels-bucket/labels.zarr", mode="r", storage_options=options)
    pred_probs = zarr.open_array("s3://labels-bucket/pred_probs.zarr", mode="r", storage_options=options)
    assert dlq.scan(labels, pred_probs).compute().issues.tolist() == expected_issues


def test_scan_on_a_tls_secured_cluster(data, arrays, expected_issues, tmp_path):
    """The API on a client with dask's Security, and the command through dask's
    TLS configuration (certificate files named in DASK_DISTRIBUTED__COMM__TLS__*)."""
    from distributed import Client, LocalCluster
    from distributed.security import Security

    security = Security.temporary()
    files = {}
    for name in ("tls_ca_file", "tls_client_cert", "tls_client_key"):
        files[name] = tmp_path / f"{name}.pem"
        files[name].write_text(getattr(security, name))
    with (
        LocalCluster(
            n_workers=1, threads_per_worker=2, processes=False, security=security, dashboard_address=None
        ) as cluster,
        Client(cluster, security=security) as client,
    ):
        assert cluster.scheduler_address.startswith("tls://")
        assert client.submit(sum, [1, 2]).result() == 3
        assert dlq.scan(data.labels, data.pred_probs).compute().issues.tolist() == expected_issues
        environment = {
            **os.environ,
            "DASK_DISTRIBUTED__COMM__TLS__CA_FILE": str(files["tls_ca_file"]),
            "DASK_DISTRIBUTED__COMM__TLS__CLIENT__CERT": str(files["tls_client_cert"]),
            "DASK_DISTRIBUTED__COMM__TLS__CLIENT__KEY": str(files["tls_client_key"]),
        }
        out = tmp_path / "out"
        run_dlq(
            "scan",
            str(arrays / "labels.zarr"),
            str(arrays / "pred_probs.zarr"),
            "--out",
            str(out),
            "--scheduler",
            cluster.scheduler_address,
            "--quiet",
            env=environment,
        )
    assert pq.read_table(out / "issues.parquet")["index"].to_pylist() == expected_issues
