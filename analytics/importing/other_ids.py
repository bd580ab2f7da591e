"""The same deals under other ids: a re-export whose ids are not those of the deals stored.

A deal is known by its id, so when a file names the deals already stored by other ids, every one of
them is new and the stored ones stay: each deal counted twice, the counts saying only "11104 new". It
happens when the ids change scheme between two exports:

* the first export had **no id column** (a Salesforce report lists no Opportunity ID unless asked),
  so its deals were given ids made from their values (``row-...``), and the next one has the CRM's ids,
  or the other way round;
* **another id column** was mapped (a quote number, an order number, another CRM's ids after a move);
* **neither file has ids**, and the deals changed between the two (a stage, an account): made from
  the values, their ids changed with them.

The deals themselves tell it: a new deal of the file with the owner, close date and amount of a stored
deal that the file does not hold is that deal under another id (two sales of one rep, one day and one
amount are rare, and a stored deal the file holds by id is never one of them). When at least
:data:`MIN_PAIRS` of the file's new deals pair so, one to one by those three values, and they are at
least half of its new deals, the file is refused before anything is written, naming a pair and the
import that stored the deals (which to undo, or what to export); fewer pairs are said in a note.

>>> print(refusal_text(Paired(11104, 11104, ("0065g0000006OwyAAE", "row-0985fc98d1b7880c79ca-1"),
...                           (1, "opportunities.csv"))))
11,104 of this file's 11,104 new deals have the owner, close date and amount of a stored deal the file does not hold: the same deals under other ids ('0065g0000006OwyAAE' here is the stored 'row-0985fc98d1b7880c79ca-1'), which would count each twice. The stored ones came from opportunities.csv (import 1), a file without a deal id column, whose deals were given ids made from their values: undo that import (the Import page's history; CLI imports undo 1) and import this file in its place: its ids let later exports update their deals
"""

from __future__ import annotations

from typing import NamedTuple

import duckdb

from analytics import formatting, quoting

FILE_COLUMNS = ["f.close_date AS file_close"]
VERDICT_COLUMNS = ["f.file_close"]
"""What ``cls`` keeps of each file deal's close date (its owner and amount are kept for other checks)."""

MADE_ID_PREFIX = "row-"
"""The start of the ids made for the deals of a file without an id column (``shaping._deals``)."""

NO_ID_NOTE = ("no deal id column: each row is a deal known by its values (owner, stage, amount, dates), so a deal "
              "whose values change before a later export reads as another deal when that export is imported. "
              "Export the deals with the CRM's id column (Salesforce: Opportunity ID; HubSpot: Record ID; "
              "Pipedrive: Deal - ID) so that later exports update the deals they hold")
"""The note of a deal file without an id column."""

MIN_PAIRS = 5
"""Pairs a refusal needs (with half of the new deals): a few could be one rep's two equal sales of a day."""

NOTE_PAIRS = 3
"""Pairs that are said in a note when there are too few for a refusal."""


class Paired(NamedTuple):
    """The file's new deals paired with stored deals it does not hold by owner, close date and amount:
    how many pairs (one to one), how many new deals, one pair (file id, stored id), and the import that
    stored most of the paired deals (id, file name)."""
    pairs: int
    new: int
    example: tuple[str, str] | None
    stored_by: tuple[int, str] | None


def paired(conn: duckdb.DuckDBPyConnection, cls: str, table: str) -> Paired:
    """:class:`Paired` from the verdict table ``cls`` (``deal_id``, ``st``, ``file_rep``, ``file_close``,
    ``file_amount``) against the stored deals of ``table``.

    Only the stored deals with the signature of a new deal are read beside the file's (a semi join), so
    a re-import that adds a few deals to millions costs a probe of each stored deal."""
    row = conn.execute(f"""
        WITH new AS (SELECT deal_id, file_rep AS rep, file_close AS close_date, file_amount AS amount
                     FROM {cls} WHERE st = 'new' AND file_close IS NOT NULL AND file_amount IS NOT NULL),
        new_sig AS (SELECT rep, close_date, amount, count(*) AS n, min(deal_id) AS file_id FROM new GROUP BY ALL),
        gone AS (SELECT t.rep, t.close_date, t.amount, t.deal_id, t.import_id FROM {table} t
                 SEMI JOIN new_sig s ON t.rep = s.rep AND t.close_date = s.close_date AND t.amount = s.amount
                 WHERE NOT EXISTS (SELECT 1 FROM {cls} c WHERE c.deal_id = t.deal_id)),
        gone_sig AS (SELECT rep, close_date, amount, count(*) AS m, min(deal_id) AS stored_id,
                            mode(import_id) AS import_id FROM gone GROUP BY ALL)
        SELECT (SELECT count(*) FROM new), sum(least(n, m)), arg_min([file_id, stored_id], stored_id),
               mode(import_id)
        FROM new_sig JOIN gone_sig USING (rep, close_date, amount)""").fetchall()[0]
    n_new, pairs, example, import_id = row
    stored_by = None
    if import_id is not None:
        name = conn.execute("SELECT file_name FROM imports WHERE import_id = ?", [import_id]).fetchall()
        stored_by = (int(import_id), str(name[0][0])) if name else None
    return Paired(int(pairs or 0), int(n_new), (str(example[0]), str(example[1])) if example else None, stored_by)


def refused(found: Paired) -> bool:
    """Whether the pairs are a change of id scheme: enough of them, and half of the new deals at least.

    >>> refused(Paired(4, 4, None, None)), refused(Paired(5, 10, None, None)), refused(Paired(5, 11, None, None))
    (False, True, False)
    """
    return found.pairs >= MIN_PAIRS and 2 * found.pairs >= found.new


def _why(found: Paired) -> str:
    """Where the two ids come from, and what to do."""
    file_made, stored_made = (id_.startswith(MADE_ID_PREFIX) for id_ in found.example or ("", ""))
    source = (f"{found.stored_by[1]} (import {found.stored_by[0]})" if found.stored_by else "an earlier import")
    undo = (f"undo that import (the Import page's history; CLI imports undo {found.stored_by[0]})"
            if found.stored_by else "undo that import")
    if stored_made and not file_made:
        return (f"The stored ones came from {source}, a file without a deal id column, whose deals were given ids "
                f"made from their values: {undo} and import this file in its place: its ids let later exports "
                "update their deals")
    if file_made and not stored_made:
        return (f"This file has no deal id column (its deals are given ids made from their values) and the stored "
                f"ones, from {source}, have their CRM ids: export the deals with their id column, or {undo} and "
                "import this file in its place")
    if file_made:
        return (f"Neither this file nor {source} has a deal id column, so a deal whose stage, account or other "
                f"values changed between the two exports is read as another deal: {undo} and import this file in "
                "its place, or export the deals with their id column")
    return (f"The stored ones, from {source}, were imported with another id column: map the column that holds "
            f"their ids, or {undo} and import this file in its place")


def _pair_words(found: Paired) -> str:
    if not found.example:
        return ""
    file_id, stored_id = found.example
    return f" ({quoting.quoted(file_id)} here is the stored {quoting.quoted(stored_id)})"


def refusal_text(found: Paired) -> str:
    """Why the file is refused: the pairs, one of them, where the stored ids came from and what to do."""
    return (f"{found.pairs:,} of this file's {formatting.quantity(found.new, 'new deal')} have the owner, close "
            f"date and amount of a stored deal the file does not hold: the same deals under other ids"
            f"{_pair_words(found)}, which would count each twice. {_why(found)}")


def note_text(found: Paired) -> str:
    """The note of a few pairs: maybe the same deals, counted twice if so.

    >>> print(note_text(Paired(3, 40, ("Q-17", "D-9"), (2, "deals.csv"))))
    3 of this file's 40 new deals have the owner, close date and amount of a stored deal the file does not hold ('Q-17' here is the stored 'D-9'): if they are the same deals under other ids, each now counts twice. The stored ones, from deals.csv (import 2), were imported with another id column: map the column that holds their ids, or undo that import (the Import page's history; CLI imports undo 2) and import this file in its place
    """
    return (f"{found.pairs:,} of this file's {formatting.quantity(found.new, 'new deal')} have the owner, close "
            f"date and amount of a stored deal the file does not hold{_pair_words(found)}: if they are the same "
            f"deals under other ids, each now counts twice. {_why(found)}")

