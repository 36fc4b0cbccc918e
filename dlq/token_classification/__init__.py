"""cleanlab-compatible token classification (``cleanlab.token_classification``).

Each token of each sentence has its own class label. cleanlab's users import
the submodules, and so do dlq's: ``dlq.token_classification.filter``
finds tokens with label issues, ``dlq.token_classification.rank`` scores
tokens and sentences, and ``dlq.token_classification.summary`` shows and
counts the issues, under cleanlab's names and arguments. Besides cleanlab's
per-sentence lists, ``filter.find_label_issues`` and
``rank.get_label_quality_scores`` take a flat form for data of any size:
pred_probs of all tokens as one (T, K) array of any kind :func:`dlq.scan`
reads, labels as one (T,) array, and ``sentence_lengths``.

Examples
--------
>>> import numpy as np
>>> from dlq.token_classification import filter
>>> labels = [[0, 0, 1], [0, 1]]
>>> pred_probs = [np.array([[0.9, 0.1], [0.7, 0.3], [0.05, 0.95]]), np.array([[0.8, 0.2], [0.8, 0.2]])]
>>> filter.find_label_issues(labels, pred_probs)
[(1, 1)]
"""

from dlq.token_classification import filter, rank, summary
from dlq.token_classification.scans import SentenceScan, SentenceScanResult, scan

__all__ = ["SentenceScan", "SentenceScanResult", "filter", "rank", "scan", "summary"]
