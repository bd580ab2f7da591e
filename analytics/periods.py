"""The fiscal calendar: months and quarters, with a fiscal year starting in any month.

Labels
------
Months are always calendar labels, ``2026-11``. Quarters are ``2026-Q4`` when the
fiscal year is the calendar year; with a fiscal year starting in another month
they are ``FY2027-Q1``, the fiscal year named by the calendar year in which it
*ends* (a year starting in February 2026 is FY2027, as most CRMs name it).

A period is *partial* when the data's as-of date falls before its last day;
statistics never use a partial period as if it were complete.

Example
-------
>>> p = period_of(date(2026, 11, 15), "quarter", fiscal_start_month=1)
>>> p.label, p.start, p.end
('2026-Q4', datetime.date(2026, 10, 1), datetime.date(2026, 12, 31))
>>> p.fraction_elapsed(date(2026, 11, 15)) > 0.49
True
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date, timedelta

GRAINS = ("month", "quarter")
MONTHS_PER = {"month": 1, "quarter": 3}


def _add_months(d: date, months: int) -> date:
    total = d.year * 12 + (d.month - 1) + months
    return date(total // 12, total % 12 + 1, 1)


def months_after(d: date, months: int) -> date:
    """``d`` moved by ``months`` calendar months, its day kept (or the month's last day).

    >>> months_after(date(2026, 1, 31), 1), months_after(date(2026, 11, 13), 12)
    (datetime.date(2026, 2, 28), datetime.date(2027, 11, 13))
    """
    first = _add_months(d, months)
    return first.replace(day=min(d.day, calendar.monthrange(first.year, first.month)[1]))


def _month_end(d: date) -> date:
    return date(d.year, d.month, calendar.monthrange(d.year, d.month)[1])


@dataclass(frozen=True, order=True)
class Period:
    """One month or fiscal quarter: ``start`` and ``end`` are inclusive dates."""

    start: date
    end: date
    grain: str
    fiscal_start_month: int = 1

    @property
    def label(self) -> str:
        if self.grain == "month":
            return f"{self.start.year:04d}-{self.start.month:02d}"
        offset = (self.start.month - self.fiscal_start_month) % 12
        quarter = offset // 3 + 1
        if self.fiscal_start_month == 1:
            return f"{self.start.year:04d}-Q{quarter}"
        fiscal_year_end = _add_months(self.start, 11 - offset)
        return f"FY{fiscal_year_end.year:04d}-Q{quarter}"

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    def next(self, n: int = 1) -> Period:
        return period_of(_add_months(self.start, n * MONTHS_PER[self.grain]), self.grain, self.fiscal_start_month)

    def previous(self, n: int = 1) -> Period:
        return self.next(-n)

    def is_partial(self, as_of: date) -> bool:
        """True when ``as_of`` falls before the period's last day (or before it starts)."""
        return as_of < self.end

    def fraction_elapsed(self, as_of: date) -> float:
        """Share of the period's calendar days on or before ``as_of``, in [0, 1]."""
        if as_of < self.start:
            return 0.0
        if as_of >= self.end:
            return 1.0
        return ((as_of - self.start).days + 1) / self.days

    def months(self) -> list[Period]:
        """The calendar months inside this period."""
        return [period_of(_add_months(self.start, i), "month", self.fiscal_start_month)
                for i in range(MONTHS_PER[self.grain])]

    def __str__(self) -> str:
        return self.label


def period_of(d: date, grain: str, fiscal_start_month: int = 1) -> Period:
    """The month or fiscal quarter that contains ``d``."""
    _check(grain, fiscal_start_month)
    first = date(d.year, d.month, 1)
    if grain == "quarter":
        first = _add_months(first, -((d.month - fiscal_start_month) % 3))
    last = _month_end(_add_months(first, MONTHS_PER[grain] - 1))
    return Period(first, last, grain, fiscal_start_month)


_MONTH_RE = re.compile(r"^(\d{4})-(\d{1,2})$")
_QUARTER_RE = re.compile(r"^(FY)?(\d{4})[- ]?Q([1-4])$", re.IGNORECASE)
_QUARTER_FIRST_RE = re.compile(r"^Q([1-4])[- /]?(FY)?(\d{4})$", re.IGNORECASE)


def parse_period(label: str, fiscal_start_month: int = 1) -> Period:
    """Parse ``2026-11``, ``2026-Q4``, ``FY2027-Q1``, ``Q4 2026`` into a :class:`Period`.

    A bare ``2026-Q4`` with a non-January fiscal year means fiscal quarter 4 of
    FY2026 (the fiscal year ending in 2026). Raises ``ValueError`` otherwise.
    """
    text = label.strip()
    if m := _MONTH_RE.match(text):
        year, month = int(m.group(1)), int(m.group(2))
        if not 1 <= month <= 12:
            raise ValueError(f"not a month: {label!r}")
        return period_of(date(year, month, 1), "month", fiscal_start_month)
    if m := _QUARTER_RE.match(text):
        year, quarter = int(m.group(2)), int(m.group(3))
    elif m := _QUARTER_FIRST_RE.match(text):
        quarter, year = int(m.group(1)), int(m.group(3))
    else:
        raise ValueError(f"not a period label (expected YYYY-MM, YYYY-Qn or FYYYYY-Qn): {label!r}")
    if fiscal_start_month == 1:
        start = date(year, 1, 1)
    else:
        # The fiscal year ending in `year` starts in fiscal_start_month of year - 1.
        start = date(year - 1, fiscal_start_month, 1)
    return period_of(_add_months(start, 3 * (quarter - 1)), "quarter", fiscal_start_month)


def period_start_sql(column: str, grain: str, fiscal_start_month: int = 1) -> str:
    """A DuckDB expression giving the first day of the period that contains ``column``."""
    _check(grain, fiscal_start_month)
    month_start = f"date_trunc('month', {column})::DATE"
    if grain == "month":
        return month_start
    shift = f"(((month({column}) - {fiscal_start_month}) % 3) + 3) % 3"
    return f"({month_start} - to_months(CAST({shift} AS INTEGER)))::DATE"


def working_days(start: date, end: date) -> int:
    """Monday-to-Friday days from ``start`` to ``end`` inclusive."""
    if end < start:
        return 0
    days = (end - start).days + 1
    full_weeks, rest = divmod(days, 7)
    count = full_weeks * 5
    for i in range(rest):
        if (start + timedelta(days=full_weeks * 7 + i)).weekday() < 5:
            count += 1
    return count


def _check(grain: str, fiscal_start_month: int) -> None:
    if grain not in GRAINS:
        raise ValueError(f"grain must be one of {GRAINS}, not {grain!r}")
    if not 1 <= int(fiscal_start_month) <= 12:
        raise ValueError(f"fiscal year start month must be 1..12, not {fiscal_start_month!r}")
