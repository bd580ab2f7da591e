"""How sharp can a mid-period chance be? The replay's Brier ratio beside an oracle's.

``python -m bench.tracking_bound`` (``--regime NAME``, ``--grain``, repeatable) prints, per test company of
:mod:`analytics.sample_regimes` and grain, the replay's (:func:`analytics.pace_replay.replay`) Brier of the
start and mid-period chances beside those of an oracle (:mod:`bench.tracking_oracle`): a forecaster that
knows the sample generator's true process and everything drawn by the day, and re-simulates the rest of
the period from the generator's own law. ``python -m bench.bench_tracking`` records the oracle's
columns in bench/README.md.

Maths
-----
**Why an oracle is needed (the Gaussian picture).** On a normal-score scale the period's outcome given
what is known at its start is Z = X + E, X ~ N(0, R^2) the part the mid-period information predicts
and E ~ N(0, 1 - R^2) the rest; the base sits where the start chance is p0 = P(Z >= t),
t = -Phi^-1(p0). The ideal mid chance is p = Phi((X - t) / sqrt(1 - R^2)) and a calibrated chance's
Brier is E[p (1 - p)]. Writing p (1 - p) as P(X + E1 >= t, X + E2 < t | X) for two independent copies
E1, E2 of E, the pair (-(X + E1), X + E2) is standard bivariate normal with correlation -R^2, so

    Brier_mid = Phi2(-t, t; -R^2),   Brier_start = p0 (1 - p0) = Phi(-t) Phi(t),

and at the median (t = 0, Phi2(0, 0; rho) = 1/4 + arcsin(rho) / (2 pi)) the ratio is
1 - (2 / pi) arcsin(R^2) (:func:`gaussian_ratio`): 2/3 at R^2 = 1/2, two independent halves of equal
spread, and the aim 0.6 needs R^2 >= sin(0.2 pi) = 0.588. R^2 is what nothing in an export measures
directly (a regression of the outcome on first-half features, in sample, gave ratios *above* the
engine's at month grain: a weak forecaster, not a bound), hence the oracle.

**The oracle's Brier.** Its chance p_i is calibrated by construction, so its expected Brier is
E[p_i (1 - p_i)]; the table shows its Brier on the realised outcomes, like the engine's, and the
engine's excess over it with a standard error clustered by period (the reps of a period share its
shock). *oracle mid / start*: the oracle's mid Brier over the engine's start Brier, the lowest ratio a
better mid-period chance alone could reach (the aim's ratio keeps the engine's start). *oracle's own*:
its mid over its own start Brier (it sees the open pipeline at the start too, so its start is sharper
and its own ratio higher). *without pipeline*: the oracle of an orders export, which knows the rates
and shocks but not which deals are open (:func:`bench.tracking_oracle.oracle_chances`,
``sees_pipeline=False``).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from datetime import timedelta
from pathlib import Path

import numpy as np
import pandas as pd
from scipy import stats

from analytics import importing, store
from analytics.pace_replay import brier_summary, midpoint_day, replay
from analytics.periods import parse_period
from analytics.sample import generate
from analytics.sample_regimes import REGIMES
from bench.tracking_oracle import N_SCENARIOS, World, oracle_chances, rebuild_world


def gaussian_ratio(p_start: np.ndarray, r2: float) -> float:
    """sum_i Phi2(-t_i, t_i; -R^2) / sum_i p0_i (1 - p0_i), t_i = -Phi^-1(p0_i) (module docs).

    >>> round(gaussian_ratio(np.array([0.5]), 0.5), 4)      # two independent halves, base at the median
    0.6667
    >>> round(gaussian_ratio(np.array([0.5, 0.5]), float(np.sin(0.2 * np.pi))), 4)
    0.6
    """
    p0 = np.clip(np.asarray(p_start, dtype=float), 1e-9, 1 - 1e-9)
    t = -stats.norm.ppf(p0)
    rho = -float(np.clip(r2, 0.0, 1.0 - 1e-12))
    pairs = np.column_stack([-t, t])
    mid = np.atleast_1d(stats.multivariate_normal(mean=[0.0, 0.0], cov=[[1.0, rho], [rho, 1.0]]).cdf(pairs))
    return float(np.sum(mid) / np.sum(p0 * (1 - p0)))


def oracle_column(world: World, frame: pd.DataFrame, *, at: float | None = 0.5, sees_pipeline: bool = True,
                  n_scenarios: int = N_SCENARIOS, fiscal_start_month: int = 1) -> np.ndarray:
    """The oracle's chance for every row of a replay frame: as of the replay's midpoint (``at``), or at the
    period's start (``at=None``: the day before it, nothing booked)."""
    out = np.full(len(frame), np.nan)
    for k, (label, rows) in enumerate(frame.groupby("period", sort=False).indices.items()):
        period = parse_period(str(label), fiscal_start_month)
        part = frame.iloc[rows]
        day = period.start - timedelta(days=1) if at is None else midpoint_day(period, at)
        booked = np.zeros(len(part)) if at is None else part["booked_mid"].to_numpy(dtype=float)
        out[rows], _ = oracle_chances(world, day, period.end, booked, part["target"].to_numpy(dtype=float),
                                      list(part["rep"]), sees_pipeline=sees_pipeline, n_scenarios=n_scenarios,
                                      seed=k)
    return out


def oracle_figures(world: World, frame: pd.DataFrame, *, n_scenarios: int = N_SCENARIOS,
                   own_start: bool = True) -> dict[str, float]:
    """Brier of the oracle's mid chance (with and without the pipeline) and, with ``own_start``, of its start
    chance; the engine's mid Brier minus the oracle's, with its standard error clustered by period."""
    y = frame["reached"].to_numpy(dtype=float)
    mid = oracle_column(world, frame, n_scenarios=n_scenarios)
    blind = oracle_column(world, frame, sees_pipeline=False, n_scenarios=n_scenarios)
    gap = brier_summary(frame.assign(p_start=frame["p_mid"], p_mid=mid))
    out = {"oracle_mid": float(np.mean((mid - y) ** 2)), "oracle_mid_blind": float(np.mean((blind - y) ** 2)),
           "excess": gap["difference"], "se_excess": gap["se_difference"], "oracle_start": float("nan")}
    if own_start:
        start = oracle_column(world, frame, at=None, n_scenarios=n_scenarios)
        out["oracle_start"] = float(np.mean((start - y) ** 2))
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.tracking_bound", description=__doc__.split("\n")[0])
    parser.add_argument("--regime", action="append", choices=list(REGIMES), default=None)
    parser.add_argument("--grain", action="append", choices=["quarter", "month"], default=None)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--scenarios", type=int, default=N_SCENARIOS)
    args = parser.parse_args(argv)
    print("| company | grain | Brier start | Brier mid | mid / start | oracle start | oracle mid | oracle mid / start "
          "| oracle's own mid / start | oracle without pipeline mid / start | engine − oracle mid ± 1 s.e. |")
    with tempfile.TemporaryDirectory(prefix="tracking-bound-") as tmp:
        for name in args.regime or list(REGIMES):
            paths = generate(Path(tmp) / name, seed=args.seed, regime=name)
            world = rebuild_world(seed=args.seed, regime=name)
            conn = store.connect(Path(tmp) / f"{name}.duckdb")
            try:
                for path in paths.values():
                    importing.import_file(conn, path)
                for grain in args.grain or ["quarter", "month"]:
                    frame = replay(conn, "revenue", grain)
                    ours = brier_summary(frame)
                    o = oracle_figures(world, frame, n_scenarios=args.scenarios)
                    start = ours["brier_start"]
                    print(f"| {name} | {grain} | {start:.3f} | {ours['brier_mid']:.3f} | {ours['ratio']:.2f} "
                          f"| {o['oracle_start']:.3f} | {o['oracle_mid']:.3f} | {o['oracle_mid'] / start:.2f} "
                          f"| {o['oracle_mid'] / o['oracle_start']:.2f} | {o['oracle_mid_blind'] / start:.2f} "
                          f"| {o['excess']:.3f} ± {o['se_excess']:.3f} |", flush=True)
            finally:
                conn.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
