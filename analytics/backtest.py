"""Rolling-origin backtest: does the calibration keep its promises? (calibration-methods section 6)

For each origin (one of the last K complete periods) everything -- period effects, season,
ramp, pooling, residual law -- is refitted on the periods strictly before it; every rep
active in the origin period (leavers included) is forecast and scored against what happened.
The panel is built once and sliced by column, so no data at or after an origin can reach
its fit.

On a scoped connection (:func:`analytics.scope.scoped`) the fits are still the whole company's, as a
calibration's are (:func:`analytics.panel_query.company_panel`): every rep of the company is forecast
and scored, and only the scope's reps are reported (their rows, and the coverage, CRPS and past-quota
figures over them alone), with the same numbers per rep as an admin's backtest.

Example
-------
``run_backtest(conn, "revenue", "quarter")`` reads the history from the database; a
``rep_period_panel`` frame given as ``history`` stands in for it here (six reps, eight quarters):

>>> import numpy as np, pandas as pd
>>> from analytics.periods import period_of
>>> quarters = [period_of(d, "quarter") for d in pd.date_range("2024-01-01", periods=8, freq="QS").date]
>>> history = pd.DataFrame({
...     "rep": np.repeat(["Ann", "Bo", "Cy", "Di", "Ed", "Flo"], 8),
...     "period_start": [q.start for q in quarters] * 6, "period_label": [q.label for q in quarters] * 6,
...     "value": np.random.default_rng(7).lognormal(11, 0.4, 48).round(), "exposure_days": 90,
...     "tenure_months": None, "complete": True, "team": None})
>>> result = run_backtest(None, "revenue", "quarter", history=history)
>>> result.n_forecasts              # 4 origins (every quarter with four before it), 6 reps each
24
>>> result.plain_language()[0]                                     # doctest: +ELLIPSIS
'Targets set at P10 were beaten ...% of the time; 90% was promised.'
"""

from __future__ import annotations

from collections.abc import Sequence

import duckdb
import numpy as np
import pandas as pd

from analytics import store, variant_choice
from analytics.backtest_cases import (
    BacktestPlan,
    OriginCase,
    choice_plan,
    chooses_variant_on,
    confirmed_on_cases,
    loss_scales,
    quarter_route,
    variant_scores,
)
from analytics.backtest_result import BacktestResult
from analytics.backtest_scores import (
    CRPS_GRID,
    MIN_RULE_FORECASTS,
    NAIVE_RULES,
    NaiveErrors,
    by_slice,
    crps_from_quantiles,
    empirical_quantiles,
    naive_inputs,
    naive_point_forecasts,
    period_bootstrap_band,
    pinball,
    randomized_pit,
    reliability_table,
    tie_split_coverage,
    why_not_scored,
)
from analytics.calibration import DEFAULT_LEVELS, level_column
from analytics.complete_history import starts_partial
from analytics.metric_registry import resolve_metric
from analytics.model_variants import STANDARD, VARIANTS, ModelVariant
from analytics.panel_arrays import build_arrays
from analytics.panel_query import company_panel
from analytics.periods import period_start_sql
from analytics.predictive import BetaBinomialRate, LogScaleHurdle, NegBinomialCount, RepPredictive
from analytics.scope import ALL, Scope, connection_scope

METHODS = ("model", *NAIVE_RULES)

# One method at one origin, per rep: CRPS, pinball loss per level, covered per level (ties split: the
# randomised PIT's for the model), and whether the method is scored there (its input exists).
OriginScores = tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]


def run_backtest(conn: duckdb.DuckDBPyConnection | None, metric: str = "revenue", grain: str = "quarter", *,
                 origins: int | None = None, levels: Sequence[float] = DEFAULT_LEVELS,
                 history: pd.DataFrame | None = None, history_grain: str | None = None,
                 variant: ModelVariant | None = None, seed: int = 0, route: str | None = None) -> BacktestResult:
    """Refit at each origin on data strictly before it; score the model and the naive rules.

    At quarter grain a metric that adds up over months (money, counts) is forecast from monthly
    origins whenever monthly data is at hand (from the database, or a monthly ``history``,
    ``history_grain="month"``): each month-end forecasts the next three months' total the way
    ``calibrate`` forecasts a quarter (:func:`~analytics.backtest_cases.quarter_route`: the sum of three
    monthly forecasts, simulated for the log model, :mod:`analytics.quarter_sum`, a negative binomial of its
    moments for counts, :mod:`analytics.count_quarter`; the quarterly model on three-month windows,
    :mod:`analytics.quarter_windows`, is the other route). ``route`` forces one
    ("sum" or "fit"; bench/regimes_table.py measures both). A quarterly ``history`` and rates keep
    the quarterly origins.

    The last ``origins`` origins are reported (default all). With ``variant=None`` the log model's
    variant is chosen as it goes (:mod:`analytics.variant_choice`): each origin is forecast with the
    variant of lowest error over the origins before it, so none is chosen on the origin it is
    scored on; ``variant_choice`` says what that bought over the standard model (a quarter summed from
    months takes the monthly model's choice, :func:`~analytics.backtest_cases.choice_plan`, and what it
    bought is measured on the quarters). A fixed
    ``variant`` is used at every origin.
    """
    levels = tuple(float(x) for x in levels)
    fsm = store.fiscal_year_start_month(conn) if conn is not None else 1
    from_months = grain == "quarter" and resolve_metric(metric).additive and (
        history_grain == "month" if history is not None else conn is not None)
    if history is None:
        if conn is None:
            raise ValueError("run_backtest needs a database connection or a history panel")
        arrays = company_panel(conn, metric, "month" if from_months else grain, fiscal_start_month=fsm).arrays
    else:
        arrays = build_arrays(history, "month" if from_months else grain, fsm)
    # Only complete periods are origins or history: the partial period at the end is dropped, so the data
    # (and the cached variant choice) are the ones a calibration of the next period sees.
    incomplete = np.flatnonzero(~arrays.complete)
    if incomplete.size:
        arrays = arrays.subset(n_cols=int(incomplete[0]))
    plan = BacktestPlan(arrays, metric, from_months,
                        route or (quarter_route(arrays, metric) if from_months and arrays.y.size else "sum"))
    candidates = plan.candidates()
    cols = candidates if origins is None else candidates[-int(origins):] if origins > 0 else []
    family = plan.family()
    choice = None
    if variant is None and chooses_variant_on(arrays, family) and cols:
        chosen_on = choice_plan(plan)
        choice = variant_choice.choose(variant_scores(chosen_on), cols)
        cases = []
        for v in VARIANTS:   # each origin forecast with the variant that had been best before it
            cases += plan.cases(v, [c for c in cols if choice.variant_at(c) == v])
        cases.sort(key=lambda c: c.index)
        if chosen_on is not plan:    # chosen on months: what it bought is measured on the quarters forecast
            others = [c for c in cols if c in choice.used and choice.variant_at(c) != STANDARD]
            choice = confirmed_on_cases(choice, cases, plan.cases(STANDARD, others))
    else:
        cases = plan.cases(variant or STANDARD, cols)
    quotas = _quotas(conn, metric, grain, fsm) if conn is not None else None
    shown = connection_scope(conn) if conn is not None else ALL
    result = score_cases(metric, grain, levels, cases, quotas, seed, family, shown)
    result.variant_choice = choice
    result.n_complete, result.n_needed = int(arrays.complete.sum()), plan.periods_needed
    result.n_partial = starts_partial(arrays)
    result.history_unit = "month" if from_months else grain
    return result


def score_cases(metric: str, grain: str, levels: tuple[float, ...], cases: list[OriginCase],
                quotas: pd.DataFrame | None, seed: int = 0, family: str = "log", shown: Scope = ALL) -> BacktestResult:
    """Score every origin's forecasts and the naive rules'; coverage, PIT, CRPS, past quotas; reported for
    the reps ``shown`` only. Every rep of a case is scored first (the randomised PIT's draws are then the
    same whoever looks), and the rows of the others dropped."""
    lv = np.array(levels)
    grid_and_levels = np.concatenate([CRPS_GRID, lv])
    rng = np.random.default_rng(seed)
    parts: list[pd.DataFrame] = []
    hist_rows: list[pd.DataFrame] = []
    scores: dict[str, list[OriginScores]] = {m: [] for m in METHODS}
    points: dict[int, dict[str, np.ndarray]] = {}
    inputs: dict[int, dict[str, np.ndarray]] = {}
    errors: dict[int, dict[str, NaiveErrors]] = {}
    plain: list[np.ndarray] = []
    inputs_seen: dict[str, int] = {}      # forecasts where a rule's input exists (scored or not: no errors yet)
    for case in cases:
        o, rows, y, pred = case.column, case.rows, case.y, case.pred
        key = id(case.panel)
        if key not in points:
            points[key] = naive_point_forecasts(case.panel, grain)
            inputs[key] = naive_inputs(case.panel, grain)
            errors[key] = {m: NaiveErrors.of(case.panel, f, inputs[key].get(m)) for m, f in points[key].items()}
        scale = loss_scales(case.panel[:, :o], rows)
        both = pred.quantile(grid_and_levels)
        q_grid, q_levels = both[:, :CRPS_GRID.size], both[:, CRPS_GRID.size:]
        upper = pred.cdf(y)
        # A log-scale law's only atom is at zero: F(y-) is F(y) for y > 0 (one cdf, not two).
        lower = np.where(y > 0, upper, 0.0) if isinstance(pred, LogScaleHurdle) else _cdf_below(pred, y)
        u = randomized_pit(lower, upper, rng)
        keep = np.array([shown.allows(r) for r in pred.reps], dtype=bool)
        if not keep.any():
            continue
        everywhere = np.ones(rows.size, dtype=bool)
        for m in METHODS:
            if m == "model":
                qg, ql, scored = q_grid, q_levels, everywhere
                covered = (u[:, None] <= lv[None, :]).astype(float)
            else:
                both = empirical_quantiles(case.panel, o, rows, grid_and_levels) if m == "empirical_percentiles" \
                    else errors[key][m].quantiles(points[key][m], o, rows, grid_and_levels)
                qg, ql = both[:, :CRPS_GRID.size], both[:, CRPS_GRID.size:]
                covered = tie_split_coverage(y, both, grid_and_levels, ql, lv)
                # A rule with an input of its own is scored where it exists and it has errors to make a range of.
                scored = everywhere
                if m in inputs[key]:
                    scored = inputs[key][m][rows, o]
                    inputs_seen[m] = inputs_seen.get(m, 0) + int(scored[keep].sum())
                    scored = scored & (errors[key][m].before(o) >= 2)
            scores[m].append((crps_from_quantiles(y, qg)[keep] / scale[keep],
                              pinball(y, ql, lv)[keep] / scale[keep][:, None], covered[keep], scored[keep]))
        plain.append((y[:, None] <= q_levels)[keep])
        frame = pd.DataFrame({"origin": case.label, "origin_index": case.index, "rep": np.asarray(pred.reps),
                              "y": y, "pit": u, "n_history": case.n_history, "scale": scale})
        for j, lev in enumerate(levels):
            frame[level_column(lev)] = q_levels[:, j]
        parts.append(frame[keep].reset_index(drop=True))
        if quotas is not None and not quotas.empty:
            qo = quotas[quotas["period_start"] == case.start]
            shown_rows = pd.DataFrame({"rep": np.asarray(pred.reps), "y": y, "idx": np.arange(rows.size)})[keep]
            hit = shown_rows.merge(qo, on="rep")
            if not hit.empty:
                p_att = pred.p_attain(_expand(hit["target"].to_numpy(float), hit["idx"].to_numpy(), rows.size))
                hist_rows.append(pd.DataFrame({"p": p_att[hit["idx"].to_numpy()],
                                               "hit": hit["y"].to_numpy() >= hit["target"].to_numpy()}))
    return _assemble(metric, grain, levels, parts, scores, plain, inputs_seen, hist_rows, rng, family)


def _expand(values: np.ndarray, idx: np.ndarray, n: int) -> np.ndarray:
    out = np.full(n, np.inf)
    out[idx] = values
    return out


def _cdf_below(pred: RepPredictive, y: np.ndarray) -> np.ndarray:
    """F(y-) : the cdf just below y (atoms at zero and at each count)."""
    if isinstance(pred, NegBinomialCount):
        return np.where(y > 0, pred.cdf(y - 1), 0.0)
    if isinstance(pred, BetaBinomialRate):
        return np.where(y > 0, pred.cdf(y - 1e-6 / np.maximum(pred.trials, 1)), 0.0)
    return np.where(y > 0, pred.cdf(y), 0.0)


def _quotas(conn: duckdb.DuckDBPyConnection, metric: str, grain: str, fsm: int) -> pd.DataFrame:
    """Imported targets summed per rep and period (intervals inside one period only)."""
    ps = period_start_sql("period_start", grain, fsm)
    pe = period_start_sql("period_end", grain, fsm)
    df = conn.execute(f"""SELECT rep, {ps} AS period_start, sum(target) AS target FROM quotas
                          WHERE metric = ? AND {ps} = {pe} GROUP BY ALL""", [metric]).df()
    df["period_start"] = pd.to_datetime(df["period_start"]).dt.date
    return df


def _assemble(metric: str, grain: str, levels: tuple[float, ...], parts: list[pd.DataFrame],
              scores: dict[str, list[OriginScores]], plain: list[np.ndarray], inputs_seen: dict[str, int],
              hist_rows: list[pd.DataFrame], rng: np.random.Generator, family: str) -> BacktestResult:
    lv = np.array(levels)
    cols = [level_column(x) for x in levels]
    if not parts:
        empty_cov = pd.DataFrame({"level": lv, "column": cols, "nominal": lv, "covered": np.nan,
                                  "covered_randomized": np.nan, "band_lo": np.nan, "band_hi": np.nan, "n": 0})
        nan = {m: float("nan") for m in METHODS}
        return BacktestResult(metric, grain, levels, pd.DataFrame(index=list(METHODS)), empty_cov,
                              np.full(10, np.nan), nan, dict(nan), None, pd.DataFrame(), family=family)
    forecasts = pd.concat(parts, ignore_index=True)
    u = np.concatenate([p["pit"].to_numpy() for p in parts])
    covered = np.vstack(plain).astype(float)
    rand_cov = (u[:, None] <= lv[None, :]).astype(float)
    lo, hi = period_bootstrap_band(rand_cov, forecasts["origin_index"].to_numpy(), rng,
                                   rep_idx=forecasts["rep"].to_numpy())
    coverage = pd.DataFrame({"level": lv, "column": cols, "nominal": lv, "covered": covered.mean(0),
                             "covered_randomized": rand_cov.mean(0), "band_lo": lo, "band_hi": hi,
                             "n": len(forecasts)})
    pit = np.histogram(u, bins=10, range=(0, 1))[0] / max(u.size, 1)
    crps, pin, rows, not_scored = {}, {}, [], {}
    model_crps = np.concatenate([s[0] for s in scores["model"]])
    for m in METHODS:
        scored = np.concatenate([s[3] for s in scores[m]])
        n = int(scored.sum())
        if n < len(forecasts) and n < MIN_RULE_FORECASTS:      # compared on too few forecasts: left out
            not_scored[m] = why_not_scored(m, n, len(forecasts), inputs_seen.get(m, 0))
            continue
        c = np.concatenate([s[0] for s in scores[m]])[scored]
        pl = np.vstack([s[1] for s in scores[m]])[scored]
        cv = np.vstack([s[2] for s in scores[m]])[scored].mean(0)
        crps[m], pin[m] = float(np.mean(c)), float(np.mean(pl))
        rows.append({"method": m, "crps": crps[m], "pinball": pin[m], "forecasts": n,
                     "model_crps": float(np.mean(model_crps[scored])),
                     **{f"pinball_{k}": v for k, v in zip(cols, pl.mean(0), strict=True)},
                     **{f"coverage_{k}": v for k, v in zip(cols, cv, strict=True)}})
    summary = pd.DataFrame(rows).set_index("method")
    # A rule of no error at all leaves the model's skill against it unmeasured (NaN), not -inf.
    summary["skill_vs_model"] = 1 - summary["model_crps"] / summary["crps"].where(summary["crps"] > 0)
    forecasts["crps"] = model_crps
    slices = by_slice(forecasts, cols, grain)
    historical, reliability = None, None
    if hist_rows:
        h = pd.concat(hist_rows, ignore_index=True)
        historical = {"n": len(h), "hit_rate": round(float(h["hit"].mean()), 6),
                      "mean_predicted_p_attain": round(float(h["p"].mean()), 6),
                      "brier": round(float(np.mean((h["p"] - h["hit"]) ** 2)), 6)}
        reliability = reliability_table(h["p"].to_numpy(), h["hit"].to_numpy())
    return BacktestResult(metric, grain, levels, summary, coverage, pit, crps, pin, historical, forecasts,
                          reliability, slices, family, not_scored=not_scored)

