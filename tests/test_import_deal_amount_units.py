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


@pytest.mark.parametrize("factors", [
    [0.92] * 40,                                                  # converted to EUR at one rate
    [random.Random(k).uniform(0.90, 0.94) for k in range(40)],    # at each deal's dated rate
    [1 / 1.2] * 36 + [1.0] * 4,                                    # before 20% tax, four without tax
])
def test_the_same_deals_moved_by_one_factor_are_refused_naming_it(tmp_path, factors):
    """The same deals with their amounts in another currency or before tax, without a column saying so: every
    amount was updated (the year's revenue 8% lower) without a word but a note on the currency."""
    amounts = {d: float(round(a * f)) for (d, a), f in zip(_deals().items(), factors, strict=True)}
    result, stored = _import_again(tmp_path, amounts)
    assert result.status == "refused"
    assert "deals this file shares with those stored are about 0." in result.message, result.message
    assert "another currency, before or after tax or a discount, or from another amount column" in result.message
    assert stored == _deals()


@pytest.mark.parametrize("factors", [
    [random.Random(k).uniform(0.5, 1.5) for k in range(40)],      # each deal repriced by its own
    [1.01] * 40,                                                   # a cent's rounding of a conversion kept
])
def test_amounts_changed_each_by_its_own_or_barely_are_an_update(tmp_path, factors):
    amounts = {d: float(round(a * f)) for (d, a), f in zip(_deals().items(), factors, strict=True)}
    result, stored = _import_again(tmp_path, amounts)
    assert (result.status, result.updated) == ("loaded", 40), result.message
    assert stored == amounts


def test_open_deals_repriced_together_are_an_update(tmp_path):
    """A price list raised by 5% reprices the open deals of a pipeline export together: an update, not a unit."""
    pipeline = _file(_deals()).replace("Closed Won", "Negotiation")
    (tmp_path / "first.csv").write_text(pipeline)
    (tmp_path / "again.csv").write_text(_file({d: float(round(a * 1.05)) for d, a in _deals().items()})
                                        .replace("Closed Won", "Negotiation"))
    conn = store.connect(tmp_path / "db.duckdb")
    importing.import_file(conn, tmp_path / "first.csv")
    result = importing.import_file(conn, tmp_path / "again.csv")
    conn.close()
    assert (result.status, result.updated) == ("loaded", 40), result.message
