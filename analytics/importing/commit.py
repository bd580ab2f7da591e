r"""Committing a plan: its accepted rows, rejects and change log written in one transaction
(atomic, idempotent, undoable).

A file that cannot be read at all is refused whole with one message; the database keeps its data
(a row in ``imports`` with status ``refused`` records the attempt). Every rejected row goes to
``import_rejects`` with its physical line. ``import_changes`` keeps inserted keys and the previous
version of updated rows (or, when every row was new, one ``insert_all`` row: the import's rows are
those carrying its import_id), so an import can be undone exactly.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import re
import threading
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import NamedTuple

import duckdb

from analytics import store
from analytics.importing import (
    csv_lines,
    loading,
    reject_lines,
    rep_spellings,
    saved_mappings,
    stage_types,
    temp_files,
    unread_stages,
)
from analytics.importing.planning import ImportPlan, _plan, _refuse, _stored_quotas_note

REJECTS_IN_RESULT = 1000


# Imports in one process take turns: the tables' ids are kept unique by the import itself (no
# index), and two imports classifying the same new id at once would both insert it. Another
# process cannot write the database file while this one holds it.
_COMMIT_LOCK = threading.Lock()


# DuckDB keeps what an import writes in its buffer pool (up to 80% of RAM by default): a 10M-row
# first load held about 1 GB. The write of a first load (one_read) of a file over
# CAPPED_FROM_BYTES caps the pool meanwhile; written blocks are evicted (the setting is the
# database instance's: restored after, and commits take turns). Setting and restoring it costs
# about 50 ms, so smaller files are left alone; the two-read path's joins keep their memory.
COMMIT_MEMORY_LIMIT = "512MB"


CAPPED_FROM_BYTES = 256 << 20


# A first load of an activity log numbers its rows' key_seq after the write (one_read): the UPDATE
# leaves every row group the write put in the database file changed in memory, so the COMMIT would
# copy the whole table into the write-ahead log (190 MB and 0.2 CPU s at 5M rows) for the close to
# checkpoint again. With these settings DuckDB checkpoints at that COMMIT instead and writes no log
# (0.07 s; a process killed inside that checkpoint leaves the database as it was:
# tests/test_import_first_load_commit.py). They are the database instance's: set just before that
# COMMIT and reset after it (commits take turns).
CHECKPOINT_AT_COMMIT = {"checkpoint_threshold": "'1KB'", "auto_checkpoint_skip_wal_threshold": "0"}


@dataclass
class ImportResult:
    file: str
    kind: str | None
    status: str
    rows_read: int = 0
    rows_loaded: int = 0
    rows_rejected: int = 0
    new: int = 0
    updated: int = 0
    unchanged: int = 0
    rejects: list[dict] = field(default_factory=list)
    message: str = ""
    import_id: int | None = None
    notes: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)  # notes a loaded file's figures hang on (also in notes)

    def to_json_dict(self) -> dict:
        keys = ("file", "kind", "status", "rows_read", "rows_loaded", "rows_rejected", "new", "updated",
                "unchanged", "rejects", "message", "notes", "warnings")
        d = asdict(self)
        return {k: d[k] for k in keys}


def import_file(conn: duckdb.DuckDBPyConnection, path: str | Path, *, file_name: str | None = None,
                kind: str | None = None, preset: str | None = None, mapping: dict[str, str] | None = None,
                date_order: str | None = None, unit: float | None = None, lines: str | None = None,
                progress: Callable[[float, str], None] | None = None) -> ImportResult:
    """Inspect and commit in one go (the CLI and the sample loader)."""
    temp_files.remove_stale()  # what a killed import left in the temp folder
    if progress:
        progress(0.0, "reading file")
    plan, stage = _plan(conn, path, file_name=file_name, kind=kind, preset=preset, mapping_override=mapping,
                        date_order=date_order, unit=unit, keep=True, write_once=True, lines=lines)
    return commit_staged(conn, plan, stage, progress=progress)


@contextlib.contextmanager
def _memory_capped(conn: duckdb.DuckDBPyConnection, capped: bool) -> Iterator[None]:
    """DuckDB's memory limit lowered to :data:`COMMIT_MEMORY_LIMIT` for the block when ``capped``;
    never raised, and left as it is when DuckDB cannot free enough for it now."""
    before = conn.execute("SELECT current_setting('memory_limit')").fetchall()[0][0] if capped else ""
    if not capped or _byte_count(before) <= _byte_count(COMMIT_MEMORY_LIMIT):
        yield
        return
    try:
        conn.execute(f"SET memory_limit = '{COMMIT_MEMORY_LIMIT}'")
    except duckdb.OutOfMemoryException:  # (other sessions hold more than the cap: write uncapped)
        yield
        return
    try:
        yield
    finally:  # (DuckDB shows a limit rounded down: setting that back would lower it on every import)
        conn.execute("RESET memory_limit")
        if conn.execute("SELECT current_setting('memory_limit')").fetchall()[0][0] != before:
            conn.execute(f"SET memory_limit = '{before}'")


_UNITS = {"B": 1, "KB": 1e3, "MB": 1e6, "GB": 1e9, "TB": 1e12, "KIB": 2**10, "MIB": 2**20, "GIB": 2**30,
          "TIB": 2**40}


def _byte_count(text: str) -> float:
    """Bytes in a DuckDB size ('18.7 GiB', '512MB'); infinite for what is not one (unlimited)."""
    match = re.fullmatch(r"\s*([\d.]+)\s*([KMGT]I?B|B)?\s*", text, re.IGNORECASE)
    return float(match[1]) * _UNITS[(match[2] or "B").upper()] if match else float("inf")


def _digest(path: str, *, count_lines: bool = True) -> tuple[str | None, int | None]:
    """The file's sha256 and, when ``count_lines``, its physical line count, in one pass: the count
    lets reject lines skip a pass of their own (reject_lines.start); a file the text pass counted
    already (``SourceFile.n_lines``) is only hashed (counting costs a quarter of the pass: 0.12 of
    0.4 CPU s for 300 MB). (The pass's 16 MiB chunks: hashlib.file_digest's 256 KiB reads take the
    GIL 8,000 times for 2 GB, beside the write's Python sink: 3.9 s against 2.0.)"""
    h = hashlib.sha256()
    try:
        if not count_lines:
            _each_chunk(Path(path), h.update)
            return h.hexdigest(), None
        lines = csv_lines.line_count(Path(path), each_chunk=h.update)
    except OSError:
        return None, None
    return h.hexdigest(), lines


class _FileDigest:
    """:func:`_digest` of a file in a thread of its own, started by :meth:`start` (once) or by the
    first :meth:`result`; :meth:`finish` waits for a started one (a write given up)."""

    def __init__(self, path: str, *, count_lines: bool) -> None:
        self._found: list[tuple[str | None, int | None]] = []
        self._thread = threading.Thread(target=lambda: self._found.append(_digest(path, count_lines=count_lines)),
                                        daemon=True)

    def start(self) -> None:
        if self._thread.ident is None:
            self._thread.start()

    def finish(self) -> None:
        if self._thread.ident is not None:
            self._thread.join()

    def result(self) -> tuple[str | None, int | None]:
        """(the sha256, the line count when counted); (None, None) when the file could not be read."""
        self.start()
        self._thread.join()
        return self._found[0] if self._found else (None, None)


def _each_chunk(path: Path, use: Callable[[memoryview], object]) -> None:
    """Hand ``use`` the file's bytes a 16 MiB chunk at a time, through one buffer."""
    buf = bytearray(csv_lines.CHUNK)
    view = memoryview(buf)
    with open(path, "rb", buffering=0) as fh:
        while n := fh.readinto(buf):
            use(view[:n])


def _next_import_id(conn: duckdb.DuckDBPyConnection) -> int:
    return conn.execute("SELECT nextval('import_id_seq')").fetchall()[0][0]


def _record_refusal(conn: duckdb.DuckDBPyConnection, plan: ImportPlan,
                    import_id: int | None = None) -> ImportResult:
    import_id = import_id if import_id is not None else _next_import_id(conn)
    conn.execute("INSERT INTO imports (import_id, file_name, kind, preset, mapping_json, status, message, "
                 "notes_json) VALUES (?, ?, ?, ?, ?, 'refused', ?, ?)",
                 [import_id, plan.file_name, plan.kind or "unknown", plan.preset, json.dumps(plan.mapping),
                  plan.message, json.dumps(plan.notes)])
    return ImportResult(file=plan.file_name, kind=plan.kind, status="refused", rows_read=plan.rows_read,
                        message=plan.message, import_id=import_id, notes=list(plan.notes))


class _Retry(NamedTuple):
    """A write rolled back (:class:`~analytics.importing.stage_types.PlanChanged`): the plan to stage
    again, how (``once``: one read without the reader's casts; ``twice``: the two-read way), and the
    id the rolled-back write took, which stays this import's (no gap in the history)."""
    plan: ImportPlan
    again: str
    import_id: int | None


# A first load with the reader's casts, without them, then the two-read way (which never rolls back
# for a changed plan): three writes at most.
MAX_WRITES = 3


def commit_import(conn: duckdb.DuckDBPyConnection, plan: ImportPlan, *,
                  progress: Callable[[float, str], None] | None = None) -> ImportResult:
    """Write the plan's accepted rows, its rejects and its change log in one transaction (the
    file is staged again under the plan: its kind, mapping and unit as they were).

    A first load written by the read that checks it (:mod:`analytics.importing.one_read`) may find
    what that one read cannot settle: the transaction is rolled back and the file written again
    the way that settles it (see :data:`MAX_WRITES`)."""
    return commit_staged(conn, plan, None, progress=progress)


def commit_staged(conn: duckdb.DuckDBPyConnection, plan: ImportPlan, stage: stage_types.Stage | None, *,
                  progress: Callable[[float, str], None] | None = None) -> ImportResult:
    """:func:`commit_import` of a plan staged on ``conn`` (``stage``, as ``planning._plan(keep=True)``
    left it: not staged again), or staged again when ``stage`` is None."""
    import_id: int | None = None
    for _ in range(MAX_WRITES):
        outcome = _write(conn, plan, stage, progress, import_id)
        if isinstance(outcome, ImportResult):
            return outcome
        import_id = outcome.import_id
        plan, stage = _restage(conn, outcome.plan, write_once=outcome.again == "once", reader_casts=False)
    raise RuntimeError(f"{plan.file_name}: not written after {MAX_WRITES} tries")  # (a bug of ours: exit 1)


def _write(conn: duckdb.DuckDBPyConnection, plan: ImportPlan, stage: stage_types.Stage | None,
           progress: Callable[[float, str], None] | None, import_id: int | None) -> ImportResult | _Retry:
    """One try of :func:`commit_import`: its result, or how to try again after a rollback."""
    def tell(fraction: float, text: str) -> None:
        if progress:
            progress(fraction, text)

    if stage is not None and not stage_types.exists(conn, stage):
        stage = None
    if not plan.refused and stage is None:
        tell(0.1, "reading file")
        plan, stage = _restage(conn, plan, write_once=True)
    if plan.refused or stage is None:
        return _record_refusal(conn, plan, import_id)
    tell(0.5, "writing rows")
    if stage.reading is stage_types.Reading.STREAMED and not stage.source_unchanged():  # (a streamed stage reads the file again)
        stage_types.drop(conn, stage)
        return _record_refusal(conn, _refuse(plan, f"{plan.file_name} changed after it was checked; "
                                                   "import it again"), import_id)
    # The file's checksum is read in a thread (hashlib and numpy let go of the GIL, as DuckDB does):
    # beside a first load's checks after its INSERT, else beside the row writes; its line count serves
    # the reject lines of the file DuckDB reads, when that is it (and the text pass did not count them).
    read_here = Path(stage.src.read_path) == Path(plan.path)  # (not a transcoded or newline-normalised copy)
    known_lines = stage.src.n_lines if read_here else None
    digest = _FileDigest(plan.path, count_lines=known_lines is None)
    if stage.reading.once and known_lines is not None:
        stage.on_written = digest.start  # (its INSERT keeps both cores busy; the checks after it, one)
    else:
        digest.start()
    if read_here:
        def counted_lines() -> int | None:
            return known_lines if known_lines is not None else digest.result()[1]

        stage.counted_lines = counted_lines
    checkpointed = stage.reading.once and stage.kind == "activities"  # (see CHECKPOINT_AT_COMMIT)
    try:
        capped = stage.reading.once and stage.src.size >= CAPPED_FROM_BYTES
        with _COMMIT_LOCK, _memory_capped(conn, capped), store.transaction(conn):
            import_id = import_id if import_id is not None else _next_import_id(conn)
            counts = loading.strategy(conn, stage).write(conn, stage, import_id)
            plan = plan.noted(*stage.write_notes)
            if stage.reading.once:  # checked by the read that wrote it: what the checks found is known now
                plan = replace(plan.noted(*stage.notes), rows_read=stage.rows_read, rows_rejected=stage.rows_rejected)
            if stage.kind == "deals" and (note := _stored_quotas_note(conn, "deals")):
                plan = plan.noted(note)  # (deals arriving after quotas: the quotas may be a unit off)
            plan = plan.noted(*rep_spellings.rep_name_notes(conn, import_id, stage.kind))
            warnings = [w] if (w := unread_stages.stage_warning(conn, stage)) else []
            plan = plan.noted(*warnings)
            reject_lines.resolve(conn, stage)
            conn.execute(f"INSERT INTO import_rejects SELECT ?, ?, line, column_name, value, reason "
                         f"FROM {stage.t('rej')} ORDER BY line NULLS LAST", [import_id, plan.file_name])
            sha256 = digest.result()[0]
            tell(0.9, "recording the import")
            loaded = plan.rows_read - plan.rows_rejected - stage.rows_skipped
            message = (f"{plan.file_name}: {loaded} row(s) loaded as {plan.kind} ({counts[0]} new, "
                       f"{counts[1]} updated, {counts[2]} unchanged), {plan.rows_rejected} rejected")
            conn.execute(
                "INSERT INTO imports (import_id, file_name, kind, preset, file_sha256, mapping_json, status, "
                "rows_read, rows_loaded, rows_rejected, n_new, n_updated, n_unchanged, message, notes_json) "
                "VALUES (?, ?, ?, ?, ?, ?, 'loaded', ?, ?, ?, ?, ?, ?, ?, ?)",
                [import_id, plan.file_name, plan.kind, plan.preset, sha256, json.dumps(plan.mapping),
                 plan.rows_read, loaded, plan.rows_rejected, *counts, message, json.dumps(plan.notes)])
            saved_mappings.save_mapping(conn, plan.headers, stage.kind, dict(plan.mapping), plan.unit)
            if checkpointed:
                for name, value in CHECKPOINT_AT_COMMIT.items():
                    conn.execute(f"SET {name} = {value}")
        rejects = conn.execute(
            f"SELECT line, column_name, value, reason FROM {stage.t('rej')} ORDER BY line NULLS LAST "
            f"LIMIT {REJECTS_IN_RESULT}").fetchall()
    except (loading.SourceChangedError, stage_types.RefusalError) as exc:
        digest.finish()
        return _record_refusal(conn, _refuse(plan, str(exc)), import_id)
    except stage_types.PlanChanged as exc:  # (rolled back): the two-read way settles what one read could not
        digest.finish()  # (a value the reader's cast took otherwise: one read again, without reader casts)
        again: str | None = "once" if exc.casts else "twice"
    else:
        again = None
    finally:
        if checkpointed:  # (a database DuckDB gave up on refuses this too: the first error is the one to see)
            with contextlib.suppress(duckdb.Error):
                for name in CHECKPOINT_AT_COMMIT:
                    conn.execute(f"RESET {name}")
        stage_types.drop(conn, stage)
    if again:
        return _Retry(plan, again, import_id)
    if plan.rows_rejected > REJECTS_IN_RESULT:
        message += f" (first {REJECTS_IN_RESULT} rejects listed; all are in import_rejects)"
    tell(1.0, "done")
    return ImportResult(
        file=plan.file_name, kind=plan.kind, status="loaded", rows_read=plan.rows_read, rows_loaded=loaded,
        rows_rejected=plan.rows_rejected, new=counts[0], updated=counts[1], unchanged=counts[2],
        rejects=[{"line": r[0], "column": r[1], "value": r[2], "reason": r[3]} for r in rejects],
        message=message, import_id=import_id, notes=list(plan.notes), warnings=warnings)


def _restage(conn: duckdb.DuckDBPyConnection, plan: ImportPlan, *, write_once: bool,
             reader_casts: bool = True) -> tuple[ImportPlan, stage_types.Stage | None]:
    """The plan staged again from its file with its confirmed mapping, as it was."""
    fresh, stage = _plan(conn, plan.path, file_name=plan.file_name, kind=plan.kind, preset=plan.preset,
                  mapping_override=None, date_order=plan.date_order, unit=plan.unit, keep=True,
                  exact_mapping=plan.mapping, write_once=write_once, reader_casts=reader_casts)
    if plan.unit_note and not fresh.unit_note:  # (its unit is given now: say where it came from still)
        fresh = replace(fresh, unit_note=plan.unit_note, notes=(plan.unit_note, *fresh.notes))
    if plan.id_note:  # (its mapping is given now: say how its deal id was found still)
        fresh = replace(fresh, id_note=plan.id_note, notes=(plan.id_note, *fresh.notes))
    return fresh, stage
