"""cleanlab-compatible summaries of segmentation label issues (``cleanlab.segmentation.summary``)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import dask.array as da
import numpy as np

from dlq._validation.segmentation import check_display_options, check_summary_options
from dlq.graphs import segmentation
from dlq.graphs.scheduler import compute
from dlq.io.image_figures import show_issue_images
from dlq.io.images import open_issue_mask, open_segmentation_inputs, open_shown_images

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["common_label_issues", "display_issues", "filter_by_class"]


def common_label_issues(
    issues: Any,
    labels: Any,
    pred_probs: Any,
    *,
    class_names: list[str] | None = None,
    exclude: list[int] | None = None,
    top: int | None = None,
    verbose: bool = True,
    channels_last: bool | None = None,
) -> pd.DataFrame:
    """The most common confusions among the flagged pixels: how many pixels
    given one class the model predicts as another, most first, as cleanlab's
    function of this name counts them (one read of the images).

    Parameters
    ----------
    issues : array-like of bool, shape (N, H, W)
        The flagged pixels (:func:`dlq.segmentation.filter.find_label_issues`).
    labels, pred_probs
        As for :func:`~dlq.segmentation.filter.find_label_issues`.
    class_names : list of str, optional
        The classes' names (their indices by default).
    exclude : list of int, optional
        Predicted classes left out of the counts.
    top : int, optional
        How many rows to return (20 by default).
    verbose : bool
        Print a sentence per row.
    channels_last : bool, optional
        Whether pred_probs holds its classes last (by default told from the shapes).

    Returns
    -------
    pandas.DataFrame
        Columns ``given_label``, ``predicted_label`` and ``num_pixel_issues``.

    Examples
    --------
    >>> import numpy as np
    >>> from dlq.segmentation.summary import common_label_issues
    >>> labels = np.array([[[0, 0, 1]]])
    >>> pred_probs = np.array([[[[0.2, 0.3, 0.9]], [[0.8, 0.7, 0.1]]]])
    >>> common_label_issues(labels != 1, labels, pred_probs, class_names=["sky", "sea"], verbose=False).values.tolist()
    [['sky', 'sea', 2]]
    """
    opened = open_segmentation_inputs(labels, pred_probs, channels_last=channels_last)
    excluded, shown, names = check_summary_options(exclude, top, class_names, opened.num_classes)
    marked = segmentation.issue_labels(opened.labels, open_issue_mask(issues, opened))
    counts, _ = segmentation.confusions(marked, opened.pred_probs, opened.channels_last, np.asarray(excluded, np.int64))
    (counts,) = compute(counts, progress=verbose)
    table = segmentation.common_issues_table(counts, names, shown)
    if verbose:
        for given, predicted, count in table.itertuples(index=False):
            print(f"Class '{given}' is potentially mislabeled as class for '{predicted}' {count} pixels in the dataset")
    return table


def filter_by_class(
    class_index: int, issues: Any, labels: Any, pred_probs: Any, *, channels_last: bool | None = None
) -> Any:
    """The flagged pixels given ``class_index`` or predicted as it, as
    cleanlab's function of this name (one read of the images); pred_probs
    holds its classes last if ``channels_last`` (by default told from the shapes).

    Examples
    --------
    >>> import numpy as np
    >>> from dlq.segmentation.summary import filter_by_class
    >>> labels = np.array([[[0, 0, 1]]])
    >>> pred_probs = np.array([[[[0.2, 0.9, 0.9]], [[0.8, 0.1, 0.1]]]])
    >>> filter_by_class(1, np.array([[[True, True, False]]]), labels, pred_probs).tolist()
    [[[True, False, False]]]
    """
    opened = open_segmentation_inputs(labels, pred_probs, channels_last=channels_last)
    marked = segmentation.issue_labels(opened.labels, open_issue_mask(issues, opened))
    found = segmentation.class_issues(marked, opened.pred_probs, opened.channels_last, class_index)
    if any(isinstance(given, da.Array) for given in (issues, labels, pred_probs)):
        return found
    return compute(found)[0]


def display_issues(
    issues: Any,
    *,
    labels: Any = None,
    pred_probs: Any = None,
    class_names: list[str] | None = None,
    exclude: list[int] | None = None,
    top: int | None = None,
    **kwargs: Any,
) -> None:
    """Show the ``top`` images with the most flagged pixels (20 by default),
    most first, as cleanlab's function of this name does: each with its
    given labels and the model's most likely classes when given, and its
    flagged pixels in red (less those whose label is an ``exclude``\\ d
    class). Only the images shown are read (and the mask, to count).
    ``kwargs`` go to ``matplotlib.pyplot.show``.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> import numpy as np
    >>> from dlq.segmentation.summary import display_issues
    >>> display_issues(np.array([[[True, False]], [[True, True]]]), top=1)
    """
    mask, opened_labels, opened_probs, channels_last = open_shown_images(issues, labels, pred_probs)
    excluded, shown = check_display_options(exclude, top, labels, mask.shape[0])
    images = segmentation.most_flagged_first(mask, shown)
    found = segmentation.shown_images(images, mask, opened_labels, opened_probs, channels_last, excluded)
    show_issue_images(images, *found, class_names=class_names, **kwargs)
