"""The first pages' fits made in the background (dashboard/warmup.py): a first render finds them (issue 13)."""

from __future__ import annotations

import threading
import time

import pytest
from helpers import REPO_ROOT
from streamlit.testing.v1 import AppTest

from analytics import store
from dashboard import period_fits, session, warmup


@pytest.fixture
def fits(monkeypatch):
    """Every company fit the dashboard makes, by its caller (the page's caches or the period's)."""
    made: list[str] = []
    for module in (session, period_fits):
        real = module.calibrate_company

        def counted(*args, _real=real, _name=module.__name__, **kwargs):
            made.append(_name)
            return _real(*args, **kwargs)

        monkeypatch.setattr(module, "calibrate_company", counted)
    return made


def first_render(page: str) -> AppTest:
    at = AppTest.from_file(str(REPO_ROOT / "app.py"), default_timeout=120)
    at.run()
    at.switch_page(page).run()
    assert not at.exception, at.exception[0].message
    return at


@pytest.mark.parametrize(("warmed", "fits_by_pages"), [(False, 2), (True, 0)])
def test_the_first_pages_find_their_fits_made(tracked_db, fits, warmed, fits_by_pages):
    if warmed:
        conn = store.connect(tracked_db)
        made = warmup.warm(conn.cursor(), str(tracked_db))
        conn.close()
        assert len(made) == 2 and all(m.startswith("revenue ") for m in made)
        assert len(fits) == 2
        fits.clear()
    for page in ("pages/baselines.py", "pages/tracking.py"):
        first_render(page)
    # cold: Baselines fits the next quarter and Tracking the current one; warmed: both were found
    assert len(fits) == fits_by_pages


def test_a_page_asking_during_the_warm_up_waits_for_it(tracked_db, fits, monkeypatch):
    """Streamlit makes one cached value once (a lock per key): a page that asks while the warmer fits
    gets the warmer's fit, not one of its own."""
    real = session.calibrate_company

    def slow(*args, **kwargs):
        time.sleep(0.5)
        return real(*args, **kwargs)

    monkeypatch.setattr(session, "calibrate_company", slow)
    conn = store.connect(tracked_db)
    version = str(store.data_version(conn))
    key = (str(tracked_db), version, "revenue", "quarter", "next", 1)
    got = []
    warmer = threading.Thread(target=lambda: got.append(session.company_calibration_on(conn.cursor(), *key)))
    warmer.start()
    time.sleep(0.1)
    try:
        mine = session.company_calibration_on(conn.cursor(), *key)
    finally:
        warmer.join()
        conn.close()
    assert fits == ["dashboard.session"]                  # one fit, made by the warmer
    assert got[0].fitted.summary.equals(mine.fitted.summary)


def test_the_warmer_warms_again_when_the_data_changes(tracked_db):
    conn = store.connect(tracked_db)
    try:
        watcher = warmup.Warmer(conn.cursor(), str(tracked_db))
        assert len(watcher.look_once()) == 2
        assert watcher.look_once() == []                  # nothing changed: nothing to do
        store.set_setting(conn, "warmup_test", "changed")  # (any change of the data version)
        assert len(watcher.look_once()) == 2
    finally:
        conn.close()
