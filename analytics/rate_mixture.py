"""A rate over a number of trials not known in advance: the beta-binomial mixed over the closes to come.

Next period's win rate is W / N with N the deals the rep will close. Given N, W ~ betabinom(N, a, b) (the
rep's Beta law of the rate, :mod:`analytics.rate_model`); N itself is not known when the target is set.
Fixing N at the rep's typical closes draws a band too narrow for the periods with few closes (a rep closing
2 deals has a rate of 0, 50% or 100%) and too wide for the ones with many: the sample's months had 18% of
rates under P10. Here N is K equally likely numbers of closes: the quantiles of the rep's forecast of closed
deals (:func:`forecast_closes`), or the rep's own last periods with a close (:func:`last_closes`):

    F(r) = sum_k w_k P(W_k <= floor(r N_k)),   W_k ~ betabinom(N_k, a, b),   w_k = 1 / K,

a step function whose steps are the fractions w / N_k; its quantile at level p is the first of them where
F reaches p. Every table is computed from log-gamma functions at once for all reps (no scipy call per rep).

Example
-------
A rep whose rate is Beta(4, 6) (mean 40%), who closed 2 deals one month and 10 the next:

>>> import numpy as np
>>> mix = RateMixture.of(np.array([4.0]), np.array([6.0]), np.array([[2.0, 10.0]]))
>>> round(float(mix.cdf(np.array([0.0]))[0]), 3)      # no win: likely over 2 closes, rare over 10
0.207
>>> mix.quantile(np.array([0.1, 0.5, 0.9])).round(2).tolist()
[[0.0, 0.5, 0.8]]
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from scipy import special

MAX_PERIODS = 12   # the rep's last periods with a close that N is drawn from
EPS = 1e-9         # a fraction w / N times N, floored: not one below w for rounding
QUANTILE_CELLS = 2_000_000   # reps x candidates x slots a quantile block holds (16 MB a float array)


FORECAST_SLOTS = 12   # the equally likely closes a forecast law of closed deals is read at


def forecast_closes(quantile: Callable[[np.ndarray], np.ndarray], slots: int = FORECAST_SLOTS) -> np.ndarray:
    """The closes next period's rate is mixed over, from a forecast law of the deals each rep will close:
    its quantiles at the midpoints of ``slots`` equal bands, (reps, slots), each equally likely (a slot of
    0 closes is none: the rate of a period without a close is not scored).

    >>> from scipy import stats
    >>> forecast_closes(lambda p: stats.poisson.ppf(p[None, :], 8.0), slots=4).tolist()
    [[5.0, 7.0, 9.0, 11.0]]
    """
    return np.asarray(quantile((np.arange(slots) + 0.5) / slots), dtype=float)


def last_closes(closed: np.ndarray, active: np.ndarray, periods: int = MAX_PERIODS) -> np.ndarray:
    """Each rep's closes in their last ``periods`` active periods with at least one, (reps, periods),
    oldest first, 0 where the rep has fewer.

    >>> last_closes(np.array([[3.0, 0.0, 5.0, 7.0]]), np.ones((1, 4), bool), periods=2).tolist()
    [[5.0, 7.0]]
    """
    seen = active & (np.nan_to_num(closed) >= 1)
    out = np.zeros((closed.shape[0], periods))
    rank = np.cumsum(seen[:, ::-1], axis=1)[:, ::-1]     # 1 for the last period with a close, 2 before it
    keep = seen & (rank <= periods)
    rows, cols = np.nonzero(keep)
    out[rows, periods - rank[rows, cols]] = closed[rows, cols]
    return out


@dataclass(frozen=True)
class RateMixture:
    """The rate's law mixed over past closes: ``n`` (reps, K) closes (0: no slot), ``weight`` (reps, K),
    ``cdf_table`` (reps, K, max N + 1) P(W_k <= w)."""

    n: np.ndarray
    weight: np.ndarray
    cdf_table: np.ndarray

    @classmethod
    def of(cls, a: np.ndarray, b: np.ndarray, closes: np.ndarray) -> RateMixture:
        """The mixture of reps with Beta(a_i, b_i) rates over ``closes`` (reps, K; 0 = no slot; a rep with
        none at all is read as one close)."""
        n = np.asarray(closes, dtype=float)
        used = n >= 1
        none = ~used.any(axis=1)
        n = np.where(used, np.round(n), 0.0)
        n[none, 0], used[none, 0] = 1.0, True
        weight = used / used.sum(axis=1, keepdims=True)
        w = np.arange(int(n.max()) + 1, dtype=float)[None, None, :]
        nn = n[:, :, None]
        aa, bb = np.asarray(a, float)[:, None, None], np.asarray(b, float)[:, None, None]
        inside = w <= nn
        with np.errstate(invalid="ignore"):
            log_pmf = (special.gammaln(nn + 1) - special.gammaln(w + 1) - special.gammaln(np.maximum(nn - w, 0) + 1)
                       + special.betaln(w + aa, np.maximum(nn - w, 0) + bb) - special.betaln(aa, bb))
        pmf = np.where(inside, np.exp(log_pmf), 0.0)
        return cls(n, weight, np.minimum(np.cumsum(pmf, axis=2), 1.0))

    def _cdf_at(self, rate: np.ndarray) -> np.ndarray:
        """F at ``rate`` (reps, C): the weighted P(W_k <= floor(rate N_k))."""
        r = np.asarray(rate, dtype=float)
        wins = np.floor(r[:, :, None] * self.n[:, None, :] + EPS)                  # (reps, C, K)
        idx = np.clip(wins, 0, self.cdf_table.shape[2] - 1).astype(np.intp)
        rows = np.arange(self.n.shape[0])[:, None, None]
        slot = np.arange(self.n.shape[1])[None, None, :]
        value = np.where(wins < 0, 0.0, self.cdf_table[rows, slot, idx])
        return np.asarray((value * self.weight[:, None, :]).sum(axis=2))

    def cdf(self, y: np.ndarray) -> np.ndarray:
        """P(rate_i <= y_i), one value a rep."""
        return self._cdf_at(np.broadcast_to(np.asarray(y, float), self.n.shape[:1])[:, None])[:, 0]

    def sf_from(self, target: np.ndarray) -> np.ndarray:
        """P(rate_i >= t_i): the weighted P(W_k >= ceil(t_i N_k))."""
        t = np.broadcast_to(np.asarray(target, float), self.n.shape[:1])[:, None]
        need = np.ceil(t * self.n - EPS)                                            # (reps, K)
        idx = np.clip(need - 1, 0, self.cdf_table.shape[2] - 1).astype(np.intp)
        below = np.take_along_axis(self.cdf_table, idx[:, :, None], axis=2)[:, :, 0]
        sf = np.where(need <= 0, 1.0, np.where(need > self.n, 0.0, 1.0 - below))
        return np.asarray((sf * self.weight).sum(axis=1))

    def quantile(self, levels: np.ndarray) -> np.ndarray:
        """(reps, levels): the first fraction w / N_k at which F reaches each level (reps a block at a time:
        every rep's candidates times its slots is a large array)."""
        lv = np.asarray(levels, dtype=float)
        width = int(self.n.max()) + 1
        block = max(1, QUANTILE_CELLS // (self.n.shape[1] ** 2 * width))
        out = np.empty((self.n.shape[0], lv.size))
        for start in range(0, self.n.shape[0], block):
            part = RateMixture(self.n[start:start + block], self.weight[start:start + block],
                               self.cdf_table[start:start + block])
            w = np.arange(width, dtype=float)[None, None, :]
            cand = np.where(w <= part.n[:, :, None], w / np.maximum(part.n[:, :, None], 1), 1.0)
            cand = np.sort(cand.reshape(part.n.shape[0], -1), axis=1)
            f = part._cdf_at(cand)
            reached = f[:, None, :] >= lv[None, :, None] - 1e-12
            # (a level the summed table misses by rounding is the largest candidate's, never the first's)
            first = np.where(reached.any(axis=2), reached.argmax(axis=2), cand.shape[1] - 1)
            out[start:start + block] = np.take_along_axis(cand, first, axis=1)
        return out

    def sample(self, a: np.ndarray, b: np.ndarray, n_draws: int, rng: np.random.Generator) -> np.ndarray:
        """(n_draws, reps) rates: N drawn from the slots by weight, the rate from the Beta, the wins binomial."""
        cum = np.cumsum(self.weight, axis=1)
        pick = (rng.random((n_draws, self.n.shape[0], 1)) > cum[None, :, :]).sum(axis=2)
        pick = np.minimum(pick, self.n.shape[1] - 1)
        trials = np.take_along_axis(np.broadcast_to(self.n, (n_draws, *self.n.shape)), pick[:, :, None], axis=2)[:, :, 0]
        rate = rng.beta(a, b, size=(n_draws, a.size))
        return rng.binomial(trials.astype(int), rate) / np.maximum(trials, 1)
