"""A first load's whole-file text pass runs beside its first reads (analytics/importing/text_pass.py):
the outcome must be the one the pass gives when it runs first, whatever the pass finds past the
head (the first MiB) that the head did not show."""

from __future__ import annotations

import random

import pytest

from analytics import importing, store
from analytics.importing import csv_source

HEAD_ROWS = 60_000  # (past the first MiB: the head alone shows none of the cases below)
REPS = ["Ann Lee", "Bo Chen", "Cy Diaz"]


def _log(path, tail: bytes, seed: int = 3) -> None:
    rng = random.Random(seed)
    rows = "".join(f"{rng.choice(REPS)},03/{rng.randint(1, 28):02d}/2025,{rng.choice(['Call', 'Email'])}\n"
                   for _ in range(HEAD_ROWS))
    path.write_bytes(b"Assigned To,Date,Activity Type\n" + rows.encode() + tail + b"Ann Lee,03/02/2025,Call\n")


def _outcome(path, monkeypatch, *, beside: bool) -> tuple:
    opened: list[bool] = []
    original = csv_source.open_source

    def open_source(p, name=None, *, text_pass_beside=False):
        src = original(p, name, text_pass_beside=beside and text_pass_beside)
        opened.append(src.text_pass is not None)
        return src

    monkeypatch.setattr(csv_source, "open_source", open_source)
    conn = store.connect(":memory:")
    result = importing.import_file(conn, str(path))
    stored = conn.execute("SELECT rep, activity_date, type, raw_type, key_seq FROM activities "
                          "ORDER BY rep, activity_date, raw_type, key_seq").fetchall()
    rejects = conn.execute("SELECT line, column_name, value, reason FROM import_rejects ORDER BY line").fetchall()
    monkeypatch.setattr(csv_source, "open_source", original)
    return (result.rows_loaded, result.rows_rejected, sorted(result.notes), stored, rejects), opened


@pytest.mark.parametrize("tail, reopened", [
    (b"", False),                                              # plain UTF-8: the pass only counts
    ("Zoë Roe,03/03/2025,Call\n".encode("cp1252"), True),      # a line in another encoding
    (b"Cy Diaz,03/04/2025,Call\rBo Chen,03/05/2025,Email\n", True),  # a lone CR (old Mac line end)
    ("Ann\u00a0Lee,03/06/2025,Call\n".encode(), False),         # a no-break space: the wide trim
    (b"Bo\0Chen,03/07/2025,Call\n", False),                    # a NUL byte: that row rejected
    (b"Bo Chen,03/08/2025\n", False),                           # a short line: the count checked
])
def test_the_pass_beside_gives_the_outcome_of_the_pass_first(tmp_path, monkeypatch, tail, reopened):
    path = tmp_path / "log.csv"
    _log(path, tail)
    beside, opened = _outcome(path, monkeypatch, beside=True)
    first, _ = _outcome(path, monkeypatch, beside=False)
    assert beside == first
    assert opened == ([True, False] if reopened else [True])  # (read again the sure way: by the plan or the two reads)


def test_a_foreign_line_inside_the_sample_past_the_head_is_read_as_the_pass_first_reads_it(tmp_path, monkeypatch):
    """Wide rows: the sample's rows run past the first MiB, so the sample's own read meets the line the
    head did not show (DuckDB refuses its bytes); the plan is made again the sure way, not refused."""
    path = tmp_path / "wide.csv"
    note = "x" * 200
    rows = "".join(f"{REPS[i % 3]},03/{i % 28 + 1:02d}/2025,Call,{note}\n" for i in range(10_000))
    path.write_bytes(b"Assigned To,Date,Activity Type,Subject\n" + rows.encode()
                     + f"Zo\u00eb Roe,03/03/2025,Call,{note}\n".encode("cp1252") + rows.encode())
    beside, opened = _outcome(path, monkeypatch, beside=True)
    first, _ = _outcome(path, monkeypatch, beside=False)
    assert beside == first and opened == [True, False]
    assert ("Zo\u00eb Roe",) in {(r[0],) for r in first[3]}


def test_a_small_file_or_another_encoding_has_no_pass_beside(tmp_path):
    small = tmp_path / "small.csv"
    small.write_bytes(b"Assigned To,Date,Activity Type\nAnn Lee,03/02/2025,Call\n")
    legacy = tmp_path / "legacy.csv"
    legacy.write_bytes(("Assigned To,Date,Activity Type\n" + "Zoë Roe,03/02/2025,Call\n" * HEAD_ROWS).encode("cp1252"))
    for path in (small, legacy):
        src = csv_source.open_source(path, text_pass_beside=True)
        assert src.text_pass is None and src.n_lines is not None
        src.close()
