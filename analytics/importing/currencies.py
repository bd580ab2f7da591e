"""Currencies of an import: the symbols, ISO codes and names exports write, and the one currency a file
uses (a file of several is refused: :mod:`analytics.importing.field_sql`).

A new currency is one entry in :data:`CURRENCY_SYMBOLS`, :data:`CURRENCY_CODES` or
:data:`CURRENCY_NAMES`.
"""

from __future__ import annotations

from collections.abc import Iterable

CURRENCY_SYMBOLS = {"$": "USD", "€": "EUR", "£": "GBP", "¥": "JPY", "₹": "INR", "₩": "KRW", "₽": "RUB"}
CURRENCY_CODES = ("USD", "EUR", "GBP", "JPY", "CHF", "CAD", "AUD", "NZD", "INR", "SEK", "NOK", "DKK", "PLN",
                  "CZK", "HUF", "BRL", "MXN", "ZAR", "SGD", "HKD", "CNY", "RMB", "KRW", "RUB", "TRY", "AED")
CUR_RE = r"([$€£¥₹₩₽]|\b(?:" + "|".join(CURRENCY_CODES) + r")\b)"

# Dynamics 365 and some Salesforce orgs export the currency's name, not its ISO code.
CURRENCY_NAMES = {
    "us dollar": "USD", "u.s. dollar": "USD", "dollar": "USD", "euro": "EUR", "british pound": "GBP",
    "pound sterling": "GBP", "british pound sterling": "GBP", "japanese yen": "JPY", "swiss franc": "CHF",
    "canadian dollar": "CAD", "australian dollar": "AUD", "new zealand dollar": "NZD", "indian rupee": "INR",
    "swedish krona": "SEK", "norwegian krone": "NOK", "danish krone": "DKK", "polish zloty": "PLN",
    "czech koruna": "CZK", "hungarian forint": "HUF", "brazilian real": "BRL", "mexican peso": "MXN",
    "south african rand": "ZAR", "singapore dollar": "SGD", "hong kong dollar": "HKD", "chinese yuan": "CNY",
    "yuan renminbi": "CNY", "south korean won": "KRW", "russian ruble": "RUB", "turkish lira": "TRY",
    "uae dirham": "AED",
}
# Currencies written with a bare "$": a "$" amount beside one of these in the currency column is that one.
DOLLAR_CODES = frozenset({"USD", "CAD", "AUD", "NZD", "SGD", "HKD", "MXN"})


def currency_code(token: str) -> str:
    """ISO code of a currency symbol, code or name: '$' -> USD, 'usd' -> USD, 'US Dollar' -> USD."""
    token = token.strip()
    return CURRENCY_SYMBOLS.get(token) or CURRENCY_NAMES.get(" ".join(token.lower().split()), token.upper())


def file_currencies(amount_tokens: Iterable[str] | None,
                    column_values: Iterable[str | None] | None) -> set[str]:
    """The currencies a file uses, from the symbols/codes found in amounts and the currency column.

    A bare "$" is only taken for USD when nothing else says which dollar it is.

    >>> sorted(file_currencies(["$"], ["Canadian Dollar"])), sorted(file_currencies(["$"], ["Euro"]))
    (['CAD'], ['EUR', 'USD'])
    """
    tokens = [t.strip() for t in (amount_tokens or []) if t and t.strip()]
    named = {currency_code(t) for t in tokens if t != "$"}
    named |= {currency_code(v) for v in (column_values or []) if v and v.strip()}
    if "$" in tokens and not (len(named) == 1 and named <= DOLLAR_CODES):
        named.add("USD")
    return named
