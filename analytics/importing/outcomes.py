"""A deal's outcome (won, lost or open) from what its export says: a stage or status label
(:func:`labels.normalise_outcome`), and a CRM's yes/no columns saying won and closed whatever the
stages are called (Salesforce's ``IsWon`` and ``IsClosed``, its reports' *Won* and *Closed*
checkboxes, HubSpot's *Is Closed Won*).

Without the flags, a file whose stages are its own words ('Handover', 'Dead') counted every deal
open, and one with no stage column every deal won: its lost and open deals were won revenue. The flags
decide where they speak; the stage only where they leave the question open (Closed = yes, Won blank:
the stage says won or lost). A row nothing decides is rejected, naming what it says.

>>> decision = deal_outcome({"is_won": [("Won", "c4")], "is_closed": [("Closed", "c5")]},
...                         {"is_won": ["0", "1"], "is_closed": ["0", "1"]})
>>> decision.notes
["won, lost or open read from the yes/no column(s) 'Won', 'Closed' (yes: won; closed and not won: lost; not closed: open)"]
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import NamedTuple

from analytics import quoting
from analytics.importing import email_events, labels, mapping, parsing, stage_ids
from analytics.importing.parsing import lit, q
from analytics.importing.stage_types import Check, RefusalError

FLAGS = ("is_won", "is_closed")
LABELS_SHOWN = 20


class OutcomeDecision(NamedTuple):
    """The SQL of a deal row's ``outcome`` (NULL where nothing decides), the check rejecting those
    rows, and the notes saying what was read; ``unread``: the (header, column) of a stage column that
    decides alone and holds stages no word list reads (their rows are counted after the import:
    :mod:`analytics.importing.unread_stages`)."""

    sql: str
    checks: list[Check]
    notes: list[str]
    unread: tuple[str, str] | None = None


def _listed(values: list[str]) -> str:
    more = f" and {len(values) - LABELS_SHOWN} more" if len(values) > LABELS_SHOWN else ""
    return ", ".join(values[:LABELS_SHOWN]) + more


def _flag_sql(name: str, values: list[str], header: str, notes: list[str]) -> str:
    """The yes/no column ``name`` as a BOOLEAN (NULL when blank or neither, said in a note)."""
    said = {v: labels.answer(v) for v in values}
    if unknown := [v for v, a in said.items() if a is None]:
        notes.append(f"{quoting.quoted(header)} values that say neither yes nor no, read as blank: {_listed(unknown)}")
    whens = " ".join(f"WHEN {lit(v)} THEN {'true' if a else 'false'}" for v, a in said.items() if a is not None)
    return f"(CASE {q(name)} {whens} END)" if whens else "NULL::BOOLEAN"


def _label_sql(name: str, values: list[str], notes: list[str], *, read: bool, noted: tuple[str, ...] = (),
               stages: Mapping[str, str] | None = None) -> str:
    """The stage or status label as won/lost/open (an unknown label counts as open, noted when ``read``:
    when the flags leave some rows to it, and not among the ``noted`` stage ids); the manager's
    ``stages`` (stage -> outcome) win over the word lists, said in a note."""
    outcomes: dict[str, str] = {}
    unknown = []
    for label in values:
        outcomes[label], known = labels.normalise_outcome(label, stages)
        if not known and label not in noted:
            unknown.append(label)
    if unknown and read:
        notes.append(f"unknown stage(s) counted as open: {_listed(unknown)}")
    if read and (mapped := [f"{quoting.quoted(v)} {stages[v]}" for v in values if stages and v in stages]):
        notes.append(f"stage(s) read as you said (Stage outcomes): {_listed(mapped)}")
    return f"coalesce({parsing.label_case_sql(q(name), outcomes, 'open')}, 'open')"


def deal_outcome(by_field: mapping.ByField, values: dict[str, list[str]], *, whole_file: bool = True,
                 stages: Mapping[str, str] | None = None) -> OutcomeDecision:
    """The outcome of each row of a deals file mapped as ``by_field``, whose label and flag columns
    hold the distinct ``values`` (field name -> values, as profiled); ``stages``: the manager's stage
    -> outcome map (:mod:`analytics.importing.stage_outcomes`), read before the word lists when the
    stage column is the label (a status column is no stage).

    With flags W (won) and C (closed), and L the label's outcome (None without a stage column)::

        W = yes                 -> won
        C = yes and W = no      -> lost
        C = no                  -> open
        C = yes, W blank        -> L when L is won or lost          (the stage says which)
        W = no, C blank         -> L when L is lost or open; lost when neither a stage nor a closed column exists
        both blank              -> L (an orders export with no stage: won)

    and no outcome otherwise: the row is rejected, naming its stage and flags. Without flags, a stage column
    of the CRM's ids is refused (when ``values`` are the ``whole_file``'s) and ids among names are noted
    (:mod:`stage_ids`).
    """
    notes: list[str] = []
    label_field = "status" if "status" in by_field else "stage" if "stage" in by_field else None
    stages = stages if label_field == "stage" else None
    flags = [f for f in FLAGS if f in by_field]
    if not flags:
        if label_field:
            label_values = values.get(label_field, [])
            if ids := [v for v in stage_ids.ids_of(label_values) if not labels.normalise_outcome(v, stages)[1]]:
                header = by_field[label_field][0][0]
                if len(ids) < len(label_values):
                    notes.append(stage_ids.note(header, ids))
                elif whole_file:
                    raise RefusalError(stage_ids.refusal(header, ids))
            unread = by_field[label_field][0] if any(not labels.normalise_outcome(v, stages).known and v not in ids
                                                     for v in label_values) else None
            return OutcomeDecision(_label_sql(label_field, label_values, notes, read=True, noted=tuple(ids),
                                              stages=stages), [], notes, unread)
        return OutcomeDecision("'won'", [], ["no stage column: every row counts as won (an orders/invoices export)"])
    headers = [by_field[f][0][0] for f in flags]
    notes.append(f"won, lost or open read from the yes/no column(s) {', '.join(map(quoting.quoted, headers))} (yes: won; closed and "
                 "not won: lost; not closed: open)")
    won = _flag_sql("is_won", values.get("is_won", []), by_field["is_won"][0][0], notes) if "is_won" in by_field \
        else "NULL::BOOLEAN"
    closed = _flag_sql("is_closed", values.get("is_closed", []), by_field["is_closed"][0][0], notes) \
        if "is_closed" in by_field else "NULL::BOOLEAN"
    label = _label_sql(label_field, values.get(label_field, []), notes, read=len(flags) < 2,
                       stages=stages) if label_field else None
    if label:
        closed_but = f"(CASE WHEN {label} IN ('won', 'lost') THEN {label} END)"
        not_won = f"(CASE WHEN {label} IN ('lost', 'open') THEN {label} END)"
        neither = label
    else:
        closed_but, neither = "NULL", "NULL"
        not_won = "'lost'" if "is_closed" not in by_field else "NULL"
        if "is_closed" not in by_field:
            notes.append(f"{quoting.quoted(headers[0])} = no counted as lost: no stage or closed column says "
                         "whether those deals are still open")
    sql = (f"(CASE WHEN {won} THEN 'won' WHEN {closed} AND NOT {won} THEN 'lost' WHEN NOT {closed} THEN 'open' "
           f"WHEN {closed} THEN {closed_but} WHEN NOT {won} THEN {not_won} ELSE {neither} END)")
    said = [(h, f) for f in ([label_field] if label_field else []) + flags for h, _ in by_field[f][:1]]
    what = " || ', ' || ".join(f"{lit(h + ' = ')} || coalesce({q(f)}, '(blank)')" for h, f in said)
    header, c = by_field[flags[0]][0]
    return OutcomeDecision(sql, [("outcome IS NULL", header, c, f"'won, lost or open? ' || {what}")], notes)


def activity_done_checks(by_field: mapping.ByField, values: dict[str, list[str]], notes: list[str], *,
                         whole_file: bool = True) -> list[Check]:
    """Rows of an activity log that did not happen, rejected: a planned call is not a call made. Said by a
    status (Not Started, Scheduled, No Show: :func:`labels.activity_done`; a status saying neither is
    noted and counted as done; of several status columns, Status and Meeting Outcome, any one saying not done) or by a yes/no column asking whether it happened (Completed = No,
    Done = 0; a value saying neither is noted and read as blank, so the status decides). An email event log's
    Opened or Clicked row is no email sent (:mod:`email_events`): rejected beside Sent rows; without them
    the file is refused when ``values`` are the ``whole_file``'s."""
    checks: list[Check] = []
    if "status" in by_field:
        columns = by_field["status"]
        headers = [header for header, _ in columns]
        # Each status column is asked (Status = Completed, Meeting Outcome = No Show: not done), through
        # its own value; a single one is the status field itself.
        value = {c: q("status") if len(columns) == 1 else f"{c}_v" for _, c in columns}
        # (an email event log's Opened or Clicked row is no email sent: rejected, or the file refused)
        # (``values`` of a sample may lack the Sent rows further on: only the whole file's refuse)
        if events := email_events.events_of(headers, values.get("status", []), refuse=whole_file):
            notes.append(email_events.note(headers, events))
            checks += [(parsing.one_of_sql(value[c], events), header, c,
                        f"'an email event, not an email sent: ' || {lit(header + ' = ')} || {value[c]}")
                       for header, c in columns]
        said = {label: labels.activity_done(label) for label in values.get("status", []) if label not in events}
        if unknown := [label for label, done in said.items() if done is None]:
            notes.append(f"activity status(es) that say neither done nor planned, counted as done: {_listed(unknown)}")
        if not_done := [label for label, done in said.items() if done is False]:
            checks += [(parsing.one_of_sql(value[c], not_done), header, c,
                        "'not done: its status is ' || " + value[c] if len(columns) == 1 else
                        f"'not done: ' || {lit(header + ' = ')} || {value[c]}") for header, c in columns]
    if "done" in by_field:
        header, c = by_field["done"][0]
        answers = {v: labels.answer(v) for v in values.get("done", [])}
        if unknown := [v for v, a in answers.items() if a is None]:
            notes.append(f"{quoting.quoted(header)} values that say neither yes nor no, read as blank: {_listed(unknown)}")
        if no := [v for v, a in answers.items() if a is False]:
            checks.append((parsing.one_of_sql(q("done"), no), header, c, f"'not done: ' || {lit(header + ' = ')} || {q('done')}"))
    return checks
