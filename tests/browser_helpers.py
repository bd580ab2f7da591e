"""Small Playwright helpers in the spirit of Streamlit's own e2e suite: wait on run state, not sleeps."""

from __future__ import annotations

from pathlib import Path

from playwright.sync_api import Locator, Page, expect

SCREENSHOTS = Path(__file__).resolve().parent.parent / "docs" / "screenshots"


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
    """Screenshot the main area (Streamlit scrolls inside stMain, so full_page is not enough)."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=False)
    return path
