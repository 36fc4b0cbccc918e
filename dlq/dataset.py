"""cleanlab.dataset for multi-class data: which classes are noisiest, which overlap, and the overall health.

Every view is a function of the estimated joint of given and true labels
(K x K), computed from a tree of per-chunk counts (two reads of the data)
unless given; ``from cleanlab.dataset import X`` becomes ``from dlq.dataset
import X``. For multi-label data, see :mod:`dlq.multilabel.dataset`.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from dask.base import is_dask_collection

from dlq import _validation, count
from dlq._validation import IN_MEMORY_ABSENT_CLASS_THRESHOLD
from dlq.graphs import health
from dlq.graphs.scheduler import compute
from dlq.io import arrays

__all__ = ["find_overlapping_classes", "health_summary", "overall_label_health_score", "rank_classes_by_label_quality"]


def _joint_and_size(labels: Any, pred_probs: Any, joint_: Any, confident_joint: Any, num_examples: Any) -> tuple:
    """The joint (as given, or estimated) and the number of examples (as
    given, the labels' length, or the given confident joint's total)."""
    if joint_ is None:
        joint_ = _in_memory(count.estimate_joint(labels, pred_probs, confident_joint=confident_joint))
    if num_examples is None:
        num_examples = _number_of_examples(labels, confident_joint)
    return np.asarray(joint_), int(num_examples)


def _in_memory(value: Any) -> Any:
    """``value`` computed, if it is lazy (of dask arrays in): the views are small, in-memory answers."""
    return compute(value)[0] if is_dask_collection(value) else value


def _number_of_examples(labels: Any, confident_joint: Any) -> int:
    _validation.check_examples_countable(labels, confident_joint)
    if labels is not None:
        return int(arrays.array_like(labels, name="labels").shape[0])
    return int(np.sum(confident_joint))


def rank_classes_by_label_quality(
    labels: Any = None,
    pred_probs: Any = None,
    *,
    class_names: Any = None,
    num_examples: int | None = None,
    joint: Any = None,
    confident_joint: Any = None,
    multi_label: bool = False,
) -> pd.DataFrame:
    """Classes from the noisiest label to the cleanest: per class, the
    estimated examples given it that belong elsewhere ("Label Issues"), the
    examples of it given another label ("Inverse Label Issues"), their
    shares ("Label Noise", "Inverse Label Noise") and one less the label
    noise ("Label Quality Score"), as cleanlab's table.

    Parameters
    ----------
    labels, pred_probs : array-like, optional
        Any input :func:`dlq.scan` reads; not needed when ``joint`` and
        ``num_examples`` are given.
    class_names : sequence of str, optional
        A first column, "Class Name".
    num_examples : int, optional
        By default the number of labels (or the given confident joint's total).
    joint : array-like of float, shape (K, K), optional
        The estimated joint, summing to 1 (:func:`dlq.count.estimate_joint`).
    confident_joint : array-like of int, shape (K, K), optional
        Calibrated to the labels (if given) and normalized, when ``joint`` is not given.
    multi_label : bool
        Refused: see :mod:`dlq.multilabel.dataset`.

    Examples
    --------
    >>> import numpy as np
    >>> table = rank_classes_by_label_quality(joint=np.array([[0.4, 0.1], [0.0, 0.5]]), num_examples=10)
    >>> table["Class Index"].tolist(), table["Label Issues"].tolist()
    ([0, 1], [1, 0])
    """
    _validation.check_not_multi_label(multi_label, "rank_classes_by_multilabel_quality")
    joint_, size = _joint_and_size(labels, pred_probs, joint, confident_joint, num_examples)
    return health.classes_by_quality(joint_, size, class_names)


def find_overlapping_classes(
    labels: Any = None,
    pred_probs: Any = None,
    *,
    asymmetric: bool = False,
    class_names: Any = None,
    num_examples: int | None = None,
    joint: Any = None,
    confident_joint: Any = None,
    multi_label: bool = False,
) -> pd.DataFrame:
    """Pairs of classes from the most confused to the least: the estimated
    joint probability that an example of one is labeled the other (both
    ways summed, each pair once; with ``asymmetric``, each direction
    alone) and that many examples, as cleanlab's table. Parameters as for
    :func:`rank_classes_by_label_quality`.

    Examples
    --------
    >>> import numpy as np
    >>> table = find_overlapping_classes(joint=np.array([[0.4, 0.1], [0.05, 0.45]]), num_examples=100)
    >>> table["Num Overlapping Examples"].tolist()
    [15]
    """
    _validation.check_not_multi_label(multi_label, "common_multilabel_issues")
    joint_, size = _joint_and_size(labels, pred_probs, joint, confident_joint, num_examples)
    return health.overlapping_classes(joint_, size, class_names, asymmetric=asymmetric)


def overall_label_health_score(
    labels: Any = None,
    pred_probs: Any = None,
    *,
    num_examples: int | None = None,
    confident_joint: Any = None,
    joint: Any = None,
    multi_label: bool = False,
    verbose: bool = True,
) -> float:
    """One less the share of examples with a label issue: from
    :func:`dlq.num_label_issues` when labels and pred_probs are given (one
    pass for the thresholds, one for the count), else the trace of the joint.

    Examples
    --------
    >>> import numpy as np
    >>> overall_label_health_score(joint=np.array([[0.4, 0.1], [0.0, 0.5]]), num_examples=10, verbose=False)
    0.9
    """
    _validation.check_not_multi_label(multi_label, "overall_multilabel_health_score")
    if num_examples is None:
        num_examples = _number_of_examples(labels, confident_joint)
    if labels is None or pred_probs is None:
        if joint is None:
            joint = _in_memory(count.estimate_joint(labels, pred_probs, confident_joint=confident_joint))
        score = float(np.trace(joint))
        num_issues = round(num_examples * (1 - score))
    else:
        num_issues = int(_in_memory(count.num_label_issues(labels, pred_probs, confident_joint=confident_joint)))
        score = 1 - num_issues / num_examples
    if verbose:
        _say_health(score, num_issues, int(num_examples))
    return score


def _say_health(score: float, num_issues: int, num_examples: int) -> None:
    print(f"label health {score:.2f}: {num_issues:,} of {num_examples:,} labels ({1 - score:.0%}) look wrong")


def health_summary(
    labels: Any = None,
    pred_probs: Any = None,
    *,
    asymmetric: bool = False,
    class_names: Any = None,
    num_examples: int | None = None,
    joint: Any = None,
    confident_joint: Any = None,
    multi_label: bool = False,
    verbose: bool = True,
) -> dict[str, Any]:
    """The three views at once: ``overall_label_health_score``, the
    ``joint``, ``classes_by_label_quality`` and ``overlapping_classes``, as
    cleanlab's dictionary. From labels and pred_probs alone, the joint and
    the issue count come from the same two reads.

    Examples
    --------
    >>> import numpy as np
    >>> summary = health_summary(joint=np.array([[0.4, 0.1], [0.0, 0.5]]), num_examples=10, verbose=False)
    >>> sorted(summary), summary["overall_label_health_score"]
    (['classes_by_label_quality', 'joint', 'overall_label_health_score', 'overlapping_classes'], 0.9)
    """
    _validation.check_not_multi_label(multi_label, "multilabel_health_summary")
    if joint is None and confident_joint is None and labels is not None and pred_probs is not None:
        joint, num_issues = _joint_and_issue_count(labels, pred_probs)
        size = int(num_examples) if num_examples is not None else _number_of_examples(labels, None)
        score = 1 - num_issues / size
        if verbose:
            _say_health(score, num_issues, size)
    else:
        joint, size = _joint_and_size(labels, pred_probs, joint, confident_joint, num_examples)
        score = overall_label_health_score(
            labels, pred_probs, num_examples=size, confident_joint=confident_joint, joint=joint, verbose=verbose
        )
    classes = health.classes_by_quality(np.asarray(joint), size, class_names)
    pairs = health.overlapping_classes(np.asarray(joint), size, class_names, asymmetric=asymmetric)
    if verbose:
        print(f"\nclasses, noisiest first:\n{classes.to_string()}\n\nclass pairs, most confused first:")
        print(pairs.head(20).to_string())
    return {
        "overall_label_health_score": score,
        "joint": joint,
        "classes_by_label_quality": classes,
        "overlapping_classes": pairs,
    }


def _joint_and_issue_count(labels: Any, pred_probs: Any) -> tuple[np.ndarray, int]:
    """The estimated joint and cleanlab's ``off_diagonal`` issue count, from the same reads."""
    opened = arrays.open_inputs(labels, pred_probs)
    return health.joint_and_issue_count(*opened, absent_class_threshold=IN_MEMORY_ABSENT_CLASS_THRESHOLD)
