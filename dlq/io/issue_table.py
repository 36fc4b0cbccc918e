"""The issue table as Parquet, written where the table is (a worker), and
the digest of it that a report needs: nothing of it but a few rows and
counts comes back to the caller."""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any

import numpy as np

from dlq.kernels.columns import Columns, Lists

#: Rows shown in a report, worst first.
WORST_SHOWN = 20
#: Rows per Parquet file of the issue table.
ROWS_PER_PART = 1_000_000


@dataclass(frozen=True)
class IssueDigest:
    """What the outputs need of an issue table: its size, the worst rows (as
    Python lists), the highest score among the issues, the issues per given
    class (multi-class data) and, for multi-label data, every issue's index
    and given classes (a few bytes each)."""

    n_issues: int
    worst: dict[str, list]
    highest_score: float | None
    per_given_class: np.ndarray | None
    index: np.ndarray
    given_labels: Lists | None


def digest(table: Columns, num_classes: int) -> IssueDigest:
    """The :class:`IssueDigest` of ``table``.

    Examples
    --------
    >>> table = {"index": np.array([4, 1]), "given_label": np.array([1, 1]), "score": np.array([0.1, 0.3])}
    >>> found = digest(table, 2)
    >>> found.n_issues, found.highest_score, found.per_given_class.tolist(), found.worst["index"]
    (2, 0.3, [0, 2], [4, 1])
    """
    head = np.arange(min(WORST_SHOWN, table["index"].shape[0]))
    worst = {
        name: values.taken(head).to_lists() if isinstance(values, Lists) else values[head].tolist()
        for name, values in table.items()
    }
    given = table.get("given_label")
    return IssueDigest(
        n_issues=int(table["index"].shape[0]),
        worst=worst,
        highest_score=float(table["score"].max()) if table["score"].size else None,
        per_given_class=None if given is None else np.bincount(given, minlength=num_classes),
        index=table["index"],
        given_labels=table.get("given_labels"),
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


def write_parts(
    table: Columns,
    directory: str | os.PathLike,
    num_classes: int,
    rows_per_part: int | None = None,
    *,
    overwrite: bool = False,
) -> IssueDigest:
    """Write ``table`` into ``directory`` as Parquet files of ``rows_per_part``
    rows (:data:`ROWS_PER_PART` by default), ``part-00000.parquet`` first: read in name order (as
    ``pandas.read_parquet(directory)`` does), the rows come worst first. An
    empty table still writes one file, with the columns' types. The
    directory is published whole (:func:`dlq.io.outputs.atomic_directory`),
    replacing with ``overwrite`` an earlier one of dlq's, never merged with it.

    Examples
    --------
    >>> import tempfile, pandas as pd
    >>> from pathlib import Path
    >>> folder = Path(tempfile.mkdtemp()) / "issues.parquet"
    >>> table = {"index": np.array([4, 1, 7]), "given_label": np.array([1, 1, 0]), "score": np.array([.1, .3, .5])}
    >>> _ = write_parts(table, folder, 2, rows_per_part=2)
    >>> sorted(path.name for path in folder.iterdir()), pd.read_parquet(folder)["index"].tolist()
    (['.dlq-output.json', 'part-00000.parquet', 'part-00001.parquet'], [4, 1, 7])
    """
    import pyarrow.parquet as pq

    from dlq.io.outputs import atomic_directory

    rows_per_part = rows_per_part or ROWS_PER_PART
    n_rows = table["index"].shape[0]
    with atomic_directory(directory, overwrite=overwrite, name="issues_to") as staging:
        for number, start in enumerate(range(0, max(n_rows, 1), rows_per_part)):
            rows = slice(start, min(start + rows_per_part, n_rows))
            pq.write_table(_arrow_table(table, rows), staging / f"part-{number:05d}.parquet")
    return digest(table, num_classes)
