"""What the side-by-side benchmarks against cleanlab (``segmentation.py``,
``tokens.py``) share: their data set written once, each measurement in a
fresh process of the script (``--case CASE``), its calls timed, the one
read of a zarr array that is their floor, the figures of their tables, and
the tables written and copied into docs/performance.md.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
import warnings
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import numpy as np
import zarr
from cases import peak_resident_mib
from results_files import save

CORES = os.cpu_count() or 1
ROOT = Path(__file__).resolve().parent.parent


def add_arguments(parser: argparse.ArgumentParser, cases: dict[str, Any]) -> None:
    """The options every such script has: ``--data``, ``--out``, and those of one measurement (hidden)."""
    parser.add_argument("--data", type=Path, help="directory for the data set, kept (by default a temporary one)")
    parser.add_argument(
        "--out", type=Path, help="a JSON file for the results (by default benchmarks/results/, shown in the docs)"
    )
    # one measurement (what the run starts in a fresh process)
    parser.add_argument("--case", choices=sorted(cases), help=argparse.SUPPRESS)
    parser.add_argument("--answer", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--calls", type=int, default=2, help=argparse.SUPPRESS)


def dispatch(
    args: argparse.Namespace,
    measure: Callable[[argparse.Namespace], dict[str, Any]],
    benchmark: Callable[[argparse.Namespace, Path], None],
    prefix: str,
) -> None:
    """With ``--case``, one measurement (its JSON line on stdout); else the
    whole run, on the data set in ``--data`` or in a temporary directory."""
    if args.case:
        warnings.simplefilter("ignore")  # the tools' deprecation notes would clutter the JSON line
        print(json.dumps(measure(args)))
        return
    if args.data:
        benchmark(args, args.data)
    else:
        with tempfile.TemporaryDirectory(prefix=prefix) as directory:
            benchmark(args, Path(directory))


def same_data(directory: Path, size: dict[str, int]) -> bool:
    """Whether ``directory`` holds a data set written with ``size`` (its ``data.json``)."""
    try:
        written = json.loads((directory / "data.json").read_text())
    except (OSError, ValueError):
        return False
    return all(written.get(key) == value for key, value in size.items())


def write_once(directory: Path, size: dict[str, int], write: Callable[[], None]) -> None:
    """``write()`` the data set into ``directory``, unless one of ``size`` is already there."""
    if same_data(directory, size):
        print(f"using the data set in {directory}", file=sys.stderr)
    else:
        print(f"writing the data set to {directory}", file=sys.stderr)
        started = time.perf_counter()
        write()
        print(f"  written in {time.perf_counter() - started:.0f} s", file=sys.stderr)


def measure_calls(run: Callable[[], Any], calls: int) -> tuple[list[float], Any]:
    """The seconds of each of ``calls`` calls of ``run``, and the last one's answer."""
    times, result = [], None
    for _ in range(calls):
        start = time.perf_counter()
        result = run()
        times.append(time.perf_counter() - start)
    return times, result


def measured(case: str, seconds: list[float], answer: Path, **extra: Any) -> dict[str, Any]:
    """What one measurement tells (its JSON line): the first and the second
    call's seconds (None if called once), the peak resident memory of this
    process, where its answer is, and ``extra``."""
    return {
        "case": case,
        "first_seconds": seconds[0],
        "seconds": seconds[-1] if len(seconds) > 1 else None,
        "peak_rss_mib": peak_resident_mib(),
        "answer": str(answer),
        **extra,
    }


def one_read(path: Path) -> Callable[[], np.ndarray]:
    """The floor: every chunk (along the first axis) of the zarr array at
    ``path`` read and summed, on all cores."""
    array = zarr.open_array(str(path), mode="r")
    rows = array.chunks[0]
    starts = range(0, array.shape[0], rows)

    def read_every_chunk() -> np.ndarray:
        with ThreadPoolExecutor(CORES) as threads:
            return np.asarray(sum(threads.map(lambda at: float(array[at : at + rows].sum(dtype=np.float64)), starts)))

    return read_every_chunk


class Runner:
    """Runs cases of ``script`` in fresh processes (``script --case CASE``) and keeps every measurement."""

    def __init__(self, directory: Path, script: Path):
        self.directory = directory
        self.script = script.resolve()
        self.results: dict[str, list[dict]] = {}

    def run(self, case: str, calls: int, *more: str) -> dict:
        answers = self.directory / "answers"
        answers.mkdir(exist_ok=True)
        answer = answers / f"{case}.{'npz' if 'scores' in case else 'npy'}"
        command = [sys.executable, str(self.script), "--case", case, "--data", str(self.directory)]
        command += ["--answer", str(answer), "--calls", str(calls), *more]
        completed = subprocess.run(command, capture_output=True, text=True)
        if completed.returncode != 0:
            sys.exit(f"{case} failed:\n{completed.stderr[-3000:]}")
        measured = json.loads(completed.stdout.strip().splitlines()[-1])
        self.results.setdefault(case, []).append(measured)
        second = "" if measured["seconds"] is None else f" / {measured['seconds']:8.2f} s"
        print(
            f"  {case:<28} {measured['first_seconds']:8.2f} s{second}  {measured['peak_rss_mib']:8,.0f} MiB",
            file=sys.stderr,
            flush=True,
        )
        return measured

    def median(self, case: str, call: str) -> float | None:
        values = [m[call] for m in self.results.get(case, []) if m[call] is not None]
        return statistics.median(values) if values else None

    def rss(self, case: str) -> float:
        return max(m["peak_rss_mib"] for m in self.results[case])

    def calls(self, case: str) -> tuple[float | None, float | None]:
        """The median first and second call of ``case``."""
        return self.median(case, "first_seconds"), self.median(case, "seconds")


def times(runner: Runner, case: str) -> list[str]:
    """The table's cells of ``case``: first call, second call, peak RSS."""
    first, second = runner.calls(case)
    return [
        f"{first:.2f} s",
        "" if second is None else f"{second:.2f} s",
        f"{runner.rss(case):,.0f} MiB",
    ]


def speedup(theirs: tuple[float | None, float | None], ours: tuple[float | None, float | None]) -> str:
    """cleanlab's time / dlq's, first / second call."""
    return " / ".join("" if a is None or b is None else f"{a / b:.1f}x" for a, b in zip(theirs, ours, strict=True))


def table(rows: list[list[str]]) -> list[str]:
    """The lines of the Markdown table of ``rows``: case, tool, the two calls, peak RSS, speed-up, answer."""
    return [
        "| case | tool | first call | second call | peak RSS | speed-up vs cleanlab | same answer |",
        "|---|---|---:|---:|---:|---:|---|",
        *("| " + " | ".join(row) + " |" for row in rows),
    ]


def write_results(name: str, text: str, out: Path | None) -> None:
    """Print the results and save them as ``benchmarks/results/NAME.json``,
    which docs/performance.md shows (:func:`results_files.save`), or to
    ``out`` (a quick look, which leaves the docs as they are)."""
    print("\n" + text)
    save(name, {"results": text}, out)
