"""The win rate next period: each rep's beta-binomial rate, the team's month-of-quarter swing, and its
drift from period to period (calibration-methods section 3).

Model
-----
A rep's wins in a period are binomial in the deals they close, at a rate p_it. The rep's own rate mu_i
is the Beta posterior of their wins and closes, under a Beta prior fitted across the reps
(:func:`analytics.counts.fit_beta_binomial`). Two things move p_it around mu_i:

* the team's season, g_k on the logit scale: the team's rate in each period against its rate over all,
  averaged per month of the year (or quarter of the year) once each is seen twice, else per month of
  quarter, and shrunk by its noise (a quarter's last month often closes its lost deals, or its won ones,
  in bulk: the Maven export wins 79-83% in a quarter's third month and 49-57% in the others; a year-end
  push wins December's deals twice as often);
* a drift rho, the intra-class correlation of a rep's wins within a period: var(p_it) = rho mu (1 - mu)
  beyond the rep's known rate, measured by moments on the rep-periods (a beta-binomial's
  E[(w - n p)^2] = n p (1 - p) (1 + (n - 1) rho)).

The next period's rate is Beta with mean expit(logit mu_i + g_k) and a concentration whose variance is
the posterior's plus the drift: 1 / (a + b + 1) = 1 / (A_i + B_i + 1) + rho. Without the two, a rep with
hundreds of closed deals was forecast inside a band a third as wide as their months (the Maven export:
P10 coverage +18 points, P90 -14; CRPS 2% worse than the reps' own percentiles).

The deals the rep will close next period are not known either: the rate is mixed over twelve equally
likely numbers of closes, the quantiles of the rep's forecast of closed deals (the count model of
:mod:`analytics.counts` on the closes themselves: exposure, ramp, the team's level and season), so the band
is drawn over as many deals as Baselines forecasts the rep to close (:mod:`analytics.rate_mixture`). Fixed at
the rep's typical closes, a month with few closes had a band too narrow (the sample's months: 18% of rates
under P10); mixed over the rep's last year of closes, a history starting eleven days before a quarter's end
drew next quarter's rate over those eleven days' 2 closes (0%, 50% or 100%) beside a forecast of 21 deals
closed. Without that forecast (:func:`fit_rate_model` called alone) the rep's last periods with a close are
used, each scaled to a whole period (:func:`full_period_closes`).

Example
-------
>>> import numpy as np
>>> from analytics.periods import parse_period
>>> months = [parse_period("2026-01").next(k) for k in range(12)]
>>> closed = np.full((3, 12), 40.0)
>>> won = np.where(np.arange(12) % 3 == 2, 32.0, 20.0) * np.ones((3, 1))    # 80% in each third month, else 50%
>>> fit = fit_rate_model(won, closed, periods=months, target=months[-1].next(3))   # (a third month)
>>> bool(fit.predictive(np.array(["a", "b", "c"])).quantile(0.5)[0] > 0.7)
True
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import special

from analytics.counts import fit_beta_binomial
from analytics.panel_arrays import month_of_quarter, season_index
from analytics.periods import Period
from analytics.predictive import BetaBinomialRate
from analytics.rate_mixture import last_closes


@dataclass
class RateFit:
    a: np.ndarray
    b: np.ndarray
    trials: np.ndarray
    prior_a: float
    prior_b: float
    n_active: np.ndarray
    shrink_b: np.ndarray
    drift: float = 0.0
    """rho: the share of a period's binomial variance beyond the rep's own rate (:func:`period_drift`)."""
    season_effect: float = 0.0
    """g_k of the target's season (month of the year or of the quarter), on the logit scale."""

    closes: np.ndarray | None = None
    """Each rep's closes in their last periods with one (:func:`analytics.rate_mixture.last_closes`): the
    numbers of trials next period's rate is mixed over (None: the typical ``trials`` alone)."""

    def predictive(self, reps: np.ndarray, rows: np.ndarray | None = None) -> BetaBinomialRate:
        idx = slice(None) if rows is None else rows
        return BetaBinomialRate(reps=np.asarray(reps)[idx], a=self.a[idx], b=self.b[idx], trials=self.trials[idx],
                                closes=None if self.closes is None else self.closes[idx])


def fit_rate_model(won: np.ndarray, closed: np.ndarray, active: np.ndarray | None = None, *,
                   periods: list[Period] | None = None, target: Period | None = None,
                   expfrac: np.ndarray | None = None, closes: np.ndarray | None = None) -> RateFit:
    """Beta-binomial win rate; next period's rate over the rep's typical number of closed deals (the
    module's model; ``periods`` and ``target`` give the month-of-quarter effect, none without them).

    ``expfrac`` (reps x periods) is the share of each period the rep was at work and in the data: the typical
    closes are a whole period's, and so are the last periods' closes the rate is mixed over
    (:func:`full_period_closes`). ``closes`` (reps x K) replaces those: the closes forecast for the target
    (:func:`analytics.rate_mixture.forecast_closes` of the closed deals' own model, the days the rep works in
    the target included), so the rate's band is drawn over as many deals as the rep is forecast to close."""
    act = np.isfinite(closed) if active is None else (active & np.isfinite(closed))
    won_c, closed_c = np.where(act, np.nan_to_num(won), 0.0), np.where(act, np.nan_to_num(closed), 0.0)
    w, m = won_c.sum(1), closed_c.sum(1)
    n_periods = act.sum(1)
    a, b = fit_beta_binomial(w, m)
    full, slots, worked = full_period_closes(closed_c, act, expfrac)
    typical = np.where(worked > 0, m / np.maximum(worked, 1e-9), np.nanmedian(
        np.where(worked > 0, m / np.maximum(worked, 1e-9), np.nan)) if (worked > 0).any() else 1.0)
    trials = np.maximum(np.round(np.nan_to_num(typical, nan=1.0)), 1.0)
    post_a, post_b = a + w, b + m - w
    mean = post_a / (post_a + post_b)
    groups, target_group, n_groups = (_season_groups(periods, target, won_c, closed_c)
                                      if periods is not None and target is not None and len(periods) == won_c.shape[1]
                                      else (None, 0, 0))
    effects = season_effects(won_c, closed_c, groups, n_groups) if groups is not None else np.zeros(1)
    cell_rate = special.expit(special.logit(np.clip(mean, 1e-6, 1 - 1e-6))[:, None]
                              + (effects[groups][None, :] if groups is not None else 0.0))
    rho = period_drift(won_c, closed_c, cell_rate)
    shift = float(effects[target_group]) if groups is not None else 0.0
    next_mean = special.expit(special.logit(np.clip(mean, 1e-6, 1 - 1e-6)) + shift)
    conc = 1.0 / (1.0 / (post_a + post_b + 1.0) + rho) - 1.0
    # (a Beta cannot be wider than concentration 0: a rep with no history under a wide prior and a large drift
    # came out negative, a NaN range; held at 0.5, or half the posterior's own when that is less)
    conc = np.maximum(conc, np.minimum(0.5 * (post_a + post_b), 0.5))
    return RateFit(a=next_mean * conc, b=(1 - next_mean) * conc, trials=trials, prior_a=a, prior_b=b,
                   n_active=n_periods, shrink_b=(a + b) / (a + b + m), drift=rho, season_effect=shift,
                   closes=closes if closes is not None else
                   _with_typical(_closes_like(full, slots, periods, target), trials))


MIN_SLOT_EXPOSURE = 0.5
"""The least share of a period a rep must have worked for its closes to stand for a whole period's: scaled
up from fewer days, one quick close in a week's sliver read as a dozen a quarter."""


def full_period_closes(closed: np.ndarray, active: np.ndarray,
                       expfrac: np.ndarray | None) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Each rep-period's closes scaled to a whole period (closes / expfrac), the rep-periods worked enough to
    be a slot of next period's closes (``MIN_SLOT_EXPOSURE``), and each rep's periods worked (the sum of
    expfrac, for the typical closes a period: closes over periods worked).

    A history that starts eleven days before a quarter's end, a rep hired in its last fortnight: their
    closes are a sliver's, and read as a quarter's they drew the next quarter's rate over 2 closes (0%, 50%
    or 100%) beside a forecast of 21 deals closed.

    >>> full, slots, worked = full_period_closes(np.array([[3.0, 20.0]]), np.ones((1, 2), bool),
    ...                                          np.array([[0.1, 1.0]]))
    >>> full.tolist(), slots.tolist(), worked.tolist()
    ([[30.0, 20.0]], [[False, True]], [1.1])
    """
    if expfrac is None:
        return closed, active, active.sum(1).astype(float)
    share = np.where(active & np.isfinite(expfrac), np.clip(np.nan_to_num(expfrac), 0.0, 1.0), 0.0)
    full = np.where(share > 0, closed / np.maximum(share, 1e-9), 0.0)
    return full, active & (share >= MIN_SLOT_EXPOSURE), share.sum(1)


def _closes_like(closed: np.ndarray, active: np.ndarray, periods: list[Period] | None,
                 target: Period | None) -> np.ndarray:
    """The closes next period's rate is mixed over: the rep's last year of periods with a close, a month's
    closes scaled to the target's place in its quarter by the team's (a quarter's last month, where deals
    are pushed, closes several times its first month's: unscaled, a first month's band was too narrow, 13%
    of rates under P10 on a test company). Unscaled without ``periods`` and ``target``, or at quarter grain."""
    if periods is None or target is None or len(periods) != closed.shape[1]:
        return last_closes(closed, active)
    if target.grain != "month":
        return last_closes(closed, active, 4)
    moq = np.array([month_of_quarter(p) for p in periods], dtype=int)
    seen = active & (closed >= 1)
    recent = seen & (np.arange(closed.shape[1]) >= closed.shape[1] - 12)[None, :]
    place = np.broadcast_to(moq, closed.shape)[recent]
    total = np.bincount(place, weights=closed[recent], minlength=3)
    cells = np.bincount(place, minlength=3)
    usual = np.where(cells > 0, total / np.maximum(cells, 1), np.nan)
    scale = usual[month_of_quarter(target)] / usual
    scale = np.where(np.isfinite(scale) & (scale > 0), scale, 1.0)
    scaled = np.where(seen, np.maximum(np.round(closed * scale[moq][None, :]), 1.0), 0.0)
    return last_closes(scaled, seen)


def _with_typical(closes: np.ndarray, trials: np.ndarray) -> np.ndarray:
    """``closes`` with a rep who never closed a deal given the reps' typical closes as their one slot."""
    out = closes.copy()
    none = ~(out >= 1).any(axis=1)
    out[none, -1] = trials[none]
    return out


def _season_groups(periods: list[Period], target: Period, won: np.ndarray,
                   closed: np.ndarray) -> tuple[np.ndarray | None, int, int]:
    """The periods' groups for the team's swing, the target's group and their number: the month (or
    quarter) of the year when every one is seen twice with closes (two years), else a month's place in its
    quarter (each seen once in four months or more), else None (a quarter of less than two years: no swing).

    Four months are enough for the places in the quarter: the Maven export's first forecasts (July and August
    from March to June, no first or second month seen twice) had no swing and read the team's mean of a
    quarter's third month and the others, 69% for July's 50%: 63% of its rates fell under the median
    (with the swing, 52%; CRPS 14% lower)."""
    seen = closed.sum(0) > 0
    of_year = np.array([season_index(p) for p in periods])
    n_year = 12 if target.grain == "month" else 4
    if (np.bincount(of_year[seen], minlength=n_year) >= 2).all():
        return of_year, season_index(target), n_year
    if target.grain != "month":
        return None, 0, 0
    moq = np.array([month_of_quarter(p) for p in periods])
    by_place = np.bincount(moq[seen], minlength=3)
    if (by_place >= 1).all() and by_place.sum() >= 4:
        return moq, month_of_quarter(target), 3
    return None, 0, 0


def season_effects(won: np.ndarray, closed: np.ndarray, groups: np.ndarray, n_groups: int = 3) -> np.ndarray:
    """g_k: the team's logit rate per season group (``groups``: each period's month of quarter, or month or
    quarter of the year; ``n_groups`` of them) against its rate over all, shrunk by its noise.

    Each period's team logit (wins and closes of every rep) less the logit of all periods; averaged per
    group (each seen twice at least, or once for the three places in a quarter, else 0) and centred; then
    multiplied by tau^2 / (tau^2 + se^2), tau^2 the spread of the averages beyond their sampling variance se^2
    (1 / (n p (1 - p)) per period, over the periods averaged): a team of few deals keeps none of its noise as a
    pattern.

    >>> won = np.array([[20.0, 20.0, 32.0, 20.0, 20.0, 32.0]] * 4)
    >>> season_effects(won, np.full((4, 6), 40.0), np.array([0, 1, 2, 0, 1, 2])).round(2).tolist()
    [-0.44, -0.44, 0.89]
    """
    w_t, n_t = won.sum(0), closed.sum(0)
    seen = n_t > 0
    counts = np.bincount(groups[seen], minlength=n_groups)
    least = 1 if n_groups == 3 else 2      # a month's place in its quarter: once each (``_season_groups``)
    if not seen.any() or (counts < least).any():
        return np.zeros(n_groups)
    overall = float(w_t.sum() / n_t.sum())
    if not 0 < overall < 1:
        return np.zeros(n_groups)
    rate_t = np.clip((w_t[seen] + 0.5) / (n_t[seen] + 1.0), 1e-4, 1 - 1e-4)
    e_t = special.logit(rate_t) - special.logit(overall)
    noise_t = 1.0 / (n_t[seen] * overall * (1 - overall))
    g = np.bincount(groups[seen], weights=e_t, minlength=n_groups) / counts
    g -= g.mean()
    se2 = float(np.mean(np.bincount(groups[seen], weights=noise_t, minlength=n_groups) / counts ** 2))
    tau2 = max(float(np.mean(g ** 2)) - se2, 0.0)
    return g * (tau2 / (tau2 + se2)) if tau2 > 0 else np.zeros(n_groups)


def period_drift(won: np.ndarray, closed: np.ndarray, rate: np.ndarray) -> float:
    """rho, the intra-class correlation of a rep's wins within a period, pooled over the rep-periods of two
    closes or more: sum((w - n p)^2 - n p (1 - p)) / sum(n p (1 - p) (n - 1)) around each cell's ``rate``
    (reps x periods, or reps x 1), clipped to [0, 0.5]; 0 is every period a binomial draw of the rate.

    >>> rng = np.random.default_rng(1)
    >>> closed = np.full((200, 12), 30.0)
    >>> p = rng.beta(0.4 * 20, 0.6 * 20, size=(200, 12))            # rho = 1 / (20 + 1)
    >>> round(period_drift(rng.binomial(30, p).astype(float), closed, np.full((200, 1), 0.4)), 3)
    0.048
    """
    p = np.broadcast_to(np.clip(rate, 1e-6, 1 - 1e-6), won.shape)
    cells = closed > 1
    if not cells.any():
        return 0.0
    var = closed * p * (1 - p)
    excess = ((won - closed * p) ** 2 - var)[cells].sum()
    return float(np.clip(excess / (var * (closed - 1))[cells].sum(), 0.0, 0.5))
