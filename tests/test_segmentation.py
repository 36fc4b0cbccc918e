"""dlq.segmentation against cleanlab.segmentation 2.9: random and real images,
any chunking, both layouts, stored inputs, and refusals."""

from __future__ import annotations

import dask.array as da
import numpy as np
import pytest
import zarr
from cleanlab.segmentation import filter as cl_filter
from cleanlab.segmentation import rank as cl_rank
from cleanlab.segmentation import summary as cl_summary
from hypothesis import given, settings
from hypothesis import strategies as st

from dlq.segmentation import filter, rank, summary


def noisy_images(
    n_images: int, n_classes: int, height: int, width: int, *, seed: int, noise: float = 0.1, dtype=np.float64
) -> tuple[np.ndarray, np.ndarray]:
    """Images of blocky true classes, labels with a share ``noise`` of
    pixels changed, and pred_probs (N, K, H, W) peaked at the true class."""
    rng = np.random.default_rng(seed)
    blocks = rng.integers(0, n_classes, size=(n_images, -(-height // 4), -(-width // 4)))
    truth = blocks.repeat(4, axis=1).repeat(4, axis=2)[:, :height, :width]
    labels = np.where(rng.random(truth.shape) < noise, rng.integers(0, n_classes, size=truth.shape), truth)
    logits = rng.normal(size=(n_images, n_classes, height, width)) + 2.5 * (
        np.arange(n_classes)[None, :, None, None] == truth[:, None]
    )
    pred_probs = np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True)
    return labels, pred_probs.astype(dtype)


def digit_images(seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Real probabilities: scikit-learn's 8 x 8 digits, each pixel of class
    background, faint or inked, predicted out of fold by a logistic
    regression from its 3 x 3 neighbourhood; a tenth of the labels changed."""
    from sklearn.datasets import load_digits
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import cross_val_predict

    images = load_digits().images[:120]
    truth = np.digitize(images, [2.5, 10.5])
    padded = np.pad(images, ((0, 0), (1, 1), (1, 1)))
    patches = np.stack([padded[:, i : i + 8, j : j + 8] for i in range(3) for j in range(3)], axis=-1)
    features = patches.reshape(-1, 9) + np.random.default_rng(seed).normal(scale=1.0, size=(patches.size // 9, 9))
    probs = cross_val_predict(
        LogisticRegression(max_iter=500), features, truth.reshape(-1), cv=3, method="predict_proba"
    )
    pred_probs = np.moveaxis(probs.reshape(images.shape[0], 8, 8, 3), -1, 1)
    rng = np.random.default_rng(seed)
    labels = np.where(rng.random(truth.shape) < 0.1, rng.integers(0, 3, size=truth.shape), truth)
    return labels, pred_probs


def theirs_issues(labels, pred_probs, **options):
    return cl_filter.find_label_issues(labels, pred_probs, verbose=False, n_jobs=1, **options)


@pytest.mark.parametrize("seed", range(4))
@pytest.mark.parametrize("downsample", [1, 2, 4])
def test_issues_equal_cleanlabs_on_random_images(seed, downsample):
    labels, pred_probs = noisy_images(12, 4, 16, 24, seed=seed)
    theirs = theirs_issues(labels, pred_probs, downsample=downsample)
    assert theirs.any()
    for batch_size in (None, 1, 3000):
        ours = filter.find_label_issues(labels, pred_probs, verbose=False, downsample=downsample, batch_size=batch_size)
        np.testing.assert_array_equal(ours, theirs)


@pytest.mark.parametrize("dtype", [np.float32, np.float16])
def test_issues_equal_cleanlabs_in_lower_precision(dtype):
    labels, pred_probs = noisy_images(10, 3, 16, 16, seed=7, dtype=dtype)
    computed_as = pred_probs.astype(np.float32)  # dlq computes float16 in float32
    np.testing.assert_array_equal(
        filter.find_label_issues(labels, pred_probs, verbose=False), theirs_issues(labels, computed_as)
    )


def test_issues_do_not_depend_on_chunks_layout_or_storage(tmp_path):
    labels, pred_probs = noisy_images(9, 3, 8, 12, seed=11)
    expected = theirs_issues(labels, pred_probs, downsample=2)
    last = np.ascontiguousarray(np.moveaxis(pred_probs, 1, -1))
    zarr.create_array(store=str(tmp_path / "probs.zarr"), data=last, chunks=(2, 8, 12, 3))
    zarr.create_array(store=str(tmp_path / "labels.zarr"), data=labels, chunks=(4, 8, 12))
    np.save(tmp_path / "labels.npy", labels)
    inputs = [
        (da.from_array(labels, chunks=(2, 8, 12)), da.from_array(pred_probs, chunks=(3, 3, 8, 12))),
        (labels, last),
        (str(tmp_path / "labels.zarr"), str(tmp_path / "probs.zarr")),
        (str(tmp_path / "labels.npy"), zarr.open_array(str(tmp_path / "probs.zarr"), mode="r")),
    ]
    for given_labels, given_probs in inputs:
        found = filter.find_label_issues(given_labels, given_probs, verbose=False, downsample=2)
        np.testing.assert_array_equal(np.asarray(found), expected)
    lazy = filter.find_label_issues(*inputs[0], downsample=2)
    assert isinstance(lazy, da.Array) and lazy.chunks[0] == (3, 3, 3)  # pred_probs' chunks


def test_real_images_equal_cleanlab_but_for_ties_at_the_cut_off():
    labels, pred_probs = digit_images()
    for downsample in (1, 2):
        theirs = theirs_issues(labels, pred_probs, downsample=downsample)
        ours = filter.find_label_issues(labels, pred_probs, verbose=False, downsample=downsample, batch_size=2000)
        assert theirs.any()
        if downsample == 1:  # pixels that differ must tie with the last one flagged
            scores = np.take_along_axis(pred_probs, labels[:, None], axis=1)[:, 0]
            differ = ours != theirs
            cutoff = max(scores[ours].max(), scores[theirs].max())
            assert np.all(scores[differ] == cutoff), np.argwhere(differ)[:5]
        else:
            assert (ours != theirs).mean() < 0.01


@pytest.mark.parametrize("temperature", [0.1, 0.02, 1.0])
def test_softmin_scores_equal_cleanlabs_to_the_bit(temperature):
    labels, pred_probs = noisy_images(7, 5, 20, 12, seed=3, dtype=np.float32)
    theirs = cl_rank.get_label_quality_scores(labels, pred_probs, verbose=False, temperature=temperature)
    for batch_size in (None, 1):
        ours = rank.get_label_quality_scores(
            labels, pred_probs, verbose=False, temperature=temperature, batch_size=batch_size
        )
        for mine, cleanlabs in zip(ours, theirs, strict=True):
            assert mine.dtype == cleanlabs.dtype
            np.testing.assert_array_equal(mine, cleanlabs)


def test_softmin_scores_of_large_images_equal_cleanlabs_to_the_bit():
    """Images of 256 x 256 pixels: an einsum over several of them at once
    sums in another order than cleanlab's, an image at a time."""
    labels, pred_probs = noisy_images(6, 2, 256, 256, seed=14, dtype=np.float32)
    theirs, _ = cl_rank.get_label_quality_scores(labels, pred_probs, verbose=False)
    ours, _ = rank.get_label_quality_scores(labels, pred_probs, verbose=False, batch_size=6 * 2 * 256 * 256)
    np.testing.assert_array_equal(ours, theirs)


@pytest.mark.parametrize("downsample", [1, 2])
def test_num_pixel_issues_scores_equal_cleanlabs(downsample):
    labels, pred_probs = noisy_images(8, 3, 8, 8, seed=5, dtype=np.float32)
    theirs = cl_rank.get_label_quality_scores(
        labels, pred_probs, method="num_pixel_issues", downsample=downsample, verbose=False, n_jobs=1
    )
    ours = rank.get_label_quality_scores(
        labels, pred_probs, method="num_pixel_issues", downsample=downsample, verbose=False
    )
    assert theirs[0].min() < 1
    for mine, cleanlabs in zip(ours, theirs, strict=True):
        assert mine.dtype == cleanlabs.dtype
        np.testing.assert_array_equal(mine, cleanlabs)


def test_lazy_scores_are_dask_arrays_chunked_like_the_images():
    labels, pred_probs = noisy_images(6, 3, 8, 8, seed=6)
    image_scores, pixel_scores = rank.get_label_quality_scores(
        labels, da.from_array(pred_probs, chunks=(4, 3, 8, 8)), verbose=False
    )
    assert image_scores.chunks == ((4, 2),) and pixel_scores.chunks[0] == (4, 2)
    theirs = cl_rank.get_label_quality_scores(labels, pred_probs, verbose=False)
    np.testing.assert_array_equal(image_scores.compute(), theirs[0])


def test_issues_from_scores_pick_what_cleanlab_picks():
    rng = np.random.default_rng(8)
    image_scores = rng.random(200).round(2)  # many ties
    pixel_scores = rng.random((4, 5, 6))
    for threshold in (0.0, 0.1, 0.5, 1.0):
        np.testing.assert_array_equal(
            rank.issues_from_scores(image_scores, threshold=threshold),
            cl_rank.issues_from_scores(image_scores, threshold=threshold),
        )
        np.testing.assert_array_equal(
            rank.issues_from_scores(image_scores, pixel_scores, threshold=threshold),
            cl_rank.issues_from_scores(image_scores, pixel_scores, threshold=threshold),
        )


@pytest.mark.parametrize("options", [{}, {"exclude": [1], "top": 3}, {"class_names": ["a", "b", "c", "d"]}])
def test_common_label_issues_table_and_lines_equal_cleanlabs(options, capsys):
    labels, pred_probs = noisy_images(10, 4, 12, 12, seed=9)
    issues = theirs_issues(labels, pred_probs)
    theirs = cl_summary.common_label_issues(issues, labels, pred_probs, verbose=True, **options)
    their_lines = capsys.readouterr().out
    ours = summary.common_label_issues(issues, labels, pred_probs, verbose=True, **options)
    assert capsys.readouterr().out.endswith(their_lines)  # after dlq's progress bar, if any
    assert len(theirs) > 1
    np.testing.assert_array_equal(ours.to_numpy(), theirs.to_numpy())
    assert list(ours.columns) == list(theirs.columns)


def test_filter_by_class_equals_cleanlabs():
    labels, pred_probs = noisy_images(6, 3, 8, 8, seed=10)
    issues = theirs_issues(labels, pred_probs)
    for class_index in range(3):
        theirs = cl_summary.filter_by_class(class_index, issues, labels, pred_probs)
        assert theirs.any()
        np.testing.assert_array_equal(summary.filter_by_class(class_index, issues, labels, pred_probs), theirs)


@settings(max_examples=40, deadline=None)
@given(
    n_images=st.integers(1, 5),
    n_classes=st.integers(2, 4),
    shape=st.sampled_from([(4, 4), (2, 6), (8, 4), (1, 1), (6, 2)]),
    seed=st.integers(0, 2**16),
    chunk=st.integers(1, 5),
    downsample=st.sampled_from([1, 2]),
    channels_last=st.booleans(),
    dtype=st.sampled_from([np.float64, np.float32]),
)
def test_any_small_images_equal_cleanlab(n_images, n_classes, shape, seed, chunk, downsample, channels_last, dtype):
    if shape[0] % downsample or shape[1] % downsample:
        downsample = 1
    labels, pred_probs = noisy_images(n_images, n_classes, *shape, seed=seed, noise=0.3, dtype=dtype)
    given = np.ascontiguousarray(np.moveaxis(pred_probs, 1, -1)) if channels_last else pred_probs
    lazy_probs = da.from_array(given, chunks=(chunk, *given.shape[1:]))
    ours = filter.find_label_issues(
        labels, lazy_probs, verbose=False, channels_last=channels_last, downsample=downsample
    ).compute()
    np.testing.assert_array_equal(ours, theirs_issues(labels, pred_probs, downsample=downsample))
    image_scores, _ = rank.get_label_quality_scores(labels, lazy_probs, verbose=False, channels_last=channels_last)
    np.testing.assert_array_equal(
        image_scores.compute(), cl_rank.get_label_quality_scores(labels, pred_probs, verbose=False)[0]
    )


def one_line(error: pytest.ExceptionInfo) -> str:
    message = str(error.value)
    assert "\n" not in message
    return message


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda y, p: (y, p[:, 0]), "pred_probs must be 4-D"),
        (lambda y, p: (y[0], p), "labels must be 3-D"),
        (lambda y, p: (y[:2], p), "same number of images"),
        (lambda y, p: (y[:, :, :4], p), "does not match labels"),
        (lambda y, p: (y.astype(float), p), "labels must be integers"),
        (lambda y, p: (y, p.astype(int)), "pred_probs must be float"),
        (lambda y, p: (y[:, :4, :4], np.moveaxis(p, 1, -1)[:, :4, :4, :4]), "say which with channels_last"),
    ],
)
def test_bad_inputs_are_refused_in_one_line(change, message):
    labels, pred_probs = noisy_images(3, 4, 8, 6, seed=1)
    with pytest.raises((ValueError, TypeError), match=message) as error:
        filter.find_label_issues(*change(labels, pred_probs), verbose=False)
    one_line(error)


def test_bad_options_are_refused_in_one_line():
    labels, pred_probs = noisy_images(3, 2, 8, 6, seed=1)
    refusals = [
        (lambda: filter.find_label_issues(labels, pred_probs, downsample=4), "does not divide"),
        (lambda: filter.find_label_issues(labels, pred_probs, batch_size=0), "batch_size"),
        (lambda: rank.get_label_quality_scores(labels, pred_probs, method="min"), "method must be one of"),
        (lambda: rank.get_label_quality_scores(labels, pred_probs, temperature=0), "temperature"),
        (lambda: rank.issues_from_scores(None), "image_scores must be given"),
        (lambda: rank.issues_from_scores(np.ones(3), threshold=2), "threshold"),
        (lambda: summary.filter_by_class(0, labels[:2] > 0, labels, pred_probs), "issues must have the labels' shape"),
        (lambda: summary.common_label_issues(labels, labels, pred_probs), "issues must be booleans"),
        (lambda: summary.common_label_issues(labels > 0, labels, pred_probs, class_names=["a"]), "class_names"),
    ]
    for call, message in refusals:
        with pytest.raises((ValueError, TypeError), match=message) as error:
            call()
        one_line(error)
    with pytest.warns(UserWarning, match="downsample=2 is ignored"):
        rank.get_label_quality_scores(labels, pred_probs, downsample=2, verbose=False)


@pytest.mark.parametrize(
    "call",
    [
        lambda y, p: filter.find_label_issues(y, p, verbose=False),
        lambda y, p: filter.find_label_issues(y, p, verbose=False, downsample=2),
        lambda y, p: rank.get_label_quality_scores(y, p, verbose=False),
        lambda y, p: rank.get_label_quality_scores(y, p, method="num_pixel_issues", verbose=False),
        lambda y, p: summary.filter_by_class(0, np.ones(y.shape, bool), y, p),
        lambda y, p: summary.common_label_issues(np.ones(y.shape, bool), y, p, verbose=False),
    ],
)
def test_a_bad_value_is_refused_naming_its_pixel_in_any_chunk(call):
    labels, pred_probs = noisy_images(6, 3, 8, 8, seed=2)
    bad_labels = labels.copy()
    bad_labels[5, 3, 6] = 3
    bad_probs = pred_probs.copy()
    bad_probs[4, 1, 2, 7] = np.nan
    for given_labels, given_probs, message in [
        (bad_labels, pred_probs, r"labels\[5, 3, 6\] is 3"),
        (labels, bad_probs, r"pixel \[4, 2, 7\] holds nan"),
    ]:
        with pytest.raises(ValueError, match=message) as error:
            da.compute(call(given_labels, da.from_array(given_probs, chunks=(2, 3, 8, 8))))
        one_line(error)


def test_a_lazy_scan_computes_and_writes_what_the_functions_give(tmp_path):
    import dlq

    labels, pred_probs = noisy_images(10, 3, 16, 16, seed=12, dtype=np.float32)
    zarr.create_array(store=str(tmp_path / "probs.zarr"), data=pred_probs, chunks=(3, 3, 16, 16))
    mask = theirs_issues(labels, pred_probs, downsample=2)
    image_scores, pixel_scores = cl_rank.get_label_quality_scores(labels, pred_probs, verbose=False)
    lazy = dlq.segmentation.scan(labels, str(tmp_path / "probs.zarr"), downsample=2, chunk_images=3)
    found = lazy.compute()
    np.testing.assert_array_equal(found.image_scores, image_scores)
    np.testing.assert_array_equal(found.issues_per_image, mask.sum(axis=(1, 2)))
    assert found.num_issues >= mask.sum() // 4 > 0  # counted among the downsampled pixels
    np.testing.assert_array_equal(found.worst_images(3), np.argsort(image_scores, kind="stable")[:3])
    written = lazy.to_zarr(tmp_path / "scan.zarr")
    np.testing.assert_array_equal(written.image_scores, image_scores)
    group = zarr.open_group(str(tmp_path / "scan.zarr"), mode="r")
    np.testing.assert_array_equal(group["is_label_issue"][:], mask)
    np.testing.assert_array_equal(group["pixel_scores"][:].astype(np.float64), pixel_scores)
    assert group["is_label_issue"].chunks == (3, 16, 16)
    with pytest.raises(FileExistsError, match="already exists"):
        lazy.to_zarr(tmp_path / "scan.zarr")
    lazy.to_zarr(tmp_path / "scan.zarr", overwrite=True)
    with pytest.raises(ValueError, match="is an input") as error:
        lazy.to_zarr(tmp_path / "probs.zarr", overwrite=True)
    one_line(error)
    assert zarr.open_array(str(tmp_path / "probs.zarr"), mode="r")[:].tobytes() == pred_probs.tobytes()


def shown_figures(monkeypatch, show) -> list[tuple[list[str], np.ndarray | None]]:
    """Each figure ``show`` shows: its panels' titles, and the flagged pixels drawn in its last panel."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    figures = []

    def recorded(*args, **kwargs):
        for number in plt.get_fignums():
            axes = plt.figure(number).axes
            drawn = np.asarray(axes[-1].images[0].get_array()) if axes and axes[-1].images else None
            figures.append(([axis.get_title() for axis in axes], drawn))
        plt.close("all")

    monkeypatch.setattr(plt, "show", recorded)
    show()
    return figures


@pytest.mark.parametrize(
    "options",
    [{}, {"labels": True}, {"labels": True, "pred_probs": True, "exclude": [1], "top": 4}, {"pred_probs": True}],
)
def test_display_issues_shows_cleanlabs_images_in_its_order(monkeypatch, options):
    labels, pred_probs = noisy_images(9, 3, 8, 8, seed=13, noise=0.3)
    issues = theirs_issues(labels, pred_probs)
    given = dict(options)
    if given.pop("labels", False):
        given["labels"] = labels
    if given.pop("pred_probs", False):
        given["pred_probs"] = pred_probs
    given["class_names"] = ["a", "b", "c"]
    theirs = shown_figures(monkeypatch, lambda: cl_summary.display_issues(issues, **given))
    ours = shown_figures(monkeypatch, lambda: summary.display_issues(da.from_array(issues, chunks=(2, 8, 8)), **given))
    assert len(ours) == len(theirs) > 1
    for (our_titles, our_pixels), (their_titles, their_pixels) in zip(ours, theirs, strict=True):
        assert our_titles == their_titles
        if their_pixels is not None and their_pixels.ndim == 2:
            np.testing.assert_array_equal(our_pixels, their_pixels)


@pytest.mark.slow
def test_a_scan_of_images_larger_than_a_worker_runs_on_small_workers_with_the_same_answer(tmp_path):
    """1 GB of pred_probs in zarr, on 2 workers of 400 MiB: written whole,
    no worker lost or replaced (a worker may pause a moment at its memory
    limit, as distributed paces work), the answer that of threads in this process."""
    from distributed import Client, LocalCluster

    import dlq

    images, classes, size = 240, 16, 256
    stored = {
        "labels": zarr.create_array(
            store=str(tmp_path / "labels.zarr"), shape=(images, size, size), dtype="i8", chunks=(4, size, size)
        ),
        "pred_probs": zarr.create_array(
            store=str(tmp_path / "probs.zarr"),
            shape=(images, classes, size, size),
            dtype="f4",
            chunks=(4, classes, size, size),
        ),
    }
    for start in range(0, images, 20):
        labels, pred_probs = noisy_images(20, classes, size, size, seed=start, dtype=np.float32)
        stored["labels"][start : start + 20] = labels
        stored["pred_probs"][start : start + 20] = pred_probs
    inputs = (str(tmp_path / "labels.zarr"), str(tmp_path / "probs.zarr"))
    expected = dlq.segmentation.scan(*inputs).compute()  # threads in this process
    with LocalCluster(n_workers=2, threads_per_worker=1, memory_limit="400MiB", dashboard_address=":0") as cluster:
        with Client(cluster) as client:
            workers = set(client.scheduler_info()["workers"])
            found = dlq.segmentation.scan(*inputs).to_zarr(tmp_path / "scan.zarr")
            assert set(client.scheduler_info()["workers"]) == workers  # none died and was replaced
            events = [event for events in client.get_events().values() for _, event in events]
            assert not [event for event in events if "remove-worker" in str(event) or "restart" in str(event)], events
    np.testing.assert_array_equal(found.image_scores, expected.image_scores)
    np.testing.assert_array_equal(found.issues_per_image, expected.issues_per_image)
    assert found.issues_per_image.sum() > 0
    written = zarr.open_group(str(tmp_path / "scan.zarr"), mode="r")
    np.testing.assert_array_equal(written["issues_per_image"][:], expected.issues_per_image)
    np.testing.assert_array_equal(written["is_label_issue"][:].sum(axis=(1, 2)), expected.issues_per_image)
