"""The backtest's verdict box while the backtest runs: the box fills itself in within its own run (a
fragment), never by a run of the whole page the manager did not ask for."""

from __future__ import annotations

from streamlit.testing.v1 import AppTest

from analytics.backtest_verdict import BacktestVerdict
from dashboard import rep_facts_view

SENTENCE = "On your history this range held the actual 9 times in 10 at P90."


def _box_page() -> None:
    import streamlit as st

    from dashboard import rep_facts_view

    st.session_state["page_runs"] = st.session_state.get("page_runs", 0) + 1
    rep_facts_view._pending_verdict("revenue", "quarter")


def _texts(at: AppTest) -> str:
    return " ".join(str(m.value) for m in at.markdown) + " " + " ".join(str(c.value) for c in at.caption)


def test_the_pending_box_draws_the_verdict_itself_without_a_page_run(monkeypatch):
    answers = [None, BacktestVerdict(SENTENCE, enough_history=True)]
    monkeypatch.setattr(rep_facts_view, "verdict", lambda *args, **kwargs: answers.pop(0) if answers else None)
    at = AppTest.from_function(_box_page, default_timeout=30).run()
    assert rep_facts_view.PENDING.capitalize() in _texts(at)
    assert SENTENCE not in _texts(at)

    at.run()     # the box's next look (AppTest cannot run a fragment alone: it runs the page, once)
    assert SENTENCE in _texts(at)
    assert rep_facts_view.PENDING.capitalize() not in _texts(at)
    assert at.session_state["page_runs"] == 2, "the box asked for another run of the whole page"
