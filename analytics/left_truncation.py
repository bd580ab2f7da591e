"""Where a deals history begins: the first day its closes are complete (left truncation by created date).

An export cut by created date ("deals created since March"), or a CRM that holds only the deals
created since it was set up, has every deal created on or after its first created date d0. A deal
closing on day s is in the data only if it was created on or after d0, that is if its sales cycle
(created to close) is at most s - d0. So the first weeks after d0 hold only the quick closes: on the
bundled sample cut to five months by created date, every rep's median month was $0 and outcomes
beat it 95% of the time in the backtest. Such days are not a rep's performance; they are left out of
the history like days before the data begins.

Maths
-----
With F the distribution of the sales cycle of closed deals, the share of day s's closes the data
holds is F(s - d0). The history is taken from the first day on which that share reaches
:data:`COMPLETE_SHARE`: d0 + q, q the 90th percentile of F.

F is estimated from the closed deals themselves, which see only cycles that fit in the window
[d0, as_of]: a cycle c can be observed for deals created in the first W - c days of the W-day window,
so (with deals created at a steady rate) a deal of cycle c is seen in proportion to W - c. Each
observed cycle is weighted by 1 / (W - c) (Horvitz-Thompson), floored at W / 10 so a cycle as long
as the window does not take all the weight. On the sample cut to five months this gives q = 78 days
(the full history's: 87; the unweighted quantile of the cut: 61).

d0 is the first created date of the run of created dates that holds 99 in 100 deals
(:data:`STRAY_SHARE`, and all but :data:`STRAY_ROWS` at most) without a gap of more than
:data:`STRAY_GAP_DAYS` days: a record migrated from an older CRM, or a typo'd year, among thousands of
deals created since a day would otherwise put d0 years back and leave the cut undone (three deals of the
sample's cut to five months dated five years early made every rep's median month $0 again). The deals
before d0 still count; they only do not say where the data begins. (Not simply the 1st percentile of
created dates: in a close-dated export the early created dates are the long cycles' tail, and its 1st
percentile can fall within a cycle of the first close, cutting a history that is whole.)

A history cut by close date, or whose deals were created long before the first close, has d0 + q before
its first close: nothing changes (in a close-dated export the earliest created dates are the longest
cycles', so d0 is still a whole cycle before the first close). Without created dates there is nothing to
measure (orders exports): nothing changes either.

Example
-------
Deals created from 1 March, each closing 30, 60 or 90 days after it was created: the first closes
(31 March on) are the 30-day ones alone; the history starts once 9 in 10 of a day's closes can be in
the data (1 March + 90 days).

>>> import duckdb
>>> from analytics.metric_registry import CLOSED_ROWS
>>> conn = duckdb.connect()
>>> _ = conn.execute("CREATE TABLE deals (created_date DATE, close_date DATE, outcome VARCHAR)")
>>> _ = conn.execute("INSERT INTO deals SELECT DATE '2026-03-01' + i::INTEGER, DATE '2026-03-01' + (i + 30 + (i % 3) * 30)::INTEGER, "
...                  "'won' FROM range(200) t(i)")
>>> conn.execute("SELECT " + complete_from_sql(CLOSED_ROWS, "DATE '2026-12-31'")).fetchone()[0]
datetime.date(2026, 5, 30)
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

COMPLETE_SHARE = 0.9
"""The share of a day's closes the data must be able to hold for the day to count as history."""
STRAY_SHARE = 0.01
"""At most this share of the earliest created deals, set apart from the rest by a gap, is strays (module docs)."""
STRAY_ROWS = 1000
"""At most this many of the earliest created deals are strays, whatever their share."""
STRAY_GAP_DAYS = 90
"""Days without a deal created that set the earliest deals apart from the data's own start."""
LONGEST_WEIGHT_SHARE = 0.1
"""The floor of W - c, as a share of the window W: a cycle near the window's length weighs at most 10 W."""


def first_created_sql(as_of: str) -> str:
    """SQL of d0 over the deals created by the SQL day ``as_of``: the first created date after the last gap of
    more than :data:`STRAY_GAP_DAYS` days among the earliest :data:`STRAY_SHARE` of them, at most
    :data:`STRAY_ROWS` (the earliest created date when there is none). Only those earliest rows are sorted:
    a top-N read, 8 ms at 1.6 million deals where a quantile of all created dates took 14."""
    created = f"FROM deals WHERE created_date <= {as_of}"
    return f"""(SELECT coalesce(max(day) FILTER (WHERE gap > {STRAY_GAP_DAYS}
                                        AND k <= {STRAY_SHARE} * (SELECT count(*) {created}) + 1), min(day)) FROM (
        SELECT day, day - lag(day) OVER (ORDER BY day) AS gap, row_number() OVER (ORDER BY day) AS k
        FROM (SELECT created_date AS day {created} ORDER BY created_date LIMIT {STRAY_ROWS})))"""


def complete_from_sql(rows: str | Sequence[str], as_of: str) -> str:
    """SQL of the first day the closed deals of ``rows`` are complete to :data:`COMPLETE_SHARE` (a DATE,
    NULL without created dates), over the table ``deals`` up to the SQL day ``as_of``.

    ``rows`` may be given as disjoint conditions whose union it is (``CLOSED_BY_OUTCOME``): each is read
    apart, as the spans read the closed deals (DuckDB tests ``outcome = 'won'`` on the column's
    dictionary but ``outcome IN (...)`` row by row: 0.012 against 0.021 CPU s on 1.6 million deals)."""
    parts = (rows,) if isinstance(rows, str) else tuple(rows)
    closed = " UNION ALL ".join(f"SELECT close_date - created_date AS cycle FROM deals WHERE ({part}) "
                                f"AND close_date <= {as_of} AND created_date <= close_date" for part in parts)
    window = f"({as_of}::DATE - lt_start.d0)"
    # lt_start is read twice (the weights, the answer): materialized, d0's read runs once. The span scan at
    # 1.6 million deals took 51 ms so, 70 before d0 looked past strays (its plain min() was read twice too).
    return f"""(WITH lt_start AS MATERIALIZED (SELECT {first_created_sql(as_of)} AS d0),
        lt_cycles AS (SELECT cycle, count(*) AS n FROM ({closed}) GROUP BY ALL),
        lt_weights AS (SELECT cycle, n / greatest({window} - cycle, {LONGEST_WEIGHT_SHARE} * {window}, 1) AS w
                       FROM lt_cycles, lt_start),
        lt_shares AS (SELECT cycle, sum(w) OVER (ORDER BY cycle) / sum(w) OVER () AS share FROM lt_weights)
        SELECT (SELECT d0 FROM lt_start) + (min(cycle) FILTER (WHERE share >= {COMPLETE_SHARE}))::INTEGER
        FROM lt_shares)"""


def created_complete_from_sql(closed_rows: str | Sequence[str], as_of: str) -> str:
    """SQL of the first day the deals *created* each day are complete to :data:`COMPLETE_SHARE` (a DATE, NULL
    without closed deals), over the table ``deals`` up to the SQL day ``as_of``: the mirror of
    :func:`complete_from_sql`, for metrics counted on created dates (opportunities, pipeline created).

    An export cut by close date ("deals closed since October", with the deals still open) holds a deal
    created on day s before the first close c0 only if its cycle reached past c0: the share of day s's
    deals it holds is 1 - F(c0 - s). Those days read as a team making next to no opportunities (the
    sample: 2, 5, 9, 76, 181 a month before its usual 300), and the months after as 5-100x growth: the
    forecasts went from 0 to three times the outcome. The history is taken from the first day whose share
    reaches 9 in 10: c0 - q, q the 10th percentile of the closed deals' cycles. A CRM that holds every deal
    from its first has its first close a short cycle after its first created deal, so c0 - q is before
    it and nothing changes.

    ``closed_rows``: the closed deals' conditions (as :func:`complete_from_sql`)."""
    parts = (closed_rows,) if isinstance(closed_rows, str) else tuple(closed_rows)
    closed = " UNION ALL ".join(f"SELECT close_date, close_date - created_date AS cycle FROM deals WHERE ({part}) "
                                f"AND close_date <= {as_of} AND created_date <= close_date" for part in parts)
    return (f"(SELECT min(close_date) - (quantile_disc(cycle, {1 - COMPLETE_SHARE:.2f}))::INTEGER "
            f"FROM ({closed}))")


@dataclass(frozen=True)
class HistoryStart:
    """Where a close-dated metric's history begins, and why (:class:`analytics.coverage.DataCoverage` reads
    it with the rest of what data exists).

    ``first_created``: d0, the data's first created date but for strays (:func:`first_created_sql`);
    ``complete_from``: the day :func:`complete_from_sql` gives; ``first_close``: the first close.
    ``cut`` when complete_from is after the first close: the history then starts at complete_from.
    ``earliest_created``: the earliest created date of all, when a stray is earlier than d0."""

    first_created: date | None
    complete_from: date | None
    first_close: date | None
    earliest_created: date | None = None

    @property
    def cycle_days(self) -> int | None:
        """The sales cycle 9 in 10 closed deals are within (weighted as the module says)."""
        if self.complete_from is None or self.first_created is None:
            return None
        return (self.complete_from - self.first_created).days

    @property
    def cut(self) -> bool:
        return (self.complete_from is not None and self.first_close is not None
                and self.complete_from > self.first_close)

    @property
    def sentence(self) -> str:
        """Why the history starts where it does, for a page; empty when it was not cut."""
        if not self.cut:
            return ""
        begin = "(the first created date)"
        if (self.earliest_created is not None and self.first_created is not None
                and self.earliest_created < self.first_created):
            begin = (f"(a few were created before, the earliest on {self.earliest_created:%d %b %Y}, months apart from "
                     "the rest: too few to say the data begins then)")
        return (f"History counted from {self.complete_from:%d %b %Y}: your deals begin on {self.first_created:%d %b %Y} "
                f"{begin} and 9 in 10 deals take up to {self.cycle_days} days from created to "
                "close, so the closes before then are only the quick ones: those weeks are left out rather than read as a "
                "slow start.")
