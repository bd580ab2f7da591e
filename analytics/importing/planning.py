"""Planning an import: the facts a file's plan needs read (the database, the file's head, the
staged rows), the plan decided from them (:mod:`analytics.importing.plan_decisions`, pure), its rows
staged and checked (:mod:`analytics.importing.staging`); nothing is written to a data table.

:func:`inspect_file` is the page's look at a file (a preview, the rejects, the notes); the commit
(:mod:`analytics.importing.commit`) stages the same plan again, kept for its write.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

import duckdb

from analytics import store
from analytics.importing import (
    activity_columns,
    csv_source,
    order_lines,
    plan_decisions,
    quota_overlaps,
    quota_units,
    reject_lines,
    stage_types,
    staging,
    temp_files,
)
from analytics.importing.plan_decisions import ImportPlan, MappingFacts, PlanOptions, StagedFacts
from analytics.importing.plan_decisions import refused as _refuse
from analytics.importing.saved_mappings import load_saved_mapping

if TYPE_CHECKING:
    import pandas

PREVIEW_ROWS = 20


def _plan(conn: duckdb.DuckDBPyConnection, path: str | Path, *, file_name: str | None, kind: str | None,
          preset: str | None, mapping_override: dict[str, str] | None, date_order: str | None,
          unit: float | None, keep: bool, exact_mapping: Mapping[str, str] | None = None,
          write_once: bool = False, reader_casts: bool = True,
          lines: str | None = None) -> tuple[ImportPlan, stage_types.Stage | None]:
    """The plan of ``path`` and, with ``keep`` (a commit to follow), its stage: the staged rows the
    commit writes (None when refused). Without ``keep`` the stage is dropped once the plan's
    preview and rejects are read."""
    path = Path(path)
    options = PlanOptions(kind=kind, preset=preset, mapping_override=mapping_override, date_order=date_order,
                          unit=unit, lines=lines, exact_mapping=exact_mapping)
    name = file_name or path.name
    plan = plan_decisions.opened_plan(name, str(path), (), options)
    if plan.refused:  # (options that cannot be used: refused before the file is opened)
        return plan, None
    try:  # (a commit's first load: the whole-file text pass runs beside the sample's read)
        src = csv_source.open_source(path, name, text_pass_beside=keep and write_once)
    except csv_source.RefusedFileError as exc:
        return _refuse(plan, str(exc)), None
    try:
        planned = _opened(conn, plan, src, options, keep=keep, write_once=write_once, reader_casts=reader_casts)
    except BaseException:
        if src.text_as_head():
            raise
        planned = None
    if planned is not None and src.text_as_head():
        return planned
    # The whole file does not read as its head did (a later line in another encoding, a lone CR):
    # planned again from the start, from the file read the sure way.
    if planned is not None and planned[1] is not None:
        stage_types.drop(conn, planned[1])
        src.close()
    try:
        src = csv_source.open_source(path, name)
    except csv_source.RefusedFileError as exc:
        return _refuse(plan, str(exc)), None
    return _opened(conn, plan, src, options, keep=keep, write_once=write_once, reader_casts=reader_casts)


def _opened(conn: duckdb.DuckDBPyConnection, plan: ImportPlan, src: csv_source.SourceFile, options: PlanOptions,
            *, keep: bool, write_once: bool, reader_casts: bool) -> tuple[ImportPlan, stage_types.Stage | None]:
    """:func:`_plan` once the file is open: its mapping decided and, when mapped, its rows staged."""
    name = plan.file_name
    stage: stage_types.Stage | None = None
    try:
        opened = plan_decisions.opened_plan(name, str(src.path), tuple(src.headers), options, encoding=src.encoding,
                                            delimiter=src.delimiter, notes=tuple(src.notes))
        plan = plan_decisions.decide_mapping(opened, mapping_facts(conn, src, opened, options), options)
        if plan.refused:
            return plan, None
        plan, stage = _stage(conn, plan, src, keep=keep, write_once=write_once, reader_casts=reader_casts)
    finally:
        if stage is None:  # a kept stage owns its source (a streamed one reads it again)
            src.close()
    return plan, stage


def mapping_facts(conn: duckdb.DuckDBPyConnection, src: csv_source.SourceFile, opened: ImportPlan,
                  options: PlanOptions) -> MappingFacts:
    """What :func:`plan_decisions.decide_mapping` needs beside the file's headers: the mapping
    confirmed for them (a query), and, when the columns' names leave a deals file without an id,
    the column whose values number orders, or the columns counting activities by type (reads of the
    file's head)."""
    if options.exact_mapping is not None:  # (a confirmed plan: nothing is detected)
        return MappingFacts()
    facts = MappingFacts(saved=load_saved_mapping(conn, opened.headers) if options.preset is None else None)
    by_names = plan_decisions.decide_mapping(opened, facts, options)
    # (the names' own detection: columns mapped by hand may be a report by type column's, not its kind's)
    detected = by_names if not options.mapping_override else plan_decisions.decide_mapping(
        opened, facts, replace(options, mapping_override=None))
    if plan_decisions.may_be_by_type_column(detected, options) and (columns := activity_columns.candidates(
            detected.kind, detected.mapping, opened.headers)):  # (Rep, Week, Calls, Emails: read the counts)
        facts = replace(facts, type_columns=tuple(activity_columns.count_columns(conn, src, columns)))
        if facts.type_columns:
            return facts
    if not plan_decisions.looks_for_order_column(by_names):
        return facts
    overridden = set(options.mapping_override or {})
    return replace(facts, order_column=order_lines.id_by_shape(conn, src, dict(by_names.mapping), overridden))


def _stage(conn: duckdb.DuckDBPyConnection, plan: ImportPlan, src: csv_source.SourceFile, *,
           keep: bool, write_once: bool, reader_casts: bool = True) -> tuple[ImportPlan, stage_types.Stage | None]:
    """The plan staged and checked (rows read and rejected, notes, order lines, preview) and, with
    ``keep``, its stage."""
    kind = plan.kind
    assert kind is not None, "a mapped plan has a kind"
    # the manager's words for the kind's labels: activity types, or the outcome of deal stages
    overrides = {"activities": "SELECT raw_type, type FROM activity_type_map",
                 "deals": "SELECT stage, outcome FROM stage_outcome_map"}.get(kind)
    label_overrides = dict(conn.execute(overrides).fetchall()) if overrides else {}
    # A commit into an empty deals or activities table may write the file with the read that checks it.
    write_once = write_once and keep and kind in ("deals", "activities") and not _stored(conn, kind)
    # (a deal or quota file in another currency than the stored deals is refused: field_sql)
    stored = stored_currencies(conn) if kind in ("deals", "targets") else None
    sample = stored is not None and store.sample_loaded(conn)
    def build(unit: float | None) -> stage_types.Stage:
        return staging.build(conn, src, kind, dict(plan.mapping), date_order=plan.date_order,
                                  unit=unit, fiscal_start=store.fiscal_year_start_month(conn),
                                  label_overrides=label_overrides, write_once=write_once,
                                  reader_casts=reader_casts, stored_currencies=stored, stored_are_sample=sample)

    try:
        stage = build(plan.unit)
        if kind == "targets" and _stored(conn, "deals"):  # quotas in the unit the won revenue makes evident
            in_unit = plan_decisions.with_evident_unit(
                plan, quota_units.quota_sales_evidence(conn, stage.t("final"), "deals"))
            if in_unit.unit != plan.unit:
                stage_types.drop(conn, stage)
                stage = build(in_unit.unit)
            plan = in_unit
    except stage_types.RefusalError as exc:
        if isinstance(exc, order_lines.NotOrdersError):  # (lines summed by that column: keeping them is the other choice)
            plan = replace(plan, lines="sum")
        return _refuse(plan, str(exc)), None
    plan = plan_decisions.checked_plan(plan, staged_facts(conn, plan, stage, keep=keep))
    if plan.refused:
        stage_types.drop(conn, stage)
        return plan, None
    if keep:
        return plan, stage
    reject_lines.resolve(conn, stage)  # the preview is for a person looking at inspect_file's plan
    plan = replace(plan, preview=_shown(conn.execute(f"SELECT * FROM {stage.t('final')} LIMIT {PREVIEW_ROWS}").df()),
                   reject_sample=conn.execute(
                       f"SELECT line, column_name AS column, value, reason FROM {stage.t('rej')} "
                       "ORDER BY line NULLS LAST LIMIT 50").df())
    stage_types.drop(conn, stage)
    return plan, None


def staged_facts(conn: duckdb.DuckDBPyConnection, plan: ImportPlan, stage: stage_types.Stage, *,
                 keep: bool) -> StagedFacts:
    """What :func:`plan_decisions.checked_plan` needs: the stage's counts and notes, and what is
    stored beside it (queries over the stage's final rows and the data tables)."""
    final = stage.t("final")
    facts = StagedFacts(rows_read=stage.rows_read, rows_rejected=stage.rows_rejected,
                        rows_skipped=stage.rows_skipped, n_final=stage.n_final,
                        # (a file whose ids repeat is never streamed nor written once: its final rows are counted)
                        counted=stage.reading is stage_types.Reading.ROWS, notes=tuple(stage.notes))
    if stage.kind == "targets":
        facts = replace(facts, unknown_reps=unknown_reps(conn, final),
                        quota_change=quota_units.quota_changes(conn, final) if _stored(conn, "quotas") else None,
                        stored_overlap=quota_overlaps.stored_overlap(conn, final) if _stored(conn, "quotas") else None)
    if stage.kind == "deals" and not keep and not stage.reading.once and _stored(conn, "quotas"):
        # (a commit says it from the stored deals, after their write)
        facts = replace(facts, stored_quotas=quota_units.quota_sales_evidence(conn, "quotas", final))
    if lines := plan_decisions.staged_lines(plan, facts):
        facts = replace(facts, stored_other_way=order_lines.other_choice_stored(conn, final, lines, plan.file_name))
    return facts


def unknown_reps(conn: duckdb.DuckDBPyConnection, targets: str) -> tuple[str, ...]:
    """The reps of the quota rows ``targets`` who have no deals and are not in the roster (none
    while nothing is stored to know the reps by)."""
    if not (_stored(conn, "deals") or _stored(conn, "reps")):
        return ()
    return tuple(rep for (rep,) in conn.execute(
        f"SELECT DISTINCT rep FROM {targets} t WHERE NOT EXISTS (SELECT 1 FROM deals d WHERE d.rep = t.rep) "
        "AND NOT EXISTS (SELECT 1 FROM reps r WHERE r.rep = t.rep) ORDER BY rep").fetchall())


def stored_currencies(conn: duckdb.DuckDBPyConnection) -> tuple[str, ...] | None:
    """The currencies the stored deals carry, the most deals' first (the one the pages show:
    ``store.currency_code``); empty when they name none, None when no deal is stored."""
    if not _stored(conn, "deals"):
        return None
    return tuple(c for (c,) in conn.execute(
        "SELECT currency FROM deals WHERE currency IS NOT NULL AND trim(currency) <> '' "
        "GROUP BY currency ORDER BY count(*) DESC, currency").fetchall())


def _stored_quotas_note(conn: duckdb.DuckDBPyConnection, deals: str) -> str | None:
    """A note when the stored quotas are a unit off the won revenue of ``deals``, else None."""
    if not _stored(conn, "quotas"):
        return None
    return plan_decisions.stored_quotas_note(quota_units.quota_sales_evidence(conn, "quotas", deals))


def _stored(conn: duckdb.DuckDBPyConnection, table: str) -> bool:
    return conn.execute(f"SELECT count(*) FROM (SELECT 1 FROM {table} LIMIT 1)").fetchall()[0][0] > 0


def _shown(preview: pandas.DataFrame) -> pandas.DataFrame:
    """The preview as a manager reads it: without the activities' bookkeeping key (``key_seq``: a row's place
    among the file's rows of the same rep, date and type) and, for a log without ids, the empty id column.

    >>> import pandas as pd
    >>> _shown(pd.DataFrame({"activity_id": [None], "rep": ["Ana"], "key_seq": [1]})).columns.tolist()
    ['rep']
    """
    hidden = [c for c in ("key_seq",) if c in preview]
    if "activity_id" in preview and preview["activity_id"].isna().all():
        hidden.append("activity_id")
    return preview.drop(columns=hidden)


def inspect_file(conn: duckdb.DuckDBPyConnection, path: str | Path, *, file_name: str | None = None,
                 kind: str | None = None, preset: str | None = None, mapping: dict[str, str] | None = None,
                 date_order: str | None = None, unit: float | None = None, lines: str | None = None) -> ImportPlan:
    """Detect, parse and preview ``path``; writes nothing to data tables. ``lines``: "sum" order
    lines into orders (the default when ids repeat) or "keep" each as a deal (see order_lines)."""
    temp_files.remove_stale()  # what a killed import left in the temp folder
    return _plan(conn, path, file_name=file_name, kind=kind, preset=preset, mapping_override=mapping,
                 date_order=date_order, unit=unit, keep=False, lines=lines)[0]
