"""rep_facts: each rep's last actual, recent trend and CRM quotas, against the per-period panel and
known answers on a small seeded database."""

from __future__ import annotations

import random
from datetime import date, timedelta

import numpy as np
import pandas as pd
import pytest

from analytics import metrics, rep_facts, store
from analytics.periods import parse_period

AS_OF = date(2026, 6, 30)


@pytest.fixture(scope="module")
def seeded():
    """Four reps over 2024-01 .. 2026-06: Ann throughout, Bo leaves in 2025-08, Cy joins 2025-11 (roster),
    Di (roster) starts after the data end; won and lost deals, calls; a quiet spell for Ann."""
    rng = random.Random(23)
    conn = store.connect(":memory:")
    roster = [("Ann", "north", date(2024, 1, 1), None), ("Bo", "north", date(2024, 1, 1), date(2025, 8, 20)),
              ("Cy", "south", date(2025, 11, 10), None), ("Di", "south", date(2026, 8, 1), None)]
    conn.executemany("INSERT INTO reps (rep, team, start_date, end_date, import_id) VALUES (?, ?, ?, ?, 1)", roster)
    deals, calls = [], []
    for i in range(400):
        rep, start, end = rng.choice([("Ann", date(2024, 1, 1), AS_OF), ("Ann", date(2024, 1, 1), AS_OF),
                                      ("Bo", date(2024, 1, 1), date(2025, 8, 20)),
                                      ("Cy", date(2025, 11, 10), AS_OF)])
        close = start + timedelta(days=rng.randrange((end - start).days + 1))
        if rep == "Ann" and date(2025, 4, 1) <= close < date(2025, 7, 1):   # a zero quarter while active
            continue
        deals.append((f"d{i}", rep, close, float(rng.randrange(5, 90) * 100), rng.choice(["won", "won", "lost"])))
    for i in range(60):
        calls.append((f"a{i}", rng.choice(["Ann", "Cy"]), date(2025, 1, 6) + timedelta(days=9 * i), "call",
                      rng.randrange(1, 6)))
    deals.append(("last", "Ann", AS_OF, 1000.0, "won"))
    conn.executemany("INSERT INTO deals (deal_id, rep, close_date, amount, outcome, import_id) "
                     "VALUES (?, ?, ?, ?, ?, 1)", deals)
    conn.executemany("INSERT INTO activities (activity_id, rep, activity_date, type, count, import_id) "
                     "VALUES (?, ?, ?, ?, ?, 1)", calls)
    yield conn
    conn.close()


@pytest.mark.parametrize(("metric", "grain", "target", "n_recent"), [
    ("revenue", "quarter", "next", 8),
    ("revenue", "month", "next", 6),
    ("deals", "quarter", "2025-Q4", 4),
    ("win_rate", "quarter", "next", 8),
    ("call", "month", "2026-03", 8),
    ("avg_deal_size", "quarter", "current", 5),
])
def test_facts_agree_with_the_rep_period_panel(seeded, metric, grain, target, n_recent):
    facts = rep_facts.rep_facts(seeded, metric, grain, target, n_recent=n_recent)
    panel = metrics.rep_period_panel(seeded, metric, grain)
    last = facts.last
    assert last is not None and last.end <= AS_OF and last.end < facts.target.start
    window = {p.start for p in facts.recent}
    assert len(facts.recent) == n_recent and max(window) == last.start
    used = panel[panel["complete"] & panel["period_start"].isin(window)].sort_values(["rep", "period_start"])
    expected_recent = used.groupby("rep")["value"].apply(list)
    # A rep of the target with no complete period in the window is listed with a note, not a value.
    noted = facts.summary[facts.summary[rep_facts.NOTE_COLUMN].notna()] if rep_facts.NOTE_COLUMN in facts.summary \
        else facts.summary.iloc[:0]
    summary = facts.summary.drop(noted.index)
    assert set(summary.index) == set(expected_recent.index)
    assert not set(noted.index) & set(panel.loc[panel["complete"] & panel["period_start"].isin(window), "rep"])
    assert noted["last_actual"].isna().all() and all(r == [] for r in noted["recent"])
    for rep, values in expected_recent.items():
        np.testing.assert_allclose(summary.loc[rep, "recent"], values, rtol=1e-12)
    at_last = used[used["period_start"] == last.start].set_index("rep")["value"]
    np.testing.assert_allclose(summary["last_actual"].to_numpy(float),
                               at_last.reindex(summary.index).to_numpy(float), rtol=1e-12)
    assert not facts.has_quota_last and not facts.has_quota_target    # no quotas imported: no columns


def test_known_answers_on_the_seeded_company(seeded):
    facts = rep_facts.rep_facts(seeded, "revenue", "quarter", "2025-Q3", n_recent=4)
    s = facts.summary
    assert facts.last.label == "2025-Q2" and [p.label for p in facts.recent] == ["2024-Q3", "2024-Q4",
                                                                                 "2025-Q1", "2025-Q2"]
    assert s.loc["Ann", "last_actual"] == 0.0                 # active, nothing won: a zero
    assert s.loc["Ann", "recent"][-1] == 0.0
    assert "Cy" not in s.index and "Di" not in s.index        # not active yet: no facts, not zeros
    won = seeded.execute("SELECT sum(amount) FROM deals WHERE rep = 'Bo' AND outcome = 'won' "
                         "AND close_date BETWEEN DATE '2025-04-01' AND DATE '2025-06-30'").fetchone()[0]
    assert s.loc["Bo", "last_actual"] == pytest.approx(won)


@pytest.fixture
def with_quotas(seeded):
    """Quotas: Ann monthly for 2026-Q2 (100 each), a yearly 2026 quota for Cy, a deals quota (other metric)."""
    seeded.execute("DELETE FROM quotas")
    seeded.executemany("INSERT INTO quotas VALUES (?, ?, ?, ?, ?, 2)", [
        ("Ann", "revenue", date(2026, 4, 1), date(2026, 4, 30), 100.0),
        ("Ann", "revenue", date(2026, 5, 1), date(2026, 5, 31), 100.0),
        ("Ann", "revenue", date(2026, 6, 1), date(2026, 6, 30), 100.0),
        ("Cy", "revenue", date(2026, 1, 1), date(2026, 12, 31), 3650.0),
        ("Bo", "deals", date(2026, 7, 1), date(2026, 9, 30), 7.0),
    ])
    yield seeded
    seeded.execute("DELETE FROM quotas")


@pytest.mark.parametrize(("metric", "period", "expected"), [
    # (rep, column) -> quota; a column missing from expected must be absent
    ("revenue", "next", {("Ann", "quota_last"): 300.0, ("Cy", "quota_last"): 910.0,       # 91 days of Q2
                         ("Cy", "quota_target"): 920.0}),                                # 92 days of Q3
    ("revenue", "2026-Q2", {("Cy", "quota_last"): 900.0,        # last is Q1 (90 days): Ann has none then
                            ("Cy", "quota_target"): 910.0, ("Ann", "quota_target"): 300.0}),
    ("deals", "next", {("Bo", "quota_target"): 7.0}),
    ("call", "next", {}),
])
def test_quotas_prorated_and_absent_as_columns_not_zeros(with_quotas, metric, period, expected):
    s = rep_facts.rep_facts(with_quotas, metric, "quarter", period).summary
    columns = {column for _, column in expected}
    assert [c for c in rep_facts.QUOTA_COLUMNS if c in s.columns] == sorted(columns)
    for (rep, column), quota in expected.items():
        assert s.loc[rep, column] == pytest.approx(quota)
    for column in columns:                       # reps without a quota: missing, not 0
        others = s.index.difference([rep for rep, c in expected if c == column])
        assert s.loc[others, column].isna().all()


def test_month_grain_quota_of_a_quarter_is_its_share(with_quotas):
    s = rep_facts.rep_facts(with_quotas, "revenue", "month", "2026-07").summary
    assert s.loc["Ann", "quota_last"] == pytest.approx(100.0)                  # June
    assert s.loc["Cy", "quota_target"] == pytest.approx(310.0)                 # 31 days of July


class CountingConnection:
    """Counts the queries a function sends (DuckDB's connection cannot be patched)."""

    def __init__(self, conn):
        self.conn, self.queries = conn, 0

    def execute(self, *args, **kwargs):
        self.queries += 1
        return self.conn.execute(*args, **kwargs)


def test_one_query_per_call(seeded):
    counting = CountingConnection(seeded)
    facts = rep_facts.rep_facts(counting, "revenue", "quarter", "next", as_of=AS_OF, fiscal_start_month=1)
    assert counting.queries == 1 and not facts.summary.empty


def test_no_data_gives_no_facts():
    conn = store.connect(":memory:")
    facts = rep_facts.rep_facts(conn, "revenue", "quarter", "2026-Q3")
    assert facts.last is None and facts.summary.empty
    assert list(facts.summary.columns) == ["last_actual", "recent"]
    conn.close()


def test_fiscal_quarters(seeded):
    store.set_setting(seeded, "fiscal_year_start_month", "2")
    try:
        facts = rep_facts.rep_facts(seeded, "revenue", "quarter", "next")
    finally:
        store.set_setting(seeded, "fiscal_year_start_month", "1")
    assert facts.last == parse_period("FY2027-Q1", 2)          # Feb-Apr 2026: May-Jul has not ended
    panel = metrics.rep_period_panel(seeded, "revenue", "quarter", fiscal_start_month=2)
    ann = panel[(panel["rep"] == "Ann") & (panel["period_start"] == facts.last.start)]["value"]
    assert facts.summary.loc["Ann", "last_actual"] == pytest.approx(float(ann.iloc[0]))
    assert isinstance(facts.summary, pd.DataFrame)


# ---- the command line: python -m analytics facts --------------------------------------------------

@pytest.fixture(scope="module")
def orders_db(tmp_path_factory):
    import orders_fixtures

    folder = tmp_path_factory.mktemp("orders-facts")
    return orders_fixtures.build_orders_db(folder)


def test_cli_facts_json_is_the_engine(orders_db):
    import json

    from helpers import run_cli

    out = run_cli("facts", "--db", str(orders_db), "--grain", "month", "--periods", "6", "--json", "--no-verdict")
    assert out.returncode == 0, out.stderr
    got = json.loads(out.stdout)
    conn = store.connect(orders_db)
    try:
        facts = rep_facts.rep_facts(conn, "revenue", "month", "next", n_recent=6)
    finally:
        conn.close()
    assert (got["period"], got["last_period"], got["verdict"]) == ("2026-07", "2026-06", None)
    assert [r["rep"] for r in got["reps"]] == facts.summary.index.tolist()
    for row in got["reps"]:
        assert row["last_actual"] == pytest.approx(facts.summary.loc[row["rep"], "last_actual"])
        assert row["recent"] == pytest.approx(facts.summary.loc[row["rep"], "recent"])
        assert "quota_last" not in row and "quota_target" not in row       # none imported: absent, not 0


def test_cli_facts_text_says_what_is_absent_and_the_verdict(orders_db):
    from helpers import run_cli

    out = run_cli("facts", "--db", str(orders_db))
    assert out.returncode == 0, out.stderr
    header = out.stdout.splitlines()[0]
    assert "Actual 2026-Q2" in header and "Last 8 quarters" in header and "CRM quota" not in header
    assert "No CRM quotas imported for won revenue in 2026-Q2 or 2026-Q3." in out.stdout
    assert out.stdout.rstrip().splitlines()[-1].startswith(("On your history", "Too little history"))
    assert "nan" not in out.stdout.lower() and "None" not in out.stdout
    refused = run_cli("facts", "--db", str(orders_db), "--metric", "call")
    assert refused.returncode == 2 and "Calls: no activities imported" in refused.stderr


# ---- a rep with no complete period yet: listed with a note, never dropped --------------------------

@pytest.mark.parametrize(("csv", "grain", "noted", "with_values"), [
    ("TEAM_AND_HIRE", "month", {"New Hire": "no complete month yet"}, {"Old Hand"}),
    ("TEAM_AND_HIRE", "quarter", {"New Hire": "no complete quarter yet"}, {"Old Hand"}),
    ("FIRST_DAYS", "month", {"Solo Rep": "no complete month yet", "Two Rep": "no complete month yet"}, set()),
    # the only quarter before the next is the one the data start inside of: "No rep has won revenue before
    # 2025-Q1" was said beside six reps' deals
    ("LATE_IN_QUARTER", "quarter", dict.fromkeys(("Ann Lee", "Bo Chan", "Cy Diaz", "Di Park", "Ed Moss", "Flo Ng"),
                                                 "no complete quarter yet"), set()),
])
def test_a_rep_without_a_complete_period_is_listed_with_a_note(tmp_path, csv, grain, noted, with_values):
    import short_history_fixtures

    db = short_history_fixtures.database_from_csv(tmp_path, getattr(short_history_fixtures, csv))
    conn = store.connect(db)
    s = rep_facts.rep_facts(conn, "revenue", grain, "next").summary
    conn.close()
    assert set(s.index) == set(noted) | with_values
    for rep, note in noted.items():
        assert s.loc[rep, rep_facts.NOTE_COLUMN] == note
        assert np.isnan(s.loc[rep, "last_actual"]) and s.loc[rep, "recent"] == []
    assert s.loc[list(with_values), rep_facts.NOTE_COLUMN].isna().all()

    from helpers import run_cli

    text = run_cli("facts", "--db", str(db), "--grain", grain, "--no-verdict")
    assert text.returncode == 0, text.stderr
    assert "Note" in text.stdout.splitlines()[0]
    for rep, note in noted.items():
        assert any(line.split()[:2] == rep.split() and line.rstrip().endswith(note) for line in text.stdout.splitlines())
    import json

    rows = json.loads(run_cli("facts", "--db", str(db), "--grain", grain, "--no-verdict", "--json").stdout)["reps"]
    assert {r["rep"]: r["note"] for r in rows} == {**noted, **dict.fromkeys(with_values)}


@pytest.mark.parametrize(("grain", "first_shown"), [("quarter", "2025-04-01"), ("month", "2025-03-01")])
def test_the_period_the_data_start_inside_of_is_no_value_of_the_trend(grain, first_shown):
    """An export from 1 March: its first quarter holds March alone, and read as a quarter it was a third of one
    (the Maven export: $47k before $82k, $72k, $73k)."""
    conn = store.connect(":memory:")
    days = (date(2026, 6, 30) - date(2025, 3, 1)).days + 1
    deals = [(f"d{i}", "Ann", date(2025, 3, 1) + timedelta(days=i), 1000.0 + i % 7, "won") for i in range(days)]
    conn.executemany("INSERT INTO deals (deal_id, rep, close_date, amount, outcome, import_id) "
                     "VALUES (?, ?, ?, ?, ?, 1)", deals)
    facts = rep_facts.rep_facts(conn, "revenue", grain, "2026-Q3" if grain == "quarter" else "2026-07",
                                n_recent=24, as_of=date(2026, 6, 30))
    panel = metrics.rep_period_panel(conn, "revenue", grain, as_of=date(2026, 6, 30))
    conn.close()
    kept = panel[panel["complete"] & (panel["period_start"] >= date.fromisoformat(first_shown))]
    np.testing.assert_allclose(facts.summary.loc["Ann", "recent"], kept.sort_values("period_start")["value"])
