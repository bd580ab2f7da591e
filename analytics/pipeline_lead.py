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
(:func:`analytics.panel_arrays.team_pipeline`), net of its own month-of-quarter means (less is open at a
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
* The pipeline's own trend b_t: the slope of a least-squares line through x's last nine values (the
  team trend's window, :mod:`analytics.team_trend`), shrunk by its wobble and by the counts' noise, so a
  flat or thin pipeline has none. A growing pipeline keeps growing for a while (damped by phi = 0.9 a
  period), and the revenue with it:

    d_{T+h} = mean(d_{T-2..T}) + beta (z_T + (phi + ... + phi^h) b_T)   (h = 1, 2, ...),

with the one-step error variance scaled by mean((e_t - beta (z_t + phi b_t))^2) / mean(e_t^2) on the same
origins (z_t shrunk by its noise as z_T is).

The trend enters from the first step, at the move's beta. Measured against the alternatives on six
draws of the growth company (seeds 7-9, 24 and 36 reps; docs/calibration-regimes.md), quarters from
month-ends: the trend from the second step only (the revenue a period behind the pipeline) forecast
worse on four of the six, beta fitted on the move and the trend together on five, the one of those two
with the lower one-step errors on the team's own origins on all six (CRPS up to 2.6% higher); against
no trend, the growing months were forecast better on five of the six (worse by 1.2% on one). beta,
learned over every origin (in a company that grows for a year of three, most of them flat), is smaller
than a growing team's moves warrant; the trend's first step makes up a part of that. With every sales
cycle three times as long (3-5 months) the trend still lowered the growing company's CRPS (months -0.8%,
quarters -3.2%) and left the steady one's within 0.1%; six times as long (6-11 months) it cost the growing
company 0.1% and 0.3% (a step of trend the lagging revenue does not need) and the steady one nothing.

Measured on the test companies (docs/calibration-regimes.md): with the move alone, every company's CRPS
lower or unchanged (24 reps: growth month -1.1%, quarter -5.4%; the steady ones 0.7-3.9%), the growth's
month median within its limit (P50 -8.9 to -7.6 points); with the trend, growth quarter P50 -14.2 to
-10.9 at 24 reps (-13.7 to -10.0 at 36; CRPS -4.7%), months -7.6 to -5.1, the steady companies within
0.2% CRPS.

Example
-------
A team whose revenue follows its pipeline, a pipeline growing by 0.1 a period (large counts: no noise to
speak of): the trend is found, and each later step adds its damped slope to the move:

>>> import numpy as np
>>> x = 0.1 * np.arange(24)
>>> fit = fit_pipeline_lead(np.concatenate([[0.0], x[:-1]]), 1e6 * np.exp(x), np.full(24, 1e6))
>>> round(fit.beta, 2), round(fit.move, 2), round(fit.slope, 2)
(1.0, 0.2, 0.1)
>>> np.round(fit.shifts(3), 3).tolist()
[0.29, 0.371, 0.444]
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from analytics.formatting import rate
from analytics.team_trend import MIN_WINDOW, PHI, WINDOW, damp_sums, line_end

MIN_ORIGINS = 8     # earlier origins with both an error and a signal before beta is estimated
MAX_BETA = 1.0      # the level moves at most as much as the pipeline did
PRIOR_SD = 0.5      # the prior's sd around beta = 1
OPEN_MONTHS = 12    # a deal created this many months before a period's end is no longer pipeline (stale CRM records)


@dataclass(frozen=True)
class PipelineLead:
    """The fitted lead: ``beta``, the pipeline's move now (``move``: z_T shrunk by its noise, log scale),
    the one-step error variance of the adjusted forecast and of the plain one (on the same origins), the
    origins, the pipeline's trend now (``slope``, log scale a period) and the steps of the period forecast
    (``ahead``: (2,) when a month not yet over comes first; a quarter from months, its three months')."""

    beta: float
    move: float
    variance: float
    plain_variance: float
    n_origins: int
    slope: float = 0.0
    ahead: tuple[int, ...] = (1,)

    def shifts(self, steps: int) -> np.ndarray:
        """What the lead adds to the level of each of the next ``steps`` periods (log scale).

        >>> np.round(PipelineLead(0.8, 0.2, 0.03, 0.04, 30, slope=0.1).shifts(3), 3).tolist()
        [0.232, 0.297, 0.355]
        """
        return self.beta * (self.move + damp_sums(PHI, steps) * self.slope)

    @property
    def shift(self) -> float:
        """What the lead adds to the level of the period forecast (log scale; a quarter's months: their mean).

        >>> def lift(*ahead):
        ...     return round(PipelineLead(0.8, 0.2, 0.03, 0.04, 30, slope=0.1, ahead=ahead).shift, 3)
        >>> lift(1), lift(2), lift(2, 3, 4)
        (0.232, 0.297, 0.353)
        """
        return float(np.mean(self.shifts(max(self.ahead))[np.asarray(self.ahead) - 1]))

    @property
    def sentence(self) -> str:
        """:meth:`said` of revenue."""
        return self.said("revenue")

    def said(self, followed: str) -> str:
        """The lead in words for Baselines (``followed``: what followed the pipeline, "revenue" or "deals
        won"), or "" when it moves the level by less than 1%.

        >>> PipelineLead(0.68, 0.224, 0.03, 0.04, 33).sentence
        'Open pipeline: your ramped reps hold 25% more open deals each than in the three months before (the quarter-end dip allowed for); on your history revenue followed such moves at 0.68 of their size, so the team level is set 16% higher.'
        >>> PipelineLead(0.8, 0.1, 0.03, 0.04, 30, slope=0.12).sentence
        'Open pipeline: your ramped reps hold 11% more open deals each than in the three months before (the quarter-end dip allowed for), and their open deals have grown 13% a month over the last nine; on your history revenue followed such moves at 0.80 of their size, so the team level is set 18% higher, and rises as the trend goes on.'
        """
        if abs(self.shift) < 0.01:
            return ""
        more = "more" if self.move > 0 else "fewer"
        level = "higher" if self.shift > 0 else "lower"
        trend = ""
        if abs(self.beta * PHI * self.slope) >= 0.01:
            grown = "grown" if self.slope > 0 else "shrunk"
            trend = (f", and their open deals have {grown} {rate(abs(np.expm1(self.slope)))} a month over the last "
                     f"{'nine' if WINDOW == 9 else WINDOW}")
        after = (f", and {'rises' if self.slope > 0 else 'falls'} as the trend goes on" if trend else "")
        return (f"Open pipeline: your ramped reps hold {rate(abs(np.expm1(self.move)))} {more} open deals each than "
                f"in the three months before (the quarter-end dip allowed for){trend}; on your history {followed} "
                f"followed such moves at {self.beta:.2f} of their size, so the team level is set "
                f"{rate(abs(np.expm1(self.shift)))} {level}{after}.")


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
    slopes = pipeline_slopes(x, noise)
    fitted = beta * (z * np.maximum(1 - z_noise / np.maximum(z**2, 1e-300), 0.0) + PHI * slopes[t[ok]])
    return PipelineLead(beta, seen, float(np.mean((e - fitted) ** 2)), float(np.mean(e**2)), int(e.size),
                        float(slopes[-1]))


def pipeline_slopes(x: np.ndarray, noise: np.ndarray) -> np.ndarray:
    """At each period, the pipeline's trend: the shrunk slope of the line through its last :data:`WINDOW` values
    (:func:`analytics.team_trend.line_end`, the counts' noise ``noise`` added to the slope's), fewer early on;
    0 with fewer than :data:`MIN_WINDOW` values or a period without open deals in the window.

    >>> np.round(pipeline_slopes(0.1 * np.arange(12) + 0.01 * np.sin(np.arange(12)), np.zeros(12)), 2).tolist()
    [0.0, 0.0, 0.0, 0.0, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1]
    """
    n = x.size
    slopes = np.zeros(n)
    for end in range(MIN_WINDOW - 1, min(WINDOW - 1, n)):      # the first periods: a shorter line
        slopes[end] = line_end(x[None, :end + 1], noise[None, :end + 1])[1][0]
    if n >= WINDOW:
        windows = np.lib.stride_tricks.sliding_window_view(x, WINDOW)
        noises = np.lib.stride_tricks.sliding_window_view(noise, WINDOW)
        slopes[WINDOW - 1:] = line_end(windows, noises)[1]
    return np.where(np.isfinite(slopes), slopes, 0.0)
