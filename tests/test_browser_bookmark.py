"""The frame on a freshly started server: a bookmark opens inside it, and its sidebar widgets stick.

Streamlit starts each process in its legacy pages/ mode: a bookmarked page ran without app.py, and
the first session's sidebar radio snapped back after its first click. app.py leaves that mode
before drawing anything (ui.leave_legacy_pages_mode); each test here needs a server of its own.
"""

from __future__ import annotations

import re
import shutil

import pytest
from browser_helpers import wait_for_app
from conftest import running_server
from playwright.sync_api import expect

pytestmark = pytest.mark.browser


@pytest.fixture
def fresh_server(tmp_path_factory, sample_db_template):
    db = tmp_path_factory.mktemp("bookmark") / "targets.duckdb"
    shutil.copy(sample_db_template, db)
    with running_server(db) as server:
        yield server


def test_bookmark_on_a_fresh_server_opens_inside_the_frame(page, fresh_server):
    page.goto(f"{fresh_server.url}/backtest")
    wait_for_app(page)
    main = page.locator("[data-testid=stMain]")
    expect(main.get_by_role("heading", name="Backtest: are the chances honest?")).to_be_visible(timeout=60_000)
    sidebar = page.locator("[data-testid=stSidebar]")
    expect(sidebar.get_by_text("Grain")).to_be_visible()
    expect(sidebar.get_by_role("link", name="Tracking")).to_be_visible()
    assert page.url.rstrip("/").endswith("/backtest")


def test_grain_switch_sticks_in_the_first_session(page, fresh_server):
    page.goto(fresh_server.url)
    wait_for_app(page)
    sidebar = page.locator("[data-testid=stSidebar]")
    expect(sidebar.get_by_text("Period")).to_be_visible(timeout=60_000)
    sidebar.locator("[data-testid=stRadio] label").filter(has_text="month").click()
    wait_for_app(page)
    expect(sidebar.get_by_role("radio", name="month")).to_be_checked()
    expect(page.locator("[data-testid=stMain]").get_by_text("Won revenue per month")).to_be_visible()

    sidebar.locator("[data-testid=stSidebarNav]").get_by_text("Backtest", exact=True).click()
    wait_for_app(page)
    expect(sidebar.get_by_role("radio", name="month")).to_be_checked()
    # the Period box shows a month, not the quarter it showed before the switch
    period_box = sidebar.locator("[data-testid=stSelectbox]").first
    expect(period_box).to_contain_text("Period")
    expect(period_box.get_by_role("combobox")).to_have_value(re.compile(r"^\d{4}-\d{2}$"))
