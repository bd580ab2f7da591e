"""Wide or endless headers are refused at once; header matching is linear in the columns (issue 12, defect 3).

A header row over 1,000 columns or 64 KB is refused naming the file and the count or size (exit 2 on
the command line, the same message on the Import page). Fuzzy matching compares each distinct
normalised header once with every synonym (rapidfuzz), so repeated or many headers cost no more
than their count.
"""

from __future__ import annotations

import pytest
from helpers import CORPUS, app_test, run_cli

from analytics import importing, store
from analytics.importing import csv_source, mapping

REFUSALS = {
    "wide_header_blank_columns.csv": "wide_header_blank_columns.csv: the header row has 100,007 columns (at most "
                                     "1,000 are read); remove the empty or extra columns and export again",
    "endless_header_line.csv": "endless_header_line.csv: the header row is longer than 64 KB (1,048,576 bytes "
                               "without a line break): not a CSV header; export the data as CSV",
}


@pytest.mark.parametrize("name", sorted(REFUSALS))
def test_a_wide_or_endless_header_is_refused_with_exit_2_and_nothing_stored(tmp_path, name):
    db = tmp_path / "t.duckdb"
    assert run_cli("import", str(CORPUS / "us_dates.csv"), "--db", str(db)).returncode == 0
    out = run_cli("import", str(CORPUS / name), "--db", str(db))
    assert out.returncode == 2
    assert REFUSALS[name] in out.stdout + out.stderr
    conn = store.connect(db)
    try:
        assert conn.execute("SELECT count(*) FROM deals").fetchall() == [(2,)]
    finally:
        conn.close()


def test_the_import_page_shows_the_same_refusal(empty_db):
    at = app_test("pages/import_data.py")
    files = [(name, (CORPUS / name).read_bytes(), "text/csv") for name in sorted(REFUSALS)]
    at.file_uploader(key="uploads").set_value(files).run()
    assert not at.exception
    assert [e.value for e in at.error] == [REFUSALS[name] for name in sorted(REFUSALS)]


@pytest.mark.parametrize("width, refused", [(1000, False), (1001, True)])
def test_the_column_limit_is_1000(tmp_path, width, refused):
    path = tmp_path / "wide.csv"
    names = ["Opportunity Owner", "Amount", "Close Date"] + [f"Extra {i}" for i in range(width - 3)]
    path.write_text(",".join(names) + "\n" + "Ann Lee,10,01/13/2024" + "," * (width - 3) + "\n")
    conn = store.connect(":memory:")
    try:
        plan = importing.inspect_file(conn, path)
    finally:
        conn.close()
    assert plan.refused is refused, plan.message
    assert ("1,001 columns" in plan.message) is refused


def _named_apart(cells: list[str]) -> list[str]:
    """The naming by its definition: each name takes the first suffix 2, 3, ... no earlier name has."""
    out: list[str] = []
    for i, cell in enumerate(cells):
        name = base = cell.strip() or f"column_{i + 1}"
        n = 1
        while name.lower() in {o.lower() for o in out}:
            n += 1
            name = f"{base}_{n}"
        out.append(name)
    return out


def test_many_repeated_headers_are_named_apart_by_the_definition():
    cells = ["Amount", "amount", "Amount_2", "", "Amount", "Amount_3", *["Amount", "AMOUNT", "Amount_2"] * 300]
    headers, notes = csv_source.unique_headers(cells)
    assert headers == _named_apart(cells)
    assert headers[:6] == ["Amount", "amount_2", "Amount_2_2", "column_4", "Amount_3", "Amount_3_2"]
    assert len(notes) == len(cells) - 2  # (only the first Amount and the blank are no repeats)


@pytest.mark.parametrize("extra", [
    ["Amount"] * 5000,                                  # the same name over and over
    [f"Custom field {i}" for i in range(5000)],         # many distinct names
    [""] * 5000,                                        # blank columns
])
def test_detection_of_a_file_is_the_same_beside_thousands_of_other_columns(extra):
    base = ["Opportunity ID", "Opportunity Owner", "Stage", "Amount", "Close Date"]
    headers, _ = csv_source.unique_headers(base + extra)
    alone = mapping.detect(base)
    wide = mapping.detect(headers)
    assert wide.kind == alone.kind == "deals"
    assert {h: f for h, f in wide.mapping.items() if h in base} == alone.mapping


def _indel_similarity(a: str, b: str) -> float:
    """2 x longest common subsequence / (len a + len b), by the textbook dynamic programme."""
    prev = [0] * (len(b) + 1)
    for ch in a:
        row = [0]
        for j, other in enumerate(b, 1):
            row.append(prev[j - 1] + 1 if ch == other else max(prev[j], row[j - 1]))
        prev = row
    return 2 * prev[-1] / (len(a) + len(b))


@pytest.mark.parametrize("kind", mapping.KINDS)
def test_field_similarities_agree_with_an_independent_computation(kind):
    norms = ["closing dte", "oportunity owner", "sales rep name", "acount", "qouta", "actvity type", "notes",
             "week strating", "m 13", "dael stage"]
    got = mapping.field_similarities(norms, kind)
    for norm in norms:
        expected = []
        for f in mapping.CANONICAL_FIELDS[kind]:
            alike = [_indel_similarity(norm, s) for s in f.synonyms]
            best = max(alike, default=0.0)
            if best >= mapping.FUZZY_MIN:  # (less a millionth per synonym before the best one: ties go to the first)
                expected.append((best - mapping.SYNONYM_RANK_STEP * alike.index(best), f.name))
        assert [name for _, name in got[norm]] == [name for _, name in expected], norm
        assert [score for score, _ in got[norm]] == pytest.approx([score for score, _ in expected], rel=0, abs=1e-9), norm


@pytest.mark.parametrize(("text", "won"), [
    # a German Salesforce report (its UI's own headers and stages; dates with dots, decimal commas)
    ('Opportunity-ID;Opportunity-Inhaber;Accountname;Phase;Betrag;Währung;Schlusstermin;Erstelldatum\n'
     'A1;Jana Weber;Muster GmbH;Geschlossen und gewonnen;"1.500,00";EUR;03.02.2026;10.12.2025\n'
     'A2;Jana Weber;Beispiel AG;Geschlossen und verloren;"900,00";EUR;17.02.2026;05.01.2026\n', 1),
    # a Spanish one
    ("ID,Propietario de la oportunidad,Etapa,Importe,Moneda,Fecha de cierre,Fecha de creación\n"
     "B1,Lucía Gómez,Cerrada ganada,2500,EUR,2026-02-03,2026-01-10\n"
     "B2,Lucía Gómez,Cerrada perdida,800,EUR,2026-02-17,2026-01-12\n", 1),
    # a French one
    ("ID,Propriétaire de l'opportunité,Étape,Montant,Devise,Date de clôture\n"
     "C1,Élise Martin,Fermée gagnée,3000,EUR,2026-02-03\nC2,Élise Martin,Fermée perdue,700,EUR,2026-02-17\n", 1),
])
def test_a_crm_export_in_another_language_is_read_without_a_mapping(tmp_path, text, won):
    """Salesforce and Dynamics write their headers in the user's language: read as a deals file with its
    owner, amount, stage and dates, no --map needed (headers are compared without their accents)."""
    (tmp_path / "deals.csv").write_text(text, encoding="utf-8")
    conn = store.connect(tmp_path / "db.duckdb")
    result = importing.import_file(conn, tmp_path / "deals.csv")
    assert result.status == "loaded" and result.kind == "deals", result.message
    rows = conn.execute("SELECT rep, outcome, amount, currency, close_date FROM deals ORDER BY deal_id").fetchall()
    conn.close()
    assert [r[1] for r in rows] == ["won", "lost"] and sum(r[1] == "won" for r in rows) == won
    assert rows[0][2] > 1000 and rows[0][3] == "EUR" and rows[0][4].month == 2 and rows[0][4].day == 3
