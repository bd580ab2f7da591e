"""What a run of the dashboard works with: the database, and the sidebar's grain and period.

One DuckDB connection per process and database file (``st.cache_resource``); every run takes its own
cursor, because DuckDB refuses to share a connection between Streamlit's script threads. The sidebar's
grain and period live in session state under the keys below, so every page reads the same choice.
"""

from __future__ import annotations

from datetime import date

import streamlit as st

from analytics import coverage, formatting, store
from analytics.periods import Period, parse_period, period_of

GRAIN_KEY = "grain"
PERIOD_KEY = "period_label"


@st.cache_resource(show_spinner=False)
def _connection(path: str) -> store.Connection:
    return store.connect(path)


def db_path() -> str:
    """The database file this process serves (``$TARGETS_DB`` or the default)."""
    return str(store.default_db_path())


def db() -> store.Connection:
    """A cursor for this run (cheap; safe on Streamlit's per-session threads)."""
    return _connection(db_path()).cursor()


def data_version() -> str:
    """Cache key for computations over the current data and settings."""
    return store.data_version(db())


@st.cache_data(show_spinner=False, max_entries=8)
def _currency_code(path: str, version: str) -> str | None:
    """The stored deals' currency, once per database file and data version (``version`` keys the cache)."""
    return store.currency_code(db())


def currency_code() -> str | None:
    """The imported deals' currency as its ISO code (``EUR``), or None when no import named one."""
    return _currency_code(db_path(), data_version())


@st.cache_data(show_spinner=False, max_entries=8)
def _data_coverage(path: str, version: str) -> coverage.DataCoverage:
    """Which data exists, once per database file and data version (``version`` keys the cache)."""
    return coverage.data_coverage(db())


def data_coverage() -> coverage.DataCoverage:
    """Which kinds and fields of data exist, from when to when: every page asks this, not the tables."""
    return _data_coverage(db_path(), data_version())


def currency() -> str:
    """The symbol every page writes before an amount: the imported deals' currency (``$`` when none)."""
    return formatting.currency_symbol(currency_code())


def grain() -> str:
    """The sidebar's grain: ``"quarter"`` or ``"month"``."""
    return st.session_state.get(GRAIN_KEY, "quarter")


def fiscal_start_month() -> int:
    """The month (1-12) the fiscal year starts in, as stored in the database's settings."""
    return store.fiscal_year_start_month(db())


def period_widget_key(grain_name: str) -> str:
    """One Period selectbox per grain: switching grain then never shows the other grain's label.

    The chosen label is copied to ``PERIOD_KEY``, a plain session key the pages read.
    """
    return f"{PERIOD_KEY}_{grain_name}"


def choose_period(grain_name: str, label: str) -> None:
    """Preselect a period (e.g. when a saved set is reopened); call before the sidebar is drawn."""
    st.session_state[period_widget_key(grain_name)] = label
    st.session_state[PERIOD_KEY] = label


def selected_period() -> Period | None:
    """The sidebar's period, or None while there is no data to choose a period from."""
    label = st.session_state.get(PERIOD_KEY)
    if not label:
        return None
    return parse_period(label, fiscal_start_month())


def period_choices(as_of: date | None, grain_name: str, fiscal_month: int, n_past: int = 8) -> list[str]:
    """Labels to pick from: the next period, the current one, and recent complete ones.

    Examples
    --------
    >>> period_choices(date(2026, 5, 10), "quarter", 1, n_past=2)
    ['2026-Q3', '2026-Q2', '2026-Q1', '2025-Q4']
    >>> period_choices(None, "month", 1)
    []
    """
    if as_of is None:
        return []
    current = period_of(as_of, grain_name, fiscal_month)
    periods = [current.next(), current] + [current.previous(i) for i in range(1, n_past + 1)]
    return [p.label for p in periods]
