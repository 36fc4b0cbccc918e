"""The multi-label chunk kernels alone, against one read of the chunk.

``python benchmarks/kernels.py`` writes the benchmark's multi-label data set
(200,000 x 50 float64, labels as lists of class indices; ``cases.py``) to a
temporary directory and times, on its first chunk of 50,000 rows (the chunk
dlq makes of it), each piece of work the multi-label calls do per chunk, and
the one read of the labels' lists per call: the lowest of 15 runs each, in
milliseconds. Beside the other thread, in a call, each takes longer.
"""

from __future__ import annotations

import itertools
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
from cases import write_multilabel

from dlq.io.class_lists import class_lists_to_rows
from dlq.kernels import onevsrest, pruning, subblocks
from dlq.kernels.problems import ONE_VS_REST
from dlq.multilabel import aggregators

CHUNK_ROWS = 50_000


def fastest(work: Callable[[], object], repeat: int = 15) -> float:
    """The lowest of ``repeat`` timings of ``work()``, in milliseconds."""
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        work()
        times.append(time.perf_counter() - start)
    return 1000 * min(times)


def main() -> None:
    with tempfile.TemporaryDirectory(prefix="dlq-kernels-") as directory:
        write_multilabel(Path(directory), 200_000, 50)
        indptr, indices = (np.load(Path(directory) / name) for name in ("indptr.npy", "indices.npy"))
        pred_probs = np.load(Path(directory) / "pred_probs.npy")
    lists = [indices[start:stop].tolist() for start, stop in itertools.pairwise(indptr)]
    rows = class_lists_to_rows(lists, pred_probs.shape[1])
    chunk = slice(0, CHUNK_ROWS)
    labels, probs = rows[chunk, slice(None)], pred_probs[chunk]
    thresholds = np.stack([np.full(50, 0.8), np.full(50, 0.75)])
    pieces = {
        "one read (sum) of the chunk": lambda: probs.sum(),
        "labels: 200,000 lists to compressed rows (once a call)": lambda: class_lists_to_rows(lists, 50),
        "dense labels of the chunk": lambda: rows[chunk, slice(None)],
        "checks (invalid rows)": lambda: onevsrest.invalid_rows(labels, probs, 0),
        "scores with the moving average (cleanlab's default)": lambda: subblocks.aggregated_scores(
            labels, probs, method="self_confidence", thresholds=None, aggregate=aggregators.CLEANLAB_DEFAULT
        ),
        "  of which a sort of each row": lambda: [
            np.sort(probs[block], axis=1) for block in subblocks.sub_blocks(*probs.shape)
        ],
        "pass 1: threshold partials": lambda: onevsrest.threshold_partials(labels, probs, 0),
        "adjusted scores (normalized margin, softmin)": lambda: subblocks.aggregated_scores(
            labels, probs, method="normalized_margin", thresholds=thresholds, aggregate=aggregators.softmin
        ),
        "low_memory pass 2 (candidates, issue counts, histogram)": lambda: subblocks.batched_pass(
            labels, probs, 0, thresholds, "self_confidence", None, None, None
        ),
        "filter: joint and levels (prune_by_noise_rate)": lambda: ONE_VS_REST.joint_counts_and_levels(
            labels, probs, thresholds, pruning.LevelsOf(off_diagonal=True, diagonal=False)
        ),
    }
    print(f"per chunk of {CHUNK_ROWS:,} x 50 float64, alone (lowest of 15, ms):")
    for name, work in pieces.items():
        print(f"  {name:58s} {fastest(work):7.2f}")


if __name__ == "__main__":
    main()
