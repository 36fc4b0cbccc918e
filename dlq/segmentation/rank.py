"""cleanlab-compatible label quality of segmentation masks (``cleanlab.segmentation.rank``)."""

from __future__ import annotations

from typing import Any

import dask.array as da
import numpy as np

from dlq._validation import check_temperature
from dlq._validation.segmentation import check_downsample, check_score_threshold, check_segmentation_method
from dlq.graphs import segmentation
from dlq.graphs.scheduler import compute
from dlq.io.images import open_segmentation_inputs
from dlq.segmentation.filter import issue_mask

__all__ = ["get_label_quality_scores", "issues_from_scores"]


def get_label_quality_scores(
    labels: Any,
    pred_probs: Any,
    *,
    method: str = "softmin",
    batch_size: int | None = None,
    n_jobs: int | None = None,
    verbose: bool = True,
    temperature: float = 0.1,
    downsample: int = 1,
    channels_last: bool | None = None,
) -> tuple[Any, Any]:
    """A label quality score for every image and every pixel, as cleanlab's
    segmentation scores: each pixel's score is the probability of its label;
    an image's is the softmin of its pixels' (``method="softmin"``) or the
    share of its pixels that :func:`dlq.segmentation.filter.find_label_issues`
    does not flag (``"num_pixel_issues"``). Lower means more likely mislabeled.

    Parameters
    ----------
    labels, pred_probs, batch_size, n_jobs, verbose, channels_last
        As for :func:`dlq.segmentation.filter.find_label_issues`.
    method : {"softmin", "num_pixel_issues"}
        The image score.
    temperature : float
        The softmin's temperature (lower weighs the worst pixels more).
    downsample : int
        Passed to the issue search of ``num_pixel_issues`` (ignored by the
        softmin, with a warning, as cleanlab does).

    Returns
    -------
    image_scores : ndarray of float, shape (N,)
    pixel_scores : ndarray of float, shape (N, H, W)
        Float64 for the softmin, pred_probs' dtype for ``num_pixel_issues``,
        as cleanlab returns them. Lazy dask arrays when an input is one.

    Examples
    --------
    >>> import numpy as np
    >>> from dlq.segmentation.rank import get_label_quality_scores
    >>> labels = np.array([[[0, 1]], [[1, 1]]])
    >>> pred_probs = np.array([[[[0.9, 0.2]], [[0.1, 0.8]]], [[[0.6, 0.1]], [[0.4, 0.9]]]])
    >>> image_scores, pixel_scores = get_label_quality_scores(labels, pred_probs, verbose=False)
    >>> image_scores.round(3).tolist(), pixel_scores.tolist()
    ([0.827, 0.403], [[[0.9, 0.8]], [[0.4, 0.9]]])
    """
    check_segmentation_method(method, downsample)
    opened = open_segmentation_inputs(labels, pred_probs, channels_last=channels_last, values_per_chunk=batch_size)
    if method == "softmin":
        check_temperature(temperature)
        scores = segmentation.softmin_scores(
            opened.labels, opened.pred_probs, opened.channels_last, temperature=temperature
        )
    else:
        mask = issue_mask(opened, check_downsample(downsample, opened.labels.shape[1:]))
        pixel_scores = segmentation.label_probabilities(opened.labels, opened.pred_probs, opened.channels_last)
        scores = (segmentation.issue_free_shares(mask), pixel_scores)
    if isinstance(labels, da.Array) or isinstance(pred_probs, da.Array):
        return scores
    return compute(*scores, n_jobs=n_jobs, progress=verbose)


def issues_from_scores(image_scores: Any, pixel_scores: Any = None, threshold: float = 0.1) -> Any:
    """The likely issues under ``threshold``, as cleanlab picks them: with
    ``pixel_scores``, the mask of pixels scoring below it; else the images
    scoring below it, lowest first, and the next one.

    Examples
    --------
    >>> import numpy as np
    >>> from dlq.segmentation.rank import issues_from_scores
    >>> issues_from_scores(np.array([0.5, 0.05, 0.2, 0.01])).tolist()
    [3, 1, 2]
    >>> issues_from_scores(np.array([0.5]), np.array([[[0.05, 0.3]]])).tolist()
    [[[True, False]]]
    """
    threshold = check_score_threshold(image_scores, threshold)
    if pixel_scores is not None:
        return pixel_scores < threshold
    return segmentation.lowest_images(np.asarray(image_scores), threshold)
