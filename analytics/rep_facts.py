"""The facts a manager argues with, beside each rep: last period's actual, the CRM quota, the recent trend.

For one metric, grain and target period, :func:`rep_facts` reads in one SQL query, per rep:

* ``last_actual``: the rep's value in the last complete period before the target (missing when the
  rep was not active then: a new hire has no last period, which is not a zero);
* ``recent``: the rep's values in the last ``n_recent`` complete periods up to that one, oldest first (not the
  period the data start more than a week inside of: its value is of part of it, as the panel's exposure says),
  one per period the rep was active in (zeros included), for a sparkline;
* ``note``: ``"no complete quarter yet"`` for a rep active only after that period and by the target's
  end (a hire whose first deal is this period's), listed with an empty trend rather than dropped; a column
  only when some rep has one;
* ``quota_last`` / ``quota_target``: the CRM quota imported for the last period and for the target
  period, prorated by overlapping days as Tracking and Review read quotas (a yearly quota gives a
  quarter its share). A column exists only when some rep has a quota for that period: absent quotas are
  an absent column, never zeros.

Values are made by the metric's one SQL aggregate (:mod:`analytics.metric_registry`) over the reps'
active spans (:func:`analytics.metrics.rep_spans_cte`), so ``last_actual`` equals the calibration
history's value for that rep and period.

Example
-------
Ann won 1,200 and 800 in 2026-Q1 and lost a deal in Q2 (a zero: she is still active); Bo started in
Q2; Ann has a CRM quota of 3,000 for Q3:

>>> from datetime import date
>>> from analytics import store
>>> conn = store.connect(":memory:")
>>> _ = conn.execute("INSERT INTO deals (deal_id, rep, close_date, amount, outcome, import_id) VALUES "
...                  "('d1', 'Ann', DATE '2026-01-05', 1200, 'won', 1), ('d2', 'Ann', DATE '2026-02-03', 800, 'won', 1), "
...                  "('d3', 'Ann', DATE '2026-05-15', 900, 'lost', 1), ('d4', 'Bo', DATE '2026-04-09', 500, 'won', 1), "
...                  "('d5', 'Bo', DATE '2026-06-30', 700, 'won', 1)")
>>> _ = conn.execute("INSERT INTO quotas VALUES ('Ann', 'revenue', DATE '2026-07-01', DATE '2026-09-30', 3000, 2)")
>>> facts = rep_facts(conn, "revenue", "quarter", "next")
>>> facts.target.label, facts.last.label
('2026-Q3', '2026-Q2')
>>> print(facts.summary.rename_axis(None).to_string())
     last_actual         recent  quota_target
Ann          0.0  [2000.0, 0.0]        3000.0
Bo        1200.0       [1200.0]           NaN
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import duckdb
import numpy as np
import pandas as pd

from analytics import metrics, store
from analytics.calibration import resolve_period
from analytics.coverage import PARTIAL_START_DAYS
from analytics.metric_registry import resolve_metric
from analytics.periods import MONTHS_PER, Period, period_start_sql

DEFAULT_RECENT = 8
"""Periods in the sparkline: two years of quarters, eight months."""

QUOTA_COLUMNS = ("quota_last", "quota_target")
NOTE_COLUMN = "note"
"""Why a rep's facts are empty (:func:`no_complete_note`); a column only when some rep has one."""


@dataclass(frozen=True)
class RepFacts:
    """Per rep: last complete period's actual, the recent trend and the CRM quotas (see the module).

    ``last`` is the last complete period before ``target`` (None without data); ``recent`` the
    periods of the sparkline window, oldest first. ``summary`` is indexed by rep.
    """

    metric: str
    grain: str
    target: Period
    last: Period | None
    recent: tuple[Period, ...]
    summary: pd.DataFrame

    @property
    def has_quota_last(self) -> bool:
        """Whether a CRM quota was imported for the last complete period (for any rep)."""
        return "quota_last" in self.summary.columns

    @property
    def has_quota_target(self) -> bool:
        """Whether a CRM quota was imported for the target period (for any rep)."""
        return "quota_target" in self.summary.columns


def last_period_before(target: Period, as_of: date) -> Period:
    """The last complete period before ``target``: the one before it, or the last ended by ``as_of``.

    >>> from analytics.periods import parse_period
    >>> last_period_before(parse_period("2026-Q3"), date(2026, 5, 10)).label   # Q2 has not ended
    '2026-Q1'
    >>> last_period_before(parse_period("2026-Q3"), date(2026, 6, 30)).label
    '2026-Q2'
    >>> last_period_before(parse_period("2025-Q4"), date(2026, 6, 30)).label  # a past target
    '2025-Q3'
    """
    before = target.previous()
    if before.end <= as_of:
        return before
    return metrics.last_complete_period(as_of, target.grain, target.fiscal_start_month)


def rep_facts(conn: duckdb.DuckDBPyConnection, metric: str, grain: str, period: str | Period = "next", *,
              n_recent: int = DEFAULT_RECENT, as_of: date | None = None,
              fiscal_start_month: int | None = None) -> RepFacts:
    """Each rep's last actual, recent values and CRM quotas for ``metric`` around the target ``period``.

    Parameters
    ----------
    conn
        A connection or cursor to the database.
    metric, grain
        Any metric name :func:`~analytics.metric_registry.resolve_metric` knows; ``"month"`` or ``"quarter"``.
    period
        The target period: ``"next"``, ``"current"``, a label or a :class:`~analytics.periods.Period`.
    n_recent
        Complete periods in ``recent`` (at most; fewer when the rep or the data are younger).
    as_of, fiscal_start_month
        The data's last day and the fiscal calendar; read from the database when not given.

    Returns
    -------
    RepFacts
        ``summary`` indexed by rep with ``last_actual``, ``recent`` and, when imported, the quota columns.
    """
    definition = resolve_metric(metric)
    fsm = fiscal_start_month or store.fiscal_year_start_month(conn)
    as_of = as_of or metrics.data_as_of(conn)
    target = resolve_period(period, as_of or date.today(), grain, fsm)
    if as_of is None:
        return RepFacts(definition.name, grain, target, None, (),
                        pd.DataFrame({"last_actual": pd.Series(dtype=float), "recent": pd.Series(dtype=object)},
                                     index=pd.Index([], name="rep")))
    last = last_period_before(target, as_of)
    window = tuple(last.previous(k) for k in range(max(int(n_recent), 1) - 1, -1, -1))
    frame = conn.execute(_facts_sql(definition.name, grain, fsm), {
        "as_of": as_of, "first": window[0].start, "last_start": last.start, "last_end": last.end,
        "target_start": target.start, "target_end": target.end, "metric": definition.name,
    }).df()
    return RepFacts(definition.name, grain, target, last, window, _summary(frame, grain))


def _facts_sql(metric: str, grain: str, fsm: int) -> str:
    """The one query: values per rep and period in the window over active spans, and quotas per rep."""
    definition = resolve_metric(metric)
    date_col = definition.date_column

    def start_of(column: str) -> str:
        return period_start_sql(column, grain, fsm)

    agg = definition.aggregate_sql(f"rep, {start_of(date_col)} AS period_start",
                                   f"{date_col} BETWEEN $first AND $last_end AND {date_col} <= $as_of AND "
                                   f"{definition.inside_sql('bounds', 'from_date', 'to_date')}")
    prorated = ("target * (least(period_end, ${p}_end) - greatest(period_start, ${p}_start) + 1)"
                " / (period_end - period_start + 1)")
    overlaps = "period_start <= ${p}_end AND period_end >= ${p}_start"
    quota = ", ".join(f"sum({prorated.format(p=p)}) FILTER (WHERE {overlaps.format(p=p)}) AS quota_{p}"
                      for p in ("last", "target"))
    return f"""
    WITH {metrics.rep_spans_cte()},
    first_day AS (SELECT {definition.coverage_sql("$as_of")} AS coverage_start),
    -- The period the data start inside of (an export from 1 March: a quarter of one month) is no value of a
    -- whole period: the trend starts at the first period the data cover from its start.
    cov AS (
        SELECT coverage_start,
               CASE WHEN coverage_start - {start_of("coverage_start")} > {PARTIAL_START_DAYS}
                    THEN ({start_of("coverage_start")} + INTERVAL {MONTHS_PER[grain]} MONTH)::DATE
                    ELSE coverage_start END AS full_from
        FROM first_day
    ),
    bounds AS (
        SELECT s.rep, greatest(s.span_start, cov.full_from, $first) AS from_date,
               least(s.span_end, $last_end) AS to_date
        FROM spans s, cov WHERE cov.coverage_start IS NOT NULL AND s.span_start IS NOT NULL
    ),
    grid AS (
        SELECT rep, unnest(generate_series({start_of("from_date")}, {start_of("to_date")},
                                           INTERVAL {MONTHS_PER[grain]} MONTH))::DATE AS period_start
        FROM bounds WHERE to_date >= from_date
    ),
    agg AS ({agg}),
    vals AS (
        SELECT g.rep, g.period_start, coalesce(a.value, {definition.empty_value})::DOUBLE AS value
        FROM grid g LEFT JOIN agg a ON a.rep = g.rep AND a.period_start = g.period_start
    ),
    series AS (
        SELECT rep, list(value ORDER BY period_start) AS recent,
               any_value(value) FILTER (WHERE period_start = $last_start) AS last_actual
        FROM vals GROUP BY rep
    ),
    -- A rep active only after the last complete period (a hire whose first deal is this period's), or whose
    -- only period before it is the one the data start inside of (an export from 20 September, the quarter
    -- to come next), has no value to show yet: listed with an empty trend, so the table says so instead of
    -- dropping them ("No rep has won revenue" beside $2.5M of it). One who starts after the target period,
    -- or left before the last complete one, is none of its business.
    fresh AS (
        SELECT s.rep, NULL::DOUBLE AS last_actual, []::DOUBLE[] AS recent FROM spans s
        WHERE s.span_start <= $target_end AND s.span_end >= $last_start
          AND NOT EXISTS (SELECT 1 FROM series v WHERE v.rep = s.rep)
    ),
    listed AS (
        SELECT *, false AS no_complete FROM series UNION ALL BY NAME SELECT *, true AS no_complete FROM fresh
    ),
    quota AS (SELECT rep, {quota} FROM quotas WHERE metric = $metric GROUP BY rep)
    SELECT coalesce(s.rep, q.rep) AS rep, s.last_actual, s.recent, q.quota_last, q.quota_target,
           coalesce(s.no_complete, false) AS no_complete
    FROM listed s FULL OUTER JOIN quota q ON q.rep = s.rep
    ORDER BY 1
    """


def _summary(frame: pd.DataFrame, grain: str) -> pd.DataFrame:
    """Indexed by rep; ``recent`` as lists of floats (NaN for a rate with nothing closed); quota
    columns kept only when some rep has one for that period; ``note`` only when some rep has no complete
    period yet (``"no complete month yet"``, None for the others)."""
    out = pd.DataFrame({"last_actual": frame["last_actual"].astype(float).to_numpy()},
                       index=pd.Index(frame["rep"].astype(object).to_numpy(), name="rep"))
    out["recent"] = [_floats(v) for v in frame["recent"]]
    for column in QUOTA_COLUMNS:
        values = frame[column].astype(float).to_numpy()
        if np.isfinite(values).any():
            out[column] = values
    fresh = frame["no_complete"].astype(bool).to_numpy()
    if fresh.any():
        out[NOTE_COLUMN] = [no_complete_note(grain) if f else None for f in fresh]
    return out


def no_complete_note(grain: str) -> str:
    """What the facts say of a rep with no complete period yet.

    >>> no_complete_note("month")
    'no complete month yet'
    """
    return f"no complete {grain} yet"


def _floats(values: object) -> list[float]:
    """A list cell as floats: DuckDB hands a list holding NULLs over as a masked array (NULL -> NaN);
    a rep with quotas but no active period has no list (NULL -> [])."""
    if not isinstance(values, list | np.ndarray):
        return []
    return [float(x) for x in np.ma.filled(np.ma.asarray(values, dtype=float), np.nan)]
