"""Tracking a saved target set through its period: pace, the chance from here, flags, causes, notes.

The statistics are pure functions in :mod:`analytics.tracking_core` (re-exported here); this module
wires them to the database: the saved set, outcomes and funnel counts to date, the engine's
predictive for the period (``calibration.calibrate``), the within-period shape, check-in notes.

Example
-------
>>> from analytics import store
>>> conn = store.connect(":memory:")
>>> add_note(conn, None, "ana", "pipeline review", "2026-02-03")
>>> list_notes(conn)["note"].tolist()
['pipeline review']
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta

import duckdb
import numpy as np
import numpy.typing as npt
import pandas as pd
from scipy import stats

from analytics import csv_writer, formatting
from analytics import tracking_data as data
from analytics.calibration import Calibration, calibrate
from analytics.coverage import DataCoverage, data_coverage, day_words
from analytics.metric_registry import resolve_metric
from analytics.metrics import FUNNEL_RATES, data_as_of, rep_funnel
from analytics.periods import Period, working_days
from analytics.predictive import LogScaleHurdle, NegBinomialCount, PredictiveDistribution
from analytics.target_sets import SavedTargetSet, resolve_set_id
from analytics.tracking_core import (  # noqa: F401  (re-exported: the tracking API)
    SeasonalShape,
    StitchedPredictive,
    conditional_p_attain,
    diagnose,
    funnel_rates,
    outcome_causes,
    pace,
    projection,
    remaining_predictive,
    team_simulation,
    team_view,
    what_it_takes,
)

DEFAULT_THRESHOLD = 0.3
VOLUME_ORDER = ("calls", "meetings", "demos", "opportunities")


# ----------------------------------------------------------------------------- the period's law
def implied_predictive(reps: Sequence[str] | np.ndarray, targets: pd.DataFrame, chances: pd.DataFrame,
                       df: float = 30.0, default_sigma: float = 0.5) -> LogScaleHurdle:
    """The log-t law a saved set implies: each tier says T_j = Q(1 - p_j), so
    log T_j = mu + sigma * t.ppf(1 - p_j, df); least squares over the rep's tiers (one tier: the
    team's median sigma). Used for reps the calibration does not cover."""
    t = targets.reindex(reps).to_numpy(dtype=float)
    p = chances.reindex(index=reps, columns=targets.columns).to_numpy(dtype=float)
    ok = np.isfinite(t) & (t > 0) & np.isfinite(p) & (p > 0) & (p < 1)
    z = np.where(ok, stats.t.ppf(1 - np.where(ok, p, 0.5), df), 0.0)
    y = np.where(ok, np.log(np.where(ok, t, 1.0)), 0.0)
    n = ok.sum(axis=1)
    zbar = np.where(n > 0, z.sum(axis=1) / np.maximum(n, 1), 0.0)
    ybar = np.where(n > 0, y.sum(axis=1) / np.maximum(n, 1), np.nan)
    szz = (ok * (z - zbar[:, None]) ** 2).sum(axis=1)
    szy = (ok * (z - zbar[:, None]) * (y - ybar[:, None])).sum(axis=1)
    with np.errstate(divide="ignore", invalid="ignore"):
        sigma = np.where((n >= 2) & (szz > 1e-9), szy / szz, np.nan)
    sigma = np.where(sigma > 0, sigma, np.nan)
    fill = float(np.nanmedian(sigma)) if np.any(np.isfinite(sigma)) else default_sigma
    sigma = np.where(np.isfinite(sigma), sigma, fill)
    mu = ybar - sigma * zbar
    return LogScaleHurdle(reps=np.asarray(reps, dtype=object), mu=mu, sigma=sigma,
                          df=np.full(len(reps), float(df)), zero_share=np.zeros(len(reps)))


def subset_predictive(pred: PredictiveDistribution, positions: npt.ArrayLike) -> PredictiveDistribution:
    pos = np.asarray(positions, dtype=int)
    if isinstance(pred, LogScaleHurdle):
        return LogScaleHurdle(reps=np.asarray(pred.reps)[pos], mu=pred.mu[pos], sigma=pred.sigma[pos],
                              df=np.asarray(pred.df)[pos], zero_share=pred.zero_share[pos],
                              residuals=pred.residuals, shared_sigma=pred.shared_sigma)
    if isinstance(pred, NegBinomialCount):
        return NegBinomialCount(reps=np.asarray(pred.reps)[pos], r=pred.r[pos], q=pred.q[pos],
                                shared_sigma=pred.shared_sigma)
    raise TypeError(f"cannot subset {type(pred).__name__}")


def align_predictive(model: PredictiveDistribution | None, reps: np.ndarray,
                     fallback: PredictiveDistribution) -> tuple[PredictiveDistribution, int]:
    """``model``'s law for the reps it covers, ``fallback``'s for the others, in ``reps`` order.
    Returns (predictive, number of reps covered by ``model``)."""
    reps = np.asarray(reps, dtype=object)
    if model is None:
        return fallback, 0
    where = {r: i for i, r in enumerate(np.asarray(model.reps, dtype=object))}
    have = np.array([r in where for r in reps], dtype=bool)
    if have.all():
        return subset_predictive(model, [where[r] for r in reps]), int(reps.size)
    parts = [(subset_predictive(model, [where[r] for r in reps[have]]), np.flatnonzero(have)),
             (subset_predictive(fallback, np.flatnonzero(~have)), np.flatnonzero(~have))]
    return StitchedPredictive(reps=reps, parts=tuple(p for p in parts if p[1].size)), int(have.sum())


def fit_period(conn: duckdb.DuckDBPyConnection, saved: SavedTargetSet, period: Period | None = None,
               as_of: date | None = None) -> tuple[Calibration | None, str]:
    """``calibration.calibrate`` for ``period`` (default: the set's) on data before it; None with a
    reason when there is no history to fit."""
    period = period or saved.fiscal_period
    try:
        cal = calibrate(conn, metric=saved.metric, grain=period.grain, period=period,
                        as_of=as_of or period.start - timedelta(days=1))
    except (ValueError, LookupError, KeyError) as exc:
        return None, f"calibration failed: {exc}"
    if not (cal.summary["n_periods"] > 0).any():
        return None, f"no complete history before {period.label}"
    return cal, "calibration"


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
          confidence: float = 0.5) -> Tracking:
    """Track a saved set (the set, its name or id) as of a date (default: ``data_as_of``)."""
    saved = data.tracked_set(conn, target_set)
    period, reps = saved.fiscal_period, saved.reps
    cov = data_coverage(conn)
    as_of = as_of or data_as_of(conn) or period.end
    # Days after the data's last day are not measured: counting them would put every rep behind.
    day = data.evaluation_date(period, min(as_of, cov.data_ends) if cov.data_ends else as_of)
    actual = data.metric_to_date(conn, saved.metric, period.start, day).reindex(reps).fillna(0.0).to_numpy()
    cal, model_note = fit_period(conn, saved)
    implied = implied_predictive(reps, saved.targets_by_tier, saved.chances_by_tier)
    pred, covered = align_predictive(None if cal is None else cal.predictive, reps, implied)
    shape = period_shape(conn, saved, cal)
    share = np.broadcast_to(np.asarray(shape.share_at(period, day), dtype=float), actual.shape).copy()
    tg = saved.targets_by_tier
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
    s["p_attain_saved"] = saved.chances_by_tier["base"].to_numpy(dtype=float)
    s["p_attain_start"] = conditional_p_attain(pred, np.zeros_like(actual), base, 0.0)
    s["p_attain"] = conditional_p_attain(pred, actual, base, share)
    for tier in ("stretch", "excellence"):
        if tier in tg:
            s[f"p_attain_{tier}"] = conditional_p_attain(pred, actual, tg[tier].to_numpy(dtype=float), share)
    s[["projected", "projected_p10", "projected_p90"]] = projection(pred, actual, share)[
        ["projected", "projected_p10", "projected_p90"]].to_numpy()
    with np.errstate(divide="ignore", invalid="ignore"):
        s["projected_attainment"] = np.where(base > 0, s["projected"] / base, np.nan)
    s["flag"] = (s["p_attain"] < threshold) & (day >= period.start)
    acts, causes, takes = _activity_side(conn, saved, day, base - actual, confidence, cov)
    if causes["cause"].eq("no activity data").all() and not cov.has_activities:
        causes = _outcome_side(conn, saved, day, s["pace"].to_numpy(dtype=float), share)
    s = s.join(causes).join(takes)
    if resolve_metric(saved.metric).funnel_stage not in (None, "won"):
        # The metric is itself a funnel volume (calls, opportunities): its own pace is the volume.
        short = s["pace"] < 1
        s["cause"] = np.where(short, "activity volume short", "on pace")
        s["cause_detail"] = [f"{saved.metric} at {formatting.rate(p)} of pace" if sh else f"{saved.metric} on pace"
                             for p, sh in zip(s["pace"], short, strict=True)]
    # Off pace for the target while the funnel is on pace: what is left is deal size or timing.
    s["cause"] = np.where(s["flag"] & (s["cause"] == "on pace"), "deal size or timing", s["cause"])
    s["model"] = np.where(np.isin(reps, np.asarray(cal.predictive.reps, dtype=object))
                          if cal is not None else False, "calibration", "implied by saved set")
    team = team_view(pred, actual, tg, share, promised_p=s["p_attain_saved"].to_numpy(),
                     team_target=saved.team_number, n_draws=n_draws, seed=seed)
    team["share_expected"] = float(np.mean(share))
    team["flagged"] = int(s["flag"].sum())
    notes = [] if covered == len(reps) else [
        f"{len(reps) - covered} of {len(reps)} reps use the law implied by the saved set ({model_note})"]
    notes += coverage_notes(cov, period)
    return Tracking(saved=saved, as_of=day, share=share, summary=s, activities=acts, team=team,
                    shape_source=shape.source, model_source=model_note, notes=notes, data_ends=cov.data_ends)


def coverage_notes(cov: DataCoverage, period: Period) -> list[str]:
    """What the data cannot show about ``period``: where it ends inside or before the period."""
    if cov.starts_after(period):
        return [f"The data ends on {day_words(cov.data_ends)}, before {period.label} starts: "
                "nothing of the period is measured yet."]
    if cov.runs_past(period):
        return [f"The data ends on {day_words(cov.data_ends)}: {period.label} is measured up to that day."]
    return []


def _outcome_side(conn: duckdb.DuckDBPyConnection, saved: SavedTargetSet, day: date, outcome_pace: np.ndarray,
                  share: np.ndarray) -> pd.DataFrame:
    """Causes from won deals alone (no activities, no created dates): fewer deals, deal size or pace."""
    period, reps = saved.fiscal_period, saved.reps
    now = data.funnel_counts(conn, period.start, day).reindex(reps).fillna(0.0)
    usual, _, deal_size = usual_funnel(conn, period, reps)
    with np.errstate(divide="ignore", invalid="ignore"):
        size_now = (now["revenue"] / now["won"].where(now["won"] > 0)).to_numpy(dtype=float)
    causes = outcome_causes(outcome_pace, now["won"].to_numpy(dtype=float),
                            usual["won"].astype(float).to_numpy() * share, size_now, deal_size.to_numpy(dtype=float))
    causes.index = pd.Index(reps, name="rep")
    return causes.assign(weakest_activity=None, weakest_activity_pace=np.nan, weakest_stage=None,
                         weakest_stage_vs_usual=np.nan)


def usual_funnel(conn: duckdb.DuckDBPyConnection, period: Period,
                 reps: np.ndarray) -> tuple[pd.DataFrame, pd.DataFrame, pd.Series]:
    """The rep's usual funnel before ``period``: per-period volumes, conversion rates, deal size.

    ``metrics.rep_funnel`` (the pooled rates the set's activity plan was built from) over the four
    complete periods before ``period``; NaN for a rep it does not know.
    """
    f = rep_funnel(conn, period.grain, as_of=period.start - timedelta(days=1)).set_index("rep").reindex(reps)
    return f, f[list(FUNNEL_RATES)].astype(float), f["avg_deal_size"].astype(float)


def _activity_side(conn: duckdb.DuckDBPyConnection, saved: SavedTargetSet, day: date, gap: np.ndarray,
                   confidence: float, cov: DataCoverage) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """Activities to date vs their targets' (or usual) pace, causes and what it takes per week.

    Volumes whose data was never imported (``cov``) are neither judged nor planned: zero calls in
    data without activities is no evidence of a short volume."""
    period, reps = saved.fiscal_period, saved.reps
    s_act = working_days(period.start, day) / max(working_days(period.start, period.end), 1)
    now = data.funnel_counts(conn, period.start, day).reindex(reps).fillna(0.0)
    usual, usual_rates, deal_size = usual_funnel(conn, period, reps)
    # Expected per period: the set's activity targets, else the rep's usual volume.
    a = saved.activity_rows.assign(column=saved.activity_rows["activity"].map(data.funnel_column))
    volume_cols = [c for c in VOLUME_ORDER if c in usual and _volume_covered(cov, c)]
    planned = a[a["column"].isin(volume_cols)].pivot_table(index="rep", columns="column", values="per_period",
                                                          aggfunc="last")
    expected = planned.reindex(index=reps, columns=volume_cols).combine_first(usual[volume_cols])
    expected = expected[volume_cols]
    now_long = now.stack().rename("actual")
    a = a.loc[np.array([_volume_covered(cov, c) for c in a["column"]], dtype=bool)]
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
    weeks_left = working_days(day + timedelta(days=1), period.end) / 5.0
    takes = what_it_takes(gap, weeks_left, avg_deal_size=deal_size.to_numpy(dtype=float), rates=usual_rates,
                          metric_kind=gap_unit(saved.metric), confidence=confidence)
    takes.index = pd.Index(reps, name="rep")
    takes = takes.drop(columns=[f"{c}_per_week" for c in VOLUME_ORDER if not _volume_covered(cov, c)],
                       errors="ignore")
    cols = ["rep", "activity", "target", "expected_to_date", "actual", "pace"]
    return rows[cols].reset_index(drop=True), causes, takes


def _volume_covered(cov: DataCoverage, column: str) -> bool:
    """Whether a funnel volume (``calls``, ``opportunities``) has data to be judged or planned by
    (won deals, and a name no funnel stage makes, are the deals' own)."""
    return not isinstance(column, str) or cov.has_funnel(column)


# ----------------------------------------------------------------------------- check-in notes
NOTE_COLUMNS = ["set_id", "rep", "note_date", "note", "created_at"]


def add_note(conn: duckdb.DuckDBPyConnection, target_set: int | str | None, rep: str, note: str,
             note_date: date | str | None = None) -> None:
    """Record a check-in note for a rep (``target_set``: name, id or None for no set)."""
    if not str(note or "").strip():
        raise ValueError("a check-in note needs some text")
    set_id = None if target_set is None else resolve_set_id(conn, target_set)
    when = pd.Timestamp(note_date).date() if note_date is not None else date.today()
    conn.execute("INSERT INTO checkin_notes (set_id, rep, note_date, note) VALUES (?, ?, ?, ?)",
                 [set_id, str(rep), when, str(note).strip()])


def list_notes(conn: duckdb.DuckDBPyConnection, target_set: int | str | None = None,
               rep: str | None = None) -> pd.DataFrame:
    """Notes ordered by date (then by when they were written), optionally for one set and/or rep."""
    sql = f"SELECT {', '.join(NOTE_COLUMNS)} FROM checkin_notes WHERE 1 = 1"
    params: list[int | str] = []
    if target_set is not None:
        sql += " AND set_id = ?"
        params.append(resolve_set_id(conn, target_set))
    if rep is not None:
        sql += " AND rep = ?"
        params.append(str(rep))
    return conn.execute(sql + " ORDER BY note_date, created_at, rep", params).df()


def notes_csv(conn: duckdb.DuckDBPyConnection, target_set: int | str | None = None,
              rep: str | None = None) -> str:
    """The notes as CSV text (rep, note_date, note, set_id, created_at) for download, through the one
    CSV writer: a note that reads like a formula (``=HYPERLINK(...)``) stays text in a spreadsheet."""
    df = list_notes(conn, target_set, rep)
    return csv_writer.frame_csv(df[["rep", "note_date", "note", "set_id", "created_at"]],
                                {"rep": "text", "note_date": "date", "note": "text"})
