"""A killed import leaves the database as it was: previous data intact, no partial rows."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from helpers import REPO_ROOT

from analytics import importing, store


def _big_csv(path: Path, rows: int) -> None:
    with open(path, "w") as fh:
        fh.write("Opportunity ID,Opportunity Owner,Stage,Amount,Close Date\n")
        chunk = 50_000
        for start in range(0, rows, chunk):
            fh.write("".join(f"B{i},Rep {i % 97},Closed Won,{i % 5000}.50,2024-{i % 12 + 1:02d}-{i % 28 + 1:02d}\n"
                             for i in range(start, min(rows, start + chunk))))


def test_sigkill_mid_import_keeps_previous_state(tmp_path):
    db = tmp_path / "crash.duckdb"
    small = tmp_path / "small.csv"
    small.write_text("Opportunity ID,Opportunity Owner,Stage,Amount,Close Date\n"
                     "S1,Ann,Closed Won,100,2024-01-01\nS2,Bob,Closed Lost,0,2024-01-02\n")
    conn = store.connect(db)
    assert importing.import_file(conn, small).new == 2
    before = conn.execute("SELECT * FROM deals ORDER BY deal_id").fetchall()
    conn.close()

    big = tmp_path / "big.csv"
    _big_csv(big, 1_500_000)
    proc = subprocess.Popen([sys.executable, "-m", "analytics", "import", str(big), "--db", str(db)],
                            cwd=REPO_ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    wal = Path(str(db) + ".wal")
    deadline = time.monotonic() + 60
    # Wait until the import has started writing (WAL appears) or has run for a while, then kill it.
    started = time.monotonic()
    while time.monotonic() < deadline and proc.poll() is None:
        if (wal.exists() and wal.stat().st_size > 0 and time.monotonic() - started > 0.3) or \
                time.monotonic() - started > 1.5:
            break
        time.sleep(0.02)
    assert proc.poll() is None, "the import finished before it could be killed; make the file bigger"
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()

    conn = store.connect(db)
    try:
        assert conn.execute("SELECT * FROM deals ORDER BY deal_id").fetchall() == before
        assert conn.execute("SELECT count(*) FROM imports WHERE status = 'loaded'").fetchall() == [(1,)]
        assert conn.execute("SELECT count(*) FROM import_changes WHERE import_id > 1").fetchall() == [(0,)]
        # the database still works: the big import can be run again to completion
        assert importing.import_file(conn, small).unchanged == 2
    finally:
        conn.close()
