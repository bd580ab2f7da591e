"""The refusals of a forecast or a backtest made from too little history, in one place.

A range is learned from complete periods before the target. With none (a first import of this month's
deals, or a target before the data starts) the model has nothing to learn from and its numbers would be
its priors: $1 baselines and a team number split at a 0% chance. :func:`require_complete_period` refuses
instead, with :class:`NoCompleteHistory`, a ``ValueError`` the CLI prints as a refusal and the pages show
in place of the table. A rep with no complete period inside a company that has one (a new hire) is not
refused: the team's history pools their range.

A range is also learned for a period close to the data: the model forecasts every period between the data's
last day and the target, and the backtest checks it one period ahead. :func:`require_recent_data` refuses a
target that starts more than :data:`MAX_LEAD_MONTHS` after the data's last day (:class:`StaleHistory`: a plan
for 2026 from a history that ends in 2017), and :func:`lead_note` says so when a target within reach is not
the period right after the data's.

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
import pandas as pd

from analytics import formatting
from analytics.coverage import PARTIAL_START_DAYS
from analytics.panel_arrays import PanelArrays
from analytics.periods import MONTHS_PER, Period, months_after, period_of

MAX_LEAD_MONTHS = 12
"""A target may start at most this many months after the data's last day: next year's quarters planned from
this December's data are in reach; a period years past its data is refused (:class:`StaleHistory`)."""

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


class SliverHistory(NoCompleteHistory):
    """The only period before ``target`` is one the data start inside of, seen for less than a third of its days
    (``days_seen``): its closes scaled up to a whole period would be the forecast's level. A period's last days
    are its busiest (the quarter-end push), so they were scaled up too far: the last 12 days of the sample
    company's 2026-Q1 forecast about four times its next quarter per rep, most reps' results below the P10.

    >>> from analytics.periods import parse_period
    >>> print(SliverHistory("won revenue", parse_period("2026-Q2"), date(2026, 3, 20), date(2026, 11, 13), 12,
    ...                     parse_period("2026-Q1")))
    Too little history for 2026-Q2: the won revenue data start on 20 Mar 2026, only the last 12 days of 2026-Q1, too few to scale up to a quarter (a period's last days are its busiest); a range needs at least a third of a quarter. Monthly grain needs only one complete month.
    """

    def __init__(self, metric_words: str, target: Period, first_day: date | None, last_day: date | None,
                 days_seen: int, period: Period) -> None:
        self.days_seen, self.period = days_seen, period
        super().__init__(metric_words, target, first_day, last_day, any_complete=True)

    @property
    def sentence(self) -> str:
        grain = self.grain
        days = "day" if self.days_seen == 1 else f"{formatting.count(self.days_seen)} days"
        start = f" on {self.first_day.strftime(DAY_FORMAT)}" if self.first_day else ""
        text = (f"Too little history for {self.target.label}: the {self.metric_words} data start{start}, only the "
                f"last {days} of {self.period.label}, too few to scale up to a {grain} (a period's last days are its "
                f"busiest); a range needs at least a third of a {grain}.")
        if grain == "quarter":
            text += " Monthly grain needs only one complete month."
        return text


MIN_SOLE_PERIOD_SHARE = 1 / 3
"""A history of one period the data start inside of must cover at least this share of its days (a month of a
quarter, ten days of a month: what a first export of the weeks since a CRM went live holds)."""


def require_complete_period(arrays: PanelArrays, n_train: int, target: Period, metric_words: str,
                            first_day: date | None, last_day: date | None) -> None:
    """Refuse (:class:`NoCompleteHistory`) when no complete period precedes ``target`` (``n_train``, the
    fit's training columns of ``arrays``, is 0), or (:class:`SliverHistory`) when the one that does is a sliver
    of a period the data start inside of; return when one does, whoever's it is."""
    if n_train == 1 and (seen := _days_seen(arrays, 0)) < MIN_SOLE_PERIOD_SHARE * arrays.periods[0].days:
        raise SliverHistory(metric_words, target, first_day, last_day, round(seen), arrays.periods[0])
    if n_train > 0:
        return
    if first_day is None and arrays.periods:
        first_day = arrays.periods[0].start
    raise NoCompleteHistory(metric_words, target, first_day, last_day, any_complete=bool(np.any(arrays.complete)))


def too_little_to_backtest(grain: str, n_complete: int, n_needed: int, unit: str | None = None,
                           n_partial: int = 0) -> str:
    """The backtest's refusal: ``n_complete`` complete periods of ``unit`` (the grain's own, or months
    when quarters are tested from monthly starting points), ``n_needed`` needed; ``n_partial`` (0 or 1) of
    them the period the data start inside of, said as part of one (:func:`starts_partial`).

    >>> too_little_to_backtest("quarter", 5, 7, unit="month")
    'Too little history to backtest per quarter: 5 complete months, at least 7 needed. Monthly grain has more periods to test on.'
    >>> too_little_to_backtest("month", 0, 5)
    'Too little history to backtest per month: no complete month, at least 5 needed.'
    >>> too_little_to_backtest("quarter", 2, 7, unit="month", n_partial=1)[:83]
    'Too little history to backtest per quarter: 1 complete month and part of another, a'
    """
    unit = unit or grain
    whole = n_complete - n_partial
    have = f"no complete {unit}" if n_complete == 0 else \
        f"part of one {unit} only" if whole == 0 else \
        f"{formatting.count(whole)} complete {formatting.plural(unit, whole)}" + (" and part of another" if n_partial else "")
    text = f"Too little history to backtest per {grain}: {have}, at least {formatting.count(n_needed)} needed."
    if grain == "quarter":
        text += " Monthly grain has more periods to test on."
    return text


class StaleHistory(ValueError):  # noqa: N818 (a refusal, named for what is wrong)
    """The data end more than :data:`MAX_LEAD_MONTHS` before ``target`` starts: its range would be the
    history's drift carried across years, not a forecast anything checked.

    >>> from analytics.periods import parse_period
    >>> print(StaleHistory(parse_period("2026-Q4"), date(2017, 12, 31)))
    The data end on 31 Dec 2017, 8 years and 9 months before 2026-Q4 starts: a range that far from its data is not a forecast anything has checked (the backtest checks each range one quarter after its data). Import the recent history, or choose a period that starts within 12 months of the data's last day (2018-Q1 to 2018-Q4).
    """

    def __init__(self, target: Period, last_day: date) -> None:
        self.target, self.last_day = target, last_day
        super().__init__(self.sentence)

    @property
    def sentence(self) -> str:
        first = period_of(self.last_day, self.target.grain, self.target.fiscal_start_month).next()
        last = first
        while last.next().start <= months_after(self.last_day, MAX_LEAD_MONTHS):
            last = last.next()
        return (f"The data end on {formatting.day_words(self.last_day)}, {months_words(self.last_day, self.target.start)} "
                f"before {self.target.label} starts: a range that far from its data is not a forecast anything has "
                f"checked (the backtest checks each range one {self.target.grain} after its data). Import the recent "
                f"history, or choose a period that starts within {MAX_LEAD_MONTHS} months of the data's last day "
                f"({first.label} to {last.label}).")


def require_recent_data(target: Period, last_day: date | None) -> None:
    """Refuse (:class:`StaleHistory`) a ``target`` that starts more than :data:`MAX_LEAD_MONTHS` after the
    data's ``last_day``; return otherwise (and when there are no data: :func:`require_complete_period` says so)."""
    if last_day is not None and target.start > months_after(last_day, MAX_LEAD_MONTHS):
        raise StaleHistory(target, last_day)


def lead_note(target: Period, last_day: date | None) -> str | None:
    """What a range of a period later than the one right after the data's last day is, in a sentence; None
    for that period, the current one and past ones.

    >>> from analytics.periods import parse_period
    >>> print(lead_note(parse_period("2027-Q3"), date(2026, 11, 13)))
    2027-Q3 starts 7 months after the data's last day (13 Nov 2026): its ranges are forecast across the 2 quarters between, which widens them, and the backtest checks ranges one quarter after their data only. Import the data up to 2027-Q2 when it is in for ranges checked that way.
    >>> lead_note(parse_period("2027-Q1"), date(2026, 11, 13)) is None
    True
    """
    if last_day is None:
        return None
    current = period_of(last_day, target.grain, target.fiscal_start_month)
    between = 0
    while current.next(between + 1) < target:
        between += 1
    if between == 0:
        return None
    return (f"{target.label} starts {months_words(last_day, target.start)} after the data's last day "
            f"({formatting.day_words(last_day)}): its ranges are forecast across the "
            f"{formatting.quantity(between, target.grain)} between, which widens them, and the backtest checks "
            f"ranges one {target.grain} after their data only. Import the data up to {target.previous().label} "
            f"when it is in for ranges checked that way.")


def months_words(first: date, last: date) -> str:
    """The whole months from ``first`` to ``last`` in words (at least one).

    >>> months_words(date(2017, 12, 31), date(2026, 10, 1)), months_words(date(2026, 11, 13), date(2027, 1, 1))
    ('8 years and 9 months', '1 month')
    >>> months_words(date(2026, 12, 31), date(2028, 1, 1))
    '1 year'
    """
    months = max(1, (last.year - first.year) * 12 + last.month - first.month - (last.day < first.day))
    years, rest = divmod(months, 12)
    parts = [formatting.quantity(n, unit) for n, unit in ((years, "year"), (rest, "month")) if n]
    return " and ".join(parts)


def period_after_data_note(data_ends: date, chosen: Period, tracked: Period) -> str:
    """What Tracking says when the period chosen starts after the data's last day: it holds no data yet,
    whether or not it has begun on the calendar (an export of 13 Nov read on 6 Dec), so the period the
    data ends in is tracked instead.

    >>> from analytics.periods import parse_period
    >>> period_after_data_note(date(2026, 11, 13), parse_period("2026-12"), parse_period("2026-11"))
    'Your data ends on 13 Nov 2026: 2026-12 holds no data yet. Tracking 2026-11, the period it ends in.'
    """
    return (f"Your data ends on {formatting.day_words(data_ends)}: {chosen.label} holds no data yet. "
            f"Tracking {tracked.label}, the period it ends in.")


def partial_periods(history: pd.DataFrame, grain: str) -> set[str]:
    """The labels of the periods of ``history`` (a ``metrics.rep_period_panel`` frame) no rep was seen for all of:
    the one the data start inside of (an export from 1 March: a quarter of one month), whose totals are of part of
    it. A rep's own partial period (a hire's first) is the rep's: the team's longest stay is read.

    >>> frame = pd.DataFrame({"period_label": ["2017-Q1", "2017-Q1", "2017-Q2"], "exposure_days": [31, 31, 91],
    ...                       "period_start": [date(2017, 1, 1), date(2017, 1, 1), date(2017, 4, 1)]})
    >>> partial_periods(frame, "quarter")
    {'2017-Q1'}
    """
    if history.empty:
        return set()
    longest = history.groupby("period_label").agg(days=("exposure_days", "max"), start=("period_start", "first"))
    full = [(months_after(start, MONTHS_PER[grain]) - start).days for start in longest["start"]]
    return {str(label) for label, days, whole in zip(longest.index, longest["days"], full, strict=True)
            if _seen_in_part(days, whole)}


def _seen_in_part(longest_days: float, period_days: float) -> bool:
    """The one rule of a partial period: no rep was in it for all but :data:`PARTIAL_START_DAYS` of its days."""
    return longest_days < period_days - PARTIAL_START_DAYS


def short_history_note(n_whole: int, n_partial: int, unit: str, target_label: str) -> str | None:
    """The warning over ranges learnt from fewer than four periods (None from four on), counting the period
    the data start inside of apart (:func:`partial_periods`): a history from 20 September is no complete
    quarter before the next, and was called one.

    >>> short_history_note(0, 1, "quarter", "2027-Q1")
    'Only part of a quarter of history before 2027-Q1 (the data start inside it): ranges lean heavily on the team and are wide. Monthly grain gives more periods to learn from.'
    >>> short_history_note(2, 1, "month", "2027-01")
    'Only 2 complete months of history before 2027-01, and part of one before them (the data start inside it): ranges lean heavily on the team and are wide.'
    >>> short_history_note(3, 1, "month", "2027-01") is None
    True
    """
    if n_whole + n_partial >= 4 or n_whole + n_partial == 0:
        return None
    if n_whole == 0:
        length = f"Only part of a {unit} of history before {target_label} (the data start inside it)"
    else:
        length = (f"Only {formatting.quantity(n_whole, f'complete {unit}')} of history before {target_label}"
                  + (f", and part of one before {'it' if n_whole == 1 else 'them'} (the data start inside it)"
                     if n_partial else ""))
    return (length + ": ranges lean heavily on the team and are wide."
            + (" Monthly grain gives more periods to learn from." if unit == "quarter" else ""))


def starts_partial(arrays: PanelArrays) -> int:
    """1 when the first complete period of ``arrays`` is one the data start inside of (no rep in it for more than
    all but :data:`~analytics.coverage.PARTIAL_START_DAYS` of its days: an export from 20 September, its
    quarter), else 0.

    >>> from analytics.periods import parse_period
    >>> quarters = [parse_period("2026-Q3"), parse_period("2026-Q4")]
    >>> a = PanelArrays(reps=np.array(["a"]), teams=np.array([None]), periods=quarters, y=np.ones((1, 2)),
    ...                 expfrac=np.array([[11 / 92, 1.0]]), tenure=np.ones((1, 2)), complete=np.array([True, True]),
    ...                 grain="quarter", fiscal_start_month=1)
    >>> starts_partial(a)
    1
    """
    first = np.flatnonzero(arrays.complete)
    if first.size == 0:
        return 0
    col = int(first[0])
    return int(_seen_in_part(_days_seen(arrays, col), arrays.periods[col].days))


def _days_seen(arrays: PanelArrays, col: int) -> float:
    """The days of period ``col`` the rep seen longest in it was seen for (its exposure share times its days)."""
    return float(np.nanmax(arrays.expfrac[:, col], initial=0.0)) * arrays.periods[col].days
