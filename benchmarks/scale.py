"""dlq at scale: time and peak memory against rows and against chunks, in fresh processes.

    python benchmarks/scale.py --data /tmp/dlq-scale              # 1M, 4M and 20M rows x 50 (about half an hour)
    python benchmarks/scale.py --data /tmp/dlq-scale --rows 1000000 4000000 --repeat 1   # a quicker look

Writes each data set once (float32 softmax of N(0, 1) logits with the true
class +2.5, 10% of labels flipped; pred_probs as zarr in chunks of 100,000
rows and as .npy, labels as .npy), then times, each in a fresh process:
one threaded read of the zarr array (the floor), ``dlq.scan(...).to_zarr``,
``dlq.find_label_issues`` and the ``dlq scan`` command on a local cluster of
2 workers x 1 thread with 1 GiB each, whose peak resident memory (RSS) is
polled with that of its workers. On the largest data set, dlq's
``find_label_issues`` from zarr against cleanlab's given the array in memory,
``--repeat`` times each. Then, on the largest data set up to 4M rows, the
same data cut in 10, 100 and 1,000 chunks, from the .npy file. Saves the
tables as ``benchmarks/results/scale.json`` (``--out``), shown in
docs/performance.md.
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
from results_files import save

CLASSES = 50
STORED_CHUNK_ROWS = 100_000
COMMAND = ["--workers", "2", "--threads-per-worker", "1", "--memory-limit", "1GiB", "--quiet"]


def write(directory: Path, rows: int, *, seed: int = 7) -> None:
    """The data set of ``rows`` rows, written a stored chunk at a time."""
    import zarr

    if (directory / "labels.npy").exists():
        return
    directory.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed)
    stored = zarr.create_array(
        store=str(directory / "pred_probs.zarr"), shape=(rows, CLASSES), chunks=(STORED_CHUNK_ROWS, CLASSES), dtype="f4"
    )
    flat = np.lib.format.open_memmap(directory / "pred_probs.npy", mode="w+", dtype="f4", shape=(rows, CLASSES))
    labels = np.empty(rows, np.int64)
    for start in range(0, rows, STORED_CHUNK_ROWS):
        size = min(STORED_CHUNK_ROWS, rows - start)
        true = rng.integers(0, CLASSES, size)
        logits = rng.standard_normal((size, CLASSES), dtype=np.float32)
        logits[np.arange(size), true] += 2.5
        np.exp(logits, out=logits)
        logits /= logits.sum(axis=1, keepdims=True)
        stored[start : start + size] = flat[start : start + size] = logits
        labels[start : start + size] = np.where(rng.random(size) < 0.1, rng.integers(0, CLASSES, size), true)
    flat.flush()
    np.save(directory / "labels.npy", labels)


def peak_rss_mib() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError("no VmHWM in /proc/self/status")


def case(name: str, directory: Path, chunks: int | None) -> dict:
    """One measurement, in this process: seconds and peak RSS (and, for the
    filters, where the issue mask is saved)."""
    import dask.array as da

    import dlq

    labels = np.load(directory / "labels.npy")
    stored = str(directory / "pred_probs.zarr")
    if name == "cleanlab":  # cleanlab's filter is given the whole array in memory (not timed)
        from cleanlab.filter import find_label_issues

        stored = np.load(directory / "pred_probs.npy")
    if chunks is not None:  # cut the .npy file in that many chunks
        flat = np.load(directory / "pred_probs.npy", mmap_mode="r")
        rows = -(-flat.shape[0] // chunks)
        stored = da.from_array(flat, chunks=(rows, CLASSES))
        labels = da.from_array(labels, chunks=rows)
    mask = None
    start = time.perf_counter()
    if name == "read":
        float(da.from_zarr(stored).sum().compute(scheduler="threads"))
    elif name == "scan":
        with tempfile.TemporaryDirectory() as out:
            dlq.scan(labels, stored).to_zarr(Path(out) / "scan.zarr")
    elif name == "filter":
        mask = dlq.find_label_issues(labels, stored)
    elif name == "cleanlab":
        mask = find_label_issues(labels, stored)
    seconds = time.perf_counter() - start
    found = {"seconds": seconds, "rss_mib": peak_rss_mib()}
    if mask is not None and chunks is None:
        answer = directory / f"{name}-mask.npy"
        np.save(answer, np.asarray(mask))
        found["answer"] = str(answer)
    return found


def fresh(name: str, directory: Path, chunks: int | None = None) -> dict:
    """:func:`case` in a fresh process."""
    command = [sys.executable, __file__, "--case", name, "--data", str(directory)]
    if chunks is not None:
        command += ["--chunks", str(chunks)]
    return json.loads(subprocess.run(command, check=True, capture_output=True, text=True).stdout.splitlines()[-1])


def command(directory: Path) -> dict:
    """The ``dlq scan`` command on a local cluster: seconds, and the peak RSS
    of its own process and of its largest worker, polled every 0.2 s."""
    import psutil

    out = directory / "command-out"
    shutil.rmtree(out, ignore_errors=True)
    arguments = [str(directory / "labels.npy"), str(directory / "pred_probs.zarr"), "--out", str(out), *COMMAND]
    start = time.perf_counter()
    process = subprocess.Popen([sys.executable, "-c", "from dlq.cli.command import main; main()", "scan", *arguments])
    main, peaks = psutil.Process(process.pid), {}
    while process.poll() is None:
        try:
            for child in [main, *main.children(recursive=True)]:
                peaks[child.pid] = max(peaks.get(child.pid, 0), child.memory_info().rss)
        except psutil.Error:
            pass
        time.sleep(0.2)
    if process.returncode:
        raise RuntimeError(f"dlq scan exited with {process.returncode}")
    workers = [rss for pid, rss in peaks.items() if pid != process.pid]
    return {
        "seconds": time.perf_counter() - start,
        "rss_mib": peaks.get(process.pid, 0) / 2**20,
        "worker_rss_mib": max(workers, default=0) / 2**20,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", type=Path, required=True, help="directory for the data sets, kept for later runs")
    parser.add_argument("--rows", type=int, nargs="+", default=[1_000_000, 4_000_000, 20_000_000])
    parser.add_argument("--repeat", type=int, default=3, help="runs of each filter on the largest data set")
    parser.add_argument(
        "--out", type=Path, help="a JSON file for the results (by default benchmarks/results/, shown in the docs)"
    )
    parser.add_argument("--case", choices=["read", "scan", "filter", "cleanlab"], help=argparse.SUPPRESS)
    parser.add_argument("--chunks", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.case:
        print(json.dumps(case(args.case, args.data, args.chunks)))
        return
    blocks = [
        f"Data: float32 pred_probs of {CLASSES} classes (a softmax of N(0, 1) logits with the true class +2.5), "
        f"10% of labels flipped; pred_probs as zarr in chunks of {STORED_CHUNK_ROWS:,} rows and as .npy, labels "
        "as .npy. Each measurement in a fresh process, its peak RSS the process's (the labels array included). "
        f"The command: `dlq scan labels.npy pred_probs.zarr --out OUT {' '.join(COMMAND)}` (its class views "
        "included), the peak RSS of its own process and of its largest worker polled every 0.2 s."
    ]
    table = [
        "| rows | one read | `scan().to_zarr` | `find_label_issues` | `dlq scan` | `dlq scan` / `to_zarr` "
        "| its RSS | largest worker RSS |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for rows in args.rows:
        directory = args.data / f"{rows}x{CLASSES}"
        write(directory, rows)
        found = {name: fresh(name, directory) for name in ("read", "scan", "filter")}
        run = command(directory)
        cells = [f"{found[name]['seconds']:.1f} s ({found[name]['rss_mib']:,.0f} MiB)" for name in found]
        table.append(
            f"| {rows:,} | {' | '.join(cells)} | {run['seconds']:.1f} s "
            f"| {run['seconds'] / found['scan']['seconds']:.1f}x "
            f"| {run['rss_mib']:,.0f} MiB | {run['worker_rss_mib']:,.0f} MiB |"
        )
        print(table[-1], flush=True)
    blocks.append("\n".join(table))
    largest = args.data / f"{max(args.rows)}x{CLASSES}"
    blocks += [
        f"dlq's `find_label_issues` from the zarr store against cleanlab 2.9's `cleanlab.filter.find_label_issues` "
        f"given the whole pred_probs in memory (loaded before the clock starts; its default n_jobs), "
        f"{max(args.rows):,} x {CLASSES}, {args.repeat} runs of each, alternating, each in a fresh process:",
        "\n".join(
            [
                "| run | cleanlab | dlq | speed-up | cleanlab RSS | dlq RSS | rows flagged by one tool only |",
                "|---:|---:|---:|---:|---:|---:|---:|",
                *_filter_rows(largest, args.repeat),
            ]
        ),
    ]
    chunked = args.data / f"{max(r for r in args.rows if r <= 4_000_000)}x{CLASSES}"
    table = ["| chunks | `scan().to_zarr` | `find_label_issues` |", "|---:|---:|---:|"]
    for chunks in (10, 100, 1_000):
        found = {name: fresh(name, chunked, chunks) for name in ("scan", "filter")}
        cells = [f"{found[name]['seconds']:.1f} s ({found[name]['rss_mib']:,.0f} MiB)" for name in found]
        table.append(f"| {chunks:,} | {' | '.join(cells)} |")
        print(table[-1], flush=True)
    blocks += [
        f"The {chunked.name} data from the .npy file as a dask array cut in chunks (the RSS includes the pages of "
        "the memory-mapped file):",
        "\n".join(table),
    ]
    text = "\n\n".join(blocks) + "\n"
    print(text)
    save("scale", {"results": text}, args.out)


def _filter_rows(directory: Path, repeat: int) -> list[str]:
    rows = []
    for run in range(1, repeat + 1):
        order = ("cleanlab", "filter") if run % 2 else ("filter", "cleanlab")
        found = {name: fresh(name, directory) for name in order}
        theirs, ours = found["cleanlab"], found["filter"]
        differ = int((np.load(theirs["answer"]) != np.load(ours["answer"])).sum())
        rows.append(
            f"| {run} | {theirs['seconds']:.1f} s | {ours['seconds']:.1f} s "
            f"| {theirs['seconds'] / ours['seconds']:.1f}x "
            f"| {theirs['rss_mib']:,.0f} MiB | {ours['rss_mib']:,.0f} MiB | {differ:,} |"
        )
        print(rows[-1], flush=True)
    return rows


if __name__ == "__main__":
    main()
