"""``python -m bench.bench_tracking``: does the chance of reaching base sharpen mid-period?

Every test company of :mod:`analytics.sample_regimes` (``default`` is the bundled sample company of
:mod:`analytics.sample`) is generated into a temporary folder, imported like a manager's files, and
replayed by :func:`analytics.pace_replay.replay` at quarter and month grain: for every complete
period with four periods of data before it, the start-of-period chance of reaching the base target
(the CRM quota when the rep's quotas cover the period, else the model's median) against the chance
as of the period's midpoint from the data booked by then and the deals open then. The Brier scores, their ratio (the aim:
mid <= 0.6 x start) and the number of rep-periods go to bench/README.md ("Tracking: mid-period chance").
Beside them, an oracle's Brier (:mod:`bench.tracking_bound`): what a forecaster that knows the generator's
true process would reach, so a row above the aim says whether the engine or the aim is what falls short.
Options: ``--reps``, ``--years``, ``--seed``, ``--regime NAME`` (repeatable), ``--no-record``,
``--oracle-scenarios N`` (0: no oracle).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

from analytics import importing, store
from analytics.pace_replay import brier_summary, replay
from analytics.sample import generate
from analytics.sample_regimes import REGIMES
from bench.record import record_section
from bench.tracking_bound import oracle_figures
from bench.tracking_oracle import rebuild_world

GRAINS = ("quarter", "month")
AIM = 0.6
ORACLE_SCENARIOS = 200


def measure(name: str, folder: Path, *, reps: int, years: int, seed: int,
            oracle_scenarios: int = 0) -> list[dict[str, float | str]]:
    """Generate, import and replay one company; one row of figures per grain (with the oracle's,
    :mod:`bench.tracking_bound`, when ``oracle_scenarios`` > 0)."""
    paths = generate(folder / name, reps=reps, years=years, seed=seed, regime=name)
    world = rebuild_world(reps=reps, years=years, seed=seed, regime=name) if oracle_scenarios else None
    conn = store.connect(folder / f"{name}.duckdb")
    try:
        for path in paths.values():
            importing.import_file(conn, path)
        rows: list[dict[str, float | str]] = []
        for grain in GRAINS:
            frame = replay(conn, "revenue", grain)
            quota_share = float((frame["target_source"] == "CRM quota").mean()) if len(frame) else float("nan")
            pace_only = brier_summary(frame.assign(p_mid=frame["p_mid_pace"]))
            rows.append({"company": name, "grain": grain, **brier_summary(frame), "quota_share": quota_share,
                         "brier_mid_pace": pace_only["brier_mid"],
                         "open_deals": float(frame["pipeline_deals"].mean()) if len(frame) else float("nan")})
            if world is not None and len(frame):
                rows[-1].update(oracle_figures(world, frame, n_scenarios=oracle_scenarios))
        return rows
    finally:
        conn.close()


def table(rows: list[dict[str, float | str]]) -> list[str]:
    """Markdown rows: one company x grain per row."""
    lines = ["| company | grain | rep-periods (periods) | base from quotas | open deals a rep | Brier start | "
             "Brier mid | mid / start | start − mid ± 1 s.e. | without pipeline mid / start | plain mid / start |",
             "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for r in rows:
        start = float(r["brier_start"])
        deals = f"{float(r['open_deals']):.1f}" if float(r["open_deals"]) > 0 else "none"
        lines.append(f"| {r['company']} | {r['grain']} | {r['n']:,} ({r['periods']}) | {100 * float(r['quota_share']):.0f}% "
                     f"| {deals} | {start:.3f} | {float(r['brier_mid']):.3f} | {float(r['ratio']):.2f} "
                     f"| {float(r['difference']):.3f} ± {float(r['se_difference']):.3f} "
                     f"| {float(r['brier_mid_pace']) / start:.2f} | {float(r['brier_mid_plain']) / start:.2f} |")
    return lines


def oracle_table(rows: list[dict[str, float | str]]) -> list[str]:
    """Markdown rows of the oracle's figures beside the engine's (rows measured with the oracle only)."""
    lines = ["| company | grain | mid / start | oracle start | oracle mid | oracle's own mid / start "
             "| oracle mid / start | oracle without pipeline mid / start | engine − oracle mid ± 1 s.e. |",
             "|---|---|---:|---:|---:|---:|---:|---:|---:|"]
    for r in rows:
        if "oracle_mid" not in r:
            continue
        start, mid, own = float(r["brier_start"]), float(r["oracle_mid"]), float(r["oracle_start"])
        lines.append(f"| {r['company']} | {r['grain']} | {float(r['ratio']):.2f} | {own:.3f} | {mid:.3f} "
                     f"| {mid / own:.2f} | {mid / start:.2f} | {float(r['oracle_mid_blind']) / start:.2f} "
                     f"| {float(r['excess']):.3f} ± {float(r['se_excess']):.3f} |")
    return lines


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.bench_tracking", description=__doc__)
    parser.add_argument("--reps", type=int, default=36)
    parser.add_argument("--years", type=int, default=3)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--regime", action="append", choices=list(REGIMES), default=None)
    parser.add_argument("--no-record", action="store_true", help="print the section, leave bench/README.md alone")
    parser.add_argument("--oracle-scenarios", type=int, default=ORACLE_SCENARIOS,
                        help="scenarios of the oracle's chances (bench/tracking_bound.py); 0 leaves the oracle out")
    args = parser.parse_args(argv)
    began = time.perf_counter()
    rows: list[dict[str, float | str]] = []
    with tempfile.TemporaryDirectory(prefix="tracking-") as tmp:
        for name in args.regime or list(REGIMES):
            rows += measure(name, Path(tmp), reps=args.reps, years=args.years, seed=args.seed,
                            oracle_scenarios=args.oracle_scenarios)
            print(f"{name}: {time.perf_counter() - began:.0f} s", flush=True)
    met = sum(float(r["ratio"]) <= AIM for r in rows)
    body = "\n".join([
        f"Test companies of `analytics.sample_regimes` ({args.reps} reps, {args.years} years, seed {args.seed}; "
        "`default` is the bundled sample company), revenue; `python -m bench.bench_tracking` "
        f"({time.perf_counter() - began:.0f} s). Every complete period with four periods of data before it is "
        "replayed: the chance of reaching base at the period's start against the chance as of its midpoint "
        "(booked by then, each rep's share usually booked by that day, the team's pace so far: "
        "`analytics.pace_chance`; and, where the data has created dates and lost deals, each rep's deals open "
        "on that day as they stood then, with chances of winning by the period's end learnt on the same point "
        "of the eight periods before, corrected for the time of year by the same quarter or month of the two "
        "years before, each rep's own rate shrunk to the team's by as much as the reps' rates differ and, in a "
        "quarter's first two months, told by both: `analytics.open_pipeline`, `analytics.rep_win_ratio`). "
        "Base: the CRM quota where the rep's quotas "
        "cover the period, else the model's median. s.e.: clustered by period. *without pipeline*: the same "
        "chance without the open deals (the engine before the pipeline). *plain*: the same share with the "
        "period's law only scaled to what is left (no team pace, spread kept).",
        "",
        *table(rows),
        "",
        f"Aim mid / start <= {AIM}: met in {met} of {len(rows)} rows.",
    ])
    if any("oracle_mid" in r for r in rows):
        body += "\n\n" + "\n".join([
            f"The oracle (`bench/tracking_bound.py`, {args.oracle_scenarios} scenarios a chance): the generator's true "
            "process and everything drawn by the day, the rest of the period re-simulated from the generator's own "
            "law. *oracle mid / start*: its mid Brier over the engine's start Brier (the lowest ratio a better "
            "mid-period chance could reach); *own*: over its own start Brier (it sees the pipeline at the start too); "
            "*without pipeline*: the oracle of an orders export (rates and shocks known, open deals not seen). "
            "s.e.: clustered by period.",
            "",
            *oracle_table(rows),
        ])
    if args.no_record:
        print(body)
    else:
        record_section("Tracking: mid-period chance", body)
    return 0


if __name__ == "__main__":
    sys.exit(main())
