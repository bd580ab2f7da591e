"""Two exports of the same activities, imported one after the other: both count, so the import says so.

A weekly report of counts by type and the CRM's call log share no key: the log's calls were added to
the weekly counts of the same weeks without a word (analytics.importing.activity_overlap). Files that
follow each other in time, hold other types or other reps, or export the same log again are not
another source and say nothing.
"""

from __future__ import annotations

import random
from datetime import date, timedelta
from pathlib import Path

import pytest

from analytics import importing, store

WEEKLY_HEADER = "Assigned To,Week Starting,Activity Type,Count\n"
LOG_HEADER = "Assigned To,Activity Date,Activity Type,Subject\n"


def _weekly(path: Path, reps: list[str], start: date, weeks: int, kinds=("Call", "Meeting")) -> Path:
    rows = [f"{rep},{start + timedelta(weeks=w):%Y-%m-%d},{kind},{40 if kind == 'Call' else 4}\n"
            for rep in reps for w in range(weeks) for kind in kinds]
    path.write_text(WEEKLY_HEADER + "".join(rows))
    return path


def _log(path: Path, rep: str, first: date, days: int, n: int, kind: str = "Call", seed: int = 1) -> Path:
    rng = random.Random(seed)
    rows = [f"{rep},{first + timedelta(days=rng.randrange(days)):%m/%d/%Y},{kind},Follow-up\n" for _ in range(n)]
    path.write_text(LOG_HEADER + "".join(rows))
    return path


def _notes(conn, path: Path) -> list[str]:
    result = importing.import_file(conn, path)
    assert result.status == "loaded", result.message
    return [n for n in result.notes if "counted twice" in n]


def test_a_call_log_over_weeks_a_weekly_report_holds_is_said_either_way(tmp_path):
    weekly = _weekly(tmp_path / "weekly.csv", ["Ann Lee", "Bob Ray"], date(2026, 1, 5), 12)
    log = _log(tmp_path / "calls.csv", "Ann Lee", date(2026, 2, 2), 28, 90)
    for order in ((weekly, log), (log, weekly)):
        conn = store.connect(":memory:")
        assert _notes(conn, order[0]) == []
        (note,) = _notes(conn, order[1])
        if order[1] is log:
            assert note.startswith("90 calls of this file (Ann Lee; ")
            assert "for which weekly.csv already holds calls of the same reps" in note
        else:   # the weekly report's calls of Ann's weeks that the log covers (four weeks of 40)
            assert note.startswith("160 calls of this file (Ann Lee; 02 Feb 2026 to 23 Feb 2026)")
            assert "for which calls.csv already holds calls" in note
        assert "undo this import and keep one source" in note
        # nothing is refused or dropped: the manager decides which source to keep
        assert conn.execute("SELECT sum(count) FROM activities WHERE type = 'call' AND rep = 'Ann Lee'"
                            ).fetchall()[0][0] == 12 * 40 + 90
        conn.close()


@pytest.mark.parametrize("case", ["next month", "other type", "other rep", "same log again", "late rows added"])
def test_files_that_are_no_second_source_say_nothing(tmp_path, case):
    conn = store.connect(":memory:")
    if case in ("other type", "other rep"):
        _notes(conn, _weekly(tmp_path / "weekly.csv", ["Ann Lee"], date(2026, 1, 5), 12, kinds=("Call",)))
        second = _log(tmp_path / "log.csv", "Ann Lee" if case == "other type" else "Cy Dunn", date(2026, 2, 2), 28,
                      60, kind="Meeting" if case == "other type" else "Call")
    else:
        assert _notes(conn, _log(tmp_path / "january.csv", "Ann Lee", date(2026, 1, 1), 31, 80)) == []
        second = {
            "next month": lambda: _log(tmp_path / "february.csv", "Ann Lee", date(2026, 2, 1), 28, 70, seed=2),
            "same log again": lambda: tmp_path / "january.csv",
            "late rows added": lambda: _append(tmp_path / "january.csv", tmp_path / "january_again.csv", 15),
        }[case]()
    assert _notes(conn, second) == []
    conn.close()


def _append(source: Path, path: Path, n: int) -> Path:
    """The same export taken again with ``n`` activities logged late (in the same month)."""
    extra = [f"Ann Lee,01/{day:02d}/2026,Call,Logged late\n" for day in range(10, 10 + n)]
    path.write_text(source.read_text() + "".join(extra))
    return path


def test_a_log_without_ids_never_replaces_a_weeks_count_and_undo_takes_only_its_own(tmp_path):
    """A log's first call of a Monday had the made key of the weekly report's row of that week (rep, day, raw
    type, first of them): it was read as that row changed, the week's 40 calls became 1, and undoing the log
    then deleted the week's row. Counts and single activities now match keys only within their own shape."""
    weekly = _weekly(tmp_path / "weekly.csv", ["Ann Lee"], date(2026, 1, 5), 8, kinds=("Call",))
    log = tmp_path / "log.csv"
    log.write_text(LOG_HEADER + "".join(f"Ann Lee,{d:%m/%d/%Y},Call,Follow-up\n"
                                        for d in (date(2026, 1, 12), date(2026, 1, 12), date(2026, 1, 13))))
    conn = store.connect(":memory:")
    _notes(conn, weekly)
    result = importing.import_file(conn, log)
    assert (result.new, result.updated, result.unchanged) == (3, 0, 0)

    def calls() -> int:
        return conn.execute("SELECT sum(count) FROM activities WHERE type = 'call'").fetchall()[0][0]

    assert calls() == 8 * 40 + 3
    assert importing.import_file(conn, log).unchanged == 3          # the same log again matches itself
    assert importing.import_file(conn, weekly).unchanged == 8       # and so does the report
    log_import = conn.execute("SELECT max(import_id) FROM imports WHERE file_name = 'log.csv' AND n_new = 3"
                              ).fetchall()[0][0]
    from analytics.importing import history
    history.undo_import(conn, log_import)
    assert calls() == 8 * 40
    conn.close()


def test_a_re_export_with_ids_that_moved_a_call_is_the_same_source(tmp_path):
    """The CRM's log with ids exported again: two calls rescheduled to another day, new calls added. The moved
    calls' stored days are not held by the file's days, yet their ids are: the same source, nothing to say."""
    header = "Activity ID,Assigned To,Activity Date,Activity Type\n"
    days = [date(2026, 3, 2) + timedelta(days=d) for d in range(0, 28)]
    first = [f"A{i},Ann Lee,{d:%Y-%m-%d},Call\n" for i, d in enumerate(days)]
    moved = [f"A{i},Ann Lee,{date(2026, 3, 20):%Y-%m-%d},Call\n" for i in (0, 27)]   # the first and the last
    again = [*first[1:27], *moved, *(f"B{i},Ann Lee,{d:%Y-%m-%d},Call\n" for i, d in enumerate(days[::2]))]
    (tmp_path / "log.csv").write_text(header + "".join(first))
    (tmp_path / "log_again.csv").write_text(header + "".join(again))
    conn = store.connect(":memory:")
    assert _notes(conn, tmp_path / "log.csv") == []
    result = importing.import_file(conn, tmp_path / "log_again.csv")
    assert (result.new, result.updated) == (14, 2)
    assert not [n for n in result.notes if "counted twice" in n]
    conn.close()
