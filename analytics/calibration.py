"""Per-rep predictive distributions for a target period: baseline (P50), stretch range, P(attain).

``calibrate(conn, metric, grain, period)`` aggregates the metric per rep and period in DuckDB,
fits the model for the metric's kind on the complete periods strictly before the target, and
returns a :class:`Calibration`. The model is fitted on the whole company's history whatever the
scope of ``conn`` (:func:`calibrate_company`), so a rep's range is the same from every account; what
is returned holds the scope's reps alone (:meth:`CompanyCalibration.for_scope`).

* money (revenue, pipeline, deal size) and very large counts: the pooled log-scale hurdle model
  (``analytics.logmodel``; calibration-methods sections 2 and 9). A quarter of a metric that adds up
  over months is fitted on the months and forecast as the simulated sum of its three
  (``analytics.quarter_sum``), as the quarter backtest forecasts it (docs/calibration-regimes.md);
* counts (deals, meetings, demos, ...): gamma-Poisson with exposure (``analytics.counts``); a quarter is
  the sum of its three months too (``analytics.count_quarter``);
* win rate: beta-binomial.

Example
-------
``calibrate(conn, "revenue", "quarter", "next")`` reads the history from the database; a
``rep_period_panel`` frame given as ``history`` stands in for it here (six reps, eight quarters):

>>> import numpy as np, pandas as pd
>>> from analytics.periods import period_of
>>> quarters = [period_of(d, "quarter") for d in pd.date_range("2024-01-01", periods=8, freq="QS").date]
>>> history = pd.DataFrame({
...     "rep": np.repeat(["Ann", "Bo", "Cy", "Di", "Ed", "Flo"], 8),
...     "period_start": [q.start for q in quarters] * 6, "period_label": [q.label for q in quarters] * 6,
...     "value": np.random.default_rng(7).lognormal(11, 0.4, 48).round(), "exposure_days": 90,
...     "tenure_months": None, "complete": True, "team": None})
>>> cal = calibrate(None, "revenue", "quarter", "next", history=history)
>>> cal.period.label, cal.family
('2026-Q1', 'log')
>>> bool((cal.summary["p10"] < cal.summary["p50"]).all() and (cal.summary["p50"] < cal.summary["p90"]).all())
True

A target at a rep's P40 is reached with chance 0.60:

>>> np.round(cal.p_attain(cal.summary["p40"].to_numpy()), 2)
array([0.6, 0.6, 0.6, 0.6, 0.6, 0.6])
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from functools import cached_property

import duckdb
import numpy as np
import numpy.typing as npt
import pandas as pd

from analytics import metrics, store
from analytics.backtest_cases import chooses_variant_on, next_period_choice, quarter_route
from analytics.calibration_view import performers_table, summary_reasons, within_period_shape
from analytics.complete_history import lead_note, require_complete_period, require_recent_data
from analytics.counts import CountFit
from analytics.logmodel import LogFit
from analytics.metric_registry import metric_kind, resolve_metric
from analytics.model_fit import ModelFit, fit_for_target, model_family, training_columns
from analytics.model_variants import STANDARD
from analytics.panel_arrays import PanelArrays, build_arrays
from analytics.panel_query import PanelRead, company_panel, read_panel
from analytics.periods import Period, parse_period, period_of
from analytics.predictive import ArrayLike, RepPredictive
from analytics.quarter_sum import quarter_fit
from analytics.rate_model import RateFit
from analytics.row_quantiles import harrell_davis_rows
from analytics.scope import ALL, connection_scope
from analytics.variant_choice import VariantChoice

DEFAULT_LEVELS = (0.10, 0.25, 0.40, 0.50, 0.70, 0.90)
HIST_WINDOW = 12


def level_column(level: float) -> str:
    return f"p{round(100 * level)}"


def resolve_period(period: str | Period, as_of: date, grain: str, fiscal_start_month: int) -> Period:
    """``"next"`` (the period after the one containing ``as_of``), ``"current"``, a label, or a Period."""
    if isinstance(period, Period):
        return period
    current = period_of(as_of, grain, fiscal_start_month)
    text = str(period).strip().lower()
    if text == "next":
        return current.next()
    if text == "current":
        return current
    parsed = parse_period(str(period), fiscal_start_month)
    if parsed.grain != grain:
        raise ValueError(f"period {period!r} is a {parsed.grain}, but the grain is {grain}")
    return parsed


@dataclass
class Calibration:
    """Predictive distributions of every active rep for one metric and period."""

    metric: str
    grain: str
    period: Period
    as_of: date | None
    levels: tuple[float, ...]
    predictive: RepPredictive
    summary: pd.DataFrame
    family: str
    fit: ModelFit = field(repr=False)
    source: PanelRead | pd.DataFrame = field(repr=False)
    """The history fitted on: the panel as read (its frame made when :attr:`history` is first asked for),
    or the ``history`` frame given to :func:`calibrate`."""
    # What the pages and drafts need beside the laws, read while the connection was at hand: a plain
    # value holds no live connection, so it is cached and pickled as it is.
    rep_funnel: pd.DataFrame = field(default_factory=pd.DataFrame, repr=False)
    """Each rep's sales math (``metrics.rep_funnel``); empty without a database."""
    monthly_shape: pd.Series | None = field(default=None, repr=False)
    """The target period's monthly weights (``within_period_shape``); None: proportional to days."""

    @cached_property
    def history(self) -> pd.DataFrame:
        """The ``metrics.rep_period_panel`` frame of the metric at the calibration's grain."""
        return self.source if isinstance(self.source, pd.DataFrame) else self.source.frame()

    @classmethod
    def with_context(cls, conn: duckdb.DuckDBPyConnection | None, metric: str, grain: str, period: Period,
                     as_of: date | None, levels: tuple[float, ...], predictive: RepPredictive,
                     summary: pd.DataFrame, family: str, fit: ModelFit, source: PanelRead | pd.DataFrame,
                     context: bool = True) -> Calibration:
        """The calibration with its funnel and within-period shape read now from ``conn`` (when given and
        ``context``; without, :meth:`funnel` is empty and the shape proportional to days)."""
        funnel, shape = pd.DataFrame(), None
        if conn is not None and context:
            funnel = metrics.rep_funnel(conn, grain, as_of=as_of)
            # The scope's monthly frame (as ``metrics.rep_period_panel`` gives it), by the fast read.
            monthly = None if grain != "quarter" else read_panel(
                conn, metric, "month", fiscal_start_month=period.fiscal_start_month, as_of=as_of, open_deals=False).frame()
            shape = within_period_shape(period, monthly, metric)
        return cls(metric, grain, period, as_of, levels, predictive, summary, family, fit, source, funnel, shape)

    @property
    def team_shared_sigma(self) -> float:
        """Sd of the team-wide period shock on the log scale (feeds ``predictive.shared_sigma``)."""
        return float(self.predictive.shared_sigma)

    def quantile(self, p: ArrayLike) -> np.ndarray:
        return self.predictive.quantile(p)

    def p_attain(self, targets: npt.ArrayLike) -> np.ndarray:
        return self.predictive.p_attain(np.asarray(targets, dtype=float))

    def funnel(self) -> pd.DataFrame:
        """Each rep's sales math as read with the calibration (empty without a database)."""
        return self.rep_funnel

    def performers(self) -> pd.DataFrame:
        """Top / middle / bottom terciles of baseline with their typical sales math (medians)."""
        return performers_table(self.summary, self.funnel())

    def model_notes(self) -> dict[str, str]:
        """What shaped the model's ranges, in the manager's words: ``"horizon"``, that the period is not the
        one right after the data's last day (``complete_history.lead_note``); ``"variant"``, the form of the
        model chosen on the team's own past forecasts and why (money, and counts no pipeline leads:
        ``chooses_variant_on``); ``"pipeline"``, what the open pipeline did to the team level (when it moved it:
        money and deals)."""
        notes = {} if (ahead := lead_note(self.period, self.as_of)) is None else {"horizon": ahead}
        if isinstance(self.fit, RateFit):
            return notes
        choice = self.fit.choice if isinstance(self.fit, LogFit | CountFit) else None
        if choice is not None:
            notes["variant"] = choice.reason
        lead = self.fit.period.lead
        followed = "revenue" if self.metric == "revenue" else resolve_metric(self.metric).label.lower()
        if lead is not None and (said := lead.said(followed)):
            notes["pipeline"] = said
        return notes

    def within_period_shape(self) -> pd.Series:
        """Monthly weights of the target period (sum to 1), from the team's month-of-quarter/season shape
        (read with the calibration), else proportional to the months' days."""
        if self.monthly_shape is not None:
            return self.monthly_shape
        return within_period_shape(self.period, None, self.metric)


@dataclass(frozen=True)
class CompanyCalibration:
    """Every rep's calibration, fitted on the whole company: what :func:`calibrate` makes before the scope
    is applied. Never shown as it is: :meth:`for_scope` gives what a connection may see. Apart so the
    dashboard computes it once per data version for every account (dashboard/session.py)."""

    fitted: Calibration
    """Every forecast rep, without the funnel and monthly shape (those are read under the scope)."""
    reps: np.ndarray
    """The fitted arrays' reps, in their order (``fit.predictive``'s first argument)."""
    rows: np.ndarray
    """The rows of ``reps`` forecast, in the order of ``fitted.summary``."""

    def for_scope(self, conn: duckdb.DuckDBPyConnection | None, context: bool = True) -> Calibration:
        """The calibration of the reps in ``conn``'s scope (every rep for a plain connection or none):
        their rows of the company's fit, their history, and the funnel and within-period shape read on
        ``conn`` (``context``), so the team totals and the shape are the scope's."""
        scope = connection_scope(conn) if conn is not None else ALL
        cal = self.fitted
        predictive, summary, source = cal.predictive, cal.summary, cal.source
        if scope.kind != "all":
            keep = np.flatnonzero([scope.allows(r) for r in self.reps[self.rows]])
            predictive = cal.fit.predictive(self.reps, self.rows[keep])
            summary = cal.summary.iloc[keep]
            source = source.only(scope) if isinstance(source, PanelRead) else \
                source[source["rep"].map(scope.allows)].reset_index(drop=True)
        return Calibration.with_context(conn, cal.metric, cal.grain, cal.period, cal.as_of, cal.levels, predictive,
                                        summary, cal.family, cal.fit, source, context)


def calibrate(conn: duckdb.DuckDBPyConnection | None, metric: str = "revenue", grain: str = "quarter",
              period: str | Period = "next", *, levels: Sequence[float] = DEFAULT_LEVELS,
              as_of: date | None = None, history: pd.DataFrame | None = None,
              context: bool = True) -> Calibration:
    """Fit on complete periods strictly before the target period and forecast every active rep of the
    scope of ``conn``: the model is the whole company's (:func:`calibrate_company`). Raises
    :class:`~analytics.complete_history.NoCompleteHistory` (a ``ValueError``) when no complete period of
    the metric precedes the target: a range needs one, though a new rep's may come from the team's alone;
    :class:`~analytics.complete_history.StaleHistory` when the target starts more than a year after the
    data's last day. ``as_of`` later than the data's last day reads up to that day: a period the data stop
    inside of is not complete.

    ``history`` (a ``rep_period_panel`` frame) skips the database: reps to forecast are then
    those with a row in the target period, else those active in the last training period. A frame holds
    no open deals, so its fit has no pipeline lead (:mod:`analytics.pipeline_lead`).
    ``context=False`` skips what only the pages read beside the laws (each rep's sales math, the
    quarter's monthly shape: two more queries); the bench and scripts that want the numbers pass it.
    """
    return calibrate_company(conn, metric, grain, period, levels=levels, as_of=as_of,
                             history=history).for_scope(conn, context)


def calibrate_company(conn: duckdb.DuckDBPyConnection | None, metric: str = "revenue", grain: str = "quarter",
                      period: str | Period = "next", *, levels: Sequence[float] = DEFAULT_LEVELS,
                      as_of: date | None = None, history: pd.DataFrame | None = None) -> CompanyCalibration:
    """:func:`calibrate` before the scope: fitted on, and forecasting, every rep of the company (read with
    :func:`~analytics.panel_query.company_panel`, up to the company's last day when ``as_of`` is None)."""
    metric_kind(metric)
    levels = tuple(float(x) for x in levels)
    fsm = store.fiscal_year_start_month(conn) if conn is not None else 1
    if history is not None and not history.empty:
        fsm = _fiscal_start_of(history, grain, fsm)
    source: PanelRead | pd.DataFrame
    spans = None
    if history is None:
        if conn is None:
            raise ValueError("calibrate needs a database connection or a history panel")
        # A quarter of a metric that adds up may be summed from months: both panels from one read.
        source = company_panel(conn, metric, grain, fiscal_start_month=fsm, as_of=as_of,
                               monthly=grain == "quarter" and resolve_metric(metric).additive)
        if source.as_of is None:
            raise ValueError("no data: import deals or activities first")
        as_of = source.as_of
        arrays, spans = source.arrays, source.spans
    else:
        if as_of is None:
            ends = [period_of(d, grain, fsm).end for d in history.loc[history["complete"], "period_start"]]
            as_of = max(ends) if ends else date.today()
        source, arrays = history, build_arrays(history, grain, fsm)
    target = resolve_period(period, as_of, grain, fsm)
    require_recent_data(target, as_of)   # a period years past the data: refused, not forecast across the years
    k = training_columns(arrays, target)
    # No complete period before the target at all: the fit would be its priors alone ($1 baselines).
    require_complete_period(arrays, k, target, resolve_metric(metric).words,
                            source.first_day if isinstance(source, PanelRead) else None,
                            as_of if isinstance(source, PanelRead) else None)
    months = _monthly_source(source.months, metric, arrays, target) if isinstance(source, PanelRead) else None
    # Chosen on the history alone, before the reps with none are appended: the same data, and so the same
    # cached choice, as a backtest of it.
    month_family = None if months is None else model_family(metric, months[0].arrays.y[:, :months[1]])
    choice = _variant_choice(arrays, metric, k) if months is None else \
        next_period_choice(months[0].arrays, metric, months[1], from_months=True) \
        if month_family is not None and chooses_variant_on(months[0].arrays, month_family) else None
    rows, new_reps, new_teams, next_expfrac, next_tenure = _forecast_set(spans, arrays, target, as_of)
    arrays = arrays.with_reps(new_reps, new_teams)
    rows = np.concatenate([rows, np.arange(len(arrays.reps) - len(new_reps), len(arrays.reps))])
    fit: ModelFit
    if months is not None and month_family is not None:
        fit, family = _summed_quarter(months[0], months[1], metric, target, as_of, arrays, k, rows,
                                      new_reps, new_teams, choice, month_family), month_family
    else:
        all_expfrac = np.ones(len(arrays.reps))
        all_tenure = np.full(len(arrays.reps), np.nan)
        all_expfrac[rows], all_tenure[rows] = next_expfrac, next_tenure
        fit, family = fit_for_target(arrays, target, metric, all_expfrac, all_tenure,
                                     variant=choice.chosen if choice is not None else STANDARD)
    if isinstance(fit, LogFit | CountFit):
        fit.choice = choice
    predictive = fit.predictive(arrays.reps, rows)
    summary = _summary(arrays, k, rows, predictive, fit, family, levels, target, metric_kind(metric) == "count")
    fitted = Calibration(metric, grain, target, as_of, levels, predictive, summary, family, fit, source)
    return CompanyCalibration(fitted, arrays.reps, rows)


def _variant_choice(arrays: PanelArrays, metric: str, n_train: int) -> VariantChoice | None:
    """The model's variant, chosen as the backtest chooses it over every past origin (cached per data: only a
    history's first calibration pays for the refits); None where none is chosen (``chooses_variant_on``: rates,
    and counts the open pipeline leads)."""
    if not chooses_variant_on(arrays, model_family(metric, arrays.y[:, :n_train])):
        return None
    return next_period_choice(arrays, metric, n_train)


def _monthly_source(read: PanelRead | None, metric: str, arrays: PanelArrays,
                    target: Period) -> tuple[PanelRead, int] | None:
    """The monthly panel a quarter is summed from (``read``, read with the quarterly one) and its training
    months (complete, before the quarter); None unless the quarter is forecast from months: a metric that
    adds up over months and whose monthly model is the log model or the count model
    (``backtest_cases.quarter_route``)."""
    if target.grain != "quarter" or read is None or not resolve_metric(metric).additive:
        return None
    n_train = training_columns(read.arrays, period_of(target.start, "month", target.fiscal_start_month))
    if n_train == 0 or not np.array_equal(read.arrays.reps, arrays.reps) or \
            quarter_route(read.arrays, metric, n_train) != "sum":
        return None
    return read, n_train


def _summed_quarter(months: PanelRead, n_train: int, metric: str, target: Period, as_of: date,
                    arrays: PanelArrays, k: int, rows: np.ndarray, new_reps: np.ndarray, new_teams: np.ndarray,
                    choice: VariantChoice | None, family: str) -> LogFit | CountFit:
    """The quarter ``target`` as the sum of its three months (``quarter_sum.quarter_fit``: simulated for the
    log model, ``choice`` its variant; a count's negative binomial of the sum's moments), for the reps ``rows``
    of the quarterly ``arrays`` (new reps appended to both panels alike)."""
    monthly = months.arrays.with_reps(new_reps, new_teams)
    first = period_of(target.start, "month", target.fiscal_start_month)
    at = np.full(len(monthly.reps), -1)
    at[rows] = np.arange(rows.size)
    expfrac, tenure = np.zeros((rows.size, 3)), np.full((rows.size, 3), np.nan)
    for h in range(3):   # each rep's exposure and tenure in each month (0: not active that month)
        month_rows, _, _, month_expfrac, month_tenure = _forecast_set(months.spans, monthly, first.next(h), as_of)
        where = at[month_rows]
        ok = where >= 0
        expfrac[where[ok], h] = month_expfrac[:month_rows.size][ok]
        tenure[where[ok], h] = month_tenure[:month_rows.size][ok]
    fit = quarter_fit(monthly, metric, first, n_train, rows, expfrac, tenure,
                      choice.chosen if choice is not None else STANDARD, family=family)
    # The summary counts quarters of history, as the quarterly panel holds them.
    seen = np.isfinite(arrays.y[:, :k])
    active = arrays.extra.get("active")
    fit.n_active = (seen & active[:, :k] if active is not None and active.shape == arrays.y.shape else seen).sum(1)
    return fit


def _fiscal_start_of(history: pd.DataFrame, grain: str, default: int) -> int:
    if grain == "month":
        return default
    months = {d.month for d in pd.to_datetime(history["period_start"]).dt.date}
    return default if (default in months or not months) else ((min(months) - 1) % 3) + 1


def _forecast_set(spans: pd.DataFrame | None, arrays: PanelArrays, target: Period,
                  as_of: date) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Rows of ``arrays`` to forecast, reps with no history to append, and their exposure/tenure.

    ``spans`` (``metrics.rep_spans``) names who is active in the target; without them (a history
    given, no database) the reps with a row in the target, else those active in the last training period."""
    col = arrays.index_of(target)
    n_t = len(arrays.periods)
    if spans is None:
        if 0 <= col < n_t:
            rows = np.flatnonzero(np.isfinite(arrays.expfrac[:, col]))
            return rows, np.array([], object), np.array([], object), arrays.expfrac[rows, col], \
                arrays.tenure[rows, col]
        k = training_columns(arrays, target)
        rows = np.flatnonzero(np.isfinite(arrays.expfrac[:, k - 1])) if k else np.array([], int)
        months = (col - (k - 1)) * (3 if arrays.grain == "quarter" else 1)
        return rows, np.array([], object), np.array([], object), np.ones(rows.size), \
            arrays.tenure[rows, k - 1] + months
    active = metrics.active_in(spans, target.start, target.end, as_of)
    # Each active rep's row in the arrays (-1: no history): a hash lookup of every name at once, not a
    # dictionary's per name (1.7 against 5.4 ms at 10,000 reps).
    at = pd.Index(arrays.reps).get_indexer(active["rep"].to_numpy(object))
    rows = at[at >= 0]
    fresh = active[at < 0]
    ordered = pd.concat([active[at >= 0], fresh])
    # Days active in the target, as whole days (datetime64[D]; an unknown start or end is the target's own).
    start = pd.to_datetime(ordered["span_start"]).to_numpy().astype("datetime64[D]")
    end = pd.to_datetime(ordered["roster_end"]).to_numpy().astype("datetime64[D]")
    t_start, t_end = np.datetime64(target.start, "D"), np.datetime64(target.end, "D")
    first = np.where(np.isnat(start), t_start, np.maximum(start, t_start))
    last = np.where(np.isnat(end), t_end, np.minimum(end, t_end))
    expfrac = np.clip((last - first).astype(np.int64) + 1, 0, None) / target.days
    tenure_start = pd.to_datetime(ordered["tenure_start"])
    tenure = ((pd.Timestamp(target.start) - tenure_start).dt.days / 30.4375).clip(lower=0).to_numpy(float)
    return (rows, fresh["rep"].to_numpy(object), fresh["team"].to_numpy(object),
            np.asarray(expfrac, float), tenure)


def _summary(arrays: PanelArrays, k: int, rows: np.ndarray, predictive: RepPredictive, fit: ModelFit,
             family: str, levels: tuple[float, ...], target: Period, whole: bool = False) -> pd.DataFrame:
    """The per-rep table; ``whole``: a count's percentiles to whole numbers (a team of large counts is fitted
    by the continuous log model, whose percentiles read '48.4 meetings', and the history's are smoothed)."""
    y = arrays.y[rows, :k]
    recent = y[:, -HIST_WINDOW:] if k else np.full((rows.size, 1), np.nan)
    hist = harrell_davis_rows(recent, [0.1, 0.5, 0.9])
    q = predictive.quantile(np.array(levels))
    if whole:
        hist, q = np.round(hist), np.round(q)
    out = pd.DataFrame({"team": arrays.teams[rows], "n_periods": fit.n_active[rows].astype(int),
                        "hist_p10": hist[:, 0], "hist_p50": hist[:, 1], "hist_p90": hist[:, 2]},
                       index=pd.Index(arrays.reps[rows], name="rep"))
    for j, lev in enumerate(levels):
        out[level_column(lev)] = q[:, j]
    out["baseline"] = np.round(predictive.quantile(0.5)) if whole else predictive.quantile(0.5)
    flag, reason = summary_reasons(fit, rows, family, arrays.grain)
    out["flag"], out["reason"] = flag, reason
    out["pooling_weight"] = 1.0 - np.asarray(fit.shrink_b)[rows]
    out["active"] = True
    return out
