"""The model fit for a metric's kind on the first columns of a panel (calibration and backtest share it).

* money (revenue, pipeline, deal size) and very large counts: the pooled log-scale hurdle model
  (:mod:`analytics.logmodel`);
* counts (deals, meetings, demos, ...): gamma-Poisson with exposure (:mod:`analytics.counts`);
* win rate: beta-binomial.

Its own module so that :mod:`analytics.calibration` (which asks the backtest's origins for the model
variant) and :mod:`analytics.backtest_cases` (which fits at every origin) do not import each other.

Example
-------
>>> model_family("revenue", np.array([[1200.0, 0.0]])), model_family("deals", np.array([[3.0, 4.0]]))
('log', 'count')
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from analytics.counts import CountFit, fit_count_model
from analytics.logmodel import LogFit, fit_log_variants
from analytics.metric_registry import metric_kind, resolve_metric
from analytics.model_variants import STANDARD, ModelVariant
from analytics.panel_arrays import OPEN_DEALS, PATH_STEPS, PanelArrays
from analytics.periods import Period
from analytics.rate_mixture import forecast_closes
from analytics.rate_model import RateFit, fit_rate_model

# What a metric's model fit is, by family: rate, count, log-scale.
ModelFit = RateFit | CountFit | LogFit
LARGE_COUNT = 50.0   # a count metric whose typical rep-period value exceeds this uses the log model


def model_family(metric: str, y: np.ndarray) -> str:
    """``"log"``, ``"count"`` or ``"rate"`` for a metric and its training values."""
    kind = metric_kind(metric)
    if kind == "rate":
        return "rate"
    if kind == "count":
        typical = np.nanmedian(y) if np.isfinite(y).any() else 0.0
        return "log" if typical > LARGE_COUNT else "count"
    return "log"


def training_columns(arrays: PanelArrays, target: Period) -> int:
    """Number of leading columns usable for a fit aimed at ``target``: complete and before it."""
    k = min(max(arrays.index_of(target), 0), len(arrays.periods))
    incomplete = np.flatnonzero(~arrays.complete[:k])
    return int(incomplete[0]) if incomplete.size else k


def fit_for_target(arrays: PanelArrays, target: Period, metric: str, next_expfrac: np.ndarray,
                   next_tenure: np.ndarray, *, n_train: int | None = None,
                   family: str | None = None, variant: ModelVariant = STANDARD,
                   steps: int = 1) -> tuple[ModelFit, str]:
    """Fit the metric's model on columns [0, n_train) and return (fit, family).

    ``variant`` is the form of the model (:mod:`analytics.model_variants`: a count takes its trend and
    season; a rate has one form)."""
    (fit,), family = fit_variants_for_target(arrays, target, metric, next_expfrac, next_tenure, (variant,),
                                             n_train=n_train, family=family, steps=steps)
    return fit, family


def fit_before_months(months: PanelArrays, metric: str, first_month: Period, n_train: int, rows: np.ndarray,
                      tenure: np.ndarray, family: str, variant: ModelVariant = STANDARD,
                      months_ahead: int = 3) -> tuple[ModelFit, int]:
    """The monthly model fitted on the first ``n_train`` months, its team path reaching ``months_ahead``
    months from ``first_month`` (any months between the training data and it are forecast too), and that gap.

    What a quarter summed from months stands on, money and counts alike. ``tenure``: (len(rows), months), each
    rep's tenure in each month; the fit's next tenure is the first month the rep is active in (the summary's
    ramp flag)."""
    gap = months.index_of(first_month) - n_train
    if gap < 0:
        raise ValueError("the quarter must start after the training months")
    n = len(months.reps)
    first_tenure = np.full(n, np.nan)
    first_tenure[rows] = np.fmin.reduce(np.asarray(tenure, dtype=float), axis=1)
    fit, _ = fit_for_target(months, first_month.previous(gap), metric, np.ones(n), first_tenure, n_train=n_train,
                            family=family, variant=variant, steps=gap + months_ahead)
    return fit, gap


def on_rows(values: np.ndarray, rows: np.ndarray, n: int) -> np.ndarray:
    """``values`` of the reps ``rows`` placed in an array of all ``n`` reps, NaN for the others.

    >>> on_rows(np.array([1.0, 2.0]), np.array([0, 2]), 3).tolist()
    [1.0, nan, 2.0]
    """
    out = np.full(n, np.nan)
    out[rows] = values
    return out


def fit_variants_for_target(arrays: PanelArrays, target: Period, metric: str, next_expfrac: np.ndarray,
                            next_tenure: np.ndarray, variants: Sequence[ModelVariant], *,
                            n_train: int | None = None, family: str | None = None,
                            steps: int = 1) -> tuple[list[ModelFit], str]:
    """:func:`fit_for_target` of each of ``variants`` (each fit equal to its own), the parts they share made
    once (``logmodel.fit_log_variants``; counts differ by the team level's trend and season alone: one fit for
    the variants alike there; rates have one form: one fit for every variant)."""
    k = training_columns(arrays, target) if n_train is None else n_train
    y = arrays.y[:, :k]
    active = arrays.extra.get("active")
    active = None if active is None else active[:, :k]
    family = family or model_family(metric, y)
    periods = arrays.periods[:k]
    expfrac = arrays.expfrac[:, :k]
    worked, next_worked = expfrac, next_expfrac     # a rate's closes scale with the days worked, its rate not
    if not resolve_metric(metric).additive:
        # An average (deal size) of a rep who worked 16 days of the quarter is no sixth of a full quarter's: the
        # days at work scale a sum, never an average (a leaver's forecast read $2,586 against a usual $15,566).
        expfrac = np.where(np.isfinite(expfrac), 1.0, np.nan)
        next_expfrac = np.where(np.isfinite(next_expfrac), 1.0, next_expfrac)
    fit: ModelFit
    if family == "rate":
        if arrays.won is None or arrays.closed is None:
            raise ValueError(f"{metric}: a rate needs the panel's won and closed counts")
        # The deals the rep will close are forecast as the closed-deal count is (exposure, ramp, the team's
        # level and season): a rate over a sliver's closes, or a quiet month's, read 0% at the median beside a
        # forecast of seven deals closed.
        closed_law = fit_count_model(arrays.closed[:, :k], worked, arrays.tenure[:, :k], periods, target,
                                     next_worked, next_tenure, active).predictive(arrays.reps)
        fit = fit_rate_model(arrays.won[:, :k], arrays.closed[:, :k], active, periods=periods, target=target,
                             expfrac=worked, closes=forecast_closes(closed_law.quantile))
    elif family == "count":
        # The count model's forms are its team level's: trend and season (one fit for the variants alike there).
        open_deals = arrays.extra.get(OPEN_DEALS)
        counts: dict[tuple[bool, bool], ModelFit] = {}
        for v in variants:
            if (v.trend, v.team_season) not in counts:
                counts[v.trend, v.team_season] = fit_count_model(
                    y, expfrac, arrays.tenure[:, :k], periods, target, next_expfrac, next_tenure, active,
                    open_deals=None if open_deals is None else open_deals[:, :k], steps=max(steps, PATH_STEPS),
                    trend=v.trend, season=v.team_season)
        return [counts[v.trend, v.team_season] for v in variants], family
    else:
        open_deals = arrays.extra.get(OPEN_DEALS)
        return list(fit_log_variants(y, expfrac, arrays.tenure[:, :k], periods, target, next_expfrac,
                                     next_tenure, variants, active=active, steps=steps,
                                     open_deals=None if open_deals is None else open_deals[:, :k])), family
    return [fit] * len(variants), family
