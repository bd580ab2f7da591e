"""Parts of the log-scale model (:mod:`analytics.logmodel`) fitted per rep and month of quarter, and its
pooled residual law: each rep's own month-of-quarter shape shrunk toward the team's, the pooled
empirical law of standardised residuals (the zero shares: :mod:`analytics.zero_shares`).

Apart from the fit's decomposition so each stays a small pure function of the fit's arrays.
"""

from __future__ import annotations

import numpy as np

from analytics.predictive import EmpiricalResidualLaw


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
    # A month of quarter seen once is that month's noise as much as a shape, and its noise is not in s2
    # (the cell is its own mean): one whale deal in a rep's only third month read as a shape of 30x
    # every third month. Only months of quarter seen twice or more are a rep's own.
    repeated = counts >= 2
    if not repeated.any():
        return np.zeros((n_r, 3)), np.zeros((n_r, 3))
    tau2 = max(float(np.mean(dev[repeated] ** 2) - np.mean(s2 / counts[repeated])), 1e-6)
    se2 = s2 / np.maximum(counts, 1)
    shrink = np.where(repeated, tau2 / (tau2 + se2), 0.0)
    eff = shrink * dev
    eff -= eff.mean(axis=1, keepdims=True)
    var = np.where(repeated, shrink * se2, tau2)
    return eff, var


MIN_RESIDUALS = 20
"""Residuals, and degrees of freedom left in them, an empirical law needs (else the parametric one)."""


def residual_law(e: np.ndarray, cell_rep: np.ndarray, s_tilde: np.ndarray,
                  n_pos: np.ndarray, period_cells: np.ndarray) -> EmpiricalResidualLaw | None:
    """Pooled standardised residuals (reps with >= 3 positive periods), rescaled to mean 0, sd 1.

    ``e`` holds the residuals of the positive cells (flat, row-major), ``cell_rep`` their reps;
    ``period_cells`` the positive cells of each period. None (the parametric law) unless the residuals
    keep :data:`MIN_RESIDUALS` degrees of freedom after the period effects and rep levels fitted to them:
    a period with one rep's cell has its effect equal to that cell, so a team of one veteran (and a new
    hire) left twenty residuals of three distinct values, and every percentile from P40 to P90 on one
    of them."""
    ok = n_pos >= 3
    free = int(np.sum(np.maximum(period_cells - 1, 0))) - int(np.count_nonzero(n_pos))
    if not ok.any() or free < MIN_RESIDUALS:
        return None
    keep = ok[cell_rep]
    rep = cell_rep[keep]
    u = e[keep] / np.sqrt(s_tilde[rep]) * np.sqrt(n_pos[rep] / (n_pos[rep] - 1.0))
    u = u[np.isfinite(u)]
    if u.size < MIN_RESIDUALS:
        return None
    u = (u - u.mean()) / max(u.std(), 1e-9)
    return EmpiricalResidualLaw.thinned(u)  # at most 20,000 of its own quantiles: same law, bounded cost



def hire_level_caps(theta: np.ndarray, shown: np.ndarray, ramping: np.ndarray, ramped: np.ndarray) -> np.ndarray:
    """The highest level a rep still ramping is forecast at: the team's best, or what they already showed.

    A hire's level is their ramp-adjusted mean, ``a_i = mean(z - p - r_k)``: a first month booked at
    the ramp's 25% is read as a quarter of the level to come. A hire who booked 3-4x the veteran from
    their first month (a transfer, an inherited book) is then forecast at 4x their own months, and in
    a small team the level prior cannot pull them back, because their level is most of the spread it
    learns from. The ramp is a team average, not evidence that this rep will grow past anyone seen, so
    a ramping rep's level with the ramp, ``theta_i + r_k``, is capped at ``max(best ramped rep's
    level, the level they showed)``, where ``shown`` is their mean without the ramp's adjustment. Reps
    at full tenure get no cap (+inf), nor do hires when nobody in the team has ramped yet (there is no
    team's best to hold them to).

    Parameters
    ----------
    theta : (n_reps,) shrunk log levels.
    shown : (n_reps,) log levels without the ramp's adjustment (NaN for reps with no positive period).
    ramping : (n_reps,) bool, reps with positive periods and none at full tenure.
    ramped : (n_reps,) bool, reps with periods at full tenure (the team's levels to compare with).

    Examples
    --------
    >>> import numpy as np
    >>> caps = hire_level_caps(np.log([100.0, 400.0, 60.0]), np.log([100.0, 150.0, 30.0]),
    ...                        np.array([False, True, True]), np.array([True, False, False]))
    >>> np.exp(caps).round(6).tolist()
    [inf, 150.0, 100.0]
    """
    caps = np.full(theta.shape, np.inf)
    if ramping.any() and ramped.any():
        best = float(np.max(theta[ramped]))
        caps[ramping] = np.maximum(best, np.nan_to_num(shown[ramping], nan=-np.inf))
    return caps
