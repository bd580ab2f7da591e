"""AppTest of the Backtest page: its readings, charts and tables agree with ``backtest.run_backtest`` on the
same database; the metric selector reruns it; an empty or short history is handled.
"""

from __future__ import annotations

import base64
import json
from pathlib import Path

import numpy as np
import pytest
from calibration_fixtures import simulate_company
from helpers import app_test

from analytics import backtest, backtest_verdict, formatting, store

PAGE = "pages/backtest.py"


def engine(db: Path, metric: str = "revenue", grain: str = "quarter") -> backtest.BacktestResult:
    conn = store.connect(db)
    try:
        return backtest.run_backtest(conn, metric, grain)
    finally:
        conn.close()


def figures(at) -> dict[str, dict]:
    out = {}
    for chart in at.get("plotly_chart"):
        spec = json.loads(chart.proto.spec)
        out[spec["layout"]["title"]["text"]] = spec
    return out


def values(array) -> np.ndarray:
    """Plotly 6+ ships numeric arrays as {"dtype", "bdata"} (base64) in the figure JSON."""
    if isinstance(array, dict):
        return np.frombuffer(base64.b64decode(array["bdata"]), dtype=np.dtype(array["dtype"]))
    return np.asarray(array, dtype=float)


def bullets(at) -> list[str]:
    return [line[2:] for m in at.markdown for line in m.value.splitlines() if line.startswith("- ")]


def test_backtest_page_agrees_with_the_engine(sample_db):
    result = engine(sample_db)
    deals = engine(sample_db, "deals")
    assert result.n_forecasts > 0

    at = app_test(PAGE)
    assert not at.exception
    assert bullets(at) == result.plain_language()
    assert any(f"{result.n_forecasts:,} rep-quarters" in m.value for m in at.markdown)
    first, last = result.forecasts["origin"].iloc[0], result.forecasts["origin"].iloc[-1]
    assert any(f"the first forecast {first}, the last {last}" in m.value for m in at.markdown)  # never run together
    assert any(m.value == f"**{backtest_verdict.from_backtest(result).sentence}**" for m in at.markdown)

    cards = {m.label: m.value for m in at.metric}
    cov = result.coverage.set_index("column")
    for col in ("p10", "p50", "p90"):
        assert cards[f"Targets at {col.upper()} beaten"] == formatting.rate_and_rest(cov.loc[col, "covered_randomized"])[1]
    assert cards["Past targets hit"] == formatting.rate(result.historical_targets["hit_rate"])
    assert cards["Model's average chance for them"] == formatting.rate(result.historical_targets["mean_predicted_p_attain"])

    figs = figures(at)
    reliability = next(f for t, f in figs.items() if t.startswith("Reliability"))
    model = next(t for t in reliability["data"] if t.get("name") == "Model")
    np.testing.assert_allclose(values(model["y"]), result.coverage["covered_randomized"])
    pit = next(f for t, f in figs.items() if "PIT" in t)
    np.testing.assert_allclose(values(pit["data"][0]["y"]), result.pit)
    assert values(pit["data"][0]["y"]).sum() == pytest.approx(1.0)
    crps = next(f for t, f in figs.items() if t.startswith("Forecast error"))
    # a rule scored on a part of the forecasts (a year-ago period: the sample's first year has none) is in the
    # table beside the model's error on the same forecasts, not among the bars scored on all of them
    np.testing.assert_allclose(np.sort(values(crps["data"][0]["x"])), sorted(result.comparable_crps().values()))
    assert "same_period_last_year" not in result.comparable_crps()

    rules = next(d.value for d in at.dataframe if "Forecast" in d.value.columns)
    assert len(rules) == len(result.crps) == 6
    partly = rules.set_index("Forecast").loc["Same period last year"]
    assert partly["forecasts"] == result.summary.loc["same_period_last_year", "forecasts"] < result.n_forecasts
    assert any(c.value in result.rule_notes() and c.value.startswith("Same period last year: scored on the")
               for c in at.caption)
    assert_one_figure_per_level(at, rules)
    assert rules["Forecast"].iloc[0] == "Model"  # best first on the sample company
    # the model against itself is no comparison: a dash, never "None"; each rule's gap as a percent
    assert rules["skill_vs_model"].iloc[0] == "–"
    assert all(v.endswith("%") for v in rules["skill_vs_model"].iloc[1:])
    slices = next(d.value for d in at.dataframe if "Split by" in d.value.columns)
    assert len(slices) == len(result.slices)
    assert slices["n"].groupby(slices["Split by"]).sum().eq(result.n_forecasts).all()
    reliability_table = next(d.value for d in at.dataframe if "hit_rate" in d.value.columns)
    assert reliability_table["n"].sum() == result.historical_targets["n"]

    at.selectbox(key="backtest_metric").set_value("deals").run()
    assert not at.exception
    assert bullets(at) == deals.plain_language()
    assert any("Deals won per quarter" in m.value for m in at.markdown)
    assert any("No imported targets" in i.value for i in at.info)  # the sample's quotas are revenue


def assert_one_figure_per_level(at, rules) -> None:
    """The tiles' "beaten" and the table's Model row "at or below" are one figure: they add up to 100%."""
    cards = {m.label: m.value for m in at.metric}
    model = rules.set_index("Forecast").loc["Model"]
    for col in ("p10", "p50", "p90"):
        beaten, below = cards[f"Targets at {col.upper()} beaten"], model[f"coverage_{col}"]
        assert float(beaten[:-1]) + float(below[:-1]) == pytest.approx(100), (col, beaten, below)


@pytest.mark.parametrize("grain", ["quarter", "month"])
def test_backtest_without_a_year_ago_leaves_that_rule_out(empty_db, grain):
    """Ten months of closes: no year-ago period to forecast from, and at most three quarters of history."""
    conn = store.connect(empty_db)
    simulate_company(conn.cursor(), n_reps=30, n_months=10, seed=5)
    conn.close()
    result = engine(empty_db, grain=grain)
    at = app_test(PAGE)
    if grain == "month":
        at.radio(key="grain").set_value("month").run()
    assert not at.exception
    assert any(f"rep-{grain}s forecast" in m.value for m in at.markdown)
    rules = next(d.value for d in at.dataframe if "Forecast" in d.value.columns)
    assert "Same period last year" not in set(rules["Forecast"]) and len(rules) == 5
    assert "Forecasts" not in rules.columns and "forecasts" not in rules.columns    # every rule on every forecast
    assert any(c.value == "Same period last year: not scored, the history holds no year-ago period."
               for c in at.caption)
    crps = next(f for t, f in figures(at).items() if t.startswith("Forecast error"))
    assert "Same period last year" not in crps["data"][0]["y"]
    assert "same period last year" not in backtest_verdict.from_backtest(result).sentence
    assert_one_figure_per_level(at, rules)
    # history in the grain's own periods: ten months hold at most three quarters before a quarter's start
    slices = next(d.value for d in at.dataframe if "Split by" in d.value.columns)
    history = slices[slices["Split by"] == "History length"]
    assert history["group"].str.endswith(f" {grain}s").all() and len(history) > 0
    if grain == "quarter":
        assert set(history["group"]) <= {"0-2 quarters", "3-6 quarters"}


def test_backtest_empty_database_shows_the_way_to_import(empty_db):
    at = app_test(PAGE)
    assert not at.exception
    assert any("Import a CRM export" in i.value for i in at.info)
    assert not at.get("plotly_chart")


def test_backtest_short_history_says_so(empty_db):
    conn = store.connect(empty_db)
    simulate_company(conn.cursor(), n_reps=5, n_months=4, seed=3, hire_share=0, leaver_share=0)
    conn.close()
    refusal = engine(empty_db).refusal
    at = app_test(PAGE)
    assert not at.exception
    assert refusal is not None and refusal.startswith("Too little history to backtest per quarter")
    assert any(w.value == refusal for w in at.warning)     # the CLI's sentence, word for word
    assert not at.get("plotly_chart")


@pytest.mark.parametrize("grain", ["month", "quarter"])
def test_one_complete_month_is_refused_as_the_cli_refuses_it(empty_db, grain):
    from short_history_fixtures import ONE_MONTH, database_from_csv

    database_from_csv(empty_db.parent, ONE_MONTH, db=empty_db)
    refusal = engine(empty_db, grain=grain).refusal
    at = app_test(PAGE)
    if grain != "quarter":
        at.radio(key="grain").set_value(grain).run()
    assert not at.exception
    assert [w.value for w in at.warning] == [refusal]
    assert f"1 complete month, at least {5 if grain == 'month' else 7} needed" in refusal
    assert not at.get("plotly_chart") and not at.dataframe


def test_a_rule_of_no_error_is_shown_without_a_ratio(empty_db):
    """Every tested month a zero, which last month's zero forecast exactly: the page shows the backtest and
    says the model's skill against that rule cannot be measured (it divided by zero)."""
    from short_history_fixtures import SAME_EVERY_MONTH, database_from_csv

    database_from_csv(empty_db.parent, SAME_EVERY_MONTH, db=empty_db)
    at = app_test(PAGE)
    at.radio(key="grain").set_value("month").run()
    assert not at.exception
    shown = " ".join(m.value for m in at.markdown)
    assert "made no error at all" in shown and "cannot be measured" in shown
    assert "inf" not in shown


def test_orders_only_choosing_calls_says_no_activities_imported(db_path, tmp_path):
    import orders_fixtures

    orders_fixtures.build_orders_db(tmp_path, db_path)     # won orders only: no activities, no stages
    at = app_test(PAGE)
    assert not at.exception
    box = at.selectbox(key="backtest_metric")
    assert box.format_func("call") == "Calls (not imported)" and box.format_func("revenue") == "Won revenue"
    box.set_value("call").run()
    assert not at.exception
    assert any("Calls: no activities imported" in i.value for i in at.info)
    assert not any("Too little history" in w.value for w in at.warning)
    assert not at.get("plotly_chart") and not at.dataframe     # no scores of zeros
    box.set_value("win_rate").run()
    assert any("Win rate: no lost deals imported" in i.value for i in at.info)
    at.switch_page("pages/overview.py").run()       # away and back: the metric chosen stays
    at.switch_page(PAGE).run()
    assert not at.exception, at.exception
    assert at.selectbox(key="backtest_metric").value == "win_rate"
    assert any("Win rate: no lost deals imported" in i.value for i in at.info)
