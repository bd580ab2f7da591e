"""The open pipeline's mixture asks its law only where the answer counts (analytics/open_pipeline.py
``PipelineRemainder._mix``): the same chances and tails, bit for bit, as asking every outcome."""

from __future__ import annotations

import numpy as np
import pytest

from analytics.open_pipeline import PipelineRemainder, outcome_matrix
from analytics.predictive import EmpiricalResidualLaw, LogScaleHurdle, NegBinomialCount


def _every_cell(rest: PipelineRemainder, fn_name: str, y: np.ndarray) -> np.ndarray:
    """sum_k w_k * new.<fn>(y - v_k), asking the law at every cell (padding included), rep by rep tiled."""
    n, k = rest.values.shape
    shifted = y[:, None] - rest.values
    law = rest.new
    if isinstance(law, LogScaleHurdle):
        tiled = LogScaleHurdle(reps=np.repeat(law.reps, k), mu=np.repeat(law.mu, k), sigma=np.repeat(law.sigma, k),
                               df=np.repeat(law.df, k), zero_share=np.repeat(law.zero_share, k),
                               residuals=law.residuals, shared_sigma=law.shared_sigma)
    else:
        tiled = NegBinomialCount(reps=np.repeat(law.reps, k), r=np.repeat(law.r, k), q=np.repeat(law.q, k))
    inner = np.asarray(getattr(tiled, fn_name)(shifted.ravel()), dtype=float).reshape(n, k)
    return np.sum(rest.weights * inner, axis=1)


def _laws(n: int, rng: np.random.Generator) -> dict[str, object]:
    reps = np.array([f"r{i}" for i in range(n)], dtype=object)
    mu, sigma = np.log(rng.uniform(20, 400, n)), rng.uniform(0.2, 1.2, n)
    residuals = EmpiricalResidualLaw.from_values(rng.standard_t(5, 300))
    return {
        "log-t": LogScaleHurdle(reps=reps, mu=mu, sigma=sigma, df=np.full(n, 5.0), zero_share=rng.uniform(0, 0.3, n)),
        "empirical residuals": LogScaleHurdle(reps=reps, mu=mu, sigma=sigma, df=np.full(n, 5.0),
                                              zero_share=rng.uniform(0, 0.3, n), residuals=residuals),
        "negative binomial": NegBinomialCount(reps=reps, r=rng.uniform(0.5, 5, n), q=rng.uniform(0.1, 0.9, n)),
    }


@pytest.mark.parametrize("law_name", ["log-t", "empirical residuals", "negative binomial"])
@pytest.mark.parametrize("fn_name", ["p_attain", "cdf"])
@pytest.mark.parametrize("seed", [1, 2])
def test_the_mixture_is_the_one_of_asking_every_outcome(law_name, fn_name, seed):
    rng = np.random.default_rng(seed)
    n = 60
    # reps without deals, with a few (exact outcomes, padded with zero weights) and with many (drawn)
    amounts = [rng.uniform(5, 300, int(rng.choice([0, 1, 3, 6, 12, 20]))) for _ in range(n)]
    chances = [rng.uniform(0, 0.95, a.size) for a in amounts]
    v, w = outcome_matrix(amounts, chances, n_outcomes=128, seed=seed)
    rest = PipelineRemainder(_laws(n, rng)[law_name], v, w)
    # gaps below zero, at zero, inside the pipeline's outcomes and beyond them
    y = np.concatenate([[-10.0, 0.0], rng.uniform(-50, 900, n - 2)])
    got = rest._mix(fn_name, y)
    assert np.array_equal(got, _every_cell(rest, fn_name, y))
    assert (w == 0).any() and (v.max(axis=1) > y).any()    # the padding and the reached cells were there to skip
