"""The whole calibration meeting in a real browser, on an orders-only company (issue #13, "Done when").

A manager with 14 reps and an export of won orders in euros (no activities, no created dates, no
stages, no roster, no quotas) plans 2026-Q2: Targets (base at P40, a team number split at equal
chance, two overrides with reasons, one accepted proposal, a name and an author) -> every other page
and back (the same draft, an honest team total) -> save final (confirmed) -> CSV, Excel and HTML
downloads -> Tracking at 15 May (mid-period) -> Review once the quarter is over.

At every step the page must not show a zero for data that was never imported (calls, win rates,
pipeline), nor "Infinity", "None", "nan", nor a dollar sign on euro data. Each step is
screenshotted to test-results/screenshots/meeting-*.png.
"""

from __future__ import annotations

import csv
import io
import re
from datetime import date
from pathlib import Path

import openpyxl
import pytest
from browser_helpers import (
    click_button,
    fill_and_enter,
    get_element_by_key,
    grid_column,
    grid_columns,
    open_page,
    open_selectbox,
    screenshot,
    set_date,
    wait_for_app,
)
from helpers import running_server
from orders_fixtures import build_meeting_company
from playwright.sync_api import Page, expect

from analytics import store
from dashboard.target_set_panel import one_rep_key

pytestmark = [pytest.mark.browser, pytest.mark.slow]

PERIOD = "2026-Q2"                 # the data ends on 30 Jun 2026, the quarter's last day: tracked, then reviewed
MID_PERIOD = date(2026, 5, 15)     # the day Tracking looks at: six weeks of the quarter's data in
SET_NAME, AUTHOR = "Q2 meeting plan", "Dana Manager"
TEAM_NUMBER = 1_050_000
OVERRIDES = {"Rep B": (45_000, "new key account in Lyon"), "Rep E": (30_000, "on leave for three weeks")}
ACCEPTED = ("Rep H", 52_000)

# What a manager must never read. (Absent data is named once, "No activities imported: calls, ... are
# not shown", so the words themselves are allowed; figures of them are not.)
NONSENSE = [
    (re.compile(r"Infinity|\binf\b|∞", re.I), "an infinite number"),
    (re.compile(r"\bNone\b"), "'None'"),
    (re.compile(r"\bnan\b|\bNaN\b|\bNaT\b"), "'nan'"),
    (re.compile(r"\$"), "a dollar sign on euro data"),
    (re.compile(r"\b0 (calls|meetings|demos|opportunit\w+)\b|\b(calls|meetings|demos|opportunities)\s*:?\s*0\b",
                re.I), "a zero count of an activity that was never imported"),
    (re.compile(r"win rate\s*:?\s*\d+(\.\d+)?%|\d+(\.\d+)?% win rate", re.I), "a win rate without lost deals"),
    (re.compile(r"activity volume short|conversion short|\b0% of pace", re.I),
     "a cause the data cannot show"),
]
# Table columns of data that was never imported.
ABSENT_COLUMNS = re.compile(r"^(calls|meetings|demos|emails|proposals|opportunities|win rate|pipeline|"
                            r"calls? ?/ ?week.*|meetings? ?/ ?week.*|.*→.*)( before)?$", re.I)


@pytest.fixture(scope="module")
def meeting_server(tmp_path_factory):
    db = build_meeting_company(tmp_path_factory.mktemp("meeting"))
    conn = store.connect(str(db))
    try:    # what the team had won by the middle of the quarter: Tracking must show this, not the quarter's end
        won_by_mid_period = conn.execute("SELECT sum(amount) FROM deals WHERE close_date BETWEEN ? AND ?",
                                         [date(2026, 4, 1), MID_PERIOD]).fetchone()[0]
    finally:
        conn.close()
    with running_server(db) as server:
        server.won_by_mid_period = float(won_by_mid_period)
        yield server


# ---------------------------------------------------------------- what the manager does
def _nav(page: Page, title: str) -> None:
    page.locator("[data-testid=stSidebarNav]").get_by_text(title, exact=True).click()
    wait_for_app(page)



def _choose(page: Page, key: str, option: str) -> None:
    # (open_selectbox opens the list again when a rerun or a scroll closed it: a bare click lost it once in CI)
    wait_for_app(page)
    open_selectbox(page, key).get_by_role("option", name=option, exact=True).click()
    wait_for_app(page)


def _download(page: Page, label: str, folder: Path) -> Path:
    with page.expect_download(timeout=60_000) as info:
        page.get_by_role("button", name=label).click()
    path = folder / info.value.suggested_filename
    info.value.save_as(path)
    return path


# ---------------------------------------------------------------- what the manager sees
def _main(page: Page):
    return page.locator("[data-testid=stMain]")


def _problems(page: Page) -> list[str]:
    """Everything wrong on the page as shown: its text, and its tables' headers and cells."""
    main = _main(page)
    texts = {"page": main.inner_text()}
    grids = [g for g in main.locator("[data-testid=stDataFrame]").all() if g.is_visible()]  # (not in a closed tab)
    tables = [grid_columns(g) for g in grids]
    for i, columns in enumerate(tables):
        texts[f"table {i + 1}"] = " | ".join([*columns, *(c for cells in columns.values() for c in cells)])
    found = [f"{what} ({where}: …{text[max(m.start() - 60, 0):m.end() + 60]!r}…)"
             for where, text in texts.items() for pattern, what in NONSENSE
             for m in list(pattern.finditer(text))[:1]]
    for i, columns in enumerate(tables):
        first = next(iter(columns.values()), [])
        found += [f"a column of data that was never imported: {h!r} (table {i + 1})"
                  for h in columns if ABSENT_COLUMNS.match(h.strip())]
        found += [f"a row of data that was never imported: {name!r} (table {i + 1})"
                  for name in first if ABSENT_COLUMNS.match(name.strip())]
        found += [f"a raw column name {h!r} (table {i + 1})" for h in columns if re.fullmatch(r"[a-z_0-9]+", h)]
        found += [f"a blank in the number column {h!r} (table {i + 1}, row {first[n]!r}): the table draws a missing "
                  "number as 'None'" for h, cells in columns.items() if _numbers(cells)
                  for n, cell in enumerate(cells) if cell == ""]
    return found


def _numbers(cells) -> bool:
    """Whether a column's drawn cells are numbers but for blanks (the accessible table holds raw values)."""
    cells = [c for c in cells if c != ""]
    return bool(cells) and all(re.fullmatch(r"-?\d+(\.\d+)?(e[-+]?\d+)?", c) for c in cells)


def _step(page: Page, name: str, problems: dict[str, list[str]], top: bool = True) -> None:
    """Look at the page as the manager does: note what is wrong, keep a picture (of its top, unless
    ``top`` is false: then where the last click left it)."""
    closed = _main(page).locator("[data-testid=stExpander] details:not([open]) > summary")
    for _ in range(closed.count()):   # what is folded away is shown too (opening one does not rerun the page)
        closed.first.click()
    if top:
        _main(page).evaluate("el => el.scrollTo(0, 0)")
    page.wait_for_timeout(400)        # plotly and the table canvas draw a moment after the run ends
    problems[name] = _problems(page)
    screenshot(page, f"meeting-{name}")


def _draft_as_shown(page: Page) -> dict:
    """The working draft as the Targets page shows it."""
    main = _main(page)

    def value(key: str) -> str:
        return get_element_by_key(page, key).locator("input").first.input_value()

    columns = grid_columns(main.locator("[data-testid=stDataFrame]").filter(has_text="Rep's proposal"))
    cells = [dict(zip(columns, row, strict=True)) for row in zip(*columns.values(), strict=True)]
    return {
        "caption": main.get_by_text("Working draft:").inner_text(),
        "base": value("tg_base"), "team": value("tg_team"), "name": value("tg_name"), "author": value("tg_author"),
        "split": get_element_by_key(page, "tg_split").locator("input").is_checked(),
        "resplit": get_element_by_key(page, "tg_team_rest").get_by_role("radio").first.is_checked(),
        "honesty": main.get_by_text("Team total at base €").inner_text(),
        "reasons": {r["Rep"]: r["Reason"] for r in cells if r["Reason"]},
        "targets": {r["Rep"]: r["Target"] for r in cells},
        "sources": {r["Rep"]: r["Source"] for r in cells if r["Source"] != "model"},
    }


def _euros(text: str) -> float:
    """An amount as written (``€1,050,000``, ``€1.05M``, ``€3k``, ``1050000``)."""
    number = float(re.sub(r"[^\d.]", "", text))
    return number * {"k": 1e3, "M": 1e6}.get(text.strip()[-1], 1)


# ---------------------------------------------------------------- the meeting
def test_the_whole_meeting_on_an_orders_only_company(page: Page, meeting_server, tmp_path):
    problems: dict[str, list[str]] = {}
    page.set_viewport_size({"width": 1400, "height": 2600})
    main = _main(page)

    # ---- open: Overview says once what was not imported, in euros
    open_page(page, meeting_server.url)
    expect(main.get_by_text("No activities imported")).to_be_visible()
    expect(main.get_by_text(re.compile(r"^€[\d.,]+[kM]?$")).first).to_be_visible()
    _step(page, "01-overview", problems)

    # ---- Targets for 2026-Q2: base at P40, a team number split at equal chance
    _choose(page, "period_label_quarter", PERIOD)
    _nav(page, "Targets")
    expect(main.get_by_text("Per rep: range, target, chance")).to_be_visible(timeout=60_000)
    fill_and_enter(page, "tg_base", "40")
    get_element_by_key(page, "tg_split").get_by_text("Split a team number").click()
    wait_for_app(page)
    fill_and_enter(page, "tg_team", str(TEAM_NUMBER))
    expect(main.get_by_text("Equal-chance split: every rep has")).to_be_visible()

    # two overrides with reasons, one proposal accepted: each button says what it did
    for rep, (target, reason) in OVERRIDES.items():
        _choose(page, "tg_one_rep", rep)
        fill_and_enter(page, one_rep_key("value", rep, "base"), str(target))
        fill_and_enter(page, one_rep_key("reason", rep, "base"), reason)
        click_button(page, "Override with reason")
        expect(main.get_by_text(f"Set {rep}'s base target to €{target // 1000}k ({reason}).")).to_be_visible()
    rep, proposal = ACCEPTED
    _choose(page, "tg_one_rep", rep)
    expect(get_element_by_key(page, one_rep_key("reason", rep, "base")).locator("input")).to_have_value("")
    fill_and_enter(page, one_rep_key("value", rep, "base"), str(proposal))
    click_button(page, "Accept proposal as target")
    expect(main.get_by_text(f"Set {rep}'s base target to €{proposal // 1000}k (the rep's proposal, accepted "
                            "as target).")).to_be_visible()
    fill_and_enter(page, "tg_name", SET_NAME)
    fill_and_enter(page, "tg_author", AUTHOR)

    # the team total is honest: under re-split (the default) it is the team number, and says why
    honesty = main.get_by_text("Team total at base €")
    expect(honesty).to_contain_text("= the team number")
    expect(honesty).to_contain_text("3 edited rep(s)")
    expect(main.get_by_text("€0 against the team number")).to_be_visible()
    draft = _draft_as_shown(page)
    assert draft["base"] == "40" and draft["split"] and draft["resplit"]
    assert _euros(draft["team"]) == TEAM_NUMBER
    assert draft["sources"] == {"Rep B": "override", "Rep E": "override", "Rep H": "rep proposal"}
    assert draft["name"] == SET_NAME and draft["author"] == AUTHOR
    assert draft["reasons"] == {**{r: why for r, (_, why) in OVERRIDES.items()},
                                ACCEPTED[0]: "the rep's own proposal (buy-in)"}
    assert sum(float(v) for v in draft["targets"].values()) == pytest.approx(TEAM_NUMBER, abs=len(draft["targets"]))
    for part in (SET_NAME, f"{PERIOD}", "P40", "team number €1.05M", "re-split", "3 edited targets", f"by {AUTHOR}"):
        assert part in draft["caption"], (part, draft["caption"])
    _step(page, "02-targets-draft", problems)

    # ---- every other page, and back: the same draft
    for title in ("Overview", "Baselines", "Tracking", "Review", "Backtest", "Import"):
        _nav(page, title)
        expect(main.get_by_role("heading").first).to_be_visible()
        _step(page, f"03-visit-{title.lower()}", problems)
    _nav(page, "Targets")
    expect(main.get_by_text("Per rep: range, target, chance")).to_be_visible(timeout=60_000)
    assert _draft_as_shown(page) == draft
    _step(page, "04-targets-after-visits", problems)

    # keeping the shortfall instead: the total is the edited targets' sum, its difference said in words
    editor = main.locator("[data-testid=stDataFrame]").filter(has_text="Rep's proposal")
    rep_a_target = editor.get_by_test_id(f"glide-cell-{grid_column(editor, 'Target')}-0")
    before = rep_a_target.inner_text()
    get_element_by_key(page, "tg_team_rest").get_by_text("Keep the shortfall").click()
    wait_for_app(page)
    expect(rep_a_target).not_to_have_text(before)     # the canvas redraws a moment after the run
    in_words = main.get_by_text("Team total at base €")
    expect(in_words).to_contain_text("(kept: the set is saved with it)")
    kept = {rep: float(v) for rep, v in _draft_as_shown(page)["targets"].items()}
    words = re.search(r"base (€[\d.,]+[kM]?) is (€[\d.,]+[kM]?) (short of|above) the team number (€[\d.,]+[kM]?)",
                      in_words.inner_text())
    assert words, in_words.inner_text()
    total, gap = _euros(words[1]), _euros(words[2]) * (-1 if words[3] == "short of" else 1)
    assert (total, _euros(words[4])) == (pytest.approx(sum(kept.values()), rel=0.005), pytest.approx(TEAM_NUMBER))
    assert gap == pytest.approx(sum(kept.values()) - TEAM_NUMBER, abs=max(1_000, 0.01 * abs(gap)))
    _step(page, "04b-targets-shortfall-kept", problems)
    get_element_by_key(page, "tg_team_rest").get_by_text("Re-split the rest").click()
    wait_for_app(page)
    expect(main.get_by_text("€0 against the team number")).to_be_visible()

    # ---- save final, confirmed
    click_button(page, "Save final")
    expect(main.get_by_text(f"Save '{SET_NAME}' as final?")).to_be_visible()
    click_button(page, "Yes, save as final")
    expect(main.get_by_text(f"Saved '{SET_NAME}' v1 as final")).to_be_visible()
    _step(page, "05-saved-final", problems, top=False)
    if main.get_by_text(f"Save '{SET_NAME}' as final?").is_visible():
        problems["05-saved-final"].append("the question 'Save … as final?' and its Yes/Cancel buttons stay on screen "
                                          "under 'Saved … as final'")
    for label in ("Save draft", "Save final"):
        if page.get_by_role("button", name=label, exact=True).is_enabled():
            problems["05-saved-final"].append(f"'{label}' is still enabled on the read-only final set")

    # ---- every export: money to the cent, chances in whole percent, euros
    said = problems.setdefault("05-exports", [])
    rows = list(csv.DictReader(io.StringIO(_download(page, "Download CSV", tmp_path).read_text(encoding="utf-8"))))
    assert {r["Rep"] for r in rows} == set(draft["targets"]) and all(r["Period"] == PERIOD for r in rows)
    said += [f"CSV {column} not to the cent: {r[column]!r} ({r['Rep']} {r['Tier']})" for r in rows
             for column in ("Target", "Model value", "Rep proposal") if not re.fullmatch(r"(\d+\.\d\d)?", r[column])]
    said += [f"CSV chance not a whole percent: {r['Chance']!r}" for r in rows if not re.fullmatch(r"\d{1,3}%", r["Chance"])]
    base = {r["Rep"]: r for r in rows if r["Tier"] == "base"}
    for rep, (target, reason) in OVERRIDES.items():
        assert (base[rep]["Target"], base[rep]["Source"], base[rep]["Reason"]) == (f"{target}.00", "override", reason)
    assert (base["Rep H"]["Target"], base["Rep H"]["Source"]) == (f"{ACCEPTED[1]}.00", "rep proposal")
    assert sum(float(r["Target"]) for r in base.values()) == pytest.approx(TEAM_NUMBER, abs=0.05 * len(base))
    csv_cells = [*rows[0], *(v for r in rows for v in r.values())]
    said += [f"CSV cell {v!r}" for v in csv_cells if re.search(r"\$|^nan$|^None$|\binf\b|infinity", v, re.I)]
    if {r.get("Currency") for r in rows} != {"EUR"}:
        said.append("the CSV's amounts do not say their currency (a Currency column of EUR)")

    book = openpyxl.load_workbook(_download(page, "Download Excel", tmp_path))
    by_rep = book["Targets by rep"]
    assert [c.value for c in by_rep[1]][:3] == ["Rep", "Base target", "Base chance"]
    if "€" not in by_rep.cell(2, 2).number_format:
        said.append(f"Excel target format {by_rep.cell(2, 2).number_format!r} is not in euros")
    if by_rep.cell(2, 3).number_format != "0%":
        said.append(f"Excel chance format {by_rep.cell(2, 3).number_format!r} is not a whole percent")
    if by_rep.freeze_panes is None:
        said.append("Excel 'Targets by rep' header is not frozen")
    said += [f"Excel {sheet.title}: {cell!r}" for sheet in book.worksheets for row in sheet.iter_rows(values_only=True)
             for cell in row if isinstance(cell, str) and re.search(r"\$|\bNone\b|\bnan\b|\binf", cell)]
    said += [f"Excel activity plan row of data never imported: {r}" for r in
             book["Activity plan"].iter_rows(min_row=2, values_only=True)
             if r[1] in ("calls", "meetings", "demos", "opportunities")]
    assumptions = dict(r[:2] for r in book["Assumptions"].iter_rows(values_only=True))
    assert assumptions["Target set"] == f"{SET_NAME}, version 1 (final)"
    if (assumptions.get("Amounts in"), assumptions.get("Team target")) != ("€", "€1,050,000"):
        said.append(f"Excel assumptions: amounts in {assumptions.get('Amounts in')!r}, team target "
                    f"{assumptions.get('Team target')!r}")

    summaries = _download(page, "Download one-page summaries (HTML)", tmp_path).read_text(encoding="utf-8")
    assert summaries.count("<section>") == len(draft["targets"])
    assert "€45,000" in summaries and "new key account in Lyon" in summaries
    if f"Rep B — won revenue targets for {PERIOD}" not in summaries:
        said.append("the HTML summaries' headings do not name the metric in words (won revenue)")
    said += [f"HTML summaries: …{summaries[max(m.start() - 60, 0):m.end() + 60]!r}…"
             for m in re.finditer(r"\$|\bNone\b|\bnan\b|Infinity|<script", summaries)][:3]

    # ---- Tracking mid-period: 15 May, six weeks into the quarter's data
    _nav(page, "Tracking")
    expect(main.get_by_text(f"{SET_NAME} v1 · {PERIOD}").first).to_be_visible()
    set_date(page, "As of", MID_PERIOD)
    expect(main.get_by_text(f"as of {MID_PERIOD:%d %b %Y}")).to_be_visible()
    to_date = page.locator("[data-testid=stMetric]").filter(has_text="Team to date").get_by_test_id("stMetricValue")
    assert _euros(to_date.inner_text()) == pytest.approx(meeting_server.won_by_mid_period, rel=0.005)
    expect(main.locator(".js-plotly-plot")).to_have_count(2)
    _step(page, "06-tracking-mid-period", problems)
    activities = main.locator("[data-testid=stExpander]").filter(has_text="to date against their targets")
    shown = grid_columns(activities.locator("[data-testid=stDataFrame]"))
    kinds = set(shown.get("Activity", shown.get("activity", [])))
    problems["06-tracking-mid-period"] += [f"Tracking's activities to date show {k!r}, never imported"
                                           for k in kinds & {"calls", "meetings", "demos", "opportunities"}]

    # ---- Review after the quarter
    _nav(page, "Review")
    expect(main.get_by_text(f"{SET_NAME} v1 · {PERIOD}").first).to_be_visible()
    expect(main.get_by_text("Brier score")).to_be_visible()
    expect(main.get_by_text("Were our chances honest?")).to_be_visible()
    _step(page, "07-review", problems)
    with page.expect_download(timeout=60_000) as info:
        page.get_by_role("button", name="Download the review report (HTML)").click()
    report = Path(info.value.path()).read_text(encoding="utf-8")
    said = problems.setdefault("07-review-report", [])
    if "€" not in report:
        said.append("the review report shows no euro amount")
    said += [f"review report: …{report[max(m.start() - 60, 0):m.end() + 60]!r}…" for m in
             re.finditer(r"\$|\bNone\b|\bnan\b|Infinity|result_previous|p_quota_model|\w+_to_\w+", report)][:5]

    wrong = [f"{step}: {what}" for step, found in problems.items() for what in found]
    assert not wrong, "What the manager saw that is wrong:\n" + "\n".join(wrong)
