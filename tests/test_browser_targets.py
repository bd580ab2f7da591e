"""One calibration session in a real browser: choose tiers, override a rep with a reason, split a team number
at equal chance, save final, download every export and open it."""

from __future__ import annotations

import re
import uuid
from pathlib import Path

import openpyxl
import pytest
from browser_helpers import (
    click_button,
    fill_and_enter,
    get_element_by_key,
    open_targets,
    override_shown_rep,
    screenshot,
    wait_for_app,
)
from playwright.sync_api import Page, expect

pytestmark = pytest.mark.browser


def _download(page: Page, label: str, folder: Path, suffix: str) -> Path:
    """Click a download button and keep the file the browser receives."""
    with page.expect_download() as info:
        page.get_by_role("button", name=label).click()
    path = folder / info.value.suggested_filename
    info.value.save_as(path)
    assert path.suffix == suffix
    return path



def test_calibration_session_saves_final_and_exports_excel(page: Page, base_url: str, tmp_path):
    name = f"Browser plan {uuid.uuid4().hex[:8]}"       # the live database is shared by all browser tests
    main = open_targets(page, base_url)

    # Choose tiers: base at P40 -> 60% of reps expected to reach it.
    fill_and_enter(page, "tg_base", "40")
    expect(main.get_by_text("About 60% of reps are expected to reach base")).to_be_visible()

    # Override the first rep with a reason; the chance shows while typing.
    rep = override_shown_rep(page, "150000", "$150k", "new enterprise territory")

    # Split a team number at equal chance.
    get_element_by_key(page, "tg_split").get_by_text("Split a team number").click()
    wait_for_app(page)
    fill_and_enter(page, "tg_team", "4000000")
    expect(main.get_by_text("Team's chance of reaching it")).to_be_visible()
    expect(main.get_by_text("Equal-chance split: every rep has")).to_be_visible()

    # Save final under a unique name.
    fill_and_enter(page, "tg_name", name)
    fill_and_enter(page, "tg_author", "Browser manager")
    fill_and_enter(page, "tg_note", "Q1 calibration session")
    click_button(page, "Save final")
    expect(main.get_by_text(f"Save '{name}' as final?")).to_be_visible()
    click_button(page, "Yes, save as final")
    expect(main.get_by_text(f"Saved '{name}' v1 as final")).to_be_visible()
    expect(get_element_by_key(page, "tg_pick").locator("input").first).to_have_value(re.compile(re.escape(name)))

    page.set_viewport_size({"width": 1400, "height": 2600})
    page.locator("[data-testid=stMain]").evaluate("el => el.scrollTo(0, 0)")
    wait_for_app(page)
    screenshot(page, "targets")

    # Every export through the real download.
    book = openpyxl.load_workbook(_download(page, "Download Excel", tmp_path, ".xlsx"))
    assert book.sheetnames == ["Targets by rep", "Targets", "Activity plan", "Assumptions"]
    rows = list(book["Targets"].iter_rows(values_only=True))
    assert rows[0][:4] == ("Rep", "Tier", "Target", "Chance")
    overridden = [r for r in rows[1:] if r[1] == "base" and r[5] == "override"]
    assert len(overridden) == 1 and overridden[0][2] == 150000
    assert overridden[0][6] == "new enterprise territory"
    assert overridden[0][0] == rep
    by_rep = list(book["Targets by rep"].iter_rows(values_only=True))
    assert rep in [r[0] for r in by_rep[1:]]
    assumptions = dict(r[:2] for r in book["Assumptions"].iter_rows(values_only=True))
    assert assumptions["Target set"] == f"{name}, version 1 (final)"

    csv_text = _download(page, "Download CSV", tmp_path, ".csv").read_text()
    assert csv_text.splitlines()[0].startswith("Set,Version,Period,Metric,Rep,Tier,Target")
    assert "new enterprise territory" in csv_text and name in csv_text

    html = _download(page, "Download one-page summaries (HTML)", tmp_path, ".html").read_text()
    assert "SMART target" in html and html.count("<section>") >= 2
