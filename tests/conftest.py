"""Shared data sets and oracle helpers for dlq's tests."""

from __future__ import annotations

import contextlib
import functools
import socket
import subprocess
import sys
import time

import dask
import numpy as np
import pytest


@pytest.fixture(autouse=True)
def _small_chunks_kept():
    """The tests cut small data sets into small chunks on purpose, to
    exercise many chunks; by default dlq joins a dask array's small chunks
    (see ``dlq.io.arrays.open_array``), as the tests that say so check."""
    with dask.config.set({"dlq.join-small-chunks": False}):
        yield


@pytest.fixture(scope="module")
def scheduler():
    """The address of an in-process cluster of one worker with two threads:
    the command runs on it without starting processes of its own."""
    from distributed import LocalCluster

    with LocalCluster(n_workers=1, threads_per_worker=2, processes=False, dashboard_address=None) as cluster:
        yield cluster.scheduler_address


#: What a scan's output directory holds.
PUBLISHED = [".dlq-output.json", "issues.parquet", "report.html", "scores.zarr", "summary.json"]


@pytest.fixture
def npy_inputs(tmp_path):
    """A folder holding labels.npy (3,000 rows) and pred_probs.npy (3 classes) of noisy data."""
    labels, pred_probs = noisy_classification(3000, 3, seed=21)
    np.save(tmp_path / "labels.npy", labels)
    np.save(tmp_path / "pred_probs.npy", pred_probs)
    return tmp_path


def noisy_classification(
    n_rows: int,
    n_classes: int,
    *,
    seed: int,
    noise: float = 0.2,
    dtype: type = np.float64,
    absent_class: int | None = None,
    concentration: float = 0.3,
) -> tuple[np.ndarray, np.ndarray]:
    """Random pred_probs peaked at a true class, and labels flipped with probability ``noise``."""
    rng = np.random.default_rng(seed)
    true = rng.integers(0, n_classes, n_rows)
    alpha = np.full((n_rows, n_classes), concentration)
    alpha[np.arange(n_rows), true] += 3.0
    pred_probs = rng.gamma(alpha)
    pred_probs /= pred_probs.sum(axis=1, keepdims=True)
    labels = np.where(rng.random(n_rows) < noise, rng.integers(0, n_classes, n_rows), true)
    if absent_class is not None:
        labels = np.where(labels == absent_class, (absent_class + 1) % n_classes, labels)
    return labels.astype(np.int64), pred_probs.astype(dtype)


def out_of_fold(dataset: str, *, seed: int = 0, noise: float = 0.1) -> tuple[np.ndarray, np.ndarray]:
    """Real pred_probs: out-of-fold predict_proba of a scikit-learn model on a
    data set scikit-learn ships, with labels flipped at random places."""
    from sklearn import datasets
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import cross_val_predict
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    loader = {"digits": datasets.load_digits, "wine": datasets.load_wine, "iris": datasets.load_iris}[dataset]
    features, target = loader(return_X_y=True)
    rng = np.random.default_rng(seed)
    flip = rng.random(target.shape[0]) < noise
    n_classes = int(target.max()) + 1
    labels = np.where(flip, (target + rng.integers(1, n_classes, target.shape[0])) % n_classes, target)
    model = make_pipeline(StandardScaler(), LogisticRegression(max_iter=2000))
    pred_probs = cross_val_predict(model, features, labels, cv=5, method="predict_proba")
    return labels.astype(np.int64), pred_probs


def noisy_multilabel(n_rows, n_classes, *, seed, dtype=np.float64, never=None, always=None, noise=0.1):
    """Probabilities that separate each class, and labels with a fraction ``noise`` of entries flipped."""
    rng = np.random.default_rng(seed)
    truth = rng.random((n_rows, n_classes)) < 0.3
    pred_probs = np.where(truth, 0.4 + 0.6 * rng.random(truth.shape), 0.6 * rng.random(truth.shape))
    labels = truth ^ (rng.random(truth.shape) < noise)
    if never is not None:
        labels[:, never] = False
    if always is not None:
        labels[:, always] = True
    return labels, pred_probs.astype(dtype)


def multilabel_case(seed: int, n_rows: int = 2_000, n_classes: int = 5):
    """Binary labels (5% of entries flipped) and pred_probs of ``noisy_multilabel``;
    with an odd seed, class 1 is given to no example."""
    return noisy_multilabel(n_rows, n_classes, seed=seed, noise=0.05, never=1 if seed % 2 else None)


def as_lists(binary):
    return [np.flatnonzero(row).tolist() for row in binary]


def multilabel_digits(seed=0):
    """A real multi-label task from scikit-learn's digits: is the digit even,
    greater than 4, prime, a multiple of 3, round (0, 6, 8, 9)? Out-of-fold
    probabilities of one logistic regression per attribute; 5% of the
    attribute labels flipped. Fitted once per seed; each call gets copies."""
    labels, pred_probs = _multilabel_digits(seed)
    return labels.copy(), pred_probs.copy()


@functools.cache
def _multilabel_digits(seed):
    from sklearn.datasets import load_digits
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import cross_val_predict
    from sklearn.multiclass import OneVsRestClassifier
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    features, digit = load_digits(return_X_y=True)
    truth = np.column_stack(
        [digit % 2 == 0, digit > 4, np.isin(digit, [2, 3, 5, 7]), digit % 3 == 0, np.isin(digit, [0, 6, 8, 9])]
    )
    rng = np.random.default_rng(seed)
    labels = (truth ^ (rng.random(truth.shape) < 0.05)).astype(int)
    model = make_pipeline(StandardScaler(), OneVsRestClassifier(LogisticRegression(max_iter=2000)))
    pred_probs = cross_val_predict(model, features, labels, cv=5, method="predict_proba")
    return labels, pred_probs


class CountingReader:
    """An array-like that counts how many times its rows are read, and which."""

    def __init__(self, array):
        self.array, self.shape, self.dtype, self.ndim = array, array.shape, array.dtype, array.ndim
        self.reads = 0
        self.rows_read = []

    def __getitem__(self, item):
        self.reads += 1
        rows = item[0] if isinstance(item, tuple) else item
        self.rows_read.append((rows.start, rows.stop) if isinstance(rows, slice) else rows)
        return self.array[item]


@pytest.fixture(scope="session")
def real_data() -> dict[str, tuple[np.ndarray, np.ndarray]]:
    return {name: out_of_fold(name) for name in ("digits", "wine", "iris")}


def assert_same_issues(ours: np.ndarray, theirs: np.ndarray, scores: np.ndarray) -> None:
    """``ours`` must hold cleanlab's issues, ranked by (score, index).

    cleanlab breaks ties at the cut-off arbitrarily (an unstable argsort), so
    the two sets may differ only in examples whose score equals the cut-off.
    """
    assert theirs.size > 0, "cleanlab finds no issues here: the comparison would hold for any answer"
    assert np.all(np.diff(scores[ours]) >= 0), "issues are not sorted by score"
    tied = scores[ours[:-1]] == scores[ours[1:]]
    assert np.all(np.diff(ours)[tied] > 0), "ties are not broken by the lower index"
    different = np.setxor1d(ours, theirs)
    if different.size:
        cutoff = max(scores[ours].max(initial=-np.inf), scores[theirs].max(initial=-np.inf))
        assert np.all(scores[different] == cutoff), f"issue sets differ below the cut-off: {different[:10]}"


def patch_everywhere(monkeypatch, function, replacement) -> None:
    """Put ``replacement`` in the place of ``function`` in every module of dlq
    that holds it: its own, and each that imported it by name (patching one
    of them alone would miss the calls made through another)."""
    places = [
        (module, name)
        for module_name, module in list(sys.modules.items())
        if module_name == "dlq" or module_name.startswith("dlq.")
        for name, value in list(vars(module).items())
        if value is function
    ]
    assert places, f"no module of dlq holds {function.__module__}.{function.__qualname__}"
    for module, name in places:
        monkeypatch.setattr(module, name, replacement)


def counted_calls(monkeypatch, function) -> list:
    """A list that gets an entry at every call of ``function`` from now on,
    however dlq reaches it (see :func:`patch_everywhere`)."""
    calls = []

    @functools.wraps(function)
    def counting(*args, **kwargs):
        calls.append(None)
        return function(*args, **kwargs)

    patch_everywhere(monkeypatch, function, counting)
    return calls


def invoke_scan(*arguments):
    """``dlq scan ARGUMENTS``, each argument made a string, run in this
    process by click's test runner: its result."""
    from click.testing import CliRunner

    from dlq.cli.command import main

    return CliRunner().invoke(main, ["scan", *map(str, arguments)])


def quiet_scan(labels, pred_probs, out, *extra, scheduler=None):
    """``dlq scan LABELS PRED_PROBS --out OUT --quiet``, on ``scheduler`` if
    one is given, with the ``extra`` options (see :func:`invoke_scan`)."""
    on_scheduler = ("--scheduler", scheduler) if scheduler else ()
    return invoke_scan(labels, pred_probs, "--out", out, "--quiet", *on_scheduler, *extra)


def one_line_error(result) -> str:
    """The one line of a command refused with exit code 2, as its users see it."""
    assert result.exit_code == 2, result.output
    assert result.output.startswith("dlq: error: ") and result.output.strip().count("\n") == 0, result.output
    return result.output.strip()


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def stop(process: subprocess.Popen) -> None:
    """End a process this test started: asked first, killed if it does not end in 20 s."""
    process.terminate()
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        process.kill()


@contextlib.contextmanager
def s3_server(bucket: str, arrays: dict[str, np.ndarray], rows: int):
    """A moto S3 server on loopback, until the block ends, whose ``bucket``
    holds each of ``arrays`` as the zarr store ``s3://BUCKET/NAME.zarr`` in
    chunks of ``rows`` rows: the fsspec storage options that reach it."""
    import s3fs
    import zarr

    port = free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    options = {"key": "testing", "secret": "testing", "client_kwargs": {"endpoint_url": f"http://127.0.0.1:{port}"}}
    try:
        filesystem = s3fs.S3FileSystem(**options)
        deadline = time.monotonic() + 60
        while True:  # until the server answers
            try:
                filesystem.ls("")
                break
            except Exception:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.1)
        filesystem.mkdir(bucket)
        for name, array in arrays.items():
            stored = zarr.create_array(
                store=f"s3://{bucket}/{name}.zarr",
                shape=array.shape,
                dtype=array.dtype,
                chunks=(rows, *array.shape[1:]),
                storage_options=options,
            )
            stored[...] = array
        yield options
    finally:
        stop(server)
