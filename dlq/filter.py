"""cleanlab.filter's ``find_label_issues``, as distributed graphs."""

from __future__ import annotations

import warnings
from typing import Any

import dask.array as da
import numpy as np

from dlq import _validation
from dlq._validation import IN_MEMORY_ABSENT_CLASS_THRESHOLD
from dlq.graphs import estimates, passes
from dlq.graphs.blocks import per_record, step
from dlq.graphs.problems import MULTICLASS, ONE_VS_REST
from dlq.graphs.rows import ranked_rows
from dlq.graphs.scheduler import compute
from dlq.graphs.search import search
from dlq.graphs.told import Told, predicted_neq_given
from dlq.io import arrays
from dlq.result import Scan, scan_of_filtered

__all__ = ["find_label_issues", "find_label_issues_using_argmax_confusion_matrix", "find_predicted_neq_given"]


def find_label_issues(
    labels: Any,
    pred_probs: Any,
    *,
    return_indices_ranked_by: str | None = None,
    rank_by_kwargs: dict | None = None,
    filter_by: str = "prune_by_noise_rate",
    frac_noise: float = 1.0,
    num_to_remove_per_class: Any = None,
    min_examples_per_class: int = 1,
    confident_joint: Any = None,
    n_jobs: int | None = None,
    verbose: bool = False,
    multi_label: bool = False,
) -> np.ndarray:
    """Find label issues as cleanlab.filter's ``find_label_issues`` does, for
    the pruning filters, in bounded memory.

    The calibrated confident joint (or the ``confident_joint`` you give)
    says how many examples each class should give up to each other class
    (``prune_by_noise_rate``: those given k with the largest margin p_j - p_k)
    or in all (``prune_by_class``: those given k with the smallest p_k);
    ``both`` flags what both flag. Examples whose prediction, with 1e-6 added
    to the given label's probability, is their label are never flagged. The
    data are read for the thresholds, then for the joint, which also bounds
    each cell's cut-off, and then for the entries below the bounds: from a
    stored input (a path, zarr, or an array in memory of up to 256 MiB)
    they are kept for the selection's rounds when few (three reads in all);
    otherwise each round reads again (five). Memory holds histograms, the
    bounded entries and the issues, never a cell's candidates per chunk.

    Parameters
    ----------
    labels, pred_probs : array-like
        As for :func:`dlq.scan`.
    return_indices_ranked_by : {None, "self_confidence", "normalized_margin", "confidence_weighted_entropy"}
        Return the flagged indices sorted by this label quality score, lowest
        first (ties by index), instead of a boolean mask.
    rank_by_kwargs : dict, optional
        Extra arguments of the ranking score (``adjust_pred_probs``).
    filter_by : str
        ``prune_by_noise_rate``, ``prune_by_class`` or ``both`` prune the
        joint; ``confident_learning`` flags the rows off its diagonal,
        ``predicted_neq_given`` those whose argmax is not their label (two
        reads and one); ``low_self_confidence`` and ``low_normalized_margin``
        the k lowest scores, k being :func:`dlq.num_label_issues` (three
        reads; the scores of a chunk stay in memory until the cut-off).
    frac_noise : float
        Fraction of the estimated issues to flag, in [0, 1].
    num_to_remove_per_class : array-like of int, shape (K,), optional
        How many issues to flag per given class.
    min_examples_per_class : int
        Classes with no more examples than this are not pruned.
    confident_joint : array-like of int, shape (K, K), optional
        Use this joint instead of estimating it.
    n_jobs : int, optional
        Threads when no distributed client is active (all cores by default).
    verbose : bool
        Show a progress bar.
    multi_label : bool
        Multi-label data: the answer of :func:`dlq.multilabel.find_label_issues`
        (with ``low_memory=False``), with a DeprecationWarning, as cleanlab
        gives it; call that function instead.

    Returns
    -------
    ndarray
        A boolean mask of length N, or ranked indices.

    Examples
    --------
    >>> import numpy as np, dlq
    >>> labels = np.array([0, 0, 0, 0, 1, 1, 1, 1])
    >>> pred_probs = np.array([[.9, .1], [.8, .2], [.9, .1], [.1, .9], [.2, .8], [.1, .9], [.3, .7], [.9, .1]])
    >>> np.flatnonzero(dlq.find_label_issues(labels, pred_probs)).tolist()
    [3, 7]
    """
    if multi_label:
        from dlq.multilabel import filter as multilabel_filter

        warnings.warn(
            "find_label_issues(multi_label=True) is deprecated, as in cleanlab; use dlq.multilabel.find_label_issues",
            DeprecationWarning,
            stacklevel=2,
        )
        return multilabel_filter.find_label_issues(
            labels,
            pred_probs,
            return_indices_ranked_by=return_indices_ranked_by,
            rank_by_kwargs=rank_by_kwargs or {},
            filter_by=filter_by,
            frac_noise=frac_noise,
            num_to_remove_per_class=num_to_remove_per_class,
            min_examples_per_class=min_examples_per_class,
            confident_joint=confident_joint,
            n_jobs=n_jobs,
            verbose=verbose,
        )
    rank_adjust = _validation.check_ranking(return_indices_ranked_by, rank_by_kwargs)
    opened_labels, opened_probs = arrays.open_inputs(labels, pred_probs)
    num_classes = opened_probs.shape[1]
    removals = _validation.check_filter_options(
        filter_by=filter_by,
        frac_noise=frac_noise,
        num_to_remove_per_class=num_to_remove_per_class,
        min_examples_per_class=min_examples_per_class,
        num_classes=num_classes,
    )
    given_joint = _validation.check_confident_joint(confident_joint, num_classes)
    _validation.warn_if_joint_ignored(given_joint, filter_by, multi_label=False)
    searched = search(
        MULTICLASS,
        opened_labels,
        opened_probs,
        filter_by=filter_by,
        given_joint=given_joint,
        removals=removals,
        min_examples_per_class=int(min_examples_per_class),
        frac_noise=float(frac_noise),
        absent_class_threshold=IN_MEMORY_ABSENT_CLASS_THRESHOLD,
    )
    if return_indices_ranked_by is None:
        ((issues,),) = compute(searched.per_problem, n_jobs=n_jobs, progress=verbose)
        mask = np.zeros(opened_labels.shape[0], dtype=bool)
        mask[issues] = True
        return mask
    ranked = ranked_rows(
        MULTICLASS,
        opened_labels,
        opened_probs,
        step(_only_problem, searched.per_problem),
        method=return_indices_ranked_by,
        thresholds=searched.thresholds if rank_adjust else None,
    )
    (ranked,) = compute(ranked, n_jobs=n_jobs, progress=verbose)
    return ranked.indices


def find_predicted_neq_given(labels: Any, pred_probs: Any, *, multi_label: bool = False) -> Any:
    """Whether each example's predicted class (its argmax, the first on
    ties) is not its given label, as cleanlab.filter's function of that name:
    without the 1e-6 allowance that ``find_label_issues(...,
    filter_by="predicted_neq_given")`` adds. One read.

    Parameters
    ----------
    labels, pred_probs : array-like
        As for :func:`find_label_issues`.
    multi_label : bool
        Multi-label data (labels as lists of classes, a sparse matrix or a
        binary (N, K) array): whether some class's one-vs-rest argmax is not
        its label.

    Returns
    -------
    ndarray of bool, shape (N,)
        A lazy dask array when an input is a dask array.

    Examples
    --------
    >>> import numpy as np
    >>> find_predicted_neq_given(np.array([0, 1, 1]), np.array([[0.9, 0.1], [0.6, 0.4], [0.5, 0.5]])).tolist()
    [False, True, True]
    """
    if multi_label:
        opened, problems = arrays.open_multilabel_inputs(labels, pred_probs), ONE_VS_REST
    else:
        opened, problems = arrays.open_inputs(labels, pred_probs), MULTICLASS
    return told_unless_lazy(predicted_neq_given(problems, *opened), labels, pred_probs)


def find_label_issues_using_argmax_confusion_matrix(
    labels: Any, pred_probs: Any, *, calibrate: bool = True, filter_by: str = "prune_by_noise_rate"
) -> np.ndarray:
    """:func:`find_label_issues` pruning by the counts of (given label,
    argmax class) instead of the confident joint (calibrated to the label
    counts, unless ``calibrate`` is False), as cleanlab.filter's function
    of that name. One read for the counts, then the search's own.

    Examples
    --------
    >>> import numpy as np
    >>> labels = np.array([0, 0, 0, 0, 1, 1, 1, 1])
    >>> pred_probs = np.array([[.9, .1], [.8, .2], [.7, .3], [.2, .8], [.1, .9], [.3, .7], [.2, .8], [.6, .4]])
    >>> np.flatnonzero(find_label_issues_using_argmax_confusion_matrix(labels, pred_probs)).tolist()
    [3, 7]
    """
    opened = arrays.open_inputs(labels, pred_probs)
    counts = passes.argmax_confusion(*opened)
    confident_joint = estimates.calibrated_to_its_rows(counts) if calibrate else counts
    (confident_joint,) = compute(confident_joint)
    return find_label_issues(labels, pred_probs, confident_joint=confident_joint, filter_by=filter_by)


def told_unless_lazy(found: Told, *inputs: Any) -> Any:
    """The values of ``found``, lazy when any input is a dask array (lazy
    in, lazy out: then no warning tells of their rows), else computed with
    the step that tells of the rows."""
    if any(isinstance(x, da.Array) for x in inputs):
        return found.values
    return compute(*found)[0]


def _only_problem(per_problem: list[np.ndarray]) -> np.ndarray:
    return per_problem[0]


def filtered_scan(
    labels: Any,
    pred_probs: Any,
    *,
    filter_by: str,
    frac_noise: float,
    min_examples_per_class: int,
    method: str,
    adjust_pred_probs: bool,
) -> Scan:
    """:func:`find_label_issues`'s search as a lazy :class:`~dlq.result.Scan`
    of opened inputs, its issues ranked by ``method`` (adjusted by the
    search's thresholds if asked); the scores take one read more."""
    removals = _validation.check_filter_options(
        filter_by=filter_by,
        frac_noise=frac_noise,
        num_to_remove_per_class=None,
        min_examples_per_class=min_examples_per_class,
        num_classes=pred_probs.shape[1],
    )
    searched = search(
        MULTICLASS,
        labels,
        pred_probs,
        filter_by=filter_by,
        given_joint=None,
        removals=removals,
        min_examples_per_class=int(min_examples_per_class),
        frac_noise=float(frac_noise),
        absent_class_threshold=IN_MEMORY_ABSENT_CLASS_THRESHOLD,
    )
    scores = passes.scores(
        MULTICLASS, labels, pred_probs, method=method, thresholds=searched.thresholds if adjust_pred_probs else None
    )
    options = {"filter_by": filter_by, "frac_noise": frac_noise, "min_examples_per_class": min_examples_per_class}
    return scan_of_filtered(
        MULTICLASS,
        labels,
        pred_probs,
        per_record(_only_problem, searched.per_chunk),
        scores,
        options={**options, "method": method, "adjust_pred_probs": adjust_pred_probs},
        thresholds=searched.thresholds,
    )
