"""Which of a deal export's money columns is the amount, said in a note.

A Salesforce or HubSpot export holds several: Amount beside Expected Revenue (the amount times the
stage's probability), Total Contract Value, ARR, MRR, Annual Contract Value, a weighted amount. One is
read as the deal's amount (by its name: :data:`analytics.importing.fields.CANONICAL_FIELDS`); the others
are not, and a manager whose targets are in ARR would otherwise not know that attainment is counted
in Amount. :func:`other_amounts_note` names the column read and those left.
"""

from __future__ import annotations

from collections.abc import Sequence

from analytics import quoting
from analytics.importing.header_text import unread_headers_naming

# Words of a header of money about a deal ('Expected Revenue', 'Total Contract Value', 'ARR'); a header
# of a split's share or a converted amount is said by its own note, a probability is no money.
_MONEY_WORDS = frozenset({"amount", "value", "revenue", "arr", "mrr", "acv", "tcv", "booking", "bookings",
                          "contract", "price", "total"})
_NOT_MONEY = frozenset({"split", "probability", "%", "currency", "converted", "count", "number", "id", "date",
                        "stage", "type", "name"})
SHOWN = 3


def other_amounts(headers: Sequence[str], read: Sequence[str]) -> list[str]:
    """The headers of money about a deal other than the ``read`` amount column(s).

    >>> other_amounts(["Amount", "Expected Revenue", "ARR", "Probability (%)", "Amount Currency", "Stage"], ["Amount"])
    ['Expected Revenue', 'ARR']
    """
    return unread_headers_naming(headers, set(read), _MONEY_WORDS, _NOT_MONEY)


def other_amounts_note(headers: Sequence[str], read: Sequence[str]) -> str | None:
    """A note naming the amount column read and the other money columns not read, or None when there
    are none.

    >>> print(other_amounts_note(["Opportunity ID", "Amount", "ARR", "Total Contract Value"], ["Amount"]))
    amounts read from 'Amount'; not read: 'ARR', 'Total Contract Value' (to read one instead, map it as the amount: CLI --map 'ARR=amount')
    >>> other_amounts_note(["Amount", "Stage"], ["Amount"]) is None
    True
    """
    others = other_amounts(headers, read)
    if not others or not read:
        return None
    shown = ", ".join(quoting.quoted(h) for h in others[:SHOWN]) + (" ..." if len(others) > SHOWN else "")
    return (f"amounts read from {', '.join(quoting.quoted(h) for h in read)}; not read: {shown} (to read one "
            f"instead, map it as the amount: CLI --map '{quoting.shown(others[0])}=amount')")
