"""``python -m bench.regimes_table``: the model's backtest on every test company, into docs/calibration-regimes.md.

Each regime of :mod:`analytics.sample_regimes` is generated into a temporary folder, imported into a
fresh database through :mod:`analytics.importing` (the path a manager's files take), and backtested
(:func:`analytics.backtest.run_backtest`: rolling origins, the variant chosen on the early ones and
the later ones reported; quarters from monthly origins) on revenue at month and quarter grain, then
every fixed variant on the same reported origins (the variants table). The table it writes is the
measure the calibration work of the regimes is judged by;
it names the date and the commit it was measured at. Options: ``--reps``, ``--years``, ``--seed``,
``--out`` (default docs/calibration-regimes.md).
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path
from typing import NamedTuple

import numpy as np

from analytics import importing, store
from analytics.backtest import BacktestResult, run_backtest
from analytics.model_variants import BY_NAME as VARIANTS_BY_NAME
from analytics.model_variants import VARIANTS
from analytics.sample import generate
from analytics.sample_regimes import REGIMES

ROOT = Path(__file__).resolve().parent.parent
LEVELS = (0.10, 0.25, 0.50, 0.75, 0.90)
GRAINS = ("month", "quarter")


class RegimeScore(NamedTuple):
    """One regime at one grain: what the table shows."""

    regime: str
    grain: str
    forecasts: int
    plain: tuple[float, ...]  # share of outcomes at or below each level's quantile, minus the level
    randomized: tuple[float, ...]  # the same from the randomized PIT (ties at zero spread out)
    crps_gain: float  # 1 - model CRPS / best naive rule's CRPS: positive when the model is better
    best_naive: str
    chosen: str = "–"  # the variant chosen as it went (:func:`_chosen`)
    variants: tuple[tuple[float, float], ...] = ()  # per fixed variant: (worst coverage error, CRPS gain)
    other_route: RegimeScore | None = None  # quarter rows: the quarterly fit from the same origins (:func:`score`)
    zero_share: float = float("nan")  # share of the forecasts whose outcome was exactly 0 (no sale that period)


def measure(name: str, folder: Path, *, reps: int, years: int, seed: int) -> list[RegimeScore]:
    """Generate, import and backtest one regime; one score per grain."""
    paths = generate(folder / name, reps=reps, years=years, seed=seed, regime=name)
    conn = store.connect(folder / f"{name}.duckdb")
    try:
        for path in paths.values():
            importing.import_file(conn, path)
        out = []
        for grain in GRAINS:
            chosen = run_backtest(conn, "revenue", grain, levels=LEVELS)
            fixed = [score(name, run_backtest(conn, "revenue", grain, levels=LEVELS, variant=v)) for v in VARIANTS]
            row = score(name, chosen)._replace(chosen=_chosen(chosen),
                                               variants=tuple((_worst(f), f.crps_gain) for f in fixed))
            if grain == "quarter":
                fit = run_backtest(conn, "revenue", grain, levels=LEVELS, route="fit")
                row = row._replace(other_route=score(name, fit)._replace(chosen=_chosen(fit)))
            out.append(row)
        return out
    finally:
        conn.close()


def routes_table(scores: list[RegimeScore]) -> list[str]:
    """Markdown rows: per regime, the quarter as the sum of three monthly forecasts (the product's route) and
    the quarterly fit on three-month windows, both from every month-end, the variant chosen as it goes."""
    head = ["regime", "route", "forecasts", *(f"P{round(100 * lv)}" for lv in LEVELS), "worst",
            "CRPS vs best naive rule"]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for s in scores:
        if s.other_route is None:
            continue
        for route, r in (("sum of three months", s), ("quarterly fit", s.other_route)):
            lines.append(f"| {s.regime} | {route} | {r.forecasts:,} | " + " | ".join(_pts(e) for e in r.randomized)
                         + f" | {100 * max(abs(e) for e in r.randomized):.1f} | {_pts(r.crps_gain)}% |")
    return lines


def score(name: str, result: BacktestResult) -> RegimeScore:
    """The table's figures from one backtest."""
    cov = result.coverage
    # Each rule against the model on the forecasts it could make (a year-ago period for the same period last year).
    best, gain = result.best_rule() or ("–", float("nan"))
    y = result.forecasts["y"].to_numpy(dtype=float) if len(result.forecasts) else np.zeros(0)
    return RegimeScore(name, result.grain, result.n_forecasts,
                       tuple(float(x) for x in cov["covered"] - cov["nominal"]),
                       tuple(float(x) for x in cov["covered_randomized"] - cov["nominal"]), float(gain), best,
                       zero_share=float(np.mean(y == 0)) if y.size else float("nan"))


def _chosen(result: BacktestResult) -> str:
    """The variant chosen as it went: the one for the next period, the origins each was used at."""
    choice = result.variant_choice
    if choice is None:
        return "–"
    used = Counter(choice.used.values())
    uses = ", ".join(f"{VARIANTS_BY_NAME[k].label} {n}" for k, n in used.most_common())
    return f"{choice.chosen.label} ({uses}; {_pts(choice.gain)}% vs standard)"


def _worst(s: RegimeScore) -> float:
    return max((abs(x) for x in (*s.plain, *s.randomized) if np.isfinite(x)), default=float("nan"))


def variants_table(scores: list[RegimeScore]) -> list[str]:
    """Markdown rows: per regime x grain, each fixed variant's worst coverage error and CRPS gain."""
    head = ["regime", "grain", "chosen", *(v.label for v in VARIANTS)]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for s in scores:
        cells = [f"{100 * w:.1f} / {_pts(g)}%" for w, g in s.variants]
        lines.append(f"| {s.regime} | {s.grain} | {s.chosen} | " + " | ".join(cells) + " |")
    return lines


def _pts(x: float) -> str:
    return "–" if not np.isfinite(x) else f"{100 * x:+.1f}".replace("-", "−")


def table(scores: list[RegimeScore]) -> list[str]:
    """Markdown rows: a regime x grain per row; coverage error as plain / randomized points."""
    head = ["regime", "grain", "chosen variant", "forecasts", "outcomes at 0",
            *(f"P{round(100 * lv)}" for lv in LEVELS), "worst", "CRPS vs best naive rule"]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for s in scores:
        worst = _worst(s)
        cells = [f"{_pts(p)} / {_pts(r)}" for p, r in zip(s.plain, s.randomized, strict=True)]
        gain = "–" if not np.isfinite(s.crps_gain) else \
            f"{_pts(s.crps_gain)}% ({s.best_naive.replace('_', ' ')})"
        zeros = "–" if not np.isfinite(s.zero_share) else f"{100 * s.zero_share:.1f}%"
        lines.append(f"| {s.regime} | {s.grain} | {s.chosen} | {s.forecasts:,} | {zeros} | " + " | ".join(cells)
                     + f" | {'–' if not np.isfinite(worst) else f'{100 * worst:.1f}'} | {gain} |")
    return lines


def _commit() -> str:
    try:
        # "-dirty": measured on a working tree with changes not yet committed.
        out = subprocess.run(["git", "describe", "--always", "--dirty", "--abbrev=7"], cwd=ROOT,
                             capture_output=True, text=True, check=True)
    except (OSError, subprocess.CalledProcessError):
        return "unknown"
    return out.stdout.strip()


ROUTES_TEXT = [
    "## Quarters: the sum of three months against the quarterly fit, from the same monthly origins",
    "",
    "`calibrate(grain=\"quarter\")` and the quarter backtest forecast a quarter the same way: for money",
    "(the log model), the simulated sum of three monthly forecasts (`analytics/quarter_sum.py`); the",
    "backtest makes that forecast at every month-end for the next three months. The alternative is the",
    "log model fitted on quarterly totals: from a month-end, on the three-month windows before it",
    "(`analytics/quarter_windows.py`; at a fiscal quarter's start these are the fiscal quarters). Both",
    "from the same origins, the variant chosen as it goes: *randomized-PIT coverage error in points*, the",
    "worst of them, and the CRPS against the best naive rule (the rules see the same quarters in both).",
    "The sum is the route both use (the decision is below the table), for deals won and closed deals too",
    "since 2026-12-07 (`analytics/count_quarter.py`), in calibrate and backtest alike; activity counts keep",
    "the quarterly fit on the windows.",
    "",
]

# A record of the measurement that decided the route (2026-12-05), not measured by this command.
ROUTES_DECISION = [
    "",
    "**Why the sum.** Until 2026-12-05 `calibrate` fitted quarterly totals while the quarter backtest",
    "tested the sum, so the backtest did not test the product's model. Both routes were then scored on the",
    "same forecasts (the same origin and rep; fixed standard model and chosen as it goes; tests/test_regime_coverage.py's",
    "companies, 24 reps, plus the Maven CRM export): over every month-end, the sum's CRPS was lower on all",
    "eight companies, by 0.9% (shrinking) to 5.9% (year-end spike) with the variant chosen as it goes, and",
    "7.5% on Maven; its worst coverage error was the smaller on six (default and orders only 4.8 against",
    "7.2 points, dip 3.7 against 6.4, shrinking 1.0 against 2.8) and the larger on growth (19.3 against",
    "17.0), the year-end spike (3.9 against 3.6) and Maven (11.7 against 10.0, 120 forecasts). At the fiscal",
    "quarters' first months only (36 reps, a third of the origins; seven companies and Maven) the sum was",
    "better on five (growth −5.6%, spike −5.7%, Maven −8.4%) and worse on shrinking (+5.6%), leavers (+1.8%)",
    "and ramping hires (+1.3%).",
    "In that day's table (36 reps; not matched row for row: the quarterly fit also forecasts reps who start",
    "in the window's second or third month) the sum had the higher skill on five of the eight companies",
    "(growth 13.0% against 6.9%) and the lower on the three whose roster changes most (shrinking, ramping",
    "hires, leavers: 2.6-3.1 points). A quarterly fit has a few points per rep (two to twelve quarters",
    "here); the monthly model sees three times as many, and a month-end with four months behind it can",
    "already forecast a quarter.",
    "",
    "**The summed quarter's variant is the monthly model's** (since 2026-12-06). It was chosen on the",
    "summed quarters themselves (each variant's simulated sum at 24 month-ends, only the origins whose three",
    "months were over counting): 2.0 of a cold quarter calibration's 2.5 CPU seconds at 1,000 reps, a page's",
    "first render. The monthly model's own choice (one month ahead at the month-ends, every earlier one",
    "known at a quarter's origin; the same scores as the month grain's) costs 0.6. Measured with this",
    "command on the same day, sum of three months, before and after: the worst coverage error fell on four",
    "companies (growth 15.3 to 9.8 points, shrinking 7.0 to 5.9, year-end spike 3.1 to 2.5, leavers 3.3 to",
    "1.5) and moved on none other; the CRPS skill rose on growth (13.0% to 20.4%: the trend is taken",
    "after four months, not at the last two origins) and shrinking (6.5% to 7.0%) and fell on the year-end",
    "spike (19.4% to 16.6%: the month takes the trend at 10 of 24 origins, as its own row does) and leavers",
    "(14.7% to 14.0%); the other four are unchanged (the standard model either way). The coverage tests'",
    "quarters (24 reps) pass as before, growth still a known failure.",
    "",
    "**Counts' quarters are summed from months too** (2026-12-07). Deals won and closed deals at quarter",
    "grain had kept the gamma-Poisson fitted on three-month windows: a team level that moves once a quarter,",
    "on two to twelve points per rep, and no pipeline lead. On the growing company (36 reps, the companies of",
    "this table with deals imported) its quarters held far too little: randomized-PIT P90 −20.6 points for",
    "deals won and −26.6 for closed deals, CRPS −3.1% and −30.2% against the best naive rule. Now a count's",
    "quarter is the negative binomial with the exact mean and variance of its three months' sum: each rep's",
    "rate shared by the months, the team's level carried forward month by month with the pipeline's lead and",
    "trend and its shock shared by every rep (the monthly model's path and covariance), and the quarter's own",
    "dispersion beyond Poisson measured on the rep's past three-month totals, each around the rate from the",
    "rep's other windows (phi 0.10-0.17 a month is mostly a rep's month-of-quarter pattern, which sums out of",
    "a quarter; summing independent months with it read every steady company's quarters too wide). Scored",
    "on the same forecasts (origin and rep) before and after: growth CRPS −31.3% (deals won) and −34.6%",
    "(closed), P90 −20.6 to −6.0 and −26.6 to −14.8 (worst −20.6 to −9.6 and −26.6 to −15.1); default −3.9% and",
    "−5.9%, dip −4.5% and −6.3%, shrinking +0.6% and −4.8%, year-end spike −6.9% and −6.1%, ramping hires",
    "+0.1% and −4.1%, leavers +0.2% and −1.6%, orders only −0.1%. Worst coverage error, before to after,",
    "deals won / closed deals: default 2.1 to 1.6 / 2.3 to 3.8, dip 3.6 to 2.5 / 2.3 to 4.0, shrinking 6.2 to",
    "5.4 / 8.3 to 7.5, year-end spike 2.4 to 3.2 / 2.7 to 4.8, ramping hires 3.0 to 2.0 / 7.7 to 3.9, leavers",
    "3.5 to 2.4 / 5.3 to 1.7, orders only 2.1 to 2.3 (closed deals' medians sit 4-5 points high on the steady",
    "companies, as the month's do). Months are unchanged. Activities (24 reps, default and growth companies):",
    "demos, proposals and opportunities CRPS −3.6% to −17%; meetings, which the windows' fit had sent to the",
    "log model (over 50 a quarter), −6.5% on the default company with its P25 −11.4 points (was +1.2), and",
    "+2.6% on the growing one, whose monthly meetings already miss the growth (no pipeline leads them).",
    "Tried on the way: the months' own phi, independent months (growth P90 −4.1 and −11.6, but steady",
    "companies' closed deals too wide: P10 −2.6, P90 +3.8), and the quarters' in-sample phi (0.00-0.01: too",
    "narrow, P10 +5.1); the quarter's team variance measured on the series' own origins changed nothing.",
    "Adopted for deals won and closed deals, whose months the open pipeline leads; activity counts keep the",
    "windows' fit (`backtest_cases.quarter_route`): nothing leads them month by month, and the meetings'",
    "coverage (P25 −11.4) is outside the aim, though demos and proposals would gain. Opportunities created",
    "(2026-12-07, 36 reps, sum against windows, CRPS): growth −18.5%, default and year-end spike −3.6%, dip",
    "−4.5%, leavers −5.3%, but shrinking +3.5% (P50 −8.2) and ramping hires +14%: kept on the windows.",
]

# A record of an experiment (2026-12-05, tests/test_regime_coverage.py's companies: 24 reps, seed 7), not
# measured by this command: the forms of the team trend tried on `growth` and why none was adopted.
GROWTH_TRIED = [
    "## Growth: team trends tried, and what was adopted",
    "",
    "Measured 2026-12-05 on the coverage tests' companies (24 reps, 3 years, seed 7; randomized-PIT",
    "errors in points at P10 / P25 / P50 / P75 / P90; *fixed*: the trend at every origin, *chosen*: as it goes).",
    "Today's damped trend: growth month P50 −14.6 fixed, −12.3 chosen; quarter −18.5 fixed, −19.3 chosen",
    "(the coverage test allows 7.7 and 12.3 points at P50). Per origin, P50 coverage was 0.48 on the 21 flat",
    "origins and 0.25 on the last 12 (the growth).",
    "",
    "- **Local linear trend by Kalman filter** (level and slope disturbances and the noise by maximum",
    "  likelihood, damping estimated): on the whole growth series it picks a random walk (level variance",
    "  3x the noise, slope variance 0, phi 0.7), as the damped trend does: 21 flat periods outweigh 10 of",
    "  growth. Growth month P50 −13.5 fixed; steady quarters 2% worse CRPS than today's trend.",
    "- **The same with a discounted likelihood** (recent periods weigh more, 0.8 or 0.6 per period): the",
    "  slope is found (0.11-0.16 a month late in the growth). Fixed: month P50 −12.0 (0.8); with the zero",
    "  odds below −9.2 (0.8) and −7.0 (0.6). Chosen as it goes: −8.5 month, −12.9 quarter (0.6), because",
    "  the trend wins only on the growth origins and is chosen at the last 3-5 of 24; and it costs the",
    "  steady companies' quarters 2.8-4% CRPS (default quarter 0.5005 against 0.4814; fixed, +15%).",
    "- **Zero odds that follow the team level** (a rep's zero share moved on the complementary log-log scale",
    "  by the forecast level against the level it was measured at): the growing company had 4% zero months",
    "  in its growth against the 17% its history said. In every variant: growth month P50 −7.7 chosen (the",
    "  limit), quarter P25 −11.3 (limit 10.9); steady months +0.3 to +0.7% CRPS, quarters +2.9 to +3.6%. With",
    "  today's trend only: month −11.3, quarter −18.7, default quarter +1.2%. Shrunk by the level's forecast",
    "  variance (James-Stein), in every variant: steady companies +0.0 to +0.2%, growth month −11.4, quarter −19.2.",
    "- **A faster choice** (past origins' errors decayed by 0.8 per origin): month −9.2, quarter −11.8.",
    "- **Momentum** (today's level plus a James-Stein-shrunk slope of the last 4 or 6 periods): not",
    "  chosen in the growth (standard at 22-24 of 24 origins); month P50 −11.8.",
    "",
    "None met the rule for adoption (steady companies within 1% CRPS, no coverage test broken) and the",
    "growth's coverage at once, so the growth tests stay marked as known failures.",
    "",
    "Measured 2026-12-06 on the same companies (P50 error chosen as it goes; CRPS against that day's code):",
    "",
    "- **Adopted: the trend as a line through the last nine months** (`analytics/team_trend.py`: least",
    "  squares, the slope shrunk by its noise and damped by 0.9, the error covariance measured on the",
    "  series' own earlier origins), in place of the damped exponential smoothing whose one-step errors chose",
    "  alpha 1, beta 0 (a random walk, no slope) at every late origin of the growth; **and zero shares that",
    "  follow the team level** (`zero_shares.level_zero_link`: each period's zero months against those the",
    "  reps' shares expect, on the log-odds scale, regressed on the team level by weighted least squares; the",
    "  slope shrunk by its standard error and kept only when negative, so a steady team's shares are left",
    "  exactly as they were). Growth month P50 −12.3 to −8.9 (CRPS −4.3%), quarter −18.5 to −16.4 (−8.8%);",
    "  the steady companies within 0.2% CRPS or better (year-end spike month −1.4%, ramping hires −0.7% and",
    "  −1.0%); no coverage test broken. Still outside the growth's limits (7.7 and 12.3 points): the trend is",
    "  chosen only from the fifth month of growth on, and the first growing quarters are forecast low.",
    "- **The season from a centred moving average over a year** (classical decomposition) in place of a line",
    "  through the whole history, with the choice below: growth quarter −15.3, but the default company +1.6%",
    "  CRPS a month and +2.8% a quarter (the first and last six months give no season). A linear spline with a",
    "  knot each year back (a level that bends once a year) in the same place, fixed standard model: default",
    "  +0.2% and +1.0%; with the adopted changes, growth quarter −18.2 (no gain).",
    "- **A faster choice** (an origin's error halves in weight three origins on) beside the adopted changes:",
    "  growth quarter −16.4 (no gain at 24 reps; −7.3 at 36 reps), default quarter +2.0%, year-end spike",
    "  quarter +4.4% (the trend taken on noise). With a paired test before a change (the recent mean",
    "  difference beyond twice its standard error): growth quarter −18.2.",
    "",
    "Measured 2026-12-06 (randomized-PIT P50 error, chosen as it goes; CRPS against the code before):",
    "",
    "- **Adopted: the open pipeline as a lead on the team level** (`analytics/pipeline_lead.py`). In the",
    "  growth company the deals created grow a sales cycle before the revenue does, and the deals open at the",
    "  end of the last period are known at the forecast. Each ramped rep's deals open at each period's end",
    "  (created on or before it, not yet won or lost, at most a year old) are added up; x_t, their log per",
    "  ramped rep net of its month-of-quarter means (less is open at a quarter's end, when deals close),",
    "  moves the standard model's level by beta (x_T - mean x_{T-3..T-1}); beta is fitted on the series' own",
    "  earlier origins (the three-period mean's one-step errors against the pipeline's moves; the counts'",
    "  Poisson noise corrected for; a prior of sd 0.5 around 1) and the move now is shrunk by its own noise.",
    "  24 reps: growth month P50 −8.9 to −7.6 (within its limit: the test is no longer a known failure),",
    "  quarter −16.4 to −14.2; CRPS lower on every company with created dates (growth −1.1% and −5.4%,",
    "  default −0.7% and −2.2%, dip −0.9% and −2.7%, year-end spike −1.6% and −3.9%, shrinking −0.1% and",
    "  −0.8%, leavers +0.1% and −1.0%), ramping hires unchanged; orders only has no created dates (no lead).",
    "  36 reps (the table above): every other company's skill up 0.1-6.3 points, the growth's month 22.2% to",
    "  22.0% and quarter 21.2% to 19.3% (P50 −12.1 to −13.7: with the lead the standard model is chosen longer",
    "  and the trend, better for quarters, later). Tried on the way and not kept: beta by least squares shrunk",
    "  by its noise, with no prior (0 on the steady companies, 0.4-0.8 on the growth: growth month −7.9);",
    "  beta fixed at 1 (growth month −6.1, but ramping hires' quarter P50 −7.2 to −11.0: the pipeline's",
    "  month-of-quarter swing read as moves); hires counted at their revenue ramp's weight (no better than",
    "  leaving them out); the lead on the trend variant's own one-step errors too (no gain: growth quarter",
    "  −13.7 either way at 36 reps). The open deals cost one more grouping of the deals in the panel read",
    "  (bench/README.md, Calibration speed).",
    "",
    "Measured later on 2026-12-06, with the lead's move alone (randomized-PIT errors; 36 reps unless said),",
    "none adopted:",
    "",
    "- **The summed quarter's variant chosen on the summed quarters** (each variant's simulated sum at 24",
    "  month-ends, a quarter's score counting three months on) with the line trend and the lead: growth",
    "  quarter P50 −13.7 to −10.7 (CRPS −4.3%), the trend taken at the last three month-ends; every other",
    "  company unchanged. Still outside the aim, at three times the CPU of the monthly choice in a page's",
    "  first quarter render.",
    "- **A faster choice, again** (each past origin's error decayed by 0.9 or 0.8 per origin; monthly scores,",
    "  2% margin). 36 reps: growth quarter worst 13.7 to 9.3 (0.9) or 8.5 (0.8: P25 −8.5, P50 −8.2), month",
    "  6.4 to 4.0 or 3.1, quarter CRPS −5.3% or −6.1%; the steady companies within +0.3%. 24 reps (the coverage",
    "  tests' companies): growth quarter unchanged (P50 −14.2; at 24 reps the trend's monthly forecasts were",
    "  worse than the standard model's at four of the growth's first six month-ends), shrinking +0.8% to +1.1%",
    "  CRPS. A gain at one team size and not at the other is a choice fitted to noise.",
    "- **The pipeline's lead per step** (beta_h on the h-step errors of the mean of three, h = 1..3, the same",
    "  prior): through the growth's months beta_3 0.45-0.89 against beta_1 0.67-0.81 (default company",
    "  0.21-0.32 against 0.61-0.69). The deals open at a month-end say no more about the quarter's third month",
    "  than about its first, so a lead per step cannot carry the growth's later months. Not built.",
    "- **The quarter's team-level covariance measured on the series' own origins** (the errors of the mean of",
    "  three at steps 1..3, in place of v (1 + w^2 min(h, k))): the variance of the three steps' sum 6.7 v on",
    "  the default company and 10.6 v on the growth, against 10.25 v today. No wider for the growth (its miss",
    "  is a bias, not a spread); narrower for the steady companies, whose quarters are within their limits",
    "  as they are. Not built.",
    "",
    "Measured 2026-12-06, last (randomized-PIT P50 error, chosen as it goes; CRPS against the code before):",
    "",
    "- **Adopted: the pipeline's own trend in the lead** (`analytics/pipeline_lead.py`): the slope of a line",
    "  through the last nine months of open deals per ramped rep (shrunk by its wobble and the counts' noise,",
    "  so a flat or thin pipeline has none), damped by 0.9 a month, carried into every step of the level at",
    "  the move's beta: d_{T+h} = mean of three + beta (z_T + (0.9 + ... + 0.9^h) b_T). The growing company's",
    "  pipeline rose 0.07-0.15 a month (log) through its growth, measured as it went; the revenue's own line",
    "  is noisier and later. 24 reps: growth quarter P50 −14.2 to −10.9 (inside its limit of 12.3: the last",
    "  known failure of the coverage tests is un-marked), month −7.6 to −5.1; CRPS −4.7% and −0.5%. 36 reps",
    "  (the table above): quarter −13.7 to −10.0 (skill 19.3% to 23.2%), month −6.4 to −5.4 (22.0% to 22.8%);",
    "  the steady companies within 0.2% CRPS either way. On two more draws of the growth company (seeds 8 and",
    "  9, 24 and 36 reps) its quarters' CRPS fell 0.2% to 6.5%; the months' fell on five of the six draws",
    "  and rose 1.2% on one. Measured beside it and not kept: the trend from the second step only (the revenue",
    "  a month behind the pipeline), beta fitted on the move and the trend together, and the one of those two",
    "  with the lower one-step errors on the team's own origins: each forecast the growing quarters worse on",
    "  four, five and six of the six draws (CRPS up to 2.6% higher); windows of 6 or 12 months (6: ramping",
    "  hires' quarters +2.2% CRPS; 12: a growth found later). Long sales cycles (a scratch run: every cycle",
    "  three times as long, 3-5 months; 36 reps): the trend lowered the growth's CRPS (months −0.8%, quarters",
    "  −3.2%, P50 −10.1 to −7.4) and left the default company's within 0.1%; six times as long (6-11 months),",
    "  the growth's CRPS rose 0.1% (months) and 0.3% (quarters) with its coverage a little better (quarter P50",
    "  −5.2 to −3.4), the default company's 0.0% and −0.2%: a revenue trailing its pipeline by many months",
    "  gets a step of trend it does not need, at little cost. A growth that stopped a year before as-of (the",
    "  same company, 36 reps; a scratch run): over the eleven month-ends after it the trend did not carry it",
    "  on too far: the quarters' CRPS there 0.647 without it, 0.595 with (P50 −26.3 and −15.3: revenue kept",
    "  rising behind its pipeline, under-forecast either way), the months' 0.856 and 0.843.",
    "- Tried after it and not kept (growth quarter P50 at 36 / 24 reps, today −10.0 / −10.9): beta fitted with",
    "  recent origins weighing more (0.9 or 0.8 a month: −11.7 / −10.7); the pipeline's month-of-year season",
    "  taken off as the level's is (−11.2 / −12.1, the steady companies +0.2% to +0.7% CRPS); the trend from the",
    "  deals created each month instead of those open (−9.7 / −11.2, CRPS within 0.1%); a six-month line when",
    "  clearer and steeper than the nine-month one (−9.6 / −10.7): none worth its knob.",
    "- The zero months' link to the team level fitted by the binomial likelihood (``zero_shares.level_zero_link``,",
    "  2026-12-06): a line through each period's clipped log-odds read a period without a zero month as half",
    "  one, which tripled a small team's zero shares (5 reps at 3%: 10%; a P10 of $0 for every rep). At 36 reps",
    "  the line's log-odds bias had held the zero shares a little lower, and the likelihood costs 0.1-0.3% CRPS",
    "  on every row, growth quarter P25 −8.9 to −10.2 and P50 −10.0 to −10.7: kept, since the small team's",
    "  error was a figure a manager sees and this is within one draw's wobble.",
    "- Then still outside the aim of 8 points: the growth's quarters at 36 reps (P25 −10.2, P50 −10.7). For",
    "  scale: the steady default company drawn with seed 9 (36 reps) reads P50 −7.6 in its quarters.",
    "",
    "Measured 2026-12-07 (36 reps, the table above; CRPS against the code before):",
    "",
    "- **Adopted: a team season only as far as the years agree** (`panel_arrays.shrunk_season`). The season",
    "  was each month of the year's mean of the team effect less a line through the whole history; in the",
    "  growing company the line's misfit through ten months of fivefold growth was read as a season, and a",
    "  growing August was forecast at a third of the months before it (its demos: 672 against 2,050). The",
    "  pattern is now shrunk by tau^2 / (tau^2 + se_k^2), tau^2 the mean product of the pairs of values of one",
    "  month in different years (what repeats), se_k^2 the noise of the month's mean. Growth month P50 −6.0 to",
    "  −0.5, quarter P25 −9.8 to −5.9 and P50 −10.6 to −2.3 (within the aim), CRPS −0.9% and −1.8%; the",
    "  steady companies, whose summer dip and year-end high repeat but are shrunk by a third or more: +0.1%",
    "  to +1.0% CRPS (default +0.35% and +0.5%, dip +0.5% and +0.6%, year-end spike +0.5% and +0.9%, leavers",
    "  +0.1% and +1.0%, orders only +0.9% a month; ramping hires −0.3% and −0.2%); Maven unchanged (ten",
    "  months: no season). Counts (the same function): the growing company with activities (24 reps) months'",
    "  CRPS against the best naive rule demos −18% to −3%, meetings −22% to −4%, opportunities −14% to −3%.",
    "  Measured beside it: the same shrinkage with tau^2 from the pattern's spread less its noise (every",
    "  month's wander counted as noise: the steady companies' seasons cut to 0-36%, up to +1.2% CRPS), and no",
    "  season at all for counts (the same months' gain, quarters of the steady companies 1.5 points lower).",
    "",
]


def document(scores: list[RegimeScore], *, reps: int, years: int, seed: int, seconds: float) -> str:
    """The whole docs page: what was measured, how to read it, the table, and each regime in a line."""
    stamp = datetime.now(UTC).strftime("%Y-%m-%d")
    return "\n".join([
        "# Calibration on the test companies (regimes)",
        "",
        f"Measured {stamp} at commit `{_commit()}` by `python -m bench.regimes_table` "
        f"({reps} reps, {years} years of history, seed {seed}; {seconds:.0f} s). Regenerate it with the same command.",
        "",
        "Each test company is written by `python -m analytics sample --regime NAME`, imported like a manager's",
        "files, and backtested on revenue from rolling origins (every complete month or quarter with at least",
        "four before it). The model's variant is chosen as it goes (prequential): each origin is forecast with",
        "the variant of lowest error over the scored origins before it (the standard model until four are",
        "behind it; a change needs 2% lower error), so every origin is reported and none was chosen on",
        "itself; a quarter summed from months uses the monthly model's choice at its month-end. The *chosen",
        "variant* column names the variant for the next period, how many scored origins each variant",
        "forecast, and the error of those forecasts against the standard model's alone (on the scored",
        "origins; positive: the choice helped). Quarters are forecast from monthly",
        "origins: each month-end forecasts the sum of the next three months (overlapping windows, so their",
        "forecasts are not independent: judge them by the origins, not the count).",
        "",
        "- **P10 … P90**: coverage error in points, *plain / randomized PIT*: the share of outcomes at or below",
        "  the forecast's quantile minus the level (P50 at −6.9: only 43% of outcomes fell at or below the",
        "  median). Plain counts an outcome equal to the quantile (a zero month) as covered; the randomized PIT",
        "  spreads such ties, so it is the fairer figure on sparse data.",
        "- **outcomes at 0**: the share of forecasts whose outcome was exactly 0 (a rep-month with no sale). No",
        "  quantile of revenue is below 0, so every such outcome is at or below every quantile: the plain",
        "  figure at P10 cannot be below this share minus 10 points whatever the forecast (15% zero months: at",
        "  least +5.0). Read from the PIT itself, F(y) <= p, the same ties fall the other way (a zero month",
        "  whose forecast gave 0 more than 10% is not covered at P10): at commit fcaf674 the months' P10 read",
        "  −4.0 to −6.2 points that way against +5.4 to +8.8 this way (today +5.3 to +8.7), and the randomized",
        "  PIT, which splits each tie by the forecast's own mass at 0, −1.4 to +1.2 (today −1.5 to +1.1).",
        "- **worst**: the largest error of the row, in points.",
        "- **CRPS vs best naive rule**: 1 − model CRPS / the CRPS of the best of the naive rules (trailing mean,",
        "  same period last year, each rep's own percentiles, ...); positive: the model is better.",
        "- The target (issue: calibration that holds when the whole team grows or dips): within 5 points at",
        "  P10/P90 and 8 points at P25–P75, and a CRPS at least as good as the best naive rule.",
        "",
        *table(scores),
        "",
        "## The variants on the same reported origins",
        "",
        "Each fixed variant of `analytics/model_variants.py`, used at every origin the table above",
        "reports: *worst coverage error in points / CRPS vs the best naive rule*.",
        "",
        *variants_table(scores),
        "",
        *ROUTES_TEXT,
        *routes_table(scores),
        *ROUTES_DECISION,
        "",
        *GROWTH_TRIED,
        "## The regimes",
        "",
        *(f"- `{r.name}`: {r.description}." for r in REGIMES.values()),
        "",
        "Every regime is the default company of the same seed with one thing changed, so its rows compare",
        "with the default's. `orders_only` holds the default company's won deals: its revenue backtest equals",
        "the default's by construction; what it tests is the import of an orders export and the figures that",
        "need no stages, created dates or activities.",
        "",
    ])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.regimes_table", description=__doc__)
    parser.add_argument("--reps", type=int, default=36)
    parser.add_argument("--years", type=int, default=3)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--out", default=str(ROOT / "docs" / "calibration-regimes.md"))
    args = parser.parse_args(argv)
    began = time.perf_counter()
    scores: list[RegimeScore] = []
    with tempfile.TemporaryDirectory(prefix="regimes-") as tmp:
        for name in REGIMES:
            scores += measure(name, Path(tmp), reps=args.reps, years=args.years, seed=args.seed)
            print(f"{name}: {time.perf_counter() - began:.0f} s", flush=True)
    text = document(scores, reps=args.reps, years=args.years, seed=args.seed, seconds=time.perf_counter() - began)
    Path(args.out).write_text(text, encoding="utf-8")
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
