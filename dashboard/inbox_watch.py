"""The server's inbox watcher: one thread per process that imports what is dropped into the inbox.

server.py calls :func:`start` when the server starts (``make run``, ``make serve``), and app.py on
every run: the first call of the process starts the thread, later ones find it in
``st.cache_resource`` (under a plain ``streamlit run app.py``, the first visit starts it). The thread takes its
own cursor of the process's connection for every look (DuckDB refuses a connection shared between
threads) and imports through :func:`analytics.inbox.process_inbox`; the pages see the new data at
their next run (``session.data_version()`` changes with it).
"""

from __future__ import annotations

import atexit
import logging
import threading
from pathlib import Path

import streamlit as st

from analytics import inbox, store

POLL_SECONDS = 10.0
_LOG = logging.getLogger(__name__)


class InboxWatcher(threading.Thread):
    """Every ``POLL_SECONDS``, the waiting files of ``folder`` imported into the database of ``conn``."""

    def __init__(self, conn: store.Connection, folder: Path) -> None:
        super().__init__(name="inbox-watcher", daemon=True)
        self.conn, self.folder = conn, folder
        self.stopped = threading.Event()

    def look_once(self) -> list[inbox.InboxOutcome]:
        cursor = self.conn.cursor()
        try:
            outcomes = inbox.process_inbox(cursor, self.folder)
        finally:
            cursor.close()
        for outcome in outcomes:
            _LOG.info("inbox: %s %s: %s", outcome.file, outcome.status, outcome.message)
        return outcomes

    def run(self) -> None:
        while not self.stopped.wait(POLL_SECONDS):
            try:
                self.look_once()
            except Exception:  # (a full disk, a folder gone: said in the log, tried again at the next look)
                _LOG.exception("inbox: looking at %s failed", self.folder)


@st.cache_resource(show_spinner=False)
def _watcher(db_path: str, folder: str | None, _conn: store.Connection) -> InboxWatcher | None:
    """Started once per process, database file and inbox (they key the cache)."""
    inbox.announce_server(db_path, Path(folder) if folder else None)
    atexit.register(inbox.forget_server, db_path)
    if folder is None:
        return None
    Path(folder).mkdir(parents=True, exist_ok=True)
    watcher = InboxWatcher(_conn.cursor(), Path(folder))  # (its own cursor: no other thread uses it)
    watcher.start()
    return watcher


def start(conn: store.Connection, db_path: str) -> None:
    """Start this process's watcher of the configured inbox (none configured: only the note beside the
    database that a server holds it, for the CLI's refusal)."""
    folder = inbox.inbox_dir(conn)
    _watcher(db_path, str(folder) if folder else None, conn)
