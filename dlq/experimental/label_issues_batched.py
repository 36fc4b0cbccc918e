"""cleanlab.experimental.label_issues_batched's functions, under the same module path.

``from cleanlab.experimental.label_issues_batched import X`` becomes
``from dlq.experimental.label_issues_batched import X``; they are the same
objects as ``dlq.find_label_issues_batched`` and ``dlq.LabelInspector``.
"""

from __future__ import annotations

from dlq.experimental.label_inspector import LabelInspector
from dlq.multiclass import find_label_issues_batched

__all__ = ["LabelInspector", "find_label_issues_batched"]
