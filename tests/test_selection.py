"""The bounded-memory selection of the k lowest (score, index) against a full sort."""

from __future__ import annotations

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dlq import kernels, selection


def select_in_chunks(scores: np.ndarray, k: int, chunk_rows: int) -> np.ndarray:
    """Indices at or below the k-th lowest (score, index), found chunk by chunk
    as the engine does: histograms summed per round, then a gather."""
    chunks = [(start, scores[start : start + chunk_rows]) for start in range(0, scores.shape[0], chunk_rows)]
    cut = selection.Cut.first(k, scores.shape[0]).narrowed(
        np.sum([selection.leading_histogram(chunk) for _, chunk in chunks], axis=0)
    )
    for _ in range(selection.ROUNDS - 1):
        cut = cut.narrowed(np.sum([cut.histogram(chunk) for _, chunk in chunks], axis=0))
    gathered = kernels.merge_lowest(
        [cut.gathered(chunk, start) for start, chunk in chunks], 0 if cut.rank is None else cut.rank + 1
    )
    cutoff = selection.Cutoff.of(cut, gathered)
    everything = kernels.Candidates(scores, np.arange(scores.shape[0]), np.zeros(scores.shape[0], bool))
    return np.sort(cutoff.selects(everything).indices)


def k_lowest(scores: np.ndarray, k: int) -> np.ndarray:
    return np.sort(np.lexsort((np.arange(scores.shape[0]), scores))[:k])


SCORES = st.sampled_from(["uniform", "ties", "signed", "zeros", "tiny"])


def make_scores(kind: str, n_rows: int, rng: np.random.Generator, dtype: type) -> np.ndarray:
    if kind == "uniform":
        scores = rng.random(n_rows)
    elif kind == "ties":  # few distinct values: the cut falls inside a tie
        scores = rng.integers(0, 4, n_rows) / 3
    elif kind == "signed":  # negative, zero of both signs, infinities
        scores = rng.choice([-np.inf, -1.5, -0.0, 0.0, 1e-300, 0.25, 0.25 + 1e-12, np.inf], n_rows)
    elif kind == "zeros":
        scores = np.where(rng.random(n_rows) < 0.7, 0.0, rng.random(n_rows))
    else:  # values far closer than the histogram rounds resolve
        scores = 0.5 + rng.integers(0, 50, n_rows) * np.finfo(np.float64).eps
    return scores.astype(dtype)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    seed=st.integers(0, 2**16),
    kind=SCORES,
    n_rows=st.integers(1, 3_000),
    k_fraction=st.floats(-0.1, 1.2),
    chunk_rows=st.integers(1, 1_000),
    dtype=st.sampled_from([np.float32, np.float64]),
)
def test_the_selection_is_the_k_lowest_by_score_then_index(seed, kind, n_rows, k_fraction, chunk_rows, dtype):
    rng = np.random.default_rng(seed)
    scores = make_scores(kind, n_rows, rng, dtype)
    if kind == "tiny" and dtype == np.float32:
        scores = scores.astype(np.float64)  # float32 cannot hold the tiny differences
    k = int(k_fraction * n_rows)
    assert np.array_equal(select_in_chunks(scores, k, chunk_rows), k_lowest(scores, max(k, 0)))


def test_order_keys_sort_as_the_scores():
    rng = np.random.default_rng(3)
    scores = np.concatenate([rng.standard_normal(1000) * 10.0 ** rng.integers(-300, 300, 1000), [-0.0, 0.0]])
    keys = selection.order_keys(scores)
    order = np.argsort(keys, kind="stable")
    assert np.all(np.diff(scores[order]) >= 0)
    assert keys[-1] == keys[-2]  # -0.0 and 0.0 are the same score
