"""An activity export that lists a meeting once per attendee (``Subject, Type, Owner, Start, Attendee``):
a calendar or "activities with contacts" report writes one row per person invited, so a meeting with
three customers is three rows. Counted row by row it is three meetings, and the rep's meeting count, its
targets and its chance of being hit are all three times what happened.

A column named for the attendee (:data:`FIELD`, found by its header: Attendee, Invitee, Participant,
Guest) says the file is laid out that way. Then:

- with an activity id, the rows repeating an id are that activity's other attendees: counted once, and
  said in a note rather than rejected;
- without one, rows of the same rep, type and start time (a date *with* a time of day, as the export
  wrote it) are one activity: counted once, with a note;
- rows whose date has no time of day cannot be told from separate activities of the same day (two
  meetings on Monday, each with another customer): each is counted, and a note says how many meetings
  or demos share a rep and day with another attendee, and how to export them so they can be counted
  right (calls and e-mails are one person each: no note).

A contact column (Contact, Associated Contact) is not an attendee column: a call log names the one person
each call was to, and those rows are separate calls.
"""

from __future__ import annotations

import duckdb

from analytics import quoting
from analytics.importing import mapping
from analytics.importing.parsing import lit, q
from analytics.importing.stage_types import Stage

FIELD = "attendee"
EVENT = "attendee_event"   # the typed column holding a row's activity: rep, type and start as written
TIMED = "attendee_timed"   # whether that start has a time of day (only then are rows of it one activity)
_TIME_OF_DAY = r"[ T]\d{1,2}[:.]\d{2}"   # after the date ('10.01.2025' is a day, '10.01.2025 10.30' a time)
# A date exported as a timestamp at midnight (2025-01-10T00:00:00.000Z) holds no time of day either.
_MIDNIGHT = r"[ T]0?0[:.]00([:.]00(\.0+)?)?\s*(Z|UTC|[+-]\d{2}:?\d{2})?$"


def typed_columns(by_field: mapping.ByField, raw_type_sql: str) -> dict[str, str]:
    """The derived columns the shaping adds when the file has an attendee column: the event key (the rep,
    the activity's type and its date cell's text, time and all) and whether the date has a time of day."""
    date_c = by_field["activity_date"][0][1]
    rep_c = by_field["rep"][0][1]
    date_text = f"trim(CAST({date_c} AS VARCHAR))"
    return {EVENT: f"concat_ws(chr(31), CAST({rep_c} AS VARCHAR), {raw_type_sql}, {date_text})",
            TIMED: f"coalesce(regexp_matches({date_text}, {lit(_TIME_OF_DAY)}) "
                   f"AND NOT regexp_matches({date_text}, {lit(_MIDNIGHT)}), false)"}


def passing_rows(conn: duckdb.DuckDBPyConnection, stage: Stage, by_field: mapping.ByField) -> str:
    """The typed rows that pass, an activity's further attendees left out (a row whose date has a time of
    day is kept only when it is the first, in file order, of its rep, type and start), as a FROM clause;
    the notes saying what was left out and what could not be are added to the stage's."""
    stage.notes += notes(conn, stage, by_field)
    return (f"(SELECT * FROM {stage.t('typed')} WHERE rej IS NULL QUALIFY NOT {TIMED} OR "
            f"row_number() OVER (PARTITION BY {EVENT} ORDER BY row_idx) = 1)")


def notes(conn: duckdb.DuckDBPyConnection, stage: Stage, by_field: mapping.ByField) -> list[str]:
    """What the import did with the attendee rows of a log without ids, and what it could not do."""
    header = by_field[FIELD][0][0]
    collapsed, activities, day_only = conn.execute(f"""
        WITH ok AS (SELECT {EVENT}, {TIMED}, {q(FIELD)} AS who, {q('rep')} AS rep, {q('activity_date')} AS day,
                           norm_type AS kind FROM {stage.t('typed')} WHERE rej IS NULL),
             timed AS (SELECT {EVENT}, count(*) AS n FROM ok WHERE {TIMED} GROUP BY ALL HAVING n > 1),
             untimed AS (SELECT count(*) AS n FROM ok WHERE NOT {TIMED} AND kind IN ('meeting', 'demo')
                         GROUP BY rep, day, kind
                         HAVING count(DISTINCT who) > 1)
        SELECT (SELECT coalesce(sum(n - 1), 0) FROM timed), (SELECT count(*) FROM timed),
               (SELECT coalesce(sum(n), 0) FROM untimed)""").fetchall()[0]
    out = []
    if collapsed:
        out.append(f"{collapsed} row(s) repeat an activity for another attendee (column {quoting.quoted(header)}: "
                   f"the same rep, type and start time): counted once, not once per attendee "
                   f"({_activities(activities)} with more than one attendee)")
    if day_only:
        out.append(f"{day_only} row(s) share a rep, type and day with a row of another attendee (column "
                   f"{quoting.quoted(header)}), and their dates have no time of day: they cannot be told from "
                   f"separate activities, so each row is counted as one; if the export lists a meeting once per "
                   f"attendee, export it with the activity id or the start time")
    return out


def one_row_per_id(conn: duckdb.DuckDBPyConnection, final: str, rows_sql: str, by_field: mapping.ByField) -> str | None:
    """In a log with ids, the ids repeated are an activity's further attendees: when there are any,
    ``final`` keeps each id's first row (``rows_sql``: the passing rows with ``row_idx``) and the note
    saying so is returned; None leaves the repeats to the usual rule (the later row kept, the others
    rejects)."""
    header = by_field[FIELD][0][0]
    repeats, activities = conn.execute(
        f"SELECT coalesce(sum(n - 1), 0), count(*) FROM (SELECT count(*) AS n FROM ({rows_sql}) "
        f"GROUP BY activity_id HAVING n > 1)").fetchall()[0]
    if not repeats:
        return None
    conn.execute(f"CREATE TEMP TABLE {final} AS SELECT * EXCLUDE (row_idx) FROM ({rows_sql}) "
                 f"QUALIFY row_number() OVER (PARTITION BY activity_id ORDER BY row_idx) = 1 ORDER BY row_idx")
    return (f"{repeats} row(s) repeat an activity id for another attendee (column {quoting.quoted(header)}): "
            f"counted once, not once per attendee ({_activities(activities)} with more than one attendee)")


def _activities(n: int) -> str:
    return f"{n} activit{'y' if n == 1 else 'ies'}"
