"""The one CSV writer of the product: every CSV a manager downloads or the CLI writes goes through it.

Two promises, kept in one place:

* **Spreadsheet safety** (the OWASP "CSV injection" rule): a *text* cell that begins with ``=``,
  ``+``, ``-``, ``@``, a tab or a carriage return gets a leading single quote, so a spreadsheet
  shows it as text and never runs it as a formula. Numbers are never touched: a real negative
  number stays a number (``-2.5``), while the text ``-2+3`` becomes ``'-2+3``.
* **Numbers a person can read**: money to the cent, chances to the whole percent, other numbers
  without float noise (``140437.33``, ``30%``, ``2.5``, never ``140437.328132623`` or
  ``0.29999999999999993``). Blanks (None, NaN, NA) are empty cells.

Each column has a :data:`ColumnKind`; a frame's columns default to ``number`` when numeric and
``text`` otherwise.

Examples
--------
>>> csv_cell(140437.328132623, "money")
'140437.33'
>>> csv_cell(0.29999999999999993, "chance")
'30%'
>>> csv_cell(-2.0, "number"), csv_cell("-2+3", "text"), csv_cell("=HYPERLINK(1)", "text")
('-2', "'-2+3", "'=HYPERLINK(1)")
>>> csv_cell(float("nan"), "money")
''
>>> import pandas as pd
>>> print(frame_csv(pd.DataFrame({"rep": ["@ann"], "target": [1234.5678], "p": [0.651]}),
...                 {"target": "money", "p": "chance"}), end="")
rep,target,p
'@ann,1234.57,65%
"""

from __future__ import annotations

import csv
import io
import math
from collections.abc import Iterable, Mapping, Sequence
from datetime import date, datetime
from pathlib import Path
from typing import Literal, TextIO

import numpy as np
import pandas as pd

from analytics import formatting

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
"""How a text cell that a spreadsheet would run as a formula begins."""

ColumnKind = Literal["text", "money", "chance", "number", "date"]
"""How a column is written: text (neutralised), money (cents), chance (whole percent), number, date."""


def neutralise(value: object) -> object:
    """Text that a spreadsheet would run as a formula gets a leading single quote; the rest is unchanged.

    >>> neutralise("+1+1"), neutralise(-5.0), neutralise("a=b")
    ("'+1+1", -5.0, 'a=b')
    """
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def is_blank(value: object) -> bool:
    """None, pandas' NA/NaT and NaN: an empty cell."""
    if value is None or value is pd.NA or value is pd.NaT:
        return True
    return isinstance(value, float | np.floating) and math.isnan(value)


def _plain_number(x: float, decimals: int) -> str:
    """``x`` rounded to ``decimals`` without trailing zeros or a negative zero (``2.5``, ``-3``)."""
    text = f"{round(x, decimals):.{decimals}f}".rstrip("0").rstrip(".") if decimals else f"{x:.0f}"
    return "0" if text in ("-0", "") else text


def csv_cell(value: object, kind: ColumnKind = "text") -> str:
    """One cell's text. Numbers by ``kind``; text (and anything not a number) neutralised."""
    if is_blank(value):
        return ""
    if isinstance(value, bool | np.bool_):
        return "yes" if value else "no"
    if isinstance(value, int | float | np.integer | np.floating):
        x = float(value)
        if not math.isfinite(x):
            return ""
        if kind == "money":
            return "0.00" if round(x, 2) == 0 else f"{x:.2f}"
        if kind == "chance":
            return f"{formatting.whole_percent(x):.0f}%"   # 99.7% is not written as a sure 100%
        if isinstance(value, int | np.integer):
            return str(int(value))
        return _plain_number(x, 4)
    if isinstance(value, datetime | pd.Timestamp):
        return f"{value:%Y-%m-%d %H:%M:%S}" if (value.hour, value.minute, value.second) != (0, 0, 0) \
            else f"{value:%Y-%m-%d}"
    if isinstance(value, date):
        return value.isoformat()
    return str(neutralise(str(value)))


def write_rows(dest: TextIO, header: Sequence[str], rows: Iterable[Sequence[object]],
               kinds: Sequence[ColumnKind]) -> None:
    """Write ``header`` and ``rows`` to the open text ``dest``, each cell by its column's kind."""
    writer = csv.writer(dest, lineterminator="\n")
    writer.writerow([csv_cell(h) for h in header])
    for row in rows:
        writer.writerow([csv_cell(v, k) for v, k in zip(row, kinds, strict=True)])


def column_kinds(df: pd.DataFrame, kinds: Mapping[str, ColumnKind] | None = None) -> list[ColumnKind]:
    """Each column's kind: as ``kinds`` says, else ``number`` for numeric columns and ``text`` for the rest."""
    given = dict(kinds or {})
    out: list[ColumnKind] = []
    for name in df.columns:
        if name in given:
            out.append(given[name])
        elif pd.api.types.is_numeric_dtype(df[name]) and not pd.api.types.is_bool_dtype(df[name]):
            out.append("number")
        else:
            out.append("text")
    return out


def write_frame(df: pd.DataFrame, dest: str | Path | TextIO,
                kinds: Mapping[str, ColumnKind] | None = None) -> None:
    """``df`` (its columns as the header, no index) to a path or an open text buffer."""
    fh = (open(dest, "w", newline="", encoding="utf-8")  # noqa: SIM115
          if isinstance(dest, str | Path) else dest)
    try:
        write_rows(fh, [str(c) for c in df.columns], df.itertuples(index=False, name=None),
                   column_kinds(df, kinds))
    finally:
        if fh is not dest:  # (a file opened here; a caller's buffer stays open)
            fh.close()


def frame_csv(df: pd.DataFrame, kinds: Mapping[str, ColumnKind] | None = None) -> str:
    """``df`` as CSV text (for a download button)."""
    buf = io.StringIO()
    write_frame(df, buf, kinds)
    return buf.getvalue()
