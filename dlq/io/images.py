"""Segmentation inputs: labels ``(N, H, W)`` and pred_probs ``(N, K, H, W)``
(cleanlab's layout) or ``(N, H, W, K)`` (channels last), opened as dask
arrays chunked along images, and seen as *pixel rows* for the search.

The pixel rows of a chunk of images are its pixels in order (optionally
of the images downsampled), made a chunk at a time by
:mod:`dlq.kernels.segmentation`. They are read again by later passes as
their images are: from the images' source inside the tasks that use them
(a :class:`PixelRows` source), or from the joined image chunks.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from typing import Any

import dask.array as da
import numpy as np

from dlq._validation.checks import check_integer
from dlq.io.arrays import array_like, check_label_dtype, open_array, probabilities_in_float_dtype
from dlq.io.input_values import in_dtype
from dlq.io.marks import Stored, joined, joined_source, read_by_its_tasks, stored_source
from dlq.kernels.segmentation import invalid_label, invalid_probability, label_rows, probability_rows


@dataclass(frozen=True)
class PixelRows:
    """The pixel rows of a stored image input: rows ``start:stop`` are read
    as the whole images they fall in, made rows by ``transform`` (of the
    images and the first one's number), and cut."""

    stored: Stored
    transform: Callable[[np.ndarray, int], np.ndarray]
    pixels_per_image: int
    shape: tuple[int, ...]
    dtype: np.dtype

    def __getitem__(self, item: Any) -> np.ndarray:
        rows = item[0] if isinstance(item, tuple) else item
        start, stop = rows.start or 0, self.shape[0] if rows.stop is None else rows.stop
        first, last = start // self.pixels_per_image, -(-stop // self.pixels_per_image)
        images = np.asarray(self.stored.source[first:last])
        if self.stored.dtype is not None:
            images = images.astype(self.stored.dtype)
        offset = first * self.pixels_per_image
        return self.transform(images, first)[start - offset : stop - offset]


def _checked_label_rows(labels: np.ndarray, first: int, factor: int, num_classes: int) -> np.ndarray:
    message = invalid_label(labels, first, num_classes)
    if message is not None:
        raise ValueError(message)
    return label_rows(labels, factor)


def _checked_probability_rows(pred_probs: np.ndarray, first: int, channels_last: bool, factor: int) -> np.ndarray:
    message = invalid_probability(pred_probs, first, channels_last)
    if message is not None:
        raise ValueError(message)
    return probability_rows(pred_probs, channels_last, factor)


def _block_rows(
    images: np.ndarray, transform: Callable[[np.ndarray, int], np.ndarray], block_info: dict | None = None
) -> np.ndarray:
    return transform(images, block_info[0]["array-location"][0][0])


def _pixel_view(
    images: da.Array,
    transform: Callable[[np.ndarray, int], np.ndarray],
    pixels_per_image: int,
    row_shape: tuple,
    dtype: Any,
) -> da.Array:
    """``images`` (chunked along images, whole otherwise) as pixel rows, a
    chunk at a time (``transform`` of the chunk and its first image's number)."""
    rows = tuple(size * pixels_per_image for size in images.chunks[0])
    chunks = (rows, *((size,) for size in row_shape))
    dropped = list(range(1 + len(row_shape), images.ndim))
    meta = np.empty((0,) * len(chunks), dtype)
    view = images.map_blocks(_block_rows, transform, chunks=chunks, drop_axis=dropped, dtype=dtype, meta=meta)
    stored, joining = stored_source(images), joined_source(images)
    if joining is not None:  # made rows before joining, as a later pass will
        return joined(_pixel_view(joining.source, transform, pixels_per_image, row_shape, dtype), rows)
    if stored is not None:
        shape = (images.shape[0] * pixels_per_image, *row_shape)
        return read_by_its_tasks(view, PixelRows(stored, transform, pixels_per_image, shape, np.dtype(dtype)))
    return view


@dataclass(frozen=True)
class SegmentationInputs:
    """Opened segmentation inputs: ``labels`` ``(N, H, W)`` of integers and
    ``pred_probs`` as given (``channels_last`` or not), chunked alike along
    images. Their values are checked as they are read (:meth:`pixel_rows`,
    and the graphs of :mod:`dlq.graphs.segmentation`): a label that is not a
    class, or probabilities not in [0, 1], is a ValueError naming the pixel."""

    labels: da.Array
    pred_probs: da.Array
    channels_last: bool

    @property
    def num_classes(self) -> int:
        return self.pred_probs.shape[-1 if self.channels_last else 1]

    def pixel_rows(self, factor: int = 1) -> tuple[da.Array, da.Array]:
        """The labels ``(N * h * w,)`` and pred_probs ``(N * h * w, K)`` of
        every pixel of the images downsampled by ``factor`` (``h = H / factor``).

        Examples
        --------
        >>> opened = open_segmentation_inputs(np.zeros((3, 4, 4), int), np.full((3, 2, 4, 4), 0.5), chunk_images=2)
        >>> labels, pred_probs = opened.pixel_rows(2)
        >>> labels.chunks, pred_probs.shape
        (((8, 4),), (12, 2))
        """
        _, height, width = self.labels.shape
        pixels = (height // factor) * (width // factor)
        checked_labels = partial(_checked_label_rows, factor=factor, num_classes=self.num_classes)
        labels = _pixel_view(self.labels, checked_labels, pixels, (), np.int64)
        transform = partial(_checked_probability_rows, channels_last=self.channels_last, factor=factor)
        return labels, _pixel_view(self.pred_probs, transform, pixels, (self.num_classes,), self.pred_probs.dtype)


def _channels_last(labels_shape: tuple[int, ...], probs_shape: tuple[int, ...], channels_last: bool | None) -> bool:
    """Whether pred_probs hold their classes last, from the shapes where they tell, else as given."""
    first = probs_shape[2:] == labels_shape[1:]
    last = probs_shape[1:3] == labels_shape[1:]
    if channels_last is None and first and last:
        raise ValueError(
            f"pred_probs of shape {probs_shape} could hold its classes first (N, K, H, W) or last (N, H, W, K) for "
            f"labels of shape {labels_shape}; say which with channels_last=False or True"
        )
    if channels_last is None:
        channels_last = last
    if (first, last)[channels_last]:
        return channels_last
    layout = "(N, H, W, K)" if channels_last else "(N, K, H, W)"
    raise ValueError(
        f"pred_probs of shape {probs_shape} does not match labels of shape {labels_shape} as {layout}: "
        "each image needs one label per pixel and a probability per class and pixel"
    )


def open_segmentation_inputs(
    labels: Any,
    pred_probs: Any,
    *,
    channels_last: bool | None = None,
    chunk_images: int | None = None,
    values_per_chunk: int | None = None,
) -> SegmentationInputs:
    """Open segmentation labels and pred_probs chunked alike along images.

    Parameters
    ----------
    labels : array-like of int, shape (N, H, W)
        Any input :func:`dlq.io.arrays.open_array` reads.
    pred_probs : array-like of float, shape (N, K, H, W) or (N, H, W, K)
        Likewise.
    channels_last : bool, optional
        Whether pred_probs hold their classes last; by default told from
        the shapes (refused when both layouts fit them).
    chunk_images : int, optional
        Images per chunk (by default about 16 MiB of pred_probs, or a
        multiple of a store's chunks).
    values_per_chunk : int, optional
        Instead of ``chunk_images``: as many whole images per chunk as hold
        about this many probabilities, at least one (cleanlab's ``batch_size``).

    Examples
    --------
    >>> opened = open_segmentation_inputs(np.zeros((2, 3, 4), int), np.full((2, 3, 4, 5), 0.2))
    >>> opened.channels_last, opened.num_classes
    (True, 5)
    """
    if values_per_chunk is not None:
        image_values = int(np.prod(array_like(pred_probs, name="pred_probs").shape[1:]))
        chunk_images = max(check_integer(values_per_chunk, "batch_size", minimum=1) // max(image_values, 1), 1)
    probs = open_array(pred_probs, name="pred_probs", chunk_rows=chunk_images)
    if probs.ndim != 4:
        raise ValueError(
            f"pred_probs must be 4-D, (N, K, H, W) or (N, H, W, K); got shape {probs.shape}. "
            "For one class distribution per example use dlq.find_label_issues"
        )
    given = array_like(labels, name="labels")
    if given.ndim != 3:
        raise ValueError(f"labels must be 3-D, (N, H, W), one class per pixel; got shape {given.shape}")
    check_label_dtype(given)
    if given.shape[0] != probs.shape[0]:
        raise ValueError(
            f"labels and pred_probs must have the same number of images; got {given.shape[0]} and {probs.shape[0]}"
        )
    last = _channels_last(given.shape, probs.shape, channels_last)
    if probs.shape[-1 if last else 1] < 2:
        raise ValueError(f"pred_probs must have at least 2 classes; got shape {probs.shape}")
    if 0 in probs.shape:
        raise ValueError(f"pred_probs has no pixels (shape {probs.shape}): there is nothing to scan")
    opened = open_array(given, name="labels", chunk_rows=probs.chunks[0])
    native = np.dtype(np.int64) if opened.dtype.kind == "u" and opened.dtype.itemsize == 8 else opened.dtype
    return SegmentationInputs(in_dtype(opened, native.newbyteorder("=")), probabilities_in_float_dtype(probs), last)


def open_issue_mask(issues: Any, opened: SegmentationInputs) -> da.Array:
    """A pixel issue mask ``(N, H, W)`` of booleans, chunked like the opened images.

    Examples
    --------
    >>> opened = open_segmentation_inputs(np.zeros((2, 1, 2), int), np.full((2, 2, 1, 2), 0.5))
    >>> open_issue_mask(np.zeros((2, 1, 2), bool), opened).chunks == opened.labels.chunks
    True
    """
    mask = open_array(issues, name="issues", chunk_rows=opened.labels.chunks[0])
    if mask.shape != opened.labels.shape:
        raise ValueError(
            f"issues must have the labels' shape {opened.labels.shape}, one flag per pixel; got shape {mask.shape}"
        )
    if mask.dtype != bool:
        raise TypeError(f"issues must be booleans, as find_label_issues returns them; got dtype {mask.dtype}")
    return mask


def open_shown_images(
    issues: Any, labels: Any = None, pred_probs: Any = None
) -> tuple[da.Array, da.Array | None, da.Array | None, bool]:
    """The pixel issue mask ``(N, H, W)`` of booleans, and labels and
    pred_probs if given, each of the mask's images; and whether pred_probs
    holds its classes last (told from the shapes).

    Examples
    --------
    >>> mask, labels, probs, last = open_shown_images(np.zeros((2, 3, 4), bool), None, np.full((2, 3, 4, 5), 0.2))
    >>> labels is None, probs.shape, last
    (True, (2, 3, 4, 5), True)
    """
    mask = open_array(issues, name="issues")
    if mask.ndim != 3 or mask.dtype != bool:
        raise ValueError(
            f"issues must be an (N, H, W) mask of booleans, as find_label_issues returns it; got shape {mask.shape} "
            f"of dtype {mask.dtype}"
        )
    opened_labels = None
    if labels is not None:
        opened_labels = open_array(labels, name="labels", chunk_rows=mask.chunks[0])
        check_label_dtype(opened_labels)
        if opened_labels.shape != mask.shape:
            raise ValueError(f"labels must have the issues' shape {mask.shape}; got shape {opened_labels.shape}")
    probs, last = None, False
    if pred_probs is not None:
        probs = probabilities_in_float_dtype(open_array(pred_probs, name="pred_probs", chunk_rows=mask.chunks[0]))
        if probs.ndim != 4 or probs.shape[0] != mask.shape[0]:
            raise ValueError(f"pred_probs must be 4-D with the issues' {mask.shape[0]} images; got shape {probs.shape}")
        last = _channels_last(mask.shape, probs.shape, None)
    return mask, opened_labels, probs, last
