"""Pure statistics of tracking: seasonal pace, the conditional chance, projections, causes.

No database here: functions of arrays, DataFrames and predictive objects
(:mod:`analytics.predictive`), so every known answer is testable directly.
:mod:`analytics.tracking` re-exports these and adds the database-facing layer.

Maths
-----
* Seasonal pace. S(t) is the cumulative expected share of the period's outcome by day t.
  From monthly weights w_1..w_m (summing to 1), S is piecewise linear in calendar days:
  S = w_1 + ... + w_{k-1} + w_k * (days elapsed in month k / days in month k).
  expected_to_date = target * S; pace = actual / expected_to_date.
* Remaining outcome. R ~ the period's predictive scaled to the remaining share 1 - S:
  log-scale hurdle: mu -> mu + log(1 - S) (sigma, df, zero share kept);
  negative binomial: mean -> mean * (1 - S) with the shape r kept (gamma-Poisson with
  exposure scaled by 1 - S).
* Conditional chance. p_now = P(actual + R >= target) = p_attain_R(target - actual), 1 when
  actual >= target; at S = 0 with actual = 0 it is the unconditional chance, at S = 1 it is 0 or 1.
* Projection: actual + median(R). Team chance: P(sum actual + sum R >= G), simulated with the
  shared period shock (rep outcomes are not independent).

Example
-------
>>> import numpy as np
>>> from analytics.predictive import LogScaleHurdle
>>> d = LogScaleHurdle(reps=np.array(["a", "b"]), mu=np.log([100.0, 100.0]), sigma=np.array([0.4, 0.4]),
...                    df=np.array([30.0, 30.0]), zero_share=np.array([0.0, 0.0]))
>>> bool(np.allclose(conditional_p_attain(d, [0.0, 0.0], [100.0, 100.0], 0.0), d.p_attain(np.array([100.0, 100.0]))))
True

At the period's end (S = 1) the chance is 0 or 1: rep a booked 99 of 100, rep b reached it.

>>> conditional_p_attain(d, [99.0, 100.0], [100.0, 100.0], 1.0).tolist()
[0.0, 1.0]
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

import numpy as np
import numpy.typing as npt
import pandas as pd
from scipy import stats

from analytics import formatting
from analytics.periods import Period
from analytics.predictive import ArrayLike, LogScaleHurdle, NegBinomialCount, PredictiveDistribution


# ----------------------------------------------------------------------------- seasonal shape
@dataclass(frozen=True)
class SeasonalShape:
    """Cumulative expected share S(f) at knots f in [0, 1] of the period's calendar days.

    ``cumulative`` is (k,) for one team-wide shape or (n_reps, k) for one per rep.
    """

    knots: np.ndarray
    cumulative: np.ndarray
    source: str = "linear"

    @classmethod
    def from_segments(cls, segment_days: npt.ArrayLike, weights: npt.ArrayLike,
                      source: str = "weights") -> SeasonalShape:
        """Segments of the period (their lengths in days, in order) and each one's share of the outcome."""
        days = np.asarray(segment_days, dtype=float)
        w = np.atleast_1d(np.asarray(weights, dtype=float))
        if w.shape[-1] != days.size or np.any(~np.isfinite(w)) or np.any(w < 0):
            raise ValueError(f"need {days.size} finite non-negative weights")
        total = w.sum(axis=-1, keepdims=True)
        w = np.where(total > 0, w / np.where(total > 0, total, 1.0), days / days.sum())
        knots = np.concatenate([[0.0], np.cumsum(days) / days.sum()])
        zeros = np.zeros(w.shape[:-1] + (1,))
        cum = np.concatenate([zeros, np.cumsum(w, axis=-1)], axis=-1)
        cum[..., -1] = 1.0
        return cls(knots, cum, source)

    @classmethod
    def from_month_weights(cls, period: Period, weights: npt.ArrayLike,
                           source: str = "monthly weights") -> SeasonalShape:
        """Monthly weights (one per calendar month of ``period``), linear in days inside each month."""
        return cls.from_segments([m.days for m in period.months()], weights, source)

    def share(self, fraction: float) -> np.ndarray | float:
        """S at a fraction of the period elapsed: a float for one shape, (n_reps,) for per-rep shapes."""
        f = float(np.clip(fraction, 0.0, 1.0))
        if self.cumulative.ndim == 1:
            return float(np.interp(f, self.knots, self.cumulative))
        # Knots are shared by every rep: one segment, one weight, vectorised over reps.
        j = int(np.clip(np.searchsorted(self.knots, f, side="right") - 1, 0, self.knots.size - 2))
        w = (f - self.knots[j]) / (self.knots[j + 1] - self.knots[j])
        return self.cumulative[:, j] * (1 - w) + self.cumulative[:, j + 1] * w

    def share_at(self, period: Period, as_of: date) -> np.ndarray | float:
        return self.share(period.fraction_elapsed(as_of))


def pace(actual: npt.ArrayLike, target: npt.ArrayLike, share: npt.ArrayLike) -> pd.DataFrame:
    """expected_to_date = target * S and pace = actual / expected_to_date (NaN when nothing is expected yet)."""
    actual = np.asarray(actual, dtype=float)
    expected = np.asarray(target, dtype=float) * np.asarray(share, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = np.where(expected > 0, actual / np.where(expected > 0, expected, 1.0), np.nan)
    return pd.DataFrame({"expected_to_date": np.broadcast_to(expected, actual.shape), "pace": ratio})


# ----------------------------------------------------------------------------- remaining law
@dataclass(frozen=True)
class StitchedPredictive:
    """Several predictive objects over disjoint reps, in one rep order (e.g. calibrated reps plus
    reps only the saved set knows). ``parts`` = ((predictive, positions), ...). Draws of different
    parts share no shock."""

    reps: np.ndarray
    parts: tuple[tuple[PredictiveDistribution, np.ndarray], ...]

    @property
    def family(self) -> str:
        """The parts' families, joined: ``log-scale hurdle + negative binomial``."""
        return " + ".join(dict.fromkeys(pred.family for pred, _ in self.parts))

    def _each(self, fn: Callable[[PredictiveDistribution, np.ndarray], np.ndarray],
              dtype: npt.DTypeLike = float) -> np.ndarray:
        out = np.full(self.reps.size, np.nan, dtype=dtype)
        for pred, pos in self.parts:
            out[pos] = fn(pred, pos)
        return out

    def quantile(self, p: ArrayLike) -> np.ndarray:
        levels = np.atleast_1d(np.asarray(p, dtype=float))
        out = np.full((self.reps.size, levels.size), np.nan)
        for pred, pos in self.parts:
            out[pos] = np.asarray(pred.quantile(levels), dtype=float).reshape(len(pos), levels.size)
        return out[:, 0] if np.ndim(p) == 0 else out

    def p_attain(self, targets: ArrayLike) -> np.ndarray:
        t = np.broadcast_to(np.asarray(targets, dtype=float), self.reps.shape)
        return self._each(lambda pred, pos: pred.p_attain(t[pos]))

    def cdf(self, y: np.ndarray) -> np.ndarray:
        y = np.broadcast_to(np.asarray(y, dtype=float), self.reps.shape)
        return self._each(lambda pred, pos: pred.cdf(y[pos]))

    def sample(self, n_draws: int, rng: np.random.Generator) -> np.ndarray:
        out = np.zeros((n_draws, self.reps.size))
        for pred, pos in self.parts:
            out[:, pos] = pred.sample(n_draws, rng)
        return out


def remaining_predictive(predictive: PredictiveDistribution,
                         remaining_share: npt.ArrayLike) -> PredictiveDistribution:
    """The law of the rest of the period: the period's predictive scaled to ``remaining_share`` = 1 - S."""
    if isinstance(predictive, StitchedPredictive):
        rem = np.broadcast_to(np.asarray(remaining_share, dtype=float), predictive.reps.shape)
        return dataclasses.replace(predictive, parts=tuple(
            (remaining_predictive(p, rem[pos]), pos) for p, pos in predictive.parts))
    if isinstance(predictive, LogScaleHurdle):
        rem = np.clip(np.broadcast_to(np.asarray(remaining_share, dtype=float), predictive.mu.shape), 0, 1)
        with np.errstate(divide="ignore"):
            return dataclasses.replace(predictive, mu=predictive.mu + np.log(rem))
    if isinstance(predictive, NegBinomialCount):
        rem = np.clip(np.broadcast_to(np.asarray(remaining_share, dtype=float), predictive.r.shape), 0, 1)
        mean = predictive.r * (1 - predictive.q) / predictive.q * rem
        return dataclasses.replace(predictive, q=predictive.r / (predictive.r + mean))
    raise TypeError(f"no remaining law for {type(predictive).__name__}")


def conditional_p_attain(predictive: PredictiveDistribution, actual: npt.ArrayLike, target: npt.ArrayLike,
                         share: npt.ArrayLike) -> np.ndarray:
    """P(actual + R >= target) with R the remaining law: 1 once reached, exactly 0 or 1 at S = 1."""
    actual = np.asarray(actual, dtype=float)
    target = np.asarray(target, dtype=float)
    s = np.broadcast_to(np.asarray(share, dtype=float), actual.shape)
    reached = actual >= target
    rem = remaining_predictive(predictive, 1.0 - s)
    with np.errstate(invalid="ignore", divide="ignore"):
        p = np.asarray(rem.p_attain(np.where(reached, 0.0, target - actual)), dtype=float)
    p = np.where(s >= 1.0, 0.0, p)
    return np.where(reached, 1.0, np.where(np.isfinite(target), p, np.nan))


def projection(predictive: PredictiveDistribution, actual: npt.ArrayLike, share: npt.ArrayLike,
               levels: tuple[float, ...] = (0.1, 0.5, 0.9)) -> pd.DataFrame:
    """actual + quantiles of the remaining law: ``projected`` (median) and ``projected_p10`` ... ."""
    actual = np.asarray(actual, dtype=float)
    s = np.broadcast_to(np.asarray(share, dtype=float), actual.shape)
    rem = remaining_predictive(predictive, 1.0 - s)
    out = {}
    for level in levels:
        with np.errstate(invalid="ignore", divide="ignore"):
            q = np.where(s >= 1.0, 0.0, np.nan_to_num(np.asarray(rem.quantile(level), dtype=float)))
        name = "projected" if level == 0.5 else f"projected_p{round(level * 100):d}"
        out[name] = actual + q
    return pd.DataFrame(out)


def team_simulation(predictive: PredictiveDistribution, actual: npt.ArrayLike, share: npt.ArrayLike,
                    n_draws: int = 4000, seed: int = 0) -> np.ndarray:
    """Draws of each rep's period total, actual + R, shape (n_draws, n_reps), with the shared shock."""
    actual = np.asarray(actual, dtype=float)
    s = np.broadcast_to(np.asarray(share, dtype=float), actual.shape)
    rem = remaining_predictive(predictive, 1.0 - s)
    with np.errstate(invalid="ignore", divide="ignore", over="ignore"):
        draws = np.nan_to_num(rem.sample(n_draws, np.random.default_rng(seed)), nan=0.0, posinf=0.0)
    return actual[None, :] + np.where(s[None, :] >= 1.0, 0.0, draws)


def team_view(predictive: PredictiveDistribution, actual: npt.ArrayLike, targets: pd.DataFrame,
              share: npt.ArrayLike, *, promised_p: npt.ArrayLike | None = None,
              team_target: float | None = None, n_draws: int = 4000, seed: int = 0) -> dict:
    """Team attainment so far and projected, reps' projected attainment, and the team's chance.

    ``targets`` has a ``base`` column (and optionally ``stretch``) in the predictive's rep order;
    ``promised_p`` is the set's saved chance of reaching base per rep.
    """
    actual = np.asarray(actual, dtype=float)
    base = targets["base"].to_numpy(dtype=float)
    proj = projection(predictive, actual, share)["projected"].to_numpy()
    p_now = conditional_p_attain(predictive, actual, base, share)
    totals = team_simulation(predictive, actual, share, n_draws, seed).sum(axis=1)
    goal = float(team_target) if team_target and team_target > 0 else float(np.nansum(base))
    with np.errstate(divide="ignore", invalid="ignore"):
        attain = proj / base
    stretch_ratio = (float(np.nanmedian(targets["stretch"].to_numpy(dtype=float) / base))
                     if "stretch" in targets else float("nan"))
    promised_arr = np.asarray(np.nan if promised_p is None else promised_p, dtype=float)
    promised = float(np.nanmean(promised_arr)) if np.any(np.isfinite(promised_arr)) else float("nan")
    return {
        "reps": int(actual.size),
        "team_target": goal,
        "actual": float(actual.sum()),
        "attainment_so_far": float(actual.sum() / goal) if goal > 0 else float("nan"),
        "projected": float(np.median(totals)),
        "projected_p10": float(np.quantile(totals, 0.1)),
        "projected_p90": float(np.quantile(totals, 0.9)),
        "projected_attainment": float(np.median(totals) / goal) if goal > 0 else float("nan"),
        "team_p_attain": float(np.mean(totals >= goal)),
        "expected_share_reaching_base": float(np.nanmean(p_now)),
        "share_projected_at_base": float(np.nanmean(proj >= base)),
        "promised_share_reaching_base": promised,
        "stretch_ratio": stretch_ratio,
        "projected_attainment_by_rep": attain,
    }


# ----------------------------------------------------------------------------- causes
STAGE_RATES = (("call_to_meeting", "calls", "meetings", "call → meeting"),
               ("meeting_to_demo", "meetings", "demos", "meeting → demo"),
               ("demo_to_opportunity", "demos", "opportunities", "demo → opportunity"),
               ("win_rate", "closed", "won", "win rate"))


def funnel_rates(counts: pd.DataFrame, prior: pd.Series | None = None, strength: float = 0.0) -> pd.DataFrame:
    """Stage conversion rates from funnel counts (``closed`` = won + lost), optionally shrunk toward
    ``prior`` rates with ``strength`` pseudo-trials: (x + k * prior) / (n + k)."""
    c = counts.astype(float).copy()
    if "closed" not in c:
        c["closed"] = c.get("won", 0.0) + c.get("lost", 0.0)
    out = {}
    for name, den, num, _ in STAGE_RATES:
        n = c[den] if den in c else pd.Series(np.nan, index=c.index)
        x = c[num] if num in c else pd.Series(np.nan, index=c.index)
        k = strength if prior is not None and np.isfinite(prior.get(name, np.nan)) else 0.0
        p0 = prior.get(name, 0.0) if prior is not None else 0.0
        with np.errstate(divide="ignore", invalid="ignore"):
            out[name] = ((x + k * p0) / (n + k)).where(n + k > 0)
    return pd.DataFrame(out, index=c.index)


def _row_min(frame: pd.DataFrame) -> tuple[pd.Series, pd.Series]:
    """Per row: the column holding the smallest finite value (None when none) and that value."""
    v = frame.to_numpy(dtype=float)
    if v.shape[1] == 0:
        return pd.Series(None, index=frame.index, dtype=object), pd.Series(np.nan, index=frame.index)
    filled = np.where(np.isfinite(v), v, np.inf)
    j = filled.argmin(axis=1)
    have = np.isfinite(filled[np.arange(len(v)), j])
    cols = np.asarray(frame.columns, dtype=object)
    return (pd.Series(np.where(have, cols[j], None), index=frame.index, dtype=object),
            pd.Series(np.where(have, filled[np.arange(len(v)), j], np.nan), index=frame.index))


def diagnose(activity_pace: pd.DataFrame, rates_now: pd.DataFrame, rates_usual: pd.DataFrame,
             denominators: pd.DataFrame, *, volume_threshold: float = 0.8,
             conversion_threshold: float = 0.75, min_count: float = 5.0, alpha: float = 0.05) -> pd.DataFrame:
    """The likely cause of a shortfall, per rep (index of ``activity_pace``).

    ``activity_pace``: rep x activity (calls, meetings, ...) actual / expected-to-date;
    ``rates_now`` / ``rates_usual``: rep x stage rates (``funnel_rates``); ``denominators``: rep x stage
    trials to date (a stage with fewer than ``min_count`` is not judged, nor one whose shortfall a
    binomial at the usual rate would produce with probability ``alpha`` or more: small-count noise).
    "activity volume short" when the weakest activity is under ``volume_threshold`` of pace;
    otherwise "conversion short" when a judged stage runs under ``conversion_threshold`` of the rep's
    usual rate; otherwise "on pace"; "no activity data" with nothing to judge.
    """
    reps = activity_pace.index
    weakest, weakest_pace = _row_min(activity_pace)
    now = rates_now.reindex(index=reps)
    usual = rates_usual.reindex(index=reps, columns=now.columns)
    n = denominators.reindex(index=reps, columns=now.columns).astype(float)
    with np.errstate(divide="ignore", invalid="ignore"):
        surprise = pd.DataFrame(stats.binom.cdf(np.round(now * n), n, usual.clip(0, 1)),
                                index=reps, columns=now.columns)
        rel = (now / usual).where((n >= min_count) & (usual > 0) & (surprise < alpha))
    worst_stage, worst_rel = _row_min(rel)
    labels = {name: label for name, _, _, label in STAGE_RATES}
    cause, detail = [], []
    for rep in reps:
        wp, wa, rs, rr = weakest_pace.get(rep), weakest.get(rep), worst_stage.get(rep), worst_rel.get(rep)
        vol_short = wp is not None and np.isfinite(wp) and wp < volume_threshold
        conv_short = rr is not None and np.isfinite(rr) and rr < conversion_threshold
        conv_text = (f"{labels[rs]} at {formatting.rate(rr)} of usual ({formatting.rate(now.at[rep, rs])} vs "
                     f"{formatting.rate(usual.at[rep, rs])})"
                     if isinstance(rs, str) and np.isfinite(rr) else "")
        if vol_short:
            cause.append("activity volume short")
            detail.append(f"{wa} at {formatting.rate(wp)} of pace" + (f"; also {conv_text}" if conv_short else ""))
        elif conv_short:
            cause.append("conversion short")
            detail.append(f"activity on pace ({wa} at {formatting.rate(wp)}); {conv_text}" if isinstance(wa, str)
                          else conv_text)
        elif (wp is not None and np.isfinite(wp)) or (rr is not None and np.isfinite(rr)):
            cause.append("on pace")
            detail.append("activity and conversion on pace; any gap is deal size or timing")
        else:
            cause.append("no activity data")
            detail.append("no activity targets, history or activity to date to compare")
    return pd.DataFrame({"cause": cause, "cause_detail": detail, "weakest_activity": weakest.reindex(reps),
                         "weakest_activity_pace": weakest_pace.reindex(reps),
                         "weakest_stage": worst_stage.reindex(reps), "weakest_stage_vs_usual": worst_rel},
                        index=reps)


def outcome_causes(outcome_pace: npt.ArrayLike, deals_now: npt.ArrayLike, deals_expected: npt.ArrayLike,
                   size_now: npt.ArrayLike, size_usual: npt.ArrayLike, *, short: float = 0.8) -> pd.DataFrame:
    """Causes from won deals alone, for data without activities or created dates (an orders export):
    what such data can show is the outcome against its seasonal pace, the number of deals and their size.

    "fewer deals" when deals won to date are under ``short`` of the usual number by now (and fall
    shorter than deal size); "deal size" when the average won deal is under ``short`` of the usual
    one; "revenue behind seasonal pace" when behind pace with neither; "on pace" otherwise.

    >>> outcome_causes([0.6, 0.7, 0.9, 1.1], [2, 5, 5, 6], [5, 5, 5, 5], [900, 500, 950, 1000],
    ...                [1000, 1000, 1000, 1000])["cause"].tolist()
    ['fewer deals', 'deal size', 'revenue behind seasonal pace', 'on pace']
    """
    p = np.asarray(outcome_pace, dtype=float)
    won = np.asarray(deals_now, dtype=float)
    expected = np.asarray(deals_expected, dtype=float)
    size, usual_size = np.asarray(size_now, dtype=float), np.asarray(size_usual, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        deals_ratio = np.where(expected > 0, won / np.where(expected > 0, expected, 1.0), np.nan)
        size_ratio = np.where(usual_size > 0, size / np.where(usual_size > 0, usual_size, 1.0), np.nan)
    cause, detail = [], []
    for i in range(p.size):
        behind = np.isfinite(p[i]) and p[i] < 1
        fewer = np.isfinite(deals_ratio[i]) and deals_ratio[i] < short and not (size_ratio[i] < deals_ratio[i])
        smaller = np.isfinite(size_ratio[i]) and size_ratio[i] < short
        if behind and fewer:
            cause.append("fewer deals")
            detail.append(f"{formatting.count(won[i])} deals won against about {formatting.count(expected[i])} "
                          "usual by now")
        elif behind and smaller:
            cause.append("deal size")
            detail.append(f"average won deal {formatting.money(size[i])} against a usual "
                          f"{formatting.money(usual_size[i])}")
        elif behind:
            cause.append("revenue behind seasonal pace")
            detail.append(f"at {formatting.rate(p[i])} of the seasonal pace; deal count and size near usual")
        elif np.isfinite(p[i]):
            cause.append("on pace")
            detail.append("on the seasonal pace")
        else:
            cause.append("not measured yet")
            detail.append("nothing of the period is in the data yet")
    return pd.DataFrame({"cause": cause, "cause_detail": detail})


def what_it_takes(gap: npt.ArrayLike, weeks_left: npt.ArrayLike, *,
                  avg_deal_size: npt.ArrayLike | None = None, rates: pd.DataFrame | None = None,
                  metric_kind: str = "money", confidence: float = 0.5) -> pd.DataFrame:
    """Per week from here: the gap / weeks left, and for an outcome metric the deals and activities a
    week at the rep's own rates (one negative binomial per stage with the product of the rates below
    it, confidence applied once: calibration-methods section 4).

    ``metric_kind``: ``money`` (gap in currency), ``deals`` (gap in won deals) or ``count`` (an
    activity metric: the gap itself is the weekly activity).
    """
    from analytics.sales_math import deals_needed, opportunities_needed

    gap = np.asarray(gap, dtype=float).clip(min=0.0)
    weeks = np.asarray(weeks_left, dtype=float)
    # With no week left the period is over: nothing is "needed per week" (blank, never infinite).
    with np.errstate(divide="ignore", invalid="ignore"):
        per_week = np.where(gap <= 0, 0.0, np.where(weeks > 0, gap / np.where(weeks > 0, weeks, 1), np.nan))
    out = pd.DataFrame({"gap": gap, "weeks_left": np.broadcast_to(weeks, gap.shape),
                        "what_it_takes_per_week": per_week})
    if metric_kind == "count" or rates is None:
        return out
    weeks = np.where(weeks > 0, weeks, np.nan)
    k = np.ceil(gap - 1e-9) if metric_kind == "deals" else deals_needed(gap, avg_deal_size)
    r = {name: rates[name].to_numpy(dtype=float) if name in rates else np.full(gap.shape, np.nan)
         for name, *_ in STAGE_RATES}
    rho = r["win_rate"].copy()
    with np.errstate(divide="ignore", invalid="ignore"):
        out["deals_per_week"] = k / weeks
    for stage, rate_below in (("opportunities", None), ("demos", "demo_to_opportunity"),
                              ("meetings", "meeting_to_demo"), ("calls", "call_to_meeting")):
        if rate_below is not None:
            rho = rho * r[rate_below]
        with np.errstate(divide="ignore", invalid="ignore"):
            out[f"{stage}_per_week"] = opportunities_needed(k, rho, confidence) / weeks
    return out
