"""Cheap casts in the CSV reader for a first load; the full parser only where they failed.

A deal file written once (:mod:`analytics.importing.one_read`) is read as text and parsed in SQL:
strptime through the column's formats, the amount's cast and its fallbacks, per value. When
the sample profile shows a date column in one plain format (``MM/DD/YYYY``, ``DD.MM.YYYY``, ...)
or an amount column the plain cast reads, the reader itself types them (DATE with that ``dateformat``,
DOUBLE): no text is made for those values and no expression parses them. A value the reader's
cast refuses leaves its row out of the scan and in DuckDB's ``reject_errors`` (with the record's
text and byte offset); those records are read again with the full parser (:func:`read_again`)
and written or rejected as the text plan would have, under their own lines.

What the reader accepts is exactly what the text plan's cheap path reads (DuckDB's DOUBLE cast
is the reader's; ``try_strptime`` with the same format is the reader's date cast), except
values the text plan treats otherwise: a non-finite amount (rejected as not an amount), a date
outside 1900-2100 (rejected as implausible, or, below year 1000, read as a 2-digit year by the
regex path). Those stop the write with :data:`MARK` (DuckDB's ``error()``), and the file is
written once more without reader casts, as before.

Which date columns the reader types (as :func:`analytics.importing.field_sql.field_sql` asks): the
sample's format hits of column c2 are all ``%m/%d/%Y``; c5's fall short of :data:`COVER`:

>>> from analytics.importing.file_profile import ColumnProfile, FileProfile
>>> sample = FileProfile(columns={"c2": ColumnProfile(format_hits={"filled": 2000, "%m/%d/%Y": 2000}),
...                               "c5": ColumnProfile(format_hits={"filled": 1000, "%m/%d/%Y": 990})})
>>> by_field = {"close_date": [("Close Date", "c2")], "created_date": [("Created", "c5")]}
>>> date_casts(sample, by_field, "deals", {"c2": "mdy", "c5": "mdy"})
({'c2': 'DATE'}, '%m/%d/%Y')
"""

from __future__ import annotations

import contextlib
import dataclasses
import os
import tempfile
from collections.abc import Iterator, Mapping

from analytics.importing import mapping, parsing
from analytics.importing.file_profile import FileProfile
from analytics.importing.parsing import lit

# Formats the reader types a date column with: date-only, no '-' (so never the ISO path's
# values, which the text plan casts another way), one format per order and separator.
READER_DATE_FORMATS = {"mdy": ("%m/%d/%Y", "%m.%d.%Y"), "dmy": ("%d/%m/%Y", "%d.%m.%Y")}
COVER = 0.999   # share of a sample column's filled values the reader's cast must read
MARK = "import_cast: "  # DuckDB error() text: a value the reader read that the text plan reads otherwise


@dataclasses.dataclass(frozen=True)
class ReaderCasts:
    """Raw column alias -> the type the reader reads it as (DATE, DOUBLE); the dates' one format."""
    types: dict[str, str]
    dateformat: str | None = None

    def __bool__(self) -> bool:
        return bool(self.types)


NONE = ReaderCasts({})


def _covers(hits: Mapping[str, int | None], what: str) -> bool:
    filled = hits.get("filled") or 0
    return filled > 0 and (hits.get(what) or 0) >= COVER * filled


def date_casts(sample: FileProfile, by_field: mapping.ByField, kind: str,
               orders: dict[str, str]) -> tuple[dict[str, str], str | None]:
    """The date columns the reader types, and their one format (the reader takes one for all its
    DATE columns): those whose first values (the sample profile's format hits: 2,000 a column)
    the plain format of their order reads, the format most such columns share."""
    by_format: dict[str, list[str]] = {}
    for name, cols in by_field.items():
        if mapping.FIELD_BY_NAME[kind][name].type != "date":
            continue
        for _h, c in cols:
            for f in READER_DATE_FORMATS[orders[c]]:
                if _covers(sample.column(c).format_hits, f):
                    by_format.setdefault(f, []).append(c)
    if not by_format:
        return {}, None
    dateformat = max(by_format, key=lambda f: (len(by_format[f]), f))
    return {c: "DATE" for c in by_format[dateformat]}, dateformat


def amount_cast(sample: FileProfile, c: str) -> bool:
    """Whether the reader reads amount column ``c`` (decimal points) as DOUBLE: its sample casts."""
    column = sample.column(c)
    return _covers({"filled": column.filled, "cast": column.castable}, "cast")


# ---- the SQL of a column the reader typed (the text plan's equivalents are in parsing) ------------

def date_value(c: str, header: str, dateformat: str | None) -> str:
    """(The format is in the text: a plan whose reader reads the column in another format is another plan.)"""
    return (f"(CASE WHEN {c} IS NULL OR year({c}) BETWEEN 1900 AND 2100 THEN {c} ELSE "
            f"error({lit(f'{MARK}a date outside 1900-2100 in {header} (read as {dateformat})')}) END)")


def amount_value(c: str, header: str, unit: float) -> str:
    """(A non-finite or implausible amount stops the write: the text plan rejects it with its text.)"""
    scale = "" if unit == 1 else f" * {float(unit)!r}"
    return (f"(CASE WHEN {c} IS NULL OR abs({c}{scale}) < {parsing.IMPLAUSIBLE_AMOUNT!r} THEN {c}{scale} "
            f"ELSE error({lit(MARK + 'a non-finite or implausible amount in ' + header)}) END)")


def date_evidence(c: str, order: str, dateformat: str | None) -> list[tuple[str, str]]:
    """The text plan's ``{c}_cls`` and ``{c}_ex`` for a value the reader read in ``dateformat``:
    day over 12 proves the order, else it fits both; dotted formats add 4; none is an example."""
    proves = 1 if order == "dmy" else 2
    dots = 4 if dateformat and "." in dateformat else 0
    return [(f"{c}_cls", f"(CASE WHEN {c} IS NULL THEN 0 WHEN day({c}) > 12 THEN {proves + dots} "
                         f"ELSE {3 + dots} END)::UTINYINT"),
            (f"{c}_ex", "NULL::VARCHAR")]


def amount_evidence(c: str) -> list[tuple[str, str]]:
    return [(f"{c}_fail", "NULL::VARCHAR")]  # (the cast read it)


# ---- the records the reader's casts refused, read again -------------------------------------------

def header_line(headers: list[str], delimiter: str) -> str:
    return delimiter.join('"' + h.replace('"', '""') + '"' for h in headers)


@contextlib.contextmanager
def records_file(headers: list[str], delimiter: str, records: list[str]) -> Iterator[str]:
    """A small CSV of the header and ``records`` (their text as DuckDB kept it), deleted after."""
    fd, path = tempfile.mkstemp(prefix="import_cast_", suffix=".csv")
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as fh:
            fh.write(header_line(headers, delimiter) + "\n")
            for text in records:
                fh.write(text.strip("\r\n") + "\n")
        yield path
    finally:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(path)
