"""dlq against cleanlab 2.9, side by side in one run on the same data.

    python benchmarks/run.py                      # the full run (about 12 minutes on 2 cores)
    python benchmarks/run.py --rows 100000 --ml-rows 20000 --repeat 1   # a quick look

Writes the data sets once, then runs every measurement in a fresh process
(see ``cases.py``), alternating dlq and cleanlab, and prints Markdown tables
of median seconds, speed-ups and peak resident memory (RSS) of each process:
the first call in the process (what a script gets) and the second (the
steady state, the figure of the tables that show one). "One read" is the
floor: a plain pass over pred_probs as stored (a numpy sum in memory; every
zarr chunk read and summed, on all cores). The answers of both tools are
compared before any figure is printed.

The tables are saved as ``benchmarks/results/run.json`` (``--out``), shown
in docs/performance.md; a headline table made from the same measurements
is shown in README.md (see ``results_files.py``).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).parent))
from cases import CALLERS_BATCH_SIZE, ZARR_CHUNK_ROWS, write_multiclass, write_multilabel
from results_files import save

CORES = os.cpu_count() or 1
#: The data set of scale 1 (named by the scales given) and the small one.
BASE, SMALL = "base", "mc-small"
#: The batched cases: input and batches, and their data set.
BATCHED = [
    ("numpy", BASE),
    ("numpy-batch", BASE),
    ("zarr", BASE),
    ("zarr-batch", BASE),
    ("numpy", SMALL),
]
MULTILABEL_TASKS = {
    "scores": "scores (self_confidence, EMA)",
    "adjusted-scores": "adjusted scores (normalized_margin, softmin)",
    "issues": "issues as a mask (`low_memory=True`)",
    "ranked-issues": "issues ranked by self_confidence (`low_memory=True`)",
    "filter": "issues as a mask (prune_by_noise_rate, in memory: cleanlab's default)",
    "ranked-filter": "issues ranked by self_confidence (prune_by_noise_rate, in memory)",
}


class Runner:
    """Runs cases in fresh processes and keeps every measurement."""

    def __init__(self, directory: Path):
        self.directory = directory
        self.results: dict[tuple[str, str, int], list[dict]] = {}

    def run(self, case: str, data: str, n_jobs: int) -> dict:
        answer = self.directory / "answers" / f"{case}-{data}-{n_jobs}.npy"
        answer.parent.mkdir(exist_ok=True)
        command = [sys.executable, str(Path(__file__).with_name("cases.py")), case, str(self.directory / data)]
        output = subprocess.run(
            [*command, "--n-jobs", str(n_jobs), "--answer", str(answer)], check=True, capture_output=True, text=True
        ).stdout
        measured = json.loads(output.strip().splitlines()[-1])
        self.results.setdefault((case, data, n_jobs), []).append(measured)
        print(f"  {case:<34} {data:<6} n_jobs={n_jobs}  {measured['seconds']:7.2f} s", file=sys.stderr)
        return measured

    def pairs(self, pairs: list[tuple[tuple[str, str, int], tuple[str, str, int]]], repeat: int) -> None:
        """Each pair measured ``repeat`` times, the order swapped every time."""
        for round_ in range(repeat):
            for first, second in pairs:
                for case in (first, second) if round_ % 2 == 0 else (second, first):
                    self.run(*case)

    def seconds(self, case: str, data: str, n_jobs: int, call: str = "seconds") -> float:
        """The median of the second calls (``call="first_seconds"``: of the first)."""
        return statistics.median(m[call] for m in self.results[(case, data, n_jobs)])

    def rss(self, case: str, data: str, n_jobs: int) -> float:
        return max(m["peak_rss_mib"] for m in self.results[(case, data, n_jobs)])

    def answer(self, case: str, data: str, n_jobs: int) -> np.ndarray:
        return np.load(self.results[(case, data, n_jobs)][0]["answer"])


def same_answer(theirs: np.ndarray, ours: np.ndarray) -> str:
    """'same' when dlq's answer is cleanlab's (issue indices compared as sets)."""
    if theirs.dtype.kind == "f":
        return "same" if np.allclose(theirs, ours, rtol=1e-9, atol=1e-12) else "DIFFERENT"
    if theirs.dtype == bool:
        return "same" if np.array_equal(theirs, ours) else "DIFFERENT"
    return "same" if np.array_equal(np.sort(theirs), np.sort(ours)) else "DIFFERENT"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=1_000_000, help="multi-class rows at scale 1")
    parser.add_argument("--classes", type=int, default=100)
    parser.add_argument("--ml-rows", type=int, default=200_000, help="multi-label rows")
    parser.add_argument("--ml-classes", type=int, default=50)
    parser.add_argument("--scales", type=int, nargs="+", default=[1, 2, 4], help="row multiples for scaling")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--data", type=Path, help="directory for the data sets, kept (by default a temporary one)")
    parser.add_argument(
        "--out", type=Path, help="a JSON file for the results (by default benchmarks/results/, shown in the docs)"
    )
    args = parser.parse_args()
    if args.data:
        benchmark(args, args.data)
    else:
        with tempfile.TemporaryDirectory(prefix="dlq-benchmark-") as directory:
            benchmark(args, Path(directory))


def benchmark(args: argparse.Namespace, directory: Path) -> None:
    print(f"writing data sets to {directory}", file=sys.stderr)
    for scale in args.scales:
        write_multiclass(directory / f"mc-{scale}", args.rows * scale, args.classes)
    write_multilabel(directory / "ml", args.ml_rows, args.ml_classes)
    write_multiclass(directory / SMALL, 10_000, 10)
    runner = Runner(directory)
    base = f"mc-{args.scales[0]}"
    batched = [(kind, base if data == BASE else data) for kind, data in BATCHED]

    runner.pairs(
        [
            *(((f"cleanlab-issues-{kind}", data, 1), (f"dlq-issues-{kind}", data, CORES)) for kind, data in batched),
            (("read-numpy", base, 1), ("read-zarr", base, CORES)),
            (("cleanlab-filter-numpy", base, CORES), ("dlq-filter-numpy", base, CORES)),
            *(
                (("cleanlab-multilabel-" + task, "ml", 1), ("dlq-multilabel-" + task, "ml", CORES))
                for task in MULTILABEL_TASKS
            ),
        ],
        args.repeat,
    )
    scaling = [(("cleanlab-issues-zarr", f"mc-{s}", 1), ("dlq-issues-zarr", f"mc-{s}", 1)) for s in args.scales]
    scaling += [(("dlq-issues-zarr", f"mc-{s}", CORES), ("read-zarr", f"mc-{s}", CORES)) for s in args.scales[1:]]
    runner.pairs(scaling, args.repeat)

    pairs = [(f"issues-{kind}", data) for kind, data in batched] + [("filter-numpy", base)]
    pairs += [("multilabel-" + task, "ml") for task in MULTILABEL_TASKS]
    pairs += [("issues-zarr", f"mc-{s}") for s in args.scales]
    for task, data in pairs:
        theirs = 1 if (f"cleanlab-{task}", data, 1) in runner.results else CORES
        ours = CORES if (f"dlq-{task}", data, CORES) in runner.results else 1
        verdict = same_answer(runner.answer(f"cleanlab-{task}", data, theirs), runner.answer(f"dlq-{task}", data, ours))
        if verdict != "same":
            sys.exit(f"dlq and cleanlab disagree on {task} ({data}); no figures printed")

    n_issues = runner.answer("dlq-issues-numpy", base, CORES).shape[0]
    tables = [
        f"Median of {args.repeat}, each measurement in a fresh process; "
        f"peak RSS is the process's, data loading included. cleanlab's batched function with n_jobs=1 (its "
        f"default), dlq with all cores; zarr chunks and cleanlab batches of {ZARR_CHUNK_ROWS:,} rows (its "
        "default) unless a batch size is given. Both tools gave the same answers.",
    ]
    tables += table(
        f"Multi-class batched issue finding, first and second call in a fresh process, {args.rows:,} x "
        f"{args.classes} float32 (and 10,000 x 10): with each tool's default batches, and with "
        f"batch_size={CALLERS_BATCH_SIZE:,} given to both",
        [
            "input",
            "batches",
            "one read",
            "cleanlab first",
            "cleanlab second",
            "dlq first",
            "dlq second",
            "speed-up first / second",
            "dlq / one read, first / second",
        ],
        [first_and_second_row(runner, kind, data) for kind, data in batched],
    )
    tables += table(
        f"Multi-class issue finding, {args.rows:,} x {args.classes} float32, {n_issues:,} issues",
        ["input", "one read", "cleanlab", "dlq", "speed-up", "dlq / one read", "cleanlab RSS", "dlq RSS"],
        [multiclass_row(runner, source, base) for source in ("numpy", "zarr")],
    )
    theirs, ours = (runner.seconds(f"{tool}-filter-numpy", base, CORES) for tool in ("cleanlab", "dlq"))
    tables += table(
        f"cleanlab.filter.find_label_issues (prune_by_noise_rate, in memory, n_jobs={CORES} processes, its default; "
        f"RSS of its main process only) and dlq.find_label_issues, {args.rows:,} x {args.classes} float32 from numpy",
        ["cleanlab", "dlq", "speed-up", "cleanlab RSS", "dlq RSS"],
        [
            [
                *seconds(theirs, ours),
                f"{theirs / ours:.1f}x",
                *mib(*(runner.rss(f"{tool}-filter-numpy", base, CORES) for tool in ("cleanlab", "dlq"))),
            ]
        ],
    )
    tables += table(
        f"Multi-label, {args.ml_rows:,} x {args.ml_classes} float64, labels as lists (cleanlab's in-memory filter "
        f"with its default n_jobs={CORES} processes)",
        [
            "task",
            "cleanlab first",
            "cleanlab second",
            "dlq first",
            "dlq second",
            "speed-up first / second",
            "cleanlab RSS",
            "dlq RSS",
        ],
        [multilabel_row(runner, f"multilabel-{task}", name) for task, name in MULTILABEL_TASKS.items()],
    )
    tables += table(
        f"Scaling: multi-class issue finding from zarr, {args.classes} classes",
        ["rows", "one read", "cleanlab", "dlq, 1 thread", "dlq, all cores", "cleanlab RSS", "dlq RSS"],
        [
            [
                f"{args.rows * scale:,}",
                *seconds(
                    runner.seconds("read-zarr", f"mc-{scale}", CORES),
                    runner.seconds("cleanlab-issues-zarr", f"mc-{scale}", 1),
                    runner.seconds("dlq-issues-zarr", f"mc-{scale}", 1),
                    runner.seconds("dlq-issues-zarr", f"mc-{scale}", CORES),
                ),
                *mib(
                    runner.rss("cleanlab-issues-zarr", f"mc-{scale}", 1),
                    runner.rss("dlq-issues-zarr", f"mc-{scale}", CORES),
                ),
            ]
            for scale in args.scales
        ],
    )
    text = "\n\n".join(tables) + "\n"
    print("\n" + text)
    save("run", {"results": text, "headline": headline(runner, args)}, args.out)


def headline(runner: Runner, args: argparse.Namespace) -> str:
    """A few figures for README, from the same measurements as the tables."""
    base = f"mc-{args.scales[0]}"
    rows = []
    for source in ("numpy", "zarr"):
        read = runner.seconds(f"read-{source}", base, 1 if source == "numpy" else CORES)
        theirs = runner.seconds(f"cleanlab-issues-{source}", base, 1, "first_seconds")
        ours = runner.seconds(f"dlq-issues-{source}", base, CORES, "first_seconds")
        rows.append(
            [
                f"multi-class issues from {source}, {args.rows:,} x {args.classes}, first call",
                f"{theirs:.2f} s",
                f"{ours:.2f} s",
                f"{theirs / ours:.1f}x",
                f"{ours / read:.1f}x",
            ]
        )
    theirs, ours = (
        runner.seconds(f"{tool}-multilabel-filter", "ml", CORES if tool == "dlq" else 1) for tool in ("cleanlab", "dlq")
    )
    rows.append(
        [
            f"multi-label issues, in-memory filter, {args.ml_rows:,} x {args.ml_classes}, second call",
            f"{theirs:.2f} s",
            f"{ours:.2f} s",
            f"{theirs / ours:.1f}x",
            "",
        ]
    )
    return table(
        f"Median of {args.repeat} runs, each in a fresh process",
        ["task", "cleanlab 2.9", "dlq", "speed-up", "dlq / one read"],
        rows,
    )[0]


def first_and_second_row(runner: Runner, kind: str, data: str) -> list[str]:
    source = kind.split("-")[0]
    theirs = [runner.seconds(f"cleanlab-issues-{kind}", data, 1, call) for call in ("first_seconds", "seconds")]
    ours = [runner.seconds(f"dlq-issues-{kind}", data, CORES, call) for call in ("first_seconds", "seconds")]
    read = runner.seconds(f"read-{source}", data, 1 if source == "numpy" else CORES) if data != SMALL else None
    return [
        source + (" (10,000 x 10)" if data == SMALL else ""),
        f"{CALLERS_BATCH_SIZE:,}" if kind.endswith("-batch") else "defaults",
        "" if read is None else f"{read:.2f} s",
        *(f"{value:.3f} s" for value in (*theirs, *ours)),
        f"{theirs[0] / ours[0]:.1f}x / {theirs[1] / ours[1]:.1f}x",
        "" if read is None else f"{ours[0] / read:.1f}x / {ours[1] / read:.1f}x",
    ]


def multilabel_row(runner: Runner, task: str, name: str) -> list[str]:
    calls = ("first_seconds", "seconds")
    theirs = [runner.seconds(f"cleanlab-{task}", "ml", 1, call) for call in calls]
    ours = [runner.seconds(f"dlq-{task}", "ml", CORES, call) for call in calls]
    return [
        name,
        *seconds(*theirs, *ours),
        f"{theirs[0] / ours[0]:.1f}x / {theirs[1] / ours[1]:.1f}x",
        *mib(runner.rss(f"cleanlab-{task}", "ml", 1), runner.rss(f"dlq-{task}", "ml", CORES)),
    ]


def multiclass_row(runner: Runner, source: str, data: str) -> list[str]:
    read = runner.seconds(f"read-{source}", data, 1 if source == "numpy" else CORES)
    theirs = runner.seconds(f"cleanlab-issues-{source}", data, 1)
    ours = runner.seconds(f"dlq-issues-{source}", data, CORES)
    return [
        source,
        *seconds(read, theirs, ours),
        f"{theirs / ours:.1f}x",
        f"{ours / read:.1f}x",
        *mib(runner.rss(f"cleanlab-issues-{source}", data, 1), runner.rss(f"dlq-issues-{source}", data, CORES)),
    ]


def seconds(*values: float) -> list[str]:
    return [f"{value:.2f} s" for value in values]


def mib(*values: float) -> list[str]:
    return [f"{value:,.0f} MiB" for value in values]


def table(title: str, header: list[str], rows: list[list[str]]) -> list[str]:
    """A Markdown table under its title, as one string in a list."""
    lines = [f"{title}:", "", "| " + " | ".join(header) + " |", "|---" + "|---:" * (len(header) - 1) + "|"]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return ["\n".join(lines)]


if __name__ == "__main__":
    main()
