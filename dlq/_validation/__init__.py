"""Checks of the public API's options, before any data are read.

Every option a public function takes is checked here, and every list of
accepted values is defined here once (:mod:`.constants`); the API modules
only call these functions. Each error names what was expected and what was
given; each warning of an option without effect points at the user's call,
however deep in dlq the check runs. The shapes and dtypes of the data
themselves are checked where the data are opened, in :mod:`dlq.io.arrays`, and
their values chunk by chunk in the graphs.
"""

from dlq._validation.aggregators import (
    check_aggregated,
    check_aggregator_axis,
    check_aggregator_kwargs,
    check_alpha,
    check_temperature,
)
from dlq._validation.checks import (
    RefusedType,
    RefusedValue,
    check_array_or_file,
    check_choice,
    check_class_names,
    check_ids_shape,
    check_integer,
    check_kwargs,
    check_ranking,
    check_score_method,
)
from dlq._validation.constants import (
    AGGREGATOR_METHODS,
    AGGREGATOR_OPTIONS,
    BATCHED_ABSENT_CLASS_THRESHOLD,
    BATCHED_ESTIMATION_METHODS,
    COUNT_ESTIMATION_METHODS,
    DEFAULT_AGGREGATOR,
    ENSEMBLE_WEIGHTINGS,
    FILTERS,
    IN_MEMORY_ABSENT_CLASS_THRESHOLD,
    LOG_LOSS_SEARCH_TEMPERATURES,
    NUM_ISSUE_KWARGS,
    PRIOR_METHODS,
    PRUNING_FILTERS,
    QUALITY_SCORE_KWARGS,
    RANK_BY_KWARGS,
    ROW_FILTERS,
    SCORE_METHODS,
)
from dlq._validation.counts import (
    check_count_joint,
    check_multilabel_thresholds,
    check_prior_method,
    check_thresholds,
    warn_of_multilabel_count_options,
)
from dlq._validation.datasets import check_examples_countable, check_not_multi_label
from dlq._validation.filters import (
    MultilabelFilterOptions,
    check_confident_joint,
    check_filter_options,
    check_multilabel_filter_options,
    check_search_options,
    warn_if_joint_ignored,
)
from dlq._validation.inspector import check_batch_width, check_scored, check_scores_kept, check_thresholds_seen
from dlq._validation.rankings import (
    check_ensemble,
    check_issue_mask,
    check_member_shape,
    check_one_score_per_example,
    check_top,
)

__all__ = [
    "AGGREGATOR_METHODS",
    "AGGREGATOR_OPTIONS",
    "BATCHED_ABSENT_CLASS_THRESHOLD",
    "BATCHED_ESTIMATION_METHODS",
    "COUNT_ESTIMATION_METHODS",
    "DEFAULT_AGGREGATOR",
    "ENSEMBLE_WEIGHTINGS",
    "FILTERS",
    "IN_MEMORY_ABSENT_CLASS_THRESHOLD",
    "LOG_LOSS_SEARCH_TEMPERATURES",
    "NUM_ISSUE_KWARGS",
    "PRIOR_METHODS",
    "PRUNING_FILTERS",
    "QUALITY_SCORE_KWARGS",
    "RANK_BY_KWARGS",
    "ROW_FILTERS",
    "SCORE_METHODS",
    "MultilabelFilterOptions",
    "RefusedType",
    "RefusedValue",
    "check_aggregated",
    "check_aggregator_axis",
    "check_aggregator_kwargs",
    "check_alpha",
    "check_array_or_file",
    "check_batch_width",
    "check_choice",
    "check_class_names",
    "check_confident_joint",
    "check_count_joint",
    "check_ensemble",
    "check_examples_countable",
    "check_filter_options",
    "check_ids_shape",
    "check_integer",
    "check_issue_mask",
    "check_kwargs",
    "check_member_shape",
    "check_multilabel_filter_options",
    "check_multilabel_thresholds",
    "check_not_multi_label",
    "check_one_score_per_example",
    "check_prior_method",
    "check_ranking",
    "check_score_method",
    "check_scored",
    "check_scores_kept",
    "check_search_options",
    "check_temperature",
    "check_thresholds",
    "check_thresholds_seen",
    "check_top",
    "warn_if_joint_ignored",
    "warn_of_multilabel_count_options",
]
