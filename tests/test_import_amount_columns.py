"""A deal export with several money columns says which one was read as the amount.

Salesforce and HubSpot exports hold Amount beside Expected Revenue, Total Contract Value, ARR, MRR, a
weighted amount: Amount was read and the others dropped without a word, so a manager whose targets are
in ARR did not learn that attainment counts Amount.
"""

from __future__ import annotations

import pytest

from analytics import importing, store
from analytics.importing import amount_columns


@pytest.mark.parametrize("other", ["Total Contract Value", "ARR", "MRR", "Annual Contract Value",
                                   "Expected Revenue", "Weighted Amount", "Deal Value"])
def test_the_amount_read_and_the_others_are_named(tmp_path, other):
    (tmp_path / "deals.csv").write_text(f"Opportunity ID,Opportunity Owner,Stage,{other},Amount,Close Date\n"
                                        "1,Ann Lee,Closed Won,36000,1000,2024-03-01\n"
                                        "2,Bob Ray,Closed Won,72000,2000,2024-03-02\n")
    conn = store.connect(tmp_path / "db.duckdb")
    result = importing.import_file(conn, tmp_path / "deals.csv")
    assert conn.execute("SELECT sum(amount) FROM deals").fetchall() == [(3000.0,)]
    conn.close()
    assert f"amounts read from 'Amount'; not read: '{other}'" in " ".join(result.notes)


def test_one_money_column_needs_no_note(tmp_path):
    (tmp_path / "deals.csv").write_text("Opportunity ID,Opportunity Owner,Stage,Amount,Probability (%),Close Date\n"
                                        "1,Ann Lee,Closed Won,1000,100,2024-03-01\n")
    conn = store.connect(tmp_path / "db.duckdb")
    result = importing.import_file(conn, tmp_path / "deals.csv")
    conn.close()
    assert not [n for n in result.notes if "amounts read from" in n]


@pytest.mark.parametrize("headers, read, others", [
    (["Amount", "Expected Revenue", "ARR", "TCV"], ["Amount"], ["Expected Revenue", "ARR", "TCV"]),
    (["Amount", "Probability (%)", "Amount Currency", "Opportunity Name"], ["Amount"], []),
    (["Amount", "Split Amount"], ["Amount"], []),                  # a split's share: the split note says it
    (["Actual Revenue", "Est. Revenue"], ["Actual Revenue", "Est. Revenue"], []),  # both read (coalesced)
    (["Line Total", "Unit Price", "Quantity"], ["Line Total"], ["Unit Price"]),
])
def test_other_amounts(headers, read, others):
    assert amount_columns.other_amounts(headers, read) == others


@pytest.mark.parametrize("header, factor", [("Value ($000)", 1000.0), ("Deal Value (€k)", 1000.0),
                                            ("Amount (USD '000)", 1000.0), ("Amount ($m)", 1_000_000.0)])
def test_a_unit_with_its_currency_in_the_header_is_applied(tmp_path, header, factor):
    """Finance exports write the currency inside the unit: "Value ($000)" matched no amount synonym, and mapped
    by hand its 56 was stored as $56 for $56,000."""
    (tmp_path / "deals.csv").write_text(f"Deal ID,Owner,Stage,{header},Close date\n"
                                        "1,Ann Lee,Won,56,2026-01-15\n2,Bob Ray,Won,30.5,2026-02-15\n")
    conn = store.connect(tmp_path / "db.duckdb")
    result = importing.import_file(conn, tmp_path / "deals.csv")
    assert result.status == "loaded", result.message
    assert conn.execute("SELECT sum(amount) FROM deals").fetchall() == [(86.5 * factor,)]
    conn.close()
    assert any(n.startswith(f"unit from the column header(s) {header}: values multiplied by {factor:g}")
               for n in result.notes), result.notes
