"""The Dask graphs: pass 1 (thresholds), pass 2 (scores and counts), selection.

This layer knows Dask and the kernels, and nothing of cleanlab's argument
names. Every public entry point builds its graph here.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, NamedTuple

import dask.array as da
import numpy as np
from dask.delayed import Delayed, delayed

from dlq import kernels
from dlq.result import Scan

#: Fan-in of every tree reduction.
SPLIT_EVERY = 8


class Block(NamedTuple):
    labels: Delayed
    pred_probs: Delayed
    offset: int
    n_rows: int


def blocks(labels: da.Array, pred_probs: da.Array) -> list[Block]:
    """Split aligned arrays into per-chunk delayed blocks with their row offsets."""
    sizes = labels.chunks[0]
    offsets = np.cumsum((0, *sizes[:-1])).tolist()
    return [
        Block(y, p, offset, n)
        for y, p, offset, n in zip(
            labels.to_delayed().ravel(), pred_probs.to_delayed()[:, 0], offsets, sizes, strict=True
        )
    ]


def tree_reduce(parts: Sequence[Any], combine: Callable[..., Any], *args: Any) -> Any:
    """Combine delayed parts ``SPLIT_EVERY`` at a time until one remains."""
    parts = list(parts)
    while len(parts) > 1:
        parts = [
            delayed(combine, pure=True)(parts[start : start + SPLIT_EVERY], *args)
            for start in range(0, len(parts), SPLIT_EVERY)
        ]
    return parts[0]


def raise_if_invalid(invalid: kernels.InvalidRows, num_classes: int) -> None:
    """Raise a ValueError naming the first invalid row, if there is one."""
    row, what = invalid.label
    if row != kernels.NO_ROW:
        raise ValueError(
            f"labels must be class indices in 0..{num_classes - 1} (pred_probs has {num_classes} columns); "
            f"labels[{row}] {what}. Fix or drop that row, or check that labels and pred_probs match"
        )
    row, what = invalid.prob
    if row != kernels.NO_ROW:
        raise ValueError(
            f"pred_probs must hold finite probabilities in [0, 1]; row {row} {what}. "
            "Apply softmax to logits, or fix or drop that row"
        )


def _validated_thresholds(partials: kernels.ThresholdPartials, absent_class_threshold: float) -> np.ndarray:
    raise_if_invalid(partials.invalid, partials.class_counts.shape[0])
    return kernels.confident_thresholds(partials, absent_class_threshold=absent_class_threshold)


def threshold_pass(block_list: list[Block], absent_class_threshold: float) -> Delayed:
    """Pass 1: validated confident thresholds, tree-reduced from per-chunk partials."""
    partials = [delayed(kernels.threshold_partials, pure=True)(b.labels, b.pred_probs, b.offset) for b in block_list]
    total = tree_reduce(partials, kernels.combine_threshold_partials)
    return delayed(_validated_thresholds, pure=True)(total, absent_class_threshold)


def score_dtype(pred_probs_dtype: np.dtype, method: str, adjust: bool) -> np.dtype:
    """The dtype the scorer returns, found by scoring one tiny row."""
    probe = np.full((1, 2), 0.5, dtype=pred_probs_dtype)
    thresholds = np.full(2, 0.5) if adjust else None
    return kernels.label_quality_scores(np.zeros(1, np.int64), probe, method=method, thresholds=thresholds).dtype


def _checked_scores(labels: np.ndarray, pred_probs: np.ndarray, offset: int, method: str) -> np.ndarray:
    raise_if_invalid(kernels.invalid_rows(labels, pred_probs, offset), pred_probs.shape[1])
    return kernels.label_quality_scores(labels, pred_probs, method=method)


def _concatenate(parts: list[Delayed], block_list: list[Block], dtype: np.dtype) -> da.Array:
    return da.concatenate(
        [da.from_delayed(part, shape=(b.n_rows,), dtype=dtype) for part, b in zip(parts, block_list, strict=True)]
    )


def label_quality_scores(
    labels: da.Array,
    pred_probs: da.Array,
    *,
    method: str,
    adjust: bool,
    absent_class_threshold: float,
) -> da.Array:
    """Lazy per-example label quality scores.

    Without adjustment each chunk is validated and scored on its own (one
    read); with adjustment pass 1 computes the thresholds first.
    """
    block_list = blocks(labels, pred_probs)
    dtype = score_dtype(pred_probs.dtype, method, adjust)
    if adjust:
        thresholds = threshold_pass(block_list, absent_class_threshold)
        parts = [
            delayed(kernels.label_quality_scores, pure=True)(
                b.labels, b.pred_probs, method=method, thresholds=thresholds
            )
            for b in block_list
        ]
    else:
        parts = [delayed(_checked_scores, pure=True)(b.labels, b.pred_probs, b.offset, method) for b in block_list]
    return _concatenate(parts, block_list, dtype)


def _pass2_block(
    labels: np.ndarray, pred_probs: np.ndarray, thresholds: np.ndarray, method: str, adjust: bool
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    scores = kernels.label_quality_scores(labels, pred_probs, method=method, thresholds=thresholds if adjust else None)
    agrees = kernels.prediction_agrees(labels, pred_probs)
    counts = kernels.issue_count_partials(labels, pred_probs, thresholds)
    return scores, agrees, counts


def _block_candidates(scores: np.ndarray, agrees: np.ndarray, offset: int, k: int) -> kernels.Candidates:
    return kernels.lowest(scores, np.arange(offset, offset + scores.shape[0]), agrees, k)


def _issue_indices(candidates: kernels.Candidates) -> np.ndarray:
    return candidates.indices[~candidates.agrees]


def _mask_block(issues: np.ndarray, offset: int, n_rows: int) -> np.ndarray:
    mask = np.zeros(n_rows, dtype=bool)
    inside = issues[(issues >= offset) & (issues < offset + n_rows)]
    mask[inside - offset] = True
    return mask


def _sum_counts(parts: list[np.ndarray]) -> np.ndarray:
    return np.sum(parts, axis=0)


def scan(
    labels: da.Array,
    pred_probs: da.Array,
    *,
    method: str,
    adjust: bool,
    estimation_method: str,
) -> Scan:
    """The whole label-issue scan as one lazy graph.

    Pass 1 reduces thresholds; pass 2 maps each chunk to scores, agreement
    flags and count partials; the number of issues is reduced from the
    counts; the lowest-scoring examples are chosen by a tree of per-chunk
    selections; examples whose prediction agrees with their label are dropped.
    """
    block_list = blocks(labels, pred_probs)
    thresholds = threshold_pass(block_list, kernels.THRESHOLD_LOWER_BOUND)
    outputs = [
        delayed(_pass2_block, pure=True, nout=3)(b.labels, b.pred_probs, thresholds, method, adjust) for b in block_list
    ]
    counts = tree_reduce([counts for _, _, counts in outputs], _sum_counts)
    num_issues = delayed(kernels.num_label_issues, pure=True)(counts, estimation_method=estimation_method)
    candidates = [
        delayed(_block_candidates, pure=True)(scores, agrees, b.offset, num_issues)
        for (scores, agrees, _), b in zip(outputs, block_list, strict=True)
    ]
    issues = delayed(_issue_indices, pure=True)(tree_reduce(candidates, kernels.merge_lowest, num_issues))
    mask_parts = [delayed(_mask_block, pure=True)(issues, b.offset, b.n_rows) for b in block_list]
    return Scan(
        n_examples=labels.shape[0],
        n_classes=pred_probs.shape[1],
        options={"method": method, "adjust_pred_probs": adjust, "estimation_method": estimation_method},
        thresholds=thresholds,
        num_issues=num_issues,
        scores=_concatenate(
            [scores for scores, _, _ in outputs], block_list, score_dtype(pred_probs.dtype, method, adjust)
        ),
        issues=issues,
        mask=_concatenate(mask_parts, block_list, np.dtype(bool)),
    )
