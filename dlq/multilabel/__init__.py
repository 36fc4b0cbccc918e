"""cleanlab-compatible multi-label API (``cleanlab.multilabel_classification``).

Each example may have any number of the K classes. ``dlq.multilabel.rank``
scores labels, ``dlq.multilabel.filter`` finds label issues and
``dlq.multilabel.dataset`` summarises a data set's label health, under
cleanlab's names and arguments.
"""

from dlq.multilabel.dataset import (
    common_multilabel_issues,
    multilabel_health_summary,
    overall_multilabel_health_score,
    rank_classes_by_multilabel_quality,
)
from dlq.multilabel.filter import find_label_issues, find_multilabel_issues_per_class
from dlq.multilabel.rank import get_label_quality_scores, get_label_quality_scores_per_class
from dlq.multilabel.scans import scan

__all__ = [
    "common_multilabel_issues",
    "find_label_issues",
    "find_multilabel_issues_per_class",
    "get_label_quality_scores",
    "get_label_quality_scores_per_class",
    "multilabel_health_summary",
    "overall_multilabel_health_score",
    "rank_classes_by_multilabel_quality",
    "scan",
]
