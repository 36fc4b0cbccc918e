"""What a scan leaves behind for people: summary.json and report.html."""

from __future__ import annotations

import base64
import contextlib
import html
import io as bytes_io
import platform
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np

from dlq.count import estimate_joint
from dlq.dataset import find_overlapping_classes, rank_classes_by_label_quality
from dlq.io.html_summary import readable, significant
from dlq.io.issue_table import WORST_SHOWN, IssueDigest


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


#: Characters of a class name shown on a figure's axis (the tables show it whole).
NAME_SHOWN = 40


def axis_label(name: Any) -> str:
    """A class name as a figure shows it: literally (control characters
    such as newlines escaped), cut to :data:`NAME_SHOWN` characters.

    Examples
    --------
    >>> axis_label("$100_$200"), axis_label("two\\nlines"), len(axis_label("x" * 100))
    ('$100_$200', 'two\\\\nlines', 40)
    """
    shown = "".join(c if c.isprintable() else c.encode("unicode_escape").decode("ascii") for c in str(name))
    return shown if len(shown) <= NAME_SHOWN else shown[: NAME_SHOWN - 1] + "\u2026"


@contextlib.contextmanager
def drawing(what: str) -> Iterator[None]:
    """Draw with every text taken literally (no math text: ``$`` is a
    dollar sign) and without warnings of glyphs the font lacks; a figure
    that cannot be drawn raises a one-line ValueError naming it."""
    import matplotlib

    try:
        with matplotlib.rc_context({"text.parse_math": False}), warnings.catch_warnings():
            warnings.filterwarnings("ignore", message="Glyph .* missing from", category=UserWarning)
            yield
    except Exception as error:
        reason = " ".join(str(error).split())
        raise ValueError(f"report.html: could not draw the {what} ({type(error).__name__}: {reason})") from error


def png(figure: Any) -> str:
    """A figure as base64 PNG data, for an img tag's data URL."""
    buffer = bytes_io.BytesIO()
    figure.savefig(buffer, format="png", dpi=100, bbox_inches="tight")
    return base64.b64encode(buffer.getvalue()).decode("ascii")


def _figures(
    histogram: tuple[np.ndarray, np.ndarray], cutoff: float | None, per_class: np.ndarray, names: list[str] | None
) -> list[str]:
    with drawing("score histogram"):
        images = [png(_histogram(histogram, cutoff))]
    with drawing("issues per class"):
        images.append(png(per_class_figure(per_class, names)))
    return images


def _histogram(histogram: tuple[np.ndarray, np.ndarray], cutoff: float | None) -> Any:
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
    return figure


def _class_labels(classes: np.ndarray, names: list[str] | None) -> list[str]:
    return [axis_label(names[k]) if names is not None else str(k) for k in classes]


def per_class_figure(per_class: np.ndarray, names: list[str] | None = None) -> Any:
    """Issues per class as bars, every bar labeled with its class (its name
    when known): all classes up to :data:`NAMED_TICKS`, else the
    :data:`NAMED_TICKS` with the most issues, most first.

    Examples
    --------
    >>> figure = per_class_figure(np.array([3, 0, 7]), ["cat", "dog", "eel"])
    >>> [label.get_text() for label in figure.axes[0].get_xticklabels()]
    ['cat', 'dog', 'eel']
    """
    from matplotlib.figure import Figure

    classes = np.arange(per_class.shape[0])
    title = "Issues per class"
    if classes.shape[0] > NAMED_TICKS:
        classes = np.argsort(-per_class, kind="stable")[:NAMED_TICKS]
        title = f"Issues per class: the {NAMED_TICKS} classes with the most, of {per_class.shape[0]}"
    figure = Figure(figsize=(7, 3 + 0.05 * max(map(len, _class_labels(classes, names)))))
    axes = figure.subplots()
    axes.bar(np.arange(classes.shape[0]), per_class[classes], color="#55a868")
    axes.set_xticks(np.arange(classes.shape[0]), _class_labels(classes, names), rotation=90)
    axes.set(xlabel="class", ylabel="issues", title=title)
    return figure


def confusions_figure(joint: np.ndarray, names: list[str] | None = None) -> Any:
    """The confusions a team acts on: the confident joint's off-diagonal
    cells (given class by predicted class), each with its count written in,
    on a colour scale fitted to them; the diagonal, the agreements, left
    blank. Over :data:`CONFUSED_CLASSES` classes, only the classes of the
    most confused pairs are drawn.

    Examples
    --------
    >>> figure = confusions_figure(np.array([[50, 3], [9, 40]]), ["cat", "dog"])
    >>> image = figure.axes[0].images[0]
    >>> image.get_array().mask.diagonal().all(), image.get_clim()
    (np.True_, (0.0, 9.0))
    """
    from matplotlib.figure import Figure

    joint = np.asarray(joint)
    classes = np.arange(joint.shape[0])
    title = "Given vs predicted class: the confusions"
    if classes.shape[0] > CONFUSED_CLASSES:
        classes = _most_confused_classes(joint, CONFUSED_CLASSES)
        title = f"{title}, among the {classes.shape[0]} classes of the most confused pairs"
    shown = np.ma.masked_array(joint[np.ix_(classes, classes)], mask=np.eye(classes.shape[0], dtype=bool))
    size = 3 + 0.4 * classes.shape[0]
    figure = Figure(figsize=(size + 1.5, size))
    axes = figure.subplots()
    image = axes.imshow(shown, cmap="Reds", vmin=0, vmax=max(float(shown.max() or 0), 1.0))
    figure.colorbar(image, ax=axes, label="examples (confident joint)")
    for given, predicted in zip(*np.nonzero(~shown.mask & (shown.filled(0) > 0)), strict=True):
        count = int(shown[given, predicted])
        dark = count > 0.6 * image.get_clim()[1]
        axes.text(predicted, given, f"{count:,}", ha="center", va="center", fontsize=7, color="w" if dark else "k")
    labels = _class_labels(classes, names)
    axes.set_xticks(range(classes.shape[0]), labels, rotation=90)
    axes.set_yticks(range(classes.shape[0]), labels)
    axes.set(xlabel="predicted class", ylabel="given class", title=title)
    return figure


def _most_confused_classes(joint: np.ndarray, limit: int) -> np.ndarray:
    """Up to ``limit`` classes, those of the off-diagonal cells with the most examples, in class order."""
    off = joint.astype(np.float64, copy=True)
    np.fill_diagonal(off, -1)
    chosen: list[int] = []
    for cell in np.argsort(-off, axis=None, kind="stable"):
        if off.flat[cell] <= 0:
            break
        for k in np.unravel_index(cell, off.shape):
            if int(k) not in chosen and len(chosen) < limit:
                chosen.append(int(k))
        if len(chosen) >= limit:
            break
    return np.array(sorted(chosen or range(min(limit, joint.shape[0]))), dtype=np.int64)


def _html_rows(rows: list[dict[str, Any]]) -> str:
    if not rows:
        return "<p>none</p>"
    header = "".join(f"<th>{html.escape(name)}</th>" for name in rows[0])
    body = "".join(
        "<tr>" + "".join(f"<td>{html.escape(significant(value))}</td>" for value in row.values()) + "</tr>"
        for row in rows
    )
    return f"<table><tr>{header}</tr>{body}</table>"


def _readable(value: Any) -> str:
    """A summary value as HTML for people (:func:`dlq.io.html_summary.readable`):
    a mapping as ``name = value`` lines, nothing as JSON.

    Examples
    --------
    >>> _readable({"method": "self_confidence", "alpha": 0.8}), _readable(1234567), _readable(0.000123456)
    ('method = self_confidence<br>alpha = 0.8', '1,234,567', '0.0001235')
    """
    return "<br>".join(html.escape(line) for line in readable(value, separator="\n").split("\n"))


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


#: Class pairs shown in a report, most confused first.
PAIRS_SHOWN = 10
#: Classes the confusions figure draws at most: those of the most confused pairs.
CONFUSED_CLASSES = 20
#: Classes the bar chart of issues per class draws at most (those with the most issues).
NAMED_TICKS = 30


def class_views(confident_joint: np.ndarray, n_examples: int, class_names: Any = None) -> dict[str, Any]:
    """What a multi-class report shows of the classes: cleanlab's table of
    classes by label quality and of the most confused pairs (from the
    calibrated confident joint), and the joint itself, for the figure of
    its confusions (:func:`confusions_figure`).

    Examples
    --------
    >>> views = class_views(np.array([[8, 2], [1, 9]]), 20, ["cat", "dog"])
    >>> views["classes"][0]["Class Name"], views["confident_joint"].tolist()
    ('cat', [[8, 2], [1, 9]])
    """
    joint = estimate_joint(None, None, confident_joint=confident_joint)
    names = [str(name) for name in class_names] if class_names is not None else None
    classes = rank_classes_by_label_quality(joint=joint, num_examples=n_examples, class_names=names)
    pairs = find_overlapping_classes(joint=joint, num_examples=n_examples, class_names=names)
    return {
        "classes": classes.to_dict("records"),
        "pairs": pairs.head(PAIRS_SHOWN).to_dict("records"),
        "confident_joint": np.asarray(confident_joint),
        "names": names,
    }


def _class_section(views: dict[str, Any] | None, flagged: np.ndarray) -> str:
    """The class table (with the rows flagged in each class beside cleanlab's
    estimate), the confusions and the most confused pairs."""
    if views is None:
        return ""
    with drawing("heatmap of given vs predicted class"):
        heatmap = png(confusions_figure(views["confident_joint"], views["names"]))
    classes = [{**row, FLAGGED: int(flagged[int(row["Class Index"])])} for row in views["classes"]]
    return (
        "<h2>Classes by label quality</h2><p>Noisiest first, as cleanlab.dataset.rank_classes_by_label_quality "
        f"ranks them. <b>{FLAGGED}</b> counts the rows of each class this scan flagged; <b>Label Issues</b> is "
        "cleanlab's estimate from the calibrated confident joint, which counts every example off its diagonal, "
        "and so differs from the rows flagged.</p>"
        f"{_html_rows(classes)}"
        f'<h2>Given vs predicted class</h2><img alt="heatmap of given vs predicted class" '
        f'src="data:image/png;base64,{heatmap}">'
        f"<h2>The {PAIRS_SHOWN} most confused class pairs</h2>{_html_rows(views['pairs'])}"
    )


#: The class table's column of rows flagged in each class.
FLAGGED = "Rows Flagged"


def _headline(facts: dict[str, Any]) -> str:
    """The count of rows flagged, and why the estimate beside it differs.

    Examples
    --------
    >>> _headline({"n_examples": 1000, "n_issues": 40, "estimated_num_issues": 45})[:50]
    '<b>40</b> of 1,000 examples are flagged as likely '
    """
    if "n_issues" not in facts:
        return ""
    line = f"<b>{facts['n_issues']:,}</b> of {facts['n_examples']:,} examples are flagged as likely label issues."
    estimated = facts.get("estimated_num_issues")
    if estimated is not None and estimated != facts["n_issues"]:
        line += (
            f" The estimated number of issues, {estimated:,}, counts the examples whose confident class is not "
            "their label before those whose model prediction agrees with their label are left out, so it is "
            "larger than the rows flagged."
        )
    flipped = facts.get("labels_flipped_on_purpose")
    if flipped is not None:
        hits = facts["flagged_rows_flipped_on_purpose"]
        line += (
            f" This demo flipped {flipped:,} labels on purpose, and {hits:,} of the rows flagged are among them: "
            "the other rows flagged hold labels the model doubts though they were not flipped, and a flipped "
            "label the model agrees with is not flagged."
        )
    return line


def write_report(
    path: Path,
    facts: dict[str, Any],
    histogram: tuple[np.ndarray, np.ndarray],
    per_class: np.ndarray,
    issues: IssueDigest,
    views: dict[str, Any] | None = None,
    class_names: list[str] | None = None,
    more: str = "",
) -> None:
    """Write report.html: one self-contained page with the summary, a score
    histogram with the issue cut-off, per-class issue counts, the worst
    examples and, given :func:`class_views` (multi-class), the class table, the
    heatmap of given vs predicted class and the most confused pairs; then
    ``more`` sections (HTML)."""
    table = issues.worst
    images = _figures(histogram, issues.highest_score, per_class, class_names)
    summary_rows = "".join(
        f"<tr><th>{html.escape(name.replace('_', ' '))}</th><td>{_readable(value)}</td></tr>"
        for name, value in facts.items()
        if name not in ("thresholds", "label_health")
    )
    header = "".join(f"<th>{html.escape(name)}</th>" for name in table)
    worst = "".join(
        "<tr>" + "".join(f"<td>{html.escape(significant(table[name][row]))}</td>" for name in table) + "</tr>"
        for row in range(len(table["index"]))
    )
    page = f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>dlq scan report</title>
<style>body{{font-family:sans-serif;margin:2em;max-width:60em}}table{{border-collapse:collapse}}
th,td{{border:1px solid #ccc;padding:0.2em 0.6em;text-align:left}}</style></head>
<body><h1>dlq scan report</h1>
<h2>Summary</h2><p>{_headline(facts)}</p><table>{summary_rows}</table>
<h2>Scores</h2><img alt="histogram of label quality scores" src="data:image/png;base64,{images[0]}">
<h2>Issues per class</h2><img alt="label issues per class" src="data:image/png;base64,{images[1]}">
<h2>The {len(table["index"])} worst examples</h2>
<table><tr>{header}</tr>{worst}</table>
{_class_section(views, per_class)}
{_health_section(facts.get("label_health"))}
{more}
</body></html>
"""
    path.write_text(page, encoding="utf-8")
