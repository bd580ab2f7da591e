"""An activity date column's label evidence (``{c}_lab``) reads the pass's own parse in a month-first
column and holds exactly the values the month-first formats cannot read (a second strptime per value
is what it replaced)."""

from __future__ import annotations

import duckdb
import pytest

from analytics.importing import column_profile, parsing
from analytics.importing.file_profile import ColumnProfile, FileProfile
from analytics.importing.parsing import lit

BY_FIELD = {"activity_date": [("Date", "c1")]}

VALUES = ["03/04/2024 10:00", "11/16/2021", "12.31.2020", "2024-01-02", "31/02/2025 10:00", "13/05/2024",
          "TBD", "", "  ", None, "Mar 4, 2024", "02-29-2023", "1/2/24", "7/4/2024 1:05 PM"]


def _labels(order: str, formats: tuple[str, ...] | None, known: tuple[str, ...]) -> list[str | None]:
    """``c1_lab`` of each value under the pass's levels for a column read in ``order``."""
    columns = {"c1": ColumnProfile(formats={order: formats} if formats else {}, labels=known)}
    sample = FileProfile(columns=columns)
    levels = parsing.date_levels("c1", order, list(formats) if formats else None)
    evidence = dict(column_profile.evidence_columns(BY_FIELD, "activities", sample, {"c1": order}))
    sql = "SELECT i, c1 FROM (VALUES " + ", ".join(
        f"({i}, {'NULL' if v is None else lit(v)}::VARCHAR)" for i, v in enumerate(VALUES)) + ") t(i, c1)"
    for level in levels:
        sql = f"SELECT *, {', '.join(f'{e} AS {n}' for n, e in level)} FROM ({sql})"
    rows = duckdb.connect().execute(f"SELECT {evidence['c1_lab']} FROM ({sql}) ORDER BY i").fetchall()
    return [r[0] for r in rows]


def _unread_by_month_first(known: tuple[str, ...]) -> list[str | None]:
    """What the evidence means: text neither an ISO date nor read by any month-first format, not in ``known``."""
    conn = duckdb.connect()
    out = []
    for v in VALUES:
        iso = conn.execute(f"SELECT {parsing.iso_sql('c')} FROM (SELECT ?::VARCHAR AS c)", [v]).fetchall()[0][0]
        mdy = conn.execute("SELECT try_strptime(?::VARCHAR, ?::VARCHAR[])", [v, parsing.STRPTIME_FORMATS["mdy"]]).fetchall()[0][0]
        out.append(v if iso is None and mdy is None and v not in known else None)
    return out


@pytest.mark.parametrize(("order", "formats", "known"), [
    ("mdy", None, ()),
    ("mdy", tuple(reversed(parsing.STRPTIME_FORMATS["mdy"])), ()),     # most used first: another order, same set
    ("mdy", tuple(parsing.STRPTIME_FORMATS["mdy"]), ("TBD", "31/02/2025 10:00")),
    ("dmy", None, ()),                                                  # day-first: the month-first formats tried here
    ("dmy", tuple(parsing.STRPTIME_FORMATS["dmy"]), ("TBD",)),
])
def test_label_evidence_is_the_text_month_first_formats_cannot_read(order, formats, known):
    assert _labels(order, formats, known) == _unread_by_month_first(known)


@pytest.mark.parametrize(("order", "strptime_in_evidence"), [("mdy", False), ("dmy", True)])
def test_a_month_first_column_is_parsed_once(order, strptime_in_evidence):
    sample = FileProfile(columns={"c1": ColumnProfile()})
    evidence = dict(column_profile.evidence_columns(BY_FIELD, "activities", sample, {"c1": order}))
    assert ("try_strptime" in evidence["c1_lab"]) is strptime_in_evidence


LABELS = ["Call", "Demo", "Email", "LinkedIn message", "Meeting", "Proposal sent", "it's", ""]


@pytest.mark.parametrize("known", [
    LABELS[:1],
    LABELS,                                                      # six and more: NOT IN could become a join
    [*LABELS, *(f"type {i}" for i in range(column_profile.MAX_CHAINED))],   # past the chain: list_contains
    [None, "Call"],
])
def test_new_labels_are_the_values_not_among_the_known(known):
    values = [*LABELS, "Webinar", " Call", None]
    expr = column_profile._not_in("c", known)
    rows = duckdb.connect().execute(
        f"SELECT {expr} FROM (SELECT unnest(?::VARCHAR[]) AS c, generate_subscripts(?::VARCHAR[], 1) AS i) ORDER BY i",
        [values, values]).fetchall()
    assert [r[0] for r in rows] == [v if v is not None and v not in known else None for v in values]
    # (a scalar test, never an IN list DuckDB's optimizer may turn into a join that loses the rows' order)
    assert " IN (" not in expr
