"""The tables an import writes, per kind: (table, key columns, stored columns), and a row's key as text."""

from __future__ import annotations

TABLES = {
    "deals": ("deals", ["deal_id"], ["deal_id", "rep", "close_date", "created_date", "amount", "stage", "outcome",
                                     "account", "product", "team", "currency"]),
    "activities": ("activities", ["activity_id"], ["activity_id", "rep", "activity_date", "type", "raw_type",
                                                   "count", "key_seq"]),
    "reps": ("reps", ["rep"], ["rep", "team", "manager", "region", "start_date", "end_date", "active"]),
    "targets": ("quotas", ["rep", "metric", "period_start", "period_end"],
                ["rep", "metric", "period_start", "period_end", "target"]),
}


TYPES = {"close_date": "DATE", "created_date": "DATE", "amount": "DOUBLE", "start_date": "DATE",
         "end_date": "DATE", "active": "BOOLEAN", "count": "BIGINT", "period_start": "DATE", "period_end": "DATE", "target": "DOUBLE"}


# A written row's hash as SQL over its stored columns, by kind: what a first load's one read hands
# its sink as ``once_hash`` (a deal's id; an activity's made key without its key_seq, which may
# repeat) to place a chunk with a reject among the written rows, and to find the activities whose
# key_seq may not be 1 (analytics/importing/one_read.py).
ROW_HASH = {"deals": "hash(deal_id)", "activities": "hash(rep, activity_date, raw_type)"}


def made_activity_key_sql(alias: str) -> str:
    """The key of an activity stored without an id (a log with no id column): its rep, date, raw type
    and place among the file's rows with those three, as JSON text (migration 7 writes the same)."""
    return (f"to_json([{alias}.rep, CAST({alias}.activity_date AS VARCHAR), {alias}.raw_type, "
            f"CAST({alias}.key_seq AS VARCHAR)])::VARCHAR")


def key_sql(kind: str, alias: str) -> str:
    """A row's key as text (``import_changes.row_key``)."""
    if kind == "activities":  # (an id the file gave, else the made key)
        return f"coalesce({alias}.activity_id, {made_activity_key_sql(alias)})"
    _, keys, _ = TABLES[kind]
    if len(keys) == 1:
        return f"{alias}.{keys[0]}"
    return "to_json([" + ", ".join(f"CAST({alias}.{k} AS VARCHAR)" for k in keys) + "])::VARCHAR"
