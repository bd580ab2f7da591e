"""AppTest of the Tracking page on the sample company (its current quarter is part done).

The saved target set is made through the engine first (calibrate -> draft -> save), and every figure
the page shows is checked against ``tracking.track`` on the same database.
"""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import pytest
from helpers import app_test

from analytics import calibration, formatting, metrics, store, target_drafts, target_sets, tracking
from analytics.periods import parse_period, period_of

PAGE = "pages/tracking.py"
PLAN = "Q plan"


def save_plan(db: Path, name: str = PLAN, periods_back: int = 0, grain: str = "quarter") -> str:
    """Save a model target set (35/70/90 tiers) for the current period, or ``periods_back`` before it,
    fitted on the data before that period, as the Targets page would. Returns the period label."""
    conn = store.connect(db)
    try:
        current = period_of(metrics.data_as_of(conn), grain, store.fiscal_year_start_month(conn))
        period = current.previous(periods_back) if periods_back else current
        cal = calibration.calibrate(conn, "revenue", grain, period, as_of=period.start - timedelta(days=1))
        target_sets.save_target_set(conn, target_drafts.draft_from_calibration(cal, name), author="test")
        return period.label
    finally:
        conn.close()


def engine_tracking(db: Path, threshold: float, as_of: date | None = None) -> tracking.Tracking:
    conn = store.connect(db)
    try:
        return tracking.track(conn, PLAN, as_of, threshold=threshold)
    finally:
        conn.close()


TABLES = {  # which frame is which: AppTest does not expose st.dataframe keys
    "all reps": lambda cols: "status" in cols,
    "flagged": lambda cols: "cause" in cols and "status" not in cols,
    "activities": lambda cols: "activity" in cols,
    "notes": lambda cols: "note" in cols,
}


def _frame(at, name: str):
    found = [d.value for d in at.dataframe if TABLES[name](set(d.value.columns))]
    assert len(found) == 1, f"expected one {name!r} table, found {len(found)}"
    return found[0]


def _metric(at, label: str):
    return next(m for m in at.metric if m.label == label)


def _texts(at) -> str:
    parts = [e.value for kind in ("info", "success", "warning", "markdown", "caption") for e in getattr(at, kind)]
    return "\n".join(str(p) for p in parts)


def strict_as_of(db: Path) -> date:
    conn = store.connect(db)
    try:
        return metrics.data_as_of(conn)
    finally:
        conn.close()


@pytest.fixture
def tracked_db(sample_db) -> Path:
    save_plan(sample_db)
    return sample_db


def test_flags_and_chances_match_the_engine(tracked_db):
    relaxed = engine_tracking(tracked_db, 0.5)
    strict = engine_tracking(tracked_db, tracking.DEFAULT_THRESHOLD)
    expected_flags = set(relaxed.flagged().index)
    assert expected_flags, "the sample company should have reps below a 50% chance"

    at = app_test(PAGE)
    assert not at.exception
    assert at.title[0].value == "Tracking"
    assert PLAN in _texts(at)
    # The default threshold (30%) against the engine's flags at 30%.
    all_reps = _frame(at, "all reps").set_index("rep")
    assert set(all_reps.index[all_reps["status"] == "Flagged"]) == set(strict.flagged().index)
    for column in ("p_attain", "pace"):   # in whole percents, never rounded onto 0% or 100% (formatting.whole_percent)
        engine = strict.summary[column]
        assert all_reps[column].reindex(engine.index).tolist() == formatting.whole_percent(engine).tolist(), column
    assert _metric(at, "Flagged reps").value == f"{len(strict.flagged())} of {strict.team['reps']}"
    # The sample has created dates and lost deals: the open pipeline the chances count is shown, per rep too.
    assert f"Open pipeline: {strict.team['open_deals']:,} open deals" in _texts(at)
    assert all_reps["open_pipeline"].to_dict() == pytest.approx(strict.summary["open_pipeline"].to_dict())

    at.slider(key="tracking_threshold").set_value(50).run()
    assert not at.exception
    flagged = _frame(at, "flagged").set_index("rep")
    assert set(flagged.index) == expected_flags
    engine = relaxed.summary.loc[sorted(expected_flags)]
    assert flagged.loc[engine.index, "p_attain"].tolist() == formatting.whole_percent(engine["p_attain"]).tolist()
    assert flagged.loc[engine.index, "cause"].tolist() == engine["cause"].tolist()
    assert set(flagged["cause"]) <= {"activity volume short", "pipeline volume short", "conversion short",
                                     "deal size or timing", "target above the usual rate"}
    assert f"{len(expected_flags)} rep(s) flagged" in _texts(at)
    assert _metric(at, "Flagged reps").value == f"{len(expected_flags)} of {relaxed.team['reps']}"
    assert _metric(at, "Team chance").value == f"{100 * relaxed.team['team_p_attain']:.0f}%"
    # Two charts: actual vs expected, and the projected-attainment histogram with its base line.
    specs = [e.proto.spec for e in at.get("plotly_chart")]
    assert len(specs) == 2 and "expected to date" in specs[0] and "projected attainment" in specs[1]


def test_team_filter_and_as_of(tracked_db):
    at = app_test(PAGE)
    teams = [t for t in at.selectbox(key="tracking_team").options if t != "All teams"]
    assert teams
    at.selectbox(key="tracking_team").set_value(teams[0]).run()
    assert not at.exception
    assert set(_frame(at, "all reps")["team"]) == {teams[0]}

    as_of = at.date_input[0]
    assert as_of.label == "As of" and as_of.value == strict_as_of(tracked_db)
    day = as_of.value - timedelta(days=30)
    earlier = engine_tracking(tracked_db, tracking.DEFAULT_THRESHOLD, day)
    as_of.set_value(day).run()
    assert not at.exception
    assert f"as of {day:%d %b %Y}" in _texts(at)
    shown = _frame(at, "all reps").set_index("rep")["p_attain"]
    assert shown.tolist() == formatting.whole_percent(earlier.summary.loc[shown.index, "p_attain"]).tolist()


def test_the_managers_choices_survive_a_visit_to_another_page(tracked_db):
    at = app_test(PAGE)
    team = next(t for t in at.selectbox(key="tracking_team").options if t != "All teams")
    at.selectbox(key="tracking_team").set_value(team).run()
    at.slider(key="tracking_threshold").set_value(45).run()
    day = at.date_input[0].value - timedelta(days=20)
    at.date_input[0].set_value(day).run()
    assert not at.exception, at.exception
    for page in ("pages/overview.py", "pages/review.py"):
        at.switch_page(page).run()
        at.switch_page(PAGE).run()
        assert not at.exception, at.exception
        assert at.selectbox(key="tracking_team").value == team
        assert at.slider(key="tracking_threshold").value == 45
        assert at.date_input[0].value == day
        assert f"as of {day:%d %b %Y}" in _texts(at)


def test_check_in_notes_are_saved_listed_and_exported(tracked_db):
    at = app_test(PAGE)
    assert "No check-in notes for this set yet." in _texts(at)
    rep = at.selectbox(key="tracking_note_rep").value
    at.date_input(key="tracking_note_date").set_value(date(2026, 11, 10))
    at.text_area(key="tracking_note_text").input("Pipeline review: two demos booked")
    at.button(key="tracking_add_note").click().run()
    assert not at.exception
    notes = _frame(at, "notes")
    assert notes["rep"].tolist() == [rep]
    assert notes["note"].tolist() == ["Pipeline review: two demos booked"]
    assert at.get("download_button"), "the notes CSV download is missing"

    at.text_area(key="tracking_note_text").input("   ")
    at.button(key="tracking_add_note").click().run()
    assert any("empty note" in w.value for w in at.warning)
    assert len(_frame(at, "notes")) == 1


def test_no_target_set_for_the_period_says_so_and_links_to_targets(sample_db):
    at = app_test(PAGE)
    assert not at.exception
    assert any("No saved target set for" in i.value for i in at.info)
    links = [e.proto.page for e in at.get("page_link")]
    assert "targets" in links
    assert not at.get("plotly_chart")


def test_a_set_for_another_period_can_still_be_picked(sample_db):
    label = save_plan(sample_db, name="last quarter", periods_back=1)
    at = app_test(PAGE)
    assert any("No saved target set for" in i.value for i in at.info)
    other = next(s for s in at.selectbox if s.label == "Or track another saved set")
    assert other.value is None and not at.get("plotly_chart")
    other.set_value(1).run()
    assert not at.exception
    assert label in _texts(at)
    assert at.get("plotly_chart")


def test_empty_database_points_to_import(empty_db):
    at = app_test(PAGE)
    assert not at.exception
    assert any("No deals or activities yet" in i.value for i in at.info)
    assert not at.get("plotly_chart") and not at.dataframe


# ----------------------------------------------------------------------------- orders-only data
@pytest.fixture
def orders_db(db_path, tmp_path) -> Path:
    """The orders-only company (no activities, no created dates, no stages), data to 30 Jun 2026,
    with plans for 2026-Q2 (its last quarter) and 2026-Q3 (after the data ends)."""
    import orders_fixtures

    orders_fixtures.build_orders_db(tmp_path, db_path)
    orders_fixtures.save_orders_plan(db_path, parse_period("2026-Q2"), "Q2 orders", tiers="60,80,95")  # base at P60: some reps end short
    orders_fixtures.save_orders_plan(db_path, parse_period("2026-Q3"), "Q3 orders")
    return db_path


def _tables_text(at) -> str:
    return "\n".join(d.value.astype(str).to_csv() for d in at.dataframe)


def test_orders_only_tracking_names_no_activity_cause_and_nothing_infinite(orders_db):
    at = app_test(PAGE)
    assert not at.exception
    assert "Q2 orders" in _texts(at)            # 2026-Q2 is the data's current quarter
    at.slider(key="tracking_threshold").set_value(95).run()
    assert not at.exception
    flagged = _frame(at, "flagged")
    assert not flagged.empty
    assert set(flagged["cause"]) <= {"fewer deals", "deal size", "revenue behind seasonal pace", "target above the usual rate",
                                     "deal size or timing"}
    shown = _texts(at) + _tables_text(at)
    for absent in ("activity volume short", "Activity volume short", "opportunities", "calls", "inf", "None",
                   "Open pipeline", "open_pipeline"):
        assert absent not in shown, absent
    # The period's last day: the period is over, nothing is needed per week (no Infinity).
    at.date_input[0].set_value(date(2026, 6, 30)).run()
    assert not at.exception
    assert "2026-Q2 is over" in _texts(at)
    # a chance is 0 or 1 now: the reps below base are said to have ended below it, not to be at risk
    ended = _frame(at, "flagged")
    assert f"{len(ended)} rep(s) ended 2026-Q2 below base: " in _texts(at) and "rep(s) flagged" not in _texts(at)
    assert set(ended["p_attain"]) == {0.0}
    assert "what_it_takes_per_week" not in _frame(at, "all reps").columns
    assert "team" not in _frame(at, "all reps").columns      # no roster imported: no column of blanks
    assert "inf" not in _tables_text(at).lower()
    # the volumes table is named by what it holds: an orders export's holds deals alone
    assert [e.label for e in at.expander if "to date against" in e.label] == ["Deals to date against their targets"]


def test_a_period_after_the_data_is_not_behind_pace_and_says_where_the_data_ends(orders_db):
    at = app_test(PAGE)
    # the sidebar's first period, 2026-Q3, starts after the data: what is true is that the data ends first
    # (today's calendar may be well past it), so the quarter the data ends in is tracked
    assert ("Your data ends on 30 Jun 2026: 2026-Q3 holds no data yet. Tracking 2026-Q2, the period it ends in."
            in _texts(at))
    assert "has not started" not in _texts(at)
    chooser = next(s for s in at.selectbox if s.label == "Target set")
    assert any("2026-Q3" in o for o in chooser.options)
    chooser.set_value(2).run()                  # the second set saved: Q3 orders
    assert not at.exception
    assert "The data ends on 30 Jun 2026, before 2026-Q3 starts" in _texts(at)
    reps = _frame(at, "all reps")
    assert set(reps["status"]) == {"Not measured yet"} and "pace" not in reps.columns
    assert "Behind pace" not in _texts(at)


def test_orders_only_has_no_team_filter_and_says_why(orders_db):
    at = app_test(PAGE)
    assert not at.exception
    assert "tracking_team" not in {s.key for s in at.selectbox}     # no filter of one choice, "All teams"
    assert "No team filter: no roster with teams imported." in _texts(at)


def column_configs(at) -> list[dict]:
    """Every column config of the page's tables (Streamlit's column config, as sent to the browser)."""
    import json

    return [c for d in at.dataframe for c in json.loads(d.proto.columns or "{}").values()]


def number_formats(at) -> list[str]:
    """The number formats the page's tables give their columns."""
    return [str(c.get("type_config", {}).get("format", "")) for c in column_configs(at)]


def test_an_eur_companys_money_reads_in_euros(eur_db):
    """Deals imported in EUR: the team figures, the team line and the tables' amounts carry €, never $."""
    save_plan(eur_db)
    at = app_test(PAGE)
    assert not at.exception
    figures = [str(m.value) + " " + str(m.delta or "") for m in at.metric
               if m.label in ("Team to date", "Projected total")]
    assert figures and all("€" in f for f in figures)
    shown = "\n".join(figures) + _texts(at)
    assert "$" not in shown and "Team number **€" in shown
    formats = number_formats(at)
    assert "€%,.0f" in formats and not any("$" in f for f in formats)
    # money and counts rounded, never truncated: printf's %d showed a target of €63,489.96 as €63,489
    assert not [f for f in formats if f.endswith(",d")]


def test_the_projected_total_says_why_it_is_not_the_sum_of_the_reps_projections(tracked_db):
    """The tile is the middle of the team's simulated totals (the reps' periods move together), the table each
    rep's middle outcome: a manager adding up the table's column finds another number, and is told why."""
    at = app_test(PAGE)
    assert not at.exception, at.exception
    reps_sum = float(_frame(at, "all reps")["projected"].sum())
    tile = _metric(at, "Projected total")
    strict = engine_tracking(tracked_db, tracking.DEFAULT_THRESHOLD)
    assert abs(strict.team["projected"] - reps_sum) > 0.005 * reps_sum     # (the sample's do differ)
    said = f"The reps' own projections add up to ${reps_sum / 1e6:.2f}M"
    assert said in tile.proto.help
    assert said in _texts(at)


def test_the_volumes_expected_by_now_say_their_basis_beside_the_outcomes(tracked_db):
    """Calls are expected by the working days gone, revenue by its usual shape (deals close late): two
    shares of one day, each said where it is used, so neither reads as the other's mistake."""
    at = app_test(PAGE)
    assert not at.exception, at.exception
    strict = engine_tracking(tracked_db, tracking.DEFAULT_THRESHOLD)
    assert abs(strict.activity_share - strict.team["share_expected"]) > 0.02   # (the sample's differ)
    basis = next(c.value for c in at.caption if c.value.startswith("Expected by now"))
    assert f"working days gone ({formatting.rate(strict.activity_share)})" in basis
    assert f"({formatting.rate(strict.team['share_expected'])} by now)" in basis
