"""The same period a year earlier beside the team's range: the number a manager checks a plan against.

A manager opening a fourth-quarter plan asks first what the team did last fourth quarter. The model's
team range rests on the recent level and a season learned from the years it has (shrunk when the years
disagree, :func:`analytics.panel_arrays.shrunk_season`), so after a weak quarter it can sit well below a
strong season's last result. Neither number is right by itself; the plan is honest when both are in view.

Maths
-----
With T the team's simulated totals for the target period (joint draws with the shared period shock,
:func:`analytics.allocation.team_totals`) and y the team's result a year earlier (the reps of the scope,
leavers included; a complete period the data covered from its start), the year-ago result sits at the percentile F_T(y), the share of
T at or below y. It is called outside the range when F_T(y) < 0.1 or > 0.9 and the headcount moved by at most
:data:`SAME_TEAM` (a team that doubled has a year-ago total below its range for a reason the sentence
already says).

Example
-------
>>> from analytics.periods import parse_period
>>> totals = np.linspace(80.0, 120.0, 1001)
>>> ago = YearAgo(parse_period("2026-Q4"), 130.0, 10, 10, 125.0, percentile_of(totals, 130.0),
...               float(np.quantile(totals, 0.1)), float(np.median(totals)), float(np.quantile(totals, 0.9)))
>>> ago.outside
True
>>> print(ago.sentence(lambda x: f"{x:.0f}"))
A year earlier, in 2025-Q4, the team won 130 with 10 reps: above its 80% range for 2026-Q4 (84 to 116, median 100). The range follows the recent level (125 in 2026-Q3) and the season of the years before; a plan that expects last year's result again is a choice to make openly, with a reason.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from analytics import formatting
from analytics.complete_history import partial_periods
from analytics.metric_registry import resolve_metric
from analytics.periods import MONTHS_PER, Period

SAME_TEAM = 0.2
"""The largest move in headcount (as a share of the reps then) at which a year-ago result outside the range is flagged."""


@dataclass(frozen=True)
class YearAgo:
    """The target period's team range and the team's result in the same period a year earlier."""

    target: Period
    total: float
    """The team's result a year earlier (the scope's reps then, leavers included)."""
    reps_then: int
    reps_now: int
    last_total: float
    """The team's result in the period before the target (NaN when it is not complete)."""
    percentile: float
    """F_T(total): the share of the team's simulated outcomes for the target at or below the year-ago total."""
    team_p10: float
    team_p50: float
    team_p90: float
    did: str = "the team won"
    """The words before the amount: "the team won" ($6.91M), "the team's calls came to" (4,210)."""

    @property
    def period(self) -> Period:
        return self.target.previous(12 // MONTHS_PER[self.target.grain])

    @property
    def same_team(self) -> bool:
        return abs(self.reps_now - self.reps_then) <= SAME_TEAM * max(self.reps_then, 1)

    @property
    def outside(self) -> bool:
        """The year-ago result lies outside the team's 80% range for the target, with about the same team."""
        return self.same_team and not 0.1 <= self.percentile <= 0.9

    def sentence(self, write: Callable[[float], str]) -> str:
        """The comparison in the manager's words; ``write`` writes an amount of the metric."""
        reps = formatting.quantity(self.reps_then, "rep")
        if self.reps_now != self.reps_then:
            reps += f" ({self.reps_now} now)"
        where = ("above" if self.percentile > 0.9 else "below" if self.percentile < 0.1 else "inside")
        text = (f"A year earlier, in {self.period.label}, {self.did} {write(self.total)} with {reps}: {where} its "
                f"80% range for {self.target.label} ({write(self.team_p10)} to {write(self.team_p90)}, median "
                f"{write(self.team_p50)}).")
        if not self.outside:
            return text
        last = "" if not np.isfinite(self.last_total) else \
            f" ({write(self.last_total)} in {self.target.previous().label})"
        return (f"{text} The range follows the recent level{last} and the season of the years before; a plan "
                f"that expects last year's result again is a choice to make openly, with a reason.")


def percentile_of(totals: np.ndarray, value: float) -> float:
    """F_T(value): the share of the sorted simulated ``totals`` at or below ``value``.

    >>> percentile_of(np.array([1.0, 2.0, 3.0, 4.0]), 3.0)
    0.75
    """
    return float(np.searchsorted(totals, value, side="right") / max(totals.size, 1))


def year_ago(history: pd.DataFrame, metric: str, target: Period, totals: np.ndarray, reps_now: int, *,
             missed: Callable[[Period], bool] | None = None) -> YearAgo | None:
    """The team's year-ago result beside its range for ``target`` (``totals``: its simulated team totals,
    sorted); None for a metric that does not add up over reps (a rate, an average) or when the year-ago
    period is not a complete period of ``history`` (a ``metrics.rep_period_panel`` frame at the target's grain),
    or is one the export misses months of (``missed``: ``DataCoverage.misses``; an export without March read
    2026-Q1 as $2.09M "below" 2027-Q1's range).
    """
    if not resolve_metric(metric).additive or totals.size == 0 or history.empty:
        return None
    ago = target.previous(12 // MONTHS_PER[target.grain])
    rows = history[history["period_label"] == ago.label]
    # A period the data start inside of (an export from 1 March: its first quarter holds one month) is no year-ago
    # result: no rep was seen for all of it.
    if rows.empty or not rows["complete"].all() or ago.label in partial_periods(rows, target.grain):
        return None
    if missed is not None and missed(ago):
        return None
    before = history[history["period_label"] == target.previous().label]
    last = float(before["value"].sum()) if len(before) and before["complete"].all() else float("nan")
    total = float(rows["value"].sum())
    p10, p50, p90 = (float(q) for q in np.quantile(totals, [0.1, 0.5, 0.9]))
    did = "the team won" if metric == "revenue" else f"the team's {resolve_metric(metric).words} came to"
    return YearAgo(target, total, int(rows["rep"].nunique()), reps_now, last, percentile_of(totals, total),
                   p10, p50, p90, did)
