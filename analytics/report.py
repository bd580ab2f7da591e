"""A self-contained HTML review report: tables and interactive charts, readable offline.

plotly.js is embedded inline once (the first chart); every later chart reuses it, and nothing is
fetched from the network, so the file can be mailed or opened on a plane.
"""

from __future__ import annotations

import html
from datetime import datetime
from pathlib import Path

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from analytics import formatting
from analytics.charts_tracking import (
    actual_vs_expected_bars,
    projected_attainment_histogram,
    reliability_chart,
)
from analytics.review import Review
from analytics.tracking import Tracking

CSS = """
body { font-family: -apple-system, Segoe UI, Helvetica, Arial, sans-serif; margin: 2em auto; max-width: 1100px;
       color: #222; line-height: 1.45; padding: 0 1em; }
h1 { font-size: 1.6em; } h2 { font-size: 1.25em; margin-top: 2em; border-bottom: 1px solid #ddd; }
table { border-collapse: collapse; font-size: 0.85em; margin: 0.5em 0; }
th, td { border: 1px solid #ddd; padding: 3px 7px; text-align: right; }
th { background: #f3f5f7; } td:first-child, th:first-child { text-align: left; }
.note { background: #fff8e1; border-left: 4px solid #f0b400; padding: 0.5em 1em; }
.kpi { display: inline-block; margin: 0 2em 1em 0; } .kpi b { display: block; font-size: 1.5em; }
"""


def _cell(value: object, as_rate: bool = False) -> str:
    """One table cell: numbers through analytics.formatting (a rate when ``as_rate``), text escaped."""
    if isinstance(value, bool | np.bool_):
        return "yes" if value else "no"
    if isinstance(value, int | float | np.integer | np.floating):
        number: float | None = float(value)
    elif value is None or value is pd.NA or value is pd.NaT:
        number = None
    else:
        return html.escape(str(value))
    return formatting.rate(number) if as_rate else formatting.count(number)


def table_html(df: pd.DataFrame, percent: tuple[str, ...] = (), index: bool = True) -> str:
    """A plain HTML table (escaped), percentages for the ``percent`` columns."""
    d = df.reset_index() if index else df
    head = "".join(f"<th>{html.escape(str(c))}</th>" for c in d.columns)
    body = []
    for row in d.itertuples(index=False):
        cells = [_cell(v, as_rate=c in percent) for c, v in zip(d.columns, row, strict=True)]
        body.append("<tr>" + "".join(f"<td>{c}</td>" for c in cells) + "</tr>")
    return f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>"


def _figure_html(fig: go.Figure, first: bool) -> str:
    return fig.to_html(include_plotlyjs=bool(first), full_html=False, default_height=420,
                       config={"displaylogo": False})


def review_html(rv: Review, tracking: Tracking | None = None) -> str:
    """The review as one HTML document (plotly.js inline once). ``tracking``: an optional
    :class:`analytics.tracking.Tracking` for the projected-attainment chart."""
    s = rv.saved
    cal = rv.calibration.set_index("tier")
    allrow = cal.loc["all"] if "all" in cal.index else None
    parts = [f"<h1>Review: {html.escape(s.name)} v{s.version} — {html.escape(s.period)} "
             f"({html.escape(s.metric)})</h1>",
             f"<p>Data as of {rv.as_of}; {len(rv.results)} reps; generated {datetime.now():%Y-%m-%d %H:%M}.</p>"]
    parts += [f'<p class="note">{html.escape(n)}</p>' for n in rv.notes]
    kpis = []
    for tier in s.targets_by_tier.columns:
        if tier in cal.index:
            r = cal.loc[tier]
            kpis.append(f'<div class="kpi">{tier}: reached<b>{formatting.rate(r["realised"])}</b>'
                        f'promised {formatting.rate(r["mean_predicted"])}</div>')
    if allrow is not None:
        kpis.append(f'<div class="kpi">Brier score<b>{allrow["brier"]:.3f}</b>'
                    f'{formatting.count(allrow["forecasts"])} forecasts</div>')
    q = rv.quotas
    if q.get("reps_with_quota"):
        kpis.append(f'<div class="kpi">CRM quota hit rate<b>{formatting.rate(q["hit_rate"])}</b>'
                    f'{q["reps_with_quota"]} reps; model said {formatting.rate(q["model_mean_chance"])}</div>')
    parts.append("<div>" + "".join(kpis) + "</div>")

    parts.append("<h2>How calibrated were our chances?</h2>")
    parts.append("<p>Each rep and tier is one forecast: the chance saved with the set against whether the "
                 "target was reached. A calibrated set sits on the diagonal; with few reps a bin's share "
                 "is noisy (the bars are 90% bands).</p>")
    parts.append(_figure_html(reliability_chart(rv.reliability), first=True))
    parts.append(table_html(rv.calibration, ("mean_predicted", "realised"), index=False))
    parts.append(table_html(rv.reliability.drop(columns=["lo", "hi"]),
                            ("mean_predicted", "realised", "band_low", "band_high"), index=False))
    if tracking is not None:
        done = tracking.share.min() >= 1.0
        parts.append("<h2>Attainment across reps</h2>")
        parts.append(_figure_html(projected_attainment_histogram(
            tracking.summary, title="Attainment of base target" if done else "Projected attainment of base target"),
            first=False))
        parts.append(_figure_html(actual_vs_expected_bars(
            tracking.summary, title="Result vs target" if done else "Actual vs expected to date"), first=False))

    parts.append("<h2>Results per rep</h2>")
    pcols = tuple(c for c in rv.results.columns if c.startswith("p_") or c == "attainment")
    parts.append(table_html(rv.results, pcols))
    if q.get("reps_with_quota") or len(q.get("history", [])):
        parts.append("<h2>CRM quotas</h2>")
        hist = q.get("history")
        if hist is not None and len(hist):
            parts.append(table_html(hist, ("hit_rate",), index=False))
    parts.append("<h2>What changed from last period</h2>")
    rate_cols = tuple(c for c in rv.changes.columns if any(k in c for k in ("_to_", "win_rate", "_change")))
    parts.append(table_html(rv.changes, rate_cols))
    parts.append("<h2>Starting point for the next calibration</h2>")
    parts.append(f"<p>{html.escape(rv.ratchet_sentence)}</p>")
    parts.append(table_html(rv.next_start.rename(columns={
        "model_next_p_level": "model's next-period P-level (no ratchet)",
        "ratchet_raise_to_last_result": "ratchet: raise to last result"}),
        ("p_attain_model_next", "p_attain_ratchet")))
    body = "\n".join(parts)
    return (f"<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\">"
            f"<title>Review {html.escape(s.name)} {html.escape(s.period)}</title>"
            f"<style>{CSS}</style></head><body>{body}</body></html>")


def write_review_report(rv: Review, path: str | Path, tracking: Tracking | None = None) -> Path:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(review_html(rv, tracking), encoding="utf-8")
    return path
