"""Plotly figures for the Baselines and Backtest pages: pure functions of DataFrames.

* :func:`rep_fan_chart`      a rep's history with the predictive fan for the target period;
* :func:`rep_fan_grid`       the same for many reps at once, one small panel each;
* :func:`reliability_chart`  coverage vs nominal level, with the period-resampling band;
* :func:`pit_histogram`      PIT shares in 10 bins against the flat 10% line;
* :func:`crps_bars`          the model's CRPS against each naive rule (lower is better).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import plotly.io as pio
from plotly.subplots import make_subplots

from analytics.backtest_scores import RULE_NAMES

MODEL_COLOR = "#1f77b4"
NAIVE_COLOR = "#9aa5b1"
BAND_COLOR = "rgba(31, 119, 180, 0.18)"
NAIVE_NAMES = {"model": "Model", **RULE_NAMES}


def _layout(fig: go.Figure, title: str, x: str, y: str) -> go.Figure:
    fig.update_layout(title=title, xaxis_title=x, yaxis_title=y, template="plotly_white",
                      margin={"l": 60, "r": 20, "t": 50, "b": 50}, legend={"orientation": "h", "y": -0.2})
    return fig


def rep_fan_chart(history: pd.DataFrame, forecast: pd.Series | dict, *, period_label: str,
                  value_label: str = "Value", title: str | None = None) -> go.Figure:
    """History (columns period_label, value) as a line; the forecast (p10..p90, baseline) as a fan.

    ``forecast`` holds the rep's summary row (any of p10, p25, p40, p50, p70, p90).
    """
    fc = dict(forecast)
    fig = go.Figure()
    hist = history.sort_values("period_label") if not history.empty else history
    if not hist.empty:
        fig.add_trace(go.Scatter(x=hist["period_label"], y=hist["value"], mode="lines+markers",
                                 name="Actual", line={"color": "#333333"}))
    anchor_x = [hist["period_label"].iloc[-1]] if not hist.empty else []
    anchor_y = [hist["value"].iloc[-1]] if not hist.empty else []
    for lo, hi, opacity in (("p10", "p90", 0.15), ("p25", "p70", 0.3)):
        if lo in fc and hi in fc:
            xs = anchor_x + [period_label]
            fig.add_trace(go.Scatter(x=xs + xs[::-1], y=anchor_y + [fc[hi]] + [fc[lo]] + anchor_y[::-1],
                                     fill="toself", fillcolor=f"rgba(31, 119, 180, {opacity})",
                                     line={"width": 0}, name=f"{lo.upper()}-{hi.upper()}", hoverinfo="skip"))
    mid = fc.get("p50", fc.get("baseline"))
    if mid is not None:
        fig.add_trace(go.Scatter(x=anchor_x + [period_label], y=anchor_y + [mid], mode="lines+markers",
                                 line={"color": MODEL_COLOR, "dash": "dash"}, name="Baseline (P50)"))
    return _layout(fig, title or "History and next-period range", "Period", value_label)


def rep_fan_grid(history: pd.DataFrame, summary: pd.DataFrame, *, columns: int = 6,
                 history_periods: int = 8) -> go.Figure:
    """Small multiples: per rep (in ``summary``'s order), recent history and next period's range.

    ``history`` has columns rep, period_start, value (complete periods before the target);
    ``summary`` is indexed by rep with p10, p25, p70, p90 and baseline. Each panel's last point is the
    target period: P50 as a dot, P25-P70 as a thick bar and P10-P90 as a thin one, on the rep's own
    scale (panels do not share a y axis: a small rep's range would vanish beside a big one's).
    """
    reps = list(summary.index)
    rows = max(1, -(-len(reps) // columns))
    grid = make_subplots(rows=rows, cols=columns, subplot_titles=[str(r) for r in reps],
                         horizontal_spacing=0.03, vertical_spacing=min(0.08, 0.5 / rows))   # axes and titles
    recent = (history.sort_values("period_start").groupby("rep", sort=False)["value"]
              .apply(lambda v: v.tail(history_periods).to_numpy()))
    # Every trace as a plain dict on its panel's axes (numbered row by row from the top left, as
    # make_subplots numbers them), the figure made from them once: plotly validates them once (a trace
    # at a time took seconds for 48 panels).
    traces: list[dict] = []
    for k, rep in enumerate(reps):
        axes = {"xaxis": f"x{k + 1 if k else ''}", "yaxis": f"y{k + 1 if k else ''}"}
        y = recent.get(rep, np.array([]))
        x = np.arange(len(y))
        nxt = len(y)
        fc = summary.loc[rep]
        panel = [dict(type="scatter", x=x, y=y, mode="lines", line={"color": "#333333", "width": 1.5},
                      showlegend=False, hovertemplate="%{y:,.0f}<extra>history</extra>")]
        for lo, hi, width in (("p10", "p90", 2), ("p25", "p70", 7)):
            panel.append(dict(type="scatter", x=[nxt, nxt], y=[fc[lo], fc[hi]], mode="lines", showlegend=False,
                              line={"color": MODEL_COLOR, "width": width}, opacity=0.45 if width == 2 else 0.7,
                              hovertemplate=f"{lo.upper()}-{hi.upper()}: %{{y:,.0f}}<extra></extra>"))
        panel.append(dict(type="scatter", x=[nxt], y=[fc["baseline"]], mode="markers", showlegend=False,
                          marker={"color": MODEL_COLOR, "size": 7, "line": {"color": "white", "width": 1}},
                          hovertemplate="baseline %{y:,.0f}<extra></extra>"))
        traces += [trace | axes for trace in panel]
    # Every panel's axes and title styled in the plain layout, and the figure made once from it: plotly's
    # update_layout walks each of the 96 axes' keys as a path (a third of a second for 48 panels, paid on
    # every first render of Baselines): the same figure as plotly's subplot calls make
    # (tests/test_charts_calibration.py).
    x_style = {"showticklabels": False, "showgrid": False, "zeroline": False}
    y_style = {"showticklabels": False, "showgrid": True, "gridcolor": "#eeeeee", "zeroline": False,
               "rangemode": "tozero"}
    layout = grid.layout.to_plotly_json()
    for key, axis in layout.items():
        if key.startswith(("xaxis", "yaxis")):
            axis.update(x_style if key.startswith("xaxis") else y_style)
    for title in layout.get("annotations", []):
        title.setdefault("font", {})["size"] = 11
    layout.update(template=pio.templates["plotly_white"], height=max(180, 150 * rows),
                  margin={"l": 10, "r": 10, "t": 30, "b": 10})
    return go.Figure(data=traces, layout=layout)


def reliability_chart(coverage: pd.DataFrame, *, randomized: bool = True) -> go.Figure:
    """Share of outcomes at or below each percentile against the promise (the diagonal)."""
    col = "covered_randomized" if randomized and "covered_randomized" in coverage else "covered"
    fig = go.Figure()
    fig.add_trace(go.Scatter(x=[0, 1], y=[0, 1], mode="lines", name="Perfectly calibrated",
                             line={"color": "#999999", "dash": "dot"}))
    if {"band_lo", "band_hi"} <= set(coverage.columns):
        x = coverage["nominal"].to_list()
        fig.add_trace(go.Scatter(x=x + x[::-1], y=coverage["band_hi"].to_list() + coverage["band_lo"].to_list()[::-1],
                                 fill="toself", fillcolor=BAND_COLOR, line={"width": 0},
                                 name="90% band (periods and reps resampled)", hoverinfo="skip"))
    fig.add_trace(go.Scatter(x=coverage["nominal"], y=coverage[col], mode="lines+markers", name="Model",
                             line={"color": MODEL_COLOR},
                             text=[f"P{round(100 * v)}" for v in coverage["nominal"]],
                             hovertemplate="%{text}: %{y:.0%} of outcomes at or below<extra></extra>"))
    fig.update_xaxes(tickformat=".0%", range=[0, 1])
    fig.update_yaxes(tickformat=".0%", range=[0, 1])
    return _layout(fig, "Reliability: promised vs delivered", "Percentile level (promise)",
                   "Share of outcomes at or below it")


def pit_histogram(pit: np.ndarray | list) -> go.Figure:
    """PIT shares per decile: flat = calibrated, U = too narrow, hump = too wide, slope = biased."""
    shares = np.asarray(pit, dtype=float)
    edges = np.linspace(0, 1, shares.size + 1)
    labels = [f"{edges[i]:.1f}-{edges[i + 1]:.1f}" for i in range(shares.size)]
    fig = go.Figure(go.Bar(x=labels, y=shares, marker_color=MODEL_COLOR, name="Share of outcomes"))
    fig.add_hline(y=1 / max(shares.size, 1), line_dash="dot", line_color="#999999",
                  annotation_text="flat = calibrated")
    fig.update_yaxes(tickformat=".0%")
    return _layout(fig, "Where outcomes fell in their predicted range (PIT)", "Predicted cumulative chance",
                   "Share of outcomes")


def crps_bars(crps: dict[str, float] | pd.Series) -> go.Figure:
    """Scaled CRPS of the model and every naive rule, best first (lower is better)."""
    s = pd.Series(dict(crps), dtype=float).dropna().sort_values()
    colors = [MODEL_COLOR if k == "model" else NAIVE_COLOR for k in s.index]
    fig = go.Figure(go.Bar(x=s.to_numpy(), y=[NAIVE_NAMES.get(k, k) for k in s.index], orientation="h",
                           marker_color=colors, text=[f"{v:.3f}" for v in s], textposition="auto"))
    fig.update_yaxes(autorange="reversed")
    return _layout(fig, "Forecast error (CRPS, scaled per rep; lower is better)", "CRPS", "")
