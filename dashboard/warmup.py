"""The fits the first pages open on, made in the background before anyone asks (issue 13).

A cold fit of a thousand reps is a second or more of a page's first render: Baselines' calibration of the
next quarter, Tracking's (and Review's) fit of the quarter in progress. :func:`start` runs one thread per
process and database file that makes them when the server starts and again whenever the data changes
(an import from the page or the inbox, an undo, a settings change: ``store.data_version``),
into the very caches the pages read (``session._company_calibration``, ``period_fits._company_fit``:
the same functions, the same keys), and then Tracking's first view (:func:`warm_tracking`: the set it
opens on, tracked as the page would under the scope of every rep, ``dashboard.tracking_view``). A page
that asks while the thread is fitting waits for that fit instead of making its own: Streamlit computes
one cached value once, holding a lock per key.

server.py starts it with the server; under a plain ``streamlit run app.py`` nothing warms (the first
visit pays, as before).
"""

from __future__ import annotations

import logging
import threading
from datetime import timedelta

from analytics import metrics, store, target_sets
from analytics.complete_history import NoCompleteHistory
from analytics.coverage import data_coverage
from analytics.periods import period_of
from analytics.scope import ALL
from dashboard import period_fits, session, tracking_view

POLL_SECONDS = 5.0
_LOG = logging.getLogger(__name__)
_STARTED: set[str] = set()
_STARTED_LOCK = threading.Lock()


def warm(conn: store.Connection, path: str) -> list[str]:
    """Make, on ``conn`` (a cursor of the whole company), what Baselines and Tracking open on for the data
    now in the database at ``path``; the names of what was made (already cached: found, not made again).

    Baselines: the default metric per quarter for the next quarter (the sidebar's first period). Tracking
    and Review: the fit of the quarter in progress on the data before it, for each metric a set saved for
    that quarter tracks.
    """
    version = str(store.data_version(conn))      # what session.company_version() reads
    as_of = metrics.data_as_of(conn)
    if as_of is None:
        return []
    fiscal_month = store.fiscal_year_start_month(conn)
    grain = "quarter"                            # the sidebar's default grain
    metric = next(iter(metrics.METRICS))         # Baselines' first metric
    made = []
    next_label = period_of(as_of, grain, fiscal_month).next().label
    try:
        session.company_calibration_on(conn, path, version, metric, grain, next_label, fiscal_month)
        made.append(f"{metric} {next_label}")
    except NoCompleteHistory:   # nothing to fit yet: Baselines says so when opened, not the warmer's log
        pass
    current = period_of(as_of, grain, fiscal_month).label
    sets = target_sets.list_target_sets(conn)
    # one fit per metric of the sets saved for the current quarter (every set of a metric and period shares it)
    for set_id in sets[sets["period"] == current].drop_duplicates("metric")["set_id"]:
        saved = target_sets.load_target_set(conn, int(set_id))
        period = saved.fiscal_period
        key = (period.label, period.grain, period.fiscal_start_month)
        period_fits.company_fit_on(conn, period, path, version, saved.metric, key, period.start - timedelta(days=1))
        made.append(f"{saved.metric} {period.label}")
    return made


def warm_tracking(conn: store.Connection, path: str) -> list[str]:
    """Make, on ``conn`` (a cursor of the whole company), the view Tracking opens on for the data now in the
    database at ``path`` (``dashboard.tracking_view``): the newest set saved for the quarter in progress, as
    of the data's last day, at the default threshold, under the scope of every rep; the set's name (none
    without such a set). Its period's fit is :func:`warm`'s, found in the cache."""
    as_of = metrics.data_as_of(conn)
    if as_of is None:
        return []
    version = str(store.data_version(conn))
    current = period_of(as_of, "quarter", store.fiscal_year_start_month(conn)).label   # the sidebar's default grain
    sets = target_sets.list_target_sets(conn)
    for_period = sets[sets["period"] == current]
    if for_period.empty:
        return []
    header = for_period.iloc[0]                  # the page's first choice (newest first)
    saved = target_sets.load_target_set(conn, int(header["set_id"]))
    period = saved.fiscal_period
    key = tracking_view.set_version(path, f"{version}|{ALL.key()}", header)
    try:
        tracking_view.track(conn, key, int(header["set_id"]), tracking_view.default_day(as_of, period.start, period.end),
                            tracking_view.default_threshold(), fit=period_fits.fit_on(path, version),
                            coverage=data_coverage(conn))
    except (ValueError, LookupError):   # a set that cannot be tracked: the page says why when it is opened
        return []
    return [f"tracking {header['name']}"]


class Warmer(threading.Thread):
    """Every ``POLL_SECONDS``, :func:`warm` when the data version has changed since the last warm-up."""

    def __init__(self, conn: store.Connection, path: str) -> None:
        super().__init__(name="fit-warmer", daemon=True)
        self.conn, self.path = conn, path
        self.stopped = threading.Event()
        self.warmed: str | None = None

    def look_once(self) -> list[str]:
        """Warm the fits and then Tracking's first view when the data changed; the fits made (the view: logged)."""
        version = str(store.data_version(self.conn))
        if version == self.warmed:
            return []
        self.warmed = version     # tried once per version: data a fit refuses is not fitted again every look
        made = warm(self.conn, self.path)
        views = warm_tracking(self.conn, self.path)   # after the fits: it reads the current quarter's
        _LOG.info("warmed the fits of %s: %s; views: %s", self.path, ", ".join(made) or "no data",
                  ", ".join(views) or "none")
        return made

    def run(self) -> None:
        while not self.stopped.is_set():
            try:
                self.look_once()
            except Exception:   # (data a fit refuses: the page says why when it is opened; tried at the next change)
                _LOG.exception("warming the fits of %s failed", self.path)
            self.stopped.wait(POLL_SECONDS)


def start(conn: store.Connection, path: str) -> Warmer | None:
    """Start this process's warmer of the database at ``path`` on a cursor of ``conn`` of its own (once per
    process and file: later calls return None)."""
    with _STARTED_LOCK:
        if path in _STARTED:
            return None
        _STARTED.add(path)
    warmer = Warmer(conn.cursor(), path)
    warmer.start()
    return warmer
