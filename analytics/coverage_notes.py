"""What the pages say once about the reps the tables disagree on: activities of reps who sell nothing, roster
reps with no record, one rep under two spellings (:meth:`analytics.coverage.DataCoverage.absent_notes`).

Example
-------
>>> print(idle_roster_note(("Carl Lin",)))
1 roster rep owns no deal and logged no activity in the data (Carl Lin): no range and no target. If the rep sells, their deals are missing from the export.
"""

from __future__ import annotations

from datetime import date

from analytics import quoting
from analytics.formatting import day_words

LONE_REPS_SHOWN = 3   # reps named by a note on reps, the rest as "and N more"


def lone_activities_note(rows: int, reps: tuple[str, ...]) -> str:
    """Activity rows whose rep owns no deal and is not in the roster."""
    names = quoting.names(list(reps), limit=LONE_REPS_SHOWN)
    return (f"{rows:,} activity rows name reps who own no deal and are not in the roster ({names}): their calls "
            "and meetings count for nobody who sells, and the reps who sell may show none. Check the activity "
            "owners' names against the deals (e-mail addresses?).")


def idle_roster_note(reps: tuple[str, ...]) -> str:
    """Roster reps with no deal and no activity at all."""
    n = len(reps)
    names = quoting.names(list(reps), limit=LONE_REPS_SHOWN)
    return (f"{n} roster {'rep owns' if n == 1 else 'reps own'} no deal and logged no activity in the data ({names}): "
            f"no range and no target. If {'they sell, their' if n > 1 else 'the rep sells, their'} deals are missing "
            "from the export.")


def split_names_note(groups: tuple[tuple[str, ...], ...]) -> str:
    """One name stored under more than one spelling ('Ann Lee', 'ANN LEE')."""
    shown = "; ".join(" / ".join(quoting.quoted(n) for n in g) for g in groups[:LONE_REPS_SHOWN])
    more = ", ..." if len(groups) > LONE_REPS_SHOWN else ""
    return (f"{len(groups)} {'rep appears' if len(groups) == 1 else 'reps appear'} under more than one spelling "
            f"({shown}{more}): each spelling counts as a rep of its own, so their numbers are split. Correct the "
            "names in the export and import it again.")


def created_start_note(start: date | None, first_close: date | None, first_created: date | None) -> str | None:
    """Why a created-dated metric's history starts after its first created deal: the export is cut by close
    date, so the days before its first close hold only the deals still open then (``start``: where the deals
    created each day are complete from, ``left_truncation.created_complete_from_sql``).

    >>> created_start_note(date(2023, 9, 17), date(2023, 10, 2), date(2023, 1, 9))[:71]
    'History counted from 17 Sep 2023: your closed deals begin on 2 Oct 2023'
    """
    if start is None or first_close is None or first_created is None or start <= first_created:
        return None
    return (f"History counted from {day_words(start)}: your closed deals begin on {day_words(first_close)} and "
            f"1 in 10 deals closes within {(first_close - start).days} days of being created, so the deals "
            f"created before then are only those still open on {day_words(first_close)} (the long ones): "
            "those weeks are left out rather than read as a slow start.")
