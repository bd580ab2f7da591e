"""Rolling-origin backtest: does the calibration keep its promises? (calibration-methods section 6)

For each origin (one of the last K complete periods) everything -- period effects, season,
ramp, pooling, residual law -- is refitted on the periods strictly before it; every rep
active in the origin period (leavers included) is forecast and scored against what happened.
The panel is built once and sliced by column, so no data at or after an origin can reach
its fit.

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
>>> result.n_forecasts
24
>>> result.plain_language()[0]                                     # doctest: +ELLIPSIS
'Targets set at P10 were beaten ...% of the time; 90% was promised.'
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import duckdb
import numpy as np
import pandas as pd

from analytics import formatting, metrics, store
from analytics.backtest_scores import (
    CRPS_GRID,
    NAIVE_RULES,
    crps_from_quantiles,
    empirical_quantiles,
    naive_point_forecasts,
    naive_quantiles,
    period_bootstrap_band,
    pinball,
    randomized_pit,
    reliability_table,
)
from analytics.calibration import DEFAULT_LEVELS, fit_for_target, level_column, model_family
from analytics.panel_arrays import PanelArrays, build_arrays
from analytics.periods import period_start_sql
from analytics.predictive import BetaBinomialRate, NegBinomialCount, RepPredictive

MIN_HISTORY = 4
METHODS = ("model", *NAIVE_RULES)

# One method at one origin, per rep: CRPS, pinball loss per level, covered per level.
OriginScores = tuple[np.ndarray, np.ndarray, np.ndarray]


@dataclass
class BacktestResult:
    metric: str
    grain: str
    levels: tuple[float, ...]
    summary: pd.DataFrame
    coverage: pd.DataFrame
    pit: np.ndarray
    crps: dict[str, float]
    pinball: dict[str, float]
    historical_targets: dict | None
    forecasts: pd.DataFrame
    reliability: pd.DataFrame | None = None
    slices: pd.DataFrame = field(default_factory=pd.DataFrame)
    family: str = "log"

    @property
    def n_forecasts(self) -> int:
        return len(self.forecasts)

    def to_json_dict(self) -> dict:
        cov = {row.column: _num(row.covered) for row in self.coverage.itertuples()}
        return {
            "metric": self.metric, "grain": self.grain, "n_forecasts": int(self.n_forecasts),
            "coverage": cov,
            "coverage_randomized": {row.column: _num(row.covered_randomized) for row in self.coverage.itertuples()},
            "crps": {k: _num(v) for k, v in self.crps.items()},
            "pinball": {k: _num(v) for k, v in self.pinball.items()},
            "pit_histogram": [_num(x) for x in self.pit],
            "historical_targets": self.historical_targets,
        }

    def plain_language(self) -> list[str]:
        """Sentences a manager can read: promises kept or not, and the gain over simple rules."""
        if self.n_forecasts == 0:
            return ["Not enough history to test the forecasts yet (need at least 5 complete periods)."]
        out = []
        for row in self.coverage.itertuples():
            beaten = 1 - row.covered_randomized
            out.append(f"Targets set at P{round(100 * row.level)} were beaten {formatting.rate(beaten)} of the time; "
                       f"{formatting.rate(1 - row.level)} was promised.")
        naive = {k: v for k, v in self.crps.items() if k != "model" and np.isfinite(v)}
        if naive and np.isfinite(self.crps.get("model", np.nan)):
            best = min(naive, key=lambda method: naive[method])
            gain = 1 - self.crps["model"] / naive[best]
            words = "more" if gain >= 0 else "less"
            out.append(f"The model's ranges were {formatting.rate(abs(gain))} {words} accurate than the best simple "
                       f"rule ({best.replace('_', ' ')}), over {formatting.count(self.n_forecasts)} rep-periods.")
        if self.historical_targets:
            h = self.historical_targets
            out.append(f"Your past targets were hit {formatting.rate(h['hit_rate'])} of the time "
                       f"({formatting.count(h['n'])} rep-periods); the model gave them on average a "
                       f"{formatting.rate(h['mean_predicted_p_attain'])} chance.")
        return out


def _num(x: float | None) -> float | None:
    return None if x is None or not np.isfinite(x) else round(float(x), 6)


def choose_origins(arrays: PanelArrays, origins: int | None, min_history: int = MIN_HISTORY) -> list[int]:
    """Column indices of the origins: complete periods with >= ``min_history`` periods before them."""
    complete = np.flatnonzero(arrays.complete)
    cand = [int(c) for c in complete if c >= min_history and np.isfinite(arrays.y[:, c]).any()]
    return cand if origins is None else cand[-int(origins):] if origins > 0 else []


def run_backtest(conn: duckdb.DuckDBPyConnection | None, metric: str = "revenue", grain: str = "quarter", *,
                 origins: int | None = None, levels: Sequence[float] = DEFAULT_LEVELS,
                 history: pd.DataFrame | None = None,
                 seed: int = 0) -> BacktestResult:
    """Refit at each origin on data strictly before it; score the model and the naive rules."""
    levels = tuple(float(x) for x in levels)
    lv = np.array(levels)
    fsm = store.fiscal_year_start_month(conn) if conn is not None else 1
    if history is None:
        if conn is None:
            raise ValueError("run_backtest needs a database connection or a history panel")
        history = metrics.rep_period_panel(conn, metric, grain, fiscal_start_month=fsm)
    arrays = build_arrays(history, grain, fsm)
    cols = choose_origins(arrays, origins)
    rng = np.random.default_rng(seed)
    naive_points = naive_point_forecasts(arrays.y, grain) if cols else {}
    quotas = _quotas(conn, metric, grain, fsm) if conn is not None else None
    parts: list[pd.DataFrame] = []
    pits: list[np.ndarray] = []
    hist_rows: list[pd.DataFrame] = []
    scores: dict[str, list[OriginScores]] = {m: [] for m in METHODS}
    family = model_family(metric, arrays.y[:, : cols[0]]) if cols else "log"
    for o in cols:
        rows = np.flatnonzero(np.isfinite(arrays.y[:, o]))
        target = arrays.periods[o]
        fit, _ = fit_for_target(arrays, target, metric, arrays.expfrac[:, o], arrays.tenure[:, o],
                                n_train=o, family=family)
        pred = fit.predictive(arrays.reps, rows)
        y = arrays.y[rows, o]
        scale = _scales(arrays.y[:, :o], rows)
        both = pred.quantile(np.concatenate([CRPS_GRID, lv]))
        q_grid, q_levels = both[:, :CRPS_GRID.size], both[:, CRPS_GRID.size:]
        upper = pred.cdf(y)
        lower = _cdf_below(pred, y)
        u = randomized_pit(lower, upper, rng)
        for m in METHODS:
            if m == "model":
                qg, ql = q_grid, q_levels
            elif m == "empirical_percentiles":
                both = empirical_quantiles(arrays.y, o, rows, np.concatenate([CRPS_GRID, lv]))
                qg, ql = both[:, :CRPS_GRID.size], both[:, CRPS_GRID.size:]
            else:
                both = naive_quantiles(arrays.y, naive_points[m], o, rows, np.concatenate([CRPS_GRID, lv]))
                qg, ql = both[:, :CRPS_GRID.size], both[:, CRPS_GRID.size:]
            scores[m].append((crps_from_quantiles(y, qg) / scale, pinball(y, ql, lv) / scale[:, None],
                              (y[:, None] <= ql)))
        frame = pd.DataFrame({"origin": target.label, "origin_index": o, "rep": arrays.reps[rows], "y": y,
                              "pit": u, "n_history": np.isfinite(arrays.y[rows, :o]).sum(1), "scale": scale})
        for j, lev in enumerate(levels):
            frame[level_column(lev)] = q_levels[:, j]
        parts.append(frame)
        pits.append(u)
        if quotas is not None and not quotas.empty:
            qo = quotas[quotas["period_start"] == target.start]
            hit = pd.DataFrame({"rep": arrays.reps[rows], "y": y, "idx": np.arange(rows.size)}).merge(qo, on="rep")
            if not hit.empty:
                p_att = pred.p_attain(_expand(hit["target"].to_numpy(float), hit["idx"].to_numpy(), rows.size))
                hist_rows.append(pd.DataFrame({"p": p_att[hit["idx"].to_numpy()],
                                               "hit": hit["y"].to_numpy() >= hit["target"].to_numpy()}))
    return _assemble(metric, grain, levels, parts, scores, hist_rows, rng, family)


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


def _scales(train: np.ndarray, rows: np.ndarray) -> np.ndarray:
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


def _quotas(conn: duckdb.DuckDBPyConnection, metric: str, grain: str, fsm: int) -> pd.DataFrame:
    """Imported targets summed per rep and period (intervals inside one period only)."""
    ps = period_start_sql("period_start", grain, fsm)
    pe = period_start_sql("period_end", grain, fsm)
    df = conn.execute(f"""SELECT rep, {ps} AS period_start, sum(target) AS target FROM quotas
                          WHERE metric = ? AND {ps} = {pe} GROUP BY ALL""", [metric]).df()
    df["period_start"] = pd.to_datetime(df["period_start"]).dt.date
    return df


def _assemble(metric: str, grain: str, levels: tuple[float, ...], parts: list[pd.DataFrame],
              scores: dict[str, list[OriginScores]], hist_rows: list[pd.DataFrame],
              rng: np.random.Generator, family: str) -> BacktestResult:
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
    covered = np.vstack([s[2] for s in scores["model"]]).astype(float)
    rand_cov = (u[:, None] <= lv[None, :]).astype(float)
    lo, hi = period_bootstrap_band(rand_cov, forecasts["origin_index"].to_numpy(), rng)
    coverage = pd.DataFrame({"level": lv, "column": cols, "nominal": lv, "covered": covered.mean(0),
                             "covered_randomized": rand_cov.mean(0), "band_lo": lo, "band_hi": hi,
                             "n": len(forecasts)})
    pit = np.histogram(u, bins=10, range=(0, 1))[0] / max(u.size, 1)
    crps, pin, rows = {}, {}, []
    for m in METHODS:
        c = np.concatenate([s[0] for s in scores[m]])
        pl = np.vstack([s[1] for s in scores[m]])
        cv = np.vstack([s[2] for s in scores[m]]).mean(0)
        crps[m], pin[m] = float(np.mean(c)), float(np.mean(pl))
        rows.append({"method": m, "crps": crps[m], "pinball": pin[m],
                     **{f"pinball_{k}": v for k, v in zip(cols, pl.mean(0), strict=True)},
                     **{f"coverage_{k}": v for k, v in zip(cols, cv, strict=True)}})
    summary = pd.DataFrame(rows).set_index("method")
    summary["skill_vs_model"] = 1 - summary.loc["model", "crps"] / summary["crps"]
    forecasts["crps"] = np.concatenate([s[0] for s in scores["model"]])
    slices = _slices(forecasts, cols)
    historical, reliability = None, None
    if hist_rows:
        h = pd.concat(hist_rows, ignore_index=True)
        historical = {"n": len(h), "hit_rate": round(float(h["hit"].mean()), 6),
                      "mean_predicted_p_attain": round(float(h["p"].mean()), 6),
                      "brier": round(float(np.mean((h["p"] - h["hit"]) ** 2)), 6)}
        reliability = reliability_table(h["p"].to_numpy(), h["hit"].to_numpy())
    return BacktestResult(metric, grain, levels, summary, coverage, pit, crps, pin, historical, forecasts,
                          reliability, slices, family)


def _slices(forecasts: pd.DataFrame, cols: list[str]) -> pd.DataFrame:
    """Randomised-PIT coverage and CRPS by history length and by rep size (tercile of scale)."""
    f = forecasts.copy()
    f["history"] = pd.cut(f["n_history"], [-1, 2, 6, 10_000], labels=["0-2 periods", "3-6 periods", "7+ periods"])
    f["size"] = pd.qcut(f["scale"].rank(method="first"), 3, labels=["small", "mid", "large"]) \
        if len(f) >= 3 else "all"
    out = []
    for by in ("history", "size"):
        for key, g in f.groupby(by, observed=True):
            row = {"slice": by, "group": str(key), "n": len(g), "crps": g["crps"].mean()}
            for c in cols:
                row[f"coverage_{c}"] = float(np.mean(g["pit"] <= int(c[1:]) / 100))
            out.append(row)
    return pd.DataFrame(out)
