"""dlq: distributed label quality.

Find mislabeled examples in classification data of any size by running
confident learning as Dask graphs over chunked arrays.
"""

from dlq import multilabel, segmentation, token_classification
from dlq.count import compute_confident_joint, num_label_issues
from dlq.experimental.label_inspector import LabelInspector
from dlq.filter import find_label_issues
from dlq.multiclass import find_label_issues_batched, get_label_quality_scores, scan
from dlq.result import Scan, ScanResult

__version__ = "0.2.0"

__all__ = [
    "LabelInspector",
    "Scan",
    "ScanResult",
    "compute_confident_joint",
    "find_label_issues",
    "find_label_issues_batched",
    "get_label_quality_scores",
    "multilabel",
    "num_label_issues",
    "scan",
    "segmentation",
    "token_classification",
]
