"""The smallest target worth setting: a target of $0 (or 0 deals) is no target.

A rep who books nothing in a third of their periods has a law with an atom at zero: every percentile
up to that share is $0, so a base at P35 would be "$0, a 100% chance", which is a target nobody has to
work for and lifts the team's expected share reaching base. Wherever a target comes from the model (a
tier's percentile, a team number's split, the next period's start), it is floored here at the rep's
smallest meaningful target:

* money: one typical won deal of the rep (the median amount of their won deals up to the calibration's
  last complete period, pooled toward the team's median by two deals' worth: ``metrics.typical_deal``, so a
  rep's one big win is not their floor), the team's median won deal when the rep has none, and 1 (any
  sale at all) when no deal amount is known (a law without data);
* counts: 1;
* rates: no floor (a win rate of 0 is a possible result, and rates are never split).

The floored target's chance is the law's own ``p_attain`` at the floor, below the tier's nominal chance
(58%, not 65%), and the row's ``reason`` says so in one sentence.

Example
-------
>>> import numpy as np
>>> from analytics.predictive import LogScaleHurdle
>>> d = LogScaleHurdle(reps=np.array(["a"]), mu=np.log([10_000.0]), sigma=np.array([0.5]),
...                    df=np.array([30.0]), zero_share=np.array([0.4]))
>>> floor = TargetFloor.of(d, [4_900.0], unit="one typical order", grain="month")
>>> float(floor.floored(d, np.array([0.0]))[0])
4900.0
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import numpy.typing as npt
import pandas as pd

from analytics import formatting
from analytics.metric_registry import resolve_metric
from analytics.predictive import BetaBinomialRate, NegBinomialCount, PredictiveDistribution

if TYPE_CHECKING:
    from analytics.calibration import Calibration

# A count metric's one unit, in words ("1 won deal"); an activity metric is named by its own type ("call").
_SINGULAR = {"deals": "won deal", "closed_deals": "closed deal", "opportunities": "opportunity"}


@dataclass(frozen=True)
class TargetFloor:
    """Each rep's smallest meaningful target and how to say it.

    ``amount`` is per rep of ``reps`` (0: no floor); ``unit`` names it ("one typical order", "1 won deal");
    ``kind`` is the metric's value kind (money amounts are written beside the unit); ``grain`` the period
    word ("month") of "books nothing in 36% of months".
    """

    reps: np.ndarray
    amount: np.ndarray
    unit: str
    kind: str = "money"
    currency: str = "$"
    grain: str = "period"

    @classmethod
    def of(cls, predictive: PredictiveDistribution, amount: npt.ArrayLike, *, unit: str, kind: str = "money",
           currency: str = "$", grain: str = "period") -> TargetFloor:
        """A floor per rep of ``predictive`` (amounts in its rep order)."""
        return cls(np.asarray(predictive.reps, dtype=object), np.asarray(amount, dtype=float), unit, kind,
                   currency, grain)

    @classmethod
    def default(cls, predictive: PredictiveDistribution) -> TargetFloor:
        """The floor a law alone allows: 1 for counts, any sale (1) for money, none for rates."""
        n = len(predictive.reps)
        if isinstance(predictive, BetaBinomialRate):
            return cls.of(predictive, np.zeros(n), unit="", kind="rate")
        if isinstance(predictive, NegBinomialCount):
            return cls.of(predictive, np.ones(n), unit="1", kind="count")
        return cls.of(predictive, np.ones(n), unit="any sale")

    def saved(self) -> dict:
        """The floor as a draft's assumptions keep it (``smallest_targets``: JSON, read by :meth:`from_saved`)."""
        return {"unit": self.unit, "kind": self.kind, "currency": self.currency, "grain": self.grain,
                "amount": dict(zip(map(str, self.reps), map(float, self.amount), strict=True))}

    @classmethod
    def from_saved(cls, saved: dict | None, predictive: PredictiveDistribution) -> TargetFloor:
        """The floor a draft keeps (:meth:`saved`); :meth:`default` for a draft made without one."""
        if not saved or not isinstance(saved.get("amount"), dict):
            return cls.default(predictive)
        amounts = saved["amount"]
        return cls(np.array(list(amounts), dtype=object), np.array(list(amounts.values()), dtype=float),
                   str(saved.get("unit", "")), str(saved.get("kind", "money")), str(saved.get("currency", "$")),
                   str(saved.get("grain", "period")))

    def for_reps(self, reps: npt.ArrayLike) -> np.ndarray:
        """The floor of each of ``reps`` (0 for a rep this floor does not know)."""
        known = pd.Series(self.amount, index=pd.Index(self.reps, dtype=object))
        known = known[~known.index.duplicated()]
        return known.reindex(np.asarray(reps, dtype=object)).fillna(0.0).to_numpy(dtype=float)

    def floored(self, predictive: PredictiveDistribution, target: npt.ArrayLike) -> np.ndarray:
        """``target`` (per rep of ``predictive``) raised to the floor where it is below it."""
        return np.maximum(np.asarray(target, dtype=float), self.for_reps(predictive.reps))

    def unit_words(self, amount: float) -> str:
        """The floor in words: "one typical order, $4,900", "1 won deal"."""
        if self.kind != "money":
            return self.unit
        return f"{self.unit}, {formatting.value(amount, 'money', self.currency, exact=True)}"

    def reason(self, *, tier: str, zero_share: float, amount: float, chance: float,
               nominal: float | None) -> str:
        """Why a target sits at the floor, in one sentence a manager reads.

        >>> f = TargetFloor(np.array(["a"], dtype=object), np.array([4_900.0]), "one typical order", grain="month")
        >>> f.reason(tier="base", zero_share=0.36, amount=4_900.0, chance=0.58, nominal=0.65)
        'books nothing in 36% of months: base set at one typical order, $4,900, 58% chance; no positive target reaches 65%'
        >>> f.reason(tier="base", zero_share=0.1, amount=4_900.0, chance=0.8, nominal=0.65)
        "base set at one typical order, $4,900 (the model's value was below it), 80% chance"

        ``nominal`` None (a team number's share, not a percentile): the zero share and the chance alone.
        """
        at = f"{tier} set at {self.unit_words(amount)}"
        books = f"books nothing in {formatting.rate(zero_share)} of {self.grain}s: "
        if nominal is not None and zero_share >= 1.0 - nominal - 1e-9:
            return (f"{books}{at}, {formatting.rate(chance)} chance; no positive target reaches "
                    f"{formatting.rate(nominal)}")
        if nominal is None:
            return f"{books if zero_share >= 0.005 else ''}{at}, {formatting.rate(chance)} chance"
        return f"{at} (the model's value was below it), {formatting.rate(chance)} chance"


def zero_shares(predictive: PredictiveDistribution) -> np.ndarray:
    """P(y_i = 0) per rep: the share of periods the law books nothing."""
    return np.asarray(predictive.cdf(np.zeros(len(predictive.reps))), dtype=float)


def floor_reasons(predictive: PredictiveDistribution, floor: TargetFloor, target: npt.ArrayLike,
                  tier: str = "base") -> np.ndarray:
    """Per rep of ``predictive``: why their ``target`` (a team number's share) sits at their floor, None
    where it is above it."""
    target = np.asarray(target, dtype=float)
    low = floor.for_reps(predictive.reps)
    held = (low > 0) & (target <= low * (1 + 1e-9))
    out = np.full(target.shape, None, dtype=object)
    if held.any():
        chance = np.asarray(predictive.p_attain(target), dtype=float)
        zeros = zero_shares(predictive)
        for i in np.flatnonzero(held):
            out[i] = floor.reason(tier=tier, zero_share=float(zeros[i]), amount=float(target[i]),
                                  chance=float(chance[i]), nominal=None)
    return out


def floor_tier_rows(rows: pd.DataFrame, predictive: PredictiveDistribution, floor: TargetFloor,
                    nominal: Sequence[float] | npt.ArrayLike | None = None) -> pd.DataFrame:
    """Model tier rows (``rep``, ``tier``, ``target``, ``p_attain``, ``source``, ``reason``) whose target is
    below the rep's floor, raised to it: target and model value the floor, the chance the law's at the
    floor, the reason in words. ``nominal``: each row's chance as asked (default 1 - percentile / 100).
    Rows set by hand (an override, an accepted proposal) are the manager's and stay as they are."""
    out = rows.copy()
    target = out["target"].to_numpy(dtype=float)
    low = floor.for_reps(out["rep"].to_numpy())
    below = (low > 0) & (target < low * (1 - 1e-9)) & (out["source"].to_numpy() == "model")
    if not below.any():
        return out
    at = np.flatnonzero(below)
    reps = pd.Index(np.asarray(predictive.reps, dtype=object))
    where = reps.get_indexer(out["rep"].to_numpy()[at])
    full = np.zeros(len(reps))
    full[where] = low[at]
    chance = np.asarray(predictive.p_attain(full), dtype=float)[where]
    zeros = zero_shares(predictive)[where]
    asked = (1.0 - out["percentile"].to_numpy(dtype=float) / 100.0 if nominal is None and "percentile" in out
             else np.asarray(nominal if nominal is not None else np.full(len(out), np.nan), dtype=float))
    out["reason"] = out["reason"].astype(object)
    out.loc[out.index[at], "target"] = low[at]
    if "model_value" in out:
        out.loc[out.index[at], "model_value"] = low[at]
    out.loc[out.index[at], "p_attain"] = chance
    out.loc[out.index[at], "reason"] = [
        floor.reason(tier=str(t), zero_share=float(z), amount=float(a), chance=float(c),
                     nominal=float(n) if np.isfinite(n) else None)
        for t, z, a, c, n in zip(out["tier"].to_numpy()[at], zeros, low[at], chance, asked[at], strict=True)]
    return out


def floor_for(calibration: Calibration, currency: str = "$") -> TargetFloor:
    """The floor of a fitted calibration's reps: one typical won deal of each rep (money metrics), 1
    (counts) or none (rates); see the module docstring."""
    predictive = calibration.predictive
    base = TargetFloor.default(predictive)
    if getattr(calibration, "metric", None) is None:    # (a stand-in holding laws alone: the law's floor)
        return base
    metric = resolve_metric(calibration.metric)
    grain = calibration.grain
    if metric.kind == "rate":
        return base
    if metric.kind == "count":
        return TargetFloor.of(predictive, np.ones(len(predictive.reps)),
                              unit=f"1 {_SINGULAR.get(metric.name, metric.name)}", kind="count", grain=grain)
    funnel = calibration.funnel()
    if funnel.empty or "median_deal" not in funnel:
        return TargetFloor.of(predictive, base.amount, unit=base.unit, currency=currency, grain=grain)
    by_rep = funnel.set_index("rep")
    typical = by_rep["median_deal"].reindex(np.asarray(predictive.reps, dtype=object)).to_numpy(dtype=float)
    team = float(by_rep["team_median_deal"].iloc[0]) if "team_median_deal" in by_rep else float("nan")
    typical = np.where(np.isfinite(typical) & (typical > 0), typical, team)
    typical = np.where(np.isfinite(typical) & (typical > 0), typical, 1.0)
    # Won orders with no lost deal beside them: an orders export, whose deals a manager calls orders.
    orders = bool(by_rep["closed"].sum() <= by_rep["won"].sum()) if {"closed", "won"} <= set(by_rep) else False
    noun = "order" if orders else "won deal" if metric.funnel_stage == "won" else "deal"
    return TargetFloor.of(predictive, typical, unit=f"one typical {noun}", currency=currency, grain=grain)
