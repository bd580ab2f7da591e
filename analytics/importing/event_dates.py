"""The days a deal can have closed on, or an activity have been done on: not after today, not before 1980.

A closed deal dated in the future is a typo (2062 for 2026) or an expected close date left on a deal
marked won or lost; an activity dated in the future is a task or meeting planned, not done. Stored,
one such row moves the data's last day (``metrics.data_as_of``) years ahead: every rep then has years
of empty periods, and "the current period" is one nobody lives in. A date before 1980 is the first day
a spreadsheet writes for a blank (1900-01-01) or a typo (1926); stored, its rep's history starts then
and runs decades of zeros. Both are rejected with a reason naming the day; open deals may close in the
future (their close date is the expected one) and are not checked.

A day of grace after today: an export written in a time zone ahead of this machine's.

>>> from datetime import date
>>> for condition, *_ in closed_deal_checks("close_date", "Close Date", "c3", today=date(2026, 12, 6)):
...     print(condition)
outcome IN ('won', 'lost') AND close_date > DATE '2026-12-07'
outcome IN ('won', 'lost') AND close_date < DATE '1980-01-01'
"""

from __future__ import annotations

from datetime import date, timedelta

from analytics.importing.parsing import lit
from analytics.importing.stage_types import Check

EARLIEST = date(1980, 1, 1)
GRACE = timedelta(days=1)


def latest_day(today: date | None = None) -> date:
    """The last day an event of the file may carry: today (this machine's) and a day of grace."""
    return (today or date.today()) + GRACE


def _checks(condition: str, column: str, header: str, source: str, what: str, future: str,
            today: date | None) -> list[Check]:
    last = latest_day(today)
    return [
        (f"{condition}{column} > DATE {lit(last.isoformat())}", header, source,
         lit(f"{what} after today ({(last - GRACE).isoformat()}): {future}")),
        (f"{condition}{column} < DATE {lit(EARLIEST.isoformat())}", header, source,
         lit(f"{what} before {EARLIEST.year}: a blank date a spreadsheet wrote as its first day, or a typo")),
    ]


def closed_deal_checks(column: str, header: str, source: str, *, today: date | None = None) -> list[Check]:
    """Row checks of a deal file's close date: a won or lost deal closes by today and after 1979."""
    return _checks("outcome IN ('won', 'lost') AND ", column, header, source, "a won or lost deal dated",
                   "a typo, or an expected close date on a closed deal", today)


def activity_checks(column: str, header: str, source: str, *, today: date | None = None) -> list[Check]:
    """Row checks of an activity log's date: done by today and after 1979."""
    return _checks("", column, header, source, "an activity dated", "planned, not done yet", today)
