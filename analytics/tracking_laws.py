"""The law of a tracked period per rep: the calibration's where it covers the rep, else the one the
saved set implies (its tiers and their chances), stitched into one rep order.

Example
-------
>>> import numpy as np
>>> import pandas as pd
>>> law = implied_predictive(["ana"], pd.DataFrame({"base": [100.0], "stretch": [150.0]}, index=["ana"]),
...                          pd.DataFrame({"base": [0.5], "stretch": [0.2]}, index=["ana"]))
>>> round(float(law.quantile(0.5)[0]), 6)
100.0
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date, timedelta

import duckdb
import numpy as np
import numpy.typing as npt
import pandas as pd
from scipy import stats

from analytics.calibration import Calibration, CompanyCalibration, calibrate_company
from analytics.complete_history import NoCompleteHistory, StaleHistory
from analytics.periods import Period
from analytics.predictive import LogScaleHurdle, NegBinomialCount, PredictiveDistribution
from analytics.target_sets import SavedTargetSet
from analytics.tracking_core import StitchedPredictive


def implied_predictive(reps: Sequence[str] | np.ndarray, targets: pd.DataFrame, chances: pd.DataFrame,
                       df: float = 30.0, default_sigma: float = 0.5) -> LogScaleHurdle:
    """The log-t law a saved set implies: each tier says T_j = Q(1 - p_j), so
    log T_j = mu + sigma * t.ppf(1 - p_j, df); least squares over the rep's tiers (one tier: the
    team's median sigma). Used for reps the calibration does not cover."""
    t = targets.reindex(reps).to_numpy(dtype=float)
    p = chances.reindex(index=reps, columns=targets.columns).to_numpy(dtype=float)
    ok = np.isfinite(t) & (t > 0) & np.isfinite(p) & (p > 0) & (p < 1)
    z = np.where(ok, stats.t.ppf(1 - np.where(ok, p, 0.5), df), 0.0)
    y = np.where(ok, np.log(np.where(ok, t, 1.0)), 0.0)
    n = ok.sum(axis=1)
    zbar = np.where(n > 0, z.sum(axis=1) / np.maximum(n, 1), 0.0)
    ybar = np.where(n > 0, y.sum(axis=1) / np.maximum(n, 1), np.nan)
    szz = (ok * (z - zbar[:, None]) ** 2).sum(axis=1)
    szy = (ok * (z - zbar[:, None]) * (y - ybar[:, None])).sum(axis=1)
    with np.errstate(divide="ignore", invalid="ignore"):
        sigma = np.where((n >= 2) & (szz > 1e-9), szy / szz, np.nan)
    sigma = np.where(sigma > 0, sigma, np.nan)
    fill = float(np.nanmedian(sigma)) if np.any(np.isfinite(sigma)) else default_sigma
    sigma = np.where(np.isfinite(sigma), sigma, fill)
    mu = ybar - sigma * zbar
    return LogScaleHurdle(reps=np.asarray(reps, dtype=object), mu=mu, sigma=sigma,
                          df=np.full(len(reps), float(df)), zero_share=np.zeros(len(reps)))


def subset_predictive(pred: PredictiveDistribution, positions: npt.ArrayLike) -> PredictiveDistribution:
    pos = np.asarray(positions, dtype=int)
    if isinstance(pred, LogScaleHurdle):
        return LogScaleHurdle(reps=np.asarray(pred.reps)[pos], mu=pred.mu[pos], sigma=pred.sigma[pos],
                              df=np.asarray(pred.df)[pos], zero_share=pred.zero_share[pos],
                              residuals=pred.residuals, shared_sigma=pred.shared_sigma)
    if isinstance(pred, NegBinomialCount):
        return NegBinomialCount(reps=np.asarray(pred.reps)[pos], r=pred.r[pos], q=pred.q[pos],
                                shared_sigma=pred.shared_sigma)
    raise TypeError(f"cannot subset {type(pred).__name__}")


def align_predictive(model: PredictiveDistribution | None, reps: np.ndarray,
                     fallback: PredictiveDistribution) -> tuple[PredictiveDistribution, int]:
    """``model``'s law for the reps it covers, ``fallback``'s for the others, in ``reps`` order.
    Returns (predictive, number of reps covered by ``model``)."""
    reps = np.asarray(reps, dtype=object)
    if model is None:
        return fallback, 0
    where = {r: i for i, r in enumerate(np.asarray(model.reps, dtype=object))}
    have = np.array([r in where for r in reps], dtype=bool)
    if have.all():
        return subset_predictive(model, [where[r] for r in reps]), int(reps.size)
    parts = [(subset_predictive(model, [where[r] for r in reps[have]]), np.flatnonzero(have)),
             (subset_predictive(fallback, np.flatnonzero(~have)), np.flatnonzero(~have))]
    return StitchedPredictive(reps=reps, parts=tuple(p for p in parts if p[1].size)), int(have.sum())


PeriodFit = Callable[..., tuple[Calibration | None, str]]
"""What :func:`fit_period` is: ``fit(conn, saved, period=None, as_of=None)``. Tracking and review take one, so
the dashboard can hand them its cached fits (the fit of a set's period is the fit the review of the period
before it starts from)."""


def fit_period(conn: duckdb.DuckDBPyConnection, saved: SavedTargetSet, period: Period | None = None,
               as_of: date | None = None, *,
               company: Callable[..., CompanyCalibration] = calibrate_company) -> tuple[Calibration | None, str]:
    """``calibration.calibrate`` for ``period`` (default: the set's) on data before it (up to ``as_of``,
    default the day before it); None with a reason when there is no history to fit. It reads only the
    set's metric. ``company`` makes the whole company's fit (``calibrate_company``'s signature): the
    dashboard passes one cached for every account, and the scope of ``conn`` is then taken from it."""
    period = period or saved.fiscal_period
    try:
        cal = company(conn, saved.metric, period.grain, period,
                      as_of=as_of or period.start - timedelta(days=1)).for_scope(conn)
    except NoCompleteHistory:
        return None, f"no complete history before {period.label}"
    except StaleHistory as exc:
        return None, exc.sentence
    except (ValueError, LookupError, KeyError) as exc:
        return None, f"calibration failed: {exc}"
    if not (cal.summary["n_periods"] > 0).any():
        return None, f"no complete history before {period.label}"
    return cal, "calibration"


