"""Deal ids a spreadsheet stripped of their leading zeros: a file's ``101`` is the stored ``000101``.

An order or invoice number of digits (``000101``) loses its leading zeros when the export is opened
and saved in a spreadsheet, which reads it as a number. Matched as text, the re-export's ``101`` would
be a new deal beside the stored ``000101``, and its revenue counted twice. So, when a file meets
stored deals (:class:`analytics.importing.loading.Merge`), an id of digits only that no stored id
equals matches the stored id of digits only that is equal to it once both lose their leading zeros,
either way round (``101`` against ``000101``, ``000101`` against ``101``, ``0101`` against ``00101``).

The canonical form lives in the match only: ids are stored as their files wrote them, and a matched
deal keeps its stored id (an update never rewrites a key: the undo logs of earlier imports name
it), so the match works whichever form was stored first, in databases written before it too. A
match is taken only when it is one to one: a file id that two stored ids could be (``0101`` and
``101`` both stored), or a stored id that two file rows could be, stays as it was (a new deal).
Ids with any other character (Salesforce's 15 or 18 characters, ``SO-1``, ``SO-1 #2``) match only
exactly.
"""

from __future__ import annotations

from typing import NamedTuple

import duckdb

from analytics import formatting, quoting

# Ids in the note, before "and N more".
EXAMPLES_NAMED = 3


def without_zeros_sql(x: str) -> str:
    """SQL: the id ``x`` (digits only) without its leading zeros; ``0`` for an id of zeros.

    >>> import duckdb
    >>> duckdb.sql(f"SELECT {without_zeros_sql(repr('000101'))}, {without_zeros_sql(repr('000'))}").fetchall()
    [('101', '0')]
    """
    return f"coalesce(nullif(ltrim({x}, '0'), ''), '0')"


def _digits(x: str) -> str:
    return f"regexp_full_match({x}, '[0-9]+')"


class Matched(NamedTuple):
    """Ids of a file matched only without their leading zeros: how many, and the first pairs (file id,
    stored id) for the note."""
    n_ids: int
    examples: list[tuple[str, str]]


def match_stripped_zeros(conn: duckdb.DuckDBPyConnection, final: str, table: str, out: str) -> Matched:
    """TEMP table ``out`` (``file_id``, ``stored_id``): the ids of ``final`` that match a deal of
    ``table`` only without their leading zeros (kept only when there is one).

    Only ids of digits are compared; an equal stored id wins, and the match is one to one (see the
    module's docstring). The stored ids read are those that begin with a zero (the other side of a
    padded file id is read by equality), so a table of millions of deals is scanned once, cheaply."""
    found = f"""
        WITH f AS (SELECT DISTINCT deal_id FROM {final} WHERE {_digits('deal_id')}),
        unmatched AS (SELECT f.deal_id FROM f WHERE NOT EXISTS (SELECT 1 FROM {table} t WHERE t.deal_id = f.deal_id)),
        padded AS (SELECT deal_id FROM {table} WHERE prefix(deal_id, '0') AND {_digits('deal_id')}),
        cand AS (
            SELECT u.deal_id AS file_id, p.deal_id AS stored_id FROM unmatched u JOIN padded p
                ON {without_zeros_sql('p.deal_id')} = {without_zeros_sql('u.deal_id')}
            UNION
            SELECT u.deal_id, t.deal_id FROM unmatched u JOIN {table} t ON t.deal_id = {without_zeros_sql('u.deal_id')}
                WHERE prefix(u.deal_id, '0'))
        SELECT file_id, stored_id FROM cand
        WHERE file_id IN (SELECT file_id FROM cand GROUP BY file_id HAVING count(*) = 1)
          AND stored_id IN (SELECT stored_id FROM cand GROUP BY stored_id HAVING count(*) = 1)
          AND NOT EXISTS (SELECT 1 FROM {final} f WHERE f.deal_id = cand.stored_id)"""
    conn.execute(f"CREATE TEMP TABLE {out} AS {found}")
    count = conn.execute(f"SELECT count(*) FROM {out}").fetchall()[0][0]
    if not count:
        conn.execute(f"DROP TABLE {out}")
    pairs = conn.execute(f"SELECT file_id, stored_id FROM {out} ORDER BY stored_id LIMIT {EXAMPLES_NAMED}"
                         ).fetchall() if count else []
    return Matched(int(count), [(str(a), str(b)) for a, b in pairs])


def keyed_view(conn: duckdb.DuckDBPyConnection, final: str, matched: str, out: str) -> None:
    """TEMP view ``out``: the rows of ``final`` with each matched id (``matched``, from
    :func:`match_stripped_zeros`) read as the stored one, so the merge updates that deal."""
    conn.execute(f"CREATE TEMP VIEW {out} AS SELECT f.* REPLACE (coalesce(m.stored_id, f.deal_id) AS deal_id) "
                 f"FROM {final} f LEFT JOIN {matched} m ON m.file_id = f.deal_id")


def matched_note(matched: Matched) -> str:
    """The note of ids matched only without their leading zeros.

    >>> print(matched_note(Matched(4, [("101", "000101"), ("102", "000102"), ("103", "000103")])))
    4 deal ids matched stored deals only once their leading zeros were left out (a spreadsheet drops them \
when it saves a CSV): '101' is the stored '000101', '102' is the stored '000102', '103' is the stored '000103' \
and 1 more; each counts as that deal, not a new one, and keeps its stored id
    """
    pairs = [f"{quoting.quoted(a)} is the stored {quoting.quoted(b)}" for a, b in matched.examples]
    shown = quoting.names(pairs, EXAMPLES_NAMED, total=matched.n_ids)
    return (f"{formatting.quantity(matched.n_ids, 'deal id')} matched stored deals only once their leading zeros "
            f"were left out (a spreadsheet drops them when it saves a CSV): {shown}; each counts as that deal, not "
            "a new one, and keeps its stored id")
