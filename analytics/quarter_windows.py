"""Quarters from monthly data: the three-month windows that start at any month, as a quarterly panel.

``calibrate(grain="quarter")`` fits the quarterly totals of the fiscal quarters. Its backtest forecasts
the same way from every month-end (issue 14: a history of four quarters still has origins): the origin
at the start of month m forecasts the window of months m, m + 1, m + 2 with the quarterly model fitted
on the windows before it that start 3, 6, 9, ... months earlier, i.e. the quarters of a fiscal year
shifted to start in m's month. At a fiscal quarter's first month these are exactly the quarters
``calibrate`` fits (:func:`quarter_windows` with ``offset=0`` equals the quarterly panel read from
the database: ``tests/test_backtest_quarters.py``), so the backtest tests the model the product uses.

The windows are added up from the monthly panel (:class:`~analytics.panel_arrays.PanelArrays`), not read
again: outcomes and exposures add up (an inactive month adds 0; a rep with no active month in a window
is not active in it), the tenure is the one at the window's start, and a window is complete when its
three months are. The first window may start before the data (its earlier months then hold no rep).

Example
-------
Four months of one rep starting in February, windows shifted one month from the calendar quarters
(February to April, ...); the second window is not complete yet:

>>> from datetime import date
>>> from analytics.periods import period_of
>>> months = [period_of(date(2024, 2, 1), "month").next(k) for k in range(4)]
>>> y = np.array([[1.0, 2.0, 3.0, np.nan]])
>>> arrays = PanelArrays(np.array(["a"], object), np.array([None]), months, y, np.ones((1, 4)),
...                      np.array([[0.0, 1.0, 2.0, 3.0]]), np.array([True, True, True, False]), "month", 1)
>>> windows, first = quarter_windows(arrays, 1)
>>> [p.label for p in windows.periods], first, windows.y.tolist(), windows.complete.tolist()
(['FY2025-Q1', 'FY2025-Q2'], 0, [[6.0, nan]], [True, False])
"""

from __future__ import annotations

import numpy as np

from analytics.panel_arrays import OPEN_DEALS, PanelArrays
from analytics.panel_query import TENURE_MONTH_DAYS
from analytics.periods import period_of

MONTHS = 3


def window_offset(months: PanelArrays, column: int) -> int:
    """Months from the start of the fiscal quarter to the month at ``column`` (0, 1 or 2)."""
    return (months.periods[column].start.month - months.fiscal_start_month) % MONTHS


def quarter_windows(months: PanelArrays, offset: int) -> tuple[PanelArrays, int]:
    """The quarterly panel of the windows starting ``offset`` months after each fiscal quarter's start,
    and the monthly column of the first window's first month (0 or negative).

    Window ``w`` covers monthly columns ``first + 3 w`` to ``first + 3 w + 2``."""
    n_r, n_t = months.y.shape
    fsm = (months.fiscal_start_month - 1 + offset) % 12 + 1
    first = -((months.periods[0].start.month - fsm) % MONTHS)
    n_w = -(-(n_t - first) // MONTHS)
    pad_after = n_w * MONTHS - (n_t - first)

    def blocks(a: np.ndarray) -> np.ndarray:
        padded = np.pad(a, ((0, 0), (-first, pad_after)), constant_values=np.nan)
        return padded.reshape(n_r, n_w, MONTHS)

    p0 = period_of(months.periods[0].start, "quarter", fsm)
    periods = [p0.next(k) for k in range(n_w)]
    month_days = np.array([p.days for p in (months.periods[0].previous(-first).next(k)
                                            for k in range(n_w * MONTHS))], dtype=float)
    quarter_days = month_days.reshape(n_w, MONTHS).sum(axis=1)
    # Months before the data have passed (nobody was active in them); months after it have not.
    complete = np.asarray(np.concatenate([np.ones(-first, bool), months.complete, np.zeros(pad_after, bool)]
                                         ).reshape(n_w, MONTHS).all(axis=1), dtype=bool)

    exposure = blocks(months.expfrac) * month_days.reshape(n_w, MONTHS)[None]
    active_any = np.isfinite(exposure).any(axis=2)
    expfrac = np.where(active_any, np.nansum(exposure, axis=2), np.nan) / quarter_days[None, :]
    y_blocks = blocks(months.y)
    y = np.where(np.isfinite(y_blocks).any(axis=2), np.nansum(y_blocks, axis=2), np.nan)
    y[:, ~complete] = np.nan
    # The tenure at the window's start: the first active month's, less the months from the start to it.
    tenure_blocks = blocks(months.tenure)
    seen = np.isfinite(blocks(months.expfrac))
    j = np.argmax(seen, axis=2)
    days_in = np.cumsum(np.pad(month_days.reshape(n_w, MONTHS)[:, :-1], ((0, 0), (1, 0))), axis=1)
    own = np.take_along_axis(tenure_blocks, j[:, :, None], axis=2)[:, :, 0]
    shift = np.take_along_axis(np.broadcast_to(days_in, (n_r, n_w, MONTHS)), j[:, :, None], axis=2)[:, :, 0]
    tenure = np.where(active_any, np.maximum(own - shift / TENURE_MONTH_DAYS, 0.0), np.nan)

    def summed(a: np.ndarray | None) -> np.ndarray | None:
        if a is None:
            return None
        b = blocks(a)
        return np.where(np.isfinite(b).any(axis=2), np.nansum(b, axis=2), np.nan)

    out = PanelArrays(months.reps, months.teams, periods, y, expfrac, tenure, complete, "quarter", fsm,
                      summed(months.won), summed(months.closed))
    active = months.extra.get("active")
    if active is not None:
        out.extra["active"] = np.isfinite(blocks(np.where(active, 1.0, np.nan))).any(axis=2) & complete[None, :]
    if (open_deals := months.extra.get(OPEN_DEALS)) is not None:    # open at each window's end: its last month's
        out.extra[OPEN_DEALS] = blocks(np.asarray(open_deals, dtype=float))[:, :, -1]
    return out, first
