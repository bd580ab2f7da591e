"""Browser: Tracking and Review on the sample company, whose current quarter is part done.

The shared live server's database cannot be written while the server holds it, so this module runs
its own server on a copy of the sample company into which two target sets were saved first through
the engine: one for the quarter in progress (tracked) and one for the quarter before (reviewed).
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from browser_helpers import open_page, screenshot, wait_for_app
from helpers import running_server
from playwright.sync_api import Page, expect
from test_app_tracking import PLAN, save_plan

from analytics import store, tracking

pytestmark = pytest.mark.browser
STEP = 0.05      # the page's threshold slider moves in 5% steps


@pytest.fixture(scope="module")
def tracking_server(tmp_path_factory, sample_db_template):
    db = tmp_path_factory.mktemp("tracking_live") / "targets.duckdb"
    shutil.copy(sample_db_template, db)
    reviewed = save_plan(db, name="last quarter", periods_back=1)
    tracked = save_plan(db, name=PLAN)
    conn = store.connect(db)
    try:
        at_default = list(tracking.track(conn, PLAN).flagged().index)
        # The first threshold on the slider that flags more reps than the default (which one depends on
        # the model's ranges, not on the page under test).
        for steps in range(1, 12):
            threshold = round(tracking.DEFAULT_THRESHOLD + steps * STEP, 2)
            flagged = list(tracking.track(conn, PLAN, threshold=threshold).flagged().index)
            if len(flagged) > len(at_default):
                break
    finally:
        conn.close()
    assert len(flagged) > len(at_default), "no threshold up to 85% flags more reps than the default"
    with running_server(db) as server:
        server.expected = {"tracked": tracked, "reviewed": reviewed, "flagged": flagged, "at_default": at_default,
                           "threshold": threshold, "steps": steps}
        yield server


def test_tracking_shows_the_flagged_reps(page: Page, tracking_server):
    expected = tracking_server.expected
    # The module's own server: this deep link is its first request (the frame opens around it).
    open_page(page, tracking_server.url, "tracking")
    expect(page.locator("[data-testid=stSidebar]").get_by_text("Target calibration")).to_be_visible()
    main = page.locator("[data-testid=stMain]")
    expect(main.get_by_text(f"{PLAN} v1 · {expected['tracked']}").first).to_be_visible()
    if expected["at_default"]:
        expect(main.get_by_text(f"{len(expected['at_default'])} rep(s) flagged")).to_be_visible()
    else:
        expect(main.get_by_text("No rep's chance of reaching base is below 30%")).to_be_visible()

    slider = page.locator("[data-testid=stSlider]").first
    thumb = slider.locator("input[type=range]")
    for _ in range(expected["steps"]):
        # one step at a time, each run finished before the next: a key pressed while the page
        # reruns can be lost on a busy machine, and the headline would be for another threshold
        thumb.focus()
        thumb.press("ArrowRight")
        wait_for_app(page)
    expect(slider).to_contain_text(f"{expected['threshold']:.0%}")
    headline = main.get_by_text(f"{len(expected['flagged'])} rep(s) flagged")
    expect(headline).to_be_visible()
    for rep in expected["flagged"]:
        expect(headline).to_contain_text(rep)
    expect(main.locator(".js-plotly-plot")).to_have_count(2)
    expect(main.get_by_text("Check-in notes", exact=True)).to_be_visible()

    page.set_viewport_size({"width": 1400, "height": 1900})
    wait_for_app(page)
    screenshot(page, "tracking")


def test_review_shows_the_calibration_of_the_finished_quarter(page: Page, tracking_server):
    open_page(page, tracking_server.url, "review")
    main = page.locator("[data-testid=stMain]")
    expect(main.get_by_text(f"last quarter v1 · {tracking_server.expected['reviewed']}").first).to_be_visible()
    expect(main.get_by_text("Brier score")).to_be_visible()
    expect(main.get_by_text("Were our chances honest?")).to_be_visible()
    expect(main.locator(".js-plotly-plot")).to_have_count(1)
    page.set_viewport_size({"width": 1400, "height": 1900})
    wait_for_app(page)
    screenshot(page, "review")

    # The report is generated on click (deferred download): one small self-contained file that prints,
    # its chart drawn as inline SVG (no script).
    with page.expect_download(timeout=60_000) as download:
        page.get_by_role("button", name="Download the review report (HTML)").click()
    html = Path(download.value.path()).read_text(encoding="utf-8")
    assert download.value.suggested_filename.endswith(f"{tracking_server.expected['reviewed']}.html")
    assert "<h1>Review: last quarter v1" in html and "<svg" in html and "<script" not in html
    assert len(html.encode()) < 500_000
