"""The passes over the data, written once for any :class:`~dlq.kernels.problems.Problems`.

Pass 1 sums threshold partials; the passes after it read the data again
(:func:`~dlq.graphs.sources.reread`) to score, count the confident joints,
flag rows or select the rows a pruning gives up. Every function returns lazy parts;
values that cleanlab's functions differ on (a class no example is given,
for one) are arguments.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import Any, NamedTuple

import dask.array as da
import numpy as np
from dask.delayed import Delayed

from dlq.graphs import select
from dlq.graphs.blocks import as_rows, concatenated, field, per_chunk, per_record, step, sum_arrays, tree
from dlq.graphs.sources import reread
from dlq.graphs.told import tell_of_rows
from dlq.kernels import joint
from dlq.kernels.bounds import cut_bounds, worth_keeping
from dlq.kernels.lowest import Entries, Lowest
from dlq.kernels.problems import MULTICLASS, Problems
from dlq.kernels.pruning import LevelsOf
from dlq.kernels.select import READ_ROUNDS, Cut, Histogram


class Pass1(NamedTuple):
    """Summed threshold partials, and the thresholds once the data are known valid."""

    partials: Delayed
    thresholds: Delayed


def _valid(partials: Any) -> Any:
    partials.invalid.raise_if_any()
    return partials


def validated_thresholds(problems: Problems, partials: Any, absent_class_threshold: float) -> np.ndarray:
    """The thresholds from summed partials, after raising for the first
    invalid row, if any, and telling of the rows to warn of (:func:`tell_of_rows`)."""
    tell_of_rows(problems, _valid(partials))
    return problems.thresholds(partials, absent_class_threshold=absent_class_threshold)


def threshold_pass(
    problems: Problems, labels: da.Array, pred_probs: da.Array, *, absent_class_threshold: float
) -> Pass1:
    """Pass 1: per-chunk threshold partials, tree-reduced; the thresholds
    raise a ValueError naming the first invalid row, if there is one."""
    partials = tree(per_chunk(problems.threshold_partials, labels, pred_probs), problems.combine_partials)
    return Pass1(partials, step(validated_thresholds, problems, partials, absent_class_threshold))


def _checked_scores(
    labels: np.ndarray,
    pred_probs: np.ndarray,
    offset: int,
    problems: Problems,
    method: str,
    thresholds: Any,
    aggregate: Callable[[np.ndarray], np.ndarray] | None,
) -> np.ndarray:
    if thresholds is None:  # adjusted scores come after pass 1, which validated everything
        problems.invalid_rows(labels, pred_probs, offset).raise_if_any()
    return problems.scores(labels, pred_probs, method=method, thresholds=thresholds, aggregate=aggregate)


def scores(
    problems: Problems,
    labels: da.Array,
    pred_probs: da.Array,
    *,
    method: str,
    adjust_absent_class_threshold: float | None = None,
    thresholds: Delayed | None = None,
    aggregate: Callable[[np.ndarray], np.ndarray] | None = None,
) -> da.Array:
    """Lazy label quality scores: one per row, or one per row and problem
    when there are several and no ``aggregate``.

    Unadjusted, each chunk is validated and scored on its own (one read);
    given ``adjust_absent_class_threshold``, pass 1 first computes the
    thresholds (that one for a class no example is given) and the scores
    are adjusted by them; given ``thresholds`` computed already, the scores
    are adjusted by those in a read of their own.
    """
    if adjust_absent_class_threshold is not None:
        thresholds = threshold_pass(
            problems, labels, pred_probs, absent_class_threshold=adjust_absent_class_threshold
        ).thresholds
    if thresholds is not None:
        labels, pred_probs = reread(labels, pred_probs)
    records = per_chunk(_checked_scores, labels, pred_probs, problems, method, thresholds, aggregate)
    num_problems = problems.shape(pred_probs.shape[1])[0]
    width = None if aggregate is not None or num_problems == 1 else num_problems
    dtype = problems.score_type(pred_probs.dtype, method, adjusted=thresholds is not None)
    return as_rows(records, pred_probs.chunks[0], dtype if aggregate is None else np.float64, width)


def _checked_confusion(labels: np.ndarray, pred_probs: np.ndarray, offset: int, problems: Problems) -> np.ndarray:
    problems.invalid_rows(labels, pred_probs, offset).raise_if_any()
    return joint.argmax_confusion_counts(labels, pred_probs)


def argmax_confusion(labels: da.Array, pred_probs: da.Array) -> Delayed:
    """Multi-class data's counts of (given label, argmax class), (K, K), in
    one read that also checks the data."""
    return tree(per_chunk(_checked_confusion, labels, pred_probs, MULTICLASS), sum_arrays)


class Joint(NamedTuple):
    """The confident joints' summed counts (P, C + 1, C) and label counts
    (P, C), once the data are known valid, the thresholds they used, and
    if asked for, the entries below the pruning cells' levels and each
    problem's rows counted off its joint's diagonal (sorted indices)."""

    thresholds: Delayed
    counts: Delayed
    label_counts: Delayed
    levels: Delayed | None
    off_diagonal_rows: Delayed | None = None


class _JointRecord(NamedTuple):
    partials: Any
    counts: np.ndarray
    levels: Histogram | None
    rows: list[np.ndarray] | None


def _joint_counts(
    labels: np.ndarray,
    pred_probs: np.ndarray,
    offset: int,
    problems: Problems,
    thresholds: np.ndarray,
    levels_of: LevelsOf | None,
    with_rows: bool,
) -> _JointRecord:
    if levels_of is not None:
        counts, levels = problems.joint_counts_and_levels(labels, pred_probs, thresholds, levels_of)
    else:
        counts, levels = problems.joint_counts(labels, pred_probs, thresholds), None
    rows = None
    if with_rows:
        rows = _flagged_rows(problems.off_joint_diagonal(labels, pred_probs, thresholds), offset)
    return _JointRecord(None, counts, levels, rows)


def _joint_record(
    labels: np.ndarray, pred_probs: np.ndarray, offset: int, problems: Problems, *counting: Any
) -> _JointRecord:
    """Pass 1 and the counts (:func:`_joint_counts` of ``counting``) in one read."""
    partials = problems.threshold_partials(labels, pred_probs, offset)
    if partials.invalid:  # the validation will raise; count nothing
        labels, pred_probs = labels[:0], pred_probs[:0]
    return _joint_counts(labels, pred_probs, offset, problems, *counting)._replace(partials=partials)


def _label_counts(problems: Problems, partials: Any) -> np.ndarray:
    return problems.label_counts(_valid(partials))


def confident_joint(
    problems: Problems,
    labels: da.Array,
    pred_probs: da.Array,
    *,
    absent_class_threshold: float,
    thresholds: np.ndarray | None = None,
    levels_of: LevelsOf | None = None,
    with_off_diagonal_rows: bool = False,
) -> Joint:
    """The confident joints' counts (and given ``levels_of``, the pruning's
    :func:`~dlq.kernels.bounds.level_counts` of those cells; with
    ``with_off_diagonal_rows``, the rows counted off each joint's diagonal).
    With ``thresholds`` given the data are read once; otherwise pass 1
    computes them and pass 2 counts."""
    extra = (levels_of, with_off_diagonal_rows)
    if thresholds is None:
        partials, thresholds = threshold_pass(
            problems, labels, pred_probs, absent_class_threshold=absent_class_threshold
        )
        records = per_chunk(_joint_counts, *reread(labels, pred_probs), problems, thresholds, *extra)
    else:
        records = per_chunk(_joint_record, labels, pred_probs, problems, thresholds, *extra)
        partials = tree(records, part="partials", combine=problems.combine_partials)
    counts = tree(records, sum_arrays, part="counts")
    levels = None if levels_of is None else tree(records, Histogram.summed, part="levels")
    rows = None
    if with_off_diagonal_rows:
        rows = step(_after_validation, partials, tree(records, part="rows", combine=_concatenated_per_problem))
    return Joint(thresholds, counts, step(_label_counts, problems, partials), levels, rows)


class Issues(NamedTuple):
    """Each problem's issues, as P sorted index arrays, the thresholds of its
    search, and each chunk's own issues (records of P sorted arrays)."""

    thresholds: Delayed
    per_problem: Delayed
    per_chunk: da.Array


def _flagged_rows(flags: np.ndarray, offset: int) -> list[np.ndarray]:
    return [np.flatnonzero(column) + offset for column in flags.T]


def _concatenated_per_problem(parts: list[list[np.ndarray]]) -> list[np.ndarray]:
    return [concatenated(list(per_problem)) for per_problem in zip(*parts, strict=True)]


class _FlagRecord(NamedTuple):
    partials: Any
    rows: list[np.ndarray]


def _flag_record(labels: np.ndarray, pred_probs: np.ndarray, offset: int, problems: Problems) -> _FlagRecord:
    partials = problems.threshold_partials(labels, pred_probs, offset)
    if partials.invalid:  # the validation will raise; flag nothing
        labels, pred_probs = labels[:0], pred_probs[:0]
    return _FlagRecord(partials, _flagged_rows(problems.flags(labels, pred_probs, None), offset))


def _flags(labels: np.ndarray, pred_probs: np.ndarray, offset: int, problems: Problems, thresholds: Any) -> Any:
    return _flagged_rows(problems.flags(labels, pred_probs, thresholds), offset)


def _after_validation(partials: Any, value: Any) -> Any:
    _valid(partials)
    return value


def flagged(
    problems: Problems, labels: da.Array, pred_probs: da.Array, *, off_diagonal: bool, absent_class_threshold: float
) -> Issues:
    """cleanlab's row filters in each problem: rows off the confident joint's
    diagonal (``off_diagonal``: pass 1, then a read to flag) or mispredicted
    (one read, which also sums the thresholds' partials), whose prediction
    disagrees with their label."""
    if off_diagonal:
        pass1 = threshold_pass(problems, labels, pred_probs, absent_class_threshold=absent_class_threshold)
        rows = per_chunk(_flags, *reread(labels, pred_probs), problems, pass1.thresholds)
        return Issues(pass1.thresholds, tree(rows, _concatenated_per_problem), rows)
    records = per_chunk(_flag_record, labels, pred_probs, problems)
    partials = tree(records, part="partials", combine=problems.combine_partials)
    issues = tree(records, part="rows", combine=_concatenated_per_problem)
    return Issues(
        step(validated_thresholds, problems, partials, absent_class_threshold),
        step(_after_validation, partials, issues),
        field(records, "rows"),
    )


def _cell_numbers(cells: np.ndarray) -> np.ndarray:
    return np.flatnonzero(cells)


def _cell_counts(cells: np.ndarray) -> np.ndarray:
    return cells.reshape(-1)[np.flatnonzero(cells)]


def pruned(
    problems: Problems,
    labels: da.Array,
    pred_probs: da.Array,
    *,
    cells_from: Callable[[np.ndarray, np.ndarray], np.ndarray],
    by_noise_rate: bool,
    by_class: bool,
    absent_class_threshold: float,
) -> Issues:
    """cleanlab's pruning filters in each problem: pass 1 computes the
    thresholds, pass 2 the confident joints and the entries below each
    cell's levels; ``cells_from(counts, label_counts)`` says how many
    examples each cell (P, C, C) gives up, and the selection finds them in
    :data:`~dlq.kernels.select.READ_ROUNDS` histogram rounds and one more
    look at the cells' entries below their bound on the cut-off
    (:func:`~dlq.kernels.bounds.cut_bounds`). The entries are made in one
    more read and kept if few (:func:`~dlq.kernels.bounds.worth_keeping`);
    otherwise every look makes them again from a read of its own. Inputs
    read inside the tasks that use their rows are then read three times in
    all; others, five (``clone`` copies read by every look)."""
    joints = confident_joint(
        problems,
        labels,
        pred_probs,
        absent_class_threshold=absent_class_threshold,
        levels_of=LevelsOf(off_diagonal=by_noise_rate, diagonal=by_class),
    )
    cells = step(cells_from, joints.counts, joints.label_counts)
    numbers, counts = step(_cell_numbers, cells), step(_cell_counts, cells)
    make_args = (problems.pruning_entries, step(cut_bounds, cells, joints.levels))
    kept = select.kept(
        labels,
        pred_probs,
        *make_args,
        cut=step(Cut.first, numbers, counts),
        keep=step(worth_keeping, cells, joints.levels),
    )
    chosen = select.selection(
        kept.over, numbers, counts, rounds=READ_ROUNDS, issues_only=True, first_histogram=kept.first_histogram
    )
    num_problems, num_classes = problems.shape(pred_probs.shape[1])
    # a row's flags in every cell are its own: each chunk prunes its own issues
    pruned = partial(
        joint.pruned, by_noise_rate=by_noise_rate, by_class=by_class, num_problems=num_problems, num_classes=num_classes
    )
    return Issues(joints.thresholds, step(pruned, chosen.found), per_record(pruned, chosen.per_chunk))


def _entries(
    labels: np.ndarray,
    pred_probs: np.ndarray,
    offset: int,
    problems: Problems,
    method: str,
    aggregate: Callable[[np.ndarray], np.ndarray] | None,
) -> list[Entries]:
    scores_ = problems.scores(labels, pred_probs, method=method, thresholds=None, aggregate=aggregate)
    return [Entries.of_columns(scores_.reshape(scores_.shape[0], -1), offset)]


class Lowests(NamedTuple):
    """Each cell's lowest, ranked (a ``Delayed`` list of index arrays), and
    each chunk's own (records of sorted index arrays, one per cell)."""

    per_cell: Delayed
    per_chunk: da.Array


def _sorted_per_cell(found: Lowest, cells: np.ndarray) -> list[np.ndarray]:
    return [np.sort(indices) for indices in found.per_cell(cells)]


def lowest_scores(
    problems: Problems,
    labels: da.Array,
    pred_probs: da.Array,
    *,
    method: str,
    counts: Any,
    aggregate: Callable[[np.ndarray], np.ndarray] | None = None,
) -> Lowests:
    """The ``counts[c]`` lowest unadjusted scores of each column of scores
    (each problem, or the one aggregate), ranked, ties to the lower index,
    from data already validated: a list of index arrays, and each chunk's
    own (sorted). The selection takes :data:`~dlq.kernels.select.READ_ROUNDS`
    histogram rounds and one more read, each scoring the data again.
    """
    num_problems = problems.shape(pred_probs.shape[1])[0]
    cells = np.arange(1 if aggregate is not None else num_problems)
    # nothing is kept: every look scores a read of its own, the first taking the first round
    looked = select.kept(
        labels, pred_probs, _entries, problems, method, aggregate, cut=step(Cut.first, cells, counts), keep=False
    )
    chosen = select.selection(
        looked.over, cells, counts, rounds=READ_ROUNDS, issues_only=False, first_histogram=looked.first_histogram
    )
    return Lowests(
        step(Lowest.per_cell, chosen.found, cells), per_record(_sorted_per_cell, chosen.per_chunk, args=(cells,))
    )
