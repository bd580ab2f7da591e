"""The quarterly review of a finished period: results per tier, how calibrated our own chances were,
the CRM quotas' hit rate, what changed per rep, and a ratchet-free starting point for next time.

How our own chances and the CRM quotas scored is in :mod:`analytics.review_scores`; what changed per
rep and where the next period starts (the model's P-level beside the ratchet) in
:mod:`analytics.review_changes`. Both are pure and re-exported here: the review API. This module reads
the period's data and puts a :class:`Review` together.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

import duckdb
import numpy as np
import pandas as pd

from analytics import tracking_data as data
from analytics.calibration import Calibration
from analytics.coverage import DataCoverage, data_coverage, day_words
from analytics.metric_registry import resolve_metric
from analytics.metrics import data_as_of
from analytics.periods import Period
from analytics.predictive import PredictiveDistribution
from analytics.review_changes import (  # noqa: F401  (re-exported: the review API)
    RATCHET_SENTENCE,
    VOLATILITY_COLUMNS,
    LevelChange,
    SharedVolatility,
    level_change,
    next_period_start,
    ratchet_columns,
    shared_volatility,
    volatility,
)
from analytics.review_scores import (  # noqa: F401  (re-exported: the review API)
    DEFAULT_BINS,
    brier_score,
    calibration_by_tier,
    quota_outcomes,
    quota_sentence,
    reliability_table,
    tier_outcomes,
    wilson_band,
    with_reviewed_row,
)
from analytics.target_sets import SavedTargetSet
from analytics.tracking import PeriodFit, Tracking, align_predictive, fit_period, implied_predictive, track
from analytics.tracking_causes import funnel_rates


# ----------------------------------------------------------------------------- database
@dataclass
class Review:
    saved: SavedTargetSet
    as_of: date
    complete: bool
    results: pd.DataFrame          # per rep: team, actual, targets, hits, saved chances, quota
    outcomes: pd.DataFrame         # long: rep, tier, target, actual, p, hit
    calibration: pd.DataFrame      # per tier + all: mean predicted vs realised, Brier
    reliability: pd.DataFrame      # by predicted-probability bin
    quotas: dict                   # reviewed period's CRM quota hit rate + history
    changes: pd.DataFrame          # per rep: previous vs reviewed period
    next_start: pd.DataFrame       # per rep: model's next P-level vs ratchet
    notes: list[str] = field(default_factory=list)
    ratchet_sentence: str = RATCHET_SENTENCE
    level_sentence: str | None = None   # the team's move between the periods' levels (changes: net of it)

    @property
    def period(self) -> Period:
        return self.saved.fiscal_period

    @property
    def start_heading(self) -> str:
        """The next period's starting point, and from what: a running period's results can still grow, so its
        ratchet column is a floor (the page, the report and the CLI say it alike)."""
        so_far = "" if self.complete else f" (from {self.period.label} so far)"
        return f"Where {self.period.next().label} starts{so_far}"

    @property
    def result_words(self) -> tuple[str, str]:
        """The labels of a rep's result and of "beat the target" while the period runs or once it is over."""
        return ("Result", "Beat it") if self.complete else ("Result so far", "Beaten already")

    @property
    def quota_text(self) -> str:
        """The quota sentence of the page, the report and the CLI: one count, reps left out named."""
        metric = resolve_metric(self.saved.metric)
        word = "deals" if metric.table == "deals" else metric.label.lower()
        return quota_sentence(self.quotas, self.period.label, word, finished=self.complete, metric_words=metric.words)


def _baseline(cal: Calibration | None, pred: PredictiveDistribution, reps: np.ndarray) -> np.ndarray:
    """The calibration's baseline per rep, else the median of ``pred`` (the law the set implies)."""
    if cal is not None:
        return cal.summary["baseline"].reindex(reps).to_numpy(dtype=float)
    return np.asarray(pred.quantile(0.5), dtype=float)


def review_and_track(conn: duckdb.DuckDBPyConnection, target_set: SavedTargetSet | int | str, *,
                     fit: PeriodFit | None = None) -> tuple[Review, Tracking | None]:
    """The review of a saved set's period and, while the period runs, its tracking at the review's date:
    the report shows the reps' projected attainment then (:func:`analytics.report.review_html`). None once
    the period is over (the report shows final results: tracking it would cost the page seconds at 1,000
    reps for nothing) or when it cannot be tracked. The period's calibration is fitted once for the two;
    ``fit``: how (default :func:`analytics.tracking.fit_period`; the dashboard's is cached)."""
    saved = data.reviewed_set(conn, target_set)
    fit = fit or fit_period
    fitted = fit(conn, saved)
    rv = review(conn, saved, fitted=fitted, fit=fit)
    if rv.complete:
        return rv, None
    try:
        end = track(conn, saved, rv.as_of, fitted=fitted)
    except (ValueError, LookupError):
        end = None
    return rv, end


def review(conn: duckdb.DuckDBPyConnection, target_set: SavedTargetSet | int | str, *,
           bins: tuple[float, ...] = DEFAULT_BINS, fitted: tuple[Calibration | None, str] | None = None,
           fit: PeriodFit | None = None) -> Review:
    """Review a saved set's period (the set, its name or id). ``fitted``: the set's period
    :func:`analytics.tracking.fit_period` when the caller has it already; ``fit`` (default ``fit_period``)
    makes it and the next period's (the dashboard's is cached: the next period's is the one tracking that
    period fits)."""
    saved = data.reviewed_set(conn, target_set)
    period, reps, notes = saved.fiscal_period, saved.reps, []
    as_of = data_as_of(conn) or period.end
    complete = as_of >= period.end
    if not complete:
        notes.append(f"{period.label} is not finished: the data ends on {day_words(as_of)}; results so far.")
    day = data.evaluation_date(period, as_of)
    actual_all = data.metric_to_date(conn, saved.metric, period.start, day)  # every rep with a result
    # A rep with no row made nothing of a sum; an average of no deals is no figure (blank, and no target reached).
    actual = actual_all.reindex(reps)
    actual = actual.fillna(0.0) if resolve_metric(saved.metric).additive else actual
    outcomes = tier_outcomes(actual, saved.targets_by_tier, saved.chances_by_tier)
    res = pd.DataFrame(index=pd.Index(reps, name="rep"))
    res["team"] = data.reps_teams(conn).reindex(reps).to_numpy()
    res["actual"] = actual.to_numpy()
    for tier in saved.targets_by_tier.columns:
        res[tier] = saved.targets_by_tier[tier].to_numpy()
        res[f"hit_{tier}"] = (res["actual"] >= res[tier]).to_numpy()
        res[f"p_{tier}"] = saved.chances_by_tier[tier].to_numpy()
    with np.errstate(divide="ignore", invalid="ignore"):
        res["attainment"] = res["actual"] / res["base"].where(res["base"] > 0)

    # The model for the reviewed period (fitted before it) and for the next (fitted through it).
    implied = implied_predictive(reps, saved.targets_by_tier, saved.chances_by_tier)
    fit = fit or fit_period
    cal_then, why_then = fitted or fit(conn, saved, period)
    cal_next, why_next = fit(conn, saved, period.next(), as_of=period.end)
    pred_then, _ = align_predictive(None if cal_then is None else cal_then.predictive, reps, implied)

    quota = data.quotas_for_period(conn, period, saved.metric)  # every rep with a quota, in the set or not
    res["quota"] = quota.reindex(reps).to_numpy()
    has_q = np.isfinite(res["quota"].to_numpy(dtype=float))
    res["hit_quota"] = pd.Series(np.where(has_q, res["actual"] >= res["quota"].fillna(np.inf), None),
                                 index=res.index, dtype=object)
    res["p_quota_model"] = np.where(has_q, pred_then.p_attain(res["quota"].fillna(0).to_numpy()), np.nan)
    quotas = quota_outcomes(quota, actual_all, reps)
    quotas.update({
        "reps_with_model_chance": int(has_q.sum()),
        "model_mean_chance": float(np.nanmean(res["p_quota_model"])) if has_q.any() else float("nan"),
        "model_brier": brier_score(res["p_quota_model"][has_q], res["hit_quota"][has_q].astype(float))
        if has_q.any() else float("nan"),
        "history": with_reviewed_row(
            data.quota_history(conn, saved.metric, period.grain, period.fiscal_start_month, period),
            period.label, quotas),
    })
    cov = data_coverage(conn)
    changes = _changes(conn, saved, actual, cal_then, cal_next, pred_then, implied, cov)
    level = level_change(changes["baseline_previous"], changes["baseline"], period.label, period.next().label)
    changes.insert(changes.columns.get_loc("baseline") + 1, "baseline_change", level.own)
    notes += cov.absent_notes() + cov.gap_notes(saved.metric)
    next_start = next_period_start(saved, actual, cal_next)
    if cal_then is None:
        notes.append(f"model for {period.label}: the law implied by the saved set ({why_then})")
    if cal_next is None:
        notes.append(f"no model for {period.next().label} ({why_next}): the no-ratchet column is empty")
    return Review(saved=saved, as_of=day, complete=complete, results=res, outcomes=outcomes,
                  calibration=calibration_by_tier(outcomes),
                  reliability=reliability_table(outcomes["p"], outcomes["hit"], bins), quotas=quotas,
                  changes=changes, next_start=next_start, notes=notes, level_sentence=level.sentence)


def _changes(conn: duckdb.DuckDBPyConnection, saved: SavedTargetSet, actual: pd.Series,
             cal_then: Calibration | None, cal_next: Calibration | None, pred_then: PredictiveDistribution,
             implied: PredictiveDistribution, cov: DataCoverage) -> pd.DataFrame:
    """Per rep: the previous and reviewed period side by side (result, level, volatility, funnel).

    Funnel counts and rates whose data was never imported (``cov``) are left out rather than shown
    as columns of zeros (calls without activities, opportunities without created dates) or of 100%
    (a win rate without lost deals)."""
    period, reps = saved.fiscal_period, saved.reps
    prev = period.previous()
    out = pd.DataFrame(index=pd.Index(reps, name="rep"))
    out["result_previous"] = data.metric_to_date(conn, saved.metric, prev.start, prev.end).reindex(reps) \
        .fillna(0.0).to_numpy()
    out["result"] = actual.to_numpy()
    out["baseline_previous"] = _baseline(cal_then, pred_then, reps)
    out["volatility_previous"] = volatility(pred_then)
    if cal_next is not None:
        pred_next, _ = align_predictive(cal_next.predictive, reps, implied)
        covered = np.isin(reps, np.asarray(cal_next.predictive.reps, dtype=object))
        out["baseline"] = np.where(covered, _baseline(cal_next, pred_next, reps), np.nan)
        out["volatility"] = np.where(covered, volatility(pred_next), np.nan)
    else:
        out["baseline"] = out["volatility"] = np.nan
    f_prev = data.funnel_counts(conn, prev.start, prev.end).reindex(reps).fillna(0.0)
    f_now = data.funnel_counts(conn, period.start, period.end).reindex(reps).fillna(0.0)
    r_prev, r_now = funnel_rates(f_prev), funnel_rates(f_now)
    for col in ("calls", "meetings", "opportunities", "won"):
        if cov.has_funnel(col):
            out[f"{col}_previous"], out[col] = f_prev[col].to_numpy(), f_now[col].to_numpy()
    for col in r_now.columns:
        if cov.has_funnel(col):
            out[f"{col}_previous"], out[col] = r_prev[col].to_numpy(), r_now[col].to_numpy()
    return out
