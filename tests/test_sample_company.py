"""Removing the sample company: only its own rows go, and never once the manager saved work of their own."""

from __future__ import annotations

import shutil

import pandas as pd
import pytest
from helpers import CORPUS, run_cli

from analytics import importing, sample_company, store, target_sets, tracking

TABLES = ("deals", "activities", "reps", "quotas", "imports", "import_rejects", "import_changes",
          "target_sets", "target_set_rows", "audit_log", "checkin_notes", "saved_mappings", "activity_type_map",
          "stage_outcome_map")


def snapshot(conn) -> dict[str, int]:
    """Row counts of every table the manager's work or the sample can live in."""
    return {table: conn.execute(f"SELECT count(*) FROM {table}").fetchall()[0][0] for table in TABLES}


@pytest.fixture
def sample_conn(sample_db):
    conn = store.connect(sample_db)
    yield conn
    conn.close()


def save_a_target_set(conn) -> None:
    rows = pd.DataFrame({"rep": ["ana", "ana"], "tier": ["base", "stretch"], "target": [100.0, 150.0],
                         "model_value": [100.0, 150.0], "p_attain": [0.65, 0.3]})
    target_sets.save_target_set(conn, target_sets.TargetSetDraft(
        "Q4 plan", "2026-Q4", "quarter", "revenue", {"base": 35, "stretch": 70}, rows=rows))


def add_own_work(conn, work: str) -> str:
    """Save one kind of the manager's own work; returns what the refusal must name."""
    if work == "import":
        result = importing.import_file(conn, CORPUS / "hubspot_deals.csv")
        assert result.status == "loaded", result.message
        return f"import #{result.import_id} hubspot_deals.csv"
    if work == "target set":
        save_a_target_set(conn)
        return "1 target set"
    tracking.add_note(conn, None, "ana", "asked for a territory review")
    return "1 check-in note"


def test_clear_removes_exactly_the_sample_rows_and_import_records(sample_conn):
    sample_ids = sample_company.sample_import_ids(sample_conn)
    assert len(sample_ids) == len(sample_company.SAMPLE_FILES)
    # The manager tried their own files: one refused, one imported then undone. Neither holds rows,
    # so neither blocks the removal, and their records (the quarantined row too) stay.
    refused = importing.import_file(sample_conn, CORPUS / "header_only.csv")
    undone = importing.import_file(sample_conn, CORPUS / "blank_lines.csv")
    assert (refused.status, undone.status, undone.rows_rejected) == ("refused", "loaded", 1)
    assert importing.undo_import(sample_conn, undone.import_id).startswith("undid")
    store.set_setting(sample_conn, "fiscal_year_start_month", "4")
    before = snapshot(sample_conn)
    expected = sample_company.sample_rows(sample_conn, sample_ids)
    assert sample_company.removal_refusal(sample_conn) is None

    removed = sample_company.clear(sample_conn)

    assert removed == expected
    assert (removed.deals, removed.reps) == (before["deals"], before["reps"]) and removed.deals > 1000
    after = snapshot(sample_conn)
    assert {t: after[t] for t in sample_company.DATA_TABLES} == dict.fromkeys(sample_company.DATA_TABLES, 0)
    kept = sample_conn.execute("SELECT import_id, status FROM imports ORDER BY import_id").fetchall()
    assert kept == [(refused.import_id, "refused"), (undone.import_id, "undone")]
    assert sample_conn.execute("SELECT DISTINCT import_id FROM import_rejects").fetchall() == [(undone.import_id,)]
    assert after["saved_mappings"] == before["saved_mappings"]  # remembered mappings are settings: they stay
    assert store.fiscal_year_start_month(sample_conn) == 4
    assert store.get_setting(sample_conn, sample_company.SAMPLE_FLAG) == "cleared"
    assert not sample_company.should_autoload(sample_conn)  # cleared on purpose: never loaded again
    assert store.get_setting(sample_conn, sample_company.SAMPLE_IMPORTS) is None


@pytest.mark.parametrize("work", ["import", "target set", "note"])
def test_clear_is_refused_once_the_manager_saved_own_work(sample_conn, work):
    named = add_own_work(sample_conn, work)
    before = snapshot(sample_conn)
    reason = sample_company.removal_refusal(sample_conn)
    assert reason is not None and named in reason
    with pytest.raises(sample_company.SampleRemovalError, match="the sample stays") as refused:
        sample_company.clear(sample_conn)
    assert named in str(refused.value)
    assert snapshot(sample_conn) == before  # nothing of the sample nor of the manager's work is touched
    assert sample_company.is_loaded(sample_conn)


def test_a_database_loaded_before_the_ids_were_recorded_finds_them_by_the_bundled_files(sample_conn, tmp_path):
    recorded = sample_company.sample_import_ids(sample_conn)
    sample_conn.execute("DELETE FROM settings WHERE key = ?", [sample_company.SAMPLE_IMPORTS])
    assert sample_company.sample_import_ids(sample_conn) == recorded

    # Bundled files that are not the ones imported (regenerated since): the rows cannot be told apart.
    other = tmp_path / "sample"
    shutil.copytree(sample_company.SAMPLE_DIR, other)
    with (other / "reps.csv").open("a", encoding="utf-8") as f:
        f.write("\n")
    assert len(sample_company.sample_import_ids(sample_conn, other)) == len(recorded) - 1
    for path in other.glob("*.csv"):
        path.write_text(path.read_text(encoding="utf-8") + "\n", encoding="utf-8")
    before = snapshot(sample_conn)
    with pytest.raises(sample_company.SampleRemovalError, match="does not record which imports"):
        sample_company.clear(sample_conn, other)
    assert snapshot(sample_conn) == before
    assert sample_company.clear(sample_conn).deals == before["deals"]


def test_clear_without_the_sample_is_refused(empty_db):
    conn = store.connect(empty_db)
    try:
        with pytest.raises(sample_company.SampleRemovalError, match="not loaded"):
            sample_company.clear(conn)
    finally:
        conn.close()


def test_cli_clear_sample_removes_it_once_and_refuses_after(sample_db):
    result = run_cli("imports", "clear-sample", "--db", str(sample_db))
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("removed the sample company: ") and " deals, " in result.stdout
    again = run_cli("imports", "clear-sample", "--db", str(sample_db))
    assert (again.returncode, again.stdout) == (2, "")
    assert "not loaded" in again.stderr


def test_cli_clear_sample_refused_with_own_work_changes_nothing(sample_db):
    conn = store.connect(sample_db)
    save_a_target_set(conn)
    before = snapshot(conn)
    conn.close()
    result = run_cli("imports", "clear-sample", "--db", str(sample_db))
    assert result.returncode == 2
    assert result.stderr.startswith("error: You have saved work of your own beside the sample (1 target set)")
    conn = store.connect(sample_db)
    try:
        assert snapshot(conn) == before
    finally:
        conn.close()
