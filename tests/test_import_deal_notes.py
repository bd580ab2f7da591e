"""A won deal of a negative amount (a credit note, a return on a line of its own) is said for what it
does: it nets won revenue and counts as a deal won. A return inside an order is summed into its net.

The note said only "kept as negative", for lost and open deals alike, while each credit note counted as
a deal won (deal counts, win rate and average deal size) without a word.
"""

from __future__ import annotations

import pytest

from analytics import importing
from analytics.importing import deal_notes

ORDERS = ("Order No.,Sales Rep,Order Date,Line Amount,Status\n"
          "SO-1,Ann Lee,2024-03-01,1000,Won\nSO-1,Ann Lee,2024-03-01,-200,Won\n"   # a return line of its order
          "SO-2,Bob Ray,2024-03-02,500,Won\nCN-9,Bob Ray,2024-03-05,-500,Won\n"    # a credit note of its own
          "SO-3,Ann Lee,2024-03-06,700,Lost\nSO-4,Ann Lee,2024-03-07,-50,Lost\n")


def test_each_predicate_has_its_note():
    for i in range(len(deal_notes.DEAL_NOTES)):
        counts = [0] * len(deal_notes.DEAL_NOTES)
        counts[i] = 1
        assert len(deal_notes.texts(counts, 1, created=True)) == 1, deal_notes.DEAL_NOTES[i]
    assert len(deal_notes.DEAL_NOTES) <= 8  # (a streamed stage's note_mask is a UTINYINT)


@pytest.mark.parametrize("stored_first", [False, True], ids=["first load (one read)", "streamed"])
def test_a_won_credit_note_is_said_to_count_as_a_deal_won(conn, tmp_path, stored_first):
    if stored_first:  # (deals stored already: the file is streamed, not written by its one read)
        (tmp_path / "other.csv").write_text("Deal ID,Owner,Stage,Amount,Close Date\nX1,Cy Dee,Closed Won,10,2024-01-02\n")
        importing.import_file(conn, tmp_path / "other.csv")
    rows = [f"D{i},Ann Lee,Closed Won,{-100 if i % 50 == 0 else 100},2024-03-{1 + i % 28:02d}" for i in range(3_000)]
    rows += ["L1,Ann Lee,Closed Lost,-20,2024-03-03"]
    (tmp_path / "deals.csv").write_text("Deal ID,Owner,Stage,Amount,Close Date\n" + "\n".join(rows) + "\n")
    result = importing.import_file(conn, tmp_path / "deals.csv")
    assert result.rows_loaded == 3_001
    assert any(n.startswith("60 won deal(s) have a negative amount (credit notes or returns on lines of their own): "
                            "kept, so won revenue is net of them, but each also counts as a deal won") for n in result.notes)
    assert "1 open or lost deal(s) with a negative amount kept as negative" in result.notes


def test_a_return_line_is_summed_into_its_order_and_a_credit_note_is_said(conn, tmp_path):
    (tmp_path / "orders.csv").write_text(ORDERS)
    result = importing.import_file(conn, tmp_path / "orders.csv")
    assert conn.execute("SELECT deal_id, amount FROM deals ORDER BY deal_id").fetchall() == [
        ("CN-9", -500.0), ("SO-1", 800.0), ("SO-2", 500.0), ("SO-3", 700.0), ("SO-4", -50.0)]
    assert any(n.startswith("1 won deal(s) have a negative amount") for n in result.notes), result.notes
    assert "1 open or lost deal(s) with a negative amount kept as negative" in result.notes


def test_the_mask_gives_each_predicate_its_bit():
    import duckdb
    cols = {n: n for n in ("outcome", "amount", "close_date", "created_date")}
    conn = duckdb.connect()
    conn.execute("CREATE TABLE d AS SELECT * FROM (VALUES ('won', -5.0), ('lost', -5.0), ('open', NULL), ('won', 0.0), "
                 "('open', -1.0), ('lost', 0.0), ('won', 10.0)) t(outcome, amount), "
                 "(VALUES (DATE '2024-01-02', NULL), (NULL, DATE '2024-01-01'), (DATE '2024-01-01', DATE '2024-02-01')) "
                 "u(close_date, created_date)")
    per_predicate = " + ".join(f"(CASE WHEN {p.format(**cols)} THEN {1 << i} ELSE 0 END)"
                               for i, p in enumerate(deal_notes.DEAL_NOTES))
    assert conn.execute(f"SELECT count(*) FILTER (WHERE ({deal_notes.mask_sql(cols)}) IS DISTINCT FROM ({per_predicate})), "
                        "count(*) FROM d").fetchone() == (0, 21)
