"""Cheaper SQL for the hot path of an import's read, with the same values as the SQL it replaces.

* A text value is trimmed by DuckDB's ``trim`` only when it begins or ends with ``' '``, in a file that
  holds no other space separator (``csv_text.WIDE_SPACES``, found by the whole-file text pass).
* ``substr(c, 5, 1) = '-'`` (the ISO date gate) is a LIKE; the plausible-year check compares dates.
"""

from __future__ import annotations

import duckdb
import pytest
from helpers import opened_source

from analytics import importing, store
from analytics.importing import csv_text, parsing
from analytics.importing.field_sql import text_value_sql

NBSP, IDEOGRAPHIC = "\u00a0", "\u3000"


def _values(expr: str, values: list[object], sql_type: str = "VARCHAR") -> list[object]:
    """``expr`` over column ``c`` of ``values``, in their order."""
    conn = duckdb.connect()
    conn.execute(f"CREATE TABLE t (i INTEGER, c {sql_type})")
    conn.executemany("INSERT INTO t VALUES (?, ?)", list(enumerate(values)))
    return [r[0] for r in conn.execute(f"SELECT {expr} FROM t ORDER BY i").fetchall()]


def test_duckdb_trims_the_ascii_space_and_the_wide_spaces_only():
    """The guard's premise: what ``trim`` strips (pinned for a DuckDB upgrade)."""
    stripped = duckdb.connect().execute(
        "SELECT list(cp ORDER BY cp) FROM (SELECT range::INTEGER AS cp FROM range(1, 1114112) "
        "WHERE range < 55296 OR range > 57343) WHERE trim(chr(cp) || 'a' || chr(cp)) <> chr(cp) || 'a' || chr(cp)"
    ).fetchall()[0][0]
    assert "".join(map(chr, stripped)) == " " + csv_text.WIDE_SPACES


VALUES = [" Ann", "Ann ", "  Ann Lee  ", "Ann Lee", "", "   ", None, "\tAnn\t", "José ", f"a{NBSP}b",
          f" a{IDEOGRAPHIC}b ", "x" * 40 + " "]


def test_text_value_without_wide_spaces_is_the_trimmed_value():
    assert _values(text_value_sql("c", False), VALUES) == _values(parsing.text_sql("c"), VALUES)


@pytest.mark.parametrize(("value", "stored"), [(f"{NBSP}Ann", "Ann"), (f"Ann{IDEOGRAPHIC}", "Ann"),
                                               (f" Ann{NBSP}", "Ann"), (" Ann ", "Ann")])
def test_a_file_with_wide_spaces_trims_them(value, stored):
    assert _values(text_value_sql("c", True), [value]) == [stored]
    if not value.startswith(" ") and not value.endswith(" "):  # (why the flag is needed: the guard would keep them)
        assert _values(text_value_sql("c", False), [value]) != [stored]


@pytest.mark.parametrize(("text", "chunk", "wide"), [
    ("a,b\nAnn Lee,1\n", 1 << 24, False),
    ("a,b\nJosé,1\nZoë,2\n", 1 << 24, False),
    (f"a,b\nAnn{NBSP},1\n", 1 << 24, True),
    (f"a,b\nAnn,1\nBob,{IDEOGRAPHIC}2\n", 1 << 24, True),
    (f"a,b\nAnn{NBSP},1\n", 7, True),     # (the no-break space's two bytes in two chunks)
    ("a,b\nJosé,1\n", 6, False),
])
def test_the_text_pass_finds_wide_spaces(tmp_path, monkeypatch, text, chunk, wide):
    monkeypatch.setattr(csv_text, "CHUNK", chunk)
    path = tmp_path / "f.csv"
    path.write_bytes(text.encode())
    assert csv_text.scan_text(path).wide_spaces is wide


@pytest.mark.parametrize(("data", "wide"), [
    (b"Rep,Date,Type\nAnn Lee,01/02/2024,Call\n", False),
    (f"Rep,Date,Type\nAnn Lee{NBSP},01/02/2024,Call\n".encode(), True),
    ("Rep,Date,Type\nJosé,01/02/2024,Call\n".encode("cp1252"), True),  # (a code page's copy: not looked at)
    (b"Rep,Date,Type\rAnn Lee,01/02/2024,Call\r", False),              # (lone CRs: a copy, its text the same)
    (f"Rep,Date,Type\rAnn Lee{NBSP},01/02/2024,Call\r".encode(), True),
])
def test_the_source_says_whether_wide_spaces_may_be_in_it(tmp_path, data, wide):
    with opened_source(tmp_path, data) as src:
        assert src.wide_spaces is wide


@pytest.mark.parametrize("space", [" ", NBSP, IDEOGRAPHIC])
def test_an_activity_log_stores_reps_and_types_trimmed(tmp_path, space):
    lines = ["Assigned To,Date,Activity Type"] + [
        f"{space}Ann Lee,01/0{d}/2024 10:00,Call{space}" for d in range(1, 4)] + [
        f"Bob Ray{space},01/0{d}/2024 11:00,{space}Demo" for d in range(1, 4)]
    path = tmp_path / "log.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    conn = store.connect(str(tmp_path / "db.duckdb"))
    result = importing.import_file(conn, path)
    assert result.status == "loaded" and result.rows_loaded == 6
    stored = conn.execute("SELECT DISTINCT rep, raw_type, type FROM activities ORDER BY rep").fetchall()
    assert stored == [("Ann Lee", "Call", "call"), ("Bob Ray", "Demo", "demo")]


ISO_GATE = ["2024-01-05", "2024-01-05 10:00", "12/01/2024", "1234-", "123-", "", None, "e\u0301ab-x",
            "ab\U0001f600d-", "abc\n-", "    -infinity", "%%%%-", "____-"]


def test_the_iso_gate_is_substr_of_the_fifth_character():
    assert _values(parsing.iso_dash_sql("c"), ISO_GATE) == _values("substr(c, 5, 1) = '-'", ISO_GATE)


DATES = ["1899-12-31", "1900-01-01", "2024-05-06", "2100-12-31", "2101-01-01", "0044-03-15", "infinity",
         "-infinity", None]


def test_the_plausible_year_check_is_the_years_bounds():
    condition = parsing.date_checks("raw", "c", "parts", "mdy", "Date")[1][0]
    assert _values(f"coalesce({condition}, false)", DATES, "DATE") == \
        _values("coalesce(c IS NOT NULL AND (year(c) < 1900 OR year(c) > 2100), false)", DATES, "DATE")
