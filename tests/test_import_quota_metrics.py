"""A quota file's Metric (or HubSpot's Goal type) column is read as the dashboard's metrics
(analytics/importing/quota_metrics.py): 'Calls' was stored as 'calls' and 'Deals Won' as 'deals won', names no
page asks for, so those quotas were never beside a rep and nothing said so."""

from __future__ import annotations

import pytest
from helpers import CORPUS

from analytics import importing


@pytest.mark.parametrize(("label", "metric"), [
    ("Revenue", "revenue"), ("Calls", "call"), ("calls", "call"), ("Deals Won", "deals"), ("deals-won", "deals"),
    ("Bookings", "revenue"), ("Sales", "revenue"), ("Meetings booked", "meeting"), ("Calls made", "call"),
    ("Win Rate", "win_rate"), ("Emails", "email"), ("Deals created", "opportunities"), ("", "revenue"),
    ("Revenue (USD)", "revenue"), ("Deals - Won", "deals"),
])
def test_a_metric_label_is_read_as_the_dashboards_metric(conn, tmp_path, label, metric):
    path = tmp_path / "quotas.csv"
    path.write_text(f"Rep,Period,Metric,Quota\nAnn Lee,2026-Q1,{label},120\n")
    result = importing.import_file(conn, path)
    assert (result.status, result.rows_rejected) == ("loaded", 0), result.message
    assert conn.execute("SELECT metric FROM quotas").fetchall() == [(metric,)]


def test_a_label_of_no_metric_is_rejected_naming_it(conn, tmp_path):
    path = tmp_path / "quotas.csv"
    path.write_text("Rep,Period,Metric,Quota\nAnn Lee,2026-Q1,ARR,500000\nAnn Lee,2026-Q1,Revenue,120000\n")
    result = importing.import_file(conn, path)
    assert (result.status, result.rows_loaded, result.rows_rejected) == ("loaded", 1, 1)
    (reject,) = result.rejects
    assert (reject["line"], reject["column"], reject["value"]) == (2, "Metric", "ARR")
    assert reject["reason"].startswith("not a metric the dashboard tracks: ARR (the metrics: won revenue, deals won")


def test_hubspots_goals_export_is_read_as_quotas(conn):
    result = importing.import_file(conn, CORPUS / "hubspot_goals.csv")
    assert (result.status, result.kind, result.rows_rejected) == ("loaded", "targets", 0), result.message
    assert conn.execute("SELECT rep, metric, target FROM quotas ORDER BY ALL").fetchall() == [
        ("Ann Lee", "call", 600.0), ("Ann Lee", "deals", 12.0), ("Ann Lee", "revenue", 120000.0),
        ("Bob Ray", "revenue", 90000.0)]
