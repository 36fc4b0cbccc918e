"""Whatever the class names, the command writes its report: names shown literally, HTML escaped, never math text;
and the issue tables name a label and its name with one stem."""

from __future__ import annotations

import html

import numpy as np
import pandas as pd
import pytest
import zarr
from conftest import noisy_classification, noisy_multilabel, quiet_scan
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import dlq
import dlq.multilabel
from dlq.cli import report
from dlq.io.issue_table import digest, labelled

HOSTILE = ["$100_$200", "a\\b", "<script>alert(1)</script>", "^{x}", "&amp;", "שָׁלוֹם", "😀 cat", "$", "x" * 300]


def _data(num_classes: int, rows: int = 200, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    pred_probs = rng.dirichlet(np.full(num_classes, 0.3), rows)
    labels = pred_probs.argmax(axis=1)
    labels[::7] = rng.integers(0, num_classes, labels[::7].shape)
    return labels, pred_probs


def _assert_named(out, names):
    page = (out / "report.html").read_bytes().decode("utf-8")  # as written: no newline translation
    for name in names:
        assert html.escape(name) in page, name
    assert "<script>alert" not in page


def test_hostile_names_from_a_file_reach_the_report_literally(tmp_path, scheduler):
    many = [HOSTILE[k % len(HOSTILE)] for k in range(1000)]  # duplicates, too many to name the heatmap's axes
    for out, names, rows in (("out", HOSTILE, None), ("many", many, 2000)):
        labels, pred_probs = _data(len(names)) if rows is None else _data(len(names), rows=rows)
        np.save(tmp_path / "labels.npy", labels)
        np.save(tmp_path / "pred_probs.npy", pred_probs)
        (tmp_path / "names.txt").write_text("\n".join(names) + "\n", encoding="utf-8")
        arguments = (tmp_path / "labels.npy", tmp_path / "pred_probs.npy", tmp_path / out)
        ran = quiet_scan(*arguments, "--class-names", tmp_path / "names.txt", scheduler=scheduler)
        assert ran.exit_code == 0, ran.output
        _assert_named(tmp_path / out, HOSTILE)


STORED = [
    "two\nlines",
    "",
    "",
    "tab\there\x00",
    "\u202eRTL override",
    "مرحبا",
    "🐈‍⬛" * 50,
    "$a$",
    "}{\\frac",
    "$100_$200",
]


def test_stored_names_with_newlines_empty_and_duplicates_reach_the_report(tmp_path, scheduler):
    """Names stored with pred_probs (a zarr attribute) may hold anything a
    names file cannot: newlines, empty strings, control characters."""
    labels, pred_probs = _data(len(STORED))
    np.save(tmp_path / "labels.npy", labels)
    stored = zarr.create_array(store=str(tmp_path / "pred_probs.zarr"), data=pred_probs, chunks=(100, len(STORED)))
    stored.attrs["class_names"] = STORED
    ran = quiet_scan(tmp_path / "labels.npy", tmp_path / "pred_probs.zarr", tmp_path / "out", scheduler=scheduler)
    assert ran.exit_code == 0, ran.output
    _assert_named(tmp_path / "out", STORED)


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    names=st.lists(st.text(max_size=60), min_size=1, max_size=8).map(lambda names: [*names, "$1_$2"]),
    seed=st.integers(0, 2**16),
)
def test_any_class_names_are_drawn_and_escaped(tmp_path_factory, names, seed):
    """What the command does with the names once the scan is done (the
    class views and report.html), for any names, duplicates included."""
    num_classes = len(names)
    labels, pred_probs = _data(num_classes, seed=seed)
    predicted = pred_probs.argmax(axis=1)
    confident_joint = np.zeros((num_classes, num_classes), dtype=np.int64)
    np.add.at(confident_joint, (labels, predicted), 1)
    flagged = np.flatnonzero(labels != predicted)
    table = {
        "index": flagged,
        "given_label": labels[flagged],
        "predicted_label": predicted[flagged],
        "score": pred_probs[flagged, labels[flagged]],
    }
    issues = digest(labelled(table, names, None), num_classes)
    views = report.class_views(confident_joint, labels.shape[0], names)
    scores = pred_probs[np.arange(labels.shape[0]), labels]
    path = tmp_path_factory.mktemp("report") / "report.html"
    report.write_report(
        path, {"n_examples": labels.shape[0]}, np.histogram(scores, bins=10), issues.per_given_class, issues, views
    )
    _assert_named(path.parent, names)


def test_a_figure_that_cannot_be_drawn_fails_the_run_in_one_line(tmp_path, scheduler, monkeypatch):
    from matplotlib.figure import Figure

    def broken(*args, **kwargs):
        raise RuntimeError("the renderer\nran out of\nmemory")

    monkeypatch.setattr(Figure, "savefig", broken)
    labels, pred_probs = _data(3)
    np.save(tmp_path / "labels.npy", labels)
    np.save(tmp_path / "pred_probs.npy", pred_probs)
    ran = quiet_scan(tmp_path / "labels.npy", tmp_path / "pred_probs.npy", tmp_path / "out", scheduler=scheduler)
    assert ran.exit_code == 2
    lines = ran.output.strip().splitlines()
    assert lines == [
        "dlq: error: report.html: could not draw the score histogram (RuntimeError: the renderer ran out of memory)"
    ]
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize(
    ("kind", "columns"),
    [
        ("multi-class", ["index", "given_label", "predicted_label", "given_label_name", "predicted_label_name"]),
        ("multi-label", ["index", "given_labels", "predicted_labels", "given_label_names", "predicted_label_names"]),
    ],
)
def test_a_label_and_its_name_share_a_stem_in_every_issue_table(tmp_path, kind, columns):
    """Datalab's ``predicted_label`` throughout: the issues.parquet a scan
    writes and the worst rows a report shows have the same columns."""
    names = ["ant", "bee", "cat", "dog"]
    if kind == "multi-class":
        scan = dlq.scan(*noisy_classification(400, len(names), seed=3))
    else:
        labels, pred_probs = noisy_multilabel(400, len(names), seed=3)
        scan = dlq.multilabel.scan(labels.astype(np.int64), pred_probs)
    issues = tmp_path / "issues.parquet"
    result = scan.to_zarr(tmp_path / "scan.zarr", issues_to=issues, class_names=names, report=True)
    table = pd.read_parquet(issues)
    assert len(table) > 0
    assert list(table.columns) == [*columns, "score"]
    assert list(result.extra["issue_digest"].worst) == [*columns, "score"]
    plain, named = columns[2], columns[4]
    for classes, shown in zip(table[plain], table[named], strict=True):
        assert np.atleast_1d(shown).tolist() == [names[k] for k in np.atleast_1d(classes)]
