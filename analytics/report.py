"""A printable review report: one self-contained HTML file that fits A4 and Letter paper.

Sized for paper, not a wide screen: the page is at most 180 mm wide (A4's 210 mm and Letter's 216 mm
less margins), print CSS sets the margins, tables have a fixed layout whose cells wrap, and a long
table splits across pages with its header repeated (``thead``). Wide tables are split into narrow
ones (a "before → now" cell instead of two columns). The one chart (how calibrated our chances were)
is a small hand-drawn inline SVG, and the spread of attainment is a row of HTML bars: no plotly.js
(which embedded was 4.8 MB), no scripts, nothing fetched, so the file can be mailed or printed.

Column names reach a reader only through :data:`COLUMN_LABELS`, and every number through
:mod:`analytics.formatting`.
"""

from __future__ import annotations

import html
from collections.abc import Callable, Sequence
from datetime import datetime
from pathlib import Path

import numpy as np
import pandas as pd

from analytics import formatting
from analytics.export import currency_symbol
from analytics.metric_registry import metric_kind, resolve_metric
from analytics.review import Review
from analytics.tracking import Tracking

COLUMN_LABELS = {
    "rep": "Rep", "team": "Team", "actual": "Result", "attainment": "% of base", "quota": "CRM quota",
    "hit_quota": "Quota reached", "p_quota_model": "Model's chance of the quota",
    "base": "Base target", "stretch": "Stretch target", "excellence": "Excellence target",
    "tier": "Tier", "forecasts": "Forecasts", "mean_predicted": "We said", "realised": "Reached",
    "reached": "Reached (n)", "brier": "Brier score", "bin": "Chance band", "n": "Forecasts",
    "band": "90% range", "period": "Period", "reps_with_quota": "Reps with a quota",
    "hit_rate": "Share reaching quota",
    "result_previous": "Result before", "result": "Result", "baseline_previous": "Level before",
    "baseline": "Level", "baseline_change": "Level change vs team", "volatility_previous": "Volatility before",
    "volatility": "Volatility", "calls": "Calls", "meetings": "Meetings", "opportunities": "Opportunities",
    "won": "Deals won", "call_to_meeting": "Call → meeting", "meeting_to_demo": "Meeting → demo",
    "demo_to_opportunity": "Demo → opportunity", "win_rate": "Win rate",
    "last_target": "Base target", "last_result": "Result", "beat_last_target": "Beat it",
    "model_next_p_level": "Model's start (no ratchet)", "p_attain_model_next": "Chance (model)",
    "ratchet_raise_to_last_result": "Ratchet: raise to last result", "p_attain_ratchet": "Chance (ratchet)",
    "ratchet_minus_model": "Ratchet adds",
}
"""Every column the report shows, by its name in :class:`analytics.review.Review`'s tables."""

TIER_NAMES = {"base": "Base", "stretch": "Stretch", "excellence": "Excellence", "all": "All tiers"}
FUNNEL_COUNTS = ("calls", "meetings", "opportunities", "won")
FUNNEL_RATES = ("call_to_meeting", "meeting_to_demo", "demo_to_opportunity", "win_rate")
ATTAINMENT_BANDS = ((0.0, 0.5, "under 50%"), (0.5, 0.8, "50–80%"), (0.8, 1.0, "80–100%"),
                    (1.0, 1.2, "100–120%"), (1.2, np.inf, "120% and more"))

CSS = """
@page { margin: 14mm 15mm; }
* { box-sizing: border-box; }
body { font-family: -apple-system, "Segoe UI", Helvetica, Arial, sans-serif; color: #222; line-height: 1.4;
       font-size: 10pt; max-width: 180mm; margin: 1.5em auto; padding: 0 4mm; }
h1 { font-size: 15pt; margin: 0 0 0.2em; } h2 { font-size: 12pt; margin: 1.6em 0 0.4em;
     border-bottom: 1px solid #ccc; break-after: avoid; page-break-after: avoid; }
p { margin: 0.4em 0; } .meta { color: #555; font-size: 9pt; }
table { border-collapse: collapse; width: 100%; table-layout: fixed; font-size: 8.5pt; margin: 0.4em 0 0.8em; }
th, td { border-bottom: 1px solid #ddd; padding: 2px 4px; text-align: right; vertical-align: top;
         overflow-wrap: break-word; hyphens: auto; }
th { background: #f1f3f6; font-weight: 600; } th.l, td.l { text-align: left; }
thead { display: table-header-group; } tr { break-inside: avoid; page-break-inside: avoid; }
td small { display: block; color: #666; }
.note { background: #fff8e1; border-left: 3px solid #f0b400; padding: 0.3em 0.7em; }
.kpis td { text-align: left; } .kpis b { font-size: 12pt; }
.bar { background: #4a78b5; height: 0.9em; display: inline-block; vertical-align: middle; }
svg { display: block; max-width: 100%; height: auto; }
@media print { body { margin: 0; padding: 0; max-width: none; } .note { border-left-width: 2px; } }
"""


def label(column: str) -> str:
    """The heading a reader sees for ``column`` (its own name, spaced, when it has no label).

    >>> label("p_quota_model"), label("result_previous")
    ("Model's chance of the quota", 'Result before')
    """
    return COLUMN_LABELS.get(column, column.replace("_", " ").capitalize())


def _e(value: object) -> str:
    return html.escape(str(value))


def _table(header: Sequence[str], rows: Sequence[Sequence[str]], widths: Sequence[int] | None = None,
           css_class: str = "", left: Sequence[int] = (0,)) -> str:
    """An HTML table of already escaped cells; ``widths``: column shares in percent; ``left``: the
    columns aligned left (text), the others right (numbers)."""
    cols = "".join(f'<col style="width:{w}%">' for w in widths) if widths else ""

    def cell(tag: str, j: int, content: str) -> str:
        return f'<{tag} class="l">{content}</{tag}>' if j in left else f"<{tag}>{content}</{tag}>"
    head = "".join(cell("th", j, _e(h)) for j, h in enumerate(header))
    body = "".join("<tr>" + "".join(cell("td", j, c) for j, c in enumerate(row)) + "</tr>" for row in rows)
    klass = f' class="{css_class}"' if css_class else ""
    return f"<table{klass}><colgroup>{cols}</colgroup><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def _amount_writer(rv: Review) -> Callable[[object], str]:
    """How the set's metric values are written: money in the set's currency, else counts."""
    try:
        money = metric_kind(rv.saved.metric) == "money"
    except ValueError:
        money = False
    symbol = currency_symbol(rv.saved)

    def write(x: object) -> str:
        return formatting.money_exact(_number(x), symbol) if money else formatting.count(_number(x))
    return write


def _number(x: object) -> float | None:
    return None if formatting.is_blank(x) else float(x)  # type: ignore[arg-type]


def _rate(x: object) -> str:
    return formatting.rate(_number(x))


def _count(x: object) -> str:
    return formatting.count(_number(x))


def _ratio(x: object) -> str:
    return formatting.ratio(_number(x))


def _before_now(before: object, now: object, write: Callable[[object], str]) -> str:
    return _e(f"{write(before)} → {write(now)}")


# ------------------------------------------------------------------------------ chart
def reliability_svg(reliability: pd.DataFrame) -> str:
    """How calibrated our chances were, as a small inline SVG: each chance band's share reached (dot,
    sized by its forecasts) against what we said, its 90% range as a bar, the diagonal for "honest"."""
    w, h, left, bottom, top, right = 300, 190, 34, 28, 8, 8
    pw, ph = w - left - right, h - top - bottom

    def x(p: float) -> float:
        return left + p * pw

    def y(p: float) -> float:
        return top + (1 - p) * ph

    out = [f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {w} {h}" width="{w * 1.25:.0f}" '
           'role="img" aria-label="Share reached against the chance we gave" font-size="8" '
           'font-family="Helvetica, Arial, sans-serif">',
           f'<rect x="{left}" y="{top}" width="{pw}" height="{ph}" fill="none" stroke="#bbb"/>',
           f'<line x1="{x(0)}" y1="{y(0)}" x2="{x(1)}" y2="{y(1)}" stroke="#999" stroke-dasharray="3 3"/>']
    for t in (0.0, 0.5, 1.0):
        out.append(f'<text x="{x(t):.1f}" y="{h - bottom + 11}" text-anchor="middle">{t:.0%}</text>')
        out.append(f'<text x="{left - 3}" y="{y(t) + 3:.1f}" text-anchor="end">{t:.0%}</text>')
    out.append(f'<text x="{left + pw / 2}" y="{h - 3}" text-anchor="middle">chance we gave</text>')
    out.append(f'<text x="9" y="{top + ph / 2}" text-anchor="middle" transform="rotate(-90 9 {top + ph / 2})">'
               "share reached</text>")
    n_max = max(int(reliability["n"].max()), 1) if len(reliability) else 1
    for r in reliability.itertuples():
        if not r.n or formatting.is_blank(r.realised):
            continue
        cx = x(float(r.mean_predicted))
        if not formatting.is_blank(r.band_low):
            out.append(f'<line x1="{cx:.1f}" y1="{y(float(r.band_low)):.1f}" x2="{cx:.1f}" '
                       f'y2="{y(float(r.band_high)):.1f}" stroke="#9bb5d8" stroke-width="3"/>')
        radius = 2.5 + 4.5 * (int(r.n) / n_max) ** 0.5
        out.append(f'<circle cx="{cx:.1f}" cy="{y(float(r.realised)):.1f}" r="{radius:.1f}" fill="#2f5d9b">'
                   f"<title>{_e(r.bin)}: {int(r.n)} forecasts</title></circle>")
    out.append("</svg>")
    return "".join(out)


def attainment_bars(attainment: pd.Series) -> str:
    """How many reps ended in each band of attainment (result / base target), as HTML bars."""
    values = attainment.to_numpy(dtype=float)
    values = values[np.isfinite(values)]
    counts = [int(((values >= lo) & (values < hi)).sum()) for lo, hi, _ in ATTAINMENT_BANDS]
    most = max(max(counts), 1)
    rows = [[_e(name), formatting.count(n),
             f'<span class="bar" style="width:{100 * n / most:.0f}%"></span>' if n else ""]
            for (_, _, name), n in zip(ATTAINMENT_BANDS, counts, strict=True)]
    return _table(["Attainment of base", "Reps", ""], rows, widths=(28, 10, 62), left=(0, 2))


# ------------------------------------------------------------------------------ sections
def _headline(rv: Review) -> str:
    cal = rv.calibration.set_index("tier")
    cells = []
    for tier in rv.saved.targets_by_tier.columns:
        if tier in cal.index:
            r = cal.loc[tier]
            cells.append(f"{_e(TIER_NAMES.get(tier, tier))} reached<br><b>{_rate(r['realised'])}</b>"
                         f"<small>{formatting.count(r['reached'])} of {formatting.count(r['forecasts'])}; "
                         f"we said {_rate(r['mean_predicted'])}</small>")
    if "all" in cal.index and rv.complete:
        cells.append(f"Brier score<br><b>{formatting.score(cal.loc['all', 'brier'])}</b>"
                     f"<small>0 is perfect; 0.25 a coin toss</small>")
    if rv.quotas.get("reps_with_quota"):
        q = rv.quotas
        cells.append(f"CRM quota reached<br><b>{_rate(q['hit_rate'])}</b>"
                     f"<small>{formatting.count(q['reached'])} of {formatting.count(q['reps_with_quota'])} reps</small>")
    return _table([""] * len(cells), [cells], css_class="kpis", left=range(len(cells))).replace("<thead><tr>" + "<th></th>" * len(cells)
                                                                          + "</tr></thead>", "")


def _calibration(rv: Review) -> str:
    parts = ["<h2>How honest were our chances?</h2>"]
    if not rv.complete:
        parts.append(f"<p>Judged when {_e(rv.period.label)} ends: until then a target not yet reached is not a "
                     "miss.</p>")
    parts.append("<p>Each rep and tier is one forecast: the chance saved with the set against whether the target "
                 "was reached. Honest chances sit on the diagonal: of the targets given a 70% chance, about 70% "
                 "were reached. With few reps a band is noisy (bars: its 90% range).</p>")
    parts.append(reliability_svg(rv.reliability))
    rows = [[_e(TIER_NAMES.get(r.tier, r.tier)), formatting.count(r.forecasts), _rate(r.mean_predicted),
             _rate(r.realised), formatting.count(r.reached), formatting.score(r.brier)]
            for r in rv.calibration.itertuples()]
    parts.append(_table([label(c) for c in ("tier", "forecasts", "mean_predicted", "realised", "reached",
                                            "brier")], rows))
    rows = [[_e(r.bin), formatting.count(r.n), _rate(r.mean_predicted), _rate(r.realised),
             formatting.BLANK if formatting.is_blank(r.band_low) else f"{_rate(r.band_low)}–{_rate(r.band_high)}"]
            for r in rv.reliability.itertuples()]
    parts.append(_table([label(c) for c in ("bin", "n", "mean_predicted", "realised", "band")], rows))
    return "\n".join(parts)


def _results(rv: Review, amount: Callable[[object], str]) -> str:
    res = rv.results.sort_values("attainment", ascending=False, na_position="last")
    tiers = [t for t in ("base", "stretch", "excellence") if t in res.columns]
    quotas = bool(rv.quotas.get("reps_with_quota"))
    header = [label(c) for c in ("rep", "team", "actual", "attainment", *tiers, *(["quota"] if quotas else []))]
    rows = []
    for rep, r in res.iterrows():
        row = [_e(rep), _e(r["team"]) if isinstance(r["team"], str) else formatting.BLANK, amount(r["actual"]),
               _rate(r["attainment"])]
        for t in tiers:
            mark = "reached" if bool(r[f"hit_{t}"]) else "missed"
            row.append(f"{amount(r[t])}<small>{_rate(r[f'p_{t}'])} chance · {mark}</small>")
        if quotas:
            if formatting.is_blank(r["quota"]):
                row.append(formatting.BLANK)
            else:
                row.append(f"{amount(r['quota'])}<small>{'reached' if r['hit_quota'] else 'missed'} · model "
                           f"{_rate(r['p_quota_model'])}</small>")
        rows.append(row)
    first = 20
    widths = [first, 12, 13, 9] + [(100 - first - 34) // (len(tiers) + quotas)] * (len(tiers) + quotas)
    return "<h2>Results per rep</h2>" + _table(header, rows, widths, left=(0, 1))


def _quotas(rv: Review) -> str:
    q = rv.quotas
    hist = q.get("history")
    if not q.get("reps_with_quota") and (hist is None or not len(hist)):
        return ""
    parts = ["<h2>Against the CRM quotas</h2>", f"<p>{_e(rv.quota_text)}</p>"]
    if hist is not None and len(hist):
        rows = [[_e(r.period), formatting.count(r.reps_with_quota), formatting.count(r.reached), _rate(r.hit_rate)]
                for r in hist.itertuples()]
        parts.append(_table([label(c) for c in ("period", "reps_with_quota", "reached", "hit_rate")], rows))
    return "\n".join(parts)


def _has_values(ch: pd.DataFrame, name: str) -> bool:
    """Whether a before/now pair holds anything: all zeros or blanks is data the company did not import."""
    both = ch[[f"{name}_previous", name]].to_numpy(dtype=float)
    return bool(np.any(np.isfinite(both) & (both != 0)))


def _changes(rv: Review, amount: Callable[[object], str]) -> str:
    ch = rv.changes
    parts = [f"<h2>What changed from {_e(rv.period.previous().label)}</h2>"]
    rows = [[_e(rep), _before_now(r["result_previous"], r["result"], amount),
             _before_now(r["baseline_previous"], r["baseline"], amount),
             formatting.BLANK if formatting.is_blank(r["baseline_change"]) else f"{100 * r['baseline_change']:+.0f}%",
             _before_now(r["volatility_previous"], r["volatility"], _ratio)]
            for rep, r in ch.iterrows()]
    parts.append("<p>Each cell is before → now. Level: the model's typical result for the rep."
                 + (f" {_e(rv.level_sentence)}" if rv.level_sentence else "") + "</p>")
    parts.append(_table([label(c) for c in ("rep", "result", "baseline", "baseline_change", "volatility")],
                        rows, widths=(22, 24, 24, 12, 18)))
    for names, write, what in ((FUNNEL_COUNTS, _count, "The funnel's counts"),
                               (FUNNEL_RATES, _rate, "The funnel's rates")):
        shown = [c for c in names if f"{c}_previous" in ch and _has_values(ch, c)]
        if not shown:  # (no activities or stages imported: nothing to compare, so no columns of zeros)
            continue
        rows = [[_e(rep), *(_before_now(r[f"{c}_previous"], r[c], write) for c in shown)] for rep, r in ch.iterrows()]
        parts.append(f"<p>{what}, before → now:</p>")
        parts.append(_table([label("rep"), *(label(c) for c in shown)], rows,
                            widths=[24] + [76 // len(shown)] * len(shown)))
    return "\n".join(parts)


def _next_start(rv: Review, amount: Callable[[object], str]) -> str:
    nxt = rv.next_start
    parts = [f"<h2>{_e(rv.start_heading)}</h2>", f"<p>{_e(rv.ratchet_sentence)}</p>"]
    result, beaten = rv.result_words
    words = {"last_result": result, "beat_last_target": beaten}
    cols = ["last_target", "last_result", "beat_last_target", "model_next_p_level", "p_attain_model_next",
            "ratchet_raise_to_last_result", "p_attain_ratchet"]
    cols = [c for c in cols if c in nxt.columns]
    writers: dict[str, Callable[[object], str]] = {
        "beat_last_target": lambda v: "yes" if bool(v) else "no",
        "p_attain_model_next": _rate, "p_attain_ratchet": _rate}
    rows = [[_e(rep), *(writers.get(c, amount)(r[c]) for c in cols)] for rep, r in nxt.iterrows()]
    parts.append(_table([label("rep"), *(words.get(c) or label(c) for c in cols)], rows,
                        widths=[20] + [80 // len(cols)] * len(cols)))
    return "\n".join(parts)


def review_html(rv: Review, tracking: Tracking | None = None) -> str:
    """The review as one printable HTML document (A4/Letter, no scripts).

    ``tracking``: an optional :class:`analytics.tracking.Tracking` of the period; while the period
    runs, its projected attainment replaces the result so far in the attainment bars.
    """
    s = rv.saved
    amount = _amount_writer(rv)
    try:
        metric = resolve_metric(s.metric).label
    except ValueError:
        metric = s.metric
    parts = [f"<h1>Review: {_e(s.name)} v{s.version} — {_e(s.period)}</h1>",
             f'<p class="meta">{_e(metric)} · {formatting.count(len(rv.results))} reps · data as of '
             f"{rv.as_of:%d %b %Y} · written {datetime.now():%d %b %Y %H:%M}</p>"]
    parts += [f'<p class="note">{_e(n)}</p>' for n in rv.notes]
    parts.append(_headline(rv))
    parts.append(_calibration(rv))
    attainment = rv.results["attainment"]
    projected = tracking is not None and not rv.complete and "projected_attainment" in tracking.summary
    if projected and tracking is not None:
        attainment = tracking.summary["projected_attainment"]
    parts.append("<h2>" + ("Projected attainment" if projected else "Attainment") + " across reps</h2>")
    parts.append(attainment_bars(attainment))
    parts.append(_results(rv, amount))
    parts.append(_quotas(rv))
    parts.append(_changes(rv, amount))
    parts.append(_next_start(rv, amount))
    body = "\n".join(p for p in parts if p)
    return (f'<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">'
            f'<meta name="viewport" content="width=device-width, initial-scale=1">'
            f"<title>Review {_e(s.name)} {_e(s.period)}</title><style>{CSS}</style></head><body>\n{body}\n"
            "</body></html>\n")


def write_review_report(rv: Review, path: str | Path, tracking: Tracking | None = None) -> Path:
    """Write :func:`review_html` to ``path`` (its folder made when missing)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(review_html(rv, tracking), encoding="utf-8")
    return path
