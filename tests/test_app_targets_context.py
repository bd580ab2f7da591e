"""AppTest of Targets across a look at another grain or period: the team number and the set's name the
manager typed for one period are theirs again on coming back, and the open draft keeps them."""

from __future__ import annotations

from helpers import app_test

from analytics import store, target_sets

PAGE = "pages/targets.py"


def _saved_team_target(db_path, name: str) -> float | None:
    conn = store.connect(db_path)
    try:
        return target_sets.load_target_set(conn, name).team_target
    finally:
        conn.close()


def test_a_look_at_months_or_another_quarter_keeps_the_team_number_and_name(sample_db):
    at = app_test(PAGE)
    at.toggle(key="tg_split").set_value(True).run()
    at.number_input(key="tg_team").set_value(5_000_000.0).run()
    at.text_input(key="tg_name").set_value("Q1 plan").run()
    at.button(key="tg_save").click().run()
    assert not at.exception, at.exception
    assert _saved_team_target(sample_db, "Q1 plan") == 5_000_000.0

    at.radio(key="grain").set_value("month").run()          # a glance at the month's numbers...
    assert not at.exception, at.exception
    assert at.text_input(key="tg_name").value != "Q1 plan"   # (a name and number of the month's own)
    assert at.number_input(key="tg_team").value != 5_000_000.0
    at.radio(key="grain").set_value("quarter").run()        # ...and back to the quarter
    assert not at.exception, at.exception
    assert at.number_input(key="tg_team").value == 5_000_000.0
    assert at.text_input(key="tg_name").value == "Q1 plan"

    quarters = at.selectbox(key="period_label_quarter").options
    at.selectbox(key="period_label_quarter").set_value(quarters[1]).run()
    at.selectbox(key="period_label_quarter").set_value(quarters[0]).run()
    assert not at.exception, at.exception
    assert at.number_input(key="tg_team").value == 5_000_000.0
    assert at.text_input(key="tg_name").value == "Q1 plan"
    caption = next(c.value for c in at.caption if c.value.startswith("Working draft:"))
    assert "(open: v1 draft, revision 1)" in caption and "team number $5.00M" in caption
    # the autosave never wrote a number the manager did not type into the saved set
    assert _saved_team_target(sample_db, "Q1 plan") == 5_000_000.0


def test_autosave_off_and_the_tier_being_edited_survive_a_visit_to_another_page(sample_db):
    """A manager who turned autosave off to try numbers, and was editing the stretch tier, finds both as they
    left them after a look at Baselines: no edit is written to the open set behind their back."""
    at = app_test(PAGE)
    at.button(key="tg_save").click().run()
    at.toggle(key="tg_autosave").set_value(False).run()
    at.get("button_group")[0].set_value("stretch").run()
    assert not at.exception, at.exception
    at.switch_page("pages/baselines.py").run()
    at.switch_page(PAGE).run()
    assert not at.exception, at.exception
    assert at.toggle(key="tg_autosave").value is False
    assert at.session_state["tg_edit_tier"] == "stretch"
    assert at.data_editor[0].key.endswith("|stretch")
    at.number_input(key="tg_base").set_value(45).run()        # an experiment, not saved
    conn = store.connect(sample_db)
    try:
        assert target_sets.list_target_sets(conn)["revision"].tolist() == [1]
    finally:
        conn.close()


def test_a_fresh_split_says_the_team_total_is_the_team_number(sample_db):
    """Splitting a number nobody edited: "= the team number", never a warning that it is "$0 short" of it."""
    at = app_test(PAGE)
    at.toggle(key="tg_split").set_value(True).run()
    at.number_input(key="tg_team").set_value(5_000_000.0).run()
    assert not at.exception, at.exception
    said = [e.value for kind in ("info", "warning", "success") for e in getattr(at, kind) if "Team total" in e.value]
    assert said == ["Team total at base $5.00M = the team number."]
    tile = next(m for m in at.metric if m.label == "Team total at base")
    assert tile.delta == "$0 against the team number"
