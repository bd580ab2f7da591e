"""The profile of a staged file's columns, as values: what column-wide decisions are taken from.

:mod:`analytics.importing.column_profile` runs the SQL (over the sample's text, or over the typed
scan's evidence) and builds these in one place (:func:`from_row`); the decisions read them
(:mod:`analytics.importing.field_sql`, :mod:`analytics.importing.shaping`,
:mod:`analytics.importing.reader_casts`). Types only: this module imports nothing of the wing.

>>> row = {"n_rows": 3, "c0_dmy": 1, "c0_mdy": 0, "c0_amb": 2, "c0_dots": 0, "c0_dmy_ex": "25/03/2024",
...        "c1_comma": 0, "c1_point": 2, "c1_cur": ["$"], "c2_labels": ["Won", None, "Open"]}
>>> prof = from_row(row, dates=["c0"], amounts=["c1"], labelled=["c2"])
>>> prof.column("c0").dates.dmy, prof.column("c1").currencies, prof.column("c2").labels
(1, ('$',), ('Open', 'Won'))
>>> prof.column("c9") == ColumnProfile()           # a column nothing was profiled for: no evidence
True
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field


@dataclass(frozen=True)
class DateEvidence:
    """A date column's values by the order they prove: day-first (``dmy``: a day over 12 first),
    month-first (``mdy``), fitting both (``amb``; ``dots`` of them written with dots), with the
    first example of each proof."""
    dmy: int = 0
    mdy: int = 0
    amb: int = 0
    dots: int = 0
    dmy_example: str | None = None
    mdy_example: str | None = None


@dataclass(frozen=True)
class ColumnProfile:
    """What one raw column (``c0``, ``c1``, ...) showed: date evidence and the strptime formats its
    first values use (``formats``: order -> formats most used first; ``format_hits``: format ->
    values it parsed, and ``filled``); an amount's decimal separators proven (``comma``, ``point``),
    currency tokens, filled values and those the reader's DOUBLE cast reads (``castable``), and of the
    values with a point those with three digits after it and no more than three before (``dot3``,
    12.000: a decimal or a thousands point) and the others (``dot_other``); a label column's distinct
    values (sorted, without NULL); ``spread``: of a date column's values that fit both orders, the months
    they fall in read month-first and day-first (``date_order_evidence.spread_sql``'s ten values, empty
    without such a value)."""
    dates: DateEvidence = DateEvidence()
    formats: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    format_hits: Mapping[str, int] = field(default_factory=dict)
    comma: int = 0
    point: int = 0
    currencies: tuple[str, ...] = ()
    filled: int = 0
    castable: int = 0
    dot3: int = 0
    dot_other: int = 0
    labels: tuple[str, ...] = ()
    spread: tuple[int | None, ...] = ()


@dataclass(frozen=True)
class FileProfile:
    """The rows profiled (``n_rows``), repeated deal ids (``dup_ids``: None when they may repeat
    and must be compared whole, 0 when none does), and each raw column's :class:`ColumnProfile`."""
    n_rows: int = 0
    dup_ids: int | None = 0
    columns: Mapping[str, ColumnProfile] = field(default_factory=dict)

    def column(self, c: str) -> ColumnProfile:
        return self.columns.get(c, _EMPTY)

    def with_column(self, c: str, **changes: object) -> FileProfile:
        """The profile with column ``c``'s ``changes`` (a label list seen elsewhere, say)."""
        changed = dataclasses.replace(self.column(c), **changes)  # type: ignore[arg-type]
        return dataclasses.replace(self, columns={**self.columns, c: changed})

    def with_dates(self, evidence: Mapping[str, DateEvidence] | None) -> FileProfile:
        """The profile with these date columns' evidence (``parsing.date_profile``, folded in Python)."""
        columns = {c: dataclasses.replace(self.column(c), dates=e) for c, e in (evidence or {}).items()}
        return dataclasses.replace(self, columns={**self.columns, **columns}) if columns else self


_EMPTY = ColumnProfile()


def sorted_labels(values: Iterable[str | None] | None) -> tuple[str, ...]:
    """Labels in one order (sorted, without NULL): the same labels give the same plan."""
    return tuple(sorted({v for v in (values or []) if v is not None}))


def from_row(row: Mapping[str, object], *, dates: Iterable[str] = (), amounts: Iterable[str] = (),
             labelled: Iterable[str] = ()) -> FileProfile:
    """The profile from one row of profile aggregates named ``{column}_{what}`` (the SQL's names):
    ``n_rows`` and ``dup_ids``; per date column ``dmy``, ``mdy``, ``amb``, ``dots``, ``dmy_ex``,
    ``mdy_ex``, ``formats_mdy``, ``formats_dmy``, ``format_hits``, ``spread``; per amount column ``comma``,
    ``point``, ``cur``, ``filled``, ``castable``, ``dot3``, ``dot_other``; per ``labelled`` column ``labels``. Absent
    aggregates are no evidence (0, empty)."""
    def get(key: str) -> object:
        return row.get(key)

    def num(key: str) -> int:
        value = get(key)
        return int(value) if isinstance(value, int | float) else 0

    def text(key: str) -> str | None:
        value = get(key)
        return value if isinstance(value, str) else None

    def strings(key: str) -> list[str | None]:
        value = get(key)
        return list(value) if isinstance(value, list | tuple) else []

    columns: dict[str, dict[str, object]] = {}
    for c in dates:
        columns.setdefault(c, {}).update(
            dates=DateEvidence(num(f"{c}_dmy"), num(f"{c}_mdy"), num(f"{c}_amb"), num(f"{c}_dots"),
                               text(f"{c}_dmy_ex"), text(f"{c}_mdy_ex")),
            formats={order: tuple(str(f) for f in strings(f"{c}_formats_{order}"))
                     for order in ("mdy", "dmy") if get(f"{c}_formats_{order}") is not None},
            format_hits=dict(get(f"{c}_format_hits") or {}),  # type: ignore[call-overload]
            spread=tuple(v if isinstance(v, int) else None for v in strings(f"{c}_spread")))
    for c in amounts:
        columns.setdefault(c, {}).update(
            comma=num(f"{c}_comma"), point=num(f"{c}_point"),
            currencies=tuple(t for t in strings(f"{c}_cur") if t is not None),
            filled=num(f"{c}_filled"), castable=num(f"{c}_castable"), dot3=num(f"{c}_dot3"),
            dot_other=num(f"{c}_dot_other"))
    for c in labelled:
        columns.setdefault(c, {})["labels"] = sorted_labels(strings(f"{c}_labels"))
    dup = get("dup_ids")
    return FileProfile(n_rows=num("n_rows"), dup_ids=None if "dup_ids" in row and dup is None else num("dup_ids"),
                       columns={c: ColumnProfile(**kw) for c, kw in columns.items()})  # type: ignore[arg-type]
