"""A file in another currency than the deals already stored: refused, nothing stored changes; a file
naming none takes the stored currency (and says so); the same currency loads as before."""

from __future__ import annotations

from pathlib import Path
from typing import NamedTuple

import pytest
from helpers import run_cli

from analytics import importing, store

SF_HEADER = "Opportunity ID,Opportunity Owner,Stage,Amount Currency,Amount,Close Date\n"


def _sf(ids: str, currency: str) -> str:
    """A Salesforce opportunity report of two won deals in ``currency`` (ids ``{ids}1``, ``{ids}2``)."""
    return (SF_HEADER + f"{ids}1,Ann Lee,Closed Won,{currency},1000.00,2026-01-05\n"
            f"{ids}2,Bo Chan,Closed Won,{currency},2000.00,2026-02-05\n")


def _plain(ids: str, amount: str = "1000") -> str:
    """The same deals without a currency column, amounts written as ``amount``."""
    return ("Opportunity ID,Opportunity Owner,Stage,Amount,Close Date\n"
            f'{ids}1,Ann Lee,Closed Won,"{amount}",2026-01-05\n{ids}2,Bo Chan,Closed Won,"{amount}",2026-02-05\n')


def _headed(ids: str, header: str) -> str:
    """The plain deals with an amount header of their own ('Amount (EUR)': it names the currency)."""
    return _plain(ids).replace(",Amount,", f",{header},", 1)


class Stored(NamedTuple):
    deals: list
    imports: list
    changes: list


def _stored(conn) -> Stored:
    return Stored(conn.execute("SELECT * FROM deals ORDER BY deal_id").fetchall(),
                  conn.execute("SELECT import_id, status FROM imports WHERE status = 'loaded' ORDER BY 1").fetchall(),
                  conn.execute("SELECT * FROM import_changes ORDER BY ALL").fetchall())


def _write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.parametrize(("first", "second", "source", "file_currency", "stored_currency"), [
    # two single-currency reports of one org: the US deals in USD, then the EMEA deals in EUR
    (_sf("A", "USD"), _sf("E", "EUR"), "column 'Amount Currency' says", "EUR", "USD"),
    # currencies written as symbols in the amounts
    (_plain("A", "€1.000,00"), _plain("E", "$1,000.00"), "the amounts in column 'Amount' are in", "USD", "EUR"),
    # a re-export of the same deals in another currency is no update of their amounts either
    (_sf("A", "USD"), _sf("A", "EUR"), "column 'Amount Currency' says", "EUR", "USD"),
    # the amount's header names the currency: read as no amount at all, the file was refused for another reason
    (_sf("A", "USD"), _headed("E", "Amount (EUR)"), "column 'Amount (EUR)' names", "EUR", "USD"),
    (_headed("A", "Deal Value EUR"), _headed("E", "Opportunity Amount (USD)"),
     "column 'Opportunity Amount (USD)' names", "USD", "EUR"),
])
def test_a_file_in_another_currency_than_the_stored_deals_is_refused_and_nothing_changes(
        conn, tmp_path, first, second, source, file_currency, stored_currency):
    assert importing.import_file(conn, _write(tmp_path, "a.csv", first)).status == "loaded"
    before = _stored(conn)
    refused = importing.import_file(conn, _write(tmp_path, "b.csv", second))
    assert refused.status == "refused"
    assert refused.message.startswith(f"b.csv: {source} {file_currency}, but the deals already stored are "
                                      f"in {stored_currency}: amounts in two currencies would be added up as one. "
                                      f"Convert the amounts to {stored_currency} before importing them")
    assert "imports undo ID" in refused.message
    assert _stored(conn) == before
    # the Import page's preview says the same before anything is written
    assert importing.inspect_file(conn, tmp_path / "b.csv").message == refused.message


@pytest.mark.parametrize(("first", "second", "expected_currency", "note"), [
    (_sf("A", "USD"), _sf("B", "USD"), "USD", None),  # the same currency: loads as before
    (_sf("A", "usd"), _sf("B", "US Dollar"), "USD", None),  # the same currency, written otherwise
    # an export without a currency column beside stored euros: its amounts are taken in EUR, and said
    (_sf("A", "EUR"), _plain("B"), "EUR",
     "no currency in the file: its amounts are taken to be in EUR, the currency of the deals already stored"),
    # a bare "$" beside stored Canadian dollars is their dollar, not a second currency
    (_sf("A", "CAD"), _plain("B", "$1,000.00"), "CAD", None),
    # stored deals that name no currency: the file's is taken for them, and said
    (_plain("A"), _sf("B", "EUR"), "EUR", "the deals already stored name no currency: they are taken to be in EUR"),
    # the header names the stored currency
    (_headed("A", "Amount (EUR)"), _headed("B", "Value in EUR"), "EUR", None),
    (_sf("A", "GBP"), _headed("B", "Amount (£)"), "GBP", None),
])
def test_a_file_that_can_join_the_stored_currency_loads(conn, tmp_path, first, second, expected_currency, note):
    assert importing.import_file(conn, _write(tmp_path, "a.csv", first)).status == "loaded"
    loaded = importing.import_file(conn, _write(tmp_path, "b.csv", second))
    assert (loaded.status, loaded.new) == ("loaded", 2), loaded.message
    assert store.currency_code(conn) == expected_currency
    said = [n for n in loaded.notes if "currency" in n]
    assert said == ([] if note is None else [said[0]]) and (note is None or said[0].startswith(note))
    if note is None or "taken to be in EUR, the currency" in note:  # (the file's rows carry the stored currency)
        assert conn.execute("SELECT DISTINCT currency FROM deals WHERE deal_id LIKE 'B%'").fetchall() == \
            [(expected_currency,)]


def test_a_re_export_without_its_currency_column_keeps_the_stored_currency(conn, tmp_path):
    """The same deals exported again without 'Amount Currency': unchanged, still in EUR (not blanked,
    which would show them in dollars)."""
    assert importing.import_file(conn, _write(tmp_path, "a.csv", _sf("A", "EUR"))).new == 2
    again = importing.import_file(conn, _write(tmp_path, "b.csv", _plain("A", "1000.00").replace(
        "A2,Bo Chan,Closed Won,\"1000.00\"", "A2,Bo Chan,Closed Won,\"2000.00\"")))
    assert (again.status, again.new, again.updated, again.unchanged) == ("loaded", 0, 0, 2), again.message
    assert conn.execute("SELECT DISTINCT currency FROM deals").fetchall() == [("EUR",)]


@pytest.mark.parametrize(("quotas", "status"), [
    ("Rep,Period,Quota\nAnn Lee,2026-Q1,\"€5,000\"\nBo Chan,2026-Q1,\"€6,000\"\n", "refused"),
    ("Rep,Period,Quota\nAnn Lee,2026-Q1,\"$5,000\"\nBo Chan,2026-Q1,\"$6,000\"\n", "loaded"),
    ("Rep,Period,Quota\nAnn Lee,2026-Q1,5000\nBo Chan,2026-Q1,6000\n", "loaded"),
])
def test_quotas_in_another_currency_than_the_stored_deals_are_refused(conn, tmp_path, quotas, status):
    """Quotas are measured against the deals' won revenue: in another currency they would be a rate off."""
    assert importing.import_file(conn, _write(tmp_path, "a.csv", _sf("A", "USD"))).status == "loaded"
    result = importing.import_file(conn, _write(tmp_path, "q.csv", quotas), kind="targets")
    assert result.status == status, result.message
    if status == "refused":
        assert "the amounts in column 'Quota' are in EUR, but the deals already stored are in USD: quotas in two " \
               "currencies" in result.message
        assert conn.execute("SELECT count(*) FROM quotas").fetchall() == [(0,)]


def test_deals_stored_after_the_preview_are_checked_at_the_commit(conn, tmp_path):
    """A plan made while nothing was stored (a first load's) is checked again when it is written."""
    plan = importing.inspect_file(conn, _write(tmp_path, "b.csv", _sf("E", "EUR")))
    assert not plan.refused
    assert importing.import_file(conn, _write(tmp_path, "a.csv", _sf("A", "USD"))).status == "loaded"
    before = _stored(conn)
    result = importing.commit_import(conn, plan)
    assert result.status == "refused" and "says EUR, but the deals already stored are in USD" in result.message
    assert _stored(conn) == before


def test_the_cli_refuses_the_second_currency_with_exit_2(tmp_path):
    db = str(tmp_path / "t.duckdb")
    us, emea = _write(tmp_path, "a_us.csv", _sf("A", "USD")), _write(tmp_path, "b_emea.csv", _sf("E", "EUR"))
    result = run_cli("import", "--db", db, str(us), str(emea))
    assert result.returncode == 2
    assert "b_emea.csv: column 'Amount Currency' says EUR, but the deals already stored are in USD" in result.stdout


def test_a_first_file_in_another_currency_than_the_sample_company_says_to_clear_it(sample_db, tmp_path):
    """A first start loads the sample company (USD): a manager's EUR export is refused with the way out that
    fits, clearing the sample, not converting their amounts to the sample's dollars."""
    conn = store.connect(sample_db)
    try:
        before = conn.execute("SELECT count(*) FROM deals").fetchone()
        refused = importing.import_file(conn, _write(tmp_path, "ours.csv", _sf("E", "EUR")))
        assert refused.status == "refused"
        assert "the deals already stored are the sample company's, in USD" in refused.message
        assert "Clear the sample company first" in refused.message and "Convert" not in refused.message
        assert conn.execute("SELECT count(*) FROM deals").fetchone() == before
    finally:
        conn.close()
