"""The log model's hurdle: each rep's share of zero periods (calibration-methods sections 2 and 9).

* a rep's share is the beta-binomial posterior mean of its zero periods (:func:`zero_shares`: per-rep
  shares, never one team-wide share, which hurt on real histories);
* at monthly grain it is moved by the team's month-of-quarter odds (:func:`moq_zero_shares`: zero
  months cluster where deals do not close);
* and it follows the team's level forecast (:func:`level_zero_link`, :func:`shifted_zero_shares`): a
  growing team's reps sell in more of their months.

:func:`zero_parts` makes the first two from a panel; the log model applies the third per variant, as
its level forecast differs.
"""

from __future__ import annotations

import threading

import numpy as np
from scipy import special

from analytics.counts import fit_beta_binomial
from analytics.panel_arrays import month_of_quarter
from analytics.periods import Period


def zero_shares(zeros: np.ndarray, n: np.ndarray) -> np.ndarray:
    """Per-rep beta-binomial posterior mean share of zero periods (0 when no zero was ever seen)."""
    if np.sum(zeros) == 0:
        return np.zeros_like(n, dtype=float)
    a, b = _zero_prior(np.asarray(zeros, dtype=float), np.asarray(n, dtype=float))
    return (a + zeros) / (a + b + n)


_ZERO_PRIORS: dict[bytes, tuple[float, float]] = {}
_ZERO_PRIORS_SIZE = 512
_ZERO_PRIORS_LOCK = threading.Lock()


def _zero_prior(zeros: np.ndarray, n: np.ndarray) -> tuple[float, float]:
    """:func:`~analytics.counts.fit_beta_binomial` of (zeros, n), remembered by value: the variant choice
    fits every variant at each origin on the same cells (four Nelder-Mead fits of one prior), and a page's
    calibration refits the history a backtest already fitted."""
    key = zeros.tobytes() + b"|" + n.tobytes()
    found = _ZERO_PRIORS.get(key)
    if found is None:
        found = fit_beta_binomial(zeros, n)
        with _ZERO_PRIORS_LOCK:        # (a page's script thread and a backtest worker fit at once)
            if len(_ZERO_PRIORS) >= _ZERO_PRIORS_SIZE:
                _ZERO_PRIORS.pop(next(iter(_ZERO_PRIORS)))      # the oldest first (dicts keep insertion order)
            _ZERO_PRIORS[key] = found
    return found


def moq_zero_shares(zero_share: np.ndarray, zero_cells: np.ndarray, seen: np.ndarray,
                    moq: np.ndarray) -> np.ndarray:
    """Each rep's zero share per month of quarter (n_reps, 3): the rep's own share moved by the team's
    month-of-quarter odds, logit pi_ij = logit pi_i + logit r_j - logit r.

    Zero months cluster where deals do not close (the sample company: 17%, 21% and 5.5% of months
    1, 2 and 3 of a quarter are zero); one share for every month put too many zeros in the
    quarter-end month (its median too low: 42% of outcomes at or below it) and too few in the
    middle one, and a quarter summed from months was forecast low.

    Thirty reps who never sell in a quarter's first month and always in its last:

    >>> cells = np.tile([True, False, False], (30, 4))
    >>> shares = moq_zero_shares(np.full(30, 0.3), cells, np.ones_like(cells), np.tile([0, 1, 2], 4))
    >>> np.round(shares[0], 2)
    array([0.99, 0.01, 0.01])
    """
    n_j = np.bincount(moq, weights=seen.sum(axis=0), minlength=3)
    z_j = np.bincount(moq, weights=zero_cells.sum(axis=0), minlength=3)
    total, zeros = n_j.sum(), z_j.sum()
    if total == 0 or zeros == 0 or zeros == total or np.any(n_j == 0):
        return np.repeat(zero_share[:, None], 3, axis=1)
    rate_j = np.clip(z_j / n_j, 0.5 / n_j, 1 - 0.5 / n_j)       # half a month: no certain zero or sale
    shift = special.logit(rate_j) - special.logit(zeros / total)
    # Shrunk by its own noise (the variance of a log-odds, 1 / (n r (1 - r))): a pattern no larger than
    # the sampling noise of a few hundred months moves nothing.
    noise = 1 / (n_j * rate_j * (1 - rate_j))
    spread = max(float(np.mean(shift**2) - np.mean(noise)), 0.0)
    shift = shift * spread / (spread + noise)
    own = special.logit(np.clip(zero_share, 1e-6, 1 - 1e-6))
    return np.where(zero_share[:, None] > 0, special.expit(own[:, None] + shift[None, :]), 0.0)


LINK_PRIOR_SD = 2.0   # log-odds: keeps the fit finite when every zero month sits at one end of the level


def level_zero_link(levels: np.ndarray, zero_moq: np.ndarray, zero_cells: np.ndarray, seen: np.ndarray,
                    moq: np.ndarray) -> tuple[float, float]:
    """(a, gamma) of the team's zero months against its level: logit q_t = logit r_t + a + gamma d_t.

    Z_t of the N_t reps seen in period t had no sale; r_t = E_t / N_t is the share their own zero shares
    expect there (E_t the sum of the shares of the reps seen, at the month of quarter) and d_t the team's
    level net of month of quarter and season (``PeriodEffectForecast.levels``). Z_t is read as binomial
    (N_t, q_t) and (a, gamma) fitted by maximum likelihood (:func:`_offset_logit_fit`). A rep's share is
    its whole history's, so when the team's level moves (a company growing: zero months went from 16% to
    4% of rep-months as its level rose fourfold) every rep's share lags it, and a hurdle with too many
    zeros puts the median low. gamma is kept only where it says more sales mean fewer zero months (< 0),
    and shrunk by its standard error (gamma (1 - se^2 / gamma^2), positive part), so a level that does not
    move the zeros leaves the shares alone; a is then fitted again beside the shrunk gamma.

    Why not a line through each period's log-odds: a period with no zero month has none, and any stand-in
    (half a month: 0.5 / N_t) is more zeros than a small team with rare zero months expects (5 reps at
    3%: 10%), so every such period said "more zeros than expected" and the line's a tripled the zero
    shares (a P10 of 0 for reps with one zero month in fourteen). The likelihood reads a period without
    zeros as it is.

    Twenty-four periods of 40 reps whose zero months fall as the level rises:

    >>> d = np.linspace(-1, 1, 24)
    >>> rate = 1 / (1 + np.exp(2 + 1.5 * d))
    >>> zero = np.random.default_rng(0).uniform(size=(40, 24)) < rate
    >>> a, gamma = level_zero_link(d, np.full((40, 3), zero.mean()), zero, np.ones_like(zero), np.zeros(24, int))
    >>> bool(-2.2 < gamma < -0.9)
    True
    """
    n = seen.sum(axis=0).astype(float)
    z = zero_cells.sum(axis=0).astype(float)
    e = np.where(seen, zero_moq[:, moq], 0.0).sum(axis=0)
    ok = (n >= 5) & (e > 0) & (e < n) & np.isfinite(levels)
    if ok.sum() < 6 or z[ok].sum() == 0:
        return 0.0, 0.0
    n, z, d = n[ok], z[ok], levels[ok]
    offset = special.logit(e[ok] / n)
    (a, gamma), se2 = _offset_logit_fit(z, n, offset, d)
    if not gamma < 0:
        return 0.0, 0.0
    gamma *= max(1.0 - se2 / gamma**2, 0.0)
    if gamma == 0:
        return 0.0, 0.0
    (a, _), _ = _offset_logit_fit(z, n, offset, d, gamma=gamma)
    return float(a), float(gamma)


def _offset_logit_fit(z: np.ndarray, n: np.ndarray, offset: np.ndarray, d: np.ndarray,
                      gamma: float | None = None) -> tuple[tuple[float, float], float]:
    """Maximum likelihood (under a N(0, :data:`LINK_PRIOR_SD`^2) prior on each) of (a, gamma) in
    z_t ~ Binomial(n_t, expit(offset_t + a + gamma d_t)) by Newton's method, with gamma's variance
    (the inverse information, times the Pearson dispersion when over 1: zero months shared by a period's
    reps vary more than a binomial's); with ``gamma`` given, a alone (its variance then 0).

    >>> z, n = np.array([1.0, 4.0, 2.0, 0.0]), np.full(4, 20.0)
    >>> (a, g), _ = _offset_logit_fit(z, n, np.full(4, special.logit(0.05)), np.zeros(4))
    >>> round(float(special.expit(special.logit(0.05) + a)), 3)      # 7 of 80 months, the prior's pull aside
    0.086
    """
    free = 2 if gamma is None else 1
    x = np.column_stack([np.ones_like(d), d])[:, :free]
    base = offset + (0.0 if gamma is None else gamma * d)
    theta = np.zeros(free)
    prior = np.eye(free) / LINK_PRIOR_SD**2
    info = prior
    for _ in range(50):
        p = special.expit(base + x @ theta)
        info = (x * (n * p * (1 - p))[:, None]).T @ x + prior
        step = np.linalg.solve(info, x.T @ (z - n * p) - prior @ theta)
        theta = theta + step
        if np.max(np.abs(step)) < 1e-10:
            break
    if gamma is not None:
        return (float(theta[0]), gamma), 0.0
    p = special.expit(base + x @ theta)
    pearson = float(np.sum((z - n * p) ** 2 / np.maximum(n * p * (1 - p), 1e-12))) / max(d.size - 2, 1)
    return (float(theta[0]), float(theta[1])), float(np.linalg.inv(info)[1, 1]) * max(pearson, 1.0)


def shifted_zero_shares(shares: np.ndarray, shift: float | np.ndarray) -> np.ndarray:
    """``shares`` moved by ``shift`` on the log-odds scale; a share of 0 (no zero month in the team) stays 0.

    >>> np.round(shifted_zero_shares(np.array([0.0, 0.2, 0.5]), -1.0), 3).tolist()
    [0.0, 0.084, 0.269]
    """
    if not np.any(shift):
        return shares
    own = special.logit(np.clip(shares, 1e-6, 1 - 1e-6))
    return np.where(shares > 0, special.expit(own + shift), 0.0)


def zero_parts(y: np.ndarray, active: np.ndarray, periods: list[Period], target: Period,
                n_active: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Each rep's zero share per month of quarter (n_reps, 3); the zero cells, the cells seen and each
    period's month of quarter (0 at quarter grain) they were read from."""
    n_t = y.shape[1]
    pos = active & (y > 0)
    seen = active & np.isfinite(y)
    zero_cells = seen & ~pos
    zero_moq = np.repeat(zero_shares(zero_cells.sum(axis=1), n_active)[:, None], 3, axis=1)
    moq = np.zeros(n_t, dtype=int)
    if target.grain == "month" and n_t >= 3:
        moq = np.array([month_of_quarter(p) for p in periods], dtype=int)
        zero_moq = moq_zero_shares(zero_moq[:, 0], zero_cells, seen, moq)
    return zero_moq, zero_cells, seen, moq
