"""Streamlit helpers shared by the pages: the cached connection, sidebar state, formatting.

Pages call these and the engine in analytics/; they never run SQL themselves.
"""

from __future__ import annotations

from datetime import date

import duckdb
import streamlit as st

from analytics import store
from analytics.periods import Period, parse_period, period_of

GRAIN_KEY = "grain"
PERIOD_KEY = "period_label"
PENDING_PAGE_KEY = "pending_page"

# Whether app.py (the frame) has run in this process. Streamlit starts in its legacy multipage mode
# because a pages/ folder sits beside app.py, and stays there until st.navigation is first called:
# a bookmark such as /tracking opened on a freshly started server would run the page without the
# frame (no sidebar, no sample company). Pages then go through the frame first; see db().
_frame = {"seen": False}


@st.cache_resource(show_spinner=False)
def _connection(path: str) -> duckdb.DuckDBPyConnection:
    # One connection per process and database file; each run works through its own cursor
    # because DuckDB refuses to share a connection between Streamlit's script threads.
    return store.connect(path)


def db_path() -> str:
    return str(store.default_db_path())


def mark_frame() -> None:
    """Called by app.py at the top of every run."""
    _frame["seen"] = True


def _through_frame() -> None:
    """Send a page that was opened without the frame to app.py, which then opens that page."""
    url = st.context.url or ""
    st.session_state[PENDING_PAGE_KEY] = url.rstrip("/").rsplit("/", 1)[-1].split("?")[0]
    st.switch_page("app.py")


def db() -> duckdb.DuckDBPyConnection:
    """A cursor for this run (cheap; safe on Streamlit's per-session threads)."""
    if not _frame["seen"]:
        _through_frame()
    return _connection(db_path()).cursor()


def data_version() -> str:
    """Cache key for computations over the current data and settings."""
    return store.data_version(db())


def grain() -> str:
    return st.session_state.get(GRAIN_KEY, "quarter")


def fiscal_start_month() -> int:
    return store.fiscal_year_start_month(db())


def selected_period() -> Period | None:
    label = st.session_state.get(PERIOD_KEY)
    if not label:
        return None
    return parse_period(label, fiscal_start_month())


def period_choices(as_of: date | None, grain_name: str, fiscal_month: int, n_past: int = 8) -> list[str]:
    """Labels to pick from: the next period, the current one, and recent complete ones."""
    if as_of is None:
        return []
    current = period_of(as_of, grain_name, fiscal_month)
    periods = [current.next(), current] + [current.previous(i) for i in range(1, n_past + 1)]
    return [p.label for p in periods]


def money(value: float | None) -> str:
    if value is None or value != value:
        return "–"
    sign = "-" if value < 0 else ""
    v = abs(value)
    if v >= 1e6:
        return f"{sign}${v / 1e6:,.2f}M"
    if v >= 1e4:
        return f"{sign}${v / 1e3:,.0f}k"
    return f"{sign}${v:,.0f}"


def percent(value: float | None, digits: int = 0) -> str:
    if value is None or value != value:
        return "–"
    return f"{100 * value:.{digits}f}%"


def empty_state(message: str) -> None:
    st.info(message)
    st.page_link("pages/import_data.py", label="Go to Import", icon=":material/upload:")
