"""Stored deals a re-export leaves out: said, since they stay counted.

A deals export taken again over the same dates updates the deals it holds and adds the new ones; a
deal it no longer holds (deleted or merged in the CRM, or filtered out by the report) stays stored and
counted, and nothing said so. When a deal file meets stored deals (:class:`analytics.importing.loading.Merge`),
the closed deals already stored for the file's own reps, closed within the file's first and last
close, that the file does not hold are counted and named in a note. The file's reps only: an export
per team leaves out the other teams' deals by design, and says nothing of them.

Example
-------
>>> import duckdb
>>> conn = duckdb.connect()
>>> _ = conn.execute("CREATE TABLE deals AS SELECT * FROM (VALUES ('D1', 'Ann', DATE '2026-01-05', 'won'), "
...                  "('D2', 'Ann', DATE '2026-02-05', 'won'), ('D3', 'Bob', DATE '2026-02-06', 'won')) "
...                  "t(deal_id, rep, close_date, outcome)")
>>> _ = conn.execute("CREATE TABLE f AS SELECT * FROM (VALUES ('D1', 'Ann', DATE '2026-01-05', 'won'), "
...                  "('D4', 'Ann', DATE '2026-03-01', 'won')) t(deal_id, rep, close_date, outcome)")
>>> print(absent_note(conn, "f", "deals", "f"))
1 closed deal already stored for this file's reps, closed within its dates (05 Jan 2026 to 01 Mar 2026), is not in it (D2): an import adds and updates deals, never removes one, so it stays counted. If it was deleted or merged in the CRM, undo the import that brought it and import this export in its place
"""

from __future__ import annotations

import duckdb

from analytics import formatting, quoting
from analytics.importing.id_forms import EXAMPLES_NAMED

CLOSED = "outcome IN ('won', 'lost')"


def absent_note(conn: duckdb.DuckDBPyConnection, final: str, table: str, held: str) -> str | None:
    """The note of the closed deals stored in ``table`` for the reps of the file's rows ``final``, closed
    within the file's closes, that the file does not hold (``held``: a table of the file's ``deal_id``,
    the merge's verdict table); None when there are none.

    ``final`` is read once (a streamed file's rows are the file read again): its span and reps, in a
    pass that keeps only those."""
    n, examples, lo, hi = conn.execute(f"""
        WITH span AS MATERIALIZED (
            SELECT min(close_date) FILTER (WHERE {CLOSED}) AS lo, max(close_date) FILTER (WHERE {CLOSED}) AS hi,
                   list(DISTINCT rep) AS reps FROM {final}),
        reps AS (SELECT unnest(reps) AS rep FROM span)
        SELECT count(*), list(t.deal_id ORDER BY t.close_date, t.deal_id)[1:{EXAMPLES_NAMED}],
               any_value(span.lo), any_value(span.hi)
        FROM {table} t, span
        WHERE t.{CLOSED} AND t.close_date BETWEEN span.lo AND span.hi
          AND t.rep IN (SELECT rep FROM reps)
          AND NOT EXISTS (SELECT 1 FROM {held} f WHERE f.deal_id = t.deal_id)""").fetchone() or (0, [], None, None)
    if not n:
        return None
    named = quoting.names([str(e) for e in examples], EXAMPLES_NAMED, total=n)
    one = n == 1
    it = "it" if one else "them"
    return (f"{formatting.quantity(n, 'closed deal')} already stored for this file's reps, closed within its dates "
            f"({lo:%d %b %Y} to {hi:%d %b %Y}), {'is' if one else 'are'} not in it ({named}): an import adds and "
            f"updates deals, never removes one, so {'it stays' if one else 'they stay'} counted. If "
            f"{'it was' if one else 'they were'} deleted or merged in the CRM, undo the import that brought {it} "
            "and import this export in its place")
