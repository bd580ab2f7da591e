"""A column header's text as the import reads it: normalised for matching, its unit ((k), in thousands)
and the month a month column names (Jan, M01).

Apart from :mod:`analytics.importing.mapping` (which re-exports them) so that
:mod:`analytics.importing.period_labels`, which reads month names, and the mapping, which reads period
headers, do not import each other.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Container, Iterable
from collections.abc import Set as AbstractSet

from analytics.importing import currencies

# A unit in brackets may carry its currency, as a finance export writes it: "Value ($000)", "ARR (€k)",
# "Amount (USD '000)", "Pipeline ($m)". Read without it, "Value ($000)" matched no amount synonym, and mapped
# by hand its 56 was stored as $56 for $56,000.
_MONEY = r"(?:[$€£¥]|[a-z]{3}\s)?\s*"
_MONEY_AFTER = r"(?:\s+[a-z]{3}|\s*[$€£¥])?"      # ("'000 USD", "m EUR", "k$"; never "(mins)")
_UNIT_PATTERNS = [
    (re.compile(rf"\(\s*{_MONEY}(?:k|'?000s?|thousands?|in thousands){_MONEY_AFTER}\s*\)|\bin thousands\b|_k$|\bk€|\bk\$|"
                r"\((?:k\s*\w{0,3}|\w{3}\s*k)\)", re.I), 1000.0),
    (re.compile(rf"\(\s*{_MONEY}(?:m|mm|mn|millions?|in millions){_MONEY_AFTER}\s*\)|\bin millions\b|_mm?$", re.I), 1_000_000.0),
    # Minor units (a billing system's amount_cents, 'Amount (cents)'): read as whole units they were 100 times
    # the money, without a word
    (re.compile(r"\((?:cents?|in cents|pence)\)|\bin cents\b|[_ ]cents?$|[_ ]in[_ ]cents$", re.I), 0.01),
]
# The currency an amount header names ('Amount (USD)', 'Value (€)', 'Deal Value EUR', 'Amount (USD \'000)'): no
# part of the column's name ('Amount (USD)' matched no synonym of the amount, and the file was refused), and
# the amounts' currency when no column or symbol says it.
_CODES = "|".join(currencies.CURRENCY_CODES)
_SYMBOLS = "".join(currencies.CURRENCY_SYMBOLS)
_BRACKETED_CURRENCY = re.compile(rf"\((?=[^()]*?(?:\b(?:{_CODES})\b|[{_SYMBOLS}]))[^()]*\)", re.I)
_CURRENCY_TOKEN = re.compile(rf"\b(?:{_CODES})\b|[{_SYMBOLS}]", re.I)
_TRAILING_CODE = re.compile(rf"(?<=\w)\s+(?:in\s+)?({_CODES})$", re.I)
_CAMEL_RE = re.compile(r"(?<=[a-z])(?=[A-Z])")  # a word boundary inside CamelCase
_MONTHS = ["january", "february", "march", "april", "may", "june", "july", "august", "september",
           "october", "november", "december"]


def unit_of_header(header: str) -> float | None:
    """1000 for headers such as ``Jan (k)``, ``Target (000)``, ``quota in thousands``, ``quota_k``; 0.01 for
    amounts in cents (``amount_cents``, ``Amount (cents)``).

    >>> unit_of_header("amount_cents"), unit_of_header("Amount (cents)"), unit_of_header("Amount")
    (0.01, 0.01, None)
    """
    for pattern, multiplier in _UNIT_PATTERNS:
        if pattern.search(header.strip()):
            return multiplier
    return None


def currency_of_header(header: str) -> str | None:
    """The ISO code of the currency a header names, in brackets or as its last word, else None.

    >>> currency_of_header("Amount (USD)"), currency_of_header("Value (€k)"), currency_of_header("Deal Value EUR")
    ('USD', 'EUR', 'EUR')
    >>> currency_of_header("Amount"), currency_of_header("USD"), currency_of_header("Amount (converted)")
    (None, None, None)
    """
    text = header.strip().strip("\ufeff")
    if m := _BRACKETED_CURRENCY.search(text):
        return currencies.currency_code(_CURRENCY_TOKEN.search(m.group(0)).group(0))  # type: ignore[union-attr]
    if m := _TRAILING_CODE.search(text):
        return m.group(1).upper()
    return None


def without_unit(header: str) -> str:
    """A header with its unit marker taken out, otherwise as written.

    >>> without_unit("Q1 2024 (k)"), without_unit("Jan-24 (000)"), without_unit("FY24 Q1")
    ('Q1 2024', 'Jan-24', 'FY24 Q1')
    """
    text = header.strip().strip("\ufeff")
    for pattern, _ in _UNIT_PATTERNS:
        text = pattern.sub(" ", text)
    return " ".join(text.split())


def normalise_header(header: str) -> str:
    """A header as synonyms are written: lower case, words apart (``SalesOrderNumber``: ``sales order number``),
    accents dropped (a German export's ``Währung`` is ``wahrung``, a French one's ``Étape`` ``etape``).

    >>> normalise_header("SalesOrderNumber"), normalise_header(" Order No. "), normalise_header("Jan (k)")
    ('sales order number', 'order no', 'jan')
    >>> normalise_header("Währung"), normalise_header("Date de clôture"), normalise_header("Opportunity-Inhaber")
    ('wahrung', 'date de cloture', 'opportunity inhaber')
    >>> normalise_header("Amount (USD)"), normalise_header("Deal Value in EUR"), normalise_header("Value ($)")
    ('amount', 'deal value', 'value')
    """
    text = unicodedata.normalize("NFKD", header.strip().strip("\ufeff"))
    text = _CAMEL_RE.sub(" ", "".join(c for c in text if not unicodedata.combining(c))).lower()
    for pattern, _ in _UNIT_PATTERNS:
        text = pattern.sub(" ", text)
    text = _TRAILING_CODE.sub("", _BRACKETED_CURRENCY.sub(" ", text).strip())
    text = re.sub(r"[^0-9a-z%#]+", " ", text)
    return " ".join(text.split())


def month_of_header(header: str) -> int | None:
    """1..12 for month columns: ``M01``, ``Jan``, ``January``, ``Jan (k)``, ``Jan 2026``, ``01``."""
    return month_of_normalised(normalise_header(header))


def month_of_normalised(text: str) -> int | None:
    """:func:`month_of_header` of a header :func:`normalise_header` made already."""
    if m := re.fullmatch(r"m ?(0?[1-9]|1[0-2])", text) or re.fullmatch(r"(0?[1-9]|1[0-2])", text):
        return int(m.group(1))
    word = re.sub(r"\s*\d{2,4}$", "", text)
    for i, name in enumerate(_MONTHS, 1):
        if word in (name, name[:3], "sept" if i == 9 else name):
            return i
    return None


# Words of a header naming a person (the owner of a row), as :func:`normalise_header` splits them.
PERSON_WORDS = frozenset({"owner", "rep", "user", "manager", "assigned", "assignee", "member", "salesperson",
                          "seller", "executive", "agent", "employee", "by", "person"})

_FIRST = frozenset({"first", "given", "fore", "forename"})
_LAST = frozenset({"last", "family", "sur", "surname"})


def split_name_columns(headers: list[str] | tuple[str, ...]) -> tuple[str, str] | None:
    """The (first name, last name) headers of a file that writes a person's name in two columns, else None.

    >>> split_name_columns(["First Name", "Last Name", "Team"]), split_name_columns(["Owner First Name", "Owner Surname"])
    (('First Name', 'Last Name'), ('Owner First Name', 'Owner Surname'))
    >>> split_name_columns(["Full Name", "Team"]) is None
    True
    """
    def words(h: str) -> set[str]:
        return set(normalise_header(h).replace("firstname", "first name").replace("lastname", "last name").split())

    first = next((h for h in headers if words(h) & _FIRST and (words(h) & {"name", "forename"})), None)
    last = next((h for h in headers if words(h) & _LAST and (words(h) & {"name", "surname"})), None)
    return (first, last) if first and last else None


def unread_headers_naming(headers: Iterable[str], read: Container[str], words: AbstractSet[str],
                          unless: AbstractSet[str]) -> list[str]:
    """The headers not in ``read`` holding a word of ``words`` and none of ``unless`` (words as
    :func:`normalise_header` splits them): the columns an import leaves out that a note should name.

    >>> unread_headers_naming(["Rep", "Annual Quota", "Quota Date"], {"Rep"}, {"quota"}, {"date"})
    ['Annual Quota']
    """
    out = []
    for h in headers:
        said = set(normalise_header(h).split())
        if h not in read and said & words and not said & unless:
            out.append(h)
    return out


# Words of a column that says what is expected, not what happened: of a deal's close-date columns
# (Pipedrive's Won time, Lost time and Expected close date; Dynamics' Actual and Est. Close Date) or amount
# columns (Dynamics' Actual and Est. Revenue) the expected one is read last: a closed deal's own comes first.
_EXPECTED_WORDS = frozenset({"expected", "est", "estimated", "forecast", "forecasted", "projected", "planned",
                             "target", "scheduled", "anticipated", "due"})   # (a task's day due after its day done)


def expected_last(columns: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """``(header, column)`` pairs of one date or amount field, those whose header names an expected value
    after the others (each group in file order).

    >>> expected_last([("Deal - Expected close date", "c6"), ("Deal - Won time", "c7"), ("Deal - Lost time", "c8")])
    [('Deal - Won time', 'c7'), ('Deal - Lost time', 'c8'), ('Deal - Expected close date', 'c6')]
    >>> expected_last([("Est. Close Date", "c3"), ("Actual Close Date", "c2")])
    [('Actual Close Date', 'c2'), ('Est. Close Date', 'c3')]
    """
    return sorted(columns, key=lambda hc: bool(_EXPECTED_WORDS & set(normalise_header(hc[0]).split())))
