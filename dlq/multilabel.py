"""cleanlab-compatible multi-label API (``cleanlab.multilabel_classification``).

Each example may have any number of the K classes. Class k of an example is
scored as the binary problem ``[1 - p_k, p_k]`` with label ``y_k``; per-class
scores are then aggregated so that the worst class pulls the example down.
These functions translate arguments and results; the arithmetic is in
:mod:`dlq.onevsrest` and :mod:`dlq.aggregators`, the graphs in
:mod:`dlq.engine`.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from dlq import aggregators, engine, io
from dlq.multiclass import _check_method
from dlq.result import Scan
from dlq.scheduler import compute, computed_unless_lazy

_DEFAULT_AGGREGATOR = {"method": "exponential_moving_average", "alpha": 0.8}


def get_label_quality_scores(
    labels: Any,
    pred_probs: Any,
    *,
    method: str = "self_confidence",
    adjust_pred_probs: bool = False,
    aggregator_kwargs: dict[str, Any] = _DEFAULT_AGGREGATOR,
) -> Any:
    """Label quality score of every multi-label example, in [0, 1].

    Parameters
    ----------
    labels : list of lists of int, scipy.sparse matrix, or array of shape (N, K)
        Given classes of each example: cleanlab's list of class-index lists
        (``[[1], [0, 2]]``), or binary indicators (bool or 0/1 integers) as a
        sparse matrix or any array dlq reads (numpy, zarr, h5py, dask).
    pred_probs : array-like of float, shape (N, K)
        Predicted probability of each class; rows need not sum to 1.
    method : {"self_confidence", "normalized_margin", "confidence_weighted_entropy"}
        Score of each class's binary problem.
    adjust_pred_probs : bool
        Subtract each binary problem's confident thresholds first (a side no
        example has gets threshold 2, as in cleanlab). Not with
        confidence_weighted_entropy.
    aggregator_kwargs : dict
        ``{"method": "exponential_moving_average", "alpha": a}`` (alpha in
        [0, 1], or None for 2/(K+1)), ``{"method": "softmin", "temperature":
        t}`` (t > 0), or ``{"method": f, ...}`` with a callable called as
        ``f(scores, axis=1, ...)`` on an (n, K) block, returning shape (n,).

    Returns
    -------
    ndarray or dask.array.Array, shape (N,)
        numpy for in-memory input; a lazy dask array when labels or
        pred_probs is a dask array.

    Examples
    --------
    >>> import numpy as np, dlq
    >>> pred_probs = np.array([[0.1, 0.9, 0.1], [0.4, 0.1, 0.9]])
    >>> dlq.multilabel.get_label_quality_scores([[1], [0, 2]], pred_probs).round(6).tolist()
    [0.9, 0.5]
    """
    _check_method(method, adjust_pred_probs)
    aggregate = aggregators.make_aggregator(aggregator_kwargs)
    opened = io.open_multilabel_inputs(labels, pred_probs)
    _, scores = engine.multilabel_scores(*opened, method=method, adjust=adjust_pred_probs, aggregate=aggregate)
    return computed_unless_lazy(scores, labels, pred_probs)


def get_label_quality_scores_per_class(
    labels: Any,
    pred_probs: Any,
    *,
    method: str = "self_confidence",
    adjust_pred_probs: bool = False,
) -> Any:
    """Label quality score of every class annotation of every example.

    Parameters are those of :func:`get_label_quality_scores`, without the
    aggregator.

    Returns
    -------
    ndarray or dask.array.Array, shape (N, K)
        ``scores[i, k]`` scores example i's annotation of class k. This is
        what cleanlab 2.9 returns (its docstring speaks of a list of K
        arrays, but its code returns this (N, K) array). A lazy dask array
        when labels or pred_probs is a dask array.

    Examples
    --------
    >>> import numpy as np, dlq
    >>> pred_probs = np.array([[0.1, 0.9, 0.1], [0.4, 0.1, 0.9]])
    >>> dlq.multilabel.get_label_quality_scores_per_class([[1], [0, 2]], pred_probs).round(6).tolist()
    [[0.9, 0.9, 0.9], [0.4, 0.9, 0.9]]
    """
    _check_method(method, adjust_pred_probs)
    opened = io.open_multilabel_inputs(labels, pred_probs)
    per_class, _ = engine.multilabel_scores(
        *opened, method=method, adjust=adjust_pred_probs, aggregate=aggregators.make_aggregator(None)
    )
    return computed_unless_lazy(per_class, labels, pred_probs)


def scan(
    labels: Any,
    pred_probs: Any,
    *,
    method: str = "self_confidence",
    adjust_pred_probs: bool = False,
    aggregator_kwargs: dict[str, Any] = _DEFAULT_AGGREGATOR,
    chunk_rows: int | None = None,
) -> Scan:
    """Build a lazy scan for label issues in multi-label data.

    Every class's binary problem is searched as ``find_label_issues`` with
    ``low_memory=True`` searches it, choosing each class's issues by
    ``method``; the issues are united and ranked by the multi-label score
    (``method``, ``adjust_pred_probs`` and ``aggregator_kwargs`` as in
    :func:`get_label_quality_scores`). Nothing runs until ``.compute()`` or
    ``.to_zarr()``.

    Returns
    -------
    Scan
        ``scores`` are the multi-label scores, ``mask`` marks the issues;
        the computed result's ``thresholds`` have shape (2, K) (one pair per
        binary problem) and ``num_issues`` adds up the classes' estimates.

    Examples
    --------
    >>> import numpy as np, dlq
    >>> pred_probs = np.array([[0.9, 0.1], [0.8, 0.2], [0.1, 0.9], [0.2, 0.9], [0.9, 0.8]])
    >>> dlq.multilabel.scan([[0], [0], [1], [0], [0, 1]], pred_probs).compute().issues.tolist()
    [3]
    """
    _check_method(method, adjust_pred_probs)
    aggregate = aggregators.make_aggregator(aggregator_kwargs)
    labels, pred_probs = io.open_multilabel_inputs(labels, pred_probs, chunk_rows=chunk_rows)
    found = engine.multilabel_issues(
        labels, pred_probs, ranked_by=method, rank_adjust=adjust_pred_probs, rank_aggregate=aggregate
    )
    return Scan(
        n_examples=labels.shape[0],
        n_classes=labels.shape[1],
        options={
            "multilabel": True,
            "method": method,
            "adjust_pred_probs": adjust_pred_probs,
            "aggregator": {k: getattr(v, "__name__", v) for k, v in dict(aggregator_kwargs).items()},
        },
        thresholds=found.thresholds,
        num_issues=found.num_issues.sum(),
        scores=found.scores,
        issues=found.ranked,
        mask=found.mask,
        per_class_issues=found.per_class_mask.sum(axis=0),
    )


def _check_issue_options(
    return_indices_ranked_by: str | None,
    rank_by_kwargs: dict,
    filter_by: str,
    low_memory: bool,
    unused: dict[str, tuple[Any, Any]],
) -> bool:
    if not low_memory or filter_by != "prune_by_noise_rate":
        raise ValueError(
            "dlq's multi-label issue search supports low_memory=True (cleanlab's one-vs-rest batched search, "
            f"for all classes in one pass) with the default filter_by; got low_memory={low_memory!r}, "
            f"filter_by={filter_by!r}. Pass low_memory=True"
        )
    for name, (value, default) in unused.items():
        if value is not default and value != default:
            raise ValueError(f"{name} has no effect with low_memory=True; leave it at its default {default!r}")
    unknown = sorted(set(rank_by_kwargs) - {"adjust_pred_probs"})
    if unknown:
        raise ValueError(f"rank_by_kwargs supports only 'adjust_pred_probs'; got {unknown}")
    adjust = bool(rank_by_kwargs.get("adjust_pred_probs", False))
    if return_indices_ranked_by is not None:
        _check_method(return_indices_ranked_by, adjust)
    return adjust


def _issues(labels: Any, pred_probs: Any, options: dict[str, Any]) -> engine.MultilabelIssues:
    """The lazy issue search for the arguments of one of the two public finders
    (their ``locals()``: both take cleanlab's long, identical parameter list)."""
    adjust = _check_issue_options(
        options["return_indices_ranked_by"],
        options["rank_by_kwargs"],
        options["filter_by"],
        options["low_memory"],
        {
            "frac_noise": (options["frac_noise"], 1.0),
            "num_to_remove_per_class": (options["num_to_remove_per_class"], None),
            "min_examples_per_class": (options["min_examples_per_class"], 1),
            "confident_joint": (options["confident_joint"], None),
        },
    )
    labels, pred_probs = io.open_multilabel_inputs(labels, pred_probs)
    return engine.multilabel_issues(
        labels, pred_probs, ranked_by=options["return_indices_ranked_by"], rank_adjust=adjust
    )


def find_label_issues(
    labels: Any,
    pred_probs: Any,
    *,
    return_indices_ranked_by: str | None = None,
    rank_by_kwargs: dict = {},  # noqa: B006 - cleanlab's signature; never modified
    filter_by: str = "prune_by_noise_rate",
    frac_noise: float = 1.0,
    num_to_remove_per_class: list[int] | None = None,
    min_examples_per_class: int = 1,
    confident_joint: np.ndarray | None = None,
    n_jobs: int | None = None,
    verbose: bool = False,
    low_memory: bool = False,
) -> np.ndarray:
    """Find multi-label examples whose labels are likely wrong, as cleanlab's
    ``multilabel_classification.filter.find_label_issues`` with ``low_memory=True``.

    Every class is treated as a binary problem and searched as
    ``find_label_issues_batched`` would search it, all K at once in two reads
    of the data (cleanlab reads the data 2K times); an example is an issue if
    any of its classes is.

    Parameters
    ----------
    labels, pred_probs
        As in :func:`get_label_quality_scores`.
    return_indices_ranked_by : {None, "self_confidence", "normalized_margin", "confidence_weighted_entropy"}
        None returns a boolean mask. Otherwise each class's issues are chosen
        by this score, and the issues are returned as indices ranked by the
        multi-label score under this method (EMA aggregation, alpha 0.8),
        worst first; ties by index.
    rank_by_kwargs : dict
        ``{"adjust_pred_probs": True}`` adjusts the ranking scores.
    low_memory : bool
        Must be True today: the one-vs-rest batched search is what dlq
        implements; cleanlab's in-memory filters (``low_memory=False``) are
        refused with a ValueError.
    filter_by, frac_noise, num_to_remove_per_class, min_examples_per_class, confident_joint
        Have no effect with ``low_memory=True``; a non-default value is refused.
    n_jobs : int, optional
        Threads when no distributed client is active; all cores when None.
    verbose : bool
        Show a progress bar.

    Returns
    -------
    ndarray
        Boolean mask of length N, or ranked indices.

    Examples
    --------
    >>> import numpy as np, dlq
    >>> pred_probs = np.array([[0.9, 0.1], [0.8, 0.2], [0.1, 0.9], [0.2, 0.9], [0.9, 0.8]])
    >>> labels = [[0], [0], [1], [0], [0, 1]]
    >>> dlq.multilabel.find_label_issues(labels, pred_probs, low_memory=True).tolist()
    [False, False, False, True, False]
    """
    found = _issues(labels, pred_probs, locals())
    if return_indices_ranked_by is None:
        return compute(found.mask, n_jobs=n_jobs, progress=verbose)[0]
    return compute(found.ranked, n_jobs=n_jobs, progress=verbose)[0]


def find_multilabel_issues_per_class(
    labels: Any,
    pred_probs: Any,
    return_indices_ranked_by: str | None = None,
    rank_by_kwargs: dict = {},  # noqa: B006 - cleanlab's signature; never modified
    filter_by: str = "prune_by_noise_rate",
    frac_noise: float = 1.0,
    num_to_remove_per_class: list[int] | None = None,
    min_examples_per_class: int = 1,
    confident_joint: np.ndarray | None = None,
    n_jobs: int | None = None,
    verbose: bool = False,
    low_memory: bool = False,
) -> Any:
    """Label issues of each class separately, as cleanlab's function of this name
    with ``low_memory=True``.

    Parameters are those of :func:`find_label_issues`.

    Returns
    -------
    ndarray of bool, shape (N, K)
        When ``return_indices_ranked_by`` is None: ``issues[i, k]`` is True if
        example i's annotation of class k is likely wrong.
    (list of ndarray, list of ndarray, list of ndarray)
        Otherwise, as cleanlab: for each class, the indices of its issues
        (ranked by that class's score, worst first), its binary labels (N,),
        and its binary pred_probs (N, 2).

    Examples
    --------
    >>> import numpy as np, dlq
    >>> pred_probs = np.array([[0.9, 0.1], [0.8, 0.2], [0.1, 0.9], [0.2, 0.9], [0.9, 0.8]])
    >>> labels = [[0], [0], [1], [0], [0, 1]]
    >>> dlq.multilabel.find_multilabel_issues_per_class(labels, pred_probs, low_memory=True).astype(int).tolist()
    [[0, 0], [0, 0], [0, 0], [0, 1], [0, 0]]
    """
    found = _issues(labels, pred_probs, locals())
    if return_indices_ranked_by is None:
        return compute(found.per_class_mask, n_jobs=n_jobs, progress=verbose)[0]
    per_class_issues, binary_labels, probs = compute(
        found.per_class_issues, *io.open_multilabel_inputs(labels, pred_probs), n_jobs=n_jobs, progress=verbose
    )
    binary_labels = binary_labels.astype(np.int64)
    return (
        per_class_issues,
        [binary_labels[:, k] for k in range(binary_labels.shape[1])],
        [np.column_stack([1 - probs[:, k], probs[:, k]]) for k in range(probs.shape[1])],
    )
