"""Staging one CSV in TEMP tables: one scan, one profile query, typed rows, rejects, final rows.

Tables (per connection, names carry a token): ``raw`` (the mapped columns as text, in file
order), ``typed`` (parsed values and the first failing check per row), ``final`` (rows exactly
as they will be stored) and ``rej`` (line, column, value, reason). Nothing here writes to a
data table; :mod:`analytics.importer` commits ``final`` and ``rej`` in one transaction.
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass, field
from datetime import date, timedelta

import duckdb
import numpy as np

from analytics import csv_source, mapping, parsing
from analytics.parsing import lit, q
from analytics.periods import parse_period


class RefusalError(Exception):
    """The staged file cannot be imported at all (one line)."""


@dataclass
class Stage:
    token: str
    kind: str
    rows_read: int = 0
    rows_rejected: int = 0
    rows_skipped: int = 0
    n_final: int = 0
    notes: list[str] = field(default_factory=list)
    struct_lines: set = field(default_factory=set)
    currency: str | None = None
    levels: list = field(default_factory=list)         # per date column: its cheap-first parse levels
    source_values: dict = field(default_factory=dict)  # raw column -> parsed value SQL

    def t(self, name: str) -> str:
        return f"imp_{name}_{self.token}"


MAX_LINE = 16 * 1024 * 1024


def drop(conn, stage: Stage | None) -> None:
    if stage is None:
        return
    views = {r[0] for r in conn.execute("SELECT view_name FROM duckdb_views() WHERE temporary").fetchall()}
    for name in ("final", "raw", "typed", "rej", "rejrows"):
        kind = "VIEW" if stage.t(name) in views else "TABLE"
        conn.execute(f"DROP {kind} IF EXISTS {stage.t(name)}")


def _reject_scan_max(conn) -> int:
    try:
        return conn.execute("SELECT coalesce(max(scan_id), -1) FROM reject_scans").fetchall()[0][0]
    except duckdb.Error:
        return -1


def _scan(conn, src: csv_source.SourceFile, stage: Stage, sources: list[str]) -> None:
    columns = "{" + ", ".join(f"{lit(h)}: 'VARCHAR'" for h in src.headers) + "}"
    select = ", ".join(f"{q(h)} AS c{i}" for i, h in enumerate(sources))
    before = _reject_scan_max(conn)

    def run(path):
        conn.execute(
            f"CREATE TEMP TABLE {stage.t('raw')} AS SELECT {select} FROM read_csv({lit(str(path))}, "
            f"columns = {columns}, header = true, auto_detect = false, delim = {lit(src.delimiter)}, "
            f"quote = '\"', escape = '\"', skip = {src.skip_lines}, store_rejects = true, "
            f"strict_mode = true, max_line_size = {MAX_LINE}, buffer_size = {4 * MAX_LINE})")

    try:
        run(src.read_path)
    except duckdb.InvalidInputException as exc:
        if "invalid state" not in str(exc):
            raise RefusalError(f"{src.file_name}: unreadable CSV: {str(exc).splitlines()[0]}") from None
        # Mixed CRLF/LF line endings trip the strict parser: normalise them in a copy.
        fixed = csv_source.normalise_newlines(src.read_path)
        src.close()
        src.read_path, src.transcoded = fixed, True
        stage.notes.append("mixed line endings (CRLF and LF) normalised")
        run(fixed)
    errors = []
    if _reject_scan_max(conn) > before:
        errors = conn.execute(
            "SELECT line_byte_position, column_name, csv_line, error_type, error_message FROM reject_errors "
            "WHERE scan_id > ? ORDER BY line_byte_position", [before]).fetchall()
    # DuckDB reports a short row once per missing column: one reject per line is enough.
    errors = list({e[0]: e for e in reversed(errors)}.values())[::-1]
    lines = csv_source.lines_at_offsets(src.read_path, [e[0] for e in errors])
    conn.execute(f"CREATE TEMP TABLE {stage.t('rej')} (line BIGINT, column_name VARCHAR, value VARCHAR, "
                 "reason VARCHAR, row_idx BIGINT)")
    if errors:
        conn.executemany(
            f"INSERT INTO {stage.t('rej')} VALUES (?, ?, ?, ?, NULL)",
            [[lines.get(pos), col, (text or "")[:500].rstrip("\r\n"), _structural_reason(kind, msg)]
             for pos, col, text, kind, msg in errors])
    stage.struct_lines = {lines.get(e[0]) for e in errors}


def _structural_reason(kind: str, message: str) -> str:
    return {
        "MISSING COLUMNS": "too few columns",
        "TOO MANY COLUMNS": "too many columns",
        "UNQUOTED VALUE": "unterminated or stray quote",
        "INVALID ENCODING": "invalid characters for the file's encoding",
        "LINE SIZE OVER MAXIMUM": "line longer than 16 MiB",
    }.get(kind, kind.lower()) + f" ({message})"


# ---- labels (few distinct values, parsed in Python) -------------------------------------------

_WEEK_RE = re.compile(r"^(\d{4})-?W(\d{1,2})$", re.I)
_MONTH_NAME_RE = re.compile(r"^([A-Za-z]{3,9})[ -](\d{4})$")


def period_interval(label: str, fiscal_start: int) -> tuple[date, date] | None:
    """(start, end) of a period label: 2026-11, 2026-Q4, Q4 2026, FY2027-Q1, 2026-W05, Nov 2026, 2026, a date."""
    text = str(label).strip()
    try:
        p = parse_period(text, fiscal_start)
        return p.start, p.end
    except ValueError:
        pass
    if m := _WEEK_RE.match(text):
        start = date.fromisocalendar(int(m.group(1)), int(m.group(2)), 1)
        return start, start + timedelta(days=6)
    if m := _MONTH_NAME_RE.match(text):
        month = mapping.month_of_header(m.group(1))
        if month:
            return _month(int(m.group(2)), month)
    if re.fullmatch(r"(FY)?\d{4}", text, re.I):
        year = int(text[-4:])
        start = date(year if fiscal_start == 1 else year - 1, fiscal_start, 1)
        return start, date(start.year + 1, start.month, 1) - timedelta(days=1)
    try:
        d = date.fromisoformat(text[:10])
    except ValueError:
        return None
    return _month(d.year, d.month)


def _month(year: int, month: int) -> tuple[date, date]:
    start = date(year, month, 1)
    nxt = date(year + (month == 12), month % 12 + 1, 1)
    return start, nxt - timedelta(days=1)


# ---- building the typed table ---------------------------------------------------------------------

@dataclass
class FieldSQL:
    value: str
    checks: list = field(default_factory=list)   # (condition, header, value SQL, reason SQL)


def _profile(conn, stage, by_field, kind) -> dict:
    """Everything column-wide decisions need, in two aggregate queries over the staged text."""
    aggs, date_cols = ["count(*) AS n_rows"], []
    for name, cols in by_field.items():
        ftype = mapping.FIELD_BY_NAME[kind][name].type
        for _header, c in cols:
            if ftype == "date":
                date_cols.append(c)
                if kind == "activities":
                    aggs.append(f"list(DISTINCT {c}) FILTER (WHERE {parsing.iso_sql(c)} IS NULL "
                                f"AND try_strptime({c}, {parsing.STRPTIME_FORMATS['mdy']!r}) IS NULL) AS {c}_labels")
            elif ftype == "amount":
                aggs += parsing.amount_profile_sql(c, c)
            elif ftype == "label":
                aggs.append(f"list(DISTINCT {c}) AS {c}_labels")
    if kind == "deals" and "deal_id" in by_field:
        c = by_field["deal_id"][0][1]
        aggs.append(f"count({c}) - count(DISTINCT {c}) AS dup_ids")
    row = conn.execute(f"SELECT {', '.join(aggs)} FROM {stage.t('raw')}")
    names = [d[0] for d in row.description]
    prof = dict(zip(names, row.fetchall()[0], strict=True))
    if date_cols:
        classes = ", ".join(f"{parsing.date_class_sql(c)} AS k_{c}" for c in date_cols)
        keys = ", ".join(f"k_{c}" for c in date_cols)
        examples = ", ".join(f"any_value({c})" for c in date_cols)
        groups = conn.execute(f"SELECT {keys}, count(*), {examples} FROM (SELECT *, {classes} FROM "
                              f"{stage.t('raw')}) GROUP BY {keys}").fetchall()
        prof.update(parsing.date_profile(groups, date_cols))
    return prof


def build(conn, src: csv_source.SourceFile, kind: str, field_map: dict[str, str], *,
          date_order: str | None, unit: float | None, fiscal_start: int,
          type_overrides: dict[str, str]) -> Stage:
    """Scan, profile, parse and shape the file; raises :class:`RefusalError`."""
    stage = Stage(token=uuid.uuid4().hex[:10], kind=kind)
    sources = list(field_map)
    by_field: dict[str, list[tuple[str, str]]] = {}
    for i, h in enumerate(sources):
        by_field.setdefault(field_map[h], []).append((h, f"c{i}"))
    try:
        _scan(conn, src, stage, sources)
        prof = _profile(conn, stage, by_field, kind)
        n_struct = conn.execute(f"SELECT count(*) FROM {stage.t('rej')}").fetchall()[0][0]
        stage.rows_read = prof["n_rows"] + n_struct
        if stage.rows_read == 0:
            raise RefusalError(f"{src.file_name}: the file has a header row but no data rows")
        fields = _field_sql(stage, kind, by_field, prof, date_order, unit)
        from analytics import import_kinds
        import_kinds.shape(conn, stage, kind, by_field, fields, prof, fiscal_start, type_overrides)
        _resolve_lines(conn, stage, src)
        stage.rows_rejected = conn.execute(
            f"SELECT count(*) FILTER (WHERE row_idx IS NULL) + count(DISTINCT row_idx) FROM {stage.t('rej')}"
        ).fetchall()[0][0]
        stage.n_final = conn.execute(f"SELECT count(*) FROM {stage.t('final')}").fetchall()[0][0]
        return stage
    except BaseException:
        drop(conn, stage)
        raise


def _field_sql(stage, kind, by_field, prof, date_order, unit) -> dict[str, FieldSQL]:
    notes = stage.notes
    # Date order: per column, else what another date column of the file proved, else assumed.
    orders = {c: parsing.decide_date_order(prof, c, h, date_order, notes)
              for name, cols in by_field.items() if mapping.FIELD_BY_NAME[kind][name].type == "date"
              for h, c in cols}
    proven = [o for o in orders.values() if o]
    for c, order in list(orders.items()):
        if order:
            continue
        header = next(h for cols in by_field.values() for h, cc in cols if cc == c)
        dots = prof[f"{c}_dots"] == prof[f"{c}_amb"]
        if proven:
            orders[c] = proven[0]
            notes.append(f"column {header!r}: dates are ambiguous; {parsing.ORDER_NAMES[proven[0]]} "
                         "taken from another date column of the file")
        else:
            orders[c] = "dmy" if dots else "mdy"
            notes.append(f"column {header!r}: every date is ambiguous (day and month both 12 or less, e.g. "
                         f"03/04/2024); assumed {parsing.ORDER_NAMES[orders[c]]}. If that is wrong, re-import "
                         f"with date_order='{'mdy' if dots else 'dmy'}' (CLI --date-order "
                         f"{'mdy' if dots else 'dmy'})")
    currencies: set[str] = set()
    unit_headers: dict[float, list[str]] = {}
    out: dict[str, FieldSQL] = {}
    for name, cols in by_field.items():
        ftype = mapping.FIELD_BY_NAME[kind][name].type
        values, checks = [], []
        for header, c in cols:
            if ftype == "date":
                parts = f"{c}_parts"
                stage.levels.append(parsing.date_levels(c, orders[c]))
                v = parsing.date_sql(c, parts, orders[c])
                checks += [(cond, header, c, why) for cond, why in
                           parsing.date_checks(c, f"{c}_v", parts, orders[c], header)]
            elif ftype == "amount":
                currencies |= parsing.currencies_in(prof[f"{c}_cur"])
                header_unit = mapping.unit_of_header(header)
                u = unit or header_unit or 1.0
                if header_unit and not unit:
                    unit_headers.setdefault(header_unit, []).append(header)
                style = parsing.decide_decimal(prof, c, header, None, notes)
                v = parsing.amount_sql(c, style, u)
                checks += [(cond, header, c, why) for cond, why in parsing.amount_checks(c, f"{c}_v", header)]
            elif ftype == "count":
                v = parsing.count_sql(c)
                checks.append((f"NOT {parsing.blank(c)} AND ({c}_v IS NULL OR {c}_v < 0)", header, c,
                               f"'not a count: ' || {c}"))
            else:
                v = parsing.text_sql(c)
            stage.source_values[c] = v
            values.append(f"{c}_v")
        if name == "currency":
            for _header, c in cols:
                currencies |= {parsing.currency_code(x) for x in (prof.get(f"{c}_labels") or []) if x and x.strip()}
        out[name] = FieldSQL(values[0] if len(values) == 1 else f"coalesce({', '.join(values)})", checks)
    for mult, headers in unit_headers.items():
        notes.append(f"unit from the column header(s) {', '.join(headers[:3])}{' ...' if len(headers) > 3 else ''}: "
                     f"values multiplied by {mult:g}" + (" (in thousands)" if mult == 1000 else "")
                     + "; pass unit=1 (--unit 1) to keep them as they are")
    if unit and unit != 1:
        notes.append(f"amounts multiplied by {unit:g} (unit option)")
    if len(currencies) > 1:
        raise RefusalError(f"more than one currency in the file ({', '.join(sorted(currencies))}); "
                      "split it into one file per currency")
    stage.currency = next(iter(currencies), None)
    return out


def create_typed(conn, stage: Stage, by_field, fields: dict[str, FieldSQL], extra: dict[str, str],
                 checks: list) -> None:
    """``typed``: row_idx, every field's value, ``extra`` derived columns and the first failing check."""
    raw_cols = [c for cols in by_field.values() for _, c in cols]
    # Each level is computed once per row and read by the next: cheap parses first, regex last.
    levels = [["rowid AS row_idx", *raw_cols]]
    for i in range(3):
        levels.append([f"{expr} AS {name}" for lv in stage.levels for name, expr in lv[i]])
    levels.append([f"{v} AS {c}_v" for c, v in stage.source_values.items()])
    levels.append([f"{f.value} AS {q(n)}" for n, f in fields.items()])
    levels.append([f"{v} AS {q(n)}" for n, v in extra.items()])
    ctes, prev = [], stage.t("raw")
    for i, cols in enumerate(levels):
        if i and not cols:
            continue
        ctes.append(f"l{i} AS (SELECT {', '.join(cols if i == 0 else ['*', *cols])} FROM {prev})")
        prev = f"l{i}"
    all_checks = [ch for f in fields.values() for ch in f.checks] + checks
    keep = ", ".join(["row_idx", *(q(n) for n in fields), *(q(n) for n in extra)])
    conn.execute(f"CREATE TEMP TABLE {stage.t('typed')} AS WITH {', '.join(ctes)} "
                 f"SELECT {keep}, {parsing.reject_struct_sql(all_checks)} AS rej FROM {prev}")
    conn.execute(f"INSERT INTO {stage.t('rej')} SELECT NULL, rej.column, rej.value, rej.reason, row_idx "
                 f"FROM {stage.t('typed')} WHERE rej IS NOT NULL")
    conn.execute(f"DROP TABLE {stage.t('raw')}")


def _resolve_lines(conn, stage: Stage, src: csv_source.SourceFile) -> None:
    """Physical line of each row-level reject (only computed when there are some)."""
    row = conn.execute(f"SELECT max(row_idx), count(row_idx) FROM {stage.t('rej')}").fetchall()[0]
    if not row[1]:
        return
    starts = csv_source.record_start_lines(src.read_path, src.skip_lines,
                                           {x for x in stage.struct_lines if x}, int(row[0]) + 1)
    table = {"row_idx": np.arange(len(starts), dtype=np.int64), "line": starts}
    conn.register(f"imp_lines_{stage.token}", _arrow(table))
    conn.execute(f"UPDATE {stage.t('rej')} r SET line = l.line FROM imp_lines_{stage.token} l "
                 "WHERE r.row_idx = l.row_idx")
    conn.unregister(f"imp_lines_{stage.token}")


def _arrow(columns: dict):
    import pyarrow as pa

    return pa.table(columns)
