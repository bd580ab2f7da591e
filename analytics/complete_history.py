"""The refusals of a forecast or a backtest made from too little history, in one place.

A range is learned from complete periods before the target. With none (a first import of this month's
deals, or a target before the data starts) the model has nothing to learn from and its numbers would be
its priors: $1 baselines and a team number split at a 0% chance. :func:`require_complete_period` refuses
instead, with :class:`NoCompleteHistory`, a ``ValueError`` the CLI prints as a refusal and the pages show
in place of the table. A rep with no complete period inside a company that has one (a new hire) is not
refused: the team's history pools their range.

A backtest needs more: :data:`analytics.backtest_cases.MIN_HISTORY` periods before each period it scores.
:func:`too_little_to_backtest` says how many complete periods there are and how many it needs.

Example
-------
>>> from datetime import date
>>> from analytics.periods import parse_period
>>> refusal = NoCompleteHistory("won revenue", parse_period("2026-12"), date(2026, 11, 2), date(2026, 11, 5))
>>> print(refusal)
Too little history for 2026-12: no complete month of won revenue yet (the data runs from 02 Nov 2026 to 05 Nov 2026); a range needs at least one.
>>> isinstance(refusal, ValueError)
True
>>> too_little_to_backtest("month", 1, 5)
'Too little history to backtest per month: 1 complete month, at least 5 needed.'
"""

from __future__ import annotations

from datetime import date

import numpy as np

from analytics import formatting
from analytics.panel_arrays import PanelArrays
from analytics.periods import Period

DAY_FORMAT = "%d %b %Y"
"""How a refusal writes the data's first and last day (as the history-start note does: 01 Sep 2026)."""


class NoCompleteHistory(ValueError):  # noqa: N818 (a refusal, named for what is missing)
    """No complete period of the metric before ``target``: a forecast would be made from nothing.

    ``any_complete`` says whether the data has a complete period at all (later than the target): the
    sentence then says "before" the target rather than "yet".
    """

    def __init__(self, metric_words: str, target: Period, first_day: date | None, last_day: date | None,
                 any_complete: bool = False) -> None:
        self.metric_words, self.target = metric_words, target
        self.first_day, self.last_day, self.any_complete = first_day, last_day, any_complete
        super().__init__(self.sentence)

    @property
    def grain(self) -> str:
        return self.target.grain

    @property
    def sentence(self) -> str:
        grain = self.grain
        text = (f"Too little history for {self.target.label}: no complete {grain} of {self.metric_words} "
                f"{'before it' if self.any_complete else 'yet'}")
        if self.first_day is not None and self.last_day is not None:
            text += f" (the data runs from {self.first_day.strftime(DAY_FORMAT)} to {self.last_day.strftime(DAY_FORMAT)})"
        text += "; a range needs at least one."
        if grain == "quarter":
            text += " Monthly grain needs only one complete month."
        return text


def require_complete_period(arrays: PanelArrays, n_train: int, target: Period, metric_words: str,
                            first_day: date | None, last_day: date | None) -> None:
    """Refuse (:class:`NoCompleteHistory`) when no complete period precedes ``target`` (``n_train``, the
    fit's training columns of ``arrays``, is 0); return when one does, whoever's it is."""
    if n_train > 0:
        return
    if first_day is None and arrays.periods:
        first_day = arrays.periods[0].start
    raise NoCompleteHistory(metric_words, target, first_day, last_day, any_complete=bool(np.any(arrays.complete)))


def too_little_to_backtest(grain: str, n_complete: int, n_needed: int, unit: str | None = None) -> str:
    """The backtest's refusal: ``n_complete`` complete periods of ``unit`` (the grain's own, or months
    when quarters are tested from monthly starting points), ``n_needed`` needed.

    >>> too_little_to_backtest("quarter", 5, 7, unit="month")
    'Too little history to backtest per quarter: 5 complete months, at least 7 needed. Monthly grain has more periods to test on.'
    >>> too_little_to_backtest("month", 0, 5)
    'Too little history to backtest per month: no complete month, at least 5 needed.'
    """
    unit = unit or grain
    have = f"no complete {unit}" if n_complete == 0 else \
        f"{formatting.count(n_complete)} complete {formatting.plural(unit, n_complete)}"
    text = f"Too little history to backtest per {grain}: {have}, at least {formatting.count(n_needed)} needed."
    if grain == "quarter":
        text += " Monthly grain has more periods to test on."
    return text
