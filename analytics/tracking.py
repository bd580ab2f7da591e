"""Tracking a saved target set through its period: pace, the chance from here, flags, causes, notes.

The statistics are pure functions in :mod:`analytics.tracking_core` and
:mod:`analytics.tracking_causes`, the period's law per rep in :mod:`analytics.tracking_laws`, the
open pipeline in :mod:`analytics.open_pipeline_data` and check-in notes in
:mod:`analytics.checkin_notes` (all re-exported here: the tracking API); this module wires them to the
database: the saved set, outcomes and funnel counts to date, the within-period shape, the chance from
here. (The notes' own example is in :mod:`analytics.checkin_notes`.)
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta

import duckdb
import numpy as np
import pandas as pd

from analytics import formatting, quoting, store
from analytics import tracking_data as data
from analytics.calibration import Calibration
from analytics.checkin_notes import NOTE_COLUMNS, add_note, list_notes, notes_csv  # noqa: F401  (re-exported)
from analytics.coverage import DataCoverage, data_coverage, day_words
from analytics.metric_registry import metric_kind, resolve_metric
from analytics.metrics import FUNNEL_RATES, data_as_of, rep_funnel
from analytics.open_pipeline_data import PipelineEvidence, pipeline_evidence, without_reps
from analytics.pace_chance import remaining_law, team_effect
from analytics.pace_replay import rep_shares
from analytics.periods import Period, working_days
from analytics.target_sets import SavedTargetSet
from analytics.tracking_causes import (
    PIPELINE_SHORT,
    cause_beside_pace,
    diagnose,
    funnel_rates,
    outcome_causes,
    undated_pipeline,
    what_it_takes,
)
from analytics.tracking_core import (  # noqa: F401  (re-exported: the tracking API)
    SeasonalShape,
    StitchedPredictive,
    conditional_p_attain,
    pace,
    projection,
    remaining_predictive,
    team_simulation,
    team_view,
)
from analytics.tracking_laws import (  # noqa: F401  (re-exported: the tracking API)
    PeriodFit,
    align_predictive,
    fit_period,
    implied_predictive,
    subset_predictive,
)

DEFAULT_THRESHOLD = 0.3
VOLUME_ORDER = ("calls", "meetings", "demos", "opportunities")


# ----------------------------------------------------------------------------- within-period shape
def history_shape(conn: duckdb.DuckDBPyConnection, metric: str, period: Period, n_periods: int = 8,
                  prior_periods: float = 2.0) -> SeasonalShape:
    """The team's average share of a period's outcome by segment (months of a quarter, weeks of a
    month) over the last ``n_periods`` complete periods, shrunk toward linear-in-days by
    ``prior_periods`` pseudo-periods."""
    segments = _segments(period)
    first = period.previous(n_periods)
    daily = data.metric_by_day(conn, metric, first.start, period.start - timedelta(days=1))
    shares = []
    for k in range(1, n_periods + 1):
        p = period.previous(k)
        bounds = _segments(p)
        totals = np.array([daily[(daily.index >= a) & (daily.index <= b)].sum() for a, b in bounds])
        if totals.sum() > 0 and np.all(totals >= 0):
            shares.append(totals / totals.sum())
    days = np.array([(b - a).days + 1 for a, b in segments], dtype=float)
    if not shares:
        return SeasonalShape.from_segments(days, days, "linear (no history)")
    n = len(shares)
    w = (np.sum(shares, axis=0) + prior_periods * days / days.sum()) / (n + prior_periods)
    return SeasonalShape.from_segments(days, w, f"team history ({n} periods)")


def _segments(period: Period) -> list[tuple[date, date]]:
    if period.grain == "quarter":
        return [(m.start, m.end) for m in period.months()]
    cuts = [period.start + timedelta(days=d) for d in (0, 7, 14, 21)]
    return [(a, (cuts[i + 1] - timedelta(days=1)) if i + 1 < len(cuts) else period.end)
            for i, a in enumerate(cuts)]


def period_shape(conn: duckdb.DuckDBPyConnection, saved: SavedTargetSet,
                 cal: Calibration | None = None) -> SeasonalShape:
    """The monthly weights saved with the set (its milestones), else Calibration.within_period_shape()
    (quarters), else the team's history, else linear in days."""
    period = saved.fiscal_period
    saved_w = saved.assumptions.get("within_period_weights")
    if saved_w is not None and len(saved_w) == len(period.months()):
        try:
            return SeasonalShape.from_month_weights(period, saved_w, "weights saved with the set")
        except ValueError:
            pass
    if cal is not None and period.grain == "quarter":
        try:
            return SeasonalShape.from_month_weights(period, cal.within_period_shape().to_numpy(dtype=float),
                                                    "calibration within-period shape")
        except ValueError:  # weights that are not finite and non-negative
            pass
    return history_shape(conn, saved.metric, period)


# ----------------------------------------------------------------------------- tracking
@dataclass
class Tracking:
    """``summary``: one row per rep; ``activities``: rep x activity target rows; ``team``: the team view."""

    saved: SavedTargetSet
    as_of: date
    share: np.ndarray
    summary: pd.DataFrame
    activities: pd.DataFrame
    team: dict
    shape_source: str
    model_source: str
    notes: list[str] = field(default_factory=list)
    data_ends: date | None = None

    @property
    def period(self) -> Period:
        return self.saved.fiscal_period

    @property
    def activity_share(self) -> float:
        """The share of a volume's target expected by ``as_of``: the period's working days gone
        (activities run through a period evenly; the outcome's ``share`` follows its usual shape)."""
        return working_day_share(self.period, self.as_of)

    @property
    def period_over(self) -> bool:
        """Whether the period's last day is counted: nothing is left to do "per week"."""
        return self.as_of >= self.period.end

    @property
    def measured(self) -> bool:
        """Whether any day of the period is in the data (a period starting after it is not)."""
        return self.as_of >= self.period.start

    def flagged(self) -> pd.DataFrame:
        return self.summary[self.summary["flag"]]


def gap_unit(metric: str) -> str:
    """What a gap to target is counted in, for :func:`what_it_takes`: ``money`` (won revenue, worked
    back through deal size), ``deals`` (won deals) or ``count`` (a volume, or a metric no plan makes)."""
    m = resolve_metric(metric)
    if m.funnel_stage != "won":
        return "count"
    return "money" if m.kind == "money" else "deals"


def track(conn: duckdb.DuckDBPyConnection, target_set: SavedTargetSet | int | str, as_of: date | None = None,
          threshold: float = DEFAULT_THRESHOLD, *, n_draws: int = 4000, seed: int = 0,
          confidence: float = 0.5, fitted: tuple[Calibration | None, str] | None = None,
          fit: PeriodFit | None = None, coverage: DataCoverage | None = None) -> Tracking:
    """Track a saved set (the set, its name or id) as of a date (default: ``data_as_of``).
    ``fitted``: the set's period :func:`fit_period` when the caller has it already; else ``fit`` (default
    :func:`fit_period`) makes it (the dashboard's is cached). ``coverage``: the data's coverage when the
    caller has it (default: read now)."""
    saved = data.tracked_set(conn, target_set)
    period, reps = saved.fiscal_period, saved.reps
    cov = coverage if coverage is not None else data_coverage(conn)
    as_of = as_of or data_as_of(conn) or period.end
    # Days after the data's last day are not measured: counting them would put every rep behind.
    day = data.evaluation_date(period, min(as_of, cov.data_ends) if cov.data_ends else as_of)
    actual = data.metric_to_date(conn, saved.metric, period.start, day).reindex(reps).fillna(0.0).to_numpy()
    cal, model_note = fitted or (fit or fit_period)(conn, saved)
    implied = implied_predictive(reps, saved.targets_by_tier, saved.chances_by_tier)
    pred, covered = align_predictive(None if cal is None else cal.predictive, reps, implied)
    shape = period_shape(conn, saved, cal)
    share = np.broadcast_to(np.asarray(shape.share_at(period, day), dtype=float), actual.shape).copy()
    # A rep who left before the day has booked all they will: their period is over (pace against the whole
    # target, nothing more to come, never flagged as off pace nor told to make more calls).
    left = data.left_before(conn, reps, day)
    gone = left.notna().to_numpy()
    share[gone] = 1.0
    tg = saved.targets_by_tier
    # A base of 0 (a set saved before a target had to be above zero) is no target: read as one, it would be
    # "reached" from the first day (a 100% chance, a pace over nothing). No pace, no chance; said once.
    no_target = ~(tg["base"].to_numpy(dtype=float) > 0)
    tg = tg.assign(base=np.where(no_target, np.nan, tg["base"].to_numpy(dtype=float)))
    base = tg["base"].to_numpy(dtype=float)
    s = pd.DataFrame(index=pd.Index(reps, name="rep"))
    s["team"] = data.reps_teams(conn).reindex(reps).to_numpy()
    s["target"] = base
    for tier in ("stretch", "excellence"):
        if tier in tg:
            s[tier] = tg[tier].to_numpy(dtype=float)
    s["actual"] = actual
    s["share_expected"] = share
    s[["expected_to_date", "pace"]] = pace(actual, base, share).to_numpy()
    with np.errstate(divide="ignore", invalid="ignore"):
        s["attainment"] = np.where(base > 0, actual / base, np.nan)
    s["p_attain_saved"] = np.where(no_target, np.nan, saved.chances_by_tier["base"].to_numpy(dtype=float))
    s["p_attain_start"] = conditional_p_attain(pred, np.zeros_like(actual), base, 0.0)
    # The chance from here: each rep's own share usually booked by now and the team's pace so far
    # (analytics.pace_chance); the pace column keeps the set's shape (its milestones).
    s["share_usual"] = np.where(gone, 1.0, rep_shares(conn, saved.metric, period, day, reps))
    usual = s["share_usual"].to_numpy()
    effect = team_effect(pred, np.where(gone, 0.0, actual), np.where(gone, 0.0, usual))   # (no evidence of the team's pace)
    # With an open pipeline in the data, the rest of the period is its open deals plus what deals
    # not yet open usually add (analytics.open_pipeline); orders-only data keeps the law scaled.
    pipeline = without_reps(pipeline_evidence(conn, saved.metric, period, day, reps, coverage=cov), gone)
    with_pipeline = None if pipeline is None else pipeline.remainder(pred, usual, effect, seed=seed)
    rest = remaining_law(pred, usual, effect) if with_pipeline is None else with_pipeline
    if pipeline is not None:
        s["open_deals"] = [v.size for v in pipeline.values]
        s["open_pipeline"] = [float(v.sum()) for v in pipeline.values]
        s["open_pipeline_expected"] = pipeline.expected
    s["p_attain"] = conditional_p_attain(pred, actual, base, share, rest)
    for tier in ("stretch", "excellence"):
        if tier in tg:
            s[f"p_attain_{tier}"] = conditional_p_attain(pred, actual, tg[tier].to_numpy(dtype=float), share, rest)
    s[["projected", "projected_p10", "projected_p90"]] = projection(pred, actual, share, remaining=rest)[
        ["projected", "projected_p10", "projected_p90"]].to_numpy()
    with np.errstate(divide="ignore", invalid="ignore"):
        s["projected_attainment"] = np.where(base > 0, s["projected"] / base, np.nan)
    s["flag"] = (s["p_attain"] < threshold) & (day >= period.start) & ~gone
    funnel = usual_funnel(conn, period, reps, cal)
    acts, causes, takes = _activity_side(conn, saved, day, base - actual, confidence, cov, funnel)
    if causes["cause"].eq("no activity data").all() and not cov.has_activities:
        causes = _outcome_side(conn, saved, day, s["pace"].to_numpy(dtype=float), share, funnel)
    s = s.join(causes).join(takes)
    if resolve_metric(saved.metric).funnel_stage not in (None, "won"):
        # The metric is itself a funnel volume (calls, opportunities): its own pace is the volume.
        short = s["pace"] < 1
        volume_short = PIPELINE_SHORT if resolve_metric(saved.metric).funnel_stage == "opportunities" \
            else "activity volume short"
        s["cause"] = np.where(short, volume_short, "on pace")
        s["cause_detail"] = [f"{saved.metric} at {formatting.rate(p)} of pace" if sh else f"{saved.metric} on pace"
                             for p, sh in zip(s["pace"], short, strict=True)]
        if volume_short == PIPELINE_SHORT:   # counted by created date: deals with a blank one may be this period's
            s[["cause", "cause_detail"]] = undated_pipeline(s[["cause", "cause_detail"]], s["actual"],
                                                            s["expected_to_date"], data.undated_deals(conn, period.start),
                                                            volume_threshold=1.0)
    s[["cause", "cause_detail"]] = cause_beside_pace(
        s["flag"], s["pace"], s["cause"], s["cause_detail"], open_deals=s.get("open_deals"),
        open_expected=s.get("open_pipeline_expected"), show=_shown_as(conn, saved.metric)).to_numpy()
    s.loc[no_target, ["cause", "cause_detail"]] = ["no target", "no base target in this set: pace and chance not measured"]
    s.loc[gone, "cause"] = "left"
    s.loc[gone, "cause_detail"] = [f"left on {day_words(d.date())}: nothing after that day counts" for d in left[gone]]
    s["model"] = np.where(np.isin(reps, np.asarray(cal.predictive.reps, dtype=object))
                          if cal is not None else False, "calibration", "implied by saved set")
    # The team's view reuses the reps' projection and chance, and the pipeline remainder's seeded draws
    # (team_simulation would draw the same ones again: same count, same seed).
    team = team_view(pred, actual, tg, share, promised_p=s["p_attain_saved"].to_numpy(),
                     team_target=saved.team_number, n_draws=n_draws, seed=seed, remaining=rest,
                     projected=s["projected"].to_numpy(dtype=float), p_attain=s["p_attain"].to_numpy(dtype=float),
                     remaining_draws=None if with_pipeline is None or with_pipeline.n_draws != n_draws
                     else with_pipeline.seeded_draws())
    team["share_expected"] = float(np.mean(share[~gone] if (~gone).any() else share))    # (a leaver's is 1)
    team["team_pace"], team["team_pace_weight"] = effect.ratio, effect.weight
    team.update(pipeline_summary(pipeline))
    team["flagged"] = int(s["flag"].sum())
    notes = [] if covered == len(reps) else [
        f"{len(reps) - covered} of {len(reps)} reps use the law implied by the saved set ({model_note})"]
    notes += coverage_notes(cov, period) + no_target_notes(reps[no_target])
    return Tracking(saved=saved, as_of=day, share=share, summary=s, activities=acts, team=team,
                    shape_source=shape.source, model_source=model_note, notes=notes, data_ends=cov.data_ends)


def pipeline_summary(pipeline: PipelineEvidence | None) -> dict[str, float | int]:
    """The team's open pipeline the chances count (empty without one: absent, not zero): open deals,
    their value, the value expected to be won by the period's end, and f, the share of past
    remainders that came from deals already open at the same point."""
    if pipeline is None:
        return {}
    return {"open_deals": pipeline.deals, "open_pipeline": float(sum(v.sum() for v in pipeline.values)),
            "open_pipeline_expected": float(pipeline.expected.sum()),
            "share_from_open_deals": pipeline.share_from_open}


def no_target_notes(reps: np.ndarray) -> list[str]:
    """The reps a set gives a base of 0 or none, said once: no pace or chance is measured for them.

    >>> no_target_notes(np.array(["Ann Lee"], dtype=object))[0][:46]
    "Ann Lee has no base target in this set (it's 0"
    """
    if not len(reps):
        return []
    who = f"{quoting.names([str(r) for r in reps], 5)} {'has' if len(reps) == 1 else 'have'}"
    return [f"{who} no base target in this set (it's 0, saved before a target had to be above zero): no pace "
            "or chance is measured for them. Set a base and save the set again."]


def coverage_notes(cov: DataCoverage, period: Period) -> list[str]:
    """What the data cannot show about ``period``: where it ends inside or before the period."""
    if cov.starts_after(period):
        return [f"The data ends on {day_words(cov.data_ends)}, before {period.label} starts: "
                "nothing of the period is measured yet."]
    if cov.runs_past(period):
        return [f"The data ends on {day_words(cov.data_ends)}: {period.label} is measured up to that day."]
    return []


def _shown_as(conn: duckdb.DuckDBPyConnection, metric: str) -> Callable[[float], str]:
    """How what open deals bring to ``metric`` is written in a cause's words: money in the company's currency,
    else deals won (the two metrics open deals make)."""
    if metric_kind(metric) != "money":
        return lambda v: f"{formatting.quantity(v, 'deal')} won"
    symbol = formatting.currency_symbol(store.currency_code(conn))
    return lambda v: formatting.money(v, symbol)


def _outcome_side(conn: duckdb.DuckDBPyConnection, saved: SavedTargetSet, day: date, outcome_pace: np.ndarray,
                  share: np.ndarray, funnel: UsualFunnel) -> pd.DataFrame:
    """Causes from won deals alone (no activities, no created dates): fewer deals, deal size or pace."""
    period, reps = saved.fiscal_period, saved.reps
    now = data.funnel_counts(conn, period.start, day).reindex(reps).fillna(0.0)
    usual, _, deal_size = funnel
    with np.errstate(divide="ignore", invalid="ignore"):
        size_now = (now["revenue"] / now["won"].where(now["won"] > 0)).to_numpy(dtype=float)
    causes = outcome_causes(outcome_pace, now["won"].to_numpy(dtype=float),
                            usual["won"].astype(float).to_numpy() * share, size_now, deal_size.to_numpy(dtype=float),
                            currency=formatting.currency_symbol(store.currency_code(conn)))
    causes.index = pd.Index(reps, name="rep")
    return causes.assign(weakest_activity=None, weakest_activity_pace=np.nan, weakest_stage=None,
                         weakest_stage_vs_usual=np.nan)


UsualFunnel = tuple[pd.DataFrame, pd.DataFrame, pd.Series]


def usual_funnel(conn: duckdb.DuckDBPyConnection, period: Period, reps: np.ndarray,
                 cal: Calibration | None = None) -> UsualFunnel:
    """The rep's usual funnel before ``period``: per-period volumes, conversion rates, deal size.

    ``metrics.rep_funnel`` (the pooled rates the set's activity plan was built from) over the four
    complete periods before ``period``; NaN for a rep it does not know. ``cal``: the period's
    calibration, whose funnel is this very one when it was read at the period's grain on the day
    before it (:func:`fit_period`'s): taken from it instead of read again.
    """
    day_before = period.start - timedelta(days=1)
    if cal is not None and cal.grain == period.grain and cal.as_of == day_before and not cal.rep_funnel.empty:
        f = cal.rep_funnel
    else:
        f = rep_funnel(conn, period.grain, as_of=day_before)
    f = f.set_index("rep").reindex(reps)
    return f, f[list(FUNNEL_RATES)].astype(float), f["avg_deal_size"].astype(float)


def _activity_side(conn: duckdb.DuckDBPyConnection, saved: SavedTargetSet, day: date, gap: np.ndarray,
                   confidence: float, cov: DataCoverage,
                   funnel: UsualFunnel) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """Activities to date vs their targets' (or usual) pace, causes and what it takes per week.

    Volumes whose data was never imported (``cov``) are neither judged nor planned: zero calls in
    data without activities is no evidence of a short volume."""
    period, reps = saved.fiscal_period, saved.reps
    s_act = working_day_share(period, day)
    now = data.funnel_counts(conn, period.start, day).reindex(reps).fillna(0.0)
    usual, usual_rates, deal_size = funnel
    # Expected per period: the set's activity targets, else the rep's usual volume.
    a = saved.activity_rows.assign(column=saved.activity_rows["activity"].map(data.funnel_column))
    volume_cols = [c for c in VOLUME_ORDER if c in usual and _volume_covered(cov, c)]
    planned = a[a["column"].isin(volume_cols)].pivot_table(index="rep", columns="column", values="per_period",
                                                          aggfunc="last")
    expected = planned.reindex(index=reps, columns=volume_cols).combine_first(usual[volume_cols])
    expected = expected[volume_cols]
    now_long = now.stack().rename("actual")
    covered = {c: _volume_covered(cov, c) for c in set(a["column"]) if isinstance(c, str)}  # asked once a volume
    a = a.loc[np.array([covered[c] if isinstance(c, str) else True for c in a["column"]], dtype=bool)]
    rows = a.assign(target=a["per_period"]).join(now_long, on=["rep", "column"])
    rows["expected_to_date"] = rows["target"] * s_act
    with np.errstate(divide="ignore", invalid="ignore"):
        rows["pace"] = rows["actual"] / rows["expected_to_date"].where(rows["expected_to_date"] > 0)
    # Volume is judged at the top of each rep's funnel: the first stage with an expectation
    # (lower stages are conversion, judged by the rates below).
    volume = pd.DataFrame(index=reps)
    first = (expected.gt(0).idxmax(axis=1).where(expected.gt(0).any(axis=1)) if volume_cols
             else pd.Series(None, index=reps, dtype=object))
    for c in expected.columns:
        exp_c = expected[c] * s_act
        volume[c] = (now[c] / exp_c.where(exp_c > 0)).where(first == c)
    now_rates = funnel_rates(now)
    dens = now.assign(closed=now["won"] + now["lost"])[["calls", "meetings", "demos", "closed"]]
    dens.columns = ["call_to_meeting", "meeting_to_demo", "demo_to_opportunity", "win_rate"]
    causes = diagnose(volume, now_rates, usual_rates, dens)
    if "opportunities" in expected.columns:   # (deals with a blank created date may be this period's)
        causes = undated_pipeline(causes, now["opportunities"], expected["opportunities"] * s_act,
                                  data.undated_deals(conn, period.start))
    weeks_left = working_days(day + timedelta(days=1), period.end) / 5.0
    takes = what_it_takes(gap, weeks_left, avg_deal_size=deal_size.to_numpy(dtype=float), rates=usual_rates,
                          metric_kind=gap_unit(saved.metric), confidence=confidence)
    takes.index = pd.Index(reps, name="rep")
    takes = takes.drop(columns=[f"{c}_per_week" for c in VOLUME_ORDER if not _volume_covered(cov, c)],
                       errors="ignore")
    cols = ["rep", "activity", "target", "expected_to_date", "actual", "pace"]
    return rows[cols].reset_index(drop=True), causes, takes


def working_day_share(period: Period, day: date) -> float:
    """The share of ``period``'s working days gone by ``day`` (inclusive), what a volume's target expects by then.

    >>> from analytics.periods import parse_period
    >>> working_day_share(parse_period("2026-04"), date(2026, 4, 15))   # 11 of 22 working days
    0.5
    """
    return min(working_days(period.start, day) / max(working_days(period.start, period.end), 1), 1.0)


def _volume_covered(cov: DataCoverage, column: str) -> bool:
    """Whether a funnel volume (``calls``, ``opportunities``) has data to be judged or planned by
    (won deals, and a name no funnel stage makes, are the deals' own)."""
    return not isinstance(column, str) or cov.has_funnel(column)
