"""What data exists: which kinds and fields were imported, and from when to when they cover.

One notion of coverage drives every page, the CLI and the exports: a metric whose rows are absent is
not offered as if it were zero, a cause the data cannot show is not named, and a period that runs
past the data's last day says so. :func:`data_coverage` reads it in one query;
:class:`DataCoverage` answers the questions pages ask (``has_activities``, ``has(metric)``,
``runs_past(period)``) and shows itself as a ``.summary`` DataFrame.

An orders-only export (won deals by close date, nothing else) has deals but no activities, no
created dates and no lost or open deals: win rates would read 100% and calls 0, so both are absent.

Example
-------
>>> from analytics import store
>>> conn = store.connect(":memory:")
>>> cov = data_coverage(conn)
>>> cov.has_deals, cov.has_activities, cov.has("revenue"), cov.data_ends is None
(False, False, False, True)
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date

import duckdb
import pandas as pd

from analytics import formatting, quoting
from analytics.coverage_notes import (
    created_start_note,
    idle_roster_note,
    lone_activities_note,
    split_names_note,
)
from analytics.data_gaps import DataGap, data_gaps
from analytics.formatting import day_words
from analytics.importing.rep_spellings import lone_activity_reps, spelling_groups, stored_names
from analytics.left_truncation import (
    HistoryStart,
    complete_from_sql,
    created_complete_from_sql,
    first_created_sql,
)
from analytics.metric_registry import ACTIVITY_TYPES, CLOSED_BY_OUTCOME, REGISTRY, resolve_metric
from analytics.metrics import idle_roster_reps
from analytics.periods import Period
from analytics.roster_bounds import OutsideRoster, outside_roster_note, records_outside_roster


@dataclass(frozen=True)
class Span:
    """Rows of one kind of data and the first and last day they cover (None without rows)."""

    rows: int
    first: date | None
    last: date | None

    @property
    def exists(self) -> bool:
        return self.rows > 0


_NONE = Span(0, None, None)

# Metrics that need more than their own rows: a win rate or a count of closed deals from won deals
# alone reads 100% / "deals won", so they need lost deals (an outcome or stage column).
_NEEDS_LOST = frozenset({"win_rate", "closed_deals"})
# Metrics of won deals: with none won (every stage read as open or lost) they are no figure to calibrate,
# not a zero for every rep.
_NEEDS_WON = frozenset({"revenue", "deals", "avg_deal_size"})
# The pipeline's value is the amounts of the deals created, lost ones too: an export that zeroes a lost deal's amount
# (and leaves an open one's blank) gives the won ones' alone, won revenue by created date under another name.
_NEEDS_LOST_AMOUNTS = frozenset({"pipeline"})
# Deals created are opportunities only with the ones that did not win: an export of won deals counts its wins again.
_NEEDS_NOT_WON = frozenset({"pipeline", "opportunities"})
LOST_VALUED_SHARE = 0.5  # lost deals with an amount, of all lost: fewer and their amounts are not the export's
STAGES_SHOWN = 5  # stages a "none won" message names, the most deals first


_FUNNEL_NEEDS = {  # a funnel count or rate: the kinds of data it is made of (won deals always exist)
    "calls": ("calls",), "emails": ("emails",), "meetings": ("meetings",), "demos": ("demos",),
    "proposals": ("proposals",), "opportunities": ("opportunities",),
    "call_to_meeting": ("calls", "meetings"), "meeting_to_demo": ("meetings", "demos"),
    "demo_to_opportunity": ("demos", "opportunities"), "win_rate": ("lost",), "closed": ("lost",),
    "lost": ("lost",),
}


@dataclass(frozen=True)
class DataCoverage:
    """Which kinds and fields of data exist and the days they cover.

    ``closed_deals``: won or lost deals with a close date (by close date); ``won`` / ``lost`` /
    ``open_deals``: deals by outcome; ``created``: deals with a created date (by created date);
    ``staged``: deals with a CRM stage filled; ``activities``: per activity type (by activity date);
    ``roster``: reps in the roster; ``quotas``: CRM quotas (by period start and end);
    ``metrics``: per metric name, whether its rows exist; ``lone_activities``: activity rows whose rep
    owns no deal and is not in the roster (``lone_reps``: the first of those reps, the most rows first);
    ``split_names``: the spellings of one name stored as different reps ('Ann Lee', 'ANN LEE');
    ``stages``: the stored deals' stages and their deals, the most deals first (the first
    :data:`STAGES_SHOWN`; a deal without a stage as None).
    """

    closed_deals: Span = _NONE
    won: int = 0
    lost: int = 0
    open_deals: int = 0
    created: Span = _NONE
    staged: int = 0
    activities: dict[str, Span] = field(default_factory=dict)
    roster: int = 0
    quotas: Span = _NONE
    metric_rows: dict[str, int] = field(default_factory=dict)
    lone_activities: int = 0
    lone_reps: tuple[str, ...] = ()
    split_names: tuple[tuple[str, ...], ...] = ()
    idle_roster: tuple[str, ...] = ()
    """Roster reps with no deal and no activity at all, hired before the last 120 days (``metrics.idle_roster_reps``)."""
    outside_roster: tuple[OutsideRoster, ...] = ()
    """Roster reps' closes and activities dated outside their roster dates (:mod:`analytics.roster_bounds`)."""
    history_start: HistoryStart | None = None
    """Where the closed deals' history is complete from (:mod:`analytics.left_truncation`; None without deals)."""
    stages: tuple[tuple[str | None, int], ...] = ()
    created_complete_from: date | None = None
    """Where the deals created each day are complete from (``left_truncation.created_complete_from_sql``)."""
    lost_valued: int = 0
    """Lost deals with an amount other than 0."""
    gaps: tuple[DataGap, ...] = ()
    """Empty months inside the data's span (:mod:`analytics.data_gaps`): a piece of the export missing."""

    @property
    def deals_stored(self) -> int:
        """Deals of any outcome, open ones too."""
        return self.won + self.lost + self.open_deals

    # ----------------------------------------------------------------- predicates
    @property
    def has_deals(self) -> bool:
        return self.closed_deals.exists

    @property
    def has_activities(self) -> bool:
        return any(span.exists for span in self.activities.values())

    @property
    def has_created_dates(self) -> bool:
        return self.created.exists

    @property
    def has_stages(self) -> bool:
        """Lost or open deals or a stage column: without them every deal reads as won."""
        return self.lost > 0 or self.open_deals > 0 or self.staged > 0

    @property
    def has_lost_deals(self) -> bool:
        return self.lost > 0

    @property
    def has_roster(self) -> bool:
        return self.roster > 0

    @property
    def has_quotas(self) -> bool:
        return self.quotas.exists

    def has_activity(self, activity_type: str) -> bool:
        """Whether activities of one type (``call`` or ``calls``) were imported."""
        key = activity_type.rstrip("s") if activity_type.rstrip("s") in ACTIVITY_TYPES else activity_type
        return self.activities.get(key, _NONE).exists

    def has_funnel(self, column: str) -> bool:
        """Whether a funnel count or rate (``calls``, ``opportunities``, ``win_rate``,
        ``call_to_meeting``, ``avg_deal_size`` ...) is made only of imported data.

        >>> DataCoverage(won=3).has_funnel("win_rate"), DataCoverage(won=3).has_funnel("won")
        (False, True)
        """
        return all(self._has_kind(kind) for kind in _FUNNEL_NEEDS.get(column, ()))

    def _has_kind(self, kind: str) -> bool:
        if kind == "opportunities":     # (won deals alone are no opportunities: :data:`_NEEDS_NOT_WON`)
            return self.has_created_dates and self.has_lost_deals
        if kind == "lost":
            return self.has_lost_deals
        return self.has_activity(kind)

    def has(self, metric: str) -> bool:
        """Whether a metric (any name :func:`~analytics.metric_registry.resolve_metric` knows) has data."""
        m = resolve_metric(metric)
        if m.name in _NEEDS_LOST and not self.has_lost_deals:
            return False
        if m.name in _NEEDS_WON and not self.won:
            return False
        if m.name in _NEEDS_LOST_AMOUNTS and self.lost_valued < max(LOST_VALUED_SHARE * self.lost, 1):
            return False
        if m.name in _NEEDS_NOT_WON and not self.has_lost_deals:
            return False
        return self.metric_rows.get(m.name, 0) > 0

    def available_metrics(self) -> list[str]:
        """The metric names with data, in the registry's order."""
        return [name for name in REGISTRY if self.has(name)]

    def first_with_data(self, names: list[str]) -> int:
        """The place in ``names`` of the first metric with data (0 when none has): a metric box opens on a
        metric it can show (an export of activities alone opened on won revenue, and refused it)."""
        return next((i for i, name in enumerate(names) if self.has(name)), 0)

    def why_absent(self, metric: str) -> str | None:
        """Why a metric has no data, in the manager's words (None when it has data)."""
        m = resolve_metric(metric)
        if self.has(m.name):
            return None
        if m.table == "activities":
            return "no activities imported" if not self.has_activities else f"no {m.words} imported"
        if m.name in _NEEDS_NOT_WON and self.has_created_dates and not self.lost:
            return f"no lost deals imported: {m.words} would count the won deals alone"
        if m.name in _NEEDS_LOST_AMOUNTS and self.has_created_dates:
            return (f"{self.lost - self.lost_valued:,} of {self.lost:,} lost deals have no amount (0 or blank): the "
                    "pipeline's value is not in the export (Opportunities created counts the deals)")
        if m.date_column == "created_date":
            return "no created dates imported"
        if m.name in _NEEDS_LOST and self.has_deals:
            return ("no lost deals imported (every stage reads as won or open)" if self.staged else
                    "no lost deals imported (no stages or outcomes)")
        if m.table == "deals" and self.deals_stored:  # (deals exist: say which, not that there are none)
            none = "won" if m.name in _NEEDS_WON or self.has_deals else "won or lost"
            n = self.deals_stored
            return f"{formatting.count(n)} deal{'s' if n != 1 else ''} imported, none {none} ({self.stages_said()})"
        return "no deals imported"

    def absent_tag(self, metric: str) -> str:
        """What a metric box adds to the name of a metric without data: " (not imported)"; " (no amounts)" for a
        pipeline whose lost deals came without amounts, " (no lost deals)" for a win rate, deals closed or deals created."""
        if self.has(metric):
            return ""
        name = resolve_metric(metric).name
        if (name in _NEEDS_LOST or name in _NEEDS_NOT_WON and self.has_created_dates) and self.has_deals and not self.lost:
            return " (no lost deals)"
        lost_unvalued = name in _NEEDS_LOST_AMOUNTS and self.has_created_dates and self.lost
        return " (no amounts)" if lost_unvalued else " (not imported)"

    def stages_said(self) -> str:
        """The stored deals' stages in words, the most deals first.

        >>> DataCoverage(open_deals=5, stages=(("Offen", 4), (None, 1))).stages_said()
        "stages: 'Offen' 4, (no stage) 1"
        """
        shown = ", ".join(f"{'(no stage)' if stage is None else quoting.quoted(stage)} {formatting.count(n)}"
                          for stage, n in self.stages)
        more = ", ..." if self.deals_stored > sum(n for _, n in self.stages) else ""
        return f"stages: {shown}{more}"

    def history_start_note(self, metric: str) -> str | None:
        """Why a close-dated metric's history starts after its first close (the data begins with the deals
        created since a day: :mod:`analytics.left_truncation`), else None.

        >>> from analytics.left_truncation import HistoryStart
        >>> cut = HistoryStart(date(2026, 6, 15), date(2026, 9, 1), date(2026, 6, 22))
        >>> DataCoverage(history_start=cut).history_start_note("revenue")[:40]
        'History counted from 01 Sep 2026: your d'
        >>> DataCoverage(history_start=cut).history_start_note("pipeline") is None
        True
        """
        m = resolve_metric(metric)
        if m.table == "deals" and m.date_column == "created_date":
            return self._created_start_note()
        if not m.counts_deal_closes or self.history_start is None:
            return None
        return self.history_start.sentence or None

    def _created_start_note(self) -> str | None:
        """Why a created-dated metric's history starts after its first created deal (``created_start_note``)."""
        return created_start_note(self.created_complete_from, self.closed_deals.first, self.created.first)

    # ----------------------------------------------------------------- dates
    @property
    def data_ends(self) -> date | None:
        """The last day of closed deals or activities: what periods are measured up to."""
        lasts = [s.last for s in (self.closed_deals, *self.activities.values()) if s.last is not None]
        return max(lasts) if lasts else None

    @property
    def data_starts(self) -> date | None:
        firsts = [s.first for s in (self.closed_deals, *self.activities.values()) if s.first is not None]
        return min(firsts) if firsts else None

    def runs_past(self, period: Period) -> bool:
        """Whether ``period`` ends after the data's last day (so its late days are not measured yet)."""
        return self.data_ends is not None and period.end > self.data_ends

    def starts_after(self, period: Period) -> bool:
        """Whether ``period`` starts after the data's last day (nothing of it is measured)."""
        return self.data_ends is not None and period.start > self.data_ends

    @property
    def closes_counted_from(self) -> date | None:
        """The first day the won deals are counted from: the history's start when the export begins with the
        deals created since a day (:mod:`analytics.left_truncation`: the closes before it are only the quick
        ones), else the data's first day."""
        cut = self.history_start
        return cut.complete_from if cut is not None and cut.cut else self.data_starts

    def data_starts_note(self, period: Period) -> str | None:
        """"The data starts on 1 Mar 2017" (or "history counted from 20 Sep 2026", :attr:`closes_counted_from`)
        when ``period`` began more than :data:`PARTIAL_START_DAYS` before it and holds it (its total is of part
        of it), else None."""
        first = self.closes_counted_from
        if first is None or not period.start <= first <= period.end or (first - period.start).days <= PARTIAL_START_DAYS:
            return None
        if first != self.data_starts:
            return f"history counted from {day_words(first)}"
        return f"the data starts on {day_words(first)}"

    def data_ends_note(self, period: Period) -> str | None:
        """"The data ends on 30 Jun 2026" when ``period`` runs past it, else None."""
        if not self.runs_past(period):
            return None
        return f"the data ends on {day_words(self.data_ends)}"

    def absent_notes(self) -> list[str]:
        """Each kind of data that is absent, said once: what is hidden because of it."""
        notes = []
        if self.has_deals and not self.has_activities:
            notes.append("No activities imported: calls, meetings and other activity figures are not shown.")
        if self.has_deals and not self.has_created_dates:
            notes.append("No created dates imported: opportunities and pipeline created are not shown.")
        if self.has_deals and not self.has_stages:
            notes.append("No stages or lost deals imported: win rates and stage conversions are not shown.")
        elif self.has_deals and not self.has_lost_deals:   # (an export of won deals, their stage column kept)
            notes.append("No lost deals imported (every stage reads as won or open): win rates, deals closed, "
                         "opportunities and pipeline created are not shown.")
        if self.lone_activities and (self.has_deals or self.roster):
            notes.append(lone_activities_note(self.lone_activities, self.lone_reps))
        if self.idle_roster:
            notes.append(idle_roster_note(self.idle_roster))
        if outside := outside_roster_note(self.outside_roster):
            notes.append(outside)
        if self.split_names:
            notes.append(split_names_note(self.split_names))
        return notes

    def misses(self, metric: str) -> Callable[[Period], bool]:
        """Whether a period holds an empty month of ``metric``'s table (:attr:`gaps`): its total is not whole."""
        gaps = [g for g in self.gaps if g.table == resolve_metric(metric).table]
        return lambda period: any(g.overlaps(period) for g in gaps)

    def gap_notes(self, metric: str | None = None) -> list[str]:
        """The empty months inside the data's span (:attr:`gaps`), of ``metric``'s table alone when given: said
        where numbers are read from those months, as a warning (they are read as months without a sale)."""
        return [g.note for g in self.gaps if metric is None or g.table == resolve_metric(metric).table]

    @property
    def summary(self) -> pd.DataFrame:
        """One row per kind of data: whether it exists, its rows, first and last day."""
        rows = [("deals (closed)", self.closed_deals), ("deals with a created date", self.created),
                *((f"activities: {t}s", self.activities.get(t, _NONE)) for t in ACTIVITY_TYPES),
                ("quotas", self.quotas)]
        out = pd.DataFrame([{"data": name, "exists": span.exists, "rows": span.rows,
                             "first": span.first, "last": span.last} for name, span in rows])
        extra = pd.DataFrame([
            {"data": "lost deals", "exists": self.lost > 0, "rows": self.lost, "first": None, "last": None},
            {"data": "open deals", "exists": self.open_deals > 0, "rows": self.open_deals,
             "first": None, "last": None},
            {"data": "roster", "exists": self.roster > 0, "rows": self.roster, "first": None, "last": None},
        ])
        return pd.concat([out, extra], ignore_index=True)


PARTIAL_START_DAYS = 7   # a first period the data misses more days of is said to be partial


def _span(row: tuple) -> Span:
    n, first, last = row
    return Span(int(n or 0), first, last)


def data_coverage(conn: duckdb.DuckDBPyConnection) -> DataCoverage:
    """Read what data exists in one query (the deals, activities, reps and quotas tables)."""
    # The data's last day, as the panels take it (the latest close or activity): where the history start
    # of the closed deals is measured up to.
    last_close = "(SELECT max(close_date) FROM deals WHERE outcome IN ('won', 'lost'))"
    last_day = f"greatest({last_close}, (SELECT max(activity_date) FROM activities))"
    metric_cols = ", ".join(f"(SELECT count(*) FROM {m.table} WHERE {m.rows}) AS m_{m.name}"
                            for m in REGISTRY.values())
    row = conn.execute(f"""
        SELECT
          (SELECT count(*) FROM deals WHERE outcome IN ('won', 'lost') AND close_date IS NOT NULL),
          (SELECT min(close_date) FROM deals WHERE outcome IN ('won', 'lost')),
          {last_close},
          (SELECT count(*) FROM deals WHERE outcome = 'won'),
          (SELECT count(*) FROM deals WHERE outcome = 'lost'),
          (SELECT count(*) FROM deals WHERE outcome = 'open'),
          (SELECT count(*) FROM deals WHERE created_date IS NOT NULL),
          (SELECT min(created_date) FROM deals),
          (SELECT max(created_date) FROM deals),
          (SELECT count(*) FROM deals WHERE stage IS NOT NULL AND trim(stage) <> ''),
          (SELECT count(*) FROM reps),
          (SELECT count(*) FROM quotas), (SELECT min(period_start) FROM quotas),
          (SELECT max(period_end) FROM quotas),
          (SELECT list({{'type': type, 'n': n, 'first': first, 'last': last}}) FROM (
              SELECT type, count(*) AS n, min(activity_date) AS first, max(activity_date) AS last
              FROM activities GROUP BY type)),
          {complete_from_sql(CLOSED_BY_OUTCOME, last_day)},
          {first_created_sql(last_day)},
          {created_complete_from_sql(CLOSED_BY_OUTCOME, last_day)},
          (SELECT list([stage, n::VARCHAR]) FROM (SELECT nullif(trim(stage), '') AS stage, count(*) AS n FROM deals
              GROUP BY ALL ORDER BY n DESC, stage LIMIT {STAGES_SHOWN})),
          (SELECT count(*) FROM deals WHERE outcome = 'lost' AND amount <> 0),
          {metric_cols}
    """).fetchone()
    assert row is not None  # a SELECT without FROM always returns one row
    acts = {a["type"]: Span(int(a["n"]), a["first"], a["last"]) for a in (row[14] or [])}
    # Rep names the tables disagree on: the import's own check (analytics/importing/rep_spellings.py).
    names = stored_names(conn)
    lone = lone_activity_reps(names)
    return DataCoverage(
        closed_deals=_span(row[0:3]), won=int(row[3]), lost=int(row[4]), open_deals=int(row[5]),
        created=_span(row[6:9]), staged=int(row[9]), roster=int(row[10]), quotas=_span(row[11:14]),
        activities=acts, metric_rows={name: int(n) for name, n in zip(REGISTRY, row[20:], strict=True)},
        lone_activities=sum(n.rows["activities"] for n in lone), lone_reps=tuple(n.rep for n in lone[:10]),
        split_names=tuple(tuple(sorted(g)) for g in sorted(spelling_groups(names, written_only=False), key=sorted)),
        idle_roster=tuple(idle_roster_reps(conn)) if int(row[10]) else (),
        outside_roster=tuple(records_outside_roster(conn)) if int(row[10]) else (),
        history_start=HistoryStart(row[16], row[15], row[1], row[7]) if row[0] else None,
        stages=tuple((stage, int(n)) for stage, n in row[18] or []), created_complete_from=row[17],
        lost_valued=int(row[19]), gaps=data_gaps(conn))
