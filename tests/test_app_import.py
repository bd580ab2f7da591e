"""The Import page through AppTest: uploads via file_uploader, mapping corrections, commit, history, undo.

Database state is checked through the engine (store.table_counts, importing.import_history), never by
what the page happens to print alone.
"""

from __future__ import annotations

import json
import random
import stat
import tempfile
from pathlib import Path

import pytest
from helpers import app_test, run_cli

from analytics import formatting, importing, store

PAGE = "pages/import_data.py"
CORPUS = Path(__file__).resolve().parent / "corpus"
REPS = ["Ann Lee", "Bob Ray", "Cy Doe", "Dee Park"]


SALESFORCE = {"Opportunity ID": "id", "Opportunity Owner": "rep", "Account Name": "account", "Stage": "stage",
              "Amount": "amount", "Currency": "currency", "Close Date": "close"}
CLOSER = {"Deal Ref": "id", "Account": "account", "Closer": "rep", "Close Date": "close", "Amount": "amount",
          "Stage": "stage"}  # 'Closer' is not a name the detector knows for the rep


def deals_csv(n: int = 40, seed: int = 7, layout: dict[str, str] = SALESFORCE) -> bytes:
    """A clean deals export with ``n`` deals (seeded: the same bytes each run) in the given column layout."""
    rng = random.Random(seed)
    lines = [",".join(layout)]
    for i in range(n):
        row = {"id": f"T-{i:03d}", "rep": rng.choice(REPS), "account": f"Acct {i}",
               "stage": rng.choice(["Closed Won", "Closed Won", "Closed Lost", "Negotiation/Review"]),
               "amount": f"{rng.randrange(1_000, 90_000)}.00", "currency": "USD",
               "close": f"{rng.randint(1, 12):02d}/{rng.randint(1, 28):02d}/2025"}
        lines.append(",".join(row[field] for field in layout.values()))
    return ("\n".join(lines) + "\n").encode()


def csv_upload(name: str, data: bytes) -> tuple[str, bytes, str]:
    return (name, data, "text/csv")


def corpus(name: str) -> tuple[str, bytes, str]:
    return csv_upload(name, (CORPUS / name).read_bytes())


def import_page():
    at = app_test(PAGE)
    assert not at.exception
    return at


def uploader(at):
    """The page's uploader (a new, empty one after each batch it took: its key carries the round)."""
    found = [u for u in at.file_uploader if u.key and u.key.startswith("uploads")]
    assert len(found) == 1, [u.key for u in at.file_uploader]
    return found[0]


def upload(at, *files):
    uploader(at).set_value(list(files)).run()
    assert not at.exception
    return at


def widget(elements, prefix: str):
    """The widget whose key starts with ``prefix`` (keys carry a version that changes on re-check)."""
    found = [e for e in elements if e.key and e.key.startswith(prefix)]
    assert len(found) == 1, [e.key for e in elements]
    return found[0]


def mapping_box(at, file_index: int, header: str):
    return next(s for s in at.selectbox if s.key.startswith(f"map_{file_index}_") and s.label == header)


def apply_settings(at, file_index: int):
    button = next(b for b in at.button if b.label == "Apply and re-check" and f"settings_{file_index}_" in b.key)
    button.click().run()
    assert not at.exception
    return at


def texts(elements) -> str:
    return "\n".join(str(e.value) for e in elements)


def counts(db_path) -> dict[str, int]:
    conn = store.connect(db_path)
    try:
        return store.table_counts(conn)
    finally:
        conn.close()


def history(db_path):
    conn = store.connect(db_path)
    try:
        return importing.import_history(conn)
    finally:
        conn.close()


def frame_with(at, column: str):
    return next(d.value for d in at.dataframe if column in d.value.columns)


def test_good_deals_file_imports_then_reimport_is_unchanged_then_undo(empty_db):
    data = deals_csv()
    at = upload(import_page(), csv_upload("q3_opportunities.csv", data))
    assert "Salesforce opportunity report" in texts(at.markdown)
    assert len(frame_with(at, "close_date")) == 20  # preview: the first rows as stored
    at.button(key="commit_0").click().run()
    assert not at.exception
    assert "40 rows** — 40 new · 0 updated · 0 unchanged" in texts(at.success)
    assert counts(empty_db)["deals"] == 40
    first = history(empty_db)
    assert first[["status", "n_new", "rows_rejected"]].values.tolist() == [["loaded", 40, 0]]

    # A second session with the same export: the confirmed mapping is remembered, nothing changes.
    at = upload(import_page(), csv_upload("q3_opportunities.csv", data))
    assert "your confirmed mapping for these headers" in texts(at.markdown)
    at.button(key="commit_0").click().run()
    assert "0 new · 0 updated · 40 unchanged" in texts(at.success)
    assert counts(empty_db)["deals"] == 40
    log = history(empty_db)
    assert log[["n_new", "n_updated", "n_unchanged"]].values.tolist() == [[0, 0, 40], [40, 0, 0]]

    # Undo the first import from the history. The first click only asks (nothing undone), Cancel
    # drops the question; Yes undoes it: its deals are gone, the log says so.
    first_id = int(first["import_id"].iloc[0])
    widget(at.selectbox, "history_import_").set_value(first_id).run()
    at.button(key="undo_import").click().run()
    assert not at.exception
    assert f"Undo import #{first_id} (q3_opportunities.csv)? Its 40 new row(s) are removed" in texts(at.warning)
    assert counts(empty_db)["deals"] == 40 and history(empty_db)["status"].tolist() == ["loaded", "loaded"]
    at.button(key="undo_import_cancel").click().run()
    assert "Undo import" not in texts(at.warning) and counts(empty_db)["deals"] == 40
    at.button(key="undo_import").click().run()
    assert at.button(key="undo_import_confirm").label == f"Yes, undo import #{first_id}"
    at.button(key="undo_import_confirm").click().run()
    assert not at.exception
    assert "undid import" in texts(at.success)
    assert counts(empty_db)["deals"] == 0
    assert history(empty_db)["status"].tolist() == ["loaded", "undone"]


def test_the_history_shows_an_import_nobody_undid_as_a_blank_not_none(empty_db):
    """The history's 'Undone' and 'Undone by' of an import still in force are missing values: Streamlit drew
    them as 'None' in every row. Every read-only table now draws a missing value as the product's blank."""
    at = upload(import_page(), csv_upload("q3_opportunities.csv", deals_csv()))
    at.button(key="commit_0").click().run()
    at = import_page()
    shown = next(d for d in at.dataframe if "Undone by" in d.value.columns)
    assert shown.value["Undone by"].isna().all()
    assert shown.proto.placeholder == formatting.BLANK
    assert all(d.proto.placeholder == formatting.BLANK for d in at.dataframe)


def test_rejected_rows_are_listed_and_kept_with_the_import(empty_db):
    at = upload(import_page(), corpus("blank_lines.csv"))
    assert "1 row(s) will be set aside" in texts(at.warning)
    rejects = frame_with(at, "reason")
    assert rejects[["file", "line", "column", "value"]].values.tolist() == [["blank_lines.csv", 6, "Amount", "oops"]]
    at.button(key="commit_0").click().run()
    assert "2 rows** — 2 new" in texts(at.success)
    assert "1 set aside" in texts(at.success)
    import_id = int(history(empty_db)["import_id"].iloc[0])
    conn = store.connect(empty_db)
    kept = importing.import_rejects(conn, import_id)
    conn.close()
    assert kept[["line", "column", "value"]].values.tolist() == [[6, "Amount", "oops"]]
    assert kept["reason"].iloc[0].startswith("not an amount")
    # ... and the history tab shows them for the selected import.
    shown = frame_with(at, "reason")
    assert shown[["file", "line", "value"]].values.tolist() == [["blank_lines.csv", 6, "oops"]]


def test_refused_files_get_one_message_and_leave_the_database_as_it_was(sample_db):
    before_counts, before_log = counts(sample_db), len(history(sample_db))
    at = upload(import_page(), corpus("binary.csv"), corpus("empty.csv"), corpus("header_only.csv"))
    errors = [e.value for e in at.error]
    assert len(errors) == 3
    assert errors[0].startswith("binary.csv: not a CSV text file")
    assert errors[1] == "empty.csv: the file is empty (0 bytes)"
    assert errors[2].startswith("header_only.csv:")
    assert not [b for b in at.button if b.key and b.key.startswith("commit")]
    assert counts(sample_db) == before_counts
    assert len(history(sample_db)) == before_log


def test_the_sample_company_is_named_before_files_are_added_to_it(sample_db):
    """A first start loads the sample: a manager's files would join its reps, so the page says so first."""
    warned = [w.value for w in app_test(PAGE).warning if "sample company is loaded" in w.value]
    assert len(warned) == 1 and "clear the sample first on Overview" in warned[0]


def test_without_the_sample_no_word_of_it(empty_db):
    assert not any("sample" in w.value for w in app_test(PAGE).warning)


def test_a_records_name_is_not_offered_as_the_rep(empty_db):
    """A report without an owner column: the page asks for the rep column (the command line refuses the
    file), and 'Opportunity Name' is not preselected as the rep."""
    at = upload(import_page(), corpus("deals_no_owner_column.csv"))
    assert "no column holds **rep**" in texts(at.error)
    assert mapping_box(at, 0, "Opportunity Name").value == "— not imported —"
    assert not [b for b in at.button if b.key == "commit_0"]


@pytest.mark.parametrize("name, said", [
    ("people.csv", "split into 'First Name' and 'Last Name'"),
    ("salesforce_opportunity_splits.csv", "split-credit report (columns"),
])
def test_a_layout_without_a_rep_column_is_explained_beside_the_mapping(empty_db, name, said):
    """A roster with the name in two columns, a split-credit report: the page asks for the rep column as
    for any file, and says why the file has none (the command line's refusal) under it."""
    data = b"First Name,Last Name,Team\nAnn,Lee,West\n" if name == "people.csv" else (CORPUS / name).read_bytes()
    at = upload(import_page(), csv_upload(name, data))
    assert "no column holds **rep**" in texts(at.error)
    assert said in texts(at.caption)
    assert not [b for b in at.button if b.key == "commit_0"]


def test_a_wrong_mapping_is_corrected_in_the_editor_and_remembered(empty_db):
    at = upload(import_page(), csv_upload("closer_export.csv", deals_csv(12, seed=3, layout=CLOSER)))
    assert "no column holds **rep**" in texts(at.error)
    assert mapping_box(at, 0, "Closer").value == "— not imported —"
    assert not [b for b in at.button if b.key == "commit_0"]

    mapping_box(at, 0, "Closer").set_value("rep")
    mapping_box(at, 0, "Deal Ref").set_value("deal_id")
    apply_settings(at, 0)
    assert not at.error
    assert mapping_box(at, 0, "Closer").value == "rep"
    preview = frame_with(at, "close_date")
    assert set(preview["rep"]) <= set(REPS)
    assert preview["deal_id"].iloc[0] == "T-000"
    at.button(key="commit_0").click().run()
    assert "12 new" in texts(at.success)
    assert counts(empty_db)["deals"] == 12

    # The next export with the same headers is read with the confirmed mapping.
    at = upload(import_page(), csv_upload("closer_export_2.csv", deals_csv(5, seed=4, layout=CLOSER)))
    assert not at.error
    assert "your confirmed mapping for these headers" in texts(at.markdown)
    assert mapping_box(at, 0, "Closer").value == "rep"


def test_two_files_at_once_roster_first_then_activity_type_edit(empty_db):
    roster = b"Sales Rep,Team,Manager,Region,Start Date,End Date\nAnn Lee,East,Max,NA,2020-01-06,\nBob Ray,West,Max,EU,2021-03-01,\n"
    at = upload(import_page(), corpus("activities_per_row.csv"), csv_upload("roster.csv", roster))
    assert "Import all 2 ready files" in [b.label for b in at.button]
    at.button(key="commit_all").click().run()
    assert not at.exception
    assert len(at.success) == 2
    c = counts(empty_db)
    assert c["activities"] == 3 and c["reps"] == 2
    log = history(empty_db)  # newest first: the roster went in first
    assert log["kind"].tolist() == ["activities", "reps"]

    # Activity types: 'Sent Email' counts as email; the manager re-labels it as a meeting.
    at.selectbox(key="activity_raw_type").set_value("Sent Email").run()
    assert at.selectbox(key="activity_type").value == "email"
    at.selectbox(key="activity_type").set_value("meeting").run()
    at.button(key="save_activity_type").click().run()
    assert not at.exception
    conn = store.connect(empty_db)
    labels = importing.activity_labels(conn).set_index("raw_type")["type"]
    overrides = importing.activity_type_map(conn)
    conn.close()
    assert labels["Sent Email"] == "meeting"
    assert overrides.values.tolist() == [["Sent Email", "meeting"]]


GERMAN_STAGES = ("Opportunity ID,Opportunity Owner,Stage,Amount,Close Date,Won,Closed\n"
                 "G1,Ann Lee,Auftrag erteilt,1000,2025-01-05,,\nG2,Bob Ray,Abgesagt,500,2025-02-05,,\n"
                 "G3,Ann Lee,Auftrag erteilt,700,2025-03-05,,\n"
                 "G4,Bob Ray,Handover,200,2025-05-05,1,1\nG5,Ann Lee,Handover,100,2025-06-05,0,0\n")


def test_stage_outcomes_tab_sets_a_stage_and_refuses_a_mixed_one(empty_db, tmp_path):
    path = tmp_path / "auftraege.csv"
    path.write_text(GERMAN_STAGES, encoding="utf-8")
    conn = store.connect(empty_db)
    assert importing.import_file(conn, path).status == "loaded"
    conn.close()
    at = import_page()
    assert at.selectbox(key="stage_label").value == "Auftrag erteilt"  # (the most deals first)
    assert at.selectbox(key="stage_outcome").value == "open"
    assert at.button(key="save_stage_outcome").disabled  # (nothing to save yet)
    at.selectbox(key="stage_outcome").set_value("won").run()
    at.button(key="save_stage_outcome").click().run()
    assert not at.exception and not at.error
    assert at.selectbox(key="stage_outcome").value == "won"

    at.selectbox(key="stage_label").set_value("Handover").run()
    at.selectbox(key="stage_outcome").set_value("lost").run()
    at.button(key="save_stage_outcome").click().run()
    assert "the 2 deals under the stage 'Handover' are mixed: won 1, open 1" in texts(at.error)
    conn = store.connect(empty_db)
    outcomes = dict(conn.execute("SELECT deal_id, outcome FROM deals").fetchall())
    remembered = importing.stage_outcome_map(conn).values.tolist()
    conn.close()
    assert outcomes == {"G1": "won", "G2": "open", "G3": "won", "G4": "won", "G5": "open"}
    assert remembered == [["Auftrag erteilt", "won"]]


UNKNOWN_STAGES = b"Opportunity ID,Opportunity Owner,Stage,Amount,Close Date\nP1,Ann Lee,Parked,5,2024-01-02\n"


@pytest.mark.parametrize("file, fragment", [
    (corpus("orders_no_stage.csv"), "every row counts as won"),
    (corpus("order_lines.csv"), "4 lines summed into 2 orders by 'Order ID'"),
    (csv_upload("parked.csv", UNKNOWN_STAGES), "unknown stage(s) counted as open: Parked"),
    (corpus("ambiguous_dates.csv"), "every date is ambiguous"),
], ids=["orders-all-won", "line-items-summed", "unknown-stages", "ambiguous-dates"])
def test_notes_explain_what_the_check_found(empty_db, file, fragment):
    at = upload(import_page(), file)
    assert fragment in texts(at.info)


def test_ambiguous_dates_are_resolved_with_the_date_order_setting(empty_db):
    at = upload(import_page(), corpus("ambiguous_dates.csv"))
    assert str(frame_with(at, "close_date")["close_date"].iloc[0].date()) == "2024-03-04"
    widget(at.selectbox, "date_order_0_").set_value("day first (31/12/2024)")
    apply_settings(at, 0)
    assert str(frame_with(at, "close_date")["close_date"].iloc[0].date()) == "2024-04-03"
    assert counts(empty_db)["deals"] == 0  # inspecting writes nothing


def test_uploads_are_private_copies_deleted_after_import_or_removal(empty_db, tmp_path, monkeypatch):
    """The page keeps each upload on disk while it is looked at: readable by this account alone,
    deleted once imported, and deleted when the file is taken out of the uploader."""
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))  # the temp folder the page writes to

    def copies(at) -> dict[str, Path]:
        return {e["name"]: Path(e["path"]) for e in at.session_state["import_pending"].values()}

    at = upload(import_page(), corpus("us_dates.csv"), corpus("utf8_bom.csv"))
    stored = copies(at)
    assert sorted(stored) == ["us_dates.csv", "utf8_bom.csv"]
    for path in stored.values():
        assert path.is_relative_to(tmp_path)
        assert path.read_bytes() == (CORPUS / path.name.split("-", 1)[1]).read_bytes()
        assert [stat.S_IMODE(p.stat().st_mode) for p in (path.parent.parent, path.parent, path)] == \
            [0o700, 0o700, 0o600]

    at.button(key="commit_0").click().run()
    assert not at.exception
    assert counts(empty_db)["deals"] == 2
    assert not stored["us_dates.csv"].exists()  # imported: its copy is gone, its result still shown
    assert stored["utf8_bom.csv"].exists()
    assert "Imported as deals" in texts(at.success)

    at.button(key="remove_1").click().run()  # utf8_bom.csv removed
    assert not at.exception
    assert not stored["utf8_bom.csv"].exists()
    assert list(copies(at)) == ["us_dates.csv"]
    at.button(key="remove_0").click().run()  # the imported file's card dismissed
    assert not at.exception and not copies(at) and not at.success


# ---- uploads wait across pages (issue 13, item 1) --------------------------------------------------

def test_uploads_survive_a_page_change_until_imported_or_removed(empty_db, tmp_path, monkeypatch):
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    at = upload(import_page(), corpus("us_dates.csv"), corpus("blank_lines.csv"))
    assert [s.value for s in at.subheader] == ["us_dates.csv", "blank_lines.csv"]
    assert not uploader(at).value  # taken off the uploader: listed below it as pending
    at.switch_page("pages/overview.py").run()
    assert not at.exception and not [s.value for s in at.subheader if s.value.endswith(".csv")]
    at.switch_page(PAGE).run()
    assert not at.exception
    assert [s.value for s in at.subheader] == ["us_dates.csv", "blank_lines.csv"]
    assert "1 row(s) will be set aside" in texts(at.warning)  # its check, shown again
    at.button(key="remove_0").click().run()
    assert [s.value for s in at.subheader] == ["blank_lines.csv"]
    at.button(key="commit_0").click().run()
    assert not at.exception and counts(empty_db)["deals"] == 2
    at.switch_page("pages/overview.py").run()
    at.switch_page(PAGE).run()
    assert "Imported as deals" in texts(at.success)  # the result waits until dismissed
    assert counts(empty_db)["deals"] == 2


# ---- order lines on the page ------------------------------------------------------------------------

def test_order_lines_are_summed_by_default_and_can_be_kept(empty_db):
    at = upload(import_page(), corpus("sales_order_lines.csv"))
    choice = widget(at.radio, "lines_0_")
    assert choice.value == "sum" and choice.label == "Order lines"
    assert "6 lines summed into 3 orders by 'Sales Order'" in texts(at.info)
    assert len(frame_with(at, "close_date")) == 3  # the preview: orders as they will be stored
    widget(at.radio, "lines_0_").set_value("keep").run()
    assert not at.exception
    assert widget(at.radio, "lines_0_").value == "keep"
    assert "6 lines of 3 orders in 'Sales Order' kept as deals" in texts(at.info)
    assert frame_with(at, "close_date")["deal_id"].tolist()[:2] == ["SO-1001 #1", "SO-1001 #2"]
    at.button(key="commit_0").click().run()
    assert counts(empty_db)["deals"] == 6
    history_notes = next(i.value for i in at.info if i.value.startswith("**What the check of import #1 found**"))
    assert "6 lines of 3 orders in 'Sales Order' kept as deals" in history_notes  # the history keeps the notes
    # A new session with the same headers: the choice is remembered with the mapping.
    at = upload(import_page(), corpus("sales_order_lines.csv"))
    assert widget(at.radio, "lines_0_").value == "keep"


def test_a_column_that_does_not_number_orders_is_refused_and_lines_can_be_kept(empty_db):
    at = upload(import_page(), corpus("document_no_constant.csv"))
    assert "column 'Document No' does not number orders" in texts(at.error)
    assert not [b for b in at.button if b.key == "commit_0"]
    widget(at.radio, "lines_0_").set_value("keep").run()
    assert not at.error
    at.button(key="commit_0").click().run()
    assert counts(empty_db)["deals"] == 5


# ---- the page and the command line: one outcome (issue 12, "done when") ----------------------------

# A file of each class of the corpus: clean, rejects, unreadable, encodings, line ends, records,
# implausible values, currencies, units, order lines, and the other kinds.
PARITY = ["us_dates.csv", "excel_text_wrappers.csv", "report_footer_salesforce.csv",
          "salesforce_splits_with_owner.csv", "excel_scientific_ids.csv", "blank_lines.csv", "binary.csv", "header_only.csv", "mixed_utf8_cp1252.csv",
          "mixed_cr_lf_crlf.csv", "unterminated_quote.csv", "implausible_amounts.csv",
          "multi_currency_column.csv", "quotas_wide_thousands.csv", "activities_per_row.csv",
          "roster_duplicates.csv", "order_lines_by_shape.csv", "order_id_spans_reps.csv",
          "document_no_constant.csv", "deal_history.csv", "deals_listed_twice.csv", "export_dates.csv",
          "stages_other_languages.csv", "thousands_point.csv", "roster_status_column.csv",
          "closed_dates_out_of_range.csv", "quotas_total_row.csv",
          "quotas_quarter_and_months.csv", "activities_task_status.csv", "quotas_year_quarter.csv",
          "deals_unassigned_owner.csv", "hubspot_calls_export.csv", "salesforce_won_closed_flags.csv",
          "activities_completed_flag.csv", "deals_rep_subtotals.csv", "roster_header_repeated.csv",
          "deals_header_repeated.csv", "opportunity_history_open.csv", "pipeline_snapshots.csv",
          "amounts_fr_spaces.csv", "dates_named_weekday.csv", "quotas_by_quarter_columns.csv",
          "quotas_quarter_columns_year.csv", "quotas_month_year_columns.csv", "quotas_iso_month_columns.csv",
          "quotas_short_month_columns.csv", "quotas_fy_quarter_columns.csv", "quotas_quarter_columns_k.csv",
          "quotas_period_columns_overlap.csv", "quotas_period_columns_mixed_years.csv",
          "close_activities.csv", "freshsales_activities.csv", "zoho_calls.csv", "deals_named_not_numbered.csv",
          "activities_by_type_columns.csv", "activities_by_type_totals.csv", "activities_by_type_same_type.csv",
          "excel_wrapped_dates.csv", "meeting_status_and_outcome.csv", "hubspot_owner_ids.csv",
          "orders_credit_notes.csv", "pipedrive_expected_date_first.csv", "dynamics_opportunities.csv",
          "hubspot_email_events.csv", "outreach_email_states.csv", "hubspot_custom_stage_ids.csv",
          "hubspot_mixed_stage_ids.csv", "deals_group_header_row.csv", "quotas_month_columns_annual.csv"]


def stored_outcome(db) -> tuple:
    """What an import left: the rows of each table, the rejects, and the history's status and message."""
    conn = store.connect(db)
    try:
        rejects = conn.execute("SELECT line, column_name, value, reason FROM import_rejects ORDER BY ALL").fetchall()
        log = conn.execute("SELECT status, message FROM imports ORDER BY import_id").fetchall()
        return store.table_counts(conn), rejects, log
    finally:
        conn.close()


@pytest.mark.parametrize("name", PARITY)
def test_a_page_upload_has_the_same_outcome_as_the_command_line(empty_db, tmp_path, name):
    cli_db = tmp_path / "cli.duckdb"
    cli = run_cli("import", str(CORPUS / name), "--db", str(cli_db), "--json")
    result = json.loads(cli.stdout)
    at = upload(import_page(), corpus(name))
    if result["status"] == "refused":
        assert cli.returncode == 2
        assert [e.value for e in at.error] == [result["message"]]  # the same sentence, file named first
        assert not [b for b in at.button if b.key == "commit_0"]
        assert stored_outcome(empty_db)[0] == stored_outcome(cli_db)[0]
        return
    at.button(key="commit_0").click().run()
    assert not at.exception
    assert stored_outcome(empty_db) == stored_outcome(cli_db)


@pytest.mark.parametrize("name, header, table, dropped", [
    ("activities_by_type_columns.csv", "Demos", "activities", "type = 'demo'"),
    ("quotas_by_quarter_columns.csv", "Q4 2024", "quotas", "period_start = DATE '2024-10-01'"),
])
def test_a_field_of_many_columns_survives_a_mapping_change(empty_db, name, header, table, dropped):
    """A report by type column (each count column a type_count) or a quota sheet by period column (each a
    period_quota): leaving one of those columns out on the page re-checks the file with the others as they
    were, and imports them, instead of 'each field can come from one column only'."""
    at = upload(import_page(), corpus(name))
    assert not at.error
    mapping_box(at, 0, header).set_value("— not imported —")
    apply_settings(at, 0)
    assert not at.error, texts(at.error)
    assert mapping_box(at, 0, header).value == "— not imported —"
    at.button(key="commit_0").click().run()
    assert not at.exception
    conn = store.connect(empty_db)
    try:
        kept, left_out = conn.execute(f"SELECT count(*), count(*) FILTER (WHERE {dropped}) FROM {table}").fetchall()[0]
    finally:
        conn.close()
    assert kept > 0 and left_out == 0


def test_a_re_export_in_thousands_is_refused_and_imports_with_its_unit(empty_db):
    """The same deals saved in thousands: refused on commit with a deal's two amounts, then imported with the
    page's "Multiply amounts by" as the unchanged deals they are (analytics/importing/deal_amount_units.py)."""
    at = upload(import_page(), csv_upload("q3_opportunities.csv", deals_csv()))
    at.button(key="commit_0").click().run()
    in_units = deals_csv().decode().splitlines()
    header, rows = in_units[0], [r.split(",") for r in in_units[1:]]
    amount = header.split(",").index("Amount")
    for r in rows:
        r[amount] = f"{float(r[amount]) / 1000:g}"
    thousands = ("\n".join([header, *(",".join(r) for r in rows)]) + "\n").encode()
    at = upload(import_page(), csv_upload("q3_in_thousands.csv", thousands))
    at.button(key="commit_0").click().run()
    assert not at.exception
    said = texts(at.error)
    assert "are a thousandth of the stored ones" in said and "Multiply amounts by" in said, said
    assert history(empty_db)["status"].tolist() == ["refused", "loaded"]
    at = upload(import_page(), csv_upload("q3_in_thousands.csv", thousands))
    widget(at.number_input, "unit_0_").set_value(1000.0)
    apply_settings(at, 0)
    at.button(key="commit_0").click().run()
    assert "0 new · 0 updated · 40 unchanged" in texts(at.success), texts(at.error)


def test_a_report_without_ids_then_the_same_deals_with_ids_is_refused_naming_the_import_to_undo(empty_db):
    """The same deals first without their id column, then with it: the second file is refused on commit, naming
    the first import, and nothing of it is stored (analytics/importing/other_ids.py)."""
    with_ids = deals_csv().decode().splitlines()
    without = ("\n".join(line.split(",", 1)[1] for line in with_ids) + "\n").encode()
    at = upload(import_page(), csv_upload("report.csv", without))
    at.button(key="commit_0").click().run()
    at = upload(import_page(), csv_upload("api_export.csv", "\n".join(with_ids).encode() + b"\n"))
    at.button(key="commit_0").click().run()
    assert not at.exception
    said = texts(at.error)
    assert "the same deals under other ids" in said and "report.csv (import 1)" in said, said
    assert history(empty_db)["status"].tolist() == ["refused", "loaded"]
    conn = store.connect(empty_db)
    assert conn.execute("SELECT count(*) FROM deals").fetchall()[0][0] == 40
    conn.close()
