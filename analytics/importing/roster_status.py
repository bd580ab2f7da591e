"""A roster's active or status column (Active = No, Status = Inactive, Deactivated = Yes) as the stored
``reps.active``, and the note naming the reps it marks gone without an end date.

Such a rep's span ends at their last deal or activity (``metrics.rep_spans_cte``), not at today: without
the column they were active, with a zero, in every later period and took a share of a team's split.
"""

from __future__ import annotations

import duckdb

from analytics.importing import labels, mapping
from analytics.importing.field_sql import FieldSQL
from analytics.importing.parsing import lit, q
from analytics.importing.stage_types import Stage


def status_field(fields: dict[str, FieldSQL]) -> str | None:
    """The roster's field saying whether a rep is still here: ``active``, ``inactive`` (asked the other
    way round: Deactivated = Yes), or None."""
    return "active" if "active" in fields else "inactive" if "inactive" in fields else None


def active_sql(stage: Stage, by_field: mapping.ByField, name: str, values: list[str]) -> str:
    """The stored ``active`` of a roster row from the distinct ``values`` of its status field ``name``
    (``labels.normalise_active``); a value saying neither is noted and counts as active (NULL), as an
    unknown stage counts as open."""
    said: dict[str, str] = {}
    unknown: list[str] = []
    for label in values:
        value = labels.normalise_active(label, inverted=name == "inactive")
        if value is None:
            unknown.append(label)
        else:
            said[label] = "TRUE" if value else "FALSE"
    if unknown:
        header = by_field[name][0][0]
        stage.notes.append(f"'{header}' values that say neither active nor inactive, counted as active: "
                           f"{', '.join(unknown[:20])}" + (f" and {len(unknown) - 20} more" if len(unknown) > 20 else ""))
    whens = " ".join(f"WHEN trim({q(name)}) = {lit(label)} THEN {value}" for label, value in said.items())
    return f"(CASE {whens} END)::BOOLEAN" if whens else "NULL::BOOLEAN"


def inactive_notes(conn: duckdb.DuckDBPyConnection, stage: Stage) -> list[str]:
    """A note counting the reps marked inactive without an end date: their span ends at their last deal
    or activity (``metrics.rep_spans_cte``), not at today."""
    n, names = conn.execute(f"SELECT count(*), list(rep ORDER BY rep)[1:5] FROM {stage.t('final')} "
                            "WHERE active = false AND end_date IS NULL").fetchall()[0]
    if not n:
        return []
    more = f" and {n - len(names)} more" if n > len(names) else ""
    return [f"{n:,} rep(s) marked inactive with no end date ({', '.join(names)}{more}): each counts as active "
            "until their last deal or activity, and in no later period"]


def first_start_sql(fields: dict[str, FieldSQL]) -> str | None:
    """A rep's start date as the earliest of their rows (None without a start date column).

    A roster with a row per assignment (Ann Lee, East, from 2023-01; Ann Lee, West, from 2024-02) keeps
    its last row, the rep's team now; that row's start is the move, not the hire, and read as the hire it
    made a veteran a new hire whose first months the ramp scales up."""
    return f"min({q('start_date')}) OVER (PARTITION BY {q('rep')})" if "start_date" in fields else None


def moved_notes(conn: duckdb.DuckDBPyConnection, stage: Stage) -> list[str]:
    """A note counting the reps on several rows with different start dates (kept with their earliest); for
    a roster with a start date column (:func:`first_start_sql`)."""
    n, names = conn.execute(
        f"SELECT count(*), list(rep ORDER BY rep)[1:5] FROM (SELECT {q('rep')} AS rep FROM {stage.t('typed')} "
        f"WHERE rej IS NULL GROUP BY ALL HAVING count(DISTINCT {q('start_date')}) > 1)").fetchall()[0]
    if not n:
        return []
    more = f" and {n - len(names)} more" if n > len(names) else ""
    return [f"{n:,} rep(s) on several rows with different start dates ({', '.join(names)}{more}): each is kept "
            "with their last row's team and their earliest start date (a move between teams is not a new hire)"]


def team_by_manager_sql(rep: str, manager: str) -> str:
    """SQL: the team of a roster row without a team column, over reps stored with teams: the rep's stored
    team while their stored manager is this one (or unknown), else the one team of this manager's stored
    reps, else the manager's name (a team of its own).

    >>> import duckdb
    >>> conn = duckdb.connect()
    >>> _ = conn.execute("CREATE TABLE reps AS SELECT * FROM (VALUES ('Ann', 'North', 'Kim'), ('Bo', 'North', 'Kim'), "
    ...                  "('Cy', 'South', 'Lu')) t(rep, team, manager)")
    >>> sql = team_by_manager_sql("f.rep", "f.manager")
    >>> conn.execute(f"SELECT f.rep, {sql} FROM (VALUES ('Ann', 'Kim'), ('Bo', 'Lu'), ('Di', 'Kim'), ('Ed', 'Mo')) "
    ...              "f(rep, manager) ORDER BY 1").fetchall()
    [('Ann', 'North'), ('Bo', 'South'), ('Di', 'North'), ('Ed', 'Mo')]
    """
    return (f"coalesce((SELECT any_value(r.team) FROM reps r WHERE r.rep = {rep} "
            f"AND coalesce(r.manager = {manager}, TRUE)), "
            f"(SELECT CASE WHEN count(DISTINCT r.team) = 1 THEN any_value(r.team) END FROM reps r "
            f"WHERE r.manager = {manager} AND r.team IS NOT NULL), {manager})")


def team_of_managers(conn: duckdb.DuckDBPyConnection, typed: str, manager_header: str) -> tuple[str, str]:
    """The team column's SQL of a roster that names each rep's manager but no team, and its note: a manager's
    reps are the team they plan and review together (without it every page says "no team"). Over a roster
    stored with teams, a rep keeps theirs (saved sets and filters name it) while the manager is the same
    (:func:`team_by_manager_sql`; ``typed``: the staged rows, whose columns the subqueries name whole)."""
    if not conn.execute("SELECT count(*) FROM reps WHERE team IS NOT NULL").fetchall()[0][0]:
        return q("manager"), f"roster has no team column: each rep's team is their manager (column {manager_header!r})"
    return (team_by_manager_sql(f"{typed}.{q('rep')}", f"{typed}.{q('manager')}"),
            f"roster has no team column: a rep already stored keeps their team while their manager (column "
            f"{manager_header!r}) is the same; another takes the team of their manager's stored reps, or the "
            "manager's name")
