"""cleanlab-compatible multi-label issue finding
(``cleanlab.multilabel_classification.filter``).

Class k of an example is the binary problem ``[1 - p_k, p_k]`` with label
``y_k``; an example has a label issue when any of its K problems has one.
With ``low_memory=False`` (cleanlab's default) each problem is filtered as
``cleanlab.filter.find_label_issues`` filters a two-class data set; with
``low_memory=True`` as ``find_label_issues_batched`` does. All K problems
are searched in one graph. These functions translate arguments and results:
the checks are in :mod:`dlq._validation`, the searches in
:mod:`dlq.multilabel.searches` and the graphs, and what is finished in
process (the issues united, ranked, labelled) in :mod:`dlq.graphs.class_issues`.
"""

from __future__ import annotations

from operator import attrgetter
from typing import Any

import numpy as np

from dlq import _validation
from dlq._validation import IN_MEMORY_ABSENT_CLASS_THRESHOLD, MultilabelFilterOptions
from dlq.graphs import class_issues
from dlq.graphs.blocks import step
from dlq.graphs.problems import ONE_VS_REST
from dlq.graphs.rows import ranked_rows, take_rows
from dlq.graphs.scheduler import compute
from dlq.io import arrays
from dlq.multilabel import aggregators
from dlq.multilabel.searches import (
    low_memory_search,
    lowest_union,
    per_class_search,
)

__all__ = ["find_label_issues", "find_multilabel_issues_per_class"]


def _rows(labels: Any, pred_probs: Any, rows: np.ndarray, n_jobs: int | None) -> tuple[np.ndarray, np.ndarray]:
    """The rows ``rows`` of labels and pred_probs, read block by block."""
    return compute(take_rows(labels, rows), take_rows(pred_probs, rows), n_jobs=n_jobs)


def _lowest_multilabel_scores(
    labels: Any, pred_probs: Any, options: MultilabelFilterOptions, n_jobs: int | None, verbose: bool
) -> np.ndarray:
    """cleanlab's multi-label ``low_self_confidence`` and ``low_normalized_margin``
    (both alike): the examples with the lowest multi-label self-confidence
    (EMA), as many as have a ``confident_learning`` issue in some class."""
    (issues,) = compute(lowest_union(labels, pred_probs, options)[0], n_jobs=n_jobs, progress=verbose)
    if options.ranked_by is None:
        return issues
    row_labels, row_probs = _rows(labels, pred_probs, issues, n_jobs)
    return class_issues.ranked_by_aggregate(
        issues,
        row_labels,
        row_probs,
        method=options.ranked_by,
        aggregate=aggregators.CLEANLAB_DEFAULT,
        # as cleanlab: adjusted by the thresholds of the flagged examples alone
        adjust_absent_class_threshold=IN_MEMORY_ABSENT_CLASS_THRESHOLD if options.rank_adjust else None,
    )


def _opened(labels: Any, pred_probs: Any, **options: Any) -> tuple[Any, Any, MultilabelFilterOptions]:
    """The inputs opened, and cleanlab's multi-label filter options checked against them."""
    labels, pred_probs = arrays.open_multilabel_inputs(labels, pred_probs)
    checked = _validation.check_multilabel_filter_options(**options, num_classes=pred_probs.shape[1])
    return labels, pred_probs, checked


def find_label_issues(
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
) -> np.ndarray:
    """Find multi-label examples whose labels are likely wrong, as cleanlab's
    ``multilabel_classification.filter.find_label_issues``.

    Every class is a binary problem; an example is an issue if any of its
    classes is (see :func:`find_multilabel_issues_per_class`).
    ``low_self_confidence`` and ``low_normalized_margin`` are the exception,
    as in cleanlab: both flag the examples with the lowest multi-label
    self-confidence score (EMA aggregation), as many as have a
    ``confident_learning`` issue in some class.

    Parameters
    ----------
    labels, pred_probs
        As in :func:`dlq.multilabel.get_label_quality_scores`.
    return_indices_ranked_by : {None, "self_confidence", "normalized_margin", "confidence_weighted_entropy"}
        None returns a boolean mask. Otherwise the issues are returned as
        indices ranked by the multi-label score under this method (EMA
        aggregation, alpha 0.8), worst first; ties by index. With
        ``low_memory=True`` it also chooses each class's issues.
    rank_by_kwargs : dict
        ``{"adjust_pred_probs": True}`` adjusts the ranking scores.
    filter_by : str
        cleanlab.filter's method, for each class: ``prune_by_noise_rate``,
        ``prune_by_class``, ``both``, ``confident_learning``,
        ``predicted_neq_given``, ``low_self_confidence`` or
        ``low_normalized_margin`` (see :func:`dlq.find_label_issues`).
    frac_noise : float
        Fraction of each class's estimated issues to flag (pruning filters).
    num_to_remove_per_class : list of int, optional
        How many examples to flag per class (pruning filters): for class k,
        examples labelled k (cleanlab flags none of those not labelled k).
    min_examples_per_class : int
        A side (labelled k or not) with no more examples is not pruned.
    confident_joint : array of int, shape (K, 2, 2), optional
        The one-vs-rest joints of :func:`dlq.compute_confident_joint` with
        ``multi_label=True``, instead of estimating them. A K x K joint is
        ignored with a warning, as cleanlab does.
    n_jobs : int, optional
        Threads when no distributed client is active; all cores when None.
    verbose : bool
        Show a progress bar.
    low_memory : bool
        Search each class as ``find_label_issues_batched`` does (two reads);
        the filter options then have no effect (a warning says so).

    Returns
    -------
    ndarray
        Boolean mask of length N, or ranked indices.

    Examples
    --------
    >>> import numpy as np, dlq
    >>> pred_probs = np.array([[0.9, 0.1], [0.8, 0.2], [0.1, 0.9], [0.2, 0.9], [0.9, 0.8], [0.1, 0.8]])
    >>> labels = [[0], [0], [1], [0], [0, 1], [1]]
    >>> dlq.multilabel.find_label_issues(labels, pred_probs).tolist()
    [False, False, False, True, False, False]
    """
    labels, pred_probs, options = _opened(
        labels,
        pred_probs,
        return_indices_ranked_by=return_indices_ranked_by,
        rank_by_kwargs=rank_by_kwargs,
        filter_by=filter_by,
        frac_noise=frac_noise,
        num_to_remove_per_class=num_to_remove_per_class,
        min_examples_per_class=min_examples_per_class,
        confident_joint=confident_joint,
        low_memory=low_memory,
    )
    if options.low_memory:
        found = low_memory_search(labels, pred_probs, options)
        result = found.mask if options.ranked_by is None else found.issues
        return compute(result, n_jobs=n_jobs, progress=verbose)[0]
    _validation.warn_if_joint_ignored(options.given_joints, filter_by, multi_label=True)
    if filter_by.startswith("low_"):
        issues = _lowest_multilabel_scores(labels, pred_probs, options, n_jobs, verbose)
    else:
        found = per_class_search(labels, pred_probs, options, filter_by)
        if options.ranked_by is not None:  # each chunk scores its own issue rows
            ranked = ranked_rows(
                ONE_VS_REST,
                labels,
                pred_probs,
                step(class_issues.union, found.per_problem),
                method=options.ranked_by,
                thresholds=found.thresholds if options.rank_adjust else None,
                aggregate=aggregators.CLEANLAB_DEFAULT,
            )
            return compute(step(attrgetter("indices"), ranked), n_jobs=n_jobs, progress=verbose)[0]
        (per_class,) = compute(found.per_problem, n_jobs=n_jobs, progress=verbose)
        issues = class_issues.union(per_class)
    if options.ranked_by is not None:
        return issues
    mask = np.zeros(labels.shape[0], dtype=bool)
    mask[issues] = True
    return mask


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
    """Label issues of each class separately, as cleanlab's function of this name.

    Class k of every example is the binary problem ``[1 - p_k, p_k]`` with
    label ``y_k``, filtered as ``cleanlab.filter.find_label_issues`` filters a
    two-class data set (with ``low_memory=True``, as
    ``find_label_issues_batched`` does); all K problems are searched together,
    in three reads of the data for the pruning and ``low_*`` filters, two
    otherwise. Parameters are those of :func:`find_label_issues`.

    Returns
    -------
    ndarray of bool, shape (N, K)
        When ``return_indices_ranked_by`` is None: ``issues[i, k]`` is True if
        example i's annotation of class k is likely wrong.
    (list of ndarray, list of ndarray, list of ndarray)
        Otherwise, as cleanlab: for each class, the indices of its issues
        (ranked by that class's score, worst first; ties by index), its
        binary labels (N,), and its binary pred_probs (N, 2).

    Examples
    --------
    >>> import numpy as np, dlq
    >>> pred_probs = np.array([[0.9, 0.1], [0.8, 0.2], [0.1, 0.9], [0.2, 0.9], [0.9, 0.8], [0.1, 0.8]])
    >>> labels = [[0], [0], [1], [0], [0, 1], [1]]
    >>> dlq.multilabel.find_multilabel_issues_per_class(labels, pred_probs).astype(int).tolist()
    [[0, 0], [0, 0], [0, 0], [0, 1], [0, 0], [0, 0]]
    """
    labels, pred_probs, options = _opened(
        labels,
        pred_probs,
        return_indices_ranked_by=return_indices_ranked_by,
        rank_by_kwargs=rank_by_kwargs,
        filter_by=filter_by,
        frac_noise=frac_noise,
        num_to_remove_per_class=num_to_remove_per_class,
        min_examples_per_class=min_examples_per_class,
        confident_joint=confident_joint,
        low_memory=low_memory,
    )
    if options.low_memory:
        found = low_memory_search(labels, pred_probs, options)
        (per_class,) = compute(found.per_problem, n_jobs=n_jobs, progress=verbose)
    else:
        _validation.warn_if_joint_ignored(options.given_joints, filter_by, multi_label=True)
        found = per_class_search(labels, pred_probs, options, filter_by)
        thresholds, per_class = compute(found.thresholds, found.per_problem, n_jobs=n_jobs, progress=verbose)
        thresholds = thresholds if options.rank_adjust else None
    if options.ranked_by is None:
        mask = np.zeros(labels.shape, dtype=bool)
        for k, issues in enumerate(per_class):
            mask[issues, k] = True
        return mask
    if not options.low_memory:
        per_class = _ranked_per_class(labels, pred_probs, per_class, options.ranked_by, thresholds, n_jobs)
    binary_labels, probs = compute(labels, pred_probs, n_jobs=n_jobs)
    binary_labels = binary_labels.astype(np.int64)
    return (
        per_class,
        [binary_labels[:, k] for k in range(binary_labels.shape[1])],
        class_issues.binary_pred_probs(probs),
    )


def _ranked_per_class(
    labels: Any,
    pred_probs: Any,
    per_class: list[np.ndarray],
    method: str,
    thresholds: np.ndarray | None,
    n_jobs: int | None,
) -> list[np.ndarray]:
    """Each class's issues ranked by that class's binary score."""
    union = class_issues.union(per_class)
    row_labels, row_probs = _rows(labels, pred_probs, union, n_jobs)
    return class_issues.ranked_per_class(per_class, union, row_labels, row_probs, method=method, thresholds=thresholds)
