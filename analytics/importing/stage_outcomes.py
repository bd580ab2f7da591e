"""The manager's stage -> outcome map: whether a deal stage counts as won, lost or open.

A deals export's stages are read by word lists (:func:`labels.normalise_outcome`); a stage they do not
know ('Auftrag erteilt', 'Signed PO', 'Dead') counts as open, and the import warns
(:mod:`analytics.importing.unread_stages`). The manager says once what such a stage is: later imports
read it so, before the word lists (:func:`outcomes.deal_outcome`), and the deals already stored under it
are set to it in the same transaction.

A stage says a deal's outcome only where the outcome was read from it. A file with yes/no Won and Closed
columns (or a Status column beside the stage) had its outcomes read from those, so one stage may hold
won and open deals: such a stage is refused, naming its mix, since setting it would overwrite what those
columns said. A won or lost deal needs a close date (not after today, not before 1980) and a won deal an
amount, as at import (``shaping._deals``): a stage whose deals lack them is refused, naming how many.
"""

from __future__ import annotations

from typing import NamedTuple

import duckdb
import pandas as pd

from analytics import formatting, quoting, store
from analytics.importing import event_dates, labels

OUTCOMES = ("won", "lost", "open")
LABEL_COLUMNS = ["stage", "outcome", "deals", "set", "known"]


class StageOutcome(NamedTuple):
    """A stage set to an outcome: its stored deals, and how many of them changed outcome."""

    stage: str
    outcome: str
    deals: int
    changed: int


def stage_outcome_map(conn: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """The manager's stage -> outcome choices."""
    return conn.execute("SELECT stage, outcome FROM stage_outcome_map ORDER BY stage").df()


def _mix(counts: dict[str, int]) -> str:
    """The outcomes of one stage's deals in words: 'won' alone, or 'mixed: won 3, open 2'."""
    if len(counts) == 1:
        return next(iter(counts))
    said = sorted(counts.items(), key=lambda c: OUTCOMES.index(c[0]) if c[0] in OUTCOMES else len(OUTCOMES))
    return "mixed: " + ", ".join(f"{o} {formatting.count(n)}" for o, n in said)


def _outcome_counts(conn: duckdb.DuckDBPyConnection, stage: str | None = None) -> dict[str, dict[str, int]]:
    """Stage -> {outcome: stored deals}, the most deals first (of one ``stage`` when given)."""
    where = "stage = ?" if stage is not None else "stage IS NOT NULL"
    rows = conn.execute(f"SELECT stage, outcome, count(*) FROM deals WHERE {where} GROUP BY ALL "
                        "ORDER BY count(*) DESC, outcome", [stage] if stage is not None else []).fetchall()
    out: dict[str, dict[str, int]] = {}
    for label, outcome, n in rows:
        out.setdefault(label, {})[outcome] = int(n)
    return out


def stage_labels(conn: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """Each stage label of the stored deals: the ``outcome`` its deals count as ('mixed: won 3, open 2'
    when other columns decided them), how many ``deals``, whether the manager ``set`` it, and whether the
    word lists read it (``known``); the most deals first."""
    mapped = set(stage_outcome_map(conn)["stage"])
    records = [(stage, _mix(counts), sum(counts.values()), stage in mapped, labels.normalise_outcome(stage).known)
               for stage, counts in _outcome_counts(conn).items()]
    frame = pd.DataFrame(records, columns=LABEL_COLUMNS)
    return frame.sort_values(["deals", "stage"], ascending=[False, True], ignore_index=True)


def _missing(conn: duckdb.DuckDBPyConnection, stage: str, outcome: str) -> list[str]:
    """What the stage's deals lack to be ``outcome`` (won or lost), as counted phrases."""
    last, first = event_dates.latest_day().isoformat(), event_dates.EARLIEST.isoformat()
    blank, late, early, no_amount = conn.execute(
        "SELECT count(*) FILTER (WHERE close_date IS NULL), count(*) FILTER (WHERE close_date > ?::DATE), "
        "count(*) FILTER (WHERE close_date < ?::DATE), count(*) FILTER (WHERE amount IS NULL) "
        "FROM deals WHERE stage = ?", [last, first, stage]).fetchall()[0]
    said = [(blank, "no close date"), (late, "a close date after today"), (early, f"a close date before {first[:4]}")]
    if outcome == "won":
        said.append((no_amount, "no amount"))
    return [f"{formatting.count(n)} {what}" for n, what in said if n]


def set_stage_outcome(conn: duckdb.DuckDBPyConnection, stage: str, outcome: str) -> StageOutcome:
    """Say that ``stage`` counts as ``outcome`` (won, lost or open): remembered for later imports, and
    the deals stored under it set to it, in one transaction.

    Raises ``LookupError`` when no stored deal has the stage, and ``ValueError`` for another outcome, for a
    stage whose deals have several outcomes (read from other columns, not the stage), or one whose deals
    cannot be won or lost (no close date, one after today or before 1980; a won deal with no amount).
    """
    label = stage.strip()
    if outcome not in OUTCOMES:
        raise ValueError(f"a stage counts as one of {', '.join(OUTCOMES)}, not {quoting.quoted(outcome)}")
    with store.transaction(conn):
        counts = _outcome_counts(conn, label).get(label)
        if not counts:
            stored = list(_outcome_counts(conn))
            raise LookupError(f"no stored deal has the stage {quoting.quoted(label)}"
                              + (f" (stages: {quoting.names(stored)})" if stored else " (no deals imported)"))
        total = sum(counts.values())
        if len(counts) > 1:
            raise ValueError(
                f"the {formatting.count(total)} deals under the stage {quoting.quoted(label)} are {_mix(counts)}: "
                "their outcomes were read from other columns (yes/no Won and Closed, or a Status), not from the "
                "stage, so the stage cannot say what they are")
        if outcome != "open" and (missing := _missing(conn, label, outcome)):
            raise ValueError(
                f"of the {formatting.count(total)} deals under the stage {quoting.quoted(label)}, "
                f"{', '.join(missing)}: a {outcome} deal needs a close date by today"
                + (" and an amount" if outcome == "won" else "") + "; correct them in the CRM and import "
                "the export again, then set the stage")
        conn.execute("INSERT INTO stage_outcome_map (stage, outcome) VALUES (?, ?) ON CONFLICT (stage) "
                     "DO UPDATE SET outcome = excluded.outcome", [label, outcome])
        changed = total - counts.get(outcome, 0)
        conn.execute("UPDATE deals SET outcome = ? WHERE stage = ? AND outcome <> ?", [outcome, label, outcome])
    return StageOutcome(label, outcome, total, changed)
