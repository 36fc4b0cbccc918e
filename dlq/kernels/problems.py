"""One protocol for a set of classification problems over the same rows, in two shapes.

Multi-class data is one problem of K classes; multi-label data is K binary
one-vs-rest problems, class k being the two-class problem ``[1 - p_k, p_k]``
with label ``y_k``. Both are P problems of C classes each, (1, K) or (K, 2),
and every graph of dlq is written once against :class:`Problems`: the pass-1
partials and thresholds, the confident joints, the pruning entries, the
filters' flags and the scores. Per-problem results carry a leading axis of
length P; cells of the joints are numbered ``(problem * C + given) * C + class``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Protocol

import numpy as np

from dlq.kernels import batched, binary_joints, multiclass, onevsrest, pruning, subblocks
from dlq.kernels import scores as scoring
from dlq.kernels.checks import InvalidRows, RowsOffOne
from dlq.kernels.columns import Columns
from dlq.kernels.lowest import Entries
from dlq.kernels.select import Histogram


class Problems(Protocol):
    """What a graph needs of a set of P classification problems of C classes."""

    def shape(self, num_columns: int) -> tuple[int, int]:
        """(P, C) for pred_probs of ``num_columns`` columns."""

    def invalid_rows(self, labels: np.ndarray, pred_probs: np.ndarray, offset: int) -> InvalidRows:
        """The first invalid rows of a chunk starting at row ``offset``."""

    def threshold_partials(self, labels: np.ndarray, pred_probs: np.ndarray, offset: int) -> Any:
        """Pass-1 partials of a chunk (exact sums, counts, the first invalid rows)."""

    def combine_partials(self, parts: list[Any]) -> Any:
        """Pass-1 partials added up, exactly, in any order."""

    def thresholds(self, partials: Any, *, absent_class_threshold: float) -> np.ndarray:
        """Confident thresholds from summed partials; a class no example is given gets ``absent_class_threshold``."""

    def label_counts(self, partials: Any) -> np.ndarray:
        """How many examples each problem gives each class, (P, C)."""

    def unnormalized(self, partials: Any) -> RowsOffOne | None:
        """Rows of pred_probs that do not sum to 1, where that matters."""

    def scores(
        self,
        labels: np.ndarray,
        pred_probs: np.ndarray,
        *,
        method: str,
        thresholds: Any,
        aggregate: Callable[[np.ndarray], np.ndarray] | None = None,
    ) -> np.ndarray:
        """Label quality scores, adjusted by ``thresholds`` unless None: (n,)
        for one problem, else (n, P), or ``aggregate`` of those, (n,)."""

    def score_type(self, pred_probs_dtype: np.dtype, method: str, *, adjusted: bool) -> np.dtype:
        """The dtype of :meth:`scores`."""

    def joint_counts(self, labels: np.ndarray, pred_probs: np.ndarray, thresholds: np.ndarray) -> np.ndarray:
        """Confident joint counts of a chunk and their off-diagonal disagreeing rows, (P, C + 1, C)."""

    def flags(self, labels: np.ndarray, pred_probs: np.ndarray, thresholds: np.ndarray | None) -> np.ndarray:
        """(n, P): off the joint's diagonal (with thresholds) or mispredicted (without), disagreeing."""

    def off_joint_diagonal(self, labels: np.ndarray, pred_probs: np.ndarray, thresholds: np.ndarray) -> np.ndarray:
        """(n, P): counted off the confident joint's diagonal, whatever the prediction."""

    def predicted_neq_given(self, labels: np.ndarray, pred_probs: np.ndarray) -> np.ndarray:
        """(n, P): the problem's argmax is not the label."""

    def joint_counts_and_levels(
        self, labels: np.ndarray, pred_probs: np.ndarray, thresholds: np.ndarray, cells: pruning.LevelsOf
    ) -> tuple[np.ndarray, Histogram]:
        """:meth:`joint_counts`, and the chunk's entries below each pruning
        cell's levels (:mod:`dlq.kernels.bounds`) of the kinds of ``cells``,
        sharing what both need."""

    def pruning_entries(
        self, labels: np.ndarray, pred_probs: np.ndarray, offset: int, cut_bounds: np.ndarray
    ) -> list[Entries]:
        """A chunk's entries of every cell that selects something, below its
        bound in ``cut_bounds`` (P, C, C) (-inf where a cell selects nothing)."""

    def issue_columns(self, labels: np.ndarray, pred_probs: np.ndarray) -> Columns:
        """The issue table's columns of some rows (their given and predicted labels)."""

    #: Whether a chunk of the batched search keeps every row's entries (else
    #: each problem's lowest, and :meth:`search_entries` makes them again).
    keeps_every_entry: bool

    def batched_chunk(
        self,
        labels: np.ndarray,
        pred_probs: np.ndarray,
        offset: int,
        thresholds: np.ndarray | None,
        *,
        method: str,
        adjust: bool,
        ranking: batched.Ranking | None,
    ) -> batched.BatchedChunk:
        """A chunk's part of the batched search; without ``thresholds`` (where
        :meth:`counts_later`) its read is pass 1 too."""

    def counts_later(self, *, adjust: bool, estimation_method: str) -> bool:
        """Whether a chunk can keep what counts its issues until the
        thresholds are known, so that the batched search reads the data once."""

    def num_issues(self, counts: np.ndarray, *, estimation_method: str) -> np.ndarray:
        """Each problem's estimated number of issues, (P,), from the chunks' summed counts."""


class MultiClass:
    """One problem of K classes: labels (n,) in 0..K-1.

    Examples
    --------
    >>> MULTICLASS.shape(5)
    (1, 5)
    """

    def shape(self, num_columns: int) -> tuple[int, int]:
        return 1, num_columns

    def invalid_rows(self, labels: np.ndarray, pred_probs: np.ndarray, offset: int) -> InvalidRows:
        return multiclass.invalid_rows(labels, pred_probs, offset)

    def threshold_partials(self, labels: np.ndarray, pred_probs: np.ndarray, offset: int) -> Any:
        return multiclass.threshold_partials(labels, pred_probs, offset)

    def combine_partials(self, parts: list[Any]) -> Any:
        return multiclass.combine_threshold_partials(parts)

    def thresholds(self, partials: Any, *, absent_class_threshold: float) -> np.ndarray:
        return multiclass.confident_thresholds(partials, absent_class_threshold=absent_class_threshold)

    def label_counts(self, partials: Any) -> np.ndarray:
        return partials.class_counts[None]

    def unnormalized(self, partials: Any) -> RowsOffOne | None:
        return partials.unnormalized

    def scores(
        self,
        labels: np.ndarray,
        pred_probs: np.ndarray,
        *,
        method: str,
        thresholds: Any,
        aggregate: Callable[[np.ndarray], np.ndarray] | None = None,
    ) -> np.ndarray:
        return scoring.label_quality_scores(labels, pred_probs, method=method, thresholds=thresholds)

    def score_type(self, pred_probs_dtype: np.dtype, method: str, *, adjusted: bool) -> np.dtype:
        probe = np.full((1, 2), 0.5, dtype=pred_probs_dtype)  # the scorer's dtype, found on one tiny row
        thresholds = np.full(2, 0.5) if adjusted else None
        return scoring.label_quality_scores(np.zeros(1, np.int64), probe, method=method, thresholds=thresholds).dtype

    def joint_counts(self, labels: np.ndarray, pred_probs: np.ndarray, thresholds: np.ndarray) -> np.ndarray:
        return multiclass.confident_joint_counts(labels, pred_probs, thresholds)[None]

    def flags(self, labels: np.ndarray, pred_probs: np.ndarray, thresholds: np.ndarray | None) -> np.ndarray:
        if thresholds is None:
            return multiclass.disagrees_with_label(labels, pred_probs)[:, None]
        return multiclass.off_diagonal(labels, pred_probs, thresholds)[:, None]

    def off_joint_diagonal(self, labels: np.ndarray, pred_probs: np.ndarray, thresholds: np.ndarray) -> np.ndarray:
        return multiclass.off_joint_diagonal(labels, pred_probs, thresholds)[:, None]

    def predicted_neq_given(self, labels: np.ndarray, pred_probs: np.ndarray) -> np.ndarray:
        return multiclass.predicted_neq_given(labels, pred_probs)[:, None]

    def joint_counts_and_levels(
        self, labels: np.ndarray, pred_probs: np.ndarray, thresholds: np.ndarray, cells: pruning.LevelsOf
    ) -> tuple[np.ndarray, Histogram]:
        predicted = multiclass.predicted_class(pred_probs)
        return (
            multiclass.confident_joint_counts(labels, pred_probs, thresholds, predicted)[None],
            pruning.multiclass_levels(labels, pred_probs, predicted, cells),
        )

    def pruning_entries(
        self, labels: np.ndarray, pred_probs: np.ndarray, offset: int, cut_bounds: np.ndarray
    ) -> list[Entries]:
        return pruning.multiclass_entries(labels, pred_probs, offset, cut_bounds[0])

    def issue_columns(self, labels: np.ndarray, pred_probs: np.ndarray) -> Columns:
        return multiclass.issue_columns(labels, pred_probs)

    keeps_every_entry = True

    def batched_chunk(
        self,
        labels: np.ndarray,
        pred_probs: np.ndarray,
        offset: int,
        thresholds: np.ndarray | None,
        *,
        method: str,
        adjust: bool,
        ranking: batched.Ranking | None,
    ) -> batched.BatchedChunk:
        return batched.multiclass_chunk(labels, pred_probs, offset, thresholds, method, adjust)

    def counts_later(self, *, adjust: bool, estimation_method: str) -> bool:
        # unadjusted scores need no thresholds, and the off-diagonal count only the mispredicted rows
        return not adjust and estimation_method == "off_diagonal"

    def num_issues(self, counts: np.ndarray, *, estimation_method: str) -> np.ndarray:
        if counts.ndim == 1:  # the off-diagonal counts alone
            return np.array([multiclass.num_off_diagonal_issues(counts)])
        return np.array([multiclass.num_label_issues(counts, estimation_method=estimation_method)])


class OneVsRest:
    """K binary problems: labels (n, K) of 0 and 1, problem k scoring ``[1 - p_k, p_k]``.

    Examples
    --------
    >>> ONE_VS_REST.shape(5)
    (5, 2)
    """

    def shape(self, num_columns: int) -> tuple[int, int]:
        return num_columns, 2

    def invalid_rows(self, labels: np.ndarray, pred_probs: np.ndarray, offset: int) -> InvalidRows:
        return onevsrest.invalid_rows(labels, pred_probs, offset)

    def threshold_partials(self, labels: np.ndarray, pred_probs: np.ndarray, offset: int) -> Any:
        return onevsrest.threshold_partials(labels, pred_probs, offset)

    def combine_partials(self, parts: list[Any]) -> Any:
        return onevsrest.combine_threshold_partials(parts)

    def thresholds(self, partials: Any, *, absent_class_threshold: float) -> np.ndarray:
        return onevsrest.confident_thresholds(partials, absent_class_threshold=absent_class_threshold)

    def label_counts(self, partials: Any) -> np.ndarray:
        return partials.counts.T

    def unnormalized(self, partials: Any) -> RowsOffOne | None:
        return None  # multi-label rows need not sum to 1

    def scores(
        self,
        labels: np.ndarray,
        pred_probs: np.ndarray,
        *,
        method: str,
        thresholds: Any,
        aggregate: Callable[[np.ndarray], np.ndarray] | None = None,
    ) -> np.ndarray:
        if aggregate is None:
            return np.concatenate(
                [
                    onevsrest.per_class_scores(labels[rows], pred_probs[rows], method=method, thresholds=thresholds)
                    for rows in subblocks.sub_blocks(*pred_probs.shape)
                ]
            )
        return subblocks.aggregated_scores(
            labels, pred_probs, method=method, thresholds=thresholds, aggregate=aggregate
        )

    def score_type(self, pred_probs_dtype: np.dtype, method: str, *, adjusted: bool) -> np.dtype:
        return np.dtype(np.float64)

    def joint_counts(self, labels: np.ndarray, pred_probs: np.ndarray, thresholds: np.ndarray) -> np.ndarray:
        return binary_joints.confident_joint_counts(labels, pred_probs, thresholds)

    def flags(self, labels: np.ndarray, pred_probs: np.ndarray, thresholds: np.ndarray | None) -> np.ndarray:
        if thresholds is None:
            return onevsrest.disagrees_with_label(labels, pred_probs)
        return binary_joints.off_diagonal(labels, pred_probs, thresholds)

    def off_joint_diagonal(self, labels: np.ndarray, pred_probs: np.ndarray, thresholds: np.ndarray) -> np.ndarray:
        return binary_joints.off_joint_diagonal(labels, pred_probs, thresholds)

    def predicted_neq_given(self, labels: np.ndarray, pred_probs: np.ndarray) -> np.ndarray:
        return onevsrest.predicted_neq_given(labels, pred_probs)

    def joint_counts_and_levels(
        self, labels: np.ndarray, pred_probs: np.ndarray, thresholds: np.ndarray, cells: pruning.LevelsOf
    ) -> tuple[np.ndarray, Histogram]:
        # a sub-block at a time, so that the (n, K) temporaries of both stay in cache
        joints, levels = [], []
        for rows in subblocks.sub_blocks(*pred_probs.shape):
            y, p = labels[rows], pred_probs[rows]
            sides = onevsrest.Sides.of(y, p)
            joints.append(binary_joints.confident_joint_counts(y, p, thresholds, sides))
            levels.append(pruning.one_vs_rest_levels(y, p, sides, cells))
        return np.sum(joints, axis=0), Histogram.summed(levels)

    def pruning_entries(
        self, labels: np.ndarray, pred_probs: np.ndarray, offset: int, cut_bounds: np.ndarray
    ) -> list[Entries]:
        return pruning.one_vs_rest_entries(labels, pred_probs, offset, cut_bounds)

    def issue_columns(self, labels: np.ndarray, pred_probs: np.ndarray) -> Columns:
        return onevsrest.issue_columns(labels, pred_probs)

    keeps_every_entry = False

    def batched_chunk(
        self,
        labels: np.ndarray,
        pred_probs: np.ndarray,
        offset: int,
        thresholds: np.ndarray | None,
        *,
        method: str,
        adjust: bool,
        ranking: batched.Ranking | None,
    ) -> batched.BatchedChunk:
        return batched.one_vs_rest_chunk(labels, pred_probs, offset, thresholds, method, ranking)

    def counts_later(self, *, adjust: bool, estimation_method: str) -> bool:
        return False  # each class's count is taken with its candidates, under the thresholds

    def num_issues(self, counts: np.ndarray, *, estimation_method: str) -> np.ndarray:
        return counts  # cleanlab's off-diagonal estimate of each class

    def search_entries(self, labels: np.ndarray, pred_probs: np.ndarray, offset: int, method: str) -> list[Entries]:
        """The batched search's entries of a chunk, made again where it kept too few."""
        return subblocks.ranking_entries(labels, pred_probs, offset, method)


MULTICLASS = MultiClass()
ONE_VS_REST = OneVsRest()
