"""Column-wide decisions for a staged file: taken from a bounded sample, proven on every row.

The decisions (day- or month-first dates, decimal comma or point, currencies, the distinct
labels of stage/type/period columns, repeated deal ids) are properties of whole columns. Profiling
the whole file first would need a second scan of the CSV or an all-text copy of it (three times
the file in memory), so instead:

1. :func:`sample_profile` profiles the first ``SAMPLE_ROWS`` rows (the same parser, a bounded read);
2. the typed pass (the one full scan) is planned from that profile and also writes small evidence
   columns (:func:`evidence_columns`): a date class per value, computed from the parse the pass
   does anyway, and raw text only where a cheap parse failed or a label was not in the sample;
3. :func:`full_profile` rebuilds the whole-column profile, with the same keys and the same counts
   as profiling every row, from that evidence.

:mod:`analytics.importing.staging` then plans the typed pass again from the full profile and scans
again only when the plan differs (the sample misled it), so the rows are always parsed with the
decisions of their whole column.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

import duckdb

from analytics.importing import currencies, date_order_evidence, mapping, parsing, reader_casts
from analytics.importing.file_profile import FileProfile, from_row
from analytics.importing.parsing import lit

SAMPLE_ROWS = 20_000  # (read again with the whole file: 50,000 rows were 5% of a 1M-row log's import)
MAX_IN_LIST = 2000  # labels listed in an evidence filter; beyond that the column is kept whole


def _profile_aggs(by_field: mapping.ByField, kind: str, mdy: dict[str, list[str]]) -> list[str]:
    """The sample's aggregates (``mdy``: per date column, the month-first formats most used first)."""
    aggs = ["count(*) AS n_rows"]
    for name, cols in by_field.items():
        ftype = mapping.FIELD_BY_NAME[kind][name].type
        for _header, c in cols:
            if ftype == "date":
                # (the months its ambiguous values fall in either way: for a column no value proves an order)
                aggs.append(f"[{date_order_evidence.spread_sql(c)}] AS {c}_spread")
                if kind == "activities":  # (whether try_strptime reads a value depends on the set of
                    # formats, not their order; most used first, a value meets fewer that fail)
                    aggs.append(f"list(DISTINCT {c}) FILTER (WHERE {parsing.iso_sql(c)} IS NULL "
                                f"AND try_strptime({c}, {mdy[c]!r}) IS NULL) AS {c}_labels")
            elif ftype == "amount":
                aggs += parsing.amount_profile_sql(c, c)
                # (whether the reader's own DOUBLE cast reads the column: reader_casts.amount_cast)
                aggs += [f"count(*) FILTER (WHERE NOT {parsing.blank(c)}) AS {c}_filled",
                         f"count(*) FILTER (WHERE isfinite(TRY_CAST({c} AS DOUBLE))) AS {c}_castable",
                         *parsing.dot3_profile_sql(c, c)]
            elif ftype == "label":
                aggs.append(f"list(DISTINCT {c}) AS {c}_labels")
    if kind == "deals" and "deal_id" in by_field:
        c = parsing.text_sql(by_field["deal_id"][0][1])  # (the id as stored: ' A1' and 'A1' are one deal)
        aggs.append(f"count({c}) - count(DISTINCT {c}) AS dup_ids")
    return aggs


def _date_columns(by_field: mapping.ByField, kind: str) -> list[str]:
    return [c for name, cols in by_field.items() if mapping.FIELD_BY_NAME[kind][name].type == "date"
            for _header, c in cols]


def format_literals(fmt: str) -> list[str]:
    """The characters a strptime format ``fmt`` takes as they are, spaces aside: a value it reads
    holds each of them (DuckDB's strptime matches a format's other characters one for one; a
    space, any run of white space).

    >>> format_literals("%m/%d/%Y %H:%M"), format_literals("%d.%m.%Y")
    (['/', ':'], ['.'])
    """
    return sorted(set(re.sub("%.", "", fmt).replace(" ", "")))


def format_hits_sql(c: str) -> list[str]:
    """Aggregates counting the values each strptime format parses (``{c}_fmt{i}``, the formats of both
    orders in :data:`parsing.STRPTIME_FORMATS` order), each format tried only on values holding its
    :func:`format_literals`: the others cannot be read by it (a failed strptime costs about ten times
    a successful one, and most values fail most formats)."""
    every = [f for formats in parsing.STRPTIME_FORMATS.values() for f in formats]
    out = []
    for i, f in enumerate(every):
        gate = " AND ".join(f"contains({c}, {lit(ch)})" for ch in format_literals(f))
        parse = f"try_strptime({c}, {lit(f)})"
        out.append(f"count({f'CASE WHEN {gate} THEN {parse} END' if gate else parse}) AS {c}_fmt{i}")
    return out


def _columns(by_field: mapping.ByField, kind: str) -> dict[str, list[str]]:
    """Raw columns by what is profiled of them: ``dates``, ``amounts``, ``labelled`` (label
    columns, and an activity log's date columns, whose labels may be period names)."""
    out: dict[str, list[str]] = {"dates": [], "amounts": [], "labelled": []}
    for name, cols in by_field.items():
        ftype = mapping.FIELD_BY_NAME[kind][name].type
        for _header, c in cols:
            if ftype == "date":
                out["dates"].append(c)
                if kind == "activities":
                    out["labelled"].append(c)
            elif ftype == "amount":
                out["amounts"].append(c)
            elif ftype == "label":
                out["labelled"].append(c)
    return out


def sample_profile(conn: duckdb.DuckDBPyConnection, table: str, by_field: mapping.ByField,
                   kind: str) -> FileProfile:
    """Everything column-wide decisions need, over the rows of ``table`` (the text of a sample)."""
    date_cols, formats, mdy = _date_columns(by_field, kind), dict[str, object](), dict[str, list[str]]()
    every = [f for order_formats in parsing.STRPTIME_FORMATS.values() for f in order_formats]
    for c in date_cols:  # which strptime formats the first values use (a bounded look: 2,000 values a column)
        *counts, filled = conn.execute(
            f"SELECT {', '.join(format_hits_sql(c))}, count(*) FILTER (WHERE NOT {parsing.blank(c)}) "
            f"FROM (SELECT {c} FROM {table} WHERE {c} IS NOT NULL LIMIT 2000)").fetchall()[0]
        hits = dict(zip(every, counts, strict=True))
        by_use = {order: parsing.formats_by_use(hits, order) for order in parsing.STRPTIME_FORMATS}
        formats |= {f"{c}_formats_{order}": f for order, f in by_use.items()}
        formats[f"{c}_format_hits"] = {**hits, "filled": filled}  # (reader_casts.date_casts)
        mdy[c] = by_use["mdy"]
    aggs = _profile_aggs(by_field, kind, mdy)  # (after the counts: the month-first formats most used first)
    row = conn.execute(f"SELECT {', '.join(aggs)} FROM {table}")
    names = [d[0] for d in row.description]
    prof = dict(zip(names, row.fetchall()[0], strict=True)) | formats
    date_evidence = None
    if date_cols:
        classes = ", ".join(f"{parsing.date_class_sql(c)} AS k_{c}" for c in date_cols)
        keys = ", ".join(f"k_{c}" for c in date_cols)
        examples = ", ".join(f"any_value({c})" for c in date_cols)
        groups = conn.execute(f"SELECT {keys}, count(*), {examples} FROM (SELECT *, {classes} FROM "
                              f"{table}) GROUP BY {keys}").fetchall()
        date_evidence = parsing.date_profile(groups, date_cols)
    return from_row(prof, **_columns(by_field, kind)).with_dates(date_evidence)


def _not_in(c: str, values: Iterable[str | None] | None) -> str:
    """``c`` where it is none of the sample's ``values`` (NULL otherwise).

    Not ``NOT IN (...)``: DuckDB's optimizer may turn an IN list of six values or more into a mark
    join, and the one read's ``INSERT`` through such a join did not keep file order (an activity
    log of 1M rows with six activity types: the written rows started with the file's row 273,783,
    so 35-69 of its 100 rejects were given other lines and ``key_seq`` numbered rows out of file
    order). A chain of ``<>`` (a short list) or ``list_contains`` (a long one) is a scalar test:
    the same values pass (a NULL ``c`` gives NULL either way), and the rows keep their order."""
    values = [v for v in (values or []) if v is not None]
    if not values or len(values) > MAX_IN_LIST:
        return c
    if len(values) <= MAX_CHAINED:
        return f"(CASE WHEN {' AND '.join(f'{c} <> {lit(v)}' for v in values)} THEN {c} END)"
    return f"(CASE WHEN NOT list_contains([{', '.join(lit(v) for v in values)}], {c}) THEN {c} END)"


MAX_CHAINED = 64  # labels tested one by one (at six, as fast as NOT IN); beyond, list_contains


def evidence_columns(by_field: mapping.ByField, kind: str, sample: FileProfile, orders: dict[str, str],
                     casts: reader_casts.ReaderCasts = reader_casts.NONE) -> list[tuple[str, str]]:
    """(name, SQL) of the evidence the typed pass keeps, over the columns of its last level (of
    the columns the reader typed, ``casts``: the same evidence from their typed values).

    A date value's class (see :func:`parsing.date_class_sql`) follows from the pass's own parse
    where that parse succeeded: a value read in the column's order has day and month in range, so
    it proves that order when its day is over 12 and fits both otherwise. The regexes run only on
    the values that parse failed on."""
    out = []
    for name, cols in by_field.items():
        ftype = mapping.FIELD_BY_NAME[kind][name].type
        for _header, c in cols:
            if c in casts.types:
                out += (reader_casts.date_evidence(c, orders[c], casts.dateformat) if ftype == "date"
                        else reader_casts.amount_evidence(c))
            elif ftype == "date":
                proves = 1 if orders[c] == "dmy" else 2
                dots = f"(CASE WHEN contains({c}, '.') THEN 4 ELSE 0 END)"
                out.append((f"{c}_cls", f"(CASE WHEN {c} IS NULL OR {parsing.iso_dash_sql(c)} THEN 0 "
                                        f"WHEN {c}_ts IS NOT NULL THEN (CASE WHEN day({c}_ts) > 12 THEN {proves} "
                                        f"ELSE 3 END) + {dots} ELSE {parsing.date_class_sql(c)} END)::UTINYINT"))
                # raw text of values proving an order the pass could not read (for the notes' examples)
                out.append((f"{c}_ex", f"(CASE WHEN {c}_ts IS NULL AND NOT ({c} IS NULL OR {parsing.iso_dash_sql(c)}) "
                                       f"AND ({parsing.date_class_sql(c)} & 3) IN (1, 2) THEN {c} END)"))
                if kind == "activities":
                    out.append((f"{c}_lab", _label_evidence(c, orders[c], sample)))
            elif ftype == "amount":
                out.append((f"{c}_fail", f"(CASE WHEN TRY_CAST({c} AS DOUBLE) IS NULL AND NOT {parsing.blank(c)} "
                                         f"THEN {c} END)"))
            elif ftype == "label":
                out.append((f"{c}_new", _not_in(c, sample.column(c).labels)))
    return out


def _label_evidence(c: str, order: str, sample: FileProfile) -> str:
    """An activity date column's raw text where neither the ISO cast nor a month-first strptime reads
    it (and the sample did not show it): values that may be labels, for the notes.

    In a month-first column the pass's own parse ``{c}_ts`` (:func:`parsing.date_levels`) already
    tried the month-first formats on each value without an ISO date: every format list a profile
    holds is :data:`parsing.STRPTIME_FORMATS` of its order, most used first
    (:func:`parsing.formats_by_use`), and whether ``try_strptime`` reads a value depends on the
    set of formats, not their order. So ``{c}_ts IS NULL`` is the same test, without parsing
    each value a second time. A day-first column tries the month-first formats here."""
    label = _not_in(c, sample.column(c).labels)
    if order == "mdy":
        return f"(CASE WHEN {c}_iso IS NULL AND {c}_ts IS NULL THEN {label} END)"
    formats = sample.column(c).formats.get("mdy") or parsing.STRPTIME_FORMATS["mdy"]
    return f"(CASE WHEN {c}_iso IS NULL AND try_strptime({c}, {list(formats)!r}) IS NULL THEN {label} END)"


# Deal ids repeat when their stored (trimmed) values do: ' A1' and 'A1' are lines of one deal.
ID_REPEAT_KEY = '"deal_id"'


def full_profile(conn: duckdb.DuckDBPyConnection, table: str, by_field: mapping.ByField, kind: str,
                 sample: FileProfile, *, stream: bool = False, weight: str | None = None,
                 repeats: bool | None = None) -> FileProfile:
    """The profile of every row of the file, from the typed table's evidence (same keys as the sample's).

    A streamed table has no ids, only their hashes (``id_hash``): ``dup_ids`` is then 0 when no hash
    repeats and None when one does (the ids must be compared whole); ``repeats``, when given, says
    so instead. With ``weight``, each row of ``table`` stands for that many rows of the file."""
    def count(cond: str | None = None) -> str:
        if weight is None:
            return "count(*)" + (f" FILTER (WHERE {cond})" if cond else "")
        return f"coalesce(sum({weight})" + (f" FILTER (WHERE {cond})" if cond else "") + ", 0)::BIGINT"

    aggs, label_keys, date_cols = [f"{count()} AS n_rows"], [], []
    for name, cols in by_field.items():
        ftype = mapping.FIELD_BY_NAME[kind][name].type
        for _header, c in cols:
            if ftype == "date":
                date_cols.append(c)
                base = f"({c}_cls & 3)"
                aggs += [f"{count(f'{base} = 1')} AS {c}_dmy", f"{count(f'{base} = 2')} AS {c}_mdy",
                         f"{count(f'{base} = 3')} AS {c}_amb", f"{count(f'{c}_cls = 7')} AS {c}_dots",
                         f"any_value({c}_ex) FILTER (WHERE {base} = 1) AS {c}_dmy_ex",
                         f"any_value({c}_ex) FILTER (WHERE {base} = 2) AS {c}_mdy_ex"]
                if kind == "activities":
                    aggs.append(f"list(DISTINCT {c}_lab) AS {c}_labels")
                    label_keys.append(f"{c}_labels")
            elif ftype == "amount":
                f = f"{c}_fail"
                aggs += [f"{count(f'regexp_matches({f}, {lit(parsing.COMMA_PROOF_RE)})')} AS {c}_comma",
                         f"{count(f'regexp_matches({f}, {lit(parsing.POINT_PROOF_RE)})')} AS {c}_point",
                         f"list(DISTINCT regexp_extract({f}, '(?i){currencies.CUR_RE}', 1)) FILTER (WHERE {f} IS NOT NULL) "
                         f"AS {c}_cur"]
            elif ftype == "label":
                aggs.append(f"list(DISTINCT {c}_new) AS {c}_labels")
                label_keys.append(f"{c}_labels")
    row = conn.execute(f"SELECT {', '.join(aggs)} FROM {table}")
    names = [d[0] for d in row.description]
    prof = dict(zip(names, row.fetchall()[0], strict=True))
    if kind == "deals" and "deal_id" in by_field:
        if repeats is not None or stream:
            prof["dup_ids"] = None if (repeats if repeats is not None else _hashes_repeat(conn, table)) else 0
        else:
            prof["dup_ids"] = _repeats(conn, table, ID_REPEAT_KEY)
    for key in label_keys:  # the sample's labels (all in the file) and those the evidence found
        c = key.removesuffix("_labels")
        prof[key] = list(set(sample.column(c).labels) | set(prof.get(key) or []))
    for c in date_cols:  # an example from the sample first: the first rows of the file
        seen = sample.column(c)
        prof[f"{c}_dmy_ex"] = seen.dates.dmy_example or prof[f"{c}_dmy_ex"]
        prof[f"{c}_mdy_ex"] = seen.dates.mdy_example or prof[f"{c}_mdy_ex"]
        for order, formats in seen.formats.items():  # (the plan's format order)
            prof[f"{c}_formats_{order}"] = list(formats)
        prof[f"{c}_spread"] = list(seen.spread)  # (the sample's: the plan's reading of an ambiguous column)
    return from_row(prof, **_columns(by_field, kind))


def _hashes_repeat(conn: duckdb.DuckDBPyConnection, table: str) -> bool:
    """Whether any two rows share an ``id_hash`` (sorted in numpy: 8 bytes a row, no hash table)."""
    import numpy as np

    hashes = conn.execute(f"SELECT id_hash FROM {table} WHERE id_hash IS NOT NULL").fetchnumpy()["id_hash"]
    hashes = np.sort(np.asarray(hashes))
    return bool(len(hashes) > 1 and (hashes[1:] == hashes[:-1]).any())


def _repeats(conn: duckdb.DuckDBPyConnection, table: str, x: str) -> int:
    """``count(x) - count(DISTINCT x)``, exactly, without a hash table of every distinct string.

    Values are grouped by their 64-bit hash first (8 bytes a key instead of the string); values
    whose hashes are all distinct are distinct, so the strings are compared only where hashes
    repeat (repeated ids, or a collision)."""
    groups = f"SELECT hash({x}) AS h, count(*) AS n FROM {table} WHERE {x} IS NOT NULL GROUP BY h HAVING n > 1"
    if not conn.execute(f"SELECT count(*) FROM ({groups})").fetchall()[0][0]:
        return 0
    return conn.execute(
        f"SELECT coalesce(sum(n - 1), 0)::BIGINT FROM (SELECT count(*) AS n FROM {table} WHERE {x} IS NOT NULL "
        f"AND hash({x}) IN (SELECT h FROM ({groups})) GROUP BY {x} HAVING n > 1)").fetchall()[0][0]
