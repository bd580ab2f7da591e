"""A re-export that no longer holds a stored deal: the deal stays counted, and the import says so
(analytics/importing/absent_deals.py). Exports of other reps, or of other dates, say nothing."""

from __future__ import annotations

import pytest

from analytics import importing, store

HEADER = "Opportunity ID,Opportunity Owner,Stage,Amount,Close Date\n"
FIRST = HEADER + ("D1,Ann Lee,Closed Won,1000,2026-01-05\nD2,Ann Lee,Closed Won,2000,2026-02-05\n"
                  "D3,Ann Lee,Closed Lost,500,2026-02-20\nD4,Bo Chan,Closed Won,3000,2026-02-06\n")


@pytest.mark.parametrize(("second", "said"), [
    # the same report taken again: D2 deleted in the CRM, D3 merged into D5
    (HEADER + "D1,Ann Lee,Closed Won,1000,2026-01-05\nD5,Ann Lee,Closed Won,2500,2026-03-01\n",
     "2 closed deals already stored for this file's reps, closed within its dates (05 Jan 2026 to 01 Mar 2026), "
     "are not in it (D2, D3): an import adds and updates deals, never removes one, so they stay counted"),
    (HEADER + "D1,Ann Lee,Closed Won,1000,2026-01-05\nD2,Ann Lee,Closed Won,2000,2026-02-05\n"
     "D3,Ann Lee,Closed Lost,500,2026-02-20\n", None),                              # all still there
    (HEADER + "D4,Bo Chan,Closed Won,3100,2026-02-06\nD6,Bo Chan,Closed Won,900,2026-01-02\n", None),  # Bo's team
    (HEADER + "D7,Ann Lee,Closed Won,1000,2026-04-05\nD8,Ann Lee,Closed Won,1000,2026-05-05\n", None),  # later dates
])
def test_a_stored_deal_a_re_export_leaves_out_is_said(tmp_path, second, said):
    conn = store.connect(tmp_path / "db.duckdb")
    (tmp_path / "first.csv").write_text(FIRST)
    (tmp_path / "second.csv").write_text(second)
    first = importing.import_file(conn, tmp_path / "first.csv")
    assert first.status == "loaded" and not any("already stored for this file's reps" in n for n in first.notes)
    result = importing.import_file(conn, tmp_path / "second.csv")
    assert result.status == "loaded"
    notes = [n for n in result.notes if "already stored for this file's reps" in n]
    assert notes == ([] if said is None else [notes[0]]) and (said is None or notes[0].startswith(said))
    # nothing is removed: the note is the only change a left-out deal makes
    stored = {d for (d,) in conn.execute("SELECT deal_id FROM deals").fetchall()}
    assert {"D1", "D2", "D3", "D4"} <= stored
    conn.close()
