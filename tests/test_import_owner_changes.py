"""A later export naming another owner for closed deals (analytics/importing/owner_changes.py).

When a rep leaves, their records are handed to a colleague, and the next export names the colleague as
the owner of every deal the leaver ever closed: re-imported, 1,356 closed deals of five leavers on the
sample company moved into one rep's history ("1356 updated"), her baseline raised by their sales,
without a word.
"""

from __future__ import annotations

import pytest

from analytics import importing, store

HEADER = "Opportunity ID,Opportunity Owner,Stage,Amount,Created Date,Close Date\n"
STORED = {"D1": ("Ann Lee", "Closed Won", "1000", "2025-02-01"), "D2": ("Ann Lee", "Closed Lost", "300", "2025-02-20"),
          "D3": ("Ann Lee", "Negotiation", "2000", "2025-06-30"), "D4": ("Bob Ray", "Closed Won", "700", "2025-03-01"),
          "D5": ("Cy Park", "Closed Won", "900", "2025-03-05")}


def _file(rows: dict) -> str:
    return HEADER + "".join(f"{d},{rep},{stage},{amount},2025-01-05,{close}\n" for d, (rep, stage, amount, close)
                            in rows.items())


def _reimport(tmp_path, changes: dict):
    (tmp_path / "first.csv").write_text(_file(STORED))
    (tmp_path / "again.csv").write_text(_file({**STORED, **changes}))
    conn = store.connect(tmp_path / "db.duckdb")
    try:
        importing.import_file(conn, tmp_path / "first.csv")
        before = conn.execute("SELECT * EXCLUDE (import_id) FROM deals ORDER BY deal_id").fetchall()
        result = importing.import_file(conn, tmp_path / "again.csv")
        owners = dict(conn.execute("SELECT deal_id, rep FROM deals").fetchall())
        importing.undo_import(conn, result.import_id)
        undone = conn.execute("SELECT * EXCLUDE (import_id) FROM deals ORDER BY deal_id").fetchall()
    finally:
        conn.close()
    assert undone == before
    return result, owners


def test_a_leavers_closed_deals_handed_over_keep_who_closed_them(tmp_path):
    # Ann left: every deal of hers names Bob, who owned D4 before
    result, owners = _reimport(tmp_path, {d: ("Bob Ray", *STORED[d][1:]) for d in ("D1", "D2", "D3")})
    assert owners == {"D1": "Ann Lee", "D2": "Ann Lee", "D3": "Bob Ray", "D4": "Bob Ray", "D5": "Cy Park"}
    assert (result.new, result.updated, result.unchanged) == (0, 1, 4)    # only the open deal moved
    said = [n for n in result.notes if "handover" in n]
    assert said and "2 closed deals" in said[0] and "Ann Lee → Bob Ray: 2" in said[0], result.notes


@pytest.mark.parametrize("changes, moved", [
    # a credit corrected: Ann still owns D2 and D3 in the file
    ({"D1": ("Bob Ray", "Closed Won", "1000", "2025-02-01")}, {"D1": "Bob Ray"}),
    # a rename: the new name owned nothing before, so every deal follows it
    ({d: ("Ann Smith", *STORED[d][1:]) for d in ("D1", "D2", "D3")},
     {"D1": "Ann Smith", "D2": "Ann Smith", "D3": "Ann Smith"}),
    # open when stored, won by Bob since: Bob closed it
    ({"D1": ("Bob Ray", *STORED["D1"][1:]), "D2": ("Bob Ray", *STORED["D2"][1:]),
      "D3": ("Bob Ray", "Closed Won", "2000", "2025-06-30")}, {"D3": "Bob Ray"}),
])
def test_other_owner_changes_are_taken_as_the_file_says(tmp_path, changes, moved):
    result, owners = _reimport(tmp_path, changes)
    assert owners == {d: moved.get(d, STORED[d][0]) for d in STORED}
    closed_moved = [d for d in moved if STORED[d][1].startswith("Closed")]
    if closed_moved:
        assert any("changed owner" in n and "as the file says" in n for n in result.notes), result.notes
