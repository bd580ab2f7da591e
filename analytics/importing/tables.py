"""The tables an import writes, per kind: (table, key columns, stored columns), and a row's key as text."""

from __future__ import annotations

TABLES = {
    "deals": ("deals", ["deal_id"], ["deal_id", "rep", "close_date", "created_date", "amount", "stage", "outcome",
                                     "account", "product", "team", "currency"]),
    "activities": ("activities", ["activity_id"], ["activity_id", "rep", "activity_date", "type", "raw_type",
                                                   "count"]),
    "reps": ("reps", ["rep"], ["rep", "team", "manager", "region", "start_date", "end_date"]),
    "targets": ("quotas", ["rep", "metric", "period_start", "period_end"],
                ["rep", "metric", "period_start", "period_end", "target"]),
}


TYPES = {"close_date": "DATE", "created_date": "DATE", "amount": "DOUBLE", "start_date": "DATE",
         "end_date": "DATE", "count": "BIGINT", "period_start": "DATE", "period_end": "DATE", "target": "DOUBLE"}


def key_sql(kind: str, alias: str) -> str:
    """A row's key as text (``import_changes.row_key``)."""
    _, keys, _ = TABLES[kind]
    if len(keys) == 1:
        return f"{alias}.{keys[0]}"
    return "to_json([" + ", ".join(f"CAST({alias}.{k} AS VARCHAR)" for k in keys) + "])::VARCHAR"
