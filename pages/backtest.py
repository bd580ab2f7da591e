"""Backtest: would the chances shown on Baselines have been honest on this team's own history?

Thin page: widgets and layout. ``analytics.backtest.run_backtest`` refits at every origin on data strictly
before it (cached in ``dashboard.rep_facts_view`` per data version, metric, grain and fiscal calendar, and
shared with the verdict Baselines and Targets show); the figures come from ``analytics.charts_calibration``.
"""

from __future__ import annotations

import streamlit as st

from analytics import formatting, metrics
from analytics.charts_calibration import NAIVE_NAMES, crps_bars, pit_histogram, reliability_chart
from dashboard import frame, kept_widgets, rep_facts_view, session, tables

frame.require("pages/backtest.py")


def level_name(level: float) -> str:
    return f"P{round(100 * level)}"


TIES = ("A result equal to its percentile (a month of zero where the percentile is zero) counts in part, by "
        "chance, as often as the range says such a tie falls below it; the same share in every figure here.")


conn = session.db()
st.title("Backtest: are the chances honest?")
st.caption("The model is replayed on your own history: at each past period it sees only what came before, "
           "forecasts every active rep, and is scored against what happened — next to the simple rules "
           "managers use today.")

if session.data_as_of() is None:
    frame.empty_state("No deals or activities yet. Import a CRM export, then test the forecasts on it.")
    st.stop()

grain = session.grain()
cov = session.data_coverage()
kept_widgets.keep(["backtest_metric"])     # the metric chosen survives a visit to another page
metric = st.selectbox("Metric", list(metrics.METRICS), key="backtest_metric",
                      index=cov.first_with_data(list(metrics.METRICS)),
                      format_func=lambda m: metrics.METRIC_LABELS.get(m, m)
                      + cov.absent_tag(m), width=320,
                      help="The metric to replay; the grain (month or quarter) is in the sidebar.")
metric_name = metrics.METRIC_LABELS.get(metric, metric)
if (absent := cov.why_absent(metric)) is not None:
    # Absent data is not "too little history": nothing was imported to replay.
    st.info(f"**{metric_name}: {absent}.** Import the CRM export that holds it on the Import page, or "
            f"choose one of: {', '.join(metrics.METRIC_LABELS.get(m, m) for m in cov.available_metrics())}.",
            icon=":material/database_off:")
    st.stop()

if (history_note := cov.history_start_note(metric)) is not None:
    # The replay starts where the calibration's history does (a history cut by created date).
    st.info(history_note, icon=":material/history:")
frame.gap_warnings(metric)
result = rep_facts_view.backtest_result(metric, grain)
verdict = rep_facts_view.verdict(metric, grain)
if result.n_forecasts == 0:
    st.warning(verdict.sentence)   # the backtest's own refusal when its history is too short, as the CLI says it
    st.stop()

forecasts = result.forecasts
n_origins = forecasts["origin"].nunique()
coverage = result.coverage.set_index("column")
skill = result.skill()
best_rule = skill.best_rule if skill is not None else None
gain = skill.gain if skill is not None else None   # None too when the best rule made no error: nothing to divide by

# ---- headline ------------------------------------------------------------------------------------
st.markdown(f"**{metric_name} per {grain}** · {formatting.count(result.n_forecasts)} rep-{grain}s forecast from "
            f"{n_origins} starting points: the first forecast {forecasts['origin'].iloc[0]}, the last "
            f"{forecasts['origin'].iloc[-1]}")     # (a quarter from months is itself "2025-05 to 2025-07")
cards = st.columns(4)
for card, col in zip(cards[:3], ("p10", "p50", "p90"), strict=True):
    if col not in coverage.index:
        continue
    row = coverage.loc[col]
    beaten, promised = 1 - row["covered_randomized"], 1 - row["level"]
    # Written as the rest of the table's "at or below" share, so the two add up to 100% as shown.
    card.metric(f"Targets at {col.upper()} beaten", formatting.rate_and_rest(row["covered_randomized"])[1],
                delta=f"{100 * (beaten - promised):+.0f} pts", delta_color="off", delta_arrow="off",
                delta_description=f"vs {formatting.rate(promised)} promised",
                help=f"Share of rep-{grain}s whose result reached their {col.upper()}; {formatting.rate(promised)} "
                     f"is what an honest range promises. {TIES}")
if best_rule is not None and gain is not None:
    cards[3].metric("Less error than best rule" if gain >= 0 else "More error than best rule",
                    formatting.rate(abs(gain)), delta=NAIVE_NAMES.get(best_rule, best_rule), delta_color="off",
                    delta_arrow="off", delta_description="best simple rule",
                    help="Reduction in forecast error (CRPS) against the best of the naive rules.")

with st.container(border=True):
    st.markdown("**In plain words**")
    st.markdown(f"**{verdict.sentence}**")   # the verdict Baselines and Targets show, word for word
    st.markdown("\n".join(f"- {line}" for line in result.plain_language()))

# ---- reliability and PIT -------------------------------------------------------------------------
left, right = st.columns(2)
with left:
    fig = reliability_chart(result.coverage)
    fig.update_traces(mode="lines", selector={"fill": "toself"})  # the band is an area, not points
    fig.update_layout(height=400)
    st.plotly_chart(fig, width="stretch", key="backtest_reliability")
    worst = result.coverage.assign(gap=(result.coverage["covered_randomized"] - result.coverage["nominal"]).abs())
    worst = worst.sort_values("gap").iloc[-1]
    inside = ((result.coverage["nominal"] >= result.coverage["band_lo"])
              & (result.coverage["nominal"] <= result.coverage["band_hi"])).sum()
    st.caption(f"Each point: the share of results at or below that percentile. On the dotted diagonal every "
               f"promise is kept. The largest miss is at {level_name(worst['level'])}: "
               f"{formatting.rate(worst['covered_randomized'])} against {formatting.rate(worst['nominal'])}. "
               f"{inside} of {len(result.coverage)} promises sit inside the band that luck alone could explain.")
with right:
    fig = pit_histogram(result.pit)
    fig.update_annotations(bgcolor="rgba(255, 255, 255, 0.85)", yshift=12)
    fig.update_layout(height=400)
    st.plotly_chart(fig, width="stretch", key="backtest_pit")
    pit = result.pit
    st.caption(f"Where each result fell inside its predicted range, in tenths. Flat bars (10% each) mean honest "
               f"ranges; tall outer bars mean ranges too narrow, a hump too wide, a slope a bias. Here "
               f"{formatting.rate(pit[0])} fell in the bottom tenth and {formatting.rate(pit[-1])} in the top tenth; "
               f"{formatting.rate(pit[:5].sum())} in the lower half (50% expected).")

# ---- against the naive rules ---------------------------------------------------------------------
st.subheader("Against the simple rules")
left, right = st.columns([3, 2], vertical_alignment="center")
with left:
    fig = crps_bars(result.comparable_crps())       # a rule scored on a part of the forecasts is in the table
    fig.update_layout(height=340, showlegend=False)
    st.plotly_chart(fig, width="stretch", key="backtest_crps")
with right:
    partly = "" if len(result.comparable_crps()) == len(result.crps) else \
        " (a rule that needs what part of the history lacks: on the forecasts that have it, below the table)"
    st.markdown(f"Every rule forecasts the same {formatting.count(result.n_forecasts)} rep-{grain}s from the same past "
                f"data{partly}. The error (CRPS) scores the whole range, not just one number: it rewards ranges that "
                "are narrow *and* right, and is scaled per rep so big and small reps count alike.")
    if best_rule and gain is None:
        st.markdown(f"The best simple rule, *{NAIVE_NAMES.get(best_rule, best_rule).lower()}*, made no error at all: "
                    "the model's skill against it cannot be measured.")
    elif best_rule and gain is not None:
        st.markdown(f"The model's error is **{formatting.rate(abs(gain))} {'lower' if gain >= 0 else 'higher'}** "
                    f"than the best simple rule, *{NAIVE_NAMES.get(best_rule, best_rule).lower()}*.")
rules = result.summary.reset_index()
rules.insert(0, "Forecast", rules["method"].map(NAIVE_NAMES).fillna(rules["method"]))
on_part = bool((rules["forecasts"] < result.n_forecasts).any())   # a rule scored where its input exists
shown_cols = {"Forecast": "Forecast", "crps": "Error (CRPS)",
              **({"forecasts": "Forecasts", "model_crps": "Model's error on them"} if on_part else {}),
              **{f"coverage_{c}": f"At or below {c.upper()}" for c in ("p10", "p50", "p90")
                 if f"coverage_{c}" in rules},
              "skill_vs_model": "Model's error lower by"}
# Best first, like with like: a rule scored on a part of the forecasts ranks by the model's error there.
rules = rules.sort_values("skill_vs_model")[list(shown_cols)]
# Written out as words, so the model's own row (the model against itself) reads "–", never "None"; the shares
# as the tiles and sentences write them (a grid's step cuts 12.8% to 12%, beside a tile's 87% beaten).
rules["skill_vs_model"] = [formatting.BLANK if f == NAIVE_NAMES["model"] else formatting.rate(v)
                           for f, v in zip(rules["Forecast"], rules["skill_vs_model"], strict=True)]
for c in [c for c in rules if c.startswith("coverage_")]:
    rules[c] = rules[c].map(formatting.rate)
tables.table(rules, hide_index=True, width="stretch", key="backtest_rules", column_config={
    **{k: st.column_config.TextColumn(v, help=TIES) for k, v in shown_cols.items() if k.startswith("coverage_")},
    "forecasts": st.column_config.NumberColumn("Forecasts", format="%d",
                                               help="The forecasts the rule could make: those that had its input"),
    "model_crps": st.column_config.NumberColumn("Model's error on them", format="%.3f",
                                                help="The model's error on the same forecasts as the rule's"),
    "skill_vs_model": st.column_config.TextColumn("Model's error lower by"),
    "crps": st.column_config.NumberColumn("Error (CRPS)", format="%.3f",
                                          help="Scaled per rep: 0.30 = off by 30% of the rep's typical result"),
})
st.caption("Each simple rule is turned into a range with its own past errors so all are scored alike. "
           "Lower error is better; coverage shows how often results fell at or below each percentile "
           "(an honest range: 10%, 50%, 90%).")
for note in result.rule_notes():     # a rule left out, or scored on the forecasts that had its input
    st.caption(note)

# ---- past targets --------------------------------------------------------------------------------
st.subheader("Your past targets")
hist = result.historical_targets
if not hist:
    st.info(f"No imported targets for {metric_name.lower()} per {grain} in the tested periods. Import past "
            "quotas to see how often they were hit and what the model would have said about them.")
else:
    c1, c2, c3 = st.columns(3)
    c1.metric("Past targets hit", formatting.rate(hist["hit_rate"]), help=f"{formatting.count(hist['n'])} rep-{grain}s with a target")
    c2.metric("Model's average chance for them", formatting.rate(hist["mean_predicted_p_attain"]))
    c3.metric("Brier score", formatting.score(hist["brier"]),
              help="Mean squared gap between the predicted chance and what happened (0 is perfect; "
                   "always saying 50% scores 0.25).")
    if result.reliability is not None and not result.reliability.empty:
        tables.table(result.reliability, hide_index=True, width="stretch", key="backtest_target_reliability",
                     column_config={
                         "predicted": st.column_config.TextColumn("Model's chance"),
                         "n": st.column_config.NumberColumn("Targets", format="%d"),
                         "mean_predicted": st.column_config.ProgressColumn(
                             "Average predicted", format="percent", step=0.01, min_value=0.0, max_value=1.0),
                         "hit_rate": st.column_config.ProgressColumn(
                             "Actually hit", format="percent", step=0.01, min_value=0.0, max_value=1.0),
                     })
        st.caption("Past targets grouped by the chance the model would have given them: where the two bars "
                   "match, a chance shown on Baselines means what it says.")

# ---- slices --------------------------------------------------------------------------------------
st.subheader("Where it works less well")
slices = result.slices
if slices.empty:
    st.info("Too few forecasts to split.")
else:
    view = slices.copy()
    view.insert(0, "Split by", view.pop("slice").map({"history": "History length", "size": "Rep size"}))
    view["group"] = view["group"].str.replace("small", "smaller reps").str.replace("mid", "mid-size reps") \
        .str.replace("large", "larger reps")
    keep = ["Split by", "group", "n", "crps", *[c for c in ("coverage_p10", "coverage_p50", "coverage_p90")
                                                if c in view]]
    for c in keep[4:]:
        view[c] = view[c].map(formatting.rate)
    tables.table(view[keep], hide_index=True, width="stretch", key="backtest_slices", column_config={
        "group": st.column_config.TextColumn("Group"),
        "n": st.column_config.NumberColumn("Forecasts", format="%d"),
        "crps": st.column_config.NumberColumn("Error (CRPS)", format="%.3f"),
        **{c: st.column_config.TextColumn(f"At or below {c[-3:].upper()}", help=TIES)
           for c in keep if c.startswith("coverage_")},
    })
    st.caption("Reps with little history and small reps are harder to forecast: their ranges are wider on "
               "purpose. Coverage near 10% / 50% / 90% means the promises hold in that group too.")
