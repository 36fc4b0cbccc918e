"""cleanlab-compatible label issues of segmentation masks (``cleanlab.segmentation.filter``)."""

from __future__ import annotations

from typing import Any

import dask.array as da

from dlq._validation import BATCHED_ABSENT_CLASS_THRESHOLD
from dlq._validation.segmentation import check_downsample
from dlq.graphs import segmentation
from dlq.graphs.scheduler import compute
from dlq.io.images import SegmentationInputs, open_segmentation_inputs

__all__ = ["find_label_issues"]


def find_label_issues(
    labels: Any,
    pred_probs: Any,
    *,
    batch_size: int | None = None,
    n_jobs: int | None = None,
    verbose: bool = True,
    downsample: int = 1,
    channels_last: bool | None = None,
) -> Any:
    """The pixels whose label is likely wrong, as cleanlab's segmentation
    filter finds them: every pixel is an example of the batched search
    (:func:`dlq.find_label_issues_batched`, ranked by self-confidence),
    optionally of the images downsampled, and a flagged pixel is cleared
    where the model's most likely class is its label.

    Parameters
    ----------
    labels : array-like of int, shape (N, H, W)
        Each pixel's given class: a numpy or dask array, zarr, HDF5, a
        ``.npy`` file or any input :func:`dlq.scan` reads.
    pred_probs : array-like of float, shape (N, K, H, W) or (N, H, W, K)
        Each pixel's predicted class probabilities, likewise.
    batch_size : int, optional
        About how many probabilities a chunk holds (whole images, at least
        one); by default about 16 MiB of them (64 MiB of an array in
        memory). A dask array keeps its chunks. The answer does not depend on it.
    n_jobs : int, optional
        Threads when no distributed client is active (all cores by default).
    verbose : bool
        Show a progress bar.
    downsample : int
        Search the images shrunk by this factor (averaging blocks of
        ``downsample`` x ``downsample`` pixels), which must divide their
        height and width; each flagged pixel then flags its block. 1 by
        default.
    channels_last : bool, optional
        Whether pred_probs holds its classes last; by default told from
        the shapes.

    Returns
    -------
    ndarray of bool, shape (N, H, W)
        True at the likely label issues; a lazy dask array when an input is one.

    Examples
    --------
    >>> import numpy as np
    >>> from dlq.segmentation.filter import find_label_issues
    >>> labels = np.array([[[0, 0, 1, 1]], [[0, 0, 1, 1]]])  # 2 images of 1 x 4 pixels
    >>> p = np.array([[[.9, .8, .1, .2]], [[.9, .7, .9, .3]]])  # each pixel's probability of class 0
    >>> pred_probs = np.stack([p, 1 - p], axis=1)
    >>> np.argwhere(find_label_issues(labels, pred_probs, verbose=False)).tolist()  # (image, row, column)
    [[1, 0, 2]]
    """
    opened = open_segmentation_inputs(labels, pred_probs, channels_last=channels_last, values_per_chunk=batch_size)
    mask = issue_mask(opened, check_downsample(downsample, opened.labels.shape[1:]))
    if isinstance(labels, da.Array) or isinstance(pred_probs, da.Array):
        return mask
    return compute(mask, n_jobs=n_jobs, progress=verbose)[0]


def issue_mask(opened: SegmentationInputs, factor: int) -> da.Array:
    """The lazy issue mask of opened inputs, searched downsampled by ``factor``."""
    rows = opened.pixel_rows(factor)
    search = segmentation.pixel_search(*rows, absent_class_threshold=BATCHED_ABSENT_CLASS_THRESHOLD)
    return segmentation.pixel_issues(opened.labels, opened.pred_probs, opened.channels_last, search, factor)
