"""Baselines: each rep's likely range for the period, the stretch range, and the chance of any target.

Thin page: widgets and layout. The numbers come from ``analytics.calibration.calibrate`` (cached per
data version, metric, grain, period and fiscal calendar); the charts from ``analytics.charts_calibration``;
the facts beside each rep (last actual, CRM quota, trend) and the backtest's verdict from
``dashboard.rep_facts_view``.
"""

from __future__ import annotations

import functools
import math

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from analytics import formatting, metrics
from analytics.calibration import Calibration
from analytics.calibration_view import performers_table
from analytics.charts_calibration import rep_fan_chart, rep_fan_grid
from analytics.complete_history import NoCompleteHistory, partial_periods, short_history_note
from analytics.metric_registry import resolve_metric
from dashboard import frame, kept_widgets, rep_facts_view, session, tables

frame.require("pages/baselines.py")

ALL_TEAMS = "All teams"
FLAG_WORDS = {"new": "🆕 new", "ramping": "📈 ramping", "short history": "⚠️ short history", "": ""}
SPARK_PERIODS = 12
NOTE_ICONS = {"horizon": "update", "variant": "model_training", "pipeline": "trending_up"}   # Calibration.model_notes' kinds


CANDIDATE_FOR_KEY = "baselines_candidate_for"   # {metric: (months, grain)} the candidate was typed for
RESCALED_KEY = "baselines_candidate_rescaled"   # (value, grain) before a grain change rescaled it


def candidate_key(metric: str, default: float, months: int, grain_name: str) -> str:
    """The candidate target's widget key, its value set for this period's length.

    The candidate is an amount per period: when the grain changes, it is scaled by the number of months
    (920,000 per quarter is 306,667 per month), never kept as the same number "per month".
    """
    key = f"baselines_target_{metric}"
    typed_for = st.session_state.setdefault(CANDIDATE_FOR_KEY, {}).get(metric)
    if key not in st.session_state:
        st.session_state[key] = default
    elif typed_for is not None and typed_for[0] != months:
        before = float(st.session_state[key])
        st.session_state[key] = before * months / typed_for[0]   # (unrounded: back again gives the same number)
        st.session_state[RESCALED_KEY] = (before, typed_for[1])
    st.session_state[CANDIDATE_FOR_KEY][metric] = (months, grain_name)
    return key


@st.cache_resource(show_spinner=False, max_entries=16)
def fan_grid(_used: pd.DataFrame, _summary: pd.DataFrame, key: tuple, reps: tuple[str, ...]) -> go.Figure:
    """Every rep at a glance, drawn once per ``key`` (database, data version, metric, grain, period) and
    ``reps``: plotly's subplots take about a second for 36 panels, which every click paid. Not changed after."""
    return rep_fan_grid(_used[_used["rep"].isin(reps)], _summary.loc[list(reps)])


@st.cache_resource(show_spinner=False, max_entries=16)
def history_used(_cal: Calibration, key: tuple) -> tuple[pd.DataFrame, pd.DataFrame, int, int]:
    """The calibration's history, its complete periods before the target period (what the fit used; for a sum,
    less the period the data start inside of, drawn apart), their number less that period, and 1 if there is
    one, once per ``key``: the history is built from the panel's arrays, a cost every click paid. Read, never
    changed."""
    history = _cal.history
    used = history[history["complete"]
                   & (pd.to_datetime(history["period_start"]) < pd.Timestamp(_cal.period.start))]
    n_used = int(used["period_start"].nunique())
    partial = partial_periods(used, _cal.grain)
    if resolve_metric(_cal.metric).additive:    # the period the data start inside of is drawn apart (one_rep_fan)
        used = used[~used["period_label"].isin(partial)]
    return history, used, n_used - len(partial), len(partial)


@st.cache_resource(show_spinner=False, max_entries=32)
def one_rep_fan(_cal: Calibration, key: tuple, rep: str, metric_name: str, kind: str) -> go.Figure:
    """One rep's history and range, drawn once per ``key`` and rep (building the plotly figure took a quarter of
    a click). Not changed after."""
    history, used, _, _ = history_used(_cal, key)
    unit, label = _cal.grain, _cal.period.label
    own = history[history["rep"] == rep]
    before = used[used["rep"] == rep]
    # A period the data start inside of holds part of its days: a point apart, not a dip in the line.
    part = own[own["complete"] & ~own.index.isin(before.index)
               & (pd.to_datetime(own["period_start"]) < pd.Timestamp(_cal.period.start))]
    later = own[~own.index.isin(before.index) & ~own.index.isin(part.index)]
    fig = rep_fan_chart(before.tail(SPARK_PERIODS)[["period_label", "value"]], _cal.summary.loc[rep],
                        period_label=label, value_label=metric_name,
                        title=f"{rep}: {metric_name.lower()} per {unit} and the range for {label}")
    if not part.empty:
        fig.add_trace(go.Scatter(x=part["period_label"], y=part["value"], mode="markers",
                                 marker={"symbol": "circle-open", "size": 9, "color": "#7f7f7f"},
                                 name=f"Part of the {unit} only (the data start inside it)"))
    if not later.empty:
        fig.add_trace(go.Scatter(x=later["period_label"], y=later["value"], mode="markers",
                                 marker={"symbol": "diamond-open", "size": 10, "color": "#d62728"},
                                 name="Not used by the fit (in progress or later)"))
    fig.update_traces(mode="lines", selector={"fill": "toself"})  # bands are areas, not points
    fig.update_xaxes(type="category", categoryorder="category ascending", title=None)
    if kind == "rate":
        fig.update_yaxes(tickformat=".0%")
    fig.update_layout(height=440, margin={"t": 50, "b": 110},
                      legend={"orientation": "h", "y": -0.22, "yanchor": "top", "x": 0})
    return fig


@st.cache_data(show_spinner=False, max_entries=32)
def performers(_cal: Calibration, key: tuple, reps: tuple[str, ...]) -> pd.DataFrame:
    """The thirds' sales math of ``reps``, once per ``key`` and team."""
    return performers_table(_cal.summary.loc[list(reps)], _cal.funnel())


def nice_round(value: float) -> float:
    """A round number near ``value`` (two significant digits) for the default candidate target."""
    if not value or value != value or value <= 0:
        return 0.0
    digits = 10 ** (math.floor(math.log10(value)) - 1)
    return float(round(value / digits) * digits)


st.title("Baselines")
st.caption("What each rep is likely to achieve, from their own history pulled toward the team's: "
           "a **baseline** (an even chance of doing better or worse), a **stretch range** "
           "(P70–P90: beaten 30% down to 10% of the time), and the chance of hitting any target you type.")

as_of = session.data_as_of()
if as_of is None:
    frame.empty_state("No deals or activities yet. Import a CRM export to see each rep's baseline.")
    st.stop()

grain = session.grain()
fiscal_month = session.fiscal_start_month()
period = session.selected_period()
# the sidebar keeps period and grain in step; "next" whenever they are not (e.g. mid-switch)
period_label = period.label if period is not None and period.grain == grain else "next"

# the manager's choices survive a visit to another page (a candidate target per metric)
kept_widgets.keep(["baselines_metric", "baselines_team", "baselines_rep",
                   *(f"baselines_target_{m}" for m in metrics.METRICS)])
controls = st.columns([2, 2, 2])
cov = session.data_coverage()
metric = controls[0].selectbox("Metric", list(metrics.METRICS), key="baselines_metric",
                               index=cov.first_with_data(list(metrics.METRICS)),
                               format_func=lambda m: metrics.METRIC_LABELS.get(m, m)
                               + cov.absent_tag(m),
                               help="What the baseline is a baseline of: won revenue, deals, win rate, "
                                    "pipeline or an activity count.")
kind = metrics.metric_kind(metric)
metric_name = metrics.METRIC_LABELS.get(metric, metric)
currency = session.currency()
show = functools.partial(formatting.value, kind=kind, currency=currency)
if (absent := cov.why_absent(metric)) is not None:
    # Absent data is not "too little history": say what was not imported and what to do.
    st.info(f"**{metric_name}: {absent}.** Import the CRM export that holds it on the Import page, or "
            f"choose one of: {', '.join(metrics.METRIC_LABELS.get(m, m) for m in cov.available_metrics())}.",
            icon=":material/database_off:")
    st.stop()

try:
    cal = session.calibration(metric, grain, period_label)   # cached per data version, shared with Targets
except NoCompleteHistory as exc:   # the engine's refusal, said as the CLI says it: no table of prior-only ranges
    st.warning(exc.sentence, icon=":material/history:")
    st.stop()
except ValueError as exc:
    st.warning(f"Cannot calibrate {metric_name.lower()} per {grain} yet: {exc}")
    st.stop()

summary = cal.summary
unit = cal.grain
cal_key = (session.db_path(), session.data_version(), metric, grain, cal.period.label)
_, used, n_whole, n_partial = history_used(cal, cal_key)
if (history_note := cov.history_start_note(metric)) is not None:
    # A history cut by created date: its first weeks hold only the quick closes, so they were left out.
    st.info(history_note, icon=":material/history:")
frame.gap_warnings(metric)
if summary.empty:
    st.info(f"No rep is active in {cal.period.label}. Pick another period in the sidebar.")
    st.stop()
if n_whole + n_partial == 0:
    st.warning(f"Too little history for {cal.period.label}: no complete {unit} of "
               f"{metric_name.lower()} before it. "
               + ("Switch the sidebar to monthly grain, pick a later period, " if unit == "quarter" else
                  "Pick a later period in the sidebar ")
               + "or import a longer history.")
    st.stop()

teams = sorted(t for t in summary["team"].dropna().unique())
if teams:
    team = controls[1].selectbox("Team", [ALL_TEAMS, *teams], key="baselines_team")
else:   # a greyed filter of one choice would promise teams the data does not have (as on Tracking)
    team = ALL_TEAMS
    controls[1].caption("No team filter: no roster with teams imported.")
shown = summary if team == ALL_TEAMS else summary[summary["team"] == team]

default_target = nice_round(float(summary["p70"].median() if "p70" in summary else summary["baseline"].median()))
if kind == "rate":
    typed = controls[2].number_input(f"Candidate target ({metric_name.lower()}, %)", min_value=0.0,
                                     max_value=100.0, value=float(round(100 * default_target)), step=1.0,
                                     format="%.0f",
                                     key=f"baselines_target_{metric}",
                                     help="The same target for every rep: see each rep's chance of reaching it.")
    candidate = typed / 100
else:
    step = max(nice_round(default_target / 20), 1.0)
    typed = controls[2].number_input(f"Candidate target ({metric_name.lower()} per {unit})", min_value=0.0,
                                     step=step, format="%.0f", key=candidate_key(metric, default_target, len(cal.period.months()), unit),
                                     help="The same target for every rep: see each rep's chance of reaching it.")
    candidate = typed
    if rescaled := st.session_state.pop(RESCALED_KEY, None):
        st.caption(f"The candidate target was {show(rescaled[0])} per {rescaled[1]}: "
                   f"{show(candidate)} per {unit} is the same pace.")
chance = pd.Series(cal.p_attain([candidate] * len(summary)), index=summary.index).loc[shown.index]

if (too_short := short_history_note(n_whole, n_partial, unit, cal.period.label)) is not None:
    st.warning(too_short)

# ---- plain reading -------------------------------------------------------------------------------
n = len(shown)
likely = int((chance >= 0.5).sum())
unlikely = int((chance < 0.2).sum())
def _has(n: int) -> str:
    return "has" if n == 1 else "have"


flags = shown["flag"].value_counts()
flag_words = ", ".join(f"{flags[f]} {f}" for f in ("new", "ramping", "short history") if flags.get(f, 0))
with st.container(border=True):
    st.markdown(f"**{cal.period.label} · {metric_name} · {team if team != ALL_TEAMS else 'whole team'}** "
                f"(data as of {as_of:%d %b %Y})")
    lines = [
        f"The typical rep's **baseline is {show(shown['baseline'].median())}**: an even chance of "
        f"doing better or worse. A stretch target for the typical rep sits between "
        f"**{show(shown['p70'].median())}** (beaten 3 times in 10) and "
        f"**{show(shown['p90'].median())}** (beaten 1 time in 10).",
        f"A target of **{show(candidate)}** for everyone: **{likely} of {n}** reps {_has(likely)} at least an "
        f"even chance, {unlikely} {_has(unlikely)} less than 20%; expect about **{formatting.count(round(chance.sum()))}** of {n} to make it.",
    ]
    if flag_words:
        lines.append(f"Flagged: {flag_words}. Their ranges rely more on the team's record and are wider; "
                     "the table says why for each.")
    st.markdown("\n".join(f"- {line}" for line in lines))
# Would these ranges have held on this team's history? The backtest's verdict, cached per data version:
# its box is kept here and filled at the end of the page, so the backtest starts once the page is drawn.
fill_verdict = rep_facts_view.verdict_later(metric, unit)
# Which model variant made these ranges, chosen on this team's own past forecasts, and why; what the open
# pipeline did to the team level.
for note_kind, note in cal.model_notes().items():
    st.caption(f":material/{NOTE_ICONS[note_kind]}: {note}")

# ---- the table -----------------------------------------------------------------------------------
# The facts a manager argues with, beside each rep: last period's actual, CRM quotas, the recent trend.
facts = rep_facts_view.facts_columns(metric, grain, cal.period.label, shown.index.tolist(), currency=currency)
table = pd.DataFrame({
    "Rep": shown.index,
    "Team": shown["team"].to_numpy(),
    "Flag": shown["flag"].map(FLAG_WORDS).fillna(shown["flag"]).to_numpy(),
    **{column: facts.frame[column].tolist() for column in facts.columns},
    "Periods": shown["n_periods"].to_numpy(),
    "Low (P10)": shown["p10"].to_numpy(),
    "Baseline (P50)": shown["baseline"].to_numpy(),
    "Stretch from (P70)": shown["p70"].to_numpy(),
    "Stretch to (P90)": shown["p90"].to_numpy(),
    "Chance of target": formatting.whole_percent(chance.to_numpy()),
    "Own-record weight": shown["pooling_weight"].to_numpy(),
    "Why": shown["reason"].to_numpy(),
}).sort_values("Baseline (P50)", ascending=False, kind="stable").reset_index(drop=True)
# A column with nothing in it (no roster with teams, no rep new or ramping) is not a column of dashes.
table = table.drop(columns=[c for c in ("Team", "Flag")
                            if table[c].map(lambda v: v is None or str(v).strip() in ("", "nan")).all()])

st.subheader(f"Each rep's range for {cal.period.label}")
tables.table(
    table, hide_index=True, width="stretch", key="baselines_table", height=min(38 + 35 * len(table), 600),
    column_config={
        "Rep": st.column_config.TextColumn("Rep", pinned=True),
        **facts.column_config,
        "Periods": st.column_config.NumberColumn("Periods", help=f"Complete {unit}s of history", format="%d"),
        "Low (P10)": rep_facts_view.number_column("Low (P10)", kind, "Beaten 9 times in 10", currency),
        "Baseline (P50)": rep_facts_view.number_column("Baseline (median)", kind,
                                        "The median (P50): an even chance of doing better or worse", currency),
        "Stretch from (P70)": rep_facts_view.number_column("Stretch from (P70)", kind, "Beaten 3 times in 10", currency),
        "Stretch to (P90)": rep_facts_view.number_column("Stretch to (P90)", kind, "Beaten 1 time in 10", currency),
        "Chance of target": st.column_config.ProgressColumn(
            f"Chance of {show(candidate)}", format="%.0f%%", min_value=0, max_value=100,
            help="The chance this rep reaches the candidate target above"),
        "Own-record weight": st.column_config.ProgressColumn(
            "Own-record weight", format="percent", step=0.01, min_value=0.0, max_value=1.0,
            help="How much the rep's own record counts; the rest comes from the team (partial pooling)"),
        "Why": st.column_config.TextColumn("Why", width="large"),
    },
)
if facts.note:
    st.caption(f":material/info: {facts.note}")

# ---- every rep at a glance ------------------------------------------------------------------------
GRID_MAX = 48
st.subheader("Every rep at a glance")
st.caption(f"Each panel: the rep's last {unit}s (line) and the range for {cal.period.label} at the right end — "
           "the dot is the baseline, the thick bar P25–P70, the thin bar P10–P90. Each panel has its own scale.")
grid_reps = table["Rep"].head(GRID_MAX).tolist()
if len(table) > GRID_MAX:
    st.caption(f"The {GRID_MAX} reps with the highest baselines; pick a team above to see the others.")
st.plotly_chart(fan_grid(used, summary, cal_key, tuple(grid_reps)), width="stretch", key="baselines_grid")

# ---- one rep's fan -------------------------------------------------------------------------------
st.subheader("One rep: history and range")
left, right = st.columns([3, 1])
reps = table["Rep"].tolist()
rep = right.selectbox("Rep", reps, key="baselines_rep")
if rep is not None:
    row = summary.loc[rep]
    left.plotly_chart(one_rep_fan(cal, cal_key, rep, metric_name, kind), width="stretch", key="baselines_fan")
    rep_chance = float(chance[rep])
    right.metric("Baseline (median)", show(row["baseline"]))
    right.metric("Stretch range", f"{show(row['p70'])} – {show(row['p90'])}")
    right.metric(f"Chance of {show(candidate)}", formatting.rate(rep_chance))
    right.caption(row["reason"])

# ---- performers ----------------------------------------------------------------------------------
st.subheader("Top, middle and bottom thirds: their sales math")
st.caption(f"Reps grouped by baseline; each number is the group's median per {unit} over the last four "
           "complete periods. What separates the top third: more activity, better conversion, or bigger deals?")
perf = performers(cal, cal_key, tuple(shown.index))
if perf.empty:
    st.info("No activity or deal history to compare the groups with yet.")
else:
    # one row per measure, one column per group: three columns read at a glance, whatever the measures
    measures = [("reps", "Reps", formatting.count),
                ("baseline", f"Baseline ({metric_name.lower()})", show),
                ("calls", f"Calls per {unit}", formatting.count),
                ("meetings", f"Meetings per {unit}", formatting.count),
                ("demos", f"Demos per {unit}", formatting.count),
                ("opportunities", f"New opportunities per {unit}", formatting.count),
                ("won", f"Deals won per {unit}", formatting.count),
                ("avg_deal_size", "Average won deal", functools.partial(formatting.money, currency=currency)),
                ("win_rate", "Win rate", formatting.rate),
                ("call_to_meeting", "Meetings per call", formatting.ratio),
                ("meeting_to_demo", "Demos per meeting", formatting.ratio),
                ("demo_to_opportunity", "Opportunities per demo", formatting.ratio)]
    # Measures made of data never imported (calls without activities, a win rate without lost deals)
    # would read 0 or 100%: their rows go, and what is missing is said once below the table.
    rows = [{"Measure": label, **{group.title(): text(perf.loc[group, col]) for group in perf.index}}
            for col, label, text in measures
            if col in perf.columns and perf[col].notna().any() and cov.has_funnel(col)]
    tables.table(pd.DataFrame(rows), hide_index=True, width="stretch", key="baselines_performers",
                 row_height=32, height=35 + 32 * len(rows), column_config={"Measure": st.column_config.TextColumn("Median per rep", width=260)})
    top, bottom = perf.iloc[0], perf.iloc[-1]
    parts = []
    if {"won", "avg_deal_size"} <= set(perf.columns):
        parts.append(f"the top third wins about **{formatting.count(top['won'])} deals** averaging **{formatting.money(top['avg_deal_size'], currency)}** "
                     f"per {unit}; the bottom third **{formatting.count(bottom['won'])}** averaging **{formatting.money(bottom['avg_deal_size'], currency)}**")
    for note in cov.absent_notes():
        st.caption(f":material/info: {note}")
    if "win_rate" in perf and pd.notna(top["win_rate"]) and pd.notna(bottom["win_rate"]) and cov.has_funnel("win_rate"):
        parts.append(f"win rates {formatting.rate(top['win_rate'])} against {formatting.rate(bottom['win_rate'])}")
    if "calls" in perf and cov.has_funnel("calls"):
        parts.append(f"{formatting.count(top['calls'])} calls against {formatting.count(bottom['calls'])}")
    if parts:
        st.markdown("Sales math: " + "; ".join(parts) + ".")

# ---- the verdict, last: the backtest it starts runs beside nothing of this page ----------------------
fill_verdict()
