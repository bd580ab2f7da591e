"""Shared fixtures: repository paths, a fresh database per test, the AppTest client, the live server.

Browser tests (marked ``browser``) run Debian's Chromium through pytest-playwright against a live
``streamlit run`` of app.py on a free port. The server is polled until healthy, its log is printed
when it fails, and it is always terminated.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]


def pytest_collection_modifyitems(config, items):
    if Path(CHROMIUM).exists():
        return
    skip = pytest.mark.skip(reason="Debian chromium is not installed (make test installs it)")
    for item in items:
        if "browser" in item.keywords:
            item.add_marker(skip)


@pytest.fixture
def db_path(tmp_path, monkeypatch) -> Path:
    """A fresh database file, also exported as TARGETS_DB for code that reads the default."""
    path = tmp_path / "targets.duckdb"
    monkeypatch.setenv("TARGETS_DB", str(path))
    return path


@pytest.fixture
def empty_db(db_path) -> Path:
    """A database the dashboard will not fill with the sample company on first start."""
    from analytics import sample_company, store

    conn = store.connect(db_path)
    store.set_setting(conn, sample_company.SAMPLE_FLAG, "cleared")
    conn.close()
    return db_path


def _database_built_once(tmp_path_factory, name: str, fill) -> Path:
    """A database file made by ``fill(conn)`` for a test session's templates (copied, never written)."""
    from analytics import store

    path = tmp_path_factory.mktemp(name) / f"{name}.duckdb"
    conn = store.connect(path)
    fill(conn)
    conn.close()
    return path


@pytest.fixture(scope="session")
def sample_db_template(tmp_path_factory) -> Path:
    """The sample company imported once per test session; copy it, never write to it."""
    from analytics import sample_company

    return _database_built_once(tmp_path_factory, "sample", sample_company.load)


@pytest.fixture
def sample_db(sample_db_template, db_path) -> Path:
    shutil.copy(sample_db_template, db_path)
    return db_path


@pytest.fixture(scope="session")
def tracking_db_template(tmp_path_factory) -> Path:
    """The tracking fixtures' company (tests/tracking_fixtures.py) once per session; copy it, never write to it."""
    import tracking_fixtures

    return _database_built_once(tmp_path_factory, "tracking", tracking_fixtures.populate)


@pytest.fixture
def tracking_db(tracking_db_template, tmp_path) -> Path:
    """A copy of the tracking company's database file for one test (it may write)."""
    path = tmp_path / "company.duckdb"
    shutil.copy(tracking_db_template, path)
    return path


@pytest.fixture(scope="module")
def tracking_company(tracking_db_template):
    """A connection to a module's own copy of the tracking company."""
    from analytics import store

    path = Path(tempfile.mkdtemp(prefix="tracking-")) / "company.duckdb"
    shutil.copy(tracking_db_template, path)
    conn = store.connect(path)
    yield conn
    conn.close()
    shutil.rmtree(path.parent, ignore_errors=True)


def run_cli(*args: str) -> subprocess.CompletedProcess:
    """``python -m analytics ARGS`` in a subprocess from the repository root (exit code, stdout, stderr)."""
    return subprocess.run([sys.executable, "-m", "analytics", *args], cwd=REPO_ROOT, capture_output=True,
                          text=True, timeout=120)


def app_test(page: str | None = None):
    """An AppTest of the whole navigation frame, optionally switched to ``page``."""
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(str(REPO_ROOT / "app.py"), default_timeout=60)
    at.run()
    if page:
        at.switch_page(page)
        at.run()
    return at


# ---- live server for browser tests -------------------------------------------------------------

def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class LiveServer:
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


@pytest.fixture(scope="session")
def live_db(tmp_path_factory, sample_db_template) -> Path:
    """The browser tests' database: the sample company, in a file of its own."""
    path = tmp_path_factory.mktemp("live") / "targets.duckdb"
    shutil.copy(sample_db_template, path)
    return path


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


@pytest.fixture(scope="session")
def live_server(live_db):
    with running_server(live_db) as server:
        yield server


@pytest.fixture(scope="session")
def base_url(live_server) -> str:
    return live_server.url


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    return {**browser_type_launch_args, "executable_path": CHROMIUM, "args": CHROMIUM_ARGS}


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args):
    return {**browser_context_args, "viewport": {"width": 1400, "height": 1000}}
