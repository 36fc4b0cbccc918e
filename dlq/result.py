"""The lazy scan, a dask collection, and its computed result."""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial
from operator import attrgetter
from typing import Any

import dask
import dask.array as da
import numpy as np
from dask.array.core import concatenate3
from dask.delayed import Delayed

from dlq import _validation
from dlq.graphs import allocator
from dlq.graphs.batched import Batched, ScanStore
from dlq.graphs.blocks import concatenated, step, tree
from dlq.graphs.inprocess import is_lazy, lazy_graphs
from dlq.graphs.problems import Problems
from dlq.graphs.ranked_parts import ranked_table
from dlq.graphs.rows import issue_mask, issue_pieces, ranked_at, scored_per_chunk
from dlq.graphs.scheduler import compute
from dlq.io import scan_writing
from dlq.io.html_summary import html_table, result_view


@dataclass(frozen=True)
class ScanResult:
    """What a scan found, in memory.

    Attributes
    ----------
    issues : ndarray of int64
        Indices of the likely label errors, worst (lowest score) first; ties
        go to the lower index.
    num_issues : int
        The estimated number of label issues, before dropping examples whose
        prediction agrees with their label (so ``len(issues) <= num_issues``).
    thresholds : ndarray of float64, shape (K,)
        Per-class confident thresholds.
    n_examples, n_classes : int
        Shape of pred_probs.
    options : dict
        The scoring and estimation options used.
    extra : dict
        Values of the extra collections computed with the scan (see
        :meth:`Scan.to_zarr`).
    unnormalized_rows : RowsOffOne or None
        Multi-class: how many rows of pred_probs do not sum to 1, and the
        first of them.
    """

    issues: np.ndarray
    num_issues: int
    thresholds: np.ndarray
    n_examples: int
    n_classes: int
    options: dict = field(default_factory=dict)
    extra: dict = field(default_factory=dict)
    unnormalized_rows: Any = None

    def mask(self) -> np.ndarray:
        """Boolean array of length N, True at the issues.

        Examples
        --------
        >>> result = ScanResult(np.array([3, 1]), 2, np.array([0.5, 0.5]), 5, 2)
        >>> result.mask().tolist()
        [False, True, False, True, False]
        """
        mask = np.zeros(self.n_examples, dtype=bool)
        mask[self.issues] = True
        return mask

    def _repr_html_(self) -> str:
        return result_view(self)


def _result_parts(
    issues: np.ndarray,
    num_issues: Any,
    thresholds: np.ndarray,
    unnormalized: Any,
    extra: dict[str, Any],
    n_examples: int,
    n_classes: int,
    options: dict,
    *written: Any,
) -> ScanResult:
    return ScanResult(
        issues=np.asarray(issues, dtype=np.int64),
        num_issues=int(np.sum(num_issues)),
        thresholds=thresholds,
        n_examples=n_examples,
        n_classes=n_classes,
        options=dict(options),
        extra=extra,
        unnormalized_rows=unnormalized,
    )


def _as_built_value(value: Any) -> Any:
    """``value`` with its dask arrays as ``Delayed`` values of their blocks,
    unoptimised (``dask.delayed`` would optimise them, fusing tasks that
    other parts of the scan share)."""
    if isinstance(value, da.Array):
        return dask.delayed(concatenate3, pure=True)(value.to_delayed(optimize_graph=False).tolist())
    if isinstance(value, (list, tuple)):
        return type(value)(_as_built_value(item) for item in value)
    if isinstance(value, dict):
        return {name: _as_built_value(item) for name, item in value.items()}
    return value


def _finished(results: list[ScanResult]) -> ScanResult:
    return results[0]


def _as_built(graph: Any, keys: Any, **kwargs: Any) -> Any:
    """dlq's graphs are computed as built: a chunk's record serves several
    tasks, and must be computed once, not once per task. Work starts here
    when dask computes a scan (``dask.compute(scan)``): the allocator is
    made ready, as :func:`dlq.graphs.scheduler.compute` does."""
    allocator.prime()
    return graph


@dataclass(frozen=True, eq=False, kw_only=True)
class Scan:
    """A label-issue scan that has not run yet: a dask collection.

    Nothing is read until :meth:`compute` or :meth:`to_zarr`, or until the
    scan is computed with other collections (``dask.compute(scan, ...)``,
    ``client.compute(scan)``): each runs the whole scan as one Dask
    computation and gives a :class:`ScanResult`.

    Attributes
    ----------
    scores : dask.array.Array, shape (N,)
        Per-example label quality scores (lower means more likely mislabeled).
    mask : dask.array.Array of bool, shape (N,)
        True at the label issues.
    issues, num_issues, thresholds : Delayed
        The ranked issue indices, the estimated number of issues and the
        thresholds of the search.
    per_class_issues : dask collection or None
        Multi-label: the number of issues found in each class's binary problem.
    unnormalized_rows : Delayed or None
        Multi-class: rows of pred_probs that do not sum to 1, counted in pass
        1; computing the scan warns about them.
    issue_table : Delayed
        (A property.) The issues' table (index, given and predicted labels,
        score), ranked, from one more read of the data once the issues are
        known; pass it in ``extra`` to compute it with the scan.
    issue_pieces : dask array of records or None
        (A property.) The issue table's rows of each chunk's issues.
    n_examples, n_classes : int
        Shape of pred_probs.
    options : dict
        The search's options.
    filling_a_store : callable, optional
        The same scan made to fill a :class:`ScanStore` as it goes (what
        :meth:`to_zarr` uses), where the row chunks allow it.
    extra : dict
        More collections computed with the scan; their values come back in
        ``ScanResult.extra``.
    written : tuple
        Writes that the scan runs too (see :meth:`to_zarr`).
    """

    n_examples: int
    n_classes: int
    options: dict
    thresholds: Delayed
    num_issues: Delayed
    scores: da.Array
    issues: Delayed
    mask: da.Array
    per_class_issues: Any = None
    unnormalized_rows: Delayed | None = None
    issue_pieces_of: Callable[[], da.Array] | None = field(default=None, repr=False)
    filling_a_store: Callable[[ScanStore], Scan] | None = field(default=None, repr=False)
    extra: dict[str, Any] = field(default_factory=dict, repr=False)
    written: tuple[Any, ...] = field(default=(), repr=False)

    @property
    def issue_table(self) -> Delayed | None:
        return None if self.issue_pieces is None else ranked_table(self.issue_pieces)

    @property
    def issue_pieces(self) -> da.Array | None:
        with lazy_graphs():  # a dask collection, even of data in one chunk
            return None if self.issue_pieces_of is None else self.issue_pieces_of()

    def __post_init__(self) -> None:
        # computed at once when every part is (data in one chunk, worked on in process)
        parts = step(
            _result_parts,
            self.issues,
            self.num_issues,
            self.thresholds,
            self.unnormalized_rows,
            _as_built_value(self.extra),
            self.n_examples,
            self.n_classes,
            self.options,
            *_as_built_value(self.written),
        )
        object.__setattr__(self, "_parts", parts)

    def __dask_graph__(self) -> Any:
        return self._parts.__dask_graph__() if is_lazy(self._parts) else None

    def __dask_keys__(self) -> list:
        return [self._parts.key]

    def __dask_layers__(self) -> tuple:
        return self._parts.__dask_layers__()

    def __dask_postcompute__(self) -> tuple:
        return _finished, ()

    def __dask_tokenize__(self) -> Any:
        return self._parts.key if is_lazy(self._parts) else id(self)

    __dask_optimize__ = staticmethod(_as_built)
    __dask_scheduler__ = staticmethod(dask.threaded.get)

    def compute(self, *, n_jobs: int | None = None, progress: bool = False) -> ScanResult:
        """Run the scan and return what it found.

        Parameters
        ----------
        n_jobs : int, optional
            Threads for the local scheduler when no distributed client is
            active; all cores when None, but one (no thread pool) for data
            in one chunk, which leave nothing to run in parallel.
        progress : bool
            Show a progress bar.

        Examples
        --------
        >>> import numpy as np, dlq
        >>> pred_probs = np.array([[0.9, 0.1], [0.9, 0.1], [0.2, 0.8], [0.1, 0.9], [0.85, 0.15]])
        >>> result = dlq.scan(np.array([0, 1, 1, 1, 0]), pred_probs).compute()
        >>> result.issues.tolist(), result.num_issues
        ([1], 1)
        """
        if n_jobs is not None:
            n_jobs = _validation.check_integer(n_jobs, "n_jobs", minimum=1)
        if not is_lazy(self._parts):
            result = self._parts
        else:
            if n_jobs is None and self.scores.numblocks[0] == 1:
                n_jobs = 1
            (result,) = compute(self, n_jobs=n_jobs, progress=progress)
        return result

    def to_zarr(
        self,
        store: Any,
        *,
        compute: bool = True,
        n_jobs: int | None = None,
        progress: bool = False,
        overwrite: bool = False,
        extra: dict[str, Any] | None = None,
        report: bool = False,
        issues_to: str | os.PathLike | None = None,
        class_names: Any = None,
        ids: da.Array | None = None,
        issue_columns: Any = None,
    ) -> ScanResult | Scan:
        """Write per-example ``scores`` and ``is_label_issue`` to a zarr group and
        return the result. The data are read as by :meth:`compute`, and pass 2
        writes scores and candidate flags to the store for the selection to
        read back, instead of keeping them in memory.

        Parameters
        ----------
        store : str or zarr store
            Where to write; the group gets arrays ``scores`` and
            ``is_label_issue`` chunked like the input rows. The group and its
            arrays are created at once; their values are written when the
            scan runs.
        compute : bool
            Run now and return the :class:`ScanResult`; with False, return
            the writing scan, a dask collection to compute later (with
            ``dask.compute`` or its own ``.compute()``).
        overwrite : bool
            Replace an earlier output of dlq at ``store`` (a group marked
            ``written_by: dlq``) and ``issues_to``; anything else there is
            refused, and so is a place that is, lies inside, or holds an
            input of the scan.
        extra : dict, optional
            More dask arrays to write into the group by name (rows aligned
            with the input), or other dask collections to compute in the same
            run, or functions of the writing scan that return one (what
            depends on the scan's thresholds: this scan's graph is rebuilt to
            fill the store); their computed values come back in
            ``ScanResult.extra``.
        report : bool
            Also compute what a report shows: ``extra["issue_digest"]`` (a
            :class:`dlq.io.issue_table.IssueDigest`: the worst rows of the issue table
            and its counts, made from each chunk's issues and merged) and
            ``extra["score_histogram"]`` (counts and edges of 50 bins of the
            scores over [0, 1]), from the scores as written.
        issues_to : str or path, optional
            Write the ranked issue table (:attr:`issue_table`) there: Parquet
            parts, read in name order the rows worst first, each ranked and
            written by its own task (:mod:`dlq.graphs.ranked_parts`); the
            directory appears whole or not at all.
        class_names : sequence of str, optional
            The K class names: the issue table gets ``given_label_name`` and
            ``predicted_label_name`` (multi-label: ``..._names``, lists).
        ids : dask array, shape (N,), optional
            An id of every example (integers or text), in the rows' chunks:
            the issue table gets column ``id``, each chunk giving its issues'.
        issue_columns : Delayed or callable, optional
            More columns of the issue table, after ``index`` (and ``id``):
            a ``Delayed`` of sorted rows holding every issue and a dict of
            each column's values at those rows (the sentence and position
            of each token issue, say), or a function of the writing scan
            that returns one (as ``extra``'s functions).

        Examples
        --------
        >>> import numpy as np, tempfile, zarr, dlq
        >>> pred_probs = np.array([[0.9, 0.1], [0.9, 0.1], [0.2, 0.8], [0.1, 0.9], [0.85, 0.15]])
        >>> store = tempfile.mkdtemp() + "/scan.zarr"
        >>> result = dlq.scan(np.array([0, 1, 1, 1, 0]), pred_probs).to_zarr(store)
        >>> zarr.open_group(store, mode="r")["is_label_issue"][:].tolist()
        [False, True, False, False, False]
        """
        writing = scan_writing.writing_scan(
            self,
            store,
            overwrite=overwrite,
            extra=extra,
            report=report,
            issues_to=issues_to,
            class_names=class_names,
            ids=ids,
            issue_columns=issue_columns,
        )
        return scan_writing.computed(writing, n_jobs=n_jobs, progress=progress) if compute else writing

    def __repr__(self) -> str:
        return f"<dlq.Scan: {self.n_examples:,} examples x {self.n_classes} classes, {self.options}, not computed>"

    def _repr_html_(self) -> str:
        rows = [("examples", self.n_examples), ("classes", self.n_classes), ("chunks", self.scores.numblocks[0])]
        return html_table("dlq scan (lazy; call .compute())", rows + list(self.options.items()))


def _total(num_issues: Any) -> int:
    return int(np.sum(num_issues))


def scan_of_batched(search: Batched, pred_probs: da.Array, options: dict, **fields: Any) -> Scan:
    """The :class:`Scan` of a batched search (:mod:`dlq.graphs.batched`) of
    ``pred_probs``: its thresholds, estimated number of issues (summed over
    problems), scores, ranked issues, mask and unnormalized rows, with
    ``fields`` (``issue_pieces_of``, ``per_class_issues``, ...)."""
    return Scan(
        n_examples=pred_probs.shape[0],
        n_classes=pred_probs.shape[1],
        options=options,
        thresholds=search.thresholds,
        num_issues=step(_total, search.num_issues),
        scores=search.scores,
        issues=search.issues,
        mask=search.mask,
        unnormalized_rows=search.unnormalized,
        **fields,
    )


def scan_of_filtered(
    problems: Problems, labels: da.Array, pred_probs: da.Array, chunk_issues: Any, scores: da.Array, **fields: Any
) -> Scan:
    """The :class:`Scan` of the issues a filter found (each chunk's, sorted:
    records), ranked by ``scores``, with an issue table read from the data
    once they are known; ``fields`` give the options, thresholds and others."""
    issues, chunk_scored = tree(chunk_issues, concatenated), scored_per_chunk(scores, chunk_issues)
    ranked = ranked_at(chunk_scored)
    return Scan(
        n_examples=pred_probs.shape[0],
        n_classes=pred_probs.shape[1],
        num_issues=step(len, issues),
        scores=scores,
        issues=step(attrgetter("indices"), ranked),
        mask=issue_mask(chunk_scored, scores.chunks[0]),
        issue_pieces_of=partial(issue_pieces, problems, labels, pred_probs, chunk_scored),
        **fields,
    )
