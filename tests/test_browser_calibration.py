"""Baselines and Backtest in a real browser (Debian Chromium against a live ``streamlit run``).

Checks what AppTest cannot: the pages render in the navigation frame with the sidebar, the table canvas
and the plotly charts are drawn, and typing a candidate target updates the page. Screenshots land in
test-results/screenshots/ (``make screenshots`` refreshes the README's pictures from them).
"""

from __future__ import annotations

import pytest
from browser_helpers import get_element_by_key, grid_headers, open_page, screenshot, wait_for_app
from playwright.sync_api import Page, expect

pytestmark = pytest.mark.browser


def open_in_frame(page: Page, base_url: str, url_path: str) -> None:
    """Open a page inside the navigation frame.

    Streamlit treats an app with a ``pages/`` folder as a v1 multipage app until the first run of
    app.py calls ``st.navigation``: a deep link to a cold server runs the page alone, without the
    sidebar. Opening the root first makes the order of the session's browser tests irrelevant.
    """
    open_page(page, base_url)
    open_page(page, base_url, url_path)
    expect(page.locator("[data-testid=stSidebar]").get_by_text("Grain")).to_be_visible()


def tall(page: Page, height: int = 2400) -> None:
    """Streamlit scrolls inside stMain: a tall viewport puts the whole page in one screenshot."""
    page.set_viewport_size({"width": 1400, "height": height})


def test_baselines_page_in_browser(page: Page, base_url: str):
    tall(page)
    open_in_frame(page, base_url, "baselines")
    main = page.locator("[data-testid=stMain]")
    expect(main.get_by_role("heading", name="Baselines")).to_be_visible()
    expect(main.get_by_text("baseline is", exact=False).first).to_be_visible()
    table = main.locator("[data-testid=stDataFrame]").first
    expect(table).to_be_visible()
    expect(table.get_by_test_id("glide-cell-0-0")).not_to_have_text("")      # the top rep's name
    # the chance column found by its header: which columns come before it depends on the data (teams,
    # quotas imported); the canvas numbers its cells from the first shown column, the rep's name
    page.set_viewport_size({"width": 2600, "height": 2400})   # every column drawn (the canvas draws what shows)
    expect(table.locator("th", has_text="Chance of")).to_be_attached()
    headers = grid_headers(table)
    chance_col = next(i for i, h in enumerate(headers) if h.startswith("Chance of")) - headers.index("Rep")
    chance_cell = table.get_by_test_id(f"glide-cell-{chance_col}-0")
    chance_before = chance_cell.inner_text()
    expect(page.locator(".st-key-baselines_fan .js-plotly-plot")).to_be_visible()
    expect(main.get_by_text("Top, middle and bottom thirds")).to_be_visible()

    # the chance column follows the candidate target typed in
    target = get_element_by_key(page, "baselines_target_revenue").locator("input")
    typed = 2 * float(target.input_value())
    target.fill(f"{typed:.0f}")
    target.press("Enter")
    wait_for_app(page)
    expect(main.get_by_text(f"A target of ${typed / 1000:,.0f}k for everyone", exact=False)).to_be_visible()
    expect(chance_cell).not_to_have_text(chance_before)  # the canvas redraws a moment after the run
    assert float(chance_cell.inner_text()) < float(chance_before)
    tall(page)
    expect(page.locator(".st-key-baselines_fan .js-plotly-plot")).to_be_visible()
    page.wait_for_timeout(500)  # let plotly finish drawing before the picture
    screenshot(page, "baselines")


def test_backtest_page_in_browser(page: Page, base_url: str):
    tall(page, 2600)
    open_in_frame(page, base_url, "backtest")
    main = page.locator("[data-testid=stMain]")
    expect(main.get_by_role("heading", name="Backtest: are the chances honest?")).to_be_visible()
    expect(main.get_by_text("Targets set at P70 were beaten", exact=False)).to_be_visible()
    for key in ("backtest_reliability", "backtest_pit", "backtest_crps"):
        expect(page.locator(f".st-key-{key} .js-plotly-plot")).to_be_visible()
    expect(main.get_by_role("heading", name="Your past targets")).to_be_visible()
    expect(main.locator("[data-testid=stDataFrame]")).to_have_count(3)  # rules, past targets, slices
    page.wait_for_timeout(500)
    screenshot(page, "backtest")
