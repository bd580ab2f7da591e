"""A column holding quotas in a file of another kind (a roster's 'Annual Quota') is named in a note: the
import leaves it out (a quota needs its period), and without a word a manager believes the quotas are in."""

from __future__ import annotations

import pytest

from analytics import importing, store

QUOTA_NOTE = "like quotas and"


@pytest.mark.parametrize("name, text, kind, noted", [
    ("roster_quota.csv", "Sales Rep,Team,Start Date,Annual Quota\nAnn Lee,West,2023-01-09,480000\n"
                         "Bob Ray,East,2022-06-01,520000\n", "reps", "'Annual Quota'"),
    ("deals_quota.csv", "Opportunity ID,Opportunity Owner,Stage,Amount,Close Date,Owner Quota,Sales Goal\n"
                        "D1,Ann Lee,Closed Won,1200,2024-01-15,120000,100000\n", "deals", "'Owner Quota', 'Sales Goal'"),
    ("deals_target_date.csv", "Opportunity ID,Opportunity Owner,Stage,Amount,Close Date,Target Close Date\n"
                              "D1,Ann Lee,Closed Won,1200,2024-01-15,2024-01-31\n", "deals", None),
    ("quotas.csv", "Sales Rep,Quarter,Quota,Attainment\nAnn Lee,2024-Q1,120000,98000\n", "targets", None),
])
def test_a_quota_column_another_kind_leaves_out_is_named(tmp_path, name, text, kind, noted):
    path = tmp_path / name
    path.write_text(text)
    conn = store.connect(":memory:")
    preview = importing.inspect_file(conn, path)
    result = importing.import_file(conn, path)
    assert (result.status, result.kind) == ("loaded", kind)
    for notes in (preview.notes, result.notes):
        said = [n for n in notes if QUOTA_NOTE in n]
        if noted is None:
            assert not said, notes
        else:
            assert len(said) == 1 and noted in said[0] and "targets file" in said[0], notes
    assert conn.execute("SELECT count(*) FROM quotas").fetchall()[0][0] == (1 if kind == "targets" else 0)
