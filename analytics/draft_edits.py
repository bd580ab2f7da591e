"""A manager's edits over a model draft: overrides with reasons, the reps' own proposals, and the team
number kept honest when some reps' base targets are fixed by hand.

The Targets page keeps the edits (:class:`DraftEdits`) for the browser session and calls
:func:`apply_edits` on every run; the CLI and tests call it the same way. Everything is a pure function:
the edits are few, the rows many, so the rows are changed by position in numpy, and each tier's chances
are recomputed in one vectorised call of the predictive distribution.

What the edits do to the numbers (the team number's rest re-split or kept as a shortfall, the higher
tiers spaced above a base set by hand, the chances) is in :mod:`analytics.draft_edit_rows`, with its maths;
this module holds the edits, applies them, and says what the page's buttons and table cells did.

Example
-------
>>> import numpy as np
>>> from analytics.predictive import LogScaleHurdle
>>> from analytics.target_drafts import build_draft
>>> from analytics.periods import parse_period
>>> d = LogScaleHurdle(reps=np.array(["a", "b", "c"]), mu=np.log([100.0, 80.0, 80.0]),
...                    sigma=np.array([0.3, 0.4, 0.4]), df=np.full(3, 30.0), zero_share=np.zeros(3))
>>> draft = build_draft(d, name="Q1", period=parse_period("2026-Q1"), metric="revenue", tiers="35,70",
...                     team_target=300.0, n_draws=2_000)
>>> edits = DraftEdits().with_override("a", "base", 150.0, "new territory")
>>> edited = apply_edits(draft, edits, d)
>>> round(edited.team.base_total, 6), edited.team.difference
(300.0, 0.0)
>>> kept = apply_edits(draft, edits.with_team_rest("shortfall"), d)
>>> bool(kept.team.difference > 0), kept.draft.team_rest
(True, 'shortfall')
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable, Mapping
from typing import Any, NamedTuple

import numpy as np
import pandas as pd

from analytics import formatting
from analytics.draft_edit_rows import (
    TeamTotal,
    honest_team_total,
    row_chances,
    space_edited_reps_tiers,
)
from analytics.predictive import PredictiveDistribution
from analytics.target_sets import TEAM_REST, TargetSetDraft
from analytics.targets import base_share_check, validate_target_entry

Key = tuple[str, str]
"""(rep, tier)."""
ACCEPTED_REASON = "the rep's own proposal (buy-in)"


@dataclasses.dataclass(frozen=True)
class DraftEdits:
    """What the manager changed over the model: per (rep, tier) an override ``(value, reason)`` and the
    rep's proposal ``(value, accepted)``; and what happens to the team number's rest.

    Immutable: every change returns new edits, so a page can keep the previous ones to compare.

    >>> e = DraftEdits().with_override("Ana", "base", 99.0, "renewal").with_proposal("Ben", "base", 80.0, True)
    >>> e.count, e.with_reset("Ana", "base").count
    (2, 1)
    """

    overrides: Mapping[Key, tuple[float, str]] = dataclasses.field(default_factory=dict)
    proposals: Mapping[Key, tuple[float, bool]] = dataclasses.field(default_factory=dict)
    team_rest: str = "resplit"

    @property
    def count(self) -> int:
        """How many rep targets carry an edit (an override or a proposal)."""
        return len(set(self.overrides) | set(self.proposals))

    def with_override(self, rep: str, tier: str, value: float, reason: str) -> DraftEdits:
        """An override (it wins over an accepted proposal on the same target)."""
        return dataclasses.replace(self, overrides={**self.overrides, (rep, tier): (float(value), reason)})

    def with_proposal(self, rep: str, tier: str, value: float, accepted: bool) -> DraftEdits:
        """The rep's proposal; accepted, it becomes the target and drops an override of it."""
        overrides = {k: v for k, v in self.overrides.items() if not (accepted and k == (rep, tier))}
        return dataclasses.replace(self, overrides=overrides,
                                   proposals={**self.proposals, (rep, tier): (float(value), bool(accepted))})

    def with_reset(self, rep: str, tier: str) -> DraftEdits:
        """The target back to the model's: no override, no proposal."""
        return dataclasses.replace(self, overrides={k: v for k, v in self.overrides.items() if k != (rep, tier)},
                                   proposals={k: v for k, v in self.proposals.items() if k != (rep, tier)})

    def without_proposal(self, rep: str, tier: str) -> DraftEdits:
        return dataclasses.replace(self, proposals={k: v for k, v in self.proposals.items() if k != (rep, tier)})

    def with_team_rest(self, team_rest: str) -> DraftEdits:
        if team_rest not in TEAM_REST:
            raise ValueError(f"team_rest must be one of {TEAM_REST}, not {team_rest!r}")
        return dataclasses.replace(self, team_rest=team_rest)


class EditedDraft(NamedTuple):
    """:func:`apply_edits`' answer: the draft with the edits, the edits refused, and the team total."""

    draft: TargetSetDraft
    problems: dict[Key, str]
    team: TeamTotal | None


def _p90s(rep_rows: pd.DataFrame | None) -> Mapping[str, float]:
    if rep_rows is None or "p90" not in rep_rows:
        return {}
    return rep_rows["p90"].to_dict()


def apply_edits(draft: TargetSetDraft, edits: DraftEdits, predictive: PredictiveDistribution, *,
                rep_rows: pd.DataFrame | None = None) -> EditedDraft:
    """The draft with the manager's edits applied: targets, sources, reasons, proposals and chances.

    Parameters
    ----------
    draft : TargetSetDraft
        The model's draft (:func:`analytics.target_drafts.build_draft`): one row per rep and tier.
    edits : DraftEdits
        Overrides and proposals by (rep, tier); an edit of a tier the draft does not have is ignored.
    predictive : PredictiveDistribution
        The reps' laws: every row's chance is recomputed from it, one call per tier.
    rep_rows : pandas.DataFrame, optional
        The calibration's summary (indexed by rep, with ``p90``): an entry above 20 times a rep's P90 is
        refused as absurd, as :func:`analytics.targets.validate_target_entry` says.

    Returns
    -------
    EditedDraft
        ``draft`` with ``team_rest`` set and its assumptions updated (base share, team total),
        ``problems`` (the refused edits, in words) and ``team`` (the total at base against the team
        number, None without one).
    """
    rows = draft.rows.reset_index(drop=True).astype({"source": object, "reason": object})
    position = pd.Series(np.arange(len(rows)), index=pd.MultiIndex.from_frame(rows[["rep", "tier"]]))
    p90 = _p90s(rep_rows)
    problems: dict[Key, str] = {}

    def checked(key: Key, value: float) -> float | None:
        ok, number, why = validate_target_entry(value, {"p90": p90.get(key[0])})
        if not ok:
            problems[key] = f"{key[0]}'s {key[1]} target refused: {why}"
        return number if ok else None

    over_pos, over_val, over_why = [], [], []
    for key, (value, reason) in edits.overrides.items():
        if key not in position.index:
            continue
        if not str(reason or "").strip():
            problems[key] = f"an override of {key[0]}'s {key[1]} target needs a reason"
        elif (number := checked(key, value)) is not None:
            over_pos.append(position[key])
            over_val.append(number)
            over_why.append(str(reason).strip())
    prop_pos, prop_val, take = [], [], []
    for key, (value, accepted) in edits.proposals.items():
        if key in position.index and (number := checked(key, value)) is not None:
            prop_pos.append(position[key])
            prop_val.append(number)
            take.append(bool(accepted) and key not in edits.overrides)

    target = rows["target"].to_numpy(dtype=float).copy()
    model_value = rows["model_value"].to_numpy(dtype=float).copy()
    source, reason = rows["source"].to_numpy(dtype=object).copy(), rows["reason"].to_numpy(dtype=object).copy()
    proposal = rows["rep_proposal"].to_numpy(dtype=float).copy()
    prop_pos_a, take_a = np.asarray(prop_pos, dtype=int), np.asarray(take, dtype=bool)
    proposal[prop_pos_a] = prop_val
    accepted_pos = prop_pos_a[take_a]
    target[accepted_pos] = np.asarray(prop_val, dtype=float)[take_a]
    source[accepted_pos], reason[accepted_pos] = "rep proposal", ACCEPTED_REASON
    over_pos_a = np.asarray(over_pos, dtype=int)
    target[over_pos_a] = over_val
    source[over_pos_a] = "override"
    reason[over_pos_a] = np.asarray(over_why, dtype=object)

    space_edited_reps_tiers(rows, target, model_value, source, predictive, draft.tiers)
    team = None
    if draft.team_target is not None:
        team = honest_team_total(draft, predictive, rows, target, model_value, source, edits.team_rest, reason)
    rows = rows.assign(target=target, model_value=model_value, source=source, reason=reason, rep_proposal=proposal)
    rows["p_attain"] = row_chances(predictive, rows)
    check = base_share_check(rows.loc[rows["tier"] == "base", "p_attain"],
                             "the base percentile" if draft.team_target is None else "the team target")
    assumptions = dict(draft.assumptions)
    assumptions["base_share"] = check.expected_share
    assumptions["warnings"] = [check.message, *list(draft.assumptions.get("warnings", []))[1:]]
    if team is not None:
        assumptions["team"] = {**assumptions.get("team", {}), "team_rest": team.team_rest,
                               "base_total": team.base_total, "difference": team.difference}
    edited = dataclasses.replace(draft, rows=rows, assumptions=assumptions,
                                 team_rest=None if team is None else edits.team_rest)
    return EditedDraft(edited, problems, team)


# ---------------------------------------------------------------- the page's two ways of editing
class Said(NamedTuple):
    """A message for the manager: ``kind`` is success, info, warning or error."""

    kind: str
    text: str


def team_total_words(team: TeamTotal, write: Callable[[float], str] = formatting.count) -> Said:
    """The team total at base against the team number, in words.

    >>> team_total_words(TeamTotal(1000.0, 950.0, -50.0, "shortfall", False, 2)).text
    'Team total at base 950 is 50 short of the team number 1,000 (kept: the set is saved with it).'
    """
    if team.resplit:
        return Said("success", f"Team total at base {write(team.base_total)} = the team number: the rest after "
                               f"{team.n_fixed} edited rep(s) is re-split at equal chance across the others.")
    if team.difference == 0:
        return Said("info", f"Team total at base {write(team.base_total)} = the team number.")
    return Said("warning", f"Team total at base {write(team.base_total)} is {write(abs(team.difference))} "
                           f"{'short of' if team.difference < 0 else 'above'} the team number "
                           f"{write(team.team_number)}" + (" (kept: the set is saved with it)."
                                                           if team.team_rest == "shortfall" else
                                                           ": the edited reps alone reach it, nothing is left "
                                                           "to re-split."))


def base_total_chance_words(base_total: float, chance: float, write: Callable[[float], str] = formatting.count) -> str:
    """The team total at base with the team's chance of reaching it (no team number to compare with).

    The base targets each carry their rep's chance; their total is reached far more often than any one
    of them (a rep's miss is made up by another's beat), which is why it looks low beside past periods.

    >>> base_total_chance_words(950.0, 0.934)
    'Team total at base 950: the team reaches it in 93% of simulated periods.'
    """
    return f"Team total at base {write(base_total)}: the team reaches it in {formatting.rate(chance)} of simulated periods."


class RepChanceBox(NamedTuple):
    """The team box's "each rep's chance": which split it is the chance of, and its help text."""

    label: str
    chance: float
    help: str


def rep_chance_box_words(p_star: float, team: TeamTotal | None) -> RepChanceBox:
    """Each rep's chance under the split the table shows: the equal split of the whole team number, or, once
    overrides or accepted proposals were re-split, the chance of the reps the rest was split across (the
    table's chance for them: one number, not the equal split's 42% beside a table of 37%).

    >>> rep_chance_box_words(0.58, None).label, round(rep_chance_box_words(0.58, None).chance, 2)
    ("Each rep's chance (equal split)", 0.42)
    >>> box = rep_chance_box_words(0.58, TeamTotal(1e6, 1e6, 0.0, "resplit", True, 3, 0.37))
    >>> box.label, box.chance
    ('Chance of each re-split rep', 0.37)
    """
    whole = 1.0 - p_star
    if team is None or not team.resplit or not math.isfinite(team.rest_chance):
        return RepChanceBox("Each rep's chance (equal split)", whole,
                            "Every rep's chance of their share when the whole team number is split at equal chance.")
    return RepChanceBox("Chance of each re-split rep", team.rest_chance,
                        f"The {formatting.quantity(team.n_fixed, 'edited rep')} keep their targets; the rest of the "
                        f"team number is split at one chance across the others. Equal split of the whole number: "
                        f"{formatting.rate(whole)} each.")


def one_rep_action(edits: DraftEdits, action: str, rep: str, tier: str, typed: str | float | None,
                   reason: str, *, rep_row: Mapping[str, Any] | None = None,
                   write: Callable[[float], str] = formatting.count) -> tuple[DraftEdits, Said]:
    """What a button of the one-rep panel does to the edits, and a message that says exactly that.

    ``action``: ``override`` (needs a reason), ``accept`` (the rep's proposal becomes the target),
    ``proposal`` (recorded beside the target, which is unchanged) or ``reset`` (back to the model).

    >>> e, said = one_rep_action(DraftEdits(), "accept", "Ben", "base", "90,000", "")
    >>> said.text, e.proposals
    ("Set Ben's base target to 90,000 (the rep's proposal, accepted as target). Higher tiers the model set keep their chance spacing above it.", {('Ben', 'base'): (90000.0, True)})
    >>> one_rep_action(e, "proposal", "Ben", "base", "95000", "")[1].text[:33]
    "Recorded Ben's proposal of 95,000"
    """
    if action == "reset":
        return edits.with_reset(rep, tier), Said("success", f"Reset {rep}'s {tier} target to the model's.")
    ok, number, why = validate_target_entry(typed, rep_row)
    if not ok or number is None:
        return edits, Said("error", f"{rep}'s {tier} target refused: {why}")
    reason = (reason or "").strip()
    if action == "override":
        if not reason:
            return edits, Said("error", f"An override of {rep}'s {tier} target needs a reason.")
        return (edits.with_override(rep, tier, number, reason),
                Said("success", f"Set {rep}'s {tier} target to {write(number)} ({reason}).{_carried(tier)}"))
    if action == "accept":
        return (edits.with_proposal(rep, tier, number, True),
                Said("success", f"Set {rep}'s {tier} target to {write(number)} (the rep's proposal, "
                                f"accepted as target).{_carried(tier)}"))
    if action == "proposal":
        return (edits.with_proposal(rep, tier, number, False),
                Said("success", f"Recorded {rep}'s proposal of {write(number)} for {tier}, beside the target "
                                "(unchanged); accept it to make it the target."))
    raise ValueError(f"unknown action {action!r}")


def _carried(tier: str) -> str:
    return " Higher tiers the model set keep their chance spacing above it." if tier == "base" else ""


def table_edits(edits: DraftEdits, tier: str, reps: list[str], model_values: np.ndarray,
                edited_rows: Mapping[int | str, Mapping[str, Any]], *,
                rep_rows: pd.DataFrame | None = None, currency: str = "$") -> tuple[DraftEdits, dict[Key, str]]:
    """Fold the per-rep table's cell edits (``edited_rows``: row position -> {column: value}) into the edits.

    Idempotent (the table's edits are cumulative): a Target equal to the model's without a reason drops
    the override; a blank proposal drops it; a proposal that is not a number is refused, with its text.

    >>> e, problems = table_edits(DraftEdits(), "base", ["Ana", "Ben"], np.array([100.0, 90.0]),
    ...                           {0: {"Target": 120.0, "Reason": "renewal"}, 1: {"Rep proposal": "€95"}},
    ...                           currency="€")
    >>> e.overrides, e.proposals, problems
    ({('Ana', 'base'): (120.0, 'renewal')}, {('Ben', 'base'): (95.0, False)}, {})
    """
    p90 = _p90s(rep_rows)
    overrides, proposals = dict(edits.overrides), dict(edits.proposals)
    problems: dict[Key, str] = {}
    for idx, change in edited_rows.items():
        rep = reps[int(idx)]
        key = (rep, tier)
        old_value, old_reason = overrides.get(key, (None, ""))
        value = change.get("Target", old_value)
        why = change.get("Reason", old_reason) or ""
        if value is None or (isinstance(value, float) and math.isnan(value)) or (
                abs(float(value) - model_values[int(idx)]) < 0.5 and not why):
            overrides.pop(key, None)
        else:
            overrides[key] = (float(value), why)
        if "Rep proposal" in change or "Accept" in change:
            prop, accepted = proposals.get(key, (None, False))
            accepted = bool(change.get("Accept", accepted))
            if "Rep proposal" in change:      # typed as text: a blank cell is no proposal, never "None"
                raw = change["Rep proposal"]
                typed = raw.strip().removeprefix(currency.strip()) if isinstance(raw, str) else raw
                ok, prop, refused = validate_target_entry(typed, {"p90": p90.get(rep)})
                if not ok and typed not in (None, "", formatting.BLANK):
                    problems[key] = f"{rep}'s proposal {raw!r} refused: {refused}"
                    continue
            if prop is None:
                proposals.pop(key, None)
            else:
                proposals[key] = (float(prop), accepted)
    return dataclasses.replace(edits, overrides=overrides, proposals=proposals), problems
