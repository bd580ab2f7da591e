"""AppTest of what the frame's sidebar reads: the data's last day, the tables' counts and the fiscal calendar
are read once per data version, not on every click, and follow a change of the data made elsewhere."""

from __future__ import annotations

import threading
from collections import Counter

from helpers import app_test

from analytics import importing, metrics, store

PAGE = "pages/targets.py"
SCRIPT_THREAD = "ScriptRunner.scriptThread"     # the thread Streamlit runs every run of the script on


def _count_reads(monkeypatch) -> Counter:
    """Count the sidebar's three reads of the database from now on, made by the script's runs."""
    reads: Counter = Counter()

    def counting(name: str, read):
        def counted(*args, **kwargs):
            if threading.current_thread().name == SCRIPT_THREAD:    # (not the page's backtest worker)
                reads[name] += 1
            return read(*args, **kwargs)
        return counted

    for module, name in ((metrics, "data_as_of"), (store, "table_counts"), (store, "fiscal_year_start_month")):
        monkeypatch.setattr(module, name, counting(name, getattr(module, name)))
    return reads


def _counts_caption(at) -> str:
    return next(c.value for c in at.caption if " deals · " in c.value)


def test_the_sidebar_reads_the_data_once_per_data_version(sample_db, monkeypatch):
    at = app_test(PAGE)
    assert not at.exception, at.exception
    reads = _count_reads(monkeypatch)
    at.run()
    at.run()
    assert not at.exception, at.exception
    assert reads == Counter()               # nothing changed: every click reads none of the three
    assert _counts_caption(at).endswith(" quotas") and not _counts_caption(at).endswith(" 0 quotas")

    conn = store.connect(sample_db)         # the quotas' import undone elsewhere (the CLI, another browser)
    try:
        history = importing.import_history(conn)
        importing.undo_import(conn, int(history.loc[history["file_name"] == "quotas.csv", "import_id"].max()))
    finally:
        conn.close()
    at.run()
    assert not at.exception, at.exception
    assert _counts_caption(at).endswith(" 0 quotas")   # the next click shows the new counts
    assert reads["table_counts"] == 1 and reads["fiscal_year_start_month"] >= 1
    seen = reads.copy()
    at.run()
    assert reads == seen
