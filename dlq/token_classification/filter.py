"""cleanlab.token_classification.filter: label issues of single tokens.

``from cleanlab.token_classification.filter import find_label_issues``
becomes ``from dlq.token_classification.filter import find_label_issues``.
The tokens of all sentences are searched as one multi-class data set by
:func:`dlq.filter.find_label_issues` (or :func:`dlq.find_label_issues_batched`
with ``low_memory=True``), and the issues told as (sentence, token) pairs.
"""

from __future__ import annotations

from typing import Any

from dlq._validation.tokens import check_token_ranking, warn_of_unused_with_low_memory
from dlq.filter import find_label_issues as find_token_issues
from dlq.graphs import token_tables
from dlq.multiclass import find_label_issues_batched
from dlq.token_classification._inputs import flat_tokens

__all__ = ["find_label_issues"]


def find_label_issues(
    labels: Any,
    pred_probs: Any,
    *,
    return_indices_ranked_by: str = "self_confidence",
    low_memory: bool = False,
    sentence_lengths: Any = None,
    **kwargs: Any,
) -> list[tuple[int, int]]:
    """The tokens whose given label is likely wrong, most likely first, as
    cleanlab's function of this name finds them.

    Parameters
    ----------
    labels : list of N lists of int, or array-like of int, shape (T,)
        ``labels[i][j]``: the given class (0..K-1) of token j of sentence i;
        or, in the flat form, the labels of all T tokens, sentence after sentence.
    pred_probs : list of N arrays of shape (T_i, K), or array-like of float, shape (T, K)
        Out-of-sample predicted class probabilities of each token; or, in
        the flat form, those of all T tokens as one array of any kind
        :func:`dlq.scan` reads (numpy, dask, zarr, a ``.npy`` path, ...).
    return_indices_ranked_by : {"self_confidence", "normalized_margin", "confidence_weighted_entropy"}
        The token score the issues are ranked by, lowest first.
    low_memory : bool
        Search with :func:`dlq.find_label_issues_batched` instead (the
        ``kwargs`` are then not used, with a warning for each); its issues
        are returned in token order, as cleanlab 2.9 returns them.
    sentence_lengths : array-like of int, shape (N,), optional
        The flat form's sentences: how many tokens each has, summing to T.
        Required with, and only with, the flat form.
    **kwargs
        Further arguments of :func:`dlq.filter.find_label_issues`
        (``filter_by``, ``frac_noise``, ``n_jobs``, ...).

    Returns
    -------
    list of tuple of int
        ``(i, j)``: token j of sentence i has a label issue.

    Examples
    --------
    >>> import numpy as np
    >>> labels = [[0, 0, 1], [0, 1]]
    >>> pred_probs = [np.array([[0.9, 0.1], [0.7, 0.3], [0.05, 0.95]]), np.array([[0.8, 0.2], [0.8, 0.2]])]
    >>> find_label_issues(labels, pred_probs)
    [(1, 1)]
    >>> find_label_issues([0, 0, 1, 0, 1], np.concatenate(pred_probs), sentence_lengths=[3, 2])
    [(1, 1)]
    """
    check_token_ranking(return_indices_ranked_by)
    flat_labels, flat_probs, lengths = flat_tokens(labels, pred_probs, sentence_lengths)
    if low_memory:
        warn_of_unused_with_low_memory(kwargs)
        found = find_label_issues_batched(
            flat_labels, flat_probs, quality_score_kwargs={"method": return_indices_ranked_by}
        )
        return token_tables.issue_positions(found, lengths, index_order=True)
    found = find_token_issues(flat_labels, flat_probs, return_indices_ranked_by=return_indices_ranked_by, **kwargs)
    return token_tables.issue_positions(found, lengths)
