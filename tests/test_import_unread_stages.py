"""Closed stages as real exports write them, and a loud warning when stages the import does not know
leave a large share of a deals file open.

A German Salesforce export ('Geschlossen und gewonnen'), numbered stages ('7 - Closed Won') and a Zoho
invoice export (Status = Paid) imported with every deal open and only a note; every later command said
"no deals imported".
"""

from __future__ import annotations

import json

import pytest
from helpers import run_cli

from analytics import importing


def _deals_csv(tmp_path, stages: list[str], *, ids: bool = True, header: str = "Stage") -> str:
    """A deals file of one row per stage, in that order (two reps, one deal a day)."""
    head = ("Opportunity ID," if ids else "") + f"Opportunity Owner,{header},Amount,Close Date\n"
    rows = [("" if not ids else f"D{i},") + f"{'Ann Lee' if i % 2 else 'Bo Chan'},{stage},{1000 + i},"
            f"2025-{1 + i % 12:02d}-{1 + i % 28:02d}" for i, stage in enumerate(stages)]
    path = tmp_path / "deals.csv"
    path.write_text(head + "\n".join(rows) + "\n", encoding="utf-8")
    return str(path)


def _outcomes(conn) -> dict[str, int]:
    return dict(conn.execute("SELECT outcome, count(*) FROM deals GROUP BY ALL").fetchall())


@pytest.mark.parametrize("stages, header, won, lost", [
    (["Geschlossen und gewonnen"] * 3 + ["Geschlossen und verloren"] * 2 + ["Negotiation"], "Stage", 3, 2),
    (["7 - Closed Won", "Stage 7: Closed Won", "07. Closed Lost", "3 - Proposal"], "Stage", 2, 1),
    (["Fechado e ganho", "Afgesloten gewonnen", "Contract Signed", "Lost to competitor"], "Stage", 3, 1),
    (["Paid", "Paid", "Paid"], "Status", 3, 0),
])
@pytest.mark.parametrize("ids", [True, False], ids=["deal ids", "no ids (one read)"])
def test_real_closed_stages_are_read_as_won_and_lost(tmp_path, conn, stages, header, won, lost, ids):
    result = importing.import_file(conn, _deals_csv(tmp_path, stages, ids=ids, header=header), kind="deals")
    assert result.status == "loaded", result.message
    assert _outcomes(conn).get("won", 0) == won and _outcomes(conn).get("lost", 0) == lost
    assert result.warnings == [] and not any("unknown stage" in n for n in result.notes), result.notes


WON, LOST = "Closed Won", "Closed Lost"


@pytest.mark.parametrize("stages, said", [
    # every row under stages the import does not know: none won
    (["Offen"] * 5 + ["In Arbeit"] * 3, ["'Stage': 8 of 8 rows (100%)", "'Offen' 5, 'In Arbeit' 3", "No row is won"]),
    # lost deals beside them, still none won
    (["Offen"] * 2 + [LOST] * 8, ["'Stage': 2 of 10 rows (20%)", "'Offen' 2", "No row is won"]),
    # a large share, some won
    (["Offen"] * 3 + [WON] * 7, ["'Stage': 3 of 10 rows (30%)", "'Offen' 3."]),
    # a few unknown stages beside won deals: the note alone
    (["Offen"] + [WON] * 9, None),
    ([WON, LOST, "Negotiation"], None),
])
@pytest.mark.parametrize("ids", [True, False], ids=["deal ids", "no ids (one read)"])
def test_unknown_stages_holding_many_rows_are_a_warning(tmp_path, conn, stages, said, ids):
    result = importing.import_file(conn, _deals_csv(tmp_path, stages, ids=ids))
    assert result.status == "loaded", result.message
    if said is None:
        assert result.warnings == []
        return
    (warning,) = result.warnings
    for part in said:
        assert part in warning, warning
    assert ("No row is won" in warning) == ("No row is won" in said[-1])
    assert "--map 'COLUMN=is_won'" in warning and "--map 'Stage=-'" in warning
    assert warning in result.notes  # (kept with the import's record)


def test_a_warning_beyond_the_sample_counts_the_whole_file(tmp_path, conn):
    """Unknown stages that first appear after the sampled rows are counted over every row."""
    stages = [WON] * 20_100 + ["Offen"] * 6_000
    result = importing.import_file(conn, _deals_csv(tmp_path, stages, ids=False))
    (warning,) = result.warnings
    assert "'Stage': 6,000 of 26,100 rows (23%)" in warning and "'Offen' 6,000" in warning, warning


def test_the_cli_prints_the_warning_and_json_carries_it(tmp_path):
    path = _deals_csv(tmp_path, ["Offen", "Offen", "In Arbeit"])
    db = str(tmp_path / "cli.duckdb")
    printed = run_cli("import", "--db", db, path)
    assert printed.returncode == 0
    assert "  WARNING: 'Stage': 3 of 3 rows (100%)" in printed.stdout, printed.stdout
    assert printed.stdout.count("3 of 3 rows") == 1  # (not printed again as a note)
    as_json = json.loads(run_cli("import", "--db", str(tmp_path / "j.duckdb"), "--json", path).stdout)
    assert as_json["warnings"] and as_json["warnings"][0].startswith("'Stage': 3 of 3 rows")
