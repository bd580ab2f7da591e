"""The Import page and the Overview in a real browser (Debian Chromium) against a live `streamlit run`.

The live server's database (the sample company) is shared by every browser test of the session, so
the import here uses its own rep and deal ids and is undone at the end.
"""

from __future__ import annotations

import random
import re

import pytest
from browser_helpers import open_page, screenshot, wait_for_app
from playwright.sync_api import Page, expect

pytestmark = pytest.mark.browser

HEADERS = "Deal Ref,Account,Closer,Close Date,Amount,Stage"  # 'Closer' is not a known name for the rep


def closer_export(tmp_path, n: int = 12):
    rng = random.Random(11)
    rows = [HEADERS] + [
        f"BRW-{i:03d},Browser Test Account {i},Browser Test Rep,{rng.randint(1, 9):02d}/{rng.randint(1, 28):02d}/2026,"
        f"{rng.randrange(2_000, 40_000)},{rng.choice(['Closed Won', 'Closed Lost', 'Prospecting', 'Parked'])}"
        for i in range(n)]
    rows.append("BRW-999,Browser Test Account X,Browser Test Rep,09/30/2026,n/a,Closed Won")  # set aside
    path = tmp_path / "browser_closer_export.csv"
    path.write_text("\n".join(rows) + "\n")
    return path


def test_overview_shows_the_sample_company(page: Page, base_url: str):
    page.set_viewport_size({"width": 1440, "height": 960})
    open_page(page, base_url, "")
    main = page.locator("[data-testid=stMain]")
    expect(main.get_by_text("This is a sample company")).to_be_visible()
    expect(main.locator("[data-testid=stMetric]").first).to_be_visible()
    chart = main.locator("[data-testid=stPlotlyChart]")
    expect(chart).to_be_visible()
    expect(chart.locator(".main-svg").first).to_be_visible()
    page.wait_for_timeout(500)  # plotly's entry transition
    assert screenshot(page, "overview").stat().st_size > 20_000


def test_upload_fix_a_mapping_commit_and_undo(page: Page, base_url: str, tmp_path):
    page.set_viewport_size({"width": 1440, "height": 1800})  # the whole file card in one screenshot
    open_page(page, base_url, "import_data")
    main = page.locator("[data-testid=stMain]")
    page.locator("input[type=file]").set_input_files(closer_export(tmp_path))
    wait_for_app(page)
    expect(main.get_by_text("no column holds")).to_be_visible()

    # Fix the mapping: 'Closer' holds the rep and 'Deal Ref' the deal id.
    main.locator("[class*='st-key-map_0_2_']").get_by_role("combobox").click()
    page.get_by_role("option", name="rep (required)").click()
    main.locator("[class*='st-key-map_0_0_']").get_by_role("combobox").click()
    page.get_by_role("option", name="deal id", exact=True).click()
    main.get_by_role("button", name="Apply and re-check").click()
    wait_for_app(page)
    expect(main.get_by_text("no column holds")).to_have_count(0)
    expect(main.get_by_text("the first rows as they will be stored")).to_be_visible()
    expect(main.get_by_text("unknown stage(s) counted as open: Parked")).to_be_visible()
    expect(main.get_by_text("1 row(s) will be set aside")).to_be_visible()
    page.wait_for_timeout(300)  # the data grids' first paint
    screenshot(page, "import")

    main.get_by_role("button", name="Import 12 rows").click()
    wait_for_app(page)
    expect(main.get_by_text("12 rows", exact=True)).to_be_visible()
    expect(main.get_by_text("12 new · 0 updated · 0 unchanged")).to_be_visible()

    main.get_by_role("tab", name="Import history").click()
    history = main.locator("[class*='st-key-history_import_']").get_by_role("combobox")
    expect(history).to_have_value(re.compile(r"browser_closer_export\.csv · deals$"))
    main.get_by_role("button", name="Undo this import").click()
    wait_for_app(page)
    expect(main.get_by_text("browser_closer_export.csv)? Its 12 new row(s) are removed")).to_be_visible()
    main.get_by_role("button", name=re.compile(r"^Yes, undo import #\d+$")).click()
    wait_for_app(page)
    main.get_by_role("tab", name="Import history").click()
    expect(main.get_by_text("undid import")).to_be_visible()
    expect(history).to_have_value(re.compile(r"browser_closer_export\.csv · deals$"))
    expect(main.get_by_role("button", name="Import undone")).to_be_disabled()
