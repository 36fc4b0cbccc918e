"""Parquet inputs of the ``dlq`` command as dask arrays, read by dask.dataframe."""

from __future__ import annotations

from functools import partial
from typing import Any

import dask
import dask.array as da
import numpy as np
from dask import delayed

from dlq.class_lists import class_lists_to_rows
from dlq.input_values import null_row

#: Column names that are not probabilities, lower-cased (and names ending in
#: ``_id``, ``label`` or ``labels``).
NOT_PROBABILITIES = {"class", "id", "ids", "index", "target", "y", "y_true"}
COLUMNS_HELP = (
    "name the probability columns, one per class in class order, with --pred-probs-columns: a comma list "
    "(p0,p1,p2) or a prefix ending in '*' (p_*)"
)


def read_parquet(
    path: str,
    *,
    name: str,
    num_classes: int | None = None,
    class_lists: bool = False,
    probabilities: bool = False,
    columns: str | None = None,
) -> da.Array:
    """A Parquet file or dataset directory as a dask array, a column at a
    time and never whole: several number columns, one column of numbers, or
    one column of lists (probabilities, or with ``class_lists`` multi-label
    class indices expanded to binary rows of ``num_classes``).

    With ``probabilities`` the columns are those ``columns`` names (a comma
    list, or a prefix ending in ``*``), else all of them if each is a float
    column whose name is not one of labels or ids, else it is refused. Empty
    part files (as Spark writes them) are skipped; a nullable column (pandas'
    ``Int64``) is refused at its first null, found as the rows are counted
    (one read of the columns used).

    Examples
    --------
    >>> import pandas as pd, tempfile, os
    >>> path = os.path.join(tempfile.mkdtemp(), "p.parquet")
    >>> pd.DataFrame({"id": [7, 8], "p_0": [0.2, 0.6], "p_1": [0.8, 0.4]}).to_parquet(path)
    >>> read_parquet(path, name="pred_probs", probabilities=True, columns="p_*").compute().tolist()
    [[0.2, 0.8], [0.6, 0.4]]
    """
    import dask.dataframe as dd

    try:
        frame = dd.read_parquet(path)
    except Exception as error:  # dask wraps pyarrow's words in two lines of its own
        cause = str(error).splitlines()[-1].removeprefix("Original Message: ").strip()
        raise ValueError(f"{name}: {path} cannot be read as Parquet ({cause}); give a Parquet file or folder") from None
    if probabilities:
        frame = frame[probability_columns(frame, path, columns)]
    # the parts dask reads, once: it may fuse a dataset's parts when only some
    # columns are read, so lengths are counted from these very parts
    parts = frame.to_delayed()
    nullable = [column for column, dtype in frame.dtypes.items() if _nullable(dtype)]
    facts = dask.compute(*(delayed(_part_facts)(part, nullable) for part in parts))
    lengths = [n for n, _ in facts]
    starts = np.cumsum([0, *lengths[:-1]]).tolist()
    nulls = [start + null for start, (_, null) in zip(starts, facts, strict=True) if null >= 0]
    if nulls:
        raise ValueError(null_row(name, nulls[0]))
    if not sum(lengths):
        raise ValueError(f"{name} has no rows: {path} holds none; give a Parquet file or dataset with data")
    dtypes = [_numpy_dtype(dtype) for dtype in frame.dtypes]
    convert, width, dtype = _values, (len(dtypes),), np.result_type(*dtypes)
    if len(dtypes) == 1:
        first = _first_value(frame) if dtype.kind == "O" else None
        convert, width = _column_values, ()
        if first is not None and not isinstance(first, str) and hasattr(first, "__len__"):  # a column of lists
            if class_lists:
                if num_classes is None:
                    raise ValueError(f"{name}: the number of classes is needed to read class lists")
                convert, width, dtype = partial(_class_lists_block, num_classes=num_classes), (num_classes,), bool
            else:
                convert, width = partial(_stacked_rows, width=len(first), name=name), (len(first),)
                dtype = np.asarray(first).dtype
    blocks = [
        da.from_delayed(delayed(convert)(part, dtype=dtype, first_row=start), shape=(n, *width), dtype=dtype)
        for part, n, start in zip(parts, lengths, starts, strict=True)
        if n  # Spark writes empty part files
    ]
    return da.concatenate(blocks)


def _part_facts(part: Any, nullable: list[str]) -> tuple[int, int]:
    """A part's rows, and its first row with a null in a ``nullable`` column (-1 if none)."""
    missing = part[nullable].isna().any(axis=1).to_numpy() if nullable else np.zeros(0, bool)
    return len(part), int(np.argmax(missing)) if missing.any() else -1


def _first_value(frame: Any) -> Any:
    """The first value that is not null of ``frame``'s one column (None if none)."""
    sample = frame[frame.columns[0]].dropna().head(1, npartitions=-1)
    return sample.iloc[0] if len(sample) else None


def _values(part: Any, *, dtype: Any, first_row: int) -> np.ndarray:
    return part.to_numpy(dtype=dtype)


def _column_values(part: Any, *, dtype: Any, first_row: int) -> np.ndarray:
    return part.iloc[:, 0].to_numpy(dtype=dtype)


def probability_columns(frame: Any, path: str, given: str | None) -> list[str]:
    """The columns of ``frame`` (read from ``path``) that hold pred_probs:
    those ``given`` names (a comma list, or a prefix ending in ``*``), else
    all of them if they can only be probabilities; else refused, listing the
    columns."""
    names = [str(column) for column in frame.columns]
    described = ", ".join(f"{column} ({frame.dtypes[column]})" for column in names[:20])
    described += f" and {len(names) - 20} more" * (len(names) > 20)
    if given is not None:
        prefix = given.strip()[:-1] if given.strip().endswith("*") else None
        wanted = (
            [column for column in names if column.startswith(prefix)]
            if prefix is not None
            else [column.strip() for column in given.split(",") if column.strip()]
        )
        unknown = [column for column in wanted if column not in names]
        if unknown or not wanted:
            raise ValueError(
                f"pred_probs: --pred-probs-columns {given!r} names {'no column' if not wanted else unknown} of "
                f"{path}, whose columns are {described}; {COLUMNS_HELP}"
            )
        odd = [column for column in wanted if not _is_probabilities(frame.dtypes[column], len(wanted))]
        if odd:
            raise ValueError(
                f"pred_probs: {path}'s columns {odd} named by --pred-probs-columns are not float columns "
                f"(its columns are {described}); {COLUMNS_HELP}"
            )
        return wanted
    if len(names) == 1 or all(
        _is_probabilities(frame.dtypes[column], len(names)) and not _names_other_values(column) for column in names
    ):
        return names
    raise ValueError(
        f"pred_probs: {path} holds columns that are not probabilities among its columns {described}; {COLUMNS_HELP}"
    )


def _is_probabilities(dtype: Any, count: int) -> bool:
    """Whether a column of ``dtype``, one of ``count``, may hold pred_probs:
    floats, or lists of them when it is the only one."""
    return getattr(dtype, "kind", "") == "f" or (count == 1 and getattr(dtype, "kind", "") == "O")


def _names_other_values(column: str) -> bool:
    lowered = column.lower()
    return lowered in NOT_PROBABILITIES or lowered.endswith(("_id", "label", "labels"))


def _numpy_dtype(dtype: Any) -> np.dtype:
    """The numpy dtype of a column's values: a nullable number's (its nulls
    refused), objects for pandas' strings and other extension dtypes."""
    if _nullable(dtype):
        return np.dtype(dtype.numpy_dtype)
    return dtype if isinstance(dtype, np.dtype) else np.dtype(object)


def _nullable(dtype: Any) -> bool:
    """Whether ``dtype`` is one of pandas' nullable numbers (``Int64``, ``Float64``, ``boolean``)."""
    return type(dtype).__module__.startswith("pandas") and getattr(dtype, "numpy_dtype", None) is not None


def _stacked_rows(part: Any, *, width: int, name: str, dtype: Any, first_row: int) -> np.ndarray:
    """A block of list rows of probabilities as an array, refused at a
    missing row or one of another length than ``width``."""
    series = part.iloc[:, 0]
    lengths = np.fromiter((-1 if row is None else len(row) for row in series), np.int64, len(series))
    if (lengths != width).any():
        row = int(np.argmax(lengths != width))
        if lengths[row] < 0:
            raise ValueError(null_row(name, first_row + row))
        raise ValueError(
            f"{name}[{first_row + row}] holds {lengths[row]} value(s) where the first row holds {width}: every "
            "row of a list column must hold one probability per class; fix or drop that row from every input"
        )
    return np.stack([np.asarray(row, dtype=dtype) for row in series])


def _class_lists_block(part: Any, *, num_classes: int, dtype: Any, first_row: int) -> np.ndarray:
    return class_lists_to_rows(list(part.iloc[:, 0]), num_classes, first_row=first_row)[:, :]
