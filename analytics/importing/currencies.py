"""Currencies of an import: the symbols, ISO codes and names exports write, and the one currency a file
uses (a file of several is refused: :mod:`analytics.importing.field_sql`), checked against the currency of
the deals already stored (a file in another is refused: :func:`stored_currency_refusal`).

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
                    column_values: Iterable[str | None] | None, bare_dollar: str = "USD") -> set[str]:
    """The currencies a file uses, from the symbols/codes found in amounts and the currency column.

    A bare "$" is only taken for ``bare_dollar`` (USD, or the dollar the stored deals are in) when
    nothing else says which dollar it is.

    >>> sorted(file_currencies(["$"], ["Canadian Dollar"])), sorted(file_currencies(["$"], ["Euro"]))
    (['CAD'], ['EUR', 'USD'])
    >>> sorted(file_currencies(["$"], [], bare_dollar="CAD"))
    ['CAD']
    """
    tokens = [t.strip() for t in (amount_tokens or []) if t and t.strip()]
    named = {currency_code(t) for t in tokens if t != "$"}
    named |= {currency_code(v) for v in (column_values or []) if v and v.strip()}
    if "$" in tokens and not (len(named) == 1 and named <= DOLLAR_CODES):
        named.add(bare_dollar if bare_dollar in DOLLAR_CODES else "USD")
    return named


def bare_dollar(stored: Iterable[str] | None) -> str:
    """What a bare "$" stands for in a file imported beside deals stored in ``stored``: their dollar
    when they are in one (a Canadian org's later export without its currency column), else USD.

    >>> bare_dollar(("CAD",)), bare_dollar(("EUR",)), bare_dollar(None)
    ('CAD', 'USD', 'USD')
    """
    found = set(stored or ())
    return found.pop() if len(found) == 1 and found <= DOLLAR_CODES else "USD"


# Amounts of two currencies added up are a number in no currency (a EUR team's won revenue split across
# reps as if it were dollars): a file in another currency than the stored deals is refused. The way out
# is the product's own: amounts converted before import, or the stored import undone when it was the
# wrong one.
def stored_currency_refusal(file_currency: str, source: str, stored: tuple[str, ...], kind: str, *,
                            sample: bool = False) -> str | None:
    """Why a file in ``file_currency`` cannot join the deals stored in ``stored`` (their currencies;
    empty when they name none), or None when it can. ``source`` says what names the file's currency, as
    the start of a clause the currency ends: "column 'Currency' says", "the amounts in column 'Amount' are in".
    ``sample``: the stored deals are the sample company's, which a manager's first file meets on a first
    start: the way out is to clear it, not to convert.

    >>> print(stored_currency_refusal("EUR", "column 'Currency' says", ("USD",), "deals", sample=True))
    column 'Currency' says EUR, but the deals already stored are the sample company's, in USD. Clear the sample company first (Overview: Clear sample data; CLI: imports clear-sample), then import your files

    >>> print(stored_currency_refusal("EUR", "column 'Amount Currency' says", ("USD",), "deals"))
    column 'Amount Currency' says EUR, but the deals already stored are in USD: amounts in two currencies would be added up as one. Convert the amounts to USD before importing them; or, if the stored deals are the ones in the wrong currency, undo their import first (CLI: imports list, then imports undo ID)
    >>> stored_currency_refusal("USD", "column 'Currency' says", ("USD",), "deals") is None
    True
    """
    if not stored or file_currency in stored:
        return None
    if sample:
        return (f"{source} {file_currency}, but the deals already stored are the sample company's, in "
                f"{' and '.join(stored)}. Clear the sample company first (Overview: Clear sample data; CLI: imports "
                "clear-sample), then import your files")
    what = "quotas" if kind == "targets" else "amounts"
    return (f"{source} {file_currency}, but the deals already stored are in {' and '.join(stored)}: "
            f"{what} in two currencies would be added up as one. Convert the {what} to {stored[0]} before "
            f"importing them; or, if the stored deals are the ones in the wrong currency, undo their import first "
            f"(CLI: imports list, then imports undo ID)")


def assumed_currency_note(stored: str) -> str:
    """The note of a deal file that names no currency, beside deals stored in ``stored``: its amounts are
    taken in that currency (and stored with it, so a re-export without its currency column keeps it).

    >>> assumed_currency_note("EUR")
    'no currency in the file: its amounts are taken to be in EUR, the currency of the deals already stored (if they are in another, convert them to EUR before importing)'
    """
    return (f"no currency in the file: its amounts are taken to be in {stored}, the currency of the deals "
            f"already stored (if they are in another, convert them to {stored} before importing)")


def uncurrenced_stored_note(file_currency: str) -> str:
    """The note of a file in ``file_currency`` beside stored deals that name no currency: from now on
    every amount is shown in it.

    >>> print(uncurrenced_stored_note("EUR")[:83])
    the deals already stored name no currency: they are taken to be in EUR, this file's
    """
    return (f"the deals already stored name no currency: they are taken to be in {file_currency}, this file's "
            f"currency, and every amount is shown in {file_currency} from now on (if they are in another, undo "
            f"their import and import them converted)")
