"""The graph of an ensemble's label quality scores: one read of each member, then its weights, then the sum.

Each member's read keeps, per chunk, its scores and its probability of each
given label (what the weights by accuracy or log loss need to be known
first): a few bytes per row and member, until the weights are.
"""

from __future__ import annotations

from typing import Any, NamedTuple

import dask.array as da
import numpy as np
from dask.delayed import Delayed

from dlq.graphs.blocks import as_rows, per_chunk, per_record, step, sum_arrays, tree
from dlq.kernels import ensemble
from dlq.kernels.problems import MULTICLASS


class Ensemble(NamedTuple):
    """The combined scores, and the weights (with the log losses they came from, if searched)."""

    scores: da.Array
    weights: Delayed


def _member(labels: np.ndarray, pred_probs: np.ndarray, offset: int, method: str, thresholds: Any) -> ensemble.Member:
    if thresholds is None:  # adjusted scores come after pass 1, which validated everything
        MULTICLASS.invalid_rows(labels, pred_probs, offset).raise_if_any()
    scores = MULTICLASS.scores(labels, pred_probs, method=method, thresholds=thresholds, aggregate=None)
    return ensemble.member(labels, pred_probs, scores)


def _counts(record: ensemble.Member) -> np.ndarray:
    return np.array([record.correct, record.log_loss_sum], dtype=np.float64)


def _accuracy_weights(totals: list[np.ndarray], n_rows: int) -> np.ndarray:
    accuracies = [total[0] / n_rows for total in totals]
    return np.array(accuracies) / sum(accuracies)


def _log_losses(totals: list[np.ndarray], n_rows: int) -> np.ndarray:
    return np.array([total[1] / n_rows for total in totals])


def _evaluated(*records_and_args: Any) -> np.ndarray:
    *records, losses, temperatures = records_and_args
    weights = [ensemble.log_loss_weights(losses, temperature) for temperature in temperatures]
    return ensemble.evaluated_log_loss_sums([record.given for record in records], weights)


def _best_weights(sums: np.ndarray, losses: np.ndarray, temperatures: list[float], n_rows: int) -> np.ndarray:
    """The weights of the temperature whose weighted average has the lowest
    log loss (the first, on ties)."""
    best = int(np.argmin(sums / n_rows))
    return ensemble.log_loss_weights(losses, temperatures[best])


def _combined(*records_and_weights: Any) -> np.ndarray:
    *records, weights, uniform = records_and_weights
    scores = [record.scores for record in records]
    if uniform:  # the mean in the scores' own dtype
        return ensemble.summed(scores) / len(scores)
    return ensemble.weighted(scores, weights)


def ensemble_scores(
    labels: da.Array,
    members: list[da.Array],
    *,
    method: str,
    thresholds: list[Any],
    weighting: str,
    custom_weights: np.ndarray | None,
    temperatures: list[float],
) -> Ensemble:
    """Each member's scores under ``method`` (adjusted by its ``thresholds``
    where given), combined by ``weighting``: ``uniform`` (their mean),
    ``accuracy`` (weights proportional to each member's accuracy),
    ``log_loss_search`` (weights ``exp(-t * log loss)`` for the ``t`` among
    ``temperatures`` whose weighted average has the lowest log loss) or
    ``custom``; all members in the same row chunks as ``labels``."""
    n_rows = labels.shape[0]
    records = [
        per_chunk(_member, labels, pred_probs, method, member_thresholds)
        for pred_probs, member_thresholds in zip(members, thresholds, strict=True)
    ]
    totals = [tree(per_record(_counts, member_records), sum_arrays) for member_records in records]
    if weighting == "accuracy":
        weights = step(_accuracy_weights, totals, n_rows)
    elif weighting == "log_loss_search":
        losses = step(_log_losses, totals, n_rows)
        sums = tree(per_record(_evaluated, *records, args=(losses, temperatures)), sum_arrays)
        weights = step(_best_weights, sums, losses, temperatures, n_rows)
    else:
        weights = custom_weights if weighting == "custom" else np.full(len(members), 1 / len(members))
    uniform = weighting == "uniform"
    combined = per_record(_combined, *records, args=(weights, uniform))
    dtype = np.result_type(
        *(
            MULTICLASS.score_type(pred_probs.dtype, method, adjusted=member_thresholds is not None)
            for pred_probs, member_thresholds in zip(members, thresholds, strict=True)
        )
    )
    return Ensemble(as_rows(combined, labels.chunks[0], dtype if uniform else np.float64), weights)
