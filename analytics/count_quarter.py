"""A count's quarter (deals won, closed deals, meetings) as the sum of three forecast months.

The monthly count model (:func:`analytics.counts.fit_count_model`) forecasts rep i's month h as a
gamma-Poisson count,

    Y_ih | L_i, T_h, G_ih ~ Poisson(L_i m_ih T_h G_ih),

with L_i the rep's rate (posterior gamma: mean ``post_rate``, shape a_i = alpha + Y_i), m_ih the month's
exposure (active share x exp(the team's forecast level for the month) x the ramp at the rep's tenure
then), T_h the team's shock (log-normal, mean 1, log covariance C from ``PeriodEffectForecast.path_cov``:
one draw for every rep, correlated across the months ahead) and G_ih the rep's extra-Poisson noise
(mean 1, variance phi, each month apart). The team's level is carried forward per month with the
pipeline's lead and its trend (``path_mean``), as the summed quarter of money is
(:mod:`analytics.quarter_sum`).

The quarter's total S_i = sum_h Y_ih shares L_i over its three months and T over its reps. Its moments
are exact:

    E[S_i]   = l_i M_i,                    l_i = E[L_i], M_i = sum_h m_ih,
    Var[S_i] = E[S_i] + l_i^2 [(1 + 1/a_i) Q_i - M_i^2],   Q_i = sum_hk m_ih m_ik exp(C_hk) (1 + phi [h = k]),

and the quarter's law is the negative binomial of the same mean and variance: r_i = 1 / cv2_i with
cv2_i = (1 + 1/a_i) Q_i / M_i^2 - 1, the form the monthly law has (one month: cv2 = (1 + 1/a)(1 + phi) e^v - 1).
No draw is made, so a quarter is the same number every time and costs what a month does; the moments
against simulation are in tests/test_count_quarter.py.

A quarterly fit on three-month windows (:mod:`analytics.quarter_windows`) had two to twelve points per
rep and a team level that only moved once a quarter: on a company whose team grew fivefold it forecast
the growing quarters far too low (docs/calibration-regimes.md).

Example
-------
Three months of one rep's rate 2 a month, no team shock, no noise beyond Poisson, a sure rate (a huge
shape): the quarter is Poisson(6), so its variance equals its mean (r very large):

>>> import numpy as np
>>> r, q, mean = summed_count_moments(np.array([2.0]), np.array([1e12]), 0.0, np.ones((1, 3)),
...                                   np.zeros((3, 3)))
>>> round(float(mean[0]), 6), bool(r[0] > 1e6)
(6.0, True)
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from analytics.counts import MIN_EXPOSURE, CountFit
from analytics.model_fit import fit_before_months, on_rows
from analytics.panel_arrays import PanelArrays, ramp_bins
from analytics.periods import Period

MONTHS = 3


def count_quarter_fit(months: PanelArrays, metric: str, first_month: Period, n_train: int, rows: np.ndarray,
                      expfrac: np.ndarray, tenure: np.ndarray) -> CountFit:
    """The monthly count model fitted on the first ``n_train`` months of ``months``, as a fit of the quarter.

    The quarter is the three months from ``first_month`` (any months between the training data and it are
    forecast too, and not counted). For ``rows`` the fit's predictive law is the quarter's total
    (:func:`summed_count_moments`; NaN for the other reps), so ``fit.predictive(reps, rows)`` is the law
    ``calibrate`` and the quarter backtest both use. ``expfrac`` and ``tenure``: (len(rows), 3), each rep's
    active share and tenure in each month (a month not active, NaN or 0, adds exactly 0).
    """
    fit, gap = fit_before_months(months, metric, first_month, n_train, rows, tenure, "count", months_ahead=MONTHS)
    assert isinstance(fit, CountFit)
    path = fit.period.path_mean[gap:gap + MONTHS]
    cov = fit.period.path_cov[gap:gap + MONTHS, gap:gap + MONTHS]
    exposure = month_exposures(fit, expfrac, tenure, path)
    phi = window_dispersion(months.y[:, :n_train], fit, n_train + gap)
    r, q, mean = summed_count_moments(fit.post_rate[rows], fit.shape[rows], fit.phi if phi is None else phi,
                                      exposure, cov)

    def spread(values: np.ndarray) -> np.ndarray:
        return on_rows(values, rows, len(months.reps))

    # The pipeline's lead, said on Baselines, is what it did to the quarter's three months (on average); the
    # shared shock's sd is the one of the team's mean log level over them, as for a summed quarter of money.
    lead = fit.period.lead if fit.period.lead is None else replace(fit.period.lead, ahead=(gap + 1, gap + 2, gap + 3))
    return replace(fit, predictive_r=spread(r), predictive_q=spread(q), mean=spread(mean),
                   period=replace(fit.period, variance=max(float(cov.mean()), 0.0), lead=lead))


def month_exposures(fit: CountFit, expfrac: np.ndarray, tenure: np.ndarray, path: np.ndarray) -> np.ndarray:
    """(reps, 3): m_ih = active share x exp(the team's level for month h) x the ramp at the rep's tenure then.

    A month the rep is active in has its share floored at ``MIN_EXPOSURE`` (as the monthly forecast does);
    one not active (0 or NaN) has exposure 0, so it adds nothing to the quarter."""
    share = np.nan_to_num(np.asarray(expfrac, dtype=float), nan=0.0)
    share = np.where(share > 0, np.clip(share, MIN_EXPOSURE, 1.0), 0.0)
    bins, _ = ramp_bins(np.asarray(tenure, dtype=float), "month")
    return share * np.exp(path)[None, :] * fit.ramp[bins]


def window_dispersion(y: np.ndarray, fit: CountFit, first_column: int) -> float | None:
    """phi_Q: the extra-Poisson dispersion of a rep's three-month total around its forecast from the rep's
    other three-month totals (Pearson, method of moments), or None when the history holds no complete window.

    The windows are the three months ending 3, 6, 9, ... months before ``first_column`` (the quarter's first
    month) in the training columns of ``y``, so each holds the months of quarter the quarter does; a rep's
    window counts when the rep was active in all three months. Window w of rep i has the total Y_w, the
    exposure E_w (its fitted mean, ``CountFit.fitted``, over the rep's rate) and the rep's rate left out of
    it, l_-w = (a_i - Y_w) / (beta + E_i - E_w) with a_i = alpha + Y_i, E_i the rep's totals; with
    M_w = l_-w E_w,

        phi_Q = max(sum_w ((Y_w - M_w)^2 - M_w) / sum_w M_w^2, 0).

    Not the monthly phi: a rep's own month-of-quarter pattern (more deals in a quarter's last month) is noise
    to a month and sums out of a quarter (phi 0.10-0.17 a month on the test companies). Not the in-sample
    Pearson of the quarters either (0.00-0.01 there, and negative for deals won: each rep's rate and each
    month's team level are fitted on the same counts): the forecast quarters of those companies spread
    0.02 beyond Poisson around the rep's rate, net of the team's shared move. Leaving the window out holds
    the rate's own error in phi_Q; it is left in (``summed_count_moments`` adds the posterior's 1 / a_i
    too), since a forecast extrapolates a rep's drifting rate where leaving a window out interpolates it.

    >>> from types import SimpleNamespace
    >>> fit = SimpleNamespace(fitted=np.full((2, 6), 2.0), post_rate=np.array([2.0, 2.0]),
    ...                       shape=np.array([1e9, 1e9]), beta=1e9 / 2 - 6)
    >>> y = np.array([[0.0, 0, 6, 0, 0, 6], [6, 0, 0, 6, 0, 0]])   # months swing, quarters are exactly 6
    >>> window_dispersion(y, fit, 6)
    0.0
    """
    fitted = fit.fitted
    n_t = min(y.shape[1], fitted.shape[1])
    starts = np.arange(first_column - MONTHS, -1, -MONTHS)
    starts = starts[starts + MONTHS <= n_t]
    if starts.size == 0:
        return None
    cells = np.stack([np.arange(s, s + MONTHS) for s in starts])           # windows x 3
    seen = np.isfinite(fitted[:, cells]) & np.isfinite(y[:, cells])          # reps x windows x 3
    whole = seen.all(axis=2)
    rep = np.nonzero(whole)[0]
    total = np.where(seen, y[:, cells], 0.0).sum(axis=2)[whole]
    exposure = np.where(seen, fitted[:, cells], 0.0).sum(axis=2)[whole] / fit.post_rate[rep]
    shape = fit.shape[rep]
    rep_exposure = shape / fit.post_rate[rep] - fit.beta                   # E_i, from a_i / (beta + E_i)
    left_out = (shape - total) / (fit.beta + rep_exposure - exposure) * exposure
    ok = np.isfinite(left_out) & (left_out > 0)
    if not ok.any():
        return None
    m, t = left_out[ok], total[ok]
    return float(max(np.sum((t - m) ** 2 - m) / np.sum(m**2), 0.0))


def summed_count_moments(rate: np.ndarray, shape: np.ndarray, phi: float, exposure: np.ndarray,
                         cov: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(r, q, mean) per rep of the negative binomial with the quarter's mean and variance (module docstring).

    ``rate``: l_i; ``shape``: a_i; ``phi``: the within-rep extra-Poisson dispersion of the quarter's total,
    phi_Q (:func:`window_dispersion`); ``exposure``: m_ih, (reps, months); ``cov``: C, the team shock's log
    covariance over the months. scipy's parameterisation: nbinom(r, q) has mean r (1 - q) / q.
    """
    m = np.asarray(exposure, dtype=float)
    total = m.sum(axis=1)
    mean = np.asarray(rate, dtype=float) * total
    quad = (1.0 + phi) * np.einsum("ih,hk,ik->i", m, np.exp(np.asarray(cov, dtype=float)), m)
    with np.errstate(divide="ignore", invalid="ignore"):
        cv2 = np.where(total > 0, (1.0 + 1.0 / np.asarray(shape, dtype=float)) * quad / total**2 - 1.0, 0.0)
    r = 1.0 / np.maximum(cv2, 1e-9)
    q = r / (r + np.maximum(mean, 1e-12))
    return r, q, mean
