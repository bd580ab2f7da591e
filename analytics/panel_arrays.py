"""NaN-padded rep x period arrays built once from a metrics panel, and the shared period effects.

Every estimator (log model, counts, rates) and the backtest work on these arrays: a row per
rep, a column per period, NaN where the rep was not active. Slicing columns ``[:k]`` gives
exactly the data available before period ``k`` -- the backtest never re-queries.

The *team period effect* p_t (mean log level of the active reps in period t, after removing
rep levels) is decomposed into a month-of-quarter pattern (monthly grain), a season (month of
year / quarter of year, only with two full years) and a deseasonalised level d_t. The
forecast of the next level is the mean of the last three d_t; its one-step forecast error
variance is added to every rep's spread (calibration-methods section 9).
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date

import numpy as np
import numpy.typing as npt
import pandas as pd

from analytics import contracts
from analytics.periods import MONTHS_PER, Period, period_of
from analytics.pipeline_lead import PipelineLead, fit_pipeline_lead
from analytics.team_trend import DampedTrend, fit_damped_trend

RAMP_MONTHS = 6
FALLBACK_RAMP = (0.25, 0.50, 0.75)  # monthly multipliers for months 0, 1, 2 of tenure; 1 after


OPEN_DEALS = "open_deals"
"""``PanelArrays.extra`` key of each rep's deals open at each period's end (close-dated deals money metrics
only: :mod:`analytics.pipeline_lead`)."""


@dataclass
class PanelArrays:
    """A metrics panel as arrays: ``y[i, t]`` is rep i's value in period t (NaN = not active)."""

    reps: np.ndarray
    teams: np.ndarray
    periods: list[Period]
    y: np.ndarray
    expfrac: np.ndarray
    tenure: np.ndarray
    complete: np.ndarray
    grain: str
    fiscal_start_month: int
    won: np.ndarray | None = None
    closed: np.ndarray | None = None
    extra: dict = field(default_factory=dict)

    @property
    def starts(self) -> list[date]:
        return [p.start for p in self.periods]

    def index_of(self, period: Period) -> int:
        """Column index of ``period`` (may equal len(periods) or beyond for future periods)."""
        months = MONTHS_PER[self.grain]
        if not self.periods:
            return 0
        first = self.periods[0].start
        return ((period.start.year - first.year) * 12 + period.start.month - first.month) // months

    def with_reps(self, new_reps: np.ndarray, new_teams: np.ndarray) -> PanelArrays:
        """Append reps that have no history (all-NaN rows)."""
        k = len(new_reps)
        if k == 0:
            return self
        pad = np.full((k, self.y.shape[1]), np.nan)

        def cat(a: np.ndarray) -> np.ndarray:
            return np.vstack([a, pad])

        def cat_optional(a: np.ndarray | None) -> np.ndarray | None:
            return None if a is None else cat(a)

        def cat_extra(a: np.ndarray) -> np.ndarray:
            # A new rep was active in no past period (False), and has no value in one (NaN): the fit's
            # masks ("active") must cover the appended rows, or the fit runs as if there were no mask.
            blank = np.zeros((k, a.shape[1]), dtype=a.dtype) if a.dtype == bool else np.full((k, a.shape[1]), np.nan)
            return np.vstack([a, blank])

        extra = {key: cat_extra(v) if isinstance(v, np.ndarray) and v.ndim == 2 and len(v) == len(self.reps) else v
                 for key, v in self.extra.items()}
        return PanelArrays(np.concatenate([self.reps, new_reps]), np.concatenate([self.teams, new_teams]),
                           self.periods, cat(self.y), cat(self.expfrac), cat(self.tenure), self.complete,
                           self.grain, self.fiscal_start_month, cat_optional(self.won),
                           cat_optional(self.closed), extra)


    def subset(self, rows: np.ndarray | None = None, n_cols: int | None = None) -> PanelArrays:
        """These arrays for ``rows`` only and the first ``n_cols`` periods only (None: all)."""
        r = slice(None) if rows is None else np.asarray(rows, dtype=int)
        c = slice(None) if n_cols is None else slice(0, n_cols)

        def cut(a: np.ndarray | None) -> np.ndarray | None:
            return None if a is None else a[r][:, c]

        return PanelArrays(self.reps[r], self.teams[r], self.periods[c], self.y[r][:, c], self.expfrac[r][:, c],
                           self.tenure[r][:, c], self.complete[c], self.grain, self.fiscal_start_month,
                           cut(self.won), cut(self.closed),
                           {k: v[r][:, c] for k, v in self.extra.items() if isinstance(v, np.ndarray) and v.ndim == 2})


def build_arrays(panel: pd.DataFrame, grain: str, fiscal_start_month: int) -> PanelArrays:
    """Pivot a ``rep_period_panel`` frame into a :class:`PanelArrays` (vectorised, no loops).

    This is where loaded data becomes statistics: the frame must keep :data:`contracts.PANEL`.
    """
    if panel.empty:
        e = np.empty((0, 0))
        return PanelArrays(np.array([], dtype=object), np.array([], dtype=object), [], e, e, e,
                           np.array([], dtype=bool), grain, fiscal_start_month)
    contracts.PANEL.validate(panel)
    codes, uniques = pd.factorize(panel["period_start"])
    uniq = pd.to_datetime(pd.Series(uniques))
    first, last = uniq.min(), uniq.max()
    months = MONTHS_PER[grain]
    n_t = ((last.year - first.year) * 12 + last.month - first.month) // months + 1
    col = (((uniq.dt.year - first.year) * 12 + uniq.dt.month - first.month) // months).to_numpy()[codes]
    rep_codes, reps = pd.factorize(panel["rep"], sort=True)
    shape = (len(reps), n_t)

    def grid(values: npt.ArrayLike, fill: float = np.nan) -> np.ndarray:
        out = np.full(shape, fill, dtype=float)
        out[rep_codes, col] = np.asarray(values, dtype=float)
        return out

    p0 = period_of(first.date(), grain, fiscal_start_month)
    periods = [p0.next(k) for k in range(n_t)]
    days = np.array([p.days for p in periods], dtype=float)
    complete = np.zeros(n_t, dtype=bool)
    complete[col] = panel["complete"].to_numpy(dtype=bool)
    y = grid(panel["value"])
    y[:, ~complete] = np.nan
    teams = panel.groupby(rep_codes)["team"].last().reindex(range(len(reps))).to_numpy(dtype=object)
    arrays = PanelArrays(
        reps=np.asarray(reps, dtype=object), teams=teams, periods=periods, y=y,
        expfrac=grid(panel["exposure_days"]) / days[None, :], tenure=grid(panel["tenure_months"]),
        complete=complete, grain=grain, fiscal_start_month=fiscal_start_month,
    )
    # The active mask is where y is known; rows with value NaN (win_rate with nothing closed) stay active.
    arrays.extra["active"] = np.isfinite(arrays.expfrac) & complete[None, :]
    if "won" in panel.columns:
        arrays.won = grid(panel["won"])
        arrays.closed = grid(panel["closed"])
    return arrays


# --- calendar features ----------------------------------------------------------------------------

def month_of_quarter(period: Period) -> int:
    return (period.start.month - period.fiscal_start_month) % 3


def season_index(period: Period) -> int:
    if period.grain == "month":
        return period.start.month - 1
    return ((period.start.month - period.fiscal_start_month) % 12) // 3


def ramp_bins(tenure: np.ndarray, grain: str) -> tuple[np.ndarray, int]:
    """Ramp bin per cell: floor(tenure / months per period) below RAMP_MONTHS, else K (ramped/unknown)."""
    months = MONTHS_PER[grain]
    k = RAMP_MONTHS // months
    with np.errstate(invalid="ignore"):
        b = np.floor(np.nan_to_num(tenure, nan=1e9) / months)
    return np.where(b < k, b, k).astype(int), k


def fallback_ramp(grain: str) -> np.ndarray:
    """Log multipliers per ramp bin (last bin = ramped = 0) from the 25/50/75/100% monthly ramp."""
    monthly = np.array(list(FALLBACK_RAMP) + [1.0] * (RAMP_MONTHS - len(FALLBACK_RAMP)))
    per = monthly.reshape(-1, MONTHS_PER[grain]).mean(axis=1)
    return np.append(np.log(per), 0.0)


# --- team period effect ---------------------------------------------------------------------------

@dataclass(frozen=True)
class PeriodEffectForecast:
    effects: np.ndarray        # p_t per training period (centred)
    moq: np.ndarray            # team month-of-quarter pattern (3,) or zeros
    season: np.ndarray         # season pattern or zeros
    next_effect: float         # forecast p for the target period
    variance: float            # its one-step forecast error variance
    has_season: bool
    trend: DampedTrend | None = None   # the damped local trend of d_t, when that variant is on
    path_mean: np.ndarray = field(default_factory=lambda: np.zeros(0))   # p at target, +1, +2 periods
    path_cov: np.ndarray = field(default_factory=lambda: np.zeros((0, 0)))  # their error covariance
    levels: np.ndarray = field(default_factory=lambda: np.zeros(0))    # d_t: p_t net of month of quarter and season
    level_path: np.ndarray = field(default_factory=lambda: np.zeros(0))  # d forecast at the path's periods
    lead: PipelineLead | None = None   # the open pipeline's lead on the level (no trend; :mod:`analytics.pipeline_lead`)


PATH_STEPS = 3           # periods forecast ahead: a quarter of months
LEVEL_ONLY_WEIGHT = 0.5  # the "mean of three" rule read as simple smoothing with this weight (for steps 2-3)


def shrunk_season(resid: np.ndarray, idx: np.ndarray, per_year: int) -> np.ndarray:
    """Each month (or quarter) of the year's mean of ``resid`` (the team effect less its line), centred and
    shrunk toward 0 by tau^2 / (tau^2 + se_k^2): se_k^2 the noise of month k's mean (the spread of its
    values about it, pooled, over its count), tau^2 the season's own variance, read as what the same month
    of different years share: the mean product of the pairs of values of one month of the year.

    A season repeats from year to year; the misfit of the team's line through a growth does not. A team
    that grew fivefold in ten months left that misfit in the months of the growth, read as a season that
    cut the next August's forecast to a third of the months before it; its years do not agree, so tau^2 is
    near 0 and the pattern goes. A summer dip or a year-end push every year stays.

    >>> idx = np.tile(np.arange(12), 3)
    >>> spike = np.where(idx == 11, 0.8, 0.0) + np.random.default_rng(1).normal(0, 0.05, 36)
    >>> round(float(shrunk_season(spike, idx, 12)[11]), 2)
    0.72
    >>> one_year = np.where((idx >= 5) & (np.arange(36) >= 24), 0.6, 0.0)     # a growth in the last year only
    >>> bool(abs(shrunk_season(one_year, idx, 12)).max() < 0.1)
    True
    """
    counts = np.bincount(idx, minlength=per_year)
    raw = np.bincount(idx, weights=resid, minlength=per_year) / np.maximum(counts, 1)
    raw -= raw.mean()  # net of the month-of-quarter pattern (fitted on p - g)
    dof = resid.size - per_year - 2   # (the line's two and the pattern's parameters)
    if dof < 1:
        return raw
    se2 = float(np.sum((resid - raw[idx]) ** 2)) / dof / np.maximum(counts, 1)
    centred = resid - resid.mean()
    products, pairs = 0.0, 0
    for k in range(per_year):  # (12 months of 2-4 values: a few dozen products)
        v = centred[idx == k]
        products += float((np.sum(v) ** 2 - np.sum(v ** 2)) / 2)   # the sum over pairs a < b of v_a v_b
        pairs += v.size * (v.size - 1) // 2
    tau2 = max(products / pairs, 0.0) if pairs else 0.0
    return raw * (tau2 / (tau2 + se2)) if tau2 > 0 else np.zeros(per_year)


def month_season(resid: np.ndarray, periods: list[Period], fiscal_start_month: int) -> np.ndarray:
    """The month-of-year season (12,) of monthly ``resid`` as its quarter of the year's part plus each month's
    own, each shrunk on its own (:func:`shrunk_season`).

    Twelve months' means over two or three years are noisy (three values each): shrunk as twelve, a strong
    season of whole quarters (a budget flush from October to December, a summer dip) went with the noise (the
    sample company: October to December +0.2 on the log scale over three years, kept at +0.05, so a fourth
    quarter was planned at the third's level). A quarter's mean pools its three months, so its part survives
    the shrinkage; what one month does beyond its quarter (a December spike) is shrunk as a month.
    """
    quarter = np.array([season_index(period_of(q.start, "quarter", fiscal_start_month)) for q in periods])
    month = np.array([season_index(q) for q in periods])
    by_quarter = shrunk_season(resid, quarter, 4)
    quarter_of_month = np.array([season_index(period_of(date(2001, m, 1), "quarter", fiscal_start_month))
                                 for m in range(1, 13)])
    return by_quarter[quarter_of_month] + shrunk_season(resid - by_quarter[quarter], month, 12)


def forecast_period_effect(effects: np.ndarray, periods: list[Period], target: Period, *,
                           trend: bool = False, season: bool = True,
                           steps: int = PATH_STEPS, open_deals: np.ndarray | None = None,
                           n_active: np.ndarray | None = None) -> PeriodEffectForecast:
    """Decompose p_t = g(month of quarter) + s(season) + d_t and forecast p at ``target`` and after.

    d_t is forecast by the mean of its last three values, or with ``trend`` by a damped local
    trend (:mod:`analytics.team_trend`; the mean of three when the history is too short for one).
    ``path_mean``/``path_cov`` forecast the target and the ``steps - 1`` periods after it (a quarter
    of months, and any months between the training data and that quarter; a target after periods not
    yet over is that many steps further ahead): with the trend, its own multi-step covariance; without, the one-step error variance
    v spread as simple smoothing with weight 1/2 would (cov[h, k] = v (1 + w^2 min(h, k)), w = 1/2).
    Without the trend, ``open_deals`` (the team's deals open at each period's end, per ramped rep: ``n_active``) moves the mean of
    three by the pipeline's lead (:mod:`analytics.pipeline_lead`; v scaled by what the lead took off the
    errors on the same origins).
    """
    p = np.where(np.isfinite(effects), effects, 0.0)
    n = p.size
    moq_pat = np.zeros(3)
    season_pat = np.zeros(12 if target.grain == "month" else 4)
    targets = [target.next(h) for h in range(steps)]
    if n == 0:
        return PeriodEffectForecast(p, moq_pat, season_pat, 0.0, 0.0, False, None, np.zeros(steps),
                                    np.zeros((steps, steps)), p, np.zeros(steps))
    if target.grain == "month" and n >= 3:
        moq = np.array([month_of_quarter(q) for q in periods])
        sums = np.bincount(moq, weights=p, minlength=3)
        counts = np.bincount(moq, minlength=3)
        moq_pat = np.where(counts > 0, sums / np.maximum(counts, 1), 0.0)
        moq_pat -= moq_pat[counts > 0].mean()
        g = moq_pat[moq]
    else:
        g = np.zeros(n)
    per_year = season_pat.size
    has_season = season and n >= 2 * per_year
    if has_season:
        t = np.arange(n)
        rest = p - g
        slope, intercept = np.polyfit(t, rest, 1)
        idx = np.array([season_index(q) for q in periods])
        season_pat = month_season(rest - (intercept + slope * t), periods, target.fiscal_start_month) \
            if target.grain == "month" else shrunk_season(rest - (intercept + slope * t), idx, per_year)
        s = season_pat[idx]
    else:
        s = np.zeros(n)
    d = p - g - s
    # A target after a period not yet over (next month, while this one runs) is a step further ahead: the
    # trend and the pipeline's trend move it on by the steps in between, and its level's variance grows.
    gap = periods_between(periods[-1], target)
    horizon = gap + steps
    fitted = fit_damped_trend(d, horizon=horizon) if trend else None
    lead = None
    if fitted is not None:
        levels, cov = fitted.forecast(horizon)
        levels, cov = levels[gap:], cov[gap:, gap:]
    else:
        levels = np.full(steps, d[-3:].mean())
        v = _level_only_variance(d)
        if open_deals is not None and n_active is not None:
            lead = fit_pipeline_lead(d, open_deals, n_active, moq if target.grain == "month" and n >= 3 else None)
        if lead is not None and lead.beta > 0:
            lead = replace(lead, ahead=(gap + 1,))
            levels = levels + lead.shifts(horizon)[gap:]
            v *= lead.variance / lead.plain_variance if lead.plain_variance > 0 else 1.0
        ahead = np.arange(gap, horizon)
        cov = v * (1 + LEVEL_ONLY_WEIGHT**2 * np.minimum.outer(ahead, ahead))
    path = levels + np.array([moq_pat[month_of_quarter(q)] if target.grain == "month" else 0.0 for q in targets])
    if has_season:
        path += np.array([season_pat[season_index(q)] for q in targets])
    return PeriodEffectForecast(p, moq_pat, season_pat, float(path[0]), float(cov[0, 0]), has_season, fitted,
                                path, cov, d, np.asarray(levels, dtype=float), lead)


def periods_between(last: Period, target: Period) -> int:
    """Whole periods after ``last`` and before ``target`` (0 when ``target`` is the period after it).

    >>> from datetime import date
    >>> from analytics.periods import period_of
    >>> october = period_of(date(2026, 10, 1), "month")
    >>> periods_between(october, october.next()), periods_between(october, october.next(2))
    (0, 1)
    """
    months = (target.start.year - last.start.year) * 12 + target.start.month - last.start.month
    return max(months // MONTHS_PER[target.grain] - 1, 0)


def _level_only_variance(d: np.ndarray) -> float:
    """One-step error variance of "the mean of the previous (up to) three levels"."""
    n = d.size
    csum = np.concatenate([[0.0], np.cumsum(d)])
    t = np.arange(1, n)
    lo = np.maximum(t - 3, 0)
    prev_mean = (csum[t] - csum[lo]) / (t - lo)
    errors = d[1:] - prev_mean
    if errors.size >= 2:
        return float(np.mean(errors[1:] ** 2) if errors.size >= 3 else np.mean(errors**2))
    return float(np.var(d)) if n > 1 else 0.0


def team_pipeline(open_deals: np.ndarray, active: np.ndarray, tenure: np.ndarray, grain: str) -> dict[str, np.ndarray]:
    """The deals open at each period's end held by the ramped reps active then, and how many they are:
    ``forecast_period_effect``'s ``open_deals`` and ``n_active``. A hire builds pipeline before revenue,
    so hires are left out of both (with them, a team taking on many hires read as a falling pipeline).

    >>> team_pipeline(np.array([[4.0, 6.0], [1.0, 2.0]]), np.array([[True, True], [False, True]]),
    ...               np.array([[np.nan, np.nan], [0.0, 9.0]]), "month")
    {'open_deals': array([4., 8.]), 'n_active': array([1., 2.])}
    """
    bins, ramped = ramp_bins(tenure, grain)
    counted = active & (bins == ramped)
    return {"open_deals": np.where(counted, np.nan_to_num(open_deals), 0.0).sum(axis=0),
            "n_active": counted.sum(axis=0).astype(float)}
