"""What tests call and build with: paths, the CLI (in process and as a module), an AppTest, a live
server, import outcomes and named rows.

Every test imports these one way, ``from helpers import ...`` (pytest puts tests/ on the path, as
tests/ is no package). Fixtures stay in conftest.py, which pytest loads itself and tests never import:
imported as ``tests.conftest`` it was a second copy of the module beside pytest's ``conftest``.
"""

from __future__ import annotations

import collections
import contextlib
import io
import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from typing import NamedTuple

REPO_ROOT = Path(__file__).resolve().parent.parent
CORPUS = REPO_ROOT / "tests" / "corpus"


# ---- the command line ---------------------------------------------------------------------------

class CliResult(NamedTuple):
    """What a run of the command line gave: its exit code and everything it printed."""

    returncode: int
    stdout: str
    stderr: str


def run_cli(*args: str) -> CliResult:
    """``python -m analytics ARGS`` in this process: ``analytics.cli.main`` with stdout and stderr caught.

    The same exit codes as the module run (main returns argparse's usage error as 2); the verbs
    open and close their own database connection, so nothing stays open between calls.
    """
    from analytics.cli import main

    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(list(args))
    return CliResult(code, out.getvalue(), err.getvalue())


def run_module(*args: str) -> CliResult:
    """``python -m analytics ARGS`` in a new process from the repository root: the real entry point."""
    proc = subprocess.run([sys.executable, "-m", "analytics", *args], cwd=REPO_ROOT, capture_output=True,
                          text=True, timeout=120)
    return CliResult(proc.returncode, proc.stdout, proc.stderr)


# ---- a file opened as the import opens it -------------------------------------------------------------

@contextlib.contextmanager
def opened_source(folder: Path, data: bytes):
    """``csv_source.open_source`` of a file in ``folder`` holding ``data``, closed after (its copy removed)."""
    from analytics.importing import csv_source

    path = folder / "f.csv"
    path.write_bytes(data)
    src = csv_source.open_source(path)
    try:
        yield src
    finally:
        src.close()


# ---- rows and outcomes read back from a database --------------------------------------------------

def fetch_rows(conn, sql: str, params: list | None = None) -> list[tuple]:
    """The rows of a query as named tuples whose fields are its column names (equal to plain tuples)."""
    cursor = conn.execute(sql, params or [])
    row = collections.namedtuple("Row", [column[0] for column in cursor.description], rename=True)
    return [row(*values) for values in cursor.fetchall()]


class ImportOutcome(NamedTuple):
    """Everything an import of a deal file decided, to compare two ways of importing the same file."""

    status: str
    rows_read: int
    rows_loaded: int
    rows_rejected: int
    new: int
    import_id: int
    notes: list[str]
    rejects: list[tuple]   # named rows: line, column_name, value, reason
    deals: list[tuple]     # named rows of the stored deals (without import_id), by deal_id


def import_outcome(conn, result) -> ImportOutcome:
    """The outcome of ``result`` (an ``importer.ImportResult``) with the rejects and deals it left in ``conn``."""
    return ImportOutcome(
        result.status, result.rows_read, result.rows_loaded, result.rows_rejected, result.new, result.import_id,
        sorted(result.notes),
        fetch_rows(conn, "SELECT line, column_name, value, reason FROM import_rejects ORDER BY line"),
        fetch_rows(conn, "SELECT * EXCLUDE (import_id) FROM deals ORDER BY deal_id"),
    )


def record_reads(m, written: list, *, two_reads: bool, mark=lambda stage: stage.token) -> None:
    """Within the monkeypatch context ``m``, note in ``written`` what reads an imported file: ``mark(stage)``
    for each one-read write tried (refused with ``two_reads``, so the file is read the two-read way) and
    "scan" for the two-read way's scan."""
    from analytics.importing import one_read, scan, stage_types

    real_write, real_scan = one_read.write, scan.scan_typed

    def write(conn, stage, import_id):
        written.append(mark(stage))
        if two_reads:
            raise stage_types.PlanChanged("read twice for the comparison")
        return real_write(conn, stage, import_id)

    m.setattr(one_read, "write", write)
    m.setattr(scan, "scan_typed", lambda *a: written.append("scan") or real_scan(*a))


def first_load_outcome(path, monkeypatch, *, casts: bool) -> tuple[ImportOutcome, list[dict]]:
    """The outcome of a first load of ``path`` into an empty database (the one-read write), with the
    reader's casts on or off, and the reader casts of each write (empty: a write without casts)."""
    from analytics import importing, store
    from analytics.importing import one_read, staging

    writes: list[dict] = []
    with monkeypatch.context() as m:
        real_write, real_build = one_read.write, staging.build

        def write(conn, stage, import_id):
            writes.append(dict(stage.casts.types))
            return real_write(conn, stage, import_id)

        m.setattr(one_read, "write", write)
        m.setattr(staging, "build", lambda *a, **k: real_build(*a, **{**k, "reader_casts": casts and
                                                                          k.get("reader_casts", True)}))
        conn = store.connect(":memory:")
        outcome = import_outcome(conn, importing.import_file(conn, path))
        conn.close()
    return outcome, writes


# ---- the dashboard --------------------------------------------------------------------------------

def show_error_details() -> None:
    """Let AppTest's tree carry an exception's text and traceback, which .streamlit/config.toml hides
    from users (``client.showErrorDetails``): a failing test then says what went wrong."""
    from streamlit import config

    config.set_option("client.showErrorDetails", "full")


def app_test(page: str | None = None):
    """An AppTest of the whole navigation frame, optionally switched to ``page``."""
    from streamlit.testing.v1 import AppTest

    show_error_details()
    at = AppTest.from_file(str(REPO_ROOT / "app.py"), default_timeout=60)
    at.run()
    # AppTest starts every run in Streamlit's legacy pages/ mode: the first runs app.py, every later
    # one the page alone, which draws the frame's sidebar itself (dashboard.frame.require), with
    # other widget identities. Run once more so the test acts on the tree later runs draw.
    if page:
        at.switch_page(page)
    at.run()
    return at


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class LiveServer:
    """``streamlit run app.py`` on a free port of 127.0.0.1 against the database file ``db``."""

    def __init__(self, db: Path):
        self.port = _free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        fd, log_name = tempfile.mkstemp(prefix="streamlit-", suffix=".log")
        self.log_path = Path(log_name)
        env = {**os.environ, "TARGETS_DB": str(db)}
        # Output to a file, not a pipe: a full pipe can block the server.
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "streamlit", "run", "app.py", "--server.headless", "true",
             "--server.address", "127.0.0.1", "--server.port", str(self.port),
             "--browser.gatherUsageStats", "false", "--server.fileWatcherType", "none"],
            cwd=REPO_ROOT, env=env, stdout=fd, stderr=subprocess.STDOUT,
        )
        os.close(fd)  # the child holds its own copy

    def log_text(self) -> str:
        return self.log_path.read_text(errors="replace")

    def wait_healthy(self, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"streamlit exited with {self.proc.returncode}:\n{self.log_text()}")
            try:
                with urllib.request.urlopen(f"{self.url}/_stcore/health", timeout=2) as resp:
                    if resp.read().decode().strip() == "ok":
                        return
            except OSError:
                pass
            time.sleep(0.3)
        raise RuntimeError(f"streamlit did not become healthy in {timeout}s:\n{self.log_text()}")

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.log_path.unlink(missing_ok=True)


@contextlib.contextmanager
def running_server(db: Path):
    """A healthy ``streamlit run`` on ``db``; its log is printed if anything fails; always stopped."""
    server = LiveServer(db)
    try:
        server.wait_healthy()
        yield server
    except Exception:
        print(server.log_text())
        raise
    finally:
        server.stop()
