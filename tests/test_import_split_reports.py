"""Split-credit reports (a row per owner sharing a deal) are refused naming the layout, or read by the
deal's own owner with a note; never read as deals without a word.

Salesforce's Opportunity Splits report without an owner column was refused as having no rep column
(the manager was not told what the file is, nor how to read it); with the deal's owner beside the
split owner, its split columns were ignored without a word.
"""

from __future__ import annotations

import pytest

from analytics import importing
from analytics.importing import split_reports

SPLITS = ("Opportunity ID,Opportunity Name,Split Owner,Split Percentage,Split Amount,Amount,Stage,Close Date\n"
          "006A1,Acme renewal,Ann Lee,60%,6000,10000,Closed Won,2024-03-01\n"
          "006A1,Acme renewal,Bob Ray,40%,4000,10000,Closed Won,2024-03-01\n"
          "006A2,Beta new,Bob Ray,100%,5000,5000,Closed Won,2024-03-05\n")
WITH_OWNER = ("Opportunity ID,Opportunity Owner,Deal Split Owner,Split %,Amount,Stage,Close Date\n"
              "006A1,Ann Lee,Ann Lee,60%,10000,Closed Won,2024-03-01\n"
              "006A1,Ann Lee,Bob Ray,40%,10000,Closed Won,2024-03-01\n"
              "006A2,Bob Ray,Bob Ray,100%,5000,Closed Won,2024-03-05\n")


def _import(conn, tmp_path, text: str, **options):
    (tmp_path / "splits.csv").write_text(text)
    return importing.import_file(conn, tmp_path / "splits.csv", **options)


def test_a_split_report_is_refused_naming_its_layout(conn, tmp_path):
    result = _import(conn, tmp_path, SPLITS)
    assert result.status == "refused"
    assert "a split-credit report (columns 'Split Owner', 'Split Percentage'" in result.message
    assert "--map 'Split Owner=rep' --map 'Split Amount=amount' --keep-lines" in result.message
    assert conn.execute("SELECT count(*) FROM deals").fetchall() == [(0,)]


def test_the_refusals_second_way_credits_each_owner_with_their_share(conn, tmp_path):
    result = _import(conn, tmp_path, SPLITS, mapping={"Split Owner": "rep", "Split Amount": "amount"}, lines="keep")
    assert (result.status, result.rows_loaded) == ("loaded", 3)
    assert conn.execute("SELECT rep, sum(amount) FROM deals GROUP BY rep ORDER BY rep").fetchall() == [
        ("Ann Lee", 6000.0), ("Bob Ray", 9000.0)]


def test_a_split_report_with_the_deals_owner_is_read_by_it_with_a_note(conn, tmp_path):
    result = _import(conn, tmp_path, WITH_OWNER)
    assert (result.status, result.new) == ("loaded", 2)
    [note] = [n for n in result.notes if "split-credit" in n]
    assert note == ("a split-credit report: 'Deal Split Owner', 'Split %' not read; each deal is credited to "
                    "its 'Opportunity Owner' at its whole 'Amount', once")
    assert conn.execute("SELECT deal_id, rep, amount FROM deals ORDER BY 1").fetchall() == [
        ("006A1", "Ann Lee", 10000.0), ("006A2", "Bob Ray", 5000.0)]


@pytest.mark.parametrize("headers, owners, shares", [
    (["Opportunity ID", "Split Owner", "Split Percentage", "Split Amount"], ["Split Owner"],
     ["Split Percentage", "Split Amount"]),
    (["Deal ID", "Deal Split Owner", "Split %"], ["Deal Split Owner"], ["Split %"]),
    (["SplitOwnerName", "SplitAmount"], ["SplitOwnerName"], ["SplitAmount"]),
    (["Opportunity Owner", "Amount", "Stage"], [], []),
    (["Owner", "Stock Split", "Split Date"], [], []),   # no person, no share: no split report
])
def test_split_columns(headers, owners, shares):
    assert split_reports.split_owner_columns(headers) == owners
    assert split_reports.split_share_columns(headers) == shares
    assert split_reports.is_split_report(headers) is bool(owners and shares)


@pytest.mark.parametrize("mapping, noted", [
    ({"Opportunity Owner": "rep", "Amount": "amount"}, True),
    ({"Split Owner": "rep", "Amount": "amount"}, False),            # the split owner is read as the rep
    ({"Opportunity Owner": "rep", "Split Amount": "amount"}, False),  # the manager chose the split's amount
    ({"Amount": "amount"}, False),                                    # no rep: the refusal says it
])
def test_ignored_note(mapping, noted):
    headers = ["Opportunity Owner", "Split Owner", "Split Amount", "Amount"]
    assert (split_reports.ignored_note(headers, mapping) is not None) is noted
