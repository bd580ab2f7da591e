"""The quarterly review of a finished period: results per tier, how calibrated our own chances were,
the CRM quotas' hit rate, what changed per rep, and a ratchet-free starting point for next time.

Maths
-----
* Each rep and tier is one forecast: the chance p saved with the set, and the outcome y = 1 when the
  period's result reached the target. Brier score = mean (p - y)^2; the reliability table bins the
  forecasts by p and sets each bin's mean p against its realised share (a calibrated set sits on
  the diagonal). With few reps, a bin's share is noisy: the table shows n and a 90% Wilson band.
* Next period's starting point is the model's P-level (the set's base percentile) of next period's
  predictive, fitted on data through the reviewed period: it moves with the rep's level, but is not
  raised *because* the target was beaten. The ratchet column (raise to the last result when beaten)
  is shown beside it, with its chance under the model, so the choice is visible, not silent.

Example
-------
>>> import numpy as np
>>> round(brier_score(np.array([0.8, 0.3]), np.array([1, 0])), 3)
0.065
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import date
from typing import NamedTuple

import duckdb
import numpy as np
import numpy.typing as npt
import pandas as pd
from scipy import stats

from analytics import formatting
from analytics import tracking_data as data
from analytics.calibration import Calibration
from analytics.coverage import DataCoverage, data_coverage, day_words
from analytics.metric_registry import resolve_metric
from analytics.metrics import data_as_of
from analytics.periods import Period
from analytics.predictive import LogScaleHurdle, NegBinomialCount, PredictiveDistribution
from analytics.target_sets import SavedTargetSet
from analytics.targets import TIER_ORDER
from analytics.tracking import PeriodFit, Tracking, align_predictive, fit_period, implied_predictive, track
from analytics.tracking_causes import funnel_rates
from analytics.tracking_core import StitchedPredictive

RATCHET_SENTENCE = (
    "Raising a target only because it was beaten is the ratchet effect: reps who expect "
    "\"beat it and it goes up\" learn to hold back (push deals into the next period, stop at the "
    "number), so the model's column moves with each rep's level, and the ratchet column is shown "
    "beside it, with its chance, as a choice to make openly rather than by default.")
DEFAULT_BINS = (0.0, 0.2, 0.4, 0.6, 0.8, 1.0)


# ----------------------------------------------------------------------------- pure
def tier_outcomes(actual: pd.Series, targets: pd.DataFrame, chances: pd.DataFrame) -> pd.DataFrame:
    """Long rows rep, tier, target, actual, p (saved chance), hit (0/1): one forecast per rep and tier."""
    t = targets.stack().rename("target")
    p = chances.reindex_like(targets).stack(future_stack=True).rename("p")
    out = pd.concat([t, p], axis=1).reset_index()
    out.columns = ["rep", "tier", "target", "p"]
    out["actual"] = out["rep"].map(actual).fillna(0.0).astype(float)
    out["hit"] = (out["actual"] >= out["target"]).astype(int)
    return out[["rep", "tier", "target", "actual", "p", "hit"]]


def brier_score(p: npt.ArrayLike, y: npt.ArrayLike) -> float:
    p, y = np.asarray(p, dtype=float), np.asarray(y, dtype=float)
    ok = np.isfinite(p) & np.isfinite(y)
    return float(np.mean((p[ok] - y[ok]) ** 2)) if ok.any() else float("nan")


def wilson_band(hits: npt.ArrayLike, n: npt.ArrayLike, level: float = 0.9) -> tuple[np.ndarray, np.ndarray]:
    hits, n = np.asarray(hits, dtype=float), np.asarray(n, dtype=float)
    z = stats.norm.ppf(0.5 + level / 2)
    with np.errstate(divide="ignore", invalid="ignore"):
        phat = hits / n
        centre = (phat + z**2 / (2 * n)) / (1 + z**2 / n)
        half = z * np.sqrt(phat * (1 - phat) / n + z**2 / (4 * n**2)) / (1 + z**2 / n)
    return np.where(n > 0, centre - half, np.nan), np.where(n > 0, centre + half, np.nan)


def calibration_by_tier(outcomes: pd.DataFrame) -> pd.DataFrame:
    """Per tier and overall ("all"): forecasts, mean predicted chance, realised share, Brier score."""
    ok = outcomes[np.isfinite(outcomes["p"].to_numpy(dtype=float))]
    rows = []
    for tier, g in [*ok.groupby("tier", sort=False), ("all", ok)]:
        rows.append({"tier": tier, "forecasts": int(len(g)), "mean_predicted": float(g["p"].mean()),
                     "realised": float(g["hit"].mean()), "reached": int(g["hit"].sum()),
                     "brier": brier_score(g["p"], g["hit"])})
    order = {t: i for i, t in enumerate((*TIER_ORDER, "all"))}
    return pd.DataFrame(rows).sort_values("tier", key=lambda s: s.map(order)).reset_index(drop=True)


def reliability_table(p: npt.ArrayLike, y: npt.ArrayLike, bins: npt.ArrayLike = DEFAULT_BINS) -> pd.DataFrame:
    """Forecasts binned by predicted chance: n, mean predicted, realised share and its 90% band.

    Bins are [lo, hi) except the last, which includes 1. Empty bins are kept with n = 0.
    """
    p, y = np.asarray(p, dtype=float), np.asarray(y, dtype=float)
    ok = np.isfinite(p) & np.isfinite(y)
    p, y = p[ok], y[ok]
    edges = np.asarray(bins, dtype=float)
    idx = np.clip(np.searchsorted(edges, p, side="right") - 1, 0, edges.size - 2)
    n = np.bincount(idx, minlength=edges.size - 1).astype(float)
    hits = np.bincount(idx, weights=y, minlength=edges.size - 1)
    psum = np.bincount(idx, weights=p, minlength=edges.size - 1)
    with np.errstate(divide="ignore", invalid="ignore"):
        mean_p, realised = psum / n, hits / n
    lo, hi = wilson_band(hits, n)
    labels = [f"{formatting.rate(a)}–{formatting.rate(b)}" for a, b in zip(edges[:-1], edges[1:], strict=True)]
    return pd.DataFrame({"bin": labels, "lo": edges[:-1], "hi": edges[1:], "n": n.astype(int),
                         "mean_predicted": np.where(n > 0, mean_p, np.nan),
                         "realised": np.where(n > 0, realised, np.nan), "band_low": lo, "band_high": hi})


def ratchet_columns(model_next: npt.ArrayLike, last_target: npt.ArrayLike, last_result: npt.ArrayLike,
                    p_model: npt.ArrayLike | None = None,
                    p_ratchet: npt.ArrayLike | None = None) -> pd.DataFrame:
    """Both starting points for next period, side by side.

    ``model_next_p_level``: the model's next-period value at the set's base percentile (no ratchet);
    ``ratchet_raise_to_last_result``: the last result when it beat the target, else the last target
    (a ratchet never lowers). ``ratchet_minus_model`` > 0 is how much the ratchet would add.
    """
    m = np.asarray(model_next, dtype=float)
    t = np.asarray(last_target, dtype=float)
    r = np.asarray(last_result, dtype=float)
    beat = r >= t
    ratchet = np.where(beat, np.maximum(r, t), t)
    out = pd.DataFrame({"last_target": t, "last_result": r, "beat_last_target": beat,
                        "model_next_p_level": m, "ratchet_raise_to_last_result": ratchet,
                        "ratchet_minus_model": ratchet - m})
    if p_model is not None:
        out["p_attain_model_next"] = np.asarray(p_model, dtype=float)
    if p_ratchet is not None:
        out["p_attain_ratchet"] = np.asarray(p_ratchet, dtype=float)
    return out


def quota_outcomes(quota: pd.Series, actual: pd.Series, set_reps: npt.ArrayLike) -> dict:
    """The reviewed period's CRM quotas, counted once for every sentence and table that quotes them.

    ``quota``: per rep with a quota (in the set or not); ``actual``: per rep with a result (a rep
    absent has none: 0). Returns ``reps_with_quota``, ``reached``, ``hit_rate``, ``no_result`` (reps
    with a quota and nothing recorded) and ``outside_set`` (reps with a quota the set has no target for).

    >>> q = quota_outcomes(pd.Series({"ann": 100.0, "bo": 50.0, "cy": 80.0}), pd.Series({"ann": 120.0}),
    ...                    ["ann", "bo"])
    >>> q["reps_with_quota"], q["reached"], q["no_result"], q["outside_set"]
    (3, 1, ['bo', 'cy'], ['cy'])
    """
    got = actual.reindex(quota.index).fillna(0.0)
    hit = (got >= quota).to_numpy(dtype=bool)
    members = set(np.asarray(set_reps, dtype=object).tolist())
    return {"reps_with_quota": int(quota.size), "reached": int(hit.sum()),
            "hit_rate": float(hit.mean()) if quota.size else float("nan"),
            "no_result": sorted(str(r) for r in quota.index[(got <= 0).to_numpy()]),
            "outside_set": sorted(str(r) for r in quota.index if r not in members)}


def with_reviewed_row(history: pd.DataFrame, label: str, quotas: dict) -> pd.DataFrame:
    """The quota history with the reviewed period's row taken from ``quotas`` (one count, not two)."""
    row = {"period": label, "reps_with_quota": quotas["reps_with_quota"], "reached": quotas["reached"],
           "hit_rate": quotas["hit_rate"]}
    if not quotas["reps_with_quota"]:
        return history[history["period"] != label].reset_index(drop=True)
    if (history["period"] == label).any():
        out = history.copy()
        out.loc[out["period"] == label, list(row)] = list(row.values())
        return out
    return pd.concat([history, pd.DataFrame([row])], ignore_index=True)


def quota_sentence(quotas: dict, period_label: str, result_word: str = "deals") -> str:
    """The quotas in one plain sentence, with the count the quota table shows, naming reps left out.

    >>> quota_sentence({"reps_with_quota": 18, "reached": 2, "hit_rate": 2 / 18, "reps_with_model_chance": 17,
    ...                 "model_mean_chance": 0.31, "no_result": ["Dana Ortiz"], "outside_set": ["Dana Ortiz"]},
    ...                "2026-Q3")
    '2 of the 18 reps with a CRM quota reached it in 2026-Q3 (11%); our model gave the 17 of them in this target set 31% on average. Dana Ortiz had a quota but no deals in 2026-Q3 (not in this target set).'
    """
    n = quotas.get("reps_with_quota") or 0
    if not n:
        return f"No CRM quotas imported for {period_label}."
    text = (f"{formatting.count(quotas['reached'])} of the {formatting.count(n)} reps with a CRM quota reached it "
            f"in {period_label} ({formatting.rate(quotas['hit_rate'])})")
    modelled = quotas.get("reps_with_model_chance") or 0
    if modelled:
        who = "those quotas" if modelled == n else f"the {formatting.count(modelled)} of them in this target set"
        text += f"; our model gave {who} {formatting.rate(quotas.get('model_mean_chance'))} on average"
    text += "."
    outside = set(quotas.get("outside_set") or [])
    for rep in quotas.get("no_result") or []:
        text += (f" {rep} had a quota but no {result_word} in {period_label}"
                 + (" (not in this target set)." if rep in outside else "."))
    others = [r for r in quotas.get("outside_set") or [] if r not in set(quotas.get("no_result") or [])]
    if others:
        text += f" Not in this target set, so without a model chance: {', '.join(others)}."
    return text


def volatility(predictive: PredictiveDistribution) -> np.ndarray:
    """Log-scale sigma for money laws; the coefficient of variation 1/sqrt(r(1 - q)) for counts."""
    if isinstance(predictive, LogScaleHurdle):
        return np.asarray(predictive.sigma, dtype=float)
    if isinstance(predictive, StitchedPredictive):
        out = np.full(predictive.reps.size, np.nan)
        for pred, pos in predictive.parts:
            out[pos] = volatility(pred)
        return out
    if isinstance(predictive, NegBinomialCount):
        with np.errstate(divide="ignore"):
            return 1.0 / np.sqrt(predictive.r * (1 - predictive.q))
    raise TypeError(f"no volatility for {type(predictive).__name__}")


VOLATILITY_COLUMNS = {"volatility_previous": "before", "volatility": "now"}


class SharedVolatility(NamedTuple):
    """Volatility columns that hold one number for every rep, and the sentence that says it once instead."""

    columns: list[str]
    sentence: str | None


def shared_volatility(changes: pd.DataFrame, money: bool) -> SharedVolatility:
    """The volatility columns of :func:`_changes` in which every rep has the same value, in words.

    The pooled model can give every rep one spread (an orders-only team: 0.35 in every row, to the two
    decimals a table shows): a column
    repeating it tells a manager nothing, so it is said once, in what it means. Money laws' volatility
    is a log-scale sigma: a typical period (two in three) lands between exp(-sigma) and exp(sigma) times
    the level; counts' is the coefficient of variation: about that share either way.

    >>> frame = pd.DataFrame({"volatility_previous": [0.35, 0.35], "volatility": [0.35, np.nan]})
    >>> shared = shared_volatility(frame, money=True)
    >>> shared.columns
    ['volatility_previous', 'volatility']
    >>> print(shared.sentence)  # doctest: +NORMALIZE_WHITESPACE
    Every rep has the same volatility before and now: in two periods out of three a result lands between
    30% below and 42% above the rep's level (the model shares one spread across the team).
    >>> shared_volatility(pd.DataFrame({"volatility": [0.2, 0.5]}), money=True).columns
    []
    """
    same: dict[str, float] = {}
    for column in VOLATILITY_COLUMNS:
        values = changes[column].to_numpy(dtype=float) if column in changes else np.array([])
        values = values[np.isfinite(values)]
        if values.size and np.ptp(np.round(values, 2)) == 0:    # the same as the table would show it (0.35)
            same[column] = float(np.median(values))
    if not same:
        return SharedVolatility([], None)
    spreads = sorted({round(v, 2) for v in same.values()})
    when = " and ".join(VOLATILITY_COLUMNS[c] for c in same)

    def words(v: float) -> str:
        if money:
            return (f"between {formatting.rate(1 - math.exp(-v))} below and {formatting.rate(math.exp(v) - 1)} "
                    "above the rep's level")
        return f"within about {formatting.rate(v)} either way of the rep's level"

    if len(spreads) == 1:
        said = f"in two periods out of three a result lands {words(spreads[0])}"
    else:
        said = "; ".join(f"{VOLATILITY_COLUMNS[c]}, in two periods out of three a result lands {words(v)}"
                         for c, v in same.items())
    return SharedVolatility(list(same), f"Every rep has the same volatility {when}: {said} "
                                        "(the model shares one spread across the team).")


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

    @property
    def period(self) -> Period:
        return self.saved.fiscal_period

    @property
    def quota_text(self) -> str:
        """The quota sentence of the page, the report and the CLI: one count, reps left out named."""
        metric = resolve_metric(self.saved.metric)
        word = "deals" if metric.table == "deals" else metric.label.lower()
        return quota_sentence(self.quotas, self.period.label, word)


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
    saved = data.tracked_set(conn, target_set)
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
    saved = data.tracked_set(conn, target_set)
    period, reps, notes = saved.fiscal_period, saved.reps, []
    as_of = data_as_of(conn) or period.end
    complete = as_of >= period.end
    if not complete:
        notes.append(f"{period.label} is not finished: the data ends on {day_words(as_of)}; results so far.")
    day = data.evaluation_date(period, as_of)
    actual_all = data.metric_to_date(conn, saved.metric, period.start, day)  # every rep with a result
    actual = actual_all.reindex(reps).fillna(0.0)
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
    notes += cov.absent_notes()
    next_start = _next_start(saved, actual, cal_next)
    if cal_then is None:
        notes.append(f"model for {period.label}: the law implied by the saved set ({why_then})")
    if cal_next is None:
        notes.append(f"no model for {period.next().label} ({why_next}): the no-ratchet column is empty")
    return Review(saved=saved, as_of=day, complete=complete, results=res, outcomes=outcomes,
                  calibration=calibration_by_tier(outcomes),
                  reliability=reliability_table(outcomes["p"], outcomes["hit"], bins), quotas=quotas,
                  changes=changes, next_start=next_start, notes=notes)


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
    with np.errstate(divide="ignore", invalid="ignore"):
        out["baseline_change"] = out["baseline"] / out["baseline_previous"] - 1
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


def _next_start(saved: SavedTargetSet, actual: pd.Series, cal_next: Calibration | None) -> pd.DataFrame:
    reps = saved.reps
    base = saved.targets_by_tier["base"].to_numpy(dtype=float)
    level = float(saved.tiers.get("base", 35.0)) / 100.0
    model = np.full(len(reps), np.nan)
    p_model = p_ratchet = np.full(len(reps), np.nan)
    cols = ratchet_columns(model, base, actual.to_numpy(), p_model, p_ratchet)
    if cal_next is not None:
        pred = cal_next.predictive
        where = {r: i for i, r in enumerate(np.asarray(pred.reps, dtype=object))}
        pos = np.array([where.get(r, -1) for r in reps])
        q = np.asarray(pred.quantile(level), dtype=float)
        model = np.where(pos >= 0, q[np.maximum(pos, 0)], np.nan)
        ratchet = cols["ratchet_raise_to_last_result"].to_numpy()
        full_r, full_m = np.zeros(len(where)), np.zeros(len(where))
        full_r[pos[pos >= 0]], full_m[pos[pos >= 0]] = ratchet[pos >= 0], model[pos >= 0]
        pr, pm = pred.p_attain(full_r), pred.p_attain(full_m)
        p_ratchet = np.where(pos >= 0, pr[np.maximum(pos, 0)], np.nan)
        p_model = np.where(pos >= 0, pm[np.maximum(pos, 0)], np.nan)
        cols = ratchet_columns(model, base, actual.to_numpy(), p_model, p_ratchet)
    cols.index = pd.Index(reps, name="rep")
    return cols
