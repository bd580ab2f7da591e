"""Linear interpolation on the uniform grid k / (n + 1): ``np.interp`` without its binary search.

A residual law's quantile function interpolates its sorted values at the Weibull plotting positions
k / (n + 1), k = 1..n (:class:`analytics.predictive.EmpiricalResidualLaw`). Tracking draws millions
of values through it (4,000 joint draws of 1,000 reps), and ``np.interp`` finds each value's interval
by a binary search over the 20,000 positions. On a uniform grid the interval is arithmetic:
floor(u (n + 1)) - 1, then one step to the neighbour where rounding put it on the wrong side. The value is
then computed by numpy's own formula (slope of the interval times the distance from its left knot, plus
the left value), so the result is equal to ``np.interp`` bit for bit (tests/test_uniform_interp.py),
three times faster.

>>> import numpy as np
>>> fp = np.array([1.0, 2.0, 4.0])           # at the positions 1/4, 2/4, 3/4
>>> interp_plotting_positions(np.array([0.1, 0.25, 0.375, 0.6, 0.75, 0.9]), fp).tolist()
[1.0, 1.0, 1.5, 2.8, 4.0, 4.0]
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt


def plotting_positions(n: int) -> np.ndarray:
    """The grid k / (n + 1), k = 1..n, as ``np.arange(1, n + 1) / (n + 1)`` computes it."""
    return np.arange(1, n + 1) / (n + 1)


def interp_plotting_positions(x: npt.ArrayLike, fp: npt.ArrayLike) -> np.ndarray:
    """``np.interp(x, plotting_positions(len(fp)), fp)``, equal bit for bit: ``fp[0]`` left of the grid,
    ``fp[-1]`` right of it, NaN for NaN."""
    shape = np.shape(x)
    x = np.atleast_1d(np.asarray(x, dtype=float))
    fp = np.asarray(fp, dtype=float)
    n = fp.size
    xp = plotting_positions(n)
    if n < 3:
        return np.interp(x, xp, fp).reshape(shape)
    # numpy's slopes, computed as it does when it precomputes them
    slopes = (fp[1:] - fp[:-1]) / (xp[1:] - xp[:-1])
    with np.errstate(invalid="ignore"):     # NaN and infinite x: any interval; their value is set below
        j = np.clip(np.floor(x * (n + 1)).astype(np.intp) - 1, 0, n - 2)
    j -= xp[j] > x                            # rounding put x right of its interval: one step left
    np.clip(j, 0, n - 2, out=j)
    j += xp[j + 1] <= x                       # or left of it: one step right
    np.clip(j, 0, n - 2, out=j)
    out = slopes[j] * (x - xp[j]) + fp[j]
    out[x < xp[0]] = fp[0]
    out[x >= xp[-1]] = fp[-1]
    return out.reshape(shape)
