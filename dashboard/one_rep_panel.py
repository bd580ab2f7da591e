"""The Targets page's one-rep panel: one rep's range, a typed target with its chance, the rep's own
reason, the four buttons, and the rep's SMART card and sales math.

It is a ``st.fragment``: choosing a rep, a tier or typing a number re-runs the panel only, so the answer
comes at once. A button that changes the edits re-runs the whole page (the totals, the table and the
save follow); a refused entry is answered in the panel alone. Each rep's reason lives under that rep's
own key (``one_rep_key``), seeded from their override: switching rep never shows another rep's text.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import NamedTuple

import numpy as np
import pandas as pd
import streamlit as st

from analytics import formatting, sales_math, targets
from analytics.calibration import Calibration
from analytics.draft_edits import DraftEdits, one_rep_action
from analytics.metric_registry import resolve_metric
from dashboard import kept_widgets, tables
from dashboard.draft_state import remember, working_draft
from dashboard.target_set_panel import one_rep_key
from dashboard.target_table import TIER_LABELS, percentile_label

MESSAGE_KEY = "tg_one_msg"
RERUN_KEY = "tg_one_rerun"      # a button changed the edits: the whole page must follow
BUTTONS = (("override", "tg_apply_override", "Override with reason"),
           ("proposal", "tg_apply_proposal", "Record rep's proposal"),
           ("accept", "tg_accept_proposal", "Accept proposal as target"),
           ("reset", "tg_reset", "Reset to model"))


class PanelInputs(NamedTuple):
    """What the panel reads from the page's run (it changes only when the whole page runs again)."""

    cal: Calibration
    rows: pd.DataFrame              # the edited rows of every rep and tier
    tiers: list[str]
    context: str
    edits: DraftEdits
    plan: pd.DataFrame | None
    assumptions: dict
    team_total: float
    confidence: float
    weights: np.ndarray
    currency: str
    write: Callable[[float], str]


def entry_text(text: object, currency: str) -> object:
    """A typed amount with the data's currency symbol taken off (``€150,000`` reads as 150000).

    >>> entry_text(" €150,000", "€"), entry_text(3.0, "€")
    ('150,000', 3.0)
    """
    return text.strip().removeprefix(currency.strip()) if isinstance(text, str) else text


def _act(p: PanelInputs, action: str, rep: str, tier: str) -> None:
    """A button's edit; the whole page runs again when the edits changed, else the panel says why not."""
    typed = entry_text(st.session_state.get(one_rep_key("value", rep, tier), ""), p.currency)
    reason = st.session_state.get(one_rep_key("reason", rep, tier), "")
    row = p.cal.summary.loc[rep] if rep in p.cal.summary.index else None
    edits, said = one_rep_action(p.edits, action, rep, tier, typed, reason, rep_row=row, write=p.write)
    st.session_state[MESSAGE_KEY] = said
    if edits != p.edits:
        working_draft().with_edits(p.context, edits)
        if action == "reset":
            st.session_state[one_rep_key("reason", rep, tier)] = ""
        st.session_state.pop(f"tg_editor|{p.context}|{tier}", None)   # the table shows the new state afresh
        st.session_state[RERUN_KEY] = True


def one_rep_panel(p: PanelInputs) -> None:
    """The panel (see the module docstring), drawn by a run of the whole page."""
    # This run is the whole page's, made after the button's callback: it already follows the edit, so the
    # panel need not ask for another (a harness that runs the page for a click in the panel, as AppTest does,
    # ran it twice). A run of the panel alone (Streamlit's own for its buttons) does not come through here.
    st.session_state.pop(RERUN_KEY, None)
    _panel(p)


@st.fragment
def _panel(p: PanelInputs) -> None:
    if st.session_state.pop(RERUN_KEY, False):
        st.rerun()      # an edit was made in a run of the panel alone: the whole page follows it
    summary, rows, write = p.cal.summary, p.rows, p.write
    reps = list(np.asarray(p.cal.predictive.reps, dtype=object))
    left, right = st.columns([1, 1.1], gap="medium")
    with left, st.container(border=True):
        c_rep, c_tier = st.columns([2, 1])
        for key, options in (("tg_one_rep", reps), ("tg_one_tier", p.tiers)):
            if key in st.session_state and st.session_state[key] not in options:
                del st.session_state[key]      # a rep or tier this calibration does not have: the first one
        rep = c_rep.selectbox("Rep", reps, key="tg_one_rep")
        tier = c_tier.selectbox("Tier", p.tiers, key="tg_one_tier", format_func=TIER_LABELS.get)
        remember(working_draft(), one_rep=rep, one_tier=tier)   # the draft keeps the chosen rep across pages
        # (and the text typed for them, not yet applied, a visit to another page does not wipe)
        kept_widgets.keep([one_rep_key("value", rep, tier), one_rep_key("reason", rep, tier)])
        s = summary.loc[rep]
        mine = rows[rows["rep"] == rep]
        cur = mine[mine["tier"] == tier].iloc[0]
        team_part = f" · {s['team']}" if isinstance(s["team"], str) and s["team"] else ""  # (rosters without teams)
        n = int(s["n_periods"])
        st.markdown(f"**{rep}**{team_part} · {n} period{'' if n == 1 else 's'} of history  \n"
                    f"Range {write(s['p10'])} (P10) · **{write(s['p50'])} (median, P50: the baseline)** · "
                    f"{write(s['p90'])} (P90)  \n"
                    + " · ".join(f"{TIER_LABELS[t]} {write(v)} ({formatting.rate(c)})" for t, v, c in
                                 mine[["tier", "target", "p_attain"]].itertuples(index=False)))
        typed = st.text_input("Target or proposal", key=one_rep_key("value", rep, tier),
                              placeholder=f"e.g. {write(cur['target'])}",
                              help="A number; 1,200 is fine. Negative, text or absurdly large entries are refused.")
        if typed.strip():
            ok, number, why = targets.validate_target_entry(entry_text(typed, p.currency), s)
            if ok and number is not None:
                chance = targets.rep_chance(p.cal.predictive, rep, number)
                pct = targets.rep_percentile(p.cal.predictive, rep, number)
                st.markdown(f"Chance of reaching {write(number)}: **{formatting.rate(chance)}** "
                            f"(their {percentile_label(round(pct))})")
            else:
                st.error(f"Refused: {why}")
        reason_key = one_rep_key("reason", rep, tier)
        if reason_key not in st.session_state:     # this rep's own reason for this tier, if one was given
            st.session_state[reason_key] = p.edits.overrides.get((rep, tier), (None, ""))[1]
        st.text_input("Reason (required for an override)", key=reason_key)
        for columns, pair in ((st.columns(2), BUTTONS[:2]), (st.columns(2), BUTTONS[2:])):
            for column, (action, key, label) in zip(columns, pair, strict=True):
                column.button(label, key=key, on_click=_act, args=(p, action, rep, tier), width="stretch",
                              type="primary" if action == "override" else "secondary")
        if said := st.session_state.pop(MESSAGE_KEY, None):
            (st.error if said.kind == "error" else st.success)(said.text)
    with right, st.container(border=True):
        _smart_card(p, rep)


def sales_math_line(activities: list[str], deals: list[str], target: str | None) -> str:
    """``12 calls + 4 demos → 5 deals = €52k``; with no activity imported, no arrow from nothing; ``target``
    None when the target is the deals themselves (a target of deals won: not "→ 7 deals = 7").

    >>> sales_math_line(["12 calls", "4 demos"], ["5 deals"], "€52k")
    '12 calls + 4 demos → 5 deals = €52k'
    >>> sales_math_line([], ["5 deals"], "€52k")
    '5 deals = €52k'
    >>> sales_math_line(["12 calls"], ["5 deals"], None)
    '12 calls → 5 deals'
    """
    head = " + ".join(activities)
    return " → ".join(part for part in (head, *deals) if part) + ("" if target is None else f" = {target}")


def _smart_card(p: PanelInputs, rep: str) -> None:
    """The rep's SMART target, sales math and milestones at their base target."""
    base_now = p.rows[(p.rows["rep"] == rep) & (p.rows["tier"] == "base")].iloc[0]
    focus = p.assumptions.get("focus", {}).get(rep, "")
    base_rows = p.rows[p.rows["tier"] == "base"]
    card = sales_math.smart_card(rep, p.cal.metric, base_now["target"], base_now["p_attain"], p.cal.period,
                                 team_total=p.team_total, weights=p.weights,
                                 plan=p.assumptions.get("plans", {}).get(rep), focus=focus, currency=p.currency,
                                 team_median=float(base_rows["target"].median()) if len(base_rows) else None)
    st.markdown(f"**SMART target — {rep}**")
    st.markdown("\n".join(f"- **{label}**: {card[key]}" for key, label in (
        ("specific", "Specific"), ("measurable", "Measurable"), ("achievable", "Achievable"),
        ("relevant", "Relevant"), ("time_bound", "Time-bound")) if card[key]))
    if p.plan is not None:
        rep_plan = p.plan.set_index("rep").loc[rep]
        parts = [formatting.quantity(math.ceil(rep_plan[s]), noun) for s, noun in (
            ("calls", "call"), ("meetings", "meeting"), ("demos", "demo"), ("opportunities", "opportunity"))
                 if np.isfinite(rep_plan[s])]
        deals = ([formatting.quantity(math.ceil(rep_plan["deals"]), "deal")]
                 if np.isfinite(rep_plan["deals"]) else [])
        words = p.assumptions.get("plans", {}).get(rep)   # none when no funnel stage was imported
        counts_wins = resolve_metric(p.cal.metric).funnel_stage == "won"    # the target is the deals themselves
        # (deals alone, without any activity or opportunity to plan, take no confidence)
        st.markdown("**Sales math**" + (f" at {formatting.rate(p.confidence)} confidence" if parts else "") + ": "
                    + sales_math_line(parts, deals, None if counts_wins and deals else p.write(base_now["target"]))
                    + (f"  \n{words[:1].upper()}{words[1:]}." if words else ""))
        if focus:
            st.caption(focus[:1].upper() + focus[1:] + ".")
    if not card["milestones"]:      # an average is the whole period's, not built up month by month
        st.caption(f"No milestones: {sales_math.metric_words(p.cal.metric)} is an average over the whole period, not a sum "
                   "built up month by month; each month-end's figure so far is read against the target itself.")
        return
    steps = pd.DataFrame(card["milestones"], columns=["By", "Cumulative target"])
    steps["By"] = steps["By"].map(lambda d: d.strftime("%d %b %Y"))
    steps["Cumulative target"] = steps["Cumulative target"].map(p.write)
    st.markdown("**Milestones** (spread by the seasonality the model found)")
    tables.table(steps, hide_index=True, width="stretch", key="tg_milestones")
