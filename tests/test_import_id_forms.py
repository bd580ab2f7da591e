"""Deal and activity ids in another form match the stored rows: a spreadsheet stripped their leading zeros
(``101`` is ``000101``), or Salesforce wrote the other length (15 characters, or the same 15 and a 3-character
check), whichever form was stored first; a match only when it is one to one; other ids match exactly."""

from __future__ import annotations

from pathlib import Path
from typing import NamedTuple

import numpy as np
import pytest

from analytics import importing, quoting, sample

HEADER = "Order No,Order Date,Salesperson,Net Amount\n"
ROWS = [("2026-09-03", "Ann Lee", 5000), ("2026-09-10", "Ann Lee", 7000), ("2026-10-02", "Bo Chan", 3000)]


def _orders(folder: Path, name: str, ids: list[str], amounts: list[int] | None = None) -> Path:
    """An orders export: one row per id, of the first ROWS. dates, reps and amounts (or ``amounts``)."""
    amounts = amounts or [a for _, _, a in ROWS]
    path = folder / name
    path.write_text(HEADER + "".join(f"{i},{d},{r},{a}\n" for i, (d, r, _), a in zip(ids, ROWS, amounts, strict=False)))
    return path


class Outcome(NamedTuple):
    new: int
    updated: int
    unchanged: int
    ids: list[str]
    ann_september: float
    matched_note: bool


def _after(conn, result) -> Outcome:
    assert result.status == "loaded", result.message
    return Outcome(result.new, result.updated, result.unchanged,
                   [i for (i,) in conn.execute("SELECT deal_id FROM deals ORDER BY deal_id").fetchall()],
                   conn.execute("SELECT sum(amount) FROM deals WHERE rep = 'Ann Lee' AND month(close_date) = 9"
                                ).fetchall()[0][0],
                   any("leading zeros were left out" in n for n in result.notes))


@pytest.mark.parametrize(("stored", "again", "expected"), [
    # the re-export a spreadsheet saved: the ids lost their zeros; the stored ids stay as they were
    (["000101", "000102", "000103"], ["101", "102", "103"],
     Outcome(0, 0, 3, ["000101", "000102", "000103"], 12000.0, True)),
    # the other way round: the padded export comes second
    (["101", "102", "103"], ["000101", "000102", "000103"], Outcome(0, 0, 3, ["101", "102", "103"], 12000.0, True)),
    # padded to other widths
    (["0101", "0102", "0103"], ["00101", "102", "000103"], Outcome(0, 0, 3, ["0101", "0102", "0103"], 12000.0, True)),
    # the same form: matched as always, nothing said
    (["000101", "000102", "000103"], ["000101", "000102", "000103"],
     Outcome(0, 0, 3, ["000101", "000102", "000103"], 12000.0, False)),
    # ids with letters match only exactly: 'A0101' and 'A101' are two orders
    (["A0101", "A0102", "A0103"], ["A101", "A102", "A103"],
     Outcome(3, 0, 0, ["A0101", "A0102", "A0103", "A101", "A102", "A103"], 24000.0, False)),
])
def test_ids_without_their_leading_zeros_match_the_stored_deals(conn, tmp_path, stored, again, expected):
    assert importing.import_file(conn, _orders(tmp_path, "z1.csv", stored)).new == 3
    assert _after(conn, importing.import_file(conn, _orders(tmp_path, "z2.csv", again))) == expected


def test_the_reexport_updates_and_adds_and_its_undo_restores(conn, tmp_path):
    """z2: the same orders without their zeros, one amount changed and one order new: 1 updated, 1 new;
    undone, the stored orders are as z1 left them."""
    first = importing.import_file(conn, _orders(tmp_path, "z1.csv", ["000101", "000102"]))
    before = conn.execute("SELECT * FROM deals ORDER BY deal_id").fetchall()
    z2 = _orders(tmp_path, "z2.csv", ["101", "102", "105"], [5000, 7500, 3000])
    result = importing.import_file(conn, z2)
    assert _after(conn, result) == Outcome(1, 1, 1, ["000101", "000102", "105"], 12500.0, True)
    note = next(n for n in result.notes if "leading zeros" in n)
    assert note.startswith("2 deal ids matched stored deals only once their leading zeros were left out")
    assert "'101' is the stored '000101', '102' is the stored '000102'" in note
    importing.undo_import(conn, result.import_id)
    assert conn.execute("SELECT * FROM deals ORDER BY deal_id").fetchall() == before
    assert first.import_id is not None


@pytest.mark.parametrize(("stored", "again", "expected_ids"), [
    # two stored ids could be the file's '00101': neither is taken, it is a new order
    (["0101", "101", "0103"], ["00101", "0102", "0103"], ["00101", "0101", "0102", "0103", "101"]),
    # two ids of the file could be the stored '000101' ('101' and '0101'): neither is taken
    (["000101", "000102", "000103"], ["101", "0101", "000103"], ["000101", "000102", "000103", "0101", "101"]),
    # the file holds the stored id itself beside a padded one: the equal one matches, the other is new
    (["101", "102", "103"], ["101", "0101", "103"], ["0101", "101", "102", "103"]),
])
def test_a_match_without_zeros_is_taken_only_one_to_one(conn, tmp_path, stored, again, expected_ids):
    importing.import_file(conn, _orders(tmp_path, "z1.csv", stored))
    result = importing.import_file(conn, _orders(tmp_path, "z2.csv", again))
    assert result.status == "loaded", result.message
    assert [i for (i,) in conn.execute("SELECT deal_id FROM deals ORDER BY deal_id").fetchall()] == expected_ids
    assert not any("leading zeros" in n for n in result.notes)


def _salesforce_ids(numbers: list[int]) -> list[str]:
    """18-character Salesforce ids, their check computed by the sample generator (numpy, not the import's SQL)."""
    return [str(i) for i in sample.salesforce_ids(np.array(numbers))]


SF18 = _salesforce_ids([30_000_000, 31_000_017, 32_500_301])   # checks AAI, AAY, AAW: upper case counted
SF15 = [i[:15] for i in SF18]


@pytest.mark.parametrize(("stored", "again", "expected_ids", "new", "said"), [
    # a Data Loader export first, a report's 15 characters next: the same deals
    (SF18, SF15, SF18, 0, True),
    # a report first, an API export's 18 next
    (SF15, SF18, SF15, 0, True),
    # one of each form in one file beside 18s stored: both are the stored deals
    (SF18, [SF15[0], SF18[1], SF15[2]], SF18, 0, True),
    # a check that is not the 15's ('AAA' where it is 'AAI'): another id, a new deal
    (SF15[:1], [SF15[0] + "AAA"], [SF15[0], SF15[0] + "AAA"], 1, False),
    # the case of the 15 counts ('...sMy' is not '...smy'): new deals
    (SF18, [i.lower()[:15] for i in SF18], sorted(SF18 + [i.lower()[:15] for i in SF18]), 3, False),
    # 15 characters that are not a Salesforce id's start of any stored 18: a new deal
    (SF18, ["SO-000000000001", "SO-000000000002", "SO-000000000003"],
     sorted(SF18 + ["SO-000000000001", "SO-000000000002", "SO-000000000003"]), 3, False),
])
def test_salesforces_15_and_18_character_ids_are_one_deal(conn, tmp_path, stored, again, expected_ids, new, said):
    importing.import_file(conn, _orders(tmp_path, "sf1.csv", stored))
    result = importing.import_file(conn, _orders(tmp_path, "sf2.csv", again))
    assert result.status == "loaded", result.message
    assert [i for (i,) in conn.execute("SELECT deal_id FROM deals ORDER BY deal_id").fetchall()] == sorted(expected_ids)
    assert result.new == new
    note = [n for n in result.notes if "Salesforce's other form" in n]
    assert bool(note) == said
    if said:
        file_id, stored_id = sorted(zip(again, stored, strict=True), key=lambda p: p[1])[0]
        assert f"{quoting.quoted(file_id)} is the stored {quoting.quoted(stored_id)}" in note[0]


def test_a_salesforce_report_over_the_api_export_updates_and_its_undo_restores(conn, tmp_path):
    """A report of the same deals with one amount changed: one deal updated, its stored id kept; undone,
    the stored deals are as the first export left them."""
    importing.import_file(conn, _orders(tmp_path, "sf1.csv", SF18[:2]))
    before = conn.execute("SELECT * FROM deals ORDER BY deal_id").fetchall()
    result = importing.import_file(conn, _orders(tmp_path, "sf2.csv", SF15[:2], [5000, 7500]))
    assert _after(conn, result) == Outcome(0, 1, 1, sorted(SF18[:2]), 12500.0, False)
    importing.undo_import(conn, result.import_id)
    assert conn.execute("SELECT * FROM deals ORDER BY deal_id").fetchall() == before


def _activities(folder: Path, name: str, ids: list[str]) -> Path:
    """A call log: one call per id, two reps, a day each."""
    path = folder / name
    path.write_text("Activity ID,Assigned,Date,Task Type\n" + "".join(
        f"{i},{'Ann Lee' if k % 2 else 'Bo Chan'},2026-03-{1 + k:02d},Call\n" for k, i in enumerate(ids)))
    return path


@pytest.mark.parametrize(("stored", "again", "form"), [
    (SF18, SF15, "in Salesforce's other form of the same id"),      # a report of the tasks over an API export
    (SF15, SF18, "in Salesforce's other form of the same id"),
    (["000101", "000102", "000103"], ["101", "102", "103"], "only once their leading zeros were left out"),
])
def test_an_activity_logs_ids_in_another_form_are_the_stored_activities(conn, tmp_path, stored, again, form):
    """The same calls re-exported with their ids in another form: each call counted twice before, said only by
    the note of a second source over the same dates."""
    assert importing.import_file(conn, _activities(tmp_path, "calls1.csv", stored)).new == 3
    result = importing.import_file(conn, _activities(tmp_path, "calls2.csv", again))
    assert (result.status, result.new, result.unchanged) == ("loaded", 0, 3), result.message
    assert conn.execute("SELECT count(*) FROM activities").fetchall()[0][0] == 3
    assert sorted(i for (i,) in conn.execute("SELECT activity_id FROM activities").fetchall()) == sorted(stored)
    (note,) = [n for n in result.notes if form in n]
    assert note.startswith("3 activity ids matched stored activities") and "each counts as that activity" in note
    assert not any("counted twice" in n for n in result.notes)
