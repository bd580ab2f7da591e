"""The dashboard's Streamlit side, shared by app.py and the pages.

- ``session``: the cached database connection, a cursor per run, and the sidebar's grain and period
  as the pages read them.
- ``frame``: the navigation frame's sidebar, the page guard each page calls first, the empty state.
- ``target_set_panel``: the Targets page's save panel and saved sets.
- ``import_preview``: the Import page's look at one file (settings, order lines, preview, plan, result).

Nothing here runs SQL: the engine in ``analytics`` does, through the connection ``session`` hands out.
"""
