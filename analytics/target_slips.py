"""Typed targets far below the model's for their tier: a slip of unit (56 typed for 56,000), said, not refused.

A manager overriding a rep's target in a meeting types "56" meaning $56k: saved as $56, its chance 100%, the
team's expected share at base up a point, and nothing said. Such a target (an override, or a rep's proposal
taken) below a two-hundredth of the model's own value for its rep and tier is named in a warning on Targets
and in a note of ``targets save``; it is kept as typed (a tiny target may be meant: a rep on leave).
"""

from __future__ import annotations

import pandas as pd

from analytics import formatting

TYPED_SHARE_OF_MODEL = 1 / 200
"""A typed target (an override, a rep's proposal taken) below this share of the model's own value for its tier
reads as a slip of unit: 56 typed for 56,000 is a thousandth of it. Its chance is 100%; the page says so."""


def unit_slip_problems(rows: pd.DataFrame, kind: str = "count", currency: str = "$") -> list[str]:
    """Typed targets far below the model's for their rep and tier: one sentence each, for a warning. Money
    only (``kind``): amounts are what a sheet or a habit writes in thousands; a count is typed whole.

    >>> rows = pd.DataFrame({"rep": ["Ann", "Bo"], "tier": ["base", "base"], "target": [56.0, 52_000.0],
    ...                      "model_value": [61_000.0, 60_000.0], "source": ["override", "override"]})
    >>> print(*unit_slip_problems(rows, "money", "$"))
    Ann: base $56 against the model's $61k (typed in thousands? $56k was perhaps meant)
    """
    if kind != "money":
        return []
    typed = rows[rows["source"].isin(["override", "rep proposal"])
                 & (rows["model_value"] > 0) & (rows["target"] < TYPED_SHARE_OF_MODEL * rows["model_value"])]
    return [f"{r.rep}: {r.tier} {formatting.value(r.target, kind, currency)} against the model's "
            f"{formatting.value(r.model_value, kind, currency)} (typed in thousands? "
            f"{formatting.value(r.target * 1000, kind, currency)} was perhaps meant)" for r in typed.itertuples()]
