"""A re-export of stored deals in another unit is refused (analytics/importing/deal_amount_units.py).

Saved "in thousands", a deal report writes 56 for 56,000; imported over the same deals in units, every
amount it matched was updated to a thousandth ("3389 updated") and the year's revenue fell a
thousandfold without a word.
"""

from __future__ import annotations

import random

import pytest

from analytics import importing, store

HEADER = "Opportunity ID,Opportunity Owner,Stage,Amount,Close Date\n"


def _deals(n: int = 40, seed: int = 3) -> dict[str, float]:
    rng = random.Random(seed)
    return {f"D{i:03d}": float(rng.randrange(2_000, 90_000, 50)) for i in range(n)}


def _file(amounts: dict[str, float]) -> str:
    return HEADER + "".join(f"{d},{'Ann Lee' if i % 2 else 'Bob Ray'},Closed Won,{a:g},2025-03-{1 + i % 28:02d}\n"
                            for i, (d, a) in enumerate(amounts.items()))


def _import_again(tmp_path, amounts: dict[str, float], **options):
    (tmp_path / "first.csv").write_text(_file(_deals()))
    (tmp_path / "again.csv").write_text(_file(amounts))
    conn = store.connect(tmp_path / "db.duckdb")
    try:
        importing.import_file(conn, tmp_path / "first.csv")
        result = importing.import_file(conn, tmp_path / "again.csv", **options)
        stored = dict(conn.execute("SELECT deal_id, amount FROM deals").fetchall())
    finally:
        conn.close()
    return result, stored


@pytest.mark.parametrize("divisor, words, unit", [(1000.0, "a thousandth of", "1000"),
                                                  (1_000_000.0, "a millionth of", "1000000"),
                                                  (0.001, "a thousand times", "0.001")])
def test_the_same_deals_in_another_unit_are_refused_and_nothing_is_written(tmp_path, divisor, words, unit):
    amounts = {d: round(a / divisor, 3) for d, a in _deals().items()} | {"D900": 12.5}   # and a new deal
    result, stored = _import_again(tmp_path, amounts)
    assert result.status == "refused"
    assert f"the amounts of 40 of the 40 deals this file shares with those stored are {words} the stored ones" \
        in result.message and f"--unit {unit}" in result.message, result.message
    assert stored == _deals()                         # nothing updated, the new deal not inserted


def test_with_the_unit_given_the_same_file_matches_the_stored_deals(tmp_path):
    result, stored = _import_again(tmp_path, {d: a / 1000 for d, a in _deals().items()}, unit=1000.0)
    assert (result.status, result.updated, result.unchanged) == ("loaded", 0, 40), result.message
    assert stored == _deals()


def test_a_few_deals_repriced_are_an_update(tmp_path):
    amounts = _deals()
    repriced = {d: a / 1000 for d, a in list(amounts.items())[:5]}     # five typos or corrections: not a unit
    result, stored = _import_again(tmp_path, amounts | repriced)
    assert (result.status, result.updated) == ("loaded", 5), result.message
    assert stored == amounts | repriced
