"""AppTest of the Review page on the sample company: a finished quarter's set against ``review.review``."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from helpers import app_test, run_cli
from test_app_tracking import save_plan

from analytics import formatting, review, store

PAGE = "pages/review.py"


def engine_review(db: Path, name: str) -> review.Review:
    conn = store.connect(db)
    try:
        return review.review(conn, name)
    finally:
        conn.close()


def _frame(at, column: str):
    found = [d.value for d in at.dataframe if column in d.value.columns]
    assert len(found) == 1, f"expected one table with a {column!r} column, found {len(found)}"
    return found[0]


def _metric(at, label: str):
    return next(m for m in at.metric if m.label == label)


@pytest.fixture
def reviewed_db(sample_db) -> Path:
    # The finished quarter's set first, then one for the quarter in progress (newer, but not finished).
    save_plan(sample_db, name="last quarter", periods_back=1)
    save_plan(sample_db, name="this quarter")
    return sample_db


def test_finished_set_is_reviewed_like_the_engine(reviewed_db):
    rv = engine_review(reviewed_db, "last quarter")
    assert rv.complete
    at = app_test(PAGE)
    assert not at.exception
    assert at.selectbox(key="review_set").value == rv.saved.set_id  # the finished one, not the newest

    cal = rv.calibration.set_index("tier")
    assert _metric(at, "Brier score").value == f"{cal.loc['all', 'brier']:.3f}"
    for tier in ("base", "stretch", "excellence"):
        m = _metric(at, f"Reached {tier}")
        assert m.value == f"{100 * cal.loc[tier, 'realised']:.0f}%"
        assert m.delta == f"we said {100 * cal.loc[tier, 'mean_predicted']:.0f}%"
    assert _metric(at, "CRM quota reached").value == f"{100 * rv.quotas['hit_rate']:.0f}%"

    results = _frame(at, "hit_base").set_index("rep").sort_index()
    expected = rv.results.sort_index()
    assert results["hit_base"].tolist() == expected["hit_base"].tolist()
    assert results["actual"].to_numpy() == pytest.approx(expected["actual"].to_numpy())
    assert results["p_base"].tolist() == formatting.whole_percent(expected["p_base"]).tolist()
    assert results["attainment"].tolist() == formatting.whole_percent(expected["attainment"]).tolist()

    shown = _frame(at, "brier").set_index("tier")
    assert shown.loc["All tiers", "brier"] == pytest.approx(cal.loc["all", "brier"])
    history = _frame(at, "reps_with_quota")
    assert history["period"].tolist() == rv.quotas["history"]["period"].tolist()
    nxt = _frame(at, "model_next_p_level").set_index("rep").sort_index()
    assert nxt["model_next_p_level"].to_numpy() == pytest.approx(
        rv.next_start.sort_index()["model_next_p_level"].to_numpy(), nan_ok=True)
    assert "ratchet" in at.info[0].value.lower()
    assert "baseline_change" in _frame(at, "baseline_change").columns
    assert sum(c.value == rv.level_sentence for c in at.caption) == 1    # the team's move, said once

    spec = at.get("plotly_chart")[0].proto.spec
    assert "calibrated" in spec and "our targets" in spec
    button = at.get("download_button")[0]
    assert button.proto.label == "Download the review report (HTML)"
    assert not at.warning  # a finished period has no "not finished" note


def test_a_set_in_progress_says_it_is_not_finished(reviewed_db):
    at = app_test(PAGE)
    assert any("this quarter" in o and "in progress" in o for o in at.selectbox(key="review_set").options)
    set_id = engine_review(reviewed_db, "this quarter").saved.set_id
    at.selectbox(key="review_set").set_value(set_id).run()
    assert not at.exception
    assert any("is not finished" in w.value for w in at.warning)
    # Results so far, but no verdict on the chances until the period ends.
    labels = [m.label for m in at.metric]
    assert "Reached base so far" in labels and "Brier score" not in labels
    assert "CRM quota reached so far" in labels and "CRM quota reached" not in labels
    assert any("Judged when" in c.value for c in at.caption)
    headers = [h.value for h in at.subheader]
    assert "Results per rep so far" in headers
    assert any(h.startswith("Where ") and h.endswith(" so far)") for h in headers), headers
    at.switch_page("pages/overview.py").run()       # away and back: the set chosen stays
    at.switch_page(PAGE).run()
    assert not at.exception, at.exception
    assert at.selectbox(key="review_set").value == set_id
    assert any("is not finished" in w.value for w in at.warning)


def test_a_set_for_a_period_not_started_has_nothing_to_review(sample_db):
    from analytics import calibration, metrics, target_drafts, target_sets
    from analytics.periods import period_of

    conn = store.connect(sample_db)
    nxt = period_of(metrics.data_as_of(conn), "quarter", store.fiscal_year_start_month(conn)).next()
    cal = calibration.calibrate(conn, "revenue", "quarter", nxt)
    target_sets.save_target_set(conn, target_drafts.draft_from_calibration(cal, "next quarter"), author="test")
    conn.close()
    at = app_test(PAGE)
    assert not at.exception
    assert any(f"Nothing of {nxt.label} is in the data yet" in i.value and "the data ends on" in i.value
               for i in at.info)
    assert not at.metric and not at.dataframe
    assert "tracking" in [e.proto.page for e in at.get("page_link")]


def test_no_saved_set_links_to_targets(sample_db):
    at = app_test(PAGE)
    assert not at.exception
    assert any("No saved target set to review yet" in i.value for i in at.info)
    assert "targets" in [e.proto.page for e in at.get("page_link")]


def test_empty_database_points_to_import(empty_db):
    at = app_test(PAGE)
    assert not at.exception
    assert any("No deals or activities yet" in i.value for i in at.info)
    assert not at.dataframe


def test_orders_only_what_changed_has_no_columns_of_zeros_and_says_the_data_ends(db_path, tmp_path):
    import orders_fixtures

    from analytics.periods import parse_period

    orders_fixtures.build_orders_db(tmp_path, db_path)
    orders_fixtures.save_orders_plan(db_path, parse_period("2026-Q1"), "Q1 orders")
    orders_fixtures.save_orders_plan(db_path, parse_period("2026-Q3"), "Q3 orders")
    at = app_test(PAGE)
    assert not at.exception
    changes = _frame(at, "baseline_change")
    for absent in ("calls", "meetings", "opportunities", "call_to_meeting", "win_rate"):
        assert absent not in changes.columns
    assert "won" in changes.columns
    results = next(d for d in at.dataframe if "hit_base" in d.value.columns)
    assert "team" not in list(results.proto.column_order)     # no roster imported: no column of blanks
    # the absent data is said once, quietly (Overview says it in full), not as a warning
    assert not any("No activities imported" in w.value for w in at.warning)
    assert sum("No activities imported" in c.value for c in at.caption) == 1
    # one volatility for every rep is a sentence, not a column repeating it
    shared = [c.value for c in at.caption if c.value.startswith("Every rep has the same volatility")]
    volatility = [c for c in ("volatility", "volatility_previous") if c in changes.columns]
    assert all(changes[c].round(2).nunique() > 1 for c in volatility) and (bool(shared) or len(volatility) == 2)
    at.selectbox(key="review_set").set_value(2).run()     # Q3 orders: after the data ends
    assert not at.exception
    assert any("Nothing of 2026-Q3 is in the data yet: the data ends on 30 Jun 2026" in i.value.replace("**", "")
               for i in at.info)


def test_an_eur_companys_review_reads_in_euros(eur_db):
    """Deals imported in EUR: the review's result, target and starting-point columns are in €, never $."""
    from test_app_tracking import column_configs, number_formats

    save_plan(eur_db, name="last quarter", periods_back=1)
    at = app_test(PAGE)
    assert not at.exception
    formats = number_formats(at)
    assert "€%,.0f" in formats and not any("$" in f for f in formats)
    # money and counts rounded, never truncated: printf's %d showed a target of €63,489.96 as €63,489
    assert not [f for f in formats if f.endswith(",d")]
    assert "Ratchet adds (€)" in [c.get("label") for c in column_configs(at)]
    assert not any("$" in str(e.value) for kind in ("markdown", "caption", "info", "warning") for e in getattr(at, kind))


def test_the_cli_reviews_a_set_in_progress_as_the_page_does(reviewed_db):
    """The command printed a Brier score and "reached" beside "promised" for a quarter half over, as if
    every target not reached yet were a miss."""
    out = run_cli("review", "--db", str(reviewed_db), "--target-set", "this quarter")
    assert out.returncode == 0, out.stderr
    assert "Brier" not in out.stdout
    assert "  base        reached so far " in out.stdout
    assert "judged when" in out.stdout and "have reached it so far in" in out.stdout
    # the starting point's results can only grow while the quarter runs: its table says whose they are
    assert re.search(r"next period's starting point from \S+ so far", out.stdout)
    assert re.search(r"^rep +last target +so far ", out.stdout, re.M)
    finished = run_cli("review", "--db", str(reviewed_db), "--target-set", "last quarter")
    assert "Brier" in finished.stdout and "so far" not in finished.stdout
