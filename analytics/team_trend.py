"""The team's shared level and damped local trend (calibration-methods section 10), on a short series.

The team period effects d_t (the deseasonalised mean log level per active rep, from the log model)
are forecast by a straight line through their last ``w`` values (ordinary least squares), its
slope damped:

    d_{T+h} = l_T + (phi + ... + phi^h) b,    l_T the line's value at T, b its slope.

The window is three quarters of months (nine periods), so the line spans whole quarters and a
quarter-end month's push does not tilt it; shorter when the history is. The slope is shrunk by
its noise (b (1 - se^2 / b^2), positive part), so a steady team's wobble is no trend.

Why not a trend fitted by its one-step errors (damped exponential smoothing, ETS(A,Ad,N), until
2026-12)? On the growth test company (a team whose level rose fourfold in its last year) the
one-step errors chose a random walk with no slope at every late origin (alpha 1, beta 0: a noisy
month moves the next forecast as much as a trend does), and its growing quarters were forecast
low; fitting the smoothing on three-step errors, or on the last year only, did no better. With the
line, the trend variant's quarter CRPS on that company fell 7% (0.478 to 0.444, every origin, both
with the zero shares of ``zero_shares.level_zero_link``), and 24.9% below the best naive rule's
(docs/calibration-regimes.md, the variants table).

The forecast's error covariance is the line's own: every earlier origin of the series is forecast
the same way, and the errors of steps 1..H there give their covariance (steps of one forecast share
the line's error, so they are correlated). Damping matters: an undamped trend over-forecasts the
period after a dip; phi is 0.9, so the forecast levels off at l_T + 9 b.

Example
-------
A team whose log level rises by 0.1 a period is forecast to keep rising, a little less each step:

>>> import numpy as np
>>> fit = fit_damped_trend(0.1 * np.arange(18) + np.random.default_rng(1).normal(0, 0.01, 18))
>>> mean, cov = fit.forecast(3)
>>> bool(np.all(np.diff(mean) > 0) and mean[0] > 1.75)
True
>>> bool(cov[2, 2] > cov[0, 0] > 0)
True
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

WINDOW = 9          # periods the line is fitted on: three quarters of months
MIN_WINDOW = 5      # a shorter history has no trend (the mean of three serves)
MIN_ERRORS = 3      # earlier origins the error covariance needs at its longest step
PHI = 0.9           # the slope's damping per period


@dataclass(frozen=True)
class DampedTrend:
    """A fitted damped line: its value at the last period, its slope, the damping, and the error
    covariance of the forecasts of steps 1..len(error_cov) measured on the series' earlier origins."""

    level: float
    slope: float
    phi: float
    window: int
    error_cov: np.ndarray

    @property
    def sigma2(self) -> float:
        """The one-step forecast error variance."""
        return float(self.error_cov[0, 0])

    def forecast(self, horizon: int) -> tuple[np.ndarray, np.ndarray]:
        """Mean (horizon,) and covariance (horizon, horizon) of the next ``horizon`` values.

        >>> m, c = DampedTrend(1.0, 0.1, 0.9, 9, np.array([[0.04, 0.02], [0.02, 0.05]])).forecast(2)
        >>> np.round(m, 3).tolist(), np.round(c, 3).tolist()
        ([1.09, 1.171], [[0.04, 0.02], [0.02, 0.05]])
        """
        if horizon > self.error_cov.shape[0]:
            raise ValueError(f"the trend was fitted for {self.error_cov.shape[0]} steps, not {horizon}")
        mean = self.level + damp_sums(self.phi, horizon) * self.slope
        return mean, self.error_cov[:horizon, :horizon].copy()


def damp_sums(phi: float, horizon: int) -> np.ndarray:
    """phi + ... + phi^h for h = 1..horizon: how many slopes a damped trend has moved after h steps.

    >>> np.round(damp_sums(0.9, 3), 3).tolist()
    [0.9, 1.71, 2.439]
    """
    return np.cumsum(phi ** np.arange(1, horizon + 1))


def line_end(d: np.ndarray, noise: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Least-squares lines through each row of ``d`` (rows, w): their values at the last column, and slopes
    shrunk by their noise, b (1 - se^2 / b^2) (positive part): a slope no larger than the wobble of
    the window's points is no trend. ``noise``: a known variance of each point (rows, w), counting noise
    say, added to se^2 (sum of x_i^2 noise_i / sxx^2), so a line through a few counts is no trend either.

    >>> ends, slopes = line_end(np.array([[0.0, 0.1, 0.2, 0.3, 0.4], [0.0, 0.1, 0.2, 0.3, 0.4]]),
    ...                         np.array([[0.0] * 5, [0.25] * 5]))
    >>> np.round(slopes, 3).tolist()
    [0.1, 0.0]
    """
    w = d.shape[1]
    x = np.arange(w) - (w - 1) / 2
    sxx = float(np.sum(x**2))
    slope = d @ x / sxx
    mean = d.mean(axis=1)
    resid = d - mean[:, None] - slope[:, None] * x
    se2 = np.sum(resid**2, axis=1) / (w - 2) / sxx
    if noise is not None:
        se2 = se2 + noise @ (x**2) / sxx**2
    slope = slope * np.maximum(1 - se2 / np.maximum(slope**2, 1e-300), 0.0)
    return mean + slope * x[-1], slope


def fit_damped_trend(d: np.ndarray, horizon: int = 3, window: int = WINDOW, phi: float = PHI) -> DampedTrend | None:
    """The damped line through the last ``window`` values of ``d`` (fewer on a short history), with the
    error covariance of its forecasts of 1..``horizon`` steps; None when the history is too short.

    Every origin t with a full window before it is forecast as the last one is; the errors of steps
    1..horizon (each pair over the origins that have both) give the covariance, floored so that it
    is positive definite.
    """
    d = np.asarray(d, dtype=float)
    d = d[np.isfinite(d)]
    w = min(window, d.size - horizon - MIN_ERRORS + 1)
    if w < MIN_WINDOW:
        return None
    starts = np.arange(d.size - w + 1)
    windows = d[starts[:, None] + np.arange(w)]
    ends, slopes = line_end(windows)                      # the line at every origin; the last is the forecast
    damp = damp_sums(phi, horizon)
    errors = np.full((starts.size - 1, horizon), np.nan)  # origin x step
    for h in range(horizon):
        target = starts[:-1] + w + h
        ok = target < d.size
        errors[ok, h] = d[target[ok]] - (ends[:-1][ok] + damp[h] * slopes[:-1][ok])
    seen = np.isfinite(errors)
    both = seen.T.astype(float) @ seen.astype(float)
    filled = np.where(seen, errors, 0.0)
    cov = (filled.T @ filled) / np.maximum(both, 1.0)
    floor = 1e-6 + 1e-3 * float(np.max(np.diag(cov)))
    values, vectors = np.linalg.eigh(cov)
    cov = (vectors * np.maximum(values, floor)) @ vectors.T
    return DampedTrend(float(ends[-1]), float(slopes[-1]), phi, int(w), cov)
