"""A rep column of the CRM's owner ids (HubSpot 'Deal owner' = 12345678, a Salesforce user id) is refused
naming its column, unless the roster names its reps by the same ids; a few ids among names are noted.

Stored, every rep was a number, another person than the same rep in the roster or the activities,
without a word.
"""

from __future__ import annotations

import pytest

from analytics import importing
from analytics.importing import owner_ids

HUBSPOT = ("Record ID,Deal Name,Deal Stage,Amount,Close Date,Deal owner\n"
           "101,Acme renewal,closedwon,1000,2024-03-01,12345678\n"
           "102,Beta new,closedwon,2000,2024-03-02,23456789\n"
           "103,Gamma,closedlost,500,2024-03-03,12345678\n")


def _import(conn, tmp_path, text: str, name: str = "f.csv"):
    (tmp_path / name).write_text(text)
    return importing.import_file(conn, tmp_path / name)


@pytest.mark.parametrize("value, is_id", [
    ("12345678", True), ("  1001 ", True), ("0058d000001AbCdEAK", True), ("0058d000001AbCd", True),
    ("Ann Lee", False), ("ann.lee@acme.com", False), ("R2", False), ("12", False), ("Agent 007", False),
])
def test_what_an_owner_id_is(value, is_id):
    import re
    assert bool(re.fullmatch(owner_ids.OWNER_ID_PATTERN, value)) is is_id


@pytest.mark.parametrize("text, column", [
    (HUBSPOT, "Deal owner"),
    # an activity log without ids (written by its one read) and a quota file
    ("Activity date,Activity assigned to,Activity type\n2024-03-01,0058d000001AbCdEAK,Call\n"
     "2024-03-02,0058d000001XyZwEAK,Email\n", "Activity assigned to"),
    ("Sales Rep,Quarter,Quota\n12345678,Q1 2024,50000\n23456789,Q1 2024,60000\n", "Sales Rep"),
])
def test_a_file_of_owner_ids_is_refused_naming_its_column(conn, tmp_path, text, column):
    result = _import(conn, tmp_path, text)
    assert result.status == "refused", result.message
    assert f"column '{column}' holds owner ids, not names" in result.message
    assert "Export the owner's name" in result.message
    for table in ("deals", "activities", "quotas"):
        assert conn.execute(f"SELECT count(*) FROM {table}").fetchall() == [(0,)]


def test_ids_are_read_when_the_roster_names_its_reps_by_them(conn, tmp_path):
    roster = _import(conn, tmp_path, "Sales Rep,Team\n12345678,West\n23456789,East\n", "roster.csv")
    assert roster.status == "loaded"
    assert any("the roster names its reps by number in 'Sales Rep'" in n for n in roster.notes)
    deals = _import(conn, tmp_path, HUBSPOT, "deals.csv")
    assert (deals.status, deals.rows_loaded) == ("loaded", 3)
    assert conn.execute("SELECT rep, count(*) FROM deals GROUP BY rep ORDER BY rep").fetchall() == [
        ("12345678", 2), ("23456789", 1)]
    # an id the roster does not know refuses the file again
    other = _import(conn, tmp_path, HUBSPOT.replace("23456789", "34567890"), "more.csv")
    assert other.status == "refused" and "34567890" in other.message


def test_a_few_ids_among_names_are_noted(conn, tmp_path):
    text = ("Deal ID,Owner,Stage,Amount,Close Date\n1,Ann Lee,Closed Won,1000,2024-03-01\n"
            "2,98765432,Closed Won,500,2024-03-03\n3,Bob Ray,Closed Won,700,2024-03-04\n"
            "4,Total,Closed Won,2200,\n")
    result = _import(conn, tmp_path, text)
    assert (result.status, result.rows_loaded) == ("loaded", 3)
    assert "1 of the first 3 reps in 'Owner' are numbers, not names (98765432): owner ids? Each is counted as a " \
           "rep of its own" in result.notes


def test_names_say_nothing(conn, tmp_path):
    result = _import(conn, tmp_path, HUBSPOT.replace(",12345678", ",Ann Lee").replace(",23456789", ",Bob Ray"))
    assert result.status == "loaded" and not [n for n in result.notes if "number" in n]
