"""A date in Excel's text wrapper, ``="2024-03-01"``, is read as the date it wraps.

Ids, reps, labels and amounts were read through the wrapper; every wrapped date was rejected ("not a
date"), so an export wrapping its cells for Excel lost each of its deals and activities.
"""

from __future__ import annotations

import datetime as dt

import pytest

from analytics import importing, store

D = dt.date


@pytest.mark.parametrize("cell, expected", [
    ('="2024-03-01"', D(2024, 3, 1)),
    ('"=""2024-03-01 10:30"""', D(2024, 3, 1)),
    ('="03/25/2024"', D(2024, 3, 25)),
    ('="3/5/24"', D(2024, 3, 5)),          # (a two-digit year: the regex path)
    ('"=""Mar 7, 2024"""', D(2024, 3, 7)),  # (a month name)
    ('="20240309"', D(2024, 3, 9)),
    ('="2024/03/10"', D(2024, 3, 10)),
    ('= "2024-03-11"', None),              # (not a whole wrapper: rejected as written)
    ('="soon"', None),
])
def test_a_wrapped_date_is_the_date_it_wraps(tmp_path, cell, expected):
    (tmp_path / "deals.csv").write_text("Deal ID,Owner,Stage,Amount,Close Date\n"
                                        f"1,Ann Lee,Closed Won,100,{cell}\n2,Bob Ray,Closed Won,200,03/29/2024\n")
    conn = store.connect(tmp_path / "db.duckdb")
    result = importing.import_file(conn, tmp_path / "deals.csv")
    stored = conn.execute("SELECT close_date FROM deals WHERE deal_id = '1'").fetchall()
    if expected is None:
        assert stored == [] and result.rejects[0]["reason"].startswith("not a date: ")
    else:
        assert stored == [(expected,)] and result.rows_rejected == 0, result.rejects
    conn.close()


def test_wrapped_dates_prove_or_leave_open_their_column_order(tmp_path):
    conn = store.connect(tmp_path / "db.duckdb")
    (tmp_path / "dmy.csv").write_text('Activity ID,Assigned To,Date,Type\n1,Ann Lee,="25/03/2024",Call\n'
                                      '2,Ann Lee,="03/04/2024",Call\n')
    result = importing.import_file(conn, tmp_path / "dmy.csv")
    assert result.rows_loaded == 2 and not [n for n in result.notes if "ambiguous" in n]
    assert conn.execute("SELECT activity_date FROM activities ORDER BY activity_id").fetchall() == [
        (D(2024, 3, 25),), (D(2024, 4, 3),)]
    (tmp_path / "amb.csv").write_text('Activity ID,Assigned To,Date,Type\n3,Ann Lee,="03/04/2024",Call\n'
                                      '4,Ann Lee,="03/05/2024",Call\n')
    result = importing.import_file(conn, tmp_path / "amb.csv")
    assert any("every date is ambiguous" in n and "dates read month-first" in n for n in result.notes), result.notes
    conn.close()


@pytest.mark.parametrize("kind", ["deals", "activities"])
def test_a_long_file_of_wrapped_dates_after_plain_ones(tmp_path, kind):
    """Plain dates in the sample (the reader may type the column) and wrapped ones later, in a deal file
    with ids (streamed) and an activity log without (written by its one read)."""
    n = 6_000
    rows = []
    for i in range(n):
        day = D(2024, 1, 1) + dt.timedelta(days=i % 300)
        cell = day.strftime("%m/%d/%Y") if i < 4_000 or i % 2 else f'"=""{day.isoformat()}"""'
        rows.append(f"D{i},Ann Lee,Closed Won,{i + 1},{cell}" if kind == "deals" else f"Ann Lee,{cell},Call")
    head = "Deal ID,Owner,Stage,Amount,Close Date\n" if kind == "deals" else "Assigned To,Date,Type\n"
    (tmp_path / "f.csv").write_text(head + "\n".join(rows) + "\n")
    conn = store.connect(tmp_path / "db.duckdb")
    result = importing.import_file(conn, tmp_path / "f.csv")
    assert (result.rows_loaded, result.rows_rejected) == (n, 0), result.rejects[:3]
    date = "close_date" if kind == "deals" else "activity_date"
    table = "deals" if kind == "deals" else "activities"
    expected = sum(((D(2024, 1, 1) + dt.timedelta(days=i % 300)) - D(2024, 1, 1)).days for i in range(n))
    assert conn.execute(f"SELECT sum({date} - DATE '2024-01-01') FROM {table}").fetchone() == (expected,)
    conn.close()


def test_a_wrapper_of_nothing_is_a_blank_cell(tmp_path):
    """``=""`` (an export wrapping every cell, the empty ones too) is blank: an open deal may lack its close
    date and amount; an activity without a date is rejected as blank (it failed the write's NOT NULL)."""
    conn = store.connect(tmp_path / "db.duckdb")
    (tmp_path / "deals.csv").write_text('Deal ID,Owner,Stage,Amount,Close Date\n="1",="Ann Lee",="Prospecting",="",=""\n'
                                        '="2",="Ann Lee",="Closed Won",="",=""\n')
    result = importing.import_file(conn, tmp_path / "deals.csv")
    assert conn.execute("SELECT deal_id, amount, close_date FROM deals").fetchall() == [("1", None, None)]
    assert [r["reason"] for r in result.rejects] == ["won deal without a close date"]
    (tmp_path / "log.csv").write_text('Assigned To,Date,Type\nAnn Lee,="",Call\nAnn Lee,="2024-03-01",Call\n')
    result = importing.import_file(conn, tmp_path / "log.csv")
    assert (result.status, result.rows_loaded) == ("loaded", 1)
    assert [(r["line"], r["reason"]) for r in result.rejects] == [(2, "activity date is blank")]
    conn.close()
