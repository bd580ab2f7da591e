"""Cheap casts in the CSV reader for a first load (analytics.importing.reader_casts).

The reader types a plain date or amount column; whatever its cast refuses is read again with
the full text parser. The result must be what the text plan gives: the same rows, rejects at the
same lines, the same notes. Values the reader reads but the text plan reads otherwise (a non-finite
amount, a year outside 1900-2100) make the file be written once more without reader casts.
"""

from __future__ import annotations

import random
from pathlib import Path

import pytest
from helpers import first_load_outcome

from analytics.importing import csv_lines, reader_casts
from analytics.importing.file_profile import ColumnProfile, FileProfile

HEADER = "Opportunity ID,Opportunity Owner,Stage,Amount,Currency,Created Date,Close Date\n"


def _file(path: Path, odd: dict[int, str], n: int = 2000, seed: int = 3, preamble: str = "") -> Path:
    """``n`` plain deals; ``odd`` replaces row i's line by a line template ({i} is the row)."""
    rng = random.Random(seed)
    lines = []
    for i in range(n):
        stage = rng.choice(["Closed Won", "Closed Lost", "Prospecting"])
        line = (f"D{i:05d},{rng.choice(['Ann Lee', 'Bob Ray', 'Cy Dunn'])},{stage},{rng.randint(1, 900) * 10}.50,USD,"
                f"{rng.randint(1, 12):02d}/{rng.randint(1, 28):02d}/2023,{rng.randint(1, 12):02d}/{rng.randint(13, 28):02d}/2024")
        lines.append(odd[i].format(i=f"{i:05d}") if i in odd else line)
    path.write_text(preamble + HEADER + "\n".join(lines) + "\n")
    return path


@pytest.mark.parametrize("odd", [
    {},
    {5: "D{i},Ann Lee,Closed Won,\"$1,200.50\",USD,01/02/2023,03/15/2024"},    # a formatted amount
    {5: "D{i},Ann Lee,Closed Won,-,USD,01/02/2023,03/15/2024"},                # a dash for no amount
    {5: "D{i},Ann Lee,Closed Won,\"  \",USD,01/02/2023,03/15/2024"},           # spaces only
    {5: "D{i},Ann Lee,Closed Won,n/a,USD,01/02/2023,03/15/2024"},              # not an amount
    {5: "D{i},Ann Lee,Closed Won,100,USD,01/02/2023,2024-03-15"},              # ISO in a US column
    {5: "D{i},Ann Lee,Closed Won,100,USD,01/02/2023,03/15/2024 10:30"},        # a time after the date
    {5: "D{i},Ann Lee,Closed Won,100,USD,01/02/2023,\"Mar 15, 2024\""},        # a month name
    {5: "D{i},Ann Lee,Closed Won,100,USD,01/02/2023,31/02/2025"},              # no such date
    {5: "D{i},Ann Lee,Closed Won,100,USD,01/02/2023,Q3 2025"},                 # not a date
    {0: "D{i},Ann Lee,Closed Won,n/a,USD,01/02/2023,03/15/2024",              # first, last, and beside
     1: "D{i},Ann Lee,Closed Won,100,USD,01/02/2023,Q3",                       # the scan's own rejects
     2: "D{i},,Closed Won,100,USD,01/02/2023,03/15/2024",
     3: "D{i},Ann Lee,Closed Won,100,USD,01/02/2023,03/15/2024,extra",
     1999: "D{i},Ann Lee,Closed Won,100,USD,01/02/2023,TBD"},
])
def test_what_the_reader_refuses_is_read_as_text(monkeypatch, tmp_path, odd):
    path = _file(tmp_path / "deals.csv", odd)
    cast, writes = first_load_outcome(path, monkeypatch, casts=True)
    text, text_writes = first_load_outcome(path, monkeypatch, casts=False)
    assert cast == text
    assert len(writes) == 1 and writes[0] and text_writes == [{}]  # (one write each)
    if not odd:
        assert writes == [{"c3": "DOUBLE", "c5": "DATE", "c6": "DATE"}]


def test_records_read_again_keep_their_lines_across_line_breaks_and_a_preamble(monkeypatch, tmp_path):
    odd = {10: 'D{i},"Ann\nLee",Closed Won,100,USD,01/02/2023,03/15/2024',    # a line break in a field
           11: "D{i},Ann Lee,Closed Won,n/a,USD,01/02/2023,03/15/2024",
           12: 'D{i},"Bob\n\nRay",Closed Won,abc,USD,01/02/2023,03/15/2024',
           13: "D{i},Ann Lee,Closed Won,100,USD,01/02/2023,03/15/2024,extra",
           14: "D{i},,Closed Won,100,USD,01/02/2023,03/15/2024",
           300: "D{i},Ann Lee,Closed Won,100,USD,01/02/2023,13/13/2024"}
    path = _file(tmp_path / "deals.csv", odd, preamble="Opportunity report\nRun by: Ann\n\n")
    cast, writes = first_load_outcome(path, monkeypatch, casts=True)
    text, _ = first_load_outcome(path, monkeypatch, casts=False)
    assert cast == text and len(writes) == 1 and writes[0]
    # Three lines above the header, a record on two lines before row 11, one on three before 13.
    assert [(r.line, r.value) for r in cast.rejects] == [
        (17, "n/a"), (18, "abc"), (21, "D00013,Ann Lee,Closed Won,100,USD,01/02/2023,03/15/2024,extra"), (22, None),
        (308, "13/13/2024")]


@pytest.mark.parametrize("odd", [
    "D{i},Ann Lee,Closed Won,inf,USD,01/02/2023,03/15/2024",        # the reader reads it; the text plan refuses it
    "D{i},Ann Lee,Closed Won,NaN,USD,01/02/2023,03/15/2024",
    "D{i},Ann Lee,Closed Won,100,USD,01/02/2023,03/15/1850",        # implausible: rejected with its text
    "D{i},Ann Lee,Closed Won,100,USD,01/02/2023,03/15/24",          # the reader's year 24; the text plan's 2024
])
def test_a_value_the_text_plan_reads_otherwise_writes_again_without_casts(monkeypatch, tmp_path, odd):
    path = _file(tmp_path / "deals.csv", {40: odd})
    cast, writes = first_load_outcome(path, monkeypatch, casts=True)
    text, _ = first_load_outcome(path, monkeypatch, casts=False)
    assert cast == text and cast.import_id == 1  # (the same import id: the rolled-back write left no gap)
    assert len(writes) == 2 and writes[0] and writes[1] == {}


def test_which_columns_the_reader_types():
    by_field = {"close_date": [("Close", "c0")], "created_date": [("Created", "c1")], "amount": [("Amount", "c2")]}

    def sample(c0: dict, c1: dict, castable: int = 990) -> FileProfile:
        return FileProfile(columns={"c0": ColumnProfile(format_hits=c0), "c1": ColumnProfile(format_hits=c1),
                                    "c2": ColumnProfile(filled=1000, castable=castable)})

    c1 = {"filled": 2000, "%m/%d/%Y": 1998, "%d/%m/%Y": 400}   # 99.9%: the reader takes it
    dmy = sample({"filled": 2000, "%d.%m.%Y": 2000}, c1)        # (c2: 99%, too many read again)
    assert reader_casts.date_casts(dmy, by_field, "deals", {"c0": "dmy", "c1": "mdy"}) == (
        {"c1": "DATE"}, "%m/%d/%Y")  # (one format for the reader: one column of the two)
    assert reader_casts.date_casts(dmy, by_field, "deals", {"c0": "mdy", "c1": "mdy"}) == (
        {"c1": "DATE"}, "%m/%d/%Y")
    mdy = sample({"filled": 2000, "%m/%d/%Y": 2000}, c1)
    assert reader_casts.date_casts(mdy, by_field, "deals", {"c0": "mdy", "c1": "mdy"}) == (
        {"c0": "DATE", "c1": "DATE"}, "%m/%d/%Y")
    short = sample({"filled": 2000, "%m/%d/%Y": 2000}, {**c1, "%m/%d/%Y": 1997})
    assert reader_casts.date_casts(short, by_field, "deals", {"c0": "mdy", "c1": "mdy"}) == (
        {"c0": "DATE"}, "%m/%d/%Y")
    assert not reader_casts.amount_cast(short, "c2")
    assert reader_casts.amount_cast(sample({}, {}, castable=999), "c2")
    assert reader_casts.date_casts(sample({"filled": 0}, {}), {"close_date": [("Close", "c0")]},
                                  "deals", {"c0": "mdy"}) == ({}, None)


def test_lines_of_a_file_of_one_line_per_record_come_from_duckdb(monkeypatch, tmp_path):
    """Two lines above the header, every record on one line: DuckDB's line numbers are used (the
    checksum's pass counted the lines), and they are the physical lines."""
    odd = {0: "D{i},Ann Lee,Closed Won,n/a,USD,01/02/2023,03/15/2024",
           7: "D{i},Ann Lee,Closed Won,100,USD,01/02/2023,03/15/2024,extra",
           8: "D{i},,Closed Won,100,USD,01/02/2023,03/15/2024",
           1500: "D{i},Ann Lee,Closed Won,100,USD,01/02/2023,Q3 2025"}
    path = _file(tmp_path / "deals.csv", odd, preamble="Opportunity report\nRun by: Ann\n")
    passes = []
    real = csv_lines.lines_and_count
    monkeypatch.setattr(csv_lines, "lines_and_count", lambda *a: passes.append(1) or real(*a))
    monkeypatch.setattr(csv_lines, "lines_at_offsets", lambda *a: passes.append(1) or {})
    cast, writes = first_load_outcome(path, monkeypatch, casts=True)
    assert [r.line for r in cast.rejects] == [i + 4 for i in sorted(odd)] and len(writes) == 1 and passes == []
