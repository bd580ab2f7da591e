"""The CLI contract of ``calibrate`` (with ``--team-target``) and ``backtest`` on a seeded database, run in process."""

from __future__ import annotations

import json

import pytest
from calibration_fixtures import simulate_company
from helpers import REPO_ROOT, run_cli

from analytics import store
from analytics.allocation import allocate_team_target
from analytics.calibration import calibrate


@pytest.fixture(scope="module")
def db(tmp_path_factory):
    path = tmp_path_factory.mktemp("cli") / "cli.duckdb"
    conn = store.connect(path)
    simulate_company(conn, n_reps=15, n_months=24, seed=5, quotas=True)
    conn.close()
    return path


def test_calibrate_json_rows(db):
    proc = run_cli("calibrate", "--db", str(db), "--metric", "revenue", "--grain", "quarter",
                   "--percentiles", "10,40,90", "--target-percentile", "40", "--json")
    assert proc.returncode == 0, proc.stderr
    rows = json.loads(proc.stdout)
    conn = store.connect(db, read_only=True)
    active = {r for (r,) in conn.execute("SELECT rep FROM reps WHERE end_date IS NULL").fetchall()}
    conn.close()
    assert {r["rep"] for r in rows} == active          # leavers are not forecast
    assert set(rows[0]) == {"rep", "period", "n_periods", "p10", "p40", "p90", "baseline", "target", "p_attain"}
    assert rows[0]["period"] == "2025-Q1"
    assert all(abs(r["p_attain"] - 0.6) < 0.01 for r in rows)
    assert all(r["target"] == pytest.approx(r["p40"]) for r in rows)


@pytest.mark.parametrize("metric", ["revenue", "meeting", "deals"])
def test_calibrate_says_on_stderr_what_baselines_says_of_the_model(db, metric):
    """The variant chosen and why (and the pipeline's lead when it moved the level): Baselines' captions,
    as ``note:`` lines on stderr, so the JSON on stdout stays one document. Money and activities choose a
    variant (deals won follow the pipeline; a rate has one model)."""
    proc = run_cli("calibrate", "--db", str(db), "--metric", metric, "--grain", "month", "--json")
    assert proc.returncode == 0, proc.stderr
    json.loads(proc.stdout)
    conn = store.connect(db, read_only=True)
    expected = calibrate(conn, metric, "month").model_notes()
    conn.close()
    notes = [line.removeprefix("note: ") for line in proc.stderr.splitlines() if line.startswith("note: ")]
    model = [n for n in notes if not n.startswith("History counted from")]   # the data's own note comes first
    year_ago = [n for n in model if n.startswith("A year earlier, in ")]   # the team's result then: it comes last
    assert len(year_ago) <= 1 and model[len(model) - len(year_ago):] == year_ago
    model = model[:len(model) - len(year_ago)]
    assert model == list(expected.values())
    # money and activities: the variant chosen first; deals won follow the pipeline's lead and choose none
    pipeline_notes = model if metric == "deals" else model[1:]
    assert metric == "deals" or model[0].startswith("Model: ")
    # revenue and deals won: the pipeline's lead too, when it moved the level (activities have none)
    followed = {"revenue": "revenue followed", "deals": "deals won followed"}.get(metric, "(none)")
    assert all(n.startswith("Open pipeline:") and followed in n for n in pipeline_notes)


def test_calibrate_csv_and_bad_input(db, tmp_path):
    out = tmp_path / "cal.csv"
    proc = run_cli("calibrate", "--db", str(db), "--metric", "meeting", "--grain", "month", "--period", "2024-12",
                   "--out", str(out))
    assert proc.returncode == 0, proc.stderr
    header = out.read_text().splitlines()[0].split(",")
    assert header == ["rep", "period", "n_periods", "p10", "p25", "p40", "p50", "p70", "p90", "baseline"]
    bad = run_cli("calibrate", "--db", str(db), "--period", "2024-13")
    assert bad.returncode == 2 and "error" in bad.stderr


def test_backtest_json_contract(db):
    proc = run_cli("backtest", "--db", str(db), "--metric", "revenue", "--grain", "month", "--origins", "6", "--json")
    assert proc.returncode == 0, proc.stderr
    d = json.loads(proc.stdout)
    assert d["metric"] == "revenue" and d["grain"] == "month" and d["n_forecasts"] > 50
    assert set(d["coverage"]) == {"p10", "p25", "p40", "p50", "p70", "p90"}
    keys = {"model", "last_period", "trailing_mean", "same_period_last_year", "team_uniform", "empirical_percentiles"}
    assert set(d["crps"]) == keys and set(d["pinball"]) == keys
    assert len(d["pit_histogram"]) == 10 and abs(sum(d["pit_histogram"]) - 1) < 1e-4
    assert set(d["historical_targets"]) == {"n", "hit_rate", "mean_predicted_p_attain", "brier"}


# ---- a team number split across the reps: --team-target G --allocation METHOD
@pytest.mark.parametrize(("metric", "method"), [("revenue", "equal-chance"), ("revenue", "proportional"),
                                                ("deals", "equal-chance")])
def test_team_target_split_sums_and_matches_engine(db, metric, method):
    conn = store.connect(db, read_only=True)
    cal = calibrate(conn, metric, "quarter", "next")
    conn.close()
    team = round(float(cal.summary["baseline"].sum()) * 1.1)
    proc = run_cli("calibrate", "--db", str(db), "--metric", metric, "--team-target", f"{team:,}",
                   "--allocation", method, "--json")
    assert proc.returncode == 0, proc.stderr
    rows = json.loads(proc.stdout)
    assert all({"target", "p_attain"} <= set(r) for r in rows)
    assert sum(r["target"] for r in rows) == pytest.approx(team, rel=1e-9)
    baseline = cal.summary["baseline"].reindex(list(cal.predictive.reps)).to_numpy(dtype=float)
    expected = allocate_team_target(cal.predictive, float(team), method, baseline=baseline).set_index("rep")
    for r in rows:
        assert r["target"] == pytest.approx(expected.at[r["rep"], "target"], rel=1e-9)
        assert r["p_attain"] == pytest.approx(expected.at[r["rep"], "p_attain"], abs=1e-9)
    chances = [r["p_attain"] for r in rows]
    if method == "equal-chance" and metric == "revenue":
        assert max(chances) - min(chances) < 1e-3


def test_team_target_refusals(db):
    rate = run_cli("calibrate", "--db", str(db), "--metric", "win_rate", "--team-target", "5")
    assert rate.returncode == 2 and "cannot be split" in rate.stderr
    negative = run_cli("calibrate", "--db", str(db), "--team-target", "-5")
    assert negative.returncode == 2 and "positive" in negative.stderr
    method = run_cli("calibrate", "--db", str(db), "--team-target", "5", "--allocation", "random")
    assert method.returncode == 2 and "invalid choice" in method.stderr



SAVE = ("targets", "save", "--name", "split", "--tiers", "35,70")


@pytest.mark.parametrize(("verb", "metric", "words"), [
    (("calibrate",), "win_rate", "win rate does not add up across reps (the team's is not the sum of the reps'): "
                                 "a team target cannot be split"),
    (("calibrate",), "avg_deal_size", "average deal size does not add up across reps (the team's is not the sum of "
                                      "the reps'): a team target cannot be split"),
    (SAVE, "avg_deal_size", "average deal size does not add up across reps (the team's is not the sum of the "
                            "reps'): a team target cannot be split"),
    (SAVE, "win_rate", "win rate targets are not set and saved"),     # (no set of a rate at all)
])
def test_a_team_number_of_a_rate_or_an_average_is_not_split(db, metric, words, verb):
    """Shares of an average deal size were once given ($560k each where deals run at $25k, 0% chance): an
    average, as a rate, is not the sum of the reps' and has no team number to split."""
    proc = run_cli(*verb, "--db", str(db), "--metric", metric, "--team-target", "1000000")
    assert proc.returncode == 2 and words in proc.stderr
    assert "Traceback" not in proc.stderr and proc.stdout == ""

@pytest.fixture(scope="module")
def orders_db(tmp_path_factory):
    """Won orders only (tests/orders_fixtures.py): no activities, no created dates, no stages."""
    import orders_fixtures

    return orders_fixtures.build_orders_db(tmp_path_factory.mktemp("orders"))


@pytest.mark.parametrize("command", ["calibrate", "backtest"])
@pytest.mark.parametrize(("metric", "sentence"), [
    ("call", "Calls: no activities imported"),
    ("opportunities", "no created dates imported"),
    ("win_rate", "Win rate: no lost deals imported"),
])
def test_orders_only_absent_metric_is_refused_with_what_was_not_imported(orders_db, command, metric, sentence):
    proc = run_cli(command, "--db", str(orders_db), "--metric", metric, "--json")
    assert proc.returncode == 2
    assert sentence in proc.stderr and proc.stderr.count("\n") == 1
    assert "history" not in proc.stderr and proc.stdout == ""     # no "too little history", no zeros


def test_orders_only_revenue_still_calibrates(orders_db):
    proc = run_cli("calibrate", "--db", str(orders_db), "--metric", "revenue", "--period", "2026-Q3", "--json")
    assert proc.returncode == 0, proc.stderr
    assert {r["rep"] for r in json.loads(proc.stdout)} == {f"Rep {c}" for c in "ABCDEF"}


# ---- too little history: a refusal on stderr (exit 2), never a traceback nor a table of priors --------

@pytest.fixture(scope="module")
def first_days_db(tmp_path_factory):
    from short_history_fixtures import FIRST_DAYS, database_from_csv

    return database_from_csv(tmp_path_factory.mktemp("first-days"), FIRST_DAYS)


@pytest.mark.parametrize(("args", "words"), [
    (["--grain", "month"], "Too little history for 2024-12: no complete month of won revenue yet"),
    (["--grain", "quarter"], "Too little history for 2025-Q1: no complete quarter of won revenue yet"),
    (["--grain", "month", "--team-target", "30000"], "no complete month of won revenue yet"),
    (["--grain", "month", "--json"], "no complete month of won revenue yet"),
])
def test_calibrate_refuses_before_any_complete_period(first_days_db, args, words):
    proc = run_cli("calibrate", "--db", str(first_days_db), *args)
    assert proc.returncode == 2 and proc.stdout == ""          # no $1 baselines, no $15,000 at 0%
    assert words in proc.stderr and "02 Nov 2024 to 05 Nov 2024" in proc.stderr
    assert proc.stderr.startswith("error: ") and proc.stderr.count("\n") == 1


def test_calibrate_refuses_a_quarter_from_its_last_days_alone(tmp_path):
    """The sample company's deals from 20 March 2026 (a first export of a CRM gone live then): 2026-Q1 holds
    their last 12 days, scaled up to a quarter they were each rep's level, and a period's last days are its
    busiest: a median of about $400k a rep for 2026-Q2 against a real $14k-$213k. Refused, naming the days;
    with 2026-Q2 complete too, 2026-Q3 is forecast (the sliver is then one period of two)."""
    import csv as csv_module
    from datetime import datetime

    rows = list(csv_module.reader((REPO_ROOT / "data" / "sample" / "opportunities.csv").open()))
    close = rows[0].index("Close Date")
    kept = [rows[0]] + [r for r in rows[1:] if datetime.strptime(r[close], "%m/%d/%Y") >= datetime(2026, 3, 20)]
    source = tmp_path / "since_go_live.csv"
    with source.open("w", newline="") as f:
        csv_module.writer(f).writerows(kept)
    db = tmp_path / "t.duckdb"
    assert run_cli("import", "--db", str(db), str(source)).returncode == 0
    proc = run_cli("calibrate", "--db", str(db), "--period", "2026-Q2")
    assert proc.returncode == 2 and proc.stdout == ""
    assert ("Too little history for 2026-Q2: the won revenue data start on 20 Mar 2026, only the last 12 days of "
            "2026-Q1, too few to scale up to a quarter") in proc.stderr
    assert run_cli("calibrate", "--db", str(db), "--period", "2026-Q3").returncode == 0


@pytest.mark.parametrize(("csv", "grain", "sentence"), [
    ("ONE_MONTH", "month", "Too little history to backtest per month: 1 complete month, at least 5 needed."),
    ("ONE_MONTH", "quarter", "Too little history to backtest per quarter: 1 complete month, at least 7 needed."),
    ("FIRST_DAYS", "month", "Too little history to backtest per month: no complete month, at least 5 needed."),
])
def test_backtest_refuses_a_short_history(tmp_path, csv, grain, sentence):
    import short_history_fixtures

    db = short_history_fixtures.database_from_csv(tmp_path, getattr(short_history_fixtures, csv))
    for json_flag in ([], ["--json"]):
        proc = run_cli("backtest", "--db", str(db), "--grain", grain, *json_flag)
        assert proc.returncode == 2 and proc.stdout == ""
        assert proc.stderr.startswith(f"error: {sentence}") and "Traceback" not in proc.stderr


def test_backtest_when_the_best_rule_makes_no_error(tmp_path):
    """Every tested month a zero, forecast exactly by last month's: the skill against it is said to be
    unmeasurable rather than divided by zero."""
    from short_history_fixtures import SAME_EVERY_MONTH, database_from_csv

    db = database_from_csv(tmp_path, SAME_EVERY_MONTH)
    proc = run_cli("backtest", "--db", str(db), "--grain", "month")
    assert proc.returncode == 0, proc.stderr
    assert "made no error over 16 rep-periods, so the model's skill against it cannot be measured" in proc.stdout
    assert "inf" not in proc.stdout
    record = json.loads(run_cli("backtest", "--db", str(db), "--grain", "month", "--json").stdout)
    assert record["crps"]["last_period"] == 0 and record["crps"]["model"] > 0


@pytest.mark.parametrize("verb", ["calibrate", "backtest"])
def test_the_refusals_end_without_a_traceback_as_a_module(tmp_path, verb):
    """The real entry point (``python -m analytics``), where the crash was a traceback."""
    from helpers import run_module
    from short_history_fixtures import FIRST_DAYS, database_from_csv

    proc = run_module(verb, "--db", str(database_from_csv(tmp_path, FIRST_DAYS)), "--grain", "month")
    assert proc.returncode == 2 and "Traceback" not in proc.stderr
    assert proc.stderr.startswith("error: Too little history")
