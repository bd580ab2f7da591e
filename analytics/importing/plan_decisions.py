"""What planning decides, as pure functions of values: facts in, an :class:`ImportPlan` out.

Planning (:mod:`analytics.importing.planning`) reads the outside world first, into small frozen
values, then decides here without a database or a file:

1. :class:`MappingFacts` (the mapping the manager confirmed for these headers, the column whose
   values number orders in the file's head, the columns counting activities by type) with the opened
   file (:func:`opened_plan`) and the caller's :class:`PlanOptions` give the kind and mapping:
   :func:`decide_mapping`;
2. the staged quotas against the stored won revenue (``quota_units.UnitEvidence``) give the unit:
   :func:`with_evident_unit` (the rows are staged again when it changes);
3. :class:`StagedFacts` (counts, how stored quotas change, reps nobody knows, orders stored the
   other way) give the checked plan: :func:`checked_plan`.

The same facts give the same plan (tests/test_import_planning.py runs each decision as a table).

>>> opened = opened_plan("q.csv", "/tmp/q.csv", ("Sales Rep", "Year", "Jan", "Feb"), PlanOptions())
>>> plan = decide_mapping(opened, MappingFacts(), PlanOptions())
>>> plan.kind, plan.preset, dict(plan.mapping)
('targets', 'quotas_wide', {'Sales Rep': 'rep', 'Year': 'year', 'Jan': 'm01', 'Feb': 'm02'})
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING

from analytics import formatting, quoting
from analytics.importing import (
    activity_columns,
    header_text,
    labels,
    mapping,
    order_lines,
    quota_units,
    split_reports,
    user_input,
)
from analytics.importing.fields import TYPE_COUNT
from analytics.importing.quota_units import QuotaChange, UnitEvidence
from analytics.importing.saved_mappings import SavedMapping

if TYPE_CHECKING:  # pandas is imported only where a DataFrame is built (not on the CLI's path)
    import pandas as pd


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
    # Why the file's layout has no column for the rep (a split-credit report, a name in two columns): the
    # page says it beside its mapping form, which cannot join two columns into one name.
    layout_note: str = ""

    def noted(self, *notes: str) -> ImportPlan:
        """The plan with ``notes`` added."""
        return replace(self, notes=(*self.notes, *notes))


@dataclass(frozen=True)
class PlanOptions:
    """What the caller asked for: a kind, a preset, columns mapped by hand (``mapping_override``,
    ``{header: field}``; "-" ignores one), the date order, the unit, the order-lines choice; or,
    staging a confirmed plan again, its whole mapping (``exact_mapping``, with its kind)."""
    kind: str | None = None
    preset: str | None = None
    mapping_override: Mapping[str, str] | None = None
    date_order: str | None = None
    unit: float | None = None
    lines: str | None = None
    exact_mapping: Mapping[str, str] | None = None


@dataclass(frozen=True)
class MappingFacts:
    """What the database and the file's head say about its columns, read before the mapping is
    decided: the mapping the manager confirmed for these headers (``saved``; None when there is
    none or it was not looked up), and the column whose values number orders in the file's first
    rows (``order_column``, ``order_lines.id_by_shape``; None when none does or none was looked for)."""
    saved: SavedMapping | None = None
    order_column: order_lines.ShapeFinding | None = None
    type_columns: tuple[str, ...] = ()
    """Columns named for activity types that hold counts (``activity_columns.count_columns``): a report by
    type column, when the names left the file to be one."""


@dataclass(frozen=True)
class StagedFacts:
    """What staging found and what is stored beside it, read before the plan is checked: the
    stage's counts and notes (``counted``: its final rows were counted, not streamed); for quotas,
    how they change the stored ones (``quota_change``) and the reps neither the deals nor the roster
    know (``unknown_reps``); for deals, the stored quotas against the file's won revenue
    (``stored_quotas``); and a refusal when the file's orders are stored the other way
    (``stored_other_way``, ``order_lines.other_choice_stored``)."""
    rows_read: int = 0
    rows_rejected: int = 0
    rows_skipped: int = 0
    n_final: int = 0
    counted: bool = True
    notes: tuple[str, ...] = ()
    quota_change: QuotaChange | None = None
    unknown_reps: tuple[str, ...] = ()
    stored_quotas: UnitEvidence | None = None
    stored_other_way: str | None = None
    stored_overlap: str | None = None
    """For quotas: why they cannot join stored quotas of overlapping periods (``quota_overlaps``)."""


def refused(plan: ImportPlan, message: str) -> ImportPlan:
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


def opened_plan(file_name: str, path: str, headers: tuple[str, ...], options: PlanOptions, *,
                encoding: str | None = None, delimiter: str | None = None,
                notes: tuple[str, ...] = ()) -> ImportPlan:
    """The plan of a file just opened (its headers, encoding, delimiter and reading notes), before
    anything is decided; refused when the options cannot be used."""
    plan = ImportPlan(file_name=file_name, path=path, encoding=encoding, delimiter=delimiter, headers=headers,
                      notes=notes, date_order=options.date_order,
                      unit=float(options.unit) if options.unit else None)
    why = option_problem(options.kind, options.date_order, options.unit)
    return refused(plan, why) if why else plan


def with_columns(plan: ImportPlan) -> ImportPlan:
    """The plan with its unmapped columns and missing required fields; refused when one is missing."""
    assert plan.kind is not None, "a mapped plan has a kind"
    missing = mapping.missing_required(plan.kind, dict(plan.mapping))
    if plan.kind == "activities" and "type" in missing and TYPE_COUNT in plan.mapping.values():
        missing.remove("type")  # (each count column's header names its type)
    if plan.kind == "activities" and "type" in missing and (single := labels.activity_type_of_headers(plan.headers)):
        # an export of one type (HubSpot's calls export) has no type column: its headers name the type
        missing.remove("type")
        plan = plan.noted(f"no activity type column: every row is a {single} (the headers name {single}s only)")
    plan = replace(plan, unmapped_columns=tuple(h for h in plan.headers if h not in plan.mapping),
                   missing_required=tuple(missing))
    if plan.kind == "deals" and (split := split_reports.ignored_note(plan.headers, plan.mapping)):
        plan = plan.noted(split)
    if not plan.missing_required:
        return plan
    names = ", ".join(plan.missing_required)
    if "rep" in plan.missing_required and (why := split_reports.refusal(plan.headers)):
        return refused(replace(plan, layout_note=why), why)
    if "rep" in plan.missing_required and (halves := header_text.split_name_columns(plan.headers)):
        why = (f"no column holds a rep's whole name: it is split into {quoting.quoted(halves[0])} and "
               f"{quoting.quoted(halves[1])}, and the import matches reps by one name across files (deals, "
               f"activities, roster, quotas); join them into one column ('Ann Lee') in the export or a spreadsheet, "
               f"then import the file again")
        return refused(replace(plan, layout_note=why), why)
    if "rep" in plan.missing_required:
        # (every kind it reads names a rep: a file with none, an accounts or a products list, is none of them)
        return refused(plan, f"not a file of deals, activities, a roster or quotas: no column names a rep "
                             f"(columns: {quoting.names(list(plan.headers))}); if it is one, map its rep column "
                             f"with --map 'COLUMN=rep' (and --kind)")
    return refused(plan, f"cannot import as {plan.kind}: no column found for {names} "
                         f"(columns: {quoting.names(list(plan.headers))}); map one with "
                         f"--map 'COLUMN={plan.missing_required[0]}'")


def decide_mapping(opened: ImportPlan, facts: MappingFacts, options: PlanOptions) -> ImportPlan:
    """The plan with its kind and mapping, checked for required fields: as confirmed
    (``options.exact_mapping``), else detected (the saved mapping, presets, synonyms, the order
    column ``facts`` found by its values) with the caller's overrides and order-lines choice, and
    the unit remembered with a saved mapping; refused when the options or the columns cannot do."""
    if opened.refused:
        return opened
    try:
        plan = _mapped(opened, facts, options)
    except ValueError as exc:
        return refused(opened, str(exc))
    return with_columns(plan)


def looks_for_order_column(plan: ImportPlan) -> bool:
    """Whether a plan's mapping, decided by column names alone, leaves the deal id to be found by
    the values (``MappingFacts.order_column``): a deals file, detected (not a saved mapping), no
    column of which is named like an id."""
    return (not plan.refused and plan.kind == "deals" and plan.preset != "saved"
            and not {"deal_id", mapping.ORDER_OF_LINE} & set(plan.mapping.values()))


def _detected_by_names(preset: str | None, options: PlanOptions) -> bool:
    """Whether a detection came from the columns' names alone: no saved mapping, preset or other kind."""
    return preset != "saved" and options.preset is None and options.kind in (None, "activities")


def may_be_by_type_column(plan: ImportPlan, options: PlanOptions) -> bool:
    """Whether a plan decided by column names alone may be an activity report by type column, whose
    columns' values are then read (``MappingFacts.type_columns``; :func:`activity_columns.candidates`
    finds the columns to read)."""
    return plan.kind is not None and options.exact_mapping is None and _detected_by_names(plan.preset, options)


def by_type_column(det: mapping.Detection, facts: MappingFacts, options: PlanOptions) -> bool:
    """Whether a detection is read as an activity report by type column: its columns' values say so."""
    return bool(facts.type_columns) and _detected_by_names(det.preset, options)


def _mapped(plan: ImportPlan, facts: MappingFacts, options: PlanOptions) -> ImportPlan:
    headers = list(plan.headers)
    if options.exact_mapping is not None:
        if options.kind is None:
            raise ValueError("a confirmed plan names its kind")
        return replace(plan, kind=options.kind, preset=options.preset,
                       mapping={h: f for h, f in options.exact_mapping.items() if h in headers})
    det = mapping.detect(headers, facts.saved, kind=options.kind, preset=options.preset)
    if by_type_column(det, facts, options):  # (Rep, Week, Calls, Emails: a count of a type a cell)
        counted = activity_columns.type_count_mapping(headers, list(facts.type_columns), det.mapping,
                                                      mapping.detect(headers, kind="activities").mapping)
        det = replace(det, kind="activities", preset=None, mapping=counted)
    overrides = dict(options.mapping_override) if options.mapping_override is not None else None
    plan = replace(plan, kind=det.kind, preset=det.preset,
                   mapping=mapping.apply_overrides(headers, det.mapping, overrides, det.kind))
    found = facts.order_column
    if found is not None and looks_for_order_column(plan) and found.header in headers \
            and found.header not in plan.mapping and found.header not in (overrides or {}):
        chosen = {**plan.mapping, found.header: "deal_id"}
        plan = replace(plan, mapping={h: chosen[h] for h in headers if h in chosen},
                       id_note=found.note).noted(found.note)
    plan = replace(plan, mapping=order_lines.with_choice(dict(plan.mapping), options.lines))
    if plan.unit is None and det.unit is not None:  # the unit confirmed with this mapping
        note = remembered_unit_note(det.unit)
        plan = replace(plan, unit=det.unit, unit_note=note).noted(note)
    return plan


def remembered_unit_note(unit: float) -> str:
    """The note of a unit remembered with a saved mapping.

    >>> remembered_unit_note(1000.0)
    'values multiplied by 1000, the unit confirmed before for files with these headers; pass unit=1 (--unit 1) to keep them as they are'
    """
    if unit == 1:
        return "values kept as they are in the file, as confirmed before for files with these headers"
    return (f"values multiplied by {unit:g}, the unit confirmed before for files with these headers; pass "
            "unit=1 (--unit 1) to keep them as they are")


def file_unit(plan: ImportPlan) -> float:
    """The unit the file's amount headers give (``Jan (k)``: 1,000) when they agree, else 1.

    >>> file_unit(ImportPlan("q.csv", "q.csv", kind="targets", mapping={"Jan (k)": "m01", "Feb (k)": "m02"}))
    1000.0
    """
    fields = mapping.FIELD_BY_NAME[plan.kind or "targets"]
    units = {mapping.unit_of_header(h) or 1.0 for h, f in plan.mapping.items()
             if f in fields and fields[f].type == "amount"}
    return units.pop() if len(units) == 1 else 1.0


def with_evident_unit(plan: ImportPlan, evidence: UnitEvidence | None) -> ImportPlan:
    """A quota plan in the unit the stored won revenue makes evident (``evidence``: the staged
    quotas against it), with a note, when no unit was given or remembered; with one, the plan as
    it is and a note when the revenue disagrees. A changed ``unit`` means the rows are staged again."""
    factor = quota_units.evident_factor(evidence) if evidence is not None else None
    if evidence is None or factor is None:
        return plan
    if plan.unit is not None:
        return plan.noted(quota_units.kept_note(evidence, factor, plan.unit))
    unit = file_unit(plan) * factor
    if user_input.unit_problem(unit):
        return plan
    note = quota_units.applied_note(evidence, factor, unit)
    return replace(plan, unit=unit, unit_note=note).noted(note)


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


def staged_lines(plan: ImportPlan, facts: StagedFacts) -> str | None:
    """:func:`lines_outcome` of ``plan`` staged as ``facts`` say."""
    assert plan.kind is not None, "a mapped plan has a kind"
    accepted = facts.rows_read - facts.rows_rejected - facts.rows_skipped
    return lines_outcome(plan.kind, plan.mapping, counted=facts.counted, accepted=accepted, n_final=facts.n_final)


def checked_plan(plan: ImportPlan, facts: StagedFacts) -> ImportPlan:
    """The staged plan: its counts, order-lines outcome and notes (how the stored quotas change,
    quotas of reps nobody knows, stored quotas a unit off), then the stage's own notes; refused
    when its orders are stored the other way, or its quotas overlap stored ones of other periods."""
    notes = [note for note in (quota_units.change_note(facts.quota_change) if facts.quota_change else None,
                               unknown_reps_note(facts.unknown_reps), stored_quotas_note(facts.stored_quotas))
             if note]
    plan = replace(plan.noted(*notes, *facts.notes), rows_read=facts.rows_read, rows_rejected=facts.rows_rejected,
                   lines=staged_lines(plan, facts))
    if facts.stored_overlap:
        return refused(plan, facts.stored_overlap)
    return refused(plan, facts.stored_other_way) if plan.lines and facts.stored_other_way else plan


UNKNOWN_REPS_NAMED = 10

"""Reps an :func:`unknown_reps_note` names before "and N more"."""


def unknown_reps_note(unknown: tuple[str, ...] | list[str]) -> str | None:
    """A note naming the reps of quota rows who have no deals and are not in the roster, or None.

    Such a quota is stored but nothing is ever measured against it: most often a name spelled
    otherwise than in the CRM ("Ann Lee" / "Anne Lee"), which the manager should hear about.

    >>> unknown_reps_note(("Anne Lee",))
    'targets for 1 rep with no deals and not in the roster (check the spelling against the CRM; nothing is measured against them): Anne Lee'
    """
    if not unknown:
        return None
    return (f"targets for {formatting.quantity(len(unknown), 'rep')} with no deals and not in the roster "
            f"(check the spelling against the CRM; nothing is measured against them): "
            f"{quoting.names(list(unknown), limit=UNKNOWN_REPS_NAMED)}")


def stored_quotas_note(evidence: UnitEvidence | None) -> str | None:
    """A note when the stored quotas are a unit off the won revenue (``evidence``), else None."""
    factor = quota_units.evident_factor(evidence) if evidence is not None else None
    return None if evidence is None or factor is None else quota_units.stored_quotas_note(evidence, factor)
