"""The one-rep panel in a real browser: its buttons run the panel alone (a Streamlit fragment), so an edit
they make must still bring the whole page along (AppTest runs the whole page for every click and cannot
show this)."""

from __future__ import annotations

import pytest
from browser_helpers import click_button, fill_and_enter, get_element_by_key, open_page, wait_for_app
from playwright.sync_api import Page, expect

from dashboard.target_set_panel import one_rep_key

pytestmark = pytest.mark.browser



def test_an_override_in_the_panel_brings_the_whole_page_along(page: Page, base_url: str):
    open_page(page, base_url)
    page.locator("[data-testid=stSidebarNav]").get_by_text("Targets", exact=True).click()
    main = page.locator("[data-testid=stMain]")
    expect(main.get_by_text("Per rep: range, target, chance")).to_be_visible(timeout=60_000)
    wait_for_app(page)
    expect(main.get_by_text("0 edited targets")).to_be_visible()

    rep = get_element_by_key(page, "tg_one_rep").locator("input").first.input_value()
    fill_and_enter(page, one_rep_key("value", rep, "base"), "150000")
    expect(main.get_by_text("Chance of reaching $150k")).to_be_visible()
    fill_and_enter(page, one_rep_key("reason", rep, "base"), "new enterprise territory")
    click_button(page, "Override with reason")
    expect(main.get_by_text(f"Set {rep}'s base target to $150k (new enterprise territory)")).to_be_visible()
    # the draft's caption, at the top of the page and outside the panel, counts the edit
    expect(main.get_by_text("1 edited target")).to_be_visible()
