"""Order lines (issue 12, defect 5): an order number by any usual name, or by its values alone, is the
deal id; lines sharing one are summed into one order (or kept, by choice), and "orders" no order can
be (a constant column, an id spanning reps or months) are set aside or refuse the file.

The files are written here from a seeded random.Random; their expected orders are counted apart
from the import, in Python.
"""

from __future__ import annotations

import json
import random
from datetime import date, timedelta
from pathlib import Path
from typing import NamedTuple

import pytest
from helpers import CORPUS, fetch_rows, run_cli

from analytics import importing, store
from analytics.importing import order_lines

REPS = ["Ann Lee", "Bob Ray", "Cy Doe", "Dee Park", "Eve Moss"]
PRODUCTS = ["Widget", "Gadget", "Cable", "Bracket", "Licence", "Support"]
# The names of order numbers the issue found unread, and two more as exports write them.
ORDER_HEADERS = ["Sales Order", "Order No.", "SalesOrderNumber", "Invoice Number", "Document No", "Order ID",
                 "Invoice No"]


class OrdersFile(NamedTuple):
    """A generated export of order lines and what it holds, counted as it was written."""

    path: Path
    lines: int
    orders: dict[str, float]   # order number -> the sum of its lines
    reps: dict[str, str]       # order number -> its rep


def write_order_lines(path: Path, id_header: str, *, seed: int = 11, n_orders: int = 40,
                      extra_columns: bool = False) -> OrdersFile:
    """Lines of ``n_orders`` orders (one to six lines each: one rep, one customer, one date), shuffled
    so an order's lines are not together; ``extra_columns`` adds a line number and a quantity, which
    repeat too but are no order numbers."""
    rng = random.Random(seed)
    rows, orders, reps = [], {}, {}
    for k in range(n_orders):
        number = f"{rng.choice(['SO', 'INV', '4711'])}-{10_000 + k}"
        rep, customer = rng.choice(REPS), f"Customer {rng.randrange(12)}"
        day = date(2024, 1, 1) + timedelta(days=rng.randrange(365))
        orders[number], reps[number] = 0.0, rep
        for line in range(1, rng.randint(2, 6) + 1):
            cents = rng.randrange(500, 90_000)
            orders[number] += cents / 100
            row = [number, rep, customer, rng.choice(PRODUCTS), f"{cents / 100:.2f}", day.isoformat()]
            if extra_columns:
                row += [str(line), str(rng.randint(1, 9))]
            rows.append(row)
    rng.shuffle(rows)
    header = [id_header, "Salesperson", "Customer", "Product", "Line Total", "Order Date"]
    if extra_columns:
        header += ["Line", "Qty"]
    path.write_text("\n".join(",".join(r) for r in [header, *rows]) + "\n")
    return OrdersFile(path, len(rows), orders, reps)


@pytest.fixture
def conn():
    c = store.connect(":memory:")
    yield c
    c.close()


def stored_orders(conn) -> dict[str, float]:
    return {r.deal_id: r.amount for r in fetch_rows(conn, "SELECT deal_id, amount FROM deals")}


def assert_summed(conn, result, orders_file: OrdersFile, id_header: str, rejected: int = 0) -> None:
    """The import stored exactly the file's orders, summed, with their reps, and said so."""
    assert result.status == "loaded", result.message
    assert (result.rows_read, result.rows_loaded, result.rows_rejected) == \
        (orders_file.lines + rejected, orders_file.lines, rejected)
    stored = stored_orders(conn)
    assert stored.keys() == orders_file.orders.keys()
    assert all(stored[k] == pytest.approx(v) for k, v in orders_file.orders.items())
    reps = dict(conn.execute("SELECT deal_id, rep FROM deals").fetchall())
    assert reps == orders_file.reps
    summed = f"{orders_file.lines:,} lines summed into {len(orders_file.orders):,} orders by '{id_header}'"
    assert any(n.startswith(summed) for n in result.notes), result.notes


@pytest.mark.parametrize("id_header", ORDER_HEADERS)
def test_an_order_number_by_any_usual_name_sums_lines_into_orders(conn, tmp_path, id_header):
    orders_file = write_order_lines(tmp_path / "orders.csv", id_header)
    plan = importing.inspect_file(conn, orders_file.path)
    assert plan.mapping[id_header] == "deal_id" and plan.lines == "sum"
    assert_summed(conn, importing.import_file(conn, orders_file.path), orders_file, id_header)


def test_a_unique_order_number_is_a_plain_deal_id(conn):
    plan = importing.inspect_file(conn, CORPUS / "orders_no_stage.csv")
    assert plan.mapping["Invoice Number"] == "deal_id" and plan.lines is None
    assert not any("summed" in n for n in plan.notes)
    assert plan.preview["deal_id"].tolist() == ["INV1", "INV2", "INV3"]


def test_an_unnamed_column_of_order_numbers_is_found_by_its_values(conn, tmp_path):
    """'Ref' says nothing, but its repeated values each sit on lines of one rep and one date with
    several amounts; 'Line' and 'Qty' repeat too, across dates and reps, and are left alone."""
    orders_file = write_order_lines(tmp_path / "export.csv", "Ref", extra_columns=True)
    result = importing.import_file(conn, orders_file.path)
    assert any(n.startswith("'Ref' taken as the order number (deal id) by its values") for n in result.notes)
    assert_summed(conn, result, orders_file, "Ref")
    mapping = json.loads(conn.execute("SELECT mapping_json FROM imports").fetchall()[0][0])
    assert mapping["Ref"] == "deal_id" and "Line" not in mapping and "Qty" not in mapping


@pytest.mark.parametrize("breaks_from", [0.0, 0.9])
def test_order_numbers_found_by_values_in_a_file_whose_notes_hold_line_breaks(conn, tmp_path, breaks_from):
    """Notes with line breaks inside quotes, from the first line or only past the first MiB (the head
    the file is judged on): DuckDB's parallel reader refuses such a file with null padding, which the
    look at the values uses, so that look reads in one thread (it ended with exit 1 before)."""
    orders_file = write_order_lines(tmp_path / "export.csv", "Ref", n_orders=2_400)
    rng = random.Random(8)
    header, *rows = orders_file.path.read_text().splitlines()
    noted = []
    for i, row in enumerate(rows):
        words = " ".join(rng.choice(PRODUCTS) for _ in range(40))
        if i >= breaks_from * len(rows):
            words = words.replace(" ", "\n", 2)
        noted.append(f'{row},"{words}"')
    orders_file.path.write_text("\n".join([header + ",Notes", *noted]) + "\n")
    assert orders_file.path.stat().st_size > 2 << 20
    result = importing.import_file(conn, orders_file.path)
    assert any(n.startswith("'Ref' taken as the order number (deal id) by its values") for n in result.notes)
    assert_summed(conn, result, orders_file, "Ref")


@pytest.mark.parametrize("case", ["unique", "customer-like", "ignored"])
def test_a_column_that_does_not_number_orders_is_not_taken_by_its_values(conn, tmp_path, case):
    """A unique column proves nothing; a repeating one whose values span dates and reps is a customer
    or product number; a column the manager ignored stays ignored."""
    rng = random.Random(5)
    lines = ["Ref,Salesperson,Line Total,Order Date"]
    for i in range(60):
        ref = {"unique": f"R-{i}", "customer-like": f"C-{i % 7}", "ignored": f"R-{i // 3}"}[case]
        rep = REPS[i // 3 % len(REPS)] if case == "ignored" else rng.choice(REPS)
        day = date(2024, 1, 1) + timedelta(days=i // 3 if case == "ignored" else rng.randrange(300))
        lines.append(f"{ref},{rep},{rng.randrange(10, 900)},{day.isoformat()}")
    path = tmp_path / "deals.csv"
    path.write_text("\n".join(lines) + "\n")
    override = {"Ref": "-"} if case == "ignored" else None
    result = importing.import_file(conn, path, mapping=override)
    assert result.status == "loaded" and result.rows_loaded == 60
    assert conn.execute("SELECT count(*) FROM deals").fetchall() == [(60,)]
    assert not any("order number" in n or "summed" in n for n in result.notes), result.notes
    assert "Ref" not in json.loads(conn.execute("SELECT mapping_json FROM imports").fetchall()[0][0])


def test_keep_lines_is_a_choice_remembered_with_the_mapping(tmp_path):
    """--keep-lines stores each line as a deal ('SO-10000 #1', ...); the next import of the same
    headers keeps lines without being told; summing now would count the orders twice, so it is
    refused until the earlier import is undone."""
    db = str(tmp_path / "keep.duckdb")
    orders_file = write_order_lines(tmp_path / "orders.csv", "Sales Order", n_orders=25)
    kept = run_cli("import", str(orders_file.path), "--db", db, "--keep-lines", "--json")
    assert kept.returncode == 0, kept.stdout
    result = json.loads(kept.stdout)
    assert (result["rows_loaded"], result["new"]) == (orders_file.lines, orders_file.lines)
    assert any(f"{orders_file.lines} lines of 25 orders in 'Sales Order' kept as deals" in n for n in result["notes"])
    conn = store.connect(db)
    try:
        ids = [r.deal_id for r in fetch_rows(conn, "SELECT deal_id FROM deals")]
        per_order = dict(conn.execute("SELECT regexp_replace(deal_id, ' #[0-9]+$', ''), sum(amount) FROM deals "
                                      "GROUP BY 1").fetchall())
    finally:
        conn.close()
    assert all(" #" in i for i in ids) and len(set(ids)) == orders_file.lines
    assert per_order.keys() == orders_file.orders.keys()
    assert all(per_order[k] == pytest.approx(v) for k, v in orders_file.orders.items())

    again = run_cli("import", str(orders_file.path), "--db", db, "--json")  # remembered: lines kept
    assert json.loads(again.stdout)["unchanged"] == orders_file.lines

    summed = run_cli("import", str(orders_file.path), "--db", db, "--sum-lines")
    assert summed.returncode == 2
    assert "25 orders of this file are stored with their lines kept as deals, one per line by import #1" in summed.stdout
    assert "python -m analytics imports undo 1" in summed.stdout
    assert run_cli("imports", "undo", "2", "--db", db).returncode == 0
    assert run_cli("imports", "undo", "1", "--db", db).returncode == 0
    summed = run_cli("import", str(orders_file.path), "--db", db, "--sum-lines", "--json")
    assert json.loads(summed.stdout)["new"] == 25
    conn = store.connect(db)
    try:
        assert stored_orders(conn).keys() == orders_file.orders.keys()
    finally:
        conn.close()


def write_one_id(path: Path, n_lines: int, *, spread: bool, seed: int = 3) -> tuple[int, int]:
    """``n_lines`` lines all carrying order number 'ACME-1' (a constant column taken for an order
    number), of many reps and dates when ``spread``; returns (lines, their sum in whole units)."""
    rng = random.Random(seed)
    lines, total = ["Order No.,Sales Rep,Order Date,Amount"], 0
    for _ in range(n_lines):
        amount = rng.randrange(2_000_000, 5_000_000)
        total += amount
        rep = rng.choice(REPS) if spread else "Ann Lee"
        day = date(2023, 1, 1) + timedelta(days=rng.randrange(700) if spread else 0)
        lines.append(f"ACME-1,{rep},{day.isoformat()},{amount}")
    path.write_text("\n".join(lines) + "\n")
    return n_lines, total


@pytest.mark.parametrize("spread", [True, False], ids=["many-reps-and-dates", "one-rep-one-date"])
def test_one_id_on_twenty_thousand_lines_is_refused_not_summed(tmp_path, spread):
    """The 1.25M-line file summed into one deal of 70,000,000,000, scaled down: refused, naming
    the file, the column, the id, its line count and its sum; nothing stored."""
    db = str(tmp_path / "guard.duckdb")
    path = tmp_path / "constant_order.csv"
    n, total = write_one_id(path, 20_000, spread=spread)
    res = run_cli("import", str(path), "--db", db)
    assert res.returncode == 2, res.stdout
    message = res.stdout.splitlines()[0]
    assert message.startswith(f"{path}: column 'Order No.' does not number orders: 20,000 of the 20,000 lines")
    assert f"'Order No.' = 'ACME-1': 20,000 lines summing to ${total:,}" in message
    assert "its lines " in message and "100% of the file's lines" in message
    assert ("carry 5 reps" in message) == spread
    conn = store.connect(db)
    try:
        assert store.table_counts(conn)["deals"] == 0
        assert conn.execute("SELECT status FROM imports").fetchall() == [("refused",)]
    finally:
        conn.close()


def test_a_few_implausible_orders_are_set_aside_and_the_rest_summed(conn, tmp_path):
    """Among good orders: one id whose lines carry two reps, one whose dates are months apart, and
    one of 1,500 lines (hundreds of times the median order's): their lines are rejected with a
    reason naming the id, its lines and its sum; the other orders are stored summed."""
    orders_file = write_order_lines(tmp_path / "orders.csv", "Invoice No", n_orders=800, seed=4)
    text = orders_file.path.read_text()
    bad = ["INV-X1,Ann Lee,Customer 1,Widget,10.00,2024-03-01", "INV-X1,Bob Ray,Customer 1,Widget,20.00,2024-03-01",
           "INV-X2,Cy Doe,Customer 2,Cable,5.00,2024-01-10", "INV-X2,Cy Doe,Customer 2,Cable,5.00,2024-06-10"]
    bad += ["INV-X3,Dee Park,Customer 3,Licence,1.00,2024-05-05"] * 1_500
    orders_file.path.write_text(text + "\n".join(bad) + "\n")
    result = importing.import_file(conn, orders_file.path)
    assert_summed(conn, result, orders_file, "Invoice No", rejected=len(bad))
    reasons = {r.value: r.reason for r in fetch_rows(conn, "SELECT DISTINCT value, reason FROM import_rejects")}
    assert reasons.keys() == {"INV-X1", "INV-X2", "INV-X3"}
    assert reasons["INV-X1"].endswith("'Invoice No' = 'INV-X1': 2 lines summing to $30, but its lines carry 2 reps")
    assert "its lines span 152 days (2024-01-10 to 2024-06-10)" in reasons["INV-X2"]
    assert "'INV-X3': 1,500 lines summing to $1,500, but its lines are" in reasons["INV-X3"]
    assert "times the median order's" in reasons["INV-X3"]
    lines = sorted(r.line for r in fetch_rows(conn, "SELECT line FROM import_rejects"))
    assert lines == list(range(orders_file.lines + 2, orders_file.lines + 2 + len(bad)))
    assert any(n.startswith("3 order ids whose lines cannot be one order") for n in result.notes)


def _deal_rows(path: Path, rows: list[tuple[str, str, str, str, str]]) -> Path:
    path.write_text("Deal ID,Owner,Close Date,Amount,Stage\n" + "\n".join(",".join(r) for r in rows) + "\n")
    return path


def test_a_deal_listed_at_two_stages_is_its_history_set_aside_not_summed(conn, tmp_path):
    """A deal's rows at 'Negotiation' and then 'Closed Won' are one deal at two times: their sum would
    count it twice, at its first row's stage."""
    rows = [("D1", "Ann Lee", "2024-01-05", "1000", "Closed Won"), ("D2", "Bob Ray", "2024-01-06", "2000", "Negotiation"),
            ("D2", "Bob Ray", "2024-02-06", "2500", "Closed Won"), ("D3", "Bob Ray", "2024-02-07", "700", "Closed Won")]
    result = importing.import_file(conn, _deal_rows(tmp_path / "deals.csv", rows))
    assert stored_orders(conn) == {"D1": 1000.0, "D3": 700.0}
    assert [(r["line"], r["value"]) for r in result.rejects] == [(3, "D2"), (4, "D2")]
    assert "its lines carry 2 outcomes ('Closed Won', 'Negotiation'): a deal's history" in result.rejects[0]["reason"]


def test_a_history_export_is_refused_saying_what_to_export(conn, tmp_path):
    rows = [(f"D{k}", "Ann Lee", f"2024-0{m}-05", str(100 * k), stage)
            for k in range(1, 6) for m, stage in ((1, "Prospecting"), (2, "Negotiation"), (3, "Closed Won"))]
    result = importing.import_file(conn, _deal_rows(tmp_path / "history.csv", rows))
    assert result.status == "refused" and "does not number orders" in result.message
    assert result.message.endswith("Export each deal once, at its current stage")
    assert fetch_rows(conn, "SELECT count(*) FROM deals") == [(0,)]


@pytest.mark.parametrize("copies", [1, 3])
def test_a_deal_the_export_lists_twice_is_counted_once(conn, tmp_path, copies):
    rows = [("D1", "Ann Lee", "2024-01-05", "1000", "Closed Won"), ("D2", "Bob Ray", "2024-01-06", "2000", "Closed Won")]
    rows += [rows[0]] * copies
    result = importing.import_file(conn, _deal_rows(tmp_path / "deals.csv", rows))
    assert stored_orders(conn) == {"D1": 1000.0, "D2": 2000.0}
    word = "row repeats" if copies == 1 else "rows repeat"
    assert any(n.startswith(f"{copies} {word} an earlier row of the same 'Deal ID' in every column: each deal is "
                            "counted once") for n in result.notes), result.notes
    assert not any("summed" in n for n in result.notes)


def test_order_lines_with_one_repeated_line_are_still_summed(conn, tmp_path):
    """Copies are told from lines only when every repeated id is a copy: a real order's two equal lines
    (the same product twice) beside orders of different lines are lines."""
    rows = [("SO-1", "Ann Lee", "2024-01-05", "40", "Closed Won"), ("SO-1", "Ann Lee", "2024-01-05", "40", "Closed Won"),
            ("SO-2", "Bob Ray", "2024-01-06", "10", "Closed Won"), ("SO-2", "Bob Ray", "2024-01-06", "25", "Closed Won")]
    result = importing.import_file(conn, _deal_rows(tmp_path / "orders.csv", rows))
    assert stored_orders(conn) == {"SO-1": 80.0, "SO-2": 35.0}
    assert any(n.startswith("4 lines summed into 2 orders") for n in result.notes)


@pytest.mark.parametrize("writer", ["Sales Order", "Ref"])
def test_reimporting_order_lines_twice_changes_nothing(conn, tmp_path, writer):
    orders_file = write_order_lines(tmp_path / "orders.csv", writer, extra_columns=writer == "Ref")
    first = importing.import_file(conn, orders_file.path)
    before = fetch_rows(conn, "SELECT * FROM deals ORDER BY deal_id")
    for _ in range(2):
        again = importing.import_file(conn, orders_file.path)
        assert (again.new, again.updated, again.unchanged) == (0, 0, len(orders_file.orders))
        assert again.notes == [n for n in first.notes if "taken as the order number" not in n]  # (remembered)
    assert fetch_rows(conn, "SELECT * FROM deals ORDER BY deal_id") == before


def test_the_note_is_in_the_cli_text_json_and_history(tmp_path):
    db = str(tmp_path / "notes.duckdb")
    note = ("6 lines summed into 3 orders by 'Sales Order' (amounts added; other columns from each order's "
            "first line); " + order_lines.KEEP_HINT)
    text = run_cli("import", str(CORPUS / "sales_order_lines.csv"), "--db", db)
    assert f"  note: {note}" in text.stdout.splitlines()
    as_json = run_cli("import", str(CORPUS / "sales_order_lines.csv"), "--db", db, "--json")
    assert note in json.loads(as_json.stdout)["notes"]
    listed = run_cli("imports", "list", "--db", db)
    assert listed.stdout.count(f"note: {note}") == 2
