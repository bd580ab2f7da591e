"""Sales-target calibration dashboard: the navigation frame.

Page config, the shared sidebar (database, grain, period, fiscal year) and routing.
Each job lives in its own page under pages/; the engine is analytics/; the Streamlit helpers the
frame and the pages share are in dashboard/.
"""

from __future__ import annotations

import streamlit as st

from analytics import sample_company
from dashboard import auth, frame, inbox_watch, session

st.set_page_config(page_title="Target calibration", page_icon=":material/target:", layout="wide")

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

# st.navigation first, before any widget: it ends Streamlit's legacy pages/ mode for the process,
# and the frame's widgets keep one identity in every run (dashboard/frame.py says why).
navigation = st.navigation(PAGES)
frame.start_run()

conn = session.db()
inbox_watch.start(conn, session.db_path())  # the server imports what is dropped into its inbox, if it has one
auth.require_sign_in(conn)  # once an account exists: the sign-in form instead of any page, until signed in
if sample_company.should_autoload(conn):
    with st.spinner("First start: loading the sample company…"):
        sample_company.load(conn)

frame.sidebar(conn)
frame.run_page(navigation)
