"""Exports of a saved target set: CSV, a formatted Excel workbook, one-page HTML per rep.

Spreadsheet safety: any text cell that begins with ``=``, ``+``, ``-``, ``@``, a tab or a
carriage return is prefixed with a single quote, so a spreadsheet opening the file shows it as
text and never runs it as a formula (CSV and Excel alike; in Excel text is also written with
``write_string`` and the workbook has ``strings_to_formulas`` off). Numbers stay numbers.

The HTML is self-contained (inline CSS, no scripts, no network assets), every value escaped.
"""

from __future__ import annotations

import csv
import html
import io
import math
from pathlib import Path
from typing import TYPE_CHECKING, BinaryIO, TextIO

import pandas as pd
import xlsxwriter

from analytics import formatting
from analytics.sales_math import how_measured, smart_card
from analytics.target_sets import SavedTargetSet

if TYPE_CHECKING:
    from xlsxwriter.worksheet import Worksheet

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
TARGET_COLUMNS = [("rep", "Rep"), ("tier", "Tier"), ("target", "Target"), ("p_attain", "Chance"),
                  ("model_value", "Model value"), ("source", "Source"), ("reason", "Reason"),
                  ("rep_proposal", "Rep proposal")]
ACTIVITY_COLUMNS = [("rep", "Rep"), ("activity", "Activity"), ("per_period", "Per period"),
                    ("per_week", "Per week")]


def neutralise(value: object) -> object:
    """Text that a spreadsheet would run as a formula gets a leading single quote; the rest is unchanged."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def _blank(value: object) -> bool:
    return value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value))


def targets_table(saved: SavedTargetSet) -> pd.DataFrame:
    """The rows of the set with readable headers (Rep, Tier, Target, Chance, ...)."""
    rows = saved.rows.copy()
    return rows[[c for c, _ in TARGET_COLUMNS]].rename(columns=dict(TARGET_COLUMNS))


def assumptions_table(saved: SavedTargetSet) -> list[tuple[str, object]]:
    a = saved.assumptions
    items: list[tuple[str, object]] = [
        ("Target set", saved.name), ("Version", saved.version), ("Status", saved.status),
        ("Period", saved.period), ("Grain", saved.grain), ("Metric", saved.metric),
        ("How measured", a.get("measured") or how_measured(saved.metric)),
        ("Tiers (percentiles)", ", ".join(f"{k} P{v:g}" for k, v in saved.tiers.items())),
        ("Method", saved.method), ("Team target", saved.team_target),
        ("Model", a.get("model")), ("Activity plan confidence", a.get("confidence")),
        ("Expected share of reps reaching base", a.get("base_share")),
        ("Saved", f"{saved.updated_at:%Y-%m-%d %H:%M}" + (f" by {saved.updated_by}" if saved.updated_by else "")),
    ]
    team = a.get("team") or {}
    if team:
        items += [("Team's chance of reaching the team target", team.get("team_chance")),
                  ("Team P50 / P90", f"{formatting.count(team.get('team_p50'))} / {formatting.count(team.get('team_p90'))}")]
    items += [(f"Note {i}", w) for i, w in enumerate(a.get("warnings") or [], start=1)]
    return [(k, v) for k, v in items if not _blank(v)]


# ---------------------------------------------------------------- CSV
def write_csv(saved: SavedTargetSet, dest: str | Path | TextIO) -> None:
    """Targets as CSV (path or text buffer), with formula-like text neutralised."""
    fh = (open(dest, "w", newline="", encoding="utf-8")  # noqa: SIM115
          if isinstance(dest, str | Path) else dest)
    try:
        writer = csv.writer(fh)
        header = ["Set", "Version", "Period", "Metric"] + [h for _, h in TARGET_COLUMNS]
        writer.writerow(header)
        for r in saved.rows.to_dict("records"):
            values = [saved.name, saved.version, saved.period, saved.metric] + [r[c] for c, _ in TARGET_COLUMNS]
            writer.writerow(["" if _blank(v) else neutralise(v) for v in values])
    finally:
        if fh is not dest:  # (a file opened here; a caller's buffer stays open)
            fh.close()


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


def write_excel(saved: SavedTargetSet, dest: str | Path | BinaryIO) -> None:
    """Workbook with sheets Targets, Activity plan, Assumptions (path or binary buffer)."""
    book = xlsxwriter.Workbook(dest, {"strings_to_formulas": False, "strings_to_urls": False,
                                      "strings_to_numbers": False, "in_memory": True})
    money = book.add_format({"num_format": "#,##0"})
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
    _sheet(book, book.add_worksheet("Assumptions"), items, [("key", "Assumption"), ("value", "Value")],
           {}, {"Assumption": 40, "Value": 90})
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
    return {r["rep"]: smart_card(r["rep"], saved.metric, r["target"], r["p_attain"], period,
                                 team_total=team_total, weights=weights, plan=plans.get(r["rep"]),
                                 focus=focus.get(r["rep"], ""), tier=tier)
            for r in rows.to_dict("records")}


def _e(value: object) -> str:
    return html.escape("" if _blank(value) else str(value))


def _rep_section(saved: SavedTargetSet, rep: str, card: dict | None) -> str:
    rows = saved.rows[saved.rows["rep"] == rep]
    acts = saved.activity_rows[saved.activity_rows["rep"] == rep]
    out = [f"<section><h1>{_e(rep)} — {_e(saved.metric)} targets for {_e(saved.period)}</h1>",
           f'<div class="sub">{_e(saved.name)} v{saved.version} ({_e(saved.status)}) · check-in summary</div>']
    if card:
        out.append('<h2>SMART target</h2><table class="card">')
        for key, label in (("specific", "Specific"), ("measurable", "Measurable"), ("achievable", "Achievable"),
                           ("relevant", "Relevant"), ("time_bound", "Time-bound")):
            out.append(f"<tr><td>{label}</td><td>{_e(card[key])}</td></tr>")
        out.append("</table>")
    out.append("<h2>Tiers</h2><table><tr><th>Tier</th><th class='n'>Target</th><th class='n'>Chance</th><th>Source</th>"
               "<th>Reason</th></tr>")
    for r in rows.to_dict("records"):
        out.append(f"<tr><td>{_e(r['tier'])}</td><td class=n>{_e(formatting.count(r['target']))}</td>"
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
    if card:
        out.append("<h2>Milestones (cumulative)</h2><table><tr><th>By</th><th class='n'>Cumulative target</th></tr>")
        for when, value in card["milestones"]:
            out.append(f"<tr><td>{when.isoformat()}</td><td class=n>{_e(formatting.count(value))}</td></tr>")
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
