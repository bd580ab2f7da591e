"""The test companies with regimes: each is deterministic and shows the shape it is named for.

Shapes are checked against the default company of the same seed where the regime only changes
one thing (the same random draws otherwise), so the comparison isolates the regime. No model
coverage is asserted here: docs/calibration-regimes.md records it (``python -m bench.regimes_table``).
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from helpers import run_cli

from analytics import importing, sample, store
from analytics.sample_regimes import ORDER_COLUMNS, REGIMES

AS_OF = pd.Timestamp(sample.AS_OF)
WINDOW_START = pd.Timestamp(sample.window(sample.AS_OF, 3)[0])


def _won(paths: dict[str, Path]) -> pd.DataFrame:
    """Won deals with their close date and amount, from either export (opportunities or orders)."""
    if "orders" in paths:
        orders = pd.read_csv(paths["orders"], dtype=str)
        return pd.DataFrame({"owner": orders["Sales Rep"], "amount": orders["Order Total"].astype(float),
                             "close": pd.to_datetime(orders["Order Date"], format="%m/%d/%Y")})
    deals = pd.read_csv(paths["opportunities"], dtype=str)
    won = deals[deals["Stage"] == "Closed Won"]
    return pd.DataFrame({"owner": won["Opportunity Owner"], "amount": won["Amount"].astype(float),
                         "close": pd.to_datetime(won["Close Date"], format="%m/%d/%Y")})


def _revenue(paths: dict[str, Path], freq: str) -> pd.Series:
    won = _won(paths)
    return won.groupby(won["close"].dt.to_period(freq))["amount"].sum()


def _roster(paths: dict[str, Path]) -> pd.DataFrame:
    reps = pd.read_csv(paths["reps"], dtype=str, keep_default_na=False)
    reps["start"] = pd.to_datetime(reps["Start Date"], format="%Y-%m-%d")
    reps["end"] = pd.to_datetime(reps["End Date"].replace("", None), format="%Y-%m-%d")
    return reps


@pytest.fixture(scope="module")
def companies(tmp_path_factory) -> dict[str, dict[str, Path]]:
    folder = tmp_path_factory.mktemp("regimes")
    return {name: sample.generate(folder / name, regime=name) for name in REGIMES}


@pytest.mark.parametrize("name", list(REGIMES))
def test_each_regime_is_deterministic_from_its_seed(companies, tmp_path, name):
    again = sample.generate(tmp_path / "again", regime=name)
    assert sorted(again) == sorted(companies[name])
    assert all(again[k].read_bytes() == companies[name][k].read_bytes() for k in again)
    other_seed = sample.generate(tmp_path / "other", regime=name, seed=8)
    assert any(other_seed[k].read_bytes() != again[k].read_bytes() for k in again)


@pytest.mark.parametrize("name", [n for n in REGIMES if n not in ("default", "orders_only")])
def test_every_other_regime_writes_another_company_than_the_default(companies, name):
    assert any(companies[name][k].read_bytes() != companies["default"][k].read_bytes()
               for k in ("opportunities", "reps"))


def test_the_default_regime_is_the_bundled_sample_generator(companies, tmp_path):
    plain = sample.generate(tmp_path / "plain")
    assert all(plain[k].read_bytes() == companies["default"][k].read_bytes() for k in plain)


def _created(paths: dict[str, Path]) -> pd.Series:
    deals = pd.read_csv(paths["opportunities"], dtype=str)
    return pd.to_datetime(deals["Created Date"], format="%m/%d/%Y").dt.to_period("M").value_counts()


def test_growth_multiplies_team_volume_and_revenue_about_five_times_within_the_year(companies):
    last = AS_OF.to_period("M") - 1  # the last complete month
    # The last three complete months against the same three a year before (the growth starts then).
    recent_to_year_before = lambda s: s[last - 2: last].sum() / s[last - 14: last - 12].sum()  # noqa: E731
    assert 3 <= recent_to_year_before(_revenue(companies["growth"], "M")) <= 7
    # Opportunities created, against the default company's (same roster and shared shocks): the volume
    # grows 5x over ten months, of which the year-before months already hold about a tenth.
    volume = recent_to_year_before(_created(companies["growth"]).sort_index())
    calm_volume = recent_to_year_before(_created(companies["default"]).sort_index())
    assert 0.8 <= calm_volume <= 1.25
    assert 3.5 <= volume / calm_volume <= 6


def test_dip_cuts_one_quarter_by_about_forty_percent_for_everyone(companies):
    dipped, calm = _revenue(companies["dip"], "Q"), _revenue(companies["default"], "Q")
    quarter = AS_OF.to_period("Q") - REGIMES["dip"].dip_quarters_back
    assert 0.5 <= dipped[quarter] / calm[quarter] <= 0.7
    neighbours = [quarter - 1, quarter + 1]
    assert all(0.95 <= dipped[q] / calm[q] <= 1.05 for q in neighbours)
    assert dipped[quarter] <= 0.75 * dipped[neighbours].mean()
    won, won_calm = _won(companies["dip"]), _won(companies["default"])
    in_quarter = lambda w: w[w["close"].dt.to_period("Q") == quarter].groupby("owner")["amount"].sum()  # noqa: E731
    per_rep = (in_quarter(won) / in_quarter(won_calm)).dropna()
    assert (per_rep < 1).mean() >= 0.8  # the dip is everyone's, not a few reps'


def test_shrinking_team_loses_reps_and_hires_nobody(companies):
    reps = _roster(companies["shrinking"])
    assert not (reps["start"] >= WINDOW_START).any()
    active_at = lambda day: ((reps["start"] <= day) & ~(reps["end"] < day)).sum()  # noqa: E731
    assert active_at(AS_OF) <= 0.65 * active_at(WINDOW_START)


def test_year_end_spike_doubles_december_only(companies):
    spiked, calm = _revenue(companies["year_end_spike"], "M"), _revenue(companies["default"], "M")
    ratio = (spiked / calm).dropna()
    december = ratio[ratio.index.month == 12]
    assert len(december) == 3 and ((december >= 1.5) & (december <= 2.4)).all()
    assert ((ratio[ratio.index.month != 12] - 1).abs() <= 0.1).mean() >= 0.9


def test_ramping_hires_are_many_and_sell_less_while_they_ramp(companies):
    reps = _roster(companies["ramping_hires"])
    hires = reps[reps["start"] >= WINDOW_START]
    assert len(hires) >= 0.4 * len(reps)
    won = _won(companies["ramping_hires"]).merge(reps[["Sales Rep", "start"]], left_on="owner",
                                                 right_on="Sales Rep")
    won = won[won["owner"].isin(hires["Sales Rep"])]
    tenure = (won["close"] - won["start"]).dt.days / 30.44
    early = won[tenure < 3].groupby("owner")["amount"].sum() / 3
    settled = won[(tenure >= 6) & (tenure < 12)].groupby("owner")["amount"].sum() / 6
    both = pd.concat([early, settled], axis=1, keys=["early", "settled"]).dropna()
    assert len(both) >= 5 and (both["early"] < both["settled"]).mean() >= 0.7


def test_leavers_go_in_the_middle_of_the_last_year_and_close_nothing_after(companies):
    reps = _roster(companies["leavers"])
    gone = reps[reps["end"].notna()]
    assert len(gone) >= 0.25 * len(reps)
    assert gone["end"].between(pd.Timestamp(2026, 6, 1), pd.Timestamp(2026, 8, 31)).all()
    won = _won(companies["leavers"]).merge(gone[["Sales Rep", "end"]], left_on="owner", right_on="Sales Rep")
    assert not (won["close"] > won["end"]).any()


def test_orders_only_is_an_export_of_won_orders_and_the_roster(companies):
    paths = companies["orders_only"]
    assert sorted(paths) == ["orders", "reps"]
    assert sorted(p.name for p in paths["orders"].parent.iterdir()) == ["orders.csv", "reps.csv"]
    orders = pd.read_csv(paths["orders"], dtype=str)
    assert list(orders.columns) == list(ORDER_COLUMNS.values())
    # Every order is a won deal of the same company: the same count and the same revenue.
    calm = _won(companies["default"])
    assert len(orders) == len(calm)
    assert orders["Order Total"].astype(float).sum() == pytest.approx(calm["amount"].sum())
    assert orders["Order ID"].is_unique


def test_orders_only_imports_as_deals_that_are_all_won(companies):
    conn = store.connect(":memory:")
    results = [importing.import_file(conn, path) for path in companies["orders_only"].values()]
    assert [r.kind for r in results] == ["deals", "reps"]
    assert all(r.rows_rejected == 0 for r in results)
    assert conn.execute("SELECT count(*) FROM activities").fetchone() == (0,)
    won, total = conn.execute("SELECT count(*) FILTER (WHERE outcome = 'won'), count(*) FROM deals").fetchone()
    assert won == total == results[0].rows_loaded > 0


def test_cli_writes_a_regime_and_refuses_an_unknown_one(tmp_path):
    done = run_cli("sample", "--regime", "orders_only", "--reps", "8", "--years", "2", "--out", str(tmp_path))
    assert done.returncode == 0, done.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["orders.csv", "reps.csv"]
    refused = run_cli("sample", "--regime", "boom", "--out", str(tmp_path / "no"))
    assert refused.returncode == 2
    assert "boom" in refused.stderr and "growth" in refused.stderr
    assert not (tmp_path / "no").exists()


def test_generate_refuses_an_unknown_regime_naming_the_known_ones(tmp_path):
    with pytest.raises(ValueError, match="unknown regime 'boom'.*growth"):
        sample.generate(tmp_path, regime="boom")
