"""Per-kind shaping of staged rows: deals, activities, reps (roster), targets (quotas).

Each ``_kind`` function adds derived columns and row checks to ``typed`` and writes ``final``:
the rows exactly as they will be stored, one per table key. While a stage is planned
(:func:`analytics.importing.scan.create_typed` returns False) a shaper stops after its scan.
"""

from __future__ import annotations

from typing import Protocol

import duckdb

from analytics import quoting
from analytics.importing import (
    activity_columns,
    activity_period_dates,
    attendee_rows,
    cell_wrappers,
    column_profile,
    credit_notes,
    deal_kinds,
    deal_notes,
    event_dates,
    labels,
    mapping,
    order_lines,
    other_ids,
    outcomes,
    owner_ids,
    parsing,
    period_columns,
    period_labels,
    quota_metrics,
    quota_overlaps,
    quota_tiers,
    roster_status,
    snapshots,
)
from analytics.importing.deal_notes import DEAL_NOTES
from analytics.importing.field_sql import FieldSQL
from analytics.importing.fields import TYPE_COUNT
from analytics.importing.file_profile import FileProfile
from analytics.importing.parsing import lit, q
from analytics.importing.scan import create_typed
from analytics.importing.stage_types import Check, Reading, RefusalError, Stage
from analytics.importing.tables import TABLES, TYPES


def _col(fields: dict[str, FieldSQL], name: str) -> str:
    return q(name) if name in fields else f"NULL::{TYPES.get(name, 'VARCHAR')}"


# Columns read for what they say of a row, not stored: a file without deal ids makes them from its other
# columns, as it did before these were read (a re-import must make the same ids).
_NOT_IN_MADE_IDS = ("document_type", "pipeline")


def _first(by_field: mapping.ByField, name: str) -> tuple[str, str]:
    return by_field[name][0]


def _rep_checks(by_field: mapping.ByField) -> list[Check]:
    """A blank rep, and the names that are not a rep: a report's total row ('Total', 'Grand Total'),
    whose figures are the others' sum, or a row nobody owns ('Unassigned', 'N/A'), a blank by another
    name. (A pattern, not a list: DuckDB plans a list of more than four names, ``IN`` or
    ``list_contains``, as a join, which hands the one read's filter its rows out of file order. The
    pattern costs about 0.15 CPU s per 5M rows.)"""
    header, c = _first(by_field, "rep")
    why = (f"CASE WHEN regexp_full_match({q('rep')}, {lit(labels.TOTAL_ROW_PATTERN)}) THEN 'a total row, not a rep: "
           f"its figures are the sum of the others' WHEN regexp_full_match({q('rep')}, {lit(labels.TEAM_ROW_PATTERN)}) "
           f"THEN 'a team''s row, not a rep: ''' || {q('rep')} || ''' is no one person' ELSE 'rep is blank: ''' || {q('rep')} || ''' names no one' END")
    return [(f"{q('rep')} IS NULL", header, c, "'rep is blank'"),
            (f"regexp_full_match({q('rep')}, {lit(labels.NOT_A_REP_PATTERN)})", header, c, why)]


_YEAR_NO = f"TRY_CAST(regexp_extract({q('year')}, '(\\d{{4}})', 1) AS INT)"
"""A quota row's year: the first four digits of its year column (2024, FY2024)."""
_NOT_A_YEAR = "year_no IS NULL OR year_no NOT BETWEEN 1900 AND 2100"


def _labels(prof: FileProfile, by_field: mapping.ByField, name: str) -> list[str]:
    out = []
    for h, c in by_field.get(name, []):  # (the header row again is rejected: its 'Stage' is no stage)
        out += [t for v in prof.column(c).labels if (t := cell_wrappers.unwrapped(v)) and v.strip() != h]
    return sorted(set(out))


def _whole_file(prof: FileProfile, planning: bool) -> bool:
    """Whether ``prof`` holds the whole file's values: after the scan, or a sample the file fits in (so
    that a refusal on the labels of a file within the sample needs no second read)."""
    return not planning or prof.n_rows < column_profile.SAMPLE_ROWS


class _Shaper(Protocol):
    """A kind's shaping: each takes the options it needs of these (``label_overrides``: the kind's label map)."""

    def __call__(self, conn: duckdb.DuckDBPyConnection, stage: Stage, by_field: mapping.ByField,
                 fields: dict[str, FieldSQL], prof: FileProfile, *, fiscal_start: int,
                 label_overrides: dict[str, str], planning: bool) -> None: ...


def shape(conn: duckdb.DuckDBPyConnection, stage: Stage, kind: str, by_field: mapping.ByField,
          fields: dict[str, FieldSQL], prof: FileProfile, fiscal_start: int, label_overrides: dict[str, str], *,
          planning: bool) -> None:
    """Shape ``stage`` as its kind does; while ``planning`` (from the sample), stop after the scan."""
    shapers: dict[str, _Shaper] = {"deals": _deals, "activities": _activities, "reps": _reps,
                                   "targets": _targets}
    owner_ids.check(conn, stage, kind, by_field, planning=planning)  # (reps named by the CRM's ids, not names)
    shapers[kind](conn, stage, by_field, fields, prof, fiscal_start=fiscal_start,
                  label_overrides=label_overrides, planning=planning)


def _keep_last(conn: duckdb.DuckDBPyConnection, stage: Stage, select_sql: str, keys: list[str],
               what: str) -> None:
    """``final`` from ``select_sql`` (with row_idx); earlier rows repeating a key are rejects."""
    t = stage.t
    conn.execute(f"CREATE TEMP TABLE {t('rejrows')} AS SELECT *, row_number() OVER (PARTITION BY "
                 f"{', '.join(keys)} ORDER BY row_idx DESC) AS dup_rank FROM ({select_sql})")
    conn.execute(f"INSERT INTO {t('rej')} SELECT NULL, {lit(what)}, concat_ws(' / ', {', '.join(keys)}), "
                 f"'the same {what} appears again on a later row of the file; the later row is kept', row_idx "
                 f"FROM {t('rejrows')} WHERE dup_rank > 1")
    conn.execute(f"CREATE TEMP TABLE {t('final')} AS SELECT * EXCLUDE (row_idx, dup_rank) FROM {t('rejrows')} "
                 "WHERE dup_rank = 1 ORDER BY row_idx")
    conn.execute(f"DROP TABLE {t('rejrows')}")


def _deals(conn: duckdb.DuckDBPyConnection, stage: Stage, by_field: mapping.ByField,
           fields: dict[str, FieldSQL], prof: FileProfile, *, label_overrides: dict[str, str], planning: bool,
           **_: object) -> None:
    notes, t = stage.notes, stage.t
    # won, lost or open: the stage or status label, and the yes/no columns Won and Closed where given
    said = outcomes.deal_outcome(by_field, {n: _labels(prof, by_field, n) for n in (
        "status", "stage", *outcomes.FLAGS) if n in by_field}, whole_file=_whole_file(prof, planning),
        stages=label_overrides)  # (the manager's stage -> outcome map)
    notes += said.notes
    stage.unread_stages = said.unread
    checks = [*_rep_checks(by_field), *said.checks]
    extra = {"outcome": said.sql}
    close_h, close_c = _first(by_field, "close_date")
    amount_h, amount_c = _first(by_field, "amount")
    checks += [
        (f"outcome = 'won' AND {q('close_date')} IS NULL", close_h, close_c, "'won deal without a close date'"),
        (f"outcome = 'lost' AND {q('close_date')} IS NULL", close_h, close_c, "'lost deal without a close date'"),
        (f"outcome = 'won' AND {q('amount')} IS NULL", amount_h, amount_c, "'won deal without an amount'"),
        *event_dates.closed_deal_checks(q("close_date"), close_h, close_c),
    ]
    if "deal_id" in fields:
        id_h, id_c = _first(by_field, "deal_id")
        checks.append((f"{q('deal_id')} IS NULL", id_h, id_c, "'deal id is blank'"))
        id_sql = q("deal_id")
    else:
        raw = ", ".join(c for f, cols in by_field.items() if f not in _NOT_IN_MADE_IDS for _, c in cols)
        extra["row_hash"] = f"md5(concat_ws(chr(31), {raw}))"
        id_sql = (f"'{other_ids.MADE_ID_PREFIX}' || substr(row_hash, 1, 20) || '-' || "
                  "row_number() OVER (PARTITION BY row_hash ORDER BY row_idx)")
        if mapping.ORDER_OF_LINE in fields:  # order lines kept as deals: 'SO-1 #1', 'SO-1 #2', ...
            id_sql = order_lines.line_id_sql(id_sql)
        else:
            notes.append(other_ids.NO_ID_NOTE)
    cur = lit(stage.currency) if stage.currency else "NULL::VARCHAR"
    cols = {"deal_id": id_sql, "outcome": "outcome", "currency": cur}
    if credits := credit_notes.credit_values(_labels(prof, by_field, "document_type")):  # (a refund written
        extra["net_amount"] = credit_notes.amount_sql(q("amount"), q("document_type"), credits)  # positive; in the
        cols["amount"] = "net_amount"  # typed plan, so that a credit past the first rows plans the one read again)
        notes.append(credit_notes.note(_first(by_field, "document_type")[0], credits))
    new_business, existing = deal_kinds.kinds(_labels(prof, by_field, "document_type"))
    if new_business and existing:   # (bookings of both kinds: which a quota covers is the manager's to say)
        notes.append(deal_kinds.note(_first(by_field, "document_type")[0], new_business, existing))
    if len(pipelines := _labels(prof, by_field, "pipeline")) > 1:
        notes.append(deal_kinds.pipelines_note(_first(by_field, "pipeline")[0], pipelines))
    exprs = {n: cols.get(n, _col(fields, n)) for n in TABLES["deals"][2]}
    # (kept as stored; not a stage: an orders file's won deal that was stored open must not keep 'Negotiation')
    stage.unsaid = frozenset(n for n in exprs if n not in cols and n not in fields and n != "stage")
    select = ", ".join(f"{e} AS {n}" for n, e in exprs.items())
    verdicts, stage.write_select = None, select
    if stage.reading.streamed:  # what the checks and notes need of each row; the rows are read again to be written
        mask = deal_notes.mask_sql(exprs)
        key = column_profile.ID_REPEAT_KEY  # (hash(NULL) is a value: blank ids must not repeat)
        verdicts = {"id_hash": f"CASE WHEN {key} IS NOT NULL THEN hash({key}) END", "note_mask": f"({mask})::UTINYINT"}
    if not create_typed(conn, stage, by_field, fields, extra, checks, verdicts, planning=planning):
        return
    ok = f"FROM {t('typed')} WHERE rej IS NULL"
    if stage.reading.streamed:
        conn.execute(f"CREATE TEMP VIEW {t('final')} AS SELECT {select} FROM ({stage.rows_sql()}) WHERE ok")
    elif prof.dup_ids and snapshots.FIELD in fields:  # each deal once per snapshot: its latest is the deal
        snapshots.keep_latest(conn, stage, select, by_field)
    elif prof.dup_ids:  # order lines: summed into orders, implausible orders set aside
        order_lines.sum_lines(conn, stage, select, TABLES["deals"][2], _first(by_field, "deal_id")[0])
    else:  # one row per deal already: a view, not another copy
        # Kept order lines number each order's lines with a window: in file order, so the preview
        # (and the stored rows) read 'SO-1 #1', 'SO-1 #2' in the order the export wrote them.
        in_file_order = " ORDER BY row_idx" if mapping.ORDER_OF_LINE in fields else ""
        conn.execute(f"CREATE TEMP VIEW {t('final')} AS SELECT {select} {ok}{in_file_order}")
        if mapping.ORDER_OF_LINE in fields:
            notes.append(order_lines.kept_note(conn, ok, _first(by_field, mapping.ORDER_OF_LINE)[0]))
    _deal_notes(conn, stage, fields)


def _deal_notes(conn: duckdb.DuckDBPyConnection, stage: Stage, fields: dict[str, FieldSQL]) -> None:
    """Quirks worth a manager's eye, counted over the rows as they will be stored (a streamed
    stage counts them from each row's ``note_mask``, whose bit i is ``DEAL_NOTES[i]``)."""
    if stage.reading is Reading.STREAMED:
        counts = ", ".join(f"count(*) FILTER (WHERE note_mask & {1 << i} <> 0)" for i in range(len(DEAL_NOTES)))
        source = f"{stage.t('typed')} WHERE rej IS NULL"
    else:  # (a stage written once counts the rows it wrote)
        names = {n: n for n in TABLES["deals"][2]}
        counts = ", ".join(f"count(*) FILTER (WHERE {p.format(**names)})" for p in DEAL_NOTES)
        source = (stage.t("final") if stage.import_id is None  # (the import id is set by the write)
                  else f"deals WHERE import_id = {int(stage.import_id)}")
    *found, total = conn.execute(f"SELECT {counts}, count(*) FROM {source}").fetchall()[0]
    stage.n_final = total
    stage.notes += deal_notes.texts(found, total, created="created_date" in fields)


def _activities(conn: duckdb.DuckDBPyConnection, stage: Stage, by_field: mapping.ByField,
                fields: dict[str, FieldSQL], prof: FileProfile, *, fiscal_start: int,
                label_overrides: dict[str, str], planning: bool) -> None:
    notes, t = stage.notes, stage.t
    date_h, date_c = _first(by_field, "activity_date")
    if as_period := activity_period_dates.dates_from_period_labels(prof.column(date_c).labels[:5000], date_c,
                                                           fields["activity_date"], fiscal_start):
        fields["activity_date"], note = as_period
        notes.append(note)
    types, unknown = {}, []
    for label in _labels(prof, by_field, "type"):
        types[label], known = labels.normalise_activity_type(label, label_overrides)
        if not known:
            unknown.append(label)
    if unknown:
        notes.append(f"activity type(s) counted as 'other' (edit the activity type map to change): "
                     f"{', '.join(unknown[:20])}")
    # a report by type column (Rep, Week, Calls, Emails): a cell an activity row, of its column's type
    by_type = activity_columns.of_file(by_field, stage.src.headers, label_overrides, notes) if TYPE_COUNT in by_field \
        else None
    # an export of one type (HubSpot's calls export) has no type column: its headers name the type
    single = None if "type" in fields or by_type else labels.activity_type_of_headers(stage.src.headers)
    raw_type = lit(single.capitalize()) if single else q("type")
    extra = ({f"{c.column}_cell": f"{c.column}_v" for c in by_type} if by_type else  # (its cells, each typed)
             {"norm_type": lit(single) if single else f"coalesce({parsing.label_case_sql(q('type'), types, 'other')}, 'other')"})
    per_attendee = attendee_rows.FIELD in by_field and not by_type  # (a meeting once per attendee)
    if per_attendee and "activity_id" not in fields:
        extra.update(attendee_rows.typed_columns(by_field, raw_type))
    status_checks = outcomes.activity_done_checks(by_field, {n: _labels(prof, by_field, n) for n in (
        "status", "done") if n in by_field}, notes, whole_file=_whole_file(prof, planning))
    date_blank = (f"{q('activity_date')} IS NULL", date_h, date_c, "'activity date is blank'")  # (after 'not a date')
    # (a per-row log's total row has no date, so the blank date rejects it, and its rows of nobody
    # ('Unassigned') are named after the import as reps who own no deal; a pre-counted report's total
    # row may have a date, and only its rows pay for the comparison)
    reps = _rep_checks(by_field) if "count" in fields or by_type else _rep_checks(by_field)[:1]
    checks = [*reps, *status_checks, date_blank, *event_dates.activity_checks(q("activity_date"), date_h, date_c)]
    if "activity_id" in fields:  # (a stored row without an id is one whose key the import made)
        id_h, id_c = _first(by_field, "activity_id")
        checks.append((f"{q('activity_id')} IS NULL", id_h, id_c, "'activity id is blank'"))
    cols = {"type": "norm_type", "raw_type": raw_type,
            "count": f"coalesce({q('count')}, 1)" if "count" in fields else "1", "key_seq": "NULL::INTEGER"}
    verdicts = None
    if stage.reading.once:  # a log without ids written by the read that checks it (one_read.write)
        # (key_seq is numbered over the written rows, which keep file order: 1 until then)
        stored = {**cols, "activity_id": "NULL::VARCHAR", "key_seq": "1::INTEGER"}
        exprs = {n: stored.get(n, _col(fields, n)) for n in TABLES["activities"][2]}
        stage.write_select = ", ".join(f"{e} AS {n}" for n, e in exprs.items())
        # (the values of tables.ROW_HASH, typed as stored: a chunk with a reject is placed by them)
        hashed = {"rep": "VARCHAR", "activity_date": "DATE", "raw_type": "VARCHAR"}
        verdicts = {"id_hash": f"hash({', '.join(f'CAST({exprs[n]} AS {t})' for n, t in hashed.items())})"}
    if not create_typed(conn, stage, by_field, fields, extra, checks, verdicts, planning=planning):
        return
    if stage.reading.once:  # (the import id is set by the write)
        stage.n_final = conn.execute("SELECT count(*) FROM activities WHERE import_id = ?",
                                     [stage.import_id]).fetchall()[0][0]
        return
    if by_type:
        cells = {**cols, **activity_columns.CELL_COLUMNS}
        activity_columns.write_final(conn, stage, by_type, ", ".join(
            f"{cells.get(n, _col(fields, n))} AS {n}" for n in TABLES["activities"][2]))
        return
    if "activity_id" in fields:
        cols["activity_id"] = q("activity_id")
        select = ", ".join(f"{cols.get(n, _col(fields, n))} AS {n}" for n in TABLES["activities"][2])
        rows = f"SELECT row_idx, {select} FROM {t('typed')} WHERE rej IS NULL"
        if per_attendee and (said := attendee_rows.one_row_per_id(conn, t("final"), rows, by_field)):
            notes.append(said)  # (an id repeated for each attendee is one activity, not a reject)
            return
        _keep_last(conn, stage, rows, ["activity_id"], "activity id")
        return
    # No id column: a row's key is its rep, date, raw type and place among the file's rows with
    # those three (key_seq, in file order), so the same file gives the same keys again and rows
    # added to a later export leave the others' keys alone. No id text is stored (activity_id is
    # NULL; tables.key_sql makes the key text when rows are compared or logged): a unique string a
    # row, as the md5-based ids were, cost 40% of a first load (bench/README.md). The keys cannot
    # repeat within a file, so final stays a view (the window runs when the rows are written).
    cols["activity_id"] = "NULL::VARCHAR"
    # (the date first: a fixed-width sort key settles most comparisons; 0.4 of 6 CPU s less at 5M rows)
    cols["key_seq"] = f"row_number() OVER (PARTITION BY activity_date, rep, {raw_type} ORDER BY row_idx)::INTEGER"
    select = ", ".join(f"{cols.get(n, _col(fields, n))} AS {n}" for n in TABLES["activities"][2])
    rows = attendee_rows.passing_rows(conn, stage, by_field) if per_attendee else f"{t('typed')} WHERE rej IS NULL"
    conn.execute(f"CREATE TEMP VIEW {t('final')} AS SELECT {select} FROM {rows}")


def _reps(conn: duckdb.DuckDBPyConnection, stage: Stage, by_field: mapping.ByField,
          fields: dict[str, FieldSQL], prof: FileProfile, *, fiscal_start: int, planning: bool, **_: object) -> None:
    mapped = {h for cols in by_field.values() for h, _ in cols}  # (Q1 2024, Q2 2024 beside the names: quotas)
    if len(periods := period_labels.period_headers([h for h in stage.src.headers if h not in mapped], fiscal_start)) > 1:
        raise RefusalError(period_labels.by_period_refusal(periods))
    if counted := activity_columns.count_columns(conn, stage.src, [h for h in stage.src.headers if h not in mapped]):
        raise RefusalError(activity_columns.by_type_refusal(counted))  # (Calls, Emails by rep and week)
    checks = _rep_checks(by_field)
    if "start_date" in fields and "end_date" in fields:
        h, c = _first(by_field, "end_date")
        checks.append((f"{q('end_date')} < {q('start_date')}", h, c, "'end date before start date'"))
    if not create_typed(conn, stage, by_field, fields, {}, checks, planning=planning):
        return
    missing = [n for n in ("team", "manager", "region", "start_date", "end_date") if n not in fields]
    status = roster_status.status_field(fields)
    cols = {"active": roster_status.active_sql(stage, by_field, status, _labels(prof, by_field, status))
            if status else "NULL::BOOLEAN"}
    if "team" in missing and "manager" in fields:   # (a sales_teams sheet: a manager's reps are a team)
        missing.remove("team")
        cols["team"], note = roster_status.team_of_managers(conn, stage.t("typed"), _first(by_field, "manager")[0])
        stage.notes.append(note)
    if missing:
        # A roster of fewer columns (names and teams only; a file of names read as a roster) says nothing
        # of the rest: a rep already stored keeps their start date, team and status, a new rep has none.
        stored = conn.execute("SELECT count(*) FROM reps").fetchall()[0][0]
        stage.notes.append(f"roster has no {', '.join(missing)} column(s): "
                           + ("kept as stored for the reps already in the roster, left empty for new reps"
                              if stored else "left empty"))
    stage.unsaid = frozenset([*missing, *([] if status else ["active"])])
    if first_start := roster_status.first_start_sql(fields):
        cols["start_date"] = first_start
        stage.notes += roster_status.moved_notes(conn, stage)
    select = ", ".join(f"{cols.get(n, _col(fields, n))} AS {n}" for n in TABLES["reps"][2])
    _keep_last(conn, stage, f"SELECT row_idx, {select} FROM {stage.t('typed')} WHERE rej IS NULL", ["rep"], "rep")
    if status:
        stage.notes += roster_status.inactive_notes(conn, stage)


def _targets(conn: duckdb.DuckDBPyConnection, stage: Stage, by_field: mapping.ByField,
             fields: dict[str, FieldSQL], prof: FileProfile, *, fiscal_start: int, planning: bool,
             **_: object) -> None:
    t, notes = stage.t, stage.notes
    checks = _rep_checks(by_field)
    metric = quota_metrics.metric_sql(q("metric")) if "metric" in fields else "'revenue'"
    if "metric" in fields:    # ('Calls' is the metric call; 'ARR' none the pages know: its row rejected, named)
        metric_h, metric_c = _first(by_field, "metric")
        checks.append((f"{metric} IS NULL", metric_h, metric_c, quota_metrics.rejection_sql(metric_c)))
    if by_period := period_columns.of_file(by_field, fiscal_start):  # a column per period (Q1 2024; Jan beside a Year)
        read, totals = period_columns.checked(by_period)
        if calendar := period_labels.fiscal_calendar_note(
                {col.header: col.period.days for col in read if col.period.days}, fiscal_start):
            notes.append(calendar)
        mapped = {h for cols in by_field.values() for h, _ in cols}
        notes += period_columns.ignored_notes(stage.src.headers, mapped, totals, read,
                                              [h for h, _ in by_field.get("target", [])])
        extra = {f"{col.column}_cell": f"{col.column}_v" for col in read}
        if "year" in fields:
            year_h, year_c = _first(by_field, "year")
            extra["year_no"] = _YEAR_NO
            checks.append((_NOT_A_YEAR, year_h, year_c, f"'not a year: ' || coalesce({year_c}, '(blank)')")
                          if any(col.period.days is None for col in read)  # (else: their own year, which it must be)
                          else period_columns.year_check(read, fiscal_start, year_h, year_c))
        if not create_typed(conn, stage, by_field, fields, extra, checks, planning=planning):
            return
        cells = period_columns.cells_sql(read, "year_no")
        sql = (f"SELECT row_idx, rep, {metric} AS metric, x.s AS period_start, x.e AS period_end, x.v AS target FROM "
               f"(SELECT *, unnest({cells}) AS x FROM {t('typed')} WHERE rej IS NULL) WHERE x.v IS NOT NULL AND x.v <> 0")
        blanks = " + ".join(f"count(*) FILTER (WHERE coalesce({col.column}_cell, 0) = 0)" for col in read)
        n_blank = conn.execute(f"SELECT {blanks} FROM {t('typed')} WHERE rej IS NULL").fetchall()[0][0]
        if note := period_columns.blank_note(n_blank, read):
            notes.append(note)
    else:
        target_h, target_c = _first(by_field, "target")
        extra = {}
        if "period" in fields:
            period_h, period_c = _first(by_field, "period")
            found = {lab: period_labels.period_interval(lab, fiscal_start) for lab in _labels(prof, by_field, "period")}
            ivs = {k: v for k, v in found.items() if v}
            if calendar := period_labels.fiscal_calendar_note(ivs, fiscal_start):
                notes.append(calendar)
            start = "(CASE " + " ".join(f"WHEN {q('period')} = {lit(k)} THEN DATE {lit(v[0].isoformat())}"
                                        for k, v in ivs.items()) + " END)" if ivs else "NULL::DATE"
            end = "(CASE " + " ".join(f"WHEN {q('period')} = {lit(k)} THEN DATE {lit(v[1].isoformat())}"
                                      for k, v in ivs.items()) + " END)" if ivs else "NULL::DATE"
            # Q1, January beside a year column (Rep, Year, Quarter, Quota): the row's year places them
            yearless = {k: o for k in found if not found[k] and (o := period_labels.yearless_offset(k, fiscal_start))}
            # (or the year the quota column's header names: Sales Rep, Quarter, 2024 Target)
            header_year = None if "year" in fields else period_labels.year_of_header(target_h, fiscal_start)
            if yearless and ("year" in fields or header_year):
                extra["year_no"] = _YEAR_NO if "year" in fields else f"{header_year}::INTEGER"
                first = (f"(make_date(year_no, 1, 1) + to_months(CASE {q('period')} "
                         + " ".join(f"WHEN {lit(k)} THEN {o}" for k, (o, _) in yearless.items()) + " END))")
                lasting = (f"CASE {q('period')} " + " ".join(f"WHEN {lit(k)} THEN {n}" for k, (_, n) in yearless.items())
                           + " END")
                start = f"coalesce({start}, {first}::DATE)"
                end = f"coalesce({end}, ({first} + to_months({lasting}) - INTERVAL 1 DAY)::DATE)"
                if "year" in fields:
                    year_h, year_c = _first(by_field, "year")
                    checks.append((f"{parsing.one_of_sql(q('period'), list(yearless))} AND ({_NOT_A_YEAR})", year_h,
                                   year_c, f"'not a year for the period ' || {q('period')} || ': ' || coalesce({year_c}, '(blank)')"))
                else:
                    notes.append(f"periods without a year ({', '.join(sorted(yearless)[:4])}) are {header_year}'s, "
                                 f"as the column {quoting.quoted(target_h)} says")
            without_year = ("a quarter or month without a year: map a year column, or write 2026-Q4 or Nov 2026"
                            if yearless and "year" not in fields and not header_year else
                            "not a period label (expected 2026-11, 2026-Q4, Q4 2026 or a date)")
            checks.append((f"{q('period')} IS NULL OR {start} IS NULL", period_h, period_c,
                           f"'{without_year}: ' || coalesce({period_c}, '(blank)')"))
        else:
            start = q("period_start")
            end = f"coalesce({q('period_end')}, last_day({q('period_start')}))" if "period_end" in fields \
                else f"last_day({q('period_start')})"
            h, c = _first(by_field, "period_start")
            checks.append((f"{q('period_start')} IS NULL", h, c, "'period start is blank'"))
        if not create_typed(conn, stage, by_field, fields, {**extra, "p_start": start, "p_end": end}, checks,
                            planning=planning):
            return
        stage.rows_skipped = conn.execute(f"SELECT count(*) FROM {t('typed')} WHERE rej IS NULL AND "
                                          f"coalesce({q('target')}, 0) = 0").fetchall()[0][0]
        if stage.rows_skipped:
            notes.append(f"{stage.rows_skipped} row(s) with no target ('-', blank or 0) skipped")
        tier_kept = "TRUE"   # (a row per tier, the dashboard's own export: the base rows are the quotas)
        if "tier" in fields and (tier := quota_tiers.kept_tier(_labels(prof, by_field, "tier"))):
            tier_kept, other, note = quota_tiers.kept_rows(conn, t("typed"), _first(by_field, "tier")[0], tier)
            stage.rows_skipped += other
            notes.append(note)
        p_end = "p_end"
        if "period" not in fields and "period_end" not in fields:  # a start date alone: how long is a quota?
            quota_months = period_labels.months_between_starts(conn, t("typed"))
            p_end = f"(p_start + INTERVAL {quota_months} MONTH - INTERVAL 1 DAY)::DATE"
            notes.append(period_labels.start_only_note(quota_months))
        sql = (f"SELECT row_idx, rep, {metric} AS metric, p_start AS period_start, {p_end} AS period_end, "
               f"{q('target')} AS target FROM {t('typed')} WHERE rej IS NULL AND coalesce({q('target')}, 0) <> 0 "
               f"AND {tier_kept}")
    period = next((_first(by_field, n)[0] for n in ("period", "period_start", "year", mapping.PERIOD_QUOTA)
                   if n in fields), "period")
    sql = quota_overlaps.set_aside_overlaps(conn, sql, t("quota_rows"), t("rej"), period)
    _keep_last(conn, stage, sql, ["rep", "metric", "period_start", "period_end"], "rep and period")
    if long := period_labels.long_quota_note(conn, t("final")):
        notes.append(long)
