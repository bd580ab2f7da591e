"""A row of column groups above the column names (``Deal Info,,,Financials,``) is skipped with a note,
the row under it read as the header; a header with a blank cell or two is still the header.

Before, the group row was the header: the columns were 'Deal Info', 'column_2', ..., and the file refused.
"""

from __future__ import annotations

import pytest

from analytics import importing
from analytics.importing import csv_source

NAMES = "Deal Name,Stage,Owner,Amount,Close Date\n"
ROWS = "Acme,Won,Ann Lee,1000,2024-03-01\nBeta,Lost,Bob Ray,abc,2024-03-02\n"


@pytest.mark.parametrize("above, header_line", [
    ("Deal Info,,,Financials,\n", 2),
    ("Pipeline Report\nDeal Info,,,Financials,\n", 3),     # a title, then the groups
    (",,,,\nDeal Info,,,Financials\n", 3),                  # a blank line; the group row's trailing commas cut
])
def test_the_column_names_under_a_group_row_are_the_header(tmp_path, above, header_line):
    path = tmp_path / "f.csv"
    path.write_text(above + NAMES + ROWS)
    src = csv_source.open_source(path)
    try:
        assert src.headers == NAMES.strip().split(",")
        assert src.skip_lines == header_line - 1
    finally:
        src.close()


@pytest.mark.parametrize("text", [
    NAMES + ROWS,
    "Deal Name,,Owner,Amount,Close Date\n" + ROWS,           # a blank header cell: still the header
    "Deal Name,,,Amount,\nAcme,Won,Ann Lee,1000,2024-03-01\n",  # mostly blank, but values under it
])
def test_a_header_without_groups_above_is_kept(tmp_path, text):
    path = tmp_path / "f.csv"
    path.write_text(text)
    src = csv_source.open_source(path)
    try:
        assert src.raw_headers == text.splitlines()[0].split(",")
        assert not any("column groups" in n for n in src.notes)
    finally:
        src.close()


def test_a_file_with_a_group_row_loads_and_names_its_reject_lines(conn, tmp_path):
    (tmp_path / "f.csv").write_text("Deal Info,,,Financials,\n" + NAMES + ROWS)
    result = importing.import_file(conn, tmp_path / "f.csv")
    assert (result.status, result.rows_loaded, result.rows_rejected) == ("loaded", 1, 1)
    assert [(r["line"], r["column"], r["value"]) for r in result.rejects] == [(4, "Amount", "abc")]
    assert "a row of column groups above the header row skipped ('Deal Info', 'Financials')" in result.notes
    assert conn.execute("SELECT rep, amount, outcome FROM deals").fetchall() == [("Ann Lee", 1000.0, "won")]
