"""A first load of a deal file, written by the read that checks it (analytics.importing.one_read).

The one read must give exactly what the two reads give: the same rows, rejects at the same
lines, the same notes and counts. Where it cannot (the whole file asks for another plan than its
first rows, ids repeat, a chunk has no accepted row), nothing it wrote stays and the file is
imported the two-read way under the same import id.
"""

from __future__ import annotations

import random
from datetime import date
from pathlib import Path

import duckdb
import pytest
from helpers import ImportOutcome, import_outcome, record_reads

from analytics import importing, store
from analytics.importing import column_profile, one_read, read_sql, scan, verdict_sink

HEADER = "Opportunity ID,Opportunity Owner,Stage,Amount,Currency,Created Date,Close Date\n"
BAD = [("amount", "n/a"), ("rep", ""), ("close", "31/02/2025"), ("amount", "=1+1"), ("close", "Q3 2025"),
       ("created", "00/00/0000")]


def _row(i: int, rng: random.Random, bad: str | None = None, value: str = "") -> str:
    rep = rng.choice(["Ann Lee", "Bob Ray", "Cy Dunn", "Di Park"])
    stage = rng.choice(["Closed Won", "Closed Lost", "Prospecting", "Negotiation"])
    amount = f"{rng.randint(5, 900) * 100}.00"
    created = f"{rng.randint(1, 12):02d}/{rng.randint(1, 28):02d}/2023"
    close = f"{rng.randint(1, 12):02d}/{rng.randint(1, 28):02d}/2024"
    if bad == "amount":
        amount = value
    elif bad == "rep":
        rep = value
    elif bad == "close":
        close = value
    elif bad == "created":
        created = value
    return f"D{i:06d},{rep},{stage},{amount},USD,{created},{close}"


def _deals(path: Path, n: int, bad_rows: set[int], seed: int = 11) -> Path:
    rng = random.Random(seed)
    rows = []
    for i in range(n):
        kind, value = BAD[i % len(BAD)] if i in bad_rows else (None, "")
        rows.append(_row(i, rng, kind, value))
    path.write_text(HEADER + "\n".join(rows) + "\n")
    return path


def _outcome(path: Path, *, two_reads: bool, monkeypatch) -> tuple[ImportOutcome, list[str]]:
    """The import's outcome, and what read the file: "scan" for the two-read way's scan, a stage
    token for each one-read write tried."""
    with monkeypatch.context() as m:
        written: list[str] = []
        record_reads(m, written, two_reads=two_reads)
        conn = store.connect(":memory:")
        result = importing.import_file(conn, path)
    return import_outcome(conn, result), written


@pytest.fixture
def small_buffers(monkeypatch):
    """DuckDB reads a CSV in parallel per buffer: small buffers make even a test file arrive in
    chunks out of file order, as a large file does."""
    monkeypatch.setattr(read_sql, "MAX_LINE", 16 * 1024)
    monkeypatch.setattr(column_profile, "SAMPLE_ROWS", 500)


@pytest.mark.parametrize("bad_rows", [
    set(),
    {0},                                                    # the very first record
    {19_999},                                               # the last
    {7, 2047, 2048, 2049, 4095, 4096, 10_000, 15_001},      # around chunk edges
    set(range(3000, 3040)) | set(range(9000, 9100, 3)),     # runs and clusters
    set(random.Random(5).sample(range(20_000), 400)),       # scattered everywhere
])
def test_one_read_gives_what_two_reads_give(monkeypatch, tmp_path, small_buffers, bad_rows):
    path = _deals(tmp_path / "deals.csv", 20_000, bad_rows)
    once, written = _outcome(path, two_reads=False, monkeypatch=monkeypatch)
    twice, _ = _outcome(path, two_reads=True, monkeypatch=monkeypatch)
    assert once == twice
    assert len(written) == 1 and "scan" not in written  # (written once, not rolled back)
    assert once.rows_rejected == len(bad_rows) and [r.line for r in once.rejects] == sorted(i + 2 for i in bad_rows)


def test_five_won_stages_keep_the_two_reads_outcome(monkeypatch, tmp_path, small_buffers):
    """Five labels for a won deal: the stage's CASE once made DuckDB join the rows to the list of
    labels, out of file order, and the one read placed its rejects on other lines."""
    path = _deals(tmp_path / "deals.csv", 20_000, {7, 2047, 2048, 4096, 10_000, 15_001})
    won = ["Closed Won", "Won - Signed", "Won - Renewal", "Booked", "Closed Won - Upsell"]
    rng = random.Random(3)
    lines = path.read_text().split("\n")
    path.write_text("\n".join([lines[0]] + [line.replace("Closed Won", rng.choice(won)) for line in lines[1:]]))
    once, written = _outcome(path, two_reads=False, monkeypatch=monkeypatch)
    twice, _ = _outcome(path, two_reads=True, monkeypatch=monkeypatch)
    assert once == twice and len(written) == 1 and "scan" not in written
    assert [r.line for r in once.rejects] == [9, 2049, 2050, 4098, 10_002, 15_003]


def test_a_chunk_with_no_accepted_row_is_read_again(monkeypatch, tmp_path, small_buffers):
    path = _deals(tmp_path / "deals.csv", 12_000, set(range(4000, 8500)))
    once, written = _outcome(path, two_reads=False, monkeypatch=monkeypatch)
    twice, _ = _outcome(path, two_reads=True, monkeypatch=monkeypatch)
    assert once == twice
    assert written[1:] == ["scan"] and once.import_id == 1  # rolled back, then two reads under import id 1


def test_day_first_dates_after_the_first_rows_roll_the_write_back(monkeypatch, tmp_path):
    """The first rows fit both orders; later ones prove day-first: the whole file's order wins."""
    monkeypatch.setattr(column_profile, "SAMPLE_ROWS", 10)
    rows = [f"D{i},Ann Lee,Closed Won,100,USD,01/02/2023,{(i % 12) + 1:02d}/03/2024" for i in range(30)]
    rows += [f"E{i},Bob Ray,Closed Won,200,USD,01/02/2023,{13 + i % 15}/04/2024" for i in range(30)]
    path = tmp_path / "late_day_first.csv"
    path.write_text(HEADER + "\n".join(rows) + "\n")
    once, written = _outcome(path, two_reads=False, monkeypatch=monkeypatch)
    twice, _ = _outcome(path, two_reads=True, monkeypatch=monkeypatch)
    assert once == twice and once.status == "loaded" and once.import_id == 1
    assert "scan" in written[1:]  # (rolled back: the whole file's order is another)
    assert [d.close_date for d in once.deals if d.deal_id == "E0"] == [date(2024, 4, 13)]


def test_a_refusal_found_by_the_write_leaves_nothing(monkeypatch, tmp_path):
    monkeypatch.setattr(column_profile, "SAMPLE_ROWS", 10)
    rows = [f"D{i},Ann Lee,Closed Won,100,USD,01/02/2023,03/04/2024" for i in range(40)]
    rows.append("D99,Ann Lee,Closed Won,100,EUR,01/02/2023,03/04/2024")
    path = tmp_path / "two_currencies.csv"
    path.write_text(HEADER + "\n".join(rows) + "\n")
    conn = store.connect(":memory:")
    r = importing.import_file(conn, path)
    assert r.status == "refused" and "more than one currency" in r.message and "EUR, USD" in r.message
    assert conn.execute("SELECT count(*) FROM deals").fetchall() == [(0,)]
    assert conn.execute("SELECT import_id, status FROM imports").fetchall() == [(r.import_id, "refused")]


def test_ids_that_differ_only_by_spaces_are_one_deal(tmp_path):
    path = tmp_path / "spaced_ids.csv"
    path.write_text(HEADER + "D1,Ann Lee,Closed Won,100,USD,01/02/2023,03/04/2024\n"
                             " D1 ,Ann Lee,Closed Won,50,USD,01/02/2023,03/04/2024\n"
                             "D2,Bob Ray,Closed Lost,70,USD,01/02/2023,03/05/2024\n")
    conn = store.connect(":memory:")
    r = importing.import_file(conn, path)
    assert (r.status, r.rows_loaded, r.new) == ("loaded", 3, 2)
    assert conn.execute("SELECT deal_id, amount FROM deals ORDER BY deal_id").fetchall() == [("D1", 150.0),
                                                                                             ("D2", 70.0)]


def test_a_second_file_is_read_twice_and_updates(monkeypatch, tmp_path):
    """Written once only into an empty table: a later export is classified against what is stored."""
    conn = store.connect(":memory:")
    first = importing.import_file(conn, _deals(tmp_path / "q1.csv", 300, {5}))
    written = []
    real = one_read.write
    monkeypatch.setattr(one_read, "write", lambda *a: written.append(1) or real(*a))
    second = importing.import_file(conn, _deals(tmp_path / "q2.csv", 400, {5}, seed=12))
    assert (first.new, second.new, second.updated, written) == (299, 100, 299, [])
    assert conn.execute("SELECT count(*), count(DISTINCT deal_id) FROM deals").fetchall() == [(399, 399)]


@pytest.mark.parametrize("expected_rows", [0, 10, 100_000])   # (the hashes outgrow their array, or not)
@pytest.mark.parametrize("repeat_at", [None, 5, 4_097, 99_998])
def test_the_sink_finds_a_repeated_id_anywhere(expected_rows, repeat_at):
    conn = duckdb.connect()
    sink = verdict_sink.VerdictSink(expected_rows)
    conn.create_function("sink", sink, [duckdb.sqltype(t) for t in ("BOOLEAN", "UTINYINT", "UBIGINT", "VARCHAR")],
                         duckdb.sqltype("BOOLEAN"), type="arrow", side_effects=True, null_handling="special")
    value = "i * 7 + 1" if repeat_at is None else f"CASE WHEN i = {repeat_at} THEN 1 ELSE i * 7 + 1 END"
    [(n,)] = conn.execute(f"SELECT count(*) FROM range(100000) t(i) WHERE sink(i % 3 <> 1, (i % 4)::UTINYINT, "
                          f"CASE WHEN i % 1000 = 999 THEN NULL ELSE {value} END::UBIGINT, NULL::VARCHAR)").fetchall()
    sink.settle()
    assert (n, sink.n_rows, sink.ids_repeat()) == (66_667, 100_000, repeat_at is not None)
    assert sink.classes == {0: 25_000, 1: 25_000, 2: 25_000, 3: 25_000}


def test_stage_labels_after_the_first_rows(monkeypatch, tmp_path):
    """Labels the first rows did not show come from the written rows: an unknown one is noted, one
    that means won changes the plan (written again, the two-read way)."""
    monkeypatch.setattr(column_profile, "SAMPLE_ROWS", 10)
    rows = [f"D{i},Ann Lee,Closed Won,100,USD,01/02/2023,03/04/2024" for i in range(20)]
    path = tmp_path / "labels.csv"
    path.write_text(HEADER + "\n".join(rows + ["D90,Bob Ray, Verbal Yes ,50,USD,01/02/2023,03/04/2024"]) + "\n")
    once, written = _outcome(path, two_reads=False, monkeypatch=monkeypatch)
    twice, _ = _outcome(path, two_reads=True, monkeypatch=monkeypatch)
    assert once == twice and len(written) == 1 and "scan" not in written
    assert any("unknown stage(s) counted as open: Verbal Yes" in n for n in once.notes)
    path.write_text(HEADER + "\n".join(rows + ["D91,Bob Ray,Won,70,USD,01/02/2023,03/04/2024"]) + "\n")
    once, written = _outcome(path, two_reads=False, monkeypatch=monkeypatch)
    twice, _ = _outcome(path, two_reads=True, monkeypatch=monkeypatch)
    assert once == twice and once.import_id == 1 and "scan" in written
    assert [d.outcome for d in once.deals if d.deal_id == "D91"] == ["won"]


def test_without_insertion_order_the_write_is_rolled_back(monkeypatch, tmp_path, small_buffers):
    """The anchors need the written rows in file order (DuckDB's default): otherwise two reads."""
    path = _deals(tmp_path / "deals.csv", 20_000, {7, 2048, 15_001})
    conn = store.connect(":memory:")
    conn.execute("SET preserve_insertion_order = false")
    scans, real = [], scan.scan_typed
    monkeypatch.setattr(scan, "scan_typed", lambda *a: scans.append(1) or real(*a))
    result = importing.import_file(conn, path)
    assert (result.status, result.rows_rejected, result.import_id, len(scans)) == ("loaded", 3, 1, 1)


def test_rows_duckdb_cannot_split_keep_the_other_lines_right(monkeypatch, tmp_path, small_buffers):
    """DuckDB's own rejects (a row with a column too many or too few) leave the chunks it hands the
    sink: the records around them and after them must still be placed on their lines."""
    path = _deals(tmp_path / "deals.csv", 20_000, {10, 2999, 3001, 12_500, 19_990})
    lines = path.read_text().splitlines()
    lines[3001] += ",extra"            # record 3000 (line 3002)
    lines[12_001] = lines[12_001].rsplit(",", 2)[0]   # record 12000: two columns short
    path.write_text("\n".join(lines) + "\n")
    once, written = _outcome(path, two_reads=False, monkeypatch=monkeypatch)
    twice, _ = _outcome(path, two_reads=True, monkeypatch=monkeypatch)
    assert once == twice and len(written) == 1 and "scan" not in written
    assert [r.line for r in once.rejects] == [12, 3001, 3002, 3003, 12_002, 12_502, 19_992]


def test_repeated_evidence_counts_every_row(monkeypatch, tmp_path):
    """Identical evidence is kept as one weighted row: the note counts all 30 decimal commas."""
    monkeypatch.setattr(column_profile, "SAMPLE_ROWS", 10)
    rows = [f"E{i},Bob Ray,Closed Won,\"1.234,50\",EUR,01/02/2023,03/04/2024" for i in range(30)]
    path = tmp_path / "decimal_commas.csv"
    path.write_text(HEADER + "\n".join(rows) + "\n")
    once, written = _outcome(path, two_reads=False, monkeypatch=monkeypatch)
    twice, _ = _outcome(path, two_reads=True, monkeypatch=monkeypatch)
    assert once == twice and "scan" not in written
    assert any("decimal commas (European style) — 30 value(s)" in n for n in once.notes)
    assert {d.amount for d in once.deals} == {1234.5}
