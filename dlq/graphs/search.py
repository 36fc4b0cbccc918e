"""cleanlab.filter's search, written once for any set of problems: one
multi-class problem, or the K one-vs-rest problems of multi-label data.

This is where cleanlab's filter names meet the graphs: each ``filter_by``
becomes a lazy search of :mod:`dlq.graphs.passes`, with cleanlab's
in-memory constants.
"""

from __future__ import annotations

from functools import partial
from typing import Any

import numpy as np

from dlq.graphs import passes
from dlq.graphs.blocks import step
from dlq.kernels import joint
from dlq.kernels.problems import Problems


def _sorted_each(per_problem: list[np.ndarray]) -> list[np.ndarray]:
    return [np.sort(issues) for issues in per_problem]


def search(
    problems: Problems,
    labels: Any,
    pred_probs: Any,
    *,
    filter_by: str,
    given_joint: Any,
    removals: Any,
    min_examples_per_class: int,
    frac_noise: float,
    absent_class_threshold: float,
) -> passes.Issues:
    """The lazy search of cleanlab.filter's ``filter_by`` in each problem, on
    opened and checked inputs: each problem's sorted issue indices, and the
    thresholds the search used.

    ``given_joint`` and ``removals`` are one value for all problems, or a
    list of one per problem (see :func:`dlq.kernels.joint.per_problem`). The
    ``low_*`` filters take each problem's k lowest scores, k its off-diagonal
    count; a class no example is given has threshold
    ``absent_class_threshold``. Every selection is made in bounded memory, by histogram rounds
    over the data read again (:func:`dlq.graphs.select.selection`).
    """
    absent = absent_class_threshold
    if filter_by in ("confident_learning", "predicted_neq_given"):
        off_diagonal = filter_by == "confident_learning"
        return passes.flagged(problems, labels, pred_probs, off_diagonal=off_diagonal, absent_class_threshold=absent)
    if filter_by.startswith("low_"):  # no example is spared for agreeing with its label
        joints = passes.confident_joint(problems, labels, pred_probs, absent_class_threshold=absent)
        lowest = passes.lowest_scores(
            problems,
            labels,
            pred_probs,
            method=filter_by[len("low_") :],
            counts=step(joint.off_diagonal_issue_counts, joints.counts),
        )
        return passes.Issues(joints.thresholds, step(_sorted_each, lowest.per_cell), lowest.per_chunk)
    cells_from = partial(
        joint.per_problem,
        joint.prune_cells,
        given_joint=given_joint,
        min_examples_per_class=min_examples_per_class,
        frac_noise=frac_noise,
        num_to_remove_per_class=removals,
        by_noise_rate=filter_by != "prune_by_class",
        by_class=filter_by != "prune_by_noise_rate",
    )
    return passes.pruned(
        problems,
        labels,
        pred_probs,
        cells_from=cells_from,
        by_noise_rate=filter_by != "prune_by_class",
        by_class=filter_by != "prune_by_noise_rate",
        absent_class_threshold=absent,
    )
