"""The panel contract: a good panel passes untouched; each broken rule names column and value."""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd
import pytest

from analytics import contracts, metrics, panel_arrays, store
from analytics.contracts import ContractError


def good_panel() -> pd.DataFrame:
    return pd.DataFrame({
        "rep": ["Ann", "Ann", "Bo"],
        "period_start": [date(2026, 1, 1), date(2026, 4, 1), date(2026, 1, 1)],
        "period_label": ["2026-Q1", "2026-Q2", "2026-Q1"],
        "value": [1200.0, -50.0, 0.0],
        "exposure_days": [90, 91, 45],
        "tenure_months": [np.nan, np.nan, 1.5],
        "complete": [True, True, True],
        "team": ["East", "East", None],
    })


def test_good_panel_passes_unchanged():
    panel = good_panel()
    assert contracts.PANEL.validate(panel) is panel


@pytest.mark.parametrize(("column", "value", "message"), [
    ("rep", None, "'rep' has a null value at row 1"),
    ("rep", 17, "'rep' should be text, got 17 at row 1"),
    ("period_start", "2026-04-01", "'period_start' should be date, got '2026-04-01'"),
    ("value", "1,200", "'value' should be number, got '1,200'"),
    ("exposure_days", -3, "'exposure_days' value -3 at row 1 is outside its range"),
    ("exposure_days", 2.5, "'exposure_days' should be integer, got 2.5"),
    ("tenure_months", -1.0, "'tenure_months' value -1.0 at row 1 is outside its range"),
    ("complete", None, "'complete' has a null value"),
])
def test_broken_rule_names_column_and_value(column, value, message):
    panel = good_panel()
    panel[column] = panel[column].astype(object)
    panel.loc[1, column] = value
    with pytest.raises(ContractError, match=message.replace("(", r"\(").replace(")", r"\)")):
        contracts.PANEL.validate(panel)


def test_missing_column_is_named():
    with pytest.raises(ContractError, match="missing column"):
        contracts.PANEL.validate(good_panel().drop(columns=["exposure_days"]))


def test_count_panel_refuses_fractional_counts():
    panel = good_panel()
    panel["value"] = [3.0, 2.5, 0.0]
    with pytest.raises(ContractError, match="'value' should be integer, got 2.5"):
        contracts.COUNT_PANEL.validate(panel)
    panel["value"] = [3.0, 2.0, 0.0]
    contracts.COUNT_PANEL.validate(panel)


def test_estimators_refuse_a_broken_panel():
    panel = good_panel()
    panel.loc[0, "exposure_days"] = -1
    with pytest.raises(ContractError):
        panel_arrays.build_arrays(panel, "quarter", 1)


@pytest.mark.parametrize("metric", ["revenue", "deals", "win_rate", "meeting"])
def test_panels_from_the_sample_keep_the_contract(sample_db, metric):
    conn = store.connect(sample_db)
    panel = metrics.rep_period_panel(conn, metric, "quarter")
    conn.close()
    assert len(panel) > 100
    contracts.PANEL.validate(panel)
    if metrics.metric_kind(metric) == "count":
        contracts.COUNT_PANEL.validate(panel)
