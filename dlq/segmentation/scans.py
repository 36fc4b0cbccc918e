"""dlq's own lazy scan of segmentation data, ``dlq.segmentation.scan``:
every output of the segmentation functions as dask arrays chunked like the
images, computed together or written by the workers to zarr."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import dask.array as da
import numpy as np
from dask.delayed import Delayed

from dlq._validation import BATCHED_ABSENT_CLASS_THRESHOLD, check_temperature
from dlq._validation.segmentation import check_downsample
from dlq.graphs import segmentation
from dlq.graphs.inprocess import lazily
from dlq.graphs.order import lowest_first
from dlq.graphs.scheduler import compute
from dlq.io import locations, zarr_outputs
from dlq.io.images import open_segmentation_inputs

__all__ = ["ImageScan", "ImageScanResult", "scan"]


@dataclass(frozen=True)
class ImageScanResult:
    """What an image scan found, in memory: per image, not per pixel.

    Attributes
    ----------
    image_scores : ndarray of float64, shape (N,)
        Each image's softmin score (lower: labels more likely wrong).
    issues_per_image : ndarray of int64, shape (N,)
        How many of each image's pixels are flagged.
    num_issues : int
        The search's estimated number of issues among the pixels it searched
        (downsampled, if so), before those the model agrees with are dropped.
    thresholds : ndarray of float64, shape (K,)
        The per-class confident thresholds over every pixel searched.
    """

    image_scores: np.ndarray
    issues_per_image: np.ndarray
    num_issues: int
    thresholds: np.ndarray

    def worst_images(self, count: int = 10) -> np.ndarray:
        """The ``count`` images of lowest score, lowest first (ties by index).

        Examples
        --------
        >>> ImageScanResult(np.array([0.9, 0.2, 0.5]), np.zeros(3, int), 0, np.ones(2)).worst_images(2).tolist()
        [1, 2]
        """
        return lowest_first(self.image_scores, count)


@dataclass(frozen=True)
class ImageScan:
    """A lazy scan of segmentation data (see :func:`scan`).

    Attributes
    ----------
    is_label_issue : dask array of bool, shape (N, H, W)
        The pixel issues of :func:`dlq.segmentation.filter.find_label_issues`.
    pixel_scores : dask array, shape (N, H, W)
        Each pixel's probability of its label, in pred_probs' dtype.
    image_scores : dask array of float64, shape (N,)
        Each image's softmin of its pixel scores.
    issues_per_image : dask array of int64, shape (N,)
    num_issues, thresholds : Delayed
        The search's estimate and thresholds.
    """

    is_label_issue: da.Array
    pixel_scores: da.Array
    image_scores: da.Array
    issues_per_image: da.Array
    num_issues: Delayed
    thresholds: Delayed

    def compute(self, *, n_jobs: int | None = None, progress: bool = False) -> ImageScanResult:
        """The per-image results in memory (the pixel arrays stay lazy: write
        them with :meth:`to_zarr`, or compute what you need of them).

        Examples
        --------
        >>> import numpy as np, dlq
        >>> labels = np.array([[[0, 0, 1, 1]], [[0, 0, 1, 1]]])
        >>> p = np.array([[[.9, .8, .1, .2]], [[.9, .7, .9, .3]]])
        >>> dlq.segmentation.scan(labels, np.stack([p, 1 - p], axis=1)).compute().issues_per_image.tolist()
        [0, 1]
        """
        found = compute(
            self.image_scores, self.issues_per_image, self.num_issues, self.thresholds, n_jobs=n_jobs, progress=progress
        )
        return _result(*found[:4])

    def to_zarr(
        self, store: Any, *, n_jobs: int | None = None, progress: bool = False, overwrite: bool = False
    ) -> ImageScanResult:
        """Write ``is_label_issue``, ``pixel_scores``, ``image_scores`` and
        ``issues_per_image`` to a zarr group, chunked like the images, each
        chunk written by the worker that computed it, and return the result.

        Parameters
        ----------
        store : str or zarr store
            Where to write: refused where it is, lies inside or holds an
            input, or holds something dlq did not write.
        overwrite : bool
            Replace an earlier output of dlq there.

        Examples
        --------
        >>> import numpy as np, tempfile, zarr, dlq
        >>> labels = np.array([[[0, 0, 1, 1]], [[0, 0, 1, 1]]])
        >>> p = np.array([[[.9, .8, .1, .2]], [[.9, .7, .9, .3]]])
        >>> store = tempfile.mkdtemp() + "/scan.zarr"
        >>> _ = dlq.segmentation.scan(labels, np.stack([p, 1 - p], axis=1)).to_zarr(store)
        >>> np.argwhere(zarr.open_group(store, mode="r")["is_label_issue"][:]).tolist()
        [[1, 0, 2]]
        """
        locations.refuse_outputs_over_inputs({"store": store}, self.is_label_issue, self.pixel_scores)
        group = zarr_outputs.output_group(store, overwrite=overwrite)
        written = {
            "is_label_issue": self.is_label_issue,
            "pixel_scores": self.pixel_scores,
            "image_scores": self.image_scores,
            "issues_per_image": self.issues_per_image,
        }
        writes = zarr_outputs.array_writes(group, written, max(self.image_scores.chunks[0]))
        found = compute(
            self.image_scores, self.issues_per_image, self.num_issues, self.thresholds, *writes,
            n_jobs=n_jobs, progress=progress,
        )  # fmt: skip
        return _result(*found[:4])


@lazily
def scan(
    labels: Any,
    pred_probs: Any,
    *,
    downsample: int = 1,
    temperature: float = 0.1,
    channels_last: bool | None = None,
    chunk_images: int | None = None,
) -> ImageScan:
    """Build a lazy scan of segmentation data: the pixel issues of
    :func:`dlq.segmentation.filter.find_label_issues`, and the pixel and
    softmin image scores of :func:`dlq.segmentation.rank.get_label_quality_scores`,
    from two reads of the images (the search's, and the scores').

    Parameters
    ----------
    labels, pred_probs, downsample, channels_last
        As for :func:`dlq.segmentation.filter.find_label_issues`.
    temperature : float
        The softmin's.
    chunk_images : int, optional
        Images per chunk (by default about 16 MiB of pred_probs, or a
        multiple of a store's chunks; a dask array keeps its chunks).

    Returns
    -------
    ImageScan

    Examples
    --------
    >>> import numpy as np, dlq
    >>> labels = np.array([[[0, 0, 1, 1]], [[0, 0, 1, 1]]])
    >>> p = np.array([[[.9, .8, .1, .2]], [[.9, .7, .9, .3]]])
    >>> found = dlq.segmentation.scan(labels, np.stack([p, 1 - p], axis=1))
    >>> found.is_label_issue.shape, found.compute().worst_images(1).tolist()
    ((2, 1, 4), [1])
    """
    check_temperature(temperature)
    opened = open_segmentation_inputs(labels, pred_probs, channels_last=channels_last, chunk_images=chunk_images)
    factor = check_downsample(downsample, opened.labels.shape[1:])
    rows = opened.pixel_rows(factor)
    search = segmentation.pixel_search(*rows, absent_class_threshold=BATCHED_ABSENT_CLASS_THRESHOLD)
    mask = segmentation.pixel_issues(opened.labels, opened.pred_probs, opened.channels_last, search, factor)
    image_scores, pixel_scores = segmentation.softmin_scores(
        opened.labels, opened.pred_probs, opened.channels_last, temperature=temperature, in_their_dtype=True
    )
    return ImageScan(
        is_label_issue=mask,
        pixel_scores=pixel_scores,
        image_scores=image_scores,
        issues_per_image=segmentation.issues_per_image(mask),
        num_issues=search.num_issues,
        thresholds=search.thresholds,
    )


def _result(
    image_scores: np.ndarray, issues_per_image: np.ndarray, num_issues: Any, thresholds: Any
) -> ImageScanResult:
    """The computed per-image parts as a result; the search's estimate summed over its one problem."""
    return ImageScanResult(image_scores, issues_per_image, int(np.sum(num_issues)), np.asarray(thresholds))
