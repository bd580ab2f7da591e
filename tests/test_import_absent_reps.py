"""A roster that leaves out stored reps says so (analytics/importing/absent_reps.py).

An HR export of today's headcount leaves out the reps who left; imported over the stored roster, each
stayed on the team without an end date, with a range and a target proposed for next period, and
nothing said so.
"""

from __future__ import annotations

import pytest

from analytics import importing, store

STORED = ("Sales Rep,Team,Start Date,End Date\n"
          "Ann Lee,North,2023-01-01,\nBob Ray,North,2023-01-01,\nCy Park,North,2023-01-01,2025-06-30\n"
          "Di Moss,South,2023-01-01,\nEd Yu,South,2023-01-01,\n")


@pytest.mark.parametrize("again, absent", [
    ("Sales Rep,Team,Start Date\nAnn Lee,North,2023-01-01\nDi Moss,South,2023-01-01\n", ["Bob Ray", "Ed Yu"]),
    # one team's roster: the other team's reps are not its to list
    ("Sales Rep,Team\nAnn Lee,North\n", ["Bob Ray"]),
    # no team column: every stored rep is the file's to list
    ("Sales Rep,Region\nAnn Lee,West\nBob Ray,East\nDi Moss,West\n", ["Ed Yu"]),
    # everyone still there (Cy left with an end date): nothing to say
    ("Sales Rep,Team\nAnn Lee,North\nBob Ray,North\nDi Moss,South\nEd Yu,South\n", []),
])
def test_stored_reps_a_roster_leaves_out_are_named(tmp_path, again, absent):
    (tmp_path / "reps.csv").write_text(STORED)
    (tmp_path / "today.csv").write_text(again)
    conn = store.connect(tmp_path / "db.duckdb")
    try:
        importing.import_file(conn, tmp_path / "reps.csv")
        result = importing.import_file(conn, tmp_path / "today.csv", kind="reps")
        stored = conn.execute("SELECT count(*) FROM reps").fetchall()[0][0]
    finally:
        conn.close()
    assert result.status == "loaded" and stored == 5, result.message    # nobody removed
    said = [n for n in result.notes if "of the stored roster" in n]
    if not absent:
        assert not said, said
        return
    assert len(said) == 1 and f"({', '.join(absent)})" in said[0] and "no end date" in said[0], said
