"""Small Playwright helpers in the spirit of Streamlit's own e2e suite: wait on run state, not sleeps.

Screenshots go to test-results/screenshots/, which git ignores, so a test run leaves the tree as it
was. ``make screenshots`` sets ``REFRESH_README_SCREENSHOTS=1`` to copy them over the README's
pictures in docs/screenshots/ as well: the pictures change only when someone means them to.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

from playwright.sync_api import Locator, Page, expect

REPO_ROOT = Path(__file__).resolve().parent.parent
SCREENSHOTS = REPO_ROOT / "test-results" / "screenshots"
README_PICTURES = REPO_ROOT / "docs" / "screenshots"
REFRESH_README_ENV = "REFRESH_README_SCREENSHOTS"

# Playwright's default 5 s for an expectation is too tight for a chart to draw on a loaded 2-core
# machine (a Review chart took longer than that while other work ran); a wrong page still fails,
# only later.
expect.set_options(timeout=20_000)


def wait_for_app(page: Page, timeout: float = 60_000) -> None:
    """Wait until the script has finished its run (the status widget is unreliable early on)."""
    page.wait_for_selector("[data-testid=stApp]", timeout=timeout)
    page.wait_for_timeout(300)  # the run state flips to running only after the first message
    page.wait_for_selector("[data-testid=stApp][data-test-script-state=notRunning]", timeout=timeout)


def get_element_by_key(page: Page, key: str) -> Locator:
    """Streamlit marks keyed elements with the class st-key-<key>."""
    return page.locator(f".st-key-{key}")


def click_button(page: Page, label: str) -> None:
    page.get_by_role("button", name=label).first.click()
    wait_for_app(page)


def open_page(page: Page, base_url: str, url_path: str = "") -> None:
    page.goto(f"{base_url}/{url_path}")
    wait_for_app(page)
    expect(page.locator("[data-testid=stMain]")).to_be_visible()


def screenshot(page: Page, name: str) -> Path:
    """Screenshot the viewport as ``name``.png (Streamlit scrolls inside stMain: full_page adds nothing).

    Written to test-results/screenshots/; with ``REFRESH_README_SCREENSHOTS=1`` also copied over the
    README's picture of the same name.
    """
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=False)
    if os.environ.get(REFRESH_README_ENV) == "1":
        shutil.copyfile(path, README_PICTURES / path.name)
    return path
