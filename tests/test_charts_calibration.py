"""The fan grid built from plain dicts is the figure plotly's own subplot calls make (it replaces them for speed)."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import pytest
from plotly.subplots import make_subplots

from analytics.charts_calibration import MODEL_COLOR, rep_fan_grid


def _company(n_reps: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    rng = np.random.default_rng(n_reps)
    reps = [f"Rep {i:02d}" for i in range(n_reps)]
    history = pd.DataFrame([{"rep": r, "period_start": pd.Timestamp("2024-01-01") + pd.DateOffset(months=3 * k),
                             "value": float(rng.uniform(1e4, 1e6))}
                            for i, r in enumerate(reps) for k in range(i % 11)],    # some reps without history
                           columns=["rep", "period_start", "value"])
    summary = pd.DataFrame({c: rng.uniform(1e4, 1e6, n_reps) for c in ("p10", "p25", "p70", "p90", "baseline")},
                           index=reps)
    return history, summary


def _with_subplot_calls(history: pd.DataFrame, summary: pd.DataFrame, columns: int = 6,
                        history_periods: int = 8) -> go.Figure:
    """The grid as plotly's make_subplots, add_traces(rows, cols) and update_layout make it."""
    reps = list(summary.index)
    rows = max(1, -(-len(reps) // columns))
    fig = make_subplots(rows=rows, cols=columns, subplot_titles=[str(r) for r in reps],
                        horizontal_spacing=0.03, vertical_spacing=min(0.08, 0.5 / rows))
    recent = (history.sort_values("period_start").groupby("rep", sort=False)["value"]
              .apply(lambda v: v.tail(history_periods).to_numpy()))
    for k, rep in enumerate(reps):
        y = recent.get(rep, np.array([]))
        nxt, fc = len(y), summary.loc[rep]
        panel = [dict(type="scatter", x=np.arange(len(y)), y=y, mode="lines",
                      line={"color": "#333333", "width": 1.5}, showlegend=False,
                      hovertemplate="%{y:,.0f}<extra>history</extra>")]
        for lo, hi, width in (("p10", "p90", 2), ("p25", "p70", 7)):
            panel.append(dict(type="scatter", x=[nxt, nxt], y=[fc[lo], fc[hi]], mode="lines", showlegend=False,
                              line={"color": MODEL_COLOR, "width": width}, opacity=0.45 if width == 2 else 0.7,
                              hovertemplate=f"{lo.upper()}-{hi.upper()}: %{{y:,.0f}}<extra></extra>"))
        panel.append(dict(type="scatter", x=[nxt], y=[fc["baseline"]], mode="markers", showlegend=False,
                          marker={"color": MODEL_COLOR, "size": 7, "line": {"color": "white", "width": 1}},
                          hovertemplate="baseline %{y:,.0f}<extra></extra>"))
        r, c = divmod(k, columns)
        fig.add_traces(panel, rows=r + 1, cols=c + 1)
    fig.update_xaxes(showticklabels=False, showgrid=False, zeroline=False)
    fig.update_yaxes(showticklabels=False, showgrid=True, gridcolor="#eeeeee", zeroline=False, rangemode="tozero")
    fig.update_annotations(font_size=11)
    fig.update_layout(template="plotly_white", height=max(180, 150 * rows), margin={"l": 10, "r": 10, "t": 30, "b": 10})
    return fig


@pytest.mark.parametrize("n_reps", [1, 5, 13, 48])
def test_the_fan_grid_is_the_figure_plotlys_subplot_calls_make(n_reps):
    history, summary = _company(n_reps)
    assert json.loads(rep_fan_grid(history, summary).to_json()) == \
        json.loads(_with_subplot_calls(history, summary).to_json())
