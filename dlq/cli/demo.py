"""A realistic noisy data set for ``dlq demo``.

Out-of-fold probabilities of a scikit-learn model on the handwritten digits
that scikit-learn ships (no download), resampled to any number of rows, with
labels flipped at known places. Needs scikit-learn (``pip install "dlq[demo]"``).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

#: Share of labels (multi-class) or of class annotations (multi-label) flipped.
NOISE = 0.1
#: The classes' names, stored with pred_probs: the digits, or their attributes (multi-label).
DIGIT_NAMES = [f"digit {digit}" for digit in range(10)]
ATTRIBUTE_NAMES = ["even", "above 4", "prime", "multiple of 3", "round"]


def digit_attributes(digits: np.ndarray) -> np.ndarray:
    """Five yes/no attributes of a digit, a multi-label task: even, above 4,
    prime, a multiple of 3, round (0, 6, 8 or 9).

    Examples
    --------
    >>> digit_attributes(np.array([6])).astype(int).tolist()
    [[1, 1, 0, 1, 1]]
    """
    return np.column_stack(
        [digits % 2 == 0, digits > 4, np.isin(digits, [2, 3, 5, 7]), digits % 3 == 0, np.isin(digits, [0, 6, 8, 9])]
    )


def out_of_fold_probabilities(multilabel: bool) -> tuple[np.ndarray, np.ndarray]:
    """Labels and out-of-fold predicted probabilities on scikit-learn's digits.

    Multi-label probabilities are those of the digit classifier summed over
    the digits that have each attribute.
    """
    from sklearn.datasets import load_digits
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import cross_val_predict
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    features, digits = load_digits(return_X_y=True)
    pipeline = make_pipeline(StandardScaler(), LogisticRegression(max_iter=2000))
    pred_probs = cross_val_predict(pipeline, features, digits, cv=5, method="predict_proba")
    if multilabel:
        has_attribute = digit_attributes(np.arange(10)).astype(np.float64)
        return digit_attributes(digits), np.clip(pred_probs @ has_attribute, 0.0, 1.0)
    return digits, pred_probs


def make_dataset(rows: int, *, multilabel: bool, seed: int = 0) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Resample the digits to ``rows`` examples and flip labels at known places.

    Returns
    -------
    labels : ndarray, shape (rows,) of int64, or (rows, 5) of bool when multilabel
    pred_probs : ndarray of float32, shape (rows, K)
    flipped : ndarray of bool, shape (rows,)
        True where a label was changed.
    """
    labels, pred_probs = out_of_fold_probabilities(multilabel)
    rng = np.random.default_rng(seed)
    picked = rng.integers(0, labels.shape[0], rows)
    labels, pred_probs = labels[picked], pred_probs[picked].astype(np.float32)
    if multilabel:
        flips = rng.random(labels.shape) < NOISE / labels.shape[1]
        return (labels.astype(bool) ^ flips), pred_probs, flips.any(axis=1)
    flipped = rng.random(rows) < NOISE
    shifted = (labels + rng.integers(1, pred_probs.shape[1], rows)) % pred_probs.shape[1]
    return np.where(flipped, shifted, labels), pred_probs, flipped


def write_dataset(folder: Path, *, rows: int, multilabel: bool) -> np.ndarray:
    """Write ``labels.zarr`` and ``pred_probs.zarr`` (with its classes'
    names as its ``class_names`` attribute) into ``folder``; return where
    labels were flipped."""
    import zarr

    labels, pred_probs, flipped = make_dataset(rows, multilabel=multilabel)
    folder.mkdir(parents=True, exist_ok=True)
    chunk = max(1, min(rows, 2**16))
    for name, array in (("labels", labels), ("pred_probs", pred_probs)):
        stored = zarr.create_array(
            store=str(folder / f"{name}.zarr"),
            shape=array.shape,
            dtype=array.dtype,
            chunks=(chunk, *array.shape[1:]),
            overwrite=True,
        )
        stored[...] = array
    stored.attrs["class_names"] = ATTRIBUTE_NAMES if multilabel else DIGIT_NAMES
    return flipped
