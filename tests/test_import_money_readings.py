"""Money a deal file writes so that its figure alone misleads, read right or refused.

- A credit note named by a document type column (Type: Invoice / Credit Note) with a positive amount was
  added to won revenue; it is taken off (read as negative), in every way a file is read.
- An amount column in cents (amount_cents, 'Amount (cents)') was read as whole units, 100 times the money.
- A line-items export carrying the deal's total on each of its lines was summed into a deal of twice or
  three times its amount; it is refused, naming the lines' own amount column to read instead.

Expected figures are computed from the rows as written, in Python.
"""

from __future__ import annotations

import pytest
from helpers import run_cli

from analytics import importing

INVOICES = [  # (number, type, rep, date, amount as written)
    ("INV-1", "Invoice", "Ann Lee", "2025-01-10", 1000.0), ("INV-2", "Invoice", "Ann Lee", "2025-01-15", 2000.0),
    ("CN-3", "Credit Note", "Ann Lee", "2025-01-20", 500.0), ("INV-4", "Invoice", "Bob Ray", "2025-02-03", 3000.0),
    ("CN-5", "Credit Memo", "Bob Ray", "2025-02-10", -300.0), ("INV-6", "Invoice", "Bob Ray", "2025-03-10", 1500.0),
]


def _net(rows) -> dict[str, float]:
    out: dict[str, float] = {}
    for _, kind, rep, _, amount in rows:
        out[rep] = out.get(rep, 0.0) + (-abs(amount) if kind.startswith("Credit") else amount)
    return out


def _won_by_rep(conn) -> dict[str, float]:
    return dict(conn.execute("SELECT rep, sum(amount) FROM deals WHERE outcome = 'won' GROUP BY rep").fetchall())


@pytest.mark.parametrize("header", ["Type", "Document Type", "Transaction Type"])
@pytest.mark.parametrize("stored_first", [False, True], ids=["first load", "deals stored"])
def test_a_credit_note_named_by_its_type_is_taken_off_won_revenue(conn, tmp_path, header, stored_first):
    if stored_first:
        (tmp_path / "other.csv").write_text("Invoice No,Salesperson,Invoice Date,Amount\nX-1,Cy Dee,2024-12-02,10\n")
        importing.import_file(conn, tmp_path / "other.csv")
    lines = [f"Invoice No,{header},Salesperson,Invoice Date,Amount"]
    lines += [f"{n},{k},{r},{d},{a:.2f}" for n, k, r, d, a in INVOICES]
    (tmp_path / "invoices.csv").write_text("\n".join(lines) + "\n")
    result = importing.import_file(conn, tmp_path / "invoices.csv")
    assert result.rows_loaded == len(INVOICES)
    won = _won_by_rep(conn)
    assert {r: won[r] for r in ("Ann Lee", "Bob Ray")} == _net(INVOICES)
    assert any(n.startswith(f"rows whose '{header}' is 'Credit Memo', 'Credit Note' are credit notes")
               for n in result.notes), result.notes


def test_a_credit_note_past_the_first_rows_is_negative_too(conn, tmp_path):
    """A first load is planned on its first rows: a credit only at the end plans it again."""
    rows = [(f"INV-{i}", "Invoice", f"Rep {i % 5}", f"2025-0{1 + i % 6}-1{i % 9}", 100.0 + i % 37)
            for i in range(30_000)]
    rows.append(("CN-1", "Credit Note", "Rep 1", "2025-03-10", 999.0))
    body = "".join(f"{n},{k},{r},{d},{a:.2f}\n" for n, k, r, d, a in rows)
    (tmp_path / "big.csv").write_text("Invoice No,Type,Salesperson,Invoice Date,Amount\n" + body)
    importing.import_file(conn, tmp_path / "big.csv")
    assert conn.execute("SELECT amount FROM deals WHERE deal_id = 'CN-1'").fetchall() == [(-999.0,)]
    assert _won_by_rep(conn) == pytest.approx(_net(rows))


def test_a_type_column_naming_no_credit_changes_nothing(conn, tmp_path):
    (tmp_path / "opps.csv").write_text(
        "Opportunity ID,Opportunity Owner,Type,Stage,Amount,Close Date\n"
        "1,Ann Lee,New Business,Closed Won,1000,2025-01-10\n2,Ann Lee,Renewal,Closed Won,2000,2025-01-12\n")
    result = importing.import_file(conn, tmp_path / "opps.csv")
    assert _won_by_rep(conn) == {"Ann Lee": 3000.0}
    assert not any("credit notes" in n for n in result.notes)


@pytest.mark.parametrize("header", ["amount_cents", "Amount (cents)", "Amount in cents"])
def test_an_amount_in_cents_is_read_in_whole_units(conn, tmp_path, header):
    (tmp_path / "charges.csv").write_text(
        f"Deal ID,Owner,Close Date,{header},Stage\n1,Ann Lee,2025-01-10,100000,Won\n2,Ann Lee,2025-01-15,250050,Won\n")
    result = importing.import_file(conn, tmp_path / "charges.csv")
    assert result.status == "loaded", result.message
    assert _won_by_rep(conn) == {"Ann Lee": pytest.approx(3500.50)}
    assert any("values multiplied by 0.01" in n for n in result.notes), result.notes


LINE_ITEMS = ("Deal ID,Deal Owner,Close Date,Deal Stage,Amount,Product,Quantity,Unit Price,Line Total\n"
              "D1,Ann Lee,2025-01-10,Closed Won,3000,Widget,2,1000,2000\n"
              "D1,Ann Lee,2025-01-10,Closed Won,3000,Gadget,1,1000,1000\n"
              "D2,Bob Ray,2025-02-10,Closed Won,500,Widget,1,500,500\n"
              "D3,Ann Lee,2025-03-10,Closed Won,4500,Widget,3,1000,3000\n"
              "D3,Ann Lee,2025-03-10,Closed Won,4500,Service,1,1500,1500\n")


def test_a_deal_total_repeated_on_its_line_items_is_refused_not_summed(conn, tmp_path):
    (tmp_path / "line_items.csv").write_text(LINE_ITEMS)
    result = importing.import_file(conn, tmp_path / "line_items.csv")
    assert result.status == "refused"
    assert "line_items.csv: every order of several lines in 'Deal ID' carries one amount on all of its lines " \
           "(for example 'D1': 2 lines of" in result.message
    assert "--map 'Line Total=amount'" in result.message
    assert conn.execute("SELECT count(*) FROM deals").fetchall() == [(0,)]
    code = run_cli("import", "--db", str(tmp_path / "db2.duckdb"), str(tmp_path / "line_items.csv"),
                   "--map", "Line Total=amount").returncode
    assert code == 0
    import duckdb
    with duckdb.connect(str(tmp_path / "db2.duckdb"), read_only=True) as c:
        assert dict(c.execute("SELECT deal_id, amount FROM deals").fetchall()) == {
            "D1": 3000.0, "D2": 500.0, "D3": 4500.0}


def test_order_lines_of_different_amounts_are_still_summed(conn, tmp_path):
    (tmp_path / "orders.csv").write_text(
        "Order No.,Sales Rep,Order Date,Line Amount,Product\n"
        "SO-1,Ann Lee,2024-03-01,1000,A\nSO-1,Ann Lee,2024-03-01,200,B\n"
        "SO-2,Bob Ray,2024-03-02,500,A\nSO-2,Bob Ray,2024-03-02,500,B\nSO-3,Bob Ray,2024-03-03,70,A\n")
    result = importing.import_file(conn, tmp_path / "orders.csv")
    assert result.status == "loaded", result.message
    assert dict(conn.execute("SELECT deal_id, amount FROM deals").fetchall()) == {
        "SO-1": 1200.0, "SO-2": 1000.0, "SO-3": 70.0}
