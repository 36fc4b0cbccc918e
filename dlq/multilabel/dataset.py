"""cleanlab-compatible data set health for multi-label data
(``cleanlab.multilabel_classification.dataset``).

Every summary here counts the per-class issues of
:func:`dlq.multilabel.find_multilabel_issues_per_class` (cleanlab's default
filter, ``prune_by_noise_rate``) and returns cleanlab's tables: pandas
DataFrames with its column names, in its order.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from dlq.graphs import multilabel_health
from dlq.graphs.multilabel_health import PerClassIssues
from dlq.io import arrays
from dlq.multilabel.searches import in_memory_options, per_class_search

__all__ = [
    "common_multilabel_issues",
    "multilabel_health_summary",
    "overall_multilabel_health_score",
    "rank_classes_by_multilabel_quality",
]

if TYPE_CHECKING:  # pandas is imported when a table is made: importing it costs some 60 MB
    import pandas as pd


def _per_class_issues(labels: Any, pred_probs: Any, *, confident_joint: Any = None) -> PerClassIssues:
    """Each class's issues under cleanlab's default filter, with whether each issue's example is given the class."""
    labels, pred_probs = arrays.open_multilabel_inputs(labels, pred_probs)
    options = in_memory_options("prune_by_noise_rate", 1.0, 1, confident_joint, pred_probs.shape[1])
    return multilabel_health.found_per_class(
        labels, per_class_search(labels, pred_probs, options, "prune_by_noise_rate")
    )


def common_multilabel_issues(
    labels: Any = None,
    pred_probs: Any = None,
    *,
    class_names: Any = None,
    confident_joint: Any = None,
) -> pd.DataFrame:
    """How often each class appears wrongly in, or wrongly missing from, the
    given labels, as cleanlab's function of this name.

    Parameters
    ----------
    labels : list of lists of int, scipy.sparse matrix, or array of shape (N, K)
        Given classes of each example, in any form
        :func:`dlq.multilabel.find_label_issues` accepts.
    pred_probs : array-like of float, shape (N, K)
        Predicted probability of each class.
    class_names : sequence of str, optional
        Names of the K classes, added as a first column "Class Name".
    confident_joint : array of int, shape (K, 2, 2), optional
        One-vs-rest joints to prune with, instead of estimating them.

    Returns
    -------
    pandas.DataFrame
        Two rows per class: "In Given Label" True counts the examples given
        the class that should not have it, False those not given it that
        should; "Num Examples" counts them and "Issue Probability" divides by
        N. Sorted by "Issue Probability", highest first.

    Examples
    --------
    >>> import numpy as np, dlq
    >>> pred_probs = np.array([[0.9, 0.1], [0.8, 0.2], [0.1, 0.9], [0.2, 0.9], [0.9, 0.8], [0.1, 0.8]])
    >>> labels = [[0], [0], [1], [0], [0, 1], [1]]
    >>> print(dlq.multilabel.common_multilabel_issues(labels, pred_probs).to_string())
       Class Index  In Given Label  In Suggested Label  Num Examples  Issue Probability
    0            1           False                True             1           0.166667
    1            0            True               False             0           0.000000
    2            0           False                True             0           0.000000
    3            1            True               False             0           0.000000
    """
    return multilabel_health.common_issues(
        _per_class_issues(labels, pred_probs, confident_joint=confident_joint), class_names
    )


def rank_classes_by_multilabel_quality(
    labels: Any = None,
    pred_probs: Any = None,
    *,
    class_names: Any = None,
    joint: Any = None,
    confident_joint: Any = None,
) -> pd.DataFrame:
    """The classes ranked by the quality of their labels, as cleanlab's
    function of this name.

    Parameters
    ----------
    labels, pred_probs, class_names
        As in :func:`common_multilabel_issues`.
    joint : array of int, shape (K, 2, 2), optional
        One-vs-rest confident joints to prune with (cleanlab passes this one,
        not ``confident_joint``, to the issue search).
    confident_joint : optional
        Accepted for cleanlab's signature; used only by cleanlab to count
        the examples when no labels are given, which dlq needs.

    Returns
    -------
    pandas.DataFrame
        One row per class: "Label Issues" (examples given the class that
        should not have it), "Inverse Label Issues" (the reverse), their
        fractions of N as "Label Noise" and "Inverse Label Noise", and
        "Label Quality Score" = 1 - "Label Noise", lowest first.

    Examples
    --------
    >>> import numpy as np, dlq
    >>> pred_probs = np.array([[0.9, 0.1], [0.8, 0.2], [0.1, 0.9], [0.2, 0.9], [0.9, 0.8], [0.1, 0.8]])
    >>> labels = [[0], [0], [1], [0], [0, 1], [1]]
    >>> dlq.multilabel.rank_classes_by_multilabel_quality(labels, pred_probs)["Inverse Label Issues"].tolist()
    [1, 0]
    """
    found = _per_class_issues(labels, pred_probs, confident_joint=joint)
    common = multilabel_health.common_issues(found, class_names)
    return multilabel_health.classes_by_quality(common, found.n_examples, class_names)


def overall_multilabel_health_score(
    labels: Any = None, pred_probs: Any = None, *, confident_joint: Any = None
) -> float:
    """The fraction of examples without a label issue, as cleanlab's function
    of this name: 1 - (examples :func:`dlq.multilabel.find_label_issues`
    flags) / N.

    Examples
    --------
    >>> import numpy as np, dlq
    >>> pred_probs = np.array([[0.9, 0.1], [0.8, 0.2], [0.1, 0.9], [0.2, 0.9], [0.9, 0.8], [0.1, 0.8]])
    >>> round(dlq.multilabel.overall_multilabel_health_score([[0], [0], [1], [0], [0, 1], [1]], pred_probs), 4)
    0.8333
    """
    return multilabel_health.health_score(_per_class_issues(labels, pred_probs, confident_joint=confident_joint))


def multilabel_health_summary(
    labels: Any = None,
    pred_probs: Any = None,
    *,
    class_names: Any = None,
    num_examples: int | None = None,
    confident_joint: Any = None,
    verbose: bool = True,
) -> dict[str, Any]:
    """All three summaries of a multi-label data set's label health, as
    cleanlab's function of this name, searching the data once (twice with a
    ``confident_joint``, which cleanlab's class ranking does not use).

    Parameters
    ----------
    labels, pred_probs, class_names, confident_joint
        As in :func:`common_multilabel_issues`.
    num_examples : int, optional
        Only shown in the printed header (N by default).
    verbose : bool
        Print the summaries.

    Returns
    -------
    dict
        ``overall_multilabel_health_score`` (float),
        ``classes_by_multilabel_quality`` (the DataFrame of
        :func:`rank_classes_by_multilabel_quality`) and
        ``common_multilabel_issues`` (that of :func:`common_multilabel_issues`).

    Examples
    --------
    >>> import numpy as np, dlq
    >>> pred_probs = np.array([[0.9, 0.1], [0.8, 0.2], [0.1, 0.9], [0.2, 0.9], [0.9, 0.8], [0.1, 0.8]])
    >>> summary = dlq.multilabel.multilabel_health_summary([[0], [0], [1], [0], [0, 1], [1]], pred_probs, verbose=False)
    >>> sorted(summary)
    ['classes_by_multilabel_quality', 'common_multilabel_issues', 'overall_multilabel_health_score']
    """
    found = _per_class_issues(labels, pred_probs, confident_joint=confident_joint)
    estimated = found if confident_joint is None else _per_class_issues(labels, pred_probs)
    summary = multilabel_health.health_summary(found, class_names=class_names, estimated=estimated)
    if verbose:
        shown = found.n_examples if num_examples is None else num_examples
        print(f"Label health of a multi-label data set of {shown:,} examples")
        print("\nClasses by label quality (lowest first):")
        print(summary["classes_by_multilabel_quality"].to_string())
        print("\nMost common label issues (a class wrongly given, or wrongly missing):")
        print(summary["common_multilabel_issues"].to_string())
        print(f"\nOverall label health score: {summary['overall_multilabel_health_score']:.4f}")
    return summary
