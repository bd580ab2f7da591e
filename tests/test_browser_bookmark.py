"""A bookmarked page opened on a freshly started server still gets the frame (sidebar, settings).

Streamlit runs a pages/ script on its own until st.navigation has been called once in the process;
ui.db() sends such a run through app.py, which then opens the bookmarked page.
"""

from __future__ import annotations

import shutil

import pytest
from browser_helpers import wait_for_app
from conftest import LiveServer
from playwright.sync_api import expect

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def fresh_server(tmp_path_factory, sample_db_template):
    db = tmp_path_factory.mktemp("bookmark") / "targets.duckdb"
    shutil.copy(sample_db_template, db)
    server = LiveServer(db)
    try:
        server.wait_healthy()
        yield server
    except Exception:
        print(server.log_text())
        raise
    finally:
        server.stop()


def test_bookmark_on_a_fresh_server_opens_inside_the_frame(page, fresh_server):
    page.goto(f"{fresh_server.url}/backtest")
    wait_for_app(page)
    main = page.locator("[data-testid=stMain]")
    expect(main.get_by_role("heading", name="Backtest: are the chances honest?")).to_be_visible(timeout=60_000)
    sidebar = page.locator("[data-testid=stSidebar]")
    expect(sidebar.get_by_text("Grain")).to_be_visible()
    expect(sidebar.get_by_role("link", name="Tracking")).to_be_visible()
    assert page.url.rstrip("/").endswith("/backtest")
