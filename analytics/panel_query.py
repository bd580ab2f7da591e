"""The rep x period panel read straight into arrays: two small queries and numpy (the fast path).

:func:`analytics.metrics.rep_period_panel` builds the whole grid of active rep-periods in SQL (a
row per rep and period, zeros included) and :func:`analytics.panel_arrays.build_arrays` pivots it
back into arrays. At 10,000 reps x 36 months that grid, its join and its frame cost most of a
calibration. Here DuckDB only does what needs the rows: each rep's span (one row per rep,
:func:`analytics.metrics.span_scan`: the one definition of "active", read with the data's last day and
the metric's first in one statement) and the metric per rep and period where the rep had rows; the
grid of active periods, exposures and tenures is arithmetic on the spans. The result is the same panel: ``tests/test_panel_query.py`` compares both routes on every
test company, grain and kind of metric, and :meth:`PanelRead.frame` gives the same frame as
``rep_period_panel``. A quarter summed from months needs both panels: ``read_panel(..., monthly=True)``
reads the spans and the monthly sums once for the two.

Example
-------
Ann closed two deals in 2026-Q1 and none in Q2 (a zero, as she is still active); Bo started in Q2,
which has not ended on the data's as-of date:

>>> from analytics import store
>>> conn = store.connect(":memory:")
>>> _ = conn.execute("INSERT INTO deals (deal_id, rep, close_date, amount, outcome, import_id) VALUES "
...                  "('d1', 'Ann', DATE '2026-01-20', 1200, 'won', 1), ('d2', 'Ann', DATE '2026-02-03', 800, 'won', 1), "
...                  "('d3', 'Bo', DATE '2026-04-09', 500, 'won', 1)")
>>> read = read_panel(conn, "revenue", "quarter")
>>> read.arrays.reps.tolist(), [p.label for p in read.arrays.periods], read.arrays.complete.tolist()
(['Ann', 'Bo'], ['2026-Q1', '2026-Q2'], [True, False])
>>> read.arrays.y.tolist()          # the incomplete quarter is not an outcome yet
[[2000.0, nan], [nan, nan]]
>>> print(read.frame()[["rep", "period_label", "value", "complete"]].to_string(index=False))
rep period_label  value  complete
Ann      2026-Q1 2000.0      True
Ann      2026-Q2    0.0     False
 Bo      2026-Q2  500.0     False
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date

import duckdb
import numpy as np
import pandas as pd

from analytics import metrics, store
from analytics.metric_registry import Metric, resolve_metric
from analytics.panel_arrays import OPEN_DEALS, PanelArrays
from analytics.periods import MONTHS_PER, period_of
from analytics.pipeline_lead import OPEN_MONTHS
from analytics.scope import Scope

TENURE_MONTH_DAYS = 30.4375


@dataclass(frozen=True)
class PanelRead:
    """A metric's panel as arrays, with what the frame form and the forecast set need.

    ``arrays`` is what :func:`~analytics.panel_arrays.build_arrays` makes of the frame (outcomes of
    incomplete periods are NaN there); ``value``/``exposure_days`` keep every active cell, the
    incomplete period included, for :meth:`frame`; ``spans`` is ``metrics.rep_spans`` (every rep,
    for the reps to forecast)."""

    arrays: PanelArrays
    value: np.ndarray
    exposure_days: np.ndarray
    extra: dict[str, np.ndarray]
    spans: pd.DataFrame
    as_of: date | None = None
    """The data's last day the panel was read up to (None: no data)."""
    months: PanelRead | None = None
    """The monthly panel read with this quarterly one (``read_panel(..., monthly=True)``), else None."""
    first_day: date | None = None
    """The metric's first day of data (``metrics.SpanScan.first_day``; None: no data)."""

    def only(self, scope: Scope) -> PanelRead:
        """This panel for ``scope``'s reps alone (their rows and spans; periods as they were)."""
        if scope.kind == "all":
            return self
        rows = np.flatnonzero([scope.allows(r) for r in self.arrays.reps])
        spans = self.spans[self.spans["rep"].map(scope.allows)] if not self.spans.empty else self.spans
        return PanelRead(self.arrays.subset(rows), self.value[rows], self.exposure_days[rows],
                         {name: grid[rows] for name, grid in self.extra.items()}, spans.reset_index(drop=True),
                         self.as_of, None if self.months is None else self.months.only(scope), self.first_day)

    def frame(self) -> pd.DataFrame:
        """The panel as ``metrics.rep_period_panel`` returns it (one row per active rep-period)."""
        a = self.arrays
        columns = ["rep", "period_start", "period_label", "value", "exposure_days", "tenure_months",
                   "complete", "team", *self.extra]
        if not a.periods:
            return pd.DataFrame(columns=columns)
        r, c = np.nonzero(np.isfinite(a.expfrac))
        starts = np.array([p.start for p in a.periods], dtype=object)
        labels = np.array([p.label for p in a.periods], dtype=object)
        out = pd.DataFrame({"rep": a.reps[r], "period_start": starts[c], "period_label": labels[c],
                            "value": self.value[r, c], "exposure_days": self.exposure_days[r, c].astype(np.int32),
                            "tenure_months": a.tenure[r, c], "complete": a.complete[c], "team": a.teams[r]})
        for name, grid in self.extra.items():
            out[name] = grid[r, c].astype(np.int64)
        return out[columns]


def read_panel(conn: duckdb.DuckDBPyConnection, metric: str, grain: str, *, fiscal_start_month: int | None = None,
               as_of: date | None = None, monthly: bool = False, open_deals: bool = True) -> PanelRead:
    """``metrics.rep_period_panel`` of ``metric`` as arrays (see the module's docstring).

    ``monthly`` (with the quarterly ``grain``): the monthly panel of the same data too, as
    :attr:`PanelRead.months`, from the same read of the spans and, for a metric that adds up, of the
    sums: those are read by month once and added up into quarters (equal to the quarters' own sums up
    to the order of the additions; ``tests/test_panel_query.py``). ``open_deals``: each rep's deals open at
    each period's end too, for a metric the pipeline leads (``arrays.extra[OPEN_DEALS]``: the fit's
    :mod:`analytics.pipeline_lead`); a read for anything but a fit can leave them (a read of every deal).
    """
    definition = resolve_metric(metric)
    fsm = fiscal_start_month or store.fiscal_year_start_month(conn)
    grains = (grain, "month") if monthly and grain != "month" else (grain,)
    extra_names = [column for column, _ in definition.extra]
    # The spans, the data's last day (as_of None) and the metric's first day from one statement.
    scan = metrics.span_scan(conn, definition.name, as_of=as_of)
    if scan.as_of is None:
        return _empty(grains, fsm, extra_names, pd.DataFrame())
    as_of, spans, coverage_start = scan.as_of, scan.spans, scan.first_day
    reps = _panel_reps(spans, coverage_start) if coverage_start is not None and not spans.empty else None
    if reps is None:
        return _empty(grains, fsm, extra_names, spans, as_of)
    # Quarters added up from months only where a quarter's value is the sum of its months'.
    fold = len(grains) > 1 and definition.additive and not definition.extra
    # On a cursor of its own: the registered frame is seen by these queries only (the dashboard's threads
    # share one connection).
    cursor = conn.cursor()
    # Row numbers as 32-bit integers: DuckDB's groups on (row, month) cost 6% less CPU than on 64-bit ones.
    cursor.register("panel_query_reps",
                    pd.DataFrame({"rep": reps.names, "row": np.arange(reps.names.size, dtype=np.int32),
                                  "from_date": reps.from_date, "span_end": reps.span_end}))
    try:
        sums = {g: _read_sums(cursor, definition, g, fsm, as_of) for g in (("month",) if fold else grains)}
        pipeline = _open_deal_months(cursor, as_of) if open_deals and _leads(definition) else None
    finally:
        cursor.close()
    reads = [_panel(definition, g, fsm, as_of, reps, spans, sums["month" if fold else g], summed=fold and g != "month",
                    pipeline=pipeline)
             for g in grains]
    reads = [replace(read, first_day=coverage_start) for read in reads]
    return replace(reads[0], months=reads[1]) if len(reads) > 1 else reads[0]


@dataclass(frozen=True)
class _PanelReps:
    """The reps with a span to count zeros in, sorted, with their days (``datetime64[D]``)."""

    names: np.ndarray
    teams: np.ndarray
    span_start: np.ndarray
    span_end: np.ndarray
    from_date: np.ndarray
    """The first day counted: the span's start, or the metric's first day of data when later."""
    tenure_start: np.ndarray


def _panel_reps(spans: pd.DataFrame, coverage_start: date) -> _PanelReps | None:
    """The reps of ``spans`` active on or after ``coverage_start`` (None: none)."""
    span_start = _days(spans["span_start"])
    span_end = _days(spans["span_end"])
    from_date = np.maximum(span_start, np.datetime64(coverage_start, "D"))
    # A roster rep with no start date and no deal or activity has no span to count zeros in.
    keep = ~np.isnat(span_start) & ~np.isnat(span_end) & (span_end >= from_date)
    if not keep.any():
        return None
    names = spans["rep"].to_numpy(object)[keep]
    order = np.argsort(names.astype(str), kind="stable")
    return _PanelReps(names[order], spans["team"].to_numpy(object)[keep][order], span_start[keep][order],
                      span_end[keep][order], from_date[keep][order], _days(spans["tenure_start"])[keep][order])


def _read_sums(cursor: duckdb.DuckDBPyConnection, definition: Metric, grain: str, fsm: int,
               as_of: date) -> dict[str, np.ndarray]:
    """The metric per rep (``row``, in the registered ``panel_query_reps``) and period (``month_number``: its
    first month, counted from 1970-01) where the rep had rows: integers and floats, no strings or dates.

    Only a rep's rows inside the days counted (``from_date`` .. ``span_end``) add up: a period's value is its
    exposure's, and a quarter is the sum of its months (a row before a hire's start in the quarter's first
    month would count in the quarter and in no month). The rows are joined to the reps before they are grouped, so DuckDB groups on two integers instead of
    a rep's name and a date (a quarter less CPU at 10,000 reps); a row of a rep not in the panel is dropped
    either way. A metric that adds up reads only the rows that can add to it (``Metric.summed_rows_sql``:
    won revenue the won deals, half the CPU of reading every closed deal)."""
    extra = "".join(f", ({sql})::DOUBLE AS {column}" for column, sql in definition.extra)
    return cursor.execute(f"""
        SELECT r.row, {_period_month_sql(definition.date_column, grain, fsm)} AS month_number,
               ({definition.value})::DOUBLE AS value{extra}
        FROM ({definition.summed_rows_sql(f"{definition.date_column} <= $as_of")}) JOIN panel_query_reps r USING (rep)
        WHERE {definition.date_column} BETWEEN r.from_date::DATE AND r.span_end::DATE
        GROUP BY ALL""",
                          {"as_of": as_of}).fetchnumpy()


def _leads(definition: Metric) -> bool:
    """Whether the open pipeline leads ``definition`` (money or deals counted on deals' close dates: won
    revenue, deals won or closed)."""
    return definition.counts_deal_closes and definition.kind in ("money", "count") and definition.additive


NEVER_CLOSED = 2**31 - 1   # the ``closed`` month of a deal still open (an INTEGER no month reaches)


def _open_deal_months(cursor: duckdb.DuckDBPyConnection, as_of: date) -> dict[str, np.ndarray]:
    """One row per deal created on or before ``as_of`` of a rep of the registered ``panel_query_reps``: its
    ``row``, the month it was created (``opened``, months since 1970-01) and, won or lost, the month it
    closed (``closed``; :data:`NEVER_CLOSED` while open: no NULL, so no masked array to fill).

    Read deal by deal and counted in numpy (:func:`_open_at_period_ends`): grouping the opens and ends by
    rep and month in SQL cost four times the CPU (0.21 against 0.051 s on 1.6 million deals)."""
    return cursor.execute(f"""
        SELECT r.row, {_period_month_sql("created_date", "month", 1)} AS opened,
               coalesce(CASE WHEN outcome = 'won' OR outcome = 'lost' THEN {_period_month_sql("close_date", "month", 1)}
                             END, {NEVER_CLOSED}) AS closed
        FROM deals JOIN panel_query_reps r USING (rep) WHERE created_date <= $as_of""", {"as_of": as_of}).fetchnumpy()


def _open_at_period_ends(deals: dict[str, np.ndarray], n_reps: int, first_months: np.ndarray,
                         months: int) -> np.ndarray:
    """Each rep's deals open at the end of each period (its first month in ``first_months``, ``months``
    long), (n_reps, periods), from :func:`_open_deal_months`: created in or before the period's last month,
    neither won or lost by its end nor created :data:`~analytics.pipeline_lead.OPEN_MONTHS` months or more
    before it. A deal closed in a month before the one it was created in is left out."""
    ends = first_months + months - 1
    rows = np.asarray(deals["row"], dtype=np.int32)
    if rows.size == 0:
        return np.zeros((n_reps, ends.size))
    opened = np.asarray(deals["opened"], dtype=np.int32)
    closed = np.asarray(deals["closed"], dtype=np.int32)
    first, last = min(int(opened.min()), int(ends.min())), int(ends.max())
    span = last - first + 1
    ended = np.minimum(closed, opened + OPEN_MONTHS)
    # Each deal +1 in its rep's row at the month it opened, -1 at the month it ended (flat cells), added at once.
    sound = closed >= opened
    rows_span = rows * np.int32(span) - np.int32(first)
    cells = np.concatenate([(rows_span + opened)[sound & (opened <= last)], (rows_span + ended)[sound & (ended <= last)]])
    signs = np.concatenate([np.ones(int(np.count_nonzero(sound & (opened <= last)))),
                            -np.ones(int(np.count_nonzero(sound & (ended <= last))))])
    moves = np.bincount(cells, weights=signs, minlength=n_reps * span).reshape(n_reps, span)
    return np.cumsum(moves, axis=1)[:, ends - first]


def _panel(definition: Metric, grain: str, fsm: int, as_of: date, reps: _PanelReps, spans: pd.DataFrame,
           sums: dict[str, np.ndarray], *, summed: bool, pipeline: dict[str, np.ndarray] | None = None) -> PanelRead:
    """The panel at ``grain`` from the reps' spans and ``sums`` (:func:`_read_sums`, at ``grain``; by month
    when ``summed``, added up here into the periods of ``grain``)."""
    months = MONTHS_PER[grain]
    first_col = _period_month(reps.from_date, grain, fsm)
    last_col = _period_month(reps.span_end, grain, fsm)
    base = int(first_col.min())
    first_col, last_col = (first_col - base) // months, (last_col - base) // months
    n_r, n_t = reps.names.size, int(last_col.max()) + 1
    cols = np.arange(n_t)
    active = (cols[None, :] >= first_col[:, None]) & (cols[None, :] <= last_col[:, None])
    starts_m = (base + cols * months).astype("datetime64[M]")
    p_start = starts_m.astype("datetime64[D]")
    p_end = (starts_m + months).astype("datetime64[D]") - np.timedelta64(1, "D")
    inactive = ~active
    # Whole days as floats (exact): the grids' arithmetic without numpy's NaT checks of datetime64.
    start_day, end_day = _day_numbers(p_start), _day_numbers(p_end)
    # Days from the first day counted (``from_date``): a period the data begin inside of (activities from the
    # last day of a quarter, closes complete from the 5th of a month) is that part of a period, not a whole
    # period of almost nothing.
    exposure = (np.minimum(end_day[None, :], _day_numbers(reps.span_end)[:, None])
                - np.maximum(start_day[None, :], _day_numbers(reps.from_date)[:, None])) + 1
    exposure[inactive] = np.nan
    # An unknown tenure start is NaN, and stays NaN through np.maximum.
    tenure = np.maximum(start_day[None, :] - _day_numbers(reps.tenure_start)[:, None], 0) / TENURE_MONTH_DAYS
    tenure[inactive] = np.nan
    complete = np.asarray((p_end <= np.datetime64(as_of, "D")) & active.any(axis=0), dtype=bool)

    # Each sum's cell as one index into the (row-major) grids.
    col = (_start_month(np.asarray(sums["month_number"], dtype=np.int64), grain, fsm) - base) // months
    cell = np.asarray(sums["row"], dtype=np.int64) * n_t + col
    hit = (col >= 0) & (col < n_t)
    hit[hit] = active.ravel()[cell[hit]]
    cell = cell[hit]
    values = _masked_float(sums["value"])[hit]
    if summed:      # several months to a cell: added up (the metric adds up, so inactive cells stay 0)
        value = np.bincount(cell, values, n_r * n_t).reshape(n_r, n_t)
    else:
        value = np.full((n_r, n_t), 0.0 if definition.additive else np.nan)
        np.put(value, cell, values)
    value[inactive] = np.nan
    extra = {}
    for name, _ in definition.extra:
        grid = np.zeros((n_r, n_t))
        grid[inactive] = np.nan
        np.put(grid, cell, np.nan_to_num(_masked_float(sums[name])[hit], nan=0.0))
        extra[name] = grid

    p0 = period_of(p_start[0].astype(date), grain, fsm)
    periods = [p0.next(k) for k in range(n_t)]
    days = np.array([p.days for p in periods], dtype=float)
    y = value.copy()
    y[:, ~complete] = np.nan
    arrays = PanelArrays(reps=reps.names, teams=reps.teams, periods=periods, y=y, expfrac=exposure / days[None, :],
                         tenure=tenure, complete=complete, grain=grain, fiscal_start_month=fsm)
    arrays.extra["active"] = active & complete[None, :]
    if pipeline is not None:
        open_deals = _open_at_period_ends(pipeline, n_r, base + cols * months, months)
        open_deals[inactive] = np.nan
        arrays.extra[OPEN_DEALS] = open_deals
    if "won" in extra:
        arrays.won, arrays.closed = extra["won"], extra["closed"]
    return PanelRead(arrays, value, exposure, extra, spans, as_of)


def company_panel(conn: duckdb.DuckDBPyConnection, metric: str, grain: str, *,
                  fiscal_start_month: int | None = None, as_of: date | None = None, monthly: bool = False) -> PanelRead:
    """:func:`read_panel` over every rep of the company, whatever the scope of ``conn``, read up to the
    company's last day (``as_of`` None): the history the models are fitted on, so a rep's range is the
    same from every account (README "Sharing the dashboard").

    The engine's one read past a scope: only ``calibration`` and ``backtest`` call it, and they return
    the scope's reps alone (tests/test_scope.py checks both). A cursor of its own has none of the TEMP
    views of :func:`analytics.scope.scoped`, so the unchanged queries of :func:`read_panel` see every row.
    """
    cursor = conn.cursor()
    try:
        return read_panel(cursor, metric, grain, fiscal_start_month=fiscal_start_month, as_of=as_of,
                          monthly=monthly)
    finally:
        cursor.close()


def _empty(grains: tuple[str, ...], fsm: int, extra: list[str], spans: pd.DataFrame,
           as_of: date | None = None) -> PanelRead:
    """No panel at each of ``grains`` (the first returned, the monthly one as its ``months``)."""
    e = np.empty((0, 0))
    reads = [PanelRead(PanelArrays(np.array([], dtype=object), np.array([], dtype=object), [], e, e, e,
                                   np.array([], dtype=bool), grain, fsm), e, e, {name: e for name in extra}, spans, as_of)
             for grain in grains]
    return replace(reads[0], months=reads[1]) if len(reads) > 1 else reads[0]


def _days(column: pd.Series) -> np.ndarray:
    """A column of dates (date objects, NaT or None) as ``datetime64[D]``."""
    return pd.to_datetime(column).to_numpy().astype("datetime64[D]")


def _day_numbers(days: np.ndarray) -> np.ndarray:
    """``datetime64[D]`` days as floats, days since 1970-01-01 (NaT as NaN)."""
    out = days.astype(np.int64).astype(float)
    out[np.isnat(days)] = np.nan
    return out


def _period_month(days: np.ndarray, grain: str, fsm: int) -> np.ndarray:
    """Months since 1970-01 of the first month of the period holding each day (as ``period_start_sql``)."""
    m = days.astype("datetime64[M]").astype(np.int64)
    if grain == "month":
        return m
    return m - ((m % 12 + 1 - fsm) % 3)


def _start_month(month_number: np.ndarray, grain: str, fsm: int) -> np.ndarray:
    """The first month of the period holding each month (months since 1970-01, as :func:`_period_month`)."""
    if grain == "month":
        return month_number
    return month_number - ((month_number % 12 + 1 - fsm) % 3)


def _period_month_sql(column: str, grain: str, fsm: int) -> str:
    """SQL of :func:`_period_month` of a date column: an integer, months since 1970-01."""
    month_number = f"(year({column}) * 12 + month({column}) - 23641)"
    if grain == "month":
        return f"{month_number}::INTEGER"
    return f"({month_number} - ((((month({column}) - {fsm}) % 3) + 3) % 3))::INTEGER"


def _masked_float(values: np.ndarray) -> np.ndarray:
    """A fetched numeric column as floats, NULL as NaN (``fetchnumpy`` gives masked arrays for NULLs)."""
    if isinstance(values, np.ma.MaskedArray):
        return np.asarray(np.ma.filled(values.astype(float), np.nan))
    return np.asarray(values, dtype=float)
