"""Quotas whose periods overlap are never summed twice.

A quota file holding a quarter's quota and its months too made that quarter's quota twice what it
is (the facts showed $600 for a $300 quota, and the quota looked missed). Within a file, a period its
shorter ones cover is rejected, shorter ones inside a period they do not cover are rejected, and
periods overlapping in part are both rejected; against stored quotas of other periods the file is
refused.
"""

from __future__ import annotations

import pytest

from analytics import importing

QUARTER_AND_MONTHS = ("Sales Rep,Period,Quota\nAnn Lee,2024-Q1,300\nAnn Lee,2024-01,100\nAnn Lee,2024-02,100\n"
                      "Ann Lee,2024-03,100\nBob Ray,2024-Q1,600\n")


def quarter_sums(conn) -> dict[str, float]:
    """Each rep's quota for 2024-Q1 as every reader sums it: the rows inside the quarter."""
    return dict(conn.execute("SELECT rep, sum(target) FROM quotas WHERE period_start >= DATE '2024-01-01' "
                             "AND period_end <= DATE '2024-03-31' GROUP BY rep").fetchall())


def load(conn, tmp_path, name: str, text: str) -> importing.ImportResult:
    (tmp_path / name).write_text(text)
    return importing.import_file(conn, tmp_path / name)


def test_a_quarter_beside_its_months_is_rejected_and_the_months_kept(conn, tmp_path):
    result = load(conn, tmp_path, "quotas.csv", QUARTER_AND_MONTHS)
    assert (result.status, result.rows_rejected) == ("loaded", 1), result.message
    [reject] = result.rejects
    assert reject["line"] == 2 and reject["column"] == "Period"
    assert "is covered by this rep's shorter quotas in the same file (from 2024-01-01 to 2024-01-31)" in reject["reason"]
    assert quarter_sums(conn) == {"Ann Lee": 300.0, "Bob Ray": 600.0}


@pytest.mark.parametrize("rows, kept", [
    # a fiscal quarter beside a calendar one: which holds for February and March is unclear, both go
    ("Ann Lee,2024-01-01,2024-03-31,300\nAnn Lee,2024-02-01,2024-04-30,310\n", []),
    # a year beside one of its months: the month is set aside, the year holds for every day
    ("Ann Lee,2024-01-01,2024-12-31,1200\nAnn Lee,2024-05-01,2024-05-31,100\n", [("2024-01-01", 1200.0)]),
    # a half year beside its two quarters: the quarters are kept
    ("Ann Lee,2024-01-01,2024-06-30,600\nAnn Lee,2024-01-01,2024-03-31,280\nAnn Lee,2024-04-01,2024-06-30,320\n",
     [("2024-01-01", 280.0), ("2024-04-01", 320.0)]),
    # periods that touch without overlapping are both kept
    ("Ann Lee,2024-01-01,2024-03-31,300\nAnn Lee,2024-04-01,2024-06-30,300\n",
     [("2024-01-01", 300.0), ("2024-04-01", 300.0)]),
])
def test_overlapping_periods_by_dates(conn, tmp_path, rows, kept):
    load(conn, tmp_path, "quotas.csv", "Sales Rep,Period Start,Period End,Quota\n" + rows)
    stored = conn.execute("SELECT CAST(period_start AS VARCHAR), target FROM quotas ORDER BY 1").fetchall()
    assert stored == kept


def test_other_metrics_do_not_overlap(conn, tmp_path):
    result = load(conn, tmp_path, "quotas.csv", "Sales Rep,Period,Metric,Quota\nAnn Lee,2024-Q1,revenue,300\n"
                                                "Ann Lee,2024-01,deals,4\n")
    assert result.rows_rejected == 0


@pytest.mark.parametrize("first, second", [
    ("Sales Rep,Period,Quota\nAnn Lee,2024-01,100\nAnn Lee,2024-02,100\n", "Sales Rep,Period,Quota\nAnn Lee,2024-Q1,300\n"),
    ("Sales Rep,Period,Quota\nAnn Lee,2024-Q1,300\n", "Sales Rep,Year,Jan,Feb,Mar\nAnn Lee,2024,100,100,100\n"),
])
def test_quotas_overlapping_stored_periods_are_refused(conn, tmp_path, first, second):
    stored = load(conn, tmp_path, "first.csv", first)
    before = conn.execute("SELECT * FROM quotas ORDER BY ALL").fetchall()
    result = load(conn, tmp_path, "second.csv", second)
    assert result.status == "refused"
    assert result.message.startswith("second.csv: its quotas overlap quotas already stored for other periods")
    assert f"(import {stored.import_id}, 'first.csv')" in result.message
    assert f"imports undo {stored.import_id}" in result.message
    assert conn.execute("SELECT * FROM quotas ORDER BY ALL").fetchall() == before


def test_the_same_file_again_is_unchanged_not_refused(conn, tmp_path):
    load(conn, tmp_path, "quotas.csv", QUARTER_AND_MONTHS)
    again = load(conn, tmp_path, "quotas.csv", QUARTER_AND_MONTHS)
    assert (again.status, again.new, again.updated, again.rows_rejected) == ("loaded", 0, 0, 1)
    assert quarter_sums(conn) == {"Ann Lee": 300.0, "Bob Ray": 600.0}
