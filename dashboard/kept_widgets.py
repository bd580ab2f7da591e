"""Widget values that outlive a visit to another page: the meeting never loses its state.

Streamlit forgets the value of every widget a run did not draw: after a visit to Overview, Baselines'
metric and candidate target were back at their defaults. A page's choices are therefore kept under a
plain (non-widget) session key and given back, before the page draws them, to the widgets Streamlit
forgot (:func:`seed`). Targets keeps its choices in its working draft (``dashboard/draft_state.py``,
which seeds through :func:`seed` too); every other page names its widgets once with :func:`keep`, and
the frame copies their values into the plain key at the start of every run (:func:`remember_kept`),
before the run that would forget them: what a callback or the page itself set last is kept too.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import streamlit as st

KEPT_KEY = "kept_widget_values"   # {widget key: its last value}, for the widgets pages named with keep()


def seed(values: Mapping[str, Any]) -> None:
    """Give every widget Streamlit forgot (its page was not drawn) its kept value, before it is drawn."""
    for key, value in values.items():
        if key not in st.session_state and value is not None:
            st.session_state[key] = value


def keep(keys: Iterable[str]) -> None:
    """Call before the page draws the widgets of ``keys``: they show the manager's last choice, even after
    a visit to another page. A kept value the widget no longer offers falls back to its default."""
    kept = st.session_state.setdefault(KEPT_KEY, {})
    for key in keys:
        if key in st.session_state:
            kept[key] = st.session_state[key]
        else:
            kept.setdefault(key, None)
    seed({key: kept[key] for key in keys})


def remember_kept() -> None:
    """At the start of every run (the frame's): copy the kept widgets' values, while Streamlit still holds
    them, into the plain key; a run of another page forgets them at its end."""
    kept = st.session_state.get(KEPT_KEY)
    if not kept:
        return
    for key in kept:
        if key in st.session_state:
            kept[key] = st.session_state[key]
