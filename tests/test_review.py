"""Review: Brier score and reliability against independent numpy, tier outcomes, the ratchet columns,
the review of a finished period on the seeded company, and the offline HTML report."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest

from analytics import review
from analytics.report import review_html, write_review_report


def test_brier_score_against_numpy():
    rng = np.random.default_rng(5)
    p = rng.uniform(size=200)
    y = (rng.uniform(size=200) < p).astype(float)
    assert review.brier_score(p, y) == pytest.approx(float(np.mean((p - y) ** 2)), rel=1e-12)
    assert review.brier_score([1.0, 0.0], [1, 0]) == 0.0
    assert review.brier_score([0.8, 0.3, np.nan], [1, 0, 1]) == pytest.approx((0.04 + 0.09) / 2)


def test_reliability_table_against_an_independent_loop():
    rng = np.random.default_rng(8)
    p = np.concatenate([rng.uniform(size=300), [0.0, 0.2, 1.0]])   # edges included
    y = (rng.uniform(size=p.size) < p).astype(float)
    table = review.reliability_table(p, y)
    edges = review.DEFAULT_BINS
    for i, row in table.iterrows():
        lo, hi = edges[i], edges[i + 1]
        mask = (p >= lo) & ((p < hi) if i < len(edges) - 2 else (p <= hi))
        assert row["n"] == mask.sum()
        assert row["mean_predicted"] == pytest.approx(p[mask].mean())
        assert row["realised"] == pytest.approx(y[mask].mean())
        assert row["band_low"] <= row["realised"] <= row["band_high"]
    assert table["n"].sum() == p.size


def test_reliability_keeps_empty_bins():
    table = review.reliability_table([0.1, 0.15], [0, 1])
    assert table["n"].tolist() == [2, 0, 0, 0, 0]
    assert table["realised"].iloc[0] == 0.5 and np.isnan(table["realised"].iloc[1])


def test_tier_outcomes_and_calibration_by_tier():
    targets = pd.DataFrame({"base": [100.0, 100.0, 50.0], "stretch": [150.0, 150.0, 80.0]}, index=["a", "b", "c"])
    chances = pd.DataFrame({"base": [0.7, 0.6, 0.65], "stretch": [0.3, 0.25, 0.35]}, index=targets.index)
    actual = pd.Series({"a": 120.0, "b": 90.0, "c": 80.0})
    out = review.tier_outcomes(actual, targets, chances)
    assert len(out) == 6
    hits = out.set_index(["rep", "tier"])["hit"]
    assert hits[("a", "base")] == 1 and hits[("b", "base")] == 0 and hits[("c", "stretch")] == 1
    table = review.calibration_by_tier(out).set_index("tier")
    assert table.loc["base", "realised"] == pytest.approx(2 / 3)
    assert table.loc["base", "mean_predicted"] == pytest.approx(0.65)
    p = np.array([0.7, 0.6, 0.65, 0.3, 0.25, 0.35])
    y = np.array([1, 0, 1, 0, 0, 1])
    assert table.loc["all", "brier"] == pytest.approx(np.mean((p - y) ** 2))
    assert list(table.index) == ["base", "stretch", "all"]


def test_ratchet_columns():
    out = review.ratchet_columns(model_next=[110.0, 90.0, 100.0], last_target=[100.0, 100.0, 100.0],
                                 last_result=[140.0, 80.0, 100.0])
    assert out["beat_last_target"].tolist() == [True, False, True]
    assert out["ratchet_raise_to_last_result"].tolist() == [140.0, 100.0, 100.0]   # never lowers
    assert out["model_next_p_level"].tolist() == [110.0, 90.0, 100.0]
    assert out["ratchet_minus_model"].tolist() == [30.0, 10.0, 0.0]
    assert "hold back" in review.RATCHET_SENTENCE


@pytest.fixture(scope="module")
def reviewed(tracking_company):
    return review.review(tracking_company, "Q4 plan")


def test_review_of_the_finished_quarter(tracking_company, reviewed):
    rv = reviewed
    assert rv.complete and rv.period.label == "2025-Q4"
    res = rv.results
    won = tracking_company.execute("SELECT rep, sum(amount) AS v FROM deals WHERE outcome = 'won' AND close_date "
                          "BETWEEN DATE '2025-10-01' AND DATE '2025-12-31' GROUP BY rep").df().set_index("rep")["v"]
    np.testing.assert_allclose(res["actual"], won.reindex(res.index).fillna(0.0))
    for tier in ("base", "stretch", "excellence"):
        np.testing.assert_array_equal(res[f"hit_{tier}"], res["actual"] >= res[tier])
    cal = rv.calibration.set_index("tier")
    assert cal.loc["base", "mean_predicted"] == pytest.approx(0.65)
    assert cal.loc["base", "realised"] == pytest.approx(res["hit_base"].mean())
    assert rv.reliability["n"].sum() == 3 * len(res)


def test_review_quotas_hit_rate(tracking_company, reviewed):
    q = reviewed.quotas
    quota = tracking_company.execute("SELECT rep, target FROM quotas WHERE period_start = DATE '2025-10-01'").df() \
        .set_index("rep")["target"]
    res = reviewed.results
    expect = float(np.mean(res["actual"] >= quota.reindex(res.index)))
    assert q["reps_with_quota"] == len(quota) and q["hit_rate"] == pytest.approx(expect)
    assert list(q["history"]["period"]) == ["2025-Q1", "2025-Q2", "2025-Q3", "2025-Q4"]
    assert 0 <= q["model_mean_chance"] <= 1


def test_review_changes_and_next_starting_point(reviewed):
    ch, nxt = reviewed.changes, reviewed.next_start
    assert {"baseline_previous", "baseline", "volatility_previous", "volatility", "call_to_meeting_previous",
            "call_to_meeting", "win_rate"} <= set(ch.columns)
    assert np.all(np.isfinite(ch["baseline"])) and np.all(ch["volatility"] > 0)
    beat = nxt["beat_last_target"]
    np.testing.assert_allclose(nxt.loc[beat, "ratchet_raise_to_last_result"], nxt.loc[beat, "last_result"])
    np.testing.assert_allclose(nxt.loc[~beat, "ratchet_raise_to_last_result"], nxt.loc[~beat, "last_target"])
    # The model's next P35 is reached with chance 0.65 under the next-period law.
    np.testing.assert_allclose(nxt["p_attain_model_next"], 0.65, atol=0.02)
    # A ratchet above the model level has a lower chance than the model's level.
    up = nxt["ratchet_minus_model"] > 0
    assert np.all(nxt.loc[up, "p_attain_ratchet"] < nxt.loc[up, "p_attain_model_next"])


def test_review_report_is_self_contained(tmp_path, reviewed):
    path = write_review_report(reviewed, tmp_path / "review.html")
    text = path.read_text(encoding="utf-8")
    assert text.startswith("<!DOCTYPE html>")
    assert len(re.findall(r"plotly\.js v\d", text)) == 1                 # plotly.js inline, once
    assert not re.search(r"<script[^>]+src=", text)                      # nothing fetched
    assert not re.search(r"<link[^>]+href=\"http", text)
    assert "model&#x27;s next-period P-level (no ratchet)" in text and "ratchet: raise to last result" in text
    assert "hold back" in text and "Brier" in text
    assert review_html(reviewed).count("Plotly.newPlot") == 1             # reliability chart
