"""Calibration and backtest speed and peak memory on a synthetic company (10,000 reps x 36 months).

Each measurement runs in its own process (``python -m bench.peak module:func '{json}'``) so peak
memory figures are independent. Scaling 1,000 -> 10,000 -> 50,000 reps should be linear.
Aims: calibration < 1 s and a 12-origin backtest < 10 s at 10,000 reps.
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd

from analytics import store
from analytics.backtest import run_backtest as backtest
from analytics.calibration import calibrate
from bench.record import record_section

ROOT = Path(__file__).resolve().parent.parent
N_MONTHS = 36


def build(path: str, n_reps: int, seed: int = 1) -> dict:
    """Write a synthetic company straight into a DuckDB file (vectorised numpy -> DuckDB)."""
    rng = np.random.default_rng(seed)
    Path(path).unlink(missing_ok=True)
    conn = store.connect(path)
    months = np.array([np.datetime64(date(2023 + k // 12, k % 12 + 1, 1)) for k in range(N_MONTHS)])
    level = rng.gamma(4.0, 0.5, n_reps)
    size = np.exp(rng.normal(np.log(8000), 0.5, n_reps))
    start = np.where(rng.uniform(size=n_reps) < 0.2, rng.integers(1, N_MONTHS - 2, n_reps), 0)
    t = np.arange(N_MONTHS)
    ramp = np.clip((t[None, :] - start[:, None] + 1) / 4, 0, 1)
    shock = np.exp(rng.normal(0, 0.15, N_MONTHS)) * np.array([0.8, 0.9, 1.3])[t % 3]
    rate = level[:, None] * ramp * shock[None, :]
    frames = []
    for outcome, mult in (("won", 1.0), ("lost", 1.5)):
        counts = rng.poisson(rate * mult)
        r, m = np.nonzero(counts)
        k = counts[r, m]
        r, m = np.repeat(r, k), np.repeat(m, k)
        close = months[m] + rng.integers(0, 28, r.size).astype("timedelta64[D]")
        frames.append(pd.DataFrame({"rep_i": r, "close_date": close,
                                    "created_date": close - rng.integers(10, 60, r.size).astype("timedelta64[D]"),
                                    "amount": size[r] * np.exp(rng.normal(0, 0.6, r.size)), "outcome": outcome}))
    deals = pd.concat(frames, ignore_index=True)
    conn.register("d", deals)
    conn.execute("""INSERT INTO deals (deal_id, rep, close_date, created_date, amount, outcome, import_id)
                    SELECT 'd' || row_number() OVER (), 'rep' || lpad(rep_i::VARCHAR, 6, '0'),
                           close_date::DATE, created_date::DATE, amount, outcome, 1 FROM d""")
    r, m = np.nonzero(ramp > 0)
    calls = pd.DataFrame({"rep_i": r, "activity_date": months[m] + np.timedelta64(3, "D"),
                          "count": rng.poisson(40 * level[r] * ramp[r, m])})
    conn.register("a", calls)
    conn.execute("""INSERT INTO activities (activity_id, rep, activity_date, type, raw_type, count, import_id)
                    SELECT 'a' || row_number() OVER (), 'rep' || lpad(rep_i::VARCHAR, 6, '0'),
                           activity_date::DATE, 'meeting', 'Meeting', count, 1 FROM a""")
    roster = pd.DataFrame({"rep_i": np.arange(n_reps), "start_date": months[start] + np.timedelta64(2, "D")})
    conn.register("r", roster)
    conn.execute("""INSERT INTO reps (rep, team, start_date, import_id)
                    SELECT 'rep' || lpad(rep_i::VARCHAR, 6, '0'), 'team' || (rep_i % 20), start_date::DATE, 1 FROM r""")
    n_deals = conn.execute("SELECT count(*) FROM deals").fetchone()[0]
    conn.close()
    return {"deals": int(n_deals)}


def run_calibrate(path: str, metric: str = "revenue", grain: str = "month") -> dict:
    import time

    conn = store.connect(path, read_only=True)
    cal = calibrate(conn, metric, grain, "next", context=False)
    # The dashboard keeps its connection and modules: a second call is what a page visit costs.
    start = time.perf_counter()
    calibrate(conn, metric, grain, "next", context=False)
    return {"reps": len(cal.summary), "family": cal.family, "warm_seconds": time.perf_counter() - start}


def run_backtest(path: str, metric: str = "revenue", grain: str = "month", origins: int = 12) -> dict:
    conn = store.connect(path, read_only=True)
    res = backtest(conn, metric, grain, origins=origins)
    return {"n_forecasts": res.n_forecasts, "crps_model": round(res.crps["model"], 4)}


def run_choice(path: str, origins: int = 12) -> dict:
    """The model-variant choice's cost, in one process (ratios of the same run; wall and CPU seconds):
    calibrate cold (the choice made) and warm (cached); a backtest with the choice as it goes
    against the same backtest with the standard model fixed."""
    import time

    from analytics import variant_choice
    from analytics.model_variants import STANDARD

    conn = store.connect(path, read_only=True)
    calibrate(conn, "revenue", "month", "next")           # modules, DuckDB and the first panel warm
    variant_choice.clear()
    out = {}
    for key, call in (("calibrate_choice_cold", lambda: calibrate(conn, "revenue", "month", "next")),
                      ("calibrate_warm", lambda: calibrate(conn, "revenue", "month", "next")),
                      ("backtest_fixed_standard", lambda: backtest(conn, "revenue", "month", origins=origins,
                                                                   variant=STANDARD)),
                      ("backtest_choice_cached", lambda: backtest(conn, "revenue", "month", origins=origins))):
        start, cpu = time.perf_counter(), time.process_time()
        result = call()
        out[key] = {"wall": round(time.perf_counter() - start, 3), "cpu": round(time.process_time() - cpu, 3)}
    variant_choice.clear()
    start, cpu = time.perf_counter(), time.process_time()
    result = backtest(conn, "revenue", "month", origins=origins)
    out["backtest_choice_cold"] = {"wall": round(time.perf_counter() - start, 3),
                                   "cpu": round(time.process_time() - cpu, 3)}
    out["choice"] = result.variant_choice.reason if result.variant_choice else "-"
    return out


def bare_read(conn) -> None:
    """The reference: DuckDB's aggregate of won revenue per rep and month alone, fetched to numpy (no spans,
    zeros, exposures or fit): what any calibration must at least read."""
    conn.execute("""SELECT rep, date_trunc('month', close_date) AS m,
                           sum(CASE WHEN outcome = 'won' THEN coalesce(amount, 0) ELSE 0 END) AS value
                    FROM deals WHERE outcome IN ('won', 'lost') GROUP BY ALL""").fetchnumpy()


def run_speed(path: str, rounds: int = 5, origins: int = 12) -> dict:
    """Warm calibrate (month and quarter) and the 12-origin backtest against a bare DuckDB read of the same data, in one
    process, the candidates taking turns in each round (the machine is shared: ratios of the same run
    are the figures to read). CPU seconds count every thread (DuckDB's too). Medians over ``rounds``."""
    import time

    from analytics import variant_choice
    from analytics.model_variants import STANDARD
    from analytics.panel_query import company_panel

    conn = store.connect(path, read_only=True)
    variant_choice.clear()
    out: dict[str, dict[str, float]] = {}

    def timed(key: str, call) -> None:
        start, cpu = time.perf_counter(), time.process_time()
        call()
        out.setdefault(key, {"wall": [], "cpu": []})
        out[key]["wall"].append(time.perf_counter() - start)
        out[key]["cpu"].append(time.process_time() - cpu)

    timed("calibrate, choice made (cold)", lambda: calibrate(conn, "revenue", "month", "next", context=False))
    timed("calibrate quarter, cold", lambda: calibrate(conn, "revenue", "quarter", "next", context=False))
    candidates = [
        ("bare DuckDB read (reference)", lambda: bare_read(conn)),
        # The panel as calibrate reads it (spans, days and sums; no fit): the read's share of a calibration.
        ("panel read alone (company_panel, month)", lambda: company_panel(conn, "revenue", "month")),
        ("calibrate warm, context=False", lambda: calibrate(conn, "revenue", "month", "next", context=False)),
        ("calibrate quarter warm, context=False", lambda: calibrate(conn, "revenue", "quarter", "next",
                                                                    context=False)),
        ("calibrate warm, with the pages' context", lambda: calibrate(conn, "revenue", "month", "next")),
        ("calibrate quarter warm, with the pages' context", lambda: calibrate(conn, "revenue", "quarter", "next")),
        ("backtest 12 origins, choice cached", lambda: backtest(conn, "revenue", "month", origins=origins)),
        ("backtest 12 origins, standard fixed", lambda: backtest(conn, "revenue", "month", origins=origins,
                                                                 variant=STANDARD)),
    ]
    for r in range(rounds):
        for key, call in candidates[r % len(candidates):] + candidates[:r % len(candidates)]:
            timed(key, call)
    variant_choice.clear()
    timed("backtest 12 origins, choice made (cold)", lambda: backtest(conn, "revenue", "month", origins=origins))
    return {k: {m: round(float(np.median(v[m])), 3) for m in ("wall", "cpu")} for k, v in out.items()}


def measure(func: str, **kwargs) -> dict:
    proc = subprocess.run([sys.executable, "-m", "bench.peak", f"bench.bench_calibrate:{func}", json.dumps(kwargs)],
                          cwd=ROOT, capture_output=True, text=True, check=True)
    return json.loads(proc.stdout.strip().splitlines()[-1])


def main() -> None:
    lines = ["Synthetic company, 36 months of history, monthly grain; each figure measured in its own process.", "",
             "| reps | deals | step | seconds (cold, own process) | seconds (warm, open connection) | peak MiB |",
             "|---:|---:|---|---:|---:|---:|"]
    with tempfile.TemporaryDirectory() as tmp:
        for n in (1_000, 10_000, 50_000):
            path = str(Path(tmp) / f"bench_{n}.duckdb")
            built = measure("build", path=path, n_reps=n)
            n_deals = built["result"]["deals"]
            steps = [("calibrate revenue", "run_calibrate", {"metric": "revenue"}),
                     ("calibrate deals", "run_calibrate", {"metric": "deals"}),
                     ("calibrate meeting", "run_calibrate", {"metric": "meeting"}),
                     ("backtest revenue, 12 origins", "run_backtest", {"origins": 12})]
            if n == 50_000:
                steps = steps[:1] + steps[-1:]
            for label, func, kw in steps:
                r = measure(func, path=path, **kw)
                warm = r["result"].get("warm_seconds") if isinstance(r["result"], dict) else None
                warm_text = f"{warm:.2f}" if warm is not None else "-"
                cold = r["seconds"] - (warm or 0.0)  # the function ran the warm call after the cold one
                lines.append(f"| {n:,} | {n_deals:,} | {label} | {cold:.2f} | {warm_text} | "
                             f"{r['peak_mib']:.0f} |")
                print(lines[-1], flush=True)
    lines += ["", "Calibration = DuckDB aggregation to the rep x month panel + fit + summary (Harrell-Davis history "
              "percentiles over the last 12 periods). Backtest = one panel query, then 12 refits and the scoring "
              "of the model and five naive rules on a 49-level quantile grid."]
    record_section("Calibration", "\n".join(lines))


def choice_main(n_reps: int = 10_000) -> None:
    """``python -m bench.bench_calibrate choice``: the variant choice's cost at ``n_reps`` (printed;
    bench/README.md keeps it under "Model-variant choice")."""
    with tempfile.TemporaryDirectory() as tmp:
        path = str(Path(tmp) / f"bench_{n_reps}.duckdb")
        measure("build", path=path, n_reps=n_reps)
        r = measure("run_choice", path=path)
        print(json.dumps(r, indent=1))


QUIET_LOAD = 2.5
"""The 1-minute load average (2 cores) under which a speed run is recorded: above it, CPU seconds swell."""


def speed_main(n_reps: int = 10_000) -> None:
    """``python -m bench.bench_calibrate speed``: calibrate and backtest against a bare read, printed, and
    recorded in bench/README.md ("Calibration speed") when the load average stayed under
    :data:`QUIET_LOAD` (the machine is shared: else the figures are printed only)."""
    import os

    loads = [os.getloadavg()[0]]
    with tempfile.TemporaryDirectory() as tmp:
        path = str(Path(tmp) / f"bench_{n_reps}.duckdb")
        measure("build", path=path, n_reps=n_reps)
        loads.append(os.getloadavg()[0])
        r = measure("run_speed", path=path)["result"]
    loads.append(os.getloadavg()[0])
    ref = r["bare DuckDB read (reference)"]
    lines = [f"`python -m bench.bench_calibrate speed`: {n_reps:,} reps x {N_MONTHS} months, revenue; one process, "
             "the candidates taking turns over 5 rounds, medians; CPU seconds count every thread (DuckDB's too). "
             f"Load average (1 minute) {min(loads):.1f}-{max(loads):.1f} on {os.cpu_count()} cores.", "",
             "| step | wall s | CPU s | CPU / bare read |", "|---|---:|---:|---:|"]
    lines += [f"| {key} | {v['wall']:.2f} | {v['cpu']:.2f} | {v['cpu'] / ref['cpu']:.1f} x |" for key, v in r.items()]
    if max(loads) < QUIET_LOAD:
        record_section("Calibration speed", "\n".join(lines))
    else:
        print("\n".join(lines))
        print(f"(not recorded: load average {max(loads):.1f}, at or above {QUIET_LOAD})")


if __name__ == "__main__":
    mains = {"choice": choice_main, "speed": speed_main}
    mains[sys.argv[1]]() if sys.argv[1:] and sys.argv[1] in mains else main()
