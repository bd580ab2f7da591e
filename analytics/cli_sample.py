"""``python -m analytics sample``: write the deterministic sample company, or a big deals file.

The generator is :mod:`analytics.sample` and the benchmark file :mod:`analytics.sample_big`; this
module is only the verb, so the two generators never import each other.
"""

from __future__ import annotations

import argparse
import sys
from datetime import date
from pathlib import Path

from analytics import formatting
from analytics.sample import AS_OF, generate
from analytics.sample_big import write_benchmark_deals
from analytics.sample_regimes import REGIMES


def _run(args: argparse.Namespace) -> int:
    try:
        as_of = date.fromisoformat(args.as_of)
        if args.rows is not None:
            path = write_benchmark_deals(Path(args.out) / f"opportunities_{args.rows}.csv", args.rows,
                                         seed=1 if args.seed is None else args.seed)
            print(f"wrote {formatting.count(args.rows)} rows to {path}")
            return 0
        paths = generate(args.out, reps=args.reps, years=args.years, seed=7 if args.seed is None else args.seed,
                         as_of=as_of, regime=args.regime)
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    for path in paths.values():
        print(f"wrote {path} ({formatting.count(path.stat().st_size)} bytes)")
    return 0


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add ``sample``: write the deterministic sample company (or, with --rows, a big deals file)."""
    p = subparsers.add_parser("sample", help="write the deterministic sample company's CSV exports")
    p.add_argument("--reps", type=int, default=36, help="reps on the roster over the period (default 36)")
    p.add_argument("--years", type=int, default=3, help="years of history before as-of's quarter (default 3)")
    p.add_argument("--seed", type=int, default=None, help="random seed (default 7; 1 with --rows)")
    p.add_argument("--out", default="data/sample", help="output directory (default data/sample)")
    p.add_argument("--as-of", default=AS_OF.isoformat(), help="data as-of date, YYYY-MM-DD (default 2026-11-15)")
    regimes = "; ".join(f"{r.name}: {r.description}" for r in REGIMES.values())
    p.add_argument("--regime", default="default", choices=list(REGIMES),
                   help="a test company: " + regimes.replace("%", "%%"))   # (argparse formats help with %)
    p.add_argument("--rows", type=int, default=None,
                   help="write only a benchmark deals file of N rows, DIR/opportunities_N.csv")
    p.set_defaults(func=_run)
