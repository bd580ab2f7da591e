"""Every read-only table of the dashboard, drawn one way: a missing value shows as the product's blank.

Streamlit draws a missing cell as "None" unless told otherwise. In a table a manager reads aloud ("Undone
by: None" for an import nobody undid, "Result before: None" for a rep hired this quarter) that looks like
a fault of the product, not a fact of the data. Editable tables pass the same blank themselves.
"""

from __future__ import annotations

from typing import Any

import streamlit as st

from analytics import formatting


def table(data: Any, **kwargs: Any) -> Any:
    """``st.dataframe`` with a missing value drawn as ``formatting.BLANK``."""
    return st.dataframe(data, placeholder=formatting.BLANK, **kwargs)
