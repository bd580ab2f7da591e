"""Encoding, delimiter and header detection; refusals; physical line numbers."""

from __future__ import annotations

import codecs
import random

import pytest
from helpers import CORPUS, opened_source

from analytics.importing import csv_lines, csv_records, csv_source, csv_text, example_values

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
    starts = csv_lines.record_start_lines(path, 0, {6}, 4)
    assert starts.tolist() == [2, 5, 7, 10]
    offsets = csv_lines.lines_at_offsets(path, [0, 6, 15])
    assert offsets == {0: 1, 6: 2, 15: 5}


@pytest.mark.parametrize("name, header, expected", [
    ("report_preamble.csv", "Opportunity Owner", ["Ann Lee", "Bob Ray"]),
    ("quoted_newlines.csv", "Account Name", ["Acme, Inc.\nBuilding 2\nFloor 3", 'Beta "the best"', "Gamma\nLtd"]),
    ("utf16le_bom_tab.csv", "Amount", ["1200.00", "800.00"]),
    ("binary.csv", None, None),
])
def test_example_values_per_column(name, header, expected):
    examples = example_values.example_values(CORPUS / name)
    if header is None:
        assert examples == {}
    else:
        assert examples[header] == expected


# ---- the whole file's text (csv_text) and its records (csv_records) ---------------------------------

@pytest.mark.parametrize("chunk", [7, 1 << 24])  # tiny chunks cut UTF-8 sequences and CRLFs apart
def test_scan_text_sees_the_whole_file(tmp_path, monkeypatch, chunk):
    monkeypatch.setattr(csv_text, "CHUNK", chunk)
    path = tmp_path / "t.csv"
    utf8 = "Name,Amount\r\n" + "".join(f"José Müller,{i}\r\n" for i in range(20))
    path.write_bytes(utf8.encode())
    assert csv_text.scan_text(path) == csv_text.TextEvidence(utf8=True, lone_cr=False, n_lines=21)
    path.write_bytes(utf8.encode() + "Zoë,1\n".encode("cp1252"))
    assert not csv_text.scan_text(path).utf8
    path.write_bytes(utf8.encode() + b"Ann,1\rBo,2")
    assert csv_text.scan_text(path) == csv_text.TextEvidence(utf8=True, lone_cr=True, n_lines=22)
    path.write_bytes(utf8.encode() + b"Ann\0,1\n")
    assert csv_text.scan_text(path) == csv_text.TextEvidence(utf8=True, lone_cr=False, n_lines=22, nul=True)


@pytest.mark.parametrize("data, nul", [
    (b"Name,Amount\n" + b"Ann,1\n" * 200_000 + b"Bo\0,2\n", True),                      # past the first MiB
    (b"Name,Amount\n" + b"Ann,1\n" * 200_000 + "Zo\0\xeb,2\n".encode("latin-1"), True),   # a line copied as cp1252
    (codecs.BOM_UTF16_LE + "Name,Amount\nBo\0,2\n".encode("utf-16-le"), True),            # found in the UTF-8 copy
    (b"Name,Amount\n" + b"Ann,1\n" * 200_000 + "Zo\xeb,2\n".encode("latin-1"), False),
    (codecs.BOM_UTF16_LE + "Name,Amount\nBo,2\n".encode("utf-16-le"), False),
])
def test_open_source_says_whether_the_file_holds_a_nul_byte(tmp_path, data, nul):
    with opened_source(tmp_path, data) as src:
        assert src.nul is nul


@pytest.mark.parametrize("chunk", [5, 1 << 24])
def test_transcode_lines_keeps_each_lines_encoding_and_line_numbers(tmp_path, monkeypatch, chunk):
    monkeypatch.setattr(csv_text, "CHUNK", chunk)
    path = tmp_path / "t.csv"
    path.write_bytes(b"Name,Amount\r" + "José,1\r\n".encode() + "Zoë,2\r".encode("cp1252") + "Ünal,3\n".encode()
                     + "Café\x81,4".encode("latin-1"))
    copy, how = csv_text.transcode_lines(path, newlines=True)
    try:
        assert copy.read_text(encoding="utf-8") == "Name,Amount\nJosé,1\nZoë,2\nÜnal,3\nCafé\x81,4"
        assert (how.encoding("utf-8"), how.legacy_lines, how.first_legacy_line, how.first_utf8_line,
                how.n_lines) == ("utf-8 + latin-1", 2, 3, 2, 5)
    finally:
        copy.unlink()


def test_open_source_decides_the_encoding_on_the_whole_file(tmp_path):
    data = b"Name,Amount\n" + b"Ann,1\n" * 200_000 + "Zoë,2\n".encode("cp1252")  # past the first MiB
    with opened_source(tmp_path, data) as src:
        assert src.encoding == "cp1252" and src.transcoded and src.n_lines == 200_002
        assert src.read_path.read_bytes().endswith("Zoë,2\n".encode())


@pytest.mark.parametrize("body, expected", [
    (b'1,"a\nb\nc"\n2,x\n', (2, 0, None, 2)),                 # a quoted field over three lines is data
    (b'1,5" screen\n2,x\n', (2, 0, None, None)),              # a quote inside a field is a character
    (b'1,"x ""y"" z"\n\n\r\n2,x', (2, 2, None, None)),        # doubled quotes; blank lines; no last LF
    (b'1,"x\n' + b"2,y\n" * 150 + b'3,z"\n4,w\n', (2, 0, (2, 152), 2)),  # a stray quote closed 151 lines on
    (b'1,x\n2,"y\n3,z\n', (2, 0, (3, 2), 3)),                 # open to the end of the file
])
def test_record_layout_follows_quotes_as_the_reader_does(tmp_path, body, expected):
    path = tmp_path / "t.csv"
    path.write_bytes(b"h1,h2\n" + body)
    layout = csv_records.record_layout(path, ",", 0)
    broken = layout.broken and (layout.broken.line, layout.broken.lines)
    assert (layout.records, layout.blank, broken, layout.first_multiline) == expected


def _reader_record_lines(text: bytes) -> list[int]:
    """The reference for csv_records, a byte at a time: lines starting a non-blank data record
    (header on line 1), a quote run of odd length opening or closing a field only at its start."""
    inside, line, starts, i = False, 1, [], 0
    line_start = True
    while i < len(text):
        blank = text.startswith(b"\n", i) or text.startswith(b"\r\n", i)
        if line_start and not inside and line > 1 and not blank:
            starts.append(line)
        line_start = False
        if text[i] == 34:
            j = i
            while j < len(text) and text[j] == 34:
                j += 1
            if (j - i) % 2:
                inside = (not inside) if i == 0 or text[i - 1] in b",\n\r" else False
            i = j
            continue
        if text[i] == 10:
            line, line_start = line + 1, True
        i += 1
    return starts


@pytest.mark.parametrize("seed", range(6))
@pytest.mark.parametrize("chunk", [5, 64, 1 << 24])
def test_record_lines_agree_with_a_byte_by_byte_reader(tmp_path, monkeypatch, seed, chunk):
    """Random runs of quotes, delimiters and line breaks (cut by tiny chunks): the vectorised
    record starts, the layout's count and the reject lines all agree with the reference."""
    monkeypatch.setattr(csv_records, "CHUNK", chunk)
    rng = random.Random(seed)
    tokens = [b"a", b"b", b",", b'"', b'""', b"\n", b"\r\n", b" "]
    text = b"h1,h2\n" + b"".join(rng.choice(tokens) for _ in range(3000)) + b"\n"
    path = tmp_path / "t.csv"
    path.write_bytes(text)
    expected = _reader_record_lines(text)
    assert csv_records.data_record_lines(path, ",", 0, 10**6).tolist() == expected
    assert csv_lines.record_start_lines(path, 0, set(), 10**6).tolist() == expected
    assert csv_records.record_layout(path, ",", 0).records == len(expected)


def test_count_problem_refuses_a_count_the_file_does_not_hold():
    path = CORPUS / "quoted_newlines.csv"   # 3 records over 7 lines
    assert csv_records.count_problem("q.csv", path, ",", 0, 7, 3) is None
    message = csv_records.count_problem("q.csv", path, ",", 0, 7, 2)
    assert message.startswith("q.csv: the file holds 3 rows") and "line 2" in message
