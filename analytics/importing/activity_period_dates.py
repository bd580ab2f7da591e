"""An activity report by period ('Jan 2024', '2024-Q1' in its date column): each label read as its period's first day."""

from __future__ import annotations

import re
from collections.abc import Sequence

from analytics.importing.field_sql import FieldSQL
from analytics.importing.parsing import lit
from analytics.importing.period_labels import period_interval


def dates_from_period_labels(labels: Sequence[str], column: str, field: FieldSQL,
                             fiscal_start: int) -> tuple[FieldSQL, str] | None:
    """An activity date ``field`` that also reads period labels (an activity report by month: 'Jan 2024',
    '2024-Q1') as their period's first day, and the note saying so; None when no label is a period.

    A whole date (2024-01-09, 20240109) is that day, read by the date parser, not its month.
    """
    starts = {}
    for label in labels:
        if label and not re.match(r"\s*(\d{8}\s*$|\d{4}-\d{1,2}-\d{1,2})", label) \
                and (iv := period_interval(label, fiscal_start)):
            starts[label] = iv[0].isoformat()
    if not starts:
        return None
    case = "(CASE " + " ".join(f"WHEN {column} = {lit(k)} THEN DATE {lit(v)}" for k, v in starts.items()) + " END)"
    read = FieldSQL(f"coalesce({field.value}, {case})",
                    [(f"({cond}) AND {case} IS NULL", h, v, why) for cond, h, v, why in field.checks])
    return read, (f"activity dates given as period labels (e.g. {next(iter(starts))!r}) are stored as the first "
                  "day of their period")
