"""A re-export of stored deals in another unit (thousands against units): refused, naming the unit.

A deal report saved "in thousands" writes 56 for 56,000 and says so nowhere, least of all in its
header. Imported over the same deals stored in units, every amount it matched was updated to a
thousandth ("3389 updated"): the year's revenue, its baselines and every target built on them fell a
thousandfold without a word. The deals it shares with those stored say which unit it is in: the same
deal's amount is the same sale, so the median of file / stored over them is 1 for a re-export, and
1/1,000 or 1/1,000,000 (or the inverse) for a change of unit (judged as quota units are:
:func:`analytics.importing.quota_units.evident_factor`). Such a file is refused before anything is
written, naming a deal, both amounts, and the unit to import it with.

>>> print(refusal_text(1000.0, 3389, 3389, ("D-001", 56.0, 56000.0)))
the amounts of 3,389 of the 3,389 deals this file shares with those stored are a thousandth of the stored ones (D-001: 56 here, 56,000 stored): the file is in thousands. Import it with its amounts multiplied by 1000 (the Import page's "Multiply amounts by"; CLI --unit 1000), or undo the earlier import if that one was wrong
>>> unit_change(UnitEvidenceOfDeals(3389, 3389, 0.001, None))
1000.0
"""

from __future__ import annotations

from typing import NamedTuple

import duckdb

from analytics import formatting
from analytics.importing.quota_units import UnitEvidence, evident_factor

FILE_COLUMNS = ["f.amount AS file_amount"]
STORED_COLUMNS = ["t.amount AS stored_amount"]
VERDICT_COLUMNS = ["f.file_amount", "t.stored_amount"]
"""What ``cls`` keeps of each deal's amount, in the file (``f``) and stored (``t``)."""

_WORDS = {1_000.0: ("a thousandth of", "thousands"), 1_000_000.0: ("a millionth of", "millions"),
          0.001: ("a thousand times", "units where the stored deals are in thousands"),
          0.000_001: ("a million times", "units where the stored deals are in millions")}


class UnitEvidenceOfDeals(NamedTuple):
    """The deals a file shares with those stored, both with a positive amount: how many, how many
    differ, the median of file / stored over them, and one that differs (id, file's, stored)."""

    compared: int
    changed: int
    median_ratio: float | None
    example: tuple[str, float, float] | None


def evidence(conn: duckdb.DuckDBPyConnection, cls: str) -> UnitEvidenceOfDeals:
    """:class:`UnitEvidenceOfDeals` from the verdict table ``cls`` (:data:`VERDICT_COLUMNS` beside ``deal_id``)."""
    compared, changed, ratio, example = conn.execute(
        f"SELECT count(*), count(*) FILTER (WHERE file_amount <> stored_amount), median(file_amount / stored_amount), "
        f"arg_min([deal_id, file_amount::VARCHAR, stored_amount::VARCHAR], deal_id) "
        f"FILTER (WHERE file_amount <> stored_amount) FROM {cls} WHERE file_amount > 0 AND stored_amount > 0"
    ).fetchall()[0]
    return UnitEvidenceOfDeals(int(compared), int(changed), None if ratio is None else float(ratio),
                               (example[0], float(example[1]), float(example[2])) if example else None)


MIN_SHARED = 5
"""Fewer shared deals than this say nothing of a unit (test files reuse ids like T1 for other sales)."""
MOST_CHANGED = 0.8
"""The share of the shared deals whose amount differs that a change of unit needs: a unit moves them all."""


def unit_change(found: UnitEvidenceOfDeals) -> float | None:
    """What the file's amounts must be multiplied by to be in the stored deals' unit, when evident.

    >>> unit_change(UnitEvidenceOfDeals(3, 2, 0.001, None)) is None     # too few to tell
    True
    >>> unit_change(UnitEvidenceOfDeals(40, 20, 0.001, None)) is None   # half of them: not a unit
    True
    """
    if found.compared < MIN_SHARED or found.changed < MOST_CHANGED * found.compared:
        return None
    return evident_factor(UnitEvidence(found.compared, found.median_ratio))


def refusal_text(factor: float, changed: int, compared: int, example: tuple[str, float, float] | None) -> str:
    """Why the file is refused, with a deal's two amounts and the unit to import it with."""
    size, unit = _WORDS[factor]   # (the factors evident_factor gives)
    times = f"{factor:.0f}" if factor >= 1 else f"{factor:g}"
    shown = (f" ({example[0]}: {formatting.count(example[1])} here, {formatting.count(example[2])} stored)"
             if example else "")
    return (f"the amounts of {changed:,} of the {compared:,} deals this file shares with those stored are {size} the "
            f"stored ones{shown}: the file is in {unit}. Import it with its amounts multiplied by {times} (the "
            f"Import page's \"Multiply amounts by\"; CLI --unit {times}), or undo the earlier import if that one "
            "was wrong")


def refusal(conn: duckdb.DuckDBPyConnection, cls: str) -> str | None:
    """The refusal of a file whose shared deals' amounts are the stored ones in another unit, or None."""
    found = evidence(conn, cls)
    factor = unit_change(found)
    return None if factor is None else refusal_text(factor, found.changed, found.compared, found.example)
