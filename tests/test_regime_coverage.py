"""Calibration on each test company (regime): backtest coverage within what its forecasts allow.

Each regime of ``analytics.sample_regimes`` is generated small (24 reps, 3 years), imported like a
manager's files and backtested the product's way (``run_backtest``: rolling origins, the variant
chosen as it goes, quarters from monthly origins). At every level p the share of outcomes at or
below the forecast's quantile (randomized PIT: a zero month is a tie, not a hit at every level)
must lie within

    3 * sqrt(p (1 - p) / n)  +  MODEL_ALLOWANCE

of p: three binomial standard deviations of n forecasts, plus a stated allowance for model error
(the issue's aim is 5 points at P10/P90 and 8 in the middle on these companies; 2 points of it
are allowed beyond sampling noise here). A quarter from monthly origins overlaps the two before it
(each month is in three windows), so its n is the forecasts / 3. The full table at 36 reps is
docs/calibration-regimes.md (``python -m bench.regimes_table``).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from analytics import importing, sample, store
from analytics.backtest import BacktestResult, run_backtest
from analytics.sample_regimes import REGIMES

REPS, YEARS, SEED = 24, 3, 7
LEVELS = (0.10, 0.25, 0.50, 0.75, 0.90)
MODEL_ALLOWANCE = 0.02
OVERLAP = {"month": 1, "quarter": 3}   # forecasts sharing each outcome month


def tolerance(p: float, n: float) -> float:
    """Three binomial sd of a coverage share from n independent forecasts, plus the model allowance.

    >>> round(tolerance(0.5, 900), 3), round(tolerance(0.1, 900), 3)
    (0.07, 0.05)
    """
    return 3 * float(np.sqrt(p * (1 - p) / n)) + MODEL_ALLOWANCE


@pytest.fixture(scope="module")
def databases(tmp_path_factory) -> dict[str, Path]:
    return {}


def _backtest(databases: dict[str, Path], folder: Path, name: str, grain: str) -> BacktestResult:
    if name not in databases:
        paths = sample.generate(folder / name, reps=REPS, years=YEARS, seed=SEED, regime=name)
        db = folder / f"{name}.duckdb"
        conn = store.connect(db)
        for kind in ("reps", "opportunities", "orders"):   # revenue needs the deals and the roster
            if kind in paths:
                importing.import_file(conn, paths[kind])
        conn.close()
        databases[name] = db
    conn = store.connect(databases[name], read_only=True)
    try:
        return run_backtest(conn, "revenue", grain, levels=LEVELS)
    finally:
        conn.close()


@pytest.mark.parametrize("grain", ["month", "quarter"])
@pytest.mark.parametrize("name", list(REGIMES))
def test_each_regime_is_calibrated_within_what_its_forecasts_allow(databases, tmp_path_factory, name, grain):
    result = _backtest(databases, tmp_path_factory.getbasetemp(), name, grain)
    n = result.n_forecasts / OVERLAP[grain]
    assert n >= 150, f"{name} {grain}: only {result.n_forecasts} forecasts"
    pit = result.forecasts["pit"].to_numpy()
    errors = {p: float(np.mean(pit <= p)) - p for p in LEVELS}
    outside = {f"P{round(100 * p)}": f"{100 * e:+.1f} pts (allowed {100 * tolerance(p, n):.1f})"
               for p, e in errors.items() if abs(e) > tolerance(p, n)}
    assert not outside, f"{name} {grain}, {result.n_forecasts} forecasts: {outside}"
