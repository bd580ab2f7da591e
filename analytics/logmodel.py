"""The log-scale model for money outcomes (calibration-methods sections 2 and 9), on arrays.

For the positive periods, z_it = log(y_it / exposure_it) is decomposed by a few rounds of
group-demeaning into

    z_it = a_i + p_t + r_k(i,t) + m_i,moq(t) + e_it

with a_i the rep level, p_t the team period effect (mean per active rep, never team totals),
r_k the ramp by tenure (from every hire, leavers included; a 25/50/75/100% monthly fallback
shrunk in when few hires were seen) and m_i,moq the rep's own month-of-quarter shape shrunk to
the team's (monthly grain). Then

* variance pooling: s~2_i = (d0 s0^2 + d_i s_i^2) / (d0 + d_i), with (d0, s0^2) of the scaled-F
  model s_i^2 / s0^2 ~ F(d_i, d0) estimated by moments, not by maximum likelihood: Smyth's (limma)
  estimator matches the mean and variance of log s_i^2 to those of the model (digamma, trigamma);
* level shrinkage (Efron-Morris): tau^2 by maximum likelihood of a_i ~ N(mu0, tau^2 + s~2_i/n_i),
  B_i = (s~2_i/n_i) / (s~2_i/n_i + tau^2), theta_i = mu0 + (1 - B_i)(a_i - mu0);
* the team effect's forecast p_next: its level moved by the open pipeline's lead when the panel holds the
  deals open at each period's end (:mod:`analytics.pipeline_lead`);
* predictive: mu* = theta_i + p_next + r_next + m_i,next + log exposure_next,
  sigma*^2 = s~2_i + (1 - B_i) s~2_i/n_i + Var(p_next) + Var(m_i,next), with the pooled
  empirical law of standardised residuals (left-skewed on real data) in place of a t;
* a hurdle: per-rep beta-binomial posterior mean share of zero (or negative) periods, moved on the
  log-odds scale with the team's level forecast (:mod:`analytics.zero_shares`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
from scipy import optimize, special

from analytics.logmodel_parts import hire_level_caps, residual_law, shrunk_moq
from analytics.model_variants import STANDARD, ModelVariant
from analytics.panel_arrays import (
    PeriodEffectForecast,
    fallback_ramp,
    forecast_period_effect,
    month_of_quarter,
    ramp_bins,
    team_pipeline,
)
from analytics.periods import Period
from analytics.predictive import EmpiricalResidualLaw, LogScaleHurdle
from analytics.variant_choice import VariantChoice
from analytics.zero_shares import level_zero_link, shifted_zero_shares, zero_parts

N_ROUNDS = 6
RAMP_PRIOR_OBS = 3.0
MIN_EXPOSURE = 0.1


@dataclass(frozen=True)
class LevelParts:
    """What a forecast further ahead needs (a quarter summed from months; ``analytics.quarter_sum``).

    theta (rep level), s_tilde (pooled own variance), post_var (variance of the rep level: shared by
    the rep's months), rep month-of-quarter effects and their variances (n_reps, 3), the ramp per bin,
    the zero shares per month of quarter.
    """

    theta: np.ndarray
    s_tilde: np.ndarray
    post_var: np.ndarray
    m_eff: np.ndarray
    m_var: np.ndarray
    ramp: np.ndarray
    monthly_shape: bool
    zero_moq: np.ndarray   # each rep's zero share per month of quarter (n_reps, 3); equal columns at quarter grain
    zero_shift: np.ndarray = field(default_factory=lambda: np.zeros(0))
    """The log-odds shift of every rep's zero share at each forecast step (the team level's, ``level_zero_link``)."""
    level_cap: np.ndarray | None = None
    """Each rep's highest level with the ramp (``hire_level_caps``; +inf at full tenure); None: no caps."""

    def level(self, rows: np.ndarray | slice, bins: np.ndarray) -> np.ndarray:
        """The reps' log level at their tenure bins, ``theta + r_k``, within their caps."""
        level = self.theta[rows] + self.ramp[bins]
        return level if self.level_cap is None else np.minimum(level, self.level_cap[rows])


@dataclass
class LogFit:
    """Per-rep fitted quantities (all reps of the arrays) and the team-level pieces."""

    mu: np.ndarray
    sigma: np.ndarray
    df: np.ndarray
    zero_share: np.ndarray
    n_pos: np.ndarray
    n_active: np.ndarray
    shrink_b: np.ndarray
    law: EmpiricalResidualLaw | None
    period: PeriodEffectForecast
    ramp: np.ndarray
    ramp_source: str
    next_bin: np.ndarray
    ramped_bin: int
    d0: float
    s0_sq: float
    tau_sq: float
    mu0: float
    variant: ModelVariant = STANDARD
    parts: LevelParts | None = None
    choice: VariantChoice | None = None   # why this variant (set by ``calibrate``; Baselines shows its reason)

    def predictive(self, reps: np.ndarray, rows: np.ndarray | None = None) -> LogScaleHurdle:
        idx = slice(None) if rows is None else rows
        return LogScaleHurdle(reps=np.asarray(reps)[idx], mu=self.mu[idx], sigma=self.sigma[idx],
                              df=self.df[idx], zero_share=self.zero_share[idx], residuals=self.law,
                              shared_sigma=float(np.sqrt(self.period.variance)))


def _nanmean(a: np.ndarray, axis: int) -> np.ndarray:
    """``numpy.nanmean`` without its "Mean of empty slice" warning: a rep or period with no positive
    value is expected here (NaN, as numpy gives). Not faster; tests/test_calibration.py compares the two."""
    n = np.sum(np.isfinite(a), axis=axis)
    s = np.nansum(a, axis=axis)
    return np.where(n > 0, s / np.maximum(n, 1), np.nan)


def _cell_mean(values: np.ndarray, group: np.ndarray, counts: np.ndarray) -> np.ndarray:
    """Mean of the flat cell ``values`` per ``group`` (a rep or period index), NaN where ``counts`` is 0."""
    s = np.bincount(group, weights=values, minlength=counts.size)
    return np.where(counts > 0, s / np.maximum(counts, 1), np.nan)


def fit_variance_prior(s_sq: np.ndarray, d: np.ndarray) -> tuple[float, float]:
    """(d0, s0^2) of the scaled-F model s_i^2 / s0^2 ~ F(d_i, d0), by Smyth's (limma) moment estimator.

    With e_i = log s_i^2 - digamma(d_i/2) + log(d_i/2): trigamma(d0/2) = var(e) - mean(trigamma(d_i/2))
    and log s0^2 = mean(e) + digamma(d0/2) - log(d0/2). Closed form up to a 1-d Newton inversion.
    When the s_i^2 spread no more than their own sampling noise (no excess: d0 is infinite, here
    capped at 1e4), s0^2 is their plain mean, as in limma since 2017: the limit of the moment
    estimate, exp(mean(e)), reads high exactly then (8 variances of 0.3 on 6 df: 0.358).
    tests/test_golden.py compares both branches with limma's ``squeezeVar``.
    """
    ok = (d > 0) & np.isfinite(s_sq) & (s_sq > 0)
    s_sq, d = s_sq[ok], d[ok]
    if s_sq.size == 0:
        return 10.0, 1.0
    if s_sq.size < 3:
        return 10.0, float(np.mean(s_sq))
    e = np.log(s_sq) - special.digamma(d / 2) + np.log(d / 2)
    excess = np.var(e, ddof=1) - np.mean(special.polygamma(1, d / 2))
    if excess <= 1e-6:
        return 1e4, float(np.mean(s_sq))
    d0 = float(np.clip(2 * _trigamma_inverse(excess), 0.5, 1e4))
    s0_sq = float(np.exp(np.mean(e) + special.digamma(d0 / 2) - np.log(d0 / 2)))
    return d0, s0_sq


def moderated_variance(s_sq: np.ndarray, d: np.ndarray, d0: float, s0_sq: float) -> np.ndarray:
    """Posterior variances s~2_i = (d0 s0^2 + d_i s_i^2) / (d0 + d_i) (limma's ``squeezeVar``);
    s0^2 for a rep with no residual degree of freedom (d_i = 0).

    Example
    -------
    >>> moderated_variance(np.array([4.0, np.nan]), np.array([2.0, 0.0]), 2.0, 1.0).tolist()
    [2.5, 1.0]
    """
    return np.where(d > 0, (d0 * s0_sq + d * np.nan_to_num(s_sq)) / (d0 + d), s0_sq)


def _trigamma_inverse(x: float) -> float:
    """y with trigamma(y) = x (Smyth 2004, Newton iterations)."""
    if x > 1e7:
        return 1 / np.sqrt(x)
    if x < 1e-6:
        return 1 / x
    y = 0.5 + 1 / x
    for _ in range(50):
        tri = special.polygamma(1, y)
        step = tri * (1 - tri / x) / special.polygamma(2, y)
        y = y + step
        if -step / y < 1e-8:
            break
    return float(y)


def fit_level_prior(m: np.ndarray, v: np.ndarray) -> tuple[float, float]:
    """(mu0, tau^2) by maximum likelihood of m_i ~ N(mu0, tau^2 + v_i)."""
    ok = np.isfinite(m) & np.isfinite(v)
    m, v = m[ok], v[ok]
    if m.size == 0:
        return 0.0, 1.0
    if m.size == 1:
        return float(m[0]), float(max(v[0], 1e-3))

    def mu0_of(tau_sq: float) -> float:
        w = 1.0 / (tau_sq + v)
        return np.sum(w * m) / np.sum(w)

    def nll(log_tau: float) -> float:
        tau_sq = np.exp(log_tau)
        total = tau_sq + v
        return 0.5 * np.sum(np.log(total) + (m - mu0_of(tau_sq)) ** 2 / total)

    res = optimize.minimize_scalar(nll, bounds=(np.log(1e-6), np.log(1e3)), method="bounded")
    tau_sq = float(np.exp(res.x))
    return float(mu0_of(tau_sq)), tau_sq


def fit_log_model(y: np.ndarray, expfrac: np.ndarray, tenure: np.ndarray, periods: list[Period],
                  target: Period, next_expfrac: np.ndarray, next_tenure: np.ndarray,
                  *, per_rep_moq: bool = True, active: np.ndarray | None = None,
                  variant: ModelVariant = STANDARD, steps: int = 1, open_deals: np.ndarray | None = None) -> LogFit:
    """Fit on the training columns of ``y`` (all complete, before ``target``); forecast ``target``.

    ``variant`` (:mod:`analytics.model_variants`) picks the team trend, the team season, the rep
    month-of-quarter shape (also off with ``per_rep_moq=False``) and the residual law. ``steps``:
    periods from ``target`` on whose team effect is forecast too (``period.path_mean``). ``open_deals``: each
    rep's deals open at each training period's end (like ``y``), for the pipeline's lead on the team level
    (:mod:`analytics.pipeline_lead`; None: no lead).
    """
    (fit,) = fit_log_variants(y, expfrac, tenure, periods, target, next_expfrac, next_tenure, (variant,),
                              per_rep_moq=per_rep_moq, active=active, steps=steps, open_deals=open_deals)
    return fit


def fit_log_variants(y: np.ndarray, expfrac: np.ndarray, tenure: np.ndarray, periods: list[Period],
                     target: Period, next_expfrac: np.ndarray, next_tenure: np.ndarray,
                     variants: Sequence[ModelVariant], *, per_rep_moq: bool = True,
                     active: np.ndarray | None = None, steps: int = 1,
                     open_deals: np.ndarray | None = None) -> list[LogFit]:
    """:func:`fit_log_model` of each of ``variants`` on the same data, equal to it field for field.

    The variants differ in only a part of the fit: the decomposition, pooled variances and level
    shrinkage depend on the rep shape alone (``rep_shape``), the team effect's forecast on ``trend``
    and ``team_season``, the residual law on the decomposition; the zero shares on none. Each part
    is made once, by the same operations as a single fit, and shared (the variant choice scores four
    variants at every origin: three of them share one decomposition)."""
    n_t = y.shape[1]
    active = np.isfinite(y) if active is None else (active & np.isfinite(y))
    cores: dict[bool, _LogCore] = {}
    effects: dict[tuple[bool, bool, bool], PeriodEffectForecast] = {}
    laws: dict[bool, EmpiricalResidualLaw | None] = {}
    n_active = active.sum(axis=1)
    zero_moq, zero_cells, seen, moq = zero_parts(y, active, periods, target, n_active)
    links: dict[tuple[bool, bool, bool], tuple[float, float]] = {}
    pipeline = {} if open_deals is None else team_pipeline(open_deals, active, tenure, target.grain)
    next_bins: np.ndarray | None = None
    fits = []
    for variant in variants:
        monthly = target.grain == "month" and per_rep_moq and variant.rep_shape and n_t >= 3
        if monthly not in cores:
            cores[monthly] = _log_core(y, expfrac, tenure, periods, target, active, monthly)
        core = cores[monthly]
        key = (monthly, variant.trend, variant.team_season)
        if key not in effects:
            effects[key] = forecast_period_effect(core.p, periods, target, trend=variant.trend,
                                                  season=variant.team_season, steps=max(steps, 1),
                                                  **pipeline)
        period = effects[key]
        if key not in links:
            links[key] = level_zero_link(period.levels, zero_moq, zero_cells, seen, moq)
        a, gamma = links[key]
        zero_shift = a + gamma * period.level_path if gamma else np.zeros(period.level_path.size)
        zero_next = shifted_zero_shares(zero_moq[:, month_of_quarter(target) if target.grain == "month" else 0],
                                        float(zero_shift[0]) if zero_shift.size else 0.0)
        if next_bins is None:
            next_bins, _ = ramp_bins(np.asarray(next_tenure, dtype=float), target.grain)
        parts = LevelParts(core.theta, core.s_tilde, core.post_var, core.m_eff, core.m_var, core.ramp, monthly,
                           zero_moq, zero_shift, core.level_cap)
        mu = (parts.level(slice(None), next_bins) + period.next_effect
              + np.log(np.clip(np.nan_to_num(next_expfrac, nan=1.0), MIN_EXPOSURE, 1.0)))
        var = core.s_tilde + core.post_var + period.variance
        if monthly:
            j = month_of_quarter(target)
            mu = mu + core.m_eff[:, j]
            var = var + core.m_var[:, j]
        if variant.empirical and monthly not in laws:
            laws[monthly] = residual_law(core.e_c, core.cell_rep, core.s_tilde, core.n_pos,
                                          (active & (y > 0)).sum(axis=0))
        law = laws[monthly] if variant.empirical else None
        fits.append(LogFit(mu=mu, sigma=np.sqrt(var), df=core.d0 + core.d, zero_share=zero_next,
                           n_pos=core.n_pos, n_active=n_active, shrink_b=core.b, law=law, period=period,
                           ramp=core.ramp, ramp_source=core.ramp_source, next_bin=next_bins,
                           ramped_bin=core.k_ramped, d0=core.d0, s0_sq=core.s0_sq, tau_sq=core.tau_sq,
                           mu0=core.mu0, variant=variant, parts=parts))
    return fits


@dataclass(frozen=True)
class _LogCore:
    """The decomposition, pooled variances and level shrinkage of a fit (:func:`_log_core`)."""

    p: np.ndarray
    theta: np.ndarray
    s_tilde: np.ndarray
    post_var: np.ndarray
    m_eff: np.ndarray
    m_var: np.ndarray
    ramp: np.ndarray
    ramp_source: str
    k_ramped: int
    e_c: np.ndarray
    cell_rep: np.ndarray
    n_pos: np.ndarray
    d: np.ndarray
    b: np.ndarray
    d0: float
    s0_sq: float
    tau_sq: float
    mu0: float
    level_cap: np.ndarray


def _log_core(y: np.ndarray, expfrac: np.ndarray, tenure: np.ndarray, periods: list[Period], target: Period,
              active: np.ndarray, monthly: bool) -> _LogCore:
    """z_it = a_i + p_t + r_k + m_i,moq + e_it by rounds of group means, then the pooled variances and the
    shrunk levels (``monthly``: with each rep's month-of-quarter shape)."""
    n_r, n_t = y.shape
    pos = active & (y > 0)
    # The fit works on the positive cells only, as flat arrays (row-major, as np.nonzero gives them):
    # every mean is a bincount over the cells' rep or period, with no rep x period temporaries
    # (faster than masked means over the grid at 10,000 reps; the same figures to ~1e-15).
    cell_rep, cell_t = np.nonzero(pos)
    z_c = np.log(y[cell_rep, cell_t]) - np.log(np.clip(
        np.nan_to_num(expfrac[cell_rep, cell_t], nan=1.0), MIN_EXPOSURE, 1.0))
    bins_c, k_ramped = ramp_bins(tenure[cell_rep, cell_t], target.grain)
    fallback = fallback_ramp(target.grain)
    ramp = fallback.copy()
    moq = np.array([month_of_quarter(p) for p in periods], dtype=int) if n_t else np.zeros(0, int)
    m_eff = np.zeros((n_r, 3))
    m_var = np.zeros((n_r, 3))
    n_pos = pos.sum(axis=1)
    ramped_obs = np.bincount(cell_rep[bins_c == k_ramped], minlength=n_r)
    ramp_c = (bins_c < k_ramped) & (ramped_obs[cell_rep] >= 2)      # cells of hires' ramps
    hires = int(np.count_nonzero(np.bincount(cell_rep[ramp_c], minlength=n_r)))
    ramp_source = "history" if hires >= 3 else "fallback"
    p = np.zeros(n_t)
    moq_c = moq[cell_t]
    flat = bins_c[ramp_c]
    ramp_counts = np.bincount(flat, minlength=k_ramped + 1)
    rep_moq = cell_rep * 3 + moq_c   # each cell's (rep, month of quarter), flat
    moq_counts = np.bincount(rep_moq, minlength=n_r * 3).reshape(n_r, 3).astype(float)
    n_row, n_col = n_pos, pos.sum(axis=0)
    m_c: np.ndarray | float = 0.0   # the rep shape, once estimated (0 before: subtracting it changes nothing)
    for round_ in range(N_ROUNDS):
        r_c = ramp[bins_c]
        a = _cell_mean(z_c - p[cell_t] - r_c - m_c, cell_rep, n_row)
        a_c = np.repeat(a, n_row)     # = a[cell_rep]: the cells are grouped by rep, in order
        p = _cell_mean(z_c - a_c - r_c - m_c, cell_t, n_col)
        p = np.where(np.isfinite(p), p, 0.0)
        p -= p.mean() if n_t else 0.0
        base_c = z_c - a_c - p[cell_t]
        if ramp_source == "history":
            sums = np.bincount(flat, weights=(base_c - m_c)[ramp_c], minlength=k_ramped + 1)
            ramp = (sums + RAMP_PRIOR_OBS * fallback) / (ramp_counts + RAMP_PRIOR_OBS)
            ramp[k_ramped] = 0.0
        if monthly and round_ >= N_ROUNDS - 3:  # the rep shape once levels have settled
            m_eff, m_var = shrunk_moq(base_c - ramp[bins_c], rep_moq, n_row, moq_counts)
            m_c = m_eff.ravel()[rep_moq]
    e_c = z_c - np.repeat(a, n_row) - p[cell_t] - ramp[bins_c] - m_c
    d = np.maximum(n_pos - 1, 0).astype(float)
    with np.errstate(invalid="ignore", divide="ignore"):
        s_sq = np.where(d > 0, np.bincount(cell_rep, weights=e_c**2, minlength=n_r) / np.maximum(d, 1), np.nan)
    d0, s0_sq = fit_variance_prior(s_sq, d)
    s_tilde = moderated_variance(s_sq, d, d0, s0_sq)
    v = np.where(n_pos > 0, s_tilde / np.maximum(n_pos, 1), np.nan)
    mu0, tau_sq = fit_level_prior(np.where(n_pos > 0, a, np.nan), v)
    b = np.where(n_pos > 0, v / (v + tau_sq), 1.0)
    theta = np.where(n_pos > 0, mu0 + (1 - b) * (np.nan_to_num(a) - mu0), mu0)
    shown = _cell_mean(z_c - p[cell_t] - m_c, cell_rep, n_row)
    caps = hire_level_caps(theta, shown, (n_pos > 0) & (ramped_obs == 0), ramped_obs >= 2)
    post_var = np.where(n_pos > 0, (1 - b) * v, tau_sq)
    return _LogCore(p, theta, s_tilde, post_var, m_eff, m_var, ramp, ramp_source, k_ramped, e_c, cell_rep, n_pos, d,
                    b, d0, s0_sq, tau_sq, mu0, caps)
