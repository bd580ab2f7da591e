"""A deal's total written beside each of its line items: refused, never summed once per line.

A line-items export (HubSpot's deals with their line items, a CRM report of opportunity products)
has a row per product of a deal, and many carry the DEAL's Amount on every row beside the line's own
price or total. Summed as order lines (:mod:`analytics.importing.order_lines`), a deal of 3,000 in two
lines became a deal of 6,000, without a word. Real order lines of one order differ in amount as they
differ in product; when EVERY order of several distinct lines repeats one amount on all of them, the
amount is the order's own, repeated. Which reading is meant, the amount cannot say (a few orders of
equal-priced lines look the same), so the file is refused, naming an example and the ways out: read
the lines' own amount column, or keep each line as a deal.
"""

from __future__ import annotations

from collections.abc import Sequence

import duckdb

from analytics import formatting, quoting
from analytics.importing import amount_columns
from analytics.importing.stage_types import RefusalError


class RepeatedTotalError(RefusalError):
    """The amount repeats on every line of every order: a deal's total beside its line items."""


def refusal(conn: duckdb.DuckDBPyConnection, orders: str, keep: str, *, file_name: str, id_header: str,
            amount_header: str, headers: Sequence[str], currency: str) -> str | None:
    """Why the order lines of ``orders`` (a table of ``deal_id, n_lines, versions, amounts, line_amount``:
    the lines, their distinct rows and distinct amounts, one amount) cannot be summed, or None.

    ``keep`` is the WHERE clause of the orders kept (implausible ones set aside), or ''."""
    where = f"{keep} AND" if keep else "WHERE"
    several, repeated, example, n_lines, amount = conn.execute(
        f"SELECT count(*), count(*) FILTER (WHERE amounts = 1 AND line_amount <> 0), "
        f"arg_min(deal_id, deal_id), arg_min(n_lines, deal_id), arg_min(line_amount, deal_id) "
        f"FROM {orders} {where} n_lines > 1 AND versions > 1").fetchall()[0]
    if not several or repeated < several:
        return None
    others = sorted(amount_columns.other_amounts(headers, [amount_header]),  # (a line's total before its unit price)
                    key=lambda h: ("line" not in h.lower(), "total" not in h.lower()))
    read_other = (f"read the lines' own amount instead (--map '{quoting.shown(others[0])}=amount'), "
                  if others else "export the lines' own amounts, ")
    return (f"{file_name}: every order of several lines in {quoting.quoted(id_header)} carries one amount on all "
            f"of its lines (for example {quoting.quoted(example)}: {formatting.quantity(n_lines, 'line')} of "
            f"{formatting.money_exact(amount, currency)} each): the deal's total written beside each of its line "
            f"items, it seems, which summed would count each deal once per line. To import it, {read_other}"
            "or export one row per deal; if these really are lines of equal amounts, keep each line as a deal "
            "(--keep-lines)")
