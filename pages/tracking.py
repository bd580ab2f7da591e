"""Tracking: a saved target set through its period — who is on pace, who is off and why, the chance from here.

Thin: widgets and layout. Pace, chances, flags, causes and notes come from analytics.tracking.
"""

from __future__ import annotations

from datetime import date

import plotly.graph_objects as go
import streamlit as st

from analytics import formatting, metrics, target_sets, tracking
from analytics.charts_tracking import actual_vs_expected_bars, projected_attainment_histogram
from analytics.complete_history import period_after_data_note
from analytics.periods import parse_period, period_of
from analytics.tracking_core import projection_sum_note
from dashboard import auth, frame, kept_widgets, period_fits, session, tables, tracking_view

frame.require("pages/tracking.py")

STATUS_FLAGGED, STATUS_BEHIND, STATUS_ON, STATUS_UNMEASURED = "Flagged", "Behind pace", "On pace", "Not measured yet"
CAUSE_WORDS = {  # what each cause means, said only for the causes shown
    "activity volume short": "too few calls or meetings",
    "pipeline volume short": "too few new opportunities created",
    "pipeline not measurable": "opportunities short only by the created dates known: the rep's deals without one "
                               "may be this period's",
    "conversion short": "activities do not turn into deals as usual",
    "fewer deals": "fewer deals won than usual by now",
    "deal size": "won deals smaller than usual",
    "revenue behind seasonal pace": "behind the period's usual shape, with deal count and size near usual",
}


@st.cache_resource(show_spinner=False, max_entries=16)
def _charts(_summary, key: tuple, value_prefix: str) -> tuple[go.Figure, go.Figure]:
    """The bars and the histogram, drawn once per ``key`` (the set's version with the data version and
    scope, the set, as-of date, threshold and team): plotly takes about half a second for the two at
    1,000 reps, which every click paid. Not changed after."""
    bars = actual_vs_expected_bars(_summary, title="Actual vs expected to date (flagged reps in red)",
                                   value_prefix=value_prefix)
    bars.update_layout(height=470, margin={"b": 110},
                       legend={"orientation": "h", "y": 1.02, "yanchor": "bottom", "x": 1, "xanchor": "right"})
    hist = projected_attainment_histogram(_summary)
    hist.update_layout(height=380)
    return bars, hist


def _set_version(header) -> str:
    """Cache key part: the database file, its data, settings and scope, and this save of the set."""
    return tracking_view.set_version(session.db_path(), session.data_version(), header)


def _set_label(row) -> str:
    return f"{row.name} v{row.version} · {row.period} · {row.metric} · {row.status}"


def _status(flag: bool, pace: float, measured: bool) -> str:
    if flag:
        return STATUS_FLAGGED
    if not measured:  # a period the data has not reached: $0 so far is no evidence of being behind
        return STATUS_UNMEASURED
    return STATUS_BEHIND if not pace >= 1 else STATUS_ON


def _rep_table(summary, measured: bool, period_over: bool):
    """The per-rep frame as shown: numbers stay numbers (sortable), percentages scaled to 0-100.
    Once the period is over nothing is needed per week: those columns go (never infinite, never blank)."""
    df = summary.reset_index()
    df["status"] = [_status(f, p, measured) for f, p in zip(df["flag"], df["pace"], strict=True)]
    if period_over:
        df = df.drop(columns=[c for c in df if c.endswith("_per_week")])
    if not measured:
        df = df.drop(columns=["pace", "expected_to_date"])
    if df["team"].isna().all():  # no roster imported: no column of blanks
        df = df.drop(columns="team")
    for col in ("pace", "p_attain", "p_attain_saved", "projected_attainment"):
        if col in df:   # (99.7% of pace beside a missed target reads 99%, not 100%)
            df[col] = formatting.whole_percent(df[col])
    cols = ["rep", "team", "status", "p_attain", "p_attain_saved", "actual", "expected_to_date", "target",
            "pace", "projected", "projected_attainment", "open_deals", "open_pipeline", "open_pipeline_expected",
            "cause", "cause_detail", "what_it_takes_per_week", "calls_per_week", "meetings_per_week"]
    return df[[c for c in cols if c in df]]


def _column_config(money_metric: bool, currency: str) -> dict:
    amount = f"{currency}%,.0f" if money_metric else "%,.0f"   # rounded: printf %d truncates $63,489.96 to $63,489
    return {
        "rep": st.column_config.TextColumn("Rep"),
        "team": st.column_config.TextColumn("Team"),
        "status": st.column_config.TextColumn("Status"),
        "p_attain": st.column_config.ProgressColumn(
            "Chance of base now", min_value=0, max_value=100, format="%.0f%%",
            help="Chance of reaching the base target by period end, given what is already achieved."),
        "p_attain_saved": st.column_config.NumberColumn("Chance at start", format="%.0f%%",
                                                        help="The chance saved with the target set."),
        "actual": st.column_config.NumberColumn("Actual to date", format=amount),
        "expected_to_date": st.column_config.NumberColumn(
            "Expected by now", format=amount, help="Base target × the period's usual share done by this date."),
        "target": st.column_config.NumberColumn("Base target", format=amount),
        "pace": st.column_config.NumberColumn("Pace", format="%.0f%%", help="Actual ÷ expected by now."),
        "projected": st.column_config.NumberColumn("Projected", format=amount,
                                                   help="Median projection for the period end."),
        "projected_attainment": st.column_config.NumberColumn("Projected % of base", format="%.0f%%"),
        "open_deals": st.column_config.NumberColumn("Open deals", format="%d",
                                                    help="Deals created and not yet closed as of this date."),
        "open_pipeline": st.column_config.NumberColumn("Open pipeline", format=amount,
                                                       help="The open deals' amounts."),
        "open_pipeline_expected": st.column_config.NumberColumn(
            "Expected from it", format=amount,
            help="The part of the open pipeline expected to be won by the period's end (the chance counts it)."),
        "cause": st.column_config.TextColumn("Likely cause", help="What the imported data can show behind a shortfall."),
        "cause_detail": st.column_config.TextColumn("Why", width="large"),
        "what_it_takes_per_week": st.column_config.NumberColumn(
            "Needed per week", format=amount, help="The remaining gap to base ÷ working weeks left."),
        "calls_per_week": st.column_config.NumberColumn("Calls / week needed", format="%.0f"),
        "meetings_per_week": st.column_config.NumberColumn("Meetings / week needed", format="%.0f"),
    }


conn = session.db()
st.title("Tracking")
st.caption("Mind the gap early: who is on pace for their target, who is off pace and why, "
           "and the chance each rep still reaches it.")

if not session.table_counts()["deals"] and not session.table_counts()["activities"]:   # (calls are tracked too)
    frame.empty_state("No deals or activities yet. Import a CRM export, save a target set on the Targets page, then "
                      "track it here.")
    st.stop()

data_as_of = session.data_as_of()
fiscal_month = session.fiscal_start_month()
current = period_of(data_as_of, session.grain(), fiscal_month)
chosen_period = session.selected_period()
# Tracking is about a period in progress: a sidebar period after the data's last day falls back to the period
# the data ends in (the calendar may have moved on: the export is older than today).
period = chosen_period if chosen_period is not None and chosen_period.start <= data_as_of else current

if chosen_period is not None and period != chosen_period:
    st.caption(period_after_data_note(data_as_of, chosen_period, period))

sets = target_sets.list_target_sets(conn)
for_period = sets[sets["period"] == period.label]
labels = {int(r.set_id): _set_label(r) for r in sets.itertuples()}

# the manager's choices survive a visit to another page (the set per period, the day per set)
kept_widgets.keep([f"tracking_other_set_{period.label}", f"tracking_set_{period.label}", "tracking_threshold",
                   "tracking_team"])
if for_period.empty:
    st.info(f"**No saved target set for {period.label}.** Tracking follows a saved set: choose and save "
            f"the targets for {period.label} on the Targets page, then come back here.",
            icon=":material/flag:")
    st.page_link("pages/targets.py", label="Go to Targets", icon=":material/flag:")
    if sets.empty:
        st.stop()
    set_id = st.selectbox("Or track another saved set", list(labels), index=None, format_func=labels.get,
                          placeholder="Choose a saved set", key=f"tracking_other_set_{period.label}")
else:
    options = list(for_period["set_id"].astype(int)) + [i for i in labels if i not in set(for_period["set_id"])]
    set_id = st.selectbox("Target set", options, index=0, format_func=labels.get,
                          key=f"tracking_set_{period.label}",
                          help=f"The sets saved for {period.label} come first (newest first).")
if set_id is None:
    st.stop()

header = sets[sets["set_id"] == set_id].iloc[0]
set_period = parse_period(str(header["period"]), fiscal_month)
metric_kind = metrics.metric_kind(str(header["metric"]))
money_metric = metric_kind == "money"
currency = session.currency()     # the imported deals' currency: EUR data reads €, never $


def fmt(value) -> str:
    """A value of the set's metric, formatted as its kind (money, count) says, money in the data's currency."""
    return formatting.value(value, metric_kind, currency)


kept_widgets.keep([f"tracking_as_of_{set_id}"])
c1, c2 = st.columns([1, 2])
default_day = tracking_view.default_day(data_as_of, set_period.start, set_period.end)
as_of = c1.date_input("As of", value=default_day, min_value=set_period.start, max_value=set_period.end,
                      key=f"tracking_as_of_{set_id}", format="YYYY-MM-DD",
                      help="Default: the latest activity or deal date in the data.")
threshold_pct = c2.slider("Flag a rep when the chance of base falls below", min_value=5, max_value=95,
                          value=round(100 * tracking.DEFAULT_THRESHOLD), step=5, format="%.0f%%",
                          key="tracking_threshold")

try:
    # cached per set, day and threshold; the server's warmer makes the one this page opens on
    t = tracking_view.track(conn, _set_version(header), int(set_id), as_of, threshold_pct / 100,
                            fit=period_fits.cached_fit_period, coverage=session.data_coverage())
except (ValueError, LookupError) as exc:  # e.g. a set without base targets
    st.error(f"This set cannot be tracked: {exc}")
    st.stop()

team = t.team
st.caption(f"**{header['name']}** v{header['version']} · {set_period.label} · {header['metric']} · as of "
           f"{t.as_of:%d %b %Y}: by now a rep usually has **{formatting.rate(team['share_expected'])}** of the "
           f"period's result (within-period shape: {t.shape_source}; model: {t.model_source}).")
for note in t.notes:
    st.caption(f":material/info: {note}")
if t.period_over:
    st.caption(f":material/event_busy: {set_period.label} is over: nothing is needed per week any more.")
elif "open_deals" in team:   # only when the data has created dates and lost deals: never a pipeline of zeros
    st.caption(f":material/filter_alt: Open pipeline: {formatting.count(team['open_deals'])} open deals worth "
               f"{fmt(team['open_pipeline'])}; about {fmt(team['open_pipeline_expected'])} of it expected to be won "
               f"by {set_period.end:%d %b}. Usually {formatting.rate(team['share_from_open_deals'])} of what is left "
               "comes from deals already open: the chances count it.")

k1, k2, k3, k4, k5 = st.columns(5)
k1.metric("Team to date", fmt(team["actual"]), f"{formatting.rate(team['attainment_so_far'])} of {fmt(team['team_target'])}",
          delta_color="off", delta_arrow="off", border=True,
          help=f"The team number is {fmt(team['team_target'])} (the set's team target, else the sum of base targets).")
sum_note = projection_sum_note(team["projected"], t.summary["projected"], fmt)   # (the whole set's reps)
k2.metric("Projected total", fmt(team["projected"]),
          f"{formatting.rate(team['projected_attainment'])} of {fmt(team['team_target'])}", delta_color="off", delta_arrow="off",
          border=True, help=f"Median projection; 80% range {fmt(team['projected_p10'])} – "
                            f"{fmt(team['projected_p90'])}. {sum_note}".strip())
k3.metric("Team chance", formatting.rate(team["team_p_attain"]), border=True,
          help="Chance that the team's total reaches the team number by period end.")
k4.metric("Reps reaching base", formatting.rate(team["expected_share_reaching_base"]),
          f"promised {formatting.rate(team['promised_share_reaching_base'])}", delta_color="off", delta_arrow="off",
          border=True, help="Expected share of reps reaching base from here (mean of their chances) against "
                            "the share the set promised (mean of its saved chances).")
k5.metric("Flagged reps", f"{team['flagged']} of {team['reps']}", f"chance below {threshold_pct}%",
          delta_color="off", delta_arrow="off", border=True)

head, pick = st.columns([3, 1], vertical_alignment="bottom")
head.subheader("Who needs attention")
teams = sorted(str(x) for x in t.summary["team"].dropna().unique())
if teams:
    team_filter = pick.selectbox("Team", ["All teams", *teams], key="tracking_team",
                                 help="Narrows the rep tables and charts; the figures above are for the whole set.")
else:   # a filter of one choice, "All teams", would promise teams the data does not have
    team_filter = "All teams"
    pick.caption("No team filter: no roster with teams imported.")
summary = t.summary if team_filter == "All teams" else t.summary[t.summary["team"] == team_filter]
table = _rep_table(summary, t.measured, t.period_over)
config = _column_config(money_metric, currency)

flagged = table[table["status"] == STATUS_FLAGGED].sort_values("p_attain")
if flagged.empty:
    st.success(f"Every rep reached base in {set_period.label}." if t.period_over else
               f"No rep's chance of reaching base is below {threshold_pct}%.", icon=":material/check_circle:")
else:
    meanings = "; ".join(f"*{c.capitalize()}*: {CAUSE_WORDS[c]}" for c in dict.fromkeys(flagged["cause"])
                         if c in CAUSE_WORDS)
    # Once the period is over a chance is 0 or 1: "below 30%" would call a missed target a risk still to mind.
    verdict = (f"**{len(flagged)} rep(s) ended {set_period.label} below base: {', '.join(flagged['rep'])}.**"
               if t.period_over else
               f"**{len(flagged)} rep(s) flagged: {', '.join(flagged['rep'])}.** Their chance of reaching "
               f"base by {set_period.end:%d %b} is below {threshold_pct}%.")
    st.markdown(verdict + (f" {meanings}." if meanings else ""))
    tables.table(flagged.drop(columns="status"), hide_index=True, width="stretch", column_config=config,
                 key="tracking_flagged",
                 column_order=[c for c in ("rep", "p_attain", "pace", "cause", "cause_detail",
                                           "what_it_takes_per_week", "calls_per_week", "p_attain_saved", "actual",
                                           "target", "team") if c in flagged])
behind = table[table["status"] == STATUS_BEHIND]
if not behind.empty:
    st.caption(f"Also behind the expected pace but not flagged: {', '.join(behind['rep'])}.")

bars, hist = _charts(summary, (_set_version(header), int(set_id), as_of, threshold_pct, team_filter),
                     currency if money_metric else "")
st.plotly_chart(bars, width="stretch", key="tracking_bars")
hist_col, team_col = st.columns([3, 2], vertical_alignment="center")
hist_col.plotly_chart(hist, width="stretch", key="tracking_hist")
with team_col, st.container(border=True):
    st.markdown("**The team line**")
    st.markdown(
        f"- Team number **{fmt(team['team_target'])}**: **{fmt(team['actual'])}** so far "
        f"({formatting.rate(team['attainment_so_far'])}), projected **{fmt(team['projected'])}** "
        f"(80% range {fmt(team['projected_p10'])} – {fmt(team['projected_p90'])})."
        + (f" {sum_note}" if sum_note else "") + "\n"
        f"- Chance the team reaches its number: **{formatting.rate(team['team_p_attain'])}**.\n"
        f"- Reps projected at or above base: **{formatting.rate(team['share_projected_at_base'])}**; expected to "
        f"reach it: **{formatting.rate(team['expected_share_reaching_base'])}**; the set promised "
        f"**{formatting.rate(team['promised_share_reaching_base'])}**.")

st.subheader("Every rep")
tables.table(table.sort_values("p_attain"), hide_index=True, width="stretch", column_config=config,
             key="tracking_all")
acts = t.activities if team_filter == "All teams" else t.activities[t.activities["rep"].isin(summary.index)]
# (named by what it holds: an orders export has deals alone, a deals export no calls)
volumes = list(dict.fromkeys(t.activities["activity"])) if "activity" in t.activities else []
with st.expander(f"{tracking_view.volumes_named(volumes)} to date against their targets"):
    st.caption(tracking_view.volume_pace_basis(t.activity_share, team["share_expected"], header["metric"]))
    tables.table(acts.assign(pace=formatting.whole_percent(acts["pace"])), hide_index=True, width="stretch",
                 column_config={"rep": "Rep", "activity": "Activity",
                                "pace": st.column_config.NumberColumn("Pace", format="%.0f%%"),
                                "target": st.column_config.NumberColumn("Per period", format="%,.0f"),
                                "expected_to_date": st.column_config.NumberColumn("Expected by now",
                                                                                  format="%,.0f"),
                                "actual": st.column_config.NumberColumn("Actual", format="%,.0f")})

NOTE_SAID = "tracking_note_said"     # what the last "Add note" did, shown on the run after it


def _add_note(set_id: int, reps: list[str]) -> None:
    """Save the note written; only then clear it (an empty one is refused, the text left as it was)."""
    text, rep = st.session_state.get("tracking_note_text", ""), st.session_state.get("tracking_note_rep")
    if not text.strip() or rep not in reps:
        st.session_state[NOTE_SAID] = ("warning", "Write something first: an empty note is not saved.")
        return
    tracking.add_note(conn, set_id, rep, text, st.session_state.get("tracking_note_date", date.today()),
                      author=auth.author())
    st.session_state["tracking_note_text"] = ""
    st.session_state[NOTE_SAID] = ("toast", f"Note for {rep} saved.")


st.subheader("Check-in notes")
reps = list(t.summary.sort_values("p_attain").index)
# A note half written in a one-to-one is still there after a look at another page: the fields are no
# form (a form's values stay in the browser until it is sent) and their values are kept.
kept_widgets.keep(["tracking_note_rep", "tracking_note_date", "tracking_note_text"])
if st.session_state.get("tracking_note_rep") not in reps:
    st.session_state.pop("tracking_note_rep", None)     # a rep this set does not have: the first one
left, right = st.columns([2, 3])
with left, st.container(border=True):
    if not auth.allowed("notes"):  # (a viewer reads notes; a manager or an admin writes them)
        st.caption("Your account can read the notes, not add them.")
    st.selectbox("Rep", reps, key="tracking_note_rep", help="Reps with the lowest chance first.")
    st.date_input("Date", value=date.today(), key="tracking_note_date", format="YYYY-MM-DD")
    st.text_area("Note", key="tracking_note_text", placeholder="What we agreed in the one-to-one")
    st.button("Add note", key="tracking_add_note", type="primary", disabled=not auth.allowed("notes"),
              on_click=_add_note, args=(int(set_id), reps))
    kind, text = st.session_state.pop(NOTE_SAID, (None, ""))
    if kind == "toast":
        st.toast(text)
    elif kind == "warning":
        st.warning(text)
with right:
    notes = tracking.list_notes(conn, int(set_id))
    if notes.empty:
        st.caption("No check-in notes for this set yet.")
    else:
        tables.table(notes[["note_date", "rep", "note"]], hide_index=True, width="stretch", key="tracking_notes",
                     column_config={"note_date": st.column_config.DateColumn("Date"),
                                    "rep": st.column_config.TextColumn("Rep"),
                                    "note": st.column_config.TextColumn("Note", width="large")})
        st.download_button("Download notes (CSV)", tracking.notes_csv(conn, int(set_id)),
                           file_name=f"checkin-notes-{header['name']}-{set_period.label}.csv".replace(" ", "_"),
                           mime="text/csv", key="tracking_notes_csv", icon=":material/download:")
