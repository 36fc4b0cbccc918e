"""Semantic segmentation's graphs, over labels ``(N, H, W)`` and pred_probs
``(N, K, H, W)`` or ``(N, H, W, K)`` chunked along images.

A pixel is an example: the search for label issues is the batched
multi-class search (:func:`dlq.graphs.batched.batched_search`, cleanlab's
``LabelInspector``) over the pixel rows that :mod:`dlq.io.images` makes of
the images. Everything else maps each chunk of images on its own (the
arithmetic is :mod:`dlq.kernels.segmentation`'s): the issue mask, the
label's probability of each pixel and each image's score, the confusions
among the flagged pixels, a class's flagged pixels. What a process holds is
one chunk of images and the search's issues, never an array of every pixel.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, NamedTuple

import dask.array as da
import numpy as np
from dask.delayed import Delayed

from dlq.graphs.batched import Batched, batched_search
from dlq.graphs.blocks import as_rows, field, per_chunk, step, sum_arrays, tree
from dlq.graphs.problems import MULTICLASS
from dlq.graphs.rows import inside, take_rows
from dlq.graphs.scheduler import compute
from dlq.graphs.sources import reread
from dlq.kernels import segmentation

if TYPE_CHECKING:  # pandas is imported when a table is made
    import pandas as pd


def _refuse_invalid(labels: np.ndarray, pred_probs: np.ndarray, first: int, channels_last: bool) -> None:
    """Raise a ValueError naming the first pixel of a chunk whose label is
    not a class (but -1, which marks a pixel left out) or whose
    probabilities are not in [0, 1]."""
    num_classes = pred_probs.shape[-1 if channels_last else 1]
    message = segmentation.invalid_label(np.where(labels == -1, 0, labels), first, num_classes)
    message = message or segmentation.invalid_probability(pred_probs, first, channels_last)
    if message is not None:
        raise ValueError(message)


def pixel_search(labels: da.Array, pred_probs: da.Array, *, absent_class_threshold: float) -> Batched:
    """The batched search of pixel rows as cleanlab's segmentation filter
    runs it: ranked by self-confidence, issues counted off the diagonal."""
    return batched_search(
        MULTICLASS,
        labels,
        pred_probs,
        method="self_confidence",
        estimation_method="off_diagonal",
        absent_class_threshold=absent_class_threshold,
    )


def _issues_of_images(
    labels: np.ndarray,
    pred_probs: np.ndarray,
    first: int,
    issues: np.ndarray,
    channels_last: bool,
    factor: int,
) -> np.ndarray:
    pixels = (labels.shape[1] // factor) * (labels.shape[2] // factor)
    start = first * pixels
    rows = inside(issues, start, start + labels.shape[0] * pixels) - start
    return segmentation.pixel_issues(rows, labels, pred_probs, channels_last, factor)


def pixel_issues(labels: da.Array, pred_probs: da.Array, channels_last: bool, search: Batched, factor: int) -> da.Array:
    """The issue mask ``(N, H, W)`` of a search of pixel rows of the images
    downsampled by ``factor``, chunked like the images. At full size the
    search's own mask, each chunk's from its own issues (no read);
    downsampled, each flagged pixel covers its block, less the pixels whose
    most likely class is their label (one read of the images more, each
    chunk given the sorted issues of all)."""
    if factor == 1:
        return search.mask.reshape(labels.shape)
    issues = step(np.sort, search.issues)
    records = per_chunk(_issues_of_images, *reread(labels, pred_probs), issues, channels_last, factor)
    return as_rows(records, labels.chunks[0], bool, labels.shape[1:])


class LabelQuality(NamedTuple):
    """A chunk's scores: each pixel's and each image's."""

    pixels: np.ndarray
    images: np.ndarray


def _softmin_scores(
    labels: np.ndarray,
    pred_probs: np.ndarray,
    first: int,
    channels_last: bool,
    temperature: float,
    in_their_dtype: bool,
) -> LabelQuality:
    _refuse_invalid(labels, pred_probs, first, channels_last)
    probabilities = segmentation.label_probabilities(labels, pred_probs, channels_last)
    images = segmentation.softmin_image_scores(probabilities.astype(np.float64), temperature)
    return LabelQuality(probabilities if in_their_dtype else probabilities.astype(np.float64), images)


def softmin_scores(
    labels: da.Array, pred_probs: da.Array, channels_last: bool, *, temperature: float, in_their_dtype: bool = False
) -> tuple[da.Array, da.Array]:
    """Each image's softmin score ``(N,)`` and each pixel's label
    probability ``(N, H, W)`` (float64, as cleanlab keeps them, or in
    pred_probs' dtype if ``in_their_dtype``: the same values), from one
    read of the images."""
    records = per_chunk(_softmin_scores, labels, pred_probs, channels_last, temperature, in_their_dtype)
    rows = labels.chunks[0]
    pixel_dtype = pred_probs.dtype if in_their_dtype else np.float64
    return as_rows(field(records, "images"), rows, np.float64), as_rows(
        field(records, "pixels"), rows, pixel_dtype, labels.shape[1:]
    )


def _label_probabilities(labels: np.ndarray, pred_probs: np.ndarray, first: int, channels_last: bool) -> np.ndarray:
    _refuse_invalid(labels, pred_probs, first, channels_last)
    return segmentation.label_probabilities(labels, pred_probs, channels_last)


def label_probabilities(labels: da.Array, pred_probs: da.Array, channels_last: bool) -> da.Array:
    """Each pixel's probability of its label ``(N, H, W)``, in pred_probs' dtype."""
    records = per_chunk(_label_probabilities, labels, pred_probs, channels_last)
    return as_rows(records, labels.chunks[0], pred_probs.dtype, labels.shape[1:])


def issue_free_shares(mask: Any) -> Any:
    """Each image's share of pixels without an issue ``(N,)``, lazy for a lazy ``mask``."""
    if not isinstance(mask, da.Array):  # worked on in process
        return segmentation.issue_free_shares(mask)
    return mask.map_blocks(segmentation.issue_free_shares, drop_axis=[1, 2], dtype=np.float64)


def issues_per_image(mask: da.Array) -> da.Array:
    """How many pixels of each image are flagged ``(N,)``."""
    return mask.sum(axis=(1, 2), dtype=np.int64)


def _marked_labels(labels: np.ndarray, issues: np.ndarray) -> np.ndarray:
    return np.where(issues, labels, -1)


def issue_labels(labels: da.Array, issues: da.Array) -> da.Array:
    """Each flagged pixel's label, -1 at the others, chunked like ``labels``."""
    return da.map_blocks(_marked_labels, labels, issues.rechunk(labels.chunks), dtype=labels.dtype)


class Confusions(NamedTuple):
    """A chunk's confusions among its flagged pixels: in all, and each image's most common."""

    counts: np.ndarray
    per_image: np.ndarray


def _confusions(
    marked: np.ndarray,
    pred_probs: np.ndarray,
    first: int,
    channels_last: bool,
    num_classes: int,
    excluded: np.ndarray,
) -> Confusions:
    _refuse_invalid(marked, pred_probs, first, channels_last)
    flagged = marked >= 0
    return Confusions(
        segmentation.confusions_at_issues(flagged, marked, pred_probs, channels_last, num_classes, excluded),
        segmentation.confusions_per_image(flagged, marked, pred_probs, channels_last, num_classes),
    )


def confusions(
    marked: da.Array, pred_probs: da.Array, channels_last: bool, excluded: np.ndarray
) -> tuple[Delayed, da.Array]:
    """From one read: the ``(K, K)`` counts of flagged pixels by given class
    (rows) and most likely class (columns), leaving out those predicted as
    an ``excluded`` class; and each image's most common confusion ``(N, 3)``
    (given class, most likely class, pixels; -1, -1, 0 for none).
    ``marked`` as :func:`issue_labels` makes it."""
    num_classes = pred_probs.shape[-1 if channels_last else 1]
    records = per_chunk(_confusions, marked, pred_probs, channels_last, num_classes, excluded)
    return tree(records, sum_arrays, part="counts"), as_rows(field(records, "per_image"), marked.chunks[0], np.int64, 3)


def _class_issues(
    marked: np.ndarray, pred_probs: np.ndarray, first: int, class_index: Any, channels_last: bool
) -> np.ndarray:
    _refuse_invalid(marked, pred_probs, first, channels_last)
    return segmentation.issues_of_class(class_index, marked >= 0, marked, pred_probs, channels_last)


def class_issues(marked: da.Array, pred_probs: da.Array, channels_last: bool, class_index: Any) -> da.Array:
    """The flagged pixels ``(N, H, W)`` given ``class_index`` or predicted
    as it; ``marked`` as :func:`issue_labels` makes it."""
    records = per_chunk(_class_issues, marked, pred_probs, class_index, channels_last)
    return as_rows(records, marked.chunks[0], bool, marked.shape[1:])


def common_issues_table(counts: np.ndarray, class_names: list[str], top: int) -> pd.DataFrame:
    """cleanlab's table of the ``top`` most common confusions among the
    flagged pixels (given class name, predicted class name, count), most first."""
    import pandas as pd

    rows = segmentation.common_confusions(counts, top)
    return pd.DataFrame(
        {
            "given_label": [class_names[k] for k in rows[:, 0]],
            "predicted_label": [class_names[k] for k in rows[:, 1]],
            "num_pixel_issues": rows[:, 2],
        }
    )


def lowest_images(image_scores: np.ndarray, threshold: float) -> np.ndarray:
    """The images below ``threshold``, lowest first, and the next one, as cleanlab picks them."""
    return segmentation.lowest_images(image_scores, threshold)


def most_flagged_first(mask: da.Array, top: int) -> np.ndarray:
    """The ``top`` images with the most flagged pixels, most first, as cleanlab orders them."""
    (counts,) = compute(issues_per_image(mask))
    return segmentation.most_flagged_first(counts, top)


def shown_images(
    images: np.ndarray,
    mask: da.Array,
    labels: da.Array | None,
    pred_probs: da.Array | None,
    channels_last: bool,
    excluded: list[int],
) -> tuple[np.ndarray, np.ndarray | None, np.ndarray | None]:
    """The flagged pixels of ``images`` (less those whose label is an
    ``excluded`` class), and their labels and most likely classes when
    given, in the order of ``images``: only those images are read."""
    rows = np.unique(images)
    place = np.searchsorted(rows, images)
    wanted = [take_rows(array, rows) for array in (mask, labels, pred_probs) if array is not None]
    found = iter(value[place] for value in compute(*wanted))
    issues = next(found)
    shown_labels = next(found) if labels is not None else None
    predicted = segmentation.predicted_classes(next(found), channels_last) if pred_probs is not None else None
    if shown_labels is not None and excluded:
        issues = issues & ~np.isin(shown_labels, excluded)
    return issues, shown_labels, predicted
