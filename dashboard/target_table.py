"""The Targets page's per-rep table: one row per rep for the tier being edited (range, model, target,
chance, reason, the rep's proposal, accept, source, note), and its column settings.

The table is built with whole-column operations; a rep's note (where their proposal falls) is the only
per-rep text, and only for the reps with a proposal or a refused edit.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd
import streamlit as st

from analytics import formatting, targets
from analytics.draft_edits import DraftEdits
from analytics.predictive import PredictiveDistribution

TIER_LABELS = {"base": "Base", "stretch": "Stretch", "excellence": "Excellence"}


def percentile_label(p: float) -> str:
    """``P35``; the 50th percentile is named for what it is, the median.

    >>> percentile_label(35), percentile_label(50)
    ('P35', 'median (P50)')
    """
    return "median (P50)" if p == 50 else f"P{p:g}"


def shown_values(values: np.ndarray, money: bool) -> np.ndarray:
    """Amounts as the table shows them: money to the unit, counts to one decimal."""
    return np.round(values) if money else np.round(values, 1)


def range_words(predictive: PredictiveDistribution, summary: pd.DataFrame, reps: list[str],
                write: Callable[[float], str]) -> list[str]:
    """Each rep's range as the table writes it: ``P10 · median · P90`` (a page caches it per calibration)."""
    q10, q90 = predictive.quantile(0.10), predictive.quantile(0.90)
    median = summary["baseline"].reindex(reps).to_numpy(dtype=float)
    return [f"{write(a)} · {write(m)} · {write(b)}" for a, m, b in zip(q10, median, q90, strict=True)]


def rep_table(rows: pd.DataFrame, tier: str, reps: list[str], predictive: PredictiveDistribution,
              summary: pd.DataFrame, edits: DraftEdits, problems: dict[tuple[str, str], str], *,
              money: bool, currency: str, ranges: list[str]) -> pd.DataFrame:
    """The editable table of ``tier``: one row per rep, in ``reps`` order (``ranges``: :func:`range_words`)."""
    mine = rows[rows["tier"] == tier].set_index("rep").reindex(reps)
    pending = {rep: v for (rep, t), (v, _) in edits.overrides.items() if t == tier}
    reasons = {rep: why for (rep, t), (_, why) in edits.overrides.items() if t == tier}
    accepted = {rep: a for (rep, t), (_, a) in edits.proposals.items() if t == tier}
    proposal = mine["rep_proposal"].to_numpy(dtype=float)
    notes = ["⚠ " + problems[(rep, tier)] if (rep, tier) in problems else
             targets.place_proposal(predictive, rep, p, rows)["message"] if np.isfinite(p) else ""
             for rep, p in zip(reps, proposal, strict=True)]
    target = shown_values(mine["target"].to_numpy(dtype=float), money)
    return pd.DataFrame({
        "Range": ranges,
        "Model": shown_values(mine["model_value"].to_numpy(dtype=float), money),
        "Target": [float(pending.get(rep, t)) for rep, t in zip(reps, target, strict=True)],
        "Chance": formatting.whole_percent(mine["p_attain"].to_numpy(dtype=float)),   # (never 0% or 100% unless so)
        "Reason": [reasons.get(rep) or (r if isinstance(r, str) else "") for rep, r in zip(reps, mine["reason"],
                                                                                            strict=True)],
        "Rep proposal": ["" if formatting.is_blank(v) else formatting.money_exact(v, currency) if money
                         else formatting.count(v) for v in proposal],
        "Accept": [bool(accepted.get(rep, False)) for rep in reps],
        "Source": mine["source"].to_numpy(),
        "Note": notes,
    }, index=pd.Index(reps, name="Rep"))


def with_facts(table: pd.DataFrame, facts: pd.DataFrame) -> pd.DataFrame:
    """The rep table with the facts beside each rep (``rep_facts_view.FactsColumns.frame``, indexed by rep)
    right after the rep's range, where a manager compares them: last actual, CRM quotas, recent periods.

    >>> t = pd.DataFrame({"Range": ["1 · 2 · 3"], "Target": [2.0]}, index=pd.Index(["Ana"], name="Rep"))
    >>> list(with_facts(t, pd.DataFrame({"Last actual": [1.5]}, index=pd.Index(["Ana"], name="rep"))).columns)
    ['Range', 'Last actual', 'Target']
    """
    shown = facts.reindex(table.index)
    at = table.columns.get_loc("Range") + 1
    return pd.concat([table.iloc[:, :at], shown.set_axis(table.index), table.iloc[:, at:]], axis=1)


def rep_table_columns(tier: str, tiers: dict[str, float], split: bool, num_format: str) -> dict:
    """The table's column settings; the Model column is the team split's share when base is split."""
    split_base = split and tier == "base"
    return {
        "Range": st.column_config.TextColumn("Range P10 · median · P90", width="medium",
                                             help="The rep's range for the period: the median (P50) is the "
                                                  "baseline."),
        "Model": st.column_config.NumberColumn(
            "Team split" if split_base else f"Model {percentile_label(tiers[tier])}", format=num_format,
            width="small", help="The rep's share of the team number." if split_base
            else f"The model's {tier} target at the tier's percentile."),
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
    }
