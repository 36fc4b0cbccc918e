"""The issue table as Parquet, written where the table is (a worker), and
the digest of it that a report needs: nothing of it but a few rows and
counts comes back to the caller."""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any

import numpy as np

from dlq.kernels import columns, ranked_parts
from dlq.kernels.columns import Columns, Lists
from dlq.kernels.lowest import lowest_positions

#: Rows shown in a report, worst first.
WORST_SHOWN = 20
#: Rows per Parquet file of the issue table, as near as the parts' score
#: ranges give (more where its chunks are so many that the parts would be
#: more than :func:`dlq.graphs.ranked_parts.most_parts`).
ROWS_PER_PART = 1_000_000


@dataclass(frozen=True)
class IssueDigest:
    """What the outputs need of an issue table: its size, the worst rows (as
    Python lists), the highest score among the issues, the issues per given
    class (multi-class data) and, for multi-label data, every issue's index
    and given classes (a few bytes each), in no particular order."""

    n_issues: int
    worst: dict[str, list]
    highest_score: float | None
    per_given_class: np.ndarray | None
    index: np.ndarray | None
    given_labels: Lists | None


def digest(table: Columns, num_classes: int) -> IssueDigest:
    """The :class:`IssueDigest` of ``table`` (a chunk's issues, or a part's, in any order).

    Examples
    --------
    >>> table = {"index": np.array([4, 1]), "given_label": np.array([1, 1]), "score": np.array([0.3, 0.1])}
    >>> found = digest(table, 2)
    >>> found.n_issues, found.highest_score, found.per_given_class.tolist(), found.worst["index"]
    (2, 0.3, [0, 2], [1, 4])
    """
    given = table.get("given_label")
    return IssueDigest(
        n_issues=int(table["index"].shape[0]),
        worst=_rows_as_lists(ranked_parts.ranked([columns.taken(table, _worst_positions(table))]), WORST_SHOWN),
        highest_score=float(table["score"].max()) if table["score"].size else None,
        per_given_class=None if given is None else np.bincount(given, minlength=num_classes),
        index=table["index"] if "given_labels" in table else None,
        given_labels=table.get("given_labels"),
    )


def _worst_positions(table: Columns) -> np.ndarray:
    """Where the :data:`WORST_SHOWN` lowest (score, index) rows are, in no order: no sort of the whole table."""
    n_rows = table["index"].shape[0]
    if n_rows <= WORST_SHOWN:
        return np.arange(n_rows)
    return lowest_positions(table["score"], table["index"], WORST_SHOWN)


def _rows_as_lists(table: Columns, count: int) -> dict[str, list]:
    head = np.arange(min(count, table["index"].shape[0]))
    return {
        name: values.taken(head).to_lists() if isinstance(values, Lists) else values[head].tolist()
        for name, values in table.items()
    }


def merged(parts: list[IssueDigest]) -> IssueDigest:
    """The :class:`IssueDigest` of several tables' rows together.

    Examples
    --------
    >>> one = digest({"index": np.array([4]), "given_label": np.array([1]), "score": np.array([0.3])}, 2)
    >>> two = digest({"index": np.array([1]), "given_label": np.array([0]), "score": np.array([0.3])}, 2)
    >>> found = merged([one, two])
    >>> found.n_issues, found.worst["index"], found.per_given_class.tolist()
    (2, [1, 4], [1, 1])
    """
    worst = {name: [row for part in parts for row in part.worst[name]] for name in parts[0].worst}
    order = np.lexsort((np.array(worst["index"], dtype=np.int64), np.array(worst["score"], dtype=np.float64)))
    highest = [part.highest_score for part in parts if part.highest_score is not None]
    given = parts[0].per_given_class
    return IssueDigest(
        n_issues=sum(part.n_issues for part in parts),
        worst={name: [values[at] for at in order[:WORST_SHOWN]] for name, values in worst.items()},
        highest_score=max(highest) if highest else None,
        per_given_class=None if given is None else np.sum([part.per_given_class for part in parts], axis=0),
        index=None if parts[0].index is None else np.concatenate([part.index for part in parts]),
        given_labels=None
        if parts[0].given_labels is None
        else Lists.concatenated([part.given_labels for part in parts]),
    )


def labelled(table: Columns, class_names: Any, ids: np.ndarray | None) -> Columns:
    """``table`` with each issue's ``id`` (after ``index``) and the names of
    its given and predicted labels: ``given_label_name`` and
    ``predicted_label_name``, or for multi-label data lists of them,
    ``given_label_names`` and ``predicted_label_names`` (a label and its
    name share a stem).

    Examples
    --------
    >>> table = {"index": np.array([4, 1]), "given_label": np.array([1, 0]), "predicted_label": np.array([0, 1]),
    ...          "score": np.array([0.1, 0.3])}
    >>> found = labelled(table, ["cat", "dog"], np.array(["img4.png", "img1.png"]))
    >>> list(found)
    ['index', 'id', 'given_label', 'predicted_label', 'given_label_name', 'predicted_label_name', 'score']
    >>> found["predicted_label_name"].tolist()
    ['cat', 'dog']
    """
    named = {}
    for name, values in table.items():
        if name == "score" and class_names is not None:
            names = np.asarray(class_names, dtype=object)
            if "given_label" in table:
                named["given_label_name"] = names[table["given_label"]]
                named["predicted_label_name"] = names[table["predicted_label"]]
            else:  # multi-label: lists of classes
                for classes in ("given_labels", "predicted_labels"):
                    named[f"{classes[:-1]}_names"] = Lists(table[classes].offsets, names[table[classes].values])
        named[name] = values
        if name == "index" and ids is not None:
            named["id"] = ids
    return named


def with_columns(table: Columns, found: tuple[np.ndarray, dict[str, np.ndarray]]) -> Columns:
    """``table`` with more columns after ``index`` (and ``id``): ``found`` is
    rows (sorted, holding every issue's index) and the columns' values at them.

    Examples
    --------
    >>> table = {"index": np.array([4, 1]), "score": np.array([0.1, 0.3])}
    >>> found = with_columns(table, (np.array([1, 4, 7]), {"sentence": np.array([0, 2, 3])}))
    >>> list(found), found["sentence"].tolist()
    (['index', 'sentence', 'score'], [2, 0])
    """
    rows, columns = found
    at = np.searchsorted(rows, table["index"])
    added = {name: np.asarray(values)[at] for name, values in columns.items()}
    after = "id" if "id" in table else "index"
    joined: Columns = {}
    for name, values in table.items():
        joined[name] = values
        if name == after:
            joined.update(added)
    return joined


def _arrow_table(table: Columns, rows: slice) -> Any:
    import pyarrow as pa

    arrays = {}
    for name, values in table.items():
        if isinstance(values, Lists):
            part = values.taken(np.arange(rows.start, rows.stop))
            text = part.values.dtype.kind not in "iu"  # class names
            values = pa.array(part.values.tolist(), pa.string()) if text else pa.array(part.values, pa.int64())
            arrays[name] = pa.ListArray.from_arrays(pa.array(part.offsets, pa.int32()), values)
        elif values.dtype.kind in "iub":
            arrays[name] = pa.array(values[rows], pa.int64())
        elif values.dtype.kind == "f":
            arrays[name] = pa.array(values[rows], pa.float64())
        else:  # names and ids given as text
            arrays[name] = pa.array(values[rows].tolist(), pa.string())
    return pa.table(arrays)


def write_part(
    table: Columns, found: ranked_parts.Bounds, number: int, directory: str, num_classes: int
) -> IssueDigest:
    """Write part ``number`` of the ranked issue table (``table``, ranked) into
    ``directory`` as ``part-NNNNN.parquet``, where it holds rows (or, for a
    table with none, the first part, with the columns' types), and return its
    :class:`IssueDigest`. Read in name order (as ``pandas.read_parquet(directory)``
    does), the parts give the rows worst first.

    Examples
    --------
    >>> import tempfile, pandas as pd
    >>> folder = tempfile.mkdtemp()
    >>> table = {"index": np.array([4, 1]), "given_label": np.array([1, 1]), "score": np.array([.1, .3])}
    >>> write_part(table, ranked_parts.Bounds(np.array([], np.uint64), 2), 3, folder, 2).n_issues
    2
    >>> pd.read_parquet(folder + "/part-00003.parquet")["index"].tolist()
    [4, 1]
    """
    import pyarrow.parquet as pq

    n_rows = table["index"].shape[0]
    if n_rows or (number == 0 and not found.total):
        pq.write_table(_arrow_table(table, slice(0, n_rows)), os.path.join(directory, f"part-{number:05d}.parquet"))
    return digest(table, num_classes)


def published(staged: Any, found: IssueDigest) -> IssueDigest:
    """Publish the staged folder of the parts (a :class:`dlq.io.outputs.Staged`)
    once all are written (``found``, their digest, says they are), and return ``found``."""
    staged.publish()
    return found
