"""Side-by-side timing of dlq and cleanlab 2.9 on multi-class issue finding.

Run from the repository root (needs the test extras):

    python tests/benchmarks/bench_multiclass.py --rows 1000000 --classes 100

Every timing is the best of ``--repeat`` runs in this one process, on the same
in-memory float32 arrays; the answers are checked to agree before timing.
"""

from __future__ import annotations

import argparse
import os
import platform
import time

import numpy as np


def make_data(rows: int, classes: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    true = rng.integers(0, classes, rows)
    logits = rng.standard_normal((rows, classes), dtype=np.float32)
    logits[np.arange(rows), true] += 4.0
    np.exp(logits, out=logits)
    logits /= logits.sum(axis=1, keepdims=True)
    labels = np.where(rng.random(rows) < 0.1, rng.integers(0, classes, rows), true)
    return labels, logits


def best_of(repeat: int, run) -> tuple[float, object]:
    times, result = [], None
    for _ in range(repeat):
        start = time.perf_counter()
        result = run()
        times.append(time.perf_counter() - start)
    return min(times), result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--classes", type=int, default=100)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--batch-size", type=int, default=10_000)
    args = parser.parse_args()

    from cleanlab.experimental.label_issues_batched import find_label_issues_batched as cleanlab_find

    import dlq

    labels, pred_probs = make_data(args.rows, args.classes)
    size_mb = pred_probs.nbytes / 2**20
    print(
        f"{args.rows:,} x {args.classes} float32 ({size_mb:,.0f} MiB) in memory; "
        f"{os.cpu_count()} cores; {platform.processor() or platform.machine()}; best of {args.repeat}"
    )

    expected = cleanlab_find(labels, pred_probs, batch_size=args.batch_size, n_jobs=1, verbose=False)
    found = dlq.find_label_issues_batched(labels, pred_probs, batch_size=args.batch_size, verbose=False)
    assert np.array_equal(np.sort(found), expected), "dlq and cleanlab disagree"
    print(f"both find {len(found):,} issues")

    cases = {
        "numpy: one pass over pred_probs (max per row)": lambda: pred_probs.max(axis=1),
        "dask threads: one pass over pred_probs (max per row)": lambda: (
            dlq.io.open_array(pred_probs, name="pred_probs", chunk_rows=args.batch_size)
            .max(axis=1)
            .compute(scheduler="threads")
        ),
        "cleanlab find_label_issues_batched n_jobs=1": lambda: cleanlab_find(
            labels, pred_probs, batch_size=args.batch_size, n_jobs=1, verbose=False
        ),
        f"cleanlab find_label_issues_batched n_jobs={os.cpu_count()}": lambda: cleanlab_find(
            labels, pred_probs, batch_size=args.batch_size, n_jobs=os.cpu_count(), verbose=False
        ),
        "dlq find_label_issues_batched n_jobs=1": lambda: dlq.find_label_issues_batched(
            labels, pred_probs, batch_size=args.batch_size, n_jobs=1, verbose=False
        ),
        "dlq find_label_issues_batched (all cores)": lambda: dlq.find_label_issues_batched(
            labels, pred_probs, batch_size=args.batch_size, verbose=False
        ),
        "dlq scan, 64 MiB chunks (all cores)": lambda: dlq.scan(labels, pred_probs).compute(),
    }
    for name, run in cases.items():
        seconds, _ = best_of(args.repeat, run)
        print(f"{name:<55} {seconds:8.2f} s")


if __name__ == "__main__":
    main()
