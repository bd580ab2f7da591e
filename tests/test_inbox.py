"""The server's inbox (analytics.inbox, dashboard.inbox_watch) and the CLI's word when a server holds
the database."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from helpers import CORPUS, REPO_ROOT, run_cli

from analytics import importing, inbox, store

OLD = time.time() - 60   # an mtime long settled


def drop(folder: Path, name: str, source: Path | str, mtime: float = OLD) -> Path:
    path = folder / name
    path.write_bytes(source.read_bytes() if isinstance(source, Path) else source.encode())
    os.utime(path, (mtime, mtime))
    return path


@pytest.fixture
def conn():
    connection = store.connect(":memory:")
    yield connection
    connection.close()


def test_waiting_files_are_imported_and_moved_with_the_reason_of_a_refusal(conn, tmp_path):
    box = tmp_path / "inbox"
    box.mkdir()
    drop(box, "deals.csv", CORPUS / "us_dates.csv", OLD)
    drop(box, "empty.csv", CORPUS / "empty.csv", OLD + 1)
    drop(box, "notes.pdf", "not a csv")
    drop(box, "copying.csv", CORPUS / "us_dates.csv", time.time())   # still being written: left for later
    outcomes = inbox.process_inbox(conn, box)
    assert [(o.file, o.status, o.moved_to.parent.name) for o in outcomes] == [
        ("deals.csv", "loaded", "done"), ("empty.csv", "refused", "failed")]
    assert sorted(p.name for p in box.iterdir() if p.is_file()) == ["copying.csv", "notes.pdf"]
    assert (box / "done" / "deals.csv").exists()
    reason = (box / "failed" / "empty.csv.reason.txt").read_text()
    assert reason == outcomes[1].message + "\n" and "empty" in reason
    records = importing.import_records(conn)
    assert [(r.file_name, r.status, r.imported_by) for r in reversed(records)] == [
        ("deals.csv", "loaded", "inbox"), ("empty.csv", "refused", None)]
    assert records[-1].message == outcomes[0].message      # the same report as the history's


def test_a_second_file_of_the_same_name_is_kept_beside_the_first(conn, tmp_path):
    for _ in range(2):
        drop(tmp_path, "empty.csv", CORPUS / "empty.csv")
        inbox.process_inbox(conn, tmp_path)
    assert sorted(p.name for p in (tmp_path / "failed").iterdir()) == [
        "empty (2).csv", "empty (2).csv.reason.txt", "empty.csv", "empty.csv.reason.txt"]


def test_the_inbox_folder_comes_from_the_environment_or_the_setting(conn, monkeypatch, tmp_path):
    monkeypatch.delenv(inbox.INBOX_ENV, raising=False)
    assert inbox.inbox_dir(conn) is None
    store.set_setting(conn, inbox.INBOX_SETTING, str(tmp_path / "a"))
    assert inbox.inbox_dir(conn) == tmp_path / "a"
    monkeypatch.setenv(inbox.INBOX_ENV, str(tmp_path / "b"))
    assert inbox.inbox_dir(conn) == tmp_path / "b"


def test_the_watcher_imports_with_its_own_cursor(tmp_path):
    from dashboard.inbox_watch import InboxWatcher

    connection = store.connect(tmp_path / "db.duckdb")
    try:
        (tmp_path / "box").mkdir()
        drop(tmp_path / "box", "deals.csv", CORPUS / "us_dates.csv")
        outcomes = InboxWatcher(connection.cursor(), tmp_path / "box").look_once()
        assert [o.status for o in outcomes] == ["loaded"]
        assert store.table_counts(connection)["deals"] > 0
    finally:
        connection.close()


HOLDER = """
import sys, time
from pathlib import Path
from analytics import inbox, store
conn = store.connect(sys.argv[1])
inbox.announce_server(sys.argv[1], Path(sys.argv[2]) if sys.argv[2] else None)
print("ready", flush=True)
time.sleep(60)
"""


@pytest.mark.parametrize(("box", "said"), [
    ("/srv/targets/inbox", "copy the file into its inbox /srv/targets/inbox: the server imports it"),
    ("", "give the server an inbox folder ($TARGETS_INBOX)"),
])
def test_a_cli_refused_by_a_locked_database_names_the_server_and_its_inbox(tmp_path, box, said):
    db = tmp_path / "held.duckdb"
    holder = subprocess.Popen([sys.executable, "-c", HOLDER, str(db), box], cwd=REPO_ROOT, stdout=subprocess.PIPE,
                              text=True)
    try:
        assert holder.stdout.readline().strip() == "ready"
        result = run_cli("users", "list", "--db", str(db))
        assert result.returncode == 2
        assert f"the dashboard server (process {holder.pid}) holds it" in result.stderr
        assert said in result.stderr
    finally:
        holder.kill()
        holder.wait()
    assert inbox.holder_note(db) == ""   # its process is gone: the note left behind says nothing


def test_this_processs_own_note_is_not_a_holder_and_is_removed_at_exit(tmp_path):
    db = tmp_path / "mine.duckdb"
    inbox.announce_server(db, None)
    assert inbox.holder_note(db) == ""
    inbox.forget_server(db)
    assert not inbox.marker_path(db).exists()
