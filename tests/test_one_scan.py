"""metrics.span_scan (one statement: every rep's span, the data's last day, a metric's first day) equals
the three read apart (the roster as it counts: gone reps and reps with no event at all left out): the spans by their definition (the events of every kind unioned, then grouped by
rep), ``metrics.data_as_of`` and ``Metric.coverage_sql``, on companies with the awkward cases."""

from __future__ import annotations

from datetime import date

import pandas as pd
import pytest
from calibration_fixtures import simulate_company

from analytics import metrics, store
from analytics.metric_registry import REGISTRY, resolve_metric
from analytics.panel_query import company_panel, read_panel
from analytics.scope import Scope, scoped

REFERENCE_SPANS = f"""
    WITH ev AS (SELECT rep, min(d) AS first_event, max(d) AS last_event FROM (
        SELECT rep, close_date AS d FROM deals
            WHERE outcome IN ('won', 'lost') AND close_date IS NOT NULL AND close_date <= $as_of
        UNION ALL SELECT rep, created_date FROM deals WHERE created_date IS NOT NULL AND created_date <= $as_of
        UNION ALL SELECT rep, activity_date FROM activities WHERE activity_date <= $as_of) GROUP BY rep),
    ev0 AS (SELECT min(first_event) AS data_start FROM ev),
    -- the rep's own doings (closes and activities) widen a roster span by up to RECORD_GRACE_DAYS
    done AS (SELECT rep, min(d) AS first_done, max(d) AS last_done FROM (
        SELECT rep, close_date AS d FROM deals
            WHERE outcome IN ('won', 'lost') AND close_date IS NOT NULL AND close_date <= $as_of
        UNION ALL SELECT rep, activity_date FROM activities WHERE activity_date <= $as_of) GROUP BY rep),
    deal_team AS (SELECT rep, mode(team) AS team FROM deals WHERE team IS NOT NULL GROUP BY rep),
    -- the roster as it counts: a rep marked inactive without an end date leaves on their last event and
    -- is gone without one; a rep with no event at all counts only when hired in the last NEW_HIRE_DAYS
    roster AS (SELECT r.rep, r.team, r.start_date,
                      CASE WHEN r.end_date IS NOT NULL THEN r.end_date WHEN r.active = false THEN e.last_event END
                          AS end_date, r.end_date AS given_end
               FROM reps r LEFT JOIN ev e ON e.rep = r.rep
               WHERE e.rep IS NOT NULL
                  OR ((r.end_date IS NOT NULL OR r.active IS NULL OR r.active)
                      AND r.start_date > $as_of - INTERVAL {metrics.NEW_HIRE_DAYS} DAY)),
    spans AS (
        SELECT coalesce(r.rep, ev.rep) AS rep,
               CASE WHEN r.start_date IS NULL THEN ev.first_event
                    WHEN d.first_done < r.start_date
                         AND r.start_date - d.first_done <= {metrics.RECORD_GRACE_DAYS} THEN d.first_done
                    ELSE r.start_date END AS span_start,
               CASE WHEN r.rep IS NOT NULL AND r.given_end IS NOT NULL AND d.last_done > r.given_end
                         AND d.last_done - r.given_end <= {metrics.RECORD_GRACE_DAYS} THEN least(d.last_done, $as_of)
                    WHEN r.rep IS NOT NULL THEN least(coalesce(r.end_date, $as_of), $as_of)
                    WHEN ev.last_event >= $as_of - INTERVAL {metrics.STILL_ACTIVE_DAYS} DAY THEN $as_of
                    ELSE ev.last_event END AS span_end,
               CASE WHEN r.start_date IS NOT NULL THEN r.start_date
                    WHEN ev.first_event <= (SELECT data_start FROM ev0) + INTERVAL 31 DAY THEN NULL
                    ELSE ev.first_event END AS tenure_start,
               coalesce(r.team, dt.team) AS team,
               r.rep IS NOT NULL AS on_roster,
               r.end_date AS roster_end
        FROM roster r FULL OUTER JOIN ev ON r.rep = ev.rep
        LEFT JOIN deal_team dt ON dt.rep = coalesce(r.rep, ev.rep)
        LEFT JOIN done d ON d.rep = coalesce(r.rep, ev.rep)
    )
    SELECT * FROM spans ORDER BY rep"""
"""The spans as defined (metrics' module docstring), one UNION of the events: the reference."""

LAST_CLOSE = date(2024, 7, 5)


def _deal(deal_id: str, rep: str, close: str | None, created: str | None, outcome: str, team: str | None = None,
          amount: float = 500.0) -> str:
    def day(text: str | None) -> str:
        return "NULL" if text is None else f"DATE '{text}'"
    team_sql = "NULL" if team is None else f"'{team}'"
    return f"('{deal_id}', '{rep}', {day(close)}, {day(created)}, {amount}, '{outcome}', {team_sql}, 1)"


def _awkward(conn, *, activities: bool = True, deals: bool = True) -> None:
    """Reps with no deals, open deals only, activities only, leavers, a stopped off-roster rep, deals'
    teams for reps off the roster, a won deal without a close date, and open deals created after the
    last close and the last activity (which must not move the day the data end)."""
    rows = [
        _deal("k1", "gone", "2023-02-10", "2023-01-05", "won", "T1"),          # off roster, stopped long ago
        _deal("k2", "late", "2024-07-05", None, "lost"),                        # the last close of all
        _deal("k3", "open_only", None, "2024-03-02", "open", "T9"),             # open deals only, one created
        _deal("k4", "open_only", "2024-09-30", "2024-02-11", "open", "T9"),     # before the data's end and
        _deal("k5", "open_only", None, "2024-08-01", "open", "T8"),             # one after it
        _deal("k6", "future_only", "2024-12-01", "2024-07-15", "open"),         # every event after the end
        _deal("k7", "undated", None, "2024-01-10", "won", "T2"),                # won without a close date
        _deal("k8", "rep00001", "2024-10-01", "2024-07-25", "open", "T7"),      # a roster rep's late open deal
        _deal("k9", "idle_started", None, "2024-07-20", "open"),                # roster, created after the end
    ]
    if deals:
        conn.execute("INSERT INTO deals (deal_id, rep, close_date, created_date, amount, outcome, team, import_id) "
                     f"VALUES {', '.join(rows)}")
    if activities:
        conn.execute("INSERT INTO activities (activity_id, rep, activity_date, type, raw_type, count, import_id) "
                     "VALUES ('q1', 'acts_only', DATE '2023-11-03', 'email', 'Email', 4, 1), "
                     "('q2', 'acts_only', DATE '2024-06-01', 'demo', 'Demo', 1, 1), "
                     "('q3', 'gone', DATE '2022-12-15', 'call', 'Call', 2, 1), "
                     "('q4', 'acts_only', DATE '2023-03-01', 'proposal', 'Proposal', 1, 1), "
                     "('q5', 'acts_only', DATE '2023-02-02', 'demo', 'Demo', 2, 1), "
                     "('q6', 'acts_only', DATE '2023-06-10', 'email', 'Email', 3, 1)")
    conn.execute("INSERT INTO reps (rep, team, start_date, end_date, import_id) VALUES "
                 "('idle_started', 'T1', DATE '2023-05-01', NULL, 1), ('idle_undated', 'T2', NULL, NULL, 1), "
                 "('left_early', 'T3', DATE '2022-01-01', DATE '2022-06-30', 1)")
    # a roster's status column: 'late' marked gone without an end date (leaves on their last event), one
    # marked gone with no event at all, and a hire of the last weeks with none yet
    conn.execute("INSERT INTO reps (rep, team, start_date, end_date, import_id, active) VALUES "
                 "('late', 'T4', DATE '2022-03-01', NULL, 1, false), ('gone_idle', 'T4', NULL, NULL, 1, false), "
                 "('new_hire', 'T4', DATE '2024-06-20', NULL, 1, true)")


def _company(kind: str):
    conn = store.connect(":memory:")
    if kind == "simulated":
        simulate_company(conn, n_reps=14, n_months=18, seed=5, hire_share=0.3, leaver_share=0.3)
        _awkward(conn)
    elif kind == "off_roster":       # no roster: every span from the events
        simulate_company(conn, n_reps=8, n_months=14, seed=9, roster=False)
        _awkward(conn)
        conn.execute("DELETE FROM reps")
    elif kind == "deals_only":
        _awkward(conn, activities=False)
    elif kind == "activities_only":
        _awkward(conn, deals=False)
    elif kind == "roster_only":
        _awkward(conn, activities=False, deals=False)
    return conn


KINDS = ("simulated", "off_roster", "deals_only", "activities_only", "roster_only", "empty")


@pytest.fixture(scope="module", params=KINDS)
def company(request):
    return _company(request.param)


def _reference(conn, metric: str | None, as_of: date | None):
    """(spans, as_of, first day) read apart, as read_panel read them before the one scan: up to the data's
    last day, or ``as_of`` when that is earlier (a day past the data is not known)."""
    last = metrics.data_as_of(conn)
    day = last if as_of is None or (last is not None and last < as_of) else as_of
    if day is None:
        return None, None, None
    spans = conn.execute(REFERENCE_SPANS, {"as_of": day}).df()
    first = None
    if metric is not None:
        first = conn.execute(f"SELECT {resolve_metric(metric).coverage_sql('$as_of')}", {"as_of": day}).fetchall()[0][0]
    return spans, day, first


AS_OF = (None, date(2024, 7, 5), date(2023, 9, 30), date(2021, 1, 1))


@pytest.mark.parametrize("metric", [None, *sorted(REGISTRY)])
@pytest.mark.parametrize("as_of", AS_OF)
def test_one_scan_equals_the_three_reads(company, metric, as_of):
    spans, day, first = _reference(company, metric, as_of)
    scan = metrics.span_scan(company, metric, as_of=as_of)
    assert scan.as_of == day
    assert scan.first_day == first
    if day is not None:
        pd.testing.assert_frame_equal(scan.spans, spans, check_exact=True)


def test_the_cases_are_there():
    """The awkward reps are in the reference itself (else the comparisons above would prove little)."""
    conn = _company("simulated")
    spans, day, _ = _reference(conn, None, None)
    assert day == LAST_CLOSE                                 # open deals created later do not move it
    by_rep = spans.set_index("rep")
    assert {"gone", "open_only", "acts_only", "undated", "late", "new_hire"} <= set(by_rep.index)
    assert "future_only" not in by_rep.index                 # every event after the data's end
    # roster reps with no event by the data's end, hired before the last 120 days or marked gone: none
    assert not {"idle_started", "idle_undated", "gone_idle", "left_early"} & set(by_rep.index)
    assert pd.Timestamp(by_rep.loc["late", "roster_end"]).date() == LAST_CLOSE   # marked gone: their last event
    assert by_rep.loc["open_only", "team"] == "T9"           # the deals' team for a rep off the roster
    assert pd.Timestamp(by_rep.loc["open_only", "span_end"]).date() == date(2024, 3, 2)  # not the later one
    assert pd.Timestamp(by_rep.loc["gone", "span_end"]).date() == date(2023, 2, 10)       # stopped: no longer active
    assert metrics.data_as_of(_company("empty")) is None


def test_a_scoped_connection_scans_the_scopes_reps_alone():
    conn = _company("simulated")
    reps = frozenset(conn.execute("SELECT rep FROM reps WHERE team = 'team1'").df()["rep"])
    view = scoped(conn, Scope("teams", frozenset({"team1"}), reps))
    for metric, as_of in (("revenue", None), ("call", None), ("pipeline", date(2023, 9, 30))):
        spans, day, first = _reference(view, metric, as_of)
        scan = metrics.span_scan(view, metric, as_of=as_of)
        assert (scan.as_of, scan.first_day) == (day, first)
        pd.testing.assert_frame_equal(scan.spans, spans, check_exact=True)
        assert set(scan.spans["rep"]) <= reps and len(scan.spans) > 0


@pytest.mark.parametrize("kind", KINDS)
def test_rep_spans_and_the_cte_are_the_definition(kind):
    """``rep_spans`` (the data's last day found, or given) and ``rep_spans_cte`` (other modules' queries)."""
    conn = _company(kind)
    day = metrics.data_as_of(conn)
    for as_of in (None, date(2023, 9, 30)):
        spans, _, _ = _reference(conn, None, as_of or day or date.today())
        pd.testing.assert_frame_equal(metrics.rep_spans(conn, as_of=as_of), spans, check_exact=True)
        cte = conn.execute(f"WITH {metrics.rep_spans_cte()} SELECT * FROM spans ORDER BY rep",
                           {"as_of": as_of or day or date.today()}).df()
        pd.testing.assert_frame_equal(cte, spans, check_exact=True)


@pytest.mark.parametrize("metric", ["revenue", "call", "pipeline", "win_rate"])
def test_a_panel_reads_the_days_of_the_scan(metric):
    """read_panel and company_panel are read up to the data's last day and from the metric's first."""
    conn = _company("simulated")
    read = company_panel(conn, metric, "month")
    first = conn.execute(f"SELECT {resolve_metric(metric).coverage_sql('$as_of')}",
                         {"as_of": LAST_CLOSE}).fetchall()[0][0]
    assert read.as_of == LAST_CLOSE
    assert read.arrays.periods[0].start == first.replace(day=1)
    assert read.arrays.periods[-1].start == LAST_CLOSE.replace(day=1)
    pd.testing.assert_frame_equal(read.spans, _reference(conn, None, None)[0], check_exact=True)
    assert read_panel(_company("empty"), metric, "month").as_of is None


@pytest.mark.parametrize("metric", sorted(REGISTRY))
@pytest.mark.parametrize("window_end", ["2024-07-05", "2023-09-30"])
def test_a_metrics_rows_read_by_outcome_are_its_rows(metric, window_end):
    """``Metric.rows_sql`` (closed deals read one outcome at a time) holds the rows of ``rows`` exactly."""
    conn = _company("simulated")
    definition = resolve_metric(metric)
    key = "deal_id" if definition.table == "deals" else "activity_id"
    window = f"{definition.date_column} <= DATE '{window_end}'"
    split = conn.execute(f"SELECT {key} FROM ({definition.rows_sql(window)}) ORDER BY 1").fetchall()
    plain = conn.execute(f"SELECT {key} FROM {definition.table} WHERE ({definition.rows}) AND ({window}) "
                         "ORDER BY 1").fetchall()
    assert split == plain and len(plain) > 0


@pytest.mark.parametrize("metric", sorted(name for name, m in REGISTRY.items() if m.value_rows is not None))
def test_the_rows_a_sum_skips_add_nothing(metric):
    """``Metric.value_rows``: within ``rows``, and every rep-month of the rows it leaves out has the value 0
    (so reading the sums from it alone changes no cell)."""
    conn = _company("simulated")
    m = REGISTRY[metric]
    assert m.additive and not m.extra
    beyond = f"SELECT count(*) FROM {m.table} WHERE ({m.value_rows}) AND ({m.rows}) IS NOT TRUE"
    assert conn.execute(beyond).fetchall()[0][0] == 0
    skipped = conn.execute(f"SELECT rep, date_trunc('month', {m.date_column}) AS month, ({m.value})::DOUBLE AS value "
                           f"FROM {m.table} WHERE ({m.rows}) AND ({m.value_rows}) IS NOT TRUE GROUP BY ALL").df()
    assert len(skipped) > 0 and (skipped["value"] == 0).all()
