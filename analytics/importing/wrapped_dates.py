"""A date written in Excel's text wrapper, ``="2024-03-01"``: read as the date it wraps.

CRM exports meant for Excel wrap cells as ``="..."`` so that Excel keeps them as written
(:mod:`analytics.importing.cell_wrappers`); ids, reps, labels and amounts were read through the
wrapper, a date was rejected ("not a date"). The wrapped text is parsed in its column's order: its
strptime formats with two- or four-digit years, ISO (with a time), y/m/d, 20240109, month names. The
column's order is proven by wrapped values as by plain ones (:func:`analytics.importing.parsing.date_class_sql`
reads through the wrapper), so ``="03/04/2024"`` in a column of ambiguous dates is assumed and said like
``03/04/2024``.

Only values every other parse of the column failed on are looked at (the last resort of
:func:`analytics.importing.parsing.date_sql`): a file without wrappers pays nothing on the values it reads.

>>> print(date_sql("c0", "mdy", ["%m/%d/%Y"])[:60])
(CASE WHEN (prefix(trim(c0), '="') AND suffix(trim(c0), '"')
"""

from __future__ import annotations

from analytics.importing import cell_wrappers, parsing

# ISO dates (with a time), y/m/d and eight digits, tried after the column's own formats.
_OTHER_FORMATS = ["%Y-%m-%d", "%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M:%S", "%Y/%m/%d", "%Y%m%d"]


def inner_date_sql(text: str, formats: list[str]) -> str:
    """A DATE from the text expression ``text`` (a wrapper's inside): one ``try_strptime`` through the
    column's ``formats`` with two-digit years first (``%y`` leaves '2024' half read, so a four-digit year
    goes on to ``%Y``), then four-digit years, ISO, y/m/d, eight digits and month names.

    One call, not the column's levels again: an expression's size costs every value of the column, the
    unwrapped ones too (5M ISO values, one thread: the levels' whole parse repeated here cost 1.04x, this 1.00x).
    """
    listed = [f.replace("%Y", "%y") for f in formats] + formats + _OTHER_FORMATS + parsing.NAMED_DATE_FORMATS
    return f"try_strptime({text}, {list(dict.fromkeys(listed))!r})::DATE"


def date_sql(c: str, order: str, formats: list[str] | None) -> str:
    """Where raw text ``c`` is a whole ``="..."`` wrapper, the date it holds: the last resort of
    :func:`parsing.date_sql` (``last``), reached only by the values its cheap parses failed on."""
    inner = cell_wrappers.inner_sql(f"trim({c})")
    listed = list(formats or parsing.STRPTIME_FORMATS[order])
    return f"(CASE WHEN {cell_wrappers.is_wrapped_sql(f'trim({c})')} THEN {inner_date_sql(inner, listed)} END)"
