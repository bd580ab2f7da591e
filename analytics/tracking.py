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

import io
from dataclasses import dataclass, field
from datetime import date, timedelta

import numpy as np
import pandas as pd
from scipy import stats

from analytics import tracking_data as data
from analytics.periods import Period, working_days
from analytics.predictive import LogScaleHurdle, NegBinomialCount
from analytics.tracking_core import (  # noqa: F401  (re-exported: the tracking API)
    SeasonalShape,
    StitchedPredictive,
    conditional_p_attain,
    diagnose,
    funnel_rates,
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
def implied_predictive(reps, targets: pd.DataFrame, chances: pd.DataFrame, df: float = 30.0,
                       default_sigma: float = 0.5) -> LogScaleHurdle:
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


def subset_predictive(pred, positions: np.ndarray):
    pos = np.asarray(positions, dtype=int)
    if isinstance(pred, LogScaleHurdle):
        return LogScaleHurdle(reps=np.asarray(pred.reps)[pos], mu=pred.mu[pos], sigma=pred.sigma[pos],
                              df=np.asarray(pred.df)[pos], zero_share=pred.zero_share[pos],
                              residuals=pred.residuals, shared_sigma=pred.shared_sigma)
    if isinstance(pred, NegBinomialCount):
        return NegBinomialCount(reps=np.asarray(pred.reps)[pos], r=pred.r[pos], q=pred.q[pos],
                                shared_sigma=pred.shared_sigma)
    raise TypeError(f"cannot subset {type(pred).__name__}")


def align_predictive(model, reps, fallback) -> tuple[object, int]:
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


def fit_period(conn, saved: data.SavedSet, period: Period | None = None, as_of: date | None = None):
    """``calibration.calibrate`` for ``period`` (default: the set's) on data before it; None with a
    reason when the module or the history is not there."""
    period = period or saved.period
    try:
        from analytics.calibration import calibrate
    except ImportError:
        return None, "calibration module not available"
    try:
        cal = calibrate(conn, metric=saved.metric, grain=period.grain, period=period,
                        as_of=as_of or period.start - timedelta(days=1))
    except (ValueError, LookupError, KeyError) as exc:
        return None, f"calibration failed: {exc}"
    summary = getattr(cal, "summary", None)
    if summary is not None and "n_periods" in summary and not (summary["n_periods"] > 0).any():
        return None, f"no complete history before {period.label}"
    return cal, "calibration"


# ----------------------------------------------------------------------------- within-period shape
def history_shape(conn, metric: str, period: Period, n_periods: int = 8,
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


def period_shape(conn, saved: data.SavedSet, cal=None) -> SeasonalShape:
    """The monthly weights saved with the set (its milestones), else Calibration.within_period_shape()
    (quarters), else the team's history, else linear in days."""
    saved_w = saved.assumptions.get("within_period_weights")
    if saved_w is not None and len(saved_w) == len(saved.period.months()):
        try:
            return SeasonalShape.from_month_weights(saved.period, saved_w, "weights saved with the set")
        except ValueError:
            pass
    if cal is not None and saved.period.grain == "quarter" and hasattr(cal, "within_period_shape"):
        try:
            w = cal.within_period_shape()
        except (ValueError, KeyError):
            w = None
        if isinstance(w, pd.DataFrame):
            w = w.reindex(saved.reps).fillna(w.mean())
        if w is not None and np.asarray(w).shape[-1] == len(saved.period.months()):
            try:
                return SeasonalShape.from_month_weights(saved.period, np.asarray(w, dtype=float),
                                                        "calibration within-period shape")
            except ValueError:
                pass
    return history_shape(conn, saved.metric, saved.period)


# ----------------------------------------------------------------------------- tracking
@dataclass
class Tracking:
    """``summary``: one row per rep; ``activities``: rep x activity target rows; ``team``: the team view."""

    saved: data.SavedSet
    as_of: date
    share: np.ndarray
    summary: pd.DataFrame
    activities: pd.DataFrame
    team: dict
    shape_source: str
    model_source: str
    notes: list[str] = field(default_factory=list)

    @property
    def period(self) -> Period:
        return self.saved.period

    def flagged(self) -> pd.DataFrame:
        return self.summary[self.summary["flag"]]


def _metric_kind(metric: str) -> str:
    m = metric.strip().lower()
    return "money" if m == "revenue" else "deals" if m in data.DEAL_COUNT_METRICS else "count"


def track(conn, target_set, as_of: date | None = None, threshold: float = DEFAULT_THRESHOLD, *,
          n_draws: int = 4000, seed: int = 0, confidence: float = 0.5) -> Tracking:
    """Track a saved set (name or id) as of a date (default: ``data_as_of``)."""
    saved = target_set if isinstance(target_set, data.SavedSet) else data.load_saved_set(conn, target_set)
    period, reps = saved.period, saved.reps
    as_of = as_of or data.data_as_of(conn) or period.end
    day = data.evaluation_date(period, as_of)
    actual = data.metric_to_date(conn, saved.metric, period.start, day).reindex(reps).fillna(0.0).to_numpy()
    cal, model_note = fit_period(conn, saved)
    implied = implied_predictive(reps, saved.targets, saved.p_attain)
    pred, covered = align_predictive(getattr(cal, "predictive", None), reps, implied)
    shape = period_shape(conn, saved, cal)
    share = np.broadcast_to(np.asarray(shape.share_at(period, day), dtype=float), actual.shape).copy()
    tg = saved.targets
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
    s["p_attain_saved"] = saved.p_attain["base"].to_numpy(dtype=float)
    s["p_attain_start"] = conditional_p_attain(pred, np.zeros_like(actual), base, 0.0)
    s["p_attain"] = conditional_p_attain(pred, actual, base, share)
    for tier in ("stretch", "excellence"):
        if tier in tg:
            s[f"p_attain_{tier}"] = conditional_p_attain(pred, actual, tg[tier].to_numpy(dtype=float), share)
    s[["projected", "projected_p10", "projected_p90"]] = projection(pred, actual, share)[
        ["projected", "projected_p10", "projected_p90"]].to_numpy()
    with np.errstate(divide="ignore", invalid="ignore"):
        s["projected_attainment"] = np.where(base > 0, s["projected"] / base, np.nan)
    s["flag"] = s["p_attain"] < threshold
    acts, causes, takes = _activity_side(conn, saved, day, base - actual, confidence)
    s = s.join(causes).join(takes)
    if _metric_kind(saved.metric) == "count" and saved.metric not in ("pipeline", "closed_deals"):
        # The metric is itself an activity: its own pace is the volume.
        short = s["pace"] < 1
        s["cause"] = np.where(short, "activity volume short", "on pace")
        s["cause_detail"] = [f"{saved.metric} at {p:.0%} of pace" if sh else f"{saved.metric} on pace"
                             for p, sh in zip(s["pace"], short, strict=True)]
    # Off pace for the target while the funnel is on pace: what is left is deal size or timing.
    s["cause"] = np.where(s["flag"] & (s["cause"] == "on pace"), "deal size or timing", s["cause"])
    s["model"] = np.where(np.isin(reps, np.asarray(getattr(cal, "predictive", None).reps, dtype=object))
                          if cal is not None else False, "calibration", "implied by saved set")
    team = team_view(pred, actual, tg, share, promised_p=s["p_attain_saved"].to_numpy(),
                     team_target=saved.team_number, n_draws=n_draws, seed=seed)
    team["share_expected"] = float(np.mean(share))
    team["flagged"] = int(s["flag"].sum())
    notes = [] if covered == len(reps) else [
        f"{len(reps) - covered} of {len(reps)} reps use the law implied by the saved set ({model_note})"]
    return Tracking(saved=saved, as_of=day, share=share, summary=s, activities=acts, team=team,
                    shape_source=shape.source, model_source=model_note, notes=notes)


def usual_funnel(conn, period: Period, reps) -> tuple[pd.DataFrame, pd.DataFrame, pd.Series]:
    """The rep's usual funnel before ``period``: per-period volumes, conversion rates, deal size.

    ``metrics.rep_funnel`` (the pooled rates the set's activity plan was built from) over the four
    complete periods before ``period``; without it, the same counts from :mod:`analytics.tracking_data`
    with rates shrunk toward the team's by 20 pseudo-trials.
    """
    rates_cols = ["call_to_meeting", "meeting_to_demo", "demo_to_opportunity", "win_rate"]
    try:
        from analytics.metrics import rep_funnel
        f = rep_funnel(conn, period.grain, as_of=period.start - timedelta(days=1)).set_index("rep")
    except (ImportError, AttributeError, ValueError, KeyError):
        f = None
    if f is not None and len(f) and set(rates_cols) <= set(f.columns):
        f = f.reindex(reps)
        return f, f[rates_cols].astype(float), f["avg_deal_size"].astype(float)
    counts = data.usual_funnel(conn, period).reindex(reps)
    team = funnel_rates(counts.sum().to_frame().T).iloc[0]
    with np.errstate(divide="ignore", invalid="ignore"):
        size = (counts["revenue"] / counts["won"]).where(counts["won"] > 0)
    return counts, funnel_rates(counts.fillna(0.0), prior=team, strength=20.0), size


def _activity_side(conn, saved: data.SavedSet, day: date, gap, confidence: float):
    """Activities to date vs their targets' (or usual) pace, causes and what it takes per week."""
    period, reps = saved.period, saved.reps
    s_act = working_days(period.start, day) / max(working_days(period.start, period.end), 1)
    now = data.funnel_counts(conn, period.start, day).reindex(reps).fillna(0.0)
    usual, usual_rates, deal_size = usual_funnel(conn, period, reps)
    # Expected per period: the set's activity targets, else the rep's usual volume.
    a = saved.activities.assign(column=saved.activities["activity"].map(data.funnel_column))
    volume_cols = [c for c in VOLUME_ORDER if c in usual]
    planned = a[a["column"].isin(volume_cols)].pivot_table(index="rep", columns="column", values="per_period",
                                                          aggfunc="last")
    expected = planned.reindex(index=reps, columns=volume_cols).combine_first(usual[volume_cols])
    expected = expected[volume_cols]
    now_long = now.stack().rename("actual")
    rows = a.assign(target=a["per_period"]).join(now_long, on=["rep", "column"])
    rows["expected_to_date"] = rows["target"] * s_act
    with np.errstate(divide="ignore", invalid="ignore"):
        rows["pace"] = rows["actual"] / rows["expected_to_date"].where(rows["expected_to_date"] > 0)
    # Volume is judged at the top of each rep's funnel: the first stage with an expectation
    # (lower stages are conversion, judged by the rates below).
    volume = pd.DataFrame(index=reps)
    first = expected.gt(0).idxmax(axis=1).where(expected.gt(0).any(axis=1))
    for c in expected.columns:
        exp_c = expected[c] * s_act
        volume[c] = (now[c] / exp_c.where(exp_c > 0)).where(first == c)
    now_rates = funnel_rates(now)
    dens = now.assign(closed=now["won"] + now["lost"])[["calls", "meetings", "demos", "closed"]]
    dens.columns = ["call_to_meeting", "meeting_to_demo", "demo_to_opportunity", "win_rate"]
    causes = diagnose(volume, now_rates, usual_rates, dens)
    weeks_left = working_days(day + timedelta(days=1), period.end) / 5.0
    takes = what_it_takes(gap, weeks_left, avg_deal_size=deal_size.to_numpy(dtype=float), rates=usual_rates,
                          metric_kind=_metric_kind(saved.metric), confidence=confidence)
    takes.index = pd.Index(reps, name="rep")
    cols = ["rep", "activity", "target", "expected_to_date", "actual", "pace"]
    return rows[cols].reset_index(drop=True), causes, takes


# ----------------------------------------------------------------------------- check-in notes
NOTE_COLUMNS = ["set_id", "rep", "note_date", "note", "created_at"]


def add_note(conn, target_set, rep: str, note: str, note_date: date | str | None = None) -> None:
    """Record a check-in note for a rep (``target_set``: name, id or None for no set)."""
    if not str(note or "").strip():
        raise ValueError("a check-in note needs some text")
    set_id = None if target_set is None else data.resolve_set_id(conn, target_set)
    when = pd.Timestamp(note_date).date() if note_date is not None else date.today()
    conn.execute("INSERT INTO checkin_notes (set_id, rep, note_date, note) VALUES (?, ?, ?, ?)",
                 [set_id, str(rep), when, str(note).strip()])


def list_notes(conn, target_set=None, rep: str | None = None) -> pd.DataFrame:
    """Notes ordered by date (then by when they were written), optionally for one set and/or rep."""
    sql, params = f"SELECT {', '.join(NOTE_COLUMNS)} FROM checkin_notes WHERE 1 = 1", []
    if target_set is not None:
        sql += " AND set_id = ?"
        params.append(data.resolve_set_id(conn, target_set))
    if rep is not None:
        sql += " AND rep = ?"
        params.append(str(rep))
    return conn.execute(sql + " ORDER BY note_date, created_at, rep", params).df()


def notes_csv(conn, target_set=None, rep: str | None = None) -> str:
    """The notes as CSV text (rep, note_date, note, set_id, created_at) for download."""
    buf = io.StringIO()
    df = list_notes(conn, target_set, rep)
    df[["rep", "note_date", "note", "set_id", "created_at"]].to_csv(buf, index=False)
    return buf.getvalue()


def summary_records(t: Tracking) -> list[dict]:
    """The per-rep summary as JSON-safe records (NaN -> None)."""
    df = t.summary.reset_index()
    df = df.astype(object).where(pd.notna(df), None)
    return [{k: (v.item() if isinstance(v, np.generic) else v) for k, v in r.items()}
            for r in df.to_dict(orient="records")]
