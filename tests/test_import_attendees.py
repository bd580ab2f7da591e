"""Activity exports that list a meeting once per attendee (analytics/importing/attendee_rows.py).

A calendar report writes one row per person invited; counted row by row, a meeting with three
customers is three meetings. The expected counts are worked out here in Python from the generated
meetings, independently of the import's SQL.
"""

from __future__ import annotations

import random
from collections import Counter

import pytest

from analytics import importing, store

REPS = ("Ann Lee", "Bob Stone", "Cara Diaz")
PEOPLE = tuple(f"person{i}@customer.example" for i in range(12))


def _calendar(seed: int, n: int = 60) -> list[dict]:
    """``n`` activities, each with its attendees (a call has one), at distinct starts per rep."""
    rng = random.Random(seed)
    out, used = [], set()
    while len(out) < n:
        rep, kind = rng.choice(REPS), rng.choice(("Meeting", "Meeting", "Demo", "Call"))
        start = f"2025-{rng.randint(1, 6):02d}-{rng.randint(1, 28):02d} {rng.randint(8, 17):02d}:{rng.choice((0, 30)):02d}"
        if (rep, kind, start) in used:
            continue
        used.add((rep, kind, start))
        k = 1 if kind == "Call" else rng.randint(1, 4)
        out.append({"id": f"EV-{len(out) + 1}", "rep": rep, "type": kind, "start": start,
                    "who": rng.sample(PEOPLE, k)})
    return out


def _write(path, events: list[dict], *, with_id: bool, attendee_header: str = "Attendee Email",
           day_only: bool = False) -> None:
    head = (["Activity ID"] if with_id else []) + ["Subject", "Activity Type", "Owner", "Start Date", attendee_header]
    lines = [",".join(head)]
    for e in events:
        start = e["start"][:10] if day_only else e["start"]
        for who in e["who"]:
            lines.append(",".join(([e["id"]] if with_id else []) + [f"{e['type']} with customer", e["type"], e["rep"],
                                                                    start, who]))
    path.write_text("\n".join(lines) + "\n")


def _expected(events: list[dict]) -> Counter:
    return Counter((e["rep"], e["type"].lower()) for e in events)


def _stored(conn) -> Counter:
    rows = conn.execute("SELECT rep, type, sum(count) FROM activities GROUP BY ALL").fetchall()
    return Counter({(rep, kind): int(n) for rep, kind, n in rows})


@pytest.mark.parametrize("seed", [1, 2, 3])
@pytest.mark.parametrize("with_id", [False, True])
def test_a_meeting_listed_once_per_attendee_counts_once(tmp_path, seed, with_id):
    events = _calendar(seed)
    _write(tmp_path / "calendar.csv", events, with_id=with_id)
    conn = store.connect(":memory:")
    result = importing.import_file(conn, tmp_path / "calendar.csv")
    repeats = sum(len(e["who"]) - 1 for e in events)
    assert repeats > 0
    assert (result.status, result.rows_rejected) == ("loaded", 0)
    assert _stored(conn) == _expected(events)
    said = " ".join(result.notes)
    assert f"{repeats} row(s) repeat an activity" in said and "'Attendee Email'" in said
    assert f"{sum(len(e['who']) > 1 for e in events)} activit" in said


def test_a_reimport_is_unchanged_and_undo_removes_each_activity_once(tmp_path):
    events = _calendar(4)
    _write(tmp_path / "calendar.csv", events, with_id=False)
    conn = store.connect(":memory:")
    first = importing.import_file(conn, tmp_path / "calendar.csv")
    again = importing.import_file(conn, tmp_path / "calendar.csv")
    assert (again.new, again.updated, again.unchanged) == (0, 0, len(events))
    assert _stored(conn) == _expected(events)
    assert f"{len(events)} row(s) removed" in importing.undo_import(conn, first.import_id)


def test_dates_without_a_time_cannot_be_collapsed_and_the_note_says_so(tmp_path):
    events = [e for e in _calendar(5) if e["type"] != "Call"]
    _write(tmp_path / "calendar.csv", events, with_id=False, day_only=True)
    conn = store.connect(":memory:")
    result = importing.import_file(conn, tmp_path / "calendar.csv")
    rows = sum(len(e["who"]) for e in events)
    assert sum(_stored(conn).values()) == rows  # (each row counted: no start to tell them apart)
    said = " ".join(result.notes)
    assert "have no time of day" in said and "export it with the activity id or the start time" in said


@pytest.mark.parametrize("header", ["Contact", "Associated Contact", "Participants"])
def test_a_contact_or_a_list_of_participants_is_not_an_attendee_column(tmp_path, header):
    """A call log's contact is the one person each call was to; Pipedrive's Participants lists all of
    one activity's people in one cell: those rows are separate activities, whatever their starts."""
    events = [{**e, "who": e["who"][:1]} for e in _calendar(6)]
    twin = {**events[0], "id": "EV-twin", "who": [p for p in PEOPLE if p not in events[0]["who"]][:1]}
    _write(tmp_path / "calls.csv", [*events, twin], with_id=False, attendee_header=header)
    conn = store.connect(":memory:")
    result = importing.import_file(conn, tmp_path / "calls.csv")
    assert sum(_stored(conn).values()) == len(events) + 1
    assert not any("attendee" in n for n in result.notes)


def test_a_dotted_day_is_not_a_time_of_day(tmp_path):
    """'10.01.2025' (day.month.year) holds no time: two meetings of a rep that day with two customers are two."""
    (tmp_path / "de.csv").write_text("Betreff,Activity Type,Owner,Date,Attendee\n"
                                     "Kickoff,Meeting,Ann Lee,10.01.2025,joe@customer.example\n"
                                     "Review,Meeting,Ann Lee,10.01.2025,sue@customer.example\n"
                                     "Demo,Meeting,Ann Lee,13.01.2025 10.30,joe@customer.example\n"
                                     "Demo,Meeting,Ann Lee,13.01.2025 10.30,sue@customer.example\n")
    conn = store.connect(":memory:")
    result = importing.import_file(conn, tmp_path / "de.csv")
    assert result.status == "loaded", result
    assert sum(_stored(conn).values()) == 3       # (the day-only two, and the 10.30 meeting once)


@pytest.mark.parametrize("midnight", ["2025-01-10T00:00:00.000Z", "2025-01-10 00:00", "2025-01-10T00:00:00+01:00"])
def test_a_date_exported_as_midnight_is_no_time_of_day(tmp_path, midnight):
    """A date field exported as a timestamp at midnight holds no start: two meetings that day stay two."""
    (tmp_path / "mid.csv").write_text("Subject,Activity Type,Owner,Start Date,Attendee\n"
                                      f"Kickoff,Meeting,Ann Lee,{midnight},joe@customer.example\n"
                                      f"Review,Meeting,Ann Lee,{midnight},sue@customer.example\n")
    conn = store.connect(":memory:")
    result = importing.import_file(conn, tmp_path / "mid.csv")
    assert result.status == "loaded", result
    assert sum(_stored(conn).values()) == 2
