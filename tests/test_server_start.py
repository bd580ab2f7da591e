"""The server (``streamlit run server.py``, what ``make run`` and ``make serve`` start) imports what is
dropped into its inbox from the moment it starts: nobody has to visit a page first."""

from __future__ import annotations

import os
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from helpers import REPO_ROOT, _free_port

from analytics import inbox, store

pytestmark = pytest.mark.slow


def test_the_inbox_is_watched_from_the_servers_start(tmp_path):
    db, box = tmp_path / "targets.duckdb", tmp_path / "inbox"
    store.connect(db).close()
    box.mkdir()
    roster = box / "roster.csv"
    roster.write_text("Rep,Team\nAna Inbox,Team North\n", encoding="utf-8")
    past = time.time() - 60                      # whole already: no wait for it to settle
    os.utime(roster, (past, past))
    port = _free_port()
    log = tmp_path / "server.log"
    with log.open("wb") as out:
        server = subprocess.Popen(
            [sys.executable, "-m", "streamlit", "run", "server.py", "--server.headless", "true",
             "--server.address", "127.0.0.1", "--server.port", str(port), "--browser.gatherUsageStats", "false",
             "--server.fileWatcherType", "none"],
            cwd=REPO_ROOT, env={**os.environ, "TARGETS_DB": str(db), inbox.INBOX_ENV: str(box)},
            stdout=out, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 60
        while not (box / inbox.DONE / "roster.csv").exists() and time.monotonic() < deadline:
            assert server.poll() is None, log.read_text(errors="replace")
            time.sleep(0.5)
        assert (box / inbox.DONE / "roster.csv").exists(), log.read_text(errors="replace")
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/_stcore/health", timeout=5) as health:
            assert health.read().decode().strip() == "ok"
        assert "No runtime found" not in log.read_text(errors="replace")
    finally:
        server.terminate()
        server.wait(timeout=20)
    conn = store.connect(db)
    try:
        assert conn.execute("SELECT file_name, imported_by FROM imports").fetchall() == [("roster.csv", "inbox")]
        assert conn.execute("SELECT rep FROM reps").fetchall() == [("Ana Inbox",)]
    finally:
        conn.close()
    assert not Path(f"{db}.server").exists()     # the note that a server holds the file left with it
