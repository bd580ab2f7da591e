"""Where a page's time goes: cProfile of one page's first render and of a rerun with nothing changed.

AppTest runs the page script on a thread of its own, so the profiler is switched on inside that thread
(around ``LocalScriptRunner._run_script_thread``). Prints the functions with the most cumulative time.

Run: ``python -m bench.profile_page DB PAGE [--reruns N] [--top N] [--sort tottime] [--wait-backtests]``, e.g.
``python -m bench.profile_page /tmp/targets.duckdb pages/targets.py``.

``--timings`` measures instead of profiling: each run's wall seconds and CPU seconds of the whole process
(every thread: DuckDB's too), then the medians of the reruns, with the load average. On a shared machine
the CPU seconds are the steadier figure. ``--server-script-cache`` keeps the compiled scripts from run to
run as a server does (AppTest compiles app.py and the page again at every run, 20-40 ms of each rerun).
``--warmed`` lets the server's warmer make what it makes at a server's start first (``dashboard.warmup``: the
first pages' fits and Tracking's first view), in this process, so the page finds it as after a start or an import.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import os
import pstats
import statistics
import time
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]


def keep_script_cache() -> None:
    """Make AppTest's runners share one compiled-script cache, as a server's runs do."""
    from streamlit.runtime.scriptrunner.script_cache import ScriptCache
    from streamlit.testing.v1 import app_test, local_script_runner

    shared = ScriptCache()
    for module in (app_test, local_script_runner):     # the pages' cache and the main script's
        module.ScriptCache = lambda: shared  # type: ignore[attr-defined]


def warm(db: str) -> None:
    """What the server's warmer makes at its start (``dashboard.warmup``), made now in this process."""
    from analytics import store
    from dashboard import warmup

    conn = store.connect(db)
    try:
        cursor = conn.cursor()
        c0 = time.process_time()
        made = warmup.warm(cursor, db) + warmup.warm_tracking(cursor, db)
        print(f"warmed ({', '.join(made)}): CPU {time.process_time() - c0:.3f} s")
    finally:
        conn.close()


def _switched_to(page: str, before: tuple[str, ...]):
    """An AppTest of app.py switched to ``page`` (not yet run there), after opening the pages ``before`` in
    the same process (their caches are then warm, as in a manager's session)."""
    from streamlit.testing.v1 import AppTest

    for earlier in before:
        other = AppTest.from_file(str(REPO_ROOT / "app.py"), default_timeout=600)
        other.run()
        other.switch_page(earlier).run()
    at = AppTest.from_file(str(REPO_ROOT / "app.py"), default_timeout=600)
    at.run()
    return at.switch_page(page)


def time_page(db: str, page: str, reruns: int = 5, before: tuple[str, ...] = (), wait: bool = False) -> None:
    """Print the wall and CPU seconds of the first render and of ``reruns`` reruns with nothing changed."""
    os.environ["TARGETS_DB"] = db

    from dashboard import rep_facts_view

    at = _switched_to(page, before)
    walls, cpus = [], []
    for i in range(reruns + 1):
        w0, c0 = time.perf_counter(), time.process_time()
        at.run()
        wall, cpu = time.perf_counter() - w0, time.process_time() - c0
        if at.exception:
            raise SystemExit(f"{page} raised: {at.exception[0].message}")
        print(f"{page} {'first render' if i == 0 else f'rerun {i}'}: wall {wall:.3f} s, CPU {cpu:.3f} s")
        if i == 0 and wait:
            rep_facts_view.wait_for_backtests()     # its CPU seconds would count in the reruns' otherwise
        if i:
            walls.append(wall)
            cpus.append(cpu)
    if walls:       # (``--reruns 0``: the first render only)
        print(f"{page} reruns, median: wall {statistics.median(walls):.3f} s, CPU {statistics.median(cpus):.3f} s "
              f"(load average {os.getloadavg()[0]:.1f})")


def profile_page(db: str, page: str, reruns: int = 1, top: int = 40, wait: bool = False,
                 sort: str = "cumulative", before: tuple[str, ...] = (), only: tuple[str, ...] = ()) -> None:
    os.environ["TARGETS_DB"] = db
    from streamlit.testing.v1.local_script_runner import LocalScriptRunner

    from dashboard import rep_facts_view

    profiles: list[cProfile.Profile] = []
    original = LocalScriptRunner._run_script_thread

    def profiled(self: LocalScriptRunner) -> None:
        profiler = cProfile.Profile()
        profiles.append(profiler)
        profiler.enable()
        try:
            original(self)
        finally:
            profiler.disable()

    at = _switched_to(page, before)
    LocalScriptRunner._run_script_thread = profiled  # type: ignore[method-assign]
    try:
        for label in ["first render"] + [f"rerun {i + 1}" for i in range(reruns)]:
            t0 = time.perf_counter()
            at.run()
            took = time.perf_counter() - t0
            if at.exception:
                raise SystemExit(f"{page} raised: {at.exception[0].message}")
            if label == "first render" and wait:
                rep_facts_view.wait_for_backtests()     # the reruns profile the page, not a backtest beside it
            out = io.StringIO()
            pstats.Stats(profiles[-1], stream=out).sort_stats(sort).print_stats(*only, top)
            print(f"==== {page} {label}: {took:.2f} s\n{out.getvalue()}")
    finally:
        LocalScriptRunner._run_script_thread = original  # type: ignore[method-assign]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("db")
    parser.add_argument("page")
    parser.add_argument("--reruns", type=int, default=1)
    parser.add_argument("--top", type=int, default=40)
    parser.add_argument("--sort", default="cumulative", help="pstats order: cumulative, tottime…")
    parser.add_argument("--wait-backtests", action="store_true",
                        help="after the first render, let the backtest the page started finish")
    parser.add_argument("--before", action="append", default=[], metavar="PAGE",
                        help="open PAGE first in the same process (as a manager would; repeatable)")
    parser.add_argument("--only", action="append", default=[], metavar="REGEX",
                        help="list only the functions whose file and name match REGEX (e.g. 'main/(pages|dashboard)')")
    parser.add_argument("--timings", action="store_true",
                        help="time the runs (wall and CPU seconds) instead of profiling them")
    parser.add_argument("--server-script-cache", action="store_true",
                        help="compile app.py and the page once, as a server does (AppTest compiles them every run)")
    parser.add_argument("--warmed", action="store_true",
                        help="let the server's warmer make the first pages' fits and Tracking's view first")
    args = parser.parse_args()
    if args.warmed:
        os.environ["TARGETS_DB"] = args.db
        warm(args.db)
    if args.server_script_cache:
        keep_script_cache()
    if args.timings:
        time_page(args.db, args.page, args.reruns, tuple(args.before), args.wait_backtests)
        return
    profile_page(args.db, args.page, args.reruns, args.top, args.wait_backtests, args.sort, tuple(args.before),
                 tuple(args.only))


if __name__ == "__main__":
    main()
