"""The read buffer of a first load's one read (analytics.importing.one_read_plan): twice the staged
reads' when that leaves the close's checkpoint no part-full row groups to merge
(bench/README.md, "Import (activity log)"). The row groups themselves need files of tens of MB:
these check the choice, and that the one read asks DuckDB for the buffer chosen."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from analytics import importing, store
from analytics.importing import one_read, one_read_plan, read_sql, scan

MB16 = 16 << 20


@pytest.mark.parametrize(("line_bytes", "lines", "why"), [
    (61.3, 8, "16 MB parts: 2 full groups and 0.24 of one (merged); 32 MB: 4 and 0.47"),
    (100.0, 8, "1 full group and 0.36 (merged); 2 and 0.73 (not: two such parts overfill)"),
    (80.0, 4, "1 full group and 0.71: two such parts overfill a group"),
    (30.0, 4, "4 full groups and 0.55 a part"),
    (130.0, 4, "1 and 0.05, and at 8 lines 2 and 0.1: both merged, so the smaller buffer"),
    (197.0, 4, "0.69 of a group a part: parts are joined before they are written"),
    (0.0, 4, "(no bytes a line: many full groups a part)"),
])
def test_the_buffer_is_doubled_only_where_that_avoids_the_merge(line_bytes: float, lines: int, why: str) -> None:
    assert one_read_plan.write_buffer_lines(line_bytes, MB16) == lines, why


FILES = {
    "activities": ("Assigned To,Date,Activity Type,Subject\n",
                   lambda i: f"Rep {i % 3},0{1 + i % 9}/1{i % 10}/2025,Call,note {i}"),
    "deals": ("Opportunity ID,Opportunity Owner,Stage,Amount,Close Date,Created Date\n",
              lambda i: f"D-{i},Rep {i % 3},Closed Won,{100 + i},0{1 + i % 9}/1{i % 10}/2025,01/02/2025"),
}


@pytest.mark.parametrize("kind", sorted(FILES))
@pytest.mark.parametrize("lines", [4, 8])
def test_a_first_load_reads_with_the_buffer_chosen(tmp_path: Path, monkeypatch, kind: str, lines: int) -> None:
    header, row = FILES[kind]
    path = tmp_path / f"{kind}.csv"
    path.write_text(header + "\n".join(row(i) for i in range(300)) + "\n")
    monkeypatch.setattr(one_read_plan, "write_buffer_lines", lambda line_bytes, max_line: lines)
    written: list[list[int]] = []
    real_write = one_read.write

    def write(conn, stage, import_id):
        written.append([int(b) for b in re.findall(r"buffer_size = (\d+)", stage.write_plan.sql)])
        return real_write(conn, stage, import_id)

    monkeypatch.setattr(one_read, "write", write)
    result = importing.import_file(store.connect(":memory:"), path)
    assert result.rows_loaded == 300
    assert written == [[lines * read_sql.MAX_LINE]]


@pytest.mark.parametrize("kind", sorted(FILES))
def test_a_line_longer_than_the_samples_buffer_allows_is_read_by_the_import(tmp_path: Path, monkeypatch,
                                                                            kind: str) -> None:
    """The sample reads with a small buffer (scan.SAMPLE_MAX_LINE); a longer line among its rows is left
    out of the sample only: the import reads it with the longest lines it allows, as it reads it when
    the sample's buffer holds it."""
    header, row = FILES[kind]
    path = tmp_path / f"{kind}.csv"
    long_note = "x" * 20_000
    path.write_text(header + "\n".join(row(i) + (f" {long_note}" if i == 5 and kind == "activities" else "")
                                       + (f",{long_note}" if i == 5 and kind == "deals" else "")
                                       for i in range(300)) + "\n")

    def stored(sample_max_line: int) -> tuple:
        monkeypatch.setattr(scan, "SAMPLE_MAX_LINE", sample_max_line)
        conn = store.connect(":memory:")
        result = importing.import_file(conn, path)
        rows = conn.execute(f"SELECT * EXCLUDE (import_id) FROM {kind} ORDER BY ALL").fetchall()
        return result.rows_loaded, result.rows_rejected, sorted(result.notes), rows

    assert stored(4096) == stored(1 << 20)
    assert stored(4096)[0] == 300 - (kind == "deals")  # (a deal's line with a field too many: its reject)
