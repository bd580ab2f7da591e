"""The Import page's look at one inspected file: what was detected, the settings and column mapping
whose corrections re-inspect it, the order-lines choice, the notes, the preview and the rejects;
and a committed file's result.

Kept apart from pages/import_data.py, which takes the uploads, inspects and commits them and shows
the history; the choices made here live in session state (:data:`OPTIONS_KEY`), which the page's
next inspection reads.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import streamlit as st

from analytics import formatting, importing
from analytics.importing import csv_source, example_values, mapping
from dashboard import tables

OPTIONS_KEY = "import_options"  # {path: {kind, preset, mapping, date_order, unit, lines}} chosen in the page
IGNORE = "— not imported —"
DETECT = "(detect)"
KIND_LABELS = {"deals": "Deals / opportunities", "activities": "Activities", "reps": "Roster (reps)",
               "targets": "Targets / quotas"}
PRESET_LABELS = {
    "salesforce_opportunities": "Salesforce opportunity report", "hubspot_deals": "HubSpot deals",
    "pipedrive_deals": "Pipedrive deals", "zoho_deals": "Zoho CRM deals",
    "dynamics365_opportunities": "Dynamics 365 opportunities", "roster": "Roster",
    "activity_report": "Activity report", "quotas_wide": "Quotas, one column per month",
    "quotas_long": "Quotas, one row per period", "saved": "your confirmed mapping for these headers",
}
DATE_ORDERS = {"(inferred from the column)": None, "day first (31/12/2024)": "dmy",
               "month first (12/31/2024)": "mdy"}
LINE_LABELS = {"sum": "Sum lines into orders (one deal per order)", "keep": "Keep each line as a deal"}


def _examples(path: Path, file_name: str) -> dict[str, list[str]]:
    """A few values per column, read once per file (a UTF-16 file is transcoded to read them)."""
    cache = st.session_state.setdefault("import_examples", {})
    if str(path) not in cache:
        cache[str(path)] = example_values.example_values(path, file_name)
    return cache[str(path)]


def options_of(path: Path) -> dict:
    """The choices made for the file at ``path`` (kind, preset, mapping, date order, unit, lines)."""
    return st.session_state.setdefault(OPTIONS_KEY, {}).get(str(path), {})


def _field_label(kind: str):
    fields = mapping.FIELD_BY_NAME[kind]

    def label(name: str) -> str:
        if name == IGNORE:
            return name
        return name.replace("_", " ") + (" (required)" if fields[name].required else "")
    return label


def _settings_form(plan: importing.ImportPlan, path: Path, i: int) -> None:
    """Kind, preset, date order, unit and the column mapping; applying re-inspects the file."""
    options = options_of(path)
    plan_kind = plan.kind if plan.kind in mapping.KINDS else "deals"
    version = hashlib.sha1(json.dumps(options, sort_keys=True).encode()).hexdigest()[:6]
    open_form = plan.refused or bool(plan.unmapped_columns) or bool(options)
    with st.expander("Settings and column mapping", expanded=open_form), \
            st.form(f"settings_{i}_{version}", border=False):
        c1, c2, c3, c4 = st.columns(4)
        kinds = list(mapping.KINDS)
        kind = c1.selectbox("Kind", kinds, index=kinds.index(plan_kind), format_func=KIND_LABELS.get,
                            key=f"kind_{i}_{version}")
        presets = [DETECT, *mapping.PRESETS]
        preset = c2.selectbox("Preset", presets, index=presets.index(options.get("preset", DETECT)),
                              format_func=lambda p: PRESET_LABELS.get(p, p), key=f"preset_{i}_{version}",
                              help="Column names of a known CRM export. Detect picks the best match.")
        orders = list(DATE_ORDERS)
        order = c3.selectbox("Date order", orders, index=list(DATE_ORDERS.values()).index(plan.date_order),
                             key=f"date_order_{i}_{version}",
                             help="Inferred from the whole column; set it when the notes say dates are ambiguous.")
        unit = c4.number_input("Multiply amounts by", min_value=0.001, value=float(plan.unit or 1.0),
                               step=1000.0, format="%g", key=f"unit_{i}_{version}",
                               help="1000 when the file's values are in thousands.")

        st.markdown("**Column mapping** — what each column of the file holds")
        examples = _examples(path, plan.file_name)
        fields = [IGNORE, *(f.name for f in mapping.CANONICAL_FIELDS[plan_kind])]
        chosen: dict[str, str] = {}
        grid = st.columns(4)
        for j, header in enumerate(plan.headers):
            with grid[j % 4]:
                current = plan.mapping.get(header, IGNORE)
                chosen[header] = st.selectbox(header, fields, index=fields.index(current) if current in fields else 0,
                                              format_func=_field_label(plan_kind), key=f"map_{i}_{j}_{version}")
                sample = " · ".join(examples.get(header, [])) or "(empty in the first rows)"
                st.caption(f"e.g. {sample}")
        applied = st.form_submit_button("Apply and re-check", type="secondary")
    if not applied:
        return

    # 1 is "no unit" unless the check preselected another: then it is the choice to keep the values.
    new = {"date_order": DATE_ORDERS[order], "unit": unit if unit != 1.0 or plan.unit else None}
    chosen_preset = None if preset == DETECT else preset
    if chosen_preset != options.get("preset"):  # a preset brings its own kind and mapping
        new["preset"] = chosen_preset
        new["kind"] = kind if kind != plan.kind else None
    elif kind != plan.kind:  # another kind: detect its columns afresh
        new["kind"] = kind
    else:
        new["kind"], new["preset"] = options.get("kind"), options.get("preset")
        if chosen != {h: plan.mapping.get(h, IGNORE) for h in plan.headers}:
            taken: dict[str, list[str]] = {}
            for header, name in chosen.items():
                if name != IGNORE:
                    taken.setdefault(name, []).append(header)
            doubles = {name: cols for name, cols in taken.items() if len(cols) > 1 and name not in mapping.MANY_COLUMN_FIELDS}
            if doubles:
                st.error("Each field can come from one column only: " + "; ".join(
                    f"{name} is chosen for {', '.join(cols)}" for name, cols in doubles.items()))
                return
            # The whole mapping as shown, so the re-check stores exactly what the manager sees.
            new["mapping"] = {h: (name if name != IGNORE else "ignore") for h, name in chosen.items()}
        elif "mapping" in options:
            new["mapping"] = options["mapping"]
    new = {k: v for k, v in new.items() if v is not None}
    if new != options:
        st.session_state[OPTIONS_KEY][str(path)] = new
        st.rerun()


def _lines_choice(plan: importing.ImportPlan, path: Path, i: int) -> None:
    """Order lines (rows sharing an order number): summed into orders, preselected, or kept as deals;
    a change re-checks the file (and the choice is remembered with the mapping at the import)."""
    if not plan.lines:
        return
    choices = list(LINE_LABELS)
    version = hashlib.sha1(json.dumps(options_of(path), sort_keys=True).encode()).hexdigest()[:6]
    chosen = st.radio("Order lines", choices, index=choices.index(plan.lines), format_func=LINE_LABELS.get,
                      horizontal=True, key=f"lines_{i}_{version}",
                      help="Rows sharing an order or invoice number are the lines of one order. Summed, each "
                           "order is one deal (deal counts and sizes are right for orders).")
    if chosen != plan.lines:
        st.session_state[OPTIONS_KEY][str(path)] = {**options_of(path), "lines": chosen}
        st.rerun()


def _preview_config(preview) -> dict:
    """Dates as dates, money and counts with thousands separators."""
    config = {}
    for name, dtype in preview.dtypes.items():
        if dtype.kind == "M":
            config[name] = st.column_config.DateColumn(format="YYYY-MM-DD")
        elif dtype.kind in "fi" and name != "year":
            config[name] = st.column_config.NumberColumn(format="localized")
    return config


def _describe(plan: importing.ImportPlan) -> str:
    preset = PRESET_LABELS.get(plan.preset, plan.preset) if plan.preset else "columns matched by name"
    delimiter = csv_source.DELIMITER_NAMES.get(plan.delimiter or ",", plan.delimiter)
    read = f" · {formatting.count(plan.rows_read)} rows" if plan.rows_read else ""
    return (f"**{KIND_LABELS.get(plan.kind, plan.kind)}** · {preset} · "
            f"{plan.encoding} · {delimiter}-separated{read}")


def show_plan(plan: importing.ImportPlan, path: Path, i: int) -> None:
    """An inspected file (the ``i``-th listed): what was detected, a refusal, a unit the check chose,
    the settings form, the order-lines choice, the notes, the preview and the rows set aside."""
    if plan.refused and not plan.headers:  # not readable as a CSV at all
        st.error(plan.message, icon=":material/block:")
        return
    st.markdown(_describe(plan))
    if plan.missing_required:
        names = ", ".join(f"**{n.replace('_', ' ')}**" for n in plan.missing_required)
        st.error(f"Cannot import this file as {KIND_LABELS[plan.kind].lower()} yet: no column holds {names}. "
                 f"Pick {'that column' if len(plan.missing_required) == 1 else 'those columns'} in the mapping "
                 "below and press *Apply and re-check*.",
                 icon=":material/block:")
        if plan.layout_note:  # (a split report, a name in two columns: what the mapping alone may not fix)
            st.caption(plan.layout_note[0].upper() + plan.layout_note[1:] + ".")
    elif plan.refused:
        st.error(plan.message, icon=":material/block:")
    if plan.unit_note and not plan.refused:  # a unit the manager did not choose: say so before the form
        st.warning(f"**Amounts multiplied by {plan.unit:g}** (preselected in *Multiply amounts by* below): "
                   f"{plan.unit_note}.", icon=":material/warning:")
    _settings_form(plan, path, i)
    _lines_choice(plan, path, i)
    if plan.refused:
        return
    if notes := [note for note in plan.notes if note != plan.unit_note]:
        st.info("**What the check found**\n" + "\n".join(f"- {note}" for note in notes),
                icon=":material/info:")
    st.markdown("**Preview** — the first rows as they will be stored")
    tables.table(plan.preview, hide_index=True, width="stretch", height=min(38 + 35 * len(plan.preview), 250),
                 column_config=_preview_config(plan.preview))
    if plan.rows_rejected:
        shown = len(plan.reject_sample)
        more = f" (the first {shown} shown)" if plan.rows_rejected > shown else ""
        st.warning(f"**{formatting.count(plan.rows_rejected)} row(s) will be set aside**{more}: they are not imported, "
                   "and they are kept with the import's record so nothing is lost silently.",
                   icon=":material/report:")
        rejects = plan.reject_sample.assign(file=plan.file_name)[["file", "line", "column", "value", "reason"]]
        tables.table(rejects, hide_index=True, width="stretch", height=min(38 + 35 * shown, 250))


def show_result(result: importing.ImportResult) -> None:
    """A committed file's outcome: its counts, or why it was refused."""
    if result.status != "loaded":
        st.error(result.message, icon=":material/block:")
        return
    set_aside = f" · {formatting.count(result.rows_rejected)} set aside (see the import history)" if result.rows_rejected else ""
    st.success(f"Imported as {KIND_LABELS.get(result.kind, result.kind).lower()} (import #{result.import_id}): "
               f"**{formatting.count(result.rows_loaded)} rows** — {formatting.count(result.new)} new · "
               f"{formatting.count(result.updated)} updated · {formatting.count(result.unchanged)} unchanged{set_aside}", icon=":material/check_circle:")
    for warning in result.warnings:  # (what the figures hang on: an import whose deals none is won, ...)
        st.warning(warning, icon=":material/warning:")
