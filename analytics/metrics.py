"""Per rep x period aggregates, computed in DuckDB SQL: the inputs of every estimator.

A rep is *active* in a period when the period overlaps the rep's span: the roster's
[start_date, end_date] when the rep is on the roster (widened to the rep's own closes and activities up to
``RECORD_GRACE_DAYS`` before or after it: a weekly summary dates a hire's first week on its Monday; a rep
the roster marks inactive without an end date ends at their last event; one with no event at all counts
only when hired in the last 120 days), else [first event, last event]
(an event is a closed deal, a created deal or an activity; a rep whose last event is
within 90 days of the data's as-of date is taken to be still active). An active
period with no deal or activity counts as a ZERO, never as missing. Only a rep's rows inside the days
counted add up (the span, from the metric's first day of data), so every period's value is its exposure's
and a quarter is the sum of its months (rows further out: ``analytics.roster_bounds``). Periods before
the metric's data begin (the export's first close date for deal metrics) are not
rows at all: a CRM export that starts in March says nothing about February.

Tenure is measured from the roster start, else from the first event; a rep already
present when the data begin has unknown tenure (NULL, treated as ramped).

Example
-------
Ann closed two deals in 2026-Q1 and none in Q2 (a zero, as she is still active); Bo started in Q2,
which has not ended on the data's as-of date:

>>> from analytics import store
>>> conn = store.connect(":memory:")
>>> _ = conn.execute("INSERT INTO deals (deal_id, rep, close_date, amount, outcome, import_id) VALUES "
...                  "('d1', 'Ann', DATE '2026-01-20', 1200, 'won', 1), ('d2', 'Ann', DATE '2026-02-03', 800, 'won', 1), "
...                  "('d3', 'Bo', DATE '2026-04-09', 500, 'won', 1)")
>>> panel = rep_period_panel(conn, "revenue", "quarter")
>>> panel.columns.tolist()
['rep', 'period_start', 'period_label', 'value', 'exposure_days', 'tenure_months', 'complete', 'team']
>>> print(panel[["rep", "period_label", "value", "complete"]].to_string(index=False))
rep period_label  value  complete
Ann      2026-Q1 2000.0      True
Ann      2026-Q2    0.0     False
 Bo      2026-Q2  500.0     False
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import duckdb
import numpy as np
import pandas as pd

from analytics import store
from analytics.metric_registry import (  # noqa: F401 (metric_kind re-exported)
    CLOSED_BY_OUTCOME,
    CLOSED_ROWS,
    CREATED_ROWS,
    REGISTRY,
    Metric,
    metric_kind,
    resolve_metric,
)
from analytics.periods import MONTHS_PER, Period, period_of, period_start_sql

METRICS: dict[str, str] = {m.name: m.kind for m in REGISTRY.values()}
"""Metric name -> kind, a view of ``metric_registry.REGISTRY`` (where metrics are defined)."""
METRIC_LABELS = {m.name: m.label for m in REGISTRY.values()}
"""Metric name -> label, a view of ``metric_registry.REGISTRY``."""
STILL_ACTIVE_DAYS = 90
NEW_HIRE_DAYS = 120   # a roster rep with no deal or activity yet counts when hired this recently
RECORD_GRACE_DAYS = 31   # records this close before a roster start or after an end date widen the span


def data_as_of(conn: duckdb.DuckDBPyConnection) -> date | None:
    """The latest close date of a closed deal or activity date (future-dated open deals ignored)."""
    latest = [f"(SELECT max(close_date) FROM deals WHERE {condition})" for condition in CLOSED_BY_OUTCOME]
    row = conn.execute(f"SELECT greatest({', '.join(latest)}, (SELECT max(activity_date) FROM activities))").fetchone()
    return row[0] if row else None


def data_as_of_by(conn: duckdb.DuckDBPyConnection, as_of: date | None) -> date | None:
    """The data's last day (:func:`data_as_of`), or ``as_of`` when that is earlier: the day a panel is read up
    to. A day past the data's end is not known: read up to it, the periods between (a November whose data
    stop on the 13th) would count as complete, their missing days as zeros."""
    last = data_as_of(conn)
    return last if as_of is None or (last is not None and last < as_of) else as_of


# --- SQL building blocks ------------------------------------------------------------------------

def _events_sql(found_as_of: bool, metric: Metric | None = None) -> str:
    """CTEs ``span_as_of`` (one row: ``as_of``) and the events of each rep by kind, ``ev_closed``,
    ``ev_created``, ``ev_activity`` (rep, first_event, last_event): closed deals by close date, deals by
    created date, activities, on or before ``as_of``.

    Each kind is grouped by rep on its own (cheaper than grouping the union of the three; the closed
    deals are read one outcome at a time, ``CLOSED_BY_OUTCOME``), so the data's last day
    (``found_as_of``: :func:`data_as_of`, the latest close or activity, taken from ``ev_closed`` and
    ``ev_activity`` unfiltered, as none is later) and the first day of ``metric``'s data
    (:func:`_first_day_sql`) come out of the same groups. Else ``as_of`` is the query parameter
    ``$as_of``. Created dates may lie after the last close (an open deal logged today): they are the one
    kind filtered by the day found.
    """
    def upto(column: str) -> str:
        return "" if found_as_of else f" AND {column} <= $as_of"

    as_of = ("greatest((SELECT max(last_event) FROM ev_closed), (SELECT max(last_event) FROM ev_activity))"
             if found_as_of else "$as_of::DATE")
    created_upto = "(SELECT as_of FROM span_as_of)" if found_as_of else "$as_of"
    metric_day = (f", min(activity_date) FILTER (WHERE {metric.rows}) AS first_metric_day"
                  if metric is not None and metric.table == "activities" else "")
    closed = " UNION ALL ".join(f"SELECT rep, close_date FROM deals WHERE {rows}{upto('close_date')}"
                                for rows in CLOSED_BY_OUTCOME)
    return f"""
    ev_closed AS (SELECT rep, min(close_date) AS first_event, max(close_date) AS last_event FROM ({closed})
                  GROUP BY rep),
    ev_activity AS (SELECT rep, min(activity_date) AS first_event, max(activity_date) AS last_event{metric_day}
                    FROM activities{"" if found_as_of else " WHERE activity_date <= $as_of"} GROUP BY rep),
    span_as_of AS (SELECT {as_of} AS as_of),
    ev_created AS (SELECT rep, min(created_date) AS first_event, max(created_date) AS last_event FROM deals
                   WHERE {CREATED_ROWS} AND created_date <= {created_upto} GROUP BY rep)"""


def _first_day_sql(metric: Metric) -> str:
    """SQL of ``metric``'s first day of data (``Metric.coverage_sql``) over the CTEs of :func:`_events_sql`:
    the first event of the kind that is exactly the metric's rows, else a query of its own."""
    if metric.table == "deals" and (metric.date_column, metric.rows) == ("close_date", CLOSED_ROWS):
        return metric.complete_from("(SELECT min(first_event) FROM ev_closed)", "(SELECT as_of FROM span_as_of)")
    if metric.table == "deals" and (metric.date_column, metric.rows) == ("created_date", CREATED_ROWS):
        return metric.complete_from("(SELECT min(first_event) FROM ev_created)", "(SELECT as_of FROM span_as_of)")
    if metric.table == "activities" and metric.date_column == "activity_date":
        return "(SELECT min(first_metric_day) FROM ev_activity)"
    return metric.coverage_sql("(SELECT as_of FROM span_as_of)")


def _spans_sql(found_as_of: bool = False, metric: Metric | None = None) -> str:
    """One row per rep: span_start, span_end (<= as_of), tenure_start (NULL = unknown), team, on_roster
    (the CTEs of :func:`_events_sql` before it)."""
    return f"""{_events_sql(found_as_of, metric)},
    ev AS (SELECT rep, min(first_event) AS first_event, max(last_event) AS last_event
           FROM (FROM ev_closed UNION ALL FROM ev_created UNION ALL SELECT rep, first_event, last_event FROM ev_activity)
           GROUP BY rep),
    ev0 AS (SELECT min(first_event) AS data_start FROM ev),
    -- a rep's own doings (closes and activities; a deal created before a hire joined is one inherited)
    ev_done AS (SELECT rep, min(first_event) AS first_done, max(last_event) AS last_done
                FROM (FROM ev_closed UNION ALL SELECT rep, first_event, last_event FROM ev_activity) GROUP BY rep),
    deal_team AS (SELECT rep, mode(team) AS team FROM deals WHERE team IS NOT NULL GROUP BY rep),
    roster AS (SELECT r.*, coalesce(r.end_date, CASE WHEN NOT r.active THEN ev.last_event END) AS left_on
               FROM reps r LEFT JOIN ev ON r.rep = ev.rep, span_as_of a
               -- (marked inactive with no end date and no event: active in no period at all)
               WHERE (r.end_date IS NOT NULL OR coalesce(r.active, true) OR ev.rep IS NOT NULL)
               -- (no deal and no activity at all, and not a new hire: a manager or an SDR the roster
               -- lists, or a seller the export leaves out, never a rep with a zero every period)
                 AND (ev.rep IS NOT NULL OR r.start_date > a.as_of - INTERVAL {NEW_HIRE_DAYS} DAY)),
    spans AS (
        SELECT coalesce(r.rep, ev.rep) AS rep,
               -- records up to a month before the roster's start or after its end date (an onboarding
               -- week, a deal closed as the rep left) widen the span: counted in their own period at
               -- every grain, not in a quarter and outside its months (roster_bounds)
               CASE WHEN r.start_date IS NULL THEN ev.first_event
                    WHEN d.first_done >= r.start_date - INTERVAL {RECORD_GRACE_DAYS} DAY
                        THEN least(r.start_date, d.first_done)
                    ELSE r.start_date END AS span_start,
               CASE WHEN r.rep IS NOT NULL THEN least(coalesce(
                        CASE WHEN r.end_date IS NOT NULL AND d.last_done > r.end_date
                                  AND d.last_done <= r.end_date + INTERVAL {RECORD_GRACE_DAYS} DAY
                             THEN d.last_done ELSE r.left_on END, a.as_of), a.as_of)
                    WHEN ev.last_event >= a.as_of - INTERVAL {STILL_ACTIVE_DAYS} DAY THEN a.as_of
                    ELSE ev.last_event END AS span_end,
               CASE WHEN r.start_date IS NOT NULL THEN r.start_date
                    WHEN ev.first_event <= (SELECT data_start FROM ev0) + INTERVAL 31 DAY THEN NULL
                    ELSE ev.first_event END AS tenure_start,
               coalesce(r.team, dt.team) AS team,
               r.rep IS NOT NULL AS on_roster,
               r.left_on AS roster_end
        FROM roster r FULL OUTER JOIN ev ON r.rep = ev.rep
        LEFT JOIN deal_team dt ON dt.rep = coalesce(r.rep, ev.rep)
        LEFT JOIN ev_done d ON d.rep = coalesce(r.rep, ev.rep), span_as_of a
    )"""


def idle_roster_reps(conn: duckdb.DuckDBPyConnection) -> list[str]:
    """The reps the roster lists as still here who have no span (:func:`rep_spans`): no deal and no
    activity at all in the data, and hired more than ``NEW_HIRE_DAYS`` before its last day. They get no
    range and no target, and every page says so (``coverage.DataCoverage.absent_notes``)."""
    return [rep for (rep,) in conn.execute(f"""WITH {_spans_sql(True)}
        SELECT r.rep FROM reps r WHERE r.end_date IS NULL AND coalesce(r.active, true)
          AND (SELECT as_of FROM span_as_of) IS NOT NULL AND r.rep NOT IN (SELECT rep FROM spans)
        ORDER BY r.rep""").fetchall()]


def rep_spans_cte(found_as_of: bool = False) -> str:
    """The common table expressions ending in ``spans`` (one row per rep: span_start, span_end,
    tenure_start, team, on_roster, roster_end), for other engine modules' queries to build on, so a
    rep is active by one definition everywhere. Reads the query parameter ``$as_of`` (``found_as_of``:
    the data's last day, :func:`data_as_of`, found in the same statement instead).
    """
    return _spans_sql(found_as_of)


def rep_spans(conn: duckdb.DuckDBPyConnection, *, as_of: date | None = None) -> pd.DataFrame:
    """rep, team, span_start, span_end, tenure_start, on_roster, roster_end (one row per rep)."""
    if as_of is None:
        found = span_scan(conn)
        if found.as_of is not None:
            return found.spans
    return span_scan(conn, as_of=as_of or date.today()).spans


@dataclass(frozen=True)
class SpanScan:
    """Every rep's span with the days it is read up to: what :func:`span_scan` returns."""

    spans: pd.DataFrame
    """:func:`rep_spans` at ``as_of``."""
    as_of: date | None
    """The day given, else :func:`data_as_of` (None: no closed deal and no activity)."""
    first_day: date | None
    """The metric's first day of data on or before ``as_of`` (``Metric.coverage_sql``; None: no rows, or
    no metric asked for)."""


def span_scan(conn: duckdb.DuckDBPyConnection, metric: str | None = None, *,
              as_of: date | None = None) -> SpanScan:
    """:func:`rep_spans`, :func:`data_as_of` (when ``as_of`` is None) and ``metric``'s first day of data
    from one statement, which groups each table's events by rep once (:func:`_events_sql`): what a panel
    read needs before its sums, at the cost of the spans alone (three queries before, each a scan of the
    deals). Equal to the three apart (``tests/test_one_scan.py``)."""
    definition = resolve_metric(metric) if metric is not None else None
    if as_of is not None:
        as_of = data_as_of_by(conn, as_of)   # never past the data's last day (a None: no data; read as found)
    first_day = _first_day_sql(definition) if definition is not None else "NULL::DATE"
    sql = f"""WITH {_spans_sql(as_of is None, definition)}
    SELECT spans.*, (SELECT as_of FROM span_as_of) AS scan_as_of, {first_day} AS scan_first_day
    FROM spans ORDER BY rep"""
    frame = conn.execute(sql, {} if as_of is None else {"as_of": as_of}).df()
    # Both days are the same on every row; without a row the data hold no event on or before the day,
    # so no metric row either (every metric row is an event of its rep).
    days = [_date_or_none(frame[c].iloc[0]) if len(frame) else None for c in ("scan_as_of", "scan_first_day")]
    spans = frame.drop(columns=["scan_as_of", "scan_first_day"])
    return SpanScan(spans, as_of if as_of is not None else days[0], days[1])


def _date_or_none(value: object) -> date | None:
    """A DATE cell of a fetched frame (a Timestamp, or NaT/None for NULL) as a date."""
    return None if value is None or pd.isna(value) else pd.Timestamp(value).date()


def active_reps(conn: duckdb.DuckDBPyConnection, start: date, end: date, *,
                as_of: date | None = None) -> pd.DataFrame:
    """Reps active in [start, end]: on the roster with start <= end and no end before ``start``,
    or (off-roster) with an event within the last 90 days before ``as_of``."""
    scan = span_scan(conn, as_of=as_of)   # read up to the data's last day at the latest (data_as_of_by)
    return active_in(scan.spans, start, end, scan.as_of or date.today())


def active_in(spans: pd.DataFrame, start: date, end: date, as_of: date) -> pd.DataFrame:
    """The rows of ``spans`` (:func:`rep_spans`) of the reps active in [start, end] (:func:`active_reps`)."""
    span_start = pd.to_datetime(spans["span_start"])
    roster_end = pd.to_datetime(spans["roster_end"])
    span_end = pd.to_datetime(spans["span_end"])
    on = spans["on_roster"].astype(bool)
    roster_ok = on & (span_start <= pd.Timestamp(end)) & (roster_end.isna() | (roster_end >= pd.Timestamp(start)))
    off_ok = ~on & (span_end >= pd.Timestamp(as_of))
    return spans[roster_ok | off_ok].reset_index(drop=True)


def rep_period_panel(conn: duckdb.DuckDBPyConnection, metric: str, grain: str, *,
                     fiscal_start_month: int | None = None, as_of: date | None = None) -> pd.DataFrame:
    """One row per rep x period in which the rep was active, zeros included.

    Columns: rep, period_start (date), period_label, value, exposure_days, tenure_months (at period
    start; NaN = unknown/incumbent), complete (False for the period containing ``as_of`` when it has
    not ended), team; for ``win_rate`` also ``won`` and ``closed`` (value = won / closed, NaN when
    nothing closed).
    """
    definition = resolve_metric(metric)
    fsm = fiscal_start_month or store.fiscal_year_start_month(conn)
    as_of = data_as_of_by(conn, as_of)
    columns = ["rep", "period_start", "period_label", "value", "exposure_days", "tenure_months",
               "complete", "team"]
    extra = [column for column, _ in definition.extra]
    if as_of is None:
        return pd.DataFrame(columns=columns + extra)
    months = MONTHS_PER[grain]
    period_start = period_start_sql(definition.date_column, grain, fsm)
    agg_sql = definition.aggregate_sql(f"rep, {period_start} AS period_start",
                                       f"{definition.date_column} <= $as_of AND "
                                       f"{definition.inside_sql('clipped', 'from_date', 'span_end')}")
    extra_sel = "".join(f", coalesce(a.{c}, 0)::BIGINT AS {c}" for c in extra)
    sql = f"""
    WITH {_spans_sql()},
    cov AS (SELECT {definition.coverage_sql("$as_of")} AS coverage_start),
    clipped AS (
        SELECT s.*, greatest(s.span_start, cov.coverage_start) AS from_date FROM spans s, cov
        -- a roster rep with no start date and no deal or activity has no span to count zeros in
        WHERE cov.coverage_start IS NOT NULL AND s.span_start IS NOT NULL
          AND s.span_end >= greatest(s.span_start, cov.coverage_start)
    ),
    grid AS (
        SELECT rep, team, from_date, span_end, tenure_start,
               unnest(generate_series({period_start_sql("from_date", grain, fsm)},
                                      {period_start_sql("span_end", grain, fsm)},
                                      INTERVAL {months} MONTH))::DATE AS period_start
        FROM clipped
    ),
    agg AS ({agg_sql})
    SELECT g.rep, g.period_start,
           coalesce(a.value, {definition.empty_value})::DOUBLE AS value,
           -- days from the first day counted: a period the data begin inside of is that part of a period
           (date_diff('day', greatest(g.period_start, g.from_date),
                      least((g.period_start + INTERVAL {months} MONTH - INTERVAL 1 DAY)::DATE, g.span_end))
            + 1)::INTEGER AS exposure_days,
           CASE WHEN g.tenure_start IS NULL THEN NULL
                ELSE greatest(date_diff('day', g.tenure_start, g.period_start), 0) / 30.4375 END
               AS tenure_months,
           (g.period_start + INTERVAL {months} MONTH - INTERVAL 1 DAY)::DATE <= $as_of AS complete,
           g.team {extra_sel}
    FROM grid g LEFT JOIN agg a ON a.rep = g.rep AND a.period_start = g.period_start
    ORDER BY g.rep, g.period_start
    """
    df = conn.execute(sql, {"as_of": as_of}).df()
    # date objects and labels via the few distinct periods (not one conversion per row)
    codes, uniques = pd.factorize(df["period_start"])
    starts = [pd.Timestamp(u).date() for u in uniques]
    df["period_start"] = np.array(starts + [None], dtype=object)[codes]
    labels = np.array([period_of(d, grain, fsm).label for d in starts] + [None], dtype=object)
    df.insert(2, "period_label", labels[codes])
    df["complete"] = df["complete"].astype(bool)
    df["tenure_months"] = df["tenure_months"].astype(float)
    return df[columns + extra].reset_index(drop=True)


def last_complete_period(as_of: date, grain: str, fiscal_start_month: int = 1) -> Period:
    """The latest period that ended on or before ``as_of``."""
    current = period_of(as_of, grain, fiscal_start_month)
    return current if not current.is_partial(as_of) else current.previous()


FUNNEL_COUNTS = ("calls", "emails", "meetings", "demos", "proposals", "opportunities", "closed", "won")
ACTIVITY_COUNTS = ("calls", "emails", "meetings", "demos", "proposals")
FUNNEL_RATES = {  # rate: (numerator, denominator, pooling)
    "call_to_meeting": ("meetings", "calls", "ratio"),
    "meeting_to_demo": ("demos", "meetings", "ratio"),
    "demo_to_opportunity": ("opportunities", "demos", "ratio"),
    "win_rate": ("won", "closed", "proportion"),
}


TYPICAL_DEAL_PRIOR = 2.0
"""Won deals' worth of the team's median in a rep's typical deal (as ``avg_deal_size`` pools its mean)."""


def typical_deal(own_median: np.ndarray, n_deals: np.ndarray, team_median: float) -> np.ndarray:
    """Each rep's typical won deal: the median of their own, pooled toward the team's median on the log
    scale by :data:`TYPICAL_DEAL_PRIOR` deals, exp((n log m_i + k log m) / (n + k)). NaN where neither is known.

    It is the smallest target worth setting (:mod:`analytics.target_floor`): a rep's one win of $66,600,
    in a team whose deals are $15,000 at the median, made $66,600 the base target of a rep whose median
    quarter was $9,244 (a 12% chance, shown as base). With twenty deals a rep's own median keeps 20/22 of the weight.

    >>> typical_deal(np.array([66_600.0, 20_000.0, np.nan]), np.array([1.0, 20.0, 0.0]), 15_000.0).round(-2)
    array([24700., 19500., 15000.])
    """
    own = np.log(np.where(np.isfinite(own_median) & (own_median > 0), own_median, 1.0))
    n = np.where(np.isfinite(own_median) & (own_median > 0), np.nan_to_num(n_deals), 0.0)
    if not (np.isfinite(team_median) and team_median > 0):
        return np.where(n > 0, own_median, np.nan)
    return np.exp((n * own + TYPICAL_DEAL_PRIOR * np.log(team_median)) / (n + TYPICAL_DEAL_PRIOR))


def rep_funnel(conn: duckdb.DuckDBPyConnection, grain: str, *, as_of: date | None = None,
               periods: int = 4) -> pd.DataFrame:
    """One row per rep: per-period averages over the last ``periods`` complete periods and pooled rates;
    ``median_deal`` (``team_median_deal``: the team's), the typical won deal up to the last complete period
    (the rep's median pooled toward the team's by :func:`typical_deal`).

    Averages are over the periods in which the rep was active. Rates are pooled across reps
    (calibration-methods section 3), never averages of ratios: win_rate is the beta-binomial
    posterior mean; the activity conversions (which may exceed 1: two meetings per call is possible)
    are gamma-Poisson posterior means of numerator per unit of denominator. ``weakest_stage`` is the
    rate furthest below the team's pooled rate (relative), "" when every rate is at or above it.
    """
    from analytics.counts import pooled_rate, pooled_ratio

    fsm = store.fiscal_year_start_month(conn)
    as_of = as_of or data_as_of(conn)
    cols = ["rep", "team", "n_periods", *FUNNEL_COUNTS, "revenue", "avg_deal_size", "median_deal",
            "team_median_deal", *FUNNEL_RATES, "weakest_stage"]
    if as_of is None:
        return pd.DataFrame(columns=cols)
    months = MONTHS_PER[grain]
    last = last_complete_period(as_of, grain, fsm)
    first = last.previous(periods - 1)
    act_ps = period_start_sql("activity_date", grain, fsm)
    sql = f"""
    WITH {_spans_sql()},
    grid AS (
        SELECT rep, team, unnest(generate_series({period_start_sql("greatest(span_start, $first)", grain, fsm)},
                                                 {period_start_sql("least(span_end, $last)", grain, fsm)},
                                                 INTERVAL {months} MONTH))::DATE AS period_start
        FROM spans WHERE span_end >= $first AND span_start <= $last
    ),
    act AS (
        SELECT rep, {act_ps} AS period_start,
               sum(count) FILTER (WHERE type = 'call') AS calls,
               sum(count) FILTER (WHERE type = 'email') AS emails,
               sum(count) FILTER (WHERE type = 'meeting') AS meetings,
               sum(count) FILTER (WHERE type = 'demo') AS demos,
               sum(count) FILTER (WHERE type = 'proposal') AS proposals
        FROM activities WHERE activity_date BETWEEN $first AND $last GROUP BY ALL
    ),
    logged AS (SELECT min(activity_date) AS since FROM activities),
    opp AS (SELECT rep, {period_start_sql("created_date", grain, fsm)} AS period_start, count(*) AS opportunities,
                   count(*) FILTER (WHERE created_date >= (SELECT since FROM logged)) AS opportunities_logged
            FROM deals WHERE created_date BETWEEN $first AND $last GROUP BY ALL),
    cls AS (SELECT rep, {period_start_sql("close_date", grain, fsm)} AS period_start, count(*) AS closed,
                   count(*) FILTER (WHERE outcome = 'won') AS won,
                   sum(CASE WHEN outcome = 'won' THEN coalesce(amount, 0) ELSE 0 END) AS revenue
            FROM deals WHERE outcome IN ('won', 'lost') AND close_date BETWEEN $first AND $last GROUP BY ALL),
    sizes AS (SELECT rep, median(amount) AS median_deal, count(*) AS sized_deals FROM deals
              WHERE outcome = 'won' AND amount > 0 AND close_date <= $last GROUP BY rep)
    SELECT g.rep, any_value(g.team) AS team, count(*) AS n_periods, any_value(sizes.median_deal) AS median_deal,
           coalesce(any_value(sizes.sized_deals), 0)::DOUBLE AS sized_deals,
           (SELECT median(amount) FROM deals WHERE outcome = 'won' AND amount > 0 AND close_date <= $last)
               AS team_median_deal,
           {", ".join(f"coalesce(sum({c}), 0)::DOUBLE AS {c}" for c in FUNNEL_COUNTS)},
           coalesce(sum(opportunities_logged), 0)::DOUBLE AS opportunities_logged,
           coalesce(sum(revenue), 0)::DOUBLE AS revenue,
           -- the periods' share the activity log covers (it may start years after the deals)
           sum(greatest(date_diff('day', greatest(g.period_start, (SELECT since FROM logged)),
                                  least(g.period_start + INTERVAL {months} MONTH, $last + INTERVAL 1 DAY)::DATE), 0)
               / date_diff('day', g.period_start, (g.period_start + INTERVAL {months} MONTH)::DATE))::DOUBLE
               AS logged_periods
    FROM grid g
    LEFT JOIN act USING (rep, period_start) LEFT JOIN opp USING (rep, period_start)
    LEFT JOIN cls USING (rep, period_start) LEFT JOIN sizes ON sizes.rep = g.rep
    GROUP BY g.rep ORDER BY g.rep
    """
    totals = conn.execute(sql, {"as_of": as_of, "first": first.start, "last": last.end}).df()
    if totals.empty:
        return pd.DataFrame(columns=cols)
    # the typical won deal (median amount, credit notes aside) over the whole history: the smallest target
    # worth setting a rep whose law puts a third of its periods at zero (analytics.target_floor)
    out = totals[["rep", "team", "n_periods", "median_deal", "team_median_deal"]].copy()
    out["median_deal"] = typical_deal(totals["median_deal"].to_numpy(float), totals["sized_deals"].to_numpy(float),
                                      float(totals["team_median_deal"].iloc[0]))
    n = totals["n_periods"].to_numpy(float)
    # An activity log that starts after the deals (a last-quarter export beside three years of deals): its
    # counts are averaged over the periods it covers, and its rates meet the deals created since it starts.
    # Over every period, a quarter before the log read as no calls: demo -> opportunity read 4.06 for 0.64.
    logged = totals["logged_periods"].fillna(0.0).to_numpy(float)
    for c in (*FUNNEL_COUNTS, "revenue"):
        per = np.where(logged > 0, logged, n) if c in ACTIVITY_COUNTS else n
        out[c] = totals[c].to_numpy(float) / per
    totals["opportunities"] = totals["opportunities"].where(logged <= 0, totals["opportunities_logged"])
    won_total = totals["won"].to_numpy(float)
    team_size = totals["revenue"].sum() / max(won_total.sum(), 1)
    # deal size pooled toward the team's: (revenue + k * team size) / (won + k), k = 2 deals
    out["avg_deal_size"] = (totals["revenue"].to_numpy(float) + 2 * team_size) / (won_total + 2)
    relative = {}
    for rate, (num, den, kind) in FUNNEL_RATES.items():
        x, m = totals[num].to_numpy(float), totals[den].to_numpy(float)
        if m.sum() == 0 or x.sum() == 0:
            out[rate] = np.nan
            continue
        out[rate] = pooled_rate(np.minimum(x, m), m) if kind == "proportion" else pooled_ratio(x, m)
        relative[rate] = out[rate].to_numpy() / (x.sum() / m.sum())
    if relative:
        rel = pd.DataFrame(relative)
        worst = rel.idxmin(axis=1)
        out["weakest_stage"] = np.where(rel.min(axis=1) < 1.0, worst, "")
    else:
        out["weakest_stage"] = ""
    return out[cols].reset_index(drop=True)
