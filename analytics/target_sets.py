"""Saved target sets: versions, drafts and finals, per-edit saves, audit log, optimistic locking.

A set is one (name, version): a header in ``target_sets``, rows per rep and tier in
``target_set_rows`` and an activity plan in ``target_set_activity_rows``. Every save bumps
``target_sets.revision``; a save that names a stale ``expected_revision`` raises
:class:`TargetSetConflict` (who changed it and when), so two browser sessions editing the
same draft cannot silently overwrite each other. A ``final`` set is read-only: start the next
version with :func:`new_version`. Every change is appended to ``audit_log``.

On a scoped connection (:func:`analytics.scope.scoped`: a manager's or a viewer's) a set shows only the
scope's reps: their rows, their activity plans and their audit entries; a set with rows but none in the
scope is not found. A save or edit writes only the scope's rows (another team's rows of the same set
stay as they were) and refuses a row of a rep outside it.

This module stores sets (saves, per-edit saves, finals, new versions: every write checks the revision) and
compares them. The values are in :mod:`analytics.target_set_values`, reading and listing in
:mod:`analytics.target_set_reads`; both are re-exported here: the target-set API.

Example
-------
>>> from analytics import store
>>> import pandas as pd
>>> conn = store.connect(":memory:")
>>> rows = pd.DataFrame({"rep": ["a"], "tier": ["base"], "target": [100.0]})
>>> s = save_target_set(conn, TargetSetDraft("Q4", "2026-Q4", "quarter", "revenue", {"base": 35}, rows=rows))
>>> s.version, s.revision, s.status
(1, 1, 'draft')
"""

from __future__ import annotations

import json
from collections.abc import Sequence

import duckdb
import pandas as pd

from analytics import scope as scopes
from analytics.audit_words import (
    amount_style,
    created_text,
    header_words,
    rest_words,
    row_changes,
    team_number_words,
    tier_words,
)
from analytics.periods import GRAINS
from analytics.store import transaction
from analytics.target_set_reads import (  # noqa: F401  (re-exported: the target-set API)
    _existing_header,  # (the writes' guard reads the header as stored)
    audit_trail,
    list_target_sets,
    load_target_set,
    resolve_set_id,
    sets_version,
)
from analytics.target_set_values import (
    ACTIVITY_COLUMNS,
    ROW_COLUMNS,
    STATUSES,
    TEAM_REST,
    SavedTargetSet,
    TargetSetConflict,
    TargetSetDraft,
    TargetSetError,
    TargetSetFinalError,
    clean_text,
)
from analytics.targets import METHODS, SOURCES, TIER_ORDER, validate_target_entry


# ---------------------------------------------------------------- validation
def _normalise_rows(rows: pd.DataFrame, tiers: dict) -> pd.DataFrame:
    missing = {"rep", "tier", "target"} - set(rows.columns)
    if missing:
        raise TargetSetError(f"target rows lack column(s) {sorted(missing)}")
    out = rows.copy()
    for col in ROW_COLUMNS:
        if col not in out:
            out[col] = "model" if col == "source" else None
    out = out[ROW_COLUMNS].astype({"rep": object, "tier": object, "source": object, "reason": object})
    out["source"] = out["source"].fillna("model")
    out["reason"] = pd.Series([clean_text(r) for r in out["reason"]], index=out.index, dtype=object)
    for col in ("target", "model_value", "p_attain", "rep_proposal"):
        out[col] = pd.to_numeric(out[col], errors="coerce").astype(float)
    problems = []
    if out.duplicated(["rep", "tier"]).any():
        problems.append("a rep has the same tier twice")
    if bad := sorted(set(out["tier"]) - set(tiers)):
        problems.append(f"tier(s) {bad} are not in the set's tiers {list(tiers)}")
    if bad := sorted(set(out["source"]) - set(SOURCES)):
        problems.append(f"source(s) {bad} are not among {SOURCES}")
    for r in out.itertuples():
        ok, _, why = validate_target_entry(r.target)
        if not ok:
            problems.append(f"{r.rep} {r.tier}: {why}")
        if r.source == "override" and not r.reason:
            problems.append(f"{r.rep} {r.tier}: an override needs a reason")
    if problems:
        raise TargetSetError("target set refused: " + "; ".join(problems[:5]))
    return out.reset_index(drop=True)


def _check_header(draft: TargetSetDraft) -> None:
    if not draft.name or not str(draft.name).strip():
        raise TargetSetError("a target set needs a name")
    if draft.grain not in GRAINS:
        raise TargetSetError(f"grain must be one of {GRAINS}")
    if draft.method not in METHODS:
        raise TargetSetError(f"method must be one of {METHODS}")
    if draft.status not in STATUSES:
        raise TargetSetError(f"status must be one of {STATUSES}")
    if not draft.tiers or set(draft.tiers) - set(TIER_ORDER):
        raise TargetSetError(f"tiers must be among {TIER_ORDER}")
    if draft.team_rest is not None and draft.team_rest not in TEAM_REST:
        raise TargetSetError(f"team_rest must be one of {TEAM_REST}")


# ---------------------------------------------------------------- writing
def _guard(conn: duckdb.DuckDBPyConnection, set_id: int, expected_revision: int | None, action: str) -> tuple:
    h = _existing_header(conn, set_id)
    if h[3] == "final":
        raise TargetSetFinalError(f"target set {h[1]!r} v{h[2]} is final and read-only; "
                             f"start version {h[2] + 1} with new_version() to {action}")
    if expected_revision is not None and expected_revision != h[10]:
        raise _conflict(h, expected_revision)
    return h


def _conflict(h: tuple, expected: int | None) -> TargetSetConflict:
    who = h[13] or "someone"
    return TargetSetConflict(
        f"target set {h[1]!r} v{h[2]} was changed by {who} at {h[12]:%Y-%m-%d %H:%M:%S} "
        f"(revision {h[10]}, you had revision {expected}); reload it and apply your change again",
        set_id=h[0], expected=expected, actual=h[10], changed_by=h[13], changed_at=h[12])


def _bump(conn: duckdb.DuckDBPyConnection, set_id: int, revision: int, author: str | None,
          extra_sql: str = "", params: Sequence[object] = ()) -> int:
    done = conn.execute(f"UPDATE target_sets SET revision = revision + 1, updated_at = current_timestamp, "
                        f"updated_by = ?{extra_sql} WHERE set_id = ? AND revision = ?",
                        [author, *params, set_id, revision]).fetchall()[0][0]
    if done != 1:
        raise _conflict(_existing_header(conn, set_id), revision)
    return revision + 1


def _audit(conn: duckdb.DuckDBPyConnection, set_id: int, revision: int, author: str | None,
           entries: list[tuple]) -> None:
    if entries:
        conn.executemany("INSERT INTO audit_log (set_id, what, old_value, new_value, note, changed_by, revision) "
                         "VALUES (?, ?, ?, ?, ?, ?, ?)",
                         [[set_id, w, o, n, note, author, revision] for w, o, n, note in entries])


def _team_rest(draft: TargetSetDraft) -> str | None:
    """What a save records of the team number's rest: nothing without a team number, else the choice
    (a split saved before the choice existed kept any difference, so the default is ``shortfall``)."""
    if draft.team_target is None:
        return None
    return draft.team_rest or "shortfall"


def _check_scope(conn: duckdb.DuckDBPyConnection, reps: Sequence[str]) -> None:
    """Refuse rows of reps outside the connection's scope (a manager saves their teams' reps only)."""
    scope = scopes.connection_scope(conn)
    outside = sorted({str(r) for r in reps} - set(scope.only(str(r) for r in reps)))
    if outside:
        raise TargetSetError(f"{', '.join(outside[:5])}{' …' if len(outside) > 5 else ''}: not in your teams; "
                             "a set's rows outside them are not yours to change")


def _write_rows(conn: duckdb.DuckDBPyConnection, set_id: int, rows: pd.DataFrame,
                activity_rows: pd.DataFrame | None) -> None:
    # Scoped: only the scope's rows are replaced; another team's rows of the same set stay.
    _check_scope(conn, rows["rep"].tolist())
    mine, params = scopes.connection_scope(conn).sql()
    conn.execute(f"DELETE FROM target_set_rows WHERE set_id = ? AND {mine}", [set_id, *params])
    conn.execute(f"DELETE FROM target_set_activity_rows WHERE set_id = ? AND {mine}", [set_id, *params])
    conn.register("_ts_rows", rows.assign(set_id=set_id))
    conn.execute(f"INSERT INTO target_set_rows (set_id, {', '.join(ROW_COLUMNS)}) "
                 f"SELECT set_id, {', '.join(ROW_COLUMNS)} FROM _ts_rows")
    conn.unregister("_ts_rows")
    if activity_rows is not None and len(activity_rows):
        acts = activity_rows[ACTIVITY_COLUMNS].astype({"rep": object, "activity": object})
        conn.register("_ts_acts", acts.assign(set_id=set_id))
        conn.execute(f"INSERT INTO target_set_activity_rows (set_id, {', '.join(ACTIVITY_COLUMNS)}) "
                     f"SELECT set_id, {', '.join(ACTIVITY_COLUMNS)} FROM _ts_acts")
        conn.unregister("_ts_acts")


def save_target_set(conn: duckdb.DuckDBPyConnection, draft: TargetSetDraft, *,
                    expected_revision: int | None = None, author: str | None = None,
                    note: str | None = None) -> SavedTargetSet:
    """Create (``draft.set_id`` None) or overwrite a draft set; ``status="final"`` finalises it.

    Raises :class:`TargetSetFinalError` for a final set, :class:`TargetSetConflict` when
    ``expected_revision`` is stale (None skips that check) or a new set's name is taken,
    :class:`TargetSetError` for bad rows (negative/NaN targets, overrides without reason, ...).
    """
    _check_header(draft)
    rows = _normalise_rows(draft.rows, draft.tiers)
    header = [draft.period, draft.grain, draft.metric, json.dumps(draft.tiers), draft.method,
              None if draft.team_target is None else float(draft.team_target),
              json.dumps(draft.assumptions, default=str), _team_rest(draft)]
    try:
        with transaction(conn):
            if draft.set_id is None:
                taken = conn.execute("SELECT set_id FROM target_sets WHERE name = ? ORDER BY version DESC",
                                     [draft.name]).fetchone()
                if taken:
                    h = _existing_header(conn, taken[0])
                    raise TargetSetConflict(f"a target set named {draft.name!r} already exists (v{h[2]}, {h[3]}, "
                                            f"last changed by {h[13] or 'someone'} at {h[12]:%Y-%m-%d %H:%M}); "
                                            "reopen it or choose another name", set_id=h[0], actual=h[10],
                                            changed_by=h[13], changed_at=h[12])
                set_id = conn.execute("SELECT nextval('target_set_id_seq')").fetchall()[0][0]
                conn.execute("INSERT INTO target_sets (set_id, name, version, status, period, grain, metric, "
                             "tiers_json, method, team_target, assumptions_json, team_rest, revision, updated_by) "
                             "VALUES (?, ?, 1, 'draft', ?, ?, ?, ?, ?, ?, ?, ?, 1, ?)",
                             [set_id, draft.name, *header, author])
                revision = 1
                _audit(conn, set_id, revision, author, [(
                    "created", None, created_text(rows["rep"].nunique(), draft.tiers, draft.method), note)])
            else:
                set_id = draft.set_id
                h = _guard(conn, set_id, expected_revision, "change it")
                old = load_target_set(conn, set_id)
                revision = _bump(conn, set_id, h[10], author,
                                 ", period = ?, grain = ?, metric = ?, tiers_json = ?, method = ?, "
                                 "team_target = ?, assumptions_json = ?, team_rest = ?", header)
                style = amount_style(draft.metric, draft.assumptions)
                changes = [(f, header_words(a), header_words(b), note) for f, a, b in (
                    ("period", old.period, draft.period), ("metric", old.metric, draft.metric),
                    ("tiers", old.tiers, draft.tiers), ("method", old.method, draft.method)) if a != b]
                if old.team_target != draft.team_target:
                    changes.append(("team number", team_number_words(old.team_target, style),
                                    team_number_words(draft.team_target, style), note))
                if None not in (old.team_rest, _team_rest(draft)) and old.team_rest != _team_rest(draft):
                    changes.append(("team number's rest", rest_words(old.team_rest),
                                    rest_words(_team_rest(draft)), note))
                _audit(conn, set_id, revision, author, changes + row_changes(old.rows, rows, style))
            _write_rows(conn, set_id, rows, draft.activity_rows)
            if draft.status == "final":
                conn.execute("UPDATE target_sets SET status = 'final' WHERE set_id = ?", [set_id])
                _audit(conn, set_id, revision, author, [("status", "draft", "final", note)])
    except duckdb.TransactionException as exc:
        raise TargetSetConflict(f"target set {draft.name!r} was saved by another session at the same time; "
                                f"reload it ({exc})") from None
    return load_target_set(conn, set_id)


def save_row_edit(conn: duckdb.DuckDBPyConnection, set_id: int, rep: str, tier: str,
                  target: str | float | None, source: str = "override", reason: str | None = None,
                  expected_revision: int | None = None, *, p_attain: float | None = None,
                  model_value: float | None = None, rep_proposal: float | None = None,
                  author: str | None = None) -> int:
    """Upsert one rep/tier row of a draft cheaply (the per-edit save); returns the new revision."""
    ok, value, why = validate_target_entry(target)
    if not ok:
        raise TargetSetError(f"{rep} {tier}: {why}")
    if source not in SOURCES:
        raise TargetSetError(f"source must be one of {SOURCES}")
    _check_scope(conn, [rep])
    reason = reason.strip() if reason and reason.strip() else None
    if source == "override" and not reason:
        raise TargetSetError(f"{rep} {tier}: an override needs a reason")
    try:
        with transaction(conn):
            h = _guard(conn, set_id, expected_revision, "edit it")
            if tier not in json.loads(h[7]):
                raise TargetSetError(f"tier {tier!r} is not in the set's tiers")
            old = conn.execute("SELECT target, source, reason FROM target_set_rows "
                               "WHERE set_id = ? AND rep = ? AND tier = ?", [set_id, rep, tier]).fetchone()
            revision = _bump(conn, set_id, h[10], author)
            conn.execute(
                "INSERT INTO target_set_rows (set_id, rep, tier, target, model_value, p_attain, source, reason, "
                "rep_proposal) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (set_id, rep, tier) DO UPDATE SET "
                "target = excluded.target, p_attain = excluded.p_attain, source = excluded.source, "
                "reason = excluded.reason, model_value = coalesce(excluded.model_value, model_value), "
                "rep_proposal = coalesce(excluded.rep_proposal, rep_proposal)",
                [set_id, rep, tier, value, model_value, p_attain, source, reason, rep_proposal])
            style = amount_style(h[6], h[14])
            before = tier_words(dict(zip(("target", "source", "reason"), old, strict=True)), style) if old else None
            _audit(conn, set_id, revision, author, [(f"{rep} {tier} target", before,
                                                     tier_words({"target": value, "source": source, "reason": reason},
                                                           style),
                                                     reason)])
    except duckdb.TransactionException as exc:
        raise TargetSetConflict(f"target set {set_id} was edited by another session at the same time; "
                                f"reload it ({exc})", set_id=set_id) from None
    return revision


def finalize(conn: duckdb.DuckDBPyConnection, set_id: int, *, expected_revision: int | None = None,
             author: str | None = None, note: str | None = None) -> SavedTargetSet:
    """Make a draft final (read-only from then on)."""
    try:
        with transaction(conn):
            h = _guard(conn, set_id, expected_revision, "change it")
            revision = _bump(conn, set_id, h[10], author, ", status = 'final'")
            _audit(conn, set_id, revision, author, [("status", "draft", "final", note)])
    except duckdb.TransactionException as exc:
        raise TargetSetConflict(f"target set {set_id} was changed by another session at the same time; "
                                f"reload it ({exc})", set_id=set_id) from None
    return load_target_set(conn, set_id)


def new_version(conn: duckdb.DuckDBPyConnection, set_id: int, *, author: str | None = None,
                note: str | None = None) -> SavedTargetSet:
    """Copy a set (usually final) to the name's next version as a draft."""
    source = load_target_set(conn, set_id)
    try:
        new_id = _copy_as_next_version(conn, set_id, source, author, note)
    except (duckdb.TransactionException, duckdb.ConstraintException) as exc:
        raise TargetSetConflict(f"another session started a new version of {source.label} at the same time; "
                                f"reload the list ({exc})", set_id=set_id) from None
    return load_target_set(conn, new_id)


def _copy_as_next_version(conn: duckdb.DuckDBPyConnection, set_id: int, source: SavedTargetSet,
                          author: str | None, note: str | None) -> int:
    with transaction(conn):
        nxt = conn.execute("SELECT max(version) + 1 FROM target_sets WHERE name = ?", [source.name]).fetchall()[0][0]
        new_id = conn.execute("SELECT nextval('target_set_id_seq')").fetchall()[0][0]
        conn.execute("INSERT INTO target_sets (set_id, name, version, status, period, grain, metric, tiers_json, "
                     "method, team_target, assumptions_json, team_rest, revision, updated_by) "
                     "SELECT ?, name, ?, 'draft', period, grain, metric, tiers_json, method, team_target, "
                     "assumptions_json, team_rest, 1, ? FROM target_sets WHERE set_id = ?", [new_id, nxt, author, set_id])
        # Every row, in SQL: a scoped reader's copy of the set would carry only its own teams' rows.
        for table, columns in (("target_set_rows", ROW_COLUMNS), ("target_set_activity_rows", ACTIVITY_COLUMNS)):
            conn.execute(f"INSERT INTO {table} (set_id, {', '.join(columns)}) SELECT ?, {', '.join(columns)} "
                         f"FROM {table} WHERE set_id = ?", [new_id, set_id])
        _audit(conn, new_id, 1, author, [("created", f"v{source.version} ({source.status})", f"v{nxt} (draft)",
                                          note)])
    return new_id


# ---------------------------------------------------------------- comparing
def compare_sets(conn: duckdb.DuckDBPyConnection, set_a: int | str, set_b: int | str) -> pd.DataFrame:
    """Per rep and tier: both targets and the difference (b - a); a missing row shows as NaN."""
    a, b = (load_target_set(conn, s) for s in (set_a, set_b))
    cols = ["rep", "tier", "target", "source"]
    out = a.rows[cols].merge(b.rows[cols], on=["rep", "tier"], how="outer", suffixes=("_a", "_b"))
    out["difference"] = out["target_b"] - out["target_a"]
    out["pct_difference"] = out["difference"] / out["target_a"].where(out["target_a"] != 0)
    return out.sort_values(["rep", "tier"], kind="stable").reset_index(drop=True)


def compare_with_model(conn: duckdb.DuckDBPyConnection, set_ref: int | str,
                       model_rows: pd.DataFrame | None = None) -> pd.DataFrame:
    """Each row's target against the model's value (stored, or a fresh ``model_rows``: rep, tier, target)."""
    rows = load_target_set(conn, set_ref).rows
    if model_rows is not None:
        fresh = model_rows[["rep", "tier", "target"]].rename(columns={"target": "model_now"})
        rows = rows.merge(fresh, on=["rep", "tier"], how="left")
        rows["model_value"] = rows["model_now"]
        rows = rows.drop(columns="model_now")
    rows["difference"] = rows["target"] - rows["model_value"]
    return rows[["rep", "tier", "target", "model_value", "difference", "p_attain", "source", "reason"]]
