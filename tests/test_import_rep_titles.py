"""A rep named with a title in one file ('Dr. Ann Lee' in the roster) and without it in another ('Ann Lee'
in the deals) is named in the note of spellings, as 'Lee, Ann' is; a Jr. or Sr. still tells two people apart.

Before, the two were two reps without a word: the roster's rep owned no deal, the deals' rep was in no team.
"""

from __future__ import annotations

import pytest

from analytics import importing
from analytics.importing.rep_spellings import name_key


@pytest.mark.parametrize("a, b, same", [
    ("Dr. Ann Lee", "Ann Lee", True), ("Ms Ann Lee", "Lee, Ann", True), ("PROF. ANN LEE", "ann lee", True),
    ("Ann Lee Jr.", "Ann Lee", False), ("Dr.", "Ann Lee", False), ("Drew Lee", "Lee", False),
])
def test_a_title_is_no_part_of_the_name(a, b, same):
    assert (name_key(a) == name_key(b)) is same


def test_a_titled_roster_name_and_the_deals_untitled_one_are_said(conn, tmp_path):
    (tmp_path / "roster.csv").write_text("Sales Rep,Team\nDr. Ann Lee,West\nBob Ray,East\n")
    (tmp_path / "deals.csv").write_text("Deal ID,Owner,Stage,Amount,Close Date\nD1,Ann Lee,Won,1000,2024-03-01\n"
                                        "D2,Bob Ray,Won,500,2024-03-02\n")
    assert importing.import_file(conn, tmp_path / "roster.csv").status == "loaded"
    notes = [n for n in importing.import_file(conn, tmp_path / "deals.csv").notes if "more than one spelling" in n]
    assert len(notes) == 1 and "'Ann Lee' (1 row) and 'Dr. Ann Lee' (1 row)" in notes[0]
