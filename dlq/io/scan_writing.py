"""The writes of a scan that publishes its outputs: scores and flags into a
zarr group, the ranked issue table as Parquet parts, and what a report
needs, all computed in the scan's own run."""

from __future__ import annotations

import dataclasses
import os
import weakref
from typing import Any

import dask
import dask.array as da
import numpy as np

from dlq._validation import check_class_names, check_ids_shape
from dlq.graphs.batched import ScanStore
from dlq.graphs.blocks import per_block, per_record, reduced, step, tree
from dlq.graphs.inprocess import lazy_graphs
from dlq.graphs.ranked_parts import ranked_parts
from dlq.io import arrays, issue_table, locations, outputs, zarr_outputs
from dlq.io.issue_table import digest, labelled, merged, with_columns
from dlq.kernels.columns import Columns


def writing_scan(
    lazy: Any,
    store: Any,
    *,
    overwrite: bool,
    extra: dict[str, Any] | None,
    report: bool,
    issues_to: str | os.PathLike | None,
    class_names: Any,
    ids: Any,
    issue_columns: Any = None,
) -> Any:
    """The scan ``lazy`` (a :class:`dlq.result.Scan`) made to write its outputs as it
    runs (see :meth:`dlq.result.Scan.to_zarr`, which computes it): the
    places refused first if they are, lie inside or hold an input, or hold
    something dlq did not write; the zarr group created at once.

    Examples
    --------
    >>> import numpy as np, tempfile, zarr, dlq
    >>> pred_probs = np.array([[0.9, 0.1], [0.9, 0.1], [0.2, 0.8], [0.1, 0.9], [0.85, 0.15]])
    >>> scan, store = dlq.scan(np.array([0, 1, 1, 1, 0]), pred_probs), tempfile.mkdtemp() + "/s.zarr"
    >>> writing = writing_scan(scan, store, overwrite=False, extra=None, report=False,
    ...                        issues_to=None, class_names=None, ids=None)
    >>> writing.compute().issues.tolist(), zarr.open_group(store, mode="r")["is_label_issue"][:].tolist()
    ([1], [False, True, False, False, False])
    """
    collections = (lazy, ids, *(extra or {}).values())
    locations.refuse_outputs_over_inputs({"store": store, "issues_to": issues_to}, *collections)
    if issues_to is not None:
        locations.refuse_apart(store, issues_to)
        outputs.refuse_unreplaceable(issues_to, overwrite=overwrite, name="issues_to")
    class_names = check_class_names(class_names, lazy.n_classes)
    if ids is not None:
        ids = arrays.array_like(ids, name="ids")
        check_ids_shape(ids.shape, lazy.n_examples)
        ids = arrays.open_array(ids, name="ids", chunk_rows=lazy.scores.chunks[0])
    with lazy_graphs():  # a written scan is built whole, even of data in one chunk
        group = zarr_outputs.output_group(store, overwrite=overwrite)
        chunk = max(lazy.scores.chunks[0])
        scan, written = lazy, {"scores": lazy.scores, "is_label_issue": lazy.mask}
        if lazy.filling_a_store is not None:
            # pass 2 writes scores and candidate flags itself, and the selection
            # reads them back: no memory is held per row between the two
            scan = lazy.filling_a_store(
                ScanStore(
                    *(
                        group.create_array(name, shape=(lazy.n_examples,), dtype=dtype, chunks=(chunk,))
                        for name, dtype in (("scores", lazy.scores.dtype), ("is_label_issue", bool))
                    )
                )
            )
            written = {}
        others, own_rows, staged = {}, {}, []
        pieces = scan.issue_pieces
        if pieces is not None and (class_names is not None or ids is not None):
            pieces = _labelled(pieces, class_names, ids)
        if pieces is not None and issue_columns is not None:
            if callable(issue_columns) and not dask.is_dask_collection(issue_columns):  # of the writing scan
                issue_columns = issue_columns(scan)
            pieces = per_record(with_columns, pieces, args=(issue_columns,))
        if issues_to is not None:
            others["issue_digest"] = _written_parts(pieces, issues_to, lazy.n_classes, staged, overwrite=overwrite)
        if report:
            others.setdefault("issue_digest", tree(per_record(digest, pieces, args=(lazy.n_classes,)), merged))
            others["score_histogram"] = da.histogram(scan.scores, bins=50, range=(0.0, 1.0))
        for name, collection in (extra or {}).items():
            if callable(collection) and not dask.is_dask_collection(collection):  # a function of the writing scan
                collection = collection(scan)
            if isinstance(collection, zarr_outputs.OwnRows):
                own_rows[name] = collection.array
            elif isinstance(collection, da.Array) and collection.shape[:1] == (lazy.n_examples,):
                written[name] = collection
            else:
                others[name] = collection
        writes = zarr_outputs.array_writes(group, written, chunk)
        for name, array in own_rows.items():
            writes += zarr_outputs.array_writes(group, {name: array}, max(array.chunks[0]))
        writing = dataclasses.replace(scan, extra={**scan.extra, **others}, written=scan.written + writes)
    _STAGED[writing] = staged
    return writing


def _ids_of_chunk(block: np.ndarray, start: int) -> tuple[int, np.ndarray]:
    return start, block


def _labelled_piece(piece: Columns, ids: tuple[int, np.ndarray] | None, class_names: Any) -> Columns:
    start, block = ids if ids is not None else (0, None)
    return labelled(piece, class_names, None if block is None else block[piece["index"] - start])


def _labelled(pieces: da.Array, class_names: Any, ids: da.Array | None) -> da.Array:
    """Each chunk's issues with their label names and ids (:func:`labelled`),
    the ids from the chunk's own rows of ``ids``."""
    if ids is None:
        return per_record(_labelled_piece, pieces, args=(None, class_names))
    id_blocks = per_block(_ids_of_chunk, ids).reshape(pieces.shape)
    return per_record(_labelled_piece, pieces, id_blocks, args=(class_names,))


#: The staged folders of each writing scan, discarded if its computation fails.
_STAGED: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def computed(writing: Any, *, n_jobs: int | None, progress: bool) -> Any:
    """Compute a writing scan (of :func:`writing_scan`); if that fails, its
    staged folders go too, so that nothing of the run is left behind."""
    try:
        return writing.compute(n_jobs=n_jobs, progress=progress)
    except BaseException:
        for staged in _STAGED.get(writing, ()):
            staged.discard()
        raise


def _written_parts(
    pieces: da.Array, directory: str | os.PathLike, num_classes: int, staged_folders: list, *, overwrite: bool
) -> Any:
    """Write the ranked issue table into ``directory`` in parts
    (:func:`dlq.graphs.ranked_parts.ranked_parts`), each by its own task,
    and publish the directory once all are written: the ``Delayed`` digest
    of the table. Its staged folder joins ``staged_folders``."""
    staged = outputs.staged_directory(directory, overwrite=overwrite, name="issues_to")
    staged_folders.append(staged)
    tables, found = ranked_parts(pieces, issue_table.ROWS_PER_PART)
    digests = [
        step(issue_table.write_part, table, found, number, os.fspath(staged.staging), num_classes)
        for number, table in enumerate(tables)
    ]
    return step(issue_table.published, staged, reduced(digests, merged))
