"""Parts of the log-scale model (:mod:`analytics.logmodel`) fitted per rep and month of quarter, and its
pooled residual law: each rep's own month-of-quarter shape shrunk toward the team's, each rep's zero
share per month of quarter, the pooled empirical law of standardised residuals.

Apart from the fit's decomposition so each stays a small pure function of the fit's arrays.
"""

from __future__ import annotations

import numpy as np
from scipy import special

from analytics.predictive import EmpiricalResidualLaw


def moq_zero_shares(zero_share: np.ndarray, zero_cells: np.ndarray, seen: np.ndarray,
                    moq: np.ndarray) -> np.ndarray:
    """Each rep's zero share per month of quarter (n_reps, 3): the rep's own share moved by the team's
    month-of-quarter odds, logit pi_ij = logit pi_i + logit r_j - logit r.

    Zero months cluster where deals do not close (the sample company: 17%, 21% and 5.5% of months
    1, 2 and 3 of a quarter are zero); one share for every month put too many zeros in the
    quarter-end month (its median too low: 42% of outcomes at or below it) and too few in the
    middle one, and a quarter summed from months was forecast low.

    Thirty reps who never sell in a quarter's first month and always in its last:

    >>> cells = np.tile([True, False, False], (30, 4))
    >>> shares = moq_zero_shares(np.full(30, 0.3), cells, np.ones_like(cells), np.tile([0, 1, 2], 4))
    >>> np.round(shares[0], 2)
    array([0.99, 0.01, 0.01])
    """
    n_j = np.bincount(moq, weights=seen.sum(axis=0), minlength=3)
    z_j = np.bincount(moq, weights=zero_cells.sum(axis=0), minlength=3)
    total, zeros = n_j.sum(), z_j.sum()
    if total == 0 or zeros == 0 or zeros == total or np.any(n_j == 0):
        return np.repeat(zero_share[:, None], 3, axis=1)
    rate_j = np.clip(z_j / n_j, 0.5 / n_j, 1 - 0.5 / n_j)       # half a month: no certain zero or sale
    shift = special.logit(rate_j) - special.logit(zeros / total)
    # Shrunk by its own noise (the variance of a log-odds, 1 / (n r (1 - r))): a pattern no larger than
    # the sampling noise of a few hundred months moves nothing.
    noise = 1 / (n_j * rate_j * (1 - rate_j))
    spread = max(float(np.mean(shift**2) - np.mean(noise)), 0.0)
    shift = shift * spread / (spread + noise)
    own = special.logit(np.clip(zero_share, 1e-6, 1 - 1e-6))
    return np.where(zero_share[:, None] > 0, special.expit(own[:, None] + shift[None, :]), 0.0)


def level_zero_link(levels: np.ndarray, zero_moq: np.ndarray, zero_cells: np.ndarray, seen: np.ndarray,
                    moq: np.ndarray) -> tuple[float, float]:
    """(a, gamma) of the team's zero months against its level: s_t = a + gamma d_t, by weighted least squares.

    s_t is the log-odds of period t's zero months against those the reps' shares expect there,
    logit(Z_t / N_t) - logit(E_t / N_t) (E_t the sum of the shares of the reps seen, at the month of
    quarter), weighted by the inverse of its noise N_t r_t (1 - r_t); d_t is the team's level net of
    month of quarter and season (``PeriodEffectForecast.levels``). A rep's share is its whole
    history's, so when the team's level moves (a company growing: zero months went from 16% to 4% of
    rep-months as its level rose fourfold) every rep's share lags it, and a hurdle with too many zeros
    puts the median low. gamma is kept only where it says more sales mean fewer zero months (< 0), and
    shrunk by its standard error (gamma (1 - se^2 / gamma^2), positive part), so a level that does not
    move the zeros leaves the shares alone.

    Twenty-four periods of 40 reps whose zero months fall as the level rises:

    >>> d = np.linspace(-1, 1, 24)
    >>> rate = 1 / (1 + np.exp(2 + 1.5 * d))
    >>> zero = np.random.default_rng(0).uniform(size=(40, 24)) < rate
    >>> a, gamma = level_zero_link(d, np.full((40, 3), zero.mean()), zero, np.ones_like(zero), np.zeros(24, int))
    >>> bool(-2.2 < gamma < -0.9)
    True
    """
    n = seen.sum(axis=0).astype(float)
    z = zero_cells.sum(axis=0).astype(float)
    e = np.where(seen, zero_moq[:, moq], 0.0).sum(axis=0)
    ok = (n >= 5) & (e > 0) & (e < n) & np.isfinite(levels)
    if ok.sum() < 6:
        return 0.0, 0.0
    n, z, e, d = n[ok], z[ok], e[ok], levels[ok]
    r = e / n
    s = special.logit(np.clip(z / n, 0.5 / n, 1 - 0.5 / n)) - special.logit(r)
    w = n * r * (1 - r)
    d_bar, s_bar = np.average(d, weights=w), np.average(s, weights=w)
    sxx = float(np.sum(w * (d - d_bar) ** 2))
    if sxx <= 0:
        return 0.0, 0.0
    gamma = float(np.sum(w * (d - d_bar) * (s - s_bar)) / sxx)
    dof = max(d.size - 2, 1)
    se2 = float(np.sum(w * (s - s_bar - gamma * (d - d_bar)) ** 2)) / dof / sxx
    if gamma >= 0:
        return 0.0, 0.0
    gamma *= max(1.0 - se2 / gamma**2, 0.0)
    return float(s_bar - gamma * d_bar), gamma


def shifted_zero_shares(shares: np.ndarray, shift: float | np.ndarray) -> np.ndarray:
    """``shares`` moved by ``shift`` on the log-odds scale; a share of 0 (no zero month in the team) stays 0.

    >>> np.round(shifted_zero_shares(np.array([0.0, 0.2, 0.5]), -1.0), 3).tolist()
    [0.0, 0.084, 0.269]
    """
    if not np.any(shift):
        return shares
    own = special.logit(np.clip(shares, 1e-6, 1 - 1e-6))
    return np.where(shares > 0, special.expit(own + shift), 0.0)


def shrunk_moq(resid: np.ndarray, rep_moq: np.ndarray, per_rep: np.ndarray,
                counts: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per-rep month-of-quarter deviations, shrunk toward 0 (= the team's shape), and their variance.

    ``resid`` holds the positive cells (flat, grouped by rep: ``per_rep`` cells each), ``rep_moq``
    their rep x 3 + month of quarter; ``counts`` is (n_reps, 3), the cells per rep and month of quarter."""
    n_r = counts.shape[0]
    sums = np.bincount(rep_moq, weights=resid, minlength=n_r * 3).reshape(n_r, 3)
    rep_mean = np.where(counts.sum(1) > 0, sums.sum(1) / np.maximum(counts.sum(1), 1), 0.0)
    dev = np.where(counts > 0, sums / np.maximum(counts, 1), 0.0) - rep_mean[:, None]
    noise = float(np.sum((resid - np.repeat(rep_mean, per_rep) - dev.ravel()[rep_moq]) ** 2))
    seen = counts > 0
    # One parameter per month of quarter a rep was seen in (its mean and deviations): a rep with no
    # positive month costs none, so appending a new hire does not move everyone's shape.
    dof = max(resid.size - int(seen.sum()), 1)
    s2 = noise / dof
    if not seen.any():
        return np.zeros((n_r, 3)), np.zeros((n_r, 3))
    tau2 = max(float(np.mean(dev[seen] ** 2) - np.mean(s2 / counts[seen])), 1e-6)
    se2 = s2 / np.maximum(counts, 1)
    shrink = np.where(seen, tau2 / (tau2 + se2), 0.0)
    eff = shrink * dev
    eff -= eff.mean(axis=1, keepdims=True)
    var = np.where(seen, shrink * se2, tau2)
    return eff, var


def residual_law(e: np.ndarray, cell_rep: np.ndarray, s_tilde: np.ndarray,
                  n_pos: np.ndarray) -> EmpiricalResidualLaw | None:
    """Pooled standardised residuals (reps with >= 3 positive periods), rescaled to mean 0, sd 1.

    ``e`` holds the residuals of the positive cells (flat, row-major), ``cell_rep`` their reps."""
    ok = n_pos >= 3
    if not ok.any():
        return None
    keep = ok[cell_rep]
    rep = cell_rep[keep]
    u = e[keep] / np.sqrt(s_tilde[rep]) * np.sqrt(n_pos[rep] / (n_pos[rep] - 1.0))
    u = u[np.isfinite(u)]
    if u.size < 20:
        return None
    u = (u - u.mean()) / max(u.std(), 1e-9)
    return EmpiricalResidualLaw.thinned(u)  # at most 20,000 of its own quantiles: same law, bounded cost
