"""Named regimes of the sample company: test companies whose whole team grows, dips, shrinks or churns.

A real history rarely looks like the calm default company: a young company's team grows several
times over within a year, a lost product line cuts a quarter for everyone, a frozen hiring plan
leaves a shrinking team, an order system exports won orders only. Each regime is one frozen
:class:`Regime` of parameters that :func:`analytics.sample.generate` reads; every parameter of the
default company is the neutral value, so the default files stay byte-identical.

Team-wide movement enters at two places of the simulated funnel:

- ``volume(months)``: a multiplier of every rep's activity and inbound leads per simulated month
  (growth: more opportunities, so revenue follows one sales cycle later);
- ``closing(months)``: a multiplier of the win probability by the month a deal is due to close
  (a dip or a year-end spike lands in the months themselves, not a cycle later).

Example
-------
>>> import pandas as pd
>>> months = pd.date_range("2025-01-01", "2026-11-01", freq="MS")
>>> growth = REGIMES["growth"].volume(months, pd.Timestamp("2026-11-15"))
>>> round(float(growth[-1] / growth[0]), 1)
5.0
>>> REGIMES["default"].closing(months, pd.Timestamp("2026-11-15")).max()
np.float64(1.0)
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd


@dataclass(frozen=True)
class Regime:
    """The parameters of one test company; the defaults are the calm default company.

    Attributes
    ----------
    name, description : str
        The regime's name (``--regime NAME``) and what it is, in one line.
    hire_share, leaver_share : float
        Share of the roster hired inside the exported window, and share leaving in it.
    hire_window, leave_window : tuple of float, optional
        When hires start and leavers go, as fractions of the days from the window's first day to
        as-of; ``None`` keeps the default company's spread.
    growth : float
        Team-wide volume multiple reached over ``growth_months`` months (1.0: no growth).
    growth_months, growth_ends_months_before : int
        How long the growth lasts, and how many months before as-of's month it stops.
    dip : float
        Win-probability multiplier for the quarter ``dip_quarters_back`` quarters before as-of's
        quarter (0.6: a 40% dip; 1.0: none).
    december : float
        Win-probability multiplier of deals closing in December (a year-end spike; 1.0: none).
    orders_only : bool
        Export won orders only (no stages, no created dates, no activities, no quotas).
    """

    name: str
    description: str
    hire_share: float = 0.19
    leaver_share: float = 0.14
    hire_window: tuple[float, float] | None = None
    leave_window: tuple[float, float] | None = None
    leave_mid_year: bool = False
    growth: float = 1.0
    growth_months: int = 10
    growth_ends_months_before: int = 2
    dip: float = 1.0
    dip_quarters_back: int = 3
    december: float = 1.0
    orders_only: bool = False

    def volume(self, months: pd.DatetimeIndex, as_of: pd.Timestamp) -> np.ndarray:
        """Activity multiplier per month start in ``months``: log-linear growth, flat before and after."""
        before = _months_before(months, as_of) - self.growth_ends_months_before
        done = np.clip(self.growth_months - before, 0, self.growth_months) / self.growth_months
        return np.asarray(self.growth ** done, dtype=float)

    def closing(self, months: pd.DatetimeIndex, as_of: pd.Timestamp) -> np.ndarray:
        """Win-probability multiplier per month start in ``months``: the dip quarter and December."""
        as_of_quarter = as_of.year * 4 + (as_of.month - 1) // 3
        quarter = months.year.to_numpy() * 4 + (months.month.to_numpy() - 1) // 3
        out = np.where(quarter == as_of_quarter - self.dip_quarters_back, self.dip, 1.0)
        return np.asarray(out * np.where(months.month.to_numpy() == 12, self.december, 1.0), dtype=float)

    def day_range(self, start: pd.Timestamp, as_of: pd.Timestamp, which: str,
                  default: tuple[int, int]) -> tuple[int, int]:
        """[low, high) days after the window's first day ``start`` for hires (``which="hire"``) or leavers."""
        window = self.hire_window if which == "hire" else self.leave_window
        if which != "hire" and self.leave_mid_year:
            window = mid_year_window(start, as_of)
        span = (as_of - start).days
        return default if window is None else (round(window[0] * span), round(window[1] * span))


def _months_before(months: pd.DatetimeIndex, as_of: pd.Timestamp) -> np.ndarray:
    return np.asarray((as_of.year - months.year) * 12 + as_of.month - months.month, dtype=float)


REGIMES: dict[str, Regime] = {r.name: r for r in (
    Regime("default", "the calm sample company: 4%/year growth, ~19% hires, ~14% leavers"),
    Regime("growth", "the whole team's volume grows 5x in 10 months, ending 4 months before as-of", growth=5.0,
           growth_ends_months_before=4),
    Regime("dip", "a one-quarter dip of 40% for everyone, three quarters before as-of's quarter", dip=0.6),
    Regime("shrinking", "the team shrinks: 45% of the reps leave over the window, nobody is hired",
           hire_share=0.0, leaver_share=0.45, leave_window=(0.1, 0.95)),
    Regime("year_end_spike", "deals closing in December are won twice as often (a year-end push)", december=2.0),
    Regime("ramping_hires", "45% of the roster are new hires of the last 60% of the window, still ramping",
           hire_share=0.45, hire_window=(0.4, 0.97)),
    Regime("leavers", "30% of the reps leave in the middle of the last year (June to August)",
           leaver_share=0.3, leave_mid_year=True),
    Regime("orders_only", "an orders export: won deals only, no stages, created dates, activities or quotas",
           orders_only=True),
)}

ORDER_COLUMNS = {"Opportunity ID": "Order ID", "Opportunity Owner": "Sales Rep", "Account Name": "Customer",
                 "Product": "Product", "Close Date": "Order Date", "Amount": "Order Total", "Currency": "Currency"}


def regime(name: str) -> Regime:
    """The regime called ``name``; a ValueError naming the known ones otherwise."""
    if name not in REGIMES:
        raise ValueError(f"unknown regime {name!r}: choose one of {', '.join(REGIMES)}")
    return REGIMES[name]


def mid_year_window(start: pd.Timestamp, as_of: pd.Timestamp) -> tuple[float, float]:
    """June 1 to August 31 of the window's last year before as-of, as fractions of the window's days.

    >>> mid_year_window(pd.Timestamp("2023-10-01"), pd.Timestamp("2026-11-15"))
    (0.8536, 0.9334)
    """
    year = as_of.year if as_of.month > 8 else as_of.year - 1
    span = (as_of - start).days
    first, last = pd.Timestamp(year, 6, 1), pd.Timestamp(year, 8, 31)
    return round((first - start).days / span, 4), round((last - start).days / span, 4)


def orders_export(opportunities: pd.DataFrame) -> pd.DataFrame:
    """An order system's export of the opportunities: the won deals, as orders with their order date."""
    won = opportunities[opportunities["Stage"] == "Closed Won"]
    out = won[list(ORDER_COLUMNS)].rename(columns=ORDER_COLUMNS)
    out["Order ID"] = "SO-" + out["Order ID"].str[-9:]
    return out.reset_index(drop=True)
