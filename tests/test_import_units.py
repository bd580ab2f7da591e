"""Units of imported quotas (issue 12, defect 6): a quota file in thousands, judged against the same
reps' won revenue, gets the evident unit; the unit is remembered with the mapping; a re-import's
preview says how the stored quotas change; deals arriving after quotas say when those look off."""

from __future__ import annotations

import csv
import statistics

import pytest
from helpers import CORPUS, REPO_ROOT, app_test, run_cli

from analytics import formatting, importing, store
from analytics.importing import quota_units, saved_mappings

THOUSANDS = CORPUS / "quotas_wide_thousands.csv"
SAMPLE_DEALS = REPO_ROOT / "data" / "sample" / "opportunities.csv"
MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def file_quotas(scale: float) -> dict[tuple[str, int, int], float]:
    """The file's quotas read with the csv module, times ``scale``: (rep, year, month) -> target."""
    with THOUSANDS.open(newline="") as f:
        return {(row["Sales Rep"], int(row["Year"]), m): round(float(row[name]) * scale, 6)
                for row in csv.DictReader(f) for m, name in enumerate(MONTHS, 1)}


def stored_quotas(conn) -> dict[tuple[str, int, int], float]:
    """The stored quotas of the file's reps and year."""
    reps = sorted({rep for rep, _, _ in file_quotas(1)})
    rows = conn.execute(
        "SELECT rep, year(period_start), month(period_start), target FROM quotas WHERE year(period_start) = 2025 "
        f"AND rep IN ({', '.join('?' for _ in reps)})", reps).fetchall()
    return {(rep, year, month): round(target, 6) for rep, year, month, target in rows}


def without_quotas(db_path) -> None:
    """The sample company with its deals and no quotas: the quota file arrives second."""
    conn = store.connect(db_path)
    conn.execute("DELETE FROM quotas")
    conn.close()


@pytest.mark.parametrize(("compared", "median_ratio", "factor"), [
    (321, 1.2, None),              # the sample company's own quotas
    (321, 1 / 834, 1_000.0),       # the same quotas in thousands
    (50, 2e-6, 1_000_000.0),
    (50, 900.0, 0.001),            # amounts in a column said to be thousands
    (50, 1.1e6, 0.000001),
    (50, 0.05, None),              # far from any unit: left alone
    (50, 0.01, None),
    (2, 0.001, None),              # too few rep-periods to say anything
    (50, None, None),
])
def test_evident_factor(compared, median_ratio, factor):
    assert quota_units.evident_factor(quota_units.UnitEvidence(compared, median_ratio)) == factor


def test_quotas_in_thousands_get_the_unit_of_the_stored_revenue(sample_db):
    without_quotas(sample_db)
    conn = store.connect(sample_db)
    plan = importing.inspect_file(conn, THOUSANDS)
    assert plan.unit == 1000.0 and plan.unit_note.startswith("quotas in thousands: the median quota is 1/")
    result = importing.import_file(conn, THOUSANDS)
    assert (result.status, result.new, result.rows_rejected) == ("loaded", 36, 0)
    assert any(note.startswith("quotas in thousands") for note in result.notes)
    assert stored_quotas(conn) == file_quotas(1000)
    assert saved_mappings.load_saved_mapping(conn, plan.headers).unit == 1000.0  # remembered with the mapping
    conn.close()


def test_reimport_in_thousands_leaves_the_stored_quotas_and_the_preview_shows_a_change(sample_db):
    conn = store.connect(sample_db)
    before = stored_quotas(conn)
    assert before == file_quotas(1000)  # the sample company's own quotas, in full units
    kept = importing.inspect_file(conn, THOUSANDS, unit=1)
    change = (f"36 stored quotas change: median {formatting.count(statistics.median(file_quotas(1000).values()))}"
              f" -> {formatting.count(statistics.median(file_quotas(1).values()))} (x0.001)")
    assert change in kept.notes
    assert any(note.startswith("check the unit: with the unit 1 the median quota is 1/") for note in kept.notes)
    result = importing.import_file(conn, THOUSANDS)
    assert (result.updated, result.unchanged) == (0, 36), result.notes
    assert stored_quotas(conn) == before
    conn.close()


def test_headers_saying_thousands_over_plain_amounts_keep_the_amounts(sample_db, tmp_path):
    """The opposite mistake: "Jan (k)" headers over values already in full units (1,000x)."""
    without_quotas(sample_db)
    lines = THOUSANDS.read_text().splitlines()
    header = ",".join(f"{name} (k)" if name in MONTHS else name for name in lines[0].split(","))
    rows = [",".join(cells[:2] + [f"{float(v) * 1000:.0f}" for v in cells[2:]])
            for cells in (line.split(",") for line in lines[1:])]
    path = tmp_path / "quotas_k_headers_full_values.csv"
    path.write_text("\n".join([header, *rows]) + "\n")
    conn = store.connect(sample_db)
    result = importing.import_file(conn, path)
    assert result.status == "loaded"
    assert any(note.startswith("quotas in another unit") and "kept as they are" in note for note in result.notes)
    assert stored_quotas(conn) == file_quotas(1000)
    conn.close()


def test_cli_applies_the_evident_unit_and_says_so(sample_db):
    without_quotas(sample_db)
    out = run_cli("import", str(THOUSANDS), "--db", str(sample_db))
    assert out.returncode == 0, out.stderr
    assert "36 new" in out.stdout and "  note: quotas in thousands: the median quota is 1/" in out.stdout
    assert "pass unit=1 (--unit 1) to keep them as they are" in out.stdout
    conn = store.connect(sample_db)
    assert stored_quotas(conn) == file_quotas(1000)
    conn.close()


def test_cli_unit_1_keeps_the_values_and_warns(sample_db):
    without_quotas(sample_db)
    out = run_cli("import", str(THOUSANDS), "--db", str(sample_db), "--unit", "1")
    assert out.returncode == 0, out.stderr
    assert "note: check the unit: with the unit 1" in out.stdout
    conn = store.connect(sample_db)
    assert stored_quotas(conn) == file_quotas(1)
    assert saved_mappings.load_saved_mapping(conn, importing.inspect_file(conn, THOUSANDS).headers).unit == 1.0
    conn.close()


def test_the_unit_is_remembered_for_a_reimport_in_a_new_session(empty_db):
    # No deals: nothing to judge the unit by, so only the remembered unit can keep the quotas right.
    first = run_cli("import", str(THOUSANDS), "--db", str(empty_db), "--unit", "1000")
    assert first.returncode == 0, first.stderr
    again = run_cli("import", str(THOUSANDS), "--db", str(empty_db))  # a new process, no --unit
    assert again.returncode == 0, again.stderr
    assert "0 updated, 36 unchanged" in again.stdout
    assert "note: values multiplied by 1000, the unit confirmed before for files with these headers" in again.stdout
    conn = store.connect(empty_db)
    assert stored_quotas(conn) == file_quotas(1000)
    assert "--unit 1" in importing.inspect_file(conn, THOUSANDS).unit_note
    conn.close()


def test_deals_arriving_after_quotas_in_thousands_get_a_note(empty_db):
    conn = store.connect(empty_db)
    assert importing.import_file(conn, THOUSANDS).status == "loaded"  # no deals yet: stored as they are
    expected = "the stored quotas look like thousands: the median quota is 1/"
    preview = importing.inspect_file(conn, SAMPLE_DEALS)
    assert any(note.startswith(expected) for note in preview.notes), preview.notes
    result = importing.import_file(conn, SAMPLE_DEALS)
    assert result.status == "loaded"
    note = next(note for note in result.notes if note.startswith(expected))
    assert note.endswith("import the quota file again with unit=1000 (--unit 1000)")
    assert stored_quotas(conn) == file_quotas(1)  # a note, nothing changed
    conn.close()


def test_deals_after_quotas_in_full_units_get_no_note(sample_db):
    conn = store.connect(sample_db)
    conn.execute("DELETE FROM deals")
    result = importing.import_file(conn, SAMPLE_DEALS)
    assert result.status == "loaded"
    assert not [note for note in result.notes if "stored quotas" in note]
    conn.close()


def test_the_import_page_preselects_the_evident_unit_with_a_warning(sample_db):
    without_quotas(sample_db)
    at = app_test("pages/import_data.py")
    at.file_uploader(key="uploads").set_value([(THOUSANDS.name, THOUSANDS.read_bytes(), "text/csv")]).run()
    assert not at.exception
    assert any(w.value.startswith("**Amounts multiplied by 1000**") for w in at.warning)
    assert [n.value for n in at.number_input if n.label == "Multiply amounts by"] == [1000.0]


@pytest.mark.parametrize(("through", "stored"), [
    ("2024-01-01", 300_000.0),   # January's quotas, the deals ending on its first day: no evidence of a unit
    ("2024-01-31", 300_000.0),   # January complete, the quotas of its size: plain amounts
])
def test_a_period_the_deals_cover_in_part_is_no_evidence_of_a_unit(empty_db, tmp_path, through, stored):
    """Quotas of the month under way against the one day of it the deals hold (300 of 300,000) looked
    a thousand times too large, and were divided by 1,000."""
    last = int(through[-2:])
    deals = tmp_path / "deals.csv"
    deals.write_text("Deal ID,Owner,Close Date,Amount,Stage\n" + "".join(
        f"D{r}{d},{rep},2024-01-{d:02d},{300 if last == 1 else 10_000},Closed Won\n"
        for r, rep in enumerate(["Ann Lee", "Bob Ray", "Cy Doe"]) for d in range(1, last + 1)))
    quotas = tmp_path / "quotas.csv"
    quotas.write_text("Sales Rep,Period,Quota\n" + "".join(f"{rep},2024-01,300000\n" for rep in ["Ann Lee", "Bob Ray",
                                                                                                   "Cy Doe"]))
    conn = store.connect(empty_db)
    try:
        importing.import_file(conn, deals)
        result = importing.import_file(conn, quotas)
        assert result.status == "loaded" and not any("unit" in n for n in result.notes), result.notes
        assert conn.execute("SELECT DISTINCT target FROM quotas").fetchall() == [(stored,)]
    finally:
        conn.close()
