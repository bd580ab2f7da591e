"""Staging one CSV in TEMP tables: a sample profile, one typed scan, rejects, final rows.

:func:`build` plans the typed scan from the file's first rows (:mod:`analytics.importing.scan`), runs
it, and shapes the stage from the whole file's profile (:func:`complete`: notes, rejects,
``final``). Nothing here writes to a data table; :mod:`analytics.importing.commit` writes ``final``
and ``rej`` in one transaction.
"""

from __future__ import annotations

import uuid

import duckdb

from analytics.importing import (
    attendee_rows,
    column_profile,
    csv_lines,
    csv_records,
    csv_source,
    reject_lines,
    report_footer,
    scan,
    shaping,
    temp_files,
    unread_columns,
)
from analytics.importing.field_sql import field_sql
from analytics.importing.fields import TYPE_COUNT
from analytics.importing.file_profile import FileProfile
from analytics.importing.parsing import lit
from analytics.importing.stage_types import Reading, RefusalError, Stage, drop

# Above this size the typed rows are staged in a database file of their own instead of a TEMP
# table: a TEMP table keeps every row in memory (about 1.5x the CSV) until the commit, while a
# file-backed table is written compressed as it fills and its blocks can be let go. That costs
# some time (compression, writes), so smaller files stay in memory.
SPILL_BYTES = 256 * 1024 * 1024


def _attach_spill(conn: duckdb.DuckDBPyConnection, stage: Stage) -> None:
    path = str(temp_files.stage_path())  # (named for this process: a killed one's is removed later)
    conn.execute(f"ATTACH {lit(path)} AS imp_spill_{stage.token}")
    stage.spill = path


def _shape(conn: duckdb.DuckDBPyConnection, stage: Stage, prof: FileProfile, *, planning: bool) -> None:
    o = stage.options
    stage.levels, stage.source_values = [], {}  # (a stage written once is shaped again after its write)
    fields = field_sql(stage, stage.kind, stage.by_field, prof, o["date_order"], o["unit"], planning=planning)
    shaping.shape(conn, stage, stage.kind, stage.by_field, fields, prof, o["fiscal_start"],
                  o["label_overrides"], planning=planning)


def build(conn: duckdb.DuckDBPyConnection, src: csv_source.SourceFile, kind: str, field_map: dict[str, str],
          *, date_order: str | None, unit: float | None, fiscal_start: int, label_overrides: dict[str, str],
          write_once: bool = False, reader_casts: bool = True,
          stored_currencies: tuple[str, ...] | None = None, stored_are_sample: bool = False) -> Stage:
    """Scan, profile, parse and shape the file; raises :class:`RefusalError`.

    With ``write_once`` (a commit into an empty table), a deal file that would be streamed, or an
    activity log without ids, is only planned from its sample: its one read is the commit's INSERT (:mod:`analytics.importing.one_read`),
    with the reader's own casts where the sample allows (``reader_casts``, :mod:`analytics.importing.reader_casts`).
    ``stored_currencies``: the stored deals' currencies (None when none is stored), which a deal or quota
    file's currency must be one of (:mod:`analytics.importing.field_sql`); ``stored_are_sample``: they are
    the sample company's (a refusal then says to clear it); ``label_overrides``: the manager's map of the
    kind's labels (activity types, or deal stages' outcomes)."""
    options = {"date_order": date_order, "unit": unit, "fiscal_start": fiscal_start,
               "label_overrides": label_overrides, "stored_currencies": stored_currencies,
               "stored_are_sample": stored_are_sample}
    stage = Stage(token=uuid.uuid4().hex[:10], kind=kind, src=src, sources=list(field_map), options=options)
    for i, h in enumerate(stage.sources):
        stage.by_field.setdefault(field_map[h], []).append((h, f"c{i}"))
    by_field = stage.by_field

    def planned(reading: Reading) -> Stage:
        plan = Stage(token=stage.token, kind=kind, src=src, sources=stage.sources, by_field=by_field,
                     sample=stage.sample, scan_notes=stage.scan_notes, spill=stage.spill,
                     reading=reading, options=options)
        _shape(conn, plan, stage.sample, planning=True)  # (stops after the scan, or the write's plan)
        return plan

    def scan_planned(reading: Reading) -> tuple[Stage, FileProfile]:
        plan = planned(reading)
        return plan, column_profile.full_profile(conn, plan.t("typed"), by_field, kind, stage.sample,
                                                 stream=reading.streamed)

    try:
        if src.size > SPILL_BYTES:
            _attach_spill(conn, stage)
        scan.sample(conn, stage)
        src.text_as_head()  # (the facts of a text pass run beside the sample, before the plan's SQL needs them)
        stream = kind == "deals" and "deal_id" in by_field and not stage.sample.dup_ids
        # An activity log without ids is written once too, with no reader casts: the records they
        # refuse are written after the others, and its key_seq numbers the written rows in their order.
        # (A report by type column is not: a row is written as one activity a cell, activity_columns.)
        # (Nor is a log of a meeting once per attendee: its rows are compared, attendee_rows.)
        made_keys = (kind == "activities" and "activity_id" not in by_field and TYPE_COUNT not in by_field
                     and attendee_rows.FIELD not in by_field)
        if (stream or made_keys) and write_once:
            plan = planned(Reading.ONE_READ_CASTS if reader_casts and stream else Reading.ONE_READ)
            if plan.write_plan is not None:
                if plan.casts:  # the records the reader's casts refuse are read again as text
                    plan.write_plan.text = planned(Reading.ONE_READ).write_plan
                elif plan.reading is Reading.ONE_READ_CASTS:  # (no column the reader could type)
                    plan.reading = Reading.ONE_READ
                plan.notes = []
                return plan
        # Plan the typed pass from the sample and run it (the one full scan); its evidence gives
        # the whole file's profile. Shaping again from that profile reuses the scan when the plan
        # is the same, and scans again with the right plan when the sample misled it.
        plan, prof = scan_planned(Reading.STREAMED if stream else Reading.ROWS)
        if plan.reading.streamed and prof.dup_ids is None:  # ids may repeat: their rows are compared whole
            conn.execute(f"DROP TABLE {plan.t('typedt')}")
            plan, prof = scan_planned(Reading.ROWS)
        stage.reading, stage.stamp = plan.reading, plan.stamp
        stage.typed_plan, stage.left_out = plan.typed_plan, plan.left_out
        complete(conn, stage, prof)
        return stage
    except BaseException:
        drop(conn, stage)
        raise


def complete(conn: duckdb.DuckDBPyConnection, stage: Stage, prof: FileProfile) -> None:
    """Shape a scanned stage from its whole-file profile: rows read, notes, rejects, ``final``."""
    reject_lines.start(conn, stage)
    n_struct = conn.execute(f"SELECT count(*) FROM {stage.t('rej')}").fetchall()[0][0]
    stage.rows_read = prof.n_rows + n_struct
    if stage.rows_read == 0:
        raise RefusalError(f"{stage.src.file_name}: the file has a header row but no data rows")
    if problem := _count_problem(stage):
        raise RefusalError(problem)
    stage.notes = list(stage.scan_notes)
    _shape(conn, stage, prof, planning=False)
    footer = report_footer.set_aside(conn, stage)  # (a report's footer lines: neither rows nor rejects;
    stage.rows_read -= footer.lines                # after the shaping, which may scan again)
    stage.notes += footer.notes
    read = {h for cols in stage.by_field.values() for h, _ in cols}
    if quotas := unread_columns.unread_quota_note(stage.kind, stage.src.headers, read):
        stage.notes.append(quotas)  # (a roster's 'Annual Quota': left out, and said)
    stage.rows_rejected = conn.execute(
        f"SELECT count(*) FILTER (WHERE row_idx IS NULL) + count(DISTINCT row_idx) FROM {stage.t('rej')}"
    ).fetchall()[0][0]
    if stage.reading.streamed:  # n_final was counted from the verdicts with the notes; let the verdicts go
        conn.execute(f"DROP VIEW {stage.t('typed')}")
        conn.execute(f"DROP TABLE {stage.t('typedt')}")
    else:
        stage.n_final = conn.execute(f"SELECT count(*) FROM {stage.t('final')}").fetchall()[0][0]
    unread_quotas = unread_columns.quota_headers(stage.src.headers, read) if stage.kind == "reps" else []
    if unread_quotas and stage.n_final * 2 < stage.rows_read:   # (most rows repeat a rep: no roster)
        raise RefusalError(unread_columns.quota_sheet_refusal(stage.src.file_name, unread_quotas,
                                                              stage.rows_read, stage.n_final))


def _count_problem(stage: Stage) -> str | None:
    """Why the rows read are not the file's records (:mod:`analytics.importing.csv_records`: a stray quote
    that swallowed lines, a count the reader and the file's line breaks disagree on), or None."""
    src = stage.src
    n_lines = src.n_lines if src.n_lines is not None else csv_lines.line_count(src.read_path)
    return csv_records.count_problem(src.file_name, src.read_path, src.delimiter, src.skip_lines, n_lines,
                                     stage.rows_read)
