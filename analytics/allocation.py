"""Splitting a team number G across reps, and the team's own chance of reaching it.

Pure functions of a per-rep predictive object (:mod:`analytics.predictive`); ``allocation_for``
takes a fitted ``Calibration``.

Maths (calibration-methods section 5)
-------------------------------------
* Proportional: T_i = G * b_i / sum(b), with b the rep's baseline; it quietly gives steady reps
  the hardest targets (their chances then differ).
* Equal chance: one p* with sum_i Q_i(p*) = G (``scipy.optimize.brentq``), so every rep has
  P(hit) = 1 - p*.
* The team's chance of reaching G is simulated from joint draws with the shared period shock
  (rep outcomes are not independent). The draws do not depend on G: a page simulates once per
  calibration (``team_totals``) and reads every team number's chance from the same totals.
* How many draws (:func:`default_draws`): 20,000 up to 100 reps; above, 2,000,000 simulated rep
  outcomes in all (2,000 draws at 1,000 reps: 0.6 s instead of 6). The Monte Carlo standard error of
  the team's chance is sqrt(c (1 - c) / draws): at most 0.35 points at 20,000 draws and 1.1 points
  at 2,000 (tests/test_targets.py checks a 1,000-rep team's chance against 100,000 draws).
* No rep's share is below their smallest meaningful target (:mod:`analytics.target_floor`: one
  typical deal, 1 for counts): a rep whose law books nothing in 40% of periods would otherwise get
  $0 at any p* < 0.4 and "carry 0% of the team". Equal chance solves sum_i max(Q_i(p*), f_i) = G
  (the floored reps' chance is then their own, below 1 - p*); proportional keeps the floored reps at
  f_i and splits the rest in proportion to the others' baselines.

Example
-------
>>> import numpy as np
>>> from analytics.predictive import LogScaleHurdle
>>> d = LogScaleHurdle(reps=np.array(["a", "b"]), mu=np.log([100.0, 50.0]),
...                    sigma=np.array([0.3, 0.5]), df=np.array([30.0, 30.0]),
...                    zero_share=np.array([0.0, 0.0]))
>>> a = allocate_team_target(d, 160.0, "equal-chance")
>>> round(float(a.target.sum()), 6)
160.0
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, NamedTuple

import numpy as np
import numpy.typing as npt
import pandas as pd
from scipy import optimize

from analytics.formatting import count, rate
from analytics.metric_registry import resolve_metric
from analytics.predictive import BetaBinomialRate, PredictiveDistribution
from analytics.target_floor import TargetFloor, floor_for
from analytics.targets import is_count

if TYPE_CHECKING:
    from analytics.calibration import Calibration


def _smooth_quantile(predictive: PredictiveDistribution, p: float) -> np.ndarray:
    """Q_i(p), made continuous in p for counts (linear inside each integer step) so brentq can hit G."""
    if not is_count(predictive):
        return np.asarray(predictive.quantile(p), dtype=float)
    y = np.asarray(predictive.quantile(p), dtype=float)
    f_hi = predictive.cdf(y)
    f_lo = np.where(y > 0, predictive.cdf(y - 1), 0.0)
    frac = np.clip((p - f_lo) / np.maximum(f_hi - f_lo, 1e-300), 0.0, 1.0)
    return np.maximum(y - 1 + frac, 0.0)


def _round_preserving_sum(x: np.ndarray, total: float) -> np.ndarray:
    """Integers close to ``x`` that add up to round(total) (largest remainder)."""
    floor = np.floor(x)
    short = int(round(total) - floor.sum())
    order = np.argsort(-(x - floor), kind="stable")
    floor[order[:max(short, 0)]] += 1
    return floor


def whole_shares(shares: np.ndarray, total: float, low: np.ndarray | None = None, *, count: bool) -> np.ndarray:
    """A split's shares in whole units that add up to the number split (largest remainder).

    Money too, not only counts: every surface writes a target to the whole unit (the page's table, the CLI,
    the exports' amounts), so shares kept to fractions of a cent showed whole amounts that added up to $2 more
    than the team number they split. A count share stays at least its rep's floor (``low``); a money share is
    the floor's nearest whole amount, since holding it at a floor with cents would move the total off G.

    >>> whole_shares(np.array([100.4, 100.4, 99.2]), 300.0, count=False).tolist()   # each rounded: 299
    [101.0, 100.0, 99.0]
    >>> float(whole_shares(np.array([33.3333, 33.3333, 33.3334]) * 1000, 100_000.0, count=False).sum())
    100000.0
    """
    rounded = _round_preserving_sum(np.asarray(shares, dtype=float), total)
    return np.maximum(rounded, low) if count and low is not None else rounded


def default_baseline(predictive: PredictiveDistribution) -> np.ndarray:
    """Each rep's central level: the mean of Q_i(p) over p in (0.005, 0.995), a trimmed mean.

    The untrimmed mean of a log-t law is infinite; the median is 0 for reps with many zero periods.
    """
    return np.asarray(predictive.quantile(np.linspace(0.005, 0.995, 199)), dtype=float).mean(axis=1)


def proportional_split(baseline: npt.ArrayLike, team_target: float) -> np.ndarray:
    """q_i = G * b_i / sum(b)."""
    b = np.clip(np.nan_to_num(np.asarray(baseline, dtype=float)), 0.0, None)
    if b.sum() <= 0:
        return np.full(b.shape, team_target / max(b.size, 1))
    return team_target * b / b.sum()


def floored_proportional_split(baseline: npt.ArrayLike, team_target: float, low: npt.ArrayLike) -> np.ndarray:
    """:func:`proportional_split` with no share below ``low`` (each rep's floor): the reps it would put
    below are held at their floor and the rest of G is split again in proportion among the others, until
    none falls below (one round per newly floored group: a few rounds, each over every rep at once).

    >>> floored_proportional_split([0.0, 50.0, 50.0], 100.0, [10.0, 1.0, 1.0]).tolist()
    [10.0, 45.0, 45.0]
    """
    b = np.clip(np.nan_to_num(np.asarray(baseline, dtype=float)), 0.0, None)
    low = np.asarray(low, dtype=float)
    held = np.zeros(b.shape, dtype=bool)
    shares = proportional_split(b, team_target)
    for _ in range(b.size):
        newly = ~held & (shares < low)
        if not newly.any():
            break
        held |= newly
        rest = max(team_target - float(low[held].sum()), 0.0)
        free = proportional_split(np.where(held, 0.0, b), rest) if (~held).any() else np.zeros(b.shape)
        shares = np.where(held, low, free)
    return shares


_P_LOW, _P_HIGH = 1e-6, 1 - 1e-6


class EqualChanceSplit(NamedTuple):
    """Targets at one quantile level ``p_star`` for every rep, adding up to the team number."""

    targets: np.ndarray
    p_star: float
    reachable: bool


def equal_chance_split(predictive: PredictiveDistribution, team_target: float,
                       among: npt.ArrayLike | None = None, floor: TargetFloor | None = None) -> EqualChanceSplit:
    """Solve sum_i max(Q_i(p*), f_i) = G for one p*; returns ``(targets, p_star, reachable)``.

    ``floor`` (default :meth:`TargetFloor.default`) gives f_i, each rep's smallest meaningful target: a
    rep whose quantile at p* is below it (on the zero atom) gets f_i, at their own lower chance.

    ``among`` (a boolean mask over the reps) splits G across those reps only: the others' targets
    are 0. ``reachable`` is False when even Q_i(1 - 1e-6) does not add up to G; the targets are then
    those quantiles scaled up to G (they still add up to G) and each rep's chance is tiny.
    """
    mask = np.ones(len(predictive.reps), bool) if among is None else np.asarray(among, dtype=bool)
    low = (TargetFloor.default(predictive) if floor is None else floor).for_reps(predictive.reps)

    def split_of(p: float) -> np.ndarray:
        return np.where(mask, np.maximum(_smooth_quantile(predictive, p), low), 0.0)

    def gap(p: float) -> float:
        return float(split_of(p).sum()) - team_target

    if gap(_P_HIGH) < 0:
        return EqualChanceSplit(proportional_split(split_of(_P_HIGH), team_target), _P_HIGH, False)
    if gap(_P_LOW) >= 0:     # (a G below the floors' sum: every rep at least their floor, the total above G)
        return EqualChanceSplit(np.maximum(proportional_split(split_of(_P_LOW), team_target), np.where(mask, low, 0.0)),
                                _P_LOW, True)
    p_star = optimize.brentq(gap, _P_LOW, _P_HIGH, xtol=1e-12, rtol=1e-12, maxiter=200)
    return EqualChanceSplit(split_of(p_star), float(p_star), True)


class RestSplit(NamedTuple):
    """Base targets after the reps with a fixed number (an override, an accepted proposal) are taken out
    of the team number: the rest split at one chance across the others."""

    targets: np.ndarray     # every rep's base target: the fixed ones as given, the free ones the split
    free: np.ndarray        # which reps took part in the split
    rest: float             # the team number less the fixed reps' targets
    p_star: float           # the free reps' common quantile level (their chance is 1 - p_star); NaN when none
    resplit: bool           # False when nothing was split (no free rep, or the fixed reps already reach G)


def resplit_rest(predictive: PredictiveDistribution, team_target: float, fixed: npt.ArrayLike,
                 floor: TargetFloor | None = None) -> RestSplit:
    """Split (G - sum of the fixed reps' targets) at equal chance across the reps without a fixed target.

    ``fixed`` holds a target per rep, NaN for the reps that are free. The free reps' targets add up to
    the rest, so the team total at base is G again; targets are whole units (money too). When the fixed
    reps alone reach G (or every rep is fixed) nothing is split and the free reps get 0. No free rep's
    share is below their ``floor`` (:func:`equal_chance_split`).

    Examples
    --------
    Two reps with the same range share the rest evenly; the fixed one keeps its number:

    >>> import numpy as np
    >>> from analytics.predictive import LogScaleHurdle
    >>> d = LogScaleHurdle(reps=np.array(["a", "b", "c"]), mu=np.log([100.0, 80.0, 80.0]),
    ...                    sigma=np.array([0.3, 0.4, 0.4]), df=np.array([30.0, 30.0, 30.0]),
    ...                    zero_share=np.zeros(3))
    >>> split = resplit_rest(d, 300.0, [150.0, np.nan, np.nan])
    >>> split.targets.round(6).tolist(), split.rest
    ([150.0, 75.0, 75.0], 150.0)
    """
    fixed = np.asarray(fixed, dtype=float)
    free = ~np.isfinite(fixed)
    rest = float(team_target - np.nansum(fixed))
    if rest <= 0 or not free.any():
        return RestSplit(np.where(free, 0.0, fixed), free, rest, float("nan"), False)
    split = equal_chance_split(predictive, rest, among=free, floor=floor)
    shares = np.zeros(fixed.size)
    shares[free] = whole_shares(split.targets[free], rest, count=is_count(predictive))
    return RestSplit(np.where(free, shares, fixed), free, rest, split.p_star, True)


def allocate_team_target(predictive: PredictiveDistribution, team_target: float,
                         method: str = "equal-chance", baseline: npt.ArrayLike | None = None,
                         floor: TargetFloor | None = None) -> pd.DataFrame:
    """Split team target G across reps: ``DataFrame(rep, target, p_attain)``.

    ``method``: ``proportional`` (to ``baseline``, default :func:`default_baseline`) or
    ``equal-chance`` (one p* for all). Targets are whole units (money too) adding up to round(G).
    No share is below the rep's ``floor`` (default :meth:`TargetFloor.default`); the reps held there
    have a chance of their own (:func:`analytics.target_floor.floor_reasons` says why).
    """
    if not (isinstance(team_target, int | float) and math.isfinite(team_target) and team_target > 0):
        raise ValueError(f"the team target must be a positive number, not {team_target!r}")
    if isinstance(predictive, BetaBinomialRate):
        raise ValueError("rates (such as win rate) do not add up across reps: a team target cannot be split")
    floor = TargetFloor.default(predictive) if floor is None else floor
    low = floor.for_reps(predictive.reps)
    if method == "proportional":
        targets = floored_proportional_split(default_baseline(predictive) if baseline is None else baseline,
                                             team_target, low)
    elif method == "equal-chance":
        targets = equal_chance_split(predictive, team_target, floor=floor).targets
    else:
        raise ValueError(f"allocation must be proportional or equal-chance, not {method!r}")
    targets = whole_shares(targets, team_target, low, count=is_count(predictive))
    return pd.DataFrame({"rep": np.asarray(predictive.reps, dtype=object), "target": targets,
                         "p_attain": predictive.p_attain(targets)})


MAX_TIER_LEVEL = 99.0   # the highest percentile a tier is placed at: a 1% chance


def spaced_higher_tiers(predictive: PredictiveDistribution, base: npt.ArrayLike,
                        tiers: Mapping[str, float]) -> dict[str, np.ndarray]:
    """Each higher tier's model target per rep when base is a split of the team number, not a percentile.

    A split can move a rep's base close to (or past) their stretch: Rep A's base €50k at equal chance and
    stretch €52k at P70 is no stretch at all. We keep the tiers' spacing in *chance*, not in amount (an
    amount gap means nothing across reps of different ranges): a higher tier sits at its own percentile,
    or at least as many percentile points above where the rep's base sits in their range as the tiers are
    apart (stretch P70 over base P35: at least 35 points above the split base), rounded up to a whole
    percent and at most P99 (never below base). When two tiers' gaps do not fit below P99 (a base at P75, stretch
    and excellence 30 and 50 points above it), every gap is shrunk by the same factor into the room left, so the
    tiers keep their order and stay apart. ``base`` is per rep in ``predictive.reps`` order.

    >>> import numpy as np
    >>> from analytics.predictive import LogScaleHurdle
    >>> d = LogScaleHurdle(reps=np.array(["a"]), mu=np.log([100.0]), sigma=np.array([0.3]),
    ...                    df=np.array([30.0]), zero_share=np.array([0.0]))
    >>> base = d.quantile(0.60)             # the split put base at the rep's P60
    >>> spaced = spaced_higher_tiers(d, base, {"base": 35, "stretch": 70})["stretch"]
    >>> bool(np.isclose(spaced[0], d.quantile(0.95)[0]))      # 60 + (70 - 35) = P95, not P70
    True
    >>> high = spaced_higher_tiers(d, d.quantile(0.75), {"base": 40, "stretch": 70, "excellence": 90})
    >>> [round(float(1 - d.p_attain(high[t])[0]), 2) for t in ("stretch", "excellence")]   # 75 + 24 x 30/50, 75 + 24
    [0.9, 0.99]
    """
    base = np.asarray(base, dtype=float)
    n = len(predictive.reps)
    base_level = 100.0 * (1.0 - np.asarray(predictive.p_attain(base), dtype=float))
    gaps = {t: float(pct) - float(tiers["base"]) for t, pct in tiers.items() if t != "base"}
    widest = max(gaps.values(), default=0.0)
    # A base so high in its range that two tiers would meet at P99 leaves no room for the full gaps: they are
    # shrunk alike into what is left below P99, so the tiers stay apart (a base at P75 put stretch and excellence
    # both at P99, $524k at a 1% chance each). One tier past P99 alone is only capped.
    overflowing = sum((base_level + g > MAX_TIER_LEVEL).astype(int) for g in gaps.values())
    squeezed = np.asarray(overflowing, dtype=int) >= 2
    room = np.clip(MAX_TIER_LEVEL - base_level, 0.0, None) / max(widest, 1e-9)
    out: dict[str, np.ndarray] = {}
    for tier, pct in tiers.items():
        if tier == "base":
            continue
        above = np.where(squeezed, base_level + room * gaps[tier], base_level + gaps[tier])
        level = np.clip(np.maximum(float(pct), np.ceil(above - 1e-9)), 1.0, MAX_TIER_LEVEL)
        levels = np.unique(level)      # whole percents: at most 99 quantile levels for any team size
        q = np.asarray(predictive.quantile(levels / 100.0), dtype=float).reshape(n, levels.size)
        target = q[np.arange(n), np.searchsorted(levels, level)]
        if is_count(predictive):
            target = np.round(target)
        out[tier] = np.maximum(target, base)
    return out


MAX_DRAWS, MIN_DRAWS, SIMULATED_VALUES = 20_000, 2_000, 2_000_000


def default_draws(n_reps: int) -> int:
    """How many joint draws the team's chance is simulated from (see the module docstring).

    >>> default_draws(36), default_draws(100), default_draws(400), default_draws(1_000), default_draws(5_000)
    (20000, 20000, 5000, 2000, 2000)
    """
    return int(min(MAX_DRAWS, max(MIN_DRAWS, SIMULATED_VALUES // max(n_reps, 1))))


def team_totals(predictive: PredictiveDistribution, n_draws: int | None = None, seed: int = 0) -> np.ndarray:
    """Simulated team totals (joint draws with the shared period shock), sorted; ``n_draws`` None:
    :func:`default_draws` for the team's size."""
    draws = default_draws(len(predictive.reps)) if n_draws is None else n_draws
    return np.sort(predictive.sample(draws, np.random.default_rng(seed)).sum(axis=1))


def chance_from_totals(totals: np.ndarray, team_target: float) -> float:
    """The share of the simulated totals (sorted, :func:`team_totals`) that reach G.

    >>> chance_from_totals(np.array([1.0, 2.0, 3.0, 4.0]), 3.0)
    0.5
    """
    below = int(np.searchsorted(totals, team_target, side="left"))
    return float((totals.size - below) / max(totals.size, 1))


def team_chance(predictive: PredictiveDistribution, team_target: float, n_draws: int | None = None,
                seed: int = 0) -> float:
    """P(sum_i y_i >= G), by simulation: not a sum or product of rep chances (shocks are shared)."""
    return chance_from_totals(team_totals(predictive, n_draws, seed), team_target)


def team_verdict(team_target: float, chance: float, p_star: float, p50: float, p90: float,
                 proportional_p: npt.ArrayLike, beyond_reach: bool,
                 write: Callable[[float], str] = count, floored: int = 0) -> str:
    """Where the team number lies in the team's range, and what each split gives the reps, in words.

    ``write`` writes an amount of the metric (a page passes money in the data's currency); ``floored``:
    the reps the equal-chance split holds at their floor (one typical deal), whose chance is their own.

    >>> team_verdict(900.0, 0.62, 0.4, 1000.0, 1400.0, [0.6, 0.6], False, floored=2).split(". ")[-1].split("; ")[0]
    'Equal-chance split: every rep has a 60% chance (but 2 held at one typical deal: less)'

    >>> team_verdict(900.0, 0.62, 0.4, 1000.0, 1400.0, [0.5, 0.7], False)[:58]
    'The team number 900 is at or below the team median (P50, 1'
    >>> team_verdict(900.0, 0.62, 0.4, 1000.0, 1400.0, [0.6, 0.6], False).split("; ")[-1]
    'proportional split: every rep has 60% too.'
    """
    g = write(team_target)
    if team_target > p90:
        where = f"The team number {g} is {write(team_target - p90)} above the team's P90 ({write(p90)})"
    elif team_target > p50:
        where = (f"The team number {g} lies between the team median (P50, {write(p50)}) "
                 f"and the team's P90 ({write(p90)})")
    else:
        where = f"The team number {g} is at or below the team median (P50, {write(p50)})"
    pr = np.asarray(proportional_p, dtype=float)
    if beyond_reach:
        return (f"Beyond reach: {where[:1].lower()}{where[1:]}, and the team reaches it in only {rate(chance)} "
                f"of simulated periods. Even split for an equal chance, each rep would have only a "
                f"{rate(1 - p_star)} chance of making their share. Lower the team number or present it as "
                "a stretch goal, not as rep targets.")
    low, high = rate(pr.min()), rate(pr.max())      # (one shape for every rep: the two splits agree)
    proportional = f"chances range {low}–{high}" if low != high else f"every rep has {low} too"
    held = f" (but {floored} held at one typical deal: less)" if floored else ""
    return (f"{where}; the team reaches it in about {rate(chance)} of simulated periods. "
            f"Equal-chance split: every rep has a {rate(1 - p_star)} chance{held}; proportional split: {proportional}.")


@dataclass(frozen=True)
class TeamAllocation:
    """Both splits of G side by side, the team's own chance and a plain-words verdict."""

    team_target: float
    table: pd.DataFrame     # rep, baseline, proportional, proportional_p, equal_chance, equal_chance_p
    p_star: float
    team_chance: float
    team_p10: float
    team_p50: float
    team_p90: float
    beyond_reach: bool
    message: str
    floored: int = 0        # reps the equal-chance split holds at their floor (their own, lower chance)


def compare_allocations(predictive: PredictiveDistribution, team_target: float,
                        baseline: npt.ArrayLike | None = None, n_draws: int | None = None,
                        seed: int = 0, totals: np.ndarray | None = None,
                        floor: TargetFloor | None = None) -> TeamAllocation:
    """Proportional and equal-chance splits of G with each rep's chance, plus the team's chance.

    ``totals``: the team's simulated totals (:func:`team_totals`, sorted) when already made: they do
    not depend on G, so a page simulates once and compares every team number it is given with them.
    ``floor``: each rep's smallest meaningful target (no share below it).
    """
    b = default_baseline(predictive) if baseline is None else np.asarray(baseline, dtype=float)
    prop = allocate_team_target(predictive, team_target, "proportional", baseline=b, floor=floor)
    equal = allocate_team_target(predictive, team_target, "equal-chance", floor=floor)
    p_star = equal_chance_split(predictive, team_target, floor=floor).p_star
    totals = team_totals(predictive, n_draws, seed) if totals is None else totals
    chance = chance_from_totals(totals, team_target)
    p10, p50, p90 = (float(v) for v in np.quantile(totals, [0.1, 0.5, 0.9]))
    table = pd.DataFrame({"rep": prop["rep"], "baseline": b, "proportional": prop["target"],
                          "proportional_p": prop["p_attain"], "equal_chance": equal["target"],
                          "equal_chance_p": equal["p_attain"]})
    beyond = chance < 0.05 or p_star > 0.99
    # (a rep held at their floor by the equal-chance split has that floor's own, lower chance)
    floored = int(np.sum(table["equal_chance_p"].to_numpy(dtype=float) < 1 - p_star - 0.005))
    message = team_verdict(team_target, chance, p_star, p50, p90, table["proportional_p"], beyond, floored=floored)
    return TeamAllocation(team_target, table, p_star, chance, p10, p50, p90, beyond, message, floored)


# ---------------------------------------------------------------- thin functions over a Calibration
def _aligned_baseline(calibration: Calibration) -> np.ndarray:
    return calibration.summary["baseline"].reindex(list(calibration.predictive.reps)).to_numpy(dtype=float)


def allocation_for(calibration: Calibration, team_target: float, n_draws: int | None = None,
                   seed: int = 0, totals: np.ndarray | None = None) -> TeamAllocation:
    """:func:`compare_allocations` with the calibration's own baseline and floor (each rep's typical deal;
    ``totals``: its team totals, when already simulated). Refused (``ValueError``) for a metric that does not
    add up across reps."""
    metric = getattr(calibration, "metric", None)       # (a stand-in holding laws alone has none)
    if metric is not None and (refusal := resolve_metric(metric).team_split_refusal) is not None:
        raise ValueError(refusal)
    return compare_allocations(calibration.predictive, team_target, _aligned_baseline(calibration),
                               n_draws, seed, totals, floor_for(calibration))
