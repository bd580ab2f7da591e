"""What a person hands an import, checked before anything is read: the file's path and the unit.

A path on the command line may name anything: a folder, a named pipe (opening one for reading
waits for a writer, so an import would hang), a device, a file the user may not read, or a system
file that reports 0 bytes but holds text. Each is refused with one sentence before DuckDB or the
CSV sniffer sees it: :func:`read_head` looks at the path with ``stat`` (which never blocks) and
only then opens a regular file.

The unit multiplies every amount of a file (1,000 for a file in thousands). It must be a positive
finite number in a sane range: 0 would store zeros, a negative one flips every sign, and 1e308
turns amounts into infinities (:func:`unit_problem`).

>>> unit_problem(1000.0) is None
True
>>> unit_problem(-1.0)
'the unit must be a positive number from 0.000001 to 1,000,000,000 (1000 for values in thousands), not -1'
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

from analytics import formatting

MIN_UNIT = 1e-6
"""The smallest unit: a millionth (0.01 for amounts in cents is well inside)."""
MAX_UNIT = 1e9
"""The largest unit: amounts in billions. A larger one only makes finite amounts overflow."""


class UnusableFileError(Exception):
    """The path is not a file the import can read; the message is one sentence without the name."""


def _special_kind(mode: int) -> str | None:
    """What a path that is neither a folder nor a regular file is, in words; None for a regular file."""
    if stat.S_ISREG(mode):
        return None
    if stat.S_ISFIFO(mode):
        return "a named pipe"
    if stat.S_ISSOCK(mode):
        return "a socket"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    return "not a regular file"


def _unreadable(exc: OSError) -> UnusableFileError:
    if isinstance(exc, FileNotFoundError):
        return UnusableFileError("file not found")
    if isinstance(exc, PermissionError):
        return UnusableFileError("the file cannot be read (permission denied); check who may read it")
    if isinstance(exc, IsADirectoryError):
        return UnusableFileError("this is a folder, not a file: name the CSV file inside it")
    return UnusableFileError(f"the file cannot be read ({exc.strerror or type(exc).__name__})")


def read_head(path: Path, limit: int) -> tuple[bytes, int]:
    """The first ``limit`` bytes of the regular file at ``path`` and its size in bytes.

    Raises
    ------
    UnusableFileError
        When ``path`` is missing, a folder, a pipe, socket or device, unreadable, empty, or
        reports 0 bytes while holding data (a system or virtual file: its size cannot be trusted,
        and the checks that compare a file's size before and after reading it would fail).
    """
    try:
        info = os.stat(path)
    except OSError as exc:
        raise _unreadable(exc) from None
    if stat.S_ISDIR(info.st_mode):
        raise UnusableFileError("this is a folder, not a file: name the CSV file inside it")
    if what := _special_kind(info.st_mode):
        # (checked before any open: opening a named pipe waits for a writer)
        raise UnusableFileError(f"this is {what}, not a file: save the export as a file and import that")
    try:
        with open(path, "rb") as fh:
            head = fh.read(limit)
    except OSError as exc:
        raise _unreadable(exc) from None
    if not head:
        raise UnusableFileError("the file is empty (0 bytes)")
    if info.st_size == 0:
        raise UnusableFileError("the file reports a size of 0 bytes but holds data (a system or virtual "
                                "file): copy it to a regular file and import the copy")
    return head, info.st_size


def unit_problem(unit: float) -> str | None:
    """Why ``unit`` cannot multiply a file's amounts, or None when it can.

    Positive and finite, from :data:`MIN_UNIT` to :data:`MAX_UNIT` (NaN fails every comparison).

    >>> [unit_problem(u) is None for u in (0.01, 1.0, 1e9, 0.0, float("nan"), float("inf"), 1e308)]
    [True, True, True, False, False, False, False]
    """
    if MIN_UNIT <= unit <= MAX_UNIT:
        return None
    return (f"the unit must be a positive number from {MIN_UNIT:f} to {formatting.count(MAX_UNIT)} (1000 for "
            f"values in thousands), not {unit:g}")
