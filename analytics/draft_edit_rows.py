"""What a manager's edits do to a draft's numbers, in place on its rows' arrays: the team number kept
honest, the higher tiers of a base set by hand spaced above it, and every row's chance.

The team number (calibration-methods section 5)
-----------------------------------------------
With a team number G split across reps, an override or an accepted proposal on a rep's base target
moves the team total at base away from G. ``team_rest`` says what happens then:

* ``"resplit"`` (the default): the rest, G minus the fixed reps' base targets, is split again at one
  chance across the reps without an edit (:func:`analytics.allocation.resplit_rest`), so the total is G;
* ``"shortfall"``: the other reps keep their share and the difference is shown and saved.

A base set by hand (an override or an accepted proposal) carries the rep's model higher tiers with it:
they keep their spacing in chance above the new base, as over a split (a base raised to P80 must not
leave the stretch at P70 below it); a higher tier typed by the manager stays as typed.

:func:`analytics.draft_edits.apply_edits` places the edits and calls these; they change the arrays it
hands them by position (the edits are few, the rows many).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import NamedTuple

import numpy as np
import pandas as pd

from analytics.allocation import resplit_rest, spaced_higher_tiers
from analytics.predictive import PredictiveDistribution
from analytics.target_floor import TargetFloor, floor_reasons
from analytics.target_set_values import TargetSetDraft
from analytics.targets import TIER_ORDER, is_count


class TeamTotal(NamedTuple):
    """The team total at base against the team number, after the edits."""

    team_number: float
    base_total: float
    difference: float       # base_total - team_number: negative is a shortfall
    team_rest: str          # resplit | shortfall
    resplit: bool           # the rest was split again across the reps without an edit
    n_fixed: int            # reps whose base target is fixed by an edit
    rest_chance: float = float("nan")   # each re-split rep's chance of their share (NaN: nothing re-split)


def honest_team_total(draft: TargetSetDraft, predictive: PredictiveDistribution, rows: pd.DataFrame,
                      target: np.ndarray, model_value: np.ndarray, source: np.ndarray,
                      team_rest: str, reason: np.ndarray | None = None) -> TeamTotal:
    """Re-split the team number's rest over the reps without an edit (in place), and the total at base.

    No re-split share is below the rep's smallest meaningful target (the draft's ``smallest_targets``);
    ``reason`` (in place) then says why a share sits there, and no longer speaks of a floor it left."""
    g = float(draft.team_target or 0.0)
    reps = np.asarray(predictive.reps, dtype=object)
    base = np.flatnonzero(rows["tier"].to_numpy() == "base")
    order = pd.Index(rows["rep"].to_numpy()[base]).get_indexer(reps)  # base row of each predictive rep
    edited = source[base[order]] != "model"
    resplit, rest_chance = False, float("nan")
    if team_rest == "resplit" and edited.any():
        floor = TargetFloor.from_saved(draft.assumptions.get("smallest_targets"), predictive)
        split = resplit_rest(predictive, g, np.where(edited, target[base[order]], np.nan), floor)
        if split.resplit:
            free_rows = base[order][split.free]
            target[free_rows] = model_value[free_rows] = split.targets[split.free]
            if reason is not None:
                reason[free_rows] = floor_reasons(predictive, floor, split.targets)[split.free]
            resplit, rest_chance = True, 1.0 - split.p_star
            _space_higher_tiers(rows, target, model_value, source, predictive, split.targets, split.free,
                                draft.tiers)
    total = float(target[base].sum())
    difference = total - g
    # A split (the draft's own or a re-split rest) adds up to the team number only up to the solver's and
    # floating point's residue (1e-7 of a million): that is no difference, and must not be said as "$0 short".
    if resplit or abs(difference) < (0.5 if is_count(predictive) else 1e-6 * max(abs(g), 1.0)):
        difference = 0.0
    return TeamTotal(g, total, difference, team_rest, resplit, int(edited.sum()), rest_chance)


def _space_higher_tiers(rows: pd.DataFrame, target: np.ndarray, model_value: np.ndarray, source: np.ndarray,
                        predictive: PredictiveDistribution, base: np.ndarray, free: np.ndarray,
                        tiers: Mapping[str, float]) -> None:
    """The re-split reps' model higher tiers at their spacing in chance above the new base, as
    :func:`analytics.target_drafts.build_draft` places them over a split (``base`` and ``free`` are per
    rep in the predictive's order; an overridden higher tier stays as the manager typed it)."""
    reps = pd.Index(np.asarray(predictive.reps, dtype=object))
    tier_of, rep_at = rows["tier"].to_numpy(), reps.get_indexer(rows["rep"].to_numpy())
    for tier, spaced in spaced_higher_tiers(predictive, base, tiers).items():
        at = np.flatnonzero((tier_of == tier) & (source == "model") & (rep_at >= 0))
        at = at[free[rep_at[at]]]
        target[at] = model_value[at] = spaced[rep_at[at]]


def space_edited_reps_tiers(rows: pd.DataFrame, target: np.ndarray, model_value: np.ndarray,
                            source: np.ndarray, predictive: PredictiveDistribution,
                            tiers: Mapping[str, float]) -> None:
    """The higher tiers of each rep whose base the manager set (an override or an accepted proposal),
    spaced in chance above that base, not above the model's base it replaced (in place).

    Without this, a base raised to the rep's P80 would leave a stretch at P70 below it. The model's higher
    tiers move (as :func:`analytics.allocation.spaced_higher_tiers` places them over a split); a higher
    tier the manager typed stays as typed.
    """
    if "base" not in tiers or len(tiers) < 2:
        return
    reps = pd.Index(np.asarray(predictive.reps, dtype=object))
    tier_of = rows["tier"].to_numpy()
    base_rows = np.flatnonzero(tier_of == "base")
    rep_of_base = reps.get_indexer(rows["rep"].to_numpy()[base_rows])
    set_by_hand = (source[base_rows] != "model") & (rep_of_base >= 0)
    if not set_by_hand.any():
        return
    base = np.full(len(reps), np.nan)
    base[rep_of_base[rep_of_base >= 0]] = target[base_rows[rep_of_base >= 0]]
    edited = np.zeros(len(reps), dtype=bool)
    edited[rep_of_base[set_by_hand]] = True
    _space_higher_tiers(rows, target, model_value, source, predictive, np.nan_to_num(base), edited, tiers)


def row_chances(predictive: PredictiveDistribution, rows: pd.DataFrame) -> np.ndarray:
    """Every row's chance of reaching its target: one vectorised call per tier."""
    reps = pd.Index(np.asarray(predictive.reps, dtype=object))
    chance = rows["p_attain"].to_numpy(dtype=float).copy()
    tiers, rep_names = rows["tier"].to_numpy(), rows["rep"].to_numpy()
    target = rows["target"].to_numpy(dtype=float)
    present = set(tiers)
    for tier in [t for t in TIER_ORDER if t in present]:
        at = np.flatnonzero(tiers == tier)
        where = reps.get_indexer(rep_names[at])
        known = where >= 0
        targets = np.zeros(len(reps))
        targets[where[known]] = target[at[known]]
        chance[at[known]] = predictive.p_attain(targets)[where[known]]
    return chance
