"""Parquet inputs of the ``dlq`` command as dask arrays, read by pyarrow a row group at a time."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from functools import partial
from typing import Any

import dask.array as da
import numpy as np
from dask import delayed
from dask.utils import natural_sort_key

from dlq.io.class_lists import class_lists_to_rows
from dlq.io.input_values import null_row

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
    """A Parquet file or dataset folder as a dask array of a block per row
    group, opened from the files' footers alone: several number columns, one
    column of numbers, or one column of lists (probabilities, or with
    ``class_lists`` multi-label class indices expanded to binary rows of
    ``num_classes``).

    With ``probabilities`` the columns are those ``columns`` names (a comma
    list, or a prefix ending in ``*``), else all of them if each is a float
    column whose name is not one of labels or ids, else it is refused. The
    files of a folder are read in natural order of their names (``part.2``
    before ``part.10``), as dask.dataframe reads them; files and row groups
    without rows (as Spark writes them) are skipped, and pandas' index
    columns ignored. A null is refused by its row when its block is read.

    Examples
    --------
    >>> import pandas as pd, tempfile, os
    >>> path = os.path.join(tempfile.mkdtemp(), "p.parquet")
    >>> pd.DataFrame({"id": [7, 8], "p_0": [0.2, 0.6], "p_1": [0.8, 0.4]}).to_parquet(path)
    >>> read_parquet(path, name="pred_probs", probabilities=True, columns="p_*").compute().tolist()
    [[0.2, 0.8], [0.6, 0.4]]
    """
    import pyarrow as pa

    filesystem, files, schema, row_groups = _dataset(path, name)
    fields = {field.name: field.type for field in schema}
    for index in (schema.pandas_metadata or {}).get("index_columns", []):
        fields.pop(index, None) if isinstance(index, str) else None
    used = probability_columns(fields, path, columns) if probabilities else list(fields)
    pieces = [(file, group, rows) for file, groups in zip(files, row_groups, strict=True) for group, rows in groups]
    lengths = [rows for _, _, rows in pieces if rows]
    if not lengths:
        raise ValueError(f"{name} has no rows: {path} holds none; give a Parquet file or dataset with data")
    types = [fields[column] for column in used]
    convert, width, dtype = _values, (len(used),), np.result_type(*(_numpy_dtype(kind) for kind in types))
    refuse_nulls = dtype.kind != "O"  # class names and class lists refuse theirs with their other values
    if len(used) == 1:
        convert, width = _column_values, ()
        if pa.types.is_list(types[0]) or pa.types.is_large_list(types[0]) or pa.types.is_fixed_size_list(types[0]):
            if class_lists:
                if num_classes is None:
                    raise ValueError(f"{name}: the number of classes is needed to read class lists")
                convert, width, dtype = partial(_class_lists_block, num_classes=num_classes), (num_classes,), bool
                refuse_nulls = False
            else:
                count = _first_list_length(filesystem, pieces, used[0])
                convert, width = partial(_stacked_rows, width=count, name=name), (count,)
                dtype, refuse_nulls = _numpy_dtype(types[0].value_type), True
    starts = np.cumsum([0, *lengths[:-1]]).tolist()
    read = partial(
        _read_block,
        filesystem=filesystem,
        columns=used,
        name=name,
        convert=convert,
        dtype=dtype,
        refuse_nulls=refuse_nulls,
    )
    blocks = [
        da.from_delayed(delayed(read)(file, group, first_row=start), shape=(rows, *width), dtype=dtype)
        for (file, group, rows), start in zip([piece for piece in pieces if piece[2]], starts, strict=True)
    ]
    return da.concatenate(blocks)


def _dataset(path: str, name: str) -> tuple[Any, list[str], Any, list[list[tuple[int, int]]]]:
    """The file system, files (in natural order), schema and each file's
    row groups (index, rows) of the Parquet at ``path``: footers only, read
    by a few threads at once (a folder in object storage may hold thousands)."""
    import fsspec
    import pyarrow.dataset as ds
    import pyarrow.parquet as pq

    def footer(file: str) -> Any:
        with filesystem.open(file, "rb") as handle:
            return pq.ParquetFile(handle).metadata

    try:
        filesystem, root = fsspec.core.url_to_fs(path)
        found = ds.dataset(root, filesystem=filesystem, format="parquet")
        files = sorted(found.files, key=natural_sort_key)
        with ThreadPoolExecutor(8) as pool:
            footers = list(pool.map(footer, files))
    except FileNotFoundError:
        raise FileNotFoundError(f"{name}: no such file or folder: {path!r}") from None
    except Exception as error:  # pyarrow's words: a file that is not Parquet, or cut short
        cause = str(error).splitlines()[-1].strip()
        raise ValueError(f"{name}: {path} cannot be read as Parquet ({cause}); give a Parquet file or folder") from None
    row_groups = [[(group, meta.row_group(group).num_rows) for group in range(meta.num_row_groups)] for meta in footers]
    return filesystem, files, found.schema, row_groups


def _read_block(
    file: str,
    group: int,
    *,
    filesystem: Any,
    columns: list[str],
    name: str,
    convert: Any,
    dtype: Any,
    first_row: int,
    refuse_nulls: bool,
) -> np.ndarray:
    """Row group ``group`` of ``file`` as an array, refused at its first null
    where a null cannot be held (numbers, lists of probabilities); nulls among
    objects are refused with the other values that are not labels."""
    import pyarrow.parquet as pq

    with filesystem.open(file, "rb") as handle:
        table = pq.ParquetFile(handle).read_row_group(group, columns=columns)
    if refuse_nulls:
        import pyarrow.compute as pc

        nulls = [pc.is_null(column).to_numpy(zero_copy_only=False) for column in table.columns if column.null_count]
        if nulls:
            raise ValueError(null_row(name, first_row + min(int(np.argmax(missing)) for missing in nulls)))
    return convert(table, dtype=dtype, first_row=first_row)


def _first_list_length(filesystem: Any, pieces: list[tuple[str, int, int]], column: str) -> int:
    """The length of the first list that is not null in ``column`` (0 if every one is)."""
    import pyarrow.compute as pc
    import pyarrow.parquet as pq

    for file, group, rows in pieces:
        if rows:
            with filesystem.open(file, "rb") as handle:
                lengths = pc.list_value_length(pq.ParquetFile(handle).read_row_group(group, columns=[column]).column(0))
            lengths = lengths.drop_null()
            if len(lengths):
                return int(lengths[0].as_py())
    return 0


def _values(table: Any, *, dtype: Any, first_row: int) -> np.ndarray:
    return np.column_stack([_numpy_column(column, dtype) for column in table.columns])


def _column_values(table: Any, *, dtype: Any, first_row: int) -> np.ndarray:
    return _numpy_column(table.column(0), dtype)


def _numpy_column(column: Any, dtype: Any) -> np.ndarray:
    import pyarrow as pa

    if pa.types.is_dictionary(column.type):
        column = column.cast(column.type.value_type)
    return np.asarray(column.to_numpy(), dtype=dtype)


def probability_columns(fields: dict[str, Any], path: str, given: str | None) -> list[str]:
    """The columns of ``fields`` (names and arrow types, of ``path``) that
    hold pred_probs: those ``given`` names (a comma list, or a prefix ending
    in ``*``), else all of them if they can only be probabilities; else
    refused, listing the columns."""
    names = list(fields)
    described = ", ".join(f"{column} ({_described(fields[column])})" for column in names[:20])
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
        odd = [column for column in wanted if not _is_probabilities(fields[column], len(wanted))]
        if odd:
            raise ValueError(
                f"pred_probs: {path}'s columns {odd} named by --pred-probs-columns are not float columns "
                f"(its columns are {described}); {COLUMNS_HELP}"
            )
        return wanted
    if len(names) == 1 or all(
        _is_probabilities(fields[column], len(names)) and not _names_other_values(column) for column in names
    ):
        return names
    raise ValueError(
        f"pred_probs: {path} holds columns that are not probabilities among its columns {described}; {COLUMNS_HELP} "
        "(in Python, pass those columns alone: dask.dataframe.read_parquet(path, columns=[...]))"
    )


def _described(kind: Any) -> str:
    """An arrow type in numpy's words where it has one (``int64``, ``float64``)."""
    dtype = _numpy_dtype(kind)
    return str(kind) if dtype.kind == "O" else dtype.name


def _is_probabilities(kind: Any, count: int) -> bool:
    """Whether a column of arrow type ``kind``, one of ``count``, may hold
    pred_probs: floats, or lists of them when it is the only one."""
    import pyarrow as pa

    if count == 1 and (pa.types.is_list(kind) or pa.types.is_large_list(kind) or pa.types.is_fixed_size_list(kind)):
        return True
    return pa.types.is_floating(kind)


def _names_other_values(column: str) -> bool:
    lowered = column.lower()
    return lowered in NOT_PROBABILITIES or lowered.endswith(("_id", "label", "labels"))


def _numpy_dtype(kind: Any) -> np.dtype:
    """The numpy dtype of the values of an arrow type: objects for strings, lists and others."""
    import pyarrow as pa

    if pa.types.is_dictionary(kind):
        kind = kind.value_type
    try:
        dtype = np.dtype(kind.to_pandas_dtype())
    except (NotImplementedError, TypeError):
        return np.dtype(object)
    return dtype if dtype.kind in "biuf" else np.dtype(object)


def _stacked_rows(table: Any, *, width: int, name: str, dtype: Any, first_row: int) -> np.ndarray:
    """A block of list rows of probabilities as an array, refused at a row
    of another length than ``width``."""
    import pyarrow.compute as pc

    column = table.column(0).combine_chunks()
    lengths = pc.list_value_length(column).to_numpy(zero_copy_only=False)
    if (lengths != width).any():
        row = int(np.argmax(lengths != width))
        raise ValueError(
            f"{name}[{first_row + row}] holds {lengths[row]} value(s) where the first row holds {width}: every "
            "row of a list column must hold one probability per class; fix or drop that row from every input"
        )
    return np.asarray(column.flatten().to_numpy(zero_copy_only=False), dtype=dtype).reshape(-1, width)


def _class_lists_block(table: Any, *, num_classes: int, dtype: Any, first_row: int) -> np.ndarray:
    return class_lists_to_rows(list(table.column(0).to_pandas()), num_classes, first_row=first_row)[:, :]
