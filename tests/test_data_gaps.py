"""Months the export misses (analytics/data_gaps.py): found, said on every page that reads them and by the CLI,
and kept out of the year-ago comparison; a quiet team's empty month is not one.

A company closing about 250 deals a month with March and April cut out of its export read them as two months
without a sale, without a word. Exports are seeded and imported as the CLI imports them."""

from __future__ import annotations

import random
from datetime import date, timedelta

import pytest
from helpers import app_test, run_cli

from analytics import store
from analytics.coverage import data_coverage
from analytics.data_gaps import data_gaps
from analytics.periods import parse_period

HEADER = "Opportunity ID,Opportunity Owner,Stage,Amount,Close Date\n"


def _export(per_month: float, skip: set[str], start=date(2024, 1, 1), end=date(2025, 12, 31), seed=3) -> str:
    """Four reps closing ``per_month`` deals a month between them, none in the months of ``skip`` (YYYY-MM)."""
    rng = random.Random(seed)
    lines, day, n = [], start, 0
    while day <= end:
        if f"{day:%Y-%m}" not in skip:
            for _ in range(int(per_month / 30) + (rng.random() < per_month / 30 % 1)):
                n += 1
                stage = "Closed Won" if rng.random() < 0.4 else "Closed Lost"
                lines.append(f"D{n},Rep {n % 4},{stage},{rng.randint(2, 30) * 1000},{day.isoformat()}\n")
        day += timedelta(days=1)
    return HEADER + "".join(lines)


def _db(tmp_path, text: str):
    from short_history_fixtures import database_from_csv

    return database_from_csv(tmp_path, text)


@pytest.mark.parametrize(("per_month", "skip", "said"), [
    (60, {"2025-03", "2025-04"}, ["No deal closed in Mar–Apr 2025, between months of about 6"]),
    (60, {"2024-12", "2025-01"}, ["No deal closed in Dec 2024–Jan 2025, between"]),
    (60, {"2025-06"}, ["No deal closed in Jun 2025, between"]),
    (60, set(), []),
    (4, {"2025-03", "2025-04"}, []),          # four deals a month: an empty month can be real
])
def test_empty_months_inside_the_span_are_found(tmp_path, per_month, skip, said):
    _said_of(tmp_path, _export(per_month, skip), said)


def test_a_stray_row_years_early_is_no_gap(tmp_path):
    """A deal dated 2019 (a typo) before a history from 2024: five empty years, but not between months of data."""
    stray = _export(60, set()).replace(HEADER, HEADER + "S1,Rep 1,Closed Won,5000,2019-06-03\n")
    _said_of(tmp_path, stray, [])


def _said_of(tmp_path, text: str, said: list[str]) -> None:
    conn = store.connect(_db(tmp_path, text))
    try:
        notes = [g.note for g in data_gaps(conn)]
    finally:
        conn.close()
    assert len(notes) == len(said)
    for note, start in zip(notes, said, strict=True):
        assert note.startswith(start), note
        assert "the export likely misses" in note


def test_every_page_and_the_cli_say_it_and_the_year_ago_is_left_out(tmp_path, monkeypatch):
    db = _db(tmp_path, _export(60, {"2025-03", "2025-04"}))
    monkeypatch.setenv("TARGETS_DB", str(db))
    said = "No deal closed in Mar–Apr 2025"
    for page in (None, "pages/baselines.py", "pages/targets.py", "pages/backtest.py", "pages/import_data.py"):
        at = app_test(page)
        assert not at.exception, (page, at.exception)
        assert any(w.value.startswith(said) for w in at.warning), page
        assert not any("A year earlier" in e.value for e in [*at.warning, *at.caption])
    assert said in run_cli("calibrate", "--db", str(db), "--metric", "revenue").stderr
    conn = store.connect(db)
    try:
        missed = data_coverage(conn).misses("revenue")
        assert missed(parse_period("2025-Q1")) and missed(parse_period("2025-Q2"))
        assert not missed(parse_period("2025-Q3")) and not data_coverage(conn).misses("call")(parse_period("2025-Q1"))
    finally:
        conn.close()


def test_the_import_says_what_its_files_leave_empty(tmp_path):
    first, second = tmp_path / "2024.csv", tmp_path / "2025.csv"
    text = _export(60, {"2025-03", "2025-04"}).splitlines(keepends=True)
    first.write_text(HEADER + "".join(t for t in text[1:] if ",2024-" in t), encoding="utf-8")
    second.write_text(HEADER + "".join(t for t in text[1:] if ",2025-" in t), encoding="utf-8")
    out = run_cli("import", "--db", str(tmp_path / "t.duckdb"), str(first), str(second))
    assert out.returncode == 0, out.stderr
    assert out.stdout.splitlines()[-1].startswith("note: No deal closed in Mar–Apr 2025")
