"""``python -m bench.regimes_table``: the model's backtest on every test company, into docs/calibration-regimes.md.

Each regime of :mod:`analytics.sample_regimes` is generated into a temporary folder, imported into a
fresh database through :mod:`analytics.importer` (the path a manager's files take), and backtested
(:func:`analytics.backtest.run_backtest`: one period ahead, rolling origins) on revenue at month and
quarter grain. The table it writes is the measure the calibration work of the regimes is judged by;
it names the date and the commit it was measured at. Options: ``--reps``, ``--years``, ``--seed``,
``--out`` (default docs/calibration-regimes.md).
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import NamedTuple

import numpy as np

from analytics import importer, store
from analytics.backtest import BacktestResult, run_backtest
from analytics.sample import generate
from analytics.sample_regimes import REGIMES

ROOT = Path(__file__).resolve().parent.parent
LEVELS = (0.10, 0.25, 0.50, 0.75, 0.90)
GRAINS = ("month", "quarter")


class RegimeScore(NamedTuple):
    """One regime at one grain: what the table shows."""

    regime: str
    grain: str
    forecasts: int
    plain: tuple[float, ...]  # share of outcomes at or below each level's quantile, minus the level
    randomized: tuple[float, ...]  # the same from the randomized PIT (ties at zero spread out)
    crps_gain: float  # 1 - model CRPS / best naive rule's CRPS: positive when the model is better
    best_naive: str


def measure(name: str, folder: Path, *, reps: int, years: int, seed: int) -> list[RegimeScore]:
    """Generate, import and backtest one regime; one score per grain."""
    paths = generate(folder / name, reps=reps, years=years, seed=seed, regime=name)
    conn = store.connect(folder / f"{name}.duckdb")
    try:
        for path in paths.values():
            importer.import_file(conn, path)
        return [score(name, run_backtest(conn, "revenue", grain, levels=LEVELS)) for grain in GRAINS]
    finally:
        conn.close()


def score(name: str, result: BacktestResult) -> RegimeScore:
    """The table's figures from one backtest."""
    cov = result.coverage
    naive = {k: v for k, v in result.crps.items() if k != "model" and np.isfinite(v)}
    best = min(naive, key=lambda k: naive[k]) if naive else "–"
    gain = 1 - result.crps["model"] / naive[best] if naive else float("nan")
    return RegimeScore(name, result.grain, result.n_forecasts,
                       tuple(float(x) for x in cov["covered"] - cov["nominal"]),
                       tuple(float(x) for x in cov["covered_randomized"] - cov["nominal"]), float(gain), best)


def _pts(x: float) -> str:
    return "–" if not np.isfinite(x) else f"{100 * x:+.1f}".replace("-", "−")


def table(scores: list[RegimeScore]) -> list[str]:
    """Markdown rows: a regime x grain per row; coverage error as plain / randomized points."""
    head = ["regime", "grain", "forecasts", *(f"P{round(100 * lv)}" for lv in LEVELS), "worst",
            "CRPS vs best naive rule"]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for s in scores:
        worst = max((abs(x) for x in (*s.plain, *s.randomized) if np.isfinite(x)), default=float("nan"))
        cells = [f"{_pts(p)} / {_pts(r)}" for p, r in zip(s.plain, s.randomized, strict=True)]
        gain = "–" if not np.isfinite(s.crps_gain) else \
            f"{_pts(s.crps_gain)}% ({s.best_naive.replace('_', ' ')})"
        lines.append(f"| {s.regime} | {s.grain} | {s.forecasts:,} | " + " | ".join(cells)
                     + f" | {'–' if not np.isfinite(worst) else f'{100 * worst:.1f}'} | {gain} |")
    return lines


def _commit() -> str:
    try:
        # "-dirty": measured on a working tree with changes not yet committed.
        out = subprocess.run(["git", "describe", "--always", "--dirty", "--abbrev=7"], cwd=ROOT,
                             capture_output=True, text=True, check=True)
    except (OSError, subprocess.CalledProcessError):
        return "unknown"
    return out.stdout.strip()


def document(scores: list[RegimeScore], *, reps: int, years: int, seed: int, seconds: float) -> str:
    """The whole docs page: what was measured, how to read it, the table, and each regime in a line."""
    stamp = datetime.now(UTC).strftime("%Y-%m-%d")
    return "\n".join([
        "# Calibration on the test companies (regimes)",
        "",
        f"Measured {stamp} at commit `{_commit()}` by `python -m bench.regimes_table` "
        f"({reps} reps, {years} years of history, seed {seed}; {seconds:.0f} s). Regenerate it with the same command.",
        "",
        "Each test company is written by `python -m analytics sample --regime NAME`, imported like a manager's",
        "files, and backtested one period ahead on revenue from rolling origins (every complete period with",
        "at least four before it), at month and quarter grain.",
        "",
        "- **P10 … P90**: coverage error in points, *plain / randomized PIT*: the share of outcomes at or below",
        "  the forecast's quantile minus the level (P50 at −10.0: only 40% of outcomes fell at or below the",
        "  median). Plain counts an outcome equal to the quantile (a zero month) as covered; the randomized PIT",
        "  spreads such ties, so it is the fairer figure on sparse data.",
        "- **worst**: the largest error of the row, in points.",
        "- **CRPS vs best naive rule**: 1 − model CRPS / the CRPS of the best of the naive rules (trailing mean,",
        "  same period last year, each rep's own percentiles, ...); positive: the model is better.",
        "- The target (issue: calibration that holds when the whole team grows or dips): within 5 points at",
        "  P10/P90 and 8 points at P25–P75, and a CRPS at least as good as the best naive rule.",
        "",
        *table(scores),
        "",
        "## The regimes",
        "",
        *(f"- `{r.name}`: {r.description}." for r in REGIMES.values()),
        "",
        "Every regime is the default company of the same seed with one thing changed, so its rows compare",
        "with the default's. `orders_only` holds the default company's won deals: its revenue backtest equals",
        "the default's by construction; what it tests is the import of an orders export and the figures that",
        "need no stages, created dates or activities.",
        "",
    ])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.regimes_table", description=__doc__)
    parser.add_argument("--reps", type=int, default=36)
    parser.add_argument("--years", type=int, default=3)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--out", default=str(ROOT / "docs" / "calibration-regimes.md"))
    args = parser.parse_args(argv)
    began = time.perf_counter()
    scores: list[RegimeScore] = []
    with tempfile.TemporaryDirectory(prefix="regimes-") as tmp:
        for name in REGIMES:
            scores += measure(name, Path(tmp), reps=args.reps, years=args.years, seed=args.seed)
            print(f"{name}: {time.perf_counter() - began:.0f} s", flush=True)
    text = document(scores, reps=args.reps, years=args.years, seed=args.seed, seconds=time.perf_counter() - began)
    Path(args.out).write_text(text, encoding="utf-8")
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
