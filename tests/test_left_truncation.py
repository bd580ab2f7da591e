"""A history cut by created date starts where its closes are complete (analytics/left_truncation.py).

The sample company's deals export is cut the way a CRM report filtered on "Created Date" cuts it (or a
CRM set up a few months ago holds it): only the deals created since a day. Its first weeks hold the
quick closes alone; read as history they made every rep's median month $0 (five months kept) and
put outcomes above the median 69% of the time in the backtest (twelve months kept).
"""

from __future__ import annotations

import csv
import random
import subprocess
import sys
from datetime import date, datetime, timedelta
from pathlib import Path

import numpy as np
import pytest
from helpers import REPO_ROOT, app_test

from analytics import importing, metrics, store
from analytics.backtest import run_backtest
from analytics.calibration import calibrate
from analytics.coverage import data_coverage
from analytics.left_truncation import (
    COMPLETE_SHARE,
    LONGEST_WEIGHT_SHARE,
    STRAY_GAP_DAYS,
    complete_from_sql,
    first_created_sql,
)
from analytics.metric_registry import CLOSED_ROWS
from analytics.sample import generate

AS_OF = date(2026, 11, 13)   # the sample's last close on or before its as-of day


@pytest.fixture(scope="module")
def company(tmp_path_factory) -> dict[str, Path]:
    return generate(tmp_path_factory.mktemp("company"), reps=24, years=3, seed=7)


def _created_since(company: dict[str, Path], months: int, folder: Path, strays: int = 0) -> Path:
    """The sample's deals export with only the deals created in the last ``months`` months (and the
    first ``strays`` of them dated five years earlier: records migrated from an older CRM)."""
    source = company["opportunities"]
    with source.open(newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    created = [datetime.strptime(r["Created Date"], "%m/%d/%Y").date() for r in rows]
    last = max(created)
    cut = date(last.year - (last.month <= months), (last.month - months - 1) % 12 + 1, last.day)
    kept = [r for r, day in zip(rows, created, strict=True) if day >= cut]
    for r in kept[:strays]:
        day = datetime.strptime(r["Created Date"], "%m/%d/%Y").date()
        r["Created Date"] = day.replace(year=day.year - 5).strftime("%m/%d/%Y")
    out = folder / f"deals_created_last_{months}_months_{strays}_strays.csv"
    with out.open("w", newline="", encoding="utf-8") as f:
        writer = csv.DictWriter(f, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(kept)
    return out


def _database(folder: Path, *files: Path) -> Path:
    db = folder / "history.duckdb"
    conn = store.connect(db)
    for path in files:
        importing.import_file(conn, path)
    conn.close()
    return db


@pytest.mark.parametrize("window_days, seed", [(150, 1), (365, 2), (1100, 3), (60, 4)])
def test_the_cycle_quantile_is_the_weighted_one(window_days, seed):
    """Known answer: the SQL's day against numpy's weighted quantile of the same cycles."""
    rng = random.Random(seed)
    d0 = date(2026, 1, 1)
    as_of = d0 + timedelta(days=window_days)
    deals = []
    for _ in range(400):
        created = d0 + timedelta(days=rng.randrange(window_days))
        cycle = int(rng.expovariate(1 / 40))
        if created + timedelta(days=cycle) <= as_of:
            deals.append((created, created + timedelta(days=cycle), rng.choice(["won", "lost"])))
    conn = store.connect(":memory:")
    conn.executemany("INSERT INTO deals (deal_id, rep, created_date, close_date, outcome, import_id) "
                     "VALUES (?, 'Ann', ?, ?, ?, 1)", [(str(i), *d) for i, d in enumerate(deals)])
    found = conn.execute("SELECT " + complete_from_sql(CLOSED_ROWS, "$as_of"), {"as_of": as_of}).fetchone()[0]

    d0 = min(d[0] for d in deals)   # (no strays: created every few days)
    window = (as_of - d0).days
    cycles = np.array([(d[1] - d[0]).days for d in deals], float)
    weights = 1 / np.maximum.reduce([window - cycles, np.full(cycles.size, LONGEST_WEIGHT_SHARE * window),
                                     np.ones(cycles.size)])
    order = np.argsort(cycles, kind="stable")
    shares = np.cumsum(weights[order]) / weights.sum()
    expected = d0 + timedelta(days=int(cycles[order][np.argmax(shares >= COMPLETE_SHARE - 1e-12)]))
    assert found == expected


BULK = date(2026, 3, 1)   # 300 deals created one a day from here


@pytest.mark.parametrize("strays, expected", [
    ([], BULK),                                                           # no strays: the earliest
    ([date(2021, 3, 1)], BULK),                                           # one migrated record, 5 years early
    ([date(2021, 3, 1), BULK - timedelta(days=STRAY_GAP_DAYS + 10)], BULK),  # two apart: the last gap counts
    ([BULK - timedelta(days=STRAY_GAP_DAYS - 10)], BULK - timedelta(days=STRAY_GAP_DAYS - 10)),  # no long gap
    ([date(2025, 1, 1)] * 5, date(2025, 1, 1)),                           # 5 of 305: more than strays
])
def test_where_the_created_dates_begin(strays, expected):
    conn = store.connect(":memory:")
    days = strays + [BULK + timedelta(days=i) for i in range(300)]
    conn.executemany("INSERT INTO deals (deal_id, rep, created_date, outcome, import_id) VALUES (?, 'Ann', ?, 'open', 1)",
                     [(str(i), day) for i, day in enumerate(days)])
    assert conn.execute("SELECT " + first_created_sql("DATE '2027-01-01'")).fetchone()[0] == expected


def test_a_history_cut_by_created_date_starts_when_its_closes_are_complete(company, tmp_path):
    db = _database(tmp_path, company["reps"], _created_since(company, 5, tmp_path))
    conn = store.connect(db)
    try:
        start = data_coverage(conn).history_start
        assert start is not None and start.cut
        assert 60 <= start.cycle_days <= 100          # the full history's: 87 days
        assert start.complete_from == start.first_created + timedelta(days=start.cycle_days)
        assert metrics.span_scan(conn, "revenue").first_day == start.complete_from
        cal = calibrate(conn, "revenue", "month", "next")
    finally:
        conn.close()
    # Read from the first created date, every rep's median month was $0; from where closes are complete,
    # none is (two months of history, each rep pulled to a team that closes most months).
    assert (cal.summary["p50"] > 0).all()
    assert set(cal.summary["n_periods"]) <= {1, 2, 3}


def test_a_few_stray_created_dates_do_not_undo_the_cut(company, tmp_path):
    """A handful of deals created years before the rest (migrated records, typo'd years) leave the start
    where it is without them; the sentence says they were seen."""
    plain = data_coverage(store.connect(_database(tmp_path / "plain", company["reps"],
                                                  _created_since(company, 5, tmp_path)))).history_start
    folder = tmp_path / "strays"
    folder.mkdir()
    deals = _created_since(company, 5, folder, strays=3)
    conn = store.connect(_database(folder, company["reps"], deals))
    try:
        start = data_coverage(conn).history_start
        first_created = start.first_created if start else None
        assert plain is not None and start is not None and start.cut and first_created is not None
        assert start.earliest_created is not None and start.earliest_created.year <= first_created.year - 4
        assert abs((start.complete_from - plain.complete_from).days) <= 7
        assert "too few to say the data begins then" in start.sentence
        cal = calibrate(conn, "revenue", "month", "next")
    finally:
        conn.close()
    assert (cal.summary["p50"] > 0).all()


def test_a_year_cut_by_created_date_is_calibrated(company, tmp_path):
    db = _database(tmp_path, company["reps"], _created_since(company, 12, tmp_path))
    conn = store.connect(db, read_only=True)
    try:
        result = run_backtest(conn, "revenue", "month", levels=(0.5,))
    finally:
        conn.close()
    # ~24 reps x 6 origins; 3 binomial sd of a share of 0.5 is 0.12 at 150 forecasts. Read from the first
    # created date, 31% of the outcomes were at or below the median.
    n = result.n_forecasts
    assert n >= 100
    assert abs(float(np.mean(result.forecasts["pit"] <= 0.5)) - 0.5) <= 3 * np.sqrt(0.25 / n)


@pytest.mark.parametrize("kind", ["opportunities", "orders"])
def test_a_whole_history_is_not_cut(tmp_path, kind):
    """Deals created long before the first close (a close-dated export) or no created dates at all (orders):
    the history starts on the first close, as before."""
    paths = generate(tmp_path / kind, reps=12, years=2, seed=5, regime="orders_only" if kind == "orders" else "default")
    conn = store.connect(_database(tmp_path, paths["reps"], paths[kind]))
    try:
        cov = data_coverage(conn)
        assert cov.history_start is not None and not cov.history_start.cut
        assert cov.history_start_note("revenue") is None
        assert metrics.span_scan(conn, "revenue").first_day == cov.closed_deals.first
    finally:
        conn.close()


def test_the_cli_baselines_and_backtest_say_where_history_starts(company, tmp_path, empty_db):
    cut = _created_since(company, 5, tmp_path)
    db = _database(tmp_path, company["reps"], cut)
    done = subprocess.run([sys.executable, "-m", "analytics", "calibrate", "--db", str(db), "--grain", "month"],
                          cwd=REPO_ROOT, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert "note: History counted from" in done.stderr and "days from created to close" in done.stderr
    assert "History counted from" not in done.stdout

    conn = store.connect(empty_db)
    for path in (company["reps"], cut):
        importing.import_file(conn, path)
    conn.close()
    for page in ("pages/baselines.py", "pages/backtest.py"):
        at = app_test(page)
        at.radio(key="grain").set_value("month").run()
        assert not at.exception
        assert any(i.value.startswith("History counted from") for i in at.info), page
