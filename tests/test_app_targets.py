"""AppTest of the Targets page: tiers, an override, a team split, save, conflict, exports — and the numbers
on the page agree with the engine."""

from __future__ import annotations

import json

import numpy as np
import pytest
from helpers import app_test
from streamlit.proto.Metric_pb2 import Metric

from analytics import allocation, backtest_verdict, formatting, rep_facts, store, target_sets, targets
from analytics.calibration import calibrate
from dashboard import rep_facts_view
from dashboard.target_set_panel import one_rep_key

PAGE = "pages/targets.py"


def _engine(db_path, metric="revenue"):
    conn = store.connect(db_path)
    cal = calibrate(conn, metric, "quarter", "next")
    conn.close()
    return cal


def _metric(at, label: str) -> str:
    return next(m.value for m in at.metric if m.label == label)


def test_empty_database_shows_empty_state(empty_db):
    at = app_test(PAGE)
    assert not at.exception
    assert any("Import a CRM export" in i.value for i in at.info)
    assert not at.button


@pytest.mark.parametrize("grain", ["quarter", "month"])
def test_no_complete_period_shows_the_engines_refusal_and_nothing_to_save(empty_db, grain):
    """A first import of a month's first days: the engine's refusal, as Baselines and the CLI say it, instead
    of $1 tiers and a save button."""
    from short_history_fixtures import FIRST_DAYS, FIRST_DAYS_SPAN, database_from_csv

    from analytics.complete_history import NoCompleteHistory

    database_from_csv(empty_db.parent, FIRST_DAYS, db=empty_db)
    conn = store.connect(empty_db)
    with pytest.raises(NoCompleteHistory) as refused:
        calibrate(conn, "revenue", grain, "next")
    conn.close()
    at = app_test(PAGE)
    if grain != "quarter":
        at.radio(key="grain").set_value(grain).run()
    assert not at.exception
    assert refused.value.sentence in [w.value for w in at.warning]
    assert f"the data runs from {FIRST_DAYS_SPAN[0]} to {FIRST_DAYS_SPAN[1]}" in refused.value.sentence
    assert not at.data_editor and "tg_save" not in {b.key for b in at.button}


def test_session_choose_override_split_save_export(sample_db):
    cal = _engine(sample_db)
    rep = str(cal.predictive.reps[0])
    at = app_test(PAGE)
    assert not at.exception, at.exception

    # Tiers: base at P40 -> every rep's base target is Q(0.40) and its chance 60%, as the engine says.
    at.number_input(key="tg_base").set_value(40).run()
    assert not at.exception
    assert _metric(at, "Expected share reaching base") == "60%"
    editor = at.data_editor[0].value
    model = targets.tier_targets(cal.predictive, "40,70,90")
    base = model[model.tier == "base"].set_index("rep")
    assert editor.loc[rep, "Model"] == pytest.approx(round(base.at[rep, "target"]))
    assert (editor["Chance"].to_numpy() == 60.0).all()   # in whole percents (formatting.whole_percent)

    # Override one rep with a reason: the chance shown live is the engine's.
    at.selectbox(key="tg_one_rep").set_value(rep).run()
    at.text_input(key=one_rep_key("value", rep, "base")).set_value("50,000,000").run()
    assert any("absurdly large" in e.value for e in at.error)          # refused in place, with the reason
    at.text_input(key=one_rep_key("value", rep, "base")).set_value("150000").run()
    chance = targets.rep_chance(cal.predictive, rep, 150000.0)
    assert any(f"**{100 * chance:.0f}%**" in m.value for m in at.markdown)
    at.button(key="tg_apply_override").click().run()
    assert any("needs a reason" in e.value for e in at.error)
    at.text_input(key=one_rep_key("reason", rep, "base")).set_value("new enterprise territory").run()
    at.button(key="tg_apply_override").click().run()
    assert not at.exception
    row = at.data_editor[0].value.loc[rep]
    assert row["Target"] == 150000 and row["Source"] == "override"
    assert row["Chance"] == formatting.whole_percent(chance)
    # The model's stretch moved with the base set by hand (kept at its chance spacing above it): in order.
    assert not [w.value for w in at.warning if "Tiers out of order" in w.value]

    # Split a team number at equal chance: the team's chance and the comparison come from the engine.
    g = 4_000_000.0
    at.toggle(key="tg_split").set_value(True).run()
    at.number_input(key="tg_team").set_value(g).run()
    assert not at.exception
    alloc = allocation.allocation_for(cal, g)
    assert _metric(at, "Team's chance of reaching it") == f"{100 * alloc.team_chance:.0f}%"
    table = next(d.value for d in at.dataframe if "equal_chance" in d.value.columns)
    assert table["equal_chance"].sum() == pytest.approx(g)
    assert table["proportional"].sum() == pytest.approx(g)
    others = at.data_editor[0].value.drop(index=rep)
    assert np.ptp(others["Chance"].to_numpy()) < 0.1                  # equal chance (in %) for the others

    # Save: listed, with the override and its reason; the export buttons carry the saved set.
    at.text_input(key="tg_name").set_value("AppTest Q1 plan").run()
    at.text_input(key="tg_author").set_value("Dana").run()
    at.button(key="tg_save").click().run()
    assert not at.exception
    assert any("Saved 'AppTest Q1 plan' v1 as draft" in s.value for s in at.success)
    listed = next(d.value for d in at.dataframe if "n_reps" in d.value.columns)
    assert listed["name"].tolist() == ["AppTest Q1 plan"]
    conn = store.connect(sample_db)
    saved = target_sets.load_target_set(conn, "AppTest Q1 plan")
    conn.close()
    mine = saved.rows[(saved.rows.rep == rep) & (saved.rows.tier == "base")].iloc[0]
    assert (mine.target, mine.source, mine.reason) == (150000.0, "override", "new enterprise territory")
    stretch = saved.rows[(saved.rows.rep == rep) & (saved.rows.tier == "stretch")].iloc[0]
    assert stretch.source == "model" and stretch.target > 150000.0     # spaced above the base set by hand
    assert saved.method == "equal-chance" and saved.team_target == g

    # AppTest has no public way to read a download's bytes: the files' contents are checked through
    # real downloads in tests/test_browser_targets.py, and by the engine's tests in test_export.py.
    labels = {b.label for b in at.download_button}
    assert labels == {"Download CSV", "Download Excel", "Download one-page summaries (HTML)"}


def test_stale_revision_shows_conflict(sample_db):
    at = app_test(PAGE)
    at.text_input(key="tg_name").set_value("Conflict plan").run()
    at.button(key="tg_save").click().run()
    assert any("Saved 'Conflict plan' v1" in s.value for s in at.success)

    # Another session changes the same draft behind this one's back.
    conn = store.connect(sample_db)
    saved = target_sets.load_target_set(conn, "Conflict plan")
    rep = saved.rows.rep.iloc[0]
    target_sets.save_row_edit(conn, saved.set_id, rep, "base", 1000.0, reason="other manager",
                              expected_revision=saved.revision, author="Other manager")
    conn.close()

    at.button(key="tg_save").click().run()
    assert not at.exception
    errors = [e.value for e in at.error]
    assert any("Not saved" in e and "Other manager" in e and "you had revision 1" in e for e in errors), errors
    assert at.button(key="tg_reload")
    at.button(key="tg_reload").click().run()
    assert not at.exception
    assert any("Opened 'Conflict plan' v1" in i.value for i in at.info)
    at.button(key="tg_save_final").click().run()        # after the reload the save goes through, once confirmed
    assert "Save 'Conflict plan' as final? A final set is read-only" in "\n".join(w.value for w in at.warning)
    at.button(key="tg_save_final_confirm").click().run()
    assert any("as final" in s.value for s in at.success)
    conn = store.connect(sample_db)
    final = target_sets.load_target_set(conn, "Conflict plan")
    conn.close()
    assert final.is_final
    assert final.rows.set_index(["rep", "tier"]).at[(rep, "base"), "target"] == 1000.0


def test_table_edits_override_and_proposal(sample_db):
    cal = _engine(sample_db)
    reps = [str(r) for r in cal.predictive.reps]
    at = app_test(PAGE)
    key = f"tg_editor|revenue|quarter|{cal.period.label}|base"
    # Row 0: an override without a reason is held back; row 1: the rep's proposal, accepted as the target.
    at.session_state[key] = {"edited_rows": {0: {"Target": 120000.0}, 1: {"Rep proposal": 90000.0, "Accept": True}},
                             "added_rows": [], "deleted_rows": []}
    at.run()
    assert not at.exception
    assert any("needs a reason" in e.value for e in at.error)
    table = at.data_editor[0].value
    assert table.loc[reps[0], "Source"] == "model"
    placed = targets.place_proposal(cal.predictive, reps[1], 90000.0)
    assert table.loc[reps[1], "Source"] == "rep proposal"
    assert table.loc[reps[1], "Chance"] == formatting.whole_percent(placed["p_attain"])
    assert table.loc[reps[1], "Note"] == targets.place_proposal(
        cal.predictive, reps[1], 90000.0, targets.tier_targets(cal.predictive, "35,70,90").assign(
            target=lambda d: d["target"].where(~((d.rep == reps[1]) & (d.tier == "base")), 90000.0)))["message"]

    at.session_state[key] = {"edited_rows": {0: {"Target": 120000.0, "Reason": "big renewal"},
                                             1: {"Rep proposal": 90000.0, "Accept": True}},
                             "added_rows": [], "deleted_rows": []}
    at.run()
    table = at.data_editor[0].value
    assert (table.loc[reps[0], "Target"], table.loc[reps[0], "Source"]) == (120000.0, "override")
    assert table.loc[reps[0], "Chance"] == formatting.whole_percent(
        targets.rep_chance(cal.predictive, reps[0], 120000.0))
    assert not any("needs a reason" in e.value for e in at.error)


def _load(db, name: str) -> target_sets.SavedTargetSet:
    conn = store.connect(db)
    try:
        return target_sets.load_target_set(conn, name)
    finally:
        conn.close()


def test_save_final_asks_first_and_cancel_saves_nothing(sample_db):
    at = app_test(PAGE)
    at.text_input(key="tg_name").set_value("Careful plan").run()
    at.button(key="tg_save_final").click().run()
    assert not at.exception
    assert any("Save 'Careful plan' as final?" in w.value for w in at.warning)
    assert not any("as final" in s.value for s in at.success)
    at.button(key="tg_save_final_cancel").click().run()
    assert not any("as final?" in w.value for w in at.warning)
    conn = store.connect(sample_db)
    try:
        assert target_sets.list_target_sets(conn).empty  # one click saved nothing
    finally:
        conn.close()
    at.button(key="tg_save_final").click().run()
    at.button(key="tg_save_final_confirm").click().run()
    assert any("Saved 'Careful plan' v1 as final" in s.value for s in at.success)
    assert _load(sample_db, "Careful plan").is_final


def test_finalize_new_version_audit_and_compare(sample_db):
    at = app_test(PAGE)
    at.text_input(key="tg_name").set_value("Versioned plan").run()
    at.text_input(key="tg_author").set_value("Dana").run()
    at.button(key="tg_save").click().run()

    # Autosave: an edit to the open draft is saved without pressing Save (a reload loses nothing).
    rep = at.selectbox(key="tg_one_rep").value
    at.text_input(key=one_rep_key("value", rep, "base")).set_value("99000")
    at.text_input(key=one_rep_key("reason", rep, "base")).set_value("autosave check")
    at.button(key="tg_apply_override").click().run()
    assert not at.exception
    conn = store.connect(sample_db)
    saved = target_sets.load_target_set(conn, "Versioned plan")
    conn.close()
    assert saved.revision == 2
    assert saved.rows.set_index(["rep", "tier"]).at[(rep, "base"), "target"] == 99000.0

    # Finalize asks first: the click alone changes nothing, Cancel drops the question, Yes finalizes.
    at.button(key="tg_finalize").click().run()
    assert not at.exception
    assert any("Make 'Versioned plan' v1 final?" in w.value for w in at.warning)
    assert not _load(sample_db, "Versioned plan").is_final
    at.button(key="tg_finalize_cancel").click().run()
    assert not any("final?" in w.value for w in at.warning) and not _load(sample_db, "Versioned plan").is_final
    at.button(key="tg_finalize").click().run()
    at.button(key="tg_finalize_confirm").click().run()
    assert not at.exception
    assert any("'Versioned plan' v1 is final and read-only" in s.value for s in at.success)
    assert _load(sample_db, "Versioned plan").is_final
    assert at.button(key="tg_save").disabled and at.button(key="tg_save_final").disabled
    audit = next(d.value for d in at.dataframe if "what" in d.value.columns)
    # The base set by hand carried the rep's model higher tiers with it (their chance spacing): audited too.
    assert audit["what"].tolist() == ["created", f"{rep} base target", f"{rep} excellence target",
                                      f"{rep} stretch target", "status"]
    assert audit["note"].tolist()[1] == "autosave check"
    assert audit["changed_by"].tolist() == ["Dana"] * 5

    at.button(key="tg_new_version").click().run()
    assert not at.exception
    assert any("Started 'Versioned plan' v2 as a draft" in s.value for s in at.success)
    assert not at.button(key="tg_save").disabled
    listed = next(d.value for d in at.dataframe if "n_reps" in d.value.columns)
    assert sorted(zip(listed["version"], listed["status"], strict=True)) == [(1, "final"), (2, "draft")]
    compare = next(d.value for d in at.dataframe if "target_a" in d.value.columns)
    assert (compare["difference"] == 0).all()                     # v2 starts as a copy of v1
    vs_model = next(d.value for d in at.dataframe if "model_value" in d.value.columns).set_index(["rep", "tier"])
    assert vs_model.at[(rep, "base"), "difference"] == pytest.approx(99000.0 - vs_model.at[(rep, "base"),
                                                                                          "model_value"])
    assert (vs_model.drop(index=(rep, "base"))["difference"].abs() < 1e-9).all()


@pytest.mark.parametrize("metric", ["deals", "meeting"])
def test_count_metrics_split(sample_db, metric):
    cal = _engine(sample_db, metric)
    at = app_test(PAGE)
    at.selectbox(key="tg_metric").set_value(metric).run()
    g = float(round(cal.summary["baseline"].sum()))
    at.toggle(key="tg_split").set_value(True).run()
    at.number_input(key="tg_team").set_value(g).run()
    assert not at.exception
    table = next(d.value for d in at.dataframe if "equal_chance" in d.value.columns)
    assert table["equal_chance"].sum() == pytest.approx(g)
    if targets.is_count(cal.predictive):                  # negative binomial: whole numbers adding up to G
        assert (table["equal_chance"] % 1 == 0).all()
    expected = allocation.allocate_team_target(cal.predictive, g, "equal-chance").set_index("rep")["target"]
    shown = table.set_index("rep")["equal_chance"]
    assert shown.to_numpy() == pytest.approx(expected.reindex(shown.index).to_numpy())
    assert any("SMART target" in m.value for m in at.markdown)


def _shown_text(at) -> str:
    """Every text a manager reads on the page: markdown, messages, metrics and captions."""
    parts = [m.value for m in at.markdown] + [c.value for c in at.caption]
    parts += [x.value for kind in (at.info, at.success, at.warning, at.error) for x in kind]
    parts += [f"{m.label} {m.value}" for m in at.metric]
    return "\n".join(parts)


def test_plain_words_and_the_imported_currency(eur_db):
    cal = _engine(eur_db)
    at = app_test(PAGE)
    assert not at.exception, at.exception
    # No "None" cells: a rep without a proposal has a blank one.
    assert at.data_editor[0].value["Rep proposal"].tolist() == [""] * len(cal.predictive.reps)

    g = 4_000_000.0
    at.toggle(key="tg_split").set_value(True).run()
    at.number_input(key="tg_team").set_value(g).run()
    assert not at.exception
    team = allocation.allocation_for(cal, g)
    verdict = next(i.value for i in [*at.info, *at.error] if "team number" in i.value)
    assert verdict.startswith("The team number €4.00M" if g <= team.team_p90 else "Beyond reach: the team number €4.00M")
    assert f"the team median (P50, {formatting.money(team.team_p50, '€')})" in verdict or g > team.team_p90
    text = _shown_text(at)
    assert "G =" not in text and "$" not in text                 # money in the data's currency, never $
    assert "Team total at base €" in text and "- **Specific**: €" in text
    assert all(" P50" not in line or "median" in line for line in text.splitlines())

    at.text_input(key="tg_name").set_value("Euro plan").run()
    at.button(key="tg_save").click().run()
    assert not at.exception
    saved = _load(eur_db, "Euro plan")
    assert saved.assumptions["currency"] == "EUR"                 # the exports write € too
    n_reps = len(cal.predictive.reps)
    audit = next(d.value for d in at.dataframe if "what" in d.value.columns)
    assert audit["new_value"].tolist()[0] == f"{n_reps} reps × base, stretch, excellence (equal chance)"
    assert audit["old_value"].tolist()[0] == "" and audit["changed_by"].tolist()[0] == ""   # blank, not None
    listed = next(d.value for d in at.dataframe if "n_reps" in d.value.columns)
    assert listed["team_target"].tolist() == ["4,000,000"] and listed["updated_by"].tolist() == [""]


def test_the_one_rep_panel_belongs_to_one_rep(sample_db):
    cal = _engine(sample_db)
    ana, ben = (str(r) for r in cal.predictive.reps[:2])
    at = app_test(PAGE)
    at.selectbox(key="tg_one_rep").set_value(ana).run()
    at.text_input(key=one_rep_key("value", ana, "base")).set_value("150000")
    at.text_input(key=one_rep_key("reason", ana, "base")).set_value("new territory")
    at.button(key="tg_apply_override").click().run()
    assert not at.exception
    assert any(s.value.startswith(f"Set {ana}'s base target to $150k (new territory).") for s in at.success)

    # Another rep: their own (empty) reason, never the previous rep's text.
    at.selectbox(key="tg_one_rep").set_value(ben).run()
    assert at.text_input(key=one_rep_key("reason", ben, "base")).value == ""
    assert not any(t.value == "new territory" for t in at.text_input)

    # Accepting a proposal says what it did: the target is now the rep's own number.
    at.text_input(key=one_rep_key("value", ben, "base")).set_value("90,000")
    at.button(key="tg_accept_proposal").click().run()
    assert not at.exception
    said = [s.value for s in at.success]
    assert any(s.startswith(f"Set {ben}'s base target to $90k (the rep's proposal, accepted as target).") for s in said)
    assert not any(s.startswith("Recorded") for s in said)
    row = at.data_editor[0].value.loc[ben]
    assert (row["Target"], row["Source"], row["Rep proposal"]) == (90000.0, "rep proposal", "$90,000")

    # Recording one only notes it beside the target, and says so.
    at.text_input(key=one_rep_key("value", ben, "base")).set_value("95000")
    at.button(key="tg_apply_proposal").click().run()
    message = next(s.value for s in at.success if ben in s.value)
    assert message.startswith(f"Recorded {ben}'s proposal of $95k for base") and "unchanged" in message
    assert at.data_editor[0].value.loc[ben, "Source"] == "model"

    # Back to the first rep: their own reason is there again.
    at.selectbox(key="tg_one_rep").set_value(ana).run()
    assert at.text_input(key=one_rep_key("reason", ana, "base")).value == "new territory"


# ----------------------------------------------------------------------------- orders-only data
@pytest.fixture
def orders_only_db(db_path, tmp_path):
    """Won orders only (tests/orders_fixtures.py): no activities, no created dates, no stages."""
    import orders_fixtures

    return orders_fixtures.build_orders_db(tmp_path, db_path)


def test_orders_only_choosing_calls_says_no_activities_imported(orders_only_db):
    at = app_test(PAGE)
    assert not at.exception
    box = at.selectbox(key="tg_metric")
    assert box.format_func("call") == "Calls (not imported)" and box.format_func("revenue") == "Won revenue"
    box.set_value("call").run()
    assert not at.exception
    assert any("Calls: no activities imported" in i.value for i in at.info)
    assert not any("No calibration" in w.value for w in at.warning)
    assert not at.data_editor and "tg_save" not in {b.key for b in at.button}   # no range of zeros calibrated
    box.set_value("opportunities").run()
    assert not at.exception
    assert any("no created dates imported" in i.value for i in at.info)


def test_orders_only_saved_set_has_no_opportunity_or_call_plan(orders_only_db):
    at = app_test(PAGE)
    assert not at.exception
    at.session_state["tg_plan_open"] = True     # the plan's box opened (its table is drawn only while open)
    at.run()
    plan_table = next(d.value for d in at.dataframe if {"rep", "deals"} <= set(d.value.columns))
    assert {"opportunities", "demos", "meetings", "calls", "calls_per_week"}.isdisjoint(plan_table.columns)
    # no plan in words and no focus for anyone: no columns of None, said once; no confidence that changes nothing
    assert {"plan", "focus"}.isdisjoint(plan_table.columns)
    assert not plan_table.isna().any().any() and "None" not in plan_table.astype(str).to_numpy()
    assert sum("No activity log" in c.value for c in at.caption) == 1
    assert not any(s.label == "Activity plan confidence" for s in at.slider)
    assert not any("confidence" in str(m.value) for m in at.markdown)
    said = "\n".join(str(m.value) for m in at.markdown)
    assert "opportunit" not in said.lower() and "funnel rates unknown" not in said
    at.text_input(key="tg_name").set_value("Orders plan").run()
    at.text_input(key="tg_author").set_value("Dana").run()
    at.button(key="tg_save").click().run()
    assert not at.exception
    conn = store.connect(orders_only_db)
    saved = target_sets.load_target_set(conn, "Orders plan")
    conn.close()
    assert set(saved.activity_rows["activity"]) == {"deals"}
    assert not saved.assumptions.get("plans")
    assert "win rate" not in " ".join(saved.assumptions.get("focus", {}).values())


# ----------------------------------------------------------------------------- the working draft
def _session_setup(at, rep: str, g: float) -> None:
    """Base at P40, a team number split, a name, an author and one override with its reason."""
    at.number_input(key="tg_base").set_value(40).run()
    at.toggle(key="tg_split").set_value(True).run()
    at.number_input(key="tg_team").set_value(g).run()
    at.text_input(key="tg_name").set_value("Survivor plan").run()
    at.text_input(key="tg_author").set_value("Dana").run()
    at.selectbox(key="tg_one_rep").set_value(rep).run()
    at.text_input(key=one_rep_key("value", rep, "base")).set_value("150000")
    at.text_input(key=one_rep_key("reason", rep, "base")).set_value("new territory")
    at.button(key="tg_apply_override").click().run()
    assert not at.exception, at.exception


def _draft_seen(at, rep: str) -> tuple:
    row = at.data_editor[0].value.loc[rep]
    return (at.number_input(key="tg_base").value, at.toggle(key="tg_split").value,
            at.number_input(key="tg_team").value, at.text_input(key="tg_name").value,
            at.text_input(key="tg_author").value, row["Target"], row["Source"], row["Reason"])


def test_the_working_draft_survives_other_pages_and_new_set_clears_it(sample_db):
    cal = _engine(sample_db)
    rep = str(cal.predictive.reps[0])
    at = app_test(PAGE)
    _session_setup(at, rep, 4_000_000.0)
    before = _draft_seen(at, rep)
    assert before == (40, True, 4_000_000.0, "Survivor plan", "Dana", 150000.0, "override", "new territory")
    caption = next(c.value for c in at.caption if c.value.startswith("Working draft:"))
    assert "Survivor plan" in caption and "1 edited target" in caption and "by Dana" in caption
    assert ") · Won revenue " in caption      # a name of its own: what is looked at is said beside it

    for page in ("pages/baselines.py", "pages/overview.py"):   # away and back: nothing is lost
        at.switch_page(page).run()
        assert not at.exception, at.exception
        at.switch_page(PAGE).run()
        assert not at.exception, at.exception
        assert _draft_seen(at, rep) == before

    # "New set" asks first (the draft has unsaved edits), then clears everything; no override carries over.
    at.button(key="tg_new_set").click().run()
    assert any("Start a new set?" in w.value for w in at.warning)
    assert at.data_editor[0].value.loc[rep, "Source"] == "override"
    at.button(key="tg_new_set_confirm").click().run()
    assert not at.exception, at.exception
    base, split, _, name, author, _, source, reason = _draft_seen(at, rep)
    assert (base, split, author, source, reason) == (35, False, "", "model", "")
    assert name != "Survivor plan"
    assert (at.data_editor[0].value["Source"] == "model").all()


def _team_total_shown(at) -> str:
    return next(m.value for m in at.metric if m.label == "Team total at base")


def test_the_team_total_stays_honest_resplit_or_shortfall(sample_db):
    cal = _engine(sample_db)
    ana, ben, cy = (str(r) for r in cal.predictive.reps[:3])
    g = 4_000_000.0
    at = app_test(PAGE)
    at.toggle(key="tg_split").set_value(True).run()
    at.number_input(key="tg_team").set_value(g).run()
    for rep, value, reason in ((ana, "150000", "new territory"), (ben, "60000", "parental leave")):
        at.selectbox(key="tg_one_rep").set_value(rep).run()
        at.text_input(key=one_rep_key("value", rep, "base")).set_value(value)
        at.text_input(key=one_rep_key("reason", rep, "base")).set_value(reason)
        at.button(key="tg_apply_override").click().run()
    at.selectbox(key="tg_one_rep").set_value(cy).run()
    at.text_input(key=one_rep_key("value", cy, "base")).set_value("90000")
    at.button(key="tg_accept_proposal").click().run()
    assert not at.exception, at.exception

    # Re-split (the default): the reps without an edit share the rest, so the total is the team number.
    table = at.data_editor[0].value
    assert table["Target"].sum() == pytest.approx(g, abs=len(table))      # (the table shows whole amounts)
    assert _team_total_shown(at) == formatting.money(g)
    assert any("re-split at equal chance" in s.value for s in at.success)
    free = table.drop(index=[ana, ben, cy])
    assert np.ptp(free["Chance"].to_numpy()) < 0.1                          # one chance for the others
    # the team box's rep chance is the re-split reps' (the table's), not the whole number's equal split
    box = next(m for m in at.metric if m.label == "Chance of each re-split rep")
    assert box.value == formatting.rate(free["Chance"].mean() / 100)
    labels = {m.label for m in at.metric}
    assert {"Team median outcome", "Team P90 (9 in 10 below)"} <= labels
    total = next(m for m in at.metric if m.label == "Team total at base")
    assert total.proto.direction == Metric.MetricDirection.NONE              # no arrow beside a zero difference
    caption = next(c.value for c in at.caption if c.value.startswith("Working draft:"))
    assert "base at P35" in caption and "base at base" not in caption
    default_name = at.text_input(key="tg_name").value       # "Won revenue 2026-Q4": the name says what is looked at
    assert default_name.startswith("Won revenue ") and caption.count(default_name) == 1
    # the split table: no empty Team column without a roster with teams
    split_table = next(d for d in at.dataframe if "equal_chance" in d.value.columns)
    assert ("team" in split_table.value.columns) == bool(cal.summary["team"].fillna("").astype(str).str.strip().ne("").any())
    # the one-rep panel keeps its rep across a page visit
    at.switch_page("pages/baselines.py").run()
    at.switch_page(PAGE).run()
    assert not at.exception, at.exception
    assert at.selectbox(key="tg_one_rep").value == cy
    at.text_input(key="tg_name").set_value("Honest plan").run()
    at.button(key="tg_save").click().run()
    saved = _load(sample_db, "Honest plan")
    assert saved.team_rest == "resplit"
    assert saved.targets_by_tier["base"].sum() == pytest.approx(g)

    # Keep the shortfall: the others keep their share; the difference is shown and saved.
    at.radio(key="tg_team_rest").set_value("shortfall").run()
    assert not at.exception, at.exception
    split = allocation.allocate_team_target(cal.predictive, g, "equal-chance").set_index("rep")["target"]
    expected = split.drop(index=[ana, ben, cy]).sum() + 150000 + 60000 + 90000
    assert _team_total_shown(at) == formatting.money(expected)
    said = next(w.value for w in at.warning if "Team total at base" in w.value)
    assert formatting.money(abs(expected - g)) in said and ("short of" in said) == (expected < g)
    saved = _load(sample_db, "Honest plan")                 # autosaved to the open draft
    assert saved.team_rest == "shortfall"
    assert saved.targets_by_tier["base"].sum() == pytest.approx(expected)
    assert saved.assumptions["team"]["difference"] == pytest.approx(expected - g)


# ----------------------------------------------------------------------------- the facts beside each rep
def test_facts_beside_each_rep_and_the_backtest_verdict(sample_db):
    conn = store.connect(sample_db)
    try:
        cal = calibrate(conn, "revenue", "quarter", "next")
        facts = rep_facts.rep_facts(conn, "revenue", "quarter", cal.period)
        said_verdict = backtest_verdict.verdict_for(conn, "revenue", "quarter").sentence
    finally:
        conn.close()
    at = app_test(PAGE)
    assert not at.exception
    table = at.data_editor[0].value
    # right after each rep's range: last period's actual, its CRM quota where one was imported (none for the
    # next quarter: no column of blanks), and the last periods for the tiny chart
    assert list(table.columns[:5]) == ["Range", "Last actual", "Last quota", "Trend", "Model"]
    expected = facts.summary.reindex(table.index)
    np.testing.assert_allclose(table["Last actual"].to_numpy(float), expected["last_actual"].to_numpy(float))
    np.testing.assert_allclose(table["Last quota"].to_numpy(float), expected["quota_last"].to_numpy(float))
    assert table["Last quota"].notna().any()
    for rep in table.index:
        np.testing.assert_allclose(table.loc[rep, "Trend"], expected.loc[rep, "recent"], atol=1e-4)
    config = json.loads(at.data_editor[0].proto.columns)
    assert config["Last actual"]["label"] == f"Actual {facts.last.label}"
    assert all(config[c]["disabled"] for c in ("Last actual", "Last quota", "Trend"))      # read-only facts
    # the page never waits for the backtest: once it is done, the next run shows its verdict
    rep_facts_view.wait_for_backtests()
    at.run()
    assert not at.exception
    assert any(said_verdict in m.value for m in at.markdown)


def test_without_a_team_number_the_base_total_says_how_often_the_team_reaches_it(sample_db):
    """The sum of the reps' base targets looks low beside past periods: each has its rep's chance, and the
    team reaches the total far more often. The tile says how often, from the same simulation as the split."""
    cal = _engine(sample_db)
    at = app_test(PAGE)
    assert not at.exception, at.exception
    base_total = float(at.data_editor[0].value["Target"].sum())
    tile = next(m for m in at.metric if m.label == "Team total at base")
    chance = allocation.chance_from_totals(allocation.team_totals(cal.predictive), base_total)
    assert 0.75 < chance < 1.0            # the total of 65%-chance targets: reached far more often than each
    assert tile.proto.delta == f"reached {formatting.rate(chance)} of the time"
    assert tile.proto.direction == Metric.MetricDirection.NONE
    # the team's own middle outcome beside it, from the same simulation, above the reps' medians added up
    totals = allocation.team_totals(cal.predictive)
    middle = next(m for m in at.metric if m.label == "Team median outcome")
    assert middle.value == formatting.money(float(np.median(totals)))
    medians = float(cal.summary["baseline"].sum())
    assert middle.proto.delta == f"reps' medians add to {formatting.money(medians)}" and np.median(totals) > medians


@pytest.mark.parametrize(("metric", "split"), [("avg_deal_size", False), ("deals", True)])
def test_a_team_number_splits_only_a_metric_that_adds_up(sample_db, metric, split):
    """An average deal size is not the sum of the reps': the split toggle is off and says why, even when it
    was on for the metric before (the page then shows no split, and no error)."""
    at = app_test(PAGE)
    at.toggle(key="tg_split").set_value(True).run()
    at.selectbox(key="tg_metric").set_value(metric).run()
    assert not at.exception
    toggle = at.toggle(key="tg_split")
    assert toggle.disabled is not split
    assert any("equal_chance" in d.value.columns for d in at.dataframe) is split
    if not split:
        assert "does not add up across reps" in toggle.help


def test_an_average_has_no_team_total_share_or_cumulative_milestones(sample_db):
    """An average deal size summed over reps ('Team total at base $403k', 'carries 3% of the team's $403,374') and
    built up month by month ($5,028 by January, $8,435 by February) was shown as if it added up."""
    at = app_test(PAGE)
    at.selectbox(key="tg_metric").set_value("avg_deal_size").run()
    assert not at.exception
    tiles = {m.label: m.value for m in at.metric}
    assert "Team total at base" not in tiles and "Team median outcome" not in tiles
    base = at.data_editor[0].value["Target"]
    assert tiles["Median base target"] == formatting.money(float(base.median()), "$")
    card = next(md.value for md in at.markdown if "**Relevant**" in md.value)
    assert "beside the team's median target of $" in card and "carries" not in card
    assert any(c.value.startswith("No milestones: average deal size is an average") for c in at.caption)
    assert not any("Cumulative target" in d.value.columns for d in at.dataframe)
