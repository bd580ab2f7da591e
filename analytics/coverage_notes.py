"""What the pages say once about the reps the tables disagree on: activities of reps who sell nothing, roster
reps with no record, one rep under two spellings (:meth:`analytics.coverage.DataCoverage.absent_notes`).

Example
-------
>>> print(idle_roster_note(("Carl Lin",)))
1 roster rep owns no deal and logged no activity in the data (Carl Lin): no range and no target. If the rep sells, their deals are missing from the export.
"""

from __future__ import annotations

from analytics import quoting

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
