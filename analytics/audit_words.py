"""The audit trail's words for a target set: amounts exact to the unit in the set's currency, tiers,
methods, the team number's rest, and the rows a save changed.

A trail is a record a manager reads months later, so its values are words (``17 reps × base, stretch,
excellence (equal chance)``, ``€99,000 (override: big renewal)``), never Python lists or floats.
Pure functions; analytics/target_sets.py writes what they say.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from typing import Any

import pandas as pd

from analytics import formatting
from analytics.metric_registry import metric_kind
from analytics.targets import METHODS


def created_text(n_reps: int, tiers: Mapping[str, float], method: str) -> str:
    """The audit trail's words for a new set.

    >>> created_text(17, {"base": 35, "stretch": 70, "excellence": 90}, "equal-chance")
    '17 reps × base, stretch, excellence (equal chance)'
    """
    return f"{n_reps} {'rep' if n_reps == 1 else 'reps'} × {', '.join(tiers)} ({header_words(method)})"


def header_words(value: object) -> str | None:
    """A header value as the audit trail writes it: tiers as ``base at P35, stretch at P70``, a method
    as words."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    if isinstance(value, Mapping):
        return ", ".join(f"{tier} at P{float(p):g}" for tier, p in value.items())
    return str(value).replace("-", " ") if value in METHODS else str(value)


def team_number_words(value: float | None, style: AmountStyle) -> str | None:
    """The team number as the audit trail writes it (``€12,000,000``); none is blank."""
    return None if formatting.is_blank(value) else amount_words(value, style)


def rest_words(team_rest: str | None) -> str | None:
    """The audit trail's words for the team number's rest.

    >>> rest_words("resplit"), rest_words("shortfall"), rest_words(None)
    ('re-split at equal chance across the reps without an edit', 'shortfall kept', None)
    """
    return {"resplit": "re-split at equal chance across the reps without an edit",
            "shortfall": "shortfall kept"}.get(team_rest or "")


AmountStyle = tuple[str, str]
"""How a set's amounts are written: its metric's value kind (``money``, ``count``, ``rate``) and the
symbol of its currency."""


def amount_style(metric: str, assumptions: Mapping[str, Any] | str | None) -> AmountStyle:
    """The set's value kind and currency symbol, from its metric and its assumptions (a dict or JSON).

    A set saved before its currency was recorded is written in ``$``; an unknown metric as a count.

    >>> amount_style("revenue", {"currency": "EUR"}), amount_style("deals_won", None)
    (('money', '€'), ('count', '$'))
    """
    if isinstance(assumptions, str):
        assumptions = json.loads(assumptions or "{}")
    try:
        kind: str = metric_kind(metric)
    except ValueError:
        kind = "count"
    code = (assumptions or {}).get("currency") if isinstance(assumptions, Mapping) else None
    return kind, formatting.currency_symbol(code)


def amount_words(value: object, style: AmountStyle) -> str:
    # Exact to the unit, not compact: an audit trail is a record, and $99,400 -> $99,000 must not
    # read as "$99k -> $99k".
    return formatting.value(value, style[0], style[1], exact=True)  # type: ignore[arg-type]


def tier_words(row: Mapping[str, Any] | None, style: AmountStyle) -> str | None:
    """An audit value of one rep's tier: ``€99,000 (override: big renewal)``."""
    if row is None:
        return None
    text = f"{amount_words(row['target'], style)} ({row['source']}"
    return text + (f": {row['reason']})" if row.get("reason") else ")")


def row_changes(old: pd.DataFrame, new: pd.DataFrame, style: AmountStyle) -> list[tuple]:
    before = {(r["rep"], r["tier"]): r for r in old.to_dict("records")}
    after = {(r["rep"], r["tier"]): r for r in new.to_dict("records")}
    changes = []
    for key in sorted(set(before) | set(after)):
        b, a = before.get(key), after.get(key)
        if b and a and b["target"] == a["target"] and b["source"] == a["source"] and b["reason"] == a["reason"]:
            continue
        changes.append((f"{key[0]} {key[1]} target", tier_words(b, style), tier_words(a, style), a["reason"] if a else None))
    return changes
