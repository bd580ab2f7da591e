"""A column holding quotas in a file of another kind (a roster's 'Annual Quota') is named in a note: the
import leaves it out (a quota needs its period), and without a word a manager believes the quotas are in."""

from __future__ import annotations

import pytest

from analytics import importing, store

QUOTA_NOTE = "like quotas and"


@pytest.mark.parametrize("name, text, kind, noted", [
    ("roster_quota.csv", "Sales Rep,Team,Start Date,Annual Quota\nAnn Lee,West,2023-01-09,480000\n"
                         "Bob Ray,East,2022-06-01,520000\n", "reps", "'Annual Quota'"),
    ("deals_quota.csv", "Opportunity ID,Opportunity Owner,Stage,Amount,Close Date,Owner Quota,Sales Goal\n"
                        "D1,Ann Lee,Closed Won,1200,2024-01-15,120000,100000\n", "deals", "'Owner Quota', 'Sales Goal'"),
    ("deals_target_date.csv", "Opportunity ID,Opportunity Owner,Stage,Amount,Close Date,Target Close Date\n"
                              "D1,Ann Lee,Closed Won,1200,2024-01-15,2024-01-31\n", "deals", None),
    ("quotas.csv", "Sales Rep,Quarter,Quota,Attainment\nAnn Lee,2024-Q1,120000,98000\n", "targets", None),
])
def test_a_quota_column_another_kind_leaves_out_is_named(tmp_path, name, text, kind, noted):
    path = tmp_path / name
    path.write_text(text)
    conn = store.connect(":memory:")
    preview = importing.inspect_file(conn, path)
    result = importing.import_file(conn, path)
    assert (result.status, result.kind) == ("loaded", kind)
    for notes in (preview.notes, result.notes):
        said = [n for n in notes if QUOTA_NOTE in n]
        if noted is None:
            assert not said, notes
        else:
            assert len(said) == 1 and noted in said[0] and "targets file" in said[0], notes
    assert conn.execute("SELECT count(*) FROM quotas").fetchall()[0][0] == (1 if kind == "targets" else 0)


def _quota_rows(period_header: str) -> str:
    """Quotas by quarter, four reps, two years: each rep on eight rows."""
    rows = [f"{rep},{y} Q{q},{10_000 * (i + 1) + 500 * q}" for i, rep in enumerate(["Ann Lee", "Bob Ray", "Cy Doe", "Di Wu"])
            for y in (2024, 2025) for q in (1, 2, 3, 4)]
    return f"Sales Rep,{period_header},Quota\n" + "\n".join(rows) + "\n"


@pytest.mark.parametrize("period_header", ["Time Period", "Period Name", "Fiscal Quarter", "Reporting Period"])
def test_quotas_whose_period_column_a_crm_names_its_own_way_are_read_as_quotas(tmp_path, period_header):
    """Read as a roster (no synonym named their period), such files loaded each rep's last row and left
    every quota out, with one note among 28 rejected lines."""
    path = tmp_path / "quotas.csv"
    path.write_text(_quota_rows(period_header))
    conn = store.connect(":memory:")
    result = importing.import_file(conn, path)
    assert (result.status, result.kind, result.rows_loaded) == ("loaded", "targets", 32), result.message
    assert conn.execute("SELECT count(*), sum(target) FROM quotas WHERE rep = 'Di Wu'").fetchall() == \
        [(8, 8 * 40_000 + 2 * 500 * (1 + 2 + 3 + 4))]


def test_a_roster_whose_rows_repeat_each_rep_beside_a_quota_is_refused_and_nothing_changes(tmp_path):
    """A period column no synonym names ('Span'): not a roster (four reps on 32 rows beside 'Quota'), and
    loaded as one it took each rep's last row. Refused, naming the rows, the reps and the way to read it."""
    conn = store.connect(":memory:")
    roster = tmp_path / "roster.csv"
    roster.write_text("Sales Rep,Team\nAnn Lee,West\nBob Ray,East\n")
    assert importing.import_file(conn, roster).status == "loaded"
    before = conn.execute("SELECT * FROM reps ORDER BY rep").fetchall()
    path = tmp_path / "quotas.csv"
    path.write_text(_quota_rows("Span"))
    for result in (importing.inspect_file(conn, path), importing.import_file(conn, path)):
        assert getattr(result, "refused", None) or result.status == "refused"
        assert result.message.startswith("quotas.csv: 32 rows name only 4 reps beside column 'Quota': a roster "
                                         "lists each rep once"), result.message
        assert "--kind targets --map 'COLUMN=period'" in result.message
    assert conn.execute("SELECT * FROM reps ORDER BY rep").fetchall() == before
    assert conn.execute("SELECT count(*) FROM imports WHERE status = 'loaded'").fetchall() == [(1,)]
