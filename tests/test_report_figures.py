"""The report's class figures show what a labeling team acts on: every bar
named, the confusions in front of the agreements, at 10, 100 and 1,000 classes."""

from __future__ import annotations

import numpy as np
import pytest

from dlq.cli import report


def _joint(num_classes: int, seed: int) -> np.ndarray:
    """A confident joint: a heavy diagonal, sparse confusions, one pair far ahead."""
    rng = np.random.default_rng(seed)
    joint = rng.poisson(0.3, (num_classes, num_classes))
    np.fill_diagonal(joint, rng.integers(500, 1000, num_classes))
    joint[num_classes - 1, num_classes // 2] = 400  # the most confused pair
    return joint


@pytest.mark.parametrize("num_classes", [10, 100, 1000])
def test_every_bar_of_issues_per_class_is_named_and_the_most_are_shown(num_classes):
    names = [f"class {k}" for k in range(num_classes)]
    per_class = np.random.default_rng(num_classes).integers(0, 50, num_classes)
    axes = report.per_class_figure(per_class, names).axes[0]
    labels = [label.get_text() for label in axes.get_xticklabels()]
    heights = [bar.get_height() for bar in axes.patches]
    assert len(labels) == len(heights) == min(num_classes, report.NAMED_TICKS)
    if num_classes <= report.NAMED_TICKS:
        assert labels == names and heights == per_class.tolist()
    else:  # the classes with the most issues, most first, each named
        shown = [int(label.split()[1]) for label in labels]
        assert heights == sorted(per_class.tolist(), reverse=True)[: report.NAMED_TICKS]
        assert [per_class[k] for k in shown] == heights


@pytest.mark.parametrize("num_classes", [10, 100, 1000])
def test_the_confusions_are_drawn_in_front_of_the_agreements(num_classes):
    joint = _joint(num_classes, seed=num_classes)
    names = [f"c{k}" for k in range(num_classes)]
    axes = report.confusions_figure(joint, names).axes[0]
    image = axes.images[0]
    shown = image.get_array()
    labels = [label.get_text() for label in axes.get_yticklabels()]
    classes = [int(label[1:]) for label in labels]
    assert len(classes) == min(num_classes, report.CONFUSED_CLASSES) == shown.shape[0]
    assert shown.mask.diagonal().all() and not shown.mask[~np.eye(len(classes), dtype=bool)].any()
    off = joint[np.ix_(classes, classes)][~np.eye(len(classes), dtype=bool)]
    assert image.get_clim() == (0.0, float(off.max()))  # a scale fitted to the confusions, not the diagonal
    assert {num_classes - 1, num_classes // 2} <= set(classes)  # the most confused pair is among them
    written = {text.get_text() for text in axes.texts}
    assert "400" in written and len(axes.texts) == int((off > 0).sum())
