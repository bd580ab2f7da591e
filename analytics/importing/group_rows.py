"""A row of column groups above a file's column names (a report saved from a spreadsheet:
``Deal Info,,,Financials,`` over ``Deal Name,Stage,Owner,Amount,Close Date``).

The header was taken as the first record as wide as most rows, so the group row was: the file's columns
were 'Deal Info', 'column_2', 'Financials' ..., and it was refused for naming no rep, or worse, read with a
group's name as a column's. A group row is as wide as the rest but mostly blank, each group's name in the
first of its columns, and the record under it names every column: that record is the header.

>>> group_row_above([(1, ["Deal Info", "", "", "Financials", ""]), (2, ["Deal Name", "Stage", "Owner", "Amount", "Date"]),
...                  (3, ["A", "Won", "Ann Lee", "1000", "2024-03-01"])])
True
>>> group_row_above([(1, ["Deal Name", "", "Owner"]), (2, ["A", "Won", "Ann Lee"])])
False
"""

from __future__ import annotations

from analytics import quoting


def _names_columns(cells: list[str]) -> bool:
    """Every cell filled, none a number, none repeated: a row of column names."""
    filled = [c.strip() for c in cells]
    return (all(filled) and len(set(filled)) == len(filled)
            and not any(c.replace(",", "").replace(".", "").replace("-", "").isdigit() for c in filled))


def group_row_above(records: list[tuple[int, list[str]]]) -> bool:
    """Whether the first of ``records`` (line, cells; the header as first found, then the rows under it)
    is a row of column groups over the header: its first cell and at most half of its cells filled, and the
    next record as wide, naming every column."""
    if len(records) < 2:
        return False
    group, names = records[0][1], records[1][1]
    filled = [c for c in group if c.strip()]
    return (len(names) == len(group) >= 3 and bool(group[0].strip()) and len(filled) <= len(group) / 2
            and _names_columns(names))


def note(group: list[str]) -> str:
    """The note of a group row skipped."""
    return (f"a row of column groups above the header row skipped ({', '.join(quoting.quoted(c) for c in group if c.strip())})")
