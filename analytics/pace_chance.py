"""The chance of reaching a target from mid-period: what is booked, the shape left, the team's shock.

At the start of a period each rep's outcome Y_i has the calibration's predictive law; on the log
scale (:class:`analytics.predictive.LogScaleHurdle`) ``log Y_i = mu_i + sigma_i * e_i``, and part of
``sigma_i`` is a shock the whole team shares in the period (``shared_sigma``, tau below). By day t
of the period a rep has booked A_i and the rest, R_i = Y_i - A_i, is what the chance is about.

Maths
-----
* **Shape still to come.** S_i is the share of the rep's period outcome usually booked by this day
  of the period (:func:`rep_shape`: each of the period's months cut at days 8, 15 and 22, the rep's
  own past periods pooled and shrunk toward the team's shape), so the remaining share is
  rho_i = 1 - S_i.
* **Team effect so far.** With M_i the predictive mean of Y_i, the team's expected to date is
  sum_i S_i M_i. The team's log ratio r = log(sum A_i / sum S_i M_i) measures the shared shock tau
  plus the reps' own noise. A rep's to-date amount over a share S of the period has a squared
  coefficient of variation about c_i / S_i with c_i = exp(sigma_i^2 - tau^2) - 1 (own noise
  averages out like a sum of deals), so the noise variance of r is
  v = sum_i (S_i M_i)^2 c_i / S_i / (sum_i S_i M_i)^2, and the normal-normal update gives
  tau_hat = w r with w = tau^2 / (tau^2 + v) (:func:`team_effect`): early in the period v is large
  and w near 0; the more of the period has elapsed, the more the team's pace is believed.
* **Remaining law.** log R_i = mu_i + log rho_i + tau_hat + e, where the spread keeps the
  unexplained part of the team shock, (1 - w) tau^2, and the rep's own part,
  sigma_i^2 - tau^2, scaled to the remaining share like a sum of deals on the log scale,
  log(1 + c_i / rho_i) (:func:`remaining_law`): sigma_R^2 = log(1 + c_i / rho_i) + (1 - w) tau^2,
  which is sigma_i^2 at rho_i = 1. So the spread of R_i in money shrinks with the remaining share
  (Var R_i ~ rho_i M_i^2 c_i for small rho_i: a shorter window holds fewer deals), and the
  team's observed pace moves every rep's remaining median by the same factor exp(tau_hat).
  A count law (negative binomial) scales its mean by rho_i exp(tau_hat) with its shape kept.
* **Chance from here.** P(A_i + R_i >= T_i) = P(R_i >= T_i - A_i): 1 once reached, the plain
  start-of-period chance at S = 0, 0 or 1 at the period's end.

Example
-------
A team of two: each rep's median 100 (sigma 0.5 of which 0.3 shared). Halfway through (S = 0.5) the
team has booked 75 each against about 56 expected each: a strong period so far, so each rep's
remaining median rises above the plain 50 and the chance of 140 is far above the unconditioned one.

>>> import numpy as np
>>> from analytics.predictive import LogScaleHurdle
>>> law = LogScaleHurdle(reps=np.array(["a", "b"]), mu=np.log([100.0, 100.0]), sigma=np.array([0.5, 0.5]),
...                      df=np.array([30.0, 30.0]), zero_share=np.zeros(2), shared_sigma=0.3)
>>> effect = team_effect(law, booked=[75.0, 75.0], share=[0.5, 0.5])
>>> round(effect.ratio, 2), 0 < effect.weight < 1, effect.shift > 0
(1.32, True, True)
>>> rest = remaining_law(law, [0.5, 0.5], effect)
>>> bool(np.all(rest.quantile(0.5) > 50.0))
True
>>> bool(np.all(chance_from_here(law, [75.0, 75.0], [140.0, 140.0], [0.5, 0.5])
...             > law.p_attain(np.array([140.0, 140.0]))))
True
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np
import numpy.typing as npt
import pandas as pd

from analytics.periods import Period
from analytics.predictive import LogScaleHurdle, NegBinomialCount, PredictiveDistribution
from analytics.tracking_core import SeasonalShape, StitchedPredictive, remaining_predictive

# Percentile levels whose average stands in for a law's mean (a log-t law has no finite mean).
MEAN_LEVELS = np.linspace(0.005, 0.995, 100)
SEGMENT_FIRST_DAYS = (1, 8, 15, 22)   # each month of a period is cut into these four segments


@dataclass(frozen=True)
class TeamEffect:
    """The team's shared shock seen so far this period, on the log scale.

    ``ratio``: the team's booked to date over its expected to date (NaN when nothing is expected);
    ``weight``: how much of log(ratio) is believed (0 at the start, toward 1 late in the period);
    ``shift``: weight * log(ratio), the remaining medians' log shift; ``variance``: what is left
    unknown of the shared shock's variance, (1 - weight) * tau^2.
    """

    ratio: float
    weight: float
    shift: float
    variance: float

    @classmethod
    def none(cls, shared_sigma: float = 0.0) -> TeamEffect:
        """Nothing seen yet: no shift, the whole shared variance left."""
        return cls(float("nan"), 0.0, 0.0, float(shared_sigma) ** 2)


def law_mean(predictive: PredictiveDistribution) -> np.ndarray:
    """Each rep's mean outcome, as the average of its percentiles 0.5% .. 99.5% (finite for every law)."""
    q = np.asarray(predictive.quantile(MEAN_LEVELS), dtype=float)
    return np.nan_to_num(q, nan=0.0, posinf=0.0).mean(axis=1)


def _shared_sigma(predictive: PredictiveDistribution) -> float:
    if isinstance(predictive, LogScaleHurdle | NegBinomialCount):
        return float(predictive.shared_sigma)
    if isinstance(predictive, StitchedPredictive):
        return max((_shared_sigma(p) for p, _ in predictive.parts), default=0.0)
    return 0.0


def _own_cv2(predictive: PredictiveDistribution, shared: float) -> np.ndarray:
    """c_i: the squared coefficient of variation of a rep's period outcome beyond the shared shock."""
    if isinstance(predictive, LogScaleHurdle):
        own = np.maximum(predictive.sigma ** 2 - shared ** 2, 0.0)
        return np.asarray(np.expm1(own), dtype=float)
    if isinstance(predictive, NegBinomialCount):
        mean = predictive.r * (1 - predictive.q) / predictive.q
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.asarray(np.where(mean > 0, 1 / np.where(mean > 0, mean, 1) + 1 / predictive.r, 0.0))
    if isinstance(predictive, StitchedPredictive):
        out = np.zeros(predictive.reps.size)
        for part, pos in predictive.parts:
            out[pos] = _own_cv2(part, shared)
        return out
    raise TypeError(f"no own variance for {type(predictive).__name__}")


def team_effect(predictive: PredictiveDistribution, booked: npt.ArrayLike, share: npt.ArrayLike) -> TeamEffect:
    """The shared shock seen in the team's booked to date against its expected to date (see module docs).

    >>> import numpy as np
    >>> from analytics.predictive import LogScaleHurdle
    >>> law = LogScaleHurdle(reps=np.array(["a"]), mu=np.log([100.0]), sigma=np.array([0.4]),
    ...                      df=np.array([30.0]), zero_share=np.zeros(1), shared_sigma=0.2)
    >>> team_effect(law, [0.0], [0.0]).weight    # nothing of the period elapsed: nothing believed
    0.0
    """
    a = np.asarray(booked, dtype=float)
    s = np.clip(np.broadcast_to(np.asarray(share, dtype=float), a.shape), 0.0, 1.0)
    tau = _shared_sigma(predictive)
    expected = s * law_mean(predictive)
    total_expected, total_booked = float(np.sum(expected)), float(np.sum(a))
    if tau <= 0 or total_expected <= 0:
        return TeamEffect(float("nan") if total_expected <= 0 else total_booked / total_expected, 0.0, 0.0,
                          tau ** 2)
    ratio = total_booked / total_expected
    with np.errstate(divide="ignore", invalid="ignore"):
        noise = float(np.sum(np.where(s > 0, expected ** 2 * _own_cv2(predictive, tau) / np.where(s > 0, s, 1), 0.0))
                      / total_expected ** 2)
    weight = tau ** 2 / (tau ** 2 + noise)
    # Nothing booked by a whole team is a log ratio of minus infinity: read it as a tenth of expected.
    shift = weight * float(np.log(max(ratio, 0.1)))
    return TeamEffect(ratio, weight, shift, (1 - weight) * tau ** 2)


def remaining_law(predictive: PredictiveDistribution, share: npt.ArrayLike,
                  effect: TeamEffect | None = None) -> PredictiveDistribution:
    """The law of the rest of the period given the share booked ``share`` = S_i and the team effect.

    Without an effect (or with :meth:`TeamEffect.none`) the median scales by 1 - S_i; the spread is
    narrowed to what is still unknown (module docs). At S_i = 1 the remainder is 0.
    """
    effect = effect or TeamEffect.none(_shared_sigma(predictive))
    if isinstance(predictive, StitchedPredictive):
        s = np.broadcast_to(np.asarray(share, dtype=float), predictive.reps.shape)
        return dataclasses.replace(predictive, parts=tuple(
            (remaining_law(p, s[pos], effect), pos) for p, pos in predictive.parts))
    if isinstance(predictive, LogScaleHurdle):
        s = np.clip(np.broadcast_to(np.asarray(share, dtype=float), predictive.mu.shape), 0.0, 1.0)
        rho = 1.0 - s
        tau2 = min(float(predictive.shared_sigma) ** 2, float(np.min(predictive.sigma ** 2, initial=np.inf)))
        own = np.maximum(predictive.sigma ** 2 - tau2, 0.0)
        with np.errstate(divide="ignore", invalid="ignore"):
            own_rest = np.log1p(np.expm1(own) / np.where(rho > 0, rho, 1.0))
            mu = predictive.mu + np.log(rho) + effect.shift
        sigma = np.sqrt(own_rest + min(effect.variance, tau2))
        return dataclasses.replace(predictive, mu=mu, sigma=np.where(rho > 0, sigma, predictive.sigma),
                                   shared_sigma=float(np.sqrt(min(effect.variance, tau2))))
    if isinstance(predictive, NegBinomialCount):
        rest = remaining_predictive(predictive, 1.0 - np.asarray(share, dtype=float))
        assert isinstance(rest, NegBinomialCount)
        mean = rest.r * (1 - rest.q) / rest.q * np.exp(effect.shift)
        return dataclasses.replace(rest, q=rest.r / (rest.r + mean))
    raise TypeError(f"no remaining law for {type(predictive).__name__}")


def chance_from_here(predictive: PredictiveDistribution, booked: npt.ArrayLike, target: npt.ArrayLike,
                     share: npt.ArrayLike, effect: TeamEffect | None = None) -> np.ndarray:
    """P(booked + R >= target) with R from :func:`remaining_law` (the team effect estimated from
    ``booked`` when not given): 1 once reached, 0 or 1 when nothing is left."""
    a = np.asarray(booked, dtype=float)
    t = np.asarray(target, dtype=float)
    s = np.broadcast_to(np.asarray(share, dtype=float), a.shape)
    effect = effect or team_effect(predictive, a, s)
    rest = remaining_law(predictive, s, effect)
    reached = a >= t
    with np.errstate(invalid="ignore", divide="ignore"):
        p = np.asarray(rest.p_attain(np.where(reached, 0.0, t - a)), dtype=float)
    p = np.where(s >= 1.0, 0.0, p)
    return np.where(reached, 1.0, np.where(np.isfinite(t), p, np.nan))


# ----------------------------------------------------------------------------- the rep's shape
def segment_bounds(period: Period) -> list[tuple[date, date]]:
    """The period's segments in order: each month cut before days 8, 15 and 22 (the last runs to
    the month's end, where month-end pushes land).

    >>> from analytics.periods import parse_period
    >>> [(a.day, b.day) for a, b in segment_bounds(parse_period("2026-02"))]
    [(1, 7), (8, 14), (15, 21), (22, 28)]
    """
    out = []
    for month in period.months():
        firsts = [month.start.replace(day=d) for d in SEGMENT_FIRST_DAYS]
        ends = [f - timedelta(days=1) for f in firsts[1:]] + [month.end]
        out += list(zip(firsts, ends, strict=True))
    return out


def segment_totals(daily: pd.DataFrame, reps: npt.ArrayLike, periods: list[Period]) -> np.ndarray:
    """Per rep, past period and segment: the metric's total, shape (n_reps, n_periods, n_segments).

    ``daily`` has columns rep, day, value (one row per rep and day with a value); a rep with no row
    in a period gets zeros there (an inactive rep's period carries no shape and adds nothing)."""
    reps = np.asarray(reps, dtype=object)
    n_seg = len(segment_bounds(periods[0])) if periods else 0
    out = np.zeros((reps.size, len(periods), n_seg))
    if daily.empty or not periods:
        return out
    where = {r: i for i, r in enumerate(reps)}
    # Each row's rep by its distinct names (a dict lookup per name, not per row: a tenth of the time of a
    # map over 130,000 rows at 1,000 reps); -1 for a rep not asked about or none.
    codes, names = pd.factorize(daily["rep"])
    found = np.array([where.get(name, -1) for name in names], dtype=int)
    rows = np.where(codes >= 0, found[codes] if found.size else -1, -1)
    # Days as datetime64 (compared in C; Python dates compared one by one took a second at 1,000 reps).
    days = pd.to_datetime(daily["day"]).to_numpy().astype("datetime64[D]")
    values = daily["value"].to_numpy(dtype=float)
    keep = rows >= 0
    # Every day's cell (past period k, segment j) found by one sorted search over the segments' first days,
    # then one bincount over (rep, cell): each cell sums its days in the rows' order, as a bincount per cell
    # did (the same sums, bit for bit), without a pass over every row per cell (96 at 8 quarters).
    bounds = [bound for period in periods for bound in segment_bounds(period)]
    firsts = np.array([a for a, _ in bounds], dtype="datetime64[D]")
    lasts = np.array([b for _, b in bounds], dtype="datetime64[D]")
    cell = np.searchsorted(firsts, days, side="right") - 1
    inside = keep & (cell >= 0)
    inside[inside] = days[inside] <= lasts[cell[inside]]    # (a day between two periods is in none)
    n_cells = len(bounds)
    flat = np.bincount(rows[inside] * n_cells + cell[inside], weights=values[inside], minlength=reps.size * n_cells)
    return flat.reshape(reps.size, len(periods), n_seg)


def rep_shape(totals: np.ndarray, period: Period, prior_periods: float = 2.0) -> SeasonalShape:
    """Each rep's share of the period booked by each segment's end, from ``segment_totals``.

    Pooled over the rep's past periods (a ratio of sums: a big period counts more) and shrunk toward
    the team's pooled shape by ``prior_periods`` periods of the rep's typical size; a rep without
    history gets the team's shape, and a team without history linear in days.
    """
    days = np.array([(b - a).days + 1 for a, b in segment_bounds(period)], dtype=float)
    x = np.clip(np.nan_to_num(totals, nan=0.0), 0.0, None)
    if x.size == 0 or x.sum() <= 0:
        return SeasonalShape.from_segments(days, days, "linear (no history)")
    team = x.sum(axis=(0, 1)) / x.sum()
    per_period = x.sum(axis=2)
    active = (per_period > 0).sum(axis=1)
    typical = np.where(active > 0, per_period.sum(axis=1) / np.maximum(active, 1), 0.0)
    weights = (x.sum(axis=1) + prior_periods * typical[:, None] * team[None, :]) \
        / np.maximum(per_period.sum(axis=1) + prior_periods * typical, 1e-12)[:, None]
    weights = np.where((per_period.sum(axis=1) > 0)[:, None], weights, team[None, :])
    return SeasonalShape.from_segments(days, weights, f"each rep's own history ({x.shape[1]} periods)")
