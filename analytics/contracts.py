"""Data contracts at the boundary between loading and statistics, declared once.

In the spirit of pandera: a :class:`FrameContract` names the columns a frame must carry, their
kind (text, date, number, integer, bool), whether nulls are allowed and the range values must lie
in. The estimators trust a frame that passed its contract and never re-check it ad hoc.

Example
-------
>>> import pandas as pd
>>> PANEL.validate(pd.DataFrame({"rep": ["Ann"], "period_start": [pd.Timestamp("2026-01-01").date()],
...     "period_label": ["2026-Q1"], "value": [1.0], "exposure_days": [90], "tenure_months": [None],
...     "complete": [True], "team": [None]})).shape
(1, 8)
"""

from __future__ import annotations

from collections.abc import Hashable
from dataclasses import dataclass
from datetime import date

import numpy as np
import pandas as pd


class ContractError(ValueError):
    """A frame broke its contract; the message names the contract, the column and a bad value."""


@dataclass(frozen=True)
class Column:
    name: str
    kind: str                    # text | date | number | integer | bool
    nullable: bool = False
    min: float | None = None
    max: float | None = None


_INFERRED = {
    "text": {"string"},
    "date": {"date", "datetime64", "datetime"},
    "number": {"integer", "floating", "mixed-integer-float", "decimal"},
    "integer": {"integer"},
    "bool": {"boolean"},
}
_VALUE_OK = {
    "text": lambda v: isinstance(v, str),
    "date": lambda v: isinstance(v, date),
    "number": lambda v: isinstance(v, (int, float, np.integer, np.floating)) and not isinstance(v, bool),
    "integer": lambda v: isinstance(v, (int, np.integer)) and not isinstance(v, bool)
    or (isinstance(v, (float, np.floating)) and float(v).is_integer()),
    "bool": lambda v: isinstance(v, (bool, np.bool_)),
}


def _kind_bad(series: pd.Series, kind: str) -> pd.Series | None:
    """None when every non-null value has the declared kind, else a mask of the values that do not.

    The whole-column check runs in pandas' C type inference; the per-value pass only runs to name
    the offending value once the column is known to be wrong.
    """
    inferred = pd.api.types.infer_dtype(series, skipna=True)
    if inferred in _INFERRED[kind]:
        return None
    if kind == "integer" and inferred == "floating" and bool((series == np.floor(series)).all()):
        return None
    return ~series.map(_VALUE_OK[kind]).astype(bool)


@dataclass(frozen=True)
class FrameContract:
    name: str
    columns: tuple[Column, ...]

    def validate(self, frame: pd.DataFrame) -> pd.DataFrame:
        """Return ``frame`` unchanged, or raise :class:`ContractError` at the first broken rule."""
        missing = [c.name for c in self.columns if c.name not in frame.columns]
        if missing:
            raise ContractError(f"{self.name}: missing column(s) {', '.join(missing)}")
        for col in self.columns:
            series = frame[col.name]
            null = series.isna()
            if not col.nullable and null.any():
                raise ContractError(f"{self.name}: column {col.name!r} has a null value at row {_first(null)}")
            present = series[~null]
            if present.empty:
                continue
            bad = _kind_bad(present, col.kind)
            if bad is not None and bad.any():
                row = _first(bad)
                raise ContractError(f"{self.name}: column {col.name!r} should be {col.kind}, "
                                    f"got {_shown(present.loc[row])!r} at row {row}")
            for bound, broken in ((col.min, present < col.min if col.min is not None else None),
                                  (col.max, present > col.max if col.max is not None else None)):
                if broken is not None and broken.any():
                    row = _first(broken)
                    raise ContractError(f"{self.name}: column {col.name!r} value {_shown(present.loc[row])!r} at row "
                                        f"{row} is outside its range (limit {bound})")
        return frame


def _shown(value: object) -> object:
    return value.item() if isinstance(value, np.generic) else value


def _first(mask: pd.Series) -> Hashable:
    return mask[mask].index[0]


# The per rep x period panel that every estimator and the backtest consume (metrics.rep_period_panel).
# value may be negative: clawbacks are real revenue events. An empty period is 0, never null, except
# for ratios (win rate, average deal size), which are undefined when nothing closed.
PANEL = FrameContract("rep x period panel", (
    Column("rep", "text"),
    Column("period_start", "date"),
    Column("period_label", "text"),
    Column("value", "number", nullable=True),
    Column("exposure_days", "integer", min=0, max=366),
    Column("tenure_months", "number", nullable=True, min=0),
    Column("complete", "bool"),
    Column("team", "text", nullable=True),
))

# What a rep's history must look like for a count metric: whole, non-negative numbers.
COUNT_PANEL = FrameContract("count panel", (
    *[c for c in PANEL.columns if c.name != "value"],
    Column("value", "integer", nullable=True, min=0),
))
