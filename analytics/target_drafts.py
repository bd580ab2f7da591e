"""Build a target-set draft from a predictive distribution (or a fitted ``Calibration``).

Ties the pieces together: tier targets (:mod:`analytics.targets`), an optional top-down team
target split, the activity plan (:mod:`analytics.sales_math`) and the assumptions an export
needs later (confidence, within-period shape, fiscal calendar, plain-words warnings).

With a team target G the base tier is the split of G (proportional or equal chance); the
higher tiers stay at their percentiles but never fall below base. No model target is below the rep's
smallest meaningful target (:mod:`analytics.target_floor`: one typical deal, 1 for counts); the floor
is kept in the assumptions (``smallest_targets``), so an edit's re-split keeps to it too.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import NamedTuple

import numpy as np
import numpy.typing as npt
import pandas as pd

from analytics.allocation import (
    TeamAllocation,
    allocate_team_target,
    compare_allocations,
    spaced_higher_tiers,
    team_verdict,
)
from analytics.calibration import Calibration
from analytics.coverage import DataCoverage
from analytics.formatting import currency_symbol, value
from analytics.metric_registry import resolve_metric
from analytics.periods import Period
from analytics.predictive import PredictiveDistribution
from analytics.sales_math import (
    STAGES,
    ActivityPlanner,
    activity_plan,
    activity_rows,
    focus_stages,
    how_measured,
    plan_sentence_shown,
)
from analytics.target_floor import TargetFloor, floor_for, floor_reasons
from analytics.target_sets import ROW_COLUMNS, TargetSetDraft
from analytics.targets import base_share_check, parse_tiers, tier_targets


def build_draft(predictive: PredictiveDistribution, *, name: str, period: Period, metric: str,
                tiers: str | Mapping[str, float] | list | tuple = "35,70,90",
                team_target: float | None = None, allocation: str = "equal-chance",
                baseline: npt.ArrayLike | None = None, funnel: pd.DataFrame | None = None, q: float = 0.8,
                weights: npt.ArrayLike | None = None, history_periods: int = 4, n_draws: int | None = None,
                seed: int = 0, status: str = "draft", coverage: DataCoverage | None = None,
                team: TeamAllocation | None = None, currency_code: str | None = None,
                floor: TargetFloor | None = None) -> TargetSetDraft:
    """A :class:`TargetSetDraft` of model targets per rep and tier (see the module docstring).

    ``assumptions["warnings"]`` carries the plain-words checks (base share, team target reach).
    With ``coverage``, the activity plan names only stages whose data was imported: an orders-only
    company's set stores no opportunity or call rows and no sentence about them. ``team``: the comparison
    of splits already made for ``team_target`` (:func:`analytics.allocation.compare_allocations`), reused.
    ``currency_code`` (the data's, ``EUR``): the team verdict writes money in it, and the set records it.

    With a team number, base is the split; each higher tier keeps its spacing in chance above the split
    base (:func:`analytics.allocation.spaced_higher_tiers`), and a warning says how many were raised.
    ``floor``: each rep's smallest meaningful target (default :meth:`TargetFloor.default`; a calibration's
    is :func:`analytics.target_floor.floor_for`).
    """
    tiers = parse_tiers(tiers)
    floor = TargetFloor.default(predictive) if floor is None else floor
    rows = tier_targets(predictive, tiers, floor)
    warnings: list[str] = []
    assumptions: dict = {
        "model": predictive.family, "confidence": q,
        "measured": how_measured(metric), "fiscal_start_month": period.fiscal_start_month,
        "period_start": period.start.isoformat(), "period_end": period.end.isoformat(),
        "within_period_weights": None if weights is None else [float(w) for w in np.asarray(weights)],
        "smallest_targets": floor.saved(),
    }
    method = "percentile"
    if team_target is not None:
        if (refusal := resolve_metric(metric).team_split_refusal) is not None:    # a rate or an average
            raise ValueError(refusal)
        method = allocation
        split = allocate_team_target(predictive, team_target, allocation, baseline=baseline, floor=floor)
        base_mask = rows["tier"] == "base"
        base = rows.loc[base_mask, "rep"].map(split.set_index("rep")["target"])
        rows.loc[base_mask, ["target", "model_value"]] = np.column_stack([base, base])
        rows.loc[base_mask, "p_attain"] = rows.loc[base_mask, "rep"].map(split.set_index("rep")["p_attain"])
        said = pd.Series(floor_reasons(predictive, floor, split["target"].to_numpy(dtype=float)),
                         index=split["rep"].to_numpy(), dtype=object)
        rows.loc[base_mask, "reason"] = rows.loc[base_mask, "rep"].map(said)
        split_base = split.set_index("rep")["target"].reindex(np.asarray(predictive.reps, dtype=object))
        raised = _space_higher_tiers(rows, predictive, split_base.to_numpy(dtype=float), tiers)
        if raised:
            warnings.append(f"{raised} higher-tier target(s) were raised to stay as far above the split base, "
                            "in chance, as the tiers are apart.")
        if team is None or team.team_target != team_target:     # (a page passes the comparison it made)
            team = compare_allocations(predictive, team_target, baseline, n_draws=n_draws, seed=seed, floor=floor)
        assumptions["team"] = {"team_target": float(team_target), "allocation": allocation,
                               "p_star": team.p_star, "team_chance": team.team_chance,
                               "team_p50": team.team_p50, "team_p90": team.team_p90,
                               "beyond_reach": team.beyond_reach}
        kind = resolve_metric(metric).kind
        symbol = currency_symbol(currency_code)
        warnings.append(team_verdict(team.team_target, team.team_chance, team.p_star, team.team_p50, team.team_p90,
                                     team.table["proportional_p"], team.beyond_reach,
                                     lambda v: value(v, kind, symbol), floored=team.floored))
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
    if currency_code:
        assumptions["currency"] = currency_code
    return TargetSetDraft(name=name, period=period.label, grain=period.grain, metric=metric, tiers=tiers,
                          method=method, rows=rows[ROW_COLUMNS], activity_rows=acts,
                          team_target=None if team_target is None else float(team_target),
                          status=status, assumptions=assumptions)


class PlannedDraft(NamedTuple):
    """A draft whose activity plan follows its (edited) base targets, and the plan itself (None without one)."""

    draft: TargetSetDraft
    plan: pd.DataFrame | None


def replan(draft: TargetSetDraft, funnel: pd.DataFrame | None, period: Period, *, q: float = 0.8,
           coverage: DataCoverage | None = None, currency_code: str | None = None,
           focus: pd.DataFrame | None = None, planner: ActivityPlanner | None = None) -> PlannedDraft:
    """The draft's activity plan (rows, sentences and each rep's focus) made again from its base targets,
    after edits. (A page builds its model draft without a funnel and plans here, once per set of base targets:
    the plan is the slow part of a draft.)

    Only for metrics made of won deals and with a funnel, as in :func:`build_draft`; ``currency_code``
    (the data's, e.g. ``EUR``) is recorded in the assumptions, so the exports write amounts in it.
    ``focus``: ``focus_stages(funnel)`` when already made (it follows the funnel alone, not the targets: a page
    makes it once per calibration; a thousand reps' took a third of every replan).
    ``planner``: an :class:`~analytics.sales_math.ActivityPlanner` of this ``funnel``, ``period``, ``q``, metric
    and ``coverage``, kept between calls: it plans again only the reps whose base target changed.
    """
    assumptions = dict(draft.assumptions)
    if currency_code:
        assumptions["currency"] = currency_code
    plan = None
    acts = draft.activity_rows
    if funnel is not None and len(funnel) and resolve_metric(draft.metric).funnel_stage == "won":
        base_rows = draft.rows.loc[draft.rows["tier"] == "base", ["rep", "target"]].reset_index(drop=True)
        if planner is None:
            plan = activity_plan(base_rows, funnel, period, q=q, metric=draft.metric, coverage=coverage)
            assumptions["plans"] = plan_sentences(plan, period.grain, coverage)
        else:
            plan = planner.plan(base_rows)
            assumptions["plans"] = planner.sentences(plan)
        acts = activity_rows(plan)
        focus = focus_stages(funnel) if focus is None else focus
        assumptions["focus"] = {r["rep"]: r["focus"] for r in focus.to_dict("records")
                                if r["focus"] and _focus_shown(r["stage"], coverage)}
    return PlannedDraft(dataclasses.replace(draft, activity_rows=acts, assumptions=assumptions), plan)


def adopt_plan(draft: TargetSetDraft, planned: PlannedDraft) -> TargetSetDraft:
    """``draft`` with the activity plan of ``planned``, made by :func:`replan` from the same base targets
    (a page keeps that plan while only higher tiers change)."""
    made = {k: planned.draft.assumptions[k] for k in ("plans", "focus", "currency") if k in planned.draft.assumptions}
    return dataclasses.replace(draft, activity_rows=planned.draft.activity_rows,
                               assumptions={**draft.assumptions, **made})


def plan_sentences(plan: pd.DataFrame, grain: str, coverage: DataCoverage | None = None) -> dict[str, str]:
    """Each rep's activity plan in words ("about 26 opportunities ... per quarter").

    With ``coverage``, a rep whose plan has no stage the data can show gets no sentence: an
    orders-only company has no activity plan, which is not the same as "funnel rates unknown".
    """
    said = ((r["rep"], plan_sentence_shown(r, grain, coverage)) for r in plan.to_dict("records"))
    return {rep: sentence for rep, sentence in said if sentence is not None}


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


def _space_higher_tiers(rows: pd.DataFrame, predictive: PredictiveDistribution, base: np.ndarray,
                        tiers: Mapping[str, float]) -> int:
    """Set (in place) each higher tier's model target above the split ``base`` (per rep, in the predictive's
    order) as :func:`spaced_higher_tiers` says; how many targets it raised above their percentile."""
    reps = pd.Index(np.asarray(predictive.reps, dtype=object))
    raised = 0
    for tier, spaced in spaced_higher_tiers(predictive, base, tiers).items():
        at = np.flatnonzero(rows["tier"].to_numpy() == tier)
        where = reps.get_indexer(rows["rep"].to_numpy()[at])
        old = rows["target"].to_numpy(dtype=float)[at]
        new = spaced[where]
        raised += int((new > old + 1e-9 * np.maximum(np.abs(old), 1.0)).sum())
        chance = np.asarray(predictive.p_attain(spaced), dtype=float)[where]
        rows.loc[rows.index[at], ["target", "model_value", "p_attain"]] = np.column_stack([new, new, chance])
    return raised


def draft_from_calibration(calibration: Calibration, name: str,
                           tiers: str | Mapping[str, float] | list | tuple = "35,70,90", *,
                           team_target: float | None = None, allocation: str = "equal-chance",
                           funnel: pd.DataFrame | None = None, q: float = 0.8, status: str = "draft",
                           seed: int = 0, coverage: DataCoverage | None = None,
                           currency_code: str | None = None) -> TargetSetDraft:
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
                       funnel=funnel, q=q, weights=weights, status=status, seed=seed, coverage=coverage,
                       currency_code=currency_code, floor=floor_for(calibration, currency_symbol(currency_code)))
