"""Side-by-side timing of dlq.multilabel and cleanlab 2.9's multilabel_classification.

Run from the repository root (needs the test extras):

    python tests/benchmarks/bench_multilabel.py --rows 200000 --classes 50

Every timing is the best of ``--repeat`` runs in this one process, on the same
in-memory arrays (labels as cleanlab's list of class-index lists); the
answers are checked to agree before timing.
"""

from __future__ import annotations

import argparse
import os
import time
import warnings

import numpy as np


def make_data(rows: int, classes: int, seed: int = 0) -> tuple[list[list[int]], np.ndarray]:
    rng = np.random.default_rng(seed)
    truth = rng.random((rows, classes)) < 0.1
    pred_probs = np.where(truth, 0.4 + 0.6 * rng.random(truth.shape), 0.6 * rng.random(truth.shape))
    labels = truth ^ (rng.random(truth.shape) < 0.02)
    return [np.flatnonzero(row).tolist() for row in labels], pred_probs


def best_of(repeat: int, run) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        run()
        times.append(time.perf_counter() - start)
    return min(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=200_000)
    parser.add_argument("--classes", type=int, default=50)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()

    from cleanlab.multilabel_classification import filter as cl_filter
    from cleanlab.multilabel_classification import rank as cl_rank

    import dlq

    warnings.simplefilter("ignore")
    labels, pred_probs = make_data(args.rows, args.classes)
    print(
        f"{args.rows:,} x {args.classes} float64 multi-label, labels as lists; {os.cpu_count()} cores; "
        f"best of {args.repeat}"
    )

    tasks = {
        "scores (self_confidence, EMA)": (
            lambda: cl_rank.get_label_quality_scores(labels, pred_probs),
            lambda: dlq.multilabel.get_label_quality_scores(labels, pred_probs),
        ),
        "adjusted scores (normalized_margin, softmin)": (
            lambda: cl_rank.get_label_quality_scores(
                labels,
                pred_probs,
                method="normalized_margin",
                adjust_pred_probs=True,
                aggregator_kwargs={"method": "softmin"},
            ),
            lambda: dlq.multilabel.get_label_quality_scores(
                labels,
                pred_probs,
                method="normalized_margin",
                adjust_pred_probs=True,
                aggregator_kwargs={"method": "softmin"},
            ),
        ),
        "issues, mask (low_memory=True)": (
            lambda: cl_filter.find_label_issues(labels, pred_probs, low_memory=True),
            lambda: dlq.multilabel.find_label_issues(labels, pred_probs, low_memory=True),
        ),
        "issues ranked by self_confidence (low_memory=True)": (
            lambda: cl_filter.find_label_issues(
                labels, pred_probs, low_memory=True, return_indices_ranked_by="self_confidence"
            ),
            lambda: dlq.multilabel.find_label_issues(
                labels, pred_probs, low_memory=True, return_indices_ranked_by="self_confidence"
            ),
        ),
    }
    print(f"{'':<52} {'cleanlab':>9} {'dlq':>9} {'speed-up':>9}")
    for name, (cleanlab_run, dlq_run) in tasks.items():
        expected, found = cleanlab_run(), dlq_run()
        if found.dtype == bool:
            assert np.array_equal(found, expected), name
        else:
            np.testing.assert_allclose(found, expected, rtol=1e-9, atol=1e-12, err_msg=name)
        cleanlab_seconds = best_of(args.repeat, cleanlab_run)
        dlq_seconds = best_of(args.repeat, dlq_run)
        print(f"{name:<52} {cleanlab_seconds:8.2f}s {dlq_seconds:8.2f}s {cleanlab_seconds / dlq_seconds:8.1f}x")


if __name__ == "__main__":
    main()
