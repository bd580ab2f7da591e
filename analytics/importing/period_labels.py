"""The period labels quota files write, read as intervals: 2026-11, 2026-Q4, Q4 2026, FY2027-Q1, FY24 Q1,
Q1-24, 2026-W05, Nov 2026, Jan-24, 01/2024, 2026, a date; and labels without a year (Q1, January, Jan)
beside a year column, as spreadsheets of quotas are most often laid out (Rep, Year, Quarter, Quota); and how long
a quota given by its start date alone lasts.

A quarter's fiscal meaning is :func:`analytics.periods.parse_period`'s wherever the year comes from:
with a fiscal year starting in February, Q1 of the year 2027 is February to April 2026, as FY2027-Q1 is.

>>> from datetime import date
>>> period_interval("FY24 Q1", 1), period_interval("Jan-24", 1), period_interval("01/2024", 1)
((datetime.date(2024, 1, 1), datetime.date(2024, 3, 31)), (datetime.date(2024, 1, 1), datetime.date(2024, 1, 31)), (datetime.date(2024, 1, 1), datetime.date(2024, 1, 31)))
>>> yearless_offset("Q2", 1), yearless_offset("February", 1), yearless_offset("Q1", 2), yearless_offset("2024-Q1", 1)
((3, 3), (1, 1), (-11, 3), None)
"""

from __future__ import annotations

import re
from datetime import date, timedelta
from typing import NamedTuple

import duckdb

from analytics.importing import header_text
from analytics.periods import parse_period, period_of

_WEEK_RE = re.compile(r"^(\d{4})-?W(\d{1,2})$", re.I)
_MONTH_NAME_RE = re.compile(r"^([A-Za-z]{3,9})\.?[ -]'?(\d{4}|\d{2})$")
_NUMERIC_MONTH_RE = re.compile(r"^(\d{1,2})[/.-](\d{4})$")
# Two-digit years (FY24 Q1, Q1-24, Q1 FY24): the century is this one.
_SHORT_QUARTER_RE = re.compile(r"^(FY)?\s*'?(\d{2})[- ]?Q([1-4])$", re.I)
_SHORT_QUARTER_FIRST_RE = re.compile(r"^Q([1-4])[- /]?(FY)?\s*'?(\d{2})$", re.I)
_YEARLESS_QUARTER_RE = re.compile(r"^(?:Q|Quarter\s*)([1-4])$", re.I)
REFERENCE_YEAR = 2000   # a yearless label is placed in this year, then moved to each row's year


def period_interval(label: str, fiscal_start: int) -> tuple[date, date] | None:
    """(start, end) of a period label, or None when it is none of the forms above."""
    text = str(label).strip()
    try:
        p = parse_period(_four_digit_quarter(text), fiscal_start)
        return p.start, p.end
    except ValueError:
        pass
    if m := _WEEK_RE.match(text):
        start = date.fromisocalendar(int(m.group(1)), int(m.group(2)), 1)
        return start, start + timedelta(days=6)
    if (m := _MONTH_NAME_RE.match(text)) and (month := header_text.month_of_header(m.group(1))):
        return _month(_full_year(m.group(2)), month)
    if (m := _NUMERIC_MONTH_RE.match(text)) and 1 <= int(m.group(1)) <= 12:
        return _month(int(m.group(2)), int(m.group(1)))
    if m := re.fullmatch(r"(FY)?(\d{4})|FY\s*'?(\d{2})", text, re.I):  # 2024, FY2024, FY24: a (fiscal) year
        year = int(m.group(2)) if m.group(2) else _full_year(m.group(3))
        start = date(year if fiscal_start == 1 else year - 1, fiscal_start, 1)
        return start, date(start.year + 1, start.month, 1) - timedelta(days=1)
    try:
        d = date.fromisoformat(text[:10])
    except ValueError:
        return None
    return _month(d.year, d.month)


def yearless_offset(label: str, fiscal_start: int) -> tuple[int, int] | None:
    """For a label without a year (Q2, February, Feb): (months from 1 January of the row's year to the
    period's first month, months it lasts); None for any other label."""
    text = str(label).strip()
    if m := _YEARLESS_QUARTER_RE.match(text):
        p = parse_period(f"{REFERENCE_YEAR}-Q{m.group(1)}", fiscal_start)
        start, end = p.start, p.end
    elif month := header_text.month_of_header(text):
        start, end = _month(REFERENCE_YEAR, month)
    else:
        return None
    months = (end.year - start.year) * 12 + end.month - start.month + 1
    return (start.year - REFERENCE_YEAR) * 12 + start.month - 1, months


# What a quota sheet's period header may say besides its period ('Q1 2024 Quota', 'Target Jan-24', 'Q1 ($)')
_QUOTA_WORDS_RE = re.compile(r"^(?:quota|target|goal|plan)s?\b[\s:-]*|[\s:-]*\b(?:quota|target|goal|plan)s?$", re.I)
_CURRENCY_MARK_RE = re.compile(r"\s*\(\s*[$€£]\s*\)")


class HeaderPeriod(NamedTuple):
    """The period a column header names: its days (``Q1 2024``, ``Jan-24``, ``FY2025 Q1``), or, for a
    header without a year (``Q1``, ``Jan``, ``M01``), :func:`yearless_offset`'s (months from 1 January
    of the row's year, months it lasts), the row's year column giving the year."""

    days: tuple[date, date] | None
    in_year: tuple[int, int] | None


def header_period(header: str, fiscal_start: int) -> HeaderPeriod | None:
    """The period a quota sheet's column header names, its unit marker (``(k)``) aside; None for any
    other header. The header is read as a period label of a cell is: the same forms, the same fiscal year.

    >>> header_period("Quota Q1 2024", 1) == header_period("Q1 2024 Target ($)", 1) == header_period("Q1 2024", 1)
    True
    >>> header_period("Q1 2024 (k)", 1), header_period("Q3", 2), header_period("Sales Rep", 1)
    (HeaderPeriod(days=(datetime.date(2024, 1, 1), datetime.date(2024, 3, 31)), in_year=None), \
HeaderPeriod(days=None, in_year=(-5, 3)), None)
    """
    text = _QUOTA_WORDS_RE.sub("", _CURRENCY_MARK_RE.sub("", header_text.without_unit(header))).strip()
    if not text:
        return None
    if days := period_interval(text, fiscal_start):
        return HeaderPeriod(days, None)
    if in_year := yearless_offset(text, fiscal_start):
        return HeaderPeriod(None, in_year)
    if repeat := re.fullmatch(r"(.+)_\d+", text):  # a header repeated, 'Q1 2024_2' (csv_source.unique_headers)
        return header_period(repeat.group(1), fiscal_start)
    return None


def year_of_header(header: str, fiscal_start: int) -> int | None:
    """The year a long-form quota column's header names ('2024 Target', 'FY2024 Quota'), in four digits:
    the year of a row's quarter or month without one; None when the header names no year.

    >>> year_of_header("2024 Target", 1), year_of_header("FY2025 Quota", 2), year_of_header("Quota", 1)
    (2024, 2025, None)
    >>> year_of_header("Q1 2024 Quota", 1) is None   # (a quarter's column: a sheet's, not a year's)
    True
    """
    period = header_period(header, fiscal_start)
    if period is None or period.days is None or (period.days[1] - period.days[0]).days < 360:
        return None
    digits = re.search(r"(?<!\d)(\d{4})(?!\d)", header)
    return int(digits.group(1)) if digits else None


def names_periods(cells: list[str]) -> bool:
    """Whether ``cells`` (a first line's cells that look like numbers) are column headers naming periods
    (2024-01, 2024-02; 2023, 2024), not a row of values: two or more, each a distinct period label
    other than a day's date.

    >>> names_periods(["2024-01", "2024-02"]), names_periods(["2024-01-05", "1200"]), names_periods(["2024"])
    (True, False, False)
    """
    texts = [c.strip() for c in cells]
    return len(set(texts)) == len(texts) >= 2 and all(
        not re.fullmatch(r"\d{4}-\d{1,2}-\d{1,2}.*", t) and period_interval(t, 1) for t in texts)


def period_headers(headers: list[str], fiscal_start: int) -> list[str]:
    """The ``headers`` that name a period (Q1 2024, Jan-24, 2024-Q1; Q1, January): the columns of a quota
    sheet laid out by period, which a roster would drop without a word.

    >>> period_headers(["Sales Rep", "Team", "Q1 2024", "Q2 2024", "Start Date"], 1)
    ['Q1 2024', 'Q2 2024']
    """
    return [h for h in headers if period_interval(h, fiscal_start) or yearless_offset(h, fiscal_start)]


def by_period_refusal(headers: list[str]) -> str:
    """Why a roster whose other columns name periods is refused: its values are quotas, which the import
    reads as a sheet of quotas by period column (:mod:`analytics.importing.period_columns`), and which a
    roster would drop."""
    shown = ", ".join(repr(h) for h in headers[:4]) + (" ..." if len(headers) > 4 else "")
    return (f"columns {shown} name periods: a sheet of quotas by period column, which a roster would drop. "
            "Import it as quotas (CLI --kind targets), each cell its row's quota for its column's period")


PERIOD_MONTHS = (1, 3, 6, 12)
"""The lengths a quota with a start date alone may have: a month, a quarter, a half year, a year."""


def months_between_starts(conn: duckdb.DuckDBPyConnection, typed: str) -> int:
    """How many months a quota given by its start date alone lasts (Salesforce's forecast quotas: Quota
    Owner, Start Date, Quota Amount): the commonest gap, in months, between a rep's consecutive starts,
    when it is a month, a quarter, a half or a year; else a month. Read as a month, quarterly quotas
    were a quarter's number in its first month."""
    gap = conn.execute(f"""SELECT mode(gap) FROM (
        SELECT date_diff('month', lag(p_start) OVER (PARTITION BY rep ORDER BY p_start), p_start) AS gap
        FROM {typed} WHERE rej IS NULL AND p_start IS NOT NULL) WHERE gap > 0""").fetchall()[0][0]
    return int(gap) if gap in PERIOD_MONTHS else 1


def start_only_note(months: int) -> str:
    """What a file of quota start dates alone was read as.

    >>> print(start_only_note(3))
    no period end column: each quota runs 3 months from its start date (a rep's start dates are 3 months apart)
    """
    if months == 1:
        return "no period end column: each quota runs one month from its start date"
    return (f"no period end column: each quota runs {months} months from its start date (a rep's start dates "
            f"are {months} months apart)")


QUARTER_DAYS = 92   # the longest quarter


def long_quota_note(conn: duckdb.DuckDBPyConnection, final: str) -> str | None:
    """What a quota longer than a quarter (a year's) is read as at quarter and month grain, or None.

    A quarter's quota is its share of the year's days (Tracking, Review, every page's CRM quota): a plan
    that weights the quarters (a heavier Q4) is not in a year's figure, and a manager comparing the
    quarter's quota with its range should know where the number came from.

    >>> conn = duckdb.connect()
    >>> _ = conn.execute("CREATE TABLE f AS SELECT 'Ann' AS rep, DATE '2025-01-01' AS period_start, "
    ...                  "DATE '2025-12-31' AS period_end")
    >>> print(long_quota_note(conn, "f"))
    1 quota covers more than a quarter (a year): a quarter's or a month's CRM quota is read as its share of the days, so quarters the plan weights differently (a heavier Q4) are not seen; import quarterly quotas for those
    """
    n, longest = conn.execute(f"SELECT count(*), max(period_end - period_start + 1) FROM {final} "
                              f"WHERE period_end - period_start + 1 > {QUARTER_DAYS}").fetchall()[0]
    if not n:
        return None
    span = "a year" if longest >= 365 else f"up to {longest} days"
    return (f"{n:,} {'quota covers' if n == 1 else 'quotas cover'} more than a quarter ({span}): a quarter's or a "
            "month's CRM quota is read as its share of the days, so quarters the plan weights differently (a heavier "
            "Q4) are not seen; import quarterly quotas for those")


def fiscal_calendar_note(intervals: dict[str, tuple[date, date]], fiscal_start: int) -> str | None:
    """The calendar quarters and fiscal years of ``intervals`` (label -> its days) were read on, when one
    names either: the fiscal year's first month is a setting, and a file of FY2027-Q3 quotas read on the
    wrong one is a quarter off for every quota, without a rejected row.

    >>> print(fiscal_calendar_note({"FY2027 Q3": (date(2027, 7, 1), date(2027, 9, 30))}, 1))
    quarters and fiscal years read on a fiscal year starting in January ('FY2027 Q3' = 01 Jul 2027 to 30 Sep 2027): if yours starts in another month, set it first (sidebar: Database and calendar) and import the file again
    >>> fiscal_calendar_note({"2027-05": (date(2027, 5, 1), date(2027, 5, 31))}, 1) is None
    True
    """
    named = [k for k in intervals if re.search(r"(?i)\bFY|Q[1-4]", k)]
    if not named:
        return None
    first = sorted(named, key=lambda k: intervals[k][0])[0]
    start, end = intervals[first]
    month = date(2000, fiscal_start, 1).strftime("%B")
    return (f"quarters and fiscal years read on a fiscal year starting in {month} ({first!r} = {start:%d %b %Y} to "
            f"{end:%d %b %Y}): if yours starts in another month, set it first (sidebar: Database and calendar) and "
            "import the file again")


def _four_digit_quarter(text: str) -> str:
    """FY24 Q1 as FY2024-Q1, Q1-24 as 2024-Q1; any other text as it is."""
    if m := _SHORT_QUARTER_RE.match(text):
        return f"{m.group(1) or ''}{_full_year(m.group(2))}-Q{m.group(3)}"
    if m := _SHORT_QUARTER_FIRST_RE.match(text):
        return f"{m.group(2) or ''}{_full_year(m.group(3))}-Q{m.group(1)}"
    return text


def _full_year(digits: str) -> int:
    return int(digits) if len(digits) == 4 else 2000 + int(digits)


def _month(year: int, month: int) -> tuple[date, date]:
    p = period_of(date(year, month, 1), "month")
    return p.start, p.end

