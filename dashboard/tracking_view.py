"""Tracking's view of a saved set, cached: the page reads it, the server's warmer makes the one it opens on.

At 1,000 reps tracking a set (``analytics.tracking.track``: the chances from the open pipeline's outcomes,
the projection's seeded draws, each rep's usual share) is most of a CPU second on top of the period's fit. It is cached per database file, data version and scope, and save of the set (:func:`set_version`),
set, day and threshold; :func:`track_on` makes the entry Tracking opens on (the newest set saved for the
quarter in progress, as of the data's last day, the default threshold) from a thread outside any session
(``dashboard.warmup``), under the whole company's scope, so a first visit after a server start or an
import finds it. Another scope, day or threshold is computed when asked, as before.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

import streamlit as st

from analytics import formatting, store, tracking
from analytics.coverage import DataCoverage

FitPeriod = Callable[..., Any]


def set_version(path: str, data_version: str, header: Any) -> str:
    """Cache key part: the database file, its data, settings and scope (``data_version``), and this save of
    the set (``header``: its row of ``target_sets.list_target_sets``)."""
    return f"{path}|{data_version}|{header['set_id']}|{header['revision']}|{header['updated_at']}"


@st.cache_data(show_spinner="Tracking the set…", max_entries=32)
def _track(_conn: store.Connection, version_key: str, set_id: int, as_of: date, threshold: float,
           _fit: FitPeriod, _coverage: DataCoverage) -> tracking.Tracking:
    # version_key (set_version): an import, a settings change or an edit of the set recomputes. The period's
    # fit is cached apart (``_fit``: dashboard.period_fits): another threshold or day reuses it, and Review's
    # next-period fit is the same one. ``_fit`` and ``_coverage`` are the caller's means, not keys: the
    # page's (its session's scope) and the warmer's (the whole company's) give the same value for one key.
    return tracking.track(_conn, int(set_id), as_of, threshold, fit=_fit, coverage=_coverage)


def track(conn: store.Connection, version_key: str, set_id: int, as_of: date, threshold: float, *,
          fit: FitPeriod, coverage: DataCoverage) -> tracking.Tracking:
    """``analytics.tracking.track`` of the set ``set_id``, cached under ``version_key`` (:func:`set_version`),
    the day and the threshold."""
    return _track(conn, version_key, int(set_id), as_of, threshold, fit, coverage)


def default_threshold() -> float:
    """The threshold the page's slider opens on, as the page passes it (whole percent / 100)."""
    return round(100 * tracking.DEFAULT_THRESHOLD) / 100


def default_day(data_as_of: date, period_start: date, period_end: date) -> date:
    """The day the page's date box opens on: the data's last day, clipped into the set's period."""
    return min(max(data_as_of, period_start), period_end)


def volumes_named(volumes: list[str]) -> str:
    """The volumes an activity table holds, in words, for its heading: an orders export's is deals alone,
    and a heading saying "activities" named a log never imported.

    >>> volumes_named(["calls", "meetings", "deals"]), volumes_named(["deals"]), volumes_named([])
    ('Calls, meetings and deals', 'Deals', 'Activities')
    """
    if not volumes:
        return "Activities"
    words = ", ".join(volumes[:-1]) + (" and " if len(volumes) > 1 else "") + volumes[-1]
    return words[0].upper() + words[1:]


def volume_pace_basis(activity_share: float, outcome_share: float, metric: str) -> str:
    """Why a volume's "expected by now" is not the outcome's: a volume runs through the period evenly
    (its working days gone), an outcome follows its usual shape (deals close late in a period).

    >>> print(volume_pace_basis(0.48, 0.34, "revenue"))
    Expected by now: each per-period target × the share of the period's working days gone (48%), an even pace. The revenue expected above follows the period's usual shape instead (34% by now).
    """
    return (f"Expected by now: each per-period target × the share of the period's working days gone "
            f"({formatting.rate(activity_share)}), an even pace. The {metric} expected "
            f"above follows the period's usual shape instead ({formatting.rate(outcome_share)} by now).")
