"""Exports: CSV and Excel with formula-like text neutralised, one-page HTML per rep."""

from __future__ import annotations

import csv
import dataclasses
import io
import re

import numpy as np
import openpyxl
import pandas as pd
import pytest
from helpers import run_cli

from analytics import csv_writer, export, store
from analytics import target_sets as ts
from analytics.periods import parse_period
from analytics.predictive import LogScaleHurdle
from analytics.target_drafts import build_draft

EVIL_REP = "=cmd|' /C calc'!A0"
EVIL_REASON = "+SUM(A1:A9)"
HTML_REP = "<script>alert(1)</script>"


@pytest.fixture(scope="module")
def saved():
    rng = np.random.default_rng(11)
    reps = np.array(["Ana Diaz", EVIL_REP, "@mention", HTML_REP])
    n = reps.size
    d = LogScaleHurdle(reps=reps, mu=np.log(rng.uniform(5e4, 2e5, n)), sigma=rng.uniform(0.3, 0.8, n),
                       df=np.full(n, 10.0), zero_share=np.full(n, 0.05), shared_sigma=0.2)
    funnel = pd.DataFrame({"rep": reps, "avg_deal_size": rng.uniform(8e3, 2e4, n),
                           "call_to_meeting": rng.uniform(0.15, 0.3, n), "meeting_to_demo": rng.uniform(0.4, 0.7, n),
                           "demo_to_opportunity": rng.uniform(0.4, 0.7, n), "win_rate": rng.uniform(0.2, 0.35, n)})
    draft = build_draft(d, name="Q4 =plan", period=parse_period("2026-Q4"), metric="revenue", tiers="35,70,90",
                        team_target=float(d.quantile(0.5).sum()), funnel=funnel, weights=[0.2, 0.3, 0.5],
                        n_draws=2000)
    rows = draft.rows
    mask = (rows.rep == "Ana Diaz") & (rows.tier == "stretch")
    rows[["source", "reason"]] = rows[["source", "reason"]].astype(object)
    rows.loc[mask, ["target", "source", "reason"]] = [123_456.0, "override", EVIL_REASON]
    rows.loc[(rows.rep == "@mention") & (rows.tier == "base"), ["source", "reason"]] = ["override", "-2+3"]
    rows.loc[(rows.rep == HTML_REP) & (rows.tier == "base"), ["source", "reason"]] = ["override", "=1+1"]
    conn = store.connect(":memory:")
    out = ts.save_target_set(conn, draft, author="ann")
    conn.close()
    return out


@pytest.mark.parametrize("value,expected", [
    ("=1+1", "'=1+1"), ("+1", "'+1"), ("-1", "'-1"), ("@x", "'@x"), ("\tx", "'\tx"), ("\rx", "'\rx"),
    ("plain", "plain"), ("a=b", "a=b"), ("", ""), (-5.0, -5.0), (12, 12), (None, None),
])
def test_neutralise(value, expected):
    assert export.neutralise(value) == expected


def test_csv_neutralises_text_and_keeps_numbers(saved):
    text = export.csv_text(saved)
    records = list(csv.DictReader(io.StringIO(text)))
    assert len(records) == len(saved.rows)
    reps = {r["Rep"] for r in records}
    assert "'" + EVIL_REP in reps and "'@mention" in reps and EVIL_REP not in reps
    reasons = {r["Reason"] for r in records}
    assert {"'" + EVIL_REASON, "'-2+3", "'=1+1"} <= reasons
    assert {r["Set"] for r in records} == {"Q4 =plan"}
    ana = next(r for r in records if r["Rep"] == "Ana Diaz" and r["Tier"] == "stretch")
    assert ana["Target"] == "123456.00" and 0 < int(ana["Chance"].rstrip("%")) < 100
    for r in records:  # no cell a spreadsheet would run
        assert not any(v.startswith(export.FORMULA_STARTS) for v in r.values() if v)


def test_excel_workbook(saved, tmp_path):
    path = export.export_set(saved, tmp_path / "targets.xlsx")
    book = openpyxl.load_workbook(path)
    assert book.sheetnames == ["Targets by rep", "Targets", "Activity plan", "Assumptions"]
    ws = book["Targets"]
    assert [c.value for c in ws[1]] == [h for _, h in export.TARGET_COLUMNS]
    assert ws.freeze_panes == "A2"
    assert ws.column_dimensions["G"].width > 30
    assert ws["A1"].font.bold
    found = {}
    for row in ws.iter_rows(min_row=2):
        rep, tier, target, chance = row[0], row[1], row[2], row[3]
        assert rep.data_type == "s"
        assert target.data_type == "n" and target.number_format == '"$"#,##0'
        assert chance.number_format == "0%" and 0 < chance.value <= 1
        found[(rep.value, tier.value)] = (target.value, row[6])
    assert found[("Ana Diaz", "stretch")][0] == 123_456.0
    evil = found[("'" + EVIL_REP, "base")]
    assert (EVIL_REP, "base") not in found
    reason = found[("Ana Diaz", "stretch")][1]
    assert reason.data_type == "s" and reason.value == "'" + EVIL_REASON
    assert evil[1].value is None or not str(evil[1].value).startswith("=")
    for row in book["Targets"].iter_rows(min_row=2):
        for cell in row:
            assert cell.data_type != "f"
    plan = book["Activity plan"]
    assert [c.value for c in plan[1]] == ["Rep", "Activity", "Per period", "Per week"]
    assert plan.max_row == 1 + len(saved.activity_rows) and plan["C2"].data_type == "n"
    assumptions = {r[0].value: r[1].value for r in book["Assumptions"].iter_rows(min_row=2)}
    assert assumptions["Target set"] == "Q4 =plan, version 1 (draft)" and assumptions["Metric"] == "Won revenue"
    assert assumptions["How measured"] == "won amount by close date, from the CRM deals export"
    assert assumptions["Team target"] == f"${saved.team_target:,.0f}"
    assert any(k.startswith("Note") for k in assumptions)


def test_html_one_page_per_rep_self_contained(saved, tmp_path):
    path = export.export_set(saved, tmp_path / "checkin.html")
    page = path.read_text(encoding="utf-8")
    assert page.count("<section>") == 4 and "page-break-after:always" in page
    assert "<script>" not in page and "&lt;script&gt;" in page
    assert not re.search(r"https?://|src=|<link|@import|url\(", page)
    for word in ("SMART target", "Specific", "Measurable", "Achievable", "Relevant", "Time-bound", "Tiers",
                 "Activity plan", "Milestones (cumulative)", "2026-12-31", "won amount by close date"):
        assert word in page
    assert "123,456" in page and "calls a week" in page
    one = export.rep_summary_html(saved, ["Ana Diaz"])
    assert one.count("<section>") == 1 and "2026-10-31" in one


def test_smart_cards_from_a_saved_set(saved):
    cards = export.smart_cards(saved)
    assert set(cards) == set(saved.rows["rep"])
    share = sum(c["share_of_team"] for c in cards.values())
    assert share == pytest.approx(1.0, rel=1e-6)  # base split of G: shares add up to the team number
    ana = cards["Ana Diaz"]
    assert [round(v / ana["target"], 6) for _, v in ana["milestones"]] == [0.2, 0.5, 1.0]


def test_export_csv_file_and_bad_suffix(saved, tmp_path):
    path = export.export_set(saved, tmp_path / "t.csv")
    assert path.read_text(encoding="utf-8").splitlines()[0].startswith("Set,Version,Period,Metric,Rep")
    with pytest.raises(ValueError, match="csv, .xlsx or .html"):
        export.export_set(saved, tmp_path / "t.pdf")


def test_excel_bytes_round_trip(saved):
    book = openpyxl.load_workbook(io.BytesIO(export.excel_bytes(saved)))
    assert book["Targets"].max_row == 1 + len(saved.rows)


@pytest.mark.parametrize("value,kind,expected", [
    (140437.328132623, "money", "140437.33"), (0.29999999999999993, "chance", "30%"), (0.6499999999999986, "chance", "65%"),
    (0.997, "chance", "99%"), (0.002, "chance", "1%"), (1.0, "chance", "100%"),
    (-2.0, "number", "-2"), (-1250.5, "money", "-1250.50"), (2.5, "number", "2.5"), (3, "number", "3"),
    (float("nan"), "money", ""), (None, "text", ""), (pd.NA, "chance", ""), (True, "text", "yes"),
    ("-2+3", "text", "'-2+3"), ("=HYPERLINK(\"http://x\")", "text", "'=HYPERLINK(\"http://x\")"),
    ("+1+1", "text", "'+1+1"), ("@SUM(A1)", "text", "'@SUM(A1)"), ("\tx", "text", "'\tx"), ("Ana", "text", "Ana"),
    (pd.Timestamp("2026-02-05"), "date", "2026-02-05"), (pd.Timestamp("2026-02-05 10:31:02.5"), "text", "2026-02-05 10:31:02"),
])
def test_csv_cell_rounds_numbers_and_neutralises_only_text(value, kind, expected):
    assert csv_writer.csv_cell(value, kind) == expected


def test_csv_rounds_money_to_cents_and_chances_to_whole_percent(saved):
    records = list(csv.DictReader(io.StringIO(export.csv_text(saved))))
    for r in records:
        assert re.fullmatch(r"\d+\.\d{2}", r["Target"]) and re.fullmatch(r"\d+\.\d{2}", r["Model value"])
        assert re.fullmatch(r"\d{1,3}%", r["Chance"])
    by_key = {(r["Rep"], r["Tier"]): r for r in records}
    for row in saved.rows.itertuples():
        got = by_key[(str(export.neutralise(row.rep)), row.tier)]
        assert float(got["Target"]) == pytest.approx(row.target, abs=0.005)
        assert int(got["Chance"].rstrip("%")) == round(100 * row.p_attain)


def test_excel_sheet_to_forward_one_row_per_rep(saved):
    book = openpyxl.load_workbook(io.BytesIO(export.excel_bytes(saved)))
    ws = book["Targets by rep"]
    header = [c.value for c in ws[1]][:7]
    assert header == ["Rep", "Base target", "Base chance", "Stretch target", "Stretch chance", "Excellence target",
                      "Excellence chance"]
    assert ws.freeze_panes == "B2" and ws["A1"].font.bold and ws.column_dimensions["A"].width >= 20
    assert ws.max_row == 1 + saved.rows["rep"].nunique()
    targets, chances = saved.targets_by_tier, saved.chances_by_tier
    for row in ws.iter_rows(min_row=2, max_col=7):
        rep = row[0].value
        assert row[0].data_type == "s" and not str(rep).startswith(export.FORMULA_STARTS)
        original = rep[1:] if rep.startswith("'") else rep
        for j, tier in enumerate(("base", "stretch", "excellence")):
            target, chance = row[1 + 2 * j], row[2 + 2 * j]
            assert target.value == pytest.approx(targets.at[original, tier]) and target.number_format == '"$"#,##0'
            assert chance.value == pytest.approx(chances.at[original, tier]) and chance.number_format == "0%"


def test_excel_amounts_in_the_sets_currency(saved):
    euro = dataclasses.replace(saved, assumptions={**saved.assumptions, "currency": "EUR"})
    book = openpyxl.load_workbook(io.BytesIO(export.excel_bytes(euro)))
    assert book["Targets by rep"]["B2"].number_format == '"€"#,##0'
    assert book["Targets"]["C2"].number_format == '"€"#,##0'
    assumptions = {r[0].value: r[1].value for r in book["Assumptions"].iter_rows(min_row=2)}
    assert assumptions["Team target"].startswith("€") and assumptions["Amounts in"] == "€"


def test_assumptions_in_words_not_floats(saved):
    book = openpyxl.load_workbook(io.BytesIO(export.excel_bytes(saved)))
    pairs = [(r[0].value, r[1].value) for r in book["Assumptions"].iter_rows(min_row=2)]
    for key, value in pairs:
        assert isinstance(value, str), (key, value)
        assert not re.search(r"\d\.\d{3,}", value), (key, value)   # no 0.6499999999999986
    tiers = [v for k, v in pairs if k == "Tiers"]
    assert tiers == ["Base tier: the 35th percentile of each rep's range (a 65% chance)",
                     "Stretch tier: the 70th percentile of each rep's range (a 30% chance)",
                     "Excellence tier: the 90th percentile of each rep's range (a 10% chance)"]


def test_calibrate_csv_goes_through_the_one_writer(sample_db, tmp_path):
    path = tmp_path / "calibration.csv"
    out = run_cli("calibrate", "--db", str(sample_db), "--target-percentile", "35", "--out", str(path))
    assert out.returncode == 0, out.stderr
    records = list(csv.DictReader(path.open(encoding="utf-8")))
    assert records
    for r in records:
        assert re.fullmatch(r"\d+\.\d{2}", r["baseline"]) and re.fullmatch(r"\d+\.\d{2}", r["target"])
        assert re.fullmatch(r"\d{1,3}%", r["p_attain"])


def test_an_eur_companys_exports_write_euros(eur_db, tmp_path):
    """A set saved from the CLI on EUR data records EUR; its HTML (SMART cards, tiers, milestones) and
    Excel (number formats) write €, never $."""
    db = str(eur_db)
    saved_out = run_cli("targets", "save", "--db", db, "--name", "EUR plan", "--metric", "revenue",
                        "--period", "current", "--tiers", "35,70,90")
    assert saved_out.returncode == 0, saved_out.stderr
    for suffix in ("html", "xlsx"):
        out = run_cli("targets", "export", "EUR plan", "--db", db, "--out", str(tmp_path / f"plan.{suffix}"))
        assert out.returncode == 0, out.stderr
    conn = store.connect(db)
    try:
        eur_set = ts.load_target_set(conn, "EUR plan")
    finally:
        conn.close()
    assert eur_set.assumptions["currency"] == "EUR"
    page = (tmp_path / "plan.html").read_text(encoding="utf-8")
    assert "$" not in page and re.search(r"<td>Specific</td><td>€[\d,]+ won revenue", page)
    assert re.search(r"<td>base</td><td class=n>€[\d,]+</td>", page)
    card = export.smart_cards(eur_set)[eur_set.rows["rep"].iloc[0]]
    assert card["specific"].startswith("€") and all("$" not in str(v) for v in card.values())
    book = openpyxl.load_workbook(tmp_path / "plan.xlsx")
    formats = {c.number_format for sheet in book for row in sheet.iter_rows() for c in row if c.number_format}
    assert '"€"#,##0' in formats and not any("$" in f for f in formats)


@pytest.mark.parametrize("plan", [True, False])
def test_the_activity_plan_is_an_assumption_only_when_the_set_has_one(saved, plan):
    """An orders export's set has no activity plan: its exports say nothing of sizing one."""
    import dataclasses

    kept = saved if plan else dataclasses.replace(saved, activity_rows=saved.activity_rows.iloc[0:0])
    assert kept.activity_rows.empty != plan
    said = [v for k, v in export.assumptions_table(kept) if k == "Activity plan"]
    assert len(said) == (1 if plan else 0) and (not plan or "reaches the target with" in said[0])


def test_an_average_sheet_has_no_share_of_a_team_total_nor_cumulative_milestones(saved):
    import dataclasses

    average = dataclasses.replace(saved, metric="avg_deal_size", team_target=None)
    page = export.rep_summary_html(average)
    base = average.rows[average.rows["tier"] == "base"]["target"]
    assert "Milestones" not in page and "carries" not in page
    assert f"beside the team&#x27;s median target of ${base.median():,.0f}" in page
    assert "Milestones (cumulative)" in export.rep_summary_html(saved)     # money adds up: built month by month
