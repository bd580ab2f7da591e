"""The navigation frame around every page: its sidebar, and the guard each page calls first.

app.py calls ``st.navigation`` before it draws anything, then ``start_run``, ``sidebar`` and
``run_page``. Every page's first line is ``frame.require("pages/<itself>.py")``.

Streamlit sees the ``pages/`` folder beside app.py and runs a process's first runs in its legacy
multipage mode, until a script calls ``st.navigation``. In that mode:

- a bookmark such as ``/tracking`` runs pages/tracking.py alone, without app.py. The frame marks
  the runs of the page it makes (``run_page``); a page that finds no mark remembers itself and goes
  to app.py, which opens it inside the frame (``require``, ``start_run``);
- app.py itself runs as one of the legacy pages, and a widget drawn before ``st.navigation`` gets
  another identity than in later runs (the sidebar's grain radio dropped its first click). Widgets
  drawn after it get the frame's identity in every mode, hence ``st.navigation`` comes first.

``tests/test_browser_bookmark.py`` checks both on a freshly started server.
"""

from __future__ import annotations

import plotly.io as pio
import streamlit as st

from analytics import formatting, store
from dashboard import auth, kept_widgets, session

# Every chart of the engine asks for "plotly_white". With plotly's own default a process's first figure
# also builds the "plotly" template it never shows: 0.12 CPU s against 0.01 s in a cold first render.
pio.templates.default = "plotly_white"

RUNNING_PAGE_KEY = "frame_running_page"   # set by the frame only while it runs the page
STARTED_KEY = "frame_session_started"     # app.py has run in this session
PENDING_PAGE_KEY = "frame_pending_page"   # a page that ran without the frame, to open inside it
FISCAL_BOX_KEY = "fiscal_start_month_name"
FISCAL_SHOWN_KEY = "frame_fiscal_month_shown"   # the stored calendar the box last showed
MONTH_NAMES = ["January", "February", "March", "April", "May", "June", "July", "August", "September",
               "October", "November", "December"]


def start_run() -> None:
    """Right after ``st.navigation`` in app.py, before any widget: open a page that ran alone.

    Also notes that app.py has run in this session (see ``require``).
    """
    st.session_state[STARTED_KEY] = True
    session.begin_run()
    kept_widgets.remember_kept()   # before this run forgets the widgets of the page shown last
    pending = st.session_state.pop(PENDING_PAGE_KEY, None)
    if pending:
        st.switch_page(pending)


def run_page(navigation: st.Page) -> None:
    """Run the page ``st.navigation`` chose, marked as run by the frame (see ``require``)."""
    st.session_state[RUNNING_PAGE_KEY] = True
    try:
        navigation.run()
    finally:
        st.session_state.pop(RUNNING_PAGE_KEY, None)


def require(page: str) -> None:
    """First line of every page: make sure the page runs inside the frame.

    ``page`` is the page's own script path relative to app.py (``"pages/tracking.py"``). When the
    frame did not run the page in this run, Streamlit's legacy mode ran it alone: the page is
    remembered and app.py opens it inside the frame.
    """
    if st.session_state.get(RUNNING_PAGE_KEY):
        return
    if not st.session_state.get(STARTED_KEY):
        st.session_state[PENDING_PAGE_KEY] = page
        st.switch_page("app.py")
    # app.py has run in this session, so st.navigation has ended the legacy mode of this process,
    # yet the page runs alone: only a harness that puts Streamlit back in that mode for every run does
    # that (AppTest does). Going through app.py would drop the clicks this run carries (Streamlit
    # resets them when a run is cut short), so the page checks the sign-in and draws the sidebar itself.
    session.begin_run()
    kept_widgets.remember_kept()
    auth.require_sign_in(session.db())
    sidebar(session.db())


def sidebar(conn: store.Connection) -> None:
    """The shared sidebar: grain, period, and the database and fiscal calendar."""
    with st.sidebar:
        st.markdown("### Target calibration")
        as_of = session.data_as_of()      # (read once per data version, as the counts below)
        fiscal_month = session.fiscal_start_month()
        grain = st.radio("Grain", ["quarter", "month"], horizontal=True, key=session.GRAIN_KEY,
                         help="Targets and statistics per fiscal quarter or per month.")
        _period_box(session.period_choices(as_of, grain, fiscal_month,
                                           data_starts=session.data_coverage().data_starts), grain)
        with st.expander("Database and calendar"):
            st.caption(f"Database file: `{session.db_path()}`")
            counts = session.table_counts()
            st.caption(" · ".join(f"{formatting.count(n)} {name}" for name, n in counts.items()))
            if as_of:
                st.caption(f"Data as of {as_of:%d %b %Y}")
            # The box keeps this session's choice; when the stored calendar changed elsewhere since (another
            # manager's session, the CLI), the box follows it rather than writing its old choice back.
            if st.session_state.get(FISCAL_SHOWN_KEY, fiscal_month) != fiscal_month:
                st.session_state[FISCAL_BOX_KEY] = MONTH_NAMES[fiscal_month - 1]
            st.session_state[FISCAL_SHOWN_KEY] = fiscal_month
            chosen = st.selectbox("Fiscal year starts in", MONTH_NAMES, index=fiscal_month - 1, key=FISCAL_BOX_KEY)
            if counts.get("quotas"):    # (stored as days: a change here does not move them)
                st.caption("Quotas already imported keep the days they were read with: a file that named quarters "
                           "or fiscal years (FY2027 Q3) was read on the calendar set then. Import it again after a "
                           "change here.")
            if MONTH_NAMES.index(chosen) + 1 != fiscal_month:
                store.set_setting(conn, "fiscal_year_start_month", str(MONTH_NAMES.index(chosen) + 1))
                st.session_state[FISCAL_SHOWN_KEY] = MONTH_NAMES.index(chosen) + 1
                st.rerun()


def _period_box(choices: list[str], grain: str) -> None:
    """The grain's own Period box; its label is copied to the plain key the pages read."""
    period_key = session.period_widget_key(grain)
    if st.session_state.get(period_key) not in choices:
        st.session_state.pop(period_key, None)
    st.session_state.pop(session.PERIOD_KEY, None)
    if choices:
        st.session_state[session.PERIOD_KEY] = st.selectbox(
            "Period", choices, index=0, key=period_key,
            help="The period to calibrate, track or review. The first is the next period.")


def empty_state(message: str) -> None:
    """What a page shows when there is no data for it yet, with the way to the Import page."""
    st.info(message)
    st.page_link("pages/import_data.py", label="Go to Import", icon=":material/upload:")


def gap_warnings(metric: str | None = None) -> None:
    """The months the export misses inside its span (``DataCoverage.gap_notes``; of ``metric``'s table alone
    when given), as warnings: they are read as months without a sale, so every page that reads them says so."""
    for gap in session.data_coverage().gap_notes(metric):
        st.warning(gap, icon=":material/event_busy:")
