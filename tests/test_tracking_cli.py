"""``python -m analytics track|review`` run in process, on the seeded company."""

from __future__ import annotations

import json

import pytest
import tracking_fixtures as fx
from helpers import run_cli

TRACK_KEYS = {"rep", "target", "actual", "expected_to_date", "pace", "p_attain", "flag", "cause"}


def test_track_json(tracking_db):
    out = run_cli("track", "--db", str(tracking_db), "--target-set", "Q1 plan", "--json")
    assert out.returncode == 0, out.stderr
    rows = json.loads(out.stdout)
    assert isinstance(rows, list) and len(rows) == len(fx.REPS)
    assert all(set(r) >= TRACK_KEYS for r in rows)
    by_rep = {r["rep"]: r for r in rows}
    assert by_rep["leaky"]["flag"] is True and by_rep["leaky"]["cause"] == "conversion short"
    assert by_rep["slow"]["cause"] == "activity volume short"
    for r in rows:
        assert r["pace"] == pytest.approx(r["actual"] / r["expected_to_date"])
        assert r["flag"] == (r["p_attain"] < 0.3)


def test_track_text_with_as_of_and_threshold(tracking_db):
    out = run_cli("track", "--db", str(tracking_db), "--target-set", "Q1 plan", "--as-of", "2026-01-31",
                  "--threshold", "0.99")
    assert out.returncode == 0, out.stderr
    assert "as of 2026-01-31" in out.stdout and "FLAG" in out.stdout
    assert "chance of the team number" in out.stdout
    assert "open pipeline: " in out.stdout and "the chances count it" in out.stdout


@pytest.mark.parametrize(("args", "message"), [
    (("--target-set", "no such plan"), "no target set"),
    (("--target-set", "Q1 plan", "--as-of", "14/02/2026"), "--as-of"),
    (("--target-set", "Q1 plan", "--threshold", "3"), "--threshold"),
])
def test_track_refusals(tracking_db, args, message):
    out = run_cli("track", "--db", str(tracking_db), *args)
    assert out.returncode == 2 and message in out.stderr


def test_review_json_and_html_report(tracking_db, tmp_path):
    report = tmp_path / "review.html"
    out = run_cli("review", "--db", str(tracking_db), "--target-set", "Q4 plan", "--json", "--out", str(report))
    assert out.returncode == 0, out.stderr
    body = json.loads(out.stdout)
    assert body["period"] == "2025-Q4" and body["complete"] is True
    assert [r["tier"] for r in body["calibration"]] == ["base", "stretch", "excellence", "all"]
    first = body["next_start"][0]
    assert {"model_next_p_level", "ratchet_raise_to_last_result"} <= set(first)
    assert body["quotas"]["reps_with_quota"] == len(fx.REPS)
    text = report.read_text(encoding="utf-8")
    assert "<script" not in text and text.count("<svg") == 1 and report.stat().st_size < 500_000
    assert "Attainment across reps" in text and "Against the CRM quotas" in text   # printable, no plotly.js
    assert body["quotas"]["no_result"] == [] and body["quotas"]["outside_set"] == []


def test_review_text(tracking_db):
    out = run_cli("review", "--db", str(tracking_db), "--target-set", "Q4 plan")
    assert out.returncode == 0, out.stderr
    assert "model (no ratchet)" in out.stdout and "Brier" in out.stdout


def test_cli_writes_an_eur_companys_money_in_euros(eur_db, tmp_path):
    """A company whose deals are in EUR: every money figure the CLI prints carries €, none $."""
    db = str(eur_db)
    saved = run_cli("targets", "save", "--db", db, "--name", "EUR plan", "--metric", "revenue",
                    "--period", "current", "--tiers", "35,70,90", "--team-target", "2500000",
                    "--allocation", "equal-chance")
    assert saved.returncode == 0, saved.stderr
    outputs = {
        "track": run_cli("track", "--db", db, "--target-set", "EUR plan"),
        "review": run_cli("review", "--db", db, "--target-set", "EUR plan"),
        "calibrate": run_cli("calibrate", "--db", db, "--metric", "revenue", "--target-percentile", "40"),
        "targets show": run_cli("targets", "show", "EUR plan", "--db", db),
        "targets list": run_cli("targets", "list", "--db", db),
    }
    for verb, out in outputs.items():
        assert out.returncode == 0, (verb, out.stderr)
        assert "€" in out.stdout and "$" not in out.stdout, (verb, out.stdout)
    assert "team target €2,500,000" in outputs["targets list"].stdout


@pytest.mark.parametrize("name", ["Q4 plan", "Q1 plan"])
def test_review_with_a_report_fits_each_period_once(tracking_db, tmp_path, monkeypatch, name):
    """The report's tracking shares the review's fit: the period and the next, each fitted once."""
    from analytics import review, tracking, tracking_laws

    fits = []

    def counted_fit(conn, saved, period=None, as_of=None):
        fits.append(((period or saved.fiscal_period).label, as_of))
        return tracking_laws.fit_period(conn, saved, period, as_of)

    monkeypatch.setattr(review, "fit_period", counted_fit)
    monkeypatch.setattr(tracking, "fit_period", counted_fit)
    out = run_cli("review", "--db", str(tracking_db), "--target-set", name, "--out", str(tmp_path / "review.html"))
    assert out.returncode == 0, out.stderr
    assert len(fits) == len(set(fits)) == 2
