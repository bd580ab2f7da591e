"""The time of year in the open pipeline's chances (analytics/open_pipeline.py ``slot_ratio``,
analytics/open_pipeline_data.py ``same_slot_points``, ``within_data``): a year-end push that the pooled
past quarters average away comes back for the quarters it belongs to, a calm season does not add noise,
and periods before the data begin are not read as periods where nothing was won."""

from __future__ import annotations

from datetime import date, timedelta

import numpy as np
import pandas as pd
import pytest

from analytics import store
from analytics.open_pipeline import slot_ratio
from analytics.open_pipeline_data import pipeline_evidence, same_slot_points, within_data
from analytics.periods import parse_period


def _history(rates: list[float], deals: int = 200, point0: int = 0) -> pd.DataFrame:
    """One past point per rate: ``deals`` deals of one rep, the first rate x deals of them won."""
    rows = []
    for k, rate in enumerate(rates):
        won = np.arange(deals) < round(rate * deals)
        rows.append(pd.DataFrame({"point": point0 + k, "rep": "a", "age": 20, "amount": 10.0, "won_in": won.astype(int)}))
    return pd.concat(rows, ignore_index=True)


@pytest.mark.parametrize(("past", "slot", "expect"), [
    ([0.3] * 8, [], (1.0, 1.0)),                                     # no same period of a past year
    ([0.3] * 6 + [0.6] * 2, [0.6, 0.6], (1.5, 1.5625)),   # stands out: nearly all of (240 + 10) / (150 + 10)
    ([0.2, 0.4, 0.25, 0.35, 0.2, 0.4, 0.25, 0.35], [0.34], (1.0, 1.0)),   # within a period's own spread: none
])
def test_the_time_of_year_counts_where_it_stands_out(past, slot, expect):
    history = _history(past)
    got = slot_ratio(history, _history(slot, point0=100) if slot else history.iloc[:0])
    assert expect[0] <= got <= expect[1]


def test_the_correction_is_shrunk_by_its_noise():
    history = _history([0.3] * 6 + [0.6] * 2)
    slot = _history([0.6, 0.6], point0=100)
    raw = slot["won_in"].sum() / (0.375 * len(slot))       # the pooled chance is 3/8 for every deal
    assert 1.0 < slot_ratio(history, slot) < raw
    assert slot_ratio(history, slot.iloc[:200]) < slot_ratio(history, slot)   # one past year: more noise


@pytest.mark.parametrize(("label", "day", "expect"), [
    ("2026-Q4", date(2026, 11, 14), [(date(2024, 11, 14), date(2024, 12, 31)), (date(2025, 11, 14), date(2025, 12, 31))]),
    ("2026-12", date(2026, 12, 15), [(date(2024, 12, 15), date(2024, 12, 31)), (date(2025, 12, 15), date(2025, 12, 31))]),
    ("2026-02", date(2026, 2, 28), [(date(2024, 2, 28), date(2024, 2, 29)), (date(2025, 2, 27), date(2025, 2, 28))]),
])
def test_same_slot_points_are_the_same_period_of_past_years(label, day, expect):
    assert same_slot_points(parse_period(label), day) == expect


@pytest.mark.parametrize(("first_close", "kept"), [(None, 2), (date(2023, 10, 2), 1), (date(2024, 1, 1), 0)])
def test_points_before_the_data_begins_are_dropped(first_close, kept):
    points = [(date(2023, 8, 14), date(2023, 9, 30)), (date(2023, 11, 14), date(2023, 12, 31))]
    assert len(within_data(points, first_close)) == kept


@pytest.fixture()
def year_end_db():
    """Twelve quarters of deals open at mid-quarter: 30% won by the quarter's end, 80% in the fourth quarters."""
    conn = store.connect(":memory:")
    rows = []
    for q in range(12):
        period = parse_period(f"{2023 + q // 4}-Q{q % 4 + 1}")
        mid = period.start + timedelta(days=44)
        rate = 0.8 if q % 4 == 3 else 0.3
        for j in range(40):
            won = j < rate * 40
            close = period.start + timedelta(days=60 if won else 70)
            rows.append((f"d{q}-{j}", f"r{j % 4}", str(close), str(mid - timedelta(days=20)), 100.0,
                         "won" if won else "lost"))
    rows.append(("now", "r0", None, "2025-10-20", 100.0, "open"))
    rows.append(("now_q1", "r0", None, "2026-01-20", 100.0, "open"))
    conn.executemany("INSERT INTO deals (deal_id, rep, close_date, created_date, amount, outcome, import_id) "
                     "VALUES (?, ?, ?, ?, ?, ?, 1)", rows)
    yield conn
    conn.close()


def _chance(conn, label: str) -> float:
    period = parse_period(label)
    evidence = pipeline_evidence(conn, "revenue", period, period.start + timedelta(days=44), ["r0"])
    assert evidence is not None
    return float(evidence.chances[0][-1])


def test_a_year_end_push_raises_the_fourth_quarter_chances_only(year_end_db):
    # Pooled over the eight quarters before, the chance is about (6 x 0.3 + 2 x 0.8) / 8 = 0.43.
    q4, q1 = _chance(year_end_db, "2025-Q4"), _chance(year_end_db, "2026-Q1")
    assert q4 > 0.65 and q1 < 0.45
