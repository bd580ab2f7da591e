"""The model fit of a tracked or reviewed period, cached: Tracking and Review share it.

Tracking a set fits its period on the data before it (``analytics.tracking.fit_period``); reviewing the
set of the period before fits the same period on the same data, for next period's starting points.
At 1,000 reps a fit costs about a second of a page's first render: cached per database file, data
version and scope, metric, period and day, the second page finds it; the whole company's fit under it
is cached without the scope, so a second manager's first visit finds that too. The fit is a plain value (no live
connection inside it), cached as it is.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta

import streamlit as st

from analytics import store
from analytics.calibration import Calibration, CompanyCalibration, calibrate_company
from analytics.periods import Period
from analytics.scope import ALL
from analytics.target_sets import SavedTargetSet
from analytics.tracking import fit_period
from dashboard import session


@st.cache_data(show_spinner="Fitting the period's model…", max_entries=8)
def _company_fit(_conn: store.Connection, _period: Period, path: str, company_version: str, metric: str,
                 period_key: tuple[str, str, int], as_of: date) -> CompanyCalibration:
    # The whole company's fit, the same for every account (keyed without the scope: a second manager's
    # first visit finds it); only ever read through its for_scope.
    return calibrate_company(_conn, metric, _period.grain, _period, as_of=as_of)


def company_fit_on(conn: store.Connection, period: Period, path: str, company_version: str, metric: str,
                   period_key: tuple[str, str, int], as_of: date) -> CompanyCalibration:
    """The whole company's fit of ``period`` the pages read (cached under the same key), made on ``conn``: for a
    thread outside any session (``dashboard.warmup``), whose ``company_version`` is ``str(store.data_version(conn))``."""
    return _company_fit(conn, period, path, company_version, metric, period_key, as_of)


@st.cache_data(show_spinner="Fitting the period's model…", max_entries=8)
def _fit(_conn: store.Connection, _saved: SavedTargetSet, _period: Period, path: str, version: str,
         metric: str, period_key: tuple[str, str, int], as_of: date,
         _company_version: str | None = None) -> tuple[Calibration | None, str]:
    # The fit reads only the set's metric (keyed), the period (its label, grain and fiscal calendar) and
    # the data up to as_of under this session's scope (``version``). ``_company_version``: the data version
    # without the scope, given by a caller outside any session (:func:`fit_on`); else the session's.
    company_version = _company_version if _company_version is not None else session.company_version()

    def company(conn: store.Connection, metric: str, grain: str, period: Period, *, as_of: date) -> CompanyCalibration:
        return _company_fit(conn, period, path, company_version, metric, period_key, as_of)

    return fit_period(_conn, _saved, _period, as_of, company=company)


def cached_fit_period(conn: store.Connection, saved: SavedTargetSet, period: Period | None = None,
                      as_of: date | None = None) -> tuple[Calibration | None, str]:
    """``analytics.tracking.fit_period``, cached (its signature: pass it as the engine's ``fit``)."""
    period = period or saved.fiscal_period
    as_of = as_of or period.start - timedelta(days=1)
    return _fit(conn, saved, period, session.db_path(), session.data_version(), saved.metric,
                (period.label, period.grain, period.fiscal_start_month), as_of)


def fit_on(path: str, company_version: str) -> Callable[..., tuple[Calibration | None, str]]:
    """:func:`cached_fit_period` for a thread outside any session (``dashboard.warmup``) on the whole company's
    data (scope ``all``), under the keys a session of that scope reads; ``company_version`` is
    ``str(store.data_version(conn))``."""
    version = f"{company_version}|{ALL.key()}"      # session.data_version() under the scope of every rep

    def fit(conn: store.Connection, saved: SavedTargetSet, period: Period | None = None,
            as_of: date | None = None) -> tuple[Calibration | None, str]:
        period = period or saved.fiscal_period
        as_of = as_of or period.start - timedelta(days=1)
        return _fit(conn, saved, period, path, version, saved.metric,
                    (period.label, period.grain, period.fiscal_start_month), as_of, company_version)

    return fit
