"""Order lines: a deals file whose rows are the lines of orders, summed into one deal per order.

An orders or invoices export has a row per line (product) of an order, all carrying the order's
number. Taken as deals one by one, 60,855 lines would be 60,855 "deals" where the company booked
3,796 orders: deal counts, average deal size and the funnel would be wrong (revenue right). So:

- the order number is found by its name (``mapping.CANONICAL_FIELDS``: the synonyms of ``deal_id``)
  or, when no column is named like one, by its values (:func:`id_by_shape`): a column whose repeated
  values each sit on lines of one rep and one date carrying several amounts;
- lines sharing an id are summed into one order by default, and a note says so (:func:`sum_lines`);
  the manager may keep each line as a deal of its own instead (:func:`with_choice`; the id column
  is then mapped to ``order_of_line`` and the lines get ids 'SO-1 #1', 'SO-1 #2', ...). The choice
  is part of the mapping, so it is remembered with it;
- summing guards the opposite mistake: an "order" whose lines span reps or months, or that is a
  large part of the file, is not one order (a constant column, a customer or product id). Its
  lines are set aside with a reason naming the id, its line count and its sum, and a file where
  such groups hold most of the lines is refused. Rows of one id at different stages ('Prospecting',
  then 'Negotiation', then 'Closed Won') are a deal's history, not an order's lines (those carry their
  order's one stage): set aside, or refused the same way (a snapshot export, whose rows are dated by a
  snapshot column, keeps each deal's latest row instead: :mod:`analytics.importing.snapshots`);
- an export that lists a deal twice is no order either: when every repeated id repeats one row in every
  column, each deal is counted once, with a note (real order lines differ in product, amount or date).

>>> with_choice({"Sales Order": "deal_id", "Rep": "rep"}, "keep")
{'Sales Order': 'order_of_line', 'Rep': 'rep'}
>>> with_choice({"Sales Order": "order_of_line"}, "sum")
{'Sales Order': 'deal_id'}
"""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING, NamedTuple

import duckdb

from analytics import formatting, quoting
from analytics.importing import line_totals, mapping, parsing
from analytics.importing.parsing import lit, q
from analytics.importing.stage_types import RefusalError

if TYPE_CHECKING:
    from analytics.importing.csv_source import SourceFile
    from analytics.importing.stage_types import Stage

LINE_CHOICES = ("sum", "keep")
KEEP_HINT = "to keep each line as a deal instead, choose to keep lines (CLI --keep-lines)"

# ---- what one order can be ----------------------------------------------------------------------
# An order is what one rep sold one customer at one time. Lines of one id that break this are not
# one order, and summing them would make one implausible "deal":
MAX_REPS = 1          # lines of one order carry one rep: several reps are several deals sharing a label
MAX_OUTCOMES = 1      # ... and one outcome: rows of one id at different stages ('Negotiation', then
                      # 'Closed Won') are a deal's history, one row per change, and their sum counts it twice
MAX_DATE_SPAN = 31    # days between an order's first and last line date: a month allows for an order
                      # invoiced in parts; more is a reused number, a customer or a product id
# Line counts, not amounts, judge size: amounts legitimately span orders of magnitude (a key
# account's order may be 1,000 times the median), while the lines of one real order are what one
# invoice lists. An id with more than HUGE_LINES lines that is also more than HUGE_RATIO times the
# median order's lines, or that holds more than half of the file's lines, groups something else
# (a constant column: 1.25M lines "summed" into one deal of 70,000,000,000).
HUGE_LINES = 1000
HUGE_RATIO = 100
# Set aside lines of implausible orders when they are a few; when they hold more than this share
# of the lines, the column is not an order number at all: the file is refused, naming it.
REFUSE_SHARE = 0.5
REASONS_SHOWN = 3     # implausible orders named in the note (all are in the rejects)


class NotOrdersError(RefusalError):
    """The id column of a deals file does not number orders: summing its lines would make most of
    them implausible orders. (Keeping each line as a deal is then the manager's other choice.)"""


def with_choice(field_map: dict[str, str], lines: str | None) -> dict[str, str]:
    """``field_map`` with the manager's choice for order lines: ``sum`` maps the order column as
    ``deal_id`` (lines summed into orders), ``keep`` as ``order_of_line`` (each line a deal);
    None leaves it as detected or remembered."""
    if lines is None:
        return dict(field_map)
    if lines not in LINE_CHOICES:
        raise ValueError(f"order lines: choose {' or '.join(LINE_CHOICES)}, not {lines!r}")
    was, becomes = ("deal_id", mapping.ORDER_OF_LINE) if lines == "keep" else (mapping.ORDER_OF_LINE, "deal_id")
    return {h: becomes if f == was else f for h, f in field_map.items()}


def kept_lines(field_map: dict[str, str]) -> bool:
    """Whether the mapping keeps order lines as deals of their own."""
    return mapping.ORDER_OF_LINE in field_map.values()


# ---- summing lines into orders --------------------------------------------------------------------

class _Order(NamedTuple):
    deal_id: str
    n_lines: int
    total: float | None
    reps: int
    span_days: int | None
    first_date: object
    last_date: object
    outcomes: int
    stages: list[str]
    n_stages: int


def _why_not_one_order(order: _Order, median_lines: float, file_lines: int) -> str:
    """Why ``order``'s lines are not one order (the rules above), in words."""
    why = []
    if order.outcomes > MAX_OUTCOMES:
        why.append(f"carry {order.outcomes} outcomes ({', '.join(quoting.quoted(s) for s in order.stages[:3])}): "
                   "a deal's history, one row per change, not an order's lines")
    elif order.n_stages > MAX_OUTCOMES:  # (Prospecting, then Negotiation: open both times, still a history)
        why.append(f"carry {order.n_stages} stages ({', '.join(quoting.quoted(s) for s in order.stages[:3])}): "
                   "a deal's history, one row per change, not an order's lines")
    if order.reps > MAX_REPS:
        why.append(f"carry {order.reps} reps")
    if order.span_days is not None and order.span_days > MAX_DATE_SPAN:
        why.append(f"span {formatting.count(order.span_days)} days ({order.first_date} to {order.last_date})")
    if order.n_lines > HUGE_LINES:
        if 2 * order.n_lines > file_lines:
            why.append(f"are {formatting.rate(order.n_lines / file_lines)} of the file's lines")
        elif order.n_lines > HUGE_RATIO * median_lines:
            why.append(f"are {formatting.count(order.n_lines / median_lines)} times the median order's "
                       f"{formatting.count(median_lines)}")
    return "its lines " + " and ".join(why)


def _describe(order: _Order, header: str, currency: str) -> str:
    return (f"{quoting.quoted(header)} = {quoting.quoted(order.deal_id)}: {formatting.quantity(order.n_lines, 'line')} "
            f"summing to {formatting.money_exact(order.total, currency)}")


def sum_lines(conn: duckdb.DuckDBPyConnection, stage: Stage, select: str, columns: list[str], id_header: str) -> None:
    """``final``: one deal per order, the amounts of its lines added, its other columns from its
    first line, after the implausible orders' lines are set aside (``rej``); raises
    :class:`RefusalError` when those hold more than :data:`REFUSE_SHARE` of the lines.

    ``select`` is the stored ``columns`` as SQL over the typed rows (``deal_id`` the order id)."""
    t = stage.t
    lines, orders, bad = t("lines"), t("orders"), t("badorders")
    conn.execute(f"CREATE TEMP VIEW {lines} AS SELECT row_idx, {select} FROM {t('typed')} WHERE rej IS NULL")
    try:
        conn.execute(
            f"CREATE TEMP TABLE {orders} AS SELECT deal_id, count(*) AS n_lines, sum(amount) AS total, "
            f"count(DISTINCT rep) AS reps, datediff('day', min(close_date), max(close_date)) AS span_days, "
            f"min(close_date) AS first_date, max(close_date) AS last_date, count(DISTINCT outcome) AS outcomes, "
            f"list(DISTINCT stage ORDER BY stage) AS stages, count(DISTINCT stage) AS n_stages, "
            f"count(DISTINCT hash({', '.join(columns)})) AS versions, count(DISTINCT amount) AS amounts, "
            f"any_value(amount) AS line_amount "
            f"FROM {lines} GROUP BY deal_id")
        file_lines, n_orders, median_lines = conn.execute(
            f"SELECT coalesce(sum(n_lines), 0)::BIGINT, count(*), median(n_lines) FROM {orders}").fetchall()[0]
        implausible = (f"outcomes > {MAX_OUTCOMES} OR n_stages > {MAX_OUTCOMES} OR reps > {MAX_REPS} OR "
                       f"span_days > {MAX_DATE_SPAN} OR "
                       f"(n_lines > {HUGE_LINES} AND "
                       f"(2 * n_lines > {int(file_lines)} OR n_lines > {HUGE_RATIO} * {float(median_lines or 1)}))")
        found = [_Order(*row) for row in conn.execute(
            f"SELECT deal_id, n_lines, total, reps, span_days, first_date, last_date, outcomes, "
            f"coalesce(stages, []), n_stages FROM {orders} "
            f"WHERE {implausible} ORDER BY n_lines DESC, deal_id").fetchall()]
        currency = formatting.currency_symbol(stage.currency)
        name = stage.src.file_name
        if found:
            bad_lines = sum(o.n_lines for o in found)
            worst = found[0]
            why = _why_not_one_order(worst, float(median_lines), int(file_lines))
            if bad_lines > REFUSE_SHARE * file_lines:
                fix = ("Export each deal once, at its current stage" if max(worst.outcomes, worst.n_stages) > MAX_OUTCOMES else
                       f"Map another column as deal_id (--map '{quoting.shown(id_header)}=-' to ignore it), "
                       "or keep each line as a deal (--keep-lines)")
                raise NotOrdersError(
                    f"{name}: column {quoting.quoted(id_header)} does not number orders: "
                    f"{formatting.count(bad_lines)} of the {formatting.count(file_lines)} lines share ids that "
                    f"cannot be one order; for example {_describe(worst, id_header, currency)}, but {why}. {fix}")
            reasons = [(o.deal_id, f"not one order, so its lines are set aside: "
                                   f"{_describe(o, id_header, currency)}, but "
                                   f"{_why_not_one_order(o, float(median_lines), int(file_lines))}")
                       for o in found]
            conn.execute(f"CREATE TEMP TABLE {bad} AS SELECT unnest(?::VARCHAR[]) AS deal_id, "
                         "unnest(?::VARCHAR[]) AS reason", [[r[0] for r in reasons], [r[1] for r in reasons]])
            conn.execute(f"INSERT INTO {t('rej')} SELECT NULL, {lit(id_header)}, l.deal_id, b.reason, l.row_idx "
                         f"FROM {lines} l JOIN {bad} b USING (deal_id)")
            shown = "; ".join(_describe(o, id_header, currency) for o in found[:REASONS_SHOWN])
            more = f" and {formatting.count(len(found) - REASONS_SHOWN)} more" if len(found) > REASONS_SHOWN else ""
            stage.notes.append(
                f"{formatting.quantity(len(found), 'order id')} whose lines cannot be one order (several outcomes or stages, "
                f"several reps, dates over {MAX_DATE_SPAN} days apart, or far more lines than the other orders): their "
                f"{formatting.count(bad_lines)} lines are set aside (see the rejects): {shown}{more}")
            keep = f"WHERE deal_id NOT IN (SELECT deal_id FROM {bad})"
        else:
            bad_lines, keep = 0, ""
        copies = _copies_only(conn, orders, keep)
        if not copies and (repeated := line_totals.refusal(  # (a deal's Amount beside each of its line items)
                conn, orders, keep, file_name=name, id_header=id_header, amount_header=stage.by_field["amount"][0][0],
                headers=stage.src.headers, currency=currency)):
            raise line_totals.RepeatedTotalError(repeated)
        aggs = ", ".join("sum(amount) AS amount" if n == "amount" and not copies else f"arg_min({n}, row_idx) AS {n}"
                         for n in columns if n != "deal_id")
        conn.execute(f"CREATE TEMP TABLE {t('final')} AS SELECT deal_id, {aggs} FROM {lines} {keep} "
                     "GROUP BY deal_id ORDER BY min(row_idx)")
        n_lines, n_kept = int(file_lines) - bad_lines, n_orders - len(found)
        if copies:
            stage.notes.append(
                f"{formatting.quantity(copies, 'row')} {'repeats' if copies == 1 else 'repeat'} an earlier row of the same "
                f"{quoting.quoted(id_header)} in every column: each deal is counted once (order lines would differ "
                f"in product, amount or date; {KEEP_HINT})")
        elif n_lines > n_kept:
            stage.notes.append(
                f"{formatting.count(n_lines)} lines summed into {formatting.quantity(n_kept, 'order')} by "
                f"{quoting.quoted(id_header)} (amounts added; other columns from each order's first line); "
                f"{KEEP_HINT}")
    finally:
        conn.execute(f"DROP VIEW IF EXISTS {lines}")
        conn.execute(f"DROP TABLE IF EXISTS {orders}")
        conn.execute(f"DROP TABLE IF EXISTS {bad}")


def _copies_only(conn: duckdb.DuckDBPyConnection, orders: str, keep: str) -> int:
    """The repeated rows when every repeated id of ``orders`` (those ``keep`` keeps) repeats one row
    exactly (a deal listed twice by the export: its copies are not lines to add up), else 0."""
    where = f"{keep} AND" if keep else "WHERE"
    repeated, copies_only, extra = conn.execute(
        f"SELECT count(*), coalesce(bool_and(versions = 1), false), coalesce(sum(n_lines - 1), 0)::BIGINT "
        f"FROM {orders} {where} n_lines > 1").fetchall()[0]
    return int(extra) if repeated and copies_only else 0


def line_id_sql(row_id: str) -> str:
    """A kept line's deal id: its order and its place among the order's lines in file order
    ('SO-1 #2'), or ``row_id`` for a line without an order."""
    order = q(mapping.ORDER_OF_LINE)
    return (f"CASE WHEN {order} IS NULL THEN {row_id} ELSE {order} || ' #' || "
            f"row_number() OVER (PARTITION BY {order} ORDER BY row_idx) END")


def kept_note(conn: duckdb.DuckDBPyConnection, typed_ok: str, header: str) -> str:
    """What keeping lines did, counted over ``typed_ok`` (``FROM typed WHERE ...``)."""
    order = q(mapping.ORDER_OF_LINE)
    n_lines, n_orders, first = conn.execute(
        f"SELECT count(*), count(DISTINCT {order}), arg_min({order}, row_idx) {typed_ok}").fetchall()[0]
    example = quoting.shown(first or "SO-1")
    return (f"{formatting.quantity(n_lines, 'line')} of {formatting.quantity(n_orders, 'order')} in "
            f"{quoting.quoted(header)} kept as deals, one per line (ids such as '{example} #1', '{example} #2'); "
            "to sum the lines into orders instead, choose to sum lines (CLI --sum-lines)")


# ---- an order number found by its values ------------------------------------------------------------

SHAPE_ROWS = 20_000     # rows of the file's head the shape is judged on
FILLED_SHARE = 0.9      # an order column is filled on (nearly) every line
DIGIT_SHARE = 0.9       # ... and its values carry a digit ('SO-1042', '100234'), as numbers do
ORDER_LIKE_SHARE = 0.95  # its repeated values: each on lines of one rep and one date, with two amounts or more
REPEATED_SHARE = 0.2    # lines of repeated values: a fifth of the lines at least (else a few duplicates)
_DATE_LIKE = r"^\s*\d{1,4}[-/.]\d{1,2}[-/.]\d{1,4}"


class ShapeFinding(NamedTuple):
    """A column taken as the order number by its values."""

    header: str
    rows: int          # rows of the head looked at
    repeated: int      # its values that repeat
    note: str


def _head_sql(src: SourceFile, headers: list[str]) -> str:
    columns = "{" + ", ".join(f"{lit(h)}: 'VARCHAR'" for h in src.headers) + "}"
    select = ", ".join(f"{q(h)} AS s{i}" for i, h in enumerate(headers))
    return (f"SELECT {select} FROM read_csv({lit(str(src.read_path))}, columns = {columns}, header = true, "
            f"auto_detect = false, delim = {lit(src.delimiter)}, quote = '\"', escape = '\"', "
            f"skip = {src.skip_lines}, ignore_errors = true, null_padding = true, buffer_size = {4 << 20}, "
            f"parallel = false) LIMIT {SHAPE_ROWS}")
    # A small buffer: the reader's default reads 8 times more than the head. One thread: DuckDB's parallel
    # reader refuses null_padding on a file whose quoted fields hold line breaks (notes, addresses), and
    # those may first appear past the head the file was judged on.


def id_by_shape(conn: duckdb.DuckDBPyConnection, src: SourceFile, field_map: dict[str, str],
                excluded: set[str]) -> ShapeFinding | None:
    """The column of a deals file, not mapped nor in ``excluded``, whose values number orders by
    their shape, or None: filled, with digits, not dates, and whose repeated values each sit on
    lines of one rep and one close date carrying two amounts or more (order lines); of several,
    the one with the most distinct values (the finest grouping sums least).

    Judged on the file's first :data:`SHAPE_ROWS` rows; the sum of the whole file is guarded by
    :func:`sum_lines`. A unique column is no evidence of anything and is left alone."""
    by_field = {f: h for h, f in reversed(list(field_map.items()))}
    if not {"rep", "close_date", "amount"} <= by_field.keys():
        return None
    candidates = [h for h in src.headers if h not in field_map and h not in excluded]
    if not candidates:
        return None
    rep, day, amount = (len(candidates) + i for i in range(3))
    head = _head_sql(src, [*candidates, by_field["rep"], by_field["close_date"], by_field["amount"]])
    view = f"imp_shape_{uuid.uuid4().hex[:10]}"
    try:
        conn.execute(f"CREATE TEMP TABLE {view} AS {head}")
    except duckdb.InvalidInputException:  # (not readable this way: the import's own scan will say why)
        return None
    try:
        return _best_by_shape(conn, view, candidates, (rep, day, amount))
    finally:
        conn.execute(f"DROP TABLE IF EXISTS {view}")


def _best_by_shape(conn: duckdb.DuckDBPyConnection, table: str, candidates: list[str],
                   others: tuple[int, int, int]) -> ShapeFinding | None:
    n_rows = conn.execute(f"SELECT count(*) FROM {table}").fetchall()[0][0]
    if n_rows < 2:
        return None
    stats = ", ".join(
        f"count(*) FILTER (WHERE NOT {parsing.blank(f's{i}')}), "
        f"count(*) FILTER (WHERE regexp_matches(s{i}, '\\d') AND NOT regexp_matches(s{i}, {lit(_DATE_LIKE)})), "
        f"count(DISTINCT trim(s{i}))" for i in range(len(candidates)))
    row = conn.execute(f"SELECT {stats} FROM {table}").fetchall()[0]
    rep, day, amount = (f"s{i}" for i in others)
    best: ShapeFinding | None = None
    best_distinct = 0
    for i, header in enumerate(candidates):
        filled, digits, distinct = row[3 * i: 3 * i + 3]
        if filled < FILLED_SHARE * n_rows or digits < DIGIT_SHARE * filled or distinct >= filled:
            continue
        c = f"trim(s{i})"
        groups, order_like, repeated_lines = conn.execute(
            f"SELECT count(*), count(*) FILTER (WHERE reps = 1 AND days = 1 AND amounts >= 2), "
            f"coalesce(sum(n), 0) FROM (SELECT count(*) AS n, count(DISTINCT trim({rep})) AS reps, "
            f"count(DISTINCT trim({day})) AS days, count(*) FILTER (WHERE NOT {parsing.blank(amount)}) AS amounts "
            f"FROM {table} WHERE NOT {parsing.blank(f's{i}')} GROUP BY {c} HAVING count(*) > 1)").fetchall()[0]
        if groups < 2 or order_like < ORDER_LIKE_SHARE * groups or repeated_lines < REPEATED_SHARE * n_rows:
            continue
        if distinct > best_distinct:
            best_distinct = distinct
            best = ShapeFinding(header, n_rows, groups, (
                f"{quoting.quoted(header)} taken as the order number (deal id) by its values: in the first "
                f"{formatting.quantity(n_rows, 'row')}, {formatting.count(groups)} of its values repeat, each "
                f"on lines of one rep and one date with several amounts (--map '{quoting.shown(header)}=-' "
                "ignores it)"))
    return best


def other_choice_stored(conn: duckdb.DuckDBPyConnection, final: str, lines: str, file_name: str) -> str | None:
    """A refusal when the orders of ``final`` are stored the other way (summed, when ``lines`` is
    "keep"; as kept lines, when "sum") by earlier imports, else None: both stored would count
    each order twice. The message names the imports to undo first."""
    line_order = "regexp_replace(deal_id, ' #[0-9]+$', '')"
    if lines == "keep":
        stored = (f"SELECT deal_id AS order_id, import_id FROM deals WHERE deal_id IN "
                  f"(SELECT DISTINCT {line_order} FROM {final})")
        was, now = "summed into orders", "keeping each line as a deal"
    else:
        stored = (f"SELECT {line_order} AS order_id, import_id FROM deals WHERE deal_id LIKE '% #%' AND "
                  f"{line_order} IN (SELECT deal_id FROM {final})")
        was, now = "kept as deals, one per line", "summing their lines into orders"
    found = conn.execute(f"SELECT count(DISTINCT order_id), list(DISTINCT import_id ORDER BY import_id) "
                         f"FROM ({stored})").fetchall()[0]
    if not found[0]:
        return None
    imports = ", ".join(f"#{i}" for i in found[1])
    first = found[1][0]
    return (f"{file_name}: {formatting.quantity(found[0], 'order')} of this file are stored with their lines {was} "
            f"by import {imports}; {now} now would count them twice. Undo that import first "
            f"(python -m analytics imports undo {first}, or Import history on the Import page), or import "
            f"the file as before")
