"""Overview: what is loaded, how the team is doing, and the way through a calibration."""

from __future__ import annotations

import plotly.express as px
import streamlit as st

from analytics import coverage, formatting, metrics, sample_company
from analytics.periods import period_of
from dashboard import auth, frame, session

frame.require("pages/overview.py")

# Calm, distinct team colours: red and green read as bad/good to a sales manager.
TEAM_COLOURS = ["#1f5f99", "#5fa8d3", "#f0a04b", "#7a6fb0", "#62a87c", "#a0a0a0"]

conn = session.db()
st.title("Sales-target calibration")
st.caption("Targets each rep can really hit: a range per rep from their own history, "
           "the chance of hitting any target, and a backtest that proves the chances honest.")

CONFIRM_CLEAR_KEY = "overview_confirm_clear_sample"  # the manager pressed Clear and is asked to confirm
CLEARED_KEY = "overview_sample_cleared"             # (kind, text): what the removal did, shown once


def _ask_to_clear() -> None:
    st.session_state[CONFIRM_CLEAR_KEY] = True


def _cancel_clear() -> None:
    st.session_state.pop(CONFIRM_CLEAR_KEY, None)


def _clear_sample() -> None:
    """Remove the sample (confirmed); the engine checks again that nothing of the manager's goes with it."""
    st.session_state.pop(CONFIRM_CLEAR_KEY, None)
    try:
        removed = sample_company.clear(session.db())
    except sample_company.SampleRemovalError as exc:
        st.session_state[CLEARED_KEY] = ("error", f"Nothing was removed. {exc}")
        return
    st.session_state[CLEARED_KEY] = ("success", f"Removed the sample company: {removed.describe()}. "
                                                "Import your own CRM exports to start.")


if cleared := st.session_state.pop(CLEARED_KEY, None):
    (st.success if cleared[0] == "success" else st.error)(cleared[1])

if sample_company.is_loaded(conn):
    refusal = sample_company.removal_refusal(conn)
    if refusal is None and not auth.allowed("clear"):
        refusal = "Only an admin can clear the sample data."
    with st.container(border=True):
        left, right = st.columns([4, 1], vertical_alignment="center")
        left.markdown("**This is a sample company** (generated: 36 reps in 3 teams, three years of deals, "
                      "activities and last-year-plus-10% quotas). Explore freely, then clear it and import "
                      "your own CRM exports.")
        right.button("Clear sample data", key="clear_sample", type="secondary", on_click=_ask_to_clear,
                     disabled=refusal is not None, help=refusal)
        if refusal is not None:
            _cancel_clear()  # (a confirmation asked before the manager saved work of their own is void)
            st.caption(refusal)
        elif st.session_state.get(CONFIRM_CLEAR_KEY):
            rows = sample_company.sample_rows(conn, sample_company.sample_import_ids(conn))
            st.warning(f"Remove the sample company? This deletes its {rows.describe()} and their import "
                       "history, and cannot be undone. Your settings stay.", icon=":material/warning:")
            yes, no, _ = st.columns([1, 1, 3])
            yes.button("Yes, remove the sample", key="clear_sample_confirm", type="primary", on_click=_clear_sample)
            no.button("Cancel", key="clear_sample_cancel", on_click=_cancel_clear)

counts = session.table_counts()
if counts["deals"] == 0 and counts["activities"] > 0:
    # Activities alone: their ranges and targets work now; only what is made of deals waits for a deals export.
    kinds = [metrics.METRIC_LABELS.get(m, m).lower() for m in session.data_coverage().available_metrics()]
    st.info(f"**No deals imported yet, only activities** ({formatting.count(counts['activities'])} rows of "
            f"{', '.join(kinds)}). Their baselines, targets and backtest work now; won revenue, deals and "
            "win rates wait for a deals or opportunities export.", icon=":material/database:")
    st.page_link("pages/baselines.py", label="Activity baselines", icon=":material/insights:")
    st.page_link("pages/import_data.py", label="Import deals", icon=":material/upload:")
    st.stop()
if counts["deals"] == 0:
    stored = [formatting.quantity(counts[t], noun) for t, noun in (("reps", "rep"), ("quotas", "quota")) if counts[t]]
    frame.empty_state("No deals yet" + (f" ({' and '.join(stored)} stored)" if stored else "")
                      + ". Import a CRM export (deals or opportunities CSV) to start.")
    st.stop()

as_of = session.data_as_of()
grain = session.grain()
fiscal_month = session.fiscal_start_month()
current = period_of(as_of, grain, fiscal_month)
panel = metrics.rep_period_panel(conn, "revenue", grain, fiscal_start_month=fiscal_month, as_of=as_of)

cov = session.data_coverage()
currency = session.currency()     # the imported deals' currency: EUR data reads €, never $
# A period whose last day is in the data is over, whatever today's date: no "so far", no "in progress".
current_over = as_of >= current.end
data_ends = coverage.day_words(as_of)

by_period = panel.groupby(["period_start", "period_label"], as_index=False)["value"].sum()
complete = panel[panel["complete"] & (panel["period_label"] != current.label)]
last_label = complete["period_label"].max() if not complete.empty else None
last_total = complete.loc[complete["period_label"] == last_label, "value"].sum() if last_label else None
current_total = panel.loc[panel["period_label"] == current.label, "value"].sum()
active_reps = panel.loc[panel["period_label"] == current.label, "rep"].nunique()

c1, c2, c3, c4 = st.columns(4)
c1.metric("Active reps", f"{active_reps}")
# The first period the data start inside of holds part of its days: its total says so beside it.
first = period_of(cov.closes_counted_from, grain, fiscal_month) if cov.closes_counted_from else current
first_note = cov.data_starts_note(first)
c2.metric(f"Won in {last_label or formatting.BLANK}", formatting.money(last_total, currency),
          **({"delta": f"{first_note[0].upper()}{first_note[1:]}", "delta_color": "off", "delta_arrow": "off",
              "help": cov.history_start_note("revenue") or f"{first.label} holds only the days from then on."}
             if first_note and last_label == first.label else {}))
if current_over:
    c3.metric(f"Won in {current.label}", formatting.money(current_total, currency),
              help=f"The data ends on {data_ends}, the last day of {current.label}.")
else:
    c3.metric(f"Won so far in {current.label}", formatting.money(current_total, currency),
              help=f"The data ends on {data_ends}: {formatting.rate(current.fraction_elapsed(as_of))} of "
                   f"{current.label} is in it.")
c4.metric("Deals imported", formatting.count(counts["deals"]),
          help=f"{formatting.count(counts['activities'])} activity rows, {formatting.count(counts['reps'])} reps on the roster and "
               f"{formatting.count(counts['quotas'])} quota rows are loaded too.")

team_by_period = panel.groupby(["period_start", "period_label", "team"], as_index=False, dropna=False)["value"].sum()
has_teams = team_by_period["team"].notna().any()    # no team anywhere: one series, no "(no team)" legend
team_by_period["team"] = team_by_period["team"].astype("string").fillna("(no team)")
# Partial periods at either end say so: a first quarter the data starts late in looks like a slump.
partial = [f"{note}, inside {first.label}" for note in [first_note] if note]
partial += [] if current_over else [f"the data ends on {data_ends}, inside {current.label}"]
fig = px.bar(team_by_period, x="period_label", y="value", color="team" if has_teams else None,
             color_discrete_sequence=TEAM_COLOURS,
             labels={"period_label": grain.title(), "value": "Won revenue", "team": "Team"},
             title=f"Won revenue per {grain}" + (f" ({'; '.join(partial)})" if partial else ""))
fig.update_layout(height=380, margin=dict(t=50, b=10), legend_title_text="", bargap=0.25,
                  showlegend=bool(has_teams))
fig.update_yaxes(tickprefix=currency, tickformat="~s")
fig.update_traces(hovertemplate=("%{x} · %{fullData.name}<br>" if has_teams else "%{x}<br>")
                  + f"{currency}%{{y:,.0f}}<extra></extra>")
st.plotly_chart(fig, width="stretch")
frame.gap_warnings()
if (cut := cov.history_start_note("revenue")) is not None:     # why the first bars hold less than the export
    st.caption(f":material/history: {cut}")
for note in cov.absent_notes():  # said once here; the other pages leave the absent data out
    st.caption(f":material/info: {note}")

st.subheader("A calibration, step by step")
steps = st.columns(4)
steps[0].page_link("pages/baselines.py", label="1 · Baselines: each rep's range", icon=":material/insights:")
steps[1].page_link("pages/targets.py", label="2 · Targets: choose, split, save", icon=":material/flag:")
steps[2].page_link("pages/tracking.py", label="3 · Tracking: who is on pace", icon=":material/speed:")
steps[3].page_link("pages/review.py", label="4 · Review: were targets right", icon=":material/fact_check:")
st.page_link("pages/backtest.py", label="How honest are the chances? See the backtest on your own history.",
             icon=":material/verified:")
