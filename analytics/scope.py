"""Which reps a signed-in account may see: every rep, its teams' reps, or one rep.

A :class:`Scope` is a plain frozen value, made once per sign-in from the account and the roster's
``team`` and ``manager`` columns (:func:`scope_of`), so an engine query can take it as a parameter
and filter by it (:meth:`Scope.sql`). Rules:

- no account (accounts off) or an admin: every rep;
- a viewer with ``--rep``: that rep only;
- a manager: the reps of its ``--team`` teams, and of the teams of the roster rows that name the
  manager (the roster's ``manager`` column equal to the account's name, case aside), and those reps;
- a viewer with ``--team``: the reps of those teams; a viewer with neither: every rep, read-only.

Names compare without regard to case: a roster's "north" is the account's "North".

Example
-------
>>> from analytics.accounts import Account
>>> roster = [("Ana", "North", "Kim"), ("Bo", "North", "Kim"), ("Cy", "South", "Lee")]
>>> sorted(scope_from_roster(Account("kim", "manager"), roster).reps)
['Ana', 'Bo']
>>> scope_from_roster(Account("v", "viewer", rep="Cy"), roster).allows("Ana")
False
"""

from __future__ import annotations

import hashlib
import weakref
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Literal

import duckdb

if TYPE_CHECKING:     # (not at run time: the engine's readers of a scope need not load Argon2)
    from analytics.accounts import Account

ScopeKind = Literal["all", "teams", "rep"]


@dataclass(frozen=True)
class Scope:
    """The reps an account may see. ``kind``: ``all`` (no limit), ``teams`` or ``rep``; ``teams``: the
    teams it covers; ``reps``: the roster's reps it covers (for ``rep``: that one rep)."""

    kind: ScopeKind = "all"
    teams: frozenset[str] = field(default_factory=frozenset)
    reps: frozenset[str] = field(default_factory=frozenset)

    def allows(self, rep: str) -> bool:
        """Whether ``rep`` is in the scope.

        >>> ALL.allows("anyone"), Scope("rep", reps=frozenset({"Bo"})).allows("Ana")
        (True, False)
        """
        return self.kind == "all" or rep in self.reps

    def only(self, reps: Iterable[str]) -> list[str]:
        """``reps`` less those outside the scope, in their order.

        >>> Scope("teams", frozenset({"North"}), frozenset({"Ana", "Bo"})).only(["Cy", "Bo", "Ana"])
        ['Bo', 'Ana']
        """
        return [r for r in reps if self.allows(r)]

    def sql(self, column: str = "rep") -> tuple[str, list[object]]:
        """A SQL condition on ``column`` and its parameters, for a query's WHERE clause.

        >>> ALL.sql()
        ('TRUE', [])
        >>> Scope("rep", reps=frozenset({"Bo"})).sql("d.rep")
        ('list_contains(?, d.rep)', [['Bo']])
        """
        if self.kind == "all":
            return "TRUE", []
        return f"list_contains(?, {column})", [sorted(self.reps)]

    def key(self) -> str:
        """A short text naming the scope, for cache keys (two scopes with the same reps share it).

        >>> ALL.key(), Scope("rep", reps=frozenset({"Bo"})).key()
        ('all', 'rep:1:e52e1ceda3')
        """
        if self.kind == "all":
            return "all"
        digest = hashlib.sha256("\x1f".join(sorted(self.reps)).encode()).hexdigest()[:10]
        return f"{self.kind}:{len(self.reps)}:{digest}"

    def describe(self) -> str:
        """The scope in words, for the sidebar.

        >>> Scope("teams", frozenset({"North", "East"}), frozenset({"Ana", "Bo"})).describe()
        'teams East and North (2 reps)'
        >>> Scope("teams").describe()
        'no team yet: the roster names none for this account'
        """
        if self.kind == "all":
            return "every team"
        if self.kind == "rep":
            return f"rep {next(iter(self.reps))}"
        if not self.teams:
            return "no team yet: the roster names none for this account"
        names = sorted(self.teams)
        teams = names[0] if len(names) == 1 else ", ".join(names[:-1]) + f" and {names[-1]}"
        n = len(self.reps)
        return f"{'team' if len(names) == 1 else 'teams'} {teams} ({n} rep{'' if n == 1 else 's'})"


ALL = Scope()
NOBODY = Scope("teams")
"""No rep at all: a session before its sign-in."""


def scope_from_roster(account: Account | None, roster: Iterable[tuple[str, str | None, str | None]]) -> Scope:
    """The scope of ``account`` over ``roster`` rows ``(rep, team, manager)`` (the rules above)."""
    if account is None or account.role == "admin":
        return ALL
    if account.rep:
        return Scope("rep", reps=frozenset({account.rep}))
    if account.role == "viewer" and not account.teams:
        return ALL
    rows = list(roster)
    wanted = {t.casefold() for t in account.teams}
    me = account.name.casefold()
    if account.role == "manager":
        wanted |= {team.casefold() for _, team, manager in rows if team and (manager or "").casefold() == me}
    reps = {rep for rep, team, manager in rows
            if (team or "").casefold() in wanted or (account.role == "manager" and (manager or "").casefold() == me)}
    teams = {team for _, team, _ in rows if team and team.casefold() in wanted}
    teams |= {t for t in account.teams if t.casefold() not in {x.casefold() for x in teams}}
    return Scope("teams", frozenset(teams), frozenset(reps))


def scope_of(conn: duckdb.DuckDBPyConnection, account: Account | None) -> Scope:
    """The scope of ``account`` (None: accounts are off) over the stored roster."""
    if account is None or account.role == "admin":
        return ALL
    roster = conn.execute("SELECT rep, team, manager FROM reps").fetchall()
    return scope_from_roster(account, roster)


# ---- the scoped connection: every engine query on it sees only the scope's reps ------------------

SCOPE_TABLE = "scope_reps"
"""The TEMP table of a scoped connection listing the reps it may see (absent: every rep)."""

SHADOWED = ("deals", "activities", "quotas", "reps")
"""The tables keyed by rep that a scoped connection shadows with a TEMP view of the scope's rows.
DuckDB resolves an unqualified name (and ``main.NAME``) to the TEMP catalog first, so every engine query
run on the connection is scoped without a change to its SQL. Imports write these tables: only an admin
imports, and an admin's scope is every rep (no view)."""

HIDDEN = ("import_rejects", "import_changes")
"""Tables whose rows hold values of any rep (rejected lines, rows before an import) and cannot be
told apart by rep: empty on a scoped connection (their readers, the import history's details and undo,
are an admin's)."""

WRITTEN = ("target_set_rows", "target_set_activity_rows", "checkin_notes")
"""Tables keyed by rep that a manager writes: not shadowed (a view takes no INSERT); their readers and
writers filter by :func:`connection_scope` instead (analytics/target_sets.py, analytics/checkin_notes.py)."""


_KNOWN_SCOPES: weakref.WeakKeyDictionary[duckdb.DuckDBPyConnection, Scope] = weakref.WeakKeyDictionary()
"""Each connection's scope once known: a run of the Targets page asked 16 times (two queries each)."""


def scoped(conn: duckdb.DuckDBPyConnection, scope: Scope) -> duckdb.DuckDBPyConnection:
    """A connection to ``conn``'s database on which every table keyed by rep shows only ``scope``'s
    reps: ``conn.cursor()`` (its own TEMP catalog) with TEMP views named as the tables. For
    :data:`ALL`, the plain cursor. Names qualified by the database's catalog (``"targets".main.deals``)
    still reach every row: engine SQL never writes them (tests/test_scope.py).

    Examples
    --------
    >>> from analytics import store
    >>> conn = store.connect(":memory:")
    >>> _ = conn.execute("INSERT INTO reps (rep, team, import_id) VALUES ('Ana', 'N', 1), ('Cy', 'S', 1)")
    >>> north = scoped(conn, Scope("teams", frozenset({"N"}), frozenset({"Ana"})))
    >>> north.execute("SELECT rep FROM reps").fetchall(), conn.execute("SELECT count(*) FROM reps").fetchall()
    ([('Ana',)], [(2,)])
    >>> connection_scope(north).reps, connection_scope(conn) is ALL
    (frozenset({'Ana'}), True)
    """
    cursor = conn.cursor()
    _KNOWN_SCOPES[cursor] = scope      # (connection_scope needs no query for a cursor made here)
    if scope.kind == "all":
        return cursor
    catalog = cursor.execute("SELECT current_database()").fetchall()[0][0].replace('"', '""')
    # The table and its rows in one statement, the views in one more: each round trip costs about a millisecond.
    rows = (f"CREATE TEMP TABLE {SCOPE_TABLE} AS SELECT unnest(CASE WHEN len($reps) = 0 THEN [NULL] "
            f"ELSE $reps END)::VARCHAR AS rep, $kind::VARCHAR AS kind, $teams::VARCHAR[] AS teams")
    views = [f'CREATE TEMP VIEW {name} AS SELECT * FROM "{catalog}".main.{name} '
             f"WHERE rep IN (SELECT rep FROM {SCOPE_TABLE})" for name in SHADOWED]
    views += [f'CREATE TEMP VIEW {name} AS SELECT * FROM "{catalog}".main.{name} WHERE FALSE' for name in HIDDEN]
    cursor.execute(rows, {"reps": sorted(scope.reps), "kind": scope.kind, "teams": sorted(scope.teams)})
    cursor.execute(";\n".join(views))
    return cursor


def connection_scope(conn: duckdb.DuckDBPyConnection) -> Scope:
    """The scope :func:`scoped` gave ``conn`` (:data:`ALL` for a plain connection): for the tables a
    scoped connection cannot shadow (:data:`WRITTEN`).

    Known from :func:`scoped` for the cursors it made; for another connection, read from its TEMP catalog
    once, then remembered for as long as the connection lives (nothing changes a connection's scope).

    >>> from analytics import store
    >>> conn = store.connect(":memory:")
    >>> connection_scope(conn) is ALL, connection_scope(scoped(conn, Scope("rep", reps=frozenset({"Bo"})))).kind
    (True, 'rep')
    """
    known = _KNOWN_SCOPES.get(conn)
    if known is not None:
        return known
    found = conn.execute("SELECT count(*) FROM duckdb_tables() WHERE temporary AND table_name = ?",
                         [SCOPE_TABLE]).fetchall()[0][0]
    if not found:
        scope = ALL
    else:
        rows = conn.execute(f"SELECT rep, kind, teams FROM temp.{SCOPE_TABLE}").fetchall()
        kind: ScopeKind = "rep" if rows[0][1] == "rep" else "teams"
        scope = Scope(kind, frozenset(rows[0][2]), frozenset(r[0] for r in rows if r[0] is not None))
    _KNOWN_SCOPES[conn] = scope
    return scope
