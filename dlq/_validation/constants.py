"""The lists of accepted option values, the defaults and cleanlab's constants, each defined once."""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import Any

from dlq.kernels.latent import PRIOR_METHODS as LATENT_PRIOR_METHODS
from dlq.kernels.multiclass import THRESHOLD_LOWER_BOUND

#: A class no example is given gets this threshold in cleanlab's batched search ...
BATCHED_ABSENT_CLASS_THRESHOLD = THRESHOLD_LOWER_BOUND
#: ... and this one in its in-memory functions (``cleanlab.count``, ``cleanlab.rank``, ``cleanlab.filter``).
IN_MEMORY_ABSENT_CLASS_THRESHOLD = 2.0

#: Label quality scores (``method``), as in ``cleanlab.rank``.
SCORE_METHODS = ("self_confidence", "normalized_margin", "confidence_weighted_entropy")
#: Issue counts of the batched search (``num_issue_kwargs``), as in ``cleanlab.experimental.label_issues_batched``.
BATCHED_ESTIMATION_METHODS = ("off_diagonal", "off_diagonal_calibrated")
#: Issue counts of ``num_label_issues``, as in ``cleanlab.count``: the batched search's, and one from a given joint.
COUNT_ESTIMATION_METHODS = (*BATCHED_ESTIMATION_METHODS, "off_diagonal_custom")

#: How the members of an ensemble may be weighted (``weight_ensemble_members_by``), as in ``cleanlab.rank``.
ENSEMBLE_WEIGHTINGS = ("uniform", "accuracy", "log_loss_search", "custom")
#: The temperatures the log-loss weighting of an ensemble tries (``log_loss_search_T_values``), cleanlab's default.
LOG_LOSS_SEARCH_TEMPERATURES = [1e-4, 1e-3, 1e-2, 1e-1, 1e0, 1e1, 1e2, 2e2]
#: The estimates of the prior of the true labels (``py_method``), as in ``cleanlab.count``.
PRIOR_METHODS = LATENT_PRIOR_METHODS

#: Filters of ``find_label_issues`` that prune the confident joint.
PRUNING_FILTERS = ("prune_by_noise_rate", "prune_by_class", "both")
#: Filters of ``find_label_issues`` that flag rows by themselves.
ROW_FILTERS = ("confident_learning", "predicted_neq_given", "low_normalized_margin", "low_self_confidence")
#: Every ``filter_by`` of ``find_label_issues``.
FILTERS = PRUNING_FILTERS + ROW_FILTERS

#: The aggregators of multi-label scores that ``aggregator_kwargs`` may name, and the options of each.
AGGREGATOR_OPTIONS: Mapping[str, tuple[str, ...]] = MappingProxyType(
    {"exponential_moving_average": ("alpha",), "softmin": ("temperature",)}
)
#: The aggregators that ``aggregator_kwargs`` may name (it may also give a callable).
AGGREGATOR_METHODS = tuple(AGGREGATOR_OPTIONS)
#: cleanlab's default ``aggregator_kwargs`` of the multi-label scores.
DEFAULT_AGGREGATOR: dict[str, Any] = {"method": "exponential_moving_average", "alpha": 0.8}

#: ``quality_score_kwargs`` and their defaults.
QUALITY_SCORE_KWARGS: Mapping[str, Any] = MappingProxyType({"method": "self_confidence", "adjust_pred_probs": False})
#: ``num_issue_kwargs`` and their defaults.
NUM_ISSUE_KWARGS: Mapping[str, Any] = MappingProxyType({"estimation_method": "off_diagonal"})
#: ``rank_by_kwargs`` and their defaults.
RANK_BY_KWARGS: Mapping[str, Any] = MappingProxyType({"adjust_pred_probs": False})

#: The filter options of the multi-label finders, which ``low_memory=True`` does not use, and their defaults.
_UNUSED_WITH_LOW_MEMORY: Mapping[str, Any] = MappingProxyType(
    {
        "filter_by": "prune_by_noise_rate",
        "frac_noise": 1.0,
        "num_to_remove_per_class": None,
        "min_examples_per_class": 1,
        "confident_joint": None,
    }
)
