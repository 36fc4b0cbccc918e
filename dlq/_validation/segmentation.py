"""Checks of the segmentation functions' options (:mod:`dlq.segmentation`)."""

from __future__ import annotations

from typing import Any

from dlq._validation.checks import check_choice, check_integer
from dlq.graphs.caller import warn_caller

#: The image scores of ``dlq.segmentation.rank.get_label_quality_scores``.
SEGMENTATION_SCORE_METHODS = ("softmin", "num_pixel_issues")


def check_downsample(downsample: Any, image_shape: tuple[int, int]) -> int:
    """Check the ``downsample`` factor: a positive integer dividing the images' height and width.

    Examples
    --------
    >>> check_downsample(2, (4, 6))
    2
    >>> check_downsample(4, (4, 6))
    Traceback (most recent call last):
    ...
    ValueError: downsample=4 does not divide the images' height 4 and width 6; give a factor of both, or 1
    """
    factor = check_integer(downsample, "downsample", minimum=1)
    height, width = image_shape
    if height % factor or width % factor:
        raise ValueError(
            f"downsample={factor} does not divide the images' height {height} and width {width}; "
            "give a factor of both, or 1"
        )
    return factor


def check_segmentation_method(method: Any, downsample: Any) -> None:
    """Check the image score ``method``; warn, as cleanlab does, that
    ``downsample`` is used by ``num_pixel_issues`` only.

    Examples
    --------
    >>> check_segmentation_method("softmin", 1)
    >>> check_segmentation_method("min", 1)
    Traceback (most recent call last):
    ...
    ValueError: method must be one of softmin, num_pixel_issues; got 'min'
    """
    check_choice(method, SEGMENTATION_SCORE_METHODS, "method")
    if method != "num_pixel_issues" and downsample != 1:
        warn_caller(f"downsample={downsample} is ignored: only method='num_pixel_issues' downsamples the images")


def check_score_threshold(image_scores: Any, threshold: Any) -> float:
    """Check ``issues_from_scores``' scores and ``threshold`` (in [0, 1]).

    Examples
    --------
    >>> check_score_threshold([0.5], 0.1)
    0.1
    >>> check_score_threshold([0.5], 1.5)
    Traceback (most recent call last):
    ...
    ValueError: threshold must be a number in [0, 1]; got 1.5
    """
    if image_scores is None:
        raise ValueError("image_scores must be given: the scores of get_label_quality_scores")
    if isinstance(threshold, bool) or not isinstance(threshold, (int, float)) or not 0 <= threshold <= 1:
        raise ValueError(f"threshold must be a number in [0, 1]; got {threshold!r}")
    return float(threshold)


def check_summary_options(
    exclude: Any, top: Any, class_names: Any, num_classes: int
) -> tuple[list[int], int, list[str]]:
    """The excluded classes, how many rows to show (20 by default) and the
    classes' names (their indices by default), checked.

    Examples
    --------
    >>> check_summary_options(None, None, None, 2)
    ([], 20, ['0', '1'])
    >>> check_summary_options([0], 5, ["cat"], 2)
    Traceback (most recent call last):
    ...
    ValueError: class_names has 1 names for 2 classes; give one name per class of pred_probs
    """
    excluded = [] if exclude is None else list(exclude)
    for index in excluded:
        check_integer(index, "each class of exclude", minimum=0)
    shown = 20 if top is None else check_integer(top, "top", minimum=0)
    names = [str(index) for index in range(num_classes)] if class_names is None else list(class_names)
    if len(names) != num_classes:
        raise ValueError(
            f"class_names has {len(names)} names for {num_classes} classes; give one name per class of pred_probs"
        )
    return excluded, shown, names


def check_display_options(exclude: Any, top: Any, labels: Any, num_images: int) -> tuple[list[int], int]:
    """The classes whose pixels are not shown and how many images to show
    (20 by default, at most all), checked; excluding needs the labels.

    Examples
    --------
    >>> check_display_options(None, None, None, 5)
    ([], 5)
    >>> check_display_options([1], 3, None, 5)
    Traceback (most recent call last):
    ...
    ValueError: exclude=[1] needs the labels, to tell which pixels are of those classes: give labels
    """
    excluded = [] if exclude is None else list(exclude)
    if excluded and labels is None:
        raise ValueError(f"exclude={excluded} needs the labels, to tell which pixels are of those classes: give labels")
    for index in excluded:
        check_integer(index, "each class of exclude", minimum=0)
    shown = 20 if top is None else check_integer(top, "top", minimum=0)
    return excluded, min(shown, num_images)
