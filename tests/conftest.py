"""Shared fixtures: a fresh database per test, seeded companies built once per session, the live server.

Browser tests (marked ``browser``) run Debian's Chromium through pytest-playwright against a live
``streamlit run`` of app.py on a free port (``helpers.running_server``: polled until healthy, its log
printed when it fails, always terminated). Plain functions tests call live in helpers.py.
"""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

import pytest
from helpers import running_server

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


SERVER_LOG_LINES = 150


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    """A failed browser test shows the live server's log tail beside its own output: the server's
    warnings (a fragment run skipped, an exception in a page) are the evidence of what went wrong."""
    outcome = yield
    report = outcome.get_result()
    server = item.funcargs.get("live_server") if hasattr(item, "funcargs") else None
    if report.when == "call" and report.failed and server is not None:
        tail = server.log_text().splitlines()[-SERVER_LOG_LINES:]
        report.sections.append((f"live server log (last {SERVER_LOG_LINES} lines)", "\n".join(tail)))


@pytest.fixture
def db_path(tmp_path, monkeypatch) -> Path:
    """A fresh database file, also exported as TARGETS_DB for code that reads the default."""
    path = tmp_path / "targets.duckdb"
    monkeypatch.setenv("TARGETS_DB", str(path))
    return path


@pytest.fixture
def conn(tmp_path):
    """An open connection to a fresh database file (migrated), closed after the test."""
    from analytics import store

    c = store.connect(tmp_path / "db.duckdb")
    yield c
    c.close()


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


@pytest.fixture(scope="session")
def eur_db_template(tmp_path_factory) -> Path:
    """The sample company exported in euros (its opportunities' Currency column says EUR), imported
    as a manager would import their own files; copy it, never write to it."""
    from analytics import importing, sample_company

    folder = tmp_path_factory.mktemp("eur-export")
    for path in sample_company.sample_files():
        text = path.read_text(encoding="utf-8")
        if path.name == "opportunities.csv":
            text = text.replace(",USD,", ",EUR,")
        (folder / path.name).write_text(text, encoding="utf-8")

    def fill(conn) -> None:
        for path in sample_company.sample_files(folder):
            assert importing.import_file(conn, path).status == "loaded"

    return _database_built_once(tmp_path_factory, "eur", fill)


@pytest.fixture
def eur_db(eur_db_template, db_path) -> Path:
    shutil.copy(eur_db_template, db_path)
    return db_path


@pytest.fixture(scope="module")
def steady_company():
    """A simulated company in memory whose every rep is active in every month (no hires, no leavers: the
    same reps at every origin), 24 reps x 24 months; for the quarter-route tests."""
    from calibration_fixtures import simulate_company

    from analytics import store

    conn = store.connect(":memory:")
    simulate_company(conn, n_reps=24, n_months=24, seed=5, hire_share=0.0, leaver_share=0.0)
    yield conn
    conn.close()


@pytest.fixture
def tracked_db(sample_db):
    """The sample company with a final set saved for the quarter in progress (what Tracking opens on)."""
    from analytics import cli

    code = cli.main(["targets", "save", "--db", str(sample_db), "--name", "Now", "--period", "current", "--final",
                     "--author", "test"])
    assert code == 0
    return sample_db


# ---- the browser tier ---------------------------------------------------------------------------

@pytest.fixture(scope="session")
def live_db(tmp_path_factory, sample_db_template) -> Path:
    """The browser tests' database: the sample company, in a file of its own."""
    path = tmp_path_factory.mktemp("live") / "targets.duckdb"
    shutil.copy(sample_db_template, path)
    return path


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
