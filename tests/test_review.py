"""Review: Brier score and reliability against independent numpy, tier outcomes, the ratchet columns,
the review of a finished period on the seeded company, and the offline HTML report."""

from __future__ import annotations

import dataclasses
import re

import numpy as np
import pandas as pd
import pytest

from analytics import report, review, store, tracking
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


@pytest.mark.parametrize("before, now, team, own", [
    ([100.0, 100.0], [50.0, 50.0], -0.5, [0.0, 0.0]),              # a shared move: nobody's own
    ([100.0, 300.0], [100.0, 100.0], -0.5, [1.0, -1 / 3]),
    ([100.0, np.nan, 0.0], [110.0, 50.0, 20.0], 0.1, [0.0, np.nan, np.nan]),   # only reps with both levels
])
def test_level_change_is_each_reps_own_net_of_the_teams(before, now, team, own):
    change = review.level_change(before, now, "2017-12", "2018-01")
    assert change.team == pytest.approx(team)
    np.testing.assert_allclose(change.own, own)
    assert change.sentence is not None and f"{100 * team:+.0f}%" in change.sentence


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
    # Each rep's level change is net of the team's move, which is said once in words: the reps' levels
    # moved by the team's ratio and their own, independently computed.
    team = ch["baseline"].sum() / ch["baseline_previous"].sum()
    np.testing.assert_allclose(ch["baseline_change"], ch["baseline"] / ch["baseline_previous"] / team - 1)
    assert reviewed.level_sentence and f"{100 * (team - 1):+.0f}%" in reviewed.level_sentence
    # The model's next P35 is reached with chance 0.65 under the next-period law.
    np.testing.assert_allclose(nxt["p_attain_model_next"], 0.65, atol=0.02)
    # A ratchet above the model level has a lower chance than the model's level.
    up = nxt["ratchet_minus_model"] > 0
    assert np.all(nxt.loc[up, "p_attain_ratchet"] < nxt.loc[up, "p_attain_model_next"])


def test_review_report_is_printable_small_and_readable(tmp_path, reviewed):
    path = write_review_report(reviewed, tmp_path / "review.html")
    text = path.read_text(encoding="utf-8")
    assert text.startswith("<!DOCTYPE html>")
    assert path.stat().st_size < 500_000                                  # was 4.9 MB with plotly.js inline
    assert "<script" not in text and "plotly" not in text.lower()          # nothing to run, nothing fetched
    assert not re.search(r"(src|href)=\"?https?:", text)
    assert "@page" in text and "max-width: 180mm" in text and "table-layout: fixed" in text
    assert text.count("<svg") == 1                                         # the calibration chart, drawn inline
    for raw in ("result_previous", "p_quota_model", "model_next_p_level", "ratchet_raise_to_last_result",
                "mean_predicted", "band_low", "hit_base", "_"):
        assert f">{raw}<" not in text and f"<th>{raw}" not in text
    headings = re.findall(r"<th[^>]*>([^<]*)</th>", text)
    assert not [h for h in headings if "_" in h], headings                 # every heading is a label
    for label in ("Level change", "Model&#x27;s start (no ratchet)", "Ratchet: raise to last result",
                  "We said", "Brier score", "Base target"):
        assert label in text
    assert "hold back" in text
    assert "0.29999" not in text and not re.search(r"\d\.\d{6,}", text)   # numbers as people write them


def test_report_labels_every_column_it_can_show(reviewed):
    for frame in (reviewed.results, reviewed.changes, reviewed.next_start, reviewed.calibration,
                  reviewed.reliability):
        for column in frame.columns:
            assert column in report.COLUMN_LABELS or column.startswith(("hit_", "p_")) \
                or column in ("lo", "hi", "band_low", "band_high") or column.endswith("_previous"), column


def test_one_quota_count_names_a_rep_with_a_quota_but_no_deals(tracking_db):
    conn = store.connect(tracking_db)
    conn.execute("INSERT INTO quotas VALUES ('Dana Ortiz', 'revenue', DATE '2025-10-01', DATE '2025-12-31', "
                 "90000, 1)")
    rv = review.review(conn, "Q4 plan")
    conn.close()
    q = rv.quotas
    assert "Dana Ortiz" not in rv.results.index
    last = q["history"].set_index("period").loc["2025-Q4"]
    assert q["reps_with_quota"] == last["reps_with_quota"] == rv.results["quota"].notna().sum() + 1
    assert q["hit_rate"] == pytest.approx(last["hit_rate"]) and q["reached"] == last["reached"]
    assert q["reps_with_model_chance"] == q["reps_with_quota"] - 1
    assert "Dana Ortiz" in q["no_result"] and q["outside_set"] == ["Dana Ortiz"]
    sentence = rv.quota_text
    assert f"of the {q['reps_with_quota']} reps with a CRM quota" in sentence
    assert "Dana Ortiz had a quota but no deals in 2025-Q4 (not in this target set)." in sentence
    assert f"the {q['reps_with_quota'] - 1} of them in this target set" in sentence
    html = review_html(rv)
    assert "Dana Ortiz had a quota but no deals" in html


def test_report_leaves_out_funnel_data_the_company_did_not_import(reviewed):
    changes = reviewed.changes.copy()
    for col in ("calls", "meetings", "call_to_meeting", "meeting_to_demo"):
        changes[col] = changes[f"{col}_previous"] = 0.0 if "_to_" not in col else np.nan
    text = review_html(dataclasses.replace(reviewed, changes=changes))
    headings = re.findall(r"<th[^>]*>([^<]*)</th>", text)
    assert "Calls" not in headings and "Meetings" not in headings and "Call → meeting" not in headings
    assert "Deals won" in headings and "Win rate" in headings
    assert "Calls" in re.findall(r"<th[^>]*>([^<]*)</th>", review_html(reviewed))


def test_orders_only_review_has_no_funnel_columns_it_did_not_import(tmp_path):
    import orders_fixtures

    from analytics.periods import parse_period

    db = orders_fixtures.build_orders_db(tmp_path)
    orders_fixtures.save_orders_plan(db, parse_period("2026-Q1"), "Q1 orders")
    conn = store.connect(str(db))
    try:
        rv = review.review(conn, "Q1 orders")
    finally:
        conn.close()
    cols = set(rv.changes.columns)
    assert {"won", "won_previous", "result", "result_previous"} <= cols
    for absent in ("calls", "meetings", "opportunities", "call_to_meeting", "meeting_to_demo",
                   "demo_to_opportunity", "win_rate"):
        assert absent not in cols and f"{absent}_previous" not in cols
    assert any(n.startswith("No activities imported") for n in rv.notes)
    assert any(n.startswith("No stages or lost deals imported") for n in rv.notes)


@pytest.mark.parametrize("name", ["Q4 plan", "Q1 plan"])
def test_review_and_track_fit_once_and_give_what_each_gives_alone(tracking_company, name):
    """The page's review and its tracking share one fit: the same numbers as apart. A finished period
    (Q4) is not tracked: the report shows its final results, with or without a tracking."""
    fits = []

    def counted_fit(conn, saved, period=None, as_of=None):
        fits.append((period or saved.fiscal_period, as_of))
        return tracking.fit_period(conn, saved, period, as_of)

    rv, end = review.review_and_track(tracking_company, name, fit=counted_fit)
    assert len(fits) == len(set(fits)) == 2             # the period's fit once, and the next period's
    alone = review.review(tracking_company, name)
    for column in ("results", "outcomes", "changes", "next_start"):
        pd.testing.assert_frame_equal(getattr(rv, column), getattr(alone, column), check_exact=True)
    assert rv.notes == alone.notes
    tracked = tracking.track(tracking_company, name, rv.as_of)
    if rv.complete:
        assert end is None
        assert _undated(report.review_html(rv, end)) == _undated(report.review_html(rv, tracked))
        return
    assert end is not None
    pd.testing.assert_frame_equal(end.summary, tracked.summary, check_exact=True)
    assert str(end.team) == str(tracked.team)


def _undated(html: str) -> str:
    return re.sub(r"written \d\d \w+ \d{4} \d\d:\d\d", "written", html)


@pytest.mark.parametrize("complete, heading, result, beaten", [
    (True, "Where 2026-Q1 starts</h2>", "Result", "Beat it"),
    (False, "Where 2026-Q1 starts (from 2025-Q4 so far)</h2>", "Result so far", "Beaten already"),
])
def test_the_reports_starting_point_says_whose_results_it_reads(reviewed, complete, heading, result, beaten):
    """A running period's results can only grow: its starting-point table says they are so far, as the page does."""
    html = review_html(dataclasses.replace(reviewed, complete=complete))
    assert heading in html
    start = html[html.index(heading):]
    headings = re.findall(r"<th[^>]*>([^<]*)</th>", start[:start.index("</table>")])
    assert result in headings and beaten in headings
