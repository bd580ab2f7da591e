"""``np.interp`` on fixed sorted knots, asked again and again: each value's interval found from a bucket index.

A residual law's cdf interpolates the plotting positions k / (n + 1) at its sorted values
(:class:`analytics.predictive.EmpiricalResidualLaw`), and Tracking asks it at hundreds of thousands of
points per target (every open-pipeline outcome of every rep). ``np.interp`` finds each point's interval by
a binary search over the 20,000 knots; here the knots' range is cut into ``4 n`` equal buckets, each
bucket knows the last knot at or below its left edge, and a point starts from its bucket's knot and steps
to its interval (a step or two at most where the knots are dense). The interval is the same one (the last
knot at or below the point: it is unique, whatever the start), and the value is computed by numpy's own
formula and rules (a point on a knot takes the knot's value, NaN stays NaN, the ends' values outside), so
the result is equal to ``np.interp`` bit for bit (tests/test_bucket_interp.py), three to four times faster.

>>> import numpy as np
>>> index = BucketIndex(np.array([0.0, 1.0, 1.0, 4.0]), np.array([0.2, 0.4, 0.6, 0.8]))
>>> index.interp(np.array([-1.0, 0.0, 0.5, 1.0, 2.5, 4.0, 9.0, np.nan])).tolist()
[0.2, 0.2, 0.30000000000000004, 0.6, 0.7, 0.8, 0.8, nan]
"""

from __future__ import annotations

import numpy as np

BUCKETS_PER_KNOT = 4


class BucketIndex:
    """``np.interp(x, xp, fp)`` for any ``x`` on fixed sorted knots ``xp`` (at least two, finite) and values ``fp``."""

    def __init__(self, xp: np.ndarray, fp: np.ndarray) -> None:
        self.xp = np.asarray(xp, dtype=float)
        self.fp = np.asarray(fp, dtype=float)
        n = self.xp.size
        self.lo, self.hi = float(self.xp[0]), float(self.xp[-1])
        self.buckets = BUCKETS_PER_KNOT * n
        self.scale = self.buckets / (self.hi - self.lo) if self.hi > self.lo else 0.0
        edges = self.lo + np.arange(self.buckets) / self.scale if self.scale else np.full(self.buckets, self.lo)
        self.start = np.searchsorted(self.xp, edges, side="right") - 1   # the last knot at or below each edge
        with np.errstate(divide="ignore", invalid="ignore"):         # equal knots: never used (see interp)
            self.slopes = (self.fp[1:] - self.fp[:-1]) / (self.xp[1:] - self.xp[:-1])

    def interp(self, x: np.ndarray) -> np.ndarray:
        """``np.interp(x, xp, fp)``, equal bit for bit (NaN for NaN, possibly another NaN's bits)."""
        xp, fp, n = self.xp, self.fp, self.xp.size
        shape = np.shape(x)
        z = np.asarray(x, dtype=float).ravel()
        with np.errstate(invalid="ignore"):
            c = np.clip(z, self.lo, self.hi)                 # NaN stays NaN: every comparison below is False
            bucket = ((c - self.lo) * self.scale).astype(np.intp)
        np.clip(bucket, 0, self.buckets - 1, out=bucket)
        j = self.start[bucket]
        # From the bucket's knot to the point's interval: left while the knot is above the point (rounding of
        # the bucket), then right while the next knot is at or below it (knots inside the bucket).
        moving = np.flatnonzero(xp[j] > c)
        while moving.size:
            j[moving] -= 1
            moving = moving[xp[j[moving]] > c[moving]]
        np.minimum(j, n - 2, out=j)
        moving = np.flatnonzero(xp[j + 1] <= c)
        while moving.size:
            j[moving] += 1
            moving = moving[j[moving] < n - 1]
            moving = moving[xp[j[moving] + 1] <= c[moving]]
        left = np.minimum(j, n - 2)
        # numpy's formula; on a knot (the last one included) the knot's value, as numpy gives it
        with np.errstate(invalid="ignore"):          # (equal knots' slopes: replaced just below)
            out = self.slopes[left] * (c - xp[left]) + fp[left]
        on_knot = xp[j] == c
        if on_knot.any():
            out[on_knot] = fp[j[on_knot]]
        below, above = z < self.lo, z > self.hi
        if below.any():
            out[below] = fp[0]
        if above.any():
            out[above] = fp[-1]
        return out.reshape(shape)
