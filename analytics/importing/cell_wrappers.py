"""Excel's text-protection wrapper around a cell: ``="00123"``.

CRMs and spreadsheets write a value as the formula ``="00123"`` so that Excel keeps it as text (its
leading zeros, a long id not turned into 1.23E+17, a code not read as a date). The formula means the
text between its quotes, with any quote inside doubled (``="a""b"`` is ``a"b``). Stored as written,
the id ``="00123"`` would be another deal than ``00123`` of the next export, and the rep ``="Ann Lee"``
another person than Ann Lee: every text value is read without the wrapper
(:func:`analytics.importing.field_sql.text_value_sql`), and so is an amount
(:func:`analytics.importing.parsing.amount_sql`; ``="1000"`` is 1000). Any other formula is left as
it is (an amount column rejects it as formula-like, never evaluating it).
"""

from __future__ import annotations


def is_wrapped_sql(v: str) -> str:
    """Whether the text value ``v`` (already trimmed) is a whole ``="..."`` wrapper.

    >>> is_wrapped_sql("c0")
    '(prefix(c0, \\'="\\') AND suffix(c0, \\'"\\') AND length(c0) >= 3)'
    """
    return f"(prefix({v}, '=\"') AND suffix({v}, '\"') AND length({v}) >= 3)"


def inner_sql(v: str) -> str:
    """The text a wrapped value ``v`` (already trimmed, :func:`is_wrapped_sql` true) means: between
    its quotes, doubled quotes made one, trimmed, NULL when blank.

    >>> inner_sql("c0")
    'nullif(trim(replace(c0[3:-2], \\'""\\', \\'"\\')), \\'\\')'
    """
    return f"nullif(trim(replace({v}[3:-2], '\"\"', '\"')), '')"


def unwrapped_sql(v: str) -> str:
    """The text value ``v`` (already trimmed) without a ``="..."`` wrapper, or as it is without one."""
    return f"(CASE WHEN {is_wrapped_sql(v)} THEN {inner_sql(v)} ELSE {v} END)"


def unwrapped(value: str) -> str:
    """A raw label as :func:`unwrapped_sql` stores it (stripped, without a ``="..."`` wrapper): the
    profile's raw labels are matched to stored values by it (a stage ``="Closed Lost"`` is lost).

    >>> unwrapped(' ="Closed Lost" '), unwrapped('="a""b"'), unwrapped('=SUM(A1)'), unwrapped(' Won ')
    ('Closed Lost', 'a"b', '=SUM(A1)', 'Won')
    """
    text = value.strip()
    if text.startswith('="') and text.endswith('"') and len(text) >= 3:
        return text[2:-1].replace('""', '"').strip()
    return text


# An id Excel showed in scientific notation and saved so (a long number in a General cell): six digits
# are left of its eighteen, and deals that differ in the others share it.
SCIENTIFIC_ID_RE = r"^\s*[0-9](\.[0-9]+)?E\+[0-9]+\s*$"


def scientific_id_checks(c: str, header: str) -> list[tuple[str, str]]:
    """(condition, reason SQL) rejecting an id written as ``1.23457E+17``: its digits are lost, so
    several deals may share it (read as one order's lines, they were summed into one). ``contains``
    first: only a value holding ``E+`` is matched against :data:`SCIENTIFIC_ID_RE`.

    >>> [reason for _, reason in scientific_id_checks("c0", "Deal ID")][0][:62]
    "'an id in scientific notation (Excel cut its digits: other ids"
    """
    cond = f"(contains({c}, 'E+') AND regexp_matches({c}, '{SCIENTIFIC_ID_RE}'))"
    why = (f"'an id in scientific notation (Excel cut its digits: other ids may be the same): ' || {c} || "
           f"'; export the column \"{header.replace(chr(39), chr(39) * 2)}\" again formatted as text'")
    return [(cond, why)]
