"""Reading awkward CSV exports: encoding, delimiter, header row, refusals, physical line numbers.

A CRM export arrives as UTF-8 (with or without a BOM), UTF-16 with a BOM (Excel's
"Unicode text"), or cp1252/latin-1 (older Excel on Windows), sometimes UTF-8 with cp1252
rows pasted in. DuckDB reads UTF-8, so any other file is transcoded, streaming, to a
temporary UTF-8 file, line by line where it mixes (:func:`readable_text`,
:mod:`analytics.importing.csv_text`); line breaks stay one each (lone CRs become LF) so physical line
numbers stay the same.

Files that cannot be a CSV at all (0 bytes, binary, a header with no rows) are
refused with one line naming the file: :class:`RefusedFileError`.
"""

from __future__ import annotations

import codecs
import csv
import io
import os
import tempfile
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import NamedTuple

from analytics import formatting, quoting
from analytics.importing import csv_records, csv_text, group_rows, period_labels, user_input
from analytics.importing.text_pass import TextPass

csv.field_size_limit(1 << 30)  # very long fields (notes, descriptions) are legitimate

DELIMITERS = (",", ";", "\t", "|")
SAMPLE_BYTES = 1 << 20
CHUNK = 1 << 24
BINARY_MAGIC = {
    b"PK\x03\x04": "a zip archive or Excel workbook (.xlsx)",
    b"\xd0\xcf\x11\xe0": "an old Excel workbook (.xls)",
    b"%PDF": "a PDF document",
    b"\x89PNG": "a PNG image",
    b"\xff\xd8\xff": "a JPEG image",
    b"\x1f\x8b": "a gzip archive",
}
DELIMITER_NAMES = {",": "comma", ";": "semicolon", "\t": "tab", "|": "pipe"}


class RefusedFileError(Exception):
    """The file as a whole cannot be imported; the message is one line naming the file."""


@dataclass
class SourceFile:
    """A CSV ready for DuckDB: ``read_path`` is UTF-8 (the original or a transcoded copy)."""

    path: Path
    file_name: str
    read_path: Path
    encoding: str
    delimiter: str
    skip_lines: int               # physical lines before the header row (report preambles)
    headers: list[str]            # unique names, as given to DuckDB
    raw_headers: list[str]
    notes: list[str] = field(default_factory=list)
    size: int = 0
    transcoded: bool = False
    head_line_bytes: float = 0.0  # bytes a line in the head of read_path (estimates the record count)
    n_lines: int | None = None    # physical lines of read_path, when a pass over it counted them
    # Whether the file holds a NUL byte (a damaged export), by the whole-file pass: every text
    # value is checked for one only then (one rule wherever it is: its row is rejected).
    nul: bool = True
    # Whether a value may begin or end with a space other than ' ' (a no-break space ...), by the
    # same pass: only then does a text value need DuckDB's trim itself (field_sql.text_value_sql).
    wide_spaces: bool = True
    # Whether a line break is inside a quoted field (notes over several lines), seen in the head or
    # by a scan: DuckDB then reads the file in one thread (see read_sql.read_csv_sql), as its
    # threads, each starting at a buffer's edge, may start a record on a line inside such a field.
    quoted_line_breaks: bool = False
    # The whole-file text pass while it runs beside the first reads (open_source's text_pass_beside):
    # until text_as_head settles it, n_lines, nul and wide_spaces keep their safe values above.
    text_pass: TextPass | None = None

    def text_as_head(self) -> bool:
        """Whether the whole file reads as its head did (UTF-8, no lone CR). Settles a text pass run
        beside the first reads, with the facts it counted; False: the file needs a UTF-8 copy, so
        whatever was read from it is read again from :func:`open_source` without a pass beside."""
        if self.text_pass is None:
            return True
        evidence = self.text_pass.evidence()
        if not evidence.utf8 or evidence.lone_cr:
            return False
        self.text_pass = None
        self.n_lines, self.nul, self.wide_spaces = evidence.n_lines, evidence.nul, evidence.wide_spaces
        return True

    def expected_records(self) -> int:
        """Records ``read_path`` may hold, from the lines of its head (with a margin)."""
        return int(os.path.getsize(self.read_path) / max(self.head_line_bytes, 1.0) * 1.1) + 4096

    def close(self) -> None:
        if self.transcoded and self.read_path.exists():
            os.unlink(self.read_path)


def _refuse(file_name: str, why: str) -> RefusedFileError:
    return RefusedFileError(f"{file_name}: {why}")


def detect_encoding(head: bytes) -> str:
    """Encoding of a file from its first bytes: utf-8-sig, utf-16-le/-be, utf-8, cp1252 or latin-1."""
    if head.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if head.startswith((codecs.BOM_UTF32_LE, codecs.BOM_UTF32_BE)):
        return "utf-32"
    if head.startswith(codecs.BOM_UTF16_LE):
        return "utf-16-le"
    if head.startswith(codecs.BOM_UTF16_BE):
        return "utf-16-be"
    # UTF-16 without a BOM: ASCII text with every other byte NUL.
    if len(head) >= 4:
        even, odd = head[0::2], head[1::2]
        if odd.count(0) > 0.4 * len(odd) and even.count(0) == 0:
            return "utf-16-le"
        if even.count(0) > 0.4 * len(even) and odd.count(0) == 0:
            return "utf-16-be"
    try:
        codecs.getincrementaldecoder("utf-8")().decode(head, final=False)
        return "utf-8"
    except UnicodeDecodeError:
        pass
    try:
        head.decode("cp1252")
        return "cp1252"
    except UnicodeDecodeError:
        return "latin-1"


_CONTROL_BYTES = bytes(b for b in range(32) if b not in (9, 10, 13, 12))


def binary_kind(head: bytes, encoding: str) -> str | None:
    """A description when ``head`` is not text, else None."""
    for magic, what in BINARY_MAGIC.items():
        if head.startswith(magic):
            return what
    if encoding.startswith(("utf-16", "utf-32")):
        return None
    # (A few NUL bytes in text are a damaged cell, rejected with its row wherever it is in the file,
    # as the head is no more than the first MiB; many are binary data: counted with the controls.)
    controls = len(head) - len(head.translate(None, _CONTROL_BYTES))  # (in C: a MiB in Python took 23 ms)
    if head and controls / len(head) > 0.05:
        return "binary data (control bytes)"
    return None


def _transcode(path: Path, encoding: str) -> Path:
    """Stream ``path`` into a temporary UTF-8 file; newlines are kept as they are."""
    codec = encoding
    fd, tmp = tempfile.mkstemp(prefix="import-", suffix=".csv")
    decoder = codecs.getincrementaldecoder(codec)(errors="replace")
    with open(path, "rb") as src, os.fdopen(fd, "wb") as dst:
        first = True
        while chunk := src.read(CHUNK):
            text = decoder.decode(chunk)
            if first:
                text, first = text.lstrip("\ufeff"), False
            dst.write(text.encode("utf-8"))
        dst.write(decoder.decode(b"", final=True).encode("utf-8"))
    return Path(tmp)


_LONE_CR_NOTE = "line breaks: lone carriage returns (CR, old Mac line ends) read as line breaks"


class ReadableText(NamedTuple):
    """What :func:`readable_text` hands the import: the file DuckDB reads and what the pass found."""
    path: Path               # UTF-8, lines ended by LF or CRLF (the file itself, or a copy)
    encoding: str            # the file's encoding as the import reports it
    notes: list[str]
    n_lines: int | None      # physical lines, when the pass counted them
    nul: bool                # some byte is NUL
    wide_spaces: bool        # some space other than ' ' may be in it (csv_text.TextEvidence.wide_spaces)


def readable_text(path: Path, encoding: str) -> ReadableText:
    """A UTF-8 file DuckDB can read with lines ended by LF or CRLF (:class:`ReadableText`) for
    ``path``, whose first bytes suggest ``encoding``.

    The encoding is decided on the whole file (:mod:`analytics.importing.csv_text`): a file whose head is
    UTF-8 may hold cp1252 lines later, and one whose head is cp1252 may hold UTF-8 lines; such a
    file is copied line by line, each line in its own encoding. Lone CRs become LF in the copy.
    UTF-16 and UTF-32 files are decoded whole (their BOM says so)."""
    if encoding.startswith(("utf-16", "utf-32")):
        copy = _transcode(path, encoding)
        notes = [f"file encoding {encoding} converted to UTF-8"]
        decoded = csv_text.scan_text(copy)
        if decoded.lone_cr:
            fixed = normalise_newlines(copy)
            os.unlink(copy)
            copy = fixed
            notes.append(_LONE_CR_NOTE)
        return ReadableText(copy, encoding, notes, None, decoded.nul, decoded.wide_spaces)
    bom = len(codecs.BOM_UTF8) if encoding == "utf-8-sig" else 0
    evidence = csv_text.scan_text(path, skip=bom)
    if evidence.utf8 and not evidence.lone_cr:
        return ReadableText(path, encoding, [], evidence.n_lines, evidence.nul, evidence.wide_spaces)
    legacy = "latin-1" if encoding == "latin-1" else "cp1252"
    # (a NUL byte is one in UTF-8 and in the code page alike: the copy has one where the file has)
    copy, decoding = csv_text.transcode_lines(path, legacy, skip=bom, newlines=evidence.lone_cr)
    notes = [n for n in (decoding.note(), _LONE_CR_NOTE if evidence.lone_cr else None) if n]
    # (a UTF-8 file's copy only has its line ends changed; a code page's lines were not looked at for
    # spaces, and cp1252's 0xA0 is a no-break space)
    return ReadableText(copy, decoding.encoding(encoding if evidence.utf8 else "utf-8"), notes, decoding.n_lines,
                        evidence.nul, evidence.wide_spaces or not evidence.utf8)


def normalise_newlines(path: Path) -> Path:
    """A copy of a UTF-8 file with CRLF and lone CR turned into LF (mixed line endings)."""
    fd, tmp = tempfile.mkstemp(prefix="import-", suffix=".csv")
    with open(path, "rb") as src, os.fdopen(fd, "wb") as dst:
        carry = b""
        while chunk := src.read(CHUNK):
            chunk = carry + chunk
            carry = b"\r" if chunk.endswith(b"\r") else b""
            if carry:
                chunk = chunk[:-1]
            dst.write(chunk.replace(b"\r\n", b"\n").replace(b"\r", b"\n"))
        dst.write(carry.replace(b"\r", b"\n"))
    return Path(tmp)


DELIMITER_LINES = 2000
"""Lines of the head the delimiter is judged on: all four candidates split them (the whole MiB took
a tenth of a second, on every import and every Import page rerun; a few thousand lines decide it as well)."""


def detect_delimiter(text: str) -> str:
    """The delimiter among , ; tab | that splits the sample lines (the first :data:`DELIMITER_LINES`)
    most consistently."""
    cut = -1
    for _ in range(DELIMITER_LINES):
        cut = text.find("\n", cut + 1)
        if cut < 0:
            break
    text = text if cut < 0 else text[:cut + 1]
    best, best_score = ",", -1.0
    for delim in DELIMITERS:
        if delim not in text:  # (every row one field: never chosen, and parsing the lines costs a few ms)
            continue
        counts = [len(r) for r in csv.reader(io.StringIO(text, newline=""), delimiter=delim) if r]
        if not counts:
            continue
        mode, freq = Counter(counts).most_common(1)[0]
        if mode < 2:
            continue
        score = freq / len(counts) + 0.001 * mode
        if score > best_score:
            best, best_score = delim, score
    return best


def _looks_like_value(cell: str) -> bool:
    text = cell.strip().replace(",", "").replace(".", "").replace("-", "").replace("/", "")
    return text.isdigit()


def unique_headers(cells: list[str]) -> tuple[list[str], list[str]]:
    """Strip, name blanks ``column_N`` and disambiguate repeats as ``Name``, ``Name_2``; notes say so."""
    out, seen, notes = [], set(), []
    last_suffix: dict[str, int] = {}  # per name: the suffix its last repeat took (every one below is taken)
    for i, cell in enumerate(cells):
        name = cell.strip().strip("\ufeff") or f"column_{i + 1}"
        base, n = name, 1
        if name.lower() in seen:  # (from the last suffix, not from 2: 5,000 repeats took 8 s)
            n = last_suffix.get(base.lower(), 1)
        while name.lower() in seen:
            n += 1
            name = f"{base}_{n}"
        last_suffix[base.lower()] = n
        if n > 1:
            notes.append(f"duplicate column header {quoting.quoted(base)}: the repeat is read as {quoting.quoted(name)}")
        seen.add(name.lower())
        out.append(name)
    return out, notes


MAX_HEADER_COLUMNS = 1000
MAX_HEADER_BYTES = 64 * 1024


def header_too_wide(cells: list[str], delimiter: str) -> str | None:
    """Why a header row is beyond what an export has (its column count or size), else None.

    Refused at once: thousands of columns or a megabyte line with no newline is not a sales export,
    and everything after the header (mapping, typed scans, the page's column pickers) grows with it.

    >>> header_too_wide(["Owner", "Amount", *[""] * 1000], ",")
    'the header row has 1,002 columns (at most 1,000 are read); remove the empty or extra columns and export again'
    """
    if len(cells) > MAX_HEADER_COLUMNS:
        return (f"the header row has {formatting.count(len(cells))} columns (at most "
                f"{formatting.count(MAX_HEADER_COLUMNS)} are read); remove the empty or extra columns and export again")
    size = len(delimiter.join(cells).encode("utf-8", "replace"))
    if size > MAX_HEADER_BYTES:
        return (f"the header row is longer than {MAX_HEADER_BYTES // 1024} KB ({formatting.count(size)} bytes "
                "without a line break): not a CSV header; export the data as CSV")
    return None


def open_source(path: str | Path, file_name: str | None = None, *, text_pass_beside: bool = False) -> SourceFile:
    """Inspect ``path`` and return a :class:`SourceFile`; raise :class:`RefusedFileError` when it is not a CSV.

    With ``text_pass_beside`` (a commit's first load), a file longer than its head, whose head is
    UTF-8, is taken as UTF-8 at once and its whole-file pass runs beside what follows
    (:mod:`analytics.importing.text_pass`; :meth:`SourceFile.text_as_head` settles it)."""
    path = Path(path)
    name = file_name or path.name
    try:  # (a folder, a pipe, an unreadable or a system file: refused before anything reads it)
        head, size = user_input.read_head(path, SAMPLE_BYTES)
    except user_input.UnusableFileError as exc:
        raise _refuse(name, str(exc)) from None
    encoding = detect_encoding(head)
    if what := binary_kind(head, encoding):
        raise _refuse(name, f"not a CSV text file: it looks like {what}; export the data as CSV")
    pending = None
    if text_pass_beside and encoding in ("utf-8", "utf-8-sig") and size > SAMPLE_BYTES:
        pending = TextPass(path, skip=len(codecs.BOM_UTF8) if encoding == "utf-8-sig" else 0)
        read_path, encoding, notes, n_lines, nul, wide_spaces = ReadableText(path, encoding, [], None, True, True)
    else:
        read_path, encoding, notes, n_lines, nul, wide_spaces = readable_text(path, encoding)
    transcoded = read_path != path
    if transcoded:
        with open(read_path, "rb") as fh:
            head = fh.read(SAMPLE_BYTES)
    text = codecs.getincrementaldecoder("utf-8-sig")(errors="replace").decode(head, final=False)
    try:
        src = _finish(path, name, read_path, encoding, text, size, transcoded, notes)
        src.head_line_bytes = len(head) / max(head.count(b"\n"), 1)
        src.n_lines, src.nul, src.wide_spaces, src.text_pass = n_lines, nul, wide_spaces, pending
        src.quoted_line_breaks = csv_records.line_break_in_quotes(head.removeprefix(codecs.BOM_UTF8), src.delimiter) \
            or csv_records.known_to_span_lines(read_path, src.delimiter, src.skip_lines)
        return src
    except BaseException:
        if transcoded:
            os.unlink(read_path)
        raise


def _finish(path: Path, name: str, read_path: Path, encoding: str, text: str, size: int, transcoded: bool,
            notes: list[str]) -> SourceFile:
    if len(text) >= SAMPLE_BYTES - 8:  # drop a possibly cut last line
        text = text[: text.rfind("\n") + 1] or text
    if not text.strip():
        raise _refuse(name, "the file has no text (only blank lines)")
    delim = detect_delimiter(text)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delim)
    records: list[tuple[int, list[str]]] = []  # (physical line where the record starts, cells)
    line = 1
    for row in reader:
        records.append((line, row))
        line = reader.line_num + 1
        if len(records) >= 200:
            break
    nonblank = [(ln, r) for ln, r in records if any(c.strip() for c in r)]
    if not nonblank:
        raise _refuse(name, "the file has no text (only blank lines)")
    widths = Counter(len(r) for _, r in nonblank)
    mode = widths.most_common(1)[0][0]
    # The header is the first record as wide as most rows: report titles above it are skipped.
    header_line, header = next((ln, r) for ln, r in nonblank if len(r) >= mode)
    if header_line > 1:
        notes.append(f"{header_line - 1} line(s) above the header row skipped (report title)")
    if group_rows.group_row_above(under := [(ln, r) for ln, r in nonblank if ln >= header_line][:2]):
        notes.append(group_rows.note(header))  # (Deal Info,,,Financials over the column names)
        header_line, header = under[1]
    if too_wide := header_too_wide(header, delim):
        raise _refuse(name, too_wide)
    cells = [c for c in header if c.strip()]
    values = [c for c in cells if _looks_like_value(c)]  # (2024-01, 2024-02: a quota sheet's period headers)
    if cells and len(values) > len(cells) / 2 and not period_labels.names_periods(values):
        raise _refuse(name, "no header row: the first line holds values, not column names; "
                            "export with column headers")
    headers, dup_notes = unique_headers(header)
    notes.extend(dup_notes)
    if len(headers) < 2:
        raise _refuse(name, "only one column found: not a delimited file (expected , ; tab or | between columns)")
    if delim != ",":
        notes.append(f"delimiter: {DELIMITER_NAMES[delim]}")
    return SourceFile(path=path, file_name=name, read_path=read_path, encoding=encoding, delimiter=delim,
                      skip_lines=header_line - 1, headers=headers, raw_headers=list(header), notes=notes,
                      size=size, transcoded=transcoded)
