"""Import: upload CRM exports, check the detected kind and mapping, preview, commit, undo."""

from __future__ import annotations

import hashlib
import json
import tempfile
from pathlib import Path

import pandas as pd
import streamlit as st

import ui
from analytics import importer, mapping

conn = ui.db()
st.title("Import CRM exports")
st.caption("Deals or opportunities, activity logs, the roster, and past quotas — as CSV from "
           "Salesforce, HubSpot, Pipedrive, Zoho, Dynamics 365 or a spreadsheet. Nothing is stored "
           "until you press Import, and every import can be undone.")

IGNORE = "(ignore)"
UPLOAD_DIR = Path(tempfile.gettempdir()) / "target-calibration-uploads"
PLANS_KEY = "import_plans"


def _stored_upload(upload) -> Path:
    """Write the upload to a temporary file once (DuckDB streams from disk)."""
    digest = hashlib.sha256(upload.getbuffer()).hexdigest()[:16]
    UPLOAD_DIR.mkdir(parents=True, exist_ok=True)
    path = UPLOAD_DIR / f"{digest}-{Path(upload.name).name}"
    if not path.exists():
        path.write_bytes(upload.getbuffer())
    return path


def _plan_for(path: Path, file_name: str, options: dict) -> importer.ImportPlan:
    key = json.dumps([str(path), options], sort_keys=True, default=str)
    plans = st.session_state.setdefault(PLANS_KEY, {})
    if key not in plans:
        plans[key] = importer.inspect_file(conn, path, file_name=file_name, **options)
    return plans[key]


def _mapping_editor(plan: importer.ImportPlan, widget_key: str) -> dict[str, str] | None:
    """An editable table: each column of the file and the field it maps to."""
    fields = [IGNORE, *mapping.field_names(plan.kind)]
    sample_row = plan.raw_sample.iloc[0] if getattr(plan, "raw_sample", None) is not None and len(plan.raw_sample) else None
    rows = [{
        "Column in file": header,
        "Example": "" if sample_row is None else str(sample_row.get(header, "")),
        "Maps to": plan.mapping.get(header, IGNORE),
    } for header in plan.headers]
    edited = st.data_editor(
        pd.DataFrame(rows), key=widget_key, hide_index=True, width="stretch",
        disabled=["Column in file", "Example"],
        column_config={"Maps to": st.column_config.SelectboxColumn("Maps to", options=fields, required=True)},
    )
    chosen = {r["Column in file"]: r["Maps to"] for r in edited.to_dict("records") if r["Maps to"] != IGNORE}
    return chosen if chosen != plan.mapping else None


def _show_file(upload, index: int) -> None:
    path = _stored_upload(upload)
    state_key = f"import_options_{index}_{path.name}"
    options = st.session_state.setdefault(state_key, {})
    plan = _plan_for(path, upload.name, options)

    with st.container(border=True):
        st.subheader(upload.name)
        if plan.refused and not plan.headers:
            st.error(plan.message)
            return
        c1, c2, c3, c4 = st.columns(4)
        kinds = list(mapping.KINDS)
        kind = c1.selectbox("Kind", kinds, index=kinds.index(plan.kind) if plan.kind in kinds else 0,
                            key=f"kind_{index}")
        presets = ["(detected)", *mapping.PRESETS]
        preset = c2.selectbox("Preset", presets, key=f"preset_{index}",
                              help=f"Detected: {plan.preset or 'generic headers'}")
        date_order = c3.selectbox("Date order", ["(inferred)", "dmy", "mdy"], key=f"date_order_{index}",
                                  help="Inferred from the whole column; set it when the column is ambiguous.")
        unit = c4.number_input("Unit multiplier", min_value=0.0, value=float(options.get("unit") or 0) or 1.0,
                               step=1000.0, key=f"unit_{index}", help="1000 when the file's values are in thousands.")
        new_options = dict(options)
        new_options["kind"] = kind if kind != plan.kind or "kind" in options else None
        new_options["preset"] = None if preset == "(detected)" else preset
        new_options["date_order"] = None if date_order == "(inferred)" else date_order
        new_options["unit"] = unit if unit != 1.0 else None
        st.caption(f"Encoding {plan.encoding} · delimiter {plan.delimiter!r} · {plan.rows_read:,} rows read")

        with st.expander("Column mapping", expanded=bool(plan.missing_required)):
            changed = _mapping_editor(plan, f"mapping_{index}")
            if changed is not None:
                new_options["mapping"] = changed
        new_options = {k: v for k, v in new_options.items() if v is not None}
        if new_options != options:
            st.session_state[state_key] = new_options
            st.rerun()

        for note in plan.notes:
            st.warning(note, icon=":material/info:")
        if plan.refused:
            st.error(plan.message)
            return
        st.markdown("**Preview — the first rows as they will be stored**")
        st.dataframe(plan.preview, hide_index=True, width="stretch")
        if plan.rows_rejected:
            st.markdown(f"**{plan.rows_rejected:,} rows will be quarantined** (kept with the import's record)")
            st.dataframe(plan.reject_sample, hide_index=True, width="stretch")
        if st.button(f"Import {plan.rows_read - plan.rows_rejected:,} rows", key=f"commit_{index}", type="primary"):
            bar = st.progress(0.0, text="Importing…")
            result = importer.commit_import(conn, plan, progress=lambda f, text: bar.progress(min(f, 1.0), text=text))
            bar.empty()
            if result.status == "loaded":
                importer.save_mapping(conn, plan.headers, plan.kind, plan.mapping)
                st.session_state.pop(PLANS_KEY, None)
                st.success(f"{upload.name}: {result.rows_loaded:,} rows loaded — {result.new:,} new, "
                           f"{result.updated:,} updated, {result.unchanged:,} unchanged, "
                           f"{result.rows_rejected:,} quarantined.")
            else:
                st.error(result.message)


uploads = st.file_uploader("CSV files", type=["csv", "txt", "tsv"], accept_multiple_files=True, key="uploads",
                           help="Drop several files at once. Larger than 200 MB? Use the command line: "
                                "`python -m analytics import FILE`, which streams from disk.")
st.caption("Files above the 200 MB upload limit: `.venv/bin/python -m analytics import FILE ...` "
           "streams them from disk into the same database (stop the dashboard first).")
for i, upload in enumerate(uploads or []):
    _show_file(upload, i)

st.divider()
st.subheader("Import history")
history = importer.import_history(conn)
if history.empty:
    st.caption("Nothing imported yet.")
else:
    st.dataframe(history, hide_index=True, width="stretch")
    loaded = history[history["status"] == "loaded"]
    if not loaded.empty:
        c1, c2 = st.columns([3, 1], vertical_alignment="bottom")
        labels = {int(r.import_id): f"#{r.import_id} · {r.file_name} · {r.kind}" for r in loaded.itertuples()}
        chosen = c1.selectbox("Import", list(labels), format_func=labels.get, key="history_import")
        if c2.button("Undo this import", key="undo_import"):
            st.toast(importer.undo_import(conn, chosen))
            st.session_state.pop(PLANS_KEY, None)
            st.rerun()
        rejects = importer.import_rejects(conn, chosen)
        if not rejects.empty:
            st.markdown(f"**Quarantined rows of import #{chosen}**")
            st.dataframe(rejects, hide_index=True, width="stretch")
