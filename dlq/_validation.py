"""Checks of the public API's options, and cleanlab's constants, defined once."""

from __future__ import annotations

from dlq.kernels.multiclass import THRESHOLD_LOWER_BOUND

#: A class no example is given gets this threshold in cleanlab's batched search ...
BATCHED_ABSENT_CLASS_THRESHOLD = THRESHOLD_LOWER_BOUND
#: ... and this one in its in-memory functions (``cleanlab.count``, ``cleanlab.rank``, ``cleanlab.filter``).
IN_MEMORY_ABSENT_CLASS_THRESHOLD = 2.0
