"""Scope in the engine: on a scoped connection (analytics.scope.scoped) every engine query that returns
reps shows only the scope's reps, with no change to the query; saved sets and notes are filtered and
written within the scope; every public engine function taking a connection is classified here, so a
new query that is not checked fails (test_every_engine_query_is_classified).

The company is the sample (36 reps, three teams, their managers in the roster); a set for every rep is
saved by the admin (an unscoped connection) for the last complete quarter.
"""

from __future__ import annotations

import importlib
import inspect
import io
import pkgutil
import random
import re
import shutil
import zipfile
from collections.abc import Callable
from dataclasses import fields, is_dataclass
from datetime import timedelta
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import analytics
from analytics import (
    accounts,
    backtest,
    calibration,
    checkin_notes,
    export,
    metrics,
    open_pipeline_data,
    pace_replay,
    panel_query,
    rep_facts,
    review,
    roster_bounds,
    store,
    target_drafts,
    target_sets,
    tracking,
    tracking_data,
    tracking_laws,
)
from analytics import scope as scopes
from analytics.accounts import Account
from analytics.importing import history
from analytics.periods import period_of

NORTH, SOUTH = "Team North", "Team South"


# ---- the company ---------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def company(sample_db_template, tmp_path_factory):
    """The admin's connection to a copy of the sample, with a saved set (every rep) and a note per team."""
    path = tmp_path_factory.mktemp("scope") / "targets.duckdb"
    shutil.copy(sample_db_template, path)
    conn = store.connect(path)
    as_of = metrics.data_as_of(conn)
    period = period_of(as_of, "quarter", 1).previous(1)
    cal = calibration.calibrate(conn, "revenue", "quarter", period.label, as_of=period.start - timedelta(days=1))
    target_sets.save_target_set(conn, target_drafts.draft_from_calibration(cal, "Company plan"), author="ana")
    roster = dict(conn.execute("SELECT rep, team FROM reps").fetchall())
    for team in (NORTH, SOUTH):
        checkin_notes.add_note(conn, "Company plan", _reps_of(roster, team)[0], f"note on {team}", period.start)
        # a call logged long before a rep's roster start: the coverage note names the rep
        rep, start = conn.execute("SELECT rep, start_date FROM reps WHERE team = ? ORDER BY start_date DESC LIMIT 1",
                                  [team]).fetchone()
        conn.execute("INSERT INTO activities (activity_id, rep, activity_date, type, import_id) "
                     "VALUES (?, ?, ?, 'call', 1)", [f"early-{team}", rep, start - timedelta(days=100)])
    yield conn, roster, period
    conn.close()


def _reps_of(roster: dict[str, str], team: str) -> list[str]:
    return sorted(r for r, t in roster.items() if t == team)


@pytest.fixture(scope="module")
def north(company):
    """The North manager's connection (the roster names Caleb Weber as its manager) and the other reps."""
    conn, roster, _ = company
    scope = scopes.scope_of(conn, Account("caleb weber", "manager"))
    assert scope.reps == set(_reps_of(roster, NORTH))
    return scopes.scoped(conn, scope), set(_reps_of(roster, NORTH)), set(roster) - set(_reps_of(roster, NORTH))


# ---- every string a value holds -------------------------------------------------------------------

def strings(value, seen: set[int] | None = None, depth: int = 0):
    """Every piece of text in ``value``: frames (index, columns, cells), arrays, containers, the fields
    of objects, and the XML inside an Excel file's bytes."""
    seen = set() if seen is None else seen
    if value is None or id(value) in seen or depth > 8:
        return
    seen.add(id(value))
    if isinstance(value, str):
        yield value
    elif isinstance(value, bytes):
        if value[:2] == b"PK":
            with zipfile.ZipFile(io.BytesIO(value)) as book:
                for name in book.namelist():
                    yield book.read(name).decode("utf-8", "replace")
    elif isinstance(value, pd.DataFrame):
        yield value.to_csv()
    elif isinstance(value, (pd.Series, pd.Index)):
        yield value.to_frame().to_csv()
    elif isinstance(value, np.ndarray):
        if value.dtype == object:
            for item in value.ravel():
                yield from strings(item, seen, depth + 1)
    elif isinstance(value, dict):
        for k, v in value.items():
            yield from strings(k, seen, depth + 1)
            yield from strings(v, seen, depth + 1)
    elif isinstance(value, (list, tuple, set, frozenset)):
        for item in value:
            yield from strings(item, seen, depth + 1)
    elif is_dataclass(value):
        for f in fields(value):
            yield from strings(getattr(value, f.name), seen, depth + 1)
    elif hasattr(value, "__dict__") and type(value).__module__.startswith("analytics"):
        for v in vars(value).values():
            yield from strings(v, seen, depth + 1)


def named_reps(value, reps: set[str]) -> set[str]:
    text = "\n".join(strings(value))
    return {r for r in reps if re.search(rf"(?<![\w]){re.escape(r)}(?![\w])", text)}


# ---- the engine's queries that return reps, and the others -----------------------------------------

Query = Callable[[object, object], object]


def _set(conn):
    return target_sets.load_target_set(conn, "Company plan")


def _cal(conn, period):
    cal = calibration.calibrate(conn, "revenue", "quarter", period.label, as_of=period.start - timedelta(days=1))
    return cal.summary, cal.predictive.reps


def _reps_arg(conn):
    return np.array(sorted(tracking_data.reps_teams(conn).index), dtype=object)


REP_QUERIES: dict[str, Query] = {
    "metrics.rep_spans": lambda c, p: metrics.rep_spans(c),
    "metrics.span_scan": lambda c, p: metrics.span_scan(c, "revenue"),
    "metrics.idle_roster_reps": lambda c, p: metrics.idle_roster_reps(c),
    "roster_bounds.records_outside_roster": lambda c, p: [r.rep for r in roster_bounds.records_outside_roster(c)],
    "metrics.active_reps": lambda c, p: metrics.active_reps(c, p.start, p.end),
    "metrics.rep_period_panel": lambda c, p: metrics.rep_period_panel(c, "revenue", "quarter"),
    "metrics.rep_funnel": lambda c, p: metrics.rep_funnel(c, "quarter"),
    "panel_query.read_panel": lambda c, p: panel_query.read_panel(c, "revenue", "quarter"),
    "calibration.calibrate": _cal,
    "rep_facts.rep_facts": lambda c, p: rep_facts.rep_facts(c, "revenue", "quarter", p.label),
    "backtest.run_backtest": lambda c, p: backtest.run_backtest(c, "revenue", "quarter", origins=2),
    "open_pipeline_data.open_deals_at": lambda c, p: open_pipeline_data.open_deals_at(c, "revenue", p.start),
    "open_pipeline_data.open_deal_history": lambda c, p: open_pipeline_data.open_deal_history(
        c, "revenue", [(p.previous(1).start, p.previous(1).end)]),
    "open_pipeline_data.remainder_split": lambda c, p: open_pipeline_data.remainder_split(
        c, "revenue", [(p.previous(1).start, p.previous(1).end)]),
    "pace_replay.replay_period": lambda c, p: pace_replay.replay_period(c, "revenue", p),
    "tracking_data.metric_by_rep_day": lambda c, p: tracking_data.metric_by_rep_day(c, "revenue", p.start, p.end),
    "tracking_data.metric_to_date": lambda c, p: tracking_data.metric_to_date(c, "revenue", p.start, p.end),
    "tracking_data.quotas_covering": lambda c, p: tracking_data.quotas_covering(c, p),
    "tracking_data.funnel_counts": lambda c, p: tracking_data.funnel_counts(c, p.start, p.end),
    "tracking_data.undated_deals": lambda c, p: tracking_data.undated_deals(c, p.start),
    "tracking_data.reps_teams": lambda c, p: tracking_data.reps_teams(c),
    "tracking_data.left_before": lambda c, p: tracking_data.left_before(c, _reps_arg(c), p.end),
    "tracking_data.quotas_for_period": lambda c, p: tracking_data.quotas_for_period(c, p),
    "tracking_data.quota_history": lambda c, p: tracking_data.quota_history(c, "revenue", "quarter", 1, p),
    "tracking_data.tracked_set": lambda c, p: tracking_data.tracked_set(c, "Company plan").rows,
    "tracking_data.reviewed_set": lambda c, p: tracking_data.reviewed_set(c, "Company plan").rows,
    "tracking.usual_funnel": lambda c, p: tracking.usual_funnel(c, p, _reps_arg(c)),
    "tracking.track": lambda c, p: tracking.track(c, "Company plan", p.end, n_draws=200),
    "tracking_laws.fit_period": lambda c, p: tracking_laws.fit_period(c, _set(c))[0],
    "review.review": lambda c, p: review.review(c, "Company plan"),
    "review.review_and_track": lambda c, p: review.review_and_track(c, "Company plan"),
    "target_set_reads.load_target_set": lambda c, p: _set(c),
    "target_set_reads.list_target_sets": lambda c, p: target_sets.list_target_sets(c),
    "target_set_reads.audit_trail": lambda c, p: target_sets.audit_trail(c, _set(c).set_id),
    "target_sets.compare_sets": lambda c, p: target_sets.compare_sets(c, "Company plan", "Company plan"),
    "target_sets.compare_with_model": lambda c, p: target_sets.compare_with_model(c, "Company plan"),
    "checkin_notes.list_notes": lambda c, p: checkin_notes.list_notes(c),
    "checkin_notes.notes_csv": lambda c, p: checkin_notes.notes_csv(c),
    "importing.history.import_rejects": lambda c, p: history.import_rejects(c, 1),
    # the downloads of a saved set: what a scoped connection loads is all they write
    "export.csv_text": lambda c, p: export.csv_text(_set(c)),
    "export.excel_bytes": lambda c, p: export.excel_bytes(_set(c)),
    "export.rep_summary_html": lambda c, p: export.rep_summary_html(_set(c)),
}
"""Every engine function whose result can name a rep, called on the company."""

NOT_REP_QUERIES: dict[str, str] = {
    "panel_query.company_panel": "every rep's history: read only by the fits, whose outputs hold the scope's reps "
                                 "alone (test_the_company_is_read_only_by_the_fits, test_a_managers_*)",
    "calibration.calibrate_company": "every rep's fit, held by the dashboard's cache and shown only through "
                                     "for_scope (test_the_company_is_read_only_by_the_fits)",
    **{f"accounts.{n}": "accounts, not rep data" for n in (
        "session_hours", "account_count", "list_accounts", "get_account", "add_account", "remove_account",
        "set_password", "check_sign_in")},
    "backtest_verdict.verdict_for": "one sentence about the team, no rep (over a scoped backtest)",
    "checkin_notes.add_note": "a write: refused outside the scope (test_writes_stay_in_the_scope)",
    "coverage.data_coverage": "kinds, fields and days, no rep (over the scoped tables)",
    "data_gaps.data_gaps": "empty months and the typical month's count, no rep (over the scoped tables)",
    "metrics.data_as_of": "a day",
    "metrics.data_as_of_by": "a day",
    "tracking_data.metric_by_day": "the team's daily totals, no rep (over the scoped tables)",
    "tracking_data.metric_first_day": "a day",
    "tracking.history_shape": "the within-period shape, no rep",
    "tracking.period_shape": "the within-period shape, no rep",
    "open_pipeline_data.pipeline_evidence": "arrays in the order of the reps it is given",
    "pace_replay.rep_shares": "an array in the order of the reps it is given",
    "pace_replay.replay_periods": "periods",
    "pace_replay.replay": "past periods' chances against outcomes, no rep (over the scoped tables)",
    **{f"target_sets.{n}": "a write: only the scope's rows (test_writes_stay_in_the_scope)" for n in (
        "save_target_set", "save_row_edit", "finalize", "new_version")},
    "target_set_reads.resolve_set_id": "an id (a set with no row in the scope is not found)",
    "target_set_reads.sets_version": "a cache key of every set's revisions, no rep",
    **{f"sample_company.{n}": "the sample's own rows: Overview's admin-only clearing" for n in (
        "is_loaded", "should_autoload", "load", "sample_import_ids", "own_work", "sample_rows",
        "removal_refusal", "clear")},
    **{f"scope.{n}": "the scope itself" for n in ("scope_of", "scoped", "connection_scope")},
    **{f"store.{n}": "the database and its settings" for n in (
        "schema_version", "migrate", "transaction", "get_setting", "set_setting", "fiscal_year_start_month",
        "table_counts", "currency_code", "is_empty", "data_version", "sample_loaded")},
    **{f"inbox.{n}": "the server's inbox: imports, an admin's (every rep)" for n in ("inbox_dir", "process_inbox")},
}
"""The other public engine functions taking a connection, with why they need no scope check."""

IMPORTING_WRITES = "importing"
"""Every function of the import package besides ``history.import_rejects``: imports and undo are an
admin's (scope all: no view), and the history lists files, not reps."""


def engine_functions_taking_a_connection() -> set[str]:
    found = set()
    for info in pkgutil.walk_packages(analytics.__path__, "analytics."):
        if info.name.startswith("analytics.cli") or info.name.endswith("__main__"):
            continue
        module = importlib.import_module(info.name)
        for name, fn in vars(module).items():
            if name.startswith("_") or not inspect.isfunction(fn) or fn.__module__ != module.__name__:
                continue
            params = list(inspect.signature(fn).parameters)
            if params and params[0] in ("conn", "cursor"):
                found.add(f"{module.__name__.removeprefix('analytics.')}.{name}")
    return found


def test_every_engine_query_is_classified():
    found = engine_functions_taking_a_connection()
    classified = {n for n in REP_QUERIES if not n.startswith("export.")} | set(NOT_REP_QUERIES)
    unclassified = {n for n in found - classified if not n.startswith(IMPORTING_WRITES + ".")}
    assert not unclassified, f"add these to REP_QUERIES (checked) or NOT_REP_QUERIES (why not): {sorted(unclassified)}"
    assert not classified - found, f"gone from the engine: {sorted(classified - found)}"


@pytest.mark.parametrize("name", sorted(REP_QUERIES))
def test_a_scoped_query_names_no_rep_outside_the_scope(company, north, name):
    conn, roster, period = company
    scoped, mine, others = north
    everyone = named_reps(REP_QUERIES[name](conn, period), set(roster))
    seen = named_reps(REP_QUERIES[name](scoped, period), set(roster))
    assert not seen & others, f"{name} shows reps outside the scope: {sorted(seen & others)[:5]}"
    assert seen == everyone & mine, name     # and every rep of the scope that the admin sees there


# ---- one model for the company, shown per scope ---------------------------------------------------

def _same_numbers(left: pd.DataFrame, right: pd.DataFrame) -> None:
    pd.testing.assert_frame_equal(left, right, check_exact=False, rtol=1e-9, atol=1e-9)


@pytest.mark.parametrize("metric", ["revenue", "deals", "win_rate"])
def test_a_managers_calibration_is_the_admins_for_their_reps(company, north, metric):
    """The model is fitted on the whole company whoever asks: a manager sees, for each of their reps, the
    admin's numbers to 1e-9, and nothing anywhere (summary, laws, history, sales math) about another rep."""
    conn, roster, _ = company
    scoped, mine, others = north
    admin = calibration.calibrate(conn, metric, "quarter", "next")
    manager = calibration.calibrate(scoped, metric, "quarter", "next")
    reps = manager.summary.index
    assert set(reps) == set(admin.summary.index) & mine and len(reps) >= 5
    _same_numbers(manager.summary, admin.summary.loc[reps])
    where = {r: i for i, r in enumerate(admin.predictive.reps)}
    positions = [where[r] for r in manager.predictive.reps]
    levels = np.array([0.1, 0.5, 0.9])
    np.testing.assert_allclose(manager.predictive.quantile(levels), admin.predictive.quantile(levels)[positions],
                               rtol=1e-9)
    assert manager.team_shared_sigma == admin.team_shared_sigma
    _same_numbers(manager.history.reset_index(drop=True),
                  admin.history[admin.history["rep"].isin(mine)].reset_index(drop=True))
    assert not named_reps(manager, set(roster)) - mine
    assert set(manager.funnel()["rep"]) <= mine and named_reps(admin, others)   # (the check can see them)


def test_fitted_on_the_scope_alone_the_ranges_would_differ(company, north):
    """What the test above guards against: the team's own history gives its reps other ranges."""
    conn, _, _ = company
    scoped, _, _ = north
    company_wide = calibration.calibrate(conn, "revenue", "quarter", "next", context=False)
    team_only = calibration.calibrate(None, "revenue", "quarter", company_wide.period,
                                      history=panel_query.read_panel(scoped, "revenue", "quarter").frame())
    both = team_only.summary.index.intersection(company_wide.summary.index)
    assert len(both) >= 5
    gap = np.abs(team_only.summary.loc[both, "p90"] / company_wide.summary.loc[both, "p90"] - 1)
    assert gap.max() > 1e-3


def test_a_managers_backtest_is_the_admins_for_their_reps(company, north):
    """Fitted on the company, reported for the scope: the per-rep rows are the admin's (randomised PIT
    included); the figures over them are the scope's."""
    conn, roster, _ = company
    scoped, mine, _ = north
    admin = backtest.run_backtest(conn, "revenue", "quarter", origins=3)
    manager = backtest.run_backtest(scoped, "revenue", "quarter", origins=3)
    order = ["origin_index", "rep"]
    rows = manager.forecasts.sort_values(order).reset_index(drop=True)
    expected = admin.forecasts[admin.forecasts["rep"].isin(mine)].sort_values(order).reset_index(drop=True)
    assert len(rows) >= 10
    _same_numbers(rows, expected)
    assert not named_reps(manager, set(roster)) - mine
    assert manager.coverage["n"].iloc[0] == len(rows) < admin.coverage["n"].iloc[0]
    assert manager.crps["model"] == pytest.approx(float(rows["crps"].mean()), rel=1e-12)


def test_a_second_managers_first_visit_reuses_the_company_fit(sample_db, monkeypatch):
    """The dashboard fits the company once per data version for every account; what each manager is shown
    is made (and cached) per scope: the second manager's visit fits nothing and shows only their reps."""
    import streamlit as st
    from helpers import app_test

    from dashboard import session

    monkeypatch.setenv(accounts.HASH_PROFILE_ENV, "cheapest")
    conn = store.connect(sample_db)
    try:
        for name, team in (("north", NORTH), ("south", SOUTH)):
            accounts.add_account(conn, name, "manager", password="correct horse battery", teams=[team])
        roster = dict(conn.execute("SELECT rep, team FROM reps").fetchall())
    finally:
        conn.close()
    fits: list[tuple] = []
    shown: dict[str, set[str]] = {}
    fit, for_scope = session.calibrate_company, calibration.CompanyCalibration.for_scope

    def counted_fit(*args, **kwargs):
        fits.append(args[1:])
        return fit(*args, **kwargs)

    def recorded_scope(self, conn, context=True):
        cal = for_scope(self, conn, context)
        shown.setdefault(scopes.connection_scope(conn).key(), set()).update(cal.summary.index)
        return cal

    monkeypatch.setattr(session, "calibrate_company", counted_fit)
    monkeypatch.setattr(calibration.CompanyCalibration, "for_scope", recorded_scope)
    st.cache_data.clear()
    fitted_by = {}
    for name in ("north", "south"):
        at = app_test("pages/baselines.py")
        at.text_input(key="auth_name").input(name)
        at.text_input(key="auth_password").input("correct horse battery")
        at.button(key="auth_sign_in").click().run()
        assert not at.exception, at.exception
        fitted_by[name] = len(fits)
    assert fitted_by["north"] >= 1 and fitted_by["south"] == fitted_by["north"], fits
    assert len(shown) == 2
    teams = [{roster[r] for r in reps} for reps in shown.values()]
    assert sorted(map(sorted, teams)) == [[NORTH], [SOUTH]], teams


def test_the_company_is_read_only_by_the_fits():
    """The one read past a scope (panel_query.company_panel, a cursor without the scope's views) is made by
    the calibration and the backtest alone; the company fit is shown only through ``for_scope``; no other
    engine code opens a cursor of its own or names a table through the database's catalog."""
    root = Path(__file__).resolve().parent.parent
    sources = {str(path.relative_to(root)): path.read_text(encoding="utf-8")
               for folder in ("analytics", "dashboard", "pages") for path in (root / folder).rglob("*.py")}
    assert {name for name, text in sources.items() if "company_panel(" in text} == {
        "analytics/panel_query.py", "analytics/calibration.py", "analytics/backtest.py"}
    assert {name for name, text in sources.items() if "calibrate_company(" in text} == {
        "analytics/calibration.py", "dashboard/session.py", "dashboard/period_fits.py"}
    session_text = sources["dashboard/session.py"]
    assert session_text.count("_company_calibration(") == 2 and ".for_scope(db())" in session_text
    # A tracked period's company fit (cached by dashboard/period_fits.py) is read only by fit_period, scoped.
    assert "company=company" in sources["dashboard/period_fits.py"]
    assert ".for_scope(conn)" in sources["analytics/tracking_laws.py"]
    engine = {name: text for name, text in sources.items() if name.startswith("analytics/")}
    assert {name for name, text in engine.items() if re.search(r"\w\.cursor\(\)", text)} == {
        "analytics/scope.py", "analytics/panel_query.py"}
    assert {name for name, text in engine.items() if re.search(r'"\{?\w*\}?"\.main\.', text)} == {"analytics/scope.py"}


def test_a_query_that_names_nobody_unscoped_is_no_proof(company):
    """The check above is not empty: unscoped, most queries name reps of every team."""
    conn, roster, period = company
    naming = [n for n in REP_QUERIES if named_reps(REP_QUERIES[n](conn, period), set(roster)) - set(_reps_of(
        roster, NORTH))]
    # (six name nobody here: the rejects, the audit trail, the set list, the quota history, the roster reps
    # with nothing at all, as every rep of this roster sells, and the deals without a created date, as every
    # deal here has one)
    assert len(naming) >= len(REP_QUERIES) - 6, sorted(set(REP_QUERIES) - set(naming))


# ---- the scoped connection itself -----------------------------------------------------------------

def test_views_shadow_every_table_keyed_by_rep_and_the_plain_cursor_sees_all(company, north):
    conn, roster, _ = company
    scoped, mine, _ = north
    keyed = {t for (t,) in conn.execute("SELECT DISTINCT table_name FROM duckdb_columns() WHERE column_name = 'rep' "
                                         "AND database_name = current_database()").fetchall()}
    # (accounts: a viewer's one rep; read by sign-in and by the admin's `users` verbs only)
    assert keyed - {"accounts"} == set(scopes.SHADOWED) | set(scopes.WRITTEN)
    for table in scopes.SHADOWED:
        assert {r for (r,) in scoped.execute(f"SELECT DISTINCT rep FROM {table}").fetchall()} <= mine, table
        assert {r for (r,) in scoped.execute(f"SELECT DISTINCT rep FROM main.{table}").fetchall()} <= mine, table
    assert {r for (r,) in conn.execute("SELECT rep FROM reps").fetchall()} == set(roster)
    assert scoped.execute("SELECT count(*) FROM import_changes").fetchall() == [(0,)]


@pytest.mark.parametrize("account, expected", [
    (Account("v", "viewer", rep="Bianca Weber"), {"Bianca Weber"}),
    (Account("w", "viewer", teams=(SOUTH,)), None),
    (Account("nobody", "manager"), set()),
])
def test_a_viewer_sees_one_rep_or_a_team_and_an_unknown_manager_nobody(company, account, expected):
    conn, roster, _ = company
    scoped = scopes.scoped(conn, scopes.scope_of(conn, account))
    seen = {r for (r,) in scoped.execute("SELECT DISTINCT rep FROM deals").fetchall()}
    assert seen == (set(_reps_of(roster, SOUTH)) if expected is None else expected)


def test_scope_keys_differ_between_teams_and_are_stable(company):
    conn, _, _ = company
    keys = {scopes.scope_of(conn, Account(m, "manager")).key() for m in ("caleb weber", "Gabriel Bennett")}
    assert len(keys) == 2 and scopes.scope_of(conn, Account("Caleb Weber", "manager")).key() in keys


# ---- writes --------------------------------------------------------------------------------------

def test_writes_stay_in_the_scope(company, north, tmp_path):
    conn, roster, _ = company
    scoped, mine, others = north
    rng = random.Random(15)
    other, own = rng.choice(sorted(others)), rng.choice(sorted(mine))
    saved = target_sets.load_target_set(scoped, "Company plan")
    with pytest.raises(target_sets.TargetSetError, match="not in your teams"):
        target_sets.save_row_edit(scoped, saved.set_id, other, "base", 1.0, reason="x", author="caleb")
    with pytest.raises(ValueError, match="not in your teams"):
        checkin_notes.add_note(scoped, "Company plan", other, "peeking")
    before = target_sets.load_target_set(conn, "Company plan").rows
    # a manager's save of the whole set (their rows edited) leaves the other teams' rows as they were
    draft = target_sets.TargetSetDraft(saved.name, saved.period, saved.grain, saved.metric, saved.tiers,
                                       method=saved.method, rows=saved.rows.assign(
                                           target=saved.rows["target"] * 1.1), set_id=saved.set_id,
                                       assumptions=saved.assumptions)
    target_sets.save_target_set(scoped, draft, expected_revision=saved.revision, author="caleb weber")
    after = target_sets.load_target_set(conn, "Company plan").rows
    assert len(after) == len(before)
    theirs = after[after["rep"].isin(others)].reset_index(drop=True)
    assert theirs["target"].tolist() == before[before["rep"].isin(others)]["target"].tolist()
    assert after.loc[after["rep"] == own, "target"].sum() == pytest.approx(
        before.loc[before["rep"] == own, "target"].sum() * 1.1)
    trail = target_sets.audit_trail(conn, saved.set_id)
    assert "caleb weber" in trail["changed_by"].tolist()
    # a new version the manager starts copies every team's rows (the manager still sees only theirs)
    copy = target_sets.new_version(scoped, saved.set_id, author="caleb weber")
    assert set(copy.rows["rep"]) == set(after["rep"]) & mine
    assert len(target_sets.load_target_set(conn, copy.set_id).rows) == len(after)


def test_a_set_with_no_row_in_the_scope_is_not_found(company):
    conn, roster, period = company
    south = target_sets.TargetSetDraft("South only", period.label, "quarter", "revenue", {"base": 35},
                                       rows=pd.DataFrame({"rep": _reps_of(roster, SOUTH), "tier": "base",
                                                          "target": 100.0}))
    target_sets.save_target_set(conn, south, author="ana")
    scoped = scopes.scoped(conn, scopes.scope_of(conn, Account("caleb weber", "manager")))
    assert "South only" not in target_sets.list_target_sets(scoped)["name"].tolist()
    with pytest.raises(LookupError) as refused:
        target_sets.load_target_set(scoped, "South only")
    assert str(refused.value).endswith("(saved sets: Company plan)")
    assert "South only" in target_sets.list_target_sets(conn)["name"].tolist()


def test_the_caches_of_pages_are_keyed_by_the_scope():
    """Every st.cache_data/cache_resource over data in dashboard/ and pages/ takes a key made from
    session.data_version() (which names the scope) or a value computed under it."""
    root = Path(__file__).resolve().parent.parent
    no_data = {"_connection", "_worker", "_watcher"}     # the shared connection, a thread pool, the inbox thread
    for path in sorted([*root.glob("dashboard/*.py"), *root.glob("pages/*.py")]):
        text = path.read_text(encoding="utf-8")
        for match in re.finditer(r"@st\.cache_(?:data|resource)\([^)]*\)\s*\ndef (\w+)\(([^)]*)\)(?:\s*->\s*([^:]+))?:",
                                 text):
            name, params, returns = match.group(1), match.group(2), (match.group(3) or "").strip()
            if name in no_data:
                continue
            if returns == "CompanyCalibration":    # the company's fit, the same for every account: no scope
                assert re.search(r"\bcompany_version\b", params), f"{path.name}:{name}"
                continue
            assert re.search(r"\b(version|version_key|key|_cal)\b", params), f"{path.name}:{name} has no scope key"
    session_text = (root / "dashboard/session.py").read_text(encoding="utf-8")
    assert "scope().key()" in session_text


def test_a_tracked_periods_company_fit_is_made_once_for_every_manager(company, monkeypatch):
    """Tracking and Review's cached period fit (dashboard/period_fits.py): the whole company is fitted once
    per data version, each manager is shown their own reps of it, equal to the engine's fit_period."""
    import streamlit as st

    from analytics import tracking_laws
    from dashboard import period_fits, session

    conn, roster, period = company
    saved = target_sets.load_target_set(conn, "Company plan")
    fits = []
    real = period_fits.calibrate_company
    monkeypatch.setattr(period_fits, "calibrate_company", lambda *a, **k: fits.append(a[1:]) or real(*a, **k))
    monkeypatch.setattr(session, "company_version", lambda: "v1")
    st.cache_data.clear()
    for team in (NORTH, SOUTH):
        scope = scopes.Scope("teams", frozenset({team}), frozenset(_reps_of(roster, team)))
        monkeypatch.setattr(session, "data_version", lambda scope=scope: f"v1|{scope.key()}")
        cursor = scopes.scoped(conn, scope)
        cal, how = period_fits.cached_fit_period(cursor, saved)
        expected, _ = tracking_laws.fit_period(cursor, saved)
        assert how == "calibration" and cal.summary.index.size and set(cal.summary.index) <= set(_reps_of(roster, team))
        pd.testing.assert_frame_equal(cal.summary, expected.summary)
    assert len(fits) == 1, fits
