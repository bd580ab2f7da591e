"""A deal's or an activity's id written in another form than the stored one: the same row, not a new one.

Two forms of one id are common enough to double a company's revenue, or its calls, without a word:

* **leading zeros a spreadsheet stripped**: a file's ``101`` is the stored ``000101``;
* **Salesforce's two lengths**: a report writes an id's 15 characters (``0065g0000006Owy``), an API or
  Data Loader export the same 15 and a 3-character check of their case (``0065g0000006OwyAAE``).

Leading zeros. An order or invoice number of digits (``000101``) loses its leading zeros when the export
is opened and saved in a spreadsheet, which reads it as a number. Matched as text, the re-export's ``101``
would be a new deal beside the stored ``000101``, and its revenue counted twice. So, when a file meets
stored rows (:class:`analytics.importing.loading.Merge`), an id of digits only that no stored id equals
matches the stored id of digits only that is equal to it once both lose their leading zeros, either way
round (``101`` against ``000101``, ``000101`` against ``101``, ``0101`` against ``00101``).

Salesforce's lengths. An id of 15 letters and digits that no stored id equals matches the stored id of 18
that begins with it when the 18's last three characters are the check Salesforce computes from the 15
(:func:`salesforce_check_sql`), and an id of 18 with its check matches a stored id of its first 15: a
Salesforce id's 15 characters name it (their case counts), the check only makes the id safe to compare
without case. Any other id (``SO-1``, ``SO-1 #2``, ``A101``, an activity's made key) matches only exactly.

The canonical form lives in the match only: ids are stored as their files wrote them, and a matched row
keeps its stored id (an update never rewrites a key: the undo logs of earlier imports name it), so the
match works whichever form was stored first, in databases written before it too. A match is taken only
when it is one to one, over both forms: a file id that two stored ids could be (``0101`` and ``101``
both stored), or a stored id that two file rows could be, stays as it was (a new row).
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


# Salesforce's check: for each five characters of the 15, a bit per upper-case letter, read in this alphabet.
_CHECK_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZ012345"


def salesforce_check_sql(x: str) -> str:
    """SQL: the three check characters Salesforce appends to the 15-character id ``x`` (its 18-character,
    case-safe form is ``x`` and these).

    >>> import duckdb
    >>> duckdb.sql(f"SELECT {salesforce_check_sql(repr('0065g0000006Owy'))}").fetchall()
    [('AAE',)]
    """
    def chunk(k: int) -> str:
        bits = " + ".join(f"(substr({x}, {5 * k + i + 1}, 1) BETWEEN 'A' AND 'Z')::INT * {1 << i}" for i in range(5))
        return f"substr('{_CHECK_ALPHABET}', 1 + {bits}, 1)"
    return " || ".join(chunk(k) for k in range(3))


def _salesforce_15(x: str) -> str:
    return f"regexp_full_match({x}, '[0-9A-Za-z]{{15}}')"


def _salesforce_18(x: str) -> str:
    return (f"(regexp_full_match({x}, '[0-9A-Za-z]{{18}}') "
            f"AND substr({x}, 16, 3) = {salesforce_check_sql(f'left({x}, 15)')})")


class Matched(NamedTuple):
    """Ids of a file matched only in another form (leading zeros, or Salesforce's other length): how
    many, and the first pairs (file id, stored id) for the note."""
    n_ids: int
    examples: list[tuple[str, str]]


FORMS = ("zeros", "salesforce")


def match_id_forms(conn: duckdb.DuckDBPyConnection, verdicts: str, table: str, out: str, *, key: str = "deal_id",
                   stored: str = "deal_id") -> dict[str, Matched]:
    """TEMP table ``out`` (``file_id``, ``stored_id``, ``form``): the file's new ids that match a deal of
    ``table`` only in another form (kept only when there is one); returns each form's matches (a form
    that matched nothing is left out; the table is dropped when none did).

    ``verdicts``: the file's ids (column ``key``) once each and their verdict ``st`` against ``table``'s
    ``stored`` ('new' when no stored id equals it: the merge's verdict table), so the file is not read again. An equal stored id
    wins, and the match is one to one (see the module's docstring). Only the stored ids that could be
    another form are read beside the new ones (those that begin with a zero, those of 18 characters; the
    other side by equality), so a table of millions of deals is scanned once, cheaply."""
    found = f"""
        WITH unmatched AS (
            SELECT {key} AS id FROM {verdicts} WHERE st = 'new' AND ({_digits(key)} OR length({key}) IN (15, 18))),
        padded AS (SELECT {stored} AS id FROM {table} WHERE prefix({stored}, '0') AND {_digits(stored)}),
        long AS (SELECT {stored} AS id FROM {table} WHERE length({stored}) = 18),
        cand AS (
            SELECT u.id AS file_id, p.id AS stored_id, 'zeros' AS form FROM unmatched u JOIN padded p
                ON {without_zeros_sql('p.id')} = {without_zeros_sql('u.id')} WHERE {_digits('u.id')}
            UNION
            SELECT u.id, t.{stored}, 'zeros' FROM unmatched u JOIN {table} t
                ON t.{stored} = {without_zeros_sql('u.id')} WHERE prefix(u.id, '0') AND {_digits('u.id')}
            UNION
            SELECT u.id, l.id, 'salesforce' FROM unmatched u JOIN long l ON left(l.id, 15) = u.id
                WHERE {_salesforce_15('u.id')} AND right(l.id, 3) = {salesforce_check_sql('u.id')}
            UNION
            SELECT u.id, t.{stored}, 'salesforce' FROM unmatched u JOIN {table} t ON t.{stored} = left(u.id, 15)
                WHERE {_salesforce_18('u.id')})
        SELECT file_id, stored_id, form FROM cand
        WHERE file_id IN (SELECT file_id FROM cand GROUP BY file_id HAVING count(*) = 1)
          AND stored_id IN (SELECT stored_id FROM cand GROUP BY stored_id HAVING count(*) = 1)
          AND NOT EXISTS (SELECT 1 FROM {verdicts} f WHERE f.{key} = cand.stored_id)"""
    conn.execute(f"CREATE TEMP TABLE {out} AS {found}")
    counts = dict(conn.execute(f"SELECT form, count(*) FROM {out} GROUP BY form").fetchall())
    if not counts:
        conn.execute(f"DROP TABLE {out}")
        return {}
    matched = {}
    for form in FORMS:
        if n := counts.get(form, 0):
            pairs = conn.execute(f"SELECT file_id, stored_id FROM {out} WHERE form = ? ORDER BY stored_id "
                                 f"LIMIT {EXAMPLES_NAMED}", [form]).fetchall()
            matched[form] = Matched(int(n), [(str(a), str(b)) for a, b in pairs])
    return matched


def keyed_view(conn: duckdb.DuckDBPyConnection, final: str, matched: str, out: str, column: str = "deal_id") -> None:
    """TEMP view ``out``: the rows of ``final`` with each matched id (``matched``, from
    :func:`match_id_forms`; ``column``: the id's) read as the stored one, so the merge updates that row."""
    conn.execute(f"CREATE TEMP VIEW {out} AS SELECT f.* REPLACE (coalesce(m.stored_id, f.{column}) AS {column}) "
                 f"FROM {final} f LEFT JOIN {matched} m ON m.file_id = f.{column}")


def matched_note(form: str, matched: Matched, row: str = "deal") -> str:
    """The note of ids matched only in another form (``form``: one of :data:`FORMS`) for rows of ``row``
    ("deal", "activity").

    >>> print(matched_note("zeros", Matched(4, [("101", "000101"), ("102", "000102"), ("103", "000103")])))
    4 deal ids matched stored deals only once their leading zeros were left out (a spreadsheet drops them \
when it saves a CSV): '101' is the stored '000101', '102' is the stored '000102', '103' is the stored '000103' \
and 1 more; each counts as that deal, not a new one, and keeps its stored id
    """
    pairs = [f"{quoting.quoted(a)} is the stored {quoting.quoted(b)}" for a, b in matched.examples]
    shown = quoting.names(pairs, EXAMPLES_NAMED, total=matched.n_ids)
    how = {"zeros": "only once their leading zeros were left out (a spreadsheet drops them when it saves a CSV)",
           "salesforce": "in Salesforce's other form of the same id (a report writes its 15 characters, an API or "
                         "Data Loader export the same 15 and 3 more)"}[form]
    rows = "activities" if row == "activity" else f"{row}s"
    return (f"{formatting.quantity(matched.n_ids, f'{row} id')} matched stored {rows} {how}: {shown}; each counts "
            f"as that {row}, not a new one, and keeps its stored id")
