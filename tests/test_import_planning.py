"""Planning's decisions as tables: facts in, a plan out, without a database or a file.

analytics/importing/planning.py reads the facts (a saved mapping, the file's head, the staged rows
beside the stored ones); analytics/importing/plan_decisions.py decides from them alone.
"""

from __future__ import annotations

import ast
import dataclasses

import pytest
from helpers import REPO_ROOT

from analytics.importing import plan_decisions
from analytics.importing.order_lines import ShapeFinding
from analytics.importing.plan_decisions import ImportPlan, MappingFacts, PlanOptions, StagedFacts
from analytics.importing.quota_units import QuotaChange, UnitEvidence
from analytics.importing.saved_mappings import SavedMapping

DEALS = ("Owner", "Close Date", "Amount", "Stage")
LINES = ("Doc", "Owner", "Close Date", "Amount")
QUOTAS = ("Sales Rep", "Year", "Jan", "Feb")
DOC_FOUND = ShapeFinding("Doc", 40, 12, "'Doc' taken as the order number (deal id) by its values")
SAVED_DEALS = SavedMapping("deals", {"Owner": "rep", "Close Date": "close_date", "Amount": "amount",
                                     "Gone": "stage"}, None)
SAVED_QUOTAS = SavedMapping("targets", {"Sales Rep": "rep", "Year": "year", "Jan": "m01", "Feb": "m02"}, 1000.0)
DEALS_MAP = {"Owner": "rep", "Close Date": "close_date", "Amount": "amount", "Stage": "stage"}


def _mapped(headers: tuple[str, ...], facts: MappingFacts, options: PlanOptions) -> ImportPlan:
    opened = plan_decisions.opened_plan("f.csv", "/in/f.csv", headers, options, encoding="utf-8", delimiter=",")
    return plan_decisions.decide_mapping(opened, facts, options)


@pytest.mark.parametrize(("headers", "facts", "options", "expected"), [
    pytest.param(DEALS, MappingFacts(), PlanOptions(),
                 {"kind": "deals", "preset": "salesforce_opportunities", "mapping": DEALS_MAP, "refused": False,
                  "notes": ()}, id="detected-by-preset-and-synonyms"),
    pytest.param(DEALS, MappingFacts(saved=SAVED_DEALS), PlanOptions(),
                 {"kind": "deals", "preset": "saved", "unit": None, "unmapped_columns": ("Stage",),
                  "mapping": {"Owner": "rep", "Close Date": "close_date", "Amount": "amount"}},
                 id="saved-mapping-wins-its-absent-columns-dropped"),
    pytest.param(QUOTAS, MappingFacts(saved=SAVED_QUOTAS), PlanOptions(),
                 {"preset": "saved", "unit": 1000.0, "unit_note": plan_decisions.remembered_unit_note(1000.0),
                  "notes": (plan_decisions.remembered_unit_note(1000.0),)},
                 id="saved-unit-remembered-with-a-note"),
    pytest.param(QUOTAS, MappingFacts(saved=SAVED_QUOTAS), PlanOptions(unit=1.0),
                 {"preset": "saved", "unit": 1.0, "unit_note": "", "notes": ()},
                 id="given-unit-beats-the-remembered-one"),
    pytest.param(DEALS, MappingFacts(saved=SAVED_DEALS), PlanOptions(preset="hubspot_deals"),
                 {"kind": "deals", "preset": "hubspot_deals"}, id="asked-preset-beats-the-saved-mapping"),
    pytest.param(DEALS, MappingFacts(saved=SAVED_DEALS), PlanOptions(kind="activities"),
                 {"kind": "activities", "refused": True, "missing_required": ("activity_date", "type")},
                 id="saved-mapping-of-another-kind-ignored"),
    pytest.param(DEALS, MappingFacts(saved=SAVED_DEALS),
                 PlanOptions(kind="deals", preset="saved", exact_mapping={"Owner": "rep", "Close Date": "close_date",
                                                                         "Amount": "amount", "Gone": "stage"}),
                 {"kind": "deals", "preset": "saved", "unmapped_columns": ("Stage",),
                  "mapping": {"Owner": "rep", "Close Date": "close_date", "Amount": "amount"}},
                 id="confirmed-mapping-as-it-was"),
    pytest.param(DEALS, MappingFacts(), PlanOptions(exact_mapping=DEALS_MAP),
                 {"refused": True, "message": "f.csv: a confirmed plan names its kind"},
                 id="confirmed-mapping-without-kind-refused"),
    pytest.param(LINES, MappingFacts(order_column=DOC_FOUND), PlanOptions(),
                 {"mapping": {"Doc": "deal_id", "Owner": "rep", "Close Date": "close_date", "Amount": "amount"},
                  "id_note": DOC_FOUND.note, "notes": (DOC_FOUND.note,)},
                 id="order-column-found-by-its-values"),
    pytest.param(LINES, MappingFacts(order_column=DOC_FOUND), PlanOptions(lines="keep"),
                 {"mapping": {"Doc": "order_of_line", "Owner": "rep", "Close Date": "close_date",
                              "Amount": "amount"}},
                 id="order-lines-kept"),
    pytest.param(LINES, MappingFacts(order_column=DOC_FOUND), PlanOptions(mapping_override={"Doc": "-"}),
                 {"mapping": {"Owner": "rep", "Close Date": "close_date", "Amount": "amount"}, "id_note": ""},
                 id="order-column-ignored-by-hand-stays-ignored"),
    pytest.param(("Order Number", *LINES[1:]), MappingFacts(order_column=DOC_FOUND), PlanOptions(),
                 {"mapping": {"Order Number": "deal_id", "Owner": "rep", "Close Date": "close_date",
                              "Amount": "amount"}, "id_note": ""},
                 id="order-column-named-beats-one-found-by-values"),
    pytest.param(DEALS, MappingFacts(), PlanOptions(mapping_override={"Nope": "rep"}),
                 {"refused": True, "kind": None}, id="override-of-a-missing-column-refused"),
    pytest.param(("Owner", "Amount"), MappingFacts(), PlanOptions(kind="deals"),
                 {"refused": True, "missing_required": ("close_date",)}, id="missing-required-refused"),
    pytest.param(DEALS, MappingFacts(), PlanOptions(date_order="ymd"),
                 {"refused": True, "kind": None, "message": "f.csv: date order must be 'dmy' or 'mdy', not 'ymd'"},
                 id="unusable-option-refused"),
])
def test_decide_mapping(headers, facts, options, expected):
    plan = _mapped(headers, facts, options)
    got = {name: getattr(plan, name) for name in expected}
    assert {k: dict(v) if k == "mapping" else v for k, v in got.items()} == expected


def test_looks_for_an_order_column_only_for_detected_deals_without_an_id():
    by_names = _mapped(LINES, MappingFacts(), PlanOptions())
    assert plan_decisions.looks_for_order_column(by_names)
    assert not plan_decisions.looks_for_order_column(_mapped(("Order Number", *LINES[1:]), MappingFacts(),
                                                             PlanOptions()))
    assert not plan_decisions.looks_for_order_column(_mapped(LINES, MappingFacts(saved=SAVED_DEALS), PlanOptions()))
    assert not plan_decisions.looks_for_order_column(_mapped(QUOTAS, MappingFacts(), PlanOptions()))


QUOTA_PLAN = ImportPlan("q.csv", "/in/q.csv", kind="targets", mapping={"Sales Rep": "rep", "Year": "year",
                                                                     "Jan": "m01"})
K_PLAN = ImportPlan("q.csv", "/in/q.csv", kind="targets", mapping={"Sales Rep": "rep", "Year": "year",
                                                                 "Jan (k)": "m01"})


@pytest.mark.parametrize(("plan", "evidence", "unit", "note_starts"), [
    pytest.param(QUOTA_PLAN, None, None, None, id="nothing-to-compare"),
    pytest.param(QUOTA_PLAN, UnitEvidence(2, 0.001), None, None, id="too-few-compared"),
    pytest.param(QUOTA_PLAN, UnitEvidence(40, 1.2), None, None, id="a-sales-plan-not-a-unit"),
    pytest.param(QUOTA_PLAN, UnitEvidence(40, 0.001), 1000.0, "quotas in thousands", id="thousands-applied"),
    pytest.param(QUOTA_PLAN, UnitEvidence(40, 2e-6), 1_000_000.0, "quotas in millions", id="millions-applied"),
    pytest.param(K_PLAN, UnitEvidence(40, 1000.0), 1.0, "quotas in another unit", id="headers-said-k-wrongly"),
    pytest.param(dataclasses.replace(QUOTA_PLAN, unit=1.0), UnitEvidence(40, 0.001), 1.0, "check the unit", id="given-unit-kept-with-a-warning"),
])
def test_with_evident_unit(plan, evidence, unit, note_starts):
    decided = plan_decisions.with_evident_unit(plan, evidence)
    assert decided.unit == unit
    if note_starts is None:
        assert decided == plan
    else:
        assert decided.notes[-1].startswith(note_starts)
        assert decided.unit_note == ("" if plan.unit is not None else decided.notes[-1])


SUMMED = ImportPlan("o.csv", "/in/o.csv", kind="deals", mapping={"Doc": "deal_id", "Owner": "rep"})
KEPT = ImportPlan("o.csv", "/in/o.csv", kind="deals", mapping={"Doc": "order_of_line", "Owner": "rep"})


@pytest.mark.parametrize(("plan", "facts", "expected"), [
    pytest.param(QUOTA_PLAN, StagedFacts(rows_read=10, rows_rejected=2, n_final=8, notes=("a stage note",)),
                 {"rows_read": 10, "rows_rejected": 2, "lines": None, "refused": False, "notes": ("a stage note",)},
                 id="counts-and-the-stage-notes"),
    pytest.param(QUOTA_PLAN, StagedFacts(rows_read=3, n_final=3, notes=("stage",),
                                         quota_change=QuotaChange(809, 200_000.0, 200.0), unknown_reps=("Anne Lee",)),
                 {"notes": ("809 stored quotas change: median 200,000 -> 200 (x0.001)",
                            plan_decisions.unknown_reps_note(("Anne Lee",)), "stage")},
                 id="re-import-and-unknown-reps-said-before-the-stage-notes"),
    pytest.param(QUOTA_PLAN, StagedFacts(quota_change=QuotaChange(0, None, None)), {"notes": ()},
                 id="no-stored-quota-changes"),
    pytest.param(SUMMED, StagedFacts(rows_read=10, n_final=4), {"lines": "sum", "refused": False},
                 id="lines-summed"),
    pytest.param(SUMMED, StagedFacts(rows_read=10, n_final=10), {"lines": None}, id="no-id-repeats"),
    pytest.param(SUMMED, StagedFacts(rows_read=10, n_final=10, counted=False), {"lines": None},
                 id="streamed-rows-are-not-summed"),
    pytest.param(KEPT, StagedFacts(rows_read=10, n_final=10), {"lines": "keep"}, id="lines-kept"),
    pytest.param(SUMMED, StagedFacts(rows_read=10, n_final=4, stored_other_way="o.csv: 3 orders stored as lines"),
                 {"lines": "sum", "refused": True, "message": "o.csv: 3 orders stored as lines"},
                 id="orders-stored-the-other-way-refused"),
    pytest.param(SUMMED, StagedFacts(rows_read=10, n_final=10, stored_other_way="o.csv: ignored"),
                 {"refused": False}, id="no-lines-no-clash"),
    pytest.param(SUMMED, StagedFacts(rows_read=10, n_final=10, stored_quotas=UnitEvidence(12, 0.001)),
                 {"notes": ("the stored quotas look like thousands: the median quota is 1/1,000 of the same reps' "
                            "won revenue in the same periods (12 rep-periods compared); import the quota file "
                            "again with unit=1000 (--unit 1000)",)},
                 id="stored-quotas-a-unit-off"),
])
def test_checked_plan(plan, facts, expected):
    checked = plan_decisions.checked_plan(plan, facts)
    assert {name: getattr(checked, name) for name in expected} == expected


def test_the_same_facts_give_the_same_plan():
    facts, options = MappingFacts(saved=SAVED_QUOTAS, order_column=DOC_FOUND), PlanOptions(lines="sum")
    assert _mapped(QUOTAS, facts, options) == _mapped(QUOTAS, facts, options)


def test_the_decisions_read_nothing():
    """plan_decisions runs no SQL, opens no file and imports no database driver: its inputs are values."""
    tree = ast.parse((REPO_ROOT / "analytics/importing/plan_decisions.py").read_text(encoding="utf-8"))
    calls = {node.func.attr if isinstance(node.func, ast.Attribute) else getattr(node.func, "id", "")
             for node in ast.walk(tree) if isinstance(node, ast.Call)}
    imported = {alias.name for node in ast.walk(tree) if isinstance(node, ast.Import | ast.ImportFrom)
                for alias in node.names} | {node.module for node in ast.walk(tree)
                                            if isinstance(node, ast.ImportFrom) and node.module}
    assert not calls & {"execute", "sql", "read_csv", "open", "read_text", "connect", "open_source", "id_by_shape"}
    assert not {"duckdb", "load_saved_mapping", "store"} & imported
