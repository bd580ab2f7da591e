"""Encoding, delimiter and header detection; refusals; physical line numbers."""

from __future__ import annotations

import codecs

import pytest
from helpers import CORPUS

from analytics import csv_source

TEXT = "Name,Amount\nJosé,1\n"


@pytest.mark.parametrize("data, encoding", [
    (TEXT.encode(), "utf-8"),
    (codecs.BOM_UTF8 + TEXT.encode(), "utf-8-sig"),
    (codecs.BOM_UTF16_LE + TEXT.encode("utf-16-le"), "utf-16-le"),
    (codecs.BOM_UTF16_BE + TEXT.encode("utf-16-be"), "utf-16-be"),
    (TEXT.encode("utf-16-le"), "utf-16-le"),
    ("Name,Amount\nJosé,€1\n".encode("cp1252"), "cp1252"),
    (b"Name,Amount\nJos\xe9,\x811\n", "latin-1"),
])
def test_detect_encoding(data, encoding):
    assert csv_source.detect_encoding(data) == encoding


@pytest.mark.parametrize("text, delimiter", [
    ("a,b,c\n1,2,3\n", ","),
    ("a;b;c\n1,5;2,5;3\n", ";"),
    ("a\tb\tc\n1\t2\t3\n", "\t"),
    ("a|b|c\n1|2|3\n", "|"),
    ('a,b\n"x;y;z",2\n', ","),
    ("Betrag;Datum\n1.234,50;13.03.2024\n5,00;14.03.2024\n", ";"),
])
def test_detect_delimiter(text, delimiter):
    assert csv_source.detect_delimiter(text) == delimiter


@pytest.mark.parametrize("data, fragment", [
    (b"", "empty (0 bytes)"),
    (b"\n\n  \n", "no text"),
    (b"PK\x03\x04rest", "Excel workbook"),
    (b"%PDF-1.7", "PDF"),
    (b"a\x00b\x00c\x00\x00\x00\x00\x01", "binary"),
    (b"1,2024-01-01,5\n2,2024-01-02,6\n", "no header row"),
    (b"just one column\nvalue\n", "only one column"),
])
def test_refusals_name_the_file(tmp_path, data, fragment):
    path = tmp_path / "upload.csv"
    path.write_bytes(data)
    with pytest.raises(csv_source.RefusedFileError) as err:
        csv_source.open_source(path, "export.csv")
    assert str(err.value).startswith("export.csv: ") and fragment in str(err.value)


def test_transcoded_copy_is_utf8_and_removed(tmp_path):
    path = tmp_path / "u16.csv"
    path.write_bytes(codecs.BOM_UTF16_LE + "Name\tAmount\r\nZoë\t1\r\n".encode("utf-16-le"))
    src = csv_source.open_source(path)
    assert (src.encoding, src.delimiter, src.headers) == ("utf-16-le", "\t", ["Name", "Amount"])
    assert src.read_path.read_bytes() == "Name\tAmount\r\nZoë\t1\r\n".encode()
    src.close()
    assert not src.read_path.exists()


def test_duplicate_and_blank_headers():
    names, notes = csv_source.unique_headers(["Name", "name", " ", "Name"])
    assert names == ["Name", "name_2", "column_3", "Name_3"]
    assert len(notes) == 2


def test_preamble_lines_are_skipped(tmp_path):
    path = tmp_path / "r.csv"
    path.write_text("Opportunity report\n\nOwner,Amount,Close Date\nAnn,1,2024-01-01\n")
    src = csv_source.open_source(path)
    assert (src.skip_lines, src.headers) == (2, ["Owner", "Amount", "Close Date"])


def test_record_start_lines_follow_quotes_and_blanks(tmp_path):
    path = tmp_path / "q.csv"
    path.write_bytes(b'h1,h2\n1,"a\nb"\n\n2,"c ""q"" d"\r\n3,x\n4,"e\n\nf"\n5,y\n')
    # records start on lines 2, 5, 6, 7, 10; line 6 (record "3,x") was rejected by DuckDB
    starts = csv_source.record_start_lines(path, 0, {6}, 4)
    assert starts.tolist() == [2, 5, 7, 10]
    offsets = csv_source.lines_at_offsets(path, [0, 6, 15])
    assert offsets == {0: 1, 6: 2, 15: 5}


@pytest.mark.parametrize("name, header, expected", [
    ("report_preamble.csv", "Opportunity Owner", ["Ann Lee", "Bob Ray"]),
    ("quoted_newlines.csv", "Account Name", ["Acme, Inc.\nBuilding 2\nFloor 3", 'Beta "the best"', "Gamma\nLtd"]),
    ("utf16le_bom_tab.csv", "Amount", ["1200.00", "800.00"]),
    ("binary.csv", None, None),
])
def test_example_values_per_column(name, header, expected):
    examples = csv_source.example_values(CORPUS / name)
    if header is None:
        assert examples == {}
    else:
        assert examples[header] == expected
