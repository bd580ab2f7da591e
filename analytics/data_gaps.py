"""Months the stored data are empty inside their own span: a piece of the export missing, not a quiet month.

A team that closes about 300 deals a month and closes none in March and April has not stopped selling: a yearly
file was not imported, an export was filtered, a CRM moved. Read as two months without a sale, such a hole
moves every rep's level, season and pipeline lead without a word (the sample with March-April 2026 cut out:
revenue's follow of the open pipeline read 0.23 for 0.90, the team's 80% range for December $1.61M-$3.82M for
$2.09M-$4.54M). A month is a gap when nothing of the kind (closed deals, activity rows) is dated in it, between
its first and last month, while the months with data hold at least :data:`MIN_TYPICAL` a month at the median:
a whole team of that size is without a close in a month by chance less than once in 20,000 (Poisson, mean 10);
and the months either side hold a quarter of a typical month at least (a deal dated years before the history,
a typo, leaves empty years that are no missing piece). Gaps are said, not modelled: they stay months of 0.

Example
-------
>>> import duckdb
>>> conn = duckdb.connect()
>>> _ = conn.execute("CREATE TABLE deals (close_date DATE, outcome VARCHAR)")
>>> _ = conn.execute("CREATE TABLE activities (activity_date DATE)")
>>> _ = conn.execute("INSERT INTO deals SELECT DATE '2025-01-01' + i::INTEGER, 'won' FROM range(365) t(i) "
...                  "WHERE month(DATE '2025-01-01' + i::INTEGER) NOT IN (5, 6)")
>>> [g.note for g in data_gaps(conn)]
['No deal closed in May–Jun 2025, between months of about 30 closed deals each: the export likely misses them (import them if so); until then they are read as months without a sale.']
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from statistics import median

import duckdb

from analytics.periods import Period

MIN_TYPICAL = 10   # closes (or activity rows) a month at the median: fewer, and an empty month can be real
NEIGHBOUR_SHARE = 0.25   # the months either side of a gap hold at least this share of the typical month

_SOURCES = {
    "deal": ("deals", "close_date", "outcome IN ('won', 'lost') AND close_date IS NOT NULL"),
    "activity": ("activities", "activity_date", "activity_date IS NOT NULL"),
}


@dataclass(frozen=True)
class DataGap:
    """A run of empty months: ``kind`` ("deal" or "activity"), its first and last month, the typical month."""

    kind: str
    first: date
    last: date
    typical: float

    @property
    def table(self) -> str:
        """The table the months are empty in (a metric's ``Metric.table``)."""
        return _SOURCES[self.kind][0]

    def overlaps(self, period: Period) -> bool:
        """Whether ``period`` holds one of the empty months (its total is not whole)."""
        return self.first <= period.end and self.last >= period.start

    @property
    def months(self) -> str:
        """``May–Jun 2025``, ``Dec 2025–Jan 2026``, ``Mar 2026``."""
        if self.first == self.last:
            return f"{self.first:%b %Y}"
        if self.first.year == self.last.year:
            return f"{self.first:%b}–{self.last:%b %Y}"
        return f"{self.first:%b %Y}–{self.last:%b %Y}"

    @property
    def note(self) -> str:
        """The sentence a page and the CLI say once."""
        one = self.first == self.last
        if self.kind == "deal":
            what, per = "No deal closed", "closed deals"
        else:
            what, per = "No activity logged", "activity rows"
        return (f"{what} in {self.months}, between months of about {self.typical:,.0f} {per} each: the export "
                f"likely misses {'it' if one else 'them'} (import {'it' if one else 'them'} if so); until then "
                f"{'it is read as a month' if one else 'they are read as months'} without "
                f"{'a sale' if self.kind == 'deal' else 'activity'}.")


def data_gaps(conn: duckdb.DuckDBPyConnection) -> tuple[DataGap, ...]:
    """The gaps of the closed deals and of the activities, oldest first within each."""
    return tuple(gap for kind in _SOURCES for gap in _gaps_of(conn, kind))


def _gaps_of(conn: duckdb.DuckDBPyConnection, kind: str) -> list[DataGap]:
    table, column, rows = _SOURCES[kind]
    months = conn.execute(f"""
        WITH m AS (SELECT date_trunc('month', {column})::DATE AS month, count(*) AS n FROM {table}
                   WHERE {rows} GROUP BY 1),
        span AS (SELECT min(month) AS lo, max(month) AS hi FROM m)
        SELECT g.month::DATE, coalesce(m.n, 0)
        FROM (SELECT unnest(generate_series(lo, hi, INTERVAL 1 MONTH)) AS month FROM span WHERE lo IS NOT NULL) g
        LEFT JOIN m ON m.month = g.month::DATE ORDER BY 1
    """).fetchall()
    # (the first and last months may be partial: not what a month typically holds; no numpy here, the import
    # command that says the gaps loads none)
    inner = [n for _, n in months[1:-1] if n > 0]
    if not inner:
        return []
    typical = float(median(inner))
    if typical < MIN_TYPICAL:
        return []
    gaps: list[DataGap] = []
    start: int | None = None
    for i, (_, n) in enumerate(months):
        if n == 0 and start is None:
            start = i
        if n == 0 and months[i + 1][1] > 0:     # (the last month has data: the span ends on it)
            assert start is not None
            # Between months of data, not after a stray row (a deal dated 1900 before the history of 2023).
            if min(months[start - 1][1], months[i + 1][1]) >= NEIGHBOUR_SHARE * typical:
                gaps.append(DataGap(kind, months[start][0], months[i][0], typical))
            start = None
    return gaps
