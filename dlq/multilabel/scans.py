"""dlq's own lazy scan of multi-label data, ``dlq.multilabel.scan``: a dask collection for any search."""

from __future__ import annotations

from functools import partial
from typing import Any

from dlq import _validation
from dlq.graphs import passes
from dlq.graphs.blocks import per_record, step
from dlq.graphs.class_issues import union
from dlq.graphs.inprocess import lazily
from dlq.graphs.problems import ONE_VS_REST
from dlq.graphs.rows import issue_pieces
from dlq.io import arrays
from dlq.multilabel import aggregators
from dlq.multilabel.searches import (
    batched_search,
    in_memory_options,
    issue_counts,
    lowest_union,
    per_class_search,
)
from dlq.result import Scan, scan_of_batched, scan_of_filtered


@lazily
def scan(
    labels: Any,
    pred_probs: Any,
    *,
    method: str = "self_confidence",
    adjust_pred_probs: bool = False,
    aggregator_kwargs: dict[str, Any] = _validation.DEFAULT_AGGREGATOR,
    chunk_rows: int | None = None,
    filter_by: str | None = None,
    frac_noise: float = 1.0,
    min_examples_per_class: int = 1,
) -> Scan:
    """Build a lazy scan for label issues in multi-label data.

    By default every class's binary problem is searched as
    ``find_label_issues`` with ``low_memory=True`` searches it, choosing each
    class's issues by ``method``. With ``filter_by`` the search is that of
    :func:`dlq.multilabel.find_label_issues` (cleanlab's in-memory filters,
    with ``frac_noise`` and ``min_examples_per_class``), and the scores take
    one more read. Either way the issues are united and ranked by the
    multi-label score (``method``, ``adjust_pred_probs`` and
    ``aggregator_kwargs`` as in :func:`get_label_quality_scores`). Nothing
    runs until ``.compute()`` or ``.to_zarr()``.

    Returns
    -------
    Scan
        ``scores`` are the multi-label scores, ``mask`` marks the issues;
        the computed result's ``thresholds`` have shape (2, K) (one pair per
        binary problem) and ``num_issues`` adds up the classes' estimates
        (the issues found, with ``filter_by``). ``per_class_issues`` counts
        each class's issues; with ``filter_by``, ``ScanResult.extra["per_class"]``
        holds them.

    Examples
    --------
    >>> import numpy as np, dlq
    >>> pred_probs = np.array([[0.9, 0.1], [0.8, 0.2], [0.1, 0.9], [0.2, 0.9], [0.9, 0.8]])
    >>> dlq.multilabel.scan([[0], [0], [1], [0], [0, 1]], pred_probs).compute().issues.tolist()
    [3]
    """
    _validation.check_score_method(method, adjust_pred_probs)
    _validation.check_search_options(
        filter_by=filter_by, frac_noise=frac_noise, min_examples_per_class=min_examples_per_class
    )
    aggregate = aggregators.make_aggregator(aggregator_kwargs)
    labels, pred_probs = arrays.open_multilabel_inputs(labels, pred_probs, chunk_rows=chunk_rows)
    options = {
        "multilabel": True,
        "method": method,
        "adjust_pred_probs": adjust_pred_probs,
        "aggregator": {k: getattr(v, "__name__", v) for k, v in dict(aggregator_kwargs).items()},
    }
    if filter_by is None:
        search = batched_search(labels, pred_probs, method, method, adjust_pred_probs, aggregate)
        return scan_of_batched(
            search,
            pred_probs,
            options,
            per_class_issues=step(issue_counts, search.per_problem),
            issue_pieces_of=partial(issue_pieces, ONE_VS_REST, labels, pred_probs, search.chunk_ranked),
        )
    checked = in_memory_options(filter_by, frac_noise, min_examples_per_class, None, pred_probs.shape[1])
    search = per_class_search(labels, pred_probs, checked, filter_by)
    # cleanlab's multi-label low_* filters are not per class
    chunk_issues = (
        lowest_union(labels, pred_probs, checked)[1]
        if filter_by.startswith("low_")
        else per_record(union, search.per_chunk)
    )
    scores = passes.scores(
        ONE_VS_REST,
        labels,
        pred_probs,
        method=method,
        thresholds=search.thresholds if adjust_pred_probs else None,
        aggregate=aggregate,
    )
    return scan_of_filtered(
        ONE_VS_REST,
        labels,
        pred_probs,
        chunk_issues,
        scores,
        options={"filter_by": filter_by, "frac_noise": frac_noise, "min_examples_per_class": min_examples_per_class}
        | options,
        thresholds=search.thresholds,
        per_class_issues=step(issue_counts, search.per_problem),
        extra={"per_class": search.per_problem},
    )
