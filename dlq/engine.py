"""The Dask graphs: pass 1 (thresholds), pass 2 (scores and counts), selection.

This layer knows Dask and the kernels, and nothing of cleanlab's argument
names. Every public entry point builds its graph here.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable
from functools import partial
from typing import Any

import dask.array as da
import numpy as np
from dask.base import tokenize
from dask.delayed import Delayed
from dask.highlevelgraph import HighLevelGraph, MaterializedLayer

from dlq import kernels
from dlq.result import Scan

#: Fan-in of every tree reduction.
SPLIT_EVERY = 8

Key = tuple[Hashable, ...]


class GraphBuilder:
    """Adds dlq's tasks over the chunks of aligned labels and pred_probs.

    Every stage is one graph layer whose tasks name their inputs' keys
    directly, so a graph of ``n`` chunks takes O(n) to build, as dask's own
    reductions do.
    """

    def __init__(self, labels: da.Array, pred_probs: da.Array, *options: Any):
        graph = HighLevelGraph.merge(labels.__dask_graph__(), pred_probs.__dask_graph__())
        self.layers = dict(graph.layers)
        self.dependencies = {name: set(deps) for name, deps in graph.dependencies.items()}
        self.input_layers = {labels.name, pred_probs.name}
        self.token = tokenize(labels, pred_probs, *options)
        self.chunks = labels.chunks[0]
        self.offsets = np.cumsum((0, *self.chunks[:-1])).tolist()
        self.label_keys = [key for key in labels.__dask_keys__()]
        self.prob_keys = [row[0] for row in pred_probs.__dask_keys__()]

    def layer(self, stage: str, tasks: Callable[[str], dict[Key, tuple]], depends_on: set[str]) -> str:
        """Add a layer named after ``stage``; ``tasks(name)`` gives its tasks."""
        name = f"dlq-{stage}-{self.token}"
        self.layers[name] = MaterializedLayer(tasks(name))
        self.dependencies[name] = set(depends_on)
        return name

    def per_block(
        self, stage: str, func: Callable[..., Any], args: Callable[[int], tuple], depends_on: set[str]
    ) -> str:
        """A layer with one task per chunk: ``(name, i) = func(*args(i))``."""
        return self.layer(
            stage, lambda name: {(name, i): (func, *args(i)) for i in range(len(self.chunks))}, depends_on
        )

    def tree(self, stage: str, combine: Callable[..., Any], source: str, *args: Any) -> Key:
        """Reduce the per-block results of layer ``source`` by a tree of
        ``combine(list_of_parts, *args)`` calls, ``SPLIT_EVERY`` at a time."""

        def tasks(name: str) -> dict[Key, tuple]:
            graph: dict[Key, tuple] = {}
            keys: list[Key] = [(source, i) for i in range(len(self.chunks))]
            level = 0
            while level == 0 or len(keys) > 1:
                groups = [keys[start : start + SPLIT_EVERY] for start in range(0, len(keys), SPLIT_EVERY)]
                keys = [(name, level, j) for j in range(len(groups))]
                graph.update({key: (combine, group, *args) for key, group in zip(keys, groups, strict=True)})
                level += 1
            graph[(name,)] = graph.pop(keys[0])
            return graph

        depends = {source} | {arg[0] for arg in args if isinstance(arg, tuple)}
        return (self.layer(stage, tasks, depends),)

    def single(self, stage: str, func: Callable[..., Any], *args: Any) -> Key:
        """One task whose key arguments are given as ``(layer_name,)`` keys or tuples."""
        depends = {arg[0] for arg in args if isinstance(arg, tuple)}
        return (self.layer(stage, lambda name: {(name,): (func, *args)}, depends),)

    def graph(self) -> HighLevelGraph:
        return HighLevelGraph(self.layers, self.dependencies)

    def delayed(self, key: Key) -> Delayed:
        return Delayed(key, self.graph(), layer=key[0])

    def array(self, name: str, dtype: np.dtype) -> da.Array:
        return da.Array(self.graph(), name, (self.chunks,), dtype=dtype)


def raise_if_invalid(invalid: kernels.InvalidRows) -> None:
    """Raise a ValueError naming the first invalid row, if there is one."""
    for row, message in (invalid.label, invalid.prob):
        if row != kernels.NO_ROW:
            raise ValueError(message)


def _validated_thresholds(partials: kernels.ThresholdPartials, absent_class_threshold: float) -> np.ndarray:
    raise_if_invalid(partials.invalid)
    return kernels.confident_thresholds(partials, absent_class_threshold=absent_class_threshold)


def threshold_pass(builder: GraphBuilder, absent_class_threshold: float) -> Key:
    """Pass 1: validated confident thresholds, tree-reduced from per-chunk partials."""
    partials = builder.per_block(
        "threshold-partials",
        kernels.threshold_partials,
        lambda i: (builder.label_keys[i], builder.prob_keys[i], builder.offsets[i]),
        builder.input_layers,
    )
    total = builder.tree("threshold-sums", kernels.combine_threshold_partials, partials)
    return builder.single("thresholds", _validated_thresholds, total, absent_class_threshold)


def score_dtype(pred_probs_dtype: np.dtype, method: str, adjust: bool) -> np.dtype:
    """The dtype the scorer returns, found by scoring one tiny row."""
    probe = np.full((1, 2), 0.5, dtype=pred_probs_dtype)
    thresholds = np.full(2, 0.5) if adjust else None
    return kernels.label_quality_scores(np.zeros(1, np.int64), probe, method=method, thresholds=thresholds).dtype


def _checked_scores(
    labels: np.ndarray, pred_probs: np.ndarray, offset: int, method: str, thresholds: np.ndarray | None
) -> np.ndarray:
    if thresholds is None:  # adjusted scores come after pass 1, which validated everything
        raise_if_invalid(kernels.invalid_rows(labels, pred_probs, offset))
    return kernels.label_quality_scores(labels, pred_probs, method=method, thresholds=thresholds)


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
    builder = GraphBuilder(labels, pred_probs, "scores", method, adjust, absent_class_threshold)
    thresholds = threshold_pass(builder, absent_class_threshold) if adjust else None
    scores = builder.per_block(
        "scores",
        _checked_scores,
        lambda i: (builder.label_keys[i], builder.prob_keys[i], builder.offsets[i], method, thresholds),
        builder.input_layers | ({thresholds[0]} if thresholds else set()),
    )
    return builder.array(scores, score_dtype(pred_probs.dtype, method, adjust))


def _pass2_block(
    labels: np.ndarray, pred_probs: np.ndarray, thresholds: np.ndarray, method: str, adjust: bool
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    scores = kernels.label_quality_scores(labels, pred_probs, method=method, thresholds=thresholds if adjust else None)
    predicted = kernels.predicted_class(pred_probs)
    agrees = kernels.prediction_agrees(labels, pred_probs, predicted)
    counts = kernels.issue_count_partials(labels, pred_probs, thresholds, predicted)
    return scores, agrees, counts


def _block_candidates(pass2: tuple[np.ndarray, np.ndarray, np.ndarray], offset: int, k: int) -> kernels.Candidates:
    scores, agrees, _ = pass2
    return kernels.lowest(scores, np.arange(offset, offset + scores.shape[0]), agrees, k)


def _issue_indices(candidates: kernels.Candidates) -> np.ndarray:
    ranked = kernels.ranked(candidates)
    return ranked.indices[~ranked.agrees]


def _mask_block(issues: np.ndarray, offset: int, n_rows: int) -> np.ndarray:
    mask = np.zeros(n_rows, dtype=bool)
    inside = issues[(issues >= offset) & (issues < offset + n_rows)]
    mask[inside - offset] = True
    return mask


def _pass2_counts(pass2: tuple[np.ndarray, np.ndarray, np.ndarray]) -> np.ndarray:
    return pass2[2]


def _pass2_scores(pass2: tuple[np.ndarray, np.ndarray, np.ndarray]) -> np.ndarray:
    return pass2[0]


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
    builder = GraphBuilder(labels, pred_probs, "scan", method, adjust, estimation_method)
    thresholds = threshold_pass(builder, kernels.THRESHOLD_LOWER_BOUND)
    pass2 = builder.per_block(
        "pass2",
        _pass2_block,
        lambda i: (builder.label_keys[i], builder.prob_keys[i], thresholds, method, adjust),
        builder.input_layers | {thresholds[0]},
    )
    counts = builder.per_block("counts", _pass2_counts, lambda i: ((pass2, i),), {pass2})
    count_sum = builder.tree("count-sums", _sum_counts, counts)
    num_issues = builder.single(
        "num-issues", partial(kernels.num_label_issues, estimation_method=estimation_method), count_sum
    )
    candidates = builder.per_block(
        "candidates",
        _block_candidates,
        lambda i: ((pass2, i), builder.offsets[i], num_issues),
        {pass2, num_issues[0]},
    )
    lowest = builder.tree("lowest", kernels.merge_lowest, candidates, num_issues)
    issues = builder.single("issues", _issue_indices, lowest)
    scores = builder.per_block("scan-scores", _pass2_scores, lambda i: ((pass2, i),), {pass2})
    mask = builder.per_block(
        "mask", _mask_block, lambda i: (issues, builder.offsets[i], builder.chunks[i]), {issues[0]}
    )
    return Scan(
        n_examples=labels.shape[0],
        n_classes=pred_probs.shape[1],
        options={"method": method, "adjust_pred_probs": adjust, "estimation_method": estimation_method},
        thresholds=builder.delayed(thresholds),
        num_issues=builder.delayed(num_issues),
        scores=builder.array(scores, score_dtype(pred_probs.dtype, method, adjust)),
        issues=builder.delayed(issues),
        mask=builder.array(mask, np.dtype(bool)),
    )
