"""A quota file with a row per tier (the dashboard's own export of a target set) is read as one quota a rep and
period, from the base rows (analytics/importing/quota_tiers.py).

Imported as quotas, the export's three rows per rep were duplicates of one rep and period, each rejected
but the last: the excellence target (reached one time in ten) became every rep's CRM quota."""

from __future__ import annotations

from datetime import timedelta

import pytest

from analytics import calibration, export, importing, metrics, store, target_drafts, target_sets
from analytics.periods import period_of


def test_the_dashboards_own_export_imports_as_the_base_targets(sample_db, tmp_path):
    conn = store.connect(sample_db)
    period = period_of(metrics.data_as_of(conn), "quarter", store.fiscal_year_start_month(conn))
    cal = calibration.calibrate(conn, "revenue", "quarter", period, as_of=period.start - timedelta(days=1))
    saved = target_sets.save_target_set(conn, target_drafts.draft_from_calibration(cal, "Plan"), author="test")
    export.write_csv(saved, tmp_path / "plan.csv")
    conn.execute("DELETE FROM quotas")
    base = {r.rep: round(float(r.target), 2) for r in saved.rows.itertuples() if r.tier == "base"}
    result = importing.import_file(conn, tmp_path / "plan.csv")
    assert (result.status, result.kind, result.rows_rejected) == ("loaded", "targets", 0), result.message
    stored = {rep: target for rep, target in conn.execute(
        "SELECT rep, target FROM quotas WHERE metric = 'revenue' AND period_start = ?", [period.start]).fetchall()}
    conn.close()
    assert stored == pytest.approx(base)
    others = sum(1 for r in saved.rows.itertuples() if r.tier != "base")
    assert (f"column 'Tier': the base rows are read as quotas, one a rep and period; {others:,} rows of the "
            "other tiers set aside") in result.notes


@pytest.mark.parametrize(("tiers", "stored", "rejected"), [
    # one tier only: every row is that quota
    (["Stretch", "Stretch"], [("Ann Lee", 120.0), ("Bo Chan", 240.0)], 0),
    # a rep's level, one a rep: every row a quota, the column says nothing of which
    (["AE1", "AE2"], [("Ann Lee", 120.0), ("Bo Chan", 240.0)], 0),
    # several tiers of one rep and period, none the base: the repeats rejected (the later row kept), as without it
    (["Gold", "Silver", "repeat"], [("Ann Lee", 150.0), ("Bo Chan", 300.0)], 2),
])
def test_other_tiers_are_read_as_any_column(conn, tmp_path, tiers, stored, rejected):
    if tiers[-1] == "repeat":
        rows = [("Ann Lee", tiers[0], 120), ("Bo Chan", tiers[0], 240), ("Ann Lee", tiers[1], 150),
                ("Bo Chan", tiers[1], 300)]
    else:
        rows = [("Ann Lee", tiers[0], 120), ("Bo Chan", tiers[1], 240)]
    path = tmp_path / "quotas.csv"
    path.write_text("Rep,Period,Tier,Quota\n" + "".join(f"{r},2026-Q4,{t},{v}\n" for r, t, v in rows))
    result = importing.import_file(conn, path)
    assert (result.status, result.rows_rejected) == ("loaded", rejected), result.message
    assert conn.execute("SELECT rep, target FROM quotas ORDER BY rep").fetchall() == stored
    assert not any("rows are read as quotas" in n for n in result.notes)
