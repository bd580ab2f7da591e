"""Credit notes named by a document type column: their amounts taken off won revenue.

An ERP or billing export lists invoices and credit notes in one file, told apart by a column (Type,
Document Type, Transaction Type: 'Invoice', 'Credit Note', 'Credit Memo', 'Refund'). Many write the
credit note's amount as a positive figure, its sign carried by the type alone; read as a deal, a
refund of 500 then ADDED 500 to the rep's won revenue instead of taking it off, without a word. So a
row whose document type names a credit is read with a negative amount whatever its sign in the file
(-abs: an export that already writes it negative is read the same), and a note names the column and
its credit values. (The deal notes then say that such a row also counts as a deal won.)

Recognised by the values: a Salesforce 'Type' column of 'New Business' / 'Renewal' names no credit
and changes nothing.

>>> credit_values(["Invoice", "Credit Note", "credit memo", "Refund", "New Business", "Gutschrift"])
['Credit Note', 'credit memo', 'Refund', 'Gutschrift']
>>> print(amount_sql('"amount"', '"document_type"', ["Credit Note"]))
(CASE WHEN "document_type" = 'Credit Note' THEN -abs("amount") ELSE "amount" END)
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from analytics import quoting
from analytics.importing.parsing import lit

# A document type that takes money back (English, German, French, Spanish, Portuguese, Italian ERPs).
_CREDIT = re.compile(
    r"^\s*(?:sales\s+)?(?:credit(?:\s*(?:note|memo|invoice))?|cr\s*memo|refund|return(?:\s*(?:order|invoice))?|"
    r"gutschrift|rechnungskorrektur|stornorechnung|storno|avoir|note\s+de\s+cr[ée]dit|nota\s+de\s+cr[ée]dito|"
    r"abono|rectificativa|factura\s+rectificativa|nota\s+di\s+credito|creditnota)\s*$", re.I)


def credit_values(values: Sequence[str]) -> list[str]:
    """The values of a document type column that name a credit (a credit note, memo, refund, return)."""
    return [v for v in values if _CREDIT.match(v)]


def amount_sql(amount: str, doc_type: str, credits: Sequence[str]) -> str:
    """The stored amount: negative on a row whose ``doc_type`` is one of ``credits``, else as read.
    (A CASE of equalities, never an IN list: DuckDB plans a long IN as a join, out of file order.)"""
    if not credits:
        return amount
    whens = " OR ".join(f"{doc_type} = {lit(v)}" for v in credits)
    return f"(CASE WHEN {whens} THEN -abs({amount}) ELSE {amount} END)"


def note(header: str, credits: Sequence[str]) -> str:
    """What was read as a credit note, and why."""
    return (f"rows whose {quoting.quoted(header)} is {', '.join(quoting.quoted(v) for v in credits)} are credit "
            "notes: their amounts are taken off won revenue (read as negative, whatever their sign in the file). "
            f"If they are not credits, ignore the column (CLI --map '{quoting.shown(header)}=-')")
