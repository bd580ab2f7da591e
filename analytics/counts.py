"""Counts and rates (calibration-methods section 3), vectorised over reps.

Counts (deals won, meetings, demos): gamma-Poisson with exposure. Rep i's rate
lambda_i ~ Gamma(alpha, beta); y_it ~ Poisson(lambda_i e_it), with e_it = active share of
the period x team period effect x ramp. (alpha, beta) maximise
sum_i nbinom.logpmf(Y_i, alpha, beta / (beta + E_i)) with Y_i, E_i the rep's totals; the
predictive is nbinom(alpha + Y_i, (beta + E_i) / (beta + E_i + e_next)), widened (same mean)
by the within-rep extra-Poisson dispersion phi and the forecast variance of the team
period effect (shocks shared by the whole team).

Rates (win rate): beta-binomial; (a, b) maximise sum_i betabinom.logpmf(w_i, m_i, a, b); the
rep's posterior is Beta(a + w_i, b + m_i - w_i).

Example
-------
>>> import numpy as np
>>> a, b = fit_beta_binomial(np.array([3, 5, 2, 8]), np.array([10, 12, 9, 15]))
>>> bool(0 < a / (a + b) < 1)
True
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from scipy import optimize, special

from analytics.panel_arrays import (
    PATH_STEPS,
    PeriodEffectForecast,
    fallback_ramp,
    forecast_period_effect,
    ramp_bins,
    team_pipeline,
)
from analytics.periods import Period
from analytics.predictive import NegBinomialCount
from analytics.variant_choice import VariantChoice

MIN_EXPOSURE = 0.1


# The fits' search boxes. Nelder-Mead keeps its simplex inside them, so the objective is only ever
# evaluated where every term is finite; the same box bounds the answer.
SHAPE_LOG_BOUNDS = (-5.0, float(np.log(1e6)))           # gamma shape alpha in [e^-5, 1e6]
CONCENTRATION_LOG_BOUNDS = (-5.0, float(np.log(1e5)))   # beta-binomial a + b in [e^-5, 1e5]
# The beta-binomial mean a / (a + b) stays within 1e-9 of 0 and 1: at a rate of exactly 0 or 1 the
# prior is degenerate (betaln(a, 0) is infinite), and data at the edge (an orders-only history, where
# every deal counts as won: w_i = m_i for every rep) has its likelihood rising all the way there.
MEAN_LOGIT_BOUND = float(special.logit(1 - 1e-9))


def _nbinom_logpmf(k: np.ndarray, n: float, log_p: np.ndarray, log_q: np.ndarray) -> np.ndarray:
    """``scipy.stats.nbinom.logpmf(k, n, p)`` written out with ``gammaln``, for speed: the fit's
    optimiser calls it a few hundred times, and scipy's argument checks and broadcasting cost 5x
    the sum itself for a team (40 us against 8 us at 30 reps). tests/test_counts.py compares the two.

    It takes ``log_p`` = log p and ``log_q`` = log(1 - p), which the caller computes without forming
    1 - p: with p = beta / (beta + e) near 1 (a large prior against a small exposure), 1 - p cancels
    to 0 and k * log(0) is NaN at k = 0.
    """
    return (special.gammaln(k + n) - special.gammaln(n) - special.gammaln(k + 1)
            + n * log_p + k * log_q)


def fit_gamma_poisson(totals: np.ndarray, exposures: np.ndarray) -> tuple[float, float]:
    """(alpha, beta) of the gamma prior on rates, by marginal maximum likelihood."""
    ok = np.isfinite(totals) & (exposures > 0)
    y, e = totals[ok], exposures[ok]
    if y.size == 0:
        return 1.0, 1.0
    rate = max(y.sum() / e.sum(), 1e-9)
    if y.size < 3 or y.sum() == 0:
        return 1.0, 1.0 / rate

    log_e = np.log(e)

    def nll(theta: np.ndarray) -> float:  # (log mean rate, log shape): well-posed in the Poisson limit
        log_ratio = log_e - (theta[1] - theta[0])      # log(e / beta), beta = alpha / rate
        log_p = -np.log1p(np.exp(log_ratio))           # log(beta / (beta + e))
        return -float(np.sum(_nbinom_logpmf(y, float(np.exp(theta[1])), log_p, log_ratio + log_p)))

    ratios = y / e
    var = max(np.var(ratios) - rate * np.mean(1 / e), rate**2 / 100)
    alpha0 = np.clip(rate**2 / var, 0.05, 1e4)
    res = optimize.minimize(nll, [np.log(rate), np.log(alpha0)], method="Nelder-Mead",
                            bounds=[(None, None), SHAPE_LOG_BOUNDS],
                            options={"xatol": 1e-5, "fatol": 1e-7, "maxiter": 400})
    alpha = float(np.exp(res.x[1]))
    beta = alpha / float(np.exp(res.x[0]))
    return alpha, beta


def _betabinom_logpmf_kernel(w: np.ndarray, m: np.ndarray, a: float, b: float) -> np.ndarray:
    """``scipy.stats.betabinom.logpmf(w, m, a, b)`` less log C(m, w), a constant in (a, b) the fit
    can drop, for speed: written out with ``betaln`` it costs a fifteenth of scipy's at 30 reps
    (4 us against 66 us) in an optimiser that calls it a few hundred times. tests/test_counts.py
    compares it with scipy."""
    return special.betaln(w + a, m - w + b) - special.betaln(a, b)


def fit_beta_binomial(successes: np.ndarray, trials: np.ndarray) -> tuple[float, float]:
    """(a, b) maximising sum betabinom.logpmf(w_i, m_i, a, b) over reps with m_i >= 1."""
    w, m = np.asarray(successes, float), np.asarray(trials, float)
    ok = np.isfinite(w) & np.isfinite(m) & (m >= 1)
    w, m = w[ok], m[ok]
    if w.size == 0:
        return 1.0, 1.0
    mean = np.clip(w.sum() / m.sum(), 1e-3, 1 - 1e-3)
    n_obs = w.size
    pairs, weight = np.unique(np.stack([w, m], axis=1), axis=0, return_counts=True)  # few distinct (w, m)
    w, m = pairs[:, 0], pairs[:, 1]
    if n_obs < 3:
        return 2.0 * mean, 2.0 * (1 - mean)

    def nll(theta: np.ndarray) -> float:  # (logit mean, log concentration): well-posed in the binomial limit
        a, b = _beta_of(theta)
        return -float(np.sum(weight * _betabinom_logpmf_kernel(w, m, a, b)))

    res = optimize.minimize(nll, [special.logit(mean), np.log(2.0)], method="Nelder-Mead",
                            bounds=[(-MEAN_LOGIT_BOUND, MEAN_LOGIT_BOUND), CONCENTRATION_LOG_BOUNDS],
                            options={"xatol": 1e-5, "fatol": 1e-7, "maxiter": 400})
    return _beta_of(res.x)


def _beta_of(theta: np.ndarray) -> tuple[float, float]:
    """(a, b) of the fit's (logit mean, log concentration). b is conc * expit(-t), not conc * (1 - mu):
    1 - expit(t) is exactly 0 from t = 37 on, and betaln(a, 0) - betaln(a, 0) is NaN."""
    conc = float(np.exp(theta[1]))
    return conc * float(special.expit(theta[0])), conc * float(special.expit(-theta[0]))


def pooled_rate(successes: np.ndarray, trials: np.ndarray) -> np.ndarray:
    """Beta-binomial posterior mean (a + w_i) / (a + b + m_i): a proportion pooled across reps."""
    a, b = fit_beta_binomial(successes, trials)
    return (a + np.nan_to_num(successes)) / (a + b + np.nan_to_num(trials))


def pooled_ratio(numerator: np.ndarray, exposure: np.ndarray) -> np.ndarray:
    """Gamma-Poisson posterior mean (alpha + y_i) / (beta + e_i): a conversion that may exceed 1
    (meetings per call), pooled across reps."""
    alpha, beta = fit_gamma_poisson(np.nan_to_num(numerator), np.nan_to_num(exposure))
    return (alpha + np.nan_to_num(numerator)) / (beta + np.nan_to_num(exposure))


@dataclass
class CountFit:
    predictive_r: np.ndarray
    predictive_q: np.ndarray
    mean: np.ndarray
    alpha: float
    beta: float
    phi: float
    period: PeriodEffectForecast
    n_active: np.ndarray
    shrink_b: np.ndarray
    ramp_source: str
    next_bin: np.ndarray
    ramped_bin: int
    post_rate: np.ndarray = field(default_factory=lambda: np.zeros(0))
    """Each rep's posterior mean rate (alpha + Y_i) / (beta + E_i), per unit of exposure."""
    shape: np.ndarray = field(default_factory=lambda: np.zeros(0))
    """Each rep's posterior gamma shape alpha + Y_i (the rate's squared coefficient of variation is 1 / shape)."""
    ramp: np.ndarray = field(default_factory=lambda: np.zeros(0))
    """The ramp's multiplier per ramp bin (the last bin, ramped, is 1)."""
    fitted: np.ndarray = field(default_factory=lambda: np.zeros((0, 0)))
    """Each training cell's fitted mean post_rate_i e_it (NaN where the rep was not active)."""
    choice: VariantChoice | None = None
    """Why this variant (set by ``calibrate``; Baselines shows its reason)."""

    def predictive(self, reps: np.ndarray, rows: np.ndarray | None = None) -> NegBinomialCount:
        idx = slice(None) if rows is None else rows
        return NegBinomialCount(reps=np.asarray(reps)[idx], r=self.predictive_r[idx], q=self.predictive_q[idx],
                                shared_sigma=float(np.sqrt(self.period.variance)))


def fit_count_model(y: np.ndarray, expfrac: np.ndarray, tenure: np.ndarray, periods: list[Period],
                    target: Period, next_expfrac: np.ndarray, next_tenure: np.ndarray,
                    active: np.ndarray | None = None, open_deals: np.ndarray | None = None,
                    steps: int = PATH_STEPS, trend: bool = False, season: bool = True) -> CountFit:
    """Gamma-Poisson with exposure on the training columns; forecast ``target``. ``open_deals`` (each rep's
    deals open at each period's end, for deals won or closed) lead the team's level as they lead revenue's
    (:mod:`analytics.pipeline_lead`). ``steps``: periods of the team's path forecast from ``target`` on
    (``PeriodEffectForecast.path_mean``; a quarter summed from months, :mod:`analytics.count_quarter`).
    ``trend``, ``season``: the team level's damped trend (no pipeline lead then) and the team season, as the
    variant chosen on the history has them (:mod:`analytics.model_variants`)."""
    active = np.isfinite(y) if active is None else (active & np.isfinite(y))
    y0 = np.where(active, np.maximum(np.nan_to_num(y), 0.0), 0.0)
    e_base = np.where(active, np.clip(np.nan_to_num(expfrac, nan=1.0), MIN_EXPOSURE, 1.0), 0.0)
    bins, k_ramped = ramp_bins(tenure, target.grain)
    ramp = np.exp(fallback_ramp(target.grain))
    n_t = y.shape[1]
    p = np.ones(n_t)
    lam = np.ones(y.shape[0])
    ramped_obs = (active & (bins == k_ramped)).sum(axis=1)
    ramp_cells = active & (bins < k_ramped) & (ramped_obs[:, None] >= 2)
    ramp_source = "history" if int(ramp_cells.any(axis=1).sum()) >= 3 else "fallback"
    for _ in range(4):
        e = e_base * p[None, :] * ramp[bins]
        lam = (y0.sum(1) + 0.5) / (e.sum(1) + 0.5 / max(y0.sum() / max(e.sum(), 1e-9), 1e-9))
        num = y0.sum(0)
        den = (e_base * lam[:, None] * ramp[bins]).sum(0)
        p = np.where(den > 0, (num + 0.5) / (den + 0.5), 1.0)
        p = p / np.exp(np.mean(np.log(p))) if n_t else p
        if ramp_source == "history":
            mu_cell = e_base * lam[:, None] * p[None, :]
            flat = bins[ramp_cells]
            obs = np.bincount(flat, weights=y0[ramp_cells], minlength=k_ramped + 1)
            exp_ = np.bincount(flat, weights=mu_cell[ramp_cells], minlength=k_ramped + 1)
            prior = np.exp(fallback_ramp(target.grain))
            ramp = (obs + 3 * prior) / (exp_ + 3)
            ramp[k_ramped] = 1.0
    e = e_base * p[None, :] * ramp[bins]
    totals, exposures = y0.sum(1), e.sum(1)
    alpha, beta = fit_gamma_poisson(totals[exposures > 0], exposures[exposures > 0])
    post_rate = (alpha + totals) / (beta + exposures)
    # extra-Poisson dispersion within a rep: var = mu + phi mu^2 (method of moments, Pearson)
    mu_cell = post_rate[:, None] * e
    cells = active & (mu_cell > 0)
    phi = float(max(np.sum(((y0 - mu_cell) ** 2 - mu_cell)[cells]) / max(np.sum((mu_cell**2)[cells]), 1e-9), 0.0))
    team = None if open_deals is None else team_pipeline(open_deals, active, tenure, target.grain)
    period = forecast_period_effect(np.log(p), periods, target, open_deals=None if team is None else team["open_deals"],
                                    n_active=None if team is None else team["n_active"], steps=steps,
                                    trend=trend, season=season)
    next_bins, _ = ramp_bins(np.asarray(next_tenure, dtype=float), target.grain)
    e_next = (np.clip(np.nan_to_num(next_expfrac, nan=1.0), MIN_EXPOSURE, 1.0)
              * np.exp(period.next_effect) * ramp[next_bins])
    mean = post_rate * e_next
    shape = alpha + totals
    cv2 = (1 + 1 / shape) * (1 + phi) * np.exp(period.variance) - 1
    r = 1 / np.maximum(cv2, 1e-9)
    q = r / (r + np.maximum(mean, 1e-12))
    b = beta / (beta + exposures)
    return CountFit(predictive_r=r, predictive_q=q, mean=mean, alpha=alpha, beta=beta, phi=phi, period=period,
                    n_active=active.sum(1), shrink_b=b, ramp_source=ramp_source, next_bin=next_bins,
                    ramped_bin=k_ramped, post_rate=post_rate, shape=shape, ramp=ramp,
                    fitted=np.where(active, mu_cell, np.nan))
