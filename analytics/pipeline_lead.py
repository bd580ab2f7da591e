"""The open pipeline as a leading signal of the team's level: more deals open now, more closes next.

When a whole team grows (a young company, a new product) its pipeline grows first and its revenue a
sales cycle later; a level taken from the last three periods of revenue then trails the truth period
after period (the growth test company: one-step errors of the team level +0.34 on average over its
last twelve months). The deals open at the end of the last period are known then, so the level's
forecast can lean on them.

Maths
-----
With d_t the team's deseasonalised log level (:func:`analytics.panel_arrays.forecast_period_effect`)
and x_t the log of the deals open at the end of period t per ramped active rep
(:func:`analytics.logmodel.team_pipeline`), net of its own month-of-quarter means (less is open at a
quarter's end, when deals close), the standard forecast of d_{t+1} is the mean of d_{t-2..t}, with
error e_t = d_{t+1} - mean(d_{t-2..t}). The signal is the pipeline's move against the three periods
before, z_t = x_t - mean(x_{t-3..t-1}).

* On the series' own earlier origins, e_t = b z_t + u_t by least squares through the origin.
* The counts' Poisson noise, Var(log N) ~ 1/N, attenuates b (errors in variables): b is divided by
  the reliability lambda = 1 - mean(noise of z_t) / mean(z_t^2) (at least 1/4).
* beta is the posterior mean under a prior N(1, 0.5^2), kept in [0, 1]: revenue follows its pipeline
  unless the team's own history says otherwise (a few noisy origins do not overrule it).
* The signal now, z_T, is shrunk by its own noise: z_T (1 - noise_T / z_T^2) (positive part), so a
  pipeline within its counting noise of the periods before moves nothing.

    d_{T+h} = mean(d_{T-2..T}) + beta z_T (shrunk)   (every step h: the pipeline seen at T),

with the one-step error variance scaled by mean((e_t - beta z_t)^2) / mean(e_t^2) on the same origins.

Measured on the test companies (docs/calibration-regimes.md): every company's CRPS lower or unchanged
(24 reps: growth month -1.1%, quarter -5.4%; the steady ones 0.7-3.9%), the growth's month median
within its limit (P50 -8.9 to -7.6 points).

Example
-------
A level that follows last period's pipeline exactly: beta is 1, and a pipeline that just rose by 0.3
against the three periods before lifts the forecast by 0.3 (large counts: no noise to speak of).

>>> import numpy as np
>>> rng = np.random.default_rng(3)
>>> x = np.cumsum(rng.normal(0, 0.2, 24))
>>> d = np.concatenate([[0.0], x[:-1]])
>>> fit = fit_pipeline_lead(d, 1e6 * np.exp(x), np.full(24, 1e6))
>>> round(fit.beta, 2), round(fit.shift, 3) == round(float(x[-1] - x[-4:-1].mean()), 3)
(1.0, True)
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from analytics.formatting import rate

MIN_ORIGINS = 8     # earlier origins with both an error and a signal before beta is estimated
MAX_BETA = 1.0      # the level moves at most as much as the pipeline did
PRIOR_SD = 0.5      # the prior's sd around beta = 1
OPEN_MONTHS = 12    # a deal created this many months before a period's end is no longer pipeline (stale CRM records)


@dataclass(frozen=True)
class PipelineLead:
    """The fitted lead: ``beta``, the pipeline's move now (``move``: z_T shrunk by its noise, log scale),
    the one-step error variance of the adjusted forecast and of the plain one (on the same origins), and
    the origins."""

    beta: float
    move: float
    variance: float
    plain_variance: float
    n_origins: int

    @property
    def shift(self) -> float:
        """What the lead adds to the next level (log scale): beta times the move."""
        return self.beta * self.move

    @property
    def sentence(self) -> str:
        """The lead in words for Baselines, or "" when it moves the level by less than 1%.

        >>> PipelineLead(0.68, 0.224, 0.03, 0.04, 33).sentence
        'Open pipeline: your ramped reps hold 25% more open deals each than in the three months before (the quarter-end dip allowed for); on your history revenue followed such moves at 0.68 of their size, so the team level is set 16% higher.'
        """
        if abs(self.shift) < 0.01:
            return ""
        more = "more" if self.move > 0 else "fewer"
        level = "higher" if self.shift > 0 else "lower"
        return (f"Open pipeline: your ramped reps hold {rate(abs(np.expm1(self.move)))} {more} open deals each than "
                "in the three months before (the quarter-end dip allowed for); on your history revenue followed "
                f"such moves at {self.beta:.2f} of their size, so the team level is set "
                f"{rate(abs(np.expm1(self.shift)))} {level}.")


def fit_pipeline_lead(d: np.ndarray, open_deals: np.ndarray, n_active: np.ndarray,
                      season: np.ndarray | None = None) -> PipelineLead | None:
    """The lead of the pipeline (``open_deals`` at each period's end, ``n_active`` reps then) on ``d`` (the
    team level of the same periods); None when fewer than :data:`MIN_ORIGINS` origins have both, or the
    pipeline of the last four periods is unknown."""
    d = np.asarray(d, dtype=float)
    count = np.asarray(open_deals, dtype=float)
    n = d.size
    if n < 4 or count.size != n or not (count[-4:] > 0).all():
        return None
    with np.errstate(divide="ignore", invalid="ignore"):
        x = np.where(count > 0, np.log(count / np.asarray(n_active, dtype=float)), np.nan)
        noise = np.where(count > 0, 1 / count, np.nan)      # Var(log N) of a Poisson count N, to first order
    if season is not None:
        # The pipeline's own month-of-quarter pattern (deals close at quarter end, so less is open then) is
        # not a move: each month of quarter's mean is taken off, as d has its pattern taken off.
        season = np.asarray(season, dtype=int)
        ok = np.isfinite(x)
        sums = np.bincount(season[ok], weights=x[ok], minlength=season.max() + 1)
        counts = np.bincount(season[ok], minlength=season.max() + 1)
        means = np.where(counts > 0, sums / np.maximum(counts, 1), 0.0)
        x = x - (means - means[counts > 0].mean())[season]
    t = np.arange(3, n - 1)
    e = d[t + 1] - (d[t - 2] + d[t - 1] + d[t]) / 3
    z = x[t] - (x[t - 3] + x[t - 2] + x[t - 1]) / 3
    z_noise = noise[t] + (noise[t - 3] + noise[t - 2] + noise[t - 1]) / 9
    ok = np.isfinite(e) & np.isfinite(z) & np.isfinite(z_noise)
    e, z, z_noise = e[ok], z[ok], z_noise[ok]
    sxx = float(np.sum(z**2))
    if e.size < MIN_ORIGINS or sxx <= 0:
        return None
    raw = float(np.sum(e * z)) / sxx
    se2 = float(np.sum((e - raw * z) ** 2)) / (e.size - 1) / sxx
    # The counts' own noise attenuates the slope (errors in variables): divided by the share of the
    # signal's variance that is not noise; the signal seen now is shrunk by its own noise instead.
    reliability = max(1 - float(np.mean(z_noise)) / (sxx / e.size), 0.25)
    corrected, corrected_se2 = raw / reliability, se2 / reliability**2
    # Pulled toward 1 (revenue follows the pipeline) by a prior of sd PRIOR_SD: a few noisy origins do not
    # overrule it, a long history that says otherwise does.
    weight = 1 / corrected_se2 if corrected_se2 > 0 else 1e12
    beta = float(np.clip((weight * corrected + 1 / PRIOR_SD**2) / (weight + 1 / PRIOR_SD**2), 0.0, MAX_BETA))
    z_last = float(x[-1] - x[-4:-1].mean())
    last_noise = float(noise[-1] + noise[-4:-1].sum() / 9)
    seen = z_last * max(1 - last_noise / max(z_last**2, 1e-300), 0.0)
    fitted = beta * z * np.maximum(1 - z_noise / np.maximum(z**2, 1e-300), 0.0)
    return PipelineLead(beta, seen, float(np.mean((e - fitted) ** 2)), float(np.mean(e**2)), int(e.size))
