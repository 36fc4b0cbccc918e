"""cleanlab-compatible multi-class API, and dlq's own lazy ``scan``.

These functions translate arguments and results: the checks are in
:mod:`dlq._validation`, the graphs in :mod:`dlq.graphs` (over the
arithmetic of :mod:`dlq.kernels`).
"""

from __future__ import annotations

from functools import partial
from typing import Any

import dask.array as da
import numpy as np

from dlq import _validation
from dlq._validation import BATCHED_ABSENT_CLASS_THRESHOLD, IN_MEMORY_ABSENT_CLASS_THRESHOLD
from dlq.filter import filtered_scan, told_unless_lazy
from dlq.graphs import batched, passes
from dlq.graphs.inprocess import lazily
from dlq.graphs.problems import MULTICLASS
from dlq.graphs.scheduler import compute, computed_unless_lazy
from dlq.graphs.told import told_scores
from dlq.io import arrays
from dlq.result import Scan, scan_of_batched


@lazily
def scan(
    labels: Any,
    pred_probs: Any,
    *,
    method: str = "self_confidence",
    adjust_pred_probs: bool = False,
    estimation_method: str = "off_diagonal",
    chunk_rows: int | None = None,
    filter_by: str | None = None,
    frac_noise: float = 1.0,
    min_examples_per_class: int = 1,
) -> Scan:
    """Build a lazy scan for label issues in multi-class data.

    The scan reads the data chunk by chunk: pass 1 computes per-class
    confident thresholds, pass 2 scores every example and counts issues; the
    lowest-scoring examples are then chosen without gathering all scores.
    When the scores need no thresholds (``adjust_pred_probs=False``) and the
    count is ``off_diagonal``, both passes run in one read; otherwise the data
    are read twice. Nothing runs until ``.compute()`` or ``.to_zarr()``.

    Parameters
    ----------
    labels : array-like of int, shape (N,)
        Given class of each example, in ``0..K-1``. A numpy or dask array, a
        zarr array, an h5py dataset, or a path to a ``.npy`` file or a zarr
        store (local or fsspec URL).
    pred_probs : array-like of float, shape (N, K)
        Predicted class probabilities (float16, float32 or float64), out of sample.
        Same kinds of input as ``labels``.
    method : {"self_confidence", "normalized_margin", "confidence_weighted_entropy"}
        Label quality score used to rank examples.
    adjust_pred_probs : bool
        Subtract the class thresholds from pred_probs before scoring (not
        with confidence_weighted_entropy).
    estimation_method : {"off_diagonal", "off_diagonal_calibrated"}
        How the number of label issues is estimated.
    chunk_rows : int, optional
        Rows per chunk. By default dask inputs keep their chunks, arrays in
        memory get about 64 MiB of pred_probs per chunk and files about 16 MiB.
    filter_by : str, optional
        Search as :func:`dlq.find_label_issues` does with this filter
        (``frac_noise`` and ``min_examples_per_class`` as there) instead of
        the batched search, and rank its issues by ``method``; the scores
        take one more read. ``estimation_method`` does not apply.

    Returns
    -------
    Scan
        Lazy: ``scores`` and ``mask`` are dask arrays, ``.compute()`` returns a
        :class:`~dlq.result.ScanResult` with the ranked issues.

    Examples
    --------
    >>> import numpy as np, dlq
    >>> pred_probs = np.array([[0.9, 0.1], [0.9, 0.1], [0.2, 0.8], [0.1, 0.9], [0.85, 0.15]])
    >>> labels = np.array([0, 1, 1, 1, 0])
    >>> dlq.scan(labels, pred_probs).compute().issues.tolist()
    [1]
    """
    _validation.check_score_method(method, adjust_pred_probs)
    _validation.check_choice(
        estimation_method, _validation.BATCHED_ESTIMATION_METHODS, "estimation_method", kind="estimation method"
    )
    _validation.check_search_options(
        filter_by=filter_by,
        frac_noise=frac_noise,
        min_examples_per_class=min_examples_per_class,
        estimation_method=estimation_method,
    )
    labels, pred_probs = arrays.open_inputs(labels, pred_probs, chunk_rows=chunk_rows)
    if filter_by is not None:
        return filtered_scan(
            labels,
            pred_probs,
            filter_by=filter_by,
            frac_noise=frac_noise,
            min_examples_per_class=min_examples_per_class,
            method=method,
            adjust_pred_probs=adjust_pred_probs,
        )
    return _scan(labels, pred_probs, None, method=method, adjust=adjust_pred_probs, estimation_method=estimation_method)


def _scan(
    labels: da.Array,
    pred_probs: da.Array,
    store: batched.ScanStore | None,
    *,
    method: str,
    adjust: bool,
    estimation_method: str,
) -> Scan:
    """The batched search as a :class:`Scan`, filling ``store`` if given."""
    search = batched.batched_search(
        MULTICLASS,
        labels,
        pred_probs,
        method=method,
        adjust=adjust,
        estimation_method=estimation_method,
        absent_class_threshold=BATCHED_ABSENT_CLASS_THRESHOLD,
        store=store,
    )
    options = {"method": method, "adjust_pred_probs": adjust, "estimation_method": estimation_method}
    fills = store is None and batched.regular_chunks(pred_probs.chunks[0])
    return scan_of_batched(
        search,
        pred_probs,
        options,
        issue_pieces_of=partial(batched.issue_pieces, search),
        filling_a_store=partial(
            _scan, labels, pred_probs, method=method, adjust=adjust, estimation_method=estimation_method
        )
        if fills
        else None,
    )


def find_label_issues_batched(
    labels: Any = None,
    pred_probs: Any = None,
    *,
    labels_file: str | None = None,
    pred_probs_file: str | None = None,
    batch_size: int | None = None,
    n_jobs: int | None = None,
    verbose: bool = True,
    quality_score_kwargs: dict | None = None,
    num_issue_kwargs: dict | None = None,
    return_mask: bool = False,
) -> np.ndarray:
    """Find label issues in data too large for memory, as cleanlab's function of
    the same name does, in one read of the data (two with ``adjust_pred_probs``
    or ``off_diagonal_calibrated``).

    Parameters
    ----------
    labels : array-like of int, shape (N,), optional
        Given labels; anything :func:`dlq.scan` accepts. Give this or
        ``labels_file``.
    pred_probs : array-like of float, shape (N, K), optional
        Out-of-sample predicted probabilities. Give this or ``pred_probs_file``.
    labels_file, pred_probs_file : str, optional
        Paths of ``.npy`` files, memory-mapped.
    batch_size : int, optional
        Rows per chunk for inputs that are not dask arrays (a dask array keeps
        its own chunks). Memory use grows with it; the answer does not. None
        (the default) picks chunks of about 64 MiB of an array in memory and
        16 MiB of a file, a multiple of a zarr or HDF5 store's chunks;
        cleanlab's default of 10,000 rows would make
        tasks so small that scheduling them outweighs their work.
    n_jobs : int, optional
        Threads used when no ``distributed.Client`` is active. None means all
        cores (cleanlab's default is 1).
    verbose : bool
        Show a progress bar (not for data in one chunk, worked on at once
        in this thread).
    quality_score_kwargs : dict, optional
        ``method`` and ``adjust_pred_probs`` of the label quality score.
    num_issue_kwargs : dict, optional
        ``estimation_method``: "off_diagonal" (default) or
        "off_diagonal_calibrated".
    return_mask : bool
        Return a boolean mask of length N instead of indices.

    Returns
    -------
    ndarray
        Indices of likely label errors sorted by label quality score, lowest
        first (ties by index), as cleanlab's documentation describes; cleanlab
        2.9 itself returns the same indices in index order. Or a boolean mask.

    Examples
    --------
    >>> import numpy as np, dlq
    >>> pred_probs = np.array([[0.9, 0.1], [0.9, 0.1], [0.2, 0.8], [0.1, 0.9], [0.85, 0.15]])
    >>> dlq.find_label_issues_batched(np.array([0, 1, 1, 1, 0]), pred_probs, verbose=False).tolist()
    [1]
    """
    labels = _validation.check_array_or_file(labels, labels_file, "labels")
    pred_probs = _validation.check_array_or_file(pred_probs, pred_probs_file, "pred_probs")
    scoring = _validation.check_kwargs(quality_score_kwargs, _validation.QUALITY_SCORE_KWARGS, "quality_score_kwargs")
    estimation = _validation.check_kwargs(num_issue_kwargs, _validation.NUM_ISSUE_KWARGS, "num_issue_kwargs")
    if batch_size is not None:
        _validation.check_integer(batch_size, "batch_size", minimum=1)
    chunk_rows = None if isinstance(pred_probs, da.Array) else batch_size
    # the scan's own function, worked on in process when the data are in one chunk
    lazy = scan.__wrapped__(labels, pred_probs, chunk_rows=chunk_rows, **scoring, **estimation)
    if return_mask:
        (mask,) = compute(lazy.mask, n_jobs=n_jobs, progress=verbose)
        return mask
    return lazy.compute(n_jobs=n_jobs, progress=verbose).issues


def get_label_quality_scores(
    labels: Any,
    pred_probs: Any,
    *,
    method: str = "self_confidence",
    adjust_pred_probs: bool = False,
) -> Any:
    """Label quality score of every example, as ``cleanlab.rank`` computes it.

    Scores lie in [0, 1]; lower means the label is more likely wrong.

    Parameters
    ----------
    labels : array-like of int, shape (N,)
        Given labels in ``0..K-1``.
    pred_probs : array-like of float, shape (N, K)
        Out-of-sample predicted probabilities.
    method : {"self_confidence", "normalized_margin", "confidence_weighted_entropy"}
        The score.
    adjust_pred_probs : bool
        Subtract the class thresholds first. As in ``cleanlab.rank``, a class
        no example is given has threshold 2 here (the batched scan uses 2e-6).

    Returns
    -------
    ndarray or dask.array.Array
        A numpy array for in-memory input; a lazy dask array when either
        input is a dask array.

    Examples
    --------
    >>> import numpy as np, dlq
    >>> dlq.get_label_quality_scores(np.array([0, 1]), np.array([[0.9, 0.1], [0.6, 0.4]])).tolist()
    [0.9, 0.4]
    """
    _validation.check_score_method(method, adjust_pred_probs)
    opened = arrays.open_inputs(labels, pred_probs)
    if adjust_pred_probs:  # pass 1 tells of the rows
        absent = IN_MEMORY_ABSENT_CLASS_THRESHOLD
        scores = passes.scores(MULTICLASS, *opened, method=method, adjust_absent_class_threshold=absent)
        return computed_unless_lazy(scores, labels, pred_probs)
    return told_unless_lazy(told_scores(MULTICLASS, *opened, method=method), labels, pred_probs)
