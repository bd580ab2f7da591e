"""The running server's inbox: CRM exports dropped into a folder are imported by the server itself.

DuckDB lets one process write a database file, so while the dashboard runs the CLI cannot import
into it. A shared server takes its nightly exports through an inbox instead: a folder named by
``$TARGETS_INBOX`` (or the ``inbox_dir`` setting). The server looks at it every few seconds
(dashboard/inbox_watch.py); each CSV that has stopped changing is imported as ``python -m analytics
import FILE`` would (the same checks, the same entry in the import history, recorded as by
``inbox``), then moved to ``done/`` or, refused, to ``failed/`` beside a ``.reason.txt`` that says why.

The server also leaves a note beside the database (``targets.duckdb.server``: its process and inbox),
so a CLI that finds the file locked can say a dashboard holds it and where to drop files
(:func:`holder_note`).

Example
-------
>>> import tempfile; from pathlib import Path; from analytics import store
>>> folder = Path(tempfile.mkdtemp())
>>> _ = (folder / "roster.csv").write_text("Rep,Team\\nAna,North\\n")
>>> outcomes = process_inbox(store.connect(":memory:"), folder, settle_seconds=0)
>>> [(o.file, o.status, o.moved_to.parent.name) for o in outcomes]
[('roster.csv', 'loaded', 'done')]
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import shutil
import time
from pathlib import Path
from typing import NamedTuple

import duckdb

from analytics import store

INBOX_ENV = "TARGETS_INBOX"
INBOX_SETTING = "inbox_dir"
INBOX_AUTHOR = "inbox"            # the name the import history records for the inbox's imports
SETTLE_SECONDS = 5.0             # a file unchanged this long is whole (not still being copied in)
SUFFIXES = frozenset({".csv", ".txt", ".tsv"})
DONE, FAILED = "done", "failed"

_LOG = logging.getLogger(__name__)


class InboxOutcome(NamedTuple):
    """What became of one file of the inbox."""

    file: str
    status: str                  # loaded | refused | failed (an error of ours: the reason file says which)
    moved_to: Path
    message: str
    import_id: int | None


def inbox_dir(conn: duckdb.DuckDBPyConnection) -> Path | None:
    """The inbox folder: ``$TARGETS_INBOX``, else the ``inbox_dir`` setting, else None (no inbox)."""
    configured = os.environ.get(INBOX_ENV) or store.get_setting(conn, INBOX_SETTING)
    return Path(configured).expanduser() if configured else None


def waiting_files(inbox: Path, *, now: float | None = None, settle_seconds: float = SETTLE_SECONDS) -> list[Path]:
    """The inbox's CSV files (not in its sub-folders) unchanged for ``settle_seconds``, oldest first."""
    now = time.time() if now is None else now
    if not inbox.is_dir():
        return []
    found = [p for p in inbox.iterdir() if p.is_file() and p.suffix.lower() in SUFFIXES
             and not p.name.startswith(".") and now - p.stat().st_mtime >= settle_seconds]
    return sorted(found, key=lambda p: (p.stat().st_mtime, p.name))


def _free_path(folder: Path, name: str) -> Path:
    """``folder/name``, or ``folder/name (2)``... when a file of that name was moved there before."""
    folder.mkdir(parents=True, exist_ok=True)
    target, n = folder / name, 1
    while target.exists():
        n += 1
        target = folder / f"{Path(name).stem} ({n}){Path(name).suffix}"
    return target


def process_inbox(conn: duckdb.DuckDBPyConnection, inbox: Path, *, now: float | None = None,
                  settle_seconds: float = SETTLE_SECONDS) -> list[InboxOutcome]:
    """Import every waiting file of ``inbox``, one transaction each, and move it to ``done/`` or
    ``failed/`` (with ``NAME.reason.txt``). An error of ours on one file fails that file only."""
    from analytics import importing
    from analytics.importing import history

    outcomes = []
    for path in waiting_files(inbox, now=now, settle_seconds=settle_seconds):
        try:
            result = importing.import_file(conn, path, file_name=path.name)
            status, message, import_id = result.status, result.message, result.import_id
        except Exception as exc:  # (the watcher goes on with the next file; the reason file says what broke)
            _LOG.exception("inbox: importing %s failed", path)
            status, message, import_id = "failed", f"the import stopped on an internal error: {exc}", None
        if status == "loaded" and import_id is not None:
            history.record_importer(conn, import_id, INBOX_AUTHOR)
        target = _free_path(inbox / (DONE if status == "loaded" else FAILED), path.name)
        shutil.move(str(path), target)
        if status != "loaded":
            target.with_name(target.name + ".reason.txt").write_text(message + "\n", encoding="utf-8")
        outcomes.append(InboxOutcome(path.name, status, target, message, import_id))
    return outcomes


# ---- who holds the database --------------------------------------------------------------------

def marker_path(db_path: str | Path) -> Path:
    """The note a running server leaves beside its database file."""
    return Path(f"{db_path}.server")


def announce_server(db_path: str | Path, inbox: Path | None) -> None:
    """Note beside the database that this process serves it, and its inbox (None: no inbox)."""
    marker_path(db_path).write_text(json.dumps({"pid": os.getpid(), "inbox": str(inbox) if inbox else None}),
                                    encoding="utf-8")


def holder_note(db_path: str | Path) -> str:
    """What to tell a CLI that found ``db_path`` locked: a dashboard server holds it and, when it has
    an inbox, where to drop files instead; "" when no live server left its note."""
    try:
        note = json.loads(marker_path(db_path).read_text(encoding="utf-8"))
        pid = int(note["pid"])
    except (OSError, ValueError, KeyError, TypeError):
        return ""
    if pid == os.getpid() or not _alive(pid):
        return ""
    inbox = note.get("inbox")
    if inbox:
        return (f"the dashboard server (process {pid}) holds it; to import while it runs, copy the file into "
                f"its inbox {inbox}: the server imports it and moves it to done/ or failed/")
    return (f"the dashboard server (process {pid}) holds it; to import while it runs, give the server an inbox "
            f"folder (${INBOX_ENV}) and copy files there")


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # (a process of another user: alive)
        return True
    return True


def forget_server(db_path: str | Path) -> None:
    """Remove this process's note (at the server's exit)."""
    with contextlib.suppress(OSError, ValueError):
        path = marker_path(db_path)
        if json.loads(path.read_text(encoding="utf-8")).get("pid") == os.getpid():
            path.unlink()
