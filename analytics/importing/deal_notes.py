"""Quirks of a deal file worth a manager's eye, counted over its rows as they will be stored, and the
notes that say them.

A won deal of a negative amount (a credit note or a return exported as a line of its own) is kept: its
amount is taken off won revenue, which is what the books say. But it is not a sale, and it also counts
as a deal won (deal counts, win rate, average deal size): the note says so, and how to avoid it (a
return given its order's number nets that order; such lines left out of the export
count sales only). Counted once apart from the open or lost deals of a negative amount, whose note
said only "kept as negative".
"""

from __future__ import annotations

from collections.abc import Sequence

# Predicates over a stored deal (placeholders: its columns), in the order :func:`texts` reads their
# counts; a streamed stage keeps each row's as a bit of its ``note_mask`` (a UTINYINT: eight at most).
DEAL_NOTES = [
    "{outcome} = 'open' AND {close_date} IS NULL",
    "{outcome} = 'open' AND {amount} IS NULL",
    "{outcome} = 'lost' AND {amount} = 0",
    "{amount} < 0 AND {outcome} <> 'won'",
    "{created_date} IS NULL",
    "{close_date} < {created_date}",
    "{outcome} = 'won' AND {amount} = 0",
    "{amount} < 0 AND {outcome} = 'won'",
]
_NEGATIVE_LOST, _NEGATIVE_WON = 3, 7  # (one CASE gives either bit: a term per predicate cost 1.1x of the mask)


def mask_sql(columns: dict[str, str]) -> str:
    """A stored deal's ``note_mask`` (bit i: ``DEAL_NOTES[i]`` holds) over the SQL of its ``columns``: a term
    per predicate, the two of a negative amount in one, whose outcome test runs on negative amounts only.

    >>> print(mask_sql({n: n for n in ("outcome", "amount", "close_date", "created_date")})[-86:])
    (CASE WHEN amount < 0 THEN (CASE WHEN outcome = 'won' THEN 128 ELSE 8 END) ELSE 0 END)
    """
    terms = [f"(CASE WHEN {p.format(**columns)} THEN {1 << i} ELSE 0 END)" for i, p in enumerate(DEAL_NOTES)
             if i not in (_NEGATIVE_LOST, _NEGATIVE_WON)]
    terms.append(f"(CASE WHEN {columns['amount']} < 0 THEN (CASE WHEN {columns['outcome']} = 'won' THEN "
                 f"{1 << _NEGATIVE_WON} ELSE {1 << _NEGATIVE_LOST} END) ELSE 0 END)")
    return " + ".join(terms)


def texts(counts: Sequence[int], total: int, *, created: bool) -> list[str]:
    """The notes for ``counts`` (one per :data:`DEAL_NOTES` predicate) of ``total`` deals; ``created``:
    the file has a created-date column.

    >>> print(*texts([0, 0, 0, 0, 0, 0, 0, 2], 5, created=False))
    2 won deal(s) have a negative amount (credit notes or returns on lines of their own): kept, so won revenue is net of them, but each also counts as a deal won (in deal counts, win rate and average deal size). A return that belongs to an order nets that order when it carries the order's number; leave such lines out of the export to count sales only
    >>> texts([0, 0, 0, 1, 3, 0, 0, 0], 5, created=True)
    ['1 open or lost deal(s) with a negative amount kept as negative', '3 of 5 deal(s) have no created date']
    """
    (open_no_close, open_no_amount, lost_zero, negative, no_created, backwards, won_zero,
     won_negative) = counts
    notes = []
    if open_no_close or open_no_amount:
        notes.append(f"{open_no_close} open deal(s) without a close date and {open_no_amount} without an amount "
                     "(kept: open deals may lack them)")
    if lost_zero:
        notes.append(f"{lost_zero} lost deal(s) have amount 0 (the export zeroes lost values)")
    if won_zero:
        notes.append(f"{won_zero} won deal(s) have amount 0: counted as wins, with no revenue")
    if won_negative:
        notes.append(f"{won_negative} won deal(s) have a negative amount (credit notes or returns on lines of their "
                     "own): kept, so won revenue is net of them, but each also counts as a deal won (in deal counts, "
                     "win rate and average deal size). A return that belongs to an order nets that order when it "
                     "carries the order's number; leave such lines out of the export to count sales only")
    if negative:
        notes.append(f"{negative} open or lost deal(s) with a negative amount kept as negative")
    if created and no_created:
        notes.append(f"{no_created} of {total} deal(s) have no created date")
    if backwards:
        notes.append(f"{backwards} deal(s) close before they were created")
    return notes
