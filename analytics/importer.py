r"""The CSV import: inspect (detect, parse, preview; no writes), commit (atomic, idempotent, undoable).

>>> import pathlib, shutil, tempfile
>>> from analytics import store
>>> conn = store.connect(":memory:")
>>> path = pathlib.Path(tempfile.mkdtemp()) / "opportunities.csv"
>>> _ = path.write_text("\n".join(["Owner,Close Date,Amount,Stage", "Ann Lee,01/15/2026,1200,Closed Won",
...                                "Bo Chan,01/20/2026,950,Closed Lost", "Bo Chan,13/45/2026,10,Closed Won"]))
>>> plan = inspect_file(conn, path)                     # kind, mapping, notes, preview, rejects
>>> plan.kind, plan.rows_read, plan.rows_rejected
('deals', 3, 1)
>>> result = commit_import(conn, plan)                  # one transaction: all accepted rows or none
>>> result.rows_loaded, result.rejects[0]["line"], result.rejects[0]["reason"]
(2, 4, 'not a date: 13/45/2026')
>>> undo_import(conn, result.import_id)
'undid import 1 (opportunities.csv): 2 row(s) removed, 0 restored to their previous values'
>>> shutil.rmtree(path.parent)

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
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import duckdb

from analytics import (
    csv_source,
    formatting,
    import_input,
    import_lines,
    import_once,
    import_stage,
    import_temp,
    import_units,
    mapping,
    quoting,
    store,
)
from analytics.import_kinds import TABLES
from analytics.import_log import (  # noqa: F401  (public API re-exported)
    activity_labels,
    activity_type_map,
    import_history,
    import_rejects,
    set_activity_type,
    undo_import,
)
from analytics.mapping import save_mapping  # noqa: F401

if TYPE_CHECKING:  # pandas is imported only where a DataFrame is built (not on the CLI's path)
    import pandas as pd

REJECTS_IN_RESULT = 1000
# Imports in one process take turns: the tables' ids are kept unique by the import itself (no
# index), and two imports classifying the same new id at once would both insert it. Another
# process cannot write the database file while this one holds it.
_COMMIT_LOCK = threading.Lock()
PREVIEW_ROWS = 20
# DuckDB keeps what an import writes in its buffer pool (up to 80% of RAM by default): a 10M-row
# first load held about 1 GB. The write of a first load (import_once) of a file over
# CAPPED_FROM_BYTES caps the pool meanwhile; written blocks are evicted (the setting is the
# database instance's: restored after, and commits take turns). Setting and restoring it costs
# about 50 ms, so smaller files are left alone; the two-read path's joins keep their memory.
COMMIT_MEMORY_LIMIT = "512MB"
CAPPED_FROM_BYTES = 256 << 20


@dataclass
class ImportPlan:
    file_name: str
    path: str
    kind: str | None = None
    preset: str | None = None
    encoding: str | None = None
    delimiter: str | None = None
    mapping: dict[str, str] = field(default_factory=dict)
    unmapped_columns: list[str] = field(default_factory=list)
    missing_required: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    preview: pd.DataFrame | None = None        # first rows as they will be stored (inspect_file)
    reject_sample: pd.DataFrame | None = None  # line, column, value, reason (inspect_file)
    rows_read: int = 0
    rows_rejected: int = 0
    refused: bool = False
    message: str = ""
    headers: list[str] = field(default_factory=list)
    date_order: str | None = None
    unit: float | None = None
    # Where a unit the caller did not give came from (remembered with the mapping, or evident from
    # the stored won revenue), in words: the page shows it as a warning beside the preselected unit.
    unit_note: str = ""
    _stage: import_stage.Stage | None = field(default=None, repr=False, compare=False)
    _conn_id: int | None = field(default=None, repr=False, compare=False)


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

    def to_json_dict(self) -> dict:
        keys = ("file", "kind", "status", "rows_read", "rows_loaded", "rows_rejected", "new", "updated",
                "unchanged", "rejects", "message", "notes")
        d = asdict(self)
        return {k: d[k] for k in keys}


def _refuse(plan: ImportPlan, message: str) -> ImportPlan:
    plan.refused, plan.message = True, message if message.startswith(plan.file_name) else \
        f"{plan.file_name}: {message}"
    return plan


def _plan(conn: duckdb.DuckDBPyConnection, path: str | Path, *, file_name: str | None, kind: str | None,
          preset: str | None, mapping_override: dict[str, str] | None, date_order: str | None,
          unit: float | None, keep: bool, exact_mapping: dict[str, str] | None = None,
          write_once: bool = False, reader_casts: bool = True) -> ImportPlan:
    path = Path(path)
    plan = ImportPlan(file_name=file_name or path.name, path=str(path), date_order=date_order,
                      unit=float(unit) if unit else None)
    if kind and kind not in mapping.KINDS:
        return _refuse(plan, f"unknown kind {kind!r} (choose {', '.join(mapping.KINDS)})")
    if date_order not in (None, "dmy", "mdy"):
        return _refuse(plan, f"date order must be 'dmy' or 'mdy', not {date_order!r}")
    if unit is not None and (why := import_input.unit_problem(float(unit))):
        return _refuse(plan, why)
    try:
        src = csv_source.open_source(path, plan.file_name)
    except csv_source.RefusedFileError as exc:
        return _refuse(plan, str(exc))
    try:
        plan.encoding, plan.delimiter, plan.headers = src.encoding, src.delimiter, src.headers
        plan.notes.extend(src.notes)
        try:
            if exact_mapping is not None:  # re-staging a confirmed plan: its kind and mapping, as they were
                if kind is None:
                    raise ValueError("a confirmed plan names its kind")
                plan.kind, plan.preset = kind, preset
                plan.mapping = {h: f for h, f in exact_mapping.items() if h in src.headers}
            else:
                det = mapping.detect(src.headers, conn, kind=kind, preset=preset)
                plan.kind, plan.preset = det.kind, det.preset
                plan.mapping = mapping.apply_overrides(src.headers, det.mapping, mapping_override, det.kind)
                if plan.unit is None and det.unit is not None:  # the unit confirmed with this mapping
                    plan.unit = det.unit
                    plan.unit_note = _remembered_note(det.unit)
                    plan.notes.append(plan.unit_note)
        except ValueError as exc:
            return _refuse(plan, str(exc))
        plan.unmapped_columns = [h for h in src.headers if h not in plan.mapping]
        plan.missing_required = mapping.missing_required(plan.kind, plan.mapping)
        if plan.missing_required:
            names = ", ".join(plan.missing_required)
            return _refuse(plan, f"cannot import as {plan.kind}: no column found for {names} "
                                 f"(columns: {quoting.names(src.headers)}); map one with --map 'COLUMN={plan.missing_required[0]}'")
        _stage(conn, plan, src, plan.kind, keep=keep, write_once=write_once, reader_casts=reader_casts)
    finally:
        if plan._stage is None:  # a kept stage owns its source (a streamed one reads it again)
            src.close()
    return plan


def _stage(conn: duckdb.DuckDBPyConnection, plan: ImportPlan, src: csv_source.SourceFile, kind: str, *,
           keep: bool, write_once: bool, reader_casts: bool = True) -> None:
    type_overrides = dict(conn.execute("SELECT raw_type, type FROM activity_type_map").fetchall())
    # A commit into an empty deals table may write the file with the read that checks it.
    write_once = write_once and keep and kind == "deals" and not _stored(conn, "deals")
    def build(unit: float | None) -> import_stage.Stage:
        return import_stage.build(conn, src, kind, plan.mapping, date_order=plan.date_order,
                                  unit=unit, fiscal_start=store.fiscal_year_start_month(conn),
                                  type_overrides=type_overrides, write_once=write_once,
                                  reader_casts=reader_casts)

    try:
        stage = build(plan.unit)
        if kind == "targets" and _stored(conn, "deals"):
            stage = _in_evident_unit(conn, plan, stage, build)
    except import_stage.RefusalError as exc:
        _refuse(plan, str(exc))
        return
    if kind == "targets" and _stored(conn, "quotas") and (  # a re-import: how the stored quotas change
            note := import_units.change_note(import_units.quota_changes(conn, stage.t("final")))):
        plan.notes.append(note)
    if kind == "targets" and (note := unknown_reps_note(conn, stage.t("final"))):
        plan.notes.append(note)
    if kind == "deals" and not keep and not stage.once and (note := _stored_quotas_note(conn, stage.t("final"))):
        plan.notes.append(note)  # (a commit says it from the stored deals, after their write)
    plan.notes.extend(stage.notes)
    plan.rows_read, plan.rows_rejected = stage.rows_read, stage.rows_rejected
    if not keep:  # the preview is for a person looking at inspect_file's plan
        import_lines.resolve(conn, stage)
        plan.preview = conn.execute(f"SELECT * FROM {stage.t('final')} LIMIT {PREVIEW_ROWS}").df()
        plan.reject_sample = conn.execute(
            f"SELECT line, column_name AS column, value, reason FROM {stage.t('rej')} "
            "ORDER BY line NULLS LAST LIMIT 50").df()
    if keep:
        plan._stage, plan._conn_id = stage, id(conn)
    else:
        import_stage.drop(conn, stage)


UNKNOWN_REPS_NAMED = 10
"""Reps an :func:`unknown_reps_note` names before "and N more"."""


def unknown_reps_note(conn: duckdb.DuckDBPyConnection, targets: str) -> str | None:
    """A note naming the reps of the quota rows ``targets`` who have no deals and are not in the
    roster, or None when there are none (or nothing stored yet to know the reps by).

    Such a quota is stored but nothing is ever measured against it: most often a name spelled
    otherwise than in the CRM ("Ann Lee" / "Anne Lee"), which the manager should hear about.
    """
    if not (_stored(conn, "deals") or _stored(conn, "reps")):
        return None
    unknown = [rep for (rep,) in conn.execute(
        f"SELECT DISTINCT rep FROM {targets} t WHERE NOT EXISTS (SELECT 1 FROM deals d WHERE d.rep = t.rep) "
        "AND NOT EXISTS (SELECT 1 FROM reps r WHERE r.rep = t.rep) ORDER BY rep").fetchall()]
    if not unknown:
        return None
    return (f"targets for {formatting.quantity(len(unknown), 'rep')} with no deals and not in the roster "
            f"(check the spelling against the CRM; nothing is measured against them): "
            f"{quoting.names(unknown, limit=UNKNOWN_REPS_NAMED)}")


def _remembered_note(unit: float) -> str:
    if unit == 1:
        return "values kept as they are in the file, as confirmed before for files with these headers"
    return (f"values multiplied by {unit:g}, the unit confirmed before for files with these headers; pass "
            "unit=1 (--unit 1) to keep them as they are")


def _file_unit(plan: ImportPlan) -> float:
    """The unit the file's amount headers give (``Jan (k)``: 1,000) when they agree, else 1."""
    fields = mapping.FIELD_BY_NAME[plan.kind or "targets"]
    units = {mapping.unit_of_header(h) or 1.0 for h, f in plan.mapping.items()
             if f in fields and fields[f].type == "amount"}
    return units.pop() if len(units) == 1 else 1.0


def _in_evident_unit(conn: duckdb.DuckDBPyConnection, plan: ImportPlan, stage: import_stage.Stage,
                     build: Callable[[float | None], import_stage.Stage]) -> import_stage.Stage:
    """A quota stage in the unit the stored won revenue makes evident (staged again in it) when no
    unit was given or remembered; with one, the stage as it is and a note when the revenue disagrees."""
    evidence = import_units.quota_sales_evidence(conn, stage.t("final"), "deals")
    factor = import_units.evident_factor(evidence)
    if factor is None:
        return stage
    if plan.unit is not None:
        plan.notes.append(import_units.kept_note(evidence, factor, plan.unit))
        return stage
    unit = _file_unit(plan) * factor
    if import_input.unit_problem(unit):
        return stage
    import_stage.drop(conn, stage)
    plan.unit = unit
    plan.unit_note = import_units.applied_note(evidence, factor, unit)
    plan.notes.append(plan.unit_note)
    return build(unit)


def _stored_quotas_note(conn: duckdb.DuckDBPyConnection, deals: str) -> str | None:
    """A note when the stored quotas are a unit off the won revenue of ``deals``, else None."""
    if not _stored(conn, "quotas"):
        return None
    evidence = import_units.quota_sales_evidence(conn, "quotas", deals)
    factor = import_units.evident_factor(evidence)
    return None if factor is None else import_units.stored_quotas_note(evidence, factor)


def _stored(conn: duckdb.DuckDBPyConnection, table: str) -> bool:
    return conn.execute(f"SELECT count(*) FROM (SELECT 1 FROM {table} LIMIT 1)").fetchall()[0][0] > 0


def inspect_file(conn: duckdb.DuckDBPyConnection, path: str | Path, *, file_name: str | None = None,
                 kind: str | None = None, preset: str | None = None, mapping: dict[str, str] | None = None,
                 date_order: str | None = None, unit: float | None = None) -> ImportPlan:
    """Detect, parse and preview ``path``; writes nothing to data tables."""
    import_temp.remove_stale()  # what a killed import left in the temp folder
    return _plan(conn, path, file_name=file_name, kind=kind, preset=preset, mapping_override=mapping,
                 date_order=date_order, unit=unit, keep=False)


def import_file(conn: duckdb.DuckDBPyConnection, path: str | Path, *, file_name: str | None = None,
                kind: str | None = None, preset: str | None = None, mapping: dict[str, str] | None = None,
                date_order: str | None = None, unit: float | None = None,
                progress: Callable[[float, str], None] | None = None) -> ImportResult:
    """Inspect and commit in one go (the CLI and the sample loader)."""
    import_temp.remove_stale()  # what a killed import left in the temp folder
    if progress:
        progress(0.0, "reading file")
    plan = _plan(conn, path, file_name=file_name, kind=kind, preset=preset, mapping_override=mapping,
                 date_order=date_order, unit=unit, keep=True, write_once=True)
    return commit_import(conn, plan, progress=progress)


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


def _digest(path: str) -> tuple[str | None, int | None]:
    """The file's sha256 and its physical line count, in one pass: the count lets reject lines
    skip a pass of their own (import_lines.start). (The pass's 16 MiB chunks: hashlib.file_digest's
    256 KiB reads take the GIL 8,000 times for 2 GB, beside the write's Python sink: 3.9 s against 2.0.)"""
    h = hashlib.sha256()
    try:
        lines = csv_source.line_count(Path(path), each_chunk=h.update)
    except OSError:
        return None, None
    return h.hexdigest(), lines


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


def commit_import(conn: duckdb.DuckDBPyConnection, plan: ImportPlan, *,
                  progress: Callable[[float, str], None] | None = None,
                  import_id: int | None = None) -> ImportResult:
    """Write the plan's accepted rows, its rejects and its change log in one transaction.
    (``import_id``: an id taken for this import by a commit that was rolled back.)"""
    def tell(fraction: float, text: str) -> None:
        if progress:
            progress(fraction, text)

    stage = plan._stage if plan._conn_id == id(conn) else None
    if stage is not None and not import_stage.exists(conn, stage):
        stage = None
    if not plan.refused and stage is None:
        tell(0.1, "reading file")
        plan, stage = _restage(conn, plan, write_once=True)
    if plan.refused or stage is None:
        return _record_refusal(conn, plan, import_id)
    tell(0.5, "writing rows")
    if stage.stream and not stage.once and not stage.source_unchanged():  # (a streamed stage reads the file again)
        import_stage.drop(conn, stage)
        return _record_refusal(conn, _refuse(plan, f"{plan.file_name} changed after it was checked; "
                                                   "import it again"), import_id)
    # The file's checksum is read beside the row writes (hashlib and numpy let go of the GIL, as
    # DuckDB does); its line count serves the reject lines of the file DuckDB reads, when that is it.
    checksum = threading.Thread(target=lambda: sums.append(_digest(plan.path)), daemon=True)
    sums: list = []
    checksum.start()
    if Path(stage.src.read_path) == Path(plan.path):  # (not a transcoded or newline-normalised copy)
        def counted_lines() -> int | None:
            checksum.join()
            return sums[0][1] if sums else None

        stage.counted_lines = counted_lines
    try:
        capped = stage.once and stage.src.size >= CAPPED_FROM_BYTES
        with _COMMIT_LOCK, _memory_capped(conn, capped), store.transaction(conn):
            import_id = import_id if import_id is not None else _next_import_id(conn)
            counts = _upsert(conn, stage, import_id)
            if stage.once:  # checked by the read that wrote it: what the checks found is known now
                plan.rows_read, plan.rows_rejected = stage.rows_read, stage.rows_rejected
                plan.notes.extend(stage.notes)
            if stage.kind == "deals" and (note := _stored_quotas_note(conn, "deals")):
                plan.notes.append(note)  # (deals arriving after quotas: the quotas may be a unit off)
            import_lines.resolve(conn, stage)
            conn.execute(f"INSERT INTO import_rejects SELECT ?, ?, line, column_name, value, reason "
                         f"FROM {stage.t('rej')} ORDER BY line NULLS LAST", [import_id, plan.file_name])
            checksum.join()
            tell(0.9, "recording the import")
            loaded = plan.rows_read - plan.rows_rejected - stage.rows_skipped
            message = (f"{plan.file_name}: {loaded} row(s) loaded as {plan.kind} ({counts[0]} new, "
                       f"{counts[1]} updated, {counts[2]} unchanged), {plan.rows_rejected} rejected")
            conn.execute(
                "INSERT INTO imports (import_id, file_name, kind, preset, file_sha256, mapping_json, status, "
                "rows_read, rows_loaded, rows_rejected, n_new, n_updated, n_unchanged, message, notes_json) "
                "VALUES (?, ?, ?, ?, ?, ?, 'loaded', ?, ?, ?, ?, ?, ?, ?, ?)",
                [import_id, plan.file_name, plan.kind, plan.preset, sums[0][0], json.dumps(plan.mapping),
                 plan.rows_read, loaded, plan.rows_rejected, *counts, message, json.dumps(plan.notes)])
            mapping.save_mapping(conn, plan.headers, stage.kind, plan.mapping, plan.unit)
        rejects = conn.execute(
            f"SELECT line, column_name, value, reason FROM {stage.t('rej')} ORDER BY line NULLS LAST "
            f"LIMIT {REJECTS_IN_RESULT}").fetchall()
    except (SourceChangedError, import_stage.RefusalError) as exc:
        checksum.join()
        return _record_refusal(conn, _refuse(plan, str(exc)), import_id)
    except import_stage.PlanChanged as exc:  # (rolled back): the two-read way settles what one read could not
        checksum.join()  # (a value the reader's cast took otherwise: one read again, without reader casts)
        again: str | None = "once" if exc.casts else "twice"
    else:
        again = None
    finally:
        import_stage.drop(conn, stage)
        plan._stage = None
    if again:  # (the id the rolled-back write took is this import's still: no gap in the history)
        return commit_import(conn, _restage(conn, plan, write_once=again == "once", reader_casts=False)[0],
                             progress=progress, import_id=import_id)
    if plan.rows_rejected > REJECTS_IN_RESULT:
        message += f" (first {REJECTS_IN_RESULT} rejects listed; all are in import_rejects)"
    tell(1.0, "done")
    return ImportResult(
        file=plan.file_name, kind=plan.kind, status="loaded", rows_read=plan.rows_read, rows_loaded=loaded,
        rows_rejected=plan.rows_rejected, new=counts[0], updated=counts[1], unchanged=counts[2],
        rejects=[{"line": r[0], "column": r[1], "value": r[2], "reason": r[3]} for r in rejects],
        message=message, import_id=import_id, notes=list(plan.notes))


def _restage(conn: duckdb.DuckDBPyConnection, plan: ImportPlan, *, write_once: bool,
             reader_casts: bool = True) -> tuple[ImportPlan, import_stage.Stage | None]:
    """The plan staged again from its file with its confirmed mapping, as it was."""
    fresh = _plan(conn, plan.path, file_name=plan.file_name, kind=plan.kind, preset=plan.preset,
                  mapping_override=None, date_order=plan.date_order, unit=plan.unit, keep=True,
                  exact_mapping=plan.mapping, write_once=write_once, reader_casts=reader_casts)
    if plan.unit_note and not fresh.unit_note:  # (its unit is given now: say where it came from still)
        fresh.unit_note = plan.unit_note
        fresh.notes.insert(0, plan.unit_note)
    return fresh, fresh._stage


def key_sql(kind: str, alias: str) -> str:
    """A row's key as text (``import_changes.row_key``)."""
    _, keys, _ = TABLES[kind]
    if len(keys) == 1:
        return f"{alias}.{keys[0]}"
    return "to_json([" + ", ".join(f"CAST({alias}.{k} AS VARCHAR)" for k in keys) + "])::VARCHAR"


class SourceChangedError(RuntimeError):
    """The file changed between its checks and the write of its rows (nothing was written)."""


def _changed(stage: import_stage.Stage, n_read: int) -> SourceChangedError:
    name = stage.src.file_name if stage.src else "the file"
    return SourceChangedError(f"{name} changed while it was imported ({stage.n_final} rows checked, "
                              f"{n_read} read); nothing was written")


def _classify(conn: duckdb.DuckDBPyConnection, stage: import_stage.Stage, table: str, keys: list[str],
              cols: list[str]) -> tuple[int, int, int]:
    """(new, updated, unchanged) of ``final`` against ``table``; TEMP table ``cls`` holds each key's verdict.

    Rows are compared by a hash of their values cast to the table's types, so ``cls`` keeps a key
    and a verdict per row, never whole rows: a file the size of the table is compared in bounded
    memory. (Two different rows with one 64-bit hash would count as unchanged: about one chance in
    10^19 a row.)"""
    types = dict(conn.execute("SELECT column_name, data_type FROM information_schema.columns WHERE table_name = ?",
                              [table]).fetchall())

    def digest(alias: str) -> str:
        return f"hash({', '.join(f'CAST({alias}.{c} AS {types[c]})' for c in cols if c not in keys)})"

    conn.execute(
        f"CREATE TEMP TABLE {stage.t('cls')} AS SELECT {', '.join(f'f.{k}' for k in keys)}, CASE WHEN t.h IS NULL "
        f"THEN 'new' WHEN t.h = f.h THEN 'unchanged' ELSE 'updated' END AS st FROM (SELECT {', '.join(keys)}, "
        f"{digest('f')} AS h FROM {stage.t('final')} f) f LEFT JOIN (SELECT {', '.join(keys)}, {digest('t')} AS h "
        f"FROM {table} t) t ON " + " AND ".join(f"f.{k} = t.{k}" for k in keys))
    row = conn.execute(f"SELECT count(*) FILTER (WHERE st = 'new'), count(*) FILTER (WHERE st = 'updated'), "
                       f"count(*) FILTER (WHERE st = 'unchanged') FROM {stage.t('cls')}").fetchall()[0]
    return int(row[0]), int(row[1]), int(row[2])


def _upsert(conn: duckdb.DuckDBPyConnection, stage: import_stage.Stage,
            import_id: int) -> tuple[int, int, int]:
    """Insert new rows, update changed ones, leave identical ones; log inserts and previous versions.

    Keys stay unique without an index: ``final`` holds each key once, and a key already stored is
    updated, never inserted again. No try/finally drops ``cls``: after a failed statement the
    transaction accepts nothing more, and its rollback removes the TEMP table anyway."""
    table, keys, cols = TABLES[stage.kind]
    final, cls = stage.t("final"), stage.t("cls")
    collist = ", ".join(cols)
    stored = _stored(conn, table)
    if stage.once:  # the rows are written by the read that checks them, into an empty table
        if stored:
            raise import_stage.PlanChanged("deals were stored since the file was planned")
        conn.execute("INSERT INTO import_changes VALUES (?, ?, '*', 'insert_all', NULL)", [import_id, table])
        return import_once.write(conn, stage, import_id), 0, 0
    counts = _classify(conn, stage, table, keys, cols) if stored else (stage.n_final, 0, 0)
    if sum(counts) != stage.n_final:
        raise _changed(stage, sum(counts))
    if counts[0] == stage.n_final:
        # Every row is new, so the rows carrying this import_id are exactly the ones it inserted:
        # one 'insert_all' row says so (undo deletes by import_id) instead of one row per key.
        conn.execute("INSERT INTO import_changes VALUES (?, ?, '*', 'insert_all', NULL)", [import_id, table])
        n = conn.execute(f"INSERT INTO {table} ({collist}, import_id) SELECT {collist}, ? FROM {final}",
                         [import_id]).fetchall()[0][0]
        if n != stage.n_final:  # final re-reads a streamed file: it must be the file that was checked
            raise _changed(stage, n)
    else:
        on_c = " AND ".join(f"c.{k} = t.{k}" for k in keys)
        conn.execute(f"INSERT INTO import_changes SELECT ?, ?, {key_sql(stage.kind, 'c')}, 'insert', NULL "
                     f"FROM {cls} c WHERE st = 'new'", [import_id, table])
        conn.execute(f"INSERT INTO import_changes SELECT ?, ?, {key_sql(stage.kind, 't')}, 'update', "
                     f"to_json(t)::VARCHAR FROM {table} t JOIN {cls} c ON {on_c} WHERE c.st = 'updated'",
                     [import_id, table])
        picked = " AND ".join(f"c.{k} = f.{k}" for k in keys)
        updates = ", ".join(f"{c} = f.{c}" for c in cols if c not in keys)
        n_updated = conn.execute(
            f"UPDATE {table} t SET {updates}, import_id = ? FROM (SELECT f.* FROM {final} f JOIN {cls} c "
            f"ON {picked} WHERE c.st = 'updated') f WHERE " + " AND ".join(f"f.{k} = t.{k}" for k in keys),
            [import_id]).fetchall()[0][0]
        n_new = conn.execute(f"INSERT INTO {table} ({collist}, import_id) SELECT {', '.join(f'f.{c}' for c in cols)}, "
                             f"? FROM {final} f JOIN {cls} c ON {picked} WHERE c.st = 'new'", [import_id]).fetchall()[0][0]
        if (n_new, n_updated) != counts[:2]:  # a streamed file read again must still be the same
            raise _changed(stage, n_new + n_updated + counts[2])
    conn.execute(f"DROP TABLE IF EXISTS {cls}")
    return counts
