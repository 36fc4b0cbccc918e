"""cleanlab-compatible semantic segmentation (``cleanlab.segmentation``).

Every pixel of every image has a label. ``dlq.segmentation.filter`` finds
the pixels whose label is likely wrong, ``dlq.segmentation.rank`` scores
each image and pixel, and ``dlq.segmentation.summary`` counts the issues
by class, under cleanlab's names and arguments. Images are read a chunk at
a time: pred_probs of any size, from any input dlq reads, in cleanlab's
layout ``(N, K, H, W)`` or with the classes last ``(N, H, W, K)``.
:func:`scan` gives them all lazily, to compute together or write to zarr.
"""

from dlq.segmentation import filter, rank, summary
from dlq.segmentation.scans import ImageScan, ImageScanResult, scan

__all__ = ["ImageScan", "ImageScanResult", "filter", "rank", "scan", "summary"]
