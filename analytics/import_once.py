"""A first load of a deal file, checked by the read that writes it.

A streamed deal file (:mod:`analytics.import_stage`) is checked in one read and written in a
second. When ``deals`` is still empty (a first load of history: the biggest file a manager
imports) the commit instead writes the rows with the read that checks them: one
``INSERT ... SELECT`` from the CSV under the plan of the file's first rows, filtered by a
:class:`VerdictSink`. DuckDB calls the sink once per chunk of rows (about 2,048, in file order
within the chunk); it passes the rows whose checks passed and keeps what the whole-file checks
need: the date classes counted, every row's id hash, and the few rows with evidence or a failing
check, with their place in their chunk.

Then, in the same transaction:

* the kept evidence becomes the ``typed`` view the two-read path builds (one weighted row stands
  for all rows of a date class without evidence), so the whole-file profile, the notes, the
  rejects and their checks come from the same code (:func:`import_stage.complete`);
* a rejected row's record index is found from its chunk's *anchor*, the chunk's first accepted
  row: the inserted rows keep file order, so the anchor's place among them plus the rejects of the
  chunks before it give the chunk's first record;
* whatever the one read cannot settle raises :class:`~analytics.import_stage.PlanChanged` and
  the transaction rolls back (nothing written): the whole file asks for another plan than its
  first rows, ids repeat, a chunk has no accepted row to anchor it, or DuckDB refused the file
  part way. :mod:`analytics.importer` then imports it the two-read way.

>>> n_new = write(conn, stage, import_id)   # inside the commit's transaction
"""

from __future__ import annotations

import collections
import threading

import duckdb
import numpy as np

from analytics import import_lines, import_profile, import_stage
from analytics.import_kinds import TABLES
from analytics.import_stage import PlanChanged, Stage


class VerdictSink:
    """The INSERT's filter: ``sink(ok, classes, id_hash, detail) -> ok``, called per chunk with
    Arrow arrays; keeps the whole file's evidence (see the module docstring) as arrays, never as
    Python objects per row."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.n_rows = 0
        self.n_chunks = 0
        self.classes: collections.Counter = collections.Counter()  # packed date classes -> rows
        self.hashes: list[np.ndarray] = []
        self.evidence: list[tuple] = []  # per chunk with evidence: (chunk, positions, passed, classes, details)
        self.anchors: dict[int, tuple[int, int] | None] = {}  # chunk with a reject -> (id hash, position)

    def __call__(self, ok, classes, id_hash, detail):
        passed = ok.to_numpy(zero_copy_only=False)
        packed = classes.to_numpy(zero_copy_only=False)
        values, counts = np.unique(packed, return_counts=True)
        hashes = id_hash.drop_null().to_numpy(zero_copy_only=False)
        kept = None
        if detail.null_count < len(detail):
            present = detail.is_valid()
            at = np.flatnonzero(present.to_numpy(zero_copy_only=False))
            kept = (at, passed[at], packed[at], detail.filter(present))
        with self._lock:
            chunk = self.n_chunks
            self.n_chunks += 1
            self.n_rows += len(passed)
            self.classes.update(dict(zip(values.tolist(), counts.tolist(), strict=True)))
            self.hashes.append(hashes)
            if kept is not None:
                self.evidence.append((chunk, *kept))
            if not passed.all():
                first = int(np.argmax(passed)) if passed.any() else None
                self.anchors[chunk] = None if first is None else (id_hash[first].as_py(), first)
        return ok

    def ids_repeat(self) -> bool:
        hashes = np.sort(np.concatenate(self.hashes)) if self.hashes else np.empty(0, np.uint64)
        return bool(len(hashes) > 1 and (hashes[1:] == hashes[:-1]).any())

    def evidence_table(self):
        """(chunk, position, passed, packed, detail) of every row with evidence, one Arrow table."""
        import pyarrow as pa

        chunks = [np.full(len(e[1]), e[0], np.int64) for e in self.evidence]
        return pa.table({
            "chunk": np.concatenate(chunks) if chunks else np.empty(0, np.int64),
            "position": np.concatenate([e[1] for e in self.evidence]).astype(np.int64) if chunks else np.empty(0, np.int64),
            "passed": np.concatenate([e[2] for e in self.evidence]) if chunks else np.empty(0, bool),
            "packed": np.concatenate([e[3] for e in self.evidence]) if chunks else np.empty(0, np.uint32),
            "detail": pa.chunked_array([c for e in self.evidence for c in getattr(e[4], "chunks", [e[4]])], pa.string()),
        })


def plan(stage: Stage, plan: str, evidence: list, verdicts: dict, prev: str) -> None:
    """A stage written once (:mod:`analytics.import_once`) is planned, not scanned: ``once_sql`` is
    what its INSERT reads, the stored columns with the sink's inputs (whether the row passed, its
    date classes packed 4 bits each, its id hash and its evidence JSON). Shaping it again after the
    write with another plan than the one it was written with raises :class:`PlanChanged`."""
    if not stage.planning:
        raise PlanChanged("the whole file asks for another plan than its first rows")
    kept = [n for n, _ in evidence if n.endswith("_cls")]
    if len(kept) <= 8:  # (a UINTEGER holds 8 date classes; more date columns are read twice)
        packed = ["rej", *(n for n, _ in evidence if n not in kept)]
        body = f"{plan}, {', '.join(f'{e} AS {n}' for n, e in evidence)} FROM {prev}" if evidence \
            else f"{plan} FROM {prev}"
        rows = f"WITH l0 AS ({import_stage._read_csv(stage.src, stage.sources, stage.src.read_path)}), {body}"
        classes = " | ".join(f"({n}::UINTEGER << {4 * i})" for i, n in enumerate(kept)) or "0::UINTEGER"
        stage.once_sql = (f"SELECT {stage.write_select}, rej IS NULL AS ok, {classes} AS once_cls, "
                          f"{verdicts['id_hash']} AS once_hash, {import_stage.detail_sql(packed)} AS once_detail FROM ({rows})")
        stage.once_cls, stage.once_packed, stage.typed_plan = kept, packed, plan
    raise import_stage._Scanned


def write(conn, stage: Stage, import_id: int) -> int:
    """Insert ``stage``'s accepted rows into the empty ``deals`` (one read of the CSV), then
    shape the stage from what the read kept; the number of rows written. Raises
    :class:`PlanChanged` (roll back, import the two-read way) or :class:`import_stage.RefusalError`."""
    table, _, cols = TABLES["deals"]
    collist = ", ".join(cols)
    sink, name = VerdictSink(), f"imp_sink_{stage.token}"
    conn.create_function(name, sink, [duckdb.sqltype(t) for t in ("BOOLEAN", "UINTEGER", "UBIGINT", "VARCHAR")],
                         duckdb.sqltype("BOOLEAN"), type="arrow", side_effects=True, null_handling="special")
    before = import_lines.reject_scan_max(conn)
    try:
        n = conn.execute(f"INSERT INTO {table} ({collist}, import_id) SELECT {collist}, ? FROM ({stage.once_sql}) "
                         f"WHERE {name}(ok, once_cls, once_hash, once_detail)", [import_id]).fetchall()[0][0]
    except duckdb.InvalidInputException as exc:  # (mixed line endings, a broken file: the two-read way says)
        raise PlanChanged(str(exc).splitlines()[0]) from exc
    finally:
        conn.remove_function(name)
    stage.import_id, stage.records = import_id, sink.n_rows
    repeats: list[bool] = []
    check = threading.Thread(target=lambda: repeats.append(sink.ids_repeat()), daemon=True)
    check.start()  # (numpy's sort lets go of the GIL: it runs beside the queries below)
    import_lines.read_structural_rejects(conn, stage, before)
    evidence = sink.evidence_table()
    _lay_out(conn, stage, sink, evidence, _record_indices(conn, table, import_id, sink, evidence))
    check.join()
    if repeats[0]:
        raise PlanChanged("deal ids repeat beyond the first rows")
    prof = import_profile.full_profile(conn, stage.t("typed"), stage.by_field, stage.kind, stage.sample,
                                       weight="w", repeats=False)
    import_stage.complete(conn, stage, prof)
    if stage.n_final != n:
        raise PlanChanged(f"{n} rows written, {stage.n_final} counted")
    return n


def _record_indices(conn, table: str, import_id: int, sink: VerdictSink, evidence) -> np.ndarray:
    """The record index of each row of ``evidence`` that failed a check (-1 for the others),
    from the anchors of their chunks."""
    index = np.full(evidence.num_rows, -1, np.int64)
    rejected = ~evidence["passed"].to_numpy(zero_copy_only=False)
    if not rejected.any():
        return index
    if any(a is None for a in sink.anchors.values()):
        raise PlanChanged("a chunk of the file has no accepted row")
    wanted = sorted({h for h, _ in sink.anchors.values()})
    found = conn.execute(
        f"SELECT h, list(rowid), (SELECT min(rowid) FROM {table} WHERE import_id = $2) FROM (SELECT hash(deal_id) AS h, "
        f"rowid FROM {table} WHERE import_id = $2) WHERE h IN (SELECT unnest($1::UBIGINT[])) GROUP BY h",
        [wanted, import_id]).fetchall()
    if len(found) != len(wanted) or any(len(r[1]) != 1 for r in found):
        raise PlanChanged("a chunk's first accepted row is not found once among the written rows")
    base = found[0][2]
    stored = {h: rowids[0] - base for h, rowids, _ in found}
    chunk = evidence["chunk"].to_numpy()[rejected]
    position = evidence["position"].to_numpy()[rejected]
    # A chunk's first record = the accepted rows before its anchor (the anchor's place among the
    # written rows, which keep file order) + the rejects of the chunks before it.
    chunks = np.array(sorted(sink.anchors), np.int64)
    anchor_at = np.array([stored[sink.anchors[k][0]] for k in chunks], np.int64)
    order = np.argsort(anchor_at)
    chunks, anchor_at = chunks[order], anchor_at[order]
    per_chunk = np.array([(chunk == k).sum() for k in chunks], np.int64)
    before = np.concatenate([[0], np.cumsum(per_chunk)[:-1]])
    at = np.searchsorted(chunks, chunk, sorter=np.argsort(chunks))
    slot = np.argsort(chunks)[at]
    index[rejected] = anchor_at[slot] + before[slot] + position
    placed = index[rejected]
    if len(np.unique(placed)) != len(placed) or placed.max() >= sink.n_rows:
        raise PlanChanged("the rejects' records could not be placed")
    return index


def _lay_out(conn, stage: Stage, sink: VerdictSink, evidence, index: np.ndarray) -> None:
    """``typedt`` and the ``typed`` view as the two-read scan leaves them, weighted: one row per
    rejected row (with its record index), one per distinct piece of other evidence and date
    classes, and one per date class for the rows without evidence."""
    import pyarrow as pa

    rest = collections.Counter(sink.classes)
    values, counts = np.unique(evidence["packed"].to_numpy(), return_counts=True)
    rest.subtract(dict(zip(values.tolist(), counts.tolist(), strict=True)))
    plain = [(k, n) for k, n in rest.items() if n]
    laid = pa.concat_tables([
        pa.table({"w": np.ones(evidence.num_rows, np.int64), "packed": evidence["packed"],
                  "detail": evidence["detail"], "row_idx": pa.array(index, mask=index < 0)}),
        pa.table({"w": pa.array([n for _, n in plain], pa.int64()), "packed": pa.array([k for k, _ in plain], pa.uint32()),
                  "detail": pa.nulls(len(plain), pa.string()), "row_idx": pa.nulls(len(plain), pa.int64())}),
    ])
    typedt, view = stage.t("typedt"), f"imp_laid_{stage.token}"
    unpacked = "".join(f"((packed >> {4 * i}) & 15)::UTINYINT AS {n}, " for i, n in enumerate(stage.once_cls))
    conn.register(view, laid)
    try:  # (rows without a record index and with the same evidence are one row, weighted)
        conn.execute(f"CREATE TEMP TABLE {typedt} AS SELECT row_idx, sum(w) AS w, {unpacked}detail FROM {view} "
                     f"GROUP BY row_idx, packed, detail")
    finally:
        conn.unregister(view)
    conn.execute(f"CREATE TEMP VIEW {stage.t('typed')} AS "
                 f"{import_stage.detail_view(typedt, stage.once_packed, numbered=True)}")
