"""Plotly figures for tracking and review: pure functions of the DataFrames the engine returns.

* :func:`projected_attainment_histogram` -- reps' projected attainment (projected / base) with
  lines at base (100%) and stretch;
* :func:`actual_vs_expected_bars` -- per rep actual to date beside the seasonal pace expected by now;
* :func:`reliability_chart` -- predicted chance against realised share by bin, with the diagonal.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import plotly.graph_objects as go

COLOURS = {"actual": "#2f6690", "expected": "#b8c4cc", "flag": "#c0392b", "line": "#555555",
           "stretch": "#d68910", "diagonal": "#999999"}


def _layout(fig: go.Figure, title: str, **kwargs: object) -> go.Figure:
    fig.update_layout(title=title, template="plotly_white", margin={"l": 60, "r": 20, "t": 60, "b": 60},
                      legend={"orientation": "h", "y": -0.2}, **kwargs)
    return fig


def projected_attainment_histogram(summary: pd.DataFrame, stretch_ratio: float | None = None,
                                   title: str = "Projected attainment of base target") -> go.Figure:
    """Histogram of ``projected_attainment`` (or projected / target) across reps.

    Lines: base at 100%; stretch at ``stretch_ratio`` (default: the median stretch / base in
    ``summary``) when known.
    """
    if "projected_attainment" in summary:
        x = summary["projected_attainment"].to_numpy(dtype=float)
    else:
        x = summary["projected"].to_numpy(dtype=float) / summary["target"].to_numpy(dtype=float)
    x = x[np.isfinite(x)] * 100
    if stretch_ratio is None and {"stretch", "target"} <= set(summary.columns):
        with np.errstate(divide="ignore", invalid="ignore"):
            r = summary["stretch"].to_numpy(dtype=float) / summary["target"].to_numpy(dtype=float)
        stretch_ratio = float(np.nanmedian(r)) if np.any(np.isfinite(r)) else None
    fig = go.Figure(go.Histogram(x=x, xbins={"size": 10}, marker_color=COLOURS["actual"],
                                 name="reps", hovertemplate="%{x}%: %{y} reps<extra></extra>"))
    fig.add_vline(x=100, line_color=COLOURS["line"], line_dash="dash", annotation_text="base")
    if stretch_ratio is not None and np.isfinite(stretch_ratio):
        fig.add_vline(x=100 * stretch_ratio, line_color=COLOURS["stretch"], line_dash="dot",
                      annotation_text="stretch")
    return _layout(fig, title, xaxis_title="projected attainment (% of base)", yaxis_title="reps",
                   bargap=0.05)


def actual_vs_expected_bars(summary: pd.DataFrame, title: str = "Actual vs expected to date",
                            value_prefix: str = "") -> go.Figure:
    """Grouped bars per rep: actual to date and the seasonal pace expected by now; flagged reps in red,
    the period target as a marker. ``value_prefix`` (the data's currency symbol for a money metric)
    is written before every amount on the axis and in the hover text."""
    df = summary.reset_index() if "rep" not in summary.columns else summary
    df = df.sort_values("pace", na_position="first") if "pace" in df else df
    reps = df["rep"].astype(str).tolist()
    flag = df["flag"].to_numpy(dtype=bool) if "flag" in df else np.zeros(len(df), dtype=bool)
    fig = go.Figure()
    fig.add_bar(x=reps, y=df["expected_to_date"], name="expected to date", marker_color=COLOURS["expected"])
    fig.add_bar(x=reps, y=df["actual"], name="actual to date",
                marker_color=[COLOURS["flag"] if f else COLOURS["actual"] for f in flag],
                customdata=np.column_stack([df.get("pace", pd.Series(np.nan, index=df.index)),
                                            df.get("p_attain", pd.Series(np.nan, index=df.index))]),
                hovertemplate=f"%{{x}}: {value_prefix}%{{y:,.0f}}<br>pace %{{customdata[0]:.0%}}"
                              "<br>chance of base %{customdata[1]:.0%}<extra></extra>")
    if "target" in df:
        fig.add_scatter(x=reps, y=df["target"], mode="markers", name="period target",
                        marker={"symbol": "line-ew-open", "size": 18, "color": COLOURS["line"]})
    return _layout(fig, title, barmode="group", yaxis={"title": "to date", "tickprefix": value_prefix},
                   xaxis_tickangle=-45)


def reliability_chart(reliability: pd.DataFrame, title: str = "Our chances vs what happened") -> go.Figure:
    """Mean predicted chance (x) against realised share (y) per bin, marker size by forecasts, a 90%
    band per bin, and the diagonal where calibrated forecasts sit."""
    r = reliability[reliability["n"] > 0]
    fig = go.Figure()
    fig.add_scatter(x=[0, 1], y=[0, 1], mode="lines", name="calibrated",
                    line={"color": COLOURS["diagonal"], "dash": "dash"})
    err = {"type": "data", "symmetric": False,
           "array": (r["band_high"] - r["realised"]).to_numpy(dtype=float),
           "arrayminus": (r["realised"] - r["band_low"]).to_numpy(dtype=float)} if "band_high" in r else None
    size = 8 + 22 * np.sqrt(r["n"].to_numpy(dtype=float) / max(float(r["n"].max()), 1.0)) if len(r) else []
    fig.add_scatter(x=r["mean_predicted"], y=r["realised"], mode="markers+lines", name="our targets",
                    marker={"size": size, "color": COLOURS["actual"]}, error_y=err,
                    customdata=np.column_stack([r["bin"], r["n"]]) if len(r) else None,
                    hovertemplate="bin %{customdata[0]}: %{customdata[1]} forecasts<br>"
                                  "predicted %{x:.0%}, realised %{y:.0%}<extra></extra>")
    return _layout(fig, title, xaxis={"title": "predicted chance", "range": [0, 1], "tickformat": ".0%"},
                   yaxis={"title": "share that reached the target", "range": [0, 1.05], "tickformat": ".0%"})
