"""Exports of a saved target set: CSV, a formatted Excel workbook, one-page HTML per rep.

Spreadsheet safety: any text cell that begins with ``=``, ``+``, ``-``, ``@``, a tab or a
carriage return is prefixed with a single quote, so a spreadsheet opening the file shows it as
text and never runs it as a formula (CSV and Excel alike; in Excel text is also written with
``write_string`` and the workbook has ``strings_to_formulas`` off). Numbers stay numbers.

The HTML is self-contained (inline CSS, no scripts, no network assets), every value escaped.
"""

from __future__ import annotations

import html
import io
import math
from pathlib import Path
from typing import TYPE_CHECKING, BinaryIO, TextIO

import pandas as pd
import xlsxwriter

from analytics import csv_writer, formatting
from analytics.csv_writer import FORMULA_STARTS, neutralise  # noqa: F401  (re-exported: the export API)
from analytics.metric_registry import metric_kind, resolve_metric
from analytics.sales_math import how_measured, smart_card
from analytics.target_sets import SavedTargetSet

if TYPE_CHECKING:
    from xlsxwriter.worksheet import Worksheet

TARGET_COLUMNS = [("rep", "Rep"), ("tier", "Tier"), ("target", "Target"), ("p_attain", "Chance"),
                  ("model_value", "Model value"), ("source", "Source"), ("reason", "Reason"),
                  ("rep_proposal", "Rep proposal")]
ACTIVITY_COLUMNS = [("rep", "Rep"), ("activity", "Activity"), ("per_period", "Per period"),
                    ("per_week", "Per week")]


def _blank(value: object) -> bool:
    return value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value))


def currency_symbol(saved: SavedTargetSet) -> str:
    """The set's currency as written before an amount: ``$`` when none is known.

    Read from the set's assumptions (``currency``: an ISO code such as ``EUR``, or a symbol); written as
    every page writes it (``formatting.currency_symbol``).
    """
    return formatting.currency_symbol(str(saved.assumptions.get("currency") or ""))


def _money_metric(saved: SavedTargetSet) -> bool:
    """Whether the set's targets are amounts of money (revenue) rather than counts (calls, deals)."""
    try:
        return metric_kind(saved.metric) == "money"
    except (KeyError, ValueError):  # (a metric this version no longer knows: its numbers stay plain)
        return False


def amount_text(saved: SavedTargetSet, x: float | None) -> str:
    """One of the set's amounts for a reader: money exact in the set's currency (``€99,000``), counts plain."""
    return formatting.money_exact(x, currency_symbol(saved)) if _money_metric(saved) else formatting.count(x)


def targets_table(saved: SavedTargetSet) -> pd.DataFrame:
    """The rows of the set with readable headers (Rep, Tier, Target, Chance, ...)."""
    rows = saved.rows.copy()
    return rows[[c for c, _ in TARGET_COLUMNS]].rename(columns=dict(TARGET_COLUMNS))


def ordinal(n: float) -> str:
    """``35`` -> ``35th``, ``1`` -> ``1st``, ``12.5`` -> ``12.5th``.

    >>> [ordinal(n) for n in (1, 2, 3, 11, 22, 35, 12.5)]
    ['1st', '2nd', '3rd', '11th', '22nd', '35th', '12.5th']
    """
    if float(n) != int(n):
        return f"{n:g}th"
    k = int(n)
    suffix = "th" if 10 <= k % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(k % 10, "th")
    return f"{k}{suffix}"


def a_chance(p: float) -> str:
    """``a 65% chance``, ``an 80% chance``, ``an 11% chance``: the article as the number is said.

    >>> a_chance(0.65), a_chance(0.8), a_chance(0.11), a_chance(0.18)
    ('a 65% chance', 'an 80% chance', 'an 11% chance', 'an 18% chance')
    """
    text = formatting.rate(p)
    spoken_with_vowel = text.startswith("8") or text.split("%")[0].split(".")[0] in ("11", "18")
    return f"{'an' if spoken_with_vowel else 'a'} {text} chance"


def tier_in_words(tier: str, percentile: float) -> str:
    """``Base tier: the 35th percentile of each rep's range (a 65% chance)``."""
    return (f"{tier.capitalize()} tier: the {ordinal(percentile)} percentile of each rep's range "
            f"({a_chance(1 - float(percentile) / 100)})")


METHODS_IN_WORDS = {
    "percentile": "each rep's tiers at percentiles of their own predictive range",
    "proportional": "the team target split in proportion to each rep's expected result",
    "equal-chance": "the team target split so every rep has the same chance of reaching base",
    "equal_chance": "the team target split so every rep has the same chance of reaching base",
}


def assumptions_table(saved: SavedTargetSet) -> list[tuple[str, str]]:
    """The set's assumptions as (what, in words) pairs: a reader sees sentences and formatted numbers,
    never floats (``a 65% chance``, ``$1,200,000``)."""
    a, symbol = saved.assumptions, currency_symbol(saved)
    amount = (lambda x: formatting.money_exact(x, symbol)) if _money_metric(saved) else formatting.count
    try:
        metric = resolve_metric(saved.metric).label
    except ValueError:
        metric = saved.metric
    items: list[tuple[str, object]] = [
        ("Target set", f"{saved.name}, version {saved.version} ({saved.status})"),
        ("Period", f"{saved.period} (one {saved.grain})"), ("Metric", metric),
        ("How measured", a.get("measured") or how_measured(saved.metric)),
        *[("Tiers", tier_in_words(k, v)) for k, v in saved.tiers.items()],
        ("Method", METHODS_IN_WORDS.get(str(saved.method), saved.method)),
        ("Team target", None if _blank(saved.team_target) else amount(saved.team_target)),
        ("Model", a.get("model")),
        # (a set without an activity plan, as an orders export's, has no plan to size: no line for it)
        ("Activity plan", None if _blank(a.get("confidence")) or saved.activity_rows.empty else
         f"sized so a rep who follows it reaches the target with {a_chance(a['confidence'])}"),
        ("Reps expected to reach base", None if _blank(a.get("base_share")) else
         f"{formatting.rate(a['base_share'])} of the reps"),
        ("Amounts in", symbol.strip() if _money_metric(saved) else None),
        ("Saved", f"{saved.updated_at:%d %b %Y %H:%M}" + (f" by {saved.updated_by}" if saved.updated_by else "")),
    ]
    team = a.get("team") or {}
    if team:
        items += [("Team's chance of reaching the team target", None if _blank(team.get("team_chance")) else
                   formatting.rate(team["team_chance"])),
                  ("Team total", f"median {amount(team.get('team_p50'))}; 1 chance in 10 of more than "
                                 f"{amount(team.get('team_p90'))}")]
    items += [(f"Note {i}", w) for i, w in enumerate(a.get("warnings") or [], start=1)]
    return [(k, str(v)) for k, v in items if not _blank(v)]


# ---------------------------------------------------------------- CSV
def write_csv(saved: SavedTargetSet, dest: str | Path | TextIO) -> None:
    """Targets as CSV (path or text buffer) through :mod:`analytics.csv_writer`: money to the cent,
    chances to the whole percent, formula-like text neutralised; money sets end with a Currency column."""
    table = saved.rows[[c for c, _ in TARGET_COLUMNS]].rename(columns=dict(TARGET_COLUMNS))
    table.insert(0, "Metric", saved.metric)
    table.insert(0, "Period", saved.period)
    table.insert(0, "Version", saved.version)
    table.insert(0, "Set", saved.name)
    if _money_metric(saved):    # the amounts' currency, so a file of euros is never read as dollars
        table["Currency"] = str(saved.assumptions.get("currency") or "") or None
    amount: csv_writer.ColumnKind = "money" if _money_metric(saved) else "number"
    csv_writer.write_frame(table, dest, {"Set": "text", "Target": amount, "Model value": amount,
                                         "Rep proposal": amount, "Chance": "chance", "Reason": "text",
                                         "Source": "text"})


def csv_text(saved: SavedTargetSet) -> str:
    buf = io.StringIO()
    write_csv(saved, buf)
    return buf.getvalue()


# ---------------------------------------------------------------- Excel
def _sheet(book: xlsxwriter.Workbook, ws: Worksheet, frame_rows: list[dict], columns: list[tuple[str, str]],
           formats: dict, widths: dict) -> None:
    header = book.add_format({"bold": True, "bg_color": "#1F3864", "font_color": "#FFFFFF", "border": 1,
                              "text_wrap": True, "valign": "top"})
    for j, (_, title) in enumerate(columns):
        ws.write_string(0, j, title, header)
        ws.set_column(j, j, widths.get(title, 14))
    for i, r in enumerate(frame_rows, start=1):
        for j, (key, _) in enumerate(columns):
            value = r.get(key)
            fmt = formats.get(key)
            if _blank(value):
                ws.write_blank(i, j, None, fmt)
            elif isinstance(value, int | float) and not isinstance(value, bool):
                ws.write_number(i, j, float(value), fmt)
            else:
                ws.write_string(i, j, str(neutralise(str(value))), fmt)
    ws.freeze_panes(1, 0)
    ws.autofilter(0, 0, max(len(frame_rows), 1), len(columns) - 1)


def by_rep_table(saved: SavedTargetSet) -> tuple[list[dict], list[tuple[str, str]]]:
    """One row per rep with each tier's target and, beside it, its chance: the sheet a manager forwards.

    Returns the rows and their (key, heading) columns: ``rep``, then ``<tier>`` and ``p_<tier>`` per tier.
    """
    targets, chances = saved.targets_by_tier, saved.chances_by_tier
    columns = [("rep", "Rep")]
    for tier in targets.columns:
        columns += [(tier, f"{tier.capitalize()} target"), (f"p_{tier}", f"{tier.capitalize()} chance")]
    rows = []
    for rep in targets.index:
        row: dict[str, object] = {"rep": rep}
        for tier in targets.columns:
            row[tier], row[f"p_{tier}"] = targets.at[rep, tier], chances.at[rep, tier]
        rows.append(row)
    return rows, columns


def excel_amount_format(saved: SavedTargetSet) -> str:
    """The Excel number format of the set's targets: the currency's symbol before money (``"€"#,##0``),
    none for counts (``#,##0``)."""
    if not _money_metric(saved):
        return "#,##0"
    symbol = currency_symbol(saved).replace('"', "")
    return f'"{symbol}"#,##0'


def _by_rep_sheet(book: xlsxwriter.Workbook, saved: SavedTargetSet, amount_format: str) -> None:
    rows, columns = by_rep_table(saved)
    title = book.add_format({"bold": True, "font_size": 13})
    amount = book.add_format({"num_format": amount_format})
    pct = book.add_format({"num_format": "0%", "font_color": "#555555"})
    ws = book.add_worksheet("Targets by rep")
    formats = {key: (pct if key.startswith("p_") else amount) for key, _ in columns[1:]}
    widths = {h: (10 if key.startswith("p_") else 16) for key, h in columns[1:]} | {"Rep": 24}
    _sheet(book, ws, rows, columns, formats, widths)
    # (the title goes to the right of the table, so the header stays row 1: frozen, filtered, sortable)
    ws.write_string(0, len(columns) + 1, str(neutralise(f"{saved.name} — {saved.period}")), title)
    ws.set_column(len(columns) + 1, len(columns) + 1, 30)
    ws.freeze_panes(1, 1)
    ws.set_landscape()
    ws.fit_to_pages(1, 0)
    ws.repeat_rows(0)


def write_excel(saved: SavedTargetSet, dest: str | Path | BinaryIO) -> None:
    """Workbook with sheets Targets by rep (the one to forward), Targets, Activity plan, Assumptions
    (path or binary buffer)."""
    book = xlsxwriter.Workbook(dest, {"strings_to_formulas": False, "strings_to_urls": False,
                                      "strings_to_numbers": False, "in_memory": True})
    amount_format = excel_amount_format(saved)
    _by_rep_sheet(book, saved, amount_format)
    money = book.add_format({"num_format": amount_format})
    count = book.add_format({"num_format": "#,##0.0"})
    pct = book.add_format({"num_format": "0%"})
    text = book.add_format({"text_wrap": False})
    _sheet(book, book.add_worksheet("Targets"), saved.rows.to_dict("records"), TARGET_COLUMNS,
           {"target": money, "model_value": money, "rep_proposal": money, "p_attain": pct, "reason": text},
           {"Rep": 22, "Tier": 12, "Target": 14, "Chance": 9, "Model value": 14, "Source": 14, "Reason": 40,
            "Rep proposal": 14})
    _sheet(book, book.add_worksheet("Activity plan"), saved.activity_rows.to_dict("records"), ACTIVITY_COLUMNS,
           {"per_period": count, "per_week": count}, {"Rep": 22, "Activity": 16, "Per period": 12, "Per week": 12})
    items = [{"key": k, "value": v} for k, v in assumptions_table(saved)]
    wrap = book.add_format({"text_wrap": True, "valign": "top"})
    _sheet(book, book.add_worksheet("Assumptions"), items, [("key", "Assumption"), ("value", "Value")],
           {"key": wrap, "value": wrap}, {"Assumption": 34, "Value": 90})
    book.close()


def excel_bytes(saved: SavedTargetSet) -> bytes:
    buf = io.BytesIO()
    write_excel(saved, buf)
    return buf.getvalue()


# ---------------------------------------------------------------- HTML (one page per rep)
_CSS = """
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:#1b1b1b;margin:0;background:#fff}
section{max-width:760px;margin:0 auto;padding:24px 28px;page-break-after:always;break-after:page}
h1{font-size:20px;margin:0 0 4px}h2{font-size:15px;margin:18px 0 6px;color:#1F3864}
.sub{color:#555;font-size:13px;margin-bottom:8px}
table{border-collapse:collapse;width:100%;font-size:13px}
th,td{border-bottom:1px solid #ddd;padding:4px 6px;text-align:left}td.n,th.n{text-align:right}
th{background:#eef2f8}.card td:first-child{font-weight:600;width:110px}
.note{font-size:12px;color:#555;margin-top:6px}
@media print{section{padding:0}}
"""


def smart_cards(saved: SavedTargetSet, tier: str = "base") -> dict[str, dict]:
    """The SMART card of every rep's ``tier`` target, from what the set stored."""
    period = saved.fiscal_period
    rows = saved.rows[saved.rows["tier"] == tier]
    team_total = saved.team_target or float(rows["target"].sum())
    weights = saved.assumptions.get("within_period_weights")
    plans, focus = saved.assumptions.get("plans") or {}, saved.assumptions.get("focus") or {}
    median = float(rows["target"].median()) if len(rows) else None    # (what an average is set beside)
    return {r["rep"]: smart_card(r["rep"], saved.metric, r["target"], r["p_attain"], period,
                                 team_total=team_total, weights=weights, plan=plans.get(r["rep"]),
                                 focus=focus.get(r["rep"], ""), tier=tier, currency=currency_symbol(saved),
                                 team_median=median)
            for r in rows.to_dict("records")}


def _e(value: object) -> str:
    return html.escape("" if _blank(value) else str(value))


def _metric_words(saved: SavedTargetSet) -> str:
    """The set's metric inside a sentence (``won revenue``), its stored name when it is not a known metric."""
    try:
        return resolve_metric(saved.metric).words
    except ValueError:
        return saved.metric


def _rep_section(saved: SavedTargetSet, rep: str, card: dict | None) -> str:
    rows = saved.rows[saved.rows["rep"] == rep]
    acts = saved.activity_rows[saved.activity_rows["rep"] == rep]
    out = [f"<section><h1>{_e(rep)} — {_e(_metric_words(saved))} targets for {_e(saved.period)}</h1>",
           f'<div class="sub">{_e(saved.name)} v{saved.version} ({_e(saved.status)}) · check-in summary</div>']
    if card:
        out.append('<h2>SMART target</h2><table class="card">')
        for key, label in (("specific", "Specific"), ("measurable", "Measurable"), ("achievable", "Achievable"),
                           ("relevant", "Relevant"), ("time_bound", "Time-bound")):
            if card[key]:
                out.append(f"<tr><td>{label}</td><td>{_e(card[key])}</td></tr>")
        out.append("</table>")
    out.append("<h2>Tiers</h2><table><tr><th>Tier</th><th class='n'>Target</th><th class='n'>Chance</th><th>Source</th>"
               "<th>Reason</th></tr>")
    for r in rows.to_dict("records"):
        out.append(f"<tr><td>{_e(r['tier'])}</td><td class=n>{_e(amount_text(saved, r['target']))}</td>"
                   f"<td class=n>{_e(formatting.rate(r['p_attain']))}</td>"
                   f"<td>{_e(r['source'])}</td><td>{_e(r['reason'])}</td></tr>")
    out.append("</table>")
    if len(acts):
        out.append("<h2>Activity plan</h2><table><tr><th>Activity</th><th class='n'>Per period</th><th class='n'>Per week</th></tr>")
        for r in acts.to_dict("records"):
            out.append(f"<tr><td>{_e(r['activity'])}</td><td class=n>{_e(formatting.count(r['per_period']))}</td>"
                       f"<td class=n>{_e(formatting.count(r['per_week']))}</td></tr>")
        out.append("</table>")
    if card and (card.get("plan") or card.get("focus")):
        text = "; ".join(x for x in (card.get("plan"), card.get("focus")) if x)
        out.append(f'<div class="note">{_e(text[:1].upper() + text[1:])}.</div>')
    if card and card["milestones"]:     # (an average is the whole period's: none)
        out.append("<h2>Milestones (cumulative)</h2><table><tr><th>By</th><th class='n'>Cumulative target</th></tr>")
        for when, value in card["milestones"]:
            out.append(f"<tr><td>{when.isoformat()}</td><td class=n>{_e(amount_text(saved, value))}</td></tr>")
        out.append("</table>")
    out.append("</section>")
    return "\n".join(out)


def rep_summary_html(saved: SavedTargetSet, reps: list[str] | None = None) -> str:
    """A self-contained HTML document: one printable page per rep (all reps by default)."""
    cards = smart_cards(saved) if "base" in saved.tiers else {}
    reps = list(dict.fromkeys(saved.rows["rep"])) if reps is None else reps
    body = "\n".join(_rep_section(saved, rep, cards.get(rep)) for rep in reps)
    return (f'<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>{_e(saved.name)} '
            f"v{saved.version} — {_e(saved.period)}</title><style>{_CSS}</style></head><body>\n{body}\n"
            "</body></html>\n")


def export_set(saved: SavedTargetSet, path: str | Path) -> Path:
    """Write the set as .csv, .xlsx or .html, chosen by the file suffix."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix == ".csv":
        write_csv(saved, path)
    elif suffix == ".xlsx":
        write_excel(saved, str(path))
    elif suffix in (".html", ".htm"):
        path.write_text(rep_summary_html(saved), encoding="utf-8")
    else:
        raise ValueError(f"export to .csv, .xlsx or .html, not {path.name!r}")
    return path
