"""The dlq command end to end: every input form and option, outputs checked against the library."""

from __future__ import annotations

import html
import json
import re
from collections import Counter
from html.parser import HTMLParser
from types import SimpleNamespace

import h5py
import numpy as np
import pandas as pd
import pyarrow.parquet as pq
import pytest
import zarr
from click.testing import CliRunner
from conftest import PUBLISHED, as_lists, noisy_classification, noisy_multilabel

import dlq
from dlq.cli.command import main
from dlq.graphs import ranked_parts


@pytest.fixture(scope="module")
def data():
    """Multi-class labels and pred_probs (3000 x 5), multi-label ones (2000 x 4), float32."""
    labels, pred_probs = noisy_classification(3000, 5, seed=31, dtype=np.float32)
    ml_labels, ml_pred_probs = noisy_multilabel(2000, 4, seed=32, dtype=np.float32)
    return SimpleNamespace(labels=labels, pred_probs=pred_probs, ml_labels=ml_labels, ml_pred_probs=ml_pred_probs)


@pytest.fixture(scope="module")
def inputs(data, tmp_path_factory):
    folder = tmp_path_factory.mktemp("cli-inputs")
    np.save(folder / "labels.npy", data.labels)
    np.save(folder / "pred_probs.npy", data.pred_probs)
    for name, array in (("labels", data.labels), ("pred_probs", data.pred_probs), ("ml_labels", data.ml_labels)):
        zarr.create_array(store=str(folder / f"{name}.zarr"), data=array, chunks=(700, *array.shape[1:]))
    with h5py.File(folder / "data.h5", "w") as file:
        file["group/labels"] = data.labels
        file["group/pred_probs"] = data.pred_probs
    pd.DataFrame({f"p{k}": data.pred_probs[:, k] for k in range(5)}).to_parquet(folder / "columns.parquet")
    pd.DataFrame({"p": list(data.pred_probs)}).to_parquet(folder / "lists.parquet")
    pd.DataFrame({"label": data.labels}).to_parquet(folder / "labels.parquet")
    pd.DataFrame({"classes": as_lists(data.ml_labels)}).to_parquet(folder / "ml_labels.parquet")
    pd.DataFrame({"p": list(data.ml_pred_probs)}).to_parquet(folder / "ml_pred_probs.parquet")
    return folder


def run(*arguments, expect=0):
    result = CliRunner().invoke(main, [str(a) for a in arguments], catch_exceptions=False)
    assert result.exit_code == expect, result.output
    return result


def scan_npy(inputs, out, scheduler, *extra, expect=0):
    """``dlq scan`` of the .npy inputs into ``out`` on the test cluster."""
    npy = (inputs / "labels.npy", inputs / "pred_probs.npy")
    return run("scan", *npy, "--out", out, "--scheduler", scheduler, "--quiet", *extra, expect=expect)


def read_outputs(out):
    return (
        pq.read_table(out / "issues.parquet").to_pydict(),
        zarr.open_group(str(out / "scores.zarr"), mode="r"),
        json.loads((out / "summary.json").read_text()),
        (out / "report.html").read_text(),
    )


def test_help_explains_every_option():
    scan_help = run("scan", "--help").output
    for option in (
        "--multilabel",
        "--method",
        "--adjust-pred-probs",
        "--aggregator",
        "--alpha",
        "--temperature",
        "--estimation-method",
        "--chunk-rows",
        "--scheduler",
        "--scheduler-file",
        "--workers",
        "--threads-per-worker",
        "--memory-limit",
        "--overwrite",
        "--quiet",
        "--per-class",
        "--filter-by",
        "--frac-noise",
        "--min-examples-per-class",
        "--debug",
    ):
        assert option in scan_help
    assert "scan" in run("--help").output and "demo" in run("--help").output


@pytest.mark.slow
@pytest.mark.parametrize(
    ("pred_probs", "labels"),
    [
        ("pred_probs.npy", "labels.npy"),
        ("pred_probs.zarr", "labels.zarr"),
        ("data.h5:/group/pred_probs", "data.h5:/group/labels"),
        ("columns.parquet", "labels.parquet"),
        ("lists.parquet", "labels.npy"),
    ],
)
def test_multiclass_scan_of_every_input_form(data, inputs, tmp_path, scheduler, pred_probs, labels):
    out = tmp_path / "out"
    run(
        "scan",
        inputs / labels,
        inputs / pred_probs,
        "--out",
        out,
        "--scheduler",
        scheduler,
        "--quiet",
        "--method",
        "normalized_margin",
        "--estimation-method",
        "off_diagonal_calibrated",
        "--chunk-rows",
        1000,
    )
    table, scores, summary, page = read_outputs(out)
    expected = dlq.find_label_issues_batched(
        data.labels,
        data.pred_probs,
        verbose=False,
        quality_score_kwargs={"method": "normalized_margin"},
        num_issue_kwargs={"estimation_method": "off_diagonal_calibrated"},
    )
    assert table["index"] == expected.tolist()
    assert table["given_label"] == data.labels[expected].tolist()
    assert table["predicted_label"] == data.pred_probs[expected].argmax(axis=1).tolist()
    all_scores = dlq.get_label_quality_scores(data.labels, data.pred_probs, method="normalized_margin")
    np.testing.assert_array_equal(scores["scores"][:], all_scores)
    np.testing.assert_array_equal(table["score"], all_scores[expected])
    assert np.flatnonzero(scores["is_label_issue"][:]).tolist() == sorted(expected.tolist())
    assert summary["n_examples"] == 3000 and summary["n_classes"] == 5 and summary["n_issues"] == len(expected)
    assert summary["options"]["estimation_method"] == "off_diagonal_calibrated" and summary["elapsed_seconds"] > 0
    assert set(summary["versions"]) >= {"dlq", "dask", "numpy"}
    assert page.count("data:image/png;base64,") == 3 and f"<td>{expected[0]}</td>" in page  # with the heatmap


@pytest.mark.slow
@pytest.mark.parametrize("labels", ["ml_labels.parquet", "ml_labels.zarr"])
def test_multilabel_scan(data, inputs, tmp_path, scheduler, labels):
    out = tmp_path / "out"
    run(
        "scan",
        inputs / labels,
        inputs / "ml_pred_probs.parquet",
        "--out",
        out,
        "--scheduler",
        scheduler,
        "--multilabel",
        "--per-class",
        "--quiet",
    )
    table, scores, summary, _ = read_outputs(out)
    expected = dlq.multilabel.find_label_issues(
        data.ml_labels, data.ml_pred_probs, low_memory=True, return_indices_ranked_by="self_confidence"
    )
    assert table["index"] == expected.tolist()
    assert table["given_labels"] == [as_lists(data.ml_labels[i : i + 1])[0] for i in expected]
    assert table["predicted_labels"] == [np.flatnonzero(data.ml_pred_probs[i] > 0.5).tolist() for i in expected]
    np.testing.assert_allclose(
        scores["scores"][:], dlq.multilabel.get_label_quality_scores(data.ml_labels, data.ml_pred_probs)
    )
    np.testing.assert_allclose(
        scores["per_class_scores"][:],
        dlq.multilabel.get_label_quality_scores_per_class(data.ml_labels, data.ml_pred_probs),
    )
    assert np.asarray(summary["thresholds"]).shape == (2, 4)
    health = dlq.multilabel.overall_multilabel_health_score(data.ml_labels, data.ml_pred_probs)
    assert summary["label_health"]["overall_multilabel_health_score"] == health


@pytest.mark.slow
@pytest.mark.parametrize(
    ("filter_by", "options"),
    [("prune_by_noise_rate", []), ("both", ["--frac-noise", "0.5"]), ("low_normalized_margin", [])],
)
def test_multiclass_scan_with_a_filter(data, inputs, tmp_path, scheduler, filter_by, options):
    from cleanlab.count import get_confident_thresholds

    out = tmp_path / "out"
    run(
        "scan", inputs / "labels.zarr", inputs / "pred_probs.zarr", "--out", out, "--scheduler", scheduler,
        "--filter-by", filter_by, "--method", "normalized_margin", "--adjust-pred-probs", "--quiet", *options,
    )  # fmt: skip
    table, scores, summary, _ = read_outputs(out)
    frac_noise = float(options[1]) if options else 1.0
    expected = dlq.find_label_issues(
        data.labels,
        data.pred_probs,
        filter_by=filter_by,
        frac_noise=frac_noise,
        return_indices_ranked_by="normalized_margin",
        rank_by_kwargs={"adjust_pred_probs": True},
    )
    assert len(expected) > 50
    assert table["index"] == expected.tolist()
    assert np.array_equal(np.flatnonzero(scores["is_label_issue"][:]), np.sort(expected))
    np.testing.assert_allclose(
        scores["scores"][:],
        dlq.get_label_quality_scores(data.labels, data.pred_probs, method="normalized_margin", adjust_pred_probs=True),
        rtol=1e-6,
    )
    assert summary["options"]["filter_by"] == filter_by and summary["options"]["frac_noise"] == frac_noise
    assert summary["n_issues"] == len(expected) and "estimated_num_issues" not in summary
    np.testing.assert_allclose(summary["thresholds"], get_confident_thresholds(data.labels, data.pred_probs), rtol=1e-6)


@pytest.mark.slow
def test_multilabel_scan_with_a_filter_and_the_label_health(data, inputs, tmp_path, scheduler):
    from cleanlab.multilabel_classification import dataset as cl_dataset

    out = tmp_path / "out"
    run(
        "scan", inputs / "ml_labels.zarr", inputs / "ml_pred_probs.parquet", "--out", out, "--scheduler", scheduler,
        "--multilabel", "--filter-by", "prune_by_class", "--quiet",
    )  # fmt: skip
    table, scores, summary, report = read_outputs(out)
    expected = dlq.multilabel.find_label_issues(data.ml_labels, data.ml_pred_probs, filter_by="prune_by_class")
    assert expected.sum() > 50
    assert sorted(table["index"]) == np.flatnonzero(expected).tolist()
    stored = scores["scores"][:]
    assert np.array_equal(stored[table["index"]], np.sort(stored[expected]))  # ranked by the written scores
    health = cl_dataset.multilabel_health_summary(as_lists(data.ml_labels), data.ml_pred_probs, verbose=False)
    assert summary["label_health"]["overall_multilabel_health_score"] == health["overall_multilabel_health_score"]
    for name in ("classes_by_multilabel_quality", "common_multilabel_issues"):
        pd.testing.assert_frame_equal(pd.DataFrame(summary["label_health"][name]), health[name], check_dtype=False)
    assert "Label health" in report and "Inverse Label Noise" in report


@pytest.mark.slow
def test_multilabel_aggregator_options(data, inputs, tmp_path, scheduler):
    out = tmp_path / "out"
    run(
        "scan",
        inputs / "ml_labels.parquet",
        inputs / "ml_pred_probs.parquet",
        "--out",
        out,
        "--scheduler",
        scheduler,
        "--multilabel",
        "--aggregator",
        "softmin",
        "--temperature",
        "0.5",
        "--method",
        "normalized_margin",
        "--adjust-pred-probs",
        "--quiet",
    )
    _, scores, summary, _ = read_outputs(out)
    expected = dlq.multilabel.get_label_quality_scores(
        data.ml_labels,
        data.ml_pred_probs,
        method="normalized_margin",
        adjust_pred_probs=True,
        aggregator_kwargs={"method": "softmin", "temperature": 0.5},
    )
    np.testing.assert_allclose(scores["scores"][:], expected)
    assert summary["options"]["aggregator"] == {"method": "softmin", "temperature": 0.5}


@pytest.mark.slow
def test_existing_output_is_refused_then_replaced_with_overwrite_only_if_dlq_wrote_it(inputs, tmp_path, scheduler):
    out = tmp_path / "out"
    out.mkdir()
    (out / "keep.txt").write_text("mine")
    for extra in ((), ("--overwrite",)):
        refused = scan_npy(inputs, out, scheduler, *extra, expect=2)
        assert refused.output.strip().count("\n") == 0
        assert ("already exists" if not extra else "not an output of dlq") in refused.output
        assert sorted(p.name for p in out.iterdir()) == ["keep.txt"]
    (out / "keep.txt").unlink()
    out.rmdir()
    scan_npy(inputs, out, scheduler)
    scan_npy(inputs, out, scheduler, "--overwrite")
    assert sorted(p.name for p in out.iterdir()) == PUBLISHED


@pytest.mark.slow
def test_bad_input_is_one_line_and_leaves_nothing(data, inputs, tmp_path, scheduler):
    bad = data.pred_probs.copy()
    bad[2345, 1] = np.nan
    np.save(tmp_path / "bad.npy", bad)
    out = tmp_path / "out"
    result = run(
        "scan", inputs / "labels.npy", tmp_path / "bad.npy", "--out", out, "--scheduler", scheduler, "--quiet", expect=2
    )
    assert result.output.startswith("dlq: error: pred_probs must hold finite probabilities")
    assert "row 2345" in result.output and result.output.strip().count("\n") == 0
    assert not out.exists() and [p.name for p in tmp_path.iterdir()] == ["bad.npy"]
    with pytest.raises(ValueError, match="row 2345"):
        CliRunner().invoke(
            main,
            [
                "scan",
                str(inputs / "labels.npy"),
                str(tmp_path / "bad.npy"),
                "--out",
                str(out),
                "--scheduler",
                scheduler,
                "--quiet",
                "--debug",
            ],
            catch_exceptions=False,
        )
    missing = run(
        "scan", inputs / "labels.npy", tmp_path / "missing.npy", "--out", out, "--scheduler", scheduler, expect=2
    )
    assert "no such .npy file" in missing.output


@pytest.mark.slow
def test_default_local_cluster_and_progress(data, inputs, tmp_path):
    out = tmp_path / "out"
    result = run(
        "scan",
        inputs / "labels.zarr",
        inputs / "pred_probs.zarr",
        "--out",
        out,
        "--workers",
        1,
        "--threads-per-worker",
        1,
        "--memory-limit",
        "2GiB",
    )
    assert "local cluster of 1 workers; dashboard: http" in result.output
    assert "100% Completed" in result.output and "report:" in result.output
    assert (
        pq.read_table(out / "issues.parquet")["index"].to_pylist()
        == dlq.find_label_issues_batched(data.labels, data.pred_probs, verbose=False).tolist()
    )


@pytest.mark.slow
@pytest.mark.parametrize("multilabel", [False, True])
def test_demo(tmp_path, multilabel):
    out = tmp_path / "demo"
    result = run("demo", "--rows", 3000, "--out", out, "--quiet", *(["--multilabel"] if multilabel else []))
    precision = float(result.output.split("precision ")[1].split(",")[0])
    recall = float(result.output.split("recall ")[1].split()[0])
    assert precision > 0.6 and recall > 0.5, result.output
    assert (out / "scan" / "report.html").exists() and (out / "data" / "pred_probs.zarr").exists()
    # the report names the flipped labels beside the rows flagged, counted from the data made again
    from dlq.cli.demo import make_dataset

    flipped = make_dataset(3000, multilabel=multilabel)[2]
    flagged = pq.read_table(out / "scan" / "issues.parquet", columns=["index"])["index"].to_numpy()
    page = (out / "scan" / "report.html").read_text(encoding="utf-8")
    headline = page.split("<h2>Summary</h2><p>")[1].split("</p>")[0]
    assert f"<b>{flagged.size:,}</b> of 3,000 examples are flagged" in headline
    assert (
        f"flipped {int(flipped.sum()):,} labels on purpose, and {int(flipped[flagged].sum()):,} of the rows" in headline
    )
    assert f"{int(flipped.sum()):,} labels flipped on purpose" in result.output
    names = ["even", "above 4", "prime", "multiple of 3", "round"] if multilabel else [f"digit {k}" for k in range(10)]
    given = pd.read_parquet(out / "scan" / "issues.parquet").filter(like="given_label_name").iloc[:, 0]
    assert {name for value in given for name in ([value] if isinstance(value, str) else value)} <= set(names)
    shown = [
        name for name in names if f"<td>{name}</td>" in page or f"<td>{name}, " in page or f", {name}</td>" in page
    ]
    assert shown == names, shown  # in the class tables, or the worst rows' lists of names


@pytest.mark.slow
@pytest.mark.parametrize(
    ("options", "reads_per_chunk"), [([], 1), (["--adjust-pred-probs"], 2), (["--no-class-views"], 1)]
)
def test_the_command_reads_each_chunk_once_per_pass(inputs, tmp_path, scheduler, monkeypatch, options, reads_per_chunk):
    """The whole command reads each chunk of the inputs once for the scan
    (both passes in one read) unless the scores need the thresholds first
    (adjusted pred_probs: twice); the issue table's labels and predictions
    come from what the scan kept of the mispredicted rows. The report's
    class views take one more read, for the confident joint under the
    scan's thresholds, and the labels one more still, to count them (a
    class no example is given has threshold 2 there). Counted at the zarr
    arrays' reads, on the in-process cluster."""
    reads = []
    inputs_folder = str(inputs)
    read = zarr.Array.__getitem__

    def counted_read(array, selection):
        if inputs_folder in str(array.store_path):
            rows = selection[0] if isinstance(selection, tuple) else selection
            if rows.stop > rows.start:  # dask peeks at an empty slice for metadata
                reads.append((str(array.store_path).rsplit("/", 1)[-1], rows.start, rows.stop))
        return read(array, selection)

    monkeypatch.setattr(zarr.Array, "__getitem__", counted_read)
    run(
        "scan", inputs / "labels.zarr", inputs / "pred_probs.zarr", "--out", tmp_path / "out", "--scheduler", scheduler,
        "--chunk-rows", 700, "--quiet", *options,
    )  # fmt: skip
    chunks = [(start, min(start + 700, 3000)) for start in range(0, 3000, 700)]  # 3000 rows in chunks of 700
    more = {"labels.zarr": 2, "pred_probs.zarr": 1}  # the report's confident joint, and the labels' counts
    if "--no-class-views" in options:
        more = dict.fromkeys(more, 0)
    expected = {(name, *rows): reads_per_chunk + more[name] for name in more for rows in chunks}
    assert Counter(reads) == expected


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["--per-class"], "--per-class applies only with --multilabel"),
        (["--multilabel", "--no-class-views"], "--no-class-views applies only without --multilabel"),
        (["--aggregator", "softmin"], "--aggregator applies only with --multilabel"),
        (["--alpha", "0.5"], "--alpha applies only with --multilabel"),
        (["--multilabel", "--estimation-method", "off_diagonal_calibrated"], "applies only without --multilabel"),
        (["--method", "entropy"], "Invalid value for '--method'"),
        (["--frac-noise", "0.5"], "--frac-noise applies only with --filter-by"),
        (["--min-examples-per-class", "5"], "--min-examples-per-class applies only with --filter-by"),
        (["--filter-by", "both", "--estimation-method", "off_diagonal_calibrated"], "applies only without --filter-by"),
        (["--filter-by", "prune"], "Invalid value for '--filter-by'"),
    ],
)
def test_options_that_would_be_ignored_are_refused(inputs, tmp_path, extra, message):
    result = run("scan", inputs / "labels.npy", inputs / "pred_probs.npy", "--out", tmp_path / "out", *extra, expect=2)
    assert message in result.output
    assert not (tmp_path / "out").exists()


@pytest.mark.slow
def test_a_scan_without_issues_writes_an_empty_typed_table(data, tmp_path, scheduler):
    np.save(tmp_path / "pred_probs.npy", data.pred_probs)
    np.save(tmp_path / "labels.npy", data.pred_probs.argmax(axis=1))
    out = tmp_path / "out"
    run("scan", tmp_path / "labels.npy", tmp_path / "pred_probs.npy", "--out", out, "--scheduler", scheduler, "--quiet")
    table = pq.read_table(out / "issues.parquet")
    assert table.num_rows == 0
    assert str(table.schema.field("index").type) == "int64" and str(table.schema.field("score").type) == "double"
    assert json.loads((out / "summary.json").read_text())["n_issues"] == 0


def _defect(data, kind):
    labels, pred_probs = data.labels.copy(), data.pred_probs.copy()
    if kind == "nan":
        pred_probs[1234, 2] = np.nan
    elif kind == "negative":
        pred_probs[2000, 0] = -0.25
    elif kind == "above one":
        pred_probs[17, 4] = 1.5
    elif kind == "label out of range":
        labels[2999] = 5
    elif kind == "float labels":
        labels = labels.astype(np.float64)
    elif kind == "short labels":
        labels = labels[:-1]
    elif kind == "one column":
        pred_probs = pred_probs[:, :1]
    return labels, pred_probs


@pytest.mark.slow
@pytest.mark.parametrize(
    "kind", ["nan", "negative", "above one", "label out of range", "float labels", "short labels", "one column"]
)
def test_every_refusal_is_the_same_through_the_api_and_the_command(data, tmp_path, scheduler, kind):
    labels, pred_probs = _defect(data, kind)
    with pytest.raises((ValueError, TypeError)) as refused:
        dlq.find_label_issues_batched(labels, pred_probs, verbose=False)
    np.save(tmp_path / "labels.npy", labels)
    np.save(tmp_path / "pred_probs.npy", pred_probs)
    result = run(
        "scan",
        tmp_path / "labels.npy",
        tmp_path / "pred_probs.npy",
        "--out",
        tmp_path / "out",
        "--scheduler",
        scheduler,
        "--quiet",
        expect=2,
    )
    assert result.output.strip() == f"dlq: error: {refused.value}"


@pytest.mark.parametrize("multilabel", [False, True])
def test_the_issue_table_is_written_in_ranked_parts_each_by_its_own_task(
    data, inputs, tmp_path, scheduler, monkeypatch, multilabel
):
    """issues.parquet is a directory of parts, worst first in name order, that
    pandas reads whole; each part holds a score range of about its share of
    the issues, ranked by the task that wrote it; the command gets back only
    the worst rows and counts."""
    import dlq.io.issue_table

    monkeypatch.setattr(dlq.io.issue_table, "ROWS_PER_PART", 40)  # the cluster's workers are threads of this process
    out = tmp_path / "out"
    if multilabel:
        arguments = (inputs / "ml_labels.zarr", inputs / "ml_pred_probs.parquet", "--multilabel")
        found = dlq.multilabel.scan(data.ml_labels, data.ml_pred_probs).compute()
    else:
        arguments = (inputs / "labels.npy", inputs / "pred_probs.npy")
        found = dlq.scan(data.labels, data.pred_probs).compute()
    run("scan", *arguments, "--out", out, "--scheduler", scheduler, "--quiet")
    names = sorted(path.name for path in (out / "issues.parquet").iterdir())
    parts = [name for name in names if name != ".dlq-output.json"]  # the manifest of what dlq published
    wanted = min(ranked_parts.FEWEST_MOST_PARTS, -(-len(found.issues) // 40))  # a few chunks
    assert len(parts) == len(names) - 1 == wanted > 2, parts
    assert parts[0] == "part-00000.parquet"
    sizes = [len(pd.read_parquet(out / "issues.parquet" / part)) for part in parts]
    assert max(sizes) <= 2 * len(found.issues) / len(parts)  # shares by a count of scores, not exact
    first = pd.read_parquet(out / "issues.parquet" / parts[0])["index"].tolist()
    assert first == found.issues[: sizes[0]].tolist()
    assert pd.read_parquet(out / "issues.parquet")["index"].tolist() == found.issues.tolist()


@pytest.mark.parametrize("names_from", ["list", "file", "zarr attribute"])
def test_class_names_and_ids_flow_into_the_issue_table_and_the_report(data, inputs, tmp_path, scheduler, names_from):
    """--class-names (a comma list, a file of lines, or the class_names
    attribute of a pred_probs zarr store) and --ids (one per row, text)
    become issues.parquet's given_label_name, predicted_label_name and id,
    each issue's own, and show in the report's worst rows."""
    names = ["ant", "bee", "cat", "dog", "eel"]
    ids = np.array([f"photo-{row:04d}.jpg" for row in range(3000)])
    np.save(tmp_path / "ids.npy", ids)
    pred_probs, extra = inputs / "pred_probs.npy", []
    if names_from == "list":
        extra = ["--class-names", ",".join(names)]
    elif names_from == "file":
        (tmp_path / "names.txt").write_text("\n".join(names) + "\n")
        extra = ["--class-names", tmp_path / "names.txt"]
    else:
        stored = zarr.create_array(store=str(tmp_path / "named.zarr"), data=data.pred_probs, chunks=(700, 5))
        stored.attrs["class_names"] = names
        pred_probs = tmp_path / "named.zarr"
    out = tmp_path / "out"
    run(
        "scan",
        inputs / "labels.npy",
        pred_probs,
        "--out",
        out,
        "--scheduler",
        scheduler,
        "--quiet",
        "--ids",
        tmp_path / "ids.npy",
        *extra,
    )
    table, _, _, page = read_outputs(out)
    assert len(table["index"]) > 0
    assert table["id"] == ids[table["index"]].tolist()
    assert table["given_label_name"] == [names[k] for k in table["given_label"]]
    assert table["predicted_label_name"] == [names[k] for k in table["predicted_label"]]
    worst = table["index"][0]
    assert f"<td>{ids[worst]}</td>" in page and f"<td>{names[data.labels[worst]]}</td>" in page


def test_names_and_ids_that_do_not_match_are_refused_before_any_read(inputs, tmp_path, scheduler):
    np.save(tmp_path / "ids.npy", np.arange(2999))
    for extra, message in (
        (["--class-names", "a,b,c"], "holds 3 names, but pred_probs has 5 classes"),
        (["--ids", tmp_path / "ids.npy"], "--ids holds shape (2999,), but pred_probs has 3000 rows"),
    ):
        out = tmp_path / "refused"
        result = scan_npy(
            inputs,
            out,
            scheduler,
            *extra,
            expect=2,
        )
        assert message in result.output
        assert not out.exists()


class _Page(HTMLParser):
    """A report page's tables (rows of cells, the header row's cells tagged) and images."""

    def __init__(self):
        super().__init__()
        self.tables, self.images, self._cell = [], [], None

    def handle_starttag(self, tag, attrs):
        if tag == "table":
            self.tables.append([])
        elif tag == "tr":
            self.tables[-1].append([])
        elif tag in ("th", "td"):
            self._cell = [tag, ""]
        elif tag == "img":
            self.images.append(dict(attrs)["src"])

    def handle_data(self, data):
        if self._cell is not None:
            self._cell[1] += data

    def handle_endtag(self, tag):
        if tag in ("th", "td") and self._cell is not None:
            self.tables[-1][-1].append(tuple(self._cell))
            self._cell = None


def test_the_report_reads_as_tables_and_images_without_json(data, inputs, tmp_path, scheduler):
    """The report parses as HTML: every table starts with a header cell, the
    summary shows options as ``name = value`` and numbers formatted (no
    JSON), and every image is a PNG that decodes."""
    import base64

    out = tmp_path / "out"
    scan_npy(inputs, out, scheduler, "--method", "normalized_margin")
    page = _Page()
    page.feed((out / "report.html").read_text())
    assert len(page.tables) >= 2 and all(table and table[0][0][0] == "th" for table in page.tables)
    summary = {row[0][1]: row[1][1] for row in page.tables[0]}
    assert summary["n examples"] == "3,000" and "method = normalized_margin" in summary["options"]
    assert not any(mark in value for value in summary.values() for mark in ("{", '"', "&quot;"))
    assert len(page.images) == 3  # scores, issues per class, given vs predicted class
    from cleanlab.dataset import find_overlapping_classes, rank_classes_by_label_quality

    classes = next(table for table in page.tables if table[0][0][1] == "Class Index")
    expected = rank_classes_by_label_quality(data.labels, data.pred_probs)
    assert [int(row[0][1]) for row in classes[1:]] == expected["Class Index"].tolist()
    assert [int(row[1][1]) for row in classes[1:]] == expected["Label Issues"].tolist()
    pairs = next(table for table in page.tables if table[0][0][1] == "Class Index A")
    top = find_overlapping_classes(data.labels, data.pred_probs).head(len(pairs) - 1)
    assert [int(row[2][1]) for row in pairs[1:]] == top["Num Overlapping Examples"].tolist()
    for image in page.images:
        assert base64.b64decode(image.split(",", 1)[1]).startswith(b"\x89PNG")
    # numbers for people: at most four significant digits in any cell (the scores here are float32)
    cells = [cell for table in page.tables for row in table for kind, cell in row if kind == "td"]
    fractions = [cell for cell in cells if re.fullmatch(r"-?\d*\.\d+(e-?\d+)?", cell)]
    assert fractions and all(len(re.sub(r"e.*|[^0-9]", "", cell).lstrip("0")) <= 4 for cell in fractions), fractions


def test_multilabel_issue_tables_name_the_classes_of_each_list(data, inputs, tmp_path, scheduler):
    names = ["red", "green", "blue", "gold"]
    out = tmp_path / "out"
    run("scan", inputs / "ml_labels.zarr", inputs / "ml_pred_probs.parquet", "--multilabel", "--out", out,
        "--scheduler", scheduler, "--quiet", "--class-names", ",".join(names))  # fmt: skip
    table, _, _, page = read_outputs(out)
    assert len(table["index"]) > 0
    assert table["given_label_names"] == [[names[k] for k in row] for row in table["given_labels"]]
    assert table["predicted_label_names"] == [[names[k] for k in row] for row in table["predicted_labels"]]
    assert any(table["given_label_names"])
    # the worst example's classes, by name, as a list people read
    assert f"<td>{html.escape(', '.join(table['given_label_names'][0]))}</td>" in page


def test_the_reports_counts_agree_and_say_what_they_count(inputs, tmp_path, scheduler):
    """One headline count, the rows flagged, which the class table's column
    of rows flagged adds up to; the estimate beside it is named as such."""
    out = tmp_path / "out"
    scan_npy(inputs, out, scheduler)
    issues, _, summary, html_text = read_outputs(out)
    flagged = len(issues["index"])
    assert 0 < summary["n_issues"] == flagged <= summary["estimated_num_issues"]
    page = _Page()
    page.feed(html_text)
    assert f"{flagged:,} of {summary['n_examples']:,} examples are flagged" in re.sub(r"<[^>]+>", "", html_text)
    estimate_told = f"The estimated number of issues, {summary['estimated_num_issues']:,}," in html_text
    assert estimate_told == (summary["estimated_num_issues"] != flagged)
    classes = next(table for table in page.tables if table[0][0][1] == "Class Index")
    column = [cell for kind, cell in classes[0]].index("Rows Flagged")
    assert sum(int(row[column][1]) for row in classes[1:]) == flagged
    assert "<b>Label Issues</b> is cleanlab's estimate" in html_text
