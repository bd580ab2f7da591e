"""The Overview page and the shared sidebar through AppTest: sample banner, metrics, empty state, settings."""

from __future__ import annotations

import json

from helpers import REPO_ROOT, app_test
from streamlit.testing.v1 import AppTest

from analytics import sample_company, store


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


def test_clear_sample_data_empties_the_database_and_shows_the_empty_state(sample_db):
    at = app_test()
    at.button(key="clear_sample").click().run()
    assert not at.exception
    counts, flag, _ = settings_of(sample_db)
    assert counts == {"deals": 0, "activities": 0, "reps": 0, "quotas": 0}
    assert flag == "cleared"
    assert "This is a sample company" not in texts(at.markdown)
    assert "No deals yet" in texts(at.info)
    assert not at.metric
    # Cleared on purpose: a later start does not bring the sample back.
    at = app_test()
    assert "No deals yet" in texts(at.info)
    assert settings_of(sample_db)[0]["deals"] == 0


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


def test_fiscal_year_start_month_persists(sample_db):
    at = fresh_app(fiscal_start_month_name="April")
    assert not at.exception
    assert settings_of(sample_db)[2] == 4
    # The setting lives in the database: a new session starts with it, and the periods follow it.
    at = app_test()
    assert at.selectbox(key="fiscal_start_month_name").value == "April"
