"""What a scan leaves behind for people: summary.json and report.html."""

from __future__ import annotations

import base64
import html
import io as bytes_io
import platform
from pathlib import Path
from typing import Any

import numpy as np

from dlq.table import WORST_SHOWN, IssueDigest


def versions() -> dict[str, str]:
    """Versions of dlq and what it runs on."""
    import dask
    import distributed

    import dlq

    return {
        "dlq": dlq.__version__,
        "dask": dask.__version__,
        "distributed": distributed.__version__,
        "numpy": np.__version__,
        "python": platform.python_version(),
    }


def summary(result: Any, *, inputs: dict[str, str], seconds: float) -> dict[str, Any]:
    """The facts of a scan, for summary.json."""
    return {
        "n_examples": result.n_examples,
        "n_classes": result.n_classes,
        "n_issues": int(result.issues.shape[0]),
        "estimated_num_issues": result.num_issues,
        "thresholds": np.asarray(result.thresholds).tolist(),
        "options": result.options,
        "inputs": inputs,
        "versions": versions(),
        "elapsed_seconds": round(seconds, 3),
    }


def _png(figure: Any) -> str:
    buffer = bytes_io.BytesIO()
    figure.savefig(buffer, format="png", dpi=100, bbox_inches="tight")
    return base64.b64encode(buffer.getvalue()).decode("ascii")


def _figures(histogram: tuple[np.ndarray, np.ndarray], cutoff: float | None, per_class: np.ndarray) -> list[str]:
    # Figure objects draw without pyplot, so no backend is chosen for the caller's process
    from matplotlib.figure import Figure

    counts, edges = histogram
    figure = Figure(figsize=(7, 3))
    axes = figure.subplots()
    axes.bar(edges[:-1], counts, width=np.diff(edges), align="edge", color="#4c72b0")
    if cutoff is not None:
        axes.axvline(cutoff, color="#c44e52", linestyle="--", label=f"issue cut-off ({cutoff:.3g})")
        axes.legend()
    axes.set(xlabel="label quality score", ylabel="examples", title="Scores of all examples")
    images = [_png(figure)]
    figure = Figure(figsize=(7, 3))
    axes = figure.subplots()
    axes.bar(np.arange(per_class.shape[0]), per_class, color="#55a868")
    axes.set(xlabel="class", ylabel="issues", title="Issues per class")
    images.append(_png(figure))
    return images


def _html_rows(rows: list[dict[str, Any]]) -> str:
    if not rows:
        return "<p>none</p>"
    header = "".join(f"<th>{html.escape(name)}</th>" for name in rows[0])
    body = "".join(
        "<tr>" + "".join(f"<td>{html.escape(_shown(value))}</td>" for value in row.values()) + "</tr>" for row in rows
    )
    return f"<table><tr>{header}</tr>{body}</table>"


def _shown(value: Any) -> str:
    return f"{value:.4f}" if isinstance(value, float) else str(value)


def _readable(value: Any) -> str:
    """A summary value as HTML for people: numbers formatted, a mapping as
    ``name = value`` lines, a list comma-separated, nothing as JSON.

    Examples
    --------
    >>> _readable({"method": "self_confidence", "alpha": 0.8}), _readable(1234567), _readable(0.000123456)
    ('method = self_confidence<br>alpha = 0.8', '1,234,567', '0.000123')
    """
    if isinstance(value, dict):
        return "<br>".join(f"{html.escape(str(name))} = {_readable(item)}" for name, item in value.items())
    if isinstance(value, (list, tuple)):
        return ", ".join(_readable(item) for item in value)
    if isinstance(value, bool) or value is None:
        return html.escape(str(value))
    if isinstance(value, (int, np.integer)):
        return f"{value:,}"
    if isinstance(value, (float, np.floating)):
        return f"{value:.3g}"
    return html.escape(str(value))


def _health_section(health: dict[str, Any] | None) -> str:
    """The multi-label health summary, as cleanlab's multilabel_health_summary gives it."""
    if health is None:
        return ""
    score = health["overall_multilabel_health_score"]
    return (
        f"<h2>Label health</h2><p>Overall multi-label health score: <b>{score:.4f}</b> "
        "(the fraction of examples without a label issue under prune_by_noise_rate)</p>"
        f"<h3>Classes by label quality</h3>{_html_rows(health['classes_by_multilabel_quality'])}"
        f"<h3>Most common label issues</h3>{_html_rows(health['common_multilabel_issues'][:WORST_SHOWN])}"
    )


def write_report(
    path: Path,
    facts: dict[str, Any],
    histogram: tuple[np.ndarray, np.ndarray],
    per_class: np.ndarray,
    issues: IssueDigest,
) -> None:
    """Write report.html: one self-contained page with the summary, a score
    histogram with the issue cut-off, per-class issue counts and the worst examples."""
    table = issues.worst
    images = _figures(histogram, issues.highest_score, per_class)
    summary_rows = "".join(
        f"<tr><th>{html.escape(name.replace('_', ' '))}</th><td>{_readable(value)}</td></tr>"
        for name, value in facts.items()
        if name not in ("thresholds", "label_health")
    )
    header = "".join(f"<th>{html.escape(name)}</th>" for name in table)
    worst = "".join(
        "<tr>" + "".join(f"<td>{html.escape(str(table[name][row]))}</td>" for name in table) + "</tr>"
        for row in range(len(table["index"]))
    )
    page = f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>dlq scan report</title>
<style>body{{font-family:sans-serif;margin:2em;max-width:60em}}table{{border-collapse:collapse}}
th,td{{border:1px solid #ccc;padding:0.2em 0.6em;text-align:left}}</style></head>
<body><h1>dlq scan report</h1>
<h2>Summary</h2><table>{summary_rows}</table>
<h2>Scores</h2><img alt="histogram of label quality scores" src="data:image/png;base64,{images[0]}">
<h2>Issues per class</h2><img alt="label issues per class" src="data:image/png;base64,{images[1]}">
<h2>The {len(table["index"])} worst examples</h2>
<table><tr>{header}</tr>{worst}</table>
{_health_section(facts.get("label_health"))}
</body></html>
"""
    path.write_text(page, encoding="utf-8")
