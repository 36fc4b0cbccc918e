"""A data set's label health from its estimated joint of given and true labels (K x K, summing to 1).

The columns of cleanlab's ``dataset`` tables, as arrays: per class, the
share of the examples given it that belong to another class (label noise)
and of those that belong to it but were given another (inverse label
noise); per pair of classes, the joint probability of confusing them.
"""

from __future__ import annotations

import numpy as np

#: The smallest denominator of a share: classes of no mass get shares of 0.
SHARE_LOWER_BOUND = 1e-6


def class_quality(joint: np.ndarray, num_examples: int) -> dict[str, np.ndarray]:
    """Per class k (rows are given labels, columns true ones): examples given
    k that belong elsewhere and their share of those given k, examples of
    true class k given another label and their share, and the quality score
    (one less the label noise), in class order.

    Examples
    --------
    >>> found = class_quality(np.array([[0.4, 0.1], [0.0, 0.5]]), 10)
    >>> found["Label Issues"].tolist(), found["Inverse Label Issues"].tolist(), found["Label Quality Score"].tolist()
    ([1, 0], [0, 1], [0.8, 1.0])
    """
    given, true, agreed = joint.sum(axis=1), joint.sum(axis=0), joint.diagonal()
    given_elsewhere, true_elsewhere = given - agreed, true - agreed
    label_noise = given_elsewhere / np.clip(given, SHARE_LOWER_BOUND, None)
    return {
        "Class Index": np.arange(joint.shape[0]),
        "Label Issues": (given_elsewhere * num_examples).round().astype(int),
        "Inverse Label Issues": (true_elsewhere * num_examples).round().astype(int),
        "Label Noise": label_noise,
        "Inverse Label Noise": true_elsewhere / np.clip(true, SHARE_LOWER_BOUND, None),
        "Label Quality Score": 1 - label_noise,
    }


def class_pairs(joint: np.ndarray, num_examples: int, *, asymmetric: bool) -> dict[str, np.ndarray]:
    """Every pair of distinct classes (A, B) in row-major order, with the
    joint probability of A given and B true; unless ``asymmetric``, each
    unordered pair once (A < B) with both directions summed.

    Examples
    --------
    >>> found = class_pairs(np.array([[0.4, 0.1], [0.05, 0.45]]), 100, asymmetric=False)
    >>> found["Class Index A"].tolist(), found["Num Overlapping Examples"].tolist()
    ([0], [15])
    """
    size = joint.shape[0]
    first, second = np.divmod(np.arange(size * size), size)
    if asymmetric:
        values, keep = joint.reshape(-1), first != second
    else:
        values, keep = (np.triu(joint) + np.tril(joint).T).reshape(-1), first < second
    probability = values[keep]
    return {
        "Class Index A": first[keep],
        "Class Index B": second[keep],
        "Num Overlapping Examples": (probability * num_examples).round().astype(int),
        "Joint Probability": probability,
    }


def normalized(confident_joint: np.ndarray) -> np.ndarray:
    """A (calibrated) confident joint as probabilities summing to 1, or each
    of a stack of them (P, C, C).

    Examples
    --------
    >>> normalized(np.array([[3, 1], [0, 4]])).tolist()
    [[0.375, 0.125], [0.0, 0.5]]
    >>> normalized(np.array([[[1, 1], [0, 2]], [[2, 0], [0, 2]]]))[:, 0, 0].tolist()
    [0.25, 0.5]
    """
    totals = np.sum(confident_joint, axis=(-2, -1), keepdims=True).astype(np.float64)
    return confident_joint / np.clip(totals, 1e-100, None)
