"""Reading saved target sets: a set by id or name (:func:`load_target_set`), the list of sets, a set's
audit trail, and the key that changes whenever any set does (for caches).

On a scoped connection (:func:`analytics.scope.scoped`) a set shows only the scope's reps: their rows,
activity plans, audit entries and the assumptions' words about them; a set with rows but none in the scope
is not found. Writing is in :mod:`analytics.target_sets`.
"""

from __future__ import annotations

import json
from typing import Any

import duckdb
import pandas as pd

from analytics import scope as scopes
from analytics.store import fiscal_year_start_month
from analytics.target_set_values import ACTIVITY_COLUMNS, ROW_COLUMNS, SavedTargetSet, clean_text
from analytics.targets import TIER_ORDER

_HEADER = ("set_id, name, version, status, period, grain, metric, tiers_json, method, team_target, revision, "
           "created_at, updated_at, updated_by, assumptions_json, team_rest")


def _visible(conn: duckdb.DuckDBPyConnection, alias: str = "target_sets") -> tuple[str, list[object]]:
    """A condition on ``alias`` (a row of ``target_sets``) for the sets the connection's scope may see:
    every set, or (scoped) a set with no rows yet or with a row of a rep in the scope."""
    scope = scopes.connection_scope(conn)
    if scope.kind == "all":
        return "TRUE", []
    rows = f"SELECT 1 FROM target_set_rows x WHERE x.set_id = {alias}.set_id"
    return f"(NOT EXISTS ({rows}) OR EXISTS ({rows} AND list_contains(?, x.rep)))", [sorted(scope.reps)]


def _header(conn: duckdb.DuckDBPyConnection, set_id: int) -> tuple | None:
    visible, params = _visible(conn)
    return conn.execute(f"SELECT {_HEADER} FROM target_sets WHERE set_id = ? AND {visible}",
                        [set_id, *params]).fetchone()


def _existing_header(conn: duckdb.DuckDBPyConnection, set_id: int) -> tuple:
    """The set's header row as stored (the columns of ``_HEADER``, in order); LookupError when there is no
    such set or the connection's scope sees none of its rows. Private to the target-set modules (the
    writes' guard): its assumptions are as stored, words about reps outside the scope included."""
    h = _header(conn, set_id)
    if h is None:
        raise LookupError(f"no target set with id {set_id}")
    return h


def resolve_set_id(conn: duckdb.DuckDBPyConnection, ref: int | str, version: int | None = None) -> int:
    """A set id from an id, or a name (latest version unless ``version``).

    Text of digits (as typed on the command line) is the set with that id when there is one and no
    ``version`` is asked for, else a name. Raises ``LookupError`` naming the saved sets.
    """
    if isinstance(ref, int) and not isinstance(ref, bool):
        if _header(conn, ref) is None:
            raise LookupError(f"no target set with id {ref}{_known_sets(conn)}")
        return ref
    text = str(ref).strip()
    if text.isdigit() and version is None and _header(conn, int(text)) is not None:
        return int(text)
    visible, params = _visible(conn)
    sql = f"SELECT set_id FROM target_sets WHERE {visible} AND name = ?" + (
        " AND version = ?" if version is not None else "")
    row = conn.execute(sql + " ORDER BY version DESC LIMIT 1",
                       [*params, text] + ([version] if version is not None else [])).fetchone()
    if row is None:
        raise LookupError(f"no target set named {text!r}" + (f" version {version}" if version else "")
                          + _known_sets(conn))
    return row[0]


def _known_sets(conn: duckdb.DuckDBPyConnection) -> str:
    visible, params = _visible(conn)
    names = [r[0] for r in conn.execute(f"SELECT DISTINCT name FROM target_sets WHERE {visible} ORDER BY name",
                                        params).fetchall()]
    return f" (saved sets: {', '.join(names) if names else 'none saved yet'})"


def load_target_set(conn: duckdb.DuckDBPyConnection, ref: int | str,
                    version: int | None = None) -> SavedTargetSet:
    """Reopen a saved set by id or by name (latest version unless ``version``)."""
    set_id = resolve_set_id(conn, ref, version)
    h = _existing_header(conn, set_id)
    mine, params = scopes.connection_scope(conn).sql()
    rows = conn.execute(f"SELECT {', '.join(ROW_COLUMNS)} FROM target_set_rows WHERE set_id = ? AND {mine} "
                        "ORDER BY rep, CASE tier WHEN 'base' THEN 0 WHEN 'stretch' THEN 1 ELSE 2 END",
                        [set_id, *params]).df().astype({"rep": object, "tier": object, "source": object,
                                                        "reason": object})
    rows["reason"] = pd.Series([clean_text(r) for r in rows["reason"]], index=rows.index, dtype=object)
    acts = conn.execute(f"SELECT {', '.join(ACTIVITY_COLUMNS)} FROM target_set_activity_rows "
                        f"WHERE set_id = ? AND {mine} ORDER BY rep, activity", [set_id, *params]).df()
    assumptions = json.loads(h[14]) if h[14] else {}
    if mine != "TRUE":      # scoped: the assumptions' words about other teams' reps (plans, focus) go too
        outside = {r for (r,) in conn.execute(f"SELECT DISTINCT rep FROM target_set_rows WHERE set_id = ? "
                                              f"AND NOT {mine}", [set_id, *params]).fetchall()}
        assumptions = _without_reps(assumptions, outside)
    fiscal_month = int(assumptions.get("fiscal_start_month") or fiscal_year_start_month(conn))
    return SavedTargetSet(h[0], h[1], h[2], h[3], h[4], h[5], h[6], json.loads(h[7]), h[8], h[9], h[10],
                          h[11], h[12], h[13], assumptions, rows, acts, fiscal_month, h[15])


def _without_reps(value: Any, outside: set[str]) -> Any:
    """``value`` (a set's assumptions) without the entries keyed by, or sentences naming, ``outside`` reps.

    >>> _without_reps({"plans": {"Ann": "4 demos", "Bo": "2 demos"}, "warnings": ["Bo is new", "ok"]}, {"Bo"})
    {'plans': {'Ann': '4 demos'}, 'warnings': ['ok']}
    """
    if not outside:
        return value
    if isinstance(value, dict):
        return {k: _without_reps(v, outside) for k, v in value.items() if k not in outside}
    if isinstance(value, list):
        return [_without_reps(v, outside) for v in value
                if not (isinstance(v, str) and any(rep in v for rep in outside))]
    return value


def sets_version(conn: duckdb.DuckDBPyConnection) -> str:
    """A key that changes whenever any saved set changes (for caches of the readers above and below).

    Every write of a set's rows or audit entries bumps its revision and ``updated_at`` (``_bump`` in
    :mod:`analytics.target_sets`), a new set or version takes a new id, and a removed set lowers the count:
    one small query instead of reading the sets again on every click. The scope is not in it: the pages' caches key it apart.

    >>> from analytics import store
    >>> from analytics.target_sets import TargetSetDraft, save_target_set
    >>> conn = store.connect(":memory:")
    >>> before = sets_version(conn)
    >>> rows = pd.DataFrame({"rep": ["a"], "tier": ["base"], "target": [100.0]})
    >>> s = save_target_set(conn, TargetSetDraft("Q4", "2026-Q4", "quarter", "revenue", {"base": 35}, rows=rows))
    >>> before == sets_version(conn)
    False
    """
    row = conn.execute("SELECT count(*), coalesce(max(set_id), 0), coalesce(sum(revision), 0), max(updated_at) "
                       "FROM target_sets").fetchall()[0]
    return ":".join(str(v) for v in row)


def list_target_sets(conn: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """Every saved set, newest first, with its number of reps (on a scoped connection: the sets and
    reps of the scope)."""
    visible, params = _visible(conn, "s")
    mine, rep_params = scopes.connection_scope(conn).sql("r.rep")
    return conn.execute(
        "SELECT s.set_id, s.name, s.version, s.status, s.period, s.grain, s.metric, s.method, s.team_target, "
        "s.team_rest, s.revision, count(DISTINCT r.rep) AS n_reps, s.updated_at, s.updated_by "
        f"FROM target_sets s LEFT JOIN target_set_rows r ON r.set_id = s.set_id AND {mine} WHERE {visible} "
        "GROUP BY ALL ORDER BY s.updated_at DESC, s.set_id DESC", [*rep_params, *params]).df()


def audit_trail(conn: duckdb.DuckDBPyConnection, set_id: int) -> pd.DataFrame:
    """The set's audit log in the order changes were made (on a scoped connection: without the changes
    of reps outside the scope)."""
    _existing_header(conn, set_id)
    trail = conn.execute("SELECT changed_at, changed_by, revision, what, old_value, new_value, note "
                         "FROM audit_log WHERE set_id = ? ORDER BY entry_id", [set_id]).df()
    scope = scopes.connection_scope(conn)
    if scope.kind == "all" or trail.empty:
        return trail
    reps = [_audit_rep(what) for what in trail["what"]]
    return trail[[r is None or scope.allows(r) for r in reps]].reset_index(drop=True)


def _audit_rep(what: str) -> str | None:
    """The rep an audit entry's ``what`` names (``"Ann Lee stretch target"``), or None (a set's change).

    >>> _audit_rep("Ann Lee stretch target"), _audit_rep("team number")
    ('Ann Lee', None)
    """
    words = what.rsplit(" ", 2)
    if len(words) == 3 and words[2] == "target" and words[1] in TIER_ORDER:
        return words[0]
    return None

