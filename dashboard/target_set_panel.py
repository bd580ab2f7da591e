"""The Targets page's saving and saved sets: save (draft, final, autosave), open, finalize, new
version, downloads, audit trail and comparisons.

Kept apart from pages/targets.py, which builds the session's targets; this module only stores and
reopens them through analytics.target_sets and analytics.export.
"""

from __future__ import annotations

import dataclasses

import pandas as pd
import streamlit as st

from analytics import export, formatting, target_sets
from analytics.draft_edits import DraftEdits
from dashboard import auth, kept_widgets, session, tables
from dashboard.draft_state import OpenSet, WorkingDraft, remember, replace_draft, working_draft

CONFIRM_FINAL_KEY = "tg_confirm_final"  # ("save", context) or ("finalize", set_id): asked, awaiting Yes or Cancel
FINAL_WARNING = "A final set is read-only: changing it later takes a new version."


def one_rep_key(field: str, rep: str, tier: str) -> str:
    """The key of a one-rep panel field (``value``, ``reason``) for one rep and tier, so each rep's text
    is that rep's. Letters, digits, ``-`` and ``_`` only: Streamlit writes the key as a CSS class.

    >>> one_rep_key("reason", "Ana Ruiz", "base")
    'tg_one_reason-Ana-Ruiz-base'
    """
    slug = "".join(ch if ch.isalnum() or ch in "-_" else "-" for ch in rep)
    return f"tg_one_{field}-{slug}-{tier}"


def _blank_cells(frame: pd.DataFrame) -> pd.DataFrame:
    """Text columns with their missing values blank: a manager never reads "None" in a table."""
    text = frame.select_dtypes(include=["object", "string"]).columns
    return frame.assign(**{c: frame[c].astype(object).where(frame[c].notna(), "") for c in text})


SetsKey = tuple[str, str, str]
"""(database file, data version with the scope, saved sets' version): what every read of saved sets below is
keyed by, so a rerun with nothing saved reads none of them again (the set was loaded four times a click, half
of a 36-rep click's time). Held as resources, not copied per run (a copy is a thousand reps' rows unpickled
at every click): read, never changed."""


def _sets_key() -> SetsKey:
    return session.db_path(), session.data_version(), target_sets.sets_version(session.db())


@st.cache_resource(show_spinner=False, max_entries=16)
def _listed(key: SetsKey) -> pd.DataFrame:
    """Every saved set, as the table shows it."""
    sets = target_sets.list_target_sets(session.db())
    return _blank_cells(sets.assign(team_target=sets["team_target"].map(      # (a set without a team number: blank)
        lambda v: "" if formatting.is_blank(v) else formatting.count(v))))


@st.cache_resource(show_spinner=False, max_entries=32)
def _saved(key: SetsKey, set_id: int) -> target_sets.SavedTargetSet:
    return target_sets.load_target_set(session.db(), set_id)


@st.cache_resource(show_spinner=False, max_entries=16)
def _audit_trail(key: SetsKey, set_id: int) -> pd.DataFrame:
    return _blank_cells(target_sets.audit_trail(session.db(), set_id))


@st.cache_resource(show_spinner=False, max_entries=16)
def _vs_model(key: SetsKey, set_id: int) -> pd.DataFrame:
    compared = target_sets.compare_with_model(session.db(), set_id)
    return _blank_cells(compared.assign(p_attain=formatting.whole_percent(compared["p_attain"])))


@st.cache_resource(show_spinner=False, max_entries=16)
def _compared(key: SetsKey, set_a: int, set_b: int) -> pd.DataFrame:
    return _blank_cells(target_sets.compare_sets(session.db(), set_a, set_b))


def _open_set(saved: target_sets.SavedTargetSet, context: str) -> OpenSet:
    return OpenSet(saved.set_id, saved.name, saved.version, saved.revision, saved.status, context)


def draft_of(saved: target_sets.SavedTargetSet, author: str = "") -> WorkingDraft:
    """A saved set as the working draft: its metric, tiers, team number and its rest, name and edits."""
    ctx = f"{saved.metric}|{saved.grain}|{saved.period}"
    tiers = [int(v) for v in saved.tiers.values()]
    r = saved.rows
    edits = DraftEdits(
        overrides={(x.rep, x.tier): (float(x.target), x.reason or "") for x in r.itertuples()
                   if x.source == "override"},
        proposals={(x.rep, x.tier): (float(x.rep_proposal), x.source == "rep proposal") for x in r.itertuples()
                   if pd.notna(x.rep_proposal)})
    split = saved.team_target is not None
    return WorkingDraft(
        metric=saved.metric, base=tiers[0], stretch=tiers[1] if len(tiers) > 1 else 70,
        excellence=tiers[2] if len(tiers) > 2 else 90, use_excellence=len(tiers) > 2,
        confidence=int(round(100 * float(saved.assumptions.get("confidence", 0.8)))), split=split,
        team_number=float(saved.team_target) if split else None, team_for=ctx if split else None,
        allocation=saved.method if saved.method in ("equal-chance", "proportional") else "equal-chance",
        team_rest=saved.team_rest or ("shortfall" if split else "resplit"), name=saved.name, name_for=ctx,
        author=author, edits={ctx: edits}, open_set=_open_set(saved, ctx), names={ctx: saved.name},
        team_numbers={ctx: float(saved.team_target)} if split else {})


def reload_open() -> None:
    current = working_draft().open_set
    if current:
        reopen(current.set_id)


def reopen(set_id: int) -> None:
    """Load a saved set into the session as the working draft (the manager's name stays)."""
    saved = target_sets.load_target_set(session.db(), int(set_id))
    session.choose_period(saved.grain, saved.period)
    st.session_state[session.GRAIN_KEY] = saved.grain
    replace_draft(draft_of(saved, author=working_draft().author))
    st.session_state["tg_save_msg"] = ("info", f"Opened {saved.label} ({saved.status}, revision "
                                               f"{saved.revision}).")


def _cancel_final() -> None:
    st.session_state.pop(CONFIRM_FINAL_KEY, None)


def save_panel(conn, work: target_sets.TargetSetDraft, signature: str, context: str, default_name: str) -> None:
    """Name, author and note, Save draft / Save final, autosave of the open draft, conflicts.

    ``work`` is the session's set as it stands; ``signature`` changes whenever its targets do."""
    draft = working_draft()
    c_name, c_author, c_note = st.columns([2, 1.2, 2])
    if draft.name_for != context:     # a name per metric and period, as the team number
        draft.name, draft.name_for = draft.name_in(context, default_name), context
        st.session_state["tg_name"] = draft.name
    name = c_name.text_input("Target set name", key="tg_name")
    if auth.account() is None:    # accounts off: the audit trail records the name typed here
        author = c_author.text_input("Your name", key="tg_author", placeholder="recorded in the audit log")
    else:                         # signed in: the account is the author, not a typed name
        author = ""
        c_author.caption(f"Saved by **{auth.author()}** (signed in)")
    note = c_note.text_input("Note", key="tg_note", placeholder="what changed and why")
    remember(draft, name=name, author=author, note=note)
    draft.keep_name(context, name, proposed=default_name)

    def _save(status: str, autosave: bool = False):
        """Save the session as a set (the open one when the name matches); returns a message tuple."""
        current = draft.open_for(context)
        reuse = current is not None and current.name == name.strip()
        to_save = dataclasses.replace(work, name=name.strip(), status=status,
                                      set_id=current.set_id if reuse and current else None)
        try:
            saved = target_sets.save_target_set(conn, to_save,
                                                expected_revision=current.revision if reuse and current else None,
                                                author=auth.author(author),
                                                note=("autosaved edit" if autosave else note.strip()) or None)
        except target_sets.TargetSetConflict as exc:
            return "conflict", f"Not saved — {exc}."
        except target_sets.TargetSetError as exc:
            return "error", f"Not saved — {exc}."
        draft.open_set, draft.saved_signature = _open_set(saved, context), signature
        st.session_state["tg_pick"] = saved.set_id
        return None if autosave else ("success", f"Saved {saved.label} as {saved.status} (revision {saved.revision}).")

    # Autosave: an open draft follows the manager's edits, so a reload loses at most the edit in flight.
    save_msg = st.session_state.pop("tg_save_msg", None)
    kept_widgets.keep(["tg_autosave"])     # switched off to try numbers: still off after a look at another page
    autosave = st.toggle("Save edits to the open draft as I make them", value=True, key="tg_autosave")
    opened = draft.open_for(context)
    if (autosave and opened and opened.status == "draft" and opened.name == name.strip()
            and draft.saved_signature not in (None, signature) and auth.allowed("targets")):
        save_msg = _save("draft", autosave=True) or save_msg
    if opened and draft.saved_signature is None:
        draft.saved_signature = signature     # just reopened: the page now shows the saved set

    def _confirm_final() -> None:
        # A callback runs before the page is drawn again: the rerun shows the set final and read-only,
        # with no question left on screen under "Saved ... as final".
        st.session_state.pop(CONFIRM_FINAL_KEY, None)
        st.session_state["tg_save_msg"] = _save("final")

    s1, s2, s3 = st.columns([1, 1, 3], vertical_alignment="center")
    opened = draft.open_for(context)
    final_open = bool(opened and opened.status == "final" and opened.name == name.strip())
    may_save = auth.allowed("targets")     # a viewer reads target sets; saving is for managers and admins
    if s1.button("Save draft", key="tg_save", type="primary", disabled=final_open or not may_save):
        save_msg = _save("draft")
    if s2.button("Save final", key="tg_save_final", disabled=final_open or not may_save,
                 help="A final set is read-only; make a new version to change it. You are asked to confirm."):
        st.session_state[CONFIRM_FINAL_KEY] = ("save", context)
    if st.session_state.get(CONFIRM_FINAL_KEY) == ("save", context) and not final_open and may_save:
        st.warning(f"Save '{name.strip()}' as final? {FINAL_WARNING}", icon=":material/warning:")
        yes, no, _ = st.columns([1, 1, 3])
        yes.button("Yes, save as final", key="tg_save_final_confirm", type="primary", on_click=_confirm_final)
        no.button("Cancel", key="tg_save_final_cancel", on_click=_cancel_final)
    opened = draft.open_for(context)
    if opened:
        read_only = opened.status == "final" and opened.name == name.strip()
        s3.caption(f"Open: **{opened.name}** v{opened.version} · {opened.status} · revision "
                   f"{opened.revision}" + (" · read-only: start a new version below to change it" if read_only
                                           else ""))
    if save_msg:
        kind, text = save_msg
        if kind == "conflict":
            st.error(text, icon=":material/sync_problem:")
            st.button("Reload the saved version", key="tg_reload", on_click=reload_open,
                      help="Discards your unsaved edits and opens what is saved now.")
        else:
            {"success": st.success, "error": st.error, "info": st.info}[kind](text)


def saved_sets_panel() -> None:
    """Every saved set; the chosen one opened, finalized, versioned, downloaded and compared."""
    opened = working_draft().open_set
    st.subheader("Saved target sets")
    key = _sets_key()
    sets = _listed(key)
    if sets.empty:
        st.caption("Nothing saved yet.")
        return      # (not st.stop: the page draws more after this panel)
    tables.table(sets[["name", "version", "status", "period", "metric", "method", "team_target", "n_reps",
                       "revision", "updated_at", "updated_by"]],
                 hide_index=True, width="stretch", height=min(38 + 35 * len(sets), 250), key="tg_sets_table",
                 column_config={"name": "Name", "version": "Version", "status": "Status", "period": "Period",
                                "metric": "Metric", "method": "Method",
                                "team_target": st.column_config.TextColumn("Team number"),
                                "n_reps": "Reps", "revision": "Revision",
                                "updated_at": st.column_config.DatetimeColumn("Last saved", format="D MMM YYYY, HH:mm"),
                                "updated_by": "By"})
    labels = {int(r.set_id): f"{r.name} · v{r.version} · {r.status} · {r.period} · {r.metric}" for r in sets.itertuples()}
    ids = list(labels)
    default_id = opened.set_id if opened and opened.set_id in ids else ids[0]
    if st.session_state.get("tg_pick") not in ids:
        st.session_state["tg_pick"] = default_id
    c_pick, c_open, c_fin, c_new = st.columns([3, 1, 1, 1], vertical_alignment="bottom")
    picked = c_pick.selectbox("Target set", ids, key="tg_pick", format_func=labels.get)
    chosen = _saved(key, int(picked))
    c_open.button("Open", key="tg_open_set", on_click=reopen, args=(picked,),
                  help="Load this set into the session to edit it (or a new version of it).")


    def _finalize(set_id: int, revision: int) -> None:
        st.session_state.pop(CONFIRM_FINAL_KEY, None)
        try:
            saved = target_sets.finalize(session.db(), set_id, expected_revision=revision,
                                         author=auth.author(working_draft().author),
                                         note=working_draft().note.strip() or None)
        except target_sets.TargetSetError as exc:
            st.session_state["tg_sets_msg"] = ("error", str(exc))
            return
        current = working_draft().open_set
        if current and current.set_id == set_id:
            current.status, current.revision = "final", saved.revision
        st.session_state["tg_sets_msg"] = ("success", f"{saved.label} is final and read-only.")


    def _new_version(set_id: int) -> None:
        try:
            saved = target_sets.new_version(session.db(), set_id, author=auth.author(working_draft().author),
                                            note=working_draft().note.strip() or None)
        except target_sets.TargetSetError as exc:
            st.session_state["tg_sets_msg"] = ("error", str(exc))
            return
        st.session_state["tg_pick"] = saved.set_id
        reopen(saved.set_id)
        st.session_state["tg_sets_msg"] = ("success", f"Started {saved.label} as a draft.")


    c_fin.button("Finalize", key="tg_finalize", on_click=st.session_state.__setitem__,
                 args=(CONFIRM_FINAL_KEY, ("finalize", chosen.set_id)),
                 disabled=chosen.is_final or not auth.allowed("targets"),
                 help="Makes this set read-only. You are asked to confirm.")
    c_new.button("New version", key="tg_new_version", on_click=_new_version, args=(chosen.set_id,),
                 disabled=not chosen.is_final or not auth.allowed("targets"),
                 help="Copy this final set to the next version as a draft.")
    if st.session_state.get(CONFIRM_FINAL_KEY) == ("finalize", chosen.set_id) and not chosen.is_final:
        st.warning(f"Make {chosen.label} final? {FINAL_WARNING}", icon=":material/warning:")
        yes, no, _ = st.columns([1, 1, 3])
        yes.button("Yes, make it final", key="tg_finalize_confirm", type="primary", on_click=_finalize,
                   args=(chosen.set_id, chosen.revision))
        no.button("Cancel", key="tg_finalize_cancel", on_click=_cancel_final)
    if msg := st.session_state.pop("tg_sets_msg", None):
        (st.error if msg[0] == "error" else st.success)(msg[1])

    d1, d2, d3 = st.columns(3)
    slug = "".join(ch if ch.isalnum() else "-" for ch in chosen.name).strip("-").lower() or "targets"
    stem = f"{slug}-v{chosen.version}"
    # the files are made when a button is clicked (a callable), not on every run: a thousand reps' one-page
    # summaries and workbook took seconds a click
    d1.download_button("Download CSV", lambda: export.csv_text(chosen).encode("utf-8"), f"{stem}.csv", "text/csv",
                       key="tg_dl_csv", on_click="ignore", icon=":material/download:", width="stretch")
    d2.download_button("Download Excel", lambda: export.excel_bytes(chosen), f"{stem}.xlsx",
                       "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", key="tg_dl_xlsx",
                       on_click="ignore", icon=":material/table_view:", width="stretch")
    d3.download_button("Download one-page summaries (HTML)", lambda: export.rep_summary_html(chosen).encode("utf-8"),
                       f"{stem}.html", "text/html", key="tg_dl_html", on_click="ignore",
                       icon=":material/description:", width="stretch")

    tab_audit, tab_model, tab_sets = st.tabs(["Audit trail", "Compare with the model", "Compare two sets"])
    with tab_audit:
        tables.table(_audit_trail(key, chosen.set_id), hide_index=True, width="stretch",
                     key="tg_audit", column_config={"changed_at": st.column_config.DatetimeColumn(
                         "When", format="D MMM YYYY, HH:mm:ss"), "changed_by": "By", "revision": "Revision",
                         "what": "What", "old_value": "Old", "new_value": "New", "note": "Note"})
    with tab_model:
        vs_model = _vs_model(key, chosen.set_id)
        changed = vs_model[vs_model["difference"].abs() > 1e-9]
        st.caption(f"{len(changed)} of {len(vs_model)} targets differ from the model's value stored with the set.")
        tables.table(vs_model, hide_index=True, width="stretch", key="tg_vs_model", column_config={
            "rep": "Rep", "tier": "Tier", "target": st.column_config.NumberColumn("Target", format="localized"),
            "model_value": st.column_config.NumberColumn("Model", format="localized"),
            "difference": st.column_config.NumberColumn("Difference", format="localized"),
            "p_attain": st.column_config.NumberColumn("Chance", format="%.0f%%"), "source": "Source",
            "reason": "Reason"})
    with tab_sets:
        others = [i for i in ids if i != chosen.set_id]
        if not others:
            st.caption("Save another set (or a new version) to compare.")
        else:
            other = st.selectbox("Compare with", others, key="tg_compare_with", format_func=labels.get)
            tables.table(_compared(key, chosen.set_id, int(other)), hide_index=True, width="stretch",
                         key="tg_compare_table", column_config={
                "rep": "Rep", "tier": "Tier",
                "target_a": st.column_config.NumberColumn(f"v{chosen.version} target", format="localized"),
                "target_b": st.column_config.NumberColumn("Other target", format="localized"),
                "source_a": "Source", "source_b": "Other source",
                "difference": st.column_config.NumberColumn("Difference", format="localized"),
                "pct_difference": st.column_config.NumberColumn("Difference %", format="percent")})
