"""connection_scope reads a connection's scope once and remembers it for as long as the connection lives
(a Targets click asked 16 times, two queries each): one cursor's scope is never another's."""

from __future__ import annotations

import gc
import weakref

from analytics import scope as scopes
from analytics import store
from analytics.scope import ALL, Scope, connection_scope, scoped

NORTH = Scope("teams", frozenset({"N"}), frozenset({"Ana"}))
BO = Scope("rep", reps=frozenset({"Bo"}))


def _company():
    conn = store.connect(":memory:")
    conn.execute("INSERT INTO reps (rep, team, import_id) VALUES ('Ana', 'N', 1), ('Bo', 'S', 1), ('Cy', 'S', 1)")
    return conn


def test_each_cursor_keeps_its_own_scope():
    conn = _company()
    north, bo, plain = scoped(conn, NORTH), scoped(conn, BO), scoped(conn, ALL)
    assert [connection_scope(c) for c in (north, bo, plain, conn)] == [NORTH, BO, ALL, ALL]
    assert [connection_scope(c) for c in (north, bo, plain, conn)] == [NORTH, BO, ALL, ALL]   # asked again


def test_the_scope_is_read_once_per_connection():
    conn = _company()
    north = scoped(conn, NORTH)
    assert connection_scope(north) == NORTH
    # the scope's table gone: an answer read from it again would be "every rep"
    north.execute(f"DROP TABLE temp.{scopes.SCOPE_TABLE}")
    assert connection_scope(north) == NORTH


def test_a_closed_cursor_is_not_kept_alive():
    conn = _company()
    cursor = scoped(conn, BO)
    assert connection_scope(cursor) == BO and cursor in scopes._KNOWN_SCOPES
    gone = weakref.ref(cursor)
    cursor.close()
    del cursor
    gc.collect()
    assert gone() is None       # remembered weakly: the memo holds no cursor open
