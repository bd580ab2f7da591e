"""A re-export of stored deals in another unit or currency (thousands for units, EUR for USD): refused, naming it.

A deal report saved "in thousands" writes 56 for 56,000 and says so nowhere, least of all in its
header. Imported over the same deals stored in units, every amount it matched was updated to a
thousandth ("3389 updated"): the year's revenue, its baselines and every target built on them fell a
thousandfold without a word. The deals it shares with those stored say which unit it is in: the same
deal's amount is the same sale, so the median of file / stored over them is 1 for a re-export, and
1/1,000 or 1/1,000,000 (or the inverse) for a change of unit (judged as quota units are:
:func:`analytics.importing.quota_units.evident_factor`). Such a file is refused before anything is
written, naming a deal, both amounts, and the unit to import it with.

Another factor moves them together too: the same deals in EUR for USD without a currency column (0.92 times,
each at its day's rate), amounts before tax, another amount column. When most shared closed deals changed
and most of those moved within 10% of one median ratio that is not 1 (:func:`common_factor`), the file is
refused naming the factor; open deals are not judged (a price list may reprice them all at once).

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
    differ, the median of file / stored over them, one that differs (id, file's, stored), and how many
    of those that differ are within :data:`NEAR_MEDIAN` of the median ratio."""

    compared: int
    changed: int
    median_ratio: float | None
    example: tuple[str, float, float] | None
    near_median: int = 0


NEAR_MEDIAN = 1.1
"""A changed deal's ratio within this factor of the median ratio moved with the others (a currency's dated
rates, a tax rate, vary by a few percent; a deal's own change of price by any amount)."""


def evidence(conn: duckdb.DuckDBPyConnection, cls: str, where: str = "TRUE") -> UnitEvidenceOfDeals:
    """:class:`UnitEvidenceOfDeals` from the verdict table ``cls`` (:data:`VERDICT_COLUMNS` beside ``deal_id``),
    over its deals that pass ``where``."""
    compared, changed, ratio, example, near = conn.execute(
        f"WITH c AS (SELECT deal_id, file_amount, stored_amount, file_amount / stored_amount AS r FROM {cls} "
        f"           WHERE file_amount > 0 AND stored_amount > 0 AND {where}), "
        f"m AS (SELECT median(r) AS med FROM c) "
        f"SELECT count(*), count(*) FILTER (WHERE file_amount <> stored_amount), any_value(m.med), "
        f"arg_min([deal_id, file_amount::VARCHAR, stored_amount::VARCHAR], deal_id) "
        f"FILTER (WHERE file_amount <> stored_amount), "
        f"count(*) FILTER (WHERE file_amount <> stored_amount AND r BETWEEN m.med / {NEAR_MEDIAN} AND m.med * {NEAR_MEDIAN}) "
        f"FROM c, m"
    ).fetchall()[0]
    return UnitEvidenceOfDeals(int(compared), int(changed), None if ratio is None else float(ratio),
                               (example[0], float(example[1]), float(example[2])) if example else None, int(near))


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


SAME_AMOUNT = 1.02
"""A median ratio within this factor of 1 is the same amounts (rounding, a deal or two repriced)."""


def common_factor(found: UnitEvidenceOfDeals) -> float | None:
    """The ratio file / stored that most shared deals' amounts moved by together, when it is not a unit:
    another currency, amounts before or after tax or a discount, another amount column. None when the
    amounts are the same, too few deals are shared or changed, or they changed each by its own.

    >>> common_factor(UnitEvidenceOfDeals(40, 40, 0.92, None, 38))      # EUR for USD, at dated rates
    0.92
    >>> common_factor(UnitEvidenceOfDeals(40, 40, 0.92, None, 20)) is None   # each by its own: repriced
    True
    >>> common_factor(UnitEvidenceOfDeals(40, 40, 1.01, None, 40)) is None   # the same amounts, rounded
    True
    """
    ratio = found.median_ratio
    if (found.compared < MIN_SHARED or found.changed < MOST_CHANGED * found.compared or not ratio or ratio <= 0
            or 1 / SAME_AMOUNT <= ratio <= SAME_AMOUNT or found.near_median < MOST_CHANGED * found.changed):
        return None
    return ratio


def common_factor_text(ratio: float, changed: int, compared: int, example: tuple[str, float, float] | None) -> str:
    """Why the file is refused: most shared deals' amounts moved by one factor.

    >>> print(common_factor_text(0.92, 3389, 3389, ("D-001", 51520.0, 56000.0)))
    the amounts of 3,389 of the 3,389 deals this file shares with those stored are about 0.92 times the stored ones (D-001: 51,520 here, 56,000 stored): the same deals, their amounts in another currency, before or after tax or a discount, or from another amount column. Import the amounts the stored deals were imported with (the same column and currency; or multiplied by 1.087, the Import page's "Multiply amounts by", CLI --unit 1.087, if one factor is right), or undo the earlier import if that one was wrong
    """
    shown = (f" ({example[0]}: {formatting.count(example[1])} here, {formatting.count(example[2])} stored)"
             if example else "")
    back = f"{1 / ratio:.4g}"
    return (f"the amounts of {changed:,} of the {compared:,} deals this file shares with those stored are about "
            f"{ratio:.3g} times the stored ones{shown}: the same deals, their amounts in another currency, before or "
            "after tax or a discount, or from another amount column. Import the amounts the stored deals were "
            f"imported with (the same column and currency; or multiplied by {back}, the Import page's \"Multiply "
            f"amounts by\", CLI --unit {back}, if one factor is right), or undo the earlier import if that one was "
            "wrong")


def refusal(conn: duckdb.DuckDBPyConnection, cls: str, closed: str | None = None) -> str | None:
    """The refusal of a file whose shared deals' amounts are the stored ones in another unit, or moved
    together by another factor (:func:`common_factor`), or None.

    ``closed``: the column of ``cls`` saying a deal was stored closed, when it has one. Another factor is
    judged on those deals alone: a price list raised by 5% may reprice every open deal, never a sale made."""
    found = evidence(conn, cls)
    if (factor := unit_change(found)) is not None:
        return refusal_text(factor, found.changed, found.compared, found.example)
    sold = evidence(conn, cls, closed) if closed else found
    if (ratio := common_factor(sold)) is not None:
        return common_factor_text(ratio, sold.changed, sold.compared, sold.example)
    return None
