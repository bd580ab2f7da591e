"""Build a target-set draft from a predictive distribution (or a fitted ``Calibration``).

Ties the pieces together: tier targets (:mod:`analytics.targets`), an optional top-down team
target split, the activity plan (:mod:`analytics.sales_math`) and the assumptions an export
needs later (confidence, within-period shape, fiscal calendar, plain-words warnings).

With a team target G the base tier is the split of G (proportional or equal chance); the
higher tiers stay at their percentiles but never fall below base.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import numpy.typing as npt
import pandas as pd

from analytics.allocation import allocate_team_target, compare_allocations
from analytics.calibration import Calibration
from analytics.coverage import DataCoverage
from analytics.metric_registry import resolve_metric
from analytics.periods import Period
from analytics.predictive import PredictiveDistribution
from analytics.sales_math import (
    STAGES,
    activity_plan,
    activity_rows,
    focus_stages,
    how_measured,
    plan_sentence,
)
from analytics.target_sets import ROW_COLUMNS, TargetSetDraft
from analytics.targets import base_share_check, parse_tiers, tier_targets


def build_draft(predictive: PredictiveDistribution, *, name: str, period: Period, metric: str,
                tiers: str | Mapping[str, float] | list | tuple = "35,70,90",
                team_target: float | None = None, allocation: str = "equal-chance",
                baseline: npt.ArrayLike | None = None, funnel: pd.DataFrame | None = None, q: float = 0.8,
                weights: npt.ArrayLike | None = None, history_periods: int = 4, n_draws: int = 20_000,
                seed: int = 0, status: str = "draft", coverage: DataCoverage | None = None) -> TargetSetDraft:
    """A :class:`TargetSetDraft` of model targets per rep and tier (see the module docstring).

    ``assumptions["warnings"]`` carries the plain-words checks (base share, team target reach).
    With ``coverage``, the activity plan names only stages whose data was imported: an orders-only
    company's set stores no opportunity or call rows and no sentence about them.
    """
    tiers = parse_tiers(tiers)
    rows = tier_targets(predictive, tiers)
    warnings: list[str] = []
    assumptions: dict = {
        "model": predictive.family, "confidence": q,
        "measured": how_measured(metric), "fiscal_start_month": period.fiscal_start_month,
        "period_start": period.start.isoformat(), "period_end": period.end.isoformat(),
        "within_period_weights": None if weights is None else [float(w) for w in np.asarray(weights)],
    }
    method = "percentile"
    if team_target is not None:
        method = allocation
        split = allocate_team_target(predictive, team_target, allocation, baseline=baseline)
        base_mask = rows["tier"] == "base"
        base = rows.loc[base_mask, "rep"].map(split.set_index("rep")["target"])
        rows.loc[base_mask, ["target", "model_value"]] = np.column_stack([base, base])
        rows.loc[base_mask, "p_attain"] = rows.loc[base_mask, "rep"].map(split.set_index("rep")["p_attain"])
        floor = rows["rep"].map(split.set_index("rep")["target"])
        raised = (rows["tier"] != "base") & (rows["target"] < floor)
        if raised.any():
            warnings.append(f"{int(raised.sum())} higher-tier target(s) were below the split base and were "
                            "lifted to it.")
            rows.loc[raised, ["target", "model_value"]] = np.column_stack([floor[raised], floor[raised]])
            rows.loc[raised, "p_attain"] = _chances(predictive, rows.loc[raised])
        team = compare_allocations(predictive, team_target, baseline, n_draws=n_draws, seed=seed)
        assumptions["team"] = {"team_target": float(team_target), "allocation": allocation,
                               "p_star": team.p_star, "team_chance": team.team_chance,
                               "team_p50": team.team_p50, "team_p90": team.team_p90,
                               "beyond_reach": team.beyond_reach}
        warnings.append(team.message)
    check = base_share_check(rows.loc[rows["tier"] == "base", "p_attain"],
                             "the base percentile" if team_target is None else "the team target")
    assumptions["base_share"] = check.expected_share
    warnings.insert(0, check.message)
    acts = None
    # An activity plan works back from won deals: only for metrics made of them (won revenue, deals).
    if funnel is not None and len(funnel) and resolve_metric(metric).funnel_stage == "won":
        base_rows = rows.loc[rows["tier"] == "base", ["rep", "target"]].reset_index(drop=True)
        plan = activity_plan(base_rows, funnel, period, q=q, metric=metric, history_periods=history_periods,
                             coverage=coverage)
        acts = activity_rows(plan)
        assumptions["plans"] = plan_sentences(plan, period.grain, coverage)
        assumptions["focus"] = {r["rep"]: r["focus"] for r in focus_stages(funnel).to_dict("records")
                                if r["focus"] and _focus_shown(r["stage"], coverage)}
    assumptions["warnings"] = warnings
    return TargetSetDraft(name=name, period=period.label, grain=period.grain, metric=metric, tiers=tiers,
                          method=method, rows=rows[ROW_COLUMNS], activity_rows=acts,
                          team_target=None if team_target is None else float(team_target),
                          status=status, assumptions=assumptions)


def plan_sentences(plan: pd.DataFrame, grain: str, coverage: DataCoverage | None = None) -> dict[str, str]:
    """Each rep's activity plan in words ("about 26 opportunities ... per quarter").

    With ``coverage``, a rep whose plan has no stage the data can show gets no sentence: an
    orders-only company has no activity plan, which is not the same as "funnel rates unknown".
    """
    stages = [stage for stage, _ in STAGES if stage in plan]
    return {r["rep"]: plan_sentence(r, grain) for r in plan.to_dict("records")
            if coverage is None or any(np.isfinite(r[s]) for s in stages)}


def _focus_shown(stage: str | None, coverage: DataCoverage | None) -> bool:
    """Whether a rep's focus line speaks only of data that was imported.

    A rate made of absent data (a win rate from won orders alone reads 100%) is no one's focus, and
    "every stage at or above the team's rate" needs every stage to exist.

    >>> orders_only = DataCoverage(won=3)
    >>> _focus_shown("win_rate", orders_only), _focus_shown(None, orders_only), _focus_shown("win_rate", None)
    (False, False, True)
    """
    if coverage is None:
        return True
    stages = [rate for _, rate in STAGES] if stage is None else [stage]
    return all(coverage.has_funnel(s) for s in stages)


def _chances(predictive: PredictiveDistribution, rows: pd.DataFrame) -> np.ndarray:
    reps = list(np.asarray(predictive.reps, dtype=object))
    out = []
    for rep, target in zip(rows["rep"], rows["target"], strict=True):
        t = np.zeros(len(reps))
        t[reps.index(rep)] = target
        out.append(float(predictive.p_attain(t)[reps.index(rep)]))
    return np.array(out)


def draft_from_calibration(calibration: Calibration, name: str,
                           tiers: str | Mapping[str, float] | list | tuple = "35,70,90", *,
                           team_target: float | None = None, allocation: str = "equal-chance",
                           funnel: pd.DataFrame | None = None, q: float = 0.8, status: str = "draft",
                           seed: int = 0, coverage: DataCoverage | None = None) -> TargetSetDraft:
    """:func:`build_draft` for a fitted ``Calibration`` (its period, metric, baseline, monthly shape and,
    unless ``funnel`` is given, its ``funnel()`` for the activity plan).

    ``coverage`` (what data exists, :func:`analytics.coverage.data_coverage`) keeps the plan to the
    stages whose data was imported; without it every stage of the funnel is planned.
    """
    baseline = calibration.summary["baseline"].reindex(list(calibration.predictive.reps)).to_numpy(dtype=float)
    if funnel is None:
        funnel = calibration.funnel()
    weights = calibration.within_period_shape().to_numpy(dtype=float)
    return build_draft(calibration.predictive, name=name, period=calibration.period, metric=calibration.metric,
                       tiers=tiers, team_target=team_target, allocation=allocation, baseline=baseline,
                       funnel=funnel, q=q, weights=weights, status=status, seed=seed, coverage=coverage)
