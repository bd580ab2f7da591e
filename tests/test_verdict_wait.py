"""The backtest's verdict box waits for a running backtest once per session, never on every click."""

from __future__ import annotations

from helpers import app_test

from dashboard import rep_facts_view, session


def test_a_page_waits_for_the_backtest_once_then_clicks_answer_at_once(sample_db, monkeypatch):
    waits: list[float | None] = []

    def still_running(metric, grain_name, wait=None, data_key=None):
        waits.append(wait)
        return None         # the backtest has not finished: the page shows the box that fills itself in

    monkeypatch.setattr(rep_facts_view, "verdict", still_running)
    # the first wait depends on how long the run has taken (first_wait): a run that reaches the box early
    monkeypatch.setattr(session, "run_seconds", lambda: 0.2)
    at = app_test("pages/baselines.py")
    assert not at.exception
    at.run()
    at.run()
    assert not at.exception
    assert waits[0] == rep_facts_view.first_wait(0.2) == rep_facts_view.VERDICT_WAIT_SECONDS and waits[1:] == [0.0] * (len(waits) - 1)
    assert len(waits) >= 3
    assert any("the verdict appears here when it is done" in c.value for c in at.caption)
