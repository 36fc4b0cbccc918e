"""A multi-label data set's health (the tables of cleanlab's
``multilabel_classification.dataset``) from each class's issues.

Each class's issues are found by a lazy per-class search and computed here
with whether each issue's example is given the class; the tables are made
from them in process, with cleanlab's columns and its row order (pandas'
``sort_values``, ties as cleanlab leaves them).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, NamedTuple

import numpy as np

from dlq.graphs import class_issues
from dlq.graphs.passes import Issues
from dlq.graphs.rows import take_rows
from dlq.graphs.scheduler import compute

if TYPE_CHECKING:  # pandas is imported when a table is made: importing it costs some 60 MB
    import dask.array as da
    import pandas as pd


class PerClassIssues(NamedTuple):
    """Each class's issues under one filter."""

    n_examples: int
    thresholds: np.ndarray  # (2, K): cleanlab's in-memory thresholds of the binary problems
    issues: list[np.ndarray]  # sorted indices, one array per class
    labelled: list[np.ndarray]  # whether each issue's example is given the class


def found_per_class(labels: da.Array, search: Issues, *, progress: bool = False) -> PerClassIssues:
    """A per-class search computed, with whether each issue's example is
    given its class: only the labels of the examples with an issue are gathered.

    Examples
    --------
    >>> import dask.array as da
    >>> from dlq.graphs.problems import ONE_VS_REST
    >>> from dlq.graphs.search import search
    >>> labels = da.from_array(np.array([[1, 0], [1, 0], [0, 1], [1, 0], [1, 1], [0, 1]]), chunks=3)
    >>> pred_probs = da.from_array(np.array([[.9, .1], [.8, .2], [.1, .9], [.2, .9], [.9, .8], [.1, .8]]), chunks=3)
    >>> found = found_per_class(labels, search(ONE_VS_REST, labels, pred_probs, filter_by="prune_by_noise_rate",
    ...     given_joint=None, removals=None, min_examples_per_class=1, frac_noise=1.0, absent_class_threshold=2.0))
    >>> [issues.tolist() for issues in found.issues], [given.tolist() for given in found.labelled]
    ([[], [3]], [[], [False]])
    """
    thresholds, issues = compute(search.thresholds, search.per_problem, progress=progress)
    union = class_issues.union(issues)
    (union_labels,) = compute(take_rows(labels, union))
    return PerClassIssues(labels.shape[0], thresholds, issues, class_issues.labelled(issues, union, union_labels))


def common_issues(found: PerClassIssues, class_names: Any = None) -> pd.DataFrame:
    """cleanlab's table of common multi-label issues: per class, the issues
    of examples given it and of those not given it, their count and share
    of all examples, the most common first.

    Examples
    --------
    >>> found = PerClassIssues(4, np.full((2, 2), 0.5), [np.array([1]), np.array([0, 2])],
    ...                        [np.array([True]), np.array([False, True])])
    >>> common_issues(found)[["Class Index", "In Given Label", "Num Examples"]].values.tolist()[:2]
    [[0, True, 1], [1, True, 1]]
    """
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


def classes_by_quality(common: pd.DataFrame, n_examples: int, class_names: Any = None) -> pd.DataFrame:
    """cleanlab's table of classes by multi-label quality, from the table of
    :func:`common_issues`: per class, its issues both ways, their shares and
    one less the share of examples wrongly given it, lowest first.

    Examples
    --------
    >>> found = PerClassIssues(4, np.full((2, 2), 0.5), [np.array([1]), np.array([0, 2])],
    ...                        [np.array([True]), np.array([False, True])])
    >>> classes_by_quality(common_issues(found), 4)["Label Quality Score"].tolist()
    [0.75, 0.75]
    """
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


def health_score(found: PerClassIssues) -> float:
    """The share of examples with no issue in any class.

    Examples
    --------
    >>> health_score(PerClassIssues(4, np.full((2, 2), 0.5), [np.array([1]), np.array([1, 2])], []))
    0.5
    """
    return 1.0 - class_issues.rows_in_any(found.issues) / found.n_examples


def health_summary(
    found: PerClassIssues, *, class_names: Any = None, estimated: PerClassIssues | None = None
) -> dict[str, Any]:
    """The three summaries of cleanlab's ``multilabel_health_summary`` from
    per-class issues already found; the class ranking counts ``estimated`` if
    given (the issues under the estimated joints).

    Examples
    --------
    >>> found = PerClassIssues(4, np.full((2, 2), 0.5), [np.array([1]), np.array([0, 2])],
    ...                        [np.array([True]), np.array([False, True])])
    >>> summary = health_summary(found)
    >>> summary["overall_multilabel_health_score"], summary["classes_by_multilabel_quality"].shape
    (0.25, (2, 6))
    """
    common = common_issues(found, class_names)
    ranked_from = common if estimated is None or estimated is found else common_issues(estimated, class_names)
    return {
        "overall_multilabel_health_score": health_score(found),
        "classes_by_multilabel_quality": classes_by_quality(ranked_from, found.n_examples, class_names),
        "common_multilabel_issues": common,
    }
