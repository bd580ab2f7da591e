"""The Overview page and the shared sidebar through AppTest: sample banner, metrics, empty state, settings."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
from helpers import REPO_ROOT, app_test, show_error_details
from streamlit.testing.v1 import AppTest

from analytics import importing, sample_company, store, tracking


def settings_of(db_path) -> tuple[dict[str, int], str | None, int]:
    conn = store.connect(db_path)
    try:
        return (store.table_counts(conn), store.get_setting(conn, sample_company.SAMPLE_FLAG),
                store.fiscal_year_start_month(conn))
    finally:
        conn.close()


def texts(elements) -> str:
    return "\n".join(str(e.value) for e in elements)


def test_sample_company_banner_metrics_and_chart(sample_db):
    at = app_test()
    assert not at.exception
    assert "This is a sample company" in texts(at.markdown)
    labels = [m.label for m in at.metric]
    assert labels[0] == "Active reps" and int(at.metric[0].value) > 20
    assert labels[1].startswith("Won in ") and at.metric[1].value.startswith("$")
    assert labels[2].startswith("Won so far in ")
    figure = json.loads(at.get("plotly_chart")[0].proto.spec)
    assert {trace["type"] for trace in figure["data"]} == {"bar"}
    assert len(figure["data"]) == 3  # one trace per team


def test_clear_sample_data_asks_first_then_removes_exactly_the_sample(sample_db):
    at = app_test()
    before, _, _ = settings_of(sample_db)
    at.button(key="clear_sample").click().run()
    assert not at.exception
    # One click only asks: nothing is removed, and Cancel leaves everything as it was.
    assert settings_of(sample_db)[0] == before
    asked = texts(at.warning)
    assert "Remove the sample company?" in asked and f"{before['deals']:,} deals" in asked
    at.button(key="clear_sample_cancel").click().run()
    assert not at.warning and "clear_sample_confirm" not in [b.key for b in at.button]
    assert settings_of(sample_db)[0] == before
    assert "This is a sample company" in texts(at.markdown)

    at.button(key="clear_sample").click().run()
    at.button(key="clear_sample_confirm").click().run()
    assert not at.exception
    counts, flag, _ = settings_of(sample_db)
    assert counts == {"deals": 0, "activities": 0, "reps": 0, "quotas": 0}
    assert flag == "cleared"
    assert f"Removed the sample company: {before['deals']:,} deals" in texts(at.success)
    assert "This is a sample company" not in texts(at.markdown)
    assert "No deals yet" in texts(at.info)
    assert not at.metric
    # Cleared on purpose: a later start does not bring the sample back.
    at = app_test()
    assert "No deals yet" in texts(at.info)
    assert settings_of(sample_db)[0]["deals"] == 0


def test_clear_sample_data_is_refused_once_the_manager_saved_a_note(sample_db):
    conn = store.connect(sample_db)
    tracking.add_note(conn, None, "ana", "asked for a territory review")
    conn.close()
    at = app_test()
    assert not at.exception
    button = at.button(key="clear_sample")
    assert button.disabled
    reason = texts(at.caption)
    assert "You have saved work of your own beside the sample (1 check-in note), so the sample stays" in reason
    assert "Remove the sample company?" not in texts(at.warning)
    assert settings_of(sample_db)[0]["deals"] > 1000


def test_a_roster_and_quotas_without_deals_are_named_in_the_empty_state(empty_db, tmp_path):
    """A manager who imported the roster and quotas first read "No deals yet" as if nothing were stored."""
    (tmp_path / "reps.csv").write_text("Sales Rep,Team\nAnn Lee,North\nBob Ray,South\n")
    (tmp_path / "quotas.csv").write_text("Sales Rep,Period,Quota\nAnn Lee,2026-Q1,90000\nBob Ray,2026-Q1,80000\n")
    conn = store.connect(empty_db)
    for name in ("reps.csv", "quotas.csv"):
        assert importing.import_file(conn, tmp_path / name).status == "loaded"
    conn.close()
    at = app_test()
    assert not at.exception
    assert "No deals yet (2 reps and 2 quotas stored)" in texts(at.info)


def test_empty_database_shows_the_empty_state(empty_db):
    at = app_test()
    assert not at.exception
    assert "No deals yet" in texts(at.info)
    assert "This is a sample company" not in texts(at.markdown)
    assert not [s.key for s in at.selectbox if str(s.key).startswith("period_label")]  # no data, no periods to pick


def test_a_brand_new_database_gets_the_sample_company(db_path):
    assert not db_path.exists()
    at = app_test()
    assert not at.exception
    counts, flag, _ = settings_of(db_path)
    assert flag == "loaded"
    assert counts["deals"] > 1000 and counts["reps"] > 30 and counts["activities"] > 0 and counts["quotas"] > 0
    assert "This is a sample company" in texts(at.markdown)


def fresh_app(**state):
    """A new session's first run, with widget state set beforehand."""
    show_error_details()
    at = AppTest.from_file(str(REPO_ROOT / "app.py"), default_timeout=60)
    for key, value in state.items():
        at.session_state[key] = value
    return at.run()


def test_sidebar_grain_switch_changes_the_periods_and_the_chart(sample_db):
    at = app_test()
    quarters = at.selectbox(key="period_label_quarter").options
    assert all("Q" in label for label in quarters)
    at.radio(key="grain").set_value("month").run()
    assert not at.exception
    assert json.loads(at.get("plotly_chart")[0].proto.spec)["layout"]["title"]["text"].startswith(
        "Won revenue per month")
    months = at.selectbox(key="period_label_month").options
    assert len(months) == len(quarters) and not any("Q" in label for label in months)
    assert fresh_app(grain="month").selectbox(key="period_label_month").options == months


def test_the_periods_offered_start_with_the_data(db_path, tmp_path):
    """Orders from Jan 2025 to Jun 2026: no quarter nor month before Jan 2025 is offered (it has no rep),
    the next period and the current one still are."""
    import orders_fixtures

    orders_fixtures.build_orders_db(tmp_path, db_path)
    at = app_test()
    assert not at.exception
    assert at.selectbox(key="period_label_quarter").options == [
        "2026-Q3", "2026-Q2", "2026-Q1", "2025-Q4", "2025-Q3", "2025-Q2", "2025-Q1"]
    at.radio(key="grain").set_value("month").run()
    months = at.selectbox(key="period_label_month").options
    assert months[:2] == ["2026-07", "2026-06"] and len(months) == 10    # a long history: the last eight kept


def test_fiscal_year_start_month_persists(sample_db):
    at = fresh_app(fiscal_start_month_name="April")
    assert not at.exception
    assert settings_of(sample_db)[2] == 4
    # The setting lives in the database: a new session starts with it, and the periods follow it.
    at = app_test()
    assert at.selectbox(key="fiscal_start_month_name").value == "April"


def test_the_calendar_box_says_stored_quotas_keep_their_days(sample_db):
    """Quotas are stored as days: a file of FY quarters read on January does not move when April is chosen."""
    said = [c.value for c in app_test().sidebar.caption if c.value.startswith("Quotas already imported keep")]
    assert len(said) == 1 and "Import it again after a change here" in said[0]


def test_without_quotas_the_calendar_box_says_nothing_of_them(empty_db):
    assert not any(c.value.startswith("Quotas already imported") for c in app_test().sidebar.caption)


def test_a_calendar_changed_elsewhere_is_followed_not_overwritten(sample_db):
    """Another manager (or the CLI) moves the fiscal year to April while this session shows January:
    this session's next run shows April and leaves it stored, rather than writing January back."""
    at = app_test()
    assert at.selectbox(key="fiscal_start_month_name").value == "January"
    conn = store.connect(sample_db)
    try:
        store.set_setting(conn, "fiscal_year_start_month", "4")
    finally:
        conn.close()
    at.run()
    assert not at.exception
    assert settings_of(sample_db)[2] == 4
    assert at.selectbox(key="fiscal_start_month_name").value == "April"
    at.selectbox(key="fiscal_start_month_name").select("July").run()     # this session's own choice still counts
    assert settings_of(sample_db)[2] == 7


def test_users_see_no_error_details_nor_developer_toolbar():
    """Streamlit itself, started from the repository, reads the options under these names and values."""
    shown = subprocess.run([sys.executable, "-m", "streamlit", "config", "show"], cwd=REPO_ROOT,
                           capture_output=True, text=True, timeout=120, check=True).stdout
    assert '\nshowErrorDetails = "none"\n' in shown
    assert '\ntoolbarMode = "viewer"\n' in shown


def test_app_tests_still_read_an_exception_s_text(tmp_path):
    """The product hides error details; AppTest runs (helpers) turn them back on for the tests."""
    script = tmp_path / "failing.py"
    script.write_text('raise ValueError("the detail a test needs")\n', encoding="utf-8")
    show_error_details()
    at = AppTest.from_file(str(script)).run()
    assert at.exception[0].message == "the detail a test needs"
    assert at.exception[0].stack_trace


def test_orders_only_quarter_whose_data_ended_is_not_said_in_progress(db_path, tmp_path):
    import orders_fixtures

    orders_fixtures.build_orders_db(tmp_path, db_path)     # orders to 30 Jun 2026: 2026-Q2 is over
    at = app_test()
    assert not at.exception
    labels = [m.label for m in at.metric]
    assert "Won in 2026-Q2" in labels and "Won in 2026-Q1" in labels
    assert not any("so far" in label for label in labels)
    title = json.loads(at.get("plotly_chart")[0].proto.spec)["layout"]["title"]["text"]
    assert "in progress" not in title and "data ends" not in title
    notes = texts(at.caption)
    assert "No activities imported" in notes and "No created dates imported" in notes


def test_a_quarter_the_data_ends_inside_says_where_the_data_ends(db_path, tmp_path):
    import orders_fixtures

    orders_fixtures.build_orders_db(tmp_path, db_path)
    conn = store.connect(db_path)
    conn.execute("DELETE FROM deals WHERE close_date > '2026-05-15'")
    conn.close()
    at = app_test()
    assert not at.exception
    assert "Won so far in 2026-Q2" in [m.label for m in at.metric]
    title = json.loads(at.get("plotly_chart")[0].proto.spec)["layout"]["title"]["text"]
    assert "the data ends on 15 May 2026, inside 2026-Q2" in title


def test_a_company_without_teams_gets_no_team_legend(db_path, tmp_path):
    """An export with no team anywhere (no roster with teams): one series of bars, no legend naming a
    "(no team)" group the manager never had."""
    import orders_fixtures

    orders_fixtures.build_orders_db(tmp_path, db_path)
    at = app_test()
    assert not at.exception, at.exception
    figure = json.loads(at.get("plotly_chart")[0].proto.spec)
    assert len(figure["data"]) == 1
    assert "(no team)" not in at.get("plotly_chart")[0].proto.spec
    assert figure["data"][0].get("showlegend") is False or figure["layout"].get("showlegend") is False


def _late_export(start, end, created_days_before: int | None) -> str:
    """Six reps' deals closing ``start`` .. ``end`` (short_history_fixtures), with a created date that many days
    before each close when ``created_days_before`` is set (an export of the deals created since ``start``)."""
    from short_history_fixtures import late_in_quarter_team

    text = late_in_quarter_team(start, end)
    if created_days_before is None:
        return text
    from datetime import date, timedelta

    lines = text.splitlines()
    out = [lines[0] + ",Created Date"]
    for k, line in enumerate(lines[1:]):
        closed = date.fromisoformat(line.rsplit(",", 1)[1])
        # cycles of 0 .. created_days_before days: the first weeks' closes are the quick ones only
        out.append(f"{line},{max(closed - timedelta(days=k % (created_days_before + 1)), start)}")
    return "\n".join(out) + "\n"


@pytest.mark.parametrize(("end", "created_days_before", "quarter", "said"), [
    ("2024-12-13", None, "2024-Q3", "The data starts on 2"),       # its first deal, on the 20th or 21st
    ("2025-03-20", 30, "2024-Q4", "History counted from"),          # the closes of the first weeks are quick ones
])
def test_a_first_quarter_the_data_start_inside_of_says_so_beside_its_total(empty_db, end, created_days_before,
                                                                           quarter, said):
    """An export from 20 September: "Won in 2024-Q3" was the total of its last eleven days, or, cut by
    created date, "Won in 2024-Q4" of the days after the history's start, without a word."""
    from datetime import date

    from short_history_fixtures import database_from_csv

    export = _late_export(date(2024, 9, 20), date.fromisoformat(end), created_days_before)
    database_from_csv(empty_db.parent, export, db=empty_db)
    at = app_test()
    assert not at.exception
    tile = next((m for m in at.metric if m.label == f"Won in {quarter}"), None)
    assert tile is not None, [(m.label, m.value) for m in at.metric]
    assert tile.delta.startswith(said), tile.delta
    if created_days_before:
        assert any(c.value.startswith(":material/history: History counted from") for c in at.caption)
