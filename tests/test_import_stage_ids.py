"""A deal stage column of the CRM's internal ids (a HubSpot custom pipeline's 'Deal Stage' = 12345678) is
refused naming its column and ids; ids beside stage names are noted, their deals counted open.

Before, no id said won or lost, so every deal counted open: a file with no wins, won revenue 0.
"""

from __future__ import annotations

import pytest

from analytics import importing
from analytics.importing import stage_ids

HEADER = "Record ID,Deal Name,Deal Stage,Amount,Close Date,Deal owner\n"


def _import(conn, tmp_path, text: str):
    (tmp_path / "f.csv").write_text(text)
    return importing.import_file(conn, tmp_path / "f.csv")


@pytest.mark.parametrize("value, is_id", [
    ("12345678", True), (" 987654 ", True), ("3f2a9c1e-0b7d-4c2e-9a51-2b8e6d0c7f11", True),
    ("closedwon", False), ("appointmentscheduled", False), ("Stage 2", False), ("100", False), ("Won", False),
])
def test_what_a_stage_id_is(value, is_id):
    assert stage_ids.ids_of([value]) == ([value] if is_id else [])


@pytest.mark.parametrize("stages", [("112233445", "112233446"), ("3f2a9c1e-0b7d-4c2e-9a51-2b8e6d0c7f11",)])
def test_a_stage_column_of_ids_is_refused_naming_it(conn, tmp_path, stages):
    rows = "".join(f"D{i},Deal {i},{stages[i % len(stages)]},1000,2024-03-0{i + 1},Ann Lee\n" for i in range(3))
    result = _import(conn, tmp_path, HEADER + rows)
    assert result.status == "refused"
    assert "column 'Deal Stage' holds the CRM's stage ids (" + stages[0] in result.message
    assert conn.execute("SELECT count(*) FROM deals").fetchone() == (0,)


def test_ids_beside_names_are_noted_and_their_deals_open(conn, tmp_path):
    rows = ("D1,Acme,closedwon,1000,2024-03-01,Ann Lee\nD2,Beta,closedlost,2000,2024-03-02,Bob Ray\n"
            "D3,Gamma,112233445,500,2024-03-03,Ann Lee\n")
    result = _import(conn, tmp_path, HEADER + rows)
    assert (result.status, result.rows_loaded) == ("loaded", 3)
    assert conn.execute("SELECT deal_id, outcome FROM deals ORDER BY deal_id").fetchall() == [
        ("D1", "won"), ("D2", "lost"), ("D3", "open")]
    assert [n for n in result.notes if "stage" in n] == [stage_ids.note("Deal Stage", ["112233445"])]


def test_ids_in_the_sample_and_names_further_on_are_read(conn, tmp_path):
    # (the plan made from a sample of ids must not refuse what the whole file names)
    rows = "".join(f"D{i},Deal,112233445,10,2024-03-01,Ann Lee\n" for i in range(60_000)) \
        + "E1,Acme,closedwon,1000,2024-03-01,Ann Lee\n"
    result = _import(conn, tmp_path, HEADER + rows)
    assert (result.status, result.rows_loaded) == ("loaded", 60_001)
    assert conn.execute("SELECT count(*) FROM deals WHERE outcome = 'won'").fetchone() == (1,)


def test_yes_no_columns_decide_whatever_the_stage_ids(conn, tmp_path):
    text = ("Record ID,Deal Stage,Amount,Close Date,Deal owner,Is Closed Won\n"
            "D1,112233445,1000,2024-03-01,Ann Lee,true\nD2,112233446,500,2024-03-02,Ann Lee,false\n")
    result = _import(conn, tmp_path, text)
    assert result.status == "loaded"
    assert conn.execute("SELECT count(*) FROM deals WHERE outcome = 'won'").fetchone() == (1,)
