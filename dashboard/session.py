"""What a run of the dashboard works with: the database, and the sidebar's grain and period.

One DuckDB connection per process and database file (``st.cache_resource``); every run takes its own
cursor, because DuckDB refuses to share a connection between Streamlit's script threads. Once accounts
exist, that cursor is *scoped* (:func:`analytics.scope.scoped`): the signed-in account's scope, set by
``auth.require_sign_in`` at the start of every run, shadows the tables keyed by rep, so every engine
query a page makes (and every table, chart and download it shows) holds only the scope's reps. Every
cache over the data is keyed by :func:`data_version`, which names the scope: one manager's cached
table is never served to another. One cache is not: the company-wide model fit behind every
calibration (:func:`_company_calibration`, keyed by :func:`company_version`), which is the same for
every account and is only ever read through its ``for_scope``. The sidebar's
grain and period live in session state under the keys below, so every page reads the same choice.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from datetime import date

import streamlit as st

from analytics import coverage, formatting, metrics, store
from analytics import scope as scopes
from analytics.calibration import Calibration, CompanyCalibration, calibrate_company
from analytics.periods import Period, parse_period, period_of

GRAIN_KEY = "grain"
PERIOD_KEY = "period_label"
SCOPE_KEY = "session_scope"   # this run's Scope (set by auth.require_sign_in; absent: every rep, accounts off)
CURSOR_KEY = "session_cursor"  # this session's SessionCursor (db)
VERSION_KEY = "session_run_data_version"  # (cursor, store.data_version) read in this run (data_version)
RUN_STARTED_KEY = "session_run_started"  # time.monotonic() at this run's begin_run (run_seconds)


@dataclass(frozen=True)
class SessionCursor:
    """The session's cursor, with the process connection, the scope and the script thread it was made for."""

    connection: store.Connection
    scope: scopes.Scope
    cursor: store.Connection
    thread: int


@st.cache_resource(show_spinner=False)
def _connection(path: str) -> store.Connection:
    return store.connect(path)


def db_path() -> str:
    """The database file this process serves (``$TARGETS_DB`` or the default)."""
    return str(store.default_db_path())


def db() -> store.Connection:
    """This session's cursor, scoped to the signed-in account's reps (:func:`scope`).

    Made once per session, scope and script thread (a scoped cursor costs a few milliseconds, and a
    run asks for it often), then reused by the runs on that thread. Not across threads: a click during
    a long query starts the next run on a new script thread while the old one finishes its DuckDB
    call, and DuckDB refuses one cursor used by two threads at once ("connection is busy"). Work
    handed to another thread takes :func:`own_db` instead."""
    conn, current, thread = _connection(db_path()), scope(), script_thread()
    found = st.session_state.get(CURSOR_KEY)
    if (isinstance(found, SessionCursor) and found.connection is conn and found.scope == current
            and found.thread == thread):
        return found.cursor
    cursor = scopes.scoped(conn, current)
    st.session_state[CURSOR_KEY] = SessionCursor(conn, current, cursor, thread)
    return cursor


def script_thread() -> int:
    """The thread this run executes on (Streamlit starts a new one for a run asked for mid-run)."""
    return threading.get_ident()


def own_db() -> store.Connection:
    """A new cursor of this session's scope, for work on another thread (a backtest worker): never
    the session's own (:func:`db`), which the next run uses meanwhile."""
    return scopes.scoped(_connection(db_path()), scope())


def unscoped_db() -> store.Connection:
    """A cursor that sees every rep: only for signing in and working out an account's scope."""
    return _connection(db_path()).cursor()


def scope() -> scopes.Scope:
    """The reps this session may see: every rep while accounts are off."""
    found = st.session_state.get(SCOPE_KEY)
    return found if isinstance(found, scopes.Scope) else scopes.ALL


def set_scope(scope: scopes.Scope) -> None:
    """This run's scope (``auth.require_sign_in`` sets it before any page reads data)."""
    st.session_state[SCOPE_KEY] = scope


def begin_run() -> None:
    """Start of a run (``frame.start_run``, ``frame.require``): the data may have changed since the last."""
    st.session_state.pop(VERSION_KEY, None)
    st.session_state[RUN_STARTED_KEY] = time.monotonic()


def run_seconds() -> float:
    """Seconds since this run began (:func:`begin_run`; 0.0 in a run that never called it)."""
    started = st.session_state.get(RUN_STARTED_KEY)
    return time.monotonic() - started if isinstance(started, float) else 0.0


def data_version() -> str:
    """Cache key for computations over the current data, settings and this session's scope: every
    ``st.cache_data``/``cache_resource`` over rep data is keyed by it (tests/test_scope.py checks).
    The scope's key is taken afresh every time."""
    return f"{company_version()}|{scope().key()}"


def company_version() -> str:
    """Cache key for computations over the current data and settings of every rep, whoever looks: only
    for the company-wide model fit (:func:`_company_calibration`), never for what a page shows.

    Read once per run (:func:`begin_run` forgets it; a page reads it several times); what changes it
    (an import, its undo, the fiscal calendar) reruns the script right after."""
    cursor = db()
    found = st.session_state.get(VERSION_KEY)
    if not (isinstance(found, tuple) and found[0] is cursor):
        found = (cursor, store.data_version(cursor))
        st.session_state[VERSION_KEY] = found
    return str(found[1])


@st.cache_data(show_spinner=False, max_entries=8)
def _data_as_of(path: str, version: str) -> date | None:
    """The data's last day, once per database file and data version (``version`` keys the cache)."""
    return metrics.data_as_of(db())


def data_as_of() -> date | None:
    """The last day of the stored deals and activities (None without any): the sidebar asks it on every run
    (a thousand reps' data: 10 ms a query), so it is read once per data version."""
    return _data_as_of(db_path(), data_version())


@st.cache_data(show_spinner=False, max_entries=8)
def _table_counts(path: str, version: str) -> dict[str, int]:
    """The canonical tables' row counts, once per database file and data version (``version`` keys the cache)."""
    return store.table_counts(db())


def table_counts() -> dict[str, int]:
    """Row counts of deals, activities, reps and quotas (the sidebar's "what is loaded"), once per data version."""
    return _table_counts(db_path(), data_version())


@st.cache_data(show_spinner=False, max_entries=8)
def _fiscal_start_month(path: str, version: str) -> int:
    """The stored fiscal calendar, once per database file and data version (which holds the settings)."""
    return store.fiscal_year_start_month(db())


@st.cache_data(show_spinner=False, max_entries=8)
def _currency_code(path: str, version: str) -> str | None:
    """The stored deals' currency, once per database file and data version (``version`` keys the cache)."""
    return store.currency_code(db())


def currency_code() -> str | None:
    """The imported deals' currency as its ISO code (``EUR``), or None when no import named one."""
    return _currency_code(db_path(), data_version())


@st.cache_data(show_spinner=False, max_entries=8)
def _data_coverage(path: str, version: str) -> coverage.DataCoverage:
    """Which data exists, once per database file and data version (``version`` keys the cache)."""
    return coverage.data_coverage(db())


def data_coverage() -> coverage.DataCoverage:
    """Which kinds and fields of data exist, from when to when: every page asks this, not the tables."""
    return _data_coverage(db_path(), data_version())


@st.cache_data(show_spinner="Calibrating each rep's range…", max_entries=8)
def _company_calibration(_conn: store.Connection, path: str, company_version: str, metric: str, grain_name: str,
                         period_label: str, fiscal_month: int) -> CompanyCalibration:
    """The model fitted on every rep of the company, once per database file, data version (without the
    scope: the fit is the same for every account, so a second manager's first visit finds it), metric,
    grain, period and fiscal calendar. Held, never shown: :func:`_calibration` takes the scope's part."""
    return calibrate_company(_conn, metric, grain_name, period_label)


def company_calibration_on(conn: store.Connection, path: str, company_version: str, metric: str, grain_name: str,
                           period_label: str, fiscal_month: int) -> CompanyCalibration:
    """The company's fit the pages read (cached under the same key), made on ``conn``: for a thread outside
    any session (``dashboard.warmup``), whose ``company_version`` is ``str(store.data_version(conn))``."""
    return _company_calibration(conn, path, company_version, metric, grain_name, period_label, fiscal_month)


@st.cache_data(show_spinner=False, max_entries=24)
def _calibration(path: str, version: str, company_version: str, metric: str, grain_name: str, period_label: str,
                 fiscal_month: int) -> Calibration:
    """One calibration per database file, data version and scope (``version``), metric, grain, period and
    fiscal calendar (they key the cache): the scope's reps of the company's fit, with their funnel and the
    scope's monthly shape read on this session's cursor. A plain value, cached as it is."""
    company = company_calibration_on(db(), path, company_version, metric, grain_name, period_label, fiscal_month)
    return company.for_scope(db())


def calibration(metric: str, grain_name: str, period_label: str) -> Calibration:
    """The calibration of ``metric`` per ``grain_name`` for ``period_label`` (a label or ``"next"``), cached:
    Targets and Baselines share it. Raises ``ValueError`` when the data cannot be calibrated."""
    return _calibration(db_path(), data_version(), company_version(), metric, grain_name, period_label,
                        fiscal_start_month())


def currency() -> str:
    """The symbol every page writes before an amount: the imported deals' currency (``$`` when none)."""
    return formatting.currency_symbol(currency_code())


def grain() -> str:
    """The sidebar's grain: ``"quarter"`` or ``"month"``."""
    return st.session_state.get(GRAIN_KEY, "quarter")


def fiscal_start_month() -> int:
    """The month (1-12) the fiscal year starts in, as stored in the database's settings: read once per data
    version (its key holds every setting; a page and the sidebar ask several times a run)."""
    return _fiscal_start_month(db_path(), data_version())


def period_widget_key(grain_name: str) -> str:
    """One Period selectbox per grain: switching grain then never shows the other grain's label.

    The chosen label is copied to ``PERIOD_KEY``, a plain session key the pages read.
    """
    return f"{PERIOD_KEY}_{grain_name}"


def choose_period(grain_name: str, label: str) -> None:
    """Preselect a period (e.g. when a saved set is reopened); call before the sidebar is drawn."""
    st.session_state[period_widget_key(grain_name)] = label
    st.session_state[PERIOD_KEY] = label


def selected_period() -> Period | None:
    """The sidebar's period, or None while there is no data to choose a period from."""
    label = st.session_state.get(PERIOD_KEY)
    if not label:
        return None
    return parse_period(label, fiscal_start_month())


def period_choices(as_of: date | None, grain_name: str, fiscal_month: int, n_past: int = 8,
                   data_starts: date | None = None) -> list[str]:
    """Labels to pick from: the next period, the current one, and recent complete ones, none of them before
    the period ``data_starts`` (the data's first day) falls in: a period without data has no rep to show.

    Examples
    --------
    >>> period_choices(date(2026, 5, 10), "quarter", 1, n_past=2)
    ['2026-Q3', '2026-Q2', '2026-Q1', '2025-Q4']
    >>> period_choices(date(2017, 12, 31), "quarter", 1, data_starts=date(2017, 3, 1))
    ['2018-Q1', '2017-Q4', '2017-Q3', '2017-Q2', '2017-Q1']
    >>> period_choices(None, "month", 1)
    []
    """
    if as_of is None:
        return []
    current = period_of(as_of, grain_name, fiscal_month)
    past = [current.previous(i) for i in range(1, n_past + 1)]
    if data_starts is not None:
        past = [p for p in past if p.end >= data_starts]
    return [p.label for p in [current.next(), current, *past]]
