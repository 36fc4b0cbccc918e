"""Which tasks of a written scan are handed the whole issue set: a count of
every task's inputs (dask's scheduler callbacks), not a timing. The
batched search's chunks mark, mask and tabulate their own issues, from
their own part of the selection, so only the few tasks that rank the
issues for the scan's in-memory answer see them all, however many chunks."""

from __future__ import annotations

import dask
import dask.array as da
import numpy as np
import pandas as pd
import pytest
from dask.callbacks import Callback

import dlq
from dlq.kernels.lowest import Lowest
from dlq.kernels.ranked_parts import Bounds, KeyCounts


def _issues_held(value: object) -> int:
    """How many issues (indices or table rows) ``value`` holds."""
    if isinstance(value, Lowest):
        return value.indices.shape[0]
    if isinstance(value, (KeyCounts, Bounds)):  # counts of scores
        return 0
    if isinstance(value, dict) and "index" in value:
        return len(value["index"])
    if isinstance(value, np.ndarray) and value.dtype == object:
        return sum(_issues_held(item) for item in value.flat)
    if isinstance(value, (list, tuple)):
        return sum(_issues_held(item) for item in value)
    if isinstance(value, np.ndarray) and value.ndim == 1 and value.dtype == np.int64:
        return value.shape[0]
    return 0


class _Inputs(Callback):
    """For every task, the issues its inputs hold."""

    def __init__(self) -> None:
        super().__init__()
        self.held: dict[object, int] = {}

    def _pretask(self, key, dsk, state):
        task = dsk[key]
        dependencies = getattr(task, "dependencies", ())
        self.held[key] = sum(_issues_held(state["cache"].get(name)) for name in dependencies)


def _data(n_chunks: int, rows: int = 100) -> tuple[da.Array, da.Array]:
    rng = np.random.default_rng(3)
    n, k = n_chunks * rows, 4
    pred_probs = rng.dirichlet(np.ones(k) * 0.7, n)
    labels = np.where(rng.random(n) < 0.3, rng.integers(0, k, n), pred_probs.argmax(1))
    return da.from_array(labels, chunks=rows), da.from_array(pred_probs, chunks=(rows, k))


def _multilabel_data(n_chunks: int, rows: int = 50) -> tuple[da.Array, da.Array]:
    rng = np.random.default_rng(4)
    n, k = n_chunks * rows, 3
    pred_probs = rng.random((n, k))
    labels = (rng.random((n, k)) < np.where(rng.random((n, k)) < 0.2, 1 - pred_probs, pred_probs)).astype(np.int64)
    return da.from_array(labels, chunks=(rows, k)), da.from_array(pred_probs, chunks=(rows, k))


@pytest.mark.parametrize("filter_by", [None, "prune_by_noise_rate", "both", "confident_learning"])
@pytest.mark.parametrize("multilabel", [False, True])
def test_only_a_few_tasks_of_a_written_scan_are_handed_a_quarter_of_its_issues(tmp_path, multilabel, filter_by):
    """With 64 and 128 chunks, a tree's first level holds 8 chunks' issues (an
    eighth or a sixteenth); the tasks handed more than a quarter are the top
    levels of the trees that gather the in-memory answer and its ranking: a
    few, not more for twice the chunks but a level, where handing the issue
    set to every chunk's mask, marks and table rows would make them more
    than the chunks. The batched search and the filters alike."""
    lazy, data = (dlq.multilabel.scan, _multilabel_data) if multilabel else (dlq.scan, _data)

    def scan(labels, pred_probs):
        return lazy(labels, pred_probs, filter_by=filter_by)

    handed = {}
    for n_chunks in (64, 128):
        inputs = _Inputs()
        with inputs, dask.config.set(scheduler="sync"):
            found = scan(*data(n_chunks, rows=50)).to_zarr(
                tmp_path / f"{n_chunks}.zarr", issues_to=tmp_path / f"{n_chunks}.parquet", report=True
            )
        n_issues = len(found.issues)
        assert n_issues > 400
        handed[n_chunks] = [key for key, held in inputs.held.items() if held > n_issues / 4]
        assert found.issues.tolist() == scan(*data(n_chunks, rows=50)).compute().issues.tolist()
        written = pd.read_parquet(tmp_path / f"{n_chunks}.parquet")
        assert written["index"].tolist() == found.issues.tolist()
    # a few per tree of every issue (its top levels, one more for twice the chunks), none per chunk
    assert len(handed[128]) <= len(handed[64]) + 8 and len(handed[128]) < 32, {
        n: len(keys) for n, keys in handed.items()
    }
