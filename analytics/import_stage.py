"""Staging one CSV in TEMP tables: a sample profile, one typed scan, rejects, final rows.

Tables (per connection, names carry a token): ``raw`` (the text of the first rows, for the
sample profile only), ``typedt`` (parsed values, the first failing check per row and the
evidence of :mod:`analytics.import_profile`, read straight from the CSV in file order; the view
``typed`` adds ``row_idx``), ``final`` (rows exactly as they will be stored) and ``rej`` (line,
column, value, reason). Nothing here writes to a data table; :mod:`analytics.importer` commits
``final`` and ``rej`` in one transaction.

Deal files with an id column are *streamed*: ``typedt`` keeps only each row's verdict and
evidence (a few bytes a row, its rowid still the record's index), and ``final`` is a view that
parses the CSV again when the rows are written. Reading a CSV costs a fraction of writing its
rows, so checking in one read and writing in a second writes every row once, where a full
staging copy would write it twice; the copy is made only when rows must be compared with each
other (ids that repeat) or numbered in file order (files with no id column, other kinds).
"""

from __future__ import annotations

import contextlib
import os
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import duckdb

from analytics import (
    csv_records,
    csv_source,
    import_cast,
    import_lines,
    import_profile,
    import_temp,
    mapping,
    parsing,
)
from analytics.import_fields import Check, FieldSQL, RefusalError, field_sql
from analytics.parsing import lit, q

if TYPE_CHECKING:
    from analytics.import_once import WritePlan


@dataclass
class Stage:
    token: str
    kind: str
    src: csv_source.SourceFile
    rows_read: int = 0
    rows_rejected: int = 0
    rows_skipped: int = 0
    n_final: int = 0
    notes: list[str] = field(default_factory=list)
    left_out: import_lines.LeftOut = field(default_factory=dict)  # records the scan left out (DuckDB's line
                                                     # is right only when every record is one line)
    counted_lines: Callable[[], int | None] | None = None  # the file's lines, when a pass over it counts them
    currency: str | None = None
    levels: list = field(default_factory=list)         # per date column: its cheap-first parse levels
    source_values: dict = field(default_factory=dict)  # raw column -> parsed value SQL
    orders: dict = field(default_factory=dict)         # date column -> 'dmy' | 'mdy'
    sources: list = field(default_factory=list)        # mapped CSV headers, read as c0, c1, ...
    by_field: mapping.ByField = field(default_factory=dict)
    sample: dict = field(default_factory=dict)         # the sample's profile (import_profile)
    planning: bool = False                             # planning from the sample: scan, then stop
    typed_plan: str | None = None                      # the typed SQL the scan ran (sans evidence)
    scan_notes: list = field(default_factory=list)    # notes from reading the file (shared while planning)

    spill: str | None = None                           # staging database file for typedt (large files)
    lines_job: import_lines.LinesJob | None = None
    stream: bool = False                               # typedt holds verdicts only; final re-reads the CSV
    rows_body: str | None = None                       # the typed rows' CTEs after l0, with ok (see rows_sql)
    stamp: tuple[int, int] | None = None                         # (size, mtime) of the file the checks read
    once: bool = False                                 # written once: the commit's INSERT is the scan (import_once)
    write_plan: WritePlan | None = None                # (written once) what its INSERT reads
    reader_casts: bool = False                         # (written once) the reader may type plain columns
    casts: import_cast.ReaderCasts = import_cast.NONE  # the reader's casts the plan was made with
    write_select: str | None = None                    # the stored columns as SQL over the typed rows
    records: int | None = None                         # records DuckDB accepted (when typedt holds weights)
    import_id: int | None = None                       # (written once: the import the rows carry)
    options: dict = field(default_factory=dict)        # build()'s parsing options, for shaping again

    def t(self, name: str) -> str:
        # (only typedt: the commit's tables must be TEMP, as one transaction writes to one database)
        if self.spill and name == "typedt" and not self.stream:
            return f"imp_spill_{self.token}.imp_{name}_{self.token}"
        return f"imp_{name}_{self.token}"

    def rows_sql(self) -> str:
        """The typed rows (every column, and ``ok``: whether every check passed) read from the CSV."""
        return f"WITH l0 AS ({_read_csv(self.src, self.sources, self.src.read_path, casts=self.casts)}), {self.rows_body}"

    def source_unchanged(self) -> bool:
        return self.stamp == _stamp(self.src.read_path)


def _stamp(path: str | Path) -> tuple[int, int]:
    st = os.stat(path)
    return st.st_size, st.st_mtime_ns


MAX_LINE = 16 * 1024 * 1024
# Above this size the typed rows are staged in a database file of their own instead of a TEMP
# table: a TEMP table keeps every row in memory (about 1.5x the CSV) until the commit, while a
# file-backed table is written compressed as it fills and its blocks can be let go. That costs
# some time (compression, writes), so smaller files stay in memory.
SPILL_BYTES = 256 * 1024 * 1024


def _attach_spill(conn: duckdb.DuckDBPyConnection, stage: Stage) -> None:
    path = str(import_temp.stage_path())  # (named for this process: a killed one's is removed later)
    conn.execute(f"ATTACH {lit(path)} AS imp_spill_{stage.token}")
    stage.spill = path


def exists(conn: duckdb.DuckDBPyConnection, stage: Stage) -> bool:
    """Whether the stage's final rows are still there (a plan kept for a later commit)."""
    if stage.once:  # (planned only: its rows are read when they are written)
        return True
    name = stage.t("final")
    return conn.execute("SELECT (SELECT count(*) FROM duckdb_views() WHERE view_name = ?) + "
                        "(SELECT count(*) FROM duckdb_tables() WHERE table_name = ?)", [name, name]).fetchall()[0][0] > 0


def drop(conn: duckdb.DuckDBPyConnection, stage: Stage | None) -> None:
    if stage is None:
        return
    views = {r[0] for r in conn.execute("SELECT view_name FROM duckdb_views() WHERE temporary").fetchall()}
    for name in ("final", "raw", "typed", "typedt", "rej", "rejrows"):
        kind = "VIEW" if stage.t(name) in views else "TABLE"
        conn.execute(f"DROP {kind} IF EXISTS {stage.t(name)}")
    conn.execute(f"DROP TABLE IF EXISTS imp_typedt_{stage.token}")  # a streamed stage's verdicts
    if stage.src is not None:
        stage.src.close()
    if stage.spill:
        conn.execute(f"DETACH DATABASE IF EXISTS imp_spill_{stage.token}")
        for suffix in ("", ".wal"):
            with contextlib.suppress(FileNotFoundError):
                os.unlink(stage.spill + suffix)
        stage.spill = None


def _read_csv(src: csv_source.SourceFile, sources: list[str], path: str | Path, *, skip: int | None = None,
              casts: import_cast.ReaderCasts = import_cast.NONE) -> str:
    """``SELECT`` of the mapped columns (c0, c1, ...) from the CSV, in file order: as text, but
    for the columns ``casts`` has the reader type."""
    typed = {sources[int(c[1:])]: t for c, t in casts.types.items()}
    columns = "{" + ", ".join(f"{lit(h)}: {lit(typed.get(h, 'VARCHAR'))}" for h in src.headers) + "}"
    select = ", ".join(f"{q(h)} AS c{i}" for i, h in enumerate(sources))
    dateformat = f"dateformat = {lit(casts.dateformat)}, " if casts.dateformat else ""
    return (f"SELECT {select} FROM read_csv({lit(str(path))}, columns = {columns}, header = true, "
            f"auto_detect = false, delim = {lit(src.delimiter)}, quote = '\"', escape = '\"', {dateformat}"
            f"skip = {src.skip_lines if skip is None else skip}, store_rejects = true, strict_mode = true, "
            f"max_line_size = {MAX_LINE}, buffer_size = {4 * MAX_LINE})")


def _run_scan(conn: duckdb.DuckDBPyConnection, stage: Stage, sql_for_path: Callable[[Path], str]) -> None:
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


def _sample(conn: duckdb.DuckDBPyConnection, stage: Stage) -> None:
    """The profile of the first rows (a bounded read of the file's head)."""
    raw = stage.t("raw")
    _run_scan(conn, stage, lambda path: f"CREATE TEMP TABLE {raw} AS {_read_csv(stage.src, stage.sources, path)} "
                                        f"LIMIT {import_profile.SAMPLE_ROWS}")
    stage.sample = import_profile.sample_profile(conn, raw, stage.by_field, stage.kind)
    conn.execute(f"DROP TABLE {raw}")


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


def _narrow(typedt: str, kept: list[str], packed: list[str]) -> tuple[str, str]:
    """(the SELECT list a streamed scan keeps, the ``typed`` view's SELECT over it): ``packed`` text
    columns (``rej`` among them) go into one ``detail`` JSON column and come out by name again."""
    return ", ".join([*kept, f"{detail_sql(packed)} AS detail"]), detail_view(typedt, packed)


def _scan_typed(conn: duckdb.DuckDBPyConnection, stage: Stage, body: str,
                narrow: tuple[str, str] | None = None) -> None:
    """``typedt`` from one scan of the CSV (``body`` continues the CTE chain after ``l0``; ``narrow``,
    when given, is :func:`_narrow`'s pair: only that part of its rows is kept); structural rejects
    (rows DuckDB could not split into the header's columns) go to ``rej``."""
    src, typedt = stage.src, stage.t("typedt")
    conn.execute(f"DROP VIEW IF EXISTS {stage.t('typed')}")
    conn.execute(f"DROP TABLE IF EXISTS {typedt}")
    conn.execute(f"DROP TABLE IF EXISTS {stage.t('rej')}")
    before = import_lines.reject_scan_max(conn)
    temp = "" if "." in typedt else "TEMP "

    def sql(path: Path) -> str:
        rows = f"WITH l0 AS ({_read_csv(src, stage.sources, path)}), {body}"
        return f"CREATE {temp}TABLE {typedt} AS " + (f"SELECT {narrow[0]} FROM ({rows})" if narrow else rows)

    _run_scan(conn, stage, sql)
    stage.stamp = _stamp(src.read_path)
    # typedt keeps file order, so its rowid is the record's index among the rows DuckDB accepted.
    view = narrow[1] if narrow else f"SELECT rowid AS row_idx, * FROM {typedt}"
    conn.execute(f"CREATE TEMP VIEW {stage.t('typed')} AS {view}")
    import_lines.read_structural_rejects(conn, stage, before)


# ---- building the typed table ---------------------------------------------------------------------

class _Scanned(Exception):  # noqa: N818 (control flow, not an error)
    """Raised by :func:`create_typed` while planning: the typed pass has run, stop shaping."""


class PlanChanged(Exception):  # noqa: N818 (control flow, not an error)
    """A file written once (:mod:`analytics.import_once`) needs what its one read cannot give: its
    whole-file profile asks for another plan than the sample's, its ids repeat, or a reject's
    record cannot be placed. The transaction is rolled back and the file staged the two-read way;
    with ``casts`` (a value the reader's cast read that the text plan reads otherwise), written
    once again without reader casts."""

    def __init__(self, message: str, *, casts: bool = False) -> None:
        super().__init__(message)
        self.casts = casts


def _shape(conn: duckdb.DuckDBPyConnection, stage: Stage, prof: dict, *, planning: bool) -> None:
    from analytics import import_kinds

    o = stage.options
    stage.levels, stage.source_values = [], {}  # (a stage written once is shaped again after its write)
    fields = field_sql(stage, stage.kind, stage.by_field, prof, o["date_order"], o["unit"], planning=planning)
    import_kinds.shape(conn, stage, stage.kind, stage.by_field, fields, prof, o["fiscal_start"],
                       o["type_overrides"])


def build(conn: duckdb.DuckDBPyConnection, src: csv_source.SourceFile, kind: str, field_map: dict[str, str],
          *, date_order: str | None, unit: float | None, fiscal_start: int, type_overrides: dict[str, str],
          write_once: bool = False, reader_casts: bool = True) -> Stage:
    """Scan, profile, parse and shape the file; raises :class:`RefusalError`.

    With ``write_once`` (a commit into an empty ``deals``), a deal file that would be streamed is
    only planned from its sample: its one read is the commit's INSERT (:mod:`analytics.import_once`),
    with the reader's own casts where the sample allows (``reader_casts``, :mod:`analytics.import_cast`)."""
    options = {"date_order": date_order, "unit": unit, "fiscal_start": fiscal_start,
               "type_overrides": type_overrides}
    stage = Stage(token=uuid.uuid4().hex[:10], kind=kind, src=src, sources=list(field_map), options=options)
    for i, h in enumerate(stage.sources):
        stage.by_field.setdefault(field_map[h], []).append((h, f"c{i}"))
    by_field = stage.by_field

    def planned(stream: bool, once: bool = False, casts: bool = False) -> Stage:
        plan = Stage(token=stage.token, kind=kind, src=src, sources=stage.sources, by_field=by_field,
                     sample=stage.sample, planning=True, scan_notes=stage.scan_notes, spill=stage.spill,
                     stream=stream, once=once, options=options, reader_casts=casts)
        with contextlib.suppress(_Scanned):
            _shape(conn, plan, stage.sample, planning=True)
        return plan

    def scan_planned(stream: bool) -> tuple[Stage, dict]:
        plan = planned(stream)
        return plan, import_profile.full_profile(conn, plan.t("typed"), by_field, kind, stage.sample,
                                                 stream=stream)

    try:
        if src.size > SPILL_BYTES:
            _attach_spill(conn, stage)
        _sample(conn, stage)
        stream = kind == "deals" and "deal_id" in by_field and not stage.sample.get("dup_ids")
        if stream and write_once:
            plan = planned(True, once=True, casts=reader_casts)
            if plan.write_plan is not None:
                if plan.casts:  # the records the reader's casts refuse are read again as text
                    plan.write_plan.text = planned(True, once=True).write_plan
                plan.planning, plan.notes = False, []
                return plan
        # Plan the typed pass from the sample and run it (the one full scan); its evidence gives
        # the whole file's profile. Shaping again from that profile reuses the scan when the plan
        # is the same, and scans again with the right plan when the sample misled it.
        plan, prof = scan_planned(stream)
        if plan.stream and prof["dup_ids"] is None:  # ids may repeat: their rows are compared whole
            conn.execute(f"DROP TABLE {plan.t('typedt')}")
            plan, prof = scan_planned(False)
        stage.stream, stage.stamp = plan.stream, plan.stamp
        stage.typed_plan, stage.left_out = plan.typed_plan, plan.left_out
        complete(conn, stage, prof)
        return stage
    except BaseException:
        drop(conn, stage)
        raise


def complete(conn: duckdb.DuckDBPyConnection, stage: Stage, prof: dict) -> None:
    """Shape a scanned stage from its whole-file profile: rows read, notes, rejects, ``final``."""
    import_lines.start(conn, stage)
    n_struct = conn.execute(f"SELECT count(*) FROM {stage.t('rej')}").fetchall()[0][0]
    stage.rows_read = prof["n_rows"] + n_struct
    if stage.rows_read == 0:
        raise RefusalError(f"{stage.src.file_name}: the file has a header row but no data rows")
    if problem := _count_problem(stage):
        raise RefusalError(problem)
    stage.notes = list(stage.scan_notes)
    _shape(conn, stage, prof, planning=False)
    stage.rows_rejected = conn.execute(
        f"SELECT count(*) FILTER (WHERE row_idx IS NULL) + count(DISTINCT row_idx) FROM {stage.t('rej')}"
    ).fetchall()[0][0]
    if stage.stream:  # n_final was counted from the verdicts with the notes; let the verdicts go
        conn.execute(f"DROP VIEW {stage.t('typed')}")
        conn.execute(f"DROP TABLE {stage.t('typedt')}")
    else:
        stage.n_final = conn.execute(f"SELECT count(*) FROM {stage.t('final')}").fetchall()[0][0]


def _count_problem(stage: Stage) -> str | None:
    """Why the rows read are not the file's records (:mod:`analytics.csv_records`: a stray quote
    that swallowed lines, a count the reader and the file's line breaks disagree on), or None."""
    src = stage.src
    n_lines = src.n_lines if src.n_lines is not None else csv_source.line_count(src.read_path)
    return csv_records.count_problem(src.file_name, src.read_path, src.delimiter, src.skip_lines, n_lines,
                                     stage.rows_read)


def create_typed(conn: duckdb.DuckDBPyConnection, stage: Stage, by_field: mapping.ByField,
                 fields: dict[str, FieldSQL], extra: dict[str, str], checks: list[Check],
                 verdicts: dict[str, str] | None = None) -> None:
    """``typed``: row_idx, every field's value, ``extra`` derived columns and the first failing check.

    Read straight from the CSV (no all-text copy of the file): while planning from the sample this
    is the scan; afterwards the scan is reused when the plan is the same and run again otherwise.
    A streamed stage keeps only ``rej``, the evidence and ``verdicts`` (name -> SQL over the typed
    columns) of each row."""
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
    if stage.planning or plan != stage.typed_plan:
        evidence = import_profile.evidence_columns(by_field, stage.kind, stage.sample, stage.orders, stage.casts)
        if stage.once:
            from analytics import import_once

            assert verdicts is not None, "a stage written once is streamed: its kind gives the verdicts"
            import_once.plan_write(stage, plan, evidence, verdicts, prev)
        narrow = None
        if stage.stream:
            kept = [n for n, _ in evidence if n.endswith("_cls")]  # (a date class per row: never NULL)
            narrow = _narrow(stage.t("typedt"), [*kept, *(f"{e} AS {n}" for n, e in (verdicts or {}).items())],
                             ["rej", *(n for n, _ in evidence if n not in kept)])
        _scan_typed(conn, stage, f"{plan}, {', '.join(f'{e} AS {n}' for n, e in evidence)} FROM {prev}"
                    if evidence else f"{plan} FROM {prev}", narrow)
        stage.typed_plan = plan
        if stage.planning:
            raise _Scanned
    conn.execute(f"INSERT INTO {stage.t('rej')} SELECT NULL, rej.column, rej.value, rej.reason, row_idx "
                 f"FROM {stage.t('typed')} WHERE rej IS NOT NULL")
