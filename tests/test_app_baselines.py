"""AppTest of the Baselines page: every number it shows is checked against ``calibration.calibrate``
on the same database; the candidate target drives the chance column; thin data and no data are handled.
"""

from __future__ import annotations

import base64
import json
from datetime import date, timedelta
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from calibration_fixtures import simulate_company
from helpers import app_test

from analytics import backtest_verdict, calibration, formatting, metrics, rep_facts, store
from dashboard import rep_facts_view

PAGE = "pages/baselines.py"


def engine(db: Path, metric: str = "revenue", grain: str = "quarter"):
    """calibrate() on the database directly (before the AppTest holds it), plus the reps active then."""
    conn = store.connect(db)
    try:
        cal = calibration.calibrate(conn, metric, grain, "next")
        active = set(metrics.active_reps(conn, cal.period.start, cal.period.end)["rep"])
        return cal, active
    finally:
        conn.close()


def verdict_sentence(db: Path, metric: str = "revenue", grain: str = "quarter") -> str:
    """The backtest's verdict on the database directly (before the AppTest holds it)."""
    conn = store.connect(db)
    try:
        return backtest_verdict.verdict_for(conn, metric, grain).sentence
    finally:
        conn.close()


def verdict_done(at) -> None:
    """Let the backtest (on its own worker thread) finish, then run the page once more: the verdict shows.
    The page waits for it only a moment; on a loaded machine the first run may show it pending."""
    rep_facts_view.wait_for_backtests()
    at.run()
    assert not at.exception
    assert not any("the verdict appears here when it is done" in c.value for c in at.caption)


def rep_table(at) -> pd.DataFrame:
    tables = [d.value for d in at.dataframe if "Baseline (P50)" in d.value.columns]
    assert len(tables) == 1
    return tables[0].set_index("Rep")


def figure(at, index: int = 0) -> dict:
    return json.loads(at.get("plotly_chart")[index].proto.spec)


def values(array) -> np.ndarray:
    """Plotly 6+ ships numeric arrays as {"dtype", "bdata"} (base64) in the figure JSON."""
    if isinstance(array, dict):
        return np.frombuffer(base64.b64decode(array["bdata"]), dtype=np.dtype(array["dtype"]))
    return np.asarray(array, dtype=float)


def sales_math(at) -> pd.DataFrame:
    tables = [d.value for d in at.dataframe if "Measure" in d.value.columns]
    assert len(tables) == 1
    return tables[0].set_index("Measure")


def markdown_text(at) -> str:
    return "\n".join(m.value for m in at.markdown)


def test_baselines_table_chart_and_chance_agree_with_the_engine(sample_db):
    cal, active = engine(sample_db)
    deals, _ = engine(sample_db, "deals")
    said_verdict = verdict_sentence(sample_db)
    summary = cal.summary

    at = app_test(PAGE)
    assert not at.exception
    assert any(cal.period.label in m.value for m in at.markdown)
    verdict_done(at)

    # one row per rep active in the period, numbers as the engine computes them
    table = rep_table(at)
    assert set(table.index) == set(summary.index) == active
    assert len(table) == len(active)
    assert table["Baseline (P50)"].is_monotonic_decreasing
    expected = summary.loc[table.index]
    for column, source in [("Low (P10)", "p10"), ("Baseline (P50)", "baseline"),
                           ("Stretch from (P70)", "p70"), ("Stretch to (P90)", "p90")]:
        np.testing.assert_allclose(table[column].to_numpy(float), expected[source].to_numpy(float), rtol=1e-9)
    np.testing.assert_array_equal(table["Periods"].to_numpy(), expected["n_periods"].to_numpy())
    # beside each rep, the facts: the last complete period's actual and the last 8 periods, as the
    # calibration's own history has them; the CRM quota of that period where one was imported
    last = rep_facts.last_period_before(cal.period, cal.as_of)
    before = cal.history[cal.history["complete"] & (cal.history["period_start"] <= last.start)
                         & (cal.history["period_start"] > last.previous(8).start)]
    at_last = before[before["period_start"] == last.start].set_index("rep")["value"]
    np.testing.assert_allclose(table["Last actual"].to_numpy(float), at_last.reindex(table.index).to_numpy(float))
    for rep in table.index:
        own = before[before["rep"] == rep].sort_values("period_start")["value"]
        np.testing.assert_allclose(np.asarray(table.loc[rep, "Trend"], float), own.to_numpy(float), atol=1e-4)
    quotas = table["Last quota"].dropna()     # the reps with a CRM quota that period: a positive amount
    assert len(quotas) and (quotas.to_numpy(float) > 0).all()
    assert "CRM quota" not in table.columns        # none imported for the next quarter: no column, no zeros
    # the backtest's verdict for this metric and grain, as the engine says it
    assert said_verdict in markdown_text(at)
    # ... and the model variant chosen on the team's own past forecasts, in the engine's words
    assert cal.fit.choice is not None
    assert any(cal.fit.choice.reason in c.value for c in at.caption)

    # the candidate target: its default gives the engine's chances; typing another changes them
    target_box = at.number_input(key="baselines_target_revenue")
    default = target_box.value
    assert default > 0
    # shown as whole percents never rounded onto 0% or 100% from inside
    np.testing.assert_array_equal(table["Chance of target"].to_numpy(float), formatting.whole_percent(
        cal.p_attain(np.full(len(table), default))[summary.index.get_indexer(table.index)]))
    new_target = 2 * default
    target_box.set_value(new_target).run()
    assert not at.exception
    moved = rep_table(at)
    expected_chance = cal.p_attain(np.full(len(summary), new_target))[summary.index.get_indexer(moved.index)]
    np.testing.assert_array_equal(moved["Chance of target"].to_numpy(float), formatting.whole_percent(expected_chance))
    lower = moved["Chance of target"] - table.loc[moved.index, "Chance of target"]
    assert (lower <= 0).all() and (lower < 0).any()
    text = markdown_text(at)
    likely = int((expected_chance >= 0.5).sum())
    assert f"{likely} of {len(summary)}" in text
    assert "baseline is" in text

    # the selected rep's fan: history before the period, then the band and the baseline at the period
    rep = at.selectbox(key="baselines_rep").value
    assert rep == moved.index[0]
    # every rep at a glance: one panel per rep, titled by name, its dot at the rep's baseline
    grid = figure(at, 0)
    titles = [a["text"] for a in grid["layout"]["annotations"]]
    assert titles == moved.index.tolist()
    dots = [values(t["y"])[0] for t in grid["data"] if t.get("mode") == "markers"]
    np.testing.assert_allclose(dots, summary.loc[titles, "baseline"].to_numpy(float), rtol=1e-9)
    fig = figure(at, 1)
    traces = {t.get("name"): t for t in fig["data"]}
    assert {"Actual", "P10-P90", "Baseline (P50)"} <= set(traces)
    assert traces["Baseline (P50)"]["x"][-1] == cal.period.label
    assert values(traces["Baseline (P50)"]["y"])[-1] == pytest.approx(summary.loc[rep, "p50"])
    assert max(traces["Actual"]["x"]) < cal.period.label

    # performers: three groups covering every rep, with their sales math
    perf = sales_math(at)
    assert perf.columns.tolist() == ["Top", "Middle", "Bottom"]
    assert perf.loc["Reps"].astype(int).sum() == len(summary)
    assert {"Calls per quarter", "Deals won per quarter", "Average won deal", "Win rate"} <= set(perf.index)

    # a team filter keeps that team's reps only; their numbers do not change
    team = sorted(summary["team"].unique())[0]
    at.selectbox(key="baselines_team").set_value(team).run()
    assert not at.exception
    filtered = rep_table(at)
    assert set(filtered.index) == set(summary.index[summary["team"] == team])
    np.testing.assert_allclose(filtered["Baseline (P50)"], summary.loc[filtered.index, "baseline"], rtol=1e-9)
    assert sales_math(at).loc["Reps"].astype(int).sum() == len(filtered)

    # another metric: deals won per rep, from the count model
    at.selectbox(key="baselines_metric").set_value("deals").run()
    assert not at.exception
    by_deals = rep_table(at)
    assert set(by_deals.index) == set(deals.summary.index[deals.summary["team"] == team])
    np.testing.assert_allclose(by_deals["Baseline (P50)"], deals.summary.loc[by_deals.index, "baseline"])
    assert at.number_input(key="baselines_target_deals").value > 0


def test_baselines_empty_database_shows_the_way_to_import(empty_db):
    at = app_test(PAGE)
    assert not at.exception
    assert any("Import a CRM export" in i.value for i in at.info)
    assert not at.dataframe


@pytest.fixture
def short_db(empty_db) -> Path:
    """Five reps, two months of data: no complete quarter; one complete month, whose history is counted from
    its 17th (the weeks before hold only the quick closes: ``left_truncation``)."""
    conn = store.connect(empty_db)
    simulate_company(conn.cursor(), n_reps=5, n_months=2, seed=3, hire_share=0, leaver_share=0)
    conn.close()
    return empty_db


def test_baselines_too_little_history(short_db):
    at = app_test(PAGE)
    assert not at.exception
    assert any("Too little history" in w.value for w in at.warning)
    assert not at.dataframe

    at.radio(key="grain").set_value("month").run()   # the frame's sidebar, drawn on the page's run too
    assert not at.exception
    verdict_done(at)
    assert any("Only part of a month of history before 2023-03 (the data start inside it)" in w.value
               for w in at.warning)
    table = rep_table(at)
    assert len(table) == 5
    assert (table["Flag"] != "").all()
    assert "Too little history to backtest per month: part of one month only, at least 5 needed." in markdown_text(at)


def test_candidate_target_rescales_when_the_grain_changes(sample_db):
    at = app_test(PAGE)
    at.number_input(key="baselines_target_revenue").set_value(920_000.0).run()
    assert not at.exception

    at.radio(key="grain").set_value("month").run()        # a quarter is three months: a third of it a month
    assert not at.exception
    assert at.number_input(key="baselines_target_revenue").value == pytest.approx(920_000 / 3)
    assert any("was $920k per quarter: $307k per month is the same pace" in c.value for c in at.caption)
    assert "A target of **$307k** for everyone" in markdown_text(at)

    at.radio(key="grain").set_value("quarter").run()      # and back: the manager's own number again
    assert at.number_input(key="baselines_target_revenue").value == pytest.approx(920_000)
    at.run()                                              # said once, at the change
    assert not any("same pace" in c.value for c in at.caption)


def test_the_managers_choices_survive_a_visit_to_another_page(sample_db):
    at = app_test(PAGE)
    at.number_input(key="baselines_target_revenue").set_value(30_000.0).run()
    rep = at.selectbox(key="baselines_rep").options[2]
    at.selectbox(key="baselines_rep").set_value(rep).run()
    at.selectbox(key="baselines_metric").set_value("deals").run()
    at.number_input(key="baselines_target_deals").set_value(7.0).run()
    assert not at.exception, at.exception

    for page in ("pages/overview.py", "pages/targets.py"):    # away and back: the meeting keeps its state
        at.switch_page(page).run()
        assert not at.exception, at.exception
        at.switch_page(PAGE).run()
        assert not at.exception, at.exception
        assert at.selectbox(key="baselines_metric").value == "deals"
        assert at.number_input(key="baselines_target_deals").value == 7.0
    at.selectbox(key="baselines_metric").set_value("revenue").run()     # each metric keeps its own target
    assert at.number_input(key="baselines_target_revenue").value == 30_000.0
    assert at.selectbox(key="baselines_rep").value == rep
    assert "A target of **$30k** for everyone" in markdown_text(at)


def test_money_in_the_imported_currency(eur_db):
    cal, _ = engine(eur_db)
    at = app_test(PAGE)
    assert not at.exception
    text = markdown_text(at)
    typical = cal.summary["baseline"].median()
    assert f"The typical rep's **baseline is {formatting.money(typical, '€')}**" in text
    assert "$" not in text
    assert not any("$" in str(m.value) or "$" in m.label for m in at.metric)
    config = column_config(at)        # the facts beside each rep are in euros too
    assert config["Last actual"]["type_config"]["format"] == "€%,.0f"
    assert config["Last quota"]["type_config"]["format"] == "€%,.0f"
    for ranged in ("Low (P10)", "Baseline (P50)", "Stretch from (P70)", "Stretch to (P90)"):   # and the ranges
        assert config[ranged]["type_config"]["format"] == "€%,.0f", ranged


@pytest.mark.parametrize(("metric", "format_"), [("win_rate", "percent"), ("meeting", "%,.0f")])
def test_the_last_actual_is_shown_as_the_ranges_are(sample_db, metric, format_):
    """A win rate's actual of 35.71% beside ranges of 36% read as more precise than they are."""
    at = app_test(PAGE)
    at.selectbox(key="baselines_metric").set_value(metric).run()
    assert not at.exception
    config = column_config(at)
    for column in ("Last actual", "Baseline (P50)"):
        assert config[column]["type_config"]["format"] == format_, column
    assert config["Last actual"]["type_config"].get("step") == config["Baseline (P50)"]["type_config"].get("step")


def column_config(at) -> dict:
    """The rep table's column configuration as the page sent it, by column name."""
    table = next(d for d in at.dataframe if "Baseline (P50)" in d.value.columns)
    return json.loads(table.proto.columns)


@pytest.fixture
def orders_only_db(db_path, tmp_path) -> Path:
    """Won orders only (tests/orders_fixtures.py): no activities, no created dates, no stages."""
    import orders_fixtures

    return orders_fixtures.build_orders_db(tmp_path, db_path)


def test_orders_only_sales_math_shows_no_calls_nor_win_rate(orders_only_db):
    said_verdict = verdict_sentence(orders_only_db)
    at = app_test(PAGE)
    assert not at.exception
    verdict_done(at)
    math = next(d.value for d in at.dataframe if "Measure" in d.value.columns)
    measures = set(math["Measure"])
    assert any(m.startswith("Deals won") for m in measures) and "Average won deal" in measures
    for absent in ("Win rate", "Meetings per call"):
        assert absent not in measures
    assert not any(m.startswith(("Calls", "Meetings", "New opportunities")) for m in measures)
    said = "\n".join(str(c.value) for c in at.caption) + "\n".join(str(m.value) for m in at.markdown)
    assert said.count("No stages or lost deals imported") == 1 and "win rates 100%" not in said
    assert "0 calls" not in said
    # the facts: no quotas imported, so no quota columns and one line saying so; the verdict as the engine says it
    table = rep_table(at)
    assert "Last quota" not in table.columns and "CRM quota" not in table.columns
    assert said.count("No CRM quotas imported for won revenue") == 1
    assert said_verdict in said and "rep-quarters" in said_verdict
    # no roster with teams, no rep flagged: no column of dashes; the trend's header counts the bars there are
    assert "Team" not in table.columns
    assert "Flag" not in table.columns or table["Flag"].astype(str).str.strip().ne("").any()
    bars = max(len(v) for v in table["Trend"])
    assert column_config(at)["Trend"]["label"] == f"Last {bars} quarters"


def test_orders_only_choosing_calls_says_no_activities_imported(orders_only_db):
    at = app_test(PAGE)
    box = at.selectbox(key="baselines_metric")
    assert box.format_func("call") == "Calls (not imported)" and box.format_func("revenue") == "Won revenue"
    box.set_value("call").run()
    assert not at.exception
    assert any("Calls: no activities imported" in i.value for i in at.info)
    assert not any("Too little history" in w.value for w in at.warning)


def test_a_slow_backtest_does_not_hold_the_page(orders_only_db, monkeypatch):
    """The page does not wait for the backtest (here: not at all): it shows itself with a box that says the
    verdict is coming; once the backtest is done, the next run shows the verdict instead."""
    said_verdict = verdict_sentence(orders_only_db)
    monkeypatch.setattr(rep_facts_view, "VERDICT_WAIT_SECONDS", 0.0)
    at = app_test(PAGE)
    assert not at.exception
    assert rep_table(at).shape[0] == 6                      # the page is all there meanwhile
    assert any("Testing these ranges on your history" in c.value for c in at.caption)
    assert said_verdict not in markdown_text(at)
    rep_facts_view.wait_for_backtests()
    at.run()
    assert not at.exception
    assert said_verdict in markdown_text(at)
    assert not any("Testing these ranges" in c.value for c in at.caption)


@pytest.mark.parametrize("grain", ["quarter", "month"])
def test_no_complete_period_shows_the_engines_refusal_not_ranges(empty_db, grain):
    """Three deals in a month's first days: the engine's refusal (the CLI's words), no table of $1 ranges."""
    from short_history_fixtures import FIRST_DAYS, FIRST_DAYS_SPAN, database_from_csv

    from analytics.complete_history import NoCompleteHistory

    database_from_csv(empty_db.parent, FIRST_DAYS, db=empty_db)
    conn = store.connect(empty_db)
    with pytest.raises(NoCompleteHistory) as refused:
        calibration.calibrate(conn, "revenue", grain, "next")
    conn.close()
    at = app_test(PAGE)
    if grain != "quarter":
        at.radio(key="grain").set_value(grain).run()
    assert not at.exception
    assert [w.value for w in at.warning] == [refused.value.sentence]
    assert f"the data runs from {FIRST_DAYS_SPAN[0]} to {FIRST_DAYS_SPAN[1]}" in at.warning[0].value
    assert not at.dataframe and not at.get("plotly_chart")


def test_a_company_without_teams_has_no_team_filter(db_path, tmp_path):
    """An orders export with no roster: no greyed "Team" box offering only "All teams" (Tracking says the
    same in a caption)."""
    import orders_fixtures

    orders_fixtures.build_orders_db(tmp_path, db_path)
    at = app_test(PAGE)
    assert not at.exception, at.exception
    assert "baselines_team" not in {s.key for s in at.selectbox}
    assert "No team filter: no roster with teams imported." in [c.value for c in at.caption]


def test_the_quarter_the_data_start_inside_of_is_a_point_apart(empty_db):
    """An export from 1 March (the Maven export's way): its 2017-Q1 of one month was the line's first point, a
    dip a manager would read as a slow start."""
    conn = store.connect(empty_db)
    days = (date(2026, 6, 30) - date(2025, 3, 1)).days + 1
    conn.executemany("INSERT INTO deals (deal_id, rep, close_date, amount, outcome, import_id) VALUES (?, ?, ?, ?, ?, 1)",
                     [(f"{rep}{i}", rep, date(2025, 3, 1) + timedelta(days=i), 900.0 + 40 * j + i % 5, "won")
                      for j, rep in enumerate(["Ann", "Bo", "Cy"]) for i in range(days)])
    conn.close()
    at = app_test(PAGE)
    assert not at.exception
    traces = {t.get("name"): t for t in figure(at, 1)["data"]}
    part = traces["Part of the quarter only (the data start inside it)"]
    assert part["x"] == ["2025-Q1"] and "2025-Q1" not in traces["Actual"]["x"]
    assert traces["Actual"]["x"][0] == "2025-Q2"
    grid = figure(at, 0)
    assert not any("2025-Q1" in list(t.get("x") or []) for t in grid["data"])


@pytest.mark.parametrize(("metric", "grain", "words"), [
    ("revenue", "quarter", "Too little history for 2025-Q1: the won revenue data start on 21 Sep 2024, only the "
                           "last 10 days of 2024-Q3, too few to scale up to a quarter"),
    ("win_rate", "quarter", "Too little history for 2025-Q1: the win rate data start on 21 Sep 2024, only the "
                            "last 10 days of 2024-Q3, too few to scale up to a quarter"),
    ("revenue", "month", "Only 1 complete month of history before 2024-12, and part of one before it"),
])
def test_a_history_from_late_in_a_period_is_not_called_a_complete_one(empty_db, metric, grain, words):
    """Deals from 20 September to 13 November: 2024-Q3 holds eleven days of them and was "1 complete
    quarter of history". Then "only part of a quarter": its ten days scaled up to a quarter were the forecast,
    and a period's last days are its busiest (four times the next quarter on the sample company's). A quarter
    from them is refused now; a month from September's last days and October is warned of."""
    from short_history_fixtures import database_from_csv, late_in_quarter_team

    database_from_csv(empty_db.parent, late_in_quarter_team(), db=empty_db)
    at = app_test(PAGE)
    if grain != "quarter":
        at.radio(key="grain").set_value(grain).run()
    if metric != "revenue":
        at.selectbox(key="baselines_metric").set_value(metric).run()
    assert not at.exception
    said = [w.value for w in at.warning]
    assert any(words in w for w in said), said
    assert not any("complete quarter" in w for w in said)
