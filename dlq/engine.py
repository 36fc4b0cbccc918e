"""The Dask graphs: pass 1 (thresholds), pass 2 (scores and counts), selection.

This layer knows Dask and the kernels, and nothing of cleanlab's argument
names. Every public entry point builds its graph here.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable
from functools import partial
from operator import attrgetter
from types import ModuleType
from typing import Any, NamedTuple

import dask
import dask.array as da
import numpy as np
from dask.base import tokenize
from dask.delayed import Delayed
from dask.graph_manipulation import clone
from dask.highlevelgraph import HighLevelGraph, MaterializedLayer

from dlq import aggregators, joint, kernels, onevsrest, selection
from dlq.result import Scan, ScanStore

#: Fan-in of every tree reduction.
SPLIT_EVERY = 8

Key = tuple[Hashable, ...]


class _Read(NamedTuple):
    """The chunk keys of one read of labels and pred_probs."""

    labels: list[Key]
    pred_probs: list[Key]
    layers: set[str]


def _read(labels: da.Array, pred_probs: da.Array) -> _Read:
    return _Read(
        [key if labels.ndim == 1 else key[0] for key in labels.__dask_keys__()],
        [row[0] for row in pred_probs.__dask_keys__()],
        {labels.name, pred_probs.name},
    )


class GraphBuilder:
    """Adds dlq's tasks over the chunks of aligned labels and pred_probs.

    Every stage is one graph layer whose tasks name their inputs' keys
    directly, so a graph of ``n`` chunks takes O(n) to build, as dask's own
    reductions do.
    """

    def __init__(self, labels: da.Array, pred_probs: da.Array, *options: Any):
        # Pass 2 reads the data through an independent copy of the input graph:
        # were both passes to share the input chunks' keys, every chunk would
        # stay in memory from pass 1 until pass 2 had used it, the whole data set.
        reread_labels, reread_pred_probs = clone(labels, pred_probs)
        graph = HighLevelGraph.merge(
            *(array.__dask_graph__() for array in (labels, pred_probs, reread_labels, reread_pred_probs))
        )
        self.layers = dict(graph.layers)
        self.dependencies = {name: set(deps) for name, deps in graph.dependencies.items()}
        self.token = tokenize(labels, pred_probs, *options)
        self.chunks = labels.chunks[0]
        self.offsets = np.cumsum((0, *self.chunks[:-1])).tolist()
        self.first_read = _read(labels, pred_probs)
        self.second_read = _read(reread_labels, reread_pred_probs)
        self._inputs = (labels, pred_probs)

    def another_read(self) -> _Read:
        """One more independent read of the inputs (see ``second_read``)."""
        labels, pred_probs = clone(*self._inputs)
        for array in (labels, pred_probs):
            self.layers.update(array.__dask_graph__().layers)
            self.dependencies.update({name: set(deps) for name, deps in array.__dask_graph__().dependencies.items()})
        return _read(labels, pred_probs)

    def layer(self, stage: str, tasks: Callable[[str], dict[Key, tuple]], depends_on: set[str]) -> str:
        """Add a layer named after ``stage``; ``tasks(name)`` gives its tasks."""
        name = f"dlq-{stage}-{self.token}"
        self.layers[name] = MaterializedLayer(tasks(name))
        self.dependencies[name] = set(depends_on)
        return name

    def per_block(
        self,
        stage: str,
        func: Callable[..., Any],
        args: Callable[[int], tuple],
        depends_on: set[str],
        *,
        ndim: int = 1,
    ) -> str:
        """A layer with one task per chunk: ``(name, i) = func(*args(i))``; keys
        get trailing zeros for blocks of an ``ndim``-dimensional array."""
        suffix = (0,) * (ndim - 1)
        return self.layer(
            stage, lambda name: {(name, i, *suffix): (func, *args(i)) for i in range(len(self.chunks))}, depends_on
        )

    def per_chunk(
        self, stage: str, func: Callable[..., Any], read: _Read, *args: Any, offset: bool = True, ndim: int = 1
    ) -> str:
        """A layer of ``func(labels, pred_probs, [row offset,] *args)`` over the
        chunks of ``read``; key arguments (``(layer,)`` tuples) are depended on."""
        depends = read.layers | {arg[0] for arg in args if isinstance(arg, tuple)}
        return self.per_block(
            stage,
            func,
            lambda i: (read.labels[i], read.pred_probs[i], *((self.offsets[i],) if offset else ()), *args),
            depends,
            ndim=ndim,
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

    def graph(self, layer: str) -> HighLevelGraph:
        """The layers that ``layer`` needs, and nothing else: graphs are
        computed without dask's optimisations, so nothing unneeded may be in them."""
        whole = HighLevelGraph(dict(self.layers), {name: set(deps) for name, deps in self.dependencies.items()})
        return whole.cull_layers([layer])

    def delayed(self, key: Key) -> Delayed:
        return Delayed(key, self.graph(key[0]), layer=key[0])

    def array(self, name: str, dtype: np.dtype, columns: int | None = None) -> da.Array:
        chunks = (self.chunks,) if columns is None else (self.chunks, (columns,))
        return da.Array(self.graph(name), name, chunks, dtype=dtype)


def raise_if_invalid(invalid: kernels.InvalidRows) -> None:
    """Raise a ValueError naming the first invalid row, if there is one."""
    for row, message in (invalid.label, invalid.prob):
        if row != kernels.NO_ROW:
            raise ValueError(message)


def _validated_thresholds(
    partials: Any, confident_thresholds: Callable[..., np.ndarray], absent_class_threshold: float
) -> np.ndarray:
    raise_if_invalid(partials.invalid)
    return confident_thresholds(partials, absent_class_threshold=absent_class_threshold)


def threshold_sums(builder: GraphBuilder, arithmetic: ModuleType = kernels) -> Key:
    """Pass 1: per-chunk threshold partials, tree-reduced. ``arithmetic`` is the
    kernel module (:mod:`dlq.kernels` or :mod:`dlq.onevsrest`)."""
    partials = builder.per_chunk("threshold-partials", arithmetic.threshold_partials, builder.first_read)
    return builder.tree("threshold-sums", arithmetic.combine_threshold_partials, partials)


def thresholds_from(
    builder: GraphBuilder,
    total: Key,
    absent_class_threshold: float,
    arithmetic: ModuleType = kernels,
    stage: str = "thresholds",
) -> Key:
    """Validated confident thresholds from reduced pass-1 partials; raises on invalid input."""
    return builder.single(stage, _validated_thresholds, total, arithmetic.confident_thresholds, absent_class_threshold)


def threshold_pass(builder: GraphBuilder, absent_class_threshold: float) -> Key:
    """Pass 1 for multi-class data: validated confident thresholds."""
    return thresholds_from(builder, threshold_sums(builder), absent_class_threshold)


def confident_thresholds(labels: da.Array, pred_probs: da.Array, absent_class_threshold: float) -> Delayed:
    """Pass 1 alone: the validated per-class confident thresholds."""
    builder = GraphBuilder(labels, pred_probs, "thresholds", absent_class_threshold)
    return builder.delayed(threshold_pass(builder, absent_class_threshold))


def _unnormalized_rows(partials: kernels.ThresholdPartials) -> kernels.RowsOffOne:
    return partials.unnormalized


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
    read = builder.second_read if adjust else builder.first_read
    scores = builder.per_chunk("scores", _checked_scores, read, method, thresholds)
    return builder.array(scores, score_dtype(pred_probs.dtype, method, adjust))


class _Pass2(NamedTuple):
    scores: np.ndarray | None  # None when written to the store
    counts: np.ndarray  # (3, K) issue count partials
    histogram: np.ndarray  # leading bits of the scores' order keys
    disagreeing: kernels.Candidates | None  # rows whose prediction differs from their label; None when stored


def _pass2_block(
    labels: np.ndarray,
    pred_probs: np.ndarray,
    offset: int,
    thresholds: np.ndarray,
    method: str,
    adjust: bool,
    store: ScanStore | None,
) -> _Pass2:
    scores = kernels.label_quality_scores(labels, pred_probs, method=method, thresholds=thresholds if adjust else None)
    predicted = kernels.predicted_class(pred_probs)
    disagrees = ~kernels.prediction_agrees(labels, pred_probs, predicted)
    counts = kernels.issue_count_partials(labels, pred_probs, thresholds, predicted)
    return _Pass2(*_kept_or_stored(scores, disagrees, offset, store, counts))


def _kept_or_stored(
    scores: np.ndarray, disagrees: np.ndarray, offset: int, store: ScanStore | None, counts: Any
) -> tuple[np.ndarray | None, Any, np.ndarray, kernels.Candidates | None]:
    """(scores, counts, histogram, disagreeing candidates) of a chunk for the
    selection; with a store, scores and candidate flags go there instead."""
    histogram = selection.leading_histogram(scores)
    if store is None:
        return scores, counts, histogram, _candidates(scores, disagrees, offset)
    rows = slice(offset, offset + scores.shape[0])
    store.scores[rows] = scores
    store.is_label_issue[rows] = disagrees  # until the selection narrows it down
    return None, counts, histogram, None


def _candidates(scores: np.ndarray, disagrees: np.ndarray, offset: int) -> kernels.Candidates:
    rows = np.flatnonzero(disagrees)
    return kernels.Candidates(scores[rows], rows + offset, np.zeros(rows.shape[0], bool))


class _OneRead(NamedTuple):
    scores: np.ndarray | None  # None when written to the store
    mispredicted: kernels.Mispredicted  # in place of pass 2's counts
    histogram: np.ndarray
    disagreeing: kernels.Candidates | None  # None when stored
    threshold_partials: kernels.ThresholdPartials


def _one_read_block(
    labels: np.ndarray, pred_probs: np.ndarray, offset: int, method: str, store: ScanStore | None
) -> _OneRead:
    """Pass 1 and pass 2 of a chunk at once, for scores that need no thresholds."""
    partials = kernels.threshold_partials(labels, pred_probs, offset)
    if partials.invalid:
        # the thresholds will raise; score nothing, but keep every part well formed
        labels, pred_probs = labels[:0], pred_probs[:0]
    scores = kernels.label_quality_scores(labels, pred_probs, method=method)
    predicted = kernels.predicted_class(pred_probs)
    disagrees = ~kernels.prediction_agrees(labels, pred_probs, predicted)
    mispredicted = kernels.Mispredicted.of(labels, predicted)
    return _OneRead(*_kept_or_stored(scores, disagrees, offset, store, mispredicted), partials)


def _off_diagonal_counts(mispredicted: kernels.Mispredicted, thresholds: np.ndarray) -> np.ndarray:
    return mispredicted.off_diagonal_counts(thresholds)


def _valid_scores(block: _OneRead, thresholds: np.ndarray) -> np.ndarray:
    return block.scores


def _total_count(counts: np.ndarray) -> int:
    return int(counts.sum())


def _part(builder: GraphBuilder, source: str, field: str) -> str:
    """The layer of attribute ``field`` of each block of layer ``source``
    (the same layer each time it is asked for)."""
    name = f"dlq-{field}-{builder.token}"
    if name in builder.layers:
        return name
    return builder.per_block(field, attrgetter(field), lambda i: ((source, i),), {source})


def _written(pass2: _Pass2) -> bool:
    return True


def _read_stored(store: ScanStore, start: int, stop: int, written: bool) -> np.ndarray:
    """The scores of rows ``start:stop`` read back (``written`` orders the read after the write)."""
    return store.scores[start:stop]


def _select_stored(
    store: ScanStore, start: int, stop: int, cutoff: selection.Cutoff, written: bool
) -> kernels.Candidates:
    """The issues among rows ``start:stop``, marked in the store as the only ones."""
    candidates = _candidates(store.scores[start:stop], store.is_label_issue[start:stop], start)
    issues = cutoff.selects(candidates)
    store.is_label_issue[start:stop] = _mask_block(issues.indices, start, stop - start)
    return issues


def _sum_counts(parts: list[np.ndarray]) -> np.ndarray:
    return np.sum(parts, axis=0)


def _concatenate(parts: list[kernels.Candidates]) -> kernels.Candidates:
    return kernels.merge_lowest(parts, sum(part.indices.shape[0] for part in parts))


def _narrowed(histogram: np.ndarray, cut: selection.Cut) -> selection.Cut:
    return cut.narrowed(histogram)


def _first_cut(histogram: np.ndarray, num_issues: int, n_rows: int) -> selection.Cut:
    return selection.Cut.first(num_issues, n_rows).narrowed(histogram)


def _histogram(scores: np.ndarray, cut: selection.Cut) -> np.ndarray:
    return cut.histogram(scores)


def _gathered(scores: np.ndarray, cut: selection.Cut, offset: int) -> kernels.Candidates:
    return cut.gathered(scores, offset)


def _merge_gathered(parts: list[kernels.Candidates], cut: selection.Cut) -> kernels.Candidates:
    return kernels.merge_lowest(parts, 0 if cut.rank is None else cut.rank + 1)


def _selected(candidates: kernels.Candidates, cutoff: selection.Cutoff) -> kernels.Candidates:
    return cutoff.selects(candidates)


def _ranked_indices(candidates: kernels.Candidates) -> np.ndarray:
    return kernels.ranked(candidates).indices


def _issue_indices(candidates: kernels.Candidates) -> np.ndarray:
    ranked = kernels.ranked(candidates)
    return ranked.indices[~ranked.agrees]


def _inside(indices: np.ndarray, offset: int, n_rows: int) -> np.ndarray:
    """Those of ``indices`` (global rows) that fall in the block starting at ``offset``."""
    return indices[(indices >= offset) & (indices < offset + n_rows)]


def _mask_block(issues: np.ndarray, offset: int, n_rows: int) -> np.ndarray:
    mask = np.zeros(n_rows, dtype=bool)
    mask[_inside(issues, offset, n_rows) - offset] = True
    return mask


def _cutoff(builder: GraphBuilder, scores_of: Callable[[int], Any], read_layers: set[str], cut: Key) -> Key:
    """The rounds of :mod:`dlq.selection` after the first: histograms of
    the chunks' scores (``scores_of(i)``, a key or task) narrow the cut,
    then the remaining rows are gathered into the cut-off."""
    for round_ in range(2, selection.ROUNDS + 1):
        histograms = builder.per_block(
            f"histograms-{round_}", _histogram, lambda i, cut=cut: (scores_of(i), cut), read_layers | {cut[0]}
        )
        histogram_sum = builder.tree(f"histogram-sums-{round_}", _sum_counts, histograms)
        cut = builder.single(f"cut-{round_}", _narrowed, histogram_sum, cut)
    gathered = builder.per_block(
        "gathered", _gathered, lambda i: (scores_of(i), cut, builder.offsets[i]), read_layers | {cut[0]}
    )
    return builder.single(
        "cutoff", selection.Cutoff.of, cut, builder.tree("gathered-merge", _merge_gathered, gathered, cut)
    )


class _Scored(NamedTuple):
    scores: np.ndarray
    histogram: np.ndarray


def _scored_block(
    labels: np.ndarray,
    pred_probs: np.ndarray,
    offset: int,
    method: str,
    aggregate: Callable[[np.ndarray], np.ndarray] | None,
) -> _Scored:
    if aggregate is None:
        scores = kernels.label_quality_scores(labels, pred_probs, method=method)
    else:
        scores = _multilabel_scores_block(labels, pred_probs, offset, method, None, aggregate)
    return _Scored(scores, selection.leading_histogram(scores))


def _at_or_below(scores: np.ndarray, offset: int, cutoff: selection.Cutoff) -> kernels.Candidates:
    indices = np.arange(offset, offset + scores.shape[0])
    return cutoff.selects(kernels.Candidates(scores, indices, np.zeros(scores.shape[0], bool)))


def lowest_scores(
    labels: da.Array,
    pred_probs: da.Array,
    *,
    method: str,
    k: int,
    aggregate: Callable[[np.ndarray], np.ndarray] | None = None,
) -> Delayed:
    """Indices of the ``k`` lowest unadjusted scores (ties to the lower
    index), ranked, in one read of data already validated; the scores stay in
    memory until the cut-off is known. Multi-label scores, per-class scores
    aggregated by ``aggregate``, when it is given."""
    builder = GraphBuilder(labels, pred_probs, "lowest-scores", method, k, aggregate)
    blocks = builder.per_chunk("scored", _scored_block, builder.first_read, method, aggregate)
    scores = _part(builder, blocks, "scores")
    histogram_sum = builder.tree("histogram-sums-1", _sum_counts, _part(builder, blocks, "histogram"))
    cut = builder.single("cut-1", _first_cut, histogram_sum, k, labels.shape[0])
    cutoff = _cutoff(builder, lambda i: (scores, i), {scores}, cut)
    selected = builder.per_block(
        "selected", _at_or_below, lambda i: ((scores, i), builder.offsets[i], cutoff), {scores, cutoff[0]}
    )
    return builder.delayed(
        builder.single("lowest", _ranked_indices, builder.tree("lowest-merge", _concatenate, selected))
    )


def regular_chunks(chunks: tuple[int, ...]) -> bool:
    """Whether every chunk but a shorter last one has the first chunk's size,
    so that each can be written to its own chunks of a zarr array."""
    return all(size == chunks[0] for size in chunks[:-1]) and chunks[-1] <= chunks[0]


def scan(
    labels: da.Array,
    pred_probs: da.Array,
    *,
    method: str,
    adjust: bool,
    estimation_method: str,
    store: ScanStore | None = None,
) -> Scan:
    """The whole label-issue scan as one lazy graph.

    Pass 1 reduces thresholds. Pass 2 maps each chunk to scores, issue count
    partials, a histogram of the scores, and the rows whose prediction
    disagrees with their label (only those can be issues). The number of
    issues k is reduced from the counts, the k-th lowest (score, index) is
    found by :mod:`dlq.selection`, and the issues are the disagreeing rows at
    or below it.

    Unadjusted scores need no thresholds, and the off-diagonal count needs
    only the mispredicted rows' labels, predicted classes and probabilities:
    then both passes run in one read, keeping that summary until the
    thresholds are known.

    Without a ``store`` the scores and the disagreeing rows stay in memory
    from pass 2 until the selection. With one, pass 2 writes them to the
    store and the selection reads them back.
    """
    builder = GraphBuilder(labels, pred_probs, "scan", method, adjust, estimation_method, store)
    if not adjust and estimation_method == "off_diagonal":
        pass2 = builder.per_chunk("one-read", _one_read_block, builder.first_read, method, store)
        total = builder.tree(
            "threshold-sums", kernels.combine_threshold_partials, _part(builder, pass2, "threshold_partials")
        )
        thresholds = thresholds_from(builder, total, kernels.THRESHOLD_LOWER_BOUND)
        counts = builder.per_block(
            "off-diagonal-counts",
            _off_diagonal_counts,
            lambda i: ((_part(builder, pass2, "mispredicted"), i), thresholds),
            {_part(builder, pass2, "mispredicted"), thresholds[0]},
        )
        num_issues = builder.single("num-issues", _total_count, builder.tree("count-sums", _sum_counts, counts))
        if store is None:
            builder.per_block(  # scores only once the data are known to be valid
                "scores", _valid_scores, lambda i: ((pass2, i), thresholds), {pass2, thresholds[0]}
            )
    else:
        total = threshold_sums(builder)
        thresholds = thresholds_from(builder, total, kernels.THRESHOLD_LOWER_BOUND)
        pass2 = builder.per_chunk("pass2", _pass2_block, builder.second_read, thresholds, method, adjust, store)
        count_sum = builder.tree("count-sums", _sum_counts, _part(builder, pass2, "counts"))
        num_issues = builder.single(
            "num-issues", partial(kernels.num_label_issues, estimation_method=estimation_method), count_sum
        )
    unnormalized = builder.single("unnormalized-rows", _unnormalized_rows, total)

    def part(field: str) -> str:
        return _part(builder, pass2, field)

    def rows(i: int) -> tuple[int, int]:
        return builder.offsets[i], builder.offsets[i] + builder.chunks[i]

    histogram_sum = builder.tree("histogram-sums-1", _sum_counts, part("histogram"))
    cut = builder.single("cut-1", _first_cut, histogram_sum, num_issues, labels.shape[0])
    if store is None:
        scores = part("scores")
        read_layers = {scores}

        def scores_of(i: int) -> Key | tuple:
            return (scores, i)

    else:
        written = builder.per_block("written", _written, lambda i: ((pass2, i),), {pass2})
        read_layers = {written}

        def scores_of(i: int) -> Key | tuple:
            return (_read_stored, store, *rows(i), (written, i))

        scores = builder.per_block("stored-scores", _read_stored, lambda i: scores_of(i)[1:], read_layers)
    cutoff = _cutoff(builder, scores_of, read_layers, cut)
    if store is None:
        disagreeing = part("disagreeing")
        selected = builder.per_block(
            "selected", _selected, lambda i: ((disagreeing, i), cutoff), {disagreeing, cutoff[0]}
        )
    else:
        selected = builder.per_block(
            "selected", _select_stored, lambda i: (store, *rows(i), cutoff, (written, i)), {written, cutoff[0]}
        )
    issues = builder.single("issues", _ranked_indices, builder.tree("issues-merge", _concatenate, selected))
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
        unnormalized_rows=builder.delayed(unnormalized),
        filling_a_store=None
        if store is not None or not regular_chunks(builder.chunks)
        else partial(scan, labels, pred_probs, method=method, adjust=adjust, estimation_method=estimation_method),
    )


class _JointBlock(NamedTuple):
    threshold_partials: kernels.ThresholdPartials | None
    counts: np.ndarray  # (K + 1, K): the joint's counts and the off-diagonal issues per given label


def _joint_block(
    labels: np.ndarray, pred_probs: np.ndarray, offset: int, thresholds: np.ndarray, with_partials: bool
) -> _JointBlock:
    partials = kernels.threshold_partials(labels, pred_probs, offset) if with_partials else None
    if partials is not None and partials.invalid:  # the validation raises; count nothing
        labels, pred_probs = labels[:0], pred_probs[:0]
    return _JointBlock(partials, joint.confident_joint_counts(labels, pred_probs, thresholds))


def _finished_joint(
    partials: kernels.ThresholdPartials, counts: np.ndarray, finish: Callable[[np.ndarray, np.ndarray], Any]
) -> Any:
    raise_if_invalid(partials.invalid)
    return finish(counts, partials.class_counts)


def _finished_binary_joints(
    partials: onevsrest.ThresholdPartials, counts: np.ndarray, finish: Callable[[np.ndarray, np.ndarray], Any]
) -> Any:
    raise_if_invalid(partials.invalid)
    return finish(counts, partials.counts.T)


def binary_confident_joints(
    labels: da.Array, pred_probs: da.Array, finish: Callable[[np.ndarray, np.ndarray], Any]
) -> Delayed:
    """``finish(counts, label_counts)`` of the K one-vs-rest confident joints'
    summed counts (K, 2, 2) and each class's (negative, positive) label
    counts (K, 2), once the data are validated; thresholds as cleanlab's
    in-memory ones (2 for a side no example has)."""
    builder = GraphBuilder(labels, pred_probs, "binary-confident-joints", finish)
    total = threshold_sums(builder, onevsrest)
    thresholds = thresholds_from(builder, total, 2.0, onevsrest)
    blocks = builder.per_chunk(
        "binary-joint-counts", onevsrest.confident_joint_counts, builder.second_read, thresholds, offset=False
    )
    counts = builder.tree("binary-joint-sums", _sum_counts, blocks)
    return builder.delayed(builder.single("finished-binary-joints", _finished_binary_joints, total, counts, finish))


def confident_joint(
    labels: da.Array,
    pred_probs: da.Array,
    thresholds: np.ndarray | None,
    finish: Callable[[np.ndarray, np.ndarray], Any],
) -> Delayed:
    """``finish(counts, class_counts)`` of the confident joint's summed counts
    (:func:`dlq.joint.confident_joint_counts`) and the number of examples
    given each class, once the data are validated.

    With ``thresholds`` given the data are read once; otherwise pass 1
    computes cleanlab's in-memory thresholds (2 for a class no example is
    given) and pass 2 counts.
    """
    builder = GraphBuilder(labels, pred_probs, "confident-joint", thresholds, finish)
    if thresholds is None:
        total = threshold_sums(builder)
        threshold_key = thresholds_from(builder, total, 2.0)
        blocks = builder.per_chunk("joint-counts", _joint_block, builder.second_read, threshold_key, False)
    else:
        blocks = builder.per_chunk("joint-counts", _joint_block, builder.first_read, thresholds, True)
        total = builder.tree(
            "threshold-sums", kernels.combine_threshold_partials, _part(builder, blocks, "threshold_partials")
        )
    counts = builder.tree("joint-sums", _sum_counts, _part(builder, blocks, "counts"))
    return builder.delayed(builder.single("finished-joint", _finished_joint, total, counts, finish))


def pruned_by_joint(
    labels: da.Array,
    pred_probs: da.Array,
    cells_from: Callable[[np.ndarray, np.ndarray], np.ndarray],
    *,
    by_noise_rate: bool,
    by_class: bool,
) -> Delayed:
    """Sorted indices of the examples cleanlab's pruning filters flag.

    Pass 1 computes the thresholds, pass 2 the confident joint; ``cells_from
    (joint counts, class counts)`` says how many examples each cell gives up;
    pass 3 keeps, per chunk and cell, at most that many candidates, merged
    cell by cell in a tree, so no more than the flagged rows are ever gathered.
    """
    builder = GraphBuilder(labels, pred_probs, "pruned", cells_from, by_noise_rate, by_class)
    total = threshold_sums(builder)
    thresholds = thresholds_from(builder, total, 2.0)
    blocks = builder.per_chunk("joint-counts", _joint_block, builder.second_read, thresholds, False)
    counts = builder.tree("joint-sums", _sum_counts, _part(builder, blocks, "counts"))
    cells = builder.single("cells", _finished_joint, total, counts, cells_from)
    candidates = builder.per_chunk("cell-candidates", joint.cell_candidates, builder.another_read(), cells)
    merged = builder.tree("cell-merge", joint.merge_cells, candidates, cells)
    flagged = partial(joint.pruned, by_noise_rate=by_noise_rate, by_class=by_class, num_classes=pred_probs.shape[1])
    return builder.delayed(builder.single("pruned", flagged, merged))


def _flagged_per_class(
    labels: np.ndarray, pred_probs: np.ndarray, offset: int, thresholds: np.ndarray, filter_by: str
) -> list[np.ndarray]:
    if filter_by == "confident_learning":
        flags = onevsrest.off_diagonal(labels, pred_probs, thresholds)
    else:
        flags = onevsrest.mispredicted(labels, pred_probs)
    return [np.flatnonzero(column) + offset for column in flags.T]


def _concatenate_per_class(parts: list[list[np.ndarray]]) -> list[np.ndarray]:
    return [np.concatenate(per_class) for per_class in zip(*parts, strict=True)]


def _off_diagonal_per_class(counts: np.ndarray) -> np.ndarray:
    return counts[:, 2].sum(axis=1)


def _binary_lowest_block(
    labels: np.ndarray, pred_probs: np.ndarray, offset: int, k: np.ndarray, method: str
) -> list[kernels.Candidates]:
    scores = onevsrest.per_class_scores(labels, pred_probs, method=method)
    indices = np.arange(offset, offset + scores.shape[0])
    unflagged = np.zeros(scores.shape[0], bool)
    return [kernels.lowest(scores[:, c], indices, unflagged, int(k[c])) for c in range(k.shape[0])]


def _sorted_per_class(candidates: list[kernels.Candidates]) -> list[np.ndarray]:
    return [np.sort(per_class.indices) for per_class in candidates]


class BinaryIssues(NamedTuple):
    """Lazy results of cleanlab's in-memory filters on the K one-vs-rest problems."""

    thresholds: Delayed  # (2, K): cleanlab's in-memory thresholds (2 for a side no example has)
    per_class_issues: Delayed  # K sorted index arrays


def binary_issues(
    labels: da.Array,
    pred_probs: da.Array,
    *,
    filter_by: str,
    cells_from: Callable[[np.ndarray, np.ndarray], np.ndarray] | None = None,
) -> BinaryIssues:
    """The issues of each one-vs-rest binary problem under cleanlab.filter's
    ``filter_by``, all K problems in one graph.

    Pass 1 computes the thresholds. ``confident_learning`` and
    ``predicted_neq_given`` flag rows in pass 2. The other filters count the
    K binary confident joints in pass 2; in pass 3, ``low_self_confidence``
    and ``low_normalized_margin`` keep each class's k lowest scores (k its
    off-diagonal count) and the pruning filters keep the candidates of the
    cells ``cells_from(counts (K, 3, 2), label counts (K, 2))`` gives, as
    :func:`pruned_by_joint` does for one problem.
    """
    builder = GraphBuilder(labels, pred_probs, "binary-issues", filter_by, cells_from)
    total = threshold_sums(builder, onevsrest)
    thresholds = thresholds_from(builder, total, 2.0, onevsrest)
    num_classes = pred_probs.shape[1]
    if filter_by in ("confident_learning", "predicted_neq_given"):
        flagged = builder.per_chunk("binary-flags", _flagged_per_class, builder.second_read, thresholds, filter_by)
        issues = builder.tree("binary-flag-merge", _concatenate_per_class, flagged)
        return BinaryIssues(builder.delayed(thresholds), builder.delayed(issues))
    blocks = builder.per_chunk(
        "binary-joint-counts", onevsrest.confident_joint_counts, builder.second_read, thresholds, offset=False
    )
    counts = builder.tree("binary-joint-sums", _sum_counts, blocks)
    if filter_by.startswith("low_"):
        k = builder.single("binary-issue-counts", _off_diagonal_per_class, counts)
        candidates = builder.per_chunk(
            "binary-lowest", _binary_lowest_block, builder.another_read(), k, filter_by[len("low_") :]
        )
        merged = builder.tree("binary-lowest-merge", _merge_per_class, candidates, k)
        issues = builder.single("binary-lowest-issues", _sorted_per_class, merged)
    else:
        cells = builder.single("binary-cells", _finished_binary_joints, total, counts, cells_from)
        candidates = builder.per_chunk(
            "binary-cell-candidates", onevsrest.cell_candidates, builder.another_read(), cells
        )
        merged = builder.tree("binary-cell-merge", joint.merge_cells, candidates, cells)
        flagged = partial(
            onevsrest.pruned,
            by_noise_rate=filter_by != "prune_by_class",
            by_class=filter_by != "prune_by_noise_rate",
            num_classes=num_classes,
        )
        issues = builder.single("binary-pruned", flagged, merged)
    return BinaryIssues(builder.delayed(thresholds), builder.delayed(issues))


def _validated(partials: kernels.ThresholdPartials, value: Any) -> Any:
    raise_if_invalid(partials.invalid)
    return value


def _concatenate_indices(parts: list[np.ndarray]) -> np.ndarray:
    return np.concatenate(parts)


def flagged_rows(
    labels: da.Array, pred_probs: da.Array, flags: Callable[..., np.ndarray], *, with_thresholds: bool
) -> Delayed:
    """Sorted indices of the rows ``flags(labels, pred_probs, offset[,
    thresholds])`` returns chunk by chunk; with thresholds (cleanlab's
    in-memory ones), pass 1 computes them first, otherwise one read
    validates and flags at once."""
    builder = GraphBuilder(labels, pred_probs, "flagged", flags, with_thresholds)
    if with_thresholds:
        total = threshold_sums(builder)
        rows = builder.per_chunk("flagged-rows", flags, builder.second_read, thresholds_from(builder, total, 2.0))
    else:
        blocks = builder.per_chunk("flag-blocks", _flag_block, builder.first_read, flags)
        total = builder.tree(
            "threshold-sums", kernels.combine_threshold_partials, _part(builder, blocks, "threshold_partials")
        )
        rows = _part(builder, blocks, "rows")
    merged = builder.tree("flagged-merge", _concatenate_indices, rows)
    return builder.delayed(builder.single("flagged", _validated, total, merged))


class _FlagBlock(NamedTuple):
    threshold_partials: kernels.ThresholdPartials
    rows: np.ndarray


def _flag_block(
    labels: np.ndarray, pred_probs: np.ndarray, offset: int, flags: Callable[..., np.ndarray]
) -> _FlagBlock:
    partials = kernels.threshold_partials(labels, pred_probs, offset)
    if partials.invalid:  # the validation raises; flag nothing
        return _FlagBlock(partials, np.zeros(0, np.int64))
    return _FlagBlock(partials, flags(labels, pred_probs, offset))


#: Rows of a chunk are processed this many bytes of (N, K) float64 at a time,
#: so that the temporaries of the one-vs-rest arithmetic stay in cache.
SUB_BLOCK_BYTES = 2**21


def _sub_blocks(n_rows: int, num_classes: int) -> list[slice]:
    step = max(1, SUB_BLOCK_BYTES // (8 * max(num_classes, 1)))
    return [slice(start, start + step) for start in range(0, n_rows, step)] or [slice(0, 0)]


def _multilabel_scores_block(
    labels: np.ndarray,
    pred_probs: np.ndarray,
    offset: int,
    method: str,
    thresholds: np.ndarray | None,
    aggregate: Callable[[np.ndarray], np.ndarray] | None,
) -> np.ndarray:
    """Per-class scores of a chunk, or their aggregate when ``aggregate`` is given."""
    if thresholds is None:  # with thresholds, pass 1 has validated everything
        raise_if_invalid(onevsrest.invalid_rows(labels, pred_probs, offset))
    parts = []
    for rows in _sub_blocks(*pred_probs.shape):
        per_class = onevsrest.per_class_scores(labels[rows], pred_probs[rows], method=method, thresholds=thresholds)
        parts.append(per_class if aggregate is None else aggregate(per_class))
    return np.concatenate(parts)


def multilabel_scores(
    labels: da.Array,
    pred_probs: da.Array,
    *,
    method: str,
    adjust: bool,
    aggregate: Callable[[np.ndarray], np.ndarray],
) -> tuple[da.Array, da.Array]:
    """Lazy per-class scores (N, K) and aggregated scores (N,) of multi-label data.

    Without adjustment each chunk is validated and scored on its own (one
    read); with adjustment pass 1 first computes every class's binary
    thresholds (a side no example has gets 2, as cleanlab's in-memory code).
    """
    builder = GraphBuilder(labels, pred_probs, "multilabel-scores", method, adjust, aggregate)
    thresholds = None
    if adjust:
        thresholds = thresholds_from(builder, threshold_sums(builder, onevsrest), 2.0, onevsrest)
    read = builder.second_read if adjust else builder.first_read
    per_class = builder.per_chunk("per-class-scores", _multilabel_scores_block, read, method, thresholds, None, ndim=2)
    scores = builder.per_chunk("aggregated-scores", _multilabel_scores_block, read, method, thresholds, aggregate)
    num_classes = pred_probs.shape[1]
    return (
        builder.array(per_class, np.dtype(np.float64), columns=num_classes),
        builder.array(scores, np.dtype(np.float64)),
    )


class _MultilabelPass2(NamedTuple):
    binary_scores: np.ndarray  # (K, n): one contiguous row per class, for the per-class selection
    agrees: np.ndarray  # (K, n)
    prune: np.ndarray  # (K,)
    rank_scores: np.ndarray | None  # (n,)


def _multilabel_pass2_block(
    labels: np.ndarray,
    pred_probs: np.ndarray,
    thresholds: np.ndarray,
    method: str,
    rank_thresholds: np.ndarray | None,
    rank_method: str | None,
    rank_aggregate: Callable[[np.ndarray], np.ndarray],
) -> _MultilabelPass2:
    parts = []
    for rows in _sub_blocks(*pred_probs.shape):
        y, p = labels[rows], pred_probs[rows]
        found = onevsrest.binary_pass2(y, p, thresholds, method=method)
        rank_scores = None
        if rank_method is not None:
            per_class = (
                found.scores
                if rank_method == method and rank_thresholds is None
                else onevsrest.per_class_scores(y, p, method=rank_method, thresholds=rank_thresholds)
            )
            rank_scores = rank_aggregate(per_class)
        parts.append(_MultilabelPass2(found.scores, found.agrees, found.prune, rank_scores))
    return _MultilabelPass2(
        binary_scores=np.ascontiguousarray(np.concatenate([part.binary_scores for part in parts]).T),
        agrees=np.ascontiguousarray(np.concatenate([part.agrees for part in parts]).T),
        prune=np.sum([part.prune for part in parts], axis=0),
        rank_scores=None if rank_method is None else np.concatenate([part.rank_scores for part in parts]),
    )


def _multilabel_block_candidates(pass2: _MultilabelPass2, offset: int, k: np.ndarray) -> list[kernels.Candidates]:
    indices = np.arange(offset, offset + pass2.binary_scores.shape[1])
    return [kernels.lowest(pass2.binary_scores[c], indices, pass2.agrees[c], int(k[c])) for c in range(k.shape[0])]


def _merge_per_class(parts: list[list[kernels.Candidates]], k: np.ndarray) -> list[kernels.Candidates]:
    return [kernels.merge_lowest(list(per_class), int(k[c])) for c, per_class in enumerate(zip(*parts, strict=True))]


def _per_class_issues(candidates: list[kernels.Candidates]) -> list[np.ndarray]:
    return [_issue_indices(per_class) for per_class in candidates]


def _union(per_class_issues: list[np.ndarray]) -> np.ndarray:
    return np.unique(np.concatenate([np.zeros(0, np.int64), *per_class_issues]))


def _per_class_mask_block(per_class_issues: list[np.ndarray], offset: int, n_rows: int) -> np.ndarray:
    return np.stack([_mask_block(issues, offset, n_rows) for issues in per_class_issues], axis=1)


def _union_scores_block(union: np.ndarray, pass2: _MultilabelPass2, offset: int) -> kernels.Candidates:
    inside = _inside(union, offset, pass2.agrees.shape[1])
    return kernels.Candidates(pass2.rank_scores[inside - offset], inside, np.zeros(inside.shape[0], bool))


class MultilabelIssues(NamedTuple):
    """Lazy results of the one-vs-rest issue search.

    ``thresholds`` (2, K) and ``num_issues`` (K,) are per binary problem;
    ``scores`` are the ranking scores (None without a ranking).
    """

    thresholds: Delayed
    num_issues: Delayed
    scores: da.Array | None
    per_class_issues: Delayed
    union: Delayed
    ranked: Delayed | None
    mask: da.Array
    per_class_mask: da.Array


def multilabel_issues(
    labels: da.Array,
    pred_probs: da.Array,
    *,
    ranked_by: str | None,
    rank_adjust: bool,
    rank_aggregate: Callable[[np.ndarray], np.ndarray] = aggregators.CLEANLAB_DEFAULT,
) -> MultilabelIssues:
    """Label issues of all K one-vs-rest binary problems, in one two-pass graph.

    Each class is treated as the batched binary problem of the multi-class
    scan (thresholds with 2e-6 for an absent side, off-diagonal issue count,
    the lowest scores under ``ranked_by`` or self-confidence, examples whose
    prediction agrees dropped); the per-class issues are united, and ranked by
    the multi-label score (method ``ranked_by``, adjusted if ``rank_adjust``,
    aggregated by ``rank_aggregate``: cleanlab's EMA with alpha 0.8 by
    default) when ``ranked_by`` is given.
    """
    builder = GraphBuilder(labels, pred_probs, "multilabel-issues", ranked_by, rank_adjust, rank_aggregate)
    total = threshold_sums(builder, onevsrest)
    thresholds = thresholds_from(builder, total, kernels.THRESHOLD_LOWER_BOUND, onevsrest)
    rank_thresholds = None
    if ranked_by is not None and rank_adjust:
        rank_thresholds = thresholds_from(builder, total, 2.0, onevsrest, stage="rank-thresholds")
    pass2 = builder.per_chunk(
        "multilabel-pass2",
        _multilabel_pass2_block,
        builder.second_read,
        thresholds,
        ranked_by or "self_confidence",
        rank_thresholds,
        ranked_by,
        rank_aggregate,
        offset=False,
    )
    prune = builder.per_block("prune", attrgetter("prune"), lambda i: ((pass2, i),), {pass2})
    num_issues = builder.tree("prune-sums", _sum_counts, prune)
    candidates = builder.per_block(
        "multilabel-candidates",
        _multilabel_block_candidates,
        lambda i: ((pass2, i), builder.offsets[i], num_issues),
        {pass2, num_issues[0]},
    )
    lowest = builder.tree("multilabel-lowest", _merge_per_class, candidates, num_issues)
    per_class_issues = builder.single("per-class-issues", _per_class_issues, lowest)
    union = builder.single("union", _union, per_class_issues)
    mask = builder.per_block(
        "union-mask", _mask_block, lambda i: (union, builder.offsets[i], builder.chunks[i]), {union[0]}
    )
    per_class_mask = builder.per_block(
        "per-class-mask",
        _per_class_mask_block,
        lambda i: (per_class_issues, builder.offsets[i], builder.chunks[i]),
        {per_class_issues[0]},
        ndim=2,
    )
    ranked = scores = None
    if ranked_by is not None:
        scores = builder.array(
            builder.per_block("multilabel-rank-scores", attrgetter("rank_scores"), lambda i: ((pass2, i),), {pass2}),
            np.dtype(np.float64),
        )
        union_scores = builder.per_block(
            "union-scores", _union_scores_block, lambda i: (union, (pass2, i), builder.offsets[i]), {union[0], pass2}
        )
        ranked = builder.delayed(
            builder.single("ranked", _ranked_indices, builder.tree("union-merge", _concatenate, union_scores))
        )
    return MultilabelIssues(
        thresholds=builder.delayed(thresholds),
        num_issues=builder.delayed(num_issues),
        scores=scores,
        per_class_issues=builder.delayed(per_class_issues),
        union=builder.delayed(union),
        ranked=ranked,
        mask=builder.array(mask, np.dtype(bool)),
        per_class_mask=builder.array(per_class_mask, np.dtype(bool), columns=pred_probs.shape[1]),
    )


def row_mask(rows: Delayed, chunks: tuple[int, ...]) -> da.Array:
    """A lazy boolean array in ``chunks``, True at the (delayed) row indices ``rows``."""
    offsets = np.cumsum((0, *chunks[:-1])).tolist()
    blocks = [
        da.from_delayed(dask.delayed(_mask_block)(rows, offset, size), shape=(size,), dtype=bool)
        for offset, size in zip(offsets, chunks, strict=True)
    ]
    return da.concatenate(blocks)


def _rows_in_block(
    block: np.ndarray, rows: np.ndarray, bounds: np.ndarray, block_info: dict | None = None
) -> np.ndarray:
    i = block_info[0]["chunk-location"][0]
    return block[_inside(rows, bounds[i], bounds[i + 1] - bounds[i]) - bounds[i]]


def take_rows(array: da.Array, rows: np.ndarray) -> da.Array:
    """The given rows (sorted, unique) of a row-chunked array, block by block.

    Unlike fancy indexing, this leaves the input's tasks as they are, so keys
    already computed by an earlier pass stay the same tasks.
    """
    bounds = np.cumsum((0, *array.chunks[0]))
    counts = tuple(np.diff(np.searchsorted(rows, bounds)).tolist())
    return array.map_blocks(
        _rows_in_block, rows=rows, bounds=bounds, chunks=(counts, *array.chunks[1:]), dtype=array.dtype
    )
