"""A quota sheet laid out by period column, the commonest quota file a manager has: a row per rep, a
column per period (``Sales Rep, Q1 2024, Q2 2024``; ``Rep, Year, Q1 ... Q4``; ``Rep, Jan 2024, Feb 2024``;
``Rep, Year, M01 ... M12``), read as the long form is: each cell the quota of its row's rep for the period
its column's header names.

A header is read as a period by :func:`analytics.importing.period_labels.header_period`, the one place
period labels are parsed (a fiscal quarter as the long form's ``FY2027-Q1`` is). A header with its year
(``Q1 2024``) gives the cell's days; one without (``Q1``, ``Jan``, ``M01``) takes the row's year column.

The columns are checked against each other once, from the header, before any row is read:

- a column whose period the other columns cover day for day (``FY2024`` beside ``Q1 2024`` ... ``Q4
  2024``, ``Q1`` beside ``Jan``, ``Feb``, ``Mar``) is the row's total: it is ignored, and a note says so;
- columns overlapping in part, or inside a longer one they do not cover, or naming the same period twice,
  or naming their year in some headers and not in others, make the header ambiguous: the file is refused,
  naming line 1, the columns and their periods.

A header repeated (its repeat read as ``Q1 2024_2``) names the same period twice, and is refused so. Beside
headers that name their year, a row's year column (when mapped) must be one of theirs, else the row is
rejected naming its line, the year column and its value.

Columns whose header is a total word (``Total``, ``FY Total``, ``Summe``) are not periods: they were
never mapped, and a note says they were ignored.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta

from analytics import quoting
from analytics.importing import header_text, labels, period_labels
from analytics.importing.fields import MONTH_FIELDS, PERIOD_QUOTA
from analytics.importing.parsing import lit
from analytics.importing.stage_types import Check, RefusalError

ByField = dict[str, list[tuple[str, str]]]


@dataclass(frozen=True)
class PeriodColumn:
    """A column of quotas by period: its header, its name in the import's SQL (c0, c1, ...), its period."""

    header: str
    column: str
    period: period_labels.HeaderPeriod

    def days(self) -> tuple[date, date]:
        """Its days: a yearless period's in :data:`period_labels.REFERENCE_YEAR` (only compared with others')."""
        if self.period.days is not None:
            return self.period.days
        assert self.period.in_year is not None
        offset, months = self.period.in_year
        return _month_start(offset), _month_start(offset + months) - timedelta(days=1)

    def shown(self) -> str:
        start, end = self.days()
        if self.period.days is None:
            return quoting.quoted(self.header)
        return f"{quoting.quoted(self.header)} ({start} to {end})"


def _month_start(offset: int) -> date:
    total = period_labels.REFERENCE_YEAR * 12 + offset
    return date(total // 12, total % 12 + 1, 1)


def of_file(by_field: ByField, fiscal_start: int) -> list[PeriodColumn]:
    """The file's columns of quotas by period, in file order: the month fields (M01, Jan) and every
    :data:`PERIOD_QUOTA` column; refused when one of those names no period (mapped so by hand)."""
    found = [(c, PeriodColumn(h, c, period_labels.HeaderPeriod(None, (i - 1, 1))))
             for i, m in enumerate(MONTH_FIELDS, 1) for h, c in by_field.get(m, [])]
    for h, c in by_field.get(PERIOD_QUOTA, []):
        if (period := period_labels.header_period(h, fiscal_start)) is None:
            raise RefusalError(f"line 1, column {quoting.quoted(h)}: names no period, so its values are no "
                               "period's quotas (expected a header such as Q1 2024, Jan-24, 2024-01 or FY24 Q1)")
        found.append((c, PeriodColumn(h, c, period)))
    return [col for _, col in sorted(found, key=lambda f: int(f[0][1:]))]


def checked(columns: list[PeriodColumn]) -> tuple[list[PeriodColumn], list[PeriodColumn]]:
    """(the columns read, the columns ignored as totals of the others); refused when the header is
    ambiguous (module docstring).

    >>> from analytics.importing.period_labels import header_period
    >>> cols = [PeriodColumn(h, f"c{i}", header_period(h, 1)) for i, h in enumerate(["Jan", "Feb", "Mar", "Q1"])]
    >>> [[c.header for c in part] for part in checked(cols)]
    [['Jan', 'Feb', 'Mar'], ['Q1']]
    """
    with_year = [c for c in columns if c.period.days is not None]
    if with_year and len(with_year) < len(columns):
        without = next(c for c in columns if c.period.days is None)
        raise RefusalError(f"line 1: column {with_year[0].shown()} names its year and column "
                           f"{quoting.quoted(without.header)} does not: which year the second means is "
                           "unclear. Write every period column with its year (Q1 2024) or none (Q1 beside a Year column)")
    totals, clashes = [], []
    for col in columns:
        start, end = col.days()
        inside = [o for o in columns if o is not col and start <= o.days()[0] and o.days()[1] <= end]
        if any(o.days() == col.days() for o in inside):
            clashes.append((col, next(o for o in inside if o.days() == col.days()), "name the same period"))
        elif inside and _covered(col, inside):
            totals.append(col)
        elif inside:
            clashes.append((col, inside[0], "lie one inside the other, the shorter not covering the longer"))
        elif partial := [o for o in columns if o is not col and o.days()[0] <= end and o.days()[1] >= start
                         and not (o.days()[0] <= start and end <= o.days()[1])]:
            clashes.append((col, partial[0], "overlap in part"))
    if clashes:
        col, other, how = clashes[0]
        raise RefusalError(f"line 1: columns {col.shown()} and {other.shown()} {how}: which quota holds for the "
                           "days both cover is unclear. Give each period one column")
    return [c for c in columns if c not in totals], totals


def _covered(col: PeriodColumn, inside: list[PeriodColumn]) -> bool:
    """Whether the periods ``inside`` cover every day of ``col``'s (a total of them)."""
    start, end = col.days()
    days: set[date] = set()
    for o in inside:
        o_start, o_end = o.days()
        days.update(o_start + timedelta(days=i) for i in range((o_end - o_start).days + 1))
    return len(days) == (end - start).days + 1


_YEAR_WORDS = frozenset({"annual", "annually", "yearly", "year", "years", "fy", "ytd", "jahr", "jahres", "annuel",
                         "annuelle", "anual"})
"""Words of a header naming a year's figure beside period columns (Annual, Full Year, FY Quota, YTD)."""


def ignored_notes(headers: list[str], mapped: set[str], totals: list[PeriodColumn], read: list[PeriodColumn],
                  target_headers: list[str]) -> list[str]:
    """What was left out of a sheet of quotas by period column, and why: its row totals (a column named
    Total, or a period the others cover day for day) and a quota column beside the period columns.

    >>> from analytics.importing.period_labels import header_period
    >>> q1 = PeriodColumn("Q1 2024", "c1", header_period("Q1 2024", 1))
    >>> print(ignored_notes(["Rep", "Q1 2024", "Total"], {"Rep", "Q1 2024"}, [], [q1], [])[0])
    column 'Total' ignored: a row's total, not a period (each quota is read from its period's column, 'Q1 2024')
    >>> print(ignored_notes(["Rep", "Q1 2024", "Annual Quota"], {"Rep", "Q1 2024"}, [], [q1], [])[0])
    column 'Annual Quota' ignored: a year's figure, not one of the periods read (each quota is read from its period's column, 'Q1 2024')
    """
    source = ", ".join(quoting.quoted(c.header) for c in read[:3]) + (" ..." if len(read) > 3 else "")
    why = f"(each quota is read from its period's column, {source})"
    named = [h for h in headers if h not in mapped
             and re.fullmatch(labels.TOTAL_ROW_PATTERN, header_text.without_unit(h) or "-")]
    notes = [f"column {quoting.quoted(h)} ignored: a row's total, not a period {why}" for h in named]
    # ('Annual', 'Annual Quota', 'Full Year' beside months: a year's figure, no period of its own to read)
    # (an 'Annual Quota' read as the quota column, the period columns taking its place, is one too)
    yearly = header_text.unread_headers_naming(headers, (mapped - set(target_headers)) | set(named), _YEAR_WORDS,
                                               frozenset())
    notes += [f"column {quoting.quoted(h)} ignored: a year's figure, not one of the periods read {why}" for h in yearly]
    notes += [f"column {c.shown()} ignored: the other period columns cover it day for day, so it is their total "
              f"{why}" for c in totals]
    notes += [f"column {quoting.quoted(h)} ignored: a quota column beside period columns {why}" for h in target_headers
              if h not in yearly]
    return notes


def year_check(columns: list[PeriodColumn], fiscal_start: int, header: str, column: str) -> Check:
    """A row's year column against period columns that name their own year (``Year, Q1 2024, Q2 2024``):
    a row of another year is rejected, as which year its quotas are for is unclear (a fiscal year may
    be named by the calendar year it ends in, one more).

    >>> from analytics.importing.period_labels import header_period
    >>> print(year_check([PeriodColumn("Q1 2024", "c2", header_period("Q1 2024", 1))], 1, "Year", "c1")[0])
    year_no IS NOT NULL AND year_no NOT BETWEEN 2024 AND 2024
    """
    low = min(c.days()[0].year for c in columns)
    high = max(c.days()[1].year for c in columns) + (0 if fiscal_start == 1 else 1)
    named = f"{low}" if low == high else f"{low} to {high}"
    return (f"year_no IS NOT NULL AND year_no NOT BETWEEN {low} AND {high}", header, column,
            f"'the year ' || {column} || ' is not the year the period columns name ({named}): which year its quotas "
            "are for is unclear'")


def cells_sql(columns: list[PeriodColumn], year_no: str) -> str:
    """A DuckDB list of one struct per column, ``{'s': first day, 'e': last day, 'v': the cell's quota}``,
    over a typed row whose column values are ``{column}_cell`` and whose year is ``year_no``."""
    items = []
    for col in columns:
        if col.period.days is not None:
            start, end = (f"DATE {lit(d.isoformat())}" for d in col.period.days)
        else:
            assert col.period.in_year is not None
            offset, months = col.period.in_year
            first = f"make_date({year_no}, 1, 1)"
            start = f"({first} + to_months({offset}))::DATE"
            end = f"({first} + to_months({offset + months}) - INTERVAL 1 DAY)::DATE"
        items.append(f"{{'s': {start}, 'e': {end}, 'v': {col.column}_cell}}")
    return f"[{', '.join(items)}]"


def blank_note(n_blank: int, columns: list[PeriodColumn]) -> str | None:
    """The note for cells with no quota ('-', blank or 0), skipped as the long form's rows are."""
    if not n_blank:
        return None
    months = all(_one_month(*c.days()) for c in columns)
    return f"{n_blank} {'month' if months else 'period'} cell(s) with no target ('-', blank or 0) skipped"


def _one_month(start: date, end: date) -> bool:
    return start.day == 1 and (start.year, start.month) == (end.year, end.month) and (end + timedelta(days=1)).day == 1
