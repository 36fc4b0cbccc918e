"""The issue table ranked in parts (dlq.graphs.ranked_parts): the parts one
after another are the table ranked, whatever the scores (ties, zeros of
either sign, a single value), the chunks and the number of parts; no part
holds much more than its share; the scan's issues.parquet is that table."""

from __future__ import annotations

import dask
import dask.array as da
import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import dlq
import dlq.io.issue_table
import dlq.kernels.ranked_parts
from dlq.graphs.blocks import per_block
from dlq.graphs.ranked_parts import ranked_parts, ranked_table


def _pieces(scores: np.ndarray, chunks: tuple[int, ...]) -> da.Array:
    def piece(block: np.ndarray, start: int) -> dict:
        return {"index": start + np.arange(block.shape[0]), "label": start + np.arange(block.shape[0]), "score": block}

    return per_block(piece, da.from_array(scores, chunks=(chunks,)))


def _cut(draw: st.DrawFn, n: int) -> tuple[int, ...]:
    bounds = sorted(draw(st.sets(st.integers(1, n - 1), max_size=6))) if n > 1 else []
    return tuple(np.diff([0, *bounds, n]).tolist())


@st.composite
def tables(draw: st.DrawFn) -> tuple[np.ndarray, tuple[int, ...]]:
    n = draw(st.integers(1, 60))
    values = st.sampled_from([0.0, -0.0, 0.25, 0.5, 1e-300, 1.0]) | st.floats(0, 1)
    scores = np.array(draw(st.lists(values, min_size=n, max_size=n)), dtype=np.float64)
    return scores, _cut(draw, n)


@settings(max_examples=60, deadline=None)
@given(tables(), st.integers(1, 9), st.integers(1, 30))
def test_the_parts_one_after_another_are_the_table_ranked(table, parts, rows_per_part):
    scores, chunks = table
    tables, found = ranked_parts(_pieces(scores, chunks), rows_per_part, parts)
    *computed, bounds = dask.compute(*tables, found, scheduler="sync")
    assert len(computed) == parts and bounds.total == scores.shape[0]
    joined = np.concatenate([part["index"] for part in computed])
    expected = np.lexsort((np.arange(scores.shape[0]), scores + 0.0))
    assert joined.tolist() == expected.tolist()
    assert np.concatenate([part["label"] for part in computed]).tolist() == expected.tolist()  # rows kept whole
    wanted = min(parts, -(-scores.shape[0] // rows_per_part))
    assert sum(len(part["index"]) > 0 for part in computed) <= wanted
    assert ranked_table(_pieces(scores, chunks)).compute(scheduler="sync")["index"].tolist() == expected.tolist()


def test_parts_hold_about_their_share_and_ties_stay_together():
    """Distinct scores: each of 8 parts within a few issues of an eighth;
    one score shared by half the issues: those all in one part."""
    scores = np.random.default_rng(0).random(8_000)
    computed = dask.compute(*ranked_parts(_pieces(scores, (1_000,) * 8), 100)[0], scheduler="sync")
    sizes = [len(part["index"]) for part in computed]
    assert len(sizes) == 8 and max(sizes) <= 1_000 * 1.05, sizes
    scores[::2] = 0.125
    computed = dask.compute(*ranked_parts(_pieces(scores, (1_000,) * 8), 100)[0], scheduler="sync")
    holding = [part for part in computed if (part["score"] == 0.125).any()]
    assert len(holding) == 1 and (holding[0]["score"] == 0.125).sum() == 4_000


def test_no_task_of_a_written_scan_ranks_more_than_about_an_eighth_of_the_issues(tmp_path, monkeypatch):
    """A scan of 64 chunks writes issues.parquet in 8 parts: every table
    ranked (each part, and the digest of each) holds at most about an eighth
    of the issues, and the parts read in order are the scan's ranked issues."""
    rng = np.random.default_rng(1)
    n, k = 6_400, 4
    pred_probs = rng.dirichlet(np.ones(k) * 0.7, n)
    labels = np.where(rng.random(n) < 0.3, rng.integers(0, k, n), pred_probs.argmax(1))
    seen = []
    ranked = dlq.kernels.ranked_parts.ranked

    def counted(pieces):
        table = ranked(pieces)
        seen.append(len(table["index"]))
        return table

    monkeypatch.setattr(dlq.kernels.ranked_parts, "ranked", counted)
    monkeypatch.setattr(dlq.io.issue_table, "ROWS_PER_PART", 10)
    chunked = (da.from_array(labels, chunks=100), da.from_array(pred_probs, chunks=(100, k)))
    result = dlq.scan(*chunked).to_zarr(tmp_path / "scan.zarr", issues_to=tmp_path / "issues.parquet")
    n_issues = len(result.issues)
    assert n_issues > 500 and max(seen) <= n_issues / 8 * 1.1, (n_issues, sorted(seen)[-3:])
    written = pd.read_parquet(tmp_path / "issues.parquet")
    assert written["index"].tolist() == result.issues.tolist()
    assert len(list((tmp_path / "issues.parquet").glob("part-*.parquet"))) == 8


@pytest.mark.parametrize("issues_at", [[], [3]])
def test_a_table_with_no_issue_or_one_is_one_part_with_its_columns(tmp_path, issues_at):
    labels = np.zeros(40, dtype=np.int64)
    pred_probs = np.tile([0.9, 0.1], (40, 1))
    labels[issues_at] = 1
    pred_probs[issues_at] = [0.95, 0.05]
    chunked = (da.from_array(labels, chunks=10), da.from_array(pred_probs, chunks=(10, 2)))
    dlq.scan(*chunked).to_zarr(tmp_path / "scan.zarr", issues_to=tmp_path / "issues.parquet")
    assert [path.name for path in (tmp_path / "issues.parquet").glob("part-*")] == ["part-00000.parquet"]
    written = pd.read_parquet(tmp_path / "issues.parquet")
    assert list(written.columns) == ["index", "given_label", "predicted_label", "score"]
    assert written["index"].tolist() == issues_at


def test_a_scan_that_fails_while_writing_leaves_no_issue_folder_and_no_staging(tmp_path):
    """A bad row found while the scan runs (after the staging folder was
    made): the error is the scan's, and nothing of issues_to is left."""
    rng = np.random.default_rng(5)
    pred_probs = rng.dirichlet(np.ones(3), 400)
    pred_probs[350] = np.nan
    labels = rng.integers(0, 3, 400)
    chunked = (da.from_array(labels, chunks=100), da.from_array(pred_probs, chunks=(100, 3)))
    with pytest.raises(ValueError, match="350"):
        dlq.scan(*chunked).to_zarr(tmp_path / "scan.zarr", issues_to=tmp_path / "out" / "issues.parquet")
    assert not (tmp_path / "out").exists()
    assert [path.name for path in tmp_path.iterdir() if "dlq-partial" in path.name] == []


@settings(max_examples=40, deadline=None)
@given(st.lists(st.sampled_from([0.0, 0.1, 0.2, 0.5]) | st.floats(0, 1), min_size=0, max_size=80))
def test_a_digest_shows_the_worst_rows_as_the_ranked_table_begins(values):
    """The digest's worst rows, found without sorting the table (ties to the
    lower index), are the first rows of the table ranked."""
    from dlq.io.issue_table import WORST_SHOWN, digest

    scores = np.array(values, dtype=np.float64)
    index = np.random.default_rng(len(values)).permutation(1_000)[: scores.shape[0]]
    table = {"index": index, "given_label": np.zeros_like(index), "score": scores}
    expected = index[np.lexsort((index, scores))][:WORST_SHOWN].tolist()
    assert digest(table, 1).worst["index"] == expected
