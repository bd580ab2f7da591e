"""The tiers above a team split (analytics/allocation.spaced_higher_tiers, build_draft, apply_edits): the
higher tiers keep their spacing in chance above a split base; the team box's rep chance is the chance of
the reps the table shows; the team verdict writes money in the data's currency (issue #13's meeting)."""

from __future__ import annotations

import random

import numpy as np
import pytest

from analytics.allocation import equal_chance_split, spaced_higher_tiers
from analytics.draft_edits import DraftEdits, apply_edits, rep_chance_box_words
from analytics.periods import parse_period
from analytics.predictive import LogScaleHurdle, NegBinomialCount
from analytics.target_drafts import build_draft

PERIOD = parse_period("2026-Q2")
TIERS = {"base": 40.0, "stretch": 70.0, "excellence": 90.0}


@pytest.fixture
def team() -> LogScaleHurdle:
    """Ten reps of different levels and spreads (seeded)."""
    rng = random.Random(1313)
    mu = np.log([rng.uniform(30_000, 150_000) for _ in range(10)])
    return LogScaleHurdle(reps=np.array([f"Rep {chr(65 + i)}" for i in range(10)], dtype=object), mu=mu,
                          sigma=np.array([rng.uniform(0.1, 0.6) for _ in range(10)]), df=np.full(10, 12.0),
                          zero_share=np.zeros(10))


def _percentile(d, targets: np.ndarray) -> np.ndarray:
    return 100 * (1 - d.p_attain(targets))


@pytest.mark.parametrize("split_at", [0.40, 0.60, 0.75, 0.95])
def test_higher_tiers_stay_as_far_above_the_split_base_in_chance_as_the_tiers_are_apart(team, split_at):
    base = team.quantile(split_at)
    spaced = spaced_higher_tiers(team, base, TIERS)
    gaps = {t: TIERS[t] - TIERS["base"] for t in ("stretch", "excellence")}
    # both gaps past P99 (a split at P75 or higher): shrunk alike into the room left below P99
    shrink = (99.0 - 100 * split_at) / max(gaps.values()) if 100 * split_at + min(gaps.values()) > 99 else 1.0
    for tier in ("stretch", "excellence"):
        want = min(max(TIERS[tier], 100 * split_at + shrink * gaps[tier]), 99.0)
        assert _percentile(team, spaced[tier]) == pytest.approx(np.full(10, want), abs=1.0)   # whole percents
        assert np.all(spaced[tier] >= base)
    assert np.all(spaced["excellence"] > spaced["stretch"])      # apart, not both at P99


def test_spaced_count_tiers_are_whole_numbers_not_below_base():
    mean = np.array([8.0, 5.0, 12.0, 3.0])
    d = NegBinomialCount(reps=np.array(["a", "b", "c", "d"], dtype=object), r=np.full(4, 6.0), q=6.0 / (6.0 + mean))
    base = np.array([10.0, 6.0, 14.0, 4.0])
    spaced = spaced_higher_tiers(d, base, TIERS)
    assert all((v % 1 == 0).all() and (v >= base).all() for v in spaced.values())


def test_a_split_that_raises_base_raises_stretch_and_says_so(team):
    g = float(team.quantile(0.62).sum())     # a team number near everyone's P62: base lands near stretch
    draft = build_draft(team, name="t", period=PERIOD, metric="revenue", tiers=TIERS, team_target=g, n_draws=2_000)
    rows = draft.rows.set_index(["rep", "tier"])
    p_star = equal_chance_split(team, g).p_star
    reps = list(team.reps)
    base = rows.loc[[(r, "base") for r in reps], "target"].to_numpy()
    stretch = rows.loc[[(r, "stretch") for r in reps], "target"].to_numpy()
    # (each share in whole units: its percentile within a thousandth of a point of p*)
    assert _percentile(team, base) == pytest.approx(np.full(10, 100 * p_star), abs=1e-3)
    assert np.all(_percentile(team, stretch) >= min(100 * p_star + 30, 99) - 1e-6)   # P70 - P40: 30 points above
    assert rows.loc[[(r, "stretch") for r in reps], "p_attain"].to_numpy() == pytest.approx(team.p_attain(stretch))
    assert any("raised to stay as far above the split base" in w for w in draft.assumptions["warnings"])


def test_a_resplit_moves_the_free_reps_higher_tiers_with_their_base(team):
    g = float(team.quantile(0.50).sum())
    draft = build_draft(team, name="t", period=PERIOD, metric="revenue", tiers=TIERS, team_target=g, n_draws=2_000)
    reps = [str(r) for r in team.reps]
    low = float(team.quantile(0.05)[0])          # Rep A far below: the others carry the rest, base rises
    edited = apply_edits(draft, DraftEdits().with_override(reps[0], "base", low, "on leave"), team)
    rows = edited.draft.rows.set_index(["rep", "tier"])
    free = reps[1:]
    base = rows.loc[[(r, "base") for r in reps], "target"].to_numpy()
    stretch = rows.loc[[(r, "stretch") for r in reps], "target"].to_numpy()
    base_pct = _percentile(team, base)[1:]
    # one chance for the re-split reps (but for their whole-unit rounding), above before
    assert np.ptp(base_pct) < 1e-2 and base_pct[0] > 50
    assert np.all(_percentile(team, stretch)[1:] >= np.minimum(base_pct + 30, 99) - 1e-6)
    box = rep_chance_box_words(equal_chance_split(team, g).p_star, edited.team)
    assert box.label == "Chance of each re-split rep"
    assert box.chance == pytest.approx(rows.loc[(free[0], "base"), "p_attain"])     # what the table shows
    assert rep_chance_box_words(0.5, None).label == "Each rep's chance (equal split)"


@pytest.mark.parametrize("code, symbol", [("EUR", "€"), ("GBP", "£"), (None, "$")])
def test_the_team_verdict_writes_money_in_the_datas_currency(team, code, symbol):
    draft = build_draft(team, name="t", period=PERIOD, metric="revenue", tiers=TIERS, team_target=900_000.0,
                        n_draws=2_000, currency_code=code)
    verdict = next(w for w in draft.assumptions["warnings"] if w.startswith(("The team number", "Beyond reach")))
    assert f"{symbol}900k" in verdict and "900,000" not in verdict
    assert draft.assumptions.get("currency") == code
