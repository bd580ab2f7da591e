"""Targets: the calibration session — tiers from each rep's range, per-rep edits, a team number split,
the sales math behind every target, saved and exported target sets.

Thin: widgets and layout. The numbers come from analytics/ (calibration, target_drafts, draft_edits,
allocation, target_sets); what the manager set up is one working draft in session state
(dashboard/draft_state.py) that survives a visit to any other page, until "New set".
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import streamlit as st

from analytics import formatting, metrics, target_sets, target_slips, targets
from analytics.allocation import TeamAllocation, allocation_for, chance_from_totals, team_totals, team_verdict
from analytics.calibration import Calibration
from analytics.complete_history import NoCompleteHistory
from analytics.draft_edits import (
    apply_edits,
    base_total_chance_words,
    rep_chance_box_words,
    table_edits,
    team_total_words,
)
from analytics.metric_registry import resolve_metric
from analytics.periods import parse_period
from analytics.sales_math import NO_ACTIVITY_PLAN, ActivityPlanner, focus_stages, planned_stages
from analytics.target_drafts import adopt_plan, build_draft, replan
from analytics.target_floor import floor_for
from analytics.year_ago import year_ago
from dashboard import draft_state, frame, kept_widgets, rep_facts_view, session, tables, target_set_panel
from dashboard.one_rep_panel import PanelInputs, one_rep_panel
from dashboard.target_table import (
    TIER_LABELS,
    range_words,
    rep_table,
    rep_table_columns,
    shown_values,
    with_facts,
)

frame.require("pages/targets.py")

TEAM_REST_WORDS = {"resplit": "Re-split the rest at equal chance across the reps without overrides",
                   "shortfall": "Keep the shortfall"}

@st.cache_data(show_spinner=False, max_entries=48)
def _ranges(_cal: Calibration, key: str, currency: str) -> list[str]:
    """Each rep's range in words, once per calibration (a thousand reps: three thousand amounts written)."""
    return range_words(_cal.predictive, _cal.summary, [str(r) for r in _cal.predictive.reps],
                       lambda v: formatting.value(v, metrics.metric_kind(_cal.metric), currency))


conn = session.db()
st.title("Targets")
st.caption("The calibration session: each rep's range from their own history, tiers with the chance of "
           "reaching them, overrides and the rep's own proposal, a team number split fairly, the sales math "
           "behind every target — saved, versioned and exported.")

grain, fsm, version = session.grain(), session.fiscal_start_month(), session.data_version()
currency = session.currency()     # the imported deals' currency: EUR data reads €, never $
choices = session.period_choices(session.data_as_of(), grain, fsm)
if not choices:  # (no closed deal and no activity: nothing to calibrate on)
    frame.empty_state("No deals or activities yet. Import a CRM export to calibrate targets.")
    st.stop()
# The sidebar's period; the next period when it has not been chosen yet.
period = session.selected_period() or parse_period(choices[0], fsm)
metric_names = [m for m in metrics.METRICS if resolve_metric(m).target_refusal is None]
cov = session.data_coverage()
# A first draft opens on a metric with data (an export of activities alone opened on won revenue, refused).
draft = draft_state.working_draft(metric=metric_names[cov.first_with_data(metric_names)])
draft_state.seed_widgets(draft)     # widgets Streamlit forgot while another page was shown


@st.cache_data(show_spinner=False, max_entries=48)
def _model_draft(_cal: Calibration, key: str, tiers_key: str, team_target: float | None, allocation: str,
                 q: float, currency_code: str | None) -> target_sets.TargetSetDraft:
    """The model's targets (no activity plan: :func:`_planned` makes it once per set of base targets)."""
    baseline = _cal.summary["baseline"].reindex(list(_cal.predictive.reps)).to_numpy(dtype=float)
    return build_draft(_cal.predictive, name="working", period=_cal.period, metric=_cal.metric,
                       tiers=tiers_key, team_target=team_target, allocation=allocation, baseline=baseline,
                       q=q, weights=_cal.within_period_shape().to_numpy(dtype=float),
                       team=None if team_target is None else _allocation(_cal, key, team_target),
                       currency_code=currency_code, floor=floor_for(_cal, formatting.currency_symbol(currency_code)))


@st.cache_resource(show_spinner=False, max_entries=8)
def _focus(_cal: Calibration, key: str) -> pd.DataFrame:
    """Each rep's personal focus, once per calibration: it follows the funnel, not the targets (a thousand
    reps' took a third of every replan). Read, never changed."""
    return focus_stages(_cal.funnel())


@st.cache_resource(show_spinner=False, max_entries=8)
def _planner(_cal: Calibration, _cov, key: str, q: float) -> ActivityPlanner:
    """The activity planner of the calibration's funnel at confidence ``q``: it remembers each rep's plan per
    base target, so an override plans that one rep again, not the thousand. Shared, guarded by its own lock."""
    return ActivityPlanner(_cal.funnel(), _cal.period, q=q, metric=_cal.metric, coverage=_cov)


@st.cache_data(show_spinner="Working out the activity plans…", max_entries=48)
def _planned(_cal: Calibration, _cov, _draft: target_sets.TargetSetDraft, key: str, base_targets: bytes, q: float,
             currency_code: str | None):
    """The activity plan follows the base targets only: keyed by them, an edit of a higher tier does not redo
    it (the page adopts the plan into its current draft)."""
    return replan(_draft, _cal.funnel(), _cal.period, q=q, coverage=_cov, currency_code=currency_code,
                  focus=_focus(_cal, key), planner=_planner(_cal, _cov, key, q))


@st.cache_data(show_spinner="Simulating the team's outcomes…", max_entries=8)
def _team_totals(_cal: Calibration, key: str) -> np.ndarray:
    """The team's simulated totals, once per calibration: they do not depend on the team number, so a new
    number is read from them at once."""
    return team_totals(_cal.predictive)


@st.cache_data(show_spinner=False, max_entries=48)
def _allocation(_cal: Calibration, key: str, team_target: float) -> TeamAllocation:
    return allocation_for(_cal, team_target, totals=_team_totals(_cal, key))


def _fmt(value) -> str:
    """A value of the chosen metric, formatted as its kind (money, count) says."""
    return formatting.value(value, metrics.metric_kind(metric), currency)


# ---------------------------------------------------------------- tiers
c_metric, c_base, c_stretch, c_exc, c_conf = st.columns([2, 1, 1, 1.3, 1.5], vertical_alignment="bottom")
metric = c_metric.selectbox("Metric", metric_names, key="tg_metric",
                            format_func=lambda m: metrics.METRIC_LABELS.get(m, m)
                            + cov.absent_tag(m),
                            help="Outcome (won revenue, deals) or activity (calls, meetings, demos…).")
base_p = c_base.number_input("Base at P", 1, 98, step=5, key="tg_base",
                             help="Base target = this percentile of the rep's range; 35 gives a 65% chance. "
                                  "With a team number split, base is the rep's share of it instead.")
stretch_p = c_stretch.number_input("Stretch at P", 2, 99, step=5, key="tg_stretch")
use_exc = c_exc.toggle("Excellence tier", key="tg_use_exc")
exc_p = c_exc.number_input("Excellence at P", 3, 99, step=5, key="tg_exc", disabled=not use_exc,
                           label_visibility="collapsed")
plan_stages = planned_stages(cov)
conf_pct = draft.confidence     # without an activity log or created dates the plan is deals alone: nothing to set
if plan_stages:
    conf_pct = c_conf.slider("Activity plan confidence", 50, 95, step=5, key="tg_conf", format="%d%%",
                             help="The activity plan gives enough calls, meetings and demos to reach the "
                                  "target with this probability at the rep's own conversion rates.")
draft_state.remember(draft, metric=metric, base=base_p, stretch=stretch_p, use_excellence=use_exc,
                     excellence=exc_p, confidence=conf_pct)
confidence = conf_pct / 100
money_metric = metrics.metric_kind(metric) == "money"
try:
    tiers = targets.parse_tiers([base_p, stretch_p] + ([exc_p] if use_exc else []))
except ValueError as exc:
    st.error(f"Tiers refused: {exc}.")
    st.stop()
tiers_key = ",".join(f"{v:g}" for v in tiers.values())
if (absent := cov.why_absent(metric)) is not None:
    # Absent data is not a range of zeros: say what was not imported instead of calibrating it.
    st.info(f"**{metrics.METRIC_LABELS.get(metric, metric)}: {absent}.** Import the CRM export that holds it "
            f"on the Import page, or choose one of: "
            f"{', '.join(metrics.METRIC_LABELS.get(m, m) for m in cov.available_metrics() if m in metric_names)}.",
            icon=":material/database_off:")
    st.stop()
frame.gap_warnings(metric)

cache_key = f"{session.db_path()}|{version}"
try:
    cal = session.calibration(metric, grain, period.label)
except NoCompleteHistory as exc:   # the engine's refusal, as Baselines and the CLI say it: no $1 tiers to save
    st.warning(exc.sentence, icon=":material/history:")
    st.stop()
except ValueError as exc:
    st.warning(f"No calibration for {metrics.METRIC_LABELS.get(metric, metric)} in {period.label}: {exc}")
    st.stop()
predictive, summary = cal.predictive, cal.summary
reps = [str(r) for r in predictive.reps]
if not reps:
    st.warning(f"No active reps in {period.label}.")
    st.stop()
context = f"{metric}|{grain}|{period.label}"
default_name = f"{metrics.METRIC_LABELS.get(metric, metric)} {period.label}"
if draft.name_for != context:     # a name per metric and period until the manager types one
    draft.name, draft.name_for = draft.name_in(context, default_name), context
    st.session_state["tg_name"] = draft.name
draft_caption = st.empty()      # "Working draft: …", written once the draft's numbers are known

# ---------------------------------------------------------------- team number
with st.container(border=True):
    st.subheader("Top-down team number")
    c_on, c_g, c_method = st.columns([1.2, 1.5, 2], vertical_alignment="bottom")
    no_split = resolve_metric(metric).team_split_refusal      # a rate or an average: no shares to split into
    split_on = c_on.toggle("Split a team number", key="tg_split", disabled=no_split is not None,
                           help=(f"Not for this metric: {no_split}." if no_split else
                                 "Base targets become a split of the number the company handed down.")
                           ) and no_split is None
    default_g = float(round(summary["baseline"].sum() * 1.1, -3 if money_metric else 0))
    if draft.team_for != context or draft.team_number is None:      # a sensible number per metric and period
        draft.team_number, draft.team_for = draft.team_number_in(context, default_g), context
        st.session_state["tg_team"] = draft.team_number
    team_target = c_g.number_input("Team number", min_value=0.0, step=max(default_g / 100, 1.0),
                                   format="%.0f", key="tg_team", disabled=not split_on)
    allocation = c_method.radio("Split", ["equal-chance", "proportional"], horizontal=True, key="tg_alloc",
                                disabled=not split_on,
                                format_func={"equal-chance": "Equal chance for every rep",
                                             "proportional": "Proportional to baseline"}.get)
    team_rest = st.radio("When an override or an accepted proposal moves a rep's base target",
                         list(TEAM_REST_WORDS), key="tg_team_rest", format_func=TEAM_REST_WORDS.get,
                         horizontal=True, disabled=not split_on)
    draft_state.remember(draft, split=split_on, team_number=float(team_target), allocation=allocation,
                         team_rest=team_rest)
    draft.keep_team_number(context, float(team_target), proposed=default_g)
    team = None
    if split_on and team_target > 0:
        team = _allocation(cal, f"{cache_key}|{context}", float(team_target))
        m1, m2, m3, m4 = st.columns(4)
        m1.metric("Team's chance of reaching it", formatting.rate(team.team_chance),
                  help="Simulated with the shared period shock: reps' outcomes move together.")
        m2.metric("Team median outcome", _fmt(team.team_p50),
                  help="The middle of the team's simulated totals: as likely above as below. With the shared "
                       "period shock it is not the sum of the reps' medians.")
        m3.metric("Team P90 (9 in 10 below)", _fmt(team.team_p90),
                  help="The team's total stays below this in 9 simulated periods out of 10.")
        rep_chance_box = m4.empty()     # the equal split's chance, or the re-split reps' once the edits are known
        (st.error if team.beyond_reach else st.info)(team_verdict(
            team.team_target, team.team_chance, team.p_star, team.team_p50, team.team_p90,
            team.table["proportional_p"], team.beyond_reach, _fmt, floored=team.floored))
        honesty = st.empty()    # the team total at base against the number, after the edits below
        fmt_money = f"{currency}%,.0f" if money_metric else "localized"
        split_table = team.table.assign(team=lambda d: d["rep"].map(summary["team"]).fillna(""),
                                        proportional_p=lambda d: formatting.whole_percent(d["proportional_p"]),
                                        equal_chance_p=lambda d: formatting.whole_percent(d["equal_chance_p"]))
        has_teams = split_table["team"].astype(str).str.strip().ne("").any()    # (no roster with teams: no column)
        tables.table(split_table[["rep", *(["team"] if has_teams else []), "baseline", "proportional",
                                  "proportional_p", "equal_chance", "equal_chance_p"]],
                     hide_index=True, width="stretch", height=240, key="tg_alloc_table",
                     column_config={
                         "rep": "Rep", "team": "Team",
                         "baseline": st.column_config.NumberColumn("Baseline", format=fmt_money),
                         "proportional": st.column_config.NumberColumn("Proportional", format=fmt_money),
                         "proportional_p": st.column_config.NumberColumn("Chance", format="%.0f%%"),
                         "equal_chance": st.column_config.NumberColumn("Equal chance", format=fmt_money),
                         "equal_chance_p": st.column_config.NumberColumn("Chance ", format="%.0f%%")})
    elif split_on:
        st.warning("Enter a team number above zero to split it.")

team_value = float(team_target) if team is not None else None
model = _model_draft(cal, f"{cache_key}|{context}", tiers_key, team_value, allocation, confidence,
                     session.currency_code())

# ---------------------------------------------------------------- the manager's edits over the model
kept_widgets.keep(["tg_edit_tier"])     # the tier being edited, as left before a look at another page
if st.session_state.get("tg_edit_tier") not in tiers:
    st.session_state["tg_edit_tier"] = "base"
edit_tier_now = st.session_state["tg_edit_tier"]
model_tier = model.rows[model.rows["tier"] == edit_tier_now].set_index("rep").reindex(reps)
editor_state = st.session_state.get(f"tg_editor|{context}|{edit_tier_now}") or {}
edits, entry_problems = table_edits(draft.edits_for(context), edit_tier_now, reps,
                                    shown_values(model_tier["model_value"].to_numpy(dtype=float), money_metric),
                                    editor_state.get("edited_rows") or {}, rep_rows=summary, currency=currency)
draft.with_edits(context, edits)
edited = apply_edits(model, edits, predictive, rep_rows=summary)
base_key = edited.draft.rows.loc[edited.draft.rows["tier"] == "base", ["rep", "target"]]
# keyed by the base targets alone (and the calibration, confidence, currency): a change of a higher tier, or
# of a setting that leaves every base target as it was, keeps the plan (a thousand reps: half a second)
planned = _planned(cal, cov, edited.draft, f"{cache_key}|{context}",
                   pd.util.hash_pandas_object(base_key, index=False).to_numpy().tobytes(), confidence,
                   session.currency_code())
work, plan = adopt_plan(edited.draft, planned), planned.plan
rows, problems = work.rows, {**entry_problems, **edited.problems}
base_rows = rows[rows["tier"] == "base"]
base_total = float(base_rows["target"].sum())
if edited.team is not None:     # the team total against the team number, at all times
    said = team_total_words(edited.team, _fmt)
    getattr(honesty, said.kind)(said.text, icon=":material/balance:")
if team is not None:    # the chance the table shows for the reps the split sets: after a re-split, theirs
    box = rep_chance_box_words(team.p_star, None if edited.team is None else edited.team)
    rep_chance_box.metric(box.label, formatting.rate(box.chance), help=box.help)

# ---------------------------------------------------------------- the working draft's signature
signature = pd.util.hash_pandas_object(rows[["rep", "tier", "target", "source", "reason"]].astype(str),
                                       index=False).sum().item()
signature = f"{signature}|{tiers_key}|{team_value}|{work.method}|{work.team_rest}"
# ---------------------------------------------------------------- tiers overview
check = targets.base_share_check(base_rows["p_attain"], "the base percentile" if team is None else "the team target")
st.subheader(f"Tiers for {period.label}")
k1, k2, k3, k4 = st.columns(4)
k1.metric("Reps", f"{len(reps)}")
k2.metric("Expected share reaching base", formatting.rate(check.expected_share),
          help="The mean chance of reaching base; practitioners aim for 60–70%.")
on_number = edited.team is None or edited.team.difference == 0
additive = resolve_metric(metric).additive
# (cached: once per calibration; an average has no team total to simulate)
totals = _team_totals(cal, f"{cache_key}|{context}") if additive else np.empty(0)
if not additive:     # an average of each rep's own deals: no team total to add up
    k3.metric("Median base target", _fmt(float(base_rows["target"].median())),
              help="The middle of the reps' base targets. An average does not add up over reps: no team total.")
elif edited.team is None:     # no number to compare with: how often the team reaches its base total
    base_chance = chance_from_totals(totals, base_total)
    k3.metric("Team total at base", _fmt(base_total), delta=f"reached {formatting.rate(base_chance)} of the time",
              delta_color="off", delta_arrow="off", help=base_total_chance_words(base_total, base_chance, _fmt)
              + " Each rep's base has its own chance; a miss by one is made up by another's beat.")
else:
    k3.metric("Team total at base", _fmt(base_total),
              delta=f"{_fmt(edited.team.difference)} against the team number",
              delta_color="off" if on_number else "normal", delta_arrow="off" if on_number else "auto")
if additive:     # the team's own middle outcome, not the reps' medians added up
    medians = float(summary["baseline"].sum())
    k4.metric("Team median outcome", _fmt(float(np.median(totals))),
              delta=f"reps' medians add to {_fmt(medians)}", delta_color="off", delta_arrow="off",
              help="The middle of the team's simulated totals: as likely above as below. The reps' medians added "
                   "up fall short of it: each rep's range is skewed (a big quarter is likelier than a wipe-out) "
                   "and the reps' periods move together.")
else:
    k4.metric("Median of the reps' medians", _fmt(float(summary["baseline"].median())),
              help="The middle of the reps' baselines (each an even chance of doing better or worse).")
# What the team did in the same period a year ago, beside its range: the number the meeting checks a plan against.
if (ago := year_ago(cal.history, metric, period, totals, len(reps), missed=cov.misses(metric))) is not None:
    if ago.outside:
        st.warning(ago.sentence(_fmt), icon=":material/history:")
    else:
        st.caption(f":material/history: {ago.sentence(_fmt)}")
for problem in targets.tier_order_problems(rows, metrics.metric_kind(metric), currency):
    st.warning(f"Tiers out of order — {problem}. Raise the higher tier or lower this one.",
               icon=":material/swap_vert:")
for problem in target_slips.unit_slip_problems(rows, metrics.metric_kind(metric), currency):
    st.warning(f"Target far below the model — {problem}. Its chance is 100%: type the whole amount.",
               icon=":material/warning:")
if check.warning:
    st.warning(check.message, icon=":material/warning:")
elif check.level == "ok":
    st.success(check.message, icon=":material/check_circle:")
else:
    st.info(check.message)

# ---------------------------------------------------------------- per-rep table (editable)
st.subheader("Per rep: range, target, chance")
st.caption("Type a target to override the model (a reason is required), or enter the rep's own proposal to "
           "see where it falls in their range and tick Accept to make it the target. Chances update as you edit.")
edit_tier = st.segmented_control("Tier to edit", list(tiers), key="tg_edit_tier",
                                 format_func=TIER_LABELS.get) or "base"
num_format = f"{currency}%,.0f" if money_metric else "localized"
# the facts a manager argues with beside each rep: last actual, CRM quotas (when imported), recent periods
data_key = (session.db_path(), version, fsm)      # read once: the facts and the verdict are keyed by it
facts = rep_facts_view.facts_columns(metric, grain, period.label, reps, currency=currency, data_key=data_key)
table = rep_table(rows, edit_tier, reps, predictive, summary, edits, problems, money=money_metric,
                  currency=currency, ranges=_ranges(cal, f"{cache_key}|{context}", currency))
st.data_editor(with_facts(table, facts.frame), key=f"tg_editor|{context}|{edit_tier}", width="stretch",
               height=min(38 + 35 * len(reps), 460), num_rows="fixed", placeholder=formatting.BLANK,
               disabled=["_index", "Range", "Model", "Chance", "Source", "Note", *facts.columns],
               column_config={**rep_table_columns(edit_tier, tiers, team is not None, num_format),
                              **facts.column_config})
if facts.note:
    st.caption(facts.note)
# never waits (the box fills itself in), and is filled last: the backtest it starts runs beside nothing of
# the page's first render
fill_verdict = rep_facts_view.verdict_later(metric, grain, 0.0, data_key=data_key)
if problems:
    st.error("Not applied: " + "; ".join(problems.values()), icon=":material/block:")

# ---------------------------------------------------------------- one rep: override, proposal, sales math
st.subheader("One rep at a time")
one_rep_panel(PanelInputs(cal, rows, list(tiers), context, edits, plan, work.assumptions,
                          team_value or base_total, confidence, cal.within_period_shape().to_numpy(dtype=float),
                          currency, _fmt))

# ---------------------------------------------------------------- activity plan for everyone
if plan is not None:
    # Drawn only while open (opening it reruns the page): a thousand reps' plan table was built on every click,
    # unseen in the closed box.
    plan_box = st.expander("Activity plan per rep (base targets)", key="tg_plan_open", on_change="rerun")
    if plan_box.open:
        with plan_box:
            # a stage whose data was not imported is not a column of blanks, nor are words no rep has
            shown = plan[["rep", "target", "deals", *plan_stages]
                         + (["calls_per_week"] if "calls" in plan_stages else [])].copy()
            if "calls" in plan_stages:
                shown["calls_per_week"] = shown["calls_per_week"].map(lambda v: formatting.per_week(v, "call"))
            for column, said in (("plan", work.assumptions.get("plans", {})),
                                 ("focus", work.assumptions.get("focus", {}))):
                if said:
                    shown[column] = shown["rep"].map(said).fillna("")
            if not plan_stages:
                st.caption(NO_ACTIVITY_PLAN)
            tables.table(shown, hide_index=True, width="stretch", key="tg_plan_table", column_config={
                "rep": "Rep", "target": st.column_config.NumberColumn("Base target", format=num_format),
                "deals": "Deals", "opportunities": "Opportunities", "demos": "Demos", "meetings": "Meetings",
                "calls": "Calls", "calls_per_week": st.column_config.TextColumn("Calls a week"),
                "plan": "In words", "focus": "Personal focus"})

# ---------------------------------------------------------------- save and saved sets
st.subheader("Save")
target_set_panel.save_panel(conn, work, signature, context, default_name)
with draft_caption.container():     # at the top of the page, written once the save has been made
    opened = draft.open_for(context)
    c_cap, c_new = st.columns([5, 1], vertical_alignment="center")
    looked_at = f"{metrics.METRIC_LABELS.get(metric, metric)} {period.label}"    # the default name: said once
    c_cap.caption(
        f"Working draft: **{draft.name or 'unnamed'}**"
        + (f" (open: v{opened.version} {opened.status}, revision {opened.revision})" if opened else " (not saved)")
        + ("" if draft.name == looked_at else f" · {looked_at}")
        + f" · base at P{base_p:g}"
        + (f" · team number {_fmt(team_value)} ({allocation.replace('-', ' ')}, "
           f"{'re-split' if team_rest == 'resplit' else 'shortfall kept'})" if team_value else "")
        + f" · {formatting.quantity(edits.count, 'edited target')}"
        + (f" · by {draft.author}" if draft.author else "")
        + (" · unsaved changes" if draft.has_unsaved(signature) else ""))
    c_new.button("New set", key="tg_new_set", on_click=draft_state.new_set_clicked,
                 args=(draft.has_unsaved(signature),),
                 help="Start again from the model: clears the tiers, team number, name and every edit. "
                      "Asks first when there are unsaved edits.")
    if st.session_state.get(draft_state.CONFIRM_NEW_KEY):
        st.warning("Start a new set? The working draft's unsaved edits are lost.", icon=":material/warning:")
        yes, no, _ = st.columns([1, 1, 3])
        yes.button("Yes, start a new set", key="tg_new_set_confirm", type="primary", on_click=draft_state.start_new_set)
        no.button("Cancel", key="tg_new_set_cancel", on_click=draft_state.cancel_new_set)
target_set_panel.saved_sets_panel()

# ---------------------------------------------------------------- the backtest's verdict, last
fill_verdict()
