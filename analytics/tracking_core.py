"""Pure statistics of tracking: seasonal pace, the conditional chance, projections, the team's view.

No database here: functions of arrays, DataFrames and predictive objects
(:mod:`analytics.predictive`), so every known answer is testable directly. The causes of a rep
off pace and what it takes from here are in :mod:`analytics.tracking_causes`;
:mod:`analytics.tracking` re-exports both and adds the database-facing layer.

Maths
-----
* Seasonal pace. S(t) is the cumulative expected share of the period's outcome by day t.
  From monthly weights w_1..w_m (summing to 1), S is piecewise linear in calendar days:
  S = w_1 + ... + w_{k-1} + w_k * (days elapsed in month k / days in month k).
  expected_to_date = target * S; pace = actual / expected_to_date.
* Remaining outcome. R ~ the period's predictive scaled to the remaining share 1 - S:
  log-scale hurdle: mu -> mu + log(1 - S) (sigma, df, zero share kept);
  negative binomial: mean -> mean * (1 - S) with the shape r kept (gamma-Poisson with
  exposure scaled by 1 - S).
* Conditional chance. p_now = P(actual + R >= target) = p_attain_R(target - actual), 1 when
  actual >= target; at S = 0 with actual = 0 it is the unconditional chance, at S = 1 it is 0 or 1.
* Projection: actual + median(R). Team chance: P(sum actual + sum R >= G), simulated with the
  shared period shock (rep outcomes are not independent).

Example
-------
>>> import numpy as np
>>> from analytics.predictive import LogScaleHurdle
>>> d = LogScaleHurdle(reps=np.array(["a", "b"]), mu=np.log([100.0, 100.0]), sigma=np.array([0.4, 0.4]),
...                    df=np.array([30.0, 30.0]), zero_share=np.array([0.0, 0.0]))
>>> bool(np.allclose(conditional_p_attain(d, [0.0, 0.0], [100.0, 100.0], 0.0), d.p_attain(np.array([100.0, 100.0]))))
True

At the period's end (S = 1) the chance is 0 or 1: rep a booked 99 of 100, rep b reached it.

>>> conditional_p_attain(d, [99.0, 100.0], [100.0, 100.0], 1.0).tolist()
[0.0, 1.0]
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

import numpy as np
import numpy.typing as npt
import pandas as pd

from analytics.periods import Period
from analytics.predictive import ArrayLike, LogScaleHurdle, NegBinomialCount, PredictiveDistribution


# ----------------------------------------------------------------------------- seasonal shape
@dataclass(frozen=True)
class SeasonalShape:
    """Cumulative expected share S(f) at knots f in [0, 1] of the period's calendar days.

    ``cumulative`` is (k,) for one team-wide shape or (n_reps, k) for one per rep.
    """

    knots: np.ndarray
    cumulative: np.ndarray
    source: str = "linear"

    @classmethod
    def from_segments(cls, segment_days: npt.ArrayLike, weights: npt.ArrayLike,
                      source: str = "weights") -> SeasonalShape:
        """Segments of the period (their lengths in days, in order) and each one's share of the outcome."""
        days = np.asarray(segment_days, dtype=float)
        w = np.atleast_1d(np.asarray(weights, dtype=float))
        if w.shape[-1] != days.size or np.any(~np.isfinite(w)) or np.any(w < 0):
            raise ValueError(f"need {days.size} finite non-negative weights")
        total = w.sum(axis=-1, keepdims=True)
        w = np.where(total > 0, w / np.where(total > 0, total, 1.0), days / days.sum())
        knots = np.concatenate([[0.0], np.cumsum(days) / days.sum()])
        zeros = np.zeros(w.shape[:-1] + (1,))
        cum = np.concatenate([zeros, np.cumsum(w, axis=-1)], axis=-1)
        cum[..., -1] = 1.0
        return cls(knots, cum, source)

    @classmethod
    def from_month_weights(cls, period: Period, weights: npt.ArrayLike,
                           source: str = "monthly weights") -> SeasonalShape:
        """Monthly weights (one per calendar month of ``period``), linear in days inside each month."""
        return cls.from_segments([m.days for m in period.months()], weights, source)

    def share(self, fraction: float) -> np.ndarray | float:
        """S at a fraction of the period elapsed: a float for one shape, (n_reps,) for per-rep shapes."""
        f = float(np.clip(fraction, 0.0, 1.0))
        if self.cumulative.ndim == 1:
            return float(np.interp(f, self.knots, self.cumulative))
        # Knots are shared by every rep: one segment, one weight, vectorised over reps.
        j = int(np.clip(np.searchsorted(self.knots, f, side="right") - 1, 0, self.knots.size - 2))
        w = (f - self.knots[j]) / (self.knots[j + 1] - self.knots[j])
        return self.cumulative[:, j] * (1 - w) + self.cumulative[:, j + 1] * w

    def share_at(self, period: Period, as_of: date) -> np.ndarray | float:
        return self.share(period.fraction_elapsed(as_of))


def pace(actual: npt.ArrayLike, target: npt.ArrayLike, share: npt.ArrayLike) -> pd.DataFrame:
    """expected_to_date = target * S and pace = actual / expected_to_date (NaN when nothing is expected yet)."""
    actual = np.asarray(actual, dtype=float)
    expected = np.asarray(target, dtype=float) * np.asarray(share, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = np.where(expected > 0, actual / np.where(expected > 0, expected, 1.0), np.nan)
    return pd.DataFrame({"expected_to_date": np.broadcast_to(expected, actual.shape), "pace": ratio})


# ----------------------------------------------------------------------------- remaining law
@dataclass(frozen=True)
class StitchedPredictive:
    """Several predictive objects over disjoint reps, in one rep order (e.g. calibrated reps plus
    reps only the saved set knows). ``parts`` = ((predictive, positions), ...). Draws of different
    parts share no shock."""

    reps: np.ndarray
    parts: tuple[tuple[PredictiveDistribution, np.ndarray], ...]

    @property
    def family(self) -> str:
        """The parts' families, joined: ``log-scale hurdle + negative binomial``."""
        return " + ".join(dict.fromkeys(pred.family for pred, _ in self.parts))

    def _each(self, fn: Callable[[PredictiveDistribution, np.ndarray], np.ndarray],
              dtype: npt.DTypeLike = float) -> np.ndarray:
        out = np.full(self.reps.size, np.nan, dtype=dtype)
        for pred, pos in self.parts:
            out[pos] = fn(pred, pos)
        return out

    def quantile(self, p: ArrayLike) -> np.ndarray:
        levels = np.atleast_1d(np.asarray(p, dtype=float))
        out = np.full((self.reps.size, levels.size), np.nan)
        for pred, pos in self.parts:
            out[pos] = np.asarray(pred.quantile(levels), dtype=float).reshape(len(pos), levels.size)
        return out[:, 0] if np.ndim(p) == 0 else out

    def p_attain(self, targets: ArrayLike) -> np.ndarray:
        t = np.broadcast_to(np.asarray(targets, dtype=float), self.reps.shape)
        return self._each(lambda pred, pos: pred.p_attain(t[pos]))

    def cdf(self, y: np.ndarray) -> np.ndarray:
        y = np.broadcast_to(np.asarray(y, dtype=float), self.reps.shape)
        return self._each(lambda pred, pos: pred.cdf(y[pos]))

    def sample(self, n_draws: int, rng: np.random.Generator) -> np.ndarray:
        out = np.zeros((n_draws, self.reps.size))
        for pred, pos in self.parts:
            out[:, pos] = pred.sample(n_draws, rng)
        return out


def remaining_predictive(predictive: PredictiveDistribution,
                         remaining_share: npt.ArrayLike) -> PredictiveDistribution:
    """The law of the rest of the period: the period's predictive scaled to ``remaining_share`` = 1 - S."""
    if isinstance(predictive, StitchedPredictive):
        rem = np.broadcast_to(np.asarray(remaining_share, dtype=float), predictive.reps.shape)
        return dataclasses.replace(predictive, parts=tuple(
            (remaining_predictive(p, rem[pos]), pos) for p, pos in predictive.parts))
    if isinstance(predictive, LogScaleHurdle):
        rem = np.clip(np.broadcast_to(np.asarray(remaining_share, dtype=float), predictive.mu.shape), 0, 1)
        with np.errstate(divide="ignore"):
            return dataclasses.replace(predictive, mu=predictive.mu + np.log(rem))
    if isinstance(predictive, NegBinomialCount):
        rem = np.clip(np.broadcast_to(np.asarray(remaining_share, dtype=float), predictive.r.shape), 0, 1)
        mean = predictive.r * (1 - predictive.q) / predictive.q * rem
        return dataclasses.replace(predictive, q=predictive.r / (predictive.r + mean))
    raise TypeError(f"no remaining law for {type(predictive).__name__}")


def conditional_p_attain(predictive: PredictiveDistribution, actual: npt.ArrayLike, target: npt.ArrayLike,
                         share: npt.ArrayLike, remaining: PredictiveDistribution | None = None) -> np.ndarray:
    """P(actual + R >= target) with R the remaining law: 1 once reached, exactly 0 or 1 at S = 1.

    ``remaining``: R's law when known better than the period's scaled to 1 - S (tracking gives the
    one conditioned on the team's pace, :func:`analytics.pace_chance.remaining_law`)."""
    actual = np.asarray(actual, dtype=float)
    target = np.asarray(target, dtype=float)
    s = np.broadcast_to(np.asarray(share, dtype=float), actual.shape)
    reached = actual >= target
    rem = remaining or remaining_predictive(predictive, 1.0 - s)
    with np.errstate(invalid="ignore", divide="ignore"):
        p = np.asarray(rem.p_attain(np.where(reached, 0.0, target - actual)), dtype=float)
    p = np.where(s >= 1.0, 0.0, p)
    return np.where(reached, 1.0, np.where(np.isfinite(target), p, np.nan))


def projection(predictive: PredictiveDistribution, actual: npt.ArrayLike, share: npt.ArrayLike,
               levels: tuple[float, ...] = (0.1, 0.5, 0.9),
               remaining: PredictiveDistribution | None = None) -> pd.DataFrame:
    """actual + quantiles of the remaining law: ``projected`` (median) and ``projected_p10`` ... ."""
    actual = np.asarray(actual, dtype=float)
    s = np.broadcast_to(np.asarray(share, dtype=float), actual.shape)
    rem = remaining or remaining_predictive(predictive, 1.0 - s)
    with np.errstate(invalid="ignore", divide="ignore"):
        # every level in one call: a remainder read from draws sorts each rep's draws once, not per level
        quantiles = np.asarray(rem.quantile(np.asarray(levels, dtype=float)), dtype=float).reshape(-1, len(levels))
    out = {}
    for j, level in enumerate(levels):
        q = np.where(s >= 1.0, 0.0, np.nan_to_num(quantiles[:, j]))
        name = "projected" if level == 0.5 else f"projected_p{round(level * 100):d}"
        out[name] = actual + q
    return pd.DataFrame(out)


def team_simulation(predictive: PredictiveDistribution, actual: npt.ArrayLike, share: npt.ArrayLike,
                    n_draws: int = 4000, seed: int = 0,
                    remaining: PredictiveDistribution | None = None,
                    remaining_draws: np.ndarray | None = None) -> np.ndarray:
    """Draws of each rep's period total, actual + R, shape (n_draws, n_reps), with the shared shock.

    ``remaining_draws``: R's ``n_draws`` draws from ``seed`` when the caller has them already (the
    open pipeline's remainder keeps its seeded draws): drawing again would give the same numbers."""
    actual = np.asarray(actual, dtype=float)
    s = np.broadcast_to(np.asarray(share, dtype=float), actual.shape)
    rem = remaining or remaining_predictive(predictive, 1.0 - s)
    with np.errstate(invalid="ignore", divide="ignore", over="ignore"):
        drawn = rem.sample(n_draws, np.random.default_rng(seed)) if remaining_draws is None else remaining_draws
        draws = np.nan_to_num(drawn, nan=0.0, posinf=0.0)
    return actual[None, :] + np.where(s[None, :] >= 1.0, 0.0, draws)


def team_view(predictive: PredictiveDistribution, actual: npt.ArrayLike, targets: pd.DataFrame,
              share: npt.ArrayLike, *, promised_p: npt.ArrayLike | None = None,
              team_target: float | None = None, n_draws: int = 4000, seed: int = 0,
              remaining: PredictiveDistribution | None = None, projected: npt.ArrayLike | None = None,
              p_attain: npt.ArrayLike | None = None, remaining_draws: np.ndarray | None = None) -> dict:
    """Team attainment so far and projected, reps' projected attainment, and the team's chance.

    ``targets`` has a ``base`` column (and optionally ``stretch``) in the predictive's rep order;
    ``promised_p`` is the set's saved chance of reaching base per rep; ``remaining`` the law of the
    rest of the period when known better than the period's scaled (see :func:`conditional_p_attain`).
    ``projected``, ``p_attain`` and ``remaining_draws``: each rep's :func:`projection` median, its
    :func:`conditional_p_attain` of base and R's seeded draws (:func:`team_simulation`) when the
    caller computed them already (tracking a set of 1,000 reps: seconds each).
    """
    actual = np.asarray(actual, dtype=float)
    base = targets["base"].to_numpy(dtype=float)
    proj = (projection(predictive, actual, share, remaining=remaining)["projected"].to_numpy() if projected is None
            else np.asarray(projected, dtype=float))
    p_now = (conditional_p_attain(predictive, actual, base, share, remaining) if p_attain is None
             else np.asarray(p_attain, dtype=float))
    totals = team_simulation(predictive, actual, share, n_draws, seed, remaining, remaining_draws).sum(axis=1)
    goal = float(team_target) if team_target and team_target > 0 else float(np.nansum(base))
    has_base = base > 0     # a base of 0 or none is no target (tracking says so): nothing is measured against it
    with np.errstate(divide="ignore", invalid="ignore"):
        attain = np.where(has_base, proj / np.where(has_base, base, 1.0), np.nan)
        stretch = targets["stretch"].to_numpy(dtype=float) if "stretch" in targets else np.full(base.shape, np.nan)
        ratios = np.where(has_base, stretch / np.where(has_base, base, 1.0), np.nan)
    stretch_ratio = float(np.nanmedian(ratios)) if np.isfinite(ratios).any() else float("nan")
    promised_arr = np.asarray(np.nan if promised_p is None else promised_p, dtype=float)
    promised = float(np.nanmean(promised_arr)) if np.any(np.isfinite(promised_arr)) else float("nan")
    return {
        "reps": int(actual.size),
        "team_target": goal,
        "actual": float(actual.sum()),
        "attainment_so_far": float(actual.sum() / goal) if goal > 0 else float("nan"),
        "projected": float(np.median(totals)),
        "projected_p10": float(np.quantile(totals, 0.1)),
        "projected_p90": float(np.quantile(totals, 0.9)),
        "projected_attainment": float(np.median(totals) / goal) if goal > 0 else float("nan"),
        "team_p_attain": float(np.mean(totals >= goal)),
        "expected_share_reaching_base": float(np.nanmean(p_now)),
        "share_projected_at_base": float(np.mean(proj[has_base] >= base[has_base])) if has_base.any() else float("nan"),
        "promised_share_reaching_base": promised,
        "stretch_ratio": stretch_ratio,
        "projected_attainment_by_rep": attain,
    }


def projection_sum_note(team_projected: float, reps_projected: npt.ArrayLike, write: Callable[[float], str]) -> str:
    """What the team's projected total is against the reps' own projections added up ("" when they agree to
    0.5%): the total is the middle of the team's simulated totals, in which the reps' periods move together, so
    it is not the sum of each rep's middle outcome, and a manager adding up the table's column is told why.

    >>> projection_sum_note(7.32e6, [3.5e6, 3.5e6], lambda v: f"${v / 1e6:.2f}M")
    "The reps' own projections add up to $7.00M: each is that rep's middle outcome, and the reps' periods move together, so the team's middle outcome is not their sum."
    >>> projection_sum_note(7.0e6, [3.5e6, 3.5e6], str)
    ''
    """
    total = float(np.nansum(np.asarray(reps_projected, dtype=float)))
    if not np.isfinite(team_projected) or abs(team_projected - total) <= 0.005 * max(abs(total), 1e-9):
        return ""
    return (f"The reps' own projections add up to {write(total)}: each is that rep's middle outcome, and the reps' "
            "periods move together, so the team's middle outcome is not their sum.")
