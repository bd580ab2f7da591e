"""Small deal exports of too little history, imported as the CLI imports them: what a first import of a
young CRM looks like (no complete period; one; a team's history beside a hire's first deal; outcomes a
simple rule forecasts exactly)."""

from __future__ import annotations

import random
from datetime import date, timedelta
from pathlib import Path

HEADER = "Opportunity ID,Opportunity Owner,Stage,Amount,Close Date\n"

FIRST_DAYS = HEADER + """A1,Solo Rep,Closed Won,5000,2024-11-02
A2,Solo Rep,Closed Won,7000,2024-11-05
B1,Two Rep,Closed Won,9000,2024-11-03
"""
"""Three deals in the first days of 2024-11: no complete month, nor quarter."""
FIRST_DAYS_SPAN = ("02 Nov 2024", "05 Nov 2024")

ONE_MONTH = HEADER + """A1,Solo Rep,Closed Won,5000,2024-09-03
A2,Solo Rep,Closed Won,7000,2024-10-14
"""
"""One complete month (2024-09) before the data's last day, 2024-10-14."""

TEAM_AND_HIRE = HEADER + "".join(
    f"O{m},Old Hand,Closed Won,{(2 + m % 3) * 10_000},2024-{m:02d}-15\n" for m in range(1, 11)
) + "N1,New Hire,Closed Won,50000,2024-10-10\n"
"""A rep with ten months of history and a hire whose first deal is in the last, incomplete month (2024-10)."""

SAME_EVERY_MONTH = HEADER + """A1,Ann Lee,Closed Won,1000,2023-01-05
B1,Bo Chan,Closed Won,1000,2023-01-06
A2,Ann Lee,Closed Won,1000,2024-01-05
B2,Bo Chan,Closed Won,1000,2024-01-06
"""
"""Deals only in January: every month tested (2023-05 .. 2023-12) is a zero, which last month's zero
forecasts exactly, so the best simple rule's error is 0."""


LATE_IN_QUARTER_REPS = ("Ann Lee", "Bo Chan", "Cy Diaz", "Di Park", "Ed Moss", "Flo Ng")


def late_in_quarter_team(start: date = date(2024, 9, 20), end: date = date(2024, 11, 13), seed: int = 5) -> str:
    """Six reps each closing about eight deals a month from ``start`` to ``end``, won three times in ten: a
    history that starts eleven days before a quarter's end (that quarter holds a sliver's closes) and stops
    inside the next."""
    rng = random.Random(seed)
    lines, day, n = [], start, 0
    while day <= end:
        for rep in LATE_IN_QUARTER_REPS:
            if rng.random() < 8 / 30:
                n += 1
                stage = "Closed Won" if rng.random() < 0.3 else "Closed Lost"
                lines.append(f"D{n},{rep},{stage},{rng.randint(5, 40) * 1000},{day.isoformat()}\n")
        day += timedelta(days=1)
    return HEADER + "".join(lines)


def database_from_csv(folder: Path, text: str, db: Path | None = None) -> Path:
    """The database ``db`` (default ``folder/deals.duckdb``) holding the deals of the export ``text``."""
    from analytics import importing, store

    source = folder / "deals.csv"
    source.write_text(text, encoding="utf-8")
    db = db or folder / "deals.duckdb"
    conn = store.connect(db)
    try:
        assert importing.import_file(conn, source).status == "loaded"
    finally:
        conn.close()
    return db


LATE_IN_QUARTER = late_in_quarter_team()
"""The export of :func:`late_in_quarter_team`: 2024-Q3 holds its first eleven days, 2024-Q4 is not over."""
