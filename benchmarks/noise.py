"""How the share of flagged rows sets dlq's cost: find_label_issues_batched
and find_label_issues at 1,000,000 x 100 float32 with about 5%, 20% and 40%
of the rows flagged, against one read of pred_probs and cleanlab 2.9's
find_label_issues_batched, side by side.

    python benchmarks/noise.py --data /tmp/dlq-noise   # about 6 minutes
    python benchmarks/noise.py --rows 100000 --repeat 1 --out /tmp/noise.json   # a quick look

Writes the three data sets once (``--data DIR`` keeps them), then runs every
measurement in a fresh process (this script with ``--case CASE``, as the
other side-by-side benchmarks do): the first call in the process (modules
imported, not yet used) and a second call, each tool with its defaults
(verbose off), pred_probs from numpy in memory (loaded whole before the
calls, not timed) and, for dlq, from zarr. "One read" is the floor: the
numpy array summed once (in memory), and every zarr chunk read and summed
on all cores.
"""

from __future__ import annotations

import argparse
import importlib
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import measure as shared
import numpy as np
import zarr

#: Share of labels redrawn at random for each level, for about 5%, 20% and 40% of the rows flagged.
LEVELS = {"05": 0.09, "20": 0.29, "40": 0.48}
#: Added to the true class's logit (standard normal noise elsewhere).
BUMP = 5.0
CHUNK_ROWS = 100_000
#: Each task's name, and its function in each tool.
TASKS = {
    "batched": (
        "find_label_issues_batched",
        {"cleanlab": "experimental.label_issues_batched.find_label_issues_batched", "dlq": "find_label_issues_batched"},
    ),
    "filter": ("find_label_issues (the default filter)", {"dlq": "find_label_issues"}),
}


def write_level(directory: Path, rows: int, classes: int, noise: float, seed: int) -> dict[str, int]:
    """``labels.npy``, ``pred_probs.npy`` and ``pred_probs.zarr`` of one level."""
    rng = np.random.default_rng(seed)
    truth = rng.integers(0, classes, rows)
    pred_probs = np.zeros((rows, classes), np.float32)
    for start in range(0, rows, CHUNK_ROWS):  # softmax in pieces, to hold few temporaries
        logits = rng.standard_normal((min(CHUNK_ROWS, rows - start), classes), dtype=np.float32)
        logits[np.arange(logits.shape[0]), truth[start : start + logits.shape[0]]] += BUMP
        np.exp(logits - logits.max(axis=1, keepdims=True), out=logits)
        pred_probs[start : start + logits.shape[0]] = logits / logits.sum(axis=1, keepdims=True)
    labels = truth.copy()
    redrawn = rng.random(rows) < noise
    labels[redrawn] = rng.integers(0, classes, int(redrawn.sum()))
    directory.mkdir(parents=True, exist_ok=True)
    np.save(directory / "labels.npy", labels)
    np.save(directory / "pred_probs.npy", pred_probs)
    zarr.create_array(str(directory / "pred_probs.zarr"), data=pred_probs, chunks=(CHUNK_ROWS, classes))
    return {"changed": int((labels != truth).sum()), "not_argmax": int((labels != pred_probs.argmax(1)).sum())}


def _in_memory(directory: Path) -> tuple[np.ndarray, np.ndarray]:
    return np.load(directory / "labels.npy"), np.load(directory / "pred_probs.npy")


def _numpy_read(directory: Path) -> Callable[[], Any]:
    pred_probs = np.load(directory / "pred_probs.npy")
    return lambda: np.asarray(pred_probs.sum(dtype=np.float64))


def _call(tool: str, task: str, source: str) -> Callable[[Path], Callable[[], Any]]:
    def prepare(directory: Path) -> Callable[[], Any]:
        module, _, name = f"{tool}.{TASKS[task][1][tool]}".rpartition(".")
        function = getattr(importlib.import_module(module), name)
        if source == "zarr":
            labels, pred_probs = np.load(directory / "labels.npy"), str(directory / "pred_probs.zarr")
        else:
            labels, pred_probs = _in_memory(directory)
        options: dict[str, Any] = {"return_indices_ranked_by": "self_confidence"} if task == "filter" else {}
        if task == "batched":
            options["verbose"] = False
        return lambda: function(labels, pred_probs, **options)

    return prepare


def _cases() -> dict[str, Callable[[Path], Callable[[], Any]]]:
    cases = {"read-npy": _numpy_read, "read-zarr": lambda directory: shared.one_read(directory / "pred_probs.zarr")}
    cases["cleanlab-batched-npy"] = _call("cleanlab", "batched", "npy")
    for task in TASKS:
        cases.update({f"dlq-{task}-{source}": _call("dlq", task, source) for source in ("npy", "zarr")})
    return cases


CASES = _cases()


def measure(case: str, directory: Path, answer: Path, calls: int) -> dict[str, Any]:
    """Time the first (and second) call of ``case`` in this fresh process; save its answer."""
    seconds, result = shared.measure_calls(CASES[case](directory), calls)
    np.save(answer, np.asarray(result))
    return shared.measured(case, seconds, answer)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--classes", type=int, default=100)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--repeat", type=int, default=3, help="fresh processes per case (median reported)")
    shared.add_arguments(parser, CASES)
    args = parser.parse_args()
    shared.dispatch(args, lambda args: measure(args.case, args.data, args.answer, args.calls), benchmark, "dlq-noise-")


def benchmark(args: argparse.Namespace, top: Path) -> None:
    rows, facts = [], {}
    for level, noise in LEVELS.items():
        directory = top / f"level-{level}"
        size = {"rows": args.rows, "classes": args.classes, "seed": args.seed, "noise": noise}

        def write(directory: Path = directory, noise: float = noise, size: dict = size) -> None:
            written = write_level(directory, args.rows, args.classes, noise, args.seed)
            (directory / "data.json").write_text(json.dumps({**size, **written}))

        directory.mkdir(parents=True, exist_ok=True)
        shared.write_once(directory, size, write)
        facts[level] = json.loads((directory / "data.json").read_text())
        runner = shared.Runner(directory, Path(__file__))
        ours = [f"dlq-{task}-{source}" for task in TASKS for source in ("npy", "zarr")]
        for round_ in range(args.repeat):
            tools = ["cleanlab-batched-npy", *ours] if round_ % 2 == 0 else [*ours, "cleanlab-batched-npy"]
            for case in ["read-npy", "read-zarr", *tools]:
                runner.run(case, 2)
        rows.extend(level_rows(runner, level, args.rows))
    shared.write_results("noise", report(args, facts, rows), args.out)


def _flagged(runner: shared.Runner, case: str) -> int:
    return int(np.load(runner.results[case][0]["answer"]).shape[0])


def level_rows(runner: shared.Runner, level: str, n_rows: int) -> list[list[str]]:
    """A level's rows: the two reads, cleanlab's batched search, and dlq's
    four calls with their times as multiples of the read of their source."""
    flagged = _flagged(runner, "dlq-batched-npy")
    share = f"{flagged / n_rows:.1%} flagged"
    reads = {source: runner.calls(f"read-{source}") for source in ("npy", "zarr")}
    theirs = np.load(runner.results["cleanlab-batched-npy"][0]["answer"])
    rows = [
        [share, "one read of pred_probs (numpy in memory, summed)", *shared.times(runner, "read-npy"), "", ""],
        [share, "one read of pred_probs (zarr chunks summed, all cores)", *shared.times(runner, "read-zarr"), "", ""],
        [
            share,
            "cleanlab 2.9 find_label_issues_batched (numpy)",
            *shared.times(runner, "cleanlab-batched-npy"),
            "",
            f"{theirs.shape[0]:,} issues",
        ],
    ]
    for task, (name, _) in TASKS.items():
        for source in ("npy", "zarr"):
            case = f"dlq-{task}-{source}"
            multiple = " / ".join(
                f"{ours / read:.1f}x" for ours, read in zip(runner.calls(case), reads[source], strict=True)
            )
            found = np.load(runner.results[case][0]["answer"])
            same = ""
            if task == "batched":  # cleanlab 2.9 returns them in index order, dlq ranked (as cleanlab's docs say)
                same = "; cleanlab's set" if np.array_equal(np.sort(found), np.sort(theirs)) else "; NOT cleanlab's set"
            rows.append(
                [
                    share,
                    f"dlq {name} ({source})",
                    *shared.times(runner, case),
                    multiple,
                    f"{found.shape[0]:,} issues{same}",
                ]
            )
    return rows


def report(args: argparse.Namespace, facts: dict[str, dict], rows: list[list[str]]) -> str:
    changed = ", ".join(f"{facts[level]['changed'] / args.rows:.1%}" for level in LEVELS)
    data = (
        f"Data: three sets of {args.rows:,} rows x {args.classes} classes, pred_probs float32 (a softmax of standard "
        f"normal noise plus {BUMP:g} at the true class; {args.rows * args.classes * 4 / 1e9:.1f} GB) as .npy and as "
        f"zarr (chunks of {CHUNK_ROWS:,} rows, zarr's default compression), labels int64; labels redrawn at random "
        f"for {', '.join(f'{noise:.0%}' for noise in LEVELS.values())} of the rows ({changed} changed)."
    )
    method = (
        f"Each measurement in a fresh process; median of {args.repeat}: first call / second call. Times of dlq "
        "are also given as multiples of the one read of the same source (same order). Issues: how many each "
        "call flagged."
    )
    header = [
        "| flagged | case | first call | second call | peak RSS | x one read | answer |",
        "|---|---|---:|---:|---:|---:|---|",
    ]
    table = header + ["| " + " | ".join(row) + " |" for row in rows]
    return "\n\n".join([data, method]) + "\n\n" + "\n".join(table) + "\n"


if __name__ == "__main__":
    main()
