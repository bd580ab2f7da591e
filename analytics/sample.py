"""The deterministic sample company: four CRM-shaped exports grown from a sales funnel.

The world is simulated day by day for every rep (calls and emails at the rep's activity level x
season x ramp x shared monthly shocks), and everything else follows from it: meetings, demos and
opportunities are binomial thinnings with the rep's own persistent conversion rates; each
opportunity gets a deal size, a sales cycle and an outcome with the rep's win rate. Revenue is
whatever the funnel closes. A year before the exported window is simulated too, so the window opens
with a realistic pipeline and the first year's naive quotas have a basis.

World (defaults): 36 reps in 3 teams (one manager each, two regions each); ~19% of the roster are
hires inside the window (ramping over 3-6 months), ~14% leave (weaker reps more often). A latent
talent moves activity, call->meeting, win rate and deal size together (top/bottom ~5x); each rep
has one weak stage (rate x0.5-0.7), a deal-size spread (volatility), a month-to-month noise level
and, for ~30%, an end-of-quarter push. Shared: an AR(1) monthly company shock, a small team shock,
4%/year growth, seasonality (Q4 budget flush, July-August dip). Past quotas are naive: last year's
same month x 1.1 (new hires: team average x 1.1 x a 25/50/75/100% plan ramp).

Same arguments -> byte-identical files: one ``numpy.random.default_rng(seed)``, never the clock.

Example
-------
>>> import pathlib, shutil, tempfile
>>> folder = pathlib.Path(tempfile.mkdtemp())
>>> paths = generate(folder / "one", reps=8, years=2)
>>> sorted(paths)
['activities', 'opportunities', 'quotas', 'reps']
>>> again = generate(folder / "two", reps=8, years=2)
>>> all(paths[k].read_bytes() == again[k].read_bytes() for k in paths)
True
>>> shutil.rmtree(folder)
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd

from analytics.sample_regimes import Regime, orders_export
from analytics.sample_regimes import regime as named_regime

AS_OF = date(2026, 11, 15)


def _words(text: str) -> tuple[str, ...]:
    return tuple(text.split())


TEAMS = (("Team North", ("Northeast", "Great Lakes")), ("Team Central", ("Midwest", "Mountain")),
         ("Team South", ("Southeast", "Texas")))
FIRST = _words("Aaron Abigail Adrian Aisha Alejandro Amara Andre Anika Ben Bianca Caleb Camila Carlos Chloe "
               "Daniel Deepa Diego Elena Ethan Fatima Gabriel Grace Hannah Hiro Isaac Isabel Jamal Jasmine Jonah "
               "Julia Kai Keisha Kevin Laila Liam Lucia Marcus Maya Mei Nadia Nathan Noah Olivia Omar Priya "
               "Rachel Rafael Rosa Samuel Sara Tariq Tessa Tomas Uma Vanessa Wei Xavier Yara Zach Zoe")
LAST = _words("Adams Alvarez Bennett Brooks Carter Chen Collins Cruz Diaz Edwards Evans Fischer Flores Foster "
              "Garcia Gupta Hayes Hughes Ito Jensen Kaur Kim Kowalski Larsen Lopez Mendoza Mitchell Morgan Murphy "
              "Nguyen Novak Okoye Ortiz Patel Perez Quinn Reyes Rivera Rossi Russo Sanchez Schmidt Shah Silva "
              "Sullivan Tanaka Torres Turner Vargas Wagner Walsh Ward Weber Wright Yamamoto Young Zhang")
ACCOUNT_WORDS = _words("Acme Apex Atlas Beacon Birch Blue Ridge Bright Cascade Cedar Clearwater Cobalt Crescent "
                       "Delta Eagle Evergreen Falcon Frontier Golden Granite Harbor Highland Horizon Iron Juniper "
                       "Keystone Lakeside Liberty Maple Meridian Metro Northwind Oak Orion Pacific Pinnacle Prairie "
                       "Redwood Riverbend Sierra Silver Summit Sunrise Titan Union Vista Westfield Willow")
ACCOUNT_KINDS = _words("Logistics Health Foods Systems Manufacturing Analytics Energy Capital Media Robotics "
                       "Dental Software Construction Retail Labs Freight Insurance Biotech Hospitality Packaging "
                       "Engineering Supply Networks Pharmacy")
CITIES = _words("Austin Boston Chicago Denver Phoenix Seattle Atlanta Dallas Miami Portland Detroit Nashville "
                "Omaha Tampa Raleigh Boise Tucson Fresno Memphis Louisville Richmond Spokane Madison Reno Albany "
                "Charlotte Columbus Houston Orlando Pittsburgh")
ACCOUNT_FORMS = ("Inc.", "LLC", "Corp.", "Group", "Co.", "Holdings")
SPECIAL_ACCOUNTS = ('Baker, Lowe & Partners', 'Harbor "Blue" Logistics', 'Smith, Hart and Cole, LLP',
                    'The "Good Food" Company', 'Lee, Park & Sons, Inc.', '"Northstar" Realty, Ltd.')
PRODUCTS = (  # name, price multiplier, share of deals, cycle multiplier
    ("Core Platform", 1.0, 0.40, 1.0), ("Analytics Add-on", 0.45, 0.20, 0.7),
    ("Enterprise Suite", 2.4, 0.12, 1.5), ("Onboarding Services", 0.35, 0.13, 0.6),
    ("Premium Support", 0.6, 0.15, 0.8),
)
OPEN_STAGES = ("Prospecting", "Qualification", "Needs Analysis", "Proposal/Price Quote", "Negotiation/Review")
ACTIVITY_TYPES = ("Call", "Email", "Meeting", "Demo", "Proposal")
MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
# Activity by calendar month (summer holidays, December wind-down) and buyers' willingness to sign
# by close month (budget flush in Q4, vacations in July-August).
SEASON_ACTIVITY = np.array([0.96, 1.0, 1.03, 1.0, 1.02, 0.97, 0.9, 0.88, 1.04, 1.08, 1.1, 0.92])
SEASON_CLOSE = np.array([0.92, 0.97, 1.04, 0.98, 1.02, 1.04, 0.82, 0.78, 1.0, 1.05, 1.1, 1.18])
QUOTA_UPLIFT = 1.10
PLAN_RAMP = (0.25, 0.5, 0.75, 1.0)  # the company's plan-of-record ramp for a new hire's quota
ID_PREFIX = "0065g0000"
_B62 = np.frombuffer(b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz", np.uint8)
_CHECK = np.frombuffer(b"ABCDEFGHIJKLMNOPQRSTUVWXYZ012345", np.uint8)


def salesforce_ids(numbers: np.ndarray) -> np.ndarray:
    """18-character Salesforce-style IDs ``0065g0000`` + 6 base-62 digits + the case checksum."""
    digits = np.empty((len(numbers), 6), np.uint8)
    rest = np.asarray(numbers, np.int64).copy()
    for k in range(5, -1, -1):
        digits[:, k] = _B62[rest % 62]
        rest //= 62
    body = np.hstack([np.tile(np.frombuffer(ID_PREFIX.encode(), np.uint8), (len(numbers), 1)), digits])
    upper = ((body >= 65) & (body <= 90)).reshape(-1, 3, 5)  # 'A'..'Z' set a bit, per 5-char chunk
    check = _CHECK[(upper * (1 << np.arange(5))).sum(axis=2)]
    return np.hstack([body, check]).view("S18").ravel().astype(str)


def account_names(rng: np.random.Generator, n: int) -> list[str]:
    """``n`` distinct plausible company names; a few carry commas and quotes (quoted CSV fields)."""
    combos = [f"{w} {k} {f}" for w in ACCOUNT_WORDS for k in ACCOUNT_KINDS for f in ACCOUNT_FORMS]
    order = rng.permutation(len(combos))
    # Past the plain combinations, branch offices: "Apex Health Inc. (Denver)".
    names = [combos[i] if j < len(combos) else f"{combos[i]} ({CITIES[(j // len(combos) - 1) % len(CITIES)]})"
             for j, i in enumerate(np.resize(order, n))]
    for j, special in enumerate(SPECIAL_ACCOUNTS):
        if j * 97 + 11 < n:
            names[j * 97 + 11] = special
    return names


def window(as_of: date, years: int) -> tuple[date, date]:
    """(first exported day, first simulated day): the quarter start ``years`` before as_of's quarter."""
    q_start = date(as_of.year - years, 3 * ((as_of.month - 1) // 3) + 1, 1)
    return q_start, date(q_start.year - 1, 7, 1)


def _share_of(reps: int, share: float) -> int:
    """At least one rep for any positive share (the default company always has a hire and a leaver)."""
    return max(1, round(reps * share)) if share > 0 else 0


def _roster(rng: np.random.Generator, reps: int, start: date, as_of: date,
            regime: Regime) -> tuple[pd.DataFrame, list[str]]:
    n_hires, n_leavers = _share_of(reps, regime.hire_share), _share_of(reps, regime.leaver_share)
    span = (as_of - start).days
    hire_days = regime.day_range(pd.Timestamp(start), pd.Timestamp(as_of), "hire", (30, span - 150))
    leave_days = regime.day_range(pd.Timestamp(start), pd.Timestamp(as_of), "leave", (150, span - 30))
    pairs = rng.permutation(len(FIRST) * len(LAST))[: reps + len(TEAMS)]
    names = [f"{FIRST[p // len(LAST)]} {LAST[p % len(LAST)]}" for p in pairs[:reps]]
    talent = rng.normal(0.0, 1.0, reps)
    day0 = np.datetime64(start, "D")
    # Tenure before the window: mostly years, a few only weeks (still ramping when it opens).
    starts = day0 - np.round(rng.uniform(0.05, 1, reps) ** 2 * 2900 + 45).astype("timedelta64[D]")
    hired = np.arange(reps) >= reps - n_hires
    starts[hired] = day0 + np.sort(rng.integers(*hire_days, n_hires)).astype("timedelta64[D]")
    # Leavers come from the reps already there, the weaker ones more often.
    weights = np.exp(-0.7 * talent[~hired])
    leavers = rng.choice(np.flatnonzero(~hired), n_leavers, replace=False, p=weights / weights.sum())
    ends = np.full(reps, np.datetime64("NaT"), "datetime64[D]")
    ends[leavers] = day0 + rng.integers(*leave_days, n_leavers).astype("timedelta64[D]")
    team = np.arange(reps) % len(TEAMS)
    weak = rng.integers(0, 4, reps)  # 0 follow-up (call->meeting), 1 discovery, 2 qualification, 3 closing
    weak_factor = np.where(np.arange(4)[None, :] == weak[:, None], rng.uniform(0.5, 0.7, (reps, 1)), 1.0)
    push = np.where(rng.random(reps) < 0.3, rng.uniform(0.45, 0.8, reps), 0.0)
    return pd.DataFrame({
        "name": names, "team": team, "talent": talent,
        "region": [TEAMS[t][1][i] for t, i in zip(team, rng.integers(0, 2, reps), strict=True)],
        "start": pd.to_datetime(starts), "end": pd.to_datetime(ends),
        "calls": 10.5 * np.exp(0.1 * talent + 0.08 * rng.normal(size=reps)),
        "email_ratio": rng.uniform(1.2, 2.6, reps),
        "p_cm": np.clip(0.13 * np.exp(0.05 * talent + 0.08 * rng.normal(size=reps)) * weak_factor[:, 0], 0.02, 0.4),
        "p_md": np.clip(0.5 * np.exp(0.06 * rng.normal(size=reps)) * weak_factor[:, 1], 0.1, 0.85),
        "p_do": np.clip(0.6 * np.exp(0.06 * rng.normal(size=reps)) * weak_factor[:, 2], 0.1, 0.9),
        "inbound": 0.06 * np.exp(0.3 * rng.normal(size=reps)),
        "win": np.clip(0.36 * np.exp(0.06 * talent + 0.07 * rng.normal(size=reps)) * weak_factor[:, 3], 0.08, 0.7),
        "size_mu": np.log(15000) + 0.15 * talent + 0.12 * rng.normal(size=reps),
        "size_sigma": rng.uniform(0.35, 0.85, reps),
        "month_sd": rng.uniform(0.05, 0.3, reps),
        "cycle": rng.uniform(30, 55, reps),
        "push": push, "ramp_months": rng.uniform(3, 6, reps), "weak": weak,
    }).sort_values(["team", "start", "name"]).reset_index(drop=True), [f"{FIRST[p // len(LAST)]} {LAST[p % len(LAST)]}" for p in pairs[reps:]]


def _simulate(rng: np.random.Generator, roster: pd.DataFrame, sim_start: date,
              as_of: date, regime: Regime) -> tuple[pd.DatetimeIndex, np.ndarray, pd.DataFrame]:
    """Daily funnel for every rep -> (days, activity counts [R, D, 5], deals DataFrame)."""
    days = pd.date_range(sim_start, as_of, freq="D")
    n_reps, n_days = len(roster), len(days)
    month = ((days.year - sim_start.year) * 12 + days.month - sim_start.month).to_numpy()
    n_months = month[-1] + 1
    moy = (np.arange(n_months) + sim_start.month - 1) % 12
    month_starts = pd.date_range(sim_start, periods=n_months, freq="MS")
    volume = regime.volume(month_starts, pd.Timestamp(as_of))  # team-wide growth (ones by default)
    closing = regime.closing(month_starts, pd.Timestamp(as_of))  # dip quarter, December spike
    company = np.zeros(n_months)
    for m in range(1, n_months):  # AR(1) shared monthly shock
        company[m] = 0.5 * company[m - 1] + rng.normal(0, 0.1)
    team_shock = rng.normal(0, 0.05, (len(TEAMS), n_months))
    rep_shock = rng.normal(0, 1, (n_reps, n_months)) * roster["month_sd"].to_numpy()[:, None]
    day_idx = days.to_numpy()
    start = roster["start"].to_numpy()[:, None]
    end = roster["end"].fillna(pd.Timestamp(as_of)).to_numpy()[:, None]
    working = (day_idx[None, :] >= start) & (day_idx[None, :] <= end) & (days.day_of_week < 5)[None, :]
    tenure = (day_idx[None, :] - start) / np.timedelta64(1, "D") / 30.44
    ramp = np.clip(tenure / roster["ramp_months"].to_numpy()[:, None], 0, 1)
    growth = np.exp(0.04 * np.arange(n_days) / 365.25)
    level = (SEASON_ACTIVITY[moy][month] * growth * volume[month])[None, :] * np.exp(
        company[month][None, :] + team_shock[roster["team"].to_numpy()][:, month] + rep_shock[:, month])
    rate = roster["calls"].to_numpy()[:, None] * level * (0.3 + 0.7 * ramp) * working
    col = lambda c: roster[c].to_numpy()[:, None]  # noqa: E731
    calls = rng.poisson(rate)
    emails = rng.poisson(rate * col("email_ratio"))
    meetings = rng.binomial(calls, col("p_cm"))
    demos = rng.binomial(meetings, col("p_md"))
    opps = rng.binomial(demos, col("p_do")) + rng.poisson(col("inbound") * level * working)

    flat = np.repeat(np.arange(n_reps * n_days), opps.ravel())
    rep, created = flat // n_days, flat % n_days
    n = len(flat)
    r = roster.iloc[rep]
    product = rng.choice(len(PRODUCTS), n, p=[p[2] for p in PRODUCTS])
    prod_price = np.array([p[1] for p in PRODUCTS])[product]
    cycle = np.clip(r["cycle"].to_numpy() * np.array([p[3] for p in PRODUCTS])[product]
                    * np.exp(0.45 * rng.normal(size=n)), 7, 270)
    won_close = created + np.round(cycle).astype(int)
    close_moy = moy[month[np.minimum(won_close, n_days - 1)]]
    p_win = r["win"].to_numpy() * (0.45 + 0.55 * ramp[rep, created]) * SEASON_CLOSE[close_moy]
    p_win *= np.exp(0.5 * company[month[np.minimum(won_close, n_days - 1)]])
    p_win *= closing[month[np.minimum(won_close, n_days - 1)]]
    won = rng.random(n) < np.clip(p_win, 0.01, 0.9)
    mega = rng.random(n) < 0.002
    amount = np.exp(r["size_mu"].to_numpy() + r["size_sigma"].to_numpy() * rng.normal(size=n))
    amount *= prod_price * (0.6 + 0.4 * ramp[rep, created]) * np.where(close_moy >= 9, 1.05, 1.0) * np.where(mega, rng.uniform(5, 9, n), 1.0)
    amount = np.maximum(np.round(amount / 50) * 50, 500.0)
    close = np.where(won, won_close, created + np.round(cycle * rng.uniform(0.4, 1.1, n)).astype(int))
    close_day = pd.DatetimeIndex(pd.Timestamp(sim_start) + pd.to_timedelta(close, "D"))
    # End-of-quarter push: these reps drag closes from the quarter's first two months to its end.
    moq = (close_day.month.to_numpy() - 1) % 3
    pushed = (moq < 2) & (rng.random(n) < r["push"].to_numpy())
    q_end = (close_day + pd.offsets.QuarterEnd(0)).normalize()
    close_day = close_day.where(~pushed, q_end - pd.to_timedelta(rng.integers(0, 12, n), "D"))
    wd = close_day.day_of_week.to_numpy()  # weekends -> Monday after, or Friday before at a month end
    monday = close_day + pd.to_timedelta(np.where(wd >= 5, 7 - wd, 0), "D")
    friday = close_day - pd.to_timedelta(np.where(wd >= 5, wd - 4, 0), "D")
    close_day = monday.where(monday.month == close_day.month, friday)
    deals = pd.DataFrame({
        "rep": rep, "created": days[created], "close": close_day, "won": won, "amount": amount,
        "product": product, "account": rng.integers(0, 45, n) + 45 * rep,
        "number": 1_000_000 + np.cumsum(rng.integers(1, 900, n)),
    })
    deals = deals.sort_values(["created", "number"], kind="stable").reset_index(drop=True)
    deals["number"] = np.sort(deals["number"].to_numpy())  # IDs grow with creation, as in Salesforce
    acts = np.stack([calls, emails, meetings, demos, _proposals(rng, deals, roster, days, as_of)], axis=2)
    return days, acts, _reassign(rng, deals, roster, as_of)


def _proposals(rng: np.random.Generator, deals: pd.DataFrame, roster: pd.DataFrame, days: pd.DatetimeIndex,
               as_of: date) -> np.ndarray:
    """A proposal is sent ~60% into the cycle: every won deal, half the lost, the late-stage open."""
    sent = deals["won"].to_numpy() | (rng.random(len(deals)) < 0.5)
    when = deals["created"] + (deals["close"] - deals["created"]) * 0.6
    when = when.dt.normalize()
    end = roster["end"].fillna(pd.Timestamp(as_of)).to_numpy()[deals["rep"].to_numpy()]
    when = when - pd.to_timedelta(np.where(when.dt.day_of_week >= 5, when.dt.day_of_week - 4, 0), "D")
    keep = sent & (when.to_numpy() <= end) & (when.to_numpy() <= np.datetime64(as_of))
    out = np.zeros((len(roster), len(days)), np.int64)
    np.add.at(out, (deals["rep"].to_numpy()[keep], ((when - days[0]).dt.days.to_numpy())[keep]), 1)
    return out


def _reassign(rng: np.random.Generator, deals: pd.DataFrame, roster: pd.DataFrame,
              as_of: date) -> pd.DataFrame:
    """A leaver's deals that close after they go pass to a teammate employed at the close date."""
    deals["owner"] = deals["rep"]
    for leaver in np.flatnonzero(roster["end"].notna().to_numpy()):
        row = roster.iloc[leaver]
        for i in np.flatnonzero((deals["rep"] == leaver).to_numpy() & (deals["close"] > row["end"]).to_numpy()):
            on = min(deals.at[i, "close"], pd.Timestamp(as_of))
            mates = np.flatnonzero((roster["team"] == row["team"]).to_numpy() & (roster["start"] <= on).to_numpy()
                                   & ~(roster["end"] < on).to_numpy())
            deals.at[i, "owner"] = mates[rng.integers(len(mates))] if len(mates) else leaver
            if not len(mates):
                deals.at[i, "close"], deals.at[i, "won"] = row["end"], False
    return deals


def _quotas(deals: pd.DataFrame, roster: pd.DataFrame, start: date, as_of: date) -> pd.DataFrame:
    """The naive plan: last year's same-month revenue x 1.1; new hires get the team average x plan ramp."""
    closed = deals[deals["won"] & (deals["close"] <= pd.Timestamp(as_of))]
    rev = closed.groupby([closed["owner"], closed["close"].dt.year, closed["close"].dt.month])["amount"].sum()
    years = range(start.year + 1, as_of.year + 1)
    grid = pd.MultiIndex.from_product([range(len(roster)), years, range(1, 13)], names=["rep", "year", "month"])
    q = grid.to_frame(index=False)
    q["team"] = roster["team"].to_numpy()[q["rep"]]
    first = pd.to_datetime(dict(year=q["year"], month=q["month"], day=1))
    last = first + pd.offsets.MonthEnd(0)
    r_start, r_end = roster["start"].to_numpy()[q["rep"]], roster["end"].to_numpy()[q["rep"]]
    active = (r_start <= last) & ~(r_end < first)
    established = r_start <= first - pd.DateOffset(years=1)
    key = pd.MultiIndex.from_arrays([q["rep"], q["year"] - 1, q["month"]])
    q["basis"] = rev.reindex(key).fillna(0.0).to_numpy()
    own = active & established
    team_avg = q[own].groupby(["team", "year", "month"])["basis"].mean()
    tenure = (q["year"] - pd.DatetimeIndex(r_start).year) * 12 + q["month"] - pd.DatetimeIndex(r_start).month
    ramp = np.array(PLAN_RAMP)[np.clip(tenure, 0, len(PLAN_RAMP) - 1)]
    fallback = team_avg.reindex(pd.MultiIndex.from_frame(q[["team", "year", "month"]])).fillna(0).to_numpy()
    value = np.where(own, q["basis"], fallback * ramp) * QUOTA_UPLIFT / 1000
    q["value"] = np.where(active, [f"{v:.1f}" for v in value], "-")
    wide = q.pivot(index=["rep", "year"], columns="month", values="value").reset_index()
    wide = wide[(wide[list(range(1, 13))] != "-").any(axis=1)]
    wide.columns = ["rep", "Year"] + [f"{m} (k)" for m in MONTHS]
    wide.insert(0, "Sales Rep", roster["name"].to_numpy()[wide["rep"]])
    return wide.drop(columns="rep")


def _us(ts: pd.Series) -> pd.Series:
    return ts.dt.strftime("%m/%d/%Y")


def generate(out_dir: str | Path, *, reps: int = 36, years: int = 3, seed: int = 7,
             as_of: date = AS_OF, regime: str = "default") -> dict[str, Path]:
    """Write opportunities.csv, activities.csv, reps.csv and quotas.csv into ``out_dir``.

    ``regime`` names a test company of :mod:`analytics.sample_regimes` (``"growth"``, ``"dip"``, ...);
    ``"orders_only"`` writes orders.csv (won deals only) and reps.csv.
    """
    if reps < len(TEAMS) or years < 1:
        raise ValueError("need at least one rep per team and one year")
    world = named_regime(regime)
    rng = np.random.default_rng(seed)
    start, sim_start = window(as_of, years)
    roster, managers = _roster(rng, reps, start, as_of, world)
    days, acts, deals = _simulate(rng, roster, sim_start, as_of, world)
    accounts = account_names(rng, 45 * reps)
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    kinds = ("orders", "reps") if world.orders_only else ("opportunities", "activities", "reps", "quotas")
    paths = {k: out / f"{k}.csv" for k in kinds}
    cutoff = pd.Timestamp(as_of)

    quotas = _quotas(deals, roster, start, as_of)
    deals = deals[deals["close"] >= pd.Timestamp(start)]
    is_open = deals["close"] > cutoff
    frac = ((cutoff - deals["created"]) / (deals["close"] - deals["created"])).clip(0, 0.999)
    stage = np.where(is_open, np.array(OPEN_STAGES)[(frac * len(OPEN_STAGES)).astype(int)],
                     np.where(deals["won"], "Closed Won", "Closed Lost"))
    account = np.array(accounts, dtype=object)[deals["account"]]
    product = np.array([p[0] for p in PRODUCTS], dtype=object)[deals["product"]]
    opportunities = pd.DataFrame({
        "Opportunity ID": salesforce_ids(deals["number"].to_numpy()),
        "Opportunity Name": account + " - " + product, "Opportunity Owner": roster["name"].to_numpy()[deals["owner"]],
        "Account Name": account, "Product": product, "Stage": stage,
        "Amount": [f"{a:.2f}" for a in deals["amount"]], "Currency": "USD",
        "Created Date": _us(deals["created"]), "Close Date": _us(deals["close"]),
    })
    if world.orders_only:
        orders_export(opportunities).to_csv(paths["orders"], index=False, lineterminator="\n")
        _roster_frame(roster, managers).to_csv(paths["reps"], index=False, lineterminator="\n")
        return paths
    opportunities.to_csv(paths["opportunities"], index=False, lineterminator="\n")

    in_window = days >= pd.Timestamp(start)
    week = (days[in_window] - pd.to_timedelta(days[in_window].day_of_week, "D")).normalize()
    bounds = np.flatnonzero(np.r_[True, week[1:] != week[:-1]])
    weekly = np.add.reduceat(acts[:, in_window], bounds, axis=1)  # [R, W, 5]
    r_i, w_i, t_i = np.nonzero(weekly)
    pd.DataFrame({
        "Assigned To": roster["name"].to_numpy()[r_i], "Week Starting": week[bounds][w_i].strftime("%Y-%m-%d"),
        "Activity Type": np.array(ACTIVITY_TYPES)[t_i], "Count": weekly[r_i, w_i, t_i],
    }).sort_values(["Week Starting", "Assigned To"], kind="stable").to_csv(
        paths["activities"], index=False, lineterminator="\n")

    _roster_frame(roster, managers).to_csv(paths["reps"], index=False, lineterminator="\n")
    quotas.to_csv(paths["quotas"], index=False, lineterminator="\n")
    return paths


def _roster_frame(roster: pd.DataFrame, managers: list[str]) -> pd.DataFrame:
    return pd.DataFrame({
        "Sales Rep": roster["name"], "Team": [TEAMS[t][0] for t in roster["team"]],
        "Manager": [managers[t] for t in roster["team"]], "Region": roster["region"],
        "Start Date": roster["start"].dt.strftime("%Y-%m-%d"), "End Date": roster["end"].dt.strftime("%Y-%m-%d"),
    })
