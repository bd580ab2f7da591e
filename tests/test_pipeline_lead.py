"""The open pipeline's lead on the team level (analytics/pipeline_lead.py) and the open deals it reads."""

from __future__ import annotations

import csv
import random
from datetime import date, timedelta
from pathlib import Path

import numpy as np
import pytest
from helpers import app_test

from analytics import importing, store
from analytics.calibration import calibrate
from analytics.panel_arrays import OPEN_DEALS, forecast_period_effect
from analytics.panel_query import read_panel
from analytics.periods import period_of
from analytics.pipeline_lead import OPEN_MONTHS, PRIOR_SD, PipelineLead, fit_pipeline_lead, pipeline_slopes
from analytics.sample import generate
from analytics.team_trend import PHI, WINDOW

BIG = 1e12   # open deals so many that their counting noise is nil


def _random_deals(seed: int) -> list[tuple]:
    rng = random.Random(seed)
    deals = []
    for i in range(600):
        created = date(2024, 1, 1) + timedelta(days=rng.randrange(700))
        outcome = rng.choice(["won", "lost", "open", "won"])
        close = created + timedelta(days=rng.choice([3, 20, 45, 90, 200, 500])) if outcome != "open" else None
        if rng.random() < 0.03 and close is not None:
            close = created - timedelta(days=5)          # closed before it was created: left out
        deals.append((f"d{i}", rng.choice(["Ann", "Bo", "Cy"]), created, close, outcome, 100.0))
    return deals


@pytest.mark.parametrize("grain", ["month", "quarter"])
@pytest.mark.parametrize("seed", [1, 2])
def test_open_deals_are_a_direct_count_at_each_period_end(grain, seed):
    """Known answer: each rep's deals open at each period's end, counted deal by deal in Python."""
    deals = [d for d in _random_deals(seed) if d[3] is None or d[3] <= date(2025, 12, 31)]
    conn = store.connect(":memory:")
    conn.executemany("INSERT INTO deals (deal_id, rep, created_date, close_date, outcome, amount, import_id) "
                     "VALUES (?, ?, ?, ?, ?, ?, 1)", deals)
    arrays = read_panel(conn, "revenue", grain).arrays
    grid = arrays.extra[OPEN_DEALS]
    active = np.isfinite(arrays.expfrac)
    for i, rep in enumerate(arrays.reps):
        for t, period in enumerate(arrays.periods):
            end = period.end
            def month(day: date) -> int:
                return day.year * 12 + day.month

            expected = sum(1 for _, owner, created, close, outcome, _ in deals
                           if owner == rep and created <= end and month(created) + OPEN_MONTHS > month(end)
                           and not (outcome != "open" and month(close) < month(created))
                           and not (outcome != "open" and close <= end))
            if active[i, t]:
                assert grid[i, t] == expected, (rep, period.label)
            else:
                assert np.isnan(grid[i, t])


def test_beta_is_the_posterior_of_the_slope_through_the_origin():
    """Known answer: without counting noise, beta = (w b + 1/s0^2) / (w + 1/s0^2), b the least-squares slope
    of the three-period mean's errors on the pipeline's moves and w its inverse variance."""
    rng = np.random.default_rng(7)
    x = np.cumsum(rng.normal(0, 0.15, 36))
    d = 0.4 * np.concatenate([[0.0], x[:-1]]) + rng.normal(0, 0.1, 36)
    fit = fit_pipeline_lead(d, BIG * np.exp(x), np.full(36, BIG))
    t = np.arange(3, 35)
    e = d[t + 1] - (d[t - 2] + d[t - 1] + d[t]) / 3
    z = x[t] - (x[t - 3] + x[t - 2] + x[t - 1]) / 3
    (b,), residual, *_ = np.linalg.lstsq(z[:, None], e, rcond=None)
    var_b = residual[0] / (e.size - 1) / np.sum(z**2)
    expected = (b / var_b + 1 / PRIOR_SD**2) / (1 / var_b + 1 / PRIOR_SD**2)
    assert fit is not None and fit.n_origins == 32
    assert fit.beta == pytest.approx(min(max(expected, 0.0), 1.0), abs=1e-6)


@pytest.mark.parametrize("case, check", [
    # A pipeline that moves only with the month of quarter (less open at a quarter's end) moves nothing.
    ("pattern", lambda fit: abs(fit.shift) < 1e-9),
    # A pipeline that says nothing about the next period, over a long history: beta far below the prior's 1.
    ("unrelated", lambda fit: fit.beta < 0.5),
    # A rise within the counting noise of a few deals is not a move.
    ("few deals", lambda fit: fit.shift == 0.0),
])
def test_what_does_not_move_the_level(case, check):
    rng = np.random.default_rng(11)
    n = 60
    d = rng.normal(0, 0.1, n)
    season = np.arange(n) % 3
    if case == "pattern":
        counts, reps = BIG * np.exp(np.array([0.0, 0.2, -0.3])[season]), np.full(n, BIG)
    elif case == "unrelated":
        counts, reps = BIG * np.exp(np.cumsum(rng.normal(0, 0.2, n))), np.full(n, BIG)
    else:
        counts, reps = np.full(n, 4.0), np.full(n, 2.0)
        counts[-1] = 5.0           # 5 open deals against 4: log 1.25 = 0.22, within sqrt(1/5) = 0.45
    fit = fit_pipeline_lead(d, counts, reps, season)
    assert fit is not None and check(fit), fit


def test_too_short_a_history_has_no_lead():
    assert fit_pipeline_lead(np.zeros(10), np.full(10, 50.0), np.full(10, 5.0)) is None


@pytest.mark.parametrize("seed", [3, 4])
def test_the_pipeline_trend_is_a_least_squares_slope_shrunk_by_its_noise(seed):
    """Known answer: at each period, numpy's line through the last nine values (fewer from the fifth on),
    its slope b times max(1 - se^2 / b^2, 0), se^2 the residual variance over sxx plus the counts' noise,
    sum(t^2 noise_t) / sxx^2."""
    rng = np.random.default_rng(seed)
    x = np.cumsum(rng.normal(0.03, 0.08, 30))
    noise = 1 / rng.integers(20, 400, 30)
    got = pipeline_slopes(x, noise)
    for end in range(30):
        window = slice(max(0, end - WINDOW + 1), end + 1)
        xs, ns = x[window], noise[window]
        if xs.size < 5:
            assert got[end] == 0.0
            continue
        t = np.arange(xs.size) - (xs.size - 1) / 2
        b, a = np.polyfit(t, xs, 1)
        sxx = float(np.sum(t**2))
        se2 = float(np.sum((xs - a - b * t) ** 2)) / (xs.size - 2) / sxx + float(np.sum(t**2 * ns)) / sxx**2
        assert got[end] == pytest.approx(b * max(1 - se2 / b**2, 0.0), abs=1e-12)


def test_a_growing_pipeline_lifts_each_later_month_by_its_damped_trend():
    """Every step's level is the mean of three moved by beta (move + (phi + ... + phi^h) slope): the months
    of a quarter forecast from a growing pipeline rise, and by less each month."""
    months = [period_of(date(2023, 1, 1), "month").next(k) for k in range(30)]
    x = 0.08 * np.arange(24) + 0.02 * np.sin(np.arange(24))
    d = np.concatenate([[0.0], x[:-1]])
    effect = forecast_period_effect(d - d.mean(), months[:24], months[24], season=False, steps=3,
                                    open_deals=1e6 * np.exp(x), n_active=np.full(24, 1e6))
    lead = effect.lead
    assert lead is not None and lead.slope > 0.05
    steps = np.diff(effect.level_path)
    np.testing.assert_allclose(steps, lead.beta * lead.slope * PHI ** np.arange(2, 4), rtol=1e-9)
    np.testing.assert_allclose(effect.level_path - effect.levels[-3:].mean(), lead.shifts(3), rtol=1e-9)


@pytest.mark.parametrize("trend", [False, True])
def test_a_target_after_a_period_not_yet_over_is_a_step_further_ahead(trend):
    """Next month while this one runs: its level, variance and the lead's lift are the second step's of a
    forecast made for this month, with the team trend variant and with the pipeline's lead alike."""
    months = [period_of(date(2023, 1, 1), "month").next(k) for k in range(30)]
    x = 0.08 * np.arange(24) + 0.02 * np.sin(np.arange(24))
    d = np.concatenate([[0.0], x[:-1]]) + 0.03 * np.cos(np.arange(24))
    pipeline = {"open_deals": 1e6 * np.exp(x), "n_active": np.full(24, 1e6)}
    near = forecast_period_effect(d, months[:24], months[24], trend=trend, season=False, steps=2, **pipeline)
    far = forecast_period_effect(d, months[:24], months[25], trend=trend, season=False, steps=1, **pipeline)
    assert far.level_path[0] == pytest.approx(near.level_path[1], abs=1e-12)
    assert far.path_cov[0, 0] == pytest.approx(near.path_cov[1, 1], abs=1e-12)
    if not trend:     # the trend's steps have the covariance measured on its own earlier origins
        assert far.path_cov[0, 0] > near.path_cov[0, 0]
        assert near.lead is not None and far.lead is not None
        assert far.lead.shift == pytest.approx(near.lead.shifts(2)[1]) and far.lead.shift > near.lead.shift


def test_baselines_says_the_lift_of_the_period_it_forecasts(tmp_path):
    """A growing company's pipeline lifts each later month more: the lift said for a quarter is the mean of its
    three months' (after the month not yet over), for the month after next its own, not the next month's."""
    paths = generate(tmp_path / "growing", reps=12, years=2, seed=3, regime="growth")
    conn = store.connect(tmp_path / "growing.duckdb")
    for kind in ("reps", "opportunities"):
        importing.import_file(conn, paths[kind])
    quarter = calibrate(conn, "revenue", "quarter", "next", context=False).fit.period.lead
    month = calibrate(conn, "revenue", "month", "next", context=False).fit.period.lead
    conn.close()
    assert quarter is not None and month is not None and quarter.slope > 0
    first = quarter.ahead[0]
    assert quarter.ahead == (first, first + 1, first + 2) and month.ahead == (2,)   # data as of mid-November
    assert quarter.shift == pytest.approx(float(np.mean(quarter.shifts(first + 2)[first - 1:])))
    assert quarter.shift > month.shift > quarter.shifts(1)[0]


def test_a_flat_or_thin_pipeline_has_no_trend():
    """A pipeline that only wobbles, or a few deals whose count went from 4 to 6: no slope to carry on."""
    rng = np.random.default_rng(5)
    flat = pipeline_slopes(rng.normal(0, 0.05, 24), np.full(24, 1e-6))
    counts = np.array([4.0] * 20 + [5.0, 5.0, 6.0, 6.0])
    thin = pipeline_slopes(np.log(counts), 1 / counts)
    assert np.mean(flat == 0.0) > 0.5 and np.abs(flat).max() < 0.03
    assert np.all(thin == 0.0)


def _with_more_open_deals(source: Path, out: Path, last_created: date) -> None:
    """``source`` with a copy of every deal still open and created in its last 30 days (new ids)."""
    with source.open(newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    extra = []
    for row in rows:
        created = date(int(row["Created Date"][6:]), int(row["Created Date"][:2]), int(row["Created Date"][3:5]))
        if not row["Stage"].startswith("Closed") and created > last_created - timedelta(days=30):
            extra.append({**row, "Opportunity ID": row["Opportunity ID"] + "-copy"})
    assert len(extra) >= 20
    with out.open("w", newline="", encoding="utf-8") as f:
        writer = csv.DictWriter(f, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows + extra)


def test_a_fuller_pipeline_raises_the_next_month(tmp_path):
    """The same company with more deals open at the end of the last month: its next month's ranges are higher,
    through the lead alone (the won deals are the same)."""
    paths = generate(tmp_path / "company", reps=24, years=3, seed=7)
    fuller = tmp_path / "fuller.csv"
    _with_more_open_deals(paths["opportunities"], fuller, date(2026, 11, 13))
    medians, earlier = [], []
    for name, deals in (("plain", paths["opportunities"]), ("fuller", fuller)):
        conn = store.connect(tmp_path / f"{name}.duckdb")
        importing.import_file(conn, paths["reps"])
        importing.import_file(conn, deals)
        cal = calibrate(conn, "revenue", "month", "next", context=False)
        # A month before the extra deals were created is forecast from what was open then: the same.
        earlier.append(calibrate(conn, "revenue", "month", "2026-06", context=False).summary["p50"])
        conn.close()
        lead = cal.fit.period.lead
        assert lead is not None
        medians.append((cal.summary["p50"], lead.shift))
    (plain, plain_shift), (full, full_shift) = medians
    assert full_shift > plain_shift + 0.05
    ratio = float(np.median(full / plain))
    assert ratio == pytest.approx(np.exp(full_shift - plain_shift), rel=0.15)
    np.testing.assert_allclose(earlier[0].to_numpy(), earlier[1].to_numpy(), rtol=1e-9)


def test_baselines_says_what_the_pipeline_did(tmp_path, empty_db):
    """The lead moves every rep's range, so Baselines says by how much and why, in the engine's words."""
    paths = generate(tmp_path / "company", reps=24, years=3, seed=7)
    conn = store.connect(empty_db)
    for kind in ("reps", "opportunities"):
        importing.import_file(conn, paths[kind])
    lead = calibrate(conn, "revenue", "month", "next", context=False).fit.period.lead
    conn.close()
    assert lead is not None and lead.sentence.startswith("Open pipeline:")
    at = app_test("pages/baselines.py")
    at.radio(key="grain").set_value("month").run()
    assert not at.exception
    assert any(lead.sentence in c.value for c in at.caption)


@pytest.mark.parametrize("followed", ["revenue", "deals won"])
def test_the_lead_names_what_followed_the_pipeline(followed):
    said = PipelineLead(0.68, 0.224, 0.03, 0.04, 33).said(followed)
    assert f"on your history {followed} followed such moves at 0.68" in said
