"""Planning an import: a file's kind, mapping, unit and order lines decided, its rows staged and
checked (:mod:`analytics.importing.staging`); nothing is written to a data table.

:func:`inspect_file` is the page's look at a file (a preview, the rejects, the notes); the commit
(:mod:`analytics.importing.commit`) stages the same plan again, kept for its write.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING

import duckdb

from analytics import formatting, quoting, store
from analytics.importing import (
    csv_source,
    mapping,
    order_lines,
    quota_units,
    reject_lines,
    stage_types,
    staging,
    temp_files,
    user_input,
)

if TYPE_CHECKING:  # pandas is imported only where a DataFrame is built (not on the CLI's path)
    import pandas as pd


PREVIEW_ROWS = 20


@dataclass(frozen=True)
class ImportPlan:
    """What an import will write, decided and checked, nothing written: the file's kind, mapping,
    unit and order-lines choice, the rows read and rejected, notes, or the refusal (``refused``,
    ``message``). A value: the staged rows (TEMP tables, counts) are the commit's business, not
    the plan's; :func:`analytics.importing.commit.commit_import` stages the plan again to write it."""
    file_name: str
    path: str
    kind: str | None = None
    preset: str | None = None
    encoding: str | None = None
    delimiter: str | None = None
    mapping: Mapping[str, str] = field(default_factory=dict)
    unmapped_columns: tuple[str, ...] = ()
    missing_required: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()
    preview: pd.DataFrame | None = field(default=None, compare=False)        # first rows as they will be stored
    reject_sample: pd.DataFrame | None = field(default=None, compare=False)  # line, column, value, reason
    rows_read: int = 0
    rows_rejected: int = 0
    refused: bool = False
    message: str = ""
    headers: tuple[str, ...] = ()
    date_order: str | None = None
    unit: float | None = None
    # Where a unit the caller did not give came from (remembered with the mapping, or evident from
    # the stored won revenue), in words: the page shows it as a warning beside the preselected unit.
    unit_note: str = ""
    # Order lines (a deal id that repeats): "sum" when they are summed into orders, "keep" when each
    # is kept as a deal (order_lines); None when no line shares an id. The page offers the choice.
    lines: str | None = None
    id_note: str = ""  # the note of a deal id found by its values (order_lines.id_by_shape), kept when restaged

    def noted(self, *notes: str) -> ImportPlan:
        """The plan with ``notes`` added."""
        return replace(self, notes=(*self.notes, *notes))


def _refuse(plan: ImportPlan, message: str) -> ImportPlan:
    """The plan refused with ``message`` (named by its file)."""
    return replace(plan, refused=True, message=message if message.startswith(plan.file_name) else
                   f"{plan.file_name}: {message}")


def option_problem(kind: str | None, date_order: str | None, unit: float | None) -> str | None:
    """Why the caller's options cannot be used, or None.

    >>> option_problem("deals", "ymd", None)
    "date order must be 'dmy' or 'mdy', not 'ymd'"
    >>> option_problem(None, None, 1000.0) is None
    True
    """
    if kind and kind not in mapping.KINDS:
        return f"unknown kind {kind!r} (choose {', '.join(mapping.KINDS)})"
    if date_order not in (None, "dmy", "mdy"):
        return f"date order must be 'dmy' or 'mdy', not {date_order!r}"
    return user_input.unit_problem(float(unit)) if unit is not None else None


def with_columns(plan: ImportPlan) -> ImportPlan:
    """The plan with its unmapped columns and missing required fields; refused when one is missing."""
    assert plan.kind is not None, "a mapped plan has a kind"
    plan = replace(plan, unmapped_columns=tuple(h for h in plan.headers if h not in plan.mapping),
                   missing_required=tuple(mapping.missing_required(plan.kind, dict(plan.mapping))))
    if not plan.missing_required:
        return plan
    names = ", ".join(plan.missing_required)
    return _refuse(plan, f"cannot import as {plan.kind}: no column found for {names} "
                         f"(columns: {quoting.names(list(plan.headers))}); map one with "
                         f"--map 'COLUMN={plan.missing_required[0]}'")


def _plan(conn: duckdb.DuckDBPyConnection, path: str | Path, *, file_name: str | None, kind: str | None,
          preset: str | None, mapping_override: dict[str, str] | None, date_order: str | None,
          unit: float | None, keep: bool, exact_mapping: Mapping[str, str] | None = None,
          write_once: bool = False, reader_casts: bool = True,
          lines: str | None = None) -> tuple[ImportPlan, stage_types.Stage | None]:
    """The plan of ``path`` and, with ``keep`` (a commit to follow), its stage: the staged rows the
    commit writes (None when refused). Without ``keep`` the stage is dropped once the plan's
    preview and rejects are read."""
    path = Path(path)
    plan = ImportPlan(file_name=file_name or path.name, path=str(path), date_order=date_order,
                      unit=float(unit) if unit else None)
    if why := option_problem(kind, date_order, unit):
        return _refuse(plan, why), None
    try:
        src = csv_source.open_source(path, plan.file_name)
    except csv_source.RefusedFileError as exc:
        return _refuse(plan, str(exc)), None
    stage: stage_types.Stage | None = None
    try:
        plan = replace(plan, encoding=src.encoding, delimiter=src.delimiter, headers=tuple(src.headers),
                       notes=tuple(src.notes))
        try:
            plan = _mapped(conn, plan, src, kind=kind, preset=preset, mapping_override=mapping_override,
                           exact_mapping=exact_mapping, lines=lines)
        except ValueError as exc:
            return _refuse(plan, str(exc)), None
        plan = with_columns(plan)
        if plan.refused:
            return plan, None
        plan, stage = _stage(conn, plan, src, keep=keep, write_once=write_once, reader_casts=reader_casts)
    finally:
        if stage is None:  # a kept stage owns its source (a streamed one reads it again)
            src.close()
    return plan, stage


def _mapped(conn: duckdb.DuckDBPyConnection, plan: ImportPlan, src: csv_source.SourceFile, *,
            kind: str | None, preset: str | None, mapping_override: dict[str, str] | None,
            exact_mapping: Mapping[str, str] | None, lines: str | None) -> ImportPlan:
    """The plan with its kind and mapping: as confirmed (``exact_mapping``, re-staging a plan), else
    detected (saved mappings, presets, synonyms, an order column by its values) with the caller's
    overrides and order-lines choice, and the unit remembered with a saved mapping."""
    if exact_mapping is not None:
        if kind is None:
            raise ValueError("a confirmed plan names its kind")
        return replace(plan, kind=kind, preset=preset,
                       mapping={h: f for h, f in exact_mapping.items() if h in src.headers})
    det = mapping.detect(src.headers, conn, kind=kind, preset=preset)
    plan = replace(plan, kind=det.kind, preset=det.preset,
                   mapping=mapping.apply_overrides(src.headers, det.mapping, mapping_override, det.kind))
    if det.preset != "saved":  # (a confirmed mapping says which column numbers orders)
        plan = _order_column_by_shape(conn, plan, src, set(mapping_override or {}))
    plan = replace(plan, mapping=order_lines.with_choice(dict(plan.mapping), lines))
    if plan.unit is None and det.unit is not None:  # the unit confirmed with this mapping
        note = _remembered_note(det.unit)
        plan = replace(plan, unit=det.unit, unit_note=note).noted(note)
    return plan


def _order_column_by_shape(conn: duckdb.DuckDBPyConnection, plan: ImportPlan, src: csv_source.SourceFile,
                           overridden: set[str]) -> ImportPlan:
    """The plan with, as ``deal_id``, the column whose values number orders (order_lines.id_by_shape)
    of a deals file no column of which is named like an id, said in a note."""
    if plan.kind != "deals" or {"deal_id", mapping.ORDER_OF_LINE} & set(plan.mapping.values()):
        return plan
    found = order_lines.id_by_shape(conn, src, dict(plan.mapping), overridden)
    if found is None:
        return plan
    chosen = {**plan.mapping, found.header: "deal_id"}
    return replace(plan, mapping={h: chosen[h] for h in src.headers if h in chosen},
                   id_note=found.note).noted(found.note)


def _stage(conn: duckdb.DuckDBPyConnection, plan: ImportPlan, src: csv_source.SourceFile, *,
           keep: bool, write_once: bool, reader_casts: bool = True) -> tuple[ImportPlan, stage_types.Stage | None]:
    """The plan staged and checked (rows read and rejected, notes, order lines, preview) and, with
    ``keep``, its stage."""
    kind = plan.kind
    assert kind is not None, "a mapped plan has a kind"
    type_overrides = dict(conn.execute("SELECT raw_type, type FROM activity_type_map").fetchall())
    # A commit into an empty deals table may write the file with the read that checks it.
    write_once = write_once and keep and kind == "deals" and not _stored(conn, "deals")
    def build(unit: float | None) -> stage_types.Stage:
        return staging.build(conn, src, kind, dict(plan.mapping), date_order=plan.date_order,
                                  unit=unit, fiscal_start=store.fiscal_year_start_month(conn),
                                  type_overrides=type_overrides, write_once=write_once,
                                  reader_casts=reader_casts)

    try:
        stage = build(plan.unit)
        if kind == "targets" and _stored(conn, "deals"):
            plan, stage = _in_evident_unit(conn, plan, stage, build)
    except stage_types.RefusalError as exc:
        if isinstance(exc, order_lines.NotOrdersError):  # (lines summed by that column: keeping them is the other choice)
            plan = replace(plan, lines="sum")
        return _refuse(plan, str(exc)), None
    notes = []
    if kind == "targets" and _stored(conn, "quotas") and (  # a re-import: how the stored quotas change
            note := quota_units.change_note(quota_units.quota_changes(conn, stage.t("final")))):
        notes.append(note)
    if kind == "targets" and (note := unknown_reps_note(conn, stage.t("final"))):
        notes.append(note)
    if kind == "deals" and not keep and not stage.reading.once and (note := _stored_quotas_note(conn, stage.t("final"))):
        notes.append(note)  # (a commit says it from the stored deals, after their write)
    accepted = stage.rows_read - stage.rows_rejected - stage.rows_skipped
    # (a file whose ids repeat is never streamed nor written once: its final rows are counted)
    counted = stage.reading is stage_types.Reading.ROWS
    plan = replace(plan.noted(*notes, *stage.notes), rows_read=stage.rows_read, rows_rejected=stage.rows_rejected,
                   lines=lines_outcome(kind, plan.mapping, counted=counted, accepted=accepted, n_final=stage.n_final))
    if plan.lines and (why := order_lines.other_choice_stored(conn, stage.t("final"), plan.lines, plan.file_name)):
        stage_types.drop(conn, stage)
        return _refuse(plan, why), None
    if keep:
        return plan, stage
    reject_lines.resolve(conn, stage)  # the preview is for a person looking at inspect_file's plan
    plan = replace(plan, preview=conn.execute(f"SELECT * FROM {stage.t('final')} LIMIT {PREVIEW_ROWS}").df(),
                   reject_sample=conn.execute(
                       f"SELECT line, column_name AS column, value, reason FROM {stage.t('rej')} "
                       "ORDER BY line NULLS LAST LIMIT 50").df())
    stage_types.drop(conn, stage)
    return plan, None


def lines_outcome(kind: str, field_map: Mapping[str, str], *, counted: bool, accepted: int,
                  n_final: int) -> str | None:
    """``ImportPlan.lines`` of a staged plan: "keep" when its order lines are kept as deals, "sum"
    when they were summed into orders (fewer final rows than accepted lines, ``counted`` when the
    final rows were), else None.

    >>> lines_outcome("deals", {"Order": "deal_id"}, counted=True, accepted=10, n_final=4)
    'sum'
    >>> lines_outcome("deals", {"Order": "deal_id"}, counted=False, accepted=10, n_final=10) is None
    True
    """
    if order_lines.kept_lines(dict(field_map)):
        return "keep"
    summed = kind == "deals" and "deal_id" in field_map.values() and counted
    return "sum" if summed and n_final < accepted else None


UNKNOWN_REPS_NAMED = 10

"""Reps an :func:`unknown_reps_note` names before "and N more"."""


def unknown_reps_note(conn: duckdb.DuckDBPyConnection, targets: str) -> str | None:
    """A note naming the reps of the quota rows ``targets`` who have no deals and are not in the
    roster, or None when there are none (or nothing stored yet to know the reps by).

    Such a quota is stored but nothing is ever measured against it: most often a name spelled
    otherwise than in the CRM ("Ann Lee" / "Anne Lee"), which the manager should hear about.
    """
    if not (_stored(conn, "deals") or _stored(conn, "reps")):
        return None
    unknown = [rep for (rep,) in conn.execute(
        f"SELECT DISTINCT rep FROM {targets} t WHERE NOT EXISTS (SELECT 1 FROM deals d WHERE d.rep = t.rep) "
        "AND NOT EXISTS (SELECT 1 FROM reps r WHERE r.rep = t.rep) ORDER BY rep").fetchall()]
    if not unknown:
        return None
    return (f"targets for {formatting.quantity(len(unknown), 'rep')} with no deals and not in the roster "
            f"(check the spelling against the CRM; nothing is measured against them): "
            f"{quoting.names(unknown, limit=UNKNOWN_REPS_NAMED)}")


def _remembered_note(unit: float) -> str:
    if unit == 1:
        return "values kept as they are in the file, as confirmed before for files with these headers"
    return (f"values multiplied by {unit:g}, the unit confirmed before for files with these headers; pass "
            "unit=1 (--unit 1) to keep them as they are")


def _file_unit(plan: ImportPlan) -> float:
    """The unit the file's amount headers give (``Jan (k)``: 1,000) when they agree, else 1."""
    fields = mapping.FIELD_BY_NAME[plan.kind or "targets"]
    units = {mapping.unit_of_header(h) or 1.0 for h, f in plan.mapping.items()
             if f in fields and fields[f].type == "amount"}
    return units.pop() if len(units) == 1 else 1.0


def _in_evident_unit(conn: duckdb.DuckDBPyConnection, plan: ImportPlan, stage: stage_types.Stage,
                     build: Callable[[float | None], stage_types.Stage]) -> tuple[ImportPlan, stage_types.Stage]:
    """A quota stage in the unit the stored won revenue makes evident (staged again in it) when no
    unit was given or remembered; with one, the stage as it is and a note when the revenue disagrees."""
    evidence = quota_units.quota_sales_evidence(conn, stage.t("final"), "deals")
    factor = quota_units.evident_factor(evidence)
    if factor is None:
        return plan, stage
    if plan.unit is not None:
        return plan.noted(quota_units.kept_note(evidence, factor, plan.unit)), stage
    unit = _file_unit(plan) * factor
    if user_input.unit_problem(unit):
        return plan, stage
    stage_types.drop(conn, stage)
    note = quota_units.applied_note(evidence, factor, unit)
    return replace(plan, unit=unit, unit_note=note).noted(note), build(unit)


def _stored_quotas_note(conn: duckdb.DuckDBPyConnection, deals: str) -> str | None:
    """A note when the stored quotas are a unit off the won revenue of ``deals``, else None."""
    if not _stored(conn, "quotas"):
        return None
    evidence = quota_units.quota_sales_evidence(conn, "quotas", deals)
    factor = quota_units.evident_factor(evidence)
    return None if factor is None else quota_units.stored_quotas_note(evidence, factor)


def _stored(conn: duckdb.DuckDBPyConnection, table: str) -> bool:
    return conn.execute(f"SELECT count(*) FROM (SELECT 1 FROM {table} LIMIT 1)").fetchall()[0][0] > 0


def inspect_file(conn: duckdb.DuckDBPyConnection, path: str | Path, *, file_name: str | None = None,
                 kind: str | None = None, preset: str | None = None, mapping: dict[str, str] | None = None,
                 date_order: str | None = None, unit: float | None = None, lines: str | None = None) -> ImportPlan:
    """Detect, parse and preview ``path``; writes nothing to data tables. ``lines``: "sum" order
    lines into orders (the default when ids repeat) or "keep" each as a deal (see order_lines)."""
    temp_files.remove_stale()  # what a killed import left in the temp folder
    return _plan(conn, path, file_name=file_name, kind=kind, preset=preset, mapping_override=mapping,
                 date_order=date_order, unit=unit, keep=False, lines=lines)[0]
