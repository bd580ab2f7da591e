"""Data coverage: which kinds and fields exist and when they end, on the sample and an orders-only company."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import numpy as np
import pytest
from helpers import run_cli
from orders_fixtures import ORDERS_END, build_orders_db

from analytics import coverage, store
from analytics.periods import parse_period


def orders_only_connection(tmp_path: Path):
    return store.connect(str(build_orders_db(tmp_path)))


def _coverage_of(tmp_path: Path, deals_csv: str) -> coverage.DataCoverage:
    """The coverage of a database holding one imported deals file of ``deals_csv``."""
    from analytics import importing

    path = tmp_path / "deals.csv"
    path.write_text(deals_csv)
    conn = store.connect(str(tmp_path / "t.duckdb"))
    try:
        assert importing.import_file(conn, path).status == "loaded"
        return coverage.data_coverage(conn)
    finally:
        conn.close()


@pytest.fixture
def orders_only(tmp_path):
    conn = orders_only_connection(tmp_path)
    yield conn
    conn.close()


def test_orders_only_company_has_deals_but_no_activities_created_dates_or_stages(orders_only):
    cov = coverage.data_coverage(orders_only)
    assert cov.has_deals and cov.won == cov.closed_deals.rows > 0
    assert (cov.has_activities, cov.has_created_dates, cov.has_stages, cov.has_quotas) == (False,) * 4
    assert cov.closed_deals.first == date(2025, 1, 3) and cov.data_ends == ORDERS_END
    assert cov.available_metrics() == ["revenue", "deals", "avg_deal_size"]
    assert not cov.has("Calls") and cov.why_absent("Calls") == "no activities imported"
    assert cov.why_absent("opportunities") == "no created dates imported"
    assert cov.why_absent("win_rate") == "no lost deals imported (no stages or outcomes)"
    assert cov.why_absent("revenue") is None
    assert len(cov.absent_notes()) == 3


def test_a_period_past_the_data_is_said_to_run_past_it(orders_only):
    cov = coverage.data_coverage(orders_only)
    assert cov.data_ends_note(parse_period("2026-Q3")) == "the data ends on 30 Jun 2026"
    assert cov.starts_after(parse_period("2026-Q3"))
    assert cov.data_ends_note(parse_period("2026-Q2")) is None
    assert not cov.starts_after(parse_period("2026-Q2"))


def test_summary_shows_every_kind_with_its_rows_and_days(orders_only):
    summary = coverage.data_coverage(orders_only).summary.set_index("data")
    assert summary.at["deals (closed)", "last"] == ORDERS_END
    assert not summary.at["activities: calls", "exists"] and summary.at["activities: calls", "rows"] == 0
    assert not summary.at["lost deals", "exists"]


def test_sample_company_has_every_kind_of_data(sample_db):
    conn = store.connect(str(sample_db))
    try:
        cov = coverage.data_coverage(conn)
        known = conn.execute("SELECT max(activity_date) FROM activities WHERE type = 'call'").fetchone()[0]
    finally:
        conn.close()
    assert cov.has_activities and cov.has_created_dates and cov.has_stages and cov.has_roster
    assert cov.has_activity("calls") and cov.activities["call"].last == known
    assert cov.absent_notes() == []
    assert set(cov.available_metrics()) >= {"revenue", "win_rate", "call", "opportunities"}


def test_activity_plan_leaves_out_stages_whose_data_was_not_imported(orders_only):
    from analytics import metrics, sales_math

    funnel = metrics.rep_funnel(orders_only, "quarter")
    targets = funnel[["rep"]].assign(target=20000.0)
    cov = coverage.data_coverage(orders_only)
    without = sales_math.activity_plan(targets, funnel, coverage=None)
    plan = sales_math.activity_plan(targets, funnel, coverage=cov)
    assert np.isfinite(without["opportunities"]).all()   # "opportunities" from won orders alone
    assert plan[["opportunities", "demos", "meetings", "calls"]].isna().all().all()
    assert (plan["deals"] > 0).all()
    assert set(sales_math.activity_rows(plan)["activity"]) == {"deals"}
    assert "opportunit" not in sales_math.plan_sentence(plan.iloc[0].to_dict())


@pytest.mark.parametrize(("owners", "lone", "reps"), [
    (["ann@acme.com", "ann@acme.com", "bob@acme.com", "Cy Doe"], 3, ("ann@acme.com", "bob@acme.com")),
    (["Cy Doe", "Cy Doe"], 0, ()),
])
def test_activities_of_reps_who_sell_nothing_are_said_on_every_page(orders_only, tmp_path, owners, lone, reps):
    """An activity log naming reps by e-mail while the deals name them: the calls count for nobody who
    sells, and the reps who sell show none; coverage says so wherever absent data is said."""
    from analytics import importing
    seller = orders_only.execute("SELECT min(rep) FROM deals").fetchone()[0]
    log = tmp_path / "log.csv"
    log.write_text("Assigned To,Date,Activity Type\n" + "".join(
        f"{seller if o == 'Cy Doe' else o},2025-02-0{i + 1},Call\n" for i, o in enumerate(owners)))
    importing.import_file(orders_only, log)
    cov = coverage.data_coverage(orders_only)
    assert (cov.lone_activities, cov.lone_reps) == (lone, reps)
    said = [n for n in cov.absent_notes() if "own no deal" in n]
    assert said == (["3 activity rows name reps who own no deal and are not in the roster (ann@acme.com, "
                     "bob@acme.com): their calls and meetings count for nobody who sells, and the reps who sell "
                     "may show none. Check the activity owners' names against the deals (e-mail addresses?)."]
                    if lone else [])


def test_a_rep_under_two_spellings_is_said_with_the_spellings(orders_only, tmp_path):
    from analytics import importing
    seller = orders_only.execute("SELECT min(rep) FROM deals").fetchone()[0]
    roster = tmp_path / "roster.csv"
    roster.write_text(f"Sales Rep,Team\n{seller.upper()},North\n")
    importing.import_file(orders_only, roster)
    cov = coverage.data_coverage(orders_only)
    assert cov.split_names == ((seller.upper(), seller),)
    (said,) = [n for n in cov.absent_notes() if "spelling" in n]
    assert said.startswith(f"1 rep appears under more than one spelling ('{seller.upper()}' / '{seller}')")


@pytest.mark.parametrize(("first", "period", "said"), [
    (date(2017, 3, 1), "2017-Q1", "the data starts on 1 Mar 2017"),   # two months of the quarter missing
    (date(2017, 1, 8), "2017-Q1", None),                               # a week: the quarter is whole enough
    (date(2017, 3, 1), "2017-03", None),                               # the month starts with the data
    (date(2017, 3, 1), "2017-Q2", None),                               # a later quarter holds all its days
])
def test_a_first_period_the_data_starts_late_in_is_said_to_be_partial(first, period, said):
    cov = coverage.DataCoverage(closed_deals=coverage.Span(10, first, date(2017, 12, 31)), won=10)
    assert cov.data_starts_note(parse_period(period)) == said


@pytest.mark.parametrize(("stages", "metric", "said"), [
    # every stage the org's own word: all open, so nothing won or lost
    (["In Arbeit", "In Arbeit", "Angebot"], "revenue", "3 deals imported, none won (stages: 'In Arbeit' 2, 'Angebot' 1)"),
    (["In Arbeit", "In Arbeit", "Angebot"], "deals", "3 deals imported, none won (stages: 'In Arbeit' 2, 'Angebot' 1)"),
    (["In Arbeit", "In Arbeit", "Angebot"], "closed_deals",
     "3 deals imported, none won or lost (stages: 'In Arbeit' 2, 'Angebot' 1)"),
    # lost and open deals, none won: won revenue is no figure of zeros
    (["Closed Lost", "Closed Lost", "Offen"], "revenue", "3 deals imported, none won (stages: 'Closed Lost' 2, 'Offen' 1)"),
    (["Closed Lost", "Closed Lost", "Offen"], "avg_deal_size",
     "3 deals imported, none won (stages: 'Closed Lost' 2, 'Offen' 1)"),
    (["Closed Lost", "Closed Won", "Offen"], "revenue", None),
])
def test_deals_none_of_them_won_are_said_to_exist(tmp_path, stages, metric, said):
    """Deals stored under stages none of which reads as won were reported as 'no deals imported'."""
    rows = "".join(f"D{i},Ann Lee,{stage},1000,2025-03-0{i + 1}\n" for i, stage in enumerate(stages))
    cov = _coverage_of(tmp_path, "Deal ID,Owner,Stage,Amount,Close Date\n" + rows)
    assert cov.why_absent(metric) == said
    assert cov.has(metric) == (said is None)


def test_calibrate_names_the_deals_none_of_them_won(tmp_path):
    path = tmp_path / "deals.csv"
    path.write_text("Deal ID,Owner,Stage,Amount,Close Date\nD1,Ann Lee,Offen,1000,2025-03-01\n")
    db = str(tmp_path / "t.duckdb")
    assert run_cli("import", "--db", db, str(path)).returncode == 0
    said = run_cli("calibrate", "--db", db, "--metric", "revenue", "--grain", "quarter", "--period", "next")
    assert said.returncode == 2 and "Won revenue: 1 deal imported, none won (stages: 'Offen' 1)" in said.stderr, said


@pytest.mark.parametrize(("lost_amount", "open_amount", "has_pipeline", "said", "tag"), [
    ("0", "", False, "4 of 4 lost deals have no amount (0 or blank): the pipeline's value is not in the export "
                     "(Opportunities created counts the deals)", " (no amounts)"),      # the Maven export's way
    ("", "", False, "4 of 4 lost deals have no amount (0 or blank): the pipeline's value is not in the export "
                    "(Opportunities created counts the deals)", " (no amounts)"),
    ("2500", "", True, None, ""),                  # lost deals keep their value: the pipeline is measured
    ("2500", "1800", True, None, ""),
])
def test_a_pipeline_without_the_lost_deals_amounts_is_not_offered(tmp_path, lost_amount, open_amount, has_pipeline,
                                                                   said, tag):
    """An export that zeroes a lost deal's value made 'Pipeline created' the won deals' amounts by created date."""
    rows = ["Deal ID,Owner,Stage,Amount,Created Date,Close Date"]
    for i in range(4):
        rows += [f"W{i},Ann Lee,Won,3000,2025-0{i + 1}-02,2025-0{i + 2}-10",
                 f"L{i},Ann Lee,Lost,{lost_amount},2025-0{i + 1}-03,2025-0{i + 2}-12",
                 f"O{i},Ann Lee,Engaging,{open_amount},2025-0{i + 1}-04,"]
    cov = _coverage_of(tmp_path, "\n".join(rows) + "\n")
    assert cov.has("pipeline") is has_pipeline and cov.why_absent("pipeline") == said
    assert cov.absent_tag("pipeline") == tag
    assert cov.has("opportunities") and cov.absent_tag("call") == " (not imported)"


def test_an_export_of_won_deals_with_created_dates_counts_no_opportunities(tmp_path):
    """Won deals alone, their stage column kept: 'Opportunities created' counted the wins again by created date
    (and nothing said that lost deals were missing: the stage column made it look like a full export)."""
    rows = ["Deal ID,Owner,Stage,Amount,Created Date,Close Date"]
    rows += [f"W{i},Ann Lee,Won,3000,2025-0{i + 1}-02,2025-0{i + 2}-10" for i in range(6)]
    cov = _coverage_of(tmp_path, "\n".join(rows) + "\n")
    assert cov.has_created_dates and cov.has_stages and not cov.has_lost_deals
    assert cov.available_metrics() == ["revenue", "deals", "avg_deal_size"]
    assert cov.why_absent("opportunities") == "no lost deals imported: opportunities created would count the won deals alone"
    assert cov.why_absent("win_rate") == "no lost deals imported (every stage reads as won or open)"
    assert cov.absent_tag("opportunities") == cov.absent_tag("win_rate") == " (no lost deals)"
    assert not cov.has_funnel("opportunities")
    assert any(n.startswith("No lost deals imported (every stage reads as won or open)") for n in cov.absent_notes())


def test_a_history_cut_by_created_date_is_counted_from_its_start():
    """Deals created since 20 Sep 2024, counted from 17 Oct (the closes before are the quick ones only): the
    quarter holding the 17th is the partial one, said with the day the counting starts."""
    from analytics.left_truncation import HistoryStart

    cut = HistoryStart(first_created=date(2024, 9, 20), complete_from=date(2024, 10, 17), first_close=date(2024, 9, 20))
    cov = coverage.DataCoverage(closed_deals=coverage.Span(10, date(2024, 9, 20), date(2025, 3, 20)), won=10,
                                history_start=cut)
    assert cov.closes_counted_from == date(2024, 10, 17)
    assert cov.data_starts_note(parse_period("2024-Q4")) == "history counted from 17 Oct 2024"
    assert cov.data_starts_note(parse_period("2024-Q3")) is None
