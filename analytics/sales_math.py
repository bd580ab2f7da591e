"""Sales math: the activities an outcome target needs, milestones through the period, SMART cards.

Maths (calibration-methods section 4)
-------------------------------------
* Deals needed k = ceil(T / average deal size) for a money target; k = T for a count of deals.
* Win rate p known: the fewest opportunities N with P(wins >= k) >= q is N = k + nbinom.ppf(q, k, p)
  (k = 5, p = 0.25, q = 0.8 -> 26, not the naive 20).
* p uncertain, p ~ Beta(a, b): the smallest N with betabinom.sf(k - 1, N, a, b) >= q (Beta(6, 18) -> 31).
* A chain calls -> meetings -> demos -> opportunities -> wins is binomial thinning: each call
  becomes a win with the *product* of the stage rates. So the count needed at every stage is one
  nbinom (or one Beta mixture) with the product of the rates from that stage down, the
  confidence q applied once -- never q at each stage (the margins would compound).
* Rates are the rep's own pooled rates (``metrics.rep_funnel``); per week = per period / (days / 7).

Example
-------
>>> int(opportunities_needed(5, 0.25, 0.8)), int(opportunities_needed_uncertain(5, 6.0, 18.0, 0.8))
(26, 31)
"""

from __future__ import annotations

import math
import threading
from collections.abc import Mapping
from datetime import date, timedelta
from typing import NamedTuple

import numpy as np
import numpy.typing as npt
import pandas as pd
from scipy import stats

from analytics import formatting
from analytics.counts import fit_beta_binomial
from analytics.coverage import DataCoverage
from analytics.metric_registry import resolve_metric
from analytics.periods import Period
from analytics.trials_needed import UncertainRate, opportunities_needed_uncertain

# (count at this stage, rate from this stage to the next), top of the funnel first.
STAGES = (("calls", "call_to_meeting"), ("meetings", "meeting_to_demo"),
          ("demos", "demo_to_opportunity"), ("opportunities", "win_rate"))
STAGE_LABELS = {"call_to_meeting": "call → meeting", "meeting_to_demo": "meeting → demo",
                "demo_to_opportunity": "demo → opportunity", "win_rate": "win rate"}
_RATE_PARTS = {"call_to_meeting": ("meetings", "calls"), "meeting_to_demo": ("demos", "meetings"),
               "demo_to_opportunity": ("opportunities", "demos"), "win_rate": ("won", "closed")}
CLEAR_GAP = 0.95   # a stage is called out as the personal focus when under 95% of the team's rate


def planned_stages(coverage: DataCoverage | None) -> list[str]:
    """The activity plan's stages the data can show, top of the funnel last (opportunities first): none for
    an orders-only company, whose plan is the deals each target takes and whose confidence changes nothing.

    >>> planned_stages(None)
    ['opportunities', 'demos', 'meetings', 'calls']
    >>> planned_stages(DataCoverage(won=3))
    []
    """
    stages = [stage for stage, _ in reversed(STAGES)]
    return stages if coverage is None else [s for s in stages if coverage.has_funnel(s)]


NO_ACTIVITY_PLAN = ("No activity log and no created dates imported: each rep's plan is the deals their base "
                    "target takes, with no calls, meetings or opportunities to plan.")


def how_measured(metric: str) -> str:
    """How the number is counted, in words (shown on SMART cards and in exports)."""
    return resolve_metric(metric).measured


def metric_words(metric: str) -> str:
    """'revenue' -> 'won revenue', 'call' -> 'calls'."""
    return resolve_metric(metric).words


def deals_needed(target: npt.ArrayLike, avg_deal_size: npt.ArrayLike | None) -> np.ndarray:
    """k = ceil(T / average deal size); NaN where the deal size is unknown (or None), 0 for T <= 0."""
    t = np.asarray(target, dtype=float)
    size = np.asarray(avg_deal_size, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        k = np.ceil(t / np.where(size > 0, size, np.nan) - 1e-9)
    return np.where(t <= 0, 0.0, k)


def opportunities_needed(k: npt.ArrayLike, p: npt.ArrayLike, q: float = 0.8) -> np.ndarray:
    """Fewest trials N with P(Binomial(N, p) >= k) >= q: N = k + nbinom.ppf(q, k, p)."""
    k = np.asarray(k, dtype=float)
    p = np.asarray(p, dtype=float)
    valid = (p > 0) & (p <= 1) & np.isfinite(k)
    n = k + stats.nbinom.ppf(q, np.where(k > 0, k, 1), np.where(valid, p, 0.5))
    return np.where(~valid, np.nan, np.where(k <= 0, 0.0, n))


def _funnel_by_rep(funnel: pd.DataFrame) -> pd.DataFrame:
    return funnel.set_index("rep") if "rep" in funnel.columns else funnel


def activity_plan(targets: pd.DataFrame, funnel: pd.DataFrame, period: Period | None = None, *,
                  q: float = 0.8, metric: str = "revenue", history_periods: int = 4,
                  uncertain: bool = True, coverage: DataCoverage | None = None) -> pd.DataFrame:
    """Per rep: deals, opportunities, demos, meetings and calls needed for ``targets`` (rep, target)
    with confidence ``q``, per period and per week.

    ``funnel`` is ``metrics.rep_funnel`` output (per-period averages and pooled rates). With
    ``uncertain`` and ``won``/``closed`` columns, the win rate is Beta(a + w, b + m - w) with the
    team prior fitted across reps (w, m = per-period averages x ``history_periods``).
    With ``coverage``, a stage whose data was never imported (calls without activities, opportunities
    without created dates) is left blank (NaN): a plan of "8 opportunities" from won orders alone
    would be a number the data cannot show (and tracking could never measure).
    (:class:`ActivityPlanner` makes the same plans for one set of targets after another.)
    """
    return ActivityPlanner(funnel, period, q=q, metric=metric, history_periods=history_periods,
                           uncertain=uncertain, coverage=coverage).plan(targets)


class ActivityPlanner:
    """:func:`activity_plan` for one funnel, period, confidence, metric and coverage, for one set of targets
    after another: a page plans again after every edit of a base target.

    The team prior of the win rate is fitted once, and each rep's row is remembered per target (up to
    ``remembered`` rows, then the last plan's): after one rep's edit only that rep is planned (a thousand
    reps took 0.3 s a plan). A rep's row depends only on its funnel row, the prior and its own target,
    so it is the row a plan of every rep gives (tests/test_sales_math.py compares them exactly). Safe to
    share between threads (a lock guards the remembered rows)."""

    def __init__(self, funnel: pd.DataFrame, period: Period | None = None, *, q: float = 0.8,
                 metric: str = "revenue", history_periods: int = 4, uncertain: bool = True,
                 coverage: DataCoverage | None = None, remembered: int = 20_000) -> None:
        self.funnel, self.period, self.q, self.metric = _funnel_by_rep(funnel), period, q, metric
        self.history_periods, self.coverage, self.remembered = history_periods, coverage, remembered
        self.uses_beta = uncertain and {"won", "closed"} <= set(self.funnel.columns)
        self.prior = self._team_prior() if self.uses_beta else None
        self._lock = threading.Lock()
        self._rows: dict[str, np.ndarray] = {}          # column -> the remembered rows' values
        self._at: dict[tuple[object, float], int] = {}  # (rep, target) -> its remembered row
        self._sentences: dict[tuple[object, float], str | None] = {}

    def _team_prior(self) -> tuple[float, float]:
        """The team prior (calibration-methods section 3) from each rep's totals: per-period averages x
        periods are whole deals up to rounding."""
        whole = self.funnel
        periods_all = (whole["n_periods"].to_numpy(dtype=float) if "n_periods" in whole
                       else np.full(len(whole), float(self.history_periods)))
        return fit_beta_binomial(np.round(whole["won"].to_numpy(dtype=float) * periods_all),
                                 np.round(whole["closed"].to_numpy(dtype=float) * periods_all))

    def plan(self, targets: pd.DataFrame) -> pd.DataFrame:
        """The plan of ``targets`` (rep, target), as :func:`activity_plan` makes it."""
        reps = targets["rep"].to_numpy(dtype=object)
        t = targets["target"].to_numpy(dtype=float)
        keys = list(zip(reps.tolist(), t.tolist(), strict=True))
        with self._lock:
            at = np.fromiter((self._at.get(key, -1) for key in keys), dtype=np.intp, count=len(keys))
            missing = np.flatnonzero(at < 0)
            if missing.size and len(self._at) + missing.size > self.remembered:
                self._rows, self._at, self._sentences = {}, {}, {}     # then only this plan's rows
                at[:], missing = -1, np.arange(len(keys))
            if missing.size:
                made = self._plan_rows(reps[missing], t[missing])
                first = len(self._rows["target"]) if self._rows else 0
                self._rows = {c: np.concatenate([self._rows[c], v]) if self._rows else v for c, v in made.items()}
                at[missing] = first + np.arange(missing.size)
                self._at.update((keys[i], first + j) for j, i in enumerate(missing.tolist())
                                if np.isfinite(keys[i][1]))
            columns = {c: v[at] for c, v in self._rows.items()}
        plan = pd.DataFrame({"rep": reps, **columns})
        weeks = self.period.days / 7.0 if self.period is not None else 13.0
        for stage, _ in STAGES:
            plan[f"{stage}_per_week"] = plan[stage] / weeks
        plan["confidence"] = self.q
        plan["weeks"] = weeks
        return plan

    def _plan_rows(self, reps: np.ndarray, t: np.ndarray) -> dict[str, np.ndarray]:
        """The plan's columns after ``rep`` (target to calls) for these reps and targets, worked out."""
        f = self.funnel.reindex(reps)
        counted = resolve_metric(self.metric)
        if counted.funnel_stage == "won" and counted.kind == "count":  # the target is a number of won deals
            deal_size, k = np.full(t.shape, np.nan), np.ceil(t - 1e-9)
        else:
            deal_size = f["avg_deal_size"].to_numpy(dtype=float) if "avg_deal_size" in f else np.full(t.shape, np.nan)
            k = deals_needed(t, deal_size)
        rate = {r: f[r].to_numpy(dtype=float) if r in f else np.full(t.shape, np.nan) for _, r in STAGES}
        out: dict[str, np.ndarray] = {"target": t, "avg_deal_size": deal_size, "deals": k}
        if self.prior is not None:
            a0, b0 = self.prior
            n_hist = (f["n_periods"].to_numpy(dtype=float) if "n_periods" in f
                      else np.full(t.shape, float(self.history_periods)))
            w = np.nan_to_num(np.round(f["won"].to_numpy(dtype=float) * n_hist))
            m = np.nan_to_num(np.round(f["closed"].to_numpy(dtype=float) * n_hist))
            a, b = a0 + w, b0 + np.maximum(m - w, 0)
            rate_law = UncertainRate.of(a, b)     # the Beta's quadrature nodes, once for the four stages
            out.update(win_rate=a / (a + b), win_rate_a=a, win_rate_b=b)
        else:
            out.update(win_rate=rate["win_rate"], win_rate_a=np.full(t.shape, np.nan),
                       win_rate_b=np.full(t.shape, np.nan))
        # rho: product of the stage rates from this stage down to opportunity. Activity ratios may exceed 1
        # (two meetings per call); where the chain is no longer a thinning (rho * p could pass 1), the stage
        # count is the next stage's count divided by the ratio instead.
        rho = np.ones(t.shape)
        below = None
        for i in range(len(STAGES) - 1, -1, -1):
            stage, to_next = STAGES[i]
            if self.prior is not None:
                thinning = rho <= 1
                count = opportunities_needed_uncertain(k, a, b, self.q, np.minimum(rho, 1.0), rate=rate_law)
            else:
                thinning = rho * rate["win_rate"] <= 1
                count = opportunities_needed(k, np.minimum(rho * rate["win_rate"], 1.0), self.q)
            if below is not None:
                with np.errstate(divide="ignore", invalid="ignore"):
                    scaled = np.ceil(below / np.where(rate[to_next] > 0, rate[to_next], np.nan) - 1e-9)
                count = np.where(thinning, count, scaled)
            out[stage] = np.asarray(count, dtype=float)
            below = count
            if i > 0:
                rho = rho * rate[STAGES[i - 1][1]]
        if self.coverage is not None:
            for stage, _ in STAGES:
                if not self.coverage.has_funnel(stage):
                    out[stage] = np.full(t.shape, np.nan)
        return out

    def sentences(self, plan: pd.DataFrame) -> dict[str, str]:
        """``target_drafts.plan_sentences`` of a plan this planner made (each rep's remembered per target)."""
        grain = self.period.grain if self.period is not None else "quarter"
        keys = list(zip(plan["rep"].tolist(), plan["target"].tolist(), strict=True))
        with self._lock:
            known = self._sentences
            missing = [i for i, key in enumerate(keys) if key not in known]
            made = dict(zip(missing, (plan_sentence_shown(row, grain, self.coverage)
                                      for row in plan.iloc[missing].to_dict("records")), strict=True))
            known.update((keys[i], sentence) for i, sentence in made.items() if np.isfinite(keys[i][1]))
        said = {}
        for i, key in enumerate(keys):
            sentence = made[i] if i in made else known[key]
            if sentence is not None:
                said[key[0]] = sentence
        return said


def activity_rows(plan: pd.DataFrame) -> pd.DataFrame:
    """Long rows for ``target_set_activity_rows``: rep, activity, per_period, per_week."""
    frames = [pd.DataFrame({"rep": plan["rep"], "activity": name,
                            "per_period": plan[name], "per_week": plan[name] / plan["weeks"]})
              for name in ("deals", *(s for s, _ in reversed(STAGES)))]
    out = pd.concat(frames, ignore_index=True)
    return out[np.isfinite(out["per_period"].to_numpy(dtype=float))].reset_index(drop=True)


def _about(x: float) -> str:
    """Rounded up, to two significant digits from 100 on: a plan reads 300 calls, not 287."""
    if formatting.is_blank(x):
        return formatting.BLANK
    if x < 100:
        return formatting.count(math.ceil(x - 1e-9))
    digits = 10 ** (int(math.log10(x)) - 1)
    return formatting.count(math.ceil(x / digits - 1e-9) * digits)


def plan_sentence(row: Mapping[str, float], grain: str = "quarter") -> str:
    """'about 26 opportunities, 70 meetings, 300 calls per quarter, 23 calls a week'."""
    parts = [formatting.quantity(float(_about(row[s]).replace(",", "")), _ONE[s])
             for s in ("opportunities", "demos", "meetings", "calls") if s in row and np.isfinite(row[s])]
    if not parts:
        return "no activity plan (funnel rates unknown)"
    text = f"about {', '.join(parts)} per {grain}"
    top = next(s for s in ("calls", "meetings", "demos", "opportunities") if s in row and np.isfinite(row[s]))
    weekly = float(row[f"{top}_per_week"])
    # rounded up like the plan (enough to reach the target); under one a week, "1 call every 3 weeks"
    weekly = float(_about(weekly).replace(",", "")) if weekly >= 1 else weekly
    return f"{text}, {formatting.per_week(weekly, _ONE[top])}"


def plan_sentence_shown(row: Mapping[str, float], grain: str, coverage: DataCoverage | None) -> str | None:
    """:func:`plan_sentence`, or None with ``coverage`` when the row has no stage the data can show: an
    orders-only company has no activity plan, which is not the same as "funnel rates unknown"."""
    if coverage is not None and not any(np.isfinite(row[s]) for s, _ in STAGES if s in row):
        return None
    return plan_sentence(row, grain)


_ONE = {"opportunities": "opportunity", "demos": "demo", "meetings": "meeting", "calls": "call"}
"""Each funnel stage's event in the singular, for "1 opportunity a week"."""


def focus_stages(funnel: pd.DataFrame) -> pd.DataFrame:
    """Each rep's weakest funnel stage against the team's rate: the personal focus.

    The team rate is pooled (sum of numerators / sum of denominators, from per-period averages x
    ``n_periods``) when the counts are there, else the median of the reps' rates. The weakest stage
    is ``weakest_stage`` when the funnel has it (``metrics.rep_funnel``), else the lowest rep/team ratio.
    """
    f = _funnel_by_rep(funnel)
    rates = [r for _, r in STAGES if r in f.columns and f[r].astype(float).notna().any()]   # the stages measured
    n = f["n_periods"].astype(float) if "n_periods" in f else pd.Series(1.0, index=f.index)
    team = {}
    for rate in rates:
        num, den = _RATE_PARTS[rate]
        if {num, den} <= set(f.columns) and (f[den] * n).sum() > 0:
            team[rate] = float((f[num] * n).sum() / (f[den] * n).sum())
        else:
            team[rate] = float(f[rate].astype(float).median())
    rel = f[rates].astype(float) / pd.Series(team)
    if "weakest_stage" in f:
        weakest = f["weakest_stage"].astype(object).where(f["weakest_stage"].isin(rates))
    else:
        weakest = rel.idxmin(axis=1, skipna=True).where(rel.min(axis=1) < 1.0)
    rows = []
    for rep, st in weakest.items():
        if not isinstance(st, str):
            rows.append({"rep": rep, "stage": None, "rep_rate": np.nan, "team_rate": np.nan,
                         "focus": "every funnel stage at or above the team's rate" if rates else ""})
            continue
        mine = float(f.at[rep, st])
        versus = f"{STAGE_LABELS[st]} ({_rate_text(st, mine)} vs team {_rate_text(st, team[st])})"
        # with one stage measured (orders only: the win rate) there is no "every stage" to be close at
        focus = (f"personal focus: {versus}" if mine < CLEAR_GAP * team[st]
                 else f"close to the team at every stage; weakest: {versus}" if len(rates) > 1
                 else f"close to the team: {versus}")
        rows.append({"rep": rep, "stage": st, "rep_rate": mine, "team_rate": team[st], "focus": focus})
    return pd.DataFrame(rows)


def _rate_text(rate: str, value: float) -> str:
    """Win rate as a percentage; activity ratios (may exceed 1) as 'per' numbers."""
    if rate == "win_rate" or value <= 1:
        return formatting.rate(value)
    num, den = _RATE_PARTS[rate]
    return f"{formatting.ratio(value)} {num} per {den[:-1]}"


class Milestone(NamedTuple):
    """How much of the target should be reached by a day of the period (cumulative)."""

    by: date
    cumulative_target: float


def milestones(target: float, period: Period, weights: npt.ArrayLike | None = None,
               unit: str = "month") -> list[Milestone]:
    """The target spread over the period by the within-period weights, cumulative.

    ``weights``: one per calendar month of the period, summing to 1 (``Calibration.within_period_shape()``);
    None spreads by calendar days. ``unit`` month -> month ends; week -> every 7th day and the period end.
    """
    months = period.months()
    w = np.array([m.days for m in months], dtype=float) if weights is None else np.asarray(weights, dtype=float)
    if w.shape != (len(months),) or not np.all(np.isfinite(w)) or w.sum() <= 0 or np.any(w < 0):
        raise ValueError(f"need {len(months)} non-negative monthly weights for {period.label}")
    w = w / w.sum()
    if unit == "month":
        cum = np.cumsum(w)
        cum[-1] = 1.0
        return [Milestone(m.end, float(target * c)) for m, c in zip(months, cum, strict=True)]
    if unit != "week":
        raise ValueError("unit must be month or week")
    daily = np.concatenate([np.full(m.days, wi / m.days) for m, wi in zip(months, w, strict=True)])
    cum = np.cumsum(daily)
    cum[-1] = 1.0
    # Week ends every 7th day; a last stub of under 4 days joins the final week.
    ends = [d for d in range(6, period.days, 7) if d < period.days - 4] + [period.days - 1]
    return [Milestone(period.start + timedelta(days=d), float(target * cum[d])) for d in ends]


def smart_card(rep: str, metric: str, target: float, p_attain: float, period: Period, *,
               team_total: float | None = None, weights: npt.ArrayLike | None = None, plan: str | None = None,
               focus: str = "", tier: str = "base", currency: str | None = None,
               team_median: float | None = None) -> dict:
    """A SMART target for one rep: specific number, how measured, chance, share of the team, deadline,
    and cumulative milestones by month.

    ``currency``: the symbol amounts of a money metric are written with (``€150,000 won revenue``);
    None writes plain numbers. A metric that does not add up (an average deal size) is no share of a team
    total and is not built up month by month: its card sets it beside ``team_median`` (the team's median
    target) and has no milestones.

    >>> from analytics.periods import parse_period
    >>> card = smart_card("ana", "avg_deal_size", 13_000.0, 0.6, parse_period("2027-Q1"), team_total=400_000.0,
    ...                   team_median=12_000.0, currency="$")
    >>> card["relevant"], card["milestones"]
    ("beside the team's median target of $12,000", [])
    """
    def amount(x: float | None) -> str:
        money = currency is not None and resolve_metric(metric).kind == "money"
        return formatting.money_exact(x, currency) if money else formatting.count(x)  # type: ignore[arg-type]

    additive = resolve_metric(metric).additive
    share = target / team_total if additive and team_total and team_total > 0 else float("nan")
    steps = milestones(target, period, weights, "month") if additive else []
    what = metric_words(metric)
    if not additive:
        relevant = "" if team_median is None else f"beside the team's median target of {amount(team_median)}"
    elif team_total is not None and np.isfinite(share):
        relevant = f"carries {formatting.rate(share)} of the team's {amount(team_total)}"
    else:
        relevant = "no team number set"
    return {
        "rep": rep, "tier": tier, "metric": metric, "target": float(target), "p_attain": float(p_attain),
        "share_of_team": share, "deadline": period.end, "period": period.label,
        "specific": f"{amount(target)} {what} in {period.label}",
        "measurable": how_measured(metric),
        "achievable": f"{formatting.rate(p_attain)} chance of reaching it, by the calibrated model",
        "relevant": relevant,
        "time_bound": f"by {period.end.isoformat()} (end of {period.label})",
        "milestones": steps, "plan": plan or "", "focus": focus,
    }
