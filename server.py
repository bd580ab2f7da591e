"""The dashboard's server: app.py served by Streamlit, with the inbox watcher started with the server.

``make run`` and ``make serve`` run ``streamlit run server.py``: Streamlit finds the ``st.App`` below and
serves app.py through it (the same pages, options and flags as ``streamlit run app.py``), and the app's
lifespan starts the inbox watcher when the server starts, so a file dropped into the inbox before anyone
visits is imported, and the warmer of the first pages' fits (``dashboard/warmup.py``: made at the start and
after every change of the data, so a first visit finds them). (``streamlit run app.py`` works too; the
watcher then starts at the first visit, as app.py asks for it on every run, and nothing warms: Streamlit
has no other hook at server start.)
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import streamlit as st


@asynccontextmanager
async def _with_inbox(_app: st.App) -> AsyncIterator[None]:
    # Imported here, once the server's runtime exists: the dashboard's caches then use its storage
    # (imported before it, each st.cache_data warns that it found no runtime).
    from analytics import inbox
    from dashboard import inbox_watch, session, warmup

    inbox_watch.start(session.unscoped_db(), session.db_path())
    warmup.start(session.unscoped_db(), session.db_path())   # the first pages' fits, made before anyone asks
    try:
        yield
    finally:   # (uvicorn ends on the signal it caught, so atexit's removal of the note would not run)
        inbox.forget_server(session.db_path())


app = st.App("app.py", lifespan=_with_inbox)
