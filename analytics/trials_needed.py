"""The fewest trials (opportunities, demos, calls…) that give ``k`` wins with confidence ``q`` when the
win rate is uncertain, p ~ Beta(a, b), vectorised over reps.

Maths (calibration-methods section 4)
-------------------------------------
P(wins >= k | n trials) with each trial first passing a stage with rate rho, then won with p:

* rho = 1: ``betabinom.sf(k - 1, n, a, b)`` exactly;
* rho < 1: the Beta mixture of ``binom.sf(k - 1, n, rho * p)`` by the midpoint rule on the Beta's
  quantiles at (j + 0.5) / 256, j = 0..255 (:data:`QUAD_NODES`).

The answer is the smallest n with that chance >= q: the chance grows with n, so a bisection finds it.

How it is fast (the answer is the same n)
-----------------------------------------
At a thousand reps the Beta quantiles (``beta.ppf``, an iterative inversion) took 0.35 s a call and the
bisection called them at each of its 10-12 steps, at each of four funnel stages: 15 s for one plan.
:class:`UncertainRate` makes them once per rep and is shared by every stage. The bisection then runs on
a coarse chance (32 nodes, one per block of 8 of the 256, for every rep), which only guides: its answer is checked with the
exact chance above (at n and n - 1), and where the guide was off by a trial or more the exact chance
is searched outward from it (galloping, then bisection on the reps concerned; the guide is off by
a trial for about one rep in five). The smallest n passing
the exact chance is unique, so the answer is the one a bisection on the exact chance alone gives
(tests/test_sales_math.py compares the two on seeded cases).

Example
-------
>>> int(opportunities_needed_uncertain(5, 6.0, 18.0, 0.8))
31
>>> opportunities_needed_uncertain([5, 5], [6.0, 6.0], [18.0, 18.0], 0.8, rho=[1.0, 0.5]).tolist()
[31.0, 62.0]
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
from scipy import stats

QUAD_NODES = 256
"""Midpoint-rule nodes on the Beta's quantiles for a thinned stage's chance."""
_BLOCK = 8
"""The guide's nodes: one per block of 8 of the 256, midway between its two middle nodes (32 nodes, near
the Beta's quantiles at the midpoints of 32 equal slices)."""

Passes = Callable[[np.ndarray, np.ndarray], np.ndarray]
"""``passes(n, rows)``: whether n trials give the chance q, for the reps at positions ``rows``."""


@dataclass(frozen=True)
class UncertainRate:
    """Each rep's win rate p ~ Beta(a, b) and its quadrature nodes, the Beta's quantiles at
    (j + 0.5) / :data:`QUAD_NODES` (made once: they are the slow part). Invalid laws (a or b not
    positive) get placeholder nodes; their answers are NaN."""

    a: np.ndarray
    b: np.ndarray
    nodes: np.ndarray       # (reps, QUAD_NODES)
    guide: np.ndarray       # (reps, QUAD_NODES // 8): the coarse guide's nodes

    @classmethod
    def of(cls, a: npt.ArrayLike, b: npt.ArrayLike) -> UncertainRate:
        """The law of each rep's win rate; the nodes of the same ``a`` and ``b`` are remembered (a few
        teams' worth): a page plans again after every edit of a base target, with the same funnel."""
        a, b = np.broadcast_arrays(np.atleast_1d(np.asarray(a, dtype=float)), np.atleast_1d(np.asarray(b, dtype=float)))
        valid = (a > 0) & (b > 0)
        aa, bb = np.where(valid, a, 1.0), np.where(valid, b, 1.0)
        nodes = _beta_nodes(aa.tobytes(), bb.tobytes())
        middle = _BLOCK // 2
        return cls(aa, bb, nodes, (nodes[:, middle - 1::_BLOCK] + nodes[:, middle::_BLOCK]) / 2)


@functools.lru_cache(maxsize=8)
def _beta_nodes(a_bytes: bytes, b_bytes: bytes) -> np.ndarray:
    """The Beta(a, b) quantiles at (j + 0.5) / QUAD_NODES per rep (read-only: shared between calls)."""
    a, b = np.frombuffer(a_bytes), np.frombuffer(b_bytes)
    u = (np.arange(QUAD_NODES) + 0.5) / QUAD_NODES
    nodes = np.asarray(stats.beta.ppf(u[None, :], a[:, None], b[:, None]), dtype=float)
    nodes.setflags(write=False)
    return nodes


def chance(k: np.ndarray, n: np.ndarray, rate: UncertainRate, rho: np.ndarray, rows: np.ndarray,
           coarse: bool = False) -> np.ndarray:
    """P(wins >= k | n trials) for the reps at ``rows`` (``k``, ``n`` given for those rows; ``rho`` for
    every rep). ``coarse``: the guide's mixture on 32 nodes, for every rho."""
    r = rho[rows]
    if coarse:
        p = rate.guide[rows]
        return stats.binom.sf(k[:, None] - 1, n[:, None], np.minimum(r, 1.0)[:, None] * p).mean(axis=1)
    out = np.empty(rows.size)
    whole = r >= 1
    if whole.any():
        out[whole] = stats.betabinom.sf(k[whole] - 1, n[whole], rate.a[rows[whole]], rate.b[rows[whole]])
    if (~whole).any():
        thin = ~whole
        p = rate.nodes[rows[thin]]
        out[thin] = stats.binom.sf(k[thin][:, None] - 1, n[thin][:, None], r[thin][:, None] * p).mean(axis=1)
    return out


def _first_passing(passes: Passes, lo: np.ndarray, hi: np.ndarray, rows: np.ndarray) -> np.ndarray:
    """Bisection: the smallest n in (lo, hi] that passes, for each of ``rows``, given that hi passes and
    lo does not. Each step evaluates the reps still unsettled only."""
    lo, hi = lo.copy(), hi.copy()
    active = np.flatnonzero(hi - lo > 1)
    while active.size:
        mid = np.floor((lo[active] + hi[active]) / 2)
        good = passes(mid, rows[active])
        hi[active[good]] = mid[good]
        lo[active[~good]] = mid[~good]
        active = active[hi[active] - lo[active] > 1]
    return hi


def _settle(passes: Passes, guess: np.ndarray, floor: np.ndarray, rows: np.ndarray, cap: float) -> np.ndarray:
    """The smallest n > ``floor`` that passes, searched outward from ``guess`` (> floor) for each of
    ``rows``: usually ``guess`` itself, checked at n and n - 1. NaN where nothing up to ``cap`` passes."""
    out = np.full(rows.size, np.nan)
    at = passes(guess, rows)
    below = np.zeros(rows.size, bool)           # n = floor can never pass (fewer trials than wins)
    check = np.flatnonzero(at & (guess - 1 > floor))
    below[check] = passes(guess[check] - 1, rows[check])
    done = at & ~below
    out[done] = guess[done]
    # the guide was too low: gallop up from the guess to a passing n, then bisect
    up = np.flatnonzero(~at)
    lo, step = guess[up].copy(), np.ones(up.size)
    while up.size:
        hi = lo + step
        over = hi > cap
        good = np.zeros(up.size, bool)
        good[~over] = passes(hi[~over], rows[up[~over]])
        if good.any():
            out[up[good]] = _first_passing(passes, lo[good], hi[good], rows[up[good]])
        keep = ~good & ~over
        up, lo, step = up[keep], hi[keep], step[keep] * 2
    # the guide was too high: gallop down from n - 1 (which passes) to a failing n, then bisect
    down = np.flatnonzero(at & below)
    hi, step = guess[down] - 1, np.ones(down.size)
    while down.size:
        lo = np.maximum(hi - step, floor[down])
        fails = lo <= floor[down]
        probe = np.flatnonzero(~fails)
        fails[probe] = ~passes(lo[probe], rows[down[probe]])
        if fails.any():
            out[down[fails]] = _first_passing(passes, lo[fails], hi[fails], rows[down[fails]])
        keep = ~fails
        down, hi, step = down[keep], lo[keep], step[keep] * 2
    return out


def trials_needed(k: np.ndarray, rate: UncertainRate, q: float, rho: np.ndarray,
                  cap: float = 10**8) -> np.ndarray:
    """Smallest n with P(wins >= k | n trials) >= q per rep (see the module docstring); 0 for k <= 0, NaN
    for an invalid law, rho or k, or when not reachable below ``cap``."""
    k, rho = np.broadcast_arrays(np.asarray(k, dtype=float), np.asarray(rho, dtype=float))
    valid = (rate.a > 0) & (rate.b > 0) & (rho > 0) & np.isfinite(k) & np.isfinite(rho)
    kk = np.where(valid & (k > 0), k, 1.0)
    rr = np.where(valid, rho, 1.0)
    every = np.arange(kk.size)

    def coarse(n: np.ndarray, rows: np.ndarray) -> np.ndarray:
        return chance(kk[rows], n, rate, rr, rows, coarse=True) >= q

    def exact(n: np.ndarray, rows: np.ndarray) -> np.ndarray:
        return chance(kk[rows], n, rate, rr, rows) >= q

    # the guide: double from the mean-based guess until it passes, then bisect
    lo = kk - 1
    hi = np.maximum(kk, np.ceil(kk * (rate.a + rate.b) / rate.a / np.minimum(rr, 1.0)))
    done = coarse(hi, every)
    while not done.all() and hi.max() < cap:
        waiting = np.flatnonzero(~done)
        lo[waiting], hi[waiting] = hi[waiting], hi[waiting] * 2
        done[waiting] = coarse(hi[waiting], waiting)
    guess = np.where(done, hi, np.minimum(hi, cap))
    found = np.flatnonzero(done)
    guess[found] = _first_passing(coarse, lo[found], hi[found], found)
    answer = _settle(exact, guess, kk - 1, every, cap)
    return np.where(~valid, np.nan, np.where(k <= 0, 0.0, answer))


def opportunities_needed_uncertain(k: npt.ArrayLike, a: npt.ArrayLike, b: npt.ArrayLike, q: float = 0.8,
                                   rho: npt.ArrayLike = 1.0, cap: int = 10**8, *,
                                   rate: UncertainRate | None = None) -> np.ndarray | float:
    """Smallest N with P(wins >= k) >= q when p ~ Beta(a, b) (and each trial first passes a stage
    with rate ``rho``). Vectorised over reps; NaN when not reachable below ``cap``.

    ``rate``: the reps' :class:`UncertainRate` of the same ``a`` and ``b``, made once for several calls
    (a plan's four funnel stages).
    """
    scalar = all(np.ndim(x) == 0 for x in (k, a, b, rho))
    k, a, b, rho = np.broadcast_arrays(*(np.atleast_1d(np.asarray(x, dtype=float)) for x in (k, a, b, rho)))
    law = rate if rate is not None else UncertainRate.of(a, b)
    valid = (a > 0) & (b > 0)
    out = trials_needed(k, law, q, rho, cap)
    out = np.where(valid, out, np.nan)
    return float(out[0]) if scalar else out
