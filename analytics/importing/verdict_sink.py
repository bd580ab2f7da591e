"""The filter of a first load's one read: what DuckDB hands it per chunk, and what it keeps.

:class:`VerdictSink` is the ``INSERT ... SELECT``'s filter in :mod:`analytics.importing.one_read`: an
Arrow-vectorised function DuckDB calls once per chunk of rows (in file order within the chunk,
the chunks themselves in any order). It passes the rows whose checks passed and keeps what the
whole-file checks need: the date classes counted, every row's id hash, and the few rows with
evidence or a failing check (:class:`Evidence`), with their chunk and place in it. It reads the
Arrow buffers with numpy (pyarrow's compute functions cost about a millisecond on each new array,
and its ``to_numpy``/``pa.array`` load pandas).

Four rows, the last rejected, two sharing an id:

>>> import duckdb
>>> conn = duckdb.connect()
>>> sink = VerdictSink(expected_rows=4)
>>> _ = conn.create_function("sink", sink, [conn.sqltype(t) for t in ("BOOLEAN", "UTINYINT", "UBIGINT", "VARCHAR")],
...                          conn.sqltype("BOOLEAN"), type="arrow", side_effects=True, null_handling="special")
>>> conn.execute("SELECT count(*) FROM range(4) t(i) WHERE sink(i < 3, 0::UTINYINT, hash(i % 3), NULL)").fetchall()
[(3,)]
>>> sink.settle()
>>> sink.n_rows, dict(sink.classes), sink.ids_repeat()
(4, {0: 4}, True)
"""

from __future__ import annotations

import collections
import dataclasses
import threading
from typing import TypeAlias

import numpy as np
import pyarrow as pa

# What DuckDB hands an Arrow UDF per argument: a chunked array of one chunk (a plain array, should
# a later DuckDB hand one over).
ArrowColumn: TypeAlias = pa.ChunkedArray | pa.Array


@dataclasses.dataclass
class Evidence:
    """The rows with evidence or a failing check: their chunk and place in it, whether they passed,
    their packed date classes and their detail JSON."""
    chunk: np.ndarray
    position: np.ndarray
    passed: np.ndarray
    packed: np.ndarray
    detail: pa.Array

    @classmethod
    def empty(cls) -> Evidence:
        return cls(np.empty(0, np.int64), np.empty(0, np.int64), np.empty(0, bool), np.empty(0, np.uint32),
                   pa.nulls(0, pa.large_string()))


class VerdictSink:
    """The INSERT's filter: ``sink(ok, classes, id_hash, detail) -> ok``, called per chunk with
    Arrow arrays. A call reads them with numpy over their buffers (pyarrow's own conversions and
    compute functions cost about a millisecond on each new array, and its ``to_numpy`` of booleans
    loads pandas) and keeps little: the counts, the id hashes, the rows with evidence."""

    def __init__(self, expected_rows: int = 0) -> None:
        self._lock = threading.Lock()
        # Id hashes go into one array sized from the file (fresh memory costs more than the sort;
        # it is touched while DuckDB writes); beyond it, into parts joined at the end.
        self._hash_buffer = np.empty(expected_rows, np.uint64)
        self._n_hashes = 0
        self.n_rows = 0
        self.n_chunks = 0
        self._counts = np.zeros(256, np.int64)       # rows per packed date classes
        self._hashes: list[np.ndarray] = []
        self._evidence: list[tuple] = []             # (chunk, positions, passed, packed, detail strings)
        # chunk with a reject -> the hashes of its accepted rows, in order; None when none was accepted
        self.anchors: dict[int, np.ndarray | None] = {}
        self.classes: collections.Counter = collections.Counter()  # packed date classes -> rows
        self.evidence = Evidence.empty()  # (settle() gathers it)

    def __call__(self, ok: ArrowColumn, classes: ArrowColumn, id_hash: ArrowColumn,
                 detail: ArrowColumn) -> ArrowColumn:
        ok_rows, ids, text = _one(ok), _one(id_hash), _one(detail)
        n = len(ok_rows)
        packed = _values(_one(classes))
        counts = np.bincount(packed, minlength=len(self._counts))
        hashes = _values(ids)
        if ok_rows.true_count == n:
            passed, accepted = None, None
        else:
            passed = _bits(ok_rows, 1)
            accepted = hashes[passed]
        kept = None
        if text.null_count < n:
            at = np.flatnonzero(_bits(text, 0)) if text.null_count else np.arange(n)
            kept = (at, np.ones(len(at), bool) if passed is None else passed[at],
                    packed[at].astype(np.uint32), _strings_at(text, at))
        with self._lock:
            chunk = self.n_chunks
            self.n_chunks += 1
            self.n_rows += n
            if len(counts) > len(self._counts):
                self._counts = np.concatenate([self._counts, np.zeros(len(counts) - len(self._counts), np.int64)])
            self._counts[:len(counts)] += counts
            self._keep_hashes(hashes[_bits(ids, 0)] if ids.null_count else hashes)
            if kept is not None:
                self._evidence.append((chunk, *kept))
            if accepted is not None:
                self.anchors[chunk] = accepted if len(accepted) else None
        return ok

    def _keep_hashes(self, hashes: np.ndarray) -> None:
        end = self._n_hashes + len(hashes)
        if end <= len(self._hash_buffer) and not self._hashes:
            self._hash_buffer[self._n_hashes:end] = hashes
            self._n_hashes = end
        else:
            self._hashes.append(hashes.copy())

    def settle(self) -> None:
        """The whole file's counts, id hashes and rows with evidence, from the chunks' parts."""
        self.classes = collections.Counter({v: int(self._counts[v]) for v in np.flatnonzero(self._counts).tolist()})
        parts, self._evidence = self._evidence, []
        if not parts:
            self.evidence = Evidence.empty()
            return
        self.evidence = Evidence(
            np.concatenate([np.full(len(p[1]), p[0], np.int64) for p in parts]),
            np.concatenate([p[1] for p in parts]),
            np.concatenate([p[2] for p in parts]),
            np.concatenate([p[3] for p in parts]),
            pa.concat_arrays([p[4] for p in parts]))

    def release(self) -> None:
        """Let go of the id hashes and the evidence (a write that failed)."""
        self._hash_buffer, self._hashes, self._evidence = np.empty(0, np.uint64), [], []

    def absorb(self, other: VerdictSink) -> None:
        """Count ``other``'s (settled) rows' date classes and id hashes with this one's."""
        self.classes.update(other.classes)
        self._hashes += [other._hash_buffer[:other._n_hashes], *other._hashes]

    def repeated_hashes(self) -> np.ndarray:
        """The id hashes two rows or more share, sorted (joined and sorted in place, as
        :meth:`ids_repeat` does)."""
        hashes = self._hash_buffer[:self._n_hashes]
        if self._hashes:
            hashes = np.concatenate([hashes, *self._hashes])
        self._hashes = []
        hashes.sort()
        repeated = hashes[1:][hashes[1:] == hashes[:-1]]  # (sorted: each once where the next differs;
        # np.unique would import numpy.ma on its first call, 0.1-0.2 s of an import's fixed cost)
        return repeated[np.append(repeated[1:] != repeated[:-1], True)] if len(repeated) else repeated

    def ids_repeat(self) -> bool:
        """Whether two rows share an id hash: joined and sorted in place in numpy (8 bytes a row;
        fresh memory is what costs here, so it is allocated once), beside DuckDB's work."""
        hashes = self._hash_buffer[:self._n_hashes]
        if self._hashes:
            hashes = np.concatenate([hashes, *self._hashes])
        self._hashes = []
        hashes.sort()
        step = 1 << 20  # (compared a slice at a time: no second array the size of the file)
        return any(bool((hashes[i + 1:i + step + 1] == hashes[i:i + step][:len(hashes) - i - 1]).any())
                   for i in range(0, max(len(hashes) - 1, 0), step))


def _one(array: ArrowColumn) -> pa.Array:
    """DuckDB hands a UDF chunked arrays of one chunk."""
    if isinstance(array, pa.ChunkedArray):
        return array.chunk(0) if array.num_chunks == 1 else array.combine_chunks()
    return array  # (a plain array, should a later DuckDB hand one over)


def _values(array: pa.Array) -> np.ndarray:
    """An unsigned integer Arrow array's values buffer as numpy, without a copy (pyarrow's own
    conversions load pandas, a third of a second)."""
    dtype = np.dtype(f"u{array.type.bit_width // 8}")
    return np.frombuffer(array.buffers()[1], dtype)[array.offset:array.offset + len(array)]


_ARROW_TYPES = {np.dtype(np.int64): pa.int64(), np.dtype(np.uint32): pa.uint32(), np.dtype(np.uint64): pa.uint64(),
                np.dtype(np.int32): pa.int32()}


def as_arrow(values: np.ndarray, valid: np.ndarray | None = None) -> pa.Array:
    """A numpy integer array as Arrow, over the same memory (``pa.array`` loads pandas)."""
    values = np.ascontiguousarray(values)
    mask = None if valid is None or valid.all() else pa.py_buffer(np.packbits(valid, bitorder="little"))
    return pa.Array.from_buffers(_ARROW_TYPES[values.dtype], len(values), [mask, pa.py_buffer(values)])


def _strings_at(array: pa.Array, at: np.ndarray) -> pa.Array:
    """``array.take(at)`` for a string array, gathered in numpy (pyarrow's take costs about a
    millisecond on each new array DuckDB hands over)."""
    wide = pa.types.is_large_string(array.type)
    offsets = np.frombuffer(array.buffers()[1], np.int64 if wide else np.int32)[array.offset:array.offset + len(array) + 1]
    data = np.frombuffer(array.buffers()[2], np.uint8) if array.buffers()[2] is not None else np.empty(0, np.uint8)
    lengths = (offsets[at + 1] - offsets[at]).astype(np.int64)
    new_offsets = np.concatenate([[0], np.cumsum(lengths)]).astype(np.int64)
    gather = np.repeat(offsets[at].astype(np.int64) - new_offsets[:-1], lengths) + np.arange(new_offsets[-1])
    return pa.Array.from_buffers(pa.large_string(), len(at), [None, pa.py_buffer(new_offsets),
                                                              pa.py_buffer(data[gather])])


def _bits(array: pa.Array, buffer: int) -> np.ndarray:
    """An Arrow bitmap (buffer 0: validity, 1: a boolean array's values) as numpy booleans, read
    straight from the buffer."""
    bits = np.unpackbits(np.frombuffer(array.buffers()[buffer], np.uint8), bitorder="little")
    return bits[array.offset:array.offset + len(array)].astype(bool)
