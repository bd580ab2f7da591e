"""The SQL that reads a staged CSV: its mapped columns (``read_csv``), and the JSON that carries a
row's few rare verdict columns together."""

from __future__ import annotations

from pathlib import Path

from analytics.importing import csv_source, reader_casts
from analytics.importing.parsing import lit, q

MAX_LINE = 16 * 1024 * 1024


def read_csv_sql(src: csv_source.SourceFile, sources: list[str], path: str | Path, *, skip: int | None = None,
              casts: reader_casts.ReaderCasts = reader_casts.NONE, buffer_lines: int = 4,
              max_line: int = MAX_LINE) -> str:
    """``SELECT`` of the mapped columns (c0, c1, ...) from the CSV, in file order: as text, but
    for the columns ``casts`` has the reader type; DuckDB's read buffer holds ``buffer_lines``
    lines of the longest length read (``max_line``: a longer line is a reject of the scan)."""
    typed = {sources[int(c[1:])]: t for c, t in casts.types.items()}
    columns = "{" + ", ".join(f"{lit(h)}: {lit(typed.get(h, 'VARCHAR'))}" for h in src.headers) + "}"
    select = ", ".join(f"{q(h)} AS c{i}" for i, h in enumerate(sources))
    dateformat = f"dateformat = {lit(casts.dateformat)}, " if casts.dateformat else ""
    return (f"SELECT {select} FROM read_csv({lit(str(path))}, columns = {columns}, header = true, "
            f"auto_detect = false, delim = {lit(src.delimiter)}, quote = '\"', escape = '\"', {dateformat}"
            f"skip = {src.skip_lines if skip is None else skip}, store_rejects = true, strict_mode = true, "
            f"max_line_size = {max_line}, buffer_size = {buffer_lines * max_line}{', parallel = false' * src.quoted_line_breaks})")


# A streamed stage's verdict columns that are NULL on almost every row travel together as one JSON
# text (NULL when all are): 20 bytes a row instead of 60 at 10M rows.
_REJ_JSON = '{"column": "VARCHAR", "value": "VARCHAR", "reason": "VARCHAR"}'


def detail_sql(packed: list[str], exprs: dict[str, str] | None = None) -> str:
    """One JSON text of the ``packed`` columns (``rej`` among them; ``exprs`` may give one as an
    expression instead), NULL when all are."""
    value = {n: (exprs or {}).get(n, n) for n in packed}
    present = " OR ".join(f"{v} IS NOT NULL" for v in value.values())
    return f"CASE WHEN {present} THEN to_json({{{', '.join(f'{lit(n)}: {v}' for n, v in value.items())}}}) END"


def detail_view(typedt: str, packed: list[str], *, numbered: bool = False) -> str:
    """The ``typed`` view's SELECT over ``typedt``: its ``detail`` JSON unpacked into columns by name.
    ``row_idx`` is typedt's rowid (file order), or its own column when ``numbered``."""
    shape = "{" + ", ".join(f'"{n}": ' + (_REJ_JSON if n == "rej" else '"VARCHAR"') for n in packed) + "}"
    rows = "*" if numbered else "rowid AS row_idx, *"
    return (f"SELECT row_idx, * EXCLUDE (row_idx, detail, d), {', '.join(f'd.{n} AS {n}' for n in packed)} "
            f"FROM (SELECT {rows}, CASE WHEN detail IS NOT NULL THEN json_transform(detail, {lit(shape)}) "
            f"END AS d FROM {typedt})")
