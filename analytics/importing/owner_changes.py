"""Closed deals a new export names another owner for: a leaver's records handed over keep who closed them.

When a rep leaves, a CRM admin transfers their records to a colleague, and a later export names the
colleague as the owner of every deal the leaver ever won or lost. Read as it stands, each of those
deals moved into the colleague's history: their baseline rose by the leaver's sales (1,356 deals of five
leavers on the sample company, "1356 updated"), and nothing said so. Who closed a deal is what a
rep's history is about, so a deal stored as closed keeps its stored owner when the file names another
and the stored owner owns no deal of the file at all: the signature of a handover (a rep whose credit
was corrected on one deal still owns others in the export), when the new owner owned stored deals
before (a name never seen is the same rep renamed). An open deal follows its new owner, who will close
it. Any other closed deal moved is taken as the file says (a credit corrected, a rename), and said too.

Example
-------
Ann left; her won deal D1 now names Bob, who owned D2 before. Cy's deal D3 was corrected to Bob while Cy
still owns D4 (the rows of ``cls`` :func:`keep_closers` reads):

>>> import duckdb
>>> conn = duckdb.connect()
>>> _ = conn.execute("CREATE TABLE cls AS SELECT * FROM (VALUES ('D1', 'Bob', 'Ann', TRUE, TRUE, 'updated'), "
...     "('D2', 'Bob', 'Bob', FALSE, TRUE, 'unchanged'), ('D3', 'Bob', 'Cy', TRUE, TRUE, 'updated'), "
...     "('D4', 'Cy', 'Cy', TRUE, TRUE, 'unchanged')) v(deal_id, file_rep, stored_rep, stored_closed, "
...     "same_but_rep, st), (SELECT NULL::VARCHAR AS keep_rep)")
>>> keep_closers(conn, "cls")
>>> conn.execute("SELECT deal_id, keep_rep, st FROM cls ORDER BY deal_id").fetchall()
[('D1', 'Ann', 'unchanged'), ('D2', None, 'unchanged'), ('D3', None, 'updated'), ('D4', None, 'unchanged')]
>>> print(*notes(conn, "cls"), sep="\\n")
1 closed deal names a new owner while its stored owner owns no deal of the file (a handover when a rep leaves: Ann → Bob: 1): each keeps the rep who closed it, so their history stays theirs; open deals follow the new owner
1 closed deal changed owner (Cy → Bob: 1): counted for the new owner, as the file says
"""

from __future__ import annotations

import duckdb

from analytics import formatting

SHOWN_MOVES = 3   # owner moves named in a note; the rest are counted


def file_columns(other_digest: str) -> list[str]:
    """A file row's owner and the hash of its other compared values, beside its key (over alias ``f``)."""
    return ["f.rep AS file_rep", f"{other_digest} AS h_other"]


def stored_columns(other_digest: str) -> list[str]:
    """A stored deal's owner, whether it was closed, and the hash of its other values (over alias ``t``)."""
    return ["t.rep AS stored_rep", "t.outcome IN ('won', 'lost') AS stored_closed", f"{other_digest} AS h_other"]


VERDICT_COLUMNS = ["f.file_rep", "t.stored_rep", "coalesce(t.stored_closed, FALSE) AS stored_closed",
                   "t.h_other IS NOT DISTINCT FROM f.h_other AS same_but_rep", "NULL::VARCHAR AS keep_rep"]
"""What ``cls`` keeps of each deal beside its verdict (the file row ``f`` joined to the stored one ``t``)."""


def keep_closers(conn: duckdb.DuckDBPyConnection, cls: str) -> None:
    """Mark in ``cls`` the closed deals that keep their stored owner (``keep_rep``): the file names another
    who owned stored deals of the file before, and the stored owner owns no deal of the file. (A new owner
    seen nowhere before is a rename, 'Ann Lee' married: every deal follows the name.) One whose other
    values are the stored ones is unchanged."""
    conn.execute(f"UPDATE {cls} SET keep_rep = stored_rep, st = CASE WHEN same_but_rep THEN 'unchanged' ELSE st END "
                 f"WHERE stored_closed AND file_rep <> stored_rep "
                 f"AND stored_rep NOT IN (SELECT DISTINCT file_rep FROM {cls} WHERE file_rep IS NOT NULL) "
                 f"AND file_rep IN (SELECT DISTINCT stored_rep FROM {cls} WHERE stored_rep IS NOT NULL)")


def notes(conn: duckdb.DuckDBPyConnection, cls: str) -> list[str]:
    """The handovers kept and the owner changes taken, each with its moves (stored owner → file's owner)."""
    rows = conn.execute(
        f"SELECT keep_rep IS NOT NULL AS kept, stored_rep, file_rep, count(*) AS n FROM {cls} "
        f"WHERE stored_closed AND file_rep <> stored_rep GROUP BY ALL ORDER BY kept DESC, n DESC, stored_rep").fetchall()
    out = []
    for kept in (True, False):
        moves = [(old, new, n) for k, old, new, n in rows if k == kept]
        if not moves:
            continue
        total = sum(n for *_, n in moves)
        named = "; ".join(f"{old} → {new}: {n:,}" for old, new, n in moves[:SHOWN_MOVES])
        more = f"; and {len(moves) - SHOWN_MOVES} more" if len(moves) > SHOWN_MOVES else ""
        deals = formatting.quantity(total, "closed deal")
        if kept:
            out.append(f"{deals} {'names' if total == 1 else 'name'} a new owner while {'its' if total == 1 else 'their'} "
                       f"stored owner owns no deal of the file (a handover when a rep leaves: {named}{more}): each "
                       "keeps the rep who closed it, so their history stays theirs; open deals follow the new owner")
        else:
            out.append(f"{deals} changed owner ({named}{more}): counted for the new owner, as the file says")
    return out
