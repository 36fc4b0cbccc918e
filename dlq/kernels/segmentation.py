"""Semantic segmentation's arithmetic on a block of whole images.

Labels are ``(n, H, W)`` class indices; pred_probs ``(n, K, H, W)``
(cleanlab's layout) or ``(n, H, W, K)`` (channels last). A pixel is an
example: the search for label issues runs on *pixel rows* (every pixel
of every image in order, ``(n * H * W,)`` labels and ``(n * H * W, K)``
probabilities), optionally of images downsampled by a factor as cleanlab
does it (labels averaged then rounded, probabilities averaged then
renormalised). Every function works on each image alone, so that a block's
answer for an image does not depend on the images beside it.
"""

from __future__ import annotations

import numpy as np

from dlq.kernels.checks import ROUNDING_SLACK


def invalid_label(labels: np.ndarray, first_image: int, num_classes: int) -> str | None:
    """What is wrong with the first label that is not a class of
    ``num_classes``, naming its pixel (images numbered from ``first_image``); None if none is.

    Examples
    --------
    >>> invalid_label(np.array([[[0, 1], [3, 0]]]), 5, 2)
    'labels must be class indices in 0..1 (pred_probs has 2 classes); labels[5, 1, 0] is 3: fix that pixel'
    """
    bad = (labels < 0) | (labels >= num_classes)
    if not bad.any():
        return None
    image, row, column = np.unravel_index(np.argmax(bad), bad.shape)
    return (
        f"labels must be class indices in 0..{num_classes - 1} (pred_probs has {num_classes} classes); "
        f"labels[{first_image + image}, {row}, {column}] is {labels[image, row, column]}: fix that pixel"
    )


def invalid_probability(pred_probs: np.ndarray, first_image: int, channels_last: bool) -> str | None:
    """What is wrong with the first pixel whose probabilities are not finite
    or lie outside [0, 1] by more than rounding, naming it; None if none is.

    Examples
    --------
    >>> invalid_probability(np.array([[[[0.5, np.nan]], [[0.5, 0.5]]]]), 3, False).split("; ")[1]
    'the pixel [3, 0, 1] holds nan: apply softmax to logits, or fix that pixel'
    """
    bad = ~((pred_probs >= -ROUNDING_SLACK) & (pred_probs <= 1 + ROUNDING_SLACK))
    if not bad.any():
        return None
    bad_pixels = bad.any(axis=-1 if channels_last else 1)
    image, row, column = np.unravel_index(np.argmax(bad_pixels), bad_pixels.shape)
    pixel = pred_probs[image, row, column] if channels_last else pred_probs[image, :, row, column]
    value = pixel[~((pixel >= -ROUNDING_SLACK) & (pixel <= 1 + ROUNDING_SLACK))][0]
    return (
        f"pred_probs must hold finite probabilities in [0, 1]; the pixel [{first_image + image}, {row}, {column}] "
        f"holds {value}: apply softmax to logits, or fix that pixel"
    )


def channels_first(pred_probs: np.ndarray, channels_last: bool) -> np.ndarray:
    """``pred_probs`` as ``(n, K, H, W)``, C-contiguous (a copy when given channels last).

    Examples
    --------
    >>> channels_first(np.zeros((2, 4, 5, 3)), True).shape
    (2, 3, 4, 5)
    """
    return np.ascontiguousarray(np.moveaxis(pred_probs, -1, 1)) if channels_last else pred_probs


def downsampled_labels(labels: np.ndarray, factor: int) -> np.ndarray:
    """Each ``factor`` x ``factor`` block of labels as the rounded mean of its
    class indices, as cleanlab downsamples them (a float array).

    Examples
    --------
    >>> downsampled_labels(np.array([[[0, 1], [1, 1]]]), 2).tolist()
    [[[1.0]]]
    """
    n, height, width = labels.shape
    blocks = labels.reshape((n, height // factor, factor, width // factor, factor))
    return np.round(blocks.mean((4, 2)))


def downsampled_probabilities(pred_probs: np.ndarray, factor: int) -> np.ndarray:
    """Each ``factor`` x ``factor`` block of ``(n, K, H, W)`` probabilities as
    their mean, each pixel then divided by its sum over the classes, as
    cleanlab downsamples them.

    Examples
    --------
    >>> downsampled_probabilities(np.full((1, 2, 2, 2), 0.5), 2).tolist()
    [[[[0.5]], [[0.5]]]]
    """
    n, num_classes, height, width = pred_probs.shape
    blocks = pred_probs.reshape((n, num_classes, height // factor, factor, width // factor, factor))
    small = blocks.mean((5, 3))
    return small / np.expand_dims(small.sum(axis=1), 1)


def label_rows(labels: np.ndarray, factor: int = 1) -> np.ndarray:
    """The pixel rows of a block's labels (downsampled by ``factor``), as integers.

    Examples
    --------
    >>> label_rows(np.array([[[0, 1], [2, 0]]])).tolist()
    [0, 1, 2, 0]
    """
    if factor != 1:
        labels = downsampled_labels(labels, factor)
    return labels.reshape(-1).astype(np.int64)


def probability_rows(pred_probs: np.ndarray, channels_last: bool, factor: int = 1) -> np.ndarray:
    """The pixel rows ``(n * h * w, K)`` of a block's probabilities
    (downsampled by ``factor``), every pixel of the first image first, row
    by row.

    Examples
    --------
    >>> probs = np.array([[[[0.9, 0.2]], [[0.1, 0.8]]]])  # 1 image, 2 classes, 1 x 2 pixels
    >>> probability_rows(probs, channels_last=False).tolist()
    [[0.9, 0.1], [0.2, 0.8]]
    """
    if factor != 1:
        pred_probs = downsampled_probabilities(channels_first(pred_probs, channels_last), factor)
        channels_last = False
    if channels_last:
        return pred_probs.reshape(-1, pred_probs.shape[-1])
    return np.ascontiguousarray(np.moveaxis(pred_probs, 1, -1)).reshape(-1, pred_probs.shape[1])


def predicted_classes(pred_probs: np.ndarray, channels_last: bool) -> np.ndarray:
    """Each pixel's most likely class (the first of equals), ``(n, H, W)``.

    Examples
    --------
    >>> predicted_classes(np.array([[[[0.3, 0.5]], [[0.7, 0.5]]]]), channels_last=False).tolist()
    [[[1, 0]]]
    """
    return np.argmax(pred_probs, axis=-1 if channels_last else 1)


def pixel_issues(
    issue_rows: np.ndarray,
    labels: np.ndarray,
    pred_probs: np.ndarray,
    channels_last: bool,
    factor: int,
) -> np.ndarray:
    """The issue mask ``(n, H, W)`` of a block of images from the pixel rows
    flagged in it (``issue_rows``, numbered from the block's first pixel of
    its images downsampled by ``factor``): each flagged pixel covers its
    ``factor`` x ``factor`` block, less the pixels whose most likely class is
    their label (as cleanlab clears them).

    Examples
    --------
    >>> labels = np.array([[[0, 1], [1, 1]]])
    >>> probs = np.array([[[[0.9, 0.8], [0.2, 0.1]], [[0.1, 0.2], [0.8, 0.9]]]])
    >>> pixel_issues(np.array([0]), labels, probs, channels_last=False, factor=2).tolist()
    [[[False, True], [False, False]]]
    """
    n, height, width = labels.shape
    small = np.zeros(n * (height // factor) * (width // factor), dtype=bool)
    small[issue_rows] = True
    mask = small.reshape(n, height // factor, width // factor).repeat(factor, axis=1).repeat(factor, axis=2)
    return mask & (predicted_classes(pred_probs, channels_last) != labels)


def label_probabilities(labels: np.ndarray, pred_probs: np.ndarray, channels_last: bool) -> np.ndarray:
    """Each pixel's probability of its label, ``(n, H, W)``, in pred_probs' dtype.

    Examples
    --------
    >>> label_probabilities(np.array([[[1, 0]]]), np.array([[[[0.3, 0.6]], [[0.7, 0.4]]]]), False).tolist()
    [[[0.7, 0.6]]]
    """
    axis = -1 if channels_last else 1
    return np.take_along_axis(pred_probs, np.expand_dims(labels, axis), axis=axis).squeeze(axis)


def softmin_image_scores(pixel_scores: np.ndarray, temperature: float) -> np.ndarray:
    """Each image's softmin of its pixels' scores (float64): their mean
    weighted by a softmax of ``(1 - score) / temperature``.

    The steps are cleanlab's, an image at a time (the softmax normalised
    before the weighted sum, one einsum per image: an einsum over several
    images of many pixels sums in another order), so that every image gets
    cleanlab's score to the last bit; :func:`dlq.kernels.aggregators.softmin`,
    for a few classes per row, normalises after.

    Examples
    --------
    >>> softmin_image_scores(np.array([[[0.1, 0.9]], [[0.5, 0.5]]]), 0.1).round(4).tolist()
    [0.1003, 0.5]
    """
    scores = pixel_scores.reshape(pixel_scores.shape[0], -1).astype(np.float64)
    found = np.empty(scores.shape[0])
    for image, row in enumerate(scores):
        pixels = row[None, :]
        exponents = (1 - pixels) / max(temperature, 1e-16)
        exponents = exponents - np.max(exponents, axis=1, keepdims=True)
        weights = np.exp(exponents)
        weights = weights / np.sum(weights, axis=1, keepdims=True)
        found[image] = np.einsum("ij,ij->i", pixels, weights)[0]
    return found


def issue_free_shares(mask: np.ndarray) -> np.ndarray:
    """Each image's share of pixels without an issue.

    Examples
    --------
    >>> issue_free_shares(np.array([[[True, False], [False, False]]])).tolist()
    [0.75]
    """
    return 1 - np.mean(mask, axis=(1, 2))


def lowest_images(image_scores: np.ndarray, threshold: float) -> np.ndarray:
    """The images scoring below ``threshold``, lowest first, and the one
    after them, as cleanlab's ``issues_from_scores`` picks them (its sort,
    numpy's default, orders equal scores).

    Examples
    --------
    >>> lowest_images(np.array([0.5, 0.05, 0.2, 0.01]), 0.1).tolist()
    [3, 1, 2]
    """
    ranking = np.argsort(image_scores)
    cutoff = np.searchsorted(image_scores[ranking], threshold)
    return ranking[: cutoff + 1]


def confusions_at_issues(
    issues: np.ndarray,
    labels: np.ndarray,
    pred_probs: np.ndarray,
    channels_last: bool,
    num_classes: int,
    excluded: np.ndarray,
) -> np.ndarray:
    """How many flagged pixels of each given class (rows) each class is the
    most likely of (columns), leaving out the pixels predicted as an
    ``excluded`` class: a ``(K, K)`` count.

    Examples
    --------
    >>> issues = np.array([[[True, True, False]]])
    >>> probs = np.array([[[[0.2, 0.3, 0.9]], [[0.8, 0.7, 0.1]]]])
    >>> confusions_at_issues(issues, np.array([[[0, 0, 0]]]), probs, False, 2, np.array([], int)).tolist()
    [[0, 2], [0, 0]]
    """
    given = labels[issues].astype(np.int64)
    predicted = predicted_classes(pred_probs, channels_last)[issues]
    kept = ~np.isin(predicted, excluded)
    cells = given[kept] * num_classes + predicted[kept]
    return np.bincount(cells, minlength=num_classes * num_classes).reshape(num_classes, num_classes)


def confusions_per_image(
    issues: np.ndarray, labels: np.ndarray, pred_probs: np.ndarray, channels_last: bool, num_classes: int
) -> np.ndarray:
    """Each image's most common confusion among its flagged pixels, ``(n, 3)``:
    the given class, the most likely class and how many pixels (the pair of
    lowest given, then predicted class among equals); -1, -1, 0 for an image
    with no flagged pixel.

    Examples
    --------
    >>> issues = np.array([[[True, True, True]], [[False, False, False]]])
    >>> probs = np.array([[[[0.2, 0.3, 0.9]], [[0.8, 0.7, 0.1]]]] * 2)
    >>> confusions_per_image(issues, np.array([[[0, 0, 1]], [[0, 0, 0]]]), probs, False, 2).tolist()
    [[0, 1, 2], [-1, -1, 0]]
    """
    cells_per_image = num_classes * num_classes
    image, _, _ = np.nonzero(issues)
    cells = labels[issues].astype(np.int64) * num_classes + predicted_classes(pred_probs, channels_last)[issues]
    counts = np.bincount(image * cells_per_image + cells, minlength=issues.shape[0] * cells_per_image)
    counts = counts.reshape(issues.shape[0], cells_per_image)
    top = np.argmax(counts, axis=1)  # the first of equal counts: the lowest pair
    most = counts[np.arange(issues.shape[0]), top]
    found = np.stack([top // num_classes, top % num_classes, most], axis=1)
    found[most == 0, :2] = -1
    return found


def common_confusions(counts: np.ndarray, top: int) -> np.ndarray:
    """The (given class, predicted class, count) of the ``top`` largest
    non-zero counts, largest first, equal counts in the order of their
    given class, then predicted class, as cleanlab lists them.

    Examples
    --------
    >>> common_confusions(np.array([[0, 2, 1], [3, 0, 0], [0, 2, 0]]), 3).tolist()
    [[1, 0, 3], [0, 1, 2], [2, 1, 2]]
    """
    given, predicted = np.nonzero(counts)
    found = counts[given, predicted]
    order = np.argsort(-found, kind="stable")[:top]
    return np.stack([given[order], predicted[order], found[order]], axis=1)


def issues_of_class(
    class_index: int, issues: np.ndarray, labels: np.ndarray, pred_probs: np.ndarray, channels_last: bool
) -> np.ndarray:
    """The flagged pixels given ``class_index`` or predicted as it.

    Examples
    --------
    >>> issues = np.array([[[True, True, False]]])
    >>> probs = np.array([[[[0.2, 0.9, 0.9]], [[0.8, 0.1, 0.1]]]])
    >>> issues_of_class(1, issues, np.array([[[0, 0, 1]]]), probs, False).tolist()
    [[[True, False, False]]]
    """
    predicted = predicted_classes(pred_probs, channels_last)
    return (issues & np.isin(labels, class_index)) | (issues & np.isin(predicted, class_index))


def most_flagged_first(issues_per_image: np.ndarray, top: int) -> np.ndarray:
    """The ``top`` images with the most flagged pixels, most first, in the
    order of cleanlab's sort (numpy's default argsort of the negated counts).

    Examples
    --------
    >>> most_flagged_first(np.array([3, 9, 0, 5]), 2).tolist()
    [1, 3]
    """
    return np.argsort(-issues_per_image)[:top]


def class_colours(num_classes: int) -> np.ndarray:
    """An RGBA colour per class, ``(K, 4)``: hues around the circle, every
    other one darker, so that neighbouring classes stand apart.

    Examples
    --------
    >>> class_colours(3).shape
    (3, 4)
    """
    hues = np.arange(num_classes) / max(num_classes, 1)
    angle = 2 * np.pi * hues[:, None] - np.array([0.0, 2.0, 4.0]) * np.pi / 3
    rgb = 0.5 + 0.5 * np.cos(angle)
    rgb[1::2] *= 0.6
    return np.concatenate([rgb, np.ones((num_classes, 1))], axis=1)
