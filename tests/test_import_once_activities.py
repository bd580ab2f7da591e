"""A first load of an activity log without ids, written by the read that checks it
(analytics.importing.one_read): the same rows, keys (key_seq in file order), rejects at the same
lines, notes and counts as the two reads give; re-imported unchanged and undone exactly.

Planning opens the one read for an activity log committed into an empty ``activities``, as for deals.
"""

from __future__ import annotations

import random
import sys
from pathlib import Path

import duckdb
import numpy as np
import pytest
from helpers import fetch_rows, record_reads

from analytics import importing, store
from analytics.importing import (
    column_profile,
    one_read,
    read_sql,
    tables,
    verdict_sink,
)
from analytics.importing.stage_types import PlanChanged

HEADER = "Assigned To,Date,Activity Type,Subject\n"
REPS = ["Ann Lee", "Bob Ray", "Cy Dunn", "Di Park"]
TYPES = ["Call", "Email", "Meeting", "Demo"]
BAD = ["TBD", "31/02/2025", "", "2025-13-45"]


def _log(path: Path, n: int, bad_rows: set[int], *, months: int = 2, seed: int = 3) -> Path:
    """``n`` activities over ``months`` months (few reps and types: most keys repeat, so key_seq counts)."""
    rng = random.Random(seed)
    rows = []
    for i in range(n):  # (any day of the month from the first rows on: their order is evident)
        when = BAD[i % len(BAD)] if i in bad_rows else f"{1 + i * months // n:02d}/{rng.randint(1, 28):02d}/2025"
        rows.append(f"{rng.choice(REPS)},{when},{rng.choice(TYPES)},note {rng.randint(0, 9)}")
    path.write_text(HEADER + "\n".join(rows) + "\n")
    return path


@pytest.fixture
def small_buffers(monkeypatch):
    """Small read buffers: even a test file reaches the sink in chunks out of file order."""
    monkeypatch.setattr(read_sql, "MAX_LINE", 16 * 1024)
    monkeypatch.setattr(column_profile, "SAMPLE_ROWS", 500)


def _outcome(path: Path, monkeypatch, *, two_reads: bool) -> tuple[tuple, list[str]]:
    """What the import decided and stored, and what read the file ("scan": the two-read way's scan,
    "once": a one-read write tried)."""
    with monkeypatch.context() as m:
        written: list[str] = []
        record_reads(m, written, two_reads=two_reads, mark=lambda stage: "once")
        conn = store.connect(":memory:")
        r = importing.import_file(conn, path)
        stored = fetch_rows(conn, "SELECT * EXCLUDE (import_id) FROM activities "
                                  "ORDER BY rep, activity_date, raw_type, key_seq")
        rejects = fetch_rows(conn, "SELECT line, column_name, value, reason FROM import_rejects ORDER BY line")
        first_load = list(written)  # (the re-import below is read the two-read way)
        again = importing.import_file(conn, path)
    outcome = (r.status, r.rows_read, r.rows_loaded, r.rows_rejected, r.new, r.import_id, sorted(r.notes),
               rejects, stored, (again.new, again.updated, again.unchanged))
    return outcome, first_load


@pytest.mark.parametrize("bad_rows", [
    set(),
    {0, 19_999},
    {7, 2047, 2048, 2049, 4095, 4096, 10_000, 15_001},
    set(random.Random(5).sample(range(20_000), 300)),
])
def test_one_read_gives_what_two_reads_give(monkeypatch, tmp_path, small_buffers, bad_rows):
    path = _log(tmp_path / "log.csv", 20_000, bad_rows)
    once, written = _outcome(path, monkeypatch, two_reads=False)
    twice, _ = _outcome(path, monkeypatch, two_reads=True)
    assert once == twice
    assert written == ["once"]  # (written once, not rolled back)
    assert once[3] == len(bad_rows) and [r.line for r in once[7]] == sorted(i + 2 for i in bad_rows)
    assert once[-1] == (0, 0, 20_000 - len(bad_rows))  # re-imported: every row unchanged


def test_keys_number_each_keys_rows_in_file_order(tmp_path, small_buffers):
    """The same rep, day and type on rows far apart in the file: key_seq 1, 2, 3 in their order."""
    lines = [f"Ann Lee,03/04/2025,Call,filler {i}" for i in range(6_000)]
    for at, subject in ((10, "first"), (3_000, "second"), (5_990, "third")):
        lines[at] = f"Zed Ng,03/05/2025,Demo,{subject}"
    lines[2_500] = "Zed Ng,TBD,Demo,rejected"
    path = tmp_path / "log.csv"
    path.write_text(HEADER + "\n".join(lines) + "\n")
    conn = store.connect(":memory:")
    r = importing.import_file(conn, path)
    assert (r.rows_loaded, r.rows_rejected, [x["line"] for x in r.rejects]) == (5_999, 1, [2_502])
    assert conn.execute("SELECT count(DISTINCT key_seq), max(key_seq) FROM activities WHERE rep = 'Ann Lee'"
                        ).fetchall() == [(5_996, 5_996)]
    assert conn.execute("SELECT count(*) FROM activities WHERE rep = 'Zed Ng'").fetchall() == [(3,)]


def test_rows_that_all_repeat_are_read_twice(monkeypatch, tmp_path, small_buffers):
    """A chunk with a reject whose accepted rows all repeat elsewhere cannot be placed: rolled back
    and written the two-read way, with the same outcome."""
    lines = ["Ann Lee,03/04/2025,Call,x"] * 8_000
    lines[4_321] = "Ann Lee,TBD,Call,x"
    path = tmp_path / "same.csv"
    path.write_text(HEADER + "\n".join(lines) + "\n")
    once, written = _outcome(path, monkeypatch, two_reads=False)
    twice, _ = _outcome(path, monkeypatch, two_reads=True)
    assert once == twice and once[5] == 1 and "scan" in written
    assert [r.line for r in once[7]] == [4_323]


def test_undo_removes_exactly_the_first_load(tmp_path):
    conn = store.connect(":memory:")
    r = importing.import_file(conn, _log(tmp_path / "log.csv", 3_000, {5, 900}))
    assert (r.status, r.rows_loaded) == ("loaded", 2_998)
    importing.undo_import(conn, r.import_id)
    assert conn.execute("SELECT count(*) FROM activities").fetchall() == [(0,)]


def test_a_type_after_the_first_rows_is_read_as_two_reads_read_it(monkeypatch, tmp_path):
    """A type the first rows did not show changes the plan (its normalised type): written again."""
    monkeypatch.setattr(column_profile, "SAMPLE_ROWS", 10)
    lines = [f"Ann Lee,03/{1 + i % 28:02d}/2025,Call,x" for i in range(40)] + ["Bob Ray,03/14/2025,Phone call,y"]
    path = tmp_path / "late_type.csv"
    path.write_text(HEADER + "\n".join(lines) + "\n")
    once, written = _outcome(path, monkeypatch, two_reads=False)
    twice, _ = _outcome(path, monkeypatch, two_reads=True)
    assert once == twice and once[5] == 1 and "scan" in written
    assert [(r.type, r.raw_type) for r in once[8] if r.rep == "Bob Ray"] == [("call", "Phone call")]


def test_the_sink_names_the_hashes_rows_share():
    """The key hashes more than one row has (the rows whose key_seq may not be 1), each once, sorted."""
    sink = verdict_sink.VerdictSink(expected_rows=6)
    conn = store.connect(":memory:")
    conn.create_function("sink", sink, [duckdb.sqltype(t) for t in ("BOOLEAN", "UTINYINT", "UBIGINT", "VARCHAR")],
                         duckdb.sqltype("BOOLEAN"), type="arrow", side_effects=True, null_handling="special")
    conn.execute("SELECT count(*) FROM (VALUES (9), (4), (9), (7), (4), (9)) t(h) "
                 "WHERE sink(true, 0::UTINYINT, h::UBIGINT, NULL::VARCHAR)").fetchall()
    assert sink.repeated_hashes().tolist() == [4, 9]


def test_keys_are_numbered_as_a_window_over_their_columns_numbers_them():
    """Rows written with key_seq 1, numbered from their hashes, get the place a window over rep,
    date and raw type gives them in rowid (file) order."""
    conn = store.connect(":memory:")
    rng = random.Random(11)
    rows = [(rng.choice(REPS), f"2025-03-{rng.randint(1, 3):02d}", rng.choice(TYPES)) for _ in range(400)]
    conn.executemany("INSERT INTO activities (rep, activity_date, type, raw_type, count, key_seq, import_id) "
                     "VALUES (?, ?, 'call', ?, 1, 1, 1)", rows)
    hashes = np.sort(conn.execute(f"SELECT {tables.ROW_HASH['activities']} AS h FROM activities").fetchnumpy()["h"])
    repeated = np.unique(hashes[1:][hashes[1:] == hashes[:-1]])
    one_read._number_keys(conn, one_read._written_rows(conn, "activities", 1, repeated), repeated)
    expected = conn.execute("SELECT rowid, row_number() OVER (PARTITION BY rep, activity_date, raw_type ORDER BY rowid) "
                            "FROM activities ORDER BY rowid").fetchall()
    assert conn.execute("SELECT rowid, key_seq FROM activities ORDER BY rowid").fetchall() == expected
    assert max(k for _, k in expected) > 10


def test_two_keys_that_share_a_hash_give_way_to_the_two_reads(monkeypatch):
    """Rows numbered together share their key hash; should their second hash differ (two keys with one
    hash), the one read gives way (PlanChanged) instead of numbering two keys' rows as one. The second
    hash is made to differ on every row (its place), as two keys' hashes would."""
    conn = store.connect(":memory:")
    conn.executemany("INSERT INTO activities (rep, activity_date, type, raw_type, count, key_seq, import_id) "
                     "VALUES (?, '2025-03-01', 'call', 'Call', 1, 1, 1)", [("Ann",), ("Ann",), ("Bo",)])
    repeated = np.array(conn.execute(f"SELECT DISTINCT {tables.ROW_HASH['activities']} FROM activities "
                                     "WHERE rep = 'Ann'").fetchall()[0], np.uint64)
    assert len(one_read._written_rows(conn, "activities", 1, repeated).at) == 2  # (the same hash: agreed)
    monkeypatch.setattr(one_read, "CHECK_HASH", "rowid::UBIGINT")
    with pytest.raises(PlanChanged, match="share a hash"):
        one_read._written_rows(conn, "activities", 1, repeated)


def test_many_words_for_one_type_keep_the_two_reads_outcome(monkeypatch, tmp_path, small_buffers):
    """Six words for a call and two for an e-mail, as CRMs log them: the type's CASE once made DuckDB
    join the rows to the list of words, and the one read got other keys and reject lines."""
    monkeypatch.setattr(sys.modules[__name__], "TYPES", ["Call", "Phone", "Cold Call", "Outbound Call",
                                                         "Inbound Call", "Dial", "Email", "Sent Email", "Demo"])
    path = _log(tmp_path / "log.csv", 20_000, {7, 2047, 2048, 4096, 10_000, 15_001})
    once, written = _outcome(path, monkeypatch, two_reads=False)
    twice, _ = _outcome(path, monkeypatch, two_reads=True)
    assert once == twice and written == ["once"]
    assert {r.type for r in once[8]} == {"call", "email", "demo"}
