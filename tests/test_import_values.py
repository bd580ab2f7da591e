"""Implausible values are rejected with line, column and value, on every import path (issue 12, defect 9).

Amounts at or beyond 1e12 (1e308, 1e23), quotas of 0 or below, activity counts that are not whole
numbers of 0 or more, and a NUL byte in a value wherever it is in the file (inside the first MiB or
after it: one rule). The corpus files are written by tests/corpus/make_corpus.py.
"""

from __future__ import annotations

import random
from pathlib import Path
from typing import NamedTuple

import pytest
from helpers import CORPUS, fetch_rows, first_load_outcome, run_cli

from analytics import importing, store


class Reject(NamedTuple):
    line: int
    column: str
    value: str
    reason: str


@pytest.fixture
def conn():
    c = store.connect(":memory:")
    yield c
    c.close()


def _rejects(result: importing.ImportResult) -> list[Reject]:
    return [Reject(r["line"], r["column"], r["value"], r["reason"]) for r in result.rejects]


IMPLAUSIBLE = "implausible amount (1,000,000,000,000 or more): "
NEGATIVE_QUOTA = "a quota cannot be negative (leave the cell blank or 0 for no quota): "
NUL = "NUL byte (\\0) in the value: the export is damaged here"


@pytest.mark.parametrize("name, rejects", [
    ("implausible_amounts.csv", [Reject(2, "Amount", "1e308", IMPLAUSIBLE + "1e308"),
                                 Reject(3, "Amount", "1e23", IMPLAUSIBLE + "1e23"),
                                 Reject(4, "Amount", "-2,000,000,000,000", IMPLAUSIBLE + "-2,000,000,000,000")]),
    ("implausible_quotas.csv", [
        Reject(3, "Quota", "-5000", NEGATIVE_QUOTA + "-5000"),
        Reject(4, "Quota", "1e308", IMPLAUSIBLE + "1e308")]),
    ("activity_counts.csv", [Reject(3, "Count", "1.5", "a count must be a whole number: 1.5"),
                             Reject(4, "Count", "-1", "a count cannot be negative: -1"),
                             Reject(6, "Count", "1,5", "not a count: 1,5")]),
    ("nul_in_rep.csv", [Reject(3, "Opportunity Owner", "Bob\\0 Ray", NUL)]),
    ("nul_after_first_mib.csv", [Reject(11_002, "Opportunity Owner", "Zed\\0Ray", NUL)]),
])
def test_each_implausible_value_is_a_reject_naming_line_column_and_value(conn, name, rejects):
    result = importing.import_file(conn, CORPUS / name)
    assert result.status == "loaded", result.message
    assert _rejects(result) == rejects


def test_plausible_neighbours_are_stored_as_written(conn):
    assert importing.import_file(conn, CORPUS / "implausible_amounts.csv").rows_loaded == 2
    assert fetch_rows(conn, "SELECT deal_id, amount FROM deals ORDER BY deal_id") == [
        ("IA4", 999_999_999_999.99), ("IA5", -50.0)]
    assert importing.import_file(conn, CORPUS / "implausible_quotas.csv").rows_loaded == 1
    assert fetch_rows(conn, "SELECT rep, target FROM quotas") == [("Ann Lee", 300_000.0)]
    assert importing.import_file(conn, CORPUS / "activity_counts.csv").rows_loaded == 3
    assert fetch_rows(conn, "SELECT raw_type, count FROM activities ORDER BY activity_id") == [
        ("Call", 2), ("Email", 1_200), ("Meeting", 3)]
    assert fetch_rows(conn, "SELECT count(*) FROM deals WHERE contains(rep, chr(0))") == [(0,)]


def test_a_nul_byte_is_stored_nowhere_whether_inside_the_first_mib_or_after(conn):
    for name in ("nul_in_rep.csv", "nul_after_first_mib.csv"):
        assert importing.import_file(conn, CORPUS / name).rows_rejected == 1
    assert fetch_rows(conn, "SELECT count(*) FROM deals WHERE contains(rep, chr(0))") == [(0,)]
    assert fetch_rows(conn, "SELECT count(*) FROM deals") == [(2 + 11_001,)]


def test_a_wide_quota_row_with_a_negative_month_is_rejected_by_that_month(conn, tmp_path):
    path = tmp_path / "quotas_wide.csv"
    months = [f"M{i:02d}" for i in range(1, 13)]
    path.write_text("Rep,Year," + ",".join(months) + "\n"
                    "Ann Lee,2025," + ",".join(["100"] * 12) + "\n"
                    "Bob Ray,2025,100,100,-100," + ",".join(["100"] * 9) + "\n")
    result = importing.import_file(conn, path)
    assert _rejects(result) == [Reject(3, "M03", "-100", NEGATIVE_QUOTA + "-100")]
    assert fetch_rows(conn, "SELECT DISTINCT rep FROM quotas") == [("Ann Lee",)]


def test_a_zero_quota_is_no_quota_skipped_with_a_note_not_a_rejected_line(conn, tmp_path):
    # Wide sheets write 0 for a month without a quota; rejecting the line would lose the other months.
    path = tmp_path / "quotas_wide.csv"
    months = [f"M{i:02d}" for i in range(1, 13)]
    path.write_text("Rep,Year," + ",".join(months) + "\n"
                    "Ann Lee,2025,0," + ",".join(["100"] * 11) + "\n"
                    "Bob Ray,2025,0.0,-,," + ",".join(["100"] * 9) + "\n")
    result = importing.import_file(conn, path)
    assert result.rows_rejected == 0
    assert fetch_rows(conn, "SELECT rep, count(*) FROM quotas GROUP BY rep ORDER BY rep") == [
        ("Ann Lee", 11), ("Bob Ray", 9)]
    assert "4 month cell(s) with no target ('-', blank or 0) skipped" in result.notes


def test_the_cli_reports_the_rejects_and_exits_0(tmp_path):
    out = run_cli("import", str(CORPUS / "implausible_amounts.csv"), "--db", str(tmp_path / "t.duckdb"))
    assert out.returncode == 0, out.stderr
    assert "3 rejected" in out.stdout


# ---- the first load's one read, with and without the reader's own casts -------------------------

HEADER = "Opportunity ID,Opportunity Owner,Stage,Amount,Currency,Close Date\n"


def _deals_file(path: Path, odd: dict[int, str], n: int = 2000) -> Path:
    """``n`` plain deals whose amounts the reader's cast reads; row i of ``odd`` replaced by its text."""
    rng = random.Random(11)
    lines = [f"D{i:05d},{rng.choice(['Ann Lee', 'Bob Ray'])},Closed Won,{rng.randint(1, 900) * 10}.50,USD,"
             f"{rng.randint(1, 12):02d}/{rng.randint(13, 28):02d}/2024" for i in range(n)]
    for i, text in odd.items():
        lines[i] = text
    path.write_bytes((HEADER + "\n".join(lines) + "\n").encode())
    return path


@pytest.mark.parametrize(("value", "hinted"), [
    ("45366", True), ("45366.5", True), (" 20000 ", True), ("99999", False), ("4536", False), ("Q3 2025", False),
])
def test_a_spreadsheet_day_number_for_a_date_is_rejected_saying_so(conn, tmp_path, value, hinted):
    """A column a spreadsheet saved as day numbers (45366 is 15 Mar 2024 in Excel) is no date the import
    may guess at; the reject says what it seems to be and how to fix it."""
    path = _deals_file(tmp_path / "deals.csv", {7: f"D00007,Ann Lee,Closed Won,100,USD,\"{value}\""}, n=20)
    (reject,) = _rejects(importing.import_file(conn, path))
    assert (reject.line, reject.column, reject.value) == (9, "Close Date", value)
    assert reject.reason.startswith(f"not a date: {value}")
    assert ("spreadsheet's day number" in reject.reason) is hinted


@pytest.mark.parametrize("odd", [
    {7: "D00007,Ann Lee,Closed Won,1e308,USD,03/15/2024"},
    {7: "D00007,Ann Lee,Closed Won,1e23,USD,03/15/2024", 1999: "D01999,Ann Lee,Closed Won,-1e12,USD,03/15/2024"},
    {7: "D00007,Ann\x00Lee,Closed Won,100,USD,03/15/2024"},
    {7: "D00007,Ann Lee,Closed Won,1\x00,USD,03/15/2024"},
    {7: "D00007,Ann Lee,Closed Won,100,USD,45366"},
])
def test_the_reader_cast_path_rejects_what_the_text_plan_rejects(monkeypatch, tmp_path, odd):
    path = _deals_file(tmp_path / "deals.csv", odd)
    cast, writes = first_load_outcome(path, monkeypatch, casts=True)
    text, text_writes = first_load_outcome(path, monkeypatch, casts=False)
    assert cast == text
    assert writes[0] == {"c3": "DOUBLE", "c5": "DATE"} and text_writes == [{}]
    assert cast.rows_rejected == len(odd) and {r.line for r in cast.rejects} == {i + 2 for i in odd}


@pytest.mark.parametrize(("written", "day"), [
    ("20240109", "2024-01-09"),                       # ERP exports: year, month, day without separators
    ("Jan 5, 2024, 10:00:00 AM", "2024-01-05"),       # report exports: a month name and a time
    ("Jan 5, 2024 10:00 AM", "2024-01-05"),
    ("5 January 2024 10:00", "2024-01-05"),
    ("Mon Jan 08 2024", "2024-01-08"),
    ("2024-01-05T23:30:00+01:00", "2024-01-05"),      # the day as written, whatever the zone
])
@pytest.mark.parametrize("kind", ["deals", "activities"])
def test_dates_as_exports_write_them_are_read_as_that_day(conn, tmp_path, written, day, kind):
    path = tmp_path / f"{kind}.csv"
    if kind == "deals":
        path.write_text(f'Deal ID,Owner,Close Date,Amount,Stage\nD1,Ann Lee,"{written}",100,Closed Won\n')
    else:
        path.write_text(f'Assigned To,Date,Activity Type\nAnn Lee,"{written}",Call\n')
    result = importing.import_file(conn, path)
    assert (result.rows_loaded, result.rows_rejected) == (1, 0), result.rejects
    column = "close_date" if kind == "deals" else "activity_date"
    assert fetch_rows(conn, f"SELECT CAST({column} AS VARCHAR) FROM {kind}") == [(day,)]
    assert not any("period labels" in n for n in result.notes)


@pytest.mark.parametrize("written", ["2024019", "202401091", "20241301"])
def test_digits_that_are_no_date_are_rejected(conn, tmp_path, written):
    path = tmp_path / "deals.csv"
    path.write_text(f"Deal ID,Owner,Close Date,Amount,Stage\nD1,Ann Lee,{written},100,Closed Won\n")
    (reject,) = _rejects(importing.import_file(conn, path))
    assert (reject.column, reject.value) == ("Close Date", written) and reject.reason.startswith("not a date")


@pytest.mark.parametrize(("amounts", "said"), [
    (["12.000", "1.500", "2.250"], True),             # decimals or European thousands: nothing in the file says
    (["12.000", "800", "3.125"], True),
    (["12.000", "12.50", "2.250"], False),            # 12.50 proves the point is a decimal point
    (["12000", "1500"], False),
    (["1.234.000", "2.500"], False),                  # two points: thousands, read as such
])
def test_amounts_whose_every_point_has_three_digits_after_it_are_said_to_be_ambiguous(conn, tmp_path, amounts, said):
    path = tmp_path / "deals.csv"
    path.write_text("Deal ID,Owner,Close Date,Amount,Stage\n" + "".join(
        f"D{i},Ann Lee,2024-01-0{i + 1},{a},Closed Won\n" for i, a in enumerate(amounts)))
    result = importing.import_file(conn, path)
    notes = [n for n in result.notes if "three digits after it" in n]
    assert bool(notes) is said, result.notes
