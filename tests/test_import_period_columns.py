"""Quota sheets laid out by period column (issue 12): a row per rep, a column per period (Q1 2024, Jan-24,
2024-01, FY24 Q1; Q1 beside a Year column), each cell read as the long form's row of that rep and period
would be, through the same checks; an ambiguous header refused, naming line 1 and its columns."""

from __future__ import annotations

import csv
from datetime import date

import pytest
from helpers import CORPUS

from analytics import importing, store
from analytics.importing import mapping
from analytics.importing.fields import PERIOD_QUOTA

LONG_HEADER = "Sales Rep,Period,Quota\n"


def _stored(conn) -> list[tuple]:
    return conn.execute("SELECT rep, metric, period_start, period_end, target FROM quotas ORDER BY ALL").fetchall()


def _import(tmp_path, name: str, text: str, fiscal_start: int = 1):
    conn = store.connect(tmp_path / f"{name}.duckdb")
    if fiscal_start != 1:
        store.set_setting(conn, "fiscal_year_start_month", str(fiscal_start))
    (tmp_path / f"{name}.csv").write_text(text)
    return conn, importing.import_file(conn, tmp_path / f"{name}.csv")


# (the sheet, its quotas written long, the fiscal year's first month): the sheet must store what the long form does
SHEETS = {
    "quarters with their year, team and manager": (
        "Manager,Team,Sales Rep,Q1 2024,Q2 2024,Q3 2024,Q4 2024\nMax,East,Ann Lee,100,110,120,130\n",
        "Ann Lee,2024-Q1,100\nAnn Lee,2024-Q2,110\nAnn Lee,2024-Q3,120\nAnn Lee,2024-Q4,130\n", 1),
    "quarters beside a year column, two years": (
        "Rep,Year,Q1,Q2,Q3,Q4\nAnn Lee,2024,1,2,3,4\nAnn Lee,2025,5,6,7,8\n",
        "".join(f"Ann Lee,{y}-Q{q},{(y - 2024) * 4 + q}\n" for y in (2024, 2025) for q in range(1, 5)), 1),
    "months with their year across a new year": (
        "Rep,Nov 2024,Dec 2024,Jan 2025\nAnn Lee,100,120,90\n",
        "Ann Lee,2024-11,100\nAnn Lee,2024-12,120\nAnn Lee,2025-01,90\n", 1),
    "thirteen months: January twice": (
        "Rep," + ",".join(f"{m} 2024" for m in ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep",
                                                 "Oct", "Nov", "Dec")) + ",Jan 2025\nAnn Lee," + ",".join(
            str(v) for v in range(1, 14)) + "\n",
        "".join(f"Ann Lee,2024-{m:02d},{m}\n" for m in range(1, 13)) + "Ann Lee,2025-01,13\n", 1),
    "ISO months": ("Rep,2024-01,2024-02\nAnn Lee,100,110\n", "Ann Lee,2024-01,100\nAnn Lee,2024-02,110\n", 1),
    "months with a two-digit year": ("Rep,Jan-24,Feb-24\nAnn Lee,100,110\n",
                                     "Ann Lee,2024-01,100\nAnn Lee,2024-02,110\n", 1),
    "fiscal quarters, two-digit year": ("Rep,FY24 Q1,FY24 Q2\nAnn Lee,100,110\n",
                                        "Ann Lee,FY2024-Q1,100\nAnn Lee,FY2024-Q2,110\n", 1),
    "fiscal quarters, a year starting in February": (
        "Sales Rep,FY2025 Q1,FY2025 Q2\nAnn Lee,100,110\n", "Ann Lee,FY2025-Q1,100\nAnn Lee,FY2025-Q2,110\n", 2),
    "yearless quarters beside a fiscal year starting in February": (
        "Sales Rep,Fiscal Year,Q1,Q2\nAnn Lee,2025,100,110\n", "Ann Lee,FY2025-Q1,100\nAnn Lee,FY2025-Q2,110\n", 2),
    "headers in thousands": ("Sales Rep,Q1 2024 (k),Q2 2024 (k)\nAnn Lee,200,210\n",
                             "Ann Lee,2024-Q1,200000\nAnn Lee,2024-Q2,210000\n", 1),
    "blank and '-' cells, a total column and a total row": (
        "Sales Rep,Year,Q1,Q2,Q3,Q4,Total\nAnn Lee,2024,100,-,,130,230\nBob Ray,2024,90,95,95,99,379\n"
        "Total,2024,190,95,95,229,609\n",
        "Ann Lee,2024-Q1,100\nAnn Lee,2024-Q4,130\n" + "".join(
            f"Bob Ray,2024-Q{q},{v}\n" for q, v in zip(range(1, 5), (90, 95, 95, 99), strict=True)), 1),
    "the year's column beside its quarters": (
        "Sales Rep,Q1 2024,Q2 2024,Q3 2024,Q4 2024,FY2024\nAnn Lee,1,2,3,4,10\n",
        "".join(f"Ann Lee,2024-Q{q},{q}\n" for q in range(1, 5)), 1),
    "headers saying quota besides the period, and a total quota column": (
        "Sales Rep,Q1 2024 Quota,Quota Q2 2024,Q3 2024 Target ($),Total Quota\nAnn Lee,1,2,3,6\n",
        "".join(f"Ann Lee,2024-Q{q},{q}\n" for q in range(1, 4)), 1),
    "months beside a year column (the M01 form)": (
        "Rep,Year,M01,M02,M03\nAnn Lee,2024,1,,3\n", "Ann Lee,2024-01,1\nAnn Lee,2024-03,3\n", 1),
}


@pytest.mark.parametrize("name", sorted(SHEETS))
def test_a_sheet_by_period_column_stores_what_its_long_form_does(tmp_path, name):
    sheet, long, fiscal_start = SHEETS[name]
    conn, result = _import(tmp_path, "sheet", sheet, fiscal_start)
    long_conn, long_result = _import(tmp_path, "long", LONG_HEADER + long, fiscal_start)
    assert (result.status, result.kind) == ("loaded", "targets"), result.message
    assert long_result.status == "loaded", long_result.message
    assert _stored(conn) and _stored(conn) == _stored(long_conn)
    again = importing.import_file(conn, tmp_path / "sheet.csv")
    assert (again.new, again.updated) == (0, 0)  # read again, nothing changes
    conn.close()
    long_conn.close()


def test_a_sheet_by_quarter_column_stores_each_cell_as_its_reps_quarter(tmp_path):
    conn, _ = _import(tmp_path, "q", "Sales Rep,Q1 2024,Q2 2024\nAnn Lee,100000,110000\n")
    assert _stored(conn) == [("Ann Lee", "revenue", date(2024, 1, 1), date(2024, 3, 31), 100000.0),
                             ("Ann Lee", "revenue", date(2024, 4, 1), date(2024, 6, 30), 110000.0)]
    conn.close()


@pytest.mark.parametrize("text, notes", [
    ("Sales Rep,Year,Q1,Q2,Total\nAnn Lee,2024,1,-,1\nBob Ray,2024,,2,2\n",
     ["column 'Total' ignored: a row's total, not a period", "2 period cell(s) with no target ('-', blank or 0) skipped"]),
    ("Sales Rep,Jan 2024,Feb 2024,Mar 2024,Q1 2024\nAnn Lee,1,2,3,6\n",
     ["column 'Q1 2024' (2024-01-01 to 2024-03-31) ignored: the other period columns cover it day for day"]),
    ("Sales Rep,Q1 2024 Quota,Q2 2024 Quota,Total Quota\nAnn Lee,1,2,3\n", ["column 'Total Quota' ignored: a row's total"]),
    ("Sales Rep,Jan 2024,Feb 2024,2024 Total\nAnn Lee,1,,1\n",
     ["column '2024 Total' ignored: a row's total", "1 month cell(s) with no target"]),
    # a year's figure beside the months or quarters: left out, with a note (it was left out without a word)
    ("Sales Rep,Jan 2024,Feb 2024,Mar 2024,Annual\nAnn Lee,1,2,3,12\n", ["column 'Annual' ignored: a year's figure"]),
    ("Sales Rep,Year,Q1,Q2,Q3,Q4,Annual Quota\nAnn Lee,2024,1,2,3,4,10\n",
     ["column 'Annual Quota' ignored: a year's figure"]),
    ("Sales Rep,Q1 2024,Q2 2024,Full Year\nAnn Lee,1,2,12\n", ["column 'Full Year' ignored: a year's figure"]),
])
def test_what_a_sheet_leaves_out_is_noted(tmp_path, text, notes):
    conn, result = _import(tmp_path, "q", text)
    assert result.status == "loaded", result.message
    for note in notes:
        assert any(n.startswith(note) for n in result.notes), (note, result.notes)
    conn.close()


@pytest.mark.parametrize("text, said", [
    ("Sales Rep,Q1 2024,Jan 2024,Feb 2024\nAnn Lee,300,100,100\n",
     "line 1: columns 'Q1 2024' (2024-01-01 to 2024-03-31) and 'Jan 2024' (2024-01-01 to 2024-01-31) lie one inside"),
    ("Sales Rep,Q1 2024,2024-01,Feb-Apr 2024\nAnn Lee,300,100,100\n", "line 1: columns 'Q1 2024'"),
    ("Sales Rep,Year,Q1,Q2 2024\nAnn Lee,2024,100,110\n",
     "line 1: column 'Q2 2024' (2024-04-01 to 2024-06-30) names its year and column 'Q1' does not"),
    ("Sales Rep,Q1 2024,2024-Q1\nAnn Lee,100,100\n", "name the same period"),
    ("Sales Rep,Q1,Q2\nAnn Lee,100,110\n", "year"),  # quarters without a year, and no year column
    ("Sales Rep,Q1 2024,Q2 2024,Q1 2024\nAnn Lee,1,2,3\n",  # a column twice (the repeat read as 'Q1 2024_2')
     "columns 'Q1 2024' (2024-01-01 to 2024-03-31) and 'Q1 2024_2' (2024-01-01 to 2024-03-31) name the same period"),
])
def test_an_ambiguous_header_is_refused_naming_its_columns(tmp_path, text, said):
    conn, result = _import(tmp_path, "q", text)
    assert result.status == "refused" and said in result.message, result.message
    assert _stored(conn) == []
    conn.close()


def test_a_cell_that_is_no_amount_rejects_its_row_naming_line_column_and_value(tmp_path):
    conn, result = _import(tmp_path, "q", "Sales Rep,Q1 2024,Q2 2024\nAnn Lee,100,lots\nBob Ray,90,95\n")
    assert [(r["line"], r["column"], r["value"]) for r in result.rejects] == [(2, "Q2 2024", "lots")]
    assert {rep for rep, *_ in _stored(conn)} == {"Bob Ray"}
    conn.close()


@pytest.mark.parametrize("headers, kind, period_columns", [
    (["Sales Rep", "Q1 2024", "Q2 2024"], "targets", ["Q1 2024", "Q2 2024"]),
    (["Manager", "Team", "Sales Rep", "Q1 2024", "Q2 2024", "Q3 2024", "Q4 2024"], "targets",
     ["Q1 2024", "Q2 2024", "Q3 2024", "Q4 2024"]),
    (["Rep", "Year", "Q1", "Q2", "Q3", "Q4", "Total"], "targets", ["Q1", "Q2", "Q3", "Q4"]),
    (["Rep", "Jan 2024", "Feb 2024", "Jan 2025"], "targets", ["Jan 2024", "Feb 2024", "Jan 2025"]),
    (["Rep", "FY24 Q1", "FY24 Q2"], "targets", ["FY24 Q1", "FY24 Q2"]),
    (["Rep", "Year", "Jan", "Feb", "Mar", "Apr", "May", "Jun"], "targets", []),  # (month fields: m01 ...)
    (["Sales Rep", "Team", "Manager", "Start Date", "2024"], "reps", []),
])
def test_period_headers_are_detected_as_quota_columns(headers, kind, period_columns):
    found = mapping.detect(headers)
    assert found.kind == kind
    assert [h for h, f in found.mapping.items() if f == PERIOD_QUOTA] == period_columns


def test_a_sheet_in_thousands_gets_the_unit_of_the_stored_revenue(sample_db, tmp_path):
    """No header says thousands: the same reps' won revenue does, as for the long form (quota_units)."""
    conn = store.connect(sample_db)
    conn.execute("DELETE FROM quotas")
    with (CORPUS / "quotas_wide_thousands.csv").open(newline="") as f:
        rows = list(csv.reader(f))[1:]
    quarters = {(r[0], q): sum(float(v) for v in r[2 + 3 * (q - 1):5 + 3 * (q - 1)]) for r in rows for q in range(1, 5)}
    text = "Sales Rep,Q1 2025,Q2 2025,Q3 2025,Q4 2025\n" + "".join(
        f"{r[0]}," + ",".join(f"{quarters[r[0], q]:.1f}" for q in range(1, 5)) + "\n" for r in rows)
    (tmp_path / "by_quarter.csv").write_text(text)
    result = importing.import_file(conn, tmp_path / "by_quarter.csv")
    assert result.status == "loaded" and any(n.startswith("quotas in thousands") for n in result.notes), result.notes
    stored = dict(((rep, start.month), target) for rep, _, start, _, target in _stored(conn))
    assert stored == {(rep, 3 * q - 2): pytest.approx(round(v, 1) * 1000) for (rep, q), v in quarters.items()}
    conn.close()


@pytest.mark.parametrize("text, fiscal_start, rejected", [
    ("Sales Rep,Year,Q1 2024,Q2 2024\nAnn Lee,2024,1,2\nBob Ray,2025,1,2\n", 1, [(3, "Year", "2025")]),
    ("Sales Rep,Fiscal Year,FY2025 Q1,FY2025 Q2\nAnn Lee,2025,1,2\nBob Ray,FY2025,1,2\n", 2, []),
])
def test_a_year_column_beside_headers_naming_their_year_must_agree(tmp_path, text, fiscal_start, rejected):
    conn, result = _import(tmp_path, "q", text, fiscal_start)
    assert [(r["line"], r["column"], r["value"]) for r in result.rejects] == rejected, result.message
    assert {rep for rep, *_ in _stored(conn)} == {"Ann Lee", "Bob Ray"} - {"Bob Ray" for _ in rejected}
    conn.close()


@pytest.mark.parametrize("text, long", [
    ("Sales Rep,Period,FY2024 Quota\nAnn Lee,2024-Q1,100\nAnn Lee,2024-Q2,110\nBob Ray,2024-Q1,90\n",
     "Ann Lee,2024-Q1,100\nAnn Lee,2024-Q2,110\nBob Ray,2024-Q1,90\n"),
    ("Sales Rep,Year,Quarter,Quota 2024\nAnn Lee,2024,Q1,100\nAnn Lee,2024,Q2,110\n",
     "Ann Lee,2024-Q1,100\nAnn Lee,2024-Q2,110\n"),
    # no year column: the quarters are the year the quota column names (said in a note)
    ("Sales Rep,Quarter,2024 Target\nAnn Lee,Q1,100\nAnn Lee,Q2,110\nBob Ray,Q1,90\n",
     "Ann Lee,2024-Q1,100\nAnn Lee,2024-Q2,110\nBob Ray,2024-Q1,90\n"),
])
def test_a_quota_column_naming_a_year_beside_the_rows_own_periods_is_the_long_forms(tmp_path, text, long):
    """'FY2024 Quota' names a period, but beside a Period or Quarter column it is the quota of each row's
    own period: read as a sheet of one period column, a rep's quarters were one year's quota and all but
    the last row rejected as repeats (before the sheets were read, such a file was a roster)."""
    conn, result = _import(tmp_path, "long", text)
    assert result.status == "loaded" and result.rows_rejected == 0, result.message
    reference, _ = _import(tmp_path, "reference", "Sales Rep,Period,Quota\n" + long)
    assert _stored(conn) == _stored(reference)
