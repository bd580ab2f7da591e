"""Sales-target calibration dashboard: the navigation frame.

Page config, the shared sidebar (database, grain, period, fiscal year) and routing.
Each job lives in its own page under pages/; the engine is analytics/.
"""

from __future__ import annotations

import streamlit as st

import ui
from analytics import metrics, sample_company, store

st.set_page_config(page_title="Target calibration", page_icon=":material/target:", layout="wide")
ui.leave_legacy_pages_mode()

conn = ui.db()

if sample_company.should_autoload(conn):
    with st.spinner("First start: loading the sample company…"):
        sample_company.load(conn)

PAGES = {
    "Plan": [
        st.Page("pages/overview.py", title="Overview", icon=":material/dashboard:", default=True),
        st.Page("pages/baselines.py", title="Baselines", icon=":material/insights:"),
        st.Page("pages/targets.py", title="Targets", icon=":material/flag:"),
    ],
    "Run": [
        st.Page("pages/tracking.py", title="Tracking", icon=":material/speed:"),
        st.Page("pages/review.py", title="Review", icon=":material/fact_check:"),
    ],
    "Data": [
        st.Page("pages/import_data.py", title="Import", icon=":material/upload:"),
        st.Page("pages/backtest.py", title="Backtest", icon=":material/verified:"),
    ],
}

with st.sidebar:
    st.markdown("### Target calibration")
    as_of = metrics.data_as_of(conn)
    fiscal_month = store.fiscal_year_start_month(conn)
    grain = st.radio("Grain", ["quarter", "month"], horizontal=True, key=ui.GRAIN_KEY,
                     help="Targets and statistics per fiscal quarter or per month.")
    choices = ui.period_choices(as_of, grain, fiscal_month)
    period_key = ui.period_widget_key(grain)
    if st.session_state.get(period_key) not in choices:
        st.session_state.pop(period_key, None)
    st.session_state.pop(ui.PERIOD_KEY, None)
    if choices:
        st.session_state[ui.PERIOD_KEY] = st.selectbox(
            "Period", choices, index=0, key=period_key,
            help="The period to calibrate, track or review. The first is the next period.")
    with st.expander("Database and calendar"):
        st.caption(f"Database file: `{ui.db_path()}`")
        counts = store.table_counts(conn)
        st.caption(" · ".join(f"{n:,} {name}" for name, n in counts.items()))
        if as_of:
            st.caption(f"Data as of {as_of:%d %b %Y}")
        month_names = ["January", "February", "March", "April", "May", "June", "July", "August",
                       "September", "October", "November", "December"]
        chosen = st.selectbox("Fiscal year starts in", month_names, index=fiscal_month - 1,
                              key="fiscal_start_month_name")
        if month_names.index(chosen) + 1 != fiscal_month:
            store.set_setting(conn, "fiscal_year_start_month", str(month_names.index(chosen) + 1))
            st.rerun()

navigation = st.navigation(PAGES)
pending = st.session_state.pop(ui.PENDING_PAGE_KEY, None)
if pending:
    # A page that ran without the frame (a bookmark on a fresh server): open it inside the frame.
    st.switch_page(pending)
navigation.run()
