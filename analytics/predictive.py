"""Per-rep predictive distributions for next period's outcome: the engine's output contract.

The calibration estimators (``analytics.calibration``, ``analytics.counts``) fit
parameters; these small value objects turn them into what the rest of the product
needs, vectorised over reps (the contract, :class:`PredictiveDistribution`):

* ``quantile(p)``      -- Q_i(p) for every rep i (targets at a percentile);
* ``cdf(y)``           -- P(y_i <= y) (a count's smooth quantile between integers);
* ``p_attain(t)``      -- P(y_i >= t_i), the chance each rep reaches a target;
* ``sample(n, rng)``   -- joint draws with the team's shared period shock, for
  the chance that the *team* reaches a number (rep outcomes are not independent).

Two families cover every metric:

:class:`LogScaleHurdle` (money; also large counts such as calls)
    y = 0 with probability pi0_i, else log y = mu_i + sigma_i * e with e drawn from
    a standardised residual law: Student-t(df_i) or, when ``residuals`` is given,
    the pooled empirical distribution of standardised log residuals (real revenue
    residuals are left-skewed; see calibration-methods section 9).
    Q(p) = 0 for p <= pi0, else exp(mu + sigma * F_e^-1((p - pi0) / (1 - pi0)));
    P(y >= T) = (1 - pi0) * (1 - F_e((log T - mu) / sigma)) for T > 0.

:class:`NegBinomialCount` (deals won, meetings, demos)
    y ~ nbinom(r_i, q_i), the gamma-Poisson predictive of section 3.

Example
-------
>>> import numpy as np
>>> d = LogScaleHurdle(reps=np.array(["a", "b"]), mu=np.log([100.0, 50.0]),
...                    sigma=np.array([0.3, 0.5]), df=np.array([10.0, 10.0]),
...                    zero_share=np.array([0.0, 0.1]))
>>> np.round(d.quantile(0.5), 1)
array([100. ,  46.5])
>>> float(np.round(d.p_attain(np.array([100.0, 1e9]))[0], 3))
0.5
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from typing import Protocol

import numpy as np
from scipy import special, stats

from analytics import count_draws
from analytics.bucket_interp import BucketIndex
from analytics.rate_mixture import RateMixture
from analytics.uniform_interp import interp_plotting_positions

ArrayLike = float | np.ndarray
PPF_BLOCK = 65_536   # levels a residual law turns at once (16 arrays of 0.5 MB: in the processor's cache)


class PredictiveDistribution(Protocol):
    """What every per-rep predictive distribution offers, vectorised over ``reps``.

    The fitted laws below (:class:`LogScaleHurdle`, :class:`NegBinomialCount`,
    :class:`BetaBinomialRate`) and tracking's ``StitchedPredictive`` (several laws over disjoint
    reps) all provide it; targets, allocation, drafts, tracking and review ask for nothing else.
    Anything only one family has (``sigma``, ``r``) is reached by its type, never probed for.
    """

    @property
    def reps(self) -> np.ndarray:
        """The reps, in the order of every array in and out."""
        ...

    @property
    def family(self) -> str:
        """The law's name in words (shown with saved sets and exports)."""
        ...

    def quantile(self, p: ArrayLike) -> np.ndarray:
        """Q_i(p): (n_reps,) for a scalar level, (n_reps, n_levels) for several."""
        ...

    def cdf(self, y: np.ndarray) -> np.ndarray:
        """P(Y_i <= y_i)."""
        ...

    def p_attain(self, targets: ArrayLike) -> np.ndarray:
        """P(Y_i >= T_i); a target of 0 or less is always reached."""
        ...

    def sample(self, n_draws: int, rng: np.random.Generator) -> np.ndarray:
        """Joint draws, shape (n_draws, n_reps), with the team's shared period shock."""
        ...


def _as_levels(p: ArrayLike) -> tuple[np.ndarray, bool]:
    arr = np.atleast_1d(np.asarray(p, dtype=float))
    if np.any((arr <= 0) | (arr >= 1)):
        raise ValueError("percentile levels must lie strictly between 0 and 1")
    return arr, np.ndim(p) == 0


@dataclass(frozen=True)
class EmpiricalResidualLaw:
    """The pooled empirical distribution of standardised residuals (sorted, mean ~0, sd ~1)."""

    sorted_values: np.ndarray

    @classmethod
    def from_values(cls, values: np.ndarray) -> EmpiricalResidualLaw:
        v = np.sort(np.asarray(values, dtype=float)[np.isfinite(values)])
        if v.size < 20:
            raise ValueError("need at least 20 residuals for an empirical law")
        return cls(v)

    @classmethod
    def thinned(cls, values: np.ndarray, size: int = 20000) -> EmpiricalResidualLaw:
        """The law of ``values``, thinned to ``size`` of its own quantiles when there are more.

        Equal to ``np.quantile(values, (k + 0.5) / size)``, by interpolation on the values sorted
        once: np.quantile with thousands of levels partitions around each (seconds on 80,000 values).

        >>> v = np.random.default_rng(2).standard_normal(50_000)
        >>> law = EmpiricalResidualLaw.thinned(v, 1000)
        >>> bool(np.allclose(law.sorted_values, np.quantile(v, (np.arange(1000) + 0.5) / 1000)))
        True
        """
        v = np.sort(np.asarray(values, dtype=float)[np.isfinite(values)])
        if v.size > size:
            v = np.interp((np.arange(size) + 0.5) / size * (v.size - 1), np.arange(v.size), v)
        return cls.from_values(v)

    def ppf(self, u: np.ndarray) -> np.ndarray:
        """The residual at each level of ``u``; millions of levels (Tracking's joint draws) in blocks of
        :data:`PPF_BLOCK`: each block's temporaries stay in the processor's cache (the same values, elementwise,
        40% less time than the whole array at once at 4,000 draws of 1,000 reps)."""
        u = np.asarray(u, dtype=float)
        if u.size <= PPF_BLOCK:
            return self._ppf(u)
        flat = u.ravel()
        out = np.empty(flat.shape)
        for start in range(0, flat.size, PPF_BLOCK):
            out[start:start + PPF_BLOCK] = self._ppf(flat[start:start + PPF_BLOCK])
        return out.reshape(u.shape)

    def _ppf(self, u: np.ndarray) -> np.ndarray:
        # Weibull plotting positions k/(n+1): the next draw falls below the k-th
        # smallest with probability k/(n+1); beyond the ends, extrapolate with a t(5) tail.
        # Inside the ends this is np.quantile(sorted_values, u, method="weibull"), by interpolation
        # on the values sorted once (np.quantile partitions them again on every call: 12x slower);
        # tests/test_calibration.py compares the two.
        u = np.asarray(u, dtype=float)
        n = self.sorted_values.size
        first, last = 1 / (n + 1), n / (n + 1)
        # (np.interp on that uniform grid, bit for bit, without its binary search: analytics/uniform_interp.py)
        out = interp_plotting_positions(u, self.sorted_values)
        lo, hi = u < first, u > last  # the t tails only where needed (t.ppf is slow)
        # ``special.stdtrit(5, u)`` is ``stats.t.ppf(u, 5)`` bit for bit without its argument checks
        # (a millisecond a call: the quarter sum asks for the tails of hundreds of blocks of draws).
        if lo.any():
            out[lo] = self.sorted_values[0] + (special.stdtrit(5, u[lo]) - special.stdtrit(5, first))
        if hi.any():
            out[hi] = self.sorted_values[-1] + (special.stdtrit(5, u[hi]) - special.stdtrit(5, last))
        return out

    def cdf(self, x: np.ndarray) -> np.ndarray:
        x = np.asarray(x, dtype=float)
        n = self.sorted_values.size
        first, last = 1 / (n + 1), n / (n + 1)
        # np.interp at many points (Tracking's open-pipeline outcomes): from a bucket index, bit for bit
        out = self._cdf_index.interp(x) if x.size >= n else np.interp(x, self.sorted_values,
                                                                      np.arange(1, n + 1) / (n + 1))
        lo, hi = x < self.sorted_values[0], x > self.sorted_values[-1]
        if lo.any():
            out[lo] = stats.t.cdf(x[lo] - self.sorted_values[0] + stats.t.ppf(first, 5), 5)
        if hi.any():
            out[hi] = stats.t.cdf(x[hi] - self.sorted_values[-1] + stats.t.ppf(last, 5), 5)
        return out

    @cached_property
    def _cdf_index(self) -> BucketIndex:
        """The cdf's knots and values, indexed once per law (:mod:`analytics.bucket_interp`)."""
        n = self.sorted_values.size
        return BucketIndex(self.sorted_values, np.arange(1, n + 1) / (n + 1))

    def rvs(self, size: int | tuple[int, ...], rng: np.random.Generator) -> np.ndarray:
        return self.ppf(self.uniforms(size, rng))

    @staticmethod
    def uniforms(size: int | tuple[int, ...], rng: np.random.Generator) -> np.ndarray:
        """The uniform draws :meth:`rvs` turns into residuals by :meth:`ppf` (apart, so a caller may draw
        them at once and turn them block by block: the same draws, the same residuals)."""
        return rng.uniform(1e-9, 1 - 1e-9, size=size)


@dataclass(frozen=True)
class LogScaleHurdle:
    """Zero hurdle plus a location-scale law on log(y); see the module docstring.

    ``shared_sigma`` is the part of each rep's log-scale spread that is a shock
    common to the whole team in the period (0 <= shared_sigma <= sigma_i); it is
    used only by :meth:`sample` to correlate reps.
    """

    reps: np.ndarray
    mu: np.ndarray
    sigma: np.ndarray
    df: np.ndarray
    zero_share: np.ndarray
    residuals: EmpiricalResidualLaw | None = None
    shared_sigma: float = 0.0
    family: str = field(default="log-scale hurdle", init=False)

    def _std_ppf(self, u: np.ndarray) -> np.ndarray:
        if self.residuals is not None:
            return self.residuals.ppf(u)
        return stats.t.ppf(u, self.df[:, None] if u.ndim == 2 else self.df)

    def _std_cdf(self, x: np.ndarray) -> np.ndarray:
        if self.residuals is not None:
            return self.residuals.cdf(x)
        return stats.t.cdf(x, self.df)

    def quantile(self, p: ArrayLike) -> np.ndarray:
        """Q_i(p): shape (n_reps,) for a scalar level, (n_reps, n_levels) for several."""
        levels, scalar = _as_levels(p)
        pi0 = self.zero_share[:, None]
        zero = levels[None, :] <= pi0
        u = np.clip((levels[None, :] - pi0) / np.maximum(1 - pi0, 1e-12), 1e-9, 1 - 1e-9)
        # Where the quantile is the zero, the positive law is not asked (its far tail costs t.ppf calls).
        asked = np.where(zero, 0.5, u)
        std = self._std_ppf(asked) if self.residuals is not None else _t_ppf_rows(asked, self.zero_share, self.df)
        positive = np.exp(self.mu[:, None] + self.sigma[:, None] * std)
        q = np.where(zero, 0.0, positive)
        return q[:, 0] if scalar else q

    def cdf(self, y: np.ndarray) -> np.ndarray:
        """P(Y_i <= y_i)."""
        y = np.broadcast_to(np.asarray(y, dtype=float), self.mu.shape)
        with np.errstate(divide="ignore"):
            z = (np.log(np.where(y > 0, y, 1.0)) - self.mu) / self.sigma
        positive_part = self._std_cdf(z)
        return np.where(y < 0, 0.0, np.where(y == 0, self.zero_share,
                                             self.zero_share + (1 - self.zero_share) * positive_part))

    def p_attain(self, targets: ArrayLike) -> np.ndarray:
        """P(Y_i >= T_i). A target of 0 or less is always reached."""
        t = np.broadcast_to(np.asarray(targets, dtype=float), self.mu.shape)
        with np.errstate(divide="ignore"):
            z = (np.log(np.where(t > 0, t, 1.0)) - self.mu) / self.sigma
        above = (1 - self.zero_share) * (1 - self._std_cdf(z))
        return np.where(t <= 0, 1.0, above)

    def sample(self, n_draws: int, rng: np.random.Generator) -> np.ndarray:
        """Joint draws, shape (n_draws, n_reps), with the shared period shock.

        Each rep's draws follow the rep's own law exactly (a Gaussian copula): a normal score
        g_i = rho_i c + sqrt(1 - rho_i^2) eps_i, with c the period's shock shared by the team and
        rho_i = s / sigma_i (s the shared part of the log spread), is read through the rep's residual law
        at Phi(g_i). The normal scores of two reps correlate as s^2 / (sigma_i sigma_j), as a shock
        s c added on the log scale would, but a shock added to a skewed residual changes the rep's law:
        a team of one rep simulated so had a median of $35k beside the rep's own $37k. Zeros are the rep's
        own hurdle, drawn apart.
        """
        n = self.mu.size
        shared = min(self.shared_sigma, float(np.min(self.sigma))) if n else 0.0
        rho = np.minimum(shared / np.maximum(self.sigma, 1e-12), 1.0)
        # the normal scores, in place in one array (4,000 x 1,000 draws: 32 MB an array)
        g = rng.standard_normal((n_draws, n))
        g *= np.sqrt(1.0 - rho**2)
        g += rng.standard_normal((n_draws, 1)) * rho
        if self.residuals is not None:
            u = special.ndtr(g, out=g)
            np.clip(u, 1e-9, 1 - 1e-9, out=u)
            z = self.residuals.ppf(u)
        else:
            z = _t_of_normal_scores(g, np.broadcast_to(self.df, self.mu.shape))
        z *= self.sigma
        z += self.mu
        positive = rng.uniform(size=(n_draws, n)) >= self.zero_share
        np.exp(z, out=z)
        z[~positive] = 0.0
        return z


# Normal scores at which a Student t's quantile is tabled for the joint draws, 0.006 apart (beyond them: the
# ends, as levels are clipped to [1e-9, 1 - 1e-9]); linear between them: within 3e-5 of t.ppf, relatively.
_SCORE_END, _SCORE_POINTS = float(-special.ndtri(1e-9)), 2049
_SCORE_GRID = np.linspace(-_SCORE_END, _SCORE_END, _SCORE_POINTS)


def _t_of_normal_scores(g: np.ndarray, df: np.ndarray) -> np.ndarray:
    """``stats.t.ppf(ndtr(g), df)`` for normal scores ``g`` (draws, reps) and each rep's ``df``, from a table
    per distinct df on an even grid of scores (the interval found by arithmetic, not a search): t's quantile
    costs a third of a microsecond a value (1.4 s for 4,000 draws of 1,000 reps)."""
    step = 2 * _SCORE_END / (_SCORE_POINTS - 1)
    pos = np.clip((g + _SCORE_END) / step, 0.0, _SCORE_POINTS - 1.0)
    left = np.minimum(pos.astype(np.intp), _SCORE_POINTS - 2)
    pos -= left                                  # the distance from the left point, in steps
    levels = special.ndtr(_SCORE_GRID)
    distinct = np.unique(df)
    out = np.empty_like(g)
    for d in distinct:
        table = special.stdtrit(d, levels)
        rise = np.diff(table)
        if distinct.size == 1:
            np.multiply(rise[left], pos, out=out)
            out += table[left]
        else:
            cols = np.flatnonzero(df == d)
            out[:, cols] = table[left[:, cols]] + rise[left[:, cols]] * pos[:, cols]
    return out


def _t_ppf_rows(u: np.ndarray, zero_share: np.ndarray, df: np.ndarray) -> np.ndarray:
    """``stats.t.ppf(u, df[:, None])`` for the levels ``u`` (n_reps, n_levels) of a quantile, each distinct row
    asked once: a rep's row of levels is a function of its zero share, so reps with the same zero share and
    degrees of freedom (the same counts of periods: most reps of a team) have the same row, and t.ppf is
    elementwise, so the answer is the same, bit for bit (the variant choice's Student t quantiles: a sixth of
    the rows at 300 reps)."""
    df = np.broadcast_to(np.asarray(df, dtype=float), zero_share.shape)
    keys = np.stack([zero_share, df], axis=1)
    if u.shape[0] < 2 or not np.isfinite(keys).all():
        return np.asarray(stats.t.ppf(u, df[:, None]))
    _, first, inverse = np.unique(keys, axis=0, return_index=True, return_inverse=True)
    return np.asarray(stats.t.ppf(u[first], df[first][:, None]))[inverse.ravel()]


@dataclass(frozen=True)
class NegBinomialCount:
    """y_i ~ nbinom(n=r_i, p=q_i) (scipy's parameterisation: failures before r_i successes).

    ``shared_sigma`` is the sd of a common log-rate shock used by :meth:`sample`: part of each rep's law,
    not added to it (a team of one rep simulated with it on top had a median of 6 deals beside the rep's 8).
    """

    reps: np.ndarray
    r: np.ndarray
    q: np.ndarray
    shared_sigma: float = 0.0
    family: str = field(default="negative binomial", init=False)

    def quantile(self, p: ArrayLike) -> np.ndarray:
        levels, scalar = _as_levels(p)
        out = stats.nbinom.ppf(levels[None, :], self.r[:, None], self.q[:, None]).astype(float)
        return out[:, 0] if scalar else out

    def cdf(self, y: np.ndarray) -> np.ndarray:
        return stats.nbinom.cdf(np.floor(y), self.r, self.q)

    def p_attain(self, targets: ArrayLike) -> np.ndarray:
        """P(Y_i >= T_i) = sf(ceil(T_i) - 1)."""
        t = np.broadcast_to(np.asarray(targets, dtype=float), self.r.shape)
        return np.where(t <= 0, 1.0, stats.nbinom.sf(np.ceil(t) - 1, self.r, self.q))

    def sample(self, n_draws: int, rng: np.random.Generator) -> np.ndarray:
        """Joint draws, shape (n_draws, n_reps), with the shared period shock: each rep's own law exactly, the
        reps moving together as the shock on their log rates would make them (:mod:`analytics.count_draws`).
        Drawn as Poisson counts of a gamma rate times a lognormal shock (the law's mean and variance, not its
        shape), a lone rep's P10 was 5 deals beside the law's 3."""
        return count_draws.joint_counts(self.r, self.q, self.shared_sigma, n_draws, rng)


@dataclass(frozen=True)
class BetaBinomialRate:
    """A rate (win rate) next period: wins ~ betabinom(N_i, a_i, b_i), rate = wins / N_i.

    ``a_i, b_i`` are the rep's Beta law of the rate (calibration-methods section 3; :mod:`analytics.rate_model`).
    N_i, the deals the rep will close, is not known in advance: with ``closes`` (reps, K: the rep's closes in
    their last periods with one, 0 = no slot) it is each of them with equal chance
    (:class:`analytics.rate_mixture.RateMixture`); without, it is ``trials_i``, the rep's typical closes.
    """

    reps: np.ndarray
    a: np.ndarray
    b: np.ndarray
    trials: np.ndarray
    shared_sigma: float = 0.0
    closes: np.ndarray | None = None
    family: str = field(default="beta-binomial rate", init=False)

    @cached_property
    def _mixture(self) -> RateMixture:
        closes = self.trials[:, None] if self.closes is None else self.closes
        return RateMixture.of(self.a, self.b, closes)

    def quantile(self, p: ArrayLike) -> np.ndarray:
        levels, scalar = _as_levels(p)
        out = self._mixture.quantile(levels)
        return out[:, 0] if scalar else out

    def cdf(self, y: np.ndarray) -> np.ndarray:
        return self._mixture.cdf(np.asarray(y, dtype=float))

    def p_attain(self, targets: ArrayLike) -> np.ndarray:
        """P(rate_i >= T_i) = the weighted P(wins >= ceil(T_i * N_k))."""
        t = np.broadcast_to(np.asarray(targets, dtype=float), self.a.shape)
        return np.where(t <= 0, 1.0, self._mixture.sf_from(t))

    def sample(self, n_draws: int, rng: np.random.Generator) -> np.ndarray:
        return self._mixture.sample(self.a, self.b, n_draws, rng)


RepPredictive = LogScaleHurdle | NegBinomialCount | BetaBinomialRate
