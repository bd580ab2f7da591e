"""Review: a finished period's targets against what happened — results, how honest our chances were,
the CRM quotas, what changed, and where the next calibration starts (with the ratchet choice in view).

Thin: widgets and layout. Everything is computed by analytics.review; the report by analytics.report.
"""

from __future__ import annotations

import streamlit as st

from analytics import formatting, metrics, report, review, target_sets, tracking
from analytics.charts_tracking import reliability_chart
from analytics.periods import parse_period
from dashboard import frame, kept_widgets, period_fits, session, tables

frame.require("pages/review.py")

TIER_NAMES = {"base": "Base", "stretch": "Stretch", "excellence": "Excellence", "all": "All tiers"}
VOLATILITY_HELP = ("How widely a rep's results swing around their level: the log-scale spread for money "
                   "(0.35: about 30% below to 42% above in two periods out of three), the coefficient of "
                   "variation for counts.")


@st.cache_data(show_spinner="Reviewing the period…", max_entries=16)
def _review(_conn, version_key: str, set_id: int) -> tuple[review.Review, tracking.Tracking | None]:
    # version_key (_set_version): an import, settings change or edit recomputes. The tracking at the period's end
    # feeds the report's attainment charts while the period runs; it is optional. The fits are cached apart:
    # the next period's is the one Tracking fits for that period's set.
    return review.review_and_track(_conn, int(set_id), fit=period_fits.cached_fit_period)


def _set_version(header) -> str:
    """Cache key part: the database file, its data and settings, and this save of the set."""
    return f"{session.db_path()}|{session.data_version()}|{header['set_id']}|{header['revision']}|{header['updated_at']}"


def _set_label(row, finished: bool) -> str:
    state = "finished" if finished else "in progress"
    return f"{row.name} v{row.version} · {row.period} · {row.metric} · {row.status} · {state}"


conn = session.db()
st.title("Review")
st.caption("After the period: did reps reach their targets, did the chances we gave come true, "
           "and where should the next calibration start?")

if not session.table_counts()["deals"] and not session.table_counts()["activities"]:   # (calls are reviewed too)
    frame.empty_state("No deals or activities yet. Import a CRM export, save a target set on the Targets page, and "
                      "review it once its period is over.")
    st.stop()

sets = target_sets.list_target_sets(conn)
if sets.empty:
    st.info("**No saved target set to review yet.** Save the targets for a period on the Targets page; "
            "once the period is over, its review appears here.", icon=":material/flag:")
    st.page_link("pages/targets.py", label="Go to Targets", icon=":material/flag:")
    st.stop()

data_as_of = session.data_as_of()
fiscal_month = session.fiscal_start_month()
periods = {int(r.set_id): parse_period(str(r.period), fiscal_month) for r in sets.itertuples()}
finished = {i: p.end <= data_as_of for i, p in periods.items()}
labels = {int(r.set_id): _set_label(r, finished[int(r.set_id)]) for r in sets.itertuples()}
# Finished periods first; among them the sidebar's period, then the latest.
chosen_period = session.selected_period()
options = sorted(labels, key=lambda i: (finished[i], chosen_period is not None and periods[i] == chosen_period,
                                       periods[i].end), reverse=True)
kept_widgets.keep(["review_set"])     # the set chosen survives a visit to another page
set_id = st.selectbox("Target set", options, index=0, format_func=labels.get, key="review_set",
                      help="Finished periods first, the latest first.")
header = sets[sets["set_id"] == set_id].iloc[0]
if data_as_of < periods[set_id].start:
    st.info(f"**Nothing of {periods[set_id].label} is in the data yet**: the data ends on "
            f"{data_as_of.day} {data_as_of:%b %Y}. Follow the period on the Tracking page while it runs and "
            "review it when it ends.",
            icon=":material/schedule:")
    st.page_link("pages/tracking.py", label="Go to Tracking", icon=":material/speed:")
    st.stop()
money_metric = metrics.metric_kind(str(header["metric"])) == "money"
currency = session.currency()     # the imported deals' currency: EUR data reads €, never $
amount = f"{currency}%,.0f" if money_metric else "%,.0f"   # rounded: printf %d truncates $63,489.96 to $63,489
# A signed amount: the sign comes first, so the currency is named in the column's label instead.
ratchet_adds = f"Ratchet adds ({currency.strip()})" if money_metric else "Ratchet adds"

try:
    rv, at_end = _review(conn, _set_version(header), int(set_id))
except (ValueError, LookupError) as exc:  # e.g. a set without base targets
    st.error(f"This set cannot be reviewed: {exc}")
    st.stop()
period = rv.period
judged = rv.complete  # the chances are judged on final results only
st.caption(f"**{header['name']}** v{header['version']} · {period.label} ({period.start:%d %b} – "
           f"{period.end:%d %b %Y}) · {header['metric']} · {len(rv.results)} reps · data as of {rv.as_of:%d %b %Y}")
absent = set(session.data_coverage().absent_notes())     # said in full on Overview: here once, quietly
for note in [n for n in rv.notes if n not in absent]:
    st.warning(note, icon=":material/info:")
if said_absent := [n for n in rv.notes if n in absent]:
    st.caption(":material/database_off: " + " ".join(said_absent))

cal = rv.calibration.set_index("tier")
q = rv.quotas
tier_rows = [t for t in cal.index if t != "all"]
kpis = iter(st.columns(len(tier_rows) + 1 + (1 if q.get("reps_with_quota") else 0)))
for tier in tier_rows:
    row = cal.loc[tier]
    next(kpis).metric(f"Reached {TIER_NAMES.get(tier, tier).lower()}{'' if judged else ' so far'}",
                      formatting.rate(row["realised"]),
                      f"we said {formatting.rate(row['mean_predicted'])}", delta_color="off", delta_arrow="off",
                      help=f"{formatting.count(row['reached'])} of {formatting.count(row['forecasts'])} reps reached their {tier} target; "
                           "the chances saved with the set averaged the second figure.")
if "all" in cal.index and judged:
    next(kpis).metric(
        "Brier score", formatting.score(cal.loc["all", "brier"]), f"{formatting.count(cal.loc['all', 'forecasts'])} forecasts",
        delta_color="off", delta_arrow="off",
        help="Mean of (chance − outcome)² over every rep and tier: 0 is perfect, 0.25 is a coin toss at 50%. "
             "Lower is better.")
if q.get("reps_with_quota"):
    next(kpis).metric(f"CRM quota reached{'' if judged else ' so far'}", formatting.rate(q["hit_rate"]), f"model said {formatting.rate(q['model_mean_chance'])}",
                      delta_color="off", delta_arrow="off", help=f"{formatting.count(q['reached'])} of {formatting.count(q['reps_with_quota'])} reps with a "
                           "quota imported from the CRM reached it.")

result_label, beaten_label = rv.result_words     # a period still running: nothing is final yet
st.subheader("Results per rep" if judged else "Results per rep so far")
res = rv.results.reset_index()
tiers = [t for t in ("base", "stretch", "excellence") if t in res]
for tier in tiers:   # whole percents never rounded onto 100% or 0% (a result at 99.7% of base reads 99%)
    res[f"p_{tier}"] = formatting.whole_percent(res[f"p_{tier}"])
res["attainment"] = formatting.whole_percent(res["attainment"])
res_config = {"rep": st.column_config.TextColumn("Rep"), "team": st.column_config.TextColumn("Team"),
              "actual": st.column_config.NumberColumn(result_label, format=amount),
              "attainment": st.column_config.NumberColumn("% of base", format="%.0f%%"),
              "quota": st.column_config.NumberColumn("CRM quota", format=amount),
              "hit_quota": st.column_config.CheckboxColumn("Quota reached")}
for tier in tiers:
    name = TIER_NAMES[tier]
    res_config[tier] = st.column_config.NumberColumn(f"{name} target", format=amount)
    res_config[f"hit_{tier}"] = st.column_config.CheckboxColumn(f"{name} reached")
    res_config[f"p_{tier}"] = st.column_config.NumberColumn(f"{name} chance", format="%.0f%%",
                                                           help="The chance saved with the set.")
order = ["rep", *(["team"] if res["team"].notna().any() else []),  # no roster imported: no column of blanks
         "actual", "attainment", *[c for t in tiers for c in (t, f"hit_{t}", f"p_{t}")]]
if rv.quotas.get("reps_with_quota"):
    order += ["quota", "hit_quota"]
tables.table(res.sort_values("attainment", ascending=False), hide_index=True, width="stretch",
             column_config=res_config, column_order=order, key="review_results")

st.subheader("Were our chances honest?")
if not judged:
    st.caption(f"Judged when {period.label} ends: until then a target not yet reached is not a miss.")
else:
    left, right = st.columns([1, 1])
    left.plotly_chart(reliability_chart(rv.reliability), width="stretch", key="review_reliability")
    with right:
        st.markdown("Each rep and tier is one forecast: the chance saved with the set against whether the target "
                    "was reached. Calibrated chances sit on the diagonal: of the targets we gave a 70% chance, "
                    "about 70% were reached. With few reps a bin is noisy (bars: 90% range).")
        calib = rv.calibration.assign(tier=rv.calibration["tier"].map(lambda t: TIER_NAMES.get(t, t)),
                                      mean_predicted=100 * rv.calibration["mean_predicted"],
                                      realised=100 * rv.calibration["realised"])
        tables.table(calib, hide_index=True, width="stretch", key="review_calibration",
                     column_order=["tier", "forecasts", "mean_predicted", "realised", "brier"],
                     column_config={"tier": "Tier", "forecasts": "Reps",
                                    "mean_predicted": st.column_config.NumberColumn("We said", format="%.0f%%"),
                                    "realised": st.column_config.NumberColumn("Reached", format="%.0f%%"),
                                    "reached": "Reached (n)",
                                    "brier": st.column_config.NumberColumn("Brier", format="%.3f")})
        with st.expander("By chance band"):
            shares = ("mean_predicted", "realised", "band_low", "band_high")
            bands = rv.reliability[rv.reliability["n"] > 0]     # a band without forecasts has no share to show
            tables.table(bands.assign(**{c: 100 * bands[c] for c in shares}), hide_index=True, width="stretch",
                         key="review_bands", column_order=["bin", "n", *shares],
                         column_config={"bin": "Chance we gave", "n": "Forecasts",
                                        **{c: st.column_config.NumberColumn(label, format="%.0f%%") for c, label in
                                           zip(shares, ("We said", "Reached", "90% range from", "90% range to"),
                                               strict=True)}})

st.subheader("Against the CRM quotas")
if q.get("reps_with_quota"):
    st.markdown(rv.quota_text)  # (the same count as the table below: one value from analytics.review)
else:
    st.caption(rv.quota_text)
history = q.get("history")
if history is not None and len(history):
    tables.table(history.assign(hit_rate=100 * history["hit_rate"]), hide_index=True, width="stretch",
                 key="review_quota_history",
                 column_config={"period": "Period", "reps_with_quota": "Reps with a quota",
                                "reached": "Reached", "hit_rate": st.column_config.ProgressColumn(
                                    "Share reaching quota", min_value=0, max_value=100, format="%.0f%%")})

st.subheader("What changed from last period")
ch = rv.changes.reset_index()
for col in [c for c in ch.columns if any(k in c for k in ("_to_", "win_rate", "_change"))]:
    ch[col] = 100 * ch[col]
funnel_config = {}
for col in ch.columns:
    name = col.removesuffix("_previous")
    if name in ("calls", "meetings", "opportunities", "won") or any(k in name for k in ("_to_", "win_rate")):
        label = name.replace("_to_", " → ").replace("_", " ").capitalize() + (" before" if col != name else "")
        is_rate = any(k in name for k in ("_to_", "win_rate"))
        funnel_config[col] = st.column_config.NumberColumn(label, format="%.0f%%" if is_rate else "%,.0f")
shared = review.shared_volatility(ch, money_metric)     # one spread for every rep: said once, not a column
if shared.sentence:
    ch = ch.drop(columns=shared.columns)
tables.table(ch, hide_index=True, width="stretch", key="review_changes",
             column_config={"rep": "Rep",
                            "result_previous": st.column_config.NumberColumn("Result before", format=amount),
                            "result": st.column_config.NumberColumn(result_label, format=amount),
                            "baseline_previous": st.column_config.NumberColumn("Level before", format=amount),
                            "baseline": st.column_config.NumberColumn("Level now", format=amount),
                            "baseline_change": st.column_config.NumberColumn(
                                "Level change vs team", format="%+.0f%%",
                                help="The rep's change of level net of the team's move (said below the table)."),
                            "volatility_previous": st.column_config.NumberColumn(
                                "Volatility before", format="%.2f", help=VOLATILITY_HELP),
                            "volatility": st.column_config.NumberColumn("Volatility", format="%.2f",
                                                                        help=VOLATILITY_HELP),
                            **funnel_config})
for sentence in (rv.level_sentence, shared.sentence):
    if sentence:
        st.caption(sentence)

st.subheader(rv.start_heading)
st.info(rv.ratchet_sentence, icon=":material/trending_up:")
nxt = rv.next_start.reset_index()
for col in ("p_attain_model_next", "p_attain_ratchet"):
    if col in nxt:
        nxt[col] = formatting.whole_percent(nxt[col])
tables.table(nxt, hide_index=True, width="stretch", key="review_next_start",
             column_config={"rep": "Rep",
                            "last_target": st.column_config.NumberColumn("Base target", format=amount),
                            "last_result": st.column_config.NumberColumn(result_label, format=amount),
                            "beat_last_target": st.column_config.CheckboxColumn(beaten_label),
                            "model_next_p_level": st.column_config.NumberColumn(
                                "Model start (no ratchet)", format=amount,
                                help="The model's value at the set's base percentile for the next period."),
                            "ratchet_raise_to_last_result": st.column_config.NumberColumn(
                                "Ratchet: raise to last result", format=amount),
                            "ratchet_minus_model": st.column_config.NumberColumn(ratchet_adds, format="%+,.0f"),
                            "p_attain_model_next": st.column_config.NumberColumn("Chance (model)", format="%.0f%%"),
                            "p_attain_ratchet": st.column_config.NumberColumn("Chance (ratchet)", format="%.0f%%")})
st.page_link("pages/targets.py", label=f"Calibrate {period.next().label} on the Targets page",
             icon=":material/flag:")

st.divider()
# on_click="ignore": a click that reruns the page drops the file's deferred id at the run's start, and a run
# ending meanwhile (this one, another session's) forgets it before it is made: the download never came.
st.download_button("Download the review report (HTML)", lambda: report.review_html(rv, at_end),
                   file_name=f"review-{header['name']}-{period.label}.html".replace(" ", "_"), mime="text/html",
                   key="review_report", on_click="ignore", icon=":material/download:", type="primary",
                   help="One self-contained file that prints on A4 or Letter and opens offline.")
