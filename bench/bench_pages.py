"""Page timings: first render and a click with nothing changed, per page, at 36 and 1,000 reps.

Every click in Streamlit re-runs the page script, so the time of a rerun with nothing changed is the
floor of every click; the first render is what a manager waits for when opening a page. Both are
measured through Streamlit's AppTest harness (the whole navigation frame, as the tests drive it) on
the seeded sample company written at each size and imported through the CLI, with a final target set
saved for the current period (Tracking) and for the last complete one (Review). AppTest runs the
script in process, without the browser's network and drawing time, so the figures are the server's
share of a click. Each page's first render is measured twice: cold, and on a copy of the database whose
first pages' fits and Tracking's first view the server's warmer made beforehand (``dashboard.warmup.warm``
and ``warm_tracking``), as a visit finds them after a server start or an import.

Run: ``python -m bench pages`` (or ``python -m bench.bench_pages [REPS ...]``).
"""

from __future__ import annotations

import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

from bench.record import record_section

PAGES = ("pages/overview.py", "pages/baselines.py", "pages/targets.py", "pages/tracking.py",
         "pages/review.py", "pages/backtest.py")
RERUNS = 5
REPO_ROOT = Path(__file__).resolve().parents[1]


def build_database(folder: Path, reps: int) -> Path:
    """Write the sample company with ``reps`` reps and import it into a fresh database file."""
    from analytics import cli
    from analytics.sample import generate

    paths = generate(folder / "csv", reps=reps, years=3)
    db = folder / "targets.duckdb"
    files = [str(paths[k]) for k in ("reps", "opportunities", "activities", "quotas")]
    code = cli.main(["import", "--db", str(db), *files])
    if code != 0:
        raise SystemExit(f"importing the {reps}-rep sample failed (exit {code})")
    # Tracking follows a saved set of the current period and Review reviews a past one: without them both
    # pages would be timed showing "no saved target set"
    for name, period in (("Bench current", "current"), ("Bench past", last_complete_period(db))):
        code = cli.main(["targets", "save", "--db", str(db), "--name", name, "--period", period, "--final",
                         "--author", "bench"])
        if code != 0:
            raise SystemExit(f"saving the {reps}-rep sample's {period} targets failed (exit {code})")
    return db


def last_complete_period(db: Path) -> str:
    """The label of the period before the one the data ends in (the database's grain)."""
    from analytics import metrics, store
    from analytics.periods import period_of

    conn = store.connect(db)
    try:
        grain = store.get_setting(conn, "grain") or "quarter"
        as_of = metrics.data_as_of(conn)
        if as_of is None:
            raise SystemExit("the sample has no closed deal")
        return period_of(as_of, grain, store.fiscal_year_start_month(conn)).previous().label
    finally:
        conn.close()


def time_page(page: str) -> tuple[float, float]:
    """(first render, median rerun with nothing changed) of ``page`` in a fresh AppTest, seconds."""
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(str(REPO_ROOT / "app.py"), default_timeout=600)
    at.run()
    at.switch_page(page)
    t0 = time.perf_counter()
    at.run()
    first = time.perf_counter() - t0
    if at.exception:
        raise SystemExit(f"{page} raised: {at.exception[0].message}")
    reruns = []
    for _ in range(RERUNS):
        t0 = time.perf_counter()
        at.run()
        reruns.append(time.perf_counter() - t0)
    return first, statistics.median(reruns)


def measure(reps: int) -> tuple[dict[str, tuple[float, float]], dict[str, float]]:
    """Each page's (first render, click) cold, then its first render on a copy of the database whose first
    pages' fits and Tracking's first view the server's warmer made beforehand (``dashboard.warmup``, as after
    a server start or an import: the page finds them cached)."""
    from analytics import store, variant_choice
    from dashboard import rep_facts_view, warmup

    with tempfile.TemporaryDirectory(prefix="bench-pages-") as tmp:
        db = build_database(Path(tmp), reps)
        warm_db = Path(tmp) / "warm.duckdb"
        shutil.copy(db, warm_db)              # another file: none of the cold pass's caches is found
        os.environ["TARGETS_DB"] = str(db)
        cold = {page: time_page(page) for page in PAGES}
        rep_facts_view.wait_for_backtests()   # the cold pass's backtest is not run beside the warm pass
        variant_choice.clear()         # the warm-up pays for the variant choice too
        conn = store.connect(warm_db)
        try:
            cursor = conn.cursor()
            warmup.warm(cursor, str(warm_db))
            warmup.warm_tracking(cursor, str(warm_db))   # Tracking's first view, as the server's warmer does
        finally:
            conn.close()
        os.environ["TARGETS_DB"] = str(warm_db)
        warm = {page: time_page(page)[0] for page in PAGES}
        rep_facts_view.wait_for_backtests()
        return cold, warm


def load_words(start: float, end: float) -> str:
    """The machine's load during the run, and a warning when other work was running (load above 2).

    >>> load_words(0.4, 1.1)
    'Load average (1 min): 0.4 at the start, 1.1 at the end.'
    >>> load_words(6.9, 7.4).endswith("slower than on an idle machine.")
    True
    """
    words = f"Load average (1 min): {start:.1f} at the start, {end:.1f} at the end."
    if max(start, end) > 2:
        words += (" Other work was running on the machine (load above 2 on "
                  f"{os.cpu_count()} cores): every figure is slower than on an idle machine.")
    return words


def main(sizes: list[int] | None = None) -> None:
    sizes = sizes or [36, 1000]
    load_start = os.getloadavg()[0]
    results = {reps: measure(reps) for reps in sizes}
    load_end = os.getloadavg()[0]
    header = "| page | " + " | ".join(f"{r} reps: first render | {r} reps: first, warmed | {r} reps: click (rerun)"
                                      for r in sizes) + " |"
    rule = "|---|" + "---:|---:|---:|" * len(sizes)
    lines = [header, rule]
    for page in PAGES:
        cells = " | ".join(f"{results[r][0][page][0]:.2f} s | {results[r][1][page]:.2f} s | {results[r][0][page][1]:.2f} s"
                           for r in sizes)
        lines.append(f"| {Path(page).stem} | {cells} |")
    body = (f"AppTest of the whole frame; first render after switching to the page, then the median of "
            f"{RERUNS} reruns with nothing changed (the floor of every click). Sample company, 3 years, "
            "imported through the CLI, final sets saved for the current and the last complete quarter; pages "
            "in the order of the table in one process (so a page's first render finds the calibration the "
            "pages before it cached, as in a manager's session). Baselines starts "
            "the backtest on its worker thread once the page is drawn (Targets and Backtest share it): the pages "
            "and clicks after it run beside it. *First, warmed*: the same pages on a copy of the database whose first "
            "pages' fits and Tracking's first view the server's warmer made before (dashboard/warmup.py: at a server's start and after every "
            "import), the cold pass's backtest finished. Aim: click <= 0.15 s at 36 reps, <= 0.5 s at 1,000 reps; first render <= 2 s at 1,000 reps. "
            + load_words(load_start, load_end) + "\n\n" + "\n".join(lines))
    record_section("Page timings", body)


if __name__ == "__main__":
    main([int(a) for a in sys.argv[1:]] or None)
