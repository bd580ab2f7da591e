"""The manager's edits over a model draft (analytics/draft_edits.py) and the team number's rest
re-split in the engine (analytics/allocation.resplit_rest): known answers, computed apart."""

from __future__ import annotations

import random

import numpy as np
import pandas as pd
import pytest

from analytics import allocation, targets
from analytics.draft_edits import DraftEdits, apply_edits, one_rep_action, table_edits, team_total_words
from analytics.periods import parse_period
from analytics.predictive import LogScaleHurdle, NegBinomialCount
from analytics.target_drafts import build_draft

PERIOD = parse_period("2026-Q1")


@pytest.fixture
def team() -> LogScaleHurdle:
    """Eight reps, one shape (sigma, df): Q_i(p) = exp(mu_i) * c(p), so an equal-chance split is proportional to
    exp(mu_i): a known answer."""
    rng = random.Random(13)
    mu = np.log([rng.uniform(50_000, 200_000) for _ in range(8)])
    return LogScaleHurdle(reps=np.array([f"rep{i}" for i in range(8)], dtype=object), mu=mu,
                          sigma=np.full(8, 0.35), df=np.full(8, 12.0), zero_share=np.zeros(8))


def _draft(d, g: float | None = 1_000_000.0):
    return build_draft(d, name="t", period=PERIOD, metric="revenue", tiers="35,70,90", team_target=g, n_draws=2_000)


@pytest.mark.parametrize("fixed_at", [[0], [0, 3], [1, 2, 5]])
def test_resplit_rest_is_the_equal_chance_split_of_the_rest_over_the_free_reps(team, fixed_at):
    g = 1_000_000.0
    fixed = np.full(8, np.nan)
    fixed[fixed_at] = [120_000.0, 90_000.0, 70_000.0][:len(fixed_at)]
    split = allocation.resplit_rest(team, g, fixed)
    free = ~np.isfinite(fixed)
    rest = g - np.nansum(fixed)
    scale = np.exp(team.mu[free])
    # proportional to e^mu, each share in whole units (largest remainder: within one unit)
    assert split.targets[free] == pytest.approx(rest * scale / scale.sum(), abs=1.0)
    assert (split.targets == np.round(split.targets)).all()
    assert split.targets[~free] == pytest.approx(fixed[~free])
    assert split.targets.sum() == g and split.rest == pytest.approx(rest)
    chances = team.p_attain(split.targets)[free]
    assert np.ptp(chances) < 1e-4 and chances[0] == pytest.approx(1 - split.p_star, abs=1e-4)   # (whole units)


def test_resplit_rest_of_counts_is_whole_numbers_and_nothing_left_splits_nothing():
    mean = np.array([8.0, 5.0, 12.0, 3.0])       # r / (r + mean) is scipy's q for a mean of ``mean``
    d = NegBinomialCount(reps=np.array(["a", "b", "c", "d"], dtype=object), r=np.full(4, 6.0), q=6.0 / (6.0 + mean))
    split = allocation.resplit_rest(d, 40.0, [10.0, np.nan, np.nan, np.nan])
    assert (split.targets % 1 == 0).all() and split.targets.sum() == 40 and split.targets[0] == 10
    none_left = allocation.resplit_rest(d, 40.0, [30.0, 15.0, np.nan, np.nan])
    assert not none_left.resplit and none_left.rest == -5 and none_left.targets[2:].tolist() == [0.0, 0.0]


def test_apply_edits_resplit_keeps_the_team_number_and_shortfall_keeps_the_difference(team):
    draft = _draft(team)
    reps = [str(r) for r in team.reps]
    edits = (DraftEdits().with_override(reps[0], "base", 150_000.0, "new territory")
             .with_override(reps[1], "base", 60_000.0, "leave").with_proposal(reps[2], "base", 90_000.0, True))
    resplit = apply_edits(draft, edits, team)
    base = resplit.draft.rows[resplit.draft.rows.tier == "base"].set_index("rep")
    assert base["target"].sum() == pytest.approx(1_000_000.0)
    assert resplit.team.resplit and resplit.team.difference == 0 and resplit.team.n_fixed == 3
    assert base.loc[reps[:3], "source"].tolist() == ["override", "override", "rep proposal"]
    assert base.loc[reps[2], "reason"] == "the rep's own proposal (buy-in)"
    assert resplit.draft.team_rest == "resplit" and resplit.draft.assumptions["team"]["team_rest"] == "resplit"

    kept = apply_edits(draft, edits.with_team_rest("shortfall"), team)
    model_base = draft.rows[draft.rows.tier == "base"].set_index("rep")["target"]
    expected = model_base.drop(index=reps[:3]).sum() + 150_000 + 60_000 + 90_000
    assert kept.team.base_total == pytest.approx(expected)
    assert kept.team.difference == pytest.approx(expected - 1_000_000.0)
    assert kept.draft.assumptions["team"]["difference"] == pytest.approx(expected - 1_000_000.0)
    kept_base = kept.draft.rows[kept.draft.rows.tier == "base"].set_index("rep")["target"]
    assert kept_base.drop(index=reps[:3]).to_numpy() == pytest.approx(model_base.drop(index=reps[:3]).to_numpy())


def test_apply_edits_chances_are_the_engines_and_bad_edits_are_refused(team):
    draft = _draft(team, g=None)
    reps = [str(r) for r in team.reps]
    p90 = {r: float(q) for r, q in zip(reps, team.quantile(0.9), strict=True)}
    summary = pd.DataFrame({"p90": p90})
    edits = (DraftEdits().with_override(reps[0], "stretch", 210_000.0, "big renewal")
             .with_override(reps[1], "base", 99_000.0, "  ")                       # no reason: refused
             .with_override(reps[2], "base", 50 * p90[reps[2]], "absurd")          # > 20x P90: refused
             .with_proposal(reps[3], "excellence", 123_456.0, False)
             .with_override("nobody", "base", 1.0, "unknown rep: ignored"))
    out = apply_edits(draft, edits, team, rep_rows=summary)
    rows = out.draft.rows.set_index(["rep", "tier"])
    assert rows.at[(reps[0], "stretch"), "target"] == 210_000.0
    assert rows.at[(reps[0], "stretch"), "p_attain"] == pytest.approx(targets.rep_chance(team, reps[0], 210_000.0))
    assert rows.at[(reps[3], "excellence"), "rep_proposal"] == 123_456.0
    assert rows.at[(reps[3], "excellence"), "source"] == "model"                   # recorded, not accepted
    assert set(out.problems) == {(reps[1], "base"), (reps[2], "base")}
    assert "needs a reason" in out.problems[(reps[1], "base")] and "absurdly large" in out.problems[(reps[2], "base")]
    assert out.team is None and out.draft.team_rest is None
    untouched = draft.rows.set_index(["rep", "tier"]).drop(index=[(reps[0], "stretch")])
    assert rows.drop(index=[(reps[0], "stretch")])["p_attain"].to_numpy() == pytest.approx(
        untouched["p_attain"].to_numpy())


@pytest.mark.parametrize("action, typed, reason, kind, starts", [
    ("override", "150,000", "new territory", "success", "Set Ana's base target to 150,000 (new territory)."),
    ("override", "150000", "", "error", "An override of Ana's base target needs a reason."),
    ("accept", "90000", "", "success", "Set Ana's base target to 90,000 (the rep's proposal, accepted as target)."),
    ("proposal", "95000", "", "success", "Recorded Ana's proposal of 95,000 for base, beside the target (unchanged)"),
    ("reset", "", "", "success", "Reset Ana's base target to the model's."),
    ("override", "-3", "why", "error", "Ana's base target refused: a target cannot be negative"),
])
def test_each_button_says_what_it_did(action, typed, reason, kind, starts):
    start = DraftEdits().with_override("Ana", "base", 1.0, "old").with_proposal("Ana", "base", 2.0, False)
    edits, said = one_rep_action(start, action, "Ana", "base", typed, reason)
    assert said.kind == kind and said.text.startswith(starts)
    if kind == "error":
        assert edits == start
    elif action == "accept":
        assert edits.proposals[("Ana", "base")] == (90000.0, True) and ("Ana", "base") not in edits.overrides
    elif action == "proposal":
        assert edits.proposals[("Ana", "base")] == (95000.0, False) and edits.overrides[("Ana", "base")] == (1.0, "old")
    elif action == "reset":
        assert edits.count == 0


def test_table_edits_fold_idempotently_and_refuse_text():
    reps = ["Ana", "Ben", "Cy"]
    model = np.array([100.0, 90.0, 80.0])
    cells = {0: {"Target": 120.0, "Reason": "renewal"}, 1: {"Rep proposal": "abc"}, 2: {"Target": 80.2}}
    once, problems = table_edits(DraftEdits(), "base", reps, model, cells)
    twice, _ = table_edits(once, "base", reps, model, cells)
    assert once == twice
    assert once.overrides == {("Ana", "base"): (120.0, "renewal")}        # Cy's 80.2 is the model's value
    assert list(problems) == [("Ben", "base")] and "'abc' refused" in problems[("Ben", "base")]
    cleared, _ = table_edits(once, "base", reps, model, {0: {"Target": None}})
    assert cleared.overrides == {}


@pytest.mark.parametrize("team_number", [None, 1_000_000.0])
@pytest.mark.parametrize("how", ["override", "accepted proposal"])
def test_a_base_set_by_hand_moves_the_reps_model_higher_tiers_to_their_chance_spacing_above_it(team, team_number, how):
    draft = _draft(team, g=team_number)
    reps = [str(r) for r in team.reps]
    i, typed_stretch = 4, 3
    base_at_p50 = float(team.quantile(0.50)[i])          # the rep's own P50: 50 + (70 - 35) = P85, 50 + 55 = P99 cap
    edits = DraftEdits().with_override(reps[typed_stretch], "base", float(team.quantile(0.5)[typed_stretch]), "why")
    edits = edits.with_override(reps[typed_stretch], "stretch", 1.0 + float(team.quantile(0.6)[typed_stretch]), "typed")
    edits = (edits.with_override(reps[i], "base", base_at_p50, "new territory") if how == "override"
             else edits.with_proposal(reps[i], "base", base_at_p50, True))
    rows = apply_edits(draft, edits, team).draft.rows.set_index(["rep", "tier"])
    assert rows.at[(reps[i], "stretch"), "target"] == pytest.approx(float(team.quantile(0.85)[i]), rel=1e-9)
    assert rows.at[(reps[i], "excellence"), "target"] == pytest.approx(float(team.quantile(0.99)[i]), rel=1e-9)
    assert rows.at[(reps[i], "stretch"), "source"] == "model"
    assert rows.at[(reps[i], "stretch"), "p_attain"] == pytest.approx(0.15, abs=1e-6)
    # a higher tier the manager typed stays as typed, above a base set by hand
    assert rows.at[(reps[typed_stretch], "stretch"), "target"] == 1.0 + float(team.quantile(0.6)[typed_stretch])


def test_a_base_set_below_the_models_keeps_higher_tiers_at_their_own_percentiles(team):
    draft = _draft(team, g=None)
    rep = str(team.reps[2])
    low = float(team.quantile(0.10)[2])
    rows = apply_edits(draft, DraftEdits().with_override(rep, "base", low, "ramping"), team).draft.rows
    stretch = rows[(rows.rep == rep) & (rows.tier == "stretch")]["target"].iloc[0]
    assert stretch == pytest.approx(float(team.quantile(0.70)[2]), rel=1e-9)


@pytest.mark.parametrize("g", [1_000_000.0, 3_333_333.0, 4_000_000.0, 5_000_000.0, 987_654.321])
def test_a_split_nobody_edited_is_the_team_number_not_a_dollar_short(team, g):
    """The split's shares add up to the team number but for float rounding: no "$0 short of the team number"
    (nor a red -$0 on the page) before anyone edited a target."""
    edited = apply_edits(_draft(team, g=g), DraftEdits(), team)
    assert edited.team is not None and edited.team.n_fixed == 0
    assert edited.team.difference == 0
    said = team_total_words(edited.team)
    assert said.kind == "info" and "= the team number" in said.text


@pytest.mark.parametrize("n_reps, team_number", [(1, 900_000.0), (4, 900_000.0), (8, 1_000_000.0), (8, 3_333_333.33)])
def test_an_unedited_equal_chance_split_says_it_is_the_team_number(n_reps, team_number):
    """The split's base targets add up to the team number up to floating point: no edit, so no 'short of' or
    'above' (a residual of 1e-7 was once said as '$0 short ... the edited reps alone reach it')."""
    rng = random.Random(n_reps)
    mu = np.log([rng.uniform(50_000, 200_000) for _ in range(n_reps)])
    d = LogScaleHurdle(reps=np.array([f"rep{i}" for i in range(n_reps)], dtype=object), mu=mu,
                       sigma=np.array([rng.uniform(0.2, 0.8) for _ in range(n_reps)]), df=np.full(n_reps, 12.0),
                       zero_share=np.zeros(n_reps))
    out = apply_edits(_draft(d, g=team_number), DraftEdits(), d)
    assert out.team is not None and out.team.difference == 0.0
    said = team_total_words(out.team)
    assert said.kind == "info" and "= the team number" in said.text
