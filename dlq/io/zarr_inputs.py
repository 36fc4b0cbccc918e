"""zarr arrays read as inputs, never as data where a chunk is missing or damaged.

zarr reads a chunk its store does not hold as the fill value: lost labels
would read as class 0, lost pred_probs as rows of zeros. A chunk whose bytes
do not decode raises an error that names neither the input nor the rows.
:class:`ZarrInput` reads a zarr array read-only and refuses both, naming the
input, the chunk and its rows. Missing chunks are found before anything is
read, from one listing of the store's keys (:meth:`ZarrInput.refuse_missing_chunks`),
and again by every read, at no extra cost, should a chunk go missing later.

Labels' chunks (any input but pred_probs) may be left unwritten on purpose:
zarr does not write a chunk of fill values by default. The dask config key
``dlq.missing-label-chunks: fill`` reads them as the fill value instead.
"""

from __future__ import annotations

import itertools
import math
import os
from collections.abc import Iterator
from typing import Any

import dask
import numpy as np

#: dask config key: how missing chunks of labels (any input but pred_probs) are read.
MISSING_LABEL_CHUNKS = "dlq.missing-label-chunks"
_POLICIES = ("error", "fill")


def missing_label_chunks() -> str:
    """What dask's config ``dlq.missing-label-chunks`` says to do with a
    missing chunk of labels: ``"error"`` (the default) or ``"fill"``.

    Examples
    --------
    >>> with dask.config.set({"dlq.missing-label-chunks": "fill"}):
    ...     missing_label_chunks()
    'fill'
    """
    policy = dask.config.get(MISSING_LABEL_CHUNKS, "error")
    if policy not in _POLICIES:
        raise ValueError(f"dask config {MISSING_LABEL_CHUNKS} must be 'error' or 'fill'; got {policy!r}")
    return policy


def zarr_input(array: Any, *, name: str, where: str | None = None) -> ZarrInput:
    """``array`` as a :class:`ZarrInput` called ``name``, unless it is one already."""
    return array if isinstance(array, ZarrInput) else ZarrInput(array, name=name, where=where)


class ZarrInput:
    """A zarr array read as the input ``name``: read-only, and a missing or
    damaged chunk is a ValueError naming the input, the chunk and its rows.

    Missing chunks are read as the fill value only for an input other than
    pred_probs under the dask config ``dlq.missing-label-chunks: fill``, as it
    is set when the ZarrInput is made. It pickles as its zarr array (store and
    metadata), so a task on a worker reads the store itself.

    Parameters
    ----------
    array : zarr.Array
        The array, opened in any mode; it is read through a read-only store.
    name : str
        What the input is called in error messages ("labels", "pred_probs").
    where : str, optional
        The store's path or URL for messages; by default zarr's name for it.

    Examples
    --------
    >>> import zarr
    >>> stored = zarr.create_array(store={}, shape=(4,), dtype="int64", chunks=(2,))
    >>> stored[:2] = 7
    >>> labels = ZarrInput(stored, name="labels", where="labels.zarr")
    >>> labels[:2].tolist()
    [7, 7]
    >>> labels[1:3]
    Traceback (most recent call last):
    ...
    ValueError: labels: zarr store labels.zarr holds no chunk c/1 (rows 2..3): ...
    """

    def __init__(self, array: Any, *, name: str, where: str | None = None):
        self.name = name
        self.where = where or _store_name(array)
        self.fills_missing = not name.startswith("pred_probs") and missing_label_chunks() == "fill"
        self._store = array.store_path.store
        array = _read_only(array, refusing=not self.fills_missing)
        self.array = array
        self.shape = array.shape
        self.dtype = array.dtype
        self.ndim = array.ndim
        self.chunks = array.chunks
        self._listed = self.fills_missing

    @property
    def attrs(self) -> Any:
        return self.array.attrs

    @property
    def _key_shape(self) -> tuple[int, ...]:
        """The extent of one key of the store: a shard if sharded, else a chunk."""
        return tuple(self.array.shards or self.array.chunks)

    def __getitem__(self, item: Any) -> np.ndarray:
        from dlq.io.zarr_guard import MissingChunk

        try:
            return self.array[item]
        except MissingChunk as missing:
            raise ValueError(self._missing_message(self._coords_of(missing.key, item), key=missing.key)) from None
        except OSError:  # the store did not answer: nothing says the chunk is damaged
            raise
        except Exception:
            self._raise_damaged_chunk(item)
            raise

    def __repr__(self) -> str:
        return f"ZarrInput({self.where!r}, name={self.name!r}, shape={self.shape}, dtype={self.dtype})"

    def refuse_missing_chunks(self) -> None:
        """Raise ValueError if the store lacks a chunk that may not be filled,
        from one listing of its keys (once; never for chunks read as the fill
        value). A store that cannot be listed is left to its reads, which
        refuse a missing chunk too."""
        if self._listed:
            return
        missing = self._missing_coords()
        self._listed = True
        first = next(missing, None)
        if first is not None:
            raise ValueError(self._missing_message(first, more=sum(1 for _ in missing)))
        if self.array.shards is not None:
            self._refuse_empty_inner_chunks()

    def _refuse_empty_inner_chunks(self) -> None:
        """Raise ValueError if a shard's index marks a chunk inside the array
        as absent (zarr reads it as the fill value), from each shard's index
        alone (one small ranged read a shard)."""
        from zarr.abc.store import RangeByteRequest, SuffixByteRequest
        from zarr.core.buffer import default_buffer_prototype
        from zarr.core.sync import sync

        codec = self.array.metadata.codecs[0]
        per_shard = tuple(shard // chunk for shard, chunk in zip(self.array.shards, self.array.chunks, strict=True))
        entries = math.prod(per_shard)
        index_size = 16 * entries + 4 * any(type(item).__name__ == "Crc32cCodec" for item in codec.index_codecs)
        at_end = str(getattr(codec.index_location, "value", codec.index_location)) == "end"
        request = SuffixByteRequest(index_size) if at_end else RangeByteRequest(0, index_size)
        prefix, encode = f"{self.array.path}/" if self.array.path else "", self.array.metadata.encode_chunk_key
        for shard in self._grid():
            stored = sync(self._store.get(prefix + encode(shard), default_buffer_prototype(), request))
            if stored is None:
                continue  # a missing shard is told by the listing, or by the read
            offsets = np.frombuffer(stored.to_bytes()[: 16 * entries], "<u8").reshape(*per_shard, 2)
            for inner in np.argwhere((offsets == np.iinfo(np.uint64).max).all(axis=-1)):
                chunk = tuple(int(s * n + i) for s, n, i in zip(shard, per_shard, inner, strict=True))
                start = chunk[0] * self.array.chunks[0]
                if any(
                    c * size >= extent for c, size, extent in zip(chunk, self.array.chunks, self.shape, strict=True)
                ):
                    continue  # beyond the array's edge: never part of it
                rows = f"rows {start}..{min(start + self.array.chunks[0], self.shape[0]) - 1}"
                raise ValueError(
                    self._missing_message(None, key=f"{chunk} ({rows}) inside its shard {prefix + encode(shard)}")
                )

    def _missing_coords(self) -> Iterator[tuple[int, ...]]:
        from zarr.core.sync import collect_aiterator

        store = self._store
        if not store.supports_listing:
            return iter(())
        prefix = f"{self.array.path}/" if self.array.path else ""
        try:
            present = _local_keys(store, prefix)
            if present is None:
                present = set(collect_aiterator(store.list_prefix(prefix)))
        except (OSError, NotImplementedError):  # no right to list, say
            return iter(())
        encode = self.array.metadata.encode_chunk_key
        return (coords for coords in self._grid() if prefix + encode(coords) not in present)

    def _grid(self, rows: range | None = None) -> Iterator[tuple[int, ...]]:
        """The keys' coordinates, of all rows or of ``rows``, in row order."""
        counts = [math.ceil(size / extent) for size, extent in zip(self.shape, self._key_shape, strict=True)]
        extent = self._key_shape[0]
        first = range(counts[0]) if rows is None else range(rows.start // extent, -(-rows.stop // extent))
        return itertools.product(first, *(range(count) for count in counts[1:]))

    def _rows_read(self, item: Any) -> range:
        rows = item[0] if isinstance(item, tuple) and item else item
        if isinstance(rows, slice):
            start, stop, _ = rows.indices(self.shape[0])
            return range(start, max(start, stop))
        return range(self.shape[0])

    def _where(self, coords: tuple[int, ...]) -> str:
        extent = self._key_shape[0]
        start = coords[0] * extent
        return (
            f"{self.array.metadata.encode_chunk_key(coords)} (rows {start}..{min(start + extent, self.shape[0]) - 1})"
        )

    def _coords_of(self, key: str, item: Any) -> tuple[int, ...] | None:
        prefix, encode = f"{self.array.path}/" if self.array.path else "", self.array.metadata.encode_chunk_key
        return next((coords for coords in self._grid(self._rows_read(item)) if key == prefix + encode(coords)), None)

    def _missing_message(self, coords: tuple[int, ...] | None, *, more: int = 0, key: str = "") -> str:
        chunk = f"chunk {key}" if coords is None else f"chunk {self._where(coords)}"
        others = f" (and {more} more chunk{'s' if more > 1 else ''})" if more else ""
        lost = f"{self.name}: zarr store {self.where} holds no {chunk}{others}: it was never written or has been lost"
        if self.name.startswith("pred_probs"):
            return f"{lost}, and fill values are not probabilities; restore it"
        fill = np.asarray(self.array.fill_value).item()
        return (
            f"{lost} (or holds only the fill value {fill!r}, which zarr does not write); restore it, or read "
            f"missing {self.name} chunks as {fill!r} with the command's --missing-label-chunks fill "
            f"(dask config {MISSING_LABEL_CHUNKS}: fill)"
        )

    def _raise_damaged_chunk(self, item: Any) -> None:
        """Read the chunks under ``item`` one at a time, and raise a ValueError
        naming the first that fails; return if none does."""
        from dlq.io.zarr_guard import MissingChunk

        for coords in self._grid(self._rows_read(item)):
            region = tuple(
                slice(index * extent, (index + 1) * extent)
                for index, extent in zip(coords, self._key_shape, strict=True)
            )
            try:
                self.array[region]
            except MissingChunk:
                raise ValueError(self._missing_message(coords)) from None
            except OSError:
                raise
            except Exception as error:
                raise ValueError(
                    f"{self.name}: zarr store {self.where}: chunk {self._where(coords)} could not be read: "
                    f"{type(error).__name__}: {error}; its stored bytes are damaged, rewrite it"
                ) from error


def _store_name(array: Any) -> str:
    """Where ``array`` is stored, as a path or URL where zarr knows one."""
    from zarr.storage import FsspecStore, LocalStore

    store = array.store_path.store
    if isinstance(store, FsspecStore):
        where = store.fs.unstrip_protocol(store.path)
    elif isinstance(store, LocalStore):
        where = os.fspath(store.root)
    else:
        return str(array.store_path)
    return f"{where}/{array.path}" if array.path else where


def _local_keys(store: Any, prefix: str) -> set[str] | None:
    """The keys under ``prefix`` of a store of local files, None for other
    stores: zarr lists them with a ``stat`` a file (a million chunks in
    about 12 s), ``os.walk`` without (in about 0.6 s)."""
    from zarr.storage import LocalStore

    if not isinstance(store, LocalStore):
        return None
    root = os.fspath(store.root)
    keys = set()
    for folder, _, names in os.walk(os.path.join(root, prefix)):
        relative = folder[len(root) :].strip(os.sep).replace(os.sep, "/")
        keys.update(f"{relative}/{name}" if relative else name for name in names)
    return keys


def _read_only(array: Any, *, refusing: bool) -> Any:
    """``array`` opened again, read-only, and through a store that refuses
    missing chunks if ``refusing``; one more read of its metadata."""
    import zarr

    from dlq.io.zarr_guard import RefusingStore

    store = array.store_path.store
    return zarr.open_array(
        store=RefusingStore(store) if refusing else store,
        path=array.path,
        mode="r",
        zarr_format=array.metadata.zarr_format,
    )
