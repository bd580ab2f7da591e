"""The open pipeline read from the deals table: deals open on a day, and the same point of past periods.

"Open on day d" is reconstructed from dates alone, so a past day is seen as it stood then: a deal
created on or before d and not closed by d (``created_date <= d < close_date`` for a won or lost
deal; any deal still open today). A closed deal's outcome is read only for the past periods whose end
is before the period tracked (the history the chances are estimated on); the stage stored today is the
deal's last one and its close date, for an open deal, a forecast: neither is read. The amount is the
one stored (a CRM export keeps no history of amounts).

Only data with created dates and lost deals has a pipeline to read (:mod:`analytics.coverage`): an
orders-only export (won orders by close date) has none, and tracking keeps the law without it.

Example
-------
>>> from datetime import date
>>> from analytics import store
>>> conn = store.connect(":memory:")
>>> _ = conn.execute("INSERT INTO deals (deal_id, rep, close_date, created_date, amount, outcome, import_id) VALUES "
...                  "('a', 'ana', '2026-02-20', '2026-01-05', 100, 'won', 1), "
...                  "('b', 'ana', '2026-01-20', '2026-01-06', 50, 'lost', 1), "
...                  "('c', 'ana', '2026-03-01', '2026-02-16', 70, 'won', 1)")
>>> open_deals_at(conn, "revenue", date(2026, 2, 15))[["rep", "amount", "age"]].values.tolist()
[['ana', 100.0, 41]]
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from datetime import date, timedelta

import duckdb
import numpy as np
import numpy.typing as npt
import pandas as pd

from analytics.coverage import DataCoverage, data_coverage
from analytics.metric_registry import resolve_metric
from analytics.open_pipeline import (
    MAX_CHANCE,
    PipelineRemainder,
    deal_win_chances,
    open_deal_lists,
    pipeline_share,
    remainder_with_pipeline,
    slot_ratio,
)
from analytics.pace_chance import TeamEffect
from analytics.periods import Period
from analytics.predictive import PredictiveDistribution

HISTORY_PERIODS = 8   # past periods the chances and the split are estimated on
SLOT_YEARS = 2        # past years whose same quarter or month corrects the chances for the time of year

_OPEN_ON = ("d.created_date IS NOT NULL AND d.created_date <= {day} AND (d.outcome = 'open' "
            "OR (d.outcome IN ('won', 'lost') AND d.close_date > {day}))")


def deal_value_sql(metric: str) -> str | None:
    """What one won deal adds to ``metric`` (its amount, or 1 for a count of won deals); None for a
    metric deals do not make by being won (a volume, a rate)."""
    m = resolve_metric(metric)
    if m.table != "deals" or m.funnel_stage != "won" or not m.additive:
        return None
    return "coalesce(d.amount, 0)" if m.kind == "money" else "1.0"


def has_pipeline(cov: DataCoverage) -> bool:
    """Whether the data can show open deals: created dates, and lost deals beside the won ones
    (without them every deal reads as won and no chance of winning can be learnt)."""
    return cov.has_created_dates and cov.has_lost_deals


def open_deals_at(conn: duckdb.DuckDBPyConnection, metric: str, day: date) -> pd.DataFrame:
    """The deals open on ``day`` (columns rep, amount = the deal's value to ``metric``, age in days)."""
    value = deal_value_sql(metric) or "1.0"
    return conn.execute(f"""
        SELECT d.rep, ({value})::DOUBLE AS amount, datediff('day', d.created_date, $day::DATE) AS age
        FROM deals d WHERE {_OPEN_ON.format(day="$day::DATE")}
        ORDER BY d.rep, d.created_date, d.deal_id""", {"day": day}).df()


def comparable_points(period: Period, day: date, n_periods: int = HISTORY_PERIODS) -> list[tuple[date, date]]:
    """The same point of the ``n_periods`` periods before ``period`` (as many days after their start,
    at most their second-last day) and their last days; for a month, the months in the same place of
    their quarter (a quarter-end month's push is not a mid-quarter month's).

    >>> from analytics.periods import parse_period
    >>> [(str(a), str(b)) for a, b in comparable_points(parse_period("2026-Q1"), date(2026, 2, 14), 2)]
    [('2025-08-14', '2025-09-30'), ('2025-11-14', '2025-12-31')]
    """
    step = 3 if period.grain == "month" else 1
    return _points_like(period, day, [period.previous(k * step) for k in range(n_periods, 0, -1)])


def _points_like(period: Period, day: date, pasts: list[Period]) -> list[tuple[date, date]]:
    """In each of ``pasts``, the day as far from its start as ``day`` is from ``period``'s (at most its
    second-last day), with its last day."""
    elapsed = (day - period.start).days
    return [(min(past.start + timedelta(days=elapsed), past.end - timedelta(days=1)), past.end) for past in pasts]


def same_slot_points(period: Period, day: date, n_years: int = SLOT_YEARS) -> list[tuple[date, date]]:
    """The same point of the same period of the ``n_years`` years before (the same quarter or month of the
    year), as :func:`comparable_points` places it, and their last days.

    >>> from analytics.periods import parse_period
    >>> [(str(a), str(b)) for a, b in same_slot_points(parse_period("2026-12"), date(2026, 12, 15))]
    [('2024-12-15', '2024-12-31'), ('2025-12-15', '2025-12-31')]
    """
    per_year = 12 if period.grain == "month" else 4
    return _points_like(period, day, [period.previous(k * per_year) for k in range(n_years, 0, -1)])


def sibling_points(period: Period, day: date, n_periods: int = HISTORY_PERIODS) -> list[tuple[date, date]]:
    """For a month in its quarter's first two, the same point of the other one of them in the ``n_periods``
    quarters before (placed as :func:`comparable_points` places them); none for a quarter-end month or a
    quarter. Neither is a quarter's end: a rep who pushes closes to the quarter's end wins little of what is
    open mid-month in both, so these points tell the rep's own rate too (not the team's rates: a quarter's
    first month is not its second).

    >>> from analytics.periods import parse_period
    >>> [(str(a), str(b)) for a, b in sibling_points(parse_period("2026-04"), date(2026, 4, 15), 2)]
    [('2025-11-15', '2025-11-30'), ('2026-02-15', '2026-02-28')]
    >>> sibling_points(parse_period("2026-06"), date(2026, 6, 15)), sibling_points(parse_period("2026-Q2"), date(2026, 5, 15))
    ([], [])
    """
    place = (period.start.month - period.fiscal_start_month) % 3
    if period.grain != "month" or place == 2:
        return []
    sibling = period.previous(1 if place == 1 else 2)   # the last such month complete before the period
    return _points_like(period, day, [sibling.previous(3 * k) for k in range(n_periods - 1, -1, -1)])


def within_data(points: list[tuple[date, date]], first_close: date | None) -> list[tuple[date, date]]:
    """The points on or after the data's first close: an export holds the deals closed inside its window,
    so at a point before it the deals then open that closed before the window are missing, and in a
    period that ended before it every deal open then reads as never won.

    >>> within_data([(date(2023, 8, 14), date(2023, 9, 30)), (date(2023, 11, 14), date(2023, 12, 31))],
    ...             date(2023, 10, 2))
    [(datetime.date(2023, 11, 14), datetime.date(2023, 12, 31))]
    """
    return points if first_close is None else [(day, end) for day, end in points if day >= first_close]


def _points_sql() -> str:
    return "(SELECT unnest($days::DATE[]) AS day, unnest($ends::DATE[]) AS end_day) p"


def open_deal_history(conn: duckdb.DuckDBPyConnection, metric: str,
                      points: list[tuple[date, date]]) -> pd.DataFrame:
    """Per past point and deal open on its day: rep, amount, age and ``won_in`` (won by that period's end)."""
    value = deal_value_sql(metric) or "1.0"
    return conn.execute(f"""
        SELECT p.day AS point, d.rep, ({value})::DOUBLE AS amount,
               datediff('day', d.created_date, p.day) AS age,
               (d.outcome = 'won' AND d.close_date <= p.end_day)::INTEGER AS won_in
        FROM {_points_sql()} JOIN deals d ON {_OPEN_ON.format(day="p.day")}""",
                        {"days": [a for a, _ in points], "ends": [b for _, b in points]}).df()


def remainder_split(conn: duckdb.DuckDBPyConnection, metric: str, points: list[tuple[date, date]]) -> pd.DataFrame:
    """Per past point and rep: what deals won after the point and by the period's end added, from
    deals open on the point's day (``from_open``) and from deals created after it (``from_new``)."""
    value = deal_value_sql(metric) or "1.0"
    return conn.execute(f"""
        SELECT p.day AS point, d.rep,
               coalesce(sum({value}) FILTER (WHERE d.created_date <= p.day), 0)::DOUBLE AS from_open,
               coalesce(sum({value}) FILTER (WHERE d.created_date IS NULL OR d.created_date > p.day), 0)::DOUBLE
                   AS from_new
        FROM {_points_sql()} JOIN deals d
          ON d.outcome = 'won' AND d.close_date > p.day AND d.close_date <= p.end_day
        GROUP BY ALL""", {"days": [a for a, _ in points], "ends": [b for _, b in points]}).df()


@dataclass(frozen=True)
class PipelineEvidence:
    """Per rep (in the order asked): its open deals' values and chances of winning before the period
    ends, and ``share_from_open``, f: the share of past remainders that came from deals already open."""

    values: list[np.ndarray]
    chances: list[np.ndarray]
    share_from_open: float
    history_deals: int

    @property
    def deals(self) -> int:
        return int(sum(v.size for v in self.values))

    @property
    def expected(self) -> np.ndarray:
        """Each rep's expected value from its open deals, sum_j p_j a_j."""
        return np.array([float(np.dot(v, p)) for v, p in zip(self.values, self.chances, strict=True)])

    def remainder(self, predictive: PredictiveDistribution, share: npt.ArrayLike,
                  effect: TeamEffect | None = None, *, seed: int = 0) -> PipelineRemainder:
        """The law of the rest of the period with these open deals (:func:`remainder_with_pipeline`)."""
        return remainder_with_pipeline(predictive, share, effect, self.values, self.chances,
                                       self.share_from_open, seed=seed)


def without_reps(evidence: PipelineEvidence | None, gone: npt.ArrayLike) -> PipelineEvidence | None:
    """``evidence`` with no open deal for the reps ``gone`` marks (a rep who left wins none of theirs: the
    CRM hands them to someone else, or they go stale).

    >>> ev = PipelineEvidence([np.array([5.0, 7.0]), np.array([3.0])], [np.array([0.5, 0.5]), np.array([1.0])], 0.8, 40)
    >>> without_reps(ev, [True, False]).expected.tolist()
    [0.0, 3.0]
    """
    gone = np.asarray(gone, dtype=bool)
    if evidence is None or not gone.any():
        return evidence
    return dataclasses.replace(evidence, values=[v[:0] if g else v for v, g in zip(evidence.values, gone, strict=True)],
                               chances=[p[:0] if g else p for p, g in zip(evidence.chances, gone, strict=True)])


def pipeline_evidence(conn: duckdb.DuckDBPyConnection, metric: str, period: Period, day: date,
                      reps: npt.ArrayLike, *, n_periods: int = HISTORY_PERIODS,
                      coverage: DataCoverage | None = None) -> PipelineEvidence | None:
    """The reps' open pipeline on ``day`` of ``period`` with chances estimated on the same point of
    past periods; None when the metric is not made by won deals, the data has no pipeline, ``day``
    is outside the period, or no past period had open deals at that point."""
    if deal_value_sql(metric) is None or not period.start <= day < period.end:
        return None
    cov = coverage or data_coverage(conn)
    if not has_pipeline(cov):
        return None
    points = comparable_points(period, day, n_periods)
    history = open_deal_history(conn, metric, points)
    share = pipeline_share(remainder_split(conn, metric, points))
    if history.empty or not np.isfinite(share):
        return None
    now = open_deals_at(conn, metric, day)
    # the time of year: the same quarter or month of past years against what the pooled chances expect there
    slot_points = within_data(same_slot_points(period, day), cov.closed_deals.first)
    seasonal = slot_ratio(history, open_deal_history(conn, metric, slot_points))
    # the rep's own rate also from the quarter's other month that is not its end (sibling_points)
    siblings = sibling_points(period, day, n_periods)
    rep_history = [open_deal_history(conn, metric, siblings)] if siblings else []
    chance = deal_win_chances(history, now, rep_history=rep_history)
    values, chances = open_deal_lists(now, reps, np.clip(chance * seasonal, 0.0, MAX_CHANCE))
    return PipelineEvidence(values, chances, share, int(len(history)))
