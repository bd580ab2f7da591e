"""Joint draws of the reps' negative binomial counts: each rep's own law exactly, moving with the team.

A team's chance, its range and the equal-chance split add up reps' draws, so each rep's draws must be the
rep's law (a team of one rep must show the rep's own range) while the reps still move together as the
period's shared shock says. A Gaussian copula gives both: rep i's count is its quantile at Phi(g_i), with
normal scores g_i = rho_i c + sqrt(1 - rho_i^2) eps_i sharing the period's c.

The weight rho_i is chosen so that the rep's count moves with c as a shock s_i on its log rate would:
E[y_i c] = m_i s_i, the slope of m_i exp(s_i c - s_i^2 / 2) on c. Under the copula E[y_i c] = rho_i E[h_i(Z) Z]
with h_i the rep's quantile of Phi, and as the count is the number of thresholds z_k = Phi^-1(F_i(k)) that Z
passes, E[h_i(Z) Z] = sum_k phi(z_k). So rho_i = m_i s_i / sum_k phi(Phi^-1(F_i(k))), s_i^2 = min(s^2,
log(1 + 1/r_i)) (the shock is part of the rep's law, never more than its rate's whole spread). For a
lognormal law the same rule gives rho = s / sigma, :class:`analytics.predictive.LogScaleHurdle`'s weight.
Matched so, two reps' covariance is m_a m_b (s_a s_b + O((s_a s_b)^2)), the shock's to first order; matched
on the log-scale spread instead (rho_i^2 = s_i^2 / log(1 + 1/r_i + 1/m_i)), it was up to 28% more for reps
of a few deals.

Example
-------
>>> import numpy as np
>>> from scipy import stats
>>> r, q = np.array([1.2]), np.array([1.2 / 26.2])
>>> draws = joint_counts(r, q, shared_sigma=0.5, n_draws=100_000, rng=np.random.default_rng(1))
>>> [float(np.quantile(draws, level)) for level in (0.1, 0.5, 0.9)]
[3.0, 18.0, 56.0]
>>> [float(x) for x in stats.nbinom.ppf([0.1, 0.5, 0.9], 1.2, 1.2 / 26.2)]
[3.0, 18.0, 56.0]
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import special, stats

LONGEST_TABLE = 20_000   # counts a rep's cumulative table holds (160 kB); a longer tail asks scipy's ppf
_LAST_LEVEL = 1 - 1e-9   # levels are clipped to [1e-9, 1 - 1e-9], as the money law's joint draws


@dataclass(frozen=True)
class CountTables:
    """Every rep's cumulative table F_i(0), ..., F_i(top_i), laid end to end in ``cdf``.

    ``valid``: a law with finite parameters (the others draw NaN, as their quantiles are); ``tabled``: valid
    with a table no longer than :data:`LONGEST_TABLE` (the others keep a table of one entry and are drawn by
    scipy's ppf).
    """

    cdf: np.ndarray
    starts: np.ndarray
    sizes: np.ndarray
    valid: np.ndarray
    tabled: np.ndarray

    @classmethod
    def of(cls, r: np.ndarray, q: np.ndarray) -> CountTables:
        valid = np.isfinite(r) & np.isfinite(q) & (r > 0) & (q > 0) & (q <= 1)
        top = np.zeros(r.size, dtype=np.intp)
        top[valid] = stats.nbinom.ppf(_LAST_LEVEL, r[valid], q[valid]).astype(np.intp)
        tabled = valid & (top <= LONGEST_TABLE)
        sizes = np.where(tabled, top + 1, 1)
        starts = np.concatenate([[0], np.cumsum(sizes)[:-1]]).astype(np.intp)
        counts = np.arange(sizes.sum()) - np.repeat(starts, sizes)
        # nbinom's cdf: F(k) = I_q(r, k + 1), the regularised incomplete beta (as scipy computes it)
        cdf = special.betainc(np.repeat(np.where(tabled, r, 1.0), sizes), counts + 1.0,
                              np.repeat(np.where(tabled, q, 0.5), sizes))
        cdf[starts + sizes - 1] = 1.0   # a level of at most 1 - 1e-9 stops by the rep's last count
        return cls(cdf=cdf, starts=starts, sizes=sizes, valid=valid, tabled=tabled)

    def score_slopes(self) -> np.ndarray:
        """E[h_i(Z) Z] = sum_k phi(Phi^-1(F_i(k))) for every tabled rep (NaN for the others)."""
        slopes = np.add.reduceat(np.exp(-0.5 * special.ndtri(self.cdf) ** 2) / np.sqrt(2 * np.pi), self.starts)
        return np.where(self.tabled, slopes, np.nan)

    def counts_at(self, levels: np.ndarray, r: np.ndarray, q: np.ndarray) -> np.ndarray:
        """``stats.nbinom.ppf(levels, r, q)`` for levels (draws, reps): one search in the tables, rep i's
        shifted by i so the whole is increasing (scipy's ppf costs microseconds a value: seconds for 4,000
        draws of 1,000 reps)."""
        n = self.sizes.size
        shifted = self.cdf + np.repeat(np.arange(n, dtype=float), self.sizes)
        found = np.searchsorted(shifted, levels.T + np.arange(n, dtype=float)[:, None])
        out = np.ascontiguousarray((found - self.starts[:, None]).astype(float).T)
        for i in np.flatnonzero(self.valid & ~self.tabled):
            out[:, i] = stats.nbinom.ppf(levels[:, i], r[i], q[i])
        out[:, ~self.valid] = np.nan
        return out


def shared_score_weights(r: np.ndarray, q: np.ndarray, shared_sigma: float, tables: CountTables) -> np.ndarray:
    """rho_i = m_i s_i / E[h_i(Z) Z] in [0, 1] (the module's derivation); for a rep without a table, the
    log-scale match s_i / sqrt(log(1 + 1/r_i + 1/m_i))."""
    with np.errstate(divide="ignore", invalid="ignore"):
        mean = r * (1 - q) / q
        shared = np.sqrt(np.minimum(shared_sigma**2, np.log1p(1.0 / r)))
        rho = np.where(tables.tabled, mean * shared / tables.score_slopes(),
                       shared / np.sqrt(np.log1p(1.0 / r + 1.0 / mean)))
    return np.clip(np.nan_to_num(rho, nan=0.0), 0.0, 1.0)


def joint_counts(r: np.ndarray, q: np.ndarray, shared_sigma: float, n_draws: int,
                 rng: np.random.Generator) -> np.ndarray:
    """Draws (n_draws, n_reps) of y_i ~ nbinom(r_i, q_i), each rep's law exactly, tied by the shared shock."""
    r, q = np.asarray(r, dtype=float), np.asarray(q, dtype=float)
    tables = CountTables.of(r, q)
    rho = shared_score_weights(r, q, shared_sigma, tables) if shared_sigma > 0 else np.zeros(r.size)
    g = rng.standard_normal((n_draws, r.size))
    g *= np.sqrt(1.0 - rho**2)
    g += rng.standard_normal((n_draws, 1)) * rho
    levels = special.ndtr(g, out=g)
    np.clip(levels, 1 - _LAST_LEVEL, _LAST_LEVEL, out=levels)
    return tables.counts_at(levels, r, q)
