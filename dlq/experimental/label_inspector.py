"""cleanlab's ``LabelInspector``: the two batched passes, driven by the caller batch by batch."""

from __future__ import annotations

from typing import Any

import numpy as np

from dlq import _validation
from dlq._validation import BATCHED_ABSENT_CLASS_THRESHOLD
from dlq.graphs import inspection
from dlq.graphs.order import lowest_first
from dlq.io import arrays


class LabelInspector:
    """Stream batches through cleanlab's two-pass label-issue procedure yourself.

    Call :meth:`update_confident_thresholds` on every batch, then
    :meth:`score_label_quality` on every batch, then read the results. Same
    constructor and methods as cleanlab's ``LabelInspector``; for data in
    arrays or files, :func:`find_label_issues_batched` or :func:`dlq.scan`
    does all of this in parallel.

    Parameters
    ----------
    num_class : int
        Number of classes K.
    store_results : bool
        Keep every batch's scores so that :meth:`get_quality_scores` and
        :meth:`get_label_issues` work.
    verbose : bool
        Print how many examples each estimate rests on.
    quality_score_kwargs : dict, optional
        ``method`` and ``adjust_pred_probs``.
    num_issue_kwargs : dict, optional
        ``estimation_method``.
    n_jobs : int, optional
        Accepted for compatibility; batches are scored by vectorised numpy.

    Examples
    --------
    >>> import numpy as np, dlq
    >>> pred_probs = np.array([[0.9, 0.1], [0.9, 0.1], [0.2, 0.8], [0.1, 0.9], [0.85, 0.15]])
    >>> labels = np.array([0, 1, 1, 1, 0])
    >>> inspector = dlq.LabelInspector(num_class=2, verbose=False)
    >>> for batch in (slice(0, 3), slice(3, 5)):
    ...     inspector.update_confident_thresholds(labels[batch], pred_probs[batch])
    >>> for batch in (slice(0, 3), slice(3, 5)):
    ...     _ = inspector.score_label_quality(labels[batch], pred_probs[batch])
    >>> inspector.get_num_issues(), inspector.get_label_issues().tolist()
    (1, [1])
    """

    def __init__(
        self,
        *,
        num_class: int,
        store_results: bool = True,
        verbose: bool = True,
        quality_score_kwargs: dict | None = None,
        num_issue_kwargs: dict | None = None,
        n_jobs: int | None = 1,
    ):
        self.num_class = _validation.check_integer(num_class, "num_class", minimum=2)
        self.store_results = store_results
        self.verbose = verbose
        self.n_jobs = n_jobs
        self.quality_score_kwargs = _validation.check_kwargs(
            quality_score_kwargs, _validation.QUALITY_SCORE_KWARGS, "quality_score_kwargs"
        )
        _validation.check_score_method(**self.quality_score_kwargs)
        self.num_issue_kwargs = _validation.check_kwargs(
            num_issue_kwargs, _validation.NUM_ISSUE_KWARGS, "num_issue_kwargs"
        )
        _validation.check_choice(
            self.num_issue_kwargs["estimation_method"], _validation.BATCHED_ESTIMATION_METHODS, "estimation_method"
        )
        self._threshold_partials: inspection.ThresholdPartials | None = None
        self._count_partials = inspection.no_issue_counts(self.num_class)
        self._scores: list[np.ndarray] = []
        self.examples_processed_thresh = 0
        self.examples_processed_quality = 0

    def _checked_batch(self, labels: Any, pred_probs: Any, offset: int) -> tuple[np.ndarray, np.ndarray]:
        _validation.check_batch_width(arrays.open_inputs(labels, pred_probs)[1].shape[1], self.num_class)
        return inspection.checked(labels, pred_probs, offset)

    def update_confident_thresholds(self, labels: Any, pred_probs: Any) -> None:
        """Add one batch to the confident-threshold estimate (pass 1)."""
        labels, pred_probs = self._checked_batch(labels, pred_probs, self.examples_processed_thresh)
        self._threshold_partials = inspection.threshold_partials_with(
            self._threshold_partials, labels, pred_probs, self.examples_processed_thresh
        )
        self.examples_processed_thresh += labels.shape[0]

    def get_confident_thresholds(self, silent: bool = False) -> np.ndarray:
        """Per-class confident thresholds from the batches seen in pass 1."""
        _validation.check_thresholds_seen(self._threshold_partials)
        if self.verbose and not silent:
            print(f"confident thresholds rest on {self.examples_processed_thresh} examples")
        return inspection.thresholds(self._threshold_partials, absent_class_threshold=BATCHED_ABSENT_CLASS_THRESHOLD)

    def score_label_quality(self, labels: Any, pred_probs: Any, *, update_num_issues: bool = True) -> np.ndarray:
        """Score one batch (pass 2) and, by default, count its issues."""
        thresholds = self.get_confident_thresholds(silent=True)
        labels, pred_probs = self._checked_batch(labels, pred_probs, self.examples_processed_quality)
        adjust = self.quality_score_kwargs["adjust_pred_probs"]
        scores = inspection.scores(
            labels, pred_probs, method=self.quality_score_kwargs["method"], thresholds=thresholds if adjust else None
        )
        if update_num_issues:
            self._count_partials += inspection.issue_counts(labels, pred_probs, thresholds)
        self.examples_processed_quality += labels.shape[0]
        if self.store_results:
            self._scores.append(scores)
        return scores

    def get_num_issues(self, silent: bool = False) -> int:
        """Estimated number of label issues among the batches scored."""
        _validation.check_scored(self.examples_processed_quality)
        if self.verbose and not silent:
            print(f"issue count rests on {self.examples_processed_quality} scored examples")
        return inspection.num_issues(self._count_partials, **self.num_issue_kwargs)

    def get_quality_scores(self) -> np.ndarray:
        """Scores of every example scored so far, in order."""
        _validation.check_scores_kept(self.store_results)
        return np.concatenate(self._scores) if self._scores else np.zeros(0)

    def get_label_issues(self) -> np.ndarray:
        """Indices of the ``get_num_issues()`` lowest scores, lowest first.

        Unlike :func:`find_label_issues_batched`, examples whose prediction
        agrees with their label are kept, as in cleanlab.
        """
        scores = self.get_quality_scores()
        num_issues = self.get_num_issues(silent=True)
        return lowest_first(scores, max(num_issues, 0))
