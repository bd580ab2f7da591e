"""Physical lines of the rows an import rejected.

DuckDB numbers the records it accepted (the typed table's rowid); a reject report names the line
a person finds in their editor. :func:`start` begins counting the file's lines in a thread as soon
as the typed scan shows there are rejects; :func:`resolve` writes the lines into the stage's
``rej`` table when they are needed (the preview, the commit), so the count runs beside other work.
:func:`read_structural_rejects` reads the rows DuckDB itself could not split (its CSV rejects),
which it names by byte offset; their lines are counted in the same thread. A file whose records
span lines is read by DuckDB in one thread: its threads misread such a file at their buffers'
edges (:func:`records_only`), which the head of the file shows, or else the scan itself.
"""

from __future__ import annotations

import threading
from pathlib import Path
from typing import TYPE_CHECKING

import duckdb
import numpy as np

from analytics.importing import csv_lines, csv_records
from analytics.importing.stage_types import LineCount, LinesJob, PlanChanged

if TYPE_CHECKING:
    from analytics.importing.stage_types import Stage


def start(conn: duckdb.DuckDBPyConnection, stage: Stage, last: int | None = None) -> None:
    """Start reading where the records the typed scan rejected begin, in a thread beside the
    queries that follow (the file is read by numpy, which lets go of the GIL, as DuckDB does).
    ``last``: the last rejected record when it is known before ``typed`` is (else read from it;
    -1: none).
    The records the scan left out (``stage.left_out``: DuckDB's rejects, named by byte offset) get
    their lines in the same thread, first: record numbering skips them."""
    if stage.lines_job is not None:
        return
    if last is None:
        last = conn.execute(f"SELECT max(row_idx) FROM {stage.t('typed')} WHERE rej IS NOT NULL").fetchall()[0][0]
    if (last is None or last < 0) and not stage.left_out:
        return
    upto = 0 if last is None or last < 0 else last + 1
    src, left_out, found = stage.src, dict(stage.left_out), LineCount()
    offsets, duck_lines = [o for o, _ in left_out.values()], [line for _, line in left_out.values()]
    accepted = stage.records if stage.records is not None else \
        conn.execute(f"SELECT count(*) FROM {stage.t('typedt')}").fetchall()[0][0]
    # (an offset DuckDB did not give leaves a record without a line: no shortcut then)
    records = accepted + len(offsets) if None not in offsets else None

    def work() -> None:
        try:
            n_lines = stage.counted_lines() if stage.counted_lines else None
            if records is not None and n_lines == src.skip_lines + 1 + records and None not in duck_lines:
                # One line per record (the checksum's pass counted them): DuckDB's own line numbers
                # are the physical lines, and record k is on line k + 2 after any preamble.
                lines = {o: line for o, line in zip(offsets, duck_lines, strict=True)
                         if o is not None and line is not None}
            elif upto:  # (one pass: the offsets' lines and the file's line count, which the shortcut needs)
                lines, n_lines = csv_lines.lines_and_count(src.read_path, offsets)
            else:
                lines = csv_lines.lines_at_offsets(src.read_path, offsets)
            found.lines = lines
            if upto:
                found.starts = csv_lines.record_start_lines(src.read_path, src.skip_lines, set(lines.values()),
                                                             upto, records, n_lines, delimiter=src.delimiter)
        except Exception as exc:  # resolve() reads the file itself then
            found.error = exc

    thread = threading.Thread(target=work, daemon=True)
    thread.start()
    stage.lines_job = LinesJob(thread, found, left_out, upto)


def resolve(conn: duckdb.DuckDBPyConnection, stage: Stage) -> None:
    """Physical line of each row-level reject (only computed when there are some). Called when the
    lines are needed (a preview, the commit), so the file's lines are counted beside other work.
    Rejects with a negative ``row_idx`` are records the scan left out (``stage.left_out``)."""
    src = stage.src
    job, stage.lines_job = stage.lines_job, None
    if job:
        job.thread.join()
    done = job.found if job and job.found.error is None and job.left_out == stage.left_out else LineCount()
    lines = done.lines
    if lines is None:
        lines = csv_lines.lines_at_offsets(src.read_path, [o for o, _ in stage.left_out.values()])
    at = {k: None if o is None else lines.get(o) for k, (o, _) in stage.left_out.items()}
    idx = np.asarray([r[0] for r in conn.execute(
        f"SELECT DISTINCT row_idx FROM {stage.t('rej')} WHERE row_idx >= 0 ORDER BY 1").fetchall()], dtype=np.int64)
    keys, values = [k for k in at if at[k] is not None], [at[k] for k in at if at[k] is not None]
    if len(idx):
        excluded, upto = set(lines.values()), int(idx[-1]) + 1
        if done.starts is not None and job is not None and job.upto >= upto:
            starts = done.starts
        else:  # later rejects (repeated keys) or a second scan: read again
            starts = csv_lines.record_start_lines(src.read_path, src.skip_lines, excluded, upto,
                                                   delimiter=src.delimiter)
        idx = idx[idx < len(starts)]
        keys, values = keys + idx.tolist(), values + starts[idx].tolist()
    if keys:  # only the rejected rows' lines, passed as two lists (no Arrow table for this)
        conn.execute(f"UPDATE {stage.t('rej')} r SET line = m.line FROM (SELECT unnest(?::BIGINT[]) AS row_idx, "
                     "unnest(?::BIGINT[]) AS line) m WHERE r.row_idx = m.row_idx", [keys, values])


def reject_scan_max(conn: duckdb.DuckDBPyConnection) -> int:
    try:
        return conn.execute("SELECT coalesce(max(scan_id), -1) FROM reject_scans").fetchall()[0][0]
    except duckdb.Error:
        return -1


def read_structural_rejects(conn: duckdb.DuckDBPyConnection, stage: Stage,
                            before: int) -> list[tuple[int, str, int | None]]:
    """``rej`` with the rows DuckDB could not split into the header's columns (the CSV rejects of
    the scans after ``before``), under negative ``row_idx`` keys whose byte offsets go into
    ``stage.left_out`` (:func:`resolve` gives them their lines). The records a reader's cast refused
    (:mod:`analytics.importing.reader_casts`) are returned, as (byte offset, text, DuckDB's line), not rejected.
    DuckDB's line numbers count records, not lines, after a line break inside a field: they are
    used only for a file of one line per record (:func:`start`)."""
    errors = []
    if reject_scan_max(conn) > before:
        errors = conn.execute(
            "SELECT line_byte_position, column_name, csv_line, error_type, error_message, line FROM reject_errors "
            "WHERE scan_id > ? ORDER BY line_byte_position", [before]).fetchall()
    # DuckDB reports a short row once per missing column (a cast-refused row once per bad value,
    # its other errors first): one error per record is enough, a structural one if it has one.
    first: dict[int, tuple] = {}
    for e in errors:
        if e[0] not in first or (first[e[0]][3] == "CAST" and e[3] != "CAST"):
            first[e[0]] = e
    errors = _as_read_in_one_thread(conn, stage, list(first.values()))
    structural = [e for e in errors if e[3] != "CAST" or not stage.casts]
    conn.execute(f"CREATE TEMP TABLE {stage.t('rej')} (line BIGINT, column_name VARCHAR, value VARCHAR, "
                 "reason VARCHAR, row_idx BIGINT)")
    stage.left_out = {-(k + 1): (e[0], e[5]) for k, e in enumerate(structural)}
    if structural:
        conn.executemany(
            f"INSERT INTO {stage.t('rej')} VALUES (NULL, ?, ?, ?, ?)",
            [[col, (text or "")[:500].rstrip("\r\n"), _structural_reason(kind, msg), -(k + 1)]
             for k, (_pos, col, text, kind, msg, _line) in enumerate(structural)])
    return [(e[0], e[2], e[5]) for e in errors if e[3] == "CAST" and stage.casts]


def _as_read_in_one_thread(conn: duckdb.DuckDBPyConnection, stage: Stage, errors: list[tuple]) -> list[tuple]:
    """The ``errors`` of the scan (rows of ``reject_errors``, one per record) DuckDB reported
    where a record starts (:func:`records_only`); when its threads misread the file (records span
    lines and some error is inside a quoted field, or the records read are not the file's), it is
    marked to be read in one thread (``src.quoted_line_breaks``) and, when written by this read,
    :class:`PlanChanged` rolls the write back.

    Free for a file of one line per record (its lines are counted already): no line break is
    inside a quoted field then. (DuckDB's threads read records from a line inside a quoted field
    only after a line of that field, so the field's lines outnumber what they add.) Otherwise the
    quote-aware count that checks every such file (:func:`csv_records.file_layout`) says whether
    records span lines, and only then are the errors' lines read again."""
    src = stage.src
    if src.quoted_line_breaks:  # (read in one thread: DuckDB's errors are its records)
        return errors
    accepted = stage.records if stage.records is not None else \
        conn.execute(f"SELECT count(*) FROM {stage.t('typedt')}").fetchall()[0][0]
    n_lines = src.n_lines if src.n_lines is not None else stage.counted_lines() if stage.counted_lines else None
    if (n_lines if n_lines is not None else csv_lines.line_count(src.read_path)) == \
            src.skip_lines + 1 + accepted + len(errors):
        return errors
    layout = csv_records.file_layout(src.read_path, src.delimiter, src.skip_lines)
    if layout.broken is not None or layout.first_multiline is None:  # (a stray quote is refused by the count)
        return errors
    kept = records_only(src.read_path, src.delimiter, errors) if errors else errors
    if len(kept) < len(errors) or layout.records != accepted + len(kept):
        src.quoted_line_breaks = True
        if stage.reading.once:
            raise PlanChanged("the reader's threads misread records that span lines: read in one thread")
    return kept


def records_only(path: Path, delimiter: str, errors: list[tuple]) -> list[tuple]:
    """The ``errors`` (rows of ``reject_errors``, the record's byte offset first) DuckDB reported
    on a line where a record starts, by the reader's quote rules
    (:func:`analytics.importing.csv_records.record_starts_at`); an error without an offset is kept.

    DuckDB reads a file a buffer at a time, in parallel; a thread whose buffer begins inside a
    quoted field that holds line breaks guesses where the next record starts. When it guesses a
    line of that field, the file's own records still come out, but the guess's rows stay too:
    an error ("too few columns") for each line of the field after the buffer's edge, and a row
    for a line as wide as a record (6,000 deals with notes over several lines, read with 16 KiB
    buffers: 1 to 23 such rows and errors a file). The errors are dropped here; the rows are
    found by the count of records (:func:`_as_read_in_one_thread`)."""
    starts = csv_records.record_starts_at(path, delimiter, (e[0] for e in errors if e[0] is not None))
    return [e for e in errors if e[0] is None or starts[e[0]][1]]


def _structural_reason(kind: str, message: str) -> str:
    return {
        "MISSING COLUMNS": "too few columns",
        "TOO MANY COLUMNS": "too many columns",
        "UNQUOTED VALUE": "unterminated or stray quote",
        "INVALID ENCODING": "invalid characters for the file's encoding",
        "LINE SIZE OVER MAXIMUM": "line longer than 16 MiB",
    }.get(kind, kind.lower()) + f" ({message})"
