"""The oracle's chance of reaching base: the rest of the period re-simulated from the sample generator's own law.

A forecaster that knows how :mod:`analytics.sample` made the company (every rep's true parameters: activity,
conversion and win rates, deal sizes and cycles, ramp, end-of-quarter push; the season; the regime's
growth, dip and December factors) and everything drawn by the day it forecasts on, but none of the draws
after it. Its chance that rep i reaches T_i is

    P(A_i + R_i >= T_i | world by day d),   R_i = sum of the amounts of rep i's deals won with a close in (d, end],

computed by drawing R_i ``n_scenarios`` times (:func:`oracle_chances`), each draw one joint scenario:

* **future shocks**: the AR(1) company shock of the months after d's month, c_m = 0.5 c_(m-1) + N(0, 0.1^2),
  from the known c of d's month; team and rep monthly shocks N(0, 0.05^2) and N(0, month_sd_i^2) for those
  months (the shocks of months begun by d are known: the month's activity shows them);
* **deals open at d** (created by d, not closed by d in the generator's world, the export's or not): their
  product, amount and rep are known; the cycle, the won draw, a lost deal's early close, the quarter-end push
  and the weekend shift are drawn again as the generator draws them, *conditioned on the deal still being
  open at d* (rejection: the first of ``CANDIDATES`` candidates with a close after d; a deal none of whose
  candidates is open counts as lost: see ``unconditioned`` in the result);
* **deals not yet created**: the generator's daily opportunity rate (calls x season x growth x the regime's
  volume x the shocks x ramp x conversion, plus inbound) on each working day in (d, end], Poisson counts,
  and each new deal drawn in full (product, cycle, won, amount, push, weekend).

What is left out, both tiny: that deals still open at d say a little about the company shock of the months
they would close in (the scenarios draw future shocks unconditioned), and which teammate inherits a leaver's
deal (deals keep the owner the generator gave them). The draws are seeded: the same arguments give the same
chances.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from datetime import date

import numpy as np
import pandas as pd

from analytics import sample
from analytics.sample_regimes import regime as named_regime

CANDIDATES = 24          # draws per open deal and scenario, of which the first still open at d is kept
N_SCENARIOS = 400
PIPELINE_DAYS = 400      # a won deal closes at most 270 days after it is created, plus a quarter-end push
_PRICE = np.array([p[1] for p in sample.PRODUCTS])
_PRODUCT_SHARE = np.array([p[2] for p in sample.PRODUCTS])
_CYCLE = np.array([p[3] for p in sample.PRODUCTS])


@dataclass
class World:
    """The generator's world of one company: roster, daily calendar, shocks and every deal (day indexes
    counted from the first simulated day; the calendar runs a year past as-of so pushed closes fit)."""

    roster: pd.DataFrame
    first_day: pd.Timestamp
    n_days: int              # simulated days (the first day .. as-of)
    month: np.ndarray        # per calendar day: month index from the first simulated month
    moy: np.ndarray          # per month index: month of year 0..11
    dow: np.ndarray          # per calendar day: 0 Monday .. 6 Sunday
    cal_month: np.ndarray    # per calendar day: month of year 1..12
    quarter_end: np.ndarray  # per calendar day: the day index of its quarter's last day
    company: np.ndarray      # per month: the AR(1) company shock
    team_shock: np.ndarray   # (teams, months)
    rep_shock: np.ndarray    # (reps, months), already times the rep's month_sd
    volume: np.ndarray       # per month: the regime's volume multiplier
    closing: np.ndarray      # per month: the regime's win multiplier
    ramp: np.ndarray         # (reps, simulated days)
    working: np.ndarray      # (reps, simulated days) bool
    deals: pd.DataFrame      # rep, owner, created, close (day indexes), won, amount, product

    def day(self, d: date) -> int:
        return int((pd.Timestamp(d) - self.first_day).days)


def rebuild_world(*, reps: int = 36, years: int = 3, seed: int = 7, as_of: date = sample.AS_OF,
                  regime: str = "default") -> World:
    """The world :func:`analytics.sample.generate` simulates for these arguments: the same generator calls
    on the same seeded stream, and the shocks re-drawn from a copy of the stream as ``_simulate`` draws them."""
    world = named_regime(regime)
    rng = np.random.default_rng(seed)
    start, sim_start = sample.window(as_of, years)
    roster, _ = sample._roster(rng, reps, start, as_of, world)
    shocks_rng = copy.deepcopy(rng)
    days, _, deals = sample._simulate(rng, roster, sim_start, as_of, world)
    n_days = len(days)
    calendar = pd.date_range(sim_start, periods=n_days + 400, freq="D")
    month = ((calendar.year - sim_start.year) * 12 + calendar.month - sim_start.month).to_numpy()
    n_months = int(month[n_days - 1]) + 1
    moy = (np.arange(month[-1] + 1) + sim_start.month - 1) % 12
    month_starts = pd.date_range(sim_start, periods=n_months, freq="MS")
    company = np.zeros(n_months)
    for m in range(1, n_months):
        company[m] = 0.5 * company[m - 1] + shocks_rng.normal(0, 0.1)
    team_shock = shocks_rng.normal(0, 0.05, (len(sample.TEAMS), n_months))
    rep_shock = shocks_rng.normal(0, 1, (len(roster), n_months)) * roster["month_sd"].to_numpy()[:, None]
    day_idx = days.to_numpy()
    r_start = roster["start"].to_numpy()[:, None]
    r_end = roster["end"].fillna(pd.Timestamp(as_of)).to_numpy()[:, None]
    working = (day_idx[None, :] >= r_start) & (day_idx[None, :] <= r_end) & (days.day_of_week < 5)[None, :]
    tenure = (day_idx[None, :] - r_start) / np.timedelta64(1, "D") / 30.44
    ramp = np.clip(tenure / roster["ramp_months"].to_numpy()[:, None], 0, 1)
    q_end = (calendar + pd.offsets.QuarterEnd(0)).normalize()
    first = pd.Timestamp(sim_start)
    frame = pd.DataFrame({
        "rep": deals["rep"].to_numpy(), "owner": deals["owner"].to_numpy(),
        "created": (deals["created"] - first).dt.days.to_numpy(), "close": (deals["close"] - first).dt.days.to_numpy(),
        "won": deals["won"].to_numpy(), "amount": deals["amount"].to_numpy(), "product": deals["product"].to_numpy()})
    return World(roster, first, n_days, month, moy, calendar.day_of_week.to_numpy(), calendar.month.to_numpy(),
                 ((q_end - first).days).to_numpy(), company, team_shock, rep_shock,
                 world.volume(month_starts, pd.Timestamp(as_of)), world.closing(month_starts, pd.Timestamp(as_of)),
                 ramp, working, frame)


def _future_company(w: World, known_month: int, n_scenarios: int, rng: np.random.Generator) -> np.ndarray:
    """(scenarios, months): the company shock, known up to ``known_month``, drawn after it."""
    out = np.broadcast_to(w.company, (n_scenarios, w.company.size)).copy()
    for m in range(known_month + 1, w.company.size):
        out[:, m] = 0.5 * out[:, m - 1] + rng.normal(0, 0.1, n_scenarios)
    return out


def _close_days(w: World, rep: np.ndarray, created: np.ndarray, product: np.ndarray, company: np.ndarray,
                scenario: np.ndarray, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """One draw of each deal's outcome as the generator draws it: (won, close day index, the month index
    its won close was drawn for: the month whose season and shock set its chance)."""
    r = w.roster
    n = rep.size
    cycle = np.clip(r["cycle"].to_numpy()[rep] * _CYCLE[product] * np.exp(0.45 * rng.normal(size=n)), 7, 270)
    won_close = created + np.round(cycle).astype(int)
    m_close = w.month[np.minimum(won_close, w.n_days - 1)]
    p_win = (r["win"].to_numpy()[rep] * (0.45 + 0.55 * w.ramp[rep, np.minimum(created, w.n_days - 1)])
             * sample.SEASON_CLOSE[w.moy[m_close]] * np.exp(0.5 * company[scenario, m_close]) * w.closing[m_close])
    won = rng.random(n) < np.clip(p_win, 0.01, 0.9)
    close = np.where(won, won_close, created + np.round(cycle * rng.uniform(0.4, 1.1, n)).astype(int))
    close = np.minimum(close, w.quarter_end.size - 8)
    pushed = ((w.cal_month[close] - 1) % 3 < 2) & (rng.random(n) < r["push"].to_numpy()[rep])
    close = np.where(pushed, w.quarter_end[close] - rng.integers(0, 12, n), close)
    wd = w.dow[close]
    monday = close + np.where(wd >= 5, 7 - wd, 0)
    friday = close - np.where(wd >= 5, wd - 4, 0)
    return won, np.where(w.cal_month[monday] == w.cal_month[close], monday, friday), m_close


def _open_deal_draws(w: World, open_deals: pd.DataFrame, day: int, end: int, company: np.ndarray,
                     rng: np.random.Generator) -> tuple[np.ndarray, float]:
    """(scenarios, deals): each open deal's amount won in (day, end] per scenario, and the share of
    (scenario, deal) pairs none of whose candidates was open at ``day`` (counted as lost)."""
    n_s, n_d = company.shape[0], len(open_deals)
    if n_d == 0:
        return np.zeros((n_s, 0)), 0.0
    scenario = np.repeat(np.arange(n_s), n_d * CANDIDATES)
    tile = lambda col: np.tile(np.repeat(open_deals[col].to_numpy(), CANDIDATES), n_s)  # noqa: E731
    won, close, _ = _close_days(w, tile("rep"), tile("created"), tile("product"), company, scenario, rng)
    open_at = (close > day).reshape(n_s, n_d, CANDIDATES)
    first = np.argmax(open_at, axis=2)
    found = open_at.any(axis=2)
    pick = lambda a: np.take_along_axis(a.reshape(n_s, n_d, CANDIDATES), first[..., None], axis=2)[..., 0]  # noqa: E731
    counts = pick(won) & found & (pick(close) <= end)
    return counts * open_deals["amount"].to_numpy()[None, :], float(1 - found.mean())


def _new_deal_draws(w: World, first: int, day: int, end: int, known_month: int, company: np.ndarray,
                    rng: np.random.Generator) -> np.ndarray:
    """(scenarios, reps): what deals created in (first, end] win with a close in (day, end] (first = day: the
    deals not yet created; first well before day: the open pipeline drawn from its law, not seen)."""
    r = w.roster
    n_s, n_r = company.shape[0], len(r)
    days = np.arange(max(first, -1) + 1, end + 1)
    months = w.month[days]
    team, rep_ix = r["team"].to_numpy(), np.arange(n_r)
    # each month's shocks, once: known for months begun by the day, drawn for the ones after it
    month_list, position = np.unique(months, return_inverse=True)
    future = month_list > known_month
    team_shock = np.broadcast_to(w.team_shock[:, month_list], (n_s, len(sample.TEAMS), month_list.size)).copy()
    rep_shock = np.broadcast_to(w.rep_shock[:, month_list], (n_s, n_r, month_list.size)).copy()
    team_shock[:, :, future] = rng.normal(0, 0.05, (n_s, len(sample.TEAMS), int(future.sum())))
    rep_shock[:, :, future] = rng.normal(0, 1, (n_s, n_r, int(future.sum()))) \
        * r["month_sd"].to_numpy()[None, :, None]
    shock = (company[:, month_list][:, None, :] + team_shock[:, team, :] + rep_shock)[:, :, position]
    growth = np.exp(0.04 * days / 365.25)
    level = (sample.SEASON_ACTIVITY[w.moy[months]] * growth * w.volume[months])[None, None, :] * np.exp(shock)
    working, ramp = w.working[:, days], w.ramp[:, days]
    funnel = (r["calls"] * r["p_cm"] * r["p_md"] * r["p_do"]).to_numpy()[:, None] * (0.3 + 0.7 * ramp)
    mean = level * (funnel + r["inbound"].to_numpy()[:, None]) * working[None]
    count = rng.poisson(mean)
    s, i, k = np.nonzero(count)
    times = count[s, i, k]
    s, i, k = np.repeat(s, times), np.repeat(i, times), np.repeat(k, times)
    created = days[k]
    product = rng.choice(len(sample.PRODUCTS), s.size, p=_PRODUCT_SHARE)
    won, close, m_close = _close_days(w, rep_ix[i], created, product, company, s, rng)
    ramp_c = w.ramp[i, created]
    amount = np.exp(r["size_mu"].to_numpy()[i] + r["size_sigma"].to_numpy()[i] * rng.normal(size=s.size))
    close_moy = w.moy[m_close]
    mega = rng.random(s.size) < 0.002
    amount *= _PRICE[product] * (0.6 + 0.4 * ramp_c) * np.where(close_moy >= 9, 1.05, 1.0) \
        * np.where(mega, rng.uniform(5, 9, s.size), 1.0)
    amount = np.maximum(np.round(amount / 50) * 50, 500.0)
    keep = won & (close > day) & (close <= end)
    out = np.zeros((n_s, n_r))
    np.add.at(out, (s[keep], i[keep]), amount[keep])
    return out


def oracle_chances(w: World, day: date, end: date, booked: np.ndarray, target: np.ndarray, reps: list[str], *,
                   sees_pipeline: bool = True, n_scenarios: int = N_SCENARIOS,
                   seed: int = 0) -> tuple[np.ndarray, dict[str, float]]:
    """Per rep of ``reps`` (names): P(booked + R >= target) as the oracle sees it on ``day``; and checks
    (the realised and the mean drawn remainder over these reps, the share of unconditioned open deals).

    ``sees_pipeline=False``: the oracle of an orders export, which does not see the deals open on ``day``
    and draws them from their law instead (deals created over the ``PIPELINE_DAYS`` before, kept when still
    open). Given the rates and shocks, which past deals closed by ``day`` says nothing about which are
    still open (a Poisson process split by a mark), so this is the best chance without the pipeline."""
    rng = np.random.default_rng(seed)
    d, e = w.day(day), w.day(end)
    known_month = int(w.month[d])
    company = _future_company(w, known_month, n_scenarios, rng)
    deals = w.deals
    rest = np.zeros((n_scenarios, len(w.roster)))
    unconditioned = 0.0
    if sees_pipeline:
        open_deals = deals[((deals["created"] <= d) & (deals["close"] > d)).to_numpy()]
        won_open, unconditioned = _open_deal_draws(w, open_deals, d, e, company, rng)
        np.add.at(rest.T, open_deals["owner"].to_numpy(), won_open.T)
    rest += _new_deal_draws(w, d if sees_pipeline else d - PIPELINE_DAYS, d, e, known_month, company, rng)
    index = {name: k for k, name in enumerate(w.roster["name"])}
    rows = np.array([index[name] for name in reps])
    drawn = rest[:, rows]
    need = np.asarray(target, dtype=float) - np.asarray(booked, dtype=float)
    p = np.where(need <= 0, 1.0, np.mean(drawn >= need[None, :], axis=0))
    realised = deals[(deals["won"] & (deals["close"] > d) & (deals["close"] <= e)).to_numpy()]
    real = realised.groupby("owner")["amount"].sum().reindex(rows).fillna(0.0).to_numpy()
    return p, {"realised": float(real.sum()), "drawn": float(drawn.mean(axis=0).sum()),
               "unconditioned": unconditioned}
