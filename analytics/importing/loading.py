"""Writing a staged file's rows into its table: new rows inserted, changed rows updated (their
previous version logged), identical rows left; the change log makes the import undoable."""

from __future__ import annotations

from typing import NamedTuple, Protocol

import duckdb

from analytics.importing import (
    absent_deals,
    absent_reps,
    activity_overlap,
    deal_amount_units,
    id_forms,
    one_read,
    other_ids,
    owner_changes,
    stage_types,
)
from analytics.importing.fields import TYPE_COUNT
from analytics.importing.tables import TABLES, key_sql


class SourceChangedError(RuntimeError):
    """The file changed between its checks and the write of its rows (nothing was written)."""


def _changed(stage: stage_types.Stage, n_read: int) -> SourceChangedError:
    name = stage.src.file_name if stage.src else "the file"
    return SourceChangedError(f"{name} changed while it was imported ({stage.n_final} rows checked, "
                              f"{n_read} read); nothing was written")


def _keys(kind: str, alias: str) -> dict[str, str]:
    """A row's key as SQL over ``alias``, by name: the key columns, or for activities one text (an id
    the file gave, or the key the import made: :func:`~analytics.importing.tables.key_sql`)."""
    if kind == "activities":
        return {"row_key": key_sql(kind, alias)}
    return {k: f"{alias}.{k}" for k in TABLES[kind][1]}


def _same_key(kind: str, a: str, b: str) -> str:
    """SQL: rows ``a`` and ``b`` of ``kind`` have the same key."""
    left = _keys(kind, a)
    return " AND ".join(f"{left[n]} = {e}" for n, e in _keys(kind, b).items())


def _cls_key(kind: str, alias: str) -> str:
    """SQL: row ``alias`` has the key of the verdict ``c`` (a row of ``cls``, which holds keys by name)."""
    return " AND ".join(f"c.{n} = {e}" for n, e in _keys(kind, alias).items())


def same_source_sql(stage: stage_types.Stage, alias: str) -> str:
    """SQL: stored row ``alias`` may share a key with the stage's rows. An activity without an id is keyed by
    its rep, day, raw type and place among those (``tables.made_activity_key_sql``), which a report of counts
    by week (a row per rep, week and type) and a log of single activities share on the week's first day: the
    log's first call of each Monday replaced the week's count of 40 calls. So made keys match only between
    files of one shape, counts or single activities (the import's mapping names a count column or not)."""
    if stage.kind != "activities":
        return "TRUE"
    counted = "count" in stage.by_field or TYPE_COUNT in stage.by_field
    # (an import whose mapping is not recorded, from before it was, matches either shape, as it did)
    fields = "map_values(json_transform(mapping_json, '\"MAP(VARCHAR, VARCHAR)\"'))"
    other_shape = (f"SELECT import_id FROM imports WHERE kind = 'activities' AND mapping_json IS NOT NULL AND "
                   f"list_has_any({fields}, ['count', '{TYPE_COUNT}']) = {str(not counted).upper()}")
    return f"({alias}.activity_id IS NOT NULL OR {alias}.import_id NOT IN ({other_shape}))"


# Kinds whose ids may come in another form (id_forms): the verdict table's id column and the row's name.
# (An activity's made key, a log without ids, is JSON text: never a form of another.)
_ID_MATCH = {"deals": ("deal_id", "deal"), "activities": ("row_key", "activity")}


def _signature_kept(stage: stage_types.Stage) -> bool:
    """Whether the verdict table keeps each file deal's owner, close date and amount (:mod:`other_ids`)."""
    return not {"rep", "close_date", "amount"} & stage.unsaid


def _classify(conn: duckdb.DuckDBPyConnection, stage: stage_types.Stage, final: str, table: str, keys: list[str],
              cols: list[str]) -> tuple[int, int, int]:
    """(new, updated, unchanged) of ``final`` (the stage's rows) against ``table``; TEMP table ``cls``
    holds each key's verdict.

    Rows are compared by a hash of their values cast to the table's types, so ``cls`` keeps a key
    and a verdict per row, never whole rows: a file the size of the table is compared in bounded
    memory. (Two different rows with one 64-bit hash would count as unchanged: about one chance in
    10^19 a row.)"""
    types = dict(conn.execute("SELECT column_name, data_type FROM information_schema.columns WHERE table_name = ?",
                              [table]).fetchall())

    compared = [c for c in cols if c not in keys and c not in stage.unsaid]

    def digest(alias: str, leave_out: str = "") -> str:
        values = [f"CAST({alias}.{c} AS {types[c]})" for c in compared if c != leave_out]
        return f"hash({', '.join(values)})" if values else "0"

    def keyed(alias: str) -> str:
        return ", ".join(f"{e} AS {n}" for n, e in _keys(stage.kind, alias).items())

    names = list(_keys(stage.kind, "f"))
    # (an activity's rep, type, day and count stay beside its verdict: activity_overlap reads them)
    kept = list(activity_overlap.KEPT) if stage.kind == "activities" else []
    # (a deal's owners, stored and in the file, too: a closed deal handed over keeps who closed it)
    owners = stage.kind == "deals" and "rep" in compared
    # (and its amounts: a re-export in thousands is told by the deals it shares with those stored)
    amounts = stage.kind == "deals" and "amount" in compared
    # (and its close date: a new deal with a stored deal's owner, close and amount may be it under another id)
    closes = stage.kind == "deals" and _signature_kept(stage)
    f_extra = [*(owner_changes.file_columns(digest("f", "rep")) if owners else []),
               *(deal_amount_units.FILE_COLUMNS if amounts else []), *(other_ids.FILE_COLUMNS if closes else [])]
    t_extra = [*(owner_changes.stored_columns(digest("t", "rep")) if owners else []),
               *(deal_amount_units.STORED_COLUMNS if amounts else [])]
    verdict = [*(owner_changes.VERDICT_COLUMNS if owners else []), *(deal_amount_units.VERDICT_COLUMNS if amounts else []),
               *(other_ids.VERDICT_COLUMNS if closes else [])]
    conn.execute(
        f"CREATE TEMP TABLE {stage.t('cls')} AS SELECT {', '.join(f'f.{k}' for k in [*names, *kept])}, "
        f"CASE WHEN t.h IS NULL THEN 'new' WHEN t.h = f.h THEN 'unchanged' ELSE 'updated' END AS st"
        f"{''.join(', ' + c for c in verdict)} FROM (SELECT "
        f"{', '.join([keyed('f'), *kept, *f_extra, digest('f')])} AS h FROM {final} f) f "
        f"LEFT JOIN (SELECT {', '.join([keyed('t'), *t_extra, digest('t')])} AS h FROM {table} t "
        f"WHERE {same_source_sql(stage, 't')}) t ON " + " AND ".join(f"f.{k} = t.{k}" for k in names))
    if amounts and (refused := deal_amount_units.refusal(conn, stage.t("cls"), "stored_closed" if owners else None)):
        raise stage_types.RefusalError(refused)   # (inside the commit's transaction: nothing is written)
    if owners:
        owner_changes.keep_closers(conn, stage.t("cls"))
        stage.write_notes += owner_changes.notes(conn, stage.t("cls"))
    row = conn.execute(f"SELECT count(*) FILTER (WHERE st = 'new'), count(*) FILTER (WHERE st = 'updated'), "
                       f"count(*) FILTER (WHERE st = 'unchanged') FROM {stage.t('cls')}").fetchall()[0]
    return int(row[0]), int(row[1]), int(row[2])


class LoadResult(NamedTuple):
    """Rows of a load by what they did to the table."""
    new: int
    updated: int
    unchanged: int


class LoadStrategy(Protocol):
    """One way of writing a staged file's ``final`` rows into its table, inside the commit's
    transaction, logging in ``import_changes`` what :func:`~analytics.importing.history.undo_import`
    needs. Raises :class:`SourceChangedError` when the file read again is not the file checked."""

    def write(self, conn: duckdb.DuckDBPyConnection, stage: stage_types.Stage, import_id: int) -> LoadResult: ...


def _log_insert_all(conn: duckdb.DuckDBPyConnection, table: str, import_id: int) -> None:
    """Every row is new, so the rows carrying this import_id are exactly the ones it inserted: one
    'insert_all' row says so (undo deletes by import_id) instead of one row per key."""
    conn.execute("INSERT INTO import_changes VALUES (?, ?, '*', 'insert_all', NULL)", [import_id, table])


class FirstLoadInOneRead:
    """A deal file into the empty ``deals``, or an activity log without ids into the empty
    ``activities``: the read that checks the rows writes them (:mod:`analytics.importing.one_read`)."""

    def write(self, conn: duckdb.DuckDBPyConnection, stage: stage_types.Stage, import_id: int) -> LoadResult:
        table = TABLES[stage.kind][0]
        if _stored(conn, table):
            raise stage_types.PlanChanged(f"{table} were stored since the file was planned")
        _log_insert_all(conn, table, import_id)
        return LoadResult(one_read.write(conn, stage, import_id), 0, 0)


class AllNew:
    """Rows into a table that holds none yet: each is inserted, none compared."""

    def write(self, conn: duckdb.DuckDBPyConnection, stage: stage_types.Stage, import_id: int) -> LoadResult:
        table, _, cols = TABLES[stage.kind]
        _log_insert_all(conn, table, import_id)
        collist = ", ".join(cols)
        n = conn.execute(f"INSERT INTO {table} ({collist}, import_id) SELECT {collist}, ? FROM {stage.t('final')}",
                         [import_id]).fetchall()[0][0]
        if n != stage.n_final:  # final re-reads a streamed file: it must be the file that was checked
            raise _changed(stage, n)
        return LoadResult(n, 0, 0)


class Merge:
    """Rows into a table that holds some: new ones inserted, changed ones updated (their previous
    version logged), identical ones left. Keys stay unique without an index: ``final`` holds each
    key once, and a key already stored is updated, never inserted again. No try/finally drops
    ``cls``: after a failed statement the transaction accepts nothing more, and its rollback
    removes the TEMP table anyway."""

    def write(self, conn: duckdb.DuckDBPyConnection, stage: stage_types.Stage, import_id: int) -> LoadResult:
        table, keys, cols = TABLES[stage.kind]
        final, cls = stage.t("final"), stage.t("cls")
        said = len(stage.write_notes)
        counts = LoadResult(*_classify(conn, stage, final, table, keys, cols))
        # (a new id in another form, '101' for '000101', is a stored deal: the file's rows are compared again
        # with it read as the stored id; the match reads the verdicts, not the file, so a file without one costs
        # nothing more)
        if stage.kind in _ID_MATCH and counts.new and (matched := id_forms.match_id_forms(
                conn, cls, table, stage.t("id_forms"), key=_ID_MATCH[stage.kind][0], stored=keys[0])):
            del stage.write_notes[said:]   # (the first comparison's notes: the second says them again)
            conn.execute(f"DROP TABLE {cls}")
            id_forms.keyed_view(conn, final, stage.t("id_forms"), stage.t("keyed"), keys[0])
            final = stage.t("keyed")
            stage.write_notes += [id_forms.matched_note(form, m, _ID_MATCH[stage.kind][1]) for form, m in matched.items()]
            counts = LoadResult(*_classify(conn, stage, final, table, keys, cols))
        if sum(counts) != stage.n_final:
            raise _changed(stage, sum(counts))
        if stage.kind == "deals" and counts.new and _signature_kept(stage):
            # (the same deals under other ids, a file with ids over deals stored from one without: refused)
            paired = other_ids.paired(conn, cls, table)
            if other_ids.refused(paired):
                raise stage_types.RefusalError(other_ids.refusal_text(paired))
            if paired.pairs >= other_ids.NOTE_PAIRS:
                stage.write_notes.append(other_ids.note_text(paired))
        if stage.kind == "deals" and (absent := absent_deals.absent_note(conn, final, table, cls)):
            stage.write_notes.append(absent)   # (a re-export's missing deals stay counted: said)
        if stage.kind == "reps" and (absent_reps_note := absent_reps.absent_note(conn, final, table)):
            stage.write_notes.append(absent_reps_note)   # (a leaver left out of a headcount export stays: said)
        if stage.kind == "deals" and stage.unsaid and counts.updated + counts.unchanged:
            stage.write_notes += _kept_note(conn, stage, table, cls)
        if stage.kind == "activities" and counts.new and (overlap := activity_overlap.overlap_note(conn, cls, table)):
            stage.write_notes.append(overlap)   # (a second source of the same activities counts them twice: said)
        if counts.new == stage.n_final:
            conn.execute(f"DROP TABLE IF EXISTS {cls}")
            return AllNew().write(conn, stage, import_id)
        collist, kind = ", ".join(cols), stage.kind
        c_key = "c.row_key" if kind == "activities" else key_sql(kind, "c")
        picked, n_new, n_updated = _cls_key(kind, "f"), 0, 0
        # (each statement reading final re-reads a streamed file: one with nothing to write is not run)
        if counts.updated:
            conn.execute(f"INSERT INTO import_changes SELECT ?, ?, {key_sql(kind, 't')}, 'update', "
                         f"to_json(t)::VARCHAR FROM {table} t JOIN {cls} c ON {_cls_key(kind, 't')} "
                         f"WHERE c.st = 'updated' AND {same_source_sql(stage, 't')}", [import_id, table])
            updates = "".join(f"{c} = f.{c}, " for c in cols if c not in keys and c not in stage.unsaid)
            owners = kind == "deals" and "rep" not in stage.unsaid   # (a handover's closed deal keeps who closed it)
            kept_owner = "f.* REPLACE (coalesce(c.keep_rep, f.rep) AS rep)" if owners else "f.*"
            n_updated = conn.execute(
                f"UPDATE {table} t SET {updates}import_id = ? FROM (SELECT {kept_owner} FROM {final} f JOIN {cls} c "
                f"ON {picked} WHERE c.st = 'updated') f WHERE {_same_key(kind, 'f', 't')} "
                f"AND {same_source_sql(stage, 't')}", [import_id]).fetchall()[0][0]
        if counts.new:
            conn.execute(f"INSERT INTO import_changes SELECT ?, ?, {c_key}, 'insert', NULL "
                         f"FROM {cls} c WHERE st = 'new'", [import_id, table])
            n_new = conn.execute(
                f"INSERT INTO {table} ({collist}, import_id) SELECT {', '.join(f'f.{c}' for c in cols)}, "
                f"? FROM {final} f JOIN {cls} c ON {picked} WHERE c.st = 'new'", [import_id]).fetchall()[0][0]
        if (n_new, n_updated) != (counts.new, counts.updated):  # a streamed file read again must still be the same
            raise _changed(stage, n_new + n_updated + counts.unchanged)
        conn.execute(f"DROP TABLE IF EXISTS {cls}")
        conn.execute(f"DROP VIEW IF EXISTS {stage.t('keyed')}")
        conn.execute(f"DROP TABLE IF EXISTS {stage.t('id_forms')}")
        return counts


def _kept_note(conn: duckdb.DuckDBPyConnection, stage: stage_types.Stage, table: str, cls: str) -> list[str]:
    """The stored deals' values of columns the file lacks, kept (a narrower report of the same deals):
    named when the deals it matched hold some."""
    unsaid = [c for c in TABLES[stage.kind][2] if c in stage.unsaid]
    held = conn.execute(f"SELECT count(*), {', '.join(f'count(t.{c})' for c in unsaid)} FROM {table} t JOIN {cls} c "
                        f"ON {_cls_key(stage.kind, 't')} WHERE c.st <> 'new'").fetchall()[0]
    words = [c.replace("_", " ") for c, n in zip(unsaid, held[1:], strict=True) if n]
    if not words:
        return []
    return [f"the file has no {', '.join(words)} column: the {held[0]:,} deal(s) it shares with those stored keep "
            "their stored ones"]


def strategy(conn: duckdb.DuckDBPyConnection, stage: stage_types.Stage) -> LoadStrategy:
    """How ``stage`` is written: as its plan says (a first load in one read), else by whether its
    table holds rows yet."""
    if stage.reading.once:
        return FirstLoadInOneRead()
    return Merge() if _stored(conn, TABLES[stage.kind][0]) else AllNew()


def _stored(conn: duckdb.DuckDBPyConnection, table: str) -> bool:
    return conn.execute(f"SELECT count(*) FROM (SELECT 1 FROM {table} LIMIT 1)").fetchall()[0][0] > 0
