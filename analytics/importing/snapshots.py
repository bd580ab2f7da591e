"""A snapshot export of deals: every deal once per snapshot (a weekly pipeline snapshot, Salesforce's
reporting snapshots), each row dated by a column such as 'Snapshot Date' or 'As Of Date'.

Its rows share deal ids, each with the amount, stage and close date the deal had that week. Read as
order lines they were summed (a deal of 1,000 snapshotted four times was one of 4,000); read as a
deal's history they were set aside. The deal is its latest snapshot: that row is kept, the earlier
ones are skipped and a note says how many (ties at one date: the later row of the file).
"""

from __future__ import annotations

import duckdb

from analytics import formatting, quoting
from analytics.importing import mapping
from analytics.importing.parsing import q
from analytics.importing.stage_types import Stage

FIELD = "snapshot_date"


def keep_latest(conn: duckdb.DuckDBPyConnection, stage: Stage, select: str, by_field: mapping.ByField) -> None:
    """``final``: of each deal id's rows (``select``: the stored columns over the typed rows), the one
    of the latest snapshot date (a blank date counts as the earliest); the others are counted in
    ``stage.rows_skipped`` and named in a note."""
    t = stage.t
    conn.execute(
        f"CREATE TEMP TABLE {t('final')} AS SELECT * EXCLUDE (row_idx, snap_rank) FROM (SELECT row_idx, {select}, "
        f"row_number() OVER (PARTITION BY deal_id ORDER BY {q(FIELD)} DESC NULLS LAST, row_idx DESC) AS snap_rank "
        f"FROM {t('typed')} WHERE rej IS NULL) WHERE snap_rank = 1 ORDER BY row_idx")
    kept, skipped, first, last = conn.execute(
        f"SELECT count(DISTINCT deal_id), count(*) - count(DISTINCT deal_id), min({q(FIELD)}), max({q(FIELD)}) "
        f"FROM {t('typed')} WHERE rej IS NULL").fetchall()[0]
    stage.rows_skipped = int(skipped)
    if skipped:
        header = by_field[FIELD][0][0]
        stage.notes.append(
            f"a snapshot export ({quoting.quoted(header)}, {first} to {last}): each of the "
            f"{formatting.quantity(int(kept), 'deal')} is taken at its latest snapshot; "
            f"{formatting.quantity(int(skipped), 'earlier snapshot row')} skipped (never summed)")
