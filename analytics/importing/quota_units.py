"""The unit of imported quotas, judged against the same reps' won revenue in the same periods.

A quota file in thousands (200 meaning 200,000) reads as plain numbers; nothing in the file says
so. What does say so is the company's own sales: a rep's quota for a period is of the order of
what the rep won in it (the sample company's median quota is 1.2 times the won revenue, the
middle 80% between 0.3 and 7 times). A median of 1/1,000 or 1/1,000,000 (or 1,000 or 1,000,000
times) is a unit, not a sales plan. The comparison runs whichever arrives second: quotas
imported when deals are stored (the evident unit is applied), or deals imported when quotas are
stored (a note says the stored quotas look off).

The judgement is a pure function of an aggregate (:func:`evident_factor`); the aggregate is one
SQL query over any quota and deal relations (:func:`quota_sales_evidence`). A re-import's change
of stored quotas is summed up the same way (:func:`quota_changes`, :func:`change_note`).

>>> evident_factor(UnitEvidence(compared=40, median_ratio=0.0012))
1000.0
>>> evident_factor(UnitEvidence(compared=40, median_ratio=1.2)) is None
True
"""

from __future__ import annotations

import math
from typing import NamedTuple

import duckdb

from analytics import formatting

MIN_COMPARED = 3
"""Fewer rep-periods with both a quota and won revenue than this say nothing about a unit."""
UNIT_STEPS = (1_000.0, 1_000_000.0)
"""The units a quota file is kept in besides plain amounts: thousands and millions."""
LOG10_TOLERANCE = 0.7
"""How far (in powers of ten) the median ratio may lie from 1/1,000 or 1/1,000,000 and still
say that unit: a factor of 5 either way. Real quotas, 0.3 to 7 times the won revenue, stay
more than two powers of ten away from either."""
UNIT_WORDS = {1_000.0: "thousands", 1_000_000.0: "millions"}


class UnitEvidence(NamedTuple):
    """Quotas against the same reps' won revenue in the same periods."""

    compared: int                 # rep-periods with a positive quota and positive won revenue
    median_ratio: float | None    # the median of quota / won revenue over them


class QuotaChange(NamedTuple):
    """How a file changes the quotas already stored under the same keys."""

    changed: int                  # stored quotas the file gives another value
    median_before: float | None
    median_after: float | None


def evident_factor(evidence: UnitEvidence) -> float | None:
    """What the quotas must be multiplied by to be in the revenue's unit, when it is evident.

    1,000 or 1,000,000 when the median ratio lies within :data:`LOG10_TOLERANCE` powers of ten of
    1/1,000 or 1/1,000,000; 1/1,000 or 1/1,000,000 for the opposite; None otherwise (including too
    few rep-periods compared).

    >>> [evident_factor(UnitEvidence(50, r)) for r in (0.001, 2e-6, 900.0, 0.05, 3.0)]
    [1000.0, 1000000.0, 0.001, None, None]
    >>> evident_factor(UnitEvidence(2, 0.001)) is None
    True
    """
    if evidence.compared < MIN_COMPARED or not evidence.median_ratio or evidence.median_ratio <= 0:
        return None
    log_ratio = math.log10(evidence.median_ratio)
    for step in UNIT_STEPS:
        log_step = math.log10(step)
        if abs(log_ratio + log_step) <= LOG10_TOLERANCE:
            return step
        if abs(log_ratio - log_step) <= LOG10_TOLERANCE:
            return 1 / step
    return None


def factor_words(factor: float) -> str:
    """``factor`` as an operation on the file's values.

    >>> factor_words(1000.0), factor_words(0.001)
    ('multiplied by 1,000', 'divided by 1,000')
    """
    if factor >= 1:
        return f"multiplied by {formatting.count(factor)}"
    return f"divided by {formatting.count(round(1 / factor))}"


def _ratio_words(evidence: UnitEvidence) -> str:
    ratio = evidence.median_ratio or 0.0
    times = f"1/{formatting.count(round(1 / ratio))} of" if ratio < 1 else f"{formatting.count(round(ratio))} times"
    return (f"the median quota is {times} the same reps' won revenue in the same periods "
            f"({formatting.count(evidence.compared)} rep-periods compared)")


def applied_note(evidence: UnitEvidence, factor: float, unit: float) -> str:
    """The note of a quota file whose evident unit was applied.

    >>> applied_note(UnitEvidence(809, 0.001), 1000.0, 1000.0)  # doctest: +NORMALIZE_WHITESPACE
    "quotas in thousands: the median quota is 1/1,000 of the same reps' won revenue in the same
    periods (809 rep-periods compared), so the values were multiplied by 1,000; pass unit=1
    (--unit 1) to keep them as they are"
    """
    what = f"quotas in {UNIT_WORDS[factor]}" if factor in UNIT_WORDS else "quotas in another unit"
    if unit == 1:  # (headers said thousands, the values are plain amounts)
        how = "kept as they are, not in the unit the column headers say"
    else:
        how = factor_words(factor) if unit == factor else f"multiplied by {unit:g}"
    return (f"{what}: {_ratio_words(evidence)}, so the values were {how}; pass unit=1 (--unit 1) "
            "to keep them as they are")


def kept_note(evidence: UnitEvidence, factor: float, unit: float) -> str:
    """The note of a quota file whose given or remembered unit is kept although the revenue
    says otherwise.

    >>> kept_note(UnitEvidence(809, 0.001), 1000.0, 1.0)  # doctest: +NORMALIZE_WHITESPACE
    "check the unit: with the unit 1 the median quota is 1/1,000 of the same reps' won revenue
    in the same periods (809 rep-periods compared); the values look right when multiplied by 1,000"
    """
    return (f"check the unit: with the unit {unit:g} {_ratio_words(evidence)}; the values look right when "
            f"{factor_words(factor)}")


def stored_quotas_note(evidence: UnitEvidence, factor: float) -> str:
    """The note of a deal file after which the stored quotas look off by a unit.

    >>> stored_quotas_note(UnitEvidence(12, 0.001), 1000.0)  # doctest: +NORMALIZE_WHITESPACE
    "the stored quotas look like thousands: the median quota is 1/1,000 of the same reps' won
    revenue in the same periods (12 rep-periods compared); import the quota file again with
    unit=1000 (--unit 1000)"
    """
    looks = f"like {UNIT_WORDS[factor]}" if factor in UNIT_WORDS else f"{factor_words(1 / factor)} too much"
    return (f"the stored quotas look {looks}: {_ratio_words(evidence)}; import the quota file again with "
            f"unit={factor:g} (--unit {factor:g})")


def change_note(change: QuotaChange) -> str | None:
    """How a re-import changes the stored quotas, or None when it changes none.

    >>> change_note(QuotaChange(809, 200_000.0, 200.0))
    '809 stored quotas change: median 200,000 -> 200 (x0.001)'
    >>> change_note(QuotaChange(0, None, None)) is None
    True
    """
    if not change.changed or change.median_before is None or change.median_after is None:
        return None
    text = (f"{formatting.count(change.changed)} stored quotas change: median "
            f"{formatting.count(change.median_before)} -> {formatting.count(change.median_after)}")
    if change.median_before > 0 and change.median_after > 0:
        text += f" (x{_multiple(change.median_after / change.median_before)})"
    return text


def _multiple(x: float) -> str:
    """A multiple to three significant digits: ``1,000``, ``1.5``, ``0.001``."""
    return formatting.count(round(x)) if x >= 100 else f"{float(f'{x:.3g}'):g}"


def quota_sales_evidence(conn: duckdb.DuckDBPyConnection, quotas: str, deals: str) -> UnitEvidence:
    """Revenue quotas of ``quotas`` against won revenue of ``deals`` per rep and quota period.

    ``quotas`` and ``deals`` name relations (tables or a stage's views) with the columns of the
    ``quotas`` and ``deals`` tables; they are the import's own names, never a user's text. The won
    deals are summed per rep and day first, so the range join reads a few rows per rep and day
    whatever the size of the deal file. Only quota periods that end by the last won deal's day are
    compared: a period the deals cover in part (this quarter's quotas, the data ending days into it)
    has a sliver of its revenue, and its quota would look a thousand times too large.
    """
    row = conn.execute(f"""
        WITH won AS (
            SELECT rep, close_date, sum(amount) AS amount FROM {deals}
            WHERE outcome = 'won' AND amount > 0 AND close_date IS NOT NULL GROUP BY rep, close_date),
        per_quota AS (
            SELECT q.rep, q.period_start, q.period_end, q.target, sum(w.amount) AS won
            FROM {quotas} q JOIN won w ON w.rep = q.rep AND w.close_date BETWEEN q.period_start AND q.period_end
            WHERE q.metric = 'revenue' AND q.target > 0 AND isfinite(q.target)
              AND q.period_end <= (SELECT max(close_date) FROM won)
            GROUP BY q.rep, q.period_start, q.period_end, q.target)
        SELECT count(*), median(target / won) FROM per_quota WHERE won > 0""").fetchall()[0]
    return UnitEvidence(int(row[0]), None if row[1] is None else float(row[1]))


def quota_changes(conn: duckdb.DuckDBPyConnection, final: str) -> QuotaChange:
    """Stored quotas whose value the rows of ``final`` (an import's relation of quota rows) change."""
    row = conn.execute(f"""
        SELECT count(*), median(q.target), median(f.target) FROM {final} f
        JOIN quotas q USING (rep, metric, period_start, period_end)
        WHERE q.target IS DISTINCT FROM f.target""").fetchall()[0]
    return QuotaChange(int(row[0]), None if row[1] is None else float(row[1]),
                       None if row[2] is None else float(row[2]))
