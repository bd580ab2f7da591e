"""Physical lines of the rows an import rejected.

DuckDB numbers the records it accepted (the typed table's rowid); a reject report names the line
a person finds in their editor. :func:`start` begins counting the file's lines in a thread as soon
as the typed scan shows there are rejects; :func:`resolve` writes the lines into the stage's
``rej`` table when they are needed (the preview, the commit), so the count runs beside other work.
:func:`read_structural_rejects` reads the rows DuckDB itself could not split (its CSV rejects),
which it names by byte offset.
"""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING

import duckdb
import numpy as np

from analytics import csv_source

if TYPE_CHECKING:
    from analytics.import_stage import Stage


def start(conn, stage: Stage, last: int | None = None) -> None:
    """Start reading where the records the typed scan rejected begin, in a thread beside the
    queries that follow (the file is read by numpy, which lets go of the GIL, as DuckDB does).
    ``last``: the last rejected record when it is known before ``typed`` is (else read from it)."""
    if stage.lines_job is not None:
        return
    if last is None:
        last = conn.execute(f"SELECT max(row_idx) FROM {stage.t('typed')} WHERE rej IS NOT NULL").fetchall()[0][0]
    if last is None:
        return
    src, excluded, box = stage.src, {x for x in stage.struct_lines if x}, {}
    accepted = stage.records if stage.records is not None else f"(SELECT count(*) FROM {stage.t('typedt')})"
    records = conn.execute(f"SELECT {accepted} + (SELECT count(*) FROM {stage.t('rej')})").fetchall()[0][0]
    records = records if len(excluded) == len(stage.struct_lines) else None  # (a structural reject without a line)

    def work():
        try:
            box["starts"] = csv_source.record_start_lines(src.read_path, src.skip_lines, excluded, last + 1,
                                                          records)
        except Exception as exc:  # resolve() reads the file itself then
            box["error"] = exc

    thread = threading.Thread(target=work, daemon=True)
    thread.start()
    stage.lines_job = (thread, box, excluded, last + 1)


def resolve(conn, stage: Stage) -> None:
    """Physical line of each row-level reject (only computed when there are some). Called when the
    lines are needed (a preview, the commit), so the file's lines are counted beside other work."""
    src = stage.src
    job, stage.lines_job = stage.lines_job, None
    if job:
        job[0].join()
    idx = np.asarray([r[0] for r in conn.execute(
        f"SELECT DISTINCT row_idx FROM {stage.t('rej')} WHERE row_idx IS NOT NULL ORDER BY 1").fetchall()],
        dtype=np.int64)
    if not len(idx):
        return
    excluded, upto = {x for x in stage.struct_lines if x}, int(idx[-1]) + 1
    if job and "starts" in job[1] and job[2] == excluded and job[3] >= upto:
        starts = job[1]["starts"]
    else:  # later rejects (repeated keys) or a second scan: read again
        starts = csv_source.record_start_lines(src.read_path, src.skip_lines, excluded, upto)
    idx = idx[idx < len(starts)]
    # Only the rejected rows' lines, passed as two lists (no Arrow table for this).
    conn.execute(f"UPDATE {stage.t('rej')} r SET line = m.line FROM (SELECT unnest(?::BIGINT[]) AS row_idx, "
                 "unnest(?::BIGINT[]) AS line) m WHERE r.row_idx = m.row_idx",
                 [idx.tolist(), starts[idx].tolist()])


def reject_scan_max(conn) -> int:
    try:
        return conn.execute("SELECT coalesce(max(scan_id), -1) FROM reject_scans").fetchall()[0][0]
    except duckdb.Error:
        return -1


def read_structural_rejects(conn, stage: Stage, before: int) -> None:
    """``rej`` with the rows DuckDB could not split into the header's columns (the CSV rejects of
    the scans after ``before``), at their physical lines."""
    src = stage.src
    errors = []
    if reject_scan_max(conn) > before:
        errors = conn.execute(
            "SELECT line_byte_position, column_name, csv_line, error_type, error_message FROM reject_errors "
            "WHERE scan_id > ? ORDER BY line_byte_position", [before]).fetchall()
    # DuckDB reports a short row once per missing column: one reject per line is enough.
    errors = list({e[0]: e for e in reversed(errors)}.values())[::-1]
    lines = csv_source.lines_at_offsets(src.read_path, [e[0] for e in errors])
    conn.execute(f"CREATE TEMP TABLE {stage.t('rej')} (line BIGINT, column_name VARCHAR, value VARCHAR, "
                 "reason VARCHAR, row_idx BIGINT)")
    if errors:
        conn.executemany(
            f"INSERT INTO {stage.t('rej')} VALUES (?, ?, ?, ?, NULL)",
            [[lines.get(pos), col, (text or "")[:500].rstrip("\r\n"), _structural_reason(kind, msg)]
             for pos, col, text, kind, msg in errors])
    stage.struct_lines = {lines.get(e[0]) for e in errors}


def _structural_reason(kind: str, message: str) -> str:
    return {
        "MISSING COLUMNS": "too few columns",
        "TOO MANY COLUMNS": "too many columns",
        "UNQUOTED VALUE": "unterminated or stray quote",
        "INVALID ENCODING": "invalid characters for the file's encoding",
        "LINE SIZE OVER MAXIMUM": "line longer than 16 MiB",
    }.get(kind, kind.lower()) + f" ({message})"
