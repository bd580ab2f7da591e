"""Deals and activities dated outside their rep's roster dates: not counted, and said so.

A rep's span (:func:`analytics.metrics.rep_spans`) is the roster's start to end date, widened to the rep's
own closes and activities when they fall at most ``RECORD_GRACE_DAYS`` outside it (an onboarding week
logged before the HR start date, a deal closed the week a rep left). Every panel counts a rep's rows
inside the span only, at every grain alike, so a quarter is always the sum of its months; Tracking and
Review's actuals to date count the same rows (:func:`inside_roster`). A row further
out (a rep rehired years later under one name, a start date typed a year late) falls outside every period
counted: this module finds those rows so the pages say how many, whose, and what to correct, instead of
leaving them out without a word.

Example
-------
Noah joined on 3 May 2026 by the roster, but logged calls from February (a start date typed wrong):

>>> from datetime import date
>>> from analytics import store
>>> conn = store.connect(":memory:")
>>> _ = conn.execute("INSERT INTO reps (rep, start_date, import_id) VALUES ('Noah', DATE '2026-05-03', 1)")
>>> _ = conn.execute("INSERT INTO activities (activity_id, rep, activity_date, type, import_id) VALUES "
...                  "('a1', 'Noah', DATE '2026-02-10', 'call', 1), ('a2', 'Noah', DATE '2026-05-04', 'call', 1)")
>>> outside = records_outside_roster(conn)
>>> [(r.rep, r.activities, r.deals) for r in outside]
[('Noah', 1, 0)]
>>> print(outside_roster_note(outside))
1 activity of 1 rep is dated more than 31 days outside the rep's roster dates (Noah: 1 activity before the start on 3 May 2026) and is counted in no period. If a start or end date is wrong, correct it in the roster and import it again.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import duckdb

from analytics import quoting
from analytics.formatting import day_words, quantity
from analytics.metric_registry import CLOSED_BY_OUTCOME
from analytics.metrics import RECORD_GRACE_DAYS, data_as_of, rep_spans_cte

REPS_SHOWN = 3   # reps the note names


@dataclass(frozen=True)
class OutsideRoster:
    """One roster rep's closed deals and activities dated outside their span: how many before the start and
    after the end, and the roster's dates."""

    rep: str
    deals: int
    activities: int
    before_start: int
    after_end: int
    roster_start: date | None
    roster_end: date | None


def records_outside_roster(conn: duckdb.DuckDBPyConnection, as_of: date | None = None) -> list[OutsideRoster]:
    """The roster reps with closed deals (by close date) or activities outside their span, on or before the
    data's last day (``as_of``; default :func:`analytics.metrics.data_as_of`), most rows first."""
    as_of = as_of or data_as_of(conn)
    if as_of is None:
        return []
    closed = " UNION ALL ".join(f"SELECT rep, close_date AS day, 'deal' AS kind FROM deals WHERE {rows}"
                                for rows in CLOSED_BY_OUTCOME)
    rows = conn.execute(f"""
        WITH {rep_spans_cte()},
        done AS ({closed} UNION ALL SELECT rep, activity_date AS day, 'activity' AS kind FROM activities)
        SELECT d.rep, count(*) FILTER (WHERE kind = 'deal'), count(*) FILTER (WHERE kind = 'activity'),
               count(*) FILTER (WHERE d.day < s.span_start), count(*) FILTER (WHERE d.day > s.span_end),
               any_value(r.start_date), any_value(r.end_date)
        FROM done d JOIN spans s ON s.rep = d.rep AND s.on_roster JOIN reps r ON r.rep = d.rep
        WHERE d.day <= $as_of AND (d.day < s.span_start OR d.day > s.span_end)
        GROUP BY d.rep ORDER BY count(*) DESC, d.rep""", {"as_of": as_of}).fetchall()
    return [OutsideRoster(rep, int(deals), int(acts), int(before), int(after), start, end)
            for rep, deals, acts, before, after, start, end in rows]


def inside_roster(table: str, date_column: str) -> tuple[str, str]:
    """``(with_clause, condition)``: a query over ``table`` that keeps only the rows its panels count, a roster
    rep's rows inside the rep's span (``WITH ...`` before the query, the condition in its WHERE), so a rep's
    actual to date on Tracking and Review is the period's value on Baselines: a row this module reports as
    counted in no period is counted nowhere."""
    outside = (f"{table}.{date_column} < s.span_start OR {table}.{date_column} > s.span_end")
    return (f"WITH {rep_spans_cte(found_as_of=True)}",
            f"NOT EXISTS (SELECT 1 FROM spans s WHERE s.rep = {table}.rep AND s.on_roster AND ({outside}))")


def _kinds(deals: int, activities: int, deal_word: str = "deal") -> str:
    return " and ".join(quantity(n, w) for n, w in ((deals, deal_word), (activities, "activity")) if n)


def _rep_words(row: OutsideRoster) -> str:
    what = _kinds(row.deals, row.activities)
    sides = [f"before the start on {day_words(row.roster_start)}" if row.before_start else "",
             f"after the end on {day_words(row.roster_end)}" if row.after_end else ""]
    return f"{quoting.shown(row.rep)}: {what} {' and '.join(s for s in sides if s)}"


def outside_roster_note(rows: list[OutsideRoster] | tuple[OutsideRoster, ...]) -> str | None:
    """What the pages say of :func:`records_outside_roster` (None when there is none)."""
    if not rows:
        return None
    deals, acts = sum(r.deals for r in rows), sum(r.activities for r in rows)
    what = _kinds(deals, acts, "closed deal")
    one = deals + acts == 1
    shown = "; ".join(_rep_words(r) for r in rows[:REPS_SHOWN]) + ("; ..." if len(rows) > REPS_SHOWN else "")
    return (f"{what} of {quantity(len(rows), 'rep')} {'is' if one else 'are'} dated more than {RECORD_GRACE_DAYS} days "
            f"outside the rep's roster dates ({shown}) and {'is' if one else 'are'} counted in no period. If a start "
            "or end date is wrong, correct it in the roster and import it again.")
