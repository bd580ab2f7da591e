"""The facts a manager argues with beside each rep, and the backtest's verdict, for any page's rep table.

Cached per database file and data version (``session.data_version``), metric, grain (and period):

* :func:`backtest_result`: the rolling-origin backtest (seconds on a large team, run on a worker
  thread of its own), shared by the Backtest page, Baselines and Targets;
* :func:`verdict` / :func:`verdict_caption` / :func:`show_verdict` / :func:`verdict_later`: its verdict in
  one sentence (a page waits for it at most ``VERDICT_WAIT_SECONDS``, and only while its run is under
  ``VERDICT_RUN_SECONDS``; then the verdict box fills itself in);
* :func:`facts_columns`: last period's actual, the CRM quotas (when imported) and the recent trend as
  columns to join into a rep table, with their ``column_config`` and the columns to keep read-only.

A page adds the facts to its table in one line each, e.g. on Targets::

    facts = rep_facts_view.facts_columns(metric, grain, period.label, reps)
    table = table.join(facts.frame)          # indexed by rep, in ``reps``' order
    st.data_editor(table, column_config={..., **facts.column_config},
                   disabled=[..., *facts.columns], placeholder=formatting.BLANK)
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
import streamlit as st

from analytics import backtest, backtest_verdict, metrics
from analytics import rep_facts as facts_engine
from analytics.backtest import BacktestResult
from analytics.backtest_verdict import BacktestVerdict
from analytics.rep_facts import RepFacts
from dashboard import session

LAST_ACTUAL, LAST_QUOTA, QUOTA, TREND = "Last actual", "Last quota", "CRM quota", "Trend"
"""The facts' column names in a rep table (their labels say which period)."""


# ---- the backtest and its verdict ----------------------------------------------------------------
# A backtest refits the model at every origin: under a second for a small team, half a minute for a
# thousand reps. It runs on one worker thread of its own (backtests queue there rather than compete
# with page runs for the cores), once per data version, metric and grain, shared by every session and
# by the Backtest page. Baselines and Targets wait for it briefly; when it takes longer they show the
# page at once and a small fragment fills the verdict in when it is done.

VERDICT_WAIT_SECONDS = 1.0
"""How long a page waits for the backtest before it shows itself without the verdict: once per session and
backtest (every later run, a click, shows the page at once: the pending box fills itself in)."""
_WAITED_KEY = "rep_facts_view_waited"
VERDICT_POLL_SECONDS = 2.0
"""How often the pending verdict box looks again."""
VERDICT_RUN_SECONDS = 1.5
"""A page waits for the verdict only until its run is this old: a small team's backtest (under a second)
still shows its verdict at once, and a thousand reps' (half a minute) does not push a first render past
its aim of 2 s (issue 13) for a verdict it would not get anyway."""


@st.cache_resource(show_spinner=False)
def _worker() -> ThreadPoolExecutor:
    return ThreadPoolExecutor(max_workers=1, thread_name_prefix="backtest")


@st.cache_resource(show_spinner=False, max_entries=32)
def _backtest_future(path: str, version: str, metric: str, grain_name: str, fiscal_month: int) -> Future:
    """The backtest, started once per key (the file, ``version`` and ``fiscal_month`` key it). It reads
    through a cursor of its own, made here and used by the worker alone."""
    return _worker().submit(backtest.run_backtest, session.own_db(), metric, grain_name)


DataKey = tuple[str, str, int]
"""The database file, its data version and fiscal calendar: what every cache here is keyed by."""


def _data_key(known: DataKey | None = None) -> DataKey:
    """``known`` (a page that has read them passes them: three small queries saved a run), else read now."""
    return known or (session.db_path(), session.data_version(), session.fiscal_start_month())


def _future(metric: str, grain_name: str, key: tuple[str, str, int] | None = None) -> Future:
    path, version, fiscal_month = key or _data_key()
    return _backtest_future(path, version, metric, grain_name, fiscal_month)


def backtest_result(metric: str, grain_name: str) -> BacktestResult:
    """The rolling-origin backtest of ``metric`` per ``grain_name`` on this database (waits for it)."""
    future = _future(metric, grain_name)
    if future.done():
        return future.result()
    with st.spinner("Replaying the history: refitting at every origin…"):
        return future.result()


def wait_for_backtests() -> None:
    """Return when every backtest started so far has finished (the worker runs them in turn)."""
    _worker().submit(int).result()


@st.cache_data(show_spinner=False, max_entries=64)
def _verdict(path: str, version: str, metric: str, grain_name: str, fiscal_month: int) -> BacktestVerdict:
    return backtest_verdict.verdict_for(session.db(), metric, grain_name, backtest_result(metric, grain_name))


def verdict(metric: str, grain_name: str, wait: float | None = None, *,
            data_key: DataKey | None = None) -> BacktestVerdict | None:
    """The backtest's verdict for ``metric`` per ``grain_name`` in one sentence, or None when the
    backtest has not finished within ``wait`` seconds (None: wait for it)."""
    path, version, fiscal_month = key = _data_key(data_key)
    try:
        _future(metric, grain_name, key).result(timeout=wait)
    except TimeoutError:
        return None
    except ValueError as exc:      # the backtest refused this data: say why instead of a verdict
        return BacktestVerdict(f"These ranges could not be tested on your history: {exc}", enough_history=False)
    return _verdict(path, version, metric, grain_name, fiscal_month)


def _title(metric: str, grain_name: str) -> str:
    return f"**Backtest, {metrics.resolve_metric(metric).words} per {grain_name}:**"


PENDING = "testing these ranges on your history; the verdict appears here when it is done."


def verdict_caption(metric: str, grain_name: str, wait: float | None = VERDICT_WAIT_SECONDS) -> str:
    """The verdict as Markdown for a caption: ``**Backtest, won revenue per quarter:** On your history ...``
    (or that it is still being tested, after ``wait`` seconds)."""
    found = verdict(metric, grain_name, wait)
    return f"{_title(metric, grain_name)} {found.sentence if found else PENDING.capitalize()}"


def show_verdict(metric: str, grain_name: str, wait: float | None = None, *,
                 data_key: DataKey | None = None) -> None:
    """The verdict in a bordered box; while the backtest runs (still running after ``wait`` seconds, None:
    ``VERDICT_WAIT_SECONDS``), a box that fills itself in. (Targets passes 0: it never waits for a backtest.)"""
    data_key = _data_key(data_key)
    if wait is None:
        wait = 0.0 if _waited_before((*data_key, metric, grain_name)) else first_wait(session.run_seconds())
    found = verdict(metric, grain_name, wait, data_key=data_key)
    if found is None:
        _pending_verdict(metric, grain_name)
    else:
        _verdict_box(metric, grain_name, found)


def _verdict_box(metric: str, grain_name: str, found: BacktestVerdict) -> None:
    with st.container(border=True, key=f"backtest_verdict_{metric}_{grain_name}"):
        st.markdown(f"{_title(metric, grain_name)} {found.sentence} The Backtest page has the details.")


def first_wait(run_seconds: float) -> float:
    """Seconds a page's first look at a verdict waits for the backtest, ``run_seconds`` into its run: at most
    ``VERDICT_WAIT_SECONDS``, and only until the run is ``VERDICT_RUN_SECONDS`` old.

    >>> first_wait(0.2), first_wait(1.0), first_wait(2.4)
    (1.0, 0.5, 0.0)
    """
    return min(VERDICT_WAIT_SECONDS, max(0.0, VERDICT_RUN_SECONDS - run_seconds))


def verdict_later(metric: str, grain_name: str, wait: float | None = None, *,
                  data_key: DataKey | None = None) -> Callable[[], None]:
    """Keep the verdict box's place here; the function returned fills it (:func:`show_verdict`, with ``wait``
    and ``data_key``). A page calls it once the rest is drawn: the backtest then starts beside nothing of the
    page's first render (on a thousand reps, the two shared two cores), and the wait for it is the run's
    last step."""
    slot = st.empty()

    def fill() -> None:
        with slot.container():
            show_verdict(metric, grain_name, wait, data_key=data_key)

    return fill


def _waited_before(key: tuple) -> bool:
    """Whether this session already waited for this backtest (and remember that it now has): a click must
    not wait a second each time while a thousand reps' backtest runs."""
    waited = st.session_state.setdefault(_WAITED_KEY, set())
    if key in waited:
        return True
    waited.add(key)
    return False


@st.fragment(run_every=VERDICT_POLL_SECONDS)
def _pending_verdict(metric: str, grain_name: str) -> None:
    # The verdict is drawn here, in the box's own run, not by a run of the whole page: a page run the
    # manager did not ask for re-registers the page's fragments and can land on a number being typed in
    # the one-rep panel or a cell being edited. The box keeps looking (a cached answer) until the page
    # runs again for a reason of the manager's, which draws the verdict without this fragment.
    found = verdict(metric, grain_name, 0.0)
    if found is not None:
        _verdict_box(metric, grain_name, found)
        return
    with st.container(border=True, key=f"backtest_pending_{metric}_{grain_name}"):
        st.caption(f"{_title(metric, grain_name)} {PENDING.capitalize()}")


# ---- the facts beside each rep -------------------------------------------------------------------

@st.cache_data(show_spinner=False, max_entries=64)
def _facts(path: str, version: str, metric: str, grain_name: str, period_label: str,
           fiscal_month: int) -> RepFacts:
    return facts_engine.rep_facts(session.db(), metric, grain_name, period_label, fiscal_start_month=fiscal_month)


def rep_facts(metric: str, grain_name: str, period_label: str) -> RepFacts:
    """Each rep's last actual, CRM quotas and recent values around ``period_label`` (cached)."""
    path, version, fiscal_month = _data_key()
    return _facts(path, version, metric, grain_name, period_label, fiscal_month)


@st.cache_data(show_spinner=False, max_entries=64)
def _trend_points(path: str, version: str, metric: str, grain_name: str, period_label: str,
                  fiscal_month: int) -> pd.Series:
    """Each rep's recent values as the tiny chart draws them (cached with the facts: a list per rep)."""
    facts = _facts(path, version, metric, grain_name, period_label, fiscal_month)
    return pd.Series([_points(v) for v in facts.summary["recent"]], index=facts.summary.index, dtype=object)


@dataclass(frozen=True)
class FactsColumns:
    """The facts as table columns: ``frame`` (indexed by rep) to join, their ``column_config``, and
    ``note``: what is absent, said once under the table (None when every fact is there)."""

    frame: pd.DataFrame
    column_config: dict[str, Any]
    note: str | None

    @property
    def columns(self) -> list[str]:
        """The facts' column names: read-only in an editable table."""
        return list(self.frame.columns)


def facts_columns(metric: str, grain_name: str, period_label: str, reps: Sequence[str], *,
                  currency: str | None = None, data_key: DataKey | None = None) -> FactsColumns:
    """Last actual, CRM quotas (only when imported) and the recent trend for ``reps``, as columns.

    Money is written in the data's currency; a rep without a fact has a blank cell (pass
    ``placeholder=formatting.BLANK`` to the table), never a zero. Made once per data, period, reps and
    currency, then shared: the frame is read, never changed.
    """
    path, version, fiscal_month = _data_key(data_key)
    currency = currency if currency is not None else session.currency()
    return _facts_columns(path, version, metric, grain_name, period_label, fiscal_month, tuple(reps), currency)


@st.cache_resource(show_spinner=False, max_entries=32)
def _facts_columns(path: str, version: str, metric: str, grain_name: str, period_label: str, fiscal_month: int,
                   reps: tuple[str, ...], currency: str) -> FactsColumns:
    """:func:`facts_columns`, once per key (two cached reads unpickled and a frame built took every click)."""
    facts = _facts(path, version, metric, grain_name, period_label, fiscal_month)
    kind = metrics.metric_kind(metric)
    summary = facts.summary.reindex(pd.Index(list(reps), name="rep"))
    unit = grain_name
    frame = pd.DataFrame(index=summary.index)
    config: dict[str, Any] = {}
    last = facts.last.label if facts.last is not None else f"last {unit}"
    frame[LAST_ACTUAL] = summary["last_actual"].astype(float)
    config[LAST_ACTUAL] = number_column(f"Actual {last}", kind, f"{metrics.METRIC_LABELS[facts.metric]} in {last}, "
                                        f"the last complete {unit} (blank: not active then)", currency)
    if facts.has_quota_last:
        frame[LAST_QUOTA] = summary["quota_last"].astype(float)
        config[LAST_QUOTA] = number_column(f"CRM quota {last}", kind, f"The quota imported from the CRM for {last}",
                                           currency)
    if facts.has_quota_target:
        frame[QUOTA] = summary["quota_target"].astype(float)
        config[QUOTA] = number_column(f"CRM quota {facts.target.label}", kind,
                                      f"The quota imported from the CRM for {facts.target.label}", currency)
    points = _trend_points(path, version, metric, grain_name, period_label, fiscal_month).reindex(summary.index)
    frame[TREND] = [v if isinstance(v, list) else [] for v in points]
    shown = max((len(v) for v in frame[TREND]), default=0)     # the bars there are, not the window asked for
    config[TREND] = st.column_config.BarChartColumn(
        f"Last {shown} {unit}s" if shown > 1 else f"Last {unit}" if shown else f"Recent {unit}s",
        width="small", y_min=0,
        help=f"{metrics.METRIC_LABELS[facts.metric]} per complete {unit}, oldest first, up to {last}")
    note = None
    if not (facts.has_quota_last or facts.has_quota_target):
        note = (f"No CRM quotas imported for {metrics.resolve_metric(metric).words} in {last} or "
                f"{facts.target.label}: import a targets file to see them beside each rep.")
    return FactsColumns(frame, config, note)


def _points(values: object) -> list[float]:
    """A cell's recent values without the missing ones (a rate with nothing closed): a bar per value."""
    if not isinstance(values, list):
        return []
    return [round(float(v), 4) for v in values if np.isfinite(v)]


def number_column(label: str, kind: str, help_text: str | None = None, currency: str = "$") -> Any:
    """A column of a metric's values as Baselines shows its ranges: money in the data's currency (EUR data reads
    €), rates in whole percent (an actual of 35.71% beside ranges of 36% read as more precise than they are),
    counts whole (a quarter's P10 of 127.4 meetings reads 127, not 127.4 or 127.0)."""
    if kind == "money":
        return st.column_config.NumberColumn(label, format=f"{currency}%,.0f", step=1, help=help_text)
    if kind == "rate":
        return st.column_config.NumberColumn(label, format="percent", step=0.01, help=help_text)
    return st.column_config.NumberColumn(label, format="%,.0f", step=1, help=help_text)

