"""dlq.segmentation against cleanlab 2.9's cleanlab.segmentation, side by side.

    python benchmarks/segmentation.py                     # 1000 images x 10 classes x 256 x 256 (2.6 GB float32)
    python benchmarks/segmentation.py --images 40 --repeat 1 --out /tmp/seg.json   # a quick look

Writes the data set once (``--data DIR`` keeps it; a data set already there
of the same size and seed is used again), then runs every measurement in a
fresh process (this script with ``--case CASE``, as ``cases.py`` does for
the other benchmarks), alternating cleanlab and dlq: the first call in the
process (each tool's modules imported, not yet used) and a second call (the
steady state), the peak resident memory of the process (its VmHWM, data
loading included) and the answer, saved to compare dlq's with cleanlab's.

The cases: ``filter.find_label_issues(labels, pred_probs, verbose=False)``
and ``rank.get_label_quality_scores(labels, pred_probs, method="softmin",
verbose=False)``, each tool with its defaults. cleanlab is given numpy
arrays loaded whole from the ``.npy`` files (``np.load``, no memory map; not
timed); dlq is given the paths of the zarr arrays, and again of the ``.npy``
files (which it memory-maps). "One read" is the floor: every zarr chunk of
pred_probs read and summed, on all cores. ``dlq-*-distributed`` runs dlq's
call from zarr on a ``distributed.LocalCluster(n_workers=2,
threads_per_worker=1, memory_limit="1GiB")`` and reports whether a worker
was paused, restarted or lost. ``dlq-scan-command`` is the command
``dlq scan LABELS.zarr PRED_PROBS.zarr --task segmentation --out OUT
--workers 2 --threads-per-worker 1 --memory-limit 1GiB --quiet`` (OUT a fresh
temporary folder, removed after), timed as a subprocess (wall time; a
command is always a fresh process, so first call only), with its exit code,
its own ``elapsed_seconds`` (summary.json), the peak resident memory of its
main process and of its worker processes (their VmHWM, polled), and the mask
it wrote (``scores.zarr/is_label_issue``) as its answer; in the first round
it is run once more with ``--debug`` (distributed's log lines on stderr) to
count the lines that tell a worker restarted, paused, killed or short of
memory.

The table goes to ``benchmarks/results/segmentation.json`` (``--out``).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import zarr

sys.path.insert(0, str(Path(__file__).parent))
import measure as shared
from cases import peak_resident_mib

#: Images per stored zarr chunk (and per piece when the data are written).
CHUNK_IMAGES = 4
#: Side of the square blocks of one true class.
BLOCK = 16
#: The model's logit bump at the true class (noise is standard normal).
BUMP = 3.0
#: Share of the blocks given another class, and of single pixels.
BLOCK_NOISE, PIXEL_NOISE = 0.05, 0.025
#: The distributed run's cluster.
CLUSTER = {"n_workers": 2, "threads_per_worker": 1, "memory_limit": "1GiB"}
#: The command's options after its inputs and --out (the same cluster).
SCAN_OPTIONS = ["--workers", "2", "--threads-per-worker", "1", "--memory-limit", "1GiB", "--quiet"]
#: How often the command's processes are looked at (their peak memory, VmHWM, is exact; polled so
#: that it is read before a process ends).
POLL_SECONDS = 0.2
#: What the --debug run's stderr lines are counted for (lower case, a line may count for several).
LOG_SIGNS = {
    "restart": ("restart",),
    "pause": ("paus",),
    "killed or died": ("was killed", "killedworker", "died", "exceeded"),
    "memory": ("memory",),
    "spill": ("spill",),
}
#: A log line of distributed at WARNING or above.
DISTRIBUTED_WARNING = re.compile(r" - distributed\.[\w.]+ - (WARNING|ERROR|CRITICAL) - ")


# --- data -------------------------------------------------------------------


def _piece(rng: np.random.Generator, images: int, classes: int, height: int, width: int) -> tuple[np.ndarray, ...]:
    """True classes and labels (images, H, W), float32 pred_probs (images, K, H, W) of a few images."""
    blocks = (images, -(-height // BLOCK), -(-width // BLOCK))
    true_blocks = rng.integers(0, classes, blocks)
    true = true_blocks.repeat(BLOCK, axis=1).repeat(BLOCK, axis=2)[:, :height, :width]
    logits = rng.standard_normal((images, classes, height, width), dtype=np.float32)
    np.put_along_axis(logits, true[:, None], np.take_along_axis(logits, true[:, None], axis=1) + BUMP, axis=1)
    logits -= logits.max(axis=1, keepdims=True)
    np.exp(logits, out=logits)
    logits /= logits.sum(axis=1, keepdims=True)
    # labels: a few whole blocks relabelled, and a few single pixels; always another class
    relabel_blocks = rng.random(blocks) < BLOCK_NOISE
    shift = (true_blocks + rng.integers(1, classes, blocks)) % classes
    noisy_blocks = np.where(relabel_blocks, shift, true_blocks)
    labels = noisy_blocks.repeat(BLOCK, axis=1).repeat(BLOCK, axis=2)[:, :height, :width]
    pixels = rng.random(true.shape) < PIXEL_NOISE
    labels = np.where(pixels, (true + rng.integers(1, classes, true.shape)) % classes, labels)
    return true, labels.astype(np.int64), logits


def write_segmentation(directory: Path, images: int, classes: int, height: int, width: int, seed: int = 0) -> None:
    """Blocky true classes (``BLOCK`` x ``BLOCK``), float32 pred_probs a
    softmax of noise plus a bump at the true class, about 7.5% of the labels
    changed (whole blocks and single pixels): ``labels.npy`` (int64, N x H x W)
    and ``pred_probs.npy`` (N x K x H x W), and the same as zarr arrays
    chunked ``CHUNK_IMAGES`` images a chunk. Written ``CHUNK_IMAGES`` images at
    a time (each piece from its own seed), so writing needs little memory."""
    directory.mkdir(parents=True, exist_ok=True)
    shapes = {"labels": (images, height, width), "pred_probs": (images, classes, height, width)}
    dtypes = {"labels": np.int64, "pred_probs": np.float32}
    npy = {
        name: np.lib.format.open_memmap(directory / f"{name}.npy", mode="w+", dtype=dtypes[name], shape=shape)
        for name, shape in shapes.items()
    }
    stores = {
        name: zarr.create_array(
            store=str(directory / f"{name}.zarr"),
            shape=shape,
            dtype=dtypes[name],
            chunks=(CHUNK_IMAGES, *shape[1:]),
            overwrite=True,
        )
        for name, shape in shapes.items()
    }
    changed = not_argmax = 0
    for start in range(0, images, CHUNK_IMAGES):
        stop = min(start + CHUNK_IMAGES, images)
        rng = np.random.default_rng([seed, start])
        true, labels, pred_probs = _piece(rng, stop - start, classes, height, width)
        changed += int((labels != true).sum())
        not_argmax += int((labels != pred_probs.argmax(axis=1)).sum())
        for name, values in (("labels", labels), ("pred_probs", pred_probs)):
            npy[name][start:stop] = values
            stores[name][start:stop] = values
    for array in npy.values():
        array.flush()
    del npy
    size = {"images": images, "classes": classes, "height": height, "width": width, "seed": seed}
    (directory / "data.json").write_text(
        json.dumps({**size, "labels_changed": changed, "labels_not_argmax": not_argmax})
    )


# --- the measured calls -----------------------------------------------------


def _numpy_inputs(directory: Path) -> tuple[np.ndarray, np.ndarray]:
    """Labels and pred_probs loaded whole into memory (no memory map)."""
    return np.load(directory / "labels.npy"), np.load(directory / "pred_probs.npy")


def _paths(directory: Path, source: str) -> tuple[str, str]:
    suffix = ".zarr" if source == "zarr" else ".npy"
    return str(directory / f"labels{suffix}"), str(directory / f"pred_probs{suffix}")


def _call(tool: str, task: str, source: str) -> Callable[[Path], Callable[[], Any]]:
    """The call of ``tool`` for ``task`` ("issues" or "scores") on ``source``."""

    def prepare(directory: Path) -> Callable[[], Any]:
        if tool == "cleanlab":
            from cleanlab.segmentation import filter as filter_module
            from cleanlab.segmentation import rank as rank_module

            labels, pred_probs = _numpy_inputs(directory)
        else:
            from dlq.segmentation import filter as filter_module
            from dlq.segmentation import rank as rank_module

            labels, pred_probs = _paths(directory, source)
        if task == "issues":
            return lambda: filter_module.find_label_issues(labels, pred_probs, verbose=False)
        return lambda: rank_module.get_label_quality_scores(labels, pred_probs, method="softmin", verbose=False)

    return prepare


def _one_read(directory: Path) -> Callable[[], Any]:
    """Every zarr chunk of pred_probs read and summed, on all cores."""
    return shared.one_read(directory / "pred_probs.zarr")


CASES: dict[str, Callable[[Path], Callable[[], Any]]] = {
    "read-zarr": _one_read,
    "cleanlab-issues": _call("cleanlab", "issues", "numpy"),
    "dlq-issues-zarr": _call("dlq", "issues", "zarr"),
    "dlq-issues-npy": _call("dlq", "issues", "npy"),
    "dlq-issues-zarr-distributed": _call("dlq", "issues", "zarr"),
    "cleanlab-scores": _call("cleanlab", "scores", "numpy"),
    "dlq-scores-zarr": _call("dlq", "scores", "zarr"),
    "dlq-scores-npy": _call("dlq", "scores", "npy"),
    "dlq-scan-command": _one_read,  # not called: measure() runs the command (see measure_scan)
}


def _worker_trouble(client: Any) -> list[str]:
    """The scheduler's events and the workers' and nannies' log lines that
    tell a worker paused, spilled, restarted or gone."""
    words = ("paus", "restart", "remov", "lost", "spill", "high", "exceed", "terminat", "kill", "clos")
    found = []
    for topic, events in client.get_events().items():
        for _, event in events:
            text = json.dumps(event, default=str)
            if any(word in text.lower() for word in words):
                found.append(f"event {topic}: {text[:300]}")
    for nanny in (False, True):
        for address, logs in client.get_worker_logs(nanny=nanny).items():
            for level, message in logs:
                if any(word in message.lower() for word in words):
                    found.append(f"{'nanny' if nanny else 'worker'} {address} {level}: {message[:300]}")
    return found


def _vmhwm_mib(pid: int) -> float | None:
    """The peak resident memory (VmHWM) of process ``pid``, None once it is gone."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except (OSError, ValueError):
        return None
    return None


def run_command(command: list[str], stderr_path: Path) -> dict[str, Any]:
    """Run ``command``, stderr to ``stderr_path``; its wall time, exit code,
    the peak resident memory of its main process and of each other process
    under it (polled every ``POLL_SECONDS``), and ``os.wait4``'s ru_maxrss
    (the largest peak of the process and of the children it reaped)."""
    import psutil

    with open(stderr_path, "w") as stderr:
        start = time.perf_counter()
        process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=stderr)
        main = psutil.Process(process.pid)
        peaks: dict[int, float] = {}
        names: dict[int, str] = {}
        while True:
            pid, status, usage = os.wait4(process.pid, os.WNOHANG)
            if pid:
                seconds = time.perf_counter() - start
                break
            try:
                children = main.children(recursive=True)
            except psutil.Error:
                children = []
            for proc in [main, *children]:
                peak = _vmhwm_mib(proc.pid)
                if peak is None:
                    continue
                peaks[proc.pid] = max(peaks.get(proc.pid, 0.0), peak)
                if proc.pid not in names:
                    try:
                        names[proc.pid] = " ".join(proc.cmdline())
                    except psutil.Error:
                        names[proc.pid] = "?"
            time.sleep(POLL_SECONDS)
        process.returncode = os.waitstatus_to_exitcode(status)
    workers = {pid: peak for pid, peak in peaks.items() if pid != process.pid and "resource_tracker" not in names[pid]}
    return {
        "seconds": seconds,
        "returncode": process.returncode,
        "main_peak_rss_mib": peaks.get(process.pid),
        "worker_pids": len(workers),
        "worker_peak_rss_mib": max(workers.values(), default=None),
        "wait4_maxrss_mib": usage.ru_maxrss / 1024,
        "other_processes": sorted({names[pid][:80] for pid in workers if "multiprocessing" not in names[pid]}),
    }


def _scan_command(directory: Path, out: Path, *more: str) -> list[str]:
    dlq = Path(sys.executable).with_name("dlq")
    labels, pred_probs = _paths(directory, "zarr")
    return [str(dlq), "scan", labels, pred_probs, "--task", "segmentation", "--out", str(out), *SCAN_OPTIONS, *more]


def _log_signs(stderr: str) -> dict[str, Any]:
    """The --debug run's stderr lines counted by ``LOG_SIGNS``, and distributed's warnings and errors."""
    lines = [line for line in stderr.splitlines() if line.strip()]
    counts = {
        sign: sum(any(word in line.lower() for word in words) for line in lines) for sign, words in LOG_SIGNS.items()
    }
    warned = [line for line in lines if DISTRIBUTED_WARNING.search(line)]
    return {"lines": len(lines), "counts": counts, "distributed_warnings": len(warned), "examples": warned[:5]}


def measure_scan(directory: Path, answer: Path, debug: bool) -> dict[str, Any]:
    """Run the command once (timed), check its exit code, save its mask as
    ``answer`` and its image and pixel scores beside it (``.scores.npz``);
    with ``debug`` run it once more with --debug and count its log lines."""
    with tempfile.TemporaryDirectory(prefix="dlq-scan-") as scratch:
        out = Path(scratch) / "out"
        ran = run_command(_scan_command(directory, out), Path(scratch) / "stderr.txt")
        stderr = (Path(scratch) / "stderr.txt").read_text()
        if ran["returncode"] != 0:
            raise SystemExit(f"dlq scan exited with {ran['returncode']}:\n{stderr[-3000:]}")
        scores = zarr.open_group(str(out / "scores.zarr"), mode="r")
        np.save(answer, scores["is_label_issue"][:])
        np.savez(
            answer.with_suffix(".scores.npz"),
            image_scores=scores["image_scores"][:],
            pixel_scores=scores["pixel_scores"][:],
        )
        summary = json.loads((out / "summary.json").read_text())
    logs = None
    if debug:
        with tempfile.TemporaryDirectory(prefix="dlq-scan-debug-") as scratch:
            debugged = run_command(_scan_command(directory, Path(scratch) / "out", "--debug"), Path(scratch) / "e.txt")
            logs = {
                **_log_signs((Path(scratch) / "e.txt").read_text()),
                "returncode": debugged["returncode"],
                "seconds": debugged["seconds"],
                "worker_pids": debugged["worker_pids"],
            }
    return {
        "case": "dlq-scan-command",
        "first_seconds": ran["seconds"],
        "seconds": None,
        "peak_rss_mib": ran["main_peak_rss_mib"],
        "answer": str(answer),
        "scores_answer": str(answer.with_suffix(".scores.npz")),
        "elapsed_seconds": summary["elapsed_seconds"],
        "stderr_lines": len([line for line in stderr.splitlines() if line.strip()]),
        **{key: ran[key] for key in ("returncode", "worker_pids", "worker_peak_rss_mib", "wait4_maxrss_mib")},
        "other_processes": ran["other_processes"],
        "debug_run": logs,
    }


def measure(case: str, directory: Path, answer: Path, calls: int, scan_debug: bool = False) -> dict[str, Any]:
    """Time the first (and second) call of ``case`` in this fresh process;
    save the answer (a mask, a sum, or image and pixel scores in an .npz)."""
    if case == "dlq-scan-command":
        return measure_scan(directory, answer, scan_debug)
    run = CASES[case](directory)
    extra: dict[str, Any] = {}
    if case.endswith("-distributed"):
        from distributed import Client, LocalCluster

        with LocalCluster(**CLUSTER) as cluster, Client(cluster) as client:
            workers = set(client.scheduler_info()["workers"])
            times, result = shared.measure_calls(run, calls)
            after = set(client.scheduler_info()["workers"])
            extra = {
                "workers_replaced": sorted(workers ^ after),
                "worker_peak_rss_mib": max(client.run(peak_resident_mib).values()),
                "events": _worker_trouble(client),
            }
    else:
        times, result = shared.measure_calls(run, calls)
    if isinstance(result, tuple):
        np.savez(answer, image_scores=result[0], pixel_scores=result[1])
    else:
        np.save(answer, np.asarray(result))
    return shared.measured(case, times, answer, **extra)


# --- the run ----------------------------------------------------------------


def compare(theirs_path: str, ours_path: str) -> str:
    """'yes' when dlq's answer equals cleanlab's exactly (masks, and scores
    with np.array_equal), else what differs."""
    if theirs_path.endswith(".npz"):
        theirs, ours = np.load(theirs_path), np.load(ours_path)
        differ = []
        for name in ("image_scores", "pixel_scores"):
            a, b = theirs[name], ours[name]
            if a.shape != b.shape or a.dtype != b.dtype:
                differ.append(f"{name}: {a.dtype}{a.shape} vs {b.dtype}{b.shape}")
            elif not np.array_equal(a, b):
                worst = float(np.max(np.abs(a.astype(np.float64) - b.astype(np.float64))))
                differ.append(f"{name}: {int((a != b).sum()):,} values differ, by at most {worst:.3g}")
        return "yes" if not differ else "NO (" + "; ".join(differ) + ")"
    theirs, ours = np.load(theirs_path), np.load(ours_path)
    if theirs.shape != ours.shape:
        return f"NO (shape {theirs.shape} vs {ours.shape})"
    if np.array_equal(theirs, ours):
        return "yes"
    return f"NO ({int((theirs != ours).sum()):,} pixels differ of {int(theirs.sum()):,} flagged by cleanlab)"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--images", type=int, default=1000)
    parser.add_argument("--classes", type=int, default=10)
    parser.add_argument("--height", type=int, default=256)
    parser.add_argument("--width", type=int, default=256)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--repeat", type=int, default=3, help="fresh processes per case (median reported)")
    parser.add_argument(
        "--cleanlab-issues-repeat",
        type=int,
        help="fresh processes for cleanlab's filter, the slow case (by default --repeat)",
    )
    parser.add_argument(
        "--cleanlab-issues-calls",
        type=int,
        choices=(1, 2),
        default=2,
        help="calls of cleanlab's filter a process: 1 leaves out its second call",
    )
    parser.add_argument("--no-distributed", action="store_true", help="leave out the LocalCluster rows")
    parser.add_argument("--no-command", action="store_true", help="leave out the `dlq scan` command's row")
    shared.add_arguments(parser, CASES)
    parser.add_argument("--scan-debug", action="store_true", help=argparse.SUPPRESS)
    shared.dispatch(
        parser.parse_args(),
        lambda args: measure(args.case, args.data, args.answer, args.calls, args.scan_debug),
        benchmark,
        "dlq-segmentation-",
    )


def benchmark(args: argparse.Namespace, directory: Path) -> None:
    size = {key: getattr(args, key) for key in ("images", "classes", "height", "width", "seed")}
    shared.write_once(
        directory,
        size,
        lambda: write_segmentation(directory, args.images, args.classes, args.height, args.width, args.seed),
    )
    issues_repeat = args.cleanlab_issues_repeat or args.repeat
    runner = shared.Runner(directory, Path(__file__))
    tasks = ("issues", "scores")
    for round_ in range(args.repeat):
        runner.run("read-zarr", 2)
        for task in tasks:
            ours = [f"dlq-{task}-zarr", f"dlq-{task}-npy"]
            order = [f"cleanlab-{task}", *ours] if round_ % 2 == 0 else [*ours, f"cleanlab-{task}"]
            for case in order:
                if case == "cleanlab-issues" and round_ >= issues_repeat:
                    continue
                runner.run(case, args.cleanlab_issues_calls if case == "cleanlab-issues" else 2)
        if not args.no_distributed:
            runner.run("dlq-issues-zarr-distributed", 2)
        if not args.no_command:
            runner.run("dlq-scan-command", 1, *(["--scan-debug"] if round_ == 0 else []))

    written = json.loads((directory / "data.json").read_text())
    pixels = args.images * args.height * args.width
    gigabytes = pixels * args.classes * 4 / 1e9
    rows = [["one read of pred_probs (zarr chunks summed, all cores)", "", *shared.times(runner, "read-zarr"), "", ""]]
    for task, name in (("issues", "filter.find_label_issues"), ("scores", "rank.get_label_quality_scores (softmin)")):
        theirs_case = f"cleanlab-{task}"
        theirs = runner.median(theirs_case, "first_seconds"), runner.median(theirs_case, "seconds")
        rows.append([name, "cleanlab 2.9 (numpy in memory)", *shared.times(runner, theirs_case), "", ""])
        cases = [(f"dlq-{task}-zarr", "dlq (zarr paths)"), (f"dlq-{task}-npy", "dlq (.npy paths)")]
        if task == "issues" and not args.no_distributed:
            cases.append((f"dlq-{task}-zarr-distributed", "dlq (zarr paths), LocalCluster 2 x 1 thread, 1 GiB"))
        for case, tool in cases:
            ours = runner.median(case, "first_seconds"), runner.median(case, "seconds")
            verdict = compare(runner.results[theirs_case][0]["answer"], runner.results[case][0]["answer"])
            rows.append([name, tool, *shared.times(runner, case), shared.speedup(theirs, ours), verdict])
        if task == "issues" and not args.no_command:
            case = "dlq-scan-command"
            ours = runner.median(case, "first_seconds")
            verdict = compare(runner.results[theirs_case][0]["answer"], runner.results[case][0]["answer"])
            tool = "`dlq scan --task segmentation` command (zarr paths), LocalCluster 2 x 1 thread, 1 GiB"
            speedup = "" if theirs[0] is None or ours is None else f"{theirs[0] / ours:.1f}x (first call)"
            rows.append([name, tool, *shared.times(runner, case), speedup, verdict])

    mask = np.load(runner.results["cleanlab-issues"][0]["answer"])
    lines = [
        f"Data: {args.images:,} images x {args.classes} classes x {args.height} x {args.width} pixels "
        f"({pixels:,} pixels); pred_probs float32 (N, K, H, W), {gigabytes:.2f} GB, labels int64 (N, H, W), "
        f"{pixels * 8 / 1e9:.2f} GB; each as .npy and as zarr (chunks of {CHUNK_IMAGES} images, zarr's default "
        f"compression). True classes in {BLOCK} x {BLOCK} blocks, pred_probs a softmax of standard normal noise "
        f"plus {BUMP} at the true class; {BLOCK_NOISE:.0%} of the blocks and {PIXEL_NOISE:.1%} of single pixels "
        f"relabelled to another class ({written['labels_changed']:,} labels changed, "
        f"{written['labels_changed'] / pixels:.1%}; {written['labels_not_argmax'] / pixels:.1%} of the labels "
        "differ from the model's most likely class). "
        f"cleanlab flags {int(mask.sum()):,} pixels.",
        "",
        f"Each measurement in a fresh process; median of {args.repeat}"
        + (
            ""
            if issues_repeat == args.repeat and args.cleanlab_issues_calls == 2
            else f", but cleanlab's filter measured in {issues_repeat} process(es)"
            + (", called once (no second call)" if args.cleanlab_issues_calls == 1 else "")
            + f" for time (about {runner.median('cleanlab-issues', 'first_seconds'):.0f} s a call)"
        )
        + ". First call: the first in the process (modules imported, not yet used); second: the steady state. "
        "Peak RSS is the process's VmHWM (the largest of the case's processes; for cleanlab its main process "
        "only, not the pool processes it forks), data loading included: cleanlab "
        "is given numpy arrays loaded whole from the .npy files (np.load, no memory map; not timed), so its RSS "
        f"holds the {gigabytes:.1f} GB of pred_probs; dlq is given paths (it memory-maps a .npy file, and pages "
        "of the map it touched count in its RSS). Both tools with their defaults (cleanlab: batch_size 10,000, "
        f"n_jobs None; dlq: all {shared.CORES} cores) and verbose=False. Speed-up: cleanlab's time / dlq's, first / "
        "second call. Same answer: the mask equal exactly, the image and pixel scores equal by np.array_equal.",
        "",
        *shared.table(rows),
    ]
    if not args.no_command:
        lines += ["", command_note(runner)]
    if not args.no_distributed:
        lines += ["", distributed_note(runner)]
    shared.write_results("segmentation", "\n".join(lines) + "\n", args.out)


def distributed_note(runner: shared.Runner) -> str:
    measured = runner.results["dlq-issues-zarr-distributed"]
    replaced = sorted({worker for m in measured for worker in m["workers_replaced"]})
    events = [event for m in measured for event in m["events"]]
    worker_rss = max(m["worker_peak_rss_mib"] for m in measured)
    return (
        f"The LocalCluster row: {CLUSTER}; peak RSS is the client process's, each worker's peak was at most "
        f"{worker_rss:,.0f} MiB. Workers replaced during the calls: {len(replaced)}; the scheduler's events "
        f"and the workers' and nannies' log lines of a paused, spilling, restarted or removed worker: {len(events)}"
        + (" (" + "; ".join(events[:5]) + ")" if events else "")
        + "."
    )


def _same_scores(theirs_path: str, ours_path: str) -> str:
    """The command's image scores against cleanlab's (exactly), and its pixel
    scores (it writes them as float32) against cleanlab's cast to their dtype."""
    theirs, ours = np.load(theirs_path), np.load(ours_path)
    verdicts = []
    for name in ("image_scores", "pixel_scores"):
        a, b = theirs[name], ours[name]
        cast = "" if a.dtype == b.dtype else f" (cleanlab's {a.dtype} cast to the command's {b.dtype})"
        if a.shape != b.shape:
            verdicts.append(f"{name}: NO, shape {a.shape} vs {b.shape}")
        elif np.array_equal(a.astype(b.dtype), b):
            verdicts.append(f"{name}: yes{cast}")
        else:
            worst = float(np.max(np.abs(a.astype(np.float64) - b.astype(np.float64))))
            verdicts.append(f"{name}: NO{cast}, {int((a.astype(b.dtype) != b).sum()):,} differ, by at most {worst:.3g}")
    return "; ".join(verdicts)


def command_note(runner: shared.Runner) -> str:
    measured = runner.results["dlq-scan-command"]
    elapsed = statistics.median(m["elapsed_seconds"] for m in measured)
    codes = sorted({m["returncode"] for m in measured})
    worker_rss = max(m["worker_peak_rss_mib"] or 0 for m in measured)
    maxrss = max(m["wait4_maxrss_mib"] for m in measured)
    pids = sorted({m["worker_pids"] for m in measured})
    others = sorted({name for m in measured for name in m["other_processes"]})
    same_scores = _same_scores(runner.results["cleanlab-scores"][0]["answer"], measured[0]["scores_answer"])
    debug = next((m["debug_run"] for m in measured if m["debug_run"]), None)
    text = (
        "The `dlq scan` row: `dlq scan LABELS.zarr PRED_PROBS.zarr --task segmentation --out OUT "
        f"{' '.join(SCAN_OPTIONS)}` (OUT a fresh temporary folder each time), timed as a subprocess: wall time "
        "from start to exit, first call only (a command is always a fresh process: imports, starting and "
        "stopping its LocalCluster included). Beyond find_label_issues it also computes and writes the pixel "
        "scores, the image scores (softmin) and the mask (scores.zarr), the issue table (issues.parquet), the "
        "class confusions of the flagged pixels, summary.json and report.html. Its own elapsed_seconds "
        f"(summary.json: the scan, the table and the confusions, not imports, the cluster or the report) "
        f"median {elapsed:.2f} s. Exit code: {', '.join(map(str, codes))} in {len(measured)} run(s). Peak RSS is "
        f"the command's main process (its VmHWM, polled every {POLL_SECONDS} s); its workers' peak was at most "
        f"{worker_rss:,.0f} MiB (os.wait4's ru_maxrss, the largest of the process and the children it reaped: "
        f"{maxrss:,.0f} MiB). Worker processes seen during a run: {', '.join(map(str, pids))} (a restarted worker "
        "is a new process)"
        + (f"; other processes under it: {'; '.join(others)}" if others else "")
        + f". Its image and pixel scores equal cleanlab's get_label_quality_scores (softmin): {same_scores}."
    )
    if debug:
        counts = ", ".join(f"{sign} {count}" for sign, count in debug["counts"].items())
        text += (
            f" Run once more with --debug (distributed's logs on stderr, {debug['seconds']:.1f} s, exit code "
            f"{debug['returncode']}, {debug['worker_pids']} worker processes): {debug['lines']} stderr lines; lines "
            f"mentioning {counts}; distributed's WARNING/ERROR lines {debug['distributed_warnings']}"
            + (" (" + "; ".join(line[:200] for line in debug["examples"]) + ")" if debug["examples"] else "")
            + "."
        )
    return text


if __name__ == "__main__":
    main()
