"""The one-rep panel in a real browser: its buttons run the panel alone (a Streamlit fragment), so an edit
they make must still bring the whole page along (AppTest runs the whole page for every click and cannot
show this)."""

from __future__ import annotations

import pytest
from browser_helpers import open_targets, override_shown_rep
from playwright.sync_api import Page, expect

pytestmark = pytest.mark.browser


def test_an_override_in_the_panel_brings_the_whole_page_along(page: Page, base_url: str):
    main = open_targets(page, base_url)
    expect(main.get_by_text("0 edited targets")).to_be_visible()
    override_shown_rep(page, "150000", "$150k", "new enterprise territory")
    # the draft's caption, at the top of the page and outside the panel, counts the edit
    expect(main.get_by_text("1 edited target")).to_be_visible()
