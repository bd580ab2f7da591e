"""The open pipeline as evidence: the rest of a period as open deals that may win plus deals not yet open.

Mid-period, most of what a rep still books comes from deals already open (on the bundled sample,
about 85% of the second half's won revenue by amount): their number and amounts are known, so the
rest of the period is far less uncertain than the period's law scaled to what is left.

Maths
-----
By day t of the period a rep has booked A and has open deals j = 1..n with amounts a_j (for a count
of won deals, a_j = 1). The rest of the period is

    R = V + N,   V = sum_j B_j a_j,   B_j ~ Bernoulli(p_j) independent,

* p_j: the chance an open deal is won before the period ends, estimated on past periods at the same
  point (:func:`deal_win_chances`: by the deal's age, times the rep's own rate shrunk to the team's);
* N: what deals not yet open at t add, the remainder law without the pipeline
  (:func:`analytics.pace_chance.remaining_law`) scaled to the share of the remainder that historically
  came from deals opened after the point, 1 - f (:func:`pipeline_share`).

The chance of reaching T is P(A + V + N >= T) = sum_k w_k P(N >= T - A - v_k) over V's outcomes v_k
with weights w_k (:func:`pipeline_outcomes`: every subset of the deals when there are at most
``MAX_EXACT`` of them, else seeded draws), N's tail computed exactly for each.

Example
-------
Two open deals of 100, each won with chance 1/2, and nothing else to come: V is 0, 100 or 200 with
chances 1/4, 1/2, 1/4.

>>> values, weights = pipeline_outcomes([100.0, 100.0], [0.5, 0.5], n_outcomes=4)
>>> sorted(zip(values.tolist(), weights.tolist()))
[(0.0, 0.25), (100.0, 0.25), (100.0, 0.25), (200.0, 0.25)]
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt
import pandas as pd

from analytics.pace_chance import TeamEffect, remaining_law
from analytics.predictive import ArrayLike, LogScaleHurdle, NegBinomialCount, PredictiveDistribution
from analytics.rep_win_ratio import rep_evidence, rep_ratios, sum_evidence

MAX_EXACT = 10          # up to 2**10 outcomes enumerated exactly; more deals are drawn
N_OUTCOMES = 2 ** MAX_EXACT
AGE_EDGES = (14, 30, 60, 120)   # open deals' age bands in days: <= 14, 15-30, 31-60, 61-120, older
BAND_PRIOR_DEALS = 5.0  # an age band's rate is shrunk to the team's overall rate by this many deals
MAX_CHANCE = 0.95
SLOT_PRIOR_WINS = 10.0  # the same period of past years' ratio is shrunk to 1 by this many expected wins
MAX_CELLS = 2 ** 21     # outcomes over all reps at most (a large team gets fewer per rep)
SEARCH_BLOCK_ROWS = 8   # reps' draws searched at once (8 x 4,000 draws: 256 KB an array, in cache)
MIX_BLOCK = 2 ** 17     # outcome cells a chance asks its law about at once (1 MB an array, in cache)


# ----------------------------------------------------------------------------- the deals' outcomes
def pipeline_outcomes(amounts: npt.ArrayLike, chances: npt.ArrayLike, *, n_outcomes: int = N_OUTCOMES,
                      rng: np.random.Generator | None = None) -> tuple[np.ndarray, np.ndarray]:
    """V = sum_j B_j a_j as ``n_outcomes`` values and weights: every subset of the deals (exact)
    when 2**n fits, else equally weighted seeded draws; padded with zero-weight outcomes.

    >>> v, w = pipeline_outcomes([50.0], [0.2], n_outcomes=4)
    >>> v.tolist(), w.tolist()
    ([0.0, 50.0, 0.0, 0.0], [0.8, 0.2, 0.0, 0.0])
    """
    a = np.asarray(amounts, dtype=float).ravel()
    p = np.clip(np.asarray(chances, dtype=float).ravel(), 0.0, 1.0)
    values, weights = np.zeros(n_outcomes), np.zeros(n_outcomes)
    if a.size == 0:
        weights[0] = 1.0
        return values, weights
    if 2 ** a.size <= n_outcomes:
        wins, won = _subsets(a.size)
        values[:wins.shape[0]] = wins @ a
        weights[:wins.shape[0]] = np.prod(np.where(won, p, 1.0 - p), axis=1)
        return values, weights
    rng = rng or np.random.default_rng(0)
    values[:] = (rng.random((n_outcomes, a.size)) < p) @ a
    weights[:] = 1.0 / n_outcomes
    return values, weights


@functools.cache
def _subsets(n_deals: int) -> tuple[np.ndarray, np.ndarray]:
    """Every subset of ``n_deals`` deals as rows of 0/1 (deal j won in row k when bit j of k is set), and the
    same as booleans: made once per number of deals (a thousand reps' pipelines ask for a dozen sizes)."""
    wins = (np.arange(2 ** n_deals)[:, None] >> np.arange(n_deals)[None, :]) & 1
    wins.flags.writeable = False
    won = wins == 1
    won.flags.writeable = False
    return wins, won


def outcome_matrix(amounts: list[np.ndarray], chances: list[np.ndarray], *, n_outcomes: int | None = None,
                   seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """:func:`pipeline_outcomes` for every rep: values and weights, shape (n_reps, n_outcomes).

    By default ``N_OUTCOMES`` per rep, fewer for a large team (at most ``MAX_CELLS`` in all, at least
    128 a rep) so a chance over 10,000 reps stays a few hundred megabytes of arithmetic at most."""
    if n_outcomes is None:
        n_outcomes = int(min(N_OUTCOMES, max(128, MAX_CELLS // max(len(amounts), 1))))
    rng = np.random.default_rng(seed)
    pairs = [pipeline_outcomes(a, p, n_outcomes=n_outcomes, rng=rng) for a, p in zip(amounts, chances, strict=True)]
    if not pairs:
        return np.zeros((0, n_outcomes)), np.zeros((0, n_outcomes))
    return np.stack([v for v, _ in pairs]), np.stack([w for _, w in pairs])


def _taken(law: PredictiveDistribution, rows: np.ndarray) -> PredictiveDistribution | None:
    """The law of the reps at positions ``rows`` (a rep repeated as often as it appears: one vectorised call
    for the outcomes asked), or None for a law not taken apart so."""
    if isinstance(law, LogScaleHurdle):
        return LogScaleHurdle(reps=law.reps[rows], mu=law.mu[rows], sigma=law.sigma[rows],
                              df=np.broadcast_to(np.asarray(law.df), law.mu.shape)[rows],
                              zero_share=law.zero_share[rows], residuals=law.residuals, shared_sigma=law.shared_sigma)
    if isinstance(law, NegBinomialCount):
        return NegBinomialCount(reps=law.reps[rows], r=law.r[rows], q=law.q[rows], shared_sigma=law.shared_sigma)
    return None


# ----------------------------------------------------------------------------- the remainder's law
@dataclass(frozen=True)
class PipelineRemainder:
    """R = V + N: open deals that may win (``values``/``weights`` per rep, :func:`outcome_matrix`) plus
    ``new``, the law of what deals not yet open add. A :class:`analytics.predictive.PredictiveDistribution`:
    tails are exact over V's outcomes, quantiles read from ``n_draws`` seeded draws."""

    new: PredictiveDistribution
    values: np.ndarray
    weights: np.ndarray
    seed: int = 0
    n_draws: int = 4000
    family: str = field(default="open pipeline + new deals", init=False)

    @property
    def reps(self) -> np.ndarray:
        return np.asarray(self.new.reps)

    def _mix(self, fn_name: str, y: np.ndarray) -> np.ndarray:
        """sum_k w_k * new.<fn>(y - v_k) per rep.

        The law is asked only where its answer counts: an outcome of weight 0 (the padding after a rep's
        exact outcomes) adds 0 whatever it says, and the chance of a target at or below 0 is 1 for every law
        (``p_attain``'s own rule). The sum runs over the same (n_reps, k) cells in the same order, so the
        result is the one of asking every cell, bit for bit (a fifth of the cells at 1,000 reps is padding)."""
        k = self.values.shape[1]
        shifted = y[:, None] - self.values
        asked = self.weights != 0
        reached = (shifted <= 0) if fn_name == "p_attain" else np.zeros(shifted.shape, dtype=bool)
        asked &= ~reached
        rows, cols = np.nonzero(asked)
        if _taken(self.new, rows[:0]) is not None:       # (a law taken apart by reps: asked per cell)
            inner = np.where(reached, 1.0, 0.0)
            # in blocks of cells: each block's law and temporaries stay in the processor's cache (the same value
            # per cell: half the time for the 660,000 cells of a high tier at 1,000 reps)
            for start in range(0, rows.size, MIX_BLOCK):
                r, c = rows[start:start + MIX_BLOCK], cols[start:start + MIX_BLOCK]
                law = _taken(self.new, r)
                inner[r, c] = np.asarray(getattr(law, fn_name)(shifted[r, c]), dtype=float)
        else:
            inner = np.stack([np.asarray(getattr(self.new, fn_name)(shifted[:, j]), dtype=float)
                              for j in range(k)], axis=1)
        return np.asarray(np.sum(self.weights * inner, axis=1))

    def p_attain(self, targets: ArrayLike) -> np.ndarray:
        t = np.broadcast_to(np.asarray(targets, dtype=float), self.reps.shape).astype(float)
        return np.clip(np.where(t <= 0, 1.0, self._mix("p_attain", t)), 0.0, 1.0)

    def cdf(self, y: np.ndarray) -> np.ndarray:
        yy = np.broadcast_to(np.asarray(y, dtype=float), self.reps.shape).astype(float)
        return np.clip(self._mix("cdf", yy), 0.0, 1.0)

    def sample(self, n_draws: int, rng: np.random.Generator) -> np.ndarray:
        """Joint draws (n_draws, n_reps): N's with its shared shock, V's by each rep's weights."""
        # (the law's draws are a fresh array: cleaned, then added to, in place)
        new = np.nan_to_num(np.asarray(self.new.sample(n_draws, rng), dtype=float), copy=False, nan=0.0, posinf=0.0)
        n_reps, k = self.values.shape
        cum = np.cumsum(self.weights, axis=1)
        cum = cum / np.where(cum[:, -1:] > 0, cum[:, -1:], 1.0)
        # Rep i's cumulative weights and uniforms shifted into [i, i + 1] (the values of one sorted search
        # over every rep, as before), searched rep by rep (:func:`search_rows`): the same picks, without a
        # search of n_draws x n_reps keys over n_reps x k values (seconds at 1,000 reps).
        offsets = np.arange(n_reps, dtype=float)
        shifted = cum + offsets[:, None]
        u_by_rep = np.ascontiguousarray(rng.random((n_draws, n_reps)).T) + offsets[:, None]
        pick = search_rows(shifted, u_by_rep, even=np.all(self.weights == self.weights[:, :1], axis=1))
        np.clip(pick, 0, k - 1, out=pick)
        new += np.take_along_axis(self.values, pick, axis=1).T
        return new

    def seeded_draws(self) -> np.ndarray:
        """``n_draws`` joint draws from ``seed``, drawn once per remainder (every quantile reads them)."""
        found = self.__dict__.get("_seeded_draws")
        if found is None:
            found = self.sample(self.n_draws, np.random.default_rng(self.seed))
            object.__setattr__(self, "_seeded_draws", found)   # (a cache, not a field: frozen otherwise)
        return np.asarray(found)

    def quantile(self, p: ArrayLike) -> np.ndarray:
        levels = np.atleast_1d(np.asarray(p, dtype=float))
        # each rep's draws as one contiguous row: the same order statistics, partitioned 3x faster
        out = np.quantile(np.ascontiguousarray(self.seeded_draws().T), levels, axis=1).T
        return out[:, 0] if np.ndim(p) == 0 else out


def search_rows(rows: np.ndarray, keys: np.ndarray, even: np.ndarray) -> np.ndarray:
    """``np.searchsorted(rows[i], keys[i], side="right")`` for every row i, equal to it.

    A row of ``even`` steps (a rep's cumulative weights of equally weighted outcomes, ending one above
    where it starts: drawn pipelines) holds about start + j / k, so the count at or below a key is found
    by arithmetic, corrected by one step where rounding put it off, and checked; the other rows, and an
    even row the check refuses, are searched by numpy row by row (each row and its keys contiguous: a
    search down a column was 5x slower).

    >>> rows = np.array([[0.25, 0.5, 0.75, 1.0], [1.1, 1.2, 2.0, 2.0]])
    >>> keys = np.array([[0.0, 0.5, 0.74, 0.99], [1.0, 1.2, 1.5, 1.99]])
    >>> search_rows(rows, keys, even=np.array([True, False])).tolist()
    [[0, 2, 2, 3], [0, 2, 2, 2]]
    """
    n_rows, k = rows.shape
    out = np.empty(keys.shape, dtype=np.intp)
    by_numpy = ~np.asarray(even, dtype=bool)
    even_rows = np.flatnonzero(~by_numpy)
    if even_rows.size and k > 1:
        # in blocks of rows: each block's arrays stay in the processor's cache (a thousand reps' draws at once
        # went to memory and back a dozen times: 2.5x slower at 1,000 reps)
        for block in np.array_split(even_rows, -(-even_rows.size // SEARCH_BLOCK_ROWS)):
            guess, exact = _search_even(rows[block], keys[block])
            out[block] = guess
            by_numpy[block[~exact]] = True
    elif even_rows.size:
        by_numpy[even_rows] = True
    for i in np.flatnonzero(by_numpy):
        out[i] = np.searchsorted(rows[i], keys[i], side="right")
    return out


def _search_even(row: np.ndarray, key: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """:func:`search_rows` of rows of even steps by arithmetic: the counts, and which rows they are checked for."""
    k = row.shape[1]
    flat, first = row.ravel(), (np.arange(row.shape[0], dtype=np.intp) * k)[:, None]

    def before(count: np.ndarray) -> np.ndarray:     # the row's value just below the count (or its first)
        return flat[first + np.maximum(count - 1, 0)]

    def at(count: np.ndarray) -> np.ndarray:         # the row's value at the count (or its last)
        return flat[first + np.minimum(count, k - 1)]

    start = row[:, -1:] - 1.0
    guess = np.clip(np.nan_to_num(np.floor((key - start) * k)), 0, k).astype(np.intp)
    guess -= (guess > 0) & (before(guess) > key)
    guess += (guess < k) & (at(guess) <= key)
    # checked: every row value before the count is <= the key, the one at it is above it
    exact = (((guess == 0) | (before(guess) <= key)) & ((guess == k) | (at(guess) > key))).all(axis=1)
    return guess, exact


def remainder_with_pipeline(predictive: PredictiveDistribution, share: npt.ArrayLike, effect: TeamEffect | None,
                            values: list[np.ndarray], chances: list[np.ndarray], share_from_open: float,
                            *, seed: int = 0) -> PipelineRemainder:
    """R = V + N for every rep: V from the open deals, N the remainder law without the pipeline
    (:func:`analytics.pace_chance.remaining_law`, the team's pace included) over the remaining share
    scaled by 1 - f, as if only that part of what is left were still to be opened."""
    rho = 1.0 - np.clip(np.broadcast_to(np.asarray(share, dtype=float), predictive.reps.shape), 0.0, 1.0)
    new = remaining_law(predictive, 1.0 - rho * (1.0 - float(share_from_open)), effect)
    v, w = outcome_matrix(values, chances, seed=seed)
    return PipelineRemainder(new, v, w, seed)


# ----------------------------------------------------------------------------- estimated on history
def age_band(age_days: npt.ArrayLike) -> np.ndarray:
    """The age band of open deals by days since created (0: <= 14 days ... 4: over 120).

    >>> age_band([0, 14, 15, 61, 400]).tolist()
    [0, 0, 1, 3, 4]
    """
    return np.searchsorted(np.asarray(AGE_EDGES), np.asarray(age_days, dtype=float), side="left")


def _shrunk_rates(won: np.ndarray, cell: np.ndarray, n_cells: int, prior: np.ndarray, strength: float) -> np.ndarray:
    """Per cell: (wins + strength * prior) / (deals + strength)."""
    wins = np.bincount(cell, weights=won, minlength=n_cells)
    deals = np.bincount(cell, minlength=n_cells).astype(float)
    return (wins + strength * prior) / (deals + strength)


def team_win_rates(history: pd.DataFrame) -> Callable[[pd.DataFrame], np.ndarray]:
    """The team's rate of winning by the period's end per age band and size quarter, learnt on ``history``
    (:func:`deal_win_chances` without the rep's own ratio): a function giving it for each deal of a frame
    (columns age, amount)."""
    won = history["won_in"].to_numpy(dtype=float)
    size_edges = np.unique(np.quantile(history["amount"].to_numpy(dtype=float), [0.25, 0.5, 0.75]))
    n_age, n_size = len(AGE_EDGES) + 1, size_edges.size + 1

    def cells(deals: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
        age = age_band(deals["age"])
        size = np.searchsorted(size_edges, deals["amount"].to_numpy(dtype=float), side="right")
        return age, age * n_size + size

    age, cell = cells(history)
    by_age = _shrunk_rates(won, age, n_age, np.full(n_age, won.mean()), BAND_PRIOR_DEALS)
    by_cell = _shrunk_rates(won, cell, n_age * n_size, np.repeat(by_age, n_size), BAND_PRIOR_DEALS)
    return lambda deals: np.asarray(by_cell[cell] if deals is history else by_cell[cells(deals)[1]])


def deal_win_chances(history: pd.DataFrame, open_now: pd.DataFrame, prior_wins: float | None = None,
                     rep_history: Sequence[pd.DataFrame] = ()) -> np.ndarray:
    """Per open deal of ``open_now`` (columns rep, age, amount): the chance it is won before the period ends.

    ``history`` has one row per deal open at the same point of a past period (columns rep, age,
    amount, won_in: won before that period's end). The team's rate per age band and size quarter
    (big deals take longer: a rate by count alone overstates what the pipeline is worth), each
    shrunk to the coarser rate by ``BAND_PRIOR_DEALS`` deals (:func:`team_win_rates`), times the rep's
    own ratio of wins to that expectation over the rep's past open deals, shrunk to 1 by as many expected
    wins as the reps' ratios call for (:func:`analytics.rep_win_ratio.rep_ratios`; ``prior_wins`` fixes it).
    ``rep_history``: more past points whose deals tell the rep's ratio (each against its own team rates),
    not the team's rates. A rep without history gets the team's rates; without any history nothing is
    known: NaN.

    >>> hist = pd.DataFrame({"rep": ["a"] * 4 + ["b"] * 4, "age": [5] * 8, "amount": [10.0] * 8,
    ...                      "won_in": [1, 1, 1, 0, 0, 0, 0, 1]})
    >>> now = pd.DataFrame({"rep": ["a", "b", "c"], "age": [5, 5, 5], "amount": [10.0] * 3})
    >>> deal_win_chances(hist, now).round(3).tolist()
    [0.542, 0.458, 0.5]
    """
    if history.empty:
        return np.full(len(open_now), np.nan)
    team = team_win_rates(history)
    evidence = sum_evidence([rep_evidence(history, team(history))]
                            + [rep_evidence(h, team_win_rates(h)(h)) for h in rep_history if len(h)])
    rep_ratio = open_now["rep"].map(rep_ratios(evidence, prior_wins)).fillna(1.0).to_numpy(dtype=float)
    return np.clip(team(open_now) * rep_ratio, 0.0, MAX_CHANCE)


def slot_ratio(history: pd.DataFrame, slot_history: pd.DataFrame, prior_wins: float = SLOT_PRIOR_WINS) -> float:
    """How much better deals open at this point of the same period of past years (``slot_history``: the
    same quarter or month of the year, e.g. the Decembers) won than :func:`deal_win_chances` fitted on
    ``history`` expects of them, shrunk toward 1 by how much a single past period's ratio varies anyway.

    The chances of :func:`deal_win_chances` pool the last periods at the same point, whatever their place
    in the year; a year-end push (December's deals won twice as often) is in two of eight past quarters
    and so mostly averaged away: this ratio puts it back for the periods it belongs to. With
    L = log((wins + prior) / (expected + prior)) over the slot's deals, every past period's own log ratio
    varies by tau^2 (a robust spread over the periods of ``history``: the company's shock of the quarter
    moves every deal of it), so L from n past periods carries noise v = tau^2 / n + 1 / (expected + prior),
    and the factor is exp(w L) with w = max(0, 1 - v / L^2): nothing where L is within its noise (a calm
    company's season is not worth the noise of two periods), almost all of it where it stands out.

    >>> hist = pd.DataFrame({"point": [1, 1, 2, 2, 3, 3, 4, 4] * 3, "rep": ["a"] * 24, "age": [5] * 24,
    ...                      "amount": [10.0] * 24, "won_in": [1, 0, 0, 1, 1, 0, 0, 1] * 3})
    >>> slot_ratio(hist, hist.iloc[:0])                      # no same period of a past year: no correction
    1.0
    >>> strong = hist.assign(point=9, won_in=1).iloc[:16]     # 16 wins of 16 where 8 were expected
    >>> round(slot_ratio(hist, strong, prior_wins=0.0), 2)    # tau = 0: L = log 2, v = 1/8, w = 0.74
    1.67
    """
    if history.empty or slot_history.empty:
        return 1.0
    past = pd.DataFrame({"point": history["point"].to_numpy(), "won": history["won_in"].to_numpy(dtype=float),
                         "expected": deal_win_chances(history, history)}).groupby("point").sum()
    past = past[past["expected"] > 0]
    per_period = np.log((past["won"] + 0.5) / (past["expected"] + 0.5)).to_numpy()
    tau2 = (1.4826 * np.median(np.abs(per_period - np.median(per_period)))) ** 2 if per_period.size >= 3 else np.inf
    expected = float(np.sum(deal_win_chances(history, slot_history)))
    log_ratio = float(np.log((slot_history["won_in"].sum() + prior_wins) / (expected + prior_wins)))
    noise = tau2 / max(int(slot_history["point"].nunique()), 1) + 1.0 / max(expected + prior_wins, 1e-9)
    weight = max(0.0, 1.0 - noise / log_ratio ** 2) if log_ratio != 0 else 0.0
    return float(np.exp(weight * log_ratio))


def pipeline_share(split: pd.DataFrame) -> float:
    """f: the share of the rest of past periods' outcome that came from deals already open at the
    point (``split`` columns from_open, from_new: per past period and rep), pooled; NaN without any.

    >>> pipeline_share(pd.DataFrame({"from_open": [80.0, 90.0], "from_new": [20.0, 10.0]}))
    0.85
    """
    total = float(split["from_open"].sum() + split["from_new"].sum()) if len(split) else 0.0
    return float(split["from_open"].sum()) / total if total > 0 else float("nan")


def open_deal_lists(open_now: pd.DataFrame, reps: npt.ArrayLike, chances: npt.ArrayLike,
                    value_column: str = "amount") -> tuple[list[np.ndarray], list[np.ndarray]]:
    """Per rep in ``reps`` order: its open deals' values and chances (empty arrays for a rep without)."""
    reps = np.asarray(reps, dtype=object)
    p = np.asarray(chances, dtype=float)
    groups = {r: idx for r, idx in open_now.groupby("rep", sort=False).indices.items()}
    values = open_now[value_column].to_numpy(dtype=float) if len(open_now) else np.zeros(0)
    empty = np.zeros(0)
    return ([values[groups[r]] if r in groups else empty for r in reps],
            [p[groups[r]] if r in groups else empty for r in reps])
