"""AppTest of what the Targets page reads once and keeps between clicks: the saved sets (cached per data
version, scope and the sets' own version) follow a save made elsewhere at the next click, and the activity
plan's table is drawn only while its box is open."""

from __future__ import annotations

from helpers import app_test

from analytics import store, target_sets
from analytics.calibration import calibrate
from analytics.target_drafts import build_draft

PAGE = "pages/targets.py"


def _save_elsewhere(db_path, name: str) -> target_sets.SavedTargetSet:
    """A set saved by another session (the CLI, another browser): through its own connection."""
    conn = store.connect(db_path)
    try:
        cal = calibrate(conn, "revenue", "quarter", "next")
        draft = build_draft(cal.predictive, name=name, period=cal.period, metric="revenue", tiers="35,70,90")
        return target_sets.save_target_set(conn, draft, author="Elsewhere")
    finally:
        conn.close()


def _listed(at) -> list[str]:
    return next((d.value["name"].tolist() for d in at.dataframe if "n_reps" in d.value.columns), [])


def _audit(at) -> list[str]:
    return next(d.value["what"].tolist() for d in at.dataframe if "what" in d.value.columns)


def test_saved_sets_follow_saves_made_elsewhere(sample_db):
    at = app_test(PAGE)
    assert not at.exception, at.exception
    assert _listed(at) == [] and any("Nothing saved yet" in c.value for c in at.caption)
    at.run()                                      # read (and cached) with nothing saved
    saved = _save_elsewhere(sample_db, "Saved elsewhere")
    at.run()                                      # the next click shows it
    assert not at.exception, at.exception
    assert _listed(at) == ["Saved elsewhere"]
    assert _audit(at) == ["created"]

    # an edit and the finalising, elsewhere: the picked set's audit trail and buttons follow at the next click
    rep, = saved.rows["rep"].head(1)
    conn = store.connect(sample_db)
    try:
        revision = target_sets.save_row_edit(conn, saved.set_id, rep, "base", 1234.0, reason="seen elsewhere",
                                             expected_revision=saved.revision, author="Elsewhere")
        at.run()
        assert _audit(at) == ["created", f"{rep} base target"]
        vs_model = next(d.value for d in at.dataframe if "model_value" in d.value.columns).set_index(["rep", "tier"])
        assert vs_model.at[(rep, "base"), "target"] == 1234.0
        assert not at.button(key="tg_finalize").disabled
        target_sets.finalize(conn, saved.set_id, expected_revision=revision, author="Elsewhere")
    finally:
        conn.close()
    at.run()
    assert not at.exception, at.exception
    assert _audit(at) == ["created", f"{rep} base target", "status"]
    assert at.button(key="tg_finalize").disabled and not at.button(key="tg_new_version").disabled


def _plan_tables(at) -> list:
    return [d.value for d in at.dataframe if {"deals", "plan", "focus"} <= set(d.value.columns)]


def test_activity_plan_table_drawn_only_while_open(sample_db):
    at = app_test(PAGE)
    assert not at.exception, at.exception
    assert any(e.label.startswith("Activity plan per rep") for e in at.expander) and _plan_tables(at) == []
    at.session_state["tg_plan_open"] = True       # what opening the box does (it reruns the page)
    at.run()
    assert not at.exception, at.exception
    plan, = _plan_tables(at)
    assert len(plan) == len(at.data_editor[0].value) and plan["target"].gt(0).all()
