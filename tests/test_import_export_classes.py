"""Exports a manager gets that were read wrong without a word, each class read right or rejected naming
its line, column and value (the corpus keeps one file of each: tests/corpus/make_corpus.py).

- Won/Closed yes/no columns (Salesforce's IsWon/IsClosed, its reports' Won and Closed, HubSpot's Is Closed
  Won): a file of custom stage names counted every deal open, one without a stage every deal won.
- An activity log's Completed or Done yes/no column: planned tasks counted as activities done.
- A subtotal row named after its group ('Ann Lee Total', 'Total West'): stored as a rep with the sum.
- The header row again mid-file (a report's page break): a roster stored a rep called 'Sales Rep'.
- A deal's history whose stage changes are all open ones: summed as order lines.
- A snapshot export (a row per deal per week): summed as order lines; now the latest snapshot.
- Digits grouped by a no-break space (French Excel: '1 200,50 €'): every row rejected.
- Dates with a weekday or the month written out ('Fri, 05 Jan 2024', '5-Jan-24'): rejected.
"""

from __future__ import annotations

import re

import pytest

from analytics import importing, store
from analytics.importing import labels


def _import(tmp_path, text: str | bytes, name: str = "export.csv"):
    path = tmp_path / name
    path.write_bytes(text.encode() if isinstance(text, str) else text)
    conn = store.connect(tmp_path / "db.duckdb")
    return conn, importing.import_file(conn, path)


def _rows(conn, sql: str) -> list[tuple]:
    return conn.execute(sql).fetchall()


# ---- won and closed from yes/no columns ---------------------------------------------------------------

@pytest.mark.parametrize("text, answer", [
    ("Yes", True), ("TRUE", True), ("1", True), ("x", True), ("No", False), ("false", False), ("0", False),
    ("", None), ("maybe", None),
])
def test_yes_no_answers(text, answer):
    assert labels.answer(text) is answer


FLAG_FILES = {
    # Salesforce API names: no stage column, the flags alone
    "IsWon IsClosed": ("Deal ID,Owner,Amount,Close Date,IsClosed,IsWon\n"
                       "F1,Ann Lee,500,2024-03-20,true,true\nF2,Ann Lee,400,2024-03-21,true,false\n"
                       "F3,Bob Ray,300,2024-06-20,false,false\n",
                       {"F1": "won", "F2": "lost", "F3": "open"}, []),
    # custom stages: the flags decide, the stage names are not guessed
    "Won Closed with stages": ("Deal ID,Owner,Stage,Amount,Close Date,Closed,Won\n"
                               "F1,Ann Lee,Handover,500,2024-03-20,1,1\nF2,Ann Lee,Handover,400,2024-03-21,1,0\n"
                               "F3,Bob Ray,Proposal,300,2024-06-20,0,0\n",
                               {"F1": "won", "F2": "lost", "F3": "open"}, []),
    # Closed alone: the stage says which; a stage saying neither is rejected naming both
    "Is Closed with stages": ("Deal ID,Owner,Stage,Amount,Close Date,Is Closed\n"
                              "F1,Ann Lee,Closed Won,500,2024-03-20,TRUE\nF2,Ann Lee,Dead,400,2024-03-21,TRUE\n"
                              "F3,Bob Ray,Proposal,300,2024-06-20,FALSE\nF4,Bob Ray,Handover,300,2024-03-22,TRUE\n",
                              {"F1": "won", "F2": "lost", "F3": "open"},
                              [(5, "Is Closed", "won, lost or open? Stage = Handover, Is Closed = TRUE")]),
    # Won alone, no stage: no is lost (noted); a blank or 'maybe' says nothing: rejected
    "Won alone": ("Deal ID,Owner,Amount,Close Date,Won\nF1,Ann Lee,500,2024-03-20,Yes\nF2,Ann Lee,400,2024-03-21,No\n"
                  "F3,Bob Ray,300,2024-03-22,\nF4,Bob Ray,300,2024-03-22,maybe\n",
                  {"F1": "won", "F2": "lost"},
                  [(4, "Won", "won, lost or open? Won = (blank)"), (5, "Won", "won, lost or open? Won = maybe")]),
    # HubSpot's properties
    "Is Closed Won": ("Record ID,Deal Stage,Close Date,Amount,Deal owner,Is Closed Won,Is closed\n"
                      "901,Signed,2024-03-01,1000,Ann Lee,true,true\n902,Contract out,2024-04-01,2000,Bob Ray,false,false\n"
                      "903,Gone quiet,2024-03-05,700,Bob Ray,false,true\n",
                      {"901": "won", "902": "open", "903": "lost"}, []),
}


@pytest.mark.parametrize("name", sorted(FLAG_FILES))
def test_won_and_closed_columns_decide_the_outcome(tmp_path, name):
    text, outcomes, rejects = FLAG_FILES[name]
    conn, result = _import(tmp_path, text)
    assert result.status == "loaded", result.message
    assert dict(_rows(conn, "SELECT deal_id, outcome FROM deals")) == outcomes
    assert [(r["line"], r["column"], r["reason"]) for r in result.rejects] == rejects
    assert any("won, lost or open read from the yes/no column(s)" in n for n in result.notes)
    assert not any("counted as won" in n for n in result.notes)
    conn.close()


@pytest.mark.parametrize("with_ids", [True, False], ids=["ids (one read)", "no ids"])
def test_flags_in_a_large_file_give_the_same_outcomes_and_reject_lines(tmp_path, with_ids):
    """3,000 rows: the first load's one read (ids) and the typed rows (no ids) read the flags alike."""
    flags = [("1", "1", "won"), ("1", "0", "lost"), ("0", "0", "open"), ("1", "", None)]
    rows = [f"Rep {i % 7},Stage {i % 5},{100 + i},2024-03-{1 + i % 28:02d},{flags[i % 4][0]},{flags[i % 4][1]}"
            for i in range(3_000)]
    head = "Owner,Stage,Amount,Close Date,Closed,Won"
    if with_ids:
        head, rows = "Deal ID," + head, [f"D{i}," + r for i, r in enumerate(rows)]
    conn, result = _import(tmp_path, head + "\n" + "\n".join(rows) + "\n")
    unclear = [i for i in range(3_000) if flags[i % 4][2] is None]
    assert sorted(r["line"] for r in importing.import_rejects(conn, result.import_id).to_dict("records")) == \
        [i + 2 for i in unclear]
    counts = dict(_rows(conn, "SELECT outcome, count(*) FROM deals GROUP BY ALL"))
    assert counts == {o: 750 for _, _, o in flags if o}
    conn.close()


# ---- an activity that did not happen, by a yes/no column ----------------------------------------------

@pytest.mark.parametrize("header, values, kept", [
    ("Completed", ["Yes", "No", "TRUE", "FALSE"], 2),
    ("Done", ["1", "0", "true", "false"], 2),
    ("Is Closed", ["true", "false", "true", "true"], 3),
])
@pytest.mark.parametrize("with_ids", [False, True], ids=["no ids (one read)", "ids"])
def test_a_done_column_saying_no_rejects_the_activity(tmp_path, header, values, kept, with_ids):
    rows = [f"Ann Lee,2024-01-{2 + i:02d},Call,{v}" for i, v in enumerate(values)]
    head = f"Assigned To,Date,Activity Type,{header}"
    if with_ids:
        head, rows = "Activity ID," + head, [f"A{i}," + r for i, r in enumerate(rows)]
    conn, result = _import(tmp_path, head + "\n" + "\n".join(rows) + "\n")
    assert (result.kind, result.rows_loaded) == ("activities", kept), result.message
    no = [(i + 2, header, f"not done: {header} = {v}") for i, v in enumerate(values) if labels.answer(v) is False]
    assert [(r["line"], r["column"], r["reason"]) for r in result.rejects] == no
    assert _rows(conn, "SELECT count(*) FROM activities") == [(kept,)]
    conn.close()


# ---- subtotal rows named after their group ------------------------------------------------------------

@pytest.mark.parametrize("name, is_total", [
    ("Ann Lee Total", True), ("Total West", True), ("Subtotal: East", True), ("East - Total", True),
    ("Ann Lee Ergebnis", True), ("Totaal Noord", True), ("TOTAL FOR BOB RAY", True),
    ("Ann Lee", False), ("Ann Totalis", False), ("Bob Sumner", False), ("Summer Lee", False), ("Ergebnis", False),
])
def test_subtotal_names(name, is_total):
    assert bool(re.fullmatch(labels.TOTAL_ROW_PATTERN, name)) is is_total
    assert bool(re.fullmatch(labels.NOT_A_REP_PATTERN, name)) is is_total


SUBTOTAL_FILES = {
    "targets": ("Sales Rep,Team,Year,Jan,Feb,Mar\nAnn Lee,East,2024,100,100,100\nBob Ray,East,2024,200,200,200\n"
                "East Total,,2024,300,300,300\nCy Doe,West,2024,50,50,50\nTotal West,,2024,50,50,50\n",
                "SELECT DISTINCT rep FROM quotas ORDER BY 1", [4, 6]),
    "activities": ("Assigned To,Month,Activity Type,Count\nAnn Lee,2024-01,Call,40\nAnn Lee Total,2024-01,Call,40\n"
                   "Bob Ray,2024-01,Call,3\nBob Ray Total,2024-01,Call,3\n",
                   "SELECT DISTINCT rep FROM activities ORDER BY 1", [3, 5]),
    "deals": ("Opportunity Owner,Stage,Amount,Close Date\nAnn Lee,Closed Won,1200,03/20/2024\nAnn Lee Total,,1200,\n"
              "Bob Ray,Closed Won,800,04/02/2024\nSubtotal: Bob Ray,,800,\n",
              "SELECT DISTINCT rep FROM deals ORDER BY 1", [3, 5]),
}


@pytest.mark.parametrize("kind", sorted(SUBTOTAL_FILES))
def test_a_subtotal_row_is_rejected_not_stored_as_a_rep(tmp_path, kind):
    text, reps_sql, lines = SUBTOTAL_FILES[kind]
    conn, result = _import(tmp_path, text)
    assert result.kind == kind, result.message
    assert [r["line"] for r in result.rejects] == lines
    assert all("a total row, not a rep" in r["reason"] for r in result.rejects)
    assert all("Total" not in rep for (rep,) in _rows(conn, reps_sql))
    conn.close()


# ---- the header row again -----------------------------------------------------------------------------

HEADER_AGAIN = {
    "reps": ("Sales Rep,Team\nAnn Lee,East\nBob Ray,West\nSales Rep,Team\nCy Doe,West\n", "reps", "Sales Rep", 4),
    "activities": ("Assigned To,Date,Activity Type\nAnn Lee,2024-01-02,Call\nAssigned To,Date,Activity Type\n"
                   "Bob Ray,2024-01-03,Email\n", "activities", "Assigned To", 3),
    "targets": ("Sales Rep,Period,Quota\nAnn Lee,2024-Q1,300\nSales Rep,Period,Quota\nBob Ray,2024-Q1,200\n",
                "quotas", "Sales Rep", 3),
    "deals": ("Opportunity ID,Opportunity Owner,Stage,Amount,Currency,Close Date\n"
              "A1,Ann Lee,Closed Won,1200,USD,03/20/2024\nOpportunity ID,Opportunity Owner,Stage,Amount,Currency,Close Date\n"
              "A2,Bob Ray,Closed Lost,800,USD,04/02/2024\n", "deals", "Opportunity Owner", 3),
}


@pytest.mark.parametrize("kind", sorted(HEADER_AGAIN))
def test_the_header_row_again_is_rejected_as_such(tmp_path, kind):
    text, table, rep_header, line = HEADER_AGAIN[kind]
    conn, result = _import(tmp_path, text)
    assert (result.status, result.kind, result.rows_rejected) == ("loaded", kind, 1), result.message
    [reject] = result.rejects
    assert (reject["line"], reject["column"], reject["value"]) == (line, rep_header, rep_header)
    assert reject["reason"].startswith("the header row again")
    assert _rows(conn, f"SELECT count(*) FROM {table} WHERE rep = '{rep_header}'") == [(0,)]
    # its words are no stage, type or currency the notes should name
    assert not any(w in n for n in result.notes for w in ("Stage", "Activity Type", "CURRENCY"))
    conn.close()


# ---- a deal's history and a snapshot export -----------------------------------------------------------

def test_a_history_of_open_stages_is_set_aside_not_summed(tmp_path):
    """Rows of one id at two open stages are no order's lines (those carry one stage): set aside."""
    text = ("Opportunity ID,Opportunity Owner,Stage,Amount,Close Date\n"
            "H1,Ann Lee,Prospecting,1000,03/31/2024\nH1,Ann Lee,Negotiation,1200,03/31/2024\n"
            + "".join(f"O{i},Bob Ray,Closed Won,{100 + i},03/{10 + i}/2024\n" for i in range(5)))
    conn, result = _import(tmp_path, text)
    assert (result.status, result.rows_loaded, result.rows_rejected) == ("loaded", 5, 2), result.message
    assert "carry 2 stages ('Negotiation', 'Prospecting'): a deal's history" in result.rejects[0]["reason"]
    assert _rows(conn, "SELECT count(*) FROM deals WHERE deal_id = 'H1'") == [(0,)]
    conn.close()


def test_order_lines_of_one_stage_are_still_summed(tmp_path):
    conn, result = _import(tmp_path, "Opportunity ID,Opportunity Owner,Stage,Product,Amount,Close Date\n"
                                     "P1,Ann Lee,Negotiation,Widget,100,03/31/2024\nP1,Ann Lee,Negotiation,Gadget,50,03/31/2024\n")
    assert _rows(conn, "SELECT deal_id, amount FROM deals") == [("P1", 150.0)]
    conn.close()


SNAPSHOTS = ("Snapshot Date,Opportunity ID,Opportunity Owner,Stage,Amount,Close Date\n"
             "01/07/2024,S1,Ann Lee,Prospecting,1000,03/31/2024\n01/21/2024,S1,Ann Lee,Negotiation,1300,03/31/2024\n"
             "01/14/2024,S1,Ann Lee,Negotiation,1200,03/31/2024\n01/07/2024,S2,Bob Ray,Closed Won,500,01/02/2024\n"
             "01/14/2024,S2,Bob Ray,Closed Won,500,01/02/2024\n01/21/2024,S3,Bob Ray,Prospecting,700,06/30/2024\n")


def test_a_snapshot_export_keeps_each_deals_latest_snapshot(tmp_path):
    """Latest by the snapshot date, not by file order (S1's latest week is its second row)."""
    conn, result = _import(tmp_path, SNAPSHOTS)
    assert (result.status, result.rows_read, result.rows_loaded, result.rows_rejected) == ("loaded", 6, 3, 0)
    assert _rows(conn, "SELECT deal_id, stage, amount FROM deals ORDER BY 1") == [
        ("S1", "Negotiation", 1300.0), ("S2", "Closed Won", 500.0), ("S3", "Prospecting", 700.0)]
    assert any("3 earlier snapshot rows skipped" in n for n in result.notes), result.notes
    again = importing.import_file(conn, tmp_path / "export.csv")
    assert (again.new, again.updated, again.unchanged) == (0, 0, 3)
    conn.close()


# ---- amounts grouped by spaces, dates written out -----------------------------------------------------

@pytest.mark.parametrize("value, amount", [
    ("1\u202f200,50 €", 1200.5), ("2\u00a0300,00\u00a0€", 2300.0), ("-1\u202f000,00 €", -1000.0),
    ("12 000,00 €", 12000.0), ("1\u2009234,5", 1234.5),
])
def test_digits_grouped_by_a_space_with_a_decimal_comma(tmp_path, value, amount):
    text = f"Deal ID;Owner;Stage;Amount;Close Date\nD1;Ann Lee;Closed Won;{value};20.03.2024\n" \
           "D2;Ann Lee;Closed Won;3\u202f000,25;21.03.2024\n"
    conn, result = _import(tmp_path, text)
    assert result.rows_rejected == 0, result.rejects
    assert dict(_rows(conn, "SELECT deal_id, amount FROM deals")) == {"D1": amount, "D2": 3000.25}
    conn.close()


@pytest.mark.parametrize("value", ["Fri, 05 Jan 2024", "Friday, January 5, 2024", "January 5 2024", "5-Jan-24",
                                   "05-Jan-2024", "Fri, 05 Jan 2024 10:00:00", "Fri, Jan 5, 2024"])
def test_dates_with_a_weekday_or_the_month_written_out(tmp_path, value):
    conn, result = _import(tmp_path, f'Deal ID,Owner,Stage,Amount,Close Date\nD1,Ann Lee,Closed Won,100,"{value}"\n')
    assert result.rows_rejected == 0, result.rejects
    assert _rows(conn, "SELECT close_date::VARCHAR FROM deals") == [("2024-01-05",)]
    conn.close()


# ---- reps by e-mail in one file, by name in another ---------------------------------------------------

@pytest.mark.parametrize("email, same", [
    ("ann.lee@acme.com", True), ("Ann_Lee@acme.com", True), ("lee.ann@acme.com", True), ("ann-lee@acme.com", True),
    ("alee@acme.com", False), ("ann.leigh@acme.com", False),
])
def test_an_email_address_is_read_by_its_words(email, same):
    from analytics.importing.rep_spellings import name_key
    assert (name_key(email) == name_key("Ann Lee")) is same


def test_deals_by_email_after_a_roster_by_name_are_noted(tmp_path):
    """A roster naming reps and deals naming them by e-mail were two sets of reps, without a word."""
    conn, _ = _import(tmp_path, "Name,Email,Team\nAnn Lee,ann.lee@acme.com,East\nBob Ray,bob.ray@acme.com,West\n",
                      "roster.csv")
    (tmp_path / "deals.csv").write_text("Opportunity ID,Opportunity Owner,Stage,Amount,Close Date\n"
                                        "E1,ann.lee@acme.com,Closed Won,100,2024-01-05\nE2,bob.ray@acme.com,Closed Won,200,"
                                        "2024-01-06\n")
    result = importing.import_file(conn, tmp_path / "deals.csv")
    [note] = [n for n in result.notes if "more than one spelling" in n]
    assert "'Ann Lee' (1 row) and 'ann.lee@acme.com' (1 row)" in note and "'bob.ray@acme.com'" in note
    conn.close()


@pytest.mark.parametrize("with_ids", [True, False], ids=["ids", "no ids"])
def test_a_won_deal_of_amount_zero_is_noted(tmp_path, with_ids):
    rows = ["Ann Lee,Closed Won,0,03/20/2024", "Ann Lee,Closed Won,500,03/21/2024", "Bob Ray,Closed Lost,0,03/22/2024"]
    head = "Opportunity Owner,Stage,Amount,Close Date"
    if with_ids:
        head, rows = "Opportunity ID," + head, [f"W{i}," + r for i, r in enumerate(rows)]
    conn, result = _import(tmp_path, head + "\n" + "\n".join(rows) + "\n")
    assert result.rows_loaded == 3
    assert "1 won deal(s) have amount 0: counted as wins, with no revenue" in result.notes
    conn.close()


# ---- quotas by period column, which a roster would drop -----------------------------------------------

@pytest.mark.parametrize("text, named", [
    ("Sales Rep,Q1 2024,Q2 2024\nAnn Lee,100000,110000\n", "'Q1 2024', 'Q2 2024'"),
    ("Sales Rep,Year,Q1,Q2,Q3,Q4\nAnn Lee,2024,1,2,3,4\n", "'Q1', 'Q2', 'Q3', 'Q4'"),
    ("Sales Rep,Team,Jan 2024,Feb 2024\nAnn Lee,East,100,110\n", "'Jan 2024', 'Feb 2024'"),
    ("Manager,Team,Sales Rep,2024-Q1,2024-Q2\nMax,East,Ann Lee,100,110\n", "'2024-Q1', '2024-Q2'"),
])
def test_quotas_by_period_column_are_refused_as_a_roster(tmp_path, text, named):
    conn, result = _import(tmp_path, text)  # (detected, they are quotas: tests/test_import_period_columns.py)
    result = importing.import_file(conn, tmp_path / "export.csv", kind="reps")
    assert result.status == "refused", result.message
    assert f"columns {named} name periods" in result.message and "--kind targets" in result.message
    assert _rows(conn, "SELECT count(*) FROM reps") == [(0,)]
    conn.close()


def test_a_roster_with_one_date_like_column_is_still_a_roster(tmp_path):
    conn, result = _import(tmp_path, "Sales Rep,Team,Manager,Start Date,2024\nAnn Lee,East,Max,2020-01-06,x\n")
    assert (result.status, result.kind, result.rows_loaded) == ("loaded", "reps", 1), result.message
    conn.close()


def test_coppers_opportunities_read_by_their_status_and_assignee(tmp_path):
    """Copper's export names the rep Assignee (refused: no rep column) and says Won, Lost, Abandoned or Open in
    its Status beside the pipeline stage; an abandoned deal is lost."""
    from helpers import CORPUS

    conn = store.connect(tmp_path / "db.duckdb")
    result = importing.import_file(conn, CORPUS / "copper_opportunities.csv")
    assert (result.status, result.kind, result.rows_loaded) == ("loaded", "deals", 4), result.message
    assert conn.execute("SELECT deal_id, rep, outcome FROM deals ORDER BY deal_id").fetchall() == [
        ("31", "Ann Lee", "won"), ("32", "Bob Ray", "lost"), ("33", "Ann Lee", "lost"), ("34", "Bob Ray", "open")]
    conn.close()
