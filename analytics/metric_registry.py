"""Every metric the product can calibrate, target, track and review, defined once.

A :class:`Metric` says what the number is (label, kind: money, count or rate), where it is read
(table, the date a row counts on, which rows) and how a rep's rows in any span of days make the
number (one SQL aggregate). The same aggregate, grouped three ways, gives

* the value per rep and period (:func:`analytics.metrics.rep_period_panel`),
* the value per rep over any days, such as a period to date (:func:`analytics.tracking_data.metric_to_date`),
* the team's value per day, for the within-period shape (:func:`analytics.tracking_data.metric_by_day`),

so a period's value and the same period "to date" on its last day cannot disagree. Pages, the CLI
and exports format a metric's values by its ``kind`` (:func:`analytics.formatting.value`).

Adding a metric is one edit: one entry in ``REGISTRY`` below. Names people type (``won``,
``Calls``, ``opportunity``) reach a metric through :func:`resolve_metric` and its ``aliases``.

Example
-------
>>> m = resolve_metric("Calls")
>>> m.name, m.kind, m.table
('call', 'count', 'activities')
>>> resolve_metric("won").name
'deals'
>>> resolve_metric("pipeline").kind
'money'
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from analytics.formatting import ValueKind
from analytics.left_truncation import complete_from_sql, created_complete_from_sql

ACTIVITY_TYPES = ("call", "email", "meeting", "demo", "proposal")
"""The activity types a metric can count (the importer's ``other`` is kept but never targeted)."""

CLOSED_OUTCOMES = ("won", "lost")
"""The outcomes of a closed deal."""
CLOSED_ROWS = f"outcome IN ({', '.join(repr(o) for o in CLOSED_OUTCOMES)}) AND close_date IS NOT NULL"
"""The deals that count on their close date: won or lost (a rep's closes are events of the rep's span too,
``analytics.metrics``, which tells a metric on exactly these rows by this text)."""
CLOSED_BY_OUTCOME = tuple(f"outcome = '{o}' AND close_date IS NOT NULL" for o in CLOSED_OUTCOMES)
"""``CLOSED_ROWS`` as one condition per outcome: disjoint, their union is ``CLOSED_ROWS``. Scans read the
closed deals by these: DuckDB tests an equality on the outcome column's dictionary and skips the rows
that fail it, but tests ``outcome IN (...)`` row by row (1 against 12 ms CPU on 1.6 million deals)."""
WON_ROWS = CLOSED_BY_OUTCOME[CLOSED_OUTCOMES.index("won")]
"""The won deals (``outcome = 'won' AND close_date IS NOT NULL``)."""
CREATED_ROWS = "created_date IS NOT NULL"
"""The deals that count on their created date (every deal with one; events of the rep's span too)."""
_WON = "count(*) FILTER (WHERE outcome = 'won')"
_DEALS_EXPORT = "from the CRM deals export"


@dataclass(frozen=True)
class Metric:
    """One metric: what it is, where its rows are, and the SQL aggregate that makes its value.

    ``rows`` is a SQL condition on ``table`` and ``value`` an aggregate over the rows that pass it
    (and fall in the days asked for, by ``date_column``). ``additive`` metrics add up across days
    and reps (to-date tracking, team totals); rates and averages do not, and a rep-period without
    rows is then missing (NULL) rather than zero. ``extra`` holds further aggregates a model needs
    beside the value, as (column, SQL) pairs (a win rate's wins and closed deals). ``funnel_stage`` is the funnel count the
    metric is made of: ``won`` for won revenue and won deals (an activity plan works back from the
    deals needed), the stage's own column for a volume (``calls``, ``opportunities``), None when no
    one stage makes it (pipeline amount, deals closed, rates, averages). ``value_rows`` (a metric that adds
    up, without ``extra``) narrows ``rows`` to those whose part of the value can differ from zero: the
    others add exactly 0 to any group, so a sum per rep and period may skip them (won revenue and won
    deals read the won deals alone, 0.4 of the closed; ``tests/test_one_scan.py`` checks that the rows
    left out add 0).
    """

    name: str
    label: str
    kind: ValueKind
    table: str
    date_column: str
    rows: str
    value: str
    measured: str
    additive: bool = True
    funnel_stage: str | None = None
    extra: tuple[tuple[str, str], ...] = ()
    aliases: tuple[str, ...] = ()
    value_rows: str | None = None

    @property
    def counts_deal_closes(self) -> bool:
        """Whether the metric counts deals on their close date (won revenue, deals won or closed, win rate,
        deal size): its history begins where closes are complete (:meth:`complete_from`)."""
        return (self.table, self.date_column) == ("deals", "close_date")

    @property
    def words(self) -> str:
        """The label inside a sentence: ``Won revenue`` -> ``won revenue``."""
        return self.label[:1].lower() + self.label[1:]

    @property
    def team_split_refusal(self) -> str | None:
        """Why a team number of this metric cannot be split across reps, or None when it can.

        A split gives each rep a share that adds up to the team's number; a rate or an average (win rate,
        average deal size) does not add up across reps, so its "shares" would be numbers no rep could
        reach ($560k of average deal size where deals run at $25k) and no team could be measured by.

        >>> REGISTRY["revenue"].team_split_refusal is None
        True
        >>> REGISTRY["avg_deal_size"].team_split_refusal
        "average deal size does not add up across reps (the team's is not the sum of the reps'): a team target cannot be split"
        """
        if self.additive:
            return None
        return (f"{self.words} does not add up across reps (the team's is not the sum of the reps'): "
                "a team target cannot be split")

    @property
    def target_refusal(self) -> str | None:
        """Why targets of this metric are not set and saved, or None when they are.

        A target set holds amounts and counts: a rate's target was rounded to a whole number (a rep's 37% saved
        as 0, refused as "a target of 0 is no target" for every rep). The rate enters the targets through the
        sales math (deals needed at the rep's win rate); its range is on Baselines.

        >>> REGISTRY["deals"].target_refusal is None
        True
        >>> REGISTRY["win_rate"].target_refusal
        "win rate targets are not set and saved: set targets on won revenue or deals won (the sales math turns them into deals at each rep's win rate), and read each rep's win rate range on Baselines"
        """
        if self.kind != "rate":
            return None
        return (f"{self.words} targets are not set and saved: set targets on won revenue or deals won (the sales "
                f"math turns them into deals at each rep's {self.words}), and read each rep's {self.words} range "
                "on Baselines")

    @property
    def empty_value(self) -> str:
        """SQL for a rep-period without rows: zero for what adds up, else missing."""
        return "0" if self.additive else "NULL"

    def aggregate_sql(self, keys: str, window: str) -> str:
        """``SELECT keys, value[, extra...]``: the metric per group of ``keys`` over rows in ``window``.

        ``keys`` are the group keys as a select list (``rep``, ``rep, <period start> AS period_start``,
        ``close_date AS day``); ``window`` is a SQL condition on ``date_column``.
        """
        extra = "".join(f", ({sql})::DOUBLE AS {column}" for column, sql in self.extra)
        return (f"SELECT {keys}, ({self.value})::DOUBLE AS value{extra} FROM {self.table} "
                f"WHERE ({self.rows}) AND ({window}) GROUP BY ALL")

    def inside_sql(self, bounds: str, first: str, last: str) -> str:
        """A condition on ``table``'s rows: the row's day is inside its rep's days counted, ``first`` .. ``last``
        of the rep's row in the CTE ``bounds`` (what every panel adds up: a period's value is its exposure's,
        and a quarter the sum of its months)."""
        return (f"EXISTS (SELECT 1 FROM {bounds} b WHERE b.rep = {self.table}.rep "
                f"AND {self.table}.{self.date_column} BETWEEN b.{first} AND b.{last})")

    def rows_sql(self, window: str) -> str:
        """``SELECT *`` of ``table``'s rows that make the metric and fall in ``window`` (a SQL condition on
        ``date_column``): for the closed deals, one scan per outcome (``CLOSED_BY_OUTCOME``)."""
        if self.table == "deals" and self.rows == CLOSED_ROWS:
            return " UNION ALL ".join(f"SELECT * FROM deals WHERE {rows} AND ({window})" for rows in CLOSED_BY_OUTCOME)
        return f"SELECT * FROM {self.table} WHERE ({self.rows}) AND ({window})"

    def summed_rows_sql(self, window: str) -> str:
        """:meth:`rows_sql`, or only the ``value_rows`` of a metric that adds up: what a sum per rep and
        period reads (a cell the skipped rows fall in alone is 0 either way, the empty value)."""
        if self.value_rows is None or not self.additive or self.extra:
            return self.rows_sql(window)
        return f"SELECT * FROM {self.table} WHERE ({self.value_rows}) AND ({window})"

    def coverage_sql(self, as_of: str) -> str:
        """SQL of the first day the metric's data cover (periods before it are not rows at all).

        Deals counted on their close date are covered from the first day their closes are complete
        (:mod:`analytics.left_truncation`: not before the data's first created date plus the usual cycle)."""
        first = f"(SELECT min({self.date_column}) FROM {self.table} WHERE ({self.rows}) AND {self.date_column} <= {as_of})"
        return self.complete_from(first, as_of)

    def complete_from(self, first_day_sql: str, as_of: str) -> str:
        """``first_day_sql`` (the first row's day), moved on to the day a close-dated deals history is
        complete from (:func:`analytics.left_truncation.complete_from_sql`) when that is later; for deals
        counted on their created date, the day the created deals are (a history cut by close date:
        :func:`analytics.left_truncation.created_complete_from_sql`)."""
        if self.table == "deals" and self.date_column == "created_date":
            return f"greatest({first_day_sql}, {created_complete_from_sql(CLOSED_BY_OUTCOME, as_of)})"
        if not self.counts_deal_closes:
            return first_day_sql
        rows = CLOSED_BY_OUTCOME if self.rows == CLOSED_ROWS else self.rows
        return f"greatest({first_day_sql}, {complete_from_sql(rows, as_of)})"


def _closed_deals(name: str, label: str, kind: ValueKind, value: str, measured: str, **more: Any) -> Metric:
    return Metric(name, label, kind, "deals", "close_date", CLOSED_ROWS, value, measured, **more)


def _created_deals(name: str, label: str, kind: ValueKind, value: str, measured: str, **more: Any) -> Metric:
    return Metric(name, label, kind, "deals", "created_date", CREATED_ROWS, value, measured, **more)


def _activity(kind_of_activity: str) -> Metric:
    plural = f"{kind_of_activity}s"
    return Metric(kind_of_activity, plural.capitalize(), "count", "activities", "activity_date",
                  f"type = '{kind_of_activity}'", "sum(count)",
                  f"number of {plural} logged, by activity date, from the CRM activities export",
                  funnel_stage=plural, aliases=(plural,))


REGISTRY: dict[str, Metric] = {m.name: m for m in (
    _closed_deals("revenue", "Won revenue", "money",
                  "sum(CASE WHEN outcome = 'won' THEN coalesce(amount, 0) ELSE 0 END)",
                  f"won amount by close date, {_DEALS_EXPORT}", funnel_stage="won", value_rows=WON_ROWS),
    _closed_deals("deals", "Deals won", "count", _WON, f"number of deals won, by close date, {_DEALS_EXPORT}",
                  funnel_stage="won", aliases=("won", "won_deals", "deals_won", "deal", "win", "wins"),
                  value_rows=WON_ROWS),
    _closed_deals("closed_deals", "Deals closed", "count", "count(*)",
                  f"number of deals closed (won or lost), by close date, {_DEALS_EXPORT}"),
    _closed_deals("win_rate", "Win rate", "rate", f"{_WON} / count(*)",
                  f"deals won / deals closed, by close date, {_DEALS_EXPORT}",
                  additive=False, extra=(("won", _WON), ("closed", "count(*)"))),
    _closed_deals("avg_deal_size", "Average deal size", "money",
                  f"sum(amount) FILTER (WHERE outcome = 'won') / nullif({_WON}, 0)",
                  f"average won amount per won deal, by close date, {_DEALS_EXPORT}", additive=False),
    _created_deals("pipeline", "Pipeline created", "money", "sum(coalesce(amount, 0))",
                   f"amount of new opportunities, by created date, {_DEALS_EXPORT}"),
    *(_activity(t) for t in ACTIVITY_TYPES),
    _created_deals("opportunities", "Opportunities created", "count", "count(*)",
                   f"number of new opportunities, by created date, {_DEALS_EXPORT}",
                   funnel_stage="opportunities", aliases=("opportunity",)),
)}
"""Every metric by its name, in the order pages offer them."""

_BY_NAME = {key: m for m in REGISTRY.values() for key in (m.name, *m.aliases)}


def resolve_metric(name: str) -> Metric:
    """The metric a name means: its own name or an alias, any case, spaces or hyphens for ``_``.

    Raises ``ValueError`` naming the metrics there are.
    """
    key = str(name).strip().lower().replace(" ", "_").replace("-", "_")
    try:
        return _BY_NAME[key]
    except KeyError:
        raise ValueError(f"unknown metric {name!r}; choose one of {', '.join(REGISTRY)}") from None


def metric_kind(name: str) -> ValueKind:
    """``"money"``, ``"count"`` or ``"rate"``; raises ``ValueError`` for an unknown metric."""
    return resolve_metric(name).kind
