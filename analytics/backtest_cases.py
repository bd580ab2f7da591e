"""The origins of a rolling-origin backtest and the forecasts made at each (``analytics.backtest`` scores them).

Two plans: one origin per complete period of the history's own grain, or, for a quarter, one per
month-end forecasting the next three months' total the way ``calibrate(grain="quarter")`` forecasts
a quarter: the sum of three monthly forecasts (``route="sum"``), simulated for the log model (money,
large counts: ``analytics.quarter_sum``), the negative binomial of its moments for counts
(``analytics.count_quarter``). The quarterly model fitted on the three-month windows before the origin
(``analytics.quarter_windows``, ``route="fit"``; at a fiscal quarter's start these are the fiscal
quarters) is kept to be measured against the sum (bench/regimes_table.py, docs/calibration-regimes.md).
Either way everything is refitted on the columns strictly before the origin.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date
from functools import cached_property

import numpy as np

from analytics import variant_choice
from analytics.backtest_scores import CRPS_GRID, crps_from_quantiles
from analytics.model_fit import fit_variants_for_target, model_family
from analytics.model_variants import STANDARD, ModelVariant, chooses_variant, variants_of
from analytics.panel_arrays import OPEN_DEALS, PanelArrays
from analytics.predictive import RepPredictive
from analytics.quarter_sum import quarter_fit
from analytics.quarter_windows import quarter_windows, window_offset
from analytics.variant_choice import VariantChoice

MIN_HISTORY = 4


def choose_origins(arrays: PanelArrays, origins: int | None, min_history: int = MIN_HISTORY) -> list[int]:
    """Column indices of the origins: complete periods with >= ``min_history`` periods before them."""
    complete = np.flatnonzero(arrays.complete)
    cand = [int(c) for c in complete if c >= min_history and np.isfinite(arrays.y[:, c]).any()]
    return cand if origins is None else cand[-int(origins):] if origins > 0 else []


@dataclass(frozen=True)
class OriginCase:
    """One origin's forecasts: who, what happened, the model's law, and the naive rules' panel.

    ``panel``/``column`` hold the outcomes the naive rules see (``panel[:, column]`` is the
    outcome, the columns before it the history they forecast from); ``n_history``: each rep's periods of
    history before the origin, in the grain forecast (quarters for a quarter from months)."""

    label: str
    index: int
    start: date
    rows: np.ndarray
    y: np.ndarray
    pred: RepPredictive
    panel: np.ndarray
    column: int
    n_history: np.ndarray


@dataclass(frozen=True)
class BacktestPlan:
    """Which origins a history has and how to forecast at them (per period, or quarters from months).

    ``from_months``: ``arrays`` are monthly and the target is the next three months' total, as the
    simulated sum of three monthly forecasts (``route="sum"``) or by the quarterly fit on three-month
    windows (``route="fit"``); :func:`quarter_route` is the one ``calibrate`` uses."""

    arrays: PanelArrays
    metric: str
    from_months: bool
    route: str = "sum"

    @property
    def periods_needed(self) -> int:
        """The fewest complete periods of ``arrays`` with an origin: ``MIN_HISTORY`` before it and the origin
        itself (its three months when a quarter is forecast from months)."""
        return MIN_HISTORY + (3 if self.from_months else 1)

    def candidates(self) -> list[int]:
        cols = choose_origins(self.arrays, None)
        if not self.from_months:
            return cols
        n_t = len(self.arrays.periods)
        return [c for c in cols if c + 2 < n_t and self.arrays.complete[c:c + 3].all()]

    def label(self, o: int) -> str:
        p = self.arrays.periods
        return f"{p[o].label} to {p[o + 2].label}" if self.from_months else p[o].label

    def family(self) -> str:
        """The model's family at the first origin, on the data it is fitted on (windows of three months
        for a quarter from months, as ``calibrate`` sees quarters)."""
        cols = self.candidates()
        if not cols:
            return "log"
        if not self.from_months:
            return model_family(self.metric, self.arrays.y[:, :cols[0]])
        if self.route == "sum":    # the monthly model's, on the history quarter_route reads
            return model_family(self.metric, self.arrays.y)
        windows, first = self.windows[window_offset(self.arrays, cols[0])]
        return model_family(self.metric, windows.y[:, :(cols[0] - first) // 3])

    @cached_property
    def windows(self) -> dict[int, tuple[PanelArrays, int]]:
        """The quarterly panels of three-month windows, by their offset from the fiscal quarters."""
        return {offset: quarter_windows(self.arrays, offset) for offset in range(3)}

    def cases(self, variant: ModelVariant, cols: list[int]) -> list[OriginCase]:
        if self.from_months and self.route == "sum":
            return quarter_cases(self.arrays, self.metric, cols, variant, self.family())
        return self.cases_by_variant((variant,), cols)[variant.name]

    def cases_by_variant(self, variants: Sequence[ModelVariant], cols: list[int],
                         family: str | None = None) -> dict[str, list[OriginCase]]:
        """:meth:`cases` of each of ``variants`` (by name), each equal to its own; per period and on windows the
        variants' fits at an origin share what they have in common (:func:`period_cases_by_variant`).
        ``family``: per period, the model's family when ``cols`` are a part of the origins (else the first's)."""
        if not self.from_months:
            return period_cases_by_variant(self.arrays, self.metric, cols, variants, family)
        if self.route == "sum":
            family = self.family()
            return {v.name: quarter_cases(self.arrays, self.metric, cols, v, family) for v in variants}
        family = self.family()
        out: dict[str, list[OriginCase]] = {v.name: [] for v in variants}
        for o in cols:
            windows, first = self.windows[window_offset(self.arrays, o)]
            by_variant = period_cases_by_variant(windows, self.metric, [(o - first) // 3], variants, family=family)
            # The naive rules and loss scales see the complete windows ending at the origin, as in the
            # sum route (a partial first window is the model's business, not a rule's quarter).
            sums = three_month_sums(self.arrays.y, o)
            for name, (case,) in by_variant.items():
                out[name].append(replace(case, label=self.label(o), index=o, panel=sums, column=sums.shape[1] - 1))
        return out

    def crps_scorer(self, variant: ModelVariant, cols: list[int]) -> list[np.ndarray]:
        """The model's scaled CRPS per forecast at each origin (what the variants are chosen on)."""
        return [model_crps(c) for c in self.cases(variant, cols)]


def quarter_route(months: PanelArrays, metric: str, n_train: int | None = None) -> str:
    """How ``calibrate`` forecasts a quarter from these months (and so how its backtest does): ``"sum"``
    of three monthly forecasts when the monthly model is the log model (simulated, :mod:`analytics.quarter_sum`)
    or the count model of a metric the open pipeline leads, deals won or closed (a negative binomial of the
    same moments, :mod:`analytics.count_quarter`), else ``"fit"`` (the quarterly model on three-month windows).

    Activity counts keep the windows' fit: nothing leads them month by month, and their sum of months was
    measured worse (meetings, 36 reps: the steady company's P25 coverage +1.2 points to -11.4; the growing
    company's CRPS 2.6% higher), while deals' quarters in a growing team gained 31-35% CRPS."""
    y = months.y if n_train is None else months.y[:, :n_train]
    family = model_family(metric, y)
    return "sum" if family == "log" or (family == "count" and OPEN_DEALS in months.extra) else "fit"


def chooses_variant_on(arrays: PanelArrays, family: str) -> bool:
    """:func:`~analytics.model_variants.chooses_variant` of ``family`` on this panel (led by the open pipeline
    when it carries each rep's open deals)."""
    return chooses_variant(family, OPEN_DEALS in arrays.extra)


def model_crps(case: OriginCase) -> np.ndarray:
    scale = loss_scales(case.panel[:, :case.column], case.rows)
    return crps_from_quantiles(case.y, case.pred.quantile(CRPS_GRID)) / scale


def period_cases(arrays: PanelArrays, metric: str, cols: list[int],
                 variant: ModelVariant = STANDARD, family: str | None = None) -> list[OriginCase]:
    """One origin per period ``cols`` (the grain of ``arrays``): fit before it, forecast it."""
    return period_cases_by_variant(arrays, metric, cols, (variant,), family)[variant.name]


def period_cases_by_variant(arrays: PanelArrays, metric: str, cols: list[int], variants: Sequence[ModelVariant],
                            family: str | None = None) -> dict[str, list[OriginCase]]:
    """:func:`period_cases` of each of ``variants`` (by name), each equal to its own: at each origin the
    variants' fits share what they have in common (``model_fit.fit_variants_for_target``)."""
    family = family or (model_family(metric, arrays.y[:, : cols[0]]) if cols else "log")
    cases: dict[str, list[OriginCase]] = {v.name: [] for v in variants}
    for o in cols:
        rows = np.flatnonzero(np.isfinite(arrays.y[:, o]))
        target = arrays.periods[o]
        fits, _ = fit_variants_for_target(arrays, target, metric, arrays.expfrac[:, o], arrays.tenure[:, o], variants,
                                          n_train=o, family=family)
        made: dict[int, OriginCase] = {}   # variants sharing one fit (a count's, a rate's) share its case
        for variant, fit in zip(variants, fits, strict=True):
            if id(fit) not in made:
                made[id(fit)] = OriginCase(target.label, o, target.start, rows, arrays.y[rows, o],
                                           fit.predictive(arrays.reps, rows), arrays.y, o,
                                           np.isfinite(arrays.y[rows, :o]).sum(1))
            cases[variant.name].append(made[id(fit)])
    return cases


def quarter_cases(months: PanelArrays, metric: str, cols: list[int],
                  variant: ModelVariant = STANDARD, family: str = "log") -> list[OriginCase]:
    """Quarters from monthly origins ``cols``: at each month-end, the sum of the next three months
    (``family``: the monthly model's, ``quarter_sum.quarter_fit``).

    The reps active in the first month are forecast (leavers included: a month they are gone adds 0).
    The naive rules see the rep's earlier sums of three months, ending at the origin (no overlap
    with the months forecast)."""
    cases = []
    for o in cols:
        rows = np.flatnonzero(np.isfinite(months.y[:, o]))
        first = months.periods[o]
        window = slice(o, o + 3)
        pred = quarter_fit(months, metric, first, o, rows, months.expfrac[rows, window],
                           months.tenure[rows, window], variant, family=family).predictive(months.reps, rows)
        sums = three_month_sums(months.y, o)
        label = f"{first.label} to {months.periods[o + 2].label}"
        # History in quarters, the grain forecast: the rep's three-month windows before the origin.
        cases.append(OriginCase(label, o, first.start, rows, sums[rows, -1], pred, sums, sums.shape[1] - 1,
                                np.isfinite(sums[rows, :-1]).sum(1)))
    return cases


def three_month_sums(y: np.ndarray, origin: int) -> np.ndarray:
    """(n_reps, k + 1): sums of months [origin - 3k, origin - 3k + 3), ..., [origin, origin + 3).

    A rep with no active month in a window is NaN there; inactive months inside one add 0.

    >>> three_month_sums(np.array([[1.0, 2, 3, 4, 5, 6, 7, 8, np.nan]]), 6).tolist()
    [[6.0, 15.0, 15.0]]
    """
    starts = np.arange(origin % 3, origin + 1, 3)
    starts = starts[starts + 3 <= y.shape[1]]
    blocks = np.stack([y[:, s:s + 3] for s in starts], axis=1)          # reps x windows x 3
    seen = np.isfinite(blocks).any(axis=2)
    return np.where(seen, np.nansum(blocks, axis=2), np.nan)


def loss_scales(train: np.ndarray, rows: np.ndarray) -> np.ndarray:
    """Per-rep loss scale: mean of the rep's training outcomes (team mean when < 2, floored at 10%)."""
    recent = train[:, -MIN_HISTORY:]
    team = float(np.abs(recent[np.isfinite(recent)]).mean()) if np.isfinite(recent).any() else 1.0
    team = team if np.isfinite(team) and team > 0 else 1.0
    own = train[rows]
    n = np.isfinite(own).sum(1)
    with np.errstate(invalid="ignore", divide="ignore"):
        own_mean = np.where(np.isfinite(own), np.abs(own), 0.0).sum(1) / n
    mean = np.where(n >= 2, own_mean, team)
    return np.maximum(np.nan_to_num(mean, nan=team), 0.1 * team)


def variant_scores(plan: BacktestPlan) -> variant_choice.VariantScores:
    """Every variant's scaled CRPS at the latest scored origins of ``plan``, on a sample of its reps.

    :data:`~analytics.variant_choice.MAX_SCORED` origins, :data:`~analytics.variant_choice.SAMPLE_REPS`
    reps (all of a smaller team); cached per data, so a page that calibrates or backtests the same
    history again pays for these refits once. Per period, each origin's scores are also kept by what its
    fits read (:func:`origin_scores`): the history cut at another period (the quarter tracked, the next one)
    refits only the origins it does not share.
    """
    def make() -> variant_choice.VariantScores:
        rows = variant_choice.sample_rows(len(plan.arrays.reps))
        small = replace(plan, arrays=plan.arrays.subset(rows))
        cols = small.candidates()[-variant_choice.MAX_SCORED:]
        scored = origin_scores(small, cols)
        return variant_choice.VariantScores(tuple(s.label for s in scored), tuple(cols),
                                            np.array([s.count for s in scored], dtype=float),
                                            {v.name: np.array([s.sums[v.name] for s in scored])
                                             for v in variants_of(small.family())},
                                            horizon=3 if plan.from_months else 1)

    key = variant_choice.digest(plan.arrays, plan.metric, plan.from_months, plan.route, variant_choice.MAX_SCORED,
                                variant_choice.SAMPLE_REPS)
    return variant_choice.cached(key, make)


def origin_scores(plan: BacktestPlan, cols: list[int]) -> list[variant_choice.OriginScore]:
    """Every variant's summed scaled CRPS at each origin ``cols`` of ``plan`` (the reps scored).

    Per period, an origin's scores are a function of the reps, their data up to and including the origin's
    column (the history fitted, the outcome scored), the metric and the model's family: they are kept under
    that (:func:`analytics.variant_choice.origin_key`) and only the origins not kept are fitted. A quarter
    from months reads its windows past the origin: fitted every time."""
    def score(cases_by_variant: dict[str, list[OriginCase]]) -> list[variant_choice.OriginScore]:
        first = cases_by_variant[STANDARD.name]
        scored: dict[int, float] = {}

        def summed(case: OriginCase) -> float:   # a case shared by variants (one fit: counts') scored once
            if id(case) not in scored:
                scored[id(case)] = float(np.sum(model_crps(case)))
            return scored[id(case)]

        sums = {name: [summed(c) for c in cases] for name, cases in cases_by_variant.items()}
        return [variant_choice.OriginScore(c.label, int(c.rows.size), {name: s[j] for name, s in sums.items()})
                for j, c in enumerate(first)]

    if plan.from_months:
        return score(plan.cases_by_variant(variants_of(plan.family()), cols))
    arrays = plan.arrays
    family = model_family(plan.metric, arrays.y[:, :cols[0]]) if cols else "log"
    variants = variants_of(family)
    keys = [variant_choice.origin_key(arrays, o, plan.metric, family, [v.name for v in variants]) for o in cols]

    def make(positions: list[int]) -> list[variant_choice.OriginScore]:
        return score(plan.cases_by_variant(variants, [cols[j] for j in positions], family))

    return variant_choice.origins_cached(keys, make)


def choice_plan(plan: BacktestPlan) -> BacktestPlan:
    """The plan a variant is chosen on: ``plan`` itself, except for a quarter summed from months.

    The summed quarter is three forecasts of the monthly model, so it uses the monthly model's own
    choice: every variant scored one month ahead at the month-ends (at a quarter's origin, every earlier
    month is known), the same scores, and cache entry, as the month grain's. Scoring the summed quarters
    instead cost three times as much (a simulated sum per variant and origin: 2.0 against 0.6 CPU
    seconds at 1,000 reps, in a page's first render); on the test companies the monthly choice's
    coverage was as good or better, its CRPS better on growth and worse on the year-end spike
    (docs/calibration-regimes.md). The quarterly fit on windows (``route="fit"``) keeps its own.
    """
    if plan.from_months and plan.route == "sum":
        return BacktestPlan(plan.arrays, plan.metric, from_months=False)
    return plan


def confirmed_on_cases(choice: VariantChoice, chosen: list[OriginCase], standard: list[OriginCase]) -> VariantChoice:
    """``choice`` with its confirmation measured on the forecasts made: ``chosen`` (one per reported origin,
    each with the variant used there) against the standard model's at the origins where another was used
    (``standard``). For a choice scored on other forecasts than the ones reported (the summed quarter's,
    made with the monthly model's choice): what the choice bought the quarters, not the months."""
    instead = {c.index: c for c in standard}
    picked = [c for c in chosen if c.index in choice.used and c.rows.size]
    n = float(sum(c.rows.size for c in picked))
    if not n:
        return replace(choice, confirm_origins=(), as_you_go=float("nan"), standard=float("nan"))
    as_you_go = sum(float(np.sum(model_crps(c))) for c in picked) / n
    base = sum(float(np.sum(model_crps(instead.get(c.index, c)))) for c in picked) / n
    return replace(choice, confirm_origins=tuple(c.label for c in picked), as_you_go=as_you_go, standard=base)


def next_period_choice(arrays: PanelArrays, metric: str, n_train: int, from_months: bool = False) -> VariantChoice:
    """The log model's variant for a forecast made after the first ``n_train`` columns of ``arrays``.

    The prequential choice after the last origin those columns hold (every past origin), with its
    confirmation on the scored origins; the same figures a backtest of that history reports. A quarter
    summed from months (``from_months``: the route ``calibrate`` sums) takes the monthly model's choice
    (:func:`choice_plan`).
    """
    plan = choice_plan(BacktestPlan(arrays.subset(n_cols=n_train), metric, from_months))
    scores = variant_scores(plan)
    return variant_choice.choose(scores, scores.columns)
