"""An orders-only company: a seeded export of won deals (invoices) by close date, nothing else.

No activities, no created dates, no stages or lost deals: what many managers have. Imported through
:mod:`analytics.importing` as a manager's file would be. The last order is on ``ORDERS_END``.
"""

from __future__ import annotations

import random
from datetime import date, timedelta
from pathlib import Path

from analytics import calibration, importing, store, target_drafts, target_sets
from analytics.coverage import data_coverage
from analytics.periods import Period

ORDERS_END = date(2026, 6, 30)


def write_orders_export(path: Path, seed: int = 7, reps: int = 6) -> Path:
    """Won orders 2025-01 .. 2026-06 for ``reps`` reps, one to four a month each, the last on 30 Jun 2026."""
    rng = random.Random(seed)
    lines = ["order_id,rep,close_date,amount"]
    for r in range(reps):
        for month in range(18):
            year, m = 2025 + month // 12, month % 12 + 1
            for k in range(rng.randint(1, 4)):
                lines.append(f"ORD-{r}-{month}-{k},Rep {chr(65 + r)},{year}-{m:02d}-{k * 6 + 3:02d},"
                             f"{rng.randint(500, 9000)}")
    lines.append(f"ORD-last,Rep A,{ORDERS_END.isoformat()},1200")
    path.write_text("\n".join(lines) + "\n")
    return path


def build_orders_db(folder: Path, db: Path | None = None) -> Path:
    """A database file (default ``folder/orders.duckdb``) holding the orders-only company (imported,
    nothing saved)."""
    db = db or folder / "orders.duckdb"
    conn = store.connect(str(db))
    try:
        importing.import_file(conn, write_orders_export(folder / "orders.csv"), kind="deals")
    finally:
        conn.close()
    return db


def save_orders_plan(db: Path, period: Period, name: str = "Orders plan", tiers: str = "35,70,90") -> str:
    """A model target set of won revenue for ``period``, fitted on the orders before it, saved (base at the
    first of ``tiers``' percentiles: a tracking test that needs reps short of base sets it high)."""
    conn = store.connect(str(db))
    try:
        cal = calibration.calibrate(conn, "revenue", period.grain, period, as_of=period.start - timedelta(days=1))
        draft = target_drafts.draft_from_calibration(cal, name, tiers, coverage=data_coverage(conn))
        target_sets.save_target_set(conn, draft, author="test")
        return name
    finally:
        conn.close()



def write_meeting_orders(path: Path, reps: int = 14, currency: str = "EUR", seed: int = 13) -> Path:
    """Won orders 2025-01 .. 2026-06 in ``currency`` (a Currency column, as CRM exports name it) for
    ``reps`` reps whose sizes differ (the smallest a third of the largest), so their ranges differ too;
    the last order on ``ORDERS_END``."""
    rng = random.Random(seed)
    lines = ["Order ID,Owner,Close Date,Amount,Currency"]
    for r in range(reps):
        scale = 1 + 2 * r / max(reps - 1, 1)
        for month in range(18):
            year, m = 2025 + month // 12, month % 12 + 1
            for k in range(rng.randint(1, 4)):
                lines.append(f"SO-{r}-{month}-{k},Rep {chr(65 + r)},{year}-{m:02d}-{k * 6 + 3:02d},"
                             f"{rng.randint(500, 9000) * scale:.2f},{currency}")
    lines.append(f"SO-last,Rep A,{ORDERS_END.isoformat()},1200.00,{currency}")
    path.write_text("\n".join(lines) + "\n")
    return path


def build_meeting_company(folder: Path, reps: int = 14, currency: str = "EUR") -> Path:
    """The calibration meeting's company (tests/test_browser_meeting.py): :func:`write_meeting_orders`
    imported as a manager's deals file into ``folder/meeting.duckdb``, nothing else (no activities, no
    created dates, no stages, no roster, no quotas)."""
    db = folder / "meeting.duckdb"
    conn = store.connect(str(db))
    try:
        result = importing.import_file(conn, write_meeting_orders(folder / "orders.csv", reps, currency),
                                      kind="deals")
        if result.status != "loaded":
            raise RuntimeError(f"the meeting company's orders did not import: {result.status} {result.notes}")
    finally:
        conn.close()
    return db
