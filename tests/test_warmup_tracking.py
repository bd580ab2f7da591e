"""Tracking's first view made by the server's warmer (dashboard/warmup.py, dashboard/tracking_view.py):
a first render after it computes nothing of tracking and shows what a cold render shows (issue 13)."""

from __future__ import annotations

import shutil
from datetime import date

import pytest
from helpers import REPO_ROOT
from streamlit.testing.v1 import AppTest

from analytics import store, tracking
from dashboard import tracking_view, warmup

PAGE = "pages/tracking.py"


@pytest.fixture
def tracks(monkeypatch):
    """Every ``analytics.tracking.track`` the dashboard runs (the page's or the warmer's)."""
    made: list[int] = []
    real = tracking.track

    def counted(*args, **kwargs):
        made.append(1)
        return real(*args, **kwargs)

    monkeypatch.setattr(tracking, "track", counted)
    return made


def first_render_frame() -> tuple[list[str], object]:
    """The page's first render: the metrics' values and the table of every rep."""
    at = AppTest.from_file(str(REPO_ROOT / "app.py"), default_timeout=120)
    at.run()
    at.switch_page(PAGE).run()
    assert not at.exception, at.exception[0].message
    frames = [d.value for d in at.dataframe if "status" in d.value.columns]
    assert len(frames) == 1
    return [m.value for m in at.metric], frames[0]


def warm_all(db) -> list[str]:
    conn = store.connect(db)
    try:
        cursor = conn.cursor()
        return warmup.warm(cursor, str(db)) + warmup.warm_tracking(cursor, str(db))
    finally:
        conn.close()


@pytest.mark.parametrize(("warmed", "tracks_by_page"), [(False, 1), (True, 0)])
def test_tracking_opens_on_the_view_the_warmer_made(tracked_db, tracks, warmed, tracks_by_page):
    if warmed:
        made = warm_all(tracked_db)
        assert made[-1] == "tracking Now" and len(tracks) == 1
        tracks.clear()
    first_render_frame()
    assert len(tracks) == tracks_by_page


def test_the_warmed_view_is_the_one_a_cold_render_shows(tracked_db, tmp_path, monkeypatch):
    other = tmp_path / "copy.duckdb"
    shutil.copy(tracked_db, other)          # another file: none of the cold render's caches is found
    cold_metrics, cold_frame = first_render_frame()
    warm_all(other)
    monkeypatch.setenv("TARGETS_DB", str(other))
    warm_metrics, warm_frame = first_render_frame()
    assert warm_metrics == cold_metrics
    assert warm_frame.equals(cold_frame)


@pytest.mark.parametrize(("day", "start", "end", "expected"), [
    ("2026-02-10", "2026-01-01", "2026-03-31", "2026-02-10"),   # inside the period: the data's last day
    ("2025-12-20", "2026-01-01", "2026-03-31", "2026-01-01"),   # before it: its first day
    ("2026-05-02", "2026-01-01", "2026-03-31", "2026-03-31"),   # after it: its last day
])
def test_the_default_day_is_the_data_s_last_day_inside_the_period(day, start, end, expected):
    assert str(tracking_view.default_day(date.fromisoformat(day), date.fromisoformat(start),
                                         date.fromisoformat(end))) == expected


def test_the_default_threshold_is_the_page_s_slider_value():
    assert tracking_view.default_threshold() == round(100 * tracking.DEFAULT_THRESHOLD) / 100 == 0.3
