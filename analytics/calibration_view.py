"""Plain-words pieces of a calibration: per-rep flags and reasons, performer terciles, in-period shape."""

from __future__ import annotations

import numpy as np
import pandas as pd

from analytics.counts import CountFit
from analytics.logmodel import LogFit
from analytics.metrics import FUNNEL_COUNTS, FUNNEL_RATES
from analytics.periods import Period
from analytics.rate_model import RateFit


def summary_reasons(fit: CountFit | LogFit | RateFit, rows: np.ndarray, family: str,
                    grain: str) -> tuple[np.ndarray, np.ndarray]:
    """(flag, reason) per forecast rep: "new" | "ramping" | "short history" | "".

    A rate has no ramp (a new hire's win rate is not scaled up over months), so no rep is ramping.
    """
    n = np.asarray(fit.n_active)[rows]
    weight = 1.0 - np.asarray(fit.shrink_b)[rows]
    unit = "quarter" if grain == "quarter" else "month"
    if isinstance(fit, RateFit):
        ramping, ramp_source = np.zeros(rows.size, bool), "history"
    else:
        ramping, ramp_source = np.asarray(fit.next_bin)[rows] < fit.ramped_bin, fit.ramp_source
    ramp_words = ("the 25/50/75/100% monthly ramp (no hires in the history to learn a ramp from)"
                  if ramp_source == "fallback" else "the ramp seen in past hires")
    pct = np.round(100 * weight).astype(int)
    flag = np.where(n == 0, "new", np.where(ramping, "ramping", np.where(n < 4, "short history", "")))
    reason = np.empty(rows.size, dtype=object)
    reason[:] = [f"{_count(k, unit)} of history; {w}% weight on own record, the rest on the team"
                 for k, w in zip(n, pct, strict=True)]
    new_text = "No history yet: the new-hire cohort level" + ("" if family == "rate" else f" plus {ramp_words}")
    reason[flag == "new"] = new_text + ", with a wide range"
    ramp_idx = np.flatnonzero(flag == "ramping")
    held = _held_at_cap(fit, rows) if isinstance(fit, LogFit) else np.zeros(rows.size, bool)
    reason[ramp_idx] = [
        f"Still ramping ({_count(k, unit)} of history) but already selling beyond the ramp: held at the higher "
        "of the team's best level and their own so far, not grown further" if h else
        f"Still ramping ({_count(k, unit)} of history): own record weighted {w}%, plus {ramp_words}"
        for k, w, h in zip(n[ramp_idx], pct[ramp_idx], held[ramp_idx], strict=True)]
    short_idx = np.flatnonzero(flag == "short history")
    reason[short_idx] = [f"Only {_count(k, unit)} of history: pulled toward the team (own record weighted {w}%)"
                         for k, w in zip(n[short_idx], pct[short_idx], strict=True)]
    return flag.astype(object), reason


def _count(k: int, unit: str) -> str:
    return f"{k} {unit}" + ("" if k == 1 else "s")


def _held_at_cap(fit: LogFit, rows: np.ndarray) -> np.ndarray:
    """Reps whose forecast level is their cap (``logmodel_parts.hire_level_caps``), not the ramp's growth."""
    parts = fit.parts
    if parts is None or parts.level_cap is None:
        return np.zeros(rows.size, bool)
    bins = np.asarray(fit.next_bin)[rows]
    return np.asarray(parts.level_cap[rows] < parts.theta[rows] + parts.ramp[bins] - 1e-9)


def performers_table(summary: pd.DataFrame, funnel: pd.DataFrame) -> pd.DataFrame:
    """Top / middle / bottom terciles of baseline, with the median sales math of each group."""
    if summary.empty:
        return pd.DataFrame()
    ranks = summary["baseline"].rank(method="first", ascending=False)
    k = len(summary)
    group = np.where(ranks <= np.ceil(k / 3), "top", np.where(ranks <= np.ceil(2 * k / 3), "middle", "bottom"))
    frame = pd.DataFrame({"rep": summary.index, "group": group, "baseline": summary["baseline"].to_numpy()})
    if not funnel.empty:
        keep = ["rep", *FUNNEL_COUNTS, "avg_deal_size", *FUNNEL_RATES]
        frame = frame.merge(funnel[[c for c in keep if c in funnel.columns]], on="rep", how="left")
    agg = frame.drop(columns="rep").groupby("group").median(numeric_only=True)
    agg.insert(0, "reps", frame.groupby("group").size())
    return agg.reindex(["top", "middle", "bottom"]).dropna(how="all")


def within_period_shape(period: Period, monthly: pd.DataFrame | None, metric: str) -> pd.Series:
    """Share of the period's outcome expected in each of its months (sums to 1).

    From the team's monthly history: each complete quarter's split across its three months,
    averaged over the same fiscal quarter of past years when two or more were seen, else over
    all quarters (month-of-quarter shape). Without monthly history: proportional to days.
    """
    months = period.months()
    labels = [m.label for m in months]
    days = np.array([m.days for m in months], dtype=float)
    fallback = pd.Series(days / days.sum(), index=labels, name="weight")
    if period.grain == "month" or monthly is None or monthly.empty:
        return fallback
    df = monthly[monthly["complete"]].copy()
    df["value"] = df["value"].clip(lower=0)
    team = df.groupby("period_start")["value"].sum()
    if team.empty:
        return fallback
    idx = pd.to_datetime(pd.Series(team.index))
    fsm = period.fiscal_start_month
    moq = ((idx.dt.month - fsm) % 3).to_numpy()
    quarter_key = (idx.dt.year * 12 + idx.dt.month - moq).to_numpy()
    q_of_year = (((idx.dt.month - fsm) % 12) // 3).to_numpy()
    frame = pd.DataFrame({"key": quarter_key, "moq": moq, "qoy": q_of_year, "v": team.to_numpy(float)})
    full = frame.groupby("key")["moq"].transform("count") == 3
    frame = frame[full]
    frame["share"] = frame["v"] / frame.groupby("key")["v"].transform("sum")
    frame = frame[np.isfinite(frame["share"])]
    if frame.empty:
        return fallback
    target_qoy = ((period.start.month - fsm) % 12) // 3
    same = frame[frame["qoy"] == target_qoy]
    use = same if same["key"].nunique() >= 2 else frame
    shape = use.groupby("moq")["share"].mean().reindex(range(3)).fillna(1 / 3).to_numpy()
    shape = shape / shape.sum()
    return pd.Series(shape, index=labels, name="weight")
