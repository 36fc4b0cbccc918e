"""The per-chunk numpy functions, one by one."""

from __future__ import annotations

from fractions import Fraction

import numpy as np
import pytest
from cleanlab.count import _reduce_issues
from cleanlab.rank import get_confidence_weighted_entropy_for_each_label, get_normalized_margin_for_each_label
from conftest import noisy_classification

from dlq.kernels import binary_joints, exact, keys, lowest, onevsrest, pruning, rowwise, select, sets, settle
from dlq.kernels import multiclass as kernels
from dlq.kernels import scores as scoring
from dlq.kernels.bounds import LEVELS, bounds_within, cut_bounds, level_counts, levels_above, probability_levels
from dlq.kernels.checks import InvalidRows
from dlq.kernels.select import Histogram
from dlq.multilabel import aggregators


def test_limbs_hold_values_to_2_pow_minus_52():
    rng = np.random.default_rng(0)
    values = np.concatenate([rng.random(1000), [0.0, 1.0, 2.0**-50, 0.1, np.nextafter(1.0, 0)]])
    limbs = np.stack(list(exact.limb_levels(values)), axis=1).astype(np.int64)
    for value, row in zip(values, limbs, strict=True):
        error = Fraction(float(value)) - exact.to_fraction(row)
        assert 0 <= error < Fraction(1, 2**52)
    on_grid = np.round(values * 2.0**52) / 2.0**52  # multiples of 2**-52 are held exactly
    grid_limbs = np.stack(list(exact.limb_levels(on_grid)), axis=1).astype(np.int64)
    assert all(exact.to_fraction(row) == Fraction(float(v)) for v, row in zip(on_grid, grid_limbs, strict=True))
    both_ways = np.stack([on_grid, on_grid[::-1]], axis=1)
    sums, counts = exact.column_sums_by_mask(both_ways, np.ones((len(values), 2), bool))
    assert exact.to_fraction(sums[1, 0]) == exact.to_fraction(sums[1, 1]) == sum(Fraction(float(v)) for v in on_grid)
    assert not sums[0].any()
    assert counts.tolist() == [[0, 0], [len(values), len(values)]]


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_column_sums_by_mask_are_the_exact_sums_of_the_cut_values(dtype):
    rng = np.random.default_rng(4)
    values = rng.random((3000, 3)).astype(dtype)
    values[:5] = [[0.0, 1.0, np.nextafter(dtype(1), dtype(0))]] * 5
    mask = rng.random(values.shape) < 0.3
    sums, counts = exact.column_sums_by_mask(values, mask)
    for side, selected in enumerate((~mask, mask)):
        assert counts[side].tolist() == selected.sum(axis=0).tolist()
        for column in range(3):
            cut = [int(Fraction(float(v)) * 2**52) for v in values[selected[:, column], column]]
            assert exact.to_fraction(sums[side, column]) == Fraction(sum(cut), 2**52)


def test_threshold_partials_add_up_in_any_grouping():
    labels, pred_probs = noisy_classification(1000, 4, seed=1)
    whole = kernels.threshold_partials(labels, pred_probs, 0)
    pieces = [kernels.threshold_partials(labels[a:b], pred_probs[a:b], a) for a, b in [(0, 10), (10, 999), (999, 1000)]]
    combined = kernels.combine_threshold_partials(pieces[::-1])
    assert np.array_equal(combined.limb_sums, whole.limb_sums)
    assert np.array_equal(combined.class_counts, np.bincount(labels, minlength=4))


def test_invalid_rows_report_the_first_of_each_kind():
    labels = np.array([0, 5, 1, -1])
    pred_probs = np.array([[0.5, 0.5], [0.5, 0.5], [np.nan, 1.0], [2.0, 0.0]])
    found = kernels.invalid_rows(labels, pred_probs, 100)
    assert found.label[0] == 101 and "labels[101] is 5" in found.label[1]
    assert found.prob[0] == 102 and "row 102 contains NaN or infinity" in found.prob[1]
    assert kernels.invalid_rows(labels[:1], pred_probs[:1], 0) == InvalidRows()


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_prediction_agrees_matches_argmax_after_bump(dtype):
    rng = np.random.default_rng(3)
    # values on a coarse grid make exact ties, and ties within 1e-6, common
    grid = np.array([0.1, 0.3, 0.3 - 1e-6, 0.3 + 1e-6, 0.5, 0.5 - 1e-6, 0.2], dtype=dtype)
    pred_probs = grid[rng.integers(0, len(grid), (5000, 4))]
    labels = rng.integers(0, 4, 5000)
    expected = _reduce_issues(pred_probs, labels)
    assert np.array_equal(kernels.prediction_agrees(labels, pred_probs), expected)
    predicted = kernels.predicted_class(pred_probs)
    assert np.array_equal(kernels.prediction_agrees(labels, pred_probs, predicted), expected)
    assert 0 < expected.sum() < 5000


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_scores_match_cleanlab_definitions(dtype):
    labels, pred_probs = noisy_classification(2000, 5, seed=2, dtype=dtype)
    pred_probs[:10] = np.eye(5, dtype=dtype)[labels[:10]]  # one-hot rows: entropy 0
    margin = scoring.normalized_margin(labels, pred_probs)
    assert margin.dtype == get_normalized_margin_for_each_label(labels, pred_probs).dtype
    np.testing.assert_array_equal(margin, get_normalized_margin_for_each_label(labels, pred_probs))
    np.testing.assert_allclose(
        scoring.confidence_weighted_entropy(labels, pred_probs),
        get_confidence_weighted_entropy_for_each_label(labels, pred_probs),
        rtol=1e-5 if dtype == np.float32 else 1e-13,
    )


def test_merged_keeps_a_stable_sort_prefix_of_each_cell():
    rng = np.random.default_rng(5)
    scores = rng.integers(0, 20, 500).astype(float)  # many ties
    indices = rng.permutation(500) + 1000
    agrees = rng.random(500) < 0.5
    cells = rng.integers(0, 3, 500)
    for k in (0, 1, 37, 499, 500, 800):
        limits = np.array([k, k // 2, 0])[cells]
        kept = lowest.Lowest.merged([lowest.Lowest(cells, scores, indices, agrees, limits)]).ranked()
        for cell, limit in enumerate((k, k // 2, 0)):
            mine = cells == cell
            order = np.lexsort((indices[mine], scores[mine]))[:limit]
            assert np.array_equal(kept.indices[kept.cells == cell], indices[mine][order])
            assert np.array_equal(kept.agrees[kept.cells == cell], agrees[mine][order])


def test_merged_gathers_equal_the_lowest_of_everything():
    rng = np.random.default_rng(6)
    scores = rng.integers(0, 10, (300, 2)).astype(float)
    cut = select.Cut.first(np.array([0, 1]), np.array([40, 7]))
    chunks = [[select.Entries.of_columns(scores[a:b], a)] for a, b in [(0, 100), (100, 250), (250, 300)]]
    merged = lowest.Lowest.merged([settle.gather(chunk, cut) for chunk in chunks]).ranked()
    whole = settle.gather([select.Entries.of_columns(scores, 0)], cut).ranked()
    assert np.array_equal(merged.indices, whole.indices)
    for cell, k in enumerate((40, 7)):
        expected = np.lexsort((np.arange(300), scores[:, cell]))[:k]
        assert np.array_equal(merged.indices[merged.cells == cell], expected)


def test_issue_counts():
    labels = np.array([0, 0, 1, 1, 2])
    pred_probs = np.array([[0.1, 0.9, 0.0], [0.8, 0.1, 0.1], [0.6, 0.4, 0.0], [0.2, 0.7, 0.1], [0.3, 0.3, 0.4]])
    thresholds = np.array([0.7, 0.8, 0.5])
    counts = kernels.issue_count_partials(labels, pred_probs, thresholds)
    # row 0: predicted 1 at 0.9 >= 0.8, off-diagonal; row 2: predicted 0 at 0.6 < 0.7, not confident
    assert counts.tolist() == [[1, 0, 0], [2, 2, 1], [2, 0, 0]]
    assert kernels.num_label_issues(counts, estimation_method="off_diagonal") == 1
    # class 0: 1 pruned of 2 confident, 2 given -> 1; classes 1, 2: nothing pruned
    assert kernels.num_label_issues(counts, estimation_method="off_diagonal_calibrated") == 1


def _flat(entries: list, counts: np.ndarray) -> list[tuple]:
    """(cell, index, score, agrees) of every entry of a cell with a count, sorted."""
    found = []
    for part in entries:
        agrees = np.broadcast_to(part.agrees, part.scores.shape)
        cells = np.broadcast_to(part.cells, part.scores.shape)
        for row, index in enumerate(part.rows()):
            for column in range(part.scores.shape[1]):
                if counts.reshape(-1)[cells[row, column]]:
                    found.append(
                        (
                            int(cells[row, column]),
                            int(index),
                            float(part.scores[row, column]),
                            bool(agrees[row, column]),
                        )
                    )
    return sorted(found)


@pytest.mark.parametrize("bounded", [False, True])
def test_binary_cell_entries_are_the_two_class_ones_of_each_problem(bounded):
    """Each binary problem's pruning entries (and its level counts, and so
    its cells' bounds) equal the two-class ones of the multi-class kernel
    (whose pruning matches cleanlab), on probabilities with many ties;
    problems and cells with no count have none."""
    rng = np.random.default_rng(5)
    labels = (rng.random((500, 6)) < 0.3).astype(np.int8)
    pred_probs = np.round(rng.random((500, 6)), 1)  # eleven values: ties everywhere
    counts = rng.integers(0, 3, size=(6, 2, 2))
    counts[2] = 0
    unbounded = np.where(counts > 0, np.inf, -np.inf)
    bounds = cut_bounds(counts, pruning.one_vs_rest_levels(labels, pred_probs)) if bounded else unbounded
    assert bounded == bool(np.isfinite(bounds).any())
    found = _flat(pruning.one_vs_rest_entries(labels, pred_probs, 1000, bounds), counts)
    for problem in range(6):
        two_labels = labels[:, problem].astype(np.int64)
        two_probs = np.column_stack(onevsrest.binary_columns(pred_probs[:, problem]))
        two_bounds = unbounded[problem]
        if bounded:
            two_bounds = cut_bounds(counts[problem], pruning.multiclass_levels(two_labels, two_probs))
            assert np.array_equal(two_bounds, bounds[problem]), problem
        two_class = pruning.multiclass_entries(two_labels, two_probs, 1000, two_bounds)
        ours = [(cell % 4, *rest) for cell, *rest in found if cell // 4 == problem]
        assert ours == _flat(two_class, counts[problem]), problem
        assert {cell for cell, *_ in ours} == set(np.flatnonzero(counts[problem]).tolist()), problem


def test_level_counts_of_one_kind_of_cell_are_those_cells_of_every_cell():
    """A filter that prunes only off the joint's diagonal (by noise rate) or
    only on it (by class) counts the levels of those cells alone, the same
    as when every cell is counted."""
    rng = np.random.default_rng(6)
    multi_labels = (rng.random((500, 6)) < 0.3).astype(np.int8)
    multi_probs = np.round(rng.random((500, 6)), 1)
    labels, pred_probs = noisy_classification(500, 4, seed=6)
    for levels_of in (
        lambda cells: pruning.one_vs_rest_levels(multi_labels, multi_probs, cells=cells),
        lambda cells: pruning.multiclass_levels(labels, pred_probs, cells=cells),
    ):
        every = levels_of(pruning.EVERY_CELL)
        for cells in (pruning.LevelsOf(off_diagonal=True, diagonal=False), pruning.LevelsOf(False, True)):
            ours = levels_of(cells)
            assert ours.counts.sum() > 0
            assert set(ours.bins.tolist()) < set(every.bins.tolist())
            lookup = dict(zip(every.bins.tolist(), every.counts.tolist(), strict=True))
            assert all(lookup[b] == c for b, c in zip(ours.bins.tolist(), ours.counts.tolist(), strict=True))
        off, on = (levels_of(pruning.LevelsOf(True, False)), levels_of(pruning.LevelsOf(False, True)))
        assert not set(off.bins.tolist()) & set(on.bins.tolist())
        assert off.counts.sum() + on.counts.sum() == every.counts.sum()


def test_pruning_entries_come_in_blocks_of_rows_whatever_the_number_of_classes():
    """A chunk's pruning entries are blocks of about ENTRIES_PER_BLOCK entries
    in label order, not one per label: the selection's per-chunk work then
    grows with the chunk's entries, not with the classes."""
    rng = np.random.default_rng(8)
    for num_classes in (3, 40):
        labels = rng.integers(0, num_classes, 20_000)
        pred_probs = rng.dirichlet(np.ones(num_classes), 20_000)
        unbounded = np.full((num_classes, num_classes), np.inf)
        found = pruning.multiclass_entries(labels, pred_probs, 0, unbounded)
        rows_per_block = pruning.ENTRIES_PER_BLOCK // num_classes
        assert len(found) == -(-20_000 // rows_per_block), num_classes
        rows = np.concatenate([part.rows() for part in found])
        assert np.array_equal(np.sort(rows), np.arange(20_000))
        assert np.all(np.diff(labels[rows]) >= 0)  # label order, so a block's cells are few
        first = found[0]
        assert np.array_equal(first.cells, labels[first.rows()][:, None] * num_classes + np.arange(num_classes))


@pytest.mark.parametrize("seed", range(4))
def test_cut_bounds_are_the_deepest_levels_that_hold_each_cells_count(seed):
    rng = np.random.default_rng(seed)
    num_cells = 7
    cells = rng.integers(0, num_cells, 2_000)
    scores = np.where(rng.random(2_000) < 0.5, -(rng.random(2_000) ** 4), rng.random(2_000) ** 3).astype(np.float32)
    halves = [level_counts(cells[:900], scores[:900], num_cells), level_counts(cells[900:], scores[900:], num_cells)]
    wanted = rng.integers(0, 400, num_cells)
    found = cut_bounds(wanted, Histogram.summed(halves))
    for cell in range(num_cells):
        mine = scores[cells == cell]
        holding = [level for level in LEVELS if np.count_nonzero(mine < level) >= wanted[cell]]
        expected = -np.inf if wanted[cell] == 0 else min(holding, default=np.inf)
        assert found[cell] == expected, cell


@pytest.mark.parametrize("high", [1, 5, 10**9])
def test_index_sets_are_numpys_unique_and_union(high):
    rng = np.random.default_rng(high)
    parts = [rng.integers(0, high, size) for size in (0, 1, 7, 1000)]
    for part in parts:
        np.testing.assert_array_equal(sets.unique(part), np.unique(part))
    np.testing.assert_array_equal(sets.union(parts), np.unique(np.concatenate(parts)))


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_levels_above_each_score_are_counted_as_by_comparing_with_every_level(dtype):
    """The count from sign and exponent agrees with counting the levels above
    each score: at every level, one step to either side of it, at 0 and -0,
    subnormals of either sign, and random scores of every magnitude in [-1, 1]."""
    levels = LEVELS.astype(dtype)
    rng = np.random.default_rng(3)
    scores = np.concatenate(
        [
            levels,
            np.nextafter(levels, dtype(2)),
            np.nextafter(levels, dtype(-2)),
            np.array([0.0, -0.0, 1.0, -1.0, 1e-30, -1e-30, 0.75, -0.75]),
            np.array([1, -1, 2, -2]) * np.finfo(dtype).smallest_subnormal,  # no exponent bits, a mantissa
            np.array([1, -1]) * np.finfo(dtype).smallest_normal,
            rng.uniform(-1, 1, 20_000) * 2.0 ** -rng.integers(0, 24, 20_000),
        ]
    ).astype(dtype)
    scores = scores[(scores >= -1) & (scores <= 1)]
    expected = (LEVELS[None, :] > scores.astype(np.float64)[:, None]).sum(axis=1)
    np.testing.assert_array_equal(levels_above(scores), expected)
    probabilities = np.concatenate([scores[scores >= 0], [np.finfo(dtype).smallest_subnormal]]).astype(dtype)
    np.testing.assert_array_equal(probability_levels(probabilities), levels_above(probabilities))


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_binary_joints_are_the_two_class_joints_of_each_problem(dtype):
    """On probabilities with many ties and thresholds on the grid."""
    rng = np.random.default_rng(6)
    labels = (rng.random((700, 5)) < 0.3).astype(np.int8)
    pred_probs = (np.round(rng.random((700, 5)) * 8) / 8).astype(dtype)
    thresholds = np.round(rng.random((2, 5)) * 8) / 8
    joints = binary_joints.confident_joint_counts(labels, pred_probs, thresholds)
    for problem in range(5):
        two_probs = np.column_stack(onevsrest.binary_columns(pred_probs[:, problem]))
        expected = kernels.confident_joint_counts(
            labels[:, problem].astype(np.int64), two_probs, thresholds[:, problem]
        )
        assert np.array_equal(joints[problem], expected), problem


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("n_classes", [2, 7, 300])
def test_a_summary_taken_in_blocks_is_the_whole_chunks_numpy_to_the_bit(dtype, n_classes, monkeypatch):
    labels, pred_probs = noisy_classification(5000, n_classes, seed=n_classes, dtype=dtype)
    pred_probs[17] = pred_probs[17][::-1]  # ties and extremes in some rows
    pred_probs[18, : n_classes // 2] = pred_probs[18].max()
    monkeypatch.setattr(rowwise, "BLOCK_BYTES", 999 * pred_probs.itemsize)  # blocks of rows that are not a divisor
    assert rowwise.block_rows(pred_probs) == 999 // n_classes  # blocks of a few rows, as the summary takes them
    rows = rowwise.summarized(pred_probs, labels, predicted=True)
    assert rows.sums.dtype == pred_probs.dtype
    np.testing.assert_array_equal(rows.sums, np.einsum("ij->i", pred_probs), strict=True)
    np.testing.assert_array_equal(rows.predicted, pred_probs.argmax(axis=1), strict=True)
    np.testing.assert_array_equal(rows.predicted_prob, pred_probs.max(axis=1), strict=True)
    np.testing.assert_array_equal(rows.given_prob, pred_probs[np.arange(5000), labels], strict=True)
    assert (rows.lowest, rows.highest) == (pred_probs.min(), pred_probs.max())
    assert rows.lowest.dtype == rows.highest.dtype == pred_probs.dtype
    plain = rowwise.summarized(pred_probs)
    assert plain.predicted is None and plain.given_prob is None and plain.highest == pred_probs.max()


@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf, 1.5, -0.5])
def test_a_summary_in_blocks_finds_the_same_first_bad_row(bad, monkeypatch):
    labels, pred_probs = noisy_classification(3000, 5, seed=1)
    pred_probs[2222, 3] = bad
    monkeypatch.setattr(rowwise, "BLOCK_BYTES", 100 * pred_probs.itemsize * 5)
    assert rowwise.block_rows(pred_probs) == 100  # the bad row is in the 23rd of 30 blocks
    for predicted in (False, True):
        rows = kernels.summarized_rows(labels, pred_probs, predicted=predicted)
        found = kernels.invalid_rows(labels, pred_probs, 40, rows)
        assert found == kernels.invalid_rows(labels, pred_probs, 40)
        assert found.prob[0] == 2262


def test_ranked_order_is_lexsorts_on_ties_signed_zeros_cells_and_huge_indices():
    """Every way of ranking: one 64-bit key of a float32 value and an index
    below 2**32 (float32 scores, or float64 ones that are float32 values, in
    one cell), ranks and indices packed, or lexsort."""
    rng = np.random.default_rng(11)
    for trial in range(600):
        n = int(rng.integers(0, 400))
        cells = rng.integers(0, rng.integers(1, 6), n) if trial % 4 else np.zeros(n, np.int64)
        distinct = rng.random(int(rng.integers(1, 40))) - (0.5 if trial % 5 == 0 else 0.0)
        scores = rng.choice(distinct, n).astype(np.float32 if trial % 2 else np.float64)
        if trial % 3 == 0:  # float64 scores of float32 probabilities
            scores = scores.astype(np.float32).astype(np.float64)
        scores[rng.random(n) < 0.1] = -0.0
        if trial % 13 == 0 and n:
            scores[0] = np.nan
        indices = rng.permutation(10**6)[:n] * (10**13 if trial % 9 == 0 else 1)  # too large to pack: lexsort
        if trial % 11 == 0:  # the largest indices a key holds, and the first it cannot
            indices = 2**32 - 1 - indices if trial % 22 else indices + 2**32
        np.testing.assert_array_equal(
            lowest.ranked_order(cells, scores, indices), np.lexsort((indices, scores, cells)), strict=False
        )


@pytest.mark.parametrize("bad", [np.nan, np.inf, 1.5, -0.5, "label"])
def test_multilabel_pass_1_in_blocks_finds_the_first_bad_row_and_sums_as_one_block(bad, monkeypatch):
    rng = np.random.default_rng(4)
    labels, pred_probs = (rng.random((3000, 4)) < 0.3).astype(np.int8), rng.random((3000, 4))
    if bad == "label":
        labels[2222, 1] = 2
    else:
        pred_probs[2222, 3] = bad
    whole = onevsrest.threshold_partials(labels, pred_probs, 40)
    monkeypatch.setattr(rowwise, "BLOCK_BYTES", 70 * pred_probs.itemsize * 4)
    assert onevsrest.block_rows(pred_probs) == 70  # blocks of 70 rows, as pass 1 takes them
    blocks = onevsrest.threshold_partials(labels, pred_probs, 40)
    assert blocks.invalid == whole.invalid and (whole.invalid.label[0] == 2262 or whole.invalid.prob[0] == 2262)
    np.testing.assert_array_equal(blocks.counts, whole.counts)
    fine = np.where(np.isfinite(pred_probs), pred_probs, 0.0)
    exact_sums = onevsrest.threshold_partials(labels, fine, 40).limb_sums
    for partials in (blocks, whole):
        assert [exact.to_fraction(limbs) for limbs in partials.limb_sums.reshape(-1, 2)] == [
            exact.to_fraction(limbs) for limbs in exact_sums.reshape(-1, 2)
        ]


def test_summed_histograms_add_counts_of_equal_bins_whether_bins_are_few_or_spread():
    rng = np.random.default_rng(12)
    for trial in range(300):
        parts = []
        for _ in range(int(rng.integers(1, 6))):
            bins = np.unique(rng.integers(0, 60 if trial % 2 else 10**12, int(rng.integers(0, 30))))
            parts.append(Histogram(bins, rng.integers(1, 10**6, bins.size)))
        bins = np.concatenate([np.zeros(0, np.int64), *(part.bins for part in parts)])
        counts = np.concatenate([np.zeros(0, np.int64), *(part.counts for part in parts)])
        found, inverse = np.unique(bins, return_inverse=True)
        summed = Histogram.summed(parts)
        np.testing.assert_array_equal(summed.bins, found, strict=True)
        np.testing.assert_array_equal(
            summed.counts, np.bincount(inverse, weights=counts, minlength=found.size).astype(np.int64)
        )


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize(("start", "width"), [(0, 8), (0, 16), (16, 16), (8, 16)])
def test_key_bits_are_those_of_the_order_keys(dtype, start, width):
    """Whatever the sign: non-negative scores only, and with negative ones,
    -0.0, infinities and subnormals."""
    rng = np.random.default_rng(width + start)
    special = np.array([0.0, -0.0, 1.0, -1.0, np.inf, -np.inf, 5e-324, -5e-324, 1e-300, -1e-300])
    random = rng.random(5000) * 2.0 ** -rng.integers(0, 60, 5000)
    for scores in (random, np.concatenate([random, -random, special])):
        scores = scores.astype(dtype)
        expected = (keys.order_keys(scores) >> np.uint64(64 - start - width)) & np.uint64((1 << width) - 1)
        found = keys.key_bits(scores, start, width)
        assert found.dtype == np.int64
        np.testing.assert_array_equal(found, expected.astype(np.int64))


@pytest.mark.parametrize("seed", range(5))
def test_bounds_within_keep_each_cells_lowest_whole_bins_within_its_budget(seed):
    """Below each cell's bound lie at most its budget of entries, and one
    more bin would pass the budget (or no entry is above the bound)."""
    rng = np.random.default_rng(seed)
    scores = np.round(rng.random((400, 4)) ** 3, 3 + seed % 3)  # ties and crowded bins
    chunk = [select.Entries.of_columns(scores, 0)]
    first = select.first_histogram(chunk, np.arange(4))
    budgets = rng.integers(0, 450, 4)
    bounds = bounds_within(first, budgets, np.float64)
    for cell in range(4):
        column = scores[:, cell]
        kept = np.count_nonzero(column < bounds[cell])
        assert kept <= budgets[cell]
        if np.isinf(bounds[cell]) and bounds[cell] > 0:
            assert kept == 400
            continue
        # the next bin up would not fit: the lowest entry at or above the bound ends it
        next_bin = keys.key_bits(np.array([column[column >= bounds[cell]].min()]), 0, 16)[0]
        in_next = np.count_nonzero(keys.key_bits(column, 0, 16) <= next_bin)
        assert in_next > budgets[cell]


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_adjusted_binary_columns_are_the_written_out_formula_to_the_bit(dtype):
    """Worked in place, they stay the arithmetic written out, in float64 as
    the thresholds are."""
    rng = np.random.default_rng(2)
    pred_probs = rng.random((300, 6)).astype(dtype)
    thresholds = rng.random((2, 6)) * 0.5 + 0.2
    negative, positive = onevsrest.binary_columns(pred_probs, thresholds)
    shift = thresholds.max(axis=0)
    expected_negative = (1 - pred_probs) - thresholds[0] + shift
    expected_positive = pred_probs - thresholds[1] + shift
    total = expected_negative + expected_positive
    assert negative.dtype == positive.dtype == np.float64
    np.testing.assert_array_equal(negative, expected_negative / total)
    np.testing.assert_array_equal(positive, expected_positive / total)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_binary_sides_and_margins_are_the_chosen_sides_bit_for_bit(dtype):
    rng = np.random.default_rng(8)
    pred_probs = (np.round(rng.random((2000, 6)) * 8) / 8).astype(dtype)  # ties between the sides at 0.5
    pred_probs[:3] = [0.0, 1.0, 0.5, 0.0, 1.0, 0.5]
    labels = rng.random(pred_probs.shape) < 0.4
    thresholds = np.round(np.stack([rng.random(6), rng.random(6)]) * 4) / 4
    for adjust in (None, thresholds):
        negative, positive = onevsrest.binary_columns(pred_probs, adjust)
        given = np.where(labels, positive, negative)
        margins = given - np.where(labels, negative, positive)
        sides = onevsrest.Sides.of(labels, pred_probs, adjust)
        assert sides.given.dtype == given.dtype and sides.given.tobytes() == given.tobytes()
        assert sides.margins().tobytes() == margins.tobytes()  # a tie's margin is +0.0, as a difference
        normalized = onevsrest.per_class_scores(labels, pred_probs, method="normalized_margin", thresholds=adjust)
        assert normalized.tobytes() == np.asarray((margins + 1) / 2, np.float64).tobytes()
    assert onevsrest.given_side(labels, pred_probs).tobytes() == np.where(labels, pred_probs, 1 - pred_probs).tobytes()


@pytest.mark.parametrize("num_classes", [5, 37, 50])  # below, between and at whole blocks of a dot product
def test_an_aggregate_of_a_row_depends_on_that_row_alone(num_classes):
    """Each row's sum is a dot product of its own (np.vecdot): the same bits
    wherever the row sits, in any block of rows, at any memory alignment."""
    scores = np.random.default_rng(9).random((300, num_classes))
    shifted = np.empty(scores.size + 1)[1:].reshape(scores.shape)  # 8 bytes off the allocation's alignment
    shifted[...] = scores
    for aggregate in (aggregators.exponential_moving_average, aggregators.softmin, aggregators.CLEANLAB_DEFAULT):
        whole = aggregate(scores)
        assert np.array_equal(aggregate(shifted), whole)
        for start, stop in [(1, 300), (7, 133), (299, 300)]:
            assert np.array_equal(aggregate(scores[start:stop]), whole[start:stop])
            assert np.array_equal(aggregate(shifted[start:stop]), whole[start:stop])


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("method", ["self_confidence", "normalized_margin", "confidence_weighted_entropy"])
def test_issue_candidates_are_the_entries_of_every_entry_at_most_one_half(dtype, method):
    """The batched search's candidates (scores at most 1/2, or every entry
    under a method without that ceiling), their agreement and the issue
    counts, worked out on the candidates alone, are those of every entry,
    bit for bit, on probabilities with ties at 1/2 and at the thresholds;
    and every entry that counts as an issue is a candidate."""
    from dlq.kernels import candidates

    rng = np.random.default_rng(7)
    pred_probs = (np.round(rng.random((3000, 7)) * 8) / 8).astype(dtype)
    labels = rng.random(pred_probs.shape) < 0.4
    thresholds = np.round(np.stack([rng.random(7), rng.random(7)]) * 8) / 8
    found = candidates.issue_candidates(labels, pred_probs, method, thresholds)
    # every entry, as written out: the sides chosen per entry, the cut-off chosen per entry
    sides = onevsrest.Sides.of(labels, pred_probs)
    scores = onevsrest.per_class_scores(labels, pred_probs, method=method)
    agrees = sides.agrees()
    predicted_positive = sides.positive > sides.negative
    cutoff = np.where(predicted_positive, thresholds[1], thresholds[0]) - 1e-6
    issues = (np.maximum(sides.positive, sides.negative) >= cutoff) & (predicted_positive != labels)
    assert found.scores.tobytes() == scores.tobytes()
    assert found.prune.tolist() == np.count_nonzero(issues, axis=0).tolist() and found.prune.sum() > 0
    if method == "confidence_weighted_entropy":  # no ceiling: every entry is a candidate
        rows, classes = (index.reshape(-1) for index in np.indices(scores.shape))
    else:
        rows, classes = np.nonzero(scores <= 0.5)
        assert np.all(scores[~agrees] <= 0.5)  # every issue is a candidate
    for held in (found, found.held()):  # as made, and as kept until a chunk's bounds are known
        entries = held.entries(100)
        assert entries.rows().tolist() == (rows + 100).tolist()
        assert entries.cells[:, 0].tolist() == classes.tolist()
        assert entries.scores[:, 0].tobytes() == scores[rows, classes].tobytes()
        assert entries.agrees[:, 0].tolist() == agrees[rows, classes].tolist()
    bounds = np.linspace(0.1, 0.5, 7)
    below = found.held().entries(100, bounds)
    taken = scores[rows, classes] < bounds[classes]
    assert below.rows().tolist() == (rows[taken] + 100).tolist()
    assert below.cells[:, 0].tolist() == classes[taken].tolist()
