"""Streamlit helpers shared by the pages: the cached connection, sidebar state, formatting.

Pages call these and the engine in analytics/; they never run SQL themselves.
"""

from __future__ import annotations

import sys
from datetime import date
from pathlib import Path

import duckdb
import streamlit as st
from streamlit import config as streamlit_config
from streamlit.runtime.pages_manager import PagesManager

from analytics import store
from analytics.periods import Period, parse_period, period_of

GRAIN_KEY = "grain"
PERIOD_KEY = "period_label"
PENDING_PAGE_KEY = "pending_page"

# Streamlit sees the pages/ folder beside app.py and starts every process (and every AppTest run) in
# its legacy multipage mode, where a run of app.py gives the frame's widgets different identities
# from later runs (the sidebar's grain radio then snaps back once) and a bookmark such as /tracking
# runs the page without the frame. Leaving that mode before anything is drawn avoids both; see
# leave_legacy_pages_mode() and db().
@st.cache_resource(show_spinner=False)
def _connection(path: str) -> duckdb.DuckDBPyConnection:
    # One connection per process and database file; each run works through its own cursor
    # because DuckDB refuses to share a connection between Streamlit's script threads.
    return store.connect(path)


def db_path() -> str:
    return str(store.default_db_path())


def _legacy_pages_mode() -> bool:
    # AppTest puts every run back in the legacy mode and would lose the widget values it set when
    # the run starts over, so under AppTest the pages keep running as the harness runs them.
    return bool(PagesManager.uses_pages_directory) and not streamlit_config.get_option("global.appTest")


def leave_legacy_pages_mode() -> None:
    """Called first thing in app.py: switch to st.navigation mode and start the run again."""
    if _legacy_pages_mode():
        PagesManager.uses_pages_directory = False
        st.rerun()


def _page_running_without_frame() -> str | None:
    """The pages/ script that called db() while the frame did not run, if any."""
    if not _legacy_pages_mode():
        return None
    caller = Path(sys._getframe(2).f_code.co_filename).resolve()
    pages = Path(__file__).resolve().parent / "pages"
    return f"pages/{caller.name}" if caller.parent == pages else None


def db() -> duckdb.DuckDBPyConnection:
    """A cursor for this run (cheap; safe on Streamlit's per-session threads)."""
    page = _page_running_without_frame()
    if page:
        # Go through the frame, which opens this page again inside it.
        st.session_state[PENDING_PAGE_KEY] = page
        st.switch_page("app.py")
    return _connection(db_path()).cursor()


def data_version() -> str:
    """Cache key for computations over the current data and settings."""
    return store.data_version(db())


def grain() -> str:
    return st.session_state.get(GRAIN_KEY, "quarter")


def fiscal_start_month() -> int:
    return store.fiscal_year_start_month(db())


def period_widget_key(grain_name: str) -> str:
    """One Period selectbox per grain: switching grain then never shows the other grain's label.

    The chosen label is copied to PERIOD_KEY, a plain session key the pages read.
    """
    return f"{PERIOD_KEY}_{grain_name}"


def choose_period(grain_name: str, label: str) -> None:
    """Preselect a period (e.g. when a saved set is reopened); call before the sidebar is drawn."""
    st.session_state[period_widget_key(grain_name)] = label
    st.session_state[PERIOD_KEY] = label


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
