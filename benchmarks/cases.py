"""One benchmark measurement per process: data, the measured calls, and the
entry point that times one of them.

``python benchmarks/cases.py CASE DATA_DIR [--n-jobs J]`` loads the inputs
of CASE (not timed), times its first call in the fresh process (what a
script gets: each tool's modules are imported, not yet used) and a second
call (the steady state), saves the answer under ``DATA_DIR/answers`` and
prints one JSON line: both times, peak resident memory of the process (MiB)
and where the answer is. A fresh process per measurement keeps one tool's
caches and memory peak out of the other's figures.
"""

from __future__ import annotations

import argparse
import itertools
import json
import time
import warnings
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import numpy as np
import zarr

#: Rows per stored zarr chunk, and per batch for cleanlab's batched function.
ZARR_CHUNK_ROWS = 10_000
#: The batch size a caller gives both batched functions, in the cases that say so.
CALLERS_BATCH_SIZE = 100_000


def write_multiclass(directory: Path, rows: int, classes: int, *, seed: int = 0) -> None:
    """Softmax-like float32 pred_probs peaked at a true class, 10% of labels
    flipped, as ``.npy`` files and as a zarr array."""
    rng = np.random.default_rng(seed)
    true = rng.integers(0, classes, rows)
    pred_probs = rng.standard_normal((rows, classes), dtype=np.float32)
    pred_probs[np.arange(rows), true] += 4.0
    np.exp(pred_probs, out=pred_probs)
    pred_probs /= pred_probs.sum(axis=1, keepdims=True)
    labels = np.where(rng.random(rows) < 0.1, rng.integers(0, classes, rows), true)
    directory.mkdir(parents=True, exist_ok=True)
    np.save(directory / "labels.npy", labels)
    np.save(directory / "pred_probs.npy", pred_probs)
    zarr.create_array(
        store=str(directory / "pred_probs.zarr"), data=pred_probs, chunks=(ZARR_CHUNK_ROWS, classes), overwrite=True
    )


def write_multilabel(directory: Path, rows: int, classes: int, *, seed: int = 0) -> None:
    """Float64 pred_probs of K independent classes (10% positive), 2% of the
    binary labels flipped; labels stored as compressed rows of class indices."""
    rng = np.random.default_rng(seed)
    truth = rng.random((rows, classes)) < 0.1
    pred_probs = np.where(truth, 0.4 + 0.6 * rng.random(truth.shape), 0.6 * rng.random(truth.shape))
    labels = truth ^ (rng.random(truth.shape) < 0.02)
    directory.mkdir(parents=True, exist_ok=True)
    np.save(directory / "pred_probs.npy", pred_probs)
    np.save(directory / "indptr.npy", np.concatenate([[0], np.cumsum(labels.sum(axis=1))]))
    np.save(directory / "indices.npy", np.nonzero(labels)[1])


class ZarrRows:
    """A zarr array as cleanlab's batched function expects it (a zarr 2 array):
    with ``len``, and converted by numpy in one read. cleanlab reads it in
    batches, then copies the whole of it (``np.copy``) for its last step."""

    def __init__(self, array: Any):
        self.array, self.shape, self.dtype, self.ndim = array, array.shape, array.dtype, array.ndim

    def __len__(self) -> int:
        return self.shape[0]

    def __getitem__(self, item: Any) -> np.ndarray:
        return self.array[item]

    def __array__(self, dtype: Any = None, copy: Any = None) -> np.ndarray:
        return np.asarray(self.array[...], dtype=dtype)


def _multiclass_inputs(directory: Path, source: str) -> tuple[np.ndarray, Any]:
    """The data set, pred_probs in memory or as a zarr array."""
    labels = np.load(directory / "labels.npy")
    if source == "numpy":
        return labels, np.load(directory / "pred_probs.npy")
    return labels, zarr.open_array(str(directory / "pred_probs.zarr"), mode="r")


def _multilabel_inputs(directory: Path) -> tuple[list[list[int]], np.ndarray]:
    indptr, indices = np.load(directory / "indptr.npy"), np.load(directory / "indices.npy")
    labels = [indices[start:stop].tolist() for start, stop in itertools.pairwise(indptr)]
    return labels, np.load(directory / "pred_probs.npy")


def _cleanlab_issues(source: str, batch_size: int | None) -> Callable[[Path, int], Callable[[], np.ndarray]]:
    """cleanlab's batched function, with its default batch size (10,000 rows) or ``batch_size``."""

    def prepare(directory: Path, n_jobs: int) -> Callable[[], np.ndarray]:
        from cleanlab.experimental.label_issues_batched import find_label_issues_batched

        labels, pred_probs = _multiclass_inputs(directory, source)
        if source == "zarr":
            pred_probs = ZarrRows(pred_probs)
        given = {} if batch_size is None else {"batch_size": batch_size}
        return lambda: find_label_issues_batched(labels, pred_probs, n_jobs=n_jobs, verbose=False, **given)

    return prepare


def _dlq_issues(source: str, batch_size: int | None) -> Callable[[Path, int], Callable[[], np.ndarray]]:
    """dlq's batched function, with its default chunks or ``batch_size`` rows a chunk."""

    def prepare(directory: Path, n_jobs: int) -> Callable[[], np.ndarray]:
        import dlq

        labels, pred_probs = _multiclass_inputs(directory, source)
        given = {} if batch_size is None else {"batch_size": batch_size}
        return lambda: dlq.find_label_issues_batched(labels, pred_probs, n_jobs=n_jobs, verbose=False, **given)

    return prepare


def _filter(tool: str) -> Callable[[Path, int], Callable[[], np.ndarray]]:
    """cleanlab.filter.find_label_issues (in memory, its default filter) and dlq's."""

    def prepare(directory: Path, n_jobs: int) -> Callable[[], np.ndarray]:
        if tool == "cleanlab":
            from cleanlab.filter import find_label_issues
        else:
            from dlq import find_label_issues
        labels, pred_probs = _multiclass_inputs(directory, "numpy")
        return lambda: find_label_issues(labels, pred_probs, n_jobs=n_jobs)

    return prepare


def _one_read(source: str) -> Callable[[Path, int], Callable[[], np.ndarray]]:
    """The floor: one plain pass over pred_probs (a sum), as it is stored;
    a zarr array's chunks are read and summed on ``n_jobs`` threads."""

    def prepare(directory: Path, n_jobs: int) -> Callable[[], np.ndarray]:
        _, pred_probs = _multiclass_inputs(directory, source)
        if source == "numpy":
            return lambda: np.asarray(pred_probs.sum(dtype=np.float64))

        def chunk_sum(start: int) -> float:
            return float(pred_probs[start : start + ZARR_CHUNK_ROWS].sum(dtype=np.float64))

        def read_every_chunk() -> np.ndarray:
            with ThreadPoolExecutor(n_jobs) as threads:
                return np.asarray(sum(threads.map(chunk_sum, range(0, pred_probs.shape[0], ZARR_CHUNK_ROWS))))

        return read_every_chunk

    return prepare


_MULTILABEL_OPTIONS = {
    "scores": {},
    "adjusted-scores": {
        "method": "normalized_margin",
        "adjust_pred_probs": True,
        "aggregator_kwargs": {"method": "softmin"},
    },
    "issues": {"low_memory": True},
    "ranked-issues": {"low_memory": True, "return_indices_ranked_by": "self_confidence"},
    "filter": {},
    "ranked-filter": {"return_indices_ranked_by": "self_confidence"},
}


def _multilabel(tool: str, task: str) -> Callable[[Path, int], Callable[[], np.ndarray]]:
    def prepare(directory: Path, n_jobs: int) -> Callable[[], np.ndarray]:
        if tool == "cleanlab":
            from cleanlab.multilabel_classification import filter as issue_module
            from cleanlab.multilabel_classification import rank as score_module
        else:
            import dlq.multilabel as issue_module
            import dlq.multilabel as score_module
        labels, pred_probs = _multilabel_inputs(directory)
        function = score_module.get_label_quality_scores if "scores" in task else issue_module.find_label_issues
        return lambda: function(labels, pred_probs, **_MULTILABEL_OPTIONS[task])

    return prepare


CASES: dict[str, Callable[[Path, int], Callable[[], np.ndarray]]] = {
    "read-numpy": _one_read("numpy"),
    "read-zarr": _one_read("zarr"),
    **{
        f"{tool}-issues-{source}{suffix}": function(source, batch_size)
        for source in ("numpy", "zarr")
        for suffix, batch_size in (("", None), ("-batch", CALLERS_BATCH_SIZE))
        for tool, function in (("cleanlab", _cleanlab_issues), ("dlq", _dlq_issues))
    },
    "cleanlab-filter-numpy": _filter("cleanlab"),
    "dlq-filter-numpy": _filter("dlq"),
    **{
        f"{tool}-multilabel-{task}": _multilabel(tool, task)
        for task in _MULTILABEL_OPTIONS
        for tool in ("cleanlab", "dlq")
    },
}


def peak_resident_mib() -> float:
    """This process's peak resident memory. ``getrusage`` would not do: its
    maximum survives ``exec``, so a child would report its parent's peak."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024  # kB
    raise RuntimeError("no VmHWM in /proc/self/status (peak memory is read the Linux way)")


def measure(case: str, directory: Path, n_jobs: int, answer: Path) -> dict[str, Any]:
    """Time the first and the second call of ``case`` on the data in
    ``directory`` (its tool imported, its inputs loaded); save the answer.
    ``seconds`` is the second call's."""
    run = CASES[case](directory, n_jobs)
    times = []
    for _ in range(2):
        start = time.perf_counter()
        result = run()
        times.append(time.perf_counter() - start)
    np.save(answer, np.asarray(result))
    peak_mib = peak_resident_mib()
    return {
        "case": case,
        "first_seconds": times[0],
        "seconds": times[1],
        "peak_rss_mib": peak_mib,
        "answer": str(answer),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("case", choices=sorted(CASES))
    parser.add_argument("data", type=Path, help="directory of the data set the case reads")
    parser.add_argument("--n-jobs", type=int, default=2)
    parser.add_argument("--answer", type=Path, required=True, help="where to save the answer (.npy)")
    args = parser.parse_args()
    warnings.simplefilter("ignore")  # cleanlab's deprecation notes would clutter the JSON line
    print(json.dumps(measure(args.case, args.data, args.n_jobs, args.answer)))


if __name__ == "__main__":
    main()
