"""The deterministic sample-company generator and the benchmark deals writer."""

from __future__ import annotations

import csv
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from helpers import REPO_ROOT, run_cli

from analytics import sample
from analytics.sample_big import BAD_AMOUNTS, write_benchmark_deals

AS_OF = pd.Timestamp(sample.AS_OF)
HEADERS = {
    "opportunities": ["Opportunity ID", "Opportunity Name", "Opportunity Owner", "Account Name", "Product",
                      "Stage", "Amount", "Currency", "Created Date", "Close Date"],
    "activities": ["Assigned To", "Week Starting", "Activity Type", "Count"],
    "reps": ["Sales Rep", "Team", "Manager", "Region", "Start Date", "End Date"],
    "quotas": ["Sales Rep", "Year"] + [f"{m} (k)" for m in sample.MONTHS],
}
SMALL = {"reps": 8, "years": 2}


def _load(paths: dict[str, Path]) -> dict[str, pd.DataFrame]:
    frames = {k: pd.read_csv(p, dtype=str, keep_default_na=False) for k, p in paths.items()}
    deals = frames["opportunities"]
    deals["created"] = pd.to_datetime(deals["Created Date"], format="%m/%d/%Y")
    deals["close"] = pd.to_datetime(deals["Close Date"], format="%m/%d/%Y")
    deals["amount"] = deals["Amount"].astype(float)
    frames["activities"]["week"] = pd.to_datetime(frames["activities"]["Week Starting"], format="%Y-%m-%d")
    reps = frames["reps"]
    reps["name"] = reps["Sales Rep"]  # (a column name itertuples can give as a field)
    reps["start"] = pd.to_datetime(reps["Start Date"], format="%Y-%m-%d")
    reps["end"] = pd.to_datetime(reps["End Date"].replace("", None), format="%Y-%m-%d")
    return frames


def _monthly_won(deals: pd.DataFrame) -> pd.Series:
    won = deals[deals["Stage"] == "Closed Won"]
    return won.groupby([won["Opportunity Owner"], won["close"].dt.to_period("M")])["amount"].sum()


@pytest.fixture(scope="module")
def small(tmp_path_factory) -> dict[str, pd.DataFrame]:
    return _load(sample.generate(tmp_path_factory.mktemp("small"), **SMALL))


@pytest.fixture(scope="module")
def default_paths(tmp_path_factory) -> dict[str, Path]:
    return sample.generate(tmp_path_factory.mktemp("default"))


@pytest.fixture(scope="module")
def default(default_paths) -> dict[str, pd.DataFrame]:
    return _load(default_paths)


def test_same_seed_gives_identical_bytes_and_another_seed_differs(tmp_path):
    a = sample.generate(tmp_path / "a", seed=3, **SMALL)
    b = sample.generate(tmp_path / "b", seed=3, **SMALL)
    c = sample.generate(tmp_path / "c", seed=4, **SMALL)
    assert sorted(a) == ["activities", "opportunities", "quotas", "reps"]
    for kind in a:
        assert a[kind].read_bytes() == b[kind].read_bytes(), kind
    assert a["opportunities"].read_bytes() != c["opportunities"].read_bytes()
    assert a["activities"].read_bytes() != c["activities"].read_bytes()


@pytest.mark.parametrize("kind", sorted(HEADERS))
def test_headers_are_exact(small, kind):
    assert list(small[kind].columns[: len(HEADERS[kind])]) == HEADERS[kind]


def test_committed_sample_is_what_generate_writes(default_paths):
    for path in default_paths.values():
        committed = REPO_ROOT / "data" / "sample" / path.name
        assert committed.exists(), f"{committed} missing: run python -m analytics sample --out data/sample"
        assert committed.read_bytes() == path.read_bytes(), f"{committed.name} differs from generate()"


def test_opportunity_fields_look_like_a_salesforce_report(small):
    deals = small["opportunities"]
    assert deals["Opportunity ID"].is_unique
    assert deals["Opportunity ID"].str.fullmatch(r"0065g0000[0-9A-Za-z]{6}[A-Z0-5]{3}").all()
    assert deals["Amount"].str.fullmatch(r"\d+\.\d\d").all() and (deals["amount"] > 0).all()
    assert (deals["Currency"] == "USD").all()
    assert set(deals["Stage"]) <= {"Closed Won", "Closed Lost", *sample.OPEN_STAGES}
    assert set(deals["Product"]) <= {p[0] for p in sample.PRODUCTS}
    assert (deals["close"] > deals["created"]).all()


def test_default_company_has_quoted_account_names(default_paths):
    with default_paths["opportunities"].open(newline="") as f:
        accounts = {row["Account Name"] for row in csv.DictReader(f)}
    assert any("," in a for a in accounts) and any('"' in a for a in accounts)


def test_nothing_closes_or_happens_after_as_of_and_the_pipeline_is_open(small):
    deals, acts = small["opportunities"], small["activities"]
    closed = deals["Stage"].str.startswith("Closed")
    assert (deals.loc[closed, "close"] <= AS_OF).all()
    assert (deals.loc[~closed, "close"] > AS_OF).all() and (~closed).sum() > 0
    assert (deals["created"] <= AS_OF).all()
    assert (acts["week"] <= AS_OF).all() and (acts["week"].dt.day_of_week == 0).all()
    assert (acts["Count"].astype(int) > 0).all()
    assert set(acts["Activity Type"]) == set(sample.ACTIVITY_TYPES)


def test_window_starts_a_whole_number_of_years_before_the_current_quarter(small):
    start, _ = sample.window(sample.AS_OF, SMALL["years"])
    assert start == date(2024, 10, 1)
    assert small["activities"]["week"].min() >= pd.Timestamp(start) - pd.Timedelta(days=6)
    assert (small["opportunities"]["close"] >= pd.Timestamp(start)).all()


def test_leavers_have_end_dates_and_no_activity_or_closed_deals_after(small):
    reps, acts, deals = small["reps"], small["activities"], small["opportunities"]
    leavers = reps[reps["end"].notna()]
    assert len(leavers) >= 1 and (reps["start"] > pd.Timestamp("2024-10-01")).sum() >= 1
    for rep in leavers.itertuples():
        assert (acts.loc[acts["Assigned To"] == rep.name, "week"] <= rep.end).all()
        assert (deals.loc[deals["Opportunity Owner"] == rep.name, "close"] <= rep.end).all()
    for rep in reps.itertuples():  # nobody works before starting
        assert (acts.loc[acts["Assigned To"] == rep.name, "week"] >= rep.start - pd.Timedelta(days=6)).all()


def test_default_world_has_three_teams_hires_and_leavers(default):
    reps = default["reps"]
    assert len(reps) == 36 and reps["Team"].nunique() == 3 and reps.groupby("Team")["Manager"].nunique().eq(1).all()
    assert 6 <= (reps["start"] >= pd.Timestamp("2023-10-01")).sum() <= 8
    assert 4 <= reps["end"].notna().sum() <= 6
    assert 6_000 <= len(default["opportunities"]) <= 15_000


def test_new_hires_ramp(default):
    reps, revenue = default["reps"], _monthly_won(default["opportunities"])
    ratios = []
    for rep in reps[reps["start"] >= pd.Timestamp("2023-10-01")].itertuples():
        mine = revenue.get(rep.name, pd.Series(dtype=float))
        first = pd.Period(rep.start, "M")
        months = pd.period_range(first, pd.Period(AS_OF, "M") - 1, freq="M")
        if len(months) < 12:
            continue
        by_month = mine.reindex(months, fill_value=0.0).to_numpy()
        ratios.append(by_month[:3].sum() / (by_month[6:].mean() * 3))
    assert len(ratios) >= 3
    assert np.mean(ratios) < 0.5


def test_q4_is_the_strong_quarter(default):
    reps, revenue = default["reps"], _monthly_won(default["opportunities"])
    months = pd.period_range("2024-01", "2026-09", freq="M")
    per_rep = []
    for m in months:  # revenue per active rep, so headcount changes do not leak in
        active = ((reps["start"] <= m.start_time) & ~(reps["end"] < m.end_time.normalize())).sum()
        per_rep.append(revenue.xs(m, level=1).sum() / active)
    quarter = pd.Series(per_rep, index=months).groupby(months.quarter).mean()
    assert quarter[4] > 1.15 * quarter[[1, 2, 3]].mean()


def test_quotas_are_last_years_same_month_times_1_1(default):
    reps, quotas = default["reps"], default["quotas"]
    revenue = _monthly_won(default["opportunities"])
    steady = reps[(reps["start"] < pd.Timestamp("2024-01-01")) & reps["end"].isna()]["Sales Rep"]
    assert len(steady) >= 10
    cols = HEADERS["quotas"][2:]
    for name in steady:
        row = quotas[(quotas["Sales Rep"] == name) & (quotas["Year"] == "2026")]
        got = row[cols].astype(float).to_numpy().ravel()
        basis = revenue.get(name, pd.Series(dtype=float)).reindex(pd.period_range("2025-01", "2025-12", freq="M"),
                                                                 fill_value=0.0)
        np.testing.assert_allclose(got, basis.to_numpy() * 1.1 / 1000, atol=0.051)


def test_quotas_are_blank_outside_employment(default):
    reps, quotas = default["reps"], default["quotas"]
    cols = HEADERS["quotas"][2:]
    for rep in reps[reps["start"] >= pd.Timestamp("2024-02-01")].itertuples():
        row = quotas[(quotas["Sales Rep"] == rep.name) & (quotas["Year"] == str(rep.start.year))][cols].iloc[0]
        assert (row.iloc[: rep.start.month - 1] == "-").all() and row.iloc[rep.start.month - 1] != "-"
    for rep in reps[reps["end"].notna()].itertuples():
        rows = quotas[(quotas["Sales Rep"] == rep.name) & (quotas["Year"].astype(int) >= rep.end.year)]
        assert len(rows) == 1 and (rows[cols].iloc[0].iloc[rep.end.month:] == "-").all()
    assert set(quotas["Year"]) == {"2024", "2025", "2026"}


def test_big_writer_writes_n_rows_with_a_few_bad_ones(tmp_path):
    path = write_benchmark_deals(tmp_path / "big.csv", 30_000, seed=2)
    again = write_benchmark_deals(tmp_path / "again.csv", 30_000, seed=2)
    assert path.read_bytes() == again.read_bytes()
    frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    assert list(frame.columns) == HEADERS["opportunities"] and len(frame) == 30_000
    assert frame["Opportunity ID"].is_unique
    amount_ok = frame["Amount"].str.fullmatch(r"\d+\.\d\d")
    created_ok, close_ok = (pd.to_datetime(frame[c], format="%m/%d/%Y", errors="coerce").notna()
                            for c in ("Created Date", "Close Date"))
    bad = ~(amount_ok & created_ok & close_ok)
    assert 3 <= bad.sum() <= 10 and (~amount_ok).sum() >= 1 and (~created_ok | ~close_ok).sum() >= 1
    assert frame["Opportunity Owner"].nunique() > 500


def test_cli_writes_the_sample_and_the_big_file(tmp_path):
    assert run_cli("sample", "--reps", "6", "--years", "1", "--seed", "5", "--out", str(tmp_path / "s")).returncode == 0
    assert sorted(p.name for p in (tmp_path / "s").iterdir()) == [
        "activities.csv", "opportunities.csv", "quotas.csv", "reps.csv"]
    big = run_cli("sample", "--rows", "1000", "--out", str(tmp_path / "b"))
    assert big.returncode == 0 and "wrote 1,000 rows" in big.stdout
    lines = (tmp_path / "b" / "opportunities_1000.csv").read_text().splitlines()
    assert len(lines) == 1001
    too_few = run_cli("sample", "--reps", "2", "--out", str(tmp_path / "x"))
    assert too_few.returncode == 2 and too_few.stderr.startswith("error: ")


def test_the_big_file_imports_with_exactly_its_bad_rows_set_aside(tmp_path):
    from analytics import importing, store

    path = write_benchmark_deals(tmp_path / "big.csv", 30_000, seed=3)
    frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    amount_ok = frame["Amount"].str.fullmatch(r"\d+\.\d\d")
    created_ok, close_ok = (pd.to_datetime(frame[c], format="%m/%d/%Y", errors="coerce").notna()
                            for c in ("Created Date", "Close Date"))
    conn = store.connect(tmp_path / "big.duckdb")
    result = importing.import_file(conn, path)
    conn.close()
    assert result.status == "loaded", result.message
    assert result.rows_read == 30_000
    bad = ~(amount_ok & created_ok & close_ok)
    # A blank-like amount ("$-") is kept as a deal without an amount; everything else bad is set aside.
    assert result.rows_rejected == int(bad.sum() - (frame["Amount"] == "$-").sum())
    assert result.rows_loaded == 30_000 - result.rows_rejected


@pytest.mark.parametrize("bad_amount", BAD_AMOUNTS)
def test_each_deliberately_bad_amount_is_set_aside_not_a_refusal(tmp_path, bad_amount):
    """A bad value must cost its row, never the file (a second currency code would refuse it whole)."""
    from analytics import importing, store

    header = ",".join(f'"{h}"' for h in HEADERS["opportunities"])
    rows = [f'"006A{i}","Deal {i}","Ann Lee","Acme","Core","Closed Won","{amount}","USD","01/05/2026","02/10/2026"'
            for i, amount in enumerate(["1200.00", "830.50", bad_amount])]
    path = tmp_path / "deals.csv"
    path.write_text("\n".join([header, *rows]) + "\n", encoding="utf-8")
    conn = store.connect(tmp_path / "t.duckdb")
    result = importing.import_file(conn, path)
    conn.close()
    assert result.status == "loaded", result.message
