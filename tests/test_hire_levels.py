"""A hire's forecast level: the ramp reads early months as a fraction of the level to come, within reason.

The ramp (25/50/75/100% of the level by month of tenure, or the team's own) turns a hire's first months
into their level. A hire who booked 3-4x the veteran from their first month (a transfer, an inherited
book) was read as 4x that again: in a team of two, the month P50 was $1.0M for a rep whose months were
$350k and $400k, and the quarter $3.6M. A ramping rep is now forecast at no more than the team's best
level or what they have shown; a hire who sells a fraction of the veteran still grows with the ramp.
"""

from __future__ import annotations

import random
from datetime import date, timedelta

import pytest

from analytics import calibration, importing
from analytics.periods import parse_period

VETERAN_MONTH = 100_000


def _write_company(tmp_path, hire_months: list[float], seed: int = 3) -> None:
    rng = random.Random(seed)
    rows, n = ["Deal ID,Owner,Close Date,Amount,Stage"], 0

    def book(rep: str, month: date, total: float, spread: float) -> None:
        nonlocal n
        for _ in range(4):
            n += 1
            day = month + timedelta(days=rng.randint(0, 27))
            rows.append(f"D{n},{rep},{day},{round(total / 4 * rng.lognormvariate(0, spread))},Closed Won")

    months = [date(2024 + k // 12, k % 12 + 1, 1) for k in range(24)]
    for m in months:
        book("Vera Veteran", m, VETERAN_MONTH, 0.4)
    for m, total in zip(months[-len(hire_months):], hire_months, strict=True):
        book("Hana Hire", m, total, 0.3)
    (tmp_path / "deals.csv").write_text("\n".join(rows) + "\n")
    start = months[-len(hire_months)]
    (tmp_path / "roster.csv").write_text(
        f"Sales Rep,Team,Start Date\nVera Veteran,East,2022-01-03\nHana Hire,East,{start}\n")


def _p50(conn, grain: str, period: str) -> tuple[float, float]:
    summary = calibration.calibrate(conn, "revenue", grain, parse_period(period)).summary
    return float(summary.loc["Hana Hire", "p50"]), float(summary.loc["Vera Veteran", "p50"])


@pytest.mark.parametrize("hire_months, grain, period, most, least", [
    # Booked 3.5-4x the veteran from the start: forecast near what she showed, not 4x it.
    ([350_000, 400_000], "month", "2026-01", 1.1 * 375_000, 0.7 * 375_000),
    ([350_000, 400_000], "quarter", "2026-Q1", 3 * 1.1 * 375_000, 3 * 0.7 * 375_000),
    # A hire at a quarter, then half the veteran's month still grows with the ramp (75% next).
    ([25_000, 50_000], "month", "2026-01", 0.9 * VETERAN_MONTH, 1.2 * 50_000),
])
def test_a_hire_is_forecast_within_the_team_best_or_what_they_showed(conn, tmp_path, hire_months, grain,
                                                                     period, most, least):
    _write_company(tmp_path, hire_months)
    for name in ("roster.csv", "deals.csv"):
        assert importing.import_file(conn, tmp_path / name).status == "loaded"
    hire, veteran = _p50(conn, grain, period)
    assert least <= hire <= most, (hire, veteran)


def test_the_reason_says_the_hire_is_held_not_ramped(conn, tmp_path):
    _write_company(tmp_path, [350_000, 400_000])
    for name in ("roster.csv", "deals.csv"):
        importing.import_file(conn, tmp_path / name)
    summary = calibration.calibrate(conn, "revenue", "month", parse_period("2026-01")).summary
    assert summary.loc["Hana Hire", "flag"] == "ramping"
    assert summary.loc["Hana Hire", "reason"].startswith("Still ramping (1 month of history) but already selling")
