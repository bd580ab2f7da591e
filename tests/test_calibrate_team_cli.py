"""``python -m analytics calibrate --team-target G --allocation METHOD``: the split of a team number."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from analytics import store
from analytics.allocation import allocate_team_target
from analytics.calibration import calibrate
from tests.calibration_fixtures import simulate_company

REPO = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def db(tmp_path_factory):
    path = tmp_path_factory.mktemp("cli_team") / "cli.duckdb"
    conn = store.connect(path)
    simulate_company(conn, n_reps=12, n_months=24, seed=11, quotas=True)
    conn.close()
    return path


def run(*args):
    return subprocess.run([sys.executable, "-m", "analytics", *args], cwd=REPO, capture_output=True, text=True,
                          timeout=120)


@pytest.mark.parametrize(("metric", "method"), [("revenue", "equal-chance"), ("revenue", "proportional"),
                                                ("deals", "equal-chance")])
def test_team_target_split_sums_and_matches_engine(db, metric, method):
    conn = store.connect(db, read_only=True)
    cal = calibrate(conn, metric, "quarter", "next")
    conn.close()
    team = round(float(cal.summary["baseline"].sum()) * 1.1)
    proc = run("calibrate", "--db", str(db), "--metric", metric, "--team-target", f"{team:,}",
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
    rate = run("calibrate", "--db", str(db), "--metric", "win_rate", "--team-target", "5")
    assert rate.returncode == 2 and "cannot be split" in rate.stderr
    negative = run("calibrate", "--db", str(db), "--team-target", "-5")
    assert negative.returncode == 2 and "positive" in negative.stderr
    method = run("calibrate", "--db", str(db), "--team-target", "5", "--allocation", "random")
    assert method.returncode == 2 and "invalid choice" in method.stderr
