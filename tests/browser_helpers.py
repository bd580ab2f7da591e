"""Small Playwright helpers in the spirit of Streamlit's own e2e suite: wait on run state, not sleeps.

Screenshots go to test-results/screenshots/, which git ignores, so a test run leaves the tree as it
was. ``make screenshots`` sets ``REFRESH_README_SCREENSHOTS=1`` to copy them over the README's
pictures in docs/screenshots/ as well: the pictures change only when someone means them to.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
from datetime import date
from pathlib import Path

from playwright.sync_api import Locator, Page, expect
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError

REPO_ROOT = Path(__file__).resolve().parent.parent
SCREENSHOTS = REPO_ROOT / "test-results" / "screenshots"
README_PICTURES = REPO_ROOT / "docs" / "screenshots"
REFRESH_README_ENV = "REFRESH_README_SCREENSHOTS"

# Playwright's default 5 s for an expectation is too tight for a chart to draw on a loaded 2-core
# machine (a Review chart took longer than that while other work ran); a wrong page still fails,
# only later.
expect.set_options(timeout=20_000)


def wait_for_app(page: Page, timeout: float = 60_000, start_within: float = 2_000) -> None:
    """Wait until the run an action asked for has finished (the status widget is unreliable early on).

    The run state flips to ``running`` only once the server has the action's message: waiting for
    ``notRunning`` alone can pass before the run began (a loaded CI machine took longer than a fixed
    300 ms once, and the next click raced the run). So wait first for the run to start, for up to
    ``start_within`` ms: an action may start none, or a short run may come and go between two looks.
    Fragment runs flip the state too.
    """
    page.wait_for_selector("[data-testid=stApp]", timeout=timeout)
    with contextlib.suppress(PlaywrightTimeoutError):
        page.wait_for_selector("[data-testid=stApp][data-test-script-state=running]", timeout=start_within)
    page.wait_for_selector("[data-testid=stApp][data-test-script-state=notRunning]", timeout=timeout)


def fill_and_enter(page: Page, key: str, text: str) -> None:
    """Type into the keyed widget's box and press Enter, which sends it; wait for the run it starts."""
    box = get_element_by_key(page, key).locator("input").first
    box.fill(text)
    box.press("Enter")
    wait_for_app(page)
    expect(box).to_have_value(text)


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


def open_targets(page: Page, base_url: str) -> Locator:
    """Open the dashboard, go to Targets and wait for its table; the page's main area."""
    open_page(page, base_url)
    page.locator("[data-testid=stSidebarNav]").get_by_text("Targets", exact=True).click()
    main = page.locator("[data-testid=stMain]")
    expect(main.get_by_text("Per rep: range, target, chance")).to_be_visible(timeout=60_000)
    wait_for_app(page)
    return main


def override_shown_rep(page: Page, typed: str, written: str, reason: str) -> str:
    """In Targets' one-rep panel, override the rep it shows at base: type ``typed`` (its chance shows as
    ``written``, e.g. $150k), give ``reason``, press the button; the rep's name once the panel says so."""
    from dashboard.target_set_panel import one_rep_key

    main = page.locator("[data-testid=stMain]")
    rep = get_element_by_key(page, "tg_one_rep").locator("input").first.input_value()
    fill_and_enter(page, one_rep_key("value", rep, "base"), typed)
    expect(main.get_by_text(f"Chance of reaching {written}")).to_be_visible()
    fill_and_enter(page, one_rep_key("reason", rep, "base"), reason)
    click_button(page, "Override with reason")
    expect(main.get_by_text(f"Set {rep}'s base target to {written} ({reason})")).to_be_visible()
    return rep


def screenshot(page: Page, name: str) -> Path:
    """Screenshot the viewport as ``name``.png (Streamlit scrolls inside stMain: full_page adds nothing).

    Written to test-results/screenshots/; with ``REFRESH_README_SCREENSHOTS=1`` also copied over the
    README's picture of the same name.
    """
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=False)
    if os.environ.get(REFRESH_README_ENV) == "1" and (README_PICTURES / path.name).exists():   # (the README's own)
        shutil.copyfile(path, README_PICTURES / path.name)
    return path


def grid_headers(grid: Locator) -> list[str]:
    """The column headers of an ``st.dataframe``/``st.data_editor`` (its canvas keeps an accessible
    table beside it: headers as ``th``, the index column first). Waits for the canvas to draw it."""
    grid.locator("th").first.wait_for(state="attached")
    return [h.strip() for h in grid.locator("th").all_inner_texts()]


def grid_column(grid: Locator, name: str) -> int:
    """The place of the column headed ``name`` among :func:`grid_headers`, once that header is drawn (a
    grid drawn again after a rerun lists its headers a few at a time: reading them at the first one
    once missed a column)."""
    grid.locator("th").filter(has_text=re.compile(rf"^\s*{re.escape(name)}\s*$")).first.wait_for(state="attached")
    return grid_headers(grid).index(name)


def grid_texts(grid: Locator, include_headers: bool = True) -> list[str]:
    """The headers (unless ``include_headers`` is false) and the rendered cells of a table, row by row.

    The accessible table holds the cells' raw values (``64.99999999999997``, not the ``65%`` the canvas
    draws) and only the rows drawn so far: a tall viewport or a short table shows them all.
    """
    cells = grid.locator("[data-testid^=glide-cell-]").all_inner_texts()
    return (grid_headers(grid) if include_headers else []) + cells


def set_date(page: Page, label: str, day: date) -> None:
    """Type ``day`` into the ``st.date_input`` labelled ``label`` (its year, month and day segments) and
    leave the field: the widget sends its value when it loses focus, not on Enter."""
    page.get_by_role("spinbutton", name=f"year, {label}").click()
    page.keyboard.type(day.strftime("%Y%m%d"))
    page.locator("[data-testid=stMain] h1").first.click()
    wait_for_app(page)


_DRAWN_CELLS = """e => ({
    size: ['aria-colcount', 'aria-rowcount'].map(a => +(e.querySelector('table')?.getAttribute(a) || 0)),
    headers: Array.from(e.querySelectorAll('th')).map(th => [th.getAttribute('aria-colindex'), th.innerText]),
    cells: Array.from(e.querySelectorAll('[data-testid^=glide-cell-]')).map(
        td => [...td.dataset.testid.split('-').slice(-2), td.innerText]),
})"""


def grid_columns(grid: Locator) -> dict[str, list[str]]:
    """Every column of a table, header -> its cells, scrolling it sideways and down: the canvas draws (and its
    accessible table holds) only the cells in view. Cells are raw values, as :func:`grid_texts` says."""
    grid.locator("th").first.wait_for(state="attached")
    scroller = grid.locator(".dvn-scroller").first
    size = scroller.evaluate("e => [e.scrollWidth - e.clientWidth, e.clientWidth, e.scrollHeight - e.clientHeight, "
                             "e.clientHeight]")
    headers: dict[int, str] = {}
    cells: dict[tuple[int, int], str] = {}
    lefts = sorted({*range(0, size[0], max(size[1] - 150, 150)), max(size[0], 0)})
    tops = sorted({*range(0, size[2], max(size[3] - 100, 100)), max(size[2], 0)})
    drawn = grid.evaluate(_DRAWN_CELLS)          # read at once: the table redraws under a cell-by-cell read
    for left, top in [(x, y) for x in lefts for y in tops]:
        if (left, top) != (0, 0):
            scroller.evaluate("(e, [x, y]) => { e.scrollLeft = x; e.scrollTop = y; }", [left, top])
            before = drawn
            for _ in range(40):                  # until the canvas has drawn the cells now in view
                grid.page.wait_for_timeout(50)
                if (drawn := grid.evaluate(_DRAWN_CELLS)) != before:
                    break
        headers.update({int(col): text.strip() for col, text in drawn["headers"]})
        cells.update({(int(col), int(row)): text for col, row, text in drawn["cells"]})
        n_columns, n_rows = drawn["size"]      # (the header row counts as a row)
        if len(headers) >= n_columns and len(cells) >= n_columns * (n_rows - 1):
            break                                # everything is drawn: no need to scroll further
    scroller.evaluate("e => { e.scrollLeft = 0; e.scrollTop = 0; }")
    rows = sorted({r for _, r in cells})
    columns: dict[str, list[str]] = {}
    for col, name in sorted(headers.items()):    # (two columns may share a label: "Chance", "Chance")
        columns[name if name not in columns else f"{name} ({col})"] = [cells.get((col - 1, r), "") for r in rows]
    return columns


def chart_texts(scope: Locator) -> list[str]:
    """Every piece of text of the plotly charts in ``scope``: the figure each chart holds (its traces' names,
    x, y, text, hover text and custom data, its layout's titles and annotations, as JSON) and the SVG the
    browser drew (tick labels, legend). Plotly keeps the figure on its graph div (``.data``, ``.layout``)."""
    return scope.locator(".js-plotly-plot").evaluate_all(
        "els => els.flatMap(e => [JSON.stringify({data: e.data, layout: e.layout}), e.textContent])")


def open_selectbox(page: Page, key: str) -> Locator:
    """Open the list of the ``st.selectbox`` with ``key`` (a click in the box shows every option; typing would
    filter them) and return it. The list closes when anything around it scrolls, as the click's own scrolling
    into view may do: the box is scrolled to first, and clicked again if its list did not stay open."""
    box = get_element_by_key(page, key).get_by_role("combobox")
    listbox = page.get_by_role("listbox").last
    for attempt in range(3):
        box.scroll_into_view_if_needed()
        box.click()
        try:
            listbox.get_by_role("option").first.wait_for(timeout=3_000)
            return listbox
        except PlaywrightTimeoutError:
            if attempt == 2:
                raise
            page.keyboard.press("Escape")
    return listbox


def selectbox_options(page: Page, key: str) -> list[str]:
    """Every option of the ``st.selectbox`` with ``key``: opens its list, reads it, scrolled down step by step
    in case it draws only the options in view, and closes it again."""
    listbox = open_selectbox(page, key)
    seen: dict[str, None] = {}
    for _ in range(100):
        seen.update(dict.fromkeys(t.strip() for t in listbox.get_by_role("option").all_inner_texts()))
        if listbox.evaluate("e => { const end = e.scrollTop + e.clientHeight >= e.scrollHeight - 1; "
                            "e.scrollTop += e.clientHeight; return end; }"):
            break
        page.wait_for_timeout(50)
    page.keyboard.press("Escape")
    return list(seen)
