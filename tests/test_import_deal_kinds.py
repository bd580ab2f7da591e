"""A deal file of new business and renewals says that both count (analytics/importing/deal_kinds.py).

Salesforce's Type and HubSpot's Deal Type tell a new customer's deal from a renewal or an upsell: every
deal counted toward revenue without a word, so a team whose quotas cover new business read baselines
inflated by its renewals. "Opportunity Type" and "Deal Type" were not even read.
"""

from __future__ import annotations

import pytest

from analytics import importing, store
from analytics.importing import deal_kinds

ROWS = [("1", "Ann Lee", "Closed Won", "1000", "2024-03-01"), ("2", "Ann Lee", "Closed Won", "2000", "2024-03-09"),
        ("3", "Bob Ray", "Closed Won", "4000", "2024-03-02"), ("4", "Bob Ray", "Closed Lost", "500", "2024-03-05")]


def _import(tmp_path, header: str, types: list[str]):
    lines = [f"Opportunity ID,Opportunity Owner,Stage,Amount,Close Date,{header}"]
    lines += [",".join(row) + f",{kind}" for row, kind in zip(ROWS, types, strict=True)]
    (tmp_path / "deals.csv").write_text("\n".join(lines) + "\n")
    conn = store.connect(tmp_path / "db.duckdb")
    try:
        result = importing.import_file(conn, tmp_path / "deals.csv")
        assert result.status == "loaded", result.message
        stored = conn.execute("SELECT count(*), sum(amount) FILTER (WHERE outcome = 'won') FROM deals").fetchall()
    finally:
        conn.close()
    return result, stored


@pytest.mark.parametrize("header, types, new, existing", [
    ("Type", ["New Business", "Renewal", "Existing Customer - Upgrade", "New Business"],
     ["New Business"], ["Existing Customer - Upgrade", "Renewal"]),
    ("Deal Type", ["newbusiness", "existingbusiness", "newbusiness", "existingbusiness"],
     ["newbusiness"], ["existingbusiness"]),
    ("Opportunity Type", ["New Logo", "Upsell", "Cross-sell", "New Logo"], ["New Logo"], ["Cross-sell", "Upsell"]),
    ("Typ", ["Neugeschäft", "Verlängerung", "Neugeschäft", "Neugeschäft"], ["Neugeschäft"], ["Verlängerung"]),
])
def test_new_business_beside_renewals_is_counted_whole_and_said(tmp_path, header, types, new, existing):
    result, stored = _import(tmp_path, header, types)
    assert stored == [(4, 7000.0)]          # nothing dropped, no amount changed
    said = [n for n in result.notes if "tells new business" in n]
    assert said == [deal_kinds.note(header, new, existing)], result.notes


@pytest.mark.parametrize("types", [
    ["New Business"] * 4,                                  # one kind: nothing to tell apart
    ["Renewal", "Renewal", "Upsell", "Renewal"],            # an account managers' team: all existing customers
    ["Invoice", "Invoice", "Invoice", "Invoice"],           # an ERP's document type
])
def test_one_kind_of_deal_says_nothing(tmp_path, types):
    result, stored = _import(tmp_path, "Type", types)
    assert stored == [(4, 7000.0)]
    assert not [n for n in result.notes if "tells new business" in n], result.notes


def test_a_credit_note_beside_new_business_is_still_a_credit(tmp_path):
    result, stored = _import(tmp_path, "Type", ["New Business", "Credit Note", "Renewal", "New Business"])
    assert stored == [(4, 3000.0)]          # the credit of 2000 taken off: 1000 - 2000 + 4000
    assert [n for n in result.notes if "tells new business" in n] and [n for n in result.notes if "credit" in n]


@pytest.mark.parametrize("value, kind", [
    ("New Business", "new"), ("new", "new"), ("Net New", "new"), ("New Customer", "new"), ("Nuevo negocio", "new"),
    ("Nouvelle affaire", "new"), ("Renewal", "existing"), ("Existing Business", "existing"),
    ("Existing Customer - Replacement", "existing"), ("Up-sell", "existing"), ("Add-on", "existing"),
    ("Expansion", "existing"), ("Renouvellement", "existing"), ("Renovación", "existing"),
    ("Newsletter", None), ("Partner", None), ("Invoice", None), ("Credit Note", None), ("Renewal date", None),
])
def test_kinds_of_values(value, kind):
    new, existing = deal_kinds.kinds([value])
    assert ("new" if new else "existing" if existing else None) == kind


@pytest.mark.parametrize("pipelines, said", [(["Sales Pipeline", "Renewals", "Sales Pipeline", "Renewals"], True),
                                             (["Sales Pipeline"] * 4, False)])
def test_deals_of_several_pipelines_are_counted_together_and_said(tmp_path, pipelines, said):
    """HubSpot's export names each deal's pipeline: a renewals pipeline beside the sales one was counted whole."""
    lines = ["Deal owner,Deal Stage,Amount,Close Date,Pipeline"]
    lines += [f"{rep},{stage},{amount},{close},{p}" for (_, rep, stage, amount, close), p
              in zip(ROWS, pipelines, strict=True)]
    (tmp_path / "deals.csv").write_text("\n".join(lines) + "\n")
    conn = store.connect(tmp_path / "db.duckdb")
    try:
        first = importing.import_file(conn, tmp_path / "deals.csv")
        again = importing.import_file(conn, tmp_path / "deals.csv")   # ids made without the pipeline: the same
        stored = conn.execute("SELECT count(*), sum(amount) FILTER (WHERE outcome = 'won') FROM deals").fetchall()
    finally:
        conn.close()
    assert stored == [(4, 7000.0)] and (again.new, again.unchanged) == (0, 4), again.message
    notes = [n for n in first.notes if "pipelines" in n]
    assert notes == ([deal_kinds.pipelines_note("Pipeline", ["Renewals", "Sales Pipeline"])] if said else []), first.notes
