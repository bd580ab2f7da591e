"""The same deals under other ids (a file with ids over deals stored from one without, the other way round,
another id column, or two exports without ids whose deals changed) are refused before anything is written,
naming a pair and the import to undo; a few such deals among new ones are said; a file without ids says
what its made ids mean."""

from __future__ import annotations

import random
from datetime import date, timedelta
from pathlib import Path

import pytest

from analytics import importing
from analytics.importing import other_ids

REPS = ["Ann Lee", "Bo Chan", "Cy Diaz", "Di Eng"]


def _deals(seed: int, n: int, start: date = date(2026, 1, 5)) -> list[dict]:
    rng = random.Random(seed)
    return [{"id": f"006A{seed:02d}{k:07d}", "quote": f"Q-{seed}-{k}", "rep": rng.choice(REPS),
             "stage": rng.choice(["Closed Won", "Closed Won", "Closed Lost", "Negotiation"]),
             "amount": rng.randrange(10, 900) * 100, "close": start + timedelta(days=rng.randrange(150))}
            for k in range(n)]


def _write(folder: Path, name: str, deals: list[dict], id_column: str | None = "Opportunity ID") -> Path:
    key = {"Opportunity ID": "id", "Order Number": "quote"}.get(id_column or "")
    head = ([id_column] if id_column else []) + ["Opportunity Owner", "Stage", "Amount", "Close Date"]
    lines = [",".join(head)] + [",".join(([d[key]] if key else []) + [d["rep"], d["stage"], str(d["amount"]),
                                                                       d["close"].isoformat()]) for d in deals]
    path = folder / name
    path.write_text("\n".join(lines) + "\n")
    return path


def _stored(conn) -> list[tuple]:
    return conn.execute("SELECT * FROM deals ORDER BY deal_id").fetchall()


@pytest.mark.parametrize(("first_column", "second_column", "change", "why"), [
    # a report without ids first, the CRM's ids next
    (None, "Opportunity ID", False, "a file without a deal id column, whose deals were given ids made from their values"),
    # the other way round
    ("Opportunity ID", None, False, "This file has no deal id column"),
    # another id column of the same deals
    ("Opportunity ID", "Order Number", False, "were imported with another id column"),
    # two exports without ids, the open deals won since: their made ids changed with their stage
    (None, None, True, "Neither this file nor first.csv (import 1) has a deal id column"),
])
def test_the_same_deals_under_other_ids_are_refused_and_nothing_is_written(conn, tmp_path, first_column, second_column,
                                                                           change, why):
    deals = _deals(1, 60)
    first = importing.import_file(conn, _write(tmp_path, "first.csv", deals, first_column))
    assert first.status == "loaded" and first.new == 60
    before = _stored(conn)
    again = [{**d, "stage": "Closed Won"} for d in deals if d["stage"] == "Negotiation"] if change else deals
    result = importing.import_file(conn, _write(tmp_path, "second.csv", again, second_column))
    assert result.status == "refused"
    assert f"{len(again)} of this file's {len(again)} new deals have the owner, close date and amount" in result.message
    assert why in result.message
    assert "(import 1)" in result.message and "imports undo 1" in result.message
    assert _stored(conn) == before


def test_after_undoing_the_import_without_ids_the_file_with_ids_imports(conn, tmp_path):
    deals = _deals(2, 40)
    first = importing.import_file(conn, _write(tmp_path, "report.csv", deals, None))
    assert importing.import_file(conn, _write(tmp_path, "api.csv", deals)).status == "refused"
    importing.undo_import(conn, first.import_id)
    result = importing.import_file(conn, _write(tmp_path, "api.csv", deals))
    assert (result.status, result.new) == ("loaded", 40)
    assert conn.execute("SELECT count(*), sum(amount) FROM deals").fetchall()[0] == (40, sum(d["amount"] for d in deals))


def test_a_weeks_new_deals_import_and_a_few_paired_ones_are_said(conn, tmp_path):
    """The next export adds 40 deals of later dates: loaded without a word; 3 of them with the owner, close
    date and amount of stored deals the file leaves out: loaded, said in a note naming a pair."""
    stored = _deals(3, 60)
    assert importing.import_file(conn, _write(tmp_path, "q1.csv", stored)).new == 60
    later = _deals(4, 40, start=date(2026, 7, 1))
    plain = importing.import_file(conn, _write(tmp_path, "w1.csv", stored + later))
    assert (plain.status, plain.new, plain.unchanged) == ("loaded", 40, 60)
    assert not any("under other ids" in n for n in plain.notes)
    paired = [{**d, "id": f"NEW-{k}"} for k, d in enumerate(stored[:3])]
    result = importing.import_file(conn, _write(tmp_path, "w2.csv", stored[3:] + later + paired))
    assert (result.status, result.new) == ("loaded", 3)
    (note,) = [n for n in result.notes if "under other ids" in n]
    assert note.startswith("3 of this file's 3 new deals have the owner, close date and amount of a stored deal")
    assert "'NEW-0' here is the stored '006A030000000'" in note


@pytest.mark.parametrize(("pairs", "new", "refused"), [(4, 4, False), (5, 10, True), (5, 11, False), (60, 60, True)])
def test_a_refusal_needs_enough_pairs_and_half_the_new_deals(pairs, new, refused):
    assert other_ids.refused(other_ids.Paired(pairs, new, None, None)) is refused


def test_a_file_without_ids_says_what_its_ids_are_and_a_file_with_ids_does_not(conn, tmp_path):
    without = importing.import_file(conn, _write(tmp_path, "a.csv", _deals(5, 10), None))
    assert other_ids.NO_ID_NOTE in without.notes
    with_ids = importing.import_file(conn, _write(tmp_path, "b.csv", _deals(6, 10)))
    assert other_ids.NO_ID_NOTE not in with_ids.notes
