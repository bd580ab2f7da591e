"""Tracking's cold cuts (issue 13) give the numbers of the code before them, bit for bit.

Each faster path is compared with the code it replaced, kept here as the reference: the residual law's
quantile function in blocks, its cdf from a bucket index, the joint draws computed in place, the Student t
quantiles asked once per distinct row, the open deals' subsets made once per size, their chances asked in
blocks of cells, each rep's rows of daily totals found by name once. Then a whole ``track``
of the seeded tracking company with every faster path against one with every former path.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import special, stats

from analytics import open_pipeline, predictive, tracking
from analytics.backtest_scores import CRPS_GRID
from analytics.predictive import EmpiricalResidualLaw, LogScaleHurdle
from analytics.uniform_interp import interp_plotting_positions


# ---- the former code, as it was ------------------------------------------------------------------
def former_ppf(self: EmpiricalResidualLaw, u: np.ndarray) -> np.ndarray:
    u = np.asarray(u, dtype=float)
    n = self.sorted_values.size
    first, last = 1 / (n + 1), n / (n + 1)
    out = interp_plotting_positions(u, self.sorted_values)
    lo, hi = u < first, u > last
    if lo.any():
        out[lo] = self.sorted_values[0] + (special.stdtrit(5, u[lo]) - special.stdtrit(5, first))
    if hi.any():
        out[hi] = self.sorted_values[-1] + (special.stdtrit(5, u[hi]) - special.stdtrit(5, last))
    return out


def former_cdf(self: EmpiricalResidualLaw, x: np.ndarray) -> np.ndarray:
    x = np.asarray(x, dtype=float)
    n = self.sorted_values.size
    first, last = 1 / (n + 1), n / (n + 1)
    out = np.interp(x, self.sorted_values, np.arange(1, n + 1) / (n + 1))
    lo, hi = x < self.sorted_values[0], x > self.sorted_values[-1]
    if lo.any():
        out[lo] = stats.t.cdf(x[lo] - self.sorted_values[0] + stats.t.ppf(first, 5), 5)
    if hi.any():
        out[hi] = stats.t.cdf(x[hi] - self.sorted_values[-1] + stats.t.ppf(last, 5), 5)
    return out


def former_sample(self: LogScaleHurdle, n_draws: int, rng: np.random.Generator) -> np.ndarray:
    # (the Gaussian copula of the shared shock, written plainly: whole arrays, no block, nothing in place)
    n = self.mu.size
    shared = min(self.shared_sigma, float(np.min(self.sigma))) if n else 0.0
    rho = np.minimum(shared / np.maximum(self.sigma, 1e-12), 1.0)
    g = rng.standard_normal((n_draws, n)) * np.sqrt(1.0 - rho**2) + rng.standard_normal((n_draws, 1)) * rho
    if self.residuals is not None:
        e = former_ppf(self.residuals, np.clip(stats.norm.cdf(g), 1e-9, 1 - 1e-9))
    else:
        e = predictive._t_of_normal_scores(g, np.broadcast_to(self.df, self.mu.shape))
    z = self.mu + self.sigma * e
    positive = rng.uniform(size=(n_draws, n)) >= self.zero_share
    return np.where(positive, np.exp(z), 0.0)


def former_t_rows(u: np.ndarray, zero_share: np.ndarray, df: np.ndarray) -> np.ndarray:
    return stats.t.ppf(u, np.asarray(df)[:, None])


def former_subsets(n_deals: int) -> tuple[np.ndarray, np.ndarray]:
    wins = (np.arange(2 ** n_deals)[:, None] >> np.arange(n_deals)[None, :]) & 1
    return wins, wins == 1


def use_former_paths(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(open_pipeline, "MIX_BLOCK", 10 ** 12)     # every cell at once
    monkeypatch.setattr(EmpiricalResidualLaw, "ppf", former_ppf)
    monkeypatch.setattr(EmpiricalResidualLaw, "cdf", former_cdf)
    monkeypatch.setattr(LogScaleHurdle, "sample", former_sample)
    monkeypatch.setattr(predictive, "_t_ppf_rows", former_t_rows)
    monkeypatch.setattr(open_pipeline, "_subsets", former_subsets)


# ---- each path -----------------------------------------------------------------------------------
def law(n_reps: int, seed: int, *, residuals: bool, repeated: str) -> LogScaleHurdle:
    """A law of ``n_reps`` reps; ``repeated``: what reps share ("both": a few zero shares and degrees of
    freedom, as a team's reps with the same counts of periods do; "df": the degrees of freedom only)."""
    rng = np.random.default_rng(seed)
    zero = rng.choice([0.0, 0.1, 0.25], n_reps) if repeated == "both" else rng.uniform(0, 0.4, n_reps)
    df = rng.choice([4.0, 9.0, 30.0], n_reps) if repeated in ("both", "df") else rng.uniform(3, 40, n_reps)
    resid = EmpiricalResidualLaw.from_values(rng.standard_t(6, 3000)) if residuals else None
    return LogScaleHurdle(reps=np.arange(n_reps).astype(str).astype(object), mu=rng.normal(9, 1, n_reps),
                          sigma=rng.uniform(0.2, 1.5, n_reps), df=df, zero_share=zero, residuals=resid,
                          shared_sigma=0.15)


@pytest.mark.parametrize("residuals", [True, False])
@pytest.mark.parametrize("repeated", ["both", "df", "none"])
def test_quantiles_are_the_former_ones(monkeypatch, residuals, repeated):
    d = law(300, 3, residuals=residuals, repeated=repeated)
    fast = d.quantile(CRPS_GRID)
    use_former_paths(monkeypatch)
    assert np.array_equal(fast, d.quantile(CRPS_GRID))


def test_a_zero_share_not_known_asks_every_row(monkeypatch):
    d = law(40, 4, residuals=False, repeated="both")
    d = LogScaleHurdle(reps=d.reps, mu=d.mu, sigma=d.sigma, df=d.df,
                       zero_share=np.where(np.arange(40) % 7 == 0, np.nan, d.zero_share))
    fast = d.quantile(CRPS_GRID)
    use_former_paths(monkeypatch)
    assert np.array_equal(fast, d.quantile(CRPS_GRID), equal_nan=True)


@pytest.mark.parametrize("residuals", [True, False])
@pytest.mark.parametrize("block", [1_000, predictive.PPF_BLOCK])
def test_joint_draws_and_their_chances_are_the_former_ones(monkeypatch, residuals, block):
    monkeypatch.setattr(predictive, "PPF_BLOCK", block)     # 1,000: 40,000 draws turned in 40 blocks
    d = law(20, 5, residuals=residuals, repeated="none")
    many = open_pipeline._taken(d, np.repeat(np.arange(20), 2000))    # each rep asked at 2,000 outcomes
    assert many is not None
    targets = np.exp(many.mu) * np.random.default_rng(6).uniform(0.2, 3.0, many.mu.size)
    fast = d.sample(2000, np.random.default_rng(7)), many.p_attain(targets), many.cdf(targets)
    use_former_paths(monkeypatch)
    former = d.sample(2000, np.random.default_rng(7)), many.p_attain(targets), many.cdf(targets)
    for mine, theirs in zip(fast, former, strict=True):
        assert np.array_equal(mine, theirs)


@pytest.mark.parametrize("n_deals", [0, 1, 3, 10])
def test_the_open_deals_outcomes_are_the_former_ones(monkeypatch, n_deals):
    rng = np.random.default_rng(n_deals)
    amounts, chances = rng.uniform(1e3, 5e4, n_deals), rng.uniform(0.05, 0.9, n_deals)
    fast = open_pipeline.pipeline_outcomes(amounts, chances)
    again = open_pipeline.pipeline_outcomes(amounts, chances)             # the subsets made once, reused
    use_former_paths(monkeypatch)
    former = open_pipeline.pipeline_outcomes(amounts, chances)
    for mine, theirs in zip(fast + again, former + former, strict=True):
        assert np.array_equal(mine, theirs)


def former_segment_rows(daily: pd.DataFrame, reps: list[str]) -> tuple[np.ndarray, np.ndarray]:
    row = daily["rep"].map({r: i for i, r in enumerate(reps)})
    return row.notna().to_numpy(), row.to_numpy(dtype=float, na_value=-1.0).astype(int)


def test_each_reps_segment_totals_are_the_former_ones(monkeypatch):
    """Rows of reps asked about, of others and of none, in the order read: the same sums, bit for bit."""
    from analytics import pace_chance
    from analytics.periods import parse_period

    rng = np.random.default_rng(8)
    periods = [parse_period(label) for label in ("2025-Q3", "2025-Q4", "2026-Q1")]
    days = pd.Timestamp("2025-07-01") + pd.to_timedelta(rng.integers(0, 270, 5000), unit="D")
    names = pd.array(rng.choice(["a", "b", "c", "z"], 5000), dtype="string")
    names[rng.integers(0, 5000, 50)] = pd.NA
    daily = pd.DataFrame({"rep": names, "day": days, "value": rng.uniform(-5, 5e4, 5000)})
    reps = ["c", "a", "b"]
    fast = pace_chance.segment_totals(daily, reps, periods)
    where = {r: i for i, r in enumerate(reps)}
    codes, uniques = pd.factorize(daily["rep"])
    mine = np.where(codes >= 0, np.array([where.get(u, -1) for u in uniques])[codes], -1)
    keep, rows = former_segment_rows(daily, reps)
    assert np.array_equal(mine >= 0, keep) and np.array_equal(mine[keep], rows[keep])
    want = np.zeros_like(fast)
    for rep, day, value in zip(daily["rep"], daily["day"], daily["value"], strict=True):
        for k, period in enumerate(periods):
            for j, (first, last) in enumerate(pace_chance.segment_bounds(period)):
                if isinstance(rep, str) and rep in reps and first <= day.date() <= last:
                    want[reps.index(rep), k, j] += value         # in the rows' order, as the bincount adds
    assert np.array_equal(fast, want)


# ---- a whole track -------------------------------------------------------------------------------
def frames_equal(a: pd.DataFrame, b: pd.DataFrame) -> bool:
    return list(a.columns) == list(b.columns) and a.equals(b)


@pytest.mark.parametrize("law_name", ["empirical residuals", "log-t"])
@pytest.mark.parametrize("fn_name", ["p_attain", "cdf"])
def test_the_pipelines_chances_asked_in_blocks_are_the_former_ones(monkeypatch, law_name, fn_name):
    rng = np.random.default_rng(9)
    n = 80
    amounts = [rng.uniform(5e3, 9e4, int(rng.choice([0, 2, 5, 9, 14]))) for _ in range(n)]
    chances = [rng.uniform(0, 0.9, a.size) for a in amounts]
    values, weights = open_pipeline.outcome_matrix(amounts, chances, n_outcomes=512)
    d = law(n, 10, residuals=law_name == "empirical residuals", repeated="none")
    rest = open_pipeline.PipelineRemainder(d, values, weights)
    # gaps from below the pipeline's outcomes to above them all: thousands of cells asked
    y = np.exp(d.mu) * rng.uniform(0.1, 4.0, n) + values.max(axis=1) * rng.uniform(0.2, 1.2, n)
    monkeypatch.setattr(open_pipeline, "MIX_BLOCK", 1_000)        # 40,960 cells in blocks of 1,000
    fast = getattr(rest, fn_name)(y)
    assert ((y[:, None] > values) & (weights > 0)).sum() > 5_000
    use_former_paths(monkeypatch)
    assert np.array_equal(fast, getattr(rest, fn_name)(y))


def test_tracking_a_set_gives_the_former_numbers(tracking_company, monkeypatch):
    monkeypatch.setattr(predictive, "PPF_BLOCK", 4_096)     # the ten reps' draws in blocks too
    monkeypatch.setattr(open_pipeline, "MIX_BLOCK", 1_000)  # and their pipelines' chances
    fast = tracking.track(tracking_company, "Q1 plan")
    use_former_paths(monkeypatch)
    former = tracking.track(tracking_company, "Q1 plan")
    assert frames_equal(fast.summary, former.summary) and frames_equal(fast.activities, former.activities)
    assert fast.team.keys() == former.team.keys()
    for key, value in fast.team.items():
        assert np.array_equal(np.asarray(value), np.asarray(former.team[key]),
                              equal_nan=np.asarray(value).dtype.kind in "fc"), key
    assert fast.summary["open_deals"].sum() > 0      # the open pipeline's paths were taken
