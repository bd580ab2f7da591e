"""Saved target sets: create, reopen, per-edit saves, audit, final sets, versions, conflicts, comparisons."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from analytics import store
from analytics import target_sets as ts
from analytics.periods import parse_period
from analytics.predictive import LogScaleHurdle
from analytics.target_drafts import build_draft


@pytest.fixture
def conn():
    c = store.connect(":memory:")
    yield c
    c.close()


def _rows() -> pd.DataFrame:
    return pd.DataFrame({"rep": ["ana", "ana", "ben", "ben"], "tier": ["base", "stretch"] * 2,
                         "target": [100.0, 150.0, 50.0, 80.0], "model_value": [100.0, 150.0, 50.0, 80.0],
                         "p_attain": [0.65, 0.3, 0.65, 0.3]})


def _draft(name: str = "Q4 plan", **kw) -> ts.TargetSetDraft:
    return ts.TargetSetDraft(name, "2026-Q4", "quarter", "revenue", {"base": 35, "stretch": 70}, rows=_rows(), **kw)


def test_migration_adds_columns(conn):
    cols = {r[0] for r in conn.execute("DESCRIBE target_sets").fetchall()}
    assert {"updated_by", "assumptions_json", "revision"} <= cols
    cols = {r[0] for r in conn.execute("DESCRIBE audit_log").fetchall()}
    assert {"entry_id", "changed_by", "revision"} <= cols


def test_create_reopen_and_list(conn):
    saved = ts.save_target_set(conn, _draft(), author="ann")
    assert (saved.version, saved.revision, saved.status, saved.updated_by) == (1, 1, "draft", "ann")
    again = ts.load_target_set(conn, "Q4 plan")
    assert again.set_id == saved.set_id and again.tiers == {"base": 35, "stretch": 70}
    assert list(again.rows.columns) == ts.ROW_COLUMNS
    assert again.rows["source"].eq("model").all() and again.rows["reason"].isna().all()
    listing = ts.list_target_sets(conn)
    assert listing.loc[0, "name"] == "Q4 plan" and listing.loc[0, "n_reps"] == 2
    trail = ts.audit_trail(conn, saved.set_id)
    assert list(trail["what"]) == ["created"] and trail.loc[0, "changed_by"] == "ann"


def test_name_taken_is_a_conflict(conn):
    ts.save_target_set(conn, _draft(), author="ann")
    with pytest.raises(ts.TargetSetConflict, match="already exists"):
        ts.save_target_set(conn, _draft(), author="bob")


def test_row_edit_bumps_revision_and_is_audited(conn):
    saved = ts.save_target_set(conn, _draft(), author="ann")
    rev = ts.save_row_edit(conn, saved.set_id, "ana", "base", "120", "override", "big renewal", saved.revision,
                           p_attain=0.55, author="bob")
    assert rev == 2
    row = ts.load_target_set(conn, saved.set_id).rows.set_index(["rep", "tier"]).loc[("ana", "base")]
    assert (row.target, row.source, row.reason, row.model_value, row.p_attain) == (
        120.0, "override", "big renewal", 100.0, 0.55)
    last = ts.audit_trail(conn, saved.set_id).iloc[-1]
    assert last["what"] == "ana base target" and last["old_value"] == "$100 (model)"    # revenue is money
    assert last["new_value"] == "$120 (override: big renewal)" and last["changed_by"] == "bob"
    assert last["revision"] == 2


@pytest.mark.parametrize("target,source,reason,match", [
    (-1, "override", "x", "negative"), ("abc", "override", "x", "not a number"), (float("nan"), "override", "x", "NaN"),
    (10, "override", " ", "needs a reason"), (10, "guess", "x", "source"),
])
def test_row_edit_refuses_bad_entries(conn, target, source, reason, match):
    saved = ts.save_target_set(conn, _draft())
    with pytest.raises(ts.TargetSetError, match=match):
        ts.save_row_edit(conn, saved.set_id, "ana", "base", target, source, reason, saved.revision)
    assert ts.load_target_set(conn, saved.set_id).revision == 1


def test_stale_revision_names_who_and_when(conn):
    saved = ts.save_target_set(conn, _draft(), author="ann")
    ts.save_row_edit(conn, saved.set_id, "ana", "base", 110, "override", "pipeline", saved.revision, author="bob")
    with pytest.raises(ts.TargetSetConflict) as err:
        ts.save_row_edit(conn, saved.set_id, "ben", "base", 60, "override", "x", saved.revision, author="cy")
    assert "bob" in str(err.value) and err.value.changed_by == "bob" and err.value.actual == 2
    draft = saved.to_draft()
    with pytest.raises(ts.TargetSetConflict, match="bob"):
        ts.save_target_set(conn, draft, expected_revision=saved.revision, author="cy")
    assert ts.load_target_set(conn, saved.set_id).rows.set_index(["rep", "tier"]).loc[("ana", "base"), "target"] == 110


def test_two_sessions_on_one_draft_cannot_overwrite_each_other(conn):
    saved = ts.save_target_set(conn, _draft(), author="ann")
    first, second = conn.cursor(), conn.cursor()
    mine = ts.load_target_set(first, saved.set_id)
    theirs = ts.load_target_set(second, saved.set_id)
    d1 = mine.to_draft()
    d1.rows.loc[0, "target"] = 111.0
    ts.save_target_set(first, d1, expected_revision=mine.revision, author="ann")
    d2 = theirs.to_draft()
    d2.rows.loc[1, "target"] = 999.0
    with pytest.raises(ts.TargetSetConflict):
        ts.save_target_set(second, d2, expected_revision=theirs.revision, author="bob")
    final = ts.load_target_set(conn, saved.set_id)
    assert list(final.rows["target"]) == [111.0, 150.0, 50.0, 80.0]


def test_full_save_audits_every_changed_row(conn):
    saved = ts.save_target_set(conn, _draft(), author="ann")
    d = saved.to_draft()
    d.rows.loc[(d.rows.rep == "ben") & (d.rows.tier == "stretch"), ["target", "source", "reason"]] = [
        90.0, "override", "new logo"]
    d.team_target = 150.0
    again = ts.save_target_set(conn, d, expected_revision=saved.revision, author="ann", note="after the session")
    assert again.revision == 2 and again.team_target == 150.0
    trail = ts.audit_trail(conn, saved.set_id)
    assert list(trail["what"]) == ["created", "team number", "ben stretch target"]
    assert trail.iloc[0]["new_value"].startswith("2 reps × base, stretch")          # words, not a list
    assert pd.isna(trail.iloc[1]["old_value"]) and trail.iloc[1]["new_value"] == "$150"
    assert trail.iloc[-1]["old_value"] == "$80 (model)" and trail.iloc[-1]["new_value"] == "$90 (override: new logo)"


@pytest.mark.parametrize("change,match", [
    (lambda r: r.assign(tier=["base", "base", "base", "stretch"]), "same tier twice"),
    (lambda r: r.assign(tier=["base", "bonus", "base", "stretch"]), "not in the set's tiers"),
    (lambda r: r.assign(target=[1.0, -2.0, 3.0, 4.0]), "negative"),
    (lambda r: r.assign(target=[1.0, np.nan, 3.0, 4.0]), "NaN"),
    (lambda r: r.assign(source=["override"] * 4), "needs a reason"),
    (lambda r: r.drop(columns="target"), "lack column"),
])
def test_bad_rows_refused(conn, change, match):
    draft = _draft()
    draft.rows = change(draft.rows)
    with pytest.raises(ts.TargetSetError, match=match):
        ts.save_target_set(conn, draft)
    assert ts.list_target_sets(conn).empty


def test_final_is_read_only_and_new_version_copies(conn):
    saved = ts.save_target_set(conn, _draft(), author="ann")
    final = ts.finalize(conn, saved.set_id, expected_revision=1, author="ann")
    assert final.is_final and final.revision == 2
    with pytest.raises(ts.TargetSetFinalError, match="final and read-only"):
        ts.save_target_set(conn, final.to_draft(), expected_revision=final.revision)
    with pytest.raises(ts.TargetSetFinalError):
        ts.save_row_edit(conn, saved.set_id, "ana", "base", 1, "model", None, final.revision)
    with pytest.raises(ts.TargetSetFinalError):
        ts.finalize(conn, saved.set_id)
    v2 = ts.new_version(conn, saved.set_id, author="bob")
    assert (v2.version, v2.status, v2.revision, v2.name) == (2, "draft", 1, "Q4 plan")
    pd.testing.assert_frame_equal(v2.rows, final.rows)
    ts.save_row_edit(conn, v2.set_id, "ben", "stretch", 95, "rep proposal", None, 1, rep_proposal=95)
    assert ts.load_target_set(conn, "Q4 plan").version == 2
    assert ts.load_target_set(conn, "Q4 plan", version=1).rows.loc[3, "target"] == 80.0
    trail = ts.audit_trail(conn, saved.set_id)
    assert trail.iloc[-1]["what"] == "status" and trail.iloc[-1]["new_value"] == "final"


def test_save_as_final_in_one_go(conn):
    saved = ts.save_target_set(conn, _draft(status="final"))
    assert saved.is_final


def test_compare_sets_and_model(conn):
    a = ts.save_target_set(conn, _draft())
    b_draft = _draft("Q4 alt")
    b_draft.rows = b_draft.rows.iloc[:3].assign(target=[110.0, 150.0, 40.0])
    b = ts.save_target_set(conn, b_draft)
    diff = ts.compare_sets(conn, a.set_id, "Q4 alt").set_index(["rep", "tier"])
    assert diff.loc[("ana", "base"), "difference"] == 10.0
    assert diff.loc[("ben", "base"), "pct_difference"] == pytest.approx(-0.2)
    assert np.isnan(diff.loc[("ben", "stretch"), "target_b"])
    ts.save_row_edit(conn, b.set_id, "ana", "stretch", 170, "override", "stretch deal", b.revision)
    model = ts.compare_with_model(conn, b.set_id).set_index(["rep", "tier"])
    assert model.loc[("ana", "stretch"), "difference"] == 20.0
    fresh = pd.DataFrame({"rep": ["ana"], "tier": ["stretch"], "target": [160.0]})
    assert ts.compare_with_model(conn, b.set_id, fresh).set_index(["rep", "tier"]).loc[
        ("ana", "stretch"), "difference"] == 10.0


def test_unknown_sets(conn):
    with pytest.raises(LookupError):
        ts.load_target_set(conn, "nope")
    with pytest.raises(LookupError):
        ts.load_target_set(conn, 42)


def test_a_set_is_found_by_id_id_text_name_and_version(conn):
    first = ts.save_target_set(conn, _draft(), author="ann")
    ts.finalize(conn, first.set_id)
    second = ts.new_version(conn, first.set_id)
    assert ts.resolve_set_id(conn, first.set_id) == first.set_id
    assert ts.resolve_set_id(conn, str(first.set_id)) == first.set_id       # as typed on the command line
    assert ts.resolve_set_id(conn, " Q4 plan ") == second.set_id            # the latest version
    assert ts.resolve_set_id(conn, "Q4 plan", version=1) == first.set_id
    with pytest.raises(LookupError, match=r"no target set named 'Q3 plan' \(saved sets: Q4 plan\)"):
        ts.resolve_set_id(conn, "Q3 plan")
    with pytest.raises(LookupError, match="no target set with id 999"):
        ts.resolve_set_id(conn, 999)
    with pytest.raises(LookupError, match="version 7"):
        ts.resolve_set_id(conn, "Q4 plan", version=7)


def test_the_saved_sets_views_by_tier_and_period(conn):
    store.set_setting(conn, "fiscal_year_start_month", "2")
    saved = ts.save_target_set(conn, _draft(team_target=None))
    assert list(saved.reps) == ["ana", "ben"]
    assert list(saved.targets_by_tier.columns) == ["base", "stretch"]
    assert saved.targets_by_tier.loc["ben", "stretch"] == 80.0 and saved.chances_by_tier.loc["ana", "base"] == 0.65
    assert saved.team_number == 150.0                                       # the sum of base targets
    assert saved.fiscal_start_month == 2 and saved.fiscal_period.start == parse_period("2026-Q4", 2).start
    fiscal_jan = ts.save_target_set(conn, _draft("jan", team_target=400.0, assumptions={"fiscal_start_month": 1}))
    assert fiscal_jan.fiscal_period.start.month == 10 and fiscal_jan.team_number == 400.0


def test_file_database_round_trip_with_a_built_draft(tmp_path):
    rng = np.random.default_rng(5)
    n = 5
    d = LogScaleHurdle(reps=np.array([f"r{i}" for i in range(n)]), mu=np.log(rng.uniform(5e4, 2e5, n)),
                       sigma=rng.uniform(0.3, 0.8, n), df=np.full(n, 10.0), zero_share=np.full(n, 0.05),
                       shared_sigma=0.2)
    funnel = pd.DataFrame({"rep": d.reps, "avg_deal_size": rng.uniform(8e3, 2e4, n),
                           "call_to_meeting": rng.uniform(0.15, 0.3, n), "meeting_to_demo": rng.uniform(0.4, 0.7, n),
                           "demo_to_opportunity": rng.uniform(0.4, 0.7, n), "win_rate": rng.uniform(0.2, 0.35, n),
                           "won": rng.uniform(1, 3, n), "closed": rng.uniform(5, 9, n)})
    g = float(d.quantile(0.5).sum())
    draft = build_draft(d, name="built", period=parse_period("2026-Q4"), metric="revenue", team_target=g,
                        allocation="equal-chance", funnel=funnel, weights=[0.2, 0.3, 0.5], n_draws=2000)
    base = draft.rows[draft.rows.tier == "base"]
    assert base["target"].sum() == pytest.approx(g, rel=1e-6)
    assert draft.method == "equal-chance" and draft.assumptions["team"]["team_target"] == g
    assert (draft.rows.groupby("rep")["target"].apply(lambda s: s.is_monotonic_increasing)).all()
    path = tmp_path / "t.duckdb"
    c = store.connect(path)
    ts.save_target_set(c, draft, author="ann")
    c.close()
    c = store.connect(path)
    saved = ts.load_target_set(c, "built")
    c.close()
    assert saved.assumptions["within_period_weights"] == [0.2, 0.3, 0.5]
    assert set(saved.activity_rows["activity"]) == {"deals", "opportunities", "demos", "meetings", "calls"}
    assert set(saved.assumptions["plans"]) == set(d.reps)
    assert json.loads(json.dumps(saved.assumptions))["warnings"]


def test_concurrent_row_edits_from_threads_exactly_one_wins(conn):
    import threading

    saved = ts.save_target_set(conn, _draft())
    outcomes: list[str] = []

    def edit(i: int) -> None:
        cursor = conn.cursor()
        try:
            ts.save_row_edit(cursor, saved.set_id, "ana", "base", 100 + i, "override", f"reason {i}",
                             saved.revision, author=f"user{i}")
            outcomes.append("ok")
        except ts.TargetSetConflict:
            outcomes.append("conflict")

    threads = [threading.Thread(target=edit, args=(i,)) for i in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(outcomes) == ["conflict"] * 5 + ["ok"]
    assert ts.load_target_set(conn, saved.set_id).revision == 2
    assert len(ts.audit_trail(conn, saved.set_id)) == 2


def test_audit_trail_writes_money_in_the_sets_currency(conn):
    """A set saved in euros: its audit values read €99,000 (exact: a record), never 99000 or $."""
    saved = ts.save_target_set(conn, _draft(assumptions={"currency": "EUR"}), author="ann")
    ts.save_row_edit(conn, saved.set_id, "ana", "base", "99000", "override", "big renewal", saved.revision)
    reopened = ts.load_target_set(conn, saved.set_id)
    d = reopened.to_draft()
    d.team_target = 12_000_000.0
    d.rows.loc[(d.rows.rep == "ben") & (d.rows.tier == "stretch"), ["target", "source", "reason"]] = [
        99_400.0, "override", "new logo"]
    ts.save_target_set(conn, d, expected_revision=reopened.revision, author="ann")
    trail = ts.audit_trail(conn, saved.set_id).set_index("what")
    assert trail.loc["ana base target", "new_value"] == "€99,000 (override: big renewal)"
    assert trail.loc["ana base target", "old_value"] == "€100 (model)"
    assert trail.loc["team number", "new_value"] == "€12,000,000"
    assert trail.loc["ben stretch target", "new_value"] == "€99,400 (override: new logo)"
    text = " ".join(str(v) for v in trail[["old_value", "new_value"]].to_numpy().ravel())
    assert "$" not in text and "€" in text


def test_audit_trail_writes_counts_without_a_currency(conn):
    saved = ts.save_target_set(conn, ts.TargetSetDraft("deals", "2026-Q4", "quarter", "deals_won", {"base": 35},
                                                       rows=_rows().query("tier == 'base'"),
                                                       assumptions={"currency": "EUR"}))
    ts.save_row_edit(conn, saved.set_id, "ana", "base", "1200", "override", "two big logos", saved.revision)
    assert ts.audit_trail(conn, saved.set_id).iloc[-1]["new_value"] == "1,200 (override: two big logos)"


def test_orders_only_saved_set_stores_no_plan_of_absent_stages(tmp_path):
    """Won orders alone: the saved set keeps the deals needed, no opportunity or call rows, no plan
    sentence about them, and no "win rate 100%" focus (the coverage is read through the calibration)."""
    import orders_fixtures

    db = orders_fixtures.build_orders_db(tmp_path)
    name = orders_fixtures.save_orders_plan(db, parse_period("2026-Q3"))
    conn = store.connect(db)
    try:
        saved = ts.load_target_set(conn, name)
    finally:
        conn.close()
    assert set(saved.activity_rows["activity"]) == {"deals"}
    assert not saved.assumptions.get("plans") and not saved.assumptions.get("focus")


def test_the_orders_only_sample_saves_no_target_of_zero(tmp_path):
    """Orders only, months: reps who book nothing in a third of their months had a base of $0 at a 100%
    chance (P35 on their zero atom), lifting the team's expected share reaching base. Now every saved
    target is above zero, and those reps' chances, below 100%, are the ones the base share check averages."""
    from analytics import calibration, importing, sample
    from analytics.target_drafts import draft_from_calibration
    from analytics.target_floor import zero_shares

    paths = sample.generate(tmp_path / "orders", reps=36, years=3, seed=7, regime="orders_only")
    conn = store.connect(str(tmp_path / "orders.duckdb"))
    try:
        for kind in ("reps", "orders"):
            importing.import_file(conn, paths[kind])
        cal = calibration.calibrate(conn, "revenue", "month", "2026-11")
        zeros = pd.Series(zero_shares(cal.predictive), index=cal.predictive.reps)
        assert (zeros >= 0.35).sum() >= 3
        for team_target in (None, float(cal.summary["baseline"].sum())):
            draft = draft_from_calibration(cal, f"Nov {team_target}", "35,70,90", team_target=team_target)
            saved = ts.load_target_set(conn, ts.save_target_set(conn, draft, author="test").set_id)
            assert (saved.rows["target"] > 0).all()
            base = saved.rows[saved.rows["tier"] == "base"].set_index("rep")
            mostly_zero = base.loc[zeros[zeros >= 0.35].index]
            assert (mostly_zero["p_attain"] < 0.65).all() and mostly_zero["reason"].str.contains("books nothing").all()
            assert saved.assumptions["base_share"] == pytest.approx(base["p_attain"].mean())
            assert ts_problems(saved) == []
    finally:
        conn.close()


def ts_problems(saved) -> list[str]:
    from analytics.targets import tier_order_problems

    return tier_order_problems(saved.rows)
