"""A quarter's outcome as the sum of three forecast months (calibration-methods section 10).

A quarterly fit stands on 8-12 points per rep and loses to the trailing mean; a company with four
quarters of history has no quarterly backtest at all. The monthly model instead sees every month,
and a quarter is the sum of its three months. The sum is *simulated* from the monthly predictive
laws, never made by adding quantiles, with every shared part drawn once:

* the team's period effect, one joint draw of the months ahead (``PeriodEffectForecast.path_cov``:
  a damped trend's steps are correlated), common to every rep;
* the rep's level (its posterior variance), common to the rep's three months;
* the rep's own noise (pooled standardised residuals, or a t) and zero hurdle (its share for the
  month of quarter), each month apart.

The draws are then summarised as a :class:`~analytics.predictive.LogScaleHurdle` per rep (the
share of zero quarters, the mean and sd of the log of the positive sums, and the pooled law of
their standardised logs), so a quarter keeps the one output contract every page reads, and its
``shared_sigma`` is the sd of the team's mean log effect over the three months.

Example
-------
>>> import numpy as np
>>> from analytics.logmodel import fit_log_model
>>> from analytics.periods import period_of
>>> from datetime import date
>>> months = [period_of(date(2024, 1, 1), "month").next(k) for k in range(19)]
>>> y = np.random.default_rng(3).lognormal(9, 0.5, (12, 18))
>>> ones, none = np.ones((12, 18)), np.full((12, 18), np.nan)
>>> fit = fit_log_model(y, ones, none, months[:18], months[18], np.ones(12), none[:, 0], steps=3)
>>> pred = summed_predictive(fit, np.arange(12).astype(str), np.arange(12), np.ones((12, 3)), none[:, :3],
...                          months[18])
>>> ratio = pred.quantile(0.5) / np.exp(fit.mu)        # a quarter's median near three months' medians
>>> bool(np.all((ratio > 2.2) & (ratio < 4.5)))
True
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from analytics.count_quarter import count_quarter_fit
from analytics.counts import CountFit
from analytics.logmodel import MIN_EXPOSURE, LogFit
from analytics.model_fit import fit_before_months, on_rows
from analytics.model_variants import STANDARD, ModelVariant
from analytics.panel_arrays import PanelArrays, month_of_quarter, ramp_bins
from analytics.periods import Period
from analytics.predictive import EmpiricalResidualLaw, LogScaleHurdle
from analytics.zero_shares import shifted_zero_shares

N_DRAWS = 256
DRAW_BUDGET = 2 ** 16   # draws of all reps at once: a small team's reps get more each (up to MAX_DRAWS)
MAX_DRAWS = 2048
MONTHS = 3
MAX_LOG = 700.0   # the log of the largest month a draw is taken as (e^709 overflows a float)
SEED = 20240101   # fixed: the same data give the same quarter every time


def quarter_fit(months: PanelArrays, metric: str, first_month: Period, n_train: int, rows: np.ndarray,
                expfrac: np.ndarray, tenure: np.ndarray, variant: ModelVariant = STANDARD, *,
                n_draws: int | None = None, family: str = "log") -> LogFit | CountFit:
    """The monthly model fitted on the first ``n_train`` months of ``months``, as a fit of the quarter.

    ``family`` is the monthly model's (``model_fit.model_family`` of the months): a count's quarter
    (``"count"``) is the negative binomial of three months' sum (:func:`analytics.count_quarter.count_quarter_fit`;
    counts have one form, ``variant`` is not read); the log model's is simulated, as below.

    The quarter is the three months from ``first_month`` (any months between the training data and it
    are forecast too, and not counted). The fit returned is the monthly fit with, for ``rows``, the
    predictive law of the quarter's total (:func:`summed_predictive`) in place of the next month's
    (NaN for the other reps), so ``fit.predictive(reps, rows)`` is that law: what ``calibrate`` and
    the quarter backtest both use. ``expfrac`` and ``tenure``: (len(rows), 3), per month. ``n_draws``: as
    :func:`summed_predictive`.
    """
    if family == "count":
        return count_quarter_fit(months, metric, first_month, n_train, rows, expfrac, tenure)
    fit, gap = fit_before_months(months, metric, first_month, n_train, rows, tenure, "log", variant, MONTHS)
    assert isinstance(fit, LogFit)
    pred = summed_predictive(fit, months.reps, rows, expfrac, tenure, first_month, gap=gap, n_draws=n_draws)

    def spread(values: np.ndarray) -> np.ndarray:
        return on_rows(values, rows, len(months.reps))

    # The pipeline's lead, said on Baselines, is what it did to the quarter's three months (on average).
    lead = fit.period.lead if fit.period.lead is None else replace(fit.period.lead, ahead=(gap + 1, gap + 2, gap + 3))
    return replace(fit, mu=spread(pred.mu), sigma=spread(pred.sigma), df=spread(pred.df),
                   zero_share=spread(pred.zero_share), law=pred.residuals,
                   period=replace(fit.period, variance=pred.shared_sigma**2, lead=lead))


def summed_predictive(fit: LogFit, reps: np.ndarray, rows: np.ndarray, expfrac: np.ndarray,
                      tenure: np.ndarray, first_month: Period, *, gap: int = 0,
                      n_draws: int | None = None) -> LogScaleHurdle:
    """The predictive law of the sum of months ``gap .. gap + 2`` after the fit's training data.

    ``first_month`` is the first of the three summed months (its month of quarter places the reps'
    month-of-quarter shape).
    ``fit`` is a monthly :func:`~analytics.logmodel.fit_log_model` fit made with ``steps >= gap + 3``;
    ``expfrac`` and ``tenure`` are (len(rows), 3): each rep's active share and tenure in the three
    months (a month with no activity, NaN or 0, adds exactly 0).

    ``n_draws`` (default :func:`draws_for`): 256 draws a rep left a rep's median to Monte Carlo noise of
    about 4%, which moved with any change to the other reps (their draws come from the same stream); a
    team of up to a thousand reps gets more within the same budget of draws.
    """
    n_draws = draws_for(np.asarray(rows).size) if n_draws is None else n_draws
    parts = fit.parts
    if parts is None or fit.period.path_mean.size < gap + MONTHS:
        raise ValueError("the monthly fit must carry its level parts and a path of gap + 3 steps")
    rng = np.random.default_rng(SEED)
    rows = np.asarray(rows, dtype=int)
    n = rows.size
    path = fit.period.path_mean[gap:gap + MONTHS]
    cov = fit.period.path_cov[gap:gap + MONTHS, gap:gap + MONTHS]
    team = rng.multivariate_normal(np.zeros(MONTHS), cov, size=n_draws, method="cholesky") \
        if np.any(cov > 0) else np.zeros((n_draws, MONTHS))                      # (draws, 3), every rep
    level = rng.standard_normal((n, n_draws)) * np.sqrt(parts.post_var[rows])[:, None]
    total = np.zeros((n, n_draws))
    moq0 = month_of_quarter(first_month)
    for h in range(MONTHS):
        share = np.nan_to_num(expfrac[:, h], nan=0.0)
        bins, _ = ramp_bins(np.asarray(tenure[:, h], dtype=float), "month")
        mu = (parts.level(rows, bins) + path[h]
              + np.log(np.clip(np.where(share > 0, share, 1.0), MIN_EXPOSURE, 1.0)))
        own_var = parts.s_tilde[rows].copy()
        if parts.monthly_shape:
            j = (moq0 + h) % 3
            mu = mu + parts.m_eff[rows, j]
            own_var = own_var + parts.m_var[rows, j]
        # Every draw of the month is made at once, in the order of the whole-matrix form; the arithmetic
        # then runs over blocks of reps that stay in the cache (the same numbers, sooner: bench/README.md).
        own = fit.law.uniforms((n, n_draws), rng) if fit.law is not None else \
            rng.standard_t(np.maximum(fit.df[rows], 1.0)[:, None], size=(n, n_draws))
        hurdle = rng.uniform(size=(n, n_draws))
        zero = parts.zero_moq[rows, (moq0 + h) % 3]
        if parts.zero_shift.size > gap + h and parts.zero_shift[gap + h]:
            zero = shifted_zero_shares(zero, float(parts.zero_shift[gap + h]))
        for block in _blocks(n):
            _add_month(total[block], own[block], hurdle[block], fit.law, mu[block], level[block], team[:, h],
                       np.sqrt(own_var[block]), zero[block], share[block] > 0)
    return _as_hurdle(np.asarray(reps)[rows], total, float(np.sqrt(max(cov.mean(), 0.0))))


def draws_for(n_reps: int) -> int:
    """Draws a rep for a quarter's sum: :data:`DRAW_BUDGET` shared by the reps, between :data:`N_DRAWS` and
    :data:`MAX_DRAWS`.

    >>> draws_for(12), draws_for(36), draws_for(1000)
    (2048, 1820, 256)
    """
    return int(np.clip(DRAW_BUDGET // max(n_reps, 1), N_DRAWS, MAX_DRAWS))


BLOCK_ROWS = 256
"""Reps per block of the draws' arithmetic: 256 x 256 draws of 8 bytes, half a megabyte an array."""


def _blocks(n: int) -> list[slice]:
    return [slice(start, min(start + BLOCK_ROWS, n)) for start in range(0, n, BLOCK_ROWS)]


def _add_month(total: np.ndarray, own: np.ndarray, hurdle: np.ndarray, law: EmpiricalResidualLaw | None,
               mu: np.ndarray, level: np.ndarray, team: np.ndarray, own_sd: np.ndarray, zero: np.ndarray,
               active: np.ndarray) -> None:
    """Add one month's draws to ``total`` (a block of reps x draws), in place.

    log y = mu_i + level_id + team_d + e_id * sd_i with e the residual law's ``ppf`` of the uniform draws
    ``own`` (or ``own`` itself: t draws); y counts where the hurdle draw clears the rep's zero share for
    the month of quarter and the rep is active. Computed in the order of the whole-matrix expression, so
    the sum is the same number for number."""
    e = law.ppf(own) if law is not None else own
    log_y = mu[:, None] + level
    log_y += team[None, :]
    e *= own_sd[:, None]
    log_y += e
    counted = hurdle >= zero[:, None]
    counted &= active[:, None]
    # (a draw from a t's far tail over a level run away, e^800, is an overflow: kept a finite huge number,
    # so the rep's sums stay ordered and no infinite sum turns its log-scale summary into NaN)
    np.minimum(log_y, MAX_LOG, out=log_y)
    total += np.where(counted, np.exp(log_y), 0.0)


def _as_hurdle(reps: np.ndarray, total: np.ndarray, shared_sigma: float) -> LogScaleHurdle:
    """Each rep's draws of the sum as a zero share plus a location-scale law on the log of the rest.

    The scale is each rep's interquartile range of the log draws over 1.349 (the standard deviation of a
    normal): one extreme draw of 256 (a residual from the pooled law's far tail) moved a rep's standard
    deviation by half and its P90 from 1.4x to 2x its median, so a rep's range changed when another rep
    was added and the draws fell otherwise. The tails stay in the pooled law of the standardised draws,
    scaled to the same interquartile range.
    """
    positive = total > 0
    k = positive.sum(axis=1)
    zero_share = 1.0 - k / total.shape[1]
    # A zero sum's log is taken as 0 and masked out of each sum, as NaN would be by nansum (no NaN passes).
    logs = np.log(np.where(positive, total, 1.0))
    mu = np.where(k > 0, logs.sum(axis=1) / np.maximum(k, 1), 0.0)
    deviation = logs - mu[:, None]
    sd = _iqr_scale(np.where(positive, logs, np.nan), k)
    fill = float(np.nanmedian(sd)) if np.isfinite(sd).any() else 1.0
    sd = np.where(np.isfinite(sd) & (sd > 0), sd, fill)
    u = (deviation / sd[:, None])[positive & (k[:, None] > 1)]
    u = u[np.isfinite(u)]
    law = None
    if u.size >= 20:
        q25, q75 = np.quantile(u, [0.25, 0.75])
        u = (u - u.mean()) / max(float(q75 - q25) / IQR_PER_SD, 1e-9)
        law = EmpiricalResidualLaw.thinned(u)
    return LogScaleHurdle(reps=reps, mu=mu, sigma=sd, df=np.full(reps.size, 30.0), zero_share=zero_share,
                          residuals=law, shared_sigma=min(shared_sigma, float(np.min(sd)) if sd.size else 0.0))


IQR_PER_SD = 1.349
"""The interquartile range of a normal law in standard deviations."""


def _iqr_scale(logs: np.ndarray, k: np.ndarray) -> np.ndarray:
    """Each row's interquartile range over :data:`IQR_PER_SD` (NaN: not drawn), NaN for rows of fewer than 4
    values, as np.quantile's linear interpolation gives it. Each row is sorted once (7 ms for 10,000 rows
    of 256; partitioning around the quartiles took 50): NaN sorts last, so a row's quartiles sit among
    its first k values."""
    out = np.full(logs.shape[0], np.nan)
    ok = k >= 4
    if not ok.any():
        return out
    ordered = np.sort(logs[ok], axis=1)
    rows, n = np.arange(ordered.shape[0]), k[ok]

    def at(q: float) -> np.ndarray:
        pos = q * (n - 1.0)
        lo = np.floor(pos).astype(int)
        hi = np.minimum(lo + 1, n - 1)
        return ordered[rows, lo] + (pos - lo) * (ordered[rows, hi] - ordered[rows, lo])

    out[ok] = (at(0.75) - at(0.25)) / IQR_PER_SD
    return out
