"""Chart figures: amounts carry the data's currency on the axis and in the hover text."""

from __future__ import annotations

import pandas as pd
import pytest

from analytics.charts_tracking import actual_vs_expected_bars


def _summary() -> pd.DataFrame:
    return pd.DataFrame({"rep": ["Ann", "Bo"], "actual": [1200.0, 300.0], "expected_to_date": [1000.0, 900.0],
                         "pace": [1.2, 0.33], "p_attain": [0.8, 0.1], "flag": [False, True],
                         "target": [2000.0, 1800.0]})


@pytest.mark.parametrize("prefix", ["€", "$", ""])
def test_bars_write_the_currency_on_axis_and_hover(prefix: str) -> None:
    fig = actual_vs_expected_bars(_summary(), value_prefix=prefix)
    assert (fig.layout.yaxis.tickprefix or "") == prefix
    actual = next(t for t in fig.data if t.name == "actual to date")
    assert actual.hovertemplate.startswith(f"%{{x}}: {prefix}%{{y:,.0f}}")
    assert "chance of base %{customdata[1]:.0%}" in actual.hovertemplate
