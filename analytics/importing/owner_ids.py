"""A rep column holding the CRM's owner ids instead of names (HubSpot's 'Deal owner' exported as
``12345678``, a 'HubSpot Owner ID' or a Salesforce 'Owner ID' ``0058d000001AbCdEAK`` mapped as the rep).

Stored, every rep was a number: the dashboard's reps were ``12345678`` and ``23456789``, another person
than the same rep named in the roster, the activities or the quotas, without a word. The file's first
rows decide (:data:`LOOKED_AT`, read once while planning): when every filled rep of them is an id, the file is
refused naming its column and values, unless the roster stored names its reps by the same ids (a
company keyed by employee numbers). A roster is the list of reps itself: its ids are read, with a note.
When only some are ids, a note names them (each is counted as a rep of its own).
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING

from analytics import quoting
from analytics.importing import cell_wrappers, labels, read_sql
from analytics.importing.parsing import lit
from analytics.importing.stage_types import RefusalError

if TYPE_CHECKING:
    import duckdb

    from analytics.importing import mapping
    from analytics.importing.stage_types import Stage

LOOKED_AT = 2000
# An id, not a name: three digits or more (HubSpot's owner ids, an employee number), or a Salesforce user
# id (key prefix 005, 15 or 18 characters).
OWNER_ID_PATTERN = r"\s*([0-9]{3,}|005[0-9A-Za-z]{12}([0-9A-Za-z]{3})?)\s*"
SHOWN = 3


class HeadIds:
    """Of the head's filled rep values that name someone (not a total row): how many, how many are ids,
    some of those ids, and how many distinct ids the stored roster does not know."""

    def __init__(self, filled: int, ids: int, examples: list[str], unknown: int) -> None:
        self.filled, self.ids, self.examples, self.unknown = filled, ids, examples, unknown


# The head's (named values, ids among them, distinct ids) per file and rep column: a file is planned
# more than once (a first load's plans, the shaping after its write), its head read once.
_HEADS: dict[tuple[str, int, int, str], tuple[int, int, list[str]]] = {}


def remember_head(conn: duckdb.DuckDBPyConnection, stage: Stage, sample: str) -> None:
    """The head's ids from the sample's own rows (``sample``, the table of :func:`scan.sample`, in file
    order), so that no read of the file's head is needed for them."""
    if "rep" in stage.by_field:
        header, c = stage.by_field["rep"][0]
        _head(conn, stage, header, f"SELECT {c} AS c0 FROM {sample}")


def _head(conn: duckdb.DuckDBPyConnection, stage: Stage, header: str,
          sample: str | None = None) -> tuple[int, int, list[str]]:
    path = stage.src.read_path
    status = os.stat(path)
    key = (str(path), status.st_size, status.st_mtime_ns, header)
    if key not in _HEADS:
        # (one buffer: a bounded read of a big file's first rows, 13.8 ms with the import's four, 7.5 with one)
        read = sample or read_sql.read_csv_sql(stage.src, [header], path, buffer_lines=1)
        value = cell_wrappers.unwrapped_sql("trim(c0)")
        is_id = f"regexp_full_match(v, {lit(OWNER_ID_PATTERN)})"
        row = conn.execute(
            f"WITH head AS (SELECT {value} AS v FROM ({read} LIMIT {LOOKED_AT})), "
            f"named AS (SELECT v FROM head WHERE nullif(v, '') IS NOT NULL "
            f"AND NOT regexp_full_match(v, {lit(labels.NOT_A_REP_PATTERN)}) AND v <> {lit(header)}) "
            f"SELECT count(*), count(*) FILTER (WHERE {is_id}), list(DISTINCT v ORDER BY v) FILTER (WHERE {is_id}) "
            "FROM named").fetchone()
        assert row is not None
        if len(_HEADS) >= 8:
            _HEADS.clear()
        _HEADS[key] = (int(row[0]), int(row[1]), list(row[2] or []))
    return _HEADS[key]


def head_ids(conn: duckdb.DuckDBPyConnection, stage: Stage, header: str) -> HeadIds:
    """The rep column ``header``'s first :data:`LOOKED_AT` values, as :class:`HeadIds` (one bounded read
    of the file, then the stored roster)."""
    filled, ids, distinct = _head(conn, stage, header)
    unknown = conn.execute("SELECT count(*) FROM unnest($ids::VARCHAR[]) AS t(v) "
                           "WHERE v NOT IN (SELECT rep FROM main.reps)", {"ids": distinct}).fetchone() if distinct else (0,)
    assert unknown is not None
    return HeadIds(filled, ids, distinct[:SHOWN], int(unknown[0]))


def refusal(kind: str, header: str, found: HeadIds) -> str | None:
    """The refusal of a file whose reps are all ids the roster does not know, else None.

    >>> print(refusal("deals", "Deal owner", HeadIds(3, 3, ["12345678", "23456789"], 2)))
    column 'Deal owner' holds owner ids, not names (12345678, 23456789): each rep would be stored as a number, another person than the same rep named elsewhere. Export the owner's name instead of the id (or map a column of names as the rep: CLI --map 'COLUMN=rep'); reps are read by their ids only when the roster names them so
    >>> refusal("deals", "Deal owner", HeadIds(3, 3, ["12345678"], 0)) is None   # (the roster names them so)
    True
    >>> refusal("reps", "User", HeadIds(3, 3, ["1001"], 3)) is None, refusal("deals", "Owner", HeadIds(3, 2, ["1"], 1))
    (True, None)
    """
    if kind == "reps" or not found.filled or found.ids < found.filled or not found.unknown:
        return None
    return (f"column {quoting.quoted(header)} holds owner ids, not names ({quoting.names(found.examples)}): each rep "
            "would be stored as a number, another person than the same rep named elsewhere. Export the owner's "
            "name instead of the id (or map a column of names as the rep: CLI --map 'COLUMN=rep'); reps are read "
            "by their ids only when the roster names them so")


def note(kind: str, header: str, found: HeadIds) -> str | None:
    """A note when some reps of the file's first rows are ids (each a rep of its own), or a roster names
    its reps by ids; else None."""
    if not found.ids or (kind != "reps" and found.ids == found.filled and not found.unknown):
        return None
    if kind == "reps" and found.ids == found.filled:
        return (f"the roster names its reps by number in {quoting.quoted(header)} ({quoting.names(found.examples)}): "
                "deals, activities and quotas are matched to them only when they name reps by the same numbers")
    return (f"{found.ids} of the first {found.filled} reps in {quoting.quoted(header)} are numbers, not names "
            f"({quoting.names(found.examples)}): owner ids? Each is counted as a rep of its own")


def check(conn: duckdb.DuckDBPyConnection, stage: Stage, kind: str, by_field: mapping.ByField, *,
          planning: bool) -> None:
    """Refuse the file while ``planning`` (its first shaping), or note, as :func:`refusal` and :func:`note` say."""
    header = by_field["rep"][0][0]
    found = head_ids(conn, stage, header)
    if planning and (why := refusal(kind, header, found)):
        raise RefusalError(why)
    if not planning and (said := note(kind, header, found)):
        stage.notes.append(said)
