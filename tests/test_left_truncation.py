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

import duckdb
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
    created_complete_from_sql,
    first_created_sql,
)
from analytics.metric_registry import CLOSED_BY_OUTCOME, CLOSED_ROWS
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


def _assert_median_covered(result, at_least: int) -> None:
    """At least ``at_least`` forecasts, and the share of outcomes at or below the median within 3 binomial sd of 0.5."""
    n = result.n_forecasts
    assert n >= at_least
    assert abs(float(np.mean(result.forecasts["pit"] <= 0.5)) - 0.5) <= 3 * np.sqrt(0.25 / n)


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
    _assert_median_covered(result, at_least=100)


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


@pytest.mark.parametrize("first_close_day", [120, 0])
def test_where_the_created_deals_are_complete(first_close_day):
    """Deals created one a day from 1 Jan with cycles 10, 20, ..., 200 days, kept when they close on or after
    day ``first_close_day``: an export cut by close date holds, for a day before its first close c0, only the
    deals whose cycle reaches past it; the history starts at c0 less the kept cycles' 10th percentile (computed
    here with numpy), and a history of every deal since the first (day 0) is not moved."""
    created = np.arange(400)
    cycles = 10 * (1 + created % 20)
    kept = created + cycles >= first_close_day
    c0, q10 = int((created + cycles)[kept].min()), int(np.quantile(cycles[kept], 0.1, method="inverted_cdf"))
    expected = date(2026, 1, 1) + timedelta(days=max(c0 - q10, int(created[kept].min())))
    conn = duckdb.connect()
    conn.execute("CREATE TABLE deals (created_date DATE, close_date DATE, outcome VARCHAR)")
    conn.executemany("INSERT INTO deals VALUES (?, ?, 'won')",
                     [(date(2026, 1, 1) + timedelta(days=int(c)), date(2026, 1, 1) + timedelta(days=int(c + k)))
                      for c, k in zip(created[kept], cycles[kept], strict=True)])
    day = conn.execute(f"SELECT greatest((SELECT min(created_date) FROM deals), "
                       f"{created_complete_from_sql(CLOSED_BY_OUTCOME, 'DATE ' + repr('2027-12-31'))})").fetchone()[0]
    assert day == expected
    assert (day > date(2026, 1, 1) + timedelta(days=60)) == (first_close_day > 0)


def test_opportunities_of_a_close_dated_export_start_when_their_created_deals_are_complete(tmp_path):
    """The sample's deals export is cut by close date, with the deals open at its end: before its first
    close it holds only the long cycles' deals (opportunities 2, 5, 9, 76, 181 a month before the usual
    300), read as a team growing 100x. Its opportunities are counted from the day 9 in 10 are held, the
    pages say why, and the backtest's medians hold (before: outcomes above the median 13 points too often,
    the forecasts from 0 to three times the outcome)."""
    paths = generate(tmp_path / "sample", reps=24, years=3, seed=7)
    conn = store.connect(_database(tmp_path, paths["reps"], paths["opportunities"]))
    try:
        cov = data_coverage(conn)
        first = metrics.span_scan(conn, "opportunities").first_day
        assert cov.created.first is not None and cov.closed_deals.first is not None and first is not None
        assert cov.created.first < first <= cov.closed_deals.first
        assert "History counted from" in (cov.history_start_note("opportunities") or "")
        result = run_backtest(conn, "opportunities", "month", levels=(0.5,))
    finally:
        conn.close()
    _assert_median_covered(result, at_least=500)
