"""dlq.token_classification against cleanlab 2.9's cleanlab.token_classification, side by side.

    python benchmarks/tokens.py --data /tmp/dlq-tokens   # 150,000 sentences (3M tokens) x 50 classes: about 12 minutes
    python benchmarks/tokens.py --sentences 3000 --repeat 1 --out /tmp/tokens.json   # a quick look

Writes the data set once (``--data DIR`` keeps it; a data set already there
of the same size and seed is used again), then runs every measurement in a
fresh process (this script with ``--case CASE``, as ``segmentation.py`` and
``cases.py`` do for the other benchmarks), alternating cleanlab and dlq: the
first call in the process (each tool's modules imported, not yet used) and
a second call (the steady state), the peak resident memory of the process
(its VmHWM, data loading included) and the answer, saved to compare dlq's
with cleanlab's.

The cases, each tool with its defaults: ``filter.find_label_issues(labels,
pred_probs)``, the same with ``low_memory=True`` (cleanlab's takes about
15 s a call at the default size; ``--no-low-memory`` leaves it out), and
``rank.get_label_quality_scores(labels, pred_probs)`` (token scores
self_confidence, a sentence's score its tokens' minimum). cleanlab is
given its per-sentence lists: labels a list of N lists of int, pred_probs a
list of N (T_i, K) arrays (views of one array loaded whole from
``pred_probs.npy``, no memory map), made before the calls (not timed). dlq
is given the same lists, and the flat form: the path of ``labels.npy``, the
path of ``pred_probs.zarr`` (or of ``pred_probs.npy``, which it
memory-maps) and ``sentence_lengths`` (an array loaded from
``sentence_lengths.npy``). "One read" is the floor: every zarr chunk of
pred_probs read and summed, on all cores.

The answers: the issues, a list of (sentence, token) pairs, must equal
cleanlab's, order included; of the scores, the sentence scores and the token
scores (the N Series concatenated, and their lengths) are compared exactly,
else to the last bits (how many units in the last place, and the largest
absolute difference). dlq ranks issues of equal scores by their place,
cleanlab in the order of numpy's default (unstable) argsort, so the ranked
issues can differ in order where scores tie: the table then says whether
only tokens of equal scores changed places.

The table is saved as ``benchmarks/results/tokens.json`` (``--out``), shown
in docs/performance.md.
"""

from __future__ import annotations

import argparse
import importlib
import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import zarr

sys.path.insert(0, str(Path(__file__).parent))
import measure as shared

#: Tokens per stored zarr chunk (2 MB of float32 at 50 classes), and per piece when the data are written.
CHUNK_ROWS = 10_000
#: The share of the tokens of class 0 (as "O", outside any entity); the others' shares fall as 1 / k.
OUTSIDE = 0.6
#: The model's logit bump at the true class, uniform in this range for each token (noise is standard normal).
BUMP = (2.0, 8.0)
#: The share of the labels given another class (uniformly).
NOISE = 0.07
#: The tasks: the table's name of each, and its keyword arguments.
TASKS = {
    "issues": ("filter.find_label_issues", {}),
    "issues-lowmem": ("filter.find_label_issues (low_memory=True)", {"low_memory": True}),
    "scores": ("rank.get_label_quality_scores", {}),
}
#: dlq's inputs: the table's name of each.
SOURCES = {
    "lists": "dlq (the same lists)",
    "zarr": "dlq (flat: labels.npy and pred_probs.zarr paths, sentence_lengths)",
    "npy": "dlq (flat: labels.npy and pred_probs.npy paths, sentence_lengths)",
}
#: Units in the last place within which scores count as the same "to the last bits".
LAST_BITS = 4


# --- data -------------------------------------------------------------------


def _piece(rng: np.random.Generator, tokens: int, classes: int) -> tuple[np.ndarray, ...]:
    """True classes, labels (int64) and float32 pred_probs (tokens, K) of a few tokens."""
    shares = np.r_[OUTSIDE, (1 - OUTSIDE) * (1 / np.arange(1, classes)) / (1 / np.arange(1, classes)).sum()]
    true = rng.choice(classes, tokens, p=shares)
    logits = rng.standard_normal((tokens, classes), dtype=np.float32)
    logits[np.arange(tokens), true] += rng.uniform(*BUMP, tokens).astype(np.float32)
    logits -= logits.max(axis=1, keepdims=True)
    np.exp(logits, out=logits)
    logits /= logits.sum(axis=1, keepdims=True)
    wrong = rng.random(tokens) < NOISE
    labels = np.where(wrong, (true + rng.integers(1, classes, tokens)) % classes, true)
    return true, labels.astype(np.int64), logits


def write_tokens(directory: Path, sentences: int, classes: int, lengths: tuple[int, int], seed: int = 0) -> None:
    """Sentences of ``lengths[0]`` to ``lengths[1]`` tokens (uniformly), true
    classes with class 0 the most common, float32 pred_probs a softmax of
    noise plus a bump at the true class, ``NOISE`` of the labels another
    class: ``sentence_lengths.npy`` (N,), ``labels.npy`` (T,) int64 and
    ``pred_probs.npy`` (T, K), and pred_probs as a zarr array chunked
    ``CHUNK_ROWS`` tokens a chunk. Written ``CHUNK_ROWS`` tokens at a time
    (each piece from its own seed), so writing needs little memory."""
    directory.mkdir(parents=True, exist_ok=True)
    sentence_lengths = np.random.default_rng(seed).integers(lengths[0], lengths[1] + 1, sentences)
    total = int(sentence_lengths.sum())
    labels = np.lib.format.open_memmap(directory / "labels.npy", mode="w+", dtype=np.int64, shape=(total,))
    pred_probs = np.lib.format.open_memmap(
        directory / "pred_probs.npy", mode="w+", dtype=np.float32, shape=(total, classes)
    )
    store = zarr.create_array(
        store=str(directory / "pred_probs.zarr"),
        shape=(total, classes),
        dtype=np.float32,
        chunks=(CHUNK_ROWS, classes),
        overwrite=True,
    )
    changed = not_argmax = 0
    for start in range(0, total, CHUNK_ROWS):
        stop = min(start + CHUNK_ROWS, total)
        true, labels[start:stop], pred_probs[start:stop] = _piece(
            np.random.default_rng([seed, start]), stop - start, classes
        )
        store[start:stop] = pred_probs[start:stop]
        changed += int((labels[start:stop] != true).sum())
        not_argmax += int((labels[start:stop] != pred_probs[start:stop].argmax(axis=1)).sum())
    labels.flush()
    pred_probs.flush()
    del labels, pred_probs
    np.save(directory / "sentence_lengths.npy", sentence_lengths)
    size = _size(sentences, classes, lengths, seed)
    (directory / "data.json").write_text(
        json.dumps({**size, "tokens": total, "labels_changed": changed, "labels_not_argmax": not_argmax})
    )


def _size(sentences: int, classes: int, lengths: tuple[int, int], seed: int) -> dict[str, int]:
    return {
        "sentences": sentences,
        "classes": classes,
        "min_length": lengths[0],
        "max_length": lengths[1],
        "seed": seed,
    }


# --- the measured calls -----------------------------------------------------


def _lists(directory: Path) -> tuple[list[list[int]], list[np.ndarray]]:
    """cleanlab's form: N lists of labels, N (T_i, K) views of pred_probs loaded whole (no memory map)."""
    bounds = np.cumsum(np.load(directory / "sentence_lengths.npy"))[:-1]
    labels = [sentence.tolist() for sentence in np.split(np.load(directory / "labels.npy"), bounds)]
    return labels, np.split(np.load(directory / "pred_probs.npy"), bounds)


def _call(tool: str, task: str, source: str) -> Callable[[Path], Callable[[], Any]]:
    """The call of ``tool`` for ``task`` (a key of ``TASKS``) on ``source`` (a key of ``SOURCES``)."""

    def prepare(directory: Path) -> Callable[[], Any]:
        package = importlib.import_module(f"{tool}.token_classification")
        options = dict(TASKS[task][1])
        if source == "lists":
            labels, pred_probs = _lists(directory)
        else:
            labels = str(directory / "labels.npy")
            pred_probs = str(directory / f"pred_probs.{source}")
            options["sentence_lengths"] = np.load(directory / "sentence_lengths.npy")
        if task == "scores":
            return lambda: package.rank.get_label_quality_scores(labels, pred_probs, **options)
        return lambda: package.filter.find_label_issues(labels, pred_probs, **options)

    return prepare


def _cases() -> dict[str, Callable[[Path], Callable[[], Any]]]:
    cases = {"read-zarr": lambda directory: shared.one_read(directory / "pred_probs.zarr")}
    for task in TASKS:
        cases[f"cleanlab-{task}"] = _call("cleanlab", task, "lists")
        cases.update({f"dlq-{task}-{source}": _call("dlq", task, source) for source in SOURCES})
    return cases


CASES = _cases()


def measure(case: str, directory: Path, answer: Path, calls: int) -> dict[str, Any]:
    """Time the first (and second) call of ``case`` in this fresh process;
    save the answer: the issues as an (n, 2) array, the scores in an .npz, a sum."""
    run = CASES[case](directory)
    seconds, result = shared.measure_calls(run, calls)
    if isinstance(result, tuple):
        sentence_scores, token_info = result
        np.savez(
            answer,
            sentence_scores=np.asarray(sentence_scores),
            token_scores=np.concatenate([series.to_numpy() for series in token_info]),
            token_counts=np.array([len(series) for series in token_info]),
        )
    elif isinstance(result, list):
        np.save(answer, np.array(result, dtype=np.int64).reshape(-1, 2))
    else:
        np.save(answer, np.asarray(result))
    return shared.measured(case, seconds, answer)


# --- the run ----------------------------------------------------------------


def _same_values(name: str, theirs: np.ndarray, ours: np.ndarray) -> tuple[bool, str]:
    """Whether two arrays are the same to the last bits, and how they compare."""
    if theirs.shape != ours.shape:
        return False, f"{name}: shape {theirs.shape} vs {ours.shape}"
    cast = "" if theirs.dtype == ours.dtype else f", {theirs.dtype} vs {ours.dtype}"
    if np.array_equal(theirs, ours):
        return True, f"{name} exactly{cast}"
    if theirs.dtype.kind != "f":
        return False, f"{name}: {int((theirs != ours).sum()):,} of {theirs.size:,} differ{cast}"
    difference = np.abs(theirs.astype(np.float64) - ours.astype(np.float64))
    spacing = np.spacing(np.maximum(np.abs(theirs), np.abs(ours)).astype(np.result_type(theirs, ours)))
    units = float(np.max(difference / spacing.astype(np.float64)))
    differ = f"{int((theirs != ours).sum()):,} of {theirs.size:,} differ by at most {difference.max():.3g}"
    return units <= LAST_BITS, f"{name}: {differ} ({units:.0f} units in the last place){cast}"


def _self_confidence(directory: Path, issues: np.ndarray) -> np.ndarray:
    """The score the issues are ranked by (cleanlab's default, self_confidence) of each (sentence, token)."""
    lengths = np.load(directory / "sentence_lengths.npy")
    tokens = (np.cumsum(lengths) - lengths)[issues[:, 0]] + issues[:, 1]
    labels = np.load(directory / "labels.npy", mmap_mode="r")[tokens]
    return np.load(directory / "pred_probs.npy", mmap_mode="r")[tokens, labels]


def compare(theirs_path: str, ours_path: str, directory: Path) -> str:
    """'yes' when dlq's answer is cleanlab's (issues equal, order included;
    scores to the last bits, with how), else what differs: of issues in
    another order, whether only tokens of equal scores (ties) changed places."""
    if theirs_path.endswith(".npz"):
        theirs, ours = np.load(theirs_path), np.load(ours_path)
        verdicts = [_same_values(name, theirs[name], ours[name]) for name in theirs.files]
        if all(text.endswith(" exactly") for _, text in verdicts):
            return "yes (exactly)"
        return (
            ("yes (" if all(same for same, _ in verdicts) else "NO (") + "; ".join(text for _, text in verdicts) + ")"
        )
    theirs, ours = np.load(theirs_path), np.load(ours_path)
    if np.array_equal(theirs, ours):
        return "yes"
    theirs_set, ours_set = set(map(tuple, theirs.tolist())), set(map(tuple, ours.tolist()))
    if theirs_set != ours_set:
        return (
            f"NO ({len(ours):,} issues against cleanlab's {len(theirs):,}: {len(theirs_set - ours_set):,} of "
            f"cleanlab's missing, {len(ours_set - theirs_set):,} not cleanlab's)"
        )
    moved = int((theirs != ours).any(axis=1).sum())
    if np.array_equal(_self_confidence(directory, theirs), _self_confidence(directory, ours)):
        return (
            f"NO, in order only: the same {len(theirs):,} issues; at {moved:,} places another token of the same "
            "score (a tie)"
        )
    return f"NO (the same {len(theirs):,} issues in another order: {moved:,} places differ, not only ties)"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sentences", type=int, default=150_000)
    parser.add_argument("--classes", type=int, default=50)
    parser.add_argument("--min-length", type=int, default=5, help="fewest tokens a sentence")
    parser.add_argument("--max-length", type=int, default=35, help="most tokens a sentence")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--repeat", type=int, default=3, help="fresh processes per case (median reported)")
    parser.add_argument("--no-low-memory", action="store_true", help="leave out the low_memory=True rows")
    shared.add_arguments(parser, CASES)
    args = parser.parse_args()
    shared.dispatch(args, lambda args: measure(args.case, args.data, args.answer, args.calls), benchmark, "dlq-tokens-")


def benchmark(args: argparse.Namespace, directory: Path) -> None:
    lengths = (args.min_length, args.max_length)
    size = _size(args.sentences, args.classes, lengths, args.seed)
    shared.write_once(
        directory, size, lambda: write_tokens(directory, args.sentences, args.classes, lengths, args.seed)
    )
    tasks = [task for task in TASKS if not (args.no_low_memory and task == "issues-lowmem")]
    runner = shared.Runner(directory, Path(__file__))
    for round_ in range(args.repeat):
        runner.run("read-zarr", 2)
        for task in tasks:
            ours = [f"dlq-{task}-{source}" for source in SOURCES]
            for case in [f"cleanlab-{task}", *ours] if round_ % 2 == 0 else [*ours, f"cleanlab-{task}"]:
                runner.run(case, 2)

    rows = [["one read of pred_probs (zarr chunks summed, all cores)", "", *shared.times(runner, "read-zarr"), "", ""]]
    for task in tasks:
        name, _ = TASKS[task]
        theirs_case = f"cleanlab-{task}"
        rows.append([name, "cleanlab 2.9 (per-sentence lists)", *shared.times(runner, theirs_case), "", ""])
        for source, tool in SOURCES.items():
            case = f"dlq-{task}-{source}"
            verdict = compare(runner.results[theirs_case][0]["answer"], runner.results[case][0]["answer"], directory)
            rows.append(
                [
                    name,
                    tool,
                    *shared.times(runner, case),
                    shared.speedup(runner.calls(theirs_case), runner.calls(case)),
                    verdict,
                ]
            )
    shared.write_results(
        "tokens", report(args, runner, json.loads((directory / "data.json").read_text()), rows), args.out
    )


def report(args: argparse.Namespace, runner: shared.Runner, written: dict[str, int], rows: list[list[str]]) -> str:
    """The results: what was measured, how, and the table."""
    issues = np.load(runner.results["cleanlab-issues"][0]["answer"])
    parts = [describe_data(args, written, issues), describe_method(args)]
    return "\n\n".join(parts) + "\n\n" + "\n".join(shared.table(rows)) + "\n"


def describe_data(args: argparse.Namespace, written: dict[str, int], issues: np.ndarray) -> str:
    tokens = written["tokens"]
    return (
        f"Data: {args.sentences:,} sentences of {args.min_length} to {args.max_length} tokens "
        f"({tokens:,} tokens, {tokens / args.sentences:.1f} a sentence) x {args.classes} classes; pred_probs "
        f"float32 (T, K), {tokens * args.classes * 4 / 1e9:.2f} GB, as .npy and as zarr (chunks of {CHUNK_ROWS:,} "
        f"tokens, zarr's default compression); labels int64 (T,) as .npy. True classes {OUTSIDE:.0%} class 0, the "
        f"others' shares falling as 1 / k; pred_probs a softmax of standard normal noise plus {BUMP[0]:g} to "
        f"{BUMP[1]:g} (uniformly) at the true class; {NOISE:.0%} of the labels another class "
        f"({written['labels_changed']:,} labels changed, {written['labels_changed'] / tokens:.1%}; "
        f"{written['labels_not_argmax'] / tokens:.1%} of the labels differ from the model's most likely class). "
        f"cleanlab flags {len(issues):,} tokens in {len(np.unique(issues[:, 0])):,} sentences."
    )


def describe_method(args: argparse.Namespace) -> str:
    return (
        f"Each measurement in a fresh process; median of {args.repeat}. First call: the first in the process "
        "(modules imported, not yet used); second: the steady state. Peak RSS is the process's VmHWM (for "
        "cleanlab its main process only, not the pool processes its filter forks), data loading included: "
        "cleanlab and dlq's list rows are given the per-sentence lists (views of pred_probs loaded whole with "
        "np.load; not timed); dlq's flat rows are given paths and sentence_lengths (it memory-maps a .npy file, "
        f"and pages of the map it touched count in its RSS). Both tools with their defaults (dlq: all {shared.CORES} "
        "cores). Speed-up: cleanlab's time / dlq's, first / second call. Same answer: the issues equal, order "
        "included (where they are not, whether only tokens of equal scores changed places); the sentence scores "
        f"and the token scores (concatenated) exactly, or within {LAST_BITS} units in the last place."
    )


if __name__ == "__main__":
    main()
