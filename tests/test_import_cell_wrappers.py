"""Excel's text-protection wrapper ``="00123"`` is read as the text it wraps.

CRM and spreadsheet exports write ids (and sometimes every cell) as ``="00123"`` so that Excel keeps
leading zeros. Stored as written, the id ``="00124"`` was another deal than the next export's ``00124``
(each deal counted twice), a stage ``="Closed Lost"`` counted as open, and a wrapped amount was
rejected: the wrapped file must store exactly what the same file without wrappers stores.
"""

from __future__ import annotations

import duckdb
import pytest

from analytics import importing, store
from analytics.importing import cell_wrappers, parsing


def _wrapped(text: str) -> str:
    """Every cell of the CSV ``text`` (simple cells: no commas, no quotes) but the header and the
    dates as Excel's text wrapper."""
    lines = text.splitlines()
    out = [lines[0]]
    for line in lines[1:]:
        out.append(",".join(v if v[:4].isdigit() and "-" in v else f'="{v}"' for v in line.split(",")))
    return "\n".join(out) + "\n"


FILES = {
    "deals": ("Opportunity ID,Opportunity Owner,Stage,Amount,Close Date,Account Name,Currency\n"
              "00123,Ann Lee,Closed Won,1000,2024-03-01,Acme,EUR\n00124,Bob Ray,Closed Lost,2500.50,2024-03-02,Beta,EUR\n"
              "00125,Ann Lee,Prospecting,700,2024-09-03,Gamma,EUR\n"),
    "reps": "Sales Rep,Team,Manager,Active\nAnn Lee,East,Max Moe,Yes\nBob Ray,West,Max Moe,No\n",
    "activities": "Assigned To,Date,Activity Type,Status\nAnn Lee,2024-03-05,Call,Completed\n"
                  "Bob Ray,2024-03-06,Meeting,Not Started\nBob Ray,2024-03-07,Email,Completed\n",
    "targets": "Sales Rep,Period,Target\nAnn Lee,2024-Q1,10000\nBob Ray,2024-Q1,12000\n",
}
TABLES = {"deals": "deals", "reps": "reps", "activities": "activities", "targets": "quotas"}


def _stored(tmp_path, name: str, text: str, kind: str) -> tuple[importing.ImportResult, list]:
    path = tmp_path / f"{name}.csv"
    path.write_text(text)
    conn = store.connect(tmp_path / f"{name}.duckdb")
    try:
        result = importing.import_file(conn, path)
        rows = sorted(conn.execute(f"SELECT * EXCLUDE (import_id) FROM {TABLES[kind]}").fetchall(), key=repr)
    finally:
        conn.close()
    return result, rows


@pytest.mark.parametrize("kind", sorted(FILES))
def test_a_wrapped_file_stores_what_the_plain_file_stores(tmp_path, kind):
    plain, plain_rows = _stored(tmp_path, "plain", FILES[kind], kind)
    wrapped, wrapped_rows = _stored(tmp_path, "wrapped", _wrapped(FILES[kind]), kind)
    assert plain.rows_loaded >= 2
    assert (wrapped.kind, wrapped.status, wrapped.rows_loaded) == (kind, "loaded", plain.rows_loaded), wrapped.rejects
    # (the same rows rejected for the same reason: an activity Not Started did not happen)
    assert [(r["line"], r["reason"]) for r in wrapped.rejects] == [(r["line"], r["reason"]) for r in plain.rejects]
    assert wrapped_rows == plain_rows
    assert not any('="' in repr(row) for row in wrapped_rows)


def test_a_wrapped_export_after_the_plain_one_changes_nothing(tmp_path):
    """The second load (two reads, against stored deals): the same ids, so the same deals."""
    text = FILES["deals"]
    (tmp_path / "plain.csv").write_text(text)
    (tmp_path / "wrapped.csv").write_text(_wrapped(text))
    conn = store.connect(tmp_path / "db.duckdb")
    assert importing.import_file(conn, tmp_path / "plain.csv").new == 3
    again = importing.import_file(conn, tmp_path / "wrapped.csv")
    assert (again.new, again.updated, again.unchanged) == (0, 0, 3)
    assert conn.execute("SELECT deal_id, outcome FROM deals ORDER BY 1").fetchall() == [
        ("00123", "won"), ("00124", "lost"), ("00125", "open")]
    conn.close()


def test_a_wrapped_id_in_a_file_with_a_wide_space():
    """A file holding a no-break space trims every value with DuckDB's trim: the wrapper goes too."""
    from analytics.importing.field_sql import text_value_sql
    conn = duckdb.connect()
    values = ['="00123"', ' ="Ann Lee" ', '="a""b"', '=""', "=SUM(A1)", "Ann\u00a0Lee", "", None, '="x']
    for wide in (True, False):
        got = [conn.execute(f"SELECT {text_value_sql('v', wide)} FROM (SELECT ?::VARCHAR AS v)", [v]).fetchone()[0]
               for v in values]
        assert got == ["00123", "Ann Lee", 'a"b', None, "=SUM(A1)", "Ann\u00a0Lee", None, None, '="x'], wide


@pytest.mark.parametrize("value, expected", [
    ('="1000"', 1000.0), (' ="1,000.50" ', 1000.5), ('="-5"', -5.0), ('="($1,000)"', -1000.0),
    ("=1+1", None), ('="=1+1"', None), ('="abc"', None), ("1000", 1000.0),
])
def test_a_wrapped_amount_is_its_number(value, expected):
    sql = parsing.amount_sql("v", "point", 1.0)
    assert duckdb.connect().execute(f"SELECT {sql} FROM (SELECT ?::VARCHAR AS v)", [value]).fetchone()[0] == expected


@pytest.mark.parametrize("value, expected", [
    (' ="Closed Lost" ', "Closed Lost"), ('="a""b"', 'a"b'), ("=SUM(A1)", "=SUM(A1)"), (" Won ", "Won"),
    ('="', '="'), ('=""', ""),
])
def test_a_raw_label_is_matched_as_stored(value, expected):
    assert cell_wrappers.unwrapped(value) == expected


@pytest.mark.parametrize("kind, header, rest", [
    ("deals", "Deal ID", ",Deal owner,Deal Stage,Amount,Close Date\n{id},Ann Lee,Closed Won,1000,2024-03-01\n"
                         "{id2},Ann Lee,Closed Won,2000,2024-03-05\n9876543,Bob Ray,Closed Won,500,2024-03-03\n"),
    ("activities", "Activity ID", ",Assigned To,Date,Activity Type\n{id},Ann Lee,2024-03-05,Call\n"
                                  "{id2},Ann Lee,2024-03-05,Call\n9876543,Bob Ray,2024-03-06,Email\n"),
])
def test_an_id_excel_wrote_in_scientific_notation_is_rejected(tmp_path, kind, header, rest):
    """Two deals whose ids differ past the sixth digit shared '1.23457E+17' and were summed as one
    order's lines; the rows are rejected, naming the value, and an id written out in full is read."""
    (tmp_path / "ids.csv").write_text(header + rest.format(id="1.23457E+17", id2=" 1.2E+17 "))
    conn = store.connect(tmp_path / "db.duckdb")
    result = importing.import_file(conn, tmp_path / "ids.csv")
    assert (result.kind, result.rows_loaded) == (kind, 1)
    assert [(r["line"], r["column"]) for r in result.rejects] == [(2, header), (3, header)]
    assert result.rejects[0]["reason"].startswith("an id in scientific notation (Excel cut its digits")
    conn.close()


@pytest.mark.parametrize("value, rejected", [
    ("1.23457E+17", True), ("1E+20", True), (" 1.2E+17 ", True),
    ("1.23457e+17", False), ("A1.2E+17", False), ("123456789012345678", False), ("E+1", False), ("SO-1E+5", False),
])
def test_scientific_ids(value, rejected):
    [(cond, _why)] = cell_wrappers.scientific_id_checks("v", "Deal ID")
    got = duckdb.connect().execute(f"SELECT {cond} FROM (SELECT ?::VARCHAR AS v)", [value]).fetchone()[0]
    assert bool(got) is rejected
