r"""The CSV import: a file read, checked and planned (no writes), then committed in one transaction.

The public face (what pages, the CLI, the sample loader and tests call):

- :func:`inspect_file` — detect the kind and mapping, stage and check the rows, preview (no writes);
- :func:`commit_import` — write an inspected plan (all accepted rows or none), undoable;
- :func:`import_file` — both in one go (the CLI);
- :func:`import_history`, :func:`import_records`, :func:`import_rejects`, :func:`undo_import`;
- :func:`activity_type_map`, :func:`activity_labels`, :func:`set_activity_type`, :func:`save_mapping`;
- :func:`stage_outcome_map`, :func:`stage_labels`, :func:`set_stage_outcome` (the manager's stage -> outcome map);
- the values :class:`ImportPlan`, :class:`ImportResult`, :class:`ImportRecord`.

>>> import pathlib, shutil, tempfile
>>> from analytics import importing, store
>>> conn = store.connect(":memory:")
>>> path = pathlib.Path(tempfile.mkdtemp()) / "opportunities.csv"
>>> _ = path.write_text("\n".join(["Owner,Close Date,Amount,Stage", "Ann Lee,01/15/2026,1200,Closed Won",
...                                "Bo Chan,01/20/2026,950,Closed Lost", "Bo Chan,13/45/2026,10,Closed Won"]))
>>> plan = importing.inspect_file(conn, path)                     # kind, mapping, notes, preview, rejects
>>> plan.kind, plan.rows_read, plan.rows_rejected
('deals', 3, 1)
>>> result = importing.commit_import(conn, plan)                  # one transaction: all accepted rows or none
>>> result.rows_loaded, result.rejects[0]["line"], result.rejects[0]["reason"]
(2, 4, 'not a date: 13/45/2026')
>>> importing.undo_import(conn, result.import_id)
'undid import 1 (opportunities.csv): 2 row(s) removed, 0 restored to their previous values'
>>> shutil.rmtree(path.parent)

The names are loaded when first used (PEP 562): ``imports list`` reads the history without
loading the reader (numpy, pyarrow), which takes longer to load than the listing takes to run.

Inside, by what each part does (each depends only on the parts listed before it):

- the file: ``user_input`` (paths, units), ``csv_text`` (encoding), ``csv_records`` (quotes,
  records), ``csv_source`` (a readable file, its headers), ``csv_lines`` (physical lines),
  ``temp_files``;
- the columns: ``fields`` (kinds, fields, synonyms, presets), ``saved_mappings``, ``mapping`` (detection),
  ``labels`` (stages, activity types), ``parsing`` (the SQL parsing each value type, the date
  formats), ``reader_casts``, ``column_profile``;
- staging: ``stage_types`` (the state of a staged file), ``read_sql``, ``reject_lines``,
  ``field_sql``, ``one_read_plan``, ``scan``, ``shaping`` (per kind), ``order_lines``, ``staging``;
- writing: ``tables``, ``verdict_sink``, ``one_read``, ``loading``; ``quota_units``;
- orchestration: ``plan_decisions`` (a plan decided from facts, pure), ``planning`` (the facts
  read, a plan), ``commit`` (its write); ``history``, ``activity_types``, ``stage_outcomes``.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # (the names as mypy sees them; at run time __getattr__ loads them)
    from analytics.importing.activity_types import activity_labels as activity_labels
    from analytics.importing.activity_types import activity_type_map as activity_type_map
    from analytics.importing.activity_types import set_activity_type as set_activity_type
    from analytics.importing.commit import ImportResult as ImportResult
    from analytics.importing.commit import commit_import as commit_import
    from analytics.importing.commit import import_file as import_file
    from analytics.importing.history import ImportRecord as ImportRecord
    from analytics.importing.history import import_history as import_history
    from analytics.importing.history import import_records as import_records
    from analytics.importing.history import import_rejects as import_rejects
    from analytics.importing.history import undo_import as undo_import
    from analytics.importing.planning import ImportPlan as ImportPlan
    from analytics.importing.planning import inspect_file as inspect_file
    from analytics.importing.saved_mappings import save_mapping as save_mapping
    from analytics.importing.stage_outcomes import set_stage_outcome as set_stage_outcome
    from analytics.importing.stage_outcomes import stage_labels as stage_labels
    from analytics.importing.stage_outcomes import stage_outcome_map as stage_outcome_map

_HOME = {
    "inspect_file": "planning", "ImportPlan": "planning",
    "commit_import": "commit", "import_file": "commit", "ImportResult": "commit",
    "import_history": "history", "import_records": "history", "import_rejects": "history",
    "undo_import": "history", "ImportRecord": "history",
    "activity_type_map": "activity_types", "activity_labels": "activity_types",
    "set_activity_type": "activity_types", "save_mapping": "saved_mappings",
    "stage_outcome_map": "stage_outcomes", "stage_labels": "stage_outcomes", "set_stage_outcome": "stage_outcomes",
}
__all__ = sorted(_HOME)


def __getattr__(name: str) -> object:
    if name not in _HOME:
        raise AttributeError(f"module 'analytics.importing' has no attribute {name!r}")
    value = getattr(importlib.import_module(f"analytics.importing.{_HOME[name]}"), name)
    globals()[name] = value
    return value
