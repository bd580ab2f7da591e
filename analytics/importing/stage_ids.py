"""A deal stage column holding the CRM's internal stage ids (a HubSpot custom pipeline's 'Deal Stage'
exported as ``12345678``, or as a uuid) rather than the stages' names.

No id says won or lost, so every such deal counted open: a file of them had no wins and no losses, its
won revenue 0, with only a note listing unknown stages. Now a stage column whose every label is an id is
refused, naming the column and its ids (unless yes/no Won or Closed columns decide the outcome); ids beside
stage names (a custom pipeline beside the default one) are named in a note saying those deals count open.

>>> ids_of(["closedwon", "12345678", "3f2a9c1e-0b7d-4c2e-9a51-2b8e6d0c7f11", "Negotiation"])
['12345678', '3f2a9c1e-0b7d-4c2e-9a51-2b8e6d0c7f11']
"""

from __future__ import annotations

import re

from analytics import quoting

# An id, not a name: four digits or more (HubSpot's custom pipeline stage ids), or a uuid.
STAGE_ID_RE = re.compile(r"\s*([0-9]{4,}|[0-9a-fA-F]{8}(-[0-9a-fA-F]{4}){3}-[0-9a-fA-F]{12})\s*")
SHOWN = 5


def ids_of(values: list[str]) -> list[str]:
    """Those of a stage column's distinct ``values`` that are ids."""
    return [v for v in values if STAGE_ID_RE.fullmatch(v)]


def _shown(ids: list[str]) -> str:
    more = f" and {len(ids) - SHOWN} more" if len(ids) > SHOWN else ""
    return ", ".join(quoting.shown(v) for v in ids[:SHOWN]) + more


def refusal(header: str, ids: list[str]) -> str:
    """Why a stage column of ids only is refused, and what to export instead."""
    return (f"column {quoting.quoted(header)} holds the CRM's stage ids ({_shown(ids)}), not stage names: no id "
            "says won or lost, so every deal would count open. Export the stages' names (HubSpot: the deal stage's "
            "label, not its internal value), or map yes/no columns saying won and closed (CLI --map 'COLUMN=is_won')")


def note(header: str, ids: list[str]) -> str:
    """The note of stage ids beside stage names."""
    return (f"{quoting.quoted(header)} holds stage ids, not names ({_shown(ids)}): no id says won or lost, so those "
            "deals count open, whether won or lost; export the stages' names to read them")
