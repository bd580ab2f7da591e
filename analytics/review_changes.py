"""What changed per rep from one period to the next, and where the next period starts.

Maths
-----
* Next period's starting point is the model's P-level (the set's base percentile) of next period's
  predictive, fitted on data through the reviewed period: it moves with the rep's level, but is not
  raised *because* the target was beaten. The ratchet column (raise to the last result when beaten)
  is shown beside it, with its chance under the model, so the choice is visible, not silent.
  Neither start is below the rep's smallest meaningful target (one typical deal, 1 for counts:
  :mod:`analytics.target_floor`): a law booking nothing in 40% of periods has a P35 of $0, no start.
* A rep's volatility is the law's spread: the log-scale sigma of money, the coefficient of variation
  of counts; a spread the model shares across the team is said once, in words
  (:func:`shared_volatility`).

Pure functions of the laws and the saved set; :mod:`analytics.review` reads the data and puts the
review together.
"""

from __future__ import annotations

import math
from typing import NamedTuple

import numpy as np
import numpy.typing as npt
import pandas as pd

from analytics import formatting
from analytics.calibration import Calibration
from analytics.predictive import LogScaleHurdle, NegBinomialCount, PredictiveDistribution
from analytics.target_floor import floor_for
from analytics.target_set_values import SavedTargetSet
from analytics.tracking_core import StitchedPredictive

RATCHET_SENTENCE = (
    "Raising a target only because it was beaten is the ratchet effect: reps who expect "
    "\"beat it and it goes up\" learn to hold back (push deals into the next period, stop at the "
    "number), so the model's column moves with each rep's level, and the ratchet column is shown "
    "beside it, with its chance, as a choice to make openly rather than by default.")


def ratchet_columns(model_next: npt.ArrayLike, last_target: npt.ArrayLike, last_result: npt.ArrayLike,
                    p_model: npt.ArrayLike | None = None,
                    p_ratchet: npt.ArrayLike | None = None) -> pd.DataFrame:
    """Both starting points for next period, side by side.

    ``model_next_p_level``: the model's next-period value at the set's base percentile (no ratchet);
    ``ratchet_raise_to_last_result``: the last result when it beat the target, else the last target
    (a ratchet never lowers). ``ratchet_minus_model`` > 0 is how much the ratchet would add.
    """
    m = np.asarray(model_next, dtype=float)
    t = np.asarray(last_target, dtype=float)
    r = np.asarray(last_result, dtype=float)
    beat = r >= t
    ratchet = np.where(beat, np.maximum(r, t), t)
    out = pd.DataFrame({"last_target": t, "last_result": r, "beat_last_target": beat,
                        "model_next_p_level": m, "ratchet_raise_to_last_result": ratchet,
                        "ratchet_minus_model": ratchet - m})
    if p_model is not None:
        out["p_attain_model_next"] = np.asarray(p_model, dtype=float)
    if p_ratchet is not None:
        out["p_attain_ratchet"] = np.asarray(p_ratchet, dtype=float)
    return out


def volatility(predictive: PredictiveDistribution) -> np.ndarray:
    """Log-scale sigma for money laws; the coefficient of variation 1/sqrt(r(1 - q)) for counts."""
    if isinstance(predictive, LogScaleHurdle):
        return np.asarray(predictive.sigma, dtype=float)
    if isinstance(predictive, StitchedPredictive):
        out = np.full(predictive.reps.size, np.nan)
        for pred, pos in predictive.parts:
            out[pos] = volatility(pred)
        return out
    if isinstance(predictive, NegBinomialCount):
        with np.errstate(divide="ignore"):
            return 1.0 / np.sqrt(predictive.r * (1 - predictive.q))
    raise TypeError(f"no volatility for {type(predictive).__name__}")


VOLATILITY_COLUMNS = {"volatility_previous": "before", "volatility": "now"}


class LevelChange(NamedTuple):
    """Each rep's change of level net of the team's, the team's own move, and that move in words."""

    own: np.ndarray
    team: float
    sentence: str | None


def level_change(before: npt.ArrayLike, now: npt.ArrayLike, before_label: str, now_label: str) -> LevelChange:
    """The level (the model's baseline) from one period to the next: the team's move, and each rep's net of it.

    Consecutive periods differ for everyone by what the model expects of them (a quarter's first month
    against its last, the season, the team's trend): from a December to a January every rep's level fell
    45-55% on a real export, read as a collapse rep by rep. The team's move is the ratio of the reps' summed
    levels (reps with both); each rep's own change is (now / before) / (1 + team move) - 1.

    >>> change = level_change([100.0, 200.0, np.nan], [50.0, 120.0, 80.0], "2017-12", "2018-01")
    >>> round(change.team, 3), [round(float(v), 3) for v in change.own]
    (-0.433, [-0.118, 0.059, nan])
    >>> print(change.sentence)  # doctest: +NORMALIZE_WHITESPACE
    The team's level moves -43% from 2017-12 to 2018-01: what the model expects of these periods for everyone
    (the month's place in the quarter, the season, the team's trend). Each rep's level change is shown net of it.
    """
    b, n = np.asarray(before, dtype=float), np.asarray(now, dtype=float)
    both = np.isfinite(b) & np.isfinite(n) & (b > 0)
    if not both.any():
        return LevelChange(np.full(b.shape, np.nan), float("nan"), None)
    team = float(n[both].sum() / b[both].sum() - 1)
    with np.errstate(divide="ignore", invalid="ignore"):
        own = np.where(both, n / np.where(both, b, 1.0) / (1 + team) - 1, np.nan)
    sentence = (f"The team's level moves {100 * team:+.0f}% from {before_label} to {now_label}: what the model "
                "expects of these periods for everyone (the month's place in the quarter, the season, the team's "
                "trend). Each rep's level change is shown net of it.")
    return LevelChange(own, team, sentence)


class SharedVolatility(NamedTuple):
    """Volatility columns that hold one number for every rep, and the sentence that says it once instead."""

    columns: list[str]
    sentence: str | None


def shared_volatility(changes: pd.DataFrame, money: bool) -> SharedVolatility:
    """The volatility columns of a review's ``changes`` in which every rep has the same value, in words.

    The pooled model can give every rep one spread (an orders-only team: 0.35 in every row, to the two
    decimals a table shows): a column
    repeating it tells a manager nothing, so it is said once, in what it means. Money laws' volatility
    is a log-scale sigma: a typical period (two in three) lands between exp(-sigma) and exp(sigma) times
    the level; counts' is the coefficient of variation: about that share either way.

    >>> frame = pd.DataFrame({"volatility_previous": [0.35, 0.35], "volatility": [0.35, np.nan]})
    >>> shared = shared_volatility(frame, money=True)
    >>> shared.columns
    ['volatility_previous', 'volatility']
    >>> print(shared.sentence)  # doctest: +NORMALIZE_WHITESPACE
    Every rep has the same volatility before and now: in two periods out of three a result lands between
    30% below and 42% above the rep's level (the model shares one spread across the team).
    >>> shared_volatility(pd.DataFrame({"volatility": [0.2, 0.5]}), money=True).columns
    []
    """
    same: dict[str, float] = {}
    for column in VOLATILITY_COLUMNS:
        values = changes[column].to_numpy(dtype=float) if column in changes else np.array([])
        values = values[np.isfinite(values)]
        if values.size and np.ptp(np.round(values, 2)) == 0:    # the same as the table would show it (0.35)
            same[column] = float(np.median(values))
    if not same:
        return SharedVolatility([], None)
    spreads = sorted({round(v, 2) for v in same.values()})
    when = " and ".join(VOLATILITY_COLUMNS[c] for c in same)

    def words(v: float) -> str:
        if money:
            return (f"between {formatting.rate(1 - math.exp(-v))} below and {formatting.rate(math.exp(v) - 1)} "
                    "above the rep's level")
        return f"within about {formatting.rate(v)} either way of the rep's level"

    if len(spreads) == 1:
        said = f"in two periods out of three a result lands {words(spreads[0])}"
    else:
        said = "; ".join(f"{VOLATILITY_COLUMNS[c]}, in two periods out of three a result lands {words(v)}"
                         for c, v in same.items())
    return SharedVolatility(list(same), f"Every rep has the same volatility {when}: {said} "
                                        "(the model shares one spread across the team).")


def next_period_start(saved: SavedTargetSet, actual: pd.Series, cal_next: Calibration | None) -> pd.DataFrame:
    """Per rep of ``saved``: :func:`ratchet_columns` of the next period, the model's value at the set's base
    percentile from ``cal_next`` (the law fitted through the reviewed period; NaN without one, or for a rep
    it does not cover) beside the ratchet, with both chances under that law."""
    reps = saved.reps
    base = saved.targets_by_tier["base"].to_numpy(dtype=float)
    level = float(saved.tiers.get("base", 35.0)) / 100.0
    model = np.full(len(reps), np.nan)
    p_model = p_ratchet = np.full(len(reps), np.nan)
    cols = ratchet_columns(model, base, actual.to_numpy(), p_model, p_ratchet)
    if cal_next is not None:
        pred = cal_next.predictive
        where = {r: i for i, r in enumerate(np.asarray(pred.reps, dtype=object))}
        pos = np.array([where.get(r, -1) for r in reps])
        low = floor_for(cal_next).for_reps(pred.reps)
        q = np.maximum(np.asarray(pred.quantile(level), dtype=float), low)
        model = np.where(pos >= 0, q[np.maximum(pos, 0)], np.nan)
        # (an old set's $0 target, beaten or not, is no start either)
        ratchet = np.maximum(cols["ratchet_raise_to_last_result"].to_numpy(),
                             np.where(pos >= 0, low[np.maximum(pos, 0)], 0.0))
        full_r, full_m = np.zeros(len(where)), np.zeros(len(where))
        full_r[pos[pos >= 0]], full_m[pos[pos >= 0]] = ratchet[pos >= 0], model[pos >= 0]
        pr, pm = pred.p_attain(full_r), pred.p_attain(full_m)
        p_ratchet = np.where(pos >= 0, pr[np.maximum(pos, 0)], np.nan)
        p_model = np.where(pos >= 0, pm[np.maximum(pos, 0)], np.nan)
        cols = ratchet_columns(model, base, actual.to_numpy(), p_model, p_ratchet)
        cols["ratchet_raise_to_last_result"] = ratchet
        cols["ratchet_minus_model"] = ratchet - model
    cols.index = pd.Index(reps, name="rep")
    return cols
