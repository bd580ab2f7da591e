"""How the product writes numbers for people: money, counts, rates, ratios, scores and blanks.

Pages, the CLI's text output and the exports all format through these functions, so a value reads
the same wherever a manager meets it. A missing or non-finite value is always ``BLANK`` (an en dash),
never "n/a", "None" or "nan".

Examples
--------
>>> money(1_234_567)
'$1.23M'
>>> money(12_500)
'$12k'
>>> money(950.4)
'$950'
>>> money(-2_500_000, currency="€")
'-€2.50M'
>>> count(1234.0)
'1,234'
>>> count(2.5)
'2.5'
>>> rate(0.2999999)
'30%'
>>> rate(0.004)
'0.4%'
>>> value(None, "money")
'–'
>>> ratio(0.3478)
'0.35'
>>> score(0.18349)
'0.183'
>>> value(42.0, "count")
'42'
>>> currency_symbol("EUR")
'€'
>>> per_week(0.9, "opportunity")
'1 opportunity a week'
>>> per_week(0.3, "call")
'1 call every 3 weeks'
>>> quantity(26, "opportunity")
'26 opportunities'
"""

from __future__ import annotations

import math
from datetime import date
from typing import TYPE_CHECKING, Literal

if TYPE_CHECKING:   # (numpy is imported where it is used: the CLI's quick verbs load no heavy library)
    import numpy as np
    import numpy.typing as npt

BLANK = "–"
"""What every formatter writes for a missing, NaN or infinite value."""

ValueKind = Literal["money", "count", "rate"]


def is_blank(x: object) -> bool:
    """True for None, pandas' NA, NaN and ±inf: the values shown as ``BLANK``."""
    if x is None:
        return True
    try:
        return not math.isfinite(float(x))  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return True


def money(x: float | None, currency: str = "$") -> str:
    """A compact amount: ``$1.23M``, ``$12k``, ``$950``; the sign before the currency symbol."""
    if is_blank(x):
        return BLANK
    v = float(x)  # type: ignore[arg-type]
    sign = "-" if v < 0 else ""
    v = abs(v)
    if v >= 1e6:
        return f"{sign}{currency}{v / 1e6:,.2f}M"
    if v >= 1e4:
        return f"{sign}{currency}{v / 1e3:,.0f}k"
    return f"{sign}{currency}{v:,.0f}"


def money_exact(x: float | None, currency: str = "$") -> str:
    """An amount to the whole unit with thousands separators (``$1,234,568``), for tables and exports."""
    if is_blank(x):
        return BLANK
    v = float(x)  # type: ignore[arg-type]
    return f"{'-' if v < 0 else ''}{currency}{abs(v):,.0f}"


def count(x: float | None) -> str:
    """A count: whole numbers with separators; a fractional count below 100 keeps one decimal."""
    if is_blank(x):
        return BLANK
    v = float(x)  # type: ignore[arg-type]
    if abs(v) >= 100 or v.is_integer():
        return f"{v:,.0f}"
    return f"{v:,.1f}"


def rate(p: float | None) -> str:
    """A probability or share as a percent: whole percent, one decimal just inside 0% and 100%, never rounded onto
    either line from inside (a chance of 99.97% reads 99.9%: "100.0%" beside a target says it cannot be missed).

    >>> [rate(p) for p in (0.4949, 0.996, 0.9997, 1.0, 0.0004, 0.0, 1.25)]
    ['49%', '99.6%', '99.9%', '100%', '0.1%', '0%', '125%']
    """
    if is_blank(p):
        return BLANK
    pct = 100 * float(p)  # type: ignore[arg-type]
    if 0 < pct < 1 or 99 < pct < 100:
        return f"{min(max(pct, 0.1), 99.9):.1f}%"
    return f"{pct:.0f}%"


def whole_percent(x: npt.ArrayLike) -> np.ndarray:
    """Shares, chances and ratios to a target (1 = 100%) as the whole percents a table shows, never rounded onto a
    line they have not reached: a pace of 99.7% reads 99% (100% beside a missed target reads as made), a chance
    of 0.3% reads 1% (0% reads as impossible); at or past the line, the nearest whole percent.

    >>> whole_percent([0.997, 1.0, 1.004, 0.003, 0.0, 1.5996, 0.5049, float("nan")]).tolist()
    [99.0, 100.0, 100.0, 1.0, 0.0, 160.0, 50.0, nan]
    """
    import numpy as np

    v = np.asarray(x, dtype=float)
    shown = np.round(100 * v)
    return np.where((v > 0) & (v < 1), np.clip(shown, 1, 99), shown)


def rate_and_rest(p: float | None) -> tuple[str, str]:
    """``rate(p)`` and the rest to 100% at the same precision, so the two written shares add up (a share at or
    below a percentile and the share that beat it: ``rate(1 - p)`` alone can round the other way).

    >>> rate_and_rest(0.1278), rate_and_rest(0.925), rate_and_rest(0.996)
    (('13%', '87%'), ('92%', '8%'), ('99.6%', '0.4%'))
    """
    text = rate(p)
    if text == BLANK:
        return BLANK, BLANK
    decimals = 1 if "." in text else 0
    return text, f"{100 - float(text[:-1]):.{decimals}f}%"


def ratio(x: float | None) -> str:
    """A ratio between two counts (meetings per call) to two decimals: ``0.35``."""
    if is_blank(x):
        return BLANK
    return f"{float(x):.2f}"  # type: ignore[arg-type]


def score(x: float | None) -> str:
    """A forecast score (CRPS, pinball loss, Brier score) to three decimals: ``0.183``."""
    if is_blank(x):
        return BLANK
    return f"{float(x):.3f}"  # type: ignore[arg-type]


def value(x: float | None, kind: ValueKind | str, currency: str = "$", exact: bool = False) -> str:
    """``x`` formatted as its kind says: ``money``, ``count`` or ``rate``.

    ``exact`` writes money to the whole unit (``money_exact``), for table columns a reader compares.

    >>> value(1_234_567, "money", exact=True)
    '$1,234,567'
    """
    if kind == "money":
        return money_exact(x, currency) if exact else money(x, currency)
    if kind == "rate":
        return rate(x)
    if kind == "count":
        return count(x)
    raise ValueError(f"unknown value kind {kind!r} (money, count or rate)")


CURRENCY_SYMBOLS = {"USD": "$", "EUR": "€", "GBP": "£", "JPY": "¥", "INR": "₹", "CNY": "¥", "KRW": "₩",
                    "CAD": "CA$", "AUD": "A$", "NZD": "NZ$", "CHF": "CHF ", "SEK": "SEK ", "NOK": "NOK ",
                    "DKK": "DKK ", "PLN": "PLN ", "BRL": "R$", "MXN": "MX$", "ZAR": "R "}
"""ISO codes to the symbol written before an amount; an unknown code is written as itself and a space."""


def currency_symbol(code: str | None) -> str:
    """The symbol written before an amount in the currency ``code`` (an ISO code or a symbol); ``$`` for none.

    >>> currency_symbol(None), currency_symbol("gbp"), currency_symbol("XYZ"), currency_symbol("€")
    ('$', '£', 'XYZ ', '€')
    """
    code = (code or "").strip()
    if not code:
        return "$"
    if code.upper() in CURRENCY_SYMBOLS:
        return CURRENCY_SYMBOLS[code.upper()]
    return code + " " if code.isalpha() else code


def plural(noun: str, n: float = 2) -> str:
    """``noun`` (singular) as ``n`` of it reads: one opportunity, 2 opportunities, 0 calls.

    >>> plural("opportunity", 1), plural("opportunity", 3), plural("call", 0), plural("day", 2)
    ('opportunity', 'opportunities', 'calls', 'days')
    """
    if n == 1:
        return noun
    if noun.endswith("y") and noun[-2:-1] not in ("a", "e", "i", "o", "u"):
        return noun[:-1] + "ies"
    return noun + "s"


def quantity(x: float | None, noun: str) -> str:
    """A count with its noun in the right number: ``1 deal``, ``26 opportunities``."""
    if is_blank(x):
        return BLANK
    text = count(x)
    return f"{text} {plural(noun, float(text.replace(',', '')))}"


def per_week(x: float | None, noun: str, unit: str = "week") -> str:
    """How often an event happens, in words: ``3 calls a week``, ``1 opportunity every 2 weeks``.

    At least about one a ``unit``, the rate is rounded to a whole number of events; below that, it is
    one event every so many units, so a rate of 0.9 reads "1 opportunity a week", never "0.9/week".
    """
    if is_blank(x):
        return BLANK
    v = float(x)  # type: ignore[arg-type]
    if v <= 0:
        return f"no {plural(noun)}"
    if v >= 0.95:
        n = math.floor(v + 0.5)
        return f"{count(n)} {plural(noun, n)} a {unit}"
    every = math.floor(1 / v + 0.5)
    return f"1 {noun} a {unit}" if every == 1 else f"1 {noun} every {every} {plural(unit)}"


def day_words(d: date | None) -> str:
    """A day as people write it: ``30 Jun 2026`` (a blank is "–").

    >>> day_words(date(2026, 6, 30))
    '30 Jun 2026'
    """
    return "–" if d is None else f"{d.day} {d:%b %Y}"
