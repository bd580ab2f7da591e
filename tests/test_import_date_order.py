"""A date column no value of which proves an order (no day over 12 anywhere): day-first or month-first by
the dates' shape, then the file's money.

A UK file of invoices dated the 1st of each month (01/02/2025, 01/03/2025, ...) was read month-first: every
date fell on 1-12 January, all revenue in two Januaries and the data's last day 2026-01-12.
"""

from __future__ import annotations

from datetime import date

import pytest

from analytics import importing


def _months(n: int, start: int = 2025) -> list[tuple[int, int]]:
    """(year, month) of ``n`` months in a row from January of ``start``."""
    return [(start + i // 12, 1 + i % 12) for i in range(n)]


def _invoices(tmp_path, dates: list[str], amount: str, *, ids: bool = True, repeat: int = 1) -> str:
    """An invoices export (no stage: every row won), each date ``repeat`` times, amounts as ``amount``."""
    head = ("Invoice Number," if ids else "") + "Invoice Date,Salesperson,Customer Name,Total\n"
    rows = []
    for r in range(repeat):
        for i, day in enumerate(dates):
            n = r * len(dates) + i
            rows.append((f"INV-{n:06d}," if ids else "") + f"{day},{'Olivia Hart' if n % 2 else 'Sam Reid'},"
                        f"C{n},{amount.format(1000 + n % 97)}")
    path = tmp_path / "invoices.csv"
    path.write_text(head + "\n".join(rows) + "\n", encoding="utf-8")
    return str(path)


FIRST_OF_MONTH_DMY = [f"01/{m:02d}/{y}" for y, m in _months(23)]      # 01/MM/YYYY: day-first
FIRST_OF_MONTH_MDY = [f"{m:02d}/01/{y}" for y, m in _months(23)]      # MM/01/YYYY: month-first
EARLY_MARCH = [f"03/{d:02d}/2025" for d in range(1, 13)]              # either: 1-12 March, or the 3rd of 12 months


@pytest.mark.parametrize("dates, amount, order, why", [
    # the shape: read the other way every date would fall in January
    (FIRST_OF_MONTH_DMY, '"£{},00"', "dmy", "read month-first every date would fall on 1-12 January"),
    (FIRST_OF_MONTH_DMY, "{}.50", "dmy", "read month-first every date would fall on 1-12 January"),
    (FIRST_OF_MONTH_DMY, '"${}.00"', "dmy", "read month-first every date would fall on 1-12 January"),
    (FIRST_OF_MONTH_MDY, '"€{},00"', "mdy", "read day-first every date would fall on 1-12 January"),
    # both readings plausible: the money says
    (EARLY_MARCH, '"£{}.00"', "dmy", "the amounts are in GBP"),
    (EARLY_MARCH, "{} EUR", "dmy", "the amounts are in EUR"),
    (EARLY_MARCH, '"${}.00"', "mdy", "the amounts are in USD"),
    (EARLY_MARCH, '"{},25"', "dmy", "the amounts are written with decimal commas"),
    (EARLY_MARCH, "{}", "mdy", "nothing in the file says otherwise"),
])
@pytest.mark.parametrize("ids", [True, False], ids=["invoice numbers", "no ids (one read)"])
def test_an_ambiguous_date_column_is_read_by_its_evidence(tmp_path, conn, dates, amount, order, why, ids):
    result = importing.import_file(conn, _invoices(tmp_path, dates, amount, ids=ids), kind="deals")
    assert result.status == "loaded" and result.rows_rejected == 0, (result.message, result.rejects)
    (note,) = [n for n in result.notes if "every date is ambiguous" in n]
    reading = "day-first (DD/MM/YYYY)" if order == "dmy" else "month-first (MM/DD/YYYY)"
    assert f"dates read {reading}: {why}." in note, note
    first, last = (date(int(y), int(b if order == "dmy" else a), int(a if order == "dmy" else b))
                   for a, b, y in (dates[0].split("/"), dates[-1].split("/")))
    assert conn.execute("SELECT min(close_date), max(close_date) FROM deals").fetchall() == [(first, last)]


def test_a_large_file_is_read_by_its_shape(tmp_path, conn):
    """Over the sample (20,000 rows): the one read with the reader's casts keeps the sample's reading."""
    result = importing.import_file(conn, _invoices(tmp_path, FIRST_OF_MONTH_DMY, '"£{}.00"', ids=False, repeat=1_000))
    assert result.rows_loaded == 23_000, result.message
    assert conn.execute("SELECT min(close_date), max(close_date), count(DISTINCT close_date) FROM deals").fetchall() \
        == [(date(2025, 1, 1), date(2026, 11, 1), 23)]


@pytest.mark.parametrize("dates, amount, proven", [
    (["13/01/2025", *FIRST_OF_MONTH_MDY[1:]], '"${}.00"', date(2025, 1, 13)),  # a day over 12 proves day-first
    (["01/13/2025", *FIRST_OF_MONTH_DMY[1:]], '"£{}.00"', date(2025, 1, 13)),  # ... and month-first
])
def test_a_proven_order_is_kept_whatever_the_evidence(tmp_path, conn, dates, amount, proven):
    result = importing.import_file(conn, _invoices(tmp_path, dates, amount), kind="deals")
    assert not [n for n in result.notes if "every date is ambiguous" in n], result.notes
    assert result.rows_rejected == 0 and conn.execute("SELECT count(*) FROM deals WHERE close_date = ?",
                                                      [proven]).fetchall() == [(1,)]


def test_the_date_order_asked_for_wins(tmp_path, conn):
    result = importing.import_file(conn, _invoices(tmp_path, FIRST_OF_MONTH_DMY, '"£{}.00"'), date_order="mdy")
    assert not [n for n in result.notes if "every date is ambiguous" in n], result.notes
    assert conn.execute("SELECT max(close_date) FROM deals").fetchall() == [(date(2026, 1, 11),)]
