"""A first load of a deal file or of an activity log without ids, checked by the read that writes it.

A streamed deal file (:mod:`analytics.importing.scan`) is checked in one read and written in a
second; an activity log is staged whole. When the table is still empty (a first load of history:
the biggest file a manager imports) the commit instead writes the rows with the read that checks them: one
``INSERT ... SELECT`` from the CSV under the plan of the file's first rows, filtered by a
:class:`VerdictSink`. DuckDB calls the sink once per chunk of rows (about 2,048, in file order
within the chunk); it passes the rows whose checks passed and keeps what the whole-file checks
need: the date classes counted, every row's id hash (an activity's: of its rep, date and raw type),
and the few rows with evidence or a failing check, with their place in their chunk.

Then, in the same transaction:

* the kept evidence becomes the ``typed`` view the two-read path builds (one weighted row stands
  for all rows of a date class without evidence), so the whole-file profile, the notes, the
  rejects and their checks come from the same code (:func:`analytics.importing.staging.complete`); the stage
  labels and the notes about stored values are read from the written rows;
* a rejected row's record index is found from its chunk's *anchor*, the chunk's first accepted
  row: the inserted rows keep file order, so the anchor's place among them plus the rejects of the
  chunks before it give the chunk's first record. The anchor is placed by the first of the chunk's
  first accepted rows whose hash the written rows hold once, else (activities that look alike) by
  the one place where the written rows' hashes run as the chunk's accepted rows' do;
* an activity's ``key_seq`` (its place among the rows of its rep, date and raw type, in file
  order) is written as 1 and numbered over the written rows, which keep file order: the rows whose
  key hash another row shares are found in the same scan as the anchors and numbered by that hash
  in numpy, once a second hash of the same columns shows no two keys share it (:func:`_number_keys`);
* whatever the one read cannot settle raises :class:`~analytics.importing.stage_types.PlanChanged` and
  the transaction rolls back (nothing written): the whole file asks for another plan than its
  first rows, ids repeat, a chunk has no accepted row to anchor it or cannot be placed, or DuckDB refused the file
  part way. :mod:`analytics.importing.commit` then imports it the two-read way.

Called by :class:`analytics.importing.loading.FirstLoadInOneRead` inside its transaction, on a stage built with
``write_once=True``:

>>> n_new = write(conn, stage, import_id)   # doctest: +SKIP
"""

from __future__ import annotations

import collections
import threading
from dataclasses import dataclass

import duckdb
import numpy as np
import pyarrow as pa
from duckdb.func import ARROW, SPECIAL

from analytics.importing import column_profile, read_sql, reader_casts, reject_lines, staging
from analytics.importing.file_profile import FileProfile, sorted_labels
from analytics.importing.one_read_plan import _stored_label_evidence
from analytics.importing.stage_types import PlanChanged, Stage, WritePlan
from analytics.importing.tables import ROW_HASH, TABLES
from analytics.importing.verdict_sink import Evidence, VerdictSink, as_arrow


def _labels_written(conn: duckdb.DuckDBPyConnection, stage: Stage, prof: FileProfile) -> FileProfile:
    """The profile with the stage labels of the written rows (their evidence stayed out of the sink)."""
    for name in _stored_label_evidence(stage):
        c = name.removesuffix("_new")
        stored = conn.execute("SELECT list(DISTINCT stage) FILTER (WHERE stage IS NOT NULL) FROM deals "
                              "WHERE import_id = ?", [stage.import_id]).fetchall()[0][0] or []
        prof = prof.with_column(c, labels=sorted_labels([*prof.column(c).labels, *stored]))
    return prof


def write(conn: duckdb.DuckDBPyConnection, stage: Stage, import_id: int) -> int:
    """Insert ``stage``'s accepted rows into its empty table (one read of the CSV), then
    shape the stage from what the read kept; the number of rows written. Raises
    :class:`PlanChanged` (roll back, import the two-read way) or :class:`stage_types.RefusalError`."""
    plan = stage.write_plan
    assert plan is not None, "build(write_once=True) plans the write"
    table, _, cols = TABLES[stage.kind]
    collist = ", ".join(cols)
    sink, name = VerdictSink(stage.src.expected_records()), f"imp_sink_{stage.token}"
    inputs = ("BOOLEAN", plan.width, "UBIGINT", "VARCHAR")  # ok, once_cls, once_hash, once_detail
    # (the connection's own sqltype: duckdb.sqltype opens DuckDB's default in-memory database on its first
    # call, 50-200 ms of an import's fixed cost)
    conn.create_function(name, sink, [conn.sqltype(t) for t in inputs], conn.sqltype("BOOLEAN"), type=ARROW,
                         side_effects=True, null_handling=SPECIAL)
    before = reject_lines.reject_scan_max(conn)
    try:
        n = conn.execute(f"INSERT INTO {table} ({collist}, import_id) SELECT {collist}, ? FROM ({plan.sql}) "
                         f"WHERE {name}(ok, once_cls, once_hash, once_detail)", [import_id]).fetchall()[0][0]
    except (duckdb.InvalidInputException, duckdb.OutOfMemoryException) as exc:
        # (mixed line endings, a broken file: the two-read way says; the commit's memory cap was
        # too tight for this file: the two-read way is not capped)
        message = str(exc).splitlines()[0]
        raise PlanChanged(message, casts=reader_casts.MARK in message) from exc
    finally:
        try:
            conn.remove_function(name)
        except duckdb.TransactionException:  # (a failed INSERT aborted the transaction: the name stays, not the sink's memory)
            sink.release()
    sink.settle()
    if stage.on_written:
        stage.on_written()
    stage.import_id, stage.records = import_id, sink.n_rows
    refused = reject_lines.read_structural_rejects(conn, stage, before)
    repeated = np.empty(0, np.uint64)  # (activities: the key hashes rows share, sorted)
    if stage.kind == "activities":
        if refused:  # (read with no reader casts: nothing is read again)
            raise PlanChanged("records refused by a reader's cast in an activity log")
        repeated = sink.repeated_hashes()
    written = _written_rows(conn, stage.kind, import_id, np.concatenate([_anchor_hashes(sink), repeated]))
    evidence, index = sink.evidence, _record_indices(conn, stage.kind, import_id, sink, sink.evidence, written)
    if stage.kind == "activities":
        _number_keys(conn, written, repeated)
    elif refused:  # (after the anchors were found: these rows are written after the scan's)
        again, keys, n_again = _read_again(conn, stage, plan, refused, import_id)
        sink.absorb(again)
        n += n_again
        evidence, index = _joined(evidence, index, again.evidence, keys)
    repeats: list[bool] = []
    check = threading.Thread(target=lambda: repeats.append(stage.kind == "deals" and sink.ids_repeat()),
                             daemon=True)
    check.start()  # (numpy's sort lets go of the GIL: it runs beside the queries below)
    if sink.anchors or stage.left_out:  # rejects: their lines are counted beside the work below
        reject_lines.start(conn, stage, last=sink.n_rows - 1 if sink.anchors else -1)
    _lay_out(conn, stage, plan, sink, evidence, index)
    prof = column_profile.full_profile(conn, stage.t("typed"), stage.by_field, stage.kind, stage.sample,
                                       weight="w", repeats=False)
    prof = _labels_written(conn, stage, prof)
    staging.complete(conn, stage, prof)
    check.join()
    if repeats[0]:
        raise PlanChanged("deal ids repeat beyond the first rows")
    if stage.n_final != n:
        raise PlanChanged(f"{n} rows written, {stage.n_final} counted")
    return n


def _number_keys(conn: duckdb.DuckDBPyConnection, written: WrittenRows, repeated: np.ndarray) -> None:
    """Each written activity's ``key_seq``: its place among the rows with its date, rep and raw type
    in file order, which the places of a first load's written rows keep. Written as 1, it changes
    only for rows whose key hash (``tables.ROW_HASH``) another row shares: numbered here by that hash
    (:func:`_written_rows` has checked that a second hash of the same columns agrees within each)."""
    if not len(repeated):
        return
    slot = np.minimum(np.searchsorted(repeated, written.h), len(repeated) - 1)
    ours = repeated[slot] == written.h  # (both sorted; np.isin would load numpy.ma, as np.unique does)
    h, at = written.h[ours], written.at[ours]
    first = np.ones(len(h), bool)
    first[1:] = h[1:] != h[:-1]
    place = np.arange(len(h))
    k = place - np.maximum.accumulate(np.where(first, place, 0)) + 1  # (rows sorted by hash, then file order)
    later = k > 1
    # Written back in rowid order: the UPDATE then meets each row group once (by hash, it took
    # 2.5 times as long at 5M rows; the sort of the packed pairs costs a fifth of the saving).
    pairs = (at[later].astype(np.uint64) << np.uint64(PLACE_BITS)) | k[later].astype(np.uint64)
    pairs.sort()
    view = f"imp_keys_{written.token}"
    conn.register(view, pa.table({"r": as_arrow((pairs >> np.uint64(PLACE_BITS)).astype(np.int64) + written.base),
                                  "k": as_arrow((pairs & np.uint64((1 << PLACE_BITS) - 1)).astype(np.int32))}))
    try:
        conn.execute(f"UPDATE activities SET key_seq = u.k FROM {view} u WHERE activities.rowid = u.r")
    finally:
        conn.unregister(view)


# A second hash of an activity's key columns in another order: rows numbered together by their
# ROW_HASH must agree on it too, or the one read gives way to the two-read import (which numbers
# by the columns themselves).
CHECK_HASH = "hash(raw_type, activity_date, rep)"


@dataclass(frozen=True)
class WrittenRows:
    """The written rows whose hash is among those asked for, sorted by hash and then by place:
    ``at`` a row's place among the import's written rows (file order), ``h`` its ``ROW_HASH``;
    ``base`` the rowid of place 0."""
    at: np.ndarray
    h: np.ndarray
    base: int
    token: str

    def held_once(self, hashes: list[int]) -> dict[int, int]:
        """The place of each of ``hashes`` that one written row holds (others left out)."""
        wanted = np.asarray(hashes, np.uint64)
        lo, hi = np.searchsorted(self.h, wanted, "left"), np.searchsorted(self.h, wanted, "right")
        once = hi - lo == 1
        return dict(zip(wanted[once].tolist(), self.at[lo[once]].tolist(), strict=True))


def _anchor_hashes(sink: VerdictSink) -> np.ndarray:
    """The hashes that may place the chunks with a reject (none when no row was rejected)."""
    firsts = [hashes[:ANCHOR_CANDIDATES] for hashes in sink.anchors.values() if hashes is not None]
    if bool(sink.evidence.passed.all()) or not firsts:
        return np.empty(0, np.uint64)
    return np.concatenate(firsts).astype(np.uint64)


def _written_rows(conn: duckdb.DuckDBPyConnection, kind: str, import_id: int, hashes: np.ndarray) -> WrittenRows:
    """:class:`WrittenRows` for ``hashes``: one scan of the written rows for the anchors and the
    activities' repeated keys alike. Both read a row's place as its place in the file: refused
    (:class:`PlanChanged`) when DuckDB need not keep the rows' order, or when rows sharing a hash
    disagree on ``CHECK_HASH`` (two activities' keys with one hash)."""
    if not len(hashes):
        return WrittenRows(np.empty(0, np.int64), np.empty(0, np.uint64), 0, "")
    if not conn.execute("SELECT current_setting('preserve_insertion_order')::BOOLEAN").fetchall()[0][0]:
        raise PlanChanged("the written rows need not keep file order (preserve_insertion_order is off)")
    table, token = TABLES[kind][0], str(import_id)
    wanted = np.sort(hashes)
    wanted = wanted[np.append(True, wanted[1:] != wanted[:-1])]
    view = f"imp_wanted_{token}"
    # Each row comes back with its hash's index among the wanted (sorted) hashes: index and place
    # pack into one integer whose plain sort orders the rows by hash, then by place (an argsort of
    # the hashes, stable for the places, took 3 times as long: 0.1 s at 1M rows).
    conn.register(view, pa.table({"h": as_arrow(wanted), "i": as_arrow(np.arange(len(wanted), dtype=np.int64))}))
    check = CHECK_HASH if kind == "activities" else "0::UBIGINT"
    try:
        base = conn.execute(f"SELECT min(rowid) FROM {table} WHERE import_id = ?", [import_id]).fetchall()[0][0] or 0
        rows = conn.sql(
            f"SELECT w.i, t.r - $2 AS at, t.c FROM (SELECT rowid AS r, {ROW_HASH[kind]} AS h, {check} AS c "
            f"FROM {table} WHERE import_id = $1) t JOIN {view} w ON t.h = w.h",
            params=[import_id, base]).to_arrow_table()
    finally:
        conn.unregister(view)
    i, at, c = (_numbers(rows.column(n), t) for n, t in (("i", np.int64), ("at", np.int64), ("c", np.uint64)))
    if kind == "activities" and not _hash_groups_agree(i, c, len(wanted)):
        raise PlanChanged("two activities' keys share a hash")
    if len(at) and int(at.max()) >> PLACE_BITS:
        raise PlanChanged("too many rows to number in one read")
    packed = (i.astype(np.uint64) << np.uint64(PLACE_BITS)) | at.astype(np.uint64)
    packed.sort()
    return WrittenRows((packed & np.uint64((1 << PLACE_BITS) - 1)).astype(np.int64),
                       wanted[packed >> np.uint64(PLACE_BITS)], base, token)


PLACE_BITS = 32  # (a row's place in the packed sort key; the hash's index takes the bits above)


def _hash_groups_agree(group: np.ndarray, check: np.ndarray, n_groups: int) -> bool:
    """Whether the rows of each group (their hash's index) share one ``check`` value."""
    first = np.zeros(n_groups, np.uint64)
    first[group] = check  # (any row's value stands for its group: all must equal it)
    return bool((first[group] == check).all())


def _read_again(conn: duckdb.DuckDBPyConnection, stage: Stage, plan: WritePlan,
                refused: list[tuple[int, str, int | None]],
                import_id: int) -> tuple[VerdictSink, list[int], int]:
    """The records the reader's casts refused (byte offset, text, DuckDB's line), parsed by the text plan from a
    small CSV of their own and written where they pass: their verdicts (one chunk, in their
    order), their ``row_idx`` keys (they join ``stage.left_out``: numbering skips them),
    and the rows written."""
    table, _, cols = TABLES["deals"]
    collist, again = ", ".join(cols), stage.t("again")
    keys = [-(len(stage.left_out) + 1 + j) for j in range(len(refused))]
    stage.left_out.update(zip(keys, ((r[0], r[2]) for r in refused), strict=True))
    before = reject_lines.reject_scan_max(conn)
    src = stage.src
    assert plan.text is not None, "records the reader's casts refused: the plan has casts, so one over text"
    with reader_casts.records_file(src.headers, src.delimiter, [r[1] for r in refused]) as path:
        l0 = read_sql.read_csv_sql(src, stage.sources, path, skip=0)
        conn.execute(f"CREATE TEMP TABLE {again} AS {plan.text.over(l0)}")
    try:
        unread = reject_lines.reject_scan_max(conn) > before and conn.execute(
            "SELECT count(*) FROM reject_errors WHERE scan_id > ?", [before]).fetchall()[0][0]
        verdicts = conn.sql(f"SELECT ok, once_cls, once_hash, once_detail FROM {again} ORDER BY rowid").to_arrow_table()
        if unread or verdicts.num_rows != len(refused):
            raise PlanChanged("the records the reader's casts refused could not be read again one by one")
        sink = VerdictSink(len(refused))
        sink(*verdicts.columns)
        sink.settle()
        n = conn.execute(f"INSERT INTO {table} ({collist}, import_id) SELECT {collist}, ? FROM {again} "
                         "WHERE ok ORDER BY rowid", [import_id]).fetchall()[0][0]
    finally:
        conn.execute(f"DROP TABLE IF EXISTS {again}")
    return sink, keys, n


def _joined(evidence: Evidence, index: np.ndarray, more: Evidence,
            keys: list[int]) -> tuple[Evidence, np.ndarray]:
    """The scan's evidence and record indices with those of the records read again (one chunk:
    a row's position is its place among them, its key its ``row_idx``)."""
    more_index = np.where(more.passed, NO_RECORD, np.asarray(keys, np.int64)[more.position])
    joined = Evidence(np.concatenate([evidence.chunk, more.chunk - 1]),
                      np.concatenate([evidence.position, more.position]),
                      np.concatenate([evidence.passed, more.passed]),
                      np.concatenate([evidence.packed, more.packed]),
                      # (both large strings: no cast, which loads pyarrow.compute)
                      pa.concat_arrays([evidence.detail, more.detail]))
    return joined, np.concatenate([index, more_index])


NO_RECORD = np.iinfo(np.int64).min  # (a row of evidence that passed: no reject, no record index)


def _record_indices(conn: duckdb.DuckDBPyConnection, kind: str, import_id: int, sink: VerdictSink,
                    evidence: Evidence, written: WrittenRows) -> np.ndarray:
    """The record index of each row of ``evidence`` that failed a check (NO_RECORD for the others),
    from the anchors of their chunks (``written`` holds the rows of their first accepted rows' hashes)."""
    index = np.full(len(evidence.passed), NO_RECORD, np.int64)
    rejected = ~evidence.passed
    if not rejected.any():
        return index
    accepted = {chunk: a for chunk, a in sink.anchors.items() if a is not None}
    if len(accepted) != len(sink.anchors):
        raise PlanChanged("a chunk of the file has no accepted row")
    once = written.held_once(sorted({h for hashes in accepted.values() for h in hashes[:ANCHOR_CANDIDATES].tolist()}))
    # A chunk's accepted rows before it: its first accepted row's place among the written rows,
    # from the first of its first accepted rows whose hash they hold once (a deal: the first) ...
    anchors: dict[int, int] = {}
    for chunk, hashes in accepted.items():
        at = next((once[h] - p for p, h in enumerate(hashes[:ANCHOR_CANDIDATES].tolist()) if h in once), None)
        if at is not None:
            anchors[chunk] = at
    if len(anchors) < len(accepted):  # ... else from where the written rows hold its accepted rows in a row
        anchors |= _placed_in_sequence(conn, kind, import_id, {c: h for c, h in accepted.items() if c not in anchors})
    chunk, position = evidence.chunk[rejected], evidence.position[rejected]
    # A chunk's first record = the accepted rows before its anchor (the anchor's place among the
    # written rows, which keep file order) + the rejects of the chunks before it in the file.
    chunks = np.array(sorted(anchors), np.int64)                # (chunks with a reject, by number)
    anchor_at = np.array([anchors[k] for k in chunks], np.int64)
    slot = np.searchsorted(chunks, chunk)
    in_file_order = np.argsort(anchor_at)
    rejects = np.bincount(slot, minlength=len(chunks))[in_file_order]
    before = np.empty(len(chunks), np.int64)
    before[in_file_order] = np.cumsum(rejects) - rejects
    index[rejected] = anchor_at[slot] + before[slot] + position
    placed = index[rejected]
    if len(set(placed.tolist())) != len(placed) or placed.max() >= sink.n_rows:  # (np.unique loads numpy.ma)
        raise PlanChanged("the rejects' records could not be placed")
    return index


# A chunk with a reject is placed by the first of its first accepted rows (this many) whose hash the
# written rows hold once: a deal's id, the first; activities may share their values, and when none is
# held once the chunk is placed by the sequence of its accepted rows' hashes.
ANCHOR_CANDIDATES = 32

# The most places a chunk's sequence is tried at (a file of rows that all look alike is read twice).
MAX_SEQUENCE_TRIES = 10_000


def _placed_in_sequence(conn: duckdb.DuckDBPyConnection, kind: str, import_id: int,
                        chunks: dict[int, np.ndarray]) -> dict[int, int]:
    """Each chunk's first accepted row's place among the written rows: the one place where the
    written rows' hashes (``tables.ROW_HASH``, in rowid order) run as its accepted rows' do."""
    table = TABLES[kind][0]
    rows = conn.sql(f"SELECT rowid - (SELECT min(rowid) FROM {table} WHERE import_id = $1) AS at, "
                    f"{ROW_HASH[kind]} AS h FROM {table} WHERE import_id = $1", params=[import_id]).to_arrow_table()
    written = np.empty(rows.num_rows, np.uint64)
    if rows.num_rows:
        written[_numbers(rows.column("at"), np.int64)] = _numbers(rows.column("h"), np.uint64)
    firsts = np.array([h[0] for h in chunks.values()], np.uint64)
    starts = np.flatnonzero(np.isin(written, firsts))
    by_first: dict[int, list[int]] = {}
    for at, h in zip(starts.tolist(), written[starts].tolist(), strict=True):
        by_first.setdefault(h, []).append(at)
    placed = {}
    for chunk, hashes in chunks.items():
        tries = by_first.get(int(hashes[0]), [])
        if len(tries) > MAX_SEQUENCE_TRIES:
            raise PlanChanged("a chunk's accepted rows look like too many others to be placed")
        fits = [at for at in tries if np.array_equal(written[at:at + len(hashes)], hashes)]
        if len(fits) != 1:
            raise PlanChanged("a chunk's accepted rows are not found once in a row among the written rows")
        placed[chunk] = fits[0]
    return placed


def _numbers(column: pa.ChunkedArray, dtype: type) -> np.ndarray:
    """An integer Arrow column without nulls as numpy (pyarrow's own conversion loads pandas)."""
    parts: list[np.ndarray] = [np.frombuffer(c.buffers()[1], dtype)[c.offset:c.offset + len(c)] for c in column.chunks]
    return np.concatenate(parts) if parts else np.empty(0, dtype)


def _lay_out(conn: duckdb.DuckDBPyConnection, stage: Stage, plan: WritePlan, sink: VerdictSink,
             evidence: Evidence, index: np.ndarray) -> None:
    """``typedt`` and the ``typed`` view as the two-read scan leaves them, weighted: one row per
    rejected row (with its record index), one per distinct piece of other evidence and date
    classes, and one per date class for the rows without evidence."""
    rest = collections.Counter(sink.classes)
    values, counts = np.unique(evidence.packed, return_counts=True)
    rest.subtract(dict(zip(values.tolist(), counts.tolist(), strict=True)))
    plain = [(k, n) for k, n in rest.items() if n]
    laid = pa.concat_tables([
        pa.table({"w": as_arrow(np.ones(len(index), np.int64)), "packed": as_arrow(evidence.packed),
                  "detail": evidence.detail, "row_idx": as_arrow(index, valid=index != NO_RECORD)}),
        pa.table({"w": as_arrow(np.array([n for _, n in plain], np.int64)),
                  "packed": as_arrow(np.array([k for k, _ in plain], np.uint32)),
                  "detail": pa.nulls(len(plain), pa.large_string()), "row_idx": pa.nulls(len(plain), pa.int64())}),
    ])
    typedt, view = stage.t("typedt"), f"imp_laid_{stage.token}"
    unpacked = "".join(f"((packed >> {4 * i}) & 15)::UTINYINT AS {n}, " for i, n in enumerate(plan.classes))
    conn.register(view, laid)
    try:  # (rows without a record index and with the same evidence are one row, weighted)
        conn.execute(f"CREATE TEMP TABLE {typedt} AS SELECT row_idx, sum(w) AS w, {unpacked}detail FROM {view} "
                     f"GROUP BY row_idx, packed, detail")
    finally:
        conn.unregister(view)
    conn.execute(f"CREATE TEMP VIEW {stage.t('typed')} AS "
                 f"{read_sql.detail_view(typedt, plan.packed, numbered=True)}")
