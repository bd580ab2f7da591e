"""SQL for tracking and review: a saved target set, outcomes and funnel counts to date, quotas.

Everything here reads DuckDB and returns plain pandas objects; the statistics live in
:mod:`analytics.tracking` and :mod:`analytics.review` as pure functions of these.

Definitions (the same for "to date" and "usual", so rates compare like with like)
---------------------------------------------------------------------------------
* a set's metric to date: the metric's definition in :mod:`analytics.metric_registry` (the one the
  calibration's per-period values use), over the days asked for;
* funnel: calls, emails, meetings, demos, proposals (activities), opportunities (deals by
  ``created_date``), won and lost (by ``close_date``), revenue.
"""

from __future__ import annotations

from datetime import date, timedelta

import duckdb
import numpy as np
import pandas as pd

from analytics.metric_registry import ACTIVITY_TYPES, Metric, resolve_metric
from analytics.metrics import rep_spans
from analytics.periods import Period
from analytics.roster_bounds import inside_roster
from analytics.target_sets import SavedTargetSet, load_target_set

FUNNEL_COLUMNS = ("calls", "emails", "meetings", "demos", "proposals", "opportunities", "won", "lost",
                  "revenue")


def funnel_column(name: str) -> str | None:
    """The funnel column an activity target counts in (``calls`` -> ``calls``, ``deals`` -> ``won``);
    None for a name no funnel stage makes."""
    return resolve_metric(name).funnel_stage


def tracked_set(conn: duckdb.DuckDBPyConnection, target_set: SavedTargetSet | int | str) -> SavedTargetSet:
    """A saved set (given, or by name or id) checked for tracking: a metric that adds up day by day,
    a period of the set's grain, base targets. Raises ``LookupError`` or ``ValueError``."""
    saved = reviewed_set(conn, target_set)
    metric = resolve_metric(saved.metric)
    if not metric.additive:
        raise ValueError(f"target set {saved.name!r}: {metric.words} is not tracked through a period "
                         "(a rate or an average does not add up day by day); its review reads it once the period is over")
    return saved


def reviewed_set(conn: duckdb.DuckDBPyConnection, target_set: SavedTargetSet | int | str) -> SavedTargetSet:
    """A saved set checked for its review: a period of the set's grain and base targets. An average (deal size)
    is reviewed too: the period's figure against the target needs no day-by-day pace."""
    saved = target_set if isinstance(target_set, SavedTargetSet) else load_target_set(conn, target_set)
    if saved.fiscal_period.grain != saved.grain:
        raise ValueError(f"target set {saved.name!r}: period {saved.period} is not a {saved.grain}")
    if "base" not in saved.targets_by_tier:
        raise ValueError(f"target set {saved.name!r} has no base targets")
    return saved


def metric_to_date(conn: duckdb.DuckDBPyConnection, metric: str, start: date, end: date) -> pd.Series:
    """Per rep: the metric over days ``start``..``end`` inclusive (reps without rows are absent).

    The metric's own aggregate (:mod:`analytics.metric_registry`), so over a whole period it is the
    period's value in :func:`analytics.metrics.rep_period_panel`.
    """
    m = resolve_metric(metric)
    df = conn.execute(_counted(m, "rep", "$start", "$end"), {"start": start, "end": end}).df()
    return df.set_index("rep")["value"].astype(float)


def _counted(m: Metric, keys: str, start: str, end: str) -> str:
    """``m``'s aggregate per ``keys`` over the days ``start``..``end`` of the rows its panels count (a roster
    rep's rows inside their span: :func:`analytics.roster_bounds.inside_roster`)."""
    with_clause, inside = inside_roster(m.table, m.date_column)
    return f"{with_clause} {m.aggregate_sql(keys, f'{m.date_column} BETWEEN {start} AND {end} AND {inside}')}"


def metric_by_day(conn: duckdb.DuckDBPyConnection, metric: str, start: date, end: date) -> pd.Series:
    """Team total of the metric per day (for the within-period shape); only for a metric that adds up."""
    m = resolve_metric(metric)
    if not m.additive:
        raise ValueError(f"{m.words} does not add up day by day (a rate or an average)")
    df = conn.execute(_counted(m, f"{m.date_column} AS day", "$start", "$end"), {"start": start, "end": end}).df()
    return pd.Series(df["value"].to_numpy(dtype=float), index=pd.to_datetime(df["day"]).dt.date)


def metric_by_rep_day(conn: duckdb.DuckDBPyConnection, metric: str, start: date, end: date) -> pd.DataFrame:
    """The metric per rep and day over ``start``..``end`` (columns rep, day, value; days without a
    value absent), for each rep's within-period shape; only for a metric that adds up."""
    m = resolve_metric(metric)
    if not m.additive:
        raise ValueError(f"{m.words} does not add up day by day (a rate or an average)")
    df = conn.execute(_counted(m, f"rep, {m.date_column} AS day", "$start", "$end"),
                      {"start": start, "end": end}).df()
    return df[["rep", "day", "value"]]


def metric_first_day(conn: duckdb.DuckDBPyConnection, metric: str, as_of: date) -> date | None:
    """The first day the metric's rows cover on or before ``as_of`` (None without rows)."""
    row = conn.execute(f"SELECT {resolve_metric(metric).coverage_sql('$as_of')}", {"as_of": as_of}).fetchone()
    return None if row is None or row[0] is None else pd.Timestamp(row[0]).date()


def quotas_covering(conn: duckdb.DuckDBPyConnection, period: Period, metric: str = "revenue") -> pd.Series:
    """Per rep: the CRM quota of ``period`` where the rep's quotas cover every day of it (intervals
    prorated by overlapping days); a rep whose quotas cover part of the period is absent."""
    df = conn.execute("""
        SELECT rep, sum(target * (least(period_end, $end) - greatest(period_start, $start) + 1)
                        / (period_end - period_start + 1)) AS quota,
               sum(least(period_end, $end) - greatest(period_start, $start) + 1) AS days
        FROM quotas WHERE metric = $metric AND period_start <= $end AND period_end >= $start
        GROUP BY rep""", {"start": period.start, "end": period.end, "metric": metric}).df()
    full = df[df["days"] >= period.days]
    return full.set_index("rep")["quota"].astype(float)


def funnel_counts(conn: duckdb.DuckDBPyConnection, start: date, end: date) -> pd.DataFrame:
    """Funnel counts per rep over ``start``..``end`` (columns ``FUNNEL_COLUMNS``), of the rows the panels count
    (a roster rep's inside their span: :func:`analytics.roster_bounds.inside_roster`)."""
    with_spans, inside = inside_roster("rows", "day")
    df = conn.execute(f"""
        {with_spans}, rows AS (
            SELECT rep, activity_date AS day, type || 's' AS col, CAST(count AS DOUBLE) AS n
            FROM activities WHERE type IN {ACTIVITY_TYPES}
            UNION ALL SELECT rep, created_date, 'opportunities', 1.0 FROM deals WHERE created_date IS NOT NULL
            UNION ALL SELECT rep, close_date, outcome, 1.0 FROM deals WHERE outcome IN ('won', 'lost')
            UNION ALL SELECT rep, close_date, 'revenue', amount FROM deals
                      WHERE outcome = 'won' AND amount IS NOT NULL)
        SELECT rep, col, sum(n) AS n FROM rows
        WHERE day BETWEEN ? AND ? AND {inside} GROUP BY ALL""", [start, end]).df()
    if df.empty:
        return pd.DataFrame(columns=list(FUNNEL_COLUMNS), index=pd.Index([], name="rep"), dtype=float)
    wide = df.pivot_table(index="rep", columns="col", values="n", aggfunc="sum", fill_value=0.0)
    wide = wide.reindex(columns=list(FUNNEL_COLUMNS), fill_value=0.0).astype(float)
    wide.columns.name = None
    return wide


def undated_deals(conn: duckdb.DuckDBPyConnection, start: date) -> pd.Series:
    """Per rep: the deals with no created date that may have been created on or after ``start`` (still open,
    or closed since): opportunities the created counts cannot place. An export that leaves the newest
    deals' created date blank (a stage before "engaging" has none) undercounts the last weeks' opportunities
    by them."""
    df = conn.execute("""SELECT rep, count(*)::DOUBLE AS n FROM deals
        WHERE created_date IS NULL AND (close_date IS NULL OR close_date >= ?) GROUP BY rep""", [start]).df()
    return df.set_index("rep")["n"] if not df.empty else pd.Series(dtype=float)


def left_before(conn: duckdb.DuckDBPyConnection, reps: np.ndarray, day: date) -> pd.Series:
    """The day each of ``reps`` left (the roster's end date, or the last deal or activity of a rep it marks
    gone without one: ``metrics.rep_spans``' ``roster_end``) when that is before ``day``; NaT for a rep
    still here on ``day``."""
    ended = rep_spans(conn, as_of=day).set_index("rep")["roster_end"]
    ended = pd.to_datetime(ended[~ended.index.duplicated()]).reindex(np.asarray(reps, dtype=object))
    return ended.where(ended < pd.Timestamp(day))


def reps_teams(conn: duckdb.DuckDBPyConnection) -> pd.Series:
    df = conn.execute("SELECT rep, team FROM reps").df()
    return df.set_index("rep")["team"] if not df.empty else pd.Series(dtype=object)


def quotas_for_period(conn: duckdb.DuckDBPyConnection, period: Period, metric: str = "revenue") -> pd.Series:
    """Per rep: CRM quotas aggregated to ``period`` (intervals prorated by overlapping days)."""
    df = conn.execute("""
        SELECT rep, sum(target * (least(period_end, ?::DATE) - greatest(period_start, ?::DATE) + 1)
                        / (period_end - period_start + 1)) AS quota
        FROM quotas WHERE metric = ? AND period_start <= ? AND period_end >= ?
        GROUP BY rep""", [period.end, period.start, metric, period.end, period.start]).df()
    return df.set_index("rep")["quota"].astype(float)


def quota_history(conn: duckdb.DuckDBPyConnection, metric: str, grain: str, fiscal_start_month: int,
                  last: Period, n_periods: int = 8) -> pd.DataFrame:
    """Per period up to ``last``: reps with a quota, how many reached it (for the CRM quotas' hit rate)."""
    rows = []
    for k in range(n_periods - 1, -1, -1):
        p = last.previous(k)
        quota = quotas_for_period(conn, p, metric)
        if quota.empty:
            continue
        actual = metric_to_date(conn, metric, p.start, p.end).reindex(quota.index).fillna(0.0)
        rows.append({"period": p.label, "reps_with_quota": int(quota.size),
                     "reached": int((actual >= quota).sum()),
                     "hit_rate": float((actual >= quota).mean())})
    return pd.DataFrame(rows, columns=["period", "reps_with_quota", "reached", "hit_rate"])


def evaluation_date(period: Period, as_of: date | None) -> date:
    """The last day counted: ``as_of`` clipped into the period (the day before it starts if earlier)."""
    if as_of is None:
        return period.end
    return min(max(as_of, period.start - timedelta(days=1)), period.end)

