"""report.html of a segmentation scan: the summary, the worst images with
their flagged pixels drawn over their labels, and the classes most often
confused among the flagged pixels."""

from __future__ import annotations

import html
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from dlq.cli.report import drawing, png
from dlq.io.html_summary import significant
from dlq.io.image_figures import thumbnail

#: Worst images a report shows.
IMAGES_SHOWN = 12


def write_image_report(
    path: Path,
    facts: dict[str, Any],
    worst: pd.DataFrame,
    shown: list[tuple[np.ndarray, np.ndarray]],
    confusions: pd.DataFrame,
) -> None:
    """Write report.html: the ``facts``, the ``worst`` images (rows of the
    issue table) with thumbnails of the first of them (``shown``: their
    labels and flagged pixels), and the ``confusions`` among flagged pixels."""
    with drawing("images"):
        pictures = [png(thumbnail(labels, flagged, facts["n_classes"])) for labels, flagged in shown]
    summary_rows = "".join(
        f"<tr><th>{html.escape(name.replace('_', ' '))}</th><td>{html.escape(significant(value))}</td></tr>"
        for name, value in facts.items()
        if not isinstance(value, (dict, list))
    )
    cells = "".join(
        "<figure style='display:inline-block;margin:0.3em'>"
        f"<img alt='image {image}' src='data:image/png;base64,{picture}'>"
        f"<figcaption>image {image}: {flagged:,} pixels, score {significant(score)}</figcaption></figure>"
        for picture, (image, score, flagged) in zip(
            pictures, worst[["image", "image_score", "flagged_pixels"]].itertuples(index=False), strict=False
        )
    )
    confused = "".join(
        f"<tr><td>{html.escape(str(given))}</td><td>{html.escape(str(predicted))}</td><td>{count:,}</td></tr>"
        for given, predicted, count in confusions.itertuples(index=False)
    )
    headline = (
        f"<b>{facts['n_issues']:,}</b> of {facts['n_pixels']:,} pixels are flagged as likely label issues, in "
        f"{facts['images_with_issues']:,} of {facts['n_images']:,} images."
    )
    page = f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>dlq segmentation report</title>
<style>body{{font-family:sans-serif;margin:2em;max-width:60em}}table{{border-collapse:collapse}}
th,td{{border:1px solid #ccc;padding:0.2em 0.6em;text-align:left}}figcaption{{font-size:small}}</style></head>
<body><h1>dlq segmentation report</h1>
<h2>Summary</h2><p>{headline}</p><table>{summary_rows}</table>
<h2>The {len(pictures)} worst images</h2><p>Lowest image score first; each pixel coloured by its given
class, flagged pixels in red.</p>{cells}
<h2>Classes most often confused</h2><p>Flagged pixels by given class and the model's most likely class
(cleanlab.segmentation.summary.common_label_issues).</p>
<table><tr><th>given label</th><th>predicted label</th><th>flagged pixels</th></tr>{confused}</table>
</body></html>
"""
    path.write_text(page, encoding="utf-8")
