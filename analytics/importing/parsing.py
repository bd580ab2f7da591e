"""SQL that turns CSV text into typed values, cheap path first.

Every parser is a DuckDB expression: ``TRY_CAST`` handles the common clean value, and the
regular-expression fallbacks run only where the cheap cast failed. Column-wide decisions
(day-first or month-first dates, decimal comma or point, currencies, the distinct labels of
stage/type/period columns) come from the profile of the whole column
(:mod:`analytics.importing.column_profile`), so a value proves or contradicts the order of its whole column.
"""

from __future__ import annotations

from analytics.importing import cell_wrappers
from analytics.importing.currencies import CUR_RE
from analytics.importing.file_profile import DateEvidence

DMY_RE = r"^\s*(\d{1,2})[./-](\d{1,2})[./-](\d{4}|\d{2})(?:[ T,].*)?$"
YMD_RE = r"^\s*(\d{4})[./-](\d{1,2})[./-](\d{1,2})(?:[ T,].*)?$"
NAMED_DATE_FORMATS = ["%d-%b-%y", "%d-%b-%Y", "%d %b %Y", "%b %d, %Y", "%B %d, %Y", "%d %B %Y", "%b %d %Y", "%B %d %Y",
                      # ... with a time ('Jan 5, 2024, 10:00:00 AM'), a weekday; two-digit years before four ('5-Jan-24')
                      "%b %d, %Y %I:%M %p", "%b %d, %Y, %I:%M %p", "%b %d, %Y, %I:%M:%S %p", "%d %b %Y %H:%M", "%d %B %Y %H:%M",
                      "%a %b %d %Y", "%a, %d %b %Y", "%a, %d %b %Y %H:%M:%S", "%A, %B %d, %Y", "%a, %b %d, %Y"]
# A date written without separators, as ERP exports do (20240109): eight digits exactly, year first
# (strptime alone would also read seven digits, '2024019', one way of two).
COMPACT_DATE_RE = r"^\s*\d{8}\s*$"
ORDER_NAMES = {"dmy": "day-first (DD/MM/YYYY)", "mdy": "month-first (MM/DD/YYYY)"}


def q(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def lit(value: object) -> str:
    if value is None:
        return "NULL"
    return "'" + str(value).replace("'", "''") + "'"


def blank(c: str) -> str:
    return f"({c} IS NULL OR trim({c}) = '')"


# ---- dates ----------------------------------------------------------------------------------------

def _ymd_sql(y: str, m: str, d: str) -> str:
    yi, mi, di = (f"TRY_CAST({v} AS INT)" for v in (y, m, d))
    year = f"(CASE WHEN length({y}) = 2 THEN (CASE WHEN {yi} < 70 THEN 2000 ELSE 1900 END) + {yi} ELSE {yi} END)"
    return f"TRY_CAST(printf('%04d-%02d-%02d', {year}, {mi}, {di}) AS DATE)"


def iso_dash_sql(c: str) -> str:
    """Whether the fifth character of ``c`` is ``-`` (``YYYY-``): ``substr(c, 5, 1) = '-'``, as DuckDB's
    LIKE, whose ``_`` is one character as substr counts them, tests it at half the cost."""
    return f"({c} LIKE '____-%')"


def iso_sql(c: str) -> str:
    """The cheap path: ``YYYY-MM-DD`` (with any time) by cast; gated, as the cast also takes ``3/1/24``."""
    return f"(CASE WHEN {iso_dash_sql(c)} THEN TRY_CAST({c} AS DATE) END)"


def _with_times(formats: list[str]) -> list[str]:
    return formats + [f + t for f in formats[:2] for t in (" %H:%M:%S", " %H:%M", " %I:%M %p", " %I:%M:%S %p")]


STRPTIME_FORMATS = {"mdy": _with_times(["%m/%d/%Y", "%m.%d.%Y", "%m-%d-%Y"]),
                    "dmy": _with_times(["%d/%m/%Y", "%d.%m.%Y", "%d-%m-%Y"])}


def formats_by_use(hits: dict[str, int], order: str) -> list[str]:
    """The order's strptime formats, the most used first (``hits``: format -> values it parsed).

    try_strptime tries a list in order and a failed attempt costs about ten times a successful
    one: 'MM/DD/YYYY HH:MM' values met five formats before theirs (5M values: 4.0 s against 0.3 s
    best first). The formats never parse the same text, so their order changes no result."""
    formats = STRPTIME_FORMATS[order]
    return sorted(formats, key=lambda f: -hits.get(f, 0))


def date_levels(c: str, order: str, formats: list[str] | None = None) -> list[list[tuple[str, str]]]:
    """Columns computed once per row, level by level, so each parser runs only where the cheaper failed:
    ISO cast; strptime in the column's order (4-digit years only; ``formats`` the order's formats,
    the most used first); the regex parts."""
    return [
        [(f"{c}_iso", iso_sql(c))],
        # (no blank test: strptime fails on a blank value anyway, and the test would trim every value)
        [(f"{c}_ts", f"(CASE WHEN {c}_iso IS NULL THEN "
                     f"try_strptime({c}, {list(formats or STRPTIME_FORMATS[order])!r}) END)")],
        [(f"{c}_fast", f"(CASE WHEN year({c}_ts) >= 1000 THEN {c}_ts::DATE END)"),
         (f"{c}_parts", f"(CASE WHEN {c}_iso IS NULL AND coalesce(year({c}_ts), 0) < 1000 AND NOT {blank(c)} "
                        f"THEN regexp_extract({c}, '{DMY_RE}', ['a', 'b', 'y']) END)")],
    ]


def date_sql(c: str, parts: str, order: str, last: str | None = None) -> str:
    """A DATE from text ``c`` given :func:`date_levels`: the cheap results, else the regex path
    (d/m/y with 2-digit years or a time after it, y/m/d, month names), else ``last`` (a wrapped date)."""
    first, second = ("b", "a") if order == "dmy" else ("a", "b")
    ymd = [f"regexp_extract({c}, {lit(YMD_RE)}, {i})" for i in (1, 2, 3)]
    fallback = (f"(CASE WHEN {parts}.y <> '' THEN {_ymd_sql(f'{parts}.y', f'{parts}.{first}', f'{parts}.{second}')} "
                f"ELSE coalesce({_ymd_sql(*ymd)}, try_strptime(trim({c}), {NAMED_DATE_FORMATS!r})::DATE, "
                f"CASE WHEN regexp_matches({c}, {lit(COMPACT_DATE_RE)}) THEN try_strptime(trim({c}), '%Y%m%d')::DATE "
                f"END{', ' + last if last else ''}) END)")
    return f"coalesce({c}_iso, {c}_fast, CASE WHEN {parts} IS NOT NULL THEN {fallback} END)"


# A date a spreadsheet saved as its day number (45292 is 1 Jan 2024 in Excel): said so in the reason, as a
# bare number could as well be another count, and the manager fixes it in one step in the spreadsheet.
_DAY_NUMBER_RE = r"^\s*[1-7]\d{4}(\.\d+)?\s*$"
_DAY_NUMBER_HINT = (" (a spreadsheet's day number, it seems: format the column as dates in the spreadsheet "
                    "before saving the CSV)")


def date_checks(c: str, parsed: str, parts: str, order: str, header: str) -> list[tuple[str, str]]:
    """(condition, reason SQL) pairs for a date column."""
    other = "mdy" if order == "dmy" else "dmy"
    first, second = ("a", "b") if order == "dmy" else ("b", "a")
    valid_other = _ymd_sql(f"{parts}.y", f"{parts}.{first}", f"{parts}.{second}")
    contradicts = (f"'date ' || {c} || ' contradicts the {ORDER_NAMES[order]} order of column ' || "
                   f"{lit(header)} || ' (pass date_order=''{other}'' / --date-order {other} if the column "
                   f"is {ORDER_NAMES[other].split()[0]})'")
    return [
        (f"{parsed} IS NULL AND NOT {blank(c)} AND trim({c}) <> '=\"\"'",  # (cheap first; ="" wraps nothing)
         f"CASE WHEN {parts}.y <> '' AND {valid_other} IS NOT NULL THEN {contradicts} "
         f"ELSE 'not a date: ' || {c} || CASE WHEN regexp_matches({c}, {lit(_DAY_NUMBER_RE)}) THEN "
         f"{lit(_DAY_NUMBER_HINT)} ELSE '' END END"),
        (f"{parsed} IS NOT NULL AND ({parsed} < DATE '1900-01-01' OR {parsed} > DATE '2100-12-31') "
         f"AND isfinite({parsed})",  # (the years as dates: year() cost more; an infinite date has none)
         "'implausible date (year outside 1900-2100)'"),
    ]


_DAY13 = r"(1[3-9]|2\d|3[01])"
_MONTH = r"(0?[1-9]|1[0-2])"


def date_class_sql(c: str) -> str:
    """Per row: 1 proves day-first, 2 proves month-first, 3 fits both (+4 when dotted), 0 otherwise (``="3/4/24"`` too).

    Three anchored regexes, each evaluated once (strptime is slow on values that fail); rows are
    grouped by these classes, so the expression is computed once per row."""
    sep = "[./-]"
    pats = [rf'^\s*(="\s*)?{a}{sep}{b}{sep}' for a, b in ((_DAY13, _MONTH), (_MONTH, _DAY13), (_MONTH, _MONTH))]
    terms = " + ".join(f"(CASE WHEN regexp_matches({c}, {lit(p)}) THEN {w} ELSE 0 END)"
                       for p, w in zip(pats, (1, 2, 3), strict=True))
    return (f"(CASE WHEN {c} IS NULL OR {iso_dash_sql(c)} THEN 0 ELSE {terms} "
            f"+ (CASE WHEN contains({c}, '.') THEN 4 ELSE 0 END) END)")


def date_profile(rows: list[tuple], cols: list[str]) -> dict[str, DateEvidence]:
    """Each date column's :class:`DateEvidence`, folded from ``(class per column..., count,
    example per column...)`` groups (classes as :func:`date_class_sql` gives them).

    >>> date_profile([(1, 3, "25/03/2024"), (7, 2, "01.02.2024"), (0, 1, "soon")], ["c0"])["c0"]
    DateEvidence(dmy=3, mdy=0, amb=2, dots=2, dmy_example='25/03/2024', mdy_example=None)
    """
    out: dict[str, DateEvidence] = {}
    k = len(cols)
    for i, c in enumerate(cols):
        counts = {1: 0, 2: 0, 3: 0}  # by the order a value proves: day-first, month-first, either
        examples: dict[int, str | None] = {1: None, 2: None}
        dots = 0
        for row in rows:
            cls, n, example = row[i], row[k], row[k + 1 + i]
            base = cls & 3
            if base:
                counts[base] += n
            if base in examples:
                examples[base] = examples[base] or example
            elif base == 3 and cls & 4:
                dots += n
        out[c] = DateEvidence(dmy=counts[1], mdy=counts[2], amb=counts[3], dots=dots,
                              dmy_example=examples[1], mdy_example=examples[2])
    return out


def decide_date_order(evidence: DateEvidence, header: str, forced: str | None,
                      notes: list[str]) -> str | None:
    """'dmy' / 'mdy' for a column, or None when nothing proves an order (decided file-wide later).

    >>> notes = []
    >>> decide_date_order(DateEvidence(dmy=3, mdy=1, dmy_example="25/03/2024", mdy_example="03/25/2024"),
    ...                   "Close", None, notes)
    'dmy'
    >>> print(notes[0])
    column 'Close': conflicting date orders (3 value(s) like '25/03/2024' are day-first, 1 like '03/25/2024' month-first): day-first (DD/MM/YYYY) kept, the 1 contradicting value(s) rejected
    >>> decide_date_order(DateEvidence(amb=5), "Close", None, []) is None
    True
    """
    dmy, mdy, amb = evidence.dmy, evidence.mdy, evidence.amb
    if forced:
        return forced
    if dmy and mdy:
        order = "dmy" if dmy > mdy else "mdy"
        minority = mdy if order == "dmy" else dmy
        notes.append(f"column {header!r}: conflicting date orders ({dmy} value(s) like "
                     f"{evidence.dmy_example!r} are day-first, {mdy} like {evidence.mdy_example!r} "
                     f"month-first): {ORDER_NAMES[order]} kept, the {minority} contradicting value(s) rejected")
        return order
    if dmy:
        return "dmy"
    if mdy:
        return "mdy"
    return None if amb else "mdy"


# ---- amounts ----------------------------------------------------------------------------------------

_POINT_RE = r"^(\d{1,3}([,' ]\d{3})+|\d+)?(\.\d+)?$"
_COMMA_RE = r"^(\d{1,3}([.' ]\d{3})+|\d+)?(,\d+)?$"
COMMA_PROOF_RE = r"^[^0-9]*(\d+,\d{1,2}|\d{1,3}([.\s\x{a0}\x{2009}\x{202f}]\d{3})+,\d+|\d{1,3}(\.\d{3}){2,})[^0-9]*$"
POINT_PROOF_RE = r"^[^0-9]*(\d{1,3}(,\d{3})+\.\d+|\d{1,3}(,\d{3}){2,}|\d+\.\d{1,2})[^0-9]*$"


def _amount_core(c: str) -> str:
    stripped = f"regexp_replace(trim({c}), '(?i){CUR_RE}|[\\s\u00a0\u2009\u202f]', '', 'g')"  # (spaces group digits)
    return f"regexp_replace({stripped}, '^[(+-]+|[)-]+$', '', 'g')"


def _negative(c: str) -> str:
    t = f"regexp_replace(trim({c}), '(?i){CUR_RE}|\\s', '', 'g')"
    return f"(({t} LIKE '(%' AND {t} LIKE '%)') OR {t} LIKE '-%' OR {t} LIKE '%-')"


def _slow_amount(x: str, style: str) -> str:
    """The text ``x`` as a DOUBLE: symbols, codes, grouping, (negatives), trailing minus; NULL if not one."""
    core, shape = _amount_core(x), _COMMA_RE if style == "comma" else _POINT_RE
    number = f"replace(regexp_replace({core}, '[.'' ]', '', 'g'), ',', '.')" if style == "comma" \
        else f"regexp_replace({core}, '[,'' ]', '', 'g')"
    slow = f"CASE WHEN regexp_matches({core}, {lit(shape)}) AND regexp_matches({core}, '\\d') THEN TRY_CAST({number} AS DOUBLE) END"
    return f"(CASE WHEN regexp_matches(trim({x}), '^[=@]') THEN NULL ELSE " \
           f"(CASE WHEN {_negative(x)} THEN -1 ELSE 1 END) * ({slow}) END)"


def amount_sql(c: str, style: str, unit: float) -> str:
    """A DOUBLE from text: cheap cast first; symbols, codes, grouping, (negatives), trailing minus after."""
    cheap = f"TRY_CAST(replace({c}, ',', '.') AS DOUBLE)" if style == "comma" else f"TRY_CAST({c} AS DOUBLE)"
    cheap_cond = f"NOT contains({c}, '.') AND isfinite({cheap})" if style == "comma" else f"isfinite({cheap})"
    # ="1000", Excel's text wrapper (cell_wrappers), is 1000: only a value holding '="' is unwrapped first
    slow = (f"(CASE WHEN contains({c}, '=\"') THEN {_slow_amount(cell_wrappers.unwrapped_sql(f'trim({c})'), style)} "
            f"ELSE {_slow_amount(c, style)} END)")
    scale = "" if unit == 1 else f" * {float(unit)!r}"
    # The cheap cast first: it tolerates spaces and fails on blanks and dashes, so only the values it
    # could not read are trimmed and tested further.
    return (f"(CASE WHEN {cheap_cond} THEN {cheap}{scale} WHEN {blank(c)} OR trim({c}) IN ('-', '–', '—') THEN NULL "
            f"ELSE ({slow}){scale} END)")


# An amount at or beyond this (after any unit) is no sale nor quota of a team: a unit applied twice,
# a cell read in the wrong column, 1e308 from a broken export. Its row is rejected, never stored.
IMPLAUSIBLE_AMOUNT = 1e12


def amount_checks(c: str, parsed: str, header: str) -> list[tuple[str, str]]:
    """(condition, reason SQL) pairs for an amount column: not an amount, implausibly large."""
    bad = f"{parsed} IS NULL AND NOT {blank(c)} AND trim({c}) NOT IN ('-', '–', '—', '=\"\"')"  # (="": blank)
    formula = (f"'formula-like cell in amount column ' || {lit(header)} || ' (stored as text, never "
               f"evaluated): not a number'")
    return [(bad, f"CASE WHEN regexp_matches(trim({c}), '^[=@+]|^-.*[^0-9.,)\\s]') THEN {formula} "
                  f"ELSE 'not an amount: ' || {c} END"),
            (f"abs({parsed}) >= {IMPLAUSIBLE_AMOUNT!r}",
             f"'implausible amount (1,000,000,000,000 or more): ' || {c}")]


def quota_checks(c: str, parsed: str) -> list[tuple[str, str]]:
    """A quota cannot be negative. A blank, '-' or 0 cell is no quota: skipped with a note, not checked.

    (Wide quota sheets write 0 for a month a rep had no quota -- on leave, not yet hired -- and
    rejecting it would reject the line, losing that rep's other eleven months.)
    """
    return [(f"{parsed} < 0", f"'a quota cannot be negative (leave the cell blank or 0 for no quota): ' || {c}")]


def amount_profile_sql(c: str, alias: str) -> list[str]:
    failed = f"(TRY_CAST({c} AS DOUBLE) IS NULL AND NOT {blank(c)})"
    return [
        f"count(*) FILTER (WHERE {failed} AND regexp_matches({c}, '{COMMA_PROOF_RE}')) AS {alias}_comma",
        f"count(*) FILTER (WHERE {failed} AND regexp_matches({c}, '{POINT_PROOF_RE}')) AS {alias}_point",
        f"list(DISTINCT regexp_extract({c}, '(?i){CUR_RE}', 1)) FILTER (WHERE {failed}) AS {alias}_cur",
    ]


# A value whose only point has exactly three digits after it and one to three before (12.000, 1.500):
# 12 with three decimals, or 12,000 written the European way. Money rarely has three decimals.
DOT3_RE = r"^[^0-9]*\d{1,3}\.\d{3}[^0-9]*$"


def dot3_profile_sql(c: str, alias: str) -> list[str]:
    """Of an amount column's values with a point (the sample's): those shaped like :data:`DOT3_RE`,
    and the others (``{alias}_dot3``, ``{alias}_dot_other``)."""
    dotted = f"contains({c}, '.')"
    return [f"count(*) FILTER (WHERE {dotted} AND regexp_matches({c}, {lit(DOT3_RE)})) AS {alias}_dot3",
            f"count(*) FILTER (WHERE {dotted} AND NOT regexp_matches({c}, {lit(DOT3_RE)})) AS {alias}_dot_other"]


def thousands_point_note(dot3: int, dot_other: int, style: str, header: str) -> str | None:
    """A note when every value of a column read with a decimal point that has a point has three
    digits after it (12.000): the file may write thousands the European way (12.000 = 12,000), and
    nothing in it says which; None otherwise. Judged on the sample (the file's first rows: a later
    '12.50' would settle it), so the note names no count that would depend on the sample's size.

    >>> thousands_point_note(4, 0, "point", "Amount")[:60]
    "column 'Amount': every value with a point has three digits a"
    >>> thousands_point_note(4, 1, "point", "Amount") is None, thousands_point_note(4, 0, "comma", "Amount") is None
    (True, True)
    """
    if style != "point" or not dot3 or dot_other:
        return None
    return (f"column {header!r}: every value with a point has three digits after it (such as 12.000), "
            "read as decimals (12.000 = 12). If the point separates thousands (12.000 = 12,000), the export "
            "writes numbers the European way: export with a decimal comma or without thousands separators "
            "and import it again")


def decide_decimal(comma: int, point: int, header: str, notes: list[str]) -> str:
    """'comma' when more values prove a decimal comma (1.234,56) than a decimal point, else 'point'."""
    if not comma:
        return "point"
    if comma > point:
        notes.append(f"column {header!r}: decimal commas (European style) — {comma} value(s) read so (1.234,56 as 1234.56)")
        return "comma"
    return "point"


# ---- counts, text, labels ----------------------------------------------------------------------------

_GROUPED_COUNT_RE = r"^\s*\d{1,3}(,\d{3})+\s*$"


def count_number_sql(c: str) -> str:
    """The count's number as DOUBLE: plain (``12``, `` 12.0``, ``1e3``) or in thousands (``1,200``).
    A decimal comma (``1,5``) is no count: read as 15 it would change the number."""
    return (f"coalesce(TRY_CAST({c} AS DOUBLE), CASE WHEN regexp_matches({c}, {lit(_GROUPED_COUNT_RE)}) "
            f"THEN TRY_CAST(replace({c}, ',', '') AS DOUBLE) END)")


def count_sql(c: str) -> str:
    """A BIGINT count: a whole number of 0 or more, else NULL (a cast to BIGINT would round 1.5 to 2)."""
    number = count_number_sql(c)
    return (f"(CASE WHEN {blank(c)} THEN NULL WHEN {number} >= 0 AND {number} < 1e15 "
            f"AND {number} = floor({number}) THEN {number}::BIGINT END)")


def count_checks(c: str, parsed: str) -> list[tuple[str, str]]:
    """(condition, reason SQL) for a count column: blank is no count; anything else must be whole and 0 or more."""
    number = count_number_sql(c)
    why = (f"CASE WHEN {number} < 0 THEN 'a count cannot be negative: ' || {c} "
           f"WHEN {number} <> floor({number}) THEN 'a count must be a whole number: ' || {c} "
           f"ELSE 'not a count: ' || {c} END")
    return [(f"NOT {blank(c)} AND {parsed} IS NULL", why)]


def nul_checks(c: str) -> list[tuple[str, str, str]]:
    """(condition, value SQL, reason SQL) for any text column: a NUL byte (``\\x00``) is a damaged
    export wherever it is in the file, so its row is rejected (the value shows it as ``\\0``)."""
    return [(f"contains({c}, chr(0))", f"replace({c}, chr(0), '\\0')",
             "'NUL byte (\\0) in the value: the export is damaged here'")]


def text_sql(c: str) -> str:
    return f"nullif(trim({c}), '')"


def label_case_sql(c: str, mapping: dict[str, str], default: str) -> str:
    """CASE mapping each distinct raw label to its normalised value (few distinct labels).

    A simple ``CASE c WHEN label ...``, never ``c IN (labels)``: DuckDB plans an IN list of more than
    four constants as a join, which hands a first load's one read its rows out of file order (an
    activity log with six words for a call got other keys and reject lines than the two reads).

    >>> label_case_sql("t", {"Call": "call", "Phone": "call", "Misc": "other"}, "other")
    "(CASE t WHEN 'Call' THEN 'call' WHEN 'Phone' THEN 'call' ELSE 'other' END)"
    """
    whens = " ".join(f"WHEN {lit(raw)} THEN {lit(value)}" for raw, value in mapping.items() if value != default)
    return f"(CASE {c} {whens} ELSE {lit(default)} END)" if whens else lit(default)


def one_of_sql(c: str, values: list[str]) -> str:
    """True where ``c`` is one of ``values`` (NULL elsewhere): a simple CASE, never ``IN``, as above."""
    return f"(CASE {c} " + " ".join(f"WHEN {lit(v)} THEN true" for v in values) + " END)"


REASON_CHARS = 300
"""Characters of a stored reject reason at most (the rest is cut and marked "…")."""


def reject_struct_sql(checks: list[tuple[str, str, str, str]]) -> str:
    """First failing check as {column, value, reason}; checks are (condition, header, value SQL, reason SQL)."""
    if not checks:
        return "NULL"
    # A reason may quote its whole cell (a 1 MiB one too): cut at REASON_CHARS, as the value is at 500.
    whens = " ".join(f"WHEN {cond} THEN {{'column': {lit(header)}, 'value': left({val}::VARCHAR, 500), 'reason': "
                     f"(CASE WHEN length({why}) > {REASON_CHARS} THEN left({why}, {REASON_CHARS}) || '…' ELSE {why} END)}}"
                     for cond, header, val, why in checks)
    return f"(CASE {whens} END)"


def passes_checks_sql(checks: list[tuple[str, str, str, str]]) -> str:
    """True where no check fails: the verdict of :func:`reject_struct_sql` without building its struct."""
    if not checks:
        return "true"
    return "(CASE " + " ".join(f"WHEN {cond} THEN false" for cond, *_ in checks) + " ELSE true END)"
