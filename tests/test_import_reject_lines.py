"""Every reject names the line a person finds in their editor, however the reader splits the file.

DuckDB reads a CSV in parallel, a buffer at a time; a thread whose buffer begins inside a quoted
field that holds line breaks guesses where the next record starts. When it guesses a line of that
field, the file's records still come out, but so do the guess's: "too few columns" errors for the
field's lines after the buffer's edge, and rows for lines as wide as a record. The rejects' lines
and the count of records were then wrong, and the import refused the file. Small buffers (16 KiB
here) put many edges in a test file; a file of hundreds of MB has one at every default buffer's edge.

The files are made by a seeded generator: quoted names with commas and doubled quotes, notes over
several lines (some lines as wide as a record), bad values and broken records at known rows, many of
them right after a record a buffer's edge falls in; the notes over lines start in the file's head, or
only after it. Each file is imported the three ways an import reads it: a first load (the read that
writes, :mod:`analytics.importing.one_read`), the same forced to the two-read way, and a second load
of the same file over the first (the typed scan).
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from pathlib import Path

import pytest
from helpers import fetch_rows, record_reads

from analytics import importing, store
from analytics.importing import column_profile, csv_records, csv_source, read_sql, reject_lines

BUFFER = 16 * 1024  # DuckDB's read buffer in these tests (read_sql gives it 4 x MAX_LINE)


@dataclass(frozen=True)
class MadeFile:
    """A generated file: the physical line each bad record starts on, the rows that should load."""
    path: Path
    reject_lines: list[int]
    good_rows: int


def _note(rng: random.Random, width: int, one_line: bool) -> str:
    """A quoted note over one to five lines (one when ``one_line``), with commas; some lines hold
    as many commas as a record has (``width`` fields), so a reader starting on them sees a record of
    the right width."""
    lines = []
    for j in range(1 if one_line else rng.choice([1, 1, 2, 3, 5])):
        if rng.random() < 0.2:
            lines.append(",".join(f"part {j}.{k}" for k in range(width)))
        else:
            said = rng.choice(["left message", 'said ""maybe""', "no"])
            lines.append(f"call {j}, {said}")
    return '"' + "\n".join(lines) + '"'


def _write(path: Path, header: str, records: list[str], bad: set[int]) -> MadeFile:
    text, lines, line = header, [], 2
    for i, record in enumerate(records):
        if i in bad:
            lines.append(line)
        text += record + "\n"
        line += record.count("\n") + 1
    path.write_text(text, encoding="utf-8", newline="")
    return MadeFile(path, lines, len(records) - len(bad))


def _near_edges(records: list[str], header: str, rng: random.Random, n: int) -> set[int]:
    """``n`` records, each right after a record a read buffer's edge falls inside (else anywhere)."""
    at, after_edge = len(header.encode()), []
    for i, record in enumerate(records[:-1]):
        end = at + len(record.encode()) + 1
        if at // BUFFER != end // BUFFER and "\n" in record:
            after_edge.append(i + 1)
        at = end
    picked = set(rng.sample(after_edge, min(n, len(after_edge))))
    return picked | set(rng.sample(range(len(records)), n - len(picked))) if len(picked) < n else picked


DEAL_HEADER = ('"Opportunity ID","Opportunity Owner","Account Name","Stage","Amount","Currency",'
               '"Created Date","Close Date","Notes"\n')
DEAL_BAD = ["amount", "close", "owner", "short", "long"]


def _deal(i: int, rng: random.Random, bad: str | None, one_line: bool) -> str:
    owner = rng.choice(['"Lee, Ann"', "Bob Ray", '"Dunn, Cy ""CJ"""', "Di Park"])
    account = rng.choice(['"Acme, Inc."', "Globex", '"Initech, LLC"', '"The ""Big"" Co"'])
    stage = rng.choice(["Closed Won", "Closed Lost", "Prospecting"])
    amount = f"{rng.randint(5, 900) * 100}.00"
    created = f"{rng.randint(1, 12):02d}/{rng.randint(1, 28):02d}/2023"
    close = f"{rng.randint(1, 12):02d}/{rng.randint(1, 28):02d}/2024"
    owner = '""' if bad == "owner" else owner
    amount = rng.choice(["n/a", "$1,2,3", "TBD"]) if bad == "amount" else amount
    close = rng.choice(["31/02/2025", "Q3 2025", "soon"]) if bad == "close" else close
    fields = [f'"D{i:06d}"', owner, account, stage, amount, "USD", created, close, _note(rng, 9, one_line)]
    if bad == "short":
        del fields[5]
    elif bad == "long":
        fields.insert(4, '"extra, field"')
    return ",".join(fields)


def _deal_file(path: Path, n: int, n_bad: int, seed: int, one_line: int = 0) -> MadeFile:
    """``n`` deals, ``n_bad`` of them bad; the first ``one_line`` on one line each."""
    rng = random.Random(seed)
    plain = [_deal(i, random.Random(seed * 1_000_003 + i), None, i < one_line) for i in range(n)]
    bad = _near_edges(plain, DEAL_HEADER, rng, n_bad) | {0, n - 1}
    records = [_deal(i, random.Random(seed * 1_000_003 + i), DEAL_BAD[i % len(DEAL_BAD)] if i in bad else None,
                     i < one_line) for i in range(n)]
    return _write(path, DEAL_HEADER, records, bad)


ACTIVITY_HEADER = '"Assigned To","Date","Activity Type","Subject"\n'
ACTIVITY_BAD = ["date", "short", "long", "date"]


def _activity(i: int, rng: random.Random, bad: str | None, one_line: bool) -> str:
    rep = rng.choice(['"Lee, Ann"', "Bob Ray", '"Dunn, Cy ""CJ"""', "Di Park"])
    when = f"{1 + i * 3 // 20_000:02d}/{rng.randint(1, 28):02d}/2025"
    when = rng.choice(["TBD", "31/02/2025", "2025-13-45"]) if bad == "date" else when
    fields = [rep, when, rng.choice(["Call", "Email", '"Meeting, onsite"', "Demo"]), _note(rng, 4, one_line)]
    if bad == "short":
        del fields[2]
    elif bad == "long":
        fields.append('"x, y"')
    return ",".join(fields)


def _activity_file(path: Path, n: int, n_bad: int, seed: int, one_line: int = 0) -> MadeFile:
    """``n`` activities, ``n_bad`` of them bad; the first ``one_line`` on one line each."""
    rng = random.Random(seed)
    plain = [_activity(i, random.Random(seed * 1_000_003 + i), None, i < one_line) for i in range(n)]
    bad = _near_edges(plain, ACTIVITY_HEADER, rng, n_bad) | {0, n - 1}
    records = [_activity(i, random.Random(seed * 1_000_003 + i), ACTIVITY_BAD[i % len(ACTIVITY_BAD)]
                         if i in bad else None, i < one_line) for i in range(n)]
    return _write(path, ACTIVITY_HEADER, records, bad)


MAKERS = {"deals": _deal_file, "activities": _activity_file}


@pytest.fixture
def small_buffers(monkeypatch):
    monkeypatch.setattr(read_sql, "MAX_LINE", BUFFER // 4)
    monkeypatch.setattr(column_profile, "SAMPLE_ROWS", 500)


def _rejects(conn, import_id: int) -> list[int]:
    return [r.line for r in fetch_rows(conn, "SELECT line FROM import_rejects WHERE import_id = ? ORDER BY line",
                                       [import_id])]


# What reads a file, by (forced to two reads, records over lines only after the head).
WAYS = {(False, False): [["once"]], (False, True): [["once"], ["once", "scan"], ["once", "scan", "scan"]],
        (True, False): [["once", "scan"]], (True, True): [["once", "scan"], ["once", "scan", "scan"]]}
HEAD = 64 * 1024  # the head of a file the import looks at first (csv_source.SAMPLE_BYTES: 1 MiB; less here)


@pytest.mark.parametrize("kind", ["deals", "activities"])
@pytest.mark.parametrize(("seed", "one_line"), [(1, 0), (2, 0), (3, 0), (4, 1_500), (5, 3_000)])
def test_reject_lines_are_the_records_first_lines_however_the_file_is_read(monkeypatch, tmp_path, small_buffers,
                                                                           kind, seed, one_line):
    """``one_line``: the file's first records are one line each (notes over several lines come
    only after the head the import looks at first)."""
    monkeypatch.setattr(csv_source, "SAMPLE_BYTES", HEAD)
    made = MAKERS[kind](tmp_path / f"{kind}.csv", 6_000, 60, seed, one_line)
    assert csv_records.line_break_in_quotes(made.path.read_bytes()[:HEAD], ",") == (one_line == 0)
    for two_reads in (False, True):
        with monkeypatch.context() as m:
            written: list[str] = []
            record_reads(m, written, two_reads=two_reads, mark=lambda stage: "once")
            m.setattr(csv_records, "_last_layout", [])  # (nothing known of the file: each import finds out)
            conn = store.connect(":memory:")
            first = importing.import_file(conn, made.path)
        assert (first.status, first.rows_loaded, first.rows_rejected) == ("loaded", made.good_rows,
                                                                          len(made.reject_lines)), first.message
        assert _rejects(conn, first.import_id) == made.reject_lines
        # (read in one thread when the head shows records over lines; else, when DuckDB's threads
        # misread them, the one read is rolled back and a scan is run again in one thread)
        assert written in WAYS[two_reads, bool(one_line)]
        monkeypatch.setattr(csv_records, "_last_layout", [])
        again = importing.import_file(conn, made.path)  # (over stored rows: the typed scan)
        assert (again.status, again.rows_loaded, again.unchanged) == ("loaded", made.good_rows, made.good_rows)
        assert _rejects(conn, again.import_id) == made.reject_lines


def test_the_generated_files_put_bad_records_after_buffer_edges_in_quoted_fields(tmp_path):
    """(The test files do what the tests above need: records over several lines, and many
    buffer edges inside them.)"""
    made = _deal_file(tmp_path / "d.csv", 6_000, 60, 1)
    text = made.path.read_bytes()
    layout = csv_records.record_layout(made.path, ",", 0)
    assert layout.records == 6_000 and layout.first_multiline is not None and layout.broken is None
    edges_in_records = sum(1 for k in range(1, len(text) // BUFFER + 1)
                           if text[:k * BUFFER].count(b'"') % 2 == 1)
    assert edges_in_records > 20


@pytest.mark.parametrize(("text", "offsets", "starts"), [
    (b'h1,h2\n1,"a\nb"\n2,x\n', [6, 7, 11, 14, 15], [True, True, False, True, True]),
    (b'h1,h2\n1,"a\n\nb,c"\n2,"d\n"\n3,x\n', [6, 11, 12, 17, 22, 24], [True, False, False, True, False, True]),
    (b'\xef\xbb\xbfh1,h2\n1,5" x\n2,"y\nz"\n', [9, 15, 16, 21], [True, True, True, False]),
    (b'h1,h2\n1,"a\nb"', [6, 11, 12], [True, False, False]),
])
def test_record_starts_by_the_quote_rules(tmp_path, monkeypatch, text, offsets, starts):
    """Whether the line holding each byte offset is a record's first line (small blocks: the
    quote state carries over from one to the next)."""
    path = tmp_path / "f.csv"
    path.write_bytes(text)
    for chunk in (4, 1 << 24):
        monkeypatch.setattr(csv_records, "CHUNK", chunk)
        found = csv_records.record_starts_at(path, ",", offsets)
        assert [found[o] for o in offsets] == [(text[:o].count(b"\n") + 1, s) for o, s in zip(offsets, starts, strict=True)]


def test_a_reject_inside_a_quoted_field_is_no_record(tmp_path):
    """An error DuckDB reports on a line inside another record's quoted field is dropped."""
    path = tmp_path / "f.csv"
    path.write_bytes(b'h1,h2\n1,"a\nb"\n2,x,y\n')
    errors = [(7, "h2", "1,\"a\nb\"", "CAST", "", 2), (12, None, 'b"', "MISSING COLUMNS", "", 3),
              (15, None, "2,x,y", "TOO MANY COLUMNS", "", 4), (None, None, "?", "MISSING COLUMNS", "", None)]
    kept = reject_lines.records_only(path, ",", errors)
    assert [e[0] for e in kept] == [7, 15, None]
