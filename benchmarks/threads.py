"""How much two threads speed up plain numpy arithmetic on this machine:
the same three elementwise operations, repeated on one thread twice and on
two threads at once, for arrays of several sizes.

``python benchmarks/threads.py`` prints, per array size, both times and the
speed-up (2x would be perfect scaling). dlq's chunk kernels are made of
such calls, so their speed-up on two cores is bounded by these figures.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

import numpy as np

#: Elements processed by each thread's work, whatever the array size.
ELEMENTS = 2 * 10**8


def work(size: int) -> Callable[[int], None]:
    """Add, multiply and exponentiate arrays of ``size`` float64, in place,
    as many times as :data:`ELEMENTS` takes; each call its own arrays."""

    def run(seed: int) -> None:
        rng = np.random.default_rng(seed)
        first, second = rng.random(size), rng.random(size)
        out = np.empty(size)
        for _ in range(ELEMENTS // size):
            np.add(first, second, out=out)
            np.multiply(out, second, out=out)
            np.exp(out, out=out)

    return run


def main() -> None:
    for size in (2**14, 2**17, 2**20, 2**22):
        run = work(size)
        start = time.perf_counter()
        run(0)
        run(1)
        serial = time.perf_counter() - start
        with ThreadPoolExecutor(2) as threads:
            start = time.perf_counter()
            list(threads.map(run, range(2)))
            parallel = time.perf_counter() - start
        print(
            f"arrays of {size * 8 // 1024:>6,} KiB: one thread {serial:.2f} s, two threads {parallel:.2f} s, "
            f"speed-up {serial / parallel:.2f}x"
        )


if __name__ == "__main__":
    main()
