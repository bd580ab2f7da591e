"""Split-credit reports: a row per owner of a deal, each with the owner's share of it.

Salesforce's "Opportunity Splits" report (Opportunity ID, Split Owner, Split Percentage, Split Amount,
Amount, Stage, Close Date) and HubSpot's deal splits list a deal once per owner sharing its credit.
Read as deals, a deal is one row: the shares of one deal are not one deal (its id repeats with other
reps), nor each a deal of its own (the deals would be counted once per owner). So the import does not
guess which credit the manager wants:

- a split report with no other owner column is refused naming its layout (:func:`refusal`), with the
  two readings the manager can choose (its deals by the opportunity report, or each share as a deal of
  its owner);
- one whose deals also name their owner (Opportunity Owner) is read as that owner's deals at their whole
  amount, each deal once, and a note says the split columns were not read (:func:`ignored_note`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from analytics import quoting
from analytics.importing.header_text import PERSON_WORDS, normalise_header

_AMOUNT_WORDS = frozenset({"amount", "revenue", "value", "credit"})
_SHARE_WORDS = _AMOUNT_WORDS | {"percentage", "percent", "%", "share"}


def split_owner_columns(headers: Sequence[str]) -> list[str]:
    """The headers naming a split's owner ('Split Owner', 'Deal Split Owner', 'Split Owner Name').

    >>> split_owner_columns(["Opportunity Owner", "Split Owner", "Split Amount", "Splitter"])
    ['Split Owner']
    """
    return [h for h in headers if "split" in (words := set(normalise_header(h).split())) and words & PERSON_WORDS]


def split_share_columns(headers: Sequence[str]) -> list[str]:
    """The headers of a split's share ('Split Amount', 'Split Percentage', 'Split %').

    >>> split_share_columns(["Split Owner", "Split Amount", "Split %", "Amount"])
    ['Split Amount', 'Split %']
    """
    return [h for h in headers if "split" in (words := set(normalise_header(h).split())) and words & _SHARE_WORDS]


def is_split_report(headers: Sequence[str]) -> bool:
    """Whether the headers are a split-credit report's: a split owner column and a split share column."""
    return bool(split_owner_columns(headers)) and bool(split_share_columns(headers))


def refusal(headers: Sequence[str]) -> str | None:
    """The refusal of a split report none of whose columns is mapped as the rep, or None when the
    headers are no split report's."""
    if not is_split_report(headers):
        return None
    owner, shares = split_owner_columns(headers)[0], split_share_columns(headers)
    amounts = [h for h in shares if set(normalise_header(h).split()) & _AMOUNT_WORDS]
    amount = f"--map '{quoting.shown(amounts[0])}=amount'" if amounts else "its share's amount column mapped as the amount"
    return (f"a split-credit report (columns {quoting.quoted(owner)}, {quoting.quoted(shares[0])}: a row per owner "
            f"sharing a deal), not a file of deals: nothing was imported. To count each deal once for its owner, "
            f"export the opportunities report (one row per deal, with its owner); to credit each owner with "
            f"their share, import it with --map '{quoting.shown(owner)}=rep' {amount} --keep-lines (each share "
            f"a deal of its own: deal counts then count shares)")


def ignored_note(headers: Sequence[str], mapping: Mapping[str, str]) -> str | None:
    """A note when a split report is read by another owner column: its deals are that owner's, whole.

    >>> print(ignored_note(["Opportunity Owner", "Split Owner", "Split Amount", "Amount"],
    ...                    {"Opportunity Owner": "rep", "Amount": "amount"}))
    a split-credit report: 'Split Owner', 'Split Amount' not read; each deal is credited to its 'Opportunity Owner' at its whole 'Amount', once
    """
    owners = split_owner_columns(headers)
    shares = split_share_columns(headers)
    rep = next((h for h, f in mapping.items() if f == "rep"), None)
    amount = next((h for h, f in mapping.items() if f == "amount"), None)
    if not owners or not shares or rep is None or rep in owners or amount in shares:
        return None
    unread = ", ".join(quoting.quoted(h) for h in [*owners, *shares][:3])
    whole = f" at its whole {quoting.quoted(amount)}" if amount else ""
    return f"a split-credit report: {unread} not read; each deal is credited to its {quoting.quoted(rep)}{whole}, once"
