"""Images of label issues drawn with matplotlib: given labels, the model's
most likely classes and the flagged pixels in red, an image per row."""

from __future__ import annotations

from typing import Any

import numpy as np

from dlq.kernels.segmentation import class_colours


def show_issue_images(
    images: np.ndarray,
    issues: np.ndarray,
    labels: np.ndarray | None,
    predicted: np.ndarray | None,
    class_names: list[str] | None = None,
    **show_options: Any,
) -> None:
    """Show each of ``images`` (their numbers) as a figure of panels: its
    given ``labels`` and ``predicted`` classes when given, and its flagged
    pixels (``issues``), with a legend of the classes first when they are
    named; ``show_options`` go to ``matplotlib.pyplot.show``.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> show_issue_images(np.array([4]), np.array([[[True, False]]]), np.array([[[0, 1]]]), None, ["cat", "dog"])
    """
    import matplotlib.pyplot as plt
    from matplotlib.colors import ListedColormap
    from matplotlib.patches import Patch

    shown = [classes.max(initial=0) for classes in (labels, predicted) if classes is not None]
    colours = class_colours(max(len(class_names or ()), *(int(top) + 1 for top in shown), 1))
    panels = 1 + (labels is not None) + (predicted is not None)
    if class_names is not None and panels > 1:
        legend = plt.figure()
        handles = [Patch(color=colours[k], label=name) for k, name in enumerate(class_names)]
        legend.legend(handles=handles, loc="center", ncol=len(class_names), facecolor="white")
        plt.axis("off")
        plt.show(**show_options)
    flagged = ListedColormap(["none", "red"])
    for row, image in enumerate(images):
        _, axes = plt.subplots(1, panels, figsize=(5 * panels, 5))
        axes = np.atleast_1d(axes)
        shown = 0
        for title, classes in (("Given Labels", labels), ("Argmaxed Prediction Probabilities", predicted)):
            if classes is not None:
                axes[shown].imshow(colours[classes[row]])
                axes[shown].set_title(title)
                shown += 1
        axes[shown].imshow(issues[row], cmap=flagged, vmin=0, vmax=1)
        axes[shown].set_title(f"Image {image}: Suggested Errors (in Red)")
        plt.show(**show_options)


def thumbnail(labels: np.ndarray, flagged: np.ndarray, num_classes: int) -> Any:
    """A figure of one image's labels (a colour a class) with its flagged pixels in red.

    Examples
    --------
    >>> thumbnail(np.array([[0, 1], [1, 1]]), np.array([[True, False], [False, False]]), 2).axes[0].get_title()
    ''
    """
    from matplotlib.figure import Figure

    picture = class_colours(num_classes)[labels][..., :3].copy()
    picture[flagged] = (1.0, 0.0, 0.0)
    figure = Figure(figsize=(2, 2))
    axes = figure.add_subplot()
    axes.imshow(picture, interpolation="nearest")
    axes.set_axis_off()
    return figure
