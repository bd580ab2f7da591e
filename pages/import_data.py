"""Import: upload CRM exports, check the detected kind and mapping, preview, commit, undo.

Thin page over analytics.importing: inspect_file (no writes) for every upload, shown with its settings
form, whose corrections re-inspect the file (dashboard/import_preview.py), commit_import with a progress
bar, the import history with undo, the activity-type map and the stage -> outcome map.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from pathlib import Path

import pandas as pd
import streamlit as st

from analytics import formatting, importing, sample_company
from analytics.importing import history as import_log
from analytics.importing import mapping, stage_outcomes, temp_files
from dashboard import auth, frame, import_preview, session, tables

frame.require("pages/import_data.py")

conn = session.db()

# Uploads move from the uploader into PENDING_KEY at once: a widget's value is gone once another
# page is shown, session state is not, so files wait there, across pages, until imported or removed.
PENDING_KEY = "import_pending"  # {upload file_id: {"name": file name, "path": its private copy on disk}}
UPLOADER_ROUND_KEY = "import_uploader_round"  # a new uploader (empty) after each batch is taken
PLANS_KEY = "import_plans"      # {(path, options): ImportPlan} — inspections of this session
RESULTS_KEY = "import_results"  # {path: ImportResult} — files committed in this session
UNDO_KEY = "import_undo_message"
UNDO_CONFIRM_KEY = "import_undo_asked"  # the import whose undo the manager asked for, awaiting Yes or Cancel
COMMIT_ORDER = {"reps": 0, "deals": 1, "activities": 2, "targets": 3}  # roster first, quotas last


def _keep_uploads(uploads) -> None:
    """Write each new upload to a private temporary file (the importer streams from disk) and list
    it as pending; then show an empty uploader (its files are listed below it now).

    The copy is readable by this account alone and lives until the file is imported or removed;
    a copy a killed server left is removed by the next import (``import_temp``). Named per upload,
    not per content: another session's import deletes its own copy, never this one.
    """
    pending = st.session_state.setdefault(PENDING_KEY, {})
    for upload in uploads:
        if upload.file_id not in pending:
            name = f"{hashlib.sha256(upload.file_id.encode()).hexdigest()[:16]}-{Path(upload.name).name}"
            path = temp_files.write_upload(temp_files.uploads_folder(), name, upload.getvalue())
            pending[upload.file_id] = {"name": upload.name, "path": str(path)}
    st.session_state[UPLOADER_ROUND_KEY] = st.session_state.get(UPLOADER_ROUND_KEY, 0) + 1
    st.rerun()


def _uploader_key() -> str:
    """The uploader's key: "uploads" first, then one per round, so a taken batch leaves it empty."""
    round_no = st.session_state.get(UPLOADER_ROUND_KEY, 0)
    return "uploads" if round_no == 0 else f"uploads_{round_no}"


def _delete_copies(paths) -> None:
    """Delete the temporary copies at these paths (imported, or removed)."""
    for path in paths:
        Path(path).unlink(missing_ok=True)


def _forget_imported() -> None:
    """Take imported files (their copies are gone) off the list, with their results."""
    pending = st.session_state.get(PENDING_KEY, {})
    for file_id in [f for f, entry in pending.items() if not Path(entry["path"]).exists()]:
        _remove_pending(file_id)
    st.session_state.pop(RESULTS_KEY, None)


def _remove_pending(file_id: str) -> None:
    """Forget a pending file: its copy, its inspections, its result."""
    entry = st.session_state.get(PENDING_KEY, {}).pop(file_id, None)
    if entry:
        _delete_copies([entry["path"]])
        st.session_state.get(RESULTS_KEY, {}).pop(entry["path"], None)
        st.session_state.get(import_preview.OPTIONS_KEY, {}).pop(entry["path"], None)


def _plan(path: Path, file_name: str) -> importing.ImportPlan:
    options = import_preview.options_of(path)
    key = (str(path), json.dumps(options, sort_keys=True))
    plans = st.session_state.setdefault(PLANS_KEY, {})
    if key not in plans:
        plans[key] = importing.inspect_file(conn, path, file_name=file_name, **options)
    return plans[key]


def _forget_plans() -> None:
    """Inspections depend on the database (saved mappings, activity types): redo them after a write."""
    st.session_state.pop(PLANS_KEY, None)


def _commit(items: list[tuple[Path, importing.ImportPlan]]) -> None:
    """Commit the plans (roster first) with one progress bar; each file is its own transaction."""
    items = sorted(items, key=lambda item: COMMIT_ORDER.get(item[1].kind, 9))
    bar = st.progress(0.0, text="Importing…")
    results = st.session_state.setdefault(RESULTS_KEY, {})
    for j, (path, plan) in enumerate(items):
        def tell(fraction: float, text: str, j=j, name=plan.file_name) -> None:
            bar.progress(min((j + fraction) / len(items), 1.0), text=f"{name}: {text}")
        results[str(path)] = result = importing.commit_import(conn, plan, progress=tell)
        if result.status == "loaded" and result.import_id is not None:
            import_log.record_importer(conn, result.import_id, auth.author())
    _delete_copies([path for path, _ in items])
    bar.empty()
    _forget_plans()
    st.rerun()


def upload_tab() -> None:
    limit = st.get_option("server.maxUploadSize")
    uploads = st.file_uploader(
        "CSV exports — drop several at once", type=["csv", "txt", "tsv"], accept_multiple_files=True,
        key=_uploader_key(), help="Deals or opportunities, activity logs, the roster, past or planned quotas.")
    if uploads:
        _keep_uploads(uploads)
    st.caption(f"Nothing is stored until you press Import, and every import can be undone. Files above "
               f"{limit} MB: `python -m analytics import FILE` streams them from disk into the same database. "
               "Files wait here, on other pages too, until imported or removed.")
    pending = st.session_state.get(PENDING_KEY, {})
    if not pending:
        return
    results = st.session_state.get(RESULTS_KEY, {})
    files = [(entry["name"], Path(entry["path"])) for entry in pending.values()]
    file_ids = list(pending)
    plans = {str(path): _plan(path, name) for name, path in files if str(path) not in results}
    ready = [(path, plans[str(path)]) for _, path in files if str(path) in plans and not plans[str(path)].refused]
    if len(ready) > 1 and st.button(f"Import all {len(ready)} ready files", type="primary", key="commit_all",
                                    icon=":material/upload:"):
        _commit(ready)
    for i, (name, path) in enumerate(files):
        with st.container(border=True):
            title, remove = st.columns([5, 1], vertical_alignment="center")
            title.subheader(name, divider=False)
            if remove.button("Remove", key=f"remove_{i}", icon=":material/close:",
                             help="Take the file off this list (nothing stored is changed)."):
                _remove_pending(file_ids[i])
                st.rerun()
            if str(path) in results:
                import_preview.show_result(results[str(path)])
                continue
            plan = plans[str(path)]
            import_preview.show_plan(plan, path, i)
            if not plan.refused:
                accepted = plan.rows_read - plan.rows_rejected
                if st.button(f"Import {formatting.count(accepted)} rows", key=f"commit_{i}", type="primary",
                             icon=":material/upload:"):
                    _commit([(path, plan)])


def _confirm_undo(entry) -> None:
    """The second step of an undo: say what it removes, then undo on Yes (nothing happens before)."""
    import_id = int(entry["import_id"])
    st.warning(f"Undo import #{import_id} ({entry['file_name']})? Its {formatting.count(entry['n_new'])} new "
               f"row(s) are removed and the {formatting.count(entry['n_updated'])} row(s) it updated go back "
               "to their previous values.", icon=":material/warning:")
    yes, no, _ = st.columns([1, 1, 3])
    if yes.button(f"Yes, undo import #{import_id}", key="undo_import_confirm", type="primary"):
        st.session_state.pop(UNDO_CONFIRM_KEY, None)
        st.session_state[UNDO_KEY] = importing.undo_import(conn, import_id, by=auth.author())
        _forget_imported()  # undone files can be uploaded and imported again
        _forget_plans()
        st.rerun()
    if no.button("Cancel", key="undo_import_cancel"):
        st.session_state.pop(UNDO_CONFIRM_KEY, None)
        st.rerun()


def history_tab() -> None:
    history = importing.import_history(conn)
    if history.empty:
        st.caption("Nothing imported yet.")
        return
    shown = history.rename(columns={
        "import_id": "#", "imported_at": "When", "file_name": "File", "kind": "Kind", "preset": "Preset",
        "status": "Status", "rows_read": "Rows read", "rows_loaded": "Loaded", "rows_rejected": "Set aside",
        "n_new": "New", "n_updated": "Updated", "n_unchanged": "Unchanged", "message": "Message",
        "undone_at": "Undone", "imported_by": "By", "undone_by": "Undone by"})
    tables.table(shown.drop(columns=["Preset", "notes"]), hide_index=True, width="stretch",
                 column_config={"When": st.column_config.DatetimeColumn(format="D MMM YYYY, HH:mm"),
                                "Undone": st.column_config.DatetimeColumn(format="D MMM YYYY, HH:mm")})
    if message := st.session_state.pop(UNDO_KEY, None):
        (st.success if message.startswith("undid") else st.error)(message)
    listed = history[history["status"] != "refused"]
    if listed.empty:
        return
    labels = {int(r.import_id): f"#{r.import_id} · {r.file_name} · {r.kind}" for r in listed.itertuples()}
    c1, c2 = st.columns([3, 1], vertical_alignment="bottom")
    # Keyed by the newest import, so a new import resets the choice to it.
    chosen = c1.selectbox("Import", list(labels), format_func=labels.get,
                          key=f"history_import_{int(history['import_id'].max())}")
    status = listed.loc[listed["import_id"] == chosen, "status"].iloc[0]
    if auth.allowed("undo") and c2.button("Undo this import" if status == "loaded" else f"Import {status}",
                 key="undo_import", disabled=status != "loaded", icon=":material/undo:",
                 help="Removes its new rows and restores the rows it updated. You are asked to confirm."):
        st.session_state[UNDO_CONFIRM_KEY] = chosen
    if status == "loaded" and st.session_state.get(UNDO_CONFIRM_KEY) == chosen and auth.allowed("undo"):
        _confirm_undo(listed.loc[listed["import_id"] == chosen].iloc[0])
    notes = list(history.loc[history["import_id"] == chosen, "notes"].iloc[0])
    if notes:
        st.info(f"**What the check of import #{chosen} found**\n" + "\n".join(f"- {note}" for note in notes),
                icon=":material/info:")
    rejects = importing.import_rejects(conn, chosen)
    if not rejects.empty:
        st.markdown(f"**Rows set aside by import #{chosen}** ({formatting.count(len(rejects))})")
        file_name = listed.loc[listed["import_id"] == chosen, "file_name"].iloc[0]
        tables.table(rejects.assign(file=file_name)[["file", "line", "column", "value", "reason"]],
                     hide_index=True, width="stretch")


def _label_map(table: pd.DataFrame, label: str, choices: list[str], keys: tuple[str, str, str],
               columns: dict[str, str], save: Callable[[str, str], str]) -> None:
    """A table of the CRM's labels beside a box that sets what one counts as (``keys``: the label's, the
    choice's and Save's widget keys; ``save`` does it and says what it did; a refusal, ``LookupError`` or
    ``ValueError``, is shown as an error)."""
    label_key, value_key, save_key = keys
    left, right = st.columns([3, 2])
    with left:
        tables.table(table.rename(columns=columns), hide_index=True, width="stretch")
    with right.container(border=True):
        raw = st.selectbox(columns[label], table[label].tolist(), key=label_key,
                           on_change=lambda: st.session_state.pop(value_key, None))
        current = table.loc[table[label] == raw, "counts_as"].iloc[0]
        value = st.selectbox("Counts as", choices, index=choices.index(current) if current in choices else 0,
                             key=value_key)
        if st.button("Save", key=save_key, disabled=value == current or not auth.allowed("import")):
            try:
                said = save(raw, value)
            except (LookupError, ValueError) as exc:
                st.error(str(exc), icon=":material/block:")
                return
            _forget_plans()
            st.toast(said)
            st.rerun()


def activity_types_tab() -> None:
    labels = importing.activity_labels(conn)
    if labels.empty:
        st.caption("No activities imported yet.")
        return
    st.caption("Every activity label from your CRM counts as one of "
               f"{', '.join(mapping.ACTIVITY_TYPES)}. Change one and all activities with that label are "
               "re-counted; later imports use your choice too.")

    def save(raw: str, new_type: str) -> str:
        importing.set_activity_type(conn, raw, new_type)
        return f"'{raw}' now counts as {new_type}"

    _label_map(labels.rename(columns={"type": "counts_as"}), "raw_type", list(mapping.ACTIVITY_TYPES),
               ("activity_raw_type", "activity_type", "save_activity_type"),
               {"raw_type": "Label in your CRM", "counts_as": "Counts as", "activities": "Activities"}, save)


def stage_outcomes_tab() -> None:
    stages = importing.stage_labels(conn)
    if stages.empty:
        st.caption("No deals imported yet.")
        return
    st.caption("Every deal stage from your CRM counts as won, lost or open. A stage the import does not know "
               "counts as open: say what it is, and the deals stored under it change with it; later imports "
               "use your choice too. A stage whose deals other columns decided (Won and Closed) cannot be set.")

    def save(stage: str, outcome: str) -> str:
        done = importing.set_stage_outcome(conn, stage, outcome)
        return f"'{done.stage}' now counts as {done.outcome}: {formatting.count(done.changed)} deal(s) changed"

    _label_map(stages.rename(columns={"outcome": "counts_as"}), "stage", list(stage_outcomes.OUTCOMES),
               ("stage_label", "stage_outcome", "save_stage_outcome"),
               {"stage": "Stage in your CRM", "counts_as": "Counts as", "deals": "Deals", "set": "Set by you",
                "known": "Known stage"}, save)


st.title("Import CRM exports")
st.caption("Deals or opportunities, activity logs, the roster and past quotas — CSV from Salesforce, HubSpot, "
           "Pipedrive, Zoho, Dynamics 365 or a spreadsheet.")
if sample_company.is_loaded(conn):   # (a first start loads it: a manager's own files would be added to it)
    st.warning("The sample company is loaded: the files you import here are added to its reps and numbers. To "
               "see your own data alone, clear the sample first on Overview (Clear sample data).",
               icon=":material/warning:")
frame.gap_warnings()     # the months to import, where they are imported
upload, history_view, types_view, stages_view = st.tabs(["Upload files", "Import history", "Activity types",
                                                         "Stage outcomes"])
with upload:
    if auth.allowed("import"):
        upload_tab()
    else:  # (imports, undo and the activity-type map change everyone's data: an admin's job)
        st.info("Only an admin can import files or undo an import: your account can read the history.",
                icon=":material/lock:")
with history_view:
    history_tab()
with types_view:
    activity_types_tab()
with stages_view:
    stage_outcomes_tab()
