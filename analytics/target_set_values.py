"""Saved target sets as values: what a save writes (:class:`TargetSetDraft`), what a load gives
(:class:`SavedTargetSet`: its rows per rep and tier, targets and chances by tier, its fiscal period), the
errors a save or edit is refused with, and the columns and choices both share.

No SQL here: storing, revisions and comparisons are in :mod:`analytics.target_sets`, reading and listing in
:mod:`analytics.target_set_reads`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import datetime
from functools import cached_property

import numpy as np
import pandas as pd

from analytics.periods import Period, parse_period
from analytics.targets import TIER_ORDER

ROW_COLUMNS = ["rep", "tier", "target", "model_value", "p_attain", "source", "reason", "rep_proposal"]
ACTIVITY_COLUMNS = ["rep", "activity", "per_period", "per_week"]
STATUSES = ("draft", "final")
TEAM_REST = ("resplit", "shortfall")
"""With a team number, what became of the rest when some reps' base targets were edited: split again at
equal chance across the others (the total is the team number), or kept as a shortfall (shown and saved)."""


class TargetSetError(ValueError):
    """A save or edit refused, with the reason in the message."""


class TargetSetFinalError(TargetSetError):
    """The set is final and therefore read-only."""


class TargetSetConflict(TargetSetError):  # noqa: N818 (the name the callers use)
    """Someone saved the set since you loaded it (stale ``expected_revision``)."""

    def __init__(self, message: str, *, set_id: int | None = None, expected: int | None = None,
                 actual: int | None = None, changed_by: str | None = None,
                 changed_at: datetime | None = None) -> None:
        super().__init__(message)
        self.set_id, self.expected, self.actual = set_id, expected, actual
        self.changed_by, self.changed_at = changed_by, changed_at


@dataclass
class TargetSetDraft:
    """What a save writes. ``set_id`` None creates a new set (the name must be free)."""

    name: str
    period: str
    grain: str
    metric: str
    tiers: dict
    method: str = "percentile"
    rows: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=ROW_COLUMNS))
    activity_rows: pd.DataFrame | None = None
    team_target: float | None = None
    status: str = "draft"
    set_id: int | None = None
    assumptions: dict = field(default_factory=dict)
    team_rest: str | None = None
    """With a team number: ``resplit`` or ``shortfall`` (:data:`TEAM_REST`); None without one."""


@dataclass(frozen=True)
class SavedTargetSet:
    set_id: int
    name: str
    version: int
    status: str
    period: str
    grain: str
    metric: str
    tiers: dict
    method: str
    team_target: float | None
    revision: int
    created_at: datetime
    updated_at: datetime
    updated_by: str | None
    assumptions: dict
    rows: pd.DataFrame
    activity_rows: pd.DataFrame
    fiscal_start_month: int = 1
    """The fiscal calendar the period label is read in (saved with the set, else the database's)."""
    team_rest: str | None = None
    """With a team number: ``resplit`` (the rest split again) or ``shortfall`` (kept); see :data:`TEAM_REST`."""

    @property
    def is_final(self) -> bool:
        return self.status == "final"

    @property
    def label(self) -> str:
        return f"{self.name!r} v{self.version}"

    @cached_property
    def fiscal_period(self) -> Period:
        """The set's period (``period`` is its label) in the set's fiscal calendar."""
        return parse_period(self.period, self.fiscal_start_month)

    @cached_property
    def targets_by_tier(self) -> pd.DataFrame:
        """One row per rep (sorted), one column per tier present, base first: the targets."""
        return self._by_tier("target")

    @cached_property
    def chances_by_tier(self) -> pd.DataFrame:
        """The chances saved with the targets, in the shape of :attr:`targets_by_tier`."""
        return self._by_tier("p_attain")

    @property
    def reps(self) -> np.ndarray:
        """The set's reps, in the order of :attr:`targets_by_tier`."""
        return self.targets_by_tier.index.to_numpy(dtype=object)

    @property
    def team_number(self) -> float:
        """The set's team target, or the sum of base targets when none was saved."""
        if self.team_target is not None and math.isfinite(self.team_target) and self.team_target > 0:
            return float(self.team_target)
        return float(self.targets_by_tier["base"].sum())

    def _by_tier(self, column: str) -> pd.DataFrame:
        tiers = [t for t in TIER_ORDER if t in set(self.rows["tier"])]
        wide = self.rows.pivot(index="rep", columns="tier", values=column).reindex(columns=tiers)
        wide = wide.astype(float).sort_index()
        wide.columns.name, wide.index.name = None, "rep"
        return wide

    def to_draft(self) -> TargetSetDraft:
        return TargetSetDraft(self.name, self.period, self.grain, self.metric, dict(self.tiers), self.method,
                              self.rows.copy(), self.activity_rows.copy(), self.team_target, self.status,
                              self.set_id, dict(self.assumptions), self.team_rest)


def clean_text(value: object) -> str | None:
    """A reason as stored: None for a blank, a missing value or NaN, else the text without outer spaces.

    >>> clean_text("  new territory "), clean_text("   "), clean_text(float("nan"))
    ('new territory', None, None)
    """
    if value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value)):
        return None
    return str(value).strip() or None
