"""The C allocator made ready for a chunk's temporaries when dlq first computes.

glibc serves allocations above its mmap threshold (128 KiB at start) from
fresh memory mappings, and raises that threshold only once such a mapping
is freed. Until then every temporary of a chunk's arithmetic (a few MiB
each) is mapped and page-faulted afresh: the first call in a process ran up
to twice as long as the second (200,000 x 50 multi-label scores: 0.17 s,
then 0.08 s). Freeing one untouched mapping of nearly 32 MiB raises the
threshold as a program's first large freed array would: allocations below
32 MiB then come from the heap, which keeps up to 64 MiB of freed memory
before returning it to the system. Elsewhere (other allocators, or glibc
with ``MALLOC_MMAP_THRESHOLD_`` or ``MALLOC_TRIM_THRESHOLD_`` set, as
dask.distributed's workers have) this changes nothing.

Importing dlq leaves the allocator as it is: :func:`prime` is called where
work starts in this process, by :func:`dlq.graphs.scheduler.compute` and
by :func:`dlq.graphs.inprocess.building_lazily` (asked before any work in
process, see :mod:`dlq.graphs.inprocess`), and does its work once per
process. Tasks in other processes are not primed: dask.distributed's
nannies start their workers with ``MALLOC_TRIM_THRESHOLD_`` set
(``distributed.nanny.pre-spawn-environ``), which fixes glibc's thresholds.
"""

from __future__ import annotations

import numpy as np

#: Just under glibc's largest dynamic mmap threshold (32 MiB on 64-bit systems).
_PRIMING_BYTES = 2**25 - 2**16

_primed = False


def prime() -> None:
    """Allocate and free one large block, never touched (no page is faulted),
    the first time this is called in a process; later calls do nothing.

    Examples
    --------
    >>> prime()
    >>> primed()
    True
    """
    global _primed
    if _primed:
        return
    _primed = True
    np.empty(_PRIMING_BYTES, np.uint8)


def primed() -> bool:
    """Whether :func:`prime` has been called in this process.

    Examples
    --------
    >>> prime()
    >>> primed()
    True
    """
    return _primed
