"""AppTest of an override click on Targets: the page runs once for it, and the activity plan is worked out
again for the edited rep alone (the others' plans are kept), the same plan as one made from scratch."""

from __future__ import annotations

import pandas as pd
from helpers import app_test

from analytics import draft_edits, sales_math, store
from analytics.calibration import calibrate
from analytics.coverage import data_coverage
from dashboard.target_set_panel import one_rep_key

PAGE = "pages/targets.py"


def test_an_override_plans_the_edited_rep_alone(sample_db, monkeypatch):
    at = app_test(PAGE)
    assert not at.exception, at.exception
    planned: list[list[str]] = []
    runs: list[int] = []
    work_out, apply = sales_math.ActivityPlanner._plan_rows, draft_edits.apply_edits

    def plan_rows(self, reps, targets):
        planned.append(list(reps))
        return work_out(self, reps, targets)

    def apply_edits(*args, **kwargs):
        runs.append(1)
        return apply(*args, **kwargs)

    monkeypatch.setattr(sales_math.ActivityPlanner, "_plan_rows", plan_rows)
    monkeypatch.setattr(draft_edits, "apply_edits", apply_edits)     # once per run of the page
    rep = at.selectbox(key="tg_one_rep").options[3]
    at.selectbox(key="tg_one_rep").set_value(rep).run()
    runs.clear()
    at.text_input(key=one_rep_key("value", rep, "base")).set_value("150000")
    at.text_input(key=one_rep_key("reason", rep, "base")).set_value("new territory")
    at.button(key="tg_apply_override").click().run()
    assert not at.exception, at.exception
    assert at.data_editor[0].value.loc[rep, "Target"] == 150000
    assert len(runs) == 1            # the page's run after the click follows the edit: no second run
    assert planned == [[rep]]

    at.session_state["tg_plan_open"] = True     # the plan table: the whole plan, as one made from scratch
    at.run()
    assert not at.exception, at.exception
    shown = next(d.value for d in at.dataframe if {"deals", "plan", "focus"} <= set(d.value.columns))
    assert shown.set_index("rep").at[rep, "target"] == 150000 and planned == [[rep]]
    conn = store.connect(sample_db)
    try:
        cal = calibrate(conn, "revenue", "quarter", "next")
        fresh = sales_math.activity_plan(shown[["rep", "target"]], cal.funnel(), cal.period, q=0.8,
                                         coverage=data_coverage(conn))
    finally:
        conn.close()
    stages = ["deals", "opportunities", "demos", "meetings", "calls"]
    pd.testing.assert_frame_equal(shown[stages], fresh[stages], check_exact=True)


def test_a_target_typed_in_thousands_is_said(sample_db):
    """56 typed for a rep whose model base is about $60k: saved as $56 with a 100% chance, and nothing said."""
    at = app_test(PAGE)
    rep = at.selectbox(key="tg_one_rep").options[3]
    at.selectbox(key="tg_one_rep").set_value(rep).run()
    at.text_input(key=one_rep_key("value", rep, "base")).set_value("56")
    at.text_input(key=one_rep_key("reason", rep, "base")).set_value("agreed in the 1:1")
    at.button(key="tg_apply_override").click().run()
    assert not at.exception, at.exception
    said = [w.value for w in at.warning if w.value.startswith("Target far below the model")]
    assert len(said) == 1 and f"{rep}: base $56 against the model's $" in said[0], [w.value for w in at.warning]
    assert "(typed in thousands? $56k was perhaps meant)" in said[0]
