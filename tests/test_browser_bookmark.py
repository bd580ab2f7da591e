"""The frame on a freshly started server: a bookmark opens inside it, and its sidebar widgets stick.

Streamlit runs a process's first runs in its legacy pages/ mode: a bookmarked page ran alone, without
app.py, and the first session's sidebar radio snapped back after its first click. app.py now calls
st.navigation before drawing anything, and a page run without the frame goes through app.py
(dashboard/frame.py). Each test here needs a server of its own: its first request is the point.
"""

from __future__ import annotations

import re
import shutil

import pytest
from browser_helpers import wait_for_app
from helpers import running_server
from playwright.sync_api import expect

pytestmark = pytest.mark.browser


@pytest.fixture
def fresh_server(tmp_path_factory, sample_db_template):
    db = tmp_path_factory.mktemp("bookmark") / "targets.duckdb"
    shutil.copy(sample_db_template, db)
    with running_server(db) as server:
        yield server


def test_bookmark_on_a_fresh_server_opens_inside_the_frame(page, fresh_server):
    page.goto(f"{fresh_server.url}/tracking")
    wait_for_app(page)
    main = page.locator("[data-testid=stMain]")
    expect(main.get_by_role("heading", name="Tracking", exact=True)).to_be_visible(timeout=60_000)
    sidebar = page.locator("[data-testid=stSidebar]")
    expect(sidebar.get_by_role("radio", name="quarter")).to_be_checked()
    nav = sidebar.locator("[data-testid=stSidebarNav]")
    for title in ("Overview", "Baselines", "Targets", "Tracking", "Review", "Import", "Backtest"):
        expect(nav.get_by_role("link", name=title, exact=True)).to_be_visible()
    assert page.url.rstrip("/").endswith("/tracking")


def test_grain_switch_sticks_in_the_first_session(page, fresh_server):
    page.goto(fresh_server.url)
    wait_for_app(page)
    sidebar = page.locator("[data-testid=stSidebar]")
    period = sidebar.locator("[data-testid=stSelectbox]").filter(has_text="Period").get_by_role("combobox")
    expect(period).to_have_value(re.compile(r"^\d{4}-Q\d$"), timeout=60_000)

    sidebar.locator("[data-testid=stRadio] label").filter(has_text="month").click()   # the first click
    wait_for_app(page)
    expect(sidebar.get_by_role("radio", name="month")).to_be_checked()
    expect(period).to_have_value(re.compile(r"^\d{4}-\d{2}$"))
    expect(page.locator("[data-testid=stMain]").get_by_text("Won revenue per month")).to_be_visible()

    sidebar.locator("[data-testid=stSidebarNav]").get_by_text("Backtest", exact=True).click()
    wait_for_app(page)
    expect(sidebar.get_by_role("radio", name="month")).to_be_checked()
    expect(period).to_have_value(re.compile(r"^\d{4}-\d{2}$"))
