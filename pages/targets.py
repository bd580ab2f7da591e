"""Targets: the calibration session — tiers from each rep's range, per-rep edits, a team number split,
the sales math behind every target, saved and exported target sets.

Thin: widgets and layout. The numbers come from analytics/ (calibration, targets, sales_math,
target_drafts, target_sets, export); the page only keeps the manager's edits in session state.
"""

from __future__ import annotations

import dataclasses
import math

import numpy as np
import pandas as pd
import streamlit as st

from analytics import formatting, metrics, sales_math, target_sets, targets
from analytics.allocation import TeamAllocation, allocation_for, team_verdict
from analytics.calibration import calibrate
from analytics.metric_registry import resolve_metric
from analytics.periods import parse_period
from analytics.target_drafts import build_draft, plan_sentences
from dashboard import frame, session, target_set_panel
from dashboard.target_set_panel import EDITS_KEY, one_rep_key

frame.require("pages/targets.py")

TIER_LABELS = {"base": "Base", "stretch": "Stretch", "excellence": "Excellence"}

conn = session.db()
st.title("Targets")
st.caption("The calibration session: each rep's range from their own history, tiers with the chance of "
           "reaching them, overrides and the rep's own proposal, a team number split fairly, the sales math "
           "behind every target — saved, versioned and exported.")

grain, fsm, version = session.grain(), session.fiscal_start_month(), session.data_version()
currency = session.currency()     # the imported deals' currency: EUR data reads €, never $
choices = session.period_choices(metrics.data_as_of(conn), grain, fsm)
if not choices:  # (no closed deal and no activity: nothing to calibrate on)
    frame.empty_state("No deals or activities yet. Import a CRM export to calibrate targets.")
    st.stop()
# The sidebar's period; the next period when it has not been chosen yet.
period = session.selected_period() or parse_period(choices[0], fsm)


# ---------------------------------------------------------------- cached engine calls
@st.cache_data(show_spinner="Calibrating each rep's range…", max_entries=24)
def _calibration(_conn, key: str, metric: str, grain: str, period_label: str, fiscal_month: int):
    """The fitted calibration without its connection (so it can be cached), its funnel and monthly shape."""
    cal = calibrate(_conn, metric, grain, parse_period(period_label, fiscal_month))
    funnel = cal.funnel()
    weights = cal.within_period_shape().to_numpy(dtype=float)
    return dataclasses.replace(cal, _conn=None, _funnel=funnel), weights


@st.cache_data(show_spinner=False, max_entries=48)
def _model_draft(_cal, _weights, _cov, key: str, tiers_key: str, team_target: float | None, allocation: str,
                 q: float) -> target_sets.TargetSetDraft:
    baseline = _cal.summary["baseline"].reindex(list(_cal.predictive.reps)).to_numpy(dtype=float)
    return build_draft(_cal.predictive, name="working", period=_cal.period, metric=_cal.metric,
                       tiers=tiers_key, team_target=team_target, allocation=allocation, baseline=baseline,
                       funnel=_cal.funnel(), q=q, weights=_weights, coverage=_cov)


@st.cache_data(show_spinner=False, max_entries=48)
def _allocation(_cal, key: str, team_target: float) -> TeamAllocation:
    return allocation_for(_cal, team_target)


def _fmt(value) -> str:
    """A value of the chosen metric, formatted as its kind (money, count) says."""
    return formatting.value(value, metrics.metric_kind(metric), currency)


def _percentile_label(p: float) -> str:
    """``P35``; the 50th percentile is named for what it is, the median."""
    return "median (P50)" if p == 50 else f"P{p:g}"


def _entry(text: object) -> str | float | None:
    """A typed amount with the data's currency symbol taken off (``€150,000`` reads as 150000)."""
    return text.strip().removeprefix(currency.strip()) if isinstance(text, str) else text  # type: ignore[return-value]


# ---------------------------------------------------------------- session setup
metric_names = [m for m in metrics.METRICS if m != "win_rate"]
for _key, _default in {"tg_base": 35, "tg_stretch": 70, "tg_exc": 90, "tg_use_exc": True, "tg_conf": 80}.items():
    st.session_state.setdefault(_key, _default)
c_metric, c_base, c_stretch, c_exc, c_conf = st.columns([2, 1, 1, 1.3, 1.5], vertical_alignment="bottom")
cov = session.data_coverage()
metric = c_metric.selectbox("Metric", metric_names, key="tg_metric",
                            format_func=lambda m: metrics.METRIC_LABELS.get(m, m)
                            + ("" if cov.has(m) else " (not imported)"),
                            help="Outcome (won revenue, deals) or activity (calls, meetings, demos…).")
base_p = c_base.number_input("Base at P", 1, 98, step=5, key="tg_base",
                             help="Base target = this percentile of the rep's range; 35 gives a 65% chance. "
                                  "With a team number split, base is the rep's share of it instead.")
stretch_p = c_stretch.number_input("Stretch at P", 2, 99, step=5, key="tg_stretch")
use_exc = c_exc.toggle("Excellence tier", key="tg_use_exc")
exc_p = c_exc.number_input("Excellence at P", 3, 99, step=5, key="tg_exc", disabled=not use_exc,
                           label_visibility="collapsed")
confidence = c_conf.slider("Activity plan confidence", 50, 95, step=5, key="tg_conf", format="%d%%",
                           help="The activity plan gives enough calls, meetings and demos to reach the "
                                "target with this probability at the rep's own conversion rates.") / 100
money_metric = metrics.metric_kind(metric) == "money"
tiers_spec = [base_p, stretch_p] + ([exc_p] if use_exc else [])
try:
    tiers = targets.parse_tiers(tiers_spec)
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

cache_key = f"{session.db_path()}|{version}"
try:
    cal, weights = _calibration(conn, cache_key, metric, grain, period.label, fsm)
except ValueError as exc:
    st.warning(f"No calibration for {metrics.METRIC_LABELS.get(metric, metric)} in {period.label}: {exc}")
    st.stop()
predictive, summary = cal.predictive, cal.summary
reps = list(np.asarray(predictive.reps, dtype=object))
if not reps:
    st.warning(f"No active reps in {period.label}.")
    st.stop()
context = f"{metric}|{grain}|{period.label}"
edits = st.session_state.setdefault(EDITS_KEY, {}).setdefault(context, {"overrides": {}, "proposals": {}})

# ---------------------------------------------------------------- team number
with st.container(border=True):
    st.subheader("Top-down team number")
    c_on, c_g, c_method = st.columns([1.2, 1.5, 2], vertical_alignment="bottom")
    split_on = c_on.toggle("Split a team number", key="tg_split",
                           help="Base targets become a split of the number the company handed down.")
    default_g = float(round(summary["baseline"].sum() * 1.1, -3 if money_metric else 0))
    if st.session_state.get("tg_team_for") != context:      # a sensible number per metric and period
        st.session_state["tg_team_for"] = context
        st.session_state["tg_team"] = st.session_state.pop("tg_team_reopened", default_g)
    team_target = c_g.number_input("Team number", min_value=0.0, step=max(default_g / 100, 1.0),
                                   format="%.0f", key="tg_team", disabled=not split_on)
    allocation = c_method.radio("Split", ["equal-chance", "proportional"], horizontal=True, key="tg_alloc",
                                disabled=not split_on,
                                format_func={"equal-chance": "Equal chance for every rep",
                                             "proportional": "Proportional to baseline"}.get)
    team = None
    if split_on and team_target > 0:
        team = _allocation(cal, f"{cache_key}|{context}", float(team_target))
        m1, m2, m3, m4 = st.columns(4)
        m1.metric("Team's chance of reaching it", formatting.rate(team.team_chance),
                  help="Simulated with the shared period shock: reps' outcomes move together.")
        m2.metric("Team median outcome (P50)", _fmt(team.team_p50))
        m3.metric("Team P90", _fmt(team.team_p90))
        m4.metric("Each rep's chance (equal split)", formatting.rate(1 - team.p_star))
        (st.error if team.beyond_reach else st.info)(team_verdict(
            team.team_target, team.team_chance, team.p_star, team.team_p50, team.team_p90,
            team.table["proportional_p"], team.beyond_reach, _fmt))
        table = team.table.assign(team=lambda d: d["rep"].map(summary["team"]).fillna(""),
                                  proportional_p=lambda d: 100 * d["proportional_p"],
                                  equal_chance_p=lambda d: 100 * d["equal_chance_p"])
        fmt_money = f"{currency}%,.0f" if money_metric else "localized"
        st.dataframe(table[["rep", "team", "baseline", "proportional", "proportional_p", "equal_chance",
                            "equal_chance_p"]],
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
model = _model_draft(cal, weights, cov, f"{cache_key}|{context}", tiers_key, team_value, allocation, confidence)


# ---------------------------------------------------------------- the manager's edits over the model
def _apply_table_edits(editor_key: str, tier: str, reps: list[str], model_values) -> None:
    """Fold the table's cell edits (Streamlit keeps them, cumulative, under the editor's key) into the
    session's edits. Idempotent, so it runs on every run before the targets are computed."""
    state = st.session_state.get(editor_key) or {}
    store_ = edits
    for idx, change in (state.get("edited_rows") or {}).items():
        rep = reps[int(idx)]
        key = (rep, tier)
        old_value, old_reason = store_["overrides"].get(key, (None, ""))
        value = change.get("Target", old_value)
        reason = change.get("Reason", old_reason) or ""
        if value is None or (isinstance(value, float) and math.isnan(value)) or (
                abs(float(value) - model_values[int(idx)]) < 0.5 and not reason):
            store_["overrides"].pop(key, None)
        else:
            store_["overrides"][key] = (float(value), reason)
        if "Rep proposal" in change or "Accept" in change:
            prop, acc = store_["proposals"].get(key, (None, False))
            acc = bool(change.get("Accept", acc))
            if "Rep proposal" in change:      # typed as text: a blank cell is no proposal, never "None"
                typed = _entry(change["Rep proposal"])
                ok, prop, why = targets.validate_target_entry(typed, _rep_row(rep))
                if not ok and typed not in (None, "", formatting.BLANK):
                    entry_problems[key] = f"{rep}'s proposal {change['Rep proposal']!r} refused: {why}"
                    continue
            if prop is None:
                store_["proposals"].pop(key, None)
            else:
                store_["proposals"][key] = (float(prop), acc)


def _rep_row(rep: str):
    return summary.loc[rep] if rep in summary.index else None


shown_value = np.round if money_metric else (lambda x: np.round(x, 1))
entry_problems: dict[tuple[str, str], str] = {}
if st.session_state.get("tg_edit_tier") not in tiers:
    st.session_state["tg_edit_tier"] = "base"
_model_tier = model.rows[model.rows["tier"] == st.session_state["tg_edit_tier"]].set_index("rep").reindex(reps)
_apply_table_edits(f"tg_editor|{context}|{st.session_state['tg_edit_tier']}", st.session_state["tg_edit_tier"],
                   reps, shown_value(_model_tier["model_value"].to_numpy(dtype=float)))

rows = model.rows.copy()
problems: dict[tuple[str, str], str] = dict(entry_problems)
for (rep, tier), (value, reason) in edits["overrides"].items():
    if tier not in tiers:
        continue
    try:
        rows = targets.apply_override(rows, predictive, rep, tier, value, reason, rep_row=_rep_row(rep))
    except (ValueError, KeyError) as exc:
        problems[(rep, tier)] = str(exc)
for (rep, tier), (value, accepted) in edits["proposals"].items():
    if tier not in tiers:
        continue
    take = accepted and (rep, tier) not in edits["overrides"]
    try:
        rows = targets.apply_rep_proposal(rows, predictive, rep, tier, value, accept=take, rep_row=_rep_row(rep))
    except (ValueError, KeyError) as exc:
        problems[(rep, tier)] = str(exc)

plan = None
activity_rows = model.activity_rows
assumptions = dict(model.assumptions)
funnel = cal.funnel()
if funnel is not None and len(funnel) and resolve_metric(metric).funnel_stage == "won":
    base_rows = rows.loc[rows["tier"] == "base", ["rep", "target"]].reset_index(drop=True)
    plan = sales_math.activity_plan(base_rows, funnel, cal.period, q=confidence, metric=metric, coverage=cov)
    activity_rows = sales_math.activity_rows(plan)
    assumptions["plans"] = plan_sentences(plan, grain, cov)
check = targets.base_share_check(rows.loc[rows["tier"] == "base", "p_attain"],
                                 "the base percentile" if team is None else "the team target")
assumptions["base_share"] = check.expected_share
if code := session.currency_code():    # exports write the set's money in it
    assumptions["currency"] = code
assumptions["warnings"] = [check.message] + [w for w in model.assumptions.get("warnings", [])[1:]]

# ---------------------------------------------------------------- tiers overview
st.subheader(f"Tiers for {period.label}")
base_rows = rows[rows["tier"] == "base"]
k1, k2, k3, k4 = st.columns(4)
k1.metric("Reps", f"{len(reps)}")
k2.metric("Expected share reaching base", formatting.rate(check.expected_share),
          help="The mean chance of reaching base; practitioners aim for 60–70%.")
k3.metric("Team total at base", _fmt(float(base_rows["target"].sum())))
k4.metric("Team median outcome", _fmt(float(summary["baseline"].sum())),
          help="The sum of the reps' medians (P50): an even chance for each rep of doing better or worse.")
for problem in targets.tier_order_problems(rows, metrics.metric_kind(metric), currency):
    st.warning(f"Tiers out of order — {problem}. Raise the higher tier or lower this one.",
               icon=":material/swap_vert:")
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
mine = rows[rows["tier"] == edit_tier].set_index("rep").reindex(reps)
q10 = predictive.quantile(0.10)
q90 = predictive.quantile(0.90)
notes = []
for rep, r in mine.iterrows():
    if (rep, edit_tier) in problems:
        notes.append("⚠ " + problems[(rep, edit_tier)])
    elif pd.notna(r["rep_proposal"]):
        notes.append(targets.place_proposal(predictive, rep, r["rep_proposal"], rows)["message"])
    else:
        notes.append("")
pending = {rep: v for (rep, t), (v, _) in edits["overrides"].items() if t == edit_tier}
reasons = {rep: why for (rep, t), (_, why) in edits["overrides"].items() if t == edit_tier}
accepted = {rep: a for (rep, t), (_, a) in edits["proposals"].items() if t == edit_tier}
table = pd.DataFrame({
    "Range": [f"{_fmt(a)} · {_fmt(m)} · {_fmt(b)}" for a, m, b in
              zip(q10, summary["baseline"].reindex(reps).to_numpy(dtype=float), q90, strict=True)],
    "Model": shown_value(mine["model_value"].to_numpy(dtype=float)),
    "Target": [float(pending.get(rep, t)) for rep, t in
               zip(reps, shown_value(mine["target"].to_numpy(dtype=float)), strict=True)],
    "Chance": 100 * mine["p_attain"].to_numpy(dtype=float),
    "Reason": [reasons.get(rep) or (r if isinstance(r, str) else "") for rep, r in zip(reps, mine["reason"],
                                                                                        strict=True)],
    "Rep proposal": ["" if formatting.is_blank(v) else formatting.money_exact(v, currency) if money_metric
                     else formatting.count(v) for v in mine["rep_proposal"].to_numpy(dtype=float)],
    "Accept": [bool(accepted.get(rep, False)) for rep in reps],
    "Source": mine["source"].to_numpy(),
    "Note": notes,
}, index=pd.Index(reps, name="Rep"))
editor_key = f"tg_editor|{context}|{edit_tier}"


num_format = f"{currency}%,.0f" if money_metric else "localized"
st.data_editor(
    table, key=editor_key, width="stretch", height=min(38 + 35 * len(reps), 460), num_rows="fixed",
    disabled=["_index", "Range", "Model", "Chance", "Source", "Note"],
    column_config={
        "Range": st.column_config.TextColumn("Range P10 · median · P90", width="medium",
                                             help="The rep's range for the period: the median (P50) is the "
                                                  "baseline."),
        "Model": st.column_config.NumberColumn(
            "Team split" if team is not None and edit_tier == "base" else
            f"Model {_percentile_label(tiers[edit_tier])}",
            format=num_format, width="small",
            help="The rep's share of the team number." if team is not None and edit_tier == "base"
            else f"The model's {edit_tier} target at the tier's percentile."),
        "Target": st.column_config.NumberColumn(format=num_format, min_value=0.0, max_value=targets.MAX_TARGET,
                                                width="small",
                                                help="Type to override (a reason is required); refused when "
                                                     "absurdly large against the rep's range."),
        "Chance": st.column_config.ProgressColumn(format="%.0f%%", min_value=0.0, max_value=100.0, width="small",
                                                  help="Chance of reaching this target."),
        "Source": st.column_config.TextColumn(width="small"),
        "Reason": st.column_config.TextColumn(help="Required for an override.", max_chars=300, width="medium"),
        "Rep proposal": st.column_config.TextColumn("Rep's proposal", width="small",
                                                    help="The rep's own number; leave blank for none."),
        "Accept": st.column_config.CheckboxColumn(help="Make the rep's proposal the target (buy-in).",
                                                  width="small"),
        "Note": st.column_config.TextColumn(width="large"),
    })
if problems:
    st.error("Not applied: " + "; ".join(problems.values()), icon=":material/block:")


# ---------------------------------------------------------------- one rep: override, proposal, sales math
def _apply_one(action: str) -> None:
    """What a button of the one-rep panel does, and a message that says exactly that."""
    rep, tier = st.session_state["tg_one_rep"], st.session_state["tg_one_tier"]
    # the rep's own fields: another rep's number or reason never carries over
    text = st.session_state.get(one_rep_key("value", rep, tier), "")
    reason = st.session_state.get(one_rep_key("reason", rep, tier), "").strip()
    store_ = st.session_state[EDITS_KEY][context]
    st.session_state.pop(f"tg_editor|{context}|{tier}", None)   # the table shows the new state afresh
    if action == "reset":
        store_["overrides"].pop((rep, tier), None)
        store_["proposals"].pop((rep, tier), None)
        st.session_state[one_rep_key("reason", rep, tier)] = ""
        st.session_state["tg_one_msg"] = ("success", f"Reset {rep}'s {tier} target to the model's.")
        return
    ok, number, why = targets.validate_target_entry(_entry(text), _rep_row(rep))
    if not ok:
        st.session_state["tg_one_msg"] = ("error", f"{rep}'s {tier} target refused: {why}")
        return
    if action == "override":
        if not reason:
            st.session_state["tg_one_msg"] = ("error", f"An override of {rep}'s {tier} target needs a reason.")
            return
        store_["overrides"][(rep, tier)] = (number, reason)
        st.session_state["tg_one_msg"] = ("success", f"Set {rep}'s {tier} target to {_fmt(number)} ({reason}).")
    elif action == "accept":
        store_["overrides"].pop((rep, tier), None)    # (an override would win over the accepted proposal)
        store_["proposals"][(rep, tier)] = (number, True)
        st.session_state["tg_one_msg"] = ("success", f"Set {rep}'s {tier} target to {_fmt(number)} "
                                                     "(the rep's own proposal).")
    else:
        store_["proposals"][(rep, tier)] = (number, False)
        st.session_state["tg_one_msg"] = ("success", f"Recorded {rep}'s proposal of {_fmt(number)} for {tier}, "
                                                     "beside the target (unchanged); accept it to make it "
                                                     "the target.")


st.subheader("One rep at a time")
left, right = st.columns([1, 1.1], gap="medium")
with left, st.container(border=True):
    c_rep, c_tier = st.columns([2, 1])
    one_rep = c_rep.selectbox("Rep", reps, key="tg_one_rep")
    one_tier = c_tier.selectbox("Tier", list(tiers), key="tg_one_tier", format_func=TIER_LABELS.get)
    s = summary.loc[one_rep]
    cur = rows[(rows["rep"] == one_rep) & (rows["tier"] == one_tier)].iloc[0]
    team_part = f" · {s['team']}" if isinstance(s["team"], str) and s["team"] else ""  # (rosters without teams)
    st.markdown(f"**{one_rep}**{team_part} · {int(s['n_periods'])} periods of history  \n"
                f"Range {_fmt(s['p10'])} (P10) · **{_fmt(s['p50'])} (median, P50: the baseline)** · "
                f"{_fmt(s['p90'])} (P90)  \n"
                + " · ".join(f"{TIER_LABELS[t]} {_fmt(v)} ({formatting.rate(p)})" for t, v, p in
                             rows.loc[rows["rep"] == one_rep, ["tier", "target", "p_attain"]].itertuples(
                                 index=False)))
    typed = st.text_input("Target or proposal", key=one_rep_key("value", one_rep, one_tier),
                          placeholder=f"e.g. {_fmt(cur['target'])}",
                          help="A number; 1,200 is fine. Negative, text or absurdly large entries are refused.")
    if typed.strip():
        ok, number, why = targets.validate_target_entry(_entry(typed), s)
        if ok:
            chance = targets.rep_chance(predictive, one_rep, number)
            pct = targets.rep_percentile(predictive, one_rep, number)
            st.markdown(f"Chance of reaching {_fmt(number)}: **{formatting.rate(chance)}** (their {_percentile_label(round(pct))})")
        else:
            st.error(f"Refused: {why}")
    reason_key = one_rep_key("reason", one_rep, one_tier)
    if reason_key not in st.session_state:     # this rep's own reason for this tier, if one was given
        st.session_state[reason_key] = edits["overrides"].get((one_rep, one_tier), (None, ""))[1]
    st.text_input("Reason (required for an override)", key=reason_key)
    b1, b2 = st.columns(2)
    b1.button("Override with reason", key="tg_apply_override", on_click=_apply_one, args=("override",),
              type="primary", width="stretch")
    b2.button("Record rep's proposal", key="tg_apply_proposal", on_click=_apply_one, args=("proposal",),
              help="Record the rep's own proposal beside the model's range.", width="stretch")
    b3, b4 = st.columns(2)
    b3.button("Accept proposal as target", key="tg_accept_proposal", on_click=_apply_one, args=("accept",),
              width="stretch")
    b4.button("Reset to model", key="tg_reset", on_click=_apply_one, args=("reset",), width="stretch")
    if msg := st.session_state.pop("tg_one_msg", None):
        (st.error if msg[0] == "error" else st.success)(msg[1])

with right, st.container(border=True):
    base_now = rows[(rows["rep"] == one_rep) & (rows["tier"] == "base")].iloc[0]
    team_total = team_value or float(base_rows["target"].sum())
    rep_plan = plan.set_index("rep").loc[one_rep] if plan is not None else None
    focus = assumptions.get("focus", {}).get(one_rep, "")
    card = sales_math.smart_card(one_rep, metric, base_now["target"], base_now["p_attain"], cal.period,
                                 team_total=team_total, weights=weights,
                                 plan=assumptions.get("plans", {}).get(one_rep), focus=focus, currency=currency)
    st.markdown(f"**SMART target — {one_rep}**")
    st.markdown("\n".join(f"- **{label}**: {card[key]}" for key, label in (
        ("specific", "Specific"), ("measurable", "Measurable"), ("achievable", "Achievable"),
        ("relevant", "Relevant"), ("time_bound", "Time-bound"))))
    if rep_plan is not None:
        parts = [formatting.quantity(math.ceil(rep_plan[s]), noun) for s, noun in (
            ("calls", "call"), ("meetings", "meeting"), ("demos", "demo"), ("opportunities", "opportunity"))
                 if np.isfinite(rep_plan[s])]
        deals = (f" → {formatting.quantity(math.ceil(rep_plan['deals']), 'deal')}"
                 if np.isfinite(rep_plan["deals"]) else "")
        words = assumptions["plans"].get(one_rep)   # none when no funnel stage was imported
        st.markdown(f"**Sales math** at {formatting.rate(confidence)} confidence: " + " + ".join(parts)
                    + f"{deals} = {_fmt(base_now['target'])}"
                    + (f"  \n{words[:1].upper()}{words[1:]}." if words else ""))
        if focus:
            st.caption(focus[:1].upper() + focus[1:] + ".")
    steps = pd.DataFrame(card["milestones"], columns=["By", "Cumulative target"])
    steps["By"] = steps["By"].map(lambda d: d.strftime("%d %b %Y"))
    steps["Cumulative target"] = steps["Cumulative target"].map(_fmt)
    st.markdown("**Milestones** (spread by the seasonality the model found)")
    st.dataframe(steps, hide_index=True, width="stretch", key="tg_milestones")

# ---------------------------------------------------------------- activity plan for everyone
if plan is not None:
    with st.expander("Activity plan per rep (base targets)", expanded=False):
        # a stage whose data was not imported is not a column of blanks
        stages = [s for s in ("opportunities", "demos", "meetings", "calls") if cov.has_funnel(s)]
        shown = plan[["rep", "target", "deals", *stages]
                     + (["calls_per_week"] if "calls" in stages else [])].copy()
        if "calls" in stages:
            shown["calls_per_week"] = shown["calls_per_week"].map(lambda v: formatting.per_week(v, "call"))
        shown["plan"] = shown["rep"].map(assumptions["plans"])
        shown["focus"] = shown["rep"].map(assumptions.get("focus", {}))
        st.dataframe(shown, hide_index=True, width="stretch", key="tg_plan_table", column_config={
            "rep": "Rep", "target": st.column_config.NumberColumn("Base target", format=num_format),
            "deals": "Deals", "opportunities": "Opportunities", "demos": "Demos", "meetings": "Meetings",
            "calls": "Calls", "calls_per_week": st.column_config.TextColumn("Calls a week"),
            "plan": "In words", "focus": "Personal focus"})

# ---------------------------------------------------------------- save
st.subheader("Save")
work = target_sets.TargetSetDraft(
    name="", period=period.label, grain=grain, metric=metric, tiers=tiers,
    method=allocation if team is not None else "percentile", rows=rows[target_sets.ROW_COLUMNS],
    activity_rows=activity_rows, team_target=team_value, assumptions=assumptions)
signature = pd.util.hash_pandas_object(rows[["rep", "tier", "target", "source", "reason"]].astype(str),
                                       index=False).sum().item()
signature = f"{signature}|{tiers_key}|{team_value}|{work.method}"

target_set_panel.save_panel(conn, work, signature, context,
                          f"{metrics.METRIC_LABELS.get(metric, metric)} {period.label}")

# ---------------------------------------------------------------- saved sets
target_set_panel.saved_sets_panel(conn)
