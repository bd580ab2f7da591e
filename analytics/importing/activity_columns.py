"""An activity report laid out by type column (``Rep, Week, Calls, Emails, Meetings``): a row per rep and
period, a column of counts per activity type, as CRM activity dashboards export it. It is read as the long
form (``Rep, Week, Activity Type, Count``) is: each cell with a count is an activity row of its row's rep
and date, of the type its column's header names, with ``count`` the cell.

Detection by names takes such a file for a roster (a rep column and nothing it knows), a deal report
(``Date`` a close date, ``Total`` an amount) or a log with a count and no type column. Two or more columns
named for activity types (the words :func:`labels.normalise_activity_type` knows: Calls, Emails Sent,
Meetings Held) whose values in the file's head are numbers make it a report by type column instead
(:func:`type_count_mapping`): each such column is mapped to :data:`TYPE_COUNT`. A roster's e-mail or
phone column is named for a type too, but holds addresses and numbers with signs and spaces, not counts.

Left out, with a note: a column named as a total (``Total``, ``Total Calls``: the others' sum) or as a
measure of activities rather than their number (``Connect Rate %``, ``Talk Time``, ``Avg Calls``), and
any other column. Refused, saying why: two columns of one type (``Calls Made`` and ``Calls Connected``:
parts of one count, or one a part of the other?), no date column, an id column (a row is several
activities), or a roster forced on such a file (``--kind reps``).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

import duckdb

from analytics import quoting
from analytics.importing import header_text, labels, read_sql
from analytics.importing.csv_source import SourceFile
from analytics.importing.fields import FIELD_BY_NAME, TYPE_COUNT
from analytics.importing.parsing import lit
from analytics.importing.stage_types import RefusalError, Stage

LOOKED_AT = 1000      # rows whose values decide whether a column holds counts
COUNT_SHARE = 0.9     # of its filled values, the share that must read as numbers

# Words of a header that measures activities other than by their number done (a rate, an average, a time),
# or names a number of them to do (a quota of calls is no call made).
_MEASURE_WORDS = frozenset({"rate", "ratio", "percent", "percentage", "pct", "avg", "average", "mean", "median",
                            "duration", "time", "minutes", "minute", "min", "mins", "hours", "hour", "hrs",
                            "seconds", "secs", "sec", "length", "per", "share", "value", "amount", "revenue",
                            "quota", "target", "goal", "plan", "planned", "budget", "forecast", "expected"})
# The fields a names-based detection may have given a report by type column's other columns: its rep,
# its date, a total taken for a deal's amount or a log's count. Any other field says the file is that kind.
_EXPLAINED = {"reps": None, "activities": {"rep", "activity_date", "count", "status", "done"},
              "deals": {"rep", "close_date", "created_date", "amount"}}
_DATE_FIELDS = {f for fields in FIELD_BY_NAME.values() for f, spec in fields.items() if spec.type == "date"}


def header_type(header: str) -> str | None:
    """The activity type a column's header names as a count of it, or None (not a type, a total, a measure).

    >>> [header_type(h) for h in ("Calls Made", "Emails", "Total Calls", "Connect Rate %", "Talk Time", "Call Quota")]
    ['call', 'email', None, None, None, None]
    """
    said = labels.normalise_activity_type(header)
    if not said.known or is_total(header) or set(re.findall(r"[a-z]+", header.lower())) & _MEASURE_WORDS \
            or "%" in header:
        return None
    return said.value


def is_total(header: str) -> bool:
    """Whether a header names a row's total (Total, Total Calls, Activities Total)."""
    return bool(re.fullmatch(labels.TOTAL_ROW_PATTERN, header_text.without_unit(header) or "-"))


def candidates(kind: str | None, field_map: Mapping[str, str], headers: tuple[str, ...] | list[str]) -> list[str]:
    """The headers whose values :func:`count_columns` reads, when a names-based detection (``kind``,
    ``field_map``) may have missed a report by type column: two types at least named by headers it left
    to be counts, and no field of its own kind beyond what such a report has (:data:`_EXPLAINED`); else [].

    >>> candidates("reps", {"Rep": "rep"}, ["Rep", "Week", "Calls", "Emails"])
    ['Calls', 'Emails']
    >>> candidates("deals", {"Deal ID": "deal_id", "Rep": "rep"}, ["Deal ID", "Rep", "Calls", "Emails"])
    []
    """
    if kind not in _EXPLAINED:
        return []
    explained = _EXPLAINED[kind]
    if explained is not None and not set(field_map.values()) <= explained:
        return []
    named = {h: t for h in headers if field_map.get(h) not in ("rep", *_DATE_FIELDS) and (t := header_type(h))}
    return list(named) if len(set(named.values())) >= 2 else []


def count_columns(conn: duckdb.DuckDBPyConnection, src: SourceFile, headers: list[str]) -> list[str]:
    """Those of ``headers`` that name an activity type (:func:`header_type`) and hold counts (or nothing) in
    the file's first :data:`LOOKED_AT` rows; [] unless two types at least are found, one with counts."""
    types = {h: t for h in headers if (t := header_type(h))}
    if len(set(types.values())) < 2:
        return []
    named = list(types)
    read = read_sql.read_csv_sql(src, named, src.read_path)
    counts = ", ".join(f"count(nullif(trim(c{i}), '')), count(TRY_CAST(replace(trim(c{i}), ',', '') AS DOUBLE))"
                       for i in range(len(named)))
    row = conn.execute(f"SELECT {counts} FROM ({read} LIMIT {LOOKED_AT})").fetchall()[0]
    # (a column blank in the head counts: no demos in a rep's first weeks; but one column must hold counts)
    found = [h for i, h in enumerate(named) if row[2 * i + 1] >= COUNT_SHARE * row[2 * i]]
    filled = any(row[2 * named.index(h)] for h in found)
    return found if filled and len({types[h] for h in found}) >= 2 else []


def type_count_mapping(headers: list[str], columns: list[str], by_names: Mapping[str, str],
                       as_activities: Mapping[str, str]) -> dict[str, str]:
    """The mapping of a report by type column: its rep and date (from the activities' detection
    ``as_activities``, else the rep of ``by_names``) and each of ``columns`` a :data:`TYPE_COUNT`;
    raises ValueError (a refusal) when no column gives the date.

    >>> type_count_mapping(["Owner", "Month", "Calls", "Meetings"], ["Calls", "Meetings"], {"Owner": "rep"},
    ...                    {"Owner": "rep", "Month": "activity_date"})
    {'Owner': 'rep', 'Month': 'activity_date', 'Calls': 'type_count', 'Meetings': 'type_count'}
    """
    chosen = {h: f for h, f in as_activities.items() if f in ("rep", "activity_date") and h not in columns}
    if "rep" not in chosen.values():
        chosen.update({h: "rep" for h, f in by_names.items() if f == "rep" and h not in columns})
    if "activity_date" not in chosen.values():
        raise ValueError(f"columns {_shown(columns)} count activities by type, but no column gives their date "
                         "(Week, Date, Month): which days the counts are for is unclear. Add the date column, or "
                         "lay the file out long (Rep, Week, Activity Type, Count)")
    chosen.update(dict.fromkeys(columns, TYPE_COUNT))
    return {h: chosen[h] for h in headers if h in chosen}


def by_type_refusal(columns: list[str]) -> str:
    """Why a roster whose other columns count activities by type is refused (asked for as one), and how
    to import it.

    >>> by_type_refusal(["Calls", "Emails"]).split(":")[0]
    "columns 'Calls', 'Emails' count activities by type"
    """
    return (f"columns {_shown(columns)} count activities by type: an activity report by type column, which a "
            "roster would drop. Import it as activities (--kind activities): each cell is read as that many "
            "activities of its column's type")


def _shown(columns: list[str]) -> str:
    return ", ".join(quoting.quoted(h) for h in columns[:4]) + (" ..." if len(columns) > 4 else "")


@dataclass(frozen=True)
class TypeColumn:
    """A column of counts by type: its header (the stored raw type), its name in the SQL (c0, c1, ...),
    the type it counts."""

    header: str
    column: str
    type: str


def of_file(by_field: Mapping[str, list[tuple[str, str]]], headers: list[str], type_overrides: dict[str, str],
            notes: list[str]) -> list[TypeColumn]:
    """The file's columns of counts by type (each column's type: the manager's activity type map, else the
    words :func:`labels.normalise_activity_type` knows), with ``notes`` saying how it is read and what is
    left out; refused when it stays ambiguous (module docstring)."""
    columns = [TypeColumn(h, c, labels.normalise_activity_type(h, type_overrides).value)
               for h, c in by_field.get(TYPE_COUNT, [])]
    if "activity_id" in by_field:
        raise RefusalError(f"line 1: column {quoting.quoted(by_field['activity_id'][0][0])} is an activity id, "
                           f"but columns {_shown([c.header for c in columns])} count activities by type: a row is "
                           "several activities, which one id cannot name. Leave the id column out (--map 'COLUMN=-')")
    if "type" in by_field or "count" in by_field:
        long = next(h for f in ("type", "count") for h, _ in by_field.get(f, []))
        raise RefusalError(f"line 1: column {quoting.quoted(long)} gives each row's activity type or count, but "
                           f"columns {_shown([c.header for c in columns])} count activities by type: which holds "
                           "is unclear. Keep one layout (--map 'COLUMN=-')")
    for i, col in enumerate(columns):
        if same := [o for o in columns[:i] if o.type == col.type]:
            raise RefusalError(f"line 1: columns {quoting.quoted(same[0].header)} and {quoting.quoted(col.header)} "
                               f"both count {col.type}s: whether they are parts of one count or one counts a part "
                               f"of the other is unclear, so they are not summed. Keep one (--map "
                               f"'{quoting.shown(col.header)}=-'), or lay the file out long")
    mapped = {h for cols in by_field.values() for h, _ in cols}
    taken = ", ".join(f"{quoting.quoted(c.header)} -> {c.type}" for c in columns)
    notes.append(f"read by type column: each cell is that many activities of its row's rep and date ({taken})")
    left = [h for h in headers if h not in mapped]
    if other := [h for h in left if not header_type(h)]:
        notes.append(f"column(s) {_shown(other)} ignored: not a count of one activity type (a total, a rate, a time "
                     "or another column), never summed")
    if typed := [h for h in left if header_type(h)]:
        notes.append(f"column(s) {_shown(typed)} ignored: named for an activity type but not read as its counts "
                     "(left out, or not holding counts)")
    return columns


def cells_sql(columns: list[TypeColumn]) -> str:
    """A DuckDB list of one struct per column, ``{'i': its place, 'r': raw type, 't': type, 'n': the cell's
    count}``, over a typed row whose cells are ``{column}_cell``."""
    return "[" + ", ".join(f"{{'i': {i}, 'r': {lit(c.header)}, 't': {lit(c.type)}, 'n': {c.column}_cell}}"
                           for i, c in enumerate(columns)) + "]"


# The stored columns of a cell's activity row (x: the cell's struct); a row's key is its rep, date, raw
# type and place among the file's cells of those three, in file order, as a long-form log's is.
CELL_COLUMNS = {"type": "x.t", "raw_type": "x.r", "count": "x.n", "activity_id": "NULL::VARCHAR",
                "key_seq": "row_number() OVER (PARTITION BY activity_date, rep, x.r ORDER BY row_idx)::INTEGER"}


def write_final(conn: duckdb.DuckDBPyConnection, stage: Stage, columns: list[TypeColumn], select: str) -> None:
    """``final``: a row per cell with a count, in file order (the preview reads as the file), ``select`` over
    the typed row and its cell ``x``; a note counts the cells with none (blank or 0), skipped: no activity."""
    typed = f"{stage.t('typed')} WHERE rej IS NULL"
    conn.execute(f"CREATE TEMP VIEW {stage.t('final')} AS SELECT {select} FROM (SELECT *, unnest({cells_sql(columns)}) "
                 f"AS x FROM {typed}) WHERE coalesce(x.n, 0) <> 0 ORDER BY row_idx, x.i")
    blanks = " + ".join(f"count(*) FILTER (WHERE coalesce({c.column}_cell, 0) = 0)" for c in columns)
    if n_blank := conn.execute(f"SELECT {blanks} FROM {typed}").fetchall()[0][0]:
        stage.notes.append(f"{n_blank} cell(s) with no count (blank or 0) skipped")
