"""Deals counted open only because no word list reads their stage, said loudly after the import.

A stage the import does not know counts as open (:func:`labels.normalise_outcome`), and the import said
so in one note among others. A German export's 'Geschlossen und gewonnen' before it was listed left
every deal open: the import exited 0, and every later command said "no deals imported". Now, when such
stages hold a large share of the file's rows (:data:`UNREAD_SHARE`), or any row while no row is won, a
warning names the column, each unknown stage with its rows, and how to have them read.

The rows are counted by one more read of the stage column, made only when the check found unknown
stages (a file whose stages are all known is read as before). A stage the manager said won, lost or open
(:mod:`analytics.importing.stage_outcomes`) is known: its rows are read as said, and the warning points
to that map when the column is the deals' stage (a status column's labels are not stored, so not mapped).

>>> print(warning("Stage", [StageRows("Offen", 3, "open", False), StageRows("Closed Lost", 1, "lost", True)]))
'Stage': 3 of 4 rows (75%) are under stages the import does not know, counted as open: 'Offen' 3. No row is won, so won revenue and every range stay empty. If these stages are won or lost deals, write them as Closed Won / Closed Lost in the export, or map yes/no columns saying won and closed (CLI --map 'COLUMN=is_won' --map 'COLUMN=is_closed'; Import page: Settings and column mapping), or say what each stage is on the Import page (Stage outcomes) or with `python -m analytics labels --kind stages --set 'STAGE=won'` (remembered for later imports); if every row is a sale (an orders or invoices export), leave the column out (CLI --map 'Stage=-'; Import page: '— not imported —') so every row counts as won.
"""

from __future__ import annotations

from typing import NamedTuple

import duckdb

from analytics import formatting, quoting
from analytics.importing import cell_wrappers, labels, read_sql, stage_ids
from analytics.importing.stage_types import Stage

UNREAD_SHARE = 0.2  # unknown stages holding this share of the rows are no detail: most figures would be wrong
SHOWN = 8           # unknown stages named, the most rows first
MAPPED = (", or say what each stage is on the Import page (Stage outcomes) or with "
          "`python -m analytics labels --kind stages --set 'STAGE=won'` (remembered for later imports)")


class StageRows(NamedTuple):
    """A stage label, the file's rows under it, and how it is read."""

    label: str
    rows: int
    outcome: str
    known: bool


def _stage_map(stage: Stage) -> dict[str, str] | None:
    """The manager's stage -> outcome map when the unread column is the deals' stage (else None)."""
    return stage.options.get("label_overrides") if stage.unread_stages in stage.by_field.get("stage", []) else None


def stage_rows(conn: duckdb.DuckDBPyConnection, stage: Stage) -> list[StageRows]:
    """The rows of each label of the staged file's stage column (``stage.unread_stages``), the most first."""
    if stage.unread_stages is None:
        return []
    _header, c = stage.unread_stages
    read = read_sql.read_csv_sql(stage.src, stage.sources, stage.src.read_path)
    counted: dict[str, int] = {}
    for value, n in conn.execute(f"SELECT {c}, count(*) FROM ({read}) GROUP BY ALL").fetchall():
        label = cell_wrappers.unwrapped(value).strip() if value is not None else ""
        counted[label] = counted.get(label, 0) + int(n)
    said = _stage_map(stage)
    out = [StageRows(label, n, *labels.normalise_outcome(label, said)) for label, n in counted.items()]
    return sorted(out, key=lambda s: (-s.rows, s.label))


def warning(header: str, rows: list[StageRows], *, mappable: bool = True) -> str | None:
    """What to say of the file's ``rows`` by stage (None when the unknown stages are a detail);
    ``mappable``: the column is the deals' stage, whose labels the manager can say the outcome of."""
    total = sum(s.rows for s in rows)
    unknown = [s for s in rows if not s.known and not stage_ids.ids_of([s.label])]  # (ids: a note of their own)
    n_unknown = sum(s.rows for s in unknown)
    none_won = not any(s.outcome == "won" for s in rows)
    if not n_unknown or (n_unknown < UNREAD_SHARE * total and not none_won):
        return None
    more = f" and {len(unknown) - SHOWN} more" if len(unknown) > SHOWN else ""
    named = ", ".join(f"{quoting.quoted(s.label)} {formatting.count(s.rows)}" for s in unknown[:SHOWN]) + more
    said = (f"{quoting.quoted(header)}: {formatting.count(n_unknown)} of {formatting.count(total)} rows "
            f"({n_unknown / total:.0%}) are under stages the import does not know, counted as open: {named}.")
    if none_won:
        said += " No row is won, so won revenue and every range stay empty."
    return (f"{said} If these stages are won or lost deals, write them as Closed Won / Closed Lost in the export, "
            "or map yes/no columns saying won and closed (CLI --map 'COLUMN=is_won' --map 'COLUMN=is_closed'; "
            f"Import page: Settings and column mapping){MAPPED if mappable else ''}; if every row is a sale (an "
            "orders or invoices export), "
            f"leave the column out (CLI --map {quoting.quoted(header + '=-')}; Import page: '— not imported —') so "
            "every row counts as won.")


def stage_warning(conn: duckdb.DuckDBPyConnection, stage: Stage) -> str | None:
    """The warning on a staged deals file's unknown stages, or None."""
    if stage.kind != "deals" or stage.unread_stages is None:
        return None
    return warning(stage.unread_stages[0], stage_rows(conn, stage), mappable=_stage_map(stage) is not None)
