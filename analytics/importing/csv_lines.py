"""Physical line numbers of a CSV (computed only when there are rejects, or beside a checksum):
newlines counted in numpy through one buffer, and where each record starts by the reader's quote
rules (:mod:`analytics.importing.csv_records`)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np

from analytics.importing import csv_records

CHUNK = 1 << 24


def lines_at_offsets(path: Path, offsets: Sequence[int | None]) -> dict[int, int]:
    """Physical 1-based line number of each byte offset (newlines before it + 1), in one pass over
    the file up to the last offset (counting from a chunk's start for every offset cost 3.6 s for
    1,000 offsets in a 2 GB file). An unknown offset (None) has no line."""
    return _newline_pass(path, offsets, to_end=False)[0]


def lines_and_count(path: Path, offsets: Sequence[int | None]) -> tuple[dict[int, int], int]:
    """:func:`lines_at_offsets` and :func:`line_count` in one pass over the file."""
    return _newline_pass(path, offsets, to_end=True)


def line_count(path: Path, each_chunk: Callable[[memoryview], object] | None = None) -> int:
    """Physical lines in the file (a last line without a newline counts); ``each_chunk`` is
    handed every chunk read, as the same pass's other reader (a checksum)."""
    return _newline_pass(path, [], to_end=True, each_chunk=each_chunk)[1]


def _newline_pass(path: Path, offsets: Sequence[int | None], *, to_end: bool,
                  each_chunk: Callable[[memoryview], object] | None = None) -> tuple[dict[int, int], int]:
    """Newlines counted through one buffer (a memory map would count the whole file into the
    process's resident memory; fresh chunks cost their first touch), their places found only in
    the chunks holding an offset. The count is the lines of the part read: the whole file when
    ``to_end``, else up to the chunk holding the last offset."""
    wanted = np.asarray(sorted(set(o for o in offsets if o is not None)), dtype=np.int64)
    out: dict[int, int] = {}
    buf = bytearray(CHUNK)
    view, data = memoryview(buf), np.frombuffer(buf, dtype=np.uint8)
    newlines, pos, i, last = 0, 0, 0, None
    with open(path, "rb", buffering=0) as fh:
        while (to_end or i < len(wanted)) and (n := fh.readinto(buf)):
            if each_chunk is not None:
                each_chunk(view[:n])
            is_break = data[:n] == 10
            j = int(np.searchsorted(wanted, pos + n, side="left"))
            if j > i:  # the offsets in this chunk: the newlines before each
                breaks = np.flatnonzero(is_break)
                before = np.searchsorted(breaks, wanted[i:j] - pos, side="left")
                out.update(zip(wanted[i:j].tolist(), (newlines + before + 1).tolist(), strict=True))
                newlines, i = newlines + len(breaks), j
            else:
                newlines += int(np.count_nonzero(is_break))
            pos, last = pos + n, data[n - 1]
    out.update((int(o), newlines + 1) for o in wanted[i:])
    return out, newlines + (last is not None and last != 10)


def record_start_lines(path: Path, skip_lines: int, excluded: set[int], upto: int,
                       records: int | None = None, n_lines: int | None = None, delimiter: str = ",") -> np.ndarray:
    """Physical line where each data record starts, in file order, for the first ``upto`` records.

    Records follow the reader's quote rules (:func:`analytics.importing.csv_records.data_record_lines`: a
    quote opens a field only at its start, so a ``5" screen`` value moves no later line). Blank
    lines, the header (and anything above it) and ``excluded`` lines (records DuckDB rejected)
    are not data records.

    ``records`` (every record DuckDB read, ``excluded`` ones included), when given, allows a
    shortcut: a file with exactly one line per record plus the header and the lines above it has
    no blank lines and no line breaks inside fields (each adds a line), so record k starts on line
    ``skip_lines + 2 + k`` and only the newlines need counting (``n_lines``: counted already).
    """
    if records is not None and (line_count(path) if n_lines is None else n_lines) == skip_lines + 1 + records:
        lines = np.arange(skip_lines + 2, skip_lines + 2 + min(records, upto + len(excluded)), dtype=np.int64)
    else:
        lines = csv_records.data_record_lines(path, delimiter, skip_lines, upto + len(excluded))
    if excluded:
        lines = lines[~np.isin(lines, np.fromiter(excluded, dtype=np.int64, count=len(excluded)))]
    return lines[:upto]
