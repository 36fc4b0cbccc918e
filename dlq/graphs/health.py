"""A multi-class data set's health views (cleanlab.dataset's tables, in its
columns and row order) from its estimated joint, and the graphs that
estimate that joint.

The views are small K x K work on a joint in hand, done in process; the
joint and the issue count come from the same two reads of the data, and a
scan's report gets the joint under the scan's thresholds in one read more.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import dask.array as da
import numpy as np
from dask.delayed import Delayed

from dlq.graphs import estimates, passes
from dlq.graphs.blocks import step
from dlq.graphs.class_counts import counts_of_classes
from dlq.graphs.problems import MULTICLASS
from dlq.graphs.scheduler import compute
from dlq.graphs.sources import reread
from dlq.kernels import health

if TYPE_CHECKING:  # pandas is imported when a table is made
    import pandas as pd


def classes_by_quality(joint: np.ndarray, num_examples: int, class_names: Any = None) -> pd.DataFrame:
    """cleanlab's table of classes by label quality
    (:func:`dlq.kernels.health.class_quality`), a first column of
    ``class_names`` if given, the noisiest class first.

    Examples
    --------
    >>> classes_by_quality(np.array([[0.4, 0.1], [0.0, 0.5]]), 10, ["cat", "dog"])["Class Name"].tolist()
    ['cat', 'dog']
    """
    import pandas as pd

    table = pd.DataFrame(health.class_quality(joint, num_examples))
    if class_names is not None:
        table.insert(loc=0, column="Class Name", value=class_names)
    return table.sort_values(by="Label Quality Score", ascending=True).reset_index(drop=True)


def overlapping_classes(
    joint: np.ndarray, num_examples: int, class_names: Any = None, *, asymmetric: bool = False
) -> pd.DataFrame:
    """cleanlab's table of overlapping classes
    (:func:`dlq.kernels.health.class_pairs`), two first columns of the
    pair's ``class_names`` if given, the most confused pair first.

    Examples
    --------
    >>> table = overlapping_classes(np.array([[0.4, 0.1], [0.05, 0.45]]), 100, asymmetric=True)
    >>> table["Num Overlapping Examples"].tolist()
    [10, 5]
    """
    import pandas as pd

    table = pd.DataFrame(health.class_pairs(joint, num_examples, asymmetric=asymmetric))
    if class_names is not None:
        names = np.asarray(class_names, dtype=object)
        table.insert(loc=0, column="Class Name A", value=names[table["Class Index A"].to_numpy()])
        table.insert(loc=1, column="Class Name B", value=names[table["Class Index B"].to_numpy()])
    return table.sort_values(by="Joint Probability", ascending=False).reset_index(drop=True)


def joint_and_issue_count(
    labels: da.Array, pred_probs: da.Array, *, absent_class_threshold: float
) -> tuple[np.ndarray, int]:
    """The estimated joint (the calibrated confident joint, normalized) of
    opened multi-class inputs and cleanlab's ``off_diagonal`` issue count,
    computed from the same two reads.

    Examples
    --------
    >>> labels = da.from_array(np.array([0, 0, 0, 1, 1, 1]), chunks=3)
    >>> pred_probs = da.from_array(np.array([[.9, .1], [.8, .2], [.3, .7], [.2, .8], [.1, .9], [.7, .3]]), chunks=3)
    >>> joint, issues = joint_and_issue_count(labels, pred_probs, absent_class_threshold=2.0)
    >>> (joint * 6).round().tolist(), issues
    ([[2.0, 1.0], [1.0, 2.0]], 2)
    """
    found = passes.confident_joint(MULTICLASS, labels, pred_probs, absent_class_threshold=absent_class_threshold)
    calibrated = estimates.confident_joint_of(found, calibrate=True)
    issues = estimates.issue_count(found, estimation_method="off_diagonal")
    calibrated, issues = compute(calibrated, issues)
    return estimates.normalized(calibrated), int(issues)


def confident_joint_under(
    labels: da.Array, pred_probs: da.Array, thresholds: Any, *, absent_class_threshold: float
) -> Delayed:
    """The calibrated confident joint of opened multi-class inputs under
    ``thresholds`` computed elsewhere (a scan's, a ``Delayed`` array), a
    class no example is given at ``absent_class_threshold``: one read more
    than the scan.

    Examples
    --------
    >>> labels = da.from_array(np.array([0, 0, 0, 1, 1, 1]), chunks=3)
    >>> pred_probs = da.from_array(np.array([[.9, .1], [.8, .2], [.3, .7], [.2, .8], [.1, .9], [.7, .3]]), chunks=3)
    >>> confident_joint_under(labels, pred_probs, np.array([0.5, 0.5]), absent_class_threshold=2.0).compute().tolist()
    [[2, 1], [1, 2]]
    """
    counts = counts_of_classes(labels, pred_probs.shape[1])
    found = passes.confident_joint(
        MULTICLASS,
        *reread(labels, pred_probs),
        thresholds=step(_absent_classes_at, thresholds, counts, absent_class_threshold),
        absent_class_threshold=absent_class_threshold,
    )
    return estimates.confident_joint_of(found, calibrate=True)


def _absent_classes_at(thresholds: np.ndarray, label_counts: np.ndarray, absent_class_threshold: float) -> np.ndarray:
    return np.where(label_counts == 0, absent_class_threshold, thresholds)
