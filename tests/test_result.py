"""The lazy scan and its result: compute, masks, zarr output, notebook display."""

from __future__ import annotations

import numpy as np
import pytest
import zarr
from conftest import noisy_classification

import dlq

LABELS, PRED_PROBS = noisy_classification(4000, 5, seed=12)


@pytest.fixture(scope="module")
def computed():
    return dlq.scan(LABELS, PRED_PROBS, chunk_rows=900).compute()


def test_result_matches_the_cleanlab_compatible_finder(computed):
    assert np.array_equal(computed.issues, dlq.find_label_issues_batched(LABELS, PRED_PROBS, verbose=False))
    assert np.array_equal(
        computed.mask(), dlq.find_label_issues_batched(LABELS, PRED_PROBS, verbose=False, return_mask=True)
    )
    assert computed.n_examples == 4000
    assert computed.n_classes == 5
    assert 0 < len(computed.issues) <= computed.num_issues


def test_lazy_scores_and_mask(computed):
    lazy = dlq.scan(LABELS, PRED_PROBS, chunk_rows=900)
    assert lazy.scores.chunks == ((900, 900, 900, 900, 400),)
    np.testing.assert_array_equal(lazy.scores.compute(), PRED_PROBS[np.arange(4000), LABELS])
    np.testing.assert_array_equal(np.flatnonzero(lazy.mask.compute()), np.sort(computed.issues))


def test_to_zarr_writes_scores_and_mask_in_one_run(tmp_path, computed):
    lazy = dlq.scan(LABELS, PRED_PROBS, chunk_rows=900, method="normalized_margin")
    result = lazy.to_zarr(tmp_path / "out.zarr")
    group = zarr.open_group(tmp_path / "out.zarr", mode="r")
    np.testing.assert_array_equal(
        group["scores"][:], dlq.get_label_quality_scores(LABELS, PRED_PROBS, method="normalized_margin")
    )
    np.testing.assert_array_equal(np.flatnonzero(group["is_label_issue"][:]), np.sort(result.issues))
    with pytest.raises(Exception, match=r"already exists|contains"):
        lazy.to_zarr(tmp_path / "out.zarr")
    assert np.array_equal(lazy.to_zarr(tmp_path / "out.zarr", overwrite=True).issues, result.issues)


def test_html_reprs(computed):
    page = computed._repr_html_()
    assert "4,000" in page and f"{computed.num_issues:,}" in page and str(computed.issues[0]) in page
    lazy = dlq.scan(LABELS, PRED_PROBS, chunk_rows=900)
    assert "not computed" in repr(lazy) and "5" in lazy._repr_html_()


def test_no_issues_when_labels_agree_with_predictions():
    labels = PRED_PROBS.argmax(axis=1)
    result = dlq.scan(labels, PRED_PROBS).compute()
    assert result.num_issues == 0
    assert result.issues.shape == (0,)


def test_verbose_shows_a_progress_bar_and_quiet_does_not(capsys):
    dlq.find_label_issues_batched(LABELS, PRED_PROBS, verbose=True)
    assert "100% Completed" in capsys.readouterr().out
    dlq.find_label_issues_batched(LABELS, PRED_PROBS, verbose=False)
    assert capsys.readouterr().out == ""


def test_thread_count_does_not_change_the_answer(computed):
    for n_jobs in (1, 2, 4):
        assert np.array_equal(
            dlq.find_label_issues_batched(LABELS, PRED_PROBS, n_jobs=n_jobs, verbose=False), computed.issues
        )
