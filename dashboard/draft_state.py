"""The Targets page's working draft: one object in session state that lives for the browser session.

Streamlit forgets the widgets of a page it does not draw: after a visit to Baselines the Targets page's
base percentile, team split, team number, set name and author were back at their defaults while the
overrides (kept in a plain key) survived, so a new set silently took the old one's overrides. Everything
the manager set up is therefore kept in one :class:`WorkingDraft` under a plain (non-widget) key; each
run seeds the page's widgets from it (:func:`seed_widgets`, through ``kept_widgets.seed`` as every page's)
and copies their values back (:func:`remember`). Only "New set" (:func:`start_new_set`) or opening a saved
set replaces it.
"""

from __future__ import annotations

import dataclasses
from typing import Any

import streamlit as st

from analytics.draft_edits import DraftEdits
from dashboard import kept_widgets

DRAFT_KEY = "tg_draft"
CONFIRM_NEW_KEY = "tg_confirm_new"    # "New set" asked to confirm: the draft has unsaved edits
# widget key -> the WorkingDraft field it edits
WIDGET_FIELDS = {
    "tg_metric": "metric", "tg_base": "base", "tg_stretch": "stretch", "tg_exc": "excellence",
    "tg_use_exc": "use_excellence", "tg_conf": "confidence", "tg_split": "split", "tg_team": "team_number",
    "tg_alloc": "allocation", "tg_team_rest": "team_rest", "tg_name": "name", "tg_author": "author",
    "tg_note": "note", "tg_one_rep": "one_rep", "tg_one_tier": "one_tier",
}
# per-rep widgets of the one-rep panel and the table's cell edits: they belong to the draft too
PER_REP_PREFIXES = ("tg_editor|", "tg_one_reason-", "tg_one_value-")


@dataclasses.dataclass
class OpenSet:
    """The saved set the working draft was opened from or last saved as."""

    set_id: int
    name: str
    version: int
    revision: int
    status: str
    context: str        # metric|grain|period it was saved for


@dataclasses.dataclass
class WorkingDraft:
    """What the manager has set up on Targets: the set's header, tiers, team number and edits.

    ``edits`` are kept per context (``metric|grain|period``): an override of won revenue in Q1 is not
    one of deals in Q2. ``team_number`` and ``name`` are None/"" until the manager sets them; the page
    then proposes one for the context (``team_for``, ``name_for`` say which). A number or name the manager
    typed is kept for its context too (``team_numbers``, ``names``): a look at the months, or at another
    quarter, and back finds it again, and the open set's autosave never writes the proposal over it.

    >>> d = WorkingDraft()
    >>> d.has_work(), d.with_edits("revenue|quarter|2026-Q1", DraftEdits().with_proposal("Ana", "base", 9.0, True)).has_work()
    (False, True)
    >>> d.keep_team_number("revenue|quarter|2026-Q1", 5e6, proposed=4.7e6)
    >>> d.team_number_in("revenue|quarter|2026-Q1", 4.8e6), d.team_number_in("revenue|month|2026-01", 1.6e6)
    (5000000.0, 1600000.0)
    """

    metric: str = "revenue"
    base: int = 35
    stretch: int = 70
    excellence: int = 90
    use_excellence: bool = True
    confidence: int = 80
    split: bool = False
    team_number: float | None = None
    team_for: str | None = None
    allocation: str = "equal-chance"
    team_rest: str = "resplit"
    name: str = ""
    name_for: str | None = None
    author: str = ""
    note: str = ""
    one_rep: str | None = None      # the rep the one-rep panel shows (kept across page visits)
    one_tier: str | None = None
    edits: dict[str, DraftEdits] = dataclasses.field(default_factory=dict)
    team_numbers: dict[str, float] = dataclasses.field(default_factory=dict)   # typed, per context
    names: dict[str, str] = dataclasses.field(default_factory=dict)            # typed, per context
    open_set: OpenSet | None = None
    saved_signature: str | None = None

    def edits_for(self, context: str) -> DraftEdits:
        """The edits of one context, with the draft's choice for the team number's rest."""
        return dataclasses.replace(self.edits.get(context, DraftEdits()), team_rest=self.team_rest)

    def with_edits(self, context: str, edits: DraftEdits) -> WorkingDraft:
        self.edits[context] = edits
        return self

    def team_number_in(self, context: str, proposed: float) -> float:
        """The team number for ``context``: the one the manager typed for it, else ``proposed``."""
        return self.team_numbers.get(context, proposed)

    def keep_team_number(self, context: str, number: float, proposed: float) -> None:
        """Remember the number shown for ``context`` when it is the manager's own (not the proposal)."""
        _keep(self.team_numbers, context, number, proposed)

    def name_in(self, context: str, proposed: str) -> str:
        """The set's name for ``context``: the one the manager typed for it, else ``proposed``."""
        return self.names.get(context, proposed)

    def keep_name(self, context: str, name: str, proposed: str) -> None:
        """Remember the name shown for ``context`` when it is the manager's own (not the proposal)."""
        _keep(self.names, context, name, proposed)

    def open_for(self, context: str) -> OpenSet | None:
        """The open set, when it was saved for this context."""
        return self.open_set if self.open_set is not None and self.open_set.context == context else None

    def has_work(self) -> bool:
        """Whether anything was set up beyond the defaults (the metric aside: it is what is looked at)."""
        fresh = dataclasses.replace(WorkingDraft(), metric=self.metric)
        return any(e.count for e in self.edits.values()) or any(
            getattr(self, f) != getattr(fresh, f) for f in ("base", "stretch", "excellence", "use_excellence",
                                                            "confidence", "split", "allocation", "team_rest",
                                                            "author", "note", "open_set"))

    def has_unsaved(self, signature: str) -> bool:
        """Whether "New set" would lose something: edits since the open set was saved, or unsaved work."""
        if self.open_set is not None:
            return self.saved_signature not in (None, signature)
        return self.has_work()


def _keep(kept: dict, context: str, value: Any, proposed: Any) -> None:
    if value == proposed:
        kept.pop(context, None)
    else:
        kept[context] = value


def working_draft(metric: str = "revenue") -> WorkingDraft:
    """The session's working draft (created on first use, on ``metric``)."""
    draft = st.session_state.get(DRAFT_KEY)
    if not isinstance(draft, WorkingDraft):
        draft = st.session_state[DRAFT_KEY] = WorkingDraft(metric=metric)
    return draft


def seed_widgets(draft: WorkingDraft) -> None:
    """Give every widget Streamlit forgot (its page was not drawn) the draft's value, before it is drawn."""
    kept_widgets.seed({key: getattr(draft, name) for key, name in WIDGET_FIELDS.items()})


def remember(draft: WorkingDraft, **values: Any) -> None:
    """Copy widget values into the draft (``remember(draft, base=40)``)."""
    for name, value in values.items():
        setattr(draft, name, value)


def push_to_widgets(draft: WorkingDraft) -> None:
    """Make the widgets show ``draft`` (a callback's job: before the widgets are drawn again)."""
    for key, name in WIDGET_FIELDS.items():
        value = getattr(draft, name)
        if value is None:
            st.session_state.pop(key, None)
        else:
            st.session_state[key] = value
    for key in [k for k in st.session_state if str(k).startswith(PER_REP_PREFIXES)]:
        del st.session_state[key]


def replace_draft(draft: WorkingDraft) -> None:
    """The session's draft becomes ``draft`` and the widgets show it."""
    st.session_state[DRAFT_KEY] = draft
    push_to_widgets(draft)


def start_new_set() -> None:
    """"New set": everything back to the defaults (the metric looked at stays); no override carries over.
    A callback: it sets the widgets before they are drawn again."""
    st.session_state.pop(CONFIRM_NEW_KEY, None)
    replace_draft(WorkingDraft(metric=working_draft().metric))


def new_set_clicked(unsaved: bool) -> None:
    """The "New set" button: asks first when the draft has unsaved edits, else starts it."""
    if unsaved:
        st.session_state[CONFIRM_NEW_KEY] = True
    else:
        start_new_set()


def cancel_new_set() -> None:
    st.session_state.pop(CONFIRM_NEW_KEY, None)
