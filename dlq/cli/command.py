"""The ``dlq`` command: ``dlq scan`` and ``dlq demo``."""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path
from typing import Any

import click
import dask
import dask.array as da
import numpy as np

import dlq
from dlq import _validation
from dlq.cli import images, inputs, report, scan_options, tokens
from dlq.cli.cluster import options_client
from dlq.graphs import health, multilabel_health
from dlq.io import arrays, outputs, zarr_outputs
from dlq.io.issue_table import IssueDigest
from dlq.result import ScanResult
from dlq.token_classification import SentenceScan


def _scan_on_cluster(options: dict[str, Any], **cluster: Any) -> dict[str, Any]:
    """Open the inputs and check their shapes, then run the scan on a
    cluster into a staging directory published whole.

    The cluster is shut down (or its client closed) before the staging
    directory is cleaned up after an error or an interrupt: otherwise tasks
    still running on workers could write into it after its removal.
    """
    inputs.refuse_output_over_inputs(options)
    with dask.config.set({"dlq.missing-label-chunks": options.get("missing_label_chunks") or "error"}):
        opened = inputs.opened_inputs(options)
    with outputs.atomic_directory(options["out"], overwrite=options["overwrite"]) as staging:
        with options_client(options, **cluster):
            return _run_scan(options, opened, staging)


def _run_scan(options: dict[str, Any], opened: inputs.CommandInputs, staging: Path) -> dict[str, Any]:
    """Build the scan of the opened inputs, write it with what the report
    needs in one run, then write the table, the summary and the report."""
    start = time.perf_counter()
    labels, pred_probs = opened.arrays()
    class_names, ids = opened.class_names, opened.ids
    lazy = scan_options.lazy_scan(options, labels, pred_probs)
    sentences = lazy if isinstance(lazy, SentenceScan) else None
    if sentences is not None:
        lazy = sentences.tokens
    extra: dict[str, Any] = {} if sentences is None else tokens.sentence_extra(sentences)
    if options["per_class"]:
        extra["per_class_scores"] = dlq.multilabel.get_label_quality_scores_per_class(
            labels, pred_probs, method=options["method"], adjust_pred_probs=options["adjust_pred_probs"]
        )
    if lazy.per_class_issues is not None:
        extra["per_class_issues"] = lazy.per_class_issues
    if not options["multilabel"] and not options.get("no_class_views"):
        # the class views of the report: the confident joint under the written scan's thresholds
        extra["confident_joint"] = lambda scan: health.confident_joint_under(
            labels, pred_probs, scan.thresholds, absent_class_threshold=_validation.IN_MEMORY_ABSENT_CLASS_THRESHOLD
        )
    if not options["quiet"]:
        searched = "batched search" if options["filter_by"] is None else f"filter_by={options['filter_by']}"
        click.echo(f"scanning ({searched}): thresholds, scores, issues and outputs", err=True)
    writing = {"progress": not options["quiet"], "extra": extra, "report": True, "class_names": class_names}
    writing.update(issues_to=staging / "issues.parquet", ids=ids)
    if sentences is None:
        result = lazy.to_zarr(staging / "scores.zarr", **writing)
    else:
        words = tokens.words(options)
        written = sentences.to_zarr(staging / "scores.zarr", words=words, **writing)
        result = written.tokens
    issues = result.extra["issue_digest"]
    per_class = result.extra.get("per_class_issues")
    if per_class is None:  # multi-class: issues by given label
        per_class = issues.per_given_class
    facts = report.summary(
        result,
        inputs=options.get("shown_inputs") or {"labels": options["labels"], "pred_probs": options["pred_probs"]},
        seconds=time.perf_counter() - start,
    )
    if options["filter_by"] is not None:  # the filters estimate no count apart from what they flag
        del facts["estimated_num_issues"]
    if options["multilabel"]:
        facts["label_health"] = _label_health(result, issues, labels, pred_probs, options)
    flipped = options.get("flipped")
    if flipped is not None:  # the demo's labels flipped on purpose, and how many of them were flagged
        facts["labels_flipped_on_purpose"] = int(flipped.sum())
        facts["flagged_rows_flipped_on_purpose"] = int(flipped[result.issues].sum())
    more = ""
    if sentences is not None:
        facts.update(tokens.sentence_facts(options, sentences, written))
        mask = zarr_outputs.written_group(staging / "scores.zarr")["is_label_issue"]
        more = tokens.worst_sentences_section(sentences, written, labels, pred_probs, mask, words, class_names)
    (staging / "summary.json").write_text(json.dumps(facts, indent=2), encoding="utf-8")
    joint, histogram = result.extra.get("confident_joint"), result.extra["score_histogram"]
    views = None if joint is None else report.class_views(joint, result.n_examples, class_names)
    report.write_report(staging / "report.html", facts, histogram, per_class, issues, views, class_names, more)
    return facts


_DEFAULT_FILTER = {"filter_by": "prune_by_noise_rate", "frac_noise": 1.0, "min_examples_per_class": 1}


def _given_class(issues: IssueDigest, rows: np.ndarray, k: int) -> np.ndarray:
    """Whether each of ``rows`` (issues) is given class ``k``."""
    order = np.argsort(issues.index)
    given = issues.given_labels.taken(order[np.searchsorted(issues.index[order], rows)])
    seen = np.concatenate([[0], np.cumsum(given.values == k)])
    return seen[given.offsets[1:]] > seen[given.offsets[:-1]]


def _label_health(
    result: ScanResult, issues: IssueDigest, labels: da.Array, pred_probs: da.Array, options: dict[str, Any]
) -> dict[str, Any]:
    """cleanlab's multi-label health summary, for summary.json: its score and
    its two tables as lists of rows. A scan under cleanlab's default filter
    has found each class's issues already; otherwise they are searched for."""
    if {name: options[name] for name in _DEFAULT_FILTER} == _DEFAULT_FILTER:
        per_class = result.extra["per_class"]
        labelled = [_given_class(issues, rows, k) for k, rows in enumerate(per_class)]
        found = multilabel_health.PerClassIssues(result.n_examples, result.thresholds, per_class, labelled)
        summary = multilabel_health.health_summary(found)
    else:
        if not options["quiet"]:
            click.echo("label health: each class's issues under prune_by_noise_rate", err=True)
        summary = dlq.multilabel.multilabel_health_summary(labels, pred_probs, verbose=False)
    return {name: value if isinstance(value, float) else value.to_dict("records") for name, value in summary.items()}


class _Command(click.Command):
    """A command whose errors are one line on stderr and exit code 2 (a traceback with --debug)."""

    def make_context(self, info_name: str | None, args: list[str], parent: Any = None, **extra: Any) -> Any:
        try:
            return super().make_context(info_name, args, parent, **extra)
        except click.UsageError as error:  # a value click refuses: one line, as any refusal
            click.echo(f"dlq: error: {error.format_message()} (see dlq {info_name} --help)", err=True)
            sys.exit(2)

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except click.UsageError as error:  # an option refused after parsing: one line, as any refusal
            click.echo(f"dlq: error: {error.format_message()}", err=True)
            ctx.exit(2)
        except (click.ClickException, click.exceptions.Exit, click.exceptions.Abort):
            raise
        except KeyboardInterrupt:
            click.echo("dlq: interrupted; no output was written", err=True)
            ctx.exit(130)
        except Exception as error:
            if ctx.params.get("debug"):
                raise
            message = str(error) or f"{type(error).__name__} (run again with --debug to see where)"
            click.echo(f"dlq: error: {message}", err=True)
            ctx.exit(2)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(dlq.__version__, prog_name="dlq")
def main() -> None:
    """dlq finds mislabeled examples in classification data of any size.

    It reads model-predicted probabilities and the given labels, scores every
    label's quality with confident learning on Dask, and writes the likely
    label errors with a report.
    """


@main.command(cls=_Command)
@click.argument("inputs", nargs=-1, metavar="LABELS PRED_PROBS")
@click.option("--labels", help="The given labels, instead of the argument LABELS.")
@click.option("--pred-probs", help="The model's predicted probabilities, instead of the argument PRED_PROBS.")
@click.option("--out", required=True, type=click.Path(), help="Output directory to create.")
@click.option(
    "--task",
    type=click.Choice(["classification", "segmentation", "token-classification"]),
    default="classification",
    show_default=True,
    help="segmentation: LABELS (N, H, W) of every pixel, PRED_PROBS (N, K, H, W) or (N, H, W, K). "
    "token-classification: LABELS (T) and PRED_PROBS (T, K) of all tokens, with --sentence-lengths.",
)
@click.option(
    "--sentence-lengths",
    help="Token classification: how many tokens each sentence has, N integers summing to T "
    "(.npy, zarr, FILE.h5:/dataset or a Parquet column).",
)
@click.option(
    "--tokens",
    help="Token classification: the text of every token (T strings), shown in the report and issues.parquet.",
)
@click.option("--multilabel", is_flag=True, help="Labels are sets of classes (lists, or a binary (N, K) array).")
@click.option(
    "--method",
    type=click.Choice(_validation.SCORE_METHODS),
    default="self_confidence",
    show_default=True,
    help="Label quality score.",
)
@click.option("--adjust-pred-probs", is_flag=True, help="Subtract class thresholds from pred_probs before scoring.")
@click.option(
    "--aggregator",
    type=click.Choice(["ema", "softmin"]),
    default="ema",
    show_default=True,
    help="Multi-label: how per-class scores become one score.",
)
@click.option("--alpha", type=float, default=0.8, show_default=True, help="EMA weight of the worst class, in [0, 1].")
@click.option("--temperature", type=float, default=0.1, show_default=True, help="Softmin temperature, > 0.")
@click.option("--downsample", type=click.IntRange(min=1), default=1, help="Segmentation: search images shrunk so.")
@click.option("--channels-last/--channels-first", default=None, help="Segmentation: where PRED_PROBS holds classes.")
@click.option(
    "--estimation-method",
    type=click.Choice(_validation.BATCHED_ESTIMATION_METHODS),
    default="off_diagonal",
    show_default=True,
    help="Multi-class: how the number of issues is estimated.",
)
@click.option(
    "--filter-by",
    type=click.Choice(_validation.FILTERS),
    help="Find issues as cleanlab.filter.find_label_issues with this filter instead of the batched search "
    "(one read for predicted_neq_given, two for confident_learning, three for the others, and one more for the "
    "scores); issues are ranked by --method.",
)
@click.option(
    "--frac-noise",
    type=click.FloatRange(0.0, 1.0),
    default=1.0,
    show_default=True,
    help="With --filter-by: fraction of the estimated issues to flag.",
)
@click.option(
    "--min-examples-per-class",
    type=click.IntRange(min=0),
    default=1,
    show_default=True,
    help="With --filter-by: classes with no more examples are not pruned.",
)
@click.option(
    "--per-class", is_flag=True, help="Multi-label: also write the (N, K) per-class scores (one more read of the data)."
)
@click.option(
    "--pred-probs-columns",
    help="A Parquet pred_probs' probability columns, one per class in class order: a comma-separated list "
    "(p0,p1,p2) or a prefix ending in '*' ('p_*'). Needed when it holds other columns too.",
)
@click.option(
    "--class-names",
    help="Class names: a text file of one name a line, or a comma-separated list (default: a class_names "
    "attribute stored with pred_probs, if any).",
)
@click.option(
    "--ids",
    help="An id of every example (every image with --task segmentation, every token with token-classification; "
    ".npy, zarr, FILE.h5:/dataset or Parquet), carried into issues.parquet.",
)
@click.option(
    "--no-class-views",
    is_flag=True,
    help="Leave the class table, the given-vs-predicted heatmap and the confused pairs out of the report "
    "(they take one more read of the data).",
)
@click.option(
    "--missing-label-chunks",
    type=click.Choice(["error", "fill"]),
    default="error",
    show_default=True,
    help="A zarr store of labels (or ids) that lacks a chunk: refuse it, or read the chunk as the store's fill "
    "value (zarr leaves chunks of fill values unwritten). A missing chunk of pred_probs is always refused.",
)
@click.option("--chunk-rows", type=click.IntRange(min=1), help="Rows per chunk (default: about 16 MiB of pred_probs).")
@click.option(
    "--scheduler",
    envvar="DASK_SCHEDULER_ADDRESS",
    help="Address of a running Dask scheduler (also read from DASK_SCHEDULER_ADDRESS).",
)
@click.option("--scheduler-file", type=click.Path(exists=True, dir_okay=False), help="Scheduler file of a cluster.")
@click.option("--workers", type=click.IntRange(min=1), help="Local cluster: number of worker processes.")
@click.option("--threads-per-worker", type=click.IntRange(min=1), help="Local cluster: threads per worker.")
@click.option("--memory-limit", help="Local cluster: memory per worker, such as '4GiB'.")
@click.option("--overwrite", is_flag=True, help="Replace an existing output directory.")
@click.option("--quiet", is_flag=True, help="No progress bar or messages.")
@click.option("--debug", is_flag=True, help="Show a traceback on errors.")
def scan(**options: Any) -> None:
    """Scan LABELS (N) and PRED_PROBS (N x K) for label issues (images or sentences with --task).

    Inputs are .npy files, zarr stores (paths or URLs such as s3://...),
    HDF5 datasets as FILE.h5:/dataset, or Parquet (pred_probs as K float
    columns or one list column; labels as an integer column, or a list column
    with --multilabel). Writes to --out: scores.zarr, issues.parquet,
    summary.json and report.html.
    """
    arrays.refuse_query_planning()
    images.check_task_options(options)
    scan_options.check_token_options(options)
    inputs.name_inputs(options)
    cluster = {name: options[name] for name in ("workers", "threads_per_worker", "memory_limit")}
    if options["task"] == "segmentation":
        images.scan_images(options, **cluster)
        return
    scan_options.check_options(options)
    facts = _scan_on_cluster(options, **cluster)
    if not options["quiet"] and options["task"] == "token-classification":
        click.echo(
            f"{facts['n_issues']:,} tokens flagged in {facts['sentences_with_issues']:,} of "
            f"{facts['n_sentences']:,} sentences in {facts['elapsed_seconds']:.1f} s; "
            f"report: {Path(options['out']) / 'report.html'}"
        )
    elif not options["quiet"]:
        click.echo(
            f"{facts['n_issues']:,} label issues among {facts['n_examples']:,} examples "
            f"in {facts['elapsed_seconds']:.1f} s; report: {Path(options['out']) / 'report.html'}"
        )


@main.command(cls=_Command)
@click.option("--multilabel", is_flag=True, help="A multi-label data set instead of a multi-class one.")
@click.option("--rows", type=click.IntRange(min=100), default=100_000, show_default=True, help="Examples to make.")
@click.option(
    "--out", type=click.Path(file_okay=False), default="dlq-demo", show_default=True, help="Output directory."
)
@click.option("--overwrite", is_flag=True, help="Replace an existing output directory.")
@click.option("--quiet", is_flag=True, help="No progress bar or messages.")
@click.option("--debug", is_flag=True, help="Show a traceback on errors.")
def demo(multilabel: bool, rows: int, out: str, overwrite: bool, quiet: bool, debug: bool) -> None:
    """Make a realistic noisy data set, scan it on a local cluster, and score the scan.

    The data are out-of-fold probabilities of a scikit-learn model on the
    handwritten digits that scikit-learn ships, resampled to --rows, with
    labels flipped at known places; they are written as zarr to OUT/data and
    the scan goes to OUT/scan. Prints precision and recall of the issues
    found against the flipped labels.
    """
    from dlq.cli import demo as demo_data

    final = Path(out)
    with outputs.atomic_directory(final, overwrite=overwrite) as staging:
        data = staging / "data"
        flipped = demo_data.write_dataset(data, rows=rows, multilabel=multilabel)
        options = {
            "pred_probs": str(data / "pred_probs.zarr"),
            "labels": str(data / "labels.zarr"),
            "shown_inputs": {name: str(final / "data" / f"{name}.zarr") for name in ("pred_probs", "labels")},
            "out": str(staging / "scan"),
            "multilabel": multilabel,
            "method": "self_confidence",
            "adjust_pred_probs": False,
            "aggregator": "ema",
            "alpha": 0.8,
            "temperature": 0.1,
            "estimation_method": "off_diagonal",
            "filter_by": None,
            "frac_noise": 1.0,
            "min_examples_per_class": 1,
            "per_class": False,
            "flipped": flipped,
            "chunk_rows": None,
            "overwrite": False,
            "quiet": quiet,
            "debug": debug,
        }
        facts = _scan_on_cluster(options, workers=None, threads_per_worker=None, memory_limit=None)
    flagged, hits = facts["n_issues"], facts["flagged_rows_flipped_on_purpose"]
    click.echo(f"{rows:,} examples, {int(flipped.sum()):,} labels flipped on purpose")
    click.echo(f"dlq found {flagged:,} label issues in {facts['elapsed_seconds']:.1f} s")
    click.echo(f"precision {hits / max(flagged, 1):.3f}, recall {hits / max(int(flipped.sum()), 1):.3f}")
    click.echo(f"report: {final / 'scan' / 'report.html'}")


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
