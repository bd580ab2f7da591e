"""The open pipeline as evidence (analytics/open_pipeline.py, analytics/open_pipeline_data.py): known
answers of the pipeline law, deals as they stood on a past day (no peeking), and sharper replayed
chances on the seeded company."""

from __future__ import annotations

import random
from datetime import date

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from analytics import store
from analytics.open_pipeline import (
    PipelineRemainder,
    deal_win_chances,
    outcome_matrix,
    pipeline_outcomes,
    pipeline_share,
    remainder_with_pipeline,
    search_rows,
)
from analytics.open_pipeline_data import (
    comparable_points,
    has_pipeline,
    open_deal_history,
    open_deals_at,
    pipeline_evidence,
)
from analytics.pace_chance import TeamEffect
from analytics.periods import parse_period
from analytics.predictive import LogScaleHurdle

Q1 = parse_period("2026-Q1")


def _nothing_new(n: int) -> LogScaleHurdle:
    """A law of what deals not yet open add that is always 0 (zero share 1)."""
    return LogScaleHurdle(reps=np.array([f"r{i}" for i in range(n)], dtype=object), mu=np.zeros(n),
                          sigma=np.ones(n), df=np.full(n, 30.0), zero_share=np.ones(n))


def _normal_new(median: float, sigma: float) -> LogScaleHurdle:
    return LogScaleHurdle(reps=np.array(["r0"], dtype=object), mu=np.log([median]), sigma=np.array([sigma]),
                          df=np.array([1e6]), zero_share=np.zeros(1))


# ----------------------------------------------------------------------------- the law's known answers
def test_two_deals_at_even_chances_give_the_exact_distribution():
    values, weights = pipeline_outcomes([100.0, 100.0], [0.5, 0.5])
    law = pd.Series(weights).groupby(values).sum()
    assert law[law > 0].to_dict() == {0.0: 0.25, 100.0: 0.5, 200.0: 0.25}


@pytest.mark.parametrize(("target", "chance"), [(0.0, 1.0), (50.0, 0.75), (100.0, 0.75), (150.0, 0.25),
                                                (200.0, 0.25), (201.0, 0.0)])
def test_chance_of_two_deals_and_nothing_new(target, chance):
    v, w = outcome_matrix([np.array([100.0, 100.0])], [np.array([0.5, 0.5])])
    rest = PipelineRemainder(_nothing_new(1), v, w)
    assert rest.p_attain([target])[0] == pytest.approx(chance)


def test_chance_with_new_deals_is_the_mixture_of_their_tails():
    # One deal of 60 at 0.3, deals not yet open lognormal(median 40, sigma 0.5): P(V + N >= 90).
    v, w = outcome_matrix([np.array([60.0])], [np.array([0.3])])
    rest = PipelineRemainder(_normal_new(40.0, 0.5), v, w)
    tail = lambda x: stats.norm.sf((np.log(x) - np.log(40.0)) / 0.5)  # noqa: E731
    assert rest.p_attain([90.0])[0] == pytest.approx(0.3 * tail(30.0) + 0.7 * tail(90.0), rel=1e-6)
    assert rest.cdf(np.array([90.0]))[0] == pytest.approx(1 - (0.3 * tail(30.0) + 0.7 * tail(90.0)), rel=1e-6)


def test_many_deals_are_drawn_with_the_right_mean_and_spread():
    rng = random.Random(5)
    amounts = np.array([rng.uniform(10, 200) for _ in range(30)])
    chances = np.array([rng.uniform(0.05, 0.9) for _ in range(30)])
    values, weights = pipeline_outcomes(amounts, chances, n_outcomes=4096, rng=np.random.default_rng(3))
    assert weights.sum() == pytest.approx(1.0)
    mean, var = float(amounts @ chances), float(amounts ** 2 @ (chances * (1 - chances)))
    assert float(values @ weights) == pytest.approx(mean, abs=4 * np.sqrt(var / 4096))
    assert float(np.var(values)) == pytest.approx(var, rel=0.1)


def test_draws_follow_the_outcome_weights():
    v, w = outcome_matrix([np.array([100.0, 100.0]), np.array([10.0])], [np.array([0.5, 0.5]), np.array([0.2])])
    draws = PipelineRemainder(_nothing_new(2), v, w).sample(20000, np.random.default_rng(1))
    assert np.mean(draws[:, 0] == 200.0) == pytest.approx(0.25, abs=0.015)
    assert np.mean(draws[:, 0] == 100.0) == pytest.approx(0.5, abs=0.015)
    assert np.mean(draws[:, 1] == 10.0) == pytest.approx(0.2, abs=0.015)


def test_new_deals_get_the_share_not_opened_yet():
    # Half the period left and f = 0.8: what is not yet open is a tenth of the period's law.
    law = _normal_new(100.0, 0.3)
    rest = remainder_with_pipeline(law, [0.5], TeamEffect.none(), [np.zeros(0)], [np.zeros(0)], 0.8)
    assert isinstance(rest.new, LogScaleHurdle)
    assert float(np.exp(rest.new.mu[0])) == pytest.approx(10.0)


@pytest.mark.parametrize(("history", "expect"), [
    # Equal ages and sizes: the rep's rate shrunk toward the team's by k = 1 / tau^2 expected wins
    # (analytics/rep_win_ratio.py): tau^2 = ((15 - 10)^2 - 5 + (5 - 10)^2 - 5) / (10^2 + 10^2) = 0.2, k = 5.
    ({"rep": ["a"] * 20 + ["b"] * 20, "won_in": [1] * 15 + [0] * 5 + [1] * 5 + [0] * 15},
     {"a": 0.5 * (15 + 5) / (10 + 5), "b": 0.5 * (5 + 5) / (10 + 5), "new": 0.5}),
    # Reps no further apart than their noise: shrunk by at most 10 expected wins.
    ({"rep": ["a"] * 20 + ["b"] * 20, "won_in": [1] * 11 + [0] * 9 + [1] * 9 + [0] * 11},
     {"a": 0.5 * (11 + 10) / (10 + 10), "b": 0.5 * (9 + 10) / (10 + 10), "new": 0.5}),
])
def test_win_chances_shrink_the_rep_to_the_team(history, expect):
    frame = pd.DataFrame(history).assign(age=10, amount=100.0)
    now = pd.DataFrame({"rep": list(expect), "age": 10, "amount": 100.0})
    np.testing.assert_allclose(deal_win_chances(frame, now), list(expect.values()), rtol=1e-9)


def test_older_and_smaller_deals_win_more_often_when_history_says_so():
    rng = np.random.default_rng(2)
    n = 20000
    age, amount = rng.integers(0, 200, n), rng.choice([1e3, 5e3, 2e4, 8e4], n)
    p = 0.1 + 0.3 * (age > 60) + 0.2 * (amount < 4e3)
    hist = pd.DataFrame({"rep": "a", "age": age, "amount": amount, "won_in": (rng.random(n) < p).astype(int)})
    got = deal_win_chances(hist, pd.DataFrame({"rep": "a", "age": [10, 100, 100], "amount": [8e4, 8e4, 1e3]}))
    np.testing.assert_allclose(got, [0.1, 0.4, 0.6], atol=0.03)   # cells of ~1,500 deals: s.e. ~0.013


def test_pipeline_share_pools_amounts():
    assert pipeline_share(pd.DataFrame({"from_open": [], "from_new": []})) != pipeline_share(
        pd.DataFrame({"from_open": [1.0], "from_new": [1.0]}))
    assert pipeline_share(pd.DataFrame({"from_open": [30.0, 60.0], "from_new": [10.0, 0.0]})) == 0.9


# ----------------------------------------------------------------------------- deals as they stood
@pytest.fixture()
def deals_db():
    conn = store.connect(":memory:")
    rows = [  # deal, rep, close, created, amount, outcome
        ("closed_after", "ana", "2026-03-10", "2026-01-20", 100, "won"),     # open on Feb 14: counts
        ("lost_after", "ana", "2026-02-20", "2026-02-01", 40, "lost"),       # open on Feb 14 (lost later)
        ("created_after", "ana", "2026-03-01", "2026-02-20", 500, "won"),    # not yet created: absent
        ("closed_before", "ana", "2026-02-10", "2026-01-05", 70, "won"),     # already booked: absent
        ("still_open", "ben", None, "2026-02-14", 30, "open"),               # open today, created that day
        ("no_created", "ben", "2026-03-02", None, 80, "won"),                # no created date: unplaceable
        ("past_won", "ana", "2025-12-20", "2025-11-01", 90, "won"),          # history of 2025-Q4
        ("past_lost", "ana", "2025-12-22", "2025-11-02", 90, "lost"),
    ]
    conn.executemany("INSERT INTO deals (deal_id, rep, close_date, created_date, amount, outcome, import_id) "
                     "VALUES (?, ?, ?, ?, ?, ?, 1)", rows)
    yield conn
    conn.close()


def test_open_on_a_day_is_created_by_then_and_not_closed_by_then(deals_db):
    got = open_deals_at(deals_db, "revenue", date(2026, 2, 14))
    assert sorted(zip(got["rep"], got["amount"], got["age"], strict=True)) == [("ana", 40.0, 13), ("ana", 100.0, 25),
                                                                              ("ben", 30.0, 0)]
    assert open_deals_at(deals_db, "deals", date(2026, 2, 14))["amount"].tolist() == [1.0, 1.0, 1.0]


def test_history_labels_only_periods_that_ended_before(deals_db):
    points = comparable_points(Q1, date(2026, 2, 14), 1)
    assert points == [(date(2025, 11, 14), date(2025, 12, 31))] and points[-1][1] < Q1.start
    hist = open_deal_history(deals_db, "revenue", points)
    assert sorted(hist["won_in"].tolist()) == [0, 1]


def test_the_evidence_does_not_read_what_happened_after_the_day(deals_db):
    day = date(2026, 2, 14)
    before = pipeline_evidence(deals_db, "revenue", Q1, day, ["ana", "ben"])
    # Rewrite the future: every deal closing after the day flips its outcome, one more is created later.
    deals_db.execute("UPDATE deals SET outcome = CASE outcome WHEN 'won' THEN 'lost' ELSE 'won' END "
                     "WHERE close_date > $day", {"day": day})
    deals_db.execute("INSERT INTO deals (deal_id, rep, close_date, created_date, amount, outcome, import_id) "
                     "VALUES ('later', 'ben', '2026-03-20', '2026-03-01', 999, 'won', 1)")
    after = pipeline_evidence(deals_db, "revenue", Q1, day, ["ana", "ben"])
    assert before is not None and after is not None
    assert [v.tolist() for v in before.values] == [v.tolist() for v in after.values] == [[100.0, 40.0], [30.0]]
    assert [p.tolist() for p in before.chances] == [p.tolist() for p in after.chances]
    assert before.share_from_open == after.share_from_open


@pytest.mark.parametrize(("metric", "day", "has"), [("revenue", date(2026, 2, 14), True),
                                                     ("calls", date(2026, 2, 14), False),
                                                     ("win_rate", date(2026, 2, 14), False),
                                                     ("revenue", date(2026, 3, 31), False),
                                                     ("revenue", date(2025, 12, 31), False)])
def test_evidence_only_for_won_deal_metrics_inside_the_period(deals_db, metric, day, has):
    assert (pipeline_evidence(deals_db, metric, Q1, day, ["ana"]) is not None) is has


def test_won_deals_alone_have_no_pipeline(deals_db):
    from analytics.coverage import data_coverage

    assert has_pipeline(data_coverage(deals_db))
    deals_db.execute("DELETE FROM deals WHERE outcome <> 'won'")
    assert not has_pipeline(data_coverage(deals_db))
    assert pipeline_evidence(deals_db, "revenue", Q1, date(2026, 2, 14), ["ana"]) is None


@pytest.mark.parametrize(("n_reps", "per_rep"), [(3, 1024), (4096, 512), (40000, 128)])
def test_a_large_team_gets_fewer_outcomes_per_rep(n_reps, per_rep):
    v, w = outcome_matrix([np.array([1.0])] * n_reps, [np.array([0.5])] * n_reps)
    assert v.shape == w.shape == (n_reps, per_rep)
    np.testing.assert_allclose(w.sum(axis=1), 1.0)


# ----------------------------------------------------------------------------- the draws, drawn fast
def _one_search_picks(weights: np.ndarray, u: np.ndarray) -> np.ndarray:
    """The outcome each uniform picks, as one sorted search over every rep (the former way)."""
    n_reps, k = weights.shape
    cum = np.cumsum(weights, axis=1)
    cum = cum / np.where(cum[:, -1:] > 0, cum[:, -1:], 1.0)
    offsets = np.arange(n_reps, dtype=float)
    flat = (cum + offsets[:, None]).ravel()
    pick = np.searchsorted(flat, (u + offsets[None, :]).ravel(), side="right").reshape(u.shape)
    return np.clip(pick - (offsets * k).astype(int), 0, k - 1)


@pytest.mark.parametrize(("n_reps", "seed"), [(1, 1), (7, 2), (300, 3)])
def test_draws_pick_the_outcomes_one_sorted_search_would(n_reps, seed):
    """Rep by rep searches pick exactly what one search over all reps picks (large rep offsets included)."""
    rnd = random.Random(seed)
    amounts = [np.array([rnd.uniform(1, 500) for _ in range(rnd.randint(0, 14))]) for _ in range(n_reps)]
    chances = [np.array([rnd.uniform(0, 1) for _ in a]) for a in amounts]
    v, w = outcome_matrix(amounts, chances, n_outcomes=64, seed=seed)
    rest = PipelineRemainder(_nothing_new(n_reps), v, w)
    draws = rest.sample(500, np.random.default_rng(seed))
    replay = np.random.default_rng(seed)
    new = rest.new.sample(500, replay)          # then the uniforms, from where sample() takes them
    picks = _one_search_picks(w, replay.random((500, n_reps)))
    assert np.array_equal(draws, new + v[np.arange(n_reps)[None, :], picks])


def test_quantiles_read_one_set_of_seeded_draws():
    """Every quantile reads the remainder's seeded draws, drawn once: the same numbers as drawing anew."""
    v, w = outcome_matrix([np.array([100.0, 50.0]), np.array([30.0])], [np.array([0.5, 0.2]), np.array([0.9])])
    new = LogScaleHurdle(reps=np.array(["r0", "r1"], dtype=object), mu=np.log([40.0, 20.0]),
                         sigma=np.array([0.5, 0.3]), df=np.array([1e6, 1e6]), zero_share=np.zeros(2))
    rest = PipelineRemainder(new, v, w, seed=5, n_draws=3000)
    fresh = rest.sample(3000, np.random.default_rng(5))
    assert np.array_equal(rest.seeded_draws(), fresh)
    assert rest.seeded_draws() is rest.seeded_draws()
    assert np.array_equal(rest.quantile(0.5), np.quantile(fresh, 0.5, axis=0))
    assert np.array_equal(rest.quantile([0.1, 0.9]), np.quantile(fresh, [0.1, 0.9], axis=0).T)


@pytest.mark.parametrize("k", [1, 2, 128, 1024])
def test_search_rows_is_numpys_search_row_by_row(k):
    """The arithmetic search of evenly weighted rows gives numpy's picks, and so does every other row."""
    rng = np.random.default_rng(k)
    n_reps, n_draws = 300, 500
    weights = np.full((n_reps, k), 1.0 / k)
    uneven = rng.random(n_reps) < 0.3
    weights[uneven] = rng.dirichlet(np.ones(k), size=int(uneven.sum()))
    weights[uneven, k // 2:] = 0.0                         # padded, as the exact outcomes are
    cum = np.cumsum(weights, axis=1)
    cum = cum / np.where(cum[:, -1:] > 0, cum[:, -1:], 1.0)
    offsets = np.arange(n_reps, dtype=float)
    rows = cum + offsets[:, None]
    keys = rng.random((n_reps, n_draws)) + offsets[:, None]
    keys[:, :k] = rows[:, :min(k, n_draws)]                # keys on the row values themselves
    keys[:, -1] = np.nextafter(rows[:, 0], -np.inf)
    keys[0, 0] = np.nan
    expected = np.stack([np.searchsorted(rows[i], keys[i], side="right") for i in range(n_reps)])
    even = np.all(weights == weights[:, :1], axis=1)
    assert np.array_equal(search_rows(rows, keys, even), expected)
