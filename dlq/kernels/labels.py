"""A chunk's labels against its K classes: the first outside ``[0, K)``, and
the counts of those within, so that nothing counting them fails on a bad
label before the refusal that names its row."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from dlq.kernels.checks import InvalidRows


def invalid_labels(labels: np.ndarray, num_classes: int, offset: int, *, of_pred_probs: bool = True) -> InvalidRows:
    """The first of ``labels`` (rows from ``offset`` on) outside ``[0, K)``,
    K being pred_probs' columns (or, without ``of_pred_probs``, the classes
    of a confident joint).

    Examples
    --------
    >>> invalid_labels(np.array([0, 2, -1]), 2, 10).label
    (11, 'labels must be class indices in 0..1 (pred_probs has 2 columns); labels[11] is 2. ...')
    >>> invalid_labels(np.array([0, 2, -1]), 2, 10, of_pred_probs=False).label
    (11, 'labels must be class indices in 0..1; some label is 2 (labels[11]). Fix or drop that row')
    """
    if not labels.size or (labels.min() >= 0 and labels.max() < num_classes):
        return InvalidRows()
    row = int(np.argmax((labels < 0) | (labels >= num_classes)))
    value = labels[row].item()
    if not of_pred_probs:
        message = (
            f"labels must be class indices in 0..{num_classes - 1}; some label is {value} (labels[{offset + row}])"
        )
        return InvalidRows(label=(offset + row, message + ". Fix or drop that row"))
    message = (
        f"labels must be class indices in 0..{num_classes - 1} (pred_probs has {num_classes} columns); "
        f"labels[{offset + row}] is {value}. "
        "Fix or drop that row, or check that labels and pred_probs match"
    )
    return InvalidRows(label=(offset + row, message))


@dataclass(frozen=True)
class LabelCounts:
    """How many labels of a chunk (or of many) are each class, and the first invalid one."""

    counts: np.ndarray
    invalid: InvalidRows

    def __or__(self, other: LabelCounts) -> LabelCounts:
        return LabelCounts(self.counts + other.counts, self.invalid | other.invalid)


def label_counts(labels: np.ndarray, offset: int, num_classes: int, of_pred_probs: bool = True) -> LabelCounts:
    """The counts of a chunk's labels in ``[0, K)``; a label outside is
    reported (:func:`invalid_labels`), not counted, so no count fails on it.

    Examples
    --------
    >>> label_counts(np.array([0, 2, 2, -1]), 0, 3).counts.tolist()
    [1, 0, 2]
    """
    within = labels[(labels >= 0) & (labels < num_classes)]
    counts = np.bincount(within.astype(np.intp, copy=False), minlength=num_classes).astype(np.int64)
    return LabelCounts(counts, invalid_labels(labels, num_classes, offset, of_pred_probs=of_pred_probs))
