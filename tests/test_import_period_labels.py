"""Period labels as quota spreadsheets write them, and quarters or months beside a year column.

Rep, Year, Quarter, Quota is the commonest layout of a quota spreadsheet; every row of it was rejected
("not a period label: Q1"), as were FY24 Q1, Jan-24 and 01/2024.
"""

from __future__ import annotations

from datetime import date

import pandas as pd
import pytest

from analytics import importing, store
from analytics.importing.period_labels import period_interval, yearless_offset


@pytest.mark.parametrize("label, fiscal_start, expected", [
    ("2024-Q1", 1, ("2024-01-01", "2024-03-31")),
    ("FY24 Q1", 1, ("2024-01-01", "2024-03-31")),
    ("Q1-24", 1, ("2024-01-01", "2024-03-31")),
    ("Q1 FY24", 1, ("2024-01-01", "2024-03-31")),
    ("FY2027-Q1", 2, ("2026-02-01", "2026-04-30")),
    ("FY27 Q1", 2, ("2026-02-01", "2026-04-30")),
    ("Jan-24", 1, ("2024-01-01", "2024-01-31")),
    ("Feb 2024", 1, ("2024-02-01", "2024-02-29")),
    ("Sept. 2024", 1, ("2024-09-01", "2024-09-30")),
    ("01/2024", 1, ("2024-01-01", "2024-01-31")),
    ("12.2024", 1, ("2024-12-01", "2024-12-31")),
    ("2024-W05", 1, ("2024-01-29", "2024-02-04")),
    ("2024", 1, ("2024-01-01", "2024-12-31")),
    ("2024-03-15", 1, ("2024-03-01", "2024-03-31")),
    ("13/2024", 1, None),
    ("Q1", 1, None),
    ("someday", 1, None),
])
def test_period_labels(label, fiscal_start, expected):
    found = period_interval(label, fiscal_start)
    assert (None if found is None else tuple(d.isoformat() for d in found)) == expected


@pytest.mark.parametrize("label, fiscal_start, expected", [
    ("Q1", 1, (0, 3)), ("q4", 1, (9, 3)), ("Quarter 2", 1, (3, 3)),
    ("Q1", 2, (-11, 3)),          # FY2027-Q1 is February to April 2026
    ("January", 1, (0, 1)), ("Dec", 4, (11, 1)), ("7", 1, (6, 1)),
    ("2024-Q1", 1, None), ("Q5", 1, None),
])
def test_yearless_labels(label, fiscal_start, expected):
    assert yearless_offset(label, fiscal_start) == expected


def quotas(conn) -> list[tuple]:
    return conn.execute("SELECT rep, period_start, period_end, target FROM quotas ORDER BY 1, 2").fetchall()


def test_quarters_beside_a_year_column(tmp_path):
    (tmp_path / "q.csv").write_text("Sales Rep,Year,Quarter,Quota\nAnn Lee,2024,Q1,300\nAnn Lee,FY2024,Q2,310\n"
                                    "Bob Ray,,Q3,100\nBob Ray,2024,2024-Q4,400\n")
    conn = store.connect(tmp_path / "db.duckdb")
    result = importing.import_file(conn, tmp_path / "q.csv")
    assert (result.rows_loaded, [r["line"] for r in result.rejects]) == (3, [4])
    assert "not a year for the period Q3" in result.rejects[0]["reason"]
    assert quotas(conn) == [("Ann Lee", date(2024, 1, 1), date(2024, 3, 31), 300.0),
                            ("Ann Lee", date(2024, 4, 1), date(2024, 6, 30), 310.0),
                            ("Bob Ray", date(2024, 10, 1), date(2024, 12, 31), 400.0)]
    conn.close()


def test_a_fiscal_quarter_beside_a_year_is_the_fiscal_years(tmp_path):
    conn = store.connect(tmp_path / "db.duckdb")
    store.set_setting(conn, "fiscal_year_start_month", "2")
    (tmp_path / "q.csv").write_text("Sales Rep,Fiscal Year,Quarter,Quota\nAnn Lee,2027,Q1,300\n")
    importing.import_file(conn, tmp_path / "q.csv")
    assert quotas(conn) == [("Ann Lee", date(2026, 2, 1), date(2026, 4, 30), 300.0)]
    conn.close()


def test_months_beside_a_year_column(tmp_path):
    (tmp_path / "q.csv").write_text("Sales Rep,Year,Month,Quota\nAnn Lee,2024,January,100\nAnn Lee,2024,Feb,110\n")
    conn = store.connect(tmp_path / "db.duckdb")
    assert importing.import_file(conn, tmp_path / "q.csv").rows_rejected == 0
    assert quotas(conn) == [("Ann Lee", date(2024, 1, 1), date(2024, 1, 31), 100.0),
                            ("Ann Lee", date(2024, 2, 1), date(2024, 2, 29), 110.0)]
    conn.close()


def test_a_quarter_without_any_year_says_what_to_do(tmp_path):
    (tmp_path / "q.csv").write_text("Sales Rep,Quarter,Quota\nAnn Lee,Q1,300\n")
    conn = store.connect(tmp_path / "db.duckdb")
    [reject] = importing.import_file(conn, tmp_path / "q.csv").rejects
    assert reject["reason"].startswith("a quarter or month without a year: map a year column")
    conn.close()


@pytest.mark.parametrize("starts, months", [
    (["1/1/2024", "4/1/2024", "7/1/2024"], 3),     # Salesforce's forecast quotas of a quarterly org
    (["1/1/2024", "2/1/2024", "3/1/2024"], 1),
    (["1/1/2024", "1/1/2025"], 12),
    (["1/1/2024"], 1),                             # one quota a rep: nothing to tell a quarter by
])
def test_quotas_given_by_their_start_date_alone_last_as_long_as_their_starts_are_apart(tmp_path, starts, months):
    """Quota Owner, Start Date, Quota Amount: read as a month each, a quarter's quota was that quarter's
    first month's, and the quarter's other two months had none."""
    rows = "".join(f"Ann Lee,{d},300\nBob Ray,{d},200\n" for d in starts)
    (tmp_path / "q.csv").write_text("Quota Owner,Start Date,Quota Amount\n" + rows)
    conn = store.connect(tmp_path / "db.duckdb")
    result = importing.import_file(conn, tmp_path / "q.csv")
    assert any(n.startswith("no period end column: each quota runs") for n in result.notes), result.notes
    [(first, last)] = conn.execute("SELECT min(period_start), min(period_end) FROM quotas").fetchall()
    assert (first, last) == (date(2024, 1, 1), (pd.Timestamp(first) + pd.DateOffset(months=months)
                                                - pd.Timedelta(days=1)).date())
    conn.close()


@pytest.mark.parametrize(("text", "fiscal_start", "said"), [
    ("Sales Rep,Period,Quota\nAnn Lee,FY2027 Q3,300\nAnn Lee,FY2027 Q4,310\n", 1,
     "quarters and fiscal years read on a fiscal year starting in January ('FY2027 Q3' = 01 Jul 2027 to 30 Sep 2027)"),
    ("Sales Rep,Period,Quota\nAnn Lee,FY2027 Q3,300\n", 2,
     "quarters and fiscal years read on a fiscal year starting in February ('FY2027 Q3' = 01 Aug 2026 to 31 Oct 2026)"),
    ("Sales Rep,FY2025 Q1,FY2025 Q2\nAnn Lee,300,310\n", 1,
     "quarters and fiscal years read on a fiscal year starting in January ('FY2025 Q1' = 01 Jan 2025 to 31 Mar 2025)"),
    ("Sales Rep,Period,Quota\nAnn Lee,2027-05,300\n", 1, None),                       # a month: no calendar in it
])
def test_the_fiscal_calendar_quarters_were_read_on_is_said(tmp_path, text, fiscal_start, said):
    """A file of FY quarters read on the wrong fiscal year is a quarter off for every quota without a
    rejected row: the note says which calendar it was read on, and the days of one of its quarters."""
    conn = store.connect(tmp_path / "db.duckdb")
    store.set_setting(conn, "fiscal_year_start_month", str(fiscal_start))
    (tmp_path / "q.csv").write_text(text)
    result = importing.import_file(conn, tmp_path / "q.csv")
    conn.close()
    assert result.status == "loaded"
    told = [n for n in result.notes if n.startswith("quarters and fiscal years read on")]
    assert told == [] if said is None else (len(told) == 1 and told[0].startswith(said))


def test_quotas_by_week_are_quotas_not_a_roster(tmp_path):
    """A 'Week' column was no period: the file loaded as a roster of one rep, its quotas left out."""
    (tmp_path / "q.csv").write_text("Rep,Week,Quota\nAnn Lee,2025-W01,5000\nAnn Lee,2025-W02,5000\n"
                                    "Bob Ray,2025-W01,4000\n")
    conn = store.connect(tmp_path / "db.duckdb")
    result = importing.import_file(conn, tmp_path / "q.csv")
    assert (result.kind, result.rows_loaded, result.rows_rejected) == ("targets", 3, 0), result.message
    assert quotas(conn) == [("Ann Lee", date(2024, 12, 30), date(2025, 1, 5), 5000.0),
                            ("Ann Lee", date(2025, 1, 6), date(2025, 1, 12), 5000.0),
                            ("Bob Ray", date(2024, 12, 30), date(2025, 1, 5), 4000.0)]
    conn.close()
