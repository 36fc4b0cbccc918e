"""dlq.compute_confident_joint and dlq.num_label_issues against cleanlab.count."""

from __future__ import annotations

import dask.array as da
import numpy as np
import pytest
from cleanlab import count as cl_count
from conftest import as_lists, multilabel_case, noisy_classification

import dlq

ESTIMATION = ["off_diagonal", "off_diagonal_calibrated"]


def random_cases():
    for seed in range(4):
        yield noisy_classification(2_000, 2 + 3 * seed, seed=seed)
    yield noisy_classification(1_500, 6, seed=9, absent_class=2)  # a class no example is given
    yield noisy_classification(1_500, 5, seed=10, concentration=3.0)  # flat probabilities: few confident rows


@pytest.mark.parametrize("calibrate", [False, True])
def test_confident_joint_matches_cleanlab_on_random_data(calibrate):
    for labels, pred_probs in random_cases():
        expected = cl_count.compute_confident_joint(labels, pred_probs, calibrate=calibrate)
        found = dlq.compute_confident_joint(labels, pred_probs, calibrate=calibrate)
        assert found.dtype.kind == "i"
        assert np.array_equal(found, expected)


@pytest.mark.parametrize("dataset", ["digits", "wine", "iris"])
def test_confident_joint_and_issue_counts_match_cleanlab_on_real_data(real_data, dataset):
    labels, pred_probs = real_data[dataset]
    for calibrate in (False, True):
        expected = cl_count.compute_confident_joint(labels, pred_probs, calibrate=calibrate)
        assert np.array_equal(dlq.compute_confident_joint(labels, pred_probs, calibrate=calibrate), expected)
    for method in ESTIMATION:
        expected = cl_count.num_label_issues(labels, pred_probs, estimation_method=method)
        assert dlq.num_label_issues(labels, pred_probs, estimation_method=method) == expected > 0


@pytest.mark.parametrize("method", ESTIMATION)
def test_issue_count_matches_cleanlab_on_random_data(method):
    for labels, pred_probs in random_cases():
        expected = cl_count.num_label_issues(labels, pred_probs, estimation_method=method)
        assert dlq.num_label_issues(labels, pred_probs, estimation_method=method) == expected


def test_given_thresholds_and_a_given_joint():
    labels, pred_probs = noisy_classification(3_000, 7, seed=21)
    thresholds = np.linspace(0.2, 0.6, 7)
    expected = cl_count.compute_confident_joint(labels, pred_probs, thresholds=thresholds)
    assert np.array_equal(dlq.compute_confident_joint(labels, pred_probs, thresholds=thresholds), expected)
    custom = cl_count.compute_confident_joint(labels, pred_probs, thresholds=thresholds, calibrate=False)
    expected_count = cl_count.num_label_issues(
        labels, pred_probs, confident_joint=custom, estimation_method="off_diagonal_custom"
    )
    found_count = dlq.num_label_issues(
        labels, pred_probs, confident_joint=custom, estimation_method="off_diagonal_custom"
    )
    assert found_count == expected_count > 0


@pytest.mark.parametrize("chunk_rows", [97, 1_000, 5_000])
def test_chunking_never_changes_the_joint(chunk_rows):
    labels, pred_probs = noisy_classification(5_000, 8, seed=22, dtype=np.float32)
    reference = dlq.compute_confident_joint(labels, pred_probs)
    lazy = dlq.compute_confident_joint(
        da.from_array(labels, chunks=chunk_rows), da.from_array(pred_probs, chunks=(chunk_rows, 8))
    )
    assert np.array_equal(lazy.compute(), reference)
    count = dlq.num_label_issues(
        da.from_array(labels, chunks=chunk_rows),
        da.from_array(pred_probs, chunks=(chunk_rows, 8)),
        estimation_method="off_diagonal_calibrated",
    )
    assert count.compute() == dlq.num_label_issues(labels, pred_probs, estimation_method="off_diagonal_calibrated")


def test_refusals_and_warnings():
    labels, pred_probs = noisy_classification(200, 3, seed=23)
    with pytest.raises(ValueError, match="you need to provide pre-calculated"):
        dlq.num_label_issues(labels, pred_probs, estimation_method="off_diagonal_custom")
    with pytest.raises(ValueError, match="must be 3 x 3"):
        dlq.num_label_issues(labels, pred_probs, confident_joint=np.eye(2), estimation_method="off_diagonal_custom")
    with pytest.raises(ValueError, match="estimation_method must be one of"):
        dlq.num_label_issues(labels, pred_probs, estimation_method="diagonal")
    with pytest.raises(ValueError, match="thresholds must be 3 finite numbers"):
        dlq.compute_confident_joint(labels, pred_probs, thresholds=[0.5, 0.5])
    with pytest.raises(ValueError, match="multi-label labels must be class-index lists"):
        dlq.num_label_issues(labels, pred_probs, multi_label=True)
    with pytest.raises(ValueError, match="computes its own thresholds"):
        dlq.compute_confident_joint([[0]] * 200, pred_probs, thresholds=[0.5] * 3, multi_label=True)
    with pytest.warns(UserWarning, match="confident_joint is ignored"):
        count = dlq.num_label_issues(labels, pred_probs, confident_joint=np.ones((3, 3), int))
    assert count == dlq.num_label_issues(labels, pred_probs)
    bad = pred_probs.copy()
    bad[150, 1] = np.nan
    for thresholds in (None, [0.3, 0.3, 0.3]):
        with pytest.raises(ValueError, match="row 150"):
            dlq.compute_confident_joint(labels, bad, thresholds=thresholds)


def test_rounding_keeps_row_sums_as_cleanlab_does():
    from cleanlab.internal.util import round_preserving_row_totals

    from dlq.kernels.joint import round_preserving_row_sums

    rng = np.random.default_rng(24)
    for _ in range(200):
        rows, columns = rng.integers(1, 8, 2)
        matrix = rng.random((rows, columns)) * rng.choice([1, 10, 1000])
        if rng.random() < 0.5:  # many exact halves: ties in the rounding order
            matrix = np.round(matrix * 2) / 2
        found = round_preserving_row_sums(matrix)
        assert np.array_equal(found, round_preserving_row_totals(matrix))
        assert np.array_equal(found.sum(axis=1), matrix.sum(axis=1).round())


@pytest.mark.parametrize("calibrate", [False, True])
def test_multilabel_confident_joints_match_cleanlab(calibrate):
    for seed in range(4):
        labels, pred_probs = multilabel_case(seed, n_classes=3 + seed)
        lists = as_lists(labels)
        expected = cl_count.compute_confident_joint(lists, pred_probs, multi_label=True, calibrate=calibrate)
        found = dlq.compute_confident_joint(lists, pred_probs, multi_label=True, calibrate=calibrate)
        assert found.shape == (3 + seed, 2, 2) and np.array_equal(found, expected)
        lazy = dlq.compute_confident_joint(
            da.from_array(labels, chunks=(333, -1)),
            da.from_array(pred_probs, chunks=(333, -1)),
            multi_label=True,
            calibrate=calibrate,
        )
        assert np.array_equal(lazy.compute(), expected)


def test_indices_of_off_diagonals_match_cleanlab(real_data):
    """``return_indices_of_off_diagonals``: cleanlab's tuple, the joint and
    the examples counted off its diagonal, multi-class (random and real
    data, computed and given thresholds, in chunks) and multi-label (one
    array per class); False gives the joint alone."""
    cases = [*random_cases(), *real_data.values()]
    for labels, pred_probs in cases:
        for options in ({}, {"calibrate": False}, {"thresholds": np.full(pred_probs.shape[1], 0.3)}):
            joint, indices = cl_count.compute_confident_joint(
                labels, pred_probs, return_indices_of_off_diagonals=True, **options
            )
            found_joint, found = dlq.compute_confident_joint(
                labels, pred_probs, return_indices_of_off_diagonals=True, **options
            )
            np.testing.assert_array_equal(found_joint, joint)
            np.testing.assert_array_equal(found, indices)
            assert indices.size > 0
    labels, pred_probs = cases[0]
    assert np.array_equal(
        dlq.compute_confident_joint(labels, pred_probs, return_indices_of_off_diagonals=False),
        cl_count.compute_confident_joint(labels, pred_probs),
    )
    lazy_joint, lazy_indices = dlq.compute_confident_joint(
        da.from_array(labels, chunks=333),
        da.from_array(pred_probs, chunks=(333, -1)),
        return_indices_of_off_diagonals=True,
    ).compute()
    expected_joint, expected_indices = cl_count.compute_confident_joint(
        labels, pred_probs, return_indices_of_off_diagonals=True
    )
    np.testing.assert_array_equal(lazy_joint, expected_joint)
    np.testing.assert_array_equal(lazy_indices, expected_indices)
    for seed in range(3):
        labels, pred_probs = multilabel_case(seed, n_classes=3 + seed)
        lists = as_lists(labels)
        joints, per_class = cl_count.compute_confident_joint(
            lists, pred_probs, multi_label=True, return_indices_of_off_diagonals=True
        )
        found_joints, found_per_class = dlq.compute_confident_joint(
            lists, pred_probs, multi_label=True, return_indices_of_off_diagonals=True
        )
        np.testing.assert_array_equal(found_joints, joints)
        assert len(found_per_class) == len(per_class) == 3 + seed
        for found, expected in zip(found_per_class, per_class, strict=True):
            np.testing.assert_array_equal(found, expected)
        assert any(expected.size for expected in per_class)


def test_thresholds_calibration_and_joint_estimates_are_cleanlabs(real_data):
    """get_confident_thresholds (correctly rounded means: cleanlab's
    np.mean may differ in the last bit), calibrate_confident_joint and
    estimate_joint (computed, or from a given confident joint, with or
    without labels), multi-class and multi-label, in memory and in chunks."""
    for labels, pred_probs in [*random_cases(), *real_data.values()]:
        np.testing.assert_allclose(
            dlq.count.get_confident_thresholds(labels, pred_probs),
            cl_count.get_confident_thresholds(labels, pred_probs),
            rtol=1e-15,
        )
        given = cl_count.compute_confident_joint(labels, pred_probs, calibrate=False)
        np.testing.assert_array_equal(
            dlq.count.calibrate_confident_joint(given, labels), cl_count.calibrate_confident_joint(given, labels)
        )
        for options in ({}, {"confident_joint": given}):
            np.testing.assert_array_equal(
                dlq.count.estimate_joint(labels, pred_probs, **options),
                cl_count.estimate_joint(labels, pred_probs, **options),
            )
        np.testing.assert_array_equal(
            dlq.count.estimate_joint(None, None, confident_joint=given),
            cl_count.estimate_joint(None, None, confident_joint=given),
        )
    lazy = dlq.count.estimate_joint(da.from_array(labels, chunks=100), da.from_array(pred_probs, chunks=(100, -1)))
    np.testing.assert_array_equal(lazy.compute(), cl_count.estimate_joint(labels, pred_probs))
    for seed in (0, 2):
        binary, pred_probs = multilabel_case(seed, n_classes=3 + seed)
        lists = as_lists(binary)
        np.testing.assert_allclose(
            dlq.count.get_confident_thresholds(lists, pred_probs, multi_label=True),
            cl_count.get_confident_thresholds(lists, pred_probs, multi_label=True),
            rtol=1e-15,
        )
        given = cl_count.compute_confident_joint(lists, pred_probs, multi_label=True, calibrate=False)
        np.testing.assert_array_equal(
            dlq.count.calibrate_confident_joint(given, lists, multi_label=True),
            cl_count.calibrate_confident_joint(given, lists, multi_label=True),
        )
        for options in ({}, {"confident_joint": given}):
            np.testing.assert_array_equal(
                dlq.count.estimate_joint(lists, pred_probs, multi_label=True, **options),
                cl_count.estimate_joint(lists, pred_probs, multi_label=True, **options),
            )


@pytest.mark.parametrize("py_method", ["cnt", "eqn", "marginal", "marginal_ps"])
def test_latent_estimates_are_cleanlabs_to_the_bit(real_data, py_method):
    """estimate_latent (with and without converging) and
    estimate_py_and_noise_matrices_from_probabilities (computed or given
    thresholds, calibrated or not): cleanlab's arrays, equal to the bit."""
    compared = 0
    for labels, pred_probs in [*random_cases(), *real_data.values()]:
        given = cl_count.compute_confident_joint(labels, pred_probs)
        try:
            cl_count.estimate_latent(given, labels, py_method=py_method)
        except np.linalg.LinAlgError:  # 'eqn' of a singular noise matrix: a clear refusal instead
            with pytest.raises(ValueError, match="is singular"):
                dlq.count.estimate_latent(given, labels, py_method=py_method)
            continue
        compared += 1
        for converge in (False, True):
            expected = cl_count.estimate_latent(given, labels, py_method=py_method, converge_latent_estimates=converge)
            found = dlq.count.estimate_latent(given, labels, py_method=py_method, converge_latent_estimates=converge)
            for ours, theirs in zip(found, expected, strict=True):
                np.testing.assert_array_equal(ours, theirs)
        for options in ({}, {"calibrate": False}, {"thresholds": np.full(pred_probs.shape[1], 0.3)}):
            expected = cl_count.estimate_py_and_noise_matrices_from_probabilities(
                labels, pred_probs, py_method=py_method, **options
            )
            found = dlq.count.estimate_py_and_noise_matrices_from_probabilities(
                labels, pred_probs, py_method=py_method, **options
            )
            for ours, theirs in zip(found, expected, strict=True):
                np.testing.assert_array_equal(ours, theirs)
    assert compared > 0  # not every case refused: some were compared with cleanlab
    with pytest.raises(ValueError, match="py_method must be one of"):
        dlq.count.estimate_latent(given, labels, py_method="counts")


def test_labels_outside_the_joints_classes_are_refused_by_name():
    given = np.array([[3, 1], [1, 3]])
    for function in (dlq.count.calibrate_confident_joint, dlq.count.estimate_latent):
        with pytest.raises(ValueError, match=r"labels must be class indices in 0\.\.1; some label is 2"):
            function(given, np.array([0, 1, 2, 1]))
