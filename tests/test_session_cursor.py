"""dashboard/session.py: one scoped cursor per session and scope, and the data version read once per run.

A scoped cursor costs milliseconds to make and a run asks for it many times: the session keeps one,
made again only when the scope (or the process's connection) changes; work for another thread takes
its own. The data version (every cache's key) is read once per run and afresh in the next."""

from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

from analytics import store


def _script() -> None:
    import streamlit as st

    from analytics import scope as scopes
    from analytics import store as stored
    from dashboard import session

    session.begin_run()             # (as frame.start_run does at the start of every run)
    if st.session_state.get("team_reps"):
        session.set_scope(scopes.Scope("teams", frozenset({"T"}), frozenset(st.session_state["team_reps"])))
    cursor = session.db()
    st.session_state.setdefault("cursors", []).append(cursor)
    st.session_state["same_in_run"] = session.db() is cursor
    st.session_state["own_is_another"] = session.own_db() is not cursor
    st.session_state["reps_seen"] = cursor.execute("SELECT count(*) FROM reps").fetchall()[0][0]
    before = session.data_version()
    if st.session_state.pop("write_setting", None):
        stored.set_setting(cursor, "h15_probe", str(len(st.session_state["cursors"])))
    st.session_state.setdefault("versions", []).append((before, session.data_version()))


@pytest.fixture
def roster(sample_db) -> list[str]:
    conn = store.connect(sample_db)
    try:
        return [r[0] for r in conn.execute("SELECT rep FROM reps ORDER BY rep").fetchall()]
    finally:
        conn.close()


def test_one_cursor_per_session_and_scope(roster):
    from unittest import mock

    at = AppTest.from_function(_script, default_timeout=60)
    # AppTest runs each run on a thread of its own: they share an ident only when the system reuses it
    # (not once an earlier test left a thread running), so the runs here say they are on one thread.
    with mock.patch("dashboard.session.script_thread", return_value=-2):
        at.run()
        at.run()
        first, second = at.session_state["cursors"]
        assert first is second and at.session_state["same_in_run"] and at.session_state["own_is_another"]
        assert at.session_state["reps_seen"] == len(roster)
        at.session_state["team_reps"] = roster[:3]          # a narrower scope: a cursor of its own, scoped
        at.run()
    assert at.session_state["cursors"][-1] is not first
    assert at.session_state["reps_seen"] == 3


def test_the_data_version_is_read_once_a_run_and_names_the_scope(roster):
    at = AppTest.from_function(_script, default_timeout=60)
    at.run()
    at.session_state["write_setting"] = True
    at.run()
    at.run()
    (v1, v1_again), (v2, v2_after_write), (v3, _) = at.session_state["versions"]
    assert v1 == v1_again == v2 == v2_after_write      # a run reads it once (what writes reruns the script)
    assert v3 != v2 and "h15_probe" in v3              # the next run reads it afresh
    assert v3.endswith("|all")
    at.session_state["team_reps"] = roster[:3]
    at.run()
    assert not at.session_state["versions"][-1][0].endswith("|all")   # the scope's key is in every version


def test_a_run_on_another_script_thread_takes_a_cursor_of_its_own(roster):
    # A click during a long query starts the next run on a new script thread while the old one is
    # still inside DuckDB: sharing the cursor would make DuckDB refuse it ("connection is busy").
    from unittest import mock

    at = AppTest.from_function(_script, default_timeout=60)
    at.run()
    with mock.patch("dashboard.session.script_thread", return_value=-1):
        at.run()
    first, second = at.session_state["cursors"]
    assert first is not second
    assert at.session_state["reps_seen"] == len(roster)
