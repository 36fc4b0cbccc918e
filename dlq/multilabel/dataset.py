"""cleanlab-compatible data set health for multi-label data
(``cleanlab.multilabel_classification.dataset``).

Every summary here counts the per-class issues of
:func:`dlq.multilabel.find_multilabel_issues_per_class` (cleanlab's default
filter, ``prune_by_noise_rate``) and returns cleanlab's tables: pandas
DataFrames with its column names, in its order.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from dlq.graphs.class_issues import rows_in_any
from dlq.multilabel.filter import PerClassIssues, per_class_issues

__all__ = [
    "common_multilabel_issues",
    "multilabel_health_summary",
    "overall_multilabel_health_score",
    "rank_classes_by_multilabel_quality",
]

if TYPE_CHECKING:  # pandas is imported when a table is made: importing it costs some 60 MB
    import pandas as pd


def _common_issues(found: PerClassIssues, class_names: Any) -> pd.DataFrame:
    import pandas as pd

    columns: dict[str, list] = {"Class Name": [], "Class Index": [], "In Given Label": [], "In Suggested Label": []}
    columns.update({"Num Examples": [], "Issue Probability": []})
    for k, labelled in enumerate(found.labelled):
        given = int(np.count_nonzero(labelled))
        for in_given, count in ((True, given), (False, labelled.shape[0] - given)):
            if class_names is not None:
                columns["Class Name"].append(class_names[k])
            columns["Class Index"].append(k)
            columns["In Given Label"].append(in_given)
            columns["In Suggested Label"].append(not in_given)
            columns["Num Examples"].append(count)
            columns["Issue Probability"].append(count / found.n_examples)
    if class_names is None:
        del columns["Class Name"]
    table = pd.DataFrame(columns)
    return table.sort_values(by=["Issue Probability"], ascending=False).reset_index(drop=True)


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
    return _common_issues(per_class_issues(labels, pred_probs, confident_joint=confident_joint), class_names)


def _classes_by_quality(common: pd.DataFrame, n_examples: int, class_names: Any) -> pd.DataFrame:
    import pandas as pd

    classes: dict[int, dict[str, Any]] = {}  # in the order classes first appear in ``common``
    for _, row in common.iterrows():
        found = classes.setdefault(row["Class Index"], {})
        if class_names is not None:
            found["Class Name"] = row["Class Name"]
        prefix = "" if row["In Given Label"] else "Inverse "
        found[f"{prefix}Label Issues"] = int(row["Issue Probability"] * n_examples)
        found[f"{prefix}Label Noise"] = row["Issue Probability"]
        if row["In Given Label"]:
            found["Label Quality Score"] = 1 - row["Issue Probability"]
    names = ["Class Name"] if class_names is not None else []
    names += ["Class Index", "Label Issues", "Inverse Label Issues", "Label Noise", "Inverse Label Noise"]
    names += ["Label Quality Score"]
    table = pd.DataFrame(
        {name: [index if name == "Class Index" else found[name] for index, found in classes.items()] for name in names}
    )
    return table.sort_values(by="Label Quality Score", ascending=True).reset_index(drop=True)


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
    found = per_class_issues(labels, pred_probs, confident_joint=joint)
    return _classes_by_quality(_common_issues(found, class_names), found.n_examples, class_names)


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
    return _health_score(per_class_issues(labels, pred_probs, confident_joint=confident_joint))


def _health_score(found: PerClassIssues) -> float:
    return 1.0 - rows_in_any(found.issues) / found.n_examples


def health_summary(
    found: PerClassIssues, *, class_names: Any = None, estimated: PerClassIssues | None = None
) -> dict[str, Any]:
    """The three summaries of :func:`multilabel_health_summary` from per-class
    issues already found; the class ranking counts ``estimated`` if given
    (the issues under the estimated joints).

    Examples
    --------
    >>> import numpy as np
    >>> from dlq.multilabel.filter import per_class_issues
    >>> pred_probs = np.array([[0.9, 0.1], [0.8, 0.2], [0.1, 0.9], [0.2, 0.9], [0.9, 0.8], [0.1, 0.8]])
    >>> found = per_class_issues([[0], [0], [1], [0], [0, 1], [1]], pred_probs)
    >>> round(health_summary(found)["overall_multilabel_health_score"], 4)
    0.8333
    """
    common = _common_issues(found, class_names)
    ranked_from = common if estimated is None or estimated is found else _common_issues(estimated, class_names)
    return {
        "overall_multilabel_health_score": _health_score(found),
        "classes_by_multilabel_quality": _classes_by_quality(ranked_from, found.n_examples, class_names),
        "common_multilabel_issues": common,
    }


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
    found = per_class_issues(labels, pred_probs, confident_joint=confident_joint)
    estimated = found if confident_joint is None else per_class_issues(labels, pred_probs)
    summary = health_summary(found, class_names=class_names, estimated=estimated)
    if verbose:
        shown = found.n_examples if num_examples is None else num_examples
        print(f"Label health of a multi-label data set of {shown:,} examples")
        print("\nClasses by label quality (lowest first):")
        print(summary["classes_by_multilabel_quality"].to_string())
        print("\nMost common label issues (a class wrongly given, or wrongly missing):")
        print(summary["common_multilabel_issues"].to_string())
        print(f"\nOverall label health score: {summary['overall_multilabel_health_score']:.4f}")
    return summary
