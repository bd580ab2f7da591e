"""A first load's fixed costs, cut with the same outcome.

* An activity log's first load commits by a checkpoint instead of copying its table into the
  write-ahead log (``commit.CHECKPOINT_AT_COMMIT``): the rows are the same as a database that
  never checkpoints stores, they are in the file after a reopen, DuckDB's settings are back, and
  a process killed inside that checkpoint leaves the database as it was.
* The sample profile tries a strptime format only on values holding the format's own characters
  (``column_profile.format_hits_sql``) and the month-first formats most used first: the counts and
  labels are those of the plain SQL.
* The whole-file text pass reads in ``csv_text.SCAN_CHUNK`` pieces: what it finds does not depend on
  where a piece ends.
"""

from __future__ import annotations

import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import pytest
from helpers import REPO_ROOT, fetch_rows

from analytics import importing, store
from analytics.importing import column_profile, csv_text, parsing

HEADER = "Assigned To,Date,Activity Type,Subject\n"
SETTINGS = "SELECT current_setting('checkpoint_threshold'), current_setting('auto_checkpoint_skip_wal_threshold')"


def _log(path: Path, n: int, *, late_type: bool = False) -> Path:
    """``n`` activities of few reps, days and types (most keys repeat), two of them rejected."""
    rng = random.Random(7)
    rows = [f"{rng.choice(['Ann Lee', 'Bob Ray'])},03/{rng.randint(1, 20):02d}/2025 10:{i % 60:02d},"
            f"{rng.choice(['Call', 'Email'])},s{i}" for i in range(n)]
    rows[n // 3] = "Ann Lee,TBD,Call,x"
    rows[n // 2] = "Bob Ray,31/02/2025,Email,y"
    if late_type:
        rows.append("Bob Ray,03/14/2025,Phone call,z")
    path.write_text(HEADER + "\n".join(rows) + "\n")
    return path


def _deals(path: Path, n: int) -> Path:
    path.write_text("Opportunity ID,Opportunity Owner,Stage,Amount,Close Date\n" + "".join(
        f"D{i},Rep {i % 7},Closed Won,{i % 900}.50,2024-{i % 12 + 1:02d}-{i % 28 + 1:02d}\n" for i in range(n)))
    return path


def _stored(conn: duckdb.DuckDBPyConnection) -> tuple[list, list]:
    return (fetch_rows(conn, "SELECT * EXCLUDE (import_id) FROM activities ORDER BY ALL"),
            fetch_rows(conn, "SELECT line, column_name, value, reason FROM import_rejects ORDER BY ALL"))


@pytest.mark.parametrize(("make", "rows", "checkpointed"), [
    (_log, 3_000, True),        # an activity log's first load: one read, key_seq numbered after the write
    (_log, 200_000, True),      # (row groups written to the file during the write)
    (_deals, 3_000, False),     # a deal file's: its log holds little, committed as before
])
def test_a_first_load_of_an_activity_log_commits_by_a_checkpoint(tmp_path, make, rows, checkpointed):
    path = make(tmp_path / "file.csv", rows)
    db = tmp_path / "app.duckdb"
    conn = store.connect(db)
    defaults = conn.execute(SETTINGS).fetchall()
    r = importing.import_file(conn, path)
    assert r.status == "loaded"
    assert Path(f"{db}.wal").exists() is not checkpointed
    assert conn.execute(SETTINGS).fetchall() == defaults
    if make is _log:
        reference = store.connect(":memory:")  # (never checkpoints: every commit as before)
        importing.import_file(reference, path)
        conn.close()
        conn = store.connect(db)
        assert _stored(conn) == _stored(reference)
        assert conn.execute("SELECT max(key_seq) > 1 FROM activities").fetchall() == [(True,)]
        again = importing.import_file(conn, path)  # (not a first load: through the log as before)
        assert (again.new, again.updated, again.unchanged, conn.execute(SETTINGS).fetchall()) == \
            (0, 0, r.rows_loaded, defaults)


# The child imports with DuckDB told to pause inside a checkpoint, and says when it sends COMMIT.
_CHILD = """
import sys
from analytics import importing, store
conn = store.connect(sys.argv[1])
conn.execute("SET debug_checkpoint_scan_sleep_ms = 2000")
class Telling:
    def __init__(self, c): self._c = c
    def __getattr__(self, name): return getattr(self._c, name)
    def execute(self, sql, *args):
        if sql.strip() == "COMMIT":
            print("COMMIT", flush=True)
        return self._c.execute(sql, *args)
importing.import_file(Telling(conn), sys.argv[2])
"""


def test_a_process_killed_while_the_commit_checkpoints_leaves_the_database_as_it_was(tmp_path):
    """Killed inside the checkpoint that commits an activity log's first load (paused there by DuckDB's
    debug setting): no log was written, and the file is the one before the import."""
    db = tmp_path / "app.duckdb"
    conn = store.connect(db)
    importing.import_file(conn, _deals(tmp_path / "deals.csv", 10))
    before = fetch_rows(conn, "SELECT import_id, file_name, status FROM imports ORDER BY ALL")
    conn.close()
    child = subprocess.Popen([sys.executable, "-c", _CHILD, str(db), str(_log(tmp_path / "log.csv", 3_000))],
                             cwd=REPO_ROOT, stdout=subprocess.PIPE, text=True)
    assert child.stdout is not None and child.stdout.readline().strip() == "COMMIT"
    time.sleep(0.5)  # (inside the checkpoint's pause)
    child.send_signal(signal.SIGKILL)
    assert child.wait(timeout=60) == -signal.SIGKILL
    conn = store.connect(db)
    assert fetch_rows(conn, "SELECT import_id, file_name, status FROM imports ORDER BY ALL") == before
    assert conn.execute("SELECT count(*) FROM activities").fetchall() == [(0,)]
    assert conn.execute("SELECT count(*) FROM deals").fetchall() == [(10,)]


def test_a_first_load_written_again_leaves_the_settings_as_they_were(tmp_path, monkeypatch):
    """A type the first rows did not show rolls the one read back (PlanChanged): the two-read way writes it."""
    monkeypatch.setattr(column_profile, "SAMPLE_ROWS", 10)
    conn = store.connect(tmp_path / "app.duckdb")
    defaults = conn.execute(SETTINGS).fetchall()
    r = importing.import_file(conn, _log(tmp_path / "late.csv", 400, late_type=True))
    assert (r.status, r.rows_rejected) == ("loaded", 2)
    assert conn.execute(SETTINGS).fetchall() == defaults
    assert conn.execute("SELECT raw_type FROM activities WHERE type = 'call' AND raw_type <> 'Call'"
                        ).fetchall() == [("Phone call",)]


# ---- the sample profile's date formats --------------------------------------------------------------

def _values() -> list[str | None]:
    """Dates in every format (times, AM/PM, padding, days and months out of range), labels and junk."""
    rng = random.Random(11)
    out: list[str | None] = [None, "", " ", "TBD", "Q3 2025", "2025-03-04", "20250304", "3/4/25", "03/04/2025T10:00"]
    every = [f for formats in parsing.STRPTIME_FORMATS.values() for f in formats]
    for f in every:
        for _ in range(40):
            v = (f.replace("%m", str(rng.randint(0, 13))).replace("%d", str(rng.randint(0, 32)))
                 .replace("%Y", str(rng.randint(1, 2999))).replace("%H", str(rng.randint(0, 25)))
                 .replace("%I", str(rng.randint(0, 13))).replace("%M", str(rng.randint(0, 61)))
                 .replace("%S", str(rng.randint(0, 61))).replace("%p", rng.choice(["AM", "pm", "A.M."])))
            out += [v, f"  {v} ", v.replace(" ", "  "), v.replace(" ", ""), v.replace("/", "")]
    pieces = ["1", "12", "13", "2021", "/", ".", "-", ":", " ", "AM", "\t", "\u00a0", "x", "59"]
    out += ["".join(rng.choice(pieces) for _ in range(rng.randint(1, 8))) for _ in range(3_000)]
    return out


@pytest.fixture(scope="module")
def dates() -> duckdb.DuckDBPyConnection:
    conn = duckdb.connect()
    conn.execute("CREATE TABLE v (c VARCHAR)")
    conn.executemany("INSERT INTO v VALUES (?)", [[x] for x in _values()])
    return conn


def _plain_format_hits_sql(c: str) -> list[str]:
    """The counts as they were computed before the gate: every format tried on every value."""
    every = [f for formats in parsing.STRPTIME_FORMATS.values() for f in formats]
    return [f"count(try_strptime({c}, {parsing.lit(f)})) AS {c}_fmt{i}" for i, f in enumerate(every)]


def test_a_format_is_tried_only_where_its_characters_are(dates):
    gated = dates.execute(f"SELECT {', '.join(column_profile.format_hits_sql('c'))} FROM v").fetchall()
    plain = dates.execute(f"SELECT {', '.join(_plain_format_hits_sql('c'))} FROM v").fetchall()
    assert gated == plain and min(gated[0]) > 0  # (every format reads some of the values)


@pytest.mark.parametrize(("fmt", "characters"), [
    ("%m/%d/%Y", ["/"]),
    ("%d.%m.%Y %H:%M:%S", [".", ":"]),
    ("%m-%d-%Y %I:%M %p", ["-", ":"]),
    ("%Y%m%d", []),
])
def test_the_characters_a_format_reads_as_they_are(fmt, characters):
    assert column_profile.format_literals(fmt) == characters


def test_the_sample_labels_of_an_activity_date_are_those_of_the_plain_order(dates):
    by_field = {"rep": [("Rep", "r")], "activity_date": [("Date", "c")]}
    dates.execute("CREATE OR REPLACE TABLE s AS SELECT 'Ann' AS r, c FROM v")
    profile = column_profile.sample_profile(dates, "s", by_field, "activities")
    plain = dates.execute(f"SELECT list(DISTINCT c) FILTER (WHERE {parsing.iso_sql('c')} IS NULL AND "
                          f"try_strptime(c, {parsing.STRPTIME_FORMATS['mdy']!r}) IS NULL) FROM s").fetchall()[0][0]
    assert set(profile.column("c").labels) == set(plain) - {None} and "TBD" in plain


# ---- the text pass in pieces -------------------------------------------------------------------------

@pytest.mark.parametrize("piece", [1, 2, 3, 5, 8, 13])
@pytest.mark.parametrize("text", [
    "a,b\r\nJosé\u00a0Müller,1\r\nZoë,2\r\n",          # a no-break space and CRLFs across pieces
    "a,b\nAnn,1\rBo,2\n",                                # a lone CR
    "a,b\nAnn\u3000,1\nBob,\u00e9\u00e8\n",              # an ideographic space
])
def test_the_text_pass_finds_the_same_in_any_pieces(tmp_path, monkeypatch, piece, text):
    path = tmp_path / "t.csv"
    path.write_bytes(text.encode())
    whole = csv_text.scan_text(path)
    monkeypatch.setattr(csv_text, "SCAN_CHUNK", piece)  # (CHUNK stays 16 MiB: the pass reads the smaller)
    assert csv_text.scan_text(path) == whole
    path.write_bytes(text.encode() + "Zoë,3\n".encode("cp1252"))
    assert not csv_text.scan_text(path).utf8
