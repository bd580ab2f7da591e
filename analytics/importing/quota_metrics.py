"""A quota file's metric column read as the dashboard's metrics: 'Calls' is ``call``, 'Deals Won' ``deals``.

Every page asks for the quotas of one metric by its name (``revenue``, ``deals``, ``call``), and a quota
file's Metric column was stored as written, in lower case: 'Calls' became ``calls`` and 'Deals Won' ``deals
won``, so those quotas were never beside a rep, and their hit rates never reviewed, without a word. A
label is read as the metric it names (its name or an alias, any case, spaces or hyphens for ``_``:
:func:`analytics.metric_registry.resolve_metric`), the words CRMs use for a revenue quota ('Bookings',
'Sales') as won revenue, a goal named by what was done ('Calls made', 'Meetings booked') as that
activity, a blank as won revenue (a quota file without a metric is one of revenue); any
other label is rejected with its row, naming the metrics there are.

>>> import duckdb
>>> duckdb.sql(f"SELECT {metric_sql('m')} FROM (VALUES ('Calls'), ('Deals Won'), (' bookings '), (NULL), "
...            "('Meetings booked'), ('Revenue (USD)'), ('Deals - Won'), ('ARR')) t(m)").fetchall()
[('call',), ('deals',), ('revenue',), ('revenue',), ('meeting',), ('revenue',), ('deals',), (None,)]
"""

from __future__ import annotations

from analytics.metric_registry import REGISTRY

# Words a CRM's quota of won revenue goes by (HubSpot's goal type 'Revenue', Salesforce's 'Bookings').
REVENUE_WORDS = ("bookings", "booking", "sales", "sales_revenue", "won_revenue", "closed_won", "closed_won_revenue",
                 "new_bookings", "revenue_target", "sales_target", "quota", "amount")


# Goal types named by what was done (HubSpot's 'Calls made', 'Meetings booked', 'Deals created').
DONE_WORDS = {"calls_made": "call", "calls_logged": "call", "meetings_booked": "meeting", "meetings_held": "meeting",
              "meetings_completed": "meeting", "emails_sent": "email", "demos_held": "demo", "demos_given": "demo",
              "proposals_sent": "proposal", "deals_created": "opportunities", "opportunities_created": "opportunities",
              "deals_closed": "closed_deals", "closed_won_deals": "deals"}


def _names() -> dict[str, str]:
    names = {key: m.name for m in REGISTRY.values() for key in (m.name, *m.aliases)}
    return names | {word: "revenue" for word in REVENUE_WORDS} | DONE_WORDS


def metric_sql(column: str) -> str:
    """SQL: the metric name a quota row's label ``column`` names, ``revenue`` when blank, NULL when none."""
    # (words apart by any spaces or signs, a unit in brackets left out: 'Revenue (USD)', 'Deals - Won')
    key = (f"trim(regexp_replace(regexp_replace(lower(trim({column})), '\\s*\\([^)]*\\)\\s*$', ''), "
           f"'[^a-z0-9]+', '_', 'g'), '_')")
    cases = " ".join(f"WHEN '{k}' THEN '{v}'" for k, v in _names().items())
    return f"(CASE WHEN nullif(trim({column}), '') IS NULL THEN 'revenue' ELSE (CASE {key} {cases} END) END)"


def rejection_sql(column: str) -> str:
    """SQL: the reason a row's label names no metric."""
    known = ", ".join(m.words for m in REGISTRY.values())
    return f"'not a metric the dashboard tracks: ' || {column} || ' (the metrics: {known})'"
