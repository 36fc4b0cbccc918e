"""A zarr store on which a missing chunk is an error, never the fill value.

zarr reads a chunk that its store does not hold as the array's fill value,
since zarr leaves chunks of fill values unwritten; a chunk lost from a store
(an interrupted upload, a deleted object) then reads as data. Reading an
array through :class:`RefusingStore` costs no extra request: it sees the
store answer "no such key" for the chunk it asked for.
"""

from __future__ import annotations

from typing import Any

from zarr.abc.store import ByteRequest
from zarr.core.buffer import Buffer, BufferPrototype
from zarr.storage import WrapperStore

#: Keys of metadata, which zarr may look for without their being there.
METADATA_KEYS = frozenset({"zarr.json", ".zarray", ".zattrs", ".zgroup", ".zmetadata"})


class MissingChunk(LookupError):
    """A chunk's key, read from a store that does not hold it."""

    def __init__(self, key: str):
        super().__init__(key)
        self.key = key


class RefusingStore(WrapperStore[Any]):
    """A store that raises :class:`MissingChunk` for a chunk it does not hold.

    Examples
    --------
    >>> import zarr
    >>> stored = zarr.create_array(store={}, shape=(4,), dtype="int64", chunks=(2,))
    >>> stored[:2] = 7
    >>> guarded = zarr.open_array(store=RefusingStore(stored.store), mode="r")
    >>> guarded[:2].tolist()
    [7, 7]
    >>> guarded[2:]
    Traceback (most recent call last):
    ...
    dlq.io.zarr_guard.MissingChunk: c/1
    """

    async def get(
        self, key: str, prototype: BufferPrototype | None = None, byte_range: ByteRequest | None = None
    ) -> Buffer | None:
        value = await self._store.get(key, prototype, byte_range)
        if value is None and key.rsplit("/", 1)[-1] not in METADATA_KEYS:
            raise MissingChunk(key)
        return value
