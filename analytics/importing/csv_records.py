"""The records of a CSV counted from its line breaks and quotes, apart from DuckDB's reader.

A stray quote (``"Acme,`` with no closing quote) makes a CSV reader take every line after it
as one quoted field: a 10,000-line file read as 2 records, 9,997 rows gone with one reject.
Every import therefore checks the rows DuckDB read against an independent count: when the
file has exactly one line per record (its lines are the header, the lines above it and one
line per row read), nothing more is needed; otherwise :func:`record_layout` follows the quotes
the way the reader does, in numpy, and finds where each record starts. A quoted field that
runs over more than :data:`MAX_RECORD_LINES` lines, or over :data:`MAX_RECORD_BYTES` across
lines, or to the end of the file, is a broken quote, not data; a count that disagrees is a
file the reader did not read as written. Either refuses the file (:func:`count_problem`).

The quote rules (RFC 4180, as DuckDB reads them): a quote opens a quoted field only at the
start of a field; inside one, a doubled quote is a quote and a single one closes it; a quote
inside an unquoted field (``5" screen``) is a plain character. Per run of quote characters of
length L, the state (inside a quoted field or not) after it is: flipped when the run starts a
field and L is odd, *outside* when the run does not start a field and L is odd (it closes a
quoted field, or is plain text outside one), unchanged when L is even. Flips and resets
compose without a loop: the state after a run is the parity of the flips since the last reset.
"""

from __future__ import annotations

import codecs
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np

CHUNK = 1 << 24
LF, CR, QUOTE = 10, 13, 34
# A record spanning more lines (or more bytes across lines) than this holds a broken quote: notes
# pasted into a field run to dozens of lines, not hundreds, and never to a megabyte.
MAX_RECORD_LINES = 100
MAX_RECORD_BYTES = 1 << 20


@dataclass(frozen=True)
class BrokenQuote:
    """A record whose quoted field does not close where a field can: its first line, the lines
    and bytes it runs over, and whether it runs to the end of the file."""

    line: int
    lines: int
    size: int
    to_end: bool


@dataclass(frozen=True)
class RecordLayout:
    """Where a file's records are, by its line breaks and quotes.

    Attributes
    ----------
    records : int
        Data records after the header row (blank lines are none).
    blank : int
        Blank lines (empty, or a lone CR) outside quoted fields.
    broken : BrokenQuote or None
        The first data record a quote runs on for too long.
    first_multiline : int or None
        The first line of the first data record spanning more than one line.
    """

    records: int
    blank: int
    broken: BrokenQuote | None
    first_multiline: int | None


def _state_after_newlines(data: np.ndarray, nl: np.ndarray, inside: bool, prev: int,
                          delimiter: int) -> tuple[np.ndarray, bool]:
    """Whether each newline of ``data`` lies inside a quoted field, and the state at its end
    (``inside``: the state at its start; ``prev``: the byte before it).

    Worked out at the newlines only (a few per record), not at every quote (ten a record in a
    fully quoted export): a newline is inside when the flips since the last reset before it are
    odd, and binary searches over the flip and reset positions count those."""
    q = np.flatnonzero(data == QUOTE)
    if not len(q):
        return np.full(len(nl), inside), inside
    gaps = np.diff(q)
    if not (gaps == 1).any():  # (no doubled quote: every run is one quote, odd)
        starts, odd = q, None
    else:
        first = np.flatnonzero(np.concatenate(([True], gaps != 1)))
        starts = q[first]
        odd = (np.diff(first, append=len(q)) & 1).astype(bool)
    before = data[starts - 1]  # (a run at the block's start reads the block's last byte: fixed below)
    if starts[0] == 0:
        before[0] = prev
    starts_field = np.zeros(256, dtype=bool)
    starts_field[[delimiter, LF, CR]] = True
    field_start = starts_field[before]
    flips, resets = (field_start, ~field_start) if odd is None else (field_start & odd, ~field_start & odd)
    flip_at, reset_at = starts[flips], starts[resets]
    at = np.append(nl, len(data))  # (the block's end: the state the next block starts in)
    n_flips = np.searchsorted(flip_at, at)
    since = np.full(len(at), -int(inside))  # (no reset before: the flips since the block's start, after ``inside``)
    if len(reset_at):
        last = np.searchsorted(reset_at, at) - 1
        since = np.where(last >= 0, np.searchsorted(flip_at, reset_at[np.maximum(last, 0)]), since)
    state = ((n_flips - since) & 1).astype(bool)
    return state[:-1], bool(state[-1])


def _blocks(path: Path) -> Iterator[tuple[int, bytes]]:
    """(byte offset, block) of whole lines, about 16 MiB each; a last line without a LF gets one."""
    carry, offset = b"", 0
    with open(path, "rb") as fh:
        head = fh.read(len(codecs.BOM_UTF8))
        if head == codecs.BOM_UTF8:  # (a BOM is no part of the first field)
            offset = len(head)
        else:
            carry = head
        while chunk := fh.read(CHUNK):
            block = carry + chunk
            cut = block.rfind(b"\n") + 1
            if cut == 0:
                carry = block
                continue
            yield offset, block[:cut]
            offset, carry = offset + cut, block[cut:]
    if carry:
        yield offset, carry + b"\n"


def record_layout(path: Path, delimiter: str, skip_lines: int) -> RecordLayout:
    r"""The records of ``path`` (see the module), its header on line ``skip_lines + 1``.

    >>> import pathlib, tempfile
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "t.csv"
    >>> _ = p.write_bytes(b'h1,h2\n1,"a\nb"\n\n2,5" x\n3,"c ""q"" d"\n')
    >>> record_layout(p, ",", 0)
    RecordLayout(records=3, blank=1, broken=None, first_multiline=2)
    """
    delim = ord(delimiter)
    inside, prev, line0 = False, LF, 1
    starts_next = True                   # the line after the last newline starts a record
    last: tuple[int, int, bool] | None = None   # the last record start: line, offset, blank
    records = blank = 0
    broken: BrokenQuote | None = None
    first_multiline: int | None = None
    first_data, end_offset = skip_lines + 2, 0

    def close(line: np.ndarray, offset: np.ndarray, is_blank: np.ndarray, end_line: int, end_offset: int) -> None:
        """Account for the record starts ``line`` (offsets, blank flags) of one block, each
        ending where the next begins (the last at ``end_line``/``end_offset``)."""
        nonlocal records, blank, broken, first_multiline, last
        lines = np.append(line, end_line)
        offsets = np.append(offset, end_offset)
        span, size = np.diff(lines), np.diff(offsets)
        data = ~is_blank & (line >= first_data)
        records += int(np.count_nonzero(data))
        blank += int(np.count_nonzero(is_blank & (line >= first_data)))
        if first_multiline is None and np.any(multi := data & (span > 1)):
            first_multiline = int(line[np.argmax(multi)])
        too_long = data & ((span > MAX_RECORD_LINES) | ((span > 1) & (size > MAX_RECORD_BYTES)))
        if broken is None and np.any(too_long):
            k = int(np.argmax(too_long))
            broken = BrokenQuote(int(line[k]), int(span[k]), int(size[k]), to_end=False)

    for offset, block in _blocks(path):
        data = np.frombuffer(block, dtype=np.uint8)
        nl = np.flatnonzero(data == LF)
        in_quotes, inside_end = _state_after_newlines(data, nl, inside, prev, delim)
        # the line ending at newline j: its number, where it starts, whether it starts a record
        ends_prev = np.concatenate(([-1], nl[:-1]))
        length = nl - ends_prev - 1
        is_blank = (length == 0) | ((length == 1) & (data[np.maximum(nl - 1, 0)] == CR))
        is_start = np.concatenate(([starts_next], ~in_quotes[:-1]))
        line = line0 + np.arange(len(nl))
        start_line, start_offset = line[is_start], offset + ends_prev[is_start] + 1
        start_blank = is_blank[is_start]
        if last is not None:  # the previous block's last record ends at this block's first start
            prev_line, prev_offset, prev_blank = last
            start_line = np.concatenate(([prev_line], start_line))
            start_offset = np.concatenate(([prev_offset], start_offset))
            start_blank = np.concatenate(([prev_blank], start_blank))
        if len(start_line) > 1:
            close(start_line[:-1], start_offset[:-1], start_blank[:-1], int(start_line[-1]), int(start_offset[-1]))
        if len(start_line):
            last = (int(start_line[-1]), int(start_offset[-1]), bool(start_blank[-1]))
        starts_next, inside, prev = not bool(in_quotes[-1]), inside_end, int(data[-1])
        line0 += len(nl)
        end_offset = offset + len(block)
    if last is not None:
        if inside and broken is None and line0 - last[0] > 1:  # a quote still open at the end
            broken = BrokenQuote(last[0], line0 - last[0], end_offset - last[1], to_end=True)
        close(np.asarray([last[0]]), np.asarray([last[1]]), np.asarray([last[2]]), line0, end_offset)
    return RecordLayout(records, blank, broken, first_multiline)


_last_layout: list[tuple[tuple, RecordLayout]] = []


def file_layout(path: Path, delimiter: str, skip_lines: int) -> RecordLayout:
    """:func:`record_layout`, kept for the file as it is (its size and time stamp) until another
    is asked for: an import that checks its records once for the reader (reject_lines) asks
    again for its count (:func:`count_problem`)."""
    stat = path.stat()
    key = (str(path), stat.st_size, stat.st_mtime_ns, delimiter, skip_lines)
    if _last_layout and _last_layout[0][0] == key:
        return _last_layout[0][1]
    layout = record_layout(path, delimiter, skip_lines)
    _last_layout[:] = [(key, layout)]
    return layout


def known_to_span_lines(path: Path, delimiter: str, skip_lines: int) -> bool:
    """Whether :func:`file_layout` found records over several lines in the file as it is (the
    file is not read: a file imported again after its reader's threads misread it)."""
    stat = path.stat()
    key = (str(path), stat.st_size, stat.st_mtime_ns, delimiter, skip_lines)
    return bool(_last_layout) and _last_layout[0][0] == key and _last_layout[0][1].first_multiline is not None


def _line_starts(path: Path, delimiter: str) -> Iterator[tuple[int, np.ndarray, np.ndarray, np.ndarray, int]]:
    """Per block of whole lines (:func:`_blocks`): its byte offset, its bytes, where its newlines
    are, whether each of its lines starts a record (is outside any quoted field; blank lines
    included), and the number of its first line."""
    delim = ord(delimiter)
    inside, prev, line0, starts_next = False, LF, 1, True
    for offset, block in _blocks(path):
        data = np.frombuffer(block, dtype=np.uint8)
        nl = np.flatnonzero(data == LF)
        in_quotes, inside = _state_after_newlines(data, nl, inside, prev, delim)
        yield offset, data, nl, np.concatenate(([starts_next], ~in_quotes[:-1])), line0
        starts_next, prev = not bool(in_quotes[-1]), int(data[-1])
        line0 += len(nl)


def data_record_lines(path: Path, delimiter: str, skip_lines: int, upto: int) -> np.ndarray:
    r"""The line each of the first ``upto`` data records of ``path`` starts on (its header on line
    ``skip_lines + 1``; blank lines are no records), by the quote rules of :func:`record_layout`:
    a quote inside an unquoted field (``5" screen``) is a character, not the start of a field.

    >>> import pathlib, tempfile
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "t.csv"
    >>> _ = p.write_bytes(b'h1,h2\n1,5" screen\n2,"a\nb"\n\n3,x\n')
    >>> data_record_lines(p, ",", 0, 10).tolist()
    [2, 3, 6]
    """
    first_data = skip_lines + 2
    # Line numbers fit 32 bits in any file under 2 GiB: half the memory for a file's worth of them.
    dtype: type[np.signedinteger] = np.int32 if path.stat().st_size < 2**31 - 1 else np.int64
    found: list[np.ndarray] = []
    n_found = 0
    for _offset, data, nl, is_start, line0 in _line_starts(path, delimiter) if upto > 0 else ():
        ends_prev = np.concatenate(([-1], nl[:-1]))
        length = nl - ends_prev - 1
        is_blank = (length == 0) | ((length == 1) & (data[np.maximum(nl - 1, 0)] == CR))
        line = line0 + np.arange(len(nl), dtype=dtype)
        lines = line[is_start & ~is_blank & (line >= first_data)]
        found.append(lines)
        n_found += len(lines)
        if n_found >= upto:  # (before the next block's quotes are followed)
            break
    return np.concatenate(found)[:upto] if found else np.empty(0, dtype)


def record_starts_at(path: Path, delimiter: str, offsets: Iterable[int]) -> dict[int, tuple[int, bool]]:
    r"""The physical line of each byte offset (newlines before it + 1) and whether that line is
    where a record starts (it is not inside a quoted field), by the quote rules of
    :func:`record_layout`; read up to the last offset. An offset past the end is on no record.

    >>> import pathlib, tempfile
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "t.csv"
    >>> _ = p.write_bytes(b'h1,h2\n1,"a\nb"\n2,x\n')
    >>> record_starts_at(p, ",", [7, 12, 15])
    {7: (2, True), 12: (3, False), 15: (4, True)}
    """
    wanted = np.unique(np.fromiter(offsets, dtype=np.int64))
    out: dict[int, tuple[int, bool]] = {}
    i, line = 0, 1
    for offset, data, nl, is_start, line0 in _line_starts(path, delimiter) if len(wanted) else ():
        j = int(np.searchsorted(wanted, offset + len(data), side="left"))
        if j > i:  # (the offsets in this block: the newlines before each give its line here)
            k = np.searchsorted(nl, wanted[i:j] - offset, side="left")
            out.update(zip(wanted[i:j].tolist(), zip((line0 + k).tolist(), is_start[k].tolist(), strict=True),
                           strict=True))
            i = j
        line = line0 + len(nl)
        if i >= len(wanted):
            break
    out.update((int(o), (line, False)) for o in wanted[i:])
    return out


def line_break_in_quotes(head: bytes, delimiter: str) -> bool:
    r"""Whether a line break of ``head`` (a file's first bytes, its BOM left out) is inside a
    quoted field that closes in it, by the quote rules of :func:`record_layout`: its records span
    lines. (A quote still open at the end may be a record the head cuts, or a stray quote.)

    >>> line_break_in_quotes(b'h1,h2\n1,"a\nb"\n2,5" x\n', ","), line_break_in_quotes(b'h1,h2\n1,5" x\n2,"a\n', ",")
    (True, False)
    """
    data = np.frombuffer(head, dtype=np.uint8)
    nl = np.flatnonzero(data == LF)
    in_quotes = _state_after_newlines(data, nl, False, LF, ord(delimiter))[0]
    closed = np.flatnonzero(~in_quotes)  # (the line breaks that end a record)
    return bool(len(closed)) and bool(in_quotes[:closed[-1]].any())


def count_problem(file_name: str, path: Path, delimiter: str, skip_lines: int, n_lines: int,
                  rows_read: int) -> str | None:
    """Why the ``rows_read`` records DuckDB read from ``path`` (``n_lines`` physical lines) are
    not the file's records, as a refusal naming the file and the line; None when they are."""
    if n_lines == skip_lines + 1 + rows_read:  # one line per record: nothing can hide
        return None
    layout = file_layout(path, delimiter, skip_lines)
    if (broken := layout.broken) is not None:
        where = "to the end of the file" if broken.to_end else f"over {broken.lines:,} lines ({broken.size:,} bytes)"
        return (f"{file_name}: line {broken.line}: a quoted field opens on this line and runs {where} "
                f"without closing: a stray or missing quote character; correct the quotes on line "
                f"{broken.line} and import again (nothing was imported)")
    if layout.records != rows_read:
        hint = f" (the first row over several lines starts on line {layout.first_multiline})" \
            if layout.first_multiline else ""
        return (f"{file_name}: the file holds {layout.records:,} rows by its line breaks and quotes, but "
                f"{rows_read:,} were read{hint}: its quotes are not as the reader reads them; "
                "nothing was imported")
    return None
