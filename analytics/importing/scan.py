"""The typed scan of a staged CSV: one read of the file into ``typedt`` (every field parsed, the first
failing check per row, the evidence of the whole-file profile), its structural rejects into ``rej``.

Deal files with an id column are *streamed*: ``typedt`` keeps only each row's verdict and
evidence (a few bytes a row, its rowid still the record's index), and ``final`` is a view that
parses the CSV again when the rows are written. Reading a CSV costs a fraction of writing its
rows, so checking in one read and writing in a second writes every row once, where a full
staging copy would write it twice; the copy is made only when rows must be compared with each
other (ids that repeat) or numbered in file order (files with no id column, other kinds).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import duckdb

from analytics.importing import (
    column_profile,
    csv_source,
    mapping,
    one_read_plan,
    owner_ids,
    parsing,
    read_sql,
    reject_lines,
)
from analytics.importing.field_sql import FieldSQL
from analytics.importing.parsing import q
from analytics.importing.read_sql import read_csv_sql
from analytics.importing.stage_types import Check, RefusalError, Stage, _stamp


def run_scan(conn: duckdb.DuckDBPyConnection, stage: Stage, sql_for_path: Callable[[Path], str]) -> None:
    """Run the statement ``sql_for_path(path)`` over the CSV; unreadable files are refused."""
    src = stage.src
    try:
        conn.execute(sql_for_path(src.read_path))
    except duckdb.InvalidInputException as exc:
        if "invalid state" not in str(exc):
            raise RefusalError(f"{src.file_name}: unreadable CSV: {str(exc).splitlines()[0]}") from None
        # Mixed CRLF/LF line endings trip the strict parser: normalise them in a copy.
        fixed = csv_source.normalise_newlines(src.read_path)
        src.close()
        src.read_path, src.transcoded = fixed, True
        stage.scan_notes.append("mixed line endings (CRLF and LF) normalised")
        conn.execute(sql_for_path(fixed))


# The sample's read buffer holds four lines of this length: DuckDB fills its whole buffer before the
# first row, so the import's 64 MiB buffer read all of a 58 MB file for 20,000 rows (0.038 s against
# 0.013). A longer line is left out of the sample (a reject of its scan, which nothing reads): the
# whole file proves or changes the plan, with the longest lines the import allows.
SAMPLE_MAX_LINE = 1 << 20


def sample(conn: duckdb.DuckDBPyConnection, stage: Stage) -> None:
    """The profile of the first rows (a bounded read of the file's head)."""
    raw = stage.t("raw")
    run_scan(conn, stage, lambda path: f"CREATE TEMP TABLE {raw} AS "
                                        f"{read_csv_sql(stage.src, stage.sources, path, max_line=SAMPLE_MAX_LINE)} "
                                        f"LIMIT {column_profile.SAMPLE_ROWS}")
    stage.sample = column_profile.sample_profile(conn, raw, stage.by_field, stage.kind)
    owner_ids.remember_head(conn, stage, raw)  # (the rep column's first values: read here, not again)
    conn.execute(f"DROP TABLE {raw}")


def _narrow(typedt: str, kept: list[str], packed: list[str]) -> tuple[str, str]:
    """(the SELECT list a streamed scan keeps, the ``typed`` view's SELECT over it): ``packed`` text
    columns (``rej`` among them) go into one ``detail`` JSON column and come out by name again."""
    return ", ".join([*kept, f"{read_sql.detail_sql(packed)} AS detail"]), read_sql.detail_view(typedt, packed)


def scan_typed(conn: duckdb.DuckDBPyConnection, stage: Stage, body: str,
                narrow: tuple[str, str] | None = None) -> None:
    """``typedt`` from one scan of the CSV (``body`` continues the CTE chain after ``l0``; ``narrow``,
    when given, is :func:`_narrow`'s pair: only that part of its rows is kept); structural rejects
    (rows DuckDB could not split into the header's columns) go to ``rej``."""
    src, typedt = stage.src, stage.t("typedt")
    conn.execute(f"DROP VIEW IF EXISTS {stage.t('typed')}")
    conn.execute(f"DROP TABLE IF EXISTS {typedt}")
    conn.execute(f"DROP TABLE IF EXISTS {stage.t('rej')}")
    before = reject_lines.reject_scan_max(conn)
    temp = "" if "." in typedt else "TEMP "

    def sql(path: Path) -> str:
        rows = f"WITH l0 AS ({read_csv_sql(src, stage.sources, path)}), {body}"
        return f"CREATE {temp}TABLE {typedt} AS " + (f"SELECT {narrow[0]} FROM ({rows})" if narrow else rows)

    in_threads = not src.quoted_line_breaks
    run_scan(conn, stage, sql)
    stage.stamp = _stamp(src.read_path)
    # typedt keeps file order, so its rowid is the record's index among the rows DuckDB accepted.
    view = narrow[1] if narrow else f"SELECT rowid AS row_idx, * FROM {typedt}"
    conn.execute(f"CREATE TEMP VIEW {stage.t('typed')} AS {view}")
    reject_lines.read_structural_rejects(conn, stage, before)
    if in_threads and src.quoted_line_breaks:  # (DuckDB's threads misread records that span lines)
        scan_typed(conn, stage, body, narrow)


def create_typed(conn: duckdb.DuckDBPyConnection, stage: Stage, by_field: mapping.ByField,
                 fields: dict[str, FieldSQL], extra: dict[str, str], checks: list[Check],
                 verdicts: dict[str, str] | None = None, *, planning: bool) -> bool:
    """``typed``: row_idx, every field's value, ``extra`` derived columns and the first failing check.

    Read straight from the CSV (no all-text copy of the file): while planning from the sample this
    is the scan; afterwards the scan is reused when the plan is the same and run again otherwise.
    A streamed stage keeps only ``rej``, the evidence and ``verdicts`` (name -> SQL over the typed
    columns) of each row.

    Whether the kind's shaping goes on: False while planning (the scan ran, or the one read's
    write was planned), when the rest of the shaping waits for the whole file's profile."""
    raw_cols = [c for cols in by_field.values() for _, c in cols]
    # Each level is computed once per row and read by the next: cheap parses first, regex last.
    levels = [raw_cols]
    for i in range(3):
        levels.append([f"{expr} AS {name}" for lv in stage.levels for name, expr in lv[i]])
    levels.append([f"{v} AS {c}_v" for c, v in stage.source_values.items()])
    levels.append([f"{f.value} AS {q(n)}" for n, f in fields.items()])
    levels.append([f"{v} AS {q(n)}" for n, v in extra.items()])
    ctes, prev = [], "l0"
    for i, cols in enumerate(levels[1:], start=1):
        if cols:
            ctes.append(f"l{i} AS (SELECT {', '.join(['*', *cols])} FROM {prev})")
            prev = f"l{i}"
    all_checks = [ch for f in fields.values() for ch in f.checks] + checks
    keep = ", ".join([*(q(n) for n in fields), *(q(n) for n in extra)])
    plan = f"{', '.join(ctes)} SELECT {keep}, {parsing.reject_struct_sql(all_checks)} AS rej"
    # The rows as final reads them: the plan's values with a cheap pass/fail verdict for rej.
    stage.rows_body = f"{', '.join(ctes)} SELECT {keep}, {parsing.passes_checks_sql(all_checks)} AS ok FROM {prev}"
    if planning or plan != stage.typed_plan:
        evidence = column_profile.evidence_columns(by_field, stage.kind, stage.sample, stage.orders, stage.casts)
        if stage.reading.once:
            assert verdicts is not None, "a stage written once is streamed: its kind gives the verdicts"
            one_read_plan.plan_write(stage, plan, evidence, verdicts, prev, planning=planning)
            return False
        narrow = None
        if stage.reading.streamed:
            kept = [n for n, _ in evidence if n.endswith("_cls")]  # (a date class per row: never NULL)
            narrow = _narrow(stage.t("typedt"), [*kept, *(f"{e} AS {n}" for n, e in (verdicts or {}).items())],
                             ["rej", *(n for n, _ in evidence if n not in kept)])
        scan_typed(conn, stage, f"{plan}, {', '.join(f'{e} AS {n}' for n, e in evidence)} FROM {prev}"
                    if evidence else f"{plan} FROM {prev}", narrow)
        stage.typed_plan = plan
        if planning:
            return False
    conn.execute(f"INSERT INTO {stage.t('rej')} SELECT NULL, rej.column, rej.value, rej.reason, row_idx "
                 f"FROM {stage.t('typed')} WHERE rej IS NOT NULL")
    return True
