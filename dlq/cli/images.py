"""``dlq scan --task segmentation``: labels (N, H, W) and pred_probs
(N, K, H, W) or (N, H, W, K) scanned on a cluster into a folder published
whole: scores.zarr (the pixel issue mask, pixel and image scores, issues
per image), issues.parquet (a row per image with a flagged pixel, worst
first, with its most common confusion), summary.json and report.html."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import click
import numpy as np
import pandas as pd

import dlq
from dlq._validation.segmentation import check_downsample
from dlq.cli import inputs, report
from dlq.cli.cluster import options_client
from dlq.cli.image_report import IMAGES_SHOWN, write_image_report
from dlq.cli.scan_options import flag
from dlq.graphs import segmentation
from dlq.graphs.rows import values_at
from dlq.graphs.scheduler import compute
from dlq.io import arrays, outputs
from dlq.io.images import SegmentationInputs, open_segmentation_inputs

#: The options of segmentation, at their defaults.
SEGMENTATION_ONLY = {"downsample": 1, "channels_last": None}
#: The options of classification scans, at their defaults: refused with --task segmentation.
CLASSIFICATION_ONLY = {
    "multilabel": False,
    "method": "self_confidence",
    "adjust_pred_probs": False,
    "aggregator": "ema",
    "alpha": 0.8,
    "estimation_method": "off_diagonal",
    "filter_by": None,
    "frac_noise": 1.0,
    "min_examples_per_class": 1,
    "per_class": False,
    "pred_probs_columns": None,
    "no_class_views": False,
}


def check_task_options(options: dict[str, Any]) -> None:
    """Refuse the options that the task would silently ignore."""
    segmentation = options["task"] == "segmentation"
    for name, default in (CLASSIFICATION_ONLY if segmentation else SEGMENTATION_ONLY).items():
        if options.get(name, default) != default:
            where = "without" if segmentation else "with"
            raise click.UsageError(f"{flag(name)} applies only {where} --task segmentation")


def _opened(options: dict[str, Any]) -> SegmentationInputs:
    """The inputs opened and their shapes checked, nothing read; inputs whose
    dimensions say they are swapped are refused saying so."""
    shapes = {name: arrays.array_like(options[name], name=name).shape for name in ("labels", "pred_probs")}
    if len(shapes["labels"]) == 4 and len(shapes["pred_probs"]) == 3:
        raise click.UsageError(
            f"the inputs look swapped: LABELS has shape {shapes['labels']} and PRED_PROBS {shapes['pred_probs']}; "
            "dlq scan takes LABELS (N, H, W) then PRED_PROBS (N, K, H, W) or (N, H, W, K)"
        )
    return open_segmentation_inputs(
        options["labels"],
        options["pred_probs"],
        channels_last=options["channels_last"],
        chunk_images=options["chunk_rows"],
    )


def scan_images(options: dict[str, Any], **cluster: Any) -> dict[str, Any]:
    """Check the inputs and options, then scan the images on a cluster into
    a staging folder published whole; the facts of summary.json."""
    inputs.refuse_output_over_inputs(options)
    opened = _opened(options)
    check_downsample(options["downsample"], opened.labels.shape[1:])
    names = inputs.class_names(options, opened.num_classes)
    ids = inputs.opened_ids(options, opened.labels)
    with outputs.atomic_directory(options["out"], overwrite=options["overwrite"]) as staging:
        with options_client(options, **cluster):
            facts = _run(options, opened, names, ids, staging)
    if not options["quiet"]:
        click.echo(
            f"{facts['n_issues']:,} pixels flagged in {facts['images_with_issues']:,} of {facts['n_images']:,} "
            f"images in {facts['elapsed_seconds']:.1f} s; report: {Path(options['out']) / 'report.html'}"
        )
    return facts


def _run(
    options: dict[str, Any], opened: SegmentationInputs, names: list[str] | None, ids: Any, staging: Path
) -> dict[str, Any]:
    import zarr

    start = time.perf_counter()
    chosen = {"downsample": options["downsample"], "temperature": options["temperature"]}
    if not options["quiet"]:
        click.echo("scanning images: thresholds, pixel issues, scores and outputs", err=True)
    lazy = dlq.segmentation.scan(opened.labels, opened.pred_probs, channels_last=opened.channels_last, **chosen)
    result = lazy.to_zarr(staging / "scores.zarr", progress=not options["quiet"])
    mask = zarr.open_group(str(staging / "scores.zarr"), mode="r")["is_label_issue"]
    marked = segmentation.issue_labels(opened.labels, arrays.open_array(mask, name="is_label_issue"))
    counts, per_image = segmentation.confusions(marked, opened.pred_probs, opened.channels_last, np.array([], int))
    counts, per_image = compute(counts, per_image, progress=not options["quiet"])
    shown_names = names or [str(k) for k in range(opened.num_classes)]
    confusions = segmentation.common_issues_table(counts, shown_names, opened.num_classes**2)
    flagged = np.flatnonzero(result.issues_per_image)
    order = flagged[np.lexsort((flagged, result.image_scores[flagged]))]  # lowest score first, ties by image
    table = pd.DataFrame(
        {
            "image": order,
            "image_score": result.image_scores[order],
            "flagged_pixels": result.issues_per_image[order],
            "given_label": per_image[order, 0],
            "predicted_label": per_image[order, 1],
            "confused_pixels": per_image[order, 2],
        }
    )
    if names is not None:
        table.insert(4, "given_label_name", [names[k] for k in table["given_label"]])
        table.insert(6, "predicted_label_name", [names[k] for k in table["predicted_label"]])
    if ids is not None:
        (image_ids,) = compute(values_at(ids, order))
        table.insert(1, "id", image_ids)
    table.to_parquet(staging / "issues.parquet", index=False)
    shown = order[:IMAGES_SHOWN]
    pictures = [(np.asarray(opened.labels[image]), mask[int(image)]) for image in shown]
    n_images, height, width = opened.labels.shape
    facts = {
        "task": "segmentation",
        "n_images": n_images,
        "image_height": height,
        "image_width": width,
        "n_classes": opened.num_classes,
        "n_pixels": n_images * height * width,
        "n_issues": int(result.issues_per_image.sum()),
        "images_with_issues": int(flagged.shape[0]),
        "estimated_num_issues": result.num_issues,
        "thresholds": np.asarray(result.thresholds).tolist(),
        "options": {**chosen, "channels_last": opened.channels_last},
        "inputs": {"labels": options["labels"], "pred_probs": options["pred_probs"]},
        "versions": report.versions(),
        "elapsed_seconds": round(time.perf_counter() - start, 3),
    }
    (staging / "summary.json").write_text(json.dumps(facts, indent=2), encoding="utf-8")
    write_image_report(staging / "report.html", facts, table, pictures, confusions)
    return facts
