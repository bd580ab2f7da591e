"""The backtest's simple rules scored where their input exists, one coverage figure per level, and the
history length counted in the grain's own periods."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from calibration_fixtures import simulate_company

from analytics import backtest, backtest_verdict, formatting, store
from analytics.backtest_scores import MIN_RULE_FORECASTS, naive_inputs, tie_split_coverage
from analytics.panel_query import company_panel

NO_YEAR_AGO = "Same period last year: not scored, the history holds no year-ago period."


@pytest.fixture(scope="module")
def ten_months():
    """Ten months of closes: no period has a year-ago period."""
    conn = store.connect(":memory:")
    simulate_company(conn, n_reps=30, n_months=10, seed=5)
    yield conn
    conn.close()


@pytest.fixture(scope="module")
def thirty_months():
    conn = store.connect(":memory:")
    simulate_company(conn, n_reps=40, n_months=30, seed=21)
    yield conn
    conn.close()


@pytest.mark.parametrize("grain", ["month", "quarter"])
def test_a_rule_without_its_input_is_left_out_and_said_why(ten_months, grain):
    result = backtest.run_backtest(ten_months, "revenue", grain)
    assert result.n_forecasts >= 50
    assert "same_period_last_year" not in result.crps and "same_period_last_year" not in result.summary.index
    assert result.not_scored == {"same_period_last_year": "the history holds no year-ago period"}
    assert result.rule_notes() == [NO_YEAR_AGO]
    record = result.to_json_dict()
    assert "same_period_last_year" not in record["crps"] and "same_period_last_year" not in record["pinball"]
    assert record["not_scored"] == {"same_period_last_year": "the history holds no year-ago period"}
    assert set(record["forecasts_scored"].values()) == {result.n_forecasts}
    # the others are compared as before, on every forecast
    assert {"model", "last_period", "trailing_mean", "team_uniform", "empirical_percentiles"} == set(result.crps)
    best, _ = result.best_rule()
    assert best != "same_period_last_year"
    assert backtest_verdict.from_backtest(result).best_rule == best


def test_a_rule_with_its_input_on_part_of_the_forecasts_is_compared_on_that_part(thirty_months):
    result = backtest.run_backtest(thirty_months, "revenue", "month")
    row = result.summary.loc["same_period_last_year"]
    assert MIN_RULE_FORECASTS <= row["forecasts"] < result.n_forecasts
    # Its forecasts: the rep had a value a year before, and the rule had year-ago errors to learn from (an
    # origin after the first period with a year-ago period): the model's error there is the one compared.
    arrays = company_panel(thirty_months, "revenue", "month").arrays
    col = {p.label: j for j, p in enumerate(arrays.periods)}
    rep = {r: i for i, r in enumerate(arrays.reps)}
    f = result.forecasts
    c = f["origin"].map(col).to_numpy()
    r = f["rep"].map(rep).to_numpy()
    first = 12 + 1
    subset = (c >= first) & np.isfinite(arrays.y[r, np.maximum(c - 12, 0)])
    assert subset.sum() == row["forecasts"]
    assert row["model_crps"] == pytest.approx(f.loc[subset, "crps"].mean())
    assert row["model_crps"] != pytest.approx(result.crps["model"])
    assert row["skill_vs_model"] == pytest.approx(1 - row["model_crps"] / row["crps"])
    assert result.model_crps_on()["same_period_last_year"] == pytest.approx(row["model_crps"])
    for rule in ("last_period", "trailing_mean", "team_uniform", "empirical_percentiles"):
        assert result.summary.loc[rule, "forecasts"] == result.n_forecasts
        assert result.summary.loc[rule, "model_crps"] == pytest.approx(result.crps["model"])
    notes = result.rule_notes()
    assert len(notes) == 1 and notes[0].startswith(
        f"Same period last year: scored on the {formatting.count(int(row['forecasts']))} of "
        f"{formatting.count(result.n_forecasts)} forecasts that had a year-ago period")
    assert "same_period_last_year" not in result.comparable_crps()


def test_the_verdict_compares_a_partly_scored_rule_like_with_like():
    coverage = pd.DataFrame({"level": [0.9], "column": ["p90"], "nominal": [0.9], "covered_randomized": [0.9],
                             "band_lo": [0.85], "band_hi": [0.95], "n": 300})
    # The same period last year has the lowest error, but on its own (easier) forecasts, where the model's
    # error is lower still: the trailing mean is the rule nearest the model.
    crps = {"model": 0.30, "trailing_mean": 0.33, "same_period_last_year": 0.32}
    v = backtest_verdict.verdict(coverage, crps, grain="month", n_forecasts=300, n_origins=10,
                                 model_on={"same_period_last_year": 0.20})
    assert v.best_rule == "trailing_mean" and v.model_gain == pytest.approx(1 - 0.30 / 0.33)


def test_year_ago_input_by_hand():
    y = np.array([[1.0, np.nan, 3, 4, 5, 6], [np.nan, 2, 3, 4, np.nan, 6]])
    has = naive_inputs(y, "quarter")["same_period_last_year"]
    assert has.tolist() == [[False] * 4 + [True, False], [False] * 4 + [False, True]]
    assert not naive_inputs(y, "month")["same_period_last_year"].any()


def test_one_coverage_figure_per_level_in_the_table_and_the_tiles(thirty_months):
    """Counts tie at their percentiles: the table's coverage is the randomised one the tiles and charts show."""
    result = backtest.run_backtest(thirty_months, "deals", "quarter")
    cov = result.coverage.set_index("column")
    assert (cov["covered"] - cov["covered_randomized"]).abs().max() > 0.01      # ties move the plain count
    for col in cov.index:
        assert result.summary.loc["model", f"coverage_{col}"] == pytest.approx(cov.loc[col, "covered_randomized"])
    for line, row in zip(result.plain_language(), result.coverage.itertuples(), strict=False):
        assert f"beaten {formatting.rate_and_rest(row.covered_randomized)[1]}" in line


def test_tie_split_coverage_is_the_randomised_pit_on_average():
    rng = np.random.default_rng(3)
    levels = np.round(np.arange(0.02, 0.99, 0.02), 2)
    zero_share = rng.uniform(0.05, 0.4, 2000)
    # A law with an atom at zero of zero_share and a unit exponential above it; half the outcomes zero.
    u = np.clip((levels[None, :] - zero_share[:, None]) / (1 - zero_share[:, None]), 0, 1)
    q = np.where(levels[None, :] <= zero_share[:, None], 0.0, -np.log1p(-u))
    y = np.where(rng.uniform(size=2000) < 0.5, 0.0, rng.exponential(size=2000))
    at = q[:, [4, 24]]                                           # P10 and P50
    split = tie_split_coverage(y, q, levels, at, np.array([0.1, 0.5]))
    exact = np.where(y[:, None] > 0, (y[:, None] <= at).astype(float),
                     np.minimum(np.array([0.1, 0.5])[None, :] / zero_share[:, None], 1.0))
    assert np.abs(split - exact).mean(axis=0) == pytest.approx([0, 0], abs=0.03)
    plain = (y[:, None] <= at).mean(axis=0)
    assert plain[0] > split.mean(axis=0)[0] + 0.1                # the plain count flatters P10


@pytest.mark.parametrize(("grain", "longest"), [("month", 9), ("quarter", 3)])
def test_history_length_in_the_grains_own_periods(ten_months, grain, longest):
    result = backtest.run_backtest(ten_months, "revenue", grain)
    assert result.forecasts["n_history"].max() <= longest       # ten months: at most 3 quarters before an origin
    groups = result.slices.loc[result.slices["slice"] == "history", "group"]
    assert groups.str.endswith(f" {grain}s").all() and len(groups) > 0


def test_cli_says_which_rule_is_not_scored_and_names_its_coverage_columns(tmp_path, capsys):
    import json

    from analytics import cli

    db = tmp_path / "ten.duckdb"
    conn = store.connect(db)
    simulate_company(conn, n_reps=30, n_months=10, seed=5)
    conn.close()
    assert cli.main(["backtest", "--db", str(db), "--grain", "quarter"]) == 0
    text = capsys.readouterr().out
    assert NO_YEAR_AGO in text.splitlines()
    assert not any(line.startswith("same_period_last_year") for line in text.splitlines())
    header = text.splitlines()[0].split()
    assert header == ["column", "promised", "at_or_below", "band_lo", "band_hi", "plain_count"]
    assert cli.main(["backtest", "--db", str(db), "--grain", "month", "--json"]) == 0
    record = json.loads(capsys.readouterr().out)
    assert record["not_scored"] == {"same_period_last_year": "the history holds no year-ago period"}
    assert "same_period_last_year" not in record["crps"]
