"""Columns a file holds that its kind does not read, named when they hold what another kind is for.

A roster with an 'Annual Quota' column, a deal report with a 'Quota' column beside each owner: the
import reads the roster or the deals and leaves the quotas out, since a quota needs its period and a
file of quotas carries one on each row. Left out without a word, a manager believes the quotas are in
and reads every "no CRM quota" on the pages as a fault. So such a column is named in a note that says
how the quotas are imported.

>>> unread_quota_note("reps", ["Sales Rep", "Team", "Annual Quota"], {"Sales Rep", "Team"})
"column 'Annual Quota' looks like quotas and is not imported with a roster: a quota needs its period, so import quotas as a targets file (rep, period, quota; or a column per period) to see them beside each rep"
>>> unread_quota_note("deals", ["Owner", "Amount", "Target Close Date"], {"Owner", "Amount"}) is None
True
"""

from __future__ import annotations

from collections.abc import Iterable

from analytics import quoting
from analytics.importing.header_text import unread_headers_naming

_QUOTA_WORDS = frozenset({"quota", "quotas", "target", "targets", "goal", "goals"})
# 'Target Close Date', 'Target Accounts': a date or a segment aimed at; 'Quota Attainment %': how much of it
_NOT_A_QUOTA_WORDS = frozenset({"date", "day", "close", "closing", "account", "accounts", "market", "segment",
                                "industry", "persona", "type", "id", "name", "attainment", "achieved",
                                "achievement", "%", "pct", "percent", "progress", "gap"})
_KIND_WORDS = {"reps": "a roster", "deals": "deals", "activities": "activities"}


def quota_headers(headers: Iterable[str], read: set[str]) -> list[str]:
    """The headers not in ``read`` whose words name a quota or a target (not a date or a segment aimed at).

    >>> quota_headers(["Rep", "Q1 Quota", "Target Accounts", "Sales Goal", "Quota Attainment %"], {"Rep"})
    ['Q1 Quota', 'Sales Goal']
    """
    return unread_headers_naming(headers, read, _QUOTA_WORDS, _NOT_A_QUOTA_WORDS)


def unread_quota_note(kind: str, headers: Iterable[str], read: set[str]) -> str | None:
    """A note naming the quota columns of a file of ``kind`` (not quotas) that its import leaves out; None
    when there are none."""
    if kind not in _KIND_WORDS:
        return None
    found = quota_headers(headers, read)
    if not found:
        return None
    what = f"column {quoting.quoted(found[0])} looks" if len(found) == 1 else \
        f"columns {quoting.names([quoting.quoted(h) for h in found])} look"
    return (f"{what} like quotas and {'is' if len(found) == 1 else 'are'} not imported with "
            f"{_KIND_WORDS[kind]}: a quota needs its period, so import quotas as a targets file (rep, period, "
            "quota; or a column per period) to see them beside each rep")


def quota_sheet_refusal(file_name: str, quota_columns: list[str], rows: int, reps: int) -> str:
    """Why a "roster" whose rows repeat its reps beside a quota column is refused: it is quotas by period
    whose period column was not recognised ('Time Period', a CRM's own word). Read as a roster, it loaded
    each rep's last row and left every quota out, with one note among many.

    >>> print(quota_sheet_refusal("q.csv", ["Target"], 130, 12))
    q.csv: 130 rows name only 12 reps beside column 'Target': a roster lists each rep once, so this looks like quotas by period whose period column was not recognised. Import it as quotas with its period column named (CLI: --kind targets --map 'COLUMN=period'; Import page: the column set to period)
    """
    what = f"column {quoting.quoted(quota_columns[0])}" if len(quota_columns) == 1 else \
        f"columns {quoting.names([quoting.quoted(h) for h in quota_columns])}"
    return (f"{file_name}: {rows} rows name only {reps} reps beside {what}: a roster lists each rep once, so this "
            "looks like quotas by period whose period column was not recognised. Import it as quotas with its "
            "period column named (CLI: --kind targets --map 'COLUMN=period'; Import page: the column set to period)")
