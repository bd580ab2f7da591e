"""A deal export with several close-date columns (Pipedrive's Won time, Lost time and Expected close date;
Dynamics' Actual and Est. Close Date) dates a closed deal by the day it was won or lost, whatever the
columns' order; an open deal by its expected day. Amounts alike (Dynamics' Actual before Est. Revenue).

The columns were read first filled first in file order: with Expected close date before Won time (as
Pipedrive lists them), a deal won on 28 March and expected 15 April counted in the second quarter.
"""

from __future__ import annotations

import datetime as dt

import pytest

from analytics import importing, store
from analytics.importing import header_text

D = dt.date
PIPEDRIVE = ("Deal - ID,Deal - Title,Deal - Owner,Deal - Value,Deal - Status,{first},{second},{third}\n"
             "101,Acme,Ann Lee,1000,won,{r1}\n102,Beta,Bob Ray,2000,lost,{r2}\n103,Gamma,Ann Lee,500,open,{r3}\n")
CELLS = {"Deal - Expected close date": ("2024-04-15", "2024-05-01", "2024-06-30"),
         "Deal - Won time": ("2024-03-28 10:00:00", "", ""),
         "Deal - Lost time": ("", "2024-03-30 11:00:00", "")}


@pytest.mark.parametrize("order", [
    ("Deal - Expected close date", "Deal - Won time", "Deal - Lost time"),
    ("Deal - Won time", "Deal - Expected close date", "Deal - Lost time"),
    ("Deal - Won time", "Deal - Lost time", "Deal - Expected close date"),
])
def test_a_closed_deal_is_dated_by_its_won_or_lost_day_in_any_column_order(tmp_path, order):
    rows = {f"r{i + 1}": ",".join(CELLS[h][i] for h in order) for i in range(3)}
    (tmp_path / "pd.csv").write_text(PIPEDRIVE.format(first=order[0], second=order[1], third=order[2], **rows))
    conn = store.connect(tmp_path / "db.duckdb")
    result = importing.import_file(conn, tmp_path / "pd.csv", preset="pipedrive_deals")
    assert result.rows_loaded == 3, result.message
    assert conn.execute("SELECT deal_id, close_date FROM deals ORDER BY deal_id").fetchall() == [
        ("101", D(2024, 3, 28)), ("102", D(2024, 3, 30)), ("103", D(2024, 6, 30))]
    conn.close()


def test_dynamics_actual_close_date_and_revenue_before_their_estimates(tmp_path):
    """(And its id, written '(Do Not Modify) Opportunity', is the deal id: a re-export's changed deal is the
    same deal, not a new one beside it.)"""
    (tmp_path / "dyn.csv").write_text(
        "(Do Not Modify) Opportunity,(Do Not Modify) Row Checksum,Topic,Potential Customer,Status,Status Reason,"
        "Est. Close Date,Actual Close Date,Est. Revenue,Actual Revenue,Owner\n"
        "d-1,x1,T1,Acme,Won,Won,2024-04-01,2024-03-29,1000,1100,Ann Lee\n"
        "d-2,x2,T2,Beta,Open,In Progress,2024-06-01,,700,,Bob Ray\n")
    conn = store.connect(tmp_path / "db.duckdb")
    importing.import_file(conn, tmp_path / "dyn.csv")
    assert conn.execute("SELECT deal_id, close_date, amount FROM deals ORDER BY deal_id").fetchall() == [
        ("d-1", D(2024, 3, 29), 1100.0), ("d-2", D(2024, 6, 1), 700.0)]
    conn.close()


@pytest.mark.parametrize("header, expected", [
    ("Deal - Expected close date", True), ("Est. Close Date", True), ("Forecast Close Date", True),
    ("Deal - Won time", False), ("Actual Close Date", False), ("Close Date", False),
])
def test_which_headers_name_an_expected_date(header, expected):
    assert (header_text.expected_last([(header, "c0"), ("Won", "c1")])[0][0] == "Won") is expected
