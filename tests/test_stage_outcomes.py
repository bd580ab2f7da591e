"""The manager's stage -> outcome map: a stage no word list reads ('Auftrag erteilt', 'Abgesagt') said
won or lost once, the deals stored under it set to it, and later imports reading it so.

A German export's own stages counted every deal open: won revenue stayed 0, and the import's warning
told the manager to edit the export.
"""

from __future__ import annotations

import random

import pandas as pd
import pytest

from analytics import importing, metrics, schema, store
from analytics.importing import unread_stages

WON_STAGE, LOST_STAGE, OPEN_STAGE = "Auftrag erteilt", "Abgesagt", "In Verhandlung"
REPS = ["Ann Lee", "Bo Chan", "Cy Doe"]
HEAD = "Opportunity ID,Opportunity Owner,Stage,Amount,Close Date\n"


def german_deals(n: int = 30, seed: int = 3, prefix: str = "D") -> pd.DataFrame:
    """A seeded export of ``n`` deals under the three German stages, each at least once, closed in 2025."""
    rng = random.Random(seed)
    stages = [WON_STAGE, LOST_STAGE, OPEN_STAGE] + [rng.choice([WON_STAGE, WON_STAGE, LOST_STAGE, OPEN_STAGE])
                                                    for _ in range(n - 3)]
    return pd.DataFrame({"id": [f"{prefix}{i}" for i in range(n)], "rep": [rng.choice(REPS) for _ in range(n)],
                         "stage": stages, "amount": [rng.randrange(1_000, 50_000) for _ in range(n)],
                         "close": [f"2025-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}" for _ in range(n)]})


def write_csv(tmp_path, deals: pd.DataFrame, name: str = "deals.csv", *, cell: str = "{}") -> str:
    """The deals as an export, each stage written as ``cell`` writes it (padded, Excel's ="..." wrapper)."""
    rows = [f"{r.id},{r.rep},{cell.format(r.stage)},{r.amount},{r.close}" for r in deals.itertuples()]
    path = tmp_path / name
    path.write_text(HEAD + "\n".join(rows) + "\n", encoding="utf-8")
    return str(path)


def won_revenue(conn) -> dict[str, float]:
    """Each rep's won revenue as the engine's panel sums it (no rep: nothing won)."""
    panel = metrics.rep_period_panel(conn, "revenue", "quarter")
    by_rep = panel.groupby("rep")["value"].sum()
    return {rep: float(v) for rep, v in by_rep.items() if v}


def outcomes(conn) -> dict[str, str]:
    return dict(conn.execute("SELECT deal_id, outcome FROM deals").fetchall())


def test_a_stage_said_won_or_lost_sets_its_stored_deals(conn, tmp_path):
    deals = german_deals()
    first = importing.import_file(conn, write_csv(tmp_path, deals))
    assert first.status == "loaded", first.message
    (warning,) = first.warnings
    assert "Stage outcomes" in warning and "labels --kind stages --set 'STAGE=won'" in warning
    assert "--map 'COLUMN=is_won'" in warning and "--map 'Stage=-'" in warning  # (the other advice stays)
    assert won_revenue(conn) == {} and set(outcomes(conn).values()) == {"open"}
    before = store.data_version(conn)

    won = importing.set_stage_outcome(conn, WON_STAGE, "won")
    lost = importing.set_stage_outcome(conn, LOST_STAGE, "lost")

    n_won, n_lost = (deals["stage"] == WON_STAGE).sum(), (deals["stage"] == LOST_STAGE).sum()
    assert (won.deals, won.changed, lost.deals, lost.changed) == (n_won, n_won, n_lost, n_lost)
    expected = {"won": WON_STAGE, "lost": LOST_STAGE, "open": OPEN_STAGE}
    assert outcomes(conn) == {r.id: next(o for o, s in expected.items() if s == r.stage) for r in deals.itertuples()}
    by_rep = deals[deals["stage"] == WON_STAGE].groupby("rep")["amount"].sum()
    assert won_revenue(conn) == pytest.approx({rep: float(v) for rep, v in by_rep.items()})
    assert store.data_version(conn) != before  # (cached pages read the new outcomes)
    assert importing.stage_outcome_map(conn).values.tolist() == [[LOST_STAGE, "lost"], [WON_STAGE, "won"]]
    listed = importing.stage_labels(conn).set_index("stage")
    assert listed.loc[WON_STAGE, ["outcome", "deals", "set", "known"]].tolist() == ["won", n_won, True, False]
    assert listed.loc[OPEN_STAGE, ["outcome", "set"]].tolist() == ["open", False]


@pytest.mark.parametrize("cell", ["{}", "  {}  ", '"=""{}"""'], ids=["plain", "padded", "excel wrapper"])
@pytest.mark.parametrize("undo_first", [False, True], ids=["beside the stored deals", "first load after undo"])
def test_a_later_import_reads_the_stages_by_the_map(conn, tmp_path, cell, undo_first):
    first = importing.import_file(conn, write_csv(tmp_path, german_deals()))
    importing.set_stage_outcome(conn, WON_STAGE, "won")
    importing.set_stage_outcome(conn, LOST_STAGE, "lost")
    importing.set_stage_outcome(conn, OPEN_STAGE, "open")  # (said open: no longer unknown)
    if undo_first:  # (the map stays; an empty table is written by the read that checks it)
        importing.undo_import(conn, first.import_id)
    later = german_deals(12, seed=9, prefix="E")

    second = importing.import_file(conn, write_csv(tmp_path, later, "next.csv", cell=cell))

    assert second.status == "loaded", second.message
    assert second.warnings == []
    assert ("stage(s) read as you said (Stage outcomes): 'Abgesagt' lost, 'Auftrag erteilt' won, 'In Verhandlung' "
            "open") in second.notes
    assert not any(n.startswith("unknown stage") for n in second.notes), second.notes
    stored = {k: v for k, v in outcomes(conn).items() if k.startswith("E")}
    said = {WON_STAGE: "won", LOST_STAGE: "lost", OPEN_STAGE: "open"}
    assert stored == {r.id: said[r.stage] for r in later.itertuples()}


def test_a_stage_whose_deals_other_columns_decided_is_refused(conn, tmp_path):
    """Won and Closed columns decided these deals: 'Handover' holds a won and an open deal."""
    path = tmp_path / "flags.csv"
    path.write_text("Opportunity ID,Opportunity Owner,Stage,Amount,Close Date,Won,Closed\n"
                    "F1,Ann Lee,Handover,100,2025-03-01,1,1\nF2,Ann Lee,Handover,200,2025-04-01,0,0\n"
                    "F3,Bo Chan,Handover,300,2025-05-01,1,1\n", encoding="utf-8")
    assert importing.import_file(conn, path).status == "loaded"
    before = outcomes(conn)
    with pytest.raises(ValueError, match=r"the 3 deals under the stage 'Handover' are mixed: won 2, open 1: "
                                         r"their outcomes were read from other columns"):
        importing.set_stage_outcome(conn, "Handover", "lost")
    assert outcomes(conn) == before and importing.stage_outcome_map(conn).empty
    assert importing.stage_labels(conn)["outcome"].tolist() == ["mixed: won 2, open 1"]


@pytest.mark.parametrize("close, amount, outcome, said", [
    ("", "100", "won", "1 no close date"),
    ("", "100", "lost", "1 no close date"),
    ("2027-06-30", "100", "won", "1 a close date after today"),
    ("2025-06-30", "", "won", "1 no amount"),
])
def test_a_stage_whose_deals_cannot_close_is_refused(conn, tmp_path, close, amount, outcome, said):
    """A won or lost deal needs a close date by today, a won one an amount, as at import: refused, not half done."""
    path = tmp_path / "open.csv"
    path.write_text(HEAD + f"P1,Ann Lee,Offen,{amount},{close}\nP2,Ann Lee,Offen,200,2025-02-01\n", encoding="utf-8")
    assert importing.import_file(conn, path).rows_loaded == 2
    with pytest.raises(ValueError, match=f"of the 2 deals under the stage 'Offen', {said}: a {outcome} deal needs"):
        importing.set_stage_outcome(conn, "Offen", outcome)
    assert set(outcomes(conn).values()) == {"open"} and importing.stage_outcome_map(conn).empty
    assert importing.set_stage_outcome(conn, "Offen", "open").changed == 0  # (open needs nothing)


@pytest.mark.parametrize("stage, outcome, error, said", [
    ("Nirgends", "won", LookupError, "no stored deal has the stage 'Nirgends' (stages: "),
    (WON_STAGE, "gewonnen", ValueError, "a stage counts as one of won, lost, open, not 'gewonnen'"),
])
def test_an_unknown_stage_or_outcome_is_refused(conn, tmp_path, stage, outcome, error, said):
    importing.import_file(conn, write_csv(tmp_path, german_deals()))
    with pytest.raises(error, match=said.replace("(", r"\(")):
        importing.set_stage_outcome(conn, stage, outcome)
    assert importing.stage_outcome_map(conn).empty


def test_a_status_column_is_no_stage_so_its_warning_does_not_point_to_the_map(conn, tmp_path):
    """Deals decided by a Status column store no stage label the manager could set."""
    path = tmp_path / "status.csv"
    path.write_text("Opportunity ID,Opportunity Owner,Status,Amount,Close Date\nS1,Ann Lee,Bezahlt,10,2025-01-02\n",
                    encoding="utf-8")
    (warning,) = importing.import_file(conn, path).warnings
    assert "'Status': 1 of 1 rows" in warning and "Stage outcomes" not in warning
    assert unread_stages.MAPPED in unread_stages.warning("Stage", [unread_stages.StageRows("Offen", 1, "open", False)])


def test_a_database_from_before_gains_the_map_empty(tmp_path):
    path = tmp_path / "old.duckdb"
    c = store.connect(path)
    c.execute("DROP TABLE stage_outcome_map")
    c.execute("DELETE FROM schema_version WHERE version = 9")
    c.close()
    c = store.connect(path)
    try:
        assert store.schema_version(c) == schema.LATEST_VERSION >= 9
        assert importing.stage_outcome_map(c).empty and importing.stage_labels(c).empty
    finally:
        c.close()
