"""The bounded-memory selection of the k lowest (score, index) against a full sort."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dlq.kernels import lowest, select, settle
from dlq.kernels.keys import order_keys


def select_in_chunks(scores: np.ndarray, counts: np.ndarray, chunk_rows: int, rounds: int) -> list[np.ndarray]:
    """For each column (cell) of ``scores``, the indices at or below its
    ``counts[c]``-th lowest (score, index), found chunk by chunk as the graphs
    do: histograms summed per round, then one look that keeps the entries
    below each cell's bin and gathers those in it, which settle the cut-offs;
    each chunk then selects its own entries by them."""
    chunks = [
        [select.Entries.of_columns(scores[start : start + chunk_rows], start)]
        for start in range(0, scores.shape[0], chunk_rows)
    ]
    cells = np.arange(scores.shape[1])
    cut = select.Cut.first(cells, counts)
    if rounds:
        cut = cut.narrowed(select.Histogram.summed([select.first_histogram(chunk, cells) for chunk in chunks]))
    for _ in range(rounds - 1):
        cut = cut.narrowed(select.Histogram.summed([select.histogram(chunk, cut) for chunk in chunks]))
    parts = [settle.split(chunk, cut, issues_only=False) for chunk in chunks]
    cutoffs = settle.Cutoffs.of(cut, lowest.Lowest.merged([part.gathered for part in parts]))
    found = lowest.Lowest.merged([settle.selected_of_chunk(part, cutoffs, False) for part in parts])
    return [np.sort(rows) for rows in found.per_cell(cells)]


def k_lowest(scores: np.ndarray, k: int) -> np.ndarray:
    return np.sort(np.lexsort((np.arange(scores.shape[0]), scores))[: max(k, 0)])


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


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    seed=st.integers(0, 2**16),
    kind=SCORES,
    n_rows=st.integers(1, 3_000),
    k_fractions=st.lists(st.floats(-0.1, 1.2), min_size=1, max_size=3),
    chunk_rows=st.integers(1, 1_000),
    dtype=st.sampled_from([np.float32, np.float64]),
    rounds=st.sampled_from([0, 1, select.READ_ROUNDS, select.ROUNDS]),
)
def test_the_selection_is_the_k_lowest_by_score_then_index(seed, kind, n_rows, k_fractions, chunk_rows, dtype, rounds):
    """Every cell's selection, with any number of histogram rounds and
    either way of settling it, is its k lowest by (score, index); cells of
    one cut do not disturb each other."""
    rng = np.random.default_rng(seed)
    scores = np.column_stack([make_scores(kind, n_rows, rng, dtype) for _ in k_fractions])
    if kind == "tiny" and dtype == np.float32:
        scores = scores.astype(np.float64)  # float32 cannot hold the tiny differences
    counts = np.array([int(fraction * n_rows) for fraction in k_fractions])
    found = select_in_chunks(scores, counts, chunk_rows, rounds)
    for column, k in enumerate(counts):
        assert np.array_equal(found[column], k_lowest(scores[:, column], k)), column


def test_order_keys_sort_as_the_scores():
    rng = np.random.default_rng(3)
    scores = np.concatenate([rng.standard_normal(1000) * 10.0 ** rng.integers(-300, 300, 1000), [-0.0, 0.0]])
    keys = order_keys(scores)
    order = np.argsort(keys, kind="stable")
    assert np.all(np.diff(scores[order]) >= 0)
    assert keys[-1] == keys[-2]  # -0.0 and 0.0 are the same score


def test_float32_keys_sort_as_the_scores_and_fill_the_leading_bits():
    rng = np.random.default_rng(4)
    scores = np.concatenate(
        [rng.standard_normal(1000) * 10.0 ** rng.integers(-40, 38, 1000), [-0.0, 0.0, np.inf, -np.inf]]
    ).astype(np.float32)
    keys = order_keys(scores)
    order = np.argsort(keys, kind="stable")
    assert np.all(np.diff(scores[order]) >= 0)
    assert keys[-3] == keys[-4]  # -0.0 and 0.0 are the same score
    assert not np.any(keys & np.uint64(2**32 - 1))  # nothing in the trailing half
    # the first round's 12 bits tell apart more float32 values than float64 keys do
    first_round = len(np.unique(keys >> np.uint64(52)))
    assert first_round > len(np.unique(order_keys(scores.astype(np.float64)) >> np.uint64(52)))


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_a_bins_score_bounds_hold_exactly_the_scores_whose_keys_share_its_prefix(dtype):
    """Later rounds compare scores with a bin's bounds instead of making keys:
    the two must agree for every score, infinities and both zeros included."""
    rng = np.random.default_rng(9)
    special = [-np.inf, np.inf, -0.0, 0.0, np.finfo(dtype).max, -np.finfo(dtype).max, np.finfo(dtype).tiny]
    scores = np.concatenate([rng.standard_normal(3000) * 10.0 ** rng.integers(-30, 30, 3000), special])
    scores = scores.astype(dtype)
    keys = order_keys(scores)
    for bits in (1, 8, 12, 24, 31, 32, 40):
        prefixes = keys >> np.uint64(64 - bits)
        slots = np.arange(scores.shape[0])
        cut = select.Cut(slots, np.zeros_like(slots), prefixes[rng.permutation(slots.shape[0])], bits, slots < 0)
        low, high = cut.slot_bounds(scores.dtype)
        inside = (scores >= low) & ~(scores >= high)  # a NaN end holds every score
        assert np.array_equal(inside, prefixes == cut.prefix), bits
        own = select.Cut(slots, np.zeros_like(slots), prefixes, bits, slots < 0)
        low, high = own.slot_bounds(scores.dtype)
        assert ((scores >= low) & ~(scores >= high)).all(), bits


@settings(max_examples=150, deadline=None)
@given(
    scores=st.lists(st.sampled_from([0.1, 0.5, np.nan, -np.inf, np.inf, 0.0, -0.0, 0.3]), min_size=1, max_size=60),
    count_fraction=st.floats(0, 1),
    chunk_fraction=st.floats(0, 1),
)
def test_the_lowest_rows_of_a_dask_array_are_numpys_stable_argsort_nan_last(scores, count_fraction, chunk_fraction):
    import dask.array as da

    from dlq.graphs.rows import lowest_rows

    values = np.array(scores)
    count = round(count_fraction * values.size)
    chunks = max(1, round(chunk_fraction * values.size))
    found = lowest_rows(da.from_array(values, chunks=chunks), count).compute()
    assert found.tolist() == np.argsort(values, kind="stable")[:count].tolist()
