"""A short, real run on generated data: ``python -m dlq.demo``.

Makes a classification data set whose model probabilities are known, flips a
known share of its labels, scans it with dlq and reports how many of the
flipped labels were found.
"""

from __future__ import annotations

import argparse
import time

import numpy as np

import dlq


def make_noisy_dataset(
    n_rows: int, n_classes: int, *, noise: float = 0.1, seed: int = 0
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """pred_probs peaked at each example's true class, and labels with some flipped.

    Returns
    -------
    labels : ndarray of int64, shape (N,)
    pred_probs : ndarray of float32, shape (N, K)
    flipped : ndarray of bool, shape (N,)
        True where the label was changed away from the true class.

    Examples
    --------
    >>> labels, pred_probs, flipped = make_noisy_dataset(1000, 4, noise=0.2)
    >>> pred_probs.shape, bool(0.1 < flipped.mean() < 0.3)
    ((1000, 4), True)
    """
    rng = np.random.default_rng(seed)
    true = rng.integers(0, n_classes, n_rows)
    logits = rng.standard_normal((n_rows, n_classes)).astype(np.float32)
    logits[np.arange(n_rows), true] += 3.0
    pred_probs = np.exp(logits)
    pred_probs /= pred_probs.sum(axis=1, keepdims=True)
    flipped = rng.random(n_rows) < noise
    labels = np.where(flipped, (true + rng.integers(1, n_classes, n_rows)) % n_classes, true)
    return labels.astype(np.int64), pred_probs, flipped


def main(argv: list[str] | None = None) -> None:
    """Run the demo and print precision and recall of the issues found."""
    parser = argparse.ArgumentParser(prog="python -m dlq.demo", description=__doc__)
    parser.add_argument("--rows", type=int, default=200_000, help="examples to generate (default 200000)")
    parser.add_argument("--classes", type=int, default=20, help="classes (default 20)")
    parser.add_argument("--noise", type=float, default=0.1, help="share of labels flipped (default 0.1)")
    args = parser.parse_args(argv)

    labels, pred_probs, flipped = make_noisy_dataset(args.rows, args.classes, noise=args.noise)
    print(f"{args.rows:,} examples, {args.classes} classes, {flipped.sum():,} labels flipped on purpose")
    start = time.perf_counter()
    result = dlq.scan(labels, pred_probs).compute()
    seconds = time.perf_counter() - start
    found = result.mask()
    true_positives = int((found & flipped).sum())
    print(f"dlq found {found.sum():,} label issues in {seconds:.2f} s")
    print(f"precision {true_positives / max(found.sum(), 1):.3f}, recall {true_positives / max(flipped.sum(), 1):.3f}")
    print(f"worst five: {result.issues[:5].tolist()}")


if __name__ == "__main__":
    main()
