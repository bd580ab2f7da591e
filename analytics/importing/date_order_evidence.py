"""Day-first or month-first for a date column no value of which proves an order (no day over 12 anywhere).

Such a column was read month-first unless written with dots. A UK subscription file of invoices dated
the 1st of each month (01/02/2025, 01/03/2025, ...) was then read as 1-12 January: two years of revenue
in two Januaries, and the data's last day 2026-01-12. The evidence, in turn:

1. the dates' shape: read one way, the dates fill the months they span (23 months, an invoice in each);
   read the other, every date falls on 1-12 January of two years. A reading whose dates span more than a
   year yet all fall in one month of the year, while the other's do not, is implausible
   (:func:`implausible`). (Not "most months empty": a quarterly org's quota starts, 1/1, 4/1 and 7/1,
   fill a third of their months read month-first, and read day-first fall on 1, 4 and 7 January of one
   year: only the currency, or the default, tells those);
2. the file's money: £ or € amounts (a currency of a day-first country) or decimal commas point to
   day-first; $ or USD to month-first;
3. else as before: day-first when the dates are written with dots (31.12.2024), month-first otherwise.

The shape is measured on the sample's ambiguous values (:func:`spread_sql`); the chosen reading and why are
said in the import's note.

>>> choice = ambiguous_order({"mdy": MonthSpread(2, 2025 * 12, 2026 * 12, 1, 1),
...                           "dmy": MonthSpread(23, 2025 * 12, 2025 * 12 + 22, 12, 1)}, set(), False, False)
>>> choice.order, choice.why
('dmy', 'read month-first every date would fall on 1-12 January')
"""

from __future__ import annotations

import calendar
from typing import NamedTuple

from analytics.importing.parsing import lit

# Currencies of countries that write the day first (the UK, the euro area, Australia, India, Brazil, ...)
# and of the one that writes the month first. A bare "$" is read as USD (currencies.file_currencies).
DAY_FIRST_CURRENCIES = frozenset({"EUR", "GBP", "AUD", "NZD", "INR", "CHF", "SEK", "NOK", "DKK", "PLN", "CZK",
                                  "BRL", "ZAR", "SGD", "HKD", "RUB", "TRY", "AED", "MXN"})
MONTH_FIRST_CURRENCIES = frozenset({"USD"})

# A date whose first two numbers may be day and month either way (01/02/2025, 1.2.25, 01-02-2025 10:00).
_PARTS_RE = r'^\s*(?:="\s*)?(\d{1,2})[./-](\d{1,2})[./-](\d{4}|\d{2})(?:\D|$)'


class MonthSpread(NamedTuple):
    """A column's ambiguous dates read one way: the distinct months they fall in, the first and last
    of them (as ``year * 12 + month - 1``), the distinct months of the year, and the lowest of those (1-12)."""

    months: int
    first: int
    last: int
    months_of_year: int
    month_of_year: int

    @property
    def span(self) -> int:
        """Months from the first date's to the last date's, both counted."""
        return self.last - self.first + 1


class OrderChoice(NamedTuple):
    """The reading chosen and why, in words (a sentence's end)."""

    order: str
    why: str


def spread_sql(c: str) -> str:
    """Aggregates of a raw text column ``c``'s :class:`MonthSpread` read month-first, then day-first
    (ten values, NULL without an ambiguous value), over the values whose day and month are both 12 or less."""
    parts = [f"TRY_CAST(regexp_extract({c}, {lit(_PARTS_RE)}, {i}) AS INT)" for i in (1, 2, 3)]
    a, b, y = parts
    ambiguous = f"{a} BETWEEN 1 AND 12 AND {b} BETWEEN 1 AND 12"
    out = []
    for month in (a, b):  # month-first reads the first number as the month; day-first the second
        ym = f"({y} * 12 + {month} - 1)"
        out += [f"count(DISTINCT {ym}) FILTER (WHERE {ambiguous})", f"min({ym}) FILTER (WHERE {ambiguous})",
                f"max({ym}) FILTER (WHERE {ambiguous})", f"count(DISTINCT {month}) FILTER (WHERE {ambiguous})",
                f"min({month}) FILTER (WHERE {ambiguous})"]
    return ", ".join(out)


def spreads(values: tuple | list) -> dict[str, MonthSpread]:
    """The ten values of :func:`spread_sql` as a spread per reading (none without an ambiguous value)."""
    if not values or not values[0]:
        return {}
    return {"mdy": MonthSpread(*map(int, values[:5])), "dmy": MonthSpread(*map(int, values[5:]))}


def implausible(spread: MonthSpread) -> bool:
    """Whether dates spanning more than a year all fall in one month of the year (two Januaries a year
    apart): a business does not sell in January alone. Quarterly or monthly period starts are not.

    >>> implausible(MonthSpread(2, 0, 12, 1, 1)), implausible(MonthSpread(12, 0, 11, 12, 1))
    (True, False)
    >>> implausible(MonthSpread(3, 0, 6, 3, 1))    # 1 January, 1 April, 1 July: a quarterly org's quotas
    False
    """
    return spread.span > 12 and spread.months_of_year == 1


def _empty_months(order: str, spread: MonthSpread) -> str:
    reading = "month-first" if order == "mdy" else "day-first"    # (implausible: one month of the year)
    return f"read {reading} every date would fall on 1-12 {calendar.month_name[spread.month_of_year]}"


def ambiguous_order(by_reading: dict[str, MonthSpread], currencies: set[str], decimal_comma: bool,
                    dots: bool) -> OrderChoice:
    """The reading of a column no value of which proves an order: by the dates' shape (``by_reading``:
    :func:`spreads`), else the file's ``currencies`` (ISO codes) and ``decimal_comma``, else ``dots``.

    >>> ambiguous_order({}, {"GBP"}, False, False)
    OrderChoice(order='dmy', why='the amounts are in GBP')
    >>> ambiguous_order({}, set(), False, False).order
    'mdy'
    """
    odd = {order for order, spread in by_reading.items() if implausible(spread)}
    if len(odd) == 1:
        (wrong,) = odd
        return OrderChoice("dmy" if wrong == "mdy" else "mdy", _empty_months(wrong, by_reading[wrong]))
    day_first = sorted(currencies & DAY_FIRST_CURRENCIES)
    month_first = sorted(currencies & MONTH_FIRST_CURRENCIES)
    if day_first and not month_first:
        return OrderChoice("dmy", f"the amounts are in {', '.join(day_first)}")
    if month_first and not day_first and not decimal_comma:
        return OrderChoice("mdy", f"the amounts are in {', '.join(month_first)}")
    if decimal_comma and not month_first:
        return OrderChoice("dmy", "the amounts are written with decimal commas")
    if dots:
        return OrderChoice("dmy", "the dates are written with dots")
    return OrderChoice("mdy", "nothing in the file says otherwise")
