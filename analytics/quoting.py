r"""How the product quotes a user's text back: file names, column names and cell values.

A file name or a cell comes from someone else's export, so it may hold anything: an escape
sequence that recolours or clears the terminal, a carriage return that hides the start of the
line, a bidirectional override that reverses what follows, or a megabyte in one header cell.
Whatever a message, a note, a reject or a listing shows of such text goes through
:func:`shown` (or :func:`quoted`): control characters are written as escapes, and a long value is
cut to its first :data:`SHOWN_CHARS` characters plus "…", so one bad cell cannot make a megabyte
message. (No length is added: a reject's value is stored cut already, so its length would mislead.)

>>> shown("Ann\x1b[31m Lee\r\n")
'Ann\\x1b[31m Lee\\r\\n'
>>> quoted("X" * 100)
"'XXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXX…'"
>>> names(["Owner", "Amount", "Close\tDate", "Stage"], limit=3)
'Owner, Amount, Close\\tDate and 1 more'
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from analytics import formatting

SHOWN_CHARS = 80
"""Characters of a user's value a message quotes (the rest is cut and marked "…")."""
LINE_CHARS = 2000
"""Characters of one printed line at most: the guard for a message that quoted a value uncut."""
NAMES_SHOWN = 20
"""Column names a message lists before "and N more" (a header may have 100,000 columns)."""

# C0 and C1 controls, DEL, the line and paragraph separators and the bidirectional embeddings,
# overrides and isolates (they reorder what a terminal shows after them). Tabs and newlines are
# escaped too: a message is one line.
_UNSAFE = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]")
_NAMED = {"\t": "\\t", "\n": "\\n", "\r": "\\r"}


def _escape(match: re.Match[str]) -> str:
    char = match.group()
    if char in _NAMED:
        return _NAMED[char]
    code = ord(char)
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def escaped(text: str) -> str:
    r"""``text`` with every control character written as an escape (``\x1b``, ``\n``, ``\u202e``).

    Nothing is cut: for a name the reader must find exactly (``imports list``).

    >>> escaped("deals\u202eVSC.exe")
    'deals\\u202eVSC.exe'
    """
    return _UNSAFE.sub(_escape, text)


_UNSAFE_IN_OUTPUT = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]")


def printable(text: str) -> str:
    r"""Output text with its control characters escaped, line breaks and tabs kept: the CLI's
    last guard (``cli.main`` writes everything it prints through it), for tables of rep names.

    >>> printable("rep\tAnn\x1b[2J\n")
    'rep\tAnn\\x1b[2J\n'
    """
    return _UNSAFE_IN_OUTPUT.sub(_escape, text)


def shown(value: object, limit: int = SHOWN_CHARS) -> str:
    """``value`` as text for a person: cut to its first ``limit`` characters (then "…"), escaped.

    None is the product's blank ("–").

    >>> shown("a" * 5, limit=3)
    'aaa…'
    >>> shown(None)
    '–'
    """
    if value is None:
        return formatting.BLANK
    text = str(value)
    if len(text) <= limit:
        return escaped(text)
    return f"{escaped(text[:limit])}…"


def quoted(value: object, limit: int = SHOWN_CHARS) -> str:
    """:func:`shown` in single quotes, the way a message quotes a value (``'13/45/2026'``).

    >>> quoted("13/45/2026")
    "'13/45/2026'"
    """
    return formatting.BLANK if value is None else f"'{shown(value, limit)}'"


def names(items: Sequence[str], limit: int = NAMES_SHOWN, total: int | None = None) -> str:
    """Names for a message: the first ``limit``, each :func:`shown`, then "and N more" of ``total`` (default
    ``len(items)``: a query that fetched its first few names alone gives the whole count here).

    >>> names(["D2", "D3"], total=5)
    'D2, D3 and 3 more'
    """
    listed = ", ".join(shown(item) for item in items[:limit])
    rest = (len(items) if total is None else total) - len(items[:limit])
    return f"{listed} and {formatting.count(rest)} more" if rest > 0 else listed


def line(text: str) -> str:
    """One printed line of a message built elsewhere: escaped, and cut at :data:`LINE_CHARS`."""
    return shown(text, LINE_CHARS)
