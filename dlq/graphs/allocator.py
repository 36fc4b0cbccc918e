"""The C allocator made ready for a chunk's temporaries when dlq is imported.

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
"""

from __future__ import annotations

import numpy as np

#: Just under glibc's largest dynamic mmap threshold (32 MiB on 64-bit systems).
_PRIMING_BYTES = 2**25 - 2**16


def prime() -> None:
    """Allocate and free one large block, never touched: no page is faulted."""
    np.empty(_PRIMING_BYTES, np.uint8)
