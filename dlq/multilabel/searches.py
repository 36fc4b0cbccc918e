"""The lazy multi-label searches that the finders, the scans and the health
summaries share: cleanlab's ``low_memory=True`` search, each class's search
under a filter, and cleanlab's multi-label ``low_*`` union."""

from __future__ import annotations

from operator import itemgetter
from typing import Any

import dask.array as da
import numpy as np
from dask.delayed import Delayed

from dlq import _validation
from dlq._validation import BATCHED_ABSENT_CLASS_THRESHOLD, IN_MEMORY_ABSENT_CLASS_THRESHOLD, MultilabelFilterOptions
from dlq.graphs import batched, passes
from dlq.graphs.blocks import per_record, step
from dlq.graphs.class_issues import first_as_a_set, rows_in_any
from dlq.graphs.problems import ONE_VS_REST
from dlq.graphs.search import search
from dlq.multilabel import aggregators


def issue_counts(per_class: list[np.ndarray]) -> np.ndarray:
    """How many issues each class has."""
    return np.array([issues.shape[0] for issues in per_class], dtype=np.int64)


def batched_search(
    labels: Any,
    pred_probs: Any,
    method: str,
    ranked_by: str | None,
    rank_adjust: bool,
    rank_aggregate: Any = aggregators.CLEANLAB_DEFAULT,
) -> batched.Batched:
    """The batched search of every class (cleanlab's ``low_memory=True``), each
    class's issues chosen by ``method``, ranked by ``ranked_by``."""
    ranking = None
    if ranked_by is not None:
        rank_absent = IN_MEMORY_ABSENT_CLASS_THRESHOLD if rank_adjust else None
        ranking = batched.RankingOf(ranked_by, rank_absent, rank_aggregate)
    return batched.batched_search(
        ONE_VS_REST,
        labels,
        pred_probs,
        method=method,
        absent_class_threshold=BATCHED_ABSENT_CLASS_THRESHOLD,
        ranking=ranking,
    )


def low_memory_search(labels: Any, pred_probs: Any, options: MultilabelFilterOptions) -> batched.Batched:
    """cleanlab's ``low_memory=True`` search: each class's issues by the ranking method (self-confidence without)."""
    return batched_search(
        labels, pred_probs, options.ranked_by or "self_confidence", options.ranked_by, options.rank_adjust
    )


def per_class_search(labels: Any, pred_probs: Any, options: MultilabelFilterOptions, filter_by: str) -> passes.Issues:
    """cleanlab.filter's ``filter_by`` on each of the K binary problems."""
    removals = options.removals
    return search(
        ONE_VS_REST,
        labels,
        pred_probs,
        filter_by=filter_by,
        given_joint=None if options.given_joints is None else list(options.given_joints),
        # cleanlab flags n_k examples labelled k in problem k, and none not labelled k
        removals=None if removals is None else [np.array([count, 0]) for count in removals],
        min_examples_per_class=options.min_examples_per_class,
        frac_noise=options.frac_noise,
        absent_class_threshold=IN_MEMORY_ABSENT_CLASS_THRESHOLD,
    )


def in_memory_options(
    filter_by: str, frac_noise: float, min_examples_per_class: int, confident_joint: Any, num_classes: int
) -> MultilabelFilterOptions:
    """The checked options of an in-memory search with no ranking and no removals."""
    return _validation.check_multilabel_filter_options(
        return_indices_ranked_by=None,
        rank_by_kwargs=None,
        filter_by=filter_by,
        frac_noise=frac_noise,
        num_to_remove_per_class=None,
        min_examples_per_class=min_examples_per_class,
        confident_joint=confident_joint,
        low_memory=False,
        num_classes=num_classes,
    )


def lowest_union(labels: Any, pred_probs: Any, options: MultilabelFilterOptions) -> tuple[Delayed, da.Array]:
    """cleanlab's multi-label ``low_*`` search, lazily: the sorted indices of
    the examples with the lowest multi-label self-confidence (EMA), as many
    as have a ``confident_learning`` issue in some class, and each chunk's
    own (records of sorted index arrays)."""
    found = per_class_search(labels, pred_probs, options, "confident_learning")
    lowest = passes.lowest_scores(
        ONE_VS_REST,
        labels,
        pred_probs,
        method="self_confidence",
        counts=step(np.atleast_1d, step(rows_in_any, found.per_problem)),
        aggregate=aggregators.CLEANLAB_DEFAULT,
    )
    return step(first_as_a_set, lowest.per_cell), per_record(itemgetter(0), lowest.per_chunk)
