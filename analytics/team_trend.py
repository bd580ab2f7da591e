"""The team's shared level and damped local trend (calibration-methods section 10), on a short series.

The team period effects d_t (the deseasonalised mean log level per active rep, from the log model)
follow a damped local linear trend, in the innovations form of exponential smoothing (ETS(A,Ad,N)):

    d_t = l_{t-1} + phi b_{t-1} + e_t,    e_t ~ N(0, s^2)
    l_t = l_{t-1} + phi b_{t-1} + alpha e_t
    b_t = phi b_{t-1} + alpha beta e_t

(alpha, beta, phi) maximise the Gaussian likelihood, which for a fixed start is the least sum of
squared one-step errors; they are searched on a small grid (every point run at once, as arrays:
a Python loop over periods, not over grid points). The h-step forecast is
l_T + (phi + ... + phi^h) b_T, and the errors of steps 1..H are correlated: step h carries
e_{T+j} with weight c_{h-j} = alpha (1 + beta (phi + ... + phi^{h-j})) for j < h, so their
covariance is s^2 L L^T with L lower triangular (:meth:`DampedTrend.forecast`).

Damping matters: an undamped trend over-forecasts the period after a dip. phi < 1 always here
(at most 0.95), so the forecast levels off at l_T + b_T phi / (1 - phi).

Example
-------
A team whose log level rises by 0.1 a period is forecast to keep rising, a little less each step:

>>> import numpy as np
>>> fit = fit_damped_trend(0.1 * np.arange(12) + np.random.default_rng(1).normal(0, 0.01, 12))
>>> mean, cov = fit.forecast(3)
>>> bool(np.all(np.diff(mean) > 0) and mean[0] > 1.1)
True
>>> bool(cov[2, 2] > cov[1, 1] > cov[0, 0] > 0)
True
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

ALPHAS = np.array([0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0])
BETAS = np.array([0.0, 0.05, 0.1, 0.2, 0.3, 0.5])
PHIS = np.array([0.5, 0.7, 0.8, 0.9, 0.95])
BURN_IN = 2        # the first errors depend on the start values, not on the parameters: not scored
MIN_PERIODS = 6    # fewer periods than this: no trend is fitted (too few errors to choose from)


@dataclass(frozen=True)
class DampedTrend:
    """A fitted damped local trend: smoothing weights, the last state and the one-step variance."""

    alpha: float
    beta: float
    phi: float
    level: float
    slope: float
    sigma2: float

    def forecast(self, horizon: int) -> tuple[np.ndarray, np.ndarray]:
        """Mean (horizon,) and covariance (horizon, horizon) of the next ``horizon`` values.

        >>> m, c = DampedTrend(0.5, 0.0, 0.9, level=1.0, slope=0.1, sigma2=0.04).forecast(2)
        >>> np.round(m, 3).tolist(), np.round(c, 3).tolist()
        ([1.09, 1.171], [[0.04, 0.02], [0.02, 0.05]])
        """
        steps = np.arange(1, horizon + 1)
        damp_sums = np.cumsum(self.phi ** steps)                    # phi + ... + phi^h
        mean = self.level + damp_sums * self.slope
        weights = np.eye(horizon)
        for h in range(horizon):
            for j in range(h):
                weights[h, j] = self.alpha * (1 + self.beta * damp_sums[h - j - 1])
        return mean, self.sigma2 * weights @ weights.T


def _one_step_errors(d: np.ndarray, alpha: np.ndarray, beta: np.ndarray,
                     phi: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """One-step errors (grid, T - 1) of every parameter point, and each point's last level and slope."""
    level = np.full(alpha.shape, d[0])
    slope = np.full(alpha.shape, d[1] - d[0] if d.size > 1 else 0.0)
    errors = np.empty((alpha.size, d.size - 1))
    for t in range(1, d.size):
        e = d[t] - (level + phi * slope)
        errors[:, t - 1] = e
        level = level + phi * slope + alpha * e
        slope = phi * slope + alpha * beta * e
    return errors, level, slope


def fit_damped_trend(d: np.ndarray) -> DampedTrend | None:
    """The damped trend of least squared one-step error on the grid; None with fewer than 6 periods.

    The variance is the mean squared one-step error after the burn-in, scaled by n / (n - 3) for the
    three parameters chosen on the same errors.
    """
    d = np.asarray(d, dtype=float)
    d = d[np.isfinite(d)]
    if d.size < MIN_PERIODS:
        return None
    a, b, p = (g.ravel() for g in np.meshgrid(ALPHAS, BETAS, PHIS, indexing="ij"))
    errors, level, slope = _one_step_errors(d, a, b, p)
    scored = errors[:, BURN_IN - 1:]
    sse = np.sum(scored**2, axis=1)
    best = int(np.argmin(sse))
    n = scored.shape[1]
    sigma2 = float(sse[best] / max(n - 3, 1))
    return DampedTrend(float(a[best]), float(b[best]), float(p[best]), float(level[best]),
                       float(slope[best]), sigma2)
