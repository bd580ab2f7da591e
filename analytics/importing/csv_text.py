"""The text of a CSV export, decided on the whole file: encoding line by line, line breaks.

An export can be valid UTF-8 for its first megabytes and then hold rows a colleague pasted
from an older cp1252 file; deciding the encoding from the head alone decodes one part wrong
("José" stored as "JosÃ©"). :func:`scan_text` reads the whole file once (in C and numpy: the
non-ASCII bytes of each chunk are gathered and decoded as UTF-8 in one call, so a mostly-ASCII
file costs about a plain read) and says whether every byte is UTF-8, whether a carriage return
stands alone (classic Mac line ends, a CR inside a field) and how many lines there are.

When the file is not UTF-8 throughout, or has lone CRs, :func:`transcode_lines` writes a UTF-8
copy: each line that is valid UTF-8 stays as it is, every other line is read in the single-byte
code page (cp1252, else latin-1), and CR and CRLF become LF when lone CRs are present. Every
line break of the file stays one line break of the copy, so physical line numbers are the same.
"""

from __future__ import annotations

import codecs
import os
import re
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np

CHUNK = 1 << 24
# The whole-file pass reads at most this much at a time: the numpy arrays it makes of a chunk then
# stay in the CPU's cache (a 300 MB file: 0.065 CPU s against 0.10 with 16 MiB reads).
SCAN_CHUNK = 1 << 18
LF, CR = 10, 13

# Unicode's space separators (category Zs) but the ASCII space: what DuckDB's ``trim`` strips besides
# ``' '`` (tests/test_import_text_trim.py pins the set). A file without any has only ``' '`` to trim.
WIDE_SPACES = "\u00a0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a\u202f\u205f\u3000"
_WIDE_SPACE = re.compile(f"[{WIDE_SPACES}]")


@dataclass(frozen=True)
class TextEvidence:
    """What one pass over a file's bytes found.

    Attributes
    ----------
    utf8 : bool
        Every byte (after ``skip`` leading bytes, a BOM) is part of valid UTF-8.
    lone_cr : bool
        Some carriage return is not followed by a line feed.
    n_lines : int
        Physical lines as LF ends them (a last line without one counts).
    nul : bool
        Some byte is NUL (a damaged export): only then do the import's rows need a NUL check.
    wide_spaces : bool
        Some character is one of :data:`WIDE_SPACES` (read while the bytes are UTF-8): only then
        may a value begin or end with a space other than ``' '``, which ``trim`` also strips.
    """

    utf8: bool
    lone_cr: bool
    n_lines: int
    nul: bool = False
    wide_spaces: bool = False


def _gathered_non_ascii(data: np.ndarray, open_run: bool) -> tuple[bytes, bool]:
    """The chunk's non-ASCII bytes, each run of them ended by a LF (a run may not end a UTF-8
    sequence early, as ASCII bytes never continue one); a run at the chunk's end is left open for
    the next chunk, which ends it first when it starts with ASCII (``open_run``)."""
    at = np.flatnonzero(data >= 0x80)
    if not len(at):
        return (b"\n" if open_run else b""), False
    values = data[at]
    run_ends = np.flatnonzero(np.diff(at) != 1)           # the last byte of each run but the final one
    gathered = np.insert(values, run_ends + 1, LF)
    lead = b"\n" if open_run and at[0] != 0 else b""
    ends_open = bool(at[-1] == len(data) - 1)
    tail = b"" if ends_open else b"\n"
    return lead + gathered.tobytes() + tail, ends_open


def scan_text(path: Path, skip: int = 0) -> TextEvidence:
    """One pass over ``path`` (a buffer of :data:`SCAN_CHUNK` reused): UTF-8 validity, lone CRs,
    lines, NUL bytes, and whether a space other than ``' '`` occurs (in the non-ASCII text the UTF-8
    check decodes).

    >>> import pathlib, tempfile
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "t.csv"
    >>> _ = p.write_bytes("a,b\\nJosé,1\\n".encode() + "Zoë,2\\r3,4".encode("cp1252"))
    >>> scan_text(p)
    TextEvidence(utf8=False, lone_cr=True, n_lines=3, nul=False, wide_spaces=False)
    >>> _ = p.write_bytes("a,b\\nJosé\\u00a0,1\\n".encode())
    >>> scan_text(p).wide_spaces
    True
    """
    decoder = codecs.getincrementaldecoder("utf-8")()
    buf = bytearray(min(CHUNK, SCAN_CHUNK))
    data = np.frombuffer(buf, dtype=np.uint8)
    utf8, lone_cr, open_run, newlines, last, cr_at_end, nul = True, False, False, 0, None, False, False
    wide = False
    with open(path, "rb", buffering=0) as fh:
        if skip:
            fh.seek(skip)
        while n := fh.readinto(buf):
            chunk = data[:n]
            nul = nul or buf.find(b"\0", 0, n) >= 0  # (memchr: about a plain read)
            if cr_at_end and chunk[0] != LF:
                lone_cr = True
            if not lone_cr and buf.find(b"\r", 0, n) >= 0:
                crs = np.flatnonzero(chunk == CR)
                inside = crs[crs < n - 1]
                lone_cr = bool(np.any(chunk[inside + 1] != LF))
            cr_at_end = bool(chunk[-1] == CR)
            if utf8 and (open_run or chunk.max() >= 0x80):
                gathered, open_run = _gathered_non_ascii(chunk, open_run)
                try:
                    wide = _WIDE_SPACE.search(decoder.decode(gathered)) is not None or wide
                except UnicodeDecodeError:
                    utf8 = False
            newlines += int(np.count_nonzero(chunk == LF))
            last = int(chunk[-1])
    if utf8:
        try:
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:  # (a sequence cut by the end of the file)
            utf8 = False
    return TextEvidence(utf8=utf8, lone_cr=lone_cr or bool(cr_at_end),
                        n_lines=newlines + int(last is not None and last != LF), nul=nul, wide_spaces=wide)


@dataclass
class LineDecoding:
    """How :func:`transcode_lines` read a file: lines per encoding, and where each first appears.

    Attributes
    ----------
    legacy : str
        The single-byte code page of the lines that are not UTF-8 (latin-1 when a line has a
        byte cp1252 leaves undefined).
    legacy_lines : int
        Lines read in ``legacy``.
    first_legacy_line, first_utf8_line : int or None
        Physical line of the first line read in ``legacy``, and of the first line with
        non-ASCII UTF-8 text.
    n_lines : int
        Physical lines of the copy (the same as the file's, lone CRs counted as line breaks).
    """

    legacy: str = "cp1252"
    legacy_lines: int = 0
    first_legacy_line: int | None = None
    first_utf8_line: int | None = None
    n_lines: int = 0

    @property
    def mixed(self) -> bool:
        """Whether the file holds both UTF-8 text and lines in the code page."""
        return self.legacy_lines > 0 and self.first_utf8_line is not None

    def encoding(self, utf8_name: str) -> str:
        """The file's encoding as the import reports it (``utf8_name`` when no line needed the code page)."""
        if not self.legacy_lines:
            return utf8_name
        return f"utf-8 + {self.legacy}" if self.mixed else self.legacy

    def note(self) -> str | None:
        """A sentence for the import's notes, naming the first line that differed; None for UTF-8."""
        if not self.legacy_lines:
            return None
        if not self.mixed:
            return f"file encoding {self.legacy} converted to UTF-8"
        return (f"the file mixes UTF-8 and {self.legacy}: {self.legacy_lines:,} line(s) are not UTF-8 and were "
                f"read as {self.legacy} (the first on line {self.first_legacy_line}; UTF-8 text from line "
                f"{self.first_utf8_line}); each line was read in its own encoding")


def _legacy_text(line: bytes, decoding: LineDecoding) -> str:
    try:
        return line.decode("cp1252") if decoding.legacy == "cp1252" else line.decode("latin-1")
    except UnicodeDecodeError:  # (0x81, 0x8D, 0x8F, 0x90, 0x9D: undefined in cp1252)
        decoding.legacy = "latin-1"
        return line.decode("latin-1")


def _note_utf8(block: bytes, start: int, end: int, line0: int, decoding: LineDecoding) -> None:
    """Remember the first line with non-ASCII UTF-8 text in ``block[start:end]`` (valid UTF-8)."""
    if decoding.first_utf8_line is not None or block[start:end].isascii():
        return
    first = start + int(np.flatnonzero(np.frombuffer(block, dtype=np.uint8, count=end - start, offset=start) >= 0x80)[0])
    decoding.first_utf8_line = line0 + block.count(b"\n", 0, first)


def decode_block(block: bytes, line0: int, decoding: LineDecoding) -> str:
    """``block`` (whole lines, its first on physical line ``line0``) as text: UTF-8 where a line
    is valid UTF-8, else the code page. Valid stretches are decoded in one call each, so the
    cost grows with the lines that are not UTF-8, not with the block."""
    parts: list[str] = []
    pos, view = 0, memoryview(block)
    while pos < len(block):
        try:
            parts.append(codecs.utf_8_decode(view[pos:], "strict", True)[0])
            _note_utf8(block, pos, len(block), line0, decoding)
            break
        except UnicodeDecodeError as exc:
            bad = pos + exc.start
        start = block.rfind(b"\n", pos, bad) + 1 or pos
        end = block.find(b"\n", bad)
        end = len(block) if end < 0 else end + 1
        parts.append(codecs.utf_8_decode(view[pos:start], "strict", True)[0])
        _note_utf8(block, pos, start, line0, decoding)
        parts.append(_legacy_text(block[start:end], decoding))
        decoding.legacy_lines += 1
        if decoding.first_legacy_line is None:
            decoding.first_legacy_line = line0 + block.count(b"\n", 0, start)
        pos = end
    return "".join(parts)


def _blocks(path: Path, skip: int, newlines: bool) -> Iterator[bytes]:
    """Whole-line blocks of the file's bytes (about 16 MiB each), CR and CRLF made LF when ``newlines``."""
    carry = b""
    with open(path, "rb") as src:
        src.seek(skip)
        while True:
            chunk = src.read(CHUNK)
            block = carry + chunk
            if newlines:
                keep_cr = chunk != b"" and block.endswith(b"\r")  # (its LF may start the next chunk)
                body = block[:-1] if keep_cr else block
                block = body.replace(b"\r\n", b"\n").replace(b"\r", b"\n") + (b"\r" if keep_cr else b"")
            if not chunk:
                if block:
                    yield block
                return
            cut = block.rfind(b"\n") + 1
            if cut == 0 and len(block) < 4 * CHUNK:  # (a line longer than a chunk: read on)
                carry = block
                continue
            cut = cut or len(block)
            yield block[:cut]
            carry = block[cut:]


def transcode_lines(path: Path, legacy: str = "cp1252", *, skip: int = 0,
                    newlines: bool = False) -> tuple[Path, LineDecoding]:
    """A temporary UTF-8 copy of ``path`` read line by line (see the module), and how it was read.

    ``skip``: leading bytes to drop (a UTF-8 BOM); ``newlines``: turn CR and CRLF into LF.

    >>> import pathlib, tempfile
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "t.csv"
    >>> _ = p.write_bytes("a,b\\rJosé,1\\r".encode() + "Zoë,2\\r".encode("cp1252"))
    >>> copy, how = transcode_lines(p, newlines=True)
    >>> copy.read_text(encoding="utf-8"), how.encoding("utf-8"), how.first_legacy_line, how.n_lines
    ('a,b\\nJosé,1\\nZoë,2\\n', 'utf-8 + cp1252', 3, 3)
    >>> copy.unlink()
    """
    decoding = LineDecoding(legacy=legacy)
    fd, tmp = tempfile.mkstemp(prefix="import-", suffix=".csv")
    line0, last = 1, b"\n"
    try:
        with os.fdopen(fd, "wb") as dst:
            for block in _blocks(path, skip, newlines):
                dst.write(decode_block(block, line0, decoding).encode("utf-8"))
                line0 += block.count(b"\n")
                last = block[-1:]
    except BaseException:
        os.unlink(tmp)
        raise
    decoding.n_lines = line0 - 1 + (last != b"\n")
    return Path(tmp), decoding
