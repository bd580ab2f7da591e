"""New business and business with existing customers in one deal file: both counted, and said so.

A CRM's deal type column (Salesforce's Type, HubSpot's Deal Type) tells a new customer's first deal
('New Business', 'newbusiness') from a renewal, an upsell or an upgrade of an existing one ('Renewal',
'Existing Customer - Upgrade', 'existingbusiness'). Every deal counts toward revenue, deals won and the
win rate whatever its type: that is a company's bookings. But a team whose quotas cover new business
alone reads those baselines as new business, and each is too high by its renewals, without a word. So
the import names the column and its two kinds of values, and how to count new business alone (a file
of those deals imported in place of this one). Nothing is dropped or changed: which kinds a quota covers is the
manager's to say.

>>> new, existing = kinds(["New Business", "Renewal", "Existing Customer - Upgrade", "Invoice", ""])
>>> new, existing
(['New Business'], ['Existing Customer - Upgrade', 'Renewal'])
>>> print(note("Type", new, existing))
column 'Type' tells new business ('New Business') from deals with existing customers ('Existing Customer - Upgrade', 'Renewal'): deals of every type count toward revenue, deals won and win rate. If targets cover new business only, import a file of those deals alone in place of this one (the export filtered on 'Type')
>>> kinds(["Invoice", "Credit Note"])
([], [])

HubSpot's Pipeline column does the same with pipelines (Sales Pipeline, Renewals): every pipeline's
deals count together, and a file of two or more says so.

>>> print(pipelines_note("Pipeline", ["Renewals", "Sales Pipeline"]))
column 'Pipeline' holds 2 pipelines ('Renewals', 'Sales Pipeline'): the deals of every pipeline count together toward revenue, deals won and win rate. If targets cover one pipeline, import a file of its deals alone in place of this one (the export filtered on 'Pipeline')
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from analytics import quoting

# A first deal with a customer (English, HubSpot's internal value, German, Spanish, French, Portuguese).
_NEW = re.compile(
    r"^\s*(?:new(?:\s*[-_]?\s*(?:business|logos?|customers?|accounts?|clients?|sales?|deals?))?|newbusiness|"
    r"net\s+new|neugesch(?:ä|ae|a)ft|neukunden?(?:gesch(?:ä|ae|a)ft)?|nuevo(?:s)?\s+(?:negocio|cliente)s?|"
    r"nouvel(?:le)?s?\s+(?:affaires?|clients?)|novo(?:s)?\s+(?:neg[óo]cio|cliente)s?)\s*$", re.I)
# A deal with a customer already won: renewed, grown, changed (the same languages).
_EXISTING = re.compile(
    r"^\s*(?:existing(?:\s*[-_]?\s*(?:business|customers?|accounts?|clients?))?(?:\s*[-:(]\s*\w[\w\s-]*\)?)?|"
    r"existingbusiness|renewals?|renew|up\s*-?\s*sells?|upgrades?|downgrades?|cross\s*-?\s*sells?|expansions?|"
    r"add\s*-?\s*ons?|replacement|bestandskunden?(?:gesch(?:ä|ae|a)ft)?|verl(?:ä|ae|a)ngerung|renovaci[óo]n|"
    r"renouvellement|renova[çc][ãa]o|cliente\s+existente)\s*$", re.I)


def kinds(values: Sequence[str]) -> tuple[list[str], list[str]]:
    """The values of a deal type column naming new business, and those naming existing customers' deals
    (renewals, upsells, upgrades), each sorted; other values (an invoice, a credit note) in neither."""
    present = sorted({v for v in values if v and v.strip()})
    return [v for v in present if _NEW.match(v)], [v for v in present if _EXISTING.match(v)]


def note(header: str, new: Sequence[str], existing: Sequence[str]) -> str:
    """What a file holding both kinds of deals counts, and how to count new business alone."""
    col = quoting.quoted(header)
    return (f"column {col} tells new business ({', '.join(quoting.quoted(v) for v in new)}) from deals with "
            f"existing customers ({', '.join(quoting.quoted(v) for v in existing)}): deals of every type count "
            "toward revenue, deals won and win rate. If targets cover new business only, import a file of those "
            f"deals alone in place of this one (the export filtered on {col})")


def pipelines_note(header: str, pipelines: Sequence[str]) -> str:
    """What a file of deals from several pipelines counts, and how to count one alone."""
    col = quoting.quoted(header)
    return (f"column {col} holds {len(pipelines)} pipelines ({', '.join(quoting.quoted(p) for p in pipelines)}): the "
            "deals of every pipeline count together toward revenue, deals won and win rate. If targets cover one "
            f"pipeline, import a file of its deals alone in place of this one (the export filtered on {col})")
