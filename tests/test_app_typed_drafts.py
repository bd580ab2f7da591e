"""AppTest: text a manager typed and has not applied yet (a one-rep target, a check-in note) is theirs
again after a look at another page, as every choice of the meeting is (dashboard/kept_widgets.py)."""

from __future__ import annotations

from helpers import app_test


def test_a_typed_one_rep_target_and_reason_survive_a_visit_to_another_page(sample_db):
    at = app_test("pages/targets.py")
    rep = at.selectbox(key="tg_one_rep").value
    value_key = next(t.key for t in at.text_input if t.key.startswith("tg_one_value-"))
    reason_key = next(t.key for t in at.text_input if t.key.startswith("tg_one_reason-"))
    at.text_input(key=value_key).input("123456").run()
    at.text_input(key=reason_key).input("new territory").run()
    assert not at.exception, at.exception
    at.switch_page("pages/baselines.py").run()
    at.switch_page("pages/targets.py").run()
    assert not at.exception, at.exception
    assert at.selectbox(key="tg_one_rep").value == rep
    assert at.text_input(key=value_key).value == "123456"
    assert at.text_input(key=reason_key).value == "new territory"
    assert any(m.value.startswith("Chance of reaching") for m in at.markdown)   # (its chance, at once)


def test_a_check_in_note_half_written_survives_a_visit_and_is_cleared_once_saved(tracked_db):
    at = app_test("pages/tracking.py")
    at.text_area(key="tracking_note_text").input("Two demos booked, one slipped").run()
    at.switch_page("pages/overview.py").run()
    at.switch_page("pages/tracking.py").run()
    assert not at.exception, at.exception
    assert at.text_area(key="tracking_note_text").value == "Two demos booked, one slipped"
    at.button(key="tracking_add_note").click().run()
    assert not at.exception, at.exception
    assert at.text_area(key="tracking_note_text").value == ""
    at.switch_page("pages/overview.py").run()
    at.switch_page("pages/tracking.py").run()
    assert at.text_area(key="tracking_note_text").value == ""   # (a saved note is not offered again)
