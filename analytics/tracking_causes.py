"""Why a rep is off pace and what it takes from here: pure functions of funnel counts and rates.

Activity volume against its pace, stage conversions against the rep's usual rates (a binomial
surprise test, so a small sample is not judged), causes from won deals alone for data without
activities (an orders export), and the deals and activities a week the gap needs at the rep's own
rates. :mod:`analytics.tracking` wires them to the database.

Example
-------
>>> import pandas as pd
>>> funnel_rates(pd.DataFrame({"calls": [100.0], "meetings": [12.0], "won": [3.0], "lost": [1.0]}))[
...     ["call_to_meeting", "win_rate"]].round(2).values.tolist()
[[0.12, 0.75]]
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import numpy.typing as npt
import pandas as pd
from scipy import stats

from analytics import formatting

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


PIPELINE_SHORT = "pipeline volume short"
VOLUME_SHORT = 0.8
"""A funnel volume under this share of its pace to date is short (:func:`diagnose`, :func:`undated_pipeline`)."""
PIPELINE_UNKNOWN = "pipeline not measurable"
"""Opportunities short of pace only by the created dates known: the rep's deals without one would make it up."""


def diagnose(activity_pace: pd.DataFrame, rates_now: pd.DataFrame, rates_usual: pd.DataFrame,
             denominators: pd.DataFrame, *, volume_threshold: float = VOLUME_SHORT,
             conversion_threshold: float = 0.75, min_count: float = 5.0, alpha: float = 0.05) -> pd.DataFrame:
    """The likely cause of a shortfall, per rep (index of ``activity_pace``).

    ``activity_pace``: rep x activity (calls, meetings, ...) actual / expected-to-date;
    ``rates_now`` / ``rates_usual``: rep x stage rates (``funnel_rates``); ``denominators``: rep x stage
    trials to date (a stage with fewer than ``min_count`` is not judged, nor one whose shortfall a
    binomial at the usual rate would produce with probability ``alpha`` or more: small-count noise).
    "activity volume short" when the weakest activity is under ``volume_threshold`` of pace
    ("pipeline volume short" when that is the opportunities created);
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
            # (opportunities come from the deals' created dates, not from an activity log: a manager
            # without one must not read that calls or meetings fell short)
            cause.append(PIPELINE_SHORT if wa == "opportunities" else "activity volume short")
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


def undated_pipeline(causes: pd.DataFrame, created: pd.Series, expected: pd.Series, undated: pd.Series,
                     volume_threshold: float = VOLUME_SHORT) -> pd.DataFrame:
    """``causes`` (:func:`diagnose`) with "pipeline volume short" taken back where the rep's deals without a
    created date (``undated``, :func:`analytics.tracking_data.undated_deals`) would lift the opportunities
    ``created`` to date to ``volume_threshold`` of the ``expected`` by now (1: a set whose metric is the
    opportunities themselves, short below its pace): the shortfall may be the export's blank dates, not the
    rep's pipeline.

    >>> c = pd.DataFrame({"cause": [PIPELINE_SHORT] * 2, "cause_detail": ["opportunities at 47% of pace"] * 2},
    ...                  index=["Ann", "Bo"])
    >>> out = undated_pipeline(c, pd.Series({"Ann": 47.0, "Bo": 35.0}), pd.Series({"Ann": 100.0, "Bo": 75.0}),
    ...                        pd.Series({"Ann": 55.0}))
    >>> out["cause"].tolist()
    ['pipeline not measurable', 'pipeline volume short']
    >>> print(out.loc["Ann", "cause_detail"])
    opportunities at 47% of pace by created date, but 55 of the rep's deals have no created date: if created this period, they put the pipeline on pace
    """
    out = causes.copy()
    reps = out.index
    lacking = undated.reindex(reps).fillna(0.0)
    with np.errstate(divide="ignore", invalid="ignore"):
        lifted = (created.reindex(reps).fillna(0.0) + lacking) / expected.reindex(reps)
    unknown = (out["cause"] == PIPELINE_SHORT) & (lacking > 0) & (lifted >= volume_threshold)
    out.loc[unknown, "cause"] = PIPELINE_UNKNOWN
    out.loc[unknown, "cause_detail"] = [
        f"{detail.split(';')[0]} by created date, but {formatting.count(n)} of the rep's {formatting.plural('deal', n)} {'has' if n == 1 else 'have'} no created date: if created this "
        f"period, {'it puts' if n == 1 else 'they put'} the pipeline on pace"
        for detail, n in zip(out.loc[unknown, "cause_detail"], lacking[unknown], strict=True)]
    return out


def outcome_causes(outcome_pace: npt.ArrayLike, deals_now: npt.ArrayLike, deals_expected: npt.ArrayLike,
                   size_now: npt.ArrayLike, size_usual: npt.ArrayLike, *, short: float = 0.8,
                   currency: str = "$") -> pd.DataFrame:
    """Causes from won deals alone, for data without activities or created dates (an orders export):
    what such data can show is the outcome against its seasonal pace, the number of deals and their size.

    "fewer deals" when deals won to date are under ``short`` of the usual number by now (and fall
    shorter than deal size); "deal size" when the average won deal is under ``short`` of the usual
    one; "revenue behind seasonal pace" when behind pace with neither; "on pace" otherwise. Deal sizes
    are written in ``currency`` (the data's symbol).

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
            detail.append(f"{formatting.quantity(won[i], 'deal')} won against about {formatting.count(expected[i])} "
                          "usual by now")
        elif behind and smaller:
            cause.append("deal size")
            detail.append(f"average won deal {formatting.money(size[i], currency)} against a usual "
                          f"{formatting.money(usual_size[i], currency)}")
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


HIGH_TARGET = "target above the usual rate"
SHORTFALL_CAUSES = (PIPELINE_SHORT, PIPELINE_UNKNOWN, "activity volume short", "conversion short", "fewer deals", "deal size",
                    "revenue behind seasonal pace")
"""The causes that explain a shortfall: beside a rep ahead of pace they are only something to watch."""
HIGH_TARGET_DETAIL = "on pace, but the target needs more than the usual rate for the rest of the period"


BEHIND_OPEN_DEALS = "behind pace, open deals ahead"
BEHIND_UNFLAGGED = "behind pace"


def cause_beside_pace(flag: npt.ArrayLike, pace: npt.ArrayLike, cause: npt.ArrayLike,
                      detail: npt.ArrayLike, *, open_deals: npt.ArrayLike | None = None,
                      open_expected: npt.ArrayLike | None = None,
                      show: Callable[[float], str] = formatting.count) -> pd.DataFrame:
    """The cause as read beside the rep's pace and flag, when the funnel alone would say otherwise.

    A rep at or above their seasonal pace is flagged only because their target is high: the rest of the
    period needs more than their usual rate (saying "on the seasonal pace" beside a flag reads as a
    mistake). A rep behind pace whose funnel is on pace is left with deal size or timing. A rep neither
    flagged nor behind is on pace whatever the funnel shows (a shortfall's cause beside a rep at 300% of
    pace reads as a mistake too); a funnel volume or rate short of usual stays in the detail as one to
    watch: fewer opportunities created now is a later period's shortfall. A rep behind pace but not flagged
    whose funnel is on pace is not "on pace" either (21% of pace beside "on pace" reads as a mistake): their
    open deals, when ``open_deals`` and ``open_expected`` (what they should bring by the period's end,
    written by ``show``) say so, else the chance still above the threshold, are why.

    >>> said = cause_beside_pace([True, True, False, False], [1.04, 0.9, 1.1, 3.0], ["on pace"] * 3 + [PIPELINE_SHORT],
    ...                          ["on the seasonal pace"] * 3 + ["opportunities at 40% of pace"])
    >>> said["cause"].tolist()
    ['target above the usual rate', 'deal size or timing', 'on pace', 'on pace']
    >>> said["cause_detail"][0]
    'on pace, but the target needs more than the usual rate for the rest of the period'
    >>> said["cause_detail"][3]
    'ahead of pace; to watch: opportunities at 40% of pace'
    >>> behind = cause_beside_pace([False, False], [0.21, 0.8], ["on pace"] * 2, ["on the seasonal pace"] * 2,
    ...                            open_deals=[25, 0], open_expected=[117_476.5, 0.0])
    >>> behind["cause"].tolist()
    ['behind pace, open deals ahead', 'behind pace']
    >>> behind["cause_detail"].tolist()
    ["at 21% of the seasonal pace; 25 open deals should bring about 117,476 by the period's end", 'at 80% of the seasonal pace; not flagged: the chance of reaching base is above the threshold']
    """
    flag = np.asarray(flag, dtype=bool)
    pace = np.asarray(pace, dtype=float)
    ahead = flag & (pace >= 1)    # (NaN pace: not measured, never "ahead")
    cause, detail = np.asarray(cause, dtype=object), np.asarray(detail, dtype=object)
    clear = ~flag & (pace >= 1) & np.isin(cause, SHORTFALL_CAUSES)
    detail = np.where(clear, np.array([f"ahead of pace; to watch: {d}" for d in detail], dtype=object), detail)
    cause = np.where(clear, "on pace", cause)
    behind = ~flag & (pace < 1) & (cause == "on pace")
    n_open = np.zeros(flag.shape) if open_deals is None else np.nan_to_num(np.asarray(open_deals, dtype=float))
    brings = np.zeros(flag.shape) if open_expected is None else np.nan_to_num(np.asarray(open_expected, dtype=float))
    carried = behind & (n_open > 0) & (brings > 0)
    detail = np.where(carried, np.array([
        f"at {formatting.rate(p)} of the seasonal pace; {formatting.quantity(n, 'open deal')} should bring about "
        f"{show(e)} by the period's end" for p, n, e in zip(pace, n_open, brings, strict=True)], dtype=object),
        np.where(behind & ~carried, np.array([
            f"at {formatting.rate(p)} of the seasonal pace; not flagged: the chance of reaching base is above the "
            "threshold" for p in pace], dtype=object), detail))
    cause = np.where(carried, BEHIND_OPEN_DEALS, np.where(behind, BEHIND_UNFLAGGED, cause))
    cause = np.where(ahead, HIGH_TARGET, np.where(flag & (cause == "on pace"), "deal size or timing", cause))
    return pd.DataFrame({"cause": cause, "cause_detail": np.where(ahead, HIGH_TARGET_DETAIL, detail)})


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
